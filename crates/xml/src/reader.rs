//! The bounded reader: a document's markup as a stream of [`Token`]s, each element opened
//! and closed once, within [`Limits`].
//!
//! Every byte given here is hostile. The reader requires UTF-8 (a byte-order mark is
//! skipped), resolves only the five predefined entities and character references, never
//! interprets a document type declaration (it refuses one, or skips it unread when the
//! caller's files carry one: [`Doctype`]), and refuses a document past a bound before the
//! caller holds anything of what passes it. What it hands on is well-formed: one root, every
//! `Start` closed by its `End`, text only inside the root, line ends normalized.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::{NsReader, Reader as QuickReader};

use crate::error::{Error, ErrorKind, Position};
use crate::escape::{first_forbidden_char, is_xml_char};
use crate::shorten;

/// Bounds applied while reading one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (the root is at depth 1).
    pub max_depth: usize,
    /// Most elements in the document.
    pub max_elements: usize,
    /// Most attributes on one element (namespace declarations excluded when names are
    /// resolved).
    pub max_attributes: usize,
    /// Most text one element holds (its own character data, the pieces between its
    /// children included), in bytes after entities are resolved.
    pub max_text_bytes: usize,
}

/// What the reader does with a document type declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doctype {
    /// Refuse the document ([`ErrorKind::Dtd`]).
    Refuse,
    /// Skip the declaration, internal subset included, without interpreting it: an entity it
    /// declares stays unknown, so a reference to it is still refused.
    Skip,
}

/// How element and attribute names are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// As written, prefix included; `xmlns` attributes are ordinary attributes and an
    /// undeclared prefix is no error.
    Qualified,
    /// With their namespace resolved: an undeclared prefix is refused, namespace
    /// declarations are consumed (not attributes), and an unprefixed attribute is in no
    /// namespace.
    Resolved,
}

/// How one document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The bounds.
    pub limits: Limits,
    /// A document type declaration refused or skipped.
    pub doctype: Doctype,
    /// Names as written or resolved.
    pub names: Names,
}

impl Config {
    /// `limits`, a DOCTYPE refused, names resolved: the configuration for documents
    /// received over the network.
    pub const fn new(limits: Limits) -> Self {
        Self {
            limits,
            doctype: Doctype::Refuse,
            names: Names::Resolved,
        }
    }
}

/// One step of a document.
#[derive(Debug)]
pub enum Token<'a> {
    /// An element opens (an empty element gives `Start` then `End`).
    Start(Start),
    /// The innermost open element closes.
    End,
    /// A piece of the innermost open element's text: character data with line ends
    /// normalized, a CDATA section, or one resolved reference.
    Text(Cow<'a, str>),
}

/// An element's start tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// The name as written, prefix included.
    pub name: String,
    /// The namespace URI ([`Names::Resolved`]; always `None` with [`Names::Qualified`]).
    pub ns: Option<String>,
    /// Attributes in document order.
    pub attrs: Vec<Attr>,
    /// Where the local name starts in `name`.
    local_start: usize,
}

impl Start {
    /// The name without its prefix.
    pub fn local(&self) -> &str {
        // Invariant: `local_start` is where quick-xml's local name starts inside `name`.
        &self.name[self.local_start..]
    }

    /// The name without its prefix, owned.
    pub fn into_local(mut self) -> String {
        self.name.drain(..self.local_start);
        self.name
    }
}

/// One attribute of a start tag (or of an element of the tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// Namespace URI of a prefixed attribute ([`Names::Resolved`]); otherwise `None`.
    pub ns: Option<String>,
    /// The local name ([`Names::Resolved`]) or the name as written ([`Names::Qualified`]).
    pub name: String,
    /// Normalized value, references resolved.
    pub value: String,
}

/// Reads one document as [`Token`]s.
pub struct Reader<'a> {
    inner: Inner<'a>,
    text: &'a str,
    config: Config,
    /// Text bytes of each open element (its depth is the length).
    open: Vec<usize>,
    elements: usize,
    root_closed: bool,
    /// The last token was an empty element: its `End` comes next.
    pending_end: bool,
    /// Where the last event read began.
    token_start: usize,
}

enum Inner<'a> {
    Plain(QuickReader<&'a [u8]>),
    Ns(NsReader<&'a [u8]>),
}

impl<'a> Reader<'a> {
    /// A reader of `input`, after the size and encoding checks.
    pub fn new(input: &'a [u8], config: Config) -> Result<Self, Error> {
        if input.len() > config.limits.max_bytes {
            return Err(Error {
                kind: ErrorKind::TooLarge {
                    len: input.len(),
                    limit: config.limits.max_bytes,
                },
                at: Position { line: 1, column: 1 },
            });
        }
        let text = std::str::from_utf8(input).map_err(|e| {
            let offset = e.valid_up_to();
            let valid = std::str::from_utf8(&input[..offset]).unwrap_or_default();
            Error {
                kind: ErrorKind::NotUtf8 { offset },
                at: Position::of(valid, offset),
            }
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some((offset, ch)) = first_forbidden_char(text) {
            return Err(Error {
                kind: ErrorKind::NotXmlChar { code: ch.into() },
                at: Position::of(text, offset),
            });
        }
        let inner = match config.names {
            Names::Qualified => Inner::Plain(QuickReader::from_str(text)),
            Names::Resolved => Inner::Ns(NsReader::from_str(text)),
        };
        Ok(Self {
            inner,
            text,
            config,
            open: Vec::new(),
            elements: 0,
            root_closed: false,
            pending_end: false,
            token_start: 0,
        })
    }

    /// The next token, or `None` at the end of a complete document.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Token<'a>>, Error> {
        if self.pending_end {
            self.pending_end = false;
            self.close();
            return Ok(Some(Token::End));
        }
        loop {
            self.token_start = self.offset();
            let (ns, event) = self.read()?;
            match event {
                Event::Start(_) | Event::Empty(_) if self.root_closed => {
                    return Err(self.error(ErrorKind::TrailingContent));
                }
                Event::Start(start) => return self.open(&start, ns).map(Some),
                Event::Empty(start) => {
                    let token = self.open(&start, ns)?;
                    self.pending_end = true;
                    return Ok(Some(token));
                }
                Event::End(_) => {
                    // Invariant: quick-xml checks end names, so an End closes an open Start.
                    if self.open.is_empty() {
                        return Err(self.error(ErrorKind::TrailingContent));
                    }
                    self.close();
                    return Ok(Some(Token::End));
                }
                Event::Text(text) => {
                    if let Some(text) = self.text_token(text.xml10_content())? {
                        return Ok(Some(text));
                    }
                }
                Event::CData(data) => {
                    if let Some(text) = self.text_token(data.xml10_content())? {
                        return Ok(Some(text));
                    }
                }
                Event::GeneralRef(reference) => {
                    let ch = self.resolve(&reference)?;
                    if let Some(text) = self.text_token(Cow::Owned(ch.to_string()))? {
                        return Ok(Some(text));
                    }
                }
                Event::DocType(_) => {
                    if self.config.doctype == Doctype::Refuse {
                        return Err(self.error(ErrorKind::Dtd));
                    }
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    return match (self.open.is_empty(), self.root_closed) {
                        (false, _) => Err(self.error(ErrorKind::Truncated)),
                        (true, false) => Err(self.error(ErrorKind::NoRoot)),
                        (true, true) => Ok(None),
                    };
                }
            }
        }
    }

    /// Where the last token began.
    pub fn position(&self) -> Position {
        Position::of(self.text, self.token_start)
    }

    fn read(&mut self) -> Result<(Option<String>, Event<'a>), Error> {
        let read = match &mut self.inner {
            Inner::Plain(reader) => reader.read_event().map(|event| (None, event)),
            Inner::Ns(reader) => match reader.read_resolved_event() {
                Ok((resolved, event)) => match namespace_of(&resolved) {
                    Ok(ns) => Ok((ns, event)),
                    Err(kind) => return Err(self.error(kind)),
                },
                Err(e) => Err(e),
            },
        };
        read.map_err(|e| {
            let at = match &self.inner {
                Inner::Plain(reader) => reader.error_position(),
                Inner::Ns(reader) => reader.error_position(),
            };
            Error {
                kind: ErrorKind::from_quick(e),
                at: Position::of(self.text, usize::try_from(at).unwrap_or(usize::MAX)),
            }
        })
    }

    fn offset(&self) -> usize {
        let at = match &self.inner {
            Inner::Plain(reader) => reader.buffer_position(),
            Inner::Ns(reader) => reader.buffer_position(),
        };
        usize::try_from(at).unwrap_or(usize::MAX)
    }

    fn error(&self, kind: ErrorKind) -> Error {
        Error {
            kind,
            at: self.position(),
        }
    }

    fn open(&mut self, start: &BytesStart<'_>, ns: Option<String>) -> Result<Token<'a>, Error> {
        let limits = self.config.limits;
        self.elements += 1;
        if self.elements > limits.max_elements {
            return Err(self.error(ErrorKind::TooManyElements {
                limit: limits.max_elements,
            }));
        }
        if self.open.len() >= limits.max_depth {
            return Err(self.error(ErrorKind::TooDeep {
                limit: limits.max_depth,
            }));
        }
        let name = start.name().into_inner().to_owned();
        let local_start = name.len() - start.local_name().into_inner().len();
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.error(ErrorKind::Syntax(e.into())))?;
            let key = attr.key;
            let (attr_ns, attr_name) = match &self.inner {
                Inner::Plain(_) => (None, key.into_inner().to_owned()),
                Inner::Ns(reader) => {
                    // Namespace declarations are consumed by the reader's resolver.
                    if key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (resolved, local) = reader.resolver().resolve_attribute(key);
                    let attr_ns = namespace_of(&resolved).map_err(|kind| self.error(kind))?;
                    (attr_ns, local.into_inner().to_owned())
                }
            };
            if attrs.len() >= limits.max_attributes {
                return Err(self.error(ErrorKind::TooManyAttributes {
                    limit: limits.max_attributes,
                }));
            }
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| self.error(ErrorKind::from_quick(e)))?
                .into_owned();
            // The document holds none written (`new`): this one came from a reference.
            if let Some(ch) = value.chars().find(|&c| !is_xml_char(c)) {
                return Err(self.error(ErrorKind::NotXmlChar { code: ch.into() }));
            }
            attrs.push(Attr {
                ns: attr_ns,
                name: attr_name,
                value,
            });
        }
        self.open.push(0);
        Ok(Token::Start(Start {
            name,
            ns,
            attrs,
            local_start,
        }))
    }

    fn close(&mut self) {
        self.open.pop();
        if self.open.is_empty() {
            self.root_closed = true;
        }
    }

    /// `content` as a token of the innermost open element; `None` for whitespace outside
    /// the root.
    fn text_token(&mut self, content: Cow<'a, str>) -> Result<Option<Token<'a>>, Error> {
        let limit = self.config.limits.max_text_bytes;
        match self.open.last_mut() {
            Some(held) => {
                *held = held.saturating_add(content.len());
                if *held > limit {
                    return Err(self.error(ErrorKind::TextTooLong { limit }));
                }
                Ok(Some(Token::Text(content)))
            }
            None if content.chars().all(is_xml_space) => Ok(None),
            None if self.root_closed => Err(self.error(ErrorKind::TrailingContent)),
            None => Err(self.error(ErrorKind::TextBeforeRoot)),
        }
    }

    fn resolve(&self, reference: &BytesRef<'_>) -> Result<char, Error> {
        if reference.is_char_ref() {
            return match reference.resolve_char_ref() {
                Ok(Some(ch)) if !is_xml_char(ch) => {
                    Err(self.error(ErrorKind::NotXmlChar { code: ch.into() }))
                }
                Ok(Some(ch)) => Ok(ch),
                _ => Err(self.error(ErrorKind::UnknownEntity(shorten(reference)))),
            };
        }
        match &**reference {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            other => Err(self.error(ErrorKind::UnknownEntity(shorten(other)))),
        }
    }
}

/// Whether `ch` is XML whitespace (space, tab, CR, LF).
pub fn is_xml_space(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\r' | '\n')
}

fn namespace_of(resolved: &ResolveResult<'_>) -> Result<Option<String>, ErrorKind> {
    match resolved {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => {
            let ns: &str = ns.as_ref();
            Ok(Some(ns.to_owned()))
        }
        ResolveResult::Unknown(prefix) => Err(ErrorKind::UnboundPrefix(shorten(prefix))),
    }
}
