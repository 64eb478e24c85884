//! The errors of pfw-session: one enum per layer ([`HttpError`] for the transport,
//! [`XmlError`] for reading hostile XML, [`KeyError`] for the device key and its request,
//! [`ProvisioningError`] for the provisioning document, [`EnrollError`] for the whole
//! enrollment, [`RecordError`] for the stored record). Each names what was wrong; text
//! quoted from a server is shortened before it is kept.

use std::fmt;

use crate::enroll::AuthPolicy;
use crate::enroll::soap::SoapFault;

/// A failure of the HTTPS transport.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The response body was larger than the transport's limit.
    #[error("{url}: response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The URL requested.
        url: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The client certificate or its private key cannot be used.
    #[error("client certificate: {0}")]
    ClientIdentity(&'static str),
    /// The extra trusted CA is not a PEM file holding at least one certificate.
    #[error("extra trusted CA: {0}")]
    InvalidCaPem(&'static str),
    /// The URL cannot be used (not parsable, not `https`, no host).
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given (shortened).
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The network failed: connection refused or reset, closed before a full response.
    #[error("{url}: {source}")]
    Io {
        /// The URL requested.
        url: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No trusted root at all: the system store is empty and no extra CA was given.
    #[error("no trusted root certificates (system store empty and no extra CA given)")]
    NoRoots,
    /// The exchange broke the HTTP protocol (malformed status line or headers, bad
    /// chunking, a header block over the limit).
    #[error("{url}: HTTP: {source}")]
    Protocol {
        /// The URL requested.
        url: String,
        /// The underlying error.
        source: Box<ureq::Error>,
    },
    /// The server did not answer within a time limit.
    #[error("{url}: timed out ({stage})")]
    Timeout {
        /// The URL requested.
        url: String,
        /// Which limit fired.
        stage: &'static str,
    },
    /// The TLS handshake failed (certificate not trusted, name mismatch, alert…).
    #[error("{url}: TLS: {source}")]
    Tls {
        /// The URL requested.
        url: String,
        /// The underlying rustls error.
        source: rustls::Error,
    },
    /// The server answered HTTP 429 on every attempt.
    #[error("{url}: HTTP 429 Too Many Requests on all {attempts} attempts")]
    TooManyRequests {
        /// The URL requested.
        url: String,
        /// How many attempts were made.
        attempts: u32,
    },
}

/// A document that is not acceptable XML, or breaks a size limit: the bounded reader's
/// refusal (`pfw_xml`), without its position.
pub use pfw_xml::ErrorKind as XmlError;

/// A failure to make the device key or its certificate request.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// DER encoding failed.
    #[error("DER encoding: {0}")]
    Der(#[from] der::Error),
    /// RSA key generation failed.
    #[error("RSA key generation: {0}")]
    Generate(#[source] rsa::Error),
    /// The key is not a valid PKCS#8 RSA private key.
    #[error("PKCS#8 private key: {0}")]
    Pkcs8(#[from] rsa::pkcs8::Error),
    /// The public key could not be encoded.
    #[error("public key encoding: {0}")]
    PublicKey(#[from] spki::Error),
    /// Signing the request failed.
    #[error("signing the certificate request: {0}")]
    Sign(#[from] rsa::signature::Error),
    /// The server asks for a key larger than pfw will generate.
    #[error("the server asks for a {requested}-bit key; the limit is {max} bits")]
    TooLarge {
        /// Bits asked for.
        requested: u32,
        /// The limit.
        max: u32,
    },
}

/// A provisioning document pfw cannot act on.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ProvisioningError {
    /// A certificate's `EncodedCertificate` is not base64.
    #[error("certificate {thumbprint} in {store}: EncodedCertificate is not base64")]
    BadBase64 {
        /// The certificate store path (e.g. `Root/System`).
        store: String,
        /// The characteristic name (the thumbprint, shortened).
        thumbprint: String,
    },
    /// A certificate does not parse as X.509.
    #[error("certificate {thumbprint} in {store}: not an X.509 certificate: {source}")]
    BadCertificate {
        /// The certificate store path (e.g. `Root/System`).
        store: String,
        /// The characteristic name (the thumbprint, shortened).
        thumbprint: String,
        /// The decoding error.
        source: der::Error,
    },
    /// None of the certificates in the `My` store holds the device's public key.
    #[error(
        "no certificate in the My store matches the device's key ({found} certificate(s) there)"
    )]
    ClientCertKeyMismatch {
        /// How many certificates the `My` store held.
        found: usize,
    },
    /// The management address is not an `https` URL.
    #[error("management address {0:?} is not an https URL")]
    InsecureAddress(String),
    /// A parm has a value of the wrong type.
    #[error("{characteristic}/{parm}: invalid value {value:?} (expected {expected})")]
    InvalidParm {
        /// The characteristic holding it.
        characteristic: &'static str,
        /// The parm name.
        parm: &'static str,
        /// The value (shortened).
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The document has no `APPLICATION` characteristic with `APPID` `w7`.
    #[error("no APPLICATION characteristic with APPID w7")]
    MissingApplication,
    /// The document has no certificate in the `My` store.
    #[error("no client certificate (CertificateStore/My is empty)")]
    MissingClientCert,
    /// A required parm is absent.
    #[error("{characteristic}: no {parm} parm")]
    MissingParm {
        /// The characteristic that should hold it.
        characteristic: &'static str,
        /// The parm name.
        parm: &'static str,
    },
    /// More certificates than pfw accepts.
    #[error("more than {limit} certificates")]
    TooManyCertificates {
        /// The limit.
        limit: usize,
    },
    /// The root element is not `wap-provisioningdoc`.
    #[error("root element is {0:?}, not wap-provisioningdoc")]
    WrongRoot(String),
    /// The document is not well-formed or breaks a limit.
    #[error("not acceptable XML: {0}")]
    Xml(#[from] XmlError),
}

/// Which enrollment exchange failed, in the order the exchanges happen.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The optional GET probe of the discovery service.
    Probe,
    /// The SOAP `Discover` exchange (MS-MDE2 discovery).
    Discover,
    /// The MS-XCEP `GetPolicies` exchange.
    GetPolicies,
    /// The MS-WSTEP `RequestSecurityToken` exchange.
    RequestSecurityToken,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Probe => "discovery probe",
            Self::Discover => "Discover",
            Self::GetPolicies => "GetPolicies",
            Self::RequestSecurityToken => "RequestSecurityToken",
        })
    }
}

/// A failed enrollment.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// The server chose an authentication policy pfw does not implement.
    #[error("the server asks for {0} authentication, which pfw does not implement")]
    AuthPolicyNotSupported(AuthPolicy),
    /// The credential given does not suit the server's authentication policy.
    #[error("the server asks for {server} authentication; {given}")]
    CredentialMismatch {
        /// The policy the server chose.
        server: AuthPolicy,
        /// What was given instead.
        given: &'static str,
    },
    /// The server answered with a SOAP fault.
    #[error("{step}: server fault: {fault}")]
    Fault {
        /// The exchange.
        step: Step,
        /// The fault.
        fault: SoapFault,
    },
    /// The HTTP exchange failed.
    #[error("{step}: {source}")]
    Http {
        /// The exchange.
        step: Step,
        /// The transport error.
        source: HttpError,
    },
    /// A reply element has an unusable value.
    #[error("{step} reply: {element}: {reason}")]
    InvalidElement {
        /// The exchange.
        step: Step,
        /// The element.
        element: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The server URL cannot be used.
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidServerUrl {
        /// The URL (shortened).
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The device key or its request could not be made.
    #[error("device key: {0}")]
    Key(#[from] KeyError),
    /// A reply lacks a required element.
    #[error("{step} reply: missing {element}")]
    MissingElement {
        /// The exchange.
        step: Step,
        /// The element.
        element: &'static str,
    },
    /// OnPremise authentication needs a user name and none was given.
    #[error("the server asks for OnPremise authentication, which needs a user name")]
    MissingUser,
    /// The provisioning document cannot be acted on.
    #[error("provisioning document: {0}")]
    Provisioning(#[from] ProvisioningError),
    /// The transport could not be set up (the extra CA is not usable, no trusted root).
    #[error("HTTPS setup: {0}")]
    Setup(#[source] HttpError),
    /// An unexpected HTTP status without a SOAP fault.
    #[error("{step}: HTTP status {status}")]
    Status {
        /// The exchange.
        step: Step,
        /// The status code.
        status: u16,
    },
    /// The reply body is not the expected SOAP message.
    #[error("{step} reply: unexpected {found} (expected {expected})")]
    UnexpectedReply {
        /// The exchange.
        step: Step,
        /// The element expected.
        expected: &'static str,
        /// The element found (shortened).
        found: String,
    },
    /// The reply is not acceptable XML.
    #[error("{step} reply: not acceptable XML: {source}")]
    Xml {
        /// The exchange.
        step: Step,
        /// The XML error.
        source: XmlError,
    },
}

/// A failure to read or write an enrollment record.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The device identifier is not 32 hexadecimal digits.
    #[error("invalid device id {0:?} (expected 32 hexadecimal digits)")]
    InvalidDeviceId(String),
    /// JSON encoding or decoding failed.
    #[error("enrollment record JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A failed management session (MS-MDM).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The device abandoned the session on purpose (a fault injected by a load test): the
    /// server's message `message` was not answered, the messages before it were.
    #[error("session abandoned on purpose before answering the server's message {message}")]
    Abandoned {
        /// The server's message left unanswered.
        message: usize,
    },
    /// The server's message asks for application-level credentials (a `Chal`), which pfw
    /// does not send.
    #[error(
        "the server challenges for {0} credentials; pfw authenticates with its client certificate only"
    )]
    Challenged(String),
    /// The device dropped its connection on purpose (a fault injected by a load test): it
    /// opened one and closed it without a request, instead of answering message `message`.
    #[error("connection dropped on purpose before answering the server's message {message}")]
    Dropped {
        /// The server's message left unanswered.
        message: usize,
    },
    /// The engine failed (the state could not be written); the message was not applied.
    #[error("applying the server's commands: {0}")]
    Engine(#[from] pfw_engine::EngineError),
    /// The server's message does not decode as SyncML; nothing of it was applied.
    #[error("the server's message {message} is not SyncML (nothing applied): {source}")]
    Garbage {
        /// The server's message number in the session (1 = its first).
        message: usize,
        /// Why it does not decode.
        source: pfw_syncml::DecodeError,
    },
    /// The HTTP exchange failed (network, TLS, timeout, 429 on every attempt, body limit).
    #[error("management server: {0}")]
    Http(#[from] HttpError),
    /// The server answered with an HTTP status other than 200.
    #[error("the management server answered HTTP {status}")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
    /// The state holds no enrollment.
    #[error("the device is not enrolled: run pfw enroll first")]
    NotEnrolled,
    /// The server's message breaks the session protocol (wrong SessionID, no SyncHdr, no
    /// Status for the device's SyncHdr, addressed to another device).
    #[error("the server's message {message} breaks the session protocol: {reason}")]
    Protocol {
        /// The server's message number in the session.
        message: usize,
        /// What is wrong.
        reason: String,
    },
    /// The server refused the device: HTTP 401 or 403 (the client certificate was not
    /// accepted), or an error status for the device's SyncHdr.
    #[error("the management server refused the device ({0})")]
    Refused(String),
    /// The device's own state could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// The session went on for more messages than the limit.
    #[error("the server kept the session going past {limit} messages")]
    TooManyMessages {
        /// The limit.
        limit: usize,
    },
}

impl SessionError {
    /// A short name of the failure's kind, for counting failures (fleet statistics).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Abandoned { .. } => "abandoned",
            Self::Challenged(_) => "challenged",
            Self::Dropped { .. } => "dropped connection",
            Self::Garbage { .. } => "garbage",
            Self::Http(HttpError::Timeout { .. }) => "timeout",
            Self::Http(HttpError::Tls { .. }) => "tls",
            Self::Http(HttpError::TooManyRequests { .. }) => "throttled",
            Self::Http(HttpError::BodyTooLarge { .. }) => "body too large",
            Self::Http(HttpError::Io { .. } | HttpError::Protocol { .. }) => "network",
            Self::Http(_) => "http setup",
            Self::HttpStatus { .. } => "http status",
            Self::Engine(_) | Self::State(_) => "state",
            Self::NotEnrolled => "not enrolled",
            Self::Protocol { .. } => "protocol",
            Self::Refused(_) => "refused",
            Self::TooManyMessages { .. } => "too many messages",
        }
    }
}

/// A failure to keep the enrollment or the device identity in a state.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The device CSPs' state (the device identifier) is damaged, or their DDF does not load.
    #[error(transparent)]
    DevInfo(#[from] pfw_devinfo::DevInfoError),
    /// The stored enrollment record does not read back.
    #[error("the stored enrollment is damaged: {0}")]
    Record(#[from] RecordError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] pfw_tree::StoreError),
}

/// A fleet state file that cannot be used.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum FleetStateError {
    /// The file's content is not what pfw wrote.
    #[error("the fleet state file is damaged ({0}): remove it to start the fleet anew")]
    Damaged(&'static str),
    /// The file holds another fleet.
    #[error(
        "the fleet state file holds the fleet of seed {stored}, not {asked}: pass --seed {stored}, or another --state file"
    )]
    OtherSeed {
        /// The seed the file was made with.
        stored: u64,
        /// The seed asked for.
        asked: u64,
    },
    /// SQLite failed.
    #[error("fleet state file: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A device's store failed.
    #[error("a device's store: {0}")]
    Store(#[from] pfw_tree::StoreError),
    /// The file was written by a newer pfw.
    #[error("the fleet state file has layout version {0}, which this pfw does not know")]
    Version(String),
}

/// A `--fault` rule that does not parse.
#[derive(Debug, thiserror::Error)]
#[error(
    "--fault {rule:?}: {reason} (form: uri=PATTERN,answer=CODE|delay|drop|abandon[,p=0..1][,delay=MS])"
)]
pub struct FaultRuleError {
    rule: String,
    reason: &'static str,
}

impl FaultRuleError {
    pub(crate) fn new(rule: &str, reason: &'static str) -> Self {
        Self {
            rule: rule.to_owned(),
            reason,
        }
    }
}
