//! The XML layer of the decoder: quick-xml events turned into checked tokens.
//!
//! Everything about XML itself is decided here, before the SyncML grammar sees a
//! token: the XML declaration (first, version 1.0, UTF-8), DOCTYPE and processing
//! instructions (refused), entity and character references (the five predefined
//! entities and legal characters only), attribute syntax and namespace prefixes,
//! nesting depth, text size, one root element and nothing after it. Comments are
//! skipped. Every slice handed out borrows from the input; the only allocations are
//! for attribute values that need decoding and for errors.

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::Event;

use crate::error::{Construct, DecodeError, XmlSyntax};
use crate::limits::Limits;
use crate::pos::{LineTracker, Pos};

/// One checked token.
#[derive(Debug)]
pub(crate) enum Tok<'a> {
    /// A start tag (an empty-element tag gives `Open` then `Close`).
    Open(Open<'a>),
    /// A piece of character data inside the root element.
    Text(Piece<'a>),
    /// An end tag; the offset of its `</` (or the end of an empty-element tag).
    Close(usize),
    /// The end of a complete document.
    Eof,
}

/// A start tag. Its attributes are in [`Lexer::attrs`] until the next token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Open<'a> {
    /// The element name as written (prefix included).
    pub(crate) name: &'a str,
    /// Byte offset of the `<`.
    pub(crate) offset: usize,
    /// Byte offset just after the tag's `>`.
    pub(crate) content_start: usize,
}

/// A piece of character data.
#[derive(Debug)]
pub(crate) struct Piece<'a> {
    /// The text.
    pub(crate) text: PieceText<'a>,
    /// Byte offset in the input where the piece is written (for raw text, of its first byte).
    pub(crate) at: usize,
    /// Byte offset in the input of the first character that is not XML whitespace,
    /// if the piece has one.
    pub(crate) first_content: Option<usize>,
}

impl Piece<'_> {
    /// Whether the piece is only XML whitespace (an empty piece is).
    pub(crate) fn is_whitespace(&self) -> bool {
        self.first_content.is_none()
    }
}

/// The text of a [`Piece`].
#[derive(Debug)]
pub(crate) enum PieceText<'a> {
    /// Text or the content of a CDATA section, as written: line ends are
    /// normalized when it is pushed.
    Raw(&'a str),
    /// The replacement text of a predefined entity.
    Entity(&'static str),
    /// The character a character reference names.
    Char(char),
}

impl PieceText<'_> {
    /// Appends the piece to `out`, raw text with XML 1.0 §2.11 line-end
    /// normalization (CR LF and lone CR become LF).
    pub(crate) fn push_to(&self, out: &mut String) {
        match self {
            Self::Raw(s) => {
                let mut rest = *s;
                while let Some(cr) = find_cr(rest.as_bytes()) {
                    out.push_str(rest.get(..cr).unwrap_or_default());
                    out.push('\n');
                    let skip = if rest.as_bytes().get(cr + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    rest = rest.get(cr + skip..).unwrap_or_default();
                }
                out.push_str(rest);
            }
            Self::Entity(s) => out.push_str(s),
            Self::Char(c) => out.push(*c),
        }
    }

    /// The length of the piece once pushed ([`PieceText::push_to`]): a CR LF pair is one byte.
    pub(crate) fn decoded_len(&self) -> usize {
        match self {
            Self::Raw(s) => {
                let bytes = s.as_bytes();
                let pairs = bytes.windows(2).filter(|w| w == b"\r\n").count();
                bytes.len() - pairs
            }
            Self::Entity(s) => s.len(),
            Self::Char(c) => c.len_utf8(),
        }
    }

    /// The text as written when pushing it copies it unchanged (raw text without a CR).
    pub(crate) fn verbatim(&self) -> Option<&str> {
        match self {
            Self::Raw(s) if find_cr(s.as_bytes()).is_none() => Some(*s),
            _ => None,
        }
    }

    /// Whether the piece is only XML whitespace.
    fn is_whitespace(&self) -> bool {
        match self {
            Self::Raw(s) | Self::Entity(s) => s.bytes().all(is_xml_ws),
            Self::Char(c) => u8::try_from(*c).is_ok_and(is_xml_ws),
        }
    }
}

/// An attribute of the last start tag.
#[derive(Debug)]
pub(crate) struct Attr<'a> {
    /// The name as written.
    pub(crate) name: &'a str,
    /// The value, references decoded and whitespace normalized.
    pub(crate) value: Cow<'a, str>,
}

/// The checked token stream over one message.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    reader: Reader<&'a [u8]>,
    lines: LineTracker<'a>,
    max_depth: usize,
    max_text: usize,
    /// Names of the open elements, outermost first.
    open: Vec<&'a str>,
    phase: Phase,
    /// Set after an empty-element tag: the `Close` still to hand out, at this offset.
    pending_close: Option<usize>,
    /// An event read but not handed out yet, with its start and end offsets: it
    /// follows the whitespace gap handed out first.
    stashed: Option<(Event<'a>, usize, usize)>,
    /// Where the last event ended: the reader skips whitespace after it, and the
    /// gap up to the next event's start is that whitespace.
    last_end: usize,
    /// Whether skipped whitespace is handed out as text (inside text content).
    want_gaps: bool,
    /// Whether no event has been read yet (for the XML declaration).
    first_event: bool,
    attrs: Vec<Attr<'a>>,
    /// Names of `attrs`, used only for tags with many attributes.
    attr_names: HashSet<&'a str>,
    bindings: Vec<Binding<'a>>,
}

impl<'a> Lexer<'a> {
    /// A lexer over `input`, which must already have passed [`check_chars`].
    pub(crate) fn new(input: &'a str, limits: &Limits) -> Self {
        let mut reader = Reader::from_str(input);
        // The reader skips whitespace before text and markup, which spares an event
        // for every indentation run; `next` gives the skipped whitespace back where
        // text is significant (see `set_gaps`).
        reader.config_mut().trim_text_start = true;
        // XML 1.0 §2.5: "the string \"--\" (double-hyphen) MUST NOT occur within comments";
        // a comment breaking it (`<!-- a -- b -->`, `<!-- a --->`) is not well-formed.
        reader.config_mut().check_comments = true;
        Self {
            input,
            reader,
            lines: LineTracker::new(input),
            max_depth: limits.max_depth,
            max_text: limits.max_text_bytes,
            open: Vec::with_capacity(16),
            phase: Phase::Prolog,
            pending_close: None,
            stashed: None,
            last_end: 0,
            want_gaps: false,
            first_event: true,
            attrs: Vec::new(),
            attr_names: HashSet::new(),
            bindings: Vec::new(),
        }
    }

    /// Whether whitespace between events is handed out as text: on while reading
    /// the content of an element whose text is significant, off elsewhere (where
    /// whitespace between elements means nothing).
    pub(crate) fn set_gaps(&mut self, on: bool) {
        self.want_gaps = on;
    }

    /// The position of a byte offset. Ask in document order for one linear scan.
    pub(crate) fn pos(&mut self, offset: usize) -> Pos {
        self.lines.pos(offset)
    }

    /// Bytes the position tracker has looked at, rescans included.
    #[cfg(test)]
    pub(crate) fn scanned(&self) -> usize {
        self.lines.scanned()
    }

    /// Byte offset where the last token read ends (past an element's end tag once it closed).
    pub(crate) fn end(&self) -> usize {
        self.last_end
    }

    /// Number of open elements (1 inside the root).
    pub(crate) fn depth(&self) -> usize {
        self.open.len()
    }

    /// The whole input.
    pub(crate) fn input(&self) -> &'a str {
        self.input
    }

    /// The input text between two offsets (empty if they are out of order).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.input.get(start..end).unwrap_or_default()
    }

    /// The attributes of the last start tag.
    pub(crate) fn attrs(&self) -> &[Attr<'a>] {
        &self.attrs
    }

    /// The value of the last start tag's attribute `name`.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_ref())
    }

    /// The namespace URI bound to `prefix` where the parser is now.
    pub(crate) fn namespace(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .find(|b| b.prefix == prefix)
            .map(|b| b.uri.as_ref())
    }

    /// The next token.
    pub(crate) fn next(&mut self) -> Result<Tok<'a>, DecodeError> {
        if let Some(offset) = self.pending_close.take() {
            self.close();
            return Ok(Tok::Close(offset));
        }
        loop {
            let (event, start, end) = match self.stashed.take() {
                Some(stashed) => stashed,
                None => {
                    let event = match self.reader.read_event() {
                        Ok(event) => event,
                        Err(e) => return Err(self.xml_error(e)),
                    };
                    let end = self.offset();
                    let start = self.start_of(&event, end);
                    if self.want_gaps && start > self.last_end {
                        // Whitespace the reader skipped: text here, then the event.
                        let gap = self.slice(self.last_end, start);
                        self.stashed = Some((event, start, end));
                        self.last_end = start;
                        return Ok(Tok::Text(Piece {
                            text: PieceText::Raw(gap),
                            at: self.last_end - gap.len(),
                            first_content: None,
                        }));
                    }
                    (event, start, end)
                }
            };
            self.last_end = end;
            let first_event = std::mem::replace(&mut self.first_event, false);
            match event {
                Event::Start(e) => return self.open(start, end, e.name().0.len(), false),
                Event::Empty(e) => return self.open(start, end, e.name().0.len(), true),
                Event::End(_) => {
                    self.close();
                    return Ok(Tok::Close(start));
                }
                Event::Text(_) => {
                    let raw = self.slice(start, end);
                    let first_content = first_non_ws(raw).map(|i| start + i);
                    if self.phase != Phase::Element {
                        match first_content {
                            None => continue,
                            Some(at) => {
                                return Err(DecodeError::ContentOutsideRoot { pos: self.pos(at) });
                            }
                        }
                    }
                    if raw.len() > self.max_text {
                        return Err(self.text_too_long(start));
                    }
                    return Ok(Tok::Text(Piece {
                        first_content,
                        at: start,
                        text: PieceText::Raw(raw),
                    }));
                }
                Event::CData(_) => {
                    let body_start = start + "<![CDATA[".len();
                    let raw = self.slice(body_start, end.saturating_sub("]]>".len()));
                    if self.phase != Phase::Element {
                        return Err(DecodeError::ContentOutsideRoot {
                            pos: self.pos(start),
                        });
                    }
                    if raw.len() > self.max_text {
                        return Err(self.text_too_long(start));
                    }
                    return Ok(Tok::Text(Piece {
                        first_content: first_non_ws(raw).map(|i| body_start + i),
                        at: body_start,
                        text: PieceText::Raw(raw),
                    }));
                }
                Event::GeneralRef(_) => {
                    let name = self.slice(start + 1, end.saturating_sub(1));
                    if self.phase != Phase::Element {
                        return Err(DecodeError::ContentOutsideRoot {
                            pos: self.pos(start),
                        });
                    }
                    let text = self.reference(name, start)?;
                    let first_content = (!text.is_whitespace()).then_some(start);
                    return Ok(Tok::Text(Piece {
                        text,
                        at: start,
                        first_content,
                    }));
                }
                Event::Comment(_) => {}
                Event::Decl(decl) => {
                    if !first_event || start != 0 {
                        return Err(self.syntax(XmlSyntax::MisplacedDeclaration, start));
                    }
                    let version = decl
                        .version()
                        .map_err(|_| self.syntax(XmlSyntax::MalformedDeclaration, start))?;
                    if version != "1.0" {
                        return Err(DecodeError::UnsupportedVersion {
                            version: version.into_owned(),
                            pos: self.pos(start),
                        });
                    }
                    match decl.encoding() {
                        None => {}
                        Some(Ok(enc)) if enc.eq_ignore_ascii_case("UTF-8") => {}
                        Some(Ok(enc)) => {
                            return Err(DecodeError::UnsupportedEncoding {
                                encoding: enc.into_owned(),
                                pos: self.pos(start),
                            });
                        }
                        Some(Err(_)) => {
                            return Err(self.syntax(XmlSyntax::MalformedDeclaration, start));
                        }
                    }
                }
                Event::PI(pi) => {
                    return Err(DecodeError::ProcessingInstruction {
                        target: pi.target().to_owned(),
                        pos: self.pos(start),
                    });
                }
                Event::DocType(_) => {
                    return Err(DecodeError::Doctype {
                        pos: self.pos(start),
                    });
                }
                Event::Eof => {
                    return match (self.phase, self.open.last()) {
                        (_, Some(name)) => Err(DecodeError::Truncated {
                            element: (*name).to_owned(),
                            pos: self.pos(end),
                        }),
                        (Phase::Prolog, None) => {
                            Err(DecodeError::MissingRoot { pos: self.pos(end) })
                        }
                        _ => Ok(Tok::Eof),
                    };
                }
            }
        }
    }

    /// The offset where `event`, ending at `end`, starts. Events borrow from the
    /// input, so the offset follows from where their text lies; otherwise (or for
    /// the rare kinds) the start is found after the whitespace the reader skipped.
    fn start_of(&self, event: &Event<'a>, end: usize) -> usize {
        let (text, markup_before): (&str, usize) = match event {
            Event::Start(e) | Event::Empty(e) => (e.name().0, 1),
            Event::End(e) => (e.name().0, 2),
            Event::Text(e) => (e, 0),
            Event::GeneralRef(e) => (e, 1),
            Event::CData(e) => (e, "<![CDATA[".len()),
            _ => ("", usize::MAX),
        };
        let base = self.input.as_ptr() as usize;
        (text.as_ptr() as usize)
            .checked_sub(base)
            .and_then(|at| at.checked_sub(markup_before))
            .filter(|&at| at >= self.last_end && at <= end)
            .unwrap_or_else(|| {
                let gap = self.slice(self.last_end, end);
                self.last_end + first_non_ws(gap).unwrap_or(gap.len())
            })
    }

    /// Handles a start tag spanning `start..end` whose name is `name_len` bytes.
    fn open(
        &mut self,
        start: usize,
        end: usize,
        name_len: usize,
        empty: bool,
    ) -> Result<Tok<'a>, DecodeError> {
        let name_end = start + 1 + name_len;
        let name = self.slice(start + 1, name_end);
        if self.phase == Phase::Epilog {
            return Err(DecodeError::ContentOutsideRoot {
                pos: self.pos(start),
            });
        }
        if !is_name(name) {
            return Err(self.syntax(
                XmlSyntax::InvalidName {
                    name: name.to_owned(),
                },
                start,
            ));
        }
        if self.open.len() >= self.max_depth {
            return Err(DecodeError::TooDeep {
                element: name.to_owned(),
                limit: self.max_depth,
                pos: self.pos(start),
            });
        }
        let attrs_end = end.saturating_sub(if empty { 2 } else { 1 });
        self.attributes(name_end, attrs_end)?;
        self.open.push(name);
        self.phase = Phase::Element;
        if empty {
            self.pending_close = Some(end);
        }
        Ok(Tok::Open(Open {
            name,
            offset: start,
            content_start: end,
        }))
    }

    /// Leaves the innermost element.
    fn close(&mut self) {
        let depth = self.open.len();
        while self.bindings.last().is_some_and(|b| b.depth >= depth) {
            self.bindings.pop();
        }
        self.open.pop();
        if self.open.is_empty() {
            self.phase = Phase::Epilog;
        }
    }

    /// Parses the attributes between `start` and `end` into `self.attrs`, checking
    /// syntax, duplicates and values, and records namespace prefix declarations.
    fn attributes(&mut self, start: usize, end: usize) -> Result<(), DecodeError> {
        self.attrs.clear();
        let text = self.slice(start, end);
        let bytes = text.as_bytes();
        let mut i = 0;
        loop {
            let before_ws = i;
            while bytes.get(i).copied().is_some_and(is_xml_ws) {
                i += 1;
            }
            if i == bytes.len() {
                return Ok(());
            }
            if i == before_ws {
                // Attributes (and the name before the first one) need whitespace between.
                return Err(self.syntax(XmlSyntax::MalformedAttribute, start + i));
            }
            let name_start = i;
            while bytes
                .get(i)
                .is_some_and(|&b| b != b'=' && !is_xml_ws(b) && b != b'"' && b != b'\'')
            {
                i += 1;
            }
            let name = self.slice(start + name_start, start + i);
            if !is_name(name) {
                return Err(self.syntax(
                    XmlSyntax::InvalidName {
                        name: name.to_owned(),
                    },
                    start + name_start,
                ));
            }
            while bytes.get(i).copied().is_some_and(is_xml_ws) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                return Err(self.syntax(XmlSyntax::MalformedAttribute, start + i));
            }
            i += 1;
            while bytes.get(i).copied().is_some_and(is_xml_ws) {
                i += 1;
            }
            let Some(&quote @ (b'"' | b'\'')) = bytes.get(i) else {
                return Err(self.syntax(XmlSyntax::MalformedAttribute, start + i));
            };
            let value_start = i + 1;
            let Some(len) = bytes
                .get(value_start..)
                .and_then(|rest| rest.iter().position(|&b| b == quote))
            else {
                return Err(self.syntax(XmlSyntax::Unclosed(Construct::AttributeValue), start + i));
            };
            i = value_start + len + 1;
            if self.is_duplicate(name) {
                return Err(self.syntax(
                    XmlSyntax::DuplicateAttribute {
                        name: name.to_owned(),
                    },
                    start + name_start,
                ));
            }
            let raw = self.slice(start + value_start, start + value_start + len);
            let value = self.attribute_value(raw, start + value_start)?;
            if let Some(prefix) = name.strip_prefix("xmlns:") {
                self.bindings.push(Binding {
                    prefix,
                    uri: value.clone(),
                    depth: self.open.len() + 1,
                });
            }
            self.attrs.push(Attr { name, value });
        }
    }

    /// Whether the tag being read already has attribute `name`. Linear for the usual
    /// handful of attributes, a hash set past that, so a tag with very many
    /// attributes stays linear overall.
    fn is_duplicate(&mut self, name: &'a str) -> bool {
        const LINEAR: usize = 8;
        if self.attrs.len() < LINEAR {
            return self.attrs.iter().any(|a| a.name == name);
        }
        if self.attrs.len() == LINEAR {
            self.attr_names.clear();
            self.attr_names.extend(self.attrs.iter().map(|a| a.name));
        }
        !self.attr_names.insert(name)
    }

    /// Decodes an attribute value: references resolved, each whitespace character
    /// (a CR LF pair counting as one) turned into a space, as XML 1.0 §3.3.3 says.
    fn attribute_value(
        &mut self,
        raw: &'a str,
        offset: usize,
    ) -> Result<Cow<'a, str>, DecodeError> {
        if !raw
            .bytes()
            .any(|b| matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r'))
        {
            return Ok(Cow::Borrowed(raw));
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
            out.push_str(rest.get(..i).unwrap_or_default());
            let at = offset + (raw.len() - rest.len()) + i;
            let tail = rest.get(i..).unwrap_or_default();
            let consumed = match tail.as_bytes().first() {
                Some(b'<') => return Err(self.syntax(XmlSyntax::LtInAttributeValue, at)),
                Some(b'&') => {
                    let Some(semi) = tail.find(';') else {
                        return Err(self.syntax(XmlSyntax::Unclosed(Construct::Reference), at));
                    };
                    self.reference(tail.get(1..semi).unwrap_or_default(), at)?
                        .push_to(&mut out);
                    semi + 1
                }
                Some(b'\r') if tail.as_bytes().get(1) == Some(&b'\n') => {
                    out.push(' ');
                    2
                }
                _ => {
                    out.push(' ');
                    1
                }
            };
            rest = tail.get(consumed..).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }

    /// Resolves the reference `&name;` found at `offset`.
    fn reference(&mut self, name: &str, offset: usize) -> Result<PieceText<'a>, DecodeError> {
        let predefined = match name {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "apos" => "'",
            "quot" => "\"",
            _ => {
                let Some(number) = name.strip_prefix('#') else {
                    return Err(DecodeError::UndeclaredEntity {
                        name: name.to_owned(),
                        pos: self.pos(offset),
                    });
                };
                let (digits, radix) = match number.strip_prefix('x') {
                    Some(hex) => (hex, 16),
                    None => (number, 10),
                };
                let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit());
                return u32::from_str_radix(digits, radix)
                    .ok()
                    .filter(|_| valid)
                    .and_then(char::from_u32)
                    .filter(|&c| is_xml_char(c))
                    .map(PieceText::Char)
                    .ok_or_else(|| DecodeError::InvalidCharRef {
                        reference: name.to_owned(),
                        pos: self.pos(offset),
                    });
            }
        };
        Ok(PieceText::Entity(predefined))
    }

    #[cold]
    fn text_too_long(&mut self, offset: usize) -> DecodeError {
        DecodeError::TextTooLong {
            element: self.open.last().copied().unwrap_or_default().to_owned(),
            limit: self.max_text,
            pos: self.pos(offset),
        }
    }

    fn offset(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn syntax(&mut self, kind: XmlSyntax, offset: usize) -> DecodeError {
        DecodeError::Syntax {
            kind,
            pos: self.pos(offset),
        }
    }

    fn xml_error(&mut self, error: XmlError) -> DecodeError {
        let offset = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
        let kind = match error {
            XmlError::Syntax(e) => match e {
                SyntaxError::InvalidBangMarkup => XmlSyntax::InvalidMarkup,
                SyntaxError::UnclosedPI | SyntaxError::UnclosedXmlDecl => {
                    XmlSyntax::Unclosed(Construct::ProcessingInstruction)
                }
                SyntaxError::UnclosedComment => XmlSyntax::Unclosed(Construct::Comment),
                SyntaxError::UnclosedDoctype => XmlSyntax::Unclosed(Construct::Doctype),
                SyntaxError::UnclosedCData => XmlSyntax::Unclosed(Construct::CData),
                SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedDoubleQuotedAttributeValue => {
                    XmlSyntax::Unclosed(Construct::AttributeValue)
                }
                SyntaxError::UnclosedTag => XmlSyntax::Unclosed(Construct::Tag),
            },
            XmlError::IllFormed(e) => match e {
                IllFormedError::MissingDoctypeName => {
                    return DecodeError::Doctype {
                        pos: self.pos(offset),
                    };
                }
                IllFormedError::MissingEndTag(name) => {
                    return DecodeError::Truncated {
                        element: name,
                        pos: self.pos(offset),
                    };
                }
                IllFormedError::UnmatchedEndTag(found) => XmlSyntax::UnmatchedEndTag { found },
                IllFormedError::MismatchedEndTag { expected, found } => {
                    XmlSyntax::MismatchedEndTag { expected, found }
                }
                IllFormedError::UnclosedReference => XmlSyntax::Unclosed(Construct::Reference),
                IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion => {
                    XmlSyntax::MalformedDeclaration
                }
                IllFormedError::DoubleHyphenInComment => XmlSyntax::InvalidMarkup,
            },
            XmlError::InvalidAttr(_) | XmlError::Escape(_) => XmlSyntax::MalformedAttribute,
            XmlError::Encoding(_) => {
                // The input was validated as UTF-8 before lexing; keep the answer exact anyway.
                return match not_utf8(self.input.as_bytes()) {
                    Some(e) => e,
                    None => self.syntax(XmlSyntax::InvalidMarkup, offset),
                };
            }
            // Reading from a slice does no I/O and this reader resolves no namespaces.
            XmlError::Io(_) | XmlError::Namespace(_) => XmlSyntax::InvalidMarkup,
        };
        self.syntax(kind, offset)
    }
}

/// Checks a whole input for characters XML 1.0 forbids: C0 controls other than tab,
/// LF and CR, and U+FFFE / U+FFFF. (Surrogates cannot occur in a `str`.)
pub(crate) fn check_chars(input: &str) -> Result<(), DecodeError> {
    match pfw_xml::first_forbidden_char(input) {
        Some((at, c)) => Err(DecodeError::InvalidChar {
            code_point: u32::from(c),
            pos: LineTracker::new(input).pos(at),
        }),
        None => Ok(()),
    }
}

/// The error for input that is not UTF-8, if it is not.
pub(crate) fn not_utf8(input: &[u8]) -> Option<DecodeError> {
    let error = std::str::from_utf8(input).err()?;
    let offset = error.valid_up_to();
    let valid = std::str::from_utf8(input.get(..offset).unwrap_or_default()).unwrap_or_default();
    Some(DecodeError::NotUtf8 {
        offset,
        pos: LineTracker::new(valid).pos(offset),
    })
}

/// XML whitespace: space, tab, LF, CR.
pub(crate) const fn is_xml_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether XML 1.0 allows `c` (the `Char` production).
pub(crate) const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether `s` is an XML name. ASCII is checked exactly; non-ASCII characters are
/// accepted as name characters.
fn is_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    NAME_BYTES[usize::from(first)] == NAME_START && bytes.all(|b| NAME_BYTES[usize::from(b)] != 0)
}

/// [`NAME_BYTES`] of a byte that may start a name (and so continue one too).
const NAME_START: u8 = 2;

/// Per byte, for [`is_name`]: [`NAME_START`] for one that may start a name (an ASCII letter,
/// `_`, `:`, any byte of a non-ASCII character), 1 for one that may only continue it (a
/// digit, `-`, `.`), 0 for any other.
const NAME_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        // `b` < 256: the cast keeps its value.
        #[allow(clippy::cast_possible_truncation)]
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphabetic() || byte == b'_' || byte == b':' || byte >= 0x80 {
            NAME_START
        } else if byte.is_ascii_digit() || byte == b'-' || byte == b'.' {
            1
        } else {
            0
        };
        b += 1;
    }
    table
};

/// The first CR in `bytes`: a plain loop for the short values most elements hold,
/// `memchr` for long ones.
fn find_cr(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 32 {
        return bytes.iter().position(|&b| b == b'\r');
    }
    memchr::memchr(b'\r', bytes)
}

fn first_non_ws(s: &str) -> Option<usize> {
    // Indentation is mostly runs of spaces: compare eight at a time.
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    let bytes = s.as_bytes();
    let mut rest = bytes;
    loop {
        if let Some((word, tail)) = rest.split_first_chunk::<8>()
            && u64::from_ne_bytes(*word) == SPACES
        {
            rest = tail;
            continue;
        }
        match rest.split_first() {
            None => return None,
            Some((&b, tail)) if is_xml_ws(b) => rest = tail,
            Some(_) => return Some(bytes.len() - rest.len()),
        }
    }
}

/// Where the parser is relative to the root element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before the root's start tag.
    Prolog,
    /// Inside the root.
    Element,
    /// After the root's end tag.
    Epilog,
}

/// A namespace prefix declaration in scope.
struct Binding<'a> {
    prefix: &'a str,
    uri: Cow<'a, str>,
    /// Depth of the element that declared it (1 for the root).
    depth: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: &str) -> Result<Vec<String>, DecodeError> {
        let mut lx = Lexer::new(input, &Limits::DEFAULT);
        lx.set_gaps(true);
        let mut out = Vec::new();
        loop {
            match lx.next()? {
                Tok::Open(o) => out.push(format!("<{}", o.name)),
                Tok::Text(p) => {
                    let mut s = String::new();
                    p.text.push_to(&mut s);
                    out.push(format!("{s:?}"));
                }
                Tok::Close(_) => out.push(">".into()),
                Tok::Eof => return Ok(out),
            }
        }
    }

    /// The name rule `is_name` documents: a first character that is an ASCII letter, `_`,
    /// `:` or not ASCII, then ASCII letters, digits, `-`, `.`, `_`, `:` or non-ASCII ones.
    #[test]
    fn names_follow_the_documented_rule() {
        let start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii();
        let rest = |c: char| start(c) || c.is_ascii_digit() || c == '-' || c == '.';
        let chars: Vec<char> = (0u8..0x80).map(char::from).chain(['é', '😀']).collect();
        assert!(!is_name(""));
        for &a in &chars {
            assert_eq!(is_name(&a.to_string()), start(a), "{a:?}");
            for &b in &chars {
                let name: String = [a, b].iter().collect();
                assert_eq!(is_name(&name), start(a) && rest(b), "{name:?}");
            }
        }
    }

    #[test]
    fn empty_elements_open_and_close() {
        assert_eq!(tokens("<a><b/></a>").unwrap(), ["<a", "<b", ">", ">"]);
    }

    #[test]
    fn skipped_whitespace_comes_back_as_text_only_when_asked() {
        let input = "<a> <b/>\n x <!-- c -->\t<![CDATA[ y]]> &amp; </a>";
        let all = tokens(input).unwrap();
        assert_eq!(
            all,
            [
                "<a", "\" \"", "<b", ">", "\"\\n \"", "\"x \"", "\"\\t\"", "\" y\"", "\" \"",
                "\"&\"", "\" \"", ">"
            ]
        );
        let mut lx = Lexer::new(input, &Limits::DEFAULT);
        let mut texts = Vec::new();
        while let Ok(tok) = lx.next() {
            match tok {
                Tok::Text(p) => {
                    let mut s = String::new();
                    p.text.push_to(&mut s);
                    texts.push(s);
                }
                Tok::Eof => break,
                _ => {}
            }
        }
        assert_eq!(texts, ["x ", " y", "&"]);
    }

    #[test]
    fn references_and_line_ends_are_decoded() {
        let toks = tokens("<a>x&amp;&#x41;&#66;\r\ny<![CDATA[<\r>]]></a>").unwrap();
        // The CR LF after `&#66;` is skipped whitespace, handed back as its own piece.
        assert_eq!(
            toks,
            [
                "<a",
                "\"x\"",
                "\"&\"",
                "\"A\"",
                "\"B\"",
                "\"\\n\"",
                "\"y\"",
                "\"<\\n>\"",
                ">"
            ]
        );
    }

    #[test]
    fn attribute_values_are_checked_and_normalized() {
        let mut lx = Lexer::new("<a b='x&lt;&#9;\r\n\ty' c=\"\"/>", &Limits::DEFAULT);
        assert!(matches!(lx.next(), Ok(Tok::Open(_))));
        assert_eq!(lx.attr("b"), Some("x<\t  y"));
        assert_eq!(lx.attr("c"), Some(""));
        for bad in [
            "<a b='1' b='2'/>",
            "<a b='1'c='2'/>",
            "<a b='<'/>",
            "<a b=1/>",
        ] {
            let mut lx = Lexer::new(bad, &Limits::DEFAULT);
            assert!(
                matches!(lx.next(), Err(DecodeError::Syntax { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn prefixes_are_scoped_to_their_element() {
        let mut lx = Lexer::new(
            "<a xmlns:p='u1'><b xmlns:p='u2'/><c/></a>",
            &Limits::DEFAULT,
        );
        let mut seen = Vec::new();
        while let Ok(tok) = lx.next() {
            match tok {
                Tok::Open(_) => seen.push(lx.namespace("p").unwrap_or("-").to_owned()),
                Tok::Eof => break,
                _ => {}
            }
        }
        assert_eq!(seen, ["u1", "u2", "u1"]);
    }

    #[test]
    fn character_checks() {
        assert!(check_chars("<a>\t\r\n é 😀 \u{FFFD}</a>").is_ok());
        assert!(matches!(
            check_chars("<a>\u{1}</a>"),
            Err(DecodeError::InvalidChar { code_point: 1, .. })
        ));
        assert!(matches!(
            check_chars("<a>\u{FFFF}</a>"),
            Err(DecodeError::InvalidChar {
                code_point: 0xFFFF,
                ..
            })
        ));
        assert!(is_xml_char('\u{10FFFF}'));
        assert!(!is_xml_char('\u{FFFE}'));
    }
}
