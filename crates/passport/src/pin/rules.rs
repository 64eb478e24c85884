//! The PIN rules in force and the check of a PIN against them.
//!
//! A [`PinPolicy`] is read from an [`EffectivePolicy`]: length bounds, a [`CharRule`] for each
//! of the four character sets, history and expiration. [`check`] reports every rule a PIN
//! breaks, not only the first. Valid PIN characters are the digits, the letters A–Z and a–z,
//! and the 32 ASCII punctuation characters the 2019 CSP page lists as special characters;
//! anything else (a space, an accented letter, a control character) is refused by its
//! position. No message ever contains the PIN or any of its characters.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::policy::catalog::keys;
use crate::policy::resolve::EffectivePolicy;

/// What the policy says about one character set.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CharRule {
    /// The set may be used (policy value 0).
    Allowed,
    /// The set may not be used (policy value 2).
    NotAllowed,
    /// At least one character of the set is required (policy value 1).
    Required,
}

impl CharRule {
    /// The rule a PINComplexity character-set value stands for (0, 1 or 2).
    pub fn from_policy_value(value: i32) -> Option<Self> {
        match value {
            0 => Some(Self::Allowed),
            1 => Some(Self::Required),
            2 => Some(Self::NotAllowed),
            _ => None,
        }
    }
}

/// The class of one PIN character.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum CharClass {
    /// `0`–`9`.
    Digit,
    /// Not a valid PIN character.
    Invalid,
    /// `a`–`z`.
    Lowercase,
    /// One of the 32 ASCII punctuation characters.
    Special,
    /// `A`–`Z`.
    Uppercase,
}

/// The class of a character.
pub fn classify(c: char) -> CharClass {
    if c.is_ascii_uppercase() {
        CharClass::Uppercase
    } else if c.is_ascii_lowercase() {
        CharClass::Lowercase
    } else if c.is_ascii_digit() {
        CharClass::Digit
    } else if c.is_ascii_punctuation() {
        CharClass::Special
    } else {
        CharClass::Invalid
    }
}

/// Which character sets a PIN uses.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, Hash, PartialEq, Serialize)]
pub struct CharSets {
    /// It has an uppercase letter.
    pub uppercase: bool,
    /// It has a lowercase letter.
    pub lowercase: bool,
    /// It has a digit.
    pub digits: bool,
    /// It has a special character.
    pub special: bool,
}

impl CharSets {
    /// The sets `pin` uses (invalid characters belong to none).
    pub fn of(pin: &str) -> Self {
        let mut sets = Self::default();
        for c in pin.chars() {
            sets.add(classify(c));
        }
        sets
    }

    fn add(&mut self, class: CharClass) {
        match class {
            CharClass::Uppercase => self.uppercase = true,
            CharClass::Lowercase => self.lowercase = true,
            CharClass::Digit => self.digits = true,
            CharClass::Special => self.special = true,
            CharClass::Invalid => {}
        }
    }
}

/// The PIN rules in force.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
pub struct PinPolicy {
    /// The fewest characters (4..=127).
    pub min_length: u32,
    /// The most characters (4..=127).
    pub max_length: u32,
    /// Uppercase letters.
    pub uppercase: CharRule,
    /// Lowercase letters.
    pub lowercase: CharRule,
    /// Digits.
    pub digits: CharRule,
    /// Special characters.
    pub special: CharRule,
    /// How many of the latest PINs, the current one included, cannot be reused (0..=50).
    pub history: u32,
    /// Days a PIN stays valid (0..=730; 0 never expires).
    pub expiration_days: u32,
}

impl PinPolicy {
    /// The PIN rules of an effective policy. A value missing or out of place (which
    /// resolution never produces) takes the unconfigured default.
    pub fn from_effective(policy: &EffectivePolicy) -> Self {
        let defaults = Self::default();
        let count = |key, default: u32| {
            policy
                .int_of(key)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(default)
        };
        let rule = |key, default| {
            policy
                .int_of(key)
                .and_then(CharRule::from_policy_value)
                .unwrap_or(default)
        };
        Self {
            min_length: count(keys::MINIMUM_PIN_LENGTH, defaults.min_length),
            max_length: count(keys::MAXIMUM_PIN_LENGTH, defaults.max_length),
            uppercase: rule(keys::UPPERCASE_LETTERS, defaults.uppercase),
            lowercase: rule(keys::LOWERCASE_LETTERS, defaults.lowercase),
            digits: rule(keys::DIGITS, defaults.digits),
            special: rule(keys::SPECIAL_CHARACTERS, defaults.special),
            history: count(keys::HISTORY, defaults.history),
            expiration_days: count(keys::EXPIRATION, defaults.expiration_days),
        }
    }

    /// The rule for one character set.
    pub fn rule_for(&self, set: CharSet) -> CharRule {
        match set {
            CharSet::Uppercase => self.uppercase,
            CharSet::Lowercase => self.lowercase,
            CharSet::Digits => self.digits,
            CharSet::Special => self.special,
        }
    }
}

/// The rules when nothing is configured: lengths 4 to 127, digits required, the other sets
/// not allowed (2019 CSP page), no history, no expiration.
impl Default for PinPolicy {
    fn default() -> Self {
        Self {
            min_length: MIN_PIN_LENGTH,
            max_length: MAX_PIN_LENGTH,
            uppercase: CharRule::NotAllowed,
            lowercase: CharRule::NotAllowed,
            digits: CharRule::Required,
            special: CharRule::NotAllowed,
            history: 0,
            expiration_days: 0,
        }
    }
}

/// One of the four character sets.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CharSet {
    /// `0`–`9`.
    Digits,
    /// `a`–`z`.
    Lowercase,
    /// The 32 ASCII punctuation characters.
    Special,
    /// `A`–`Z`.
    Uppercase,
}

impl CharSet {
    /// The four sets, in the order violations are reported.
    pub const ALL: [Self; 4] = [
        Self::Uppercase,
        Self::Lowercase,
        Self::Digits,
        Self::Special,
    ];

    /// Whether `sets` includes this set.
    pub fn used_in(self, sets: CharSets) -> bool {
        match self {
            Self::Uppercase => sets.uppercase,
            Self::Lowercase => sets.lowercase,
            Self::Digits => sets.digits,
            Self::Special => sets.special,
        }
    }

    /// The rule broken when the set is required but missing.
    pub fn required_rule(self) -> Rule {
        match self {
            Self::Uppercase => Rule::UppercaseRequired,
            Self::Lowercase => Rule::LowercaseRequired,
            Self::Digits => Rule::DigitsRequired,
            Self::Special => Rule::SpecialRequired,
        }
    }

    /// The rule broken when the set is not allowed but used.
    pub fn not_allowed_rule(self) -> Rule {
        match self {
            Self::Uppercase => Rule::UppercaseNotAllowed,
            Self::Lowercase => Rule::LowercaseNotAllowed,
            Self::Digits => Rule::DigitsNotAllowed,
            Self::Special => Rule::SpecialNotAllowed,
        }
    }

    fn one(self) -> &'static str {
        match self {
            Self::Uppercase => "an uppercase letter (A-Z)",
            Self::Lowercase => "a lowercase letter (a-z)",
            Self::Digits => "a digit (0-9)",
            Self::Special => "a special character (ASCII punctuation)",
        }
    }

    /// The set's name in plain words, plural: "uppercase letters", "digits".
    pub fn plural(self) -> &'static str {
        match self {
            Self::Uppercase => "uppercase letters",
            Self::Lowercase => "lowercase letters",
            Self::Digits => "digits",
            Self::Special => "special characters",
        }
    }
}

/// A PIN rule.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Deserialize, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Digits are used but not allowed.
    DigitsNotAllowed,
    /// No digit, but one is required.
    DigitsRequired,
    /// The PIN has expired (Expiration).
    Expiration,
    /// The PIN is one of the latest PINs History forbids reusing.
    History,
    /// A character outside the valid PIN characters.
    InvalidCharacter,
    /// Lowercase letters are used but not allowed.
    LowercaseNotAllowed,
    /// No lowercase letter, but one is required.
    LowercaseRequired,
    /// Longer than MaximumPINLength.
    MaximumLength,
    /// Shorter than MinimumPINLength.
    MinimumLength,
    /// Special characters are used but not allowed.
    SpecialNotAllowed,
    /// No special character, but one is required.
    SpecialRequired,
    /// Uppercase letters are used but not allowed.
    UppercaseNotAllowed,
    /// No uppercase letter, but one is required.
    UppercaseRequired,
}

/// One broken rule, with a message that never contains the PIN.
#[derive(Clone, Debug, Deserialize, Eq, Hash, PartialEq, Serialize)]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// What is wrong, in words.
    pub message: String,
}

impl Violation {
    /// A violation of `rule`.
    pub fn new(rule: Rule, message: impl Into<String>) -> Self {
        Self {
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every rule of `policy` that `pin` breaks, in a fixed order: lengths, required sets,
/// not-allowed sets, invalid characters. Empty when the PIN meets the policy.
///
/// A PIN longer than [`MAX_PIN_BYTES`] is one [`Rule::MaximumLength`] violation and is not
/// looked at further (it is longer than any maximum length: 127 characters are at most 508
/// bytes).
pub fn check(pin: &str, policy: &PinPolicy) -> Vec<Violation> {
    if pin.len() > MAX_PIN_BYTES {
        return vec![Violation::new(
            Rule::MaximumLength,
            format!(
                "the PIN is longer than {MAX_PIN_BYTES} bytes, over any maximum length; it was \
                 not checked further"
            ),
        )];
    }
    let mut length: u32 = 0;
    let mut sets = CharSets::default();
    let mut invalid = InvalidChars::default();
    for c in pin.chars() {
        length += 1;
        let class = classify(c);
        if class == CharClass::Invalid {
            invalid.push(length, c);
        }
        sets.add(class);
    }

    let mut violations = length_violations(length, policy, "the PIN has");
    violations.extend(set_violations(sets, policy, "the PIN"));
    if let Some(v) = invalid.violation() {
        violations.push(v);
    }
    violations
}

/// The violations of the length rules by a PIN of `length` characters; `subject` starts the
/// message ("the PIN has", "the current PIN has").
pub(crate) fn length_violations(length: u32, policy: &PinPolicy, subject: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    if length < policy.min_length {
        violations.push(Violation::new(
            Rule::MinimumLength,
            format!(
                "{subject} {length} characters; at least {} are required (MinimumPINLength)",
                policy.min_length
            ),
        ));
    }
    if length > policy.max_length {
        violations.push(Violation::new(
            Rule::MaximumLength,
            format!(
                "{subject} {length} characters; at most {} are allowed (MaximumPINLength)",
                policy.max_length
            ),
        ));
    }
    violations
}

/// The violations of the character-set rules by a PIN using `sets`; `subject` names the PIN.
pub(crate) fn set_violations(sets: CharSets, policy: &PinPolicy, subject: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    for set in CharSet::ALL {
        if policy.rule_for(set) == CharRule::Required && !set.used_in(sets) {
            violations.push(Violation::new(
                set.required_rule(),
                format!("{subject} must contain at least {}", set.one()),
            ));
        }
    }
    for set in CharSet::ALL {
        if policy.rule_for(set) == CharRule::NotAllowed && set.used_in(sets) {
            violations.push(Violation::new(
                set.not_allowed_rule(),
                format!("{subject} may not contain {}", set.plural()),
            ));
        }
    }
    violations
}

/// The positions (1-based, in characters) and kinds of the invalid characters seen, the first
/// few of them kept.
#[derive(Default)]
struct InvalidChars {
    shown: Vec<(u32, &'static str)>,
    more: usize,
}

impl InvalidChars {
    fn push(&mut self, position: u32, c: char) {
        if self.shown.len() < MAX_INVALID_SHOWN {
            self.shown.push((position, describe_invalid(c)));
        } else {
            self.more += 1;
        }
    }

    fn violation(&self) -> Option<Violation> {
        let ((first_pos, first_kind), rest) = self.shown.split_first()?;
        let mut message = if rest.is_empty() && self.more == 0 {
            format!("character {first_pos} ({first_kind}) is not a valid PIN character")
        } else {
            format!("characters {first_pos} ({first_kind})")
        };
        for (pos, kind) in rest {
            let _ = write!(message, ", {pos} ({kind})");
        }
        if self.more > 0 {
            let _ = write!(message, " and {} more", self.more);
        }
        if !rest.is_empty() || self.more > 0 {
            message.push_str(" are not valid PIN characters");
        }
        message
            .push_str("; a PIN may use only A-Z, a-z, 0-9 and the 32 ASCII punctuation characters");
        Some(Violation::new(Rule::InvalidCharacter, message))
    }
}

/// What kind of invalid character `c` is, without naming it.
fn describe_invalid(c: char) -> &'static str {
    if c == ' ' {
        "a space"
    } else if c.is_control() {
        "a control character"
    } else if c.is_whitespace() {
        "a non-ASCII space"
    } else {
        "a non-ASCII character"
    }
}

/// The longest input, in bytes, that [`check`] looks at.
pub const MAX_PIN_BYTES: usize = 1024;
/// The lowest MinimumPINLength, and the length both bounds fall back to (DDF).
pub const MIN_PIN_LENGTH: u32 = 4;
/// The highest MaximumPINLength, and the length both bounds fall back to (DDF).
pub const MAX_PIN_LENGTH: u32 = 127;

const MAX_INVALID_SHOWN: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_2019_special_characters() {
        // The 2019 CSP page lists these 32 as the valid special characters.
        let listed = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
        assert_eq!(listed.chars().count(), 32);
        assert!(listed.chars().all(|c| classify(c) == CharClass::Special));
        let all_special = (0u8..=127)
            .map(char::from)
            .filter(|c| classify(*c) == CharClass::Special)
            .count();
        assert_eq!(all_special, 32);
    }

    #[test]
    fn invalid_characters_are_described_by_position_only() {
        let policy = PinPolicy {
            uppercase: CharRule::Allowed,
            lowercase: CharRule::Allowed,
            digits: CharRule::Allowed,
            ..PinPolicy::default()
        };
        let pin = "ab\u{e9}cd e\u{7}";
        let violations = check(pin, &policy);
        assert_eq!(violations.len(), 1);
        let message = &violations[0].message;
        assert!(message.contains("3 (a non-ASCII character)"), "{message}");
        assert!(message.contains("6 (a space)"), "{message}");
        assert!(message.contains("8 (a control character)"), "{message}");
        assert!(!message.contains('\u{e9}'));
    }

    #[test]
    fn many_invalid_characters_are_summarised() {
        let policy = PinPolicy::default();
        let violations = check(&" ".repeat(20), &policy);
        let invalid: Vec<_> = violations
            .iter()
            .filter(|v| v.rule == Rule::InvalidCharacter)
            .collect();
        assert_eq!(invalid.len(), 1);
        assert!(invalid[0].message.contains("and 12 more"));
    }
}
