//! The catalog of every PassportForWork policy.
//!
//! One static table, [`CATALOG`], lists each leaf of the PassportForWork CSP that carries a
//! policy: where it lives (under a tenant's `Policies` node or at the CSP root), which trees
//! have it, what kind of value it holds, the default value Microsoft's DDF writes, the default
//! pfw applies when it is not configured (and why, when the two differ), the group an admin
//! sees it in, and the group it belongs to when Group Policy and MDM compete for it.
//! Resolution, the PIN rules and the command line all read this one table.

use serde::Serialize;

use crate::error::InvalidValue;
use crate::policy::value::PolicyValue;

/// Where a policy's leaf lives in the CSP.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// At the CSP root, for the whole device (`Biometrics/UseBiometrics`): its key is the path
    /// below `PassportForWork/`.
    DeviceWide,
    /// Under `{TenantId}/Policies/`: its key is the path below that node.
    Tenant,
}

/// Which management trees have a policy.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scopes {
    /// Only the `./Device` tree.
    DeviceOnly,
    /// Both the `./Device` tree and every `./User` tree.
    UserAndDevice,
}

/// The kind of value a policy holds, with the values it accepts.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum ValueKind {
    /// `true` or `false`, in any letter case.
    Bool,
    /// A decimal integer within `min..=max`.
    Int {
        /// The lowest accepted value.
        min: i32,
        /// The highest accepted value.
        max: i32,
    },
    /// Text of the given form.
    Text(TextForm),
}

/// The form a text policy must have.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum TextForm {
    /// Any text.
    Any,
    /// A comma-separated list of GUIDs, each in curly braces
    /// (`{8-4-4-4-12 hexadecimal digits}`), as the DDF's pattern for `DeviceUnlock/GroupA`
    /// and `GroupB` requires of each item.
    BracedGuidList,
}

/// A policy's value when it is not configured anywhere.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum DefaultValue {
    /// A boolean default.
    Bool(bool),
    /// An integer default.
    Int(i32),
    /// No default: the policy is simply not set.
    Unset,
}

/// The group a policy is shown in to an administrator.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdminGroup {
    /// Biometric gestures and face recognition.
    Biometrics,
    /// Whether and how Windows Hello for Business is provisioned.
    Enablement,
    /// The PIN's length, character sets, history and expiration.
    PinComplexity,
    /// The hardware security device (TPM) the keys live in.
    SecurityDevice,
    /// Other ways to sign in and to unlock or lock the device.
    SignInAndUnlock,
}

/// The group a policy is resolved in when several kinds of source compete for it: between
/// Group Policy and MDM, a whole group comes from one kind of source (policy-facts.md §2).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictGroup {
    /// `UsePassportForWork` with `UseCertificateForOnPremAuth`; the source that configures
    /// `UsePassportForWork` wins the group.
    FeatureEnablement,
    /// The policy is a group on its own.
    Own,
    /// The eight PIN complexity leaves with `RequireSecurityDevice`.
    PinComplexity,
}

/// One PassportForWork policy, as the catalog describes it.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct PolicyDef {
    /// The key: the path below `{TenantId}/Policies/` for a tenant policy, below the CSP root
    /// for a device-wide one.
    pub key: &'static str,
    /// Where the leaf lives.
    pub placement: Placement,
    /// Which trees have it.
    pub scopes: Scopes,
    /// The kind of value it holds and the values it accepts.
    pub kind: ValueKind,
    /// The `DefaultValue` Microsoft's DDF writes for it, as written, if any.
    pub ddf_default: Option<&'static str>,
    /// The value that applies when it is not configured.
    pub default: DefaultValue,
    /// Why [`default`](Self::default) differs from [`ddf_default`](Self::ddf_default), when
    /// it does.
    pub default_reason: Option<&'static str>,
    /// The group an administrator sees it in.
    pub group: AdminGroup,
    /// What it does, in one line.
    pub description: &'static str,
    /// The group it is resolved in between Group Policy and MDM.
    pub conflict_group: ConflictGroup,
    /// For a deprecated node, the key of the node that replaces it.
    pub replaced_by: Option<&'static str>,
}

impl PolicyDef {
    /// Parses raw stored text as this policy's value, checking its kind and allowed values.
    pub fn parse(&self, raw: &str) -> Result<PolicyValue, InvalidValue> {
        crate::policy::value::parse(self.kind, raw)
    }

    /// The default that applies when the policy is not configured, as a value.
    pub fn default_value(&self) -> PolicyValue {
        match self.default {
            DefaultValue::Bool(b) => PolicyValue::Bool(b),
            DefaultValue::Int(i) => PolicyValue::Int(i),
            DefaultValue::Unset => PolicyValue::Unset,
        }
    }

    /// What `value` means for this policy, in words, where the number alone does not say it
    /// (`2` for a character set is "not allowed", `0` for Expiration "never expires"); `None`
    /// for a value that speaks for itself (a boolean, text, a value not set).
    pub fn value_in_words(&self, value: &PolicyValue) -> Option<String> {
        let n = value.as_int()?;
        let words = match self.key {
            keys::UPPERCASE_LETTERS
            | keys::LOWERCASE_LETTERS
            | keys::SPECIAL_CHARACTERS
            | keys::DIGITS => match n {
                0 => "allowed".to_owned(),
                1 => "required".to_owned(),
                2 => "not allowed".to_owned(),
                _ => return None,
            },
            keys::MINIMUM_PIN_LENGTH | keys::MAXIMUM_PIN_LENGTH => format!("{n} characters"),
            keys::EXPIRATION if n == 0 => "never expires".to_owned(),
            keys::EXPIRATION => format!("after {n} days"),
            keys::HISTORY if n == 0 => "no history".to_owned(),
            keys::HISTORY if n == 1 => "current PIN refused".to_owned(),
            keys::HISTORY => format!("last {n} PINs refused"),
            _ if self.kind == ZERO_OR_ONE => match n {
                0 => "off".to_owned(),
                1 => "on".to_owned(),
                _ => return None,
            },
            _ => return None,
        };
        Some(words)
    }

    /// Whether the user tree has this policy.
    pub fn in_user_scope(&self) -> bool {
        self.scopes == Scopes::UserAndDevice
    }
}

/// The keys of the policies other modules read by name.
pub mod keys {
    /// `UsePassportForWork`: whether Windows Hello for Business may be provisioned.
    pub const USE_PASSPORT_FOR_WORK: &str = "UsePassportForWork";
    /// `RequireSecurityDevice`: whether a usable TPM is required.
    pub const REQUIRE_SECURITY_DEVICE: &str = "RequireSecurityDevice";
    /// `ExcludeSecurityDevices/TPM12`: whether TPM 1.2 modules are refused.
    pub const EXCLUDE_TPM12: &str = "ExcludeSecurityDevices/TPM12";
    /// `PINComplexity/MinimumPINLength`.
    pub const MINIMUM_PIN_LENGTH: &str = "PINComplexity/MinimumPINLength";
    /// `PINComplexity/MaximumPINLength`.
    pub const MAXIMUM_PIN_LENGTH: &str = "PINComplexity/MaximumPINLength";
    /// `PINComplexity/UppercaseLetters`.
    pub const UPPERCASE_LETTERS: &str = "PINComplexity/UppercaseLetters";
    /// `PINComplexity/LowercaseLetters`.
    pub const LOWERCASE_LETTERS: &str = "PINComplexity/LowercaseLetters";
    /// `PINComplexity/SpecialCharacters`.
    pub const SPECIAL_CHARACTERS: &str = "PINComplexity/SpecialCharacters";
    /// `PINComplexity/Digits`.
    pub const DIGITS: &str = "PINComplexity/Digits";
    /// The four character-set policies.
    pub const CHAR_SETS: [&str; 4] = [
        UPPERCASE_LETTERS,
        LOWERCASE_LETTERS,
        SPECIAL_CHARACTERS,
        DIGITS,
    ];
    /// `PINComplexity/History`.
    pub const HISTORY: &str = "PINComplexity/History";
    /// `PINComplexity/Expiration`.
    pub const EXPIRATION: &str = "PINComplexity/Expiration";
    /// The deprecated root `UseBiometrics` node.
    pub const USE_BIOMETRICS_DEPRECATED: &str = "UseBiometrics";
    /// `Biometrics/UseBiometrics`.
    pub const USE_BIOMETRICS: &str = "Biometrics/UseBiometrics";
}

/// The whole catalog, in the order of the device tree.
pub fn catalog() -> &'static [PolicyDef] {
    CATALOG
}

/// The policy with this key and placement, if the catalog has it.
pub fn lookup(placement: Placement, key: &str) -> Option<&'static PolicyDef> {
    CATALOG
        .iter()
        .find(|def| def.placement == placement && def.key == key)
}

/// The policy with this key, tenant or device-wide (the two sets of keys do not overlap).
pub fn by_key(key: &str) -> Option<&'static PolicyDef> {
    CATALOG.iter().find(|def| def.key == key)
}

/// The first segments of device-wide keys: below the CSP root, any other name is a tenant.
pub const DEVICE_WIDE_ROOTS: &[&str] = &[
    "UseBiometrics",
    "Biometrics",
    "DeviceUnlock",
    "DynamicLock",
    "SecurityKey",
];

const CHAR_SET_DEFAULT_REASON: &str = "the 2019 CSP page: when unconfigured, digits are required \
     and the other character sets are not allowed; the DDF writes 0 (allowed)";
const DIGITS_DEFAULT_REASON: &str = "the 2019 CSP page and the DDF's own description: when \
     unconfigured, digits are required; the DDF writes 0 (allowed)";
const BIOMETRICS_DEFAULT_REASON: &str = "not configured means allowed: the DDF's DefaultValue \
     False contradicts its own description, and the 2019 CSP page gives true";

const BOOL: ValueKind = ValueKind::Bool;
const CHAR_SET: ValueKind = ValueKind::Int { min: 0, max: 2 };
const ZERO_OR_ONE: ValueKind = ValueKind::Int { min: 0, max: 1 };
const PIN_LENGTH: ValueKind = ValueKind::Int { min: 4, max: 127 };

/// Every PassportForWork policy: the leaves of the CSP that hold a policy value.
pub static CATALOG: &[PolicyDef] = &[
    tenant(
        keys::USE_PASSPORT_FOR_WORK,
        Scopes::UserAndDevice,
        BOOL,
        Some("True"),
        DefaultValue::Bool(true),
        AdminGroup::Enablement,
        "Lets users set up Windows Hello for Business; false stops new provisioning.",
        ConflictGroup::FeatureEnablement,
    ),
    tenant_flag(
        keys::REQUIRE_SECURITY_DEVICE,
        Scopes::UserAndDevice,
        AdminGroup::SecurityDevice,
        "Allows provisioning only on devices with a usable TPM instead of falling back to software keys.",
        ConflictGroup::PinComplexity,
    ),
    tenant_flag(
        keys::EXCLUDE_TPM12,
        Scopes::DeviceOnly,
        AdminGroup::SecurityDevice,
        "Treats TPM 1.2 modules as unusable for Windows Hello for Business.",
        ConflictGroup::Own,
    ),
    tenant_flag(
        "EnablePinRecovery",
        Scopes::UserAndDevice,
        AdminGroup::Enablement,
        "Keeps a cloud-protected recovery secret so a forgotten PIN can be changed without re-registering.",
        ConflictGroup::Own,
    ),
    tenant_flag(
        "EnableWindowsHelloProvisioningForSecurityKeys",
        Scopes::DeviceOnly,
        AdminGroup::Enablement,
        "Provisions Windows Hello for Business when the user signs in with a security key.",
        ConflictGroup::Own,
    ),
    tenant_flag(
        "DisablePostLogonProvisioning",
        Scopes::DeviceOnly,
        AdminGroup::Enablement,
        "Stops the automatic provisioning that starts after the user signs in.",
        ConflictGroup::Own,
    ),
    tenant_flag(
        "UseCertificateForOnPremAuth",
        Scopes::DeviceOnly,
        AdminGroup::Enablement,
        "Waits for a certificate from the management server before provisioning, for on-premises authentication.",
        ConflictGroup::FeatureEnablement,
    ),
    tenant_flag(
        "UseCloudTrustForOnPremAuth",
        Scopes::DeviceOnly,
        AdminGroup::Enablement,
        "Uses cloud Kerberos trust to reach on-premises resources.",
        ConflictGroup::Own,
    ),
    tenant(
        keys::MINIMUM_PIN_LENGTH,
        Scopes::UserAndDevice,
        PIN_LENGTH,
        Some("4"),
        DefaultValue::Int(4),
        AdminGroup::PinComplexity,
        "The fewest characters a PIN may have (4 to 127).",
        ConflictGroup::PinComplexity,
    ),
    tenant(
        keys::MAXIMUM_PIN_LENGTH,
        Scopes::UserAndDevice,
        PIN_LENGTH,
        Some("127"),
        DefaultValue::Int(127),
        AdminGroup::PinComplexity,
        "The most characters a PIN may have (4 to 127).",
        ConflictGroup::PinComplexity,
    ),
    char_set(
        keys::UPPERCASE_LETTERS,
        2,
        CHAR_SET_DEFAULT_REASON,
        "Whether uppercase letters are allowed (0), required (1) or not allowed (2) in the PIN.",
    ),
    char_set(
        keys::LOWERCASE_LETTERS,
        2,
        CHAR_SET_DEFAULT_REASON,
        "Whether lowercase letters are allowed (0), required (1) or not allowed (2) in the PIN.",
    ),
    char_set(
        keys::SPECIAL_CHARACTERS,
        2,
        CHAR_SET_DEFAULT_REASON,
        "Whether ASCII punctuation is allowed (0), required (1) or not allowed (2) in the PIN.",
    ),
    char_set(
        keys::DIGITS,
        1,
        DIGITS_DEFAULT_REASON,
        "Whether digits are allowed (0), required (1) or not allowed (2) in the PIN.",
    ),
    pin_count(
        keys::HISTORY,
        50,
        "How many of the latest PINs, the current one included, cannot be chosen again (0 to 50).",
    ),
    pin_count(
        keys::EXPIRATION,
        730,
        "Days a PIN stays valid before it must be changed (0 to 730; 0 never expires).",
    ),
    tenant_flag(
        "Remote/UseRemotePassport",
        Scopes::DeviceOnly,
        AdminGroup::SignInAndUnlock,
        "Lets a registered phone act as a companion device to sign in to a desktop.",
        ConflictGroup::Own,
    ),
    tenant_flag(
        "UseHelloCertificatesAsSmartCardCertificates",
        Scopes::DeviceOnly,
        AdminGroup::Enablement,
        "Presents Windows Hello for Business certificates to applications as smart card certificates.",
        ConflictGroup::Own,
    ),
    tenant_flag(
        "DisablePostLogonCredentialCaching",
        Scopes::DeviceOnly,
        AdminGroup::Enablement,
        "Stops caching credentials after sign-in (Insider builds only).",
        ConflictGroup::Own,
    ),
    use_biometrics(
        keys::USE_BIOMETRICS_DEPRECATED,
        "Deprecated form of Biometrics/UseBiometrics, applied only when that node is not set.",
        Some(keys::USE_BIOMETRICS),
    ),
    use_biometrics(
        keys::USE_BIOMETRICS,
        "Allows face, fingerprint and other biometric gestures in place of the PIN.",
        None,
    ),
    device_wide(
        "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
        BOOL,
        Some("False"),
        DefaultValue::Bool(false),
        AdminGroup::Biometrics,
        "Requires enhanced anti-spoofing for face recognition; cameras without it cannot be used.",
    ),
    device_wide(
        "Biometrics/EnableESSwithSupportedPeripherals",
        ZERO_OR_ONE,
        Some("1"),
        DefaultValue::Int(1),
        AdminGroup::Biometrics,
        "Whether Enhanced Sign-in Security works with external biometric peripherals (1) or not (0).",
    ),
    device_wide_text(
        "DeviceUnlock/GroupA",
        TextForm::BracedGuidList,
        AdminGroup::SignInAndUnlock,
        "Credential providers, by braced GUID, for the first factor of multi-factor unlock.",
    ),
    device_wide_text(
        "DeviceUnlock/GroupB",
        TextForm::BracedGuidList,
        AdminGroup::SignInAndUnlock,
        "Credential providers, by braced GUID, for the second factor of multi-factor unlock.",
    ),
    device_wide_text(
        "DeviceUnlock/Plugins",
        TextForm::Any,
        AdminGroup::SignInAndUnlock,
        "Plugins the passive provider watches to tell that the user is present.",
    ),
    device_wide(
        "DynamicLock/DynamicLock",
        BOOL,
        Some("False"),
        DefaultValue::Bool(false),
        AdminGroup::SignInAndUnlock,
        "Locks the device when a paired phone moves out of range.",
    ),
    device_wide_text(
        "DynamicLock/Plugins",
        TextForm::Any,
        AdminGroup::SignInAndUnlock,
        "Plugins the passive provider watches to tell that the user has left.",
    ),
    device_wide(
        "SecurityKey/UseSecurityKeyForSignin",
        ZERO_OR_ONE,
        Some("0"),
        DefaultValue::Int(0),
        AdminGroup::SignInAndUnlock,
        "Allows signing in with a FIDO2 security key (1) or not (0).",
    ),
];

#[allow(clippy::too_many_arguments)]
const fn tenant(
    key: &'static str,
    scopes: Scopes,
    kind: ValueKind,
    ddf_default: Option<&'static str>,
    default: DefaultValue,
    group: AdminGroup,
    description: &'static str,
    conflict_group: ConflictGroup,
) -> PolicyDef {
    PolicyDef {
        key,
        placement: Placement::Tenant,
        scopes,
        kind,
        ddf_default,
        default,
        default_reason: None,
        group,
        description,
        conflict_group,
        replaced_by: None,
    }
}

/// A bool tenant policy, false until configured (and so in the DDF).
const fn tenant_flag(
    key: &'static str,
    scopes: Scopes,
    group: AdminGroup,
    description: &'static str,
    conflict_group: ConflictGroup,
) -> PolicyDef {
    tenant(
        key,
        scopes,
        BOOL,
        Some("False"),
        DefaultValue::Bool(false),
        group,
        description,
        conflict_group,
    )
}

/// A PIN complexity count, 0 to `max`, 0 until configured (and so in the DDF).
const fn pin_count(key: &'static str, max: i32, description: &'static str) -> PolicyDef {
    tenant(
        key,
        Scopes::UserAndDevice,
        ValueKind::Int { min: 0, max },
        Some("0"),
        DefaultValue::Int(0),
        AdminGroup::PinComplexity,
        description,
        ConflictGroup::PinComplexity,
    )
}

const fn char_set(
    key: &'static str,
    default: i32,
    default_reason: &'static str,
    description: &'static str,
) -> PolicyDef {
    PolicyDef {
        key,
        placement: Placement::Tenant,
        scopes: Scopes::UserAndDevice,
        kind: CHAR_SET,
        ddf_default: Some("0"),
        default: DefaultValue::Int(default),
        default_reason: Some(default_reason),
        group: AdminGroup::PinComplexity,
        description,
        conflict_group: ConflictGroup::PinComplexity,
        replaced_by: None,
    }
}

const fn device_wide(
    key: &'static str,
    kind: ValueKind,
    ddf_default: Option<&'static str>,
    default: DefaultValue,
    group: AdminGroup,
    description: &'static str,
) -> PolicyDef {
    PolicyDef {
        placement: Placement::DeviceWide,
        ..tenant(
            key,
            Scopes::DeviceOnly,
            kind,
            ddf_default,
            default,
            group,
            description,
            ConflictGroup::Own,
        )
    }
}

/// A device-wide text policy of `form`, with no value until configured (none in the DDF).
const fn device_wide_text(
    key: &'static str,
    form: TextForm,
    group: AdminGroup,
    description: &'static str,
) -> PolicyDef {
    device_wide(
        key,
        ValueKind::Text(form),
        None,
        DefaultValue::Unset,
        group,
        description,
    )
}

/// One of the two nodes that allow biometrics (the current one, `replaced_by` `None`, and the
/// deprecated one it replaces): allowed until configured, though the DDF says `False`.
const fn use_biometrics(
    key: &'static str,
    description: &'static str,
    replaced_by: Option<&'static str>,
) -> PolicyDef {
    PolicyDef {
        key,
        placement: Placement::DeviceWide,
        scopes: Scopes::DeviceOnly,
        kind: BOOL,
        ddf_default: Some("False"),
        default: DefaultValue::Bool(true),
        default_reason: Some(BIOMETRICS_DEFAULT_REASON),
        group: AdminGroup::Biometrics,
        description,
        conflict_group: ConflictGroup::Own,
        replaced_by,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn keys_are_unique_and_device_wide_keys_start_with_a_root_name() {
        let mut seen = HashSet::new();
        for def in CATALOG {
            assert!(seen.insert(def.key), "duplicate key {}", def.key);
            let first = def.key.split('/').next().unwrap_or_default();
            assert_eq!(
                DEVICE_WIDE_ROOTS.contains(&first),
                def.placement == Placement::DeviceWide,
                "{}",
                def.key
            );
        }
    }

    #[test]
    fn a_reason_is_given_exactly_when_the_effective_default_differs_from_the_ddf() {
        for def in CATALOG {
            let ddf = def.ddf_default.map(|raw| def.parse(raw));
            let differs = match ddf {
                Some(Ok(value)) => value != def.default_value(),
                Some(Err(e)) => panic!("{}: DDF default does not parse: {e}", def.key),
                None => def.default != DefaultValue::Unset,
            };
            assert_eq!(differs, def.default_reason.is_some(), "{}", def.key);
        }
    }

    #[test]
    fn every_default_is_within_the_policys_own_values() {
        for def in CATALOG {
            match (def.default, def.kind) {
                (DefaultValue::Bool(_), ValueKind::Bool)
                | (DefaultValue::Unset, ValueKind::Text(_)) => {}
                (DefaultValue::Int(v), ValueKind::Int { min, max }) => {
                    assert!((min..=max).contains(&v), "{}", def.key);
                }
                other => panic!("{}: default {:?} does not fit", def.key, other),
            }
        }
    }

    #[test]
    fn the_shared_conflict_groups_hold_the_documented_members() {
        // DESIGN.md "Policy semantics" / policy-facts.md §2 (Manage-2022).
        let members = |group| {
            let mut keys: Vec<_> = CATALOG
                .iter()
                .filter(|d| d.conflict_group == group)
                .map(|d| d.key)
                .collect();
            keys.sort_unstable();
            keys
        };
        assert_eq!(
            members(ConflictGroup::FeatureEnablement),
            ["UseCertificateForOnPremAuth", "UsePassportForWork"]
        );
        let pin = members(ConflictGroup::PinComplexity);
        assert_eq!(pin.len(), 9);
        assert!(pin.contains(&keys::REQUIRE_SECURITY_DEVICE));
        assert_eq!(
            pin.iter()
                .filter(|k| k.starts_with("PINComplexity/"))
                .count(),
            8
        );
    }
}
