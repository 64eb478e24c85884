//! MS-MDM sessions against the test server's MDM side: a PassportForWork profile applied as
//! `pfw apply` would, a second session with nothing to do, a reply split under a small
//! MaxMsgSize, 429, hostile answers (garbage, too slow, silent, refused certificate), the
//! unenrollment alert, and the first package against the real Windows capture.

use std::sync::Arc;
use std::time::Duration;

use pfw_engine::Options;
use pfw_passport::schema::PassportCsp;
use pfw_session::mdm::message::{
    Addressing, Initiation, LoginStatus, first_message, unenroll_alert,
};
use pfw_session::{
    HttpError, SessionConfig, SessionError, SyncOptions, TransportConfig, enroll, state, sync,
};
use pfw_syncml::{Command, Limits, StatusCode, SyncMl};
use pfw_testserver::mdm::{MdmConfig, MdmServer};
use pfw_testserver::{Endpoint, Misbehavior, TestServer};
use pfw_tree::{MemoryStore, Registry, Store, dump};

use crate::support::{fast_transport, options, request, server};

/// The example profile of the repository (a Windows Hello for Business profile).
const PROFILE: &str = include_str!("../../../../examples/windows-hello-profile.xml");

fn profile_commands() -> Vec<Command> {
    SyncMl::decode(PROFILE.as_bytes(), &Limits::DEFAULT)
        .expect("the example profile decodes")
        .body
        .commands
}

/// The commands of a message whose SyncBody is `body`.
fn commands(body: &str) -> Vec<Command> {
    let message =
        format!(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>{body}</SyncBody></SyncML>"#);
    SyncMl::decode(message.as_bytes(), &Limits::DEFAULT)
        .expect("the commands decode")
        .body
        .commands
}

fn get(uri: &str) -> Command {
    commands(&format!(
        r#"<Get><CmdID>1</CmdID><Item><Target><LocURI>{uri}</LocURI></Target></Item></Get>"#
    ))
    .remove(0)
}

fn base_registry() -> Registry {
    Registry::new().with(Arc::new(PassportCsp::new().unwrap()))
}

/// A device enrolled with `server`, its state in memory.
fn enrolled_device(server: &TestServer) -> MemoryStore {
    let mut store = MemoryStore::new();
    let mut request = request(server);
    request.device = state::device_info(&mut store).unwrap();
    let enrollment = enroll(&request, options()).expect("enrollment");
    store.begin().unwrap();
    state::save_enrollment(&mut store, &enrollment).unwrap();
    store.commit().unwrap();
    store
}

/// An MDM side playing `script` that does not ask for the client certificate.
fn without_client_certs(server: &TestServer, script: Vec<Vec<Command>>) -> Arc<MdmServer> {
    MdmServer::serve(
        server,
        MdmConfig {
            script,
            ..MdmConfig::default()
        },
    )
}

fn sync_options() -> SyncOptions<'static> {
    SyncOptions {
        transport: fast_transport(),
        ..SyncOptions::default()
    }
}

fn run(
    store: &mut MemoryStore,
    options: &SyncOptions<'_>,
) -> Result<pfw_session::SessionReport, SessionError> {
    let engine = state::engine_for(&base_registry(), store).unwrap();
    sync(store, &engine, options)
}

#[test]
fn a_profile_is_applied_as_pfw_apply_would_then_a_second_session_ends_cleanly() {
    let server = server();
    let mdm = MdmServer::serve(
        &server,
        MdmConfig::playing(vec![
            vec![
                get("./DevDetail/SwV"),
                get("./DevDetail/Ext/Microsoft/OSPlatform"),
                get("./Vendor/MSFT/DMClient/Provider/pfw-test/EntDeviceName"),
            ],
            profile_commands(),
        ]),
    );
    let mut store = enrolled_device(&server);
    let report = run(&mut store, &sync_options()).expect("first session");
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    assert_eq!(mdm.refused(), 0);
    assert_eq!(report.session_id, "1");
    // Package 1, then answers to two server packages.
    assert_eq!(report.sent, 3);
    let sessions = mdm.sessions();
    let first = &sessions[0];
    assert!(first.completed);
    assert_eq!(
        first.result_for("./DevDetail/SwV").as_deref(),
        Some("10.0.26100.1")
    );
    assert_eq!(
        first
            .result_for("./DevDetail/Ext/Microsoft/OSPlatform")
            .as_deref(),
        Some("Windows 11 Enterprise")
    );
    // The provisioning document's EntDeviceName, answered from the enrollment.
    assert_eq!(
        first
            .result_for("./Vendor/MSFT/DMClient/Provider/pfw-test/EntDeviceName")
            .as_deref(),
        Some("pfw-device")
    );

    // The statuses the server got for the profile are those `pfw apply` gives on a fresh
    // device with the same CSPs.
    let mut fresh = MemoryStore::new();
    let engine = state::engine_for(&base_registry(), &mut fresh).unwrap();
    let applied = engine
        .apply(&mut fresh, PROFILE.as_bytes(), &Options::default())
        .unwrap();
    let expected: Vec<u16> = applied.reports.iter().map(|r| r.status.code()).collect();
    let got: Vec<u16> = first
        .status_codes()
        .iter()
        .skip(3)
        .map(|(_, c)| *c)
        .collect();
    assert_eq!(got, expected);
    assert!(expected.iter().all(|c| *c == 200));
    // The device's every message presented the enrolled client certificate.
    let enrollment = state::load_enrollment(&store).unwrap().unwrap();
    for r in server.requests_to(Endpoint::Management) {
        assert_eq!(
            r.client_cert.as_deref(),
            Some(enrollment.client_cert.as_slice())
        );
    }

    let second = run(&mut store, &sync_options()).expect("second session");
    assert_eq!(second.session_id, "2");
    assert_eq!(second.sent, 1);
    assert!(second.commands.is_empty());
    assert!(mdm.sessions()[1].completed);
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
}

#[test]
fn a_reply_over_max_msg_size_goes_out_in_several_messages() {
    let server = server();
    let uris: Vec<String> = (0..30)
        .flat_map(|_| {
            [
                "./DevDetail/SwV",
                "./DevDetail/Ext/Microsoft/OSPlatform",
                "./DevInfo/DevId",
            ]
        })
        .map(str::to_owned)
        .collect();
    let max = 2_000;
    let mdm = MdmServer::serve(
        &server,
        MdmConfig {
            script: vec![uris.iter().map(|u| get(u)).collect()],
            max_msg_size: Some(max),
            ..MdmConfig::default()
        },
    );
    let mut store = enrolled_device(&server);
    let report = run(&mut store, &sync_options()).expect("session");
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    let session = &mdm.sessions()[0];
    assert!(session.completed);
    // Several device messages after the first, each within the server's MaxMsgSize, only the
    // last with Final.
    let answers = &session.device_messages[1..];
    assert!(answers.len() >= 3, "{} messages", answers.len());
    for (i, m) in answers.iter().enumerate() {
        assert!(m.encode().len() <= max);
        assert_eq!(m.body.final_, i + 1 == answers.len());
    }
    assert_eq!(session.statuses.len(), uris.len());
    let results: usize = session.results.iter().map(|r| r.items.len()).sum();
    assert_eq!(results, uris.len());
    assert_eq!(report.commands.len(), uris.len());
}

#[test]
fn too_many_requests_is_retried_after_a_capped_wait() {
    let server = server();
    let mdm = MdmServer::serve(&server, MdmConfig::default());
    let mut store = enrolled_device(&server);
    server.misbehave(
        Endpoint::Management,
        Misbehavior::TooManyRequests {
            retry_after: Some("3600".to_owned()),
        },
        1,
    );
    let started = std::time::Instant::now();
    let report = run(&mut store, &sync_options()).expect("session after one 429");
    // The hour asked for is capped by the transport (200 ms in these tests).
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(report.sent, 1);
    let management = server.requests_to(Endpoint::Management);
    assert_eq!(management.len(), 2);
    assert_eq!(management[0].response_status, 429);
    assert!(mdm.violations().is_empty());

    // Throttled on every attempt: a clear error.
    server.misbehave(
        Endpoint::Management,
        Misbehavior::TooManyRequests { retry_after: None },
        10,
    );
    let err = run(&mut store, &sync_options()).unwrap_err();
    assert!(
        matches!(err, SessionError::Http(HttpError::TooManyRequests { .. })),
        "{err}"
    );
}

/// Runs a session against a server that misbehaves once on the management endpoint, after a
/// first package that would change the tree; checks the state did not change.
fn hostile(misbehavior: Misbehavior) -> SessionError {
    let server = server();
    MdmServer::serve(&server, MdmConfig::default());
    let mut store = enrolled_device(&server);
    let before = dump(&store).unwrap();
    server.misbehave(Endpoint::Management, misbehavior, 1);
    let started = std::time::Instant::now();
    let err = run(&mut store, &sync_options()).expect_err("a hostile server fails the session");
    assert!(started.elapsed() < Duration::from_secs(20), "bounded time");
    assert_eq!(dump(&store).unwrap(), before, "state unchanged");
    err
}

#[test]
fn garbage_syncml_is_refused_whole() {
    let err = hostile(raw(200, SYNCML, b"<SyncML><SyncBody><Replace><CmdID>1"));
    assert!(
        matches!(err, SessionError::Garbage { message: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not SyncML"), "{err}");
}

/// One test a row: a session against a server that misbehaves once on the management
/// endpoint fails, in bounded time and leaving the state as it was, with an error matching
/// the pattern.
macro_rules! hostile {
    ($($name:ident: $misbehavior:expr => $pattern:pat),+ $(,)?) => {$(
        #[test]
        fn $name() {
            let err = hostile($misbehavior);
            assert!(matches!(err, $pattern), "{}: {err}", stringify!($name));
        }
    )+};
}

hostile! {
    garbage_instead_of_http: Misbehavior::Garbage
        => SessionError::Http(HttpError::Protocol { .. } | HttpError::Io { .. }),
    too_slow_times_out: Misbehavior::Slow(Duration::from_secs(10)) => SessionError::Http(HttpError::Timeout { .. }),
    no_answer_times_out: Misbehavior::Silent => SessionError::Http(HttpError::Timeout { .. }),
    an_http_error_status_is_reported: raw(500, "text/plain", b"oops") => SessionError::HttpStatus { status: 500 },
    a_message_for_another_session_is_refused: raw(200, SYNCML, OTHER_SESSION) => SessionError::Protocol { .. },
}

/// A management answer of `status` with this content type and body.
fn raw(status: u16, content_type: &str, body: &[u8]) -> Misbehavior {
    Misbehavior::Raw {
        status,
        content_type: content_type.to_owned(),
        body: body.to_vec(),
    }
}

const SYNCML: &str = "application/vnd.syncml.dm+xml";
/// A well-formed answer for SessionID 99.
const OTHER_SESSION: &[u8] = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>99</SessionID><MsgID>1</MsgID><Target><LocURI>X</LocURI></Target><Source><LocURI>S</LocURI></Source></SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status><Final/></SyncBody></SyncML>"#;

#[test]
fn a_server_that_refuses_the_client_certificate() {
    let server = server();
    let mdm = MdmServer::serve(&server, MdmConfig::playing(Vec::new()));
    let mut store = enrolled_device(&server);
    // The device presents no certificate at all: the server answers 403.
    let enrollment = state::load_enrollment(&store).unwrap().unwrap();
    let transport =
        pfw_session::Transport::new(fast_transport(), &enrollment.trust().unwrap(), None).unwrap();
    let engine = state::engine_for(&base_registry(), &mut store).unwrap();
    let err = pfw_session::Session {
        enrollment: &enrollment,
        transport: &transport,
        engine: &engine,
        session_id: "1".to_owned(),
        alerts: Vec::new(),
        config: SessionConfig::default(),
        trace: None,
        faults: None,
    }
    .run(&mut store)
    .unwrap_err();
    assert!(matches!(err, SessionError::Refused(_)), "{err}");
    assert!(err.to_string().contains("403"), "{err}");
    assert_eq!(mdm.refused(), 1);

    // A certificate the server's CA did not issue fails the TLS handshake.
    let mut foreign = enrollment.clone();
    let other = TestServer::start(Default::default()).unwrap();
    let key = crate::support::key();
    foreign.client_cert = other
        .issue_client_cert(
            enrollment.device_id.as_str(),
            &key.public_key_der().unwrap(),
        )
        .unwrap();
    store.begin().unwrap();
    state::save_enrollment(&mut store, &foreign).unwrap();
    store.commit().unwrap();
    let err = run(&mut store, &sync_options()).unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Http(
                HttpError::Tls { .. } | HttpError::Io { .. } | HttpError::Protocol { .. }
            )
        ),
        "{err}"
    );
}

#[test]
fn the_server_may_abort_the_session() {
    let server = server();
    let alert = commands(r#"<Alert><CmdID>1</CmdID><Data>1223</Data></Alert>"#);
    let mdm = without_client_certs(&server, vec![alert]);
    let mut store = enrolled_device(&server);
    let report = run(&mut store, &sync_options()).unwrap();
    assert!(report.aborted);
    assert_eq!(report.sent, 1, "a client receiving 1223 does not respond");
    assert!(mdm.violations().is_empty());
}

#[test]
fn the_unenrollment_alert_is_sent_in_the_first_package() {
    let server = server();
    let mdm = MdmServer::serve(&server, MdmConfig::default());
    let mut store = enrolled_device(&server);
    let options = SyncOptions {
        alerts: vec![unenroll_alert()],
        ..sync_options()
    };
    run(&mut store, &options).unwrap();
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    let alerts = &mdm.sessions()[0].alerts;
    let generic = alerts
        .iter()
        .find(|a| a.data.as_deref() == Some("1226"))
        .expect("1226");
    let meta = generic.items[0].meta.as_ref().unwrap();
    // Reference §4.9: the Type Fleet matches, Format int, Data 1.
    assert_eq!(
        meta.type_.as_deref(),
        Some("com.microsoft:mdm.unenrollment.userrequest")
    );
    assert_eq!(meta.format.as_deref(), Some("int"));
    assert_eq!(generic.items[0].data_text(), Some("1"));
}

/// The first package has the shape of the real Windows capture (reference §4.2, TRACE-A):
/// the same commands with the same CmdIDs, alert codes, LoginStatus type, DevInfo items in
/// the same order without Meta; the values are this device's.
#[test]
fn the_first_package_matches_the_real_windows_capture() {
    let reference = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/enrollment-facts.md"
    ))
    .expect("the reference beside the repository");
    let after = reference
        .split("Verbatim real-device message ([TRACE-A]")
        .nth(1)
        .expect("the capture's section");
    let xml = &after[after.find("<SyncML").unwrap()..after.find("</SyncML>").unwrap() + 9];
    let capture = SyncMl::decode(xml.as_bytes(), &Limits::DEFAULT).unwrap();
    let addressing = Addressing {
        session_id: "1".to_owned(),
        server: "https://mdmwindows.com/ManagementServer/MDM.svc".to_owned(),
        device_id: "1E08C6E95D8BB843B1278FF45BC60CC6".to_owned(),
    };
    let values = |m: &SyncMl| -> Vec<(String, String)> {
        m.body
            .commands
            .iter()
            .flat_map(|c| {
                let head = (
                    c.name().to_owned(),
                    c.cmd_id()
                        .map(|i| i.as_str().to_owned())
                        .unwrap_or_default(),
                );
                let mut rows = vec![head];
                if let Command::Alert(a) = c {
                    rows.push((
                        "alert".into(),
                        a.data.as_deref().unwrap_or_default().to_owned(),
                    ));
                }
                for item in c.items() {
                    rows.push((
                        item.source_uri().unwrap_or("").to_owned(),
                        format!("{:?}", item.meta.as_ref().map(|m| (&m.type_, &m.format))),
                    ));
                }
                rows
            })
            .collect()
    };
    let ours = first_message(
        &addressing,
        524_288,
        Initiation::Client,
        LoginStatus::User,
        &[
            ("./DevInfo/DevId", addressing.device_id.clone()),
            ("./DevInfo/Man", "VMware, Inc.".to_owned()),
            ("./DevInfo/Mod", "VMware7,1".to_owned()),
            ("./DevInfo/DmV", "1.3".to_owned()),
            ("./DevInfo/Lang", "en-US".to_owned()),
        ],
        Vec::new(),
    );
    assert_eq!(values(&ours), values(&capture));
    // With the capture's own values, the body is the capture's body exactly (in content:
    // ours is built in code, the capture's positions are where it was read).
    let (ours, capture) = (ours.without_positions(), capture.without_positions());
    assert_eq!(ours.body, capture.body);
    let (h, c) = (ours.hdr.unwrap(), capture.hdr.unwrap());
    assert_eq!(
        (
            &h.ver_dtd,
            &h.ver_proto,
            &h.session_id,
            &h.msg_id,
            &h.target,
            &h.source
        ),
        (
            &c.ver_dtd,
            &c.ver_proto,
            &c.session_id,
            &c.msg_id,
            &c.target,
            &c.source
        )
    );
    // pfw adds MaxMsgSize, which the capture's device did not state.
    assert!(h.meta.is_some() && c.meta.is_none());
}

#[test]
fn transport_limits_are_configurable() {
    // The defaults are long; tests shorten them (support::fast_transport).
    assert!(TransportConfig::default().response_timeout > fast_transport().response_timeout);
    let _ = StatusCode::Ok;
}

#[test]
fn a_small_fleet_enrolls_and_syncs_concurrently() {
    let server = server();
    let mdm = MdmServer::serve(
        &server,
        MdmConfig::playing(vec![vec![get("./DevDetail/SwV")], profile_commands()]),
    );
    let request = request(&server);
    let config = pfw_session::fleet::FleetConfig {
        server: server.base_url(),
        user: request.user.clone(),
        credential: request.credential.clone(),
        extra_ca_pem: request.extra_ca_pem.clone(),
        system_roots: false,
        devices: 6,
        concurrency: 3,
        transport: fast_transport(),
        base: base_registry(),
        seed: 1,
        shard: pfw_session::fleet::Shard::WHOLE,
        plan: pfw_session::fleet::Plan::default(),
        faults: Vec::new(),
        reuse_connections: true,
        max_connections: None,
    };
    let done = std::sync::atomic::AtomicUsize::new(0);
    let observe = |event: &pfw_session::fleet::Event<'_>| {
        if matches!(event, pfw_session::fleet::Event::Synced { .. }) {
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let report = pfw_session::fleet::run(
        &config,
        None,
        &pfw_session::fleet::KeySet::pool(vec![crate::support::key()]),
        pfw_session::fleet::Hooks {
            observe: Some(&observe),
            ..pfw_session::fleet::Hooks::default()
        },
    )
    .unwrap();
    assert_eq!(done.into_inner(), 6);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!((report.enrollments, report.sessions), (6, 6));
    assert_eq!(report.session_latency.count, 6);
    assert!(report.session_latency.percentile(50.0) <= report.session_latency.max());
    // Every device: two SyncHdr statuses (its answers to the two server packages), one for
    // the Get, one per profile command.
    let per_device = 2 + 1 + profile_commands().len() as u64;
    assert_eq!(report.statuses_sent.values().sum::<u64>(), 6 * per_device);
    assert!(report.statuses_sent.keys().all(|c| *c == 200));
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    let devices: std::collections::BTreeSet<String> =
        mdm.sessions().iter().map(|s| s.device_id.clone()).collect();
    assert_eq!(devices.len(), 6, "each device has its own identity");
}

#[test]
fn a_server_that_never_ends_the_session_is_cut_off() {
    let server = server();
    without_client_certs(
        &server,
        (0..10).map(|_| vec![get("./DevInfo/DevId")]).collect(),
    );
    let mut store = enrolled_device(&server);
    let options = SyncOptions {
        session: SessionConfig {
            max_messages: 4,
            ..SessionConfig::default()
        },
        ..sync_options()
    };
    let err = run(&mut store, &options).unwrap_err();
    assert!(
        matches!(err, SessionError::TooManyMessages { limit: 4 }),
        "{err}"
    );
}

/// A server's Atomic is answered in a session as `pfw apply` answers it, through the same
/// engine: every member runs, the failing one keeps its code, every other member 216 (also
/// the one after the failure), the Atomic 507, nothing applied (reference/protocol-facts.md
/// "Atomic on Windows": fleetdm/fleet #17283, a Windows 10 19041 device answered 216, 216,
/// 500, 216).
#[test]
fn a_server_atomic_is_answered_as_windows_answers_it() {
    let server = server();
    let p = "./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies";
    let add = |id: u32, leaf: &str, format: &str, data: &str| {
        format!(
            "<Add><CmdID>{id}</CmdID><Item><Target><LocURI>{p}/{leaf}</LocURI></Target>\
             <Meta><Format xmlns=\"syncml:metinf\">{format}</Format></Meta><Data>{data}</Data></Item></Add>"
        )
    };
    let atomic = commands(&format!(
        "<Atomic><CmdID>2</CmdID>{}{}{}{}</Atomic>",
        add(3, "UsePassportForWork", "bool", "true"),
        add(4, "PINComplexity/MinimumPINLength", "int", "6"),
        add(5, "Nope", "bool", "true"),
        add(6, "RequireSecurityDevice", "bool", "true"),
    ));
    let mdm = without_client_certs(&server, vec![atomic]);
    let mut store = enrolled_device(&server);
    run(&mut store, &sync_options()).expect("session");
    assert!(mdm.violations().is_empty(), "{:#?}", mdm.violations());
    // The server numbers its commands itself: the codes in order, Atomic first.
    let codes: Vec<u16> = mdm.sessions()[0]
        .status_codes()
        .into_iter()
        .map(|(_, code)| code)
        .collect();
    assert_eq!(codes, [507, 216, 216, 404, 216]);
    assert_eq!(
        dump(&store).expect("the state reads").len(),
        dump(&enrolled_device(&server))
            .expect("the state reads")
            .len(),
        "nothing of the Atomic is applied"
    );
}

/// `poll` runs a session now and then one per interval of the enrollment's schedule until
/// the stop flag is set; a failed session does not end it (the DMClient CSP's `Poll` nodes: the
/// device retries on its schedule), an error of the caller's does.
#[test]
fn poll_runs_sessions_on_the_schedule_until_stopped() {
    use std::sync::atomic::{AtomicBool, Ordering};

    let server = server();
    let mdm = MdmServer::serve(
        &server,
        MdmConfig::playing(vec![vec![get("./DevDetail/SwV")]]),
    );
    let mut store = enrolled_device(&server);
    let engine = state::engine_for(&base_registry(), &mut store).unwrap();
    let enrollment = state::load_enrollment(&store).unwrap().unwrap();
    let stop = AtomicBool::new(false);
    let config = pfw_session::PollConfig {
        schedule: enrollment.poll(),
        // A schedule minute of a millisecond: the first intervals (15 minutes) are 15 ms.
        minute: Duration::from_millis(1),
        stop: &stop,
    };
    let mut outcomes = Vec::new();
    let done = pfw_session::poll(&mut store, &engine, &sync_options(), &config, |outcome| {
        outcomes.push(outcome.is_ok());
        if outcomes.len() == 3 {
            stop.store(true, Ordering::SeqCst);
        }
        Ok::<(), ()>(())
    });
    assert_eq!(done, Ok(()));
    assert_eq!(outcomes, [true, true, true], "three sessions, then stopped");
    assert_eq!(mdm.session_count(), 3);

    // The caller's error ends the poll after the session that raised it.
    stop.store(false, Ordering::SeqCst);
    let mut seen = 0;
    let ended = pfw_session::poll(&mut store, &engine, &sync_options(), &config, |_| {
        seen += 1;
        Err("stop here")
    });
    assert_eq!((ended, seen), (Err("stop here"), 1));
}

/// The enrollment's DMClient values are kept in the device facts, where `pfw apply` and the
/// other commands read them without enrollments: written with the enrollment, and written
/// again by a session when a state lacks them (one enrolled by an earlier pfw).
#[test]
fn the_enrollments_dmclient_values_are_kept_in_the_device_facts() {
    let server = server();
    let mut store = enrolled_device(&server);
    let enrollment = state::load_enrollment(&store).unwrap().unwrap();
    let expected = Some(state::provider_of(&enrollment));
    assert_eq!(pfw_devinfo::load_provider(&store).unwrap(), expected);
    store.begin().unwrap();
    pfw_devinfo::save_provider(&mut store, None).unwrap();
    store.commit().unwrap();
    state::keep_provider(&mut store, &enrollment).unwrap();
    assert_eq!(pfw_devinfo::load_provider(&store).unwrap(), expected);
}
