//! Opening the device: the state file, the CSPs (pfw's own PassportForWork DDF, or --ddf), the
//! engine.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pfw_device::{Access, Config, DeviceError};
use pfw_engine::Engine;
use pfw_passport::schema::PassportCsp;
use pfw_tree::{Registry, SqliteStore, Store, Transaction};

use crate::args::Cli;
use crate::error::CliError;

/// An opened device.
pub(crate) struct Device {
    pub(crate) path: PathBuf,
    pub(crate) store: SqliteStore,
    pub(crate) engine: Engine,
}

impl Device {
    /// Opens the device to change it (its state created when missing) with the CSPs.
    pub(crate) fn open(cli: &Cli) -> Result<Self, CliError> {
        Self::open_with(cli, Access::Write)
    }

    /// Opens the device for a command that only reads: its state must exist (a mistyped
    /// path is reported, not shown as a fresh device) and nothing is written to it.
    pub(crate) fn open_existing(cli: &Cli) -> Result<Self, CliError> {
        Self::open_with(cli, Access::Read)
    }

    fn open_with(cli: &Cli, access: Access) -> Result<Self, CliError> {
        let path = state_path(cli, access)?;
        let device =
            pfw_device::Device::open(&path, &config(cli)?, access).map_err(|e| match e {
                DeviceError::NoState(path) => CliError::NoState(path),
                DeviceError::Store { path, source } => CliError::Store { path, source },
                DeviceError::Csps(e) => csps_error(cli, e),
            })?;
        Ok(Self {
            path: device.path,
            store: device.store,
            engine: device.engine,
        })
    }

    /// Maps a store failure to the CLI's error for this state.
    pub(crate) fn store_error(&self, source: pfw_tree::StoreError) -> CliError {
        store_error(&self.path, source)
    }

    /// Maps a CSP state failure to the CLI's error for this state.
    pub(crate) fn state_error(&self, source: pfw_passport::state::StateError) -> CliError {
        match source {
            pfw_passport::state::StateError::Resolve(e) => CliError::Tenant(e),
            other => CliError::State {
                path: self.path.clone(),
                source: other,
            },
        }
    }

    /// Runs `f`, which only reads, outside any transaction: reads never queue behind a
    /// writer's lock (WAL gives each statement a consistent snapshot).
    pub(crate) fn read<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        f(&mut self.store)
    }

    /// Runs `f` in one transaction, committed when it succeeds.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        let path = &self.path;
        let mut transaction =
            Transaction::begin(&mut self.store).map_err(|e| store_error(path, e))?;
        let value = f(transaction.store())?;
        transaction.commit().map_err(|e| store_error(path, e))?;
        Ok(value)
    }
}

fn store_error(path: &Path, source: pfw_tree::StoreError) -> CliError {
    CliError::Store {
        path: path.to_owned(),
        source,
    }
}

/// The state file: --state, else $PFW_STATE (clap reads it), else the per-user data
/// directory's `pfw/state.db` (its directory created with mode 0700 by a command that
/// changes the device).
fn state_path(cli: &Cli, access: Access) -> Result<PathBuf, CliError> {
    if let Some(path) = &cli.state {
        return Ok(path.clone());
    }
    let base = dirs::data_dir().ok_or_else(|| {
        CliError::Usage(
            "no per-user data directory is known here; give --state PATH or set PFW_STATE"
                .to_owned(),
        )
    })?;
    let dir = base.join("pfw");
    if access == Access::Write {
        create_private_dir(&dir)?;
    }
    Ok(dir.join("state.db"))
}

fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| CliError::Read {
        path: dir.to_owned(),
        source,
    })
}

/// The whole device's CSPs (PassportForWork from pfw's own DDF or --ddf, the rest from the
/// facts table or --ddf-dir), the device CSPs answering with no device facts.
pub(crate) fn registry(cli: &Cli) -> Result<Registry, CliError> {
    config(cli)?
        .registry(pfw_devinfo::DeviceFacts::default())
        .map_err(|e| csps_error(cli, e))
}

/// The whole device without its device CSPs, for many devices that each register DevInfo,
/// DevDetail and DMClient with their own facts (the fleet): one facts table for all of them.
pub(crate) fn shared_registry(cli: &Cli) -> Result<Registry, CliError> {
    config(cli)?
        .without_device_csps()
        .map_err(|e| csps_error(cli, e))
}

/// What the device is built from: --ddf and --ddf-dir.
fn config(cli: &Cli) -> Result<Config, CliError> {
    let passport = match cli.ddf.as_deref() {
        None => None,
        Some(path) => Some(load_ddf(path)?),
    };
    Ok(Config {
        passport,
        ddf_dir: cli.ddf_dir.clone(),
    })
}

fn csps_error(cli: &Cli, e: pfw_csps::CspsError) -> CliError {
    match (&cli.ddf_dir, e) {
        (Some(dir), pfw_csps::CspsError::Bundle(e)) => {
            CliError::Usage(format!("--ddf-dir {}: {e}", dir.display()))
        }
        (_, e) => CliError::Usage(e.to_string()),
    }
}

/// A DDF file given with --ddf.
fn load_ddf(path: &Path) -> Result<pfw_ddf::Schema, CliError> {
    let bytes = read_bounded(
        path.to_str().unwrap_or(""),
        Some(path),
        pfw_ddf::load::MAX_DDF_BYTES,
    )?;
    pfw_ddf::Schema::load(&bytes).map_err(|source| CliError::Ddf {
        path: path.to_owned(),
        source,
    })
}

/// The PassportForWork CSP alone: from pfw's own DDF, or from `ddf`.
pub(crate) fn passport_registry(ddf: Option<&Path>) -> Result<Registry, CliError> {
    let csp = match ddf {
        None => PassportCsp::new().map_err(|source| CliError::Ddf {
            path: PathBuf::from("(pfw's own)"),
            source,
        })?,
        Some(path) => {
            let bytes = read_bounded(
                path.to_str().unwrap_or(""),
                Some(path),
                pfw_ddf::load::MAX_DDF_BYTES,
            )?;
            let schema = pfw_ddf::Schema::load(&bytes).map_err(|source| CliError::Ddf {
                path: path.to_owned(),
                source,
            })?;
            PassportCsp::with_schema(schema)
        }
    };
    Ok(Registry::new().with(Arc::new(csp)))
}

/// Reads a file (or standard input for `-`) up to `limit + 1` bytes: enough for the reader's
/// own size check to refuse an input over the limit without holding more of it.
pub(crate) fn read_bounded(
    name: &str,
    path: Option<&Path>,
    limit: usize,
) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let display = path.map_or_else(|| PathBuf::from(name), Path::to_path_buf);
    let result = if name == "-" {
        std::io::stdin().lock().take(cap).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(&display).and_then(|f| f.take(cap).read_to_end(&mut bytes))
    };
    result.map_err(|source| CliError::Read {
        path: if name == "-" {
            PathBuf::from("standard input")
        } else {
            display
        },
        source,
    })?;
    Ok(bytes)
}
