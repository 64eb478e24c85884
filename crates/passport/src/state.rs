//! The PassportForWork CSP's state in a pfw store: the policy sources its trees hold, the
//! device properties it reads (TPM, the device's tenant), and the per-user PIN records it
//! keeps beside the trees.

use pfw_ddf::decode_segment;
use pfw_tree::{InstanceId, RecordKey, Store, StoreError};
use serde::Serialize;
use thiserror::Error;

use crate::error::{HashError, ProvisioningRefusal, ResolveError, SetPinError, UnknownTpm};
use crate::pin::{
    HashParams, NewPin, PinPolicy, PinRecord, PinStatus, Provisioning, Tpm, Violation, check,
    reset_pin, reuse_violation, set_pin, status,
};
use crate::policy::catalog::DEVICE_WIDE_ROOTS;
use crate::policy::{EffectivePolicy, PolicySource, SourceKind, TenantChoice, resolve};

/// Device property holding the TPM (`none`, `1.2`, `2.0`).
pub const TPM_PROPERTY: &str = "tpm";
/// Device property holding the device's tenant (a TenantId).
pub const TENANT_PROPERTY: &str = "tenant";
/// Record namespace of the PIN records.
pub const PIN_NAMESPACE: &str = "passport.pin";
/// Record key of a user's PIN record.
const PIN_KEY: &str = "record";
/// Record namespace of the Group Policy applied to the device (`pfw gpo apply`): owner
/// [`COMPUTER_OWNER`] for Computer Configuration, a user's name for that user's.
pub const GROUP_POLICY_NAMESPACE: &str = "passport.gpo";
/// The owner of the computer's Group Policy record (no account has an empty name).
pub const COMPUTER_OWNER: &str = "";
/// Record key of a Group Policy record.
const GROUP_POLICY_KEY: &str = "values";
/// Where the CSP's tree starts, below the scope.
const ROOT_KEY: &str = "Vendor/MSFT/PassportForWork";

/// Why the CSP's state could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StateError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The policy's tenant could not be chosen.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// A stored PIN record is not valid (an edited or damaged state).
    #[error("the stored PIN record of {user} is damaged: {source}")]
    PinRecord {
        /// The user.
        user: String,
        /// What is wrong (the record's own checks run while it is read).
        source: serde_json::Error,
    },
    /// A PIN record could not be encoded.
    #[error("cannot encode the PIN record: {0}")]
    Encode(serde_json::Error),
    /// The stored TPM property is not `none`, `1.2` or `2.0`.
    #[error(transparent)]
    Tpm(#[from] UnknownTpm),
    /// A stored Group Policy record is not valid (an edited or damaged state).
    #[error("the stored Group Policy of {owner} is damaged: {source}")]
    GroupPolicy {
        /// `computer`, or the user's name.
        owner: String,
        /// What is wrong.
        source: serde_json::Error,
    },
}

/// The Group Policy applied to the device for the computer or one user: the values it sets,
/// by path below `PassportForWork/` (tenant policies under
/// [`GROUP_POLICY_TENANT`](crate::policy::GROUP_POLICY_TENANT)), and the files it came from.
#[derive(Clone, Debug, Default, Eq, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPolicyRecord {
    /// The files applied, in order.
    pub files: Vec<String>,
    /// The values in force from them.
    pub values: std::collections::BTreeMap<String, String>,
}

/// The Group Policy stored for the computer (`user` `None`) or a user, if any.
pub fn group_policy(
    store: &dyn Store,
    user: Option<&str>,
) -> Result<Option<GroupPolicyRecord>, StateError> {
    let owner = user.unwrap_or(COMPUTER_OWNER);
    let Some(bytes) = store.record(RecordKey::new(
        GROUP_POLICY_NAMESPACE,
        owner,
        GROUP_POLICY_KEY,
    ))?
    else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| StateError::GroupPolicy {
            owner: user.unwrap_or("computer").to_owned(),
            source,
        })
}

/// Stores (`Some`) or clears (`None`) the Group Policy of the computer or a user (inside a
/// transaction).
pub fn set_group_policy(
    store: &mut dyn Store,
    user: Option<&str>,
    record: Option<&GroupPolicyRecord>,
) -> Result<(), StateError> {
    let owner = user.unwrap_or(COMPUTER_OWNER);
    set_json(
        store,
        RecordKey::new(GROUP_POLICY_NAMESPACE, owner, GROUP_POLICY_KEY),
        record,
    )
}

/// The emulated device's TPM (a fresh device has TPM 2.0).
pub fn tpm(store: &dyn Store) -> Result<Tpm, StateError> {
    match store.property(TPM_PROPERTY)? {
        Some(text) => Ok(text.parse()?),
        None => Ok(Tpm::V20),
    }
}

/// The device's tenant, when set with `pfw device tenant`.
pub fn device_tenant(store: &dyn Store) -> Result<Option<String>, StoreError> {
    store.property(TENANT_PROPERTY)
}

/// The policy sources of a device, in precedence order (policy-facts.md §1): `user`'s Group
/// Policy and the computer's (when `pfw gpo apply` stored any), then `user`'s tree (when given
/// and it exists), then the device's.
pub fn all_sources(store: &dyn Store, user: Option<&str>) -> Result<Vec<PolicySource>, StateError> {
    let mut out = Vec::with_capacity(4);
    for (owner, kind) in [
        (user, SourceKind::UserGroupPolicy),
        (None, SourceKind::ComputerGroupPolicy),
    ] {
        if kind == SourceKind::UserGroupPolicy && owner.is_none() {
            continue;
        }
        if let Some(record) = group_policy(store, owner)? {
            let mut source = PolicySource::new(kind);
            source.values = record.values;
            out.push(source);
        }
    }
    out.extend(sources(store, user)?);
    Ok(out)
}

/// The MDM policy sources of a device, in precedence order: `user`'s tree (when given and it
/// exists), then the device's.
pub fn sources(store: &dyn Store, user: Option<&str>) -> Result<Vec<PolicySource>, StoreError> {
    let mut out = Vec::with_capacity(2);
    if let Some(user) = user
        && let Some(id) = store.find_instance(Some(user))?
    {
        out.push(source(store, id, SourceKind::User)?);
    }
    out.push(source(store, InstanceId::DEVICE, SourceKind::Device)?);
    Ok(out)
}

/// The policy in force for `user` (or the device alone), with the tenant chosen as DESIGN.md
/// says: `tenant` if given, else the device's tenant property, else the only tenant present.
pub fn policy_in_force(
    store: &dyn Store,
    user: Option<&str>,
    tenant: Option<&str>,
) -> Result<EffectivePolicy, StateError> {
    let choice = TenantChoice {
        override_tenant: tenant.map(str::to_owned),
        device_tenant: device_tenant(store)?,
    };
    Ok(resolve(&all_sources(store, user)?, &choice, user)?)
}

/// `user`'s PIN record, if a PIN is set.
pub fn pin_record(store: &dyn Store, user: &str) -> Result<Option<PinRecord>, StateError> {
    let Some(bytes) = store.record(RecordKey::new(PIN_NAMESPACE, user, PIN_KEY))? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| StateError::PinRecord {
            user: user.to_owned(),
            source,
        })
}

/// Stores (`Some`) or forgets (`None`) `user`'s PIN record (inside a transaction).
pub fn set_pin_record(
    store: &mut dyn Store,
    user: &str,
    record: Option<&PinRecord>,
) -> Result<(), StateError> {
    set_json(store, RecordKey::new(PIN_NAMESPACE, user, PIN_KEY), record)
}

/// Stores `value` as JSON in the record `at` (`None`: removes the record).
fn set_json<T: Serialize>(
    store: &mut dyn Store,
    at: RecordKey<'_>,
    value: Option<&T>,
) -> Result<(), StateError> {
    let bytes = value
        .map(serde_json::to_vec)
        .transpose()
        .map_err(StateError::Encode)?;
    Ok(store.set_record(at, bytes.as_deref())?)
}

fn source(
    store: &dyn Store,
    instance: InstanceId,
    kind: SourceKind,
) -> Result<PolicySource, StoreError> {
    let mut source = PolicySource::new(kind);
    let prefix = format!("{ROOT_KEY}/");
    for (key, value) in store.descendants(instance, ROOT_KEY)? {
        let Some(relative) = key.strip_prefix(&prefix) else {
            continue;
        };
        let decoded: Option<Vec<String>> = relative.split('/').map(decode_segment).collect();
        let Some(segments) = decoded else { continue };
        match value {
            Some(v) => {
                source.values.insert(segments.join("/"), v);
            }
            None if segments.len() == 1 && !DEVICE_WIDE_ROOTS.contains(&segments[0].as_str()) => {
                source.tenants.insert(segments[0].clone());
            }
            None => {}
        }
    }
    Ok(source)
}

/// A user's PIN against the policy in force on the device in a store: what `pin check`,
/// `pin set`, `pin reset` and `pin status` decide, each in one place.
#[derive(Clone, Debug)]
pub struct UserPin {
    /// The policy in force for the user.
    pub policy: EffectivePolicy,
    /// Its PIN rules.
    pub rules: PinPolicy,
    /// Whether the device may provision a PIN, and why not.
    pub provisioning: Provisioning,
    /// The user's stored PIN, if one is set.
    pub record: Option<PinRecord>,
}

/// What a check of a candidate PIN found.
#[derive(Clone, Debug)]
pub struct PinCheck {
    /// Every rule the PIN breaks; the History rule only when every other rule is kept.
    pub violations: Vec<Violation>,
    /// Why the device would refuse to provision any PIN, even a compliant one.
    pub refused: Option<ProvisioningRefusal>,
}

impl UserPin {
    /// Reads `user`'s policy in force (`tenant` chosen as [`policy_in_force`] does), the
    /// device's TPM and the user's PIN record.
    pub fn load(store: &dyn Store, user: &str, tenant: Option<&str>) -> Result<Self, StateError> {
        let policy = policy_in_force(store, Some(user), tenant)?;
        let provisioning = Provisioning::from_effective(&policy, tpm(store)?);
        Ok(Self {
            rules: PinPolicy::from_effective(&policy),
            provisioning,
            record: pin_record(store, user)?,
            policy,
        })
    }

    /// Checks `pin` as a new PIN: the rules first (all violations), then, when they all
    /// pass, reuse of the current or a previous PIN; and whether provisioning is refused.
    pub fn check(&self, pin: &str) -> Result<PinCheck, HashError> {
        let mut violations = check(pin, &self.rules);
        if violations.is_empty()
            && let Some(v) = reuse_violation(self.record.as_ref(), pin, &self.rules)?
        {
            violations.push(v);
        }
        Ok(PinCheck {
            violations,
            refused: self.provisioning.check().err(),
        })
    }

    /// The record `pin` would be stored as (set keeps history, reset forgets it), or why
    /// not; [`set_pin_record`] stores it.
    pub fn change(
        &self,
        pin: &str,
        change: PinChange,
        now: i64,
        params: HashParams,
    ) -> Result<PinRecord, SetPinError> {
        let new = NewPin {
            policy: &self.rules,
            provisioning: &self.provisioning,
            now,
            params,
        };
        match change {
            PinChange::Set => set_pin(self.record.as_ref(), pin, new),
            PinChange::Reset => reset_pin(pin, new),
        }
    }

    /// The state of the stored PIN under the policy in force at `now`.
    pub fn status(&self, now: i64) -> PinStatus {
        status(self.record.as_ref(), &self.rules, now)
    }
}

/// How a new PIN replaces the old one.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum PinChange {
    /// `pin set`: the old PIN moves into the history, which the new one is checked against.
    Set,
    /// `pin reset`: the history is forgotten; the new PIN is checked against the rules and
    /// provisioning only.
    Reset,
}
