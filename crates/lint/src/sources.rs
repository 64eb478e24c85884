//! Any mix of policy files linted as one device receiving them all (README decisions): SyncML
//! messages and Intune custom profiles through [`Linter::lint`]; Group Policy files
//! (Registry.pol, .reg, GPO reports) and the other Intune exports (Settings Catalog, intent,
//! identity protection, enrollment policy) read by `pfw_sources`, their values checked against
//! the same DDF facts as OMA-URI values by running them as the commands they stand for on
//! pfw's own tree and engine, each finding moved back to the setting and named as the source
//! names it. Then what only the set shows: `conflicting-profiles`, `gpo-overrides-mdm`,
//! `mdmwinsovergp-no-effect`.

use std::collections::BTreeMap;

use pfw_passport::policy::catalog::{Placement, ValueKind, lookup};
use pfw_passport::policy::{GROUP_POLICY_TENANT, Provenance, SourceKind, TenantChoice, resolve};
use pfw_sources::{At, Format, IgnoredClass, ReadOptions, Scope, Source, TENANT_PLACEHOLDER};

use crate::Linter;

use crate::diagnostic::{Code, Diagnostic, FileKind, FileReport, Fix, Severity};
use crate::error::LintError;
use pfw_ddf::Scope as DdfScope;

impl Linter {
    /// Lints a set of files as one device receiving them all, in order: each file's own
    /// findings, then what the files do together. One report per file, in the same order.
    pub fn lint_files(&self, files: &[(String, Vec<u8>)]) -> Result<Vec<FileReport>, LintError> {
        self.lint_files_for(files, None)
    }

    /// [`lint_files`](Self::lint_files) for devices of one edition (a `PRODUCT_*` value, 0x4
    /// Enterprise): a Group Policy or Intune setting whose node that edition lacks is reported
    /// (`not-in-edition`).
    pub fn lint_files_for(
        &self,
        files: &[(String, Vec<u8>)],
        edition: Option<u32>,
    ) -> Result<Vec<FileReport>, LintError> {
        let mut reports = Vec::with_capacity(files.len());
        // The files that read as policy sources, with their report's index.
        let mut typed: Vec<(usize, Source)> = Vec::new();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let read = pfw_sources::read(name, bytes, &ReadOptions::default());
            let report = match &read {
                Ok(source) if matches!(source.format, Format::SyncMl | Format::CustomOma) => {
                    let mut report = self.lint(name, bytes)?;
                    not_checkable(&mut report, source);
                    for ignored in source
                        .ignored
                        .iter()
                        .filter(|g| g.class == IgnoredClass::NoEffect)
                    {
                        push(
                            &mut report,
                            ignored_diagnostic(
                                ignored.class,
                                &ignored.name,
                                &ignored.reason,
                                ignored.at,
                            ),
                        );
                    }
                    report
                }
                Ok(source) => {
                    let mut report = self.typed_report(name, bytes, source)?;
                    if let Some(edition) = edition {
                        self.edition_check(source, edition, &mut report);
                    }
                    report
                }
                // SyncML and JSON: the linter names the fault as it always has.
                Err(_) if looks_like_lint_input(bytes) => self.lint(name, bytes)?,
                Err(e) => {
                    let (line, column) = line_column(e.at);
                    FileReport {
                        file: name.clone(),
                        kind: FileKind::Unreadable,
                        diagnostics: vec![
                            Diagnostic::new(Code::Unreadable, line, column, e.what.to_string()).with_note(
                                "nothing in this file can be checked (unusable input: exit status 2)",
                            ),
                        ],
                        source: String::new(),
                    }
                }
            };
            if let Ok(source) = read {
                typed.push((i, source));
            }
            reports.push(report);
        }
        self.cross_files(&typed, &mut reports);
        for r in &mut reports {
            r.diagnostics.sort_by_key(|d| (d.line, d.column));
        }
        Ok(reports)
    }

    /// A Group Policy file's or Intune export's report.
    fn typed_report(
        &self,
        name: &str,
        bytes: &[u8],
        source: &Source,
    ) -> Result<FileReport, LintError> {
        let tenant = self
            .options()
            .tenant
            .clone()
            .unwrap_or_else(|| CHECK_TENANT.to_owned());
        // The last write of each node, in file order (a removal unsets it).
        let mut last: BTreeMap<(Scope, String), usize> = BTreeMap::new();
        for (i, s) in source.settings.iter().enumerate() {
            last.insert((s.scope, s.path.clone()), i);
        }
        let mut order: Vec<usize> = last
            .values()
            .copied()
            .filter(|&i| source.settings[i].value.is_some())
            .collect();
        order.sort_unstable();
        let mut message = String::from("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody>\n");
        for (n, &i) in order.iter().enumerate() {
            let s = &source.settings[i];
            let path = s
                .path
                .replacen(
                    GROUP_POLICY_TENANT,
                    &tenant,
                    usize::from(s.scope.is_group_policy()),
                )
                .replacen(TENANT_PLACEHOLDER, &tenant, 1);
            let root = if s.scope == Scope::UserMdm {
                "./User"
            } else {
                "./Device"
            };
            message.push_str(&format!(
                "<Add><CmdID>{}</CmdID><Item><Target><LocURI>{root}/Vendor/MSFT/PassportForWork/{}</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">{}</Format></Meta><Data>{}</Data></Item></Add>\n",
                n + 1,
                escape(&path),
                format_of(s.key()),
                escape(s.value.as_deref().unwrap_or_default())
            ));
        }
        message.push_str("<Final/></SyncBody></SyncML>\n");
        let inner = self.lint(name, message.as_bytes())?;
        let mut report = FileReport {
            file: name.to_owned(),
            kind: FileKind::PolicySource,
            diagnostics: Vec::new(),
            source: text_of(bytes),
        };
        for d in inner.diagnostics {
            if SKIPPED.contains(&d.code) {
                continue;
            }
            // Line 2 is the first setting's command.
            let Some(&i) = usize::try_from(d.line)
                .ok()
                .and_then(|l| l.checked_sub(2))
                .and_then(|k| order.get(k))
            else {
                continue;
            };
            let s = &source.settings[i];
            let (line, column) = line_column(s.at);
            let mut moved =
                Diagnostic::new(d.code, line, column, format!("{}: {}", s.name, d.message));
            moved.note = Some(match (d.note, s.at) {
                (Some(n), At::Byte(b)) => format!("{n}; the entry is at byte {b}"),
                (Some(n), _) => n,
                (None, At::Byte(b)) => format!("the entry is at byte {b}"),
                (None, _) => format!("{} writes {}", source.format, s.path),
            });
            moved.fix = d.fix.map(|f| match f.replacement {
                Some(r) => Fix::advice(format!("{} (the node's name is {r})", f.message)),
                None => f,
            });
            report.diagnostics.push(moved);
        }
        for ignored in &source.ignored {
            push(
                &mut report,
                ignored_diagnostic(ignored.class, &ignored.name, &ignored.reason, ignored.at),
            );
        }
        Ok(report)
    }

    /// Settings whose node (or an ancestor) the edition lacks (DDF `EditionAllowList`).
    fn edition_check(&self, source: &Source, edition: u32, report: &mut FileReport) {
        for s in source.settings.iter().filter(|s| s.value.is_some()) {
            let scope = if s.scope == Scope::UserMdm {
                DdfScope::User
            } else {
                DdfScope::Device
            };
            let path = s
                .path
                .replacen(GROUP_POLICY_TENANT, CHECK_TENANT, 1)
                .replacen(TENANT_PLACEHOLDER, CHECK_TENANT, 1);
            let mut segments = vec!["Vendor", "MSFT", "PassportForWork"];
            segments.extend(path.split('/'));
            let Ok((_, resolved)) = self.registry().resolve(scope, &segments) else {
                continue;
            };
            let lacking = resolved.chain.iter().find(|node| {
                node.applicability
                    .as_ref()
                    .is_some_and(|a| !a.allows_edition(edition))
            });
            if let Some(node) = lacking {
                let (line, column) = line_column(s.at);
                push(
                    report,
                    Diagnostic::new(
                        Code::NotInEdition,
                        line,
                        column,
                        format!(
                            "{}: {} does not exist on edition {edition:#x}: its node {} lists the editions that have it (EditionAllowList)",
                            s.name,
                            s.key(),
                            node.display_name()
                        ),
                    ),
                );
            }
        }
    }

    /// What the files do together.
    fn cross_files(&self, typed: &[(usize, Source)], reports: &mut [FileReport]) {
        let sources: Vec<Source> = typed.iter().map(|(_, s)| s.clone()).collect();
        let combined = pfw_sources::combine(&sources, self.options().tenant.as_deref());
        let report_of = |f: usize| typed.get(f).map(|(i, _)| *i);
        for c in &combined.conflicts {
            let (f1, n1, v1, at1) = &c.first;
            let (f2, n2, v2, at2) = &c.second;
            let (Some(r1), Some(r2)) = (report_of(*f1), report_of(*f2)) else {
                continue;
            };
            let file1 = reports[r1].file.clone();
            let file2 = reports[r2].file.clone();
            let (l1, c1) = line_column(*at1);
            let (l2, c2) = line_column(*at2);
            let key = key_of(&c.path);
            push(
                &mut reports[r2],
                Diagnostic::new(
                    Code::ConflictingProfiles,
                    l2,
                    c2,
                    format!(
                        "{n2} sets {key} to {v2}, but {file1} at {l1}:{c1} ({n1}) sets it to {v1}"
                    ),
                )
                .with_note(format!(
                    "the last applied wins: {v2} (files apply in command-line order)"
                )),
            );
            push(
                &mut reports[r1],
                Diagnostic::new(
                    Code::ConflictingProfiles,
                    l1,
                    c1,
                    format!(
                        "{n1} sets {key} to {v1}, but {file2} at {l2}:{c2} ({n2}) sets it to {v2}"
                    ),
                )
                .with_note(format!(
                    "the last applied wins: {v2} (files apply in command-line order)"
                )),
            );
        }
        let choice = TenantChoice {
            override_tenant: self.options().tenant.clone(),
            device_tenant: None,
        };
        let Ok(policy) = resolve(&combined.sources, &choice, None) else {
            return;
        };
        let tenant = policy.tenant.clone().unwrap_or_default();
        // User Group Policy for a Computer-only policy (PIN complexity included): ignored.
        for ignored in policy
            .ignored
            .iter()
            .filter(|i| i.source == SourceKind::UserGroupPolicy)
        {
            let Some(&(f, s)) = combined
                .origin
                .get(&(Scope::UserGroupPolicy, ignored.path.clone()))
            else {
                continue;
            };
            let Some(r) = report_of(f) else { continue };
            let written = &sources[f].settings[s];
            push(
                &mut reports[r],
                ignored_diagnostic(
                    IgnoredClass::NotApplied,
                    &written.name,
                    &ignored.reason,
                    written.at,
                ),
            );
        }
        for setting in &policy.settings {
            let Some(rule) = setting.rule else { continue };
            for loser in setting.losers.iter().filter(|l| l.blocked) {
                let scope = match loser.source {
                    Provenance::User => Scope::UserMdm,
                    Provenance::Device => Scope::DeviceMdm,
                    _ => continue,
                };
                let path = match lookup(Placement::Tenant, setting.key) {
                    Some(_) => format!("{tenant}/Policies/{}", setting.key),
                    None => setting.key.to_owned(),
                };
                let Some(&(f, s)) = combined.origin.get(&(scope, path)) else {
                    continue;
                };
                let Some(r) = report_of(f) else { continue };
                let written = &sources[f].settings[s];
                let (line, column) = line_column(written.at);
                push(
                    &mut reports[r],
                    Diagnostic::new(
                        Code::GpoOverridesMdm,
                        line,
                        column,
                        format!(
                            "{}: Group Policy decides {} ({rule}); this value {} is stored but not applied until the Group Policy settings are cleared; in force: {} from {}",
                            written.name, setting.key, loser.value, setting.value, setting.source
                        ),
                    ),
                );
            }
        }
    }
}

/// The five codes of this module: (id, severity, status, summary).
pub(crate) fn info(code: Code) -> (&'static str, Severity, Option<u16>, &'static str) {
    use Severity::{Error, Note, Warning};
    match code {
        Code::ConflictingProfiles => (
            "conflicting-profiles",
            Warning,
            None,
            "two profiles set the same setting to different values: the last applied wins",
        ),
        Code::GpoOverridesMdm => (
            "gpo-overrides-mdm",
            Warning,
            None,
            "Group Policy wins the setting's group: the MDM value is stored but not applied",
        ),
        Code::IgnoredSetting => (
            "ignored-setting",
            Warning,
            None,
            "a setting Windows ignores: an unknown registry value, a Group Policy-only or user-side policy",
        ),
        Code::MdmWinsOverGpNoEffect => (
            "mdmwinsovergp-no-effect",
            Warning,
            None,
            "MDMWinsOverGP does not apply to Windows Hello for Business",
        ),
        Code::NotInEdition => (
            "not-in-edition",
            Error,
            Some(404),
            "the node does not exist on the --edition edition",
        ),
        _ => (
            "not-checkable",
            Note,
            None,
            "an encrypted value (isEncrypted, ****): it cannot be checked",
        ),
    }
}

fn ignored_diagnostic(class: IgnoredClass, name: &str, reason: &str, at: At) -> Diagnostic {
    let code = match class {
        IgnoredClass::Invalid => Code::ValueNotAllowed,
        IgnoredClass::NoEffect => Code::MdmWinsOverGpNoEffect,
        IgnoredClass::NotCheckable => Code::NotCheckable,
        IgnoredClass::NotApplied | IgnoredClass::Unknown => Code::IgnoredSetting,
    };
    let (line, column) = line_column(at);
    let d = Diagnostic::new(code, line, column, format!("{name}: {reason}"));
    match at {
        At::Byte(b) => d.with_note(format!("the entry is at byte {b}")),
        _ => d,
    }
}

/// An encrypted OMA setting is not checkable: the linter's findings about its `****` value
/// give way to one note.
fn not_checkable(report: &mut FileReport, source: &Source) {
    for ignored in source
        .ignored
        .iter()
        .filter(|g| g.class == IgnoredClass::NotCheckable)
    {
        let (line, _) = line_column(ignored.at);
        report.diagnostics.retain(|d| {
            !(d.line == line
                && matches!(
                    d.code,
                    Code::InvalidValue | Code::ValueNotAllowed | Code::ValueTooLarge
                ))
        });
        push(
            report,
            ignored_diagnostic(ignored.class, &ignored.name, &ignored.reason, ignored.at),
        );
    }
}

fn push(report: &mut FileReport, d: Diagnostic) {
    report.diagnostics.push(d);
}

fn line_column(at: At) -> (u32, u32) {
    match at {
        At::Line(l, c) => (l.max(1), c.max(1)),
        At::File | At::Byte(_) => (1, 1),
    }
}

fn key_of(path: &str) -> &str {
    let mut parts = path.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some("Policies"), Some(key)) => key,
        _ => path,
    }
}

/// The Meta Format a node takes, from the catalog.
fn format_of(key: &str) -> &'static str {
    let def = lookup(Placement::Tenant, key).or_else(|| lookup(Placement::DeviceWide, key));
    match def.map(|d| d.kind) {
        Some(ValueKind::Bool) => "bool",
        Some(ValueKind::Int { .. }) => "int",
        _ => "chr",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The file's text for showing source lines: UTF-16 with a mark decoded, else UTF-8 lossily;
/// nothing for a binary Registry.pol.
fn text_of(bytes: &[u8]) -> String {
    if bytes.starts_with(b"PReg") {
        return String::new();
    }
    let utf16 = |rest: &[u8], f: fn([u8; 2]) -> u16| {
        let units = rest.chunks_exact(2).map(|p| f([p[0], p[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .into_owned(),
    }
}

/// SyncML or UTF-8 JSON: what [`Linter::lint`] reads and reports on itself.
fn looks_like_lint_input(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[' | b'<')
    )
}

/// Codes of the synthetic message that say nothing about the file: Intune and Group Policy
/// write values, not Adds; the tenant is pfw's own choice.
const SKIPPED: [Code; 6] = [
    Code::AddOnlyOnce,
    Code::NodeMissing,
    Code::AlreadyExists,
    Code::SeveralTenants,
    Code::TenantNotGuid,
    Code::TenantBraces,
];

/// The tenant the checks use when `--tenant` is not given (Group Policy and Settings Catalog
/// name none).
const CHECK_TENANT: &str = "00000000-0000-0000-0000-000000000000";
