//! A small, bounded XML reader for the SOAP envelopes and WAP provisioning documents of
//! enrollment, and an escaper for the documents written. The device reads what servers send
//! with it, and pfw's test server what devices send (its checks are its own, written from the
//! specification's literals; the reader is the one bounded reader both sides need).
//!
//! Every byte read here is hostile: the reader refuses a document type declaration (so no
//! entity can be defined or expanded), resolves only the five predefined entities and
//! character references, requires UTF-8, and stops at [`Limits`] on size, depth and element
//! count. The result is a plain tree of [`Element`]s with resolved namespaces, which the
//! message parsers query by namespace and local name.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::XmlError;

/// Bounds applied while reading one document.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most elements in the document.
    pub max_elements: usize,
    /// Most attributes on one element.
    pub max_attributes: usize,
}

impl Limits {
    /// The limits for SOAP replies and provisioning documents.
    pub const DEFAULT: Self = Self {
        max_bytes: MAX_DOCUMENT_BYTES,
        max_depth: MAX_DEPTH,
        max_elements: MAX_ELEMENTS,
        max_attributes: MAX_ATTRIBUTES,
    };
}

/// One element of a parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Namespace URI, `None` when the name is in no namespace.
    pub ns: Option<String>,
    /// Local name (without prefix).
    pub name: String,
    /// Attributes in document order.
    pub attrs: Vec<Attr>,
    /// Child elements in document order.
    pub children: Vec<Self>,
    /// The element's own character data (text and CDATA), concatenated.
    pub text: String,
}

/// One attribute of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// Namespace URI of a prefixed attribute; unprefixed attributes have none.
    pub ns: Option<String>,
    /// Local name.
    pub name: String,
    /// Normalized value, entities resolved.
    pub value: String,
}

impl Element {
    /// Whether this element has namespace `ns` and local name `name`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.name == name
    }

    /// The first child with this namespace and local name.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every child with this namespace and local name.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Self> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// The first child whose local name matches `name` ignoring ASCII case, in any namespace.
    pub fn child_ignore_case(&self, name: &str) -> Option<&Self> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Follows a path of (namespace, local name) steps from this element.
    pub fn path(&self, steps: &[(&str, &str)]) -> Option<&Self> {
        let mut at = self;
        for (ns, name) in steps {
            at = at.child(ns, name)?;
        }
        Some(at)
    }

    /// The value of the unprefixed attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The value of the attribute `name` in namespace `ns`.
    pub fn attr_ns(&self, ns: &str, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.as_deref() == Some(ns) && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The element's text with surrounding XML whitespace removed.
    pub fn trimmed_text(&self) -> &str {
        self.text.trim_matches(is_xml_space)
    }

    /// Whether the element carries `xsi:nil="true"` (or `1`).
    pub fn is_nil(&self) -> bool {
        matches!(self.attr_ns(XSI_NS, "nil"), Some("true" | "1"))
    }
}

/// Parses a whole document into its root element, within `limits`.
pub fn parse(input: &[u8], limits: Limits) -> Result<Element, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let input = input.strip_prefix(UTF8_BOM).unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|_| XmlError::NotUtf8)?;
    let mut reader = NsReader::from_str(text);
    {
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
    }
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(XmlError::from_quick)?;
        let ns = namespace_of(&resolved)?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError::TrailingContent);
            }
            Event::Start(start) => {
                elements += 1;
                check_counts(elements, stack.len() + 1, limits)?;
                let element = open_element(&reader, &start, ns, limits)?;
                stack.push(element);
            }
            Event::Empty(start) => {
                elements += 1;
                check_counts(elements, stack.len() + 1, limits)?;
                let element = open_element(&reader, &start, ns, limits)?;
                close_element(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                // check_end_names guarantees a matching Start was pushed.
                let Some(element) = stack.pop() else {
                    return Err(XmlError::TrailingContent);
                };
                close_element(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let content = text.xml_content(XmlVersion::Implicit1_0);
                push_text(&mut stack, &content)?;
            }
            Event::CData(data) => {
                let content: &str = data.as_ref();
                push_text(&mut stack, content)?;
            }
            Event::GeneralRef(reference) => {
                let ch = resolve_reference(&reference)?;
                let mut buf = [0u8; 4];
                push_text(&mut stack, ch.encode_utf8(&mut buf))?;
            }
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Truncated);
    }
    root.ok_or(XmlError::NoRoot)
}

/// Escapes text for use as element content or a double-quoted attribute value.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

fn namespace_of(resolved: &ResolveResult<'_>) -> Result<Option<String>, XmlError> {
    match resolved {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => {
            let ns: &str = ns.as_ref();
            Ok(Some(ns.to_owned()))
        }
        ResolveResult::Unknown(prefix) => Err(XmlError::UnboundPrefix(shorten(prefix))),
    }
}

fn check_counts(elements: usize, depth: usize, limits: Limits) -> Result<(), XmlError> {
    if elements > limits.max_elements {
        return Err(XmlError::TooManyElements {
            limit: limits.max_elements,
        });
    }
    if depth > limits.max_depth {
        return Err(XmlError::TooDeep {
            limit: limits.max_depth,
        });
    }
    Ok(())
}

fn open_element(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    ns: Option<String>,
    limits: Limits,
) -> Result<Element, XmlError> {
    let local_name = start.local_name();
    let name: &str = local_name.as_ref();
    let name = name.to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::from_quick(e.into()))?;
        let key = attr.key;
        // Namespace declarations are consumed by the reader's resolver.
        if key.as_namespace_binding().is_some() {
            continue;
        }
        if attrs.len() >= limits.max_attributes {
            return Err(XmlError::TooManyAttributes {
                limit: limits.max_attributes,
            });
        }
        let (resolved, local) = reader.resolver().resolve_attribute(key);
        let attr_ns = namespace_of(&resolved)?;
        let local: &str = local.as_ref();
        let local = local.to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(XmlError::from_quick)?
            .into_owned();
        attrs.push(Attr {
            ns: attr_ns,
            name: local,
            value,
        });
    }
    Ok(Element {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

fn close_element(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(stack: &mut [Element], content: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => {
            parent.text.push_str(content);
            Ok(())
        }
        // Only whitespace may stand outside the root element.
        None if content.chars().all(is_xml_space) => Ok(()),
        None => Err(XmlError::TrailingContent),
    }
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Result<char, XmlError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(ch)) => Ok(ch),
            _ => Err(XmlError::UnknownEntity(shorten(reference))),
        };
    }
    match &**reference {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(XmlError::UnknownEntity(shorten(other))),
    }
}

/// Cuts hostile text to a length fit for an error message.
pub fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if text.chars().count() > MAX_QUOTED_CHARS {
        out.push('…');
    }
    out
}

fn is_xml_space(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\r' | '\n')
}

/// The XML Schema instance namespace (`xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Largest SOAP reply or provisioning document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 20_000;
/// Most attributes accepted on one element.
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest piece of hostile text quoted in an error message.
const MAX_QUOTED_CHARS: usize = 80;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_default(xml: &str) -> Result<Element, XmlError> {
        parse(xml.as_bytes(), Limits::DEFAULT)
    }

    #[test]
    fn namespaces_attributes_and_text_are_resolved() {
        let root = parse_default(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="urn:s" xmlns:i="urn:i"><s:Body i:nil="true" a="x &amp; y">
              a &lt; b &#65;<![CDATA[<c>]]></s:Body></s:Envelope>"#,
        )
        .unwrap();
        assert!(root.is("urn:s", "Envelope"));
        let body = root.child("urn:s", "Body").unwrap();
        assert_eq!(body.attr_ns("urn:i", "nil"), Some("true"));
        assert_eq!(body.attr("a"), Some("x & y"));
        assert_eq!(body.trimmed_text(), "a < b A<c>");
    }

    #[test]
    fn default_namespace_applies_to_elements_not_attributes() {
        let root = parse_default(r#"<a xmlns="urn:x" k="v"><b/></a>"#).unwrap();
        assert!(root.is("urn:x", "a"));
        assert!(root.child("urn:x", "b").is_some());
        assert_eq!(root.attr("k"), Some("v"));
    }

    #[test]
    fn doctype_is_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>"#;
        assert!(matches!(parse_default(xml), Err(XmlError::Dtd)));
    }

    #[test]
    fn unknown_entity_is_refused() {
        assert!(matches!(
            parse_default("<a>&e;</a>"),
            Err(XmlError::UnknownEntity(name)) if name == "e"
        ));
    }

    #[test]
    fn truncated_document_is_refused() {
        assert!(matches!(
            parse_default("<a><b>text</b>"),
            Err(XmlError::Truncated)
        ));
    }

    #[test]
    fn mismatched_end_tag_is_a_syntax_error() {
        assert!(matches!(
            parse_default("<a><b></a></b>"),
            Err(XmlError::Syntax(_))
        ));
    }

    #[test]
    fn second_root_and_stray_text_are_refused() {
        assert!(matches!(
            parse_default("<a/><b/>"),
            Err(XmlError::TrailingContent)
        ));
        assert!(matches!(
            parse_default("<a/>junk"),
            Err(XmlError::TrailingContent)
        ));
    }

    #[test]
    fn empty_input_has_no_root() {
        assert!(matches!(parse_default("  "), Err(XmlError::NoRoot)));
    }

    #[test]
    fn unbound_prefix_is_refused() {
        assert!(matches!(
            parse_default("<x:a/>"),
            Err(XmlError::UnboundPrefix(p)) if p == "x"
        ));
    }

    #[test]
    fn limits_are_enforced() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse_default(&deep),
            Err(XmlError::TooDeep { limit: MAX_DEPTH })
        ));
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(matches!(
            parse_default(&many),
            Err(XmlError::TooManyElements { .. })
        ));
        let small = Limits {
            max_bytes: 10,
            ..Limits::DEFAULT
        };
        assert!(matches!(
            parse(b"<a>0123456789</a>", small),
            Err(XmlError::TooLarge { limit: 10 })
        ));
        let attrs: String = (0..=MAX_ATTRIBUTES)
            .map(|i| format!(" a{i}=\"\""))
            .collect();
        assert!(matches!(
            parse_default(&format!("<a{attrs}/>")),
            Err(XmlError::TooManyAttributes { .. })
        ));
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert!(matches!(
            parse(b"<a>\xff</a>", Limits::DEFAULT),
            Err(XmlError::NotUtf8)
        ));
    }

    #[test]
    fn escape_round_trips_through_parse() {
        let nasty = r#"<&>"' ok"#;
        let xml = format!(r#"<a v="{0}">{0}</a>"#, escape(nasty));
        let root = parse_default(&xml).unwrap();
        assert_eq!(root.text, nasty);
        assert_eq!(root.attr("v"), Some(nasty));
    }
}
