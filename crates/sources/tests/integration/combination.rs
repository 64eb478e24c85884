//! The rules that combine Group Policy and MDM, one line per case, each citing its source:
//! policy-facts.md §1 (user GP > computer GP > user MDM > device MDM, [Configure-2024] and
//! [Manage-2022]) and §2 (the groups of [Manage-2022], its worked example, MDMWinsOverGP).

use pfw_passport::policy::{
    GROUP_POLICY_TENANT, PolicySource, PolicyValue, Provenance, Rule, SourceKind, TenantChoice,
    keys, resolve,
};

use crate::support::{T, must_read, oma, policy_of};

use PolicyValue::{Bool, Int};
use Provenance::{
    ComputerGroupPolicy as CGP, Default as DEF, Device as DEV, User as UMDM, UserGroupPolicy as UGP,
};

const UPFW: &str = keys::USE_PASSPORT_FOR_WORK;
const CERT: &str = "UseCertificateForOnPremAuth";
const MIN: &str = keys::MINIMUM_PIN_LENGTH;
const DIGITS: &str = keys::DIGITS;
const RSD: &str = keys::REQUIRE_SECURITY_DEVICE;
const RECOVERY: &str = "EnablePinRecovery";
const BIO: &str = keys::USE_BIOMETRICS;

/// The four sources, highest first; each a list of (key, raw value).
type Four<'a> = [&'a [(&'a str, &'a str)]; 4];

fn run(four: Four<'_>) -> pfw_passport::EffectivePolicy {
    let kinds = [
        SourceKind::UserGroupPolicy,
        SourceKind::ComputerGroupPolicy,
        SourceKind::User,
        SourceKind::Device,
    ];
    let sources: Vec<PolicySource> = kinds
        .iter()
        .zip(four)
        .map(|(kind, values)| {
            values.iter().fold(PolicySource::new(*kind), |s, (k, v)| {
                let tenant = if kind.is_group_policy() {
                    GROUP_POLICY_TENANT
                } else {
                    T
                };
                let path = if k.starts_with("Biometrics/") {
                    (*k).to_owned()
                } else {
                    format!("{tenant}/Policies/{k}")
                };
                s.with_value(path, *v)
            })
        })
        .collect();
    resolve(&sources, &TenantChoice::default(), Some("alice")).expect("one tenant")
}

/// (case, [user GP, computer GP, user MDM, device MDM], key, value, source, rule) — one line each.
type Case<'a> = (
    &'a str,
    Four<'a>,
    &'a str,
    PolicyValue,
    Provenance,
    Option<Rule>,
);

#[test]
fn combination_rules() {
    let cases: &[Case<'_>] = &[
        // §1 precedence, each step (Configure-2024 "Enforcement hierarchy"), feature enablement.
        (
            "user GP > computer GP",
            [&[(UPFW, "false")], &[(UPFW, "true")], &[], &[]],
            UPFW,
            Bool(false),
            UGP,
            Some(Rule::UserBeatsDevice),
        ),
        (
            "computer GP > user MDM",
            [&[], &[(UPFW, "true")], &[(UPFW, "false")], &[]],
            UPFW,
            Bool(true),
            CGP,
            Some(Rule::FeatureEnablementGroup),
        ),
        (
            "user MDM > device MDM",
            [&[], &[], &[(UPFW, "false")], &[(UPFW, "true")]],
            UPFW,
            Bool(false),
            UMDM,
            Some(Rule::UserBeatsDevice),
        ),
        (
            "device MDM alone",
            [&[], &[], &[], &[(UPFW, "false")]],
            UPFW,
            Bool(false),
            DEV,
            None,
        ),
        (
            "nothing: default",
            [&[], &[], &[], &[]],
            UPFW,
            Bool(true),
            DEF,
            None,
        ),
        // §2 feature enablement group (Manage-2022): UsePassportForWork decides the source.
        (
            "GP UsePassportForWork takes certificate trust too",
            [&[], &[(UPFW, "true")], &[], &[(CERT, "true")]],
            CERT,
            Bool(false),
            DEF,
            Some(Rule::FeatureEnablementGroup),
        ),
        (
            "GP certificate trust alone does not decide",
            [
                &[],
                &[(CERT, "true")],
                &[],
                &[(UPFW, "false"), (CERT, "false")],
            ],
            CERT,
            Bool(false),
            DEV,
            Some(Rule::FeatureEnablementGroup),
        ),
        (
            "user GP may set certificate trust (class Both)",
            [&[(UPFW, "true"), (CERT, "true")], &[], &[], &[]],
            CERT,
            Bool(true),
            UGP,
            None,
        ),
        // §2 PIN complexity group with RequireSecurityDevice (Manage-2022).
        (
            "GP PIN length takes the whole group",
            [&[], &[(MIN, "6")], &[], &[(MIN, "8"), (DIGITS, "0")]],
            MIN,
            Int(6),
            CGP,
            Some(Rule::PinComplexityGroup),
        ),
        (
            "MDM digits blocked by GP PIN length",
            [&[], &[(MIN, "6")], &[], &[(DIGITS, "0")]],
            DIGITS,
            Int(1),
            DEF,
            Some(Rule::PinComplexityGroup),
        ),
        (
            "GP RequireSecurityDevice takes PIN complexity",
            [&[], &[(RSD, "true")], &[], &[(MIN, "8")]],
            MIN,
            Int(4),
            DEF,
            Some(Rule::PinComplexityGroup),
        ),
        (
            "MDM group when GP sets none of it",
            [&[], &[(UPFW, "true")], &[], &[(MIN, "8")]],
            MIN,
            Int(8),
            DEV,
            None,
        ),
        // §1: PIN complexity Group Policy exists only under Computer Configuration.
        (
            "user GP PIN length is ignored",
            [&[(MIN, "10")], &[], &[], &[(MIN, "8")]],
            MIN,
            Int(8),
            DEV,
            None,
        ),
        // §2 every other policy, per policy (Manage-2022).
        (
            "per policy: GP wins its own policy",
            [
                &[],
                &[(RECOVERY, "false")],
                &[],
                &[(RECOVERY, "true"), (BIO, "false")],
            ],
            RECOVERY,
            Bool(false),
            CGP,
            Some(Rule::PerPolicy),
        ),
        (
            "per policy: MDM keeps the others",
            [
                &[],
                &[(RECOVERY, "false")],
                &[],
                &[(RECOVERY, "true"), (BIO, "false")],
            ],
            BIO,
            Bool(false),
            DEV,
            None,
        ),
    ];
    for (name, four, key, value, source, rule) in cases {
        let p = run(*four);
        let s = p.setting(key).unwrap_or_else(|| panic!("{name}: no {key}"));
        assert_eq!(
            (&s.value, s.source, s.rule),
            (value, *source, *rule),
            "{name}: {s:?}"
        );
    }
}

/// A CSP value that Group Policy blocks is shown as stored but not applied
/// ([Configure-2024]: "the conflicting CSP settings aren't applied until the group policy
/// settings are cleared").
#[test]
fn blocked_values_are_losers() {
    let p = run([&[], &[(MIN, "6")], &[], &[(MIN, "8")]]);
    let s = p.setting(MIN).expect("catalog");
    assert_eq!(s.losers.len(), 1);
    assert_eq!(
        (s.losers[0].source, &s.losers[0].value, s.losers[0].blocked),
        (DEV, &Int(8), true)
    );
    assert!(
        s.reason
            .as_deref()
            .is_some_and(|r| r.contains("not applied until the Group Policy settings are cleared")),
        "{s:?}"
    );
    let p = run([&[(MIN, "10")], &[], &[], &[]]);
    assert!(
        p.ignored
            .iter()
            .any(|i| i.reason.contains("only under Computer Configuration")),
        "{:?}",
        p.ignored
    );
}

/// [Manage-2022]'s worked example (policy-facts.md §2): computer GPO {Use WHfB Enabled, Use
/// certificate Enabled}; device MDM {UsePassportForWork false, UseCertificateForOnPremAuth
/// false, MinimumPINLength 8, Digits 1, LowercaseLetters 1, SpecialCharacters 1} ⇒ WHfB and
/// certificate from GP, the PIN complexity from MDM.
#[test]
fn microsofts_worked_example() {
    let gp = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork]\r\n\
        \"Enabled\"=dword:00000001\r\n\"UseCertificateForOnPremAuth\"=dword:00000001\r\n";
    let d = |k: &str| format!("./Device/Vendor/MSFT/PassportForWork/{T}/Policies/{k}");
    let mdm = oma(&[
        ("Boolean", &d("UsePassportForWork"), "false"),
        ("Boolean", &d("UseCertificateForOnPremAuth"), "false"),
        ("Integer", &d("PINComplexity/MinimumPINLength"), "8"),
        ("Integer", &d("PINComplexity/Digits"), "1"),
        ("Integer", &d("PINComplexity/LowercaseLetters"), "1"),
        ("Integer", &d("PINComplexity/SpecialCharacters"), "1"),
    ]);
    let p = policy_of(&[
        must_read("gpo.reg", gp.as_bytes()),
        must_read("mdm.json", &mdm),
    ]);
    let expected: &[(&str, PolicyValue, Provenance)] = &[
        (UPFW, Bool(true), CGP),
        (CERT, Bool(true), CGP),
        (MIN, Int(8), DEV),
        (DIGITS, Int(1), DEV),
        (keys::LOWERCASE_LETTERS, Int(1), DEV),
        (keys::SPECIAL_CHARACTERS, Int(1), DEV),
    ];
    for (key, value, source) in expected {
        let s = p.setting(key).expect("catalog");
        assert_eq!((&s.value, s.source), (value, *source), "{key}: {s:?}");
    }
}

/// [Configure-2024]/[Manage-2022]: MDMWinsOverGP (Policy CSP ControlPolicyConflict) does not
/// apply to Windows Hello for Business: setting it changes nothing.
#[test]
fn mdm_wins_over_gp_has_no_effect() {
    let gp = "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\PINComplexity]\r\n\"MinimumPINLength\"=dword:00000006\r\n";
    let min =
        format!("./Device/Vendor/MSFT/PassportForWork/{T}/Policies/PINComplexity/MinimumPINLength");
    let with = oma(&[
        (
            "Integer",
            "./Device/Vendor/MSFT/Policy/Config/ControlPolicyConflict/MDMWinsOverGP",
            "1",
        ),
        ("Integer", &min, "8"),
    ]);
    let without = oma(&[("Integer", &min, "8")]);
    let a = policy_of(&[
        must_read("gpo.reg", gp.as_bytes()),
        must_read("with.json", &with),
    ]);
    let b = policy_of(&[
        must_read("gpo.reg", gp.as_bytes()),
        must_read("without.json", &without),
    ]);
    assert_eq!(a.settings, b.settings);
    let s = a.setting(MIN).expect("catalog");
    assert_eq!((&s.value, s.source), (&Int(6), CGP));
    assert!(
        s.rule
            .is_some_and(|r| r.to_string().contains("MDMWinsOverGP does not apply"))
    );
}

/// README decisions: files apply in command-line order and the last write of a node wins; the
/// enrollment policy applies first, whatever its place.
#[test]
fn file_order_and_enrollment_first() {
    let d = |k: &str| format!("./Device/Vendor/MSFT/PassportForWork/{T}/Policies/{k}");
    let six = oma(&[("Integer", &d("PINComplexity/MinimumPINLength"), "6")]);
    let nine = oma(&[("Integer", &d("PINComplexity/MinimumPINLength"), "9")]);
    let enroll = br##"{"@odata.type":"#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration","state":"enabled","pinMinimumLength":12}"##;
    let files = [
        must_read("six.json", &six),
        must_read("nine.json", &nine),
        must_read("enroll.json", enroll),
    ];
    assert_eq!(policy_of(&files).int_of(MIN), Some(9));
    let combined = pfw_sources::combine(&files, Some(T));
    // Two conflicts: enrollment 12 → six 6, six 6 → nine 9.
    assert_eq!(combined.conflicts.len(), 2, "{:?}", combined.conflicts);
    assert_eq!(combined.conflicts[1].first.0, 0);
    assert_eq!(combined.conflicts[1].second.0, 1);
}
