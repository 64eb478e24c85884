//! Where the rest of the device's facts come from: the embedded facts table, or a DDF
//! directory (`--ddf-dir`). Either way a unit is one root node of one DDF file, loaded only
//! when asked for.

use std::sync::OnceLock;

use pfw_ddf::{Node, Schema, Scope};
use pfw_facts::{Bundle, Table};

use crate::error::CspsError;

/// One root node of the source, by location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitInfo {
    /// The DDF file it comes from.
    pub file: String,
    /// The scope its `Path` names.
    pub scope: Scope,
    /// Its `Path` segments after the scope.
    pub prefix: Vec<String>,
    /// Its name (empty for a dynamic root).
    pub name: String,
}

impl UnitInfo {
    /// The root's segments after the scope, its name included.
    pub fn segments(&self) -> Vec<String> {
        let mut out = self.prefix.clone();
        out.push(self.name.clone());
        out
    }

    /// Whether the root's segments after the scope are `segments`.
    pub fn is_at(&self, segments: &[&str]) -> bool {
        self.prefix.len() + 1 == segments.len()
            && self.prefix.iter().zip(segments).all(|(a, b)| a == b)
            && self.name == segments[segments.len() - 1]
    }
}

/// The facts of the device's CSPs.
pub struct Source {
    units: Vec<UnitInfo>,
    kind: Kind,
}

enum Kind {
    Table(&'static Table<'static>),
    Bundle {
        bundle: Bundle,
        /// Each file's schema, loaded once.
        schemas: Vec<OnceLock<Result<Schema, String>>>,
        /// Unit → (file index, root index).
        at: Vec<(usize, usize)>,
    },
}

impl Source {
    /// The embedded facts table.
    pub fn builtin() -> Result<Self, CspsError> {
        let table = pfw_facts::builtin().map_err(|e| CspsError::Facts(e.to_string()))?;
        let units = table
            .units()
            .iter()
            .map(|u| {
                let (scope, prefix) = u.location();
                UnitInfo {
                    file: u.file.to_owned(),
                    scope,
                    prefix: prefix.into_iter().map(str::to_owned).collect(),
                    name: if u.name.starts_with('{') {
                        String::new()
                    } else {
                        u.name.clone()
                    },
                }
            })
            .collect();
        Ok(Self {
            units,
            kind: Kind::Table(table),
        })
    }

    /// The DDF files of a directory (read as hostile input: see [`pfw_facts::bundle`]).
    pub fn directory(dir: &std::path::Path) -> Result<Self, CspsError> {
        let bundle = Bundle::open(dir)?;
        let mut units = Vec::new();
        let mut at = Vec::new();
        for (f, file) in bundle.files.iter().enumerate() {
            for (r, (path, name)) in file.roots.iter().enumerate() {
                let (scope, prefix) = location(path);
                units.push(UnitInfo {
                    file: file.name.clone(),
                    scope,
                    prefix,
                    name: name.clone(),
                });
                at.push((f, r));
            }
        }
        let schemas = bundle.files.iter().map(|_| OnceLock::new()).collect();
        Ok(Self {
            units,
            kind: Kind::Bundle {
                bundle,
                schemas,
                at,
            },
        })
    }

    /// The units, in source order.
    pub fn units(&self) -> &[UnitInfo] {
        &self.units
    }

    /// Loads unit `index`'s root node.
    pub fn root(&self, index: usize) -> Result<Node, String> {
        match &self.kind {
            Kind::Table(table) => {
                let mut schema = table.load(index).map_err(|e| e.to_string())?;
                schema
                    .roots
                    .pop()
                    .ok_or_else(|| "a unit without a root".to_owned())
            }
            Kind::Bundle {
                bundle,
                schemas,
                at,
            } => {
                let &(f, r) = at.get(index).ok_or_else(|| format!("no unit #{index}"))?;
                let schema = schemas[f]
                    .get_or_init(|| bundle.files[f].load().map_err(|e| e.to_string()))
                    .as_ref()
                    .map_err(Clone::clone)?;
                schema.roots.get(r).cloned().ok_or_else(|| {
                    format!(
                        "{}: the root scan and the loader disagree",
                        bundle.files[f].name
                    )
                })
            }
        }
    }
}

/// A root `Path`'s scope and segments after it.
fn location(path: &str) -> (Scope, Vec<String>) {
    let (scope, segments) = pfw_ddf::root_path(path);
    (scope, segments.map(str::to_owned).collect())
}
