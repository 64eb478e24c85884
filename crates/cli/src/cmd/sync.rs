//! `pfw sync`: one MS-MDM management session with the enrolled server (`--trace` shows every
//! message), or with `--poll` sessions on the schedule the server set until SIGINT or
//! SIGTERM, which stop it between sessions. Also the helpers the other commands that talk to a
//! server share: transport limits from the options, exit codes of server failures.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use pfw_session::{
    Direction, Exchange, ExchangeObserver, SessionError, SessionReport, SyncOptions,
    TransportConfig, state,
};
use serde_json::json;

use crate::args::{Cli, NetArgs, SyncArgs, TraceForm};
use crate::error::{CliError, Exit, NEGATIVE, SUCCESS};
use crate::output::Paint;
use crate::state::Device;

/// Exit code of a server or network failure: the server refused the device or its
/// certificate, did not answer in time, answered what is not SyncML, broke the protocol.
pub(crate) const SERVER_FAILURE: u8 = crate::error::SERVER_FAILURE;

pub(crate) fn run(cli: &Cli, args: &SyncArgs) -> Result<u8, CliError> {
    let mut device = Device::open(cli)?;
    let enrollment = match state::load_enrollment(&device.store) {
        Ok(Some(e)) => e,
        Ok(None) => {
            return Err(CliError::Usage(
                "the device is not enrolled: run pfw enroll first".to_owned(),
            ));
        }
        Err(e) => return Ok(state_failure(&e.to_string())),
    };
    let tracer = Tracer::new(args.trace.trace, args.trace.trace_file.as_deref())?;
    let raw = tracer.clone().filter(|t| t.form == TraceForm::Raw);
    let trace = move |direction: Direction, bytes: &[u8]| {
        if let Some(tracer) = &raw {
            tracer.raw(direction, bytes);
        }
    };
    let options = SyncOptions {
        transport: transport_config(&args.net),
        trace: (args.trace.trace == Some(TraceForm::Raw)).then_some(&trace as &pfw_session::Trace),
        exchanges: tracer.as_ref().and_then(Tracer::observer),
        ..SyncOptions::default()
    };
    if !args.poll {
        let result = pfw_session::sync(&mut device.store, &device.engine, &options);
        return match result {
            Ok(report) => {
                print_report(&report, args.json).map_err(CliError::after_commit)?;
                Ok(if report.all_succeeded() {
                    SUCCESS
                } else {
                    NEGATIVE
                })
            }
            Err(e) => Ok(session_failure(&e)),
        };
    }

    // --poll: stop between sessions on SIGINT or SIGTERM.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal while the first waits for the session to end stops at once.
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(|source| CliError::Read {
                path: "signal handler".into(),
                source,
            })?;
    }
    let config = pfw_session::PollConfig {
        schedule: enrollment.poll(),
        minute: crate::hooks::poll_minute(),
        stop: &stop,
    };
    pfw_session::poll(
        &mut device.store,
        &device.engine,
        &options,
        &config,
        |outcome| {
            match outcome {
                Ok(report) => print_report(&report, args.json).map_err(CliError::after_commit),
                // A failed session is reported; polling goes on, as Windows retries on schedule.
                Err(e) => {
                    crate::output::warn(&format!("pfw: session failed: {e}"));
                    Ok(())
                }
            }
        },
    )?;
    eprintln!("pfw: stopped");
    Ok(SUCCESS)
}

/// The transport limits of `--timeout` and `--max-retry-after`.
pub(crate) fn transport_config(net: &NetArgs) -> TransportConfig {
    let timeout = Duration::from_secs(net.timeout.max(1));
    TransportConfig {
        connect_timeout: timeout.min(Duration::from_secs(15)),
        response_timeout: timeout,
        request_timeout: timeout,
        max_retry_after: Duration::from_secs(net.max_retry_after),
        ..TransportConfig::default()
    }
}

/// Reports a failed session; its exit code (a damaged state 3, else a server failure 4).
pub(crate) fn session_failure(error: &SessionError) -> u8 {
    crate::output::warn(&format!("pfw: {error}"));
    match error {
        SessionError::State(_) | SessionError::Engine(_) => Exit::State as u8,
        SessionError::NotEnrolled => Exit::Usage as u8,
        _ => SERVER_FAILURE,
    }
}

/// Reports a damaged state; exit 3.
pub(crate) fn state_failure(message: &str) -> u8 {
    crate::output::warn(&format!("pfw: state: {message}"));
    Exit::State as u8
}

fn print_report(report: &SessionReport, json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    if json {
        let commands: Vec<_> = report
            .commands
            .iter()
            .map(|r| {
                json!({
                    "command": r.name(),
                    "cmd_id": r.cmd_id.as_str(),
                    "uri": r.uri,
                    "status": r.status.code(),
                    "reason": r.reason(),
                })
            })
            .collect();
        let value = json!({
            "session_id": report.session_id,
            "messages_sent": report.sent,
            "messages_received": report.received,
            "aborted": report.aborted,
            "elapsed_ms": report.elapsed.as_millis(),
            "commands": commands,
        });
        return writeln!(out, "{value}").map_err(CliError::Output);
    }
    let failed = report
        .commands
        .iter()
        .filter(|r| !r.status.is_success())
        .count();
    writeln!(
        out,
        "session {}: {} sent, {} received, {} from the server, {} failed{}",
        report.session_id,
        crate::output::count(report.sent, "message"),
        report.received,
        crate::output::count(report.commands.len(), "command"),
        failed,
        if report.aborted {
            "; the server aborted it"
        } else {
            ""
        }
    )
    .map_err(CliError::Output)?;
    for r in &report.commands {
        let mut line = format!(
            "  {} {} {}",
            r.status.code(),
            r.name(),
            crate::output::visible(r.uri.as_deref().unwrap_or(""), false)
        );
        if let Some(reason) = r.reason() {
            line.push_str(&format!("  ({})", crate::output::visible(&reason, false)));
        }
        writeln!(out, "{}", line.trim_end()).map_err(CliError::Output)?;
    }
    Ok(())
}

/// Where `--trace` goes (standard error or `--trace-file`) and in which form.
pub(crate) struct Tracer {
    out: std::sync::Mutex<Box<dyn Write + Send>>,
    paint: Paint,
    pub(crate) form: TraceForm,
}

impl Tracer {
    /// The tracer `--trace[=FORM]` and `--trace-file` ask for, if any.
    pub(crate) fn new(
        form: Option<TraceForm>,
        file: Option<&std::path::Path>,
    ) -> Result<Option<Arc<Self>>, CliError> {
        let Some(form) = form else {
            return Ok(None);
        };
        let (out, paint): (Box<dyn Write + Send>, Paint) = match file {
            Some(path) => (
                Box::new(
                    std::fs::File::create(path).map_err(|source| CliError::Read {
                        path: path.to_owned(),
                        source,
                    })?,
                ),
                Paint::none(),
            ),
            None => (Box::new(std::io::stderr()), Paint::stderr()),
        };
        Ok(Some(Arc::new(Self {
            out: std::sync::Mutex::new(out),
            paint,
            form,
        })))
    }

    /// The exchange observer of the pretty form (none for the raw form).
    pub(crate) fn observer(self: &Arc<Self>) -> Option<ExchangeObserver> {
        if self.form != TraceForm::Pretty {
            return None;
        }
        let me = Arc::clone(self);
        Some(ExchangeObserver(Arc::new(move |exchange| {
            me.exchange(exchange)
        })))
    }

    /// One message as it went (the raw form).
    pub(crate) fn raw(&self, direction: Direction, bytes: &[u8]) {
        let arrow = match direction {
            Direction::Sent => "--> to the server",
            Direction::Received => "<-- from the server",
        };
        let text = format!(
            "{arrow} ({} bytes)\n{}\n\n",
            bytes.len(),
            String::from_utf8_lossy(bytes)
        );
        self.write(&text);
    }

    fn exchange(&self, e: &Exchange<'_>) {
        let mut text = String::new();
        let head = format!("--> to the server {} {}", e.method, e.url);
        text.push_str(&self.paint.sent(&head));
        text.push('\n');
        for (name, value) in e.request_headers {
            if REQUEST_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                text.push_str(&format!("    {name}: {value}\n"));
            }
        }
        text.push_str(&body(e.request_body));
        let ms = e.elapsed.as_secs_f64() * 1000.0;
        match e.response {
            Ok(response) => {
                let head = format!("<-- from the server HTTP {} in {ms:.1} ms", response.status);
                text.push_str(&if response.status < 400 {
                    self.paint.received(&head)
                } else {
                    self.paint.failed(&head)
                });
                text.push('\n');
                for (name, value) in &response.headers {
                    if RESPONSE_HEADERS
                        .iter()
                        .any(|h| h.eq_ignore_ascii_case(name))
                    {
                        text.push_str(&format!("    {name}: {value}\n"));
                    }
                }
                text.push_str(&body(&response.body));
            }
            Err(error) => {
                let head = format!("<-- from the server: no answer after {ms:.1} ms: {error}");
                text.push_str(&self.paint.failed(&head));
                text.push_str("\n\n");
            }
        }
        self.write(&text);
    }

    fn write(&self, text: &str) {
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A trace that cannot be written must not stop the exchange.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// A body for the trace: its size, then its XML indented (as received when it is not XML).
fn body(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "    (no body)\n\n".to_owned();
    }
    let shown = indent_xml(bytes).unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned());
    format!("    ({} bytes)\n{shown}\n\n", bytes.len())
}

/// `bytes` re-written with one element per line, two spaces per level.
fn indent_xml(bytes: &[u8]) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            event => writer.write_event(event).ok()?,
        }
    }
    String::from_utf8(writer.into_inner()).ok()
}

/// The request headers a trace shows.
const REQUEST_HEADERS: &[&str] = &["Content-Type", "User-Agent", "MS-CV"];
/// The response headers a trace shows.
const RESPONSE_HEADERS: &[&str] = &[
    "Content-Type",
    "Content-Length",
    "Connection",
    "Retry-After",
    "WWW-Authenticate",
];
