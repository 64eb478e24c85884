//! pfw's own PassportForWork DDF against Microsoft's current one (read from `../shared`), fact
//! by fact. Every element either file carries is compared: facts must be equal, prose
//! (descriptions, value descriptions, dynamic-naming text) must be present in both and is ours
//! to word. An element the loader does not model fails the test instead of being skipped.
//! The one deliberate difference is listed with its reason.

use pfw_ddf::{AllowedKind, Node, Schema};

/// The node pfw adds, and why (DESIGN.md "The schema").
const ADDED: (&str, &str) = (
    "./Device/Vendor/MSFT/PassportForWork/{TenantId}/Policies/DisablePostLogonCredentialCaching",
    "seed 003 describes it as a Windows Insider Preview node; Microsoft's 2025 DDF no longer has it",
);

fn microsoft() -> Schema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ddf/microsoft/PassportForWork.xml"
    );
    Schema::load(&std::fs::read(path).expect("Microsoft's current DDF is readable"))
        .expect("it loads")
}

fn ours() -> Schema {
    Schema::load(pfw_passport::schema::DDF).expect("pfw's DDF loads")
}

#[test]
fn own_ddf_matches_microsofts_current_ddf_fact_by_fact() {
    let (theirs, ours) = (microsoft(), ours());
    let mut diffs = Vec::new();
    check_skipped("Microsoft's", &theirs, &mut diffs);
    check_skipped("pfw's", &ours, &mut diffs);
    let mut d = Diffs {
        node: "MgmtTree",
        out: &mut diffs,
    };
    d.fact("VerDTD", &theirs.ver_dtd, &ours.ver_dtd);
    d.fact("Man", &theirs.man, &ours.man);
    d.fact("Mod", &theirs.model, &ours.model);
    d.fact("roots", &theirs.roots.len(), &ours.roots.len());
    for (t, o) in theirs.roots.iter().zip(&ours.roots) {
        compare(t, o, t.path.as_deref().unwrap_or("."), &mut diffs);
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn the_deliberate_addition_is_there_with_its_facts() {
    let ours = ours();
    let (path, _why) = ADDED;
    let found = ours.walk().into_iter().find(|(p, _)| p == path);
    let (_, node) = found.expect("pfw's DDF has the added node");
    assert_eq!(node.format, pfw_ddf::Format::Bool);
    assert_eq!(node.default_value.as_deref(), Some("False"));
    let verbs: Vec<&str> = node.access.verbs().map(|v| v.as_str()).collect();
    assert_eq!(verbs, ["Add", "Delete", "Get", "Replace"]);
    let app = node.applicability.as_ref().expect("applicability");
    assert_eq!(
        app.os_build_text.as_deref(),
        Some("99.9.99999"),
        "Insider Preview builds only"
    );
    assert!(
        microsoft().walk().iter().all(|(p, _)| p != path),
        "Microsoft's current DDF does not have it"
    );
}

/// Compares two nodes and, recursively, their children (matched by name in order; the one
/// deliberate addition is skipped where it sits).
fn compare(theirs: &Node, ours: &Node, parent: &str, diffs: &mut Vec<String>) {
    let here = format!("{parent}/{}", theirs.display_name());
    let mut d = Diffs {
        node: &here,
        out: diffs,
    };
    d.fact("NodeName", &theirs.name, &ours.name);
    d.fact("Path", &theirs.path, &ours.path);
    d.fact("AccessType", &theirs.access, &ours.access);
    d.fact("DefaultValue", &theirs.default_value, &ours.default_value);
    d.prose(
        "Description",
        theirs.description.as_deref(),
        ours.description.as_deref(),
    );
    d.fact("DFFormat", &theirs.format, &ours.format);
    d.fact("Occurrence", &theirs.occurrence, &ours.occurrence);
    d.fact("Scope", &theirs.scope, &ours.scope);
    d.fact("DFTitle", &theirs.title, &ours.title);
    d.fact("DFType", &theirs.df_type, &ours.df_type);
    d.fact("CaseSense", &theirs.case_sense, &ours.case_sense);
    match (&theirs.applicability, &ours.applicability) {
        (Some(t), Some(o)) => {
            d.fact("MSFT:OsBuildVersion", &t.os_build_text, &o.os_build_text);
            d.fact("MSFT:CspVersion", &t.csp_version, &o.csp_version);
            d.fact("MSFT:EditionAllowList", &t.edition_text, &o.edition_text);
            d.fact("MSFT:Applicability (unmodelled)", &t.skipped, &o.skipped);
        }
        (t, o) => d.fact("MSFT:Applicability present", &t.is_some(), &o.is_some()),
    }
    match (&theirs.allowed, &ours.allowed) {
        (Some(t), Some(o)) => {
            d.fact("MSFT:AllowedValues ValueType", &t.value_type, &o.value_type);
            match (&t.kind, &o.kind) {
                (AllowedKind::Enum(tv), AllowedKind::Enum(ov))
                | (AllowedKind::Flag(tv), AllowedKind::Flag(ov)) => {
                    let values = |v: &[pfw_ddf::EnumValue]| {
                        v.iter().map(|e| e.value.clone()).collect::<Vec<_>>()
                    };
                    d.fact("MSFT:Enum values", &values(tv), &values(ov));
                    for (te, oe) in tv.iter().zip(ov) {
                        d.prose(
                            "MSFT:ValueDescription",
                            te.description.as_deref(),
                            oe.description.as_deref(),
                        );
                    }
                }
                (t, o) => d.fact("MSFT:AllowedValues", t, o),
            }
        }
        (t, o) => d.fact("MSFT:AllowedValues present", &t.is_some(), &o.is_some()),
    }
    d.fact(
        "MSFT:SupportedValues",
        &theirs.supported_values,
        &ours.supported_values,
    );
    match (&theirs.dynamic_naming, &ours.dynamic_naming) {
        (Some(t), Some(o)) => {
            d.fact("MSFT:DynamicNodeNaming kind", &t.kind, &o.kind);
            d.prose("MSFT:DynamicNodeNaming text", Some(&t.text), Some(&o.text));
        }
        (t, o) => d.fact("MSFT:DynamicNodeNaming present", &t.is_some(), &o.is_some()),
    }
    d.fact("MSFT:Deprecated", &theirs.deprecated, &ours.deprecated);
    d.fact(
        "MSFT:ConflictResolution",
        &theirs.conflict_resolution,
        &ours.conflict_resolution,
    );
    d.fact("MSFT:GpMapping", &theirs.gp_mapping, &ours.gp_mapping);

    let mut ours_children = ours.children.iter().peekable();
    for t in &theirs.children {
        if let Some(o) = ours_children.peek()
            && format!("{here}/{}", o.display_name()) == ADDED.0
            && o.name != t.name
        {
            ours_children.next();
        }
        match ours_children.next() {
            Some(o) => compare(t, o, &here, diffs),
            None => diffs.push(format!(
                "{here}: pfw's DDF lacks the child {}",
                t.display_name()
            )),
        }
    }
    for extra in ours_children {
        let path = format!("{here}/{}", extra.display_name());
        if path != ADDED.0 {
            diffs.push(format!("{path}: in pfw's DDF only"));
        }
    }
}

/// The differences found at one node.
struct Diffs<'a> {
    node: &'a str,
    out: &'a mut Vec<String>,
}

impl Diffs<'_> {
    /// A fact differs when the two values do.
    fn fact<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, theirs: &T, ours: &T) {
        if theirs != ours {
            let node = self.node;
            self.out.push(format!(
                "{node}: {what}: Microsoft {theirs:?}, pfw {ours:?}"
            ));
        }
    }

    /// Prose is present in one file exactly when it is in the other, and is not copied.
    fn prose(&mut self, what: &str, theirs: Option<&str>, ours: Option<&str>) {
        let node = self.node;
        match (theirs, ours) {
            (Some(t), Some(o)) if !t.is_empty() && t == o && t.split_whitespace().count() > 3 => {
                self.out.push(format!(
                    "{node}: {what}: pfw's text is Microsoft's, word for word"
                ));
            }
            (Some(t), Some(o)) if t.is_empty() != o.is_empty() => self
                .out
                .push(format!("{node}: {what}: present in one file only")),
            (None, Some(_)) | (Some(_), None) => self
                .out
                .push(format!("{node}: {what}: present in one file only")),
            _ => {}
        }
    }
}

fn check_skipped(which: &str, schema: &Schema, diffs: &mut Vec<String>) {
    if !schema.skipped.is_empty() {
        diffs.push(format!(
            "{which} MgmtTree has elements the model does not capture: {:?}",
            schema.skipped
        ));
    }
    for (path, node) in schema.walk() {
        if !node.skipped.is_empty() {
            diffs.push(format!(
                "{which} {path} has elements the model does not capture: {:?}",
                node.skipped
            ));
        }
    }
}
