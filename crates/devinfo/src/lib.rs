//! pfw-devinfo: the read-only configuration service providers a management server reads first
//! — DevInfo, DevDetail and a part of DMClient — each described by pfw's own DDF file
//! (`ddf/`), their values computed from the emulated device.
//!
//! DevInfo and DevDetail follow the device: its build gives `DevDetail/SwV`, its build and
//! edition give `DevDetail/Ext/Microsoft/OSPlatform`, and its identifier (generated once per
//! state, [`state::ensure_device_id`]) gives `DevInfo/DevId` and the names and serial numbers
//! derived from it. The DMClient part answers the hardware ID and, while the device is
//! enrolled, the enrolled server's `Provider/{ProviderID}` values ([`DmProvider`]).
//!
//! ```
//! use std::sync::Arc;
//! use pfw_devinfo::{DeviceFacts, register};
//! use pfw_engine::{Engine, Options};
//! use pfw_syncml::{Command, Limits};
//! use pfw_tree::{MemoryStore, Registry};
//!
//! let facts = DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6");
//! let engine = Engine::new(register(Registry::new(), &Arc::new(facts))?, Limits::DEFAULT);
//! let get = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
//!   <Get><CmdID>2</CmdID><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target></Item></Get>
//!   <Get><CmdID>3</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>
//!   <Final/></SyncBody></SyncML>"#;
//! let outcome = engine.apply(&mut MemoryStore::new(), get, &Options::default())?;
//! let data: Vec<String> = outcome.response.body.commands.iter()
//!     .filter_map(|c| match c { Command::Results(r) => r.items[0].data_text().map(str::to_owned), _ => None })
//!     .collect();
//! // The default emulated device is Windows 11 24H2 (build 26100).
//! assert_eq!(data, ["1E08C6E95D8BB843B1278FF45BC60CC6", "10.0.26100.1"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod csp;
pub mod error;
pub mod facts;
pub mod state;

use std::sync::Arc;

use pfw_tree::Registry;

pub use csp::{DeviceCsp, Kind};
pub use error::DevInfoError;
pub use facts::{DeviceFacts, DmProvider};
pub use state::{
    DEVICE_ID_PROPERTY, device_facts, device_id, ensure_device_id, load_provider, save_provider,
    stored_device_facts,
};

/// `registry` with the DevInfo, DevDetail and DMClient CSPs added, answering from `facts`.
pub fn register(registry: Registry, facts: &Arc<DeviceFacts>) -> Result<Registry, DevInfoError> {
    let mut registry = registry;
    for kind in [Kind::DevInfo, Kind::DevDetail, Kind::DmClient] {
        registry = registry.with(Arc::new(DeviceCsp::new(kind, Arc::clone(facts))?));
    }
    Ok(registry)
}
