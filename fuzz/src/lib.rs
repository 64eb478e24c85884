//! What several fuzz targets do with an input once it is in shape.

/// Reads `bytes` as the policy source file `name`; when it reads, combines and resolves it.
/// Nothing of it may panic.
pub fn read_combine_resolve(name: &str, bytes: &[u8]) {
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
