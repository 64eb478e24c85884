//! `pfw explain FILE…` over any mix of policy files (README decisions): each file's settings
//! with the node each sets, where it is and what it controls, what is ignored and why, then
//! the policy in force on a device that received them all, with provenance.

use std::io::Write;
use std::path::Path;

use pfw_passport::policy::catalog::{Placement, lookup};
use pfw_passport::policy::{TenantChoice, resolve};
use pfw_sources::{Format, ReadOptions, SourceLimits};

use crate::args::ExplainArgs;
use crate::cmd::gpo::position;
use crate::error::{CliError, SUCCESS};
use crate::output::{Paint, setting_value, visible};
use crate::state::read_bounded;

/// Whether a single file is a source only pfw-sources reads (not SyncML nor a custom profile).
pub(crate) fn is_other_source(file: &str) -> bool {
    if file == "-" {
        return false;
    }
    let Ok(bytes) = read_bounded(
        file,
        Some(Path::new(file)),
        SourceLimits::DEFAULT.max_file_bytes,
    ) else {
        return false;
    };
    pfw_sources::read(file, &bytes, &ReadOptions::default())
        .is_ok_and(|s| !matches!(s.format, Format::SyncMl | Format::CustomOma))
}

pub(crate) fn run(args: &ExplainArgs) -> Result<u8, CliError> {
    let names: Vec<&String> = std::iter::once(&args.file).chain(&args.more).collect();
    let mut files = Vec::with_capacity(names.len());
    // Every file is read before anything is explained: a damaged one exits 2.
    for name in names {
        let path = (name != "-").then(|| Path::new(name.as_str()));
        let bytes = read_bounded(name, path, SourceLimits::DEFAULT.max_file_bytes)?;
        files.push(
            pfw_sources::read(name, &bytes, &ReadOptions::default())
                .map_err(|e| CliError::Usage(e.to_string()))?,
        );
    }
    let combined = pfw_sources::combine(&files, args.tenant.as_deref());
    let choice = TenantChoice {
        override_tenant: args.tenant.clone(),
        device_tenant: None,
    };
    let policy = resolve(&combined.sources, &choice, None).map_err(CliError::Tenant)?;
    let paint = Paint::stdout();
    let mut s = String::new();
    for file in &files {
        s.push_str(&paint.bold(&format!(
            "What {} does ({})",
            visible(&file.file, false),
            file.format
        )));
        s.push('\n');
        if let Some(title) = &file.title {
            s.push_str(&format!("  “{}”\n", visible(title, false)));
        }
        if file.settings.is_empty() {
            s.push_str("  (no Windows Hello settings)\n");
        }
        for x in &file.settings {
            let value = setting_value(x.value.as_deref());
            s.push_str(&format!(
                "\n  {:<10} {}\n             {} {} = {value}\n",
                position(x.at),
                visible(&x.name, false),
                x.scope,
                x.key()
            ));
            let def = lookup(Placement::Tenant, x.key())
                .or_else(|| lookup(Placement::DeviceWide, x.key()));
            if let Some(def) = def {
                s.push_str(&format!("             {}\n", def.description));
            }
        }
        for i in &file.ignored {
            s.push_str(&format!(
                "\n  {:<10} {}\n             {}\n",
                position(i.at),
                visible(&i.name, false),
                paint.red(&format!("✗ {}", visible(&i.reason, false)))
            ));
        }
        if file.unrelated > 0 {
            s.push_str(&format!(
                "\n  {} entries are not Windows Hello policy\n",
                file.unrelated
            ));
        }
        s.push('\n');
    }
    for c in &combined.conflicts {
        s.push_str(&format!(
            "{} {} is {} in {} and {} in {}: the last applied wins\n",
            paint.yellow("conflict:"),
            visible(&c.path, false),
            visible(&c.first.2.to_string(), false),
            visible(&files[c.first.0].file, false),
            visible(&c.second.2.to_string(), false),
            visible(&files[c.second.0].file, false)
        ));
    }
    s.push_str(&paint.bold("The policy in force on a device that received them all"));
    s.push('\n');
    // The emulated device these files meet is a fresh one (TPM 2.0, DESIGN "The emulated
    // device").
    s.push_str(&crate::cmd::policy::render(
        &policy,
        pfw_passport::Tpm::default(),
    ));
    writeln!(std::io::stdout().lock(), "{s}").map_err(CliError::Output)?;
    Ok(SUCCESS)
}
