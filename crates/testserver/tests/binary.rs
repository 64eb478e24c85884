//! The `pfw-testserver` binary: its help, its lifetime and `--profiles`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pfw-testserver"))
}

#[test]
fn help_names_every_option() {
    let out = server().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--port",
        "--ca-out",
        "--exit-after",
        "--profiles",
        "--no-record",
    ] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
}

#[test]
fn empty_profile_directory_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = server()
        .args(["--exit-after", "1", "--profiles"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("no *.xml file"), "{text}");
}

#[test]
fn serves_a_profile_directory_and_stops_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("01-get.xml"),
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Get><CmdID>1</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get></SyncBody></SyncML>"#,
    )
    .unwrap();
    let mut child = server()
        .args(["--exit-after", "1", "--profiles"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("https://127.0.0.1:"), "{first}");
    // --exit-after 1: the server ends by itself and says what it saw.
    let mut rest = String::new();
    stdout.read_line(&mut rest).unwrap();
    assert!(rest.contains("0 sessions"), "{rest}");
    assert!(child.wait().unwrap().success());
}

#[test]
fn sigterm_stops_it() {
    let mut child = server()
        .args(["--exit-after", "30"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("https://127.0.0.1:"), "{first}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    stdout.read_line(&mut rest).unwrap();
    assert!(rest.contains("sessions"), "{rest}");
    assert!(child.wait().unwrap().success());
}
