//! The linter and `pfw apply` never disagree: every SyncML fixture, Microsoft's 2019 example
//! and the example profile run through pfw's engine on a fresh in-memory device, and each
//! failure status has a diagnostic, each diagnostic that predicts a status finds it.

use std::sync::Arc;

use pfw_engine::{Engine, Options as EngineOptions};
use pfw_lint::{Code, Options, Severity};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::{Limits, LineIndex, StatusCode};
use pfw_tree::device::BUILD_PROPERTY;
use pfw_tree::{MemoryStore, Registry, Store};

use crate::util::{fixture, lint, seed_2019};

/// The statuses pfw answers `message` with on a fresh device at `build`, with the line of
/// each command; `None` when the engine refuses the message whole.
fn statuses(message: &[u8], build: &str) -> Option<Vec<(StatusCode, u32)>> {
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
    // Each command's line, from its bytes in the message (after a byte order mark).
    let text = String::from_utf8_lossy(message);
    let index = LineIndex::new(text.strip_prefix('\u{FEFF}').unwrap_or(&text));
    engine
        .apply(&mut store, message, &options)
        .map(|o| {
            o.reports
                .iter()
                .map(|r| (r.status, index.pos(r.span.start).line))
                .collect()
        })
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
        let failures: Vec<(u16, u32)> = answered
            .iter()
            .filter(|(s, _)| !s.is_success() && !matches!(s.code(), 215 | 216 | 507))
            .map(|(s, line)| (s.code(), *line))
            .collect();
        let codes: Vec<u16> = failures.iter().map(|f| f.0).collect();
        let node_missing = report
            .diagnostics
            .iter()
            .any(|d| d.code == Code::NodeMissing);
        // Every failure is announced at its command: a diagnostic from its line up to the next
        // command's, or, for a 404, the file's one node-missing note.
        let mut lines: Vec<u32> = answered.iter().map(|a| a.1).collect();
        lines.sort_unstable();
        for (status, line) in &failures {
            let next = lines.iter().copied().find(|l| l > line).unwrap_or(u32::MAX);
            let announced = report.diagnostics.iter().any(|d| {
                d.line >= *line
                    && d.line < next
                    && !matches!(d.code, Code::AddOnlyOnce | Code::AtomicRolledBack)
            });
            assert!(
                announced || (*status == 404 && node_missing),
                "{name}: pfw answers {status} at line {line}, lint says {:#?}",
                report.diagnostics
            );
        }
        // Every predicted status is one pfw answers (a check that would also fail after the
        // first predicts no answer of its own).
        for d in &report.diagnostics {
            let also = d
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("would also fail"));
            if let (Some(status), false) = (d.code.status(), also) {
                assert!(
                    codes.contains(&status),
                    "{name}: {} predicts {status}, pfw answers {codes:?}",
                    d.code
                );
            }
        }
        // A profile without errors is answered with success throughout.
        let errors = report.count(Severity::Error);
        if errors == 0 {
            assert!(
                codes.iter().all(|c| *c == 404) && (codes.is_empty() || node_missing),
                "{name}: clean of errors, yet pfw answers {codes:?}"
            );
        }
    }
}
