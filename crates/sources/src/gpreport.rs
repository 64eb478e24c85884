//! GPO reports (`gpreport.xml`, as Get-GPOReport writes them: UTF-16LE, namespace
//! `http://www.microsoft.com/GroupPolicy/Settings`): administrative-template settings are
//! `q3:Policy` elements with a display `Name`, a `State` and element parts (`Numeric`,
//! `CheckBox`, `EditText`) — no registry paths (policy-sources-facts.md §3 "Files").
//!
//! A policy under `<Computer>` is the computer's Group Policy, under `<User>` the user's. Its
//! display name is mapped back to the ADMX's registry values ([`crate::registry`]), so a
//! report gives exactly what its GPO's Registry.pol gives. No DTD and no entity beyond the
//! five XML ones is accepted; depth and element count are bounded.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::{At, Refusal};
use crate::limits::SourceLimits;
use crate::model::{Format, IgnoredClass, Scope, Source};
use crate::pol::Ops;
use crate::registry::{RegData, TABLE, is_hello_display};
use crate::text::Text;

/// Whether the decoded text is a GPO report (its root is `GPO` in the Group Policy settings
/// namespace).
pub(crate) fn is_report(text: &str) -> bool {
    let head: String = text.chars().take(2048).collect();
    head.contains("<GPO") && head.contains(NAMESPACE)
}

/// Reads a GPO report's Windows Hello policies.
pub(crate) fn read(
    file: &str,
    text: &Text,
    limits: &SourceLimits,
) -> Result<Source, (At, Refusal)> {
    let root = parse(text, limits)?;
    if root.name != "GPO" {
        return Err((
            text.at(root.start),
            Refusal::BadReport(format!("the root is `{}`, not `GPO`", root.name)),
        ));
    }
    let mut source = Source::new(file, Format::GpReport);
    source.title = root.child("Name").map(|n| n.text.trim().to_owned());
    for (section, scope) in [
        ("Computer", Scope::ComputerGroupPolicy),
        ("User", Scope::UserGroupPolicy),
    ] {
        for part in root.children.iter().filter(|c| c.name == section) {
            let mut policies = Vec::new();
            part.collect("Policy", &mut policies);
            for policy in policies {
                read_policy(text, policy, scope, &mut source);
            }
        }
    }
    Ok(source)
}

fn read_policy(text: &Text, policy: &Element, scope: Scope, source: &mut Source) {
    let at = text.at(policy.start);
    let Some(name) = policy.child("Name").map(|n| n.text.trim().to_owned()) else {
        source.unrelated += 1;
        return;
    };
    if !is_hello_display(&name) {
        let category = policy.child("Category").map_or("", |c| c.text.trim());
        if HELLO_CATEGORIES
            .iter()
            .any(|c| category.eq_ignore_ascii_case(c))
        {
            let reason = format!(
                "“{name}” ({category}) is not a policy of the Windows Hello ADMX pfw maps: not applied"
            );
            source.ignore(IgnoredClass::Unknown, &name, at, reason);
        } else {
            source.unrelated += 1;
        }
        return;
    }
    let state = policy.child("State").map_or("", |s| s.text.trim());
    let enabled = match state {
        s if s.eq_ignore_ascii_case("Enabled") => true,
        s if s.eq_ignore_ascii_case("Disabled") => false,
        other => {
            let reason = format!("state “{other}” is neither Enabled nor Disabled: not configured");
            source.ignore(IgnoredClass::NotApplied, &name, at, reason);
            return;
        }
    };
    let mut ops = Ops::new(scope, source);
    let rows = TABLE
        .iter()
        .filter(|r| r.display.eq_ignore_ascii_case(&name));
    let mut numerics = policy.children.iter().filter(|c| c.name == "Numeric");
    let mut texts = policy.children.iter().filter(|c| c.name == "EditText");
    for row in rows {
        let label = match row.element {
            Some(e) => format!("{name}: {e}"),
            None => name.clone(),
        };
        let data = match (row.element, row.states) {
            // An element of the policy: a check box, by its display name.
            (Some(element), _) => {
                let Some(check) = policy
                    .children
                    .iter()
                    .filter(|c| c.name == "CheckBox")
                    .find(|c| {
                        c.child("Name")
                            .is_some_and(|n| n.text.trim().eq_ignore_ascii_case(element))
                    })
                else {
                    continue;
                };
                let on = check
                    .child("State")
                    .is_some_and(|s| s.text.trim().eq_ignore_ascii_case("Enabled"));
                enabled.then_some(RegData::Dword(u32::from(on)))
            }
            (None, Some((on, off))) => Some(RegData::Dword(if enabled { on } else { off })),
            (None, None) => {
                let node_is_text = row.node.is_some_and(|n| {
                    n.contains("GroupA") || n.contains("GroupB") || n.contains("Plugins")
                });
                if !enabled {
                    None
                } else if node_is_text {
                    let Some(value) = texts.next().and_then(|t| t.child("Value")) else {
                        continue;
                    };
                    Some(RegData::Text(value.text.trim().to_owned()))
                } else {
                    let value = numerics.next().and_then(|n| n.child("Value"));
                    match value.map(|v| v.text.trim().parse::<u32>()) {
                        Some(Ok(n)) => Some(RegData::Dword(n)),
                        _ => {
                            let reason = "Enabled without a numeric value: not applied";
                            ops.source.ignore(IgnoredClass::Invalid, label, at, reason);
                            continue;
                        }
                    }
                }
            }
        };
        match data {
            Some(data) => ops.set(row.key, row.value, &data, at),
            None => ops.remove(row.key, row.value, at),
        }
        if let Some(last) = ops.source.settings.last_mut()
            && last.name == format!("{}\\{}", row.key, row.value)
        {
            last.name = label;
        }
    }
}

/// An element of the report: its local name, trimmed text, children and start offset.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Self>,
    start: usize,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.name == name)
    }

    fn collect<'e>(&'e self, name: &str, out: &mut Vec<&'e Self>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            } else {
                c.collect(name, out);
            }
        }
    }
}

fn parse(text: &Text, limits: &SourceLimits) -> Result<Element, (At, Refusal)> {
    let body = text.text.trim_start_matches('\u{feff}');
    let skipped = text.text.len() - body.len();
    let mut reader = Reader::from_str(body);
    let bad = |pos: usize, m: String| (text.at(pos + skipped), Refusal::BadReport(m));
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            bad(at, e.to_string())
        })?;
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                close(&mut stack, &mut root);
                continue;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let content = t.xml10_content();
                    push_text(top, &content, limits).map_err(|m| bad(pos, m))?;
                }
                continue;
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    let content = c.xml10_content();
                    push_text(top, &content, limits).map_err(|m| bad(pos, m))?;
                }
                continue;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(|e| bad(pos, e.to_string()))?
                } else {
                    quick_xml::escape::resolve_predefined_entity(&r).and_then(|s| s.chars().next())
                };
                let Some(c) = resolved else {
                    return Err(bad(
                        pos,
                        "an entity other than the five XML ones".to_owned(),
                    ));
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
                continue;
            }
            Event::DocType(_) => return Err(bad(pos, "a DOCTYPE (DTDs are refused)".to_owned())),
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
        };
        if root.is_some() {
            return Err(bad(pos, "an element after the root element".to_owned()));
        }
        count += 1;
        if count > limits.max_entries {
            return Err((
                text.at(pos + skipped),
                Refusal::TooMany {
                    what: "report elements",
                    max: limits.max_entries,
                },
            ));
        }
        if stack.len() >= limits.max_depth {
            return Err(bad(
                pos,
                format!("elements nest deeper than {} levels", limits.max_depth),
            ));
        }
        let name = start.local_name().into_inner().to_owned();
        stack.push(Element {
            name,
            start: pos + skipped,
            ..Element::default()
        });
        if empty {
            close(&mut stack, &mut root);
        }
    }
    if !stack.is_empty() {
        return Err(bad(
            body.len(),
            "the file ends inside an element".to_owned(),
        ));
    }
    root.ok_or_else(|| bad(0, "no root element".to_owned()))
}

/// Closes the innermost open element.
fn close(stack: &mut Vec<Element>, root: &mut Option<Element>) {
    // Invariant: quick-xml checks end names, so an End always closes an open Start.
    let Some(element) = stack.pop() else { return };
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// Appends text to an element, within the value limit (explain texts are long; values short).
fn push_text(top: &mut Element, content: &str, limits: &SourceLimits) -> Result<(), String> {
    if top.text.len() + content.len() > limits.max_value_bytes {
        return Err(format!(
            "a text of more than {} bytes",
            limits.max_value_bytes
        ));
    }
    top.text.push_str(content);
    Ok(())
}

/// The report's namespace.
const NAMESPACE: &str = "http://www.microsoft.com/GroupPolicy/Settings";

/// Report categories of Windows Hello policies (policy-sources-facts.md §1.1).
const HELLO_CATEGORIES: [&str; 3] = [
    "Windows Components/Windows Hello for Business",
    "System/PIN Complexity",
    "Windows Components/Biometrics/Facial Features",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn report(computer: &str, user: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-16"?>
<GPO xmlns="{NAMESPACE}"><Name>T</Name>
<Computer><ExtensionData><Extension xmlns:q3="{NAMESPACE}/Registry">{computer}</Extension></ExtensionData></Computer>
<User><ExtensionData><Extension xmlns:q3="{NAMESPACE}/Registry">{user}</Extension></ExtensionData></User>
</GPO>"#
        )
    }

    fn policy(name: &str, state: &str, parts: &str) -> String {
        format!(
            "<q3:Policy><q3:Name>{name}</q3:Name><q3:State>{state}</q3:State>{parts}</q3:Policy>"
        )
    }

    fn read_text(text: &str) -> Result<Source, (At, Refusal)> {
        read("r.xml", &Text::new(text.to_owned()), &SourceLimits::DEFAULT)
    }

    /// policy-sources-facts.md §1.2–1.3: states and elements, one line per case.
    #[test]
    fn policies_map_to_nodes() {
        type Case<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, Option<&'a str>)]);
        #[rustfmt::skip]
        let cases: &[Case<'_>] = &[
            ("Use Windows Hello for Business", "Enabled", "", &[("UsePassportForWork", Some("true"))]),
            ("Use Windows Hello for Business", "Disabled", "", &[("UsePassportForWork", Some("false"))]),
            ("Require digits", "Enabled", "", &[("PINComplexity/Digits", Some("1"))]),
            ("Require digits", "Disabled", "", &[("PINComplexity/Digits", Some("2"))]),
            ("Minimum PIN length", "Enabled", "<q3:Numeric><q3:Name>Minimum PIN length</q3:Name><q3:Value>6</q3:Value></q3:Numeric>", &[("PINComplexity/MinimumPINLength", Some("6"))]),
            ("Minimum PIN length", "Disabled", "", &[("PINComplexity/MinimumPINLength", None)]),
            ("Use a hardware security device", "Enabled", "<q3:CheckBox><q3:Name>TPM 1.2</q3:Name><q3:State>Disabled</q3:State></q3:CheckBox>", &[("RequireSecurityDevice", Some("true")), ("ExcludeSecurityDevices/TPM12", Some("false"))]),
            ("Configure enhanced anti-spoofing", "Enabled", "", &[("Biometrics/FacialFeaturesUseEnhancedAntiSpoofing", Some("true"))]),
        ];
        for (name, state, parts, expected) in cases {
            let s = read_text(&report(&policy(name, state, parts), "")).unwrap();
            let got: Vec<(&str, Option<&str>)> = s
                .settings
                .iter()
                .map(|s| (s.key(), s.value.as_deref()))
                .collect();
            assert_eq!(&got, expected, "{name} {state}");
            assert!(
                s.settings
                    .iter()
                    .all(|s| s.scope == Scope::ComputerGroupPolicy)
            );
        }
        let s = read_text(&report(
            "",
            &policy("Use Windows Hello for Business", "Enabled", ""),
        ))
        .unwrap();
        assert_eq!(s.settings[0].scope, Scope::UserGroupPolicy);
        assert_eq!(s.settings[0].name, "Use Windows Hello for Business");
        assert_eq!(s.title.as_deref(), Some("T"));
    }

    #[test]
    fn refusals() {
        let cases = [
            ("<!DOCTYPE GPO [<!ENTITY x \"y\">]><GPO/>", "DOCTYPE"),
            ("<GPO><Name>&x;</Name></GPO>", "entity"),
            ("<GPO><Name>", "ends inside"),
            ("<GPO></GPO><GPO/>", "after the root"),
            ("<X/>", "not `GPO`"),
        ];
        for (text, expected) in cases {
            let (_, refusal) = read_text(text).unwrap_err();
            assert!(refusal.to_string().contains(expected), "{text}: {refusal}");
        }
        let deep = format!("<GPO>{}", "<a>".repeat(1000));
        let (_, refusal) = read_text(&deep).unwrap_err();
        assert!(refusal.to_string().contains("deeper"), "{refusal}");
    }
}
