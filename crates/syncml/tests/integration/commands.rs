//! Unknown elements and malformed commands: the message still decodes, the element
//! is kept for the engine to answer 400 (WinOMA: unknown element → 400).

use pfw_syncml::{Command, CommandKind, Malformed, MalformedReason, UnknownElement};

use crate::util::{assert_round_trip, body, command_as, decode, item_command};

const ADD: &str = "<Add><CmdID>9</CmdID><Item><Target><LocURI>./a</LocURI></Target></Item></Add>";

fn malformed(command: &Command) -> &Malformed {
    match command {
        Command::Malformed(m) => m,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn unknown(command: &Command) -> &UnknownElement {
    match command {
        Command::Unknown(u) => u,
        other => panic!("expected Unknown, got {other:?}"),
    }
}

#[test]
fn unknown_element_in_body_keeps_its_cmd_id_and_the_rest_decodes() {
    let message = decode(&body(&format!(
        "<Foo><CmdID>4</CmdID><Bar><CmdID>5</CmdID></Bar>text</Foo>{ADD}"
    )));
    let commands = &message.body.commands;
    assert_eq!(commands.len(), 2);
    let foo = unknown(&commands[0]);
    assert_eq!(foo.name, "Foo");
    assert_eq!(foo.head.cmd_id.as_ref().map(|c| c.as_str()), Some("4"));
    assert_eq!(commands[0].name(), "Foo");
    assert_eq!(commands[1].name(), "Add");
    assert_round_trip(&message);
}

#[test]
fn unknown_element_cmd_id_is_only_a_direct_child() {
    let message = decode(&body("<Map><Item><CmdID>5</CmdID></Item></Map><Sync/>"));
    assert_eq!(unknown(&message.body.commands[0]).head.cmd_id, None);
    assert_eq!(unknown(&message.body.commands[1]).name, "Sync");
}

#[test]
fn unknown_element_inside_atomic_and_final_inside_a_container() {
    let message = decode(&body(&format!(
        "<Atomic><CmdID>1</CmdID><Put><CmdID>2</CmdID></Put><Final/>{ADD}</Atomic>"
    )));
    let atomic = command_as!(&message.body.commands[0], Atomic);
    let names: Vec<_> = atomic.commands.iter().map(Command::name).collect();
    assert_eq!(names, ["Put", "Final", "Add"]);
    assert!(!message.body.final_);
}

/// `case: body => (element, CmdID, reason)` — a broken command decodes as
/// `Malformed`; the next command still decodes.
macro_rules! malformed {
    ($($name:ident: $body:expr => ($element:expr, $cmd_id:expr, $reason:pat);)*) => {$(
        #[test]
        fn $name() {
            let message = decode(&body(&format!("{}{ADD}", $body)));
            let commands = &message.body.commands;
            assert_eq!(commands.len(), 2, "{commands:?}");
            let m = malformed(&commands[0]);
            assert_eq!(m.element.as_str(), $element);
            assert_eq!(commands[0].name(), $element);
            assert_eq!(m.head.cmd_id.as_ref().map(|c| c.as_str()), $cmd_id);
            assert!(matches!(m.reason, $reason), "{:?}", m.reason);
            assert_eq!(item_command(&commands[1]).items[0].target_uri(), Some("./a"));
        }
    )*};
}

malformed! {
    // OMA-DMP §4.1.6.1: "One or more Item element types MUST be specified".
    add_without_item: "<Add><CmdID>2</CmdID></Add>"
        => ("Add", Some("2"), MalformedReason::MissingElement { element: "Item" });
    add_with_unknown_child: "<Add><CmdID>2</CmdID><Item/><Correlator>x</Correlator></Add>"
        => ("Add", Some("2"), MalformedReason::UnexpectedElement { .. });
    add_with_two_cmd_ids: "<Add><CmdID>2</CmdID><CmdID>3</CmdID><Item/></Add>"
        => ("Add", Some("2"), MalformedReason::DuplicateElement { element: "CmdID" });
    // The CmdID after the error is still found, so the Status can reference it.
    cmd_id_after_the_error: "<Replace><Item><Target/></Item><CmdID>5</CmdID></Replace>"
        => ("Replace", Some("5"), MalformedReason::MissingElement { element: "LocURI" });
    text_inside_a_command: "<Get><CmdID>6</CmdID>stray<Item/></Get>"
        => ("Get", Some("6"), MalformedReason::UnexpectedText);
    element_inside_a_text_element: "<Delete><CmdID>7</CmdID><Item><Target><LocURI>./x<b/></LocURI></Target></Item></Delete>"
        => ("Delete", Some("7"), MalformedReason::UnexpectedElement { .. });
    no_resp_with_content: "<Exec><CmdID>8</CmdID><NoResp>yes</NoResp><Item/></Exec>"
        => ("Exec", Some("8"), MalformedReason::UnexpectedText);
    // MS-MDM §2.2.6.1 Status syntax: CmdRef, Cmd and Data are mandatory.
    status_without_cmd_ref: "<Status><CmdID>1</CmdID><Cmd>Add</Cmd><Data>200</Data></Status>"
        => ("Status", Some("1"), MalformedReason::MissingElement { element: "CmdRef" });
    status_without_data: "<Status><CmdID>1</CmdID><CmdRef>2</CmdRef><Cmd>Add</Cmd></Status>"
        => ("Status", Some("1"), MalformedReason::MissingElement { element: "Data" });
    results_without_item: "<Results><CmdID>3</CmdID><CmdRef>2</CmdRef></Results>"
        => ("Results", Some("3"), MalformedReason::MissingElement { element: "Item" });
    alert_with_two_data: "<Alert><CmdID>4</CmdID><Data>1201</Data><Data>1224</Data></Alert>"
        => ("Alert", Some("4"), MalformedReason::DuplicateElement { element: "Data" });
    atomic_with_two_meta: "<Atomic><CmdID>5</CmdID><Meta/><Add><CmdID>6</CmdID><Item/></Add><Meta/></Atomic>"
        => ("Atomic", Some("5"), MalformedReason::DuplicateElement { element: "Meta" });
    sequence_with_text: "<Sequence>stray<CmdID>6</CmdID></Sequence>"
        => ("Sequence", Some("6"), MalformedReason::UnexpectedText);
    item_with_two_data: "<Add><CmdID>2</CmdID><Item><Data>1</Data><Data>2</Data></Item></Add>"
        => ("Add", Some("2"), MalformedReason::DuplicateElement { element: "Data" });
}

#[test]
fn malformed_member_does_not_break_its_container() {
    let message = decode(&body(&format!(
        "<Sequence><CmdID>1</CmdID><Add><CmdID>2</CmdID></Add>{ADD}</Sequence>"
    )));
    let sequence = command_as!(&message.body.commands[0], Sequence);
    assert_eq!(sequence.head.cmd_id.as_ref().map(|c| c.as_str()), Some("1"));
    assert_eq!(malformed(&sequence.commands[0]).element, CommandKind::Add);
    assert_eq!(sequence.commands[1].name(), "Add");
}

#[test]
fn malformed_writes_only_its_name_and_cmd_id() {
    let message = decode(&body("<Add><CmdID>2</CmdID></Add><Add/>"));
    assert_eq!(message.encode(), body("<Add><CmdID>2</CmdID></Add><Add/>"));
}

#[test]
fn data_whitespace_is_significant_and_loc_uri_whitespace_is_trimmed() {
    let message = decode(&body(concat!(
        "<Replace><CmdID>1</CmdID>",
        "<Item><Target><LocURI>\n  ./a b/c \t</LocURI></Target><Data> </Data></Item>",
        "<Item><Target><LocURI>./d</LocURI></Target><Data/></Item>",
        "<Item><Target><LocURI>./e</LocURI></Target><Data>\r\n x \r</Data></Item>",
        "</Replace>"
    )));
    let replace = item_command(&message.body.commands[0]);
    let first = replace.items[0].target.as_ref().unwrap();
    assert_eq!(first.loc_uri.text, "./a b/c");
    assert!(first.loc_uri.trimmed);
    assert!(!replace.items[1].target.as_ref().unwrap().loc_uri.trimmed);
    assert_eq!(replace.items[0].data_text(), Some(" "));
    assert_eq!(replace.items[1].data_text(), Some(""));
    // XML 1.0 §2.11: CR LF and lone CR read as LF.
    assert_eq!(replace.items[2].data_text(), Some("\n x \n"));
    assert_round_trip(&message);
}

#[test]
fn whitespace_around_comments_references_and_cdata_in_text_is_kept() {
    let message = decode(&body(concat!(
        "<Alert><CmdID> 7 </CmdID><Data> a <!-- note --> b\t</Data>",
        "<Item><Data> &amp; <![CDATA[ c ]]> </Data></Item></Alert>",
        "<Foo>\n<CmdID>\n 8<!-- x --> </CmdID></Foo>"
    )));
    let alert = command_as!(&message.body.commands[0], Alert);
    assert_eq!(alert.head.cmd_id.as_ref().map(|c| c.as_str()), Some(" 7 "));
    assert_eq!(alert.data.as_deref(), Some(" a  b\t"));
    assert_eq!(alert.items[0].data_text(), Some(" &  c  "));
    let foo = unknown(&message.body.commands[1]);
    assert_eq!(foo.head.cmd_id.as_ref().map(|c| c.as_str()), Some("\n 8 "));
    assert_round_trip(&message);
}

#[test]
fn references_decode_in_text_and_attributes() {
    let message = decode(&body(concat!(
        "<Status><CmdID>1</CmdID><CmdRef>2</CmdRef><Cmd>Add</Cmd>",
        "<Data msft:originalerror=\"0x8&#x36;000002\">&#52;0&#x34;</Data></Status>",
        "<Alert><CmdID>&#x32;</CmdID><Data>&lt;&gt;&amp;&apos;&quot;</Data></Alert>"
    )));
    let status = command_as!(&message.body.commands[0], Status);
    assert_eq!(status.data.text, "404");
    assert_eq!(status.data.original_error.as_deref(), Some("0x86000002"));
    let alert = command_as!(&message.body.commands[1], Alert);
    assert_eq!(alert.head.cmd_id.as_ref().map(|c| c.as_str()), Some("2"));
    assert_eq!(alert.data.as_deref(), Some("<>&'\""));
}

#[test]
fn root_namespace_and_meta_namespace_in_any_case() {
    let message = decode(concat!(
        "<SyncML xmlns=\"SyncML:SyncML1.2\"><SyncBody><Add><CmdID>1</CmdID><Item>",
        "<Meta><Format xmlns=\"SYNCML:METINF\">int</Format><Type xmlns=\"urn:other\">x</Type></Meta>",
        "</Item></Add></SyncBody></SyncML>"
    ));
    let add = item_command(&message.body.commands[0]);
    let meta = add.items[0].meta.as_ref().unwrap();
    assert_eq!(meta.format.as_deref(), Some("int"));
    // A Type in another namespace is not the metinf Type.
    assert_eq!(meta.type_, None);
}

/// `<SyncHdr/>`, the local form Windows's local API answers with (Microsoft Learn,
/// DeviceManageability CSP, "Result of the query"), decodes as the empty header and encodes
/// back as `<SyncHdr/>`; a header with some but not all of its required elements is refused.
#[test]
fn the_local_sync_hdr_round_trips_and_a_partial_one_is_refused() {
    let local =
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/><SyncBody><Final/></SyncBody></SyncML>";
    let message = pfw_syncml::SyncMl::decode(local.as_bytes(), &pfw_syncml::Limits::DEFAULT)
        .expect("<SyncHdr/> decodes");
    assert!(message.hdr.as_ref().is_some_and(|h| h.is_local()));
    assert_eq!(message.encode(), local);
    assert_round_trip(&message);
    let partial = "<SyncML><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr><SyncBody/></SyncML>";
    assert!(
        pfw_syncml::SyncMl::decode(partial.as_bytes(), &pfw_syncml::Limits::DEFAULT).is_err(),
        "VerProto, SessionID and MsgID are required once the header has any element"
    );
}

#[test]
fn syncml_namespace_declared_anywhere_and_other_namespaces_where_allowed() {
    // README "Refused messages": SyncML's namespace (or none, or `xmlns=""`) may be declared
    // on any element; Meta's children take syncml:metinf or others; Data holds anything.
    let message = decode(concat!(
        "<SyncML xmlns=\"\"><SyncBody xmlns=\"SYNCML:SYNCML1.2\"><Add xmlns=\"syncml:syncml1.2\"><CmdID>1</CmdID><Item>",
        "<Meta><Format xmlns=\"syncml:metinf\">xml</Format><Type xmlns=\"urn:other\">x</Type></Meta>",
        "<Data><a xmlns=\"urn:payload\">1</a><!-- - a - --></Data>",
        "</Item></Add></SyncBody></SyncML>"
    ));
    let add = item_command(&message.body.commands[0]);
    assert_eq!(
        add.items[0].meta.as_ref().unwrap().format.as_deref(),
        Some("xml")
    );
    assert!(
        add.items[0]
            .data_text()
            .is_some_and(|d| d.contains("urn:payload"))
    );
}

#[test]
fn cmd_id_faults() {
    use pfw_syncml::{CmdId, CmdIdFault};
    // DESIGN row 1, README "CmdID": [WinOMA] no CmdID → 400; [MS-MDM] §2.2.6.1 never 0.
    // Surrounding XML whitespace does not count; zero is zero however many digits it has.
    #[rustfmt::skip]
    let cases: &[(&str, Option<CmdIdFault>)] = &[
        ("", Some(CmdIdFault::Missing)),
        ("   ", Some(CmdIdFault::Missing)),
        ("\t\r\n ", Some(CmdIdFault::Missing)),
        ("0", Some(CmdIdFault::Zero)),
        ("00", Some(CmdIdFault::Zero)),
        (" 0 ", Some(CmdIdFault::Zero)),
        ("\n000\n", Some(CmdIdFault::Zero)),
        ("1", None),
        ("01", None),
        (" 7 ", None),
        ("10", None),
        ("abc", None),
        ("-0", None),
        ("\u{a0}", None),
    ];
    for (text, expected) in cases {
        let id = CmdId::from(*text);
        assert_eq!(id.fault(), *expected, "{text:?}");
        assert_eq!(id.is_valid(), expected.is_none(), "{text:?}");
    }
    assert_eq!(CmdIdFault::Missing.to_string(), "the command has no CmdID");
    assert_eq!(
        CmdIdFault::Zero.to_string(),
        "CmdID 0 is reserved for the SyncHdr"
    );
}
