//! The fleet against the test server: shards that add up to the whole fleet, faults that
//! fire at their rate from the seed, a rerun with a state file that resumes its devices
//! without enrolling them again, the metrics as OpenMetrics text, and a session cut short by
//! a fault that leaves the device as after its last answered message.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::sync::Arc;

use pfw_passport::schema::PassportCsp;
use pfw_session::fleet::fault::FaultRule;
use pfw_session::fleet::metrics::{FleetMetrics, MetricsServer};
use pfw_session::fleet::report::Summary;
use pfw_session::fleet::store::{DeviceStore, FleetState};
use pfw_session::fleet::{Event, FleetConfig, Hooks, KeySet, Plan, Shard, device_id, run};
use pfw_syncml::{Command, Limits, SyncMl};
use pfw_testserver::mdm::{MdmConfig, MdmServer};
use pfw_testserver::{Endpoint, TestServer};
use pfw_tree::Registry;

use crate::support::{fast_transport, key, request, server};

const PROFILE: &str = include_str!("../../../../examples/windows-hello-profile.xml");

fn profile() -> Vec<Command> {
    SyncMl::decode(PROFILE.as_bytes(), &Limits::DEFAULT)
        .unwrap()
        .body
        .commands
}

/// The profile's commands whose target ends with `suffix`.
fn profile_part(suffix: &str) -> Vec<Command> {
    profile()
        .into_iter()
        .filter(|c| match c {
            Command::Add(c) => c
                .items
                .iter()
                .any(|i| i.target_uri().is_some_and(|t| t.trim().ends_with(suffix))),
            _ => false,
        })
        .collect()
}

fn with_mdm(script: Vec<Vec<Command>>) -> (TestServer, Arc<MdmServer>) {
    let server = server();
    let mdm = MdmServer::serve(&server, MdmConfig::playing(script));
    (server, mdm)
}

fn config(server: &TestServer, devices: usize, seed: u64) -> FleetConfig {
    let request = request(server);
    FleetConfig {
        server: server.base_url(),
        user: request.user.clone(),
        credential: request.credential.clone(),
        extra_ca_pem: request.extra_ca_pem.clone(),
        system_roots: false,
        devices,
        concurrency: 3,
        transport: fast_transport(),
        base: Registry::new().with(Arc::new(PassportCsp::new().unwrap())),
        seed,
        shard: Shard::WHOLE,
        plan: Plan::default(),
        faults: Vec::new(),
        reuse_connections: true,
        max_connections: None,
    }
}

fn keys() -> KeySet {
    KeySet::pool(vec![key()])
}

fn go(config: &FleetConfig, state: Option<&FleetState>) -> Summary {
    run(config, state, &keys(), Hooks::default()).unwrap()
}

/// What must be equal between one run and its shards merged.
fn counts(s: &Summary) -> impl PartialEq + std::fmt::Debug {
    (
        s.devices,
        s.enrollments,
        s.enrollment_failures,
        s.sessions,
        s.session_failures,
        s.statuses_sent.clone(),
        s.statuses_received.clone(),
        s.faults.clone(),
        s.session_latency.count,
        s.enroll_latency.count,
    )
}

#[test]
fn shards_are_disjoint_and_merge_into_the_unsharded_run() {
    let script = || vec![profile_part("UsePassportForWork"), profile()];
    let fault = FaultRule::parse("uri=*/PINComplexity/*,answer=500,p=0.5").unwrap();
    let (server, _mdm) = with_mdm(script());
    let mut whole = config(&server, 7, 11);
    whole.faults = vec![fault.clone()];
    let one = go(&whole, None);
    assert_eq!(one.sessions, 7, "{:?}", one.errors);

    let (server, mdm) = with_mdm(script());
    let mut merged = Summary::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for k in 0..3 {
        let mut part = config(&server, 7, 11);
        part.faults = vec![fault.clone()];
        part.shard = Shard { index: k, count: 3 };
        let before = mdm.sessions().len();
        let summary = go(&part, None);
        let devices: BTreeSet<String> = mdm.sessions()[before..]
            .iter()
            .map(|s| s.device_id.clone())
            .collect();
        let expected: BTreeSet<String> = (k..7).step_by(3).map(|i| device_id(11, i)).collect();
        assert_eq!(devices, expected, "shard {k} runs devices {k}, {k}+3, …");
        assert!(seen.is_disjoint(&devices), "no device in two shards");
        seen.extend(devices);
        merged.merge(&summary);
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(counts(&merged), counts(&one));
    assert_eq!(merged.shards, vec!["0/3", "1/3", "2/3"]);
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
}

#[test]
fn a_fault_fires_at_its_rate_the_same_for_the_same_seed() {
    let rule = "uri=./Device/Vendor/MSFT/PassportForWork/*,answer=418,p=0.25";
    let fired = |seed: u64| {
        let (server, mdm) = with_mdm(vec![profile()]);
        let mut fleet = config(&server, 8, seed);
        fleet.faults = vec![FaultRule::parse(rule).unwrap()];
        let summary = go(&fleet, None);
        assert_eq!(summary.sessions, 8, "{:?}", summary.errors);
        let n = summary.faults.get(rule).copied().unwrap_or(0);
        // The server saw exactly the faults that fired, as Status 418.
        let answered_418 = mdm
            .sessions()
            .iter()
            .flat_map(|s| s.status_codes())
            .filter(|(_, code)| *code == 418)
            .count() as u64;
        assert_eq!(answered_418, n);
        assert_eq!(summary.statuses_sent.get(&418).copied().unwrap_or(0), n);
        assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
        n
    };
    let matching = 8 * profile().len() as u64;
    let first = fired(5);
    assert_eq!(fired(5), first, "the same seed fires the same faults");
    // Binomial(104, 0.25): mean 26, standard deviation 4.4.
    assert!((6..=50).contains(&first), "{first} of {matching}");

    // Probability 1: every matching command, exactly.
    let (server, _mdm) = with_mdm(vec![profile()]);
    let mut fleet = config(&server, 2, 5);
    let always = "uri=*/PINComplexity/*,answer=405";
    fleet.faults = vec![FaultRule::parse(always).unwrap()];
    let summary = go(&fleet, None);
    let pin = profile_part("").len()
        - profile()
            .iter()
            .filter(|c| !format!("{c:?}").contains("PINComplexity"))
            .count();
    assert_eq!(summary.faults[always], 2 * pin as u64);
}

#[test]
fn a_rerun_with_a_state_file_resumes_without_enrolling_again() {
    let dir = tempfile_dir();
    let path = dir.join("fleet.db");
    let (server, mdm) = with_mdm(vec![profile()]);
    let fleet = config(&server, 3, 21);
    let state = FleetState::open(&path, 21).unwrap();
    let first = go(&fleet, Some(&state));
    assert_eq!(
        (first.enrollments, first.sessions),
        (3, 3),
        "{:?}",
        first.errors
    );
    let enrollments = |server: &TestServer| server.requests_to(Endpoint::Enrollment).len();
    assert_eq!(enrollments(&server), 3);
    drop(state);

    let state = FleetState::open(&path, 21).unwrap();
    let second = go(&fleet, Some(&state));
    assert_eq!(second.already_enrolled, 3);
    assert_eq!(second.enrollments, 0);
    assert_eq!(second.sessions, 3, "{:?}", second.errors);
    assert_eq!(
        enrollments(&server),
        3,
        "no enrollment request in the rerun"
    );
    let sessions = mdm.sessions();
    assert_eq!(sessions.len(), 6);
    let devices: BTreeSet<&str> = sessions.iter().map(|s| s.device_id.as_str()).collect();
    assert_eq!(devices.len(), 3, "the same three devices");
    let ids: BTreeSet<(&str, &str)> = sessions
        .iter()
        .map(|s| (s.device_id.as_str(), s.session_id.as_str()))
        .collect();
    assert_eq!(ids.len(), 6, "each device's session counter goes on");
    assert_eq!(state.load(0).unwrap().unwrap().sessions, 2);
    // Another seed is another fleet: the file refuses it.
    drop(state);
    assert!(FleetState::open(&path, 22).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_metrics_endpoint_serves_openmetrics_text() {
    let (server, _mdm) = with_mdm(vec![profile_part("UsePassportForWork")]);
    let mut fleet = config(&server, 2, 3);
    fleet.faults = vec![FaultRule::parse("uri=*UsePassportForWork,answer=500").unwrap()];
    let metrics = Arc::new(FleetMetrics::new());
    let observe = |event: &Event<'_>| metrics.observe(event);
    let summary = run(
        &fleet,
        None,
        &keys(),
        Hooks {
            observe: Some(&observe),
            ..Hooks::default()
        },
    )
    .unwrap();
    assert_eq!(summary.sessions, 2);
    let endpoint =
        MetricsServer::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&metrics)).unwrap();
    let mut stream = std::net::TcpStream::connect(endpoint.addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("application/openmetrics-text"), "{head}");
    let families = parse_openmetrics(body);
    assert_eq!(
        families.get("pfw_fleet_sessions").map(String::as_str),
        Some("counter")
    );
    assert_eq!(
        families
            .get("pfw_fleet_session_seconds")
            .map(String::as_str),
        Some("histogram")
    );
    assert!(
        body.contains("pfw_fleet_sessions_total{result=\"ok\"} 2\n"),
        "{body}"
    );
    assert!(
        body.contains("pfw_fleet_enrollments_total{result=\"ok\"} 2\n"),
        "{body}"
    );
    assert!(
        body.contains("pfw_fleet_statuses_total{direction=\"sent\",code=\"500\"} 2\n"),
        "{body}"
    );
    assert!(
        body.contains("pfw_fleet_faults_total{rule=\"uri=*UsePassportForWork,answer=500\"} 2\n"),
        "{body}"
    );
    assert!(
        body.contains("pfw_fleet_session_seconds_count 2\n"),
        "{body}"
    );
}

/// Checks the OpenMetrics text rules these metrics use and returns family → type: the text
/// ends with `# EOF`, every sample belongs to a family declared by a TYPE line before it,
/// counter samples end in `_total` (or `_created`), histogram samples in `_bucket`, `_sum`
/// or `_count`, and every value is a number.
fn parse_openmetrics(text: &str) -> std::collections::BTreeMap<String, String> {
    assert!(text.ends_with("# EOF\n"), "no # EOF terminator:\n{text}");
    let mut families = std::collections::BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.iter().filter(|l| **l == "# EOF").count(), 1);
    for line in &lines[..lines.len() - 1] {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(
                [
                    "counter",
                    "gauge",
                    "histogram",
                    "summary",
                    "info",
                    "stateset",
                    "unknown",
                    "gaugehistogram"
                ]
                .contains(&kind),
                "{line}"
            );
            families.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") || line.starts_with("# UNIT ") {
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment {line}");
        let name_end = line.find(['{', ' ']).unwrap();
        let name = &line[..name_end];
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let (family, kind) = families
            .iter()
            .filter(|(f, _)| name.starts_with(f.as_str()))
            .max_by_key(|(f, _)| f.len())
            .unwrap_or_else(|| panic!("{name} has no TYPE line before it"));
        let suffix = &name[family.len()..];
        match kind.as_str() {
            "counter" => assert!(["_total", "_created"].contains(&suffix), "{line}"),
            "histogram" => assert!(
                ["_bucket", "_sum", "_count", "_created"].contains(&suffix),
                "{line}"
            ),
            _ => {}
        }
    }
    families
}

#[test]
fn a_session_cut_short_by_a_fault_leaves_the_device_as_after_its_last_answered_message() {
    let dir = tempfile_dir();
    let path = dir.join("fleet.db");
    // Two server messages: the first sets UsePassportForWork, the second RequireSecurityDevice.
    let (server, mdm) = with_mdm(vec![
        profile_part("UsePassportForWork"),
        profile_part("RequireSecurityDevice"),
    ]);
    for (seed, answer, says) in [
        (31, "abandon", "abandoned on purpose"),
        (32, "drop", "dropped on purpose"),
    ] {
        let mut fleet = config(&server, 1, seed);
        fleet.faults =
            vec![FaultRule::parse(&format!("uri=*RequireSecurityDevice,answer={answer}")).unwrap()];
        let file = dir.join(format!("fleet-{seed}.db"));
        let state = FleetState::open(&file, seed).unwrap();
        let summary = go(&fleet, Some(&state));
        assert_eq!(summary.session_failures, 1, "{summary:?}");
        assert!(
            summary.errors.keys().any(|k| k.contains(says)),
            "{:?}",
            summary.errors
        );
        assert_eq!(summary.faults.values().sum::<u64>(), 1);
        let row = state.load(0).unwrap().unwrap();
        let store = DeviceStore::from_image(&row.image).unwrap();
        let image = store.image().unwrap();
        let has = |suffix: &str| {
            image.nodes.iter().any(|(user, key, value)| {
                user.is_none() && key.ends_with(suffix) && value.is_some()
            })
        };
        assert!(
            has("/UsePassportForWork"),
            "the first message's change is kept"
        );
        assert!(
            !has("/RequireSecurityDevice"),
            "nothing of the unanswered message"
        );
    }
    let _ = path;
    // The server saw the first message answered and then nothing for the second.
    assert!(mdm.sessions().iter().all(|s| !s.completed));
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pfw-fleet-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Per device: (management requests, connections they came on, resumed connections).
fn connections_per_device(server: &TestServer) -> Vec<(usize, usize, usize)> {
    let mut by_device: std::collections::BTreeMap<Vec<u8>, Vec<(u64, bool)>> = Default::default();
    for r in server.requests() {
        if r.endpoint == Endpoint::Management {
            by_device
                .entry(r.client_cert.clone().unwrap_or_default())
                .or_default()
                .push((r.connection, r.resumed));
        }
    }
    by_device
        .values()
        .map(|reqs| {
            let conns: BTreeSet<u64> = reqs.iter().map(|(c, _)| *c).collect();
            let resumed: BTreeSet<u64> = reqs.iter().filter(|(_, r)| *r).map(|(c, _)| *c).collect();
            (reqs.len(), conns.len(), resumed.len())
        })
        .collect()
}

#[test]
fn devices_keep_their_connection_and_tls_session_between_sessions() {
    let plan = Plan {
        sessions_per_device: Some(3),
        ..Plan::default()
    };
    // A server with keep-alive: each device's three sessions (two messages each) go over
    // the connection its first session opened.
    let server = TestServer::start(pfw_testserver::TestServerConfig {
        keep_alive: true,
        ..pfw_testserver::TestServerConfig::default()
    })
    .unwrap();
    MdmServer::serve(
        &server,
        MdmConfig::playing(vec![profile_part("UsePassportForWork")]),
    );
    let mut fleet = config(&server, 2, 41);
    fleet.plan = plan;
    let summary = go(&fleet, None);
    assert_eq!(summary.sessions, 6, "{:?}", summary.errors);
    // Three sessions: the first has two messages, the later ones (nothing to do) one.
    assert_eq!(connections_per_device(&server), vec![(4, 1, 0); 2]);

    // Without reuse: a connection and a full handshake for every session.
    let server = TestServer::start(pfw_testserver::TestServerConfig {
        keep_alive: true,
        ..pfw_testserver::TestServerConfig::default()
    })
    .unwrap();
    let mut fleet = config(&server, 2, 41);
    fleet.plan = plan;
    fleet.reuse_connections = false;
    assert_eq!(go(&fleet, None).sessions, 6);
    assert_eq!(connections_per_device(&server), vec![(3, 3, 0); 2]);

    // A server that closes after each answer: new connections, but resumed TLS sessions.
    let server = TestServer::start(pfw_testserver::TestServerConfig::default()).unwrap();
    let mut fleet = config(&server, 2, 41);
    fleet.plan = plan;
    assert_eq!(go(&fleet, None).sessions, 6);
    for (requests, connections, resumed) in connections_per_device(&server) {
        assert_eq!((requests, connections), (3, 3));
        assert!(
            resumed >= 2,
            "the later sessions resume the first's TLS session"
        );
    }
}

#[test]
fn a_bound_on_kept_connections_closes_the_oldest_and_its_next_session_resumes() {
    // Keep-alive server, two devices taking turns (one at a time), room for one kept
    // connection: each session finds its device's connection closed by the other's, so every
    // session opens one, and the later ones resume the device's TLS session.
    let server = two_devices_taking_turns(1);
    for (requests, connections, resumed) in connections_per_device(&server) {
        assert_eq!((requests, connections), (3, 3));
        assert_eq!(
            resumed, 2,
            "the later sessions resume the first's TLS session"
        );
    }
    // Room for both: one connection each, as without a bound.
    let server = two_devices_taking_turns(2);
    assert_eq!(connections_per_device(&server), vec![(3, 1, 0); 2]);
}

/// Two devices of a keep-alive server taking turns (one at a time), 3 sessions each, with
/// room for `max_connections` kept connections; the server, to count what they opened.
fn two_devices_taking_turns(max_connections: usize) -> TestServer {
    let server = TestServer::start(pfw_testserver::TestServerConfig {
        keep_alive: true,
        ..pfw_testserver::TestServerConfig::default()
    })
    .unwrap();
    let mut fleet = config(&server, 2, 43);
    fleet.concurrency = 1;
    fleet.max_connections = Some(max_connections);
    fleet.plan = Plan {
        sessions_per_device: Some(3),
        ..Plan::default()
    };
    assert_eq!(go(&fleet, None).sessions, 6);
    server
}

#[test]
fn storm_churn_poll_and_rate_do_what_they_say() {
    use pfw_session::fleet::Pacing;
    let enrollments = |server: &TestServer| server.requests_to(Endpoint::Enrollment).len() as u64;
    // A storm at a target rate: every device enrolls, no session.
    let server = server();
    let mut fleet = config(&server, 4, 51);
    fleet.plan = Plan {
        storm: true,
        pacing: Pacing::Rate(200.0),
        ..Plan::default()
    };
    let summary = go(&fleet, None);
    assert_eq!((summary.enrollments, summary.sessions), (4, 0));
    assert_eq!(enrollments(&server), 4);

    // Churn 1: after each session the device unenrolls (alert 1226) and enrolls again.
    let (server, mdm) = with_mdm(Vec::new());
    let mut fleet = config(&server, 2, 52);
    fleet.plan = Plan {
        sessions_per_device: Some(2),
        churn: 1.0,
        ..Plan::default()
    };
    let summary = go(&fleet, None);
    assert_eq!(summary.sessions, 4, "{:?}", summary.errors);
    assert_eq!(summary.unenrollments, 4);
    assert_eq!(
        summary.enrollments, 6,
        "first enrollment, then one after each unenrollment"
    );
    assert_eq!(enrollments(&server), 6);
    let told = mdm
        .sessions()
        .iter()
        .filter(|s| {
            s.alerts.iter().any(|a| {
                a.items.iter().any(|i| {
                    i.meta.as_ref().and_then(|m| m.type_.as_deref())
                        == Some("com.microsoft:mdm.unenrollment.userrequest")
                })
            })
        })
        .count();
    assert_eq!(told, 4, "each unenrollment told the server");

    // The DMClient schedule, a million times faster, with jitter: two sessions each.
    let (server, _mdm) = with_mdm(Vec::new());
    let mut fleet = config(&server, 2, 53);
    fleet.plan = Plan {
        sessions_per_device: Some(2),
        pacing: Pacing::Poll {
            time_scale: 1e6,
            jitter: 0.5,
        },
        ramp_up: std::time::Duration::from_millis(20),
        ..Plan::default()
    };
    let dir = tempfile_dir();
    let state = FleetState::open(&dir.join("fleet.db"), 53).unwrap();
    let summary = go(&fleet, Some(&state));
    assert_eq!(
        (summary.enrollments, summary.sessions),
        (2, 4),
        "{:?}",
        summary.errors
    );
    assert_eq!(
        summary.timeline.values().map(|s| s.sessions).sum::<u64>(),
        4
    );

    // Open loop for a duration, the devices enrolled already: sessions until it ends, at
    // most as many as the rate allows, none failed.
    let mut fleet = config(&server, 2, 53);
    fleet.plan = Plan {
        sessions_per_device: None,
        duration: Some(std::time::Duration::from_millis(500)),
        pacing: Pacing::Rate(20.0),
        ..Plan::default()
    };
    let summary = go(&fleet, Some(&state));
    assert_eq!((summary.already_enrolled, summary.enrollments), (2, 0));
    assert!(summary.sessions <= 10, "at most 20/s × 0.5 s: {summary:?}");
    assert_eq!(summary.session_failures, 0, "{:?}", summary.errors);
    let _ = std::fs::remove_dir_all(&dir);
}
