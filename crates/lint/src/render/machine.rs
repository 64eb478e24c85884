//! Diagnostics for machines: pfw's own JSON, and SARIF 2.1.0 (OASIS), the format code-scanning
//! services read. SARIF columns are counted in Unicode code points, as pfw counts them, and the
//! run says so (`columnKind`).

use serde_json::{Value, json as j};

use crate::diagnostic::{Code, Diagnostic, FileReport};

/// `{"diagnostics": [{"code", "severity", "file", "line", "column", "message", "fix"}]}`, in
/// file order then by place; `fix` is the fix in words, or `null`.
pub fn json(reports: &[FileReport]) -> String {
    let diagnostics: Vec<Value> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
        .map(|(r, d)| {
            j!({
                "code": d.code.id(),
                "severity": d.severity.as_str(),
                "file": r.file,
                "line": d.line,
                "column": d.column,
                "message": d.message,
                "fix": d.fix.as_ref().map(|f| f.message.as_str()),
            })
        })
        .collect();
    j!({ "diagnostics": diagnostics }).to_string()
}

/// A SARIF 2.1.0 log with one run: the tool (`pfw`, one rule per code) and one result per
/// diagnostic, with its physical location and, when the fix is a replacement, the fix.
pub fn sarif(reports: &[FileReport]) -> String {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            j!({
                "id": code.id(),
                "shortDescription": { "text": code.summary() },
                "defaultConfiguration": { "level": code.severity().as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| result(r, d)))
        .collect();
    j!({
        "version": "2.1.0",
        "$schema": SCHEMA,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pfw",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
    .to_string()
}

fn result(report: &FileReport, d: &Diagnostic) -> Value {
    let uri = artifact_uri(&report.file);
    let region = j!({
        "startLine": d.line,
        "startColumn": d.column,
        "endColumn": d.column.saturating_add(d.width),
    });
    let mut text = d.message.clone();
    if let Some(note) = &d.note {
        text.push_str(". ");
        text.push_str(note);
    }
    let mut result = j!({
        "ruleId": d.code.id(),
        "ruleIndex": Code::ALL.iter().position(|c| *c == d.code),
        "level": d.severity.as_str(),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": region,
            }
        }],
    });
    if let Some(fix) = &d.fix
        && let Some(replacement) = &fix.replacement
        && let Some(object) = result.as_object_mut()
    {
        object.insert(
            "fixes".to_owned(),
            j!([{
                "description": { "text": fix.message },
                "artifactChanges": [{
                    "artifactLocation": { "uri": uri },
                    "replacements": [{
                        "deletedRegion": region,
                        "insertedContent": { "text": replacement },
                    }],
                }],
            }]),
        );
    }
    result
}

/// A file name as a URI reference: `\` as `/`, and every byte outside RFC 3986's unreserved
/// set and `/` percent-encoded.
fn artifact_uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for b in file.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SARIF 2.1.0 JSON schema.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        let cases: &[(&str, &str)] = &[
            ("profiles/a.xml", "profiles/a.xml"),
            ("my profile.xml", "my%20profile.xml"),
            ("dir\\é.json", "dir/%C3%A9.json"),
        ];
        for (file, expected) in cases {
            assert_eq!(artifact_uri(file), *expected, "{file}");
        }
    }
}
