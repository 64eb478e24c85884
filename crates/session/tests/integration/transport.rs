//! The transport on its own: the body limit at its exact edge, refused URLs.

use std::sync::Arc;

use pfw_session::{HttpError, Transport, Trust};
use pfw_testserver::Endpoint;

use crate::support::{fast_transport, server};

#[test]
fn body_limit_is_exact() {
    let server = server();
    let limit = fast_transport().max_body;
    let size = usize::try_from(limit).unwrap();
    server.set_management_handler(Arc::new(move |r| {
        // The request body says how many bytes to answer.
        let n: usize = String::from_utf8_lossy(&r.body).parse().unwrap_or(0);
        (200, vec![b'x'; n])
    }));
    let mut trust = Trust::empty();
    trust.add_pem(server.ca_pem()).unwrap();
    let transport = Transport::new(fast_transport(), &trust, None).unwrap();
    let at_limit = transport
        .post(&server.management_url(), &[], size.to_string().as_bytes())
        .unwrap();
    assert_eq!(at_limit.body.len(), size);
    let over = transport
        .post(
            &server.management_url(),
            &[],
            (size + 1).to_string().as_bytes(),
        )
        .unwrap_err();
    assert!(
        matches!(over, HttpError::BodyTooLarge { limit: l, .. } if l == limit),
        "{over}"
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.endpoint == Endpoint::Management)
    );
}

#[test]
fn only_https_is_spoken() {
    let server = server();
    let mut trust = Trust::empty();
    trust.add_pem(server.ca_pem()).unwrap();
    let transport = Transport::new(fast_transport(), &trust, None).unwrap();
    let url = server.management_url().replacen("https", "http", 1);
    let err = transport.post(&url, &[], b"").unwrap_err();
    assert!(matches!(err, HttpError::InvalidUrl { .. }), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn nothing_listening_fails_fast() {
    // Bind then drop a listener to get a port with nothing behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut trust = Trust::empty();
    trust.add_pem(server().ca_pem()).unwrap();
    let transport = Transport::new(fast_transport(), &trust, None).unwrap();
    let err = transport
        .get(&format!("https://127.0.0.1:{port}/"), &[])
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Io { .. } | HttpError::Protocol { .. }),
        "{err}"
    );
}
