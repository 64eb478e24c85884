//! pfw-csps: the whole Windows device. Every CSP Microsoft publishes a DDF for, from pfw's
//! compiled facts table ([`pfw_facts`]) or from a DDF directory the user points at, answered
//! through the tree's ordered checks; beside them the CSPs with rules of their own:
//! PassportForWork (pfw's own DDF, or one given), DevInfo and DevDetail (pfw's own DDFs and
//! computed values, Microsoft's other nodes behind them), DMClient (Microsoft's DDF with pfw's
//! computed values), the Policy CSP ([`policy`]: Config → Result) and read-only inventory
//! leaves ([`inventory`]).
//!
//! Every CSP but the first four is registered lazily: a process loads only the CSPs its
//! message reaches.
//!
//! ```
//! use std::sync::Arc;
//! use pfw_csps::{Options, registry};
//! use pfw_devinfo::DeviceFacts;
//! use pfw_engine::{Engine, Options as RunOptions};
//! use pfw_syncml::{Command, Limits};
//! use pfw_tree::MemoryStore;
//!
//! let registry = registry(Options::new(Arc::new(DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6"))))?;
//! let engine = Engine::new(registry, Limits::DEFAULT);
//! let message = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
//!   <Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength</LocURI></Target>
//!     <Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>8</Data></Item></Replace>
//!   <Add><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength</LocURI></Target>
//!     <Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>8</Data></Item></Add>
//!   <Get><CmdID>4</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Result/DeviceLock/MinDevicePasswordLength</LocURI></Target></Item></Get>
//!   <Final/></SyncBody></SyncML>"#;
//! let outcome = engine.apply(&mut MemoryStore::new(), message, &RunOptions::default())?;
//! let statuses: Vec<String> = outcome.response.body.commands.iter()
//!     .filter_map(|c| match c { Command::Status(s) if s.cmd != "SyncHdr" => Some(s.data.text.clone()), _ => None })
//!     .collect();
//! // Replace never creates (404); Add does; Result answers the value in force.
//! assert_eq!(statuses, ["404", "200", "200"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod generic;
pub mod inventory;
pub mod policy;
pub mod source;

use std::path::PathBuf;
use std::sync::Arc;

use pfw_ddf::{Schema, Scope};
use pfw_devinfo::{DeviceCsp, DeviceFacts, Kind};
use pfw_passport::schema::PassportCsp;
use pfw_tree::{Csp, Registry, RootLocation};

pub use error::CspsError;
pub use generic::FactsCsp;
pub use policy::PolicyCsp;
pub use source::{Source, UnitInfo};

/// What the device's CSPs come from.
#[derive(Clone, Debug)]
pub struct Options {
    /// The facts the device CSPs answer from (identifier, enrollment).
    pub facts: Arc<DeviceFacts>,
    /// PassportForWork's DDF instead of pfw's own (`--ddf`).
    pub passport: Option<Schema>,
    /// A DDF directory for the rest of the device instead of the facts table (`--ddf-dir`).
    pub ddf_dir: Option<PathBuf>,
}

impl Options {
    /// pfw's own DDFs and the facts table, the device answering from `facts`.
    pub fn new(facts: Arc<DeviceFacts>) -> Self {
        Self {
            facts,
            passport: None,
            ddf_dir: None,
        }
    }
}

/// The whole device's registry.
pub fn registry(options: Options) -> Result<Registry, CspsError> {
    let passport = match options.passport {
        Some(schema) => PassportCsp::with_schema(schema),
        None => PassportCsp::new().map_err(|e| CspsError::Own(e.to_string()))?,
    };
    let mut registry = Registry::new().with(Arc::new(passport));
    for kind in [Kind::DevInfo, Kind::DevDetail] {
        let csp = DeviceCsp::new(kind, Arc::clone(&options.facts))
            .map_err(|e| CspsError::Own(e.to_string()))?;
        registry = registry.with(Arc::new(csp));
    }
    let source = Arc::new(match &options.ddf_dir {
        Some(dir) => Source::directory(dir)?,
        None => Source::builtin()?,
    });
    Ok(register_source(registry, &source, &options.facts))
}

/// `registry` with every unit of `source` registered lazily: Policy areas and roots as the
/// Policy CSP, PassportForWork left to pfw's own, the rest as [`FactsCsp`]s.
pub fn register_source(
    mut registry: Registry,
    source: &Arc<Source>,
    facts: &Arc<DeviceFacts>,
) -> Registry {
    let units = source.units();
    let policy_root = |scope: Scope| {
        units
            .iter()
            .position(|u| u.scope == scope && u.is_at(&["Vendor", "MSFT", NAME_POLICY]))
    };
    let is_area = |u: &UnitInfo| u.prefix == ["Vendor", "MSFT", "Policy", "Config"];
    for scope in [Scope::Device, Scope::User] {
        let root = policy_root(scope);
        let areas: Vec<String> = units
            .iter()
            .filter(|u| u.scope == scope && is_area(u) && !u.name.is_empty())
            .map(|u| u.name.clone())
            .collect();
        if root.is_none() && areas.is_empty() {
            continue;
        }
        let path = format!("{}/Vendor/MSFT", scope.prefix());
        let (src, p, names) = (Arc::clone(source), path.clone(), areas.clone());
        registry = registry.with_lazy(
            NAME_POLICY,
            [location(scope, &["Vendor", "MSFT", NAME_POLICY])],
            Box::new(move || {
                let node = root.map(|i| src.root(i)).transpose()?;
                Ok(PolicyCsp::root(node.as_ref(), &p, &names) as Arc<dyn Csp>)
            }),
        );
        for (index, unit) in units.iter().enumerate() {
            if unit.scope != scope || !is_area(unit) || unit.name.is_empty() {
                continue;
            }
            let (src, p) = (Arc::clone(source), path.clone());
            let area = unit.name.clone();
            registry = registry.with_lazy(
                NAME_POLICY,
                [
                    location(scope, &["Vendor", "MSFT", "Policy", "Config", &area]),
                    location(scope, &["Vendor", "MSFT", "Policy", "Result", &area]),
                ],
                Box::new(move || {
                    let node = root.map(|i| src.root(i)).transpose()?;
                    let area = src.root(index)?;
                    Ok(PolicyCsp::area(node.as_ref(), &p, area) as Arc<dyn Csp>)
                }),
            );
        }
    }
    for (index, unit) in units.iter().enumerate() {
        if is_area(unit)
            || unit.is_at(&["Vendor", "MSFT", NAME_POLICY])
            || unit.is_at(&["Vendor", "MSFT", pfw_passport::schema::NAME])
            || unit.name.is_empty()
        {
            continue;
        }
        let (src, facts) = (Arc::clone(source), Arc::clone(facts));
        let name = unit.name.clone();
        registry = registry.with_lazy(
            unit.name.clone(),
            [RootLocation {
                scope: unit.scope,
                segments: unit.segments(),
            }],
            Box::new(move || {
                let root = src.root(index)?;
                let schema = Schema {
                    ver_dtd: "1.2".to_owned(),
                    man: None,
                    model: None,
                    diagnostics: None,
                    roots: vec![root],
                    skipped: Vec::new(),
                };
                Ok(
                    Arc::new(FactsCsp::new(name.clone(), schema, Arc::clone(&facts)))
                        as Arc<dyn Csp>,
                )
            }),
        );
    }
    registry
}

const NAME_POLICY: &str = policy::NAME;

fn location(scope: Scope, segments: &[&str]) -> RootLocation {
    RootLocation {
        scope,
        segments: segments.iter().map(|s| (*s).to_owned()).collect(),
    }
}
