//! What a device's TLS client keeps, sized for a fleet of 100,000 in one process: its TLS
//! sessions to resume, one entry per server ([`DeviceSessions`]), and its private key, parsed
//! once for all the devices that hold the same key ([`SigningKeys`], for a fleet's key pool).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use rustls::NamedGroup;
use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::crypto::CryptoProvider;
use rustls::sign::SigningKey;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use sha2::{Digest, Sha256};

use crate::error::HttpError;

/// One device's resumable TLS sessions: for each of at most `servers` servers (the least
/// recently stored out first), the key-exchange group it chose, its TLS 1.2 session and its
/// newest TLS 1.3 ticket. A TLS 1.3 ticket is used once (RFC 8446 §C.4) and every connection
/// brings a new one, so one is all a device needs; rustls's own cache keeps eight a server
/// and reserves room for them up front, about 2 KiB a device before it has any.
pub(crate) struct DeviceSessions {
    servers: usize,
    entries: Mutex<Vec<Entry>>,
}

struct Entry {
    server: ServerName<'static>,
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: Option<Tls13ClientSessionValue>,
}

impl DeviceSessions {
    /// A store for `servers` servers (at least one).
    pub(crate) fn new(servers: usize) -> Self {
        Self {
            servers: servers.max(1),
            entries: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on `server`'s entry, made (and the oldest dropped past the bound) when absent;
    /// the entry becomes the most recent.
    fn update(&self, server: ServerName<'static>, f: impl FnOnce(&mut Entry)) {
        let mut entries = super::lock(&self.entries);
        let mut entry = match entries.iter().position(|e| e.server == server) {
            Some(at) => entries.remove(at),
            None => Entry {
                server,
                kx_hint: None,
                tls12: None,
                tls13: None,
            },
        };
        f(&mut entry);
        if entries.len() >= self.servers {
            entries.remove(0);
        }
        entries.push(entry);
    }

    /// Reads (or takes from) `server`'s entry.
    fn with<T>(
        &self,
        server: &ServerName<'_>,
        f: impl FnOnce(&mut Entry) -> Option<T>,
    ) -> Option<T> {
        let mut entries = super::lock(&self.entries);
        entries.iter_mut().find(|e| e.server == *server).and_then(f)
    }
}

impl ClientSessionStore for DeviceSessions {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.update(server_name, |e| e.kx_hint = Some(group));
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.with(server_name, |e| e.kx_hint)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.update(server_name, |e| e.tls12 = Some(value));
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.with(server_name, |e| e.tls12.clone())
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.with(server_name, |e| e.tls12.take());
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.update(server_name, |e| e.tls13 = Some(value));
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        self.with(server_name, |e| e.tls13.take())
    }
}

impl fmt::Debug for DeviceSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSessions")
            .field("servers", &super::lock(&self.entries).len())
            .finish()
    }
}

/// Private keys parsed once for every TLS client that presents the same one: a fleet whose
/// devices share a pool of keys holds each parsed key once (an RSA-2048 key parsed for
/// signing is about 2 KiB) instead of once a device. Keyed by the SHA-256 of the PKCS#8
/// bytes; it holds the keys weakly, so a key no client presents any more is freed. Cheap to
/// clone (one `Arc`).
#[derive(Clone, Default)]
pub struct SigningKeys {
    keys: Arc<Mutex<Keys>>,
}

#[derive(Default)]
struct Keys {
    by_digest: HashMap<[u8; 32], Weak<dyn SigningKey>>,
    /// The map's size at which dead entries are next swept out.
    sweep_at: usize,
}

impl SigningKeys {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The parsed key of `pkcs8`: the one already parsed while any client holds it.
    pub(crate) fn get(
        &self,
        provider: &CryptoProvider,
        pkcs8: &[u8],
    ) -> Result<Arc<dyn SigningKey>, HttpError> {
        let digest: [u8; 32] = Sha256::digest(pkcs8).into();
        let held = super::lock(&self.keys)
            .by_digest
            .get(&digest)
            .and_then(Weak::upgrade);
        if let Some(key) = held {
            return Ok(key);
        }
        // Parsed outside the lock (an RSA key takes a while): two clients asking at once
        // may each parse it, and the one stored last is shared from then on.
        let key = load(provider, pkcs8)?;
        let mut keys = super::lock(&self.keys);
        if keys.by_digest.len() >= keys.sweep_at {
            keys.by_digest.retain(|_, k| k.strong_count() > 0);
            keys.sweep_at = (keys.by_digest.len() * 2).max(64);
        }
        keys.by_digest.insert(digest, Arc::downgrade(&key));
        Ok(key)
    }

    /// How many distinct keys are held now.
    pub fn len(&self) -> usize {
        super::lock(&self.keys)
            .by_digest
            .values()
            .filter(|k| k.strong_count() > 0)
            .count()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeys")
            .field("keys", &self.len())
            .finish()
    }
}

/// `pkcs8` parsed for signing.
pub(crate) fn load(
    provider: &CryptoProvider,
    pkcs8: &[u8],
) -> Result<Arc<dyn SigningKey>, HttpError> {
    provider
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            pkcs8.to_vec(),
        )))
        .map_err(|_| HttpError::ClientIdentity(NOT_THE_KEY))
}

/// The one error for a key that cannot be used with its certificate.
pub(crate) const NOT_THE_KEY: &str = "the private key is not PKCS#8 or not the certificate's";

#[cfg(test)]
mod tests {
    use super::*;

    fn name(host: &str) -> ServerName<'static> {
        ServerName::try_from(host.to_owned()).unwrap()
    }

    #[test]
    fn sessions_keep_the_most_recent_servers_only() {
        let store = DeviceSessions::new(2);
        store.set_kx_hint(name("a.example"), NamedGroup::X25519);
        store.set_kx_hint(name("b.example"), NamedGroup::secp256r1);
        assert_eq!(store.kx_hint(&name("a.example")), Some(NamedGroup::X25519));
        // A third server pushes out the least recently stored (a.example's entry was
        // stored before b.example's; reading does not refresh it).
        store.set_kx_hint(name("c.example"), NamedGroup::secp384r1);
        assert_eq!(store.kx_hint(&name("a.example")), None);
        assert_eq!(
            store.kx_hint(&name("b.example")),
            Some(NamedGroup::secp256r1)
        );
        assert_eq!(
            store.kx_hint(&name("c.example")),
            Some(NamedGroup::secp384r1)
        );
        assert_eq!(super::super::lock(&store.entries).len(), 2);
        // Storing again for b.example makes it the most recent: c.example goes next.
        store.set_kx_hint(name("b.example"), NamedGroup::X25519);
        store.set_kx_hint(name("d.example"), NamedGroup::X25519);
        assert_eq!(store.kx_hint(&name("c.example")), None);
        assert_eq!(store.kx_hint(&name("b.example")), Some(NamedGroup::X25519));
    }

    #[test]
    fn a_key_is_parsed_once_while_it_is_held() {
        let provider = super::super::provider();
        let der = crate::test_key().to_pkcs8_der().unwrap();
        let keys = SigningKeys::new();
        let first = keys.get(provider, &der).unwrap();
        let second = keys.get(provider, &der).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(keys.len(), 1);
        drop((first, second));
        assert_eq!(keys.len(), 0, "a key no one holds is not kept");
        assert!(matches!(
            keys.get(provider, b"not a key"),
            Err(HttpError::ClientIdentity(NOT_THE_KEY))
        ));
    }
}
