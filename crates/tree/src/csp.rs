//! Configuration service providers as the tree sees them: a schema (from a DDF file) and the
//! few rules a DDF cannot state. The [`Registry`] holds the CSPs a device has and finds the one
//! a URI belongs to.

use std::sync::Arc;

use pfw_ddf::{LookupError, Node, NodePath, Resolved, Schema, Scope, ValueOptions};

use crate::device::Device;

/// A configuration service provider: its schema and its node rules.
pub trait Csp: Send + Sync {
    /// The CSP's name (`PassportForWork`, `DevInfo`, …).
    fn name(&self) -> &str;

    /// The schema its DDF describes.
    fn schema(&self) -> &Schema;

    /// How to read `node`'s value beyond its DDF (e.g. a comma-separated list).
    fn value_options(&self, _node: &Node) -> ValueOptions {
        ValueOptions::default()
    }

    /// Checks the name of a new instance of the dynamic node `node`. `strict` asks for the
    /// naming rule the DDF describes to be enforced. Returns the rule broken, if any.
    fn check_name(&self, _node: &Node, _name: &str, _strict: bool) -> Result<(), &'static str> {
        Ok(())
    }

    /// The value of a read-only node computed from the device instead of stored (DevInfo,
    /// DevDetail). `None`: the node's value is whatever the tree stores.
    fn computed_value(&self, _device: &Device, _path: &NodePath, _node: &Node) -> Option<String> {
        None
    }
}

/// The CSPs of a device, in registration order.
#[derive(Clone, Default)]
pub struct Registry {
    csps: Vec<Arc<dyn Csp>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a CSP.
    #[must_use]
    pub fn with(mut self, csp: Arc<dyn Csp>) -> Self {
        self.csps.push(csp);
        self
    }

    /// The registered CSPs.
    pub fn csps(&self) -> &[Arc<dyn Csp>] {
        &self.csps
    }

    /// The CSP whose schema holds `segments` in `scope`, with the schema nodes along the path.
    /// When none does, the most telling error: one from a CSP whose tree the path enters (an
    /// unknown child, with the closest name), else the first CSP's.
    pub fn resolve(
        &self,
        scope: Scope,
        segments: &[&str],
    ) -> Result<(&dyn Csp, Resolved<'_>), LookupError> {
        let mut best: Option<LookupError> = None;
        for csp in &self.csps {
            match csp.schema().resolve(scope, segments) {
                Ok(resolved) => return Ok((csp.as_ref(), resolved)),
                Err(e) => {
                    if best.as_ref().is_none_or(|b| rank(&e) > rank(b)) {
                        best = Some(e);
                    }
                }
            }
        }
        Err(best.unwrap_or_else(|| LookupError::OutsideSchema {
            path: segments.join("/"),
            scope: scope.as_str().to_owned(),
            closest: None,
        }))
    }
}

impl Registry {
    /// The names one level below `segments` on the way to the registered CSPs' top-level nodes
    /// in `scope` (see [`Schema::names_above_roots`]), in registration order, each with the
    /// top-level node it leads to. Empty when `segments` is not above any CSP.
    pub fn names_above_roots(&self, scope: Scope, segments: &[&str]) -> Vec<(&str, &Node)> {
        self.csps
            .iter()
            .flat_map(|csp| csp.schema().names_above_roots(scope, segments))
            .collect()
    }
}

/// How much a lookup error tells: an error inside a CSP's tree tells most, then one with a
/// close root name.
fn rank(e: &LookupError) -> u8 {
    match e {
        LookupError::OutsideSchema { closest: None, .. } => 0,
        LookupError::OutsideSchema {
            closest: Some(_), ..
        } => 1,
        _ => 2,
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.csps.iter().map(|c| c.name()))
            .finish()
    }
}

/// A CSP that is only a schema: no rules beyond its DDF.
#[derive(Debug)]
pub struct SchemaCsp {
    name: String,
    schema: Schema,
}

impl SchemaCsp {
    /// A CSP named `name` with `schema`.
    pub fn new(name: impl Into<String>, schema: Schema) -> Self {
        Self {
            name: name.into(),
            schema,
        }
    }
}

impl Csp for SchemaCsp {
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }
}
