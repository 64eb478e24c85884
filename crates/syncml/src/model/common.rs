//! Elements shared by several commands: `Item`, `Target`/`Source` with their
//! `LocURI`, `Data`, `Meta`, `Cred` and `Chal`, each with its reader and writer.

use crate::codec::lexer::{Open, Tok};
use crate::codec::reader::{Fault, Gathered, Reader, Res};
use crate::codec::writer::{self, Encode};
use crate::model::Text;
use crate::model::command::{read_flag, read_once};
use crate::pos::{Pos, Span};

/// An `Item`: one piece of data a command acts on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// `Target`: where the command applies (Add, Replace, Get, …).
    pub target: Option<Target>,
    /// `Source`: where the data comes from (Results, the DevInfo Replace, Copy).
    pub source: Option<Source>,
    /// `Meta` of this item; when absent, the command's `Meta` applies.
    pub meta: Option<Meta>,
    /// `Data`: the value.
    pub data: Option<Data>,
    /// `MoreData`: the value continues in a later message (large objects).
    pub more_data: bool,
    /// Position of `<Item`.
    pub pos: Pos,
    /// The bytes of the whole element, from `<Item` to the end of its end tag.
    pub span: Span,
}

impl Item {
    /// The target's `LocURI` text, if the item has a target.
    pub fn target_uri(&self) -> Option<&str> {
        self.target.as_ref().map(|t| t.loc_uri.text.as_str())
    }

    /// The source's `LocURI` text, if the item has a source.
    pub fn source_uri(&self) -> Option<&str> {
        self.source.as_ref().map(|s| s.loc_uri.text.as_str())
    }

    /// The `Data` text, if the item has data.
    pub fn data_text(&self) -> Option<&str> {
        self.data.as_ref().map(|d| d.text.as_str())
    }

    pub(crate) fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        r.count_item(open.offset)?;
        let mut item = Self {
            pos: r.pos(open.offset),
            ..Self::default()
        };
        while let Some(child) = r.child()? {
            match child.name {
                "Target" => read_once(r, &child, "Target", &mut item.target, Target::read)?,
                "Source" => read_once(r, &child, "Source", &mut item.source, Source::read)?,
                "Meta" => read_once(r, &child, "Meta", &mut item.meta, Meta::read)?,
                "Data" => read_once(r, &child, "Data", &mut item.data, Data::read)?,
                "MoreData" => read_flag(r, &child, "MoreData", &mut item.more_data)?,
                _ => return Err(r.unexpected(&child)),
            }
        }
        item.span = Span::new(open.offset, r.end());
        Ok(item)
    }
}

impl Encode for Item {
    fn write(&self, out: &mut String) {
        writer::open(out, "Item");
        Location::write_some(out, "Target", self.target.as_ref());
        Location::write_some(out, "Source", self.source.as_ref());
        self.meta.write(out);
        self.data.write(out);
        writer::flag(out, "MoreData", self.more_data);
        writer::close(out, "Item");
    }
}

/// A `Target` or a `Source`: an address, the two elements' one shape (they differ only in
/// their element name, which the parent writes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// `LocURI`: the address.
    pub loc_uri: LocUri,
    /// `LocName`: a display name (OMA-DM: the user name for MD5 authentication).
    pub loc_name: Option<String>,
    /// Position of the element's start tag.
    pub pos: Pos,
}

/// A `Target`: the address a command acts on.
pub type Target = Location;

/// A `Source`: the address data comes from.
pub type Source = Location;

impl Location {
    /// A location at `uri`, without a name.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            loc_uri: LocUri::new(uri),
            ..Self::default()
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        let (loc_uri, loc_name, pos) = read_location(r, open)?;
        Ok(Self {
            loc_uri,
            loc_name,
            pos,
        })
    }

    /// Writes the location as the element `name` (`Target` or `Source`).
    pub(crate) fn write(&self, out: &mut String, name: &str) {
        write_location(out, name, &self.loc_uri, self.loc_name.as_deref());
    }

    /// Writes `location`, when present, as the element `name`.
    pub(crate) fn write_some(out: &mut String, name: &str, location: Option<&Self>) {
        if let Some(location) = location {
            location.write(out, name);
        }
    }
}

/// A `LocURI`, with surrounding whitespace removed.
///
/// Microsoft's 2019 PassportForWork example puts a newline and spaces around every
/// `LocURI`; the decoder trims XML whitespace (space, tab, CR, LF) from both ends and
/// records that it did. Whitespace inside the URI is kept as written. Only `text` is
/// written by the encoder; `==` compares `pos` and `trimmed` too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocUri {
    /// The URI, trimmed.
    pub text: String,
    /// Position of the first non-whitespace character of the URI (of `<LocURI` when
    /// the element is empty or blank), so a diagnostic can point at the URI itself.
    pub pos: Pos,
    /// The bytes of the URI as written, without the whitespace around it (empty, at
    /// `<LocURI`, when the element is empty or blank).
    pub span: Span,
    /// Whether whitespace was trimmed from either end.
    pub trimmed: bool,
}

impl LocUri {
    /// A URI built in code (nothing trimmed, no position).
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// The URI text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A `Data` element.
///
/// `text` is the content after entity decoding (CDATA sections are text), not
/// trimmed: whitespace in data is significant. When the element holds child elements
/// (inline XML, as some servers send for Format `xml`), `text` is the inner markup
/// exactly as written in the message, references undecoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Data {
    /// The content.
    pub text: Text,
    /// The `msft:originalerror` attribute: the HRESULT behind an error status
    /// (MS-MDM §2.2.5.1), for example `0x86000002`.
    pub original_error: Option<String>,
    /// Position of `<Data`.
    pub pos: Pos,
    /// The bytes of the content as written (for an empty-element tag, `<Data/>`, the empty
    /// span at its `<`).
    pub content: Span,
}

impl Data {
    /// Data with `text` and no original error.
    pub fn new(text: impl Into<Text>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Data holding a status code's number, as a `Status` carries it (`200`).
    pub fn status(code: crate::StatusCode) -> Self {
        use compact_str::ToCompactString;
        Self::new(code.code().to_compact_string())
    }

    pub(crate) fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        let pos = r.pos(open.offset);
        let original_error = original_error(r);
        r.with_gaps(|r| Self::read_content(r, open, pos, original_error))
    }

    fn read_content(
        r: &mut Reader<'_>,
        open: &Open<'_>,
        pos: Pos,
        original_error: Option<String>,
    ) -> Res<Self> {
        let mut gathered = Gathered::default();
        let mut markup = false;
        loop {
            match r.next()? {
                Tok::Text(piece) => {
                    if !markup {
                        gathered.push(r.input(), &piece);
                        r.check_text(gathered.len(), open)?;
                    }
                }
                Tok::Open(_) => {
                    markup = true;
                    r.skip()?;
                }
                Tok::Close(end) => {
                    let text = if markup {
                        let inner = r.slice(open.content_start, end);
                        r.check_text(inner.len(), open)?;
                        Text::new(inner)
                    } else {
                        Text::from(gathered.finish(r.input()))
                    };
                    return Ok(Self {
                        text,
                        original_error,
                        pos,
                        content: content_span(r, open, end),
                    });
                }
                Tok::Eof => {
                    return Err(Fault::Fatal(crate::DecodeError::Truncated {
                        element: "Data".to_owned(),
                        pos,
                    }));
                }
            }
        }
    }
}

impl Encode for Data {
    fn write(&self, out: &mut String) {
        match &self.original_error {
            Some(code) => {
                out.push_str("<Data msft:originalerror=\"");
                writer::escape_attr(out, code);
                out.push_str("\">");
            }
            None => out.push_str("<Data>"),
        }
        writer::escape_text(out, &self.text);
        out.push_str("</Data>");
    }
}

/// A `Meta` element: meta-information from the `syncml:metinf` namespace.
///
/// Children are accepted without a namespace, with `xmlns="syncml:metinf"` (in any
/// case), or with a prefix bound to `syncml:metinf`; children this model does not
/// name (`EMI`, `Anchor`, `Mem`, …) and children in another namespace are skipped.
/// Values are kept as written (not trimmed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// `Format`: `chr`, `int`, `bool`, `b64`, `node`, `xml`, …
    pub format: Option<Text>,
    /// `Type`: a MIME type such as `text/plain`, or an alert event type.
    pub type_: Option<Text>,
    /// `Mark`.
    pub mark: Option<Text>,
    /// `Size`: total size of a large object, in its first chunk.
    pub size: Option<Text>,
    /// `NextNonce`: the next authentication nonce (b64).
    pub next_nonce: Option<Text>,
    /// `Version`.
    pub version: Option<Text>,
    /// `MaxMsgSize`: largest message the sender accepts.
    pub max_msg_size: Option<Text>,
    /// `MaxObjSize`: largest object the sender accepts.
    pub max_obj_size: Option<Text>,
    /// Position of `<Meta`.
    pub pos: Pos,
    /// The bytes of `Format`'s content as written (for `<Format/>`, the empty span at its
    /// `<`), when there is a `Format`.
    pub format_span: Option<Span>,
}

impl Meta {
    /// Meta with only a `Format`.
    pub fn with_format(format: impl Into<Text>) -> Self {
        Self {
            format: Some(format.into()),
            ..Self::default()
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        let mut meta = Self {
            pos: r.pos(open.offset),
            ..Self::default()
        };
        while let Some(child) = r.any_child()? {
            let Some(local) = metinf_name(r, &child) else {
                r.skip()?;
                continue;
            };
            let (name, slot) = match local {
                "Format" => ("Format", &mut meta.format),
                "Type" => ("Type", &mut meta.type_),
                "Mark" => ("Mark", &mut meta.mark),
                "Size" => ("Size", &mut meta.size),
                "NextNonce" => ("NextNonce", &mut meta.next_nonce),
                "Version" => ("Version", &mut meta.version),
                "MaxMsgSize" => ("MaxMsgSize", &mut meta.max_msg_size),
                "MaxObjSize" => ("MaxObjSize", &mut meta.max_obj_size),
                _ => {
                    r.skip()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(r.duplicate(name, &child));
            }
            let text = r.text(&child)?;
            *slot = Some(Text::from(text.value));
            if name == "Format" {
                meta.format_span = Some(content_span(r, &child, text.end));
            }
        }
        Ok(meta)
    }
}

impl Encode for Meta {
    /// Writes the fields in the order of the MetInf DTD, each with
    /// `xmlns="syncml:metinf"`.
    fn write(&self, out: &mut String) {
        writer::open(out, "Meta");
        for (name, value) in [
            ("Format", &self.format),
            ("Type", &self.type_),
            ("Mark", &self.mark),
            ("Size", &self.size),
            ("Version", &self.version),
            ("NextNonce", &self.next_nonce),
            ("MaxMsgSize", &self.max_msg_size),
            ("MaxObjSize", &self.max_obj_size),
        ] {
            if let Some(value) = value {
                out.push('<');
                out.push_str(name);
                out.push_str(" xmlns=\"");
                out.push_str(METINF);
                out.push_str("\">");
                writer::escape_text(out, value);
                writer::close(out, name);
            }
        }
        writer::close(out, "Meta");
    }
}

/// A `Cred` element: authentication credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cred {
    /// `Meta`: the scheme (`Type`, such as `syncml:auth-md5`) and `Format` (`b64`).
    pub meta: Option<Meta>,
    /// `Data`: the credential.
    pub data: String,
    /// Position of `<Cred`.
    pub pos: Pos,
}

impl Cred {
    pub(crate) fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        let pos = r.pos(open.offset);
        let mut meta = None;
        let mut data = None;
        while let Some(child) = r.child()? {
            match child.name {
                "Meta" => read_once(r, &child, "Meta", &mut meta, Meta::read)?,
                "Data" => read_once(r, &child, "Data", &mut data, |r, child| {
                    Ok(r.text(child)?.value.into_owned())
                })?,
                _ => return Err(r.unexpected(&child)),
            }
        }
        let data = data.ok_or_else(|| Reader::missing("Data", pos))?;
        Ok(Self { meta, data, pos })
    }
}

impl Encode for Cred {
    fn write(&self, out: &mut String) {
        writer::open(out, "Cred");
        self.meta.write(out);
        writer::element(out, "Data", &self.data);
        writer::close(out, "Cred");
    }
}

/// A `Chal` element: an authentication challenge in a `Status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chal {
    /// `Meta`: the scheme (`Type`), `Format` and `NextNonce`.
    pub meta: Meta,
    /// Position of `<Chal`.
    pub pos: Pos,
}

impl Chal {
    pub(crate) fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        let pos = r.pos(open.offset);
        let mut meta = None;
        while let Some(child) = r.child()? {
            match child.name {
                "Meta" => read_once(r, &child, "Meta", &mut meta, Meta::read)?,
                _ => return Err(r.unexpected(&child)),
            }
        }
        let meta = meta.ok_or_else(|| Reader::missing("Meta", pos))?;
        Ok(Self { meta, pos })
    }
}

impl Encode for Chal {
    fn write(&self, out: &mut String) {
        writer::open(out, "Chal");
        self.meta.write(out);
        writer::close(out, "Chal");
    }
}

/// Reads `LocURI` and `LocName` of a `Target` or `Source`.
fn read_location(r: &mut Reader<'_>, open: &Open<'_>) -> Res<(LocUri, Option<String>, Pos)> {
    let pos = r.pos(open.offset);
    let mut loc_uri = None;
    let mut loc_name = None;
    while let Some(child) = r.child()? {
        match child.name {
            "LocURI" => {
                if loc_uri.is_some() {
                    return Err(r.duplicate("LocURI", &child));
                }
                let (text, pos, span, trimmed) = r.trimmed_text(&child)?;
                loc_uri = Some(LocUri {
                    text,
                    pos,
                    span,
                    trimmed,
                });
            }
            "LocName" => {
                if loc_name.is_some() {
                    return Err(r.duplicate("LocName", &child));
                }
                loc_name = Some(r.text(&child)?.value.into_owned());
            }
            _ => return Err(r.unexpected(&child)),
        }
    }
    let loc_uri = loc_uri.ok_or_else(|| Reader::missing("LocURI", pos))?;
    Ok((loc_uri, loc_name, pos))
}

fn write_location(out: &mut String, name: &str, uri: &LocUri, loc_name: Option<&str>) {
    writer::open(out, name);
    writer::element(out, "LocURI", &uri.text);
    writer::optional(out, "LocName", loc_name);
    writer::close(out, name);
}

/// The local name of a `Meta` child if it is in the metinf namespace (or in none),
/// `None` if it belongs to another namespace.
fn metinf_name<'a>(r: &Reader<'a>, open: &Open<'a>) -> Option<&'a str> {
    let lexer = r.lexer();
    match open.name.split_once(':') {
        Some((prefix, local)) => lexer
            .namespace(prefix)
            .is_some_and(|ns| ns.eq_ignore_ascii_case(METINF))
            .then_some(local),
        None => match lexer.attr("xmlns") {
            Some(ns) if !ns.is_empty() && !ns.eq_ignore_ascii_case(METINF) => None,
            _ => Some(open.name),
        },
    }
}

/// The `originalerror` attribute of the last start tag, when its prefix is bound to
/// the Microsoft MDM namespace, or is `msft` and bound to nothing.
fn original_error(r: &Reader<'_>) -> Option<String> {
    let lexer = r.lexer();
    lexer.attrs().iter().find_map(|attr| {
        let (prefix, local) = attr.name.split_once(':')?;
        if local != "originalerror" {
            return None;
        }
        let known = match lexer.namespace(prefix) {
            Some(ns) => ns == MSFT_NS,
            None => prefix == "msft",
        };
        known.then(|| attr.value.clone().into_owned())
    })
}

/// The Microsoft MDM namespace of the `msft:originalerror` attribute.
pub(crate) const MSFT_NS: &str = "http://schemas.microsoft.com/MobileDevice/MDM";

/// The SyncML meta-information namespace.
const METINF: &str = "syncml:metinf";

/// The bytes of the content of the element `open`, whose end tag starts at `close`: for an
/// empty-element tag (`<x/>`), the empty span at its `<`, so that what points at the content
/// of an element that has none points at the element.
pub(crate) fn content_span(r: &Reader<'_>, open: &Open<'_>, close: usize) -> Span {
    if r.slice(open.offset, open.content_start).ends_with("/>") {
        Span::new(open.offset, open.offset)
    } else {
        Span::new(open.content_start, close.max(open.content_start))
    }
}
