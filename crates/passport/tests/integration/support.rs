//! Helpers shared by the test modules.

use pfw_passport::policy::catalog::DEVICE_WIDE_ROOTS;
use pfw_passport::policy::{
    EffectivePolicy, PolicySource, PolicyValue, Provenance, SourceKind, TenantChoice, resolve,
};

/// The tenant of most tests.
pub(crate) const T: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";
/// Another tenant.
pub(crate) const OTHER: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

/// The stored path of a key: device-wide keys as they are, full paths (with `/Policies/`) as
/// they are, tenant keys below [`T`].
pub(crate) fn path(key: &str) -> String {
    let first = key.split('/').next().unwrap_or_default();
    if DEVICE_WIDE_ROOTS.contains(&first) || key.contains("/Policies/") {
        key.to_owned()
    } else {
        format!("{T}/Policies/{key}")
    }
}

/// A source of `kind` holding `values` (keys as [`path`] takes them).
pub(crate) fn source(kind: SourceKind, values: &[(&str, &str)]) -> PolicySource {
    values
        .iter()
        .fold(PolicySource::new(kind), |s, (key, raw)| {
            s.with_value(path(key), *raw)
        })
}

/// Resolves a user source and a device source, in that precedence, with no tenant chosen.
pub(crate) fn run(user: &[(&str, &str)], device: &[(&str, &str)]) -> EffectivePolicy {
    resolve(
        &[
            source(SourceKind::User, user),
            source(SourceKind::Device, device),
        ],
        &TenantChoice::default(),
        Some("alice"),
    )
    .expect("one tenant at most")
}

/// Asserts one setting's value and provenance.
#[track_caller]
pub(crate) fn expect(policy: &EffectivePolicy, key: &str, value: PolicyValue, source: Provenance) {
    let setting = policy
        .setting(key)
        .unwrap_or_else(|| panic!("no setting {key}"));
    assert_eq!(
        (&setting.value, setting.source),
        (&value, source),
        "{key}: {setting:?}"
    );
}
