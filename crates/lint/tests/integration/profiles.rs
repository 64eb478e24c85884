//! Whole profiles: Microsoft's 2019 example, an Intune export in Graph's documented shape,
//! and the project's example profile; and what `explain` says about them.

use pfw_lint::{Code, Linter, Options, Severity};
use pfw_passport::policy::keys;

use crate::util::{code_lines, explain, fixture, lint, refusal, seed_2019, text_at};

#[test]
fn the_2019_example_yields_exactly_these_diagnostics() {
    let report = lint("seed-2019.xml", seed_2019().as_bytes(), Options::default());
    let got: Vec<(Code, Severity, u32, u32)> = report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity, d.line, d.column))
        .collect();
    // Every LocURI of the example sits on its own line, indented 20 spaces, between newlines
    // (samples.md A.3): fourteen warnings, one per URI, at column 21.
    let around = |line| (Code::WhitespaceAroundUri, Severity::Warning, line, 21);
    let expected = vec![
        around(8),
        // samples.md A.1: the tenant has non-hexadecimal letters; column 51 is where it starts
        // after `./Vendor/MSFT/PassportForWork/`.
        (Code::TenantNotGuid, Severity::Error, 8, 51),
        // samples.md A.7: a first delivery made of Adds (the first Add of a leaf, CmdID 3).
        (Code::AddOnlyOnce, Severity::Note, 13, 13),
        around(18),
        around(33),
        around(48),
        around(63),
        around(78),
        around(93),
        around(108),
        around(123),
        around(138),
        around(153),
        around(168),
        around(183),
        around(198),
        // samples.md A.2: the misspelled node, at its segment.
        (Code::UnknownNode, Severity::Error, 198, 62),
    ];
    assert_eq!(got, expected, "{:#?}", report.diagnostics);
    let tenant = &report.diagnostics[1];
    assert!(text_at(&report.source, tenant).starts_with("5NEMDU42-45CC-8CBL-8BPF-D7092646325F"));
    let unknown = &report.diagnostics[report.diagnostics.len() - 1];
    assert!(text_at(&report.source, unknown).starts_with("FacialFeatureUseEnhancedAntiSpoofing"));
    assert_eq!(
        unknown.fix.as_ref().and_then(|f| f.replacement.as_deref()),
        Some("FacialFeaturesUseEnhancedAntiSpoofing")
    );
    assert_eq!(pfw_lint::exit_status(&[report], false), 1);
}

#[test]
fn the_example_profile_lints_clean() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/windows-hello-profile.xml"
    );
    let bytes = std::fs::read(path).unwrap();
    let report = lint("windows-hello-profile.xml", &bytes, Options::default());
    assert!(report.is_clean(), "{:#?}", report.diagnostics);
    // Its tenant, named with --tenant, is the one it uses.
    let tenant = Options {
        tenant: Some("3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83".to_owned()),
        os_build: Some("10.0.26100".parse().unwrap()),
    };
    assert!(lint("p.xml", &bytes, tenant).is_clean());
}

#[test]
fn an_intune_export_lints_with_positions() {
    let report = lint(
        "intune-profile.json",
        &fixture("intune-profile.json"),
        Options::default(),
    );
    let got: Vec<(Code, u32, u32, &str)> = report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.line, d.column, text_at(&report.source, d)))
        .collect();
    // (code, line, column, the text there), each from the fixture's settings in order.
    let expected: Vec<(Code, u32, u32, &str)> = vec![
        // MinimumPINLength 2 is below the DDF's [4-127]: at the value.
        (Code::ValueNotAllowed, 20, 16, "2"),
        // omaSettingString sends Format chr; RequireSecurityDevice is bool: at the type.
        (
            Code::FormatMismatch,
            23,
            23,
            "#microsoft.graph.omaSettingString\",",
        ),
        // The 2019 misspelling, at its segment.
        (
            Code::UnknownNode,
            31,
            66,
            "FacialFeatureUseEnhancedAntiSpoofing\",",
        ),
        // Biometrics is device-only: at the ./User scope.
        (
            Code::DeviceOnlyNode,
            37,
            18,
            "./User/Vendor/MSFT/PassportForWork/Biometrics/UseBiometrics\",",
        ),
    ];
    assert_eq!(got, expected, "{:#?}", report.diagnostics);
    // The setting's displayName helps the message.
    assert!(
        report.diagnostics[2]
            .message
            .contains("“Anti-spoofing – ünïcode name”")
    );
}

#[test]
fn intune_columns_count_characters_not_bytes() {
    // "é" is two bytes and one character: the value's column counts it once.
    let json = r##"{"omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "é", "omaUri": "./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/PINComplexity/History", "value": 51}]}"##;
    let report = lint("h.json", json.as_bytes(), Options::default());
    let d = &report.diagnostics[0];
    assert_eq!(d.code, Code::ValueNotAllowed);
    let byte = json.find("51}").unwrap();
    assert_eq!(d.column as usize, json[..byte].chars().count() + 1);
    assert!(
        byte + 1 > d.column as usize,
        "bytes and characters differ here"
    );
}

#[test]
fn a_graph_collection_and_user_scope_settings_are_read() {
    let json = r##"{"@odata.context": "x", "value": [{"@odata.type": "#microsoft.graph.windows10CustomConfiguration",
      "omaSettings": [
        {"@odata.type": "#microsoft.graph.omaSettingInteger", "omaUri": "./User/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/PINComplexity/MinimumPINLength", "value": 12},
        {"@odata.type": "#microsoft.graph.omaSettingInteger", "omaUri": "./User/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/PINComplexity/MaximumPINLength", "value": 8}
      ]}]}"##;
    let report = lint("c.json", json.as_bytes(), Options::default());
    let codes = code_lines(&report);
    // An Intune setting creates the node: no 418 note, no Replace-of-missing warning; the
    // user's minimum above the user's maximum falls back.
    assert_eq!(codes, [(Code::MinAboveMax, 3)], "{:#?}", report.diagnostics);
}

#[test]
fn explain_says_what_each_setting_does_and_the_policy_that_results() {
    let e = explain("seed.xml", seed_2019().as_bytes()).unwrap();
    assert_eq!(e.settings.len(), 14);
    let by_uri = |end: &str| {
        e.settings
            .iter()
            .find(|s| s.uri.ends_with(end))
            .unwrap_or_else(|| panic!("{end}"))
    };
    let lowercase = by_uri("PINComplexity/LowercaseLetters");
    assert_eq!(lowercase.value.as_deref(), Some("1"));
    assert_eq!(lowercase.line, 93);
    // The DDF's value description, and the catalog's one-line description.
    assert_eq!(
        lowercase.meaning.as_deref(),
        Some("The PIN must contain at least one lowercase letter.")
    );
    assert!(lowercase.controls.as_deref().unwrap().contains("lowercase"));
    assert_eq!(
        by_uri("PINComplexity/Expiration").meaning.as_deref(),
        Some("A PIN must be changed every 70 days.")
    );
    let misspelled = by_uri("FacialFeatureUseEnhancedAntiSpoofing");
    assert!(refusal(misspelled).unwrap().starts_with("pfw answers 404"));
    // The policy in force: the example's own values, for its only tenant.
    assert_eq!(e.policies.len(), 1);
    assert_eq!(
        e.policies[0].tenant.as_deref(),
        Some("5NEMDU42-45CC-8CBL-8BPF-D7092646325F")
    );
    assert_eq!(e.policies[0].int_of(keys::MINIMUM_PIN_LENGTH), Some(8));
    assert_eq!(e.policies[0].int_of(keys::HISTORY), Some(20));
}

#[test]
fn explain_runs_intune_settings_and_reports_refusals() {
    let e = explain("intune.json", &fixture("intune-profile.json")).unwrap();
    assert_eq!(e.settings.len(), 6);
    assert_eq!(e.settings[0].action, "set");
    assert_eq!(
        e.settings[0].label.as_deref(),
        Some("Use Windows Hello for Business")
    );
    assert!(e.settings[0].refused.is_none());
    assert!(refusal(&e.settings[1]).unwrap().contains("400"));
    assert_eq!(
        e.policies[0].bool_of(keys::USE_PASSPORT_FOR_WORK),
        Some(true)
    );
    // The user's expiration is merged in for the profile's user.
    assert_eq!(e.policies[0].int_of(keys::EXPIRATION), Some(90));
}

#[test]
fn explain_refuses_what_it_cannot_read() {
    let err = explain("u.xml", &fixture("unreadable.xml")).unwrap_err();
    assert!(matches!(
        err,
        pfw_lint::ExplainError::Unreadable {
            line: 4,
            column: 1,
            ..
        }
    ));
}

/// A message of `(verb, uri below the tenant's Policies, format, data)` commands for tenants,
/// one Atomic around the commands flagged so.
fn message(commands: &[(&str, &str, &str, &str, bool)]) -> String {
    let mut body = String::new();
    let mut in_atomic = false;
    for (i, (verb, uri, format, data, atomic)) in commands.iter().enumerate() {
        if *atomic && !in_atomic {
            body.push_str("<Atomic><CmdID>100</CmdID>\n");
        }
        if !*atomic && in_atomic {
            body.push_str("</Atomic>\n");
        }
        in_atomic = *atomic;
        let uri = format!("./Device/Vendor/MSFT/PassportForWork/{uri}");
        body.push_str(&pfw_testdata::item_command(verb, i + 1, &uri, format, data));
        body.push('\n');
    }
    if in_atomic {
        body.push_str("</Atomic>\n");
    }
    pfw_testdata::message(&format!("\n{body}"))
}

const T1: &str = "3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83";
const T2: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";

#[test]
fn explain_lists_every_setting_of_several_tenants_one_table_each() {
    // README explain: several tenants give one table per tenant; with --tenant, the other
    // tenants' settings are listed as not in force (DESIGN: only the device's tenant applies).
    let braced = format!("{{{T1}}}/Policies/PINComplexity/MinimumPINLength");
    let plain = format!("{T2}/Policies/PINComplexity/MinimumPINLength");
    let profile = message(&[
        ("Add", &braced, "int", "6", false),
        ("Add", &plain, "int", "8", false),
    ]);
    let e = explain("p.xml", profile.as_bytes()).unwrap();
    assert_eq!(e.settings.len(), 2);
    let tenants: Vec<Option<&str>> = e.policies.iter().map(|p| p.tenant.as_deref()).collect();
    let braced_name = format!("{{{T1}}}");
    assert_eq!(tenants, [Some(T2), Some(braced_name.as_str())]);
    let min = keys::MINIMUM_PIN_LENGTH;
    assert_eq!(e.policies[0].int_of(min), Some(8));
    assert_eq!(e.policies[1].int_of(min), Some(6));
    assert!(
        e.settings.iter().all(|s| s.ignored.is_none()),
        "{:#?}",
        e.settings
    );
    let options = Options {
        tenant: Some(T2.to_owned()),
        os_build: None,
    };
    let e = Linter::with_pfw_ddf(options)
        .unwrap()
        .explain("p.xml", profile.as_bytes())
        .unwrap();
    assert_eq!(e.settings.len(), 2);
    assert_eq!(e.policies.len(), 1);
    let ignored = e.settings[0].ignored.as_deref().unwrap_or("");
    assert!(
        ignored.contains(&format!("tenant `{{{T1}}}` is ignored")),
        "{ignored}"
    );
    assert_eq!(e.settings[0].meaning, None);
    assert_eq!(
        e.settings[1].meaning.as_deref(),
        Some("A PIN needs at least 8 characters.")
    );
}

#[test]
fn explain_describes_only_what_is_in_force() {
    let pin = |leaf: &str| format!("{T1}/Policies/PINComplexity/{leaf}");
    let profile = message(&[
        // The DDF: Expiration is 0..=730, so 1000 is refused (400) and nothing is in force.
        ("Add", &pin("Expiration"), "int", "1000", false),
        // The 2019 page: all four sets allowed, none required: the default applies instead
        // (the words are the DDF's description of UppercaseLetters 2).
        ("Add", &pin("UppercaseLetters"), "int", "0", false),
        ("Add", &pin("LowercaseLetters"), "int", "0", false),
        ("Add", &pin("SpecialCharacters"), "int", "0", false),
        ("Add", &pin("Digits"), "int", "0", false),
        // DESIGN containers: the Atomic fails (bool `1` is 400); its other member is 216.
        (
            "Add",
            &format!("{T1}/Policies/UsePassportForWork"),
            "bool",
            "true",
            true,
        ),
        (
            "Add",
            &format!("{T1}/Policies/RequireSecurityDevice"),
            "bool",
            "1",
            true,
        ),
    ]);
    let e = explain("p.xml", profile.as_bytes()).unwrap();
    assert_eq!(e.settings.len(), 7);
    let expiration = &e.settings[0];
    assert!(
        refusal(expiration)
            .unwrap_or_default()
            .starts_with("pfw answers 400")
    );
    assert_eq!(expiration.meaning, None);
    let upper = &e.settings[1];
    assert!(
        upper
            .ignored
            .as_deref()
            .unwrap_or("")
            .starts_with("not in force: "),
        "{upper:#?}"
    );
    assert_eq!(
        upper.meaning.as_deref(),
        Some("In force instead: Uppercase letters are not allowed in the PIN.")
    );
    let rolled_back = &e.settings[5];
    assert!(
        refusal(rolled_back)
            .unwrap_or_default()
            .starts_with("pfw answers 216"),
        "{rolled_back:#?}"
    );
    assert_eq!(rolled_back.meaning, None);
}

#[test]
fn a_delete_undoes_what_the_rules_over_several_values_see() {
    // min 10 above max 6 would fall back; deleting the tenant's subtree removes both values,
    // so the rule no longer applies, and the Delete is reported as undoing the settings.
    let tenant = "./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83";
    let message = format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
<Add><CmdID>1</CmdID><Item><Target><LocURI>{tenant}/Policies/PINComplexity/MinimumPINLength</LocURI></Target><Data>10</Data></Item></Add>
<Add><CmdID>2</CmdID><Item><Target><LocURI>{tenant}/Policies/PINComplexity/MaximumPINLength</LocURI></Target><Data>6</Data></Item></Add>
<Delete><CmdID>3</CmdID><Item><Target><LocURI>{tenant}</LocURI></Target></Item></Delete>
<Final/></SyncBody></SyncML>"#
    );
    let report = lint("d.xml", message.as_bytes(), Options::default());
    let got = code_lines(&report);
    assert_eq!(
        got,
        [(Code::AddOnlyOnce, 2), (Code::DuplicateNode, 4)],
        "{:#?}",
        report.diagnostics
    );
    assert!(report.diagnostics[1].message.contains("line 2"));
    // Without the Delete, the rule applies.
    let kept = message
        .replace("<Delete><CmdID>3</CmdID>", "<Get><CmdID>3</CmdID>")
        .replace("</Delete>", "</Get>");
    let report = lint("k.xml", kept.as_bytes(), Options::default());
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code == Code::MinAboveMax)
    );
}

#[test]
fn many_tenants_give_bounded_messages() {
    // One Add per tenant: one several-tenants warning per extra tenant, each message short.
    let adds: String = (1..=300)
        .map(|i| {
            format!(
                "<Add><CmdID>{i}</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/{i:08x}-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/UsePassportForWork</LocURI></Target><Data>true</Data></Item></Add>\n"
            )
        })
        .collect();
    let message = pfw_testdata::message(&format!("\n{adds}"));
    let report = lint("m.xml", message.as_bytes(), Options::default());
    let several: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::SeveralTenants)
        .collect();
    assert_eq!(several.len(), 299);
    assert!(
        several.iter().all(|d| d.message.len() < 200),
        "{:?}",
        several[0]
    );
}

/// A profile sending five wrong values with `verb`, one per command, in the order listed.
fn five_problems(verb: &str) -> String {
    let t = "./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies";
    let rows = [
        ("UsePassportForWork", "bool", "1"),
        ("PINComplexity/MaximumPINLength", "chr", "12"),
        ("PINComplexity/SpecialCharacters", "int", "3"),
        ("PINComplexity/Expiration", "int", "1000"),
        ("PINComplexity/MinimumPINLength", "int", "\"10\""),
    ];
    let mut body = String::new();
    for (i, (node, format, data)) in rows.iter().enumerate() {
        let uri = format!("{t}/{node}");
        body.push_str(&pfw_testdata::item_command(verb, i + 1, &uri, format, data));
        body.push('\n');
    }
    pfw_testdata::message(&format!("\n{body}"))
}

#[test]
fn a_replace_profile_shows_every_problem_an_add_profile_shows() {
    // README lint: every check of a command is reported; the first gives the status, the
    // later ones that do not depend on it are reported too ("would also fail").
    let errors = |verb: &str| {
        let report = lint("p.xml", five_problems(verb).as_bytes(), Options::default());
        let errors: Vec<(Code, u32)> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code, d.line))
            .collect();
        (errors, report)
    };
    // DESIGN values: bool `1` is 400; row 8: chr on an int node is 415; the DDF's allowed
    // values: SpecialCharacters 0..=2, Expiration 0..=730; DESIGN values: `"10"` is no int.
    let expected = vec![
        (Code::InvalidValue, 2),
        (Code::FormatMismatch, 3),
        (Code::ValueNotAllowed, 4),
        (Code::ValueNotAllowed, 5),
        (Code::InvalidValue, 6),
    ];
    let (add, _) = errors("Add");
    assert_eq!(add, expected, "Add");
    let (replace, report) = errors("Replace");
    assert_eq!(replace, expected, "Replace");
    // Each Replace is answered 404 on a fresh device: one note for the file, at the first,
    // and the other checks' notes say they come after it.
    let missing: Vec<(Severity, u32)> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::NodeMissing)
        .map(|d| (d.severity, d.line))
        .collect();
    assert_eq!(missing, [(Severity::Note, 2)], "{:#?}", report.diagnostics);
    let note = report.diagnostics[0].note.as_deref().unwrap_or("");
    assert!(note.contains("lines 3, 4, 5, 6"), "{note}");
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        let note = d.note.as_deref().unwrap_or("");
        assert!(
            note.starts_with("would also fail: ")
                && note.contains("(pfw answers 404 Not found first)"),
            "{}: {note}",
            d.code
        );
    }
}
