//! Errors of the engine, and the one mapping from a refused command to its SyncML status code.

use pfw_syncml::{CommandKind, DecodeError, StatusCode};
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

/// Why the engine answered a command with something other than success: the message-level
/// rules (DESIGN.md's ordered checks rows 1 and 2, the containers' rules) and, below them,
/// the tree's refusal of an item. [`StatusCode::from`] gives the one status each answers.
#[derive(Debug, Error)]
pub enum Refusal {
    /// Row 1: the command has no CmdID (or an empty one).
    #[error("the command has no CmdID")]
    NoCmdId,
    /// Row 1: CmdID `0`, which only the SyncHdr's Status refers to.
    #[error("CmdID 0 is reserved for the SyncHdr")]
    ReservedCmdId,
    /// Row 2: an element in command position that is not a SyncML command.
    #[error("`{0}` is not a SyncML command")]
    NotACommand(String),
    /// Row 2: a command that breaks the SyncML grammar.
    #[error("malformed {element}: {reason}")]
    Malformed {
        /// The command.
        element: CommandKind,
        /// What is wrong with it.
        reason: String,
    },
    /// An item command without an Item.
    #[error("{0} has no Item")]
    NoItem(String),
    /// An Alert whose code OMA-DM does not define.
    #[error("alert {0:?} is not understood")]
    UnknownAlert(String),
    /// An Atomic inside an Atomic (at any depth): refused whole, its members not run.
    #[error("Atomic cannot be nested in an Atomic")]
    NestedAtomic,
    /// A Get inside an Atomic (at any depth).
    #[error("Get is not allowed inside Atomic")]
    GetInAtomic,
    /// A Replace of a node an earlier Add of the same Atomic created.
    #[error("Add then Replace of the same node in one Atomic is not supported")]
    ReplaceAfterAdd,
    /// A member of an Atomic that failed: it ran, and was rolled back.
    #[error("rolled back: the Atomic failed")]
    RolledBack,
    /// A member of a refused nested Atomic: never run.
    #[error("not executed: its Atomic was refused")]
    NotExecuted,
    /// An Atomic one of whose members failed: rolled back whole.
    #[error("a member failed; the Atomic was rolled back")]
    AtomicFailed,
    /// The tree refused the item (DESIGN.md's rows 3 to 10).
    #[error(transparent)]
    Tree(#[from] TreeError),
}

impl From<&Refusal> for StatusCode {
    fn from(refusal: &Refusal) -> Self {
        match refusal {
            Refusal::NoCmdId
            | Refusal::ReservedCmdId
            | Refusal::NotACommand(_)
            | Refusal::Malformed { .. }
            | Refusal::NoItem(_) => Self::BadRequest,
            Refusal::UnknownAlert(_) => Self::OptionalFeatureNotSupported,
            // [WinOMA]: nested Atomic and Get inside Atomic "will generate error code 500";
            // Add then Replace of one node in an Atomic "isn't supported".
            Refusal::NestedAtomic | Refusal::GetInAtomic | Refusal::ReplaceAfterAdd => {
                Self::CommandFailed
            }
            Refusal::RolledBack => Self::AtomicRollbackOk,
            Refusal::NotExecuted => Self::NotExecuted,
            Refusal::AtomicFailed => Self::AtomicFailed,
            Refusal::Tree(e) => status_of(e),
        }
    }
}

/// The SyncML status code for a refused command: DESIGN.md's ordered checks, each row's
/// code, in one place. Exhaustive: a new refusal does not compile until it has its code.
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
        // Row 9 (Data over the value limit), and a Get whose answer passes the message's
        // response bound: OMA-DM 1.2 representation §4.1.6.7, 413 "the data item to be
        // transferred is too large".
        TreeError::ValueTooLarge { .. } | TreeError::AnswerTooLarge { .. } => {
            StatusCode::RequestEntityTooLarge
        }
        // Row 10.
        TreeError::Unsupported(_) => StatusCode::OptionalFeatureNotSupported,
        TreeError::TreeFull { .. } => StatusCode::DeviceFull,
        TreeError::Store(_) => StatusCode::CommandFailed,
    }
}
