//! What the test modules share: the fixtures' directory, a linter, the diagnostics' codes and
//! places, and the text at a diagnostic's place.

use pfw_lint::{
    Code, Diagnostic, ExplainError, ExplainedSetting, Explanation, FileReport, Linter, Options,
};

/// A fixture's bytes.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    std::fs::read(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Lints `bytes` as `name` with pfw's own DDF.
pub(crate) fn lint(name: &str, bytes: &[u8], options: Options) -> FileReport {
    Linter::with_pfw_ddf(options)
        .expect("pfw's own DDF loads")
        .lint(name, bytes)
        .expect("the in-memory device does not fail")
}

/// Each diagnostic of `report` as its code and line, in order.
pub(crate) fn code_lines(report: &FileReport) -> Vec<(Code, u32)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.line))
        .collect()
}

/// Each diagnostic of `report` as its code, line and column, in order.
pub(crate) fn code_positions(report: &FileReport) -> Vec<(Code, u32, u32)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.line, d.column))
        .collect()
}

/// Explains `bytes` as `name` with pfw's own DDF and the default options.
pub(crate) fn explain(name: &str, bytes: &[u8]) -> Result<Explanation, ExplainError> {
    Linter::with_pfw_ddf(Options::default())
        .expect("pfw's own DDF loads")
        .explain(name, bytes)
}

/// Why pfw refused an explained setting, as printed (none when it was not refused).
pub(crate) fn refusal(setting: &ExplainedSetting) -> Option<String> {
    setting.refused.as_ref().map(ToString::to_string)
}

/// The text of `source` from a diagnostic's line and column on (to the end of the line).
pub(crate) fn text_at<'s>(source: &'s str, d: &Diagnostic) -> &'s str {
    let line = source
        .split('\n')
        .nth(d.line as usize - 1)
        .unwrap_or_else(|| panic!("line {} is in the file", d.line));
    let skip = d.column as usize - 1;
    match line.char_indices().nth(skip) {
        Some((i, _)) => &line[i..],
        None => "",
    }
}

/// Microsoft's 2019 example message, cut from `<SyncML` to `</SyncML>` of seed 000.
pub(crate) fn seed_2019() -> String {
    pfw_testdata::seed_example(pfw_testdata::SEED_2019)
}
