//! pfw-tree: management tree instances (the device's and one per user) and OMA-DM command
//! semantics checked against the schema, over a [`Store`] with SQLite and in-memory backends.
//!
//! It is generic OMA-DM: what a CSP adds beyond its DDF comes through the [`Csp`] trait.
//!
//! ```
//! use std::sync::Arc;
//! use pfw_ddf::{Schema, UriLimits, Verb};
//! use pfw_tree::{Command, Device, Effect, MemoryStore, Registry, SchemaCsp, Store, Tree, TreeLimits};
//!
//! let ddf = br#"<MgmtTree><VerDTD>1.2</VerDTD>
//!   <Node><NodeName>Demo</NodeName><Path>./Device/Vendor/MSFT</Path>
//!     <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat>
//!       <Scope><Permanent/></Scope></DFProperties>
//!     <Node><NodeName>Enabled</NodeName>
//!       <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><bool/></DFFormat>
//!         <Scope><Dynamic/></Scope></DFProperties></Node>
//!   </Node></MgmtTree>"#;
//! let registry = Registry::new().with(Arc::new(SchemaCsp::new("Demo", Schema::load(ddf)?)));
//! let limits = TreeLimits {
//!     uri: UriLimits { max_uri_bytes: 1024, max_segment_bytes: 255 },
//!     max_value_bytes: 65536,
//!     max_nodes_per_tree: 10_000,
//!     max_response_bytes: 4 << 20,
//!     max_nodes_visited: 100_000,
//! };
//! let mut store = MemoryStore::new();
//! store.begin()?;
//! let mut tree = Tree::new(&mut store, &registry, Device::default(), limits, None, false);
//! let add = Command { verb: Verb::Add, target: Some("./Vendor/MSFT/Demo/Enabled"), format: Some("bool"), data: Some("TRUE"), more_data: false };
//! assert_eq!(tree.execute(&add)?, Effect::Done);
//! let get = Command { verb: Verb::Get, data: None, format: None, ..add };
//! assert!(matches!(tree.execute(&get)?, Effect::Value { data, .. } if data == "true"));
//! store.commit()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod command;
pub mod csp;
pub mod device;
pub mod error;
pub mod store;

pub use command::{Command, Effect, Plan, StructEntry, Tree, TreeLimits};
pub use csp::{
    Csp, CspLoader, CspSource, Derived, Registry, RootLocation, SchemaCsp, SourceRoot, StoreView,
};
pub use device::Device;
pub use error::{Budget, StoreError, TreeError, Unsupported};
pub use store::{
    DumpRow, InstanceId, MemoryStore, RecordKey, SqliteStore, StateLimits, Store, Transaction, dump,
};
