//! The schema model: one [`Schema`] per DDF file, a tree of [`Node`]s, and the properties OMA DM
//! DDF 1.2 and Microsoft's extensions give each node.
//!
//! The model keeps every fact a DDF file states, including the prose (descriptions, value
//! descriptions, dynamic-naming text), so two files can be compared fact by fact. Elements the
//! loader does not know are not silently lost: their names are listed in [`Node::skipped`] and
//! [`Schema::skipped`].

use std::fmt;

use crate::applicability::Applicability;
use crate::error::PatternError;
use crate::path::Scope;

/// A loaded DDF file: the `MgmtTree` root element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    /// `VerDTD`, the DDF version (`1.2`).
    pub ver_dtd: String,
    /// `Man`, the manufacturer, when given.
    pub man: Option<String>,
    /// `Mod`, the model, when given.
    pub model: Option<String>,
    /// `MSFT:Diagnostics`, present (possibly empty) in Microsoft's files.
    pub diagnostics: Option<String>,
    /// The top-level nodes, each with its `Path` (e.g. `./Device/Vendor/MSFT`).
    pub roots: Vec<Node>,
    /// Names of elements directly under `MgmtTree` that the loader does not model (each once,
    /// at most `load::MAX_SKIPPED_NAMES`).
    pub skipped: Vec<String>,
}

impl Schema {
    /// A schema of one top-level node, as a DDF file of version 1.2 with nothing else in it.
    pub fn of_root(root: Node) -> Self {
        Self {
            ver_dtd: "1.2".to_owned(),
            man: None,
            model: None,
            diagnostics: None,
            roots: vec![root],
            skipped: Vec::new(),
        }
    }

    /// Every node in document order, with its full path written the way [`Node::display_name`]
    /// describes (dynamic segments as `{Title}`).
    pub fn walk(&self) -> Vec<(String, &Node)> {
        let mut out = Vec::new();
        for root in &self.roots {
            let base = root.path.clone().unwrap_or_else(|| ".".to_owned());
            walk_into(&base, root, &mut out);
        }
        out
    }

    /// The root node for `scope` whose full path is a prefix of `segments`, if any, with the
    /// number of segments it consumes (the root's own name included).
    pub(crate) fn root_for<'a>(
        &'a self,
        scope: Scope,
        segments: &[&str],
    ) -> Option<(&'a Node, usize)> {
        self.roots.iter().find_map(|root| {
            // Not collected: this runs for every command.
            let path = root.path.as_deref().filter(|p| is_rooted(p))?;
            let (root_scope, prefix) = root_path(path);
            if root_scope != scope {
                return None;
            }
            let mut len = 0;
            for part in prefix {
                if segments.get(len) != Some(&part) {
                    return None;
                }
                len += 1;
            }
            let name = segments.get(len)?;
            root.name.matches(name).then_some((root, len + 1))
        })
    }
}

impl Schema {
    /// The names one level below `segments` on the way to this schema's top-level nodes in
    /// `scope`, each with the top-level node it leads to: `[]` → `Vendor` (for a root whose
    /// `Path` is `./Vendor/MSFT`) or `DevInfo` (for a root `DevInfo` at `.`), `["Vendor"]` →
    /// `MSFT`. Empty when `segments` is not a proper prefix of any top-level node's location.
    /// These are the interior nodes above the CSPs (OMA-DM's root `.` and the `Path` segments)
    /// that no DDF describes as a node.
    pub fn names_above_roots(&self, scope: Scope, segments: &[&str]) -> Vec<(&str, &Node)> {
        let mut out = Vec::new();
        for root in &self.roots {
            let Some((root_scope, prefix)) = root.root_location() else {
                continue;
            };
            let Some(name) = root.name.as_static() else {
                continue;
            };
            if root_scope != scope || segments.len() > prefix.len() {
                continue;
            }
            if !prefix.iter().zip(segments).all(|(a, b)| a == b) {
                continue;
            }
            let next = prefix.get(segments.len()).copied().unwrap_or(name);
            out.push((next, root));
        }
        out
    }
}

fn walk_into<'a>(parent: &str, node: &'a Node, out: &mut Vec<(String, &'a Node)>) {
    let path = format!("{parent}/{}", node.display_name());
    out.push((path.clone(), node));
    for child in &node.children {
        walk_into(&path, child, out);
    }
}

/// One `Node` of a DDF file with its `DFProperties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// `NodeName`; empty in the file for a dynamic (unnamed) node.
    pub name: NodeName,
    /// `Path`, given on top-level nodes only.
    pub path: Option<String>,
    /// `AccessType`: the verbs the node accepts.
    pub access: AccessType,
    /// `DefaultValue`, as written.
    pub default_value: Option<String>,
    /// `Description` (prose).
    pub description: Option<String>,
    /// `DFFormat`.
    pub format: Format,
    /// `Occurrence`.
    pub occurrence: Occurrence,
    /// `Scope`: permanent or dynamic.
    pub scope: NodeScope,
    /// `DFTitle`.
    pub title: Option<String>,
    /// `DFType`: a MIME type for leaves, a DDF name for interior nodes.
    pub df_type: Option<DfType>,
    /// `CaseSense`.
    pub case_sense: Option<CaseSense>,
    /// `MSFT:Applicability`: the builds, CSP version and editions the node exists on.
    pub applicability: Option<Applicability>,
    /// `MSFT:AllowedValues`.
    pub allowed: Option<AllowedValues>,
    /// `MSFT:SupportedValues` (older Microsoft files).
    pub supported_values: Option<SupportedValues>,
    /// `MSFT:DynamicNodeNaming`.
    pub dynamic_naming: Option<DynamicNaming>,
    /// `MSFT:Deprecated`, with its attributes.
    pub deprecated: Option<Vec<(String, String)>>,
    /// `MSFT:ConflictResolution` (e.g. `LastWrite`).
    pub conflict_resolution: Option<String>,
    /// `MSFT:GpMapping`: the Group Policy setting the node maps to, as its attributes.
    pub gp_mapping: Option<Vec<(String, String)>>,
    /// Child nodes, in document order.
    pub children: Vec<Self>,
    /// Names of elements inside this node's `Node`/`DFProperties` that the loader skipped
    /// (each once, at most `load::MAX_SKIPPED_NAMES`).
    pub skipped: Vec<String>,
}

impl Node {
    /// A node named `name` with nothing else said of it: an interior node (`Format` node),
    /// no verb allowed, one occurrence, permanent, no `Path`, no children. A loader or a CSP
    /// fills in what its DDF gives.
    pub fn new(name: NodeName) -> Self {
        Self {
            name,
            path: None,
            access: AccessType::default(),
            default_value: None,
            description: None,
            format: Format::Node,
            occurrence: Occurrence::One,
            scope: NodeScope::Permanent,
            title: None,
            df_type: None,
            case_sense: None,
            applicability: None,
            allowed: None,
            supported_values: None,
            dynamic_naming: None,
            deprecated: None,
            conflict_resolution: None,
            gp_mapping: None,
            children: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// The name to show: the node name, or `{Title}` for a dynamic node (`{TenantId}`), or
    /// `{}` when the dynamic node has no title.
    pub fn display_name(&self) -> String {
        match &self.name {
            NodeName::Static(name) => name.clone(),
            NodeName::Dynamic => format!("{{{}}}", self.title.as_deref().unwrap_or("")),
        }
    }

    /// [`Node::display_name`] appended to `out`.
    pub fn write_display_name(&self, out: &mut String) {
        match &self.name {
            NodeName::Static(name) => out.push_str(name),
            NodeName::Dynamic => {
                out.push('{');
                out.push_str(self.title.as_deref().unwrap_or(""));
                out.push('}');
            }
        }
    }

    /// Whether the node is a leaf (its format is not `node`).
    pub fn is_leaf(&self) -> bool {
        self.format != Format::Node
    }

    /// The child matching a concrete `segment`: a static child with that exact name first,
    /// else the dynamic child (which matches any name).
    pub fn child(&self, segment: &str) -> Option<&Self> {
        self.children
            .iter()
            .find(|c| matches!(&c.name, NodeName::Static(n) if n == segment))
            .or_else(|| self.children.iter().find(|c| c.name == NodeName::Dynamic))
    }

    /// For a top-level node: the scope its `Path` names and the path's segments after the scope
    /// (`./Device/Vendor/MSFT` → device, `["Vendor", "MSFT"]`). A path without a scope segment
    /// (`./Vendor/MSFT`) is device scope.
    pub fn root_location(&self) -> Option<(Scope, Vec<&str>)> {
        let path = self.path.as_deref().filter(|p| is_rooted(p))?;
        let (scope, segments) = root_path(path);
        Some((scope, segments.collect()))
    }
}

/// A node's `NodeName`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeName {
    /// An unnamed node: its instances take any name (`{TenantId}`).
    Dynamic,
    /// A fixed name.
    Static(String),
}

impl NodeName {
    /// Whether a concrete segment names this node.
    pub fn matches(&self, segment: &str) -> bool {
        match self {
            Self::Dynamic => true,
            Self::Static(name) => name == segment,
        }
    }

    /// The fixed name, if the node has one.
    pub fn as_static(&self) -> Option<&str> {
        match self {
            Self::Dynamic => None,
            Self::Static(name) => Some(name),
        }
    }
}

/// An OMA-DM verb, as named in `AccessType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    /// `Add`.
    Add,
    /// `Copy`.
    Copy,
    /// `Delete`.
    Delete,
    /// `Exec`.
    Exec,
    /// `Get`.
    Get,
    /// `Replace`.
    Replace,
}

impl Verb {
    /// Every verb, in alphabetical order.
    pub const ALL: [Self; 6] = [
        Self::Add,
        Self::Copy,
        Self::Delete,
        Self::Exec,
        Self::Get,
        Self::Replace,
    ];

    /// The verb's element name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "Add",
            Self::Copy => "Copy",
            Self::Delete => "Delete",
            Self::Exec => "Exec",
            Self::Get => "Get",
            Self::Replace => "Replace",
        }
    }

    /// The verb named `name`, exactly as an element name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The set of verbs of an `AccessType`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AccessType(u8);

impl AccessType {
    /// The set with `verb` added.
    #[must_use]
    pub fn with(self, verb: Verb) -> Self {
        Self(self.0 | verb.bit())
    }

    /// Whether `verb` is allowed.
    pub fn allows(self, verb: Verb) -> bool {
        self.0 & verb.bit() != 0
    }

    /// The allowed verbs, alphabetically.
    pub fn verbs(self) -> impl Iterator<Item = Verb> {
        Verb::ALL.into_iter().filter(move |v| self.allows(*v))
    }
}

impl fmt::Debug for AccessType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.verbs()).finish()
    }
}

/// The allowed verbs, alphabetically, separated by `, ` (`none` for an empty set).
impl fmt::Display for AccessType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut verbs = self.verbs();
        let Some(first) = verbs.next() else {
            return f.write_str("none");
        };
        f.write_str(first.as_str())?;
        verbs.try_for_each(|v| write!(f, ", {}", v.as_str()))
    }
}

impl FromIterator<Verb> for AccessType {
    fn from_iter<I: IntoIterator<Item = Verb>>(iter: I) -> Self {
        iter.into_iter().fold(Self::default(), Self::with)
    }
}

/// `DFFormat`: the format of a node's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `b64`: base64-encoded binary.
    B64,
    /// `bin`: binary.
    Bin,
    /// `bool`: `true` or `false`.
    Bool,
    /// `chr`: text.
    Chr,
    /// `date`: an ISO 8601 date.
    Date,
    /// `float`: a floating-point number.
    Float,
    /// `int`: a signed 32-bit integer.
    Int,
    /// `node`: an interior node.
    Node,
    /// `null`: no value.
    Null,
    /// `time`: an ISO 8601 time.
    Time,
    /// `xml`: an XML document.
    Xml,
    /// A format name this model does not know, kept as written.
    Other(String),
}

impl Format {
    /// The format as written in `DFFormat` and in SyncML `Meta/Format`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::B64 => "b64",
            Self::Bin => "bin",
            Self::Bool => "bool",
            Self::Chr => "chr",
            Self::Date => "date",
            Self::Float => "float",
            Self::Int => "int",
            Self::Node => "node",
            Self::Null => "null",
            Self::Time => "time",
            Self::Xml => "xml",
            Self::Other(name) => name,
        }
    }

    /// The format named `name` (as written in a DDF or a SyncML `Meta/Format`).
    pub fn from_name(name: &str) -> Self {
        match name {
            "b64" => Self::B64,
            "bin" => Self::Bin,
            "bool" => Self::Bool,
            "chr" => Self::Chr,
            "date" => Self::Date,
            "float" => Self::Float,
            "int" => Self::Int,
            "node" => Self::Node,
            "null" => Self::Null,
            "time" => Self::Time,
            "xml" => Self::Xml,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Occurrence`: how many instances of the node may exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Occurrence {
    /// `One`: exactly one.
    One,
    /// `OneOrMore`.
    OneOrMore,
    /// `OneOrN` with its bound.
    OneOrN(u32),
    /// `ZeroOrMore`.
    ZeroOrMore,
    /// `ZeroOrN` with its bound.
    ZeroOrN(u32),
    /// `ZeroOrOne`.
    ZeroOrOne,
}

impl Occurrence {
    /// The element name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::One => "One",
            Self::OneOrMore => "OneOrMore",
            Self::OneOrN(_) => "OneOrN",
            Self::ZeroOrMore => "ZeroOrMore",
            Self::ZeroOrN(_) => "ZeroOrN",
            Self::ZeroOrOne => "ZeroOrOne",
        }
    }
}

/// A node's `Scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeScope {
    /// `Dynamic`: created and deleted by commands.
    Dynamic,
    /// `Permanent`: always exists; cannot be added or deleted.
    Permanent,
}

/// `DFType`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DfType {
    /// `DDFName`, with its (often empty) content.
    DdfName(String),
    /// `MIME`, with the MIME type.
    Mime(String),
}

/// `CaseSense`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseSense {
    /// `CIS`: case-insensitive.
    Insensitive,
    /// `CS`: case-sensitive (the default).
    Sensitive,
}

/// `MSFT:AllowedValues`: the values a leaf accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedValues {
    /// The `ValueType` attribute as written (`ENUM`, `Range`, `RegEx`, …).
    pub value_type: String,
    /// The constraint it states.
    pub kind: AllowedKind,
    /// `MSFT:AdmxBacked` (value type `ADMX`): the ADMX policy the node maps to. Its values are
    /// checked for the ADMX syntax ([`crate::admx`]).
    pub admx: Option<AdmxBacked>,
}

/// `MSFT:AdmxBacked`: the Group Policy template setting an ADMX-backed policy maps to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AdmxBacked {
    /// `Area`: the ADMX category path (`Bits~AT~Network~BITS`).
    pub area: String,
    /// `Name`: the policy's name in the ADMX file.
    pub name: String,
    /// `File`: the ADMX file (`Bits.admx`).
    pub file: String,
}

/// What an `MSFT:AllowedValues` element states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedKind {
    /// `ENUM`: one of the listed values.
    Enum(Vec<EnumValue>),
    /// `Flag`: a combination (bitwise or) of the listed values.
    Flag(Vec<EnumValue>),
    /// `None`, or a value type that states no checkable constraint (`XSD`, `JSON`, `SDDL`,
    /// `ADMX`, …): the element's `MSFT:Value` texts are kept, nothing is checked.
    Unchecked(Vec<String>),
    /// `Range`: an inclusive integer range, written `[min-max]`.
    Range {
        /// Lower bound.
        min: i64,
        /// Upper bound.
        max: i64,
    },
    /// `RegEx`: a pattern the whole value must match.
    RegEx(Pattern),
}

/// A DDF `RegEx` pattern, compiled when the DDF is loaded ([`Pattern::compile`]), within the
/// memory bounds of [`crate::load`] (`MAX_PATTERN_BYTES`, `MAX_PATTERNS_BYTES`): a pattern
/// the engine cannot compile, or one past the bounds, is a load error, never a pattern that
/// checks nothing.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: regex_automata::meta::Regex,
    memory: usize,
}

impl Pattern {
    /// Compiles `source` anchored to the whole value (Microsoft's literal leading `{`
    /// escaped, see [`crate::value::compile_pattern`]), holding at most `max_bytes` of memory
    /// for the compiled pattern and a search's cache together.
    pub fn compile(source: &str, max_bytes: usize) -> Result<Self, PatternError> {
        let regex = crate::value::compile_pattern(source, max_bytes)?;
        let memory = crate::value::pattern_memory(&regex);
        if memory > max_bytes {
            return Err(PatternError::TooLarge {
                bytes: Some(memory),
                max: max_bytes,
            });
        }
        Ok(Self {
            source: source.to_owned(),
            regex,
            memory,
        })
    }

    /// The pattern as the DDF writes it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches the whole pattern.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// The memory the pattern may hold, in bytes: the compiled pattern, plus the most one
    /// search's cache grows to.
    pub fn memory(&self) -> usize {
        self.memory
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// One `MSFT:Enum` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValue {
    /// `MSFT:Value`.
    pub value: String,
    /// `MSFT:ValueDescription` (prose).
    pub description: Option<String>,
}

/// `MSFT:SupportedValues`, found in older Microsoft files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportedValues {
    /// The element's attributes, as written.
    pub attributes: Vec<(String, String)>,
    /// Each `MSFT:SupportedValue`'s attributes, as written.
    pub values: Vec<Vec<(String, String)>>,
}

/// `MSFT:DynamicNodeNaming`: how instances of a dynamic node are named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicNaming {
    /// The child element's name (`MSFT:UniqueName`, `MSFT:ServerGeneratedUniqueName`, …).
    pub kind: String,
    /// Its text (prose describing the naming rule).
    pub text: String,
}

/// How a top-level node's `Path` reads: the scope it names and the segments after it
/// (`./Device/Vendor/MSFT` → device, `Vendor`, `MSFT`); a path without a scope segment
/// (`./Vendor/MSFT`) is device scope. The leading `./` (or a lone `.`) may be left out.
pub fn root_path(path: &str) -> (Scope, impl Iterator<Item = &str>) {
    let rest = path
        .strip_prefix("./")
        .or_else(|| (path == ".").then_some(""))
        .unwrap_or(path);
    let mut segments = PathSegments { rest };
    let mut after_scope = segments.clone();
    let scope = match after_scope.next() {
        Some("Device") => Scope::Device,
        Some("User") => Scope::User,
        _ => return (Scope::Device, segments),
    };
    segments = after_scope;
    (scope, segments)
}

/// The non-empty `/`-separated parts of a `Path`, read a byte at a time (a `Path` is short,
/// and this runs for every command's lookup).
#[derive(Clone)]
struct PathSegments<'p> {
    rest: &'p str,
}

impl<'p> Iterator for PathSegments<'p> {
    type Item = &'p str;

    fn next(&mut self) -> Option<&'p str> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let end = self
                .rest
                .bytes()
                .position(|b| b == b'/')
                .unwrap_or(self.rest.len());
            let (segment, tail) = self.rest.split_at(end);
            self.rest = tail.get(1..).unwrap_or_default();
            if !segment.is_empty() {
                return Some(segment);
            }
        }
    }
}

/// Whether a `Path` starts at the root (`./…` or `.`).
fn is_rooted(path: &str) -> bool {
    path.starts_with("./") || path == "."
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `root_path` reads a `Path` as its documentation says: the leading `./` or `.` left
    /// out, empty parts skipped, a first `Device` or `User` taken as the scope.
    #[test]
    fn root_paths() {
        let cases: &[(&str, Scope, &[&str])] = &[
            ("./Vendor/MSFT", Scope::Device, &["Vendor", "MSFT"]),
            ("./Device/Vendor/MSFT", Scope::Device, &["Vendor", "MSFT"]),
            ("./User/Vendor/MSFT/", Scope::User, &["Vendor", "MSFT"]),
            ("Vendor//MSFT", Scope::Device, &["Vendor", "MSFT"]),
            ("./User", Scope::User, &[]),
            (".", Scope::Device, &[]),
            ("", Scope::Device, &[]),
            ("./Vendor/User", Scope::Device, &["Vendor", "User"]),
            ("./user/Vendor", Scope::Device, &["user", "Vendor"]),
        ];
        for (path, scope, segments) in cases {
            let (read_scope, read) = root_path(path);
            assert_eq!(read_scope, *scope, "{path:?}");
            assert_eq!(read.collect::<Vec<_>>(), *segments, "{path:?}");
        }
    }
}
