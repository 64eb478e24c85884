//! `pfw explain --json` through the binary: the README's shape, read back with a JSON parser
//! and checked against the 2019 seed page's example message and a two-tenant profile.

use serde_json::Value;

use crate::support::{Msg, SEED_2019, TENANT, TestDevice, assert_contains, seed_message};

/// The seed's tenant (the page's placeholder, not a GUID).
const SEED_TENANT: &str = "5NEMDU42-45CC-8CBL-8BPF-D7092646325F";

fn explain_json(device: &TestDevice, args: &[&str]) -> Value {
    let mut all = vec!["explain", "--json"];
    all.extend_from_slice(args);
    let run = device.run(&all);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "one line: {run:?}");
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

/// The setting whose URI ends with `tail`.
fn setting<'a>(json: &'a Value, tail: &str) -> &'a Value {
    json["settings"]
        .as_array()
        .expect("settings is a list")
        .iter()
        .find(|s| s["uri"].as_str().is_some_and(|u| u.ends_with(tail)))
        .unwrap_or_else(|| panic!("no setting ends with {tail}: {json}"))
}

#[test]
fn explain_json_gives_each_seed_setting_with_its_place_and_verdict() {
    let device = TestDevice::new();
    let text = seed_message(SEED_2019);
    let file = device.file("seed.xml", &text);
    let json = explain_json(&device, &[file.to_str().unwrap()]);
    assert_eq!(json["file"], file.to_str().unwrap());
    // The seed's fourteen Adds, in order.
    let settings = json["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 14, "{json}");
    assert!(settings.iter().all(|s| s["action"] == "Add"));

    // Each position is where the URI is in the file: 1-based line, column in characters.
    for s in settings {
        let uri = s["uri"].as_str().unwrap();
        let line = usize::try_from(s["line"].as_u64().unwrap()).unwrap();
        let column = usize::try_from(s["column"].as_u64().unwrap()).unwrap();
        let line_text = text.lines().nth(line - 1).unwrap();
        let at = line_text
            .find(uri)
            .unwrap_or_else(|| panic!("{uri} not on line {line}"));
        assert_eq!(line_text[..at].chars().count() + 1, column, "{uri}");
    }

    // A setting in force: its value as written, its tenant, the catalog's and DDF's words.
    let min = setting(&json, "PINComplexity/MinimumPINLength");
    assert_eq!(min["value"], "8");
    assert_eq!(min["tenant"], SEED_TENANT);
    assert_eq!(min["verdict"], "in force");
    assert_eq!(min["status"], Value::Null);
    assert_eq!(min["reason"], Value::Null);
    assert_eq!(min["meaning"], "A PIN needs at least 8 characters.");
    assert_eq!(
        min["controls"],
        "The fewest characters a PIN may have (4 to 127)."
    );
    assert_eq!(
        setting(&json, "PINComplexity/LowercaseLetters")["meaning"],
        "The PIN must contain at least one lowercase letter."
    );
    // A device-wide setting has no tenant.
    assert_eq!(
        setting(&json, "Biometrics/UseBiometrics")["tenant"],
        Value::Null
    );

    // The page's misspelt node: refused with 404 (DESIGN.md row 5) and the closest name.
    let misspelt = setting(&json, "Biometrics/FacialFeatureUseEnhancedAntiSpoofing");
    assert_eq!(misspelt["verdict"], "refused");
    assert_eq!(misspelt["status"], 404);
    assert!(
        misspelt["reason"]
            .as_str()
            .unwrap()
            .contains("did you mean `FacialFeaturesUseEnhancedAntiSpoofing`?"),
        "{misspelt}"
    );
    assert_eq!(misspelt["meaning"], Value::Null);
    assert_eq!(misspelt["value"], "true");

    // One tenant: its policy in force as `policy --json` gives it.
    let tenants = json["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 1, "{json}");
    let policy = &tenants[0];
    assert_eq!(policy["tenant"], SEED_TENANT);
    let min = &policy["policies"]["PINComplexity/MinimumPINLength"];
    assert_eq!(min["value"], 8);
    assert_eq!(min["source"], "device");
    assert_eq!(policy["policies"]["PINComplexity/History"]["value"], 20);
    assert_eq!(policy["summary"]["min_length"], 8);
    assert_eq!(policy["summary"]["max_length"], 16);
    assert!(!device.state().exists(), "explain never opens the state");
}

#[test]
fn explain_json_marks_another_tenants_policy_ignored() {
    let device = TestDevice::new();
    let other = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";
    let file = device.file(
        "two.xml",
        Msg::new()
            .device("PINComplexity/MinimumPINLength", "int", "6")
            .device_in(other, "PINComplexity/MinimumPINLength", "int", "8")
            .build(),
    );
    let path = file.to_str().unwrap();
    // Both tenants: one table each, both values in force.
    let json = explain_json(&device, &[path]);
    let tenants: Vec<&str> = json["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenant"].as_str().unwrap())
        .collect();
    assert_eq!(tenants.len(), 2, "{json}");
    assert!(
        tenants.contains(&TENANT) && tenants.contains(&other),
        "{json}"
    );
    assert!(
        json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["verdict"] == "in force"),
        "{json}"
    );
    // `--tenant`: the other tenant's setting is accepted yet ignored, with why.
    let json = explain_json(&device, &["--tenant", other, path]);
    assert_eq!(json["tenants"].as_array().unwrap().len(), 1, "{json}");
    let first = &json["settings"][0];
    assert_eq!(first["tenant"], TENANT);
    assert_eq!(first["verdict"], "ignored");
    assert_eq!(first["status"], Value::Null);
    assert!(
        first["reason"].as_str().unwrap().starts_with(&format!(
            "not in force: policy for tenant `{TENANT}` is ignored"
        )),
        "{first}"
    );
    assert_eq!(json["settings"][1]["verdict"], "in force");
}

#[test]
fn explain_json_refuses_several_files() {
    let device = TestDevice::new();
    let a = device.file("a.xml", Msg::new().build());
    let b = device.file("b.xml", Msg::new().build());
    let run = device.run(&[
        "explain",
        "--json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "--json");
}
