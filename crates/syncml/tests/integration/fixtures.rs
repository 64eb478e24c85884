//! The hand-written messages in `tests/data/`, each decoded and checked field by
//! field, then round-tripped.

use pfw_syncml::{AlertCode, CmdName, Command, CommandKind, StatusCode};

use crate::util::{assert_round_trip, command_as, decode, item_command};

#[test]
fn windows_session_package1_with_full_header() {
    let message = decode(include_str!("../data/windows-session-package1.xml"));
    let hdr = message.hdr.as_ref().expect("SyncHdr");
    assert_eq!(hdr.ver_dtd, "1.2");
    assert_eq!(hdr.ver_proto, "DM/1.2");
    assert_eq!(hdr.session_id, "1A");
    assert_eq!(hdr.msg_id, "1");
    let target = hdr.target.as_ref().expect("Target");
    assert_eq!(
        target.loc_uri.text,
        "https://mdm.example.test/ManagementServer/MDM.svc"
    );
    assert!(!target.loc_uri.trimmed);
    let source = hdr.source.as_ref().expect("Source");
    assert_eq!(source.loc_uri.text, "7C0F3B2A9E5D41C8B6A2F0E1D3C4B5A6");
    assert_eq!(source.loc_name.as_deref(), Some("enrollee"));
    let cred = hdr.cred.as_ref().expect("Cred");
    let cred_meta = cred.meta.as_ref().expect("Cred Meta");
    assert_eq!(cred_meta.format.as_deref(), Some("b64"));
    assert_eq!(cred_meta.type_.as_deref(), Some("syncml:auth-md5"));
    assert_eq!(cred.data, "q1w2e3r4t5y6u7i8o9p0aA==");
    let meta = hdr.meta.as_ref().expect("header Meta");
    assert_eq!(meta.max_msg_size.as_deref(), Some("524288"));

    let commands = &message.body.commands;
    assert_eq!(commands.len(), 3);
    let session = command_as!(&commands[0], Alert);
    assert_eq!(session.code(), Some(AlertCode::ClientInitiatedMgmt));
    assert!(session.items.is_empty());
    let event = command_as!(&commands[1], Alert);
    assert_eq!(event.code(), Some(AlertCode::ClientEvent));
    assert_eq!(event.items.len(), 1);
    let login = &event.items[0];
    let login_type = login.meta.as_ref().and_then(|m| m.type_.as_deref());
    assert_eq!(login_type, Some("com.microsoft/MDM/LoginStatus"));
    assert_eq!(login.data_text(), Some("user"));

    let replace = item_command(&commands[2]);
    assert_eq!(commands[2].name(), "Replace");
    let sources: Vec<_> = replace.items.iter().map(|i| i.source_uri()).collect();
    let nodes = ["DevId", "Man", "Mod", "DmV", "Lang"].map(|n| format!("./DevInfo/{n}"));
    assert_eq!(
        sources,
        nodes.iter().map(|n| Some(n.as_str())).collect::<Vec<_>>()
    );
    assert!(replace.items.iter().all(|i| i.target.is_none()));
    // `&amp;` is decoded.
    assert_eq!(replace.items[1].data_text(), Some("Contoso & Sons"));
    assert!(message.body.final_);
    assert_round_trip(&message);
}

#[test]
fn server_statuses_results_and_original_error() {
    let message = decode(include_str!(
        "../data/server-statuses-results-originalerror.xml"
    ));
    let commands = &message.body.commands;
    assert_eq!(commands.len(), 4);

    let hdr_status = command_as!(&commands[0], Status);
    assert_eq!(hdr_status.cmd_ref, "0");
    assert_eq!(hdr_status.cmd, CmdName::SyncHdr);
    assert_eq!(hdr_status.msg_ref.as_deref(), Some("1"));
    assert_eq!(hdr_status.code(), Some(StatusCode::Ok));
    assert_eq!(hdr_status.data.original_error, None);

    let failed = command_as!(&commands[1], Status);
    assert_eq!(failed.code(), Some(StatusCode::NotFound));
    assert_eq!(failed.cmd.kind(), Some(CommandKind::Add));
    assert_eq!(failed.data.original_error.as_deref(), Some("0x86000002"));
    assert_eq!(failed.target_refs.len(), 1);
    assert!(failed.target_refs[0].ends_with("FacialFeatureUseEnhancedAntiSpoofing"));

    let challenge = command_as!(&commands[2], Status);
    let chal = challenge.chal.as_ref().expect("Chal");
    assert_eq!(chal.meta.type_.as_deref(), Some("syncml:auth-md5"));
    assert_eq!(chal.meta.format.as_deref(), Some("b64"));
    assert_eq!(chal.meta.next_nonce.as_deref(), Some("bm9uY2Utb25l"));
    assert_eq!(challenge.code(), Some(StatusCode::InvalidCredentials));

    let results = command_as!(&commands[3], Results);
    assert_eq!(results.cmd_ref, "5");
    assert_eq!(results.cmd, Some(CmdName::Command(CommandKind::Get)));
    let read: Vec<_> = results
        .items
        .iter()
        .map(|i| {
            (
                i.source_uri(),
                i.meta.as_ref().and_then(|m| m.format.as_deref()),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            (Some("./DevDetail/SwV"), Some("chr")),
            (Some("./Device/Vendor/MSFT/PassportForWork"), Some("node")),
        ]
    );

    // The encoder declares the msft prefix on SyncBody because one Data uses it.
    let encoded = message.encode();
    assert!(
        encoded
            .contains(r#"<SyncBody xmlns:msft="http://schemas.microsoft.com/MobileDevice/MDM">"#)
    );
    assert!(encoded.contains(r#"<Data msft:originalerror="0x86000002">404</Data>"#));
    assert_round_trip(&message);
}

#[test]
fn atomic_and_sequence_nest_and_keep_order() {
    let message = decode(include_str!(
        "../data/atomic-sequence-nesting-list-query.xml"
    ));
    let commands = &message.body.commands;
    assert_eq!(commands.len(), 2);
    let atomic = command_as!(&commands[0], Atomic);
    assert_eq!(atomic.head.cmd_id.as_ref().map(|c| c.as_str()), Some("10"));
    let names: Vec<_> = atomic.commands.iter().map(Command::name).collect();
    assert_eq!(names, ["Add", "Sequence"]);
    let inner = command_as!(&atomic.commands[1], Sequence);
    assert!(inner.no_resp);
    let ids: Vec<_> = inner
        .commands
        .iter()
        .map(|c| c.cmd_id().map(|id| id.as_str()))
        .collect();
    assert_eq!(ids, [Some("13"), Some("14")]);
    // Command-level Meta applies to the item, which has none of its own.
    let replace = item_command(&inner.commands[0]);
    assert!(replace.items[0].meta.is_none());
    assert_eq!(replace.format_of(&replace.items[0]), Some("bool"));
    let empty = command_as!(&inner.commands[1], Atomic);
    assert!(empty.commands.is_empty());

    let sequence = command_as!(&commands[1], Sequence);
    let names: Vec<_> = sequence.commands.iter().map(Command::name).collect();
    assert_eq!(names, ["Get", "Delete", "Exec"]);
    let get = item_command(&sequence.commands[0]);
    assert_eq!(
        get.items[0].target_uri(),
        Some("./Device/Vendor/MSFT/PassportForWork?list=StructData")
    );
    // CDATA is text.
    let exec = item_command(&sequence.commands[2]);
    assert_eq!(exec.items[0].data_text(), Some(r#"--flag <x> & "y""#));
    assert_round_trip(&message);
}

#[test]
fn meta_children_with_prefixed_metinf_namespace() {
    let message = decode(include_str!("../data/meta-prefixed-metinf-namespace.xml"));
    let replace = item_command(&message.body.commands[0]);
    let command_meta = replace.meta.as_ref().expect("command Meta");
    assert_eq!(command_meta.format.as_deref(), Some("int"));
    assert_eq!(command_meta.type_.as_deref(), Some("text/plain"));
    // The item's Meta: prefix bound on the Meta itself, namespace in upper case;
    // EMI skipped; children in other namespaces skipped.
    let item_meta = replace.items[0].meta.as_ref().expect("item Meta");
    assert_eq!(item_meta.format.as_deref(), Some("int"));
    assert_eq!(item_meta.size.as_deref(), Some("2"));
    assert_eq!(item_meta.mark, None);
    assert_eq!(item_meta.type_, None);
    // Field-wise fallback: the item has no Type, the command's applies.
    assert_eq!(replace.type_of(&replace.items[0]), Some("text/plain"));

    // Inline XML in Data is kept verbatim as text.
    let add = item_command(&message.body.commands[1]);
    assert_eq!(
        add.items[0].data_text(),
        Some(
            r#"<wap-provisioningdoc><characteristic type="Example"><parm name="A" value="1 &amp; 2"/></characteristic></wap-provisioningdoc>"#
        )
    );
    assert!(!message.body.final_);
    assert_round_trip(&message);
}
