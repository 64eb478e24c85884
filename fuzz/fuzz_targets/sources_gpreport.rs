//! A GPO report over arbitrary XML (inside a recognised root) never panics; one that reads
//! combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"<GPO xmlns=\"http://www.microsoft.com/GroupPolicy/Settings\">".to_vec();
    bytes.extend_from_slice(data);
    pfw_fuzz::read_combine_resolve("gpreport.xml", &bytes);
});
