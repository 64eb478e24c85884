//! `pfw enroll`: MS-MDE2 enrollment of the emulated device (discovery, the enrollment policy,
//! the certificate request) with the device's own identity, build and edition; the
//! enrollment (certificates, key, management address, poll schedule, the extra CA) is kept in
//! the state, in the same transaction as the DMClient provider node it creates.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use pfw_session::{
    Credential, DeviceKey, Direction, EnrollOptions, EnrollRequest, Exchange, ExchangeObserver,
    enroll, state,
};

use crate::args::{Cli, CredentialArgs, EnrollArgs};
use crate::cmd::sync::{SERVER_FAILURE, Tracer, state_failure, transport_config};
use crate::cmd::{one_line, prompt_secret, read_stdin};
use crate::error::{CliError, SUCCESS};
use crate::state::Device;

pub(crate) fn run(cli: &Cli, args: &EnrollArgs) -> Result<u8, CliError> {
    let mut device = Device::open(cli)?;
    match state::load_enrollment(&device.store) {
        Ok(None) => {}
        Ok(Some(e)) => {
            return Err(CliError::Usage(format!(
                "the device is already enrolled with {} (provider {}); run pfw unenroll first",
                e.server_address(),
                e.provider_id()
            )));
        }
        Err(e) => return Ok(state_failure(&e.to_string())),
    }
    let credential = read_credential(&args.credential)?;
    let extra_ca_pem = read_ca(args.credential.ca_cert.as_deref())?;
    let key = match &args.key {
        Some(path) => Some(key_file(path)?),
        None => None,
    };
    let info = match state::device_info(&mut device.store) {
        Ok(info) => info,
        Err(e) => return Ok(state_failure(&e.to_string())),
    };
    let request = EnrollRequest {
        server: args.server.clone(),
        user: args.credential.user.clone(),
        credential,
        device: info,
        extra_ca_pem,
    };
    let tracer = Tracer::new(args.trace.trace, args.trace.trace_file.as_deref())?;
    let options = EnrollOptions {
        transport: transport_config(&args.net),
        key,
        exchanges: tracer.as_ref().and_then(|t| {
            t.observer().or_else(|| {
                // The raw form: each body as it went.
                let t = Arc::clone(t);
                Some(ExchangeObserver(Arc::new(move |e: &Exchange<'_>| {
                    t.raw(Direction::Sent, e.request_body);
                    if let Ok(response) = e.response {
                        t.raw(Direction::Received, &response.body);
                    }
                })))
            })
        }),
        ..EnrollOptions::default()
    };
    let enrollment = match enroll(&request, options) {
        Ok(e) => e,
        Err(e) => {
            crate::output::warn(&format!("pfw: enrollment failed: {e}"));
            return Ok(match pfw_session::fleet::enroll_kind(&e) {
                "configuration" => 2,
                _ => SERVER_FAILURE,
            });
        }
    };
    device.write(|store| {
        state::save_enrollment(store, &enrollment)
            .map_err(|e| CliError::Usage(format!("cannot keep the enrollment: {e}")))
    })?;
    writeln!(
        std::io::stdout(),
        "enrolled device {} with {} (provider {}); management server {}",
        enrollment.device_id,
        args.server,
        enrollment.provider_id(),
        enrollment.server_address()
    )
    .map_err(CliError::Unwritten)?;
    Ok(SUCCESS)
}

/// The password or token: from standard input with `--password-stdin` / `--token-stdin` (one
/// trailing line break removed), else asked for on a terminal.
pub(crate) fn read_credential(args: &CredentialArgs) -> Result<Credential, CliError> {
    if args.password_stdin || args.token_stdin {
        let bytes = read_stdin(MAX_SECRET_BYTES + 1)?;
        if bytes.len() as u64 > MAX_SECRET_BYTES {
            return Err(CliError::Usage(format!(
                "the secret on standard input is longer than {MAX_SECRET_BYTES} bytes"
            )));
        }
        let text = one_line(bytes, "the secret is not UTF-8")?;
        return Ok(if args.token_stdin {
            Credential::Token(text)
        } else {
            Credential::Password(text)
        });
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "give the secret with --password-stdin or --token-stdin".to_owned(),
        ));
    }
    let password = prompt_secret("Password: ")?;
    Ok(Credential::Password(password))
}

/// The extra CA's PEM text.
pub(crate) fn read_ca(path: Option<&Path>) -> Result<Option<String>, CliError> {
    let Some(path) = path else { return Ok(None) };
    let bytes = crate::state::read_bounded(path.to_str().unwrap_or(""), Some(path), MAX_CA_BYTES)?;
    if bytes.len() > MAX_CA_BYTES {
        return Err(CliError::Usage(format!(
            "{} is larger than {MAX_CA_BYTES} bytes",
            path.display()
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| CliError::Usage(format!("{} is not a PEM file", path.display())))
}

/// The key in `path` (PKCS#8 DER), generated and written (mode 0600) when the file is missing.
fn key_file(path: &Path) -> Result<DeviceKey, CliError> {
    let bad = |why: String| CliError::Usage(format!("{}: {why}", path.display()));
    match std::fs::read(path) {
        Ok(bytes) => DeviceKey::from_pkcs8_der(&bytes).map_err(|e| bad(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = DeviceKey::generate(2048).map_err(|e| bad(e.to_string()))?;
            let der = key.to_pkcs8_der().map_err(|e| bad(e.to_string()))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            use std::io::Write;
            options
                .open(path)
                .and_then(|mut f| f.write_all(&der))
                .map_err(|e| bad(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(bad(e.to_string())),
    }
}

/// Longest password or token read.
const MAX_SECRET_BYTES: u64 = 64 * 1024;
/// Largest CA file read.
const MAX_CA_BYTES: usize = 1024 * 1024;
