//! The enrollment record: everything a later session needs to reach the management server
//! as this device (address, trust, client certificate and key, DM account, poll schedule),
//! as one serde value a state store keeps as JSON. Binary values (certificates, the key) are
//! base64 strings in JSON; `Debug` never shows the private key or application secrets.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::enroll::AuthPolicy;
use crate::enroll::csr::DeviceKey;
use crate::enroll::device::DeviceId;
use crate::enroll::provisioning::{CertStore, DmAccount, DmClientSettings, PollSchedule, Renewal};
use crate::error::{HttpError, KeyError, RecordError};
use crate::http::{ClientIdentity, Trust};

/// A completed enrollment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The device's stable identifier (the `DeviceID` sent).
    pub device_id: DeviceId,
    /// The enrolling user's UPN, when one was given.
    pub user: Option<String>,
    /// The authentication policy the server chose.
    pub auth_policy: AuthPolicy,
    /// The discovery URL used.
    pub discovery_url: String,
    /// The MS-WSTEP enrollment service URL the server named.
    pub enrollment_service_url: String,
    /// `EnrollmentVersion` from the discovery reply, when given.
    pub enrollment_version: Option<String>,
    /// Trusted roots installed from the provisioning document, DER.
    #[serde(with = "b64_list")]
    pub ca_certs: Vec<Vec<u8>>,
    /// Intermediate certificates installed from the provisioning document, DER.
    #[serde(with = "b64_list")]
    pub intermediate_certs: Vec<Vec<u8>>,
    /// The client certificate the server issued, DER.
    #[serde(with = "b64")]
    pub client_cert: Vec<u8>,
    /// Where the client certificate was installed.
    pub client_cert_store: CertStore,
    /// The device's private key, PKCS#8 DER.
    pub private_key: Pkcs8Key,
    /// The DM account: management address, provider ID, retry settings, credentials.
    pub account: DmAccount,
    /// The DMClient provider settings, with the poll schedule.
    pub dm_client: DmClientSettings,
    /// The certificate renewal settings, when given.
    pub renewal: Option<Renewal>,
    /// The extra trusted CA given with `--ca-cert`, PEM.
    pub extra_ca_pem: Option<String>,
    /// When the enrollment completed: seconds since the Unix epoch (UTC).
    pub enrolled_at: u64,
}

impl Enrollment {
    /// The management server address (`APPLICATION/ADDR`).
    pub fn server_address(&self) -> &str {
        &self.account.address
    }

    /// The provider ID (`APPLICATION/PROVIDER-ID`).
    pub fn provider_id(&self) -> &str {
        &self.account.provider_id
    }

    /// The poll schedule (`DMClient/Provider/<ID>/Poll`).
    pub fn poll(&self) -> &PollSchedule {
        &self.dm_client.poll
    }

    /// The record as JSON.
    pub fn to_json(&self) -> Result<String, RecordError> {
        Ok(serde_json::to_string(self)?)
    }

    /// A record read back from JSON.
    pub fn from_json(json: &str) -> Result<Self, RecordError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The device key.
    pub fn key(&self) -> Result<DeviceKey, KeyError> {
        DeviceKey::from_pkcs8_der(self.private_key.as_bytes())
    }

    /// The client certificate (with the intermediates) and key for management sessions.
    pub fn client_identity(&self) -> Result<ClientIdentity, HttpError> {
        let mut chain = vec![self.client_cert.clone()];
        chain.extend(self.intermediate_certs.iter().cloned());
        ClientIdentity::new(chain, self.private_key.as_bytes().to_vec())
    }

    /// What the device trusts for the management server: the system roots, the extra CA
    /// and the roots the provisioning document installed.
    pub fn trust(&self) -> Result<Trust, HttpError> {
        let mut trust = Trust::system();
        if let Some(pem) = &self.extra_ca_pem {
            trust.add_pem(pem)?;
        }
        for der in &self.ca_certs {
            trust.add_der(der.clone());
        }
        Ok(trust)
    }
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrollment")
            .field("device_id", &self.device_id)
            .field("user", &self.user)
            .field("auth_policy", &self.auth_policy)
            .field("discovery_url", &self.discovery_url)
            .field("server_address", &self.account.address)
            .field("provider_id", &self.account.provider_id)
            .field("ca_certs", &self.ca_certs.len())
            .field("intermediate_certs", &self.intermediate_certs.len())
            .field("client_cert_bytes", &self.client_cert.len())
            .field("private_key", &self.private_key)
            .field("account", &self.account)
            .field("dm_client", &self.dm_client)
            .field("renewal", &self.renewal)
            .field("extra_ca", &self.extra_ca_pem.is_some())
            .field("enrolled_at", &self.enrolled_at)
            .finish()
    }
}

/// A PKCS#8 DER private key. `Debug` shows only that it is there.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pkcs8Key(#[serde(with = "b64")] Vec<u8>);

impl Pkcs8Key {
    /// Wraps PKCS#8 DER bytes.
    pub fn new(der: Vec<u8>) -> Self {
        Self(der)
    }

    /// The DER bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Pkcs8Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pkcs8Key(<redacted>)")
    }
}

mod b64 {
    //! Bytes as a base64 string.

    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

mod b64_list {
    //! A list of byte strings as a list of base64 strings.

    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(items: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(items.len()))?;
        for item in items {
            seq.serialize_element(&STANDARD.encode(item))?;
        }
        seq.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| {
                STANDARD
                    .decode(t.as_bytes())
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}
