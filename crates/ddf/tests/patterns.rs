//! DDF `RegEx` patterns are compiled when the file loads, within memory bounds
//! (`pfw_ddf::load::MAX_PATTERN_BYTES` each, `MAX_PATTERNS_BYTES` together; README "Limits"):
//! a pattern past them, or one the engine cannot compile, refuses the file with one line
//! naming the node and the pattern. Microsoft's bundle (read from `../shared`, never copied)
//! compiles under the bounds.

mod common;

use common::shared_ddf_files;
use pfw_ddf::load::{MAX_PATTERN_BYTES, MAX_PATTERNS_BYTES};
use pfw_ddf::{LoadError, PatternError, Schema};

/// A DDF with one leaf per pattern, under `./Vendor/MSFT/Demo`.
fn ddf(patterns: &[&str]) -> String {
    let leaves: String = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let p = p.replace('&', "&amp;").replace('<', "&lt;");
            format!(
                "<Node><NodeName>L{i}</NodeName><DFProperties><AccessType><Add/><Get/></AccessType>\
                 <DFFormat><chr/></DFFormat><Scope><Dynamic/></Scope>\
                 <MSFT:AllowedValues ValueType=\"RegEx\"><MSFT:Value>{p}</MSFT:Value></MSFT:AllowedValues>\
                 </DFProperties></Node>"
            )
        })
        .collect();
    format!(
        "<MgmtTree xmlns:MSFT=\"http://schemas.microsoft.com/MobileDevice/DM\"><VerDTD>1.2</VerDTD>\
         <Node><NodeName>Demo</NodeName><Path>./Vendor/MSFT</Path><DFProperties><AccessType><Get/></AccessType>\
         <DFFormat><node/></DFFormat><Scope><Permanent/></Scope></DFProperties>{leaves}</Node></MgmtTree>"
    )
}

#[test]
fn patterns_that_cannot_be_used_refuse_the_file() {
    // Each line: the pattern, then the one-line error the load gives.
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        // Not a regex: before, such a pattern was kept and checked nothing.
        ("((((", "DDF node `./Vendor/MSFT/Demo/L0`: RegEx \"((((\": error: unclosed group"),
        // Features the engine does not have (none of Microsoft's patterns uses them).
        (r"(a)\1", "DDF node `./Vendor/MSFT/Demo/L0`: RegEx \"(a)\\\\1\": error: backreferences are not supported"),
        ("(?=a)b", "DDF node `./Vendor/MSFT/Demo/L0`: RegEx \"(?=a)b\": error: look-around, including look-ahead and look-behind, is not supported"),
        // Past the per-pattern bound: 200 repetitions of a Unicode class (about 10 MiB).
        (r"[\p{L}\p{N}]{200}N", "DDF node `./Vendor/MSFT/Demo/L0`: RegEx \"[\\\\p{L}\\\\p{N}]{200}N\": compiled, it needs more than 4194304 bytes of memory; the limit is 4194304"),
    ];
    for (pattern, expected) in cases {
        let error = Schema::load(ddf(&[pattern]).as_bytes()).expect_err(pattern);
        assert!(
            matches!(error, LoadError::Pattern { .. }),
            "{pattern}: {error:?}"
        );
        assert_eq!(error.to_string(), *expected, "{pattern}");
        assert_eq!(error.to_string().lines().count(), 1, "{pattern}: one line");
    }
}

#[test]
fn the_patterns_of_a_file_are_bounded_together() {
    // Each `\w{50}…` fits the per-pattern bound (a few MiB); together they pass the file's.
    // Each is distinct: a pattern repeated on many nodes is compiled (and counted) once.
    let one = pfw_ddf::Pattern::compile(r"\w{50}0", MAX_PATTERN_BYTES).expect("fits alone");
    assert!(one.memory() <= MAX_PATTERN_BYTES);
    let n = MAX_PATTERNS_BYTES / one.memory() + 1;
    let owned: Vec<String> = (0..n).map(|i| format!(r"\w{{50}}{i}")).collect();
    let patterns: Vec<&str> = owned.iter().map(String::as_str).collect();
    match Schema::load(ddf(&patterns).as_bytes()) {
        Err(LoadError::PatternsTooLarge {
            node,
            pattern,
            bytes,
            max,
        }) => {
            assert_eq!(node, format!("./Vendor/MSFT/Demo/L{}", n - 1));
            assert_eq!(pattern, owned[n - 1]);
            assert!(bytes > max && max == MAX_PATTERNS_BYTES);
        }
        other => panic!("expected PatternsTooLarge, got {other:?}"),
    }
    // One fewer loads, and so does the same pattern on as many nodes as the file likes.
    assert!(Schema::load(ddf(&patterns[1..]).as_bytes()).is_ok());
    assert!(Schema::load(ddf(&vec![r"\w{50}"; 4 * n]).as_bytes()).is_ok());
}

#[test]
fn the_memory_attack_is_refused_at_the_first_pattern() {
    // 40 leaves of `[\p{L}\p{N}]{200}N` (12 KB of DDF): each would compile to about 10 MiB.
    let patterns = vec![r"[\p{L}\p{N}]{200}N"; 40];
    let error = Schema::load(ddf(&patterns).as_bytes()).expect_err("refused");
    assert!(
        matches!(&error, LoadError::Pattern { node, source: PatternError::TooLarge { .. }, .. } if node.ends_with("/L0")),
        "{error:?}"
    );
}

#[test]
fn compiled_patterns_check_values() {
    // DESIGN "Values": a DDF RegEx is anchored to the whole value; Microsoft's leading `{`.
    let schema = Schema::load(ddf(&[r"{[0-9A-F]{2}\}", "^a|b$"]).as_bytes()).expect("loads");
    let leaf = |i: usize| &schema.roots[0].children[i];
    let check = |i: usize, value: &str| {
        pfw_ddf::parse_value(leaf(i), value, pfw_ddf::ValueOptions::default()).is_ok()
    };
    assert!(check(0, "{0A}"));
    assert!(!check(0, "0A"));
    assert!(!check(0, "{0A}x"));
    assert!(check(1, "a") && check(1, "b"));
    assert!(!check(1, "ab"), "the alternation is anchored as a whole");
    // An escaped `/` (Microsoft's SecureAssessment DDF writes one inside a class) is a `/`.
    let slash = Schema::load(ddf(&[r"[a\/]+"]).as_bytes()).expect("loads");
    let leaf = &slash.roots[0].children[0];
    assert!(pfw_ddf::parse_value(leaf, "a/a", pfw_ddf::ValueOptions::default()).is_ok());
}

#[test]
fn every_pattern_in_microsofts_bundle_compiles_under_the_bounds() {
    // None of them uses a back-reference or look-around: each compiles, far inside the
    // per-pattern bound, and each file's patterns together inside the file's. (The patterns
    // are cut out of the text, so a file the loader refuses for another reason still counts.)
    let files = shared_ddf_files("microsoft-all");
    assert!(files.len() > 300, "Microsoft's whole bundle");
    let mut patterns = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut total = 0;
        for pattern in regex_values(&text) {
            let compiled = pfw_ddf::Pattern::compile(&pattern, MAX_PATTERN_BYTES)
                .unwrap_or_else(|e| panic!("{}: {pattern:?}: {e}", file.display()));
            assert!(
                compiled.memory() <= MAX_PATTERN_BYTES / 8,
                "{}: {pattern:?}: {} bytes",
                file.display(),
                compiled.memory()
            );
            total += compiled.memory();
            patterns += 1;
        }
        assert!(
            total <= MAX_PATTERNS_BYTES / 8,
            "{}: {total}",
            file.display()
        );
    }
    assert!(
        patterns >= 30,
        "the bundle's patterns were seen ({patterns})"
    );
}

/// The `MSFT:Value` of every `ValueType="RegEx"` in a DDF's text, with the XML escapes
/// resolved.
fn regex_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("ValueType=\"RegEx\"") {
        rest = &rest[at..];
        let Some(open) = rest.find("<MSFT:Value>") else {
            break;
        };
        let body = &rest[open + "<MSFT:Value>".len()..];
        let close = body.find("</MSFT:Value>").expect("a closed MSFT:Value");
        let value = body[..close].trim();
        let value = value
            .strip_prefix("<![CDATA[")
            .and_then(|v| v.strip_suffix("]]>"));
        out.push(match value {
            Some(cdata) => cdata.to_owned(),
            None => body[..close]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        });
        rest = &body[close..];
    }
    out
}
