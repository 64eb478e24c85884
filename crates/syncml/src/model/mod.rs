//! The SyncML message model: one Rust type per SyncML element, each with its reader
//! and writer beside it.
//!
//! Every element struct carries a `pos` ([`Pos`]), compared by `==` like every other
//! field; `SyncMl::without_positions` clears them, so
//! `decode(encode(m)).without_positions() == m` compares content only. Built messages use
//! `Pos::default()`; most structs implement [`Default`] for `..Default::default()`.
//!
//! [`Pos`]: crate::Pos

mod command;
mod common;
mod message;

/// A message's short texts (a `CmdID`, a `Format`, a `Type`, a status code, a `Data` such as
/// `true` or `4`): up to 24 bytes are held in place, without an allocation; a longer text is
/// held on the heap like a `String`. It derefs to `str` and compares with `&str` and `String`.
pub type Text = compact_str::CompactString;

pub(crate) use command::each_command;
pub use command::{
    Alert, CmdId, CmdIdFault, CmdName, Command, CommandHead, CommandKind, Container, ItemCommand,
    Malformed, MalformedReason, NotACommand, Results, Status, UnknownElement,
};
pub use common::{Chal, Cred, Data, Item, LocUri, Location, Meta, Source, Target};
pub use message::{SyncBody, SyncHdr, SyncMl};

#[cfg(test)]
mod tests {
    use crate::{CmdName, Command, CommandKind, Limits, Span, SyncMl, Text};

    #[test]
    fn elements_carry_the_bytes_they_were_read_from() {
        let text = "<SyncML><SyncBody>\n<Atomic><CmdID> 7</CmdID>\
            <Replace><CmdID>8</CmdID><Item><Target><LocURI>\n  ./a/b \n</LocURI></Target>\
            <Meta><f:Format xmlns:f=\"syncml:metinf\">int</f:Format></Meta><Data>4&amp;2</Data>\
            </Item><Item><Data/></Item></Replace></Atomic><Nope/><Final/></SyncBody></SyncML>";
        let message = SyncMl::decode(text.as_bytes(), &Limits::DEFAULT).unwrap();
        let at = |span: Span| &text[span.start..span.end];
        let atomic = &message.body.commands[0];
        assert_eq!(atomic.kind(), Some(CommandKind::Atomic));
        assert!(at(atomic.span()).starts_with("<Atomic><CmdID> 7"));
        assert!(at(atomic.span()).ends_with("</Replace></Atomic>"));
        assert_eq!(at(atomic.cmd_id_span().unwrap()), " 7");
        let Command::Atomic(container) = atomic else {
            panic!("{atomic:?}")
        };
        let replace = &container.commands[0];
        assert!(at(replace.span()).starts_with("<Replace><CmdID>8"));
        assert!(at(replace.span()).ends_with("</Item></Replace>"));
        assert_eq!(at(replace.cmd_id_span().unwrap()), "8");
        let Command::Replace(c) = replace else {
            panic!("{replace:?}")
        };
        let item = &c.items[0];
        assert!(at(item.span).starts_with("<Item><Target>"));
        assert!(at(item.span).ends_with("</Data></Item>"));
        assert_eq!(at(item.target.as_ref().unwrap().loc_uri.span), "./a/b");
        let meta = item.meta.as_ref().unwrap();
        assert_eq!(at(meta.format_span.unwrap()), "int");
        assert_eq!(at(item.data.as_ref().unwrap().content), "4&amp;2");
        // An empty-element tag's content: the empty span at its `<`.
        let empty = c.items[1].data.as_ref().unwrap().content;
        assert_eq!(
            (at(empty), &text[empty.start..empty.start + 7]),
            ("", "<Data/>")
        );
        let unknown = &message.body.commands[1];
        assert_eq!((unknown.kind(), at(unknown.span())), (None, "<Nope/>"));
        // Cleared with the positions.
        let cleared = message.without_positions();
        assert_eq!(cleared.body.commands[0].span(), Span::default());
        assert_eq!(cleared.body.commands[0].cmd_id_span(), None);
    }

    #[test]
    fn command_kinds_read_back_from_their_names() {
        for kind in CommandKind::ALL {
            assert_eq!(kind.as_str().parse::<CommandKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert!("add".parse::<CommandKind>().is_err());
        assert!("Final".parse::<CommandKind>().is_err());
    }

    #[test]
    fn a_cmd_is_typed_where_syncml_names_it_and_kept_as_written_elsewhere() {
        // (as written, as read): a Status's `Cmd` is `SyncHdr` for the header and otherwise
        // the request command's element name (OMA DM protocol 1.2, "Status", as summed up in
        // ../shared/reference/protocol-facts.md); element names are case-sensitive.
        let other = |name: &str| CmdName::Other(Text::from(name));
        let rows = [
            ("SyncHdr", CmdName::SyncHdr),
            ("Add", CmdName::Command(CommandKind::Add)),
            ("Get", CmdName::Command(CommandKind::Get)),
            ("Atomic", CmdName::Command(CommandKind::Atomic)),
            ("add", other("add")),
            ("synchdr", other("synchdr")),
            (" Get", other(" Get")),
            ("Final", other("Final")),
            ("", other("")),
        ];
        for (written, read) in rows {
            assert_eq!(CmdName::from(written), read, "{written:?}");
            assert_eq!(CmdName::from(Text::from(written)), read, "{written:?}");
            assert_eq!(read.as_str(), written, "{written:?}");
            assert_eq!(read, written, "{written:?}");
        }
        for kind in CommandKind::ALL {
            assert_eq!(CmdName::from(kind).kind(), Some(kind));
        }
        assert_eq!(CmdName::SyncHdr.kind(), None);
    }
}
