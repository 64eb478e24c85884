//! Where management trees live: the [`Store`] trait and its two backends, [`MemoryStore`] and
//! [`SqliteStore`].
//!
//! A store holds one tree instance for the device and one per user, each a map from node key
//! (the path after the scope, segments percent-encoded, `/`-separated) to the node's value
//! (`None` for an interior node). It also holds device properties (build, edition, …) and
//! private records that a CSP keeps beside its tree (PIN hashes, enrollments), in namespaces.
//!
//! Writes happen inside a transaction ([`Store::begin`] … [`Store::commit`]); savepoints nest
//! inside it for `Atomic`. Both backends give the same answers: one test battery runs against
//! both.

pub mod memory;
pub mod sqlite;

pub use memory::MemoryStore;
pub use sqlite::{SqliteStore, StateLimits};

use std::borrow::Cow;
use std::fmt;

use crate::error::StoreError;

/// One write transaction, as a value: [`Transaction::commit`] makes its writes durable, and a
/// transaction dropped without a successful commit rolls back (an early return, an error, a
/// panic). The one way pfw opens a transaction on a store.
pub struct Transaction<'s> {
    store: &'s mut dyn Store,
    open: bool,
}

impl<'s> Transaction<'s> {
    /// Begins a transaction on `store` (taking the write lock, see [`Store::begin`]).
    pub fn begin(store: &'s mut dyn Store) -> Result<Self, StoreError> {
        store.begin()?;
        Ok(Self { store, open: true })
    }

    /// The store, to read and write inside the transaction.
    pub fn store(&mut self) -> &mut dyn Store {
        self.store
    }

    /// Commits. On failure the transaction is rolled back when this value is dropped.
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.store.commit()?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // Dropped uncommitted: the caller is already failing; a rollback error adds
            // nothing to what it reports.
            let _ = self.store.rollback();
        }
    }
}

/// A tree instance: the device's, or one user's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(pub i64);

impl InstanceId {
    /// The device's instance.
    pub const DEVICE: Self = Self(0);
}

/// Where a CSP's private record is kept: its namespace (the CSP's own), its owner (a user's
/// name, or `""` for the device) and its key within them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey<'a> {
    /// The CSP's namespace, e.g. `pin`.
    pub namespace: &'a str,
    /// Whose record it is: a user's name, or `""` for the device.
    pub owner: &'a str,
    /// The record's name within the namespace and owner.
    pub key: &'a str,
}

impl<'a> RecordKey<'a> {
    /// The record `key` of `owner` in `namespace`.
    pub const fn new(namespace: &'a str, owner: &'a str, key: &'a str) -> Self {
        Self {
            namespace,
            owner,
            key,
        }
    }
}

/// Names the record as errors print it: ``the pin record `current` of `alice` ``.
impl fmt::Display for RecordKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            namespace,
            owner,
            key,
        } = self;
        write!(f, "the {namespace} record `{key}` of `{owner}`")
    }
}

/// Storage for management trees, device properties and CSP records.
pub trait Store {
    /// Starts the transaction that every write happens in. Takes the write lock at once, so
    /// concurrent processes queue here rather than fail later.
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Makes the transaction's writes durable.
    fn commit(&mut self) -> Result<(), StoreError>;
    /// Discards the transaction's writes.
    fn rollback(&mut self) -> Result<(), StoreError>;
    /// Opens a savepoint inside the transaction (they nest).
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Closes the innermost savepoint, keeping its writes.
    fn release_savepoint(&mut self) -> Result<(), StoreError>;
    /// Undoes the writes since the innermost savepoint and closes it.
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;

    /// The instance of `user` (`None`: the device), if it exists.
    fn find_instance(&self, user: Option<&str>) -> Result<Option<InstanceId>, StoreError>;
    /// The instance of `user`, created if missing (inside the transaction).
    fn create_instance(&mut self, user: &str) -> Result<InstanceId, StoreError>;
    /// Every user that has an instance, sorted.
    fn users(&self) -> Result<Vec<String>, StoreError>;

    /// The node at `key`: `Some(Some(value))` for a leaf, `Some(None)` for an interior node,
    /// `None` when absent.
    fn get(&self, instance: InstanceId, key: &str) -> Result<Option<Option<String>>, StoreError>;
    /// Whether a node is stored at `key` ([`Store::get`] is `Some`), without reading its value.
    fn contains(&self, instance: InstanceId, key: &str) -> Result<bool, StoreError> {
        Ok(self.get(instance, key)?.is_some())
    }
    /// Stores the node at `key` (value `None` for an interior node).
    fn put(
        &mut self,
        instance: InstanceId,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError>;
    /// [`Store::put`] of a value the caller hands over: a store that keeps values as strings
    /// may keep an owned one as it is, without a copy.
    fn put_owned(
        &mut self,
        instance: InstanceId,
        key: &str,
        value: Option<Cow<'_, str>>,
    ) -> Result<(), StoreError> {
        self.put(instance, key, value.as_deref())
    }
    /// Removes the node at `key` and everything below it; returns how many nodes went.
    fn delete_subtree(&mut self, instance: InstanceId, key: &str) -> Result<usize, StoreError>;
    /// Every stored node strictly below `key` (`""`: the whole instance), sorted by key.
    fn descendants(
        &self,
        instance: InstanceId,
        key: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError>;
    /// How many nodes the instance holds.
    fn count(&self, instance: InstanceId) -> Result<usize, StoreError>;

    /// A device property.
    fn property(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// Sets (`Some`) or clears (`None`) a device property.
    fn set_property(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError>;

    /// A CSP's private record.
    fn record(&self, at: RecordKey<'_>) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets (`Some`) or removes (`None`) a CSP's private record.
    fn set_record(&mut self, at: RecordKey<'_>, value: Option<&[u8]>) -> Result<(), StoreError>;
    /// The keys of a CSP's records for `owner`, sorted.
    fn record_keys(&self, namespace: &str, owner: &str) -> Result<Vec<String>, StoreError>;
}

/// Implements the named [`Store`] methods by calling each on a field that is a store, for a
/// store that wraps another: `forward_store!(inner: begin, commit, get);` inside
/// `impl Store for Wrapper { … }`, beside the methods the wrapper writes itself.
#[macro_export]
macro_rules! forward_store {
    ($field:ident: $($method:ident),* $(,)?) => {
        $($crate::forward_store!(@ $field $method);)*
    };
    (@ $f:ident find_instance) => {
        fn find_instance(&self, user: Option<&str>) -> Result<Option<$crate::InstanceId>, $crate::StoreError> { self.$f.find_instance(user) }
    };
    (@ $f:ident create_instance) => {
        fn create_instance(&mut self, user: &str) -> Result<$crate::InstanceId, $crate::StoreError> { self.$f.create_instance(user) }
    };
    (@ $f:ident users) => {
        fn users(&self) -> Result<Vec<String>, $crate::StoreError> { self.$f.users() }
    };
    (@ $f:ident get) => {
        fn get(&self, instance: $crate::InstanceId, key: &str) -> Result<Option<Option<String>>, $crate::StoreError> { self.$f.get(instance, key) }
    };
    (@ $f:ident put) => {
        fn put(&mut self, instance: $crate::InstanceId, key: &str, value: Option<&str>) -> Result<(), $crate::StoreError> { self.$f.put(instance, key, value) }
    };
    (@ $f:ident contains) => {
        fn contains(&self, instance: $crate::InstanceId, key: &str) -> Result<bool, $crate::StoreError> { self.$f.contains(instance, key) }
    };
    (@ $f:ident put_owned) => {
        fn put_owned(&mut self, instance: $crate::InstanceId, key: &str, value: Option<std::borrow::Cow<'_, str>>) -> Result<(), $crate::StoreError> { self.$f.put_owned(instance, key, value) }
    };
    (@ $f:ident delete_subtree) => {
        fn delete_subtree(&mut self, instance: $crate::InstanceId, key: &str) -> Result<usize, $crate::StoreError> { self.$f.delete_subtree(instance, key) }
    };
    (@ $f:ident descendants) => {
        fn descendants(&self, instance: $crate::InstanceId, key: &str) -> Result<Vec<(String, Option<String>)>, $crate::StoreError> { self.$f.descendants(instance, key) }
    };
    (@ $f:ident count) => {
        fn count(&self, instance: $crate::InstanceId) -> Result<usize, $crate::StoreError> { self.$f.count(instance) }
    };
    (@ $f:ident property) => {
        fn property(&self, name: &str) -> Result<Option<String>, $crate::StoreError> { self.$f.property(name) }
    };
    (@ $f:ident set_property) => {
        fn set_property(&mut self, name: &str, value: Option<&str>) -> Result<(), $crate::StoreError> { self.$f.set_property(name, value) }
    };
    (@ $f:ident record) => {
        fn record(&self, at: $crate::RecordKey<'_>) -> Result<Option<Vec<u8>>, $crate::StoreError> { self.$f.record(at) }
    };
    (@ $f:ident set_record) => {
        fn set_record(&mut self, at: $crate::RecordKey<'_>, value: Option<&[u8]>) -> Result<(), $crate::StoreError> { self.$f.set_record(at, value) }
    };
    (@ $f:ident record_keys) => {
        fn record_keys(&self, namespace: &str, owner: &str) -> Result<Vec<String>, $crate::StoreError> { self.$f.record_keys(namespace, owner) }
    };
    // The transaction methods: `begin`, `commit`, `rollback` and the savepoints'.
    (@ $f:ident $method:ident) => {
        fn $method(&mut self) -> Result<(), $crate::StoreError> { self.$f.$method() }
    };
}

/// One stored node in a [`dump`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DumpRow {
    /// The user whose tree holds it; `None` for the device's.
    pub user: Option<String>,
    /// The node's key.
    pub key: String,
    /// The value (`None` for an interior node).
    pub value: Option<String>,
}

/// Every stored node of every instance (the device's first, then users by name): a logical
/// dump for comparing two states.
pub fn dump(store: &dyn Store) -> Result<Vec<DumpRow>, StoreError> {
    let mut out = Vec::new();
    push_rows(&mut out, None, store.descendants(InstanceId::DEVICE, "")?);
    for user in store.users()? {
        if let Some(id) = store.find_instance(Some(&user))? {
            push_rows(&mut out, Some(&user), store.descendants(id, "")?);
        }
    }
    Ok(out)
}

fn push_rows(out: &mut Vec<DumpRow>, user: Option<&str>, nodes: Vec<(String, Option<String>)>) {
    out.extend(nodes.into_iter().map(|(key, value)| DumpRow {
        user: user.map(str::to_owned),
        key,
        value,
    }));
}

/// The direct children's names among the keys of `key`'s descendants (sorted).
pub fn direct_children<'a>(key: &str, descendants: impl Iterator<Item = &'a str>) -> Vec<String> {
    let skip = if key.is_empty() { 0 } else { key.len() + 1 };
    descendants
        .filter_map(|k| k.get(skip..))
        .filter(|rest| !rest.is_empty() && !rest.contains('/'))
        .map(str::to_owned)
        .collect()
}

/// The key range `[low, high)` holding every key strictly below `key`: `key/` up to `key0`
/// (`0` sorts right after `/`). For the root (`""`) every key.
pub(crate) fn below(key: &str) -> (String, Option<String>) {
    if key.is_empty() {
        (String::new(), None)
    } else {
        (format!("{key}/"), Some(format!("{key}0")))
    }
}
