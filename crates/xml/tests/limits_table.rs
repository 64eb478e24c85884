//! The README's "Limits" table names every bound: each `pub const MAX_…` defined in any
//! crate's `src/` must appear in it, so a new bound cannot be added without saying what it
//! is and what passing it gets.

use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn every_max_constant_is_in_the_limits_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root");
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let table = limits_section(&readme);
    let mut sources = Vec::new();
    rust_files(&root.join("crates"), &mut sources);
    let mut found = Vec::new();
    for file in &sources {
        let text = fs::read_to_string(file).expect("source file");
        for name in max_constants(&text) {
            found.push((name, file.clone()));
        }
    }
    // The scan itself must see the bounds it is meant to guard.
    for known in ["MAX_DDF_BYTES", "MAX_DOCUMENT_BYTES", "MAX_KEY_BITS"] {
        assert!(
            found.iter().any(|(name, _)| name == known),
            "the scan missed {known}"
        );
    }
    let missing: Vec<String> = found
        .iter()
        .filter(|(name, _)| !names_word(table, name))
        .map(|(name, file)| {
            let file = file.strip_prefix(root).unwrap_or(file);
            format!("{name} ({})", file.display())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "bounds missing from README.md's \"Limits\" table: {}",
        missing.join(", ")
    );
}

#[test]
fn the_scan_finds_constants_and_whole_words_only() {
    let text = "/// doc\npub const MAX_A: usize = 1;\n    pub const MAX_B_2: u64 = 2;\nconst MAX_PRIVATE: u8 = 3;\npub const MIN_X: u8 = 4;\n";
    assert_eq!(max_constants(text), ["MAX_A", "MAX_B_2"]);
    assert!(names_word("`MAX_A`, MAX_B_2", "MAX_A"));
    assert!(!names_word("MAX_AB", "MAX_A"));
}

/// The text of the README's "## Limits" section, up to the next section.
fn limits_section(readme: &str) -> &str {
    let start = readme
        .find("\n## Limits\n")
        .expect("a \"## Limits\" section");
    let body = &readme[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |i| i + 3);
    &body[..end]
}

/// The names of the `pub const MAX_…` items declared in `text`.
fn max_constants(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("pub const "))
        .filter(|rest| rest.starts_with("MAX_"))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Whether `name` stands in `text` as a whole identifier.
fn names_word(text: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Every `.rs` file below a `src` directory under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "target" && name != "tests" && name != "benches" {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") && path.components().any(|c| c.as_os_str() == "src") {
            out.push(path);
        }
    }
}
