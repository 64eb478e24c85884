//! [`MemoryStore`]: a [`Store`] in ordered maps, with an undo journal for transactions and
//! savepoints. For tests, benchmarks and embedding without a file.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use crate::error::StoreError;
use crate::store::{InstanceId, RecordKey, Store, below};

/// A store held in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// Each instance's nodes by key (kept per instance so that a key is looked up as a
    /// `&str`, without building an owned one). A key is shared with the journal entry that
    /// undoes its write: one allocation a write, not two.
    nodes: BTreeMap<InstanceId, BTreeMap<Arc<str>, Option<String>>>,
    users: BTreeMap<String, InstanceId>,
    properties: BTreeMap<String, String>,
    records: BTreeMap<(String, String, String), Vec<u8>>,
    /// Undo entries of the open transaction; `None` outside one.
    journal: Option<Vec<Undo>>,
    /// Journal lengths at each open savepoint.
    savepoints: Vec<usize>,
}

/// What to restore to undo one write.
#[derive(Debug)]
enum Undo {
    Node(InstanceId, Arc<str>, Option<Option<String>>),
    User(String),
    Property(String, Option<String>),
    // Boxed: the journal holds node writes by the dozen and records rarely, and each entry
    // takes the room of the largest.
    Record(Box<(String, String, String)>, Option<Vec<u8>>),
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn journal(&mut self) -> Result<&mut Vec<Undo>, StoreError> {
        self.journal.as_mut().ok_or(StoreError::NoTransaction)
    }

    fn undo_to(&mut self, len: usize) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let undone: Vec<Undo> = journal.drain(len..).rev().collect();
        for undo in undone {
            match undo {
                Undo::Node(instance, key, Some(old)) => {
                    self.nodes.entry(instance).or_default().insert(key, old);
                }
                Undo::Node(instance, key, None) => {
                    if let Some(nodes) = self.nodes.get_mut(&instance) {
                        nodes.remove(&key);
                    }
                }
                Undo::User(name) => {
                    self.users.remove(&name);
                }
                Undo::Property(name, Some(old)) => {
                    self.properties.insert(name, old);
                }
                Undo::Property(name, None) => {
                    self.properties.remove(&name);
                }
                Undo::Record(key, Some(old)) => {
                    self.records.insert(*key, old);
                }
                Undo::Record(key, None) => {
                    self.records.remove(&*key);
                }
            }
        }
    }

    fn keys_below(
        &self,
        instance: InstanceId,
        key: &str,
    ) -> impl Iterator<Item = (&str, &Option<String>)> {
        let (low, high) = below(key);
        self.nodes
            .get(&instance)
            .map(move |nodes| {
                nodes.range::<str, _>((Bound::Included(low.as_str()), Bound::Unbounded))
            })
            .into_iter()
            .flatten()
            .map(|(k, v)| (&**k, v))
            .take_while(move |(k, _)| high.as_deref().is_none_or(|h| *k < h))
    }
}

impl Store for MemoryStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        if self.journal.is_some() {
            return Err(StoreError::NestedTransaction);
        }
        self.journal = Some(Vec::with_capacity(JOURNAL_ROOM));
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.journal.take().ok_or(StoreError::NoTransaction)?;
        self.savepoints.clear();
        Ok(())
    }

    fn rollback(&mut self) -> Result<(), StoreError> {
        if self.journal.is_none() {
            return Err(StoreError::NoTransaction);
        }
        self.undo_to(0);
        self.journal = None;
        self.savepoints.clear();
        Ok(())
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        let len = self.journal()?.len();
        self.savepoints.push(len);
        Ok(())
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.savepoints
            .pop()
            .map(drop)
            .ok_or(StoreError::NoSavepoint)
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        let len = self.savepoints.pop().ok_or(StoreError::NoSavepoint)?;
        self.undo_to(len);
        Ok(())
    }

    fn find_instance(&self, user: Option<&str>) -> Result<Option<InstanceId>, StoreError> {
        Ok(match user {
            None => Some(InstanceId::DEVICE),
            Some(user) => self.users.get(user).copied(),
        })
    }

    fn create_instance(&mut self, user: &str) -> Result<InstanceId, StoreError> {
        if let Some(id) = self.users.get(user) {
            return Ok(*id);
        }
        self.journal()?;
        let id = InstanceId(self.users.values().map(|i| i.0).max().unwrap_or(0) + 1);
        self.journal()?.push(Undo::User(user.to_owned()));
        self.users.insert(user.to_owned(), id);
        Ok(id)
    }

    fn users(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.users.keys().cloned().collect())
    }

    fn get(&self, instance: InstanceId, key: &str) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .nodes
            .get(&instance)
            .and_then(|nodes| nodes.get(key))
            .cloned())
    }

    fn contains(&self, instance: InstanceId, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .nodes
            .get(&instance)
            .is_some_and(|nodes| nodes.contains_key(key)))
    }

    fn put(
        &mut self,
        instance: InstanceId,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError> {
        self.put_owned(instance, key, value.map(Cow::Borrowed))
    }

    fn put_owned(
        &mut self,
        instance: InstanceId,
        key: &str,
        value: Option<Cow<'_, str>>,
    ) -> Result<(), StoreError> {
        self.journal()?;
        let nodes = self.nodes.entry(instance).or_default();
        let key: Arc<str> = Arc::from(key);
        let old = nodes.insert(Arc::clone(&key), value.map(Cow::into_owned));
        self.journal()?.push(Undo::Node(instance, key, old));
        Ok(())
    }

    fn delete_subtree(&mut self, instance: InstanceId, key: &str) -> Result<usize, StoreError> {
        self.journal()?;
        let Some(nodes) = self.nodes.get(&instance) else {
            return Ok(0);
        };
        let (low, high) = below(key);
        let mut keys: Vec<Arc<str>> = nodes
            .range::<str, _>((Bound::Included(low.as_str()), Bound::Unbounded))
            .map(|(k, _)| k)
            .take_while(|k| high.as_deref().is_none_or(|h| &***k < h))
            .cloned()
            .collect();
        if let Some((k, _)) = nodes.get_key_value(key) {
            keys.push(Arc::clone(k));
        }
        let count = keys.len();
        for k in keys {
            let old = self
                .nodes
                .get_mut(&instance)
                .and_then(|nodes| nodes.remove(&k));
            self.journal()?.push(Undo::Node(instance, k, old));
        }
        Ok(count)
    }

    fn descendants(
        &self,
        instance: InstanceId,
        key: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        Ok(self
            .keys_below(instance, key)
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect())
    }

    fn count(&self, instance: InstanceId) -> Result<usize, StoreError> {
        Ok(self.keys_below(instance, "").count())
    }

    fn property(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.properties.get(name).cloned())
    }

    fn set_property(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.journal()?;
        let old = match value {
            Some(v) => self.properties.insert(name.to_owned(), v.to_owned()),
            None => self.properties.remove(name),
        };
        self.journal()?.push(Undo::Property(name.to_owned(), old));
        Ok(())
    }

    fn record(&self, at: RecordKey<'_>) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.records.get(&owned(at)).cloned())
    }

    fn set_record(&mut self, at: RecordKey<'_>, value: Option<&[u8]>) -> Result<(), StoreError> {
        self.journal()?;
        let k = owned(at);
        let old = match value {
            Some(v) => self.records.insert(k.clone(), v.to_vec()),
            None => self.records.remove(&k),
        };
        self.journal()?.push(Undo::Record(Box::new(k), old));
        Ok(())
    }

    fn record_keys(&self, namespace: &str, owner: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .records
            .keys()
            .filter(|(n, o, _)| n == namespace && o == owner)
            .map(|(_, _, k)| k.clone())
            .collect())
    }
}

/// Room for this many writes in a transaction's journal from its start: a message's writes
/// take one allocation, not one each time the journal doubles.
const JOURNAL_ROOM: usize = 32;

/// The map key a record is kept under.
fn owned(at: RecordKey<'_>) -> (String, String, String) {
    (
        at.namespace.to_owned(),
        at.owner.to_owned(),
        at.key.to_owned(),
    )
}
