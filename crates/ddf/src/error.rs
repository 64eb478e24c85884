//! Errors of the DDF layer: loading a file, parsing a URI, finding a node, typing a value.

use thiserror::Error;

/// Why a DDF file could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file is larger than the loader accepts.
    #[error("DDF file is {len} bytes; the limit is {max}")]
    TooLarge {
        /// The file's size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The file is not UTF-8.
    #[error("DDF file is not UTF-8 (byte {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The XML is not well-formed.
    #[error("DDF file is not well-formed XML at line {line}: {message}")]
    Xml {
        /// Line of the error (1-based).
        line: usize,
        /// The XML parser's message.
        message: String,
    },
    /// An entity reference other than the predefined ones.
    #[error(
        "DDF file uses the entity `&{name};` at line {line}; only the predefined XML entities are accepted"
    )]
    Entity {
        /// The entity's name.
        name: String,
        /// Line (1-based).
        line: usize,
    },
    /// Elements nest deeper than the loader accepts.
    #[error("DDF file nests elements deeper than {max} at line {line}")]
    TooDeep {
        /// The limit.
        max: usize,
        /// Line (1-based).
        line: usize,
    },
    /// The file has more nodes than the loader accepts.
    #[error("DDF file has more than {max} nodes")]
    TooManyNodes {
        /// The limit.
        max: usize,
    },
    /// One node holds more elements than the loader keeps at once.
    #[error("DDF file holds more than {max} elements in one node, at line {line}")]
    TooComplex {
        /// The limit.
        max: usize,
        /// Line (1-based).
        line: usize,
    },
    /// An element has more attributes than the loader accepts.
    #[error("DDF file has an element with more than {max} attributes at line {line}")]
    TooManyAttributes {
        /// The limit.
        max: usize,
        /// Line (1-based).
        line: usize,
    },
    /// The root element is not `MgmtTree`.
    #[error("DDF root element is `{found}`, expected `MgmtTree`")]
    WrongRoot {
        /// The root element found.
        found: String,
    },
    /// A required element is missing.
    #[error("DDF node `{node}` has no `{element}`")]
    Missing {
        /// The node's path as far as known.
        node: String,
        /// The missing element.
        element: &'static str,
    },
    /// An element has a value the model cannot represent.
    #[error("DDF node `{node}`: invalid `{element}`: {value:?}")]
    Invalid {
        /// The node's path as far as known.
        node: String,
        /// The element.
        element: &'static str,
        /// Its text.
        value: String,
    },
    /// A `RegEx` pattern that cannot be compiled, or that is past the per-pattern memory
    /// bound.
    #[error("DDF node `{node}`: RegEx {pattern:?}: {source}")]
    Pattern {
        /// The node's path.
        node: String,
        /// The pattern as written.
        pattern: String,
        /// Why.
        source: PatternError,
    },
    /// The file's patterns together are past the memory bound.
    #[error(
        "DDF node `{node}`: RegEx {pattern:?} brings the file's patterns to {bytes} bytes of memory; the limit is {max}"
    )]
    PatternsTooLarge {
        /// The node whose pattern passes the bound.
        node: String,
        /// Its pattern.
        pattern: String,
        /// The patterns' memory with it.
        bytes: usize,
        /// The bound.
        max: usize,
    },
    /// An `MSFT:Applicability` entry does not parse.
    #[error("DDF node `{node}`: {source}")]
    Applicability {
        /// The node's path as far as known.
        node: String,
        /// What is wrong.
        source: BuildError,
    },
}

/// Why a DDF `RegEx` pattern cannot be used.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternError {
    /// The regex engine cannot compile it: not a regex, or a feature it does not have
    /// (back-references, look-around).
    #[error("{0}")]
    Invalid(String),
    /// Compiled, it would hold more memory than the bound.
    #[error("compiled, it needs {} bytes of memory; the limit is {max}", needs(*bytes, *max))]
    TooLarge {
        /// What it needs; `None` when the compiler stopped at the bound.
        bytes: Option<usize>,
        /// The bound.
        max: usize,
    },
}

/// A Windows build or edition that does not parse.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// Not `major.minor.build[.revision]`.
    #[error(
        "`{0}` is not a Windows build (expected major.minor.build[.revision], e.g. 10.0.26100)"
    )]
    Build(String),
    /// Not a product type number.
    #[error("`{0}` is not a Windows product type (expected a number such as 0x4 or 48)")]
    Edition(String),
}

/// Why a LocURI is not a valid management-tree URI.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriError {
    /// The URI is empty.
    #[error("the URI is empty")]
    Empty,
    /// The URI starts with `/`.
    #[error("the URI starts with `/` (a LocURI is relative: `./Device/…`)")]
    LeadingSlash,
    /// A segment is empty (`//` or a trailing `/`).
    #[error("segment {index} of the URI is empty")]
    EmptySegment {
        /// 1-based segment index.
        index: usize,
    },
    /// A `.` segment past the first.
    #[error("segment {index} of the URI is `.`, which is allowed only first")]
    DotSegment {
        /// 1-based segment index.
        index: usize,
    },
    /// A `..` segment.
    #[error("segment {index} of the URI is `..`")]
    DotDotSegment {
        /// 1-based segment index.
        index: usize,
    },
    /// A malformed `%XX` escape, or an escape that does not decode to UTF-8.
    #[error("segment {index} of the URI has a malformed percent-escape")]
    BadPercentEncoding {
        /// 1-based segment index.
        index: usize,
    },
    /// A segment that decodes to a name containing `/`.
    #[error("segment {index} of the URI encodes a `/`")]
    EncodedSlash {
        /// 1-based segment index.
        index: usize,
    },
    /// A segment that decodes to a name holding a control character (C0 but tab, line feed and
    /// carriage return; DEL; C1), raw or percent-encoded (`%00`, `%1B`): such a name would
    /// reach terminals and logs that print node names.
    #[error("segment {index} of the URI holds the control character U+{code_point:04X}")]
    ControlCharacter {
        /// 1-based segment index.
        index: usize,
        /// The character.
        code_point: u32,
    },
    /// The query is not `key=value`.
    #[error("the URI's query is not `key=value`")]
    BadQuery,
    /// The URI is longer than the limit.
    #[error("the URI is {len} bytes; the limit is {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A segment is longer than the limit.
    #[error("segment {index} of the URI is {len} bytes; the limit is {max}")]
    SegmentTooLong {
        /// 1-based segment index.
        index: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Why a URI names no node of the schema.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupError {
    /// The path is not inside any of the schema's trees for that scope.
    #[error("`{path}` is not inside a tree this schema describes for the {scope} scope{}", hint(closest.as_deref()))]
    OutsideSchema {
        /// The path, as given.
        path: String,
        /// The scope.
        scope: String,
        /// A root name close to the one given, if any.
        closest: Option<String>,
    },
    /// A segment names no child of its parent.
    #[error("`{segment}` is not a child of `{parent}`{}", hint(closest.as_deref()))]
    UnknownSegment {
        /// 1-based index of the segment, counted after the scope.
        index: usize,
        /// The segment.
        segment: String,
        /// The parent's display path.
        parent: String,
        /// The closest sibling name, if one is close.
        closest: Option<String>,
    },
    /// The path goes below a leaf.
    #[error("`{leaf}` is a leaf and has no children")]
    BelowLeaf {
        /// 1-based index of the first segment below the leaf.
        index: usize,
        /// The leaf's display path.
        leaf: String,
    },
}

fn needs(bytes: Option<usize>, max: usize) -> String {
    bytes.map_or_else(|| format!("more than {max}"), |b| b.to_string())
}

fn hint(closest: Option<&str>) -> String {
    closest
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Why a value is not acceptable for a node.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{node} {kind}")]
pub struct ValueError {
    /// The node's name.
    pub node: String,
    /// What is wrong.
    pub kind: ValueErrorKind,
}

/// What is wrong with a value. Each message completes the sentence "NODE …".
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueErrorKind {
    /// Not `true`/`false`.
    #[error("must be true or false, got {0:?}")]
    NotBool(String),
    /// Not a decimal integer.
    #[error("must be a decimal integer, got {0:?}")]
    NotInt(String),
    /// Outside the 32-bit signed range.
    #[error("must fit in a 32-bit signed integer, got {0:?}")]
    IntOverflow(String),
    /// Not a floating-point number.
    #[error("must be a number, got {0:?}")]
    NotFloat(String),
    /// Not base64.
    #[error("must be base64, got {0:?}")]
    NotBase64(String),
    /// A `null` node given data.
    #[error("takes no value, got {0:?}")]
    NotNull(String),
    /// Outside the allowed range.
    #[error("must be {min}..={max}, got {got}")]
    OutOfRange {
        /// Lower bound.
        min: i64,
        /// Upper bound.
        max: i64,
        /// The value.
        got: i64,
    },
    /// Not one of the allowed values.
    #[error("must be one of {}, got {got:?}", allowed.join(", "))]
    NotAllowed {
        /// The allowed values.
        allowed: Vec<String>,
        /// The value.
        got: String,
    },
    /// Not a combination of the allowed flags.
    #[error("must be a combination of the flags {}, got {got:?}", allowed.join(", "))]
    NotFlags {
        /// The allowed flags.
        allowed: Vec<String>,
        /// The value.
        got: String,
    },
    /// Not an ADMX policy value (`<enabled/>`/`<disabled/>`, then `<data …/>` elements).
    #[error("must be {rule}, got {got:?}")]
    NotAdmx {
        /// The syntax rule broken.
        rule: &'static str,
        /// The value.
        got: String,
    },
    /// (An item of) the value does not match the node's pattern.
    #[error("must match the pattern {pattern}, got {got:?}")]
    NoMatch {
        /// The pattern as the DDF writes it.
        pattern: String,
        /// The value or list item that does not match.
        got: String,
    },
}
