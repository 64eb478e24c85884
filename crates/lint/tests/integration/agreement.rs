//! The linter and `pfw apply` never disagree: every SyncML fixture, Microsoft's 2019 example
//! and the example profile run through pfw's engine on a fresh in-memory device, and each
//! failure status has a diagnostic, each diagnostic that predicts a status finds it.

use std::sync::Arc;

use pfw_engine::{Engine, Options as EngineOptions};
use pfw_lint::{Code, Options, Severity};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::{Limits, StatusCode};
use pfw_tree::device::BUILD_PROPERTY;
use pfw_tree::{MemoryStore, Registry, Store};

use crate::util::{fixture, lint, seed_2019};

/// The statuses pfw answers `message` with on a fresh device at `build`; `None` when the
/// engine refuses the message whole.
fn statuses(message: &[u8], build: &str) -> Option<Vec<StatusCode>> {
    let registry = Registry::new().with(Arc::new(PassportCsp::new().unwrap()));
    let engine = Engine::new(registry, Limits::DEFAULT);
    let mut store = MemoryStore::new();
    store.begin().unwrap();
    store.set_property(BUILD_PROPERTY, Some(build)).unwrap();
    store.commit().unwrap();
    let options = EngineOptions {
        user: Some("alice"),
        ..EngineOptions::default()
    };
    engine
        .apply(&mut store, message, &options)
        .map(|o| o.reports.iter().map(|r| r.status).collect())
        .ok()
}

#[test]
fn lint_predicts_what_apply_answers() {
    let example = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/windows-hello-profile.xml"
    ))
    .unwrap();
    let mut inputs: Vec<(String, Vec<u8>, Option<&str>)> = vec![
        ("seed".to_owned(), seed_2019().into_bytes(), None),
        ("example".to_owned(), example, None),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".xml") {
            let build = (name == "not-in-build.xml").then_some("10.0.19041.1000");
            inputs.push((name.clone(), fixture(&name), build));
        }
    }
    assert!(inputs.len() > 30);
    for (name, bytes, build) in inputs {
        let options = Options {
            tenant: None,
            os_build: build.map(|b| b.parse().unwrap()),
        };
        let report = lint(&name, &bytes, options);
        let answered = statuses(&bytes, build.unwrap_or("99.9.99999"));
        // A message the engine refuses whole is the one lint cannot read (exit 2), and only
        // that one (DESIGN "Message or command").
        assert_eq!(
            answered.is_none(),
            report.is_unreadable(),
            "{name}: engine refuses it whole: {}, lint: {:#?}",
            answered.is_none(),
            report.diagnostics
        );
        let Some(answered) = answered else { continue };
        let failures: Vec<u16> = answered
            .iter()
            .filter(|s| !s.is_success() && !matches!(s.code(), 215 | 216 | 507))
            .map(|s| s.code())
            .collect();
        let problems = report.diagnostics.iter().filter(|d| d.is_problem()).count();
        // Every failure is announced: at least as many errors and warnings as failures.
        assert!(
            problems >= failures.len(),
            "{name}: pfw answers {failures:?}, lint says {:#?}",
            report.diagnostics
        );
        // Every predicted status is one pfw answers.
        for d in &report.diagnostics {
            if let Some(status) = d.code.status() {
                assert!(
                    failures.contains(&status),
                    "{name}: {} predicts {status}, pfw answers {failures:?}",
                    d.code
                );
            }
        }
        // A profile without errors is answered with success throughout.
        let errors = report.count(Severity::Error);
        if errors == 0 {
            assert!(
                failures.is_empty()
                    || report
                        .diagnostics
                        .iter()
                        .any(|d| d.code == Code::NodeMissing),
                "{name}: clean of errors, yet pfw answers {failures:?}"
            );
        }
    }
}
