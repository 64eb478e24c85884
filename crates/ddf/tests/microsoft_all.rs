//! Every DDF file of Microsoft's whole Windows bundle (`../shared/ddf/microsoft-all`, February
//! 2025: every CSP and Policy CSP area; read at test time, never copied into the project)
//! loads, with the node count a plain text count gives.

mod common;

use common::{count_nodes, shared_ddf_dir, shared_ddf_files};
use pfw_ddf::{AllowedKind, Occurrence, Schema, Scope};

fn load(name: &str) -> Schema {
    Schema::load(&std::fs::read(shared_ddf_dir("microsoft-all").join(name)).unwrap()).unwrap()
}

#[test]
fn every_file_of_the_bundle_loads_with_its_node_count() {
    let files = shared_ddf_files("microsoft-all");
    assert_eq!(
        files.len(),
        309,
        "Microsoft's February 2025 bundle has 309 DDF files"
    );
    let mut total = 0;
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        // Independent count: `<Node>` start tags in the raw text.
        let expected = String::from_utf8_lossy(&bytes).matches("<Node>").count();
        let schema = Schema::load(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(count_nodes(&schema), expected, "{}", file.display());
        assert!(!schema.roots.is_empty(), "{}", file.display());
        total += expected;
    }
    assert_eq!(total, 5815, "the bundle's nodes");
}

/// `ActiveSync.xml` writes a negative range bound in parentheses: `[(-1)-4294967295]`.
#[test]
fn parenthesised_range_bound() {
    let schema = load("ActiveSync.xml");
    let ranges: Vec<(i64, i64)> = schema
        .walk()
        .into_iter()
        .filter_map(|(_, n)| match n.allowed.as_ref().map(|a| &a.kind) {
            Some(AllowedKind::Range { min, max }) => Some((*min, *max)),
            _ => None,
        })
        .collect();
    assert!(ranges.contains(&(-1, 4_294_967_295)), "{ranges:?}");
}

/// `EMAIL2.xml` writes `<ZeroOrN />` without its number: no bound is stated.
#[test]
fn occurrence_without_its_number() {
    let schema = load("EMAIL2.xml");
    let accounts = schema
        .resolve(Scope::User, &["Vendor", "MSFT", "EMAIL2", "{GUID}"])
        .unwrap();
    assert_eq!(accounts.node().occurrence, Occurrence::ZeroOrMore);
}

/// ADMX-backed policies carry the ADMX area, name and file.
#[test]
fn admx_backed_marker() {
    let schema = load("ADMX_Bits_AreaDDF.xml");
    let node = schema
        .resolve(
            Scope::Device,
            &[
                "Vendor",
                "MSFT",
                "Policy",
                "Config",
                "ADMX_Bits",
                "BITS_EnablePeercaching",
            ],
        )
        .unwrap()
        .node();
    let admx = node.allowed.as_ref().and_then(|a| a.admx.as_ref()).unwrap();
    assert_eq!(admx.area, "Bits~AT~Network~BITS");
    assert_eq!(admx.name, "BITS_EnablePeercaching");
    assert_eq!(admx.file, "Bits.admx");
    assert_eq!(node.conflict_resolution.as_deref(), Some("LastWrite"));
}
