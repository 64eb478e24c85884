//! Configuration service providers as the tree sees them: a schema (from a DDF file) and the
//! few rules a DDF cannot state. The [`Registry`] holds the CSPs a device has and finds the one
//! a URI belongs to.
//!
//! The registry indexes every CSP by its root's location (scope, `Path` segments, root name) in
//! a trie of segments, so finding a URI's CSP costs one map lookup per segment, however many
//! CSPs the device has. A CSP may be registered lazily ([`Registry::with_lazy`]): only its
//! location is known until a URI reaches it, and then it is loaded once.

use std::sync::{Arc, OnceLock};

use pfw_ddf::{LookupError, Node, NodePath, Resolved, Schema, Scope, ValueOptions, closest_name};

use crate::device::Device;
use crate::error::StoreError;
use crate::store::{InstanceId, Store};

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

    /// Called after an Add, Replace or Delete of `path` (for `user`'s tree when `./User`)
    /// changed the tree, in the same transaction: a CSP may keep records beside the tree (the
    /// Policy CSP keeps the order of writes, for `LastWrite`).
    fn written(
        &self,
        _store: &mut dyn Store,
        _user: Option<&str>,
        _path: &NodePath,
        _verb: pfw_ddf::Verb,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether [`Csp::derived_value`] may answer anything but [`Derived::Stored`]; a CSP
    /// that derives nothing says no, and the tree never builds a [`StoreView`] for it.
    fn derives(&self) -> bool {
        false
    }

    /// The value of a leaf that follows other nodes of the trees (the Policy CSP's
    /// `Result`, which answers the value in force from `Config`), read through `view`.
    /// [`Derived::Stored`]: the node's value is what the tree stores (or
    /// [`Csp::computed_value`]).
    fn derived_value(
        &self,
        _view: &StoreView<'_>,
        _path: &NodePath,
        _node: &Node,
    ) -> Result<Derived, StoreError> {
        Ok(Derived::Stored)
    }
}

/// What [`Csp::derived_value`] answers for a leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Derived {
    /// The leaf does not exist now (Get answers 404).
    Absent,
    /// The leaf's value is the stored one.
    Stored,
    /// The leaf exists with this value.
    Value(String),
}

/// Read access to the trees for [`Csp::derived_value`].
pub struct StoreView<'a> {
    /// The store (read only).
    pub store: &'a dyn Store,
    /// The emulated device.
    pub device: Device,
    /// The instance the path is in (`None`: a user with no tree yet).
    pub instance: Option<InstanceId>,
    /// The instance of the user the command is for, if any (`None` too when that user has no
    /// tree yet).
    pub user: Option<InstanceId>,
}

/// Loads a lazily registered CSP; the text of the error says why it cannot be.
pub type CspLoader = Box<dyn Fn() -> Result<Arc<dyn Csp>, String> + Send + Sync>;

/// Where a CSP's root sits: its scope, the segments of its `Path` after the scope, and its
/// name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RootLocation {
    /// The scope.
    pub scope: Scope,
    /// The `Path` segments after the scope and the root's name (`["Vendor", "MSFT",
    /// "BitLocker"]`).
    pub segments: Vec<String>,
}

impl RootLocation {
    /// The root's URI (`./Device/Vendor/MSFT/BitLocker`).
    pub fn uri(&self) -> String {
        format!("{}/{}", self.scope.prefix(), self.segments.join("/"))
    }

    /// The root's name.
    pub fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }
}

/// A set of CSPs known by a list of roots, indexed only when a lookup first needs it (the
/// rest of the device: every CSP of a facts table or a DDF directory).
pub trait CspSource: Send + Sync {
    /// Every CSP of the source, with the locations of its roots.
    fn roots(&self) -> Vec<SourceRoot>;

    /// Loads CSP `index` of [`CspSource::roots`].
    fn load(&self, index: usize) -> Result<Arc<dyn Csp>, String>;
}

/// One CSP of a [`CspSource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRoot {
    /// The CSP's name.
    pub name: String,
    /// Where its roots sit.
    pub locations: Vec<RootLocation>,
}

/// The CSPs of a device: those registered one by one ([`Registry::with`],
/// [`Registry::with_lazy`]) first, then the sources' ([`Registry::with_source`]).
#[derive(Clone, Default)]
pub struct Registry {
    own: Index,
    /// The eagerly registered CSPs, in registration order.
    loaded: Vec<Arc<dyn Csp>>,
    sources: Vec<Arc<Sourced>>,
}

struct Sourced {
    source: Arc<dyn CspSource>,
    index: OnceLock<Index>,
}

impl Sourced {
    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index::default();
            for (i, root) in self.source.roots().into_iter().enumerate() {
                let source = Arc::clone(&self.source);
                index.add_lazy(root.name, root.locations, Box::new(move || source.load(i)));
            }
            index
        })
    }
}

/// Entries and their locations in a trie of segments, per scope.
#[derive(Clone, Default)]
struct Index {
    entries: Vec<Entry>,
    device: Trie,
    user: Trie,
    /// Entries whose root has a dynamic name or no readable `Path`: tried after the trie.
    loose: Vec<usize>,
}

#[derive(Clone)]
struct Entry {
    name: String,
    location: Option<RootLocation>,
    csp: Arc<Slot>,
}

struct Slot {
    cell: OnceLock<Result<Arc<dyn Csp>, String>>,
    load: Option<CspLoader>,
}

impl Slot {
    fn get(&self) -> Result<&Arc<dyn Csp>, &str> {
        self.cell
            .get_or_init(|| match &self.load {
                Some(load) => load(),
                None => Err("no loader".to_owned()),
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A trie of segments: sorted children, binary-searched, one lookup per segment.
#[derive(Clone, Default)]
struct Trie {
    children: Vec<(Box<str>, Self)>,
    entries: Vec<usize>,
}

impl Trie {
    fn child(&self, segment: &str) -> Option<&Self> {
        self.children
            .binary_search_by(|(k, _)| (**k).cmp(segment))
            .ok()
            .map(|i| &self.children[i].1)
    }

    fn insert(&mut self, segments: &[String], entry: usize) {
        let mut node = self;
        for s in segments {
            let i = match node
                .children
                .binary_search_by(|(k, _)| (**k).cmp(s.as_str()))
            {
                Ok(i) => i,
                Err(i) => {
                    node.children
                        .insert(i, (s.as_str().into(), Self::default()));
                    i
                }
            };
            node = &mut node.children[i].1;
        }
        node.entries.push(entry);
    }
}

impl Index {
    fn trie(&self, scope: Scope) -> &Trie {
        match scope {
            Scope::Device => &self.device,
            Scope::User => &self.user,
        }
    }

    fn trie_mut(&mut self, scope: Scope) -> &mut Trie {
        match scope {
            Scope::Device => &mut self.device,
            Scope::User => &mut self.user,
        }
    }

    fn add_lazy(&mut self, name: String, locations: Vec<RootLocation>, load: CspLoader) {
        let slot = Arc::new(Slot {
            cell: OnceLock::new(),
            load: Some(load),
        });
        for location in locations {
            let entry = self.entries.len();
            self.trie_mut(location.scope)
                .insert(&location.segments, entry);
            self.entries.push(Entry {
                name: name.clone(),
                location: Some(location),
                csp: Arc::clone(&slot),
            });
        }
    }

    fn at(&self, location: &RootLocation) -> Option<&Entry> {
        let mut node = self.trie(location.scope);
        for s in &location.segments {
            node = node.child(s)?;
        }
        let first = *node.entries.first()?;
        self.entries.get(first)
    }

    /// Like [`Registry::resolve`], within this index.
    fn resolve(
        &self,
        scope: Scope,
        segments: &[&str],
    ) -> Result<(&dyn Csp, Resolved<'_>), LookupError> {
        let mut best: Option<LookupError> = None;
        // The entries of the trie nodes along the path, outermost first: the first few in
        // place (a path passes one or two roots), any more in `deeper`.
        let mut along: [&[usize]; ALONG] = [&[]; ALONG];
        let mut deeper: Vec<&[usize]> = Vec::new();
        let mut found = 0;
        let mut node = self.trie(scope);
        let mut left_at = None;
        for (depth, segment) in segments.iter().enumerate() {
            match node.child(segment) {
                Some(child) => {
                    node = child;
                    if !node.entries.is_empty() {
                        match along.get_mut(found) {
                            Some(slot) => *slot = &node.entries,
                            None => deeper.push(&node.entries),
                        }
                        found += 1;
                    }
                }
                None => {
                    left_at = Some((depth, node));
                    break;
                }
            }
        }
        let in_place = along.get(..found.min(ALONG)).unwrap_or_default();
        let candidates = deeper
            .iter()
            .rev()
            .chain(in_place.iter().rev())
            .flat_map(|entries| entries.iter())
            .chain(self.loose.iter());
        for &index in candidates {
            // A CSP that cannot be loaded (a damaged table or bundle) holds no node.
            let Ok(csp) = self.entries[index].csp.get() else {
                continue;
            };
            match csp.schema().resolve(scope, segments) {
                Ok(resolved) => return Ok((csp.as_ref(), resolved)),
                Err(e) => {
                    if best.as_ref().is_none_or(|b| rank(&e) > rank(b)) {
                        best = Some(e);
                    }
                }
            }
        }
        if best.as_ref().is_none_or(|b| rank(b) == 0)
            && let Some((depth, node)) = left_at
            && let Some(closest) =
                closest_name(segments[depth], node.children.iter().map(|(k, _)| &**k))
        {
            return Err(LookupError::OutsideSchema {
                path: segments.join("/"),
                scope: scope.as_str().to_owned(),
                closest: Some(closest),
            });
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
    /// top-level node it leads to. Empty when `segments` is not above any CSP. Only the CSPs
    /// whose root lies below `segments` are loaded.
    pub fn names_above_roots(&self, scope: Scope, segments: &[&str]) -> Vec<(&str, &Node)> {
        let mut out = Vec::new();
        for (_, location) in self.roots() {
            let below = location.scope == scope
                && segments.len() < location.segments.len()
                && location.segments.iter().zip(segments).all(|(a, b)| a == b);
            if !below {
                continue;
            }
            if let Some(Ok(csp)) = self.at(location) {
                out.extend(csp.schema().names_above_roots(scope, segments));
            }
        }
        out
    }

    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a CSP; at a location some CSP already has, the earlier one is tried first.
    #[must_use]
    pub fn with(mut self, csp: Arc<dyn Csp>) -> Self {
        let slot = Arc::new(Slot {
            cell: OnceLock::from(Ok(Arc::clone(&csp))),
            load: None,
        });
        let mut located = Vec::new();
        let mut loose = false;
        for root in &csp.schema().roots {
            match (root.root_location(), root.name.as_static()) {
                (Some((scope, prefix)), Some(name)) => {
                    let mut segments: Vec<String> = prefix.into_iter().map(str::to_owned).collect();
                    segments.push(name.to_owned());
                    located.push(RootLocation { scope, segments });
                }
                _ => loose = true,
            }
        }
        if located.is_empty() {
            loose = true;
        }
        let own = &mut self.own;
        for location in located {
            let entry = own.entries.len();
            own.trie_mut(location.scope)
                .insert(&location.segments, entry);
            own.entries.push(Entry {
                name: csp.name().to_owned(),
                location: Some(location),
                csp: Arc::clone(&slot),
            });
        }
        if loose {
            own.loose.push(own.entries.len());
            own.entries.push(Entry {
                name: csp.name().to_owned(),
                location: None,
                csp: slot,
            });
        }
        self.loaded.push(csp);
        self
    }

    /// Adds a CSP known only by the locations of its roots until a URI reaches one; `load`
    /// then runs once. At a location some CSP already has, the earlier one is tried first.
    #[must_use]
    pub fn with_lazy(
        mut self,
        name: impl Into<String>,
        locations: impl IntoIterator<Item = RootLocation>,
        load: CspLoader,
    ) -> Self {
        self.own
            .add_lazy(name.into(), locations.into_iter().collect(), load);
        self
    }

    /// Adds a source of CSPs, tried after every CSP registered one by one. Its roots are read
    /// and indexed the first time a lookup reaches past those.
    #[must_use]
    pub fn with_source(mut self, source: Arc<dyn CspSource>) -> Self {
        self.sources.push(Arc::new(Sourced {
            source,
            index: OnceLock::new(),
        }));
        self
    }

    /// The eagerly registered CSPs ([`Registry::with`]), in registration order.
    pub fn csps(&self) -> &[Arc<dyn Csp>] {
        &self.loaded
    }

    fn indexes(&self) -> impl Iterator<Item = &Index> {
        std::iter::once(&self.own).chain(self.sources.iter().map(|s| s.index()))
    }

    /// Every root the registry knows, in registration order (the sources' last): the CSP's
    /// name and where its root sits.
    pub fn roots(&self) -> impl Iterator<Item = (&str, &RootLocation)> {
        self.indexes().flat_map(|index| {
            index
                .entries
                .iter()
                .filter_map(|e| Some((e.name.as_str(), e.location.as_ref()?)))
        })
    }

    /// The CSP whose root sits at `location` (loading it if it is lazy), the first registered
    /// when several do; with the load failure, if it cannot be loaded.
    pub fn at(&self, location: &RootLocation) -> Option<Result<&dyn Csp, &str>> {
        self.indexes()
            .find_map(|index| index.at(location))
            .map(|entry| entry.csp.get().map(|c| c.as_ref()))
    }

    /// The CSPs named `name` (ASCII case ignored), loading them if lazy, with the location of
    /// each root.
    pub fn named(&self, name: &str) -> Vec<(&RootLocation, &dyn Csp)> {
        self.indexes()
            .flat_map(|index| index.entries.iter())
            .filter(|e| e.name.eq_ignore_ascii_case(name))
            .filter_map(|e| Some((e.location.as_ref()?, e.csp.get().ok()?.as_ref())))
            .collect()
    }

    /// The registered name closest to `name` ignoring ASCII case (see [`closest_name`]), for a
    /// CSP asked for by a wrong name.
    pub fn closest_csp_name(&self, name: &str) -> Option<String> {
        let names: Vec<&str> = self
            .indexes()
            .flat_map(|index| index.entries.iter().map(|e| e.name.as_str()))
            .collect();
        let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let found = closest_name(&name.to_ascii_lowercase(), lower.iter().map(String::as_str))?;
        let index = lower.iter().position(|l| *l == found)?;
        Some(names[index].to_owned())
    }

    /// The CSP whose schema holds `segments` in `scope`, with the schema nodes along the path.
    /// The CSPs registered one by one are tried first, then each source's; within each, the
    /// CSPs rooted deepest along the path first, in registration order. When none holds it,
    /// the most telling error: one from a CSP whose tree the path enters (an unknown child,
    /// with the closest name), else one naming the closest root name where the path leaves
    /// every CSP's location.
    pub fn resolve(
        &self,
        scope: Scope,
        segments: &[&str],
    ) -> Result<(&dyn Csp, Resolved<'_>), LookupError> {
        let mut best = match self.own.resolve(scope, segments) {
            Ok(found) => return Ok(found),
            Err(e) => e,
        };
        for sourced in &self.sources {
            match sourced.index().resolve(scope, segments) {
                Ok(found) => return Ok(found),
                Err(e) => {
                    if rank(&e) > rank(&best) {
                        best = e;
                    }
                }
            }
        }
        Err(best)
    }
}

/// How many trie nodes with entries along a path [`Index::resolve`] keeps without allocating.
const ALONG: usize = 4;

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
        f.debug_struct("Registry")
            .field(
                "csps",
                &self
                    .own
                    .entries
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("sources", &self.sources.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn csp(name: &str, path: &str) -> Arc<dyn Csp> {
        let ddf = format!(
            "<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>{name}</NodeName><Path>{path}</Path>\
             <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties>\
             <Node><NodeName>Leaf</NodeName><DFProperties><AccessType><Get/></AccessType>\
             <DFFormat><chr/></DFFormat></DFProperties></Node></Node></MgmtTree>"
        );
        Arc::new(SchemaCsp::new(name, Schema::load(ddf.as_bytes()).unwrap()))
    }

    fn location(scope: Scope, path: &str) -> RootLocation {
        RootLocation {
            scope,
            segments: path.split('/').map(str::to_owned).collect(),
        }
    }

    /// CSPs rooted one below another, more of them along one path than `Index::resolve` keeps
    /// in place: each path still reaches the CSP rooted deepest along it.
    #[test]
    fn nested_roots_past_the_ones_kept_in_place() {
        let mut registry = Registry::new();
        let mut parent = "./V".to_owned();
        let mut names = Vec::new();
        for depth in 1..=ALONG + 3 {
            let name = format!("R{depth}");
            registry = registry.with(csp(&name, &parent));
            parent = format!("{parent}/{name}");
            names.push(name);
        }
        for depth in 1..=names.len() {
            let mut segments = vec!["V"];
            segments.extend(names[..depth].iter().map(String::as_str));
            segments.push("Leaf");
            let (found, resolved) = registry.resolve(Scope::Device, &segments).unwrap();
            assert_eq!(found.name(), names[depth - 1], "{segments:?}");
            assert_eq!(resolved.node().name.as_static(), Some("Leaf"));
        }
    }

    #[test]
    fn lazy_csps_load_only_when_reached() {
        let loads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&loads);
        let registry = Registry::new().with(csp("A", "./Vendor/MSFT")).with_lazy(
            "B",
            [location(Scope::Device, "Vendor/MSFT/B")],
            Box::new(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(csp("B", "./Vendor/MSFT"))
            }),
        );
        let (found, _) = registry
            .resolve(Scope::Device, &["Vendor", "MSFT", "A", "Leaf"])
            .unwrap();
        assert_eq!(found.name(), "A");
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 0);
        for _ in 0..2 {
            let (found, _) = registry
                .resolve(Scope::Device, &["Vendor", "MSFT", "B", "Leaf"])
                .unwrap();
            assert_eq!(found.name(), "B");
        }
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
        // A misspelled root gets the closest root name of any CSP there.
        let Err(err) = registry.resolve(Scope::Device, &["Vendor", "MSFT", "b", "Leaf"]) else {
            panic!("a misspelled root resolves");
        };
        assert!(
            matches!(&err, LookupError::OutsideSchema { closest: Some(c), .. } if c == "B"),
            "{err:?}"
        );
        // A user-scope URI does not reach a device CSP.
        assert!(
            registry
                .resolve(Scope::User, &["Vendor", "MSFT", "B", "Leaf"])
                .is_err()
        );
    }

    #[test]
    fn deepest_root_first() {
        let registry = Registry::new()
            .with(csp("Outer", "./Vendor/MSFT"))
            .with(csp("Inner", "./Vendor/MSFT/Outer/Leaf"));
        // `Outer/Leaf` is a leaf of Outer; `Outer/Leaf/Inner` is Inner's root.
        let (found, _) = registry
            .resolve(Scope::Device, &["Vendor", "MSFT", "Outer", "Leaf", "Inner"])
            .unwrap();
        assert_eq!(found.name(), "Inner");
        let (found, _) = registry
            .resolve(Scope::Device, &["Vendor", "MSFT", "Outer", "Leaf"])
            .unwrap();
        assert_eq!(found.name(), "Outer");
    }
}
