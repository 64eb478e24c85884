//! The DDF loader: an OMA DM DDF 1.2 `MgmtTree` file with Microsoft's `MSFT:` extensions →
//! [`Schema`].
//!
//! The file is read through `pfw_xml`'s bounded reader: a byte-order mark, CRLF line ends
//! and the DOCTYPE these files carry are accepted (its internal subset is skipped, never
//! interpreted); entity references other than the XML predefined ones are refused; size,
//! depth and attributes are bounded there, the node count and the elements held at once
//! here. An element the model
//! does not know is skipped and its name recorded, never fatal.

use pfw_xml::{Config, Doctype, ErrorKind, Limits, Names, Reader, Start, Token};

use crate::applicability::Applicability;
use crate::error::LoadError;
use crate::model::{
    AccessType, AdmxBacked, AllowedKind, AllowedValues, CaseSense, DfType, DynamicNaming,
    EnumValue, Format, Node, NodeName, NodeScope, Occurrence, Pattern, Schema, SupportedValues,
    Verb,
};

/// Largest DDF file accepted, in bytes.
pub const MAX_DDF_BYTES: usize = 16 * 1024 * 1024;
/// Deepest element nesting accepted in a DDF file.
pub const MAX_DDF_DEPTH: usize = 128;
/// Most `Node` elements accepted in a DDF file.
pub const MAX_DDF_NODES: usize = 100_000;
/// Most elements the loader holds at once while it reads (those of the nodes being read: a
/// node's elements are released once it is read); a single node with more is refused.
pub const MAX_DDF_HELD_ELEMENTS: usize = 100_000;
/// Most attributes on one element.
pub const MAX_DDF_ATTRIBUTES: usize = 64;
/// Most distinct names of unmodelled elements a node (or the file) records in `skipped`.
pub const MAX_SKIPPED_NAMES: usize = 64;
/// Most memory one compiled `RegEx` pattern may hold, in bytes (its compiled form and a
/// search's cache): Microsoft's largest pattern needs less than 100 KiB.
pub const MAX_PATTERN_BYTES: usize = 4 * 1024 * 1024;
/// Most memory the compiled `RegEx` patterns of one DDF file may hold together, in bytes.
pub const MAX_PATTERNS_BYTES: usize = 16 * 1024 * 1024;
/// Most entries read from a DDF directory (`--ddf-dir`).
pub const MAX_DDF_DIR_ENTRIES: usize = 2_000;
/// Largest total size of the DDF files of a directory, in bytes.
pub const MAX_DDF_DIR_BYTES: u64 = 64 * 1024 * 1024;

impl Schema {
    /// Loads a DDF file from its bytes.
    pub fn load(bytes: &[u8]) -> Result<Self, LoadError> {
        let mut patterns = Patterns::default();
        let root = parse_document(bytes, &mut patterns)?;
        if root.local() != "MgmtTree" {
            return Err(LoadError::WrongRoot { found: root.name });
        }
        let mut schema = Self {
            ver_dtd: String::new(),
            man: None,
            model: None,
            diagnostics: None,
            roots: root.nodes,
            skipped: Vec::new(),
        };
        for child in root.children {
            match child.local() {
                "VerDTD" => schema.ver_dtd = child.text,
                "Man" => schema.man = Some(child.text),
                "Mod" => schema.model = Some(child.text),
                "Diagnostics" => schema.diagnostics = Some(child.text),
                _ => skip(&mut schema.skipped, child.name),
            }
        }
        Ok(schema)
    }
}

/// A parsed XML element: just enough DOM to read a DDF file. A `Node` element becomes a
/// [`Node`] as soon as it closes (in its parent's `nodes`), so the DOM never holds more than
/// the open elements and the properties of the nodes being read: a file's peak memory is its
/// schema's, not a whole document tree's.
struct Element {
    /// The name as written (prefix included).
    name: String,
    /// Where the local name (after any prefix) starts in `name`.
    local_start: usize,
    /// Attributes as written: (name, value).
    attrs: Vec<(String, String)>,
    text: String,
    /// Child elements other than `Node`.
    children: Vec<Self>,
    /// `Node` children, already read.
    nodes: Vec<Node>,
    /// How many elements of this one's subtree the DOM holds (itself excluded).
    held: usize,
}

impl Element {
    fn new(start: Start) -> Self {
        let local_start = start.name.len() - start.local().len();
        let Start { name, attrs, .. } = start;
        Self {
            name,
            local_start,
            attrs: attrs.into_iter().map(|a| (a.name, a.value)).collect(),
            text: String::new(),
            children: Vec::new(),
            nodes: Vec::new(),
            held: 0,
        }
    }

    /// The element's name without its prefix.
    fn local(&self) -> &str {
        // Invariant: `local_start` is where the reader's local name starts inside `name`.
        &self.name[self.local_start..]
    }

    /// The value of the attribute named `name` as written.
    fn attr(&self, name: &str) -> Option<&str> {
        let (_, value) = self.attrs.iter().find(|(k, _)| k == name)?;
        Some(value)
    }
}

/// How the loader reads a DDF file: its bounds, the DOCTYPE these files carry skipped
/// unread, names as written (the `MSFT:` prefix is part of an extension's name).
const CONFIG: Config = Config {
    limits: Limits {
        max_bytes: MAX_DDF_BYTES,
        max_depth: MAX_DDF_DEPTH,
        // The elements held at once are bounded instead (MAX_DDF_HELD_ELEMENTS), and the
        // nodes (MAX_DDF_NODES): a large file of small nodes is read in bounded memory.
        max_elements: usize::MAX,
        max_attributes: MAX_DDF_ATTRIBUTES,
        // One element's text is bounded by the file's size.
        max_text_bytes: MAX_DDF_BYTES,
    },
    doctype: Doctype::Skip,
    names: Names::Qualified,
};

/// Reads the document into its root element, each `Node` of the DDF tree read as it closes;
/// `patterns` holds the file's compiled patterns.
fn parse_document(bytes: &[u8], patterns: &mut Patterns) -> Result<Element, LoadError> {
    let mut reader = Reader::new(bytes, CONFIG).map_err(load_error)?;
    let mut stack: Vec<Element> = Vec::new();
    let mut nodes = 0usize;
    // Elements the DOM holds now (MAX_DDF_HELD_ELEMENTS).
    let mut live = 0usize;
    let mut root = None;
    while let Some(token) = reader.next().map_err(load_error)? {
        match token {
            Token::Start(start) => {
                if start.local() == "Node" {
                    nodes += 1;
                    if nodes > MAX_DDF_NODES {
                        return Err(LoadError::TooManyNodes { max: MAX_DDF_NODES });
                    }
                }
                live += 1;
                if live > MAX_DDF_HELD_ELEMENTS {
                    return Err(LoadError::TooComplex {
                        max: MAX_DDF_HELD_ELEMENTS,
                        line: reader.position().line,
                    });
                }
                stack.push(Element::new(start));
            }
            Token::End => {
                // Invariant: the reader closes only open elements, and the root last.
                let Some(mut element) = stack.pop() else {
                    break;
                };
                trim_in_place(&mut element.text);
                match stack.is_empty() {
                    false => attach(&mut stack, element, patterns, &mut live)?,
                    true => root = Some(element),
                }
            }
            Token::Text(text) => {
                // Text is trimmed when its element closes, so ASCII whitespace before any
                // content (all the text of an element holding elements) need not be kept.
                if let Some(top) = stack.last_mut() {
                    let blank = text
                        .bytes()
                        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
                    if !(blank && top.text.is_empty()) {
                        top.text.push_str(&text);
                    }
                }
            }
        }
    }
    // Invariant: the reader ends only after the root element closed.
    root.ok_or_else(|| LoadError::Xml {
        line: reader.position().line,
        message: "no root element".to_owned(),
    })
}

/// The loader's error for the reader's refusal: its bounds and entities as the loader's own
/// variants, anything else not well-formed at its line.
fn load_error(error: pfw_xml::Error) -> LoadError {
    let line = error.at.line;
    match error.kind {
        ErrorKind::TooLarge { len, limit } => LoadError::TooLarge { len, max: limit },
        ErrorKind::NotUtf8 { offset } => LoadError::NotUtf8 { offset },
        ErrorKind::TooDeep { limit } => LoadError::TooDeep { max: limit, line },
        ErrorKind::TooManyAttributes { limit } => LoadError::TooManyAttributes { max: limit, line },
        ErrorKind::UnknownEntity(name) => LoadError::Entity { name, line },
        ErrorKind::Syntax(e) => LoadError::Xml {
            line,
            message: e.to_string(),
        },
        ErrorKind::Truncated => LoadError::Xml {
            line,
            message: "the file ends inside an element".to_owned(),
        },
        other => LoadError::Xml {
            line,
            message: other.to_string(),
        },
    }
}

/// Adds a closed `element` to its parent, the top of `stack`: a `Node` of the DDF tree (under
/// `MgmtTree` or a `Node`) as the [`Node`] it describes, anything else as an element.
/// `live` counts the elements the DOM holds: a node's are released once it is read.
fn attach(
    stack: &mut [Element],
    element: Element,
    patterns: &mut Patterns,
    live: &mut usize,
) -> Result<(), LoadError> {
    let in_tree = match stack {
        [root] => root.local() == "MgmtTree",
        [.., parent] => parent.local() == "Node",
        [] => false,
    };
    if in_tree && element.local() == "Node" {
        let parent = tree_path(stack);
        *live = live.saturating_sub(element.held + 1);
        let node = node(element, &parent, patterns)?;
        if let Some(parent) = stack.last_mut() {
            parent.nodes.push(node);
        }
    } else if let Some(parent) = stack.last_mut() {
        parent.held += element.held + 1;
        parent.children.push(element);
    }
    Ok(())
}

/// The display path of the open `Node` elements on `stack` (below `MgmtTree`), as far as their
/// `NodeName` and `Path` have been read: what [`node`] calls its `parent`.
fn tree_path(stack: &[Element]) -> String {
    let mut out = String::new();
    for element in stack.iter().skip(1) {
        let text_of = |name: &str| {
            element
                .children
                .iter()
                .find(|c| c.local() == name)
                .map(|c| c.text.as_str())
        };
        match (text_of("NodeName"), text_of("Path")) {
            (Some(""), _) => out.push_str("/{}"),
            (Some(name), Some(path)) => out = format!("{path}/{name}"),
            (Some(name), None) => {
                out.push('/');
                out.push_str(name);
            }
            (None, _) => out.push_str("/?"),
        }
    }
    out
}

/// Records the name of an unmodelled element, once, up to [`MAX_SKIPPED_NAMES`] names.
fn skip(skipped: &mut Vec<String>, name: String) {
    if skipped.len() < MAX_SKIPPED_NAMES && !skipped.contains(&name) {
        skipped.push(name);
    }
}

/// Trims surrounding whitespace without copying text that has none.
fn trim_in_place(text: &mut String) {
    let end = text.trim_end().len();
    text.truncate(end);
    let start = text.len() - text.trim_start().len();
    if start > 0 {
        text.drain(..start);
    }
}

/// The `RegEx` patterns of the file being read: each distinct one compiled once (Microsoft's
/// files repeat the same GUID pattern on many nodes), with the memory they hold together.
#[derive(Default)]
struct Patterns {
    compiled: std::collections::HashMap<String, Pattern>,
    memory: usize,
}

impl Patterns {
    /// `text` compiled within the bounds, or the load error naming `node` and the pattern.
    fn compile(&mut self, text: &str, node: &str) -> Result<Pattern, LoadError> {
        if let Some(pattern) = self.compiled.get(text) {
            return Ok(pattern.clone());
        }
        let pattern =
            Pattern::compile(text, MAX_PATTERN_BYTES).map_err(|source| LoadError::Pattern {
                node: node.to_owned(),
                pattern: text.to_owned(),
                source,
            })?;
        self.memory += pattern.memory();
        if self.memory > MAX_PATTERNS_BYTES {
            return Err(LoadError::PatternsTooLarge {
                node: node.to_owned(),
                pattern: text.to_owned(),
                bytes: self.memory,
                max: MAX_PATTERNS_BYTES,
            });
        }
        self.compiled.insert(text.to_owned(), pattern.clone());
        Ok(pattern)
    }
}

/// Reads one `Node`; `patterns` holds the file's patterns read so far.
fn node(element: Element, parent: &str, patterns: &mut Patterns) -> Result<Node, LoadError> {
    let mut name = None;
    let mut path = None;
    let mut props = None;
    let mut skipped: Vec<String> = Vec::new();
    let mut children = element.nodes;
    children.shrink_to_fit();
    for child in element.children {
        match child.local() {
            "NodeName" => name = Some(child.text),
            "Path" => path = Some(child.text),
            "DFProperties" => props = Some(child),
            _ => skip(&mut skipped, child.name),
        }
    }
    let name = match name {
        None => {
            return Err(LoadError::Missing {
                node: format!("{parent}/?"),
                element: "NodeName",
            });
        }
        Some(n) if n.is_empty() => NodeName::Dynamic,
        Some(n) => NodeName::Static(n),
    };
    let here = match (&name, &path) {
        (NodeName::Static(n), Some(p)) => format!("{p}/{n}"),
        (NodeName::Static(n), None) => format!("{parent}/{n}"),
        (NodeName::Dynamic, _) => format!("{parent}/{{}}"),
    };
    let Some(props) = props else {
        return Err(LoadError::Missing {
            node: here,
            element: "DFProperties",
        });
    };
    let mut node = Node {
        path,
        skipped,
        ..Node::new(name)
    };
    let mut saw_format = false;
    let mut saw_scope = false;
    for prop in props.children {
        match prop.local() {
            "AccessType" => {
                for verb in prop.children {
                    match Verb::from_name(verb.local()) {
                        Some(v) => node.access = node.access.with(v),
                        None => skip(&mut node.skipped, format!("AccessType/{}", verb.name)),
                    }
                }
            }
            "DefaultValue" => node.default_value = Some(prop.text),
            "Description" => node.description = Some(prop.text),
            "DFFormat" => {
                let first = only_child(&prop, &here, "DFFormat")?;
                node.format = Format::from_name(first.local());
                saw_format = true;
            }
            "Occurrence" => node.occurrence = occurrence(&prop, &here)?,
            "Scope" => {
                saw_scope = true;
                node.scope = match only_child(&prop, &here, "Scope")?.local() {
                    "Permanent" => NodeScope::Permanent,
                    "Dynamic" => NodeScope::Dynamic,
                    other => {
                        return Err(LoadError::Invalid {
                            node: here,
                            element: "Scope",
                            value: other.to_owned(),
                        });
                    }
                }
            }
            "DFTitle" => node.title = Some(prop.text),
            "DFType" => {
                let first = only_child(&prop, &here, "DFType")?;
                node.df_type = Some(match first.local() {
                    "MIME" => DfType::Mime(first.text.clone()),
                    "DDFName" => DfType::DdfName(first.text.clone()),
                    other => {
                        return Err(LoadError::Invalid {
                            node: here,
                            element: "DFType",
                            value: other.to_owned(),
                        });
                    }
                });
            }
            "CaseSense" => {
                node.case_sense = Some(match only_child(&prop, &here, "CaseSense")?.local() {
                    "CS" => CaseSense::Sensitive,
                    "CIS" => CaseSense::Insensitive,
                    other => {
                        return Err(LoadError::Invalid {
                            node: here,
                            element: "CaseSense",
                            value: other.to_owned(),
                        });
                    }
                });
            }
            "Applicability" => node.applicability = Some(applicability(prop, &here)?),
            "AllowedValues" => node.allowed = Some(allowed_values(prop, &here, patterns)?),
            "SupportedValues" => {
                node.supported_values = Some(SupportedValues {
                    attributes: prop.attrs,
                    values: prop.children.into_iter().map(|c| c.attrs).collect(),
                });
            }
            "DynamicNodeNaming" => {
                let first = only_child(&prop, &here, "DynamicNodeNaming")?;
                node.dynamic_naming = Some(DynamicNaming {
                    kind: first.name.clone(),
                    text: first.text.clone(),
                });
            }
            "Deprecated" => node.deprecated = Some(prop.attrs),
            "ConflictResolution" => node.conflict_resolution = Some(prop.text),
            "GpMapping" => node.gp_mapping = Some(prop.attrs),
            _ => skip(&mut node.skipped, prop.name),
        }
    }
    if !saw_format {
        return Err(LoadError::Missing {
            node: here,
            element: "DFFormat",
        });
    }
    if !saw_scope {
        node.scope = default_scope(node.access);
    }
    node.children = children;
    Ok(node)
}

/// The scope of a node whose DDF gives none (`Scope` is optional in DDF 1.2): dynamic when its
/// AccessType has Add (the server creates it), else permanent (it can only be built in). So an
/// Add the AccessType allows is never refused as an Add of a permanent node.
fn default_scope(access: AccessType) -> NodeScope {
    if access.allows(Verb::Add) {
        NodeScope::Dynamic
    } else {
        NodeScope::Permanent
    }
}

fn only_child<'a>(
    element: &'a Element,
    node: &str,
    name: &'static str,
) -> Result<&'a Element, LoadError> {
    element.children.first().ok_or_else(|| LoadError::Missing {
        node: node.to_owned(),
        element: name,
    })
}

fn occurrence(element: &Element, node: &str) -> Result<Occurrence, LoadError> {
    let first = only_child(element, node, "Occurrence")?;
    let bound = || {
        first.text.parse::<u32>().map_err(|_| LoadError::Invalid {
            node: node.to_owned(),
            element: "Occurrence",
            value: first.text.clone(),
        })
    };
    // `<ZeroOrN />` without its number (Microsoft's EMAIL2 DDF, which Windows ships) states no
    // bound: read as ZeroOrMore (and `<OneOrN />` as OneOrMore).
    let unbounded = first.text.is_empty();
    Ok(match first.local() {
        "One" => Occurrence::One,
        "ZeroOrOne" => Occurrence::ZeroOrOne,
        "ZeroOrMore" => Occurrence::ZeroOrMore,
        "OneOrMore" => Occurrence::OneOrMore,
        "ZeroOrN" if unbounded => Occurrence::ZeroOrMore,
        "OneOrN" if unbounded => Occurrence::OneOrMore,
        "ZeroOrN" => Occurrence::ZeroOrN(bound()?),
        "OneOrN" => Occurrence::OneOrN(bound()?),
        other => {
            return Err(LoadError::Invalid {
                node: node.to_owned(),
                element: "Occurrence",
                value: other.to_owned(),
            });
        }
    })
}

fn applicability(element: Element, node: &str) -> Result<Applicability, LoadError> {
    let mut out = Applicability {
        os_build_text: None,
        os_builds: Vec::new(),
        csp_version: None,
        edition_text: None,
        editions: Vec::new(),
        skipped: Vec::new(),
    };
    let wrap = |source| LoadError::Applicability {
        node: node.to_owned(),
        source,
    };
    for child in element.children {
        match child.local() {
            "OsBuildVersion" => {
                out.os_builds = Applicability::parse_builds(&child.text).map_err(wrap)?;
                out.os_build_text = Some(child.text);
            }
            "CspVersion" => out.csp_version = Some(child.text),
            "EditionAllowList" => {
                out.editions = Applicability::parse_editions(&child.text).map_err(wrap)?;
                out.edition_text = Some(child.text);
            }
            _ => skip(&mut out.skipped, child.name),
        }
    }
    Ok(out)
}

fn allowed_values(
    element: Element,
    node: &str,
    patterns: &mut Patterns,
) -> Result<AllowedValues, LoadError> {
    let value_type = element.attr("ValueType").unwrap_or_default().to_owned();
    let invalid = |value: String| LoadError::Invalid {
        node: node.to_owned(),
        element: "AllowedValues",
        value,
    };
    let enums = |children: Vec<Element>| -> Vec<EnumValue> {
        children
            .into_iter()
            .filter(|c| c.local() == "Enum")
            .map(|c| {
                let mut value = String::new();
                let mut description = None;
                for part in c.children {
                    match part.local() {
                        "Value" => value = part.text,
                        "ValueDescription" => description = Some(part.text),
                        _ => {}
                    }
                }
                EnumValue { value, description }
            })
            .collect()
    };
    let values = |children: &[Element]| -> Vec<String> {
        children
            .iter()
            .filter(|c| c.local() == "Value")
            .map(|c| c.text.clone())
            .collect()
    };
    let admx = element
        .children
        .iter()
        .find(|c| c.local() == "AdmxBacked")
        .map(|c| {
            let attr = |name: &str| c.attr(name).unwrap_or_default().to_owned();
            AdmxBacked {
                area: attr("Area"),
                name: attr("Name"),
                file: attr("File"),
            }
        });
    let kind = match value_type.to_ascii_lowercase().as_str() {
        "enum" => AllowedKind::Enum(enums(element.children)),
        "flag" => AllowedKind::Flag(enums(element.children)),
        "range" => {
            let text = values(&element.children)
                .into_iter()
                .next()
                .unwrap_or_default();
            let (min, max) = parse_range(&text).ok_or_else(|| invalid(text.clone()))?;
            AllowedKind::Range { min, max }
        }
        "regex" => {
            let text = values(&element.children)
                .into_iter()
                .next()
                .unwrap_or_default();
            let pattern = patterns.compile(&text, node)?;
            AllowedKind::RegEx(pattern)
        }
        _ => AllowedKind::Unchecked(values(&element.children)),
    };
    Ok(AllowedValues {
        value_type,
        kind,
        admx,
    })
}

/// Parses `[min-max]` (bounds may be negative: `[-1-5]`, or a negative bound in parentheses
/// as Microsoft's ActiveSync DDF writes it: `[(-1)-4294967295]`).
fn parse_range(text: &str) -> Option<(i64, i64)> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let (min, rest) = match inner.strip_prefix('(') {
        Some(after) => {
            let close = after.find(')')?;
            (&after[..close], after[close + 1..].strip_prefix('-')?)
        }
        None => {
            let split = inner
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c == '-')
                .map(|(i, _)| i)?;
            (&inner[..split], &inner[split + 1..])
        }
    };
    let bound = |t: &str| -> Option<i64> {
        let t = t.trim();
        let t = t
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(t);
        t.trim().parse().ok()
    };
    let (min, max) = (bound(min)?, bound(rest)?);
    (min <= max).then_some((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("[4-127]"), Some((4, 127)));
        assert_eq!(parse_range("[-1-5]"), Some((-1, 5)));
        assert_eq!(parse_range("[-10--5]"), Some((-10, -5)));
        // Microsoft's ActiveSync DDF.
        assert_eq!(parse_range("[(-1)-4294967295]"), Some((-1, 4_294_967_295)));
        assert_eq!(parse_range("[(-10)-(-5)]"), Some((-10, -5)));
        assert_eq!(parse_range("[(-1-5]"), None);
        assert_eq!(parse_range("[5-4]"), None);
        assert_eq!(parse_range("4-127"), None);
    }

    #[test]
    fn refuses_unknown_entities_and_deep_nesting() {
        let entity = b"<MgmtTree><VerDTD>&foo;</VerDTD></MgmtTree>";
        assert!(matches!(
            Schema::load(entity),
            Err(LoadError::Entity { .. })
        ));
        let deep = format!(
            "<MgmtTree>{}{}</MgmtTree>",
            "<a>".repeat(200),
            "</a>".repeat(200)
        );
        assert!(matches!(
            Schema::load(deep.as_bytes()),
            Err(LoadError::TooDeep { .. })
        ));
        assert!(matches!(
            Schema::load(b"<Other/>"),
            Err(LoadError::WrongRoot { .. })
        ));
        assert!(matches!(
            Schema::load(b"<MgmtTree>"),
            Err(LoadError::Xml { .. })
        ));
        assert!(matches!(
            Schema::load(b"\xff\xfe"),
            Err(LoadError::NotUtf8 { offset: 0 })
        ));
    }

    #[test]
    fn skips_unknown_extensions() {
        let text = br#"<MgmtTree xmlns:MSFT="x"><VerDTD>1.2</VerDTD><MSFT:Future/>
          <Node><NodeName>A</NodeName><Path>./Device/Vendor</Path><DFProperties><AccessType><Get/></AccessType>
          <DFFormat><node/></DFFormat><MSFT:Shiny>1</MSFT:Shiny></DFProperties></Node></MgmtTree>"#;
        let schema = Schema::load(text).unwrap();
        assert_eq!(schema.skipped, ["MSFT:Future"]);
        assert_eq!(schema.roots[0].skipped, ["MSFT:Shiny"]);
    }
}
