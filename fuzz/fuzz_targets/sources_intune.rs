//! Any bytes as an Intune export (or any other source: the kind is decided by the content)
//! never panic; a file that reads combines and resolves.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check("export.json", data);
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
