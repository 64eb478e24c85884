//! PIN rules: a table of checks, one per line, then properties over random valid policies.

use pfw_passport::pin::rules::{CharSet, MAX_PIN_BYTES};
use pfw_passport::pin::{CharRule, PinPolicy, Rule, check};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::example::example_2019;
use crate::support::run;

#[test]
fn checks_table() {
    use Rule::*;
    let unconfigured = PinPolicy::default();
    let example = example_2019();
    let all_allowed = PinPolicy {
        uppercase: CharRule::Allowed,
        lowercase: CharRule::Allowed,
        special: CharRule::Allowed,
        digits: CharRule::Allowed,
        ..PinPolicy::default()
    };
    #[rustfmt::skip]
    let cases: &[(&str, &PinPolicy, &str, &[Rule])] = &[
        ("2019 page: unconfigured = digits required, 4..127", &unconfigured, "1234", &[]),
        ("DDF: MinimumPINLength default 4", &unconfigured, "123", &[MinimumLength]),
        ("2019 page: other sets not allowed when unconfigured", &unconfigured, "12a4", &[LowercaseNotAllowed]),
        ("2019 page: digits required when unconfigured", &unconfigured, "abcd", &[DigitsRequired, LowercaseNotAllowed]),
        ("seed 000 example policy, met", &example, "abcD1234", &[]),
        ("seed 000: too short, special not allowed, lowercase missing", &example, "AB1!", &[MinimumLength, LowercaseRequired, SpecialNotAllowed]),
        ("seed 000: MaximumPINLength 16", &example, "abcdefgh123456789", &[MaximumLength]),
        ("pfw: all violations reported, not the first", &example, "", &[MinimumLength, LowercaseRequired, DigitsRequired]),
        ("2019 page: the 32 ASCII punctuation characters are special", &all_allowed, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", &[]),
        ("pfw: a space is not a PIN character", &all_allowed, "12 34", &[InvalidCharacter]),
        ("pfw: é is not a PIN character; length counts characters", &all_allowed, "1234\u{e9}", &[InvalidCharacter]),
        ("pfw: control characters are not PIN characters", &all_allowed, "1234\n", &[InvalidCharacter]),
        ("length counts characters, not bytes", &PinPolicy { max_length: 4, ..all_allowed }, "\u{e9}\u{e9}\u{e9}\u{e9}", &[InvalidCharacter]),
        ("DDF: MaximumPINLength 127 at most", &unconfigured, &"1".repeat(128), &[MaximumLength]),
        ("pfw: over 1024 bytes is one violation", &unconfigured, &"a".repeat(MAX_PIN_BYTES + 1), &[MaximumLength]),
    ];
    for (source, policy, pin, expected) in cases {
        let rules: Vec<Rule> = check(pin, policy).into_iter().map(|v| v.rule).collect();
        assert_eq!(&rules, expected, "{source}");
    }
}

#[test]
fn the_resolved_policy_drives_the_check() {
    // policy-facts.md §1: the user's minimum with the device's character sets.
    let policy = run(
        &[("PINComplexity/MinimumPINLength", "6")],
        &[
            ("PINComplexity/MinimumPINLength", "4"),
            ("PINComplexity/UppercaseLetters", "1"),
        ],
    );
    let pin_policy = PinPolicy::from_effective(&policy);
    assert_eq!(pin_policy.min_length, 6);
    assert_eq!(pin_policy.uppercase, CharRule::Required);
    let rules: Vec<Rule> = check("A123", &pin_policy)
        .into_iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(rules, [Rule::MinimumLength]);
    assert!(check("A12345", &pin_policy).is_empty());
}

/// A random policy some PIN can meet: lengths within 4..=127 with min <= max, and at least
/// one character set not forbidden (resolution never yields all four forbidden).
fn policy_strategy() -> impl Strategy<Value = PinPolicy> {
    let rule = prop_oneof![
        Just(CharRule::Allowed),
        Just(CharRule::Required),
        Just(CharRule::NotAllowed)
    ];
    (
        4u32..=127,
        any::<Index>(),
        [rule.clone(), rule.clone(), rule.clone(), rule],
        0u32..=50,
        0u32..=730,
    )
        .prop_map(
            |(min, max_pick, [u, l, d, s], history, expiration_days)| PinPolicy {
                min_length: min,
                max_length: min
                    + u32::try_from(max_pick.index((127 - min + 1) as usize)).unwrap_or(0),
                uppercase: u,
                lowercase: l,
                digits: d,
                special: s,
                history,
                expiration_days,
            },
        )
        .prop_filter("some set must be usable", |p| {
            CharSet::ALL
                .iter()
                .any(|set| p.rule_for(*set) != CharRule::NotAllowed)
        })
}

fn chars_of(set: CharSet) -> Vec<char> {
    (0u8..=127)
        .map(char::from)
        .filter(|c| match set {
            CharSet::Uppercase => c.is_ascii_uppercase(),
            CharSet::Lowercase => c.is_ascii_lowercase(),
            CharSet::Digits => c.is_ascii_digit(),
            CharSet::Special => c.is_ascii_punctuation(),
        })
        .collect()
}

fn sets_with(policy: &PinPolicy, rule: CharRule) -> Vec<CharSet> {
    CharSet::ALL
        .into_iter()
        .filter(|s| policy.rule_for(*s) == rule)
        .collect()
}

/// A PIN of `len` characters using each set in `required` once (first), then characters
/// picked from `usable`.
fn build(len: usize, required: &[CharSet], usable: &[CharSet], picks: &[(Index, Index)]) -> String {
    (0..len)
        .map(|i| {
            let (set_pick, char_pick) = picks[i % picks.len()];
            let set = required
                .get(i)
                .copied()
                .unwrap_or_else(|| usable[set_pick.index(usable.len())]);
            let chars = chars_of(set);
            chars[char_pick.index(chars.len())]
        })
        .collect()
}

fn valid_pin(policy: &PinPolicy, len_pick: Index, picks: &[(Index, Index)]) -> (String, usize) {
    let span = (policy.max_length - policy.min_length + 1) as usize;
    let len = policy.min_length as usize + len_pick.index(span);
    let required = sets_with(policy, CharRule::Required);
    let usable: Vec<CharSet> = CharSet::ALL
        .into_iter()
        .filter(|s| policy.rule_for(*s) != CharRule::NotAllowed)
        .collect();
    (build(len, &required, &usable, picks), required.len())
}

fn rules_of(pin: &str, policy: &PinPolicy) -> Vec<Rule> {
    check(pin, policy).into_iter().map(|v| v.rule).collect()
}

const E_ACUTE: char = '\u{e9}';
const INVALID: [char; 6] = [' ', '\u{e9}', '\u{0}', '\t', '\u{20ac}', '\u{65e5}'];

proptest! {
    /// pfw: a PIN generated to satisfy a random valid policy passes `check`.
    #[test]
    fn a_pin_meeting_the_policy_passes(policy in policy_strategy(), len in any::<Index>(), picks in prop::collection::vec(any::<(Index, Index)>(), 1..8)) {
        let (pin, _) = valid_pin(&policy, len, &picks);
        prop_assert_eq!(check(&pin, &policy), vec![]);
    }

    /// pfw: one character short is reported as exactly MinimumLength.
    #[test]
    fn too_short_is_exactly_minimum_length(policy in policy_strategy(), picks in prop::collection::vec(any::<(Index, Index)>(), 1..8)) {
        let required = sets_with(&policy, CharRule::Required);
        let usable: Vec<CharSet> = CharSet::ALL.into_iter().filter(|s| policy.rule_for(*s) != CharRule::NotAllowed).collect();
        let len = policy.min_length as usize - 1;
        prop_assume!(required.len() <= len);
        let pin = build(len, &required, &usable, &picks);
        prop_assert_eq!(rules_of(&pin, &policy), vec![Rule::MinimumLength]);
    }

    /// pfw: one character too many is reported as exactly MaximumLength.
    #[test]
    fn too_long_is_exactly_maximum_length(policy in policy_strategy(), picks in prop::collection::vec(any::<(Index, Index)>(), 1..8)) {
        let required = sets_with(&policy, CharRule::Required);
        let usable: Vec<CharSet> = CharSet::ALL.into_iter().filter(|s| policy.rule_for(*s) != CharRule::NotAllowed).collect();
        let pin = build(policy.max_length as usize + 1, &required, &usable, &picks);
        prop_assert_eq!(rules_of(&pin, &policy), vec![Rule::MaximumLength]);
    }

    /// pfw: leaving out one required set is reported as exactly that set's rule.
    #[test]
    fn a_missing_required_set_is_exactly_its_rule(policy in policy_strategy(), which in any::<Index>(), len in any::<Index>(), picks in prop::collection::vec(any::<(Index, Index)>(), 1..8)) {
        let required = sets_with(&policy, CharRule::Required);
        prop_assume!(!required.is_empty());
        let missing = required[which.index(required.len())];
        let others: Vec<CharSet> = required.iter().copied().filter(|s| *s != missing).collect();
        let usable: Vec<CharSet> = CharSet::ALL.into_iter().filter(|s| *s != missing && policy.rule_for(*s) != CharRule::NotAllowed).collect();
        prop_assume!(!usable.is_empty());
        let span = (policy.max_length - policy.min_length + 1) as usize;
        let pin = build(policy.min_length as usize + len.index(span), &others, &usable, &picks);
        prop_assert_eq!(rules_of(&pin, &policy), vec![missing.required_rule()]);
    }

    /// pfw: using one forbidden set is reported as exactly that set's rule.
    #[test]
    fn a_forbidden_set_used_is_exactly_its_rule(policy in policy_strategy(), which in any::<Index>(), ch in any::<Index>(), len in any::<Index>(), picks in prop::collection::vec(any::<(Index, Index)>(), 1..8)) {
        let forbidden = sets_with(&policy, CharRule::NotAllowed);
        prop_assume!(!forbidden.is_empty());
        let (pin, required) = valid_pin(&policy, len, &picks);
        prop_assume!(pin.len() > required);
        let set = forbidden[which.index(forbidden.len())];
        let chars = chars_of(set);
        let mut bad: Vec<char> = pin.chars().collect();
        let last = bad.len() - 1;
        bad[last] = chars[ch.index(chars.len())];
        let bad: String = bad.into_iter().collect();
        prop_assert_eq!(rules_of(&bad, &policy), vec![set.not_allowed_rule()]);
    }

    /// pfw: an invalid character is reported as exactly InvalidCharacter, by position.
    #[test]
    fn an_invalid_character_is_exactly_invalid_character(policy in policy_strategy(), which in any::<Index>(), len in any::<Index>(), picks in prop::collection::vec(any::<(Index, Index)>(), 1..8)) {
        let (pin, required) = valid_pin(&policy, len, &picks);
        prop_assume!(pin.len() > required);
        let mut bad: Vec<char> = pin.chars().collect();
        let last = bad.len() - 1;
        bad[last] = INVALID[which.index(INVALID.len())];
        let bad: String = bad.into_iter().collect();
        let violations = check(&bad, &policy);
        prop_assert_eq!(violations.iter().map(|v| v.rule).collect::<Vec<_>>(), vec![Rule::InvalidCharacter]);
        let position = format!("character {} (", last + 1);
        prop_assert!(violations[0].message.contains(&position), "{}", violations[0].message);
    }

    /// pfw: messages never contain the PIN.
    #[test]
    fn messages_never_contain_the_pin(pin in "[ -~\u{e9}]{8,40}", policy in policy_strategy()) {
        for violation in check(&pin, &policy) {
            prop_assert!(!violation.message.contains(&pin));
            prop_assert!(!violation.message.contains(E_ACUTE));
        }
    }
}
