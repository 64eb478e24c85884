//! Output that cannot be written (pfw's rule, README "Exit status"): a command that changed
//! nothing ends quietly with exit 0 when its reader has closed the pipe, as Unix tools do; a
//! command that committed says so on stderr and exits 5, so a caller does not send the
//! message again (and get 418s).

use std::process::Command;

use crate::support::{
    DEVICE_ROOT, Msg, Run, TENANT, TestDevice, assert_contains, codes, device_policy,
};

/// `pfw ARGS` on the device's state with standard output a pipe whose read end is already
/// closed.
fn run_into_closed_pipe(device: &TestDevice, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_pfw"))
        .args(args)
        .current_dir(device.dir())
        .env("PFW_STATE", device.state())
        .env_remove("PFW_FAILPOINT")
        .env("PFW_ARGON2_TEST_PARAMS", "1")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .output()
        .expect("pfw runs");
    Run::from(output)
}

#[test]
fn a_command_that_changes_nothing_ends_quietly_on_a_closed_pipe() {
    let device = TestDevice::new();
    device.run(&["device", "tpm", "2.0"]);
    for args in [
        &["ddf", "--json"][..],
        &["ddf"],
        &["tree", "--json"],
        &["policy"],
        &["device", "show"],
        &["get", DEVICE_ROOT],
        &["--help"],
    ] {
        let run = run_into_closed_pipe(&device, args);
        assert_eq!(run.code, Some(0), "{args:?}: {run:?}");
        assert_eq!(run.stderr, "", "{args:?}: nothing to say");
    }
}

#[test]
fn apply_into_a_closed_pipe_keeps_the_commit_and_says_so_with_exit_5() {
    let device = TestDevice::new();
    let uri = device_policy(TENANT, "UsePassportForWork");
    let message = device.file("m.xml", Msg::new().add(&uri, "bool", "true").build());
    let run = run_into_closed_pipe(&device, &["apply", message.to_str().expect("UTF-8")]);
    assert_eq!(run.code, Some(5), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {run:?}");
    assert!(
        run.stderr
            .starts_with("pfw: applied; the response could not be written"),
        "{run:?}"
    );
    // The message was applied: sending it again is what the exit status warns against.
    assert_eq!(device.tree(None).get(&uri), Some(&Some("true".to_owned())));
    let again = device.apply(&Msg::new().add(&uri, "bool", "true").build(), &[]);
    assert_eq!(codes(&again.stdout), [418], "{again:?}");
}

#[test]
fn a_device_setting_into_a_closed_pipe_is_kept_with_exit_5() {
    let device = TestDevice::new();
    let run = run_into_closed_pipe(&device, &["device", "tpm", "none"]);
    assert_eq!(run.code, Some(5), "{run:?}");
    assert_contains(&run.stderr, "could not be written");
    let show = device.run(&["device", "show", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&show.stdout).expect("JSON");
    assert_eq!(value["tpm"], "none", "{show:?}");
}

#[test]
fn the_exit_status_table_in_help_has_exit_5() {
    let help = TestDevice::new().run(&["--help"]);
    assert!(
        help.stdout.contains("5 the output\ncould not be written")
            || help.stdout.contains("5 the output could not be written"),
        "{}",
        help.stdout
    );
}
