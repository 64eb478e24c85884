//! What the linter reports: a [`Diagnostic`] has a stable [`Code`], a [`Severity`], the exact
//! place (1-based line and column, the column counted in characters), a message, and where
//! there is one a [`Fix`].
//!
//! Each code has one severity, always: `error` for what pfw (and Windows) refuse or ignore,
//! `warning` for what works but is likely not what the author meant or fails on some devices,
//! `note` for how a profile behaves that is worth knowing. A profile is *clean* when it has
//! no error and no warning.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// pfw (and Windows) refuse the command or ignore the setting.
    Error,
    /// Worth knowing: how the profile behaves (never makes a profile unclean).
    Note,
    /// Works, but likely not as meant, or fails on some devices.
    Warning,
}

impl Severity {
    /// `error`, `warning` or `note` (also SARIF's level names).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Note => "note",
            Self::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A diagnostic's stable code. [`Code::id`] is its kebab-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Code {
    /// An Add of a leaf: a second delivery of the profile is answered 418 (note).
    AddOnlyOnce,
    /// An Add of a node an earlier command of the profile created (418).
    AlreadyExists,
    /// An Atomic the engine rolls back: a member fails (507; note).
    AtomicRolledBack,
    /// All four character sets allowed and none required: the default behaviour applies.
    CharSetsDefault,
    /// Any other command pfw answers with a failure status.
    CommandFails,
    /// The same setting set to different values by two profiles (`sources`).
    ConflictingProfiles,
    /// A deprecated node, with its replacement.
    DeprecatedNode,
    /// A device-only node under `./User` (404).
    DeviceOnlyNode,
    /// Two commands with the same CmdID.
    DuplicateCmdId,
    /// The same node set twice, or set and then deleted.
    DuplicateNode,
    /// Meta Format (or the Intune type) is not the node's format (415).
    FormatMismatch,
    /// A Get inside an Atomic (500).
    GetInAtomic,
    /// An MDM value Group Policy overrides: stored, not applied (`sources`).
    GpoOverridesMdm,
    /// A setting of a Group Policy file or Intune export that Windows ignores (`sources`).
    IgnoredSetting,
    /// An Intune OMA setting the linter cannot read (no URI, unknown type).
    InvalidSetting,
    /// A LocURI that is not a valid management-tree URI, or an item without one (400).
    InvalidUri,
    /// A value that does not parse as the node's format (400).
    InvalidValue,
    /// A command whose content breaks the SyncML grammar (400).
    MalformedCommand,
    /// MDMWinsOverGP set: it has no effect on Windows Hello (`sources`).
    MdmWinsOverGpNoEffect,
    /// MinimumPINLength above MaximumPINLength: both fall back to 4 and 127.
    MinAboveMax,
    /// A command without a CmdID, or with CmdID 0 (400).
    MissingCmdId,
    /// An Atomic inside an Atomic (500).
    NestedAtomic,
    /// No character set allowed: no PIN could exist, the default behaviour applies.
    NoCharSetAllowed,
    /// Replace, Get or Delete of nodes that do not exist on a fresh device (404; one note
    /// per file).
    NodeMissing,
    /// The verb is not in the node's AccessType (405).
    NotAllowed,
    /// An encrypted value (`isEncrypted`, `****`): it cannot be checked (`sources`).
    NotCheckable,
    /// The node does not exist on the `--os-build` release (404).
    NotInBuild,
    /// The node does not exist on the `--edition` edition (404, `sources`).
    NotInEdition,
    /// A Replace of a node an earlier Add of the same Atomic created (500).
    ReplaceAfterAdd,
    /// Policy for several tenants in one profile: only the device's tenant applies.
    SeveralTenants,
    /// A TenantId written with braces.
    TenantBraces,
    /// A tenant other than the one given with `--tenant`: its policy is ignored.
    TenantMismatch,
    /// A TenantId that is not a GUID.
    TenantNotGuid,
    /// An element in command position that is not a SyncML command (400).
    UnknownCommand,
    /// A node the schema does not have, with the closest valid name (404).
    UnknownNode,
    /// Not a SyncML message nor an Intune custom profile: nothing can be checked.
    Unreadable,
    /// An OMA-DM feature pfw does not support: Copy, MoreData, `?prop=ACL`, … (406).
    Unsupported,
    /// A LocURI or one of its segments over the length limit (414).
    UriTooLong,
    /// A value outside the node's allowed values (400).
    ValueNotAllowed,
    /// A value over the size limit (413).
    ValueTooLarge,
    /// Whitespace around a LocURI: pfw trims it.
    WhitespaceAroundUri,
    /// Whitespace inside a LocURI: part of a name, so 404.
    WhitespaceInUri,
}

impl Code {
    /// Every code, alphabetically.
    pub const ALL: [Self; 42] = [
        Self::AddOnlyOnce,
        Self::AlreadyExists,
        Self::AtomicRolledBack,
        Self::CharSetsDefault,
        Self::CommandFails,
        Self::ConflictingProfiles,
        Self::DeprecatedNode,
        Self::DeviceOnlyNode,
        Self::DuplicateCmdId,
        Self::DuplicateNode,
        Self::FormatMismatch,
        Self::GetInAtomic,
        Self::GpoOverridesMdm,
        Self::IgnoredSetting,
        Self::InvalidSetting,
        Self::InvalidUri,
        Self::InvalidValue,
        Self::MalformedCommand,
        Self::MdmWinsOverGpNoEffect,
        Self::MinAboveMax,
        Self::MissingCmdId,
        Self::NestedAtomic,
        Self::NoCharSetAllowed,
        Self::NodeMissing,
        Self::NotAllowed,
        Self::NotCheckable,
        Self::NotInBuild,
        Self::NotInEdition,
        Self::ReplaceAfterAdd,
        Self::SeveralTenants,
        Self::TenantBraces,
        Self::TenantMismatch,
        Self::TenantNotGuid,
        Self::UnknownCommand,
        Self::UnknownNode,
        Self::Unreadable,
        Self::Unsupported,
        Self::UriTooLong,
        Self::ValueNotAllowed,
        Self::ValueTooLarge,
        Self::WhitespaceAroundUri,
        Self::WhitespaceInUri,
    ];

    /// The kebab-case name: stable, used in every output format.
    pub fn id(self) -> &'static str {
        self.info().0
    }

    /// The severity every diagnostic with this code has.
    pub fn severity(self) -> Severity {
        self.info().1
    }

    /// The status pfw answers the command with, for codes that predict one.
    pub fn status(self) -> Option<u16> {
        self.info().2
    }

    /// One line saying what the code means.
    pub fn summary(self) -> &'static str {
        self.info().3
    }

    /// The code with this name.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }

    fn info(self) -> (&'static str, Severity, Option<u16>, &'static str) {
        use Severity::{Error, Note, Warning};
        match self {
            Self::AddOnlyOnce => (
                "add-only-once",
                Note,
                None,
                "the profile creates leaves with Add: delivered again, each Add is answered 418",
            ),
            Self::AlreadyExists => (
                "already-exists",
                Error,
                Some(418),
                "Add of a node an earlier command of the profile created",
            ),
            Self::AtomicRolledBack => (
                "atomic-rolled-back",
                Note,
                None,
                "a member of the Atomic fails: Windows rolls back all of it (507, the others 216)",
            ),
            Self::CharSetsDefault => (
                "char-sets-default",
                Warning,
                None,
                "all character sets allowed and none required: the default (digits only) applies",
            ),
            Self::CommandFails => (
                "command-fails",
                Error,
                None,
                "pfw answers the command with a failure status",
            ),
            Self::ConflictingProfiles
            | Self::GpoOverridesMdm
            | Self::IgnoredSetting
            | Self::MdmWinsOverGpNoEffect
            | Self::NotCheckable
            | Self::NotInEdition => crate::sources::info(self),
            Self::DeprecatedNode => (
                "deprecated-node",
                Warning,
                None,
                "the node is deprecated; its replacement should be set instead",
            ),
            Self::DeviceOnlyNode => (
                "device-only-node",
                Error,
                Some(404),
                "a device-only node written under ./User",
            ),
            Self::DuplicateCmdId => (
                "duplicate-cmd-id",
                Error,
                None,
                "two commands share a CmdID: their statuses cannot be told apart",
            ),
            Self::DuplicateNode => (
                "duplicate-node",
                Warning,
                None,
                "the same node is set twice, or set and then deleted",
            ),
            Self::FormatMismatch => (
                "format-mismatch",
                Error,
                Some(415),
                "Meta Format (or the Intune data type) is not the node's format",
            ),
            Self::GetInAtomic => ("get-in-atomic", Error, Some(500), "a Get inside an Atomic"),
            Self::InvalidSetting => (
                "invalid-setting",
                Error,
                None,
                "an Intune OMA setting without a URI or of an unknown type",
            ),
            Self::InvalidUri => (
                "invalid-uri",
                Error,
                Some(400),
                "the LocURI is not a valid management-tree URI, or is missing",
            ),
            Self::InvalidValue => (
                "invalid-value",
                Error,
                Some(400),
                "the value does not parse as the node's format",
            ),
            Self::MalformedCommand => (
                "malformed-command",
                Error,
                Some(400),
                "the command breaks the SyncML grammar",
            ),
            Self::MinAboveMax => (
                "min-above-max",
                Error,
                None,
                "MinimumPINLength above MaximumPINLength: both fall back to 4 and 127",
            ),
            Self::MissingCmdId => (
                "missing-cmd-id",
                Error,
                Some(400),
                "the command has no CmdID, or CmdID 0",
            ),
            Self::NestedAtomic => (
                "nested-atomic",
                Error,
                Some(500),
                "an Atomic inside an Atomic",
            ),
            Self::NoCharSetAllowed => (
                "no-char-set-allowed",
                Error,
                None,
                "every character set is not allowed: no PIN could exist, the default applies",
            ),
            Self::NodeMissing => (
                "node-missing",
                Note,
                Some(404),
                "Replace, Get or Delete of nodes that do not exist on a fresh device (one note per file)",
            ),
            Self::NotAllowed => (
                "not-allowed",
                Error,
                Some(405),
                "the verb is not in the node's AccessType",
            ),
            Self::NotInBuild => (
                "not-in-build",
                Error,
                Some(404),
                "the node does not exist on the --os-build release",
            ),
            Self::ReplaceAfterAdd => (
                "replace-after-add",
                Error,
                Some(500),
                "a Replace of a node an earlier Add of the same Atomic created",
            ),
            Self::SeveralTenants => (
                "several-tenants",
                Warning,
                None,
                "policy for several tenants: only the device's tenant applies",
            ),
            Self::TenantBraces => (
                "tenant-braces",
                Error,
                None,
                "the TenantId is written with braces",
            ),
            Self::TenantMismatch => (
                "tenant-mismatch",
                Error,
                None,
                "a tenant other than --tenant: its policy is ignored",
            ),
            Self::TenantNotGuid => ("tenant-not-guid", Error, None, "the TenantId is not a GUID"),
            Self::UnknownCommand => (
                "unknown-command",
                Error,
                Some(400),
                "an element in command position that is not a SyncML command",
            ),
            Self::UnknownNode => (
                "unknown-node",
                Error,
                Some(404),
                "the schema has no such node",
            ),
            Self::Unreadable => (
                "unreadable",
                Error,
                None,
                "not a SyncML message nor an Intune custom profile",
            ),
            Self::Unsupported => (
                "unsupported",
                Error,
                Some(406),
                "an OMA-DM feature pfw does not support (Copy, MoreData, ?prop=ACL, …)",
            ),
            Self::UriTooLong => (
                "uri-too-long",
                Error,
                Some(414),
                "the LocURI or one of its segments is over the length limit",
            ),
            Self::ValueNotAllowed => (
                "value-not-allowed",
                Error,
                Some(400),
                "the value is outside the node's allowed values",
            ),
            Self::ValueTooLarge => (
                "value-too-large",
                Error,
                Some(413),
                "the value is over the size limit",
            ),
            Self::WhitespaceAroundUri => (
                "whitespace-around-uri",
                Warning,
                None,
                "whitespace around the LocURI (pfw trims it)",
            ),
            Self::WhitespaceInUri => (
                "whitespace-in-uri",
                Error,
                Some(404),
                "whitespace inside the LocURI: it becomes part of a node name",
            ),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One finding, at one place of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// The severity (always the code's).
    pub severity: Severity,
    /// Line, 1-based.
    pub line: u32,
    /// Column, 1-based, in characters (Unicode scalar values).
    pub column: u32,
    /// How many characters the finding covers on its line (at least 1).
    pub width: u32,
    /// What is wrong.
    pub message: String,
    /// Context: what pfw answers, where an earlier related command is.
    pub note: Option<String>,
    /// How to fix it, when there is a fix.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with `code`'s severity at `line`:`column`, one character wide.
    pub fn new(code: Code, line: u32, column: u32, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            line,
            column,
            width: 1,
            message: message.into(),
            note: None,
            fix: None,
        }
    }

    /// This diagnostic covering `width` characters.
    #[must_use]
    pub fn with_width(mut self, width: u32) -> Self {
        self.width = width.max(1);
        self
    }

    /// This diagnostic with a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// This diagnostic with a fix.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Whether the diagnostic makes a profile unclean (an error or a warning).
    pub fn is_problem(&self) -> bool {
        self.severity != Severity::Note
    }
}

/// How to fix a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// The fix, in words.
    pub message: String,
    /// Text that replaces the characters the diagnostic covers, when the fix is that simple.
    pub replacement: Option<String>,
}

impl Fix {
    /// A fix described in words only.
    pub fn advice(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            replacement: None,
        }
    }

    /// A fix that replaces the diagnostic's characters with `text`.
    pub fn replace(message: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            replacement: Some(text.into()),
        }
    }
}

/// What kind of file a profile is, decided by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Intune custom-profile JSON (Microsoft Graph's `windows10CustomConfiguration`).
    Intune,
    /// A Group Policy file or another Intune export, read by pfw-sources (`sources`).
    PolicySource,
    /// A SyncML message.
    SyncMl,
    /// Neither could be read.
    Unreadable,
}

/// The diagnostics of one file, sorted by place.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The file as named.
    pub file: String,
    /// What the file was read as.
    pub kind: FileKind,
    /// The diagnostics, by line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// The file's text (lossily decoded), for showing source lines.
    pub source: String,
}

impl FileReport {
    /// How many diagnostics have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether the file has no error and no warning.
    pub fn is_clean(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_problem)
    }

    /// Whether the file could not be read as a profile at all.
    pub fn is_unreadable(&self) -> bool {
        self.kind == FileKind::Unreadable
    }
}

/// The exit status for a run over `reports`: 2 when a file is unreadable ("unusable input"),
/// else 1 when there is an error (or a warning, with `deny_warnings`), else 0.
pub fn exit_status(reports: &[FileReport], deny_warnings: bool) -> u8 {
    if reports.iter().any(FileReport::is_unreadable) {
        return 2;
    }
    let failing = reports.iter().flat_map(|r| &r.diagnostics).any(|d| {
        d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
    });
    u8::from(failing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_sorted() {
        let ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "Code::ALL is alphabetical and unique");
        for id in ids {
            assert!(
                id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{id}"
            );
            assert_eq!(Code::from_id(id).map(Code::id), Some(id));
        }
    }

    #[test]
    fn exit_status_follows_severity_and_deny() {
        let report = |codes: &[Code], kind| FileReport {
            file: "f".to_owned(),
            kind,
            diagnostics: codes
                .iter()
                .map(|c| Diagnostic::new(*c, 1, 1, "m"))
                .collect(),
            source: String::new(),
        };
        let cases: &[(&[Code], FileKind, bool, u8)] = &[
            (&[], FileKind::SyncMl, false, 0),
            (&[Code::AddOnlyOnce], FileKind::SyncMl, true, 0),
            (&[Code::DuplicateNode], FileKind::SyncMl, false, 0),
            (&[Code::DuplicateNode], FileKind::SyncMl, true, 1),
            (&[Code::UnknownNode], FileKind::SyncMl, false, 1),
            (&[Code::Unreadable], FileKind::Unreadable, false, 2),
        ];
        for (codes, kind, deny, expected) in cases {
            assert_eq!(
                exit_status(&[report(codes, *kind)], *deny),
                *expected,
                "{codes:?} deny={deny}"
            );
        }
    }
}
