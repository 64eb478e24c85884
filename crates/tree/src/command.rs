//! OMA-DM command semantics on a management tree: [`Tree::execute`] runs one Add, Copy, Delete,
//! Exec, Get or Replace item against the schema and the store.
//!
//! [`Tree::check`] holds DESIGN.md's ordered checks, rows 3 to 10, in one place: the first that
//! fails decides the command's outcome (rows 1 and 2, CmdID and element name, belong to the
//! message and are the engine's). Then [`Tree::execute`] applies what the checks planned:
//! implicit creation of missing parents on Add (Windows's rule), whole-subtree Delete, Get of a
//! leaf's value or an interior node's child names, `?list=Struct[Data]` and `?prop=`.

use std::collections::BTreeMap;

use pfw_ddf::{
    AccessType, Format, LookupError, Node, NodeName, NodePath, NodeScope, NodeValue, Query,
    Resolved, UriLimits, Verb, decode_segment, encode_segment, encode_segment_into, parse_value,
};

use crate::csp::{Csp, Derived, Registry, StoreView};
use crate::device::Device;
use crate::error::{Budget, TreeError, Unsupported};
use crate::store::{InstanceId, RecordKey, Store};

/// Bounds the tree enforces, taken from the project's one table of limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeLimits {
    /// URI and segment lengths (414 beyond).
    pub uri: UriLimits,
    /// Longest Data accepted for a value (413 beyond).
    pub max_value_bytes: usize,
    /// Most nodes one tree instance may hold.
    pub max_nodes_per_tree: usize,
    /// Most bytes of Get answers (values, names and URIs) the tree builds in its life: one
    /// message (413 beyond).
    pub max_response_bytes: usize,
    /// Most nodes the Gets of the tree's life may visit (413 beyond).
    pub max_nodes_visited: usize,
}

/// What a `?list=` walk carries down the tree.
struct Walk<'w> {
    csp: &'w dyn Csp,
    /// The stored nodes below the Get's target.
    stored: &'w BTreeMap<String, Option<String>>,
    with_data: bool,
    /// What every entry costs besides its relative path and value (the target URI and the
    /// item's markup).
    base_bytes: usize,
}

/// One item of a command, as the tree sees it.
#[derive(Clone, Copy, Debug)]
pub struct Command<'c> {
    /// The verb.
    pub verb: Verb,
    /// The Target LocURI (trimmed), if any.
    pub target: Option<&'c str>,
    /// The Meta Format (item's, else command's), if any.
    pub format: Option<&'c str>,
    /// The Data, if any.
    pub data: Option<&'c str>,
    /// Whether the item is a large-object chunk (`MoreData`).
    pub more_data: bool,
}

/// What a command did or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The tree changed (Add, Replace, Delete).
    Done,
    /// Get of a leaf.
    Value {
        /// The node's format.
        format: Format,
        /// The node's MIME type.
        mime: String,
        /// The value.
        data: String,
    },
    /// Get of an interior node: its children's names, URI-encoded, in schema order.
    Children(Vec<String>),
    /// Get with `?list=Struct` or `?list=StructData`: the node and every node below it.
    Struct(Vec<StructEntry>),
    /// Get with `?prop=`: the property's value.
    Property(String),
}

/// What one answered item costs besides its URI, format, type and value: the markup of a
/// Results item as the encoder writes it (`<Item><Source><LocURI>`, `<Meta>` with namespaced
/// `Format` and `Type`, `<Data>` and their ends).
const ITEM_BYTES: usize = 160;

/// One node of a `?list=` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructEntry {
    /// Path relative to the Get's target, URI-encoded (`""` for the target itself).
    pub relative: String,
    /// The node's format.
    pub format: Format,
    /// The node's MIME type (or DDF name for interior nodes).
    pub mime: String,
    /// The value, for leaves with `StructData`.
    pub data: Option<String>,
}

impl StructEntry {
    /// The entry's URI: `base`, the listed node's URI without its query, then the relative
    /// path.
    pub fn uri(&self, base: &str) -> String {
        if self.relative.is_empty() {
            base.to_owned()
        } else {
            format!("{base}/{}", self.relative)
        }
    }
}

/// A view of the store as the device's or a user's management tree, under a registry of CSPs.
pub struct Tree<'t> {
    store: &'t mut dyn Store,
    registry: &'t Registry,
    device: Device,
    limits: TreeLimits,
    user: Option<&'t str>,
    strict: bool,
    /// Node counts of the instances this tree has counted, kept up to date by its own Adds and
    /// Deletes so that the node cap costs one count per instance, not one per Add. Cleared
    /// whenever the store is handed out (a savepoint may be rolled back).
    counts: Vec<(InstanceId, usize)>,
    /// Bytes of Get answers built so far (bounded by `limits.max_response_bytes`).
    answered_bytes: usize,
    /// Nodes Gets have read or walked so far (bounded by `limits.max_nodes_visited`).
    visited: usize,
}

impl<'t> Tree<'t> {
    /// A tree over `store`. `user` is the account `./User/…` URIs address (none: such URIs are
    /// refused with 405). `strict` enforces the CSPs' dynamic-naming rules (400).
    pub fn new(
        store: &'t mut dyn Store,
        registry: &'t Registry,
        device: Device,
        limits: TreeLimits,
        user: Option<&'t str>,
        strict: bool,
    ) -> Self {
        Self {
            store,
            registry,
            device,
            limits,
            user,
            strict,
            counts: Vec::new(),
            answered_bytes: 0,
            visited: 0,
        }
    }

    /// The store underneath. What is done with it (a rollback to a savepoint, say) is not
    /// tracked, so the tree forgets the node counts it has cached.
    pub fn store(&mut self) -> &mut dyn Store {
        self.counts.clear();
        self.store
    }

    /// The emulated device.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Runs one command item: the ordered checks, then the change or the read.
    pub fn execute(&mut self, command: &Command<'_>) -> Result<Effect, TreeError> {
        let plan = self.check(command)?;
        self.apply(command, plan)
    }

    /// DESIGN.md's ordered checks, rows 3–10, in order: the first failure is the answer.
    pub fn check<'p>(&mut self, command: &Command<'_>) -> Result<Plan<'p>, TreeError>
    where
        't: 'p,
    {
        let registry: &'t Registry = self.registry;
        let verb = command.verb;

        // Row 3: LocURI syntax (400; too long 414).
        let text = command.target.ok_or(TreeError::MissingTarget)?;
        let path = NodePath::parse(text, self.limits.uri)?;

        // Row 4: scope. A ./User URI needs a user.
        let instance = match path.scope() {
            pfw_ddf::Scope::Device => Some(InstanceId::DEVICE),
            pfw_ddf::Scope::User => {
                let user = self.user.ok_or(TreeError::NoUser)?;
                self.store.find_instance(Some(user))?
            }
        };

        // Row 5: in the schema for this scope, build and edition (404).
        let (mut in_place, mut spilled) = ([""; IN_PLACE], Vec::new());
        let segments = gather(&path, &mut in_place, &mut spilled);
        let (csp, resolved) = match registry.resolve(path.scope(), segments) {
            Ok(found) => found,
            // Row 6 for a path below a leaf: OMA-DM's Add and Replace tables, "any attempt to
            // add a child node to a leaf node results in a (405)" (once the leaf itself is on
            // this device, row 5). Other verbs name a node that cannot exist: 404.
            Err(LookupError::BelowLeaf { index, leaf }) if verb == Verb::Add => {
                let up_to_leaf = segments.get(..index.saturating_sub(1)).unwrap_or(&[]);
                let (_, leaf_chain) = registry.resolve(path.scope(), up_to_leaf)?;
                self.check_applicable(&leaf_chain)?;
                return Err(TreeError::ChildOfLeaf { leaf, index });
            }
            Err(error) => return self.check_above_roots(verb, &path, segments, error),
        };
        self.check_applicable(&resolved)?;
        let node = resolved.node();

        // Copy is answered 406 once its target is known to be valid (row 10); rows 6-9 would
        // always refuse it, since no node grants Copy.
        if verb == Verb::Copy {
            return Err(TreeError::Unsupported(Unsupported::Copy));
        }

        // Row 6: the verb is in the node's AccessType (405).
        let keys = Keys::of(&path, segments);
        let exists = self.exists(csp, instance, &path, &resolved, &keys)?;
        let because = if !node.access.allows(verb) {
            Some("")
        } else if verb == Verb::Add && node.scope == NodeScope::Permanent && exists {
            Some(": it is a permanent node and exists (OMA-DM: permanent nodes are never added)")
        } else if verb == Verb::Replace && !node.is_leaf() {
            Some(": it is an interior node (Replace sets a leaf's value)")
        } else {
            None
        };
        if let Some(because) = because {
            return Err(TreeError::NotAllowed {
                verb,
                node: display(&resolved),
                allowed: node.access,
                because,
            });
        }

        // Row 7: existence (418 / 404 / 405).
        match verb {
            Verb::Add if exists => return Err(TreeError::AlreadyExists(path.to_string())),
            Verb::Get | Verb::Replace | Verb::Delete if !exists => {
                return Err(TreeError::Missing(path.to_string()));
            }
            Verb::Delete if node.scope == NodeScope::Permanent => {
                return Err(TreeError::Permanent(path.to_string()));
            }
            _ => {}
        }

        // Row 8: Meta Format, when given, is the node's (415).
        check_format(command, node)?;

        // Row 9: the value parses and is allowed (400; too large 413); new names follow the
        // CSP's rule in strict mode (400).
        let mut value = None;
        let mut create = Create::NOTHING;
        if matches!(verb, Verb::Add | Verb::Replace) && node.is_leaf() {
            value = Some(self.check_value(command, csp, node)?);
        }
        if verb == Verb::Add {
            create = self.missing_ancestors(instance, &path, &resolved, &keys)?;
            for i in create.indexes(&resolved) {
                let schema_node = resolved.chain[i];
                if schema_node.name == NodeName::Dynamic {
                    let name = segments[resolved.prefix_len + i];
                    csp.check_name(schema_node, name, self.strict)
                        .map_err(|rule| TreeError::Name {
                            name: name.to_owned(),
                            node: display_upto(&resolved, i),
                            rule,
                        })?;
                }
            }
            let count = match instance {
                Some(i) => self.count(i)?,
                None => 0,
            };
            if count + create.indexes(&resolved).count() > self.limits.max_nodes_per_tree {
                return Err(TreeError::TreeFull {
                    max: self.limits.max_nodes_per_tree,
                });
            }
        }

        // Row 10: large objects, Exec without a handler, unsupported queries (406).
        if command.more_data {
            return Err(TreeError::Unsupported(Unsupported::MoreData));
        }
        // Exec of a node whose AccessType grants it (row 6) is accepted and recorded; pfw runs
        // nothing.
        check_query(verb, path.query(), node)?;

        Ok(Plan(Planned::Node(NodePlan {
            csp,
            path,
            instance,
            resolved,
            keys,
            create,
            value,
        })))
    }

    /// The ordered checks for the interior nodes above the CSPs, which no DDF describes: the
    /// root `.` (also `./Device`, and `./User` for a user's tree) and the segments of the CSPs'
    /// `Path`s (`./Vendor`, `./Vendor/MSFT`). Such a node exists when a CSP the device has lies
    /// below it (the root always exists) and allows Get only: its children are listed, nothing
    /// adds, replaces or deletes it (OMA-DM §4.1.6.5 rule 3: "the root node (.) cannot be
    /// deleted … (405)"; rule 2 for the permanent nodes above the CSPs).
    fn check_above_roots<'p>(
        &self,
        verb: Verb,
        path: &NodePath,
        segments: &[&str],
        error: LookupError,
    ) -> Result<Plan<'p>, TreeError>
    where
        't: 'p,
    {
        let mut names: Vec<String> = Vec::new();
        for (name, root) in self.registry.names_above_roots(path.scope(), segments) {
            let name = encode_segment(name);
            if self.applicable(root) && !names.contains(&name) {
                names.push(name);
            }
        }
        // Row 5: not above any CSP of this device.
        if names.is_empty() && !segments.is_empty() {
            return Err(error.into());
        }
        if verb == Verb::Copy {
            return Err(TreeError::Unsupported(Unsupported::Copy));
        }
        // Row 6: Get only.
        if verb != Verb::Get {
            return Err(TreeError::NotAllowed {
                verb,
                node: display_above_roots(path),
                allowed: AccessType::default().with(Verb::Get),
                because: "",
            });
        }
        // Row 10: no DDF describes these nodes, so no property or list of them is answered.
        if let Some(query) = path.query() {
            return Err(TreeError::Unsupported(Unsupported::AboveRoots {
                query: query.to_string(),
                node: display_above_roots(path),
            }));
        }
        Ok(Plan(Planned::AboveRoots(names)))
    }

    /// Every failing check of [`Self::check`], not only the first: the first failure (the
    /// answer), then the rows after it that do not depend on it. When the AccessType (row 6)
    /// or the node's existence (row 7) refuses a write, its Meta Format (row 8) and value
    /// (row 9) are still checked against the node; when the Format refuses it, the value is
    /// still checked. Empty when every check passes.
    pub fn check_all(&mut self, command: &Command<'_>) -> Vec<TreeError> {
        let Err(first) = self.check(command) else {
            return Vec::new();
        };
        let from_row = match first {
            TreeError::NotAllowed { .. }
            | TreeError::AlreadyExists(_)
            | TreeError::Missing(_)
            | TreeError::Permanent(_) => 8,
            TreeError::Format { .. } => 9,
            _ => return vec![first],
        };
        let mut all = vec![first];
        if !matches!(command.verb, Verb::Add | Verb::Replace) {
            return all;
        }
        // Rows 3 and 5 passed in `check`: the path parses and names a schema node.
        let registry: &'t Registry = self.registry;
        let Some(Ok(path)) = command.target.map(|t| NodePath::parse(t, self.limits.uri)) else {
            return all;
        };
        let (mut in_place, mut spilled) = ([""; IN_PLACE], Vec::new());
        let segments = gather(&path, &mut in_place, &mut spilled);
        let Ok((csp, resolved)) = registry.resolve(path.scope(), segments) else {
            return all;
        };
        let node = resolved.node();
        if from_row <= 8
            && let Err(e) = check_format(command, node)
        {
            all.push(e);
        }
        if node.is_leaf()
            && let Err(e) = self.check_value(command, csp, node)
        {
            all.push(e);
        }
        all
    }

    /// Row 9 for a leaf: the value is within the size limit (413), parses as the node's
    /// format and is allowed (400).
    fn check_value(
        &self,
        command: &Command<'_>,
        csp: &dyn Csp,
        node: &Node,
    ) -> Result<NodeValue, TreeError> {
        let data = command.data.unwrap_or("");
        if data.len() > self.limits.max_value_bytes {
            return Err(TreeError::ValueTooLarge {
                len: data.len(),
                max: self.limits.max_value_bytes,
            });
        }
        Ok(parse_value(node, data, csp.value_options(node))?)
    }

    fn apply(&mut self, command: &Command<'_>, plan: Plan<'_>) -> Result<Effect, TreeError> {
        let mut node = match plan.0 {
            Planned::Node(node) => node,
            // Invariant: check_above_roots plans Get only.
            Planned::AboveRoots(names) => return Ok(Effect::Children(names)),
        };
        let effect = self.apply_node(command, &mut node)?;
        if matches!(command.verb, Verb::Add | Verb::Replace | Verb::Delete) {
            let user = self
                .user
                .filter(|_| node.path.scope() == pfw_ddf::Scope::User);
            node.csp
                .written(self.store, user, &node.path, command.verb)?;
        }
        Ok(effect)
    }

    // The plan borrowed, so that the path is still there for the CSP's `written` hook
    // afterwards; the value is taken from it.
    fn apply_node(
        &mut self,
        command: &Command<'_>,
        plan: &mut NodePlan<'_>,
    ) -> Result<Effect, TreeError> {
        let (path, resolved, keys, instance) =
            (&plan.path, &plan.resolved, &plan.keys, plan.instance);
        let target_key = keys.last(path);
        match command.verb {
            Verb::Add => {
                let instance = match instance {
                    Some(i) => i,
                    // Invariant: a user instance is missing only for ./User paths, which have a
                    // user (row 4).
                    None => self
                        .store
                        .create_instance(self.user.ok_or(TreeError::NoUser)?)?,
                };
                for i in plan.create.indexes(resolved) {
                    let key = keys.get(path, resolved.prefix_len + i);
                    let is_target = i + 1 == resolved.chain.len();
                    let stored = if is_target {
                        plan.value.take().map(NodeValue::into_canonical_text)
                    } else {
                        None
                    };
                    self.store.put_owned(instance, key, stored)?;
                    self.adjust_count(instance, 1);
                }
                Ok(Effect::Done)
            }
            Verb::Replace => {
                let instance = instance.ok_or_else(|| TreeError::Missing(path.to_string()))?;
                let stored = plan.value.take().map(NodeValue::into_canonical_text);
                self.store.put_owned(instance, target_key, stored)?;
                Ok(Effect::Done)
            }
            Verb::Delete => {
                let instance = instance.ok_or_else(|| TreeError::Missing(path.to_string()))?;
                let removed = self.store.delete_subtree(instance, target_key)?;
                self.adjust_count(instance, -isize::try_from(removed).unwrap_or(isize::MAX));
                Ok(Effect::Done)
            }
            Verb::Get => self.get(plan, target_key),
            // Invariant: check() refuses Copy (row 10).
            Verb::Copy => Err(TreeError::Unsupported(Unsupported::Copy)),
            Verb::Exec => {
                let owner = self.user.filter(|_| path.scope() == pfw_ddf::Scope::User);
                self.store.set_record(
                    RecordKey::new(EXEC_RECORDS, owner.unwrap_or(""), target_key),
                    Some(command.data.unwrap_or("").as_bytes()),
                )?;
                Ok(Effect::Done)
            }
        }
    }

    fn get(&mut self, plan: &NodePlan<'_>, key: &str) -> Result<Effect, TreeError> {
        let (csp, instance, path) = (plan.csp, plan.instance, &plan.path);
        let node = plan.resolved.node();
        self.charge(0, 1)?;
        let stored: BTreeMap<String, Option<String>> = match instance {
            Some(i) if !node.is_leaf() => self.store.descendants(i, key)?.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        self.charge(0, stored.len())?;
        let uri_bytes = path.to_string().len() + ITEM_BYTES;
        match path.query() {
            Some(Query::Prop(name)) => {
                let value = match name.as_str() {
                    "Format" => node.format.as_str().to_owned(),
                    "Type" => mime_of(node),
                    "Name" => path.name().unwrap_or(".").to_owned(),
                    "Title" => node.title.clone().unwrap_or_default(),
                    // Invariant: check_query admits Size only on leaves.
                    _ => self
                        .leaf_value(csp, instance, path, node, key)?
                        .len()
                        .to_string(),
                };
                self.charge(uri_bytes + value.len(), 0)?;
                Ok(Effect::Property(value))
            }
            Some(Query::List(kind)) => {
                let with_data = kind == "StructData";
                let mut out = Vec::new();
                if node.is_leaf() {
                    let data = if with_data {
                        Some(self.leaf_value(csp, instance, path, node, key)?)
                    } else {
                        None
                    };
                    self.charge(uri_bytes + data.as_ref().map_or(0, String::len), 0)?;
                    out.push(StructEntry {
                        relative: String::new(),
                        format: node.format.clone(),
                        mime: mime_of(node),
                        data,
                    });
                } else {
                    let walk = Walk {
                        csp,
                        stored: &stored,
                        with_data,
                        base_bytes: uri_bytes,
                    };
                    self.walk_struct(&walk, node, path, key, "", &mut out)?;
                }
                Ok(Effect::Struct(out))
            }
            _ if node.is_leaf() => {
                let data = self.leaf_value(csp, instance, path, node, key)?;
                self.charge(uri_bytes + data.len(), 0)?;
                Ok(Effect::Value {
                    format: node.format.clone(),
                    mime: mime_of(node),
                    data,
                })
            }
            _ => {
                let names = self.children(node, key, &stored);
                let bytes = names.iter().map(|n| n.len() + 1).sum::<usize>();
                self.charge(uri_bytes + bytes, names.len())?;
                Ok(Effect::Children(names))
            }
        }
    }

    /// Counts `bytes` of answer and `nodes` visited against the message's bounds: the answer
    /// is refused (413) before what would pass them is built.
    fn charge(&mut self, bytes: usize, nodes: usize) -> Result<(), TreeError> {
        self.answered_bytes = self.answered_bytes.saturating_add(bytes);
        self.visited = self.visited.saturating_add(nodes);
        if self.answered_bytes > self.limits.max_response_bytes {
            return Err(TreeError::AnswerTooLarge {
                limit: self.limits.max_response_bytes,
                unit: Budget::Bytes,
            });
        }
        if self.visited > self.limits.max_nodes_visited {
            return Err(TreeError::AnswerTooLarge {
                limit: self.limits.max_nodes_visited,
                unit: Budget::Nodes,
            });
        }
        Ok(())
    }

    /// The number of nodes `instance` holds (cached for the tree's life).
    fn count(&mut self, instance: InstanceId) -> Result<usize, TreeError> {
        if let Some((_, n)) = self.counts.iter().find(|(i, _)| *i == instance) {
            return Ok(*n);
        }
        let n = self.store.count(instance)?;
        self.counts.push((instance, n));
        Ok(n)
    }

    fn adjust_count(&mut self, instance: InstanceId, delta: isize) {
        if let Some((_, n)) = self.counts.iter_mut().find(|(i, _)| *i == instance) {
            *n = n.saturating_add_signed(delta);
        }
    }

    fn leaf_value(
        &self,
        csp: &dyn Csp,
        instance: Option<InstanceId>,
        path: &NodePath,
        node: &Node,
        key: &str,
    ) -> Result<String, TreeError> {
        match self.derived(csp, instance, path, node)? {
            Derived::Value(value) => return Ok(value),
            Derived::Absent => return Ok(String::new()),
            Derived::Stored => {}
        }
        if let Some(value) = csp.computed_value(&self.device, path, node) {
            return Ok(value);
        }
        Ok(match instance {
            Some(i) => self.store.get(i, key)?.flatten().unwrap_or_default(),
            None => String::new(),
        })
    }

    /// The names of `node`'s existing children (URI-encoded, schema order): permanent children
    /// the device has, stored ones, and every stored instance of a dynamic child.
    fn children(
        &self,
        node: &Node,
        key: &str,
        stored: &BTreeMap<String, Option<String>>,
    ) -> Vec<String> {
        let stored_names = crate::store::direct_children(key, keys_below(stored, key));
        let static_names: Vec<String> = node
            .children
            .iter()
            .filter_map(|c| c.name.as_static())
            .map(encode_segment)
            .collect();
        let mut out = Vec::new();
        for child in &node.children {
            match &child.name {
                NodeName::Static(name) => {
                    let encoded = encode_segment(name);
                    let present = (child.scope == NodeScope::Permanent && self.applicable(child))
                        || stored_names.contains(&encoded);
                    if present && !out.contains(&encoded) {
                        out.push(encoded);
                    }
                }
                NodeName::Dynamic => {
                    for name in &stored_names {
                        if !static_names.contains(name) && !out.contains(name) {
                            out.push(name.clone());
                        }
                    }
                }
            }
        }
        out
    }

    /// One node of a `?list=` answer and, below an interior node, every existing node under
    /// it, in schema order; each entry is charged before it is built.
    fn walk_struct(
        &mut self,
        walk: &Walk<'_>,
        node: &Node,
        path: &NodePath,
        key: &str,
        relative: &str,
        out: &mut Vec<StructEntry>,
    ) -> Result<(), TreeError> {
        let data = match (node.is_leaf(), walk.with_data) {
            (true, true) => Some(match self.derived(walk.csp, None, path, node) {
                Ok(Derived::Value(value)) => value,
                _ => walk
                    .csp
                    .computed_value(&self.device, path, node)
                    .or_else(|| walk.stored.get(key).cloned().flatten())
                    .unwrap_or_default(),
            }),
            _ => None,
        };
        let mime = mime_of(node);
        let bytes = walk.base_bytes
            + relative.len()
            + node.format.as_str().len()
            + mime.len()
            + data.as_ref().map_or(0, String::len);
        self.charge(bytes, 1)?;
        out.push(StructEntry {
            relative: relative.to_owned(),
            format: node.format.clone(),
            mime,
            data,
        });
        if node.is_leaf() {
            return Ok(());
        }
        for name in self.children(node, key, walk.stored) {
            let child_key = if key.is_empty() {
                name.clone()
            } else {
                format!("{key}/{name}")
            };
            let child_relative = if relative.is_empty() {
                name.clone()
            } else {
                format!("{relative}/{name}")
            };
            let Some(child) = node.child(&decode_lossy(&name)) else {
                continue;
            };
            let child_path = path.without_query().child(&decode_lossy(&name));
            self.walk_struct(walk, child, &child_path, &child_key, &child_relative, out)?;
        }
        Ok(())
    }

    /// Whether the node at `path` exists: a stored node does; a permanent node does when its
    /// nearest non-permanent ancestor does (or it has none). Ancestors of a stored node are
    /// always stored (Add creates them, Delete removes whole subtrees).
    fn exists(
        &self,
        csp: &dyn Csp,
        instance: Option<InstanceId>,
        path: &NodePath,
        resolved: &Resolved<'_>,
        keys: &Keys,
    ) -> Result<bool, TreeError> {
        let node = resolved.node();
        if node.is_leaf() {
            match self.derived(csp, instance, path, node)? {
                Derived::Value(_) => return Ok(true),
                Derived::Absent => return Ok(false),
                Derived::Stored => {}
            }
            if csp.computed_value(&self.device, path, node).is_some() {
                return Ok(true);
            }
        }
        let Some(instance) = instance else {
            return Ok(resolved
                .chain
                .iter()
                .all(|n| n.scope == NodeScope::Permanent));
        };
        for (i, schema_node) in resolved.chain.iter().enumerate().rev() {
            if schema_node.scope != NodeScope::Permanent {
                return Ok(self
                    .store
                    .contains(instance, keys.get(path, resolved.prefix_len + i))?);
            }
        }
        Ok(true)
    }

    /// The non-permanent nodes an Add must create, the target and its missing ancestors: those
    /// of the chain from the returned index on ([`Create::indexes`]). An ancestor that is
    /// present ends the search (everything above a stored node is stored).
    fn missing_ancestors(
        &self,
        instance: Option<InstanceId>,
        path: &NodePath,
        resolved: &Resolved<'_>,
        keys: &Keys,
    ) -> Result<Create, TreeError> {
        for (i, schema_node) in resolved.chain.iter().enumerate().rev() {
            if schema_node.scope == NodeScope::Permanent {
                continue;
            }
            let is_target = i + 1 == resolved.chain.len();
            let present = match instance {
                Some(inst) if !is_target => self
                    .store
                    .contains(inst, keys.get(path, resolved.prefix_len + i))?,
                _ => false,
            };
            if present {
                return Ok(Create { from: i + 1 });
            }
        }
        Ok(Create { from: 0 })
    }

    /// What the CSP derives for the leaf `node` from the trees ([`Csp::derived_value`]).
    fn derived(
        &self,
        csp: &dyn Csp,
        instance: Option<InstanceId>,
        path: &NodePath,
        node: &Node,
    ) -> Result<Derived, TreeError> {
        if !csp.derives() {
            return Ok(Derived::Stored);
        }
        let user = match self.user {
            Some(user) => self.store.find_instance(Some(user))?,
            None => None,
        };
        let instance = match (instance, path.scope()) {
            (Some(i), _) => Some(i),
            (None, pfw_ddf::Scope::Device) => Some(InstanceId::DEVICE),
            (None, pfw_ddf::Scope::User) => user,
        };
        let view = StoreView {
            store: &*self.store,
            device: self.device,
            instance,
            user,
        };
        Ok(csp.derived_value(&view, path, node)?)
    }

    fn check_applicable(&self, resolved: &Resolved<'_>) -> Result<(), TreeError> {
        for (i, node) in resolved.chain.iter().enumerate() {
            let Some(app) = &node.applicability else {
                continue;
            };
            if !app.allows_build(self.device.build) {
                let builds = app.os_build_text.clone().unwrap_or_default();
                return Err(TreeError::NotApplicable {
                    node: display_upto(resolved, i),
                    why: format!(
                        "it needs one of the builds {builds} (the device is {})",
                        self.device.build
                    ),
                });
            }
            if !app.allows_edition(self.device.edition) {
                return Err(TreeError::NotApplicable {
                    node: display_upto(resolved, i),
                    why: format!("edition 0x{:X} does not have it", self.device.edition),
                });
            }
        }
        Ok(())
    }

    fn applicable(&self, node: &Node) -> bool {
        node.applicability
            .as_ref()
            .is_none_or(|a| a.allows(self.device.build, self.device.edition))
    }
}

/// The record namespace where an accepted Exec is kept (owner: the user, or `""` for the
/// device; key: the node's key; value: the Exec's Data).
pub const EXEC_RECORDS: &str = "exec";

/// What the checks established for [`Tree::execute`] to apply.
pub struct Plan<'p>(Planned<'p>);

// A plan lives on the stack for one command: boxing the common variant would cost an
// allocation per command to save a few words in the rare one.
#[allow(clippy::large_enum_variant)]
enum Planned<'p> {
    /// A node of a CSP's schema.
    Node(NodePlan<'p>),
    /// A Get of an interior node above the CSPs: its children's names, URI-encoded.
    AboveRoots(Vec<String>),
}

/// A checked command on a node of a CSP's schema, ready to apply.
struct NodePlan<'p> {
    csp: &'p dyn Csp,
    path: NodePath,
    instance: Option<InstanceId>,
    resolved: Resolved<'p>,
    /// Store keys of every prefix of the path (`keys[j]` = first `j + 1` segments).
    keys: Keys,
    /// The chain's nodes to create (Add).
    create: Create,
    value: Option<NodeValue>,
}

/// The nodes of a resolved chain an Add creates: the non-permanent ones from `from` on.
#[derive(Clone, Copy)]
struct Create {
    from: usize,
}

impl Create {
    /// No node (every verb but Add).
    const NOTHING: Self = Self { from: usize::MAX };

    /// The chain indexes to create, top-down.
    fn indexes<'r>(self, resolved: &'r Resolved<'_>) -> impl Iterator<Item = usize> + 'r {
        let nodes = resolved.chain.get(self.from..).unwrap_or_default();
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.scope != NodeScope::Permanent)
            .map(move |(i, _)| self.from + i)
    }
}

/// Row 8: the Meta Format of an Add or Replace, when given, is the node's (415).
fn check_format(command: &Command<'_>, node: &Node) -> Result<(), TreeError> {
    match command.format {
        Some(given)
            if matches!(command.verb, Verb::Add | Verb::Replace)
                && !given.eq_ignore_ascii_case(node.format.as_str()) =>
        {
            Err(TreeError::Format {
                given: given.to_owned(),
                expected: node.format.as_str().to_owned(),
                node: node.display_name(),
            })
        }
        _ => Ok(()),
    }
}

fn check_query(verb: Verb, query: Option<&Query>, node: &Node) -> Result<(), TreeError> {
    let unsupported = |u| Err(TreeError::Unsupported(u));
    match (verb, query) {
        (_, None) => Ok(()),
        (_, Some(Query::Other { key, .. })) => unsupported(Unsupported::Query(key.clone())),
        (Verb::Get, Some(Query::List(kind))) if kind == "Struct" || kind == "StructData" => Ok(()),
        (Verb::Get, Some(Query::List(kind))) => unsupported(Unsupported::List(kind.clone())),
        (Verb::Get, Some(Query::Prop(p))) if matches!(p.as_str(), "Format" | "Name" | "Type") => {
            Ok(())
        }
        (Verb::Get, Some(Query::Prop(p))) if p == "Size" && node.is_leaf() => Ok(()),
        (Verb::Get, Some(Query::Prop(p))) if p == "Title" && node.title.is_some() => Ok(()),
        (Verb::Get, Some(Query::Prop(p))) => unsupported(Unsupported::Property(p.clone())),
        (_, Some(Query::List(_))) => unsupported(Unsupported::QueryOnVerb("list".to_owned())),
        (_, Some(Query::Prop(_))) => unsupported(Unsupported::QueryOnVerb("prop".to_owned())),
    }
}

/// The store keys of every prefix of a path. Each is a prefix of the whole path's key: borrowed
/// from the path when no segment needs an escape ([`NodePath::plain_key`]), else encoded once
/// into one string, with where each prefix ends.
enum Keys {
    /// The path's text is its keys.
    Plain,
    /// The keys, encoded.
    Encoded { text: String, ends: Vec<usize> },
}

impl Keys {
    /// The keys of `path`, whose segments are `segments`.
    fn of(path: &NodePath, segments: &[&str]) -> Self {
        if path.plain_key(0).is_some() {
            return Self::Plain;
        }
        let mut text = String::with_capacity(segments.iter().map(|s| s.len() + 1).sum());
        let mut ends = Vec::with_capacity(segments.len());
        for segment in segments {
            if !text.is_empty() {
                text.push('/');
            }
            encode_segment_into(segment, &mut text);
            ends.push(text.len());
        }
        Self::Encoded { text, ends }
    }

    /// The key of the first `j + 1` segments of `path` (the path these keys are of).
    fn get<'k>(&'k self, path: &'k NodePath, j: usize) -> &'k str {
        match self {
            Self::Plain => path.plain_key(j + 1).unwrap_or_default(),
            Self::Encoded { text, ends } => ends
                .get(j)
                .and_then(|&end| text.get(..end))
                .unwrap_or_default(),
        }
    }

    /// The whole path's key (`""` for the root).
    fn last<'k>(&'k self, path: &'k NodePath) -> &'k str {
        match self {
            Self::Plain => path.plain_key(path.segments().len()).unwrap_or_default(),
            Self::Encoded { text, .. } => text,
        }
    }
}

/// The keys of `stored` strictly below `key`, found by range: the walk of a subtree costs its
/// size, not the whole tree's.
fn keys_below<'s>(
    stored: &'s BTreeMap<String, Option<String>>,
    key: &str,
) -> impl Iterator<Item = &'s str> {
    let (low, high) = crate::store::below(key);
    let range = match high {
        Some(high) => stored.range(low..high),
        None => stored.range(low..),
    };
    range.map(|(k, _)| k.as_str())
}

/// How many of a path's segments [`gather`] holds in place (a deeper path takes a `Vec`).
const IN_PLACE: usize = 16;

/// A path's segments as a slice, gathered into `in_place` when they fit (every path of a
/// DDF in practice), else into `spilled`: no allocation for a command's path.
fn gather<'b, 's>(
    path: &'s NodePath,
    in_place: &'b mut [&'s str; IN_PLACE],
    spilled: &'b mut Vec<&'s str>,
) -> &'b [&'s str] {
    let segments = path.segments();
    if segments.len() > IN_PLACE {
        spilled.extend(segments);
        return spilled;
    }
    let mut count = 0;
    for (slot, segment) in in_place.iter_mut().zip(segments) {
        *slot = segment;
        count += 1;
    }
    in_place.get(..count).unwrap_or_default()
}

/// How an interior node above the CSPs is named in messages: `.` for the device's root, else
/// the URI (`./Device/Vendor`, `./User`).
fn display_above_roots(path: &NodePath) -> String {
    let path = path.without_query();
    if path.scope() == pfw_ddf::Scope::Device && path.segments().next().is_none() {
        ".".to_owned()
    } else {
        path.to_string()
    }
}

fn display(resolved: &Resolved<'_>) -> String {
    display_upto(resolved, resolved.chain.len() - 1)
}

fn display_upto(resolved: &Resolved<'_>, last: usize) -> String {
    let root = resolved.chain[0];
    let mut out = root.path.clone().unwrap_or_else(|| ".".to_owned());
    for node in &resolved.chain[..=last] {
        out.push('/');
        node.write_display_name(&mut out);
    }
    out
}

/// A node's `Type` property: its MIME type for a leaf (`text/plain` when the DDF gives none),
/// its DDF name for an interior node.
fn mime_of(node: &Node) -> String {
    match &node.df_type {
        Some(pfw_ddf::DfType::Mime(m)) if !m.is_empty() => m.clone(),
        Some(pfw_ddf::DfType::DdfName(n)) if !node.is_leaf() => n.clone(),
        _ if node.is_leaf() => "text/plain".to_owned(),
        _ => String::new(),
    }
}

/// Decodes a segment produced by [`encode_segment`] (always well-formed).
fn decode_lossy(encoded: &str) -> String {
    decode_segment(encoded).unwrap_or_else(|| encoded.to_owned())
}
