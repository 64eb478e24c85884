//! `pfw unenroll`: a session whose first package carries the generic alert 1226
//! (`com.microsoft:mdm.unenrollment.userrequest`), as Windows sends when its user disconnects
//! the device; then the enrollment is forgotten, whether or not the server could be told
//! (Windows's alert is best effort, without retry).

use std::io::Write;

use pfw_session::mdm::message::unenroll_alert;
use pfw_session::{SyncOptions, state};

use crate::args::{Cli, UnenrollArgs};
use crate::cmd::sync::{SERVER_FAILURE, session_failure, state_failure, transport_config};
use crate::error::{CliError, SUCCESS};
use crate::state::Device;

pub(crate) fn run(cli: &Cli, args: &UnenrollArgs) -> Result<u8, CliError> {
    let mut device = Device::open(cli)?;
    let enrollment = match state::load_enrollment(&device.store) {
        Ok(Some(e)) => e,
        Ok(None) => {
            return Err(CliError::Usage("the device is not enrolled".to_owned()));
        }
        Err(e) => return Ok(state_failure(&e.to_string())),
    };
    let options = SyncOptions {
        transport: transport_config(&args.net),
        alerts: vec![unenroll_alert()],
        ..SyncOptions::default()
    };
    let told = match pfw_session::sync(&mut device.store, &device.engine, &options) {
        Ok(_) => true,
        Err(e) => {
            let code = session_failure(&e);
            if code != SERVER_FAILURE {
                return Ok(code);
            }
            false
        }
    };
    device.write(|store| {
        state::forget_enrollment(store)
            .map(|_| ())
            .map_err(|e| CliError::Usage(format!("cannot forget the enrollment: {e}")))
    })?;
    if told {
        writeln!(
            std::io::stdout(),
            "unenrolled from {} (provider {})",
            enrollment.server_address(),
            enrollment.provider_id()
        )
        .map_err(CliError::Unwritten)?;
        Ok(SUCCESS)
    } else {
        crate::output::warn(&format!(
            "pfw: the enrollment with {} is forgotten; the server was not told",
            enrollment.server_address()
        ));
        Ok(SERVER_FAILURE)
    }
}
