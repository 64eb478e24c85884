//! pfw-passport: the PassportForWork configuration service provider's own logic.
//!
//! - [`policy`]: the catalog of every PassportForWork policy and the resolution of the
//!   policy in force from a list of sources (the user's tree, the device's), with where each
//!   value came from and why;
//! - [`pin`]: the PIN rules that policy sets, the check of a PIN against them, and the
//!   per-user PIN record (argon2id hashes, history, expiration);
//! - [`schema`]: the CSP as the management tree sees it: pfw's own DDF file and the node
//!   rules a DDF cannot state;
//! - [`state`]: the CSP's state in a pfw store: policy sources, TPM and tenant properties,
//!   PIN records;
//! - [`clock`]: where the current time comes from.
//!
//! Everything here is pure: inputs are plain maps of stored values, outputs plain structs.
//!
//! ```
//! use pfw_passport::policy::{PolicySource, SourceKind, TenantChoice, keys, resolve};
//! use pfw_passport::pin::{PinPolicy, Rule, check};
//!
//! let tenant = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";
//! let device = PolicySource::new(SourceKind::Device)
//!     .with_value(format!("{tenant}/Policies/PINComplexity/MinimumPINLength"), "6");
//! let policy = resolve(&[device], &TenantChoice::default(), None)?;
//! assert_eq!(policy.int_of(keys::MINIMUM_PIN_LENGTH), Some(6));
//!
//! let violations = check("1234", &PinPolicy::from_effective(&policy));
//! assert_eq!(violations[0].rule, Rule::MinimumLength);
//! # Ok::<(), pfw_passport::ResolveError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod error;
pub mod pin;
pub mod policy;
pub mod schema;
pub mod state;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{
    HashError, InvalidValue, PinRecordError, ProvisioningRefusal, ResolveError, SetPinError,
};
pub use pin::{PinPolicy, PinRecord, PinStatus, Provisioning, Tpm, Violation};
pub use policy::{EffectivePolicy, PolicySource, Setting, SourceKind, TenantChoice, resolve};
