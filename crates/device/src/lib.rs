//! The composition root: one place that builds a device from its state file (the store, the
//! facts its device CSPs answer from, every CSP, the engine), for the `pfw` commands and
//! anything else that runs messages against a state.
//!
//! A device opened to read ([`Access::Read`]) writes nothing: its state must exist, and an
//! identifier not generated yet stays so (the device CSPs answer without one). A device opened
//! to change ([`Access::Write`]) creates its state when missing and generates the identifier.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pfw_csps::CspsError;
use pfw_ddf::Schema;
use pfw_devinfo::{DevInfoError, DeviceFacts};
use pfw_engine::Engine;
use pfw_syncml::Limits;
use pfw_tree::{Registry, SqliteStore, StoreError};
use thiserror::Error;

/// What a device is built from, besides its state.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// PassportForWork's DDF instead of pfw's own.
    pub passport: Option<Schema>,
    /// A DDF directory for the rest of the device instead of the facts table.
    pub ddf_dir: Option<PathBuf>,
}

impl Config {
    /// The whole device's CSPs, the device CSPs answering from `facts`.
    pub fn registry(&self, facts: DeviceFacts) -> Result<Registry, CspsError> {
        pfw_csps::registry(self.options(facts))
    }

    /// The whole device without its device CSPs, for many devices that each register DevInfo,
    /// DevDetail and DMClient with their own facts (a fleet): one facts table for all.
    pub fn without_device_csps(&self) -> Result<Registry, CspsError> {
        pfw_csps::without_device_csps(self.options(DeviceFacts::default()))
    }

    fn options(&self, facts: DeviceFacts) -> pfw_csps::Options {
        pfw_csps::Options {
            facts: Arc::new(facts),
            passport: self.passport.clone(),
            ddf_dir: self.ddf_dir.clone(),
        }
    }
}

/// Whether a command changes the device.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Access {
    /// It only reads: the state must exist, and nothing is written.
    Read,
    /// It may change the device: the state is created when missing.
    Write,
}

/// Why a device could not be opened.
#[derive(Debug, Error)]
pub enum DeviceError {
    /// A device opened to read has no state at its path.
    #[error("state {}: no such file", .0.display())]
    NoState(PathBuf),
    /// The state could not be opened or read.
    #[error("state {}: {source}", path.display())]
    Store {
        /// The state's path.
        path: PathBuf,
        /// What failed.
        source: StoreError,
    },
    /// The CSPs could not be built (a DDF directory that cannot be read).
    #[error(transparent)]
    Csps(#[from] CspsError),
}

/// A device: its state and the engine over its CSPs.
pub struct Device {
    /// The state's path.
    pub path: PathBuf,
    /// The state.
    pub store: SqliteStore,
    /// The engine over every CSP, the device CSPs answering from the state's facts.
    pub engine: Engine,
}

impl Device {
    /// Opens the device whose state is at `path`.
    pub fn open(path: &Path, config: &Config, access: Access) -> Result<Self, DeviceError> {
        if access == Access::Read && !path.exists() {
            return Err(DeviceError::NoState(path.to_owned()));
        }
        let store_error = |source| DeviceError::Store {
            path: path.to_owned(),
            source,
        };
        let mut store = SqliteStore::open(path).map_err(store_error)?;
        let facts = match access {
            Access::Read => pfw_devinfo::stored_device_facts(&store),
            Access::Write => pfw_devinfo::device_facts(&mut store),
        };
        let facts = match facts {
            Ok(facts) => facts,
            Err(DevInfoError::Store(source)) => return Err(store_error(source)),
            // A damaged identifier is reported by the commands that need it (enroll, sync);
            // the rest of the device still answers.
            Err(_) => DeviceFacts::default(),
        };
        let engine = Engine::new(config.registry(facts)?, Limits::DEFAULT);
        Ok(Self {
            path: path.to_owned(),
            store,
            engine,
        })
    }
}
