//! `Schema::load` over arbitrary bytes never panics; a schema that loads can be walked, and
//! every `RegEx` pattern it holds compiles or is refused without a panic (patterns compile on
//! first use, so the target asks for each).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_ddf::{AllowedKind, Schema};

fuzz_target!(|data: &[u8]| {
    if let Ok(schema) = Schema::load(data) {
        for (_, node) in schema.walk() {
            if let Some(AllowedKind::RegEx(pattern)) = node.allowed.as_ref().map(|a| &a.kind) {
                let _ = pattern.regex();
            }
        }
    }
});
