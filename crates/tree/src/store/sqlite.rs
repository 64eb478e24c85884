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
use crate::store::{InstanceId, Store, below};

/// The schema version this code writes.
pub const CURRENT_VERSION: i64 = 1;

/// `PRAGMA application_id` of a pfw state file (`pfw!`).
pub const APPLICATION_ID: i64 = 0x7066_7721;

/// How long a process waits for another's write transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    savepoints: usize,
}

impl SqliteStore {
    /// Opens the state at `path`, creating the file (mode 0600) and its schema when missing,
    /// and upgrading an older schema.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
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
        let app_id: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(not_a_database)?;
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
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
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn get(&self, instance: InstanceId, key: &str) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM nodes WHERE instance = ?1 AND path = ?2")?
            .query_row(params![instance.0, key], |r| r.get(0))
            .optional()?)
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
        let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let rows: Vec<(String, Option<String>)> = match below(key) {
            (_, None) => self
                .conn
                .prepare_cached("SELECT path, value FROM nodes WHERE instance = ?1 ORDER BY path")?
                .query_map([instance.0], map)?
                .collect::<Result<_, _>>()?,
            (low, Some(high)) => self
                .conn
                .prepare_cached("SELECT path, value FROM nodes WHERE instance = ?1 AND path >= ?2 AND path < ?3 ORDER BY path")?
                .query_map(params![instance.0, low, high], map)?
                .collect::<Result<_, _>>()?,
        };
        Ok(rows)
    }

    fn count(&self, instance: InstanceId) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM nodes WHERE instance = ?1")?
            .query_row([instance.0], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn property(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM properties WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
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

    fn record(
        &self,
        namespace: &str,
        owner: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT value FROM records WHERE namespace = ?1 AND owner = ?2 AND key = ?3",
            )?
            .query_row([namespace, owner, key], |r| r.get(0))
            .optional()?)
    }

    fn set_record(
        &mut self,
        namespace: &str,
        owner: &str,
        key: &str,
        value: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.in_transaction()?;
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
        let mut stmt = self.conn.prepare_cached(
            "SELECT key FROM records WHERE namespace = ?1 AND owner = ?2 ORDER BY key",
        )?;
        let rows = stmt.query_map([namespace, owner], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Pause between two attempts to switch a fresh file to WAL.
const WAL_RETRY_PAUSE: Duration = Duration::from_millis(2);
