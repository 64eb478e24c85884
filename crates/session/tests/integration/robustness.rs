//! Damaged provisioning documents and server messages never panic: every outcome is a value
//! or a typed error.

use proptest::prelude::*;

use pfw_session::mdm::message::{Addressing, read_server_message};
use pfw_session::{DeviceId, ProvisioningDoc, parse_dm_client};
use pfw_syncml::Limits;

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
        let _ = parse_dm_client(&bytes);
    }

    #[test]
    fn damaged_server_messages_never_panic(
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let addressing = Addressing {
            session_id: "1".to_owned(),
            server: "https://h/ManagementServer/MDM.svc".to_owned(),
            device_id: "1E08C6E95D8BB843B1278FF45BC60CC6".to_owned(),
        };
        let mut bytes = SERVER_MESSAGE.as_bytes().to_vec();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let _ = read_server_message(&bytes, &addressing, 1, &Limits::DEFAULT);
    }
}

/// A server package as the reference's capture answers (SyncHdr Status, a Replace, a Get).
const SERVER_MESSAGE: &str = concat!(
    r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"#,
    r#"<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>1E08C6E95D8BB843B1278FF45BC60CC6</LocURI></Target>"#,
    r#"<Source><LocURI>https://h/ManagementServer/MDM.svc</LocURI></Source><Meta><MaxMsgSize xmlns="syncml:metinf">524288</MaxMsgSize></Meta></SyncHdr>"#,
    r#"<SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>"#,
    r#"<Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/t/Policies/UsePassportForWork</LocURI></Target>"#,
    r#"<Meta><Format xmlns="syncml:metinf">bool</Format></Meta><Data>true</Data></Item></Replace>"#,
    r#"<Get><CmdID>3</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>"#,
);
