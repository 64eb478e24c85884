//! The checks: every op runs through pfw's own tree ([`pfw_tree::Tree`], DESIGN.md's ordered
//! checks) on a fresh in-memory device, in order, so what the linter predicts is what
//! `pfw apply` answers; each refusal becomes a diagnostic at the exact place (the URI segment,
//! the Meta Format, the value), and every check that fails is reported
//! ([`Tree::check_all`]), the first with the status pfw answers. Around that run come the
//! checks pfw does not refuse but a profile's author wants to know about: whitespace in URIs,
//! device-only nodes under `./User`, TenantId names, deprecated nodes, nodes set twice, and
//! the cross-setting rules of the policy in force (through `pfw_passport::policy::resolve`,
//! the same code `pfw policy` uses).
//!
//! The engine runs the message once ([`engine_run`]); its answers decide which ops run (a
//! missing CmdID, a Get in an Atomic, … are only checked, with [`Tree::check`]) and which
//! Atomics are rolled back, which the replay then rolls back too, after reporting each
//! member's own problems. [`cross_check`] reports, from the same answers, what no other
//! diagnostic covers (what a roll-back changes for later commands).

mod refusal;
mod rules;

use std::collections::{BTreeMap, BTreeSet};

use pfw_ddf::{LookupError, Node, NodeName, NodePath, OsBuild, Resolved, Scope, Verb};
use pfw_engine::{Engine, Options as EngineOptions, Refusal, Report};
use pfw_syncml::{Limits, SyncMl};
use pfw_tree::device::{BUILD_PROPERTY, DEFAULT_EDITION};
use pfw_tree::{Csp, MemoryStore, Registry, Store, Tree, TreeError, TreeLimits};

use crate::Options;
use crate::diagnostic::{Code, Diagnostic, FileKind, Fix};
use crate::error::LintError;
use crate::profile::{Action, Located, Op, Profile, UNBOUNDED};
use crate::source::{SourceText, raw_offset};

/// The user `./User` URIs address on the in-memory device.
pub(crate) const USER: &str = "(./User)";

/// Runs every check on a profile; returns its diagnostics (unsorted) and the commands the
/// file's one `node-missing` note stands for.
pub(crate) fn check(
    src: &SourceText<'_>,
    registry: &Registry,
    options: &Options,
    profile: &Profile,
    kind: FileKind,
) -> Result<(Vec<Diagnostic>, BTreeSet<usize>), LintError> {
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
    let (outcomes, missing) = checker.run(&mut store, &facts)?;
    checker.node_missing(&facts, &missing);
    checker.tenants(&facts);
    checker.deprecated(&facts);
    checker.policy(&store, &facts, &outcomes)?;
    if kind == FileKind::SyncMl {
        checker.add_only_once(&facts, &outcomes);
    }
    let explained = missing
        .iter()
        .filter_map(|(i, _)| profile.ops.get(*i).map(|op| op.command))
        .collect();
    Ok((checker.out, explained))
}

/// The engine's answers to a decoded message on a fresh in-memory device at `build`, in the
/// engine's order, with the store it leaves. A decoded message is never refused whole: the
/// answers are empty only when the engine answered nothing.
pub(crate) fn engine_run(
    registry: &Registry,
    message: &SyncMl,
    build: OsBuild,
    user: Option<&str>,
) -> Result<(MemoryStore, Vec<Report>), LintError> {
    let mut store = MemoryStore::new();
    store.begin()?;
    store.set_property(BUILD_PROPERTY, Some(&build.to_string()))?;
    store.commit()?;
    let engine = Engine::new(registry.clone(), Limits::DEFAULT);
    let options = EngineOptions {
        user,
        ..EngineOptions::default()
    };
    match engine.run(&mut store, message, &options) {
        Ok(outcome) => Ok((store, outcome.reports)),
        Err(pfw_engine::EngineError::Store(e)) => Err(LintError::Store(e)),
        // `run` takes a decoded message: only decoding refuses a message whole.
        Err(_) => Ok((store, Vec::new())),
    }
}

/// Reports, as `command-fails`, every failure status the engine answered (roll-back statuses
/// aside) to a command no error or warning already covers and `explained` (the commands the
/// file's `node-missing` note stands for) does not hold.
pub(crate) fn cross_check(
    src: &SourceText<'_>,
    profile: &Profile,
    explained: &BTreeSet<usize>,
    out: &mut Vec<Diagnostic>,
) {
    let mut problems: Vec<(u32, u32)> = out
        .iter()
        .filter(|d| d.is_problem())
        .map(|d| (d.line, d.column))
        .collect();
    problems.sort_unstable();
    for (i, command) in profile.commands.iter().enumerate() {
        if explained.contains(&i) {
            continue;
        }
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
        // The engine's refusals, those of an Atomic's roll-back aside.
        let failure = command.reports.iter().find_map(|r| {
            let refusal = r.refusal.as_deref()?;
            let rolled_back = matches!(
                refusal,
                Refusal::NotExecuted | Refusal::RolledBack | Refusal::AtomicFailed
            );
            (!rolled_back).then_some((r, refusal))
        });
        if let Some((report, reason)) = failure {
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
}

/// The tree's limits, from the project's one table of limits.
pub(crate) fn tree_limits() -> TreeLimits {
    pfw_engine::tree_limits(&Limits::DEFAULT)
}

/// Runs one op on the tree: executed when pfw runs it, only checked otherwise. An Intune
/// setting is an Add, or a Replace when the node exists.
pub(crate) fn run_op(tree: &mut Tree<'_>, op: &Op) -> Result<(), TreeError> {
    let command = |verb| command_of(op, verb);
    match op.action {
        Action::Verb(verb) if op.run => tree.execute(&command(verb)).map(drop),
        Action::Verb(verb) => tree.check(&command(verb)).map(drop),
        Action::Set => match tree.execute(&command(Verb::Add)) {
            Err(TreeError::AlreadyExists(_)) => tree.execute(&command(Verb::Replace)).map(drop),
            other => other.map(drop),
        },
    }
}

/// Like [`run_op`], with every check that fails (the first gives the status, the others are
/// the rows after it that do not depend on it: [`Tree::check_all`]).
fn run_op_all(tree: &mut Tree<'_>, op: &Op) -> Result<(), Vec<TreeError>> {
    let Err(first) = run_op(tree, op) else {
        return Ok(());
    };
    let verb = match op.action {
        Action::Verb(verb) => verb,
        // An Intune setting fails as the Add, or as the Replace when the node exists.
        Action::Set if matches!(first, TreeError::AlreadyExists(_)) => Verb::Add,
        Action::Set => match tree.check(&command_of(op, Verb::Add)) {
            Err(TreeError::AlreadyExists(_)) => Verb::Replace,
            _ => Verb::Add,
        },
    };
    let mut all = vec![first];
    all.extend(tree.check_all(&command_of(op, verb)).into_iter().skip(1));
    Err(all)
}

/// The tree command for an op with `verb`.
fn command_of(op: &Op, verb: Verb) -> pfw_tree::Command<'_> {
    pfw_tree::Command {
        verb,
        target: op.uri.as_ref().map(|u| u.text.as_str()),
        format: op.format.as_ref().map(|f| f.text.as_str()),
        data: op.data.as_ref().map(|d| d.text.as_str()),
        more_data: op.more_data,
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

/// The ops refused because their node does not exist on a fresh device, with the path.
type MissingNodes = Vec<(usize, String)>;

/// What became of an op on the in-memory device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// pfw did not run it, or refused it.
    Failed,
    /// It ran and succeeded.
    Done,
    /// It ran and succeeded inside an Atomic the engine rolled back.
    RolledBack,
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
        let segments: Vec<&str> = path.segments().collect();
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

    /// Runs every op on a fresh in-memory device, reporting each refusal: every failing
    /// check of an op, the first with the status pfw answers. An Atomic the engine rolled back
    /// is rolled back here too, after its members ran, so later ops see what the engine's
    /// did. Returns each op's outcome, and the ops (with their path) refused because their
    /// node does not exist on a fresh device, which the file's one `node-missing` note covers.
    fn run(
        &mut self,
        store: &mut MemoryStore,
        facts: &[Facts<'_>],
    ) -> Result<(Vec<Outcome>, MissingNodes), LintError> {
        store.begin()?;
        let device = pfw_tree::Device {
            build: self.options.os_build.unwrap_or(OsBuild::INSIDER),
            edition: DEFAULT_EDITION,
        };
        let registry = self.registry;
        let profile = self.profile;
        let mut tree = Tree::new(store, registry, device, tree_limits(), Some(USER), false);
        let mut outcomes = Vec::with_capacity(profile.ops.len());
        let mut missing = Vec::new();
        // (canonical path, op) of every node created, and of every value written.
        let mut created: BTreeMap<String, usize> = BTreeMap::new();
        let mut written: BTreeMap<String, usize> = BTreeMap::new();
        // What an Atomic being replayed found before it: restored when it is rolled back.
        let mut before_atomic = None;
        // Nodes created inside an Atomic that was rolled back, with the op that created them.
        let mut lost: BTreeMap<String, usize> = BTreeMap::new();
        let mut atomics = profile
            .atomics
            .iter()
            .filter(|a| a.first < a.end)
            .peekable();
        for (i, (op, fact)) in profile.ops.iter().zip(facts).enumerate() {
            if atomics.peek().is_some_and(|a| a.first == i) {
                tree.store().savepoint()?;
                before_atomic = Some((created.clone(), written.clone()));
            }
            let result = run_op_all(&mut tree, op);
            let canonical = fact.path.as_ref().map(|p| p.without_query().to_string());
            match result {
                Err(errors) => {
                    let mut store_error = None;
                    let errors: Vec<TreeError> = errors
                        .into_iter()
                        .filter_map(|e| match e {
                            TreeError::Store(e) => {
                                store_error.get_or_insert(e);
                                None
                            }
                            e => Some(e),
                        })
                        .collect();
                    if let Some(e) = store_error {
                        return Err(LintError::Store(e));
                    }
                    let first = errors.first().map(pfw_engine::status_of);
                    for (n, error) in errors.iter().enumerate() {
                        if let (0, TreeError::Missing(path)) = (n, error) {
                            // A node the profile created, then lost to a roll-back, is not
                            // missing on a fresh device: the engine's answer shows as
                            // `command-fails`.
                            if subtree(&lost, path).next().is_none() {
                                missing.push((i, path.clone()));
                            }
                            continue;
                        }
                        let also = first.filter(|_| n > 0);
                        if let Some(d) = self.refusal(op, fact, error, &created, also) {
                            self.push(op, d);
                        }
                    }
                    if fact.device_only.is_some() {
                        self.note_device_only(op, errors.first());
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
            if let Some(atomic) = atomics.next_if(|a| a.end == i + 1) {
                let saved = before_atomic.take();
                if atomic.rolled_back {
                    tree.store().rollback_to_savepoint()?;
                    if let Some((c, w)) = saved {
                        lost.extend(
                            created
                                .iter()
                                .filter(|(k, _)| !c.contains_key(*k))
                                .map(|(k, i)| (k.clone(), *i)),
                        );
                        created = c;
                        written = w;
                    }
                    for outcome in outcomes.get_mut(atomic.first..).into_iter().flatten() {
                        if *outcome == Outcome::Done {
                            *outcome = Outcome::RolledBack;
                        }
                    }
                } else {
                    tree.store().release_savepoint()?;
                }
            }
        }
        Ok((outcomes, missing))
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

    /// A diagnostic over the first `len` raw characters of `text` (escapes as written).
    fn raw_span(
        &self,
        text: &Located,
        len: usize,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = raw_offset(self.src.text(), text.start, 0, text.escapes);
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
                self.raw_span(data, len, code, message)
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
/// Whether a URI starts with a scope segment (`./Device/…`, `./User/…`).
fn has_scope_segment(op: &Op) -> bool {
    op.uri.as_ref().is_some_and(|u| {
        let path = u.text.split('?').next().unwrap_or_default();
        let rest = path.strip_prefix("./").unwrap_or(path);
        let first = rest.split('/').next().unwrap_or_default();
        first.eq_ignore_ascii_case("Device") || first.eq_ignore_ascii_case("User")
    })
}

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
}
