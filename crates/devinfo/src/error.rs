//! The errors of pfw-devinfo: a DDF of its own that does not load (a build defect, reported
//! rather than panicking), a store failure, an unusable device identifier in a state.

use thiserror::Error;

/// A failure of the read-only device CSPs.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum DevInfoError {
    /// A stored device identifier is not 32 hexadecimal digits (a hand-edited state).
    #[error("the state's device identifier {0:?} is not 32 hexadecimal digits")]
    InvalidDeviceId(String),
    /// One of pfw's own DDF files does not load.
    #[error("pfw's own {name} DDF: {source}")]
    Load {
        /// Which DDF.
        name: &'static str,
        /// The loader's error.
        source: pfw_ddf::LoadError,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] pfw_tree::StoreError),
}
