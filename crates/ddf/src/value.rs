//! Value typing: the text of a SyncML `Data` → a typed [`NodeValue`] for a node's format,
//! checked against the node's allowed values.
//!
//! Rules (DESIGN.md "Values"): `bool` is `true`/`false` in any case (`1`, `0`, `yes` are
//! refused); `int` is a decimal `i32` with an optional leading `-`; a DDF `RegEx` is anchored
//! to the whole value, and a leading literal `{` (as Microsoft writes its GUID patterns) is
//! escaped for the regex engine; list nodes (comma-separated, such as DeviceUnlock/GroupA)
//! check each item; enumerations compare as the node's `CaseSense` says (case-sensitive by
//! default, `bool` always insensitive).

use std::borrow::Cow;
use std::fmt;

use crate::error::{PatternError, ValueError, ValueErrorKind};
use crate::model::{AllowedKind, AllowedValues, CaseSense, EnumValue, Format, Node};

/// A value typed for its node's format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeValue {
    /// `b64`: the base64 text as sent.
    B64(String),
    /// `bool`.
    Bool(bool),
    /// `chr`, and the formats kept as text (`xml`, `date`, `time`, `float`, `bin`, unknown ones).
    Chr(String),
    /// `int`.
    Int(i32),
    /// `null`.
    Null,
}

impl NodeValue {
    /// The canonical text stored and returned by Get: `true`/`false`, decimal integers without
    /// leading zeros, other text as given.
    pub fn canonical(&self) -> String {
        self.canonical_text().into_owned()
    }

    /// [`NodeValue::canonical`] without a copy where the value holds its text (or is `bool`):
    /// this is every stored write's value, so it is written without the formatting machinery.
    pub fn canonical_text(&self) -> Cow<'_, str> {
        match self {
            Self::B64(text) | Self::Chr(text) => Cow::Borrowed(text),
            other => other.scalar_text(),
        }
    }

    /// The canonical text of a value that holds no text of its own (`bool`, `int`, `null`);
    /// `""` for a text value, which the callers answer themselves.
    #[inline]
    fn scalar_text(&self) -> Cow<'static, str> {
        match self {
            Self::Bool(true) => Cow::Borrowed("true"),
            Self::Bool(false) => Cow::Borrowed("false"),
            Self::Int(i) => Cow::Owned(i.to_string()),
            Self::B64(_) | Self::Chr(_) | Self::Null => Cow::Borrowed(""),
        }
    }
}

impl NodeValue {
    /// [`NodeValue::canonical_text`] of a value given up: the text it holds is handed over,
    /// not copied.
    pub fn into_canonical_text(self) -> Cow<'static, str> {
        match self {
            Self::B64(text) | Self::Chr(text) => Cow::Owned(text),
            other => other.scalar_text(),
        }
    }
}

impl fmt::Display for NodeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::B64(text) | Self::Chr(text) => f.write_str(text),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Null => Ok(()),
        }
    }
}

/// How to read a node's value beyond what its DDF says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// The node holds a list whose items are separated by this character; each item is checked
    /// against the allowed values.
    pub list_separator: Option<char>,
}

/// Parses `text` for `node`'s format and checks it against the node's allowed values.
pub fn parse_value(
    node: &Node,
    text: &str,
    options: ValueOptions,
) -> Result<NodeValue, ValueError> {
    // The node's name is written only into an error.
    let err = |kind| ValueError {
        node: node.display_name(),
        kind,
    };
    let value = match &node.format {
        Format::Bool => {
            parse_bool(text).ok_or_else(|| err(ValueErrorKind::NotBool(shown(text))))?
        }
        Format::Int => NodeValue::Int(parse_int(text).map_err(err)?),
        Format::B64 => {
            if !is_base64(text) {
                return Err(err(ValueErrorKind::NotBase64(shown(text))));
            }
            NodeValue::B64(text.to_owned())
        }
        Format::Null => {
            if !text.is_empty() {
                return Err(err(ValueErrorKind::NotNull(shown(text))));
            }
            NodeValue::Null
        }
        Format::Float => {
            if !text.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(err(ValueErrorKind::NotFloat(shown(text))));
            }
            NodeValue::Chr(text.to_owned())
        }
        _ => NodeValue::Chr(text.to_owned()),
    };
    if let Some(allowed) = &node.allowed {
        check_allowed(node, allowed, &value, options).map_err(err)?;
    }
    Ok(value)
}

/// `true`/`false` in any case.
pub fn parse_bool(text: &str) -> Option<NodeValue> {
    if text.eq_ignore_ascii_case("true") {
        Some(NodeValue::Bool(true))
    } else if text.eq_ignore_ascii_case("false") {
        Some(NodeValue::Bool(false))
    } else {
        None
    }
}

/// A decimal `i32` with an optional leading `-`.
pub fn parse_int(text: &str) -> Result<i32, ValueErrorKind> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueErrorKind::NotInt(shown(text)));
    }
    text.parse()
        .map_err(|_| ValueErrorKind::IntOverflow(shown(text)))
}

fn check_allowed(
    node: &Node,
    allowed: &AllowedValues,
    value: &NodeValue,
    options: ValueOptions,
) -> Result<(), ValueErrorKind> {
    let admx = allowed.admx.is_some() || allowed.value_type.eq_ignore_ascii_case("ADMX");
    // An int against a range is checked as the number it is (its text would parse back to it).
    if let (NodeValue::Int(got), AllowedKind::Range { min, max }, None, false) =
        (value, &allowed.kind, options.list_separator, admx)
    {
        return check_range(*min, *max, i64::from(*got));
    }
    let text = value.canonical_text();
    match options.list_separator {
        Some(sep) => {
            for item in text.split(sep) {
                check_item(node, &allowed.kind, value, item)?;
            }
        }
        None => check_item(node, &allowed.kind, value, &text)?,
    }
    if admx {
        crate::admx::check(&text).map_err(|e| ValueErrorKind::NotAdmx {
            rule: e.rule(),
            got: shown(&text),
        })?;
    }
    Ok(())
}

fn check_range(min: i64, max: i64, got: i64) -> Result<(), ValueErrorKind> {
    if (min..=max).contains(&got) {
        Ok(())
    } else {
        Err(ValueErrorKind::OutOfRange { min, max, got })
    }
}

fn check_item(
    node: &Node,
    kind: &AllowedKind,
    value: &NodeValue,
    item: &str,
) -> Result<(), ValueErrorKind> {
    match kind {
        AllowedKind::Enum(values) => {
            let insensitive = matches!(value, NodeValue::Bool(_))
                || node.case_sense == Some(CaseSense::Insensitive);
            let found = values.iter().any(|v| {
                let v = match (value, v.value.as_str()) {
                    // Microsoft's DDFs give some bool nodes the ENUM 0|1 (Firewall's rule
                    // `Enabled`): 0 is false and 1 is true.
                    (NodeValue::Bool(_), "0") => "false",
                    (NodeValue::Bool(_), "1") => "true",
                    (_, v) => v,
                };
                if insensitive && v.is_ascii() && item.is_ascii() {
                    v.eq_ignore_ascii_case(item)
                } else if insensitive {
                    v.to_lowercase() == item.to_lowercase()
                } else {
                    v == item
                }
            });
            if found {
                Ok(())
            } else {
                Err(ValueErrorKind::NotAllowed {
                    allowed: enum_texts(values),
                    got: shown(item),
                })
            }
        }
        AllowedKind::Flag(values) => {
            let flags: Vec<i64> = values.iter().filter_map(|v| parse_flag(&v.value)).collect();
            let mask = flags.iter().fold(0, |acc, f| acc | f);
            match parse_flag(item) {
                Some(v) if v & !mask == 0 => Ok(()),
                _ => Err(ValueErrorKind::NotFlags {
                    allowed: enum_texts(values),
                    got: shown(item),
                }),
            }
        }
        AllowedKind::Range { min, max } => {
            let got: i64 = item
                .parse()
                .map_err(|_| ValueErrorKind::NotInt(shown(item)))?;
            check_range(*min, *max, got)
        }
        AllowedKind::RegEx(pattern) if pattern.is_match(item) => Ok(()),
        AllowedKind::RegEx(pattern) => Err(ValueErrorKind::NoMatch {
            pattern: pattern.source().to_owned(),
            got: shown(item),
        }),
        AllowedKind::Unchecked(_) => Ok(()),
    }
}

/// Compiles a DDF pattern anchored to the whole value. A `{` that cannot start a repetition
/// (first in the pattern or a group, or after `|`) is a literal, as Microsoft writes it, and
/// so is an escaped punctuation character that is not a regex operator (`\/`). The
/// compiled pattern is bounded by `max_bytes` (each of its NFAs), the lazy DFA's
/// cache of each search by [`PATTERN_CACHE_BYTES`] (past it, the search goes on without it).
pub fn compile_pattern(
    pattern: &str,
    max_bytes: usize,
) -> Result<regex_automata::meta::Regex, PatternError> {
    let mut escaped = String::with_capacity(pattern.len() + 8);
    let mut prev: Option<char> = None;
    let mut in_escape = false;
    for c in pattern.chars() {
        if in_escape {
            // An escaped punctuation character the regex engine gives no meaning to (`\/`,
            // as Microsoft's SecureAssessment DDF writes inside a class) is that character.
            if c.is_ascii_punctuation() && !REGEX_OPERATORS.contains(c) {
                escaped.pop();
            }
            escaped.push(c);
            in_escape = false;
            prev = Some('a');
            continue;
        }
        if c == '\\' {
            in_escape = true;
            escaped.push(c);
            continue;
        }
        if c == '{' && matches!(prev, None | Some('(' | '|')) {
            escaped.push_str("\\{");
        } else {
            escaped.push(c);
        }
        prev = Some(c);
    }
    // Values are only ever matched whole, never captured: no capture slots, and no one-pass
    // DFA (which serves capture searches), so a pattern costs less to build and to keep.
    let config = regex_automata::meta::Config::new()
        .which_captures(regex_automata::nfa::thompson::WhichCaptures::None)
        .onepass(false)
        .nfa_size_limit(Some(max_bytes))
        .hybrid_cache_capacity(PATTERN_CACHE_BYTES);
    regex_automata::meta::Regex::builder()
        .configure(config)
        .build(&format!("^(?:{escaped})$"))
        .map_err(|e| match e.size_limit() {
            Some(_) => PatternError::TooLarge {
                bytes: None,
                max: max_bytes,
            },
            None => PatternError::Invalid(
                e.syntax_error()
                    .map_or_else(|| e.to_string(), |s| one_line(&s.to_string())),
            ),
        })
}

/// The memory a compiled pattern may hold: its own, a fresh search cache, and what the lazy
/// DFA's part of that cache may grow by.
pub(crate) fn pattern_memory(regex: &regex_automata::meta::Regex) -> usize {
    let cache = regex.create_cache();
    regex.memory_usage() + cache.memory_usage() + PATTERN_CACHE_BYTES
}

/// The characters the regex syntax gives a meaning to, escaped or not (regex-syntax's
/// `is_meta_character`).
const REGEX_OPERATORS: &str = "\\.+*?()|[]{}^$#&-~";

/// The most the lazy DFA's cache of one pattern's search holds, in bytes.
pub const PATTERN_CACHE_BYTES: usize = 32 * 1024;

/// The last line of the regex parser's multi-line message (`error: …`), as one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .to_owned()
}

fn parse_flag(text: &str) -> Option<i64> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn enum_texts(values: &[EnumValue]) -> Vec<String> {
    values.iter().map(|v| v.value.clone()).collect()
}

fn is_base64(text: &str) -> bool {
    let body: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !body.len().is_multiple_of(4) {
        return false;
    }
    let padding = body.iter().rev().take_while(|&&b| b == b'=').count();
    padding <= 2
        && body[..body.len() - padding]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// The text shown in an error: at most 64 characters, then `…`.
fn shown(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical text written without `Display` is the text `Display` writes.
    #[test]
    fn the_canonical_text_is_the_displayed_one() {
        for value in [
            NodeValue::Bool(true),
            NodeValue::Bool(false),
            NodeValue::Int(0),
            NodeValue::Int(-2_147_483_648),
            NodeValue::Int(127),
            NodeValue::Chr("a b".to_owned()),
            NodeValue::B64("QQ==".to_owned()),
            NodeValue::Null,
        ] {
            assert_eq!(value.canonical(), value.to_string(), "{value:?}");
            assert_eq!(value.canonical_text(), value.to_string(), "{value:?}");
        }
    }

    #[test]
    fn microsoft_guid_pattern_compiles_with_literal_brace() {
        let pattern =
            r"{[0-9A-Fa-f]{8}\-[0-9A-Fa-f]{4}\-[0-9A-Fa-f]{4}\-[0-9A-Fa-f]{4}\-[0-9A-Fa-f]{12}\}";
        let regex = compile_pattern(pattern, crate::load::MAX_PATTERN_BYTES).unwrap();
        assert!(regex.is_match("{D6886603-9D2F-4EB2-B667-1971041FA96B}"));
        assert!(!regex.is_match("D6886603-9D2F-4EB2-B667-1971041FA96B"));
        assert!(
            !regex.is_match("{D6886603-9D2F-4EB2-B667-1971041FA96B}x"),
            "anchored at the end"
        );
        assert!(
            !regex.is_match("x{D6886603-9D2F-4EB2-B667-1971041FA96B}"),
            "anchored at the start"
        );
    }

    #[test]
    fn ints() {
        let cases: &[(&str, Result<i32, ()>)] = &[
            ("0", Ok(0)),
            ("-5", Ok(-5)),
            ("007", Ok(7)),
            ("2147483647", Ok(i32::MAX)),
            ("2147483648", Err(())),
            ("-2147483649", Err(())),
            ("+5", Err(())),
            (" 5", Err(())),
            ("", Err(())),
            ("-", Err(())),
            ("1e3", Err(())),
            ("0x10", Err(())),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_int(text).map_err(|_| ()), *expected, "{text:?}");
        }
        assert!(matches!(
            parse_int("99999999999"),
            Err(ValueErrorKind::IntOverflow(_))
        ));
    }

    #[test]
    fn base64() {
        for good in ["", "QQ==", "QUJD", "QUJDRA==", "QUJD\r\nRA=="] {
            assert!(is_base64(good), "{good:?}");
        }
        for bad in ["Q", "QQ=", "Q===", "QU?D", "=QQQ"] {
            assert!(!is_base64(bad), "{bad:?}");
        }
    }

    #[test]
    fn shown_truncates_long_values() {
        let long = "é".repeat(100);
        assert_eq!(shown(&long).chars().count(), 65);
        assert_eq!(shown("short"), "short");
    }
}
