//! Names and values never reach a terminal raw (pfw's rule, README "Printing values"):
//! control characters and bidirectional controls are written as `\u{…}` in every human
//! printer, stdout and stderr, errors and warnings included.

use crate::support::{DEVICE_ROOT, Msg, Run, TENANT, TestDevice, assert_contains};

/// Nothing in the run's output can steer a terminal: no C0 control but tab and line feed,
/// no DEL, no C1, no bidirectional control.
#[track_caller]
fn assert_inert(run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c.is_control() && c != '\t' && c != '\n')
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            })
            .collect();
        assert!(bad.is_empty(), "{stream} holds {bad:?}: {run:?}");
    }
}

#[test]
fn the_several_tenants_error_escapes_a_tenant_named_with_cr_lf() {
    let device = TestDevice::new();
    device.apply_ok(
        &Msg::new()
            .device_in("a%0D%0Ab", "UsePassportForWork", "bool", "true")
            .device("UsePassportForWork", "bool", "true")
            .build(),
        &[],
    );
    let run = device.run(&["policy"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_inert(&run);
    assert_contains(&run.stderr, "a\\u{d}\\u{a}b");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {run:?}");
}

#[test]
fn a_tenant_holding_a_terminal_title_sequence_is_escaped_everywhere() {
    let device = TestDevice::new();
    let tenant = "\u{1b}]0;x\u{7}";
    let set = device.run(&["device", "tenant", tenant]);
    assert_eq!(set.code, Some(0), "{set:?}");
    assert_inert(&set);
    assert_contains(&set.stderr, "warning: `\\u{1b}]0;x\\u{7}`");
    assert_contains(&set.stdout, "tenant   \\u{1b}]0;x\\u{7}");

    let show = device.run(&["device", "show"]);
    assert_eq!(show.code, Some(0), "{show:?}");
    assert_inert(&show);
    assert_contains(&show.stdout, "\\u{1b}]0;x\\u{7}");

    let policy = device.run(&["policy"]);
    assert_eq!(policy.code, Some(0), "{policy:?}");
    assert_inert(&policy);
    assert_contains(&policy.stdout, "tenant \\u{1b}]0;x\\u{7}");

    // JSON carries the value exactly (JSON escapes C0 controls by its own rule).
    let json = device.run(&["device", "show", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(value["tenant"], tenant);
}

#[test]
fn bidirectional_controls_are_escaped() {
    let device = TestDevice::new();
    let run = device.run(&["device", "tenant", "abc\u{202E}fed\u{2066}"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_inert(&run);
    assert_contains(&run.stdout, "abc\\u{202e}fed\\u{2066}");
}

#[test]
fn a_node_name_holding_esc_in_an_edited_state_is_escaped_by_tree() {
    let device = TestDevice::new();
    device.set("UsePassportForWork", "bool", "true");
    // An edited state: the tenant's node renamed to hold ESC [31m.
    let db = rusqlite::Connection::open(device.state()).expect("the state opens");
    let changed = db
        .execute(
            "UPDATE nodes SET path = replace(path, ?1, ?2)",
            [TENANT, "t\u{1b}[31mred"],
        )
        .expect("the state is edited");
    assert!(changed > 0);
    drop(db);
    let run = device.run(&["tree"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_inert(&run);
    assert_contains(&run.stdout, "t\\u{1b}[31mred");
    // `pfw get` into a pipe prints names exactly (scripts read them), escaped on a terminal.
    let get = device.run(&["get", &format!("{DEVICE_ROOT}?list=Struct")]);
    assert_contains(&get.stdout, "t\u{1b}[31mred");
}

/// One colour policy for every printer (README "Output"): colour when the stream is a
/// terminal, or when `CLICOLOR_FORCE` asks for it; never when `NO_COLOR` is set
/// (no-color.org), which wins over `CLICOLOR_FORCE`.
#[test]
fn colour_follows_clicolor_force_and_no_color_on_every_printer() {
    let device = TestDevice::new();
    let profile = device.file(
        "profile.xml",
        Msg::new().device("UsePassportForWork", "bool", "1").build(),
    );
    let profile = profile.to_str().unwrap();
    let run = |no_color: Option<&str>, args: &[&str]| {
        let mut cmd = device.cmd();
        cmd.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        Run::from(cmd.args(args).output().expect("pfw runs"))
    };
    for args in [&["lint", profile][..], &["apply", profile, "--summary"][..]] {
        let forced = run(None, args);
        assert!(
            forced.stdout.contains('\u{1b}') || forced.stderr.contains('\u{1b}'),
            "CLICOLOR_FORCE=1 colours {args:?}: {forced:?}"
        );
        let plain = run(Some("1"), args);
        assert_inert(&plain);
    }
}
