//! The state file's hygiene: private modes, clear refusals of a damaged or foreign state,
//! unreadable inputs, and messages refused whole leaving the state untouched.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use pfw_tree::SqliteStore;

use crate::support::{DEVICE_ROOT, Msg, READING_COMMANDS, Run, TestDevice, assert_contains};

#[test]
fn a_fresh_state_and_its_wal_are_private() {
    let device = TestDevice::new();
    assert!(!device.state().exists());
    // A command that changes the device creates the state (`device show` no longer does: a
    // read-only command refuses a state path that does not exist, README "State").
    let set = device.run(&["device", "tpm", "2.0"]);
    assert_eq!(set.code, Some(0), "{set:?}");
    assert_eq!(mode(device.state()), 0o600);

    // A process that dies after its commit leaves its -wal and -shm as it made them.
    let file = device.file(
        "m.xml",
        Msg::new()
            .device("UsePassportForWork", "bool", "true")
            .build(),
    );
    let output = device
        .cmd()
        .env("PFW_FAILPOINT", "after-commit")
        .arg("apply")
        .arg(&file)
        .output()
        .expect("pfw runs");
    assert!(output.status.signal().is_some(), "{output:?}");
    for suffix in ["-wal", "-shm"] {
        let path = device.state().with_file_name(format!("state.db{suffix}"));
        assert!(path.exists(), "{suffix} is left behind");
        assert_eq!(mode(&path), 0o600, "{suffix}");
    }
    assert_eq!(mode(device.state()), 0o600);
}

#[test]
fn a_state_that_is_not_a_pfw_database_exits_3_with_one_line() {
    let device = TestDevice::new();
    // Bytes that are no database at all.
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    device.file("state.db", garbage);
    let before = std::fs::read(device.state()).expect("readable");

    for args in [
        &["device", "show"][..],
        &["tree"],
        &["policy"],
        &["get", DEVICE_ROOT],
    ] {
        let run = device.run(args);
        assert_eq!(run.code, Some(3), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {run:?}");
        assert_contains(&run.stderr, "not a SQLite database");
    }
    let apply = device.apply(&Msg::new().build(), &[]);
    assert_eq!(apply.code, Some(3), "{apply:?}");
    assert_eq!(
        std::fs::read(device.state()).expect("readable"),
        before,
        "the garbage file is not changed"
    );
}

#[test]
fn another_programs_sqlite_database_exits_3() {
    let device = TestDevice::new();
    let conn = rusqlite::Connection::open(device.state()).expect("a database");
    conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);")
        .expect("a table");
    drop(conn);
    let run = device.run(&["tree"]);
    assert_eq!(run.code, Some(3), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

#[test]
fn an_unreadable_input_exits_2() {
    let device = TestDevice::new();
    let missing = device.dir().join("no-such-message.xml");
    let dir = device.dir().to_str().expect("UTF-8").to_owned();
    for input in [missing.to_str().expect("UTF-8"), dir.as_str()] {
        let run = device.run(&["apply", input]);
        assert_eq!(run.code, Some(2), "{input}: {run:?}");
        assert!(run.stderr.starts_with("pfw: cannot read"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

#[test]
fn a_message_refused_whole_exits_2_and_changes_nothing() {
    let device = TestDevice::new();
    device.set("PINComplexity/MinimumPINLength", "int", "6");
    let before = device.dump();
    let tree_before = device.tree(None);
    let valid = Msg::new()
        .replace_device("PINComplexity/MinimumPINLength", "int", "9")
        .device("UsePassportForWork", "bool", "true")
        .build();
    let not_utf8 = {
        let (head, tail) = valid
            .split_once("<Data>9</Data>")
            .expect("the value is there");
        [head.as_bytes(), b"<Data>\xFF</Data>", tail.as_bytes()].concat()
    };
    let cases: [(&str, Vec<u8>); 4] = [
        // DESIGN.md "Untrusted input": no DTD.
        (
            "a DOCTYPE",
            format!("<!DOCTYPE SyncML [<!ENTITY x \"y\">]>\n{valid}").into_bytes(),
        ),
        // Not well-formed: the root is never closed.
        ("truncated", valid.replace("</SyncML>", "").into_bytes()),
        // The wrong root element.
        (
            "wrong root",
            valid
                .replace("<SyncML", "<SyncMLx")
                .replace("</SyncML>", "</SyncMLx>")
                .into_bytes(),
        ),
        // A byte that is not UTF-8 in a value.
        ("not UTF-8", not_utf8),
    ];
    for (what, bytes) in cases {
        let file = device.file("refused.xml", &bytes);
        let run = device.run(&["apply", file.to_str().expect("UTF-8")]);
        assert_eq!(run.code, Some(2), "{what}: {run:?}");
        assert!(run.stdout.is_empty(), "{what}: no response: {run:?}");
        assert!(
            run.stderr
                .starts_with("pfw: message refused, nothing applied"),
            "{what}: {run:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{what}: {run:?}");
        assert_eq!(device.dump(), before, "{what}");
        assert_eq!(device.tree(None), tree_before, "{what}");
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("the file exists")
        .permissions()
        .mode()
        & 0o777
}

/// A command that only reads writes nothing (README "State"): on a state whose device
/// identifier is not generated yet, `get`, `tree`, `policy`, `device show` and `pin status`
/// leave it so and store nothing; the first command that changes the device generates it.
#[test]
fn reading_commands_write_nothing_to_a_fresh_state() {
    let device = TestDevice::existing();
    for args in READING_COMMANDS {
        let run = device.run(args);
        assert_eq!(run.code, Some(0), "{args:?}: {run:?}");
    }
    let store = SqliteStore::open(device.state()).expect("the state opens");
    assert_eq!(pfw_devinfo::device_id(&store).unwrap(), None);
    assert!(device.dump().is_empty(), "{:?}", device.dump());
    drop(store);
    assert_eq!(device.run(&["device", "tpm", "none"]).code, Some(0));
    let store = SqliteStore::open(device.state()).expect("the state opens");
    assert!(pfw_devinfo::device_id(&store).unwrap().is_some());
}

/// Without `--state` or `PFW_STATE`, a command that only reads does not create the per-user
/// state (nor its directory); one that changes the device does.
#[test]
fn reading_commands_do_not_create_the_default_state() {
    let device = TestDevice::new();
    let data = device.dir().join("data");
    let run = |args: &[&str]| {
        let mut cmd = device.cmd();
        cmd.env_remove("PFW_STATE")
            .env("XDG_DATA_HOME", &data)
            .env("HOME", device.dir());
        Run::from(cmd.args(args).output().expect("pfw runs"))
    };
    let get = run(&["get", "./DevDetail/SwV"]);
    assert_eq!(get.code, Some(3), "{get:?}");
    assert_contains(&get.stderr, "no such file");
    assert!(!data.exists(), "nothing created");
    assert_eq!(run(&["device", "tpm", "none"]).code, Some(0));
    assert!(data.join("pfw/state.db").exists());
    assert_eq!(run(&["get", "./DevDetail/SwV"]).code, Some(0));
}
