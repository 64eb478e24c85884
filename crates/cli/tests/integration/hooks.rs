//! The binary under test has the test hooks: `cargo test` builds it with the `test-hooks`
//! feature (pfw-cli's dev-dependency on itself). Without them the tests relying on a fixed
//! clock, failpoints or cheap hashes would not test what they claim; `.ci/release-hooks.sh`
//! checks the other side, a release build without them.

use pfw_passport::state::pin_record;
use pfw_tree::SqliteStore;

use crate::support::TestDevice;

#[test]
fn the_binary_under_test_reads_the_test_hooks() {
    let device = TestDevice::new();
    let run = crate::support::Run::from(
        device
            .cmd()
            .env("PFW_NOW", "1000")
            .args(["pin", "set", "--user", "alice"])
            .write_stdin("24681357\n")
            .output()
            .expect("pfw runs"),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let store = SqliteStore::open(device.state()).expect("the state opens");
    let record = pin_record(&store, "alice").expect("readable").expect("set");
    // TestDevice::cmd sets PFW_ARGON2_TEST_PARAMS=1: argon2's minimum.
    assert!(
        record
            .hash()
            .as_str()
            .starts_with("$argon2id$v=19$m=8,t=1,p=1$"),
        "{}",
        record.hash().as_str()
    );
    assert_eq!(record.set_at(), 1000, "PFW_NOW fixes the clock");
}
