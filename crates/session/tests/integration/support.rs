//! Shared helpers: one RSA key per test binary, short time limits, requests and options
//! aimed at a test server.

use std::sync::OnceLock;
use std::time::Duration;

use pfw_session::{
    Credential, DeviceId, DeviceInfo, DeviceKey, EnrollOptions, EnrollRequest, TransportConfig,
};
use pfw_testserver::{ServerAuth, TestServer, TestServerConfig};

/// The device key shared by the tests (RSA generation is slow in debug builds).
pub(crate) fn key() -> DeviceKey {
    static KEY: OnceLock<DeviceKey> = OnceLock::new();
    KEY.get_or_init(|| DeviceKey::generate(2048).expect("RSA key generation"))
        .clone()
}

/// Short limits so that every failure ends quickly.
pub(crate) fn fast_transport() -> TransportConfig {
    TransportConfig {
        connect_timeout: Duration::from_secs(2),
        response_timeout: Duration::from_millis(800),
        request_timeout: Duration::from_secs(3),
        max_body: 256 * 1024,
        max_retry_after: Duration::from_millis(200),
        max_attempts: 3,
    }
}

/// Options with the shared key, short limits and only the test server's CA trusted.
pub(crate) fn options() -> EnrollOptions {
    EnrollOptions {
        transport: fast_transport(),
        probe: true,
        system_roots: false,
        key: Some(key()),
        exchanges: None,
    }
}

/// Options as [`options`], without the GET probe.
pub(crate) fn options_without_probe() -> EnrollOptions {
    EnrollOptions {
        probe: false,
        ..options()
    }
}

/// A default (OnPremise) server.
pub(crate) fn server() -> TestServer {
    server_with(TestServerConfig::default())
}

/// A test server of this configuration.
pub(crate) fn server_with(config: TestServerConfig) -> TestServer {
    TestServer::start(config).expect("test server starts")
}

/// A request to `server` with the default server's user and password.
pub(crate) fn request(server: &TestServer) -> EnrollRequest {
    let (user, credential) = match &TestServerConfig::default().auth {
        ServerAuth::OnPremise { user, password } => {
            (user.clone(), Credential::Password(password.clone()))
        }
        ServerAuth::Federated { token } => (String::new(), Credential::Token(token.clone())),
    };
    EnrollRequest {
        server: server.discovery_url(),
        user: Some(user),
        credential,
        device: DeviceInfo::new(DeviceId::generate()),
        extra_ca_pem: Some(server.ca_pem().to_owned()),
    }
}

/// The values of every `Name="…"` attribute of ContextItems in a request body, in order.
pub(crate) fn context_item_names(body: &str) -> Vec<String> {
    body.split("<ac:ContextItem Name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The text of the first `<tag>…</tag>` in `body`.
pub(crate) fn element_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = [format!("<{tag}>"), format!("<{tag} ")]
        .iter()
        .filter_map(|open| body.find(open.as_str()))
        .min()?;
    let after = &body[start..];
    let text_start = after.find('>')? + 1;
    let close = format!("</{tag}>");
    let end = after.find(&close)?;
    after.get(text_start..end)
}
