//! A small element tree with resolved names, read whole through the bounded reader: what the
//! parsers of small documents (SOAP envelopes, provisioning documents) query by namespace and
//! local name.

use crate::error::{Error, ErrorKind};
use crate::reader::{Attr, Config, Limits, Reader, Token, is_xml_space};

/// One element of a parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Namespace URI, `None` when the name is in no namespace.
    pub ns: Option<String>,
    /// Local name (without prefix).
    pub name: String,
    /// Attributes in document order (namespace declarations excluded).
    pub attrs: Vec<Attr>,
    /// Child elements in document order.
    pub children: Vec<Self>,
    /// The element's own character data (text and CDATA), concatenated.
    pub text: String,
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

/// Parses a whole document into its root element, within `limits`, names resolved and a
/// document type declaration refused.
pub fn parse(input: &[u8], limits: Limits) -> Result<Element, Error> {
    let mut reader = Reader::new(input, Config::new(limits))?;
    let mut stack: Vec<Element> = Vec::new();
    while let Some(token) = reader.next()? {
        match token {
            Token::Start(start) => {
                let ns = start.ns.clone();
                let attrs = start.attrs.clone();
                stack.push(Element {
                    ns,
                    name: start.into_local(),
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                });
            }
            Token::End => {
                // Invariant: the reader closes only open elements, and the root last.
                let Some(element) = stack.pop() else { break };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return finish(&mut reader, element),
                }
            }
            Token::Text(text) => {
                if let Some(parent) = stack.last_mut() {
                    parent.text.push_str(&text);
                }
            }
        }
    }
    Err(Error {
        kind: ErrorKind::NoRoot,
        at: reader.position(),
    })
}

/// The root, once the rest of the document is read (only whitespace, comments and
/// processing instructions may follow it).
fn finish(reader: &mut Reader<'_>, root: Element) -> Result<Element, Error> {
    match reader.next()? {
        None => Ok(root),
        // Invariant: the reader refuses any element or text after the root.
        Some(_) => Err(Error {
            kind: ErrorKind::TrailingContent,
            at: reader.position(),
        }),
    }
}

/// The XML Schema instance namespace (`xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
