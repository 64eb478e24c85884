//! The test server on its own, for trying `pfw enroll`, `pfw sync` and `pfw fleet` by hand
//! and for load runs: MS-MDE2 enrollment (OnPremise, user `demo@example.com`, password
//! `demo-password`) and an MDM side that reads a device's DevDetail values in its first
//! package and sends the repository's example Windows Hello profile in its second.
//!
//! ```text
//! cargo run --release -p pfw-session --features testserver --example test-server -- \
//!     --ca-out /tmp/pfw-ca.pem --seconds 600
//! ```
//!
//! It prints its URL, writes its CA certificate (PEM) where `--ca-out` says, and stops by
//! itself after `--seconds` (default 600), printing how many sessions it saw and the checks
//! devices failed.

use std::time::Duration;

use pfw_session::testserver::mdm::{MdmConfig, MdmServer};
use pfw_session::testserver::{TestServer, TestServerConfig};
use pfw_syncml::{Limits, SyncMl};

const PROFILE: &str = include_str!("../../../examples/windows-hello-profile.xml");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut ca_out = None;
    let mut seconds = 600u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca-out" => ca_out = args.next(),
            "--seconds" => seconds = args.next().ok_or("--seconds needs a value")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let server = TestServer::start(TestServerConfig::default())?;
    let gets = SyncMl::decode(
        br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
        <Get><CmdID>1</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>
        <Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/Ext/Microsoft/OSPlatform</LocURI></Target></Item></Get>
        <Get><CmdID>3</CmdID><Item><Target><LocURI>./DevDetail/Ext/Microsoft/LocalTime</LocURI></Target></Item></Get>
        </SyncBody></SyncML>"#,
        &Limits::DEFAULT,
    )?;
    let profile = SyncMl::decode(PROFILE.as_bytes(), &Limits::DEFAULT)?;
    let mdm = MdmServer::new(
        MdmConfig {
            script: vec![gets.body.commands, profile.body.commands],
            require_client_cert: true,
            ..MdmConfig::default()
        },
        server.management_url(),
    );
    server.set_management_handler(mdm.handler());
    if let Some(path) = ca_out {
        std::fs::write(&path, server.ca_pem())?;
        println!("CA certificate: {path}");
    }
    println!("{}", server.base_url());
    std::thread::sleep(Duration::from_secs(seconds));
    let violations = mdm.violations();
    println!(
        "{} sessions, {} refused requests, {} failed checks",
        mdm.sessions().len(),
        mdm.refused(),
        violations.len()
    );
    for v in violations.iter().take(20) {
        println!("  {v}");
    }
    Ok(())
}
