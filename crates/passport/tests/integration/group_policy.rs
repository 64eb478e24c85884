//! Group Policy sources in the resolver, one line per case (policy-facts.md §1–2): the family
//! that wins a group, the rule each setting names, the values it beat, user GP limited to the
//! ADMX's `class="Both"` policies, and Group Policy naming no tenant.

use pfw_passport::policy::{
    GROUP_POLICY_TENANT, PolicySource, PolicyValue, Provenance, Rule, SourceKind, TenantChoice,
    resolve,
};

use crate::support::{OTHER, T};

/// A Group Policy source: its values below the tenant segment Group Policy writes.
fn gp(kind: SourceKind, values: &[(&str, &str)]) -> PolicySource {
    mdm(kind, GROUP_POLICY_TENANT, values)
}

/// An MDM source: its values below `tenant`'s `Policies`.
fn mdm(kind: SourceKind, tenant: &str, values: &[(&str, &str)]) -> PolicySource {
    values.iter().fold(PolicySource::new(kind), |s, (k, v)| {
        s.with_value(format!("{tenant}/Policies/{k}"), *v)
    })
}

#[test]
fn group_policy_in_the_source_list() {
    use PolicyValue::{Bool, Int};
    type Case<'a> = (
        &'a str,
        Vec<PolicySource>,
        &'a str,
        PolicyValue,
        Provenance,
        Option<Rule>,
        usize,
    );
    let (cgp, ugp, dev) = (
        SourceKind::ComputerGroupPolicy,
        SourceKind::UserGroupPolicy,
        SourceKind::Device,
    );
    let (min, upfw, recovery) = (
        "PINComplexity/MinimumPINLength",
        "UsePassportForWork",
        "EnablePinRecovery",
    );
    #[rustfmt::skip]
    let cases: Vec<Case<'_>> = vec![
        // [Manage-2022]: PIN complexity from one source, GP before MDM; the MDM value is a loser.
        ("GP wins the PIN group", vec![gp(cgp, &[(min, "6")]), mdm(dev, T, &[(min, "8")])], min, Int(6), Provenance::ComputerGroupPolicy, Some(Rule::PinComplexityGroup), 1),
        // [Configure-2024]: user policy beats computer policy, policy by policy.
        ("user GP beats computer GP", vec![gp(ugp, &[(upfw, "false")]), gp(cgp, &[(upfw, "true")])], upfw, Bool(false), Provenance::UserGroupPolicy, Some(Rule::UserBeatsDevice), 1),
        // policy-sources-facts.md §1.1: PIN complexity is Computer-only in Group Policy.
        ("user GP PIN length is not applied", vec![gp(ugp, &[(min, "9")]), mdm(dev, T, &[(min, "8")])], min, Int(8), Provenance::Device, None, 0),
        // §1.3: Group Policy names no tenant and applies whatever the tenant in force.
        ("GP applies for any tenant", vec![gp(cgp, &[(recovery, "true")]), mdm(dev, OTHER, &[(recovery, "false")])], recovery, Bool(true), Provenance::ComputerGroupPolicy, Some(Rule::PerPolicy), 1),
    ];
    for (name, sources, key, value, source, rule, losers) in cases {
        let p = resolve(&sources, &TenantChoice::default(), None).expect("one tenant at most");
        let s = p.setting(key).expect("in the catalog");
        assert_eq!(
            (&s.value, s.source, s.rule, s.losers.len()),
            (&value, source, rule, losers),
            "{name}: {s:?}"
        );
    }
}

/// Group Policy's tenant segment is not a tenant: it never makes the choice ambiguous.
#[test]
fn group_policy_is_not_a_tenant() {
    let sources = [
        gp(
            SourceKind::ComputerGroupPolicy,
            &[("UsePassportForWork", "true")],
        ),
        mdm(SourceKind::Device, T, &[("EnablePinRecovery", "true")]),
    ];
    let p = resolve(&sources, &TenantChoice::default(), None).expect("one tenant");
    assert_eq!(p.tenant.as_deref(), Some(T));
}
