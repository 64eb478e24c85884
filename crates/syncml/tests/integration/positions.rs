//! Positions: 1-based line and column in characters, of element starts and of the
//! first character of a LocURI.

use pfw_syncml::{Command, DecodeError};

use crate::util::{command_as, decode, item_command, refuse};

#[test]
fn command_on_a_line_with_multibyte_characters() {
    // Line 3 is `<!--é😀--><Get>…`: é and 😀 are one character each, so `<Get` is
    // column 10 although it starts at byte 14 of the line.
    let text = "<SyncML><SyncBody>\n<!-- ünïcödé -->\n<!--é😀--><Get><CmdID>1</CmdID><Item><Target>\n   <LocURI>\n\t  ./Device/é😀/x\n  </LocURI></Target></Item></Get>\n</SyncBody></SyncML>";
    let message = decode(text);
    let command = &message.body.commands[0];
    assert!(matches!(command, Command::Get(_)));
    let pos = command.pos();
    assert_eq!((pos.line, pos.column), (3, 10));
    let item = &item_command(command).items[0];
    // `<Item` follows `<Get><CmdID>1</CmdID>` (21 characters) on the same line.
    assert_eq!((item.pos.line, item.pos.column), (3, 10 + 21));
    let target = item.target.as_ref().unwrap();
    assert_eq!((target.loc_uri.pos.line, target.loc_uri.pos.column), (5, 4));
    assert_eq!(target.loc_uri.text, "./Device/é😀/x");
    assert_eq!((message.body.pos.line, message.body.pos.column), (1, 9));
    assert_eq!((message.pos.line, message.pos.column), (1, 1));
}

#[test]
fn loc_uri_after_multibyte_characters_on_its_line() {
    let text = "<SyncML><SyncBody><Get><CmdID>1</CmdID><Item>\n<Target><LocName>é😀</LocName><LocURI>  ./é</LocURI></Target></Item></Get></SyncBody></SyncML>";
    let message = decode(text);
    let target = item_command(&message.body.commands[0]).items[0]
        .target
        .as_ref()
        .unwrap();
    // `<Target><LocName>` is 17 characters, `é😀` 2, `</LocName><LocURI>` 18, then
    // two spaces: the URI starts at column 17 + 2 + 18 + 2 + 1 = 40.
    assert_eq!(
        (target.loc_uri.pos.line, target.loc_uri.pos.column),
        (2, 40)
    );
    assert_eq!((target.pos.line, target.pos.column), (2, 1));
    assert_eq!(target.loc_name.as_deref(), Some("é😀"));
}

#[test]
fn loc_uri_position_points_at_the_uri_not_the_tag() {
    let text = "<SyncML><SyncBody><Add><CmdID>1</CmdID><Item><Target><LocURI>  <![CDATA[ ./x]]></LocURI></Target></Item></Add></SyncBody></SyncML>";
    let message = decode(text);
    let uri = &item_command(&message.body.commands[0]).items[0]
        .target
        .as_ref()
        .unwrap()
        .loc_uri;
    // The first non-whitespace character is the `.` inside the CDATA section.
    let dot = text.find("./x").unwrap();
    assert_eq!((uri.pos.line, uri.pos.column as usize), (1, dot + 1));
    assert_eq!(uri.text, "./x");
}

#[test]
fn malformed_reason_points_at_the_offending_child() {
    let text =
        "<SyncML><SyncBody>\n<Add><CmdID>1</CmdID>\n  <Bogus/><Item/></Add></SyncBody></SyncML>";
    let message = decode(text);
    let m = command_as!(&message.body.commands[0], Malformed);
    assert_eq!((m.head.pos.line, m.head.pos.column), (2, 1));
    assert_eq!((m.reason_pos.line, m.reason_pos.column), (3, 3));
}

#[test]
fn error_positions_count_characters() {
    let error = refuse(
        "<SyncML><SyncBody>\n  <Alert><Data>é😀&bogus;</Data></Alert></SyncBody></SyncML>"
            .as_bytes(),
    );
    let DecodeError::UndeclaredEntity { name, pos } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(name, "bogus");
    assert_eq!((pos.line, pos.column), (2, 18));
}
