//! The enrollment documents' XML: SOAP envelopes and WAP provisioning documents read through
//! `pfw_xml`, the one bounded reader, within the session's [`LIMITS`]; the escaper every
//! enrollment document writer uses. The device reads what servers send with it, and pfw's
//! test server what devices send (its checks are its own, written from the specification's
//! literals; the reader is the one bounded reader both sides need).
//!
//! The reader refuses a document type declaration, resolves only the five predefined
//! entities and character references, requires UTF-8, and stops at [`LIMITS`]. The result is
//! a plain tree of [`Element`]s with resolved namespaces, which the message parsers query by
//! namespace and local name. A refusal is an [`XmlError`] (its position is not kept: the
//! documents are small and the error names what was wrong).

pub use pfw_xml::{Attr, Element, Limits, XSI_NS, escape, shorten};

use crate::error::XmlError;

/// Parses a whole SOAP reply or provisioning document into its root element, within
/// [`LIMITS`].
pub fn parse(input: &[u8]) -> Result<Element, XmlError> {
    parse_within(input, LIMITS)
}

/// Parses a whole document into its root element, within `limits`.
pub fn parse_within(input: &[u8], limits: Limits) -> Result<Element, XmlError> {
    pfw_xml::parse(input, limits).map_err(|e| e.kind)
}

/// The limits for SOAP replies and provisioning documents.
pub const LIMITS: Limits = Limits {
    max_bytes: MAX_DOCUMENT_BYTES,
    max_depth: MAX_DEPTH,
    max_elements: MAX_ELEMENTS,
    max_attributes: MAX_ATTRIBUTES,
    // One element's text is bounded by the document's size.
    max_text_bytes: MAX_DOCUMENT_BYTES,
};

/// Largest SOAP reply or provisioning document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 20_000;
/// Most attributes accepted on one element.
pub const MAX_ATTRIBUTES: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    /// The session's own bounds (the reader's behaviour is pinned in pfw-xml's tests).
    #[test]
    fn the_session_limits_are_enforced() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(XmlError::TooDeep { limit: MAX_DEPTH })
        ));
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(matches!(
            parse(many.as_bytes()),
            Err(XmlError::TooManyElements {
                limit: MAX_ELEMENTS
            })
        ));
        let attrs: String = (0..=MAX_ATTRIBUTES)
            .map(|i| format!(" a{i}=\"\""))
            .collect();
        assert!(matches!(
            parse(format!("<a{attrs}/>").as_bytes()),
            Err(XmlError::TooManyAttributes {
                limit: MAX_ATTRIBUTES
            })
        ));
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(matches!(
            parse(&big),
            Err(XmlError::TooLarge {
                limit: MAX_DOCUMENT_BYTES,
                ..
            })
        ));
        let small = Limits {
            max_bytes: 10,
            ..LIMITS
        };
        assert!(matches!(
            parse_within(b"<a>0123456789</a>", small),
            Err(XmlError::TooLarge { limit: 10, .. })
        ));
    }

    #[test]
    fn doctype_is_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>"#;
        assert!(matches!(parse(xml.as_bytes()), Err(XmlError::Dtd)));
    }
}
