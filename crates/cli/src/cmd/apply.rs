//! `pfw apply`: a SyncML message in, the response Windows would send out, the state changed
//! as Windows would change it.

use std::io::{IsTerminal, Write};

use pfw_engine::{EngineError, Options, Report, Stage};

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
        Err(EngineError::Decode(e)) => return Err(CliError::Refused(e)),
        Err(EngineError::Store(e)) => return Err(device.store_error(e)),
        Err(other) => return Err(CliError::Usage(other.to_string())),
    };
    // The message is committed: output that cannot be written from here on is reported as
    // such (exit 5), so that no caller takes it for a failure and sends the message again.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", outcome.response.encode()).map_err(CliError::Unwritten)?;
    out.flush().map_err(CliError::Unwritten)?;
    if args.summary || std::io::stderr().is_terminal() {
        print_summary(&outcome.reports).map_err(CliError::Unwritten)?;
    }
    Ok(if outcome.all_succeeded() {
        SUCCESS
    } else {
        NEGATIVE
    })
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
            visible(&r.cmd_id.to_string(), false),
            visible(&r.command.to_string(), false)
        )?;
        if let Some(reason) = &r.reason {
            writeln!(err, "{:>16}{}", "", paint.dim(&visible(reason, false)))?;
        }
    }
    let line = format!(
        "{} commands: {} succeeded, {failed} failed",
        reports.len(),
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
