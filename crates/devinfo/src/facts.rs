//! What the emulated device says about itself: its identifier (generated once per state), the
//! identifiers derived from it (hardware ID, device name, MAC address, firmware serial number),
//! the fixed hardware facts of the emulated machine (a Hyper-V virtual machine), and the values
//! that follow the emulated build and edition (software version, platform name).
//!
//! Every derivation is a pure function of the device identifier, so a device says the same
//! thing in its enrollment, in its DevInfo and DevDetail answers, and in every session.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use pfw_ddf::OsBuild;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::DevInfoError;

/// What the device CSPs answer from: the device identifier and the enrollment, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceFacts {
    /// The device identifier (32 upper-case hexadecimal digits); `None` when unknown (a
    /// registry built only to describe the schema).
    pub device_id: Option<String>,
    /// The management server the device is enrolled with.
    pub provider: Option<DmProvider>,
}

impl DeviceFacts {
    /// Facts for a device with this identifier and no enrollment.
    pub fn new(device_id: impl Into<String>) -> Self {
        Self {
            device_id: Some(device_id.into()),
            provider: None,
        }
    }

    /// The same facts with this enrollment.
    #[must_use]
    pub fn with_provider(mut self, provider: DmProvider) -> Self {
        self.provider = Some(provider);
        self
    }
}

/// The DMClient values of the enrolled management server: the provider ID (the name of its
/// `Provider` node) and the values below that node, by path relative to it
/// (`EntDMID`, `Poll/NumberOfFirstRetries`, …). A leaf without a value answers its DDF
/// default, else an empty string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DmProvider {
    /// The provider ID.
    pub provider_id: String,
    /// Values by relative path.
    pub values: BTreeMap<String, String>,
}

impl DmProvider {
    /// A provider with no values yet.
    pub fn new(provider_id: impl Into<String>) -> Self {
        Self {
            provider_id: provider_id.into(),
            values: BTreeMap::new(),
        }
    }

    /// Sets the value at `relative` (kept when `value` is `Some`).
    #[must_use]
    pub fn with(mut self, relative: &str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.values.insert(relative.to_owned(), value);
        }
        self
    }
}

/// A fresh device identifier: 16 random bytes as 32 upper-case hexadecimal digits (the form of
/// the DeviceID in the real Windows capture).
pub fn generate_device_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex_upper(&bytes)
}

/// Checks a device identifier: 32 hexadecimal digits, returned upper-case.
pub fn parse_device_id(text: &str) -> Result<String, DevInfoError> {
    if text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(DevInfoError::InvalidDeviceId(
            text.chars().take(64).collect::<String>(),
        ))
    }
}

/// The hardware identifier (`HWDevID`): 64 upper-case hexadecimal characters.
pub fn hw_dev_id(device_id: &str) -> String {
    hex_upper(&Sha256::digest(format!("pfw-hwdevid:{device_id}")))
}

/// The device name: `DESKTOP-` and the identifier's first seven characters (Windows names new
/// installations `DESKTOP-` and seven characters).
pub fn device_name(device_id: &str) -> String {
    let suffix: String = device_id.chars().take(7).collect();
    format!("DESKTOP-{suffix}")
}

/// The network adapter's MAC address, hyphenated upper-case as Windows writes it, under the
/// prefix Hyper-V gives its virtual adapters.
pub fn mac_address(device_id: &str) -> String {
    let digest = Sha256::digest(format!("pfw-mac:{device_id}"));
    // A SHA-256 digest is 32 bytes: indexes 0..3 exist.
    format!(
        "{MAC_OUI}-{:02X}-{:02X}-{:02X}",
        digest[0], digest[1], digest[2]
    )
}

/// The firmware serial number, in the digit groups Hyper-V uses
/// (`dddd-dddd-dddd-dddd-dddd-dddd-dd`).
pub fn serial_number(device_id: &str) -> String {
    let digest = Sha256::digest(format!("pfw-serial:{device_id}"));
    let digits: String = digest
        .iter()
        .take(26)
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    let mut out = String::with_capacity(32);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// The software version (`DevDetail/SwV`, the enrollment's `OSVersion`):
/// `major.minor.build.revision`, revision [`DEFAULT_REVISION`] when the emulated build gives
/// none.
pub fn software_version(build: OsBuild) -> String {
    format!(
        "{}.{}.{}.{}",
        build.major,
        build.minor,
        build.build,
        build.revision.unwrap_or(DEFAULT_REVISION)
    )
}

/// The platform name (`DevDetail/Ext/Microsoft/OSPlatform`): `Windows 11` from build 22000 on,
/// else `Windows 10`, then the edition's marketing name when pfw knows it.
pub fn os_platform(build: OsBuild, edition: u32) -> String {
    let windows = if build.major == 10 && build.build < 22000 {
        "Windows 10"
    } else {
        "Windows 11"
    };
    match EDITION_NAMES.iter().find(|(id, _)| *id == edition) {
        Some((_, name)) => format!("{windows} {name}"),
        None => windows.to_owned(),
    }
}

/// A moment as ISO 8601 UTC (`2003-06-16T18:37:44Z`, the DDF's example form).
pub fn iso8601(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let rest = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The current time as ISO 8601 UTC.
pub fn now_iso8601() -> String {
    iso8601(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Bytes as upper-case hexadecimal.
pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Revision used when the emulated build has none.
pub const DEFAULT_REVISION: u32 = 1;
/// `DevInfo/Man` and `DevDetail/OEM`: the emulated machine's maker.
pub const MANUFACTURER: &str = "Microsoft Corporation";
/// `DevInfo/Mod` and `DevDetail/DevTyp`: the emulated machine's model.
pub const MODEL: &str = "Virtual Machine";
/// `DevInfo/DmV`: the management client's version (the real capture and MS-MDM's example).
pub const DM_VERSION: &str = "1.3";
/// `DevInfo/Lang`: the user interface language.
pub const LANGUAGE: &str = "en-US";
/// `DevDetail/FwV` and `HwV`: the emulated machine's firmware version.
pub const FIRMWARE_VERSION: &str = "Hyper-V UEFI Release v4.1";
/// `DevDetail/Ext/Microsoft/Resolution`.
pub const RESOLUTION: &str = "1920x1080";
/// `ProcessorArchitecture`: `PROCESSOR_ARCHITECTURE_AMD64`.
pub const PROCESSOR_ARCHITECTURE: &str = "9";
/// `ProcessorType`: `PROCESSOR_AMD_X8664`.
pub const PROCESSOR_TYPE: &str = "8664";
/// `TotalRAM`, megabytes.
pub const TOTAL_RAM_MB: &str = "8192";
/// `SystemSKU` a virtual machine reports.
pub const SYSTEM_SKU: &str = "None";
/// `MaxSyncApplicationVersion`: the highest session protocol version the client speaks.
pub const MAX_SYNC_APPLICATION_VERSION: &str = "6.0";
/// Prefix Hyper-V gives virtual network adapters.
const MAC_OUI: &str = "00-15-5D";

/// Marketing names of editions by product type.
const EDITION_NAMES: &[(u32, &str)] = &[
    (0x04, "Enterprise"),
    (0x1B, "Enterprise N"),
    (0x30, "Pro"),
    (0x31, "Pro N"),
    (0x48, "Enterprise Evaluation"),
    (0x54, "Enterprise N Evaluation"),
    (0x62, "Home N"),
    (0x63, "Home China"),
    (0x64, "Home Single Language"),
    (0x65, "Home"),
    (0x79, "Education"),
    (0x7A, "Education N"),
    (0x7D, "Enterprise LTSC"),
    (0x7E, "Enterprise N LTSC"),
    (0x88, "Holographic for Business"),
    (0xA1, "Pro for Workstations"),
    (0xA2, "Pro N for Workstations"),
    (0xA4, "Pro Education"),
    (0xA5, "Pro Education N"),
    (0xBC, "IoT Enterprise"),
    (0xBF, "IoT Enterprise LTSC"),
    (0xCB, "SE"),
];

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTURE_ID: &str = "1E08C6E95D8BB843B1278FF45BC60CC6";

    #[test]
    fn device_ids_are_32_upper_hex_digits() {
        let a = generate_device_id();
        assert_ne!(a, generate_device_id());
        // The real capture's DeviceID form.
        assert_eq!(parse_device_id(&a).unwrap(), a);
        assert_eq!(
            parse_device_id(&CAPTURE_ID.to_lowercase()).unwrap(),
            CAPTURE_ID
        );
        for bad in [
            "",
            "1E08C6E9-5D8B-B843-B127-8FF45BC60CC6",
            "Z".repeat(32).as_str(),
        ] {
            assert!(parse_device_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn derived_identifiers_have_windows_shapes() {
        // HWDevID: "64-hex character length" (MS-MDE2 3.4.4.1.1.1).
        let hw = hw_dev_id(CAPTURE_ID);
        assert_eq!(hw.len(), 64);
        assert!(hw.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(hw, hw_dev_id(CAPTURE_ID));
        assert_ne!(hw, hw_dev_id(&generate_device_id()));
        assert_eq!(device_name(CAPTURE_ID), "DESKTOP-1E08C6E");
        // The capture's MAC form: six hyphenated upper-case pairs.
        let mac = mac_address(CAPTURE_ID);
        assert_eq!(mac.len(), 17);
        assert!(mac.starts_with("00-15-5D-"));
        let serial = serial_number(CAPTURE_ID);
        assert_eq!(serial.len(), 32);
        assert_eq!(serial.matches('-').count(), 6);
    }

    #[test]
    fn software_version_follows_the_build() {
        for (build, expected) in [
            // Four parts as DevDetail's description asks; the revision when the build has one.
            ("10.0.26100", "10.0.26100.1"),
            ("10.0.19045.4239", "10.0.19045.4239"),
            ("99.9.99999", "99.9.99999.1"),
        ] {
            assert_eq!(software_version(build.parse().unwrap()), expected);
        }
    }

    #[test]
    fn platform_follows_build_and_edition() {
        for (build, edition, expected) in [
            ("10.0.26100", 0x4, "Windows 11 Enterprise"),
            ("10.0.22000", 0x30, "Windows 11 Pro"),
            ("10.0.19045", 0x65, "Windows 10 Home"),
            ("10.0.19045", 0x79, "Windows 10 Education"),
            // An edition pfw has no name for: the platform alone.
            ("10.0.26100", 0x12345, "Windows 11"),
        ] {
            assert_eq!(os_platform(build.parse().unwrap(), edition), expected);
        }
    }

    #[test]
    fn iso8601_table() {
        for (seconds, expected) in [
            (0, "1970-01-01T00:00:00Z"),
            // The DDF's own example moment.
            (1_055_788_664, "2003-06-16T18:37:44Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
        ] {
            assert_eq!(iso8601(seconds), expected);
        }
        assert_eq!(now_iso8601().len(), 20);
    }
}
