//! Intune exports as Microsoft Graph gives them, one object or a collection
//! (`{"value": […]}` or a bare array), UTF-8 or UTF-16 with a byte-order mark. The kind is
//! decided by the content (`@odata.type`, else the members only that kind has):
//!
//! - [`catalog`]: Settings Catalog and Account protection (`deviceManagementConfigurationPolicy`
//!   and its `settings[].settingInstance` trees), policy-sources-facts.md §4a;
//! - [`legacy`]: the identity protection profile (`windowsIdentityProtectionConfiguration`),
//!   its intent form (`deviceManagementIntent`) and the tenant-wide enrollment policy
//!   (`deviceEnrollmentWindowsHelloForBusinessConfiguration`), §4b–4c;
//! - [`oma`]: custom profiles (`windows10CustomConfiguration` with `omaSettings`).

pub(crate) mod catalog;
pub(crate) mod legacy;
pub(crate) mod oma;

use crate::error::{At, Refusal};
use crate::json::{Json, Value};
use crate::model::{Format, Source};
use crate::text::Text;

/// Reads an Intune export.
pub(crate) fn read(file: &str, text: &Text, json: &Json) -> Result<Source, (At, Refusal)> {
    let objects = objects(json);
    let mut kinds = objects.iter().filter_map(|o| kind_of(o).map(|k| (k, *o)));
    let Some((first, _)) = kinds.clone().next() else {
        return Err((
            text.at(json.start),
            Refusal::NotIntune(
                "not an Intune export pfw reads: expected a Settings Catalog policy, an intent, an \
                 identity protection profile, a Windows Hello enrollment policy or a custom profile \
                 with omaSettings"
                    .to_owned(),
            ),
        ));
    };
    let mut source = Source::new(file, first);
    for (kind, object) in kinds.by_ref() {
        if source.title.is_none() {
            source.title = object
                .get("displayName")
                .or_else(|| object.get("name"))
                .and_then(Json::as_str)
                .map(|s| s.text.clone());
        }
        match kind {
            Format::SettingsCatalog => catalog::read(text, object, &mut source),
            Format::CustomOma => oma::read(text, object, &mut source),
            _ => legacy::read(text, kind, object, &mut source),
        }
    }
    Ok(source)
}

/// The objects of the export: the object itself, or a collection's members.
fn objects(json: &Json) -> Vec<&Json> {
    match &json.value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) if kind_of(json).is_none() => match json.get("value").map(|v| &v.value) {
            Some(Value::Array(items)) => {
                // A raw `GET …/configurationPolicies/{id}/settings`: a list of settings.
                if items.iter().any(|i| i.get("settingInstance").is_some()) {
                    vec![json]
                } else {
                    items.iter().collect()
                }
            }
            _ => vec![json],
        },
        _ => vec![json],
    }
}

/// The kind of one exported object.
fn kind_of(object: &Json) -> Option<Format> {
    let odata = object.get("@odata.type").and_then(Json::as_str).map(|s| {
        s.text
            .trim_start_matches('#')
            .trim_start_matches("microsoft.graph.")
            .to_owned()
    });
    match odata.as_deref() {
        Some("deviceManagementConfigurationPolicy") => return Some(Format::SettingsCatalog),
        Some("deviceManagementIntent") => return Some(Format::Intent),
        Some("windowsIdentityProtectionConfiguration") => return Some(Format::IdentityProtection),
        Some("deviceEnrollmentWindowsHelloForBusinessConfiguration") => {
            return Some(Format::EnrollmentPolicy);
        }
        Some("windows10CustomConfiguration") => return Some(Format::CustomOma),
        _ => {}
    }
    let has = |k: &str| object.get(k).is_some();
    let settings_have = |k: &str| match object
        .get("settings")
        .or_else(|| object.get("value"))
        .map(|v| &v.value)
    {
        Some(Value::Array(items)) => items.iter().any(|i| i.get(k).is_some()),
        _ => false,
    };
    if has("omaSettings") {
        Some(Format::CustomOma)
    } else if settings_have("settingInstance") {
        Some(Format::SettingsCatalog)
    } else if settings_have("definitionId") {
        Some(Format::Intent)
    } else if has("windowsHelloForBusinessBlocked") {
        Some(Format::IdentityProtection)
    } else if object
        .get("deviceEnrollmentConfigurationType")
        .and_then(Json::as_str)
        .is_some_and(|s| s.text == "windowsHelloForBusiness")
        || (has("state") && has("pinMinimumLength"))
    {
        Some(Format::EnrollmentPolicy)
    } else {
        None
    }
}

/// The members of an array member, or nothing.
pub(crate) fn array<'j>(object: &'j Json, key: &str) -> &'j [Json] {
    match object.get(key).map(|v| &v.value) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}
