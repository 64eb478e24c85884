//! Hostile servers: each misbehavior ends the enrollment in bounded time (the transport's
//! limits in `support::fast_transport`) with a typed error naming what was wrong.

use std::time::Duration;

use pfw_session::{EnrollError, HttpError, ProvisioningError, Step, XmlError, enroll};
use pfw_testserver::{Endpoint, Misbehavior, ProvisioningTweak, TestServer};

use crate::support::{options, options_without_probe, request, server};

/// Runs one enrollment against a server told to misbehave once on `endpoint`.
fn enroll_against(endpoint: Endpoint, misbehavior: Misbehavior) -> (TestServer, EnrollError) {
    let server = server();
    server.misbehave(endpoint, misbehavior, 1);
    let err = enroll(&request(&server), options_without_probe())
        .expect_err("a misbehaving server fails the enrollment");
    (server, err)
}

fn soap_reply(body: &str) -> Misbehavior {
    Misbehavior::Raw {
        status: 200,
        content_type: "application/soap+xml; charset=utf-8".to_owned(),
        body: body.as_bytes().to_vec(),
    }
}

const S12: &str = "http://www.w3.org/2003/05/soap-envelope";

#[test]
fn garbage_instead_of_http() {
    let (_, err) = enroll_against(Endpoint::Discovery, Misbehavior::Garbage);
    assert!(
        matches!(
            err,
            EnrollError::Http {
                step: Step::Discover,
                source: HttpError::Protocol { .. } | HttpError::Io { .. }
            }
        ),
        "{err}"
    );
}

#[test]
fn connection_closed_without_answer() {
    let (_, err) = enroll_against(Endpoint::Policy, Misbehavior::Close);
    assert!(
        matches!(
            err,
            EnrollError::Http {
                step: Step::GetPolicies,
                source: HttpError::Io { .. } | HttpError::Protocol { .. }
            }
        ),
        "{err}"
    );
}

#[test]
fn no_answer_at_all_times_out() {
    let (_, err) = enroll_against(Endpoint::Enrollment, Misbehavior::Silent);
    assert!(
        matches!(
            err,
            EnrollError::Http {
                step: Step::RequestSecurityToken,
                source: HttpError::Timeout { .. }
            }
        ),
        "{err}"
    );
}

#[test]
fn answer_too_slow_times_out() {
    let (_, err) = enroll_against(
        Endpoint::Discovery,
        Misbehavior::Slow(Duration::from_secs(5)),
    );
    assert!(
        matches!(
            err,
            EnrollError::Http {
                source: HttpError::Timeout { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn slow_but_within_limits_succeeds() {
    let server = server();
    server.misbehave(
        Endpoint::Policy,
        Misbehavior::Slow(Duration::from_millis(100)),
        1,
    );
    enroll(&request(&server), options()).expect("a short delay is fine");
}

#[test]
fn endless_body_hits_the_body_limit() {
    let (_, err) = enroll_against(Endpoint::Discovery, Misbehavior::EndlessBody);
    assert!(
        matches!(
            err,
            EnrollError::Http {
                source: HttpError::BodyTooLarge { limit: 262_144, .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_response_head_past_16_kib_is_refused_and_one_within_it_is_read() {
    // The transport reads a response head of at most 16 KiB (README "Limits"); past it the
    // exchange is a protocol error naming the size, not a buffer that grows with the head.
    let (_, err) = enroll_against(Endpoint::Discovery, Misbehavior::LongHead(17 * 1024));
    match &err {
        EnrollError::Http {
            step: Step::Discover,
            source: HttpError::Protocol { .. },
        } => assert!(err.to_string().contains("too big"), "{err}"),
        other => panic!("expected a protocol error for the long head, got {other}"),
    }
    // 15 KiB of header is read: the discovery then fails on its empty body, one step later.
    let (_, err) = enroll_against(Endpoint::Discovery, Misbehavior::LongHead(15 * 1024));
    assert!(!err.to_string().contains("too big"), "{err}");
    assert!(
        !matches!(
            err,
            EnrollError::Http {
                source: HttpError::Protocol { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn huge_declared_body_hits_the_body_limit() {
    let big = vec![b' '; 300 * 1024];
    let (_, err) = enroll_against(
        Endpoint::Discovery,
        Misbehavior::Raw {
            status: 200,
            content_type: "application/soap+xml".to_owned(),
            body: big,
        },
    );
    assert!(
        matches!(
            err,
            EnrollError::Http {
                source: HttpError::BodyTooLarge { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn soap_fault_is_reported_with_code_and_reason() {
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Fault {
            subcode: "s:Authorization".to_owned(),
            reason: "User not allowed to enroll".to_owned(),
        },
    );
    let EnrollError::Fault { step, fault } = &err else {
        panic!("expected a fault, got {err}");
    };
    assert_eq!(*step, Step::RequestSecurityToken);
    assert_eq!(fault.code, "s:Receiver");
    assert_eq!(fault.subcode.as_deref(), Some("s:Authorization"));
    assert_eq!(fault.reason, "User not allowed to enroll");
    assert!(err.to_string().contains("User not allowed to enroll"));
    // MS-MDE2 §2.2.10: s:Authorization is 0x80180003.
    assert!(err.to_string().contains("0x80180003"));
}

#[test]
fn lower_case_fault_with_detail() {
    // MS-MDE2 §2.2.10 writes its fault sample in lower case, with an errortype detail.
    let body = format!(
        r#"<s:envelope xmlns:s="{S12}"><s:body><s:fault><s:code><s:value>s:receiver</s:value><s:subcode><s:value>s:Authorization</s:value></s:subcode></s:code><s:reason><s:text>Too many devices</s:text></s:reason><s:detail><deviceenrollmentserviceerror xmlns="http://schemas.microsoft.com/windows/pki/2009/01/enrollment"><errortype>DeviceCapReached</errortype><message>cap</message><traceid>2493ee37</traceid></deviceenrollmentserviceerror></s:detail></s:fault></s:body></s:envelope>"#
    );
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Raw {
            status: 500,
            content_type: "application/soap+xml".to_owned(),
            body: body.into_bytes(),
        },
    );
    let EnrollError::Fault { fault, .. } = err else {
        panic!("expected a fault, got {err}");
    };
    assert_eq!(fault.error_type.as_deref(), Some("DeviceCapReached"));
    assert_eq!(fault.trace_id.as_deref(), Some("2493ee37"));
    assert_eq!(fault.hresult(), Some(0x8018_0013));
}

#[test]
fn truncated_xml() {
    let (_, err) = enroll_against(
        Endpoint::Discovery,
        soap_reply(&format!(
            r#"<s:Envelope xmlns:s="{S12}"><s:Body><DiscoverResponse xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment"><DiscoverResult><AuthPolicy>OnPre"#
        )),
    );
    assert!(
        matches!(
            err,
            EnrollError::Xml {
                step: Step::Discover,
                source: XmlError::Truncated | XmlError::Syntax(_)
            }
        ),
        "{err}"
    );
}

#[test]
fn dtd_in_a_soap_reply_is_refused() {
    let (_, err) = enroll_against(
        Endpoint::Policy,
        soap_reply(&format!(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><s:Envelope xmlns:s="{S12}"><s:Body>&lol2;</s:Body></s:Envelope>"#
        )),
    );
    assert!(
        matches!(
            err,
            EnrollError::Xml {
                step: Step::GetPolicies,
                source: XmlError::Dtd
            }
        ),
        "{err}"
    );
}

#[test]
fn deeply_nested_reply_is_refused() {
    let depth = 10_000;
    let body = format!(
        r#"<s:Envelope xmlns:s="{S12}"><s:Body>{}{}</s:Body></s:Envelope>"#,
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    );
    let (_, err) = enroll_against(Endpoint::Discovery, soap_reply(&body));
    assert!(
        matches!(
            err,
            EnrollError::Xml {
                source: XmlError::TooDeep { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn html_instead_of_soap() {
    let (_, err) = enroll_against(
        Endpoint::Discovery,
        Misbehavior::Raw {
            status: 200,
            content_type: "text/html".to_owned(),
            body: b"<html><body>Sign in</body></html>".to_vec(),
        },
    );
    assert!(
        matches!(err, EnrollError::UnexpectedReply { ref found, .. } if found == "html"),
        "{err}"
    );
}

#[test]
fn error_status_without_fault() {
    let (_, err) = enroll_against(
        Endpoint::Policy,
        Misbehavior::Raw {
            status: 503,
            content_type: "text/plain".to_owned(),
            body: b"busy".to_vec(),
        },
    );
    assert!(
        matches!(
            err,
            EnrollError::Status {
                step: Step::GetPolicies,
                status: 503
            }
        ),
        "{err}"
    );
}

#[test]
fn redirect_is_not_followed() {
    let (server, err) = enroll_against(
        Endpoint::Discovery,
        Misbehavior::Raw {
            status: 302,
            content_type: "text/plain".to_owned(),
            body: Vec::new(),
        },
    );
    assert!(
        matches!(err, EnrollError::Status { status: 302, .. }),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn discover_reply_without_enrollment_url() {
    let (_, err) = enroll_against(
        Endpoint::Discovery,
        soap_reply(&format!(
            r#"<s:Envelope xmlns:s="{S12}"><s:Body><DiscoverResponse xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment"><DiscoverResult><AuthPolicy>OnPremise</AuthPolicy></DiscoverResult></DiscoverResponse></s:Body></s:Envelope>"#
        )),
    );
    assert!(
        matches!(
            err,
            EnrollError::MissingElement {
                element: "EnrollmentServiceUrl",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_base64_token() {
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Provisioning(ProvisioningTweak::BadTokenBase64),
    );
    assert!(
        matches!(
            err,
            EnrollError::InvalidElement {
                element: "BinarySecurityToken",
                reason: "not base64",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_base64_certificate() {
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Provisioning(ProvisioningTweak::BadCertificateBase64),
    );
    assert!(
        matches!(
            err,
            EnrollError::Provisioning(ProvisioningError::BadBase64 { ref store, .. }) if store == "My/User"
        ),
        "{err}"
    );
}

#[test]
fn provisioning_doc_without_addr() {
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Provisioning(ProvisioningTweak::NoAddr),
    );
    assert!(
        matches!(
            err,
            EnrollError::Provisioning(ProvisioningError::MissingParm {
                characteristic: "APPLICATION",
                parm: "ADDR"
            })
        ),
        "{err}"
    );
}

#[test]
fn provisioning_doc_with_http_addr() {
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Provisioning(ProvisioningTweak::InsecureAddr),
    );
    assert!(
        matches!(
            err,
            EnrollError::Provisioning(ProvisioningError::InsecureAddress(_))
        ),
        "{err}"
    );
}

#[test]
fn client_cert_not_matching_our_key() {
    let (_, err) = enroll_against(
        Endpoint::Enrollment,
        Misbehavior::Provisioning(ProvisioningTweak::ForeignClientKey),
    );
    assert!(
        matches!(
            err,
            EnrollError::Provisioning(ProvisioningError::ClientCertKeyMismatch { found: 1 })
        ),
        "{err}"
    );
}

#[test]
fn too_many_requests_is_retried_after_retry_after() {
    let server = server();
    server.misbehave(
        Endpoint::Policy,
        Misbehavior::TooManyRequests {
            retry_after: Some("1".to_owned()),
        },
        1,
    );
    let mut options = options();
    options.transport.max_retry_after = Duration::from_secs(5);
    enroll(&request(&server), options).expect("the retry succeeds");
    let policy: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.endpoint == Endpoint::Policy)
        .collect();
    assert_eq!(policy.len(), 2);
    assert_eq!(policy[0].response_status, 429);
    assert_eq!(policy[1].response_status, 200);
    // Retry-After: 1 was honoured.
    let gap = policy[1].received_at - policy[0].received_at;
    assert!(gap >= Duration::from_millis(950), "{gap:?}");
}

#[test]
fn too_many_requests_gives_up_after_max_attempts_with_capped_wait() {
    let server = server();
    server.misbehave(
        Endpoint::Policy,
        Misbehavior::TooManyRequests {
            retry_after: Some("3600".to_owned()),
        },
        10,
    );
    let err = enroll(&request(&server), options()).unwrap_err();
    assert!(
        matches!(
            err,
            EnrollError::Http {
                step: Step::GetPolicies,
                source: HttpError::TooManyRequests { attempts: 3, .. }
            }
        ),
        "{err}"
    );
    let policy = server
        .requests()
        .into_iter()
        .filter(|r| r.endpoint == Endpoint::Policy)
        .count();
    assert_eq!(policy, 3);
}
