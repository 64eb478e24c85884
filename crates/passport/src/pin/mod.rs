//! PINs: the rules in force, whether provisioning is allowed, argon2id hashing, and the
//! per-user record with history and expiration.

pub mod hash;
pub mod provisioning;
pub mod record;
pub mod rules;

pub use hash::{HashParams, PhcHash};
pub use provisioning::{Provisioning, Tpm};
pub use record::{NewPin, PinRecord, PinStatus, reset_pin, reuse_violation, set_pin, status};
pub use rules::{CharRule, CharSets, PinPolicy, Rule, Violation, check};
