//! A Registry.pol over arbitrary bytes (after a valid header) never panics nor allocates more
//! than its own size; a file that reads combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"PReg\x01\x00\x00\x00".to_vec();
    bytes.extend_from_slice(data);
    pfw_fuzz::read_combine_resolve("Machine/Registry.pol", &bytes);
});
