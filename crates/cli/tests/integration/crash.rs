//! Crash safety: a `pfw apply` that dies at any moment leaves a state that opens, passes
//! SQLite's integrity check, and holds either all of the message's effects or none of them.
//!
//! Two ways to die: the failpoints `PFW_FAILPOINT` arms (an abort at a named stage), and
//! SIGKILL at seeded random moments while a sequence of messages is applied.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use pfw_engine::{Engine, Options};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::Limits;
use pfw_tree::{DumpRow, MemoryStore, Registry, SqliteStore};

use crate::support::{DEVICE_ROOT, Msg, TENANT, TestDevice, codes, device_policy};

#[test]
fn failpoints_leave_the_state_before_or_after_the_message() {
    let first = Msg::new()
        .device("UsePassportForWork", "bool", "true")
        .device("PINComplexity/MinimumPINLength", "int", "6")
        .device("PINComplexity/History", "int", "3")
        .build();
    let second = Msg::new()
        .replace_device("PINComplexity/MinimumPINLength", "int", "10")
        .device("PINComplexity/Expiration", "int", "30")
        .delete(&device_policy(TENANT, "PINComplexity/History"))
        .add(
            &format!("{DEVICE_ROOT}/Biometrics/UseBiometrics"),
            "bool",
            "false",
        )
        .build();

    // The state after both messages, from a device that did not crash.
    let scratch = TestDevice::new();
    scratch.apply_ok(&first, &[]);
    scratch.apply_ok(&second, &[]);
    let after = scratch.dump();

    // (failpoint, whether the message's effects are on disk afterwards)
    let cases = [
        ("after-decode", false),
        ("mid-transaction", false),
        ("before-commit", false),
        ("after-commit", true),
    ];
    for (failpoint, committed) in cases {
        let device = TestDevice::new();
        device.apply_ok(&first, &[]);
        let before = device.dump();
        assert_ne!(before, after, "the second message changes the state");

        let file = device.file("second.xml", &second);
        let output = device
            .cmd()
            .env("PFW_FAILPOINT", failpoint)
            .arg("apply")
            .arg(&file)
            .output()
            .expect("pfw runs");
        assert_eq!(
            output.status.signal(),
            Some(SIGABRT),
            "{failpoint}: {output:?}"
        );
        assert!(
            output.stdout.is_empty(),
            "{failpoint}: no response is printed before the process dies"
        );

        let dump = sound_dump(device.state());
        let expected = if committed { &after } else { &before };
        assert_eq!(&dump, expected, "{failpoint}");

        // The device goes on: the message again answers as its state says.
        let again = device.apply(&second, &[]);
        if committed {
            // Add of existing nodes 418; Replace 200; Delete of the gone node 404.
            assert_eq!(codes(&again.stdout), [200, 418, 404, 418], "{again:?}");
        } else {
            assert_eq!(again.code, Some(0), "{failpoint}: {again:?}");
            assert_eq!(device.dump(), after, "{failpoint}");
        }
    }
}

#[test]
fn sigkill_at_random_moments_leaves_a_prefix_of_the_messages() {
    let messages = messages();
    let prefixes = prefix_dumps(&messages);
    for (i, a) in prefixes.iter().enumerate() {
        for b in &prefixes[i + 1..] {
            assert_ne!(a, b, "every prefix of the sequence gives a distinct state");
        }
    }
    let mut rng = XorShift64(SEED);
    let (mut kills, mut attempts, mut committed_then_killed, mut sequences) = (0, 0, 0, 1);
    let mut device = TestDevice::new();
    // How many messages of the sequence the state holds.
    let mut applied = 0;
    while kills < MIN_KILLS {
        attempts += 1;
        assert!(
            attempts <= MAX_ATTEMPTS,
            "only {kills} kills in {MAX_ATTEMPTS} attempts"
        );
        if applied == messages.len() {
            device = TestDevice::new();
            applied = 0;
            sequences += 1;
        }
        let file = device.file(&format!("message{applied}.xml"), &messages[applied]);
        let mut child = device
            .apply_process(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pfw starts");
        std::thread::sleep(Duration::from_millis(rng.next() % (MAX_DELAY_MS + 1)));
        // When the process has already exited, the signal reaches nothing.
        child.kill().expect("the child can be signalled");
        let status = child.wait().expect("the child is reaped");
        let killed = status.signal() == Some(SIGKILL);
        if !killed {
            assert!(status.success(), "attempt {attempts}: {status:?}");
        }

        let dump = sound_dump(device.state());
        let held = prefixes.iter().position(|p| *p == dump).unwrap_or_else(|| {
            panic!("attempt {attempts}: the state is no prefix of the sequence: {dump:?}")
        });
        assert!(
            held == applied || held == applied + 1,
            "attempt {attempts}: message {applied} was applied, the state holds {held} messages"
        );
        if killed {
            kills += 1;
            if held == applied + 1 {
                committed_then_killed += 1;
            }
        } else {
            assert_eq!(
                held,
                applied + 1,
                "attempt {attempts}: a finished apply commits"
            );
        }
        applied = held;
    }
    eprintln!(
        "{kills} kills in {attempts} attempts over {sequences} sequences; \
         {committed_then_killed} after the commit"
    );
}

/// Opens the state as pfw does, checks SQLite's integrity report, and returns its dump.
#[track_caller]
fn sound_dump(state: &Path) -> Vec<DumpRow> {
    let store = SqliteStore::open(state).expect("the state opens");
    assert_eq!(
        store.integrity_check().expect("integrity_check runs"),
        ["ok"]
    );
    pfw_tree::dump(&store).expect("the state dumps")
}

/// A sequence of messages, each changing the state: three new tenants with every PIN policy,
/// a Replace of one shared value, and (from the fourth on) the Delete of an earlier tenant.
fn messages() -> Vec<String> {
    let tenant = |n: usize| format!("{n:08x}-1111-4222-8333-444444444444");
    (0..10)
        .map(|k| {
            let mut m = Msg::new();
            for j in 0..3 {
                let t = tenant(k * 3 + j);
                m = m
                    .device_in(&t, "UsePassportForWork", "bool", "true")
                    .device_in(&t, "RequireSecurityDevice", "bool", "false")
                    .device_in(&t, "Remote/UseRemotePassport", "bool", "true");
                for (key, value) in PIN_VALUES {
                    m = m.add(
                        &device_policy(&t, &format!("PINComplexity/{key}")),
                        "int",
                        value,
                    );
                }
            }
            if k > 0 {
                let shared = device_policy(&tenant(0), "PINComplexity/Expiration");
                m = m.replace(&shared, "int", &k.to_string());
            }
            if k >= 3 {
                m = m.delete(&format!("{DEVICE_ROOT}/{}", tenant((k - 2) * 3 + 1)));
            }
            m.build()
        })
        .collect()
}

/// The dump after each prefix of `messages` (the empty prefix first), computed in memory with
/// the same engine and CSP: every message must succeed whole.
fn prefix_dumps(messages: &[String]) -> Vec<Vec<DumpRow>> {
    let csp = PassportCsp::new().expect("pfw's DDF loads");
    let engine = Engine::new(Registry::new().with(Arc::new(csp)), Limits::DEFAULT);
    let mut store = MemoryStore::new();
    let mut out = vec![pfw_tree::dump(&store).expect("dump")];
    for (n, message) in messages.iter().enumerate() {
        let outcome = engine
            .apply(&mut store, message.as_bytes(), &Options::default())
            .expect("the message applies");
        assert!(
            outcome.all_succeeded(),
            "message {n}: {:?}",
            outcome.reports
        );
        out.push(pfw_tree::dump(&store).expect("dump"));
    }
    out
}

/// Marsaglia's xorshift64: a small seeded generator, so the kill moments repeat.
struct XorShift64(u64);

impl XorShift64 {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// The signal `abort()` raises (POSIX).
const SIGABRT: i32 = 6;

/// The signal `Child::kill` sends on Unix.
const SIGKILL: i32 = 9;

/// At least this many processes must die by SIGKILL mid-run.
const MIN_KILLS: usize = 60;

/// Give up (and fail) after this many attempts.
const MAX_ATTEMPTS: usize = 2_000;

/// Longest delay before the kill, in milliseconds (each delay is drawn from 0 to this).
const MAX_DELAY_MS: u64 = 30;

/// The seed of the delays: the same moments on every run.
const SEED: u64 = 0x5EED_0FC4_A54B_1D00;

/// Values valid for each PINComplexity leaf (DDF ranges and enums).
const PIN_VALUES: [(&str, &str); 8] = [
    ("MinimumPINLength", "6"),
    ("MaximumPINLength", "20"),
    ("UppercaseLetters", "0"),
    ("LowercaseLetters", "0"),
    ("SpecialCharacters", "2"),
    ("Digits", "1"),
    ("History", "5"),
    ("Expiration", "90"),
];
