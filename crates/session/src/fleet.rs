//! Many emulated devices at once: each with its own identity, key and in-memory state,
//! enrolling then running one management session, `concurrency` at a time, with what a load
//! test reports — status codes sent and received, latency percentiles, failures by kind.
//!
//! RSA key generation is slow, so keys are made before the clock starts
//! ([`prepare_keys`]), optionally kept in a directory to be reused by later runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pfw_tree::{MemoryStore, Registry, Store};

use crate::enroll::csr::DeviceKey;
use crate::enroll::{Credential, EnrollOptions, EnrollRequest, enroll};
use crate::error::{EnrollError, KeyError, SessionError};
use crate::http::TransportConfig;
use crate::mdm::{SessionReport, SyncOptions, sync};
use crate::state;

/// What the fleet does.
#[derive(Clone)]
pub struct FleetConfig {
    /// The discovery URL or `https://host[:port]`.
    pub server: String,
    /// The enrolling user (every device enrolls as this user).
    pub user: Option<String>,
    /// The user's password or token.
    pub credential: Credential,
    /// An extra trusted CA, PEM.
    pub extra_ca_pem: Option<String>,
    /// Trust the system's roots too.
    pub system_roots: bool,
    /// How many devices.
    pub devices: usize,
    /// How many at once.
    pub concurrency: usize,
    /// Transport limits of every exchange.
    pub transport: TransportConfig,
    /// The CSPs every device has besides the device CSPs (PassportForWork).
    pub base: Registry,
}

/// One device's outcome.
#[derive(Clone, Debug)]
pub struct DeviceOutcome {
    /// Time to enroll, or the kind of failure.
    pub enroll: Result<Duration, &'static str>,
    /// The session's report, or the kind of failure; `None` when enrollment failed.
    pub session: Option<Result<SessionReport, &'static str>>,
}

/// Latency percentiles (nearest rank).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Latency {
    /// How many samples.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Largest.
    pub max: Duration,
}

impl Latency {
    /// The percentiles of `samples` (sorted here).
    pub fn of(samples: &mut [Duration]) -> Self {
        samples.sort_unstable();
        let rank = |p: usize| -> Duration {
            if samples.is_empty() {
                return Duration::ZERO;
            }
            // Nearest rank: ceil(p/100 × n), 1-based.
            let at = (p * samples.len()).div_ceil(100).clamp(1, samples.len());
            samples[at - 1]
        };
        Self {
            count: samples.len(),
            p50: rank(50),
            p90: rank(90),
            p99: rank(99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// What the fleet did.
#[derive(Clone, Debug, Default)]
pub struct FleetReport {
    /// Devices run.
    pub devices: usize,
    /// Devices that enrolled.
    pub enrolled: usize,
    /// Devices whose session completed.
    pub synced: usize,
    /// Wall time of the run (keys excluded).
    pub elapsed: Duration,
    /// Enrollment latency.
    pub enroll_latency: Latency,
    /// Session latency.
    pub session_latency: Latency,
    /// Status codes the devices sent, with counts.
    pub sent_statuses: BTreeMap<u16, u64>,
    /// Status codes the server sent, with counts.
    pub received_statuses: BTreeMap<u16, u64>,
    /// Failures by kind (`enroll: timeout`, `session: refused`, …), with counts.
    pub errors: BTreeMap<String, u64>,
}

impl FleetReport {
    /// Completed sessions per second of wall time.
    pub fn sessions_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.synced as f64 / secs
        } else {
            0.0
        }
    }
}

/// One key per device: read from `cache` when there (`device-NNNNN.key`, PKCS#8 DER), else
/// generated (`concurrency` at a time) and written there. `tick` is called once per key.
pub fn prepare_keys(
    count: usize,
    concurrency: usize,
    cache: Option<&Path>,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<DeviceKey>, KeyError> {
    let next = AtomicUsize::new(0);
    let keys: Mutex<Vec<Option<DeviceKey>>> = Mutex::new(vec![None; count]);
    let failure: Mutex<Option<KeyError>> = Mutex::new(None);
    thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        return;
                    }
                    match cached_key(i, cache) {
                        Ok(key) => {
                            if let Some(slot) = lock(&keys).get_mut(i) {
                                *slot = Some(key);
                            }
                            tick();
                        }
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e);
    }
    Ok(keys
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect())
}

/// Runs the fleet: every device enrolls then runs one session; `done` is called after each
/// device.
pub fn run(
    config: &FleetConfig,
    keys: Vec<DeviceKey>,
    done: &(dyn Fn(&DeviceOutcome) + Sync),
) -> FleetReport {
    let started = Instant::now();
    let keys: Vec<Mutex<Option<DeviceKey>>> =
        keys.into_iter().map(|k| Mutex::new(Some(k))).collect();
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<DeviceOutcome>> = Mutex::new(Vec::with_capacity(config.devices));
    thread::scope(|scope| {
        for _ in 0..config.concurrency.clamp(1, config.devices.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= config.devices {
                        return;
                    }
                    let key = keys.get(i).and_then(|k| lock(k).take());
                    let outcome = one_device(config, key);
                    done(&outcome);
                    lock(&outcomes).push(outcome);
                }
            });
        }
    });
    let elapsed = started.elapsed();
    summarize(
        config.devices,
        elapsed,
        outcomes
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
}

fn one_device(config: &FleetConfig, key: Option<DeviceKey>) -> DeviceOutcome {
    let mut store = MemoryStore::new();
    let started = Instant::now();
    let enrolled = (|| -> Result<(), &'static str> {
        let device = state::device_info(&mut store).map_err(|_| "state")?;
        let request = EnrollRequest {
            server: config.server.clone(),
            user: config.user.clone(),
            credential: config.credential.clone(),
            device,
            extra_ca_pem: config.extra_ca_pem.clone(),
        };
        let options = EnrollOptions {
            transport: config.transport.clone(),
            probe: true,
            system_roots: config.system_roots,
            key,
        };
        let enrollment = enroll(&request, options).map_err(|e| enroll_kind(&e))?;
        store.begin().map_err(|_| "state")?;
        state::save_enrollment(&mut store, &enrollment).map_err(|_| "state")?;
        store.commit().map_err(|_| "state")?;
        Ok(())
    })();
    let enroll_time = started.elapsed();
    if let Err(kind) = enrolled {
        return DeviceOutcome {
            enroll: Err(kind),
            session: None,
        };
    }
    let session = state::engine_for(&config.base, &mut store)
        .map_err(SessionError::from)
        .and_then(|engine| {
            sync(
                &mut store,
                &engine,
                &SyncOptions {
                    transport: config.transport.clone(),
                    ..SyncOptions::default()
                },
            )
        })
        .map_err(|e| e.kind());
    DeviceOutcome {
        enroll: Ok(enroll_time),
        session: Some(session),
    }
}

fn summarize(devices: usize, elapsed: Duration, outcomes: Vec<DeviceOutcome>) -> FleetReport {
    let mut report = FleetReport {
        devices,
        elapsed,
        ..FleetReport::default()
    };
    let mut enroll_times = Vec::new();
    let mut session_times = Vec::new();
    for outcome in outcomes {
        match outcome.enroll {
            Ok(t) => {
                report.enrolled += 1;
                enroll_times.push(t);
            }
            Err(kind) => *report.errors.entry(format!("enroll: {kind}")).or_default() += 1,
        }
        match outcome.session {
            Some(Ok(session)) => {
                report.synced += 1;
                session_times.push(session.elapsed);
                for code in session.sent_statuses {
                    *report.sent_statuses.entry(code).or_default() += 1;
                }
                for code in session.received_statuses {
                    *report.received_statuses.entry(code).or_default() += 1;
                }
            }
            Some(Err(kind)) => *report.errors.entry(format!("session: {kind}")).or_default() += 1,
            None => {}
        }
    }
    report.enroll_latency = Latency::of(&mut enroll_times);
    report.session_latency = Latency::of(&mut session_times);
    report
}

/// A short name of an enrollment failure's kind.
pub fn enroll_kind(error: &EnrollError) -> &'static str {
    use crate::error::HttpError;
    match error {
        EnrollError::Http {
            source: HttpError::Timeout { .. },
            ..
        } => "timeout",
        EnrollError::Http {
            source: HttpError::Tls { .. },
            ..
        } => "tls",
        EnrollError::Http {
            source: HttpError::TooManyRequests { .. },
            ..
        } => "throttled",
        EnrollError::Http { .. } => "network",
        EnrollError::Fault { .. } => "soap fault",
        EnrollError::Status { .. } => "http status",
        EnrollError::Key(_) => "key",
        EnrollError::Provisioning(_) => "provisioning document",
        EnrollError::InvalidServerUrl { .. }
        | EnrollError::MissingUser
        | EnrollError::CredentialMismatch { .. }
        | EnrollError::Setup(_) => "configuration",
        _ => "unexpected reply",
    }
}

fn cached_key(index: usize, cache: Option<&Path>) -> Result<DeviceKey, KeyError> {
    let Some(dir) = cache else {
        return DeviceKey::generate(KEY_BITS);
    };
    let path = dir.join(format!("device-{index:05}.key"));
    if let Ok(bytes) = std::fs::read(&path)
        && let Ok(key) = DeviceKey::from_pkcs8_der(&bytes)
    {
        return Ok(key);
    }
    let key = DeviceKey::generate(KEY_BITS)?;
    // A cache that cannot be written only costs the next run the generation again.
    let _ = write_private(&path, &key.to_pkcs8_der()?);
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Size of the devices' keys (what the test server's policy and Windows's default ask).
const KEY_BITS: u32 = 2048;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let l = Latency::of(&mut samples);
        // Nearest rank over 1..=100 ms: the p-th value.
        assert_eq!(
            (l.p50, l.p90, l.p99, l.max),
            (
                Duration::from_millis(50),
                Duration::from_millis(90),
                Duration::from_millis(99),
                Duration::from_millis(100)
            )
        );
        assert_eq!(l.count, 100);
        let mut one = vec![Duration::from_millis(7)];
        assert_eq!(Latency::of(&mut one).p99, Duration::from_millis(7));
        assert_eq!(Latency::of(&mut []).max, Duration::ZERO);
    }
}
