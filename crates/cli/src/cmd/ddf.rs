//! `pfw ddf`: a DDF file's tree, node by node: format, access types, default, allowed values,
//! applicability (inherited from the nearest ancestor that states it).

use std::io::Write;

use pfw_ddf::{AllowedKind, EnumValue, Node, NodePath, Schema};
use pfw_syncml::Limits;
use pfw_tree::{Csp, Registry};
use serde_json::{Value, json};

use crate::args::{Cli, DdfArgs};
use crate::error::{CliError, SUCCESS};
use crate::output::{Paint, visible};
use crate::state::{passport_registry, registry};

/// A node with its full path and the applicability in force for it.
struct Row<'a> {
    path: String,
    node: &'a Node,
    scope: &'static str,
    builds: Vec<String>,
    editions: Vec<String>,
}

pub(crate) fn run(cli: &Cli, args: &DdfArgs) -> Result<u8, CliError> {
    let registry = match &args.csp {
        None => passport_registry(cli.ddf.as_deref())?,
        Some(_) => registry(cli)?,
    };
    let mut rows = Vec::new();
    match &args.csp {
        None => {
            for csp in registry.csps() {
                collect(csp.schema(), &mut rows);
            }
        }
        Some(which) => {
            for csp in chosen(&registry, which)? {
                collect(csp.schema(), &mut rows);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let array: Vec<Value> = rows.iter().map(to_json).collect();
        writeln!(out, "{}", Value::Array(array)).map_err(CliError::Output)?;
    } else {
        let paint = Paint::stdout();
        for row in &rows {
            writeln!(out, "{}", paint.bold(&visible(&row.path, false)))
                .map_err(CliError::Output)?;
            writeln!(out, "    {}", visible(&describe(row), false)).map_err(CliError::Output)?;
        }
    }
    Ok(SUCCESS)
}

/// The CSPs `which` names: a URI inside one (its CSP), or a CSP name (every CSP of that name,
/// each once).
fn chosen<'r>(registry: &'r Registry, which: &str) -> Result<Vec<&'r dyn Csp>, CliError> {
    let mut out: Vec<&dyn Csp> = Vec::new();
    if which.contains('/') {
        let path = NodePath::parse(which, pfw_engine::tree_limits(&Limits::DEFAULT).uri)
            .map_err(|e| CliError::Usage(format!("--csp {which}: {e}")))?;
        let segments: Vec<&str> = path.segments().collect();
        let (csp, _) = registry
            .resolve(path.scope(), &segments)
            .map_err(|e| CliError::Usage(format!("--csp {which}: {e}")))?;
        out.push(csp);
    } else {
        for (_, csp) in registry.named(which) {
            if !out.iter().any(|c| std::ptr::addr_eq(*c, csp)) {
                out.push(csp);
            }
        }
    }
    if out.is_empty() {
        let closest = registry
            .closest_csp_name(which)
            .map(|c| format!(" (did you mean {c}?)"))
            .unwrap_or_default();
        return Err(CliError::Usage(format!(
            "--csp {which}: no such CSP{closest}"
        )));
    }
    Ok(out)
}

fn collect<'a>(schema: &'a Schema, rows: &mut Vec<Row<'a>>) {
    for root in &schema.roots {
        let scope = match root.root_location() {
            Some((pfw_ddf::Scope::User, _)) => "user",
            _ => "device",
        };
        let base = root.path.clone().unwrap_or_else(|| ".".to_owned());
        walk(root, &base, scope, &[], &[], rows);
    }
}

fn walk<'a>(
    node: &'a Node,
    parent: &str,
    scope: &'static str,
    builds: &[String],
    editions: &[String],
    rows: &mut Vec<Row<'a>>,
) {
    let path = format!("{parent}/{}", node.display_name());
    let (builds, editions) = match &node.applicability {
        Some(app) => (
            if app.os_builds.is_empty() {
                builds.to_vec()
            } else {
                app.os_builds.iter().map(ToString::to_string).collect()
            },
            if app.editions.is_empty() {
                editions.to_vec()
            } else {
                app.editions.iter().map(|e| format!("0x{e:X}")).collect()
            },
        ),
        None => (builds.to_vec(), editions.to_vec()),
    };
    rows.push(Row {
        path: path.clone(),
        node,
        scope,
        builds: builds.clone(),
        editions: editions.clone(),
    });
    for child in &node.children {
        walk(child, &path, scope, &builds, &editions, rows);
    }
}

/// The values of an enumeration or flag set, `|`-separated.
fn alternatives(values: &[EnumValue]) -> String {
    values
        .iter()
        .map(|v| v.value.as_str())
        .collect::<Vec<_>>()
        .join("|")
}

fn allowed_json(node: &Node) -> Value {
    match node.allowed.as_ref().map(|a| &a.kind) {
        None => Value::Null,
        Some(AllowedKind::Enum(values)) => {
            json!({"kind": "enum", "values": values.iter().map(|v| &v.value).collect::<Vec<_>>()})
        }
        Some(AllowedKind::Flag(values)) => {
            json!({"kind": "flag", "values": values.iter().map(|v| &v.value).collect::<Vec<_>>()})
        }
        Some(AllowedKind::Range { min, max }) => json!({"kind": "range", "min": min, "max": max}),
        Some(AllowedKind::RegEx(p)) => json!({"kind": "regex", "pattern": p.source()}),
        Some(AllowedKind::Unchecked(values)) => json!({"kind": "other", "values": values}),
    }
}

fn to_json(row: &Row<'_>) -> Value {
    let node = row.node;
    json!({
        "path": row.path,
        "name": node.display_name(),
        "scope": row.scope,
        "format": node.format.as_str(),
        "access": node.access.verbs().map(|v| v.as_str()).collect::<Vec<_>>(),
        "default": node.default_value,
        "allowed": allowed_json(node),
        "applicability": {"builds": row.builds, "editions": row.editions},
        "deprecated": node.deprecated.is_some(),
    })
}

fn describe(row: &Row<'_>) -> String {
    let node = row.node;
    let mut parts = vec![
        node.format.as_str().to_owned(),
        node.access
            .verbs()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    ];
    if let Some(d) = &node.default_value {
        parts.push(format!("default {d}"));
    }
    match node.allowed.as_ref().map(|a| &a.kind) {
        Some(AllowedKind::Enum(values)) => parts.push(format!("one of {}", alternatives(values))),
        Some(AllowedKind::Flag(values)) => parts.push(format!("flags {}", alternatives(values))),
        Some(AllowedKind::Range { min, max }) => parts.push(format!("{min}..={max}")),
        Some(AllowedKind::RegEx(p)) => parts.push(format!("matches {}", p.source())),
        Some(AllowedKind::Unchecked(_)) | None => {}
    }
    if !row.builds.is_empty() {
        parts.push(format!("builds {}", row.builds.join(", ")));
    }
    if node.deprecated.is_some() {
        parts.push("deprecated".to_owned());
    }
    parts.push(format!("{} scope", row.scope));
    parts.join(" · ")
}
