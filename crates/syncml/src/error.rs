//! Errors: why a whole message was refused, and why a code did not parse.
//!
//! A [`DecodeError`] means nothing of the message may be acted on: it is not
//! well-formed XML, breaks a safety rule (DTD, entity, size, depth, count), or breaks
//! the grammar of the message frame (`SyncML`, `SyncHdr`, `SyncBody`). A grammar error
//! inside one command is not a `DecodeError`: that command decodes as
//! [`crate::Command::Malformed`] and the rest of the message stands.

use std::fmt;

use crate::model::MalformedReason;
use crate::pos::Pos;

/// Why a message was refused whole by [`crate::SyncMl::decode`].
///
/// Every variant carries the [`Pos`] of the offending construct (1-based line and
/// column in characters) and, where one is involved, the element's name.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is longer than [`crate::Limits::max_message_bytes`]; nothing was read.
    #[error("message is {size} bytes, over the limit of {limit} bytes")]
    MessageTooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The input is not valid UTF-8.
    #[error("{pos}: input is not UTF-8 (byte offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Line and column of that byte.
        pos: Pos,
    },
    /// The XML declaration names an encoding other than UTF-8.
    #[error("{pos}: declared encoding {encoding:?} is not UTF-8")]
    UnsupportedEncoding {
        /// The declared encoding name.
        encoding: String,
        /// Position of the declaration.
        pos: Pos,
    },
    /// The XML declaration names a version other than 1.0.
    #[error("{pos}: XML version {version:?} is not supported (only 1.0)")]
    UnsupportedVersion {
        /// The declared version.
        version: String,
        /// Position of the declaration.
        pos: Pos,
    },
    /// The input has a document type declaration (a DTD): never accepted, so no
    /// entity can be declared or expanded.
    #[error("{pos}: a DOCTYPE declaration is not allowed")]
    Doctype {
        /// Position of `<!DOCTYPE`.
        pos: Pos,
    },
    /// An entity reference other than the five XML predefines (`&amp;`, `&lt;`,
    /// `&gt;`, `&apos;`, `&quot;`).
    #[error("{pos}: entity reference &{name}; is not one of the five predefined entities")]
    UndeclaredEntity {
        /// The entity name, without `&` and `;`.
        name: String,
        /// Position of the `&`.
        pos: Pos,
    },
    /// A character reference that does not parse or names a character XML 1.0 does
    /// not allow (such as `&#0;` or `&#x1;`).
    #[error("{pos}: character reference &{reference}; is not an allowed XML 1.0 character")]
    InvalidCharRef {
        /// The reference, without `&` and `;` (for example `#x1`).
        reference: String,
        /// Position of the `&`.
        pos: Pos,
    },
    /// A raw character XML 1.0 does not allow: NUL and the other C0 controls except
    /// tab, CR and LF, U+FFFE and U+FFFF.
    #[error("{pos}: character U+{code_point:04X} is not allowed in XML 1.0")]
    InvalidChar {
        /// The character's code point.
        code_point: u32,
        /// Its position.
        pos: Pos,
    },
    /// A processing instruction other than the XML declaration: none is accepted.
    #[error("{pos}: processing instruction <?{target}?> is not allowed")]
    ProcessingInstruction {
        /// The instruction's target name.
        target: String,
        /// Position of `<?`.
        pos: Pos,
    },
    /// The input is not well-formed XML.
    #[error("{pos}: {kind}")]
    Syntax {
        /// What is wrong.
        kind: XmlSyntax,
        /// Where.
        pos: Pos,
    },
    /// The input ends inside an element.
    #[error("{pos}: input ends before <{element}> is closed")]
    Truncated {
        /// The innermost element still open.
        element: String,
        /// Position of the end of input.
        pos: Pos,
    },
    /// The input has no root element at all.
    #[error("{pos}: no root element")]
    MissingRoot {
        /// Position of the end of input.
        pos: Pos,
    },
    /// Text, a reference, CDATA or a second element outside the root element.
    #[error("{pos}: content outside the root element")]
    ContentOutsideRoot {
        /// Position of the content.
        pos: Pos,
    },
    /// The root element is not `SyncML`.
    #[error("{pos}: root element is <{found}>, not <SyncML>")]
    WrongRoot {
        /// The root element's name as written.
        found: String,
        /// Position of the root's start tag.
        pos: Pos,
    },
    /// An element of the SyncML grammar (the root or any element below it but `Meta`'s
    /// children and `Data`'s content) declares a default namespace other than
    /// `SYNCML:SYNCML1.2` (in any case); none, or `xmlns=""`, is SyncML's.
    #[error(
        "{pos}: {} namespace {found:?} is not SYNCML:SYNCML1.2",
        whose(element)
    )]
    WrongNamespace {
        /// The element declaring it, as written.
        element: String,
        /// The declared namespace.
        found: String,
        /// Position of the element's start tag.
        pos: Pos,
    },
    /// An element opens deeper than [`crate::Limits::max_depth`].
    #[error("{pos}: <{element}> is nested deeper than the limit of {limit} levels")]
    TooDeep {
        /// The element that would pass the limit.
        element: String,
        /// The limit in force.
        limit: usize,
        /// Position of its start tag.
        pos: Pos,
    },
    /// More commands than [`crate::Limits::max_commands`].
    #[error("{pos}: more than {limit} commands")]
    TooManyCommands {
        /// The limit in force.
        limit: usize,
        /// Position of the first command over the limit.
        pos: Pos,
    },
    /// More `Item` elements than [`crate::Limits::max_items`].
    #[error("{pos}: more than {limit} items")]
    TooManyItems {
        /// The limit in force.
        limit: usize,
        /// Position of the first item over the limit.
        pos: Pos,
    },
    /// A text value longer than [`crate::Limits::max_text_bytes`].
    #[error("{pos}: text in <{element}> is longer than the limit of {limit} bytes")]
    TextTooLong {
        /// The element holding the text.
        element: String,
        /// The limit in force.
        limit: usize,
        /// Position of the text (or of its element).
        pos: Pos,
    },
    /// The root has no `SyncBody`.
    #[error("{pos}: <SyncML> has no <SyncBody>")]
    MissingBody {
        /// Position of the root's start tag.
        pos: Pos,
    },
    /// The message frame breaks the SyncML grammar: the root's children, the
    /// `SyncHdr` and everything in it, or `SyncBody`'s own content (`Final`, text).
    #[error("{pos}: invalid <{within}>: {reason}")]
    Grammar {
        /// The frame element whose grammar is broken: `SyncML`, `SyncHdr` or `SyncBody`.
        within: &'static str,
        /// What is wrong.
        reason: MalformedReason,
        /// Position of the offending element or text.
        pos: Pos,
    },
}

/// Ways the input fails to be well-formed XML.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlSyntax {
    /// A construct is not closed before the end of the input.
    #[error("{0} is not closed before the end of input")]
    Unclosed(Construct),
    /// Markup starting with `<!` that is not a comment, CDATA section or DOCTYPE.
    #[error("unknown markup after `<!`")]
    InvalidMarkup,
    /// An end tag does not match the open element.
    #[error("expected </{expected}>, found </{found}>")]
    MismatchedEndTag {
        /// The element that is open.
        expected: String,
        /// The end tag found.
        found: String,
    },
    /// An end tag with no open element.
    #[error("</{found}> closes no open element")]
    UnmatchedEndTag {
        /// The end tag found.
        found: String,
    },
    /// An element or attribute name that is not an XML name.
    #[error("{name:?} is not a valid XML name")]
    InvalidName {
        /// The name as written.
        name: String,
    },
    /// An attribute that is not `name="value"` or `name='value'`, or two
    /// attributes without whitespace between them.
    #[error("malformed attribute")]
    MalformedAttribute,
    /// The same attribute twice on one element.
    #[error("attribute {name} appears twice")]
    DuplicateAttribute {
        /// The attribute's name.
        name: String,
    },
    /// A raw `<` inside an attribute value.
    #[error("`<` inside an attribute value")]
    LtInAttributeValue,
    /// An XML declaration that does not parse (no version, bad attributes).
    #[error("malformed XML declaration")]
    MalformedDeclaration,
    /// An XML declaration anywhere but at the very start of the input.
    #[error("XML declaration not at the start of the input")]
    MisplacedDeclaration,
}

/// A construct named by [`XmlSyntax::Unclosed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Construct {
    /// An attribute value.
    AttributeValue,
    /// A CDATA section.
    CData,
    /// A comment.
    Comment,
    /// A DOCTYPE declaration.
    Doctype,
    /// A processing instruction or XML declaration.
    ProcessingInstruction,
    /// An entity or character reference (no `;`).
    Reference,
    /// A start or end tag.
    Tag,
}

impl fmt::Display for Construct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AttributeValue => "an attribute value",
            Self::CData => "a CDATA section",
            Self::Comment => "a comment",
            Self::Doctype => "a DOCTYPE declaration",
            Self::ProcessingInstruction => "a processing instruction",
            Self::Reference => "a reference",
            Self::Tag => "a tag",
        })
    }
}

/// Why a status or alert code's text did not parse.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseCodeError {
    /// The text is empty or has a character other than an ASCII digit.
    #[error("not a decimal code")]
    NotANumber,
    /// The number does not fit in 16 bits.
    #[error("code out of range")]
    OutOfRange,
}

/// How [`DecodeError::WrongNamespace`] names the element: `root` for `SyncML`, else `<Name>`.
fn whose(element: &str) -> String {
    if element == "SyncML" {
        "root".to_owned()
    } else {
        format!("<{element}>")
    }
}
