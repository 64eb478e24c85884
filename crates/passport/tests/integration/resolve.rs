//! Resolution rules, one case per line: the user's and the device's stored values, then the
//! settings expected, each case citing where the expectation comes from.

use pfw_passport::ResolveError;
use pfw_passport::policy::catalog::keys::*;
use pfw_passport::policy::{
    PolicySource, PolicyValue::*, Provenance::*, SourceKind, TenantChoice, TenantReason, resolve,
};

use crate::support::{OTHER, T, expect, path, run, source};

const GUID: &str = "{0B2E7A5C-1D3F-4A6B-8C9D-0E1F2A3B4C5D}";

/// `name: user[key => raw, …] device[key => raw, …] => [key => value, provenance; …];`
macro_rules! resolves {
    ($($(#[$meta:meta])* $name:ident:
        user[$($uk:expr => $uv:expr),*] device[$($dk:expr => $dv:expr),*]
        => [$($key:expr => $value:expr, $from:expr);+];)*) => {$(
        $(#[$meta])*
        #[test]
        fn $name() {
            let policy = run(&[$(($uk, $uv)),*], &[$(($dk, $dv)),*]);
            $(expect(&policy, $key, $value, $from);)+
        }
    )*};
}

resolves! {
    /// DDF defaults; 2019 CSP page for the character sets; DESIGN.md for UseBiometrics.
    nothing_configured_takes_the_effective_defaults: user[] device[] => [MINIMUM_PIN_LENGTH => Int(4), Default; MAXIMUM_PIN_LENGTH => Int(127), Default; DIGITS => Int(1), Default; UPPERCASE_LETTERS => Int(2), Default; LOWERCASE_LETTERS => Int(2), Default; SPECIAL_CHARACTERS => Int(2), Default; USE_BIOMETRICS => Bool(true), Default; USE_PASSPORT_FOR_WORK => Bool(true), Default; HISTORY => Int(0), Default];
    /// policy-facts.md §1 (Configure-2024): a user value wins for its leaf; the device's other leaves still apply.
    user_value_beats_device_value_leaf_by_leaf: user[MINIMUM_PIN_LENGTH => "8"] device[MINIMUM_PIN_LENGTH => "6", MAXIMUM_PIN_LENGTH => "10", UPPERCASE_LETTERS => "1", HISTORY => "5"] => [MINIMUM_PIN_LENGTH => Int(8), User; MAXIMUM_PIN_LENGTH => Int(10), Device; UPPERCASE_LETTERS => Int(1), Device; HISTORY => Int(5), Device];
    /// policy-facts.md §1: if a user policy isn't set, the computer policy is used.
    device_value_applies_when_the_user_sets_nothing: user[] device[REQUIRE_SECURITY_DEVICE => "true"] => [REQUIRE_SECURITY_DEVICE => Bool(true), Device];
    /// policy-facts.md §1: RequireSecurityDevice is in the user tree too.
    user_scope_policy_from_the_user: user[REQUIRE_SECURITY_DEVICE => "false"] device[REQUIRE_SECURITY_DEVICE => "true"] => [REQUIRE_SECURITY_DEVICE => Bool(false), User];
    /// DESIGN.md: the length fallback runs on the merged result (minimum from the user, maximum from the device).
    length_fallback_triggered_only_by_the_merge: user[MINIMUM_PIN_LENGTH => "12"] device[MINIMUM_PIN_LENGTH => "6", MAXIMUM_PIN_LENGTH => "10"] => [MINIMUM_PIN_LENGTH => Int(4), Fallback; MAXIMUM_PIN_LENGTH => Int(127), Fallback];
    /// DDF note on both length policies: min > max makes both fall back to 4 and 127.
    length_fallback_within_one_source: user[] device[MINIMUM_PIN_LENGTH => "20", MAXIMUM_PIN_LENGTH => "8"] => [MINIMUM_PIN_LENGTH => Int(4), Fallback; MAXIMUM_PIN_LENGTH => Int(127), Fallback];
    /// DESIGN.md: minimum = maximum is allowed.
    equal_lengths_are_allowed: user[] device[MINIMUM_PIN_LENGTH => "6", MAXIMUM_PIN_LENGTH => "6"] => [MINIMUM_PIN_LENGTH => Int(6), Device; MAXIMUM_PIN_LENGTH => Int(6), Device];
    /// Unset minimum (default 4) against a configured maximum never falls back.
    configured_maximum_alone_applies: user[] device[MAXIMUM_PIN_LENGTH => "4"] => [MINIMUM_PIN_LENGTH => Int(4), Default; MAXIMUM_PIN_LENGTH => Int(4), Device];
    /// 2019 CSP page: all sets allowed, none required: default behaviour (digits required, others not allowed).
    all_four_sets_allowed_fall_back: user[] device[UPPERCASE_LETTERS => "0", LOWERCASE_LETTERS => "0", SPECIAL_CHARACTERS => "0", DIGITS => "0"] => [DIGITS => Int(1), Fallback; UPPERCASE_LETTERS => Int(2), Fallback; LOWERCASE_LETTERS => Int(2), Fallback; SPECIAL_CHARACTERS => Int(2), Fallback];
    /// DESIGN.md: the character-set rule runs on the merged result.
    all_four_sets_allowed_across_the_merge_fall_back: user[UPPERCASE_LETTERS => "0", LOWERCASE_LETTERS => "0"] device[SPECIAL_CHARACTERS => "0", DIGITS => "0", LOWERCASE_LETTERS => "1"] => [DIGITS => Int(1), Fallback; LOWERCASE_LETTERS => Int(2), Fallback];
    /// 2019 CSP page: the default behaviour applies only when none is required.
    one_required_set_keeps_the_configured_sets: user[] device[UPPERCASE_LETTERS => "0", LOWERCASE_LETTERS => "0", SPECIAL_CHARACTERS => "0", DIGITS => "1"] => [UPPERCASE_LETTERS => Int(0), Device; LOWERCASE_LETTERS => Int(0), Device; SPECIAL_CHARACTERS => Int(0), Device; DIGITS => Int(1), Device];
    /// 2019 CSP page: unconfigured sets keep their defaults (digits 1, others 2) beside configured ones.
    partially_configured_sets_default_the_rest: user[] device[UPPERCASE_LETTERS => "1"] => [UPPERCASE_LETTERS => Int(1), Device; DIGITS => Int(1), Default; LOWERCASE_LETTERS => Int(2), Default; SPECIAL_CHARACTERS => Int(2), Default];
    /// pfw decision (specs silent): no set allowed at all takes the default behaviour; only digits change.
    no_set_allowed_falls_back_to_digits: user[] device[DIGITS => "2"] => [DIGITS => Int(1), Fallback; UPPERCASE_LETTERS => Int(2), Default; LOWERCASE_LETTERS => Int(2), Default];
    /// DESIGN.md: with both nodes set, Biometrics/UseBiometrics wins.
    use_biometrics_both_nodes_set: user[] device[USE_BIOMETRICS_DEPRECATED => "true", USE_BIOMETRICS => "false"] => [USE_BIOMETRICS => Bool(false), Device; USE_BIOMETRICS_DEPRECATED => Bool(true), Device];
    /// 2019 CSP page: the root node is deprecated in favour of Biometrics/UseBiometrics; alone, it applies.
    deprecated_use_biometrics_alone_applies: user[] device[USE_BIOMETRICS_DEPRECATED => "false"] => [USE_BIOMETRICS => Bool(false), Device];
    /// DESIGN.md "Values": bool is true/false in any case.
    bools_in_any_case: user[] device[USE_PASSPORT_FOR_WORK => "FALSE"] => [USE_PASSPORT_FOR_WORK => Bool(false), Device];
    /// DESIGN.md "Untrusted input": an invalid stored value is not applied; the policy falls back as if unconfigured there.
    invalid_user_value_lets_the_device_value_apply: user[MINIMUM_PIN_LENGTH => "ten"] device[MINIMUM_PIN_LENGTH => "6"] => [MINIMUM_PIN_LENGTH => Int(6), Device];
    /// nodes.tsv: MinimumPINLength Range [4-127]; an out-of-range stored value is not applied.
    out_of_range_value_takes_the_default: user[] device[MINIMUM_PIN_LENGTH => "200", HISTORY => "51", EXPIRATION => "731"] => [MINIMUM_PIN_LENGTH => Int(4), Default; HISTORY => Int(0), Default; EXPIRATION => Int(0), Default];
    /// nodes.tsv: character sets are ENUM 0|1|2.
    char_set_outside_its_enum_is_not_applied: user[] device[UPPERCASE_LETTERS => "3"] => [UPPERCASE_LETTERS => Int(2), Default];
    /// policy-facts.md §1: Remote/UseRemotePassport is device-only; a user tree cannot set it.
    device_only_policy_in_the_user_tree_is_ignored: user["Remote/UseRemotePassport" => "true"] device[] => ["Remote/UseRemotePassport" => Bool(false), Default];
    /// DESIGN.md "Values": GroupA holds comma-separated braced GUIDs.
    braced_guid_list_applies: user[] device["DeviceUnlock/GroupA" => &format!("{GUID},{GUID}")] => ["DeviceUnlock/GroupA" => Text(format!("{GUID},{GUID}")), Device];
    /// nodes.tsv: GroupA's RegEx wants braces; no default.
    unbraced_guid_is_not_applied: user[] device["DeviceUnlock/GroupA" => "0B2E7A5C-1D3F-4A6B-8C9D-0E1F2A3B4C5D"] => ["DeviceUnlock/GroupA" => Unset, Default];
    /// nodes.tsv: EnableESSwithSupportedPeripherals int, default 1, ENUM 0|1.
    ess_default_and_value: user[] device["Biometrics/EnableESSwithSupportedPeripherals" => "0"] => ["Biometrics/EnableESSwithSupportedPeripherals" => Int(0), Device; "SecurityKey/UseSecurityKeyForSignin" => Int(0), Default];
}

#[test]
fn ignored_values_say_why() {
    let policy = run(
        &[
            (MINIMUM_PIN_LENGTH, "ten"),
            ("Remote/UseRemotePassport", "true"),
        ],
        &[
            (UPPERCASE_LETTERS, "3"),
            ("PINComplexity/NoSuchPolicy", "1"),
            ("Biometrics/NoSuchPolicy", "true"),
        ],
    );
    let reasons: Vec<(SourceKind, String, &str)> = policy
        .ignored
        .iter()
        .map(|i| (i.source, i.path.clone(), i.reason.as_str()))
        .collect();
    #[rustfmt::skip]
    let expected: &[(SourceKind, String, &str)] = &[
        // Stored values are untrusted: one that does not parse is reported, quoted.
        (SourceKind::User, path("PINComplexity/MinimumPINLength"), "stored value \"ten\" is not a decimal integer"),
        // policy-facts.md §1: the user tree has no Remote node.
        (SourceKind::User, path("Remote/UseRemotePassport"), "device-only policy"),
        // An edited state may hold nodes no DDF has.
        (SourceKind::Device, "Biometrics/NoSuchPolicy".to_owned(), "not a PassportForWork policy"),
        (SourceKind::Device, path("PINComplexity/NoSuchPolicy"), "not a PassportForWork policy"),
        // nodes.tsv: ENUM 0|1|2.
        (SourceKind::Device, path("PINComplexity/UppercaseLetters"), "3 is outside 0..=2"),
    ];
    assert_eq!(reasons.len(), expected.len(), "{reasons:#?}");
    for (source, path, fragment) in expected {
        assert!(
            reasons
                .iter()
                .any(|(s, p, r)| s == source && p == path && r.contains(fragment)),
            "{source} {path}: no reason containing {fragment:?} in {reasons:#?}"
        );
    }
}

#[test]
fn reasons_explain_overrides_fallbacks_and_defaults() {
    let policy = run(
        &[(MINIMUM_PIN_LENGTH, "12")],
        &[
            (MAXIMUM_PIN_LENGTH, "10"),
            (HISTORY, "3"),
            (USE_BIOMETRICS_DEPRECATED, "true"),
            (USE_BIOMETRICS, "true"),
        ],
    );
    let reason = |key| {
        policy
            .setting(key)
            .and_then(|s| s.reason.clone())
            .unwrap_or_default()
    };
    // The merge fallback names both values and their sources.
    assert!(
        reason(MINIMUM_PIN_LENGTH).contains("12 (user)"),
        "{}",
        reason(MINIMUM_PIN_LENGTH)
    );
    assert!(reason(MINIMUM_PIN_LENGTH).contains("10 (device)"));
    assert_eq!(reason(MINIMUM_PIN_LENGTH), reason(MAXIMUM_PIN_LENGTH));
    // A default that differs from the DDF's cites the 2019 page and keeps the DDF's value.
    let digits = policy.setting(DIGITS).expect("catalog has Digits");
    assert!(
        digits
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("2019 CSP page")
    );
    assert_eq!(digits.ddf_default.as_deref(), Some("0"));
    // A default equal to the DDF's says nothing.
    let expiration = policy.setting(EXPIRATION).expect("catalog has Expiration");
    assert_eq!(
        (&expiration.reason, &expiration.ddf_default),
        (&None, &None)
    );
    // The deprecated node says it lost.
    assert!(reason(USE_BIOMETRICS_DEPRECATED).contains("wins"));
    // A plain configured value says nothing.
    assert_eq!(reason(HISTORY), "");
}

#[test]
fn a_shadowed_device_value_is_named() {
    let policy = run(&[(MINIMUM_PIN_LENGTH, "8")], &[(MINIMUM_PIN_LENGTH, "6")]);
    let reason = policy
        .setting(MINIMUM_PIN_LENGTH)
        .and_then(|s| s.reason.clone());
    assert_eq!(
        reason.as_deref(),
        Some("the user value wins; the device value 6 is not used")
    );
}

#[test]
fn settings_follow_the_catalog() {
    let policy = run(&[], &[]);
    let keys: Vec<&str> = policy.settings.iter().map(|s| s.key).collect();
    let catalog: Vec<&str> = pfw_passport::policy::catalog()
        .iter()
        .map(|d| d.key)
        .collect();
    assert_eq!(keys, catalog);
}

/// One tenant-choice case per line: the TenantId nodes of the user and device sources (each
/// given one leaf, `MinimumPINLength` = 5 under the user's, 6 under the device's), the
/// `--tenant` override and the device property, then the tenant, its reason and the minimum
/// length expected.
#[test]
fn tenant_choice() {
    type Case<'a> = (
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        TenantReason,
        i32,
    );
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        // Tenant choice: with no tenant anywhere, tenant policies all default.
        ("no tenant", &[], &[], None, None, None, TenantReason::NoTenant, 4),
        // Tenant choice: exactly one tenant across the sources is the one.
        ("only tenant (device)", &[], &[T], None, None, Some(T), TenantReason::OnlyTenantPresent, 6),
        ("only tenant (both)", &[T], &[T], None, None, Some(T), TenantReason::OnlyTenantPresent, 5),
        // Tenant choice: the device's tenant property chooses; DESIGN.md: other tenants are ignored.
        ("device property", &[OTHER], &[T], None, Some(T), Some(T), TenantReason::DeviceProperty, 6),
        // Tenant choice: --tenant wins over the device's property.
        ("override", &[OTHER], &[T], Some(OTHER), Some(T), Some(OTHER), TenantReason::Override, 5),
        // An override naming a tenant with no policy leaves tenant policies at their defaults.
        ("override absent", &[T], &[T], Some(OTHER), None, Some(OTHER), TenantReason::Override, 4),
    ];
    for (name, user_tenants, device_tenants, override_tenant, device_tenant, tenant, reason, min) in
        cases
    {
        let with = |kind, tenants: &[&str], min: &str| {
            tenants.iter().fold(PolicySource::new(kind), |s, t| {
                s.with_value(format!("{t}/Policies/{MINIMUM_PIN_LENGTH}"), min)
            })
        };
        let sources = [
            with(SourceKind::User, user_tenants, "5"),
            with(SourceKind::Device, device_tenants, "6"),
        ];
        let choice = TenantChoice {
            override_tenant: override_tenant.map(str::to_owned),
            device_tenant: device_tenant.map(str::to_owned),
        };
        let policy = resolve(&sources, &choice, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(policy.tenant.as_deref(), *tenant, "{name}");
        assert_eq!(policy.tenant_reason, *reason, "{name}");
        assert_eq!(policy.int_of(MINIMUM_PIN_LENGTH), Some(*min), "{name}");
    }
}

#[test]
fn a_foreign_tenants_policy_is_ignored_with_the_reason() {
    // DESIGN.md: only the device's own tenant applies; policy under another is ignored and said.
    let device = source(SourceKind::Device, &[(MINIMUM_PIN_LENGTH, "6")])
        .with_value(format!("{OTHER}/Policies/{MINIMUM_PIN_LENGTH}"), "9")
        .with_value(format!("{OTHER}/Policies/{USE_PASSPORT_FOR_WORK}"), "false");
    let choice = TenantChoice {
        override_tenant: None,
        device_tenant: Some(T.to_owned()),
    };
    let policy = resolve(&[device], &choice, None).expect("tenant chosen");
    expect(&policy, MINIMUM_PIN_LENGTH, Int(6), Device);
    expect(&policy, USE_PASSPORT_FOR_WORK, Bool(true), Default);
    let reasons: Vec<&str> = policy.ignored.iter().map(|i| i.reason.as_str()).collect();
    let expected = format!("tenant {OTHER} is not the device's tenant {T}");
    assert_eq!(reasons, [expected.as_str(), expected.as_str()]);
}

#[test]
fn several_tenants_with_no_choice_is_an_error_listing_them() {
    // Tenant choice: several tenants and none chosen is a typed error listing them (the CLI exits 2).
    let user = PolicySource::new(SourceKind::User).with_tenant(OTHER);
    let device = source(SourceKind::Device, &[(MINIMUM_PIN_LENGTH, "6")]);
    let err = resolve(&[user, device], &TenantChoice::default(), Some("alice")).unwrap_err();
    let mut both = vec![T.to_owned(), OTHER.to_owned()];
    both.sort();
    assert_eq!(err, ResolveError::SeveralTenants { tenants: both });
}

#[test]
fn a_tenant_node_without_leaves_counts_as_present() {
    // pfw: a tenant may exist with no leaves; alone, it is the only tenant present.
    let device = PolicySource::new(SourceKind::Device).with_tenant(T);
    let policy = resolve(&[device], &TenantChoice::default(), None).expect("one tenant");
    assert_eq!(
        (policy.tenant.as_deref(), policy.tenant_reason),
        (Some(T), TenantReason::OnlyTenantPresent)
    );
    assert_eq!(policy.tenant_reason.to_string(), "the only tenant present");
}

#[test]
fn device_wide_policies_do_not_depend_on_the_tenant() {
    // 2019 CSP page: Biometrics, DeviceUnlock, DynamicLock and SecurityKey sit at the CSP root.
    let device = source(SourceKind::Device, &[("DynamicLock/DynamicLock", "true")])
        .with_value(format!("{OTHER}/Policies/{HISTORY}"), "3");
    let choice = TenantChoice {
        override_tenant: None,
        device_tenant: Some(T.to_owned()),
    };
    let policy = resolve(&[device], &choice, None).expect("tenant chosen");
    expect(&policy, "DynamicLock/DynamicLock", Bool(true), Device);
    expect(&policy, HISTORY, Int(0), Default);
}

#[test]
fn the_device_tree_alone_resolves_the_2019_example() {
    // Seed 000: the 2019 example message's values, under its own tenant name.
    let tenant = "5NEMDU42-45CC-8CBL-8BPF-D7092646325F";
    let pairs = [
        ("UsePassportForWork", "true"),
        ("RequireSecurityDevice", "true"),
        ("PINComplexity/MinimumPINLength", "8"),
        ("PINComplexity/MaximumPINLength", "16"),
        ("PINComplexity/UppercaseLetters", "0"),
        ("PINComplexity/LowercaseLetters", "1"),
        ("PINComplexity/SpecialCharacters", "2"),
        ("PINComplexity/Digits", "1"),
        ("PINComplexity/History", "20"),
        ("PINComplexity/Expiration", "70"),
        ("Remote/UseRemotePassport", "true"),
    ];
    let device = pairs
        .iter()
        .fold(PolicySource::new(SourceKind::Device), |s, (k, v)| {
            s.with_value(format!("{tenant}/Policies/{k}"), *v)
        })
        .with_value("Biometrics/UseBiometrics", "true");
    let policy = resolve(&[device], &TenantChoice::default(), None).expect("one tenant");
    for (key, raw) in pairs {
        let def = pfw_passport::policy::catalog::by_key(key).expect("in catalog");
        expect(&policy, key, def.parse(raw).expect("valid"), Device);
    }
    expect(&policy, USE_BIOMETRICS, Bool(true), Device);
    assert!(policy.ignored.is_empty(), "{:?}", policy.ignored);
}
