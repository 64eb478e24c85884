//! `Enrollment::from_json` (the enrollment record kept on disk) and `DeviceId::parse` over
//! arbitrary text never panic; a record that reads writes back to JSON that reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_session::{DeviceId, Enrollment};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = DeviceId::parse(text);
    if let Ok(record) = Enrollment::from_json(text) {
        let _ = record.key();
        if let Ok(json) = record.to_json() {
            let again = Enrollment::from_json(&json).expect("a written record reads back");
            assert_eq!(again.to_json().ok(), Some(json), "the record round-trips");
        }
    }
});
