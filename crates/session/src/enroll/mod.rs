//! MS-MDE2 enrollment, device side: discovery (the optional GET probe, then `Discover`),
//! the MS-XCEP enrollment policy, the MS-WSTEP certificate request, and the provisioning
//! document that comes back, ending in an [`Enrollment`] record.
//!
//! Two authentication policies are implemented: OnPremise (user name and password in a
//! `wsse:UsernameToken`) and Federated (a token from the server's security token service,
//! given by the caller, in a `wsse:BinarySecurityToken`; pfw does not drive the web sign-in
//! that produces it). Every reply is read as hostile input: no DTD, bounded size and depth.

pub mod csr;
pub mod device;
pub mod provisioning;
pub mod record;
pub(crate) mod soap;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{EnrollError, Step};
use crate::http::{Response, Transport, TransportConfig, Trust, strip_prefix_ignore_case};
use crate::xml::{Element, shorten};
use csr::{DeviceKey, MIN_KEY_BITS, SignatureHash, build_csr};
use device::{DeviceInfo, uuid_v4};
use provisioning::ProvisioningDoc;
use record::{Enrollment, Pkcs8Key};
use soap::Security;

pub use soap::SoapFault;

/// How the enrolling user authenticates (MS-MDE2 `AuthPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthPolicy {
    /// Certificate authentication (not implemented by pfw).
    Certificate,
    /// A token from the server's security token service.
    Federated,
    /// User name and password.
    OnPremise,
}

impl AuthPolicy {
    /// Reads the wire value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Certificate" => Some(Self::Certificate),
            "Federated" => Some(Self::Federated),
            "OnPremise" => Some(Self::OnPremise),
            _ => None,
        }
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certificate => "Certificate",
            Self::Federated => "Federated",
            Self::OnPremise => "OnPremise",
        }
    }
}

impl fmt::Display for AuthPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The secret proving who enrolls. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A password (OnPremise).
    Password(String),
    /// A security token service token (Federated).
    Token(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(_) => f.write_str("Password(<redacted>)"),
            Self::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// What to enroll: the server, the user, the credential and the device.
#[derive(Debug, Clone)]
pub struct EnrollRequest {
    /// The discovery URL, or `https://host[:port]` to which the constant discovery path is
    /// added.
    pub server: String,
    /// The enrolling user's UPN (`EmailAddress`; the OnPremise user name).
    pub user: Option<String>,
    /// The password or token.
    pub credential: Credential,
    /// The device's identity and facts.
    pub device: DeviceInfo,
    /// An extra trusted CA, PEM (`--ca-cert`).
    pub extra_ca_pem: Option<String>,
}

/// How to enroll.
#[derive(Debug, Clone)]
pub struct EnrollOptions {
    /// Transport time limits, body limit and 429 handling.
    pub transport: TransportConfig,
    /// Send the GET probe before `Discover`, as Windows does.
    pub probe: bool,
    /// Trust the system's roots (besides the extra CA).
    pub system_roots: bool,
    /// A key to use instead of generating one; it is used when it is at least as large as
    /// the policy asks.
    pub key: Option<DeviceKey>,
    /// Sees every HTTP exchange (URL, headers, status, timing).
    pub exchanges: Option<crate::http::ExchangeObserver>,
}

impl Default for EnrollOptions {
    fn default() -> Self {
        Self {
            transport: TransportConfig::default(),
            probe: true,
            system_roots: true,
            key: None,
            exchanges: None,
        }
    }
}

/// The discovery URL for `--server`: the URL itself when it has a path, else
/// `https://host[:port]/EnrollmentServer/Discovery.svc`.
pub fn discovery_url(server: &str) -> Result<String, EnrollError> {
    let invalid = |reason| EnrollError::InvalidServerUrl {
        url: shorten(server),
        reason,
    };
    let server = server.trim();
    let rest = strip_prefix_ignore_case(server, "https://").ok_or_else(|| invalid("not https"))?;
    if server.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(invalid("control character or space"));
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(invalid("no host, or user information in the URL"));
    }
    if path.is_empty() || path == "/" {
        Ok(format!("https://{authority}{DISCOVERY_PATH}"))
    } else {
        Ok(server.to_owned())
    }
}

/// Enrolls the device: discovery, policy, certificate request, provisioning document.
pub fn enroll(request: &EnrollRequest, options: EnrollOptions) -> Result<Enrollment, EnrollError> {
    let discovery = discovery_url(&request.server)?;
    // A password is only ever OnPremise, which needs the user name: refuse before sending.
    if matches!(request.credential, Credential::Password(_))
        && request.user.as_deref().is_none_or(str::is_empty)
    {
        return Err(EnrollError::MissingUser);
    }
    let mut trust = if options.system_roots {
        Trust::system()
    } else {
        Trust::empty()
    };
    if let Some(pem) = &request.extra_ca_pem {
        trust.add_pem(pem).map_err(EnrollError::Setup)?;
    }
    let transport = Transport::new(options.transport.clone(), &trust, None)
        .map_err(EnrollError::Setup)?
        .observed(options.exchanges.clone());

    if options.probe {
        transport
            .get(
                &discovery,
                &[
                    ("Cache-Control", "no-cache"),
                    ("Pragma", "no-cache"),
                    ("User-Agent", USER_AGENT),
                ],
            )
            .map_err(|source| EnrollError::Http {
                step: Step::Probe,
                source,
            })?;
    }

    let email = request.user.as_deref().unwrap_or_default();
    let discover = soap::discover_request(
        &uuid_v4(),
        &with_explicit_port(&discovery),
        email,
        &request.device,
    );
    let body = soap_exchange(&transport, &discovery, &discover, Step::Discover)?;
    let found = soap::read_discover_response(&body)?;

    let security = match (found.auth_policy, &request.credential) {
        (AuthPolicy::OnPremise, Credential::Password(password)) => {
            let user = request
                .user
                .as_deref()
                .filter(|u| !u.is_empty())
                .ok_or(EnrollError::MissingUser)?;
            Security::UsernameToken { user, password }
        }
        (AuthPolicy::Federated, Credential::Token(token)) => Security::UserToken { token },
        (AuthPolicy::Certificate, _) => {
            return Err(EnrollError::AuthPolicyNotSupported(AuthPolicy::Certificate));
        }
        (server, Credential::Password(_)) => {
            return Err(EnrollError::CredentialMismatch {
                server,
                given: "a password was given, not a token",
            });
        }
        (server, Credential::Token(_)) => {
            return Err(EnrollError::CredentialMismatch {
                server,
                given: "a token was given, not a password",
            });
        }
    };

    // MS-MDE2: without a policy service the device uses RSA-2048 and SHA-1.
    let policy = match &found.policy_url {
        Some(url) => {
            let message = soap::get_policies_request(&uuid_v4(), url, &security);
            let body = soap_exchange(&transport, url, &message, Step::GetPolicies)?;
            soap::read_get_policies_response(&body)?
        }
        None => soap::PolicyResult {
            min_key_bits: None,
            hash: None,
        },
    };
    let bits = policy
        .min_key_bits
        .unwrap_or(MIN_KEY_BITS)
        .max(MIN_KEY_BITS);
    let key = match options.key {
        Some(key) if key.bits() >= bits => key,
        _ => DeviceKey::generate(bits)?,
    };
    let hash = policy.hash.unwrap_or(SignatureHash::Sha1);
    let csr = build_csr(&key, &request.device.device_id, hash)?;

    let message = soap::rst_request(
        &uuid_v4(),
        &found.enrollment_url,
        &security,
        &csr,
        &request.device,
    );
    let body = soap_exchange(
        &transport,
        &found.enrollment_url,
        &message,
        Step::RequestSecurityToken,
    )?;
    let document = soap::read_rstrc(&body)?;
    let provisioned = ProvisioningDoc::parse(&document, &key.public_key_der()?)?;

    Ok(Enrollment {
        device_id: request.device.device_id.clone(),
        user: request.user.clone(),
        auth_policy: found.auth_policy,
        discovery_url: discovery,
        enrollment_service_url: found.enrollment_url,
        enrollment_version: found.enrollment_version,
        ca_certs: provisioned.root_certs,
        intermediate_certs: provisioned.intermediate_certs,
        client_cert: provisioned.client_cert,
        client_cert_store: provisioned.client_cert_store,
        private_key: Pkcs8Key::new(key.to_pkcs8_der()?),
        account: provisioned.account,
        dm_client: provisioned.dm_client,
        renewal: provisioned.renewal,
        extra_ca_pem: request.extra_ca_pem.clone(),
        enrolled_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    })
}

/// POSTs a SOAP message and reads the reply's body element (or its fault).
fn soap_exchange(
    transport: &Transport,
    url: &str,
    message: &str,
    step: Step,
) -> Result<Element, EnrollError> {
    let response: Response = transport
        .post(
            url,
            &[
                ("Content-Type", SOAP_CONTENT_TYPE),
                ("User-Agent", USER_AGENT),
            ],
            message.as_bytes(),
        )
        .map_err(|source| EnrollError::Http { step, source })?;
    if response.status == 200 {
        return soap::read_body(&response.body, step);
    }
    // A fault may come with any status (MS-MDE2 examples use 500); anything else is the
    // status itself.
    match soap::read_body(&response.body, step) {
        Err(fault @ EnrollError::Fault { .. }) => Err(fault),
        _ => Err(EnrollError::Status {
            step,
            status: response.status,
        }),
    }
}

/// The URL with its port written out (`:443` when absent), as Windows writes `a:To` in
/// `Discover`.
fn with_explicit_port(url: &str) -> String {
    let Some(rest) = strip_prefix_ignore_case(url, "https://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let has_port = match authority.rfind(']') {
        Some(close) => authority[close..].contains(':'),
        None => authority.contains(':'),
    };
    if has_port {
        url.to_owned()
    } else {
        format!("https://{authority}:443{path}")
    }
}

/// The constant discovery path (MS-MDE2 §3.1).
pub const DISCOVERY_PATH: &str = "/EnrollmentServer/Discovery.svc";
/// The User-Agent of Windows's enrollment client (the real capture).
pub const USER_AGENT: &str = "ENROLLClient";
/// Content type of enrollment requests.
pub const SOAP_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_table() {
        for (server, expected) in [
            // Bare host: the constant path is added (MS-MDE2 §3.1).
            (
                "https://mdm.example.com",
                Some("https://mdm.example.com/EnrollmentServer/Discovery.svc"),
            ),
            (
                "https://mdm.example.com:8443/",
                Some("https://mdm.example.com:8443/EnrollmentServer/Discovery.svc"),
            ),
            // A full URL is used as given.
            (
                "https://h/EnrollmentServer/Discovery.svc",
                Some("https://h/EnrollmentServer/Discovery.svc"),
            ),
            ("https://h/custom/path", Some("https://h/custom/path")),
            // Refused: not https, no host, credentials in the URL.
            ("http://h", None),
            ("https://", None),
            ("https://user:pw@h/", None),
            ("mdm.example.com", None),
        ] {
            assert_eq!(discovery_url(server).ok().as_deref(), expected, "{server}");
        }
    }

    #[test]
    fn explicit_port_table() {
        for (url, expected) in [
            // The capture's Discover To: ":443" written out.
            (
                "https://EnterpriseEnrollment.mdmwindows.com/EnrollmentServer/Discovery.svc",
                "https://EnterpriseEnrollment.mdmwindows.com:443/EnrollmentServer/Discovery.svc",
            ),
            ("https://h:8443/x", "https://h:8443/x"),
            ("https://[::1]/x", "https://[::1]:443/x"),
            ("https://[::1]:9/x", "https://[::1]:9/x"),
        ] {
            assert_eq!(with_explicit_port(url), expected);
        }
    }

    #[test]
    fn credential_debug_is_redacted() {
        let shown = format!("{:?}", Credential::Password("hunter2".into()));
        assert!(!shown.contains("hunter2"));
    }
}
