//! Hostile input: whatever the bytes, the linter answers with diagnostics at places that
//! exist, never panics and never hangs; oversized and over-deep input is refused whole.

use pfw_lint::{Code, FileKind, Options};

use crate::util::{code_positions, fixture, lint};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every diagnostic points at a line of the text and a column within (or just past) it.
fn places_exist(name: &str, report: &pfw_lint::FileReport) {
    let lines: Vec<&str> = report.source.split('\n').collect();
    for d in &report.diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "{name}: {d:?}");
        if report.source.is_empty() {
            continue;
        }
        let line = lines
            .get(d.line as usize - 1)
            .unwrap_or_else(|| panic!("{name}: line {} of {}", d.line, lines.len()));
        assert!(
            d.column as usize <= line.chars().count() + 1,
            "{name}: column {} of {line:?}",
            d.column
        );
    }
}

#[test]
fn mutated_profiles_never_panic() {
    let seeds = [
        "unknown-node.xml",
        "intune-profile.json",
        "whitespace-around-uri.xml",
        "command-fails.xml",
        "device-only-node.xml",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for name in seeds {
        let original = fixture(name);
        for round in 0..150 {
            let mut bytes = original.clone();
            match round % 4 {
                0 => bytes.truncate(rng.below(bytes.len() + 1)),
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(bytes.len());
                        bytes[i] = b"<>/\"{}[]:,\\ \n&;x\xE9"[rng.below(17)];
                    }
                }
                2 => {
                    let i = rng.below(bytes.len());
                    let j = rng.below(bytes.len());
                    let (a, b) = (i.min(j), i.max(j));
                    bytes.drain(a..b);
                }
                _ => {
                    let i = rng.below(bytes.len());
                    let piece = bytes[rng.below(bytes.len())..].to_vec();
                    bytes.splice(i..i, piece.into_iter().take(200));
                }
            }
            let report = lint(name, &bytes, Options::default());
            places_exist(name, &report);
        }
    }
}

#[test]
fn random_bytes_are_unreadable_or_linted() {
    let mut rng = Rng(42);
    for _ in 0..300 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let report = lint("r", &bytes, Options::default());
        assert_eq!(report.kind, FileKind::Unreadable);
        assert_eq!(report.diagnostics.len(), 1);
        places_exist("random", &report);
    }
}

#[test]
fn oversized_and_deep_input_is_refused_whole() {
    // (input, why it is refused): README limits (4 MiB) and the JSON reader's depth bound.
    let big = vec![b' '; 4 * 1024 * 1024 + 1];
    let deep = "[".repeat(100_000);
    let deep_xml = format!(
        "<SyncML><SyncBody>{}",
        "<Atomic><CmdID>1</CmdID>".repeat(1000)
    );
    let cases: &[(&[u8], &str)] = &[
        (&big, "over the limit"),
        (deep.as_bytes(), "deeper than"),
        (deep_xml.as_bytes(), "deeper than the limit"),
        (b"", "no root element"),
        (b"{\"omaSettings\": 3}", "not an array"),
        (b"[1, 2]", "not an object"),
        (b"\xEF\xBB\xBF{\"a\": \"\xFF\"}", "not UTF-8"),
    ];
    for (input, why) in cases {
        let report = lint("x", input, Options::default());
        assert_eq!(report.diagnostics.len(), 1, "{why}");
        let d = &report.diagnostics[0];
        assert_eq!(d.code, Code::Unreadable, "{why}");
        assert!(d.message.contains(why), "{why}: {}", d.message);
        assert_eq!(pfw_lint::exit_status(&[report], false), 2);
    }
}

#[test]
fn terminal_escapes_in_a_profile_do_not_reach_the_terminal() {
    let json = r##"{"omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingBoolean", "displayName": "\u001b[2J", "omaUri": "./Device/Vendor/MSFT/PassportForWork/Biometrics/\u001b]0;x\u0007", "value": true}]}"##;
    let report = lint("e.json", json.as_bytes(), Options::default());
    assert!(!report.diagnostics.is_empty());
    let text = pfw_lint::render::human(&[report], false);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
}

#[test]
fn positions_count_from_after_a_byte_order_mark() {
    // The SyncML decoder skips a BOM; the unreadable diagnostic's place and the text shown
    // agree with it.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"<SyncML><SyncBody><Add></SyncBody>");
    let report = lint("bom.xml", &bytes, Options::default());
    let d = &report.diagnostics[0];
    assert_eq!((d.code, d.line, d.column), (Code::Unreadable, 1, 24));
    assert!(crate::util::text_at(&report.source, d).starts_with("</SyncBody>"));
    let mut fixed = b"\xEF\xBB\xBF".to_vec();
    fixed.extend_from_slice(&fixture("unknown-node.xml"));
    let report = lint("bom.xml", &fixed, Options::default());
    let d = &report.diagnostics[0];
    assert!(crate::util::text_at(&report.source, d).starts_with("MinimumPINLenght"));
}

#[test]
fn a_profile_on_one_line_gets_the_same_diagnostics_at_the_same_text() {
    // Servers send SyncML on one line: positions come from one line index either way.
    for name in [
        "atomic-rolled-back.xml",
        "tenant-braces.xml",
        "whitespace-in-uri.xml",
    ] {
        let lines = String::from_utf8(fixture(name)).unwrap();
        let one = lines.replace('\n', " ");
        let a = lint(name, lines.as_bytes(), Options::default());
        let b = lint(name, one.as_bytes(), Options::default());
        let codes =
            |r: &pfw_lint::FileReport| r.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        assert_eq!(codes(&a), codes(&b), "{name}");
        for (x, y) in a.diagnostics.iter().zip(&b.diagnostics) {
            assert_eq!(y.line, 1, "{name}");
            let (tx, ty) = (
                crate::util::text_at(&a.source, x),
                crate::util::text_at(&b.source, y),
            );
            let n = tx.len().min(ty.len()).min(20);
            assert_eq!(&tx[..n], &ty[..n], "{name}: {}", x.code);
        }
    }
}

#[test]
fn an_alert_pfw_does_not_understand_is_unsupported_and_a_known_one_is_not() {
    // DESIGN other rules: an Alert gets a Status, 200, or 406 if not understood.
    let message = |code: &str| {
        pfw_testdata::message(&format!(
            "\n<Alert><CmdID>1</CmdID><Data>{code}</Data></Alert>\n"
        ))
    };
    let codes =
        |code: &str| code_positions(&lint("a.xml", message(code).as_bytes(), Options::default()));
    assert_eq!(codes("9999"), [(Code::Unsupported, 2, 1)]);
    assert_eq!(codes("1201"), []);
}
