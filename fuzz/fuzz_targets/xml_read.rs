//! `pfw_xml` over arbitrary bytes never panics, in both configurations (names resolved and a
//! DOCTYPE refused; names as written and a DOCTYPE skipped): the tokens it gives are
//! balanced, within the limits, and a tree that parses writes back through the escaper into a
//! document that parses to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_xml::{Config, Doctype, Element, Limits, Names, Reader, Token, escape, parse};

const LIMITS: Limits = Limits {
    max_bytes: 64 * 1024,
    max_depth: 16,
    max_elements: 512,
    max_attributes: 8,
    max_text_bytes: 4096,
};

fuzz_target!(|data: &[u8]| {
    for names in [Names::Resolved, Names::Qualified] {
        let config = Config {
            limits: LIMITS,
            doctype: if names == Names::Resolved { Doctype::Refuse } else { Doctype::Skip },
            names,
        };
        let Ok(mut reader) = Reader::new(data, config) else {
            continue;
        };
        let mut depth = 0usize;
        while let Ok(Some(token)) = reader.next() {
            match token {
                Token::Start(start) => {
                    depth += 1;
                    assert!(depth <= LIMITS.max_depth);
                    assert!(start.attrs.len() <= LIMITS.max_attributes);
                }
                Token::End => depth = depth.checked_sub(1).expect("an End without a Start"),
                Token::Text(_) => assert!(depth > 0, "text outside the root"),
            }
        }
    }
    if let Ok(root) = parse(data, LIMITS) {
        let mut out = String::new();
        write(&root, &mut out);
        let again = parse(out.as_bytes(), Limits { max_bytes: usize::MAX, max_text_bytes: usize::MAX, ..LIMITS })
            .expect("a written tree reads back");
        assert_eq!(as_written(&root), again);
    }
});

/// Writes `element` with its namespace declared on itself (prefix `p`).
fn write(element: &Element, out: &mut String) {
    out.push_str("<p:e");
    out.push_str(&format!(" xmlns:p=\"{}\" n=\"{}\"", escape(element.ns.as_deref().unwrap_or("urn:none")), escape(&element.name)));
    out.push('>');
    out.push_str(&escape(&element.text));
    for child in &element.children {
        write(child, out);
    }
    out.push_str("</p:e>");
}

/// The tree as `write` then `parse` give it back: names carried in an attribute.
fn as_written(element: &Element) -> Element {
    Element {
        ns: Some(element.ns.clone().unwrap_or_else(|| "urn:none".to_owned())),
        name: "e".to_owned(),
        attrs: vec![pfw_xml::Attr { ns: None, name: "n".to_owned(), value: element.name.clone() }],
        children: element.children.iter().map(as_written).collect(),
        text: element.text.clone(),
    }
}
