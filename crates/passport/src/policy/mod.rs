//! PassportForWork policies: the catalog of every policy, typed values, and the resolution
//! of the policy in force from the user's and the device's trees.

pub mod catalog;
pub mod resolve;
pub mod value;

pub use catalog::{AdminGroup, ConflictGroup, PolicyDef, ValueKind, catalog, keys};
pub use resolve::{
    EffectivePolicy, GROUP_POLICY_TENANT, Ignored, Loser, PolicySource, Provenance, Rule, Setting,
    SourceKind, TenantChoice, TenantReason, resolve,
};
pub use value::PolicyValue;
