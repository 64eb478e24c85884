//! The checks around the tree's run: the same node set twice, TenantId names, deprecated
//! nodes, the rules of the policy in force that look at several values, and the one note on
//! Adds a second delivery answers 418.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pfw_ddf::{NodeName, NodePath, Scope, Verb};
use pfw_passport::policy::catalog::{DEVICE_WIDE_ROOTS, Placement, lookup};
use pfw_passport::policy::{
    CharSetFallback, PolicySource, Provenance, TenantChoice, keys, resolve,
};
use pfw_passport::state::sources;
use pfw_tree::{MemoryStore, Store};

use super::{Checker, Facts, Outcome, USER, subtree};
use crate::diagnostic::{Code, Diagnostic, Fix};
use crate::error::LintError;
use crate::profile::{Action, Op};

impl Checker<'_, '_> {
    /// The same node set twice, or set and then deleted.
    pub(super) fn duplicates(
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

    /// One note per file for the ops refused because their node does not exist on a fresh
    /// device (`missing`: op and path, in order), at the first of them: a profile of
    /// Replaces, re-sent to devices that have the nodes, is meant that way.
    pub(super) fn node_missing(&mut self, facts: &[Facts<'_>], missing: &[(usize, String)]) {
        let Some((first, path)) = missing.first() else {
            return;
        };
        let (Some(op), Some(fact)) = (self.profile.ops.get(*first), facts.get(*first)) else {
            return;
        };
        let error = pfw_tree::TreeError::Missing(path.clone());
        let Some(mut d) = self.refusal(op, fact, &error, &BTreeMap::new(), None) else {
            return;
        };
        let more: Vec<String> = missing
            .iter()
            .skip(1)
            .map(|(i, _)| self.op_line(*i).to_string())
            .collect();
        let where_ = match more.as_slice() {
            [] => "on a device that already has the node it works".to_owned(),
            [line] => format!(
                "so is the command at line {line}; on a device that already has the nodes they work"
            ),
            lines if lines.len() <= MAX_LINES_LISTED => format!(
                "so are the commands at lines {}; on a device that already has the nodes they \
                 work",
                lines.join(", ")
            ),
            lines => format!(
                "so are {} more commands of this file (lines {}, …); on a device that already \
                 has the nodes they work",
                lines.len(),
                lines[..MAX_LINES_LISTED].join(", ")
            ),
        };
        d.note = Some(format!(
            "pfw answers 404 Not found on a fresh device; {where_}"
        ));
        self.push(op, d);
    }

    /// TenantId names: GUID, braces, `--tenant`, several tenants.
    pub(super) fn tenants(&mut self, facts: &[Facts<'_>]) {
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
    pub(super) fn deprecated(&mut self, facts: &[Facts<'_>]) {
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
                .flat_map(|p| p.segments().skip(key_from))
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
    pub(super) fn policy(
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
                || keys::CHAR_SETS.iter().all(|k| keys.contains(k))
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
                if keys::CHAR_SETS.iter().any(|k| fell_back(k)) {
                    let setters: Vec<usize> =
                        keys::CHAR_SETS.iter().filter_map(|k| setter(k)).collect();
                    let values: Vec<Option<i32>> = setters
                        .iter()
                        .map(|i| self.data_of(*i).and_then(|d| d.parse().ok()))
                        .collect();
                    let code = CharSetFallback::of(&values).map(|fallback| match fallback {
                        CharSetFallback::AllAllowed => Code::CharSetsDefault,
                        CharSetFallback::NoneAllowed => Code::NoCharSetAllowed,
                    });
                    if let (Some(code), Some(last), true) = (
                        code,
                        setters.iter().copied().max(),
                        setters.len() == keys::CHAR_SETS.len(),
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
            if op.action.writes() && is_rule_key(&key) {
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
    pub(super) fn add_only_once(&mut self, facts: &[Facts<'_>], outcomes: &[Outcome]) {
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
/// For a path inside a tenant's subtree of PassportForWork: the tenant and the path below
/// its `Policies/` (empty for the tenant or `Policies` node itself).
fn policy_key(path: &NodePath) -> Option<(&str, String)> {
    match path.segments().collect::<Vec<_>>()[..] {
        [vendor, msft, csp, tenant, ref rest @ ..]
            if vendor == "Vendor"
                && msft == "MSFT"
                && csp == pfw_passport::schema::NAME
                && !DEVICE_WIDE_ROOTS.contains(&tenant) =>
        {
            match rest {
                [] => Some((tenant, String::new())),
                [policies, key @ ..] if *policies == "Policies" => Some((tenant, key.join("/"))),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the rules over several values read `key`: the two lengths and the four sets.
fn is_rule_key(key: &str) -> bool {
    [keys::MINIMUM_PIN_LENGTH, keys::MAXIMUM_PIN_LENGTH].contains(&key)
        || keys::CHAR_SETS.contains(&key)
}

/// Lines of further commands the `node-missing` note lists.
const MAX_LINES_LISTED: usize = 8;
