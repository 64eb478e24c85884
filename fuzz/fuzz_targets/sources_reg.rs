//! A .reg export over arbitrary text (after its header line) never panics; one that reads
//! combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"Windows Registry Editor Version 5.00\r\n".to_vec();
    bytes.extend_from_slice(data);
    check("export.reg", &bytes);
});

/// Reads `bytes`; when it reads, combines and resolves it (nothing may panic).
fn check(name: &str, bytes: &[u8]) {
    let Ok(source) = pfw_sources::read(name, bytes, &pfw_sources::ReadOptions::default()) else {
        return;
    };
    let combined = pfw_sources::combine(&[source], None);
    let _ = pfw_passport::policy::resolve(
        &combined.sources,
        &pfw_passport::policy::TenantChoice::default(),
        None,
    );
}
