//! Where a fleet's devices live between runs: each device's store is a [`DeviceStore`] in
//! memory during the run (a [`MemoryStore`] that also remembers which properties and records
//! it holds, so that it can be written out whole as a [`DeviceImage`]), and [`FleetState`]
//! keeps every device's image in one SQLite file.
//!
//! The file's layout (schema version 1):
//!
//! ```text
//! fleet(key TEXT PRIMARY KEY, value TEXT)        -- 'schema_version' = '1', 'seed'
//! device(idx INTEGER PRIMARY KEY,                -- the device index in the fleet
//!        device_id TEXT NOT NULL,                -- its DeviceID (from the seed and index)
//!        enrolled INTEGER NOT NULL,              -- 1 while it holds an enrollment
//!        sessions INTEGER NOT NULL,              -- sessions run over all runs
//!        image TEXT NOT NULL)                    -- its store as DeviceImage JSON
//! ```
//!
//! A device's row is written after each of its actions (one statement, so a crash leaves a
//! device as after its last completed action).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use pfw_tree::{InstanceId, MemoryStore, RecordKey, Store, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::FleetStateError;

/// A device's store: a [`MemoryStore`] that knows its property names and record owners.
#[derive(Debug, Default)]
pub struct DeviceStore {
    inner: MemoryStore,
    properties: BTreeSet<String>,
    records: BTreeSet<(String, String)>,
}

/// Everything a [`DeviceStore`] holds, as plain rows (serde).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceImage {
    /// `(user, key, value)`: the device's tree (`user` `None`) and each user's.
    pub nodes: Vec<(Option<String>, String, Option<String>)>,
    /// `(name, value)` device properties.
    pub properties: Vec<(String, String)>,
    /// `(namespace, owner, key, base64 value)` CSP records.
    pub records: Vec<(String, String, String, String)>,
}

impl DeviceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything the store holds.
    pub fn image(&self) -> Result<DeviceImage, StoreError> {
        let mut image = DeviceImage::default();
        for row in pfw_tree::store::dump(&self.inner)? {
            image.nodes.push((row.user, row.key, row.value));
        }
        for name in &self.properties {
            if let Some(value) = self.inner.property(name)? {
                image.properties.push((name.clone(), value));
            }
        }
        for (namespace, owner) in &self.records {
            for key in self.inner.record_keys(namespace, owner)? {
                if let Some(value) = self.inner.record(RecordKey::new(namespace, owner, &key))? {
                    image.records.push((
                        namespace.clone(),
                        owner.clone(),
                        key,
                        STANDARD.encode(value),
                    ));
                }
            }
        }
        Ok(image)
    }

    /// A store holding `image`.
    pub fn from_image(image: &DeviceImage) -> Result<Self, FleetStateError> {
        let mut store = Self::new();
        store.begin()?;
        for (user, key, value) in &image.nodes {
            let instance = match user {
                None => InstanceId::DEVICE,
                Some(user) => store.create_instance(user)?,
            };
            store.put(instance, key, value.as_deref())?;
        }
        for (name, value) in &image.properties {
            store.set_property(name, Some(value))?;
        }
        for (namespace, owner, key, value) in &image.records {
            let bytes = STANDARD
                .decode(value)
                .map_err(|_| FleetStateError::Damaged("a record is not base64"))?;
            store.set_record(RecordKey::new(namespace, owner, key), Some(&bytes))?;
        }
        store.commit()?;
        Ok(store)
    }
}

impl Store for DeviceStore {
    pfw_tree::forward_store!(inner:
        begin, commit, rollback, savepoint, release_savepoint, rollback_to_savepoint,
        find_instance, create_instance, users, get, put, delete_subtree, descendants, count,
        property, record, record_keys,
    );

    fn set_property(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.inner.set_property(name, value)?;
        self.properties.insert(name.to_owned());
        Ok(())
    }
    fn set_record(&mut self, at: RecordKey<'_>, value: Option<&[u8]>) -> Result<(), StoreError> {
        self.inner.set_record(at, value)?;
        self.records
            .insert((at.namespace.to_owned(), at.owner.to_owned()));
        Ok(())
    }
}

/// One device's row in the state file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    /// Its DeviceID.
    pub device_id: String,
    /// Whether it holds an enrollment.
    pub enrolled: bool,
    /// Sessions run over all runs.
    pub sessions: u64,
    /// Its store.
    pub image: DeviceImage,
}

/// The fleet's state file: one SQLite database for every device.
///
/// Rows are written by the devices' threads, one statement each; the write-ahead log is
/// copied back into the database (a checkpoint, with its `fsync`) by a thread of its own
/// every half second, so that no device waits for it.
#[derive(Debug)]
pub struct FleetState {
    // Stopped before the connection closes (fields drop in order), so that closing it, the
    // last connection, checkpoints what is left.
    _checkpoints: Option<Checkpoints>,
    conn: Mutex<Connection>,
}

/// The checkpointing thread and the flag that stops it.
#[derive(Debug)]
struct Checkpoints {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpoints {
    /// Checkpoints the database at `path` every [`CHECKPOINT_EVERY`] on its own connection;
    /// `None` when that connection cannot be opened.
    fn start(path: &Path) -> Option<Self> {
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).ok()?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("pfw-fleet-checkpoint".to_owned())
            .spawn(move || {
                let (stopped, wake) = &*flag;
                let mut done = lock(stopped);
                while !*done {
                    done = wake
                        .wait_timeout(done, CHECKPOINT_EVERY)
                        .map(|(guard, _)| guard)
                        .unwrap_or_else(|e| e.into_inner().0);
                    // PASSIVE: copies what it can without waiting for the writers.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok()?;
        Some(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        *lock(&self.stop.0) = true;
        self.stop.1.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl FleetState {
    /// Opens (creating when missing) the state file at `path` for the fleet of `seed`; a file
    /// made for another seed is refused, since its devices are another fleet.
    pub fn open(path: &Path, seed: u64) -> Result<Self, FleetStateError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS fleet (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS device (
                 idx INTEGER PRIMARY KEY, device_id TEXT NOT NULL, enrolled INTEGER NOT NULL,
                 sessions INTEGER NOT NULL, image TEXT NOT NULL);",
        )?;
        let read = |key: &str| -> Result<Option<String>, rusqlite::Error> {
            conn.query_row("SELECT value FROM fleet WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
        };
        match read("schema_version")?.as_deref() {
            None => {
                conn.execute(
                    "INSERT INTO fleet (key, value) VALUES ('schema_version', ?1), ('seed', ?2)",
                    params![SCHEMA_VERSION.to_string(), seed.to_string()],
                )?;
            }
            Some(v) if v == SCHEMA_VERSION.to_string() => {}
            Some(other) => return Err(FleetStateError::Version(other.to_owned())),
        }
        let stored: u64 = read("seed")?
            .and_then(|s| s.parse().ok())
            .ok_or(FleetStateError::Damaged("no seed"))?;
        if stored != seed {
            return Err(FleetStateError::OtherSeed {
                stored,
                asked: seed,
            });
        }
        let checkpoints = Checkpoints::start(path);
        if checkpoints.is_some() {
            // The checkpointing thread does it; closing the last connection checkpoints too.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        Ok(Self {
            _checkpoints: checkpoints,
            conn: Mutex::new(conn),
        })
    }

    /// The row of device `index`, if it has one.
    pub fn load(&self, index: usize) -> Result<Option<DeviceRow>, FleetStateError> {
        let conn = lock(&self.conn);
        let row = conn
            .query_row(
                "SELECT device_id, enrolled, sessions, image FROM device WHERE idx = ?1",
                [index as i64],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        let Some((device_id, enrolled, sessions, image)) = row else {
            return Ok(None);
        };
        Ok(Some(DeviceRow {
            device_id,
            enrolled: enrolled != 0,
            sessions: u64::try_from(sessions).unwrap_or(0),
            image: serde_json::from_str(&image)
                .map_err(|_| FleetStateError::Damaged("a device image is not JSON"))?,
        }))
    }

    /// Writes the row of device `index`.
    pub fn save(&self, index: usize, row: &DeviceRow) -> Result<(), FleetStateError> {
        let image = serde_json::to_string(&row.image)
            .map_err(|_| FleetStateError::Damaged("a device image does not encode"))?;
        lock(&self.conn).execute(
            "INSERT INTO device (idx, device_id, enrolled, sessions, image)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(idx) DO UPDATE SET device_id = ?2, enrolled = ?3, sessions = ?4,
                 image = ?5",
            params![
                index as i64,
                row.device_id,
                i64::from(row.enrolled),
                i64::try_from(row.sessions).unwrap_or(i64::MAX),
                image
            ],
        )?;
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The layout version of the state file.
const SCHEMA_VERSION: u32 = 1;
/// How often the write-ahead log is copied back into the state file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_round_trips() {
        let mut store = DeviceStore::new();
        store.begin().unwrap();
        store.put(InstanceId::DEVICE, "A/B", Some("1")).unwrap();
        let alice = store.create_instance("alice").unwrap();
        store.put(alice, "C", None).unwrap();
        store.set_property("device_id", Some("X")).unwrap();
        store
            .set_record(RecordKey::new("ns", "device", "k"), Some(b"\x00\x01"))
            .unwrap();
        store.commit().unwrap();
        let image = store.image().unwrap();
        let back = DeviceStore::from_image(&image).unwrap();
        assert_eq!(back.image().unwrap(), image);
        assert_eq!(image.nodes.len(), 2);
        assert_eq!(image.records.len(), 1);
    }

    #[test]
    fn a_state_file_keeps_rows_and_refuses_another_seed() {
        let dir = std::env::temp_dir().join(format!("pfw-fleet-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fleet.db");
        let _ = std::fs::remove_file(&path);
        let state = FleetState::open(&path, 7).unwrap();
        let row = DeviceRow {
            device_id: "ABC".to_owned(),
            enrolled: true,
            sessions: 3,
            image: DeviceImage::default(),
        };
        state.save(4, &row).unwrap();
        drop(state);
        let state = FleetState::open(&path, 7).unwrap();
        assert_eq!(state.load(4).unwrap(), Some(row));
        assert_eq!(state.load(5).unwrap(), None);
        assert!(matches!(
            FleetState::open(&path, 8),
            Err(FleetStateError::OtherSeed {
                stored: 7,
                asked: 8
            })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
