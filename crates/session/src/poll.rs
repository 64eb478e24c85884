//! `pfw sync --poll`: sessions on the schedule the server set in the enrollment's DMClient
//! values, until told to stop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pfw_engine::Engine;
use pfw_tree::Store;

use crate::mdm::{SessionReport, SyncOptions, poll_interval, sync};
use crate::{PollSchedule, SessionError};

/// Minutes between sessions once the server's schedule has ended (undefined in MS-MDE2):
/// daily.
pub const SCHEDULE_END_MINUTES: u32 = 1440;
/// How often a wait between sessions looks at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// How a poll runs.
#[derive(Clone, Copy, Debug)]
pub struct PollConfig<'a> {
    /// The server's schedule (the enrollment's `Poll` values).
    pub schedule: &'a PollSchedule,
    /// How long one minute of the schedule lasts (a minute outside tests).
    pub minute: Duration,
    /// Set (by a signal handler, say) to stop: looked at between sessions and while waiting,
    /// never during a session.
    pub stop: &'a AtomicBool,
}

/// Runs a session now, then one after each interval of the schedule, until `config.stop` is
/// set. Each session's outcome goes to `each`: a failed session does not end the poll (Windows
/// retries on schedule); an error `each` returns does, and is returned.
pub fn poll<E>(
    store: &mut dyn Store,
    engine: &Engine,
    options: &SyncOptions<'_>,
    config: &PollConfig<'_>,
    mut each: impl FnMut(Result<SessionReport, SessionError>) -> Result<(), E>,
) -> Result<(), E> {
    let mut index = 0u64;
    while !config.stop.load(Ordering::SeqCst) {
        each(sync(store, engine, options))?;
        let minutes = poll_interval(config.schedule, index).unwrap_or(SCHEDULE_END_MINUTES);
        index += 1;
        let until = Instant::now() + config.minute * minutes;
        while Instant::now() < until && !config.stop.load(Ordering::SeqCst) {
            std::thread::sleep(STOP_CHECK.min(until.saturating_duration_since(Instant::now())));
        }
    }
    Ok(())
}
