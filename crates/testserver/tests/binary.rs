//! The `pfw-testserver` binary: its help, its lifetime and `--profiles`.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pfw-testserver"))
}

/// Starts `server` with its standard output piped, and reads the line it starts with: its URL.
fn spawn(mut server: Command) -> (Child, BufReader<ChildStdout>) {
    let mut child = server.stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("https://127.0.0.1:"), "{first}");
    (child, stdout)
}

/// The next line the server prints, once it stops.
fn last_line(mut child: Child, mut stdout: BufReader<ChildStdout>) -> String {
    let mut rest = String::new();
    stdout.read_line(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    rest
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
    let mut command = server();
    command
        .args(["--exit-after", "1", "--profiles"])
        .arg(dir.path());
    let (child, stdout) = spawn(command);
    // --exit-after 1: the server ends by itself and says what it saw.
    let rest = last_line(child, stdout);
    assert!(rest.contains("0 sessions"), "{rest}");
}

#[test]
fn sigterm_stops_it() {
    let mut command = server();
    command.args(["--exit-after", "30"]);
    let (child, stdout) = spawn(command);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest = last_line(child, stdout);
    assert!(rest.contains("sessions"), "{rest}");
}
