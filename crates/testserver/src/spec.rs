//! The literals the test server checks a device's requests against, written from the
//! reference (`reference/enrollment-facts.md`, section named on each), not taken from the
//! device code under test: a device that misspells one of them fails the server's checks
//! instead of agreeing with itself.

use der::asn1::ObjectIdentifier;

/// SOAP 1.2 envelope namespace (§1.3, §1.4).
pub(crate) const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// WS-Addressing namespace (§1.3).
pub(crate) const NS_ADDRESSING: &str = "http://www.w3.org/2005/08/addressing";
/// MS-MDE2 discovery namespace (§1.3).
pub(crate) const NS_ENROLLMENT: &str =
    "http://schemas.microsoft.com/windows/management/2012/01/enrollment";
/// MS-XCEP namespace (§2).
pub(crate) const NS_POLICY: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy";
/// WS-Security secext namespace (§2, §3.1).
pub(crate) const NS_WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security utility namespace (§2, §3.3).
pub(crate) const NS_WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// WS-Trust 1.3 namespace (§3.1).
pub(crate) const NS_TRUST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
/// The AdditionalContext namespace (§3.1).
pub(crate) const NS_AUTHORIZATION: &str = "http://schemas.xmlsoap.org/ws/2006/12/authorization";
/// XML Schema instance namespace (`xsi:nil`, §1.3, §2).
pub(crate) const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// WS-Addressing anonymous reply address (§1.3).
pub(crate) const ADDRESS_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
/// Action of `Discover` (§1.3).
pub(crate) const ACTION_DISCOVER: &str =
    "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover";
/// Action of `GetPolicies` (§2).
pub(crate) const ACTION_GET_POLICIES: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies";
/// Action of `RequestSecurityToken` (§3.1).
pub(crate) const ACTION_RST: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep";
/// `TokenType` of an enrollment request (§3.1).
pub(crate) const TOKEN_TYPE_DEVICE_ENROLLMENT: &str =
    "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken";
/// `RequestType` of a first enrollment (§3.1).
pub(crate) const REQUEST_TYPE_ISSUE: &str =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
/// `ValueType` of the request's PKCS#10 token (§3.1).
pub(crate) const VALUE_TYPE_PKCS10: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10";
/// `ValueType` of a federated user token (§1.5, §2).
pub(crate) const VALUE_TYPE_USER_TOKEN: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken";
/// `ValueType` of the provisioning document in the response (§3.3).
pub(crate) const VALUE_TYPE_PROVISION_DOC: &str = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc";
/// `EncodingType` of base64 tokens (§1.5, §2).
pub(crate) const ENCODING_BASE64: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#base64binary";
/// `wsse:Type` of a clear-text password (§2).
pub(crate) const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
/// The `u:Id` of the UsernameToken (§2, MS-MDE2 §3.3.4.1.1.1.3).
pub(crate) const USERNAME_TOKEN_ID: &str = "uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4";

/// Characters of the GUID prefix in the request's common name (§3.2).
pub(crate) const SUBJECT_PREFIX_CHARS: usize = 30;
/// id-at-commonName (§3.2).
pub(crate) const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// PKCS#9 extensionRequest (§3.2).
pub(crate) const OID_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
/// The Microsoft extension carrying the DeviceID in a Windows request (§3.2).
pub(crate) const OID_MS_DEVICE_ID_EXTENSION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.66.1.0");
/// rsaEncryption (RFC 8017 A.1).
pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The hash of the request's signature (the policy's `hashAlgorithmOIDReference`, §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureHash {
    /// SHA-1 (what a device uses when the policy names none, §2.1).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl SignatureHash {
    /// The hash a policy OID names: a hash algorithm or an RSA signature built on one
    /// (RFC 8017 A.2.4, NIST CSOR).
    pub(crate) fn from_oid(oid: &str) -> Option<Self> {
        match oid {
            "1.3.14.3.2.26" | "1.3.14.3.2.29" | "1.2.840.113549.1.1.5" => Some(Self::Sha1),
            "2.16.840.1.101.3.4.2.1" | "1.2.840.113549.1.1.11" => Some(Self::Sha256),
            "2.16.840.1.101.3.4.2.2" | "1.2.840.113549.1.1.12" => Some(Self::Sha384),
            "2.16.840.1.101.3.4.2.3" | "1.2.840.113549.1.1.13" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The hash a `sha*WithRSAEncryption` signature OID names.
    pub(crate) fn from_signature_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match oid.to_string().as_str() {
            "1.2.840.113549.1.1.5" => Some(Self::Sha1),
            "1.2.840.113549.1.1.11" => Some(Self::Sha256),
            "1.2.840.113549.1.1.12" => Some(Self::Sha384),
            "1.2.840.113549.1.1.13" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// Upper-case hexadecimal, as certificate thumbprints are written (§3.4).
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}
