//! `pfw lint` and `pfw explain` end to end: exit codes 0, 1 and 2, `--deny warnings`, the
//! JSON and SARIF formats, several files, `--tenant` and `--os-build`, and explain's words and
//! policy table. None of them touches the state.

use crate::support::{
    Msg, Run, SEED_2019, TENANT, TestDevice, assert_contains, device_policy, seed_message,
};

/// The example profile, from the repository.
fn example() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/windows-hello-profile.xml"
    );
    std::fs::read_to_string(path).expect("the example profile")
}

/// A profile with one warning and no error: a leaf set twice.
fn warning_only() -> String {
    let uri = device_policy(TENANT, "PINComplexity/MinimumPINLength");
    Msg::new()
        .add(&uri, "int", "6")
        .replace(&uri, "int", "8")
        .build()
}

#[test]
fn exit_codes_say_clean_errors_or_unusable_input() {
    let device = TestDevice::new();
    let clean = device.file("clean.xml", example());
    let seed = device.file("seed.xml", seed_message(SEED_2019));
    let broken = device.file("broken.json", "{\"omaSettings\": [");
    // (files, exit code): README "Exit status" (0 success, 1 negative, 2 unusable input).
    let cases: &[(&[&std::path::Path], i32)] = &[
        (&[&clean], 0),
        (&[&seed], 1),
        (&[&broken], 2),
        (&[&clean, &seed], 1),
        (&[&seed, &broken], 2),
    ];
    for (files, code) in cases {
        let mut args = vec!["lint"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let run = device.run(&args);
        assert_eq!(run.code, Some(*code), "{files:?}: {run:?}");
    }
    let run = device.run(&["lint", "missing.xml"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stdout, "error[unreadable]");
    assert!(!device.state().exists(), "lint never opens the state");
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let device = TestDevice::new();
    let file = device.file("twice.xml", warning_only());
    let path = file.to_str().unwrap();
    let run = device.run(&["lint", path]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_contains(&run.stdout, "warning[duplicate-node]");
    let denied = device.run(&["lint", "--deny", "warnings", path]);
    assert_eq!(denied.code, Some(1), "{denied:?}");
    // Notes never fail: the example profile has one.
    let clean = device.file("clean.xml", example());
    let run = device.run(&["lint", "--deny", "warnings", clean.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_contains(&run.stdout, "note[add-only-once]");
}

#[test]
fn json_format_lists_the_seed_errors_at_their_lines() {
    let run = lint_seed(&["--format", "json"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let out: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let errors: Vec<(String, u64, u64)> = out["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    // samples.md A.1 and A.2: the tenant (line 8) and the misspelled node (line 198).
    assert_eq!(
        errors,
        [
            ("tenant-not-guid".to_owned(), 8, 51),
            ("unknown-node".to_owned(), 198, 62)
        ]
    );
    let unknown = out["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-node")
        .unwrap();
    assert_eq!(
        unknown["fix"],
        "did you mean `FacialFeaturesUseEnhancedAntiSpoofing`?"
    );
    assert!(unknown["file"].as_str().unwrap().ends_with("seed.xml"));
}

#[test]
fn sarif_format_is_a_sarif_log() {
    let run = lint_seed(&["--format", "sarif"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF on stdout");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "pfw");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "unknown-node"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 198));
}

#[test]
fn human_output_has_no_colour_with_no_color_and_points_at_the_place() {
    let run = lint_seed(&[]);
    assert!(!run.stdout.contains('\x1b'), "{run:?}");
    assert_contains(&run.stdout, "error[unknown-node]");
    assert_contains(&run.stdout, "seed.xml:198:62");
    assert_contains(
        &run.stdout,
        "= help: did you mean `FacialFeaturesUseEnhancedAntiSpoofing`?",
    );
    assert!(
        run.stdout
            .trim_end()
            .ends_with("2 errors, 14 warnings, 1 note"),
        "{run:?}"
    );
}

#[test]
fn tenant_and_os_build_options_add_their_checks() {
    let device = TestDevice::new();
    let clean = device.file("clean.xml", example());
    let path = clean.to_str().unwrap();
    let other = "9b2d4e6f-1a3c-4b5d-8e7f-0a1b2c3d4e5f";
    let run = device.run(&["lint", "--tenant", other, path]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_contains(&run.stdout, "error[tenant-mismatch]");
    // FacialFeaturesUseEnhancedAntiSpoofing applies from build 10.0.15063 (the DDF).
    let run = device.run(&["lint", "--os-build", "10.0.14393", path]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_contains(&run.stdout, "error[not-in-build]");
    let run = device.run(&["lint", "--os-build", "ten", path]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "--os-build");
}

#[test]
fn lint_reads_standard_input() {
    let device = TestDevice::new();
    let run = device.run_with_stdin(&["lint", "-"], &warning_only());
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_contains(&run.stdout, "-:3:");
}

#[test]
fn explain_says_what_the_profile_does_and_the_policy_after_it() {
    let device = TestDevice::new();
    let clean = device.file("clean.xml", example());
    let run = device.run(&["explain", clean.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{run:?}");
    // The catalog's description and the DDF's value description of one setting.
    assert_contains(&run.stdout, "The fewest characters a PIN may have");
    assert_contains(&run.stdout, "A PIN needs at least 6 characters.");
    assert_contains(
        &run.stdout,
        "Special characters are not allowed in the PIN.",
    );
    // `pfw policy`'s table for the profile's tenant.
    assert_contains(&run.stdout, &format!("tenant {TENANT}"));
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("PINComplexity/MinimumPINLength") && l.contains(" 6 ")),
        "{run:?}"
    );
    assert!(!device.state().exists(), "explain never opens the state");
    // Unusable input is exit 2.
    let broken = device.file("broken.xml", "<SyncML><SyncBody>");
    let run = device.run(&["explain", broken.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{run:?}");
}

#[test]
fn deny_warnings_passes_a_clean_replace_profile() {
    // README lint: Replace of nodes a fresh device lacks is one node-missing note per file,
    // not a warning, so a profile meant to be re-sent passes `--deny warnings`.
    let device = TestDevice::new();
    let a = device_policy(TENANT, "PINComplexity/MinimumPINLength");
    let b = device_policy(TENANT, "PINComplexity/MaximumPINLength");
    let file = device.file(
        "replace.xml",
        Msg::new()
            .replace(&a, "int", "6")
            .replace(&b, "int", "12")
            .build(),
    );
    let run = device.run(&["lint", "--deny", "warnings", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout.matches("note[node-missing]").count(),
        1,
        "{run:?}"
    );
    assert!(!run.stdout.contains("warning["), "{run:?}");
}

#[test]
fn explain_gives_one_table_per_tenant_and_marks_what_is_not_in_force() {
    // README explain: every setting listed; several tenants (one in braces here) give one
    // table per tenant instead of exit 2; a refused value has no "→" line.
    let device = TestDevice::new();
    let other = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";
    let braced = format!("{{{TENANT}}}");
    let file = device.file(
        "two.xml",
        Msg::new()
            .device_in(&braced, "PINComplexity/MinimumPINLength", "int", "6")
            .device_in(other, "PINComplexity/MinimumPINLength", "int", "8")
            .device_in(other, "PINComplexity/Expiration", "int", "1000")
            .build(),
    );
    let path = file.to_str().unwrap();
    let run = device.run(&["explain", path]);
    assert_eq!(run.code, Some(0), "{run:?}");
    for tenant in [braced.as_str(), other] {
        let title = format!("The policy in force on a fresh device of tenant {tenant} after it");
        assert_contains(&run.stdout, &title);
    }
    assert_eq!(run.stdout.matches("\n  line ").count(), 3, "{run:?}");
    assert!(!run.stdout.contains("every 1000 days"), "{run:?}");
    let run = device.run(&["explain", "--tenant", other, path]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout.matches("\n  line ").count(), 3, "{run:?}");
    assert!(
        run.stdout.contains(&format!(
            "✗ not in force: policy for tenant `{braced}` is ignored"
        )),
        "{run:?}"
    );
}

/// `pfw lint ARGS seed.xml` of Microsoft's 2019 example on a fresh device.
fn lint_seed(args: &[&str]) -> Run {
    let device = TestDevice::new();
    let seed = device.file("seed.xml", seed_message(SEED_2019));
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    all.push(seed.to_str().unwrap());
    device.run(&all)
}
