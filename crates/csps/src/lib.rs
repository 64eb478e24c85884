//! pfw-csps: the whole Windows device. Every CSP Microsoft publishes a DDF for, from pfw's
//! compiled facts table ([`pfw_facts`]) or from a DDF directory the user points at, answered
//! through the tree's ordered checks; beside them the CSPs with rules of their own:
//! PassportForWork (pfw's own DDF, or one given), DevInfo and DevDetail (pfw's own DDFs and
//! computed values, Microsoft's other nodes behind them), DMClient (Microsoft's DDF with pfw's
//! computed values), the Policy CSP ([`policy`]: Config → Result) and read-only inventory
//! leaves ([`inventory`]).
//!
//! Every CSP but the first three is one of a [`DeviceSource`]: the registry reads the facts
//! table's index only when a URI reaches past PassportForWork, DevInfo and DevDetail, and a
//! process loads only the CSPs its message reaches.
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
//!     .filter_map(|c| match c { Command::Status(s) if s.cmd != "SyncHdr" => Some(s.data.text.to_string()), _ => None })
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
use std::sync::{Arc, OnceLock};

use pfw_ddf::{Schema, Scope};
use pfw_devinfo::{DeviceCsp, DeviceFacts, Kind};
use pfw_passport::schema::PassportCsp;
use pfw_tree::{Csp, CspSource, Registry, RootLocation, SourceRoot};

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
    let facts = Arc::clone(&options.facts);
    let mut registry = without_device_csps(options)?;
    for kind in [Kind::DevInfo, Kind::DevDetail] {
        let csp =
            DeviceCsp::new(kind, Arc::clone(&facts)).map_err(|e| CspsError::Own(e.to_string()))?;
        registry = registry.with(Arc::new(csp));
    }
    Ok(registry)
}

/// The whole device but DevInfo and DevDetail: PassportForWork and the rest of the device.
/// For a caller that registers the device CSPs with each device's own facts afterwards
/// (`pfw_devinfo::register`, as sessions and the fleet do): those are tried first, so one such
/// registry serves every device, its facts table read once.
pub fn without_device_csps(options: Options) -> Result<Registry, CspsError> {
    let passport = match options.passport {
        Some(schema) => PassportCsp::with_schema(schema),
        None => PassportCsp::new().map_err(|e| CspsError::Own(e.to_string()))?,
    };
    let registry = Registry::new().with(Arc::new(passport));
    let source = match &options.ddf_dir {
        // A directory is read (bounded) now, so that a hostile one is refused at once.
        Some(dir) => Lazy::Ready(Arc::new(Source::directory(dir)?)),
        None => Lazy::Builtin(OnceLock::new()),
    };
    Ok(registry.with_source(Arc::new(DeviceSource {
        source,
        facts: Arc::clone(&options.facts),
        plan: OnceLock::new(),
    })))
}

/// The rest of the device as a [`CspSource`]: the facts table's units (read only when a URI
/// reaches past pfw's own CSPs) or a DDF directory's. Policy areas and roots become the Policy
/// CSP, PassportForWork is left to pfw's own, the rest are [`FactsCsp`]s.
pub struct DeviceSource {
    source: Lazy,
    facts: Arc<DeviceFacts>,
    plan: OnceLock<Vec<Planned>>,
}

enum Lazy {
    Builtin(OnceLock<Result<Arc<Source>, String>>),
    Ready(Arc<Source>),
}

/// What one CSP of the source is made of.
#[derive(Clone, Debug)]
enum Planned {
    /// The Policy root of a scope: `Policy.xml`'s root unit (if any), the scope's areas.
    PolicyRoot {
        root: Option<usize>,
        path: String,
        areas: Vec<String>,
    },
    /// One Policy area: the scope's Policy root unit (if any) and the area's unit.
    PolicyArea {
        root: Option<usize>,
        path: String,
        unit: usize,
    },
    /// Any other unit.
    Unit(usize),
}

impl DeviceSource {
    fn source(&self) -> Result<&Arc<Source>, String> {
        match &self.source {
            Lazy::Ready(source) => Ok(source),
            Lazy::Builtin(cell) => cell
                .get_or_init(|| Source::builtin().map(Arc::new).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(Clone::clone),
        }
    }

    /// Every CSP of the source with its locations, in order.
    fn plan(&self) -> (Vec<Planned>, Vec<SourceRoot>) {
        let Ok(source) = self.source() else {
            return (Vec::new(), Vec::new());
        };
        let units = source.units();
        let mut plan = Vec::new();
        let mut roots = Vec::new();
        let is_area = |u: &UnitInfo| u.prefix == ["Vendor", "MSFT", "Policy", "Config"];
        for scope in [Scope::Device, Scope::User] {
            let root = units
                .iter()
                .position(|u| u.scope == scope && u.is_at(&["Vendor", "MSFT", NAME_POLICY]));
            let areas: Vec<(usize, &UnitInfo)> = units
                .iter()
                .enumerate()
                .filter(|(_, u)| u.scope == scope && is_area(u) && !u.name.is_empty())
                .collect();
            if root.is_none() && areas.is_empty() {
                continue;
            }
            let path = format!("{}/Vendor/MSFT", scope.prefix());
            plan.push(Planned::PolicyRoot {
                root,
                path: path.clone(),
                areas: areas.iter().map(|(_, u)| u.name.clone()).collect(),
            });
            roots.push(SourceRoot {
                name: NAME_POLICY.to_owned(),
                locations: vec![location(scope, &["Vendor", "MSFT", NAME_POLICY])],
            });
            for (unit, info) in areas {
                plan.push(Planned::PolicyArea {
                    root,
                    path: path.clone(),
                    unit,
                });
                roots.push(SourceRoot {
                    name: NAME_POLICY.to_owned(),
                    locations: vec![
                        location(scope, &["Vendor", "MSFT", "Policy", "Config", &info.name]),
                        location(scope, &["Vendor", "MSFT", "Policy", "Result", &info.name]),
                    ],
                });
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
            plan.push(Planned::Unit(index));
            roots.push(SourceRoot {
                name: unit.name.clone(),
                locations: vec![RootLocation {
                    scope: unit.scope,
                    segments: unit.segments(),
                }],
            });
        }
        (plan, roots)
    }
}

impl CspSource for DeviceSource {
    fn roots(&self) -> Vec<SourceRoot> {
        let (plan, roots) = self.plan();
        // Invariant: roots() runs once per registry (the registry caches its index).
        let _ = self.plan.set(plan);
        roots
    }

    fn load(&self, index: usize) -> Result<Arc<dyn Csp>, String> {
        let source = self.source()?;
        let planned = self
            .plan
            .get()
            .and_then(|p| p.get(index))
            .ok_or_else(|| format!("no CSP #{index}"))?;
        let root_node = |root: &Option<usize>| root.map(|i| source.root(i)).transpose();
        Ok(match planned {
            Planned::PolicyRoot { root, path, areas } => {
                PolicyCsp::root(root_node(root)?.as_ref(), path, areas) as Arc<dyn Csp>
            }
            Planned::PolicyArea { root, path, unit } => {
                PolicyCsp::area(root_node(root)?.as_ref(), path, source.root(*unit)?)
            }
            Planned::Unit(unit) => {
                let info = &source.units()[*unit];
                let schema = Schema {
                    ver_dtd: "1.2".to_owned(),
                    man: None,
                    model: None,
                    diagnostics: None,
                    roots: vec![source.root(*unit)?],
                    skipped: Vec::new(),
                };
                Arc::new(FactsCsp::new(
                    info.name.clone(),
                    schema,
                    Arc::clone(&self.facts),
                ))
            }
        })
    }
}

const NAME_POLICY: &str = policy::NAME;

fn location(scope: Scope, segments: &[&str]) -> RootLocation {
    RootLocation {
        scope,
        segments: segments.iter().map(|s| (*s).to_owned()).collect(),
    }
}
