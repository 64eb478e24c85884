//! Property tests: every message the model can express with a valid grammar encodes
//! to text that decodes back to the same message, and no input makes the decoder
//! panic.
//!
//! The generator produces nested containers, every command, odd text (unicode, `<&>`,
//! `]]>`, CR, tabs, whitespace-only and empty strings, characters from the C1 range)
//! and leaves optional fields out at random. `LocURI` text is generated trimmed (the
//! decoder trims it); `Data` text is not (its whitespace is significant).
//! Commands the grammar requires items for get at least one.

use proptest::prelude::*;

use pfw_syncml::{
    Alert, Chal, CmdId, CmdName, Command, CommandHead, CommandKind, Container, Cred, Data, Item,
    ItemCommand, Limits, Meta, Results, Source, Status, SyncBody, SyncHdr, SyncMl, Target, Text,
    UnknownElement,
};

/// A character XML 1.0 can carry (any other is not representable in a message).
fn xml_char() -> BoxedStrategy<char> {
    any::<char>().prop_filter("XML 1.0 character", |&c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    })
    .boxed()
}

/// Text with the awkward cases over-represented.
fn text() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("]]>".to_owned()),
        Just("<&>\"'".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("\t \n".to_owned()),
        Just("&amp;".to_owned()),
        Just("é😀\u{85}\u{7F}\u{FFFD}".to_owned()),
        "[a-zA-Z0-9./?=-]{1,8}",
        prop::collection::vec(xml_char(), 1..6).prop_map(|v| v.into_iter().collect()),
    ];
    prop::collection::vec(piece, 0..4)
        .prop_map(|pieces| pieces.concat())
        .boxed()
}

/// A URI as the decoder returns it: no XML whitespace at either end.
fn uri() -> BoxedStrategy<String> {
    text()
        .prop_map(|t| {
            t.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                .to_owned()
        })
        .boxed()
}

/// [`text`] as a message's short text type.
fn short() -> BoxedStrategy<Text> {
    text().prop_map(Text::from).boxed()
}

/// A `Cmd`: `SyncHdr`, every command's name, or any other text, read as the decoder reads it.
fn cmd_name() -> BoxedStrategy<CmdName> {
    let typed = prop_oneof![
        Just("SyncHdr".to_owned()),
        prop::sample::select(CommandKind::ALL.map(|k| k.as_str().to_owned()).to_vec()),
    ];
    prop_oneof![typed, text()]
        .prop_map(|name| CmdName::from(name.as_str()))
        .boxed()
}

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn meta() -> BoxedStrategy<Meta> {
    (
        (opt(short()), opt(short()), opt(short()), opt(short())),
        (opt(short()), opt(short()), opt(short()), opt(short())),
    )
        .prop_map(
            |((format, type_, mark, size), (next_nonce, version, max_msg_size, max_obj_size))| {
                Meta {
                    format,
                    type_,
                    mark,
                    size,
                    next_nonce,
                    version,
                    max_msg_size,
                    max_obj_size,
                    ..Meta::default()
                }
            },
        )
        .boxed()
}

fn data() -> BoxedStrategy<Data> {
    (short(), opt(text()))
        .prop_map(|(text, original_error)| Data {
            text,
            original_error,
            ..Data::default()
        })
        .boxed()
}

fn target() -> BoxedStrategy<Target> {
    (uri(), opt(text()))
        .prop_map(|(uri, name)| Target {
            loc_name: name,
            ..Target::new(uri)
        })
        .boxed()
}

fn source() -> BoxedStrategy<Source> {
    (uri(), opt(text()))
        .prop_map(|(uri, name)| Source {
            loc_name: name,
            ..Source::new(uri)
        })
        .boxed()
}

fn item() -> BoxedStrategy<Item> {
    (
        opt(target()),
        opt(source()),
        opt(meta()),
        opt(data()),
        any::<bool>(),
    )
        .prop_map(|(target, source, meta, data, more_data)| Item {
            target,
            source,
            meta,
            data,
            more_data,
            ..Item::default()
        })
        .boxed()
}

fn cmd_id() -> BoxedStrategy<Option<CmdId>> {
    opt(prop_oneof![
        (0u32..100).prop_map(CmdId::from),
        text().prop_map(CmdId::new)
    ])
    .boxed()
}

fn cred() -> BoxedStrategy<Cred> {
    (opt(meta()), text())
        .prop_map(|(meta, data)| Cred {
            meta,
            data,
            ..Cred::default()
        })
        .boxed()
}

fn item_command() -> BoxedStrategy<ItemCommand> {
    (
        cmd_id(),
        any::<bool>(),
        opt(cred()),
        opt(meta()),
        prop::collection::vec(item(), 1..3),
    )
        .prop_map(|(cmd_id, no_resp, cred, meta, items)| ItemCommand {
            head: CommandHead::new(cmd_id),
            no_resp,
            cred: cred.map(Box::new),
            meta: meta.map(Box::new),
            items,
        })
        .boxed()
}

fn alert() -> BoxedStrategy<Alert> {
    (
        cmd_id(),
        any::<bool>(),
        opt(cred()),
        opt(short()),
        prop::collection::vec(item(), 0..3),
    )
        .prop_map(|(cmd_id, no_resp, cred, data, items)| Alert {
            head: CommandHead::new(cmd_id),
            no_resp,
            cred: cred.map(Box::new),
            data,
            items,
        })
        .boxed()
}

fn refs() -> BoxedStrategy<Vec<String>> {
    prop::collection::vec(text(), 0..3).boxed()
}

fn status() -> BoxedStrategy<Status> {
    (
        (
            cmd_id(),
            opt(short()),
            text().prop_map(CmdId::from),
            cmd_name(),
        ),
        (
            opt(cred()),
            opt(meta().prop_map(|meta| Chal {
                meta,
                ..Chal::default()
            })),
        ),
        (refs(), refs(), data(), prop::collection::vec(item(), 0..2)),
    )
        .prop_map(
            |(
                (cmd_id, msg_ref, cmd_ref, cmd),
                (cred, chal),
                (target_refs, source_refs, data, items),
            )| {
                Status {
                    head: CommandHead::new(cmd_id),
                    msg_ref,
                    cmd_ref,
                    cmd,
                    cred: cred.map(Box::new),
                    chal: chal.map(Box::new),
                    target_refs,
                    source_refs,
                    data,
                    items,
                }
            },
        )
        .boxed()
}

fn results() -> BoxedStrategy<Results> {
    (
        (
            cmd_id(),
            opt(short()),
            text().prop_map(CmdId::from),
            opt(cmd_name()),
            opt(meta()),
        ),
        (refs(), refs(), prop::collection::vec(item(), 1..3)),
    )
        .prop_map(
            |((cmd_id, msg_ref, cmd_ref, cmd, meta), (target_refs, source_refs, items))| Results {
                head: CommandHead::new(cmd_id),
                msg_ref,
                cmd_ref,
                cmd,
                meta: meta.map(Box::new),
                target_refs,
                source_refs,
                items,
            },
        )
        .boxed()
}

fn unknown() -> BoxedStrategy<UnknownElement> {
    (
        prop::sample::select(vec![
            "Foo",
            "Map",
            "Sync",
            "Put",
            "Search",
            "Correlator",
            "x:Ext",
        ]),
        cmd_id(),
    )
        .prop_map(|(name, cmd_id)| UnknownElement {
            name: name.to_owned(),
            head: CommandHead::new(cmd_id),
        })
        .boxed()
}

fn leaf() -> BoxedStrategy<Command> {
    prop_oneof![
        item_command().prop_map(Command::Add),
        alert().prop_map(Command::Alert),
        item_command().prop_map(Command::Copy),
        item_command().prop_map(Command::Delete),
        item_command().prop_map(Command::Exec),
        item_command().prop_map(Command::Get),
        item_command().prop_map(Command::Replace),
        results().prop_map(Command::Results),
        status().prop_map(Command::Status),
        unknown().prop_map(Command::Unknown),
    ]
    .boxed()
}

fn command() -> BoxedStrategy<Command> {
    leaf()
        .prop_recursive(4, 24, 4, |inner| {
            (
                any::<bool>(),
                cmd_id(),
                any::<bool>(),
                opt(meta()),
                prop::collection::vec(inner, 0..4),
            )
                .prop_map(|(atomic, cmd_id, no_resp, meta, commands)| {
                    let container = Container {
                        head: CommandHead::new(cmd_id),
                        no_resp,
                        meta: meta.map(Box::new),
                        commands,
                    };
                    if atomic {
                        Command::Atomic(container)
                    } else {
                        Command::Sequence(container)
                    }
                })
        })
        .boxed()
}

fn header() -> BoxedStrategy<SyncHdr> {
    (
        (text(), text(), text(), text()),
        (
            opt(target()),
            opt(source()),
            opt(text()),
            opt(cred()),
            opt(meta()),
        ),
    )
        .prop_map(
            |((ver_dtd, ver_proto, session_id, msg_id), (target, source, resp_uri, cred, meta))| {
                SyncHdr {
                    ver_dtd,
                    ver_proto,
                    session_id,
                    msg_id,
                    target,
                    source,
                    resp_uri,
                    cred,
                    meta,
                    ..SyncHdr::default()
                }
            },
        )
        .boxed()
}

fn message() -> BoxedStrategy<SyncMl> {
    (
        opt(header()),
        prop::collection::vec(command(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(hdr, commands, final_)| SyncMl {
            hdr,
            body: SyncBody {
                commands,
                final_,
                ..SyncBody::default()
            },
            ..SyncMl::default()
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_of_encode_is_identity(message in message()) {
        let encoded = message.encode();
        let decoded = SyncMl::decode(encoded.as_bytes(), &Limits::DEFAULT);
        prop_assert!(decoded.is_ok(), "{:?}\n{}", decoded, encoded);
        let decoded = decoded.unwrap();
        // The generated message is built in code (every position 0:0); the decoded one
        // knows where each element was read: content is compared without positions.
        prop_assert_eq!(&decoded.clone().without_positions(), &message, "{}", encoded);
        // Encoding is stable.
        prop_assert_eq!(decoded.encode(), encoded);
    }

    #[test]
    fn decode_never_panics_on_mutated_messages(
        message in message(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = message.encode().into_bytes();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        // Any result is fine; a panic or a hang is not.
        let _ = SyncMl::decode(&bytes, &Limits::DEFAULT);
    }

    #[test]
    fn decode_never_panics_on_arbitrary_text(input in ".{0,200}") {
        let _ = SyncMl::decode(input.as_bytes(), &Limits::DEFAULT);
        let wrapped = format!("<SyncML><SyncBody>{input}</SyncBody></SyncML>");
        let _ = SyncMl::decode(wrapped.as_bytes(), &Limits::DEFAULT);
    }
}
