//! Errors of the reader: [`ErrorKind`] says what was wrong, [`Error`] adds where.

use std::fmt;

/// A document refused by the reader, with the position of the refusal.
#[derive(Debug, thiserror::Error)]
#[error("{kind} at line {}, column {}", at.line, at.column)]
pub struct Error {
    /// What was wrong.
    #[source]
    pub kind: ErrorKind,
    /// Where: the start of the markup or text the refusal is about.
    pub at: Position,
}

/// A line and column in a document, both 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line (1-based).
    pub line: usize,
    /// Column in characters (1-based).
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` of `text` (an offset past the end, or inside a
    /// character, counts as the nearest earlier character boundary).
    pub fn of(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.bytes().filter(|&b| b == b'\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why a document is not acceptable XML, or breaks a bound.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The document has a document type declaration (DTDs and entities are refused).
    #[error("a DOCTYPE declaration (refused)")]
    Dtd,
    /// The document holds no element.
    #[error("no root element")]
    NoRoot,
    /// The document is not UTF-8.
    #[error("not UTF-8 (byte {offset})")]
    NotUtf8 {
        /// Offset of the first byte that is not UTF-8.
        offset: usize,
    },
    /// The document is not well-formed.
    #[error("not well-formed: {0}")]
    Syntax(#[source] quick_xml::Error),
    /// Text (outside markup) before the root element.
    #[error("text before the root element")]
    TextBeforeRoot,
    /// One element's text is longer than the limit.
    #[error("an element's text is longer than {limit} bytes")]
    TextTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Elements nested deeper than the limit.
    #[error("nested deeper than {limit} elements")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The document is larger than the limit.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The document's size, in bytes.
        len: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// An element has more attributes than the limit.
    #[error("an element with more than {limit} attributes")]
    TooManyAttributes {
        /// The limit.
        limit: usize,
    },
    /// More elements than the limit.
    #[error("more than {limit} elements")]
    TooManyElements {
        /// The limit.
        limit: usize,
    },
    /// Content after the root element.
    #[error("content after the root element")]
    TrailingContent,
    /// The document ends inside an element.
    #[error("truncated (an element is not closed)")]
    Truncated,
    /// A character outside XML 1.0's `Char` (a C0 control other than tab, LF and CR,
    /// U+FFFE, U+FFFF), written or as a character reference.
    #[error("a character XML does not allow (U+{code:04X})")]
    NotXmlChar {
        /// Its code point.
        code: u32,
    },
    /// A namespace prefix is used without a declaration.
    #[error("undeclared namespace prefix {0:?}")]
    UnboundPrefix(String),
    /// An entity reference other than the five predefined ones or a character reference
    /// to a character XML allows.
    #[error("unknown entity reference &{0};")]
    UnknownEntity(String),
}

impl ErrorKind {
    /// The kind of a quick-xml error: a missing end tag is a truncated document.
    pub(crate) fn from_quick(error: quick_xml::Error) -> Self {
        match error {
            quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MissingEndTag(_)) => {
                Self::Truncated
            }
            other => Self::Syntax(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\ncé\nx";
        assert_eq!(Position::of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of(text, 3), Position { line: 2, column: 1 });
        // Inside `é` (two bytes): the boundary before it.
        assert_eq!(Position::of(text, 5), Position { line: 2, column: 2 });
        assert_eq!(Position::of(text, 7), Position { line: 3, column: 1 });
        assert_eq!(Position::of(text, 99), Position { line: 3, column: 2 });
    }
}
