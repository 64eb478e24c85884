//! A user's PIN record: setting, resetting and judging the PIN against the policy in force.
//!
//! A [`PinRecord`] holds what the state keeps per user (DESIGN.md "Data and state"): the
//! current PIN's argon2id hash, when it was set, its length, which character sets it uses,
//! and the hashes of as many previous PINs as History needs. History N means the last N PINs,
//! the current one included, cannot be reused (2019 CSP page), so N-1 previous hashes are
//! kept; History 0 keeps none and checks no reuse. Never the PIN, nothing reversible.
//!
//! A PIN reset does not preserve history (2019 CSP page, DDF): [`reset_pin`] sets a new PIN
//! as on a device that never had one, forgetting the current and previous hashes, so no reuse
//! check applies to it.

use serde::{Deserialize, Serialize};

use crate::error::{HashError, PinRecordError, SetPinError};
use crate::pin::hash::{HashParams, PhcHash};
use crate::pin::provisioning::Provisioning;
use crate::pin::rules::{
    CharSets, MAX_PIN_LENGTH, MIN_PIN_LENGTH, PinPolicy, Rule, Violation, check, length_violations,
    set_violations,
};

/// What the state keeps about a user's PIN. Deserializing checks every hash and bound, since
/// a state file can be edited.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
#[serde(try_from = "RawPinRecord")]
pub struct PinRecord {
    hash: PhcHash,
    set_at: i64,
    length: u32,
    sets: CharSets,
    previous: Vec<PhcHash>,
}

impl PinRecord {
    /// The current PIN's hash.
    pub fn hash(&self) -> &PhcHash {
        &self.hash
    }

    /// When the current PIN was set, in Unix seconds.
    pub fn set_at(&self) -> i64 {
        self.set_at
    }

    /// The current PIN's length, in characters.
    pub fn length(&self) -> u32 {
        self.length
    }

    /// The character sets the current PIN uses.
    pub fn sets(&self) -> CharSets {
        self.sets
    }

    /// The previous PINs' hashes, newest first.
    pub fn previous(&self) -> &[PhcHash] {
        &self.previous
    }
}

/// The state of a user's PIN under the policy in force.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
pub struct PinStatus {
    /// Whether a PIN is set.
    pub set: bool,
    /// When it was set, in Unix seconds.
    pub set_at: Option<i64>,
    /// When it expires, in Unix seconds; `None` when no PIN is set or it never expires.
    pub expires_at: Option<i64>,
    /// Whether it has expired.
    pub expired: bool,
    /// Whether it must be changed: expired, or no longer meeting the policy.
    pub must_change: bool,
    /// Why it must be changed.
    pub reasons: Vec<Violation>,
}

/// What a new PIN is judged and recorded with.
#[derive(Clone, Copy, Debug)]
pub struct NewPin<'a> {
    /// The PIN rules in force.
    pub policy: &'a PinPolicy,
    /// The facts that decide whether provisioning is allowed.
    pub provisioning: &'a Provisioning,
    /// When it is set (the record's `set_at`).
    pub now: i64,
    /// The cost of its hash.
    pub params: HashParams,
}

/// Sets a new PIN, returning the record to store.
///
/// Checks, in order: that provisioning is allowed; every rule of the policy (all violations
/// reported); then that the PIN is not the current one or one of the History-1 previous ones.
/// On success the old current hash moves into history, which is trimmed to History-1 entries.
pub fn set_pin(
    existing: Option<&PinRecord>,
    pin: &str,
    new: NewPin<'_>,
) -> Result<PinRecord, SetPinError> {
    let NewPin {
        policy,
        provisioning,
        now,
        params,
    } = new;
    provisioning.check()?;
    let violations = check(pin, policy);
    if !violations.is_empty() {
        return Err(SetPinError::Violations(violations));
    }
    if let Some(violation) = reuse_violation(existing, pin, policy)? {
        return Err(SetPinError::Violations(vec![violation]));
    }
    let keep = usize::try_from(policy.history.saturating_sub(1)).unwrap_or(usize::MAX);
    let previous = match existing {
        Some(record) if keep > 0 => std::iter::once(&record.hash)
            .chain(&record.previous)
            .take(keep)
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    Ok(PinRecord {
        hash: PhcHash::hash(pin, params)?,
        set_at: now,
        // `check` passed, so the PIN has at most MaximumPINLength (<= 127) characters.
        length: u32::try_from(pin.chars().count()).unwrap_or(u32::MAX),
        sets: CharSets::of(pin),
        previous,
    })
}

/// The History violation of `pin`, if it is the current PIN or one of the History-1 previous
/// ones kept in `existing` (History 0: no reuse check).
pub fn reuse_violation(
    existing: Option<&PinRecord>,
    pin: &str,
    policy: &PinPolicy,
) -> Result<Option<Violation>, HashError> {
    let keep = usize::try_from(policy.history.saturating_sub(1)).unwrap_or(usize::MAX);
    let Some(record) = existing.filter(|_| policy.history > 0) else {
        return Ok(None);
    };
    for hash in std::iter::once(&record.hash).chain(record.previous.iter().take(keep)) {
        if hash.verify(pin)? {
            return Ok(Some(Violation::new(
                Rule::History,
                format!(
                    "the PIN is one of the last {} PINs, the current one included, and cannot be reused (History)",
                    policy.history
                ),
            )));
        }
    }
    Ok(None)
}

/// Resets the PIN: the new PIN replaces the old one and the history is not preserved (the
/// current and previous hashes are forgotten), so it is checked against the policy and
/// provisioning but never for reuse.
pub fn reset_pin(pin: &str, new: NewPin<'_>) -> Result<PinRecord, SetPinError> {
    set_pin(None, pin, new)
}

/// The state of the PIN in `record` under `policy` at `now`, judged from the stored facts
/// (length, character sets, when it was set).
pub fn status(record: Option<&PinRecord>, policy: &PinPolicy, now: i64) -> PinStatus {
    let Some(record) = record else {
        return PinStatus {
            set: false,
            set_at: None,
            expires_at: None,
            expired: false,
            must_change: false,
            reasons: Vec::new(),
        };
    };
    let expires_at = (policy.expiration_days > 0).then(|| {
        record
            .set_at
            .saturating_add(i64::from(policy.expiration_days).saturating_mul(SECONDS_PER_DAY))
    });
    let expired = expires_at.is_some_and(|at| now >= at);
    let mut reasons = length_violations(record.length, policy, "the current PIN has");
    reasons.extend(set_violations(record.sets, policy, "the current PIN"));
    if expired {
        reasons.push(Violation::new(
            Rule::Expiration,
            format!(
                "the current PIN expired {} days after it was set (Expiration)",
                policy.expiration_days
            ),
        ));
    }
    PinStatus {
        set: true,
        set_at: Some(record.set_at),
        expires_at,
        expired,
        must_change: !reasons.is_empty(),
        reasons,
    }
}

/// The most previous hashes any History value needs (History is at most 50).
pub const MAX_PREVIOUS: usize = 49;

/// A record as stored, before its bounds are checked.
#[derive(Deserialize)]
struct RawPinRecord {
    hash: PhcHash,
    set_at: i64,
    length: u32,
    sets: CharSets,
    #[serde(default)]
    previous: Vec<PhcHash>,
}

impl TryFrom<RawPinRecord> for PinRecord {
    type Error = PinRecordError;

    fn try_from(raw: RawPinRecord) -> Result<Self, Self::Error> {
        if raw.previous.len() > MAX_PREVIOUS {
            return Err(PinRecordError::TooManyPrevious {
                count: raw.previous.len(),
                limit: MAX_PREVIOUS,
            });
        }
        if !(MIN_PIN_LENGTH..=MAX_PIN_LENGTH).contains(&raw.length) {
            return Err(PinRecordError::LengthOutOfRange {
                length: raw.length,
                min: MIN_PIN_LENGTH,
                max: MAX_PIN_LENGTH,
            });
        }
        Ok(Self {
            hash: raw.hash,
            set_at: raw.set_at,
            length: raw.length,
            sets: raw.sets,
            previous: raw.previous,
        })
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

#[cfg(test)]
mod tests {
    use super::*;

    fn record(length: u32, previous: usize) -> String {
        let hash = PhcHash::hash("1234", HashParams::TESTING).unwrap();
        let previous: Vec<&str> = std::iter::repeat_n(hash.as_str(), previous).collect();
        serde_json::json!({
            "hash": hash.as_str(),
            "set_at": 0,
            "length": length,
            "sets": {"uppercase": false, "lowercase": false, "digits": true, "special": false},
            "previous": previous,
        })
        .to_string()
    }

    #[test]
    fn stored_records_are_checked() {
        assert!(serde_json::from_str::<PinRecord>(&record(4, MAX_PREVIOUS)).is_ok());
        let cases = [
            // History is at most 50 (DDF), so at most 49 previous hashes are ever kept.
            (record(4, MAX_PREVIOUS + 1), "previous PIN hashes"),
            // MinimumPINLength is at least 4 and MaximumPINLength at most 127 (DDF).
            (record(3, 0), "outside 4..=127"),
            (record(128, 0), "outside 4..=127"),
            (
                record(4, 0).replace("$argon2id$v=19$m=8", "$argon2id$v=19$m=9999999"),
                "outside pfw's limits",
            ),
        ];
        for (json, expected) in cases {
            let err = serde_json::from_str::<PinRecord>(&json).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn a_record_round_trips_through_json() {
        let policy = PinPolicy::default();
        let new = NewPin {
            policy: &policy,
            provisioning: &Provisioning::default(),
            now: 1_700_000_000,
            params: HashParams::TESTING,
        };
        let rec = set_pin(None, "24680135", new).unwrap();
        let json = serde_json::to_string(&rec).unwrap();
        assert!(!json.contains("24680135"));
        let back: PinRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
    }
}
