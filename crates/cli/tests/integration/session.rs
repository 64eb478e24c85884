//! `pfw enroll`, `pfw sync`, `pfw unenroll` and `pfw fleet` against the in-process test server
//! (its enrollment side and its MDM side, which checks every device message): a Windows
//! Hello profile applied as `pfw apply` applies it, a session with nothing to do, the policy
//! in force afterwards, a server that refuses the device, hostile servers, polling stopped by
//! SIGINT and SIGTERM, unenrollment and a small fleet.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use pfw_syncml::{Command, Limits, SyncMl};
use pfw_testserver::mdm::{MdmConfig, MdmServer};
use pfw_testserver::{Endpoint, Misbehavior, TestServer, TestServerConfig};

use crate::support::{Run, TestDevice, assert_contains, assert_count, codes, decode, statuses};

const PROFILE: &str = include_str!("../../../../examples/windows-hello-profile.xml");
const USER: &str = "demo@example.com";
const PASSWORD: &str = "demo-password\n";

/// One RSA key for every test (generation is slow in debug builds), as a PKCS#8 DER file.
fn key_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let key = pfw_session::DeviceKey::generate(2048).expect("an RSA key");
        let path =
            std::env::temp_dir().join(format!("pfw-cli-test-key-{}.der", std::process::id()));
        std::fs::write(&path, key.to_pkcs8_der().expect("PKCS#8")).expect("the key is written");
        path
    })
}

fn gets(uris: &[&str]) -> Vec<Command> {
    let body: String = uris
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<Get><CmdID>{}</CmdID><Item><Target><LocURI>{u}</LocURI></Target></Item></Get>",
                i + 1
            )
        })
        .collect();
    let message =
        format!(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>{body}</SyncBody></SyncML>"#);
    SyncMl::decode(message.as_bytes(), &Limits::DEFAULT)
        .unwrap()
        .body
        .commands
}

fn profile() -> Vec<Command> {
    SyncMl::decode(PROFILE.as_bytes(), &Limits::DEFAULT)
        .unwrap()
        .body
        .commands
}

/// A test server with an MDM side playing `script`.
fn server(script: Vec<Vec<Command>>) -> (TestServer, Arc<MdmServer>) {
    let server = TestServer::start(TestServerConfig::default()).expect("the test server starts");
    let mdm = MdmServer::serve(&server, MdmConfig::playing(script));
    (server, mdm)
}

/// `pfw enroll` of `device` with `server`; asserts it succeeded.
#[track_caller]
fn enroll(device: &TestDevice, server: &TestServer) -> Run {
    enroll_with(device, server, &[])
}

/// `pfw enroll` of `device` with `server` and the options `extra`; asserts it succeeded.
#[track_caller]
fn enroll_with(device: &TestDevice, server: &TestServer, extra: &[&str]) -> Run {
    let ca = device.file("ca.pem", server.ca_pem());
    let key = device.dir().join("device.key");
    std::fs::copy(key_file(), &key).unwrap();
    let base_url = server.base_url();
    let mut args = vec!["enroll"];
    args.extend(login(&base_url, ca.to_str().unwrap()));
    args.extend(["--key", key.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let run = device.run_with_stdin(&args, PASSWORD);
    assert_eq!(run.code, Some(0), "enroll: {run:?}");
    run
}

#[test]
fn enroll_sync_then_policy_shows_what_the_server_set() {
    let (server, mdm) = server(vec![
        gets(&[
            "./DevDetail/SwV",
            "./DevInfo/DevId",
            "./Vendor/MSFT/DMClient/Provider/pfw-test/UPN",
        ]),
        profile(),
    ]);
    let device = TestDevice::new();
    let enrolled = enroll(&device, &server);
    assert_contains(&enrolled.stdout, "provider pfw-test");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(device.state())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the state holds the private key");
    }

    let sync = device.run(&["sync", "--timeout", "10"]);
    assert_eq!(sync.code, Some(0), "sync: {sync:?}");
    assert!(sync.stdout.starts_with("session 1:"), "{}", sync.stdout);
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    let session = &mdm.sessions()[0];
    let device_id = session.device_id.clone();
    assert_eq!(
        session.result_for("./DevInfo/DevId"),
        Some(device_id.clone())
    );
    assert_eq!(
        session.result_for("./DevDetail/SwV").as_deref(),
        Some("10.0.26100.1")
    );
    assert_eq!(
        session
            .result_for("./Vendor/MSFT/DMClient/Provider/pfw-test/UPN")
            .as_deref(),
        Some(USER)
    );

    // The profile's statuses are those `pfw apply` gives on a fresh device.
    let fresh = TestDevice::new();
    let applied = fresh.apply(PROFILE, &[]);
    let response = decode(&applied.stdout);
    let expected: Vec<String> = statuses(&response)
        .iter()
        .skip(1)
        .map(|s| s.data.text.to_string())
        .collect();
    let got: Vec<String> = session
        .statuses
        .iter()
        .skip(3)
        .map(|s| s.data.text.to_string())
        .collect();
    assert_eq!(got, expected);

    // A second session: nothing to do, ends cleanly.
    let again = device.run(&["sync", "--timeout", "10", "--json"]);
    assert_eq!(again.code, Some(0), "{again:?}");
    let report: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(report["session_id"], "2");
    assert_eq!(report["messages_sent"], 1);
    assert_eq!(report["commands"].as_array().map(Vec::len), Some(0));
    assert!(mdm.sessions()[1].completed);

    // The policy the server set is in force.
    let policy = device.policy(&[]);
    assert_eq!(policy["tenant"], "3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83");
    for (name, value) in [
        // The values the example profile sets.
        ("UsePassportForWork", serde_json::json!(true)),
        ("RequireSecurityDevice", serde_json::json!(true)),
        ("PINComplexity/MinimumPINLength", serde_json::json!(6)),
    ] {
        assert_eq!(policy["policies"][name]["value"], value, "{name}");
        assert_eq!(policy["policies"][name]["source"], "device", "{name}");
    }
    let get = device.run(&["get", "./DevInfo/DevId"]);
    assert_eq!(get.stdout.trim(), device_id);
    // Nothing secret on the terminal.
    for run in [&enrolled, &sync, &again] {
        assert!(!run.stdout.contains("PRIVATE") && !run.stderr.contains("PRIVATE"));
    }
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
}

#[test]
fn a_server_that_refuses_the_device_exits_4_and_changes_nothing() {
    let (server, _mdm) = server(vec![profile()]);
    let device = TestDevice::new();
    enroll(&device, &server);
    server.set_management_handler(Arc::new(|_| (403, Vec::new())));
    let before = device.dump();
    let run = device.run(&["sync", "--timeout", "5"]);
    assert_eq!(run.code, Some(4), "{run:?}");
    assert_contains(&run.stderr, "refused");
    assert_eq!(device.dump(), before);
}

#[test]
fn hostile_servers_end_in_bounded_time_with_the_state_unchanged() {
    let (server, _mdm) = server(vec![profile()]);
    let device = TestDevice::new();
    enroll(&device, &server);
    for (misbehavior, expected) in [
        (
            Misbehavior::Raw {
                status: 200,
                content_type: "application/vnd.syncml.dm+xml".to_owned(),
                body: b"\x00\x01 definitely not SyncML".to_vec(),
            },
            "not SyncML",
        ),
        (Misbehavior::Garbage, "management server"),
        (Misbehavior::Slow(Duration::from_secs(8)), "timed out"),
        (Misbehavior::Silent, "timed out"),
        (Misbehavior::Close, "management server"),
    ] {
        let before = device.dump();
        server.misbehave(Endpoint::Management, misbehavior.clone(), 1);
        let started = Instant::now();
        let run = device.run(&["sync", "--timeout", "1"]);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{misbehavior:?}"
        );
        assert_eq!(run.code, Some(4), "{misbehavior:?}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{misbehavior:?}: {}",
            run.stderr
        );
        assert_eq!(device.dump(), before, "{misbehavior:?}");
    }
}

#[test]
fn not_enrolled_is_bad_input() {
    let device = TestDevice::new();
    let run = device.run(&["sync"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "pfw enroll");
    let run = device.run(&["unenroll"]);
    assert_eq!(run.code, Some(2), "{run:?}");
}

#[cfg(unix)]
fn poll_until_stopped(signal: &str) {
    let (server, mdm) = server(vec![profile()]);
    let device = TestDevice::new();
    enroll(&device, &server);
    // The test server's schedule: every 15 minutes at first; a schedule minute lasts 20 ms.
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pfw"))
        .args([
            "--state",
            device.state().to_str().unwrap(),
            "sync",
            "--poll",
            "--timeout",
            "10",
        ])
        .env("PFW_POLL_MINUTE_MS", "20")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pfw starts");
    let started = Instant::now();
    while mdm.sessions().iter().filter(|s| s.completed).count() < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "two polls");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("session 1:") && stdout.contains("session 2:"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("stopped"));
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
}

#[cfg(unix)]
#[test]
fn sync_poll_polls_on_schedule_and_stops_on_sigint() {
    poll_until_stopped("-INT");
}

#[cfg(unix)]
#[test]
fn sync_poll_stops_on_sigterm() {
    poll_until_stopped("-TERM");
}

#[test]
fn unenroll_tells_the_server_then_forgets() {
    let (server, mdm) = server(Vec::new());
    let device = TestDevice::new();
    enroll(&device, &server);
    assert_eq!(
        device
            .run(&["get", "./Vendor/MSFT/DMClient/Provider"])
            .stdout
            .trim(),
        "pfw-test"
    );
    let run = device.run(&["unenroll", "--timeout", "10"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let alerts = &mdm.sessions()[0].alerts;
    assert!(alerts.iter().any(|a| a.data.as_deref() == Some("1226")
        && a.items[0].meta.as_ref().and_then(|m| m.type_.as_deref())
            == Some("com.microsoft:mdm.unenrollment.userrequest")));
    assert_eq!(device.run(&["sync"]).code, Some(2));
    let gone = device.run(&["get", "./Vendor/MSFT/DMClient/Provider/pfw-test"]);
    assert_eq!(gone.code, Some(1), "{gone:?}");
    // Enrolling again works.
    enroll(&device, &server);
}

#[test]
fn a_small_fleet() {
    let (server, mdm) = server(vec![gets(&["./DevDetail/SwV"]), profile()]);
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    for i in 0..3 {
        std::fs::copy(key_file(), keys.join(format!("device-{i:05}.key"))).unwrap();
    }
    let ca = ca_file(dir.path(), &server);
    let device = TestDevice::new();
    let base_url = server.base_url();
    let mut args = vec!["fleet"];
    args.extend(login(&base_url, ca.to_str().unwrap()));
    args.extend(["--devices", "3", "--concurrency", "2"]);
    args.extend(["--key-cache", keys.to_str().unwrap(), "--json"]);
    let run = device.run_with_stdin(&args, PASSWORD);
    assert_eq!(run.code, Some(0), "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["synced"], 3);
    assert_eq!(report["session_latency"]["count"], 3);
    assert!(report["statuses_sent"]["200"].as_u64().unwrap() > 3);
    assert_eq!(mdm.sessions().len(), 3);
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    // In-memory devices: the fleet leaves no state behind.
    assert!(!device.state().exists());
}

#[test]
fn sync_trace_shows_every_message_both_ways() {
    let (server, mdm) = server(vec![gets(&["./DevDetail/SwV"])]);
    let device = TestDevice::new();
    enroll(&device, &server);
    let run = device.run(&["sync", "--trace", "--timeout", "10"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // Two device messages and two server answers.
    assert_count(&run.stderr, "--> to the server", 2);
    assert_count(&run.stderr, "<-- from the server", 2);
    assert!(run.stderr.contains("<LocURI>./DevInfo/DevId</LocURI>"));
    assert!(run.stderr.contains("<Data>10.0.26100.1</Data>"));
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
}

#[test]
fn device_csps_answer_get_and_apply_without_enrollment() {
    // The read-only commands below need an existing state (pfw's rule, README "State").
    let device = TestDevice::existing();
    let run = device.run(&["get", "./DevDetail/SwV"]);
    assert_eq!(run.stdout.trim(), "10.0.26100.1", "{run:?}");
    assert_eq!(
        device.run(&["device", "build", "10.0.19045.4239"]).code,
        Some(0)
    );
    assert_eq!(
        device.run(&["get", "./DevDetail/SwV"]).stdout.trim(),
        "10.0.19045.4239"
    );
    assert_eq!(
        device
            .run(&["get", "./DevDetail/Ext/Microsoft/OSPlatform"])
            .stdout
            .trim(),
        "Windows 10 Enterprise"
    );
    // The identifier is generated once per state and kept.
    let id = device.run(&["get", "./DevInfo/DevId"]).stdout;
    assert_eq!(id.trim().len(), 32);
    assert_eq!(device.run(&["get", "./DevInfo/DevId"]).stdout, id);
    // Through apply: a read-only node refuses a write (405), a Get answers.
    let message = r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
      <Replace><CmdID>2</CmdID><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target><Data>X</Data></Item></Replace>
      <Get><CmdID>3</CmdID><Item><Target><LocURI>./DevInfo/Lang</LocURI></Target></Item></Get>
      <Final/></SyncBody></SyncML>"#;
    let applied = device.apply(message, &[]);
    assert_eq!(applied.code, Some(1), "{applied:?}");
    assert_eq!(codes(&applied.stdout), [405, 200]);
    assert!(applied.stdout.contains("<Data>en-US</Data>"));
    // Not enrolled: no provider node.
    assert_eq!(
        device
            .run(&["get", "./Vendor/MSFT/DMClient/Provider"])
            .stdout
            .trim(),
        ""
    );
}

/// deploy/fleet-job.yaml's shape, by a small line check: an Indexed Job whose completions
/// equal the shard count the fleet is told (`--shard-from-env N`).
fn manifest_shards() -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/fleet-job.yaml");
    let text = std::fs::read_to_string(&path).expect("deploy/fleet-job.yaml");
    let field = |name: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim().to_owned())
    };
    assert_eq!(field("apiVersion").as_deref(), Some("batch/v1"));
    assert_eq!(field("kind").as_deref(), Some("Job"));
    assert_eq!(field("completionMode").as_deref(), Some("Indexed"));
    assert_eq!(field("restartPolicy").as_deref(), Some("Never"));
    let completions: usize = field("completions").unwrap().parse().unwrap();
    let parallelism: usize = field("parallelism").unwrap().parse().unwrap();
    assert!(parallelism <= completions);
    let shards: usize = text
        .split("--shard-from-env")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the manifest runs pfw fleet --shard-from-env N");
    assert_eq!(shards, completions, "one pod per shard");
    assert!(text.contains("pfw fleet "), "the pods run pfw fleet");
    completions
}

/// The test server's CA certificate, written to `ca.pem` in `dir`.
fn ca_file(dir: &Path, server: &TestServer) -> PathBuf {
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    ca
}

fn fleet_args<'a>(server: &'a str, ca: &'a str, devices: &'a str) -> Vec<&'a str> {
    let mut args = vec!["fleet"];
    args.extend(login(server, ca));
    args.extend(["--devices", devices, "--concurrency", "2"]);
    args.extend(["--key-pool", "1", "--json"]);
    args
}

/// `pfw` with `args` (the password on standard input) as the pod of the Indexed Job with
/// completion index `index` runs it.
fn in_pod(device: &TestDevice, index: usize, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = device.cmd();
    cmd.env("JOB_COMPLETION_INDEX", index.to_string())
        .args(args)
        .write_stdin(PASSWORD);
    cmd
}

/// The options every command that talks to the test server takes: its URL, the test user
/// (its password on standard input), its CA certificate, a 10 s timeout.
fn login<'a>(server: &'a str, ca: &'a str) -> [&'a str; 9] {
    [
        "--server",
        server,
        "--user",
        USER,
        "--password-stdin",
        "--ca-cert",
        ca,
        "--timeout",
        "10",
    ]
}

#[test]
fn fleet_manifest_is_an_indexed_job_and_job_completion_index_selects_the_shard() {
    let shards = manifest_shards();
    let device = TestDevice::new();
    let (server, mdm) = server(vec![gets(&["./DevDetail/SwV"])]);
    let dir = tempfile::tempdir().unwrap();
    let ca = ca_file(dir.path(), &server);
    let devices = (shards + 1).to_string();
    let url = server.base_url();
    let shard_count = shards.to_string();
    let mut outputs = Vec::new();
    for k in 0..shards {
        let before = mdm.sessions().len();
        let mut args = fleet_args(&url, ca.to_str().unwrap(), &devices);
        args.extend(["--seed", "4", "--shard-from-env", &shard_count]);
        let mut pod = in_pod(&device, k, &args);
        let run = Run::from(pod.timeout(Duration::from_secs(120)).output().unwrap());
        assert_eq!(run.code, Some(0), "{run:?}");
        let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            summary["shards"],
            serde_json::json!([format!("{k}/{shards}")])
        );
        let seen: std::collections::BTreeSet<String> = mdm.sessions()[before..]
            .iter()
            .map(|s| s.device_id.clone())
            .collect();
        let expected: std::collections::BTreeSet<String> = (k..shards + 1)
            .step_by(shards)
            .map(|i| pfw_session::fleet::device_id(4, i))
            .collect();
        assert_eq!(seen, expected, "JOB_COMPLETION_INDEX={k} runs shard {k}");
        let file = dir.path().join(format!("shard-{k}.json"));
        // As `kubectl logs` gives it: other output first, the summary last.
        std::fs::write(&file, format!("pfw: metrics on …\n{}", run.stdout)).unwrap();
        outputs.push(file);
    }
    let mut report = device.cmd();
    report.args(["fleet", "report", "--json"]).args(&outputs);
    let run = Run::from(report.timeout(Duration::from_secs(60)).output().unwrap());
    assert_eq!(run.code, Some(0), "{run:?}");
    let merged: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(merged["sessions"], shards + 1);
    assert_eq!(merged["devices"], shards + 1);
    assert_eq!(merged["shards"].as_array().unwrap().len(), shards);
    assert_eq!(merged["session_latency"]["count"], shards + 1);

    // The same shard twice is refused; an index out of range says what to set.
    let mut twice = device.cmd();
    twice
        .args(["fleet", "report"])
        .arg(&outputs[0])
        .arg(&outputs[0]);
    let run = Run::from(twice.output().unwrap());
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "given twice");
    let mut args = fleet_args(&url, ca.to_str().unwrap(), &devices);
    args.extend(["--shard-from-env", &shard_count]);
    let run = Run::from(in_pod(&device, shards, &args).output().unwrap());
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "JOB_COMPLETION_INDEX must be set to 0");
}

#[test]
fn fleet_rerun_with_fleet_state_skips_enrollment_and_reports_in_human_form() {
    let (server, mdm) = server(vec![gets(&["./DevDetail/SwV"])]);
    let dir = tempfile::tempdir().unwrap();
    let ca = ca_file(dir.path(), &server);
    let state = dir.path().join("fleet.db");
    let url = server.base_url();
    let device = TestDevice::new();
    let mut args = fleet_args(&url, ca.to_str().unwrap(), "2");
    args.extend(["--fleet-state", state.to_str().unwrap()]);
    let trace = dir.path().join("trace.txt");
    let mut traced = args.clone();
    traced.extend([
        "--trace-device",
        "1",
        "--trace-file",
        trace.to_str().unwrap(),
    ]);
    let first = device.run_with_stdin(&traced, PASSWORD);
    assert_eq!(first.code, Some(0), "{first:?}");
    // Device 1's exchanges, enrollment and session, and no other device's.
    let text = std::fs::read_to_string(&trace).unwrap();
    assert_contains(&text, "/EnrollmentServer/Discovery.svc");
    assert_contains(&text, "/ManagementServer/MDM.svc?");
    assert_contains(&text, &pfw_session::fleet::device_id(1, 1));
    assert!(
        !text.contains(&pfw_session::fleet::device_id(1, 0)),
        "{text}"
    );
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(
        (
            first["enrollments"].as_u64(),
            first["already_enrolled"].as_u64()
        ),
        (Some(2), Some(0))
    );
    args.retain(|a| *a != "--json");
    let second = device.run_with_stdin(&args, PASSWORD);
    assert_eq!(second.code, Some(0), "{second:?}");
    assert_contains(&second.stdout, "0 ok, 0 failed, 2 already enrolled");
    assert_contains(&second.stdout, "sessions:           2 ok, 0 failed");
    assert_contains(&second.stdout, "enrollment latency: no samples");
    assert!(!second.stdout.contains(" 0.0 ms"), "{}", second.stdout);
    assert_eq!(mdm.sessions().len(), 4);
    // A failing fault rule explains its form.
    let mut bad = fleet_args(&url, ca.to_str().unwrap(), "2");
    bad.extend(["--fault", "uri=*,answer=42"]);
    let run = device.run_with_stdin(&bad, PASSWORD);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "status code from 100 to 599");
}

#[test]
fn sync_and_enroll_trace_show_url_status_headers_timing_and_indented_xml() {
    let (server, _mdm) = server(vec![gets(&["./DevDetail/SwV"])]);
    let device = TestDevice::new();
    // pfw enroll --trace-file: every exchange of the enrollment, in a file.
    let trace = device.dir().join("enroll-trace.txt");
    enroll_with(
        &device,
        &server,
        &["--trace", "--trace-file", trace.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let base = server.base_url();
    assert!(
        text.contains(&format!(
            "--> to the server GET {base}/EnrollmentServer/Discovery.svc"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "--> to the server POST {base}/EnrollmentServer/Enrollment.svc"
        )),
        "{text}"
    );
    assert_count(&text, "<-- from the server HTTP 200 in ", 4);
    assert_contains(&text, "    Content-Type: application/soap+xml");
    // Indented: the envelope's children one level in.
    assert!(
        text.lines()
            .any(|l| l.starts_with("  <s:Header>") || l.starts_with("  <s:Body>")),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour in a file");

    // pfw sync --trace (pretty) on standard error, with NO_COLOR: no escape codes.
    let run = device.run(&["sync", "--trace", "--timeout", "10"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "--> to the server POST {base}/ManagementServer/MDM.svc?"
        )),
        "{}",
        run.stderr
    );
    assert_contains(
        &run.stderr,
        "    Content-Type: application/vnd.syncml.dm+xml",
    );
    assert!(
        run.stderr.lines().any(|l| l.starts_with("  <SyncHdr>")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}'), "NO_COLOR is respected");

    // --trace=raw keeps the messages as they went, with their size.
    let run = device.run(&["sync", "--trace=raw", "--timeout", "10"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_count(&run.stderr, "--> to the server (", 1);
    assert_contains(&run.stderr, "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>");
    assert!(!run.stderr.contains("HTTP 200 in"), "{}", run.stderr);
}

/// A fleet against the test server serving a profile directory with a mixed-CSP profile (Policy CSP, an ADMX-backed
/// policy, BitLocker, Defender, Firewall, LAPS, PassportForWork, a misspelled area): every
/// device answers every command with the statuses `pfw apply` gives for the same message on a
/// fresh device (the engine is the one place each status is decided; README "The whole
/// device").
#[test]
fn a_fleet_answers_a_mixed_csp_profile_as_pfw_apply_does() {
    let profile = concat!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>"#,
        r#"<Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>8</Data></Item></Add>"#,
        r#"<Add><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/DeviceLok/MinDevicePasswordLength</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>8</Data></Item></Add>"#,
        r#"<Add><CmdID>4</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/ADMX_Bits/BITS_EnablePeercaching</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format></Meta><Data>&lt;disabled/&gt;</Data></Item></Add>"#,
        r#"<Add><CmdID>5</CmdID><Item><Target><LocURI>./Vendor/MSFT/BitLocker/RequireDeviceEncryption</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>2</Data></Item></Add>"#,
        r#"<Exec><CmdID>6</CmdID><Item><Target><LocURI>./Vendor/MSFT/Defender/Scan</LocURI></Target><Data>1</Data></Item></Exec>"#,
        r#"<Add><CmdID>7</CmdID><Item><Target><LocURI>./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall</LocURI></Target><Meta><Format xmlns="syncml:metinf">bool</Format></Meta><Data>true</Data></Item></Add>"#,
        r#"<Add><CmdID>8</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>14</Data></Item></Add>"#,
        r#"<Add><CmdID>9</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/UsePassportForWork</LocURI></Target><Meta><Format xmlns="syncml:metinf">bool</Format></Meta><Data>true</Data></Item></Add>"#,
        r#"<Get><CmdID>10</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Result/DeviceLock/MinDevicePasswordLength</LocURI></Target></Item></Get>"#,
        r#"<Final/></SyncBody></SyncML>"#,
    );
    // What pfw apply answers on a fresh device.
    let device = TestDevice::new();
    let applied = device.apply(profile, &[]);
    let expected = codes(&applied.stdout);
    assert_eq!(expected.len(), 9, "{applied:?}");
    assert!(
        expected.contains(&200) && expected.iter().any(|c| *c >= 400),
        "{expected:?}"
    );
    // The same message, as a profile directory the test server serves (`pfw-testserver
    // --profiles DIR`), played to every device of a fleet.
    let profiles = device.dir().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::write(profiles.join("01-mixed.xml"), profile).unwrap();
    let script = pfw_testserver::mdm::profiles_script(&profiles).expect("the directory reads");
    let (server, mdm) = server(script);
    let ca = device.file("ca.pem", server.ca_pem());
    let base = server.base_url();
    let run = device.run_with_stdin(&fleet_args(&base, ca.to_str().unwrap(), "3"), PASSWORD);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    let sessions = mdm.sessions();
    assert_eq!(sessions.len(), 3);
    for session in &sessions {
        let got: Vec<u16> = session.status_codes().into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, expected, "device {}", session.device_id);
    }
}
