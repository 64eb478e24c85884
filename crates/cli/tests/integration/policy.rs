//! The policy in force through `pfw policy`: user beats device policy by policy, rules over
//! several values run on the merged result, only the device's tenant applies.

use serde_json::Value;

use crate::support::{
    Msg, OTHER_TENANT, TENANT, TestDevice, assert_contains, device_policy, user_policy,
};

#[test]
fn a_user_value_beats_the_device_value_and_the_other_device_values_still_apply() {
    let device = TestDevice::new();
    device.apply_ok(
        &Msg::new()
            .device("PINComplexity/MinimumPINLength", "int", "8")
            .device("PINComplexity/MaximumPINLength", "int", "16")
            .device("PINComplexity/History", "int", "5")
            .device("PINComplexity/Expiration", "int", "90")
            .build(),
        &[],
    );
    device.set_user("alice", "PINComplexity/MinimumPINLength", "int", "6");

    let policy = device.policy(&["--user", "alice"]);
    assert_eq!(policy["user"], "alice");
    // (policy, value, source): the user's one value, the device's others (policy-facts §1:
    // a user policy set replaces the computer policy, one policy at a time).
    let cases = [
        ("PINComplexity/MinimumPINLength", Value::from(6), "user"),
        ("PINComplexity/MaximumPINLength", Value::from(16), "device"),
        ("PINComplexity/History", Value::from(5), "device"),
        ("PINComplexity/Expiration", Value::from(90), "device"),
        // Configured nowhere: the default.
        ("UsePassportForWork", Value::from(true), "default"),
    ];
    for (key, value, source) in cases {
        expect(&policy, key, &value, source);
    }
    let min = &policy["policies"]["PINComplexity/MinimumPINLength"];
    let reason = min["reason"]
        .as_str()
        .expect("the shadowed value is explained");
    assert_contains(reason, "8");

    // Without --user, the device's value applies.
    let device_only = device.policy(&[]);
    expect(
        &device_only,
        "PINComplexity/MinimumPINLength",
        &Value::from(8),
        "device",
    );
}

#[test]
fn the_length_fallback_runs_on_the_merged_policy_only() {
    let device = TestDevice::new();
    // The device alone: maximum 10 (minimum default 4) is consistent.
    device.set("PINComplexity/MaximumPINLength", "int", "10");
    // The user alone: minimum 12 (maximum default 127) is consistent.
    device.set_user("alice", "PINComplexity/MinimumPINLength", "int", "12");

    let device_only = device.policy(&[]);
    expect(
        &device_only,
        "PINComplexity/MinimumPINLength",
        &Value::from(4),
        "default",
    );
    expect(
        &device_only,
        "PINComplexity/MaximumPINLength",
        &Value::from(10),
        "device",
    );

    // Merged: minimum 12 (user) > maximum 10 (device), so both fall back to 4 and 127 (the
    // DDF's note on both policies).
    let merged = device.policy(&["--user", "alice"]);
    expect(
        &merged,
        "PINComplexity/MinimumPINLength",
        &Value::from(4),
        "fallback",
    );
    expect(
        &merged,
        "PINComplexity/MaximumPINLength",
        &Value::from(127),
        "fallback",
    );
    let reason = merged["policies"]["PINComplexity/MinimumPINLength"]["reason"]
        .as_str()
        .expect("the fallback is explained");
    assert!(reason.contains("12") && reason.contains("10"), "{reason}");

    // And a PIN is judged by the merged policy: 5 characters pass (4..127).
    let check = device.run_with_stdin(&["pin", "check", "--user", "alice", "--json"], "24680\n");
    assert_eq!(check.code, Some(0), "{check:?}");
}

#[test]
fn a_foreign_tenants_policy_is_listed_as_ignored() {
    let device = TestDevice::new();
    device.apply_ok(
        &Msg::new()
            .device("PINComplexity/MinimumPINLength", "int", "7")
            .device_in(OTHER_TENANT, "PINComplexity/MinimumPINLength", "int", "11")
            .device_in(OTHER_TENANT, "UsePassportForWork", "bool", "false")
            .build(),
        &[],
    );

    // Two tenants and none chosen: exit 2, naming both.
    let run = device.run(&["policy"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains(TENANT) && run.stderr.contains(OTHER_TENANT),
        "{run:?}"
    );
    // The PIN commands resolve the same policy, and refuse the same way.
    let check = device.run_with_stdin(&["pin", "check", "--user", "alice"], "2468\n");
    assert_eq!(check.code, Some(2), "{check:?}");

    // `--tenant` picks one for a single command.
    let chosen = device.policy(&["--tenant", OTHER_TENANT]);
    assert_eq!(chosen["tenant_reason"], "override");
    expect(
        &chosen,
        "PINComplexity/MinimumPINLength",
        &Value::from(11),
        "device",
    );

    // The device's tenant picks one for good.
    let set = device.run(&["device", "tenant", TENANT]);
    assert_eq!(set.code, Some(0), "{set:?}");
    let policy = device.policy(&[]);
    assert_eq!(policy["tenant"], TENANT);
    assert_eq!(policy["tenant_reason"], "device-property");
    expect(
        &policy,
        "PINComplexity/MinimumPINLength",
        &Value::from(7),
        "device",
    );
    expect(&policy, "UsePassportForWork", &Value::from(true), "default");
    let ignored = policy["ignored"].as_array().expect("a list");
    let mut paths: Vec<&str> = ignored
        .iter()
        .map(|i| i["path"].as_str().expect("a path"))
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            format!("{OTHER_TENANT}/Policies/PINComplexity/MinimumPINLength"),
            format!("{OTHER_TENANT}/Policies/UsePassportForWork"),
        ]
    );
    for i in ignored {
        assert_eq!(i["source"], "device");
        let reason = i["reason"].as_str().expect("a reason");
        assert!(
            reason.contains(OTHER_TENANT) && reason.contains(TENANT),
            "{reason}"
        );
    }
    // The human form says so too.
    let text = device.run(&["policy"]);
    assert_contains(&text.stdout, "Ignored");
}

/// Asserts one policy's value and source in `pfw policy --json` output.
#[track_caller]
fn expect(policy: &Value, key: &str, value: &Value, source: &str) {
    let setting = &policy["policies"][key];
    assert_eq!(
        (&setting["value"], setting["source"].as_str()),
        (value, Some(source)),
        "{key}: {setting}"
    );
}

#[test]
fn policy_json_gives_the_uri_each_value_came_from() {
    let device = TestDevice::new();
    device.apply_ok(
        &Msg::new()
            .device("PINComplexity/History", "int", "5")
            .add(
                "./Device/Vendor/MSFT/PassportForWork/Biometrics/UseBiometrics",
                "bool",
                "false",
            )
            .build(),
        &[],
    );
    device.set_user("alice", "PINComplexity/Digits", "int", "1");
    let policy = device.policy(&["--user", "alice"]);
    let uri = |key: &str| policy["policies"][key]["uri"].clone();
    assert_eq!(
        uri("PINComplexity/History"),
        device_policy(TENANT, "PINComplexity/History")
    );
    assert_eq!(
        uri("PINComplexity/Digits"),
        user_policy(TENANT, "PINComplexity/Digits")
    );
    assert_eq!(
        uri("Biometrics/UseBiometrics"),
        "./Device/Vendor/MSFT/PassportForWork/Biometrics/UseBiometrics"
    );
    // A default came from no node.
    assert_eq!(uri("PINComplexity/Expiration"), Value::Null);
}

#[test]
fn policy_says_first_what_the_device_does() {
    let device = TestDevice::new();
    device.apply_ok(
        &Msg::new()
            .device("PINComplexity/MinimumPINLength", "int", "6")
            .device("PINComplexity/SpecialCharacters", "int", "2")
            .device("PINComplexity/UppercaseLetters", "int", "1")
            .device("PINComplexity/Expiration", "int", "90")
            .device("RequireSecurityDevice", "bool", "true")
            .build(),
        &[],
    );
    assert_eq!(device.run(&["device", "tpm", "none"]).code, Some(0));
    let run = device.run(&["policy"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let text = &run.stdout;
    let summary = text
        .split("What the device does\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a summary before the groups");
    for line in [
        "PIN length    6 to 127 characters",
        "required      uppercase letters, digits",
        "not allowed   lowercase letters, special characters",
        "expiry        after 90 days",
        "provisioning  refused: TPM required, device has none → not provisioned",
    ] {
        assert!(summary.contains(line), "{line:?} in\n{summary}");
    }
    assert!(
        text.find("What the device does") < text.find("PIN complexity"),
        "the summary comes first:\n{text}"
    );
    // Values in words, the stored number after them.
    assert!(
        text.lines()
            .any(|l| l.contains("PINComplexity/SpecialCharacters") && l.contains("not allowed (2)")),
        "{text}"
    );

    // JSON has the same summary.
    let json = device.policy(&[]);
    assert_eq!(json["summary"]["min_length"], 6);
    assert_eq!(
        json["summary"]["refused"],
        "RequireSecurityDevice is true and the device has no TPM"
    );
}

#[test]
fn one_note_per_distinct_fact_and_columns_that_survive_long_names() {
    let device = TestDevice::new();
    let mut msg = Msg::new();
    for set in [
        "UppercaseLetters",
        "LowercaseLetters",
        "SpecialCharacters",
        "Digits",
    ] {
        msg = msg.add(
            &device_policy(TENANT, &format!("PINComplexity/{set}")),
            "int",
            "0",
        );
    }
    device.apply_ok(&msg.build(), &[]);
    let text = device.run(&["policy"]).stdout;
    // The character-set fallback (2019 CSP page) touches four policies: one note, four marks.
    let note = "all four character sets are allowed and none is required";
    assert_eq!(text.matches(note).count(), 1, "{text}");
    let marked = text
        .lines()
        .filter(|l| l.contains("PINComplexity/") && l.contains("fallback") && l.ends_with("[1]"))
        .count();
    assert_eq!(marked, 4, "{text}");
    // Every policy row's source starts in one column, the longest key's included
    // (Biometrics/FacialFeaturesUseEnhancedAntiSpoofing, 48 characters).
    let groups = text
        .split("\nEnablement\n")
        .nth(1)
        .and_then(|rest| rest.split("\nNotes\n").next())
        .expect("the groups, then the notes");
    let rows: Vec<&str> = groups.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(rows.len() > 20, "{groups}");
    assert!(
        rows.iter()
            .any(|l| l.contains("Biometrics/FacialFeaturesUseEnhancedAntiSpoofing")),
        "{groups}"
    );
    let columns: std::collections::BTreeSet<usize> = rows
        .iter()
        .filter_map(|l| {
            ["  default", "  device", "  fallback", "  user"]
                .iter()
                .filter_map(|s| l.find(s))
                .min()
        })
        .collect();
    assert_eq!(columns.len(), 1, "sources in columns {columns:?}:\n{text}");
}
