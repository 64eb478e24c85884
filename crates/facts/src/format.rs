//! The table's text format, one line per fact-bearing record, tab-separated fields.
//!
//! ```text
//! pfw-facts 1
//! U <body offset> <body length> <file> <root path> <root name>     one per unit (a DDF root node)
//! A <OsBuildVersion> <CspVersion> <EditionAllowList>               applicability, interned
//! N <depth> <name> <format> <access> <occurrence> <scope> <title> <DFType> <CaseSense>
//!   <default> <ValueType> <allowed> <AdmxBacked> <applicability #> <naming> <deprecated>
//!   <ConflictResolution> <GpMapping>                                one per node, depth-first
//! ```
//!
//! The `N` lines come after every `U` and `A` line; a unit's body is its `N` lines, found by
//! byte offset so one unit is read without reading any other. An optional text field is empty
//! when absent and `=text` when present; `%` escapes (`%25`, `%09`, `%0A`, `%0D`, `%1F`) keep
//! tabs, line ends and the list separator `\x1F` out of the fields. No prose: descriptions,
//! value descriptions, dynamic-naming texts and the schema texts of `XSD`/`JSON`/`SDDL` allowed
//! values are not part of the format.

use pfw_ddf::{
    AccessType, AdmxBacked, AllowedKind, AllowedValues, Applicability, CaseSense, DfType,
    DynamicNaming, EnumValue, Format, Node, NodeName, NodeScope, Occurrence, Pattern, Verb,
};

/// The first line of a table.
pub const HEADER: &str = "pfw-facts 1";

/// Separates the items of a list field.
const SEP: char = '\x1f';

/// Percent-escapes the characters the format reserves.
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\t' => out.push_str("%09"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            SEP => out.push_str("%1F"),
            c => out.push(c),
        }
    }
}

/// Reverses [`escape`].
pub(crate) fn unescape(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).unwrap_or("");
        let c = match code {
            "25" => '%',
            "09" => '\t',
            "0A" => '\n',
            "0D" => '\r',
            "1F" => SEP,
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        };
        out.push(c);
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

fn opt(value: Option<&str>, out: &mut String) {
    if let Some(v) = value {
        out.push('=');
        escape(v, out);
    }
}

fn read_opt(field: &str) -> Option<String> {
    field.strip_prefix('=').map(unescape)
}

fn list(items: impl Iterator<Item = String>, out: &mut String) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        escape(&item, out);
    }
}

fn read_list(field: &str) -> Vec<String> {
    if field.is_empty() {
        return Vec::new();
    }
    field.split(SEP).map(unescape).collect()
}

fn pairs(attrs: Option<&Vec<(String, String)>>, out: &mut String) {
    if let Some(attrs) = attrs {
        out.push('=');
        list(attrs.iter().map(|(k, v)| format!("{k}={v}")), out);
    }
}

fn read_pairs(field: &str) -> Option<Vec<(String, String)>> {
    let rest = field.strip_prefix('=')?;
    Some(
        read_list(rest)
            .into_iter()
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (p, String::new()),
            })
            .collect(),
    )
}

/// The applicability line's fields (without the `A`), the key it is interned under.
pub(crate) fn applicability_key(app: &Applicability) -> String {
    let mut out = String::new();
    opt(app.os_build_text.as_deref(), &mut out);
    out.push('\t');
    opt(app.csp_version.as_deref(), &mut out);
    out.push('\t');
    opt(app.edition_text.as_deref(), &mut out);
    out
}

/// Reads an `A` line's fields back into an applicability.
pub(crate) fn read_applicability(fields: &[&str]) -> Result<Applicability, String> {
    let [os, csp, editions] = fields else {
        return Err(format!("an A line has 3 fields, not {}", fields.len()));
    };
    let os_build_text = read_opt(os);
    let edition_text = read_opt(editions);
    Ok(Applicability {
        os_builds: match &os_build_text {
            Some(t) => Applicability::parse_builds(t).map_err(|e| e.to_string())?,
            None => Vec::new(),
        },
        editions: match &edition_text {
            Some(t) => Applicability::parse_editions(t).map_err(|e| e.to_string())?,
            None => Vec::new(),
        },
        os_build_text,
        csp_version: read_opt(csp),
        edition_text,
        skipped: Vec::new(),
    })
}

/// Writes `node`'s `N` line at `depth`; `applicability` gives the interned index of an
/// applicability.
pub(crate) fn write_node(
    node: &Node,
    depth: usize,
    applicability: &mut dyn FnMut(&Applicability) -> usize,
    out: &mut String,
) {
    out.push_str("N\t");
    out.push_str(&depth.to_string());
    out.push('\t');
    if let NodeName::Static(name) = &node.name {
        out.push('=');
        escape(name, out);
    }
    out.push('\t');
    opt(node.path.as_deref(), out);
    out.push('\t');
    escape(node.format.as_str(), out);
    out.push('\t');
    for verb in node.access.verbs() {
        out.push(verb_letter(verb));
    }
    out.push('\t');
    out.push_str(&occurrence_code(node.occurrence));
    out.push('\t');
    out.push(match node.scope {
        NodeScope::Dynamic => 'D',
        NodeScope::Permanent => 'P',
    });
    out.push('\t');
    opt(node.title.as_deref(), out);
    out.push('\t');
    match &node.df_type {
        Some(DfType::Mime(m)) => {
            out.push_str("m=");
            escape(m, out);
        }
        Some(DfType::DdfName(n)) => {
            out.push_str("d=");
            escape(n, out);
        }
        None => {}
    }
    out.push('\t');
    match node.case_sense {
        Some(CaseSense::Sensitive) => out.push('S'),
        Some(CaseSense::Insensitive) => out.push('I'),
        None => {}
    }
    out.push('\t');
    opt(node.default_value.as_deref(), out);
    out.push('\t');
    match &node.allowed {
        None => out.push_str("\t\t"),
        Some(allowed) => {
            out.push('=');
            escape(&allowed.value_type, out);
            out.push('\t');
            match &allowed.kind {
                AllowedKind::Enum(values) => {
                    out.push('e');
                    list(values.iter().map(|v| v.value.clone()), out);
                }
                AllowedKind::Flag(values) => {
                    out.push('f');
                    list(values.iter().map(|v| v.value.clone()), out);
                }
                AllowedKind::Range { min, max } => out.push_str(&format!("r{min}{SEP}{max}")),
                AllowedKind::RegEx(p) => {
                    out.push('x');
                    escape(p.source(), out);
                }
                // An XSD, JSON or SDDL schema (or `None`): pfw checks nothing against it, and
                // its text carries prose, so only the value type is kept.
                AllowedKind::Unchecked(_) => out.push('u'),
            }
            out.push('\t');
            if let Some(a) = &allowed.admx {
                out.push('=');
                list([&a.area, &a.name, &a.file].into_iter().cloned(), out);
            }
        }
    }
    out.push('\t');
    if let Some(app) = &node.applicability {
        out.push_str(&applicability(app).to_string());
    }
    out.push('\t');
    opt(node.dynamic_naming.as_ref().map(|d| d.kind.as_str()), out);
    out.push('\t');
    pairs(node.deprecated.as_ref(), out);
    out.push('\t');
    opt(node.conflict_resolution.as_deref(), out);
    out.push('\t');
    pairs(node.gp_mapping.as_ref(), out);
    out.push('\n');
}

/// Number of tab-separated fields of an `N` line, the `N` included.
pub(crate) const NODE_FIELDS: usize = 20;

/// Reads the fields of an `N` line (the `N` and depth already taken) into a node without
/// children. `applicability` looks an interned applicability up.
pub(crate) fn read_node(
    fields: &[&str],
    applicability: &dyn Fn(usize) -> Option<Applicability>,
) -> Result<Node, String> {
    let [
        name,
        path,
        format,
        access,
        occurrence,
        scope,
        title,
        df_type,
        case_sense,
        default,
        value_type,
        kind,
        admx,
        app,
        naming,
        deprecated,
        conflict,
        gp,
    ] = fields
    else {
        return Err(format!(
            "a node line has {NODE_FIELDS} fields, not {}",
            fields.len() + 2
        ));
    };
    let allowed = match read_opt(value_type) {
        None => None,
        Some(value_type) => Some(AllowedValues {
            value_type,
            kind: read_kind(kind)?,
            admx: admx.strip_prefix('=').map(|a| {
                let mut parts = read_list(a).into_iter();
                AdmxBacked {
                    area: parts.next().unwrap_or_default(),
                    name: parts.next().unwrap_or_default(),
                    file: parts.next().unwrap_or_default(),
                }
            }),
        }),
    };
    Ok(Node {
        name: match name.strip_prefix('=') {
            Some(n) => NodeName::Static(unescape(n)),
            None => NodeName::Dynamic,
        },
        path: read_opt(path),
        access: access
            .chars()
            .map(|c| letter_verb(c).ok_or_else(|| format!("unknown verb letter {c:?}")))
            .collect::<Result<AccessType, String>>()?,
        default_value: read_opt(default),
        description: None,
        format: Format::from_name(&unescape(format)),
        occurrence: read_occurrence(occurrence)?,
        scope: match *scope {
            "D" => NodeScope::Dynamic,
            "P" => NodeScope::Permanent,
            other => return Err(format!("unknown scope {other:?}")),
        },
        title: read_opt(title),
        df_type: match df_type.split_at_checked(2) {
            Some(("m=", m)) => Some(DfType::Mime(unescape(m))),
            Some(("d=", n)) => Some(DfType::DdfName(unescape(n))),
            _ if df_type.is_empty() => None,
            _ => return Err(format!("unknown DFType {df_type:?}")),
        },
        case_sense: match *case_sense {
            "S" => Some(CaseSense::Sensitive),
            "I" => Some(CaseSense::Insensitive),
            "" => None,
            other => return Err(format!("unknown CaseSense {other:?}")),
        },
        applicability: if app.is_empty() {
            None
        } else {
            let index: usize = app
                .parse()
                .map_err(|_| format!("bad applicability {app:?}"))?;
            Some(applicability(index).ok_or_else(|| format!("no applicability #{index}"))?)
        },
        allowed,
        supported_values: None,
        dynamic_naming: read_opt(naming).map(|kind| DynamicNaming {
            kind,
            text: String::new(),
        }),
        deprecated: read_pairs(deprecated),
        conflict_resolution: read_opt(conflict),
        gp_mapping: read_pairs(gp),
        children: Vec::new(),
        skipped: Vec::new(),
    })
}

fn read_kind(field: &str) -> Result<AllowedKind, String> {
    let mut chars = field.chars();
    let tag = chars.next();
    let rest = chars.as_str();
    let enums = |rest: &str| {
        read_list(rest)
            .into_iter()
            .map(|value| EnumValue {
                value,
                description: None,
            })
            .collect()
    };
    Ok(match tag {
        Some('e') => AllowedKind::Enum(enums(rest)),
        Some('f') => AllowedKind::Flag(enums(rest)),
        Some('r') => {
            let (min, max) = rest
                .split_once(SEP)
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| format!("bad range {rest:?}"))?;
            AllowedKind::Range { min, max }
        }
        Some('x') => {
            let source = unescape(rest);
            let pattern = Pattern::compile(&source, pfw_ddf::load::MAX_PATTERN_BYTES)
                .map_err(|e| format!("pattern {source:?}: {e}"))?;
            AllowedKind::RegEx(pattern)
        }
        Some('u') => AllowedKind::Unchecked(read_list(rest)),
        _ => return Err(format!("unknown allowed-values kind {field:?}")),
    })
}

fn verb_letter(verb: Verb) -> char {
    match verb {
        Verb::Add => 'A',
        Verb::Copy => 'C',
        Verb::Delete => 'D',
        Verb::Exec => 'E',
        Verb::Get => 'G',
        Verb::Replace => 'R',
    }
}

fn letter_verb(c: char) -> Option<Verb> {
    Verb::ALL.into_iter().find(|v| verb_letter(*v) == c)
}

fn occurrence_code(o: Occurrence) -> String {
    match o {
        Occurrence::One => "1".to_owned(),
        Occurrence::OneOrMore => "+".to_owned(),
        Occurrence::OneOrN(n) => format!("+{n}"),
        Occurrence::ZeroOrMore => "*".to_owned(),
        Occurrence::ZeroOrN(n) => format!("*{n}"),
        Occurrence::ZeroOrOne => "?".to_owned(),
    }
}

fn read_occurrence(code: &str) -> Result<Occurrence, String> {
    let bad = || format!("unknown occurrence {code:?}");
    Ok(match code {
        "1" => Occurrence::One,
        "+" => Occurrence::OneOrMore,
        "*" => Occurrence::ZeroOrMore,
        "?" => Occurrence::ZeroOrOne,
        _ => {
            let (kind, n) = code.split_at_checked(1).ok_or_else(bad)?;
            let n: u32 = n.parse().map_err(|_| bad())?;
            match kind {
                "+" => Occurrence::OneOrN(n),
                "*" => Occurrence::ZeroOrN(n),
                _ => return Err(bad()),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        for text in ["", "a", "%", "a\tb\nc\r%1F", "\x1f", "100%", "%0"] {
            let mut out = String::new();
            escape(text, &mut out);
            assert!(!out.contains(['\t', '\n', '\r', SEP]), "{out:?}");
            assert_eq!(unescape(&out), text);
        }
    }
}
