//! A real HTTPS server playing the MDM server's side of MS-MDE2 enrollment, for tests.
//!
//! It binds 127.0.0.1 on a free port, makes a throwaway CA and a server certificate at
//! start, and serves one thread per connection (one request each, then close; or with
//! `keep_alive` as many as the client sends). It answers
//! the GET probe, `Discover`, `GetPolicies` and `RequestSecurityToken` from the
//! specifications' examples, checks what the device sends (see `checks`), signs the
//! device's request with its CA and returns a provisioning document whose management
//! address points back at itself. Every request is recorded with the checks it failed and
//! the client certificate presented, if any: the TLS configuration requests a client
//! certificate and verifies it against the CA when one is presented.
//!
//! It can be told to misbehave on an endpoint ([`Misbehavior`]): garbage, slowness, no
//! answer, a closed connection, 429 with `Retry-After`, a SOAP fault, an endless body, any
//! raw reply, or a damaged provisioning document.
//!
//! ```
//! use pfw_testserver::{TestServer, TestServerConfig};
//!
//! let server = TestServer::start(TestServerConfig::default()).unwrap();
//! assert!(server.base_url().starts_with("https://127.0.0.1:"));
//! assert!(server.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod checks;
mod error;
pub mod mdm;
mod pki;
mod spec;
mod wire;

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub use crate::error::TestServerError;
use checks::{Ctx, Reply};
use pki::Pki;
use wire::HttpRequest;

/// How the server authenticates enrolling users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAuth {
    /// Federated: the token the device must present.
    Federated {
        /// The expected token.
        token: String,
    },
    /// OnPremise: the user name and password the device must present.
    OnPremise {
        /// The expected user name.
        user: String,
        /// The expected password.
        password: String,
    },
}

/// What the server offers.
#[derive(Debug, Clone)]
pub struct TestServerConfig {
    /// The authentication policy and the credentials it accepts.
    pub auth: ServerAuth,
    /// Whether discovery names a policy service (`EnrollmentPolicyServiceUrl`).
    pub offer_policy_service: bool,
    /// The hash OID the policy names (`hashAlgorithmOIDReference`); `None` = nil (SHA-1).
    pub policy_hash_oid: Option<String>,
    /// The policy's `minimalKeyLength`.
    pub min_key_bits: u32,
    /// `EnrollmentVersion` in the discovery reply.
    pub enrollment_version: String,
    /// The provider ID of the DM account.
    pub provider_id: String,
    /// Keep connections open for further requests (HTTP keep-alive; TLS sessions are
    /// resumable either way). Off: one request per connection, then close.
    pub keep_alive: bool,
    /// Keep every request for [`TestServer::requests`] (off for long load runs, whose
    /// memory then stays flat; failed checks are still counted).
    pub record_requests: bool,
}

impl Default for TestServerConfig {
    fn default() -> Self {
        Self {
            auth: ServerAuth::OnPremise {
                user: "demo@example.com".to_owned(),
                password: "demo-password".to_owned(),
            },
            offer_policy_service: true,
            policy_hash_oid: None,
            min_key_bits: 2048,
            enrollment_version: "4.0".to_owned(),
            provider_id: "pfw-test".to_owned(),
            keep_alive: false,
            record_requests: true,
        }
    }
}

/// The server's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/EnrollmentServer/Discovery.svc` (GET probe and `Discover`).
    Discovery,
    /// `/EnrollmentServer/Enrollment.svc` (`RequestSecurityToken`).
    Enrollment,
    /// `/ManagementServer/MDM.svc` (MS-MDM sessions).
    Management,
    /// Any other path (answered 404).
    Other,
    /// `/EnrollmentServer/Policy.svc` (`GetPolicies`).
    Policy,
}

/// A way to damage the provisioning document or its envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisioningTweak {
    /// The client certificate's `EncodedCertificate` is not base64.
    BadCertificateBase64,
    /// The response's BinarySecurityToken is not base64.
    BadTokenBase64,
    /// The client certificate is issued for another key than the device's.
    ForeignClientKey,
    /// `ADDR` is an `http` URL.
    InsecureAddr,
    /// No `ADDR` parm.
    NoAddr,
}

/// A way to misbehave on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misbehavior {
    /// Close the connection without answering.
    Close,
    /// Answer 200 and then send body bytes without end (until the client stops reading).
    EndlessBody,
    /// A SOAP fault with this subcode and reason (HTTP 500).
    Fault {
        /// e.g. `s:Authorization`.
        subcode: String,
        /// Reason text.
        reason: String,
    },
    /// Bytes that are not HTTP.
    Garbage,
    /// Damage the provisioning document (enrollment endpoint only).
    Provisioning(ProvisioningTweak),
    /// Answer this instead of the normal reply.
    Raw {
        /// HTTP status.
        status: u16,
        /// Content type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
    },
    /// Answer 200 with a response head of about this many bytes (one long header).
    LongHead(usize),
    /// Read the request and never answer (until the server stops).
    Silent,
    /// Answer normally after this delay.
    Slow(Duration),
    /// HTTP 429 with this `Retry-After` value (none when `None`).
    TooManyRequests {
        /// The header value.
        retry_after: Option<String>,
    },
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The endpoint it addressed.
    pub endpoint: Endpoint,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Query string, without `?`.
    pub query: Option<String>,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// The client certificate presented in the TLS handshake (verified against the CA).
    pub client_cert: Option<Vec<u8>>,
    /// The checks this request failed.
    pub violations: Vec<String>,
    /// The status answered (0 when the server did not answer).
    pub response_status: u16,
    /// The body answered.
    pub response_body: Vec<u8>,
    /// When it arrived.
    pub received_at: Instant,
    /// The connection it came on: connections are numbered from 1 as they are accepted.
    pub connection: u64,
    /// Whether that connection's TLS handshake resumed an earlier session.
    pub resumed: bool,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A handler for the management endpoint: gets the request, returns status and body.
pub type ManagementHandler = Arc<dyn Fn(&RecordedRequest) -> (u16, Vec<u8>) + Send + Sync>;

/// The running server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with this configuration on 127.0.0.1.
    pub fn start(config: TestServerConfig) -> Result<Self, TestServerError> {
        Self::start_on(config, 0)
    }

    /// Starts a server on 127.0.0.1:`port` (0: a free port).
    pub fn start_on(config: TestServerConfig, port: u16) -> Result<Self, TestServerError> {
        let pki = Pki::new()?;
        let tls = tls_config(&pki)?;
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            base_url: format!("https://{addr}"),
            pki,
            tls,
            stop: AtomicBool::new(false),
            connections: std::sync::atomic::AtomicU64::new(0),
            requests: Mutex::new(Vec::new()),
            misbehaviors: Mutex::new(Vec::new()),
            management: Mutex::new(None),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("pfw-testserver-accept".to_owned())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(Self {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The discovery URL.
    pub fn discovery_url(&self) -> String {
        format!("{}/EnrollmentServer/Discovery.svc", self.shared.base_url)
    }

    /// The management URL the provisioning document names.
    pub fn management_url(&self) -> String {
        format!("{}/ManagementServer/MDM.svc", self.shared.base_url)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA certificate, PEM (give it to the device as its extra trusted CA).
    pub fn ca_pem(&self) -> &str {
        &self.shared.pki.ca_pem
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &[u8] {
        &self.shared.pki.ca_der
    }

    /// Misbehaves on the next `times` requests to `endpoint`.
    pub fn misbehave(&self, endpoint: Endpoint, misbehavior: Misbehavior, times: usize) {
        lock(&self.shared.misbehaviors).push((endpoint, misbehavior, times));
    }

    /// Answers management requests with `handler` (default: an empty 200, "session over").
    pub fn set_management_handler(&self, handler: ManagementHandler) {
        *lock(&self.shared.management) = Some(handler);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Every request to `endpoint` so far, in order.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .cloned()
            .collect()
    }

    /// Every failed check so far, each prefixed with its request's method and path.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.shared.requests)
            .iter()
            .flat_map(|r| {
                r.violations
                    .iter()
                    .map(move |v| format!("{} {}: {v}", r.method, r.path))
            })
            .collect()
    }

    /// A client certificate for `device_id` and this DER SubjectPublicKeyInfo (RSA), signed
    /// by the server's CA.
    pub fn issue_client_cert(
        &self,
        device_id: &str,
        spki_der: &[u8],
    ) -> Result<Vec<u8>, TestServerError> {
        use der::Decode;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
            .map_err(|_| TestServerError::InvalidPublicKey)?;
        let key = pki::RsaKeyData {
            pkcs1: spki.subject_public_key.raw_bytes().to_vec(),
        };
        Ok(self.shared.pki.issue_client_cert(device_id, &key)?)
    }

    /// A provisioning document as the server would send it, for this client certificate.
    pub fn provisioning_doc(&self, client_cert: &[u8], tweak: Option<ProvisioningTweak>) -> String {
        checks::provisioning_doc(&self.shared.ctx(), client_cert, false, tweak)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

struct Shared {
    config: TestServerConfig,
    base_url: String,
    pki: Pki,
    tls: Arc<ServerConfig>,
    stop: AtomicBool,
    connections: std::sync::atomic::AtomicU64,
    requests: Mutex<Vec<RecordedRequest>>,
    misbehaviors: Mutex<Vec<(Endpoint, Misbehavior, usize)>>,
    management: Mutex<Option<ManagementHandler>>,
}

impl Shared {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            config: &self.config,
            base_url: &self.base_url,
            pki: &self.pki,
        }
    }

    fn take_misbehavior(&self, endpoint: Endpoint) -> Option<Misbehavior> {
        let mut list = lock(&self.misbehaviors);
        let at = list.iter().position(|(e, _, n)| *e == endpoint && *n > 0)?;
        // `at` comes from `position` on this same list.
        let entry = &mut list[at];
        entry.2 -= 1;
        let misbehavior = entry.1.clone();
        if entry.2 == 0 {
            list.remove(at);
        }
        Some(misbehavior)
    }

    /// Sleeps up to `duration`, waking early when the server stops; true if it stopped.
    fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            if self.stop.load(Ordering::SeqCst) {
                return true;
            }
            thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
        }
        self.stop.load(Ordering::SeqCst)
    }
}

fn tls_config(pki: &Pki) -> Result<Arc<ServerConfig>, TestServerError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_der.clone()))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(pki.server_cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_pkcs8.clone())),
        )?;
    // Room to resume every device's TLS session in a large fleet (rustls keeps 256), and one
    // ticket per handshake (rustls sends 2): a device resumes with one and gets the next, so
    // what each device keeps to resume stays one ticket.
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(SESSION_CACHE);
    config.send_tls13_tickets = 1;
    Ok(Arc::new(config))
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        match accepted {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                let _ = thread::Builder::new()
                    .name("pfw-testserver-conn".to_owned())
                    .spawn(move || {
                        let _ = serve(stream, &shared);
                    });
            }
            Err(_) => thread::sleep(POLL),
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let conn = ServerConnection::new(Arc::clone(&shared.tls)).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(conn, stream);
    let connection = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
    let mut first = true;
    loop {
        let request = match wire::read_request(&mut tls) {
            Ok(request) => request,
            // The client closed an idle kept-alive connection (or never sent a request).
            Err(_) if !first => return Ok(()),
            Err(e) => return Err(e),
        };
        first = false;
        if !answer(&mut tls, request, shared, connection)? {
            return Ok(());
        }
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        tls.sock.set_read_timeout(Some(KEEP_ALIVE_IDLE))?;
    }
}

/// Answers one request; whether the connection stays open for another.
fn answer(
    tls: &mut StreamOwned<ServerConnection, TcpStream>,
    request: HttpRequest,
    shared: &Shared,
    connection: u64,
) -> std::io::Result<bool> {
    let wants_close = request
        .header("connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let keep = shared.config.keep_alive && !wants_close;
    let client_cert = tls
        .conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.as_ref().to_vec());
    let received_at = Instant::now();
    let endpoint = endpoint_of(&request.path);
    let misbehavior = shared.take_misbehavior(endpoint);
    let tweak = match &misbehavior {
        Some(Misbehavior::Provisioning(t)) => Some(*t),
        _ => None,
    };
    let mut record = RecordedRequest {
        endpoint,
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        headers: request.headers.clone(),
        body: request.body.clone(),
        client_cert,
        violations: Vec::new(),
        response_status: 0,
        response_body: Vec::new(),
        received_at,
        connection,
        resumed: tls.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
    };
    // A management handler keeps session state: it sees only requests it answers itself.
    let replaced = !matches!(
        misbehavior,
        None | Some(Misbehavior::Provisioning(_) | Misbehavior::Slow(_))
    );
    let (violations, reply) = if replaced && endpoint == Endpoint::Management {
        (Vec::new(), Reply::empty(SYNCML_CONTENT_TYPE))
    } else {
        route(&request, &record, shared, tweak)
    };
    record.violations = violations;

    let reply = match misbehavior {
        None | Some(Misbehavior::Provisioning(_)) => Some(reply),
        Some(Misbehavior::Slow(delay)) => {
            if shared.sleep(delay) {
                None
            } else {
                Some(reply)
            }
        }
        Some(Misbehavior::Close) => None,
        Some(Misbehavior::Silent) => {
            shared.sleep(SILENT_LIMIT);
            None
        }
        Some(Misbehavior::Garbage) => {
            store(shared, record);
            tls.write_all(b"\x16\x03garbage that is not HTTP\r\n\x00\xff\r\n\r\n")?;
            tls.flush()?;
            return Ok(false);
        }
        Some(Misbehavior::LongHead(bytes)) => {
            record.response_status = 200;
            store(shared, record);
            let padding = "a".repeat(bytes);
            wire::write_response(tls, 200, &[("X-Padding", &padding)], b"", true)?;
            tls.conn.send_close_notify();
            return tls.flush().map(|()| false);
        }
        Some(Misbehavior::EndlessBody) => {
            record.response_status = 200;
            store(shared, record);
            return endless_body(tls, shared).map(|()| false);
        }
        Some(Misbehavior::TooManyRequests { retry_after }) => {
            let mut reply = Reply::empty("text/plain");
            reply.status = 429;
            reply.retry_after = retry_after;
            Some(reply)
        }
        Some(Misbehavior::Fault { subcode, reason }) => Some(Reply::fault(&subcode, &reason)),
        Some(Misbehavior::Raw {
            status,
            content_type,
            body,
        }) => {
            record.response_status = status;
            record.response_body = body.clone();
            store(shared, record);
            wire::write_response(tls, status, &[("Content-Type", &content_type)], &body, true)?;
            tls.conn.send_close_notify();
            return tls.flush().map(|()| false);
        }
    };
    let Some(reply) = reply else {
        store(shared, record);
        return Ok(false);
    };
    record.response_status = reply.status;
    record.response_body = reply.body.clone();
    store(shared, record);
    let mut headers = vec![("Content-Type", reply.content_type)];
    if let Some(value) = &reply.retry_after {
        headers.push(("Retry-After", value));
    }
    wire::write_response(tls, reply.status, &headers, &reply.body, !keep)?;
    if keep {
        tls.flush()?;
        return Ok(true);
    }
    tls.conn.send_close_notify();
    tls.flush().map(|()| false)
}

fn route(
    request: &HttpRequest,
    record: &RecordedRequest,
    shared: &Shared,
    tweak: Option<ProvisioningTweak>,
) -> (Vec<String>, Reply) {
    let ctx = shared.ctx();
    match (record.endpoint, request.method.as_str()) {
        (Endpoint::Discovery, "GET") => checks::probe(request),
        (Endpoint::Discovery, _) => checks::discover(request, &ctx),
        (Endpoint::Policy, _) => checks::get_policies(request, &ctx),
        (Endpoint::Enrollment, _) => checks::enrollment(request, &ctx, tweak),
        (Endpoint::Management, _) => {
            let handler = lock(&shared.management).clone();
            match handler {
                Some(handler) => {
                    let (status, body) = handler(record);
                    let mut reply = Reply::empty(SYNCML_CONTENT_TYPE);
                    reply.status = status;
                    reply.body = body;
                    (Vec::new(), reply)
                }
                None => (Vec::new(), Reply::empty(SYNCML_CONTENT_TYPE)),
            }
        }
        (Endpoint::Other, _) => {
            let mut reply = Reply::empty("text/plain");
            reply.status = 404;
            (vec![format!("unknown path {}", request.path)], reply)
        }
    }
}

fn endpoint_of(path: &str) -> Endpoint {
    match path {
        "/EnrollmentServer/Discovery.svc" => Endpoint::Discovery,
        "/EnrollmentServer/Policy.svc" => Endpoint::Policy,
        "/EnrollmentServer/Enrollment.svc" => Endpoint::Enrollment,
        "/ManagementServer/MDM.svc" => Endpoint::Management,
        _ => Endpoint::Other,
    }
}

fn store(shared: &Shared, mut record: RecordedRequest) {
    if !shared.config.record_requests {
        if record.violations.is_empty() {
            return;
        }
        // Only the failed checks are kept.
        record.body = Vec::new();
        record.response_body = Vec::new();
    }
    lock(&shared.requests).push(record);
}

/// Sends a 200 head without length, then body bytes until the client goes away, the
/// server stops, or [`ENDLESS_LIMIT`] bytes have gone.
fn endless_body(
    tls: &mut StreamOwned<ServerConnection, TcpStream>,
    shared: &Shared,
) -> std::io::Result<()> {
    tls.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nConnection: close\r\n\r\n",
    )?;
    let chunk = vec![b'A'; 64 * 1024];
    let mut sent = 0usize;
    while sent < ENDLESS_LIMIT && !shared.stop.load(Ordering::SeqCst) {
        tls.write_all(&chunk)?;
        sent += chunk.len();
    }
    tls.flush()
}

/// Locks a mutex, taking the data even if a thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

const SYNCML_CONTENT_TYPE: &str = "application/vnd.syncml.dm+xml";
/// How often waiting threads look at the stop flag.
const POLL: Duration = Duration::from_millis(10);
/// Socket read and write timeout of the server's connections.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a kept-alive connection waits for its next request (longer than a client's idle
/// pool keeps it, 15 s for ureq, so that the client closes first).
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(30);
/// TLS sessions the server keeps for resumption (a fleet of 100,000 devices, each with one).
const SESSION_CACHE: usize = 131_072;
/// Longest a silent connection is held.
const SILENT_LIMIT: Duration = Duration::from_secs(60);
/// Most bytes an endless body sends.
const ENDLESS_LIMIT: usize = 256 * 1024 * 1024;
