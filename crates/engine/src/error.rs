//! Errors of the engine, and the one mapping from a refused command to its SyncML status code.

use pfw_syncml::{DecodeError, StatusCode};
use pfw_tree::{StoreError, TreeError};
use thiserror::Error;

/// Why a message was not applied at all. Nothing of it is in the state.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The message could not be decoded as SyncML: refused whole.
    #[error("message refused: {0}")]
    Decode(#[from] DecodeError),
    /// The state could not be read or written; the message's transaction was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The SyncML status code for a refused command: DESIGN.md's ordered checks, each row's
/// code, in one place.
pub fn status_of(error: &TreeError) -> StatusCode {
    use pfw_ddf::UriError;
    match error {
        // Row 3.
        TreeError::Uri(UriError::TooLong { .. } | UriError::SegmentTooLong { .. }) => {
            StatusCode::UriTooLong
        }
        TreeError::MissingTarget | TreeError::Uri(_) => StatusCode::BadRequest,
        // Row 4.
        TreeError::NoUser => StatusCode::CommandNotAllowed,
        // Row 5.
        TreeError::NotInSchema(_) | TreeError::NotApplicable { .. } => StatusCode::NotFound,
        // Row 6.
        TreeError::NotAllowed { .. } | TreeError::ChildOfLeaf { .. } => {
            StatusCode::CommandNotAllowed
        }
        // Row 7.
        TreeError::AlreadyExists(_) => StatusCode::AlreadyExists,
        TreeError::Missing(_) => StatusCode::NotFound,
        TreeError::Permanent(_) => StatusCode::CommandNotAllowed,
        // Row 8.
        TreeError::Format { .. } => StatusCode::UnsupportedMediaType,
        // Row 9.
        TreeError::Value(_) | TreeError::Name { .. } => StatusCode::BadRequest,
        TreeError::ValueTooLarge { .. } => StatusCode::RequestEntityTooLarge,
        // Row 10.
        TreeError::Unsupported(_) => StatusCode::OptionalFeatureNotSupported,
        TreeError::TreeFull { .. } => StatusCode::DeviceFull,
        TreeError::Store(_) => StatusCode::CommandFailed,
        // TreeError is non-exhaustive: a new refusal is a generic failure until mapped here.
        _ => StatusCode::CommandFailed,
    }
}
