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
