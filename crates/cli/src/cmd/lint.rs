//! `pfw lint`: check profiles (SyncML messages, Intune custom-profile JSON) for what Windows,
//! and pfw, would refuse or ignore, without touching any device.

use std::io::Write;
use std::path::Path;

use pfw_ddf::OsBuild;
use pfw_lint::{FileReport, Linter, Options, exit_status, render};

use crate::args::{Cli, LintArgs, LintDeny, LintFormat};
use crate::error::CliError;
use crate::state::{read_bounded, registry};

pub(crate) fn run(cli: &Cli, args: &LintArgs) -> Result<u8, CliError> {
    let linter = linter(cli, args.tenant.as_deref(), args.os_build.as_deref())?;
    let limit = pfw_syncml::Limits::DEFAULT.max_message_bytes;
    // Every file is linted with the others, as one device receiving them all (pfw-lint's
    // `sources`); a file that cannot be read at all is reported on its own.
    let mut readable = Vec::with_capacity(args.files.len());
    let mut slots = Vec::with_capacity(args.files.len());
    let limit = limit.max(pfw_sources::SourceLimits::DEFAULT.max_file_bytes);
    for file in &args.files {
        let path = (file != "-").then(|| Path::new(file));
        match read_bounded(file, path, limit) {
            Ok(bytes) => {
                slots.push(None);
                readable.push((file.clone(), bytes));
            }
            Err(e) => slots.push(Some(FileReport::unreadable(file, e.to_string()))),
        }
    }
    let edition = args
        .edition
        .as_deref()
        .map(|e| {
            pfw_tree::device::parse_edition(e)
                .ok_or_else(|| CliError::Usage(format!("--edition: `{e}` is not a known edition")))
        })
        .transpose()?;
    let mut linted = linter
        .lint_files_for(&readable, edition)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .into_iter();
    let reports: Vec<FileReport> = slots
        .into_iter()
        .filter_map(|slot| slot.or_else(|| linted.next()))
        .collect();
    let text = match args.format {
        LintFormat::Human => render::human(&reports, crate::output::Paint::stdout().enabled()),
        LintFormat::Json => render::json(&reports),
        LintFormat::Sarif => render::sarif(&reports),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", text.trim_end()).map_err(CliError::Output)?;
    Ok(exit_status(&reports, args.deny == Some(LintDeny::Warnings)))
}

/// The linter of `pfw lint` and `pfw explain`: the device's CSPs, `--tenant`, `--os-build`.
pub(crate) fn linter(
    cli: &Cli,
    tenant: Option<&str>,
    os_build: Option<&str>,
) -> Result<Linter, CliError> {
    Ok(Linter::new(
        registry(cli)?,
        Options {
            tenant: tenant.map(str::to_owned),
            os_build: parse_build(os_build)?,
        },
    ))
}

/// `--os-build`: a Windows build such as 10.0.19045.4239.
pub(crate) fn parse_build(text: Option<&str>) -> Result<Option<OsBuild>, CliError> {
    text.map(|t| {
        t.parse::<OsBuild>()
            .map_err(|e| CliError::Usage(format!("--os-build: {e}")))
    })
    .transpose()
}
