//! pfw-xml: the one bounded XML reader of pfw's documents of untrusted origin, a small
//! element tree with resolved names, and the one escaper.
//!
//! - [`Reader`] reads a document as [`Token`]s within [`Limits`] (size, depth, elements,
//!   attributes, text): UTF-8 only, no document type declaration interpreted, only the five
//!   predefined entities and character references. Every refusal is an [`Error`]: what
//!   ([`ErrorKind`]) and where ([`Position`], line and column). A caller that builds its own
//!   model as elements close (the DDF loader) reads tokens.
//! - [`parse`] reads a whole small document into an [`Element`] tree, names resolved to
//!   their namespaces (SOAP envelopes, provisioning documents).
//! - [`escape_text`], [`escape_attr`] and [`escape()`] write text so that the reader gives it
//!   back exactly.
//!
//! ```
//! use pfw_xml::{Limits, escape, parse};
//!
//! let limits = Limits {
//!     max_bytes: 4096,
//!     max_depth: 8,
//!     max_elements: 64,
//!     max_attributes: 8,
//!     max_text_bytes: 1024,
//! };
//! let value = "a < b\r\n";
//! let doc = format!(r#"<r xmlns="urn:x" v="{0}">{0}</r>"#, escape(value));
//! let root = parse(doc.as_bytes(), limits)?;
//! assert!(root.is("urn:x", "r"));
//! assert_eq!(root.text, value);
//! assert_eq!(root.attr("v"), Some(value));
//!
//! let error = parse(b"<r>\n  <a>&e;</a></r>", limits).unwrap_err();
//! assert_eq!(error.to_string(), "unknown entity reference &e; at line 2, column 6");
//! # Ok::<(), pfw_xml::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod escape;
pub mod reader;
pub mod tree;

pub use error::{Error, ErrorKind, Position};
pub use escape::{escape, escape_attr, escape_text, first_forbidden_char, is_xml_char};
pub use reader::{Attr, Config, Doctype, Limits, Names, Reader, Start, Token, is_xml_space};
pub use tree::{Element, XSI_NS, parse};

/// Cuts hostile text to a length fit for an error message ([`MAX_QUOTED_CHARS`]
/// characters, then `…`).
pub fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if text.chars().count() > MAX_QUOTED_CHARS {
        out.push('…');
    }
    out
}

/// Longest piece of hostile text quoted in an error message, in characters.
pub const MAX_QUOTED_CHARS: usize = 80;
