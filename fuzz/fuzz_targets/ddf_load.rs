//! `Schema::load` over arbitrary bytes never panics; a schema that loads can be walked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_ddf::Schema;

fuzz_target!(|data: &[u8]| {
    if let Ok(schema) = Schema::load(data) {
        let _ = schema.walk();
    }
});
