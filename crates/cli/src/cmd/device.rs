//! `pfw device`: the emulated device's build, edition, TPM and tenant.

use std::io::Write;

use pfw_ddf::OsBuild;
use pfw_passport::pin::Tpm;
use pfw_passport::schema::is_guid;
use pfw_passport::state::{TENANT_PROPERTY, TPM_PROPERTY};
use pfw_tree::device::{BUILD_PROPERTY, EDITION_PROPERTY, edition_name, parse_edition};
use pfw_tree::{Device as TreeDevice, Store};

use crate::args::{Cli, DeviceCommand};
use crate::error::{CliError, SUCCESS};
use crate::output::visible;
use crate::state::Device;

pub(crate) fn run(cli: &Cli, command: &DeviceCommand) -> Result<u8, CliError> {
    let mut device = if matches!(command, DeviceCommand::Show { .. }) {
        Device::open_existing(cli)?
    } else {
        Device::open(cli)?
    };
    let set = |device: &mut Device, name: &'static str, value: Option<String>| {
        let path = device.path.clone();
        device.write(|store| {
            store
                .set_property(name, value.as_deref())
                .map_err(|source| CliError::Store { path, source })
        })
    };
    match command {
        DeviceCommand::Show { json } => show(&device, *json)?,
        DeviceCommand::Build { build: version } => {
            let build: OsBuild = version
                .parse()
                .map_err(|e: pfw_ddf::BuildError| CliError::Usage(e.to_string()))?;
            if (build.major != 10 || build.minor != 0) && !build.is_insider() {
                return Err(CliError::Usage(format!(
                    "`{version}` is not a Windows 10 or 11 build: use 10.0.BUILD[.REVISION], or 99.9.99999 for Insider Preview"
                )));
            }
            set(&mut device, BUILD_PROPERTY, Some(build.to_string()))?;
        }
        DeviceCommand::Edition { edition } => {
            let id = parse_edition(edition).ok_or_else(|| {
                CliError::Usage(format!(
                    "`{edition}` is not a known edition: use a name (Enterprise, Professional, Education, Core, …) or a product type number (0x4)"
                ))
            })?;
            set(&mut device, EDITION_PROPERTY, Some(id.to_string()))?;
        }
        DeviceCommand::Tpm { tpm } => {
            let parsed: Tpm = tpm
                .parse()
                .map_err(|e: pfw_passport::error::UnknownTpm| CliError::Usage(e.to_string()))?;
            set(&mut device, TPM_PROPERTY, Some(parsed.to_string()))?;
        }
        DeviceCommand::Tenant { tenant, clear } => {
            let value = if *clear { None } else { tenant.clone() };
            if let Some(t) = &value {
                if t.is_empty() || t.contains('/') {
                    return Err(CliError::Usage(format!("`{t}` cannot be a TenantId")));
                }
                if !is_guid(t) {
                    crate::output::warn(&format!(
                        "pfw: warning: `{t}` is not a GUID without braces, which a TenantId should be"
                    ));
                }
            }
            set(&mut device, TENANT_PROPERTY, value)?;
        }
    }
    if !matches!(command, DeviceCommand::Show { .. }) {
        show(&device, false).map_err(CliError::after_commit)?;
    }
    Ok(SUCCESS)
}

fn show(device: &Device, json: bool) -> Result<(), CliError> {
    let store: &dyn Store = &device.store;
    let err = |source| CliError::Store {
        path: device.path.clone(),
        source,
    };
    let info = TreeDevice::load(store).map_err(err)?;
    let tpm = pfw_passport::state::tpm(store).map_err(|e| device.state_error(e))?;
    let tenant = pfw_passport::state::device_tenant(store).map_err(err)?;
    let users = store.users().map_err(err)?;
    let name = edition_name(info.edition).unwrap_or("unknown edition");
    let mut out = std::io::stdout().lock();
    let text = if json {
        serde_json::json!({
            "build": info.build.to_string(),
            "edition": info.edition,
            "edition_name": edition_name(info.edition),
            "tpm": tpm.to_string(),
            "tenant": tenant,
            "users": users,
            "state": device.path.display().to_string(),
        })
        .to_string()
    } else {
        format!(
            "build    {}\nedition  {name} (0x{:X})\ntpm      {tpm}\ntenant   {}\nusers    {}\nstate    {}",
            info.build,
            info.edition,
            visible(
                tenant
                    .as_deref()
                    .unwrap_or("(not set: the only tenant present applies)"),
                false
            ),
            if users.is_empty() {
                "(none)".to_owned()
            } else {
                visible(&users.join(", "), false).into_owned()
            },
            visible(&device.path.display().to_string(), false),
        )
    };
    writeln!(out, "{text}").map_err(CliError::Output)
}
