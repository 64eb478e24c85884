//! Typed policy values and the parsing of stored text into them.
//!
//! Stored values are untrusted (a state file can be edited by hand), so every value is parsed
//! again for its policy's kind and allowed values before it is applied: booleans are `true` or
//! `false` in any letter case, integers are decimal `i32` with an optional leading `-`, and
//! the GUID lists of `DeviceUnlock` are checked item by item.

use serde::{Serialize, Serializer};

use crate::error::InvalidValue;
use crate::policy::catalog::{TextForm, ValueKind};

/// A policy's value.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum PolicyValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i32),
    /// Text.
    Text(String),
    /// No value: a text policy that is not configured and has no default.
    Unset,
}

impl PolicyValue {
    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i32> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl std::fmt::Display for PolicyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Text(t) => write!(f, "{t:?}"),
            Self::Unset => f.write_str("(not set)"),
        }
    }
}

/// JSON: a bool, a number, a string or `null`.
impl Serialize for PolicyValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Int(i) => serializer.serialize_i32(*i),
            Self::Text(t) => serializer.serialize_str(t),
            Self::Unset => serializer.serialize_none(),
        }
    }
}

/// Parses raw stored text as a value of `kind`.
pub(crate) fn parse(kind: ValueKind, raw: &str) -> Result<PolicyValue, InvalidValue> {
    match kind {
        ValueKind::Bool => parse_bool(raw).map(PolicyValue::Bool),
        ValueKind::Int { min, max } => {
            let value = parse_int(raw)?;
            if (min..=max).contains(&value) {
                Ok(PolicyValue::Int(value))
            } else {
                Err(InvalidValue::OutOfRange { value, min, max })
            }
        }
        ValueKind::Text(form) => {
            if raw.len() > MAX_TEXT_BYTES {
                return Err(InvalidValue::TooLong {
                    limit: MAX_TEXT_BYTES,
                });
            }
            match form {
                TextForm::Any => Ok(PolicyValue::Text(raw.to_owned())),
                TextForm::BracedGuidList => {
                    if raw.split(',').all(is_braced_guid) {
                        Ok(PolicyValue::Text(raw.to_owned()))
                    } else {
                        Err(InvalidValue::NotGuidList)
                    }
                }
            }
        }
    }
}

fn parse_bool(raw: &str) -> Result<bool, InvalidValue> {
    if raw.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if raw.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(InvalidValue::NotBool)
    }
}

/// A decimal `i32` with an optional leading `-` and nothing else (no `+`, no spaces).
fn parse_int(raw: &str) -> Result<i32, InvalidValue> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidValue::NotInt);
    }
    raw.parse::<i32>().map_err(|_| InvalidValue::NotInt)
}

/// `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` in hexadecimal digits of any case.
fn is_braced_guid(item: &str) -> bool {
    let Some(inner) = item.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return false;
    };
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == GUID_GROUPS.len()
        && groups
            .iter()
            .zip(GUID_GROUPS)
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The longest text value accepted from storage; the tree's own value limit is lower.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

const GUID_GROUPS: [usize; 5] = [8, 4, 4, 4, 12];

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "{0B2E7A5C-1D3F-4A6B-8C9D-0E1F2A3B4C5D}";

    #[test]
    fn parses_each_kind() {
        let int = ValueKind::Int { min: 4, max: 127 };
        let guids = ValueKind::Text(TextForm::BracedGuidList);
        #[rustfmt::skip]
        let cases: &[(ValueKind, &str, Result<PolicyValue, InvalidValue>)] = &[
            // DESIGN.md "Values": bool is true/false in any case; 1, 0, yes are refused.
            (ValueKind::Bool, "true", Ok(PolicyValue::Bool(true))),
            (ValueKind::Bool, "FALSE", Ok(PolicyValue::Bool(false))),
            (ValueKind::Bool, "1", Err(InvalidValue::NotBool)),
            (ValueKind::Bool, "yes", Err(InvalidValue::NotBool)),
            // DESIGN.md "Values": int is decimal i32 with an optional leading '-'.
            (int, "10", Ok(PolicyValue::Int(10))),
            (int, "+10", Err(InvalidValue::NotInt)),
            (int, " 10", Err(InvalidValue::NotInt)),
            (int, "-", Err(InvalidValue::NotInt)),
            (int, "99999999999", Err(InvalidValue::NotInt)),
            // nodes.tsv: MinimumPINLength Range [4-127].
            (int, "3", Err(InvalidValue::OutOfRange { value: 3, min: 4, max: 127 })),
            (int, "-4", Err(InvalidValue::OutOfRange { value: -4, min: 4, max: 127 })),
            // DESIGN.md "Values": GroupA/GroupB hold comma-separated lists; each item must match.
            (guids, GUID, Ok(PolicyValue::Text(GUID.to_owned()))),
            (guids, &format!("{GUID},{GUID}")[..], Ok(PolicyValue::Text(format!("{GUID},{GUID}")))),
            (guids, "0B2E7A5C-1D3F-4A6B-8C9D-0E1F2A3B4C5D", Err(InvalidValue::NotGuidList)),
            (guids, &format!("{GUID}, {GUID}")[..], Err(InvalidValue::NotGuidList)),
            (guids, "", Err(InvalidValue::NotGuidList)),
            (ValueKind::Text(TextForm::Any), "a,b", Ok(PolicyValue::Text("a,b".to_owned()))),
        ];
        for (kind, raw, expected) in cases {
            assert_eq!(&parse(*kind, raw), expected, "{kind:?} {raw:?}");
        }
    }

    #[test]
    fn refuses_oversized_text() {
        let big = "x".repeat(MAX_TEXT_BYTES + 1);
        assert_eq!(
            parse(ValueKind::Text(TextForm::Any), &big),
            Err(InvalidValue::TooLong {
                limit: MAX_TEXT_BYTES
            })
        );
    }
}
