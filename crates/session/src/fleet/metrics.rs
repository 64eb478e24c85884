//! Live metrics of a fleet run in the OpenMetrics text format (written by the
//! `prometheus-client` crate), served over plain HTTP by [`MetricsServer`]: sessions and
//! enrollments by result, statuses by direction and code, faults by rule, unenrollments,
//! and latency histograms.
//!
//! [`FleetMetrics::observe`] takes the run's [`Event`]s.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::fleet::Event;

type Labels = Vec<(String, String)>;

/// The fleet's metrics.
#[derive(Debug)]
pub struct FleetMetrics {
    registry: Registry,
    sessions: Family<Labels, Counter>,
    enrollments: Family<Labels, Counter>,
    statuses: Family<Labels, Counter>,
    faults: Family<Labels, Counter>,
    unenrollments: Counter,
    session_seconds: Histogram,
    enrollment_seconds: Histogram,
}

impl Default for FleetMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl FleetMetrics {
    /// Metrics at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("pfw_fleet");
        let sessions = Family::<Labels, Counter>::default();
        let enrollments = Family::<Labels, Counter>::default();
        let statuses = Family::<Labels, Counter>::default();
        let faults = Family::<Labels, Counter>::default();
        let unenrollments = Counter::default();
        // 1 ms to about 33 s.
        let session_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        let enrollment_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register(
            "sessions",
            "Management sessions by result (ok or the failure's kind)",
            sessions.clone(),
        );
        registry.register(
            "enrollments",
            "Enrollments by result (ok or failed)",
            enrollments.clone(),
        );
        registry.register(
            "statuses",
            "SyncML Status codes by direction (sent by devices, received from the server)",
            statuses.clone(),
        );
        registry.register(
            "faults",
            "Faults injected on purpose, by rule",
            faults.clone(),
        );
        registry.register(
            "unenrollments",
            "Devices that unenrolled (churn)",
            unenrollments.clone(),
        );
        registry.register(
            "session_seconds",
            "Duration of completed sessions",
            session_seconds.clone(),
        );
        registry.register(
            "enrollment_seconds",
            "Duration of successful enrollments",
            enrollment_seconds.clone(),
        );
        Self {
            registry,
            sessions,
            enrollments,
            statuses,
            faults,
            unenrollments,
            session_seconds,
            enrollment_seconds,
        }
    }

    /// Counts one event.
    pub fn observe(&self, event: &Event<'_>) {
        let label = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        match event {
            Event::Enrolled { elapsed, .. } => {
                self.enrollments.get_or_create(&label("result", "ok")).inc();
                self.enrollment_seconds.observe(elapsed.as_secs_f64());
            }
            Event::EnrollFailed { .. } => {
                self.enrollments
                    .get_or_create(&label("result", "failed"))
                    .inc();
            }
            Event::Fault { rule, .. } => {
                self.faults.get_or_create(&label("rule", rule)).inc();
            }
            Event::Synced { report, .. } => {
                self.sessions.get_or_create(&label("result", "ok")).inc();
                self.session_seconds.observe(report.elapsed.as_secs_f64());
                for (direction, codes) in [
                    ("sent", &report.sent_statuses),
                    ("received", &report.received_statuses),
                ] {
                    for code in codes {
                        self.statuses
                            .get_or_create(&vec![
                                ("direction".to_owned(), direction.to_owned()),
                                ("code".to_owned(), code.to_string()),
                            ])
                            .inc();
                    }
                }
            }
            Event::SyncFailed { kind, .. } => {
                self.sessions.get_or_create(&label("result", kind)).inc();
            }
            Event::Unenrolled { .. } => {
                self.unenrollments.inc();
            }
        }
    }

    /// The OpenMetrics text, ending with `# EOF`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// An HTTP endpoint answering every GET with the metrics; stops when dropped.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Listens on `addr` (port 0: a free port).
    pub fn start(addr: SocketAddr, metrics: Arc<FleetMetrics>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("pfw-fleet-metrics".to_owned())
            .spawn(move || {
                while !flag.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                            let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                            // The request itself does not matter: read its head and answer.
                            let mut head = [0u8; 4096];
                            let _ = stream.read(&mut head);
                            let body = metrics.text();
                            let _ = write!(
                                stream,
                                "HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            );
                        }
                        Err(_) => thread::sleep(Duration::from_millis(20)),
                    }
                }
            })?;
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The OpenMetrics text format's media type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
