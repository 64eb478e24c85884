//! What a fleet run did, as a [`Summary`] that adds up: counts, statuses by code, errors by
//! their detail with the devices they hit, faults fired, latency [`Histogram`]s and a
//! per-second timeline. Summaries of the shards of one fleet [`Summary::merge`] into the
//! summary of the whole fleet (`pfw fleet report`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Latency samples in log-spaced buckets (eight per doubling, so a percentile is within
/// 9 % above the true value), with the exact count, sum, minimum and maximum. Histograms add
/// up, unlike percentiles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Samples.
    pub count: u64,
    /// Sum of the samples, microseconds.
    pub sum_us: u64,
    /// Smallest sample, microseconds (0 when there is none).
    pub min_us: u64,
    /// Largest sample, microseconds.
    pub max_us: u64,
    /// Bucket index → samples; bucket `i` holds values up to 2^((i+1)/8) µs.
    pub buckets: BTreeMap<u32, u64>,
}

impl Histogram {
    /// Adds one sample.
    pub fn record(&mut self, value: Duration) {
        let us = u64::try_from(value.as_micros()).unwrap_or(u64::MAX).max(1);
        self.min_us = if self.count == 0 {
            us
        } else {
            self.min_us.min(us)
        };
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
        self.max_us = self.max_us.max(us);
        *self.buckets.entry(bucket_of(us)).or_default() += 1;
    }

    /// Adds another histogram's samples.
    pub fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        self.min_us = if self.count == 0 {
            other.min_us
        } else {
            self.min_us.min(other.min_us)
        };
        self.count += other.count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.max_us = self.max_us.max(other.max_us);
        for (bucket, n) in &other.buckets {
            *self.buckets.entry(*bucket).or_default() += n;
        }
    }

    /// The `p`-th percentile (nearest rank, 0 < p ≤ 100): the upper bound of its bucket,
    /// within the minimum and maximum; `None` without samples.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                let upper = 2f64.powf(f64::from(bucket + 1) / 8.0) as u64;
                return Some(Duration::from_micros(upper.clamp(self.min_us, self.max_us)));
            }
        }
        Some(Duration::from_micros(self.max_us))
    }

    /// The mean; `None` without samples.
    pub fn mean(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.sum_us / self.count))
    }

    /// The largest sample; `None` without samples.
    pub fn max(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.max_us))
    }
}

/// One kind of failure: how often, and the first devices it hit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// How many times.
    pub count: u64,
    /// The devices it hit (indexes, sorted, at most [`MAX_LISTED_DEVICES`]).
    pub devices: Vec<usize>,
}

impl ErrorEntry {
    fn add_device(&mut self, device: usize) {
        if let Err(at) = self.devices.binary_search(&device) {
            self.devices.insert(at, device);
            self.devices.truncate(MAX_LISTED_DEVICES);
        }
    }
}

/// What happened in one second of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Second {
    /// Sessions completed.
    pub sessions: u64,
    /// Enrollments completed.
    pub enrollments: u64,
}

/// What a fleet run (or several shards of it, merged) did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The fleet's seed.
    pub seed: u64,
    /// The fleet's size (every shard's devices).
    pub fleet_devices: u64,
    /// The shards summed here, `K/N` each.
    pub shards: Vec<String>,
    /// Devices run here.
    pub devices: u64,
    /// Wall time of the run, seconds (keys excluded); the longest shard's when merged.
    pub elapsed_s: f64,
    /// Enrollments that succeeded.
    pub enrollments: u64,
    /// Enrollments that failed.
    pub enrollment_failures: u64,
    /// Devices that were already enrolled (from the state file) and skipped enrollment.
    pub already_enrolled: u64,
    /// Sessions that completed.
    pub sessions: u64,
    /// Sessions that failed (faults injected on purpose included).
    pub session_failures: u64,
    /// Devices that unenrolled (churn).
    pub unenrollments: u64,
    /// Enrollment latency.
    pub enroll_latency: Histogram,
    /// Session latency (completed sessions).
    pub session_latency: Histogram,
    /// Status codes the devices sent, with counts.
    pub statuses_sent: BTreeMap<u16, u64>,
    /// Status codes the server sent, with counts.
    pub statuses_received: BTreeMap<u16, u64>,
    /// Failures by `step: detail`, the detail as the single-device commands print it.
    pub errors: BTreeMap<String, ErrorEntry>,
    /// Fault rules that fired (as written), with counts.
    pub faults: BTreeMap<String, u64>,
    /// Second of the run (from its start) → what completed in it.
    pub timeline: BTreeMap<u64, Second>,
}

impl Summary {
    /// Adds a shard's summary.
    pub fn merge(&mut self, other: &Self) {
        if self.shards.is_empty() && self.devices == 0 {
            self.seed = other.seed;
        }
        self.fleet_devices = self.fleet_devices.max(other.fleet_devices);
        self.shards.extend(other.shards.iter().cloned());
        self.shards.sort();
        self.devices += other.devices;
        self.elapsed_s = self.elapsed_s.max(other.elapsed_s);
        self.enrollments += other.enrollments;
        self.enrollment_failures += other.enrollment_failures;
        self.already_enrolled += other.already_enrolled;
        self.sessions += other.sessions;
        self.session_failures += other.session_failures;
        self.unenrollments += other.unenrollments;
        self.enroll_latency.merge(&other.enroll_latency);
        self.session_latency.merge(&other.session_latency);
        add_counts(&mut self.statuses_sent, &other.statuses_sent);
        add_counts(&mut self.statuses_received, &other.statuses_received);
        for (kind, entry) in &other.errors {
            let mine = self.errors.entry(kind.clone()).or_default();
            mine.count += entry.count;
            for device in &entry.devices {
                mine.add_device(*device);
            }
        }
        for (rule, n) in &other.faults {
            *self.faults.entry(rule.clone()).or_default() += n;
        }
        for (second, s) in &other.timeline {
            let mine = self.timeline.entry(*second).or_default();
            mine.sessions += s.sessions;
            mine.enrollments += s.enrollments;
        }
    }

    /// Records a failure of `device`.
    pub fn error(&mut self, kind: String, device: usize) {
        let entry = self.errors.entry(kind).or_default();
        entry.count += 1;
        entry.add_device(device);
    }

    /// Completed sessions per second of wall time.
    pub fn sessions_per_second(&self) -> f64 {
        per_second(self.sessions, self.elapsed_s)
    }

    /// Completed enrollments per second of wall time.
    pub fn enrollments_per_second(&self) -> f64 {
        per_second(self.enrollments, self.elapsed_s)
    }

    /// Whether anything failed.
    pub fn has_failures(&self) -> bool {
        self.enrollment_failures + self.session_failures > 0
    }
}

fn per_second(n: u64, secs: f64) -> f64 {
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

fn add_counts(into: &mut BTreeMap<u16, u64>, from: &BTreeMap<u16, u64>) {
    for (code, n) in from {
        *into.entry(*code).or_default() += n;
    }
}

fn bucket_of(us: u64) -> u32 {
    // log2 of a u64 is below 64, so eight times it fits a u32.
    ((us as f64).log2() * 8.0).floor().max(0.0) as u32
}

/// Most devices listed per kind of failure.
pub const MAX_LISTED_DEVICES: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_close_and_absent_without_samples() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(50.0), None);
        assert_eq!(h.mean(), None);
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.percentile(50.0).unwrap().as_secs_f64() * 1000.0;
        assert!((50.0..=50.0 * 1.1).contains(&p50), "{p50}");
        let p99 = h.percentile(99.0).unwrap().as_secs_f64() * 1000.0;
        assert!((99.0..=100.0).contains(&p99), "{p99}");
        assert_eq!(h.max(), Some(Duration::from_millis(100)));
        assert_eq!(h.mean(), Some(Duration::from_micros(50_500)));
    }

    #[test]
    fn merged_histograms_equal_one_histogram_of_all_samples() {
        let (mut a, mut b, mut all) = (
            Histogram::default(),
            Histogram::default(),
            Histogram::default(),
        );
        for ms in 1..=60u64 {
            let d = Duration::from_micros(ms * 1375);
            if ms % 3 == 0 {
                a.record(d)
            } else {
                b.record(d)
            }
            all.record(d);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }
}
