//! Text files as Windows tools write them: UTF-8 with or without a byte-order mark, or UTF-16
//! (little- or big-endian) with one; a UTF-16LE text without a mark is recognised by its
//! first character. Decoding refuses odd lengths and lone surrogates, and never allocates
//! more than the file's own size allows.

use crate::error::{At, Refusal};

/// A decoded text and where its lines start, for 1-based line and column positions.
#[derive(Clone, Debug)]
pub(crate) struct Text {
    pub(crate) text: String,
    line_starts: Vec<usize>,
}

impl Text {
    pub(crate) fn new(text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (to_u32(line), to_u32(column + 1))
    }

    /// [`position`](Self::position) as an [`At`].
    pub(crate) fn at(&self, offset: usize) -> At {
        let (line, column) = self.position(offset);
        At::Line(line, column)
    }
}

/// Decodes a text file's bytes.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, Refusal> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    // Without a mark: an ASCII first character followed by a zero byte is UTF-16LE.
    if let [first, 0, ..] = bytes
        && first.is_ascii()
        && *first != 0
    {
        return utf16(bytes, u16::from_le_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, Refusal> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| Refusal::BadUtf8)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Refusal> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Refusal::OddUtf16(bytes.len()));
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        out.push(c.map_err(|_| Refusal::BadUtf16)?);
    }
    Ok(out)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let cases: &[(&[u8], Result<&str, Refusal>)] = &[
            (b"ab", Ok("ab")),
            (b"\xEF\xBB\xBFab", Ok("ab")),
            (b"\xFF\xFEa\x00b\x00", Ok("ab")),
            (b"\xFE\xFF\x00a\x00b", Ok("ab")),
            (b"a\x00b\x00", Ok("ab")),
            (b"\xFF\xFEa\x00b", Err(Refusal::OddUtf16(3))),
            (b"\xFF\xFE\x00\xD8a\x00", Err(Refusal::BadUtf16)),
            (b"\xFF\xFE\x00\xDC", Err(Refusal::BadUtf16)),
            (b"\xC3(", Err(Refusal::BadUtf8)),
            (b"", Ok("")),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                decode(bytes).as_deref().map_err(Clone::clone),
                expected.clone(),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn positions_are_one_based_in_characters() {
        let t = Text::new("ab\nçd\n".to_owned());
        assert_eq!(t.position(0), (1, 1));
        assert_eq!(t.position(3), (2, 1));
        assert_eq!(t.position(5), (2, 2));
        assert_eq!(t.position(100), (3, 1));
    }
}
