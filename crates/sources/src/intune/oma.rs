//! Custom profiles: `omaSettings`, each with an `@odata.type` (`#microsoft.graph.omaSettingInteger`,
//! …), an `omaUri` and a `value`. Settings of other CSPs are not Windows Hello policy; an
//! encrypted value (`isEncrypted`, `****` in exports) cannot be checked.

use crate::intune::array;
use crate::json::{Json, Value};
use crate::model::{IgnoredClass, Scope, Setting, Source};
use crate::text::Text;

pub(crate) fn read(text: &Text, object: &Json, source: &mut Source) {
    for setting in array(object, "omaSettings") {
        let at = text.at(setting.start);
        let Some(uri) = setting.get("omaUri").and_then(Json::as_str) else {
            let reason = "an OMA setting without an `omaUri` string";
            source.ignore(IgnoredClass::Invalid, "omaSetting", at, reason);
            continue;
        };
        let name = setting
            .get("displayName")
            .and_then(Json::as_str)
            .map_or_else(
                || uri.text.trim().to_owned(),
                |d| format!("{} ({})", d.text, uri.text.trim()),
            );
        if mdm_wins_over_gp(&uri.text) {
            source.ignore(
                IgnoredClass::NoEffect,
                name,
                at,
                crate::syncml::MDM_WINS_REASON,
            );
            continue;
        }
        let Some((scope, path)) = split_uri(&uri.text) else {
            source.unrelated += 1;
            continue;
        };
        let encrypted = matches!(
            setting.get("isEncrypted").map(|v| &v.value),
            Some(Value::Bool(true))
        );
        let value = setting.get("value");
        if encrypted
            || value
                .and_then(Json::as_str)
                .is_some_and(|s| s.text == "****")
        {
            source.ignore(
                IgnoredClass::NotCheckable,
                name,
                value.map_or(at, |v| text.at(v.start)),
                "the value is encrypted in the export (`isEncrypted`, `****`): it cannot be \
                         checked",
            );
            continue;
        }
        let raw = match value.map(|v| &v.value) {
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.clone(),
            Some(Value::String(s)) => s.text.clone(),
            _ => {
                let reason = "an OMA setting without a value Intune can send";
                source.ignore(IgnoredClass::Invalid, name, at, reason);
                continue;
            }
        };
        source.settings.push(Setting {
            scope,
            path,
            value: Some(raw),
            at: text.at(value.map_or(setting.start, |v| v.start)),
            name,
        });
    }
}

/// `./Device/Vendor/MSFT/PassportForWork/rest` → (device, `rest`); `./User/…` → user; the
/// leading `./` and the scope may be omitted (a device URI); other CSPs → `None`.
pub(crate) fn split_uri(uri: &str) -> Option<(Scope, String)> {
    let uri = uri.trim();
    let uri = uri.strip_prefix("./").unwrap_or(uri);
    let (scope, rest) = match uri.split_once('/') {
        Some((first, rest)) if first.eq_ignore_ascii_case("Device") => (Scope::DeviceMdm, rest),
        Some((first, rest)) if first.eq_ignore_ascii_case("User") => (Scope::UserMdm, rest),
        _ => (Scope::DeviceMdm, uri),
    };
    let prefix = "Vendor/MSFT/PassportForWork/";
    let head = rest.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| (scope, rest[prefix.len()..].to_owned()))
}

/// Whether a URI is the Policy CSP's `ControlPolicyConflict/MDMWinsOverGP`.
pub(crate) fn mdm_wins_over_gp(uri: &str) -> bool {
    uri.to_ascii_lowercase()
        .trim_end_matches('/')
        .ends_with("controlpolicyconflict/mdmwinsovergp")
}
