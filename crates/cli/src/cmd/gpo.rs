//! `pfw gpo`: Group Policy on the emulated device, as its own policy source (README
//! decisions): `apply` reads a Registry.pol, .reg export or GPO report and stores the Windows
//! Hello values it sets (computer, or `--user`'s), `clear` removes them. `pfw policy` then
//! resolves Group Policy and MDM together with Microsoft's group rules.

use std::io::Write;

use pfw_passport::state::{GroupPolicyRecord, group_policy, set_group_policy};
use pfw_sources::{ReadOptions, Scope, Source, SourceLimits};

use crate::args::{Cli, GpoApplyArgs, GpoCommand};
use crate::error::{CliError, SUCCESS};
use crate::output::{setting_value, visible};
use crate::state::{Device, read_bounded};

pub(crate) fn run(cli: &Cli, command: &GpoCommand) -> Result<u8, CliError> {
    match command {
        GpoCommand::Apply(args) => apply(cli, args),
        GpoCommand::Clear { user } => {
            let mut device = Device::open(cli)?;
            let path = device.path.clone();
            device.write(|store| {
                set_group_policy(store, user.as_deref(), None)
                    .map_err(|source| CliError::State { path, source })
            })?;
            let whose = user
                .as_deref()
                .map_or_else(|| "the computer".to_owned(), |u| format!("user {u}"));
            // Committed: a closed pipe now is exit 5 with one line (README "Exit status").
            writeln!(std::io::stdout().lock(), "Group Policy of {whose} cleared")
                .map_err(CliError::Unwritten)?;
            Ok(SUCCESS)
        }
    }
}

fn apply(cli: &Cli, args: &GpoApplyArgs) -> Result<u8, CliError> {
    let name = args.input.display().to_string();
    let limits = SourceLimits::DEFAULT;
    let bytes = read_bounded(&name, Some(&args.input), limits.max_file_bytes)?;
    let options = ReadOptions {
        limits,
        pol_scope: Some(if args.user.is_some() {
            Scope::UserGroupPolicy
        } else {
            Scope::ComputerGroupPolicy
        }),
    };
    let source =
        pfw_sources::read(&name, &bytes, &options).map_err(|e| CliError::Usage(e.to_string()))?;
    if source.format.is_intune() {
        return Err(CliError::Usage(format!(
            "{name}: a {} is MDM policy, not Group Policy: nothing applied (`pfw lint` and `pfw explain` read it)",
            source.format
        )));
    }
    if args.user.is_none()
        && source
            .settings
            .iter()
            .any(|s| s.scope == Scope::UserGroupPolicy)
    {
        return Err(CliError::Usage(format!(
            "{name} sets User Configuration policy: give --user NAME for whose it is; nothing applied"
        )));
    }
    let mut device = Device::open(cli)?;
    let path = device.path.clone();
    let user = args.user.clone();
    device.write(|store| {
        for scope in [Scope::ComputerGroupPolicy, Scope::UserGroupPolicy] {
            let owner = match scope {
                Scope::UserGroupPolicy => user.as_deref(),
                _ => None,
            };
            let settings: Vec<_> = source
                .settings
                .iter()
                .filter(|s| s.scope == scope)
                .collect();
            if settings.is_empty() {
                continue;
            }
            let state = |source| CliError::State {
                path: path.clone(),
                source,
            };
            let mut record: GroupPolicyRecord = group_policy(store, owner)
                .map_err(state)?
                .unwrap_or_default();
            record.files.push(name.clone());
            for s in settings {
                match &s.value {
                    Some(v) => record.values.insert(s.path.clone(), v.clone()),
                    None => record.values.remove(&s.path),
                };
            }
            set_group_policy(store, owner, Some(&record)).map_err(state)?;
        }
        Ok(())
    })?;
    let text = if args.json {
        serde_json::to_string(&report_json(&source, args.user.as_deref()))
            .map_err(|e| CliError::Output(e.into()))?
    } else {
        report(&source, args.user.as_deref())
    };
    // Committed: a closed pipe now is exit 5 with one line (README "Exit status").
    writeln!(std::io::stdout().lock(), "{text}").map_err(CliError::Unwritten)?;
    Ok(SUCCESS)
}

fn whose(scope: Scope, user: Option<&str>) -> String {
    match (scope, user) {
        (Scope::UserGroupPolicy, Some(u)) => format!("user GP ({u})"),
        (Scope::UserGroupPolicy, None) => "user GP".to_owned(),
        _ => "computer GP".to_owned(),
    }
}

fn report(source: &Source, user: Option<&str>) -> String {
    let mut s = format!("{} ({})\n", visible(&source.file, false), source.format);
    for x in &source.settings {
        let value = setting_value(x.value.as_deref());
        s.push_str(&format!(
            "  {:<14} {:<46} {value}\n      from {} at {}\n",
            whose(x.scope, user),
            x.key(),
            visible(&x.name, false),
            position(x.at)
        ));
    }
    for i in &source.ignored {
        s.push_str(&format!(
            "  ignored        {}: {}\n",
            visible(&i.name, false),
            visible(&i.reason, false)
        ));
    }
    s.push_str(&format!(
        "{} Windows Hello settings applied, {} ignored, {} entries not Windows Hello policy",
        source.settings.len(),
        source.ignored.len(),
        source.unrelated
    ));
    s
}

fn report_json(source: &Source, user: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "file": source.file,
        "format": source.format,
        "user": user,
        "settings": source.settings.iter().map(|x| serde_json::json!({
            "source": x.scope.kind().provenance(),
            "path": x.path,
            "key": x.key(),
            "value": x.value,
            "name": x.name,
            "position": position(x.at),
        })).collect::<Vec<_>>(),
        "ignored": source.ignored.iter().map(|i| serde_json::json!({
            "name": i.name, "class": i.class, "reason": i.reason, "position": position(i.at),
        })).collect::<Vec<_>>(),
        "unrelated": source.unrelated,
    })
}

pub(crate) fn position(at: pfw_sources::At) -> String {
    match at {
        pfw_sources::At::File => "the file".to_owned(),
        pfw_sources::At::Byte(b) => format!("byte {b}"),
        pfw_sources::At::Line(l, c) => format!("{l}:{c}"),
    }
}
