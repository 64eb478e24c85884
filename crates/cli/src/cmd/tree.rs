//! `pfw tree`: the device's (or a user's) management tree with its values.

use std::io::Write;

use pfw_ddf::{Scope, Verb};
use pfw_tree::{Device as TreeDevice, Effect, Tree};

use crate::args::{Cli, TreeArgs};
use crate::error::{CliError, SUCCESS};
use crate::output::visible;
use crate::state::Device;

/// One node of the listing: full path, depth below its CSP root, leaf value.
struct Line {
    path: String,
    name: String,
    depth: usize,
    value: Option<String>,
}

pub(crate) fn run(cli: &Cli, args: &TreeArgs) -> Result<u8, CliError> {
    let mut device = Device::open_existing(cli)?;
    let limits = pfw_engine::tree_limits(device.engine.limits());
    let registry = device.engine.registry().clone();
    let path = device.path.clone();
    let scope = if args.user.is_some() {
        Scope::User
    } else {
        Scope::Device
    };
    let lines = device.read(|store| {
        let info = TreeDevice::load(store).map_err(|source| CliError::Store {
            path: path.clone(),
            source,
        })?;
        let mut tree = Tree::new(store, &registry, info, limits, args.user.as_deref(), false);
        let mut bases: Vec<String> = Vec::new();
        for csp in registry.csps() {
            for root in &csp.schema().roots {
                let Some((root_scope, prefix)) = root.root_location() else {
                    continue;
                };
                if root_scope != scope {
                    continue;
                }
                bases.push(format!(
                    "{}/{}/{}",
                    scope.prefix(),
                    prefix.join("/"),
                    root.display_name()
                ));
            }
        }
        // Every other CSP (loaded only when a URI reaches it) is listed when the tree stores
        // nodes under its root.
        let instance = match &args.user {
            Some(user) => tree.store().find_instance(Some(user)),
            None => Ok(Some(pfw_tree::InstanceId::DEVICE)),
        }
        .map_err(|source| CliError::Store {
            path: path.clone(),
            source,
        })?;
        if let Some(instance) = instance {
            let stored =
                tree.store()
                    .descendants(instance, "")
                    .map_err(|source| CliError::Store {
                        path: path.clone(),
                        source,
                    })?;
            for (_, location) in registry.roots() {
                if location.scope != scope {
                    continue;
                }
                let key: Vec<String> = location
                    .segments
                    .iter()
                    .map(|s| pfw_ddf::encode_segment(s))
                    .collect();
                let key = key.join("/");
                let below = format!("{key}/");
                let base = location.uri();
                if !bases.contains(&base)
                    && stored
                        .iter()
                        .any(|(k, _)| *k == key || k.starts_with(&below))
                {
                    bases.push(base);
                }
            }
        }
        let mut lines: Vec<Line> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for base in bases {
            {
                let target = format!("{base}?list=StructData");
                let command = pfw_tree::Command {
                    verb: Verb::Get,
                    target: Some(&target),
                    format: None,
                    data: None,
                    more_data: false,
                };
                // A root the device's build or edition lacks is simply not listed; a state
                // that cannot be read (damaged, or a value over the state's limits) is exit 3.
                let entries = match tree.execute(&command) {
                    Ok(Effect::Struct(entries)) => entries,
                    Err(pfw_tree::TreeError::Store(source)) => {
                        return Err(CliError::Store {
                            path: path.clone(),
                            source,
                        });
                    }
                    _ => continue,
                };
                for e in entries {
                    let depth = if e.relative.is_empty() {
                        0
                    } else {
                        e.relative.matches('/').count() + 1
                    };
                    let name = e
                        .relative
                        .rsplit('/')
                        .next()
                        .filter(|n| !n.is_empty())
                        .unwrap_or(&base)
                        .to_owned();
                    let path = if e.relative.is_empty() {
                        base.clone()
                    } else {
                        format!("{base}/{}", e.relative)
                    };
                    if !seen.insert(path.clone()) {
                        continue;
                    }
                    lines.push(Line {
                        path,
                        name,
                        depth,
                        value: e.data.filter(|_| e.format != pfw_ddf::Format::Node),
                    });
                }
            }
        }
        Ok(lines)
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = lines
            .into_iter()
            .map(|l| {
                (
                    l.path,
                    l.value
                        .map_or(serde_json::Value::Null, serde_json::Value::String),
                )
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Object(map)).map_err(CliError::Output)?;
    } else {
        for l in lines {
            let indent = "  ".repeat(l.depth);
            let shown = if l.depth == 0 { l.path } else { l.name };
            let shown = visible(&shown, false);
            match l.value {
                Some(v) => writeln!(out, "{indent}{shown} = {}", visible(&v, false)),
                None => writeln!(out, "{indent}{shown}"),
            }
            .map_err(CliError::Output)?;
        }
    }
    Ok(SUCCESS)
}
