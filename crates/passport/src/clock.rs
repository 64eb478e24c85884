//! Where the current time comes from.
//!
//! Everything in this crate that depends on time (when a PIN was set, whether it has expired)
//! takes an explicit `now` in Unix seconds; callers get it from a [`Clock`]. [`SystemClock`]
//! reads the system time, [`FixedClock`] always answers the same instant, for tests and
//! reproducible runs.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time, in seconds since the Unix epoch.
pub trait Clock {
    /// The current time, in seconds since 1970-01-01T00:00:00Z (negative before it).
    fn now(&self) -> i64;
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs())
                .map(|secs| -secs)
                .unwrap_or(i64::MIN),
        }
    }
}

/// A clock stopped at one instant (Unix seconds).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_answers_its_instant() {
        assert_eq!(FixedClock(1_700_000_000).now(), 1_700_000_000);
        let by_ref: &dyn Clock = &FixedClock(-5);
        assert_eq!(by_ref.now(), -5);
    }

    #[test]
    fn system_clock_is_after_this_code_was_written() {
        // 2024-01-01T00:00:00Z: any machine running this test is later than that.
        assert!(SystemClock.now() > 1_704_067_200);
    }
}
