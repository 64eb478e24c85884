//! Registry.pol (PReg) files: signature `PReg`, version 1, then instructions
//! `[key;value;type;size;data]` with every character in UTF-16LE and data length-prefixed
//! (policy-sources-facts.md §3, from [MS-GPREG] §2.2.1 and "Registry Policy File Format").
//!
//! The reader never scans data for delimiters, checks every length against what is left of
//! the file before it reads, and caps data at [MS-GPREG]'s 65,535 bytes. The special value
//! names `**del.`, `**delvals.`, `**DeleteValues`, `**DeleteKeys` and `**SecureKey` act on the
//! key (compared ignoring case).

use crate::error::{At, Refusal};
use crate::limits::SourceLimits;
use crate::model::{Format, Scope, Setting, Source};
use crate::registry::{Mapped, RegData, map, values_under};

/// One instruction of a Registry.pol, as written.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PolEntry {
    /// The key, without hive.
    pub key: String,
    /// The value name (or a special `**` name).
    pub value: String,
    /// The REG_* type code.
    pub kind: u32,
    /// The raw data.
    pub data: Vec<u8>,
    /// The byte offset of its `[`.
    pub offset: usize,
}

/// Parses a Registry.pol into its instructions.
pub fn parse(bytes: &[u8], limits: &SourceLimits) -> Result<Vec<PolEntry>, (At, Refusal)> {
    if bytes.len() > limits.max_file_bytes {
        return Err((
            At::File,
            Refusal::TooLarge {
                size: bytes.len(),
                max: limits.max_file_bytes,
            },
        ));
    }
    let header = bytes.get(..8).ok_or_else(|| {
        (
            At::File,
            Refusal::BadPolHeader(format!(
                "{} bytes, shorter than the 8-byte header",
                bytes.len()
            )),
        )
    })?;
    if header[..4] != *b"PReg" {
        return Err((
            At::Byte(0),
            Refusal::BadPolHeader("the signature is not `PReg`".to_owned()),
        ));
    }
    let version = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if version != 1 {
        return Err((
            At::Byte(4),
            Refusal::BadPolHeader(format!("version {version}, not 1")),
        ));
    }
    let mut r = Reader { bytes, i: 8 };
    let mut out = Vec::new();
    while r.i < bytes.len() {
        if out.len() >= limits.max_entries {
            return Err((
                At::Byte(r.i),
                Refusal::TooMany {
                    what: "Registry.pol entries",
                    max: limits.max_entries,
                },
            ));
        }
        let offset = r.i;
        r.expect('[', "an entry's `[`")?;
        let key = r.string("the key")?;
        r.expect(';', "`;` after the key")?;
        let value = r.string("the value name")?;
        r.expect(';', "`;` after the value name")?;
        let kind = r.dword("the type")?;
        r.expect(';', "`;` after the type")?;
        let size_at = r.i;
        let size = r.dword("the size")?;
        r.expect(';', "`;` after the size")?;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if size > limits.max_pol_data_bytes {
            return Err((
                At::Byte(size_at),
                Refusal::BadPol(format!(
                    "data of {size} bytes, over the {}-byte limit",
                    limits.max_pol_data_bytes
                )),
            ));
        }
        let data = r.take(size, "the data")?.to_vec();
        r.expect(']', "the entry's `]`")?;
        out.push(PolEntry {
            key,
            value,
            kind,
            data,
            offset,
        });
    }
    Ok(out)
}

/// Reads a Registry.pol as a policy source of `scope` (the Machine folder's file is the
/// computer's, the User folder's the user's: the file itself does not say).
pub(crate) fn read(
    file: &str,
    bytes: &[u8],
    scope: Scope,
    limits: &SourceLimits,
) -> Result<Source, (At, Refusal)> {
    let entries = parse(bytes, limits)?;
    let mut source = Source::new(file, Format::RegistryPol);
    let mut ops = Ops::new(scope, &mut source);
    for e in &entries {
        let at = At::Byte(e.offset);
        let lower = e.value.to_ascii_lowercase();
        if let Some(name) = lower.strip_prefix("**del.") {
            let name = &e.value[e.value.len() - name.len()..];
            ops.remove(&e.key, name, at);
        } else if lower.starts_with("**delvals") {
            ops.remove_all(&e.key, false, at);
        } else if lower == "**deletevalues" {
            for name in RegData::text_of(&e.data)
                .split(';')
                .filter(|n| !n.is_empty())
            {
                ops.remove(&e.key, name.trim_end_matches('\0'), at);
            }
        } else if lower == "**deletekeys" {
            for sub in RegData::text_of(&e.data)
                .split(';')
                .filter(|n| !n.is_empty())
            {
                ops.remove_all(
                    &format!("{}\\{}", e.key, sub.trim_end_matches('\0')),
                    true,
                    at,
                );
            }
        } else if lower.starts_with("**") {
            // `**SecureKey` and other key-level instructions set no value.
            ops.source.unrelated += 1;
        } else {
            let data = match (e.kind, e.data.as_slice()) {
                (4, [a, b, c, d]) => RegData::Dword(u32::from_le_bytes([*a, *b, *c, *d])),
                (1 | 2, raw) => RegData::Text(RegData::text_of(raw)),
                (kind, _) => RegData::Other(kind),
            };
            ops.set(&e.key, &e.value, &data, at);
        }
    }
    Ok(source)
}

/// Applies registry instructions to a source being built: shared with the .reg reader.
pub(crate) struct Ops<'s> {
    scope: Scope,
    pub(crate) source: &'s mut Source,
}

impl<'s> Ops<'s> {
    pub(crate) fn new(scope: Scope, source: &'s mut Source) -> Self {
        Self { scope, source }
    }

    pub(crate) fn set(&mut self, key: &str, name: &str, data: &RegData, at: At) {
        self.push(key, name, Some(data), at);
    }

    pub(crate) fn remove(&mut self, key: &str, name: &str, at: At) {
        self.push(key, name, None, at);
    }

    /// Removes every Windows Hello value of `key` (and of its subkeys).
    pub(crate) fn remove_all(&mut self, key: &str, subkeys: bool, at: At) {
        let mut any = false;
        for policy in values_under(key, subkeys) {
            any = true;
            self.push(policy.key, policy.value, None, at);
        }
        if !any {
            self.source.unrelated += 1;
        }
    }

    fn push(&mut self, key: &str, name: &str, data: Option<&RegData>, at: At) {
        let label = format!("{key}\\{name}");
        match map(key, name, data) {
            Mapped::Node { path, value } => self.source.settings.push(Setting {
                scope: self.scope,
                path,
                value,
                at,
                name: label,
            }),
            Mapped::Ignored(class, reason) => self.source.ignore(class, label, at, reason),
            Mapped::Unrelated => self.source.unrelated += 1,
        }
    }
}

struct Reader<'b> {
    bytes: &'b [u8],
    i: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], (At, Refusal)> {
        let end = self.i.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err((
                At::Byte(self.i),
                Refusal::BadPol(format!(
                    "the file ends inside {what} ({n} bytes announced, {} left)",
                    self.bytes.len() - self.i
                )),
            ));
        };
        let slice = &self.bytes[self.i..end];
        self.i = end;
        Ok(slice)
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), (At, Refusal)> {
        let at = self.i;
        let unit = self.take(2, what)?;
        if u32::from(u16::from_le_bytes([unit[0], unit[1]])) == c as u32 {
            Ok(())
        } else {
            Err((At::Byte(at), Refusal::BadPol(format!("expected {what}"))))
        }
    }

    fn dword(&mut self, what: &str) -> Result<u32, (At, Refusal)> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated UTF-16LE string (at most [`MAX_NAME_UNITS`] units).
    fn string(&mut self, what: &str) -> Result<String, (At, Refusal)> {
        let start = self.i;
        let mut units = Vec::new();
        loop {
            let unit = self.take(2, what)?;
            let u = u16::from_le_bytes([unit[0], unit[1]]);
            if u == 0 {
                break;
            }
            if units.len() >= MAX_NAME_UNITS {
                return Err((
                    At::Byte(start),
                    Refusal::BadPol(format!("{what} is longer than {MAX_NAME_UNITS} characters")),
                ));
            }
            units.push(u);
        }
        String::from_utf16(&units).map_err(|_| {
            (
                At::Byte(start),
                Refusal::BadPol(format!("{what} is not valid UTF-16")),
            )
        })
    }
}

/// Longest key or value name accepted, in UTF-16 units (a registry key path is at most
/// 32,767 characters).
const MAX_NAME_UNITS: usize = 32_767;

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a PReg file, as `samples/gpo/make_pol.py` does.
    pub(crate) fn build(entries: &[(&str, &str, u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = b"PReg\x01\x00\x00\x00".to_vec();
        let w =
            |out: &mut Vec<u8>, s: &str| out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        for (key, value, kind, data) in entries {
            w(&mut out, "[");
            w(&mut out, key);
            w(&mut out, "\0;");
            w(&mut out, value);
            w(&mut out, "\0;");
            out.extend(kind.to_le_bytes());
            w(&mut out, ";");
            out.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
            w(&mut out, ";");
            out.extend(data);
            w(&mut out, "]");
        }
        out
    }

    fn dword(n: u32) -> Vec<u8> {
        n.to_le_bytes().to_vec()
    }

    #[test]
    fn round_trips_entries() {
        let bytes = build(&[
            (
                "Software\\Policies\\Microsoft\\PassportForWork",
                "Enabled",
                4,
                dword(1),
            ),
            ("K", "**del.X", 1, b" \0\0\0".to_vec()),
            ("K", "", 3, b"];[".to_vec()),
        ]);
        let entries = parse(&bytes, &SourceLimits::DEFAULT).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].value, "Enabled");
        assert_eq!(entries[0].offset, 8);
        assert_eq!(entries[2].data, b"];[");
    }

    /// Hostile files: each gives its one-line refusal, at its byte.
    #[test]
    fn refusals() {
        let good = build(&[("K", "V", 4, dword(1))]);
        let mut huge_size = build(&[("K", "V", 4, vec![])]);
        // Overwrite the size field (after `[K\0;V\0;` + type + `;`) with 0xFFFFFFFF.
        let size_at = 8 + 2 * 7 + 4 + 2;
        huge_size[size_at..size_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut past_end = build(&[("K", "V", 4, vec![])]);
        past_end[size_at..size_at + 4].copy_from_slice(&100u32.to_le_bytes());
        let mut bad_utf16 = build(&[("K", "V", 4, dword(1))]);
        bad_utf16[10..12].copy_from_slice(&0xD800u16.to_le_bytes());
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", vec![], "shorter than the 8-byte header"),
            ("signature", b"PREG\x01\0\0\0".to_vec(), "signature"),
            ("version", b"PReg\x02\0\0\0".to_vec(), "version 2"),
            ("truncated", good[..good.len() - 3].to_vec(), "ends inside"),
            ("odd length", good[..good.len() - 1].to_vec(), "ends inside"),
            (
                "no bracket",
                [&good[..8], b"x\0".as_slice()].concat(),
                "expected an entry's `[`",
            ),
            ("huge size", huge_size, "over the 65535-byte limit"),
            ("size past end", past_end, "100 bytes announced"),
            ("bad UTF-16 key", bad_utf16, "not valid UTF-16"),
            (
                "unterminated key",
                [&good[..10], &[0x41, 0][..]].concat(),
                "ends inside the key",
            ),
        ];
        for (name, bytes, expected) in cases {
            let (_, refusal) = parse(&bytes, &SourceLimits::DEFAULT).unwrap_err();
            assert!(refusal.to_string().contains(expected), "{name}: {refusal}");
        }
        let small = SourceLimits {
            max_file_bytes: 10,
            ..SourceLimits::DEFAULT
        };
        assert!(matches!(
            parse(&good, &small),
            Err((_, Refusal::TooLarge { .. }))
        ));
        let few = SourceLimits {
            max_entries: 1,
            ..SourceLimits::DEFAULT
        };
        let two = build(&[("K", "V", 4, dword(1)), ("K", "W", 4, dword(1))]);
        assert!(matches!(
            parse(&two, &few),
            Err((_, Refusal::TooMany { .. }))
        ));
    }

    #[test]
    fn special_names_act_on_the_key() {
        let p = "Software\\Policies\\Microsoft\\PassportForWork";
        let bytes = build(&[
            (p, "Enabled", 4, dword(0)),
            (p, "UseCertificateForOnPremAuth", 4, dword(1)),
            (p, "**delvals.", 1, b" \0\0\0".to_vec()),
            (p, "Enabled", 4, dword(1)),
            (
                &format!("{p}\\PINComplexity"),
                "**del.Digits",
                1,
                b" \0\0\0".to_vec(),
            ),
        ]);
        let source = read(
            "u.pol",
            &bytes,
            Scope::UserGroupPolicy,
            &SourceLimits::DEFAULT,
        )
        .unwrap();
        let last: Vec<(&str, Option<&str>)> = source
            .settings
            .iter()
            .map(|s| (s.key(), s.value.as_deref()))
            .collect();
        assert_eq!(last.first(), Some(&("UsePassportForWork", Some("false"))));
        assert!(last.contains(&("UseCertificateForOnPremAuth", None)));
        assert!(last.contains(&("PINComplexity/Digits", None)));
        assert_eq!(
            last.iter().rev().find(|(k, _)| *k == "UsePassportForWork"),
            Some(&("UsePassportForWork", Some("true")))
        );
    }
}
