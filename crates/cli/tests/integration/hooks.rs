//! The binary under test has the test hooks: `cargo test` builds it with the `test-hooks`
//! feature (pfw-cli's dev-dependency on itself). Without them the tests relying on a fixed
//! clock, failpoints or cheap hashes would not test what they claim; `.ci/release-hooks.sh`
//! checks the other side, a release build without them.

use crate::support::{TestDevice, assert_argon2id};

#[test]
fn the_binary_under_test_reads_the_test_hooks() {
    let device = TestDevice::new();
    let mut cmd = device.cmd();
    cmd.env("PFW_NOW", "1000");
    let record = device.set_pin_with(cmd);
    // TestDevice::cmd sets PFW_ARGON2_TEST_PARAMS=1: argon2's minimum.
    assert_argon2id(&record, "m=8,t=1,p=1");
    assert_eq!(record.set_at(), 1000, "PFW_NOW fixes the clock");
}
