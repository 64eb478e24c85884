//! Intune custom profiles as Microsoft Graph exports them: a `windows10CustomConfiguration`
//! whose `omaSettings` each have an `@odata.type` (`#microsoft.graph.omaSettingInteger`, …), an
//! `omaUri` and a `value`. A Graph collection (`{"value": [configuration, …]}`) is read too.
//!
//! Each setting becomes one [`Op`] with [`Action::Set`]: Intune writes the value by its URI in
//! device or user scope, creating the node when it is missing. The setting's type decides the
//! Meta Format Intune sends; the value is turned into the text Intune sends (`true`/`false`,
//! the integer's digits, the string).

use crate::diagnostic::{Code, Diagnostic, Fix};
use crate::profile::{Action, CommandInfo, Located, Op, Profile};
use crate::source::{Escapes, SourceText};
use pfw_sources::json::{Json, Value};

/// Why a JSON text is not an Intune custom profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NotAProfile {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

/// Reads the configurations' settings, reporting settings that cannot be read.
pub(crate) fn read(
    src: &SourceText<'_>,
    json: &Json,
    out: &mut Vec<Diagnostic>,
) -> Result<Profile, NotAProfile> {
    let configurations = configurations(json)?;
    let mut profile = Profile::default();
    for configuration in configurations {
        let Some(settings) = configuration.get("omaSettings") else {
            continue;
        };
        let Value::Array(settings) = &settings.value else {
            return Err(NotAProfile {
                offset: settings.start,
                message: format!("`omaSettings` is {}, not an array", settings.kind()),
            });
        };
        for setting in settings {
            let command = profile.commands.len();
            profile.commands.push(CommandInfo {
                name: "omaSetting".to_owned(),
                offset: setting.start,
                reports: Vec::new(),
            });
            match read_setting(src, setting, command) {
                Ok(op) => profile.ops.push(op),
                Err(d) => out.push(*d),
            }
        }
    }
    Ok(profile)
}

/// The Meta Format Intune sends for a setting type, by the type's name after
/// `#microsoft.graph.`.
pub(crate) fn format_of_type(type_name: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(name, _)| *name == type_name)
        .map(|(_, format)| *format)
}

/// The Intune setting type that sends `format`.
pub(crate) fn type_for_format(format: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(_, f)| *f == format)
        .map(|(name, _)| *name)
}

/// The configurations in the file: the object itself, or a Graph collection's members.
fn configurations(json: &Json) -> Result<Vec<&Json>, NotAProfile> {
    let not_a_profile = |offset: usize| NotAProfile {
        offset,
        message: "not an Intune custom profile: no `omaSettings` array (expected a \
                  windows10CustomConfiguration as Microsoft Graph exports it)"
            .to_owned(),
    };
    if !matches!(json.value, Value::Object(_)) {
        return Err(NotAProfile {
            offset: json.start,
            message: format!(
                "not an Intune custom profile: the JSON text is {}, not an object",
                json.kind()
            ),
        });
    }
    if json.get("omaSettings").is_some() {
        return Ok(vec![json]);
    }
    match json.get("value").map(|v| &v.value) {
        Some(Value::Array(items)) => {
            let found: Vec<&Json> = items
                .iter()
                .filter(|i| i.get("omaSettings").is_some())
                .collect();
            if found.is_empty() {
                Err(not_a_profile(json.start))
            } else {
                Ok(found)
            }
        }
        _ => Err(not_a_profile(json.start)),
    }
}

fn read_setting(
    src: &SourceText<'_>,
    setting: &Json,
    command: usize,
) -> Result<Op, Box<Diagnostic>> {
    let invalid = |offset: usize, message: String| {
        let (line, column) = src.position(offset);
        Box::new(Diagnostic::new(Code::InvalidSetting, line, column, message))
    };
    if !matches!(setting.value, Value::Object(_)) {
        return Err(invalid(
            setting.start,
            format!("an OMA setting is an object, not {}", setting.kind()),
        ));
    }
    let label = setting
        .get("displayName")
        .and_then(Json::as_str)
        .map(|s| s.text.clone());
    let named = |message: String| match &label {
        Some(name) => format!("{message} (setting “{name}”)"),
        None => message,
    };
    let odata = setting.get("@odata.type");
    let type_text = odata.and_then(Json::as_str);
    let Some(type_text) = type_text else {
        return Err(invalid(
            odata.map_or(setting.start, |o| o.start),
            named("the OMA setting has no `@odata.type` string".to_owned()),
        ));
    };
    let type_name = type_text
        .text
        .trim_start_matches('#')
        .strip_prefix("microsoft.graph.")
        .unwrap_or(&type_text.text);
    let Some(format) = format_of_type(type_name) else {
        let mut d = invalid(
            type_text.content_start,
            named(format!(
                "`{}` is not an OMA setting type Intune knows",
                type_text.text
            )),
        );
        d.width = width_of(src, type_text.content_start, &type_text.text);
        d.fix = Some(Fix::advice(format!(
            "use one of {}",
            TYPES
                .iter()
                .map(|(name, _)| format!("#microsoft.graph.{name}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
        return Err(d);
    };
    let uri = setting.get("omaUri");
    let Some(uri_text) = uri.and_then(Json::as_str) else {
        return Err(invalid(
            uri.map_or(setting.start, |u| u.start),
            named("the OMA setting has no `omaUri` string".to_owned()),
        ));
    };
    let value = setting.get("value");
    let Some(value) = value else {
        return Err(invalid(
            setting.start,
            named("the OMA setting has no `value`".to_owned()),
        ));
    };
    let data = data_of(type_name, value).map_err(|message| {
        let (line, column) = src.position(value.start);
        Box::new(
            Diagnostic::new(Code::InvalidValue, line, column, named(message))
                .with_note("Intune cannot send this value"),
        )
    })?;
    Ok(Op {
        action: Action::Set,
        uri: Some(trimmed(src, uri_text)),
        format: Some(Located {
            text: format.to_owned(),
            start: type_text.content_start,
            escapes: Escapes::Json,
            padded: false,
        }),
        data: Some(data),
        more_data: false,
        anchor: setting.start,
        command,
        run: true,
        label: label.or_else(|| Some(type_name.to_owned())),
    })
}

/// The text Intune sends for a setting's value, checked against the type's JSON shape.
fn data_of(type_name: &str, value: &Json) -> Result<Located, String> {
    let located = |text: String, start: usize| Located {
        text,
        start,
        escapes: Escapes::Json,
        padded: false,
    };
    match (type_name, &value.value) {
        ("omaSettingBoolean", Value::Bool(b)) => Ok(located(b.to_string(), value.start)),
        ("omaSettingBoolean", _) => Err(format!(
            "an omaSettingBoolean's value is true or false, not {}",
            value.kind()
        )),
        ("omaSettingInteger", Value::Number(n)) => {
            if n.contains(['.', 'e', 'E']) {
                Err(format!(
                    "an omaSettingInteger's value is a whole number, not {n}"
                ))
            } else {
                Ok(located(n.clone(), value.start))
            }
        }
        ("omaSettingInteger", _) => Err(format!(
            "an omaSettingInteger's value is a JSON number, not {}",
            value.kind()
        )),
        ("omaSettingFloatingPoint", Value::Number(n)) => Ok(located(n.clone(), value.start)),
        ("omaSettingFloatingPoint", _) => Err(format!(
            "an omaSettingFloatingPoint's value is a JSON number, not {}",
            value.kind()
        )),
        (_, Value::String(s)) => Ok(located(s.text.clone(), s.content_start)),
        (name, _) => Err(format!(
            "an {name}'s value is a string, not {}",
            value.kind()
        )),
    }
}

/// A URI string with surrounding whitespace trimmed (as pfw trims a LocURI), located at its
/// first non-whitespace character.
fn trimmed(src: &SourceText<'_>, s: &pfw_sources::json::Str) -> Located {
    let leading = s.text.chars().take_while(|c| c.is_whitespace()).count();
    let text = s.text.trim().to_owned();
    let padded = text.len() != s.text.len();
    let start = crate::source::raw_offset(src.text(), s.content_start, leading, Escapes::Json);
    Located {
        text,
        start,
        escapes: Escapes::Json,
        padded,
    }
}

fn width_of(src: &SourceText<'_>, start: usize, text: &str) -> u32 {
    let end = crate::source::raw_offset(src.text(), start, text.chars().count(), Escapes::Json);
    src.width(start, end)
}

/// Intune's OMA setting types (after `#microsoft.graph.`) and the Meta Format each sends.
const TYPES: [(&str, &str); 7] = [
    ("omaSettingBase64", "b64"),
    ("omaSettingBoolean", "bool"),
    ("omaSettingDateTime", "date"),
    ("omaSettingFloatingPoint", "float"),
    ("omaSettingInteger", "int"),
    ("omaSettingString", "chr"),
    ("omaSettingStringXml", "xml"),
];
