//! End-to-end tests of the `pfw` binary: the published example messages, the example profile,
//! the state across processes, concurrent processes, crash safety, the state file's hygiene,
//! the emulated device, and the policy and PINs in force.

mod concurrency;
// Signals, exit statuses and file modes: Unix only.
#[cfg(unix)]
mod crash;
mod device;
mod explain_json;
mod gpo;
mod hooks;
mod hostile;
#[cfg(unix)]
mod hygiene;
mod json;
mod lint;
mod pin;
mod pipes;
mod policy;
mod printing;
mod processes;
mod profile;
mod seeds;
mod session;
mod sources;
mod support;
mod whole_device;
