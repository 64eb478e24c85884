//! The JSON shape of an effective policy.

use serde_json::{Value, json};

use pfw_passport::policy::catalog;

use crate::support::{T, run};

#[test]
fn effective_policy_json_shape() {
    let policy = run(
        &[("PINComplexity/MinimumPINLength", "10")],
        &[
            ("PINComplexity/History", "x"),
            ("DeviceUnlock/Plugins", "p1,p2"),
        ],
    );
    let value: Value = serde_json::to_value(&policy).expect("serializable");
    // pfw: {"tenant", "user", "policies": {key: {"value", "source", "uri"}}, "ignored": [...]};
    // "uri" names the node a configured value was read from (pfw's rule, README "JSON
    // output": `pfw policy --json` gives the URI each value came from).
    assert_eq!(value["tenant"], json!(T));
    assert_eq!(value["tenant_reason"], json!("only-tenant-present"));
    assert_eq!(value["user"], json!("alice"));
    let policies = &value["policies"];
    assert_eq!(
        policies["PINComplexity/MinimumPINLength"],
        json!({
            "value": 10,
            "source": "user",
            "uri": format!("./User/Vendor/MSFT/PassportForWork/{T}/Policies/PINComplexity/MinimumPINLength"),
        })
    );
    assert_eq!(
        policies["UsePassportForWork"],
        json!({"value": true, "source": "default"})
    );
    assert_eq!(
        policies["DeviceUnlock/Plugins"],
        json!({
            "value": "p1,p2",
            "source": "device",
            "uri": "./Device/Vendor/MSFT/PassportForWork/DeviceUnlock/Plugins",
        })
    );
    assert_eq!(
        policies["DeviceUnlock/GroupA"],
        json!({"value": null, "source": "default"})
    );
    // A default that differs from the DDF's carries the reason and the DDF's value.
    let biometrics = &policies["Biometrics/UseBiometrics"];
    assert_eq!(
        (
            &biometrics["value"],
            &biometrics["source"],
            &biometrics["ddf_default"]
        ),
        (&json!(true), &json!("default"), &json!("False"))
    );
    assert!(
        biometrics["reason"]
            .as_str()
            .is_some_and(|r| r.contains("2019 CSP page"))
    );
    let ignored = value["ignored"].as_array().expect("an array");
    assert_eq!(ignored.len(), 1);
    assert_eq!(
        ignored[0]["path"],
        json!(format!("{T}/Policies/PINComplexity/History"))
    );
    assert_eq!(ignored[0]["source"], json!("device"));
    assert!(
        ignored[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not a decimal integer"))
    );
}

#[test]
fn policies_are_written_in_catalog_order() {
    let text = serde_json::to_string(&run(&[], &[])).expect("serializable");
    let positions: Vec<usize> = catalog()
        .iter()
        .map(|d| {
            text.find(&format!("\"{}\":", d.key))
                .unwrap_or_else(|| panic!("{} missing", d.key))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}
