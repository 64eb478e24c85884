//! PIN records: provisioning refusals, history, salts, reset, status and expiration.

use pfw_passport::pin::{
    CharRule, HashParams, NewPin, PinPolicy, PinRecord, Provisioning, Rule, Tpm, reset_pin,
    set_pin, status,
};
use pfw_passport::policy::{PolicySource, SourceKind, TenantChoice, resolve};
use pfw_passport::{Clock, FixedClock, ProvisioningRefusal, SetPinError};

use crate::support::run;

const NOW: i64 = 1_750_000_000;
const DAY: i64 = 86_400;

fn with_history(history: u32) -> PinPolicy {
    PinPolicy {
        history,
        ..PinPolicy::default()
    }
}

fn set(
    existing: Option<&PinRecord>,
    pin: &str,
    policy: &PinPolicy,
) -> Result<PinRecord, SetPinError> {
    set_pin(existing, pin, new_pin(policy, &Provisioning::default()))
}

/// A PIN set at `NOW` with cheap hashes.
fn new_pin<'a>(policy: &'a PinPolicy, provisioning: &'a Provisioning) -> NewPin<'a> {
    NewPin {
        policy,
        provisioning,
        now: NOW,
        params: HashParams::TESTING,
    }
}

fn rules(err: SetPinError) -> Vec<Rule> {
    match err {
        SetPinError::Violations(v) => v.into_iter().map(|v| v.rule).collect(),
        other => panic!("expected violations, got {other}"),
    }
}

/// Sets each PIN in turn and returns the last record.
fn history_of(pins: &[&str], policy: &PinPolicy) -> PinRecord {
    let mut record: Option<PinRecord> = None;
    for pin in pins {
        record = Some(set(record.as_ref(), pin, policy).unwrap_or_else(|e| panic!("{pin}: {e}")));
    }
    record.expect("at least one PIN")
}

#[test]
fn history_three_refuses_the_last_three_pins_and_accepts_the_one_before() {
    // 2019 CSP page: the current PIN is included in the PINs that cannot be reused.
    let policy = with_history(3);
    let record = history_of(&["1111", "2222", "3333", "4444"], &policy);
    assert_eq!(
        record.previous().len(),
        2,
        "History 3 keeps the current and 2 previous"
    );
    #[rustfmt::skip]
    let cases = [
        ("4444", Some(Rule::History)), // current
        ("3333", Some(Rule::History)), // previous 1
        ("2222", Some(Rule::History)), // previous 2
        ("1111", None),                // the one before: no longer remembered
    ];
    for (pin, expected) in cases {
        let got = set(Some(&record), pin, &policy).err().map(|e| rules(e)[0]);
        assert_eq!(got, expected, "{pin}");
    }
}

#[test]
fn history_table() {
    // (history, earlier PINs, candidate, refused?, previous kept after success); DDF/2019 page.
    #[rustfmt::skip]
    let cases: &[(u32, &[&str], &str, bool, usize)] = &[
        (0, &["1111"], "1111", false, 0), // DDF: 0 keeps no previous PIN and checks nothing
        (1, &["1111"], "1111", true, 0),  // History 1: the current PIN only
        (1, &["1111", "2222"], "1111", false, 0), // History 1: a previous PIN may come back
        (2, &["1111", "2222"], "1111", true, 1),  // 2019 page: current + 1 previous refused
        (2, &["1111", "2222", "3333"], "1111", false, 1), // the third-last is forgotten
        (50, &["1111", "2222", "3333"], "4444", false, 3), // DDF: History up to 50
    ];
    for (history, earlier, candidate, refused, kept) in cases {
        let policy = with_history(*history);
        let record = history_of(earlier, &policy);
        match set(Some(&record), candidate, &policy) {
            Ok(new) => {
                assert!(!refused, "History {history}: {candidate} accepted");
                assert_eq!(new.previous().len(), *kept, "History {history}");
                assert_eq!(
                    new.previous().first(),
                    Some(record.hash()).filter(|_| *kept > 0)
                );
            }
            Err(e) => {
                assert!(refused, "History {history}: {candidate} refused: {e}");
                assert_eq!(rules(e), [Rule::History]);
            }
        }
    }
}

#[test]
fn lowering_history_trims_what_is_kept() {
    let record = history_of(&["1111", "2222", "3333", "4444"], &with_history(4));
    assert_eq!(record.previous().len(), 3);
    let lower = with_history(2);
    let new = set(Some(&record), "5555", &lower).expect("5555 is new");
    assert_eq!(new.previous(), std::slice::from_ref(record.hash()));
    // History 2 looks at the current PIN (4444) and one previous (3333) only: 2222, remembered
    // under History 4, may be chosen again.
    assert_eq!(
        rules(set(Some(&record), "3333", &lower).expect_err("previous")),
        [Rule::History]
    );
    assert!(set(Some(&record), "2222", &lower).is_ok());
}

#[test]
fn two_records_of_the_same_pin_have_different_salts() {
    let a = set(None, "1234", &PinPolicy::default()).expect("valid");
    let b = set(None, "1234", &PinPolicy::default()).expect("valid");
    assert_ne!(a.hash().as_str(), b.hash().as_str());
    for record in [&a, &b] {
        assert!(
            record.hash().as_str().starts_with("$argon2id$v=19$"),
            "{}",
            record.hash().as_str()
        );
        assert!(record.hash().verify("1234").expect("verifiable"));
    }
}

#[test]
fn a_record_keeps_facts_not_the_pin() {
    let policy = PinPolicy {
        uppercase: CharRule::Allowed,
        special: CharRule::Allowed,
        ..PinPolicy::default()
    };
    let record = set(None, "Ab!9Ab!9x", &policy).expect_err("lowercase not allowed");
    assert_eq!(rules(record), [Rule::LowercaseNotAllowed]);
    let record = set(None, "AB!93579", &policy).expect("valid");
    assert_eq!(record.length(), 8);
    let sets = record.sets();
    assert_eq!(
        (sets.uppercase, sets.lowercase, sets.digits, sets.special),
        (true, false, true, true)
    );
    assert_eq!(record.set_at(), NOW);
    let json = serde_json::to_string(&record).expect("serializable");
    assert!(!json.contains("AB!93579"), "{json}");
}

#[test]
fn provisioning_is_checked_first() {
    // DESIGN.md: UsePassportForWork false, or RequireSecurityDevice with no usable TPM, refuses.
    #[rustfmt::skip]
    let cases = [
        (&[("UsePassportForWork", "false")][..], Tpm::V20, ProvisioningRefusal::Disabled),
        (&[("RequireSecurityDevice", "true")][..], Tpm::Absent, ProvisioningRefusal::NoSecurityDevice),
        (&[("RequireSecurityDevice", "true"), ("ExcludeSecurityDevices/TPM12", "true")][..], Tpm::V12, ProvisioningRefusal::Tpm12Excluded),
    ];
    for (device, tpm, expected) in cases {
        let policy = run(&[], device);
        let provisioning = Provisioning::from_effective(&policy, tpm);
        // An invalid PIN too: the refusal comes first.
        let rules = PinPolicy::from_effective(&policy);
        let err = set_pin(None, "x", new_pin(&rules, &provisioning)).expect_err("refused");
        assert!(
            matches!(err, SetPinError::Refused(r) if r == expected),
            "{device:?}: {err}"
        );
    }
}

#[test]
fn rule_violations_come_before_reuse() {
    let policy = with_history(2);
    let record = history_of(&["1234"], &policy);
    let policy = PinPolicy {
        min_length: 6,
        ..policy
    };
    // "1234" is both too short now and reused: only the rule is reported.
    assert_eq!(
        rules(set(Some(&record), "1234", &policy).expect_err("refused")),
        [Rule::MinimumLength]
    );
}

#[test]
fn reset_forgets_history() {
    // DDF / 2019 page: PIN history is not preserved through a PIN reset.
    let policy = with_history(5);
    let record = history_of(&["1111", "2222"], &policy);
    assert_eq!(
        rules(set(Some(&record), "1111", &policy).expect_err("remembered")),
        [Rule::History]
    );
    let reset = reset_pin("2222", new_pin(&policy, &Provisioning::default())).expect("reset");
    assert!(reset.previous().is_empty());
    // After the reset, only the new PIN is remembered.
    assert!(set(Some(&reset), "1111", &policy).is_ok());
    assert_eq!(
        rules(set(Some(&reset), "2222", &policy).expect_err("current")),
        [Rule::History]
    );
    // The reset PIN still meets the rules and provisioning.
    assert!(reset_pin("22", new_pin(&policy, &Provisioning::default())).is_err());
}

#[test]
fn raising_the_minimum_length_above_the_pin_means_it_must_change() {
    let record = set(None, "12345", &PinPolicy::default()).expect("valid");
    // The device raises MinimumPINLength to 8 after the PIN was set.
    let policy = run(&[], &[("PINComplexity/MinimumPINLength", "8")]);
    let now = status(
        Some(&record),
        &PinPolicy::from_effective(&policy),
        NOW + DAY,
    );
    assert!(now.set && now.must_change && !now.expired);
    assert_eq!(
        now.reasons.iter().map(|r| r.rule).collect::<Vec<_>>(),
        [Rule::MinimumLength]
    );
    assert!(
        now.reasons[0].message.contains("5 characters"),
        "{}",
        now.reasons[0].message
    );
    // At 5 exactly, nothing to change.
    let policy = run(&[], &[("PINComplexity/MinimumPINLength", "5")]);
    assert!(!status(Some(&record), &PinPolicy::from_effective(&policy), NOW).must_change);
}

type StatusCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [Rule]);

#[test]
fn status_table() {
    // (policy change, rules the stored PIN "12345" now breaks); judged from stored facts.
    #[rustfmt::skip]
    let cases: &[StatusCase<'_>] = &[
        ("unchanged defaults", &[], &[]),
        ("MaximumPINLength lowered below it", &[("PINComplexity/MaximumPINLength", "4")], &[Rule::MaximumLength]),
        ("uppercase now required", &[("PINComplexity/UppercaseLetters", "1")], &[Rule::UppercaseRequired]),
        ("digits now forbidden (lowercase allowed)", &[("PINComplexity/Digits", "2"), ("PINComplexity/LowercaseLetters", "1")], &[Rule::LowercaseRequired, Rule::DigitsNotAllowed]),
    ];
    let record = set(None, "12345", &PinPolicy::default()).expect("valid");
    for (name, device, expected) in cases {
        let policy = PinPolicy::from_effective(&run(&[], device));
        let got = status(Some(&record), &policy, NOW);
        assert_eq!(
            got.reasons.iter().map(|r| r.rule).collect::<Vec<_>>(),
            *expected,
            "{name}"
        );
        assert_eq!(got.must_change, !expected.is_empty(), "{name}");
    }
}

#[test]
fn expiration() {
    // DDF: Expiration in days, 0 never expires.
    let record = set(None, "12345", &PinPolicy::default()).expect("valid");
    let never = status(Some(&record), &PinPolicy::default(), NOW + 10_000 * DAY);
    assert_eq!(
        (never.expires_at, never.expired, never.must_change),
        (None, false, false)
    );
    let ten_days = PinPolicy {
        expiration_days: 10,
        ..PinPolicy::default()
    };
    let clock = FixedClock(NOW + 10 * DAY - 1);
    let before = status(Some(&record), &ten_days, clock.now());
    assert_eq!(
        (before.expires_at, before.expired),
        (Some(NOW + 10 * DAY), false)
    );
    let at = status(Some(&record), &ten_days, NOW + 10 * DAY);
    assert!(at.expired && at.must_change);
    assert_eq!(
        at.reasons.iter().map(|r| r.rule).collect::<Vec<_>>(),
        [Rule::Expiration]
    );
}

#[test]
fn no_record_is_not_set() {
    let got = status(None, &PinPolicy::default(), NOW);
    assert!(!got.set && !got.must_change && got.set_at.is_none());
}

#[test]
fn the_resolved_policy_and_the_tpm_decide_provisioning() {
    let device = PolicySource::new(SourceKind::Device)
        .with_value("t/Policies/RequireSecurityDevice", "true");
    let policy = resolve(&[device], &TenantChoice::default(), None).expect("one tenant");
    assert_eq!(
        Provisioning::from_effective(&policy, Tpm::V20).check(),
        Ok(())
    );
    assert_eq!(
        Provisioning::from_effective(&policy, Tpm::Absent).check(),
        Err(ProvisioningRefusal::NoSecurityDevice)
    );
}

/// `UserPin` reads the policy, TPM and record from a store and decides in the order
/// `pin check` and `pin set` rely on: the rules first, reuse only when they pass; a reset
/// forgets the history (README "PINs").
#[test]
fn a_users_pin_is_decided_from_the_store_in_one_order() {
    use pfw_passport::state::{PinChange, UserPin, set_pin_record};
    use pfw_tree::{InstanceId, MemoryStore, Store};

    let mut store = MemoryStore::new();
    store.begin().unwrap();
    let root = "Vendor/MSFT/PassportForWork";
    let tenant = crate::support::T;
    for (key, value) in [
        (root.to_owned(), None),
        (format!("{root}/{tenant}"), None),
        (format!("{root}/{tenant}/Policies"), None),
        (format!("{root}/{tenant}/Policies/PINComplexity"), None),
        (
            format!("{root}/{tenant}/Policies/PINComplexity/History"),
            Some("2"),
        ),
    ] {
        store.put(InstanceId::DEVICE, &key, value).unwrap();
    }
    let first = set(None, "24681357", &with_history(2)).unwrap();
    set_pin_record(&mut store, "alice", Some(&first)).unwrap();
    store.commit().unwrap();

    let user = UserPin::load(&store, "alice", None).unwrap();
    assert_eq!(user.rules.history, 2, "the stored History is in force");
    let reuse = user.check("24681357").unwrap();
    assert_eq!(
        reuse.violations.iter().map(|v| v.rule).collect::<Vec<_>>(),
        [Rule::History]
    );
    assert!(reuse.refused.is_none(), "no TPM is required");
    // Too short: the rule is reported and reuse is not looked at.
    let short = user.check("135").unwrap();
    assert_eq!(
        short.violations.iter().map(|v| v.rule).collect::<Vec<_>>(),
        [Rule::MinimumLength]
    );
    let params = HashParams::TESTING;
    assert!(matches!(
        user.change("24681357", PinChange::Set, NOW, params),
        Err(SetPinError::Violations(_))
    ));
    let reset = user
        .change("24681357", PinChange::Reset, NOW, params)
        .expect("a reset is not checked for reuse");
    assert!(reset.previous().is_empty(), "a reset forgets the history");
    assert!(user.status(NOW).set);
}
