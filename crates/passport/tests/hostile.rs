//! The hostile-input corpus: messages an attacker or a broken server could send, each with its
//! pinned outcome, run against both backends through the whole engine with pfw's
//! PassportForWork CSP.
//!
//! A case is either answered (the statuses of its commands, in order) or refused whole (the
//! exact `DecodeError` variant). Every case runs on a device that already holds policy in its
//! own tree and in a user's; a refused message must leave that state logically unchanged (the
//! same `pfw_tree::dump`), on the SQLite backend as on the memory one. Each line says where its
//! expectation comes from: DESIGN.md's decisions ("Untrusted input", the ordered checks, the
//! values and containers rules), the README's Limits table, or XML 1.0.
//!
//! Times and memory are not asserted here. With `PFW_HOSTILE_TIMES=1` each case prints how
//! long its slowest backend took and the most heap either backend's run allocated at once
//! (counted by the test's global allocator); `bench/hostile.sh` runs that in a release build,
//! reports the slowest cases and checks every peak against 32 MiB plus 8× the input's size.

mod support;

use std::time::{Duration, Instant};

use peak_alloc::PeakAlloc;

use pfw_engine::{EngineError, Options};
use pfw_syncml::{DecodeError, Limits};
use support::{Backend, Device, SEED_2019, TENANT, add, cmd, get, message, seed_example};

/// Counts the heap every case allocates (`bench/hostile.sh` reads the peaks).
#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// What a message gets.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// It decodes; its commands' statuses, in order.
    Statuses(Vec<u16>),
    /// It is refused whole with this `DecodeError` variant.
    Refused(&'static str),
}

use Expect::{Refused, Statuses};

fn codes(codes: &[u16]) -> Expect {
    Statuses(codes.to_vec())
}

/// One hostile message.
struct Case {
    name: &'static str,
    source: &'static str,
    input: Vec<u8>,
    expect: Expect,
    /// Run without a user (`./User` URIs then get 405).
    no_user: bool,
}

fn case(
    name: &'static str,
    source: &'static str,
    input: impl Into<Vec<u8>>,
    expect: Expect,
) -> Case {
    Case {
        name,
        source,
        input: input.into(),
        expect,
        no_user: false,
    }
}

const USER: &str = "alice@example.com";
const P: &str = "./Device/Vendor/MSFT/PassportForWork";
const U: &str = "./User/Vendor/MSFT/PassportForWork";

fn pol(leaf: &str) -> String {
    format!("{P}/{TENANT}/Policies/{leaf}")
}

/// The statuses of a message of one command.
fn code(code: u16) -> Expect {
    Statuses(vec![code])
}

/// A message of one Get (CmdID 2) of `uri`.
fn get_msg(uri: &str) -> Vec<u8> {
    body(&get(2, uri))
}

/// A message of one Add (CmdID 2) of `uri` with this Format and Data.
fn add_msg(uri: &str, format: &str, data: &str) -> Vec<u8> {
    body(&add(2, uri, format, data))
}

/// A message whose body is `commands`, as bytes.
fn body(commands: &str) -> Vec<u8> {
    message(commands).into_bytes()
}

/// `message(…)` with `needle` in the body replaced by raw bytes (for inputs that are not UTF-8).
fn with_bytes(commands: &str, needle: &str, bytes: &[u8]) -> Vec<u8> {
    let text = message(commands);
    let at = text.find(needle).expect("the needle is in the message");
    let mut out = text.as_bytes()[..at].to_vec();
    out.extend_from_slice(bytes);
    out.extend_from_slice(&text.as_bytes()[at + needle.len()..]);
    out
}

/// The corpus, one case a line.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let min = || pol("PINComplexity/MinimumPINLength");
    let use_pfw = || pol("UsePassportForWork");
    let limits = Limits::DEFAULT;
    let ok_add = add(2, &pol("PINComplexity/History"), "int", "1");
    let laughs = concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE SyncML [<!ENTITY lol \"lol\">",
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">",
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>",
        "<SyncML><SyncBody><Alert><CmdID>1</CmdID><Data>&lol3;</Data></Alert></SyncBody></SyncML>"
    );
    // URIs at and past the limits (segments kept under the segment limit).
    let uri_of_len = |len: usize| {
        let mut uri = format!("{P}/{TENANT}");
        while uri.len() < len {
            let room = (len - uri.len() - 1).min(200);
            uri.push('/');
            uri.push_str(&"x".repeat(room.max(1)));
        }
        uri
    };
    let at_uri_limit = uri_of_len(limits.max_uri_bytes);
    let over_uri_limit = uri_of_len(limits.max_uri_bytes + 1);
    assert_eq!(at_uri_limit.len(), limits.max_uri_bytes);
    assert_eq!(over_uri_limit.len(), limits.max_uri_bytes + 1);
    // Values at and past the value limit: an int of leading zeros is still 6.
    let int_at_limit = format!("{}6", "0".repeat(limits.max_value_bytes - 1));
    let int_over_limit = format!("{}6", "0".repeat(limits.max_value_bytes));
    let text_over_limit = "0".repeat(limits.max_text_bytes + 1);
    let deep = |levels: usize| {
        body(&format!(
            "{}{}",
            "<Sequence><CmdID>1</CmdID>".repeat(levels),
            "</Sequence>".repeat(levels)
        ))
    };
    let hist = || pol("PINComplexity/History");
    let rsd = || pol("RequireSecurityDevice");
    let item = "<Item/>";
    vec![
        // --- Not SyncML at all: refused whole (DESIGN "Message or command").
        case("empty input", "XML 1.0 §2.1: a document has a root", "", Refused("MissingRoot")),
        case("whitespace only", "XML 1.0 §2.1", " \n\t ", Refused("MissingRoot")),
        case("wrong root", "DESIGN: wrong root refused", "<SyncMl><SyncBody/></SyncMl>", Refused("WrongRoot")),
        case("HTML instead of SyncML", "DESIGN: wrong root refused", "<html><body>502 Bad Gateway</body></html>", Refused("WrongRoot")),
        case("SyncML 1.1 namespace", "DESIGN: namespace SYNCML:SYNCML1.2 only", "<SyncML xmlns=\"SYNCML:SYNCML1.1\"><SyncBody/></SyncML>", Refused("WrongNamespace")),
        case("foreign namespace", "DESIGN: namespace SYNCML:SYNCML1.2 only", "<SyncML xmlns=\"urn:example\"><SyncBody/></SyncML>", Refused("WrongNamespace")),
        case("no namespace", "README: the local form of Microsoft's examples has none", format!("<SyncML><SyncBody>{ok_add}</SyncBody></SyncML>"), code(200)),
        case(
            "namespace in lower case",
            "README: the namespace matches in any case",
            format!("<SyncML xmlns=\"syncml:syncml1.2\"><SyncBody>{ok_add}</SyncBody></SyncML>"),
            codes(&[200]),
        ),
        case("no SyncBody", "SyncML DTD: SyncBody is required", "<SyncML xmlns=\"SYNCML:SYNCML1.2\"></SyncML>", Refused("MissingBody")),
        case("two SyncBody", "SyncML DTD: one SyncBody", "<SyncML><SyncBody/><SyncBody/></SyncML>", Refused("Grammar")),
        case("SyncHdr after SyncBody", "SyncML DTD: SyncHdr first", "<SyncML><SyncBody/><SyncHdr/></SyncML>", Refused("Grammar")),
        case("text in SyncBody", "SyncML DTD: no text in SyncBody", body("stray text"), Refused("Grammar")),
        // --- DTDs and entities (DESIGN "Untrusted input": no DTD or entity expansion).
        case("DOCTYPE", "DESIGN: no DTD", "<!DOCTYPE SyncML><SyncML><SyncBody/></SyncML>", Refused("Doctype")),
        case("billion laughs", "DESIGN: no entity expansion", laughs, Refused("Doctype")),
        case(
            "external entity",
            "DESIGN: no entity expansion",
            "<!DOCTYPE SyncML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><SyncML><SyncBody><Alert><CmdID>&x;</CmdID></Alert></SyncBody></SyncML>",
            Refused("Doctype"),
        ),
        case("parameter entity", "DESIGN: no DTD", "<!DOCTYPE SyncML [<!ENTITY % p SYSTEM \"http://example.invalid/x.dtd\"> %p;]><SyncML><SyncBody/></SyncML>", Refused("Doctype")),
        case("undeclared entity", "XML 1.0 §4.1: only the five predefined", add_msg(&use_pfw(), "bool", "&lol;"), Refused("UndeclaredEntity")),
        case("predefined entity in a URI", "XML 1.0 §4.6: &amp; is a character; the name does not exist (404)", get_msg(&format!("{P}/a&amp;b/Policies")), code(404)),
        case("NUL character reference", "XML 1.0 §2.2: NUL is not a character", add_msg(&use_pfw(), "bool", "&#0;"), Refused("InvalidCharRef")),
        case("control character reference", "XML 1.0 §2.2", add_msg(&use_pfw(), "bool", "&#x1;"), Refused("InvalidCharRef")),
        case("huge character reference", "XML 1.0 §2.2: beyond U+10FFFF", add_msg(&use_pfw(), "bool", "&#99999999999999999999;"), Refused("InvalidCharRef")),
        case("processing instruction", "DESIGN: none accepted", "<?xml-stylesheet href=\"x\"?><SyncML><SyncBody/></SyncML>", Refused("ProcessingInstruction")),
        case("UTF-16 declared", "MS-MDM: UTF-8 only", "<?xml version=\"1.0\" encoding=\"UTF-16\"?><SyncML><SyncBody/></SyncML>", Refused("UnsupportedEncoding")),
        case("XML 1.1", "XML 1.0 only", "<?xml version=\"1.1\"?><SyncML><SyncBody/></SyncML>", Refused("UnsupportedVersion")),
        case("UTF-8 byte order mark", "XML 1.0 §4.3.3: a BOM may start UTF-8", [b"\xEF\xBB\xBF".as_slice(), &body(&ok_add)].concat(), code(200)),
        case("CDATA value", "XML 1.0 §2.7: CDATA is text", add_msg(&rsd(), "bool", "<![CDATA[true]]>"), code(200)),
        case("unclosed CDATA", "XML 1.0 §2.7", add_msg(&use_pfw(), "bool", "<![CDATA[true"), Refused("Syntax")),
        case(
            "comment inside a LocURI",
            "XML 1.0 §2.5: comments are not text; the URI reads whole",
            body(&get(
                2,
                &format!("{P}/<!-- c -->{TENANT}/Policies/UsePassportForWork"),
            )),
            codes(&[200]),
        ),
        case(
            "double hyphen in a comment",
            "XML 1.0 §2.5: \"--\" must not occur within comments; not well-formed, refused whole",
            body(&format!(
                "<!-- x -- y -->{}",
                add(2, &use_pfw(), "bool", "true")
            )),
            Refused("Syntax"),
        ),
        case("comment ending in --->", "XML 1.0 §2.5 (a comment may not end with -)", body(&format!("{}<!-- x --->", add(2, &use_pfw(), "bool", "true"))), Refused("Syntax")),
        case(
            "a command in a foreign namespace",
            "README Refused messages: an element declaring another default namespace is not SyncML",
            body(&add(2, &use_pfw(), "bool", "true").replacen("<Add>", "<Add xmlns=\"urn:x\">", 1)),
            Refused("WrongNamespace"),
        ),
        case(
            "SyncBody in a foreign namespace",
            "README Refused messages",
            format!(
                "<SyncML><SyncBody xmlns=\"urn:x\">{}</SyncBody></SyncML>",
                add(2, &use_pfw(), "bool", "true")
            ),
            Refused("WrongNamespace"),
        ),
        case(
            "prefixed SyncML root",
            "README Refused messages: the root is SyncML as written, no prefix",
            "<s:SyncML xmlns:s=\"SYNCML:SYNCML1.2\"><s:SyncBody/></s:SyncML>",
            Refused("WrongRoot"),
        ),
        // --- Encoding (DESIGN: not UTF-8, NUL refused whole).
        case("invalid UTF-8", "DESIGN: not UTF-8 is refused", with_bytes(&add(2, &use_pfw(), "bool", "VALUE"), "VALUE", b"\xFF\xFE"), Refused("NotUtf8")),
        case("overlong UTF-8 for /", "RFC 3629 §3: overlong forms are invalid", with_bytes(&get(2, &format!("{P}/SLASH")), "SLASH", b"\xC0\xAF"), Refused("NotUtf8")),
        case("UTF-8 surrogate", "RFC 3629 §3: surrogates are invalid", with_bytes(&get(2, &format!("{P}/SUR")), "SUR", b"\xED\xA0\x80"), Refused("NotUtf8")),
        case("UTF-16 input", "MS-MDM: UTF-8 only", "<SyncML/>".encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>(), Refused("InvalidChar")),
        case("raw NUL in Data", "XML 1.0 §2.2; DESIGN: NUL refused whole", with_bytes(&add(2, &use_pfw(), "bool", "VALUE"), "VALUE", b"true\0"), Refused("InvalidChar")),
        case("raw NUL in a tag", "XML 1.0 §2.2", with_bytes(&ok_add, "<CmdID>", b"<Cmd\0ID>"), Refused("InvalidChar")),
        case("noncharacter U+FFFE", "XML 1.0 §2.2", add_msg(&use_pfw(), "bool", "\u{FFFE}"), Refused("InvalidChar")),
        case("escape character", "XML 1.0 §2.2", add_msg(&use_pfw(), "bool", "\u{1B}[31m"), Refused("InvalidChar")),
        // --- Well-formedness.
        case("mismatched end tag", "XML 1.0 §3", body("<Add><CmdID>2</CmdID></Replace>"), Refused("Syntax")),
        case("content after the root", "XML 1.0 §2.1", [body(&ok_add), b"<SyncML/>".to_vec()].concat(), Refused("ContentOutsideRoot")),
        case("duplicate attribute", "XML 1.0 §3.1", "<SyncML xmlns=\"a\" xmlns=\"a\"><SyncBody/></SyncML>", Refused("Syntax")),
        case("unquoted attribute", "XML 1.0 §3.1", "<SyncML xmlns=SYNCML:SYNCML1.2><SyncBody/></SyncML>", Refused("Syntax")),
        case("< in an attribute value", "XML 1.0 §3.1", "<SyncML xmlns=\"<\"><SyncBody/></SyncML>", Refused("Syntax")),
        case("bad element name", "XML 1.0 §2.3", body("<1Add><CmdID>2</CmdID></1Add>"), Refused("Syntax")),
        // --- Size and shape limits (README Limits).
        case("nested 33 deep", "README: depth 32, refused whole (the innermost CmdID is level 33)", deep(30), Refused("TooDeep")),
        case("nested 32 deep", "README: depth 32 (SyncML, SyncBody, 29 Sequences, a CmdID)", deep(29), codes(&[200; 29])),
        case("nested 100,000 deep", "README: depth 32, refused at the first tag past it", deep(100_000), Refused("TooDeep")),
        case("nested 10,000 deep", "README: depth 32", deep(10_000), Refused("TooDeep")),
        case("Data at the value limit", "README: 64 KiB value accepted; int with leading zeros", add_msg(&hist(), "int", &int_at_limit), code(200)),
        case("Data over the value limit", "README: one value over 64 KiB → 413", add_msg(&hist(), "int", &int_over_limit), code(413)),
        case("Data over the text limit", "README: one text node over 1 MiB → refused whole", add_msg(&hist(), "int", &text_over_limit), Refused("TextTooLong")),
        case(
            "message over 4 MiB",
            "README: message size, checked before parsing",
            body(&format!(
                "<Foo>{}</Foo>",
                " ".repeat(limits.max_message_bytes)
            )),
            Refused("MessageTooLarge"),
        ),
        case("100,000 items", "README: items per message 10,000", body(&format!("<Add><CmdID>2</CmdID>{}</Add>", item.repeat(100_000))), Refused("TooManyItems")),
        case(
            "10,000 items",
            "README: items at the limit decode; none has a Target (400)",
            body(&format!(
                "<Add><CmdID>2</CmdID>{}</Add>",
                item.repeat(limits.max_items)
            )),
            codes(&[400]),
        ),
        case("100,000 commands", "README: commands per message 10,000", body(&"<Get><CmdID>1</CmdID></Get>".repeat(100_000)), Refused("TooManyCommands")),
        case("10,001 unknown elements", "README: containers and unknown elements count", body(&"<Foo/>".repeat(limits.max_commands + 1)), Refused("TooManyCommands")),
        // --- URIs (DESIGN row 3; README URIs).
        case("LocURI at the limit", "README: 1,024 bytes accepted; the name does not exist (404)", get_msg(&at_uri_limit), code(404)),
        case("LocURI over the limit", "README: over 1,024 bytes → 414", get_msg(&over_uri_limit), code(414)),
        case("segment over the limit", "README: one segment over 255 bytes → 414", get_msg(&format!("{P}/{}", "s".repeat(limits.max_segment_bytes + 1))), code(414)),
        case("dot-dot segment", "DESIGN row 3", get_msg(&format!("{P}/{TENANT}/../{TENANT}")), code(400)),
        case("empty segment", "DESIGN row 3", get_msg(&format!("{P}//{TENANT}")), code(400)),
        case("leading slash", "DESIGN row 3", get_msg("/Device/Vendor/MSFT/PassportForWork"), code(400)),
        case("trailing slash", "DESIGN row 3: an empty last segment", get_msg(&format!("{P}/")), code(400)),
        case("dot past the first segment", "DESIGN row 3", get_msg(&format!("{P}/./{TENANT}")), code(400)),
        case("encoded slash %2F", "README: an encoded / is 400", add_msg(&format!("{P}/a%2Fb/Policies/UsePassportForWork"), "bool", "true"), code(400)),
        case("encoded dot-dot %2E%2E", "README: an encoded .. is 400", get_msg(&format!("{P}/%2E%2E/{TENANT}")), code(400)),
        case("encoded dot %2e", "README: an encoded . is 400", get_msg(&format!("{P}/%2e/{TENANT}")), code(400)),
        case(
            "encoded NUL %00",
            "decision (pfw-ddf UriError::ControlCharacter): no control character in a name (400)",
            body(&add(
                2,
                &format!("{P}/a%00b/Policies/UsePassportForWork"),
                "bool",
                "true",
            )),
            codes(&[400]),
        ),
        case(
            "encoded escape sequence %1B[31m",
            "decision: a name may not carry terminal escapes into pfw's output (400)",
            body(&add(
                2,
                &format!("{P}/%1B%5B31mred/Policies/UsePassportForWork"),
                "bool",
                "true",
            )),
            codes(&[400]),
        ),
        case("raw C1 control in a LocURI", "decision: U+009B (CSI) is a control character (400), though XML 1.0 allows it", get_msg(&format!("{P}/a\u{9B}31m")), code(400)),
        case("encoded tab %09", "README: whitespace inside a URI is part of the name (404)", get_msg(&format!("{P}/a%09b")), code(404)),
        case("overlong UTF-8 %C0%AF", "RFC 3629: a decoded segment must be UTF-8 (400)", get_msg(&format!("{P}/%C0%AF")), code(400)),
        case("bad escape %ZZ", "RFC 3986 §2.1 (400)", get_msg(&format!("{P}/%ZZ")), code(400)),
        case("truncated escape %4", "RFC 3986 §2.1 (400)", get_msg(&format!("{P}/a%4")), code(400)),
        case("encoded tenant name", "README: %41 is A; the tenant A does not exist (404)", get_msg(&format!("{P}/%41/Policies")), code(404)),
        case("whitespace inside a URI", "README: part of the name (404)", get_msg(&format!("{P}/{TENANT}/Policies/Use PassportForWork")), code(404)),
        case("query on Add", "DESIGN row 10: ?list= on a write → 406", add_msg(&format!("{}?list=Struct", rsd()), "bool", "true"), code(406)),
        case("ACL property", "DESIGN row 10: ?prop=ACL → 406", get_msg(&format!("{P}?prop=ACL")), code(406)),
        Case {
            no_user: true,
            ..case(
                "./User without a user",
                "DESIGN row 4: 405",
                body(&add(
                    2,
                    &format!("{U}/{TENANT}/Policies/PINComplexity/Digits"),
                    "int",
                    "2",
                )),
                codes(&[405]),
            )
        },
        // --- CmdIDs (DESIGN row 1).
        case("CmdID 0", "DESIGN row 1: 400", body(&cmd("Add", 0, &use_pfw(), Some("bool"), Some("true"))), code(400)),
        case("no CmdID", "DESIGN row 1: 400", body(&format!("<Add><Item><Target><LocURI>{}</LocURI></Target><Data>true</Data></Item></Add>", use_pfw())), code(400)),
        case(
            "duplicate CmdIDs",
            "decision: both answered (lint flags the duplicate)",
            body(&[add(7, &hist(), "int", "5"), add(7, &hist(), "int", "6")].concat()),
            codes(&[200, 418]),
        ),
        case(
            "CmdID that overflows",
            "CmdID is text to the engine: answered",
            body(
                &cmd("Add", 2, &hist(), Some("int"), Some("6"))
                    .replace("<CmdID>2</CmdID>", "<CmdID>99999999999999999999999</CmdID>"),
            ),
            codes(&[200]),
        ),
        // --- Commands and containers (DESIGN rows 2, 6-10, "Containers").
        case("Add without Data on an int", "README Values: Add without Data is 400 unless chr", body(&cmd("Add", 2, &hist(), Some("int"), None)), code(400)),
        case("Add without Data on a tenant", "DESIGN: an interior node takes no Data", body(&cmd("Add", 2, &format!("{P}/new-tenant"), None, None)), code(200)),
        case("Add without Meta", "DESIGN row 8: a missing Format means the node's", body(&cmd("Add", 2, &hist(), None, Some("6"))), code(200)),
        case("Add without Item", "DESIGN row 2: Item is mandatory (400)", body("<Add><CmdID>2</CmdID></Add>"), code(400)),
        case("Atomic without members", "DESIGN Containers: an empty Atomic is 200", body("<Atomic><CmdID>2</CmdID></Atomic>"), code(200)),
        case("Sequence without members", "DESIGN Containers", body("<Sequence><CmdID>2</CmdID></Sequence>"), code(200)),
        case(
            "nested Atomic",
            "DESIGN Containers: nested Atomic 500, its Atomic 507, member not run 215",
            body(&format!(
                "<Atomic><CmdID>2</CmdID><Atomic><CmdID>3</CmdID>{}</Atomic></Atomic>",
                add(4, &min(), "int", "6")
            )),
            codes(&[507, 500, 215]),
        ),
        case("Get inside Atomic", "DESIGN Containers: 500, the Atomic 507", body(&format!("<Atomic><CmdID>2</CmdID>{}</Atomic>", get(3, &use_pfw()))), codes(&[507, 500])),
        case("unknown command", "DESIGN row 2: 400", body("<Frobnicate><CmdID>2</CmdID></Frobnicate>"), code(400)),
        case("malformed command", "DESIGN row 2: 400", body("<Add><CmdID>2</CmdID><Bogus/></Add>"), code(400)),
        case("Exec", "DESIGN row 6: no node allows Exec (405)", body(&cmd("Exec", 2, &use_pfw(), None, None)), code(405)),
        case(
            "Copy",
            "DESIGN row 10: 406",
            body(&format!(
                "<Copy><CmdID>2</CmdID><Item><Target><LocURI>{}</LocURI></Target><Source><LocURI>{}</LocURI></Source></Item></Copy>",
                min(),
                use_pfw()
            )),
            codes(&[406]),
        ),
        case("MoreData", "DESIGN row 10: large objects 406", body(&cmd("Replace", 2, &min(), Some("int"), Some("6")).replace("</Data>", "</Data><MoreData/>")), code(406)),
        case("Alert with an unknown code", "DESIGN: an Alert not understood is 406", body("<Alert><CmdID>2</CmdID><Data>99999999</Data></Alert>"), code(406)),
        case(
            "incoming Status",
            "DESIGN: a server's Status is read, not answered",
            body(
                "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>99999999999</CmdRef><Cmd>Add</Cmd><Data>99999999</Data></Status>",
            ),
            codes(&[]),
        ),
        // --- Values (DESIGN "Values").
        case("int overflow", "DESIGN: overflow is 400", add_msg(&hist(), "int", "2147483648"), code(400)),
        case("int underflow", "DESIGN: overflow is 400", add_msg(&hist(), "int", "-2147483649"), code(400)),
        case("int with a plus sign", "README: +5 is 400", add_msg(&hist(), "int", "+5"), code(400)),
        case("int in hexadecimal", "README: 0x10 is 400", add_msg(&hist(), "int", "0x10"), code(400)),
        case("int with spaces", "DESIGN: a decimal i32, nothing else", add_msg(&hist(), "int", " 6 "), code(400)),
        case("int outside the range", "DDF: History 0..50 (400)", add_msg(&hist(), "int", "51"), code(400)),
        case("bool TRUE", "DESIGN: true/false in any case", add_msg(&rsd(), "bool", "TRUE"), code(200)),
        case("bool tRuE on a new node", "DESIGN: true/false in any case", add_msg(&rsd(), "bool", "tRuE"), code(200)),
        case("bool 1", "DESIGN: 1 is 400", add_msg(&rsd(), "bool", "1"), code(400)),
        case("bool yes", "DESIGN: yes is 400", add_msg(&rsd(), "bool", "yes"), code(400)),
        case("bool empty", "DESIGN: a bool is true or false", add_msg(&rsd(), "bool", ""), code(400)),
        case("Format b64 on a bool", "DESIGN row 8: 415", add_msg(&rsd(), "b64", "dHJ1ZQ=="), code(415)),
        case(
            "GroupA with a bad item",
            "DESIGN: each list item must match",
            body(&cmd(
                "Add",
                2,
                &format!("{P}/DeviceUnlock/GroupA"),
                Some("chr"),
                Some("{D6886603-9D2F-4EB2-B667-1971041FA96B},nope"),
            )),
            codes(&[400]),
        ),
        case("user tree Add", "DESIGN: ./User goes to the user's tree", add_msg(&format!("{U}/{TENANT}/Policies/PINComplexity/Digits"), "int", "2"), code(418)),
        case("user tree fresh tenant", "DESIGN: implicit Add of parents", add_msg(&format!("{U}/other/Policies/PINComplexity/Digits"), "int", "2"), code(200)),
        case("tree full", "README: nodes per tree 10,000 → 420 for the Add", body(&tree_filler(limits.max_nodes_per_tree)), tree_full_codes(limits.max_nodes_per_tree)),
    ]
}

/// Adds of fresh tenants (three nodes each: tenant, Policies, leaf), enough to pass `max`
/// nodes in the device's tree, which already holds four nodes.
fn tree_filler(max: usize) -> String {
    let adds = max / 3 + 1;
    (0..adds)
        .map(|i| {
            add(
                10 + i as u32,
                &format!("{P}/t{i}/Policies/UsePassportForWork"),
                "bool",
                "true",
            )
        })
        .collect()
}

/// The statuses `tree_filler` gets: 200 until an Add would pass `max` nodes, then 420.
fn tree_full_codes(max: usize) -> Expect {
    let mut nodes = PRIOR_DEVICE_NODES;
    let mut out = Vec::new();
    for _ in 0..max / 3 + 1 {
        if nodes + 3 > max {
            out.push(420);
        } else {
            nodes += 3;
            out.push(200);
        }
    }
    Statuses(out)
}

/// Nodes the prior state puts in the device's tree: the tenant, Policies, UsePassportForWork,
/// PINComplexity, MinimumPINLength, Digits.
const PRIOR_DEVICE_NODES: usize = 6;

/// The state every case starts from: policy in the device's tree and in the user's.
fn prior() -> String {
    message(
        &[
            add(1, &pol("UsePassportForWork"), "bool", "true"),
            add(2, &pol("PINComplexity/MinimumPINLength"), "int", "8"),
            add(3, &pol("PINComplexity/Digits"), "int", "2"),
            add(
                4,
                &format!("{U}/{TENANT}/Policies/PINComplexity/Digits"),
                "int",
                "1",
            ),
        ]
        .concat(),
    )
}

fn prepared(backend: Backend) -> Device {
    let mut device = Device::new(backend);
    let outcome = device.apply(
        &prior(),
        &Options {
            user: Some(USER),
            ..Options::default()
        },
    );
    assert!(
        outcome.all_succeeded(),
        "the prior state applies: {:?}",
        outcome.reports
    );
    device
}

/// The variant name of a decode error (its `Debug` form up to the first field).
fn variant(error: &DecodeError) -> String {
    let debug = format!("{error:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Runs `input` on a prepared device of each backend; checks the outcome and, for a refusal,
/// that the state is unchanged. Returns the slowest backend's time, or what differed.
fn run(name: &str, input: &[u8], expect: &Expect, no_user: bool) -> Result<Duration, String> {
    let mut slowest = Duration::ZERO;
    let mut peak = 0;
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = prepared(backend);
        let before = device.dump();
        let options = Options {
            user: (!no_user).then_some(USER),
            ..Options::default()
        };
        let (result, elapsed, heap) =
            measured(|| device.engine.apply(device.store.as_mut(), input, &options));
        slowest = slowest.max(elapsed);
        peak = peak.max(heap);
        let got = match result {
            Ok(outcome) => Statuses(outcome.reports.iter().map(|r| r.status.code()).collect()),
            Err(EngineError::Decode(e)) => Refused(Box::leak(variant(&e).into_boxed_str())),
            Err(e) => panic!("{name} ({backend:?}): the store failed: {e}"),
        };
        if &got != expect {
            return Err(format!(
                "{name} ({backend:?}): got {got:?}, expected {expect:?}"
            ));
        }
        if matches!(expect, Refused(_)) && device.dump() != before {
            return Err(format!(
                "{name} ({backend:?}): a refused message changed the state"
            ));
        }
    }
    report_memory(name, input.len(), peak);
    Ok(slowest)
}

/// What `f` returns, the time it took and the most heap it held at once beyond what was held
/// before.
fn measured<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    let held = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    (out, elapsed, HEAP.peak_usage().saturating_sub(held))
}

fn report_memory(name: &str, input_bytes: usize, peak: usize) {
    if std::env::var_os("PFW_HOSTILE_TIMES").is_some() {
        println!("hostile-mem\t{peak}\t{input_bytes}\t{name}");
    }
}

fn report_time(name: &str, elapsed: Duration) {
    if std::env::var_os("PFW_HOSTILE_TIMES").is_some() {
        println!(
            "hostile-time\t{:.3}\t{name}",
            elapsed.as_secs_f64() * 1000.0
        );
    }
}

#[test]
fn hostile_corpus_gets_its_pinned_outcomes_on_both_backends() {
    let cases = cases();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        assert!(
            !c.source.is_empty(),
            "{}: every case says where its expectation comes from",
            c.name
        );
        match run(c.name, &c.input, &c.expect, c.no_user) {
            Ok(elapsed) => report_time(c.name, elapsed),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every cut of a real message (the 2019 example) short of its end is refused whole: as
/// truncated when the cut falls between tags or in text (an element is still open), as an
/// unclosed tag when it falls inside one, as having no root before the root opens.
#[test]
fn every_truncation_of_the_seed_message_is_refused_and_changes_nothing() {
    let seed = seed_example(SEED_2019);
    let bytes = seed.as_bytes();
    let mut memory = prepared(Backend::Memory);
    let mut sqlite = prepared(Backend::Sqlite);
    let before = (memory.dump(), sqlite.dump());
    let mut slowest = Duration::ZERO;
    let mut cuts = 0;
    for cut in 0..bytes.len() {
        if !seed.is_char_boundary(cut) {
            continue;
        }
        let prefix = &bytes[..cut];
        let expected = truncation_expectation(&seed[..cut]);
        for device in [&mut memory, &mut sqlite] {
            let start = Instant::now();
            let result = device
                .engine
                .apply(device.store.as_mut(), prefix, &Options::default());
            slowest = slowest.max(start.elapsed());
            match result {
                Err(EngineError::Decode(e)) => {
                    assert_eq!(variant(&e), expected, "cut at {cut}: {e}")
                }
                other => panic!("cut at {cut}: not refused: {:?}", other.map(|o| o.reports)),
            }
        }
        cuts += 1;
    }
    assert!(cuts > 1000, "{cuts} cuts");
    assert_eq!(
        (memory.dump(), sqlite.dump()),
        before,
        "refusals changed the state"
    );
    report_time(
        "every truncation of the 2019 example (slowest cut)",
        slowest,
    );
}

/// What a cut of a message gives, from the text before the cut alone: nothing but whitespace
/// → no root; an unclosed `<` → an unclosed tag (a syntax error); else an element is open →
/// truncated.
fn truncation_expectation(prefix: &str) -> &'static str {
    if prefix.trim().is_empty() {
        return "MissingRoot";
    }
    let last_open = prefix.rfind('<');
    let last_close = prefix.rfind('>');
    match (last_open, last_close) {
        (Some(open), Some(close)) if open > close => "Syntax",
        (Some(_), None) => "Syntax",
        _ => "Truncated",
    }
}

/// A refused message changes nothing even after earlier messages: the state after a refusal
/// is the state before it, byte for byte in the dump, and the next good message still applies.
#[test]
fn a_refusal_between_two_good_messages_leaves_no_trace() {
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = prepared(backend);
        let before = device.dump();
        let bad = with_bytes(
            &add(5, &pol("PINComplexity/History"), "int", "VALUE"),
            "VALUE",
            b"5\xFF",
        );
        let result = device
            .engine
            .apply(device.store.as_mut(), &bad, &Options::default());
        assert!(
            matches!(
                result,
                Err(EngineError::Decode(DecodeError::NotUtf8 { .. }))
            ),
            "{backend:?}"
        );
        assert_eq!(device.dump(), before, "{backend:?}");
        let good = message(&add(5, &pol("PINComplexity/History"), "int", "5"));
        assert!(
            device.apply(&good, &Options::default()).all_succeeded(),
            "{backend:?}"
        );
        assert_eq!(
            device.dump().len(),
            before.len() + 1,
            "{backend:?}: one node added"
        );
    }
}

/// Every limit of the one table (`Limits::describe`) is answered as the table says: passing a
/// message-level limit refuses the message whole, passing a per-command limit gives that
/// command its status. A limit added to the table without a case here fails this test.
#[test]
fn every_limit_is_answered_as_the_table_says() {
    use pfw_syncml::LimitOutcome;
    let limits = Limits::DEFAULT;
    for info in limits.describe() {
        let over = info.value + 1;
        let input: Vec<u8> = match info.name {
            "max_message_bytes" => body(&format!("<Foo>{}</Foo>", " ".repeat(over))),
            "max_depth" => body(&format!(
                "{}{}",
                "<Sequence><CmdID>1</CmdID>".repeat(over),
                "</Sequence>".repeat(over)
            )),
            "max_commands" => body(&"<Get><CmdID>1</CmdID></Get>".repeat(over)),
            "max_items" => body(&format!(
                "<Add><CmdID>2</CmdID>{}</Add>",
                "<Item/>".repeat(over)
            )),
            "max_text_bytes" => body(&add(
                2,
                &pol("PINComplexity/History"),
                "int",
                &"0".repeat(over),
            )),
            "max_uri_bytes" => body(&get(2, &format!("{P}/{}", "a/".repeat(over / 2 + 1)))),
            "max_segment_bytes" => body(&get(2, &format!("{P}/{}", "s".repeat(over)))),
            "max_value_bytes" => body(&add(
                2,
                &pol("PINComplexity/History"),
                "int",
                &"0".repeat(over),
            )),
            "max_nodes_per_tree" => body(&tree_filler(info.value)),
            // One 60 KiB value read back until the Results would pass the bound: the Get
            // that would pass it is 413 (OMA-DM 1.2 representation §4.1.6.7).
            "max_response_bytes" => {
                let value = "p".repeat(60 * 1024);
                let plugins = format!("{P}/DynamicLock/Plugins");
                let gets = info.value / value.len() + 2;
                let reads: String = (0..gets).map(|i| get(10 + i as u32, &plugins)).collect();
                body(&format!("{}{reads}", add(2, &plugins, "chr", &value)))
            }
            // Child listings of a tree of about 3,000 nodes: each reads every stored node
            // below the target, so the walks pass the bound within 40 Gets.
            "max_nodes_visited" => {
                let reads: String = (0..40).map(|i| get(5_000 + i, P)).collect();
                body(&format!("{}{reads}", tree_filler(3_000)))
            }
            other => panic!("the limit {other} has no case here"),
        };
        let mut device = prepared(Backend::Memory);
        let before = device.dump();
        let result = device
            .engine
            .apply(device.store.as_mut(), &input, &Options::default());
        match (info.outcome, result) {
            (LimitOutcome::MessageRefused, Err(EngineError::Decode(_))) => {
                assert_eq!(
                    device.dump(),
                    before,
                    "{}: refused, nothing changed",
                    info.name
                );
            }
            (LimitOutcome::CommandStatus(code), Ok(outcome)) => {
                let last = outcome.reports.last().map(|r| r.status.code());
                assert_eq!(
                    last,
                    Some(code),
                    "{}: {:?}",
                    info.name,
                    outcome.reports.last()
                );
            }
            (expected, got) => panic!(
                "{}: expected {expected:?}, got {:?}",
                info.name,
                got.map(|o| o.reports.len())
            ),
        }
    }
}

/// The DDF loader's limits (`pfw_ddf::load::MAX_DDF_*`, README Limits): each is a load error
/// naming it; a file at the limits loads.
#[test]
fn ddf_limits_are_load_errors() {
    use pfw_ddf::load::{MAX_DDF_BYTES, MAX_DDF_DEPTH, MAX_DDF_NODES};
    use pfw_ddf::{LoadError, Schema};
    let node = |name: &str, inner: &str| {
        format!(
            "<Node><NodeName>{name}</NodeName><DFProperties><AccessType><Get/></AccessType>\
             <DFFormat><node/></DFFormat></DFProperties>{inner}</Node>"
        )
    };
    let tree = |roots: &str| format!("<MgmtTree><VerDTD>1.2</VerDTD>{roots}</MgmtTree>");
    // Size: checked first, whatever the bytes are.
    let big = vec![b' '; MAX_DDF_BYTES + 1];
    assert!(
        matches!(Schema::load(&big), Err(LoadError::TooLarge { max, .. }) if max == MAX_DDF_BYTES)
    );
    // Depth: nodes nested until the element depth passes the limit (each Node is one level).
    let mut nested = String::new();
    for i in 0..MAX_DDF_DEPTH {
        nested = node(&format!("n{i}"), &nested);
    }
    let deep = tree(&nested.replacen("<Node>", "<Node><Path>./Vendor/MSFT</Path>", 1));
    assert!(
        matches!(Schema::load(deep.as_bytes()), Err(LoadError::TooDeep { max, .. }) if max == MAX_DDF_DEPTH)
    );
    // Node count: one root with MAX_DDF_NODES children passes the limit by one.
    let children: String = (0..MAX_DDF_NODES)
        .map(|i| node(&format!("c{i}"), ""))
        .collect();
    let many =
        tree(&node("Root", &children).replacen("<Node>", "<Node><Path>./Vendor/MSFT</Path>", 1));
    assert!(
        many.len() <= MAX_DDF_BYTES,
        "the node-count case is under the size limit"
    );
    assert!(
        matches!(Schema::load(many.as_bytes()), Err(LoadError::TooManyNodes { max }) if max == MAX_DDF_NODES)
    );
    let fits: String = (0..MAX_DDF_NODES - 1)
        .map(|i| node(&format!("c{i}"), ""))
        .collect();
    let fits = tree(&node("Root", &fits).replacen("<Node>", "<Node><Path>./Vendor/MSFT</Path>", 1));
    assert!(
        Schema::load(fits.as_bytes()).is_ok(),
        "MAX_DDF_NODES nodes load"
    );
    // RegEx patterns: compiled at load; one past MAX_PATTERN_BYTES, or one the engine cannot
    // compile, refuses the file naming the node and the pattern.
    let leaf = |pattern: &str| {
        format!(
            "<Node><NodeName>Leaf</NodeName><DFProperties><AccessType><Add/></AccessType>\
             <DFFormat><chr/></DFFormat><MSFT:AllowedValues xmlns:MSFT=\"m\" ValueType=\"RegEx\">\
             <MSFT:Value>{pattern}</MSFT:Value></MSFT:AllowedValues></DFProperties></Node>"
        )
    };
    for pattern in [r"[\p{L}\p{N}]{200}N", "((((", r"(a)\1", "(?!a)"] {
        let file = tree(&node("Root", &leaf(pattern)).replacen(
            "<Node>",
            "<Node><Path>./Vendor/MSFT</Path>",
            1,
        ));
        match Schema::load(file.as_bytes()) {
            Err(e @ LoadError::Pattern { .. }) => {
                let line = e.to_string();
                assert!(
                    line.contains("./Vendor/MSFT/Root/Leaf")
                        && line.contains(&format!("{pattern:?}")),
                    "{line}"
                );
            }
            other => panic!("{pattern}: expected a pattern error, got {other:?}"),
        }
    }
    // What one node holds while it is read: MAX_DDF_HELD_ELEMENTS.
    let crowded = tree(
        &node("Root", &"<x/>".repeat(pfw_ddf::load::MAX_DDF_HELD_ELEMENTS)).replacen(
            "<Node>",
            "<Node><Path>./Vendor/MSFT</Path>",
            1,
        ),
    );
    assert!(matches!(
        Schema::load(crowded.as_bytes()),
        Err(LoadError::TooComplex { .. })
    ));
}

/// README "Limits": what is read back from a state file is bounded by the same value limit
/// as a message's Data (`pfw_tree::StateLimits` cannot see `pfw_syncml::Limits`).
#[test]
fn state_reads_share_the_value_limit() {
    assert_eq!(
        pfw_tree::StateLimits::DEFAULT.max_value_bytes,
        Limits::DEFAULT.max_value_bytes
    );
}

/// Gets whose Results would pass the response bound: 1,200 Adds under 300 tenants, then 2,000
/// Gets of the whole PassportForWork tree with its data (the message that once answered
/// 1 GB). The Gets are answered 200 until the bound, then 413 with no Results (README
/// "Response bound"; OMA-DM 1.2 representation §4.1.6.7), and the response stays within the
/// bound plus the Statuses.
#[test]
fn the_response_is_bounded_before_it_is_built() {
    let limits = Limits::DEFAULT;
    let adds: String = (0..1_200u32)
        .map(|i| {
            let leaf = [
                "UsePassportForWork",
                "RequireSecurityDevice",
                "PINComplexity/MinimumPINLength",
                "PINComplexity/MaximumPINLength",
            ][i as usize % 4];
            let (format, value) = if leaf.starts_with("PIN") {
                ("int", "8")
            } else {
                ("bool", "true")
            };
            add(
                10 + i,
                &format!("{P}/t{}/Policies/{leaf}", i / 4),
                format,
                value,
            )
        })
        .collect();
    let gets: String = (0..2_000u32)
        .map(|i| get(5_000 + i, &format!("{P}?list=StructData")))
        .collect();
    let input = body(&format!("{adds}{gets}"));
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = Device::new(backend);
        let ((outcome, response), elapsed, peak) = measured(|| {
            let outcome = device
                .engine
                .apply(device.store.as_mut(), &input, &Options::default())
                .expect("the message decodes");
            let response = outcome.response.encode();
            (outcome, response)
        });
        let codes: Vec<u16> = outcome.reports.iter().map(|r| r.status.code()).collect();
        assert_eq!(codes.len(), 3_200, "{backend:?}");
        assert!(
            codes[..1_200].iter().all(|&c| c == 200),
            "{backend:?}: the Adds apply"
        );
        let gets = &codes[1_200..];
        let answered = gets.iter().take_while(|&&c| c == 200).count();
        assert!(answered >= 1, "{backend:?}: the first Gets are answered");
        assert!(
            gets[answered..].iter().all(|&c| c == 413),
            "{backend:?}: once the bound is passed every Get is 413: {:?}",
            &gets[answered..answered + 3]
        );
        assert!(answered < 2_000, "{backend:?}: the bound is reached");
        let statuses_bytes = 3_201 * 160;
        assert!(
            response.len() <= limits.max_response_bytes + statuses_bytes,
            "{backend:?}: {} bytes answered",
            response.len()
        );
        report_time(&format!("2,000 StructData Gets ({backend:?})"), elapsed);
        report_memory(
            &format!("2,000 StructData Gets ({backend:?})"),
            input.len(),
            peak,
        );
    }
}

/// `?list=StructData` on a full tree (3,300 tenants, one message) asked for twelve times in a
/// small message: the walks are counted (nodes visited and bytes answered), so the later Gets
/// are 413 before they walk (README "Response bound").
#[test]
fn struct_walks_of_a_large_tree_are_bounded() {
    let filler = body(&tree_filler(9_900));
    let gets: String = (0..12)
        .map(|i| get(2 + i, &format!("{P}?list=StructData")))
        .collect();
    let input = body(&gets);
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = prepared(backend);
        let filled = device
            .engine
            .apply(device.store.as_mut(), &filler, &Options::default())
            .expect("the filler decodes");
        assert!(
            filled
                .reports
                .iter()
                .filter(|r| r.status.code() == 200)
                .count()
                > 3_000
        );
        let (outcome, elapsed, peak) = measured(|| {
            device
                .engine
                .apply(device.store.as_mut(), &input, &Options::default())
                .expect("the message decodes")
        });
        let codes: Vec<u16> = outcome.reports.iter().map(|r| r.status.code()).collect();
        assert_eq!(codes[0], 200, "{backend:?}: {codes:?}");
        assert_eq!(codes[11], 413, "{backend:?}: {codes:?}");
        let answered = codes.iter().take_while(|&&c| c == 200).count();
        assert!(
            codes[answered..].iter().all(|&c| c == 413),
            "{backend:?}: {codes:?}"
        );
        report_time(
            &format!("12 StructData Gets of 3,300 tenants ({backend:?})"),
            elapsed,
        );
        report_memory(
            &format!("12 StructData Gets of 3,300 tenants ({backend:?})"),
            input.len(),
            peak,
        );
    }
}
