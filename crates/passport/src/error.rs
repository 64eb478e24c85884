//! The errors of this crate, one enum per operation.
//!
//! [`ResolveError`] is the one way resolution can fail (several tenants, none chosen);
//! [`InvalidValue`] says why a stored value is not applied; [`SetPinError`] says why a PIN is
//! refused, wrapping a [`ProvisioningRefusal`], the rule violations, or a [`HashError`];
//! [`PinRecordError`] says why a stored PIN record is not trusted. None of them ever holds a
//! PIN.

use std::fmt;

use thiserror::Error;

use crate::pin::rules::Violation;

/// Why the effective policy could not be resolved.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, Error, PartialEq)]
pub enum ResolveError {
    /// Several TenantId nodes exist, and neither `--tenant` nor the device's tenant property
    /// says which one applies.
    #[error(
        "several tenants have PassportForWork policy ({}) and none is chosen: set the device's tenant or name one",
        .tenants.join(", ")
    )]
    SeveralTenants {
        /// The tenant node names present, sorted.
        tenants: Vec<String>,
    },
}

/// Why a stored value is not a valid value of its policy.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, Error, PartialEq)]
pub enum InvalidValue {
    /// Not `true` or `false` (in any letter case).
    #[error("not a boolean (true or false)")]
    NotBool,
    /// Not a decimal 32-bit integer.
    #[error("not a decimal integer")]
    NotInt,
    /// Not a comma-separated list of braced GUIDs.
    #[error("not a comma-separated list of GUIDs in curly braces")]
    NotGuidList,
    /// An integer outside the policy's range.
    #[error("{value} is outside {min}..={max}")]
    OutOfRange {
        /// The value found.
        value: i32,
        /// The lowest accepted value.
        min: i32,
        /// The highest accepted value.
        max: i32,
    },
    /// Text longer than the limit.
    #[error("longer than {limit} bytes")]
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
}

/// Why Windows Hello for Business may not be provisioned on this device for this user.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Error, PartialEq)]
pub enum ProvisioningRefusal {
    /// `UsePassportForWork` is false.
    #[error("Windows Hello for Business is turned off: UsePassportForWork is false")]
    Disabled,
    /// `RequireSecurityDevice` is true and the device has no TPM.
    #[error("RequireSecurityDevice is true and the device has no TPM")]
    NoSecurityDevice,
    /// `RequireSecurityDevice` is true and the device's TPM 1.2 is excluded by
    /// `ExcludeSecurityDevices/TPM12`.
    #[error(
        "RequireSecurityDevice is true and the device's TPM 1.2 is excluded by ExcludeSecurityDevices/TPM12"
    )]
    Tpm12Excluded,
}

impl ProvisioningRefusal {
    /// The refusal in a few plain words, for a summary: what the policy asks and what the
    /// device lacks.
    pub fn plain(&self) -> &'static str {
        match self {
            Self::Disabled => "Windows Hello for Business turned off",
            Self::NoSecurityDevice => "TPM required, device has none",
            Self::Tpm12Excluded => "TPM required, TPM 1.2 excluded, device has 1.2",
        }
    }
}

/// A TPM name other than `none`, `1.2` or `2.0`.
#[derive(Clone, Copy, Debug, Eq, Error, PartialEq)]
#[error("a TPM is one of none, 1.2, 2.0")]
pub struct UnknownTpm;

/// Why a PIN was not set.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum SetPinError {
    /// The policy forbids provisioning.
    #[error("PIN provisioning is refused: {0}")]
    Refused(#[from] ProvisioningRefusal),
    /// The PIN breaks one or more rules (the History rule included); all are listed.
    #[error("the PIN does not meet the policy: {}", Messages(.0))]
    Violations(Vec<Violation>),
    /// Hashing the new PIN, or checking it against a stored hash, failed.
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// Why a PIN could not be hashed or checked against a hash.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, Error, PartialEq)]
pub enum HashError {
    /// The PHC string does not parse.
    #[error("the stored PIN hash is malformed: {0}")]
    Malformed(argon2::password_hash::Error),
    /// The PHC string is longer than the limit.
    #[error("the stored PIN hash is longer than {limit} bytes")]
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The hash is not an argon2id hash (version 0x13) with a salt and an output.
    #[error("the stored PIN hash is not an argon2id hash with a salt")]
    NotArgon2id,
    /// The cost parameters exceed what pfw will spend on one check.
    #[error(
        "argon2 cost m={m_cost_kib} KiB, t={t_cost}, p={p_cost} is outside pfw's limits \
         (m at most {max_m} KiB, t at most {max_t}, p at most {max_p})",
        max_m = crate::pin::hash::MAX_M_COST_KIB,
        max_t = crate::pin::hash::MAX_T_COST,
        max_p = crate::pin::hash::MAX_P_COST
    )]
    CostOutOfLimits {
        /// Memory, in KiB.
        m_cost_kib: u32,
        /// Iterations.
        t_cost: u32,
        /// Parallelism.
        p_cost: u32,
    },
    /// The argon2 parameters are invalid.
    #[error("invalid argon2 parameters: {0}")]
    Params(argon2::Error),
    /// Hashing failed.
    #[error("PIN hashing failed: {0}")]
    Hashing(argon2::password_hash::Error),
}

/// Why a stored PIN record is not trusted.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, Error, PartialEq)]
pub enum PinRecordError {
    /// One of its hashes is not acceptable.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// It keeps more previous hashes than any History value needs.
    #[error("the record keeps {count} previous PIN hashes; at most {limit} are ever needed")]
    TooManyPrevious {
        /// How many it keeps.
        count: usize,
        /// The most History can need.
        limit: usize,
    },
    /// Its PIN length is outside what any policy accepts.
    #[error("the recorded PIN length {length} is outside {min}..={max}")]
    LengthOutOfRange {
        /// The recorded length.
        length: u32,
        /// The shortest PIN any policy accepts.
        min: u32,
        /// The longest PIN any policy accepts.
        max: u32,
    },
}

/// Joins violation messages for display.
struct Messages<'a>(&'a [Violation]);

impl fmt::Display for Messages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&violation.message)?;
        }
        Ok(())
    }
}
