//! Read-only inventory leaves: what Get answers for a leaf nobody can write (no Add, no
//! Replace) and no other rule of pfw computes.
//!
//! 1. A leaf the emulated device's state answers: its TPM and edition.
//! 2. Else the DDF's `DefaultValue`, when there is one.
//! 3. Else, for the few leaves management servers read in every session ([`SESSION_LEAVES`]),
//!    a value of the node's format, deterministic, derived from the device's identity.
//! 4. Else the leaf does not exist (404).

use pfw_ddf::Node;
use pfw_devinfo::DeviceFacts;
use pfw_devinfo::facts::{FIRMWARE_VERSION, mac_address};
use pfw_tree::{Derived, StoreView};

/// The leaves servers read in every session that no device state answers, with how pfw
/// answers each (`device/...` paths after the scope).
pub const SESSION_LEAVES: &[(&str, &str)] = &[
    (
        "DevDetail/Ext/WLANMACAddress",
        "the device's MAC address, derived from its identifier",
    ),
    (
        "DevDetail/Ext/Microsoft/TotalStorage",
        "130048 (MB: a 127 GB virtual disk)",
    ),
    ("DevDetail/Ext/Microsoft/FreeStorage", "65024 (MB)"),
    (
        "DevDetail/Ext/Microsoft/SMBIOSVersion",
        "the firmware version of DevDetail/FwV",
    ),
    (
        "Vendor/MSFT/DeviceStatus/SecureBootState",
        "1 (on: a generation 2 virtual machine)",
    ),
    (
        "Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance",
        "false (no drive is encrypted)",
    ),
];

/// What Get answers for the read-only leaf `node` at `segments` (after the scope).
pub fn value(
    view: &StoreView<'_>,
    facts: &DeviceFacts,
    segments: &[&str],
    node: &Node,
) -> Result<Derived, pfw_tree::StoreError> {
    let joined = segments.join("/");
    let device_state = match joined.as_str() {
        "Vendor/MSFT/DeviceStatus/TPM/SpecificationVersion" => {
            let tpm = view.store.property(pfw_passport::state::TPM_PROPERTY)?;
            Some(match tpm.as_deref() {
                Some("none") => "Not available".to_owned(),
                Some("1.2") => "1.2".to_owned(),
                // A fresh state emulates TPM 2.0 (DESIGN.md "The emulated device").
                _ => "2.0".to_owned(),
            })
        }
        "Vendor/MSFT/DeviceStatus/OS/Edition" | "Vendor/MSFT/WindowsLicensing/Edition" => {
            Some(view.device.edition.to_string())
        }
        _ => None,
    };
    if let Some(v) = device_state {
        return Ok(Derived::Value(v));
    }
    if let Some(default) = &node.default_value {
        return Ok(Derived::Value(default.clone()));
    }
    let session = match joined.as_str() {
        "DevDetail/Ext/WLANMACAddress" => facts.device_id.as_deref().map(mac_address),
        "DevDetail/Ext/Microsoft/TotalStorage" => Some("130048".to_owned()),
        "DevDetail/Ext/Microsoft/FreeStorage" => Some("65024".to_owned()),
        "DevDetail/Ext/Microsoft/SMBIOSVersion" => Some(FIRMWARE_VERSION.to_owned()),
        "Vendor/MSFT/DeviceStatus/SecureBootState" => Some("1".to_owned()),
        "Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance" => Some("false".to_owned()),
        _ => None,
    };
    Ok(session.map_or(Derived::Absent, Derived::Value))
}

/// Whether `node` is a read-only inventory leaf: a leaf with Get and neither Add nor Replace.
pub fn is_inventory(node: &Node) -> bool {
    use pfw_ddf::Verb;
    node.is_leaf()
        && node.access.allows(Verb::Get)
        && !node.access.allows(Verb::Add)
        && !node.access.allows(Verb::Replace)
}
