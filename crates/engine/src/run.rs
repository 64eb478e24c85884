//! Running one message: decode, then every command in order inside one store transaction
//! (Atomic on a savepoint, Sequence in order), then the response: a SyncHdr (`<SyncHdr/>` for
//! a request without one) and its Status first, a Status for every command in request order,
//! the Results of successful Gets after them, `Final`.

use pfw_ddf::{NodePath, UriLimits, Verb};
use std::sync::Arc;

use pfw_syncml::{
    AlertCode, CmdId, CmdIdFault, CmdName, Command, CommandHead, CommandKind, Container, Data,
    Item, ItemCommand, Limits, Meta, Results, Source, Span, Status, StatusCode, SyncBody, SyncHdr,
    SyncMl, Target,
};
use pfw_tree::{Device, Effect, Registry, Store, Transaction, Tree, TreeError, TreeLimits};

use crate::error::{EngineError, Refusal};

/// Where a message's processing is; a hook can watch (crash tests arm failpoints with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The message decoded; nothing is written yet.
    Decoded,
    /// The first command ran inside the open transaction.
    MidTransaction,
    /// Every command ran; the transaction is about to commit.
    BeforeCommit,
    /// The transaction committed; the response is not yet returned.
    Committed,
}

/// How to run a message.
#[derive(Clone, Copy, Default)]
pub struct Options<'o> {
    /// The user `./User/…` URIs address.
    pub user: Option<&'o str>,
    /// Enforce the CSPs' naming rules (a TenantId must be a GUID without braces).
    pub strict: bool,
    /// The MsgID of the response; default: the request's MsgID (or `1`).
    pub msg_id: Option<&'o str>,
    /// Called at each [`Stage`].
    pub hook: Option<&'o dyn Fn(Stage)>,
}

/// The engine: the CSPs a device has and the input limits.
#[derive(Clone, Debug)]
pub struct Engine {
    registry: Registry,
    limits: Limits,
}

/// What a message did: the response, and one line per Status for people.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The response message.
    pub response: SyncMl,
    /// A report per Status of a command (the SyncHdr's excluded), in order.
    pub reports: Vec<Report>,
}

impl Outcome {
    /// Whether every command succeeded (every status 2xx).
    pub fn all_succeeded(&self) -> bool {
        self.reports.iter().all(|r| r.status.is_success())
    }
}

/// One Status the engine answers to a command of the request: which command, where it is
/// in the request, the code, and the typed refusal behind it. Upper layers read these rather
/// than decide again: the refusal's `Display` is the reason printed.
#[derive(Clone, Debug)]
pub struct Report {
    /// The command; `None` for an element that is not a SyncML command ([`Report::name`]
    /// gives its name as written).
    pub command: Option<CommandKind>,
    /// The element's name as written, when it is not a SyncML command.
    pub element: Option<String>,
    /// Its CmdID as written (empty when it had none).
    pub cmd_id: CmdId,
    /// The index of the item this Status answers when the command's items got different
    /// codes (one Status per item); `None` when it answers the whole command.
    pub item: Option<usize>,
    /// The bytes of the command in the request ([`Span::default`] for a message built in
    /// code).
    pub span: Span,
    /// The bytes of the item answered, with [`Report::item`].
    pub item_span: Option<Span>,
    /// The target URI (with [`Report::item`], that item's; else the first item's), when it
    /// has one.
    pub uri: Option<String>,
    /// The status.
    pub status: StatusCode,
    /// Why it is not a plain success: the refusal `status` comes from (`None` for success).
    pub refusal: Option<Arc<Refusal>>,
}

impl Report {
    /// The command's element name: [`CommandKind::as_str`], or the element as written.
    pub fn name(&self) -> &str {
        match (self.command, &self.element) {
            (Some(kind), _) => kind.as_str(),
            (None, Some(element)) => element,
            (None, None) => "",
        }
    }

    /// The reason printed beside the status: the refusal's words.
    pub fn reason(&self) -> Option<String> {
        self.refusal.as_ref().map(ToString::to_string)
    }

    /// The Status element that answers the command, before the response numbers it
    /// (`CmdID` and `MsgRef` unset): `CmdRef` its CmdID, `Cmd` its name, the code as `Data`,
    /// and, for a Status that answers one item of several, the item's target as `TargetRef`.
    pub fn status_element(&self) -> Status {
        Status {
            cmd_ref: self.cmd_id.clone(),
            cmd: self
                .command
                .map_or_else(|| CmdName::from(self.name()), CmdName::Command),
            target_refs: self
                .item
                .and_then(|_| self.uri.clone())
                .into_iter()
                .collect(),
            data: Data::status(self.status),
            ..Status::default()
        }
    }
}

impl Engine {
    /// An engine over `registry`'s CSPs with `limits`.
    pub fn new(registry: Registry, limits: Limits) -> Self {
        Self { registry, limits }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Decodes and runs `input` against `store`: one transaction, committed before the
    /// response is returned. A message that does not decode changes nothing.
    pub fn apply(
        &self,
        store: &mut dyn Store,
        input: &[u8],
        options: &Options<'_>,
    ) -> Result<Outcome, EngineError> {
        let message = SyncMl::decode(input, &self.limits)?;
        self.run(store, &message, options)
    }

    /// Runs a decoded message against `store`.
    pub fn run(
        &self,
        store: &mut dyn Store,
        message: &SyncMl,
        options: &Options<'_>,
    ) -> Result<Outcome, EngineError> {
        let hook = |stage| {
            if let Some(h) = options.hook {
                h(stage);
            }
        };
        hook(Stage::Decoded);
        let mut transaction = Transaction::begin(store)?;
        let outcome = self.run_in_transaction(transaction.store(), message, options, &hook)?;
        hook(Stage::BeforeCommit);
        transaction.commit()?;
        hook(Stage::Committed);
        Ok(outcome)
    }

    fn run_in_transaction(
        &self,
        store: &mut dyn Store,
        message: &SyncMl,
        options: &Options<'_>,
        hook: &dyn Fn(Stage),
    ) -> Result<Outcome, EngineError> {
        let device = Device::load(store)?;
        let limits = tree_limits(&self.limits);
        let tree = Tree::new(
            store,
            &self.registry,
            device,
            limits,
            options.user,
            options.strict,
        );
        let msg_ref = match message.hdr.as_ref() {
            Some(h) if !h.is_local() => h.msg_id.clone(),
            _ => "1".to_owned(),
        };
        let mut run = Run {
            tree,
            // One answer per command at least (a container's members add theirs).
            answers: Vec::with_capacity(message.body.commands.len()),
            hook,
            first_done: false,
        };
        for command in &message.body.commands {
            run.command(command, None)?;
        }
        Ok(build_response(
            message,
            &msg_ref,
            options.msg_id,
            run.answers,
        ))
    }
}

/// Most nodes one tree instance may hold by default (`Limits::max_nodes_per_tree`).
pub const MAX_NODES_PER_TREE: usize = Limits::DEFAULT.max_nodes_per_tree;

/// The tree's share of the one table of limits.
pub fn tree_limits(limits: &Limits) -> TreeLimits {
    TreeLimits {
        uri: UriLimits {
            max_uri_bytes: limits.max_uri_bytes,
            max_segment_bytes: limits.max_segment_bytes,
        },
        max_value_bytes: limits.max_value_bytes,
        max_nodes_per_tree: limits.max_nodes_per_tree,
        max_response_bytes: limits.max_response_bytes,
        max_nodes_visited: limits.max_nodes_visited,
    }
}

/// What the Atomic a command sits in (at any depth, Sequences included) knows: the canonical
/// URIs its Adds have created, so that a later Replace of one of them is refused.
struct InAtomic {
    added: Vec<String>,
}

/// One command's answer before numbering: its report (the Status element is written from it
/// when the response is packed, [`Report::status_element`]) and its Results (a Get's).
struct Answer {
    results: Option<Results>,
    report: Report,
}

struct Run<'r> {
    tree: Tree<'r>,
    answers: Vec<Answer>,
    hook: &'r dyn Fn(Stage),
    first_done: bool,
}

impl Run<'_> {
    /// Runs one command (containers recursively) and records its answers. `atomic` is the
    /// Atomic it sits in, at any depth. Returns whether it succeeded.
    fn command(
        &mut self,
        command: &Command,
        atomic: Option<&mut InAtomic>,
    ) -> Result<bool, EngineError> {
        let ok = self.command_inner(command, atomic)?;
        if !self.first_done {
            self.first_done = true;
            (self.hook)(Stage::MidTransaction);
        }
        Ok(ok)
    }

    fn command_inner(
        &mut self,
        command: &Command,
        mut atomic: Option<&mut InAtomic>,
    ) -> Result<bool, EngineError> {
        // Status and Results in an incoming message are a server's package: read, not answered.
        if matches!(command, Command::Status(_) | Command::Results(_)) {
            return Ok(true);
        }
        // Row 1: CmdID present and not 0 (however written: `CmdId::fault`).
        match command
            .cmd_id()
            .map_or(Some(CmdIdFault::Missing), CmdId::fault)
        {
            Some(CmdIdFault::Missing) => return Ok(self.refuse(command, Refusal::NoCmdId)),
            Some(CmdIdFault::Zero) => return Ok(self.refuse(command, Refusal::ReservedCmdId)),
            None => {}
        }
        match command {
            // Row 2: an element pfw knows as a command.
            Command::Unknown(u) => Ok(self.refuse(command, Refusal::NotACommand(u.name.clone()))),
            Command::Malformed(m) => {
                let refusal = Refusal::Malformed {
                    element: m.element,
                    reason: m.reason.to_string(),
                };
                Ok(self.refuse(command, refusal))
            }
            Command::Alert(alert) => {
                let understood = alert
                    .code()
                    .is_some_and(|c| !matches!(c, AlertCode::Unknown(_)));
                if understood {
                    self.answer(command, StatusCode::Ok, None);
                    Ok(true)
                } else {
                    let data = alert.data.as_deref().unwrap_or("").to_owned();
                    Ok(self.refuse(command, Refusal::UnknownAlert(data)))
                }
            }
            Command::Atomic(container) if atomic.is_some() => {
                self.refuse(command, Refusal::NestedAtomic);
                self.not_executed(&container.commands);
                Ok(false)
            }
            Command::Atomic(container) => self.atomic(command, container),
            Command::Sequence(container) => {
                self.answer(command, StatusCode::Ok, None);
                let mut all = true;
                for member in &container.commands {
                    all &= self.command(member, atomic.as_deref_mut())?;
                }
                Ok(all)
            }
            Command::Get(_) if atomic.is_some() => Ok(self.refuse(command, Refusal::GetInAtomic)),
            Command::Replace(c) if atomic.as_ref().is_some_and(|a| replace_after_add(c, a)) => {
                Ok(self.refuse(command, Refusal::ReplaceAfterAdd))
            }
            Command::Add(c) => {
                let ok = self.items(command, c, Verb::Add)?;
                if let Some(atomic) = atomic {
                    let added = c.items.iter().filter_map(|it| canonical(it.target_uri()));
                    atomic.added.extend(added);
                }
                Ok(ok)
            }
            Command::Copy(c) => self.items(command, c, Verb::Copy),
            Command::Delete(c) => self.items(command, c, Verb::Delete),
            Command::Exec(c) => self.items(command, c, Verb::Exec),
            Command::Get(c) => self.items(command, c, Verb::Get),
            Command::Replace(c) => self.items(command, c, Verb::Replace),
            // Handled above.
            Command::Status(_) | Command::Results(_) => Ok(true),
        }
    }

    /// Atomic, as Windows answers it (`reference/protocol-facts.md`, "Atomic on Windows"):
    /// every member runs in order inside the transaction whatever failed before it, each
    /// seeing what the members before it did; when one failed, the whole Atomic is rolled
    /// back, every failing member keeps its code, every other member is answered 216 and the
    /// Atomic 507.
    fn atomic(&mut self, command: &Command, container: &Container) -> Result<bool, EngineError> {
        let own = self.answers.len();
        self.answer(command, StatusCode::Ok, None);
        self.tree.store().savepoint()?;
        let mut scope = InAtomic { added: Vec::new() };
        let mut all = true;
        for member in &container.commands {
            all &= self.command(member, Some(&mut scope))?;
        }
        if all {
            self.tree.store().release_savepoint()?;
            return Ok(true);
        }
        self.tree.store().rollback_to_savepoint()?;
        // Everything that succeeded inside the Atomic (a Sequence and its members included)
        // was rolled back; what failed keeps its code, what never ran stays 215.
        for answer in &mut self.answers[own + 1..] {
            let status = answer.report.status;
            if status.is_success() && status != StatusCode::NotExecuted {
                set_refusal(answer, Refusal::RolledBack);
            }
        }
        set_refusal(&mut self.answers[own], Refusal::AtomicFailed);
        Ok(false)
    }

    /// Answers 215 for the members of a refused nested Atomic, which never run (containers'
    /// members included).
    fn not_executed(&mut self, commands: &[Command]) {
        for command in commands {
            if matches!(command, Command::Status(_) | Command::Results(_)) {
                continue;
            }
            self.refuse(command, Refusal::NotExecuted);
            if let Command::Atomic(c) | Command::Sequence(c) = command {
                self.not_executed(&c.commands);
            }
        }
    }

    /// An item command: each item through the tree. One Status when every item got the same
    /// code, else one per item with its TargetRef. Results for the items a Get read.
    fn items(
        &mut self,
        command: &Command,
        c: &ItemCommand,
        verb: Verb,
    ) -> Result<bool, EngineError> {
        if c.items.is_empty() {
            return Ok(self.refuse(command, Refusal::NoItem(command.name().to_owned())));
        }
        // Most commands hold one item: its outcome is kept in place, a `Vec` only for several.
        let mut single = None;
        let mut outcomes = Vec::new();
        let mut result_items = Vec::new();
        for (index, item) in c.items.iter().enumerate() {
            let tree_command = pfw_tree::Command {
                verb,
                target: item.target_uri(),
                format: c.format_of(item),
                data: item.data_text(),
                more_data: item.more_data,
            };
            let outcome = match self.tree.execute(&tree_command) {
                Ok(effect) => {
                    if verb == Verb::Get {
                        result_items
                            .extend(result_items_of(item.target_uri().unwrap_or(""), effect));
                    }
                    (StatusCode::Ok, None, item, index)
                }
                Err(TreeError::Store(e)) => return Err(EngineError::Store(e)),
                Err(e) => {
                    let refusal = Refusal::Tree(e);
                    let status = StatusCode::from(&refusal);
                    (status, Some(refusal), item, index)
                }
            };
            if c.items.len() == 1 {
                single = Some(outcome);
            } else {
                outcomes.push(outcome);
            }
        }
        let all_ok = single.iter().chain(&outcomes).all(|(s, ..)| s.is_success());
        let uniform = outcomes.windows(2).all(|w| w[0].0 == w[1].0);
        if let Some((status, refusal, ..)) = single {
            self.answer(command, status, refusal);
        } else if uniform {
            let (status, refusal, ..) = outcomes.swap_remove(0);
            self.answer(command, status, refusal);
        } else {
            for (status, refusal, item, index) in outcomes {
                self.answer(command, status, refusal);
                if let Some(last) = self.answers.last_mut() {
                    last.report.item = Some(index);
                    last.report.item_span = Some(item.span);
                    last.report.uri = item.target_uri().map(str::to_owned);
                }
            }
        }
        if !result_items.is_empty() {
            let results = Results {
                cmd_ref: c.head.cmd_id.clone().unwrap_or_default(),
                cmd: Some(CmdName::Command(CommandKind::Get)),
                items: result_items,
                ..Results::default()
            };
            // The Results follow the command's (first) Status.
            if let Some(last) = self.answers.last_mut() {
                last.results = Some(results);
            }
        }
        Ok(all_ok)
    }

    /// Answers `command` with the status `refusal` maps to; returns `false` (it failed).
    fn refuse(&mut self, command: &Command, refusal: Refusal) -> bool {
        let status = StatusCode::from(&refusal);
        self.answer(command, status, Some(refusal));
        false
    }

    fn answer(&mut self, command: &Command, status: StatusCode, refusal: Option<Refusal>) {
        let cmd_id = command.cmd_id().cloned().unwrap_or_default();
        let uri = command
            .items()
            .first()
            .and_then(Item::target_uri)
            .map(str::to_owned);
        self.answers.push(Answer {
            results: None,
            report: Report {
                command: command.kind(),
                element: match command {
                    Command::Unknown(u) => Some(u.name.clone()),
                    _ => None,
                },
                cmd_id,
                item: None,
                span: command.span(),
                item_span: None,
                uri,
                status,
                refusal: refusal.map(Arc::new),
            },
        });
    }
}

/// Changes an answer already given to what `refusal` answers (an Atomic's roll-back).
fn set_refusal(answer: &mut Answer, refusal: Refusal) {
    answer.report.status = StatusCode::from(&refusal);
    answer.report.refusal = Some(Arc::new(refusal));
}

/// Whether a Replace targets a node an earlier Add of the same Atomic created.
fn replace_after_add(c: &ItemCommand, atomic: &InAtomic) -> bool {
    c.items
        .iter()
        .filter_map(|it| canonical(it.target_uri()))
        .any(|uri| atomic.added.contains(&uri))
}

/// A URI's canonical form, for comparing two URIs that may be written differently.
fn canonical(uri: Option<&str>) -> Option<String> {
    let limits = UriLimits {
        max_uri_bytes: usize::MAX,
        max_segment_bytes: usize::MAX,
    };
    NodePath::parse(uri?, limits).ok().map(|p| p.to_string())
}

/// The Results items for a Get item's effect. Source LocURIs are written as the request
/// wrote the target (trimmed).
fn result_items_of(uri: &str, effect: Effect) -> Vec<Item> {
    let item = |source: String, format: &str, mime: &str, data: Option<String>| Item {
        source: Some(Source::new(source)),
        meta: Some(Meta {
            format: Some(format.into()),
            type_: (!mime.is_empty()).then(|| mime.into()),
            ..Meta::default()
        }),
        data: data.map(Data::new),
        ..Item::default()
    };
    match effect {
        Effect::Value { format, mime, data } => {
            vec![item(uri.to_owned(), format.as_str(), &mime, Some(data))]
        }
        Effect::Children(names) => vec![item(
            uri.to_owned(),
            "node",
            "text/plain",
            Some(names.join("/")),
        )],
        Effect::Property(value) => vec![item(uri.to_owned(), "chr", "text/plain", Some(value))],
        Effect::Struct(entries) => {
            let base = uri.split_once('?').map_or(uri, |(b, _)| b);
            entries
                .into_iter()
                .map(|e| item(e.uri(base), e.format.as_str(), &e.mime, e.data))
                .collect()
        }
        Effect::Done => Vec::new(),
    }
}

/// Numbers the answers (CmdIDs from 1: the SyncHdr's Status, every Status, then the Results)
/// and builds the response message.
fn build_response(
    request: &SyncMl,
    msg_ref: &str,
    msg_id: Option<&str>,
    answers: Vec<Answer>,
) -> Outcome {
    let mut commands = Vec::with_capacity(answers.len() * 2 + 1);
    let mut next_id = 1u32;
    let mut take_id = || {
        let id = CmdId::new(next_id.to_string());
        next_id += 1;
        Some(id)
    };
    // The SyncHdr's Status comes first, with or without a SyncHdr in the request: Windows's
    // local API answers a message without one with `<SyncHdr/>` and this Status
    // (DeviceManageability CSP page, "Result of the query").
    commands.push(Command::Status(Status {
        head: CommandHead::new(take_id()),
        msg_ref: Some(msg_ref.into()),
        cmd_ref: CmdId::new("0"),
        cmd: CmdName::SyncHdr,
        data: Data::status(StatusCode::Ok),
        ..Status::default()
    }));
    let hdr = match request.hdr.as_ref() {
        Some(h) if !h.is_local() => SyncHdr {
            ver_dtd: "1.2".to_owned(),
            ver_proto: "DM/1.2".to_owned(),
            session_id: h.session_id.clone(),
            msg_id: msg_id.map_or_else(|| h.msg_id.clone(), str::to_owned),
            target: h.source.as_ref().map(|s| Target::new(s.loc_uri.as_str())),
            source: h.target.as_ref().map(|t| Source::new(t.loc_uri.as_str())),
            ..SyncHdr::default()
        },
        _ => SyncHdr::default(),
    };
    let mut reports = Vec::with_capacity(answers.len());
    let mut results = Vec::new();
    for answer in answers {
        let mut status = answer.report.status_element();
        status.head.cmd_id = take_id();
        status.msg_ref = Some(msg_ref.into());
        commands.push(Command::Status(status));
        if let Some(r) = answer.results {
            results.push(r);
        }
        reports.push(answer.report);
    }
    for mut r in results {
        r.head.cmd_id = take_id();
        r.msg_ref = Some(msg_ref.into());
        commands.push(Command::Results(r));
    }
    let response = SyncMl {
        hdr: Some(hdr),
        body: SyncBody {
            commands,
            final_: true,
            ..SyncBody::default()
        },
        ..SyncMl::default()
    };
    Outcome { response, reports }
}
