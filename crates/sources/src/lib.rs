//! pfw-sources: every Windows Hello for Business policy source, read with positions and
//! combined as Windows combines them.
//!
//! One reader per format turns a file into a typed [`Source`]: a list of writes to
//! PassportForWork nodes, each with where it is in the file and the source's own name for
//! the setting. Nothing above the readers knows the formats:
//!
//! - Group Policy: Registry.pol ([`pol`]), `.reg` exports, GPO reports (`gpreport.xml`),
//!   mapped to nodes through the Windows Hello ADMX's registry names;
//! - MDM: SyncML messages (their PassportForWork writes, so a message joins a combination);
//! - Intune, as Microsoft Graph exports it: Settings Catalog and Account protection policies,
//!   the intent form, the identity protection profile, the tenant-wide enrollment policy and
//!   custom profiles (`omaSettings`).
//!
//! The kind is decided by the content, never by the file name. Every input is hostile until
//! read: sizes, counts and depths are bounded ([`SourceLimits`]), and anything damaged is one
//! [`ReadError`] naming its place. [`combine`] then turns several files into the resolver's
//! [`PolicySource`](pfw_passport::policy::PolicySource) list, as if one device received them
//! all.
//!
//! ```
//! use pfw_passport::policy::{Provenance, TenantChoice, keys, resolve};
//! use pfw_sources::{ReadOptions, combine, read};
//!
//! let reg = "Windows Registry Editor Version 5.00\r\n\r\n\
//!     [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork\\PINComplexity]\r\n\
//!     \"MinimumPINLength\"=dword:00000008\r\n";
//! let source = read("pin.reg", reg.as_bytes(), &ReadOptions::default())?;
//! assert_eq!(source.settings[0].key(), keys::MINIMUM_PIN_LENGTH);
//!
//! let combined = combine(&[source], None);
//! let policy = resolve(&combined.sources, &TenantChoice::default(), None)?;
//! let min = policy.setting(keys::MINIMUM_PIN_LENGTH).unwrap();
//! assert_eq!((min.value.as_int(), min.source), (Some(8), Provenance::ComputerGroupPolicy));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod combine;
mod error;
mod gpreport;
mod intune;
pub mod json;
mod limits;
mod model;
pub mod pol;
mod reg;
mod registry;
mod syncml;
mod text;

pub use combine::{Combined, Conflict, combine};
pub use error::{At, JsonSyntax, ReadError, Refusal};
pub use limits::SourceLimits;
pub use model::{Format, Ignored, IgnoredClass, Scope, Setting, Source, TENANT_PLACEHOLDER};

use crate::text::Text;

/// How to read a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The bounds.
    pub limits: SourceLimits,
    /// Whose Registry.pol it is, when the caller knows (`pfw gpo apply --user`); else a
    /// Registry.pol is the computer's unless its path has a `User` folder (GPOs and the local
    /// GPO keep the user side in `User\Registry.pol`, policy-sources-facts.md §3).
    pub pol_scope: Option<Scope>,
}

/// Reads one file as a policy source; the kind is decided by its content.
pub fn read(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<Source, ReadError> {
    let fail = |(at, what): (At, Refusal)| ReadError {
        file: file.to_owned(),
        at,
        what,
    };
    let limits = &options.limits;
    if bytes.len() > limits.max_file_bytes {
        return Err(fail((
            At::File,
            Refusal::TooLarge {
                size: bytes.len(),
                max: limits.max_file_bytes,
            },
        )));
    }
    if bytes.starts_with(b"PReg") {
        let scope = options.pol_scope.unwrap_or_else(|| pol_scope_of(file));
        return pol::read(file, bytes, scope, limits).map_err(fail);
    }
    let decoded = text::decode(bytes).map_err(|r| fail((At::File, r)))?;
    let text = Text::new(decoded);
    let body = text.text.trim_start_matches('\u{feff}');
    let offset = text.text.len() - body.trim_start().len();
    if reg::is_reg(body) {
        return reg::read(file, &text, limits).map_err(fail);
    }
    match body.trim_start().as_bytes().first() {
        Some(b'<') if gpreport::is_report(body) => {
            gpreport::read(file, &text, limits).map_err(fail)
        }
        Some(b'<') if syncml::is_syncml(body) => syncml::read(file, bytes).map_err(fail),
        Some(b'{' | b'[') => {
            let mut json = json::parse(&text.text[offset..])
                .map_err(|e| fail((text.at(offset + e.offset), Refusal::Json(e.syntax))))?;
            shift(&mut json, offset);
            intune::read(file, &text, &json).map_err(fail)
        }
        _ => Err(fail((At::File, Refusal::UnknownKind))),
    }
}

/// Whose a Registry.pol is, by its path: a `User` folder means the user's.
fn pol_scope_of(file: &str) -> Scope {
    let user = file
        .split(['/', '\\'])
        .rev()
        .skip(1)
        .any(|part| part.eq_ignore_ascii_case("User"));
    if user {
        Scope::UserGroupPolicy
    } else {
        Scope::ComputerGroupPolicy
    }
}

/// Moves every offset of a JSON tree parsed from a slice back to the whole text's.
fn shift(json: &mut json::Json, by: usize) {
    if by == 0 {
        return;
    }
    json.start += by;
    match &mut json.value {
        json::Value::Array(items) => items.iter_mut().for_each(|i| shift(i, by)),
        json::Value::Object(members) => {
            for (k, v) in members {
                k.content_start += by;
                shift(v, by);
            }
        }
        json::Value::String(s) => s.content_start += by,
        _ => {}
    }
}
