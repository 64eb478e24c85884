//! Explaining a profile: each setting in plain words (what it controls, from the policy
//! catalog's one-line descriptions, and what its value means, from the DDF's value
//! descriptions or the policy's unit), and the policy in force on a fresh device after it
//! (the profile run through pfw's engine on an in-memory store, then resolved as
//! `pfw policy` resolves it: one table per tenant the profile sets policy for). The "what it
//! means" of a value is read from that resolution, never from the profile's text: a refused
//! or rolled-back command, a value a rule replaces, another tenant's policy are marked as not
//! in force with the reason.

use std::fmt;

use pfw_ddf::{AllowedKind, Format, Node, NodeName, NodePath, OsBuild, Verb};
use pfw_engine::status_of;
use pfw_passport::ResolveError;
use pfw_passport::policy::catalog::{Placement, lookup};
use pfw_passport::policy::{EffectivePolicy, PolicyValue, Provenance, keys};
use pfw_passport::state::StateError;
use pfw_syncml::{Command, StatusCode};
use pfw_tree::device::DEFAULT_BUILD;
use pfw_tree::{MemoryStore, Registry, Store, Tree, TreeError};

use crate::check::{USER, engine_run, run_op, tree_limits};
use crate::error::ExplainError;
use crate::profile::{Action, Op, Profile, UNBOUNDED};
use crate::source::SourceText;
use crate::{Input, Linter};

/// A profile in plain words.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The file as named.
    pub file: String,
    /// Each setting (command item or Intune OMA setting), in order: every one, whether it
    /// is in force or not.
    pub settings: Vec<ExplainedSetting>,
    /// The policy in force on a fresh device after the profile: one per tenant the profile
    /// sets policy for (only `Options::tenant`'s when given), or one without a tenant.
    pub policies: Vec<EffectivePolicy>,
}

/// One setting in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainedSetting {
    /// Line of the URI (or of the item).
    pub line: u32,
    /// Column (in characters) of the URI (or of the item).
    pub column: u32,
    /// `Add`, `Replace`, `Delete`, `Get`, … or `set` (an Intune setting).
    pub action: String,
    /// The URI.
    pub uri: String,
    /// The tenant whose policy the URI is below (`None` for a device-wide setting).
    pub tenant: Option<String>,
    /// The value, for a write.
    pub value: Option<String>,
    /// The Intune setting's display name.
    pub label: Option<String>,
    /// What the node controls.
    pub controls: Option<String>,
    /// What this value (or this command) does, as it is in force after the profile.
    pub meaning: Option<String>,
    /// When pfw refuses the command on a fresh device (or rolls it back): its status and why.
    pub refused: Option<Refused>,
    /// When pfw accepts it but its value is not in force after the profile: why (another
    /// tenant, a rule over several values, a later setting).
    pub ignored: Option<String>,
}

/// Whether a setting is in force after the profile, from [`ExplainedSetting::verdict`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Accepted, and its value (or its command) is what the device has after the profile.
    InForce,
    /// Accepted, yet not in force: why.
    Ignored(&'a str),
    /// Refused (or rolled back): nothing of it is in force.
    Refused(&'a Refused),
}

impl ExplainedSetting {
    /// The setting's verdict: refused, else ignored, else in force.
    pub fn verdict(&self) -> Verdict<'_> {
        match (&self.refused, &self.ignored) {
            (Some(refused), _) => Verdict::Refused(refused),
            (None, Some(why)) => Verdict::Ignored(why),
            (None, None) => Verdict::InForce,
        }
    }
}

/// A setting pfw refuses on a fresh device (or rolls back): nothing of it is in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The status pfw answers.
    pub status: StatusCode,
    /// Why, in words.
    pub reason: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pfw answers {} {}: {}",
            self.status.code(),
            self.status.reason(),
            self.reason
        )
    }
}

pub(crate) fn explain(
    linter: &Linter,
    file: &str,
    input: &[u8],
) -> Result<Explanation, ExplainError> {
    let build = linter.options().os_build.unwrap_or(DEFAULT_BUILD);
    let registry = linter.registry();
    let unreadable = |line, column, message| ExplainError::Unreadable {
        file: file.to_owned(),
        line,
        column,
        message,
    };
    let (text, profile, store, refusals) = match crate::read(input) {
        Input::SyncMl { message, text } => {
            let src = SourceText::new(text);
            let user = has_user_scope(message_uris(&message.body.commands)).then_some(USER);
            let (store, reports) = engine_run(registry, &message, build, user)
                .map_err(|crate::LintError::Store(e)| ExplainError::Store(e))?;
            let profile = crate::profile::read_syncml(&src, &message, reports, &mut Vec::new());
            let refusals = profile
                .ops
                .iter()
                .map(|op| {
                    let reports = &profile.commands.get(op.command)?.reports;
                    // One answer for the command, or one per item (found by the item's bytes).
                    let report = match reports.as_slice() {
                        [only] => only,
                        many => many
                            .iter()
                            .find(|r| r.item_span.map(|s| s.start) == Some(op.anchor))?,
                    };
                    // Refused, rolled back (216) or not run (215): nothing of it is in force.
                    report.refusal.as_ref().map(|refusal| Refused {
                        status: report.status,
                        reason: refusal.to_string(),
                    })
                })
                .collect();
            (text, profile, store, refusals)
        }
        Input::Intune { json, text } => {
            let src = SourceText::new(text);
            let profile = crate::intune::read(&src, &json, &mut Vec::new()).map_err(|not| {
                let (line, column) = src.position(not.offset);
                unreadable(line, column, not.message)
            })?;
            let (store, refusals) = run_settings(registry, &profile, build)?;
            (text, profile, store, refusals)
        }
        Input::Unreadable {
            line,
            column,
            message,
            ..
        } => return Err(unreadable(line, column, message)),
    };
    let user = has_user_scope(
        profile
            .ops
            .iter()
            .filter_map(|op| op.uri.as_ref().map(|u| u.text.as_str())),
    )
    .then_some(USER);
    let policies = policies(&store, user, linter.options().tenant.as_deref())?;
    let src = SourceText::new(text);
    let settings = profile
        .ops
        .iter()
        .zip(refusals)
        .map(|(op, refused)| describe(registry, &src, op, refused, &policies))
        .collect();
    Ok(Explanation {
        file: file.to_owned(),
        settings,
        policies,
    })
}

/// The policy in force after the profile, resolved as `pfw policy` resolves it: for `tenant`
/// when given, else one table per tenant present (or one without a tenant).
fn policies(
    store: &MemoryStore,
    user: Option<&str>,
    tenant: Option<&str>,
) -> Result<Vec<EffectivePolicy>, ExplainError> {
    let in_force = |tenant: Option<&str>| {
        pfw_passport::state::policy_in_force(store, user, tenant).map_err(|e| match e {
            StateError::Store(e) => ExplainError::Store(e),
            other => ExplainError::Policy(other),
        })
    };
    match pfw_passport::state::policy_in_force(store, user, tenant) {
        Ok(policy) => Ok(vec![policy]),
        Err(StateError::Resolve(ResolveError::SeveralTenants { tenants })) => {
            tenants.iter().map(|t| in_force(Some(t.as_str()))).collect()
        }
        Err(StateError::Store(e)) => Err(ExplainError::Store(e)),
        Err(other) => Err(ExplainError::Policy(other)),
    }
}

/// Intune settings on a fresh in-memory device: each refusal in words.
fn run_settings(
    registry: &Registry,
    profile: &Profile,
    build: OsBuild,
) -> Result<(MemoryStore, Vec<Option<Refused>>), ExplainError> {
    let mut store = MemoryStore::new();
    store.begin()?;
    let device = pfw_tree::Device {
        build,
        edition: pfw_tree::device::DEFAULT_EDITION,
    };
    let mut refusals = Vec::with_capacity(profile.ops.len());
    let mut tree = Tree::new(
        &mut store,
        registry,
        device,
        tree_limits(),
        Some(USER),
        false,
    );
    for op in &profile.ops {
        refusals.push(match run_op(&mut tree, op) {
            Ok(()) => None,
            Err(TreeError::Store(e)) => return Err(ExplainError::Store(e)),
            Err(e) => Some(Refused {
                status: status_of(&e),
                reason: e.to_string(),
            }),
        });
    }
    store.commit()?;
    Ok((store, refusals))
}

/// Whether one of `uris` is in `./User` scope.
fn has_user_scope<'a>(uris: impl IntoIterator<Item = &'a str>) -> bool {
    uris.into_iter()
        .any(|u| NodePath::parse(u, UNBOUNDED).is_ok_and(|p| p.scope() == pfw_ddf::Scope::User))
}

/// Every item's target URI in `commands`, containers' members included.
fn message_uris(commands: &[Command]) -> Vec<&str> {
    let mut uris = Vec::new();
    for command in commands {
        match command {
            Command::Atomic(c) | Command::Sequence(c) => uris.extend(message_uris(&c.commands)),
            other => uris.extend(other.items().iter().filter_map(|i| i.target_uri())),
        }
    }
    uris
}

fn describe(
    registry: &Registry,
    src: &SourceText<'_>,
    op: &Op,
    refused: Option<Refused>,
    policies: &[EffectivePolicy],
) -> ExplainedSetting {
    let uri = op.uri.as_ref().map_or(String::new(), |u| u.text.clone());
    let (line, column) = src.position(op.uri.as_ref().map_or(op.anchor, |u| u.start));
    let value = op
        .action
        .writes()
        .then(|| op.data.as_ref().map(|d| d.text.clone()))
        .flatten();
    let words = match NodePath::parse(&uri, UNBOUNDED) {
        Ok(path) => words(registry, &path, op, refused.is_some(), policies),
        Err(_) => Words::default(),
    };
    ExplainedSetting {
        line,
        column,
        action: op.action.name().to_owned(),
        uri,
        tenant: words.tenant,
        value,
        label: op.label.clone(),
        controls: words.controls,
        meaning: words.meaning,
        refused,
        ignored: words.ignored,
    }
}

/// What a setting's node controls, what the command does (as in force after the profile),
/// and why its value is not in force, when it is not.
#[derive(Default)]
struct Words {
    tenant: Option<String>,
    controls: Option<String>,
    meaning: Option<String>,
    ignored: Option<String>,
}

/// What a node of a CSP pfw has no words for is, from the facts its DDF gives (the facts table
/// keeps no prose): its CSP, format, allowed values, verbs, builds and editions, ADMX policy
/// and conflict rule, in pfw's own words.
fn from_facts(csp: &str, node: &Node) -> String {
    use pfw_ddf::AllowedKind;
    let format = node.format.to_string();
    let article = if format.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "An"
    } else {
        "A"
    };
    let mut parts = vec![format!(
        "{article} {format} {} of the {csp} CSP",
        if node.is_leaf() { "setting" } else { "node" }
    )];
    if let Some(allowed) = &node.allowed {
        let list = |values: &[pfw_ddf::EnumValue]| {
            values
                .iter()
                .map(|v| v.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &allowed.kind {
            AllowedKind::Enum(values) => parts.push(format!("one of {}", list(values))),
            AllowedKind::Flag(values) => {
                parts.push(format!("a combination of the flags {}", list(values)));
            }
            AllowedKind::Range { min, max } => parts.push(format!("from {min} to {max}")),
            AllowedKind::RegEx(pattern) => {
                parts.push(format!("matching the pattern {}", pattern.source()));
            }
            AllowedKind::Unchecked(_) => {}
        }
        if let Some(admx) = &allowed.admx {
            parts.push(format!(
                "backed by the ADMX policy {} ({}, {})",
                admx.name, admx.area, admx.file
            ));
        }
    }
    let verbs: Vec<&str> = node.access.verbs().map(Verb::as_str).collect();
    if !verbs.is_empty() {
        parts.push(format!("commands {}", verbs.join(", ")));
    }
    if let Some(default) = &node.default_value {
        parts.push(format!("{default} when not set"));
    }
    if let Some(applicability) = &node.applicability {
        if let Some(builds) = &applicability.os_build_text {
            parts.push(format!("on Windows builds {builds}"));
        }
        if applicability.edition_text.is_some() && !applicability.editions.is_empty() {
            parts.push(format!("on {} editions", applicability.editions.len()));
        }
    }
    if let Some(rule) = &node.conflict_resolution {
        parts.push(format!("several sources resolved by {rule}"));
    }
    format!("{}.", parts.join("; "))
}

/// The words for one op; `refused`: pfw refused it (or rolled it back), so nothing of it is
/// in force.
fn words(
    registry: &Registry,
    path: &NodePath,
    op: &Op,
    refused: bool,
    policies: &[EffectivePolicy],
) -> Words {
    let segments: Vec<&str> = path.segments().collect();
    let Ok((csp, resolved)) = registry.resolve(path.scope(), &segments) else {
        return Words::default();
    };
    let node = resolved.node();
    let first = resolved.prefix_len + 1;
    let tenant = match resolved.chain.get(1) {
        Some(n) if n.name == NodeName::Dynamic => segments.get(first).copied(),
        _ => None,
    };
    let (key_from, placement) = match tenant {
        Some(_) => (first + 2, Placement::Tenant),
        None => (first, Placement::DeviceWide),
    };
    let key = segments
        .get(key_from..)
        .map(|s| s.join("/"))
        .unwrap_or_default();
    let def = lookup(placement, &key);
    let controls = match (def, tenant) {
        (Some(def), _) => Some(def.description.to_owned()),
        (None, Some(t)) if resolved.chain.len() == 2 => Some(format!(
            "The policy node of tenant {t}: policies below it apply to that tenant."
        )),
        _ => node
            .description
            .as_deref()
            .map(first_sentence)
            .or_else(|| Some(from_facts(csp.name(), node))),
    };
    let mut words = Words {
        tenant: tenant.map(str::to_owned),
        controls,
        ..Words::default()
    };
    if refused {
        return words;
    }
    // The table this op's policy is in: its tenant's (device-wide policies are in each).
    let table = match tenant {
        Some(t) => policies.iter().find(|p| p.tenant.as_deref() == Some(t)),
        None => policies.first(),
    };
    let Some(table) = table else {
        let name = tenant.unwrap_or("");
        words.ignored = Some(match policies.first().and_then(|p| p.tenant.as_deref()) {
            Some(chosen) => format!(
                "not in force: policy for tenant `{name}` is ignored on a device of tenant \
                 `{chosen}`"
            ),
            None => format!("not in force: nothing of tenant `{name}` is left after the profile"),
        });
        return words;
    };
    words.meaning = match op.action {
        Action::Verb(Verb::Delete) if node.is_leaf() => {
            Some("Removes the setting: the policy takes its default again.".to_owned())
        }
        Action::Verb(Verb::Delete) => Some(format!(
            "Removes {} and every setting below it.",
            node.display_name()
        )),
        Action::Verb(Verb::Get) => Some("Reads the value; changes nothing.".to_owned()),
        _ if !node.is_leaf() => match (tenant, resolved.chain.len()) {
            (Some(t), 2) => Some(format!("Creates tenant {t}'s policy node.")),
            _ => Some(format!("Creates the node {}.", path.name().unwrap_or("."))),
        },
        _ => {
            let Some(def) = def else {
                return words;
            };
            let below_csp = segments
                .get(first..)
                .map(|s| s.join("/"))
                .unwrap_or_default();
            let scope = match path.scope() {
                pfw_ddf::Scope::Device => Provenance::Device,
                pfw_ddf::Scope::User => Provenance::User,
            };
            let (meaning, ignored) = in_force(table, def.key, &below_csp, scope, op, node, &key);
            words.ignored = ignored;
            meaning
        }
    };
    words
}

/// What is in force for the policy `key` an op writes, from the resolved `table`: its value's
/// meaning when the op's value is the one in force, else why it is not (and what is instead).
fn in_force(
    table: &EffectivePolicy,
    key: &str,
    below_csp: &str,
    scope: Provenance,
    op: &Op,
    node: &Node,
    catalog_key: &str,
) -> (Option<String>, Option<String>) {
    if let Some(ignored) = table.ignored.iter().find(|i| i.path == below_csp) {
        return (None, Some(format!("not in force: {}", ignored.reason)));
    }
    let Some(setting) = table.setting(key) else {
        return (None, None);
    };
    let current = match &setting.value {
        PolicyValue::Bool(b) => b.to_string(),
        PolicyValue::Int(n) => n.to_string(),
        PolicyValue::Text(t) => t.clone(),
        PolicyValue::Unset => String::new(),
    };
    let meaning = meaning_of(node, catalog_key, &current);
    let reason = setting
        .reason
        .as_deref()
        .unwrap_or("a rule over several values");
    let sent = op.data.as_ref().map_or("", |d| d.text.as_str());
    let same = match &setting.value {
        PolicyValue::Bool(b) => sent.eq_ignore_ascii_case(&b.to_string()),
        PolicyValue::Int(n) => sent.parse::<i64>().ok() == Some(i64::from(*n)),
        _ => sent == current,
    };
    match setting.source {
        Provenance::Fallback => (
            meaning.map(|m| format!("In force instead: {m}")),
            Some(format!("not in force: {reason}")),
        ),
        Provenance::Default => (
            None,
            Some("not in force: a later command of the profile removes it".to_owned()),
        ),
        source if source != scope => (
            None,
            Some(format!(
                "not in force: the {source} value beats it (policy by policy, user over device)"
            )),
        ),
        _ if !same => (
            None,
            Some(format!(
                "not in force: a later setting of the profile sets `{current}`"
            )),
        ),
        _ => (meaning, None),
    }
}

/// What a value means: the DDF's description of an enumerated value, else the policy's unit.
fn meaning_of(node: &Node, key: &str, value: &str) -> Option<String> {
    if let Some(AllowedKind::Enum(values)) = node.allowed.as_ref().map(|a| &a.kind) {
        let found = values.iter().find(|v| {
            v.value == value || (node.format == Format::Bool && v.value.eq_ignore_ascii_case(value))
        });
        if let Some(description) = found.and_then(|v| v.description.clone()) {
            return Some(description);
        }
    }
    let n: i64 = value.parse().ok()?;
    Some(match key {
        keys::MINIMUM_PIN_LENGTH => format!("A PIN needs at least {n} characters."),
        keys::MAXIMUM_PIN_LENGTH => format!("A PIN may have at most {n} characters."),
        keys::HISTORY if n == 0 => "No PIN history is kept: any PIN may be reused.".to_owned(),
        keys::HISTORY => {
            format!("The last {n} PINs, the current one included, cannot be chosen again.")
        }
        keys::EXPIRATION if n == 0 => "PINs never expire.".to_owned(),
        keys::EXPIRATION => format!("A PIN must be changed every {n} days."),
        _ => return None,
    })
}

/// The first sentence of a DDF description.
fn first_sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ").and_then(|end| text.get(..=end)) {
        Some(sentence) => sentence.to_owned(),
        None => text,
    }
}
