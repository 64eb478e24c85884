//! The output formats: pfw's JSON and SARIF 2.1.0, checked structurally, and the human form.

use pfw_lint::{Code, Options, render};
use serde_json::Value;

use crate::util::{fixture, lint, seed_2019};

#[test]
fn sarif_has_the_2_1_0_structure() {
    let reports = [
        lint("seed 2019.xml", seed_2019().as_bytes(), Options::default()),
        lint(
            "unknown-node.xml",
            &fixture("unknown-node.xml"),
            Options::default(),
        ),
    ];
    let log: Value = serde_json::from_str(&render::sarif(&reports)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "pfw");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Code::ALL.len(), "one rule per code");
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.id());
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            code.severity().as_str()
        );
    }
    let results = run["results"].as_array().unwrap();
    let total: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
    assert_eq!(results.len(), total);
    let mut expected = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)));
    for result in results {
        let (report, d) = expected.next().unwrap();
        assert_eq!(result["ruleId"], d.code.id());
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            d.code.id()
        );
        assert_eq!(result["level"], d.severity.as_str());
        assert!(
            result["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with(&d.message)
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri, report.file.replace(' ', "%20"));
        assert_eq!(location["region"]["startLine"], d.line);
        assert_eq!(location["region"]["startColumn"], d.column);
    }
    // A fix that is a replacement is a SARIF fix over the same region.
    let unknown = results
        .iter()
        .find(|r| r["ruleId"] == "unknown-node")
        .unwrap();
    let replacement = &unknown["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(
        replacement["insertedContent"]["text"],
        "FacialFeaturesUseEnhancedAntiSpoofing"
    );
    assert_eq!(
        replacement["deletedRegion"],
        unknown["locations"][0]["physicalLocation"]["region"]
    );
}

#[test]
fn json_lists_every_diagnostic_with_its_fields() {
    let report = lint(
        "unknown-node.xml",
        &fixture("unknown-node.xml"),
        Options::default(),
    );
    let out: Value = serde_json::from_str(&render::json(std::slice::from_ref(&report))).unwrap();
    let list = out["diagnostics"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let d = &list[0];
    let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "code", "column", "file", "fix", "line", "message", "severity"
        ]
    );
    assert_eq!(d["code"], "unknown-node");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "unknown-node.xml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(141))
    );
    assert_eq!(d["fix"], "did you mean `MinimumPINLength`?");
    let clean = lint("p.xml", &fixture("add-only-once.xml"), Options::default());
    let out: Value = serde_json::from_str(&render::json(&[clean])).unwrap();
    assert_eq!(out["diagnostics"][0]["fix"], Value::Null);
}

#[test]
fn human_output_shows_the_line_and_a_caret_under_the_place() {
    let report = lint(
        "unknown-node.xml",
        &fixture("unknown-node.xml"),
        Options::default(),
    );
    let text = render::human(&[report], false);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "error[unknown-node]: `MinimumPINLenght` is not a child of \
         `./Device/Vendor/MSFT/PassportForWork/{TenantId}/Policies/PINComplexity`"
    );
    assert_eq!(lines[1], " --> unknown-node.xml:3:141");
    let source: Vec<char> = lines[3].strip_prefix("3 | ").unwrap().chars().collect();
    let caret = lines[4].strip_prefix("  | ").unwrap();
    let at = caret.chars().position(|c| c == '^').unwrap();
    let under: String = source[at..at + caret.trim().len()].iter().collect();
    assert_eq!(under, "MinimumPINLenght");
    assert!(text.contains("= help: did you mean `MinimumPINLength`?"));
    assert!(text.ends_with("unknown-node.xml: 1 error, 0 warnings\n"));
    assert!(!text.contains('\x1b'));
    let coloured = render::human(
        &[lint(
            "u.xml",
            &fixture("unknown-node.xml"),
            Options::default(),
        )],
        true,
    );
    assert!(coloured.contains("\x1b[31;1merror[unknown-node]"));
}
