//! Errors reading a facts table or generating one.

use thiserror::Error;

/// A facts table that cannot be read, or a bundle it cannot be generated from.
#[derive(Debug, Error)]
pub enum FactsError {
    /// The first line is not the format's header.
    #[error("not a pfw facts table (the first line is not `{expected}`)")]
    Header {
        /// The header expected.
        expected: &'static str,
    },
    /// A line of the table does not have the format's shape.
    #[error("facts table line {line}: {what}")]
    Line {
        /// The line number (1-based).
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// A unit's node lines do not form a tree.
    #[error("facts table unit {unit}: {what}")]
    Unit {
        /// The unit's root path.
        unit: String,
        /// What is wrong.
        what: String,
    },
    /// The bundle a table is generated from cannot be read.
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

/// A DDF directory (a bundle) that cannot be used.
#[derive(Debug, Error)]
pub enum BundleError {
    /// The directory or a file in it cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// More entries than the limit.
    #[error("{path}: more than {max} entries in a DDF directory")]
    TooManyEntries {
        /// The directory.
        path: String,
        /// The limit.
        max: usize,
    },
    /// A file over the DDF size limit.
    #[error("{path}: {len} bytes, over the {max}-byte limit of a DDF file")]
    FileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// The files together over the directory limit.
    #[error("{path}: the DDF files total more than {max} bytes")]
    TooLarge {
        /// The directory.
        path: String,
        /// The limit.
        max: u64,
    },
    /// A symbolic link or another entry that is not a regular file.
    #[error("{path}: not a regular file (symbolic links are not followed)")]
    NotAFile {
        /// The entry.
        path: String,
    },
    /// A file that does not load as a DDF.
    #[error("{path}: {source}")]
    Load {
        /// The file.
        path: String,
        /// Why.
        source: pfw_ddf::LoadError,
    },
}
