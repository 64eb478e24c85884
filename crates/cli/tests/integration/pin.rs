//! PINs through `pfw pin`: never stored in clear, argon2id PHC hashes with their own salts,
//! provisioning refusals, History, a policy raised under an existing PIN, Expiration, and the
//! JSON shape of a check.

use pfw_passport::state::pin_record;
use pfw_tree::SqliteStore;

use crate::support::{
    Msg, Run, TENANT, TestDevice, assert_argon2id, assert_contains, base64, device_policy, keys_of,
};

#[test]
fn the_state_never_holds_the_pin_and_each_hash_has_its_own_salt() {
    let device = TestDevice::new();
    let pin = "73914628";
    for user in ["alice", "bob"] {
        let run = pin_cmd(&device, "set", user, pin, T0);
        assert_eq!(run.code, Some(0), "{user}: {run:?}");
    }

    // Every byte of the state: the database and whatever -wal and -shm exist.
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = device.dir().join(format!("state.db{suffix}"));
        if let Ok(b) = std::fs::read(&path) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty());
    let hex: String = pin.bytes().map(|b| format!("{b:02x}")).collect();
    let forms = [
        pin.to_owned(),
        hex.clone(),
        hex.to_uppercase(),
        base64(pin.as_bytes()),
        base64(pin.as_bytes()).trim_end_matches('=').to_owned(),
    ];
    for form in &forms {
        assert!(
            !contains(&bytes, form.as_bytes()),
            "the state holds the PIN as {form}"
        );
    }
    let utf16: Vec<u8> = pin.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(
        !contains(&bytes, &utf16),
        "the state holds the PIN in UTF-16"
    );

    let store = SqliteStore::open(device.state()).expect("the state opens");
    let hashes: Vec<String> = ["alice", "bob"]
        .iter()
        .map(|user| {
            let record = pin_record(&store, user)
                .expect("readable")
                .expect("a PIN record");
            assert_eq!(record.length(), 8);
            assert_eq!(record.set_at(), T0);
            record.hash().as_str().to_owned()
        })
        .collect();
    let parts: Vec<Vec<&str>> = hashes.iter().map(|h| h.split('$').collect()).collect();
    for p in &parts {
        // $argon2id$v=19$m=…,t=…,p=…$salt$hash
        assert_eq!(p.len(), 6, "{p:?}");
        assert_eq!((p[0], p[1], p[2]), ("", "argon2id", "v=19"), "{p:?}");
        assert!(p[4].len() >= 11 && p[5].len() >= 22, "{p:?}");
    }
    assert_ne!(parts[0][4], parts[1][4], "two users, two salts");
    assert_ne!(parts[0][5], parts[1][5], "two users, two hashes");
}

#[test]
fn without_test_parameters_the_hash_uses_owasps_argon2id_parameters() {
    let device = TestDevice::new();
    let mut cmd = device.cmd();
    cmd.env_remove("PFW_ARGON2_TEST_PARAMS")
        .env("PFW_NOW", T0.to_string());
    let record = device.set_pin_with(cmd);
    // OWASP's password storage cheat sheet: argon2id, m = 19 MiB, t = 2, p = 1.
    assert_argon2id(&record, "m=19456,t=2,p=1");
}

#[test]
fn provisioning_is_refused_with_its_reason() {
    // (policy, TPM, refused with this reason or accepted): DESIGN.md "Policy semantics".
    let cases: [(Policies, &str, Option<&str>); 6] = [
        (
            &[("UsePassportForWork", "false")],
            "2.0",
            Some("UsePassportForWork is false"),
        ),
        (&[("UsePassportForWork", "true")], "2.0", None),
        (&[("RequireSecurityDevice", "true")], "none", Some("no TPM")),
        (&[("RequireSecurityDevice", "true")], "2.0", None),
        (
            &[
                ("RequireSecurityDevice", "true"),
                ("ExcludeSecurityDevices/TPM12", "true"),
            ],
            "1.2",
            Some("TPM 1.2 is excluded"),
        ),
        (&[("RequireSecurityDevice", "true")], "1.2", None),
    ];
    for (policies, tpm, refusal) in cases {
        let device = TestDevice::new();
        let message = policies
            .iter()
            .fold(Msg::new(), |m, (key, value)| m.device(key, "bool", value))
            .build();
        device.apply_ok(&message, &[]);
        assert_eq!(device.run(&["device", "tpm", tpm]).code, Some(0));

        let run = pin_cmd(&device, "set", "alice", "24681357", T0);
        let status = pin_cmd(&device, "status", "alice", "", T0);
        match refusal {
            Some(reason) => {
                assert_eq!(run.code, Some(1), "{policies:?} {tpm}: {run:?}");
                assert_contains(&run.stdout, "refused");
                assert!(run.stdout.contains(reason), "{policies:?} {tpm}: {run:?}");
                assert_contains(&status.stdout, "has no PIN");
            }
            None => {
                assert_eq!(run.code, Some(0), "{policies:?} {tpm}: {run:?}");
                assert_contains(&status.stdout, "has a PIN");
            }
        }
    }
}

#[test]
fn history_3_refuses_the_last_three_pins_and_accepts_the_one_before() {
    let device = TestDevice::new();
    device.set("PINComplexity/History", "int", "3");
    let pins = ["11112222", "33334444", "55556666", "77778888"];
    for (n, pin) in pins.iter().enumerate() {
        let run = pin_cmd(&device, "set", "alice", pin, T0 + n as i64);
        assert_eq!(run.code, Some(0), "{pin}: {run:?}");
    }
    // The current PIN and the two before it are the last three.
    for pin in &pins[1..] {
        let check = pin_cmd(&device, "check", "alice", pin, T0 + 10);
        assert_eq!(check.code, Some(1), "check {pin}: {check:?}");
        let run = pin_cmd(&device, "set", "alice", pin, T0 + 10);
        assert_eq!(run.code, Some(1), "{pin}: {run:?}");
        assert!(run.stdout.contains("History"), "{pin}: {run:?}");
    }
    // The fourth PIN back is no longer remembered.
    let check = pin_cmd(&device, "check", "alice", pins[0], T0 + 10);
    assert_eq!(check.code, Some(0), "{check:?}");
    let run = pin_cmd(&device, "set", "alice", pins[0], T0 + 10);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn a_raised_minimum_length_makes_the_current_pin_change() {
    let device = TestDevice::new();
    let min = device_policy(TENANT, "PINComplexity/MinimumPINLength");
    device.apply_ok(&Msg::new().add(&min, "int", "6").build(), &[]);
    assert_eq!(pin_cmd(&device, "set", "alice", "246813", T0).code, Some(0));
    let before = status_json(&device, T0 + DAY);
    assert_eq!(before["must_change"], false, "{before}");

    device.apply_ok(&Msg::new().replace(&min, "int", "8").build(), &[]);
    let after = status_json(&device, T0 + DAY);
    assert_eq!(after["must_change"], true, "{after}");
    assert_eq!(after["expired"], false, "{after}");
    let rules: Vec<&str> = after["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["rule"].as_str().expect("a rule"))
        .collect();
    assert_eq!(rules, ["minimum-length"]);
    let text = pin_cmd(&device, "status", "alice", "", T0 + DAY);
    assert_eq!(text.code, Some(1), "{text:?}");
    assert_contains(&text.stdout, "must change");
}

#[test]
fn expiration_counts_days_from_when_the_pin_was_set() {
    let device = TestDevice::new();
    device.set("PINComplexity/Expiration", "int", "30");
    assert_eq!(
        pin_cmd(&device, "set", "alice", "13572468", T0).code,
        Some(0)
    );

    let within = status_json(&device, T0 + 29 * DAY);
    assert_eq!(within["expired"], false, "{within}");
    assert_eq!(within["expires_at"], T0 + 30 * DAY);

    let past = status_json(&device, T0 + 31 * DAY);
    assert_eq!(past["expired"], true, "{past}");
    assert_eq!(past["must_change"], true, "{past}");
    let text = pin_cmd(&device, "status", "alice", "", T0 + 31 * DAY);
    assert_contains(&text.stdout, "expired");
}

#[test]
fn pin_check_json_shape() {
    let device = TestDevice::new();
    device.set("PINComplexity/MinimumPINLength", "int", "6");
    // (PIN, compliant, rules broken): default character sets, digits required, others not
    // allowed (2019 CSP page).
    let cases: [(&str, bool, &[&str]); 3] = [
        ("246813", true, &[]),
        ("2468", false, &["minimum-length"]),
        (
            "abcd",
            false,
            &["minimum-length", "digits-required", "lowercase-not-allowed"],
        ),
    ];
    for (pin, compliant, rules) in cases {
        let run = device.run_with_stdin(
            &["pin", "check", "--user", "alice", "--json"],
            &format!("{pin}\n"),
        );
        assert_eq!(
            run.code,
            Some(if compliant { 0 } else { 1 }),
            "{pin}: {run:?}"
        );
        let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        let object = value.as_object().expect("an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        // pfw's rule (README "JSON output"): a check also says whether provisioning is
        // refused on the device, a PIN that complies notwithstanding.
        assert_eq!(keys, ["compliant", "provisioning_refused", "violations"]);
        assert_eq!(value["provisioning_refused"], serde_json::Value::Null);
        assert_eq!(value["compliant"], compliant);
        let violations = value["violations"].as_array().expect("an array");
        let mut got: Vec<&str> = Vec::new();
        for v in violations {
            assert_eq!(keys_of(v), ["message", "rule"]);
            assert!(!v["message"].as_str().expect("text").contains(pin));
            got.push(v["rule"].as_str().expect("a rule"));
        }
        let mut want = rules.to_vec();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{pin}");
    }
}

/// Device policies as (key below `Policies/`, bool value).
type Policies = &'static [(&'static str, &'static str)];

/// `pfw pin COMMAND --user USER` with `pin` on standard input and the clock at `now`.
fn pin_cmd(device: &TestDevice, command: &str, user: &str, pin: &str, now: i64) -> Run {
    Run::from(
        device
            .cmd()
            .env("PFW_NOW", now.to_string())
            .args(["pin", command, "--user", user])
            .write_stdin(format!("{pin}\n"))
            .output()
            .expect("pfw runs"),
    )
}

/// `pfw pin status --user alice --json` at `now`.
fn status_json(device: &TestDevice, now: i64) -> serde_json::Value {
    let run = Run::from(
        device
            .cmd()
            .env("PFW_NOW", now.to_string())
            .args(["pin", "status", "--user", "alice", "--json"])
            .output()
            .expect("pfw runs"),
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// 2026-01-01T00:00:00Z, the clock of these tests.
const T0: i64 = 1_767_225_600;

/// Seconds in a day.
const DAY: i64 = 86_400;

#[test]
fn pin_check_says_when_the_pin_complies_but_provisioning_is_refused() {
    let device = TestDevice::new();
    device.set("RequireSecurityDevice", "bool", "true");
    assert_eq!(device.run(&["device", "tpm", "none"]).code, Some(0));
    let run = device.run_with_stdin(&["pin", "check", "--user", "alice"], "2468\n");
    assert_eq!(run.code, Some(0), "the PIN complies: {run:?}");
    assert_contains(
        &run.stdout,
        "but PIN provisioning is refused on this device",
    );
    let json = device.run_with_stdin(&["pin", "check", "--user", "alice", "--json"], "2468\n");
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(value["compliant"], true);
    assert_eq!(
        value["provisioning_refused"],
        "RequireSecurityDevice is true and the device has no TPM"
    );
}
