//! The ordered checks on small DDFs of their own: the root `.` and the nodes above the CSPs,
//! Add below a leaf, a node without Scope. One line per case, each citing its rule.

use std::sync::Arc;

use pfw_ddf::{Schema, UriLimits, Verb};
use pfw_syncml::Limits;
use pfw_tree::{
    Command, Device, Effect, MemoryStore, Registry, SchemaCsp, Tree, TreeError, TreeLimits,
};

/// A CSP at `./Vendor/MSFT/Demo` with a leaf, a read-only permanent leaf and a node without
/// Scope; one at `./Vendor/MSFT/Gone` that no edition has; one at `./Info` (Path `.`).
fn registry() -> Registry {
    let demo = br#"<MgmtTree><VerDTD>1.2</VerDTD>
      <Node><NodeName>Demo</NodeName><Path>./Vendor/MSFT</Path>
        <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope></DFProperties>
        <Node><NodeName>Leaf</NodeName>
          <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><chr/></DFFormat><Scope><Dynamic/></Scope></DFProperties></Node>
        <Node><NodeName>NoScope</NodeName>
          <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><chr/></DFFormat></DFProperties></Node>
        <Node><NodeName>ReadOnlyNoScope</NodeName>
          <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties></Node>
        <Node><NodeName>Fixed</NodeName>
          <DFProperties><AccessType><Add/><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope></DFProperties></Node>
      </Node></MgmtTree>"#;
    let gone = br#"<MgmtTree xmlns:MSFT="http://schemas.microsoft.com/MobileDevice/DM"><VerDTD>1.2</VerDTD>
      <Node><NodeName>Gone</NodeName><Path>./Vendor/MSFT</Path>
        <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope>
          <MSFT:Applicability><MSFT:OsBuildVersion>10.0.10240</MSFT:OsBuildVersion><MSFT:EditionAllowList>0x65</MSFT:EditionAllowList></MSFT:Applicability>
        </DFProperties></Node>
      <Node><NodeName>Elsewhere</NodeName><Path>./Other</Path>
        <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope>
          <MSFT:Applicability><MSFT:OsBuildVersion>10.0.10240</MSFT:OsBuildVersion><MSFT:EditionAllowList>0x65</MSFT:EditionAllowList></MSFT:Applicability>
        </DFProperties></Node></MgmtTree>"#;
    let info = br#"<MgmtTree><VerDTD>1.2</VerDTD>
      <Node><NodeName>Info</NodeName><Path>.</Path>
        <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope></DFProperties></Node>
      </MgmtTree>"#;
    let load = |name: &str, ddf: &[u8]| {
        Arc::new(SchemaCsp::new(
            name,
            Schema::load(ddf).expect("test DDF loads"),
        ))
    };
    Registry::new()
        .with(load("Demo", demo))
        .with(load("Gone", gone))
        .with(load("Info", info))
}

/// The tree's share of the one table of limits, at its defaults.
const LIMITS: TreeLimits = {
    let table = Limits::DEFAULT;
    let uri = UriLimits {
        max_uri_bytes: table.max_uri_bytes,
        max_segment_bytes: table.max_segment_bytes,
    };
    TreeLimits {
        uri,
        max_value_bytes: table.max_value_bytes,
        max_nodes_per_tree: table.max_nodes_per_tree,
        max_response_bytes: table.max_response_bytes,
        max_nodes_visited: table.max_nodes_visited,
    }
};

fn run(
    store: &mut MemoryStore,
    registry: &Registry,
    verb: Verb,
    uri: &str,
) -> Result<Effect, TreeError> {
    pfw_tree::Store::begin(store).expect("begin");
    let mut tree = Tree::new(
        store,
        registry,
        Device::default(),
        LIMITS,
        Some("alice"),
        false,
    );
    let data = matches!(verb, Verb::Add | Verb::Replace).then_some("x");
    let result = tree.execute(&Command {
        verb,
        target: Some(uri),
        format: None,
        data,
        more_data: false,
    });
    drop(tree);
    pfw_tree::Store::commit(store).expect("commit");
    result
}

fn children(names: &[&str]) -> Result<Effect, String> {
    Ok(Effect::Children(
        names.iter().map(|n| (*n).to_owned()).collect(),
    ))
}

/// What the test compares: the effect, or the refusal's kind and message.
fn outcome(result: Result<Effect, TreeError>) -> Result<Effect, String> {
    result.map_err(|e| {
        let kind = match &e {
            TreeError::NotAllowed { .. } => "NotAllowed",
            TreeError::ChildOfLeaf { .. } => "ChildOfLeaf",
            TreeError::NotInSchema(_) => "NotInSchema",
            TreeError::Unsupported(_) => "Unsupported",
            TreeError::AlreadyExists(_) => "AlreadyExists",
            TreeError::Missing(_) => "Missing",
            _ => "other",
        };
        format!("{kind}: {e}")
    })
}

#[test]
fn root_and_nodes_above_the_csps() {
    let registry = registry();
    let not_allowed = |verb: &str, node: &str| {
        Err(format!(
            "NotAllowed: {verb} is not allowed on `{node}` (AccessType: Get)"
        ))
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, Verb, &str, Result<Effect, String>)> = vec![
        // [OMA-DMP] §4.1.6.7: Get of an interior node lists its children; the root `.` lists
        // the top-level names, in registration order; Gone's edition is not the device's.
        ("root", Verb::Get, ".", children(&["Vendor", "Info"])),
        ("./Device is the device's root", Verb::Get, "./Device", children(&["Vendor", "Info"])),
        ("the user's root: no CSP there", Verb::Get, "./User", children(&[])),
        ("a Path segment", Verb::Get, "./Vendor", children(&["MSFT"])),
        ("the last Path segment", Verb::Get, "./Device/Vendor/MSFT", children(&["Demo"])),
        ("only an inapplicable CSP below", Verb::Get, "./Other", Err("NotInSchema: `Other` is not inside a tree this schema describes for the device scope".to_owned())),
        // [OMA-DMP] §4.1.6.5 rule 3: the root cannot be deleted (405); rule 2: permanent nodes.
        ("Delete of the root", Verb::Delete, ".", not_allowed("Delete", ".")),
        ("Delete above a CSP", Verb::Delete, "./Vendor/MSFT", not_allowed("Delete", "./Device/Vendor/MSFT")),
        ("Add of the root", Verb::Add, ".", not_allowed("Add", ".")),
        ("Replace of the root", Verb::Replace, "./Vendor", not_allowed("Replace", "./Device/Vendor")),
        ("Exec of the root", Verb::Exec, ".", not_allowed("Exec", ".")),
        // DESIGN row 10.
        ("a query on the root", Verb::Get, ".?list=Struct", Err("Unsupported: not supported: ?list=Struct on `.`, which no DDF describes".to_owned())),
        ("Copy to the root", Verb::Copy, ".", Err("Unsupported: not supported: Copy".to_owned())),
        // [OMA-DMP] Add and Replace tables: "any attempt to add a child node to a leaf node
        // results in a (405)".
        ("Add below a leaf", Verb::Add, "./Vendor/MSFT/Demo/Leaf/Child", Err("ChildOfLeaf: `./Vendor/MSFT/Demo/Leaf` is a leaf: Add cannot create a node below it".to_owned())),
        ("Get below a leaf: no such node", Verb::Get, "./Vendor/MSFT/Demo/Leaf/Child", Err("NotInSchema: `./Vendor/MSFT/Demo/Leaf` is a leaf and has no children".to_owned())),
        // README "Ordered checks": a permanent node that exists is never added, whatever its
        // AccessType lists; the message says why.
        ("Add of a permanent node with Add", Verb::Add, "./Vendor/MSFT/Demo/Fixed", Err("NotAllowed: Add is not allowed on `./Vendor/MSFT/Demo/Fixed`: it is a permanent node and exists (OMA-DM: permanent nodes are never added) (AccessType: Add, Get)".to_owned())),
        // README "Ordered checks": a node without Scope is dynamic when its AccessType has Add.
        ("Add of a node without Scope", Verb::Add, "./Vendor/MSFT/Demo/NoScope", Ok(Effect::Done)),
        ("Get of a read-only node without Scope: permanent", Verb::Get, "./Vendor/MSFT/Demo/ReadOnlyNoScope", children(&[])),
    ];
    let mut failures = Vec::new();
    for (line, verb, uri, expected) in cases {
        let mut store = MemoryStore::new();
        let got = outcome(run(&mut store, &registry, verb, uri));
        if got != expected {
            failures.push(format!(
                "{line}: {verb:?} {uri}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_node_without_scope_that_has_add_is_added_once() {
    // README "Ordered checks": dynamic, so the second Add is 418 (row 7), not 405.
    let registry = registry();
    let mut store = MemoryStore::new();
    let uri = "./Vendor/MSFT/Demo/NoScope";
    assert_eq!(
        outcome(run(&mut store, &registry, Verb::Add, uri)),
        Ok(Effect::Done)
    );
    let again = outcome(run(&mut store, &registry, Verb::Add, uri));
    assert!(
        matches!(&again, Err(e) if e.starts_with("AlreadyExists")),
        "{again:?}"
    );
}
