//! `Schema::load` over arbitrary bytes never panics; a schema that loads can be walked, and
//! every `RegEx` pattern it holds (compiled at load, within the pattern bounds) matches
//! without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_ddf::{AllowedKind, Schema};

fuzz_target!(|data: &[u8]| {
    if let Ok(schema) = Schema::load(data) {
        for (_, node) in schema.walk() {
            if let Some(AllowedKind::RegEx(pattern)) = node.allowed.as_ref().map(|a| &a.kind) {
                assert!(pattern.memory() <= pfw_ddf::load::MAX_PATTERN_BYTES);
                let _ = pattern.is_match(pattern.source());
            }
        }
    }
});
