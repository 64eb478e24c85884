//! `pfw fleet`: N emulated devices, each with its own identity, key and in-memory state,
//! enrolling and running one session against a server, C at a time; a progress bar on
//! standard error (on a terminal only); then the status codes sent and received, latency
//! percentiles and failures by kind (`--json` for the same as one object).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pfw_session::fleet::{FleetConfig, FleetReport, Latency, prepare_keys, run as run_fleet};
use serde_json::{Value, json};

use crate::args::{Cli, FleetArgs};
use crate::cmd::enroll::{read_ca, read_credential};
use crate::cmd::sync::{SERVER_FAILURE, transport_config};
use crate::error::{CliError, SUCCESS};
use crate::state::passport_registry;

pub(crate) fn run(cli: &Cli, args: &FleetArgs) -> Result<u8, CliError> {
    if args.devices == 0 || args.devices > MAX_DEVICES {
        return Err(CliError::Usage(format!(
            "--devices must be 1 to {MAX_DEVICES}"
        )));
    }
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        return Err(CliError::Usage(format!(
            "--concurrency must be 1 to {MAX_CONCURRENCY}"
        )));
    }
    if let Some(dir) = &args.key_cache {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Read {
            path: dir.clone(),
            source,
        })?;
    }
    let config = FleetConfig {
        server: args.server.clone(),
        user: args.credential.user.clone(),
        credential: read_credential(&args.credential)?,
        extra_ca_pem: read_ca(args.credential.ca_cert.as_deref())?,
        system_roots: true,
        devices: args.devices,
        concurrency: args.concurrency,
        transport: transport_config(&args.net),
        base: passport_registry(cli.ddf.as_deref())?,
    };
    let bar = progress(args.devices as u64, "keys");
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let keys = prepare_keys(args.devices, workers, args.key_cache.as_deref(), &|| {
        bar.inc(1)
    })
    .map_err(|e| CliError::Usage(format!("device keys: {e}")))?;
    bar.finish_and_clear();
    let bar = progress(args.devices as u64, "devices");
    let report = run_fleet(&config, keys, &|_| bar.inc(1));
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", to_json(&report)).map_err(CliError::Output)?;
    } else {
        print_human(&mut out, &args.server, &report).map_err(CliError::Output)?;
    }
    Ok(if report.errors.is_empty() {
        SUCCESS
    } else {
        SERVER_FAILURE
    })
}

fn progress(len: u64, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} {elapsed_precise}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(what);
    bar
}

fn print_human(out: &mut impl Write, server: &str, r: &FleetReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} against {server}: {} enrolled, {} synced in {:.1} s ({:.1} sessions/s)",
        crate::output::count(r.devices, "device"),
        r.enrolled,
        r.synced,
        r.elapsed.as_secs_f64(),
        r.sessions_per_second()
    )?;
    writeln!(
        out,
        "enrollment latency: {}",
        latency_line(&r.enroll_latency)
    )?;
    writeln!(
        out,
        "session latency:    {}",
        latency_line(&r.session_latency)
    )?;
    writeln!(out, "statuses sent:      {}", counts(&r.sent_statuses))?;
    writeln!(out, "statuses received:  {}", counts(&r.received_statuses))?;
    if r.errors.is_empty() {
        writeln!(out, "errors:             none")?;
    } else {
        for (kind, n) in &r.errors {
            writeln!(out, "errors:             {n} × {kind}")?;
        }
    }
    Ok(())
}

fn latency_line(l: &Latency) -> String {
    format!(
        "p50 {} p90 {} p99 {} max {} ({} samples)",
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.max),
        l.count
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn counts(map: &std::collections::BTreeMap<u16, u64>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter()
        .map(|(code, n)| format!("{code} × {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_json(r: &FleetReport) -> Value {
    let latency = |l: &Latency| {
        json!({
            "count": l.count,
            "p50_ms": l.p50.as_secs_f64() * 1000.0,
            "p90_ms": l.p90.as_secs_f64() * 1000.0,
            "p99_ms": l.p99.as_secs_f64() * 1000.0,
            "max_ms": l.max.as_secs_f64() * 1000.0,
        })
    };
    let codes = |m: &std::collections::BTreeMap<u16, u64>| {
        Value::Object(
            m.iter()
                .map(|(code, n)| (code.to_string(), json!(n)))
                .collect(),
        )
    };
    json!({
        "devices": r.devices,
        "enrolled": r.enrolled,
        "synced": r.synced,
        "elapsed_s": r.elapsed.as_secs_f64(),
        "sessions_per_second": r.sessions_per_second(),
        "enroll_latency": latency(&r.enroll_latency),
        "session_latency": latency(&r.session_latency),
        "statuses_sent": codes(&r.sent_statuses),
        "statuses_received": codes(&r.received_statuses),
        "errors": Value::Object(r.errors.iter().map(|(k, n)| (k.clone(), json!(n))).collect()),
    })
}

/// Most devices in one run.
const MAX_DEVICES: usize = 100_000;
/// Most devices at once.
const MAX_CONCURRENCY: usize = 1024;
