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

    fn derives(&self) -> bool {
        true
    }

    fn derived_value(
        &self,
        view: &StoreView<'_>,
        path: &NodePath,
        node: &Node,
    ) -> Result<Derived, pfw_tree::StoreError> {
        if self.computed_value(&view.device, path, node).is_some() {
            return Ok(Derived::Stored);
        }
        let segments: Vec<&str> = path.segments().collect();
        if is_replace_only(node) {
            return self.replace_only(view, path, &segments, node);
        }
        if !inventory::is_inventory(node) {
            return Ok(Derived::Stored);
        }
        inventory::value(view, &self.facts, &segments, node)
    }
}

impl FactsCsp {
    /// A leaf the DDF lets Replace but not Add (Firewall's profile settings, a rule's
    /// `Enabled`) exists whenever its parent does, with its DDF default (else an empty value)
    /// until a Replace sets it: Windows's setting always exists, so Replace is its only way in.
    fn replace_only(
        &self,
        view: &StoreView<'_>,
        path: &NodePath,
        segments: &[&str],
        node: &Node,
    ) -> Result<Derived, pfw_tree::StoreError> {
        let Some(instance) = view.instance else {
            return Ok(Derived::Absent);
        };
        let keys: Vec<String> = segments
            .iter()
            .map(|s| pfw_ddf::encode_segment(s))
            .collect();
        let key_of = |n: usize| keys[..n].join("/");
        if view.store.get(instance, &key_of(keys.len()))?.is_some() {
            return Ok(Derived::Stored);
        }
        let Ok(resolved) = self.schema.resolve(path.scope(), segments) else {
            return Ok(Derived::Absent);
        };
        // The nearest ancestor that is not permanent decides (none: the leaf always exists).
        let ancestors = &resolved.chain[..resolved.chain.len() - 1];
        for (i, ancestor) in ancestors.iter().enumerate().rev() {
            if ancestor.scope != pfw_ddf::NodeScope::Permanent {
                if view
                    .store
                    .get(instance, &key_of(resolved.prefix_len + i + 1))?
                    .is_none()
                {
                    return Ok(Derived::Absent);
                }
                break;
            }
        }
        Ok(Derived::Value(
            node.default_value.clone().unwrap_or_default(),
        ))
    }
}

/// A leaf with Replace and without Add.
fn is_replace_only(node: &Node) -> bool {
    use pfw_ddf::Verb;
    node.is_leaf() && node.access.allows(Verb::Replace) && !node.access.allows(Verb::Add)
}
