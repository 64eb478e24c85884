//! Output helpers for the encoder: elements and escaped text, written into a `String`.
//!
//! Text is escaped by `pfw_xml`'s escaper so that decoding gives it back exactly: `&`, `<`,
//! `>` always, CR as `&#13;` (a raw CR would be normalized to LF on decode), and in attribute values
//! also `"`, tab and LF (attribute values have their whitespace normalized). A
//! character XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR, and
//! U+FFFE/U+FFFF) is written as U+FFFD, the replacement character.

/// A part of a message that writes itself as XML: an element, an element that may be absent
/// (`Option`), one kept out of line (`Box`), or a run of them (`Vec`).
pub(crate) trait Encode {
    /// Appends the part to `out`.
    fn write(&self, out: &mut String);
}

impl<T: Encode> Encode for Option<T> {
    #[inline]
    fn write(&self, out: &mut String) {
        if let Some(v) = self {
            v.write(out);
        }
    }
}

impl<T: Encode> Encode for Box<T> {
    #[inline]
    fn write(&self, out: &mut String) {
        T::write(self, out);
    }
}

impl<T: Encode> Encode for Vec<T> {
    #[inline]
    fn write(&self, out: &mut String) {
        for v in self {
            v.write(out);
        }
    }
}

/// Writes `<name>text</name>`, `text` escaped.
pub(crate) fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_text(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Writes `<name>text</name>` when `text` is present.
pub(crate) fn optional(out: &mut String, name: &str, text: Option<&str>) {
    if let Some(text) = text {
        element(out, name, text);
    }
}

/// Writes `<name>text</name>` for each of `texts`.
pub(crate) fn elements(out: &mut String, name: &str, texts: &[String]) {
    for text in texts {
        element(out, name, text);
    }
}

/// Writes `<name/>` when `set`.
pub(crate) fn flag(out: &mut String, name: &str, set: bool) {
    if set {
        out.push('<');
        out.push_str(name);
        out.push_str("/>");
    }
}

/// Writes `<name>`.
pub(crate) fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

/// Writes `</name>`.
pub(crate) fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text escaped for element content (`escape_text`) and for a double-quoted attribute value
/// (`escape_attr`): `pfw_xml`'s escaper, the one every writer of pfw uses.
pub(crate) use pfw_xml::{escape_attr, escape_text};

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping rules are `pfw_xml`'s (pinned there); the writer applies them.
    #[test]
    fn elements_carry_escaped_text() {
        let mut out = String::new();
        element(&mut out, "Data", "plain");
        assert_eq!(out, "<Data>plain</Data>");
        out.clear();
        element(&mut out, "Data", "a&b<c>\r\n\t\u{1}");
        assert_eq!(out, "<Data>a&amp;b&lt;c&gt;&#13;\n\t\u{FFFD}</Data>");
        out.clear();
        escape_attr(&mut out, "0x8\"6\t\n\r");
        assert_eq!(out, "0x8&quot;6&#9;&#10;&#13;");
    }
}
