//! Running one message: decode, then every command in order inside one store transaction
//! (Atomic on a savepoint, Sequence in order), then the response: the SyncHdr's Status first
//! when there is a SyncHdr, a Status for every command in request order, the Results of
//! successful Gets after them, `Final`.

use pfw_ddf::{NodePath, UriLimits, Verb};
use pfw_syncml::{
    AlertCode, CmdId, Command, Container, Data, Item, ItemCommand, Limits, Meta, Results, Source,
    Status, StatusCode, SyncBody, SyncHdr, SyncMl, Target,
};
use pfw_tree::{Device, Effect, Registry, Store, Tree, TreeError, TreeLimits};

use crate::error::{EngineError, status_of};

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

/// One command's outcome, for a summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The command element (`Add`, `Atomic`, …).
    pub command: String,
    /// Its CmdID (empty when it had none).
    pub cmd_id: String,
    /// The target URI (first item's), when it has one.
    pub uri: Option<String>,
    /// The status.
    pub status: StatusCode,
    /// Why, when not plain success.
    pub reason: Option<String>,
    /// Line of the command in the request (1-based; 0 when unknown).
    pub line: u32,
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
        store.begin()?;
        let result = self.run_in_transaction(store, message, options, &hook);
        match result {
            Ok(outcome) => {
                hook(Stage::BeforeCommit);
                store.commit()?;
                hook(Stage::Committed);
                Ok(outcome)
            }
            Err(e) => {
                // The store already failed; the rollback's own error adds nothing.
                let _ = store.rollback();
                Err(e)
            }
        }
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
        let msg_ref = message
            .hdr
            .as_ref()
            .map_or_else(|| "1".to_owned(), |h| h.msg_id.clone());
        let mut run = Run {
            tree,
            answers: Vec::new(),
            hook,
            first_done: false,
        };
        for command in &message.body.commands {
            run.command(command, &Context::TopLevel)?;
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
    }
}

/// Where a command sits.
enum Context {
    TopLevel,
    Atomic,
    Sequence,
}

/// One command's answer before numbering: its Status, its Results (a Get's), a report.
struct Answer {
    status: Status,
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
    /// Runs one command (containers recursively) and records its answers. Returns whether it
    /// succeeded (for Atomic).
    fn command(&mut self, command: &Command, context: &Context) -> Result<bool, EngineError> {
        let ok = self.command_inner(command, context)?;
        if !self.first_done {
            self.first_done = true;
            (self.hook)(Stage::MidTransaction);
        }
        Ok(ok)
    }

    fn command_inner(&mut self, command: &Command, context: &Context) -> Result<bool, EngineError> {
        // Status and Results in an incoming message are a server's package: read, not answered.
        if matches!(command, Command::Status(_) | Command::Results(_)) {
            return Ok(true);
        }
        // Row 1: CmdID present and not 0.
        let cmd_id = command.cmd_id().map(CmdId::as_str).unwrap_or("");
        if cmd_id.is_empty() || cmd_id == "0" {
            let reason = if cmd_id.is_empty() {
                "the command has no CmdID"
            } else {
                "CmdID 0 is reserved for the SyncHdr"
            };
            self.answer(command, StatusCode::BadRequest, Some(reason.to_owned()));
            return Ok(false);
        }
        match command {
            // Row 2: an element pfw knows as a command.
            Command::Unknown(u) => {
                self.answer(
                    command,
                    StatusCode::BadRequest,
                    Some(format!("`{}` is not a SyncML command", u.name)),
                );
                Ok(false)
            }
            Command::Malformed(m) => {
                self.answer(
                    command,
                    StatusCode::BadRequest,
                    Some(format!("malformed {}: {}", m.element, m.reason)),
                );
                Ok(false)
            }
            Command::Alert(alert) => {
                let understood = alert
                    .code()
                    .is_some_and(|c| !matches!(c, AlertCode::Unknown(_)));
                let (status, reason) = if understood {
                    (StatusCode::Ok, None)
                } else {
                    (
                        StatusCode::OptionalFeatureNotSupported,
                        Some(format!(
                            "alert {:?} is not understood",
                            alert.data.as_deref().unwrap_or("")
                        )),
                    )
                };
                self.answer(command, status, reason);
                Ok(status.is_success())
            }
            Command::Atomic(container) => match context {
                Context::Atomic => {
                    self.answer(
                        command,
                        StatusCode::CommandFailed,
                        Some("Atomic cannot be nested in an Atomic".to_owned()),
                    );
                    self.not_executed(&container.commands);
                    Ok(false)
                }
                _ => self.atomic(command, container),
            },
            Command::Sequence(container) => {
                self.answer(command, StatusCode::Ok, None);
                let mut all = true;
                for member in &container.commands {
                    all &= self.command(member, &Context::Sequence)?;
                }
                Ok(all)
            }
            Command::Get(_) if matches!(context, Context::Atomic) => {
                self.answer(
                    command,
                    StatusCode::CommandFailed,
                    Some("Get is not allowed inside Atomic".to_owned()),
                );
                Ok(false)
            }
            Command::Add(c) => self.items(command, c, Verb::Add),
            Command::Copy(c) => self.items(command, c, Verb::Copy),
            Command::Delete(c) => self.items(command, c, Verb::Delete),
            Command::Exec(c) => self.items(command, c, Verb::Exec),
            Command::Get(c) => self.items(command, c, Verb::Get),
            Command::Replace(c) => self.items(command, c, Verb::Replace),
            // Handled above.
            Command::Status(_) | Command::Results(_) => Ok(true),
        }
    }

    /// Atomic: members in order, stopping at the first failure; then members run are rolled
    /// back (216), members not run get 215, the failed one keeps its code, the Atomic 507.
    fn atomic(&mut self, command: &Command, container: &Container) -> Result<bool, EngineError> {
        let own = self.answers.len();
        self.answer(command, StatusCode::Ok, None);
        self.tree.store().savepoint()?;
        let mut added: Vec<String> = Vec::new();
        let mut failed_at = None;
        for (i, member) in container.commands.iter().enumerate() {
            let ok = if replace_after_add(member, &added) {
                let reason = "Add then Replace of the same node in one Atomic is not supported";
                self.answer(member, StatusCode::CommandFailed, Some(reason.to_owned()));
                false
            } else {
                self.command(member, &Context::Atomic)?
            };
            if let Command::Add(c) = member {
                added.extend(c.items.iter().filter_map(|it| canonical(it.target_uri())));
            }
            if !ok {
                failed_at = Some(i);
                break;
            }
        }
        let Some(i) = failed_at else {
            self.tree.store().release_savepoint()?;
            return Ok(true);
        };
        self.tree.store().rollback_to_savepoint()?;
        // Everything that ran and succeeded inside the Atomic (a Sequence's later members
        // included) was rolled back; what failed keeps its code.
        for answer in &mut self.answers[own + 1..] {
            let status = answer.report.status;
            let ran = !matches!(
                status,
                StatusCode::NotExecuted | StatusCode::AtomicRollbackOk
            );
            if ran && status.is_success() {
                set_status(
                    answer,
                    StatusCode::AtomicRollbackOk,
                    "rolled back: the Atomic failed",
                );
            }
        }
        self.not_executed(&container.commands[i + 1..]);
        set_status(
            &mut self.answers[own],
            StatusCode::AtomicFailed,
            "a member failed; the Atomic was rolled back",
        );
        Ok(false)
    }

    /// Answers 215 for commands that were not run (containers' members included).
    fn not_executed(&mut self, commands: &[Command]) {
        for command in commands {
            if matches!(command, Command::Status(_) | Command::Results(_)) {
                continue;
            }
            self.answer(
                command,
                StatusCode::NotExecuted,
                Some("not executed: the Atomic failed".to_owned()),
            );
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
            self.answer(
                command,
                StatusCode::BadRequest,
                Some(format!("{} has no Item", command.name())),
            );
            return Ok(false);
        }
        let mut outcomes = Vec::with_capacity(c.items.len());
        let mut result_items = Vec::new();
        for item in &c.items {
            let tree_command = pfw_tree::Command {
                verb,
                target: item.target_uri(),
                format: c.format_of(item),
                data: item.data_text(),
                more_data: item.more_data,
            };
            match self.tree.execute(&tree_command) {
                Ok(effect) => {
                    if verb == Verb::Get {
                        result_items
                            .extend(result_items_of(item.target_uri().unwrap_or(""), effect));
                    }
                    outcomes.push((StatusCode::Ok, None, item.target_uri()));
                }
                Err(TreeError::Store(e)) => return Err(EngineError::Store(e)),
                Err(e) => outcomes.push((status_of(&e), Some(e.to_string()), item.target_uri())),
            }
        }
        let all_ok = outcomes.iter().all(|(s, _, _)| s.is_success());
        let uniform = outcomes.windows(2).all(|w| w[0].0 == w[1].0);
        if uniform {
            let (status, reason, _) = outcomes[0].clone();
            self.answer(command, status, reason);
        } else {
            for (status, reason, uri) in outcomes {
                self.answer(command, status, reason);
                if let (Some(last), Some(uri)) = (self.answers.last_mut(), uri) {
                    last.status.target_refs.push(uri.to_owned());
                    last.report.uri = Some(uri.to_owned());
                }
            }
        }
        if !result_items.is_empty() {
            let results = Results {
                cmd_ref: c
                    .cmd_id
                    .as_ref()
                    .map(|i| i.as_str().to_owned())
                    .unwrap_or_default(),
                cmd: Some("Get".to_owned()),
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

    fn answer(&mut self, command: &Command, status: StatusCode, reason: Option<String>) {
        let cmd_id = command.cmd_id().map(CmdId::as_str).unwrap_or("").to_owned();
        let uri = command
            .items()
            .first()
            .and_then(Item::target_uri)
            .map(str::to_owned);
        let status_element = Status {
            cmd_ref: cmd_id.clone(),
            cmd: command.name().to_owned(),
            data: Data::new(status.code().to_string()),
            ..Status::default()
        };
        self.answers.push(Answer {
            status: status_element,
            results: None,
            report: Report {
                command: command.name().to_owned(),
                cmd_id,
                uri,
                status,
                reason,
                line: command.pos().line,
            },
        });
    }
}

fn set_status(answer: &mut Answer, status: StatusCode, reason: &str) {
    answer.status.data = Data::new(status.code().to_string());
    answer.report.status = status;
    answer.report.reason = Some(reason.to_owned());
}

/// Whether `member` is a Replace of a node an earlier Add of the same Atomic created.
fn replace_after_add(member: &Command, added: &[String]) -> bool {
    let Command::Replace(c) = member else {
        return false;
    };
    c.items
        .iter()
        .filter_map(|it| canonical(it.target_uri()))
        .any(|uri| added.contains(&uri))
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
            format: Some(format.to_owned()),
            type_: (!mime.is_empty()).then(|| mime.to_owned()),
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
                .map(|e| {
                    let source = if e.relative.is_empty() {
                        base.to_owned()
                    } else {
                        format!("{base}/{}", e.relative)
                    };
                    item(source, e.format.as_str(), &e.mime, e.data)
                })
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
    let hdr = request.hdr.as_ref().map(|h| {
        commands.push(Command::Status(Status {
            cmd_id: take_id(),
            msg_ref: Some(msg_ref.to_owned()),
            cmd_ref: "0".to_owned(),
            cmd: "SyncHdr".to_owned(),
            data: Data::new(StatusCode::Ok.code().to_string()),
            ..Status::default()
        }));
        SyncHdr {
            ver_dtd: "1.2".to_owned(),
            ver_proto: "DM/1.2".to_owned(),
            session_id: h.session_id.clone(),
            msg_id: msg_id.map_or_else(|| h.msg_id.clone(), str::to_owned),
            target: h.source.as_ref().map(|s| Target::new(s.loc_uri.as_str())),
            source: h.target.as_ref().map(|t| Source::new(t.loc_uri.as_str())),
            ..SyncHdr::default()
        }
    });
    let mut reports = Vec::with_capacity(answers.len());
    let mut results = Vec::new();
    for answer in answers {
        let mut status = answer.status;
        status.cmd_id = take_id();
        status.msg_ref = Some(msg_ref.to_owned());
        commands.push(Command::Status(status));
        if let Some(r) = answer.results {
            results.push(r);
        }
        reports.push(answer.report);
    }
    for mut r in results {
        r.cmd_id = take_id();
        r.msg_ref = Some(msg_ref.to_owned());
        commands.push(Command::Results(r));
    }
    let response = SyncMl {
        hdr,
        body: SyncBody {
            commands,
            final_: true,
            ..SyncBody::default()
        },
        ..SyncMl::default()
    };
    Outcome { response, reports }
}
