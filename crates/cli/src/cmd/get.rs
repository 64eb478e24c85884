//! `pfw get`: one node's value, or an interior node's children one per line.

use std::io::{IsTerminal, Write};

use pfw_ddf::Verb;
use pfw_tree::{Device as TreeDevice, Effect, Tree};
use serde_json::{Value, json};

use crate::args::{Cli, GetArgs};
use crate::error::{CliError, NEGATIVE, SUCCESS};
use crate::state::Device;

pub(crate) fn run(cli: &Cli, args: &GetArgs) -> Result<u8, CliError> {
    let mut device = Device::open_existing(cli)?;
    let limits = pfw_engine::tree_limits(device.engine.limits());
    let registry = device.engine.registry().clone();
    let path = device.path.clone();
    let result = device.read(|store| {
        let info = TreeDevice::load(store).map_err(|source| CliError::Store { path, source })?;
        let mut tree = Tree::new(store, &registry, info, limits, args.user.as_deref(), false);
        let command = pfw_tree::Command {
            verb: Verb::Get,
            target: Some(args.uri.trim()),
            format: None,
            data: None,
            more_data: false,
        };
        Ok(tree.execute(&command))
    })?;
    match result {
        Ok(effect) => {
            let mut out = std::io::stdout().lock();
            if args.json {
                writeln!(out, "{}", effect_json(&args.uri, effect))
            } else {
                print_effect(&mut out, &args.uri, effect)
            }
            .map_err(CliError::Output)?;
            Ok(SUCCESS)
        }
        Err(e) => {
            let status = pfw_engine::status_of(&e);
            if args.json {
                let value = json!({
                    "uri": args.uri.trim(),
                    "status": status.code(),
                    "reason": status.reason(),
                    "error": e.to_string(),
                });
                writeln!(std::io::stdout().lock(), "{value}").map_err(CliError::Output)?;
            }
            crate::output::warn(&format!(
                "pfw: {} ({} {})",
                e,
                status.code(),
                status.reason()
            ));
            Ok(NEGATIVE)
        }
    }
}

/// `get --json`: `{"uri", "value"}` for a leaf or a property, `{"uri", "children"}` for an
/// interior node, `{"uri", "nodes": [{"uri", "value"}]}` for `?list=`; values exact.
fn effect_json(uri: &str, effect: Effect) -> Value {
    let uri = uri.trim();
    match effect {
        Effect::Value { data, .. } | Effect::Property(data) => json!({"uri": uri, "value": data}),
        Effect::Children(names) => json!({"uri": uri, "children": names}),
        Effect::Struct(entries) => {
            let base = uri.split_once('?').map_or(uri, |(b, _)| b);
            let nodes: Vec<Value> = entries
                .into_iter()
                .map(|e| json!({"uri": e.uri(base), "value": e.data}))
                .collect();
            json!({"uri": uri, "nodes": nodes})
        }
        Effect::Done => json!({"uri": uri}),
    }
}

fn print_effect(out: &mut impl Write, uri: &str, effect: Effect) -> std::io::Result<()> {
    match effect {
        Effect::Value { data, .. } | Effect::Property(data) => writeln!(out, "{}", shown(&data)),
        Effect::Children(names) => names.iter().try_for_each(|n| writeln!(out, "{}", shown(n))),
        Effect::Struct(entries) => {
            let base = uri.split_once('?').map_or(uri, |(b, _)| b).trim();
            for e in entries {
                let path = if e.relative.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}/{}", e.relative)
                };
                match e.data {
                    Some(d) => writeln!(out, "{} = {}", shown(&path), shown(&d))?,
                    None => writeln!(out, "{}", shown(&path))?,
                }
            }
            Ok(())
        }
        Effect::Done => Ok(()),
    }
}

/// A value as printed: exact when standard output is a pipe or file (scripts read it), with
/// control characters escaped on a terminal.
fn shown(value: &str) -> std::borrow::Cow<'_, str> {
    if std::io::stdout().is_terminal() {
        crate::output::visible(value, true)
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}
