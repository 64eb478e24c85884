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
    /// The CSP's state is damaged (exit 3).
    #[error("state {}: {source}", path.display())]
    State {
        path: PathBuf,
        source: pfw_passport::state::StateError,
    },
    /// Standard output or error could not be written (exit 3).
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

impl CliError {
    /// The exit code documented for this failure.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Self::Usage(_)
            | Self::Read { .. }
            | Self::Refused(_)
            | Self::Ddf { .. }
            | Self::Tenant(_) => ExitCode::from(2),
            Self::Store { .. } | Self::State { .. } | Self::Output(_) => ExitCode::from(3),
        }
    }
}

/// Exit codes of a command that ran.
pub(crate) const SUCCESS: u8 = 0;
/// A negative answer: a command failed, a node is missing, a PIN does not comply.
pub(crate) const NEGATIVE: u8 = 1;
