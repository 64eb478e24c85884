//! The property-based Intune kinds (policy-sources-facts.md §4b–4c): the identity protection
//! profile (`windowsIdentityProtectionConfiguration`), its intent form (`deviceManagementIntent`,
//! `settings[]` with `definitionId` `deviceConfiguration--windowsIdentityProtectionConfiguration_<property>`
//! and `value`/`valueJson`) and the tenant-wide enrollment policy
//! (`deviceEnrollmentWindowsHelloForBusinessConfiguration`).
//!
//! Enumerations are mapped by name, never by number: `configurationUsage` (blocked, required,
//! allowed) numbers them the reverse of the CSP. `null` and `notConfigured` mean not configured.
//! Where these write (`./Device` or `./User`) is not documented: pfw writes device scope (README
//! decisions).

use pfw_passport::policy::catalog::{Placement, lookup};
use pfw_passport::policy::keys;

use crate::error::At;
use crate::intune::array;
use crate::json::{self, Json, Value};
use crate::model::{Format, IgnoredClass, Scope, Setting, Source, TENANT_PLACEHOLDER};
use crate::text::Text;

pub(crate) fn read(text: &Text, kind: Format, object: &Json, source: &mut Source) {
    match kind {
        Format::Intent => {
            for setting in array(object, "settings") {
                let Some(id) = setting.get("definitionId").and_then(Json::as_str) else {
                    source.unrelated += 1;
                    continue;
                };
                let Some(property) = id.text.strip_prefix(INTENT_PREFIX) else {
                    source.unrelated += 1;
                    continue;
                };
                let parsed;
                let value = match setting.get("value") {
                    Some(v) => Some(v),
                    None => match setting.get("valueJson").and_then(Json::as_str) {
                        Some(s) => {
                            parsed = json::parse(&s.text).ok().map(|mut j| {
                                j.start = s.content_start;
                                j
                            });
                            parsed.as_ref()
                        }
                        None => None,
                    },
                };
                let at = text.at(setting.start);
                property_of(text, &IDENTITY, property, value, at, &id.text, source);
            }
        }
        Format::EnrollmentPolicy => {
            let state = object
                .get("state")
                .and_then(Json::as_str)
                .map(|s| s.text.as_str());
            // "Not configured": Intune leaves Windows Hello alone; the other fields are unused.
            if !matches!(state, Some("enabled" | "disabled")) {
                source.ignore(
                    IgnoredClass::NotApplied,
                    "state",
                    text.at(object.get("state").map_or(object.start, |s| s.start)),
                    "state is notConfigured: Intune leaves Windows Hello for Business alone \
                             and the other settings are not used",
                );
                return;
            }
            properties(text, &ENROLLMENT, object, source);
        }
        _ => properties(text, &IDENTITY, object, source),
    }
}

fn properties(text: &Text, table: &Table, object: &Json, source: &mut Source) {
    let Value::Object(members) = &object.value else {
        return;
    };
    for (name, value) in members {
        if table.find(&name.text).is_some() {
            property_of(
                text,
                table,
                &name.text,
                Some(value),
                text.at(name.content_start),
                &name.text,
                source,
            );
        }
    }
}

fn property_of(
    text: &Text,
    table: &Table,
    property: &str,
    value: Option<&Json>,
    at: At,
    label: &str,
    source: &mut Source,
) {
    let Some(p) = table.find(property) else {
        let reason = format!("{property} is not a Windows Hello property pfw maps to a node");
        source.ignore(IgnoredClass::Unknown, label, at, reason);
        return;
    };
    let Some(node) = p.node else {
        let reason = format!("{property}: which node it sets is not documented; not applied");
        source.ignore(IgnoredClass::NotApplied, label, at, reason);
        return;
    };
    let Some(value) = value else { return };
    let raw = match (&p.map, &value.value) {
        (_, Value::Null) => return,
        (Map::Bool, Value::Bool(b)) => b.to_string(),
        (Map::NotBool, Value::Bool(b)) => (!b).to_string(),
        (Map::BoolAsInt, Value::Bool(b)) => u8::from(*b).to_string(),
        (Map::Int, Value::Number(n)) => n.clone(),
        (Map::Names(names), Value::String(s)) => {
            if s.text == "notConfigured" {
                return;
            }
            match names.iter().find(|(n, _)| *n == s.text) {
                Some((_, v)) => (*v).to_owned(),
                None => {
                    source.ignore(
                        IgnoredClass::Invalid,
                        label,
                        text.at(value.start),
                        format!(
                            "{property} “{}” is not one of {}",
                            s.text,
                            names.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    );
                    return;
                }
            }
        }
        (_, _) => {
            let reason = format!("{property} has a value of the wrong JSON type");
            source.ignore(IgnoredClass::Invalid, label, text.at(value.start), reason);
            return;
        }
    };
    let path = if lookup(Placement::Tenant, node).is_some() {
        format!("{TENANT_PLACEHOLDER}/Policies/{node}")
    } else {
        node.to_owned()
    };
    source.settings.push(Setting {
        scope: Scope::DeviceMdm,
        path,
        value: Some(raw),
        at: text.at(value.start),
        name: label.to_owned(),
    });
}

/// The properties of one kind of export, looked up by name.
struct Table {
    own: &'static [Property],
    shared: &'static [Property],
}

impl Table {
    fn find(&self, name: &str) -> Option<&Property> {
        self.own.iter().chain(self.shared).find(|p| p.name == name)
    }
}

struct Property {
    name: &'static str,
    node: Option<&'static str>,
    map: Map,
}

#[derive(Clone, Copy)]
enum Map {
    Bool,
    BoolAsInt,
    Int,
    Names(&'static [(&'static str, &'static str)]),
    NotBool,
}

const fn prop(name: &'static str, node: &'static str, map: Map) -> Property {
    Property {
        name,
        node: Some(node),
        map,
    }
}

/// `configurationUsage`: blocked=0, required=1, allowed=2 in Graph; mapped by name (§4b).
const USAGE: Map = Map::Names(&[("blocked", "2"), ("required", "1"), ("allowed", "0")]);
/// `windowsHelloForBusinessPinUsage`: allowed, required, disallowed (§4c).
const PIN_USAGE: Map = Map::Names(&[("allowed", "0"), ("required", "1"), ("disallowed", "2")]);
/// `enablement` as a bool node.
const ENABLEMENT: Map = Map::Names(&[("enabled", "true"), ("disabled", "false")]);
const ENABLEMENT_INT: Map = Map::Names(&[("enabled", "1"), ("disabled", "0")]);

/// §4b's table.
static IDENTITY: Table = Table {
    own: &[
        prop(
            "windowsHelloForBusinessBlocked",
            keys::USE_PASSPORT_FOR_WORK,
            Map::NotBool,
        ),
        prop("pinRecoveryEnabled", "EnablePinRecovery", Map::Bool),
        prop(
            "enhancedAntiSpoofingForFacialFeaturesEnabled",
            "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
            Map::Bool,
        ),
        prop(
            "useCertificatesForOnPremisesAuthEnabled",
            "UseCertificateForOnPremAuth",
            Map::Bool,
        ),
        prop(
            "useSecurityKeyForSignin",
            "SecurityKey/UseSecurityKeyForSignin",
            Map::BoolAsInt,
        ),
    ],
    shared: &shared(USAGE),
};

/// §4c's table.
static ENROLLMENT: Table = Table {
    own: &[
        prop("state", keys::USE_PASSPORT_FOR_WORK, ENABLEMENT),
        prop(
            "enhancedBiometricsState",
            "Biometrics/FacialFeaturesUseEnhancedAntiSpoofing",
            ENABLEMENT,
        ),
        prop(
            "remotePassportEnabled",
            "Remote/UseRemotePassport",
            Map::Bool,
        ),
        prop(
            "securityKeyForSignIn",
            "SecurityKey/UseSecurityKeyForSignin",
            ENABLEMENT_INT,
        ),
        Property {
            name: "enhancedSignInSecurity",
            node: None,
            map: Map::Int,
        },
    ],
    shared: &shared(PIN_USAGE),
};

/// The properties both exports have, the PIN's character rules mapped with `usage`.
const fn shared(usage: Map) -> [Property; 9] {
    [
        prop(
            "securityDeviceRequired",
            keys::REQUIRE_SECURITY_DEVICE,
            Map::Bool,
        ),
        prop("pinMinimumLength", keys::MINIMUM_PIN_LENGTH, Map::Int),
        prop("pinMaximumLength", keys::MAXIMUM_PIN_LENGTH, Map::Int),
        prop(
            "pinUppercaseCharactersUsage",
            keys::UPPERCASE_LETTERS,
            usage,
        ),
        prop(
            "pinLowercaseCharactersUsage",
            keys::LOWERCASE_LETTERS,
            usage,
        ),
        prop("pinSpecialCharactersUsage", keys::SPECIAL_CHARACTERS, usage),
        prop("pinExpirationInDays", keys::EXPIRATION, Map::Int),
        prop("pinPreviousBlockCount", keys::HISTORY, Map::Int),
        prop(
            "unlockWithBiometricsEnabled",
            keys::USE_BIOMETRICS,
            Map::Bool,
        ),
    ]
}

const INTENT_PREFIX: &str = "deviceConfiguration--windowsIdentityProtectionConfiguration_";
