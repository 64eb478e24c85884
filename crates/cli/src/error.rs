//! The command's failures and their exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use thiserror::Error;

/// Why a command could not do its job. Each maps to a documented exit code.
#[derive(Debug, Error)]
pub(crate) enum CliError {
    /// An argument's value is not usable (exit 2).
    #[error("{0}")]
    Usage(String),
    /// An input file could not be read (exit 2).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The SyncML message was refused whole; nothing was applied (exit 2).
    #[error("message refused, nothing applied: {0}")]
    Refused(pfw_syncml::DecodeError),
    /// The DDF given with --ddf does not load (exit 2).
    #[error("cannot load the DDF {}: {source}", path.display())]
    Ddf {
        path: PathBuf,
        source: pfw_ddf::LoadError,
    },
    /// Several tenants and no way to choose (exit 2).
    #[error("{0}")]
    Tenant(pfw_passport::ResolveError),
    /// The state could not be read or written (exit 3).
    #[error("state {}: {source}", path.display())]
    Store {
        path: PathBuf,
        source: pfw_tree::StoreError,
    },
    /// A command that only reads was pointed at a state file that does not exist (exit 3).
    #[error(
        "state {}: no such file; nothing to read (a command that changes the device, such as pfw apply or pfw device tpm, creates it)",
        .0.display()
    )]
    NoState(PathBuf),
    /// The CSP's state is damaged (exit 3).
    #[error("state {}: {source}", path.display())]
    State {
        path: PathBuf,
        source: pfw_passport::state::StateError,
    },
    /// Standard output or error could not be written, and the command changed nothing: exit 0
    /// quietly on a closed pipe, as Unix tools do, else exit 5.
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    /// The command changed the state (committed), then its output could not be written
    /// (exit 5): a caller must not take the missing output for a failure and retry.
    #[error("applied; the response could not be written ({0})")]
    Unwritten(std::io::Error),
}

impl CliError {
    /// The exit status documented for this failure.
    pub(crate) fn exit(&self) -> Exit {
        match self {
            Self::Usage(_)
            | Self::Read { .. }
            | Self::Refused(_)
            | Self::Ddf { .. }
            | Self::Tenant(_) => Exit::Usage,
            Self::Store { .. } | Self::State { .. } | Self::NoState(_) => Exit::State,
            Self::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Success,
            Self::Output(_) | Self::Unwritten(_) => Exit::Unwritten,
        }
    }

    /// Whether the failure is reported on standard error: not a closed pipe after a command
    /// that changed nothing (the reader has all it wanted).
    pub(crate) fn is_reported(&self) -> bool {
        self.exit() != Exit::Success
    }

    /// This failure, for a command that has committed a change to the state: output that
    /// cannot be written is then [`Unwritten`](Self::Unwritten).
    pub(crate) fn after_commit(self) -> Self {
        match self {
            Self::Output(e) => Self::Unwritten(e),
            other => other,
        }
    }
}

/// pfw's exit statuses, the table `pfw --help` and the README show. The only place they are
/// defined.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[repr(u8)]
pub(crate) enum Exit {
    /// Success; also a closed output pipe after a command that changed nothing.
    Success = 0,
    /// A negative answer: a command failed, a node is missing, a PIN does not comply.
    Negative = 1,
    /// Unusable input or arguments; nothing was changed.
    Usage = 2,
    /// The state could not be read or written.
    State = 3,
    /// The server or the network failed.
    Server = 4,
    /// The output could not be written; a command that changes the state has changed it.
    Unwritten = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}

/// [`Exit::Success`] as the number commands return.
pub(crate) const SUCCESS: u8 = Exit::Success as u8;
/// [`Exit::Negative`] as the number commands return.
pub(crate) const NEGATIVE: u8 = Exit::Negative as u8;
/// [`Exit::Server`] as the number commands return.
pub(crate) const SERVER_FAILURE: u8 = Exit::Server as u8;
