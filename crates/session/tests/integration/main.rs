//! Integration tests of pfw-session against its HTTPS test server: enrollment end to end,
//! hostile replies, the transport's limits, and provisioning documents.

mod enroll;
mod fleet;
mod hostile;
mod provisioning;
mod robustness;
mod session;
mod support;
mod transport;
