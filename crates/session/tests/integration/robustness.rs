//! Damaged provisioning documents never panic: every outcome is a document or a typed error.

use proptest::prelude::*;

use pfw_session::{DeviceId, ProvisioningDoc};

use crate::support::{key, server};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn damaged_provisioning_documents_never_panic(
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        // One fixture per process: the server and certificate are the same for every case.
        static FIXTURE: std::sync::OnceLock<(String, Vec<u8>)> = std::sync::OnceLock::new();
        let (doc, spki) = FIXTURE.get_or_init(|| {
            let server = server();
            let spki = key().public_key_der().unwrap();
            let cert = server
                .issue_client_cert(DeviceId::generate().as_str(), &spki)
                .unwrap();
            (server.provisioning_doc(&cert, None), spki)
        });
        let mut bytes = doc.clone().into_bytes();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let _ = ProvisioningDoc::parse(&bytes, spki);
    }
}
