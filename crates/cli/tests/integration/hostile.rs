//! Hostile input through the real binary: messages refused whole (exit 2, one line on stderr
//! naming what is wrong, nothing on stdout, the state unchanged), an oversized message file,
//! duplicate CmdIDs (both answered, and `lint` flags them), damaged or foreign state files
//! (exit 3), and an oversized PIN on standard input. The engine-level corpus, with every
//! outcome pinned on both backends, is `crates/passport/tests/hostile.rs`.

use crate::support::{Msg, Run, TENANT, TestDevice, assert_contains, codes, device_policy};

/// `pfw --state STATE ARGS` on another state file than the device's own.
fn run_on(device: &TestDevice, state: &std::path::Path, args: &[&str]) -> Run {
    let output = assert_cmd::Command::cargo_bin("pfw")
        .expect("the pfw binary is built")
        .arg("--state")
        .arg(state)
        .args(args)
        .current_dir(device.dir())
        .env_remove("PFW_STATE")
        .env_remove("PFW_FAILPOINT")
        .env("NO_COLOR", "1")
        .output()
        .expect("pfw runs");
    Run::from(output)
}

/// A device holding some policy, and its logical dump.
fn prepared() -> (TestDevice, Vec<pfw_tree::DumpRow>) {
    let device = TestDevice::new();
    let setup = Msg::new()
        .device("UsePassportForWork", "bool", "true")
        .device("PINComplexity/MinimumPINLength", "int", "8")
        .build();
    device.apply_ok(&setup, &[]);
    let dump = device.dump();
    assert_eq!(
        dump.len(),
        5,
        "tenant, Policies, leaf, PINComplexity, leaf: {dump:?}"
    );
    (device, dump)
}

/// A message without SyncHdr around `body`.
fn message(body: &str) -> Vec<u8> {
    pfw_testdata::message(body).into_bytes()
}

/// An Add of History (not in the prepared state) with `data` as its Data, raw bytes.
fn history_add(data: &[u8]) -> Vec<u8> {
    let uri = device_policy(TENANT, "PINComplexity/History");
    let head = format!("<Add><CmdID>1</CmdID><Item><Target><LocURI>{uri}</LocURI></Target><Data>");
    let mut body = head.into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"</Data></Item></Add>");
    let mut out = b"<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody>".to_vec();
    out.extend(body);
    out.extend_from_slice(b"<Final/></SyncBody></SyncML>");
    out
}

#[test]
fn refused_messages_exit_2_with_one_line_and_change_nothing() {
    let (device, before) = prepared();
    let laughs = concat!(
        "<!DOCTYPE SyncML [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>",
        "<SyncML><SyncBody><Alert><CmdID>1</CmdID><Data>&b;</Data></Alert></SyncBody></SyncML>"
    );
    let seed_cut = {
        let full = message(&format!(
            "<Add><CmdID>1</CmdID><Item><Target><LocURI>{}</LocURI></Target><Data>5</Data></Item></Add>",
            device_policy(TENANT, "PINComplexity/History")
        ));
        full[..full.len() / 2].to_vec()
    };
    // (name, message, what the one line on stderr says): DecodeError's own words, from
    // crates/syncml/src/error.rs; README "Exit status": 2 for a message refused whole.
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "DOCTYPE",
            laughs.as_bytes().to_vec(),
            "a DOCTYPE declaration is not allowed",
        ),
        (
            "undeclared entity",
            history_add(b"&x;"),
            "entity reference &x; is not one of the five predefined entities",
        ),
        ("not UTF-8", history_add(b"5\xFF"), "input is not UTF-8"),
        (
            "NUL byte",
            history_add(b"5\0"),
            "character U+0000 is not allowed in XML 1.0",
        ),
        ("truncated", seed_cut, "input ends before"),
        (
            "wrong root",
            b"<html/>".to_vec(),
            "root element is <html>, not <SyncML>",
        ),
        (
            "wrong namespace",
            b"<SyncML xmlns=\"SYNCML:SYNCML1.1\"><SyncBody/></SyncML>".to_vec(),
            "root namespace \"SYNCML:SYNCML1.1\" is not SYNCML:SYNCML1.2",
        ),
        (
            "too deep",
            message(&"<Sequence>".repeat(40)),
            "is nested deeper than the limit of 32 levels",
        ),
        (
            "too many items",
            message(&format!(
                "<Add><CmdID>1</CmdID>{}</Add>",
                "<Item/>".repeat(10_001)
            )),
            "more than 10000 items",
        ),
        (
            "text too long",
            history_add(&vec![b'5'; 1024 * 1024 + 1]),
            "is longer than the limit of 1048576 bytes",
        ),
        ("empty file", Vec::new(), "no root element"),
    ];
    for (name, input, words) in cases {
        let path = device.file("hostile.xml", &input);
        let run = device.run(&["apply", path.to_str().expect("a UTF-8 path")]);
        assert_eq!(run.code, Some(2), "{name}: {run:?}");
        assert!(
            run.stdout.is_empty(),
            "{name}: no response for a refused message: {run:?}"
        );
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: one line: {run:?}");
        assert!(lines[0].starts_with("pfw: "), "{name}: {run:?}");
        assert!(
            lines[0].contains(words),
            "{name}: {:?} does not say {words:?}",
            lines[0]
        );
        assert_eq!(device.dump(), before, "{name}: the state changed");
    }
}

#[test]
fn a_message_file_over_4_mib_is_refused_before_it_is_read_whole() {
    let (device, before) = prepared();
    // 64 MiB of zeros: were it parsed, it would be refused for its NUL bytes instead.
    let path = device.file("huge.xml", vec![0u8; 64 * 1024 * 1024]);
    let run = device.run(&["apply", path.to_str().expect("a UTF-8 path")]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert_contains(&run.stderr, "over the limit of 4194304 bytes");
    assert_eq!(device.dump(), before);
}

#[test]
fn duplicate_cmd_ids_are_both_answered_and_lint_flags_them() {
    let (device, _) = prepared();
    let uri = device_policy(TENANT, "PINComplexity/History");
    let twice = String::from_utf8(message(&format!(
        "<Add><CmdID>7</CmdID><Item><Target><LocURI>{uri}</LocURI></Target><Data>5</Data></Item></Add>\
         <Replace><CmdID>7</CmdID><Item><Target><LocURI>{uri}</LocURI></Target><Data>6</Data></Item></Replace>"
    )))
    .expect("UTF-8");
    // Decision (README): a CmdID is the server's label; both commands run and are answered.
    let run = device.apply(&twice, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(codes(&run.stdout), [200, 200]);
    let file = device.file("twice.xml", &twice);
    let lint = device.run(&["lint", file.to_str().expect("a UTF-8 path")]);
    assert_contains(&lint.stdout, "duplicate-cmd-id");
}

#[test]
fn damaged_or_foreign_state_files_exit_3_with_one_line() {
    let device = TestDevice::new();
    let message = Msg::new()
        .device("UsePassportForWork", "bool", "true")
        .build();
    let message_path = device.file("m.xml", message);
    let foreign = device.dir().join("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).expect("a database");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("a foreign table");
    }
    let newer = device.dir().join("newer.db");
    std::fs::copy(device.state(), &newer).ok();
    {
        let conn = rusqlite::Connection::open(&newer).expect("a database");
        conn.execute_batch("PRAGMA application_id = 1885763361; PRAGMA user_version = 99;")
            .expect("a newer version");
    }
    let garbage = device.file("garbage.db", b"SQLite format 3\0".repeat(512));
    let half = device.dir().join("half.db");
    {
        let good = TestDevice::new();
        good.apply_ok(
            &String::from_utf8(std::fs::read(&message_path).expect("m")).expect("UTF-8"),
            &[],
        );
        let bytes = std::fs::read(good.state()).expect("a state");
        std::fs::write(&half, &bytes[..bytes.len() / 2]).expect("half a state");
    }
    // README "Exit status": 3 when the state could not be read or written.
    for (name, path) in [
        (
            "random bytes",
            device.file(
                "random.db",
                (0..40_000u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect::<Vec<u8>>(),
            ),
        ),
        ("SQLite header then garbage", garbage),
        ("a foreign database", foreign),
        ("a newer schema", newer),
        ("half a state file", half),
    ] {
        for args in [
            vec!["apply", message_path.to_str().expect("UTF-8")],
            vec!["policy"],
            vec!["tree"],
        ] {
            let run = run_on(&device, &path, &args);
            // `policy` and `tree` on half a state may still read what is there; a write or a
            // read that reaches a missing page fails with 3. Never a panic (101) or a signal.
            assert!(
                matches!(run.code, Some(0) | Some(3)),
                "{name} {args:?}: {run:?}"
            );
            if run.code == Some(3) {
                assert_eq!(run.stderr.lines().count(), 1, "{name} {args:?}: {run:?}");
                assert!(run.stderr.starts_with("pfw: "), "{name} {args:?}: {run:?}");
            }
            if name != "half a state file" {
                assert_eq!(run.code, Some(3), "{name} {args:?}: {run:?}");
            }
        }
    }
}

#[test]
fn a_pin_of_a_megabyte_on_stdin_is_one_violation_not_a_crash() {
    let (device, _) = prepared();
    let pin = "7".repeat(1024 * 1024);
    let run = device.run_with_stdin(&["pin", "check", "--user", "alice"], &pin);
    // README Limits: 4 KiB read, 1,024 bytes checked; too long is a violation (exit 1).
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        !run.stdout.contains(&pin[..4096]),
        "the PIN is never echoed"
    );
}

#[test]
fn a_foreign_database_is_refused_exactly_as_it_was() {
    // README "Exit status" 3 (foreign): refused before any write or persistent pragma, so the
    // file is byte for byte as it was (journal_mode=WAL would be stored in header bytes 18-19).
    let device = TestDevice::new();
    let foreign = device.dir().join("other-app.db");
    {
        let conn = rusqlite::Connection::open(&foreign).expect("a database");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("a foreign table");
    }
    let before = std::fs::read(&foreign).expect("the file");
    for args in [vec!["tree"], vec!["policy"], vec!["device", "show"]] {
        let run = run_on(&device, &foreign, &args);
        assert_eq!(run.code, Some(3), "{args:?}: {run:?}");
        let after = std::fs::read(&foreign).expect("the file");
        assert_eq!(
            after[18..20],
            before[18..20],
            "{args:?}: journal mode bytes"
        );
        assert!(after == before, "{args:?}: the file is unchanged");
    }
}

#[test]
fn an_oversized_value_in_an_edited_state_is_a_state_error() {
    // README "Limits": a value read back from the state over the value limit (64 KiB) is a
    // store error naming the node, its size and the limit (exit 3), never read whole.
    let (device, _) = prepared();
    {
        let conn = rusqlite::Connection::open(device.state()).expect("the state");
        conn.execute(
            "UPDATE nodes SET value = ?1 WHERE path LIKE '%UsePassportForWork'",
            ["t".repeat(65 * 1024)],
        )
        .expect("an edited value");
    }
    for args in [vec!["tree"], vec!["policy"]] {
        let run = device.run(&args);
        assert_eq!(run.code, Some(3), "{args:?}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("UsePassportForWork")
                && run.stderr.contains("66560 bytes")
                && run.stderr.contains("the limit is 65536"),
            "{args:?}: {run:?}"
        );
    }
}

#[test]
fn a_ddf_with_an_unusable_pattern_exits_2_naming_node_and_pattern() {
    // README "Limits": a DDF RegEx the engine cannot compile, or past the pattern bounds,
    // refuses the DDF (exit 2) with one line naming the node and the pattern.
    let device = TestDevice::new();
    let ddf = |pattern: &str| {
        format!(
            "<MgmtTree xmlns:MSFT=\"http://schemas.microsoft.com/MobileDevice/DM\"><VerDTD>1.2</VerDTD>\
             <Node><NodeName>PassportForWork</NodeName><Path>./Device/Vendor/MSFT</Path><DFProperties>\
             <AccessType><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope></DFProperties>\
             <Node><NodeName>Leaf</NodeName><DFProperties><AccessType><Add/><Get/></AccessType>\
             <DFFormat><chr/></DFFormat><Scope><Dynamic/></Scope>\
             <MSFT:AllowedValues ValueType=\"RegEx\"><MSFT:Value>{pattern}</MSFT:Value></MSFT:AllowedValues>\
             </DFProperties></Node></Node></MgmtTree>"
        )
    };
    for pattern in ["((((", r"(a)\1", r"[\p{L}\p{N}]{200}N"] {
        let file = device.file("bad.xml", ddf(pattern));
        let run = device.run(&["ddf", "--ddf", file.to_str().expect("UTF-8")]);
        assert_eq!(run.code, Some(2), "{pattern}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{pattern}: {run:?}");
        assert!(
            run.stderr
                .contains("./Device/Vendor/MSFT/PassportForWork/Leaf")
                && run.stderr.contains("RegEx"),
            "{pattern}: {run:?}"
        );
    }
}
