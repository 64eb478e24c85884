//! Who the emulated device says it is during enrollment: its stable identifier and the facts
//! Windows sends in `Discover` and in the `AdditionalContext` of `RequestSecurityToken`.
//!
//! A Windows DeviceID is 32 upper-case hexadecimal digits (a GUID without dashes) in the
//! real capture quoted by the reference; pfw generates one once per device and keeps it. The
//! other identifiers a real device reads from its hardware (HWDevID, the device name, MAC
//! addresses) are derived from the DeviceID so that they too stay stable.

use std::fmt;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::error::RecordError;

/// The device's stable identifier: 32 upper-case hexadecimal digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceId(String);

impl DeviceId {
    /// A fresh random identifier.
    pub fn generate() -> Self {
        Self(random_hex_upper(16))
    }

    /// Parses 32 hexadecimal digits (either case; kept upper-case).
    pub fn parse(text: &str) -> Result<Self, RecordError> {
        if text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(text.to_ascii_uppercase()))
        } else {
            Err(RecordError::InvalidDeviceId(crate::xml::shorten(text)))
        }
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeviceId {
    type Error = RecordError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DeviceId> for String {
    fn from(id: DeviceId) -> Self {
        id.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.0)
    }
}

/// `EnrollmentType` context item: a user enrolling from Settings, or the device itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnrollmentType {
    /// Device-context enrollment (no user; Azure AD join sends this).
    Device,
    /// A user enrolling from Settings (the real capture).
    Full,
}

impl EnrollmentType {
    /// The value as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Device => "Device",
            Self::Full => "Full",
        }
    }
}

/// The facts a device states about itself while enrolling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// `DeviceID`: the stable identifier, later the SyncML Source and `./DevInfo/DevId`.
    pub device_id: DeviceId,
    /// `HWDevID`: 64 hexadecimal characters.
    pub hw_dev_id: String,
    /// `DeviceName`, like `DESKTOP-28FGAI6`.
    pub device_name: String,
    /// `OSVersion` and `ApplicationVersion`: `major.minor.build.revision`.
    pub os_version: String,
    /// `OSEdition`: the Windows product type (`PRODUCT_*`), 4 = Enterprise.
    pub os_edition: u32,
    /// `DeviceType`: `CIMClient_Windows` for a desktop.
    pub device_type: String,
    /// `Locale`, like `en-US`.
    pub locale: String,
    /// `MAC` items, hyphenated upper-case as Windows sends them.
    pub macs: Vec<String>,
    /// `EnrollmentType`.
    pub enrollment_type: EnrollmentType,
    /// `RequestVersion` of `Discover` (the real capture sends 4.0).
    pub request_version: String,
}

impl DeviceInfo {
    /// A Windows 11 24H2 Enterprise desktop with this identifier; the other identifiers
    /// derived from it.
    pub fn new(device_id: DeviceId) -> Self {
        let id = device_id.as_str();
        Self {
            hw_dev_id: pfw_devinfo::facts::hw_dev_id(id),
            device_name: pfw_devinfo::facts::device_name(id),
            macs: vec![pfw_devinfo::facts::mac_address(id)],
            device_id,
            os_version: DEFAULT_OS_VERSION.to_owned(),
            os_edition: DEFAULT_OS_EDITION,
            device_type: DEVICE_TYPE_DESKTOP.to_owned(),
            locale: pfw_devinfo::facts::LANGUAGE.to_owned(),
            enrollment_type: EnrollmentType::Full,
            request_version: "4.0".to_owned(),
        }
    }

    /// The device a state emulates: its identifier, its build (as the four-part version
    /// `DevDetail/SwV` answers) and its edition.
    pub fn emulated(device_id: DeviceId, device: pfw_tree::Device) -> Self {
        Self {
            os_version: pfw_devinfo::facts::software_version(device.build),
            os_edition: device.edition,
            ..Self::new(device_id)
        }
    }
}

/// Random bytes from the operating system, as upper-case hexadecimal.
pub(crate) fn random_hex_upper(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex_upper(&buf)
}

/// A random (version 4) UUID in its lower-case hyphenated form.
pub(crate) fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    // 16 bytes give 32 ASCII hex digits: every range below is in bounds.
    let h = hex_lower(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Bytes as upper-case hexadecimal.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `DeviceType` of a Windows desktop.
pub const DEVICE_TYPE_DESKTOP: &str = "CIMClient_Windows";
/// Default `OSVersion`: Windows 11 24H2 (build 26100), the default emulated build.
pub const DEFAULT_OS_VERSION: &str = "10.0.26100.1";
/// Default `OSEdition`: 4, Enterprise.
pub const DEFAULT_OS_EDITION: u32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_device_ids_look_like_windows_ones() {
        let a = DeviceId::generate();
        let b = DeviceId::generate();
        assert_ne!(a, b);
        // The capture's DeviceID: 32 upper-case hex digits.
        assert_eq!(a.as_str().len(), 32);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
        );
        assert_eq!(DeviceId::parse(a.as_str()).unwrap(), a);
    }

    #[test]
    fn device_id_parse_table() {
        for (text, ok) in [
            ("1E08C6E95D8BB843B1278FF45BC60CC6", true), // the real capture's DeviceID
            ("1e08c6e95d8bb843b1278ff45bc60cc6", true), // lower case accepted, upper-cased
            ("1E08C6E9-5D8B-B843-B127-8FF45BC60CC6", false), // dashed GUID (Learn samples)
            ("1E08C6E95D8BB843B1278FF45BC60CC", false), // 31 digits
            ("ZE08C6E95D8BB843B1278FF45BC60CC6", false), // not hex
        ] {
            assert_eq!(DeviceId::parse(text).is_ok(), ok, "{text}");
        }
        assert_eq!(
            DeviceId::parse("1e08c6e95d8bb843b1278ff45bc60cc6")
                .unwrap()
                .as_str(),
            "1E08C6E95D8BB843B1278FF45BC60CC6"
        );
    }

    #[test]
    fn derived_identifiers_are_stable_and_shaped() {
        let id = DeviceId::parse("1E08C6E95D8BB843B1278FF45BC60CC6").unwrap();
        let a = DeviceInfo::new(id.clone());
        let b = DeviceInfo::new(id);
        assert_eq!(a, b);
        // HWDevID: "64-hex character length" (MS-MDE2 3.4.4.1.1.1).
        assert_eq!(a.hw_dev_id.len(), 64);
        assert!(a.hw_dev_id.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a.device_name, "DESKTOP-1E08C6E");
        // MAC in the capture's hyphenated form.
        assert_eq!(a.macs[0].len(), 17);
        assert_eq!(a.macs[0].matches('-').count(), 5);
    }

    #[test]
    fn uuid_is_version_4() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn device_id_serde_refuses_bad_ids() {
        let ok: Result<DeviceId, _> = serde_json::from_str("\"1E08C6E95D8BB843B1278FF45BC60CC6\"");
        assert!(ok.is_ok());
        let bad: Result<DeviceId, _> = serde_json::from_str("\"nope\"");
        assert!(bad.is_err());
    }
}
