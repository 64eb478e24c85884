//! The HTTPS transport every exchange of the device goes through: enrollment now, MS-MDM
//! management sessions later.
//!
//! It is a blocking client (`ureq` for HTTP/1.1 over rustls with the `ring` provider, through
//! a TLS layer of its own) with one [`TlsClient`] per device identity. Server certificates are
//! checked against the system's trusted roots plus an optional extra CA (`--ca-cert`), by one
//! verifier per set of trusted CAs that every client shares (a fleet of 100,000 devices parses
//! the roots once); a client certificate and key can be presented (the enrolled certificate,
//! for management sessions). A transport keeps one idle connection (HTTP keep-alive); a new
//! one made from the same [`TlsClient`] resumes its TLS session. Every request has a connect timeout, a
//! timeout for the response head and an overall timeout; every response body is read up to
//! [`TransportConfig::max_body`] bytes and no further. Redirects are never followed (nothing
//! in MS-MDE2 or MS-MDM asks for them). An HTTP 429 is retried after the server's
//! `Retry-After` (capped at [`TransportConfig::max_retry_after`]), at most
//! [`TransportConfig::max_attempts`] times in all.

use std::fmt;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, SystemTime};

use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, ClientConnection, InconsistentKeys, RootCertStore, StreamOwned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use ureq::Agent;
use ureq::config::AutoHeaderValue;
use ureq::http as http_types;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, TcpConnector,
    Transport as Wire, TransportAdapter,
};

use crate::error::HttpError;
use crate::xml::shorten;

mod tls;

use tls::DeviceSessions;
pub use tls::SigningKeys;

/// Time limits, body limit and 429 handling of a [`Transport`].
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Limit for name resolution, TCP connect and the TLS handshake.
    pub connect_timeout: Duration,
    /// Limit from sending the request until the response head has arrived.
    pub response_timeout: Duration,
    /// Limit for a whole request, connect to last body byte.
    pub request_timeout: Duration,
    /// Largest response body read, in bytes; a larger one is [`HttpError::BodyTooLarge`].
    pub max_body: u64,
    /// Longest wait honoured from a 429's `Retry-After`.
    pub max_retry_after: Duration,
    /// Most attempts for one request while the server answers 429 (1 = no retry).
    pub max_attempts: u32,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(15),
            response_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(120),
            max_body: MAX_RESPONSE_BODY,
            max_retry_after: Duration::from_secs(120),
            max_attempts: 3,
        }
    }
}

/// Which certificate authorities the device trusts for server certificates.
#[derive(Clone, Default)]
pub struct Trust {
    system: bool,
    extra: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// The system's trusted roots (loaded once per process).
    pub fn system() -> Self {
        Self {
            system: true,
            extra: Vec::new(),
        }
    }

    /// No root at all; add some with [`Trust::add_pem`] or [`Trust::add_der`].
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds every certificate of a PEM file (the `--ca-cert` option).
    pub fn add_pem(&mut self, pem: &str) -> Result<(), HttpError> {
        let mut added = 0usize;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|_| HttpError::InvalidCaPem("not a PEM certificate"))?;
            if <x509_cert::Certificate as der::Decode>::from_der(cert.as_ref()).is_err() {
                return Err(HttpError::InvalidCaPem(
                    "a PEM block is not an X.509 certificate",
                ));
            }
            self.extra.push(cert);
            added += 1;
        }
        if added == 0 {
            return Err(HttpError::InvalidCaPem("no CERTIFICATE block"));
        }
        Ok(())
    }

    /// Adds one DER certificate.
    pub fn add_der(&mut self, der: Vec<u8>) {
        self.extra.push(CertificateDer::from(der));
    }

    /// The server certificate verifier over these CAs' root store, shared by every client
    /// that trusts the same ones (a fleet's devices all do): built once, then one `Arc` each.
    fn verifier(&self) -> Result<Arc<WebPkiServerVerifier>, HttpError> {
        if !self.system && self.extra.is_empty() {
            return Err(HttpError::NoRoots);
        }
        let mut cache = lock(verifiers());
        if let Some((_, verifier)) = cache.0.iter().find(|(trust, _)| trust == self) {
            return Ok(Arc::clone(verifier));
        }
        let mut store = RootCertStore::empty();
        if self.system {
            store.add_parsable_certificates(system_roots().iter().cloned());
        }
        store.add_parsable_certificates(self.extra.iter().cloned());
        if store.is_empty() {
            return Err(HttpError::NoRoots);
        }
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), Arc::clone(provider()))
                .build()
                .map_err(|_| HttpError::NoRoots)?;
        if cache.0.len() >= VERIFIERS_KEPT {
            cache.0.remove(0);
        }
        cache.0.push((self.clone(), Arc::clone(&verifier)));
        Ok(verifier)
    }
}

impl PartialEq for Trust {
    fn eq(&self, other: &Self) -> bool {
        self.system == other.system && self.extra == other.extra
    }
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("system", &self.system)
            .field("extra", &self.extra.len())
            .finish()
    }
}

/// A client certificate chain and its private key, presented in the TLS handshake.
#[derive(Clone)]
pub struct ClientIdentity {
    chain: Vec<Vec<u8>>,
    key_pkcs8: Vec<u8>,
}

impl ClientIdentity {
    /// A chain (leaf first, DER) and the leaf's PKCS#8 DER private key.
    pub fn new(chain: Vec<Vec<u8>>, key_pkcs8: Vec<u8>) -> Result<Self, HttpError> {
        if chain.is_empty() {
            return Err(HttpError::ClientIdentity("empty certificate chain"));
        }
        if key_pkcs8.is_empty() {
            return Err(HttpError::ClientIdentity("empty private key"));
        }
        Ok(Self { chain, key_pkcs8 })
    }

    /// The leaf certificate, DER.
    pub fn certificate(&self) -> &[u8] {
        // `new` refuses an empty chain.
        self.chain.first().map_or(&[], Vec::as_slice)
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("chain", &self.chain.len())
            .field("key_pkcs8", &"<redacted>")
            .finish()
    }
}

/// An HTTP response, its body fully read (within the limit).
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header names (lower case) and values (those that are valid UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP exchange as an [`ExchangeObserver`] sees it (each attempt of a retried one).
#[derive(Debug)]
pub struct Exchange<'e> {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The URL.
    pub url: &'e str,
    /// The request's headers, as sent.
    pub request_headers: &'e [(&'e str, &'e str)],
    /// The request's body.
    pub request_body: &'e [u8],
    /// The response, or why there is none.
    pub response: Result<&'e Response, &'e HttpError>,
    /// From sending the request to the last body byte (or the failure).
    pub elapsed: Duration,
}

/// Sees every exchange of a transport (`pfw sync --trace`, `pfw enroll --trace`).
#[derive(Clone)]
pub struct ExchangeObserver(pub Arc<dyn Fn(&Exchange<'_>) + Send + Sync>);

impl fmt::Debug for ExchangeObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExchangeObserver")
    }
}

/// The TLS side of one device identity: a rustls client configuration with the server
/// certificate verifier shared by every client of the same trust (one root store), the
/// device's client certificate and key (parsed once, or shared through [`SigningKeys`] with
/// the clients presenting the same key) and its own TLS sessions to resume, one entry per
/// server (a device never resumes another's session). Cheap to clone (one `Arc`); a [`Transport`]
/// made from it again opens a new connection that resumes the device's TLS session (rustls
/// resumes only with the verifier and client credentials the session was made with: these).
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<ClientConfig>,
}

impl TlsClient {
    /// A client trusting `trust`, presenting `identity` when the server asks for one.
    pub fn new(trust: &Trust, identity: Option<&ClientIdentity>) -> Result<Self, HttpError> {
        Self::build(trust, identity, None)
    }

    /// As [`TlsClient::new`], with the private key taken from `keys` when another client
    /// already presents it (a fleet's key pool).
    pub fn sharing(
        trust: &Trust,
        identity: &ClientIdentity,
        keys: &SigningKeys,
    ) -> Result<Self, HttpError> {
        Self::build(trust, Some(identity), Some(keys))
    }

    fn build(
        trust: &Trust,
        identity: Option<&ClientIdentity>,
        keys: Option<&SigningKeys>,
    ) -> Result<Self, HttpError> {
        let builder = ClientConfig::builder_with_provider(Arc::clone(provider()))
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|_| HttpError::ClientIdentity("no usable TLS version"))?
            .with_webpki_verifier(trust.verifier()?);
        let mut config = match identity {
            Some(id) => {
                let key = match keys {
                    Some(keys) => keys.get(provider(), &id.key_pkcs8)?,
                    None => tls::load(provider(), &id.key_pkcs8)?,
                };
                let chain = id.chain.iter().map(|c| CertificateDer::from(c.clone()));
                let certified = CertifiedKey::new(chain.collect(), key);
                // As rustls's own `with_client_auth_cert`: a key whose public half cannot be
                // read is not refused, one that is not the certificate's is.
                match certified.keys_match() {
                    Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => {}
                    Err(_) => return Err(HttpError::ClientIdentity(tls::NOT_THE_KEY)),
                }
                builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(certified)))
            }
            None => builder.with_no_client_auth(),
        };
        // A device talks to one server (two when enrollment is elsewhere).
        config.resumption = Resumption::store(Arc::new(DeviceSessions::new(SESSION_CACHE_SERVERS)));
        Ok(Self {
            config: Arc::new(config),
        })
    }
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsClient")
    }
}

/// A blocking HTTPS client for one device identity; cheap to clone and share across threads.
/// It keeps at most one idle connection to each host (HTTP keep-alive); dropping the last
/// clone closes it.
#[derive(Clone)]
pub struct Transport {
    agent: Agent,
    config: TransportConfig,
    observer: Option<ExchangeObserver>,
}

impl Transport {
    /// A transport trusting `trust`, presenting `identity` when the server asks for one.
    pub fn new(
        config: TransportConfig,
        trust: &Trust,
        identity: Option<&ClientIdentity>,
    ) -> Result<Self, HttpError> {
        let tls = TlsClient::new(trust, identity)?;
        Ok(Self::with_tls(config, &tls))
    }

    /// A transport over `tls`: a new connection when it first sends, resuming `tls`'s TLS
    /// session when there is one.
    pub fn with_tls(config: TransportConfig, tls: &TlsClient) -> Self {
        let agent_config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_recv_response(Some(config.response_timeout))
            .timeout_global(Some(config.request_timeout))
            .max_response_header_size(MAX_HEADER_BYTES)
            // One past the head limit, so that a longer head is refused as too large.
            .input_buffer_size(MAX_HEADER_BYTES + 1)
            .output_buffer_size(OUTPUT_BUFFER_BYTES)
            .max_idle_connections(1)
            .max_idle_connections_per_host(1)
            .no_delay(true)
            .build();
        let connector = TcpConnector::default().chain(TlsConnector {
            config: Arc::clone(&tls.config),
        });
        Self {
            agent: Agent::with_parts(agent_config, connector, DefaultResolver::default()),
            config,
            observer: None,
        }
    }

    /// The same transport, showing every exchange to `observer`.
    pub fn observed(mut self, observer: Option<ExchangeObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// The configuration this transport was built with.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// Sends a GET with these headers.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
        check_https(url)?;
        self.with_retries(("GET", url, headers, &[]), || {
            let mut request = self.agent.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.call()
        })
    }

    /// Sends a POST with these headers and body.
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, HttpError> {
        check_https(url)?;
        self.with_retries(("POST", url, headers, body), || {
            let mut request = self.agent.post(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send(body)
        })
    }

    fn with_retries(
        &self,
        (method, url, headers, body): (&'static str, &str, &[(&str, &str)], &[u8]),
        send: impl Fn() -> Result<http_types::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Response, HttpError> {
        let attempts = self.config.max_attempts.max(1);
        for attempt in 1..=attempts {
            let started = std::time::Instant::now();
            let result = send()
                .map_err(|e| map_error(url, e))
                .and_then(|response| self.read(url, response));
            if let Some(observer) = &self.observer {
                (observer.0)(&Exchange {
                    method,
                    url,
                    request_headers: headers,
                    request_body: body,
                    response: result.as_ref(),
                    elapsed: started.elapsed(),
                });
            }
            let response = result?;
            if response.status != 429 {
                return Ok(response);
            }
            if attempt < attempts {
                thread::sleep(retry_delay(
                    response.header("retry-after"),
                    self.config.max_retry_after,
                ));
            }
        }
        Err(HttpError::TooManyRequests {
            url: shorten(url),
            attempts,
        })
    }

    fn read(
        &self,
        url: &str,
        response: http_types::Response<ureq::Body>,
    ) -> Result<Response, HttpError> {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        let mut body = Vec::new();
        let limit = self.config.max_body;
        // Read one byte past the limit to tell "exactly the limit" from "more".
        let reader = response
            .into_body()
            .into_with_config()
            .limit(limit.saturating_add(1))
            .reader();
        reader
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| map_io(url, e))?;
        if body.len() as u64 > limit {
            return Err(HttpError::BodyTooLarge {
                url: shorten(url),
                limit,
            });
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The wait before retrying a 429: the `Retry-After` seconds or date, capped at `cap`;
/// [`DEFAULT_RETRY_DELAY`] (capped) when the header is absent or unreadable.
pub fn retry_delay(retry_after: Option<&str>, cap: Duration) -> Duration {
    let wanted = retry_after
        .map(str::trim)
        .and_then(|value| {
            if let Ok(seconds) = value.parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            let at = httpdate::parse_http_date(value).ok()?;
            Some(
                at.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            )
        })
        .unwrap_or(DEFAULT_RETRY_DELAY);
    wanted.min(cap)
}

fn check_https(url: &str) -> Result<(), HttpError> {
    let invalid = |reason| HttpError::InvalidUrl {
        url: shorten(url),
        reason,
    };
    let rest = strip_prefix_ignore_case(url, "https://").ok_or_else(|| invalid("not https"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(invalid("no host"));
    }
    if url.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(invalid("control character or space"));
    }
    Ok(())
}

/// `text` without `prefix`, compared ignoring ASCII case.
pub(crate) fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

fn map_error(url: &str, error: ureq::Error) -> HttpError {
    let url_s = shorten(url);
    match error {
        ureq::Error::Timeout(which) => HttpError::Timeout {
            url: url_s,
            stage: timeout_stage(which),
        },
        ureq::Error::BodyExceedsLimit(limit) => HttpError::BodyTooLarge { url: url_s, limit },
        ureq::Error::Rustls(source) => HttpError::Tls { url: url_s, source },
        ureq::Error::Io(io) => map_io(url, io),
        ureq::Error::BadUri(_) | ureq::Error::HostNotFound => HttpError::InvalidUrl {
            url: url_s,
            reason: "host not found or URL not usable",
        },
        other => HttpError::Protocol {
            url: url_s,
            source: Box::new(other),
        },
    }
}

fn map_io(url: &str, io: std::io::Error) -> HttpError {
    let url_s = shorten(url);
    // ureq wraps its own errors (timeouts, the body limit) and rustls's in io::Error.
    if io.get_ref().is_some_and(|e| e.is::<ureq::Error>()) {
        return match io.into_inner().map(|e| e.downcast::<ureq::Error>()) {
            Some(Ok(inner)) => map_error(url, *inner),
            _ => HttpError::Io {
                url: url_s,
                source: std::io::Error::other("unreadable error"),
            },
        };
    }
    if let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        return HttpError::Tls {
            url: url_s,
            source: tls.clone(),
        };
    }
    if io.kind() == std::io::ErrorKind::TimedOut || io.kind() == std::io::ErrorKind::WouldBlock {
        return HttpError::Timeout {
            url: url_s,
            stage: "read",
        };
    }
    HttpError::Io {
        url: url_s,
        source: io,
    }
}

fn timeout_stage(which: ureq::Timeout) -> &'static str {
    match which {
        ureq::Timeout::Resolve => "name resolution",
        ureq::Timeout::Connect => "connect",
        ureq::Timeout::SendRequest | ureq::Timeout::SendBody => "sending the request",
        ureq::Timeout::RecvResponse => "waiting for the response",
        ureq::Timeout::RecvBody => "reading the response body",
        _ => "whole request",
    }
}

fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The verifiers made so far, by the trust they were made from, oldest first.
struct Verifiers(Vec<(Trust, Arc<WebPkiServerVerifier>)>);

fn verifiers() -> &'static Mutex<Verifiers> {
    static VERIFIERS: OnceLock<Mutex<Verifiers>> = OnceLock::new();
    VERIFIERS.get_or_init(|| Mutex::new(Verifiers(Vec::new())))
}

/// The one crypto provider (ring) every client configuration shares.
fn provider() -> &'static Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The TLS layer of ureq's connector chain, over a [`TlsClient`]'s configuration (ureq's own
/// would build a configuration, and a root store, per agent).
struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl<In: Wire> Connector<In> for TlsConnector {
    type Out = Either<In, TlsWire>;

    fn connect(
        &self,
        details: &ConnectionDetails<'_>,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Err(ureq::Error::Tls("no TCP connection to wrap"));
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("no host to verify"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host)
            .map_err(|_| ureq::Error::Tls("not a DNS name or an IP address"))?
            .to_owned();
        let mut conn = ClientConnection::new(Arc::clone(&self.config), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), Arc::clone(&details.current_time));
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        Ok(Some(Either::B(TlsWire {
            buffers: LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
            stream: StreamOwned { conn, sock },
        })))
    }
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConnector")
    }
}

/// A TLS connection as ureq's HTTP layer drives it.
struct TlsWire {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl Wire for TlsWire {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = self
            .buffers
            .output()
            .get(..amount)
            .ok_or(ureq::Error::Tls("output past the buffer"))?;
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

impl fmt::Debug for TlsWire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsWire")
    }
}

/// Default largest response body, in bytes (4 MiB: enrollment replies are a few kilobytes,
/// MS-MDM messages are commonly capped at 512 KiB).
pub const MAX_RESPONSE_BODY: u64 = 4 * 1024 * 1024;
/// Wait before retrying a 429 that carries no usable `Retry-After`.
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(5);
/// Largest response head, in bytes.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// ureq's output buffer: a request head and the body in pieces of this size.
const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;
/// Servers whose TLS sessions a device keeps to resume (it talks to one or two).
const SESSION_CACHE_SERVERS: usize = 2;
/// Verifiers kept for reuse (one per distinct set of trusted CAs).
const VERIFIERS_KEPT: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_cap() {
        let cap = Duration::from_secs(10);
        // RFC 9110 §10.2.3: delay-seconds.
        assert_eq!(retry_delay(Some("3"), cap), Duration::from_secs(3));
        assert_eq!(retry_delay(Some(" 7 "), cap), Duration::from_secs(7));
        // Capped.
        assert_eq!(retry_delay(Some("3600"), cap), cap);
        // Absent or unreadable: the default, capped.
        assert_eq!(retry_delay(None, cap), DEFAULT_RETRY_DELAY);
        assert_eq!(retry_delay(Some("soon"), cap), DEFAULT_RETRY_DELAY);
        assert_eq!(
            retry_delay(None, Duration::from_millis(10)),
            Duration::from_millis(10)
        );
    }

    #[test]
    fn retry_after_http_date() {
        let cap = Duration::from_secs(600);
        // RFC 9110 §10.2.3: HTTP-date; a date in the past means no wait.
        assert_eq!(
            retry_delay(Some("Sun, 06 Nov 1994 08:49:37 GMT"), cap),
            Duration::ZERO
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = retry_delay(Some(&later), cap);
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
    }

    #[test]
    fn only_https_urls_are_sent() {
        for (url, ok) in [
            ("https://example.com/x", true),
            ("HTTPS://example.com", true),
            ("http://example.com/x", false),
            ("https:///path", false),
            ("https://exa mple.com/", false),
            ("ftp://x", false),
        ] {
            assert_eq!(check_https(url).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn extra_ca_pem_must_hold_a_certificate() {
        let mut trust = Trust::empty();
        assert!(matches!(
            trust.add_pem("hello"),
            Err(HttpError::InvalidCaPem(_))
        ));
        let not_a_cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            trust.add_pem(not_a_cert),
            Err(HttpError::InvalidCaPem(_))
        ));
        assert!(matches!(trust.verifier(), Err(HttpError::NoRoots)));
    }

    #[test]
    fn shared_types_cross_threads() {
        // A fleet runs one device per thread and shares transports and records.
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Transport>();
        send_sync::<Trust>();
        send_sync::<ClientIdentity>();
        send_sync::<crate::Enrollment>();
        send_sync::<crate::DeviceKey>();
    }

    #[test]
    fn client_identity_debug_redacts_the_key() {
        let id = ClientIdentity::new(vec![vec![1, 2, 3]], vec![0x42; 8]).unwrap();
        let shown = format!("{id:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("66"));
    }
}
