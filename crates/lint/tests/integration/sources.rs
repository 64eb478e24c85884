//! Several files of any kind linted as one device receiving them all (`Linter::lint_files`):
//! the codes only a set of files shows, Settings Catalog values checked against the DDF like
//! OMA-URI values, Group Policy files, encrypted values. Expectations: policy-facts.md §1–2,
//! policy-sources-facts.md §1.2 and §4a, the README decisions.

use pfw_lint::{Code, FileReport, Linter, Options};

use crate::util::{fixture, text_at};

pub(crate) const T: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";

/// The codes the cases below cover (the per-file fixtures of `codes.rs` cover the others).
pub(crate) const COVERED: [Code; 6] = [
    Code::ConflictingProfiles,
    Code::GpoOverridesMdm,
    Code::IgnoredSetting,
    Code::MdmWinsOverGpNoEffect,
    Code::NotCheckable,
    Code::NotInEdition,
];

fn lint_all(names: &[&str], options: Options) -> Vec<FileReport> {
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| ((*n).to_owned(), fixture(n)))
        .collect();
    Linter::with_pfw_ddf(options)
        .expect("pfw's own DDF loads")
        .lint_files(&files)
        .expect("the in-memory device does not fail")
}

fn codes(report: &FileReport) -> Vec<(Code, u32, u32)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.line, d.column))
        .collect()
}

fn tenant() -> Options {
    Options {
        tenant: Some(T.to_owned()),
        os_build: None,
    }
}

/// Computer GP's PIN length beats the MDM's (the PIN complexity group, [Manage-2022]);
/// MDMWinsOverGP changes nothing ([Configure-2024]); an invented registry name is ignored.
#[test]
fn group_policy_and_mdm_together() {
    let reports = lint_all(&["sources-gpo-pin.reg", "sources-mdm-pin.xml"], tenant());
    assert_eq!(
        codes(&reports[0]),
        [(Code::IgnoredSetting, 5, 1)],
        "{:#?}",
        reports[0].diagnostics
    );
    let mdm = codes(&reports[1]);
    assert!(
        mdm.contains(&(Code::GpoOverridesMdm, 2, 48)),
        "{:#?}",
        reports[1].diagnostics
    );
    assert!(
        mdm.contains(&(Code::MdmWinsOverGpNoEffect, 3, 48)),
        "{mdm:?}"
    );
    let overrides = reports[1]
        .diagnostics
        .iter()
        .find(|d| d.code == Code::GpoOverridesMdm)
        .expect("found");
    assert!(
        overrides.message.contains("PIN complexity group"),
        "{}",
        overrides.message
    );
    assert!(
        overrides
            .message
            .contains("this value 12 is stored but not applied"),
        "{}",
        overrides.message
    );
    assert!(
        text_at(&reports[1].source, overrides).starts_with("./Device/Vendor/MSFT/PassportForWork/")
    );
    assert!(text_at(&reports[0].source, &reports[0].diagnostics[0]).starts_with("\"PinLength\""));
}

/// The same setting set to different values by two profiles: both places are reported.
#[test]
fn conflicting_profiles() {
    let reports = lint_all(
        &[
            "sources-mdm-pin.xml",
            "sources-oma-secret.json",
            "sources-mdm-pin.xml",
        ],
        tenant(),
    );
    let first: Vec<Code> = reports[0].diagnostics.iter().map(|d| d.code).collect();
    let last: Vec<Code> = reports[2].diagnostics.iter().map(|d| d.code).collect();
    // The encrypted value is not a value pfw can compare: no conflict with it, and no
    // conflict between two identical writes.
    assert!(!first.contains(&Code::ConflictingProfiles), "{first:?}");
    assert!(!last.contains(&Code::ConflictingProfiles), "{last:?}");
    let catalog = lint_all(&["sources-catalog.json", "sources-gpo-pin.reg"], tenant());
    assert!(
        catalog[0]
            .diagnostics
            .iter()
            .all(|d| d.code != Code::ConflictingProfiles)
    );
    let pair = {
        let mut files = vec![("a.xml".to_owned(), fixture("sources-mdm-pin.xml"))];
        files.push((
            "b.xml".to_owned(),
            String::from_utf8(fixture("sources-mdm-pin.xml"))
                .expect("utf-8")
                .replace("<Data>12<", "<Data>9<")
                .into_bytes(),
        ));
        Linter::with_pfw_ddf(tenant())
            .expect("ddf")
            .lint_files(&files)
            .expect("lints")
    };
    for (report, other) in [(&pair[0], "b.xml at 2:48"), (&pair[1], "a.xml at 2:48")] {
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.code == Code::ConflictingProfiles)
            .expect("both places");
        assert_eq!((d.line, d.column), (2, 48), "{}", report.file);
        assert!(d.message.contains(other), "{}", d.message);
    }
}

/// An encrypted OMA value is not checkable, never a bad value (README decisions).
#[test]
fn encrypted_values_are_not_checkable() {
    let reports = lint_all(&["sources-oma-secret.json"], tenant());
    let got: Vec<Code> = reports[0].diagnostics.iter().map(|d| d.code).collect();
    assert!(got.contains(&Code::NotCheckable), "{got:?}");
    assert!(
        !got.contains(&Code::InvalidValue) && !got.contains(&Code::FormatMismatch),
        "{got:?}"
    );
}

/// Settings Catalog values go through the same DDF checks as OMA-URI values; a choice id that
/// maps to no value lists the valid ones; --os-build applies; the deprecated root UseBiometrics
/// names its replacement. Messages carry Intune's own setting ids.
#[test]
fn settings_catalog_checked_like_oma() {
    let options = Options {
        tenant: Some(T.to_owned()),
        os_build: Some("10.0.19041.1000".parse().expect("a build")),
    };
    let reports = lint_all(&["sources-catalog.json"], options);
    let r = &reports[0];
    let find = |code: Code| {
        r.diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{code}: {:#?}", r.diagnostics))
    };
    let choice = find(Code::ValueNotAllowed);
    assert!(
        choice.message.contains("_digits_3 maps to no value"),
        "{}",
        choice.message
    );
    assert!(
        choice.message.contains("_digits_0, ") && choice.message.contains("_digits_2"),
        "{}",
        choice.message
    );
    assert!(text_at(&r.source, choice).starts_with(
        "device_vendor_msft_passportforwork_{tenantid}_policies_pincomplexity_digits_3"
    ));
    // DisablePostLogonProvisioning is newer than 10.0.19041.1000 (DDF: from 10.0.19041.4239).
    let build = find(Code::NotInBuild);
    assert!(
        build.message.starts_with(
            "device_vendor_msft_passportforwork_{tenantid}_policies_disablepostlogonprovisioning: "
        ),
        "{}",
        build.message
    );
    // MaximumPINLength 200: outside the DDF's 4-127.
    let range = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ValueNotAllowed)
        .nth(1)
        .expect("two");
    assert!(
        range.message.contains("maximumpinlength"),
        "{}",
        range.message
    );
    assert!(text_at(&r.source, range).starts_with("200"));
    let deprecated = find(Code::DeprecatedNode);
    assert!(
        deprecated
            .message
            .starts_with("device_vendor_msft_passportforwork_usebiometrics: "),
        "{}",
        deprecated.message
    );
}

/// A damaged Registry.pol is unreadable (exit status 2), with its byte named.
#[test]
fn damaged_registry_pol_is_unreadable() {
    let files = vec![("bad.pol".to_owned(), b"PReg\x01\x00\x00\x00[\x00".to_vec())];
    let reports = Linter::with_pfw_ddf(Options::default())
        .expect("ddf")
        .lint_files(&files)
        .expect("lints");
    assert_eq!(codes(&reports[0]), [(Code::Unreadable, 1, 1)]);
    assert!(
        reports[0].diagnostics[0]
            .message
            .contains("damaged Registry.pol"),
        "{:?}",
        reports[0].diagnostics
    );
    assert_eq!(pfw_lint::exit_status(&reports, false), 2);
}

/// User Group Policy exists only for the ADMX's `class="Both"` policies: its PIN length is
/// ignored with a note (README decisions; policy-sources-facts.md §1.1).
#[test]
fn user_group_policy_for_pin_complexity_is_ignored() {
    let reports = lint_all(&["sources-user-gpo.reg"], tenant());
    assert_eq!(
        codes(&reports[0]),
        [(Code::IgnoredSetting, 7, 1)],
        "{:#?}",
        reports[0].diagnostics
    );
    assert!(
        reports[0].diagnostics[0]
            .message
            .contains("only under Computer Configuration")
    );
}

/// DDF `EditionAllowList` (on the PassportForWork root): an edition outside it has no
/// PassportForWork node at all; Enterprise (0x4) has them.
#[test]
fn editions_outside_the_allow_list() {
    let files = vec![("c.json".to_owned(), fixture("sources-catalog.json"))];
    let linter = Linter::with_pfw_ddf(tenant()).expect("ddf");
    let iot = linter.lint_files_for(&files, Some(0x7B)).expect("lints");
    let n = iot[0]
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::NotInEdition)
        .count();
    // Four settings: digits (its choice maps to no value, so nothing is written), the other three.
    assert_eq!(n, 3, "{:#?}", iot[0].diagnostics);
    let enterprise = linter.lint_files_for(&files, Some(0x4)).expect("lints");
    assert!(
        enterprise[0]
            .diagnostics
            .iter()
            .all(|d| d.code != Code::NotInEdition)
    );
}
