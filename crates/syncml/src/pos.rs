//! Source positions: where an element starts in the decoded message.
//!
//! A [`Pos`] is a 1-based line and column, the column counted in Unicode scalar values
//! (characters), not bytes, so `é` and `😀` each count one. Only a line feed ends a
//! line (a CR LF pair therefore ends one line, like in every editor). Positions are
//! computed by one forward scan over the input while it is decoded.
//!
//! Positions take part in equality like any other field: a decoded message equals a message
//! built in code only once its positions are cleared (`SyncMl::without_positions`), so a
//! test that compares model values compares where they were read too, unless it says it
//! does not.

use std::fmt;

use crate::model::{
    Alert, Chal, Command, Container, Cred, Data, Item, ItemCommand, Location, Malformed, Meta,
    Results, Status, SyncBody, SyncHdr, SyncMl, UnknownElement,
};

/// A 1-based line and column (in characters) in the decoded input.
///
/// Two positions are equal when line and column are. A message built in code carries
/// [`Pos::default`], `0:0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// Line number, starting at 1 (0 when the value was not decoded).
    pub line: u32,
    /// Column in characters, starting at 1 (0 when the value was not decoded).
    pub column: u32,
}

impl Pos {
    /// A position at `line`, `column` (both 1-based).
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }

    /// Whether this position came from decoding (a built value has line 0).
    pub const fn is_known(self) -> bool {
        self.line != 0
    }
}

/// A byte range `start..end` of the decoded input (after a UTF-8 byte order mark, which the
/// decoder skips): where an element, or an element's content, is written. [`LineIndex`] turns
/// its offsets into [`Pos`] values. A value built in code carries [`Span::default`], `0..0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// The bytes `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Whether this span came from decoding an element (a built value's is empty).
    pub const fn is_known(self) -> bool {
        self.end > self.start
    }

    /// Whether `offset` lies inside the span.
    pub const fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl SyncMl {
    /// This message with every position set to [`Pos::default`] and every
    /// [`LocUri::trimmed`](crate::LocUri::trimmed) cleared (both describe the source's
    /// layout, not its content), as in a message built in code: for comparing content only,
    /// `decode(encode(m)).without_positions() == m`.
    #[must_use]
    pub fn without_positions(mut self) -> Self {
        self.clear_positions();
        self
    }
}

impl Command {
    /// This command with every position set to [`Pos::default`] (see
    /// [`SyncMl::without_positions`]).
    #[must_use]
    pub fn without_positions(mut self) -> Self {
        self.clear_positions();
        self
    }
}

/// A model value whose positions can be reset to [`Pos::default`].
trait Positioned {
    fn clear_positions(&mut self);
}

impl<T: Positioned> Positioned for Option<T> {
    fn clear_positions(&mut self) {
        if let Some(v) = self {
            v.clear_positions();
        }
    }
}

impl<T: Positioned> Positioned for Box<T> {
    fn clear_positions(&mut self) {
        T::clear_positions(self);
    }
}

impl<T: Positioned> Positioned for Vec<T> {
    fn clear_positions(&mut self) {
        self.iter_mut().for_each(Positioned::clear_positions);
    }
}

/// Implements [`Positioned`] for model types: `Type { a, b.c; d, e }` resets the fields `a`
/// and `b.c` to their defaults and clears the positions inside the fields `d` and `e`.
macro_rules! positioned {
    ($($ty:ty { $($($reset:ident).+),* ; $($inner:ident),* })*) => {
        $(
            impl Positioned for $ty {
                fn clear_positions(&mut self) {
                    $(self.$($reset).+ = Default::default();)*
                    $(self.$inner.clear_positions();)*
                }
            }
        )*
    };
}

positioned! {
    SyncMl { pos; hdr, body }
    SyncHdr { pos; target, source, cred, meta }
    SyncBody { pos; commands }
    ItemCommand { ; cred, meta, items }
    Alert { ; cred, items }
    Container { ; meta, commands }
    Results { ; meta, items }
    Status { ; cred, chal, data, items }
    UnknownElement { ; }
    Malformed { reason_pos; }
    Item { pos, span; target, source, meta, data }
    Location { pos, loc_uri.pos, loc_uri.span, loc_uri.trimmed; }
    Data { pos, content; }
    Meta { pos, format_span; }
    Cred { pos; meta }
    Chal { pos; meta }
}

impl Positioned for Command {
    fn clear_positions(&mut self) {
        let head = self.head_mut();
        head.pos = Pos::default();
        head.span = Span::default();
        head.cmd_id_span = None;
        crate::model::each_command!(self, c => c.clear_positions());
    }
}

/// Positions of a whole text, in both directions, in logarithmic time: the one way pfw turns
/// byte offsets into [`Pos`] values (and back) after decoding, whatever the order of the
/// questions and however long the lines (servers send SyncML on one line).
///
/// It keeps where each line starts and, every [`LineIndex::STRIDE`] bytes, how many
/// characters come before; a question counts characters over at most one stride. Lines and
/// columns follow [`Pos`]'s rules (a line feed ends a line; columns count characters).
#[derive(Clone, Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of each line's first character.
    line_starts: Vec<usize>,
    /// `(byte offset, characters before it)` at char boundaries, about every `STRIDE` bytes,
    /// from `(0, 0)` on.
    checkpoints: Vec<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Bytes between two character-count checkpoints.
    pub const STRIDE: usize = 256;

    /// The index of `text` (one pass over it).
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let mut checkpoints = vec![(0, 0)];
        if !text.is_ascii() {
            let (mut at, mut chars) = (0, 0);
            while at < text.len() {
                let mut next = (at + Self::STRIDE).min(text.len());
                while !text.is_char_boundary(next) {
                    next += 1;
                }
                chars += count_chars(text.as_bytes().get(at..next).unwrap_or_default());
                at = next;
                checkpoints.push((at, chars));
            }
        }
        Self {
            text,
            line_starts,
            checkpoints,
        }
    }

    /// The text indexed.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Where the byte at `offset` is (clamped to the text; inside a character, that
    /// character).
    pub fn pos(&self, offset: usize) -> Pos {
        let offset = floor_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self.chars_before(offset) - self.chars_before(start) + 1;
        Pos::new(saturate(line), saturate(column))
    }

    /// The byte offset of `pos`, when its line is in the text (a column past the line's end
    /// gives the line's end).
    pub fn offset(&self, pos: Pos) -> Option<usize> {
        let line = usize::try_from(pos.line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(line)?;
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let skip = usize::try_from(pos.column).ok()?.checked_sub(1)?;
        let wanted = self.chars_before(start) + skip;
        if self.is_ascii() {
            return Some((start + skip).min(end));
        }
        // The last checkpoint at or before the wanted character, then at most one stride.
        let k = self.checkpoints.partition_point(|&(_, c)| c <= wanted);
        let (mut at, mut chars) = self.checkpoints.get(k.saturating_sub(1)).copied()?;
        if at < start {
            (at, chars) = (start, self.chars_before(start));
        }
        for (i, _) in self.text.get(at..)?.char_indices() {
            if chars == wanted || at + i >= end {
                return Some((at + i).min(end));
            }
            chars += 1;
        }
        Some(end)
    }

    /// Line `line` (1-based) without its line end (nor a CR before it).
    pub fn line_text(&self, line: u32) -> Option<&'a str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    fn is_ascii(&self) -> bool {
        self.checkpoints.len() == 1
    }

    /// Characters before the char boundary `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        if self.is_ascii() {
            return offset;
        }
        let k = self.checkpoints.partition_point(|&(o, _)| o <= offset);
        let (at, chars) = self
            .checkpoints
            .get(k.saturating_sub(1))
            .copied()
            .unwrap_or((0, 0));
        chars + count_chars(self.text.as_bytes().get(at..offset).unwrap_or_default())
    }
}

/// Characters in UTF-8 bytes: every byte that does not continue a sequence.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// The largest char boundary at or before `offset`.
fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Turns byte offsets into [`Pos`] values, scanning the input forward once.
///
/// Requests are expected in increasing offset order (the decoder asks in document
/// order); an earlier offset restarts the scan from the beginning, which only happens
/// on error paths. Each byte is looked at once: newlines are found with `memchr`, and
/// characters are counted only on lines that are not ASCII.
#[derive(Debug)]
pub(crate) struct LineTracker<'a> {
    input: &'a [u8],
    /// Whether the whole input is ASCII (then a column is a byte count).
    ascii: bool,
    offset: usize,
    line: u32,
    column: u32,
    /// Bytes looked at so far, rescans included: at most the input's length when every
    /// request came in document order.
    scanned: usize,
}

impl<'a> LineTracker<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Self {
            input: input.as_bytes(),
            ascii: input.is_ascii(),
            offset: 0,
            line: 1,
            column: 1,
            scanned: 0,
        }
    }

    /// Bytes looked at so far, rescans included.
    #[cfg(test)]
    pub(crate) fn scanned(&self) -> usize {
        self.scanned
    }

    /// The position of the byte at `offset` (clamped to the input's length).
    pub(crate) fn pos(&mut self, offset: usize) -> Pos {
        let offset = offset.min(self.input.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
            self.column = 1;
        }
        let span = self.input.get(self.offset..offset).unwrap_or_default();
        self.scanned += span.len();
        match memchr::memrchr(b'\n', span) {
            None => self.column = self.column.saturating_add(self.count_chars(span)),
            Some(last) => {
                let newlines = 1 + count_newlines(span.get(..last).unwrap_or_default());
                self.line = self.line.saturating_add(saturate(newlines));
                let tail = span.get(last + 1..).unwrap_or_default();
                self.column = self.count_chars(tail).saturating_add(1);
            }
        }
        self.offset = offset;
        Pos::new(self.line, self.column)
    }

    /// Characters in a UTF-8 byte slice: every byte that does not continue a sequence.
    fn count_chars(&self, bytes: &[u8]) -> u32 {
        if self.ascii {
            return saturate(bytes.len());
        }
        saturate(bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count())
    }
}

/// Newlines in `bytes`: eight bytes at a time for the short spans between two tags (a byte
/// loop there cost most of the position tracking), `memchr` for long ones.
fn count_newlines(bytes: &[u8]) -> usize {
    const LOW7: u64 = u64::from_ne_bytes([0x7F; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    if bytes.len() >= 256 {
        return memchr::memchr_iter(b'\n', bytes).count();
    }
    let (words, tail) = bytes.as_chunks::<8>();
    let mut count = 0u32;
    for word in words {
        // A byte of `x` is zero exactly where the word holds a newline; the high bit of each
        // byte of `found` is set for those bytes alone (no borrow crosses bytes).
        let x = u64::from_ne_bytes(*word) ^ NEWLINES;
        let found = !(((x & LOW7) + LOW7) | x | LOW7);
        count += found.count_ones();
    }
    usize::try_from(count).unwrap_or(usize::MAX) + tail.iter().filter(|&&b| b == b'\n').count()
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_lines() {
        let text = "ab\né😀x\r\nz";
        let mut t = LineTracker::new(text);
        let at = |t: &mut LineTracker<'_>, needle: &str| {
            let p = t.pos(text.find(needle).unwrap());
            (p.line, p.column)
        };
        assert_eq!(at(&mut t, "b"), (1, 2));
        assert_eq!(at(&mut t, "é"), (2, 1));
        // é is one character, 😀 another: x is the third character of line 2.
        assert_eq!(at(&mut t, "x"), (2, 3));
        assert_eq!(at(&mut t, "z"), (3, 1));
        // Going backwards restarts the scan and still answers correctly.
        assert_eq!(at(&mut t, "😀"), (2, 2));
    }

    #[test]
    fn ascii_input_counts_bytes_as_columns() {
        let text = "<a>\n  <b/>\n\n\t<c/></a>";
        let mut t = LineTracker::new(text);
        let p = t.pos(text.find("<b").unwrap());
        assert_eq!((p.line, p.column), (2, 3));
        let p = t.pos(text.find("<c").unwrap());
        assert_eq!((p.line, p.column), (4, 2));
    }

    #[test]
    fn the_line_index_agrees_with_the_forward_scan_both_ways() {
        // Long lines with characters of 1 to 4 bytes cross many checkpoints.
        let long: String = "aé😀\u{800}".repeat(300);
        let text = format!("ab\né😀x\r\n{long}\n\nz{long}");
        let index = LineIndex::new(&text);
        let mut tracker = LineTracker::new(&text);
        for (offset, _) in text.char_indices() {
            let pos = index.pos(offset);
            assert_eq!(pos, tracker.pos(offset), "at byte {offset}");
            assert_eq!(index.offset(pos), Some(offset), "back from {pos}");
        }
        assert_eq!(index.pos(text.len()), tracker.pos(text.len()));
        assert_eq!(index.offset(Pos::new(99, 1)), None);
        assert_eq!(index.line_text(2), Some("é😀x"));
        let ascii = LineIndex::new("<a>\n  <b/>");
        assert_eq!(ascii.pos(6), Pos::new(2, 3));
        assert_eq!(ascii.offset(Pos::new(2, 3)), Some(6));
        // A column past the line's end is the line's end.
        assert_eq!(ascii.offset(Pos::new(1, 9)), Some(3));
        // (The CR is a character of its line: the end is the line feed.)
        assert_eq!(
            index.offset(Pos::new(2, 9)),
            text.find("\r\n").map(|i| i + 1)
        );
    }

    #[test]
    fn newlines_are_counted_in_every_byte_of_a_word() {
        // Every length up to past the `memchr` cutoff, newlines at every place in a word and
        // beside bytes whose high bit is set (0x8A differs from a newline by that bit alone).
        for len in 0..300 {
            for step in 1..4 {
                let bytes: Vec<u8> = (0..len)
                    .map(|i| match i % (step + 2) {
                        0 => b'\n',
                        1 => 0x8A,
                        _ => b' ',
                    })
                    .collect();
                let naive = bytes.iter().filter(|&&b| b == b'\n').count();
                assert_eq!(count_newlines(&bytes), naive, "{len} {step}");
            }
        }
    }

    #[test]
    fn positions_compare_line_and_column() {
        assert_ne!(Pos::new(1, 2), Pos::new(3, 4));
        assert_ne!(Pos::new(1, 2), Pos::new(1, 3));
        assert_eq!(Pos::new(1, 2), Pos::new(1, 2));
        assert_eq!(Pos::new(7, 9).to_string(), "7:9");
        assert!(!Pos::default().is_known());
    }
}
