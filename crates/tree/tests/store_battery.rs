//! One battery of store tests, run against both backends (`MemoryStore` and `SqliteStore`).

use pfw_tree::store::direct_children;
use pfw_tree::{InstanceId, MemoryStore, RecordKey, SqliteStore, Store, StoreError, Transaction};

const D: InstanceId = InstanceId::DEVICE;

fn put_all(store: &mut dyn Store, entries: &[(&str, Option<&str>)]) {
    store.begin().unwrap();
    for (k, v) in entries {
        store.put(D, k, *v).unwrap();
    }
    store.commit().unwrap();
}

fn dump(store: &dyn Store) -> Vec<(String, Option<String>)> {
    store.descendants(D, "").unwrap()
}

fn put_get_and_subtree_delete(store: &mut dyn Store) {
    put_all(
        store,
        &[
            ("a", None),
            ("a/b", None),
            ("a/b/c", Some("1")),
            ("a/bc", Some("2")),
            ("a/b0", Some("3")),
        ],
    );
    assert_eq!(store.get(D, "a/b/c").unwrap(), Some(Some("1".to_owned())));
    assert_eq!(store.get(D, "a/b").unwrap(), Some(None), "interior node");
    assert_eq!(store.get(D, "a/x").unwrap(), None);
    let below_a: Vec<String> = store
        .descendants(D, "a")
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        below_a,
        ["a/b", "a/b/c", "a/b0", "a/bc"],
        "sorted, strictly below"
    );
    assert_eq!(
        direct_children("a", below_a.iter().map(String::as_str)),
        ["b", "b0", "bc"]
    );
    store.begin().unwrap();
    assert_eq!(
        store.delete_subtree(D, "a/b").unwrap(),
        2,
        "a/b and a/b/c, not its look-alike siblings"
    );
    store.commit().unwrap();
    let keys: Vec<String> = dump(store).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "a/b0", "a/bc"]);
    assert_eq!(store.count(D).unwrap(), 3);
}

fn rollback_and_savepoints(store: &mut dyn Store) {
    put_all(store, &[("x", Some("0"))]);
    let before = dump(store);
    store.begin().unwrap();
    store.put(D, "x", Some("1")).unwrap();
    store.put(D, "y", Some("1")).unwrap();
    store.rollback().unwrap();
    assert_eq!(dump(store), before, "rollback restores everything");

    store.begin().unwrap();
    store.put(D, "x", Some("1")).unwrap();
    store.savepoint().unwrap();
    store.put(D, "x", Some("2")).unwrap();
    store.savepoint().unwrap();
    store.delete_subtree(D, "x").unwrap();
    store.rollback_to_savepoint().unwrap();
    assert_eq!(
        store.get(D, "x").unwrap(),
        Some(Some("2".to_owned())),
        "inner savepoint undone"
    );
    store.rollback_to_savepoint().unwrap();
    assert_eq!(
        store.get(D, "x").unwrap(),
        Some(Some("1".to_owned())),
        "outer savepoint undone"
    );
    store.savepoint().unwrap();
    store.put(D, "z", Some("3")).unwrap();
    store.release_savepoint().unwrap();
    store.commit().unwrap();
    assert_eq!(store.get(D, "x").unwrap(), Some(Some("1".to_owned())));
    assert_eq!(
        store.get(D, "z").unwrap(),
        Some(Some("3".to_owned())),
        "released savepoint kept"
    );
    assert!(matches!(
        store.rollback_to_savepoint(),
        Err(StoreError::NoSavepoint)
    ));
}

fn users_are_separate_instances(store: &mut dyn Store) {
    assert_eq!(store.find_instance(Some("alice")).unwrap(), None);
    assert_eq!(store.find_instance(None).unwrap(), Some(D));
    store.begin().unwrap();
    let alice = store.create_instance("alice").unwrap();
    let bob = store.create_instance("bob").unwrap();
    assert_ne!(alice, bob);
    assert_ne!(alice, D);
    store.put(alice, "k", Some("a")).unwrap();
    store.put(bob, "k", Some("b")).unwrap();
    store.commit().unwrap();
    assert_eq!(store.create_instance("alice").unwrap(), alice, "stable id");
    assert_eq!(store.find_instance(Some("alice")).unwrap(), Some(alice));
    assert_eq!(store.get(alice, "k").unwrap(), Some(Some("a".to_owned())));
    assert_eq!(store.get(bob, "k").unwrap(), Some(Some("b".to_owned())));
    assert_eq!(store.get(D, "k").unwrap(), None);
    assert_eq!(store.users().unwrap(), ["alice", "bob"]);
    store.begin().unwrap();
    store.create_instance("carol").unwrap();
    store.rollback().unwrap();
    assert_eq!(
        store.users().unwrap(),
        ["alice", "bob"],
        "a rolled-back user is gone"
    );
}

fn properties_and_records(store: &mut dyn Store) {
    store.begin().unwrap();
    store.set_property("build", Some("10.0.22631")).unwrap();
    store
        .set_record(RecordKey::new("pin", "alice", "current"), Some(b"hash"))
        .unwrap();
    store
        .set_record(RecordKey::new("pin", "alice", "previous"), Some(b"old"))
        .unwrap();
    store.commit().unwrap();
    assert_eq!(
        store.property("build").unwrap().as_deref(),
        Some("10.0.22631")
    );
    assert_eq!(
        store
            .record(RecordKey::new("pin", "alice", "current"))
            .unwrap()
            .as_deref(),
        Some(&b"hash"[..])
    );
    assert_eq!(
        store.record_keys("pin", "alice").unwrap(),
        ["current", "previous"]
    );
    assert_eq!(
        store.record_keys("pin", "bob").unwrap(),
        Vec::<String>::new()
    );
    store.begin().unwrap();
    store.set_property("build", None).unwrap();
    store
        .set_record(RecordKey::new("pin", "alice", "current"), None)
        .unwrap();
    store.commit().unwrap();
    assert_eq!(store.property("build").unwrap(), None);
    assert_eq!(
        store
            .record(RecordKey::new("pin", "alice", "current"))
            .unwrap(),
        None
    );
}

fn writes_need_a_transaction(store: &mut dyn Store) {
    assert!(matches!(
        store.put(D, "k", Some("v")),
        Err(StoreError::NoTransaction)
    ));
    assert!(matches!(
        store.set_property("p", Some("v")),
        Err(StoreError::NoTransaction)
    ));
    assert_eq!(
        store.get(D, "k").unwrap(),
        None,
        "the refused write left nothing"
    );
    store.begin().unwrap();
    assert!(matches!(store.begin(), Err(StoreError::NestedTransaction)));
    store.rollback().unwrap();
    assert!(matches!(store.commit(), Err(StoreError::NoTransaction)));
}

/// A `Transaction` value commits only when told to; dropped, it rolls back, and the store
/// takes a new transaction afterwards.
fn transactions_roll_back_unless_committed(store: &mut dyn Store) {
    {
        let mut transaction = Transaction::begin(store).unwrap();
        transaction.store().put(D, "dropped", Some("1")).unwrap();
    }
    assert_eq!(
        store.get(D, "dropped").unwrap(),
        None,
        "dropped: rolled back"
    );
    let mut transaction = Transaction::begin(store).unwrap();
    transaction.store().put(D, "kept", Some("2")).unwrap();
    transaction.commit().unwrap();
    assert_eq!(store.get(D, "kept").unwrap(), Some(Some("2".to_owned())));
    assert!(
        matches!(store.commit(), Err(StoreError::NoTransaction)),
        "nothing left open"
    );
}

macro_rules! battery {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[test] fn $name() { super::$name(&mut pfw_tree::MemoryStore::new()); })*
        }
        mod sqlite {
            $(#[test] fn $name() {
                let dir = tempfile::tempdir().unwrap();
                let mut store = pfw_tree::SqliteStore::open(&dir.path().join("state.db")).unwrap();
                super::$name(&mut store);
            })*
        }
    };
}

battery!(
    put_get_and_subtree_delete,
    rollback_and_savepoints,
    users_are_separate_instances,
    properties_and_records,
    writes_need_a_transaction,
    transactions_roll_back_unless_committed
);

#[test]
fn sqlite_persists_across_opens_with_private_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        put_all(&mut store, &[("a", Some("1"))]);
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(D, "a").unwrap(), Some(Some("1".to_owned())));
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["state.db", "state.db-wal"] {
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
}

#[test]
fn sqlite_refuses_foreign_newer_and_garbage_files() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        b"this is not a database, just some bytes that are long enough to matter".repeat(100),
    )
    .unwrap();
    assert!(matches!(
        SqliteStore::open(&garbage),
        Err(StoreError::NotADatabase)
    ));

    let foreign = dir.path().join("foreign.db");
    rusqlite_create(&foreign, "CREATE TABLE t(x)");
    assert!(matches!(
        SqliteStore::open(&foreign),
        Err(StoreError::Foreign { .. })
    ));

    let newer = dir.path().join("newer.db");
    {
        let store = SqliteStore::open(&newer).unwrap();
        drop(store);
    }
    rusqlite_create(&newer, "PRAGMA user_version = 99");
    assert!(matches!(
        SqliteStore::open(&newer),
        Err(StoreError::Version {
            found: 99,
            supported: 1
        })
    ));
}

#[test]
fn memory_store_is_the_reference_for_ordering() {
    let mut memory = MemoryStore::new();
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let entries: Vec<(String, Option<String>)> =
        ["b", "a/é", "a/Z", "a/z", "a/%20", "a/_x", "a.b", "a0"]
            .iter()
            .map(|k| ((*k).to_owned(), Some((*k).to_owned())))
            .collect();
    for store in [&mut memory as &mut dyn Store, &mut sqlite] {
        store.begin().unwrap();
        for (k, v) in &entries {
            store.put(D, k, v.as_deref()).unwrap();
        }
        store.commit().unwrap();
    }
    assert_eq!(
        memory.descendants(D, "a").unwrap(),
        sqlite.descendants(D, "a").unwrap()
    );
    assert_eq!(
        memory.descendants(D, "").unwrap(),
        sqlite.descendants(D, "").unwrap()
    );
}

fn rusqlite_create(path: &std::path::Path, sql: &str) {
    // The test writes raw SQL through the sqlite3 library the store itself links.
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn foreign_databases_are_refused_unchanged() {
    // README "Exit status" 3 (foreign state): another application's database is refused
    // before any write or persistent pragma; journal_mode=WAL would be stored in the header
    // (bytes 18-19, https://www.sqlite.org/fileformat2.html "The Database Header").
    let dir = tempfile::tempdir().unwrap();
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("another application id", "PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES (1);"),
        ("no application id, tables", "CREATE TABLE t(x); INSERT INTO t VALUES (1);"),
        ("no application id, a schema version, no tables", "PRAGMA user_version = 7;"),
        ("another application id, no tables", "PRAGMA application_id = 1234;"),
    ];
    for (i, (line, sql)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("foreign{i}.db"));
        rusqlite_create(&path, sql);
        let before = std::fs::read(&path).unwrap();
        let result = SqliteStore::open(&path);
        assert!(
            matches!(result, Err(StoreError::Foreign { .. })),
            "{line}: {result:?}"
        );
        let after = std::fs::read(&path).unwrap();
        assert_eq!(after[18..20], before[18..20], "{line}: journal mode bytes");
        assert!(after == before, "{line}: the file is unchanged");
        assert!(
            !dir.path().join(format!("foreign{i}.db-wal")).exists(),
            "{line}: no WAL file"
        );
    }
}

#[test]
fn a_newer_pfw_state_is_refused_unchanged() {
    // README "Exit status" 3 (newer schema): refused before anything is written.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(SqliteStore::open(&path).unwrap());
    rusqlite_create(
        &path,
        "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;",
    );
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Version { found: 99, .. })
    ));
    assert!(std::fs::read(&path).unwrap() == before, "unchanged");
}

#[test]
fn oversized_state_entries_are_refused_before_they_are_read() {
    // README "Limits": what is read back from a state is bounded like any other input; an
    // edited state's oversized value is a store error naming it, its size and the limit.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        put_all(&mut store, &[("a", None), ("a/small", Some("1"))]);
        store.begin().unwrap();
        store.set_property("build", Some("10.0.26100")).unwrap();
        store
            .set_record(RecordKey::new("ns", "alice", "pin"), Some(b"hash"))
            .unwrap();
        store.create_instance("bob").unwrap();
        store.commit().unwrap();
    }
    let limits = pfw_tree::StateLimits {
        max_value_bytes: 100,
        max_key_bytes: 50,
        max_record_bytes: 200,
    };
    let big = |n: usize| "x".repeat(n);
    rusqlite_create(
        &path,
        &format!(
            "INSERT INTO nodes VALUES (0, 'a/big', '{}');
             INSERT INTO nodes VALUES (0, 'b/{}', NULL);
             UPDATE properties SET value = '{}' WHERE name = 'build';
             INSERT INTO records VALUES ('ns', 'alice', 'big', x'{}');
             INSERT INTO users (name) VALUES ('{}');",
            big(101),
            big(60),
            big(201),
            "00".repeat(201),
            big(51),
        ),
    );
    let store = SqliteStore::open_with(&path, limits).unwrap();
    let message = |r: Result<String, StoreError>| match r {
        Err(e @ StoreError::TooLarge { .. }) => e.to_string(),
        other => panic!("expected TooLarge, got {other:?}"),
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, String, &str)> = vec![
        ("a value over the limit", message(store.get(D, "a/big").map(|v| format!("{v:?}"))), "the state holds the value of `a/big` in the device's tree of 101 bytes; the limit is 100"),
        ("the same value listed", message(store.descendants(D, "a").map(|v| format!("{v:?}"))), "the state holds the value of `a/big` in the device's tree of 101 bytes; the limit is 100"),
        ("a path over the key limit", message(store.descendants(D, "").map(|v| format!("{v:?}"))), "the state holds the value of `a/big` in the device's tree of 101 bytes; the limit is 100"),
        ("a path over the key limit, alone", message(store.descendants(D, "b").map(|v| format!("{v:?}"))), "the state holds a node path below `b` in the device's tree of 62 bytes; the limit is 50"),
        ("a property", message(store.property("build").map(|v| format!("{v:?}"))), "the state holds the device property `build` of 201 bytes; the limit is 200"),
        ("a record", message(store.record(RecordKey::new("ns", "alice", "big")).map(|v| format!("{v:?}"))), "the state holds the ns record `big` of `alice` of 201 bytes; the limit is 200"),
        ("a user name", message(store.users().map(|v| format!("{v:?}"))), "the state holds a user name of 51 bytes; the limit is 50"),
    ];
    for (line, got, expected) in cases {
        assert_eq!(got, expected, "{line}");
    }
    // Within the limits, everything reads as written.
    assert_eq!(store.get(D, "a/small").unwrap(), Some(Some("1".to_owned())));
    assert_eq!(
        store.record(RecordKey::new("ns", "alice", "pin")).unwrap(),
        Some(b"hash".to_vec())
    );
}
