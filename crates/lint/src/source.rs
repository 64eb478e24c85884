//! Places in a profile's text: byte offsets to 1-based lines and character columns and back,
//! and the character of a decoded string (after XML entities or JSON escapes) in the raw text.
//! Where an element or its content is written comes from the decoded model's spans
//! (`pfw_syncml::Span`); only the step from a decoded character to its raw bytes is taken
//! here, inside a string whose start the model (or the JSON reader) gave.
//!
//! Lines end at a line feed only, and columns count Unicode scalar values, exactly as
//! `pfw_syncml::Pos` does, so positions from the decoder and from here agree.

use pfw_syncml::{LineIndex, Pos};

/// A text with its line index ([`LineIndex`]: positions in logarithmic time, so a profile on
/// one line costs no more than the same profile with line breaks).
#[derive(Debug)]
pub(crate) struct SourceText<'a> {
    index: LineIndex<'a>,
}

impl<'a> SourceText<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            index: LineIndex::new(text),
        }
    }

    pub(crate) fn text(&self) -> &'a str {
        self.index.text()
    }

    /// The 1-based line and character column of the byte at `offset` (clamped to the text).
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let pos = self.index.pos(offset);
        (pos.line, pos.column)
    }

    /// The byte offset of a decoder position, when it lies in the text.
    pub(crate) fn offset(&self, pos: Pos) -> Option<usize> {
        self.index.offset(pos)
    }

    /// Line `line` (1-based) without its line end.
    pub(crate) fn line_text(&self, line: u32) -> Option<&'a str> {
        self.index.line_text(line)
    }

    /// Characters from `from` to `to` (byte offsets), counted only up to the end of `from`'s
    /// line; at least 1.
    pub(crate) fn width(&self, from: usize, to: usize) -> u32 {
        let text = self.text();
        let from = floor_boundary(text, from.min(text.len()));
        let to = floor_boundary(text, to.clamp(from, text.len()));
        let span = text.get(from..to).unwrap_or_default();
        let span = span.split('\n').next().unwrap_or_default();
        saturate(span.chars().count()).max(1)
    }
}

/// How a string's characters are escaped in the raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// JSON: backslash escapes, `\uXXXX` (a surrogate pair is one character).
    Json,
    /// XML: entity and character references, CDATA sections, comments.
    Xml,
}

/// The byte offset in `text` where the decoded character number `index` (0-based) of a string
/// starts, the string's first decoded character being at byte `start`.
pub(crate) fn raw_offset(text: &str, start: usize, index: usize, escapes: Escapes) -> usize {
    let mut i = floor_boundary(text, start.min(text.len()));
    let mut n = 0;
    let mut in_cdata = false;
    while let Some(rest) = text.get(i..) {
        if escapes == Escapes::Xml {
            if !in_cdata && rest.starts_with("<![CDATA[") {
                i += CDATA_OPEN.len();
                in_cdata = true;
                continue;
            }
            if in_cdata && rest.starts_with("]]>") {
                i += 3;
                in_cdata = false;
                continue;
            }
            if !in_cdata && rest.starts_with("<!--") {
                match rest.find("-->") {
                    Some(end) => {
                        i += end + 3;
                        continue;
                    }
                    None => break,
                }
            }
        }
        if n == index {
            break;
        }
        let step = match escapes {
            Escapes::Xml if !in_cdata && rest.starts_with('&') => rest
                .get(..rest.len().min(MAX_REFERENCE))
                .and_then(|head| head.find(';'))
                .map(|semi| semi + 1),
            Escapes::Json if rest.starts_with('\\') => Some(json_escape_len(rest)),
            _ => None,
        };
        let step = match step {
            Some(step) => step,
            None => match rest.chars().next() {
                Some(c) => c.len_utf8(),
                None => break,
            },
        };
        i += step;
        n += 1;
    }
    i.min(text.len())
}

/// The largest char boundary at or before `offset`.
fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Bytes a JSON escape at the start of `rest` takes (a surrogate pair counts as one).
fn json_escape_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    if bytes.get(1) != Some(&b'u') {
        return 2.min(rest.len());
    }
    let high = rest
        .get(2..6)
        .and_then(|hex| u16::from_str_radix(hex, 16).ok());
    let paired = high.is_some_and(|h| (0xD800..0xDC00).contains(&h))
        && rest.get(6..8) == Some("\\u")
        && rest
            .get(8..12)
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            .is_some_and(|l| (0xDC00..0xE000).contains(&l));
    if paired { 12 } else { 6.min(rest.len()) }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

const CDATA_OPEN: &str = "<![CDATA[";
/// Longest entity or character reference looked for (`&#x10FFFF;` and the named five fit).
const MAX_REFERENCE: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_through_offsets() {
        let text = "ab\né😀x\r\n  z";
        let src = SourceText::new(text);
        let cases: &[(&str, (u32, u32))] = &[
            ("b", (1, 2)),
            ("é", (2, 1)),
            // é and 😀 are one character each.
            ("x", (2, 3)),
            ("z", (3, 3)),
        ];
        for (needle, expected) in cases {
            let offset = text.find(needle).unwrap();
            assert_eq!(src.position(offset), *expected, "{needle}");
            let pos = Pos::new(expected.0, expected.1);
            assert_eq!(src.offset(pos), Some(offset), "{needle}");
        }
        assert_eq!(src.offset(Pos::new(9, 1)), None);
    }

    #[test]
    fn decoded_characters_map_to_raw_offsets() {
        // (raw text, decoded index, escapes, expected raw text from that offset on)
        let cases: &[(&str, usize, Escapes, &str)] = &[
            ("a&amp;b", 2, Escapes::Xml, "b"),
            ("a&#x2F;b", 1, Escapes::Xml, "&#x2F;b"),
            ("<![CDATA[ab]]>c", 1, Escapes::Xml, "b]]>c"),
            ("<![CDATA[ab]]>c", 2, Escapes::Xml, "c"),
            (r"a\/b", 2, Escapes::Json, "b"),
            (r"\ud83d\ude00x", 1, Escapes::Json, "x"),
            (r"\u00e9x", 1, Escapes::Json, "x"),
            ("é😀x", 2, Escapes::Json, "x"),
        ];
        for (raw, index, escapes, rest) in cases {
            let at = raw_offset(raw, 0, *index, *escapes);
            assert_eq!(&raw[at..], *rest, "{raw} #{index}");
        }
    }
}
