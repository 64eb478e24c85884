//! Messages refused whole, one line per case, each with the exact error variant.

use pfw_syncml::{Construct, DecodeError, Limits, MalformedReason, XmlSyntax};

use crate::util::{body, refuse, refuse_with};

/// `name: input => pattern,` — `input` (bytes) is refused with an error matching
/// `pattern`. The comment on each line says where the rule comes from.
macro_rules! refused {
    ($($name:ident: $input:expr => $pattern:pat $(if $guard:expr)?,)*) => {$(
        #[test]
        fn $name() {
            let input: Vec<u8> = $input.into();
            let error = refuse(&input);
            assert!(matches!(error, $pattern $(if $guard)?), "{error:?}");
        }
    )*};
}

refused! {
    // DESIGN "Untrusted input": no DTD.
    doctype: "<!DOCTYPE SyncML><SyncML><SyncBody/></SyncML>"
        => DecodeError::Doctype { pos } if (pos.line, pos.column) == (1, 1),
    // The "billion laughs" internal entity expansion never starts: the DTD is refused.
    billion_laughs: concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE SyncML [<!ENTITY lol \"lol\">",
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">",
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>",
        "<SyncML><SyncBody><Alert><CmdID>1</CmdID><Data>&lol3;</Data></Alert></SyncBody></SyncML>"
    ) => DecodeError::Doctype { .. },
    // External entities (XXE) likewise.
    external_entity: concat!(
        "<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
        "<SyncML><SyncBody><Alert><CmdID>&xxe;</CmdID></Alert></SyncBody></SyncML>"
    ) => DecodeError::Doctype { .. },
    // Without a DTD, a reference to an undeclared entity.
    undeclared_entity: body("<Alert><CmdID>&xxe;</CmdID></Alert>")
        => DecodeError::UndeclaredEntity { ref name, .. } if name == "xxe",
    // XML 1.0 §2.2: NUL is not a character, raw or referenced.
    raw_nul: body("<Alert><CmdID>1\0</CmdID></Alert>")
        => DecodeError::InvalidChar { code_point: 0, .. },
    nul_reference: body("<Alert><CmdID>&#0;</CmdID></Alert>")
        => DecodeError::InvalidCharRef { ref reference, .. } if reference == "#0",
    escape_reference: body("<Alert><Data>&#x1B;</Data></Alert>")
        => DecodeError::InvalidCharRef { ref reference, .. } if reference == "#x1B",
    noncharacter: body("<Alert><Data>\u{FFFE}</Data></Alert>")
        => DecodeError::InvalidChar { code_point: 0xFFFE, .. },
    // Not UTF-8: the byte offset and its line and column are given.
    invalid_utf8: b"<SyncML>\n<SyncBody>\xFF</SyncBody></SyncML>".to_vec()
        => DecodeError::NotUtf8 { offset: 19, pos } if (pos.line, pos.column) == (2, 11),
    // Only UTF-8 (MS-MDM messages are UTF-8) and only XML 1.0.
    declared_latin1: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SyncML><SyncBody/></SyncML>"
        => DecodeError::UnsupportedEncoding { ref encoding, .. } if encoding == "ISO-8859-1",
    xml_1_1: "<?xml version=\"1.1\"?><SyncML><SyncBody/></SyncML>"
        => DecodeError::UnsupportedVersion { .. },
    misplaced_declaration: " <?xml version=\"1.0\"?><SyncML><SyncBody/></SyncML>"
        => DecodeError::Syntax { kind: XmlSyntax::MisplacedDeclaration, .. },
    // Processing instructions are refused (decision: none is meaningful in SyncML).
    processing_instruction: "<?xml-stylesheet href=\"a.xsl\"?><SyncML><SyncBody/></SyncML>"
        => DecodeError::ProcessingInstruction { ref target, .. } if target == "xml-stylesheet",
    // Well-formedness (XML 1.0 §2.1, §3).
    mismatched_tags: "<SyncML><SyncBody></SyncML>"
        => DecodeError::Syntax { kind: XmlSyntax::MismatchedEndTag { .. }, .. },
    truncated: "<SyncML><SyncBody><Final/>"
        => DecodeError::Truncated { ref element, .. } if element == "SyncBody",
    truncated_in_tag: "<SyncML><SyncBody><Fin"
        => DecodeError::Syntax { kind: XmlSyntax::Unclosed(Construct::Tag), .. },
    unclosed_comment: "<SyncML><SyncBody/><!-- </SyncML>"
        => DecodeError::Syntax { kind: XmlSyntax::Unclosed(Construct::Comment), .. },
    empty_input: "" => DecodeError::MissingRoot { .. },
    two_roots: "<SyncML><SyncBody/></SyncML><SyncML><SyncBody/></SyncML>"
        => DecodeError::ContentOutsideRoot { .. },
    text_after_root: "<SyncML><SyncBody/></SyncML>\n trailing"
        => DecodeError::ContentOutsideRoot { pos } if (pos.line, pos.column) == (2, 2),
    duplicate_attribute: "<SyncML xmlns=\"a\" xmlns=\"b\"><SyncBody/></SyncML>"
        => DecodeError::Syntax { kind: XmlSyntax::DuplicateAttribute { .. }, .. },
    lt_in_attribute: "<SyncML><SyncBody><Alert><Data a=\"<\">1</Data></Alert></SyncBody></SyncML>"
        => DecodeError::Syntax { kind: XmlSyntax::LtInAttributeValue, .. },
    // The root: SyncML in the SyncML 1.2 namespace (or none).
    wrong_root: "<SyncBody/>"
        => DecodeError::WrongRoot { ref found, .. } if found == "SyncBody",
    wrong_namespace: "<SyncML xmlns=\"SYNCML:SYNCML1.1\"><SyncBody/></SyncML>"
        => DecodeError::WrongNamespace { ref found, .. } if found == "SYNCML:SYNCML1.1",
    foreign_root_namespace: "<SyncML xmlns=\"urn:x\"><SyncBody/></SyncML>"
        => DecodeError::WrongNamespace { ref found, .. } if found == "urn:x",
    // README "Refused messages": an element below the root that declares another default
    // namespace is not SyncML, so neither is the message.
    foreign_body_namespace: "<SyncML><SyncBody xmlns=\"urn:x\"><Get><CmdID>1</CmdID><Item><Target><LocURI>./a</LocURI></Target></Item></Get></SyncBody></SyncML>"
        => DecodeError::WrongNamespace { ref found, ref element, pos } if found == "urn:x" && element == "SyncBody" && pos.column == 9,
    foreign_command_namespace: body("<Add xmlns=\"urn:x\"><CmdID>1</CmdID><Item><Target><LocURI>./a</LocURI></Target></Item></Add>")
        => DecodeError::WrongNamespace { ref found, .. } if found == "urn:x",
    foreign_item_namespace: body("<Add><CmdID>1</CmdID><Item xmlns=\"urn:x\"><Target><LocURI>./a</LocURI></Target></Item></Add>")
        => DecodeError::WrongNamespace { ref found, .. } if found == "urn:x",
    foreign_header_namespace: "<SyncML><SyncHdr xmlns=\"urn:x\"/><SyncBody/></SyncML>"
        => DecodeError::WrongNamespace { ref found, .. } if found == "urn:x",
    // A prefixed root is not the element SyncML (pfw reads names as written; neither OMA's
    // nor Microsoft's messages use a prefix).
    prefixed_root: "<s:SyncML xmlns:s=\"SYNCML:SYNCML1.2\"><s:SyncBody/></s:SyncML>"
        => DecodeError::WrongRoot { ref found, .. } if found == "s:SyncML",
    // XML 1.0 §2.5: "the string "--" (double-hyphen) MUST NOT occur within comments", so a
    // comment ending in `--->` is not well-formed either.
    double_hyphen_in_comment: body("<!-- a -- b --><Get><CmdID>1</CmdID><Item><Target><LocURI>./a</LocURI></Target></Item></Get>")
        => DecodeError::Syntax { kind: XmlSyntax::InvalidMarkup, .. },
    comment_ending_in_three_hyphens: body("<!-- a ---><Get><CmdID>1</CmdID></Get>")
        => DecodeError::Syntax { kind: XmlSyntax::InvalidMarkup, .. },
    double_hyphen_in_prolog_comment: "<!-- -- --><SyncML><SyncBody/></SyncML>"
        => DecodeError::Syntax { kind: XmlSyntax::InvalidMarkup, .. },
    double_hyphen_in_data_comment: body("<Alert><CmdID>1</CmdID><Data>1<!--x--y-->2</Data></Alert>")
        => DecodeError::Syntax { kind: XmlSyntax::InvalidMarkup, .. },
    // The frame's grammar (SyncML DTD).
    missing_body: "<SyncML xmlns=\"SYNCML:SYNCML1.2\"/>" => DecodeError::MissingBody { .. },
    header_after_body: "<SyncML><SyncBody/><SyncHdr/></SyncML>"
        => DecodeError::Grammar { within: "SyncML", reason: MalformedReason::UnexpectedElement { .. }, .. },
    header_without_msg_id: header(SESSION)
        => DecodeError::Grammar { within: "SyncHdr", reason: MalformedReason::MissingElement { element: "MsgID" }, .. },
    header_unknown_child: header(&format!("{SESSION}<MsgID>1</MsgID><Bogus/>"))
        => DecodeError::Grammar { within: "SyncHdr", reason: MalformedReason::UnexpectedElement { .. }, .. },
    header_target_without_uri: header(&format!("{SESSION}<MsgID>1</MsgID><Target/>"))
        => DecodeError::Grammar { within: "SyncHdr", reason: MalformedReason::MissingElement { element: "LocURI" }, .. },
    text_in_body: body("stray") => DecodeError::Grammar {
        within: "SyncBody",
        reason: MalformedReason::UnexpectedText,
        ..
    },
    final_with_content: body("<Final>yes</Final>")
        => DecodeError::Grammar { within: "SyncBody", reason: MalformedReason::UnexpectedText, .. },
}

/// A message with an empty body and a SyncHdr of `fields`.
fn header(fields: &str) -> String {
    format!("<SyncML><SyncHdr>{fields}</SyncHdr><SyncBody/></SyncML>")
}

/// A SyncHdr's fields up to its MsgID.
const SESSION: &str = "<VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID>";

#[test]
fn message_of_100_mb_is_refused_by_the_size_check_first() {
    // All NUL bytes: any parsing at all would report an invalid character instead.
    let input = vec![0u8; 100 * 1024 * 1024];
    let error = refuse(&input);
    assert_eq!(
        error,
        DecodeError::MessageTooLarge {
            size: input.len(),
            limit: Limits::DEFAULT.max_message_bytes
        }
    );
}

#[test]
fn nesting_10000_deep_is_refused_at_the_first_tag_past_the_limit() {
    let prefix = "<SyncML><SyncBody>";
    let input = format!("{prefix}{}", "<Atomic>".repeat(10_000));
    let error = refuse(input.as_bytes());
    let DecodeError::TooDeep {
        element,
        limit,
        pos,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(element, "Atomic");
    assert_eq!(*limit, Limits::DEFAULT.max_depth);
    // SyncML and SyncBody take two levels; the Atomic that would be one too many:
    let allowed_atomics = Limits::DEFAULT.max_depth - 2;
    let expected_column = prefix.len() + allowed_atomics * "<Atomic>".len() + 1;
    assert_eq!((pos.line, pos.column as usize), (1, expected_column));
}

#[test]
fn one_hundred_thousand_items_are_refused_by_the_item_limit() {
    let input = body(&format!(
        "<Add><CmdID>2</CmdID>{}</Add>",
        "<Item/>".repeat(100_000)
    ));
    let error = refuse(input.as_bytes());
    let DecodeError::TooManyItems { limit, pos } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*limit, Limits::DEFAULT.max_items);
    // Refused at the first item past the limit, not at the end.
    let first_over = input.find("<Item/>").unwrap() + Limits::DEFAULT.max_items * "<Item/>".len();
    assert_eq!(pos.column as usize, first_over + 1);
}

#[test]
fn commands_over_the_limit_are_refused_containers_and_members_included() {
    let limits = Limits {
        max_commands: 3,
        ..Limits::DEFAULT
    };
    let alert = "<Alert><CmdID>1</CmdID></Alert>";
    // Atomic + 2 members = 3 commands: accepted.
    let three = body(&format!("<Atomic>{alert}{alert}</Atomic>"));
    assert!(pfw_syncml::SyncMl::decode(three.as_bytes(), &limits).is_ok());
    // Unknown elements count too.
    let four = body(&format!("<Atomic>{alert}{alert}</Atomic><Foo/>"));
    let error = refuse_with(four.as_bytes(), &limits);
    assert!(
        matches!(error, DecodeError::TooManyCommands { limit: 3, .. }),
        "{error:?}"
    );
}

#[test]
fn text_over_the_limit_is_refused_even_when_split_by_references() {
    let limits = Limits {
        max_text_bytes: 16,
        ..Limits::DEFAULT
    };
    let fits = body("<Alert><Data>0123456789abcdef</Data></Alert>");
    assert!(pfw_syncml::SyncMl::decode(fits.as_bytes(), &limits).is_ok());
    // Each text event is short, the element's decoded text is 17 bytes.
    let split = body("<Alert><Data>01234567&amp;89abcdef</Data></Alert>");
    let error = refuse_with(split.as_bytes(), &limits);
    assert!(
        matches!(&error, DecodeError::TextTooLong { element, limit: 16, .. } if element == "Data"),
        "{error:?}"
    );
    // One long text node anywhere, even inside an unknown element that is skipped.
    let skipped = body(&format!("<Foo>{}</Foo>", "x".repeat(17)));
    let error = refuse_with(skipped.as_bytes(), &limits);
    assert!(
        matches!(error, DecodeError::TextTooLong { limit: 16, .. }),
        "{error:?}"
    );
}
