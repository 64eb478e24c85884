//! What the test modules share: the samples, readers, a policy for a set of files, test files built from the facts.

use pfw_passport::policy::{EffectivePolicy, TenantChoice, resolve};
use pfw_sources::{ReadOptions, Source, combine, read};

/// The tenant of the tests.
pub(crate) const T: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";

/// A sample of `../shared/reference/samples/` (test data, read at test time).
pub(crate) fn sample(name: &str) -> Vec<u8> {
    let path = pfw_testdata::shared(&format!("reference/samples/{name}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads the sample `path` (below `../shared/reference/samples/`) as a file named `name`.
#[track_caller]
pub(crate) fn read_sample(name: &str, path: &str) -> Source {
    must_read(name, &sample(path))
}

/// Reads a file that must read.
#[track_caller]
pub(crate) fn must_read(name: &str, bytes: &[u8]) -> Source {
    read(name, bytes, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The policy in force for a set of files, with [`T`] as the tenant.
pub(crate) fn policy_of(files: &[Source]) -> EffectivePolicy {
    let combined = combine(files, Some(T));
    resolve(
        &combined.sources,
        &TenantChoice {
            override_tenant: Some(T.to_owned()),
            device_tenant: None,
        },
        None,
    )
    .expect("a tenant is chosen")
}

/// A custom OMA-URI profile (the form every other format is compared against).
pub(crate) fn oma(settings: &[(&str, &str, &str)]) -> Vec<u8> {
    let items: Vec<String> = settings
        .iter()
        .map(|(ty, uri, value)| {
            format!(
                r##"{{"@odata.type":"#microsoft.graph.omaSetting{ty}","displayName":"s","omaUri":"{uri}","value":{value}}}"##
            )
        })
        .collect();
    format!(
        r##"{{"@odata.type":"#microsoft.graph.windows10CustomConfiguration","displayName":"oma","omaSettings":[{}]}}"##,
        items.join(",")
    )
    .into_bytes()
}

/// UTF-16LE with a byte-order mark, as regedit and Graph exports write.
pub(crate) fn utf16(text: &str) -> Vec<u8> {
    pfw_testdata::utf16(text)
}

/// A PReg file, as `samples/gpo/make_pol.py` builds one.
pub(crate) fn pol(entries: &[(&str, &str, u32, Vec<u8>)]) -> Vec<u8> {
    pfw_testdata::pol(entries)
}
