//! pfw-lint: checks Windows Hello for Business profiles before they reach devices, and
//! explains what they do.
//!
//! A profile is a SyncML message (as an MDM server sends it) or an Intune custom profile as
//! Microsoft Graph exports it (a `windows10CustomConfiguration` with `omaSettings`); which one
//! is decided by the content, not the file name. [`Linter::lint`] runs every command through
//! pfw's own tree and engine on a fresh in-memory device, so the linter and `pfw apply` cannot
//! disagree, and reports each problem as a [`Diagnostic`] with a stable [`Code`], a
//! [`Severity`], the exact line and column (in characters) and, where there is one, a
//! [`Fix`]. [`render`] writes diagnostics for people, as JSON, or as SARIF 2.1.0.
//! [`Linter::explain`] says in plain words what each setting does and which policy results.
//!
//! ```
//! use pfw_lint::{Code, Linter, Options, Severity};
//!
//! let profile = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
//! <Add><CmdID>1</CmdID><Item>
//!   <Target><LocURI>./Device/Vendor/MSFT/PassportForWork/3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83/Policies/PINComplexity/MinimumPINLenght</LocURI></Target>
//!   <Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>6</Data></Item></Add>
//! <Final/></SyncBody></SyncML>"#;
//! let linter = Linter::with_pfw_ddf(Options::default())?;
//! let report = linter.lint("profile.xml", profile)?;
//! let d = &report.diagnostics[0];
//! assert_eq!((d.code, d.severity, d.line, d.column), (Code::UnknownNode, Severity::Error, 3, 116));
//! assert_eq!(d.fix.as_ref().and_then(|f| f.replacement.as_deref()), Some("MinimumPINLength"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod check;
mod diagnostic;
mod error;
mod explain;
mod intune;
mod profile;
pub mod render;
mod source;
mod sources;

use std::sync::Arc;

use pfw_ddf::{LoadError, OsBuild};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::{DecodeError, Limits, Pos, SyncMl};
use pfw_tree::Registry;

pub use diagnostic::{Code, Diagnostic, FileKind, FileReport, Fix, Severity, exit_status};
pub use error::{ExplainError, JsonSyntax, LintError};
pub use explain::{ExplainedSetting, Explanation, Refused, Verdict};

use crate::source::SourceText;

/// What to check beyond the profile itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The devices' tenant: policy under any other TenantId is reported (`tenant-mismatch`).
    pub tenant: Option<String>,
    /// The Windows release the profile targets: nodes it lacks are reported
    /// (`not-in-build`). `None`: applicability is not checked.
    pub os_build: Option<OsBuild>,
}

/// Lints and explains profiles against a registry of CSPs.
#[derive(Clone, Debug)]
pub struct Linter {
    registry: Registry,
    options: Options,
}

impl Linter {
    /// A linter over `registry`'s CSPs (the ones `pfw apply` uses).
    pub fn new(registry: Registry, options: Options) -> Self {
        Self { registry, options }
    }

    /// A linter over pfw's own PassportForWork DDF.
    pub fn with_pfw_ddf(options: Options) -> Result<Self, LoadError> {
        let registry = Registry::new().with(Arc::new(PassportCsp::new()?));
        Ok(Self::new(registry, options))
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Lints one file. The file's own defects are diagnostics, an unreadable file included.
    pub fn lint(&self, file: &str, input: &[u8]) -> Result<FileReport, LintError> {
        let (kind, text, mut diagnostics) = match read(input) {
            Input::SyncMl { message, text } => {
                let src = SourceText::new(text);
                let mut out = Vec::new();
                let build = self.options.os_build.unwrap_or(OsBuild::INSIDER);
                let (_, reports) =
                    check::engine_run(&self.registry, &message, build, Some(check::USER))?;
                let profile = profile::read_syncml(&src, &message, reports, &mut out);
                let (found, explained) = check::check(
                    &src,
                    &self.registry,
                    &self.options,
                    &profile,
                    FileKind::SyncMl,
                )?;
                out.extend(found);
                check::cross_check(&src, &profile, &explained, &mut out);
                (FileKind::SyncMl, text.to_owned(), out)
            }
            Input::Intune { json, text } => {
                let src = SourceText::new(text);
                let mut out = Vec::new();
                match intune::read(&src, &json, &mut out) {
                    Ok(profile) => {
                        let (found, _) = check::check(
                            &src,
                            &self.registry,
                            &self.options,
                            &profile,
                            FileKind::Intune,
                        )?;
                        out.extend(found);
                        (FileKind::Intune, text.to_owned(), out)
                    }
                    Err(not) => {
                        let (line, column) = src.position(not.offset);
                        let d = unreadable(line, column, not.message);
                        (FileKind::Unreadable, text.to_owned(), vec![d])
                    }
                }
            }
            Input::Unreadable {
                line,
                column,
                message,
                text,
            } => (
                FileKind::Unreadable,
                text,
                vec![unreadable(line, column, message)],
            ),
        };
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Ok(FileReport {
            file: file.to_owned(),
            kind,
            diagnostics,
            source: text,
        })
    }

    /// Explains one file: each setting in plain words, and the policy in force on a fresh
    /// device after it (for `Options::tenant`, else the profile's only tenant).
    pub fn explain(&self, file: &str, input: &[u8]) -> Result<Explanation, ExplainError> {
        explain::explain(self, file, input)
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }
}

impl FileReport {
    /// The report of a file that could not be read at all (an I/O error, say): one
    /// `unreadable` diagnostic at its start.
    pub fn unreadable(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            kind: FileKind::Unreadable,
            diagnostics: vec![unreadable(1, 1, message.into())],
            source: String::new(),
        }
    }
}

/// A file, read as what its content says it is.
enum Input<'a> {
    SyncMl {
        message: Box<SyncMl>,
        text: &'a str,
    },
    Intune {
        json: pfw_sources::json::Json,
        text: &'a str,
    },
    Unreadable {
        line: u32,
        column: u32,
        message: String,
        text: String,
    },
}

/// Decides the kind by content: a JSON object or array is Intune JSON, anything else must be
/// a SyncML message.
fn read(input: &[u8]) -> Input<'_> {
    let limit = Limits::DEFAULT.max_message_bytes;
    // Positions count from after a byte order mark, as the SyncML decoder's do.
    let body = input.strip_prefix(BOM).unwrap_or(input);
    let lossy = || String::from_utf8_lossy(body).into_owned();
    if input.len() > limit {
        return Input::Unreadable {
            line: 1,
            column: 1,
            message: format!(
                "the file is {} bytes, over the limit of {limit} bytes",
                input.len()
            ),
            text: String::new(),
        };
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        let text = match std::str::from_utf8(body) {
            Ok(text) => text,
            Err(e) => {
                let valid = body.get(..e.valid_up_to()).unwrap_or_default();
                let src_text = String::from_utf8_lossy(valid);
                let (line, column) = SourceText::new(&src_text).position(valid.len());
                return Input::Unreadable {
                    line,
                    column,
                    message: format!(
                        "not UTF-8 (byte offset {}): JSON text is UTF-8",
                        e.valid_up_to()
                    ),
                    text: lossy(),
                };
            }
        };
        return match pfw_sources::json::parse(text) {
            Ok(json) => Input::Intune { json, text },
            Err(e) => {
                let (line, column) = SourceText::new(text).position(e.offset);
                Input::Unreadable {
                    line,
                    column,
                    message: format!("not valid JSON: {}", e.syntax),
                    text: text.to_owned(),
                }
            }
        };
    }
    match SyncMl::decode(input, &Limits::DEFAULT) {
        Ok(message) => {
            let text = std::str::from_utf8(body).unwrap_or_default();
            Input::SyncMl {
                message: Box::new(message),
                text,
            }
        }
        Err(e) => {
            let pos = decode_pos(&e);
            let full = e.to_string();
            let detail = full
                .strip_prefix(&format!("{pos}: "))
                .unwrap_or(&full)
                .to_owned();
            Input::Unreadable {
                line: pos.line.max(1),
                column: pos.column.max(1),
                message: format!("not a SyncML message pfw accepts: {detail}"),
                text: lossy(),
            }
        }
    }
}

fn unreadable(line: u32, column: u32, message: String) -> Diagnostic {
    Diagnostic::new(Code::Unreadable, line, column, message)
        .with_note("nothing in this file can be checked (unusable input: exit status 2)")
}

/// Where a decode error is (1:1 when it names no place).
fn decode_pos(e: &DecodeError) -> Pos {
    match e {
        DecodeError::NotUtf8 { pos, .. }
        | DecodeError::UnsupportedEncoding { pos, .. }
        | DecodeError::UnsupportedVersion { pos, .. }
        | DecodeError::Doctype { pos }
        | DecodeError::UndeclaredEntity { pos, .. }
        | DecodeError::InvalidCharRef { pos, .. }
        | DecodeError::InvalidChar { pos, .. }
        | DecodeError::ProcessingInstruction { pos, .. }
        | DecodeError::Syntax { pos, .. }
        | DecodeError::Truncated { pos, .. }
        | DecodeError::MissingRoot { pos }
        | DecodeError::ContentOutsideRoot { pos }
        | DecodeError::WrongRoot { pos, .. }
        | DecodeError::WrongNamespace { pos, .. }
        | DecodeError::TooDeep { pos, .. }
        | DecodeError::TooManyCommands { pos, .. }
        | DecodeError::TooManyItems { pos, .. }
        | DecodeError::TextTooLong { pos, .. }
        | DecodeError::MissingBody { pos }
        | DecodeError::Grammar { pos, .. } => *pos,
        _ => Pos::new(1, 1),
    }
}

/// The UTF-8 byte order mark, which the SyncML decoder skips too.
const BOM: &[u8] = b"\xEF\xBB\xBF";
