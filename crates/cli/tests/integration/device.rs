//! The emulated device's properties through `pfw device`: the build decides which nodes
//! exist, editions by name and by number, the TPM, and refusals of values that mean nothing.

use crate::support::{DEVICE_ROOT, Msg, TestDevice, assert_contains, codes};

#[test]
fn the_build_decides_whether_security_key_exists() {
    // The read-only commands below need an existing state (pfw's rule, README "State").
    let device = TestDevice::existing();
    let add = Msg::new()
        .add(
            &format!("{SECURITY_KEY}/UseSecurityKeyForSignin"),
            "int",
            "1",
        )
        .build();

    // The default build (10.0.26100) is newer than 10.0.18362: the node is there.
    let get = device.run(&["get", SECURITY_KEY]);
    assert_eq!(get.code, Some(0), "{get:?}");
    let root = device.run(&["get", DEVICE_ROOT]);
    assert!(root.stdout.lines().any(|l| l == "SecurityKey"), "{root:?}");

    // Windows 10 1809 (build 17763) predates it: 404 for the node and below it.
    let set = device.run(&["device", "build", "10.0.17763"]);
    assert_eq!(set.code, Some(0), "{set:?}");
    let get = device.run(&["get", SECURITY_KEY]);
    assert_eq!(get.code, Some(1), "{get:?}");
    assert_contains(&get.stderr, "404");
    let root = device.run(&["get", DEVICE_ROOT]);
    assert!(!root.stdout.lines().any(|l| l == "SecurityKey"), "{root:?}");
    let run = device.apply(&add, &[]);
    assert_eq!(codes(&run.stdout), [404], "{run:?}");

    // Back to a build that has it (1903 is 18362): the same Add succeeds.
    let set = device.run(&["device", "build", "10.0.18362"]);
    assert_eq!(set.code, Some(0), "{set:?}");
    let run = device.apply(&add, &[]);
    assert_eq!(codes(&run.stdout), [200], "{run:?}");
    assert_eq!(show(&device)["build"], "10.0.18362");
}

#[test]
fn editions_by_name_and_by_number() {
    // The read-only commands below need an existing state (pfw's rule, README "State").
    let device = TestDevice::existing();
    // A fresh device is Enterprise (DESIGN.md "The emulated device").
    assert_eq!(show(&device)["edition"], 0x4);

    // (argument, product type): GetProductInfo's PRODUCT_* values.
    let cases = [
        ("Professional", 0x30),
        ("pro", 0x30),
        ("Education", 0x79),
        ("Home", 0x65),
        ("Core", 0x65),
        ("0x4", 0x4),
        ("48", 0x30),
        ("enterprise", 0x4),
    ];
    for (argument, id) in cases {
        let run = device.run(&["device", "edition", argument]);
        assert_eq!(run.code, Some(0), "{argument}: {run:?}");
        assert_eq!(show(&device)["edition"], id, "{argument}");
    }

    // An edition outside the DDF's EditionAllowList has no PassportForWork at all.
    let run = device.run(&["device", "edition", "0x2"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let get = device.run(&["get", DEVICE_ROOT]);
    assert_eq!(get.code, Some(1), "{get:?}");
    assert_contains(&get.stderr, "404");
}

#[test]
fn tpm_values() {
    // The read-only commands below need an existing state (pfw's rule, README "State").
    let device = TestDevice::existing();
    // A fresh device has TPM 2.0.
    assert_eq!(show(&device)["tpm"], "2.0");
    for tpm in ["none", "1.2", "2.0"] {
        let run = device.run(&["device", "tpm", tpm]);
        assert_eq!(run.code, Some(0), "{tpm}: {run:?}");
        assert_eq!(show(&device)["tpm"], tpm);
    }
}

#[test]
fn meaningless_values_exit_2_and_change_nothing() {
    // The read-only commands below need an existing state (pfw's rule, README "State").
    let device = TestDevice::existing();
    let before = show(&device);
    let cases: [&[&str]; 9] = [
        // Not a version at all.
        &["device", "build", "banana"],
        // Too few parts.
        &["device", "build", "10.0"],
        // Not Windows 10 or 11 (and not the Insider marker).
        &["device", "build", "11.0.22000"],
        &["device", "build", "6.3.9600"],
        // No such edition name.
        &["device", "edition", "Ultimate Deluxe"],
        &["device", "edition", ""],
        // A TPM is none, 1.2 or 2.0.
        &["device", "tpm", "3.0"],
        &["device", "tpm", "yes"],
        // A tenant name with a slash could not be a node name.
        &["device", "tenant", "a/b"],
    ];
    for args in cases {
        let run = device.run(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("pfw: "), "{args:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{args:?}: {run:?}");
    }
    assert_eq!(show(&device), before);
}

/// `pfw device show --json`, without its state path.
fn show(device: &TestDevice) -> serde_json::Value {
    let run = device.run(&["device", "show", "--json"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let mut value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    value.as_object_mut().expect("an object").remove("state");
    value
}

/// `SecurityKey` carries `MSFT:OsBuildVersion` 10.0.18362 in the DDF.
const SECURITY_KEY: &str = "./Device/Vendor/MSFT/PassportForWork/SecurityKey";
