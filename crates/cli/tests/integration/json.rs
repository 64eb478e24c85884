//! The JSON output of the commands that show data, one stable shape each (README "JSON
//! output"), and `pfw apply` of an Intune profile.

use serde_json::{Value, json};

use crate::support::{
    DEVICE_ROOT, Msg, TENANT, TestDevice, assert_contains, device_policy, keys_of,
};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn apply_json_gives_statuses_results_and_the_response() {
    let device = TestDevice::new();
    let uri = device_policy(TENANT, "PINComplexity/History");
    let message = format!(
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody>\
         <Add><CmdID>1</CmdID><Item><Target><LocURI>{uri}</LocURI></Target>\
         <Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>5</Data></Item></Add>\
         <Get><CmdID>2</CmdID><Item><Target><LocURI>{uri}</LocURI></Target></Item></Get>\
         <Get><CmdID>3</CmdID><Item><Target><LocURI>{DEVICE_ROOT}/Nope</LocURI></Target></Item></Get>\
         <Final/></SyncBody></SyncML>"
    );
    let run = device.apply(&message, &["--json"]);
    assert_eq!(run.code, Some(1), "the third command fails: {run:?}");
    let value = parse(&run.stdout);
    let statuses = value["statuses"].as_array().expect("statuses");
    assert_eq!(statuses.len(), 3, "{value}");
    assert_eq!(
        (
            &statuses[0]["cmd_id"],
            &statuses[0]["command"],
            &statuses[0]["uri"]
        ),
        (&json!("1"), &json!("Add"), &json!(uri))
    );
    let codes: Vec<&Value> = statuses.iter().map(|s| &s["status"]).collect();
    assert_eq!(codes, [&json!(200), &json!(200), &json!(404)]);
    assert!(statuses[2]["reason"].is_string(), "{value}");
    assert_eq!(
        value["results"],
        json!([{"cmd_ref": "2", "uri": uri, "format": "int", "data": "5"}])
    );
    assert!(
        value["response"]
            .as_str()
            .is_some_and(|r| r.starts_with("<SyncML") && r.contains("<Results>")),
        "{value}"
    );
}

#[test]
fn get_json_gives_a_value_children_nodes_or_the_failure() {
    let device = TestDevice::new();
    let uri = device_policy(TENANT, "UsePassportForWork");
    device.apply_ok(&Msg::new().add(&uri, "bool", "true").build(), &[]);

    let value = parse(&device.run(&["get", "--json", &uri]).stdout);
    assert_eq!(value, json!({"uri": uri, "value": "true"}));

    let run = device.run(&["get", "--json", DEVICE_ROOT]);
    let children = parse(&run.stdout);
    assert_eq!(children["uri"], DEVICE_ROOT);
    assert!(
        children["children"]
            .as_array()
            .is_some_and(|c| c.contains(&json!(TENANT))),
        "{children}"
    );

    let list = format!("{DEVICE_ROOT}/{TENANT}?list=StructData");
    let nodes = parse(&device.run(&["get", "--json", &list]).stdout);
    assert!(
        nodes["nodes"]
            .as_array()
            .is_some_and(|n| n.contains(&json!({"uri": uri, "value": "true"}))),
        "{nodes}"
    );

    let missing = format!("{DEVICE_ROOT}/{TENANT}/Policies/RequireSecurityDevice");
    let run = device.run(&["get", "--json", &missing]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let failure = parse(&run.stdout);
    assert_eq!(
        (&failure["uri"], &failure["status"]),
        (&json!(missing), &json!(404))
    );
    assert!(failure["error"].is_string(), "{failure}");
}

#[test]
fn device_show_json_shape() {
    let device = TestDevice::existing();
    let value = parse(&device.run(&["device", "show", "--json"]).stdout);
    let keys = keys_of(&value);
    assert_eq!(
        keys,
        [
            "build",
            "edition",
            "edition_name",
            "state",
            "tenant",
            "tpm",
            "users"
        ]
    );
}

#[test]
fn apply_of_an_intune_profile_says_what_it_is_and_what_to_run() {
    let device = TestDevice::new();
    let profile = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../lint/tests/data/intune-profile.json"),
    )
    .expect("the Intune example");
    let file = device.file("profile.json", profile);
    let run = device.run(&["apply", file.to_str().expect("UTF-8")]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "Intune custom profile");
    assert_contains(&run.stderr, "pfw lint");
    assert_contains(&run.stderr, "pfw explain");
    assert!(!device.state().exists() || device.dump().is_empty());
}
