//! A Registry.pol over arbitrary bytes (after a valid header) never panics nor allocates more
//! than its own size; a file that reads combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"PReg\x01\x00\x00\x00".to_vec();
    bytes.extend_from_slice(data);
    check("Machine/Registry.pol", &bytes);
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
