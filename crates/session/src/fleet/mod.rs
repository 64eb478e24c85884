//! Many emulated devices, long-lived: a fleet is a set of devices whose identities derive
//! from a seed and the device's index (a rerun is the same fleet), whose stores are kept
//! between runs in one SQLite file ([`store::FleetState`]) or in memory for one run, and
//! which enroll (unless already enrolled), then run sessions — back to back, on each
//! device's DMClient poll schedule with jitter, or open-loop at a target rate — for a
//! number of sessions or a duration, with ramp-up, an enrollment-storm mode, unenroll
//! churn, and faults injected on purpose ([`fault`]). `--shard K/N` runs devices K, K+N, …
//! so that N processes make one fleet; their [`report::Summary`]s merge.
//!
//! RSA key generation is slow, so keys are made before the clock starts, on every core
//! ([`prepare_keys`]), optionally kept in a directory, or shared from a pool.

pub mod fault;
pub mod metrics;
pub mod report;
pub mod store;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pfw_tree::{Registry, Store};

use crate::PollSchedule;
use crate::enroll::csr::DeviceKey;
use crate::enroll::{Credential, EnrollOptions, EnrollRequest, enroll};
use crate::error::{EnrollError, FleetStateError, KeyError, SessionError};
use crate::http::{ExchangeObserver, SigningKeys, TlsClient, Transport, TransportConfig};
use crate::mdm::message::unenroll_alert;
use crate::mdm::{
    FaultHook, Session, SessionConfig, SessionReport, SyncOptions, Trace, poll_interval, sync,
};
use crate::state;
use fault::{FaultRule, SessionFaults, mix, unit};
use report::Summary;
use store::{DeviceImage, DeviceRow, DeviceStore, FleetState};

/// What the fleet is and does.
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
    /// How many devices the whole fleet has (every shard's).
    pub devices: usize,
    /// How many devices act at once.
    pub concurrency: usize,
    /// Transport limits of every exchange.
    pub transport: TransportConfig,
    /// The CSPs every device has besides the device CSPs (PassportForWork).
    pub base: Registry,
    /// The fleet's seed: identities, jitter, churn and faults derive from it.
    pub seed: u64,
    /// Which of the fleet's devices this process runs.
    pub shard: Shard,
    /// When and how often the devices act.
    pub plan: Plan,
    /// Faults injected on purpose.
    pub faults: Vec<FaultRule>,
    /// Each device keeps its HTTPS client between sessions: its idle connection (HTTP
    /// keep-alive, when the server allows it) and its TLS session, resumed on a new
    /// connection. Off: a new client, connection and full handshake for every session.
    pub reuse_connections: bool,
    /// With `reuse_connections`: most devices that keep an open connection between their
    /// sessions (`None`: every device). Past it, the device whose last session is the oldest
    /// closes its connection, and its next session opens a new one that resumes its TLS
    /// session; so a fleet's memory and open sockets are bounded whatever its size.
    pub max_connections: Option<usize>,
}

/// Devices `index`, `index + count`, `index + 2·count`, … of the fleet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// How many shards make the fleet.
    pub count: usize,
}

impl Shard {
    /// The whole fleet in one process.
    pub const WHOLE: Self = Self { index: 0, count: 1 };

    /// Parses `K/N` (0 ≤ K < N).
    pub fn parse(text: &str) -> Option<Self> {
        let (k, n) = text.split_once('/')?;
        let shard = Self {
            index: k.trim().parse().ok()?,
            count: n.trim().parse().ok()?,
        };
        (shard.count > 0 && shard.index < shard.count).then_some(shard)
    }

    /// The shard a Kubernetes Indexed Job's pod runs: `JOB_COMPLETION_INDEX` of `count`.
    pub fn from_index_env(value: Option<&str>, count: usize) -> Option<Self> {
        let index = value?.trim().parse().ok()?;
        (count > 0 && index < count).then_some(Self { index, count })
    }

    /// This shard's devices of a fleet of `devices`.
    pub fn devices(self, devices: usize) -> impl Iterator<Item = usize> {
        (self.index..devices).step_by(self.count.max(1))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// When devices act.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pacing {
    /// Each device's next session starts as soon as its last ended (closed loop).
    BackToBack,
    /// Each device follows its DMClient poll schedule, the intervals divided by
    /// `time_scale`, each moved by up to ±`jitter` of itself.
    Poll {
        /// How much faster than real time (60 = a 15-minute interval takes 15 s).
        time_scale: f64,
        /// Fraction of each interval, 0 to 1.
        jitter: f64,
    },
    /// Open loop: the fleet starts this many actions per second, whether earlier ones have
    /// finished or not (late starts show as latency).
    Rate(f64),
}

/// What the devices do in a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// Sessions each device runs in this run; `None`: until `duration` ends.
    pub sessions_per_device: Option<u64>,
    /// The run ends after this long (devices finish what they are doing).
    pub duration: Option<Duration>,
    /// When devices act.
    pub pacing: Pacing,
    /// Devices start spread over this long.
    pub ramp_up: Duration,
    /// Enrollment storm: devices enroll and do nothing else (pace them with `Rate`).
    pub storm: bool,
    /// Chance, after each session, that the device unenrolls (alert 1226); it enrolls again
    /// at its next turn.
    pub churn: f64,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            sessions_per_device: Some(1),
            duration: None,
            pacing: Pacing::BackToBack,
            ramp_up: Duration::ZERO,
            storm: false,
            churn: 0.0,
        }
    }
}

/// Something that happened, for progress bars and live metrics.
#[derive(Debug)]
pub enum Event<'e> {
    /// A device enrolled.
    Enrolled {
        /// The device.
        device: usize,
        /// How long it took.
        elapsed: Duration,
    },
    /// A device's enrollment failed.
    EnrollFailed {
        /// The device.
        device: usize,
        /// The error as `pfw enroll` prints it.
        detail: &'e str,
    },
    /// A fault rule fired.
    Fault {
        /// The device.
        device: usize,
        /// The rule as written.
        rule: &'e str,
    },
    /// A device's session completed.
    Synced {
        /// The device.
        device: usize,
        /// What it did.
        report: &'e SessionReport,
    },
    /// A device's session failed.
    SyncFailed {
        /// The device.
        device: usize,
        /// The kind (`timeout`, `abandoned`, …).
        kind: &'static str,
        /// The error as `pfw sync` prints it.
        detail: &'e str,
    },
    /// A device unenrolled (churn).
    Unenrolled {
        /// The device.
        device: usize,
    },
}

/// What a run reports to while it goes.
#[derive(Clone, Copy, Default)]
pub struct Hooks<'h> {
    /// Sees every [`Event`].
    pub observe: Option<&'h (dyn Fn(&Event<'_>) + Sync)>,
    /// One device whose sessions are traced: its index and the trace.
    pub trace: Option<(usize, &'h Trace)>,
    /// One device whose HTTP exchanges (enrollment and sessions) are shown: its index and
    /// the observer.
    pub exchanges: Option<(usize, &'h ExchangeObserver)>,
    /// Set to end the run early (devices finish what they are doing).
    pub stop: Option<&'h AtomicBool>,
}

/// The devices' keys, made before the clock starts.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<(usize, DeviceKey)>,
    pool: bool,
}

impl KeySet {
    /// A pool of `keys` shared round the fleet (device `i` uses key `i mod len`).
    pub fn pool(keys: Vec<DeviceKey>) -> Self {
        Self {
            keys: keys.into_iter().enumerate().collect(),
            pool: true,
        }
    }

    /// The key device `index` enrolls with.
    pub fn key_for(&self, index: usize) -> Option<DeviceKey> {
        if self.pool {
            let n = self.keys.len();
            return (n > 0).then(|| self.keys[index % n].1.clone());
        }
        self.keys
            .binary_search_by_key(&index, |(i, _)| *i)
            .ok()
            .map(|at| self.keys[at].1.clone())
    }

    /// How many distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The DeviceID of device `index` of the fleet of `seed`: 32 upper-case hex digits.
pub fn device_id(seed: u64, index: usize) -> String {
    let a = mix(&[seed, index as u64, 0x6964]);
    let b = mix(&[seed, index as u64, 0x6965]);
    format!("{a:016X}{b:016X}")
}

/// Keys for `devices` (indexes, sorted): one each, or with `pool` that many shared round
/// the fleet (device `i` uses key `i mod pool`). Read from `cache` when there
/// (`device-NNNNN.key` or `pool-NNNNN.key`, PKCS#8 DER), else generated on every core and
/// written there. `tick` is called once per key.
pub fn prepare_keys(
    devices: &[usize],
    pool: Option<usize>,
    cache: Option<&Path>,
    tick: &(dyn Fn() + Sync),
) -> Result<KeySet, KeyError> {
    let (names, indexes): (&str, Vec<usize>) = match pool {
        Some(n) => ("pool", (0..n.min(devices.len().max(1))).collect()),
        None => ("device", devices.to_vec()),
    };
    let workers = thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let keys: Mutex<Vec<(usize, DeviceKey)>> = Mutex::new(Vec::with_capacity(indexes.len()));
    on_threads::<KeyError>(workers.min(indexes.len()), |_| {
        let at = next.fetch_add(1, Ordering::SeqCst);
        let Some(&index) = indexes.get(at) else {
            return Ok(false);
        };
        let key = cached_key(names, index, cache)?;
        lock(&keys).push((index, key));
        tick();
        Ok(true)
    })?;
    let mut keys = into_inner(keys);
    keys.sort_by_key(|(i, _)| *i);
    Ok(KeySet {
        keys,
        pool: pool.is_some(),
    })
}

/// The devices of this shard that need a key: those the state file does not hold enrolled.
pub fn devices_to_enroll(
    config: &FleetConfig,
    state: Option<&FleetState>,
) -> Result<Vec<usize>, FleetStateError> {
    let mut out = Vec::new();
    for index in config.shard.devices(config.devices) {
        let enrolled = match state {
            Some(state) => state.load(index)?.is_some_and(|row| row.enrolled),
            None => false,
        };
        if !enrolled {
            out.push(index);
        }
    }
    Ok(out)
}

/// Runs this shard of the fleet with `keys` ([`prepare_keys`]), keeping the devices in
/// `state` when given.
pub fn run(
    config: &FleetConfig,
    state: Option<&FleetState>,
    keys: &KeySet,
    hooks: Hooks<'_>,
) -> Result<Summary, FleetStateError> {
    let indexes: Vec<usize> = config.shard.devices(config.devices).collect();
    let mut slots = Vec::with_capacity(indexes.len());
    let mut already = 0;
    for &index in &indexes {
        let slot = load_slot(config, state, index)?;
        if slot.enrolled {
            already += 1;
        }
        slots.push(Mutex::new(slot));
    }
    let started = Instant::now();
    let n = slots.len().max(1) as u32;
    let queue: Mutex<BinaryHeap<Reverse<(Instant, usize)>>> = Mutex::new(
        (0..slots.len())
            .map(|at| Reverse((started + config.plan.ramp_up * at as u32 / n, at)))
            .collect(),
    );
    let deadline = config.plan.duration.map(|d| started + d);
    let next_slot = AtomicU64::new(0);
    let summary = Mutex::new(Summary {
        seed: config.seed,
        fleet_devices: config.devices as u64,
        shards: vec![config.shard.to_string()],
        devices: indexes.len() as u64,
        already_enrolled: already,
        ..Summary::default()
    });
    let connections = Connections::new(config.max_connections);
    let signing_keys = SigningKeys::new();
    let ctx = Ctx {
        config,
        state,
        keys,
        signing_keys: &signing_keys,
        hooks,
        started,
        summary: &summary,
        connections: &connections,
    };
    on_threads::<FleetStateError>(config.concurrency.min(slots.len()), |failed| {
        let stopped = || hooks.stop.is_some_and(|s| s.load(Ordering::SeqCst)) || failed();
        if stopped() {
            return Ok(false);
        }
        let Some(Reverse((mut due, at))) = lock(&queue).pop() else {
            return Ok(false);
        };
        if let Pacing::Rate(rate) = config.plan.pacing {
            let k = next_slot.fetch_add(1, Ordering::SeqCst);
            let slot_time =
                started + config.plan.ramp_up + Duration::from_secs_f64(k as f64 / rate);
            due = due.max(slot_time);
        }
        if deadline.is_some_and(|d| due >= d) {
            // Every later device is due later still: this worker is done.
            return Ok(false);
        }
        if !sleep_until(due, &stopped) {
            return Ok(false);
        }
        let mut slot = lock(&slots[at]);
        if let Some(next) = ctx.step(&mut slot)? {
            lock(&queue).push(Reverse((next, at)));
        }
        Ok(true)
    })?;
    let mut summary = into_inner(summary);
    summary.elapsed_s = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// One device during a run.
struct Slot {
    index: usize,
    device_id: String,
    store: DeviceStore,
    enrolled: bool,
    /// Sessions over all runs (the fault dice use it).
    sessions: u64,
    /// Sessions in this run.
    ran: u64,
    /// The key of a device that unenrolled, for its next enrollment.
    key: Option<DeviceKey>,
    /// Whether its enrollment failed in this run (it then stops).
    failed: bool,
    /// Its TLS client (client certificate, TLS sessions to resume), kept between sessions
    /// when connections are reused (its open connection, if any, is in [`Connections`]).
    tls: Option<TlsClient>,
}

struct Ctx<'c> {
    config: &'c FleetConfig,
    state: Option<&'c FleetState>,
    keys: &'c KeySet,
    /// Devices that present the same key (a key pool) share it parsed.
    signing_keys: &'c SigningKeys,
    hooks: Hooks<'c>,
    started: Instant,
    summary: &'c Mutex<Summary>,
    connections: &'c Connections,
}

/// The devices' kept HTTPS clients (each with its idle connection), least recently used
/// first out when there are more than the bound.
struct Connections {
    max: Option<usize>,
    inner: Mutex<Lru>,
}

#[derive(Default)]
struct Lru {
    /// Device index → (when it was last put back, its client).
    clients: HashMap<usize, (u64, Transport)>,
    /// When → device index, oldest first.
    order: BTreeMap<u64, usize>,
    tick: u64,
}

impl Connections {
    fn new(max: Option<usize>) -> Self {
        Self {
            max,
            inner: Mutex::new(Lru::default()),
        }
    }

    /// Device `index`'s kept client, taken out while it runs a session.
    fn take(&self, index: usize) -> Option<Transport> {
        let mut lru = lock(&self.inner);
        let (tick, transport) = lru.clients.remove(&index)?;
        lru.order.remove(&tick);
        Some(transport)
    }

    /// Keeps device `index`'s client; the least recently used one past the bound is closed.
    fn put(&self, index: usize, transport: Transport) {
        let closed = {
            let mut lru = lock(&self.inner);
            lru.tick += 1;
            let tick = lru.tick;
            lru.order.insert(tick, index);
            lru.clients.insert(index, (tick, transport));
            let mut closed = Vec::new();
            while self.max.is_some_and(|max| lru.clients.len() > max) {
                let Some((_, oldest)) = lru.order.pop_first() else {
                    break;
                };
                closed.extend(lru.clients.remove(&oldest));
            }
            closed
        };
        // Closing sockets happens outside the lock.
        drop(closed);
    }
}

impl Ctx<'_> {
    /// The device's next action; when it is due next, `None` when it is done.
    fn step(&self, slot: &mut Slot) -> Result<Option<Instant>, FleetStateError> {
        let plan = &self.config.plan;
        if !slot.enrolled {
            self.enroll(slot);
            self.save(slot)?;
            if plan.storm || slot.failed {
                return Ok(None);
            }
            return Ok(Some(Instant::now()));
        }
        if plan.storm {
            return Ok(None);
        }
        if plan.sessions_per_device.is_some_and(|n| slot.ran >= n) {
            return Ok(None);
        }
        let interval = self.session(slot);
        slot.ran += 1;
        slot.sessions += 1;
        if plan.churn > 0.0
            && unit(mix(&[
                self.config.seed,
                slot.index as u64,
                slot.sessions,
                CHURN,
            ])) < plan.churn
        {
            self.unenroll(slot);
        }
        self.save(slot)?;
        if plan.sessions_per_device.is_some_and(|n| slot.ran >= n) && slot.enrolled {
            return Ok(None);
        }
        let now = Instant::now();
        Ok(Some(match plan.pacing {
            Pacing::Poll { time_scale, jitter } => {
                let base = f64::from(interval.unwrap_or(crate::poll::SCHEDULE_END_MINUTES)) * 60.0
                    / time_scale.max(1e-9);
                let roll = unit(mix(&[
                    self.config.seed,
                    slot.index as u64,
                    slot.sessions,
                    JITTER,
                ]));
                let factor = 1.0 + jitter.clamp(0.0, 1.0) * (2.0 * roll - 1.0);
                now + Duration::from_secs_f64((base * factor).max(0.0))
            }
            Pacing::BackToBack | Pacing::Rate(_) => now,
        }))
    }

    fn enroll(&self, slot: &mut Slot) {
        let started = Instant::now();
        let key = slot.key.take().or_else(|| self.keys.key_for(slot.index));
        let result = (|| -> Result<(), String> {
            let device = state::device_info(&mut slot.store).map_err(|e| format!("state: {e}"))?;
            let request = EnrollRequest {
                server: self.config.server.clone(),
                user: self.config.user.clone(),
                credential: self.config.credential.clone(),
                device,
                extra_ca_pem: self.config.extra_ca_pem.clone(),
            };
            let options = EnrollOptions {
                transport: self.config.transport.clone(),
                probe: true,
                system_roots: self.config.system_roots,
                key,
                exchanges: self.exchanges_of(slot.index),
            };
            let enrollment = enroll(&request, options).map_err(|e| e.to_string())?;
            let store = &mut slot.store;
            store.begin().map_err(|e| format!("state: {e}"))?;
            if let Err(e) = state::save_enrollment(store, &enrollment) {
                let _ = store.rollback();
                return Err(format!("state: {e}"));
            }
            store.commit().map_err(|e| format!("state: {e}"))
        })();
        let elapsed = started.elapsed();
        let mut summary = lock(self.summary);
        match result {
            Ok(()) => {
                slot.enrolled = true;
                summary.enrollments += 1;
                summary.enroll_latency.record(elapsed);
                summary
                    .timeline
                    .entry(self.second())
                    .or_default()
                    .enrollments += 1;
                drop(summary);
                self.observe(&Event::Enrolled {
                    device: slot.index,
                    elapsed,
                });
            }
            Err(detail) => {
                slot.failed = true;
                summary.enrollment_failures += 1;
                summary.error(format!("enroll: {detail}"), slot.index);
                drop(summary);
                self.observe(&Event::EnrollFailed {
                    device: slot.index,
                    detail: &detail,
                });
            }
        }
    }

    /// Runs one session; the minutes its poll schedule says to wait next.
    fn session(&self, slot: &mut Slot) -> Option<u32> {
        let faults = SessionFaults::new(
            &self.config.faults,
            self.config.seed,
            slot.index,
            slot.sessions,
        );
        let trace = self
            .hooks
            .trace
            .and_then(|(device, trace)| (device == slot.index).then_some(trace));
        let hook = (!self.config.faults.is_empty()).then_some(&faults as &dyn FaultHook);
        let (result, poll) = self.run_session(slot, trace, hook);
        let fired = faults.fired();
        let mut summary = lock(self.summary);
        for rule in &fired {
            *summary
                .faults
                .entry(self.config.faults[*rule].text.clone())
                .or_default() += 1;
        }
        let outcome = match result {
            Ok(report) => {
                summary.sessions += 1;
                summary.session_latency.record(report.elapsed);
                summary.timeline.entry(self.second()).or_default().sessions += 1;
                for code in &report.sent_statuses {
                    *summary.statuses_sent.entry(*code).or_default() += 1;
                }
                for code in &report.received_statuses {
                    *summary.statuses_received.entry(*code).or_default() += 1;
                }
                Ok(report)
            }
            Err(e) => {
                let detail = e.to_string();
                summary.session_failures += 1;
                summary.error(format!("session: {detail}"), slot.index);
                Err((e.kind(), detail))
            }
        };
        drop(summary);
        for rule in &fired {
            self.observe(&Event::Fault {
                device: slot.index,
                rule: &self.config.faults[*rule].text,
            });
        }
        match &outcome {
            Ok(report) => self.observe(&Event::Synced {
                device: slot.index,
                report,
            }),
            Err((kind, detail)) => self.observe(&Event::SyncFailed {
                device: slot.index,
                kind,
                detail,
            }),
        }
        let poll = match poll {
            Some(poll) => poll,
            // The session's commands may have changed the schedule.
            None => *state::load_enrollment(&slot.store).ok().flatten()?.poll(),
        };
        poll_interval(&poll, slot.ran)
    }

    /// One session with the device's kept client (made first when it has none or its
    /// connection was closed, resuming its TLS session; anew each time without reuse); with
    /// the poll schedule when the session ran no command (so it is the enrollment's still).
    fn run_session(
        &self,
        slot: &mut Slot,
        trace: Option<&Trace>,
        faults: Option<&dyn FaultHook>,
    ) -> (Result<SessionReport, SessionError>, Option<PollSchedule>) {
        let mut poll = None;
        let result = self.try_session(slot, trace, faults, &mut poll);
        let unchanged = result.as_ref().is_ok_and(|r| r.commands.is_empty());
        (result, poll.filter(|_| unchanged))
    }

    fn try_session(
        &self,
        slot: &mut Slot,
        trace: Option<&Trace>,
        faults: Option<&dyn FaultHook>,
        poll: &mut Option<PollSchedule>,
    ) -> Result<SessionReport, SessionError> {
        let engine = state::engine_for(&self.config.base, &mut slot.store)?;
        let enrollment = state::load_enrollment(&slot.store)?.ok_or(SessionError::NotEnrolled)?;
        *poll = Some(*enrollment.poll());
        let reuse = self.config.reuse_connections;
        let kept = if reuse {
            self.connections.take(slot.index)
        } else {
            None
        };
        let transport = match kept {
            Some(transport) => transport,
            None => {
                let tls = match slot.tls.as_ref().filter(|_| reuse) {
                    Some(tls) => tls.clone(),
                    None => TlsClient::sharing(
                        &enrollment.trust()?,
                        &enrollment.client_identity()?,
                        self.signing_keys,
                    )?,
                };
                let transport = Transport::with_tls(self.config.transport.clone(), &tls)
                    .observed(self.exchanges_of(slot.index));
                if reuse {
                    slot.tls = Some(tls);
                }
                transport
            }
        };
        let session_id = state::next_session_id(&mut slot.store)?;
        let result = Session {
            enrollment: &enrollment,
            transport: &transport,
            engine: &engine,
            session_id,
            alerts: Vec::new(),
            config: SessionConfig::default(),
            trace,
            faults,
        }
        .run(&mut slot.store);
        if reuse {
            self.connections.put(slot.index, transport);
        }
        result
    }

    /// Tells the server (alert 1226, best effort) and forgets the enrollment.
    fn unenroll(&self, slot: &mut Slot) {
        let Ok(Some(enrollment)) = state::load_enrollment(&slot.store) else {
            return;
        };
        if let Ok(engine) = state::engine_for(&self.config.base, &mut slot.store) {
            let _ = sync(
                &mut slot.store,
                &engine,
                &SyncOptions {
                    transport: self.config.transport.clone(),
                    alerts: vec![unenroll_alert()],
                    ..SyncOptions::default()
                },
            );
        }
        let store = &mut slot.store;
        if store.begin().is_err() {
            return;
        }
        if state::forget_enrollment(store).is_err() || store.commit().is_err() {
            let _ = store.rollback();
            return;
        }
        slot.key = enrollment.key().ok();
        slot.enrolled = false;
        slot.tls = None;
        drop(self.connections.take(slot.index));
        lock(self.summary).unenrollments += 1;
        self.observe(&Event::Unenrolled { device: slot.index });
    }

    fn save(&self, slot: &Slot) -> Result<(), FleetStateError> {
        let Some(state) = self.state else {
            return Ok(());
        };
        state.save(
            slot.index,
            &DeviceRow {
                device_id: slot.device_id.clone(),
                enrolled: slot.enrolled,
                sessions: slot.sessions,
                image: slot.store.image()?,
            },
        )
    }

    fn exchanges_of(&self, device: usize) -> Option<ExchangeObserver> {
        self.hooks
            .exchanges
            .and_then(|(d, observer)| (d == device).then(|| observer.clone()))
    }

    fn second(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    fn observe(&self, event: &Event<'_>) {
        if let Some(observe) = self.hooks.observe {
            observe(event);
        }
    }
}

fn load_slot(
    config: &FleetConfig,
    state: Option<&FleetState>,
    index: usize,
) -> Result<Slot, FleetStateError> {
    let device_id = device_id(config.seed, index);
    let row = match state {
        Some(state) => state.load(index)?,
        None => None,
    };
    let (store, enrolled, sessions) = match row {
        Some(row) if row.device_id == device_id => (
            DeviceStore::from_image(&row.image)?,
            row.enrolled,
            row.sessions,
        ),
        Some(_) => {
            return Err(FleetStateError::Damaged(
                "a device's DeviceID is not its seed's",
            ));
        }
        None => {
            let mut store = DeviceStore::from_image(&DeviceImage::default())?;
            store.begin()?;
            store.set_property(pfw_devinfo::DEVICE_ID_PROPERTY, Some(&device_id))?;
            store.commit()?;
            (store, false, 0)
        }
    };
    Ok(Slot {
        index,
        device_id,
        store,
        enrolled,
        sessions,
        ran: 0,
        key: None,
        failed: false,
        tls: None,
    })
}

/// Runs `work` on `threads` threads (at least one), each until its `work` says there is
/// nothing left (`Ok(false)`) or fails; once one has failed the others stop at their next
/// turn (`work` is given a look at that, for its waits). The first failure is returned.
fn on_threads<E: Send>(
    threads: usize,
    work: impl Fn(&dyn Fn() -> bool) -> Result<bool, E> + Sync,
) -> Result<(), E> {
    let failure: Mutex<Option<E>> = Mutex::new(None);
    let failed = || lock(&failure).is_some();
    thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while !failed() {
                    match work(&failed) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    into_inner(failure).map_or(Ok(()), Err)
}

/// Sleeps until `due`, waking to look at `stopped`; false when stopped.
fn sleep_until(due: Instant, stopped: &dyn Fn() -> bool) -> bool {
    loop {
        if stopped() {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        thread::sleep((due - now).min(Duration::from_millis(50)));
    }
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

fn cached_key(names: &str, index: usize, cache: Option<&Path>) -> Result<DeviceKey, KeyError> {
    let Some(dir) = cache else {
        return DeviceKey::generate(KEY_BITS);
    };
    let path = dir.join(format!("{names}-{index:05}.key"));
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

fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Size of the devices' keys (what the test server's policy and Windows's default ask).
const KEY_BITS: u32 = 2048;
/// Dice domains, so that churn and jitter never roll the same number.
const CHURN: u64 = 0x0063_6875_726e;
const JITTER: u64 = 0x6a69_7474_6572;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_the_fleet() {
        let mut all: Vec<usize> = (0..3)
            .flat_map(|k| Shard { index: k, count: 3 }.devices(10))
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(Shard::parse("1/3"), Some(Shard { index: 1, count: 3 }));
        assert_eq!(Shard::parse("3/3"), None);
        assert_eq!(Shard::parse("0/0"), None);
        assert_eq!(
            Shard::from_index_env(Some("2"), 4),
            Some(Shard { index: 2, count: 4 })
        );
        assert_eq!(Shard::from_index_env(Some("4"), 4), None);
        assert_eq!(Shard::from_index_env(None, 4), None);
    }

    #[test]
    fn identities_derive_from_seed_and_index() {
        assert_eq!(device_id(1, 5), device_id(1, 5));
        assert_ne!(device_id(1, 5), device_id(1, 6));
        assert_ne!(device_id(1, 5), device_id(2, 5));
        assert!(crate::DeviceId::parse(&device_id(9, 0)).is_ok());
    }
}
