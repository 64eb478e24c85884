//! pfw-engine: runs one SyncML message against a device's management trees. Decode → execute
//! (Atomic on a savepoint, Sequence in order, everything in one store transaction) →
//! Status and Results → the response message. URIs are routed to the CSPs of a
//! [`pfw_tree::Registry`]; refused commands get their status from [`status_of`], the one
//! mapping of DESIGN.md's ordered checks to codes.
//!
//! ```
//! use std::sync::Arc;
//! use pfw_ddf::Schema;
//! use pfw_engine::{Engine, Options};
//! use pfw_syncml::{Limits, StatusCode};
//! use pfw_tree::{MemoryStore, Registry, SchemaCsp};
//!
//! let ddf = br#"<MgmtTree><VerDTD>1.2</VerDTD>
//!   <Node><NodeName>Demo</NodeName><Path>./Device/Vendor/MSFT</Path>
//!     <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat>
//!       <Scope><Permanent/></Scope></DFProperties>
//!     <Node><NodeName>Count</NodeName>
//!       <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><int/></DFFormat>
//!         <Scope><Dynamic/></Scope></DFProperties></Node>
//!   </Node></MgmtTree>"#;
//! let registry = Registry::new().with(Arc::new(SchemaCsp::new("Demo", Schema::load(ddf)?)));
//! let engine = Engine::new(registry, Limits::DEFAULT);
//! let mut store = MemoryStore::new();
//! let message = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
//!   <Add><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/Demo/Count</LocURI></Target>
//!     <Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>7</Data></Item></Add>
//!   <Add><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Demo/Count</LocURI></Target>
//!     <Data>8</Data></Item></Add>
//!   <Final/></SyncBody></SyncML>"#;
//! let outcome = engine.apply(&mut store, message, &Options::default())?;
//! let statuses: Vec<StatusCode> = outcome.reports.iter().map(|r| r.status).collect();
//! assert_eq!(statuses, [StatusCode::Ok, StatusCode::AlreadyExists]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod run;

pub use error::{EngineError, Refusal, status_of};
pub use run::{Engine, MAX_NODES_PER_TREE, Options, Outcome, Report, Stage, tree_limits};
