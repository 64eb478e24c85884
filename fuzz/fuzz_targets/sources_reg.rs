//! A .reg export over arbitrary text (after its header line) never panics; one that reads
//! combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"Windows Registry Editor Version 5.00\r\n".to_vec();
    bytes.extend_from_slice(data);
    pfw_fuzz::read_combine_resolve("export.reg", &bytes);
});
