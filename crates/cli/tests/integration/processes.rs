//! The state across processes: what one `pfw apply` wrote, the next `pfw get` and `pfw tree`
//! read; a missing node is a negative answer with its reason; users have trees of their own.

use crate::support::{
    DEVICE_ROOT, Msg, READING_COMMANDS, TENANT, TestDevice, codes, device_policy, user_policy,
};

#[test]
fn get_reads_what_another_process_applied() {
    let device = TestDevice::new();
    let uri = device_policy(TENANT, "PINComplexity/MinimumPINLength");
    device.apply_ok(&Msg::new().add(&uri, "int", "9").build(), &[]);

    let get = device.run(&["get", &uri]);
    assert_eq!(get.code, Some(0), "{get:?}");
    assert_eq!(get.stdout, "9\n");

    // An interior node lists its children, one per line.
    let parent = device.run(&["get", &device_policy(TENANT, "PINComplexity")]);
    assert_eq!(parent.code, Some(0), "{parent:?}");
    assert_eq!(
        parent.stdout.lines().collect::<Vec<_>>(),
        ["MinimumPINLength"]
    );

    // A later Replace in a third process is what a fourth reads.
    device.apply_ok(&Msg::new().replace(&uri, "int", "12").build(), &[]);
    assert_eq!(device.run(&["get", &uri]).stdout, "12\n");
}

#[test]
fn get_of_a_missing_node_is_negative_with_its_reason() {
    // The read-only commands below need an existing state (pfw's rule, README "State").
    let device = TestDevice::existing();
    let cases = [
        // A schema node never set: 404 (DESIGN.md: Get of a leaf never set).
        (
            device_policy(TENANT, "PINComplexity/History"),
            "does not exist",
        ),
        // A name the schema does not have: 404 with the reason.
        (
            format!("{DEVICE_ROOT}/Biometrics/NoSuchNode"),
            "is not a child",
        ),
    ];
    for (uri, reason) in cases {
        let get = device.run(&["get", &uri]);
        assert_eq!(get.code, Some(1), "{uri}: {get:?}");
        assert!(get.stdout.is_empty(), "{uri}: {get:?}");
        assert!(get.stderr.contains(reason), "{uri}: {get:?}");
        assert!(get.stderr.contains("404"), "{uri}: {get:?}");
    }
}

#[test]
fn tree_json_shows_the_device_tree_and_each_user_tree() {
    let device = TestDevice::new();
    let device_uri = device_policy(TENANT, "UsePassportForWork");
    let user_uri = user_policy(TENANT, "PINComplexity/MinimumPINLength");
    device.apply_ok(&Msg::new().add(&device_uri, "bool", "true").build(), &[]);
    device.apply_ok(
        &Msg::new().add(&user_uri, "int", "7").build(),
        &["--user", "alice"],
    );

    let tree = device.tree(None);
    assert_eq!(tree.get(&device_uri), Some(&Some("true".to_owned())));
    assert_eq!(
        tree.get(&format!("{DEVICE_ROOT}/{TENANT}")),
        Some(&None),
        "interior nodes are null"
    );
    assert!(tree.keys().all(|k| k.starts_with("./Device/")), "{tree:?}");

    let alice = device.tree(Some("alice"));
    assert_eq!(alice.get(&user_uri), Some(&Some("7".to_owned())));
    assert!(alice.keys().all(|k| k.starts_with("./User/")), "{alice:?}");

    // Another user's tree does not hold alice's value.
    let bob = device.tree(Some("bob"));
    assert!(!bob.contains_key(&user_uri), "{bob:?}");

    let get = device.run(&["get", "--user", "alice", &user_uri]);
    assert_eq!((get.code, get.stdout.as_str()), (Some(0), "7\n"), "{get:?}");
}

/// DESIGN.md row 4: a `./User` command with no user given is 405.
#[test]
fn user_uri_without_a_user_is_405() {
    let device = TestDevice::new();
    let uri = user_policy(TENANT, "PINComplexity/MinimumPINLength");
    let run = device.apply(&Msg::new().add(&uri, "int", "7").build(), &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(codes(&run.stdout), [405]);
}

#[test]
fn a_read_only_command_on_a_missing_state_says_so_and_creates_nothing() {
    let device = TestDevice::new();
    for args in READING_COMMANDS {
        let run = device.run(args);
        assert_eq!(run.code, Some(3), "{args:?}: {run:?}");
        assert!(
            run.stdout.is_empty(),
            "{args:?}: no fresh device shown: {run:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains("no such file"), "{args:?}: {run:?}");
        assert!(!device.state().exists(), "{args:?} created the state");
    }
    let check = device.run_with_stdin(&["pin", "check", "--user", "alice"], "2468\n");
    assert_eq!(check.code, Some(3), "{check:?}");
    assert!(!device.state().exists(), "pin check created the state");
}

#[test]
fn state_and_ddf_are_offered_only_where_they_do_something() {
    let device = TestDevice::new();
    let help = |args: &[&str]| device.run(args).stdout;
    // lint reads the DDF and no state; device and pin read a state and no DDF.
    let lint = help(&["lint", "--help"]);
    assert!(
        lint.contains("--ddf") && !lint.contains("--state"),
        "{lint}"
    );
    for args in [
        &["device", "show", "--help"][..],
        &["pin", "check", "--help"],
    ] {
        let text = help(args);
        assert!(
            text.contains("--state") && !text.contains("--ddf"),
            "{args:?}: {text}"
        );
    }
    let apply = help(&["apply", "--help"]);
    assert!(
        apply.contains("--state") && apply.contains("--ddf"),
        "{apply}"
    );

    // Given anyway, before or after the command: refused, exit 2, nothing created.
    let state = device.dir().join("other.db");
    let state = state.to_str().expect("UTF-8");
    for args in [
        &["--state", state, "ddf"][..],
        &["ddf", "--state", state],
        &["explain", "--state", state, "x.xml"],
        &["device", "show", "--ddf", "x.xml"],
        &["--ddf", "x.xml", "policy"],
        &["device", "show", "--ddf-dir", "bundle"],
        &["--ddf-dir", "bundle", "pin", "status", "--user", "alice"],
    ] {
        let run = device.run(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains("does nothing for"), "{args:?}: {run:?}");
    }
    assert!(!device.dir().join("other.db").exists());
    // PFW_STATE in the environment is never an error (TestDevice sets it for every command).
    assert_eq!(device.run(&["ddf", "--json"]).code, Some(0));
}
