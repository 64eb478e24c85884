//! `.reg` exports (support.microsoft.com/help/310516): a first line
//! `Windows Registry Editor Version 5.00` or `REGEDIT4`, then `[HIVE\Key]` sections (`[-…]`
//! deletes a key and its subkeys) with `"Name"=dword:XXXXXXXX`, `"Name"="text"`,
//! `"Name"=hex…:` (continued with a trailing `\`), `@=` and `"Name"=-` (deletes a value).
//! The hive decides the source: `HKEY_LOCAL_MACHINE` is the computer's Group Policy,
//! `HKEY_CURRENT_USER` (or `HKEY_USERS\<SID>`) the user's.

use crate::error::{At, Refusal};
use crate::limits::SourceLimits;
use crate::model::{Format, Scope, Source};
use crate::pol::Ops;
use crate::registry::RegData;
use crate::text::Text;

/// Whether the decoded text starts like a .reg export.
pub(crate) fn is_reg(text: &str) -> bool {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let first = first.trim();
    first == HEADER_5 || first == HEADER_4
}

/// Reads a .reg export's Windows Hello values.
pub(crate) fn read(
    file: &str,
    text: &Text,
    limits: &SourceLimits,
) -> Result<Source, (At, Refusal)> {
    let mut source = Source::new(file, Format::RegExport);
    // The current key: its hive's scope (None: a hive that holds no policy) and its path.
    let mut current: Option<(Option<Scope>, String)> = None;
    let mut entries = 0usize;
    let body = &text.text;
    let mut lines = LogicalLines::new(body);
    // The header line.
    lines.next();
    while let Some((offset, line)) = lines.next() {
        let at = text.at(offset);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        entries += 1;
        if entries > limits.max_entries {
            return Err((
                at,
                Refusal::TooMany {
                    what: ".reg lines",
                    max: limits.max_entries,
                },
            ));
        }
        if let Some(inner) = trimmed.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| (at, Refusal::BadReg("a key line without its `]`".to_owned())))?;
            let (delete, path) = match inner.strip_prefix('-') {
                Some(p) => (true, p),
                None => (false, inner),
            };
            let (scope, key) = split_hive(path);
            if delete {
                match scope {
                    Some(scope) => Ops::new(scope, &mut source).remove_all(&key, true, at),
                    None => source.unrelated += 1,
                }
                current = None;
            } else {
                current = Some((scope, key));
            }
            continue;
        }
        let Some((scope, key)) = &current else {
            return Err((
                at,
                Refusal::BadReg("a value before any [key] line".to_owned()),
            ));
        };
        let (name, rest) = value_name(trimmed).ok_or_else(|| {
            (
                at,
                Refusal::BadReg(format!("not a `\"name\"=value` line: {}", excerpt(trimmed))),
            )
        })?;
        let data = value_data(rest).map_err(|m| (at, Refusal::BadReg(m)))?;
        let Some(scope) = scope else {
            source.unrelated += 1;
            continue;
        };
        let mut ops = Ops::new(*scope, &mut source);
        match data {
            Some(data) => ops.set(key, &name, &data, at),
            None => ops.remove(key, &name, at),
        }
    }
    Ok(source)
}

/// Splits `HKEY_…\rest` into the scope the hive stands for and the key below it.
fn split_hive(path: &str) -> (Option<Scope>, String) {
    let (hive, rest) = path.split_once('\\').unwrap_or((path, ""));
    let hive = hive.to_ascii_uppercase();
    match hive.as_str() {
        "HKEY_LOCAL_MACHINE" | "HKLM" => (Some(Scope::ComputerGroupPolicy), rest.to_owned()),
        "HKEY_CURRENT_USER" | "HKCU" => (Some(Scope::UserGroupPolicy), rest.to_owned()),
        // HKEY_USERS\<SID>\SOFTWARE\Policies\… is a user's hive (policy-facts.md §7).
        "HKEY_USERS" | "HKU" => match rest.split_once('\\') {
            Some((_sid, below)) => (Some(Scope::UserGroupPolicy), below.to_owned()),
            None => (None, rest.to_owned()),
        },
        _ => (None, rest.to_owned()),
    }
}

/// `"Name"=rest` or `@=rest`: the unescaped name and what follows `=`.
fn value_name(line: &str) -> Option<(String, &str)> {
    if let Some(rest) = line.strip_prefix("@=") {
        return Some((String::new(), rest));
    }
    let body = line.strip_prefix('"')?;
    let (name, end) = quoted(body)?;
    let rest = body.get(end..)?.trim_start().strip_prefix('=')?;
    Some((name, rest.trim()))
}

/// The text of a quoted string (escapes `\\` and `\"`) and the index just past its quote.
fn quoted(body: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => out.push(chars.next()?.1),
            c => out.push(c),
        }
    }
    None
}

/// The value after `=`: `None` for `-` (delete).
fn value_data(rest: &str) -> Result<Option<RegData>, String> {
    if rest == "-" {
        return Ok(None);
    }
    if let Some(hex) = rest.strip_prefix("dword:") {
        let hex = hex.trim();
        if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "dword:{} is not 1 to 8 hexadecimal digits",
                excerpt(hex)
            ));
        }
        return u32::from_str_radix(hex, 16)
            .map(|n| Some(RegData::Dword(n)))
            .map_err(|e| e.to_string());
    }
    if let Some(body) = rest.strip_prefix('"') {
        let (text, end) = quoted(body).ok_or("a string value without its closing quote")?;
        if !body[end..].trim().is_empty() {
            return Err("text after a string value".to_owned());
        }
        return Ok(Some(RegData::Text(text)));
    }
    if let Some((kind, bytes)) = rest.split_once(':')
        && let Some(code) = hex_kind(kind)
    {
        let raw = hex_bytes(bytes)?;
        return Ok(Some(match code {
            4 if raw.len() == 4 => {
                RegData::Dword(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
            }
            1 | 2 => RegData::Text(RegData::text_of(&raw)),
            code => RegData::Other(code),
        }));
    }
    Err(format!("{} is not a .reg value", excerpt(rest)))
}

/// `hex` is REG_BINARY; `hex(N)` is type N (hexadecimal).
fn hex_kind(kind: &str) -> Option<u32> {
    if kind == "hex" {
        return Some(3);
    }
    let n = kind.strip_prefix("hex(")?.strip_suffix(')')?;
    u32::from_str_radix(n, 16).ok()
}

fn hex_bytes(list: &str) -> Result<Vec<u8>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| {
            u8::from_str_radix(b, 16)
                .map_err(|_| format!("{} is not a hexadecimal byte", excerpt(b)))
        })
        .collect()
}

fn excerpt(s: &str) -> String {
    let head: String = s.chars().take(40).collect();
    if head.len() < s.len() {
        format!("{head:?}…")
    } else {
        format!("{head:?}")
    }
}

/// Lines joined where a hex list continues with a trailing `\`, each with its byte offset.
struct LogicalLines<'t> {
    text: &'t str,
    i: usize,
}

impl<'t> LogicalLines<'t> {
    fn new(text: &'t str) -> Self {
        Self { text, i: 0 }
    }

    fn next(&mut self) -> Option<(usize, String)> {
        if self.i >= self.text.len() {
            return None;
        }
        let start = self.i;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.i..];
            let (line, advance) = match rest.find('\n') {
                Some(n) => (&rest[..n], n + 1),
                None => (rest, rest.len()),
            };
            self.i += advance;
            let line = line.strip_suffix('\r').unwrap_or(line);
            match line.trim_end().strip_suffix('\\') {
                Some(head) if self.i < self.text.len() => out.push_str(head.trim_start()),
                _ => {
                    out.push_str(if out.is_empty() {
                        line
                    } else {
                        line.trim_start()
                    });
                    return Some((start, out));
                }
            }
        }
    }
}

const HEADER_5: &str = "Windows Registry Editor Version 5.00";
const HEADER_4: &str = "REGEDIT4";

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Source, (At, Refusal)> {
        read("t.reg", &Text::new(text.to_owned()), &SourceLimits::DEFAULT)
    }

    #[test]
    fn values_of_each_form() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork]\r\n\
            \"Enabled\"=dword:00000001\r\n\
            \"PinLength\"=dword:00000006\r\n\
            ; a comment\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\PINComplexity]\r\n\
            \"MinimumPINLength\"=hex(4):08,00,00,00\r\n\
            \"Digits\"=-\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\DynamicLock]\r\n\
            \"Plugins\"=\"<rule a=\\\"1\\\"/>\"\r\n\
            [HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\PassportForWork]\r\n\
            \"UseCertificateForOnPremAuth\"=hex:01,\\\r\n  00\r\n\
            \"Enabled\"=dword:0\r\n\
            [HKEY_CLASSES_ROOT\\x]\r\n\
            @=\"y\"\r\n";
        let s = read_text(text).unwrap();
        let got: Vec<(Scope, &str, Option<&str>)> = s
            .settings
            .iter()
            .map(|s| (s.scope, s.key(), s.value.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Scope::ComputerGroupPolicy,
                    "UsePassportForWork",
                    Some("true")
                ),
                (
                    Scope::ComputerGroupPolicy,
                    "PINComplexity/MinimumPINLength",
                    Some("8")
                ),
                (Scope::ComputerGroupPolicy, "PINComplexity/Digits", None),
                (
                    Scope::ComputerGroupPolicy,
                    "DynamicLock/Plugins",
                    Some("<rule a=\"1\"/>")
                ),
                (Scope::UserGroupPolicy, "UsePassportForWork", Some("false")),
            ]
        );
        // PinLength is not an ADMX name; REG_BINARY is not a REG_DWORD.
        assert_eq!(s.ignored.len(), 2, "{:?}", s.ignored);
        assert_eq!(s.ignored[0].at, At::Line(5, 1));
        assert_eq!(s.unrelated, 1);
    }

    #[test]
    fn key_deletion_removes_the_subtree() {
        let text =
            "REGEDIT4\n\n[-HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\PassportForWork]\n";
        let s = read_text(text).unwrap();
        assert!(
            s.settings
                .iter()
                .all(|s| s.value.is_none() && s.scope == Scope::UserGroupPolicy)
        );
        assert!(s.settings.iter().any(|s| s.key() == "PINComplexity/Digits"));
    }

    #[test]
    fn refusals() {
        let head = "Windows Registry Editor Version 5.00\n";
        let cases = [
            ("\"Enabled\"=dword:1\n", "before any [key]", (2, 1)),
            ("[HKLM\\X\n", "without its `]`", (2, 1)),
            (
                "[HKLM\\X]\n\"A\"=dword:123456789\n",
                "1 to 8 hexadecimal",
                (3, 1),
            ),
            ("[HKLM\\X]\n\"A\"=\"open\n", "closing quote", (3, 1)),
            ("[HKLM\\X]\nA=1\n", "not a `\"name\"=value`", (3, 1)),
            (
                "[HKLM\\X]\n\"A\"=hex:zz\n",
                "not a hexadecimal byte",
                (3, 1),
            ),
        ];
        for (body, expected, (line, column)) in cases {
            let (at, refusal) = read_text(&format!("{head}{body}")).unwrap_err();
            assert!(refusal.to_string().contains(expected), "{body}: {refusal}");
            assert_eq!(at, At::Line(line, column), "{body}");
        }
    }
}
