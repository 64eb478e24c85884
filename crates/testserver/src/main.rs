//! `pfw-testserver`: the test MDM server on its own, for trying `pfw enroll`, `pfw sync` and
//! `pfw fleet` by hand and for load runs. It serves MS-MDE2 enrollment (OnPremise, user
//! `demo@example.com`, password `demo-password`) and an MDM side that plays a script of
//! server packages to every device: by default a Get of three DevDetail values, then the
//! repository's example Windows Hello profile; with `--profiles DIR`, the SyncML files of
//! DIR in name order, one server package each.
//!
//! It listens on 127.0.0.1 only, prints its URL on the first line of standard output, and
//! stops after `--exit-after` seconds, on SIGTERM or on SIGINT, printing what it saw.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use pfw_syncml::{Command, Limits, SyncMl};
use pfw_testserver::mdm::{MdmConfig, MdmServer};
use pfw_testserver::{TestServer, TestServerConfig};

/// A test MDM server on 127.0.0.1: MS-MDE2 enrollment and MS-MDM sessions over HTTPS, with
/// a throwaway CA. Every check a device fails is counted and the first ones printed at exit.
#[derive(Debug, Parser)]
#[command(name = "pfw-testserver", version)]
struct Args {
    /// Port to listen on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write the CA certificate (PEM) here: give it to devices with `--ca-cert`.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Stop after this many seconds; 0 runs until SIGTERM or SIGINT.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    exit_after: u64,
    /// Send these SyncML files (`*.xml`, in name order, one server package each) to every
    /// device instead of the built-in DevDetail Get and example profile.
    #[arg(long, value_name = "DIR")]
    profiles: Option<PathBuf>,
    /// `MaxMsgSize` announced to devices (and checked).
    #[arg(long, value_name = "BYTES")]
    max_msg_size: Option<usize>,
    /// Accept management requests without a client certificate naming the device.
    #[arg(long)]
    no_client_cert: bool,
    /// One request per connection, then close (as without HTTP keep-alive)
    #[arg(long)]
    no_keep_alive: bool,
    /// Keep no record of requests (for long load runs: memory stays flat).
    #[arg(long)]
    no_record: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let script = match &args.profiles {
        Some(dir) => pfw_testserver::mdm::profiles_script(dir)?,
        None => default_script()?,
    };
    let config = TestServerConfig {
        record_requests: !args.no_record,
        keep_alive: !args.no_keep_alive,
        ..TestServerConfig::default()
    };
    let server = TestServer::start_on(config, args.port).context("starting the server")?;
    let mdm = MdmServer::serve(
        &server,
        MdmConfig {
            script,
            max_msg_size: args.max_msg_size,
            require_client_cert: !args.no_client_cert,
        },
    );
    // Before the URL is printed: whoever reads it may signal at once.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).context("signal handler")?;
    }
    println!("{}", server.base_url());
    if let Some(path) = &args.ca_out {
        std::fs::write(path, server.ca_pem())
            .with_context(|| format!("writing the CA certificate to {}", path.display()))?;
        println!("CA certificate: {}", path.display());
    }
    let started = Instant::now();
    let limit = (args.exit_after > 0).then(|| Duration::from_secs(args.exit_after));
    while !stop.load(Ordering::SeqCst) && limit.is_none_or(|l| started.elapsed() < l) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let violations = mdm.violations();
    // Whoever started the server may have stopped reading: the summary is best effort.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} sessions, {} refused requests, {} failed checks ({} in enrollment)",
        mdm.session_count(),
        mdm.refused(),
        violations.len(),
        server.violations().len(),
    );
    for v in violations.iter().chain(&server.violations()).take(20) {
        let _ = writeln!(out, "  {v}");
    }
    Ok(())
}

fn default_script() -> anyhow::Result<Vec<Vec<Command>>> {
    let gets = SyncMl::decode(
        br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
        <Get><CmdID>1</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>
        <Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/Ext/Microsoft/OSPlatform</LocURI></Target></Item></Get>
        <Get><CmdID>3</CmdID><Item><Target><LocURI>./DevDetail/Ext/Microsoft/LocalTime</LocURI></Target></Item></Get>
        </SyncBody></SyncML>"#,
        &Limits::DEFAULT,
    )?;
    let profile = SyncMl::decode(PROFILE.as_bytes(), &Limits::DEFAULT)?;
    Ok(vec![gets.body.commands, profile.body.commands])
}

const PROFILE: &str = include_str!("../../../examples/windows-hello-profile.xml");
