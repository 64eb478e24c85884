//! Any bytes as an Intune export (or any other source: the kind is decided by the content)
//! never panic; a file that reads combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pfw_fuzz::read_combine_resolve("export.json", data);
});
