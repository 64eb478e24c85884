//! The device's RSA key and the PKCS#10 certificate request it sends in
//! `RequestSecurityToken`, shaped as a real Windows device's (reference §3.2): version 0; a
//! subject of one common name, a PrintableString holding a 30-character GUID prefix, `!`,
//! the DeviceID and a trailing NUL (characters a PrintableString does not allow, which is
//! why servers patch their parsers); one `extensionRequest` attribute holding the Microsoft
//! extension 1.3.6.1.4.1.311.66.1.0 whose value is the raw DeviceID plus NUL; RSA
//! PKCS#1 v1.5 signature with the hash the enrollment policy names (SHA-1 when it names
//! none, as Windows did in the capture).

use std::fmt;

use der::asn1::{BitString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tag};
use rand_core::OsRng;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::Extension;
use x509_cert::name::{RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, Version};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::enroll::device::{DeviceId, uuid_v4};
use crate::error::KeyError;

/// The device's RSA private key. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct DeviceKey {
    key: RsaPrivateKey,
}

impl DeviceKey {
    /// Generates a key of `bits` bits ([`MIN_KEY_BITS`]..=[`MAX_KEY_BITS`]; smaller
    /// requests get [`MIN_KEY_BITS`]).
    pub fn generate(bits: u32) -> Result<Self, KeyError> {
        if bits > MAX_KEY_BITS {
            return Err(KeyError::TooLarge {
                requested: bits,
                max: MAX_KEY_BITS,
            });
        }
        let bits = bits.max(MIN_KEY_BITS);
        // `bits` is at most MAX_KEY_BITS, so it fits in usize.
        let key = RsaPrivateKey::new(&mut OsRng, bits as usize).map_err(KeyError::Generate)?;
        Ok(Self { key })
    }

    /// Reads a PKCS#8 DER RSA private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Ok(Self {
            key: RsaPrivateKey::from_pkcs8_der(der)?,
        })
    }

    /// The key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.key.to_pkcs8_der()?.as_bytes().to_vec())
    }

    /// The public key as a DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        Ok(RsaPublicKey::from(&self.key)
            .to_public_key_der()?
            .as_bytes()
            .to_vec())
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> u32 {
        // An RSA modulus pfw handles is at most MAX_KEY_BITS bits.
        u32::try_from(self.key.size() * 8).unwrap_or(u32::MAX)
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey(RSA-{}, <redacted>)", self.bits())
    }
}

/// The hash of the request's RSA PKCS#1 v1.5 signature.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignatureHash {
    /// SHA-1 (the default when the policy names no hash).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl SignatureHash {
    /// The hash a policy OID names: a hash algorithm (`2.16.840.1.101.3.4.2.x`, SHA-1
    /// `1.3.14.3.2.26`) or an RSA signature algorithm built on one.
    pub fn from_oid(oid: &str) -> Option<Self> {
        match oid {
            "1.3.14.3.2.26" | "1.3.14.3.2.29" | "1.2.840.113549.1.1.5" => Some(Self::Sha1),
            "2.16.840.1.101.3.4.2.1" | "1.2.840.113549.1.1.11" => Some(Self::Sha256),
            "2.16.840.1.101.3.4.2.2" | "1.2.840.113549.1.1.12" => Some(Self::Sha384),
            "2.16.840.1.101.3.4.2.3" | "1.2.840.113549.1.1.13" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The `sha*WithRSAEncryption` signature algorithm OID.
    pub fn signature_oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => OID_SHA1_WITH_RSA,
            Self::Sha256 => OID_SHA256_WITH_RSA,
            Self::Sha384 => OID_SHA384_WITH_RSA,
            Self::Sha512 => OID_SHA512_WITH_RSA,
        }
    }

    /// The hash a `sha*WithRSAEncryption` OID names.
    pub fn from_signature_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|h| h.signature_oid() == *oid)
    }
}

/// Builds the DER PKCS#10 request for `key`, as a Windows device shapes it.
pub fn build_csr(
    key: &DeviceKey,
    device_id: &DeviceId,
    hash: SignatureHash,
) -> Result<Vec<u8>, KeyError> {
    // The subject: "<GUID cut to 30 characters>!<DeviceID>\0", one PrintableString CN.
    let guid = uuid_v4().to_ascii_uppercase();
    let prefix: String = guid.chars().take(SUBJECT_PREFIX_CHARS).collect();
    let mut cn = format!("{prefix}!{}", device_id.as_str()).into_bytes();
    cn.push(0);
    let cn = AttributeTypeAndValue {
        oid: OID_COMMON_NAME,
        value: Any::new(Tag::PrintableString, cn)?,
    };
    let rdn = RelativeDistinguishedName(SetOfVec::try_from(vec![cn])?);
    let subject = RdnSequence(vec![rdn]);

    let mut device_id_value = device_id.as_str().as_bytes().to_vec();
    device_id_value.push(0);
    let extensions = vec![Extension {
        extn_id: OID_MS_DEVICE_ID_EXTENSION,
        critical: false,
        extn_value: OctetString::new(device_id_value)?,
    }];
    let extension_request = Attribute {
        oid: OID_EXTENSION_REQUEST,
        values: SetOfVec::try_from(vec![Any::encode_from(&extensions)?])?,
    };

    let public_key = SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()?)?;
    let info = CertReqInfo {
        version: Version::V1,
        subject,
        public_key,
        attributes: SetOfVec::try_from(vec![extension_request])?,
    };
    let info_der = info.to_der()?;
    let signature = sign(&key.key, hash, &info_der)?;
    let request = CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned {
            oid: hash.signature_oid(),
            parameters: Some(Any::null()),
        },
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(request.to_der()?)
}

fn sign(key: &RsaPrivateKey, hash: SignatureHash, message: &[u8]) -> Result<Vec<u8>, KeyError> {
    let signature = match hash {
        SignatureHash::Sha1 => SigningKey::<Sha1>::new(key.clone())
            .try_sign(message)?
            .to_vec(),
        SignatureHash::Sha256 => SigningKey::<Sha256>::new(key.clone())
            .try_sign(message)?
            .to_vec(),
        SignatureHash::Sha384 => SigningKey::<Sha384>::new(key.clone())
            .try_sign(message)?
            .to_vec(),
        SignatureHash::Sha512 => SigningKey::<Sha512>::new(key.clone())
            .try_sign(message)?
            .to_vec(),
    };
    Ok(signature)
}

/// Smallest key pfw generates (Windows's default minimum).
pub const MIN_KEY_BITS: u32 = 2048;
/// Largest key pfw generates, whatever a policy asks.
pub const MAX_KEY_BITS: u32 = 4096;
/// Characters of the GUID prefix in the request's common name (reference §3.2).
pub const SUBJECT_PREFIX_CHARS: usize = 30;

/// id-at-commonName.
pub const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// PKCS#9 extensionRequest.
pub const OID_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
/// The Microsoft extension carrying the DeviceID in a Windows enrollment request.
pub const OID_MS_DEVICE_ID_EXTENSION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.66.1.0");
/// rsaEncryption.
pub const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// sha1WithRSAEncryption.
pub const OID_SHA1_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// sha256WithRSAEncryption.
pub const OID_SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const OID_SHA384_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const OID_SHA512_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

#[cfg(test)]
mod tests {
    use der::Tagged;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;

    use super::*;
    use crate::test_key;

    #[test]
    fn csr_has_the_windows_shape() {
        let key = test_key();
        let id = DeviceId::parse("1E08C6E95D8BB843B1278FF45BC60CC6").unwrap();
        let der = build_csr(&key, &id, SignatureHash::Sha1).unwrap();
        let req = CertReq::from_der(&der).unwrap();
        assert_eq!(req.info.version, Version::V1);

        // Subject: one RDN, one CN, PrintableString, "<30>!<DeviceID>\0" = 64 bytes.
        let rdns = &req.info.subject.0;
        assert_eq!(rdns.len(), 1);
        let atvs: Vec<_> = rdns[0].0.iter().collect();
        assert_eq!(atvs.len(), 1);
        assert_eq!(atvs[0].oid, OID_COMMON_NAME);
        assert_eq!(atvs[0].value.tag(), Tag::PrintableString);
        let cn = atvs[0].value.value();
        assert_eq!(cn.len(), 64);
        assert_eq!(cn[30], b'!');
        assert_eq!(&cn[31..63], id.as_str().as_bytes());
        assert_eq!(cn[63], 0);

        // One extensionRequest with the DeviceID extension, raw ASCII + NUL.
        let attrs: Vec<_> = req.info.attributes.iter().collect();
        assert_eq!(attrs.len(), 1);
        assert_eq!(attrs[0].oid, OID_EXTENSION_REQUEST);
        let exts: Vec<Extension> = attrs[0].values.get(0).unwrap().decode_as().unwrap();
        assert_eq!(exts.len(), 1);
        assert_eq!(exts[0].extn_id, OID_MS_DEVICE_ID_EXTENSION);
        let mut expected = id.as_str().as_bytes().to_vec();
        expected.push(0);
        assert_eq!(exts[0].extn_value.as_bytes(), expected.as_slice());

        // sha1WithRSA with NULL parameters, and the signature verifies.
        assert_eq!(req.algorithm.oid, OID_SHA1_WITH_RSA);
        assert_eq!(req.algorithm.parameters, Some(Any::null()));
        assert_eq!(req.info.public_key.algorithm.oid, OID_RSA_ENCRYPTION);
        let public = RsaPublicKey::from_public_key_der(&key.public_key_der().unwrap()).unwrap();
        let sig = Signature::try_from(req.signature.raw_bytes()).unwrap();
        VerifyingKey::<Sha1>::new(public)
            .verify(&req.info.to_der().unwrap(), &sig)
            .unwrap();
    }

    #[test]
    fn csr_signature_follows_the_policy_hash() {
        let key = test_key();
        let id = DeviceId::generate();
        let der = build_csr(&key, &id, SignatureHash::Sha256).unwrap();
        let req = CertReq::from_der(&der).unwrap();
        assert_eq!(req.algorithm.oid, OID_SHA256_WITH_RSA);
        let public = RsaPublicKey::from_public_key_der(&key.public_key_der().unwrap()).unwrap();
        let sig = Signature::try_from(req.signature.raw_bytes()).unwrap();
        VerifyingKey::<Sha256>::new(public)
            .verify(&req.info.to_der().unwrap(), &sig)
            .unwrap();
    }

    #[test]
    fn hash_oids_table() {
        for (oid, hash) in [
            ("1.3.14.3.2.29", Some(SignatureHash::Sha1)), // Learn sample: szOID_OIWSEC_sha1RSASign
            ("1.3.14.3.2.26", Some(SignatureHash::Sha1)), // id-sha1 (RFC 3279)
            ("2.16.840.1.101.3.4.2.1", Some(SignatureHash::Sha256)), // id-sha256 (RFC 5754)
            ("1.2.840.113549.1.1.11", Some(SignatureHash::Sha256)), // sha256WithRSAEncryption
            ("2.16.840.1.101.3.4.2.3", Some(SignatureHash::Sha512)), // id-sha512
            ("1.2.840.113549.2.5", None),                 // MD5: refused
        ] {
            assert_eq!(SignatureHash::from_oid(oid), hash, "{oid}");
        }
    }

    #[test]
    fn key_round_trips_and_debug_redacts() {
        let key = test_key();
        let der = key.to_pkcs8_der().unwrap();
        let back = DeviceKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(
            back.public_key_der().unwrap(),
            key.public_key_der().unwrap()
        );
        assert_eq!(key.bits(), 2048);
        let shown = format!("{key:?}");
        assert!(shown.contains("redacted"));
        assert!(shown.len() < 60);
    }

    #[test]
    fn oversized_key_is_refused_before_generation() {
        assert!(matches!(
            DeviceKey::generate(1_000_000),
            Err(KeyError::TooLarge { .. })
        ));
    }
}
