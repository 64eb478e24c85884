//! The subcommands, one module each.

pub(crate) mod apply;
pub(crate) mod ddf;
pub(crate) mod device;
pub(crate) mod enroll;
pub(crate) mod explain;
pub(crate) mod explain_sources;
pub(crate) mod fleet;
pub(crate) mod get;
pub(crate) mod gpo;
pub(crate) mod lint;
pub(crate) mod pin;
pub(crate) mod policy;
pub(crate) mod sync;
pub(crate) mod tree;
pub(crate) mod unenroll;

use std::io::Read;

use crate::args::{Cli, Command};
use crate::error::CliError;

/// Runs the parsed command line; returns the exit code of a command that ran.
pub(crate) fn run(cli: &Cli) -> Result<u8, CliError> {
    match &cli.command {
        Command::Apply(args) => apply::run(cli, args),
        Command::Get(args) => get::run(cli, args),
        Command::Tree(args) => tree::run(cli, args),
        Command::Device(command) => device::run(cli, command),
        Command::Ddf(args) => ddf::run(cli, args),
        Command::Policy(args) => policy::run(cli, args),
        Command::Pin(command) => pin::run(cli, command),
        Command::Enroll(args) => enroll::run(cli, args),
        Command::Sync(args) => sync::run(cli, args),
        Command::Unenroll(args) => unenroll::run(cli, args),
        Command::Fleet(args) => fleet::run(cli, args),
        Command::Lint(args) => lint::run(cli, args),
        Command::Explain(args) => explain::run(cli, args),
        Command::Gpo(command) => gpo::run(cli, command),
    }
}

/// At most `limit` bytes of standard input.
pub(crate) fn read_stdin(limit: u64) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|source| CliError::Read {
            path: "standard input".into(),
            source,
        })?;
    Ok(bytes)
}

/// `bytes` as text with one trailing line break (`\n` or `\r\n`) removed; `not_utf8` is the
/// usage error when they are not UTF-8.
pub(crate) fn one_line(bytes: Vec<u8>, not_utf8: &str) -> Result<String, CliError> {
    let mut text = String::from_utf8(bytes).map_err(|_| CliError::Usage(not_utf8.to_owned()))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// A secret typed on the terminal after `prompt`, without echo.
pub(crate) fn prompt_secret(prompt: &str) -> Result<String, CliError> {
    rpassword::prompt_password(prompt).map_err(|source| CliError::Read {
        path: "the terminal".into(),
        source,
    })
}
