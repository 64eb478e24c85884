//! `pfw policy`: what the device does under the Windows Hello policy in force (a summary
//! derived from the resolution), then every policy grouped as an administrator thinks of it,
//! with where each value comes from.

use std::io::Write;

use pfw_passport::Tpm;
use pfw_passport::pin::rules::CharSet;
use pfw_passport::policy::catalog::{AdminGroup, by_key};
use pfw_passport::policy::{EffectivePolicy, Provenance, Setting, Summary};

use crate::args::{Cli, PolicyArgs};
use crate::error::{CliError, SUCCESS};
use crate::output::{Paint, visible};
use crate::state::Device;

/// The groups in the order they are shown, with their headings.
const GROUPS: [(AdminGroup, &str); 5] = [
    (AdminGroup::Enablement, "Enablement"),
    (AdminGroup::PinComplexity, "PIN complexity"),
    (AdminGroup::SecurityDevice, "Security device"),
    (AdminGroup::Biometrics, "Biometrics"),
    (AdminGroup::SignInAndUnlock, "Sign-in and unlock"),
];

pub(crate) fn run(cli: &Cli, args: &PolicyArgs) -> Result<u8, CliError> {
    let device = Device::open_existing(cli)?;
    let policy = pfw_passport::state::policy_in_force(
        &device.store,
        args.user.as_deref(),
        args.tenant.as_deref(),
    )
    .map_err(|e| device.state_error(e))?;
    let tpm = pfw_passport::state::tpm(&device.store).map_err(|e| device.state_error(e))?;
    let mut out = std::io::stdout().lock();
    let text = if args.json {
        let mut value = serde_json::to_value(&policy).map_err(|e| CliError::Output(e.into()))?;
        let summary = serde_json::to_value(Summary::of(&policy, tpm))
            .map_err(|e| CliError::Output(e.into()))?;
        if let Some(object) = value.as_object_mut() {
            object.insert("summary".to_owned(), summary);
        }
        value.to_string()
    } else {
        render(&policy, tpm)
    };
    writeln!(out, "{text}").map_err(CliError::Output)?;
    Ok(SUCCESS)
}

/// The human form: who it is for, what the device does (the summary), then every policy by
/// group, aligned, values in words, each distinct note once (numbered), and what is ignored.
pub(crate) fn render(policy: &EffectivePolicy, tpm: Tpm) -> String {
    let paint = Paint::stdout();
    let mut s = String::new();
    let tenant = policy.tenant.as_deref().unwrap_or("(none)");
    s.push_str(&format!(
        "{} {} ({})\n",
        paint.bold("tenant"),
        visible(tenant, false),
        visible(&policy.tenant_reason.to_string(), false)
    ));
    s.push_str(&format!(
        "{}   {}\n",
        paint.bold("user"),
        visible(
            policy.user.as_deref().unwrap_or("(device policy only)"),
            false
        )
    ));

    s.push('\n');
    s.push_str(&paint.bold("What the device does"));
    s.push('\n');
    for (label, text) in summary_lines(&Summary::of(policy, tpm)) {
        s.push_str(&format!("  {label:<14}{text}\n"));
    }

    // Every row first, so that the columns fit the longest key and value.
    let rows: Vec<(&Setting, String)> = policy
        .settings
        .iter()
        .map(|setting| (setting, value_text(setting)))
        .collect();
    let key_width = rows
        .iter()
        .map(|(x, _)| x.key.chars().count())
        .max()
        .unwrap_or(0);
    let value_width = rows
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_VALUE_WIDTH);
    let mut notes: Vec<String> = Vec::new();
    for (group, heading) in GROUPS {
        s.push('\n');
        s.push_str(&paint.bold(heading));
        s.push('\n');
        for (setting, value) in rows.iter().filter(|(x, _)| x.group == group) {
            let source = setting.source.to_string();
            let padded = format!("{source:<8}");
            let source = match setting.source {
                Provenance::User
                | Provenance::Device
                | Provenance::ComputerGroupPolicy
                | Provenance::UserGroupPolicy => paint.green(&padded),
                Provenance::Fallback => paint.yellow(&padded),
                _ => paint.dim(&padded),
            };
            let mut line = format!(
                "  {:<key_width$}  {value:<value_width$}  {source}",
                setting.key
            );
            if let Some(note) = note_of(setting) {
                let n = match notes.iter().position(|x| *x == note) {
                    Some(i) => i + 1,
                    None => {
                        notes.push(note);
                        notes.len()
                    }
                };
                line.push_str(&paint.dim(&format!(" [{n}]")));
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
    }
    if !notes.is_empty() {
        s.push('\n');
        s.push_str(&paint.bold("Notes"));
        s.push('\n');
        for (i, note) in notes.iter().enumerate() {
            s.push_str(&format!("  [{}] {}\n", i + 1, visible(note, false)));
        }
    }
    if !policy.ignored.is_empty() {
        s.push('\n');
        s.push_str(&paint.bold("Ignored"));
        s.push('\n');
        for i in &policy.ignored {
            s.push_str(&format!(
                "  {} ({}): {}\n",
                visible(&i.path, false),
                i.source,
                visible(&i.reason, false)
            ));
        }
    }
    s.trim_end().to_owned()
}

/// The summary as (label, text) lines.
fn summary_lines(summary: &Summary) -> Vec<(&'static str, String)> {
    let sets = |sets: &[CharSet]| {
        if sets.is_empty() {
            "(none)".to_owned()
        } else {
            sets.iter()
                .map(|x| x.plural())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let length = if summary.min_length == summary.max_length {
        format!("exactly {} characters", summary.min_length)
    } else {
        format!(
            "{} to {} characters",
            summary.min_length, summary.max_length
        )
    };
    let expiry = match summary.expiration_days {
        0 => "never".to_owned(),
        1 => "after 1 day".to_owned(),
        n => format!("after {n} days"),
    };
    let history = match summary.history {
        0 => "not checked: any PIN may be reused".to_owned(),
        1 => "the current PIN cannot be reused".to_owned(),
        n => format!("the last {n} PINs (the current one included) cannot be reused"),
    };
    let biometrics = if summary.biometrics {
        "allowed"
    } else {
        "not allowed"
    };
    let tpm = match summary.tpm {
        Tpm::Absent => "no TPM".to_owned(),
        other => format!("TPM {other}"),
    };
    let provisioning = match summary.refused {
        None => format!("possible (the device has {tpm})"),
        Some(refusal) => format!("refused: {} → not provisioned", refusal.plain()),
    };
    vec![
        ("PIN length", length),
        ("required", sets(&summary.required)),
        ("allowed", sets(&summary.allowed)),
        ("not allowed", sets(&summary.not_allowed)),
        ("expiry", expiry),
        ("history", history),
        ("biometrics", biometrics.to_owned()),
        ("provisioning", provisioning),
    ]
}

/// A setting's value as shown: in words where the catalog has words for it, the stored
/// number after them unless the words already hold it; escaped.
fn value_text(setting: &Setting) -> String {
    let raw = visible(&setting.value.to_string(), false).into_owned();
    if raw.is_empty() {
        return "(not set)".to_owned();
    }
    match by_key(setting.key).and_then(|def| def.value_in_words(&setting.value)) {
        Some(words) if words.contains(&raw) => words,
        Some(words) => format!("{words} ({raw})"),
        None => raw,
    }
}

/// The note a setting carries: its reason, with the DDF's DefaultValue when that differs.
fn note_of(setting: &Setting) -> Option<String> {
    let note = note_without_rule(setting);
    match (note, &setting.rule) {
        (Some(note), Some(rule)) => Some(format!("{note}; rule: {rule}")),
        (None, Some(rule)) => Some(format!("rule: {rule}")),
        (note, None) => note,
    }
}

fn note_without_rule(setting: &Setting) -> Option<String> {
    match (&setting.reason, &setting.ddf_default) {
        (Some(reason), Some(ddf)) if reason.contains(&format!("DefaultValue {ddf}")) => {
            Some(reason.clone())
        }
        (Some(reason), Some(ddf)) => Some(format!("{reason} (the DDF's DefaultValue is {ddf})")),
        (Some(reason), None) => Some(reason.clone()),
        (None, Some(ddf)) => Some(format!("the DDF's DefaultValue is {ddf}")),
        (None, None) => None,
    }
}

/// Values longer than this push their source column right rather than every row's.
const MAX_VALUE_WIDTH: usize = 24;
