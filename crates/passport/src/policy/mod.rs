//! PassportForWork policies: the catalog of every policy, typed values, the resolution of the
//! policy in force from the user's and the device's trees, and its summary for one device.

pub mod catalog;
pub mod resolve;
pub mod summary;
pub mod value;

pub use catalog::{AdminGroup, ConflictGroup, PolicyDef, ValueKind, catalog, keys};
pub use resolve::{
    CharSetFallback, EffectivePolicy, GROUP_POLICY_TENANT, Ignored, Loser, PolicySource,
    Provenance, Rule, Setting, SourceKind, TenantChoice, TenantReason, resolve,
};
pub use summary::Summary;
pub use value::PolicyValue;
