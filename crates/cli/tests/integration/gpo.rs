//! `pfw gpo apply/clear` and `pfw policy` through the binary: Group Policy as its own source,
//! resolved with MDM by Microsoft's group rules (policy-facts.md §1–2; README decisions).

use serde_json::Value;

use crate::support::{Msg, TENANT, TestDevice, assert_contains, shared};

const MIN: &str = "PINComplexity/MinimumPINLength";

fn setting<'a>(policy: &'a Value, key: &str) -> &'a Value {
    &policy["policies"][key]
}

/// [Configure-2024]: "the conflicting CSP settings aren't applied until the group policy
/// settings are cleared"; [Manage-2022]: PIN complexity comes from one source.
#[test]
fn group_policy_blocks_mdm_until_cleared() {
    let device = TestDevice::new();
    device.apply_ok(&Msg::new().device_in(TENANT, MIN, "int", "12").build(), &[]);
    let pol = shared("reference/samples/gpo/dod-windows10-computer-registry.pol");
    let run = device.run(&["gpo", "apply", pol.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains(
            "4 Windows Hello settings applied, 0 ignored, 101 entries not Windows Hello policy"
        ),
        "{}",
        run.stdout
    );

    let policy = device.policy(&[]);
    let min = setting(&policy, MIN);
    assert_eq!(
        (&min["value"], &min["source"]),
        (&Value::from(6), &Value::from("computer-group-policy"))
    );
    assert_eq!(min["rule"], "pin-complexity-group");
    assert_eq!(min["losers"][0]["source"], "device");
    assert_eq!(min["losers"][0]["value"], 12);
    assert_eq!(min["losers"][0]["blocked"], true);
    assert!(
        min["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not applied until the Group Policy settings are cleared")),
        "{min}"
    );
    // The human table names the source and the rule.
    let human = device.run(&["policy"]);
    assert_contains(&human.stdout, "computer GP");
    assert_contains(&human.stdout, "rule: PIN complexity group");

    let run = device.run(&["gpo", "clear"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let policy = device.policy(&[]);
    let min = setting(&policy, MIN);
    assert_eq!(
        (&min["value"], &min["source"]),
        (&Value::from(12), &Value::from("device"))
    );
}

const USER_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\PassportForWork]\r\n\
\"Enabled\"=dword:00000000\r\n\r\n\
[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\PINComplexity]\r\n\
\"MinimumPINLength\"=dword:0000000a\r\n";

/// User GP > computer GP > user MDM > device MDM (policy-facts.md §1); PIN complexity Group
/// Policy exists only under Computer Configuration (README decisions: ignored with a note).
#[test]
fn user_group_policy_beats_everything_but_not_for_pin_complexity() {
    let device = TestDevice::new();
    device.apply_ok(
        &Msg::new()
            .device("UsePassportForWork", "bool", "true")
            .device_in(TENANT, MIN, "int", "7")
            .build(),
        &[],
    );
    let reg = device.file("user.reg", pfw_testdata::utf16(USER_REG));
    let reg = reg.to_str().expect("utf-8 path");
    // HKEY_CURRENT_USER values need the user they belong to: refused, nothing stored.
    let run = device.run(&["gpo", "apply", reg]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert_eq!(
        setting(&device.policy(&["--user", "alice"]), "UsePassportForWork")["source"],
        "device"
    );

    let run = device.run(&["gpo", "apply", "--user", "alice", reg]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let policy = device.policy(&["--user", "alice"]);
    let upfw = setting(&policy, "UsePassportForWork");
    assert_eq!(
        (&upfw["value"], &upfw["source"]),
        (&Value::from(false), &Value::from("user-group-policy"))
    );
    assert_eq!(upfw["rule"], "feature-enablement-group");
    let min = setting(&policy, MIN);
    assert_eq!(
        (&min["value"], &min["source"]),
        (&Value::from(7), &Value::from("device"))
    );
    let ignored = policy["ignored"].as_array().expect("a list");
    assert!(
        ignored.iter().any(|i| i["source"] == "user-group-policy"
            && i["reason"]
                .as_str()
                .is_some_and(|r| r.contains("only under Computer Configuration"))),
        "{ignored:?}"
    );
    // Another user is not affected by alice's Group Policy.
    assert_eq!(
        setting(&device.policy(&["--user", "bob"]), "UsePassportForWork")["source"],
        "device"
    );
}

/// A damaged file, or one that is not Group Policy, exits 2 with one line and changes nothing.
#[test]
fn damaged_or_foreign_files_change_nothing() {
    // The state exists: `pfw policy` refuses a state path that does not (README "Exit status").
    let device = TestDevice::existing();
    let good =
        std::fs::read(shared("reference/samples/gpo/generated-machine.pol")).expect("sample");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.pol",
            good[..good.len() - 3].to_vec(),
            "damaged Registry.pol",
        ),
        ("odd.reg", vec![0xFF, 0xFE, b'W'], "odd number of bytes"),
        ("deep.json", "[".repeat(10_000).into_bytes(), "nest deeper"),
        (
            "oma.json",
            std::fs::read(shared(
                "reference/samples/intune/oib-custom-oma-cloud-trust-utf16.json",
            ))
            .expect("sample"),
            "not Group Policy",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = device.file(name, bytes);
        let run = device.run(&["gpo", "apply", path.to_str().expect("utf-8 path")]);
        assert_eq!(run.code, Some(2), "{name}: {run:?}");
        assert_eq!(
            run.stderr.trim().lines().count(),
            1,
            "{name}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(expected), "{name}: {}", run.stderr);
    }
    let policy = device.policy(&[]);
    assert_eq!(setting(&policy, MIN)["source"], "default");
}

/// The PIN rules follow the policy in force, Group Policy included: the DoD GPO's minimum
/// length 6 refuses a four-digit PIN, and clearing it lets the default 4 apply.
#[test]
fn pin_checks_follow_group_policy() {
    let device = TestDevice::new();
    let pol = shared("reference/samples/gpo/dod-windows10-computer-registry.pol");
    assert_eq!(
        device
            .run(&["gpo", "apply", pol.to_str().expect("utf-8 path")])
            .code,
        Some(0)
    );
    let run = device.run_with_stdin(&["pin", "check", "--user", "alice"], "1357\n");
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(device.run(&["gpo", "clear"]).code, Some(0));
    let run = device.run_with_stdin(&["pin", "check", "--user", "alice"], "1357\n");
    assert_eq!(run.code, Some(0), "{run:?}");
}
