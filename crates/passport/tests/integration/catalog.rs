//! The catalog against the reference node list (`reference/nodes.tsv`): every leaf, its
//! scope, kind, allowed values and DDF default.

use std::collections::BTreeMap;

use pfw_passport::policy::ValueKind;
use pfw_passport::policy::catalog::{Placement, Scopes, TextForm, catalog};

const NODES_TSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/nodes.tsv"
);

/// One leaf row of nodes.tsv.
struct Leaf {
    format: String,
    default: String,
    allowed: String,
    in_user: bool,
}

/// The leaves of nodes.tsv keyed as the catalog keys them, with their placement.
fn leaves() -> BTreeMap<(Placement, String), Leaf> {
    let text = std::fs::read_to_string(NODES_TSV).expect("nodes.tsv beside the repository");
    let mut out: BTreeMap<(Placement, String), Leaf> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (scope, path, format, default, allowed) = (cols[0], cols[1], cols[2], cols[4], cols[5]);
        if format == "node" {
            continue;
        }
        let below = path
            .split_once("/PassportForWork/")
            .map(|(_, below)| below)
            .expect("a PassportForWork path");
        let (placement, key) = match below.strip_prefix("<TenantId>/Policies/") {
            Some(key) => (Placement::Tenant, key),
            None => (Placement::DeviceWide, below),
        };
        let entry = out
            .entry((placement, key.to_owned()))
            .or_insert_with(|| Leaf {
                format: format.to_owned(),
                default: default.to_owned(),
                allowed: allowed.to_owned(),
                in_user: false,
            });
        // The user and device rows of a leaf agree on everything but the scope.
        assert_eq!(
            (
                entry.format.as_str(),
                entry.default.as_str(),
                entry.allowed.as_str()
            ),
            (format, default, allowed),
            "{path}"
        );
        entry.in_user |= scope == "User";
    }
    out
}

#[test]
fn the_catalog_has_every_leaf_of_the_node_list_and_nothing_else() {
    let leaves = leaves();
    let keys: Vec<(Placement, String)> = catalog()
        .iter()
        .map(|d| (d.placement, d.key.to_owned()))
        .collect();
    let listed: Vec<(Placement, String)> = leaves.keys().cloned().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, listed);
}

#[test]
fn each_policy_matches_its_node() {
    let leaves = leaves();
    for def in catalog() {
        let leaf = &leaves[&(def.placement, def.key.to_owned())];
        let key = def.key;
        // policy-facts.md §1: the user tree has only the listed nodes.
        let scopes = if leaf.in_user {
            Scopes::UserAndDevice
        } else {
            Scopes::DeviceOnly
        };
        assert_eq!(def.scopes, scopes, "{key}");
        // Format and allowed values.
        let kind = match (leaf.format.as_str(), leaf.allowed.as_str()) {
            ("bool", "ENUM:false|true") => ValueKind::Bool,
            ("int", allowed) => {
                let (min, max) = if let Some(range) = allowed.strip_prefix("Range:[") {
                    let (min, max) = range
                        .trim_end_matches(']')
                        .split_once('-')
                        .expect("a range");
                    (min.parse().expect("int"), max.parse().expect("int"))
                } else {
                    let values: Vec<i32> = allowed
                        .strip_prefix("ENUM:")
                        .expect("an enum")
                        .split('|')
                        .map(|v| v.parse().expect("int"))
                        .collect();
                    // Every enum of nodes.tsv is a run of consecutive integers.
                    assert!(values.windows(2).all(|w| w[1] == w[0] + 1), "{key}");
                    (values[0], values[values.len() - 1])
                };
                ValueKind::Int { min, max }
            }
            ("chr", "") => ValueKind::Text(TextForm::Any),
            ("chr", allowed) if allowed.starts_with("RegEx:{[0-9A-Fa-f]{8}") => {
                ValueKind::Text(TextForm::BracedGuidList)
            }
            other => panic!("{key}: unexpected {other:?}"),
        };
        assert_eq!(def.kind, kind, "{key}");
        // The DDF's DefaultValue, as written.
        let ddf_default = (leaf.default != "(none)").then_some(leaf.default.as_str());
        assert_eq!(def.ddf_default, ddf_default, "{key}");
        assert!(!def.description.is_empty(), "{key}");
    }
}

#[test]
fn only_the_documented_defaults_differ_from_the_ddf() {
    // DESIGN.md: the character sets and UseBiometrics (both nodes) are the exceptions.
    let mut differing: Vec<&str> = catalog()
        .iter()
        .filter(|d| d.default_reason.is_some())
        .map(|d| d.key)
        .collect();
    differing.sort_unstable();
    assert_eq!(
        differing,
        [
            "Biometrics/UseBiometrics",
            "PINComplexity/Digits",
            "PINComplexity/LowercaseLetters",
            "PINComplexity/SpecialCharacters",
            "PINComplexity/UppercaseLetters",
            "UseBiometrics",
        ]
    );
}
