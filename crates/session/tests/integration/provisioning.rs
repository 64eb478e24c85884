//! Provisioning documents read directly: what is taken from them and what is refused.
//! Documents come from the test server's generator (the specification's sample values)
//! and are damaged by hand, one damage per case.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pfw_session::{CertStore, DeviceId, ProvisioningDoc, ProvisioningError, XmlError};
use pfw_testserver::TestServer;

use crate::support::{key, server};

/// The test server, a client certificate for the shared key, and a good document.
fn fixture() -> (TestServer, Vec<u8>, String, Vec<u8>) {
    let server = server();
    let spki = key().public_key_der().unwrap();
    let cert = server
        .issue_client_cert(DeviceId::generate().as_str(), &spki)
        .unwrap();
    let doc = server.provisioning_doc(&cert, None);
    (server, cert, doc, spki)
}

#[test]
fn good_document_is_read_in_full() {
    let (server, cert, doc, spki) = fixture();
    let parsed = ProvisioningDoc::parse(doc.as_bytes(), &spki).unwrap();
    assert_eq!(parsed.root_certs, vec![server.ca_der().to_vec()]);
    assert_eq!(parsed.client_cert, cert);
    assert_eq!(parsed.client_cert_store, CertStore::MyUser);
    assert_eq!(parsed.account.address, server.management_url());
    assert_eq!(parsed.account.provider_id, "pfw-test");
    assert_eq!(
        parsed.account.default_encoding.as_deref(),
        Some("application/vnd.syncml.dm+xml")
    );
    assert_eq!(parsed.account.conn_retry_freq, Some(6));
    assert_eq!(parsed.account.max_backoff_ms, Some(120_000));
    let appsrv = parsed
        .account
        .app_auth
        .iter()
        .find(|a| a.level == "APPSRV")
        .unwrap();
    assert_eq!(appsrv.name.as_deref(), Some("pfw-device"));
    assert_eq!(appsrv.secret.as_deref(), Some("server-secret"));
    assert!(!format!("{appsrv:?}").contains("server-secret"));
    assert_eq!(
        parsed.dm_client.ent_device_name.as_deref(),
        Some("pfw-device")
    );
    assert_eq!(parsed.dm_client.poll.number_of_first_retries, Some(8));
    assert_eq!(parsed.renewal.unwrap().retry_interval_days, Some(4));
}

#[test]
fn prolog_whitespace_and_line_broken_base64_are_accepted() {
    let (_, cert, doc, spki) = fixture();
    // Base64 split over lines, as some servers send it.
    let b64 = STANDARD.encode(&cert);
    let wrapped: String = b64
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let doc = format!("\n  {}", doc.replace(&b64, &wrapped));
    let parsed = ProvisioningDoc::parse(doc.as_bytes(), &spki).unwrap();
    assert_eq!(parsed.client_cert, cert);
}

#[test]
fn intermediates_and_sample_renewal_spelling() {
    let (server, cert, doc, spki) = fixture();
    // An intermediate under CA/System, renewal under My/User with the CSP's spelling.
    let ca = STANDARD.encode(server.ca_der());
    let doc = doc
        .replace(
            r#"<characteristic type="My">"#,
            &format!(
                r#"<characteristic type="CA"><characteristic type="System"><characteristic type="AB"><parm name="EncodedCertificate" value="{ca}"/></characteristic></characteristic></characteristic><characteristic type="My">"#
            ),
        )
        .replace(r#"name="RenewPeriod""#, r#"name="RenewalPeriod""#);
    let parsed = ProvisioningDoc::parse(doc.as_bytes(), &spki).unwrap();
    assert_eq!(parsed.intermediate_certs, vec![server.ca_der().to_vec()]);
    assert_eq!(parsed.client_cert, cert);
    assert_eq!(parsed.renewal.unwrap().renew_period_days, Some(60));
}

/// One change per line: (what is replaced, by what, the error expected or `None` when the
/// document must still be accepted, where the expectation comes from).
#[test]
fn changed_documents_table() {
    let (_, cert, doc, spki) = fixture();
    let cert_b64 = STANDARD.encode(&cert);
    let junk_cert = STANDARD.encode(b"not a certificate");
    type Check = fn(&ProvisioningError) -> bool;
    let cases: Vec<(&str, String, Option<Check>, &str)> = vec![
        (
            "<wap-provisioningdoc version=\"1.1\">",
            "<wap-provisioningdoc version=\"1.1\"><!-- x -->".to_owned(),
            None,
            "XML 1.0: a comment changes nothing",
        ),
        (
            r#"<parm name="NAME""#,
            r#"<parm name="FutureParm" value="x"/><characteristic type="Future"/><parm name="NAME""#
                .to_owned(),
            None,
            "unknown parms and characteristics are ignored",
        ),
        (
            r#"<parm name="APPID" value="w7"/>"#,
            r#"<parm name="APPID" value="w4"/>"#.to_owned(),
            Some(|e| matches!(e, ProvisioningError::MissingApplication)),
            "MS-MDE2 2.2.9.5: the DM account is APPID w7",
        ),
        (
            r#"<parm name="PROVIDER-ID" value="pfw-test"/>"#,
            String::new(),
            Some(|e| {
                matches!(
                    e,
                    ProvisioningError::MissingParm {
                        parm: "PROVIDER-ID",
                        ..
                    }
                )
            }),
            "reference 3.4: PROVIDER-ID names the DMClient provider",
        ),
        (
            r#"name="NumberOfFirstRetries" value="8""#,
            r#"name="NumberOfFirstRetries" value="eight""#.to_owned(),
            Some(|e| {
                matches!(
                    e,
                    ProvisioningError::InvalidParm {
                        parm: "NumberOfFirstRetries",
                        ..
                    }
                )
            }),
            "DMClient DDF: Poll counts are integers",
        ),
        (
            r#"name="PollOnLogin" value="true""#,
            r#"name="PollOnLogin" value="1""#.to_owned(),
            Some(|e| {
                matches!(
                    e,
                    ProvisioningError::InvalidParm {
                        parm: "PollOnLogin",
                        ..
                    }
                )
            }),
            "datatype boolean is true/false",
        ),
        (
            cert_b64.as_str(),
            junk_cert,
            Some(|e| matches!(e, ProvisioningError::BadCertificate { .. })),
            "MS-MDE2 2.2.9.2: EncodedCertificate is a base64 X.509 certificate",
        ),
        (
            "<wap-provisioningdoc version=\"1.1\">",
            "<!DOCTYPE x [<!ENTITY e \"e\">]><wap-provisioningdoc version=\"1.1\">".to_owned(),
            Some(|e| matches!(e, ProvisioningError::Xml(XmlError::Dtd))),
            "DESIGN, untrusted input: no DTD",
        ),
        (
            "</wap-provisioningdoc>",
            String::new(),
            Some(|e| matches!(e, ProvisioningError::Xml(XmlError::Truncated))),
            "a truncated document is refused",
        ),
    ];
    for (from, to, expected, why) in cases {
        let changed = doc.replacen(from, &to, 1);
        match (ProvisioningDoc::parse(changed.as_bytes(), &spki), expected) {
            (Ok(parsed), None) => assert_eq!(parsed.client_cert, cert, "{why}"),
            (Ok(_), Some(_)) => panic!("{why}: accepted"),
            (Err(e), None) => panic!("{why}: refused with {e}"),
            (Err(e), Some(check)) => assert!(check(&e), "{why}: got {e}"),
        }
    }
}

#[test]
fn wrong_root_and_missing_client_cert() {
    let (_, _, doc, spki) = fixture();
    let err = ProvisioningDoc::parse(b"<SyncML/>", &spki).unwrap_err();
    assert!(matches!(err, ProvisioningError::WrongRoot(ref r) if r == "SyncML"));

    let start = doc.find(r#"<characteristic type="My">"#).unwrap();
    let end = doc.find(r#"<characteristic type="APPLICATION">"#).unwrap();
    // Remove the My store (and the CertificateStore's closing tag that followed it).
    let without_my = format!("{}</characteristic>{}", &doc[..start], &doc[end..]);
    let err = ProvisioningDoc::parse(without_my.as_bytes(), &spki).unwrap_err();
    assert!(matches!(err, ProvisioningError::MissingClientCert), "{err}");
}

#[test]
fn too_many_certificates() {
    let (server, _, doc, spki) = fixture();
    let ca = STANDARD.encode(server.ca_der());
    let extra: String = (0..=pfw_session::enroll::provisioning::MAX_CERTIFICATES)
        .map(|i| {
            format!(
                r#"<characteristic type="T{i}"><parm name="EncodedCertificate" value="{ca}"/></characteristic>"#
            )
        })
        .collect();
    let doc = doc.replacen(
        r#"<characteristic type="System">"#,
        &format!(r#"<characteristic type="System">{extra}"#),
        1,
    );
    let err = ProvisioningDoc::parse(doc.as_bytes(), &spki).unwrap_err();
    assert!(
        matches!(err, ProvisioningError::TooManyCertificates { .. }),
        "{err}"
    );
}

#[test]
fn dmclient_settings_alone() {
    let (_server, _spki, doc, _cert) = fixture();
    let dm = pfw_session::parse_dm_client(doc.as_bytes()).unwrap();
    // The test server's document: the MS-MDE2 sample's poll schedule.
    assert_eq!(dm.poll.number_of_first_retries, Some(8));
    assert_eq!(dm.poll.interval_for_first_set_of_retries, Some(15));
    assert_eq!(dm.poll.interval_for_remaining_scheduled_retries, Some(1560));
    assert_eq!(dm.ent_device_name.as_deref(), Some("pfw-device"));
    let broken = doc.replace("value=\"8\"", "value=\"eight\"");
    assert!(matches!(
        pfw_session::parse_dm_client(broken.as_bytes()),
        Err(ProvisioningError::InvalidParm { .. })
    ));
}
