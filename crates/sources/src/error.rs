//! Why a source file could not be read. Every refusal is one line naming where it is; the
//! CLI prints it and exits 2, and nothing of the file is applied.

use thiserror::Error;

/// Why a file is not a Windows Hello policy source pfw can read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{file}: {at}{what}")]
pub struct ReadError {
    /// The file's name, as given.
    pub file: String,
    /// Where the problem is (empty when it concerns the whole file).
    pub at: At,
    /// What is wrong.
    pub what: Refusal,
}

/// Where in a file a refusal is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum At {
    /// The whole file.
    #[default]
    File,
    /// A byte offset of a binary file.
    Byte(usize),
    /// A line and column (1-based, columns in characters) of a text file.
    Line(u32, u32),
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File => Ok(()),
            Self::Byte(offset) => write!(f, "byte {offset}: "),
            Self::Line(line, column) => write!(f, "{line}:{column}: "),
        }
    }
}

/// What is wrong with a file.
#[non_exhaustive]
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum Refusal {
    /// The file is larger than the limit.
    #[error("the file is {size} bytes, over the {max}-byte limit for a policy source")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A UTF-16 text has an odd number of bytes.
    #[error("a UTF-16 text with an odd number of bytes ({0})")]
    OddUtf16(usize),
    /// A UTF-16 text holds a lone surrogate.
    #[error("invalid UTF-16: a lone surrogate")]
    BadUtf16,
    /// A text file that is not valid UTF-8.
    #[error("not valid UTF-8 (nor UTF-16 with a byte-order mark)")]
    BadUtf8,
    /// The kind of file cannot be told from its content.
    #[error(
        "not a policy source pfw reads: expected a Registry.pol (PReg), a .reg export, a GPO report \
         (gpreport.xml) or an Intune export (JSON)"
    )]
    UnknownKind,
    /// A Registry.pol does not start with `PReg` version 1.
    #[error("not a Registry.pol: {0}")]
    BadPolHeader(String),
    /// A Registry.pol breaks the `[key;value;type;size;data]` grammar.
    #[error("damaged Registry.pol: {0}")]
    BadPol(String),
    /// A .reg export breaks its grammar.
    #[error("damaged .reg file: {0}")]
    BadReg(String),
    /// A GPO report that is not well-formed XML, or not a report.
    #[error("damaged GPO report: {0}")]
    BadReport(String),
    /// A SyncML message the decoder refuses.
    #[error("not a SyncML message pfw accepts: {0}")]
    SyncMl(String),
    /// A JSON syntax error.
    #[error("invalid JSON: {0}")]
    Json(JsonSyntax),
    /// JSON that is not an Intune export of a kind pfw reads.
    #[error("{0}")]
    NotIntune(String),
    /// More entries, settings or elements than the limit.
    #[error("more than {max} {what} in one file")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// The limit.
        max: usize,
    },
}

/// Why a JSON text does not parse.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum JsonSyntax {
    /// The text ends inside a value.
    #[error("the JSON text ends inside a value")]
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// A number that does not follow JSON's grammar.
    #[error("malformed number")]
    BadNumber,
    /// A backslash escape JSON does not define, or a lone UTF-16 surrogate.
    #[error("invalid escape in a string")]
    BadEscape,
    /// A raw control character inside a string.
    #[error("control character in a string (write it as an escape)")]
    ControlInString,
    /// Arrays and objects nest deeper than the reader accepts.
    #[error("values nest deeper than {0} levels")]
    TooDeep(usize),
    /// Something follows the top-level value.
    #[error("content after the JSON value")]
    TrailingContent,
}
