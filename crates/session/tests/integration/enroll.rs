//! Enrollment end to end against the test server, and the shape of what the device sends
//! compared with the real Windows capture quoted in the reference (enrollment-facts §1-3).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::{Decode, Encode};
use pfw_session::http::TlsClient;
use pfw_session::{
    AuthPolicy, CertStore, ClientIdentity, Credential, EnrollError, Enrollment, EnrollmentType,
    HttpError, KeyError, Step, Transport, Trust, enroll,
};
use pfw_testserver::{Endpoint, ServerAuth, TestServer, TestServerConfig};

use crate::support::{
    context_item_names, element_text, fast_transport, key, options, options_without_probe, request,
    server, server_with,
};

#[test]
fn onpremise_enrollment_end_to_end() {
    let server = server();
    let request = request(&server);
    let enrollment = enroll(&request, options()).expect("enrollment succeeds");
    assert_eq!(server.violations(), Vec::<String>::new());

    // Order: GET probe, Discover, GetPolicies, RequestSecurityToken.
    let seen: Vec<(Endpoint, String)> = server
        .requests()
        .iter()
        .map(|r| (r.endpoint, r.method.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (Endpoint::Discovery, "GET".to_owned()),
            (Endpoint::Discovery, "POST".to_owned()),
            (Endpoint::Policy, "POST".to_owned()),
            (Endpoint::Enrollment, "POST".to_owned()),
        ]
    );

    // What the provisioning document said (the server's sample values).
    assert_eq!(enrollment.device_id, request.device.device_id);
    assert_eq!(enrollment.server_address(), server.management_url());
    assert_eq!(enrollment.provider_id(), "pfw-test");
    assert_eq!(enrollment.auth_policy, AuthPolicy::OnPremise);
    assert_eq!(enrollment.user.as_deref(), Some("demo@example.com"));
    assert_eq!(enrollment.discovery_url, server.discovery_url());
    assert_eq!(enrollment.ca_certs, vec![server.ca_der().to_vec()]);
    assert!(enrollment.intermediate_certs.is_empty());
    assert_eq!(enrollment.client_cert_store, CertStore::MyUser);
    let poll = enrollment.poll();
    assert_eq!(poll.number_of_first_retries, Some(8));
    assert_eq!(poll.interval_for_first_set_of_retries, Some(15));
    assert_eq!(poll.number_of_second_retries, Some(5));
    assert_eq!(poll.interval_for_second_set_of_retries, Some(3));
    assert_eq!(poll.number_of_remaining_scheduled_retries, Some(0));
    assert_eq!(poll.interval_for_remaining_scheduled_retries, Some(1560));
    assert_eq!(poll.poll_on_login, Some(true));
    assert_eq!(
        enrollment.dm_client.upn.as_deref(),
        Some("demo@example.com")
    );
    assert_eq!(enrollment.account.role.as_deref(), Some("4294967295"));
    assert!(enrollment.account.backcompat_retry_disabled);
    assert_eq!(enrollment.account.initial_backoff_ms, Some(30_000));
    assert_eq!(enrollment.account.app_auth.len(), 2);
    let renewal = enrollment.renewal.as_ref().expect("renewal settings");
    assert_eq!(renewal.robo_support, Some(true));
    assert_eq!(renewal.renew_period_days, Some(60));

    // The client certificate carries the device's key and the server's CA issued it.
    let cert = x509_cert::Certificate::from_der(&enrollment.client_cert).unwrap();
    assert_eq!(
        cert.tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
        key().public_key_der().unwrap()
    );
    let ca = x509_cert::Certificate::from_der(server.ca_der()).unwrap();
    assert_eq!(cert.tbs_certificate.issuer, ca.tbs_certificate.subject);
    assert_eq!(
        enrollment.key().unwrap().public_key_der().unwrap(),
        key().public_key_der().unwrap()
    );
}

#[test]
fn messages_have_the_shape_of_the_windows_capture() {
    let server = server();
    let request = request(&server);
    enroll(&request, options()).expect("enrollment succeeds");
    let requests = server.requests();

    // GET probe headers (capture §1.2).
    let probe = &requests[0];
    assert_eq!(probe.header("User-Agent"), Some("ENROLLClient"));
    assert_eq!(probe.header("Cache-Control"), Some("no-cache"));
    assert_eq!(probe.header("Pragma"), Some("no-cache"));
    assert!(probe.body.is_empty());

    // Discover (capture §1.3).
    let discover = requests[1].body_text();
    assert_eq!(
        requests[1].header("Content-Type"),
        Some("application/soap+xml; charset=utf-8")
    );
    assert!(discover.starts_with(
        r#"<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope">"#
    ));
    assert_eq!(
        element_text(&discover, "a:Action"),
        Some(
            "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover"
        )
    );
    assert_eq!(
        element_text(&discover, "a:To"),
        Some(
            format!(
                "https://127.0.0.1:{}/EnrollmentServer/Discovery.svc",
                server.addr().port()
            )
            .as_str()
        )
    );
    assert!(discover.contains(
        r#"<Discover xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment"><request xmlns:i="http://www.w3.org/2001/XMLSchema-instance">"#
    ));
    assert_eq!(element_text(&discover, "RequestVersion"), Some("4.0"));
    assert_eq!(
        element_text(&discover, "DeviceType"),
        Some("CIMClient_Windows")
    );
    assert_eq!(element_text(&discover, "OSEdition"), Some("4"));
    assert!(discover.contains(
        "<AuthPolicies><AuthPolicy>OnPremise</AuthPolicy><AuthPolicy>Federated</AuthPolicy></AuthPolicies>"
    ));

    // GetPolicies (capture §2): UsernameToken with the literal u:Id, nil fields.
    let policies = requests[2].body_text();
    assert_eq!(
        element_text(&policies, "a:Action"),
        Some(
            "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies"
        )
    );
    assert!(
        policies
            .contains(r#"<wsse:UsernameToken u:Id="uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4">"#)
    );
    assert_eq!(
        element_text(&policies, "wsse:Username"),
        Some("demo@example.com")
    );
    assert!(policies.contains(
        r#"<client><lastUpdate xsi:nil="true"/><preferredLanguage xsi:nil="true"/></client><requestFilter xsi:nil="true"/>"#
    ));

    // RequestSecurityToken (capture §3.1): action, token type, PKCS#10 on one line,
    // AdditionalContext items in the capture's order.
    let rst = requests[3].body_text();
    assert_eq!(
        element_text(&rst, "a:Action"),
        Some("http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep")
    );
    assert_eq!(
        element_text(&rst, "wst:TokenType"),
        Some(
            "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken"
        )
    );
    assert_eq!(
        element_text(&rst, "wst:RequestType"),
        Some("http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue")
    );
    let csr_b64 = element_text(&rst, "wsse:BinarySecurityToken").unwrap();
    assert!(!csr_b64.contains(char::is_whitespace));
    assert!(STANDARD.decode(csr_b64).is_ok());
    assert!(rst.contains(
        r#"<ac:AdditionalContext xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization">"#
    ));
    assert_eq!(
        context_item_names(&rst),
        [
            "UXInitiated",
            "HWDevID",
            "Locale",
            "TargetedUserLoggedIn",
            "OSEdition",
            "DeviceName",
            "MAC",
            "DeviceID",
            "EnrollmentType",
            "DeviceType",
            "OSVersion",
            "ApplicationVersion",
            "NotInOobe",
        ]
    );
    assert!(rst.contains(&format!(
        r#"<ac:ContextItem Name="DeviceID"><ac:Value>{}</ac:Value></ac:ContextItem>"#,
        request.device.device_id
    )));

    // Each message has its own urn:uuid MessageID.
    let ids: Vec<&str> = [&discover, &policies, &rst]
        .iter()
        .map(|b| element_text(b, "a:MessageID").unwrap())
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("urn:uuid:")));
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
}

#[test]
fn federated_enrollment_end_to_end() {
    let token = "eyJhbGciOi.federated.token";
    let server = federated(token);
    let mut request = request(&server);
    request.credential = Credential::Token(token.to_owned());
    let enrollment = enroll(&request, options()).expect("federated enrollment succeeds");
    assert_eq!(server.violations(), Vec::<String>::new());
    assert_eq!(enrollment.auth_policy, AuthPolicy::Federated);
    assert_eq!(enrollment.server_address(), server.management_url());

    // The token travels base64-encoded with the DeviceEnrollmentUserToken ValueType.
    let policies = server.requests()[2].body_text();
    assert!(policies.contains(
        r#"ValueType="http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken""#
    ));
    assert!(policies.contains(&STANDARD.encode(token)));
    assert!(!policies.contains("UsernameToken"));
}

#[test]
fn wrong_password_is_an_authentication_fault() {
    let server = server();
    let mut request = request(&server);
    request.credential = Credential::Password("wrong".to_owned());
    let err = enroll(&request, options()).unwrap_err();
    let EnrollError::Fault { step, fault } = err else {
        panic!("expected a fault, got {err}");
    };
    assert_eq!(step, Step::GetPolicies);
    assert_eq!(fault.subcode.as_deref(), Some("s:Authentication"));
    // MS-MDE2 §2.2.10: s:Authentication is 0x80180002.
    assert_eq!(fault.hresult(), Some(0x8018_0002));
    assert!(server.requests_to(Endpoint::Enrollment).is_empty());
}

#[test]
fn credential_must_suit_the_servers_policy() {
    let server = federated("t");
    let err = enroll(&request(&server), options()).unwrap_err();
    assert!(
        matches!(
            err,
            EnrollError::CredentialMismatch {
                server: AuthPolicy::Federated,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.requests().len(), 2, "stops after Discover");
}

#[test]
fn onpremise_needs_a_user() {
    let server = server();
    let mut request = request(&server);
    request.user = None;
    let err = enroll(&request, options_without_probe()).unwrap_err();
    assert!(matches!(err, EnrollError::MissingUser), "{err}");
    assert!(server.requests().is_empty(), "refused before sending");
}

#[test]
fn federated_without_user_sends_an_empty_email_address() {
    let server = federated("tok");
    let mut request = request(&server);
    request.user = None;
    request.credential = Credential::Token("tok".to_owned());
    let enrollment = enroll(&request, options_without_probe()).unwrap();
    assert_eq!(enrollment.user, None);
    assert_eq!(server.violations(), Vec::<String>::new());
    assert!(
        server.requests()[0]
            .body_text()
            .contains("<EmailAddress></EmailAddress>")
    );
}

#[test]
fn without_policy_service_the_request_is_rsa_2048_sha1() {
    let server = server_with(TestServerConfig {
        offer_policy_service: false,
        ..TestServerConfig::default()
    });
    enroll(&request(&server), options()).expect("enrollment succeeds");
    // The server checks the request's hash against SHA-1 and the key against 2048 bits.
    assert_eq!(server.violations(), Vec::<String>::new());
    let endpoints: Vec<Endpoint> = server.requests().iter().map(|r| r.endpoint).collect();
    assert_eq!(
        endpoints,
        [
            Endpoint::Discovery,
            Endpoint::Discovery,
            Endpoint::Enrollment
        ]
    );
}

#[test]
fn policy_hash_is_followed() {
    let server = server_with(TestServerConfig {
        policy_hash_oid: Some("2.16.840.1.101.3.4.2.1".to_owned()),
        ..TestServerConfig::default()
    });
    enroll(&request(&server), options()).expect("enrollment succeeds");
    // The server rejects a request not signed with SHA-256.
    assert_eq!(server.violations(), Vec::<String>::new());
}

#[test]
fn oversized_key_demand_is_refused() {
    let server = server_with(TestServerConfig {
        min_key_bits: 16384,
        ..TestServerConfig::default()
    });
    let err = enroll(&request(&server), options()).unwrap_err();
    assert!(
        matches!(
            err,
            EnrollError::Key(KeyError::TooLarge {
                requested: 16384,
                ..
            })
        ),
        "{err}"
    );
    assert!(server.requests_to(Endpoint::Enrollment).is_empty());
}

#[test]
fn device_enrollment_installs_in_the_system_store() {
    let server = server();
    let mut request = request(&server);
    request.device.enrollment_type = EnrollmentType::Device;
    let enrollment = enroll(&request, options()).unwrap();
    assert_eq!(enrollment.client_cert_store, CertStore::MySystem);
}

#[test]
fn bare_server_url_gets_the_discovery_path_and_probe_can_be_skipped() {
    let server = server();
    let mut request = request(&server);
    request.server = server.base_url();
    enroll(&request, options_without_probe()).expect("enrollment succeeds");
    let first = &server.requests()[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/EnrollmentServer/Discovery.svc");
    assert_eq!(server.violations(), Vec::<String>::new());
}

#[test]
fn record_round_trips_through_json_and_hides_secrets() {
    let server = server();
    let enrollment = enroll(&request(&server), options()).unwrap();
    let json = enrollment.to_json().unwrap();
    let back = Enrollment::from_json(&json).unwrap();
    assert_eq!(back, enrollment);

    let shown = format!("{enrollment:?}");
    let key_b64 = STANDARD.encode(enrollment.private_key.as_bytes());
    assert!(!shown.contains(&key_b64[..40]));
    assert!(!shown.contains("server-secret"));
    assert!(shown.contains("redacted"));
}

#[test]
fn management_endpoint_sees_the_enrolled_client_certificate() {
    let server = server();
    let enrollment = enroll(&request(&server), options()).unwrap();
    let mut trust = enrollment.trust().unwrap();
    trust.add_pem(server.ca_pem()).unwrap();
    let identity = enrollment.client_identity().unwrap();
    let transport = Transport::new(fast_transport(), &trust, Some(&identity)).unwrap();
    let response = transport
        .post(
            &format!(
                "{}?mode=Maintenance&Platform=WoA",
                enrollment.server_address()
            ),
            &[("Content-Type", "application/vnd.syncml.dm+xml")],
            b"<SyncML/>",
        )
        .unwrap();
    assert_eq!(response.status, 200);
    let last = server.requests().pop().unwrap();
    assert_eq!(last.endpoint, Endpoint::Management);
    assert_eq!(last.query.as_deref(), Some("mode=Maintenance&Platform=WoA"));
    assert_eq!(
        last.client_cert.as_deref(),
        Some(enrollment.client_cert.as_slice())
    );

    // Without an identity the handshake still succeeds, and no certificate is recorded.
    let anonymous = Transport::new(fast_transport(), &trust, None).unwrap();
    anonymous.post(&server.management_url(), &[], b"").unwrap();
    assert_eq!(server.requests().pop().unwrap().client_cert, None);
}

#[test]
fn client_certificate_from_another_ca_is_refused() {
    let server = server();
    let other = crate::support::server();
    let device = pfw_session::DeviceId::generate();
    let spki = key().public_key_der().unwrap();
    let foreign = other.issue_client_cert(device.as_str(), &spki).unwrap();
    let identity = ClientIdentity::new(vec![foreign], key().to_pkcs8_der().unwrap()).unwrap();
    let mut trust = Trust::empty();
    trust.add_pem(server.ca_pem()).unwrap();
    let transport = Transport::new(fast_transport(), &trust, Some(&identity)).unwrap();
    let err = transport
        .post(&server.management_url(), &[], b"")
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Tls { .. } | HttpError::Io { .. }),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_before_any_connection() {
    // The check rustls's own `with_client_auth_cert` makes (the key's public half against the
    // certificate's), kept when a fleet's devices share their parsed keys.
    let server = server();
    let spki = key().public_key_der().unwrap();
    let cert = server
        .issue_client_cert(pfw_session::DeviceId::generate().as_str(), &spki)
        .unwrap();
    let other = pfw_session::DeviceKey::generate(2048).unwrap();
    let mut trust = Trust::empty();
    trust.add_pem(server.ca_pem()).unwrap();
    let keys = pfw_session::http::SigningKeys::new();
    let wrong = ClientIdentity::new(vec![cert.clone()], other.to_pkcs8_der().unwrap()).unwrap();
    for made in [
        TlsClient::new(&trust, Some(&wrong)).map(drop),
        TlsClient::sharing(&trust, &wrong, &keys).map(drop),
    ] {
        let err = made.unwrap_err();
        assert!(matches!(err, HttpError::ClientIdentity(_)), "{err}");
        assert!(err.to_string().contains("not the certificate's"), "{err}");
    }
    // The right key is accepted both ways, and shared: one parsed key for two clients.
    let right = ClientIdentity::new(vec![cert], key().to_pkcs8_der().unwrap()).unwrap();
    let first = TlsClient::sharing(&trust, &right, &keys).unwrap();
    let second = TlsClient::sharing(&trust, &right, &keys).unwrap();
    assert_eq!(keys.len(), 1);
    TlsClient::new(&trust, Some(&right)).unwrap();
    drop((first, second));
    assert!(keys.is_empty());
    assert!(server.requests().is_empty());
}

#[test]
fn untrusted_server_certificate_fails_the_handshake() {
    let server = server();
    let mut request = request(&server);
    request.extra_ca_pem = None;
    // Only the system roots: the test CA is not among them.
    let options = pfw_session::EnrollOptions {
        system_roots: true,
        ..options()
    };
    let err = enroll(&request, options).unwrap_err();
    assert!(
        matches!(
            err,
            EnrollError::Http {
                step: Step::Probe,
                source: HttpError::Tls { .. }
            } | EnrollError::Setup(HttpError::NoRoots)
        ),
        "{err}"
    );

    // No roots at all is its own error.
    let err = enroll(&request, crate::support::options()).unwrap_err();
    assert!(
        matches!(err, EnrollError::Setup(HttpError::NoRoots)),
        "{err}"
    );

    // An extra CA that is not a certificate is refused before any request.
    request.extra_ca_pem = Some("not PEM".to_owned());
    let err = enroll(&request, crate::support::options()).unwrap_err();
    assert!(
        matches!(err, EnrollError::Setup(HttpError::InvalidCaPem(_))),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn system_roots_plus_extra_ca_enroll() {
    let server = server();
    let options = pfw_session::EnrollOptions {
        system_roots: true,
        ..options()
    };
    enroll(&request(&server), options).expect("enrollment succeeds");
}

/// A federated server that accepts `token`.
fn federated(token: &str) -> TestServer {
    server_with(TestServerConfig {
        auth: ServerAuth::Federated {
            token: token.to_owned(),
        },
        ..TestServerConfig::default()
    })
}
