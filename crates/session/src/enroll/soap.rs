//! The SOAP messages of enrollment: the three requests the device writes (`Discover`,
//! MS-XCEP `GetPolicies`, MS-WSTEP `RequestSecurityToken`), shaped like the real Windows
//! capture in the reference (element names, prefixes, namespaces, header actions), and the
//! readers of the server's replies and faults.
//!
//! Replies are read leniently where real servers differ and strictly where the device
//! depends on a value: SOAP 1.2 and 1.1 envelopes are both accepted (the specification's
//! examples use both), fault elements match in any case (the specification's fault samples
//! are lower-case), element text is trimmed (Learn's examples wrap URLs in newlines).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::enroll::AuthPolicy;
use crate::enroll::csr::SignatureHash;
use crate::enroll::device::DeviceInfo;
use crate::error::{EnrollError, Step};
use crate::xml::{self, Element, escape, shorten};

/// A SOAP fault as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// `Code/Value` (SOAP 1.2) or `faultcode` (SOAP 1.1), e.g. `s:receiver`.
    pub code: String,
    /// `Code/Subcode/Value`, e.g. `s:Authentication`.
    pub subcode: Option<String>,
    /// `Reason/Text` or `faultstring`.
    pub reason: String,
    /// `Detail/deviceenrollmentserviceerror/errortype`, e.g. `DeviceCapReached`.
    pub error_type: Option<String>,
    /// `Detail/deviceenrollmentserviceerror/traceid`.
    pub trace_id: Option<String>,
}

impl SoapFault {
    /// The HRESULT Windows reports for this fault (MS-MDE2 §2.2.10): from the error type
    /// when there is one, else from the subcode.
    pub fn hresult(&self) -> Option<u32> {
        let by_type = self.error_type.as_deref().and_then(|t| {
            Some(match t {
                "DeviceCapReached" => 0x8018_0013,
                "DeviceNotSupported" => 0x8018_0014,
                "NotSupported" => 0x8018_0015,
                "NotEligibleToRenew" => 0x8018_0016,
                "InMaintenance" => 0x8018_0017,
                "UserLicense" => 0x8018_0018,
                "InvalidEnrollmentData" => 0x8018_0019,
                _ => return None,
            })
        });
        by_type.or_else(|| {
            let subcode = self.subcode.as_deref()?;
            let local = subcode.rsplit(':').next().unwrap_or(subcode);
            Some(match local.to_ascii_lowercase().as_str() {
                "messageformat" => 0x8018_0001,
                "authentication" => 0x8018_0002,
                "authorization" => 0x8018_0003,
                "certificaterequest" => 0x8018_0004,
                "enrollmentserver" => 0x8018_0005,
                "internalservicefault" => 0x8018_0006,
                "invalidsecurity" => 0x8018_0007,
                _ => return None,
            })
        })
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if let Some(subcode) = &self.subcode {
            write!(f, "/{subcode}")?;
        }
        write!(f, ": {}", self.reason)?;
        if let Some(error_type) = &self.error_type {
            write!(f, " ({error_type})")?;
        }
        if let Some(hresult) = self.hresult() {
            write!(f, " [0x{hresult:08X}]")?;
        }
        Ok(())
    }
}

/// The header token proving who enrolls.
pub(crate) enum Security<'a> {
    /// OnPremise: user name and password in a `wsse:UsernameToken`.
    UsernameToken { user: &'a str, password: &'a str },
    /// Federated: the security token service's token in a `wsse:BinarySecurityToken`.
    UserToken { token: &'a str },
}

/// What the device needs from `DiscoverResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiscoverResult {
    pub(crate) auth_policy: AuthPolicy,
    pub(crate) enrollment_version: Option<String>,
    pub(crate) policy_url: Option<String>,
    pub(crate) enrollment_url: String,
    pub(crate) authentication_url: Option<String>,
}

/// What the device needs from `GetPoliciesResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PolicyResult {
    pub(crate) min_key_bits: Option<u32>,
    pub(crate) hash: Option<SignatureHash>,
}

/// The `Discover` request.
pub(crate) fn discover_request(
    message_id: &str,
    to: &str,
    email: &str,
    device: &DeviceInfo,
) -> String {
    format!(
        concat!(
            r#"<s:Envelope xmlns:a="{a}" xmlns:s="{s}">"#,
            r#"<s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">{action}</a:Action>"#,
            r#"<a:MessageID>urn:uuid:{id}</a:MessageID>"#,
            r#"<a:ReplyTo><a:Address>{anon}</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">{to}</a:To>"#,
            r#"</s:Header>"#,
            r#"<s:Body>"#,
            r#"<Discover xmlns="{enroll}">"#,
            r#"<request xmlns:i="{xsi}">"#,
            r#"<EmailAddress>{email}</EmailAddress>"#,
            r#"<RequestVersion>{version}</RequestVersion>"#,
            r#"<DeviceType>{device_type}</DeviceType>"#,
            r#"<ApplicationVersion>{app_version}</ApplicationVersion>"#,
            r#"<OSEdition>{edition}</OSEdition>"#,
            r#"<AuthPolicies><AuthPolicy>OnPremise</AuthPolicy><AuthPolicy>Federated</AuthPolicy></AuthPolicies>"#,
            r#"</request>"#,
            r#"</Discover>"#,
            r#"</s:Body>"#,
            r#"</s:Envelope>"#,
        ),
        a = NS_ADDRESSING,
        s = NS_SOAP12,
        action = ACTION_DISCOVER,
        id = message_id,
        anon = ADDRESS_ANONYMOUS,
        to = escape(to),
        enroll = NS_ENROLLMENT,
        xsi = xml::XSI_NS,
        email = escape(email),
        version = escape(&device.request_version),
        device_type = escape(&device.device_type),
        app_version = escape(&device.os_version),
        edition = device.os_edition,
    )
}

/// The MS-XCEP `GetPolicies` request.
pub(crate) fn get_policies_request(message_id: &str, to: &str, security: &Security<'_>) -> String {
    format!(
        concat!(
            "{envelope}",
            r#"<s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">{action}</a:Action>"#,
            r#"<a:MessageID>urn:uuid:{id}</a:MessageID>"#,
            r#"<a:ReplyTo><a:Address>{anon}</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">{to}</a:To>"#,
            "{security}",
            r#"</s:Header>"#,
            r#"<s:Body xmlns:xsi="{xsi}" xmlns:xsd="{xsd}">"#,
            r#"<GetPolicies xmlns="{policy}">"#,
            r#"<client><lastUpdate xsi:nil="true"/><preferredLanguage xsi:nil="true"/></client>"#,
            r#"<requestFilter xsi:nil="true"/>"#,
            r#"</GetPolicies>"#,
            r#"</s:Body>"#,
            r#"</s:Envelope>"#,
        ),
        envelope = security_envelope_open(),
        action = ACTION_GET_POLICIES,
        id = message_id,
        anon = ADDRESS_ANONYMOUS,
        to = escape(to),
        security = security_header(security),
        xsi = xml::XSI_NS,
        xsd = NS_XSD,
        policy = NS_POLICY,
    )
}

/// The MS-WSTEP `RequestSecurityToken` request carrying the base64 PKCS#10 request.
pub(crate) fn rst_request(
    message_id: &str,
    to: &str,
    security: &Security<'_>,
    csr_der: &[u8],
    device: &DeviceInfo,
) -> String {
    let mut items = String::new();
    for (name, value) in context_items(device) {
        items.push_str(&format!(
            r#"<ac:ContextItem Name="{}"><ac:Value>{}</ac:Value></ac:ContextItem>"#,
            escape(name),
            escape(&value)
        ));
    }
    format!(
        concat!(
            "{envelope}",
            r#"<s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">{action}</a:Action>"#,
            r#"<a:MessageID>urn:uuid:{id}</a:MessageID>"#,
            r#"<a:ReplyTo><a:Address>{anon}</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">{to}</a:To>"#,
            "{security}",
            r#"</s:Header>"#,
            r#"<s:Body>"#,
            r#"<wst:RequestSecurityToken>"#,
            r#"<wst:TokenType>{token_type}</wst:TokenType>"#,
            r#"<wst:RequestType>{request_type}</wst:RequestType>"#,
            r#"<wsse:BinarySecurityToken ValueType="{pkcs10}" EncodingType="{b64}">{csr}</wsse:BinarySecurityToken>"#,
            r#"<ac:AdditionalContext xmlns="{ac}">{items}</ac:AdditionalContext>"#,
            r#"</wst:RequestSecurityToken>"#,
            r#"</s:Body>"#,
            r#"</s:Envelope>"#,
        ),
        envelope = security_envelope_open(),
        action = ACTION_RST,
        id = message_id,
        anon = ADDRESS_ANONYMOUS,
        to = escape(to),
        security = security_header(security),
        token_type = TOKEN_TYPE_DEVICE_ENROLLMENT,
        request_type = REQUEST_TYPE_ISSUE,
        pkcs10 = VALUE_TYPE_PKCS10,
        b64 = ENCODING_BASE64,
        csr = STANDARD.encode(csr_der),
        ac = NS_AUTHORIZATION,
        items = items,
    )
}

/// The AdditionalContext items, in the order of the real capture (reference §3.1).
pub(crate) fn context_items(device: &DeviceInfo) -> Vec<(&'static str, String)> {
    let mut items = vec![
        ("UXInitiated", "true".to_owned()),
        ("HWDevID", device.hw_dev_id.clone()),
        ("Locale", device.locale.clone()),
        ("TargetedUserLoggedIn", "true".to_owned()),
        ("OSEdition", device.os_edition.to_string()),
        ("DeviceName", device.device_name.clone()),
    ];
    items.extend(device.macs.iter().map(|m| ("MAC", m.clone())));
    items.extend([
        ("DeviceID", device.device_id.as_str().to_owned()),
        ("EnrollmentType", device.enrollment_type.as_str().to_owned()),
        ("DeviceType", device.device_type.clone()),
        ("OSVersion", device.os_version.clone()),
        ("ApplicationVersion", device.os_version.clone()),
        ("NotInOobe", "false".to_owned()),
    ]);
    items
}

/// Reads a reply envelope: the first element of its Body, or the fault it carries.
pub(crate) fn read_body(body: &[u8], step: Step) -> Result<Element, EnrollError> {
    let root = xml::parse(body).map_err(|source| EnrollError::Xml { step, source })?;
    let soap_ns = match root.ns.as_deref() {
        Some(ns @ (NS_SOAP12 | NS_SOAP11)) if root.name.eq_ignore_ascii_case("Envelope") => {
            ns.to_owned()
        }
        _ => {
            return Err(EnrollError::UnexpectedReply {
                step,
                expected: "a SOAP Envelope",
                found: describe(&root),
            });
        }
    };
    let body = root
        .children
        .iter()
        .find(|c| c.ns.as_deref() == Some(&soap_ns) && c.name.eq_ignore_ascii_case("Body"))
        .ok_or(EnrollError::MissingElement {
            step,
            element: "Body",
        })?;
    let first = body.children.first().ok_or(EnrollError::MissingElement {
        step,
        element: "Body content",
    })?;
    if first.ns.as_deref() == Some(&soap_ns) && first.name.eq_ignore_ascii_case("Fault") {
        return Err(EnrollError::Fault {
            step,
            fault: read_fault(first),
        });
    }
    Ok(first.clone())
}

/// Reads a `DiscoverResponse` body element.
pub(crate) fn read_discover_response(body: &Element) -> Result<DiscoverResult, EnrollError> {
    let step = Step::Discover;
    expect(body, NS_ENROLLMENT, "DiscoverResponse", step)?;
    let result =
        body.child(NS_ENROLLMENT, "DiscoverResult")
            .ok_or(EnrollError::MissingElement {
                step,
                element: "DiscoverResult",
            })?;
    let text = |name: &'static str| -> Option<String> {
        result
            .child(NS_ENROLLMENT, name)
            .filter(|e| !e.is_nil())
            .map(|e| e.trimmed_text().to_owned())
            .filter(|t| !t.is_empty())
    };
    let auth = text("AuthPolicy").ok_or(EnrollError::MissingElement {
        step,
        element: "AuthPolicy",
    })?;
    let auth_policy = AuthPolicy::parse(&auth).ok_or(EnrollError::InvalidElement {
        step,
        element: "AuthPolicy",
        reason: "not Federated, Certificate or OnPremise",
    })?;
    let enrollment_url = text("EnrollmentServiceUrl").ok_or(EnrollError::MissingElement {
        step,
        element: "EnrollmentServiceUrl",
    })?;
    check_service_url(&enrollment_url, "EnrollmentServiceUrl")?;
    let policy_url = text("EnrollmentPolicyServiceUrl");
    if let Some(url) = &policy_url {
        check_service_url(url, "EnrollmentPolicyServiceUrl")?;
    }
    Ok(DiscoverResult {
        auth_policy,
        enrollment_version: text("EnrollmentVersion"),
        policy_url,
        enrollment_url,
        authentication_url: text("AuthenticationServiceUrl"),
    })
}

/// Reads a `GetPoliciesResponse` body element: the first policy's minimal key length and
/// the hash its `hashAlgorithmOIDReference` names.
pub(crate) fn read_get_policies_response(body: &Element) -> Result<PolicyResult, EnrollError> {
    let step = Step::GetPolicies;
    expect(body, NS_POLICY, "GetPoliciesResponse", step)?;
    let attributes = body
        .path(&[
            (NS_POLICY, "response"),
            (NS_POLICY, "policies"),
            (NS_POLICY, "policy"),
            (NS_POLICY, "attributes"),
        ])
        .ok_or(EnrollError::MissingElement {
            step,
            element: "response/policies/policy/attributes",
        })?;
    let min_key_bits = match attributes.path(&[
        (NS_POLICY, "privateKeyAttributes"),
        (NS_POLICY, "minimalKeyLength"),
    ]) {
        Some(e) if !e.is_nil() => Some(
            e.trimmed_text()
                .parse::<u32>()
                .ok()
                .filter(|bits| *bits > 0)
                .ok_or(EnrollError::InvalidElement {
                    step,
                    element: "minimalKeyLength",
                    reason: "not a positive integer",
                })?,
        ),
        _ => None,
    };
    let hash = match attributes.child(NS_POLICY, "hashAlgorithmOIDReference") {
        Some(e) if !e.is_nil() && !e.trimmed_text().is_empty() => {
            let reference = e.trimmed_text();
            let oid = body
                .path(&[(NS_POLICY, "oIDs")])
                .into_iter()
                .flat_map(|oids| oids.children_named(NS_POLICY, "oID"))
                .find(|oid| {
                    oid.child(NS_POLICY, "oIDReferenceID")
                        .is_some_and(|r| r.trimmed_text() == reference)
                })
                .and_then(|oid| oid.child(NS_POLICY, "value"))
                .map(|v| v.trimmed_text().to_owned())
                .ok_or(EnrollError::InvalidElement {
                    step,
                    element: "hashAlgorithmOIDReference",
                    reason: "refers to no oID",
                })?;
            Some(
                SignatureHash::from_oid(&oid).ok_or(EnrollError::InvalidElement {
                    step,
                    element: "hashAlgorithmOIDReference",
                    reason: "names a hash pfw does not support",
                })?,
            )
        }
        _ => None,
    };
    Ok(PolicyResult { min_key_bits, hash })
}

/// Reads a `RequestSecurityTokenResponseCollection` body element: the decoded provisioning
/// document.
pub(crate) fn read_rstrc(body: &Element) -> Result<Vec<u8>, EnrollError> {
    let step = Step::RequestSecurityToken;
    expect(
        body,
        NS_TRUST,
        "RequestSecurityTokenResponseCollection",
        step,
    )?;
    let token = body
        .path(&[
            (NS_TRUST, "RequestSecurityTokenResponse"),
            (NS_TRUST, "RequestedSecurityToken"),
            (NS_WSSE, "BinarySecurityToken"),
        ])
        .ok_or(EnrollError::MissingElement {
            step,
            element: "RequestSecurityTokenResponse/RequestedSecurityToken/BinarySecurityToken",
        })?;
    if let Some(value_type) = token.attr("ValueType")
        && value_type.trim() != VALUE_TYPE_PROVISION_DOC
    {
        return Err(EnrollError::InvalidElement {
            step,
            element: "BinarySecurityToken",
            reason: "ValueType is not DeviceEnrollmentProvisionDoc",
        });
    }
    let compact: String = token
        .text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(EnrollError::InvalidElement {
            step,
            element: "BinarySecurityToken",
            reason: "empty",
        });
    }
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| EnrollError::InvalidElement {
            step,
            element: "BinarySecurityToken",
            reason: "not base64",
        })
}

fn read_fault(fault: &Element) -> SoapFault {
    let text_of = |e: Option<&Element>| e.map(|e| shorten(e.trimmed_text()));
    // SOAP 1.2: Code/Value, Code/Subcode/Value, Reason/Text; SOAP 1.1: faultcode, faultstring.
    let code_el = fault.child_ignore_case("Code");
    let code = text_of(code_el.and_then(|c| c.child_ignore_case("Value")))
        .or_else(|| text_of(fault.child_ignore_case("faultcode")))
        .unwrap_or_default();
    let subcode = text_of(
        code_el
            .and_then(|c| c.child_ignore_case("Subcode"))
            .and_then(|s| s.child_ignore_case("Value")),
    );
    let reason = text_of(
        fault
            .child_ignore_case("Reason")
            .and_then(|r| r.child_ignore_case("Text")),
    )
    .or_else(|| text_of(fault.child_ignore_case("faultstring")))
    .unwrap_or_default();
    let detail = fault
        .child_ignore_case("Detail")
        .and_then(|d| d.child_ignore_case("deviceenrollmentserviceerror"));
    SoapFault {
        code,
        subcode,
        reason,
        error_type: text_of(detail.and_then(|d| d.child_ignore_case("errortype"))),
        trace_id: text_of(detail.and_then(|d| d.child_ignore_case("traceid"))),
    }
}

fn expect(body: &Element, ns: &str, name: &'static str, step: Step) -> Result<(), EnrollError> {
    if body.is(ns, name) {
        Ok(())
    } else {
        Err(EnrollError::UnexpectedReply {
            step,
            expected: name,
            found: describe(body),
        })
    }
}

fn describe(element: &Element) -> String {
    match &element.ns {
        Some(ns) => shorten(&format!("{{{ns}}}{}", element.name)),
        None => shorten(&element.name),
    }
}

fn check_service_url(url: &str, element: &'static str) -> Result<(), EnrollError> {
    if crate::http::strip_prefix_ignore_case(url, "https://").is_some_and(|rest| !rest.is_empty()) {
        Ok(())
    } else {
        Err(EnrollError::InvalidElement {
            step: Step::Discover,
            element,
            reason: "not an https URL",
        })
    }
}

fn security_envelope_open() -> String {
    format!(
        r#"<s:Envelope xmlns:s="{NS_SOAP12}" xmlns:a="{NS_ADDRESSING}" xmlns:u="{NS_WSU}" xmlns:wsse="{NS_WSSE}" xmlns:wst="{NS_TRUST}" xmlns:ac="{NS_AUTHORIZATION}">"#
    )
}

fn security_header(security: &Security<'_>) -> String {
    match security {
        Security::UsernameToken { user, password } => format!(
            concat!(
                r#"<wsse:Security s:mustUnderstand="1">"#,
                r#"<wsse:UsernameToken u:Id="{id}">"#,
                r#"<wsse:Username>{user}</wsse:Username>"#,
                r#"<wsse:Password wsse:Type="{pt}">{password}</wsse:Password>"#,
                r#"</wsse:UsernameToken>"#,
                r#"</wsse:Security>"#,
            ),
            id = USERNAME_TOKEN_ID,
            user = escape(user),
            pt = PASSWORD_TEXT,
            password = escape(password),
        ),
        Security::UserToken { token } => format!(
            concat!(
                r#"<wsse:Security s:mustUnderstand="1">"#,
                r#"<wsse:BinarySecurityToken ValueType="{vt}" EncodingType="{et}">{token}</wsse:BinarySecurityToken>"#,
                r#"</wsse:Security>"#,
            ),
            vt = VALUE_TYPE_USER_TOKEN,
            et = ENCODING_BASE64,
            token = STANDARD.encode(token.as_bytes()),
        ),
    }
}

/// SOAP 1.2 envelope namespace.
pub(crate) const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// SOAP 1.1 envelope namespace (used by the specification's RSTRC examples).
pub(crate) const NS_SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// WS-Addressing namespace.
pub(crate) const NS_ADDRESSING: &str = "http://www.w3.org/2005/08/addressing";
/// MS-MDE2 discovery namespace.
pub(crate) const NS_ENROLLMENT: &str =
    "http://schemas.microsoft.com/windows/management/2012/01/enrollment";
/// MS-XCEP namespace.
pub(crate) const NS_POLICY: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy";
/// WS-Security secext namespace.
pub(crate) const NS_WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security utility namespace.
pub(crate) const NS_WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// WS-Trust 1.3 namespace.
pub(crate) const NS_TRUST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
/// The AdditionalContext namespace.
pub(crate) const NS_AUTHORIZATION: &str = "http://schemas.xmlsoap.org/ws/2006/12/authorization";
/// XML Schema namespace.
pub(crate) const NS_XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// WS-Addressing anonymous reply address.
pub(crate) const ADDRESS_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
/// Action of `Discover`.
pub(crate) const ACTION_DISCOVER: &str =
    "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover";
/// Action of `GetPolicies`.
pub(crate) const ACTION_GET_POLICIES: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies";
/// Action of `RequestSecurityToken`.
pub(crate) const ACTION_RST: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep";
/// `TokenType` of an enrollment request.
pub(crate) const TOKEN_TYPE_DEVICE_ENROLLMENT: &str =
    "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken";
/// `RequestType` of a first enrollment.
pub(crate) const REQUEST_TYPE_ISSUE: &str =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
/// `ValueType` of the request's PKCS#10 token.
pub(crate) const VALUE_TYPE_PKCS10: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10";
/// `ValueType` of a federated user token.
pub(crate) const VALUE_TYPE_USER_TOKEN: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken";
/// `ValueType` of the provisioning document in the response.
pub(crate) const VALUE_TYPE_PROVISION_DOC: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc";
/// `EncodingType` of base64 tokens.
pub(crate) const ENCODING_BASE64: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary";
/// `wsse:Type` of a clear-text password.
pub(crate) const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
/// The `u:Id` MS-MDE2 §3.3.4.1.1.1.3 requires on the UsernameToken.
pub(crate) const USERNAME_TOKEN_ID: &str = "uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enroll::device::DeviceId;

    fn device() -> DeviceInfo {
        DeviceInfo::new(DeviceId::parse("1E08C6E95D8BB843B1278FF45BC60CC6").unwrap())
    }

    #[test]
    fn discover_request_has_the_capture_shape() {
        let xml_text = discover_request(
            "748132ec-a575-4329-b01b-6171a9cf8478",
            "https://host:443/EnrollmentServer/Discovery.svc",
            "demo@example.com",
            &device(),
        );
        let root = xml::parse(xml_text.as_bytes()).unwrap();
        assert!(root.is(NS_SOAP12, "Envelope"));
        let header = root.child(NS_SOAP12, "Header").unwrap();
        let action = header.child(NS_ADDRESSING, "Action").unwrap();
        assert_eq!(action.trimmed_text(), ACTION_DISCOVER);
        assert_eq!(action.attr_ns(NS_SOAP12, "mustUnderstand"), Some("1"));
        let request = root
            .path(&[
                (NS_SOAP12, "Body"),
                (NS_ENROLLMENT, "Discover"),
                (NS_ENROLLMENT, "request"),
            ])
            .unwrap();
        let names: Vec<&str> = request.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "EmailAddress",
                "RequestVersion",
                "DeviceType",
                "ApplicationVersion",
                "OSEdition",
                "AuthPolicies"
            ]
        );
    }

    /// A GetPolicies request with these credentials, as written, and its (user, password)
    /// read back.
    fn username_token(user: &str, password: &str) -> (String, String, String) {
        let xml_text = get_policies_request(
            "id",
            "https://h/p",
            &Security::UsernameToken { user, password },
        );
        let root = xml::parse(xml_text.as_bytes()).unwrap();
        let token = root
            .path(&[
                (NS_SOAP12, "Header"),
                (NS_WSSE, "Security"),
                (NS_WSSE, "UsernameToken"),
            ])
            .unwrap();
        let text = |name| token.child(NS_WSSE, name).unwrap().text.clone();
        (text("Username"), text("Password"), xml_text)
    }

    #[test]
    fn password_is_escaped_in_the_username_token() {
        let (user, password, _) = username_token("a&b", "<p\"w'>");
        assert_eq!(password, "<p\"w'>");
        assert_eq!(user, "a&b");
    }

    /// A CR and a control character in a credential: the CR is written `&#13;` and reads
    /// back as a CR (a raw one would be read as LF, XML 1.0 §2.11); U+0001, which no XML 1.0
    /// document may carry (§2.2), is written as U+FFFD rather than making the request a
    /// document no server reads. The rules are the SyncML writer's (`pfw_xml::escape`).
    #[test]
    fn cr_and_control_characters_are_escaped_in_the_username_token() {
        let (user, password, xml_text) = username_token("line\r\nnext\ttab", "p\rw\u{1}d");
        assert!(xml_text.contains("line&#13;&#10;next&#9;tab"), "{xml_text}");
        assert!(!xml_text.contains('\r') && !xml_text.contains('\u{1}'));
        assert_eq!(user, "line\r\nnext\ttab");
        assert_eq!(password, "p\rw\u{FFFD}d");
    }

    #[test]
    fn fault_soap12_lower_case_and_soap11() {
        // MS-MDE2 §2.2.10 sample, written in lower case.
        let lower = format!(
            r#"<s:envelope xmlns:s="{NS_SOAP12}"><s:body><s:fault><s:code><s:value>s:receiver</s:value><s:subcode><s:value>s:MessageFormat</s:value></s:subcode></s:code><s:reason><s:text xml:lang="en-US">Bad</s:text></s:reason></s:fault></s:body></s:envelope>"#
        );
        let Err(EnrollError::Fault { fault, .. }) = read_body(lower.as_bytes(), Step::Discover)
        else {
            panic!("expected a fault");
        };
        assert_eq!(fault.code, "s:receiver");
        assert_eq!(fault.subcode.as_deref(), Some("s:MessageFormat"));
        assert_eq!(fault.reason, "Bad");
        assert_eq!(fault.hresult(), Some(0x8018_0001));

        let soap11 = format!(
            r#"<e:Envelope xmlns:e="{NS_SOAP11}"><e:Body><e:Fault><faultcode>e:Server</faultcode><faultstring>Nope</faultstring></e:Fault></e:Body></e:Envelope>"#
        );
        let Err(EnrollError::Fault { fault, .. }) = read_body(soap11.as_bytes(), Step::Discover)
        else {
            panic!("expected a fault");
        };
        assert_eq!(fault.code, "e:Server");
        assert_eq!(fault.reason, "Nope");
        assert_eq!(fault.hresult(), None);
    }

    #[test]
    fn fault_error_type_gives_the_hresult() {
        let fault = SoapFault {
            code: "s:receiver".into(),
            subcode: Some("s:Authorization".into()),
            reason: "cap".into(),
            error_type: Some("DeviceCapReached".into()),
            trace_id: None,
        };
        // MS-MDE2 §2.2.10: errortype wins over the subcode.
        assert_eq!(fault.hresult(), Some(0x8018_0013));
        assert!(fault.to_string().contains("0x80180013"));
    }

    #[test]
    fn discover_response_text_is_trimmed_and_urls_checked() {
        let reply = format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP12}"><s:Body><DiscoverResponse xmlns="{NS_ENROLLMENT}"><DiscoverResult>
            <AuthPolicy>OnPremise</AuthPolicy><EnrollmentVersion>4.0</EnrollmentVersion>
            <EnrollmentPolicyServiceUrl>
              https://h/EnrollmentServer/Policy.svc
            </EnrollmentPolicyServiceUrl>
            <EnrollmentServiceUrl>https://h/EnrollmentServer/Enrollment.svc</EnrollmentServiceUrl>
            </DiscoverResult></DiscoverResponse></s:Body></s:Envelope>"#
        );
        let body = read_body(reply.as_bytes(), Step::Discover).unwrap();
        let result = read_discover_response(&body).unwrap();
        assert_eq!(result.auth_policy, AuthPolicy::OnPremise);
        assert_eq!(
            result.policy_url.as_deref(),
            Some("https://h/EnrollmentServer/Policy.svc")
        );
        let insecure = reply.replace(
            "https://h/EnrollmentServer/Enrollment.svc",
            "http://h/EnrollmentServer/Enrollment.svc",
        );
        let body = read_body(insecure.as_bytes(), Step::Discover).unwrap();
        assert!(matches!(
            read_discover_response(&body),
            Err(EnrollError::InvalidElement {
                element: "EnrollmentServiceUrl",
                ..
            })
        ));
    }

    #[test]
    fn policy_hash_reference_resolves_through_oids() {
        // Learn's on-premise sample: reference 0 -> 1.3.14.3.2.29, group 1.
        let reply = format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP12}" xmlns:xsi="{xsi}"><s:Body><GetPoliciesResponse xmlns="{NS_POLICY}">
            <response><policies><policy><attributes>
              <hashAlgorithmOIDReference>0</hashAlgorithmOIDReference>
              <privateKeyAttributes><minimalKeyLength>3072</minimalKeyLength></privateKeyAttributes>
            </attributes></policy></policies></response>
            <cAs xsi:nil="true"/>
            <oIDs><oID><value>1.3.14.3.2.29</value><group>1</group><oIDReferenceID>0</oIDReferenceID><defaultName>szOID_OIWSEC_sha1RSASign</defaultName></oID></oIDs>
            </GetPoliciesResponse></s:Body></s:Envelope>"#,
            xsi = xml::XSI_NS
        );
        let body = read_body(reply.as_bytes(), Step::GetPolicies).unwrap();
        let policy = read_get_policies_response(&body).unwrap();
        assert_eq!(policy.min_key_bits, Some(3072));
        assert_eq!(policy.hash, Some(SignatureHash::Sha1));

        let dangling = reply.replace("<oIDReferenceID>0<", "<oIDReferenceID>7<");
        let body = read_body(dangling.as_bytes(), Step::GetPolicies).unwrap();
        assert!(matches!(
            read_get_policies_response(&body),
            Err(EnrollError::InvalidElement {
                element: "hashAlgorithmOIDReference",
                ..
            })
        ));
    }

    #[test]
    fn rstrc_token_is_decoded_with_whitespace() {
        let doc = "<wap-provisioningdoc/>";
        let b64 = STANDARD.encode(doc);
        let (a, b) = b64.split_at(8);
        let reply = format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP11}"><s:Body><RequestSecurityTokenResponseCollection xmlns="{NS_TRUST}"><RequestSecurityTokenResponse><RequestedSecurityToken><BinarySecurityToken xmlns="{NS_WSSE}" ValueType="{VALUE_TYPE_PROVISION_DOC}">
              {a}
              {b}
            </BinarySecurityToken></RequestedSecurityToken></RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection></s:Body></s:Envelope>"#
        );
        let body = read_body(reply.as_bytes(), Step::RequestSecurityToken).unwrap();
        assert_eq!(read_rstrc(&body).unwrap(), doc.as_bytes());
    }

    #[test]
    fn non_envelope_reply_is_named() {
        let err = read_body(b"<html><body>hi</body></html>", Step::Discover).unwrap_err();
        assert!(matches!(
            err,
            EnrollError::UnexpectedReply { found, .. } if found == "html"
        ));
    }

    mod properties {
        //! Damaged replies never panic: every outcome is a value or a typed error.

        use proptest::prelude::*;

        use super::*;

        fn replies() -> Vec<String> {
            let doc = STANDARD.encode("<wap-provisioningdoc/>");
            vec![
                format!(
                    r#"<s:Envelope xmlns:s="{NS_SOAP12}"><s:Body><DiscoverResponse xmlns="{NS_ENROLLMENT}"><DiscoverResult><AuthPolicy>OnPremise</AuthPolicy><EnrollmentPolicyServiceUrl>https://h/p</EnrollmentPolicyServiceUrl><EnrollmentServiceUrl>https://h/e</EnrollmentServiceUrl></DiscoverResult></DiscoverResponse></s:Body></s:Envelope>"#
                ),
                format!(
                    r#"<s:Envelope xmlns:s="{NS_SOAP12}" xmlns:i="{xsi}"><s:Body><GetPoliciesResponse xmlns="{NS_POLICY}"><response><policies><policy><attributes><hashAlgorithmOIDReference>0</hashAlgorithmOIDReference><privateKeyAttributes><minimalKeyLength>2048</minimalKeyLength></privateKeyAttributes></attributes></policy></policies></response><oIDs><oID><value>1.3.14.3.2.29</value><oIDReferenceID>0</oIDReferenceID></oID></oIDs></GetPoliciesResponse></s:Body></s:Envelope>"#,
                    xsi = xml::XSI_NS
                ),
                format!(
                    r#"<s:Envelope xmlns:s="{NS_SOAP12}"><s:Body><RequestSecurityTokenResponseCollection xmlns="{NS_TRUST}"><RequestSecurityTokenResponse><RequestedSecurityToken><BinarySecurityToken xmlns="{NS_WSSE}">{doc}</BinarySecurityToken></RequestedSecurityToken></RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection></s:Body></s:Envelope>"#
                ),
                format!(
                    r#"<s:Envelope xmlns:s="{NS_SOAP12}"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>s:MessageFormat</s:Value></s:Subcode></s:Code><s:Reason><s:Text>x</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"#
                ),
            ]
        }

        fn read_all(bytes: &[u8]) {
            for step in [
                Step::Discover,
                Step::GetPolicies,
                Step::RequestSecurityToken,
            ] {
                if let Ok(body) = read_body(bytes, step) {
                    let _ = read_discover_response(&body);
                    let _ = read_get_policies_response(&body);
                    let _ = read_rstrc(&body);
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                read_all(&bytes);
            }

            #[test]
            fn damaged_replies_never_panic(
                which in 0usize..4,
                cut in any::<prop::sample::Index>(),
                flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            ) {
                let mut bytes = replies()[which].clone().into_bytes();
                for (at, value) in flips {
                    let i = at.index(bytes.len());
                    bytes[i] = value;
                }
                let keep = cut.index(bytes.len() + 1);
                bytes.truncate(keep);
                read_all(&bytes);
            }
        }
    }
}
