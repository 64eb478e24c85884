//! A facts table: its index of units (one per DDF root node), read at once, and each unit's
//! nodes, read only when asked for.

use std::collections::HashMap;
use std::sync::OnceLock;

use pfw_ddf::{Applicability, Node, Schema, Scope};

use crate::error::FactsError;
use crate::format::{self, HEADER, NODE_FIELDS};

/// A facts table over its text.
#[derive(Debug)]
pub struct Table<'a> {
    units: Vec<Unit<'a>>,
    applicability: Vec<(&'a str, OnceLock<Result<Applicability, String>>)>,
    body: &'a str,
    /// Line number of the body's first line, for errors.
    body_line: usize,
}

/// One unit of a table: a root node of one DDF file, with the path it sits at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit<'a> {
    /// The DDF file it comes from (`BitLocker.xml`).
    pub file: &'a str,
    /// The root's `Path` as written (`./Device/Vendor/MSFT`).
    pub path: String,
    /// The root's name (`BitLocker`).
    pub name: String,
    offset: usize,
    len: usize,
    /// Line number of the unit's first node line within the body.
    first_line: usize,
}

impl Unit<'_> {
    /// The scope the root's path names and the path's segments after it
    /// (`./Device/Vendor/MSFT` → device, `["Vendor", "MSFT"]`).
    pub fn location(&self) -> (Scope, Vec<&str>) {
        let (scope, segments) = pfw_ddf::root_path(&self.path);
        (scope, segments.collect())
    }
}

impl<'a> Table<'a> {
    /// Reads a table's index (its `U` and `A` lines); no unit is read yet.
    pub fn parse(text: &'a str) -> Result<Self, FactsError> {
        let mut lines = text.split_inclusive('\n');
        if lines.next().map(|l| l.trim_end()) != Some(HEADER) {
            return Err(FactsError::Header { expected: HEADER });
        }
        let mut consumed = HEADER.len() + 1;
        let mut units = Vec::new();
        let mut applicability = Vec::new();
        let mut line_no = 1;
        let bad = |line, what: &str| FactsError::Line {
            line,
            what: what.to_owned(),
        };
        loop {
            let Some(line) = lines.next() else {
                return Err(bad(line_no + 1, "the table ends before its body (`B`)"));
            };
            line_no += 1;
            consumed += line.len();
            let line = line.strip_suffix('\n').unwrap_or(line);
            if line == "B" {
                break;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["U", offset, len, first, file, path, name] => {
                    let number = |t: &str| t.parse::<usize>().map_err(|_| bad(line_no, t));
                    units.push(Unit {
                        file,
                        path: format::unescape(path),
                        name: format::unescape(name),
                        offset: number(offset)?,
                        len: number(len)?,
                        first_line: number(first)?,
                    });
                }
                ["A", rest @ ..] if rest.len() == 3 => {
                    // Invariant: the line has four fields, so after `A\t` comes the rest.
                    applicability.push((&line[2..], OnceLock::new()));
                }
                _ => return Err(bad(line_no, "neither a U nor an A line")),
            }
        }
        let body = text.get(consumed..).unwrap_or("");
        Ok(Self {
            units,
            applicability,
            body,
            body_line: line_no + 1,
        })
    }

    /// The units, in table order (files by name, roots in document order).
    pub fn units(&self) -> &[Unit<'a>] {
        &self.units
    }

    /// Reads unit `index` into a schema with that one root.
    pub fn load(&self, index: usize) -> Result<Schema, FactsError> {
        let unit = self.units.get(index).ok_or_else(|| FactsError::Unit {
            unit: format!("#{index}"),
            what: "no such unit".to_owned(),
        })?;
        let unit_err = |what: String| FactsError::Unit {
            unit: format!("{}/{}", unit.path, unit.name),
            what,
        };
        // Checked here, not when the index is read: reading the index touches no unit's text.
        let text = unit
            .offset
            .checked_add(unit.len)
            .and_then(|end| self.body.get(unit.offset..end))
            .ok_or_else(|| unit_err("its body lies outside the table".to_owned()))?;
        let lookup = |i: usize| -> Option<Applicability> {
            let (text, cell) = self.applicability.get(i)?;
            cell.get_or_init(|| {
                let fields: Vec<&str> = text.split('\t').collect();
                format::read_applicability(&fields)
            })
            .as_ref()
            .ok()
            .cloned()
        };
        // Nodes by depth: stack[d] is the open node at depth d.
        let mut stack: Vec<Node> = Vec::new();
        let mut root = None;
        for (i, line) in text.lines().enumerate() {
            let line_no = self.body_line + unit.first_line + i;
            let fields: Vec<&str> = line.split('\t').collect();
            let ["N", depth, rest @ ..] = fields.as_slice() else {
                return Err(FactsError::Line {
                    line: line_no,
                    what: "not a node line".to_owned(),
                });
            };
            if rest.len() + 2 != NODE_FIELDS {
                return Err(FactsError::Line {
                    line: line_no,
                    what: format!("{} fields, not {NODE_FIELDS}", rest.len() + 2),
                });
            }
            let depth: usize = depth.parse().map_err(|_| FactsError::Line {
                line: line_no,
                what: format!("bad depth {depth:?}"),
            })?;
            let node = format::read_node(rest, &lookup).map_err(|what| FactsError::Line {
                line: line_no,
                what,
            })?;
            if depth > stack.len() || (depth == 0 && root.is_some()) {
                return Err(unit_err(format!(
                    "line {line_no}: depth {depth} out of order"
                )));
            }
            close_to(&mut stack, depth, &mut root);
            stack.push(node);
        }
        close_to(&mut stack, 0, &mut root);
        let root = root.ok_or_else(|| unit_err("no nodes".to_owned()))?;
        Ok(Schema::of_root(root))
    }
}

/// Pops open nodes deeper than or at `depth`, attaching each to its parent (or as the root).
fn close_to(stack: &mut Vec<Node>, depth: usize, root: &mut Option<Node>) {
    while stack.len() > depth {
        // Invariant: the loop runs only while the stack is non-empty.
        let Some(node) = stack.pop() else { break };
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => *root = Some(node),
        }
    }
}

/// Writes the table of `files` (each a DDF file's name and its schema), in the order given.
pub fn write(files: &[(String, Schema)]) -> String {
    let mut interned: HashMap<String, usize> = HashMap::new();
    let mut app_lines: Vec<String> = Vec::new();
    let mut index = String::new();
    let mut body = String::new();
    let mut body_lines = 0usize;
    for (file, schema) in files {
        for root in &schema.roots {
            let start = body.len();
            let first_line = body_lines;
            let mut intern = |app: &Applicability| {
                let key = format::applicability_key(app);
                *interned.entry(key.clone()).or_insert_with(|| {
                    app_lines.push(key);
                    app_lines.len() - 1
                })
            };
            body_lines += write_tree(root, 0, &mut intern, &mut body);
            let mut path = String::new();
            format::escape(root.path.as_deref().unwrap_or("."), &mut path);
            let mut name = String::new();
            format::escape(&root.display_name(), &mut name);
            index.push_str(&format!(
                "U\t{start}\t{}\t{first_line}\t{file}\t{path}\t{name}\n",
                body.len() - start
            ));
        }
    }
    let mut out = String::with_capacity(index.len() + body.len() + 4096);
    out.push_str(HEADER);
    out.push('\n');
    out.push_str(&index);
    for line in app_lines {
        out.push_str("A\t");
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("B\n");
    out.push_str(&body);
    out
}

fn write_tree(
    node: &Node,
    depth: usize,
    intern: &mut dyn FnMut(&Applicability) -> usize,
    out: &mut String,
) -> usize {
    format::write_node(node, depth, intern, out);
    let mut lines = 1;
    for child in &node.children {
        lines += write_tree(child, depth + 1, intern, out);
    }
    lines
}
