//! The escaper every writer of XML uses: text escaped so that the reader gives it back
//! exactly.
//!
//! `&`, `<`, `>` always; CR as `&#13;` (a raw CR would be normalized to LF when read); in
//! attribute values also `"`, tab and LF (an attribute value has its whitespace normalized).
//! A character XML 1.0 cannot carry at all (C0 controls other than tab, LF and CR, and
//! U+FFFE/U+FFFF) is written as U+FFFD, the replacement character: no document written
//! here is refused by a reader for it.

use std::borrow::Cow;

/// Appends `text` escaped for element content.
pub fn escape_text(out: &mut String, text: &str) {
    escape_into(out, text, false);
}

/// Appends `text` escaped for a double-quoted attribute value.
pub fn escape_attr(out: &mut String, text: &str) {
    escape_into(out, text, true);
}

/// `text` escaped for element content or a double-quoted attribute value alike (the
/// attribute rules, which read back the same in content): borrowed when nothing needs
/// escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.bytes().all(|b| !special(b, true)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    escape_attr(&mut out, text);
    Cow::Owned(out)
}

/// Whether `c` is a character XML 1.0 allows in a document (its production `Char`).
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `text` outside XML 1.0's `Char`, with its byte offset. Valid
/// UTF-8 holds no surrogate, so what is left to find is a C0 control other than tab, LF and
/// CR, and U+FFFE and U+FFFF (both led by the byte 0xEF). Every reader of pfw (SyncML's
/// lexer, this crate's reader) checks its whole input with it once.
pub fn first_forbidden_char(text: &str) -> Option<(usize, char)> {
    const CHUNK: usize = 256;
    // 1 for a byte that may start a forbidden character; written without branches so the
    // scan over each chunk vectorizes.
    let suspicious = |b: u8| {
        (u8::from(b < 0x20) & u8::from(b != b'\t') & u8::from(b != b'\n') & u8::from(b != b'\r'))
            | u8::from(b == 0xEF)
    };
    for (index, chunk) in text.as_bytes().chunks(CHUNK).enumerate() {
        if chunk.iter().fold(0u8, |acc, &b| acc | suspicious(b)) == 0 {
            continue;
        }
        for (i, &b) in chunk.iter().enumerate() {
            if suspicious(b) == 0 {
                continue;
            }
            let at = index * CHUNK + i;
            let bad = match b {
                0xEF => text
                    .get(at..)
                    .and_then(|s| s.chars().next())
                    .filter(|&c| !is_xml_char(c)),
                _ => Some(char::from(b)),
            };
            if let Some(c) = bad {
                return Some((at, c));
            }
        }
    }
    None
}

/// Whether byte `b` may start something the escaper changes (0xEF leads U+FFFE and U+FFFF).
const fn special(b: u8, attr: bool) -> bool {
    matches!(b, b'&' | b'<' | b'>' | b'\r' | 0xEF)
        || (b < 0x20 && b != b'\t' && b != b'\n')
        || (attr && matches!(b, b'"' | b'\t' | b'\n'))
}

fn escape_into(out: &mut String, text: &str, attr: bool) {
    let Some(first) = text.bytes().position(|b| special(b, attr)) else {
        out.push_str(text);
        return;
    };
    let (clean, rest) = text.split_at(first);
    out.push_str(clean);
    for c in rest.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attr => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_escape_what_would_not_read_back() {
        let mut out = String::new();
        escape_text(&mut out, "a&b<c>]]>\r\n\t\"\u{1}\u{FFFF}é");
        assert_eq!(out, "a&amp;b&lt;c&gt;]]&gt;&#13;\n\t\"\u{FFFD}\u{FFFD}é");
        out.clear();
        escape_attr(&mut out, "0x8\"6\t\n\r");
        assert_eq!(out, "0x8&quot;6&#9;&#10;&#13;");
        assert_eq!(
            escape("0x8\"6\t\n\r\u{1}"),
            "0x8&quot;6&#9;&#10;&#13;\u{FFFD}"
        );
        assert!(matches!(escape("plain 'text' é"), Cow::Borrowed(_)));
    }
}
