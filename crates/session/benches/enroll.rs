//! Costs of one device's enrollment: the certificate request, reading the provisioning
//! document, the record's JSON, and a whole enrollment against the local test server.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pfw_session::enroll::csr::build_csr;
use pfw_session::{
    Credential, DeviceId, DeviceInfo, DeviceKey, EnrollOptions, EnrollRequest, Enrollment,
    ProvisioningDoc, SignatureHash, enroll,
};
use pfw_testserver::{TestServer, TestServerConfig};

fn benches(c: &mut Criterion) {
    let key = DeviceKey::generate(2048).expect("key");
    let id = DeviceId::generate();
    c.bench_function("csr_build_rsa2048_sha1", |b| {
        b.iter(|| build_csr(black_box(&key), &id, SignatureHash::Sha1).expect("csr"));
    });

    let server = TestServer::start(TestServerConfig::default()).expect("server");
    let spki = key.public_key_der().expect("spki");
    let cert = server
        .issue_client_cert(id.as_str(), &spki)
        .expect("certificate");
    let doc = server.provisioning_doc(&cert, None);
    c.bench_function("provisioning_doc_parse", |b| {
        b.iter(|| ProvisioningDoc::parse(black_box(doc.as_bytes()), &spki).expect("doc"));
    });

    let request = EnrollRequest {
        server: server.discovery_url(),
        user: Some("demo@example.com".to_owned()),
        credential: Credential::Password("demo-password".to_owned()),
        device: DeviceInfo::new(id.clone()),
        extra_ca_pem: Some(server.ca_pem().to_owned()),
    };
    let options = || EnrollOptions {
        system_roots: false,
        key: Some(key.clone()),
        ..EnrollOptions::default()
    };
    let enrollment = enroll(&request, options()).expect("enrollment");
    let json = enrollment.to_json().expect("json");
    c.bench_function("enrollment_record_json_roundtrip", |b| {
        b.iter(|| Enrollment::from_json(black_box(&json)).expect("record"));
    });

    let mut group = c.benchmark_group("enroll_end_to_end");
    group.sample_size(20);
    group.bench_function("loopback_onpremise", |b| {
        b.iter(|| enroll(&request, options()).expect("enrollment"));
    });
    group.finish();
}

criterion_group!(enrollment, benches);
criterion_main!(enrollment);
