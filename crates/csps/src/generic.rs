//! A CSP known only from its DDF facts: every command goes through the tree's ordered checks
//! with nothing added, and its read-only inventory leaves answer as [`crate::inventory`] says.
//! DMClient is one too, with the values pfw computes for it (its hardware ID and the enrolled
//! server's provider values, in device scope).

use std::sync::Arc;

use pfw_ddf::{Node, NodePath, Schema, Scope};
use pfw_devinfo::{DeviceCsp, DeviceFacts, Kind};
use pfw_tree::{Csp, Derived, Device, StoreView};

use crate::inventory;

/// A CSP from its facts.
pub struct FactsCsp {
    name: String,
    schema: Schema,
    facts: Arc<DeviceFacts>,
    /// DMClient's computed values.
    computed: Option<DeviceCsp>,
}

impl FactsCsp {
    /// The CSP named `name` with `schema`, answering inventory leaves from `facts`.
    pub fn new(name: impl Into<String>, schema: Schema, facts: Arc<DeviceFacts>) -> Self {
        let name = name.into();
        let computed = (name == "DMClient")
            .then(|| DeviceCsp::new(Kind::DmClient, Arc::clone(&facts)).ok())
            .flatten();
        Self {
            name,
            schema,
            facts,
            computed,
        }
    }
}

impl std::fmt::Debug for FactsCsp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactsCsp")
            .field("name", &self.name)
            .finish()
    }
}

impl Csp for FactsCsp {
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn computed_value(&self, device: &Device, path: &NodePath, node: &Node) -> Option<String> {
        let computed = self.computed.as_ref()?;
        if path.scope() != Scope::Device {
            return None;
        }
        computed.computed_value(device, path, node)
    }

    fn derived_value(
        &self,
        view: &StoreView<'_>,
        path: &NodePath,
        node: &Node,
    ) -> Result<Derived, pfw_tree::StoreError> {
        if !inventory::is_inventory(node) || self.computed_value(&view.device, path, node).is_some()
        {
            return Ok(Derived::Stored);
        }
        let segments: Vec<&str> = path.segments().iter().map(String::as_str).collect();
        inventory::value(view, &self.facts, &segments, node)
    }
}
