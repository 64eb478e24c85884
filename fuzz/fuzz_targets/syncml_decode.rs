//! `SyncMl::decode` over arbitrary bytes never panics, under the default limits and under
//! tight ones (so every limit's refusal path is reached with small inputs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_syncml::{Limits, SyncMl};

/// Limits small enough for the fuzzer to pass each of them.
const TIGHT: Limits = Limits {
    max_message_bytes: 2048,
    max_depth: 6,
    max_commands: 4,
    max_items: 4,
    max_text_bytes: 64,
    max_uri_bytes: 32,
    max_segment_bytes: 8,
    max_value_bytes: 16,
    max_nodes_per_tree: 8,
    max_response_bytes: 4096,
    max_nodes_visited: 16,
};

fuzz_target!(|data: &[u8]| {
    let _ = SyncMl::decode(data, &Limits::DEFAULT);
    let _ = SyncMl::decode(data, &TIGHT);
});
