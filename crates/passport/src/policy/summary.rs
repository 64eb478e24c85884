//! What a device does under the policy in force, in the few facts an administrator asks
//! first: the PIN's length and character sets, expiry, history, biometrics, and whether
//! Windows Hello for Business can be provisioned on this device at all.
//!
//! Derived from the resolution ([`EffectivePolicy`]) and the rules already decided from it
//! ([`PinPolicy`], [`Provisioning`]): nothing here decides a rule again.

use serde::{Serialize, Serializer};

use crate::error::ProvisioningRefusal;
use crate::pin::rules::{CharRule, CharSet, PinPolicy};
use crate::pin::{Provisioning, Tpm};
use crate::policy::catalog::keys;
use crate::policy::resolve::EffectivePolicy;

/// The policy in force, summed up for one device.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct Summary {
    /// The fewest characters a PIN has.
    pub min_length: u32,
    /// The most characters a PIN has.
    pub max_length: u32,
    /// The character sets a PIN must use.
    pub required: Vec<CharSet>,
    /// The character sets a PIN may use.
    pub allowed: Vec<CharSet>,
    /// The character sets a PIN must not use.
    pub not_allowed: Vec<CharSet>,
    /// Days a PIN stays valid; 0 never expires.
    pub expiration_days: u32,
    /// How many of the latest PINs, the current one included, cannot be reused; 0 no check.
    pub history: u32,
    /// Whether biometric gestures may be used.
    pub biometrics: bool,
    /// The device's TPM.
    pub tpm: Tpm,
    /// Why provisioning is refused on this device, or `None` when it is possible.
    #[serde(serialize_with = "refusal_text")]
    pub refused: Option<ProvisioningRefusal>,
}

impl Summary {
    /// The summary of `policy` on a device with `tpm`.
    pub fn of(policy: &EffectivePolicy, tpm: Tpm) -> Self {
        let pin = PinPolicy::from_effective(policy);
        let with = |rule: CharRule| -> Vec<CharSet> {
            CharSet::ALL
                .into_iter()
                .filter(|set| pin.rule_for(*set) == rule)
                .collect()
        };
        Self {
            min_length: pin.min_length,
            max_length: pin.max_length,
            required: with(CharRule::Required),
            allowed: with(CharRule::Allowed),
            not_allowed: with(CharRule::NotAllowed),
            expiration_days: pin.expiration_days,
            history: pin.history,
            // Not configured means allowed (the catalog's default for it).
            biometrics: policy.bool_of(keys::USE_BIOMETRICS).unwrap_or(true),
            tpm,
            refused: Provisioning::from_effective(policy, tpm).check().err(),
        }
    }

    /// Whether Windows Hello for Business can be provisioned on the device.
    pub fn provisioned(&self) -> bool {
        self.refused.is_none()
    }
}

fn refusal_text<S: Serializer>(
    refused: &Option<ProvisioningRefusal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match refused {
        Some(r) => serializer.serialize_some(&r.to_string()),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicySource, SourceKind, TenantChoice, resolve};

    const T: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";

    fn policy(values: &[(&str, &str)]) -> EffectivePolicy {
        let mut source = PolicySource::new(SourceKind::Device).with_tenant(T);
        for (key, raw) in values {
            source = source.with_value(format!("{T}/Policies/{key}"), *raw);
        }
        resolve(&[source], &TenantChoice::default(), None).expect("one tenant")
    }

    #[test]
    fn the_summary_follows_the_resolution() {
        let summary = Summary::of(
            &policy(&[
                ("PINComplexity/MinimumPINLength", "6"),
                ("PINComplexity/UppercaseLetters", "1"),
                ("PINComplexity/SpecialCharacters", "0"),
                ("PINComplexity/Expiration", "90"),
                ("RequireSecurityDevice", "true"),
            ]),
            Tpm::Absent,
        );
        assert_eq!((summary.min_length, summary.max_length), (6, 127));
        // Digits keep their unconfigured rule (required); lowercase its (not allowed).
        assert_eq!(summary.required, [CharSet::Uppercase, CharSet::Digits]);
        assert_eq!(summary.allowed, [CharSet::Special]);
        assert_eq!(summary.not_allowed, [CharSet::Lowercase]);
        assert_eq!((summary.expiration_days, summary.history), (90, 0));
        assert!(summary.biometrics);
        assert_eq!(summary.refused, Some(ProvisioningRefusal::NoSecurityDevice));
        assert!(!summary.provisioned());
    }

    #[test]
    fn a_length_fallback_shows_in_the_summary() {
        let summary = Summary::of(
            &policy(&[
                ("PINComplexity/MinimumPINLength", "20"),
                ("PINComplexity/MaximumPINLength", "10"),
            ]),
            Tpm::V20,
        );
        assert_eq!((summary.min_length, summary.max_length), (4, 127));
        assert!(summary.provisioned());
    }
}
