//! Several files as one device receives them (README decisions): the enrollment policy first,
//! at device scope; then the files in command-line order; the last write of a node wins; a
//! removal (`**del.`, `=-`) unsets the node for its source.

use std::collections::BTreeMap;

use pfw_passport::policy::{PolicySource, SourceKind};

use crate::error::At;
use crate::model::{Format, Scope, Source, TENANT_PLACEHOLDER};

/// The resolver's sources for a set of files, and what the files disagree on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Combined {
    /// In precedence order, highest first: user Group Policy, computer Group Policy, user MDM,
    /// device MDM (the device's always, the others when a file sets them).
    pub sources: Vec<PolicySource>,
    /// Nodes two files set to different values.
    pub conflicts: Vec<Conflict>,
    /// Where each node's winning write is: (scope, path) → (file index, setting index).
    pub origin: BTreeMap<(Scope, String), (usize, usize)>,
}

/// The same setting set to different values by two files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The source both write.
    pub scope: Scope,
    /// The node.
    pub path: String,
    /// The earlier write: file index, its name for the setting, value, position.
    pub first: (usize, String, String, At),
    /// The later write, which wins.
    pub second: (usize, String, String, At),
}

/// Combines files as one device receiving them all; `tenant` fills the tenant of settings
/// whose source names none (else the only tenant the files name, else the placeholder).
pub fn combine(files: &[Source], tenant: Option<&str>) -> Combined {
    let named: std::collections::BTreeSet<&str> = files
        .iter()
        .flat_map(|f| &f.settings)
        .filter_map(|s| s.tenant())
        .filter(|t| *t != TENANT_PLACEHOLDER)
        .collect();
    let fill = tenant
        .map(str::to_owned)
        .or_else(|| {
            (named.len() == 1)
                .then(|| named.iter().next().map(|t| (*t).to_owned()))
                .flatten()
        })
        .unwrap_or_else(|| TENANT_PLACEHOLDER.to_owned());
    let mut order: Vec<usize> = (0..files.len()).collect();
    // The enrollment policy applies first (at enrollment), the rest in command-line order.
    order.sort_by_key(|&i| files[i].format != Format::EnrollmentPolicy);

    let mut values: BTreeMap<Scope, BTreeMap<String, Option<String>>> = BTreeMap::new();
    let mut last: BTreeMap<(Scope, String), (usize, usize)> = BTreeMap::new();
    let mut conflicts = Vec::new();
    for &f in &order {
        for (s, setting) in files[f].settings.iter().enumerate() {
            let path = match setting.path.strip_prefix(TENANT_PLACEHOLDER) {
                Some(rest) => format!("{fill}{rest}"),
                None => setting.path.clone(),
            };
            let slot = values.entry(setting.scope).or_default();
            let key = (setting.scope, path.clone());
            if let (Some(&(pf, ps)), Some(new)) = (last.get(&key), &setting.value)
                && pf != f
                && let Some(Some(old)) = slot.get(&path)
                && !old.eq_ignore_ascii_case(new)
            {
                let prev = &files[pf].settings[ps];
                conflicts.push(Conflict {
                    scope: setting.scope,
                    path: path.clone(),
                    first: (pf, prev.name.clone(), old.clone(), prev.at),
                    second: (f, setting.name.clone(), new.clone(), setting.at),
                });
            }
            slot.insert(path.clone(), setting.value.clone());
            last.insert(key, (f, s));
        }
    }
    let mut sources = Vec::new();
    for scope in [
        Scope::UserGroupPolicy,
        Scope::ComputerGroupPolicy,
        Scope::UserMdm,
        Scope::DeviceMdm,
    ] {
        let Some(map) = values.get(&scope) else {
            if scope == Scope::DeviceMdm {
                sources.push(PolicySource::new(SourceKind::Device));
            }
            continue;
        };
        let mut source = PolicySource::new(scope.kind());
        for (path, value) in map {
            if let Some(v) = value {
                source.values.insert(path.clone(), v.clone());
            }
        }
        sources.push(source);
    }
    Combined {
        sources,
        conflicts,
        origin: last,
    }
}
