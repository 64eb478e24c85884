//! `pfw lint FILE…` and `pfw explain FILE…` over a mix of Group Policy, Intune and SyncML files,
//! as one device receiving them all (README decisions "Policy sources", "Group Policy and MDM").

use serde_json::Value;

use crate::support::{Msg, TENANT, TestDevice, assert_contains, shared};

const GPO: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\PINComplexity]\r\n\
\"MinimumPINLength\"=dword:00000006\r\n";

fn mdm() -> String {
    Msg::new()
        .device("PINComplexity/MinimumPINLength", "int", "12")
        .add(
            "./Device/Vendor/MSFT/Policy/Config/ControlPolicyConflict/MDMWinsOverGP",
            "int",
            "1",
        )
        .build()
}

#[test]
fn lint_reports_what_the_files_do_together_in_every_format() {
    let device = TestDevice::new();
    let gpo = device.file("gpo.reg", GPO);
    let mdm = device.file("mdm.xml", mdm());
    let (gpo, mdm) = (gpo.to_str().expect("utf-8"), mdm.to_str().expect("utf-8"));
    let run = device.run(&["lint", "--format", "json", "--tenant", TENANT, gpo, mdm]);
    // The Policy CSP node is on the whole device (README "The whole device"): no error, the
    // two warnings and a note, so exit 0.
    assert_eq!(run.code, Some(0), "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).expect("json");
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"gpo-overrides-mdm"), "{codes:?}");
    assert!(codes.contains(&"mdmwinsovergp-no-effect"), "{codes:?}");
    let sarif = device.run(&["lint", "--format", "sarif", "--tenant", TENANT, gpo, mdm]);
    assert_contains(&sarif.stdout, "\"gpo-overrides-mdm\"");
    assert_contains(&sarif.stdout, "\"mdmwinsovergp-no-effect\"");
}

#[test]
fn explain_gives_the_policy_of_a_device_that_received_them_all() {
    let device = TestDevice::new();
    let gpo = device.file("gpo.reg", GPO);
    let catalog =
        shared("reference/samples/intune/oib-settings-catalog-account-protection-whfb.json");
    let run = device.run(&[
        "explain",
        "--tenant",
        TENANT,
        gpo.to_str().expect("utf-8"),
        catalog.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // The GPO's length wins the PIN complexity group; the catalog's RequireSecurityDevice is
    // in that group, so it is stored but not applied; its enablement settings apply.
    // A policy row: the key, the value in words, the source (README "pfw policy").
    let row = |key: &str| -> Vec<String> {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no row for {key}: {}", run.stdout));
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        row("PINComplexity/MinimumPINLength")[1..3],
        ["6 characters", "computer GP [1]"],
        "{}",
        run.stdout
    );
    assert_contains(
        &run.stdout,
        "the device value true stored but not applied until the Group Policy settings are cleared",
    );
    assert_eq!(
        row("EnablePinRecovery")[1..3],
        ["true", "device"],
        "{}",
        run.stdout
    );
}

#[test]
fn a_damaged_file_exits_2_and_nothing_is_explained() {
    let device = TestDevice::new();
    let gpo = device.file("gpo.reg", GPO);
    let bad = device.file("bad.pol", b"PReg\x01\x00\x00\x00[\x00K".as_slice());
    let run = device.run(&[
        "explain",
        gpo.to_str().expect("utf-8"),
        bad.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let lint = device.run(&["lint", bad.to_str().expect("utf-8")]);
    assert_eq!(lint.code, Some(2), "{lint:?}");
    assert_contains(&lint.stdout, "damaged Registry.pol");
}
