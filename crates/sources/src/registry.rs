//! Group Policy's registry values mapped to PassportForWork nodes, through the Windows Hello
//! ADMX's registry names (policy-sources-facts.md §1.2, from `Passport.admx`), shared by the
//! Registry.pol, .reg and GPO report readers.
//!
//! Keys and value names compare ignoring case (registry keys are case-insensitive; the real
//! DoD file writes `Software\Policies\…`). Values under the Windows Hello keys that the ADMX
//! does not write are kept and reported as ignored; values under any other key are not
//! Windows Hello policy at all.

use pfw_passport::policy::catalog::{Placement, ValueKind, lookup};
use pfw_passport::policy::{GROUP_POLICY_TENANT, keys};

use crate::model::IgnoredClass;

/// A registry value as a policy file gives it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) enum RegData {
    /// REG_DWORD.
    Dword(u32),
    /// REG_SZ or REG_EXPAND_SZ.
    Text(String),
    /// Any other type, by its REG_* code.
    Other(u32),
}

impl RegData {
    /// A REG_SZ's text: UTF-16LE up to its NUL; a lone surrogate becomes U+FFFD, an odd last
    /// byte is dropped (the data is a value, not the file's structure).
    pub(crate) fn text_of(raw: &[u8]) -> String {
        let units = raw
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .take_while(|&u| u != 0);
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }

    fn type_name(&self) -> String {
        match self {
            Self::Dword(_) => "REG_DWORD".to_owned(),
            Self::Text(_) => "REG_SZ".to_owned(),
            Self::Other(code) => format!("registry type {code}"),
        }
    }
}

/// One ADMX registry value and the node it sets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RegPolicy {
    /// The key without hive, as the ADMX writes it.
    pub(crate) key: &'static str,
    /// The value name.
    pub(crate) value: &'static str,
    /// The catalog key of the PassportForWork node (`None`: a Group Policy-only setting).
    pub(crate) node: Option<&'static str>,
    /// The ADMX policy's display name (what a GPO report calls it).
    pub(crate) display: &'static str,
    /// For an element of a policy, the element's display name in a GPO report.
    pub(crate) element: Option<&'static str>,
    /// What "Enabled" writes and what "Disabled" writes, for an on/off policy.
    pub(crate) states: Option<(u32, u32)>,
}

/// What one registry value means for Windows Hello policy.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) enum Mapped {
    /// It writes (`Some`) or removes (`None`) the value of the node at this path.
    Node { path: String, value: Option<String> },
    /// It is under a Windows Hello key but not applied, for this reason.
    Ignored(IgnoredClass, String),
    /// It is not Windows Hello policy.
    Unrelated,
}

/// Maps a value of `key` (no hive) named `name` to what it sets; `data` is `None` for a
/// removal.
pub(crate) fn map(key: &str, name: &str, data: Option<&RegData>) -> Mapped {
    let Some(policy) = find(key, name) else {
        return if is_hello_key(key) {
            Mapped::Ignored(
                IgnoredClass::Unknown,
                format!(
                    "{name} under {key} is not a value the Windows Hello ADMX writes: Windows ignores it"
                ),
            )
        } else {
            Mapped::Unrelated
        };
    };
    let Some(node) = policy.node else {
        return Mapped::Ignored(
            IgnoredClass::NotApplied,
            format!(
                "{} is a Group Policy-only setting: PassportForWork has no node for it",
                policy.display
            ),
        );
    };
    let path = node_path(node);
    let Some(data) = data else {
        return Mapped::Node { path, value: None };
    };
    match to_csp(node, data) {
        Ok(value) => Mapped::Node {
            path,
            value: Some(value),
        },
        Err(reason) => Mapped::Ignored(IgnoredClass::Invalid, reason),
    }
}

/// Every value the ADMX writes below `key` (for `**delvals.` and key deletions): with
/// `subkeys`, below its subkeys too.
pub(crate) fn values_under(key: &str, subkeys: bool) -> impl Iterator<Item = &'static RegPolicy> {
    let key = key.to_ascii_lowercase();
    TABLE.iter().filter(move |p| {
        let k = p.key.to_ascii_lowercase();
        k == key || (subkeys && k.starts_with(&format!("{key}\\")))
    })
}

/// Whether a report's policy display name is one of the Windows Hello ADMX's.
pub(crate) fn is_hello_display(display: &str) -> bool {
    TABLE
        .iter()
        .any(|p| p.display.eq_ignore_ascii_case(display))
}

/// The path below `PassportForWork/` of a catalog key, as Group Policy sets it: tenant policies
/// under [`GROUP_POLICY_TENANT`] (Group Policy values are device-wide, §1.3).
pub(crate) fn node_path(node: &str) -> String {
    if lookup(Placement::Tenant, node).is_some() {
        format!("{GROUP_POLICY_TENANT}/Policies/{node}")
    } else {
        node.to_owned()
    }
}

fn find(key: &str, name: &str) -> Option<&'static RegPolicy> {
    TABLE
        .iter()
        .find(|p| p.key.eq_ignore_ascii_case(key) && p.value.eq_ignore_ascii_case(name))
}

fn is_hello_key(key: &str) -> bool {
    HELLO_KEYS.iter().any(|root| {
        let lower = key.to_ascii_lowercase();
        let root = root.to_ascii_lowercase();
        lower == root || lower.starts_with(&format!("{root}\\"))
    })
}

/// The CSP text of a registry value for a node: REG_DWORD 1/0 is `true`/`false` for a bool
/// node (§1.3 "Booleans"), the decimal number for an int node; text nodes take REG_SZ.
fn to_csp(node: &str, data: &RegData) -> Result<String, String> {
    let kind = lookup(Placement::Tenant, node)
        .or_else(|| lookup(Placement::DeviceWide, node))
        .map(|def| def.kind);
    match (kind, data) {
        (Some(ValueKind::Bool), RegData::Dword(0)) => Ok("false".to_owned()),
        (Some(ValueKind::Bool), RegData::Dword(1)) => Ok("true".to_owned()),
        // Kept as written: resolution reports it as a value the policy does not accept.
        (Some(ValueKind::Bool | ValueKind::Int { .. }), RegData::Dword(n)) => Ok(n.to_string()),
        (Some(ValueKind::Text(_)), RegData::Text(s)) => Ok(s.clone()),
        (_, data) => Err(format!(
            "{node} takes {}, not {}: Windows ignores the value",
            match kind {
                Some(ValueKind::Text(_)) => "REG_SZ",
                _ => "REG_DWORD",
            },
            data.type_name()
        )),
    }
}

const P: &str = r"SOFTWARE\Policies\Microsoft\PassportForWork";
const PIN: &str = r"SOFTWARE\Policies\Microsoft\PassportForWork\PINComplexity";

/// The keys whose values are Windows Hello policy.
const HELLO_KEYS: [&str; 3] = [
    P,
    r"SOFTWARE\Policies\Microsoft\Biometrics\FacialFeatures",
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\WinBio\Credential Provider",
];

const fn row(
    key: &'static str,
    value: &'static str,
    node: Option<&'static str>,
    display: &'static str,
    states: Option<(u32, u32)>,
) -> RegPolicy {
    RegPolicy {
        key,
        value,
        node,
        display,
        element: None,
        states,
    }
}

const fn element(
    key: &'static str,
    value: &'static str,
    node: &'static str,
    display: &'static str,
    element: &'static str,
) -> RegPolicy {
    RegPolicy {
        key,
        value,
        node: Some(node),
        display,
        element: Some(element),
        states: None,
    }
}

const ON_OFF: Option<(u32, u32)> = Some((1, 0));
/// Character sets: Enabled writes 1 (required), Disabled 2 (not allowed) (§1.3).
const REQUIRED_OR_NOT: Option<(u32, u32)> = Some((1, 2));

/// policy-sources-facts.md §1.2: the ADMX's registry values, plus the two settings outside
/// that ADMX copy whose registry values the facts give (cloud trust, unverified; enhanced
/// anti-spoofing, verified in the DoD GPO).
pub(crate) static TABLE: &[RegPolicy] = &[
    row(
        P,
        "Enabled",
        Some(keys::USE_PASSPORT_FOR_WORK),
        "Use Windows Hello for Business",
        ON_OFF,
    ),
    element(
        P,
        "DisablePostLogonProvisioning",
        "DisablePostLogonProvisioning",
        "Use Windows Hello for Business",
        "Do not start Windows Hello provisioning after sign-in",
    ),
    row(
        P,
        "RequireSecurityDevice",
        Some(keys::REQUIRE_SECURITY_DEVICE),
        "Use a hardware security device",
        ON_OFF,
    ),
    element(
        r"SOFTWARE\Policies\Microsoft\PassportForWork\ExcludeSecurityDevices",
        "TPM12",
        keys::EXCLUDE_TPM12,
        "Use a hardware security device",
        "TPM 1.2",
    ),
    row(
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\WinBio\Credential Provider",
        "Domain Accounts",
        Some(keys::USE_BIOMETRICS),
        "Use biometrics",
        ON_OFF,
    ),
    row(
        P,
        "EnablePinRecovery",
        Some("EnablePinRecovery"),
        "Use PIN Recovery",
        ON_OFF,
    ),
    row(
        PIN,
        "MinimumPINLength",
        Some(keys::MINIMUM_PIN_LENGTH),
        "Minimum PIN length",
        None,
    ),
    row(
        PIN,
        "MaximumPINLength",
        Some(keys::MAXIMUM_PIN_LENGTH),
        "Maximum PIN length",
        None,
    ),
    row(
        PIN,
        "UppercaseLetters",
        Some(keys::UPPERCASE_LETTERS),
        "Require uppercase letters",
        REQUIRED_OR_NOT,
    ),
    row(
        PIN,
        "LowercaseLetters",
        Some(keys::LOWERCASE_LETTERS),
        "Require lowercase letters",
        REQUIRED_OR_NOT,
    ),
    row(
        PIN,
        "SpecialCharacters",
        Some(keys::SPECIAL_CHARACTERS),
        "Require special characters",
        REQUIRED_OR_NOT,
    ),
    row(
        PIN,
        "Digits",
        Some(keys::DIGITS),
        "Require digits",
        REQUIRED_OR_NOT,
    ),
    row(PIN, "History", Some(keys::HISTORY), "History", None),
    row(
        PIN,
        "Expiration",
        Some(keys::EXPIRATION),
        "Expiration",
        None,
    ),
    row(
        P,
        "UseCertificateForOnPremAuth",
        Some("UseCertificateForOnPremAuth"),
        "Use certificate for on-premises authentication",
        ON_OFF,
    ),
    row(
        P,
        "UseCloudTrustForOnPremAuth",
        Some("UseCloudTrustForOnPremAuth"),
        "Use cloud trust for on-premises authentication",
        ON_OFF,
    ),
    row(
        r"SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock",
        "GroupA",
        Some("DeviceUnlock/GroupA"),
        "Configure device unlock factors",
        None,
    ),
    row(
        r"SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock",
        "GroupB",
        Some("DeviceUnlock/GroupB"),
        "Configure device unlock factors",
        None,
    ),
    row(
        r"SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock",
        "Plugins",
        Some("DeviceUnlock/Plugins"),
        "Configure device unlock factors",
        None,
    ),
    row(
        r"SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock",
        "DynamicLock",
        Some("DynamicLock/DynamicLock"),
        "Configure dynamic lock factors",
        ON_OFF,
    ),
    row(
        r"SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock",
        "Plugins",
        Some("DynamicLock/Plugins"),
        "Configure dynamic lock factors",
        None,
    ),
    row(
        P,
        "DisableSmartCardNode",
        None,
        "Turn off smart card emulation",
        ON_OFF,
    ),
    row(
        P,
        "AllowAllUserAccessToSmartCardNode",
        None,
        "Allow enumeration of emulated smart card for all users",
        ON_OFF,
    ),
    row(
        P,
        "UseHelloCertificatesAsSmartCardCertificates",
        Some("UseHelloCertificatesAsSmartCardCertificates"),
        "Use Windows Hello for Business certificates as smart card certificates",
        ON_OFF,
    ),
    row(
        r"SOFTWARE\Policies\Microsoft\Biometrics\FacialFeatures",
        "EnhancedAntiSpoofing",
        Some("Biometrics/FacialFeaturesUseEnhancedAntiSpoofing"),
        "Configure enhanced anti-spoofing",
        ON_OFF,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node the table names is a policy of the catalog.
    #[test]
    fn every_node_is_in_the_catalog() {
        for p in TABLE {
            if let Some(node) = p.node {
                assert!(
                    lookup(Placement::Tenant, node).is_some()
                        || lookup(Placement::DeviceWide, node).is_some(),
                    "{node}"
                );
            }
        }
    }

    /// policy-sources-facts.md §1.2 and §1.3, one line per value.
    #[test]
    fn maps_values() {
        let g = |k: &str| format!("{GROUP_POLICY_TENANT}/Policies/{k}");
        let node = |path: String, value: &str| Mapped::Node {
            path,
            value: Some(value.to_owned()),
        };
        let lower_p = P.to_ascii_lowercase();
        let cases: Vec<(&str, &str, Option<RegData>, Mapped)> = vec![
            (
                P,
                "Enabled",
                Some(RegData::Dword(1)),
                node(g("UsePassportForWork"), "true"),
            ),
            (
                &lower_p,
                "ENABLED",
                Some(RegData::Dword(0)),
                node(g("UsePassportForWork"), "false"),
            ),
            (
                PIN,
                "MinimumPINLength",
                Some(RegData::Dword(6)),
                node(g(keys::MINIMUM_PIN_LENGTH), "6"),
            ),
            (
                PIN,
                "Digits",
                Some(RegData::Dword(2)),
                node(g(keys::DIGITS), "2"),
            ),
            (
                PIN,
                "Digits",
                None,
                Mapped::Node {
                    path: g(keys::DIGITS),
                    value: None,
                },
            ),
            (
                P,
                "Enabled",
                Some(RegData::Dword(7)),
                node(g("UsePassportForWork"), "7"),
            ),
            (
                r"Software\Policies\Microsoft\Biometrics\FacialFeatures",
                "EnhancedAntiSpoofing",
                Some(RegData::Dword(1)),
                node(
                    "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing".to_owned(),
                    "true",
                ),
            ),
            (
                r"SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock",
                "Plugins",
                Some(RegData::Text("<rule/>".to_owned())),
                node("DynamicLock/Plugins".to_owned(), "<rule/>"),
            ),
            (
                r"SOFTWARE\Policies\Microsoft\Windows\System",
                "X",
                Some(RegData::Dword(1)),
                Mapped::Unrelated,
            ),
        ];
        for (key, name, data, expected) in cases {
            assert_eq!(map(key, name, data.as_ref()), expected, "{key}\\{name}");
        }
        for (key, name, data) in [
            (P, "PinLength", RegData::Dword(6)),
            (P, "Enabled", RegData::Text("1".to_owned())),
            (P, "DisableSmartCardNode", RegData::Dword(1)),
        ] {
            assert!(
                matches!(map(key, name, Some(&data)), Mapped::Ignored(..)),
                "{name}"
            );
        }
    }
}
