//! The test server's throwaway PKI: a CA and a server certificate for 127.0.0.1 made at
//! start, client certificates issued for the device's key, and the checks the server makes
//! on the device's PKCS#10 request: those of Fleet's Windows request parser (no trailing
//! data, RSA key with NULL parameters and a positive modulus and exponent, no duplicate
//! attributes or requested extensions, PrintableString plus `!` and NUL in the subject)
//! and the shape of a real Windows request (reference §3.2), with the signature verified.

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Header, Reader, SliceReader, Tag, Tagged};
use rand_core::{OsRng, RngCore};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm,
};
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::traits::PublicKeyParts;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use x509_cert::ext::Extension;
use x509_cert::request::{CertReq, Version};

use crate::spec::{
    OID_COMMON_NAME, OID_EXTENSION_REQUEST, OID_MS_DEVICE_ID_EXTENSION, OID_RSA_ENCRYPTION,
    SUBJECT_PREFIX_CHARS, SignatureHash,
};

/// The CA, the server's certificate and key.
pub(crate) struct Pki {
    ca_key: KeyPair,
    ca_params: CertificateParams,
    pub(crate) ca_der: Vec<u8>,
    pub(crate) ca_pem: String,
    pub(crate) server_cert_der: Vec<u8>,
    pub(crate) server_key_pkcs8: Vec<u8>,
}

impl Pki {
    /// A fresh CA and a server certificate for 127.0.0.1 and localhost.
    pub(crate) fn new() -> Result<Self, rcgen::Error> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "pfw test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;

        let server_key = KeyPair::generate()?;
        let mut server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "pfw test server");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        Ok(Self {
            ca_der: ca_cert.der().to_vec(),
            ca_pem: ca_cert.pem(),
            server_cert_der: server_cert.der().to_vec(),
            server_key_pkcs8: server_key.serialize_der(),
            ca_key,
            ca_params,
        })
    }

    /// A client certificate for `device_id` carrying `public_key`, signed by the CA.
    pub(crate) fn issue_client_cert(
        &self,
        device_id: &str,
        public_key: &impl PublicKeyData,
    ) -> Result<Vec<u8>, rcgen::Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, device_id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let mut serial = [0u8; 16];
        OsRng.fill_bytes(&mut serial);
        serial[0] &= 0x7f;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let issuer = Issuer::from_params(&self.ca_params, &self.ca_key);
        Ok(params.signed_by(public_key, &issuer)?.der().to_vec())
    }
}

/// An RSA public key (PKCS#1 DER) for rcgen to certify.
pub(crate) struct RsaKeyData {
    pub(crate) pkcs1: Vec<u8>,
}

impl PublicKeyData for RsaKeyData {
    fn der_bytes(&self) -> &[u8] {
        &self.pkcs1
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        // Only its SubjectPublicKeyInfo algorithm (rsaEncryption, NULL) is used here.
        &rcgen::PKCS_RSA_SHA256
    }
}

/// Checks a device's PKCS#10 request; returns its RSA public key (PKCS#1 DER) and every
/// problem found.
pub(crate) fn check_csr(
    der: &[u8],
    device_id: &str,
    expected_hash: SignatureHash,
    min_bits: u32,
) -> (Option<RsaKeyData>, Vec<String>) {
    let mut problems = Vec::new();
    let req = match CertReq::from_der(der) {
        Ok(req) => req,
        Err(e) => return (None, vec![format!("CSR: not a PKCS#10 request: {e}")]),
    };
    if req.info.version != Version::V1 {
        problems.push("CSR: version is not 0".to_owned());
    }
    check_subject(&req, device_id, &mut problems);
    check_attributes(&req, device_id, &mut problems);

    let spki = &req.info.public_key;
    if spki.algorithm.oid != OID_RSA_ENCRYPTION {
        problems.push(format!(
            "CSR: key algorithm {} is not RSA",
            spki.algorithm.oid
        ));
        return (None, problems);
    }
    if spki.algorithm.parameters.as_ref().map(|p| p.tag()) != Some(Tag::Null) {
        problems.push("CSR: RSA key missing NULL parameters".to_owned());
    }
    let pkcs1 = spki.subject_public_key.raw_bytes().to_vec();
    let public = match RsaPublicKey::from_pkcs1_der(&pkcs1) {
        Ok(k) => k,
        Err(e) => {
            problems.push(format!("CSR: invalid RSA public key: {e}"));
            return (None, problems);
        }
    };
    let bits = public.size() * 8;
    if bits < min_bits as usize {
        problems.push(format!(
            "CSR: RSA key of {bits} bits, policy asks {min_bits}"
        ));
    }

    match SignatureHash::from_signature_oid(&req.algorithm.oid) {
        Some(hash) if hash == expected_hash => {}
        Some(hash) => problems.push(format!(
            "CSR: signed with {hash:?}, the policy asked for {expected_hash:?}"
        )),
        None => problems.push(format!(
            "CSR: signature algorithm {} is not RSA PKCS#1 v1.5",
            req.algorithm.oid
        )),
    }
    if req
        .algorithm
        .parameters
        .as_ref()
        .is_some_and(|p| p.tag() != Tag::Null)
    {
        problems.push("CSR: signature algorithm parameters are not NULL".to_owned());
    }
    match raw_tbs(der) {
        Some(tbs) => {
            if !verify(public, &req, tbs) {
                problems.push("CSR: signature does not verify".to_owned());
            }
        }
        None => problems.push("CSR: cannot locate the request info".to_owned()),
    }
    (Some(RsaKeyData { pkcs1 }), problems)
}

fn check_subject(req: &CertReq, device_id: &str, problems: &mut Vec<String>) {
    let rdns = &req.info.subject.0;
    let atvs: Vec<_> = rdns.iter().flat_map(|rdn| rdn.0.iter()).collect();
    if rdns.len() != 1 || atvs.len() != 1 || atvs[0].oid != OID_COMMON_NAME {
        problems.push("CSR: subject is not one common name".to_owned());
        return;
    }
    // The check above makes `atvs` exactly one long.
    let value = &atvs[0].value;
    if value.tag() != Tag::PrintableString {
        problems.push(format!(
            "CSR: subject CN is a {}, not a PrintableString",
            value.tag()
        ));
    }
    let bytes = value.value();
    if !bytes.iter().all(|b| is_windows_printable(*b)) {
        problems
            .push("CSR: subject CN has characters outside PrintableString, '!' and NUL".to_owned());
    }
    let Some((&0, text)) = bytes.split_last() else {
        problems.push("CSR: subject CN does not end with NUL".to_owned());
        return;
    };
    let text = String::from_utf8_lossy(text);
    match text.split_once('!') {
        Some((prefix, id)) => {
            if prefix.len() != SUBJECT_PREFIX_CHARS {
                problems.push(format!(
                    "CSR: subject prefix has {} characters, not {SUBJECT_PREFIX_CHARS}",
                    prefix.len()
                ));
            }
            if id != device_id {
                problems.push(format!(
                    "CSR: subject DeviceID {id:?} is not the DeviceID context item {device_id:?}"
                ));
            }
        }
        None => problems.push("CSR: subject CN has no '!'".to_owned()),
    }
}

fn check_attributes(req: &CertReq, device_id: &str, problems: &mut Vec<String>) {
    let mut seen: Vec<ObjectIdentifier> = Vec::new();
    let mut found_extension = false;
    for attr in req.info.attributes.iter() {
        if seen.contains(&attr.oid) {
            problems.push("CSR: certificate request contains duplicate attributes".to_owned());
        }
        seen.push(attr.oid);
        if attr.oid != OID_EXTENSION_REQUEST {
            problems.push(format!("CSR: unexpected attribute {}", attr.oid));
            continue;
        }
        let Some(first) = attr.values.iter().next() else {
            problems.push("CSR: empty extensionRequest".to_owned());
            continue;
        };
        let extensions: Vec<Extension> = match first.decode_as() {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("CSR: extensionRequest does not decode: {e}"));
                continue;
            }
        };
        let mut ids: Vec<ObjectIdentifier> = Vec::new();
        for ext in &extensions {
            if ids.contains(&ext.extn_id) {
                problems.push(
                    "CSR: certificate request contains duplicate requested extensions".to_owned(),
                );
            }
            ids.push(ext.extn_id);
            if ext.extn_id == OID_MS_DEVICE_ID_EXTENSION {
                found_extension = true;
                let mut expected = device_id.as_bytes().to_vec();
                expected.push(0);
                if ext.extn_value.as_bytes() != expected.as_slice() {
                    problems.push(
                        "CSR: extension 1.3.6.1.4.1.311.66.1.0 is not the DeviceID plus NUL"
                            .to_owned(),
                    );
                }
            }
        }
    }
    if !found_extension {
        problems.push("CSR: no extension 1.3.6.1.4.1.311.66.1.0 (DeviceID)".to_owned());
    }
}

/// Go's PrintableString set plus the two characters Windows puts in the subject.
fn is_windows_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || (b'\''..=b')').contains(&b)
        || (b'+'..=b'/').contains(&b)
        || matches!(b, b' ' | b':' | b'=' | b'?' | b'!' | 0)
}

/// The DER bytes of the request info exactly as sent (the signed bytes).
fn raw_tbs(der: &[u8]) -> Option<&[u8]> {
    let mut reader = SliceReader::new(der).ok()?;
    let _outer = Header::decode(&mut reader).ok()?;
    let start = usize::try_from(reader.position()).ok()?;
    let inner = Header::decode(&mut reader).ok()?;
    let len = usize::try_from((inner.encoded_len().ok()? + inner.length).ok()?).ok()?;
    der.get(start..start.checked_add(len)?)
}

fn verify(public: RsaPublicKey, req: &CertReq, tbs: &[u8]) -> bool {
    let Ok(signature) = Signature::try_from(req.signature.raw_bytes()) else {
        return false;
    };
    match SignatureHash::from_signature_oid(&req.algorithm.oid) {
        Some(SignatureHash::Sha1) => verifies::<Sha1>(public, tbs, &signature),
        Some(SignatureHash::Sha256) => verifies::<Sha256>(public, tbs, &signature),
        Some(SignatureHash::Sha384) => verifies::<Sha384>(public, tbs, &signature),
        Some(SignatureHash::Sha512) => verifies::<Sha512>(public, tbs, &signature),
        _ => false,
    }
}

/// Whether `signature` over `tbs` is `public`'s, PKCS#1 v1.5 with digest `D`.
fn verifies<D>(public: RsaPublicKey, tbs: &[u8], signature: &Signature) -> bool
where
    D: sha2::Digest + der::oid::AssociatedOid,
{
    VerifyingKey::<D>::new(public)
        .verify(tbs, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pfw_session::DeviceId;
    use pfw_session::enroll::csr::build_csr;

    /// The device's hash for the server's: the device code only makes requests here.
    fn device(hash: SignatureHash) -> pfw_session::SignatureHash {
        match hash {
            SignatureHash::Sha1 => pfw_session::SignatureHash::Sha1,
            SignatureHash::Sha256 => pfw_session::SignatureHash::Sha256,
            SignatureHash::Sha384 => pfw_session::SignatureHash::Sha384,
            SignatureHash::Sha512 => pfw_session::SignatureHash::Sha512,
        }
    }

    fn test_key() -> pfw_session::DeviceKey {
        static KEY: std::sync::OnceLock<pfw_session::DeviceKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| pfw_session::DeviceKey::generate(2048).expect("RSA key in tests"))
            .clone()
    }

    #[test]
    fn device_csr_passes_every_check() {
        let key = test_key();
        let id = DeviceId::generate();
        let csr = build_csr(&key, &id, device(SignatureHash::Sha1)).unwrap();
        let (public, problems) = check_csr(&csr, id.as_str(), SignatureHash::Sha1, 2048);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(public.is_some());
    }

    #[test]
    fn tampered_csr_is_caught() {
        let key = test_key();
        let id = DeviceId::generate();
        let mut csr = build_csr(&key, &id, device(SignatureHash::Sha1)).unwrap();
        // Flip one character of the subject's GUID prefix: the signature no longer verifies.
        let marker = format!("!{}", id.as_str()).into_bytes();
        let at = csr
            .windows(marker.len())
            .position(|w| w == marker.as_slice())
            .expect("the subject holds !DeviceID");
        csr[at - 1] ^= 0x01;
        let (_, problems) = check_csr(&csr, id.as_str(), SignatureHash::Sha1, 2048);
        assert!(
            problems.iter().any(|p| p.contains("does not verify")),
            "{problems:?}"
        );
    }

    #[test]
    fn wrong_device_id_hash_and_size_are_reported() {
        let key = test_key();
        let id = DeviceId::generate();
        let csr = build_csr(&key, &id, device(SignatureHash::Sha256)).unwrap();
        let other = DeviceId::generate();
        let (_, problems) = check_csr(&csr, other.as_str(), SignatureHash::Sha1, 4096);
        let text = problems.join("\n");
        assert!(text.contains("is not the DeviceID context item"), "{text}");
        assert!(text.contains("the policy asked for Sha1"), "{text}");
        assert!(text.contains("policy asks 4096"), "{text}");
        assert!(text.contains("not the DeviceID plus NUL"), "{text}");
    }

    #[test]
    fn trailing_data_is_refused() {
        let key = test_key();
        let id = DeviceId::generate();
        let mut csr = build_csr(&key, &id, device(SignatureHash::Sha1)).unwrap();
        csr.push(0);
        let (public, problems) = check_csr(&csr, id.as_str(), SignatureHash::Sha1, 2048);
        assert!(public.is_none());
        assert!(problems[0].contains("not a PKCS#10"), "{problems:?}");
    }

    #[test]
    fn issued_certificate_carries_the_device_key() {
        let pki = Pki::new().unwrap();
        let key = test_key();
        let spki_der = key.public_key_der().unwrap();
        let spki = spki::SubjectPublicKeyInfoRef::from_der(&spki_der).unwrap();
        let data = RsaKeyData {
            pkcs1: spki.subject_public_key.raw_bytes().to_vec(),
        };
        let cert = pki.issue_client_cert("ABC", &data).unwrap();
        let parsed = x509_cert::Certificate::from_der(&cert).unwrap();
        assert_eq!(
            parsed
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .unwrap(),
            spki_der
        );
    }
}
