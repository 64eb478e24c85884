//! `pfw fleet`: a load generator of emulated devices. A fleet is `--devices` devices whose
//! identities derive from `--seed` and their index, kept between runs with `--fleet-state FILE`
//! (one SQLite file) or in memory; they enroll (unless already enrolled), then run sessions
//! back to back, on their DMClient poll schedule (`--poll`) or at an open-loop `--rate`, for
//! `--sessions-per-device` or `--duration`, with `--ramp-up`, `--storm`, `--churn` and
//! `--fault` rules. `--shard K/N` runs one part of the fleet; `pfw fleet report` merges the
//! parts' `--json` summaries. `--metrics ADDR` serves live OpenMetrics text. A progress bar on
//! standard error (on a terminal only); then the summary.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pfw_session::fleet::fault::FaultRule;
use pfw_session::fleet::metrics::{FleetMetrics, MetricsServer};
use pfw_session::fleet::report::{Histogram, Summary};
use pfw_session::fleet::store::FleetState;
use pfw_session::fleet::{
    Event, FleetConfig, Hooks, Pacing, Plan, Shard, devices_to_enroll, prepare_keys,
    run as run_fleet,
};
use serde_json::{Value, json};

use crate::args::{Cli, FleetArgs, FleetCommand, TraceForm};
use crate::cmd::enroll::{read_ca, read_credential};
use crate::cmd::sync::{SERVER_FAILURE, Tracer, transport_config};
use crate::error::{CliError, SUCCESS};
use crate::state::shared_registry;

pub(crate) fn run(cli: &Cli, args: &FleetArgs) -> Result<u8, CliError> {
    if let Some(FleetCommand::Report { files, json }) = &args.command {
        return report(files, *json);
    }
    let (Some(server), Some(devices)) = (args.server.clone(), args.devices) else {
        return Err(CliError::Usage(
            "pfw fleet needs --server URL and --devices N (or: pfw fleet report FILE…)".to_owned(),
        ));
    };
    let config = config(cli, args, server, devices)?;
    let state = match &args.fleet_state {
        Some(path) => Some(
            FleetState::open(path, args.seed)
                .map_err(|e| CliError::Usage(format!("--fleet-state {}: {e}", path.display())))?,
        ),
        None => None,
    };
    if let Some(dir) = &args.key_cache {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Read {
            path: dir.clone(),
            source,
        })?;
    }
    let to_enroll = devices_to_enroll(&config, state.as_ref())
        .map_err(|e| CliError::Usage(format!("--fleet-state: {e}")))?;
    let key_count = args
        .key_pool
        .map_or(to_enroll.len(), |n| n.min(to_enroll.len()));
    let bar = progress(Some(key_count as u64), "keys");
    let keys = if to_enroll.is_empty() {
        Default::default()
    } else {
        prepare_keys(
            &to_enroll,
            args.key_pool,
            args.key_cache.as_deref(),
            &|| bar.inc(1),
        )
        .map_err(|e| CliError::Usage(format!("device keys: {e}")))?
    };
    bar.finish_and_clear();

    let metrics = Arc::new(FleetMetrics::new());
    let _server = match args.metrics {
        Some(addr) => {
            let server = MetricsServer::start(addr, Arc::clone(&metrics)).map_err(|e| {
                CliError::Usage(format!("--metrics {addr}: cannot listen there: {e}"))
            })?;
            eprintln!("pfw: metrics on http://{}/metrics", server.addr());
            Some(server)
        }
        None => None,
    };
    let shard_devices = config.shard.devices(config.devices).count() as u64;
    let kept = config
        .max_connections
        .map_or(shard_devices, |max| shard_devices.min(max as u64));
    if config.reuse_connections
        && let Some(limit) = open_file_limit()
        && kept + config.concurrency as u64 + FILES_IN_RESERVE > limit
    {
        eprintln!(
            "pfw: {kept} devices may each keep an idle connection, and the open-file limit is {limit}: raise it (ulimit -n), or pass --max-connections or --no-reuse"
        );
    }
    let expected = match (config.plan.storm, config.plan.sessions_per_device) {
        (true, _) => Some(shard_devices),
        (false, Some(n)) if config.plan.duration.is_none() => Some(shard_devices * (n + 1)),
        _ => None,
    };
    let bar = progress(expected, "devices");
    let observe = |event: &Event<'_>| {
        metrics.observe(event);
        if matches!(
            event,
            Event::Enrolled { .. }
                | Event::EnrollFailed { .. }
                | Event::Synced { .. }
                | Event::SyncFailed { .. }
        ) {
            bar.inc(1);
        }
    };
    let tracer = Tracer::new(
        args.trace_device.map(|_| TraceForm::Pretty),
        args.trace_file.as_deref(),
    )?;
    let observer = tracer.as_ref().and_then(Tracer::observer);
    let stop_flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // The first signal ends the run once devices finish what they are doing; a second
        // ends the process at once. Without the handlers a signal ends it at once too.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop_flag));
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop_flag));
    }
    let hooks = Hooks {
        observe: Some(&observe),
        trace: None,
        exchanges: args.trace_device.zip(observer.as_ref()),
        stop: Some(&stop_flag),
    };
    let summary = run_fleet(&config, state.as_ref(), &keys, hooks)
        .map_err(|e| CliError::Usage(format!("--fleet-state: {e}")))?;
    bar.finish_and_clear();
    output(&summary, args.json, Some(&config.server))
}

fn config(
    cli: &Cli,
    args: &FleetArgs,
    server: String,
    devices: usize,
) -> Result<FleetConfig, CliError> {
    let usage = |text: String| Err(CliError::Usage(text));
    if devices == 0 || devices > MAX_DEVICES {
        return usage(format!("--devices must be 1 to {MAX_DEVICES}"));
    }
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        return usage(format!("--concurrency must be 1 to {MAX_CONCURRENCY}"));
    }
    if !(0.0..=1.0).contains(&args.churn) {
        return usage("--churn is a fraction from 0 to 1".to_owned());
    }
    if args.poll && !(args.time_scale > 0.0 && (0.0..=1.0).contains(&args.jitter)) {
        return usage("--time-scale must be above 0 and --jitter from 0 to 1".to_owned());
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return usage("--rate must be a number of actions per second above 0".to_owned());
    }
    if args.max_connections == Some(0) {
        return usage("--max-connections must be at least 1".to_owned());
    }
    if args.key_pool == Some(0) {
        return usage("--key-pool must be at least 1".to_owned());
    }
    let shard = match (&args.shard, args.shard_from_env) {
        (Some(text), _) => Shard::parse(text).ok_or_else(|| {
            CliError::Usage(format!("--shard {text:?}: the form is K/N with 0 ≤ K < N"))
        })?,
        (None, Some(count)) => {
            let value = std::env::var("JOB_COMPLETION_INDEX").ok();
            Shard::from_index_env(value.as_deref(), count).ok_or_else(|| {
                CliError::Usage(format!(
                    "--shard-from-env {count}: JOB_COMPLETION_INDEX must be set to 0 … {} (it is {value:?})",
                    count.saturating_sub(1)
                ))
            })?
        }
        (None, None) => Shard::WHOLE,
    };
    if let Some(device) = args.trace_device
        && (device >= devices || device % shard.count != shard.index)
    {
        return usage(format!(
            "--trace-device {device} is not a device of this run (shard {shard} of {devices})"
        ));
    }
    let faults = args
        .fault
        .iter()
        .map(|rule| FaultRule::parse(rule).map_err(|e| CliError::Usage(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let pacing = match (args.poll, args.rate) {
        (true, _) => Pacing::Poll {
            time_scale: args.time_scale,
            jitter: args.jitter,
        },
        (false, Some(rate)) => Pacing::Rate(rate),
        (false, None) => Pacing::BackToBack,
    };
    let sessions_per_device = match (args.sessions_per_device, args.duration) {
        (Some(n), _) => Some(n),
        (None, Some(_)) => None,
        (None, None) => Some(1),
    };
    Ok(FleetConfig {
        server,
        user: args.credential.user.clone(),
        credential: read_credential(&args.credential)?,
        extra_ca_pem: read_ca(args.credential.ca_cert.as_deref())?,
        system_roots: true,
        devices,
        concurrency: args.concurrency,
        transport: transport_config(&args.net),
        base: shared_registry(cli)?,
        seed: args.seed,
        shard,
        plan: Plan {
            sessions_per_device,
            duration: args.duration,
            pacing,
            ramp_up: args.ramp_up.unwrap_or_default(),
            storm: args.storm,
            churn: args.churn,
        },
        faults,
        reuse_connections: !args.no_reuse,
        max_connections: args.max_connections,
    })
}

/// `pfw fleet report FILE…`: the shards' summaries merged.
fn report(files: &[std::path::PathBuf], json: bool) -> Result<u8, CliError> {
    let mut merged = Summary::default();
    let mut seeds = BTreeMap::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
            path: path.clone(),
            source,
        })?;
        // The whole file, else its last line (a pod's log ends with the summary).
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let summary: Summary = serde_json::from_str(&text)
            .or_else(|_| serde_json::from_str(last))
            .map_err(|e| {
                CliError::Usage(format!(
                    "{}: not a `pfw fleet --json` summary ({e})",
                    path.display()
                ))
            })?;
        seeds.insert(summary.seed, path.clone());
        for shard in &summary.shards {
            if merged.shards.contains(shard) {
                return Err(CliError::Usage(format!(
                    "{}: shard {shard} is given twice: each shard's summary once",
                    path.display()
                )));
            }
        }
        merged.merge(&summary);
    }
    if seeds.len() > 1 {
        return Err(CliError::Usage(format!(
            "the summaries are of different fleets (seeds {:?}): merge one fleet's shards",
            seeds.keys().collect::<Vec<_>>()
        )));
    }
    output(&merged, json, None)
}

fn output(summary: &Summary, json: bool, server: Option<&str>) -> Result<u8, CliError> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", to_json(summary)).map_err(CliError::Output)?;
    } else {
        print_human(&mut out, server, summary).map_err(CliError::Output)?;
    }
    let on_purpose: u64 = summary
        .errors
        .iter()
        .filter(|(kind, _)| kind.contains("on purpose"))
        .map(|(_, e)| e.count)
        .sum();
    let failures = summary.enrollment_failures + summary.session_failures;
    Ok(if failures > on_purpose {
        SERVER_FAILURE
    } else {
        SUCCESS
    })
}

fn progress(len: Option<u64>, what: &'static str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(len, target);
    let template = if len.is_some() {
        "{prefix:>8} [{bar:40}] {pos}/{len} {elapsed_precise} ({per_sec})"
    } else {
        "{prefix:>8} {spinner} {pos} actions {elapsed_precise} ({per_sec})"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(what);
    bar
}

fn print_human(out: &mut impl Write, server: Option<&str>, r: &Summary) -> std::io::Result<()> {
    let against = server.map(|s| format!(" against {s}")).unwrap_or_default();
    writeln!(
        out,
        "fleet of {} devices (seed {}, shards {}): {} run here{against}, {:.1} s",
        r.fleet_devices,
        r.seed,
        r.shards.join(" "),
        r.devices,
        r.elapsed_s
    )?;
    writeln!(
        out,
        "enrollments:        {} ok, {} failed, {} already enrolled ({:.1}/s); {} unenrolled",
        r.enrollments,
        r.enrollment_failures,
        r.already_enrolled,
        r.enrollments_per_second(),
        r.unenrollments
    )?;
    writeln!(
        out,
        "sessions:           {} ok, {} failed ({:.1}/s)",
        r.sessions,
        r.session_failures,
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
    writeln!(out, "statuses sent:      {}", counts(&r.statuses_sent))?;
    writeln!(out, "statuses received:  {}", counts(&r.statuses_received))?;
    if r.faults.is_empty() {
        writeln!(out, "faults fired:       none")?;
    } else {
        for (rule, n) in &r.faults {
            writeln!(out, "faults fired:       {n} × {rule}")?;
        }
    }
    if r.errors.is_empty() {
        writeln!(out, "errors:             none")?;
    } else {
        for (kind, e) in &r.errors {
            let more = if e.count as usize > e.devices.len() {
                ", …"
            } else {
                ""
            };
            let devices: Vec<String> = e.devices.iter().map(usize::to_string).collect();
            writeln!(
                out,
                "errors:             {} × {kind} (devices {}{more})",
                e.count,
                devices.join(", ")
            )?;
        }
    }
    if !r.timeline.is_empty() {
        let last = r.timeline.keys().next_back().copied().unwrap_or(0);
        let row = |pick: fn(&pfw_session::fleet::report::Second) -> u64| -> String {
            (0..=last.min(TIMELINE_SECONDS))
                .map(|s| r.timeline.get(&s).map_or(0, pick).to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let cut = if last > TIMELINE_SECONDS { " …" } else { "" };
        writeln!(out, "sessions/s:         {}{cut}", row(|s| s.sessions))?;
        writeln!(out, "enrollments/s:      {}{cut}", row(|s| s.enrollments))?;
    }
    Ok(())
}

fn latency_line(h: &Histogram) -> String {
    let (Some(mean), Some(max)) = (h.mean(), h.max()) else {
        return "no samples".to_owned();
    };
    let p = |q: f64| h.percentile(q).map_or_else(|| "-".to_owned(), ms);
    format!(
        "mean {} p50 {} p95 {} p99 {} max {} ({} samples)",
        ms(mean),
        p(50.0),
        p(95.0),
        p(99.0),
        ms(max),
        h.count
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn counts(map: &BTreeMap<u16, u64>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter()
        .map(|(code, n)| format!("{code} × {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary (what `pfw fleet report` reads back) with figures derived from it.
fn to_json(r: &Summary) -> Value {
    let latency = |h: &Histogram| {
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        json!({
            "count": h.count,
            "mean_ms": ms(h.mean()),
            "p50_ms": ms(h.percentile(50.0)),
            "p95_ms": ms(h.percentile(95.0)),
            "p99_ms": ms(h.percentile(99.0)),
            "max_ms": ms(h.max()),
        })
    };
    let mut value = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert(
            "enrolled".to_owned(),
            json!(r.enrollments + r.already_enrolled),
        );
        map.insert("synced".to_owned(), json!(r.sessions));
        map.insert(
            "sessions_per_second".to_owned(),
            json!(r.sessions_per_second()),
        );
        map.insert(
            "enrollments_per_second".to_owned(),
            json!(r.enrollments_per_second()),
        );
        map.insert("enroll_latency_ms".to_owned(), latency(&r.enroll_latency));
        map.insert("session_latency_ms".to_owned(), latency(&r.session_latency));
    }
    value
}

/// The soft open-file limit (`ulimit -n`), from /proc on Linux.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Files kept free for the state file, the metrics endpoint, standard streams and the like.
const FILES_IN_RESERVE: u64 = 64;
/// Most devices in one fleet.
const MAX_DEVICES: usize = 1_000_000;
/// Most devices at once.
const MAX_CONCURRENCY: usize = 4096;
/// Seconds of the timeline printed (the JSON has all).
const TIMELINE_SECONDS: u64 = 120;
