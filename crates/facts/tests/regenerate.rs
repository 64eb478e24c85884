//! The committed table is exactly what `cargo run -p pfw-xtask -- facts` generates from
//! Microsoft's bundle (`../shared/ddf/microsoft-all`), and every unit reads back as the DDF's
//! root node with its prose removed.

use std::path::PathBuf;

use pfw_ddf::{AllowedKind, Node, Schema};
use pfw_facts::{Bundle, Table};

fn bundle_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ddf/microsoft-all"
    ))
}

#[test]
fn committed_table_is_the_generated_one() {
    let generated = pfw_facts::generate(&bundle_dir()).unwrap();
    if generated != pfw_facts::BUILTIN {
        let first = generated
            .lines()
            .zip(pfw_facts::BUILTIN.lines())
            .position(|(a, b)| a != b);
        panic!(
            "crates/facts/data/windows.facts differs from the bundle's facts (first at line {:?}); \
             run `cargo run -p pfw-xtask -- facts`",
            first.map(|i| i + 1)
        );
    }
}

/// A DDF node with everything the table does not keep removed: prose (descriptions, value
/// descriptions, naming texts, the schema texts of unchecked allowed values), skipped element
/// names, and the older `SupportedValues`.
fn facts_only(node: &Node) -> Node {
    let mut out = node.clone();
    out.description = None;
    out.skipped.clear();
    out.supported_values = None;
    if let Some(naming) = &mut out.dynamic_naming {
        naming.text.clear();
    }
    if let Some(app) = &mut out.applicability {
        app.skipped.clear();
    }
    if let Some(allowed) = &mut out.allowed {
        match &mut allowed.kind {
            AllowedKind::Enum(values) | AllowedKind::Flag(values) => {
                for v in values {
                    v.description = None;
                }
            }
            AllowedKind::Unchecked(texts) => texts.clear(),
            AllowedKind::Range { .. } | AllowedKind::RegEx(_) => {}
        }
    }
    out.children = node.children.iter().map(facts_only).collect();
    out
}

#[test]
fn every_unit_reads_back_as_its_ddf_facts() {
    let table = Table::parse(pfw_facts::BUILTIN).unwrap();
    let bundle = Bundle::open(&bundle_dir()).unwrap();
    let mut index = 0;
    let mut nodes = 0;
    for file in &bundle.files {
        let schema: Schema = file.load().unwrap();
        assert_eq!(
            file.roots.len(),
            schema.roots.len(),
            "{}: the root scan finds every root",
            file.name
        );
        for root in &schema.roots {
            let unit = &table.units()[index];
            assert_eq!(unit.file, file.name);
            assert_eq!(unit.name, root.display_name());
            let loaded = table.load(index).unwrap();
            assert_eq!(loaded.roots.len(), 1);
            assert_eq!(
                loaded.roots[0],
                facts_only(root),
                "{}/{}",
                unit.path,
                unit.name
            );
            nodes += loaded.walk().len();
            index += 1;
        }
    }
    assert_eq!(
        index,
        table.units().len(),
        "every unit is a root of the bundle"
    );
    assert_eq!(nodes, 5815, "the bundle's nodes");
}

#[test]
fn no_prose_in_the_table() {
    // Descriptions are sentences; a fact field never holds ". " followed by a capital letter
    // in Microsoft's bundle, while nearly every Description does.
    let sentences = pfw_facts::BUILTIN
        .lines()
        .filter(|l| l.starts_with("N\t"))
        .filter(|l| {
            l.as_bytes()
                .windows(3)
                .any(|w| w[0] == b'.' && w[1] == b' ' && w[2].is_ascii_uppercase())
        })
        .count();
    assert_eq!(sentences, 0);
}

#[test]
fn refuses_a_damaged_table() {
    assert!(Table::parse("not a table\n").is_err());
    let outside = Table::parse("pfw-facts 1\nU\t0\t999\t0\tx.xml\t./Vendor/MSFT\tX\nB\n").unwrap();
    assert!(outside.load(0).is_err(), "a unit's body outside the table");
    let table =
        Table::parse("pfw-facts 1\nU\t0\t6\t0\tx.xml\t./Vendor/MSFT\tX\nB\nN\tbad\n").unwrap();
    assert!(table.load(0).is_err());
    assert!(table.load(1).is_err());
}
