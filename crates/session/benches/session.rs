//! Costs of a management session's steps on the device: reading a server package, applying it
//! with the engine (in memory), packing the answers under a MaxMsgSize, and a whole session
//! against the local test server.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use pfw_engine::Options;
use pfw_session::mdm::message::{Addressing, header_status, pack, read_server_message};
use pfw_session::{
    Credential, DeviceKey, EnrollOptions, EnrollRequest, SyncOptions, enroll, state, sync,
};
use pfw_syncml::{Command, Limits, StatusCode, SyncMl};
use pfw_testserver::mdm::{MdmConfig, MdmServer};
use pfw_testserver::{TestServer, TestServerConfig};
use pfw_tree::{MemoryStore, Registry, Store};

const PROFILE: &str = include_str!("../../../examples/windows-hello-profile.xml");

fn benches(c: &mut Criterion) {
    let addressing = Addressing {
        session_id: "1".to_owned(),
        server: "https://mdm.example.com/ManagementServer/MDM.svc".to_owned(),
        device_id: "8E5B1C3A7F2D4E6B9A0C1D2E3F4A5B6C".to_owned(),
    };
    // The example profile as a server package: the same body under a session's SyncHdr with
    // the Status for the device's SyncHdr.
    let profile = SyncMl::decode(PROFILE.as_bytes(), &Limits::DEFAULT).expect("profile");
    let mut package = profile.clone();
    if let Some(hdr) = &mut package.hdr {
        hdr.session_id = "1".to_owned();
    }
    package
        .body
        .commands
        .insert(0, header_status("1", StatusCode::Ok));
    let bytes = package.encode();
    c.bench_function("read_server_message_profile", |b| {
        b.iter(|| {
            read_server_message(
                black_box(bytes.as_bytes()),
                &addressing,
                1,
                &Limits::DEFAULT,
            )
            .expect("read")
        });
    });

    let base = Registry::new().with(Arc::new(
        pfw_passport::schema::PassportCsp::new().expect("csp"),
    ));
    c.bench_function("engine_run_profile_memory", |b| {
        b.iter_batched(
            || {
                let mut store = MemoryStore::new();
                let engine = state::engine_for(&base, &mut store).expect("engine");
                (store, engine)
            },
            |(mut store, engine)| {
                engine
                    .run(&mut store, &package, &Options::default())
                    .expect("run")
            },
            criterion::BatchSize::SmallInput,
        );
    });

    let statuses: Vec<Command> = (0..500)
        .map(|i| {
            let Command::Status(mut s) = header_status("2", StatusCode::Ok) else {
                unreachable!()
            };
            s.cmd_ref = pfw_syncml::CmdId::from(i + 1);
            s.cmd = "Replace".into();
            Command::Status(s)
        })
        .collect();
    c.bench_function("pack_500_statuses_into_8k_messages", |b| {
        b.iter(|| {
            let mut queue: VecDeque<Command> = statuses.iter().cloned().collect();
            let mut messages = 0;
            while !queue.is_empty() {
                let m = pack(
                    addressing.header(2, None),
                    vec![header_status("2", StatusCode::Ok)],
                    &mut queue,
                    Vec::new(),
                    true,
                    Some(8 * 1024),
                );
                messages += usize::from(!m.body.commands.is_empty());
            }
            messages
        });
    });

    // A whole session (three messages over TLS with the client certificate) of an enrolled
    // device against the local test server.
    let server = TestServer::start(TestServerConfig::default()).expect("server");
    MdmServer::serve(&server, MdmConfig::playing(Vec::new()));
    let mut store = MemoryStore::new();
    let request = EnrollRequest {
        server: server.base_url(),
        user: Some("demo@example.com".to_owned()),
        credential: Credential::Password("demo-password".to_owned()),
        device: state::device_info(&mut store).expect("device"),
        extra_ca_pem: Some(server.ca_pem().to_owned()),
    };
    let enrollment = enroll(
        &request,
        EnrollOptions {
            system_roots: false,
            key: Some(DeviceKey::generate(2048).expect("key")),
            ..EnrollOptions::default()
        },
    )
    .expect("enroll");
    store.begin().expect("begin");
    state::save_enrollment(&mut store, &enrollment).expect("save");
    store.commit().expect("commit");
    let engine = state::engine_for(&base, &mut store).expect("engine");
    c.bench_function("session_nothing_to_do_local_tls", |b| {
        b.iter(|| sync(&mut store, &engine, &SyncOptions::default()).expect("session"));
    });
}

criterion_group!(session, benches);
criterion_main!(session);
