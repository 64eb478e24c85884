//! `pfw pin`: check, set, show or reset a user's PIN against the policy in force. The PIN is
//! read from standard input (one trailing newline stripped) or prompted for without echo; it
//! is never taken from the command line, and never stored or printed in clear.

use std::io::{IsTerminal, Write};

use pfw_passport::SetPinError;
use pfw_passport::error::ProvisioningRefusal;
use pfw_passport::pin::Violation;
use pfw_passport::state::{PinChange, UserPin, set_pin_record};

use crate::args::{Cli, PinArgs, PinCommand};
use crate::cmd::{one_line, prompt_secret, read_stdin};
use crate::error::{CliError, NEGATIVE, SUCCESS};
use crate::output::{Paint, visible};
use crate::state::Device;

/// Longest PIN input read, in bytes (the longest valid PIN is 127 characters).
const MAX_PIN_INPUT: u64 = 4096;

pub(crate) fn run(cli: &Cli, command: &PinCommand) -> Result<u8, CliError> {
    let mut device = match command {
        PinCommand::Check(_) | PinCommand::Status(_) => Device::open_existing(cli)?,
        PinCommand::Set(_) | PinCommand::Reset(_) => Device::open(cli)?,
    };
    let now = crate::hooks::clock()?.now();
    match command {
        PinCommand::Check(args) => {
            let user = load(&device, args)?;
            let pin = read_pin()?;
            let found = user
                .check(&pin)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            report_check(args.json, &found.violations, found.refused)?;
            Ok(if found.violations.is_empty() {
                SUCCESS
            } else {
                NEGATIVE
            })
        }
        PinCommand::Set(args) | PinCommand::Reset(args) => {
            let (change, what) = match command {
                PinCommand::Reset(_) => (PinChange::Reset, "reset"),
                _ => (PinChange::Set, "set"),
            };
            let user = load(&device, args)?;
            let pin = read_pin()?;
            match user.change(&pin, change, now, crate::hooks::hash_params()) {
                Ok(record) => {
                    let path = device.path.clone();
                    device.write(|store| {
                        set_pin_record(store, &args.user, Some(&record))
                            .map_err(|source| CliError::State { path, source })
                    })?;
                    say(
                        args.json,
                        &serde_json::json!({"set": true, "user": args.user}),
                        &format!("PIN {what} for {}", visible(&args.user, false)),
                    )
                    .map_err(CliError::after_commit)?;
                    Ok(SUCCESS)
                }
                Err(SetPinError::Violations(violations)) => {
                    report_violations(args.json, &violations)?;
                    Ok(NEGATIVE)
                }
                Err(SetPinError::Refused(refusal)) => {
                    let text = visible(&format!("PIN provisioning is refused: {refusal}"), false)
                        .into_owned();
                    say(
                        args.json,
                        &serde_json::json!({"set": false, "refused": refusal.to_string()}),
                        &text,
                    )?;
                    Ok(NEGATIVE)
                }
                Err(other) => Err(CliError::Usage(other.to_string())),
            }
        }
        PinCommand::Status(args) => {
            let st = load(&device, args)?.status(now);
            let text = if !st.set {
                format!("{} has no PIN", visible(&args.user, false))
            } else {
                let mut t = format!(
                    "{} has a PIN, set at {}",
                    visible(&args.user, false),
                    st.set_at.map(timestamp).unwrap_or_default()
                );
                match st.expires_at {
                    Some(at) if st.expired => {
                        t.push_str(&format!("\nexpired at {}", timestamp(at)))
                    }
                    Some(at) => t.push_str(&format!("\nexpires at {}", timestamp(at))),
                    None => t.push_str("\nnever expires"),
                }
                if st.must_change {
                    t.push_str("\nmust change:");
                    for r in &st.reasons {
                        t.push_str(&format!("\n  - {}", visible(&r.message, false)));
                    }
                } else {
                    t.push_str("\ncomplies with the policy in force");
                }
                t
            };
            say(
                args.json,
                &serde_json::to_value(&st).map_err(|e| CliError::Output(e.into()))?,
                &text,
            )?;
            Ok(if st.must_change { NEGATIVE } else { SUCCESS })
        }
    }
}

/// The user's PIN and the policy in force, read from the device's state.
fn load(device: &Device, args: &PinArgs) -> Result<UserPin, CliError> {
    UserPin::load(&device.store, &args.user, args.tenant.as_deref())
        .map_err(|e| device.state_error(e))
}

/// The PIN: prompted for without echo on a terminal, else read from standard input with one
/// trailing newline (`\n` or `\r\n`) stripped.
fn read_pin() -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        return prompt_secret("PIN: ");
    }
    one_line(read_stdin(MAX_PIN_INPUT)?, "the PIN is not UTF-8 text")
}

/// `pin check`'s answer: whether the PIN complies and, when it does, whether the device
/// would provision it at all (a PIN can comply where provisioning is refused).
fn report_check(
    json: bool,
    violations: &[Violation],
    refused: Option<ProvisioningRefusal>,
) -> Result<(), CliError> {
    let value = serde_json::json!({
        "compliant": violations.is_empty(),
        "violations": violations,
        "provisioning_refused": refused.map(|r| r.to_string()),
    });
    if !violations.is_empty() {
        return say(json, &value, &violations_text(violations));
    }
    let paint = Paint::stdout();
    let text = match refused {
        None => paint.green("the PIN complies with the policy in force"),
        Some(refusal) => format!(
            "{}\n{}",
            paint.green("the PIN complies with the policy in force"),
            paint.yellow(&format!(
                "but PIN provisioning is refused on this device: {refusal} (pfw pin set refuses it)"
            ))
        ),
    };
    say(json, &value, &text)
}

fn report_violations(json: bool, violations: &[Violation]) -> Result<(), CliError> {
    let value = serde_json::json!({"compliant": violations.is_empty(), "violations": violations});
    say(json, &value, &violations_text(violations))
}

fn violations_text(violations: &[Violation]) -> String {
    let paint = Paint::stdout();
    if violations.is_empty() {
        return paint.green("the PIN complies with the policy in force");
    }
    let mut t = paint.red(&format!(
        "the PIN does not comply ({}):",
        crate::output::count(violations.len(), "violation")
    ));
    for v in violations {
        t.push_str(&format!("\n  - {}", visible(&v.message, false)));
    }
    t
}

fn say(json: bool, value: &serde_json::Value, text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{value}")
    } else {
        writeln!(out, "{text}")
    }
    .map_err(CliError::Output)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC); a time before 1970 shows as 1970.
fn timestamp(secs: i64) -> String {
    pfw_devinfo::facts::iso8601(u64::try_from(secs).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(timestamp(1_795_305_600), "2026-11-22T00:00:00Z");
    }
}
