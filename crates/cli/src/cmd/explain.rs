//! `pfw explain`: a profile in plain words, setting by setting, then the Windows Hello policy
//! it results in on a fresh device (the table `pfw policy` prints).

use std::io::Write;
use std::path::Path;

use pfw_lint::{ExplainError, Explanation, Verdict};
use pfw_passport::Tpm;
use pfw_passport::policy::Summary;
use serde_json::{Value, json};

use crate::args::{Cli, ExplainArgs};
use crate::cmd::lint::linter;
use crate::error::{CliError, SUCCESS};
use crate::output::Paint;
use crate::state::read_bounded;

pub(crate) fn run(cli: &Cli, args: &ExplainArgs) -> Result<u8, CliError> {
    let linter = linter(cli, args.tenant.as_deref(), args.os_build.as_deref())?;
    if !args.more.is_empty() || crate::cmd::explain_sources::is_other_source(&args.file) {
        if args.json {
            return Err(CliError::Usage(
                "--json explains one SyncML message or Intune custom profile".to_owned(),
            ));
        }
        return crate::cmd::explain_sources::run(args);
    }
    let path = (args.file != "-").then(|| Path::new(&args.file));
    let bytes = read_bounded(
        &args.file,
        path,
        pfw_syncml::Limits::DEFAULT.max_message_bytes,
    )?;
    let explanation = linter.explain(&args.file, &bytes).map_err(|e| match e {
        ExplainError::Store(e) => CliError::Usage(e.to_string()),
        other => CliError::Usage(other.to_string()),
    })?;
    let text = if args.json {
        json(&explanation)
            .map_err(|e| CliError::Output(e.into()))?
            .to_string()
    } else {
        render(&explanation)
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(CliError::Output)?;
    Ok(SUCCESS)
}

/// The README's `explain --json` shape: each setting with its position and verdict, then
/// each tenant's policy in force as `policy --json` gives it.
fn json(explanation: &Explanation) -> Result<Value, serde_json::Error> {
    let settings: Vec<Value> = explanation
        .settings
        .iter()
        .map(|setting| {
            let (verdict, status, reason) = match setting.verdict() {
                Verdict::InForce => ("in force", None, None),
                Verdict::Ignored(why) => ("ignored", None, Some(why)),
                Verdict::Refused(refused) => (
                    "refused",
                    Some(refused.status.code()),
                    Some(refused.reason.as_str()),
                ),
            };
            json!({
                "line": setting.line,
                "column": setting.column,
                "action": setting.action,
                "uri": setting.uri,
                "tenant": setting.tenant,
                "value": setting.value,
                "label": setting.label,
                "controls": setting.controls,
                "verdict": verdict,
                "status": status,
                "reason": reason,
                "meaning": setting.meaning,
            })
        })
        .collect();
    let tenants = explanation
        .policies
        .iter()
        .map(|policy| {
            let mut value = serde_json::to_value(policy)?;
            // A fresh device: the default TPM 2.0.
            let summary = serde_json::to_value(Summary::of(policy, Tpm::default()))?;
            if let Some(object) = value.as_object_mut() {
                object.insert("summary".to_owned(), summary);
            }
            Ok(value)
        })
        .collect::<Result<Vec<Value>, serde_json::Error>>()?;
    Ok(json!({
        "file": explanation.file,
        "settings": settings,
        "tenants": tenants,
    }))
}

fn render(explanation: &Explanation) -> String {
    let paint = Paint::stdout();
    let mut s = String::new();
    s.push_str(&paint.bold(&format!("What {} does", clean(&explanation.file))));
    s.push('\n');
    if explanation.settings.is_empty() {
        s.push_str("  (no settings)\n");
    }
    for setting in &explanation.settings {
        let value = setting
            .value
            .as_deref()
            .map(|v| format!(" = {}", clean(v)))
            .unwrap_or_default();
        s.push_str(&format!(
            "\n  line {:<5} {} {}{value}\n",
            setting.line,
            setting.action,
            clean(&setting.uri)
        ));
        if let Some(label) = &setting.label {
            s.push_str(&format!("             setting “{}”\n", clean(label)));
        }
        if let Some(controls) = &setting.controls {
            s.push_str(&format!("             {}\n", clean(controls)));
        }
        if let Some(meaning) = &setting.meaning {
            s.push_str(&format!("             → {}\n", clean(meaning)));
        }
        let refused = setting.refused.as_ref().map(ToString::to_string);
        for why in [&refused, &setting.ignored].into_iter().flatten() {
            s.push_str(&format!(
                "             {}\n",
                paint.red(&format!("✗ {}", clean(why)))
            ));
        }
    }
    for policy in &explanation.policies {
        s.push('\n');
        let title = match (&policy.tenant, explanation.policies.len()) {
            (Some(t), n) if n > 1 => format!(
                "The policy in force on a fresh device of tenant {} after it",
                clean(t)
            ),
            _ => "The policy in force on a fresh device after it".to_owned(),
        };
        s.push_str(&paint.bold(&title));
        s.push('\n');
        // A fresh device: the default TPM 2.0.
        s.push_str(&crate::cmd::policy::render(policy, Tpm::default()));
    }
    s
}

/// Text from the profile as printed: escaped with the CLI's one escaper.
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    crate::output::visible(text, false)
}
