//! The grammar-level reading context shared by every element's `read`.
//!
//! Element readers pull tokens from a [`Reader`] and report two kinds of failure
//! through [`Fault`]: a fatal [`DecodeError`] (the message is refused) or a grammar
//! error local to the element being read, which the caller turns into
//! [`crate::Command::Malformed`] (inside a command) or into
//! [`DecodeError::Grammar`] (in the message frame). The reader also counts commands
//! and items against the [`Limits`].

use std::borrow::Cow;

use crate::codec::lexer::{Lexer, Open, Piece, Tok, is_xml_ws};
use crate::error::DecodeError;
use crate::limits::Limits;
use crate::model::{CmdId, MalformedReason};
use crate::pos::{Pos, Span};

/// The SyncML 1.2 namespace, as Windows writes it (compared in any case).
pub(crate) const SYNCML_NS: &str = "SYNCML:SYNCML1.2";

/// Why an element reader stopped.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The whole message is refused.
    Fatal(DecodeError),
    /// The element being read breaks its grammar.
    Grammar {
        /// What is wrong.
        reason: MalformedReason,
        /// Where.
        pos: Pos,
    },
}

impl From<DecodeError> for Fault {
    fn from(error: DecodeError) -> Self {
        Self::Fatal(error)
    }
}

/// The result of an element reader.
pub(crate) type Res<T> = Result<T, Fault>;

/// The text content of an element.
#[derive(Debug)]
pub(crate) struct Text<'a> {
    /// The decoded text, as written (not trimmed): the input's own bytes when decoding changes
    /// nothing (no reference, CR or comment inside).
    pub(crate) value: Cow<'a, str>,
    /// Byte offset of its first character that is not whitespace, if any.
    pub(crate) first_content: Option<usize>,
    /// Byte offset of the end tag's `</` (of the tag's end for `<x/>`).
    pub(crate) end: usize,
}

/// Reads one message: tokens, positions, counters.
pub(crate) struct Reader<'a> {
    lx: Lexer<'a>,
    limits: Limits,
    commands: usize,
    items: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a str, limits: &Limits) -> Self {
        Self {
            lx: Lexer::new(input, limits),
            limits: *limits,
            commands: 0,
            items: 0,
        }
    }

    /// The next token.
    pub(crate) fn next(&mut self) -> Result<Tok<'a>, DecodeError> {
        self.lx.next()
    }

    /// The lexer, for attributes and namespaces of the last start tag.
    pub(crate) fn lexer(&self) -> &Lexer<'a> {
        &self.lx
    }

    /// Position of a byte offset (ask in document order).
    pub(crate) fn pos(&mut self, offset: usize) -> Pos {
        self.lx.pos(offset)
    }

    /// Bytes the position tracker has looked at, rescans included (a test's measure that
    /// positions cost one pass over the input).
    #[cfg(test)]
    pub(crate) fn scanned(&self) -> usize {
        self.lx.scanned()
    }

    /// Byte offset where the last token read ends (past an element's end tag once it closed).
    pub(crate) fn end(&self) -> usize {
        self.lx.end()
    }

    /// Number of open elements.
    pub(crate) fn depth(&self) -> usize {
        self.lx.depth()
    }

    /// The whole input.
    pub(crate) fn input(&self) -> &'a str {
        self.lx.input()
    }

    /// The input between two offsets.
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.lx.slice(start, end)
    }

    /// Counts one command starting at `offset` against `max_commands`.
    pub(crate) fn count_command(&mut self, offset: usize) -> Result<(), DecodeError> {
        self.commands += 1;
        let limit = self.limits.max_commands;
        self.within(self.commands, limit, offset, |limit, pos| {
            DecodeError::TooManyCommands { limit, pos }
        })
    }

    /// Counts one item starting at `offset` against `max_items`.
    pub(crate) fn count_item(&mut self, offset: usize) -> Result<(), DecodeError> {
        self.items += 1;
        let limit = self.limits.max_items;
        self.within(self.items, limit, offset, |limit, pos| {
            DecodeError::TooManyItems { limit, pos }
        })
    }

    /// `Ok` while `count` is at most `limit`; else the error `over` makes of the limit and the
    /// position of `offset`.
    #[inline]
    fn within(
        &mut self,
        count: usize,
        limit: usize,
        offset: usize,
        over: impl FnOnce(usize, Pos) -> DecodeError,
    ) -> Result<(), DecodeError> {
        if count > limit {
            return Err(over(limit, self.pos(offset)));
        }
        Ok(())
    }

    /// The next child element of a structural element (one holding only elements),
    /// or `None` once the element closes. Whitespace between children is skipped;
    /// other text is a grammar error.
    pub(crate) fn child(&mut self) -> Res<Option<Open<'a>>> {
        let child = self.any_child()?;
        if let Some(open) = &child {
            self.check_namespace(open)?;
        }
        Ok(child)
    }

    /// [`Reader::child`] for elements whose children may be in other namespaces (`Meta`'s,
    /// from `syncml:metinf`).
    pub(crate) fn any_child(&mut self) -> Res<Option<Open<'a>>> {
        loop {
            match self.next()? {
                Tok::Open(open) => return Ok(Some(open)),
                Tok::Close(_) => return Ok(None),
                Tok::Text(piece) => {
                    if !piece.is_whitespace() {
                        let pos = self.pos(piece.first_content.unwrap_or_default());
                        return Err(Fault::Grammar {
                            reason: MalformedReason::UnexpectedText,
                            pos,
                        });
                    }
                }
                Tok::Eof => return Err(self.truncated()),
            }
        }
    }

    /// Refuses the start tag just read when it declares a default namespace other than
    /// SyncML's: its element (and all it holds) is not SyncML, so the message is not a SyncML
    /// message (README "Refused messages"). No namespace and `xmlns=""` are SyncML's (the
    /// local form of Microsoft's examples has none), as is `SYNCML:SYNCML1.2` in any case.
    pub(crate) fn check_namespace(&mut self, open: &Open<'a>) -> Result<(), DecodeError> {
        match self.lx.attr("xmlns") {
            Some(ns) if !ns.is_empty() && !ns.eq_ignore_ascii_case(SYNCML_NS) => {
                Err(DecodeError::WrongNamespace {
                    element: open.name.to_owned(),
                    found: ns.to_owned(),
                    pos: self.pos(open.offset),
                })
            }
            _ => Ok(()),
        }
    }

    /// The text of a text-only element whose start tag was just read. A child
    /// element is a grammar error.
    pub(crate) fn text(&mut self, open: &Open<'_>) -> Res<Text<'a>> {
        self.text_trimming(open, false).map(|(text, _)| text)
    }

    /// [`Reader::text`]; with `trim_start`, the whitespace-only pieces before the first
    /// content are left out of the value (they still count against the text limit, as they
    /// would once decoded), and their decoded length is returned beside it.
    fn text_trimming(&mut self, open: &Open<'_>, trim_start: bool) -> Res<(Text<'a>, usize)> {
        self.lx.set_gaps(true);
        let text = self.text_content(open, trim_start);
        self.lx.set_gaps(false);
        text
    }

    fn text_content(&mut self, open: &Open<'_>, trim_start: bool) -> Res<(Text<'a>, usize)> {
        let mut gathered = Gathered::default();
        let mut first_content = None;
        // Bytes of leading whitespace left out of the value.
        let mut skipped = 0;
        loop {
            match self.next()? {
                Tok::Text(piece) => {
                    if trim_start && gathered.is_empty() && piece.is_whitespace() {
                        skipped += piece.text.decoded_len();
                        self.check_text(skipped, open)?;
                        continue;
                    }
                    if first_content.is_none() {
                        first_content = piece.first_content;
                    }
                    gathered.push(self.lx.input(), &piece);
                    self.check_text(skipped + gathered.len(), open)?;
                }
                Tok::Close(end) => {
                    let text = Text {
                        value: gathered.finish(self.lx.input()),
                        first_content,
                        end,
                    };
                    return Ok((text, skipped));
                }
                Tok::Open(child) => return Err(self.unexpected(&child)),
                Tok::Eof => return Err(self.truncated()),
            }
        }
    }

    /// Runs `read` with whitespace between events handed out as text (for element
    /// content whose whitespace is significant).
    pub(crate) fn with_gaps<T>(&mut self, read: impl FnOnce(&mut Self) -> T) -> T {
        self.lx.set_gaps(true);
        let result = read(self);
        self.lx.set_gaps(false);
        result
    }

    /// Reads an element that must be empty (`<Final/>`, `<NoResp/>`,
    /// `<MoreData/>`); whitespace inside is accepted.
    pub(crate) fn empty(&mut self) -> Res<()> {
        match self.child()? {
            None => Ok(()),
            Some(child) => Err(self.unexpected(&child)),
        }
    }

    /// Skips the rest of the element whose start tag was just read.
    pub(crate) fn skip(&mut self) -> Result<(), DecodeError> {
        let depth = self.depth();
        self.skip_from(depth, false).map(|_| ())
    }

    /// After a grammar error inside the command opened at `depth`, skips to the end
    /// of that command, capturing the first `CmdID` child met on the way when
    /// `want_cmd_id` is set. Does nothing if the command is already closed.
    pub(crate) fn recover(
        &mut self,
        depth: usize,
        want_cmd_id: bool,
    ) -> Result<Option<CmdId>, DecodeError> {
        self.skip_from(depth, want_cmd_id)
    }

    /// Skips tokens until the element open at `depth` closes; optionally captures
    /// the text of its first direct `CmdID` child (ignored if that child holds
    /// elements).
    fn skip_from(&mut self, depth: usize, want_cmd_id: bool) -> Result<Option<CmdId>, DecodeError> {
        let mut found = None;
        // `Some(text)` while inside a direct `CmdID` child being captured.
        let mut capture: Option<String> = None;
        while self.depth() >= depth && depth > 0 {
            match self.next()? {
                Tok::Open(open) => {
                    if capture.take().is_none()
                        && want_cmd_id
                        && found.is_none()
                        && self.depth() == depth + 1
                        && open.name == "CmdID"
                    {
                        capture = Some(String::new());
                        self.lx.set_gaps(true);
                    }
                }
                Tok::Text(piece) => {
                    if let Some(text) = capture.as_mut() {
                        piece.text.push_to(text);
                        if text.len() > self.limits.max_text_bytes {
                            capture = None;
                        }
                    }
                }
                Tok::Close(_) => {
                    if self.depth() == depth
                        && let Some(text) = capture.take()
                    {
                        found = Some(CmdId::new(text));
                    }
                }
                Tok::Eof => {
                    self.lx.set_gaps(false);
                    return Err(self.truncated_error());
                }
            }
            if capture.is_none() {
                self.lx.set_gaps(false);
            }
        }
        Ok(found)
    }

    /// The grammar error for an element `open` that is not allowed where it is.
    pub(crate) fn unexpected(&mut self, open: &Open<'_>) -> Fault {
        Fault::Grammar {
            reason: MalformedReason::UnexpectedElement {
                element: open.name.to_owned(),
            },
            pos: self.pos(open.offset),
        }
    }

    /// The grammar error for a second `element` where one is allowed.
    pub(crate) fn duplicate(&mut self, element: &'static str, open: &Open<'_>) -> Fault {
        Fault::Grammar {
            reason: MalformedReason::DuplicateElement { element },
            pos: self.pos(open.offset),
        }
    }

    /// The grammar error for a missing mandatory `element` in the element at `pos`.
    pub(crate) fn missing(element: &'static str, pos: Pos) -> Fault {
        Fault::Grammar {
            reason: MalformedReason::MissingElement { element },
            pos,
        }
    }

    /// Reads the text of `open` and trims it, for a `LocURI`: the text, the position
    /// of its first non-whitespace character (the element's when there is none), the bytes
    /// of the URI as written without the whitespace around it, and whether whitespace was
    /// removed.
    pub(crate) fn trimmed_text(&mut self, open: &Open<'_>) -> Res<(String, Pos, Span, bool)> {
        let (text, skipped) = self.text_trimming(open, true)?;
        let start = text.first_content.unwrap_or(open.offset);
        let pos = self.pos(start);
        let written = match text.first_content {
            Some(_) => self.slice(start, text.end).trim_end_matches(is_xml_ws_char),
            None => "",
        };
        let span = Span::new(start, start + written.len());
        let value = text.value.as_ref();
        let kept = value.trim_matches(is_xml_ws_char);
        let trimmed = skipped > 0 || kept.len() != value.len();
        let value = match text.value {
            Cow::Owned(owned) if kept.len() == owned.len() => owned,
            _ => kept.to_owned(),
        };
        Ok((value, pos, span, trimmed))
    }

    /// Checks an element's accumulated text length.
    pub(crate) fn check_text(&mut self, len: usize, open: &Open<'_>) -> Result<(), DecodeError> {
        if len > self.limits.max_text_bytes {
            return Err(DecodeError::TextTooLong {
                element: open.name.to_owned(),
                limit: self.limits.max_text_bytes,
                pos: self.pos(open.offset),
            });
        }
        Ok(())
    }

    fn truncated(&mut self) -> Fault {
        Fault::Fatal(self.truncated_error())
    }

    /// The lexer reports a truncated document itself; `Eof` inside an element cannot
    /// reach the grammar, but map it to the same error if it ever does.
    fn truncated_error(&mut self) -> DecodeError {
        DecodeError::Truncated {
            element: String::new(),
            pos: Pos::default(),
        }
    }
}

/// The text of an element's pieces, gathered: while they are raw text written one after the
/// other without a CR (almost every element's text), only where they lie in the input is kept,
/// and the value is copied once at the end.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    /// `start..end` of the input while every piece so far was verbatim and contiguous.
    slice: Option<(usize, usize)>,
    /// The decoded value, once a piece was not.
    owned: Option<String>,
}

impl Gathered {
    /// Whether nothing was gathered yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes gathered so far, decoded.
    pub(crate) fn len(&self) -> usize {
        match (&self.owned, self.slice) {
            (Some(owned), _) => owned.len(),
            (None, Some((start, end))) => end - start,
            (None, None) => 0,
        }
    }

    /// Adds `piece`, read from `input`.
    pub(crate) fn push(&mut self, input: &str, piece: &Piece<'_>) {
        if self.owned.is_none()
            && let Some(text) = piece.text.verbatim()
        {
            match self.slice {
                None => {
                    self.slice = Some((piece.at, piece.at + text.len()));
                    return;
                }
                Some((start, end)) if end == piece.at => {
                    self.slice = Some((start, end + text.len()));
                    return;
                }
                Some(_) => {}
            }
        }
        let owned = self.owned.get_or_insert_with(|| match self.slice {
            Some((start, end)) => input.get(start..end).unwrap_or_default().to_owned(),
            None => String::new(),
        });
        piece.text.push_to(owned);
    }

    /// The value: borrowed from `input` when every piece was verbatim and contiguous.
    pub(crate) fn finish(self, input: &str) -> Cow<'_, str> {
        match (self.owned, self.slice) {
            (Some(owned), _) => Cow::Owned(owned),
            (None, Some((start, end))) => Cow::Borrowed(input.get(start..end).unwrap_or_default()),
            (None, None) => Cow::Borrowed(""),
        }
    }
}

fn is_xml_ws_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_xml_ws)
}
