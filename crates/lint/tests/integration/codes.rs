//! One fixture per diagnostic code: each fixture's every diagnostic, pinned by code, line,
//! column and the text the column points at (so each place can be checked by eye against the
//! fixture in `tests/data/`).

use pfw_lint::{Code, Linter, Options};

use crate::util::{code_positions, fixture, lint, text_at};

/// `(code, line, column, text at that place)`.
type Expected = (Code, u32, u32, &'static str);

/// (fixture, --tenant, --os-build, every diagnostic expected).
type Case = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static [Expected],
);

/// A tenant for `--tenant` other than the fixtures' `3f1c7a52-…`.
const OTHER_TENANT: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";

/// The first Add of a leaf in a fixture gets the one `add-only-once` note of the file.
const NOTE: Expected = (Code::AddOnlyOnce, 3, 1, "<Add>");

/// (fixture, --tenant, --os-build, every diagnostic expected). Where each expectation comes
/// from is in the comment; the place is the URI segment, Meta Format or value at fault.
#[rustfmt::skip]
const CASES: &[Case] = &[
    // README "second delivery": Adds are answered 418 when delivered again.
    ("add-only-once.xml", None, None, &[NOTE]),
    // DESIGN containers: every member of an Atomic runs, each failing one keeps its code, the
    // Atomic is 507; a Sequence inside it keeps Get, nested Atomic and Replace-after-Add at 500.
    ("atomic-rolled-back.xml", None, None, &[(Code::AtomicRolledBack, 3, 1, "<Atomic>"), (Code::InvalidValue, 5, 228, "1</Data>"), (Code::UnknownNode, 6, 141, "MinimumPINLenght"), (Code::GetInAtomic, 8, 1, "<Get>"), (Code::NestedAtomic, 9, 1, "<Atomic>"), (Code::ReplaceAfterAdd, 10, 48, "./Device")]),
    // DESIGN row 7: Add of an existing node (created implicitly by the first Add) is 418.
    ("already-exists.xml", None, None, &[NOTE, (Code::AlreadyExists, 4, 44, "./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83</")]),
    // 2019 CSP page: all sets allowed and none required means the default behaviour.
    ("char-sets-default.xml", None, None, &[NOTE, (Code::CharSetsDefault, 6, 226, "0</Data>")]),
    // DESIGN containers: the failed Atomic is rolled back (507, its note), so the Get's node is
    // missing (404) and its Add creates nothing (no add-only-once note).
    ("command-fails.xml", None, None, &[(Code::AtomicRolledBack, 3, 1, "<Atomic>"), (Code::UnknownNode, 5, 141, "MinimumPINLenght"), (Code::CommandFails, 7, 1, "<Get>")]),
    // pfw's DDF: root UseBiometrics is MSFT:Deprecated, replaced by Biometrics/UseBiometrics.
    ("deprecated-node.xml", None, None, &[NOTE, (Code::DeprecatedNode, 3, 81, "UseBiometrics</LocURI>")]),
    // policy-facts §1: Biometrics is only in the device tree.
    ("device-only-node.xml", None, None, &[(Code::DeviceOnlyNode, 3, 44, "./User/")]),
    // SyncML: a CmdID is unique in its message.
    ("duplicate-cmd-id.xml", None, None, &[NOTE, (Code::DuplicateCmdId, 4, 13, "1</CmdID>")]),
    // The same node set twice in one profile.
    ("duplicate-node.xml", None, None, &[NOTE, (Code::DuplicateNode, 4, 48, "./Device")]),
    // DESIGN row 8: Meta Format is not the node's (415); README lint: the value, checked after
    // it, would also fail (bool `1`, DESIGN values).
    ("format-mismatch.xml", None, None, &[(Code::FormatMismatch, 3, 199, "int</Format>"), (Code::InvalidValue, 3, 224, "1</Data>")]),
    // DESIGN containers: a Get inside an Atomic is 500 (and its Atomic 507).
    ("get-in-atomic.xml", None, None, &[(Code::AtomicRolledBack, 3, 1, "<Atomic>"), (Code::GetInAtomic, 4, 1, "<Get>")]),
    // Graph: omaSettingNumber is not one of omaSetting's types.
    ("invalid-setting.json", None, None, &[(Code::InvalidSetting, 6, 23, "#microsoft.graph.omaSettingNumber")]),
    // DESIGN row 3: a LocURI does not start with `/` (400).
    ("invalid-uri.xml", None, None, &[(Code::InvalidUri, 3, 44, "/Vendor/MSFT")]),
    // DESIGN values: bool is true/false; `1` is 400.
    ("invalid-value.xml", None, None, &[(Code::InvalidValue, 3, 225, "1</Data>")]),
    // The engine answers a command breaking the SyncML grammar 400.
    ("malformed-command.xml", None, None, &[(Code::MalformedCommand, 3, 22, "<Priority>")]),
    // DDF note on both lengths: minimum above maximum falls back to 4 and 127.
    ("min-above-max.xml", None, None, &[NOTE, (Code::MinAboveMax, 3, 236, "10</Data>")]),
    // DESIGN row 1: CmdID present (400).
    ("missing-cmd-id.xml", None, None, &[(Code::MissingCmdId, 3, 1, "<Add>")]),
    // DESIGN containers: a nested Atomic is 500 (and its Atomic 507).
    ("nested-atomic.xml", None, None, &[(Code::AtomicRolledBack, 3, 1, "<Atomic>"), (Code::NestedAtomic, 4, 1, "<Atomic>")]),
    // No set allowed: no PIN could exist; pfw applies the default.
    ("no-char-set-allowed.xml", None, None, &[NOTE, (Code::NoCharSetAllowed, 6, 226, "2</Data>")]),
    // DESIGN row 7: Replace never creates (404 on a fresh device).
    ("node-missing.xml", None, None, &[(Code::NodeMissing, 3, 48, "./Device")]),
    // DESIGN row 6 (OMA-DM 1.2 Add status table): an Add of a child of a leaf is 405.
    ("add-below-a-leaf.xml", None, None, &[(Code::NotAllowed, 3, 44, "./Device/Vendor/MSFT/PassportForWork/3f1c7a52")]),
    // DESIGN row 6: Replace on an interior node is 405.
    ("not-allowed.xml", None, None, &[(Code::NotAllowed, 3, 48, "./Device/Vendor/MSFT/PassportForWork/Biometrics</")]),
    // DDF: UseCloudTrustForOnPremAuth applies from 10.0.19044.1566 (19041 branch revision 1566).
    ("not-in-build.xml", None, Some("10.0.19041.1000"), &[(Code::NotInBuild, 3, 44, "./Device")]),
    // DESIGN containers: Add then Replace of one node in an Atomic; the Replace is 500, the
    // Atomic 507 and rolled back, so the Add creates nothing (no add-only-once note).
    ("replace-after-add.xml", None, None, &[(Code::AtomicRolledBack, 3, 1, "<Atomic>"), (Code::ReplaceAfterAdd, 5, 48, "./Device")]),
    // DESIGN: only the device's tenant applies.
    ("several-tenants.xml", None, None, &[NOTE, (Code::SeveralTenants, 4, 81, "6f9c1a2e")]),
    // DDF UniqueName: a GUID without curly braces.
    ("tenant-braces.xml", None, None, &[NOTE, (Code::TenantBraces, 3, 81, "{3f1c")]),
    // DESIGN: policy under another tenant is ignored.
    ("tenant-mismatch.xml", Some(OTHER_TENANT), None, &[NOTE, (Code::TenantMismatch, 3, 81, "3f1c7a52")]),
    // DDF UniqueName: a TenantId is a GUID.
    ("tenant-not-guid.xml", None, None, &[NOTE, (Code::TenantNotGuid, 3, 81, "Contoso/")]),
    // DESIGN row 2: an element that is not a command is 400.
    ("unknown-command.xml", None, None, &[(Code::UnknownCommand, 3, 2, "Set>")]),
    // DESIGN row 5: a misspelled name is 404.
    ("unknown-node.xml", None, None, &[(Code::UnknownNode, 3, 141, "MinimumPINLenght")]),
    // DESIGN "Message or command": not well-formed, refused whole.
    ("unreadable.xml", None, None, &[(Code::Unreadable, 4, 1, "</SyncBody>")]),
    // DESIGN row 10: ?prop=ACL is 406.
    ("unsupported.xml", None, None, &[(Code::Unsupported, 3, 44, "./Device/Vendor/MSFT/PassportForWork?prop=ACL</")]),
    // README limits: a segment over 255 bytes is 414.
    ("uri-too-long.xml", None, None, &[(Code::UriTooLong, 3, 92, "XXXX")]),
    // DDF: MinimumPINLength is [4-127].
    ("value-not-allowed.xml", None, None, &[(Code::ValueNotAllowed, 3, 236, "3</Data>")]),
    // README limits: Data over 64 KiB is 413.
    ("value-too-large.xml", None, None, &[(Code::ValueTooLarge, 3, 180, "pppp")]),
    // DESIGN other rules: whitespace around a LocURI is trimmed (a warning).
    ("whitespace-around-uri.xml", None, None, &[(Code::AddOnlyOnce, 3, 1, "<Add>"), (Code::WhitespaceAroundUri, 4, 5, "./Device")]),
    // README URIs: whitespace inside is part of the name (404); here a line break, at its end.
    ("whitespace-in-uri.xml", None, None, &[(Code::WhitespaceInUri, 3, 127, "")]),
];

#[test]
fn every_fixture_yields_exactly_its_diagnostics() {
    for (name, tenant, build, expected) in CASES {
        let options = Options {
            tenant: tenant.map(str::to_owned),
            os_build: build.map(|b| b.parse().expect("a build")),
        };
        let report = lint(name, &fixture(name), options);
        let got = code_positions(&report);
        let want: Vec<(Code, u32, u32)> = expected.iter().map(|e| (e.0, e.1, e.2)).collect();
        assert_eq!(got, want, "{name}: {:#?}", report.diagnostics);
        for (d, e) in report.diagnostics.iter().zip(expected.iter()) {
            let at = text_at(&report.source, d);
            assert!(at.starts_with(e.3), "{name}: {} points at {at:?}", d.code);
            assert_eq!(d.severity, d.code.severity(), "{name}");
        }
    }
}

#[test]
fn every_code_has_a_fixture() {
    for code in Code::ALL {
        let covered = CASES.iter().any(|(name, _, _, expected)| {
            name.starts_with(code.id()) && expected.iter().any(|e| e.0 == code)
        }) || crate::sources::COVERED.contains(&code);
        assert!(covered, "no fixture for {code}");
    }
}

#[test]
fn fixes_replace_the_text_at_fault() {
    // (fixture, code, the replacement its fix offers): each from the DDF or DESIGN.md.
    let cases: &[(&str, Code, &str)] = &[
        ("unknown-node.xml", Code::UnknownNode, "MinimumPINLength"),
        ("invalid-value.xml", Code::InvalidValue, "true"),
        ("format-mismatch.xml", Code::FormatMismatch, "bool"),
        (
            "tenant-braces.xml",
            Code::TenantBraces,
            "3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83",
        ),
        (
            "deprecated-node.xml",
            Code::DeprecatedNode,
            "Biometrics/UseBiometrics",
        ),
        ("device-only-node.xml", Code::DeviceOnlyNode, "./Device"),
        (
            "invalid-uri.xml",
            Code::InvalidUri,
            "./Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/UsePassportForWork",
        ),
    ];
    for (name, code, replacement) in cases {
        let report = lint(name, &fixture(name), Options::default());
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.code == *code)
            .unwrap_or_else(|| panic!("{name} has {code}"));
        let fix = d.fix.as_ref().and_then(|f| f.replacement.as_deref());
        assert_eq!(fix, Some(*replacement), "{name}");
        // Applying the fix to the covered characters and linting again clears that code.
        let line = &report.source.split('\n').nth(d.line as usize - 1).unwrap();
        let start: usize = line
            .chars()
            .take(d.column as usize - 1)
            .map(char::len_utf8)
            .sum();
        let end: usize = start
            + line[start..]
                .chars()
                .take(d.width as usize)
                .map(char::len_utf8)
                .sum::<usize>();
        let line_start = report.source.find(line).unwrap();
        let mut fixed = report.source.clone();
        fixed.replace_range(line_start + start..line_start + end, replacement);
        let again = lint(name, fixed.as_bytes(), Options::default());
        assert!(
            !again.diagnostics.iter().any(|d| d.code == *code),
            "{name}: the fix clears {code}: {:#?}",
            again.diagnostics
        );
    }
}

#[test]
fn a_device_only_node_reads_as_a_tenant_name_in_user_scope() {
    // README "Scopes": ./User/…/PassportForWork/Biometrics is a tenant called "Biometrics" for
    // pfw, which accepts the Add; the linter sees through it.
    let message = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
<Add><CmdID>1</CmdID><Item><Target><LocURI>./User/Vendor/MSFT/PassportForWork/Biometrics</LocURI></Target></Item></Add>
<Add><CmdID>2</CmdID><Item><Target><LocURI>./User/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/UseCertificateForOnPremAuth</LocURI></Target><Data>true</Data></Item></Add>
<Final/></SyncBody></SyncML>"#;
    let report = lint("user.xml", message, Options::default());
    let got = code_positions(&report);
    assert_eq!(
        got,
        [(Code::DeviceOnlyNode, 2, 44), (Code::DeviceOnlyNode, 3, 44)],
        "{:#?}",
        report.diagnostics
    );
    assert!(report.diagnostics[0].message.contains("`Biometrics`"));
    assert!(
        report.diagnostics[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("TenantId")
    );
    assert!(
        report.diagnostics[1]
            .message
            .contains("`UseCertificateForOnPremAuth`")
    );
}

#[test]
fn a_linter_over_another_ddf_still_lints() {
    // Microsoft's current DDF (test data beside the repository) instead of pfw's own.
    let ddf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ddf/microsoft/PassportForWork.xml"
    );
    let schema = pfw_ddf::Schema::load(&std::fs::read(ddf).unwrap()).unwrap();
    let csp = pfw_passport::schema::PassportCsp::with_schema(schema);
    let registry = pfw_tree::Registry::new().with(std::sync::Arc::new(csp));
    let linter = Linter::new(registry, Options::default());
    let report = linter
        .lint("unknown-node.xml", &fixture("unknown-node.xml"))
        .unwrap();
    let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnknownNode]);
}

#[test]
fn the_readme_lists_every_code_with_its_severity_and_status() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the README");
    for code in Code::ALL {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.id())))
            .unwrap_or_else(|| panic!("README has no row for {code}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[2], code.severity().as_str(), "{code}");
        let status = code.status().map(|s| s.to_string());
        match status {
            Some(s) => assert_eq!(cells[3], s, "{code}"),
            None => assert!(cells[3].is_empty() || cells[3] == "any", "{code}"),
        }
    }
}
