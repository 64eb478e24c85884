//! Errors of the linter: the in-memory device failing (which it does not in practice, but the
//! store's API is fallible), a profile that cannot be explained, and JSON syntax.

use pfw_passport::state::StateError;
use pfw_tree::StoreError;
use thiserror::Error;

/// Why a profile could not be linted. A profile's own defects are never errors: they are
/// diagnostics, an unreadable file included.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LintError {
    /// The in-memory device the profile runs on failed.
    #[error("the in-memory device failed: {0}")]
    Store(#[from] StoreError),
}

/// Why a profile could not be explained.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// The file is not a SyncML message nor an Intune custom profile (the `unreadable`
    /// diagnostic says why and where).
    #[error("{file}:{line}:{column}: {message}")]
    Unreadable {
        /// The file as named.
        file: String,
        /// Line of the problem (1-based).
        line: u32,
        /// Column of the problem, in characters (1-based).
        column: u32,
        /// What is wrong.
        message: String,
    },
    /// The policy in force could not be resolved from the in-memory device (which a fresh
    /// device does not do in practice: a tenant is always chosen, and it holds no PIN record).
    #[error("the policy in force could not be resolved: {0}")]
    Policy(StateError),
    /// The in-memory device failed.
    #[error("the in-memory device failed: {0}")]
    Store(#[from] StoreError),
}

/// Why a text is not JSON (RFC 8259), or is JSON deeper than the reader accepts: the
/// policy sources' reader's own, which lint reads Intune profiles with.
pub use pfw_sources::JsonSyntax;
