//! The syntax of an ADMX-backed policy's value (`MSFT:AllowedValues ValueType="ADMX"`): the
//! XML fragment the Policy CSP page documents — `<enabled/>` or `<disabled/>`, then, after
//! `<enabled/>`, any number of `<data id="…" value="…"/>` elements; whitespace between
//! elements is allowed. The policy's own elements (which ids its ADMX file defines) are not
//! checked: pfw does not ship ADMX files.

/// Why a value is not an ADMX policy value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdmxSyntax {
    /// Neither `<enabled/>` nor `<disabled/>` first.
    NoState,
    /// Something other than a `<data id="…" value="…"/>` element after the state.
    BadData,
    /// `<data>` elements after `<disabled/>`.
    DataWhenDisabled,
}

impl AdmxSyntax {
    /// The rule broken, completing "must be …".
    pub fn rule(self) -> &'static str {
        match self {
            Self::NoState => "<enabled/> or <disabled/>",
            Self::BadData => "<enabled/> followed only by <data id=\"…\" value=\"…\"/> elements",
            Self::DataWhenDisabled => "<disabled/> alone",
        }
    }
}

/// Checks `text` against the ADMX value syntax.
pub fn check(text: &str) -> Result<(), AdmxSyntax> {
    let rest = text.trim_start();
    let (enabled, mut rest) = if let Some(r) = strip_empty_element(rest, "enabled") {
        (true, r)
    } else if let Some(r) = strip_empty_element(rest, "disabled") {
        (false, r)
    } else {
        return Err(AdmxSyntax::NoState);
    };
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(());
        }
        if !enabled {
            return Err(AdmxSyntax::DataWhenDisabled);
        }
        rest = strip_data(rest).ok_or(AdmxSyntax::BadData)?;
    }
}

/// `<name/>` or `<name />` (or `<name></name>`) at the start of `text`: the rest.
fn strip_empty_element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let rest = text.strip_prefix('<')?.strip_prefix(name)?;
    let rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix("/>") {
        return Some(r);
    }
    let r = rest.strip_prefix('>')?.trim_start();
    r.strip_prefix("</")?
        .strip_prefix(name)?
        .trim_start()
        .strip_prefix('>')
}

/// One `<data id="…" value="…"/>` element (attributes in either order, each once, quoted with
/// `"` or `'`) at the start of `text`: the rest.
fn strip_data(text: &str) -> Option<&str> {
    let mut rest = text.strip_prefix("<data")?;
    let (mut id, mut value) = (false, false);
    loop {
        let trimmed = rest.trim_start();
        if let Some(r) = trimmed.strip_prefix("/>") {
            return (id && value).then_some(r);
        }
        if trimmed.len() == rest.len() {
            return None; // attributes are separated by whitespace
        }
        let eq = trimmed.find('=')?;
        let name = trimmed[..eq].trim_end();
        let after = trimmed[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let close = after[1..].find(quote)? + 1;
        if after[1..close].contains('<') {
            return None;
        }
        let seen = match name {
            "id" => &mut id,
            "value" => &mut value,
            _ => return None,
        };
        if *seen {
            return None;
        }
        *seen = true;
        rest = &after[close + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value forms of Microsoft's Policy CSP page ("Understanding ADMX-backed policies").
    #[test]
    fn admx_values() {
        let cases: &[(&str, Result<(), AdmxSyntax>)] = &[
            ("<enabled/>", Ok(())),
            ("<enabled />", Ok(())),
            ("<disabled/>", Ok(())),
            ("  <disabled/>  ", Ok(())),
            ("<enabled></enabled>", Ok(())),
            (r#"<enabled/><data id="TS_SMART_CARD" value="1"/>"#, Ok(())),
            (
                "<enabled/>\n<data id='A' value='x'/>\n<data value=\"2\" id=\"B\" />",
                Ok(()),
            ),
            ("", Err(AdmxSyntax::NoState)),
            ("1", Err(AdmxSyntax::NoState)),
            ("true", Err(AdmxSyntax::NoState)),
            ("<Enabled/>", Err(AdmxSyntax::NoState)),
            (
                r#"<disabled/><data id="A" value="1"/>"#,
                Err(AdmxSyntax::DataWhenDisabled),
            ),
            (r#"<enabled/><data id="A"/>"#, Err(AdmxSyntax::BadData)),
            (
                r#"<enabled/><data id="A" id="B" value="1"/>"#,
                Err(AdmxSyntax::BadData),
            ),
            (
                r#"<enabled/><data id="A" value="1">"#,
                Err(AdmxSyntax::BadData),
            ),
            (
                r#"<enabled/><data id="A"value="1"/>"#,
                Err(AdmxSyntax::BadData),
            ),
            (r#"<enabled/><other/>"#, Err(AdmxSyntax::BadData)),
            ("<enabled/>text", Err(AdmxSyntax::BadData)),
        ];
        for (text, expected) in cases {
            assert_eq!(check(text), *expected, "{text:?}");
        }
    }
}
