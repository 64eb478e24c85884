//! A profile as the checks see it, whatever file it came from: the commands (SyncML) or
//! settings (Intune) in order, and one [`Op`] per item, each with where its URI, Meta Format
//! and value are written.
//!
//! The SyncML reader also reports what belongs to the message rather than to one item. CmdID
//! present, not 0 and unique, and a known, well-formed command are read from the message (the
//! decoder classifies the elements); the rest is not decided here but observed: each command
//! carries the engine's answers to it ([`CommandInfo::reports`], matched by the bytes of the
//! command in the message), and the engine's typed refusal of an Alert it does not understand,
//! of an Atomic in an Atomic, a Get in an Atomic, a Replace of a node the same Atomic added, or
//! of an Atomic whose member failed becomes its diagnostic. A command pfw answers without
//! running it is still checked (so its other problems show at once) but changes nothing on the
//! in-memory device. Where each piece is written comes from the decoded model's spans.

use std::collections::HashMap;

use pfw_ddf::{UriLimits, Verb};
use pfw_engine::{Refusal, Report};
use pfw_syncml::{Command, CommandKind, Item, ItemCommand, LocUri, Meta, SyncMl};

use crate::diagnostic::{Code, Diagnostic, Fix};
use crate::source::{Escapes, SourceText};

/// What an op does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// An Intune OMA setting: a write that creates the node, or replaces its value.
    Set,
    /// A SyncML command's verb.
    Verb(Verb),
}

impl Action {
    /// Whether the op writes a value (Add, Replace, an Intune setting).
    pub(crate) fn writes(self) -> bool {
        matches!(self, Self::Set | Self::Verb(Verb::Add | Verb::Replace))
    }

    /// The name shown to people.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Set => "set",
            Self::Verb(v) => v.as_str(),
        }
    }
}

/// A piece of text in the profile and where its first character is.
#[derive(Clone, Debug)]
pub(crate) struct Located {
    /// The text, decoded (and, for a URI, trimmed).
    pub(crate) text: String,
    /// Byte offset of the text's first character in the source.
    pub(crate) start: usize,
    /// How the text is escaped in the source.
    pub(crate) escapes: Escapes,
    /// Whether whitespace around it was trimmed.
    pub(crate) padded: bool,
}

/// One item: what it does, to which URI, with which format and value.
#[derive(Clone, Debug)]
pub(crate) struct Op {
    pub(crate) action: Action,
    /// The target URI; `None` when the item has no Target.
    pub(crate) uri: Option<Located>,
    /// The Meta Format given (for Intune, the format the setting's type sends, located at
    /// its `@odata.type`).
    pub(crate) format: Option<Located>,
    /// The value.
    pub(crate) data: Option<Located>,
    /// `MoreData` (a large-object chunk).
    pub(crate) more_data: bool,
    /// Where to point when nothing more precise exists (the Item, or the setting).
    pub(crate) anchor: usize,
    /// Index of the command (or setting) in [`Profile::commands`].
    pub(crate) command: usize,
    /// Whether pfw runs it (false: answered before it reaches the tree).
    pub(crate) run: bool,
    /// The Intune setting's `displayName`, or type, for messages.
    pub(crate) label: Option<String>,
}

/// A command (or Intune setting) in document order.
#[derive(Clone, Debug)]
pub(crate) struct CommandInfo {
    /// The element name (`Add`, `Atomic`, …), or `omaSetting`.
    pub(crate) name: String,
    /// Byte offset of the start tag.
    pub(crate) offset: usize,
    /// The engine's answers to it: one, or one per item when the items' statuses differ;
    /// none for a command the engine does not answer (or an Intune setting).
    pub(crate) reports: Vec<Report>,
}

/// An Atomic the engine ran: the ops inside it (Sequences' included) and whether the engine
/// rolled it back (507).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AtomicSpan {
    /// The ops `first..end` of [`Profile::ops`] are its members' items.
    pub(crate) first: usize,
    /// One past its last op.
    pub(crate) end: usize,
    /// Whether the engine answered it 507 and rolled it back.
    pub(crate) rolled_back: bool,
}

/// A profile: its commands and items.
#[derive(Clone, Debug, Default)]
pub(crate) struct Profile {
    pub(crate) commands: Vec<CommandInfo>,
    pub(crate) ops: Vec<Op>,
    /// The Atomics the engine ran (not a refused nested one), in order; they never overlap.
    pub(crate) atomics: Vec<AtomicSpan>,
}

/// Reads a decoded SyncML message into a profile, reporting message-level problems;
/// `reports` are the engine's answers to the message, in the engine's order (empty when it
/// was not run).
pub(crate) fn read_syncml(
    src: &SourceText<'_>,
    message: &SyncMl,
    reports: Vec<Report>,
    out: &mut Vec<Diagnostic>,
) -> Profile {
    let mut reader = SyncMlReader {
        src,
        out,
        profile: Profile::default(),
        cmd_ids: HashMap::new(),
        reports: reports.into_iter().peekable(),
    };
    for command in &message.body.commands {
        reader.command(command, false, true);
    }
    reader.profile
}

struct SyncMlReader<'r, 's> {
    src: &'r SourceText<'s>,
    out: &'r mut Vec<Diagnostic>,
    profile: Profile,
    /// First line of each CmdID seen.
    cmd_ids: HashMap<String, u32>,
    /// The engine's answers not yet matched to a command.
    reports: std::iter::Peekable<std::vec::IntoIter<Report>>,
}

impl SyncMlReader<'_, '_> {
    /// The engine's answers to `command`, the ones whose span is the command's: it answers
    /// in document order, a container before its members, one Status per command or one per
    /// item when the items' statuses differ.
    fn take_reports(&mut self, command: &Command) -> Vec<Report> {
        let span = command.span();
        let mut taken = Vec::new();
        while let Some(r) = self.reports.next_if(|r| r.span == span) {
            taken.push(r);
        }
        taken
    }

    /// One command, in an Atomic (at any depth) or not; `runnable` is false inside a
    /// command the engine does not run.
    fn command(&mut self, command: &Command, in_atomic: bool, runnable: bool) {
        if matches!(command, Command::Status(_) | Command::Results(_)) {
            return;
        }
        let offset = command.span().start;
        let index = self.profile.commands.len();
        let reports = self.take_reports(command);
        // The engine's refusal of the command as a whole (its first answer's).
        let refusal = reports.first().and_then(|r| r.refusal.clone());
        let refused = |wanted: fn(&Refusal) -> bool| refusal.as_deref().is_some_and(wanted);
        let nested = refused(|r| matches!(r, Refusal::NestedAtomic));
        let rolled_back = refused(|r| matches!(r, Refusal::AtomicFailed));
        self.profile.commands.push(CommandInfo {
            name: command.name().to_owned(),
            offset,
            reports,
        });
        let runnable = self.cmd_id(command, offset) && runnable;
        match command {
            Command::Unknown(u) => {
                let mut d = self.diag(
                    Code::UnknownCommand,
                    offset + 1,
                    offset + 1 + u.name.len(),
                    format!("`{}` is not a SyncML command", u.name),
                );
                if let Some(known) = CommandKind::ALL
                    .iter()
                    .find(|k| k.as_str().eq_ignore_ascii_case(&u.name))
                {
                    d = d.with_fix(Fix::replace(format!("write `{known}`"), known.as_str()));
                }
                self.push(d);
            }
            Command::Malformed(m) => {
                let at = self.src.offset(m.reason_pos).unwrap_or(offset);
                let d = self.diag(
                    Code::MalformedCommand,
                    at,
                    at,
                    format!("malformed {}: {}", m.element, m.reason),
                );
                self.push(d);
            }
            Command::Alert(alert) => {
                // The engine refuses an Alert it does not understand (406).
                if refused(|r| matches!(r, Refusal::UnknownAlert(_))) {
                    let d = self.diag(
                        Code::Unsupported,
                        offset,
                        offset,
                        format!(
                            "alert {:?} is not an alert code OMA-DM defines",
                            alert.data.as_deref().unwrap_or("")
                        ),
                    );
                    self.push(d);
                }
            }
            Command::Atomic(container) => {
                if nested {
                    let d = self
                        .start_tag(
                            Code::NestedAtomic,
                            offset,
                            "Atomic",
                            "an Atomic cannot be nested in an Atomic",
                        )
                        .with_note(
                            "pfw answers 500 Command failed and runs none of its members (215)",
                        )
                        .with_fix(Fix::advice(
                            "move its commands into the outer Atomic, or move it out",
                        ));
                    self.push(d);
                }
                let run = runnable && !nested;
                let first = self.profile.ops.len();
                for member in &container.commands {
                    self.command(member, true, run);
                }
                let end = self.profile.ops.len();
                if run && !in_atomic {
                    self.profile.atomics.push(AtomicSpan {
                        first,
                        end,
                        rolled_back,
                    });
                }
                if rolled_back {
                    let d = self
                        .start_tag(
                            Code::AtomicRolledBack,
                            offset,
                            "Atomic",
                            "a member of this Atomic fails: Windows rolls back all of it",
                        )
                        .with_note(
                            "pfw answers the Atomic 507 Atomic failed; each failing member keeps \
                             its own status, every other member is answered 216 (rolled back) \
                             and nothing of the Atomic is applied",
                        );
                    self.push(d);
                }
            }
            Command::Sequence(container) => {
                for member in &container.commands {
                    self.command(member, in_atomic, runnable);
                }
            }
            Command::Get(c) if refused(|r| matches!(r, Refusal::GetInAtomic)) => {
                let d = self
                    .start_tag(
                        Code::GetInAtomic,
                        offset,
                        "Get",
                        "a Get is not allowed inside an Atomic",
                    )
                    .with_fix(Fix::advice("move the Get out of the Atomic"));
                self.push(d);
                self.items(c, Verb::Get, index, false);
            }
            Command::Replace(c) if refused(|r| matches!(r, Refusal::ReplaceAfterAdd)) => {
                let uri = c.items.iter().find_map(|item| item.target.as_ref());
                let (start, end) = match uri {
                    Some(t) => {
                        let start = t.loc_uri.span.start;
                        (start, start + t.loc_uri.text.len())
                    }
                    None => (offset, offset + "<Replace".len()),
                };
                let d = self
                    .diag(
                        Code::ReplaceAfterAdd,
                        start,
                        end,
                        "a Replace of a node an earlier Add of the same Atomic created is not \
                         supported",
                    )
                    .with_fix(Fix::advice(
                        "give the Add the final value and leave the Replace out",
                    ));
                self.push(d);
                // Recorded, checked, not run.
                self.items(c, Verb::Replace, index, false);
            }
            Command::Add(c) => self.items(c, Verb::Add, index, runnable),
            Command::Copy(c) => self.items(c, Verb::Copy, index, runnable),
            Command::Delete(c) => self.items(c, Verb::Delete, index, runnable),
            Command::Exec(c) => self.items(c, Verb::Exec, index, runnable),
            Command::Get(c) => self.items(c, Verb::Get, index, runnable),
            Command::Replace(c) => self.items(c, Verb::Replace, index, runnable),
            Command::Status(_) | Command::Results(_) => {}
        }
    }

    /// Row 1: CmdID present, not 0, and (SyncML's rule) unique. Returns whether pfw goes on
    /// to run the command.
    fn cmd_id(&mut self, command: &Command, offset: usize) -> bool {
        let id = command.cmd_id().map(|c| c.as_str()).unwrap_or("");
        let name = command.name();
        if id.is_empty() {
            let d = self
                .start_tag(
                    Code::MissingCmdId,
                    offset,
                    name,
                    format!("`{name}` has no CmdID"),
                )
                .with_fix(Fix::advice(
                    "give every command a CmdID, unique in the message (1, 2, 3, …)",
                ));
            self.push(d);
            return false;
        }
        let at = command.cmd_id_span().map_or(offset, |s| s.start);
        let line = self.src.position(at).0;
        if id == "0" {
            let d = self
                .diag(
                    Code::MissingCmdId,
                    at,
                    at + 1,
                    "CmdID 0 is reserved for the SyncHdr",
                )
                .with_fix(Fix::advice("number commands from 1, unique in the message"));
            self.push(d);
            return false;
        }
        match self.cmd_ids.get(id) {
            Some(first) => {
                let d = self
                    .diag(
                        Code::DuplicateCmdId,
                        at,
                        at + id.len(),
                        format!("CmdID {id} is already used by the command at line {first}"),
                    )
                    .with_note(
                        "a Status names its command by CmdID: the server cannot tell these \
                         commands' answers apart",
                    )
                    .with_fix(Fix::advice("give every command its own CmdID"));
                self.push(d);
            }
            None => {
                self.cmd_ids.insert(id.to_owned(), line);
            }
        }
        true
    }

    fn items(&mut self, c: &ItemCommand, verb: Verb, command: usize, run: bool) {
        for item in &c.items {
            let op = self.op(c, item, verb, command, run);
            self.profile.ops.push(op);
        }
    }

    fn op(&self, c: &ItemCommand, item: &Item, verb: Verb, command: usize, run: bool) -> Op {
        let anchor = item.span.start;
        let uri = item.target.as_ref().map(|t| self.uri(&t.loc_uri));
        let format_meta: Option<&Meta> = match &item.meta {
            Some(m) if m.format.is_some() => Some(m),
            _ => c.meta.as_deref().filter(|m| m.format.is_some()),
        };
        let format = format_meta.and_then(|meta| {
            let text = meta.format.as_deref()?.to_owned();
            let start = meta.format_span?.start;
            Some(Located {
                text,
                start,
                escapes: Escapes::Xml,
                padded: false,
            })
        });
        let data = item.data.as_ref().map(|d| Located {
            text: d.text.to_string(),
            start: d.content.start,
            escapes: Escapes::Xml,
            padded: false,
        });
        Op {
            action: Action::Verb(verb),
            uri,
            format,
            data,
            more_data: item.more_data,
            anchor,
            command,
            run,
            label: None,
        }
    }

    fn uri(&self, loc: &LocUri) -> Located {
        Located {
            text: loc.text.clone(),
            start: loc.span.start,
            escapes: Escapes::Xml,
            padded: loc.trimmed,
        }
    }

    fn diag(&self, code: Code, from: usize, to: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.src.position(from);
        Diagnostic::new(code, line, column, message).with_width(self.src.width(from, to))
    }

    /// A diagnostic over `<name` of the element that starts at `offset`.
    fn start_tag(
        &self,
        code: Code,
        offset: usize,
        name: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.diag(code, offset, offset + 1 + name.len(), message)
    }

    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

/// No length bounds: the bounds are checked where pfw checks them.
pub(crate) const UNBOUNDED: UriLimits = UriLimits {
    max_uri_bytes: usize::MAX,
    max_segment_bytes: usize::MAX,
};
