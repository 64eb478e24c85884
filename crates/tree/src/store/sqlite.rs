//! [`SqliteStore`]: the persistent [`Store`], one SQLite database file (bundled SQLite).
//!
//! Durability and concurrency (DESIGN.md "Data and state"): WAL journal, `synchronous=FULL`,
//! writes in `BEGIN IMMEDIATE` transactions so concurrent processes queue on the write lock
//! (with a busy timeout) instead of failing with "database is locked". The file is created with
//! mode 0600 before SQLite opens it; SQLite gives its `-wal` and `-shm` files the same mode.
//! Creating a fresh state is race-free: the schema is created under the write lock after
//! re-reading the schema version. The schema is versioned (`PRAGMA user_version`) and upgraded
//! step by step.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::StoreError;
use crate::store::{InstanceId, RecordKey, Store, below};

/// The schema version this code writes.
pub const CURRENT_VERSION: i64 = 1;

/// `PRAGMA application_id` of a pfw state file (`pfw!`).
pub const APPLICATION_ID: i64 = 0x7066_7721;

/// How long a process waits for another's write transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Bounds on what is read back from a state file. A state is a file on disk that anyone may
/// have edited, so what it holds is untrusted input like any other: each stored text or record
/// is measured in SQL (`octet_length`, which SQLite answers without reading the content) and
/// refused, with its name, size and limit, before it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateLimits {
    /// Longest node value read (pfw writes at most the message value limit, 64 KiB).
    pub max_value_bytes: usize,
    /// Longest node key (percent-encoded path) or property name or user name read.
    pub max_key_bytes: usize,
    /// Longest CSP record or device property read (PIN hashes, an enrollment's certificates).
    pub max_record_bytes: usize,
}

impl StateLimits {
    /// The bounds `SqliteStore::open` uses: the value limit of `pfw_syncml::Limits::DEFAULT`
    /// (a test checks they agree), keys up to 4 KiB (a 1,024-byte URI percent-encoded), records
    /// up to 1 MiB.
    pub const DEFAULT: Self = Self {
        max_value_bytes: 64 * 1024,
        max_key_bytes: 4 * 1024,
        max_record_bytes: 1024 * 1024,
    };
}

/// A store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    savepoints: usize,
    limits: StateLimits,
}

impl SqliteStore {
    /// Opens the state at `path`, creating the file (mode 0600) and its schema when missing,
    /// and upgrading an older schema.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, StateLimits::DEFAULT)
    }

    /// [`SqliteStore::open`] with bounds of its own on what is read back.
    pub fn open_with(path: &Path, limits: StateLimits) -> Result<Self, StoreError> {
        create_private_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mut store = Self {
            conn,
            path: path.to_owned(),
            savepoints: 0,
            limits,
        };
        store.prepare()?;
        Ok(store)
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `PRAGMA integrity_check` and returns its report (`["ok"]` when sound).
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn prepare(&mut self) -> Result<(), StoreError> {
        // Whose file it is is decided from reads alone, before anything that writes or
        // persists (journal_mode=WAL is stored in the file's header, bytes 18-19): a foreign
        // database is refused exactly as it was found.
        // One statement, so one snapshot: a process creating the schema meanwhile is seen
        // either before its commit or after.
        let (app_id, version, tables): (i64, i64, i64) = self
            .conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id),
                        (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_master WHERE type = 'table')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(not_a_database)?;
        let ours = match app_id {
            APPLICATION_ID => true,
            // pfw sets the application id and the first schema version in one transaction,
            // so a file without the id is pfw's only when it is still empty.
            0 => version == 0 && tables == 0,
            _ => false,
        };
        if !ours {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        if version > CURRENT_VERSION {
            return Err(StoreError::Version {
                found: version,
                supported: CURRENT_VERSION,
            });
        }
        let mode = enable_wal(&self.conn)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Journal { mode });
        }
        self.conn
            .execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;")?;
        let version = self.version()?;
        if version == CURRENT_VERSION {
            return Ok(());
        }
        if version > CURRENT_VERSION {
            return Err(StoreError::Version {
                found: version,
                supported: CURRENT_VERSION,
            });
        }
        // Upgrade (or create) under the write lock, re-reading the version once it is held.
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = self.upgrade();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT")?,
            Err(_) => {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
        }
        result
    }

    fn version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn upgrade(&mut self) -> Result<(), StoreError> {
        let mut version = self.version()?;
        if version > CURRENT_VERSION {
            return Err(StoreError::Version {
                found: version,
                supported: CURRENT_VERSION,
            });
        }
        if version == 0 && self.has_tables()? {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        while version < CURRENT_VERSION {
            schema_up(&self.conn, version)?;
            version += 1;
            self.conn
                .execute_batch(&format!("PRAGMA user_version = {version}"))?;
        }
        self.conn
            .execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
        Ok(())
    }

    fn has_tables(&self) -> Result<bool, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    fn in_transaction(&self) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            Err(StoreError::NoTransaction)
        } else {
            Ok(())
        }
    }
}

/// One step of the schema: from `version` to `version + 1`.
fn schema_up(conn: &Connection, version: i64) -> Result<(), StoreError> {
    match version {
        0 => conn.execute_batch(
            "CREATE TABLE users (
                 id INTEGER PRIMARY KEY,
                 name TEXT NOT NULL UNIQUE
             );
             CREATE TABLE nodes (
                 instance INTEGER NOT NULL,
                 path TEXT NOT NULL,
                 value TEXT,
                 PRIMARY KEY (instance, path)
             ) WITHOUT ROWID;
             CREATE TABLE properties (
                 name TEXT PRIMARY KEY,
                 value TEXT NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE records (
                 namespace TEXT NOT NULL,
                 owner TEXT NOT NULL,
                 key TEXT NOT NULL,
                 value BLOB NOT NULL,
                 PRIMARY KEY (namespace, owner, key)
             ) WITHOUT ROWID;",
        )?,
        other => {
            return Err(StoreError::Version {
                found: other,
                supported: CURRENT_VERSION,
            });
        }
    }
    Ok(())
}

/// Switches the file to WAL (a no-op once it is) and returns the journal mode in force.
///
/// Switching needs the write lock once per file. SQLite does not call the busy handler here:
/// the pragma holds a read lock while it asks for the write lock, and SQLite answers
/// `SQLITE_BUSY` at once rather than risk a deadlock. Concurrent first openers of a fresh file
/// would then fail with "database is locked", so the pragma is retried until
/// [`BUSY_TIMEOUT`].
fn enable_wal(conn: &Connection) -> Result<String, StoreError> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy && Instant::now() < deadline =>
            {
                std::thread::sleep(WAL_RETRY_PAUSE);
            }
            other => return Ok(other?),
        }
    }
}

/// Creates `path` with mode 0600 if it does not exist (never truncates; safe when several
/// processes race to create it).
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|source| StoreError::Io {
            path: path.to_owned(),
            source,
        })
}

/// A limit as SQL sees it.
fn limit(max: usize) -> i64 {
    i64::try_from(max).unwrap_or(i64::MAX)
}

/// Refuses a stored item of `len` bytes over `max`, naming it.
fn within(len: Option<i64>, max: usize, what: impl FnOnce() -> String) -> Result<(), StoreError> {
    let len = u64::try_from(len.unwrap_or(0)).unwrap_or(0);
    if len > u64::try_from(max).unwrap_or(u64::MAX) {
        return Err(StoreError::TooLarge {
            what: what(),
            len,
            max,
        });
    }
    Ok(())
}

/// How a tree instance is named in errors.
fn instance_name(instance: InstanceId) -> String {
    if instance == InstanceId::DEVICE {
        "the device's tree".to_owned()
    } else {
        format!("user tree {}", instance.0)
    }
}

/// How a stored node is named in errors.
fn node_name(instance: InstanceId, key: &str) -> String {
    format!("the value of `{key}` in {}", instance_name(instance))
}

fn not_a_database(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            StoreError::NotADatabase
        }
        other => StoreError::Sqlite(other),
    }
}

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            return Err(StoreError::NestedTransaction);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.savepoints = 0;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.in_transaction()?;
        self.conn.execute_batch("COMMIT")?;
        self.savepoints = 0;
        Ok(())
    }

    fn rollback(&mut self) -> Result<(), StoreError> {
        self.in_transaction()?;
        self.conn.execute_batch("ROLLBACK")?;
        self.savepoints = 0;
        Ok(())
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.in_transaction()?;
        self.savepoints += 1;
        self.conn
            .execute_batch(&format!("SAVEPOINT sp{}", self.savepoints))?;
        Ok(())
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        if self.savepoints == 0 {
            return Err(StoreError::NoSavepoint);
        }
        self.conn
            .execute_batch(&format!("RELEASE sp{}", self.savepoints))?;
        self.savepoints -= 1;
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        if self.savepoints == 0 {
            return Err(StoreError::NoSavepoint);
        }
        let n = self.savepoints;
        self.conn
            .execute_batch(&format!("ROLLBACK TO sp{n}; RELEASE sp{n}"))?;
        self.savepoints -= 1;
        Ok(())
    }

    fn find_instance(&self, user: Option<&str>) -> Result<Option<InstanceId>, StoreError> {
        let Some(user) = user else {
            return Ok(Some(InstanceId::DEVICE));
        };
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM users WHERE name = ?1")?
            .query_row([user], |r| r.get(0))
            .optional()?
            .map(InstanceId))
    }

    fn create_instance(&mut self, user: &str) -> Result<InstanceId, StoreError> {
        if let Some(id) = self.find_instance(Some(user))? {
            return Ok(id);
        }
        self.in_transaction()?;
        self.conn
            .prepare_cached("INSERT INTO users (name) VALUES (?1)")?
            .execute([user])?;
        Ok(InstanceId(self.conn.last_insert_rowid()))
    }

    fn users(&self) -> Result<Vec<String>, StoreError> {
        let max = self.limits.max_key_bytes;
        let mut stmt = self.conn.prepare_cached(
            "SELECT octet_length(name), CASE WHEN octet_length(name) <= ?1 THEN name END
             FROM users ORDER BY name",
        )?;
        let rows = stmt.query_map([limit(max)], |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (len, name) = row?;
            within(len, max, || "a user name".to_owned())?;
            out.push(name.unwrap_or_default());
        }
        Ok(out)
    }

    fn get(&self, instance: InstanceId, key: &str) -> Result<Option<Option<String>>, StoreError> {
        let max = self.limits.max_value_bytes;
        let row = self
            .conn
            .prepare_cached(
                "SELECT octet_length(value), CASE WHEN octet_length(value) <= ?3 THEN value END
                 FROM nodes WHERE instance = ?1 AND path = ?2",
            )?
            .query_row(params![instance.0, key, limit(max)], |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((len, value)) => {
                within(len, max, || node_name(instance, key))?;
                Ok(Some(value))
            }
        }
    }

    fn put(
        &mut self,
        instance: InstanceId,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError> {
        self.in_transaction()?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO nodes (instance, path, value) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![instance.0, key, value])?;
        Ok(())
    }

    fn delete_subtree(&mut self, instance: InstanceId, key: &str) -> Result<usize, StoreError> {
        self.in_transaction()?;
        let removed = match below(key) {
            (_, None) => self.conn.prepare_cached("DELETE FROM nodes WHERE instance = ?1")?.execute([instance.0])?,
            (low, Some(high)) => self
                .conn
                .prepare_cached("DELETE FROM nodes WHERE instance = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))")?
                .execute(params![instance.0, key, low, high])?,
        };
        Ok(removed)
    }

    fn descendants(
        &self,
        instance: InstanceId,
        key: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        // Each row's path and value are measured before they are read (StateLimits).
        const COLUMNS: &str =
            "octet_length(path), CASE WHEN octet_length(path) <= ?2 THEN path END,
             octet_length(value), CASE WHEN octet_length(value) <= ?3 THEN value END";
        let (max_key, max_value) = (self.limits.max_key_bytes, self.limits.max_value_bytes);
        let map = |r: &rusqlite::Row<'_>| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        };
        let mut stmt;
        let rows = match below(key) {
            (_, None) => {
                stmt = self.conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM nodes WHERE instance = ?1 ORDER BY path"
                ))?;
                stmt.query_map(params![instance.0, limit(max_key), limit(max_value)], map)?
            }
            (low, Some(high)) => {
                stmt = self.conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM nodes WHERE instance = ?1 AND path >= ?4 AND path < ?5 ORDER BY path"
                ))?;
                stmt.query_map(
                    params![instance.0, limit(max_key), limit(max_value), low, high],
                    map,
                )?
            }
        };
        let mut out = Vec::new();
        for row in rows {
            let (key_len, path, value_len, value) = row?;
            within(Some(key_len), max_key, || {
                format!("a node path below `{key}` in {}", instance_name(instance))
            })?;
            let path = path.unwrap_or_default();
            within(value_len, max_value, || node_name(instance, &path))?;
            out.push((path, value));
        }
        Ok(out)
    }

    fn count(&self, instance: InstanceId) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM nodes WHERE instance = ?1")?
            .query_row([instance.0], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn property(&self, name: &str) -> Result<Option<String>, StoreError> {
        let max = self.limits.max_record_bytes;
        let row = self
            .conn
            .prepare_cached(
                "SELECT octet_length(value), CASE WHEN octet_length(value) <= ?2 THEN value END
                 FROM properties WHERE name = ?1",
            )?
            .query_row(params![name, limit(max)], |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((len, value)) => {
                within(len, max, || format!("the device property `{name}`"))?;
                Ok(value)
            }
        }
    }

    fn set_property(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.in_transaction()?;
        match value {
            Some(v) => self
                .conn
                .prepare_cached("INSERT OR REPLACE INTO properties (name, value) VALUES (?1, ?2)")?
                .execute([name, v])?,
            None => self
                .conn
                .prepare_cached("DELETE FROM properties WHERE name = ?1")?
                .execute([name])?,
        };
        Ok(())
    }

    fn record(&self, at: RecordKey<'_>) -> Result<Option<Vec<u8>>, StoreError> {
        let RecordKey {
            namespace,
            owner,
            key,
        } = at;
        let max = self.limits.max_record_bytes;
        let row = self
            .conn
            .prepare_cached(
                "SELECT octet_length(value), CASE WHEN octet_length(value) <= ?4 THEN value END
                 FROM records WHERE namespace = ?1 AND owner = ?2 AND key = ?3",
            )?
            .query_row(params![namespace, owner, key, limit(max)], |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((len, value)) => {
                within(len, max, || at.to_string())?;
                Ok(value)
            }
        }
    }

    fn set_record(&mut self, at: RecordKey<'_>, value: Option<&[u8]>) -> Result<(), StoreError> {
        self.in_transaction()?;
        let RecordKey {
            namespace,
            owner,
            key,
        } = at;
        match value {
            Some(v) => self
                .conn
                .prepare_cached("INSERT OR REPLACE INTO records (namespace, owner, key, value) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![namespace, owner, key, v])?,
            None => self
                .conn
                .prepare_cached("DELETE FROM records WHERE namespace = ?1 AND owner = ?2 AND key = ?3")?
                .execute([namespace, owner, key])?,
        };
        Ok(())
    }

    fn record_keys(&self, namespace: &str, owner: &str) -> Result<Vec<String>, StoreError> {
        let max = self.limits.max_key_bytes;
        let mut stmt = self.conn.prepare_cached(
            "SELECT octet_length(key), CASE WHEN octet_length(key) <= ?3 THEN key END
             FROM records WHERE namespace = ?1 AND owner = ?2 ORDER BY key",
        )?;
        let rows = stmt.query_map(params![namespace, owner, limit(max)], |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (len, key) = row?;
            within(len, max, || {
                format!("a {namespace} record name of `{owner}`")
            })?;
            out.push(key.unwrap_or_default());
        }
        Ok(out)
    }
}

/// Pause between two attempts to switch a fresh file to WAL.
const WAL_RETRY_PAUSE: Duration = Duration::from_millis(2);
