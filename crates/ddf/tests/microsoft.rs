//! Every DDF file Microsoft published for PassportForWork (read from `../shared`, never copied
//! into the project) loads, with the node count a plain text count gives.

mod common;

use common::{count_nodes, shared_ddf_dir, shared_ddf_files};
use pfw_ddf::{AllowedKind, Format, NodeName, OsBuild, Schema, Scope};

#[test]
fn every_microsoft_ddf_loads_with_its_node_count() {
    let files = shared_ddf_files("microsoft");
    assert_eq!(files.len(), 11, "the eleven releases 1607 … February 2025");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        // Independent count: occurrences of the `<Node>` start tag in the raw text.
        let expected = String::from_utf8_lossy(&bytes).matches("<Node>").count();
        let schema = Schema::load(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(count_nodes(&schema), expected, "{}", file.display());
        assert_eq!(schema.walk().len(), expected, "{}", file.display());
        assert_eq!(
            schema.roots.len(),
            2,
            "{}: a user and a device tree",
            file.display()
        );
        for (path, node) in schema.walk() {
            assert!(
                node.skipped.is_empty(),
                "{}: {path} has unmodelled elements {:?}",
                file.display(),
                node.skipped
            );
        }
    }
}

fn current() -> Schema {
    Schema::load(&std::fs::read(shared_ddf_dir("microsoft").join("PassportForWork.xml")).unwrap())
        .unwrap()
}

#[test]
fn current_ddf_facts_the_model_carries() {
    let schema = current();
    let device = schema
        .resolve(Scope::Device, &["Vendor", "MSFT", "PassportForWork"])
        .unwrap();
    assert_eq!(device.node().format, Format::Node);
    let min = schema
        .resolve(
            Scope::User,
            &[
                "Vendor",
                "MSFT",
                "PassportForWork",
                "any-tenant",
                "Policies",
                "PINComplexity",
                "MinimumPINLength",
            ],
        )
        .unwrap();
    assert_eq!(
        min.chain[1].name,
        NodeName::Dynamic,
        "the tenant segment matches the dynamic node"
    );
    assert_eq!(min.node().format, Format::Int);
    assert_eq!(min.node().default_value.as_deref(), Some("4"));
    assert_eq!(
        min.node().allowed.as_ref().map(|a| &a.kind),
        Some(&AllowedKind::Range { min: 4, max: 127 })
    );
    // Device-only nodes are absent from the user tree.
    assert!(!schema.has(
        Scope::User,
        &[
            "Vendor",
            "MSFT",
            "PassportForWork",
            "Biometrics",
            "UseBiometrics"
        ]
    ));
    assert!(schema.has(
        Scope::Device,
        &[
            "Vendor",
            "MSFT",
            "PassportForWork",
            "Biometrics",
            "UseBiometrics"
        ]
    ));
}

#[test]
fn misspelled_node_gets_the_closest_sibling() {
    let schema = current();
    let err = schema
        .resolve(
            Scope::Device,
            &[
                "Vendor",
                "MSFT",
                "PassportForWork",
                "Biometrics",
                "FacialFeatureUseEnhancedAntiSpoofing",
            ],
        )
        .unwrap_err();
    assert_eq!(
        err,
        pfw_ddf::LookupError::UnknownSegment {
            index: 5,
            segment: "FacialFeatureUseEnhancedAntiSpoofing".to_owned(),
            parent: "./Device/Vendor/MSFT/PassportForWork/Biometrics".to_owned(),
            closest: Some("FacialFeaturesUseEnhancedAntiSpoofing".to_owned()),
        }
    );
}

#[test]
fn applicability_of_current_nodes() {
    let schema = current();
    let node = |segments: &[&str]| {
        schema
            .resolve(Scope::Device, segments)
            .unwrap()
            .node()
            .clone()
    };
    let post_logon = node(&[
        "Vendor",
        "MSFT",
        "PassportForWork",
        "t",
        "Policies",
        "DisablePostLogonProvisioning",
    ]);
    let app = post_logon.applicability.unwrap();
    assert!(app.allows_build("10.0.26100".parse::<OsBuild>().unwrap()));
    assert!(!app.allows_build("10.0.19045.100".parse::<OsBuild>().unwrap()));
    let root = node(&["Vendor", "MSFT", "PassportForWork"])
        .applicability
        .unwrap();
    assert!(root.allows_edition(0x4), "Enterprise");
    assert!(root.allows_edition(0x30), "Professional");
    assert!(!root.allows_edition(0x2), "not in the allow list");
}
