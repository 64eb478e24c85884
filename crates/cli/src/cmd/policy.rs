//! `pfw policy`: the Windows Hello policy in force, grouped as an administrator thinks of it,
//! with where each value comes from.

use std::io::Write;

use pfw_passport::policy::catalog::AdminGroup;
use pfw_passport::policy::{EffectivePolicy, Provenance};

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
    let mut out = std::io::stdout().lock();
    let text = if args.json {
        serde_json::to_string(&policy).map_err(|e| CliError::Output(e.into()))?
    } else {
        render(&policy)
    };
    writeln!(out, "{text}").map_err(CliError::Output)?;
    Ok(SUCCESS)
}

/// The human table.
pub(crate) fn render(policy: &EffectivePolicy) -> String {
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
    for (group, heading) in GROUPS {
        s.push('\n');
        s.push_str(&paint.bold(heading));
        s.push('\n');
        for setting in policy.settings.iter().filter(|x| x.group == group) {
            let value = visible(&setting.value.to_string(), false).into_owned();
            let value = if value.is_empty() {
                "(not set)".to_owned()
            } else {
                value
            };
            let source = setting.source.to_string();
            let source = match setting.source {
                Provenance::User | Provenance::Device => paint.green(&source),
                Provenance::Fallback => paint.yellow(&source),
                _ => paint.dim(&source),
            };
            s.push_str(&format!("  {:<46} {value:<12} {source}\n", setting.key));
            if let Some(reason) = &setting.reason {
                s.push_str(&format!("      {}\n", paint.dim(&visible(reason, false))));
            }
            if let Some(ddf) = &setting.ddf_default {
                s.push_str(&format!(
                    "      {}\n",
                    paint.dim(&format!(
                        "the DDF's DefaultValue is {}",
                        visible(ddf, false)
                    ))
                ));
            }
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
