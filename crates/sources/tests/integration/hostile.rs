//! Hostile files: each is refused with one clear line (exit 2 in the CLI), never a panic or a
//! large allocation (DESIGN.md "Untrusted input").

use pfw_sources::{ReadOptions, SourceLimits, read};

use crate::support::{pol, utf16};

#[track_caller]
fn refused(name: &str, bytes: &[u8], expected: &str) {
    let err = read(name, bytes, &ReadOptions::default()).expect_err(name);
    let line = err.to_string();
    assert!(line.contains(expected), "{name}: {line}");
    assert!(!line.contains('\n'), "{name}: one line: {line}");
    assert!(line.starts_with(name), "{name}: names the file: {line}");
}

#[test]
fn one_line_refusals() {
    let good = pol(&[("K", "V", 4, 1u32.to_le_bytes().to_vec())]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.pol", good[..good.len() - 2].to_vec(), "ends inside"),
        ("odd.pol", good[..good.len() - 1].to_vec(), "ends inside"),
        ("header.pol", b"PReg".to_vec(), "shorter than the 8-byte header"),
        ("bad-utf16.reg", [&[0xFF, 0xFE][..], &[0x00, 0xD8, 0x41, 0x00]].concat(), "lone surrogate"),
        ("odd-utf16.json", [&[0xFF, 0xFE][..], b"{\0}"].concat(), "odd number of bytes"),
        ("latin1.json", b"{\"a\":\"\xe9\"}".to_vec(), "not valid UTF-8"),
        ("deep.json", "[".repeat(100_000).into_bytes(), "nest deeper than 64"),
        ("deep-obj.json", "{\"a\":".repeat(10_000).into_bytes(), "nest deeper"),
        ("trailing.json", b"{} {}".to_vec(), "content after"),
        ("other.json", b"{\"name\":\"x\"}".to_vec(), "not an Intune export"),
        ("empty", vec![], "not a policy source"),
        ("text.txt", b"hello".to_vec(), "not a policy source"),
        ("deep.xml", format!("<GPO xmlns=\"http://www.microsoft.com/GroupPolicy/Settings\">{}", "<a>".repeat(5000)).into_bytes(), "deeper"),
        ("dtd.xml", b"<!DOCTYPE GPO [<!ENTITY x 'y'>]><GPO xmlns=\"http://www.microsoft.com/GroupPolicy/Settings\"/>".to_vec(), "DOCTYPE"),
        ("bad.reg", utf16("Windows Registry Editor Version 5.00\r\n\"A\"=dword:1\r\n"), "before any [key]"),
    ];
    for (name, bytes, expected) in cases {
        refused(name, &bytes, expected);
    }
}

/// A DOCTYPE inside a GPO report is refused even when the report is recognised.
#[test]
fn report_with_doctype() {
    let text = "<?xml version=\"1.0\"?><!DOCTYPE GPO><GPO xmlns=\"http://www.microsoft.com/GroupPolicy/Settings\"/>";
    refused("r.xml", text.as_bytes(), "DOCTYPE");
}

#[test]
fn sizes_are_checked_before_decoding() {
    let options = ReadOptions {
        limits: SourceLimits {
            max_file_bytes: 1024,
            ..SourceLimits::DEFAULT
        },
        pol_scope: None,
    };
    let big = vec![b' '; 2048];
    let err = read("big.json", &big, &options).expect_err("too large");
    assert!(
        err.to_string().contains("over the 1024-byte limit"),
        "{err}"
    );
    // A PReg entry announcing 4 GiB of data is refused at its size, nothing allocated.
    let mut huge = pol(&[("K", "V", 4, vec![])]);
    let size_at = 8 + 2 * 7 + 4 + 2;
    huge[size_at..size_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    refused("huge.pol", &huge, "over the 65535-byte limit");
}

/// Positions: a JSON error names its line and column in characters.
#[test]
fn json_errors_have_positions() {
    let err = read("x.json", b"{\n  \"a\": tru\n}", &ReadOptions::default()).expect_err("bad");
    assert!(err.to_string().starts_with("x.json: 2:8: "), "{err}");
}

/// Mutated samples (bytes flipped, cut, repeated) never panic the readers, `combine` or the
/// resolver: a cheap, deterministic stand-in for the fuzz targets (DESIGN.md "Untrusted input").
#[test]
fn mutated_samples_never_panic() {
    let samples = [
        "gpo/dod-windows10-computer-registry.pol",
        "gpo/generated-machine.pol",
        "gpo/generated-user.pol",
        "intune/oib-settings-catalog-account-protection-whfb.json",
        "intune/oib-intent-identity-protection-whfb-user.json",
        "intune/oib-custom-oma-cloud-trust-utf16.json",
        "gpo/dod-windows10-computer-gpreport.xml",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in samples {
        let original = crate::support::sample(name);
        // The 300 KB report is parsed fewer times.
        let rounds = if original.len() > 100_000 { 20 } else { 150 };
        for _ in 0..rounds {
            let mut bytes = original.clone();
            let len = bytes.len().max(1);
            match next() % 3 {
                0 => {
                    for _ in 0..(1 + next() % 8) {
                        let i = usize::try_from(next()).unwrap_or(0) % len;
                        if let Some(b) = bytes.get_mut(i) {
                            *b = u8::try_from(next() % 256).unwrap_or(0);
                        }
                    }
                }
                1 => bytes.truncate(usize::try_from(next()).unwrap_or(0) % len),
                _ => {
                    let i = usize::try_from(next()).unwrap_or(0) % len;
                    let chunk: Vec<u8> = bytes[i..].iter().take(64).copied().collect();
                    bytes.splice(i..i, chunk);
                }
            }
            if let Ok(source) = read(name, &bytes, &ReadOptions::default()) {
                let combined = pfw_sources::combine(&[source], None);
                let _ = pfw_passport::policy::resolve(
                    &combined.sources,
                    &pfw_passport::policy::TenantChoice::default(),
                    None,
                );
            }
        }
    }
}
