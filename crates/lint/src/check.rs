//! The checks: every op runs through pfw's own tree ([`pfw_tree::Tree`], DESIGN.md's ordered
//! checks) on a fresh in-memory device, in order, so what the linter predicts is what
//! `pfw apply` answers; each refusal becomes a diagnostic at the exact place (the URI segment,
//! the Meta Format, the value). Around that run come the checks pfw does not refuse but a
//! profile's author wants to know about: whitespace in URIs, device-only nodes under `./User`,
//! TenantId names, deprecated nodes, nodes set twice, and the cross-setting rules of the
//! policy in force (through `pfw_passport::policy::resolve`, the same code `pfw policy` uses).
//!
//! Ops the engine answers without running (a missing CmdID, a Get in an Atomic, …) are
//! checked with [`Tree::check`] and change nothing. The run does not roll an Atomic back
//! after a failure: each problem is reported once, at its cause; the engine's cross-check
//! ([`cross_check`]) catches what the roll-back changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pfw_ddf::{
    LookupError, Node, NodeName, NodePath, OsBuild, Resolved, Scope, UriError, ValueErrorKind, Verb,
};
use pfw_engine::{Engine, Options as EngineOptions, Report, status_of};
use pfw_passport::policy::catalog::{DEVICE_WIDE_ROOTS, Placement, lookup};
use pfw_passport::policy::{PolicySource, Provenance, TenantChoice, keys, resolve};
use pfw_passport::state::sources;
use pfw_syncml::{Limits, StatusCode, SyncMl};
use pfw_tree::device::{BUILD_PROPERTY, DEFAULT_EDITION};
use pfw_tree::{Csp, MemoryStore, Registry, Store, Tree, TreeError, TreeLimits};

use crate::Options;
use crate::diagnostic::{Code, Diagnostic, FileKind, Fix};
use crate::error::LintError;
use crate::intune::type_for_format;
use crate::profile::{Action, Located, Op, Profile, UNBOUNDED};
use crate::source::{SourceText, raw_offset};

/// The user `./User` URIs address on the in-memory device.
pub(crate) const USER: &str = "(./User)";

/// Runs every check on a profile; returns its diagnostics (unsorted).
pub(crate) fn check(
    src: &SourceText<'_>,
    registry: &Registry,
    options: &Options,
    profile: &Profile,
    kind: FileKind,
) -> Result<Vec<Diagnostic>, LintError> {
    let mut checker = Checker {
        src,
        registry,
        options,
        kind,
        profile,
        out: Vec::new(),
    };
    let facts: Vec<Facts<'_>> = profile.ops.iter().map(|op| checker.facts(op)).collect();
    for (op, facts) in profile.ops.iter().zip(&facts) {
        checker.uri_text(op, facts);
    }
    let mut store = MemoryStore::new();
    let outcomes = checker.run(&mut store, &facts)?;
    checker.tenants(&facts);
    checker.deprecated(&facts);
    checker.policy(&store, &facts, &outcomes)?;
    if kind == FileKind::SyncMl {
        checker.add_only_once(&facts, &outcomes);
    }
    Ok(checker.out)
}

/// The engine's answer to a decoded message on a fresh in-memory device at `build`, grouped
/// per command of `profile` (a command the engine does not answer has none), with the store
/// it leaves.
pub(crate) fn engine_run(
    registry: &Registry,
    message: &SyncMl,
    profile: &Profile,
    build: OsBuild,
    user: Option<&str>,
) -> Result<(MemoryStore, Vec<Vec<Report>>), LintError> {
    let mut store = MemoryStore::new();
    store.begin()?;
    store.set_property(BUILD_PROPERTY, Some(&build.to_string()))?;
    store.commit()?;
    let engine = Engine::new(registry.clone(), Limits::DEFAULT);
    let options = EngineOptions {
        user,
        ..EngineOptions::default()
    };
    let outcome = match engine.run(&mut store, message, &options) {
        Ok(outcome) => outcome,
        Err(pfw_engine::EngineError::Store(e)) => return Err(LintError::Store(e)),
        // A decoded message is never refused; nothing to cross-check otherwise.
        Err(_) => return Ok((store, vec![Vec::new(); profile.commands.len()])),
    };
    let mut grouped = vec![Vec::new(); profile.commands.len()];
    let mut reports = outcome.reports.into_iter().peekable();
    for (command, slot) in profile.commands.iter().zip(&mut grouped) {
        let cmd_id = command.cmd_id.as_deref().unwrap_or("");
        while slot.len() < command.items.max(1) {
            let matches = reports.peek().is_some_and(|r| {
                r.command == command.name && r.cmd_id == cmd_id && r.line == command.line
            });
            if !matches {
                break;
            }
            if let Some(r) = reports.next() {
                slot.push(r);
            }
        }
    }
    Ok((store, grouped))
}

/// Runs the message through pfw's engine and reports, as `command-fails`, every failure
/// status (roll-back statuses aside) of a command no error or warning already covers.
pub(crate) fn cross_check(
    src: &SourceText<'_>,
    registry: &Registry,
    options: &Options,
    message: &SyncMl,
    profile: &Profile,
    out: &mut Vec<Diagnostic>,
) -> Result<(), LintError> {
    let build = options.os_build.unwrap_or(OsBuild::INSIDER);
    let (_, grouped) = engine_run(registry, message, profile, build, Some(USER))?;
    let mut problems: Vec<(u32, u32)> = out
        .iter()
        .filter(|d| d.is_problem())
        .map(|d| (d.line, d.column))
        .collect();
    problems.sort_unstable();
    for (i, (command, reports)) in profile.commands.iter().zip(grouped).enumerate() {
        // The command's diagnostics lie between its start tag and the next command's.
        let from = src.position(command.offset);
        let to = profile
            .commands
            .get(i + 1)
            .map_or((u32::MAX, u32::MAX), |next| src.position(next.offset));
        let first = problems.partition_point(|p| *p < from);
        let covered = problems.get(first).is_some_and(|p| *p < to);
        if covered {
            continue;
        }
        let (line, column) = from;
        let failure = reports.iter().find(|r| {
            !r.status.is_success()
                && !matches!(
                    r.status,
                    StatusCode::NotExecuted
                        | StatusCode::AtomicRollbackOk
                        | StatusCode::AtomicFailed
                )
        });
        if let Some(report) = failure {
            let reason = report.reason.as_deref().unwrap_or("");
            out.push(
                Diagnostic::new(
                    Code::CommandFails,
                    line,
                    column,
                    format!(
                        "pfw answers {} {}: {reason}",
                        report.status.code(),
                        report.status.reason()
                    ),
                )
                .with_width(1 + u32::try_from(command.name.len()).unwrap_or(0))
                .with_note(
                    "an earlier command of this message changes the device before this one \
                     runs (an Atomic that fails is rolled back whole)",
                ),
            );
        }
    }
    Ok(())
}

/// The tree's limits, from the project's one table of limits.
pub(crate) fn tree_limits() -> TreeLimits {
    pfw_engine::tree_limits(&Limits::DEFAULT)
}

/// Runs one op on the tree: executed when pfw runs it, only checked otherwise. An Intune
/// setting is an Add, or a Replace when the node exists.
pub(crate) fn run_op(tree: &mut Tree<'_>, op: &Op) -> Result<(), TreeError> {
    let command = |verb| pfw_tree::Command {
        verb,
        target: op.uri.as_ref().map(|u| u.text.as_str()),
        format: op.format.as_ref().map(|f| f.text.as_str()),
        data: op.data.as_ref().map(|d| d.text.as_str()),
        more_data: op.more_data,
    };
    match op.action {
        Action::Verb(verb) if op.run => tree.execute(&command(verb)).map(drop),
        Action::Verb(verb) => tree.check(&command(verb)).map(drop),
        Action::Set => match tree.execute(&command(Verb::Add)) {
            Err(TreeError::AlreadyExists(_)) => tree.execute(&command(Verb::Replace)).map(drop),
            other => other.map(drop),
        },
    }
}

/// What the schema says about one op's URI.
struct Facts<'r> {
    /// The parsed URI (no length bounds), when it parses.
    path: Option<NodePath>,
    /// The CSP and schema nodes the URI names, when it names one.
    resolved: Option<(&'r dyn Csp, Resolved<'r>)>,
    /// The TenantId segment: its index among the segments after the scope, its name, and the
    /// CSP and dynamic node it instantiates.
    tenant: Option<(usize, String, &'r dyn Csp, &'r Node)>,
    /// A device-only node under `./User`: the device node's name where the trees part.
    device_only: Option<String>,
    /// Character index of the first whitespace inside the URI.
    inner_whitespace: Option<usize>,
    /// Character spans (start, length) of the URI's segments after the scope.
    segments: Vec<(usize, usize)>,
}

struct Checker<'c, 's> {
    src: &'c SourceText<'s>,
    registry: &'c Registry,
    options: &'c Options,
    kind: FileKind,
    profile: &'c Profile,
    out: Vec<Diagnostic>,
}

/// What became of an op on the in-memory device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// pfw did not run it, or refused it.
    Failed,
    /// It ran and succeeded.
    Done,
}

impl<'c> Checker<'c, '_> {
    fn facts(&self, op: &Op) -> Facts<'c> {
        let mut facts = Facts {
            path: None,
            resolved: None,
            tenant: None,
            device_only: None,
            inner_whitespace: None,
            segments: Vec::new(),
        };
        let Some(uri) = &op.uri else { return facts };
        facts.segments = segment_spans(&uri.text);
        facts.inner_whitespace = uri.text.chars().position(char::is_whitespace);
        let Ok(path) = NodePath::parse(&uri.text, UNBOUNDED) else {
            return facts;
        };
        let segments: Vec<&str> = path.segments().iter().map(String::as_str).collect();
        let registry: &'c Registry = self.registry;
        let full = registry.resolve(path.scope(), &segments);
        // The longest prefix that resolves, for the TenantId.
        let prefix = match &full {
            Ok(_) => None,
            Err(
                LookupError::UnknownSegment { index, .. } | LookupError::BelowLeaf { index, .. },
            ) => index
                .checked_sub(1)
                .and_then(|n| segments.get(..n))
                .and_then(|s| registry.resolve(path.scope(), s).ok()),
            Err(_) => None,
        };
        if path.scope() == Scope::User
            && let Ok((_, device)) = registry.resolve(Scope::Device, &segments)
        {
            // Where the user tree parts from the device tree: a name it reads as a dynamic
            // one (a TenantId) where the device tree has a node of that name, else the
            // segment the user tree lacks.
            let user_chain: &[&Node] = match (&full, &prefix) {
                (Ok((_, r)), _) | (Err(_), Some((_, r))) => &r.chain,
                (Err(_), None) => &[],
            };
            let dynamic_read = device
                .chain
                .iter()
                .zip(user_chain)
                .find(|(d, u)| u.name == NodeName::Dynamic && d.name != NodeName::Dynamic)
                .map(|(d, _)| *d);
            let parted = match (&full, dynamic_read) {
                (_, Some(node)) => Some(node),
                (Err(LookupError::UnknownSegment { index, .. }), None) => index
                    .checked_sub(1 + device.prefix_len)
                    .and_then(|i| device.chain.get(i))
                    .copied(),
                (Err(_), None) => device.chain.last().copied(),
                (Ok(_), None) => None,
            };
            facts.device_only = parted.map(Node::display_name);
        }
        let tenant_source = full.as_ref().ok().or(prefix.as_ref());
        if facts.device_only.is_none()
            && let Some((csp, resolved)) = tenant_source
            && csp.name() == pfw_passport::schema::NAME
            && let Some(node) = resolved.chain.get(1)
            && node.name == NodeName::Dynamic
            && let Some(name) = segments.get(resolved.prefix_len + 1)
        {
            facts.tenant = Some((resolved.prefix_len + 1, (*name).to_owned(), *csp, *node));
        }
        facts.resolved = full.ok();
        facts.path = Some(path);
        facts
    }

    /// Whitespace inside and around a URI, and device-only nodes under `./User`.
    fn uri_text(&mut self, op: &Op, facts: &Facts<'_>) {
        let Some(uri) = &op.uri else { return };
        let quoted = match self.kind {
            FileKind::Intune => format!("\"{}\"", uri.text),
            _ => format!("<LocURI>{}</LocURI>", uri.text),
        };
        if let Some(at) = facts.inner_whitespace {
            let run = uri
                .text
                .chars()
                .skip(at)
                .take_while(|c| c.is_whitespace())
                .count();
            let cleaned: String = uri.text.chars().filter(|c| !c.is_whitespace()).collect();
            let d = self
                .span(
                    uri,
                    at,
                    run,
                    Code::WhitespaceInUri,
                    "whitespace inside the URI becomes part of a node name",
                )
                .with_note("pfw answers 404 Not found, as Windows does for a URI with a line break pasted in")
                .with_fix(Fix::advice(format!("write the URI without it: {cleaned}")));
            self.push(op, d);
        }
        if uri.padded {
            let d = self
                .span(
                    uri,
                    0,
                    uri.text.chars().count(),
                    Code::WhitespaceAroundUri,
                    "whitespace around the URI",
                )
                .with_note(
                    "pfw trims it, as Microsoft's own 2019 example needs; URIs with pasted line \
                     breaks and spaces are a known cause of 404 answers from Windows",
                )
                .with_fix(Fix::advice(format!("write {quoted}")));
            self.push(op, d);
        }
        if let Some(name) = &facts.device_only {
            let scope_len = if uri.text.starts_with("./") { 6 } else { 4 };
            let d = self
                .span(
                    uri,
                    0,
                    scope_len,
                    Code::DeviceOnlyNode,
                    format!("`{name}` is a device-only node: the ./User tree has no such node"),
                )
                .with_fix(Fix::replace(
                    "write it in device scope",
                    if scope_len == 6 { "./Device" } else { "Device" },
                ));
            self.push(op, d);
        }
    }

    /// Runs every op on a fresh in-memory device, reporting each refusal.
    fn run(
        &mut self,
        store: &mut MemoryStore,
        facts: &[Facts<'_>],
    ) -> Result<Vec<Outcome>, LintError> {
        store.begin()?;
        let device = pfw_tree::Device {
            build: self.options.os_build.unwrap_or(OsBuild::INSIDER),
            edition: DEFAULT_EDITION,
        };
        let registry = self.registry;
        let mut tree = Tree::new(store, registry, device, tree_limits(), Some(USER), false);
        let mut outcomes = Vec::with_capacity(self.profile.ops.len());
        // (canonical path, op) of every node created, and of every value written.
        let mut created: BTreeMap<String, usize> = BTreeMap::new();
        let mut written: BTreeMap<String, usize> = BTreeMap::new();
        for (i, (op, fact)) in self.profile.ops.iter().zip(facts).enumerate() {
            let result = run_op(&mut tree, op);
            let canonical = fact.path.as_ref().map(|p| p.without_query().to_string());
            match result {
                Err(TreeError::Store(e)) => return Err(LintError::Store(e)),
                Err(error) => {
                    if let Some(d) = self.refusal(op, fact, &error, &created) {
                        self.push(op, d);
                    }
                    if fact.device_only.is_some() {
                        self.note_device_only(op, Some(&error));
                    }
                    outcomes.push(Outcome::Failed);
                }
                Ok(()) if !op.run => outcomes.push(Outcome::Failed),
                Ok(()) => {
                    if fact.device_only.is_some() {
                        self.note_device_only(op, None);
                    }
                    if let Some(path) = canonical {
                        self.duplicates(i, op, fact, &path, &mut written);
                        if matches!(op.action, Action::Set | Action::Verb(Verb::Add)) {
                            created.entry(path).or_insert(i);
                        }
                    }
                    outcomes.push(Outcome::Done);
                }
            }
        }
        Ok(outcomes)
    }

    /// The diagnostic for a refusal by pfw's tree.
    fn refusal(
        &self,
        op: &Op,
        facts: &Facts<'_>,
        error: &TreeError,
        created: &BTreeMap<String, usize>,
    ) -> Option<Diagnostic> {
        let status = status_of(error);
        let answer = format!("pfw answers {} {}", status.code(), status.reason());
        let d = match error {
            TreeError::MissingTarget => self
                .at(
                    op.anchor,
                    op.anchor + "<Item".len(),
                    Code::InvalidUri,
                    "the item has no Target LocURI",
                )
                .with_fix(Fix::advice(
                    "give the item a <Target><LocURI>…</LocURI></Target>",
                )),
            TreeError::Uri(UriError::TooLong { .. }) => {
                self.whole_uri(op, Code::UriTooLong, error.to_string())
            }
            TreeError::Uri(UriError::SegmentTooLong { index, .. }) => {
                // The URI's own count includes the scope segment, when there is one.
                let index = index.saturating_sub(usize::from(has_scope_segment(op)));
                self.segment(op, facts, index, 1, Code::UriTooLong, error.to_string())
            }
            TreeError::Uri(uri_error) => {
                let d = self.whole_uri(op, Code::InvalidUri, error.to_string());
                match (uri_error, op.uri.as_ref()) {
                    (UriError::LeadingSlash | UriError::EmptySegment { .. }, Some(uri)) => {
                        let fixed = tidy_uri(&uri.text);
                        d.with_fix(Fix::replace(format!("write `{fixed}`"), fixed))
                    }
                    _ => d,
                }
            }
            TreeError::NotInSchema(_) if facts.inner_whitespace.is_some() => return None,
            TreeError::NotInSchema(_) if facts.device_only.is_some() => return None,
            TreeError::NotInSchema(lookup) => self.unknown_node(op, facts, lookup),
            TreeError::NotApplicable { node, why } => {
                let build = self
                    .options
                    .os_build
                    .map_or_else(|| "this device".to_owned(), |b| format!("build {b}"));
                self.whole_uri(
                    op,
                    Code::NotInBuild,
                    format!("`{node}` does not exist on {build}"),
                )
                .with_fix(Fix::advice(why.clone()))
            }
            TreeError::NotAllowed { verb, allowed, .. } => {
                let d = self.whole_uri(op, Code::NotAllowed, error.to_string());
                let advice = match (verb, allowed.as_str()) {
                    (Verb::Replace, _) if !allowed.contains("Replace") => {
                        Some("Replace sets a leaf's value; an interior node is created with Add")
                    }
                    (Verb::Add, a) if a.contains("Add") => {
                        Some("the node always exists: leave this Add out")
                    }
                    (Verb::Add | Verb::Replace | Verb::Delete, "Get") => {
                        Some("the node is read-only: it can only be read with Get")
                    }
                    _ => None,
                };
                match advice {
                    Some(a) => d.with_fix(Fix::advice(a)),
                    None => d,
                }
            }
            TreeError::AlreadyExists(path) => {
                let d = self.whole_uri(
                    op,
                    Code::AlreadyExists,
                    format!("`{path}` already exists when this Add runs"),
                );
                let creator = subtree(created, path).min_by_key(|(_, i)| **i);
                let d = match creator {
                    Some((p, i)) => {
                        let line = self.op_line(*i);
                        if p == path {
                            d.with_note(format!("the Add at line {line} created it"))
                        } else {
                            d.with_note(format!(
                                "the Add at line {line} created it implicitly, as the parent of \
                                 the node it adds"
                            ))
                        }
                    }
                    None => d,
                };
                d.with_fix(Fix::advice(
                    "leave this Add out, or use Replace to change a value",
                ))
            }
            TreeError::Missing(path) => {
                let verb = op.action.name();
                let advice = match op.action {
                    Action::Verb(Verb::Replace) => {
                        "Replace never creates a node: a first delivery creates it with Add"
                    }
                    Action::Verb(Verb::Delete) => {
                        "on a device that already has it this works; on a fresh device there is \
                         nothing to delete"
                    }
                    _ => "on a device that already has it this works",
                };
                self.whole_uri(
                    op,
                    Code::NodeMissing,
                    format!("{verb} of `{path}`, which does not exist on a fresh device"),
                )
                .with_fix(Fix::advice(advice))
            }
            TreeError::Permanent(_) => self
                .whole_uri(op, Code::NotAllowed, error.to_string())
                .with_fix(Fix::advice("leave this Delete out")),
            TreeError::Format {
                given, expected, ..
            } => self.format_mismatch(op, error, given, expected),
            TreeError::Value(value) => {
                let code = match value.kind {
                    ValueErrorKind::OutOfRange { .. }
                    | ValueErrorKind::NotAllowed { .. }
                    | ValueErrorKind::NotFlags { .. }
                    | ValueErrorKind::NoMatch { .. } => Code::ValueNotAllowed,
                    _ => Code::InvalidValue,
                };
                let d = self.value(op, code, value.to_string());
                match value_fix(
                    &value.kind,
                    op.data.as_ref().map_or("", |d| d.text.as_str()),
                ) {
                    Some(fix) => d.with_fix(fix),
                    None => d,
                }
            }
            TreeError::ValueTooLarge { .. } => {
                self.value(op, Code::ValueTooLarge, error.to_string())
            }
            TreeError::Unsupported(pfw_tree::Unsupported::MoreData) => self.at(
                op.anchor,
                op.anchor + "<Item".len(),
                Code::Unsupported,
                error.to_string(),
            ),
            TreeError::Unsupported(_) => self.whole_uri(op, Code::Unsupported, error.to_string()),
            _ => self.whole_uri(op, Code::CommandFails, error.to_string()),
        };
        Some(match &d.note {
            Some(note) => {
                let note = format!("{answer}; {note}");
                d.with_note(note)
            }
            None => d.with_note(answer),
        })
    }

    fn unknown_node(&self, op: &Op, facts: &Facts<'_>, lookup: &LookupError) -> Diagnostic {
        match lookup {
            LookupError::UnknownSegment {
                index,
                segment,
                parent,
                closest,
            } => {
                let d = self.segment(
                    op,
                    facts,
                    *index,
                    1,
                    Code::UnknownNode,
                    format!("`{segment}` is not a child of `{parent}`"),
                );
                match closest {
                    Some(name) => d.with_fix(Fix::replace(format!("did you mean `{name}`?"), name)),
                    None => d,
                }
            }
            LookupError::BelowLeaf { index, leaf } => {
                let count = facts.segments.len().saturating_sub(index - 1);
                self.segment(
                    op,
                    facts,
                    *index,
                    count,
                    Code::UnknownNode,
                    format!("`{leaf}` is a leaf and has no children"),
                )
                .with_fix(Fix::advice("end the URI at the leaf"))
            }
            LookupError::OutsideSchema {
                path,
                scope,
                closest,
            } => {
                let d = self.whole_uri(
                    op,
                    Code::UnknownNode,
                    format!("`{path}` is not inside a tree pfw knows for the {scope} scope"),
                );
                match closest {
                    Some(name) => d.with_fix(Fix::advice(format!("did you mean `{name}`?"))),
                    None => d,
                }
            }
            other => self.whole_uri(op, Code::UnknownNode, other.to_string()),
        }
    }

    fn format_mismatch(
        &self,
        op: &Op,
        error: &TreeError,
        given: &str,
        expected: &str,
    ) -> Diagnostic {
        let Some(format) = &op.format else {
            return self.whole_uri(op, Code::FormatMismatch, error.to_string());
        };
        match self.kind {
            FileKind::Intune => {
                let type_len = json_string_chars(self.src.text(), format.start);
                let node = op.uri.as_ref().map_or("", |u| u.text.as_str());
                let d = self.span_chars(
                    format,
                    0,
                    type_len,
                    Code::FormatMismatch,
                    format!(
                        "this setting type sends Format `{given}`, but `{}` is `{expected}`",
                        node.rsplit('/').next().unwrap_or(node)
                    ),
                );
                match type_for_format(expected) {
                    Some(t) => d.with_fix(Fix::replace(
                        format!("use the type #microsoft.graph.{t}"),
                        format!("#microsoft.graph.{t}"),
                    )),
                    None => d,
                }
            }
            _ => self
                .span(
                    format,
                    0,
                    format.text.chars().count(),
                    Code::FormatMismatch,
                    error.to_string(),
                )
                .with_fix(Fix::replace(format!("write `{expected}`"), expected)),
        }
    }

    fn note_device_only(&mut self, op: &Op, error: Option<&TreeError>) {
        let note = match error {
            Some(e) => {
                let status = status_of(e);
                format!("pfw answers {} {}", status.code(), status.reason())
            }
            None => "pfw accepts the URI, but only as a TenantId with that name: the setting \
                     it means is not made"
                .to_owned(),
        };
        let line = op
            .uri
            .as_ref()
            .map(|u| self.src.position(u.start).0)
            .unwrap_or(0);
        if let Some(d) = self
            .out
            .iter_mut()
            .rev()
            .find(|d| d.code == Code::DeviceOnlyNode && d.line == line)
        {
            d.note = Some(note);
        }
    }

    /// The same node set twice, or set and then deleted.
    fn duplicates(
        &mut self,
        i: usize,
        op: &Op,
        facts: &Facts<'_>,
        path: &str,
        written: &mut BTreeMap<String, usize>,
    ) {
        let is_leaf = facts
            .resolved
            .as_ref()
            .is_some_and(|(_, r)| r.node().is_leaf());
        match op.action {
            Action::Verb(Verb::Delete) => {
                let gone: Vec<(String, usize)> = subtree(written, path)
                    .map(|(p, j)| (p.clone(), *j))
                    .collect();
                if let Some((set, j)) = gone.iter().min_by_key(|(_, j)| *j).cloned() {
                    let line = self.op_line(j);
                    let d = self
                        .whole_uri(
                            op,
                            Code::DuplicateNode,
                            format!("this Delete removes `{set}`, which line {line} sets"),
                        )
                        .with_note("the value set earlier in this profile never applies")
                        .with_fix(Fix::advice("leave out either the setting or the Delete"));
                    self.push(op, d);
                }
                for (p, _) in gone {
                    written.remove(&p);
                }
            }
            action if action.writes() && is_leaf => {
                if let Some(j) = written.get(path) {
                    let line = self.op_line(*j);
                    let before = self.profile.ops.get(*j).and_then(|o| o.data.as_ref());
                    let now = op.data.as_ref().map_or("", |d| d.text.as_str());
                    let note = match before {
                        Some(b) if b.text == now => {
                            format!("line {line} already sets it to the same value")
                        }
                        Some(b) => format!(
                            "line {line} sets it to `{}`; the last value, `{now}`, applies",
                            b.text
                        ),
                        None => format!("line {line} already sets it"),
                    };
                    let d = self
                        .whole_uri(op, Code::DuplicateNode, format!("`{path}` is set twice"))
                        .with_note(note)
                        .with_fix(Fix::advice("set each node once per profile"));
                    self.push(op, d);
                }
                written.insert(path.to_owned(), i);
            }
            _ => {}
        }
    }

    /// TenantId names: GUID, braces, `--tenant`, several tenants.
    fn tenants(&mut self, facts: &[Facts<'_>]) {
        // First occurrence of each tenant name, in document order, and its number of uses.
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for (i, fact) in facts.iter().enumerate() {
            if let Some((_, name, _, _)) = &fact.tenant {
                let count = uses.entry(name.as_str()).or_insert(0);
                if *count == 0 {
                    seen.push((name.clone(), i));
                }
                *count += 1;
            }
        }
        for (name, i) in &seen {
            let (Some(op), Some(fact)) = (self.profile.ops.get(*i), facts.get(*i)) else {
                continue;
            };
            let Some((index, _, csp, node)) = &fact.tenant else {
                continue;
            };
            let uses = uses.get(name.as_str()).copied().unwrap_or(0);
            let inner = name.strip_prefix('{').and_then(|n| n.strip_suffix('}'));
            if let Some(inner) = inner.filter(|n| csp.check_name(node, n, true).is_ok()) {
                let d = self
                    .segment(
                        op,
                        fact,
                        index + 1,
                        1,
                        Code::TenantBraces,
                        format!("TenantId `{name}` is written with braces"),
                    )
                    .with_note(format!(
                        "the DDF names a TenantId a GUID without braces; {uses} URI(s) of this \
                         profile use this name"
                    ))
                    .with_fix(Fix::replace("write it without braces", inner));
                self.push(op, d);
            } else if let Err(rule) = csp.check_name(node, name, true) {
                let odd: BTreeSet<char> = name
                    .chars()
                    .filter(|c| !c.is_ascii_hexdigit() && *c != '-')
                    .collect();
                let mut message = format!("TenantId `{name}` is not a GUID");
                if !odd.is_empty() && odd.len() <= 8 {
                    let list: Vec<String> = odd.iter().map(char::to_string).collect();
                    message.push_str(&format!(
                        " ({} are not hexadecimal digits)",
                        list.join(", ")
                    ));
                }
                let d = self
                    .segment(op, fact, index + 1, 1, Code::TenantNotGuid, message)
                    .with_note(format!(
                        "{rule}; pfw accepts other names (--strict answers 400) and {uses} URI(s) \
                         of this profile use this one"
                    ))
                    .with_fix(Fix::advice(
                        "use your Microsoft Entra tenant ID, e.g. 3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83",
                    ));
                self.push(op, d);
            }
        }
        match &self.options.tenant {
            Some(wanted) => {
                for (name, i) in &seen {
                    if name == wanted {
                        continue;
                    }
                    let (Some(op), Some(fact)) = (self.profile.ops.get(*i), facts.get(*i)) else {
                        continue;
                    };
                    let Some((index, ..)) = &fact.tenant else {
                        continue;
                    };
                    let mut message = format!(
                        "policy for tenant `{name}` is ignored on a device of tenant `{wanted}`"
                    );
                    if name.eq_ignore_ascii_case(wanted) {
                        message.push_str(" (tenant names compare exactly, letter case included)");
                    }
                    let d = self
                        .segment(op, fact, index + 1, 1, Code::TenantMismatch, message)
                        .with_fix(Fix::replace(format!("write `{wanted}`"), wanted.clone()));
                    self.push(op, d);
                }
            }
            None if seen.len() > 1 => {
                let first = seen.first().map_or("", |(n, _)| n.as_str());
                let count = seen.len();
                for (name, i) in seen.iter().skip(1) {
                    let (Some(op), Some(fact)) = (self.profile.ops.get(*i), facts.get(*i)) else {
                        continue;
                    };
                    let Some((index, ..)) = &fact.tenant else {
                        continue;
                    };
                    let d = self
                        .segment(
                            op,
                            fact,
                            index + 1,
                            1,
                            Code::SeveralTenants,
                            format!(
                                "another tenant, `{name}`: this profile sets policy for {count} \
                                 tenants, the first `{first}`"
                            ),
                        )
                        .with_note("a device applies only its own tenant's policy")
                        .with_fix(Fix::advice(
                            "keep one tenant per profile (lint with --tenant to check which)",
                        ));
                    self.push(op, d);
                }
            }
            None => {}
        }
    }

    /// Writes to deprecated nodes, with their replacement.
    fn deprecated(&mut self, facts: &[Facts<'_>]) {
        for (op, fact) in self.profile.ops.iter().zip(facts) {
            let Some((_, resolved)) = &fact.resolved else {
                continue;
            };
            let node = resolved.node();
            if node.deprecated.is_none() || !op.action.writes() {
                continue;
            }
            // The catalog key: the path below the CSP root (below Policies for a tenant's).
            let first = resolved.prefix_len + 1;
            let (key_from, placement) = match resolved.chain.get(1) {
                Some(n) if n.name == NodeName::Dynamic => (first + 2, Placement::Tenant),
                _ => (first, Placement::DeviceWide),
            };
            let key: Vec<&str> = fact
                .path
                .iter()
                .flat_map(|p| p.segments().iter().skip(key_from))
                .map(String::as_str)
                .collect();
            let key = key.join("/");
            let count = fact.segments.len().saturating_sub(key_from);
            let d = self.segment(
                op,
                fact,
                key_from + 1,
                count.max(1),
                Code::DeprecatedNode,
                format!("`{}` is deprecated", node.display_name()),
            );
            let d = match lookup(placement, &key).and_then(|def| def.replaced_by) {
                Some(new) => d.with_fix(Fix::replace(format!("set `{new}` instead"), new)),
                None => d,
            };
            self.push(op, d);
        }
    }

    /// The rules of the policy in force that look at several values: minimum above maximum,
    /// character sets all allowed with none required, or none allowed. Checked for each
    /// tenant whose PIN lengths or character sets the profile sets, for the device policy alone
    /// and with the user's merged in.
    fn policy(
        &mut self,
        store: &MemoryStore,
        facts: &[Facts<'_>],
        outcomes: &[Outcome],
    ) -> Result<(), LintError> {
        let setters = self.setters(facts, outcomes);
        // Only tenants where a rule can apply: both lengths, or all four sets, are set.
        let mut set_keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (_, tenant, key) in setters.keys() {
            set_keys.entry(tenant).or_default().insert(key);
        }
        let tenants = set_keys.iter().filter(|(_, keys)| {
            (keys.contains(keys::MINIMUM_PIN_LENGTH) && keys.contains(keys::MAXIMUM_PIN_LENGTH))
                || CHAR_SET_KEYS.iter().all(|k| keys.contains(k))
        });
        let mut users = vec![(None, sources(store, None)?)];
        if store.find_instance(Some(USER))?.is_some() {
            users.push((Some(USER), sources(store, Some(USER))?));
        }
        let mut found: BTreeSet<(Code, usize, usize)> = BTreeSet::new();
        for (tenant, _) in tenants {
            for (user, all) in &users {
                let own: Vec<PolicySource> = all.iter().map(|s| only_tenant(s, tenant)).collect();
                let choice = TenantChoice {
                    override_tenant: Some((*tenant).to_owned()),
                    device_tenant: None,
                };
                let Ok(policy) = resolve(&own, &choice, *user) else {
                    continue;
                };
                let fell_back = |key: &str| {
                    policy
                        .setting(key)
                        .is_some_and(|s| s.source == Provenance::Fallback)
                };
                // The op whose value is in force: the user's first, when the user is merged in.
                let scopes: &[Scope] = match user {
                    Some(_) => &[Scope::User, Scope::Device],
                    None => &[Scope::Device],
                };
                let setter = |key: &str| {
                    scopes.iter().find_map(|scope| {
                        setters
                            .get(&(*scope, (*tenant).to_owned(), key.to_owned()))
                            .copied()
                    })
                };
                if fell_back(keys::MINIMUM_PIN_LENGTH)
                    && let (Some(min), Some(max)) = (
                        setter(keys::MINIMUM_PIN_LENGTH),
                        setter(keys::MAXIMUM_PIN_LENGTH),
                    )
                {
                    found.insert((Code::MinAboveMax, min, max));
                }
                if CHAR_SET_KEYS.iter().any(|k| fell_back(k)) {
                    let setters: Vec<usize> =
                        CHAR_SET_KEYS.iter().filter_map(|k| setter(k)).collect();
                    let values: Vec<Option<i64>> = setters
                        .iter()
                        .map(|i| self.data_of(*i).and_then(|d| d.parse().ok()))
                        .collect();
                    let code = if values.iter().all(|v| *v == Some(CHAR_ALLOWED)) {
                        Some(Code::CharSetsDefault)
                    } else if values.iter().all(|v| *v == Some(CHAR_NOT_ALLOWED)) {
                        Some(Code::NoCharSetAllowed)
                    } else {
                        None
                    };
                    if let (Some(code), Some(last), true) = (
                        code,
                        setters.iter().copied().max(),
                        setters.len() == CHAR_SET_KEYS.len(),
                    ) {
                        found.insert((code, last, last));
                    }
                }
            }
        }
        let profile = self.profile;
        for (code, i, other) in found {
            let Some(op) = profile.ops.get(i) else {
                continue;
            };
            let d = match code {
                Code::MinAboveMax => self
                    .value(
                        op,
                        code,
                        format!(
                            "MinimumPINLength {} is greater than MaximumPINLength {}",
                            self.data_of(i).unwrap_or_default(),
                            self.data_of(other).unwrap_or_default()
                        ),
                    )
                    .with_note(format!(
                        "MaximumPINLength is set at line {}; Windows then uses 4 and 127 for both",
                        self.op_line(other)
                    ))
                    .with_fix(Fix::advice("make the minimum at most the maximum")),
                Code::CharSetsDefault => self
                    .value(
                        op,
                        code,
                        "all four character sets are allowed and none is required",
                    )
                    .with_note(
                        "the 2019 CSP page applies the default then: digits required, the other \
                         sets not allowed (later pages say letters become optional)",
                    )
                    .with_fix(Fix::advice(
                        "require at least one set (1), or leave the character sets unset",
                    )),
                _ => self
                    .value(op, code, "no character set is allowed: no PIN could exist")
                    .with_note(
                        "pfw applies the default instead: digits required, the other sets not \
                         allowed",
                    )
                    .with_fix(Fix::advice("allow (0) or require (1) at least one set")),
            };
            self.push(op, d);
        }
        Ok(())
    }

    /// The op whose value is stored, after the whole profile, for each (scope, tenant, key)
    /// of the PIN length and character-set policies: the last write that succeeded, unless a
    /// later Delete removed it.
    fn setters(
        &self,
        facts: &[Facts<'_>],
        outcomes: &[Outcome],
    ) -> BTreeMap<(Scope, String, String), usize> {
        let mut setters: BTreeMap<(Scope, String, String), usize> = BTreeMap::new();
        for (i, ((op, fact), outcome)) in
            self.profile.ops.iter().zip(facts).zip(outcomes).enumerate()
        {
            let (Some(path), Outcome::Done) = (&fact.path, outcome) else {
                continue;
            };
            let Some((tenant, key)) = policy_key(path) else {
                continue;
            };
            if op.action.writes() && RULE_KEYS.contains(&key.as_str()) {
                setters.insert((path.scope(), tenant.to_owned(), key), i);
            } else if op.action == Action::Verb(Verb::Delete) {
                let tenant_range = (path.scope(), tenant.to_owned(), String::new())
                    ..(path.scope(), format!("{tenant}\0"), String::new());
                let gone: Vec<(Scope, String, String)> = setters
                    .range(tenant_range)
                    .map(|(k, _)| k)
                    .filter(|(_, t, k)| {
                        t == tenant
                            && (key.is_empty() || k == &key || k.starts_with(&format!("{key}/")))
                    })
                    .cloned()
                    .collect();
                for k in gone {
                    setters.remove(&k);
                }
            }
        }
        setters
    }

    /// The value text of op `i`.
    fn data_of(&self, i: usize) -> Option<&str> {
        self.profile
            .ops
            .get(i)?
            .data
            .as_ref()
            .map(|d| d.text.as_str())
    }

    /// One note per file, at the first successful Add of a leaf.
    fn add_only_once(&mut self, facts: &[Facts<'_>], outcomes: &[Outcome]) {
        let adds: Vec<usize> = self
            .profile
            .ops
            .iter()
            .zip(facts)
            .zip(outcomes)
            .enumerate()
            .filter(|(_, ((op, fact), outcome))| {
                op.action == Action::Verb(Verb::Add)
                    && **outcome == Outcome::Done
                    && fact
                        .resolved
                        .as_ref()
                        .is_some_and(|(_, r)| r.node().is_leaf())
            })
            .map(|(i, _)| i)
            .collect();
        let Some(first) = adds.first().and_then(|i| self.profile.ops.get(*i)) else {
            return;
        };
        let Some(command) = self.profile.commands.get(first.command) else {
            return;
        };
        let (line, column) = self.src.position(command.offset);
        let n = adds.len();
        let leaves = if n == 1 { "leaf" } else { "leaves" };
        self.out.push(
            Diagnostic::new(
                Code::AddOnlyOnce,
                line,
                column,
                format!("this profile creates {n} {leaves} with Add: it is a first delivery"),
            )
            .with_width(4)
            .with_note(
                "delivered again, every Add is answered 418 Already exists (as on Windows); \
                 later changes are sent with Replace",
            ),
        );
    }

    fn op_line(&self, i: usize) -> u32 {
        self.profile.ops.get(i).map_or(0, |op| {
            let at = op.uri.as_ref().map_or(op.anchor, |u| u.start);
            self.src.position(at).0
        })
    }

    fn push(&mut self, op: &Op, mut d: Diagnostic) {
        if self.kind == FileKind::Intune
            && let Some(label) = &op.label
        {
            d.message = format!("{} (setting “{label}”)", d.message);
        }
        self.out.push(d);
    }

    fn at(&self, from: usize, to: usize, code: Code, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.src.position(from);
        Diagnostic::new(code, line, column, message).with_width(self.src.width(from, to))
    }

    /// A diagnostic over `len` characters of `text` from character `from`.
    fn span(
        &self,
        text: &Located,
        from: usize,
        len: usize,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = raw_offset(self.src.text(), text.start, from, text.escapes);
        let end = raw_offset(self.src.text(), text.start, from + len, text.escapes);
        self.at(start, end, code, message)
    }

    /// Like [`Self::span`], `len` counted in raw characters from the text's start.
    fn span_chars(
        &self,
        text: &Located,
        from: usize,
        len: usize,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = raw_offset(self.src.text(), text.start, from, text.escapes);
        let end = self
            .src
            .text()
            .get(start..)
            .and_then(|rest| rest.char_indices().nth(len).map(|(i, _)| start + i))
            .unwrap_or(start);
        self.at(start, end, code, message)
    }

    /// How many raw characters a located text takes (escapes included).
    fn raw_len(&self, text: &Located) -> usize {
        let end = raw_offset(
            self.src.text(),
            text.start,
            text.text.chars().count(),
            text.escapes,
        );
        self.src
            .text()
            .get(text.start..end)
            .map_or(0, |s| s.chars().count())
    }

    fn whole_uri(&self, op: &Op, code: Code, message: impl Into<String>) -> Diagnostic {
        match &op.uri {
            Some(uri) => self.span(uri, 0, uri.text.chars().count(), code, message),
            None => self.at(op.anchor, op.anchor, code, message),
        }
    }

    /// A diagnostic over `count` segments from the 1-based `index` (after the scope).
    fn segment(
        &self,
        op: &Op,
        facts: &Facts<'_>,
        index: usize,
        count: usize,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        let first = index.checked_sub(1).and_then(|i| facts.segments.get(i));
        let last = index
            .checked_sub(1)
            .and_then(|i| facts.segments.get(i + count.max(1) - 1));
        match (&op.uri, first, last) {
            (Some(uri), Some(&(from, _)), Some(&(last_from, last_len))) => {
                self.span(uri, from, last_from + last_len - from, code, message)
            }
            _ => self.whole_uri(op, code, message),
        }
    }

    fn value(&self, op: &Op, code: Code, message: impl Into<String>) -> Diagnostic {
        match &op.data {
            Some(data) if !data.text.is_empty() => {
                let len = self.raw_len(data);
                self.span_chars(data, 0, len, code, message)
            }
            Some(data) => self.at(data.start, data.start, code, message),
            None => self.whole_uri(op, code, message),
        }
    }
}

/// The character spans (start, length) of a URI's segments after the scope, as
/// [`NodePath::parse`] counts them.
fn segment_spans(text: &str) -> Vec<(usize, usize)> {
    let path = text.split('?').next().unwrap_or_default();
    let (mut at, rest) = if path == "." {
        (1, "")
    } else if let Some(rest) = path.strip_prefix("./") {
        (2, rest)
    } else {
        (0, path)
    };
    if rest.is_empty() {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for segment in rest.split('/') {
        let n = segment.chars().count();
        spans.push((at, n));
        at += n + 1;
    }
    let first = rest.split('/').next().unwrap_or_default();
    if first.eq_ignore_ascii_case("Device") || first.eq_ignore_ascii_case("User") {
        spans.remove(0);
    }
    spans
}

/// The entries of `map` at `path` and below it.
fn subtree<'m>(
    map: &'m BTreeMap<String, usize>,
    path: &'m str,
) -> impl Iterator<Item = (&'m String, &'m usize)> {
    map.range(path.to_owned()..)
        .take_while(move |(k, _)| k.starts_with(path))
        .filter(move |(k, _)| k.len() == path.len() || k.as_bytes().get(path.len()) == Some(&b'/'))
}

/// A policy source reduced to one tenant's values.
fn only_tenant(source: &PolicySource, tenant: &str) -> PolicySource {
    let prefix = format!("{tenant}/");
    let mut own = PolicySource::new(source.kind).with_tenant(tenant);
    own.values = source
        .values
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    own
}

/// Whether a URI starts with a scope segment (`./Device/…`, `./User/…`).
fn has_scope_segment(op: &Op) -> bool {
    op.uri.as_ref().is_some_and(|u| {
        let path = u.text.split('?').next().unwrap_or_default();
        let rest = path.strip_prefix("./").unwrap_or(path);
        let first = rest.split('/').next().unwrap_or_default();
        first.eq_ignore_ascii_case("Device") || first.eq_ignore_ascii_case("User")
    })
}

/// For a path inside a tenant's subtree of PassportForWork: the tenant and the path below
/// its `Policies/` (empty for the tenant or `Policies` node itself).
fn policy_key(path: &NodePath) -> Option<(&str, String)> {
    match path.segments() {
        [vendor, msft, csp, tenant, rest @ ..]
            if vendor == "Vendor"
                && msft == "MSFT"
                && csp == pfw_passport::schema::NAME
                && !DEVICE_WIDE_ROOTS.contains(&tenant.as_str()) =>
        {
            match rest {
                [] => Some((tenant, String::new())),
                [policies, key @ ..] if policies == "Policies" => Some((tenant, key.join("/"))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A URI without a leading `/` and without empty segments.
fn tidy_uri(text: &str) -> String {
    let (query, path) = match text.split_once('?') {
        Some((p, q)) => (Some(q), p),
        None => (None, text),
    };
    let dotted = path.starts_with("./");
    let body = path.trim_start_matches("./").trim_start_matches('/');
    let segments: Vec<&str> = body.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = format!(
        "{}{}",
        if dotted || text.starts_with('/') {
            "./"
        } else {
            ""
        },
        segments.join("/")
    );
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fix for a value pfw refuses, when an obvious one exists.
fn value_fix(kind: &ValueErrorKind, given: &str) -> Option<Fix> {
    match kind {
        ValueErrorKind::NotBool(_) => {
            let truth = match given.trim().to_ascii_lowercase().as_str() {
                "1" | "yes" | "on" | "enabled" | "<enabled/>" => "true",
                "0" | "no" | "off" | "disabled" | "<disabled/>" => "false",
                _ => return Some(Fix::advice("write true or false")),
            };
            Some(Fix::replace(format!("write `{truth}`"), truth))
        }
        ValueErrorKind::NotAllowed { allowed, got } => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(got))
            .map(|a| Fix::replace(format!("write `{a}`"), a.clone()))
            .or_else(|| Some(Fix::advice(format!("use one of {}", allowed.join(", "))))),
        ValueErrorKind::OutOfRange { min, max, .. } => {
            Some(Fix::advice(format!("use a value from {min} to {max}")))
        }
        _ => None,
    }
}

/// Characters from a JSON string's first character to its closing quote.
fn json_string_chars(text: &str, start: usize) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in text.get(start..).unwrap_or_default().chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            break;
        }
        n += 1;
    }
    n
}

/// The four character-set policies.
const CHAR_SET_KEYS: [&str; 4] = [
    keys::UPPERCASE_LETTERS,
    keys::LOWERCASE_LETTERS,
    keys::SPECIAL_CHARACTERS,
    keys::DIGITS,
];
/// The policies the rules over several values read.
const RULE_KEYS: [&str; 6] = [
    keys::MINIMUM_PIN_LENGTH,
    keys::MAXIMUM_PIN_LENGTH,
    keys::UPPERCASE_LETTERS,
    keys::LOWERCASE_LETTERS,
    keys::SPECIAL_CHARACTERS,
    keys::DIGITS,
];
/// A character set's value meaning "allowed".
const CHAR_ALLOWED: i64 = 0;
/// A character set's value meaning "not allowed".
const CHAR_NOT_ALLOWED: i64 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_spans_skip_the_scope() {
        let cases: &[(&str, &[(usize, usize)])] = &[
            ("./Device/Vendor/MSFT", &[(9, 6), (16, 4)]),
            ("./Vendor/MSFT", &[(2, 6), (9, 4)]),
            ("Vendor/MSFT?list=Struct", &[(0, 6), (7, 4)]),
            ("./user/A", &[(7, 1)]),
            (".", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(segment_spans(text), *expected, "{text}");
        }
    }

    #[test]
    fn tidy_uris() {
        let cases: &[(&str, &str)] = &[
            ("/Vendor/MSFT/X", "./Vendor/MSFT/X"),
            ("./Vendor//MSFT/X/", "./Vendor/MSFT/X"),
            ("Vendor/MSFT/X/?list=Struct", "Vendor/MSFT/X?list=Struct"),
        ];
        for (given, expected) in cases {
            assert_eq!(tidy_uri(given), *expected, "{given}");
        }
    }

    #[test]
    fn bool_fixes() {
        let fix = |v: &str| {
            value_fix(&ValueErrorKind::NotBool(v.to_owned()), v).and_then(|f| f.replacement)
        };
        assert_eq!(fix("1").as_deref(), Some("true"));
        assert_eq!(fix("0").as_deref(), Some("false"));
        assert_eq!(fix("maybe"), None);
    }
}
