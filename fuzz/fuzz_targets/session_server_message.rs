//! `read_server_message` (an MDM server's SyncML package in a management session) over
//! arbitrary bytes never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_session::mdm::message::{Addressing, read_server_message};
use pfw_syncml::Limits;

fuzz_target!(|data: &[u8]| {
    let addressing = Addressing {
        session_id: "1".to_owned(),
        server: "https://mdm.example.invalid/ManagementServer/MDM.svc".to_owned(),
        device_id: "0123456789ABCDEF0123456789ABCDEF".to_owned(),
    };
    let _ = read_server_message(data, &addressing, 1, &Limits::DEFAULT);
});
