//! `ProvisioningDoc::parse` (the WAP provisioning document an enrollment server returns) over
//! arbitrary bytes never panics. The device key is fixed bytes: the parse must cope with a
//! key it cannot read as well as with documents whose certificates are garbage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_session::ProvisioningDoc;

fuzz_target!(|data: &[u8]| {
    let _ = ProvisioningDoc::parse(data, b"not a SubjectPublicKeyInfo");
});
