//! The bounded reader and the tree: what is accepted, what is refused (one line per case,
//! with the position of the refusal), and the escaper's output read back.

use pfw_xml::{
    Config, Doctype, Element, Error, ErrorKind, Limits, Names, Position, Reader, Token, escape,
    parse,
};

const LIMITS: Limits = Limits {
    max_bytes: 64 * 1024,
    max_depth: 8,
    max_elements: 100,
    max_attributes: 4,
    max_text_bytes: 32,
};

fn tree(xml: &str) -> Result<Element, Error> {
    parse(xml.as_bytes(), LIMITS)
}

/// `xml` refused with `kind` (matched by its message) at `line`, `column`.
macro_rules! refused {
    ($name:ident($xml:expr) => $kind:pat $(if $guard:expr)?, $line:expr, $column:expr) => {
        #[test]
        fn $name() {
            let error = tree($xml).unwrap_err();
            assert!(matches!(error.kind, $kind $(if $guard)?), "{error}");
            assert_eq!(
                error.at,
                Position {
                    line: $line,
                    column: $column
                },
                "{error}"
            );
        }
    };
}

// XML 1.0 §2.8: a DOCTYPE may declare entities; untrusted documents may not have one.
refused!(doctype("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>") => ErrorKind::Dtd, 2, 1);
refused!(unknown_entity("<a>\n &e;</a>") => ErrorKind::UnknownEntity(ref name) if name == "e", 2, 2);
refused!(char_ref_to_a_nul("<a>&#0;</a>") => ErrorKind::UnknownEntity(_), 1, 4);
refused!(truncated("<a><b>text</b>") => ErrorKind::Truncated, 1, 15);
refused!(mismatched_end_tag("<a><b></a></b>") => ErrorKind::Syntax(_), 1, 7);
refused!(second_root("<a/>\n<b/>") => ErrorKind::TrailingContent, 2, 1);
refused!(text_after_root("<a/>junk") => ErrorKind::TrailingContent, 1, 5);
refused!(text_before_root("junk<a/>") => ErrorKind::TextBeforeRoot, 1, 1);
refused!(empty_input("  ") => ErrorKind::NoRoot, 1, 3);
refused!(unbound_prefix("<a><x:b/></a>") => ErrorKind::UnboundPrefix(ref p) if p == "x", 1, 4);
refused!(unbound_attribute_prefix("<a x:k=\"v\"/>") => ErrorKind::UnboundPrefix(ref p) if p == "x", 1, 1);
refused!(too_deep(&("<a>".repeat(9) + &"</a>".repeat(9))) => ErrorKind::TooDeep { limit: 8 }, 1, 25);
refused!(too_deep_empty(&("<a>".repeat(8) + "<b/>" + &"</a>".repeat(8))) => ErrorKind::TooDeep { limit: 8 }, 1, 25);
refused!(too_many_elements(&format!("<a>{}</a>", "<b/>".repeat(100))) => ErrorKind::TooManyElements { limit: 100 }, 1, 400);
refused!(too_many_attributes("<a k1=\"\" k2=\"\" k3=\"\" k4=\"\" k5=\"\"/>") => ErrorKind::TooManyAttributes { limit: 4 }, 1, 1);
refused!(text_too_long(&format!("<a>{}<b/>{}</a>", "x".repeat(20), "y".repeat(13))) => ErrorKind::TextTooLong { limit: 32 }, 1, 28);
refused!(text_too_long_by_references(&format!("<a>{}</a>", "&amp;".repeat(33))) => ErrorKind::TextTooLong { limit: 32 }, 1, 164);

#[test]
fn too_large_and_not_utf8() {
    let small = Limits {
        max_bytes: 10,
        ..LIMITS
    };
    let error = parse(b"<a>0123456789</a>", small).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::TooLarge { len: 17, limit: 10 }),
        "{error}"
    );
    let error = parse(b"<a>\n\xff</a>", LIMITS).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::NotUtf8 { offset: 4 }),
        "{error}"
    );
    assert_eq!(error.at, Position { line: 2, column: 1 });
}

#[test]
fn namespaces_attributes_and_text_are_resolved() {
    let root = tree(
        r#"<?xml version="1.0"?><s:Envelope xmlns:s="urn:s" xmlns:i="urn:i"><s:Body i:nil="true" a="x &amp; y">
          a &lt; b &#65;<![CDATA[<c>]]></s:Body></s:Envelope>"#,
    )
    .unwrap();
    assert!(root.is("urn:s", "Envelope"));
    assert!(root.attrs.is_empty(), "namespace declarations are consumed");
    let body = root.child("urn:s", "Body").unwrap();
    assert_eq!(body.attr_ns("urn:i", "nil"), Some("true"));
    assert_eq!(body.attr("a"), Some("x & y"));
    assert_eq!(body.trimmed_text(), "a < b A<c>");
}

#[test]
fn default_namespace_applies_to_elements_not_attributes() {
    let root = tree(r#"<a xmlns="urn:x" k="v"><b/></a>"#).unwrap();
    assert!(root.is("urn:x", "a"));
    assert!(root.child("urn:x", "b").is_some());
    assert_eq!(root.attr("k"), Some("v"));
}

/// XML 1.0 §2.11: line ends are normalized to LF, in CDATA sections too; a CR written as a
/// character reference stays.
#[test]
fn line_ends_are_normalized_and_a_bom_is_skipped() {
    let root = parse(
        b"\xEF\xBB\xBF<a>1\r\n2\r3&#13;<![CDATA[4\r\n]]></a>",
        LIMITS,
    )
    .unwrap();
    assert_eq!(root.text, "1\n2\n3\r4\n");
}

#[test]
fn escaped_text_reads_back_exactly() {
    let nasty = "<&>\"' ok\r\n\ttab\r";
    let xml = format!(r#"<a v="{0}">{0}</a>"#, escape(nasty));
    let root = parse(
        xml.as_bytes(),
        Limits {
            max_text_bytes: 1024,
            ..LIMITS
        },
    )
    .unwrap();
    assert_eq!(root.text, nasty);
    assert_eq!(root.attr("v"), Some(nasty));
    // A character XML cannot carry becomes U+FFFD rather than a document no reader takes.
    let control = format!("<a>{}</a>", escape("a\u{1}b"));
    assert_eq!(tree(&control).unwrap().text, "a\u{FFFD}b");
}

/// The DDF loader's configuration: a DOCTYPE skipped unread (its entities stay unknown),
/// names as written, `xmlns` attributes kept, an undeclared prefix no error.
#[test]
fn qualified_names_and_a_skipped_doctype() {
    let config = Config {
        limits: LIMITS,
        doctype: Doctype::Skip,
        names: Names::Qualified,
    };
    let xml = "<!DOCTYPE MgmtTree PUBLIC \"-//OMA//DTD-DM-DDF 1.2//EN\" \"x\"><MgmtTree xmlns:MSFT=\"urn:m\"><MSFT:A k=\"v\"/>t</MgmtTree>";
    let mut reader = Reader::new(xml.as_bytes(), config).unwrap();
    let mut seen = Vec::new();
    while let Some(token) = reader.next().unwrap() {
        seen.push(match token {
            Token::Start(start) => {
                let attrs: Vec<_> = start
                    .attrs
                    .iter()
                    .map(|a| format!("{}={}", a.name, a.value))
                    .collect();
                format!("<{} ({}) {}>", start.name, start.local(), attrs.join(" "))
            }
            Token::End => "</>".to_owned(),
            Token::Text(text) => text.into_owned(),
        });
    }
    assert_eq!(
        seen,
        [
            "<MgmtTree (MgmtTree) xmlns:MSFT=urn:m>",
            "<MSFT:A (A) k=v>",
            "</>",
            "t",
            "</>"
        ]
    );
    let entity = "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>";
    let mut reader = Reader::new(entity.as_bytes(), config).unwrap();
    let error = loop {
        match reader.next() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the entity was expanded"),
            Err(error) => break error,
        }
    };
    assert!(matches!(error.kind, ErrorKind::UnknownEntity(_)), "{error}");
    let mut reader = Reader::new(b"<x:a/>", config).unwrap();
    assert!(matches!(reader.next(), Ok(Some(Token::Start(s))) if s.name == "x:a"));
}

/// XML 1.0 §2.2 (production `Char`) and its well-formedness constraint "Legal Character":
/// a character outside `Char` is refused wherever it stands, written or as a reference,
/// in both configurations, with the line and column where it stands. (Found by the
/// `xml_read` fuzz target: a U+0006 inside a namespace URI was read, and so could not be
/// written back.)
#[test]
fn a_character_xml_forbids_is_refused_wherever_it_stands() {
    let rows: &[(&str, &str)] = &[
        ("text", "<a>x\u{6}y</a>"),
        ("attribute value", "<a v=\"x\u{1}\"/>"),
        ("namespace declaration", "<a xmlns:p=\"urn:x\u{6}\"/>"),
        ("default namespace", "<a xmlns=\"urn:\u{1f}\"/>"),
        ("comment", "<a><!-- \u{8} --></a>"),
        ("CDATA", "<a><![CDATA[\u{0}]]></a>"),
        ("U+FFFE", "<a>\u{FFFE}</a>"),
        ("U+FFFF in an attribute", "<a v=\"\u{FFFF}\"/>"),
        ("after the root", "<a/>\u{7}"),
        ("character reference", "<a>&#1;</a>"),
        ("hex character reference", "<a v=\"&#x1F;\"/>"),
    ];
    for (what, doc) in rows {
        for names in [Names::Resolved, Names::Qualified] {
            let config = Config {
                limits: LIMITS,
                doctype: Doctype::Refuse,
                names,
            };
            let error = match Reader::new(doc.as_bytes(), config) {
                Err(e) => e,
                Ok(mut reader) => loop {
                    match reader.next() {
                        Ok(Some(_)) => {}
                        Ok(None) => panic!("{what} ({names:?}): read to the end"),
                        Err(e) => break e,
                    }
                },
            };
            assert!(
                matches!(error.kind, ErrorKind::NotXmlChar { .. }),
                "{what} ({names:?}): {error}"
            );
            assert_eq!(error.at.line, 1, "{what}");
        }
        assert!(parse(doc.as_bytes(), LIMITS).is_err(), "{what}: parse");
    }
    // Tab, LF and CR are characters XML allows, as are the ones just inside each range.
    let fine = "<a v=\"\t\">\u{20}\u{D7FF}\u{E000}\u{FFFD}\u{10000}\t\n\r&#9;&#xD7FF;</a>";
    assert!(parse(fine.as_bytes(), LIMITS).is_ok());
}
