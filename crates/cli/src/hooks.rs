//! Test hooks: the switches the end-to-end tests need (cheap argon2 parameters, a fixed
//! clock, failpoints, a short poll-schedule minute). They are read from the environment only
//! when pfw is built with the `test-hooks` feature, which `cargo test` enables; a plain or
//! release build has none of them, so no variable set around it can weaken its PIN hashes,
//! move its clock or abort it midway.

use std::time::Duration;

use pfw_passport::pin::HashParams;
use pfw_passport::{Clock, SystemClock};

use crate::error::CliError;

/// The argon2id parameters new PIN hashes are made with: OWASP's, or with the test hooks and
/// `PFW_ARGON2_TEST_PARAMS=1`, argon2's minimum.
pub(crate) fn hash_params() -> HashParams {
    #[cfg(feature = "test-hooks")]
    if std::env::var_os("PFW_ARGON2_TEST_PARAMS").is_some_and(|v| v == "1") {
        return HashParams::TESTING;
    }
    HashParams::PRODUCTION
}

/// The clock: the system's, or with the test hooks and `PFW_NOW` (Unix seconds), fixed.
pub(crate) fn clock() -> Result<Box<dyn Clock>, CliError> {
    #[cfg(feature = "test-hooks")]
    if let Ok(text) = std::env::var("PFW_NOW") {
        let secs: i64 = text
            .trim()
            .parse()
            .map_err(|_| CliError::Usage(format!("PFW_NOW must be Unix seconds, got {text:?}")))?;
        return Ok(Box::new(pfw_passport::FixedClock(secs)));
    }
    Ok(Box::new(SystemClock))
}

/// The stage at which `pfw apply` aborts: none, or with the test hooks the one
/// `PFW_FAILPOINT` names (`after-decode`, `mid-transaction`, `before-commit`,
/// `after-commit`), for crash tests.
pub(crate) fn failpoint() -> Option<String> {
    #[cfg(feature = "test-hooks")]
    if let Ok(name) = std::env::var("PFW_FAILPOINT") {
        return Some(name);
    }
    None
}

/// How long a poll-schedule minute lasts: a minute, or with the test hooks
/// `PFW_POLL_MINUTE_MS` milliseconds.
pub(crate) fn poll_minute() -> Duration {
    #[cfg(feature = "test-hooks")]
    if let Some(ms) = std::env::var("PFW_POLL_MINUTE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        return Duration::from_millis(ms);
    }
    Duration::from_secs(60)
}
