//! `pfw apply`: a SyncML message in, the response Windows would send out, the state changed
//! as Windows would change it.

use std::io::{IsTerminal, Write};

use pfw_engine::{EngineError, Options, Report, Stage};
use pfw_syncml::{Command as SyncCommand, LineIndex, SyncMl};
use serde_json::{Value, json};

use crate::args::{ApplyArgs, Cli};
use crate::error::{CliError, NEGATIVE, SUCCESS};
use crate::output::{Paint, visible};
use crate::state::{Device, read_bounded};

pub(crate) fn run(cli: &Cli, args: &ApplyArgs) -> Result<u8, CliError> {
    let path = (args.input != "-").then(|| std::path::Path::new(&args.input));
    let mut device = Device::open(cli)?;
    let input = read_bounded(&args.input, path, device.engine.limits().max_message_bytes)?;
    let failpoint = crate::hooks::failpoint();
    let hook = |stage: Stage| {
        let name = match stage {
            Stage::Decoded => "after-decode",
            Stage::MidTransaction => "mid-transaction",
            Stage::BeforeCommit => "before-commit",
            Stage::Committed => "after-commit",
        };
        if failpoint.as_deref() == Some(name) {
            std::process::abort();
        }
    };
    let options = Options {
        user: args.user.as_deref(),
        strict: args.strict,
        msg_id: None,
        hook: Some(&hook),
    };
    let outcome = match device.engine.apply(&mut device.store, &input, &options) {
        Ok(outcome) => outcome,
        Err(EngineError::Decode(e)) => {
            return Err(intune_hint(&args.input, &input, device.engine.registry())
                .unwrap_or(CliError::Refused(e)));
        }
        Err(EngineError::Store(e)) => return Err(device.store_error(e)),
        Err(other) => return Err(CliError::Usage(other.to_string())),
    };
    // The message is committed: output that cannot be written from here on is reported as
    // such (exit 5), so that no caller takes it for a failure and sends the message again.
    let mut out = std::io::stdout().lock();
    let text = if args.json {
        to_json(&outcome.reports, &outcome.response, &input).to_string()
    } else {
        outcome.response.encode()
    };
    writeln!(out, "{text}").map_err(CliError::Unwritten)?;
    out.flush().map_err(CliError::Unwritten)?;
    if args.summary || (!args.json && std::io::stderr().is_terminal()) {
        print_summary(&outcome.reports).map_err(CliError::Unwritten)?;
    }
    Ok(if outcome.all_succeeded() {
        SUCCESS
    } else {
        NEGATIVE
    })
}

/// A refused input that `pfw lint` reads as Intune custom-profile JSON: said so, with what to
/// run instead (lint decides the kind; it is not decided again here).
fn intune_hint(name: &str, input: &[u8], registry: &pfw_tree::Registry) -> Option<CliError> {
    let linter = pfw_lint::Linter::new(registry.clone(), pfw_lint::Options::default());
    let report = linter.lint(name, input).ok()?;
    (report.kind == pfw_lint::FileKind::Intune).then(|| {
        let what = if name == "-" { "standard input" } else { name };
        CliError::Usage(format!(
            "{what} is an Intune custom profile (JSON), not a SyncML message; nothing applied. \
             Check it with `pfw lint {name}`, or see what it does with `pfw explain {name}`"
        ))
    })
}

/// `apply --json`: one entry per Status of a command (the SyncHdr's excluded) in order, the
/// Results of the successful Gets, and the SyncML response itself.
fn to_json(reports: &[Report], response: &SyncMl, input: &[u8]) -> Value {
    // The request decoded, so it is UTF-8; spans count from after a byte order mark.
    let text = std::str::from_utf8(input).unwrap_or_default();
    let index = LineIndex::new(text.strip_prefix('\u{FEFF}').unwrap_or(text));
    let statuses: Vec<Value> = reports
        .iter()
        .map(|r| {
            let line = if r.span.is_known() {
                index.pos(r.span.start).line
            } else {
                0
            };
            json!({
                "cmd_id": r.cmd_id.as_str(),
                "command": r.name(),
                "uri": r.uri,
                "status": r.status.code(),
                "reason": r.reason(),
                "line": line,
            })
        })
        .collect();
    let mut results = Vec::new();
    for command in &response.body.commands {
        let SyncCommand::Results(r) = command else {
            continue;
        };
        for item in &r.items {
            let format = item
                .meta
                .as_ref()
                .or(r.meta.as_deref())
                .and_then(|m| m.format.as_deref());
            results.push(json!({
                "cmd_ref": r.cmd_ref.as_str(),
                "uri": item.source_uri().or_else(|| item.target_uri()),
                "format": format,
                "data": item.data_text(),
            }));
        }
    }
    json!({"statuses": statuses, "results": results, "response": response.encode()})
}

fn print_summary(reports: &[Report]) -> std::io::Result<()> {
    let paint = Paint::stderr();
    let mut err = std::io::stderr().lock();
    let failed = reports.iter().filter(|r| !r.status.is_success()).count();
    for r in reports {
        let code = r.status.code();
        let status = format!("{code} {}", r.status.reason());
        let status = if r.status.is_success() {
            paint.green(&status)
        } else {
            paint.red(&status)
        };
        let uri = visible(r.uri.as_deref().unwrap_or(""), false);
        writeln!(
            err,
            "{:>5} {:<9} {status:<28} {uri}",
            visible(r.cmd_id.as_str(), false),
            visible(r.name(), false)
        )?;
        if let Some(reason) = r.reason() {
            writeln!(err, "{:>16}{}", "", paint.dim(&visible(&reason, false)))?;
        }
    }
    let line = format!(
        "{}: {} succeeded, {failed} failed",
        crate::output::count(reports.len(), "command"),
        reports.len() - failed
    );
    writeln!(
        err,
        "{}",
        if failed == 0 {
            paint.bold(&line)
        } else {
            paint.yellow(&line)
        }
    )
}
