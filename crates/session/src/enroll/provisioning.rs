//! The WAP provisioning document a server returns inside the enrollment response, and what
//! the device takes from it (reference §3.4): trusted root and intermediate certificates,
//! the client certificate (which must carry the device's public key), the DM account of the
//! `APPLICATION` characteristic with APPID `w7` (management address, provider ID, retry and
//! back-off settings, application-level credentials), the `DMClient/Provider/<ID>` settings
//! with the poll schedule, and the WSTEP renewal settings.
//!
//! Characteristic types and parm names compare case-sensitively, as MS-MDE2 §2.2.9.5 says;
//! unknown characteristics and parms are ignored. Certificate thumbprints (the
//! characteristic names) are not checked: pfw computes its own from the certificates.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::Decode;
use serde::{Deserialize, Serialize};

use crate::error::ProvisioningError;
use crate::xml::{self, Element, shorten};

/// What the device installs from a provisioning document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningDoc {
    /// `CertificateStore/Root/System` certificates, DER.
    pub root_certs: Vec<Vec<u8>>,
    /// `CertificateStore/CA/System` certificates and any `My` certificate that is not the
    /// device's, DER.
    pub intermediate_certs: Vec<Vec<u8>>,
    /// The client certificate, DER: the `My` certificate holding the device's public key.
    pub client_cert: Vec<u8>,
    /// Where the client certificate was installed.
    pub client_cert_store: CertStore,
    /// The DM account (`APPLICATION`, APPID `w7`).
    pub account: DmAccount,
    /// The `DMClient/Provider/<ProviderID>` settings.
    pub dm_client: DmClientSettings,
    /// The WSTEP renewal settings, when given.
    pub renewal: Option<Renewal>,
}

/// The store a client certificate is installed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertStore {
    /// `CertificateStore/My/System`: device context.
    MySystem,
    /// `CertificateStore/My/User`: user context.
    MyUser,
}

/// The DM account: parms of the `APPLICATION` characteristic with APPID `w7`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmAccount {
    /// `ADDR`: the management server URL (an `https` URL).
    pub address: String,
    /// `PROVIDER-ID`: the server's identifier, also the `DMClient/Provider` node name.
    pub provider_id: String,
    /// `NAME`: display name.
    pub name: Option<String>,
    /// `ROLE`, as sent (servers send `4294967295`).
    pub role: Option<String>,
    /// `ServerList`.
    pub server_list: Option<String>,
    /// `BACKCOMPATRETRYDISABLED` is present.
    pub backcompat_retry_disabled: bool,
    /// `CONNRETRYFREQ`: retries on connection errors.
    pub conn_retry_freq: Option<u32>,
    /// `INITIALBACKOFFTIME`, milliseconds.
    pub initial_backoff_ms: Option<u64>,
    /// `MAXBACKOFFTIME`, milliseconds.
    pub max_backoff_ms: Option<u64>,
    /// `DEFAULTENCODING`: `application/vnd.syncml.dm+xml` or `…+wbxml`.
    pub default_encoding: Option<String>,
    /// `PROTOVER`.
    pub protocol_version: Option<String>,
    /// `USEHWDEVID` is present: the hardware ID is the DevID.
    pub use_hw_dev_id: bool,
    /// `SSLCLIENTCERTSEARCHCRITERIA`.
    pub ssl_client_cert_search_criteria: Option<String>,
    /// `CRLCheck`.
    pub crl_check: Option<String>,
    /// `APPAUTH` characteristics (CLIENT and APPSRV credentials).
    pub app_auth: Vec<AppAuth>,
}

impl fmt::Debug for DmAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DmAccount")
            .field("address", &self.address)
            .field("provider_id", &self.provider_id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("default_encoding", &self.default_encoding)
            .field("app_auth", &self.app_auth)
            .finish_non_exhaustive()
    }
}

/// One `APPAUTH` characteristic: OMA-DM application-level credentials.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAuth {
    /// `AAUTHLEVEL`: `CLIENT` (server to client) or `APPSRV` (client to server).
    pub level: String,
    /// `AAUTHTYPE`: `BASIC` or `DIGEST`.
    pub auth_type: Option<String>,
    /// `AAUTHNAME`.
    pub name: Option<String>,
    /// `AAUTHSECRET` (never shown by `Debug`).
    pub secret: Option<String>,
    /// `AAUTHDATA`: the nonce, base64.
    pub data: Option<String>,
}

impl fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppAuth")
            .field("level", &self.level)
            .field("auth_type", &self.auth_type)
            .field("name", &self.name)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("data", &self.data)
            .finish()
    }
}

/// The `DMClient/Provider/<ProviderID>` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmClientSettings {
    /// `UPN`.
    pub upn: Option<String>,
    /// `EntDeviceName`.
    pub ent_device_name: Option<String>,
    /// `EntDMID`.
    pub ent_dmid: Option<String>,
    /// `EnableOmaDmKeepAliveMessage`.
    pub enable_oma_dm_keep_alive_message: Option<bool>,
    /// `RequireMessageSigning`.
    pub require_message_signing: Option<bool>,
    /// `SyncApplicationVersion`.
    pub sync_application_version: Option<String>,
    /// The `Poll` schedule.
    pub poll: PollSchedule,
}

/// The `Poll` schedule; `None` where the server gave no value (the DMClient CSP's defaults
/// then apply: 10 first retries every 15 minutes, the other sets 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollSchedule {
    /// `IntervalForFirstSetOfRetries`, minutes.
    pub interval_for_first_set_of_retries: Option<u32>,
    /// `NumberOfFirstRetries`.
    pub number_of_first_retries: Option<u32>,
    /// `IntervalForSecondSetOfRetries`, minutes.
    pub interval_for_second_set_of_retries: Option<u32>,
    /// `NumberOfSecondRetries`.
    pub number_of_second_retries: Option<u32>,
    /// `IntervalForRemainingScheduledRetries`, minutes.
    pub interval_for_remaining_scheduled_retries: Option<u32>,
    /// `NumberOfRemainingScheduledRetries` (0 = forever).
    pub number_of_remaining_scheduled_retries: Option<u32>,
    /// `PollOnLogin`.
    pub poll_on_login: Option<bool>,
    /// `AllUsersPollOnFirstLogin`.
    pub all_users_poll_on_first_login: Option<bool>,
}

/// `CertificateStore/My/…/WSTEP/Renew` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    /// `ROBOSupport`.
    pub robo_support: Option<bool>,
    /// `RenewPeriod` (or `RenewalPeriod`), days.
    pub renew_period_days: Option<u32>,
    /// `RetryInterval`, days.
    pub retry_interval_days: Option<u32>,
    /// `ServerURL`.
    pub server_url: Option<String>,
}

impl ProvisioningDoc {
    /// Reads a provisioning document; `device_spki` is the device's public key (DER
    /// SubjectPublicKeyInfo), which the client certificate must carry.
    pub fn parse(document: &[u8], device_spki: &[u8]) -> Result<Self, ProvisioningError> {
        let root = xml::parse(document)?;
        if root.ns.is_some() || root.name != "wap-provisioningdoc" {
            return Err(ProvisioningError::WrongRoot(shorten(&root.name)));
        }
        let certs = read_cert_stores(&root)?;
        let device_key = spki_key_bits(device_spki);
        let mut client: Option<(Vec<u8>, CertStore)> = None;
        let mut intermediates = certs.ca;
        let my_count = certs.my.len();
        for (der, store, key_bits) in certs.my {
            if client.is_none() && device_key.as_ref() == Some(&key_bits) {
                client = Some((der, store));
            } else {
                intermediates.push(der);
            }
        }
        let (client_cert, client_cert_store) = match client {
            Some(found) => found,
            None if my_count == 0 => return Err(ProvisioningError::MissingClientCert),
            None => return Err(ProvisioningError::ClientCertKeyMismatch { found: my_count }),
        };
        let account = read_account(&root)?;
        let dm_client = read_dm_client(&root, &account.provider_id)?;
        Ok(Self {
            root_certs: certs.root,
            intermediate_certs: intermediates,
            client_cert,
            client_cert_store,
            account,
            dm_client,
            renewal: certs.renewal,
        })
    }
}

/// The DMClient settings of a provisioning document alone: the `DMClient/Provider` node of
/// the DM account's provider ID (the `APPLICATION` characteristic with APPID `w7`), with its
/// poll schedule. Certificates are not read.
pub fn parse_dm_client(document: &[u8]) -> Result<DmClientSettings, ProvisioningError> {
    let root = xml::parse(document)?;
    if root.ns.is_some() || root.name != "wap-provisioningdoc" {
        return Err(ProvisioningError::WrongRoot(shorten(&root.name)));
    }
    let account = read_account(&root)?;
    read_dm_client(&root, &account.provider_id)
}

struct CertStores {
    root: Vec<Vec<u8>>,
    ca: Vec<Vec<u8>>,
    /// DER, store, and the SubjectPublicKeyInfo bits the certificate carries.
    my: Vec<(Vec<u8>, CertStore, KeyBits)>,
    renewal: Option<Renewal>,
}

/// A public key compared by algorithm OID and key bits.
type KeyBits = (String, Vec<u8>);

fn read_cert_stores(root: &Element) -> Result<CertStores, ProvisioningError> {
    let mut stores = CertStores {
        root: Vec::new(),
        ca: Vec::new(),
        my: Vec::new(),
        renewal: None,
    };
    let mut count = 0usize;
    for store in characteristics(root, "CertificateStore") {
        for (path, area, scope) in [
            ("Root/System", "Root", "System"),
            ("CA/System", "CA", "System"),
            ("My/User", "My", "User"),
            ("My/System", "My", "System"),
        ] {
            for scope_el in characteristics(store, area).flat_map(|a| characteristics(a, scope)) {
                for cert_el in scope_el.children.iter().filter(|c| is_characteristic(c)) {
                    let Some(encoded) = parm(cert_el, "EncodedCertificate") else {
                        if cert_el.attr("type") == Some("WSTEP") {
                            stores.renewal = stores.renewal.take().or(read_renewal(cert_el)?);
                        }
                        continue;
                    };
                    count += 1;
                    if count > MAX_CERTIFICATES {
                        return Err(ProvisioningError::TooManyCertificates {
                            limit: MAX_CERTIFICATES,
                        });
                    }
                    let thumbprint = shorten(cert_el.attr("type").unwrap_or_default());
                    let (der, key) = decode_cert(encoded, path, &thumbprint)?;
                    match (area, scope) {
                        ("Root", _) => stores.root.push(der),
                        ("CA", _) => stores.ca.push(der),
                        (_, "User") => stores.my.push((der, CertStore::MyUser, key)),
                        _ => stores.my.push((der, CertStore::MySystem, key)),
                    }
                }
            }
        }
        // MS-MDE2 §2.2.9.2 places WSTEP directly under My.
        for wstep in characteristics(store, "My").flat_map(|my| characteristics(my, "WSTEP")) {
            stores.renewal = stores.renewal.take().or(read_renewal(wstep)?);
        }
    }
    Ok(stores)
}

fn decode_cert(
    encoded: &str,
    store: &str,
    thumbprint: &str,
) -> Result<(Vec<u8>, KeyBits), ProvisioningError> {
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| ProvisioningError::BadBase64 {
            store: store.to_owned(),
            thumbprint: thumbprint.to_owned(),
        })?;
    let bad = |source| ProvisioningError::BadCertificate {
        store: store.to_owned(),
        thumbprint: thumbprint.to_owned(),
        source,
    };
    let cert = x509_cert::Certificate::from_der(&der).map_err(bad)?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let key = (
        spki.algorithm.oid.to_string(),
        spki.subject_public_key.raw_bytes().to_vec(),
    );
    Ok((der, key))
}

fn spki_key_bits(spki_der: &[u8]) -> Option<KeyBits> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    Some((
        spki.algorithm.oid.to_string(),
        spki.subject_public_key.raw_bytes().to_vec(),
    ))
}

fn read_renewal(wstep: &Element) -> Result<Option<Renewal>, ProvisioningError> {
    let Some(renew) = characteristics(wstep, "Renew").next() else {
        return Ok(None);
    };
    const C: &str = "WSTEP/Renew";
    Ok(Some(Renewal {
        robo_support: parm_bool(renew, C, "ROBOSupport")?,
        renew_period_days: match parm_u32(renew, C, "RenewPeriod")? {
            Some(days) => Some(days),
            None => parm_u32(renew, C, "RenewalPeriod")?,
        },
        retry_interval_days: parm_u32(renew, C, "RetryInterval")?,
        server_url: parm(renew, "ServerURL").map(str::to_owned),
    }))
}

fn read_account(root: &Element) -> Result<DmAccount, ProvisioningError> {
    const C: &str = "APPLICATION";
    let app = characteristics(root, "APPLICATION")
        .find(|a| parm(a, "APPID") == Some("w7"))
        .ok_or(ProvisioningError::MissingApplication)?;
    let address = parm(app, "ADDR")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or(ProvisioningError::MissingParm {
            characteristic: C,
            parm: "ADDR",
        })?;
    let host = crate::http::strip_prefix_ignore_case(address, "https://")
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    if host.is_none_or(str::is_empty) || address.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(ProvisioningError::InsecureAddress(shorten(address)));
    }
    let provider_id = parm(app, "PROVIDER-ID").filter(|p| !p.is_empty()).ok_or(
        ProvisioningError::MissingParm {
            characteristic: C,
            parm: "PROVIDER-ID",
        },
    )?;
    let app_auth = characteristics(app, "APPAUTH")
        .map(|a| AppAuth {
            level: parm(a, "AAUTHLEVEL").unwrap_or_default().to_owned(),
            auth_type: parm(a, "AAUTHTYPE").map(str::to_owned),
            name: parm(a, "AAUTHNAME").map(str::to_owned),
            secret: parm(a, "AAUTHSECRET").map(str::to_owned),
            data: parm(a, "AAUTHDATA").map(str::to_owned),
        })
        .collect();
    Ok(DmAccount {
        address: address.to_owned(),
        provider_id: provider_id.to_owned(),
        name: parm(app, "NAME").map(str::to_owned),
        role: parm(app, "ROLE").map(str::to_owned),
        server_list: parm(app, "ServerList").map(str::to_owned),
        backcompat_retry_disabled: has_parm(app, "BACKCOMPATRETRYDISABLED"),
        conn_retry_freq: parm_u32(app, C, "CONNRETRYFREQ")?,
        initial_backoff_ms: parm_u64(app, C, "INITIALBACKOFFTIME")?,
        max_backoff_ms: parm_u64(app, C, "MAXBACKOFFTIME")?,
        default_encoding: parm(app, "DEFAULTENCODING").map(str::to_owned),
        protocol_version: parm(app, "PROTOVER").map(str::to_owned),
        use_hw_dev_id: has_parm(app, "USEHWDEVID"),
        ssl_client_cert_search_criteria: parm(app, "SSLCLIENTCERTSEARCHCRITERIA")
            .map(str::to_owned),
        crl_check: parm(app, "CRLCheck").map(str::to_owned),
        app_auth,
    })
}

fn read_dm_client(
    root: &Element,
    provider_id: &str,
) -> Result<DmClientSettings, ProvisioningError> {
    const C: &str = "DMClient/Provider";
    const P: &str = "DMClient/Provider/Poll";
    let Some(provider) = characteristics(root, "DMClient")
        .flat_map(|d| characteristics(d, "Provider"))
        .flat_map(|p| characteristics(p, provider_id))
        .next()
    else {
        return Ok(DmClientSettings::default());
    };
    let poll = match characteristics(provider, "Poll").next() {
        Some(p) => PollSchedule {
            interval_for_first_set_of_retries: parm_u32(p, P, "IntervalForFirstSetOfRetries")?,
            number_of_first_retries: parm_u32(p, P, "NumberOfFirstRetries")?,
            interval_for_second_set_of_retries: parm_u32(p, P, "IntervalForSecondSetOfRetries")?,
            number_of_second_retries: parm_u32(p, P, "NumberOfSecondRetries")?,
            interval_for_remaining_scheduled_retries: parm_u32(
                p,
                P,
                "IntervalForRemainingScheduledRetries",
            )?,
            number_of_remaining_scheduled_retries: parm_u32(
                p,
                P,
                "NumberOfRemainingScheduledRetries",
            )?,
            poll_on_login: parm_bool(p, P, "PollOnLogin")?,
            all_users_poll_on_first_login: parm_bool(p, P, "AllUsersPollOnFirstLogin")?,
        },
        None => PollSchedule::default(),
    };
    Ok(DmClientSettings {
        upn: parm(provider, "UPN").map(str::to_owned),
        ent_device_name: parm(provider, "EntDeviceName").map(str::to_owned),
        ent_dmid: parm(provider, "EntDMID").map(str::to_owned),
        enable_oma_dm_keep_alive_message: parm_bool(provider, C, "EnableOmaDmKeepAliveMessage")?,
        require_message_signing: parm_bool(provider, C, "RequireMessageSigning")?,
        sync_application_version: parm(provider, "SyncApplicationVersion").map(str::to_owned),
        poll,
    })
}

fn is_characteristic(e: &Element) -> bool {
    e.ns.is_none() && e.name == "characteristic"
}

fn characteristics<'a>(parent: &'a Element, kind: &'a str) -> impl Iterator<Item = &'a Element> {
    parent
        .children
        .iter()
        .filter(move |c| is_characteristic(c) && c.attr("type") == Some(kind))
}

fn parm_element<'a>(parent: &'a Element, name: &str) -> Option<&'a Element> {
    parent
        .children
        .iter()
        .find(|c| c.ns.is_none() && c.name == "parm" && c.attr("name") == Some(name))
}

fn has_parm(parent: &Element, name: &str) -> bool {
    parm_element(parent, name).is_some()
}

fn parm<'a>(parent: &'a Element, name: &str) -> Option<&'a str> {
    parm_element(parent, name).and_then(|p| p.attr("value"))
}

fn parm_u64(
    parent: &Element,
    characteristic: &'static str,
    name: &'static str,
) -> Result<Option<u64>, ProvisioningError> {
    parm(parent, name)
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| ProvisioningError::InvalidParm {
                    characteristic,
                    parm: name,
                    value: shorten(v),
                    expected: "a non-negative integer",
                })
        })
        .transpose()
}

fn parm_u32(
    parent: &Element,
    characteristic: &'static str,
    name: &'static str,
) -> Result<Option<u32>, ProvisioningError> {
    parm(parent, name)
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| ProvisioningError::InvalidParm {
                    characteristic,
                    parm: name,
                    value: shorten(v),
                    expected: "a non-negative 32-bit integer",
                })
        })
        .transpose()
}

fn parm_bool(
    parent: &Element,
    characteristic: &'static str,
    name: &'static str,
) -> Result<Option<bool>, ProvisioningError> {
    parm(parent, name)
        .map(|v| match v.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ProvisioningError::InvalidParm {
                characteristic,
                parm: name,
                value: shorten(v),
                expected: "true or false",
            }),
        })
        .transpose()
}

/// Most certificates accepted in one provisioning document.
pub const MAX_CERTIFICATES: usize = 16;
