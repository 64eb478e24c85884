//! Whether Windows Hello for Business may be provisioned at all.
//!
//! Provisioning is refused when `UsePassportForWork` is false, or when
//! `RequireSecurityDevice` is true and the device has no usable TPM: none, or a TPM 1.2 while
//! `ExcludeSecurityDevices/TPM12` is true (DESIGN.md "Policy semantics"; 2019 CSP page).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ProvisioningRefusal, UnknownTpm};
use crate::policy::catalog::keys;
use crate::policy::resolve::EffectivePolicy;

/// The emulated device's Trusted Platform Module.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, Hash, PartialEq, Serialize)]
pub enum Tpm {
    /// No TPM.
    #[serde(rename = "none")]
    Absent,
    /// A TPM of the 1.2 revision.
    #[serde(rename = "1.2")]
    V12,
    /// A TPM of the 2.0 revision (a fresh emulated device's).
    #[default]
    #[serde(rename = "2.0")]
    V20,
}

impl fmt::Display for Tpm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Absent => "none",
            Self::V12 => "1.2",
            Self::V20 => "2.0",
        })
    }
}

/// Parses `none`, `1.2` or `2.0`.
impl FromStr for Tpm {
    type Err = UnknownTpm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::Absent),
            "1.2" => Ok(Self::V12),
            "2.0" => Ok(Self::V20),
            _ => Err(UnknownTpm),
        }
    }
}

/// The facts that decide whether provisioning is allowed.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Provisioning {
    /// `UsePassportForWork` in force.
    pub use_passport_for_work: bool,
    /// `RequireSecurityDevice` in force.
    pub require_security_device: bool,
    /// `ExcludeSecurityDevices/TPM12` in force.
    pub exclude_tpm12: bool,
    /// The device's TPM.
    pub tpm: Tpm,
}

impl Provisioning {
    /// The provisioning facts of an effective policy on a device with `tpm`. A value missing
    /// (which resolution never produces) takes its default.
    pub fn from_effective(policy: &EffectivePolicy, tpm: Tpm) -> Self {
        Self {
            use_passport_for_work: policy.bool_of(keys::USE_PASSPORT_FOR_WORK).unwrap_or(true),
            require_security_device: policy
                .bool_of(keys::REQUIRE_SECURITY_DEVICE)
                .unwrap_or(false),
            exclude_tpm12: policy.bool_of(keys::EXCLUDE_TPM12).unwrap_or(false),
            tpm,
        }
    }

    /// `Ok` when provisioning is allowed, else why not.
    pub fn check(&self) -> Result<(), ProvisioningRefusal> {
        if !self.use_passport_for_work {
            return Err(ProvisioningRefusal::Disabled);
        }
        if self.require_security_device {
            match self.tpm {
                Tpm::Absent => return Err(ProvisioningRefusal::NoSecurityDevice),
                Tpm::V12 if self.exclude_tpm12 => {
                    return Err(ProvisioningRefusal::Tpm12Excluded);
                }
                Tpm::V12 | Tpm::V20 => {}
            }
        }
        Ok(())
    }
}

/// Provisioning with every policy unconfigured on a device with a TPM 2.0: allowed.
impl Default for Provisioning {
    fn default() -> Self {
        Self {
            use_passport_for_work: true,
            require_security_device: false,
            exclude_tpm12: false,
            tpm: Tpm::V20,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals() {
        let p = |use_pfw, require, exclude, tpm| Provisioning {
            use_passport_for_work: use_pfw,
            require_security_device: require,
            exclude_tpm12: exclude,
            tpm,
        };
        use ProvisioningRefusal as R;
        #[rustfmt::skip]
        let cases = [
            // DESIGN.md: UsePassportForWork false refuses, whatever the TPM.
            (p(false, false, false, Tpm::V20), Err(R::Disabled)),
            // 2019 CSP page: RequireSecurityDevice false lets software keys do.
            (p(true, false, false, Tpm::Absent), Ok(())),
            // 2019 CSP page: RequireSecurityDevice true needs a usable TPM.
            (p(true, true, false, Tpm::Absent), Err(R::NoSecurityDevice)),
            (p(true, true, false, Tpm::V12), Ok(())),
            // 2019 CSP page: TPM12 true disallows 1.2 modules.
            (p(true, true, true, Tpm::V12), Err(R::Tpm12Excluded)),
            (p(true, true, true, Tpm::V20), Ok(())),
            // TPM12 alone does not require a TPM: software keys still do.
            (p(true, false, true, Tpm::V12), Ok(())),
        ];
        for (facts, expected) in cases {
            assert_eq!(facts.check(), expected, "{facts:?}");
        }
    }

    #[test]
    fn tpm_names_round_trip() {
        for tpm in [Tpm::Absent, Tpm::V12, Tpm::V20] {
            assert_eq!(tpm.to_string().parse::<Tpm>(), Ok(tpm));
        }
        assert_eq!("2".parse::<Tpm>(), Err(UnknownTpm));
    }
}
