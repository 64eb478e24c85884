//! Settings Catalog and Account protection policies: `settings[].settingInstance` trees of
//! group-collection, choice and simple instances (policy-sources-facts.md §4a).
//!
//! A `settingDefinitionId` is the CSP path lower-cased with `/` → `_`, prefixed
//! `device_vendor_msft_passportforwork_` or `user_vendor_msft_passportforwork_`, the tenant
//! segment kept as the literal `{tenantid}`. The node's case comes from pfw's policy catalog; a
//! choice's option id is the definition id, `_`, and the CSP value (`…_true`, `…_1`).

use pfw_passport::policy::catalog::{Placement, PolicyDef, ValueKind, catalog};

use crate::intune::array;
use crate::json::{Json, Value};
use crate::model::{IgnoredClass, Scope, Setting, Source, TENANT_PLACEHOLDER};
use crate::text::Text;

pub(crate) fn read(text: &Text, object: &Json, source: &mut Source) {
    let settings = if object.get("settings").is_some() {
        array(object, "settings")
    } else {
        array(object, "value")
    };
    for setting in settings {
        if let Some(instance) = setting.get("settingInstance") {
            instance_of(text, instance, source);
        }
    }
}

fn instance_of(text: &Text, instance: &Json, source: &mut Source) {
    let Some(id) = instance.get("settingDefinitionId").and_then(Json::as_str) else {
        source.unrelated += 1;
        return;
    };
    let at = text.at(id.content_start);
    let type_name = instance
        .get("@odata.type")
        .and_then(Json::as_str)
        .map_or("", |s| s.text.trim_start_matches("#microsoft.graph."));
    // Children first known by shape: a group collection holds further instances.
    for group in array(instance, "groupSettingCollectionValue") {
        for child in array(group, "children") {
            instance_of(text, child, source);
        }
    }
    let Some((scope, rest)) = strip_scope(&id.text) else {
        if instance.get("groupSettingCollectionValue").is_none() {
            source.unrelated += 1;
        }
        return;
    };
    if instance.get("groupSettingCollectionValue").is_some() {
        return;
    }
    let Some(def) = definition(rest) else {
        let reason = format!("{} is not a PassportForWork setting pfw knows", id.text);
        source.ignore(IgnoredClass::Unknown, &id.text, at, reason);
        return;
    };
    let path = match def.placement {
        Placement::Tenant => format!("{TENANT_PLACEHOLDER}/Policies/{}", def.key),
        Placement::DeviceWide => def.key.to_owned(),
    };
    let value = if let Some(choice) = instance.get("choiceSettingValue") {
        for child in array(choice, "children") {
            instance_of(text, child, source);
        }
        let Some(option) = choice.get("value").and_then(Json::as_str) else {
            return invalid(
                source,
                id.text.clone(),
                text.at(choice.start),
                "a choice setting without a value".to_owned(),
            );
        };
        let suffix = option
            .text
            .strip_prefix(id.text.as_str())
            .and_then(|s| s.strip_prefix('_'));
        match suffix.and_then(|s| choice_value(def, s)) {
            Some(v) => (v, text.at(option.content_start)),
            None => {
                return invalid(
                    source,
                    id.text.clone(),
                    text.at(option.content_start),
                    format!(
                        "choice {} maps to no value of {}; the valid ones are {}",
                        option.text,
                        def.key,
                        valid_options(def, &id.text).join(", ")
                    ),
                );
            }
        }
    } else if let Some(simple) = instance.get("simpleSettingValue") {
        match simple.get("value").map(|v| (&v.value, v.start)) {
            Some((Value::Number(n), start)) => (n.clone(), text.at(start)),
            Some((Value::String(s), _)) => (s.text.clone(), text.at(s.content_start)),
            Some((Value::Bool(b), start)) => (b.to_string(), text.at(start)),
            _ => {
                return invalid(
                    source,
                    id.text.clone(),
                    text.at(simple.start),
                    "a simple setting without a value".to_owned(),
                );
            }
        }
    } else {
        return invalid(
            source,
            id.text.clone(),
            at,
            format!("a {type_name} pfw cannot read: no choiceSettingValue nor simpleSettingValue"),
        );
    };
    source.settings.push(Setting {
        scope,
        path,
        value: Some(value.0),
        at: value.1,
        name: id.text.clone(),
    });
}

fn invalid(source: &mut Source, name: String, at: crate::error::At, reason: String) {
    source.ignore(IgnoredClass::Invalid, name, at, reason);
}

/// `device_vendor_msft_passportforwork_rest` → (device, `rest`), `user_…` → user.
fn strip_scope(id: &str) -> Option<(Scope, &str)> {
    let lower_ok = |p: &str| id.len() > p.len() && id[..p.len()].eq_ignore_ascii_case(p);
    if lower_ok(DEVICE_PREFIX) {
        Some((Scope::DeviceMdm, &id[DEVICE_PREFIX.len()..]))
    } else if lower_ok(USER_PREFIX) {
        Some((Scope::UserMdm, &id[USER_PREFIX.len()..]))
    } else {
        None
    }
}

/// The catalog policy a definition id (after its scope prefix) names.
pub(crate) fn definition(rest: &str) -> Option<&'static PolicyDef> {
    let rest = rest.to_ascii_lowercase();
    catalog().iter().find(|def| id_of(def) == rest)
}

/// A policy's definition id after the scope prefix.
pub(crate) fn id_of(def: &PolicyDef) -> String {
    let key = def.key.to_ascii_lowercase().replace('/', "_");
    match def.placement {
        Placement::Tenant => format!("{{tenantid}}_policies_{key}"),
        Placement::DeviceWide => key,
    }
}

/// The CSP value of a choice option's suffix, if it names one the policy accepts.
fn choice_value(def: &PolicyDef, suffix: &str) -> Option<String> {
    match def.kind {
        ValueKind::Bool => match suffix {
            "true" | "false" => Some(suffix.to_owned()),
            _ => None,
        },
        ValueKind::Int { min, max } => suffix
            .parse::<i32>()
            .ok()
            .filter(|n| (min..=max).contains(n) && !suffix.starts_with('+'))
            .map(|n| n.to_string()),
        ValueKind::Text(_) => None,
    }
}

fn valid_options(def: &PolicyDef, id: &str) -> Vec<String> {
    match def.kind {
        ValueKind::Bool => vec![format!("{id}_false"), format!("{id}_true")],
        ValueKind::Int { min, max } if max - min <= 10 => {
            (min..=max).map(|n| format!("{id}_{n}")).collect()
        }
        ValueKind::Int { min, max } => vec![format!("{id}_{min} … {id}_{max}")],
        ValueKind::Text(_) => vec!["none (a text setting is a simple setting)".to_owned()],
    }
}

const DEVICE_PREFIX: &str = "device_vendor_msft_passportforwork_";
const USER_PREFIX: &str = "user_vendor_msft_passportforwork_";
