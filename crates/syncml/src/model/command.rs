//! The commands of a `SyncBody` (an `xs:choice`, modelled as [`Command`]), each with
//! its reader and writer, and the reading of command lists with `Atomic` and
//! `Sequence` nesting.
//!
//! Child order inside a command is not enforced on decode (the encoder writes the
//! SyncML DTD order). A known command whose content breaks its grammar decodes as
//! [`Command::Malformed`]; an element that is not a command decodes as
//! [`Command::Unknown`]. Either way the rest of the message still decodes.

use std::fmt;
use std::str::FromStr;

use crate::codec::lexer::{Open, Tok};
use crate::codec::reader::{Fault, Reader, Res};
use crate::codec::writer::{self, Encode};
use crate::error::DecodeError;
use crate::model::Text;
use crate::model::common::{Chal, Cred, Data, Item, Meta, content_span};
use crate::pos::{Pos, Span};

/// A `CmdID`: the message-unique identifier of a command.
///
/// SyncML defines it as text; Windows and most servers use decimal numbers. It is
/// kept exactly as written (not trimmed, not parsed), so the engine can check it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CmdId(Text);

impl CmdId {
    /// A command identifier with this text.
    pub fn new(text: impl AsRef<str>) -> Self {
        Self(Text::new(text.as_ref()))
    }

    /// The identifier's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Why this CmdID cannot identify a command, if it cannot (DESIGN.md's ordered checks, row
    /// 1: 400). Surrounding XML whitespace does not count: a CmdID that is empty or only
    /// whitespace is missing (\[WinOMA\]: "if no CmdID is provided … 400"), and one whose digits
    /// are all zero (`0`, `00`, ` 0 `) is the SyncHdr's number ([MS-MDM] §2.2.6.1: "never 0";
    /// a Status for the SyncHdr has CmdRef 0). Any other text is an identifier, compared as
    /// written.
    pub fn fault(&self) -> Option<CmdIdFault> {
        let text = self
            .0
            .trim_matches(|c: char| c.is_ascii() && crate::codec::lexer::is_xml_ws(c as u8));
        if text.is_empty() {
            Some(CmdIdFault::Missing)
        } else if text.bytes().all(|b| b == b'0') {
            Some(CmdIdFault::Zero)
        } else {
            None
        }
    }

    /// Whether this CmdID can identify a command ([`CmdId::fault`] is `None`).
    pub fn is_valid(&self) -> bool {
        self.fault().is_none()
    }
}

/// Why a CmdID cannot identify a command ([`CmdId::fault`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdIdFault {
    /// Empty, or only whitespace.
    Missing,
    /// Zero, however many digits: the number of the SyncHdr.
    Zero,
}

impl fmt::Display for CmdIdFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "the command has no CmdID",
            Self::Zero => "CmdID 0 is reserved for the SyncHdr",
        })
    }
}

impl From<&str> for CmdId {
    fn from(text: &str) -> Self {
        Self(Text::new(text))
    }
}

impl From<String> for CmdId {
    fn from(text: String) -> Self {
        Self(Text::from(text))
    }
}

impl From<u32> for CmdId {
    fn from(number: u32) -> Self {
        Self(Text::from(number.to_string()))
    }
}

impl PartialEq<str> for CmdId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CmdId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for CmdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A SyncML command: the element names a `SyncBody`, `Atomic` or `Sequence` holds (SyncML
/// representation protocol 1.2 §6.6; `Final` is a flag, not a command). The one list of
/// them: [`CommandKind::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandKind {
    /// `Add`.
    Add,
    /// `Alert`.
    Alert,
    /// `Atomic`.
    Atomic,
    /// `Copy`.
    Copy,
    /// `Delete`.
    Delete,
    /// `Exec`.
    Exec,
    /// `Get`.
    Get,
    /// `Replace`.
    Replace,
    /// `Results`.
    Results,
    /// `Sequence`.
    Sequence,
    /// `Status`.
    Status,
}

impl CommandKind {
    /// Every command, in alphabetical order.
    pub const ALL: [Self; 11] = [
        Self::Add,
        Self::Alert,
        Self::Atomic,
        Self::Copy,
        Self::Delete,
        Self::Exec,
        Self::Get,
        Self::Replace,
        Self::Results,
        Self::Sequence,
        Self::Status,
    ];

    /// The element name, as SyncML spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Add => "Add",
            Self::Alert => "Alert",
            Self::Atomic => "Atomic",
            Self::Copy => "Copy",
            Self::Delete => "Delete",
            Self::Exec => "Exec",
            Self::Get => "Get",
            Self::Replace => "Replace",
            Self::Results => "Results",
            Self::Sequence => "Sequence",
            Self::Status => "Status",
        }
    }

    /// Whether the command holds commands (`Atomic`, `Sequence`).
    pub const fn is_container(self) -> bool {
        matches!(self, Self::Atomic | Self::Sequence)
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommandKind {
    type Err = NotACommand;

    /// The command named exactly `name` (element names are case-sensitive).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or(NotACommand)
    }
}

/// A name that is not a SyncML command's ([`CommandKind::from_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotACommand;

impl fmt::Display for NotACommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a SyncML command")
    }
}

impl std::error::Error for NotACommand {}

/// The `Cmd` of a `Status` or `Results`: the name of what it answers. Typed where SyncML
/// names it (`SyncHdr`, a [`CommandKind`]); any other name a peer writes is kept as written,
/// so a decoded message is written back as it was read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CmdName {
    /// `SyncHdr`: the Status of a message's header.
    SyncHdr,
    /// A SyncML command.
    Command(CommandKind),
    /// A name that is neither (empty in a `Status::default()`).
    Other(Text),
}

impl CmdName {
    /// The name, as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::SyncHdr => "SyncHdr",
            Self::Command(kind) => kind.as_str(),
            Self::Other(name) => name,
        }
    }

    /// The command it names, if it names one.
    pub fn kind(&self) -> Option<CommandKind> {
        match self {
            Self::Command(kind) => Some(*kind),
            Self::SyncHdr | Self::Other(_) => None,
        }
    }
}

impl Default for CmdName {
    fn default() -> Self {
        Self::Other(Text::default())
    }
}

impl From<CommandKind> for CmdName {
    fn from(kind: CommandKind) -> Self {
        Self::Command(kind)
    }
}

impl From<&str> for CmdName {
    /// The name read as SyncML spells it (element names are case-sensitive).
    fn from(name: &str) -> Self {
        if name == "SyncHdr" {
            Self::SyncHdr
        } else if let Ok(kind) = name.parse() {
            Self::Command(kind)
        } else {
            Self::Other(name.into())
        }
    }
}

impl From<Text> for CmdName {
    fn from(name: Text) -> Self {
        match Self::from(name.as_str()) {
            Self::Other(_) => Self::Other(name),
            typed => typed,
        }
    }
}

impl fmt::Display for CmdName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for CmdName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CmdName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<CmdName> for &str {
    fn eq(&self, other: &CmdName) -> bool {
        *self == other.as_str()
    }
}

/// Where a command's start tag is: its position and byte offset.
#[derive(Clone, Copy)]
struct At {
    pos: Pos,
    offset: usize,
}

/// A CmdID read, with the bytes of its content.
type IdSlot = Option<(CmdId, Span)>;

/// `$body` for the struct `$c` inside any `Command`, whatever its kind: how the head every
/// command has ([`CommandHead`]) is reached, in one place.
macro_rules! each_command {
    ($command:expr, $c:ident => $body:expr) => {
        match $command {
            Command::Add($c)
            | Command::Copy($c)
            | Command::Delete($c)
            | Command::Exec($c)
            | Command::Get($c)
            | Command::Replace($c) => $body,
            Command::Alert($c) => $body,
            Command::Atomic($c) | Command::Sequence($c) => $body,
            Command::Results($c) => $body,
            Command::Status($c) => $body,
            Command::Unknown($c) => $body,
            Command::Malformed($c) => $body,
        }
    };
}
pub(crate) use each_command;

/// One element in command position: in a `SyncBody`, `Atomic` or `Sequence`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `Add`: create nodes.
    Add(ItemCommand),
    /// `Alert`: a notification (session start, client event, generic alert, …).
    Alert(Alert),
    /// `Atomic`: members run all or none.
    Atomic(Container),
    /// `Copy`: copy a node (Windows does not support it).
    Copy(ItemCommand),
    /// `Delete`: remove nodes.
    Delete(ItemCommand),
    /// `Exec`: run a node.
    Exec(ItemCommand),
    /// `Get`: read nodes.
    Get(ItemCommand),
    /// `Replace`: set existing nodes.
    Replace(ItemCommand),
    /// `Results`: the data a `Get` read.
    Results(Results),
    /// `Sequence`: members run in order.
    Sequence(Container),
    /// `Status`: the outcome of a command.
    Status(Status),
    /// An element that is not a SyncML command (the engine answers it 400).
    Unknown(UnknownElement),
    /// A known command whose content breaks its grammar (the engine answers it 400).
    Malformed(Malformed),
}

impl Command {
    /// The command's `CmdID`, if it has one.
    pub fn cmd_id(&self) -> Option<&CmdId> {
        self.head().cmd_id.as_ref()
    }

    /// The command's head: its CmdID and where it was read.
    pub fn head(&self) -> &CommandHead {
        each_command!(self, c => &c.head)
    }

    /// The command's head, to change it.
    pub fn head_mut(&mut self) -> &mut CommandHead {
        each_command!(self, c => &mut c.head)
    }

    /// The command's `CmdID`, to set or renumber it.
    pub fn cmd_id_mut(&mut self) -> &mut Option<CmdId> {
        &mut self.head_mut().cmd_id
    }

    /// The command, or `None` for an element that is not a SyncML command.
    pub fn kind(&self) -> Option<CommandKind> {
        Some(match self {
            Self::Add(_) => CommandKind::Add,
            Self::Alert(_) => CommandKind::Alert,
            Self::Atomic(_) => CommandKind::Atomic,
            Self::Copy(_) => CommandKind::Copy,
            Self::Delete(_) => CommandKind::Delete,
            Self::Exec(_) => CommandKind::Exec,
            Self::Get(_) => CommandKind::Get,
            Self::Replace(_) => CommandKind::Replace,
            Self::Results(_) => CommandKind::Results,
            Self::Sequence(_) => CommandKind::Sequence,
            Self::Status(_) => CommandKind::Status,
            Self::Malformed(c) => c.element,
            Self::Unknown(_) => return None,
        })
    }

    /// The element name: `"Add"`, `"Atomic"`, …, or the unknown element's name.
    pub fn name(&self) -> &str {
        match (self, self.kind()) {
            (Self::Unknown(c), _) => &c.name,
            (_, Some(kind)) => kind.as_str(),
            (_, None) => "",
        }
    }

    /// The bytes of the whole command in the decoded input (from its `<` to the end of its end
    /// tag; [`Span::default`] for a command built in code).
    pub fn span(&self) -> Span {
        self.head().span
    }

    /// The bytes of the command's `CmdID` content, when it has one and it was decoded.
    pub fn cmd_id_span(&self) -> Option<Span> {
        self.head().cmd_id_span
    }

    /// Position of the command's start tag.
    pub fn pos(&self) -> Pos {
        self.head().pos
    }

    /// The body of an item command (Add, Copy, Delete, Exec, Get, Replace), for the code
    /// that treats the six alike.
    pub fn item_command(&self) -> Option<&ItemCommand> {
        match self {
            Self::Add(c)
            | Self::Copy(c)
            | Self::Delete(c)
            | Self::Exec(c)
            | Self::Get(c)
            | Self::Replace(c) => Some(c),
            _ => None,
        }
    }

    /// The body of an item command, to change it.
    pub fn item_command_mut(&mut self) -> Option<&mut ItemCommand> {
        match self {
            Self::Add(c)
            | Self::Copy(c)
            | Self::Delete(c)
            | Self::Exec(c)
            | Self::Get(c)
            | Self::Replace(c) => Some(c),
            _ => None,
        }
    }

    /// The command's items (none for containers, unknown and malformed commands).
    pub fn items(&self) -> &[Item] {
        match self {
            Self::Alert(c) => &c.items,
            Self::Results(c) => &c.items,
            Self::Status(c) => &c.items,
            _ => self.item_command().map_or(&[], |c| &c.items),
        }
    }

    /// Whether any `Data` in the command carries `msft:originalerror`.
    pub(crate) fn has_original_error(&self) -> bool {
        let in_items = |items: &[Item]| {
            items
                .iter()
                .any(|i| i.data.as_ref().is_some_and(|d| d.original_error.is_some()))
        };
        match self {
            Self::Atomic(c) | Self::Sequence(c) => c.commands.iter().any(Self::has_original_error),
            Self::Status(c) => c.data.original_error.is_some() || in_items(&c.items),
            other => in_items(other.items()),
        }
    }
}

impl Encode for Command {
    fn write(&self, out: &mut String) {
        match self {
            Self::Add(c) => c.write(out, "Add"),
            Self::Alert(c) => c.write(out),
            Self::Atomic(c) => c.write(out, "Atomic"),
            Self::Copy(c) => c.write(out, "Copy"),
            Self::Delete(c) => c.write(out, "Delete"),
            Self::Exec(c) => c.write(out, "Exec"),
            Self::Get(c) => c.write(out, "Get"),
            Self::Replace(c) => c.write(out, "Replace"),
            Self::Results(c) => c.write(out),
            Self::Sequence(c) => c.write(out, "Sequence"),
            Self::Status(c) => c.write(out),
            Self::Unknown(c) => write_stub(out, &c.name, c.head.cmd_id.as_ref()),
            Self::Malformed(c) => write_stub(out, c.element.as_str(), c.head.cmd_id.as_ref()),
        }
    }
}

/// What every element in command position has, whatever its kind: its `CmdID` and where it
/// was read. A command is this head and the body of its kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandHead {
    /// `CmdID`.
    pub cmd_id: Option<CmdId>,
    /// Position of the start tag.
    pub pos: Pos,
    /// The bytes of the whole element, from its `<` to the end of its end tag.
    pub span: Span,
    /// The bytes of its `CmdID`'s content (see [`Data::content`]), when it has one.
    pub cmd_id_span: Option<Span>,
}

impl CommandHead {
    /// A head with `cmd_id` and no position, for a command built in code.
    pub fn new(cmd_id: Option<CmdId>) -> Self {
        Self {
            cmd_id,
            ..Self::default()
        }
    }

    /// A head read at `at`: the CmdID `slot` holds (taken), the element ending at `end`.
    fn read(at: At, slot: &mut IdSlot, end: usize) -> Self {
        let (cmd_id, cmd_id_span) = take_cmd_id(slot);
        Self {
            cmd_id,
            pos: at.pos,
            span: Span::new(at.offset, end),
            cmd_id_span,
        }
    }
}

/// The shape shared by `Add`, `Copy`, `Delete`, `Exec`, `Get` and `Replace`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemCommand {
    /// `CmdID` and where the element was read ([`CommandHead`]).
    pub head: CommandHead,
    /// `NoResp`: no status wanted.
    pub no_resp: bool,
    /// `Cred` (OMA-DM forbids it at command level; kept so the engine can say so).
    pub cred: Option<Box<Cred>>,
    /// `Meta` for the whole command: applies to items without their own (see
    /// [`ItemCommand::format_of`]).
    pub meta: Option<Box<Meta>>,
    /// `Item`s, at least one in a decoded command.
    pub items: Vec<Item>,
}

impl ItemCommand {
    /// The `Format` in force for `item`: the item's own, else the command's. The
    /// fallback is per field (an item `Meta` with only a `Type` still takes the
    /// command's `Format`).
    pub fn format_of<'s>(&'s self, item: &'s Item) -> Option<&'s str> {
        self.meta_field(item, |m| m.format.as_deref())
    }

    /// The `Type` in force for `item`, with the same fallback as
    /// [`ItemCommand::format_of`].
    pub fn type_of<'s>(&'s self, item: &'s Item) -> Option<&'s str> {
        self.meta_field(item, |m| m.type_.as_deref())
    }

    fn meta_field<'s>(
        &'s self,
        item: &'s Item,
        field: impl Fn(&'s Meta) -> Option<&'s str>,
    ) -> Option<&'s str> {
        item.meta
            .as_ref()
            .and_then(&field)
            .or_else(|| self.meta.as_deref().and_then(&field))
    }

    fn read(r: &mut Reader<'_>, at: At, cmd_id: &mut IdSlot) -> Res<Self> {
        let pos = at.pos;
        let mut cmd = Self::default();
        while let Some(child) = r.child()? {
            match child.name {
                "CmdID" => read_cmd_id(r, &child, cmd_id)?,
                "NoResp" => read_flag(r, &child, "NoResp", &mut cmd.no_resp)?,
                "Cred" => read_once(r, &child, "Cred", &mut cmd.cred, boxed(Cred::read))?,
                "Meta" => read_once(r, &child, "Meta", &mut cmd.meta, boxed(Meta::read))?,
                "Item" => push_item(&mut cmd.items, Item::read(r, &child)?),
                _ => return Err(r.unexpected(&child)),
            }
        }
        if cmd.items.is_empty() {
            return Err(Reader::missing("Item", pos));
        }
        cmd.head = CommandHead::read(at, cmd_id, r.end());
        Ok(cmd)
    }

    fn write(&self, out: &mut String, name: &str) {
        write_start(out, name, &self.head, self.no_resp);
        self.cred.write(out);
        self.meta.write(out);
        self.items.write(out);
        writer::close(out, name);
    }
}

/// An `Alert`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alert {
    /// `CmdID` and where the element was read ([`CommandHead`]).
    pub head: CommandHead,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Cred`.
    pub cred: Option<Box<Cred>>,
    /// `Data`: the alert code as written (see [`Alert::code`]).
    pub data: Option<Text>,
    /// `Item`s: the alert's parameters (for 1224 and 1226, each with a `Meta` `Type`).
    pub items: Vec<Item>,
}

impl Alert {
    /// The alert code, if `data` is a decimal number.
    pub fn code(&self) -> Option<crate::AlertCode> {
        self.data.as_deref()?.parse().ok()
    }

    fn read(r: &mut Reader<'_>, at: At, cmd_id: &mut IdSlot) -> Res<Self> {
        let mut alert = Self::default();
        while let Some(child) = r.child()? {
            match child.name {
                "CmdID" => read_cmd_id(r, &child, cmd_id)?,
                "NoResp" => read_flag(r, &child, "NoResp", &mut alert.no_resp)?,
                "Cred" => read_once(r, &child, "Cred", &mut alert.cred, boxed(Cred::read))?,
                "Data" => read_once(r, &child, "Data", &mut alert.data, read_text)?,
                "Item" => push_item(&mut alert.items, Item::read(r, &child)?),
                _ => return Err(r.unexpected(&child)),
            }
        }
        alert.head = CommandHead::read(at, cmd_id, r.end());
        Ok(alert)
    }

    fn write(&self, out: &mut String) {
        write_start(out, "Alert", &self.head, self.no_resp);
        self.cred.write(out);
        writer::optional(out, "Data", self.data.as_deref());
        self.items.write(out);
        writer::close(out, "Alert");
    }
}

/// A `Status`: the outcome of one command (or of the `SyncHdr`, with `CmdRef` 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// `CmdID` and where the element was read ([`CommandHead`]).
    pub head: CommandHead,
    /// `MsgRef`: the `MsgID` of the message holding the command.
    pub msg_ref: Option<Text>,
    /// `CmdRef`: the `CmdID` of the command (`0` for the `SyncHdr`). Mandatory.
    pub cmd_ref: CmdId,
    /// `Cmd`: the command's element name (`SyncHdr` for the header). Mandatory.
    pub cmd: CmdName,
    /// `Cred`.
    pub cred: Option<Box<Cred>>,
    /// `Chal`: an authentication challenge.
    pub chal: Option<Box<Chal>>,
    /// `TargetRef`s: the targets this status covers.
    pub target_refs: Vec<String>,
    /// `SourceRef`s: the sources this status covers.
    pub source_refs: Vec<String>,
    /// `Data`: the status code (see [`Status::code`]), possibly with
    /// `msft:originalerror`. Mandatory.
    pub data: Data,
    /// `Item`s.
    pub items: Vec<Item>,
}

impl Status {
    /// The status code, if `data` is a decimal number.
    pub fn code(&self) -> Option<crate::StatusCode> {
        self.data.text.parse().ok()
    }

    fn read(r: &mut Reader<'_>, at: At, cmd_id: &mut IdSlot) -> Res<Self> {
        let pos = at.pos;
        let mut status = Self::default();
        let mut cmd_ref = None;
        let mut cmd = None;
        let mut data = None;
        while let Some(child) = r.child()? {
            match child.name {
                "CmdID" => read_cmd_id(r, &child, cmd_id)?,
                "MsgRef" => read_once(r, &child, "MsgRef", &mut status.msg_ref, read_text)?,
                "CmdRef" => read_once(r, &child, "CmdRef", &mut cmd_ref, read_cmd_ref)?,
                "Cmd" => read_once(r, &child, "Cmd", &mut cmd, read_cmd_name)?,
                "Cred" => read_once(r, &child, "Cred", &mut status.cred, boxed(Cred::read))?,
                "Chal" => read_once(r, &child, "Chal", &mut status.chal, boxed(Chal::read))?,
                "TargetRef" => status.target_refs.push(read_string(r, &child)?),
                "SourceRef" => status.source_refs.push(read_string(r, &child)?),
                "Data" => read_once(r, &child, "Data", &mut data, Data::read)?,
                "Item" => push_item(&mut status.items, Item::read(r, &child)?),
                _ => return Err(r.unexpected(&child)),
            }
        }
        status.cmd_ref = cmd_ref.ok_or_else(|| Reader::missing("CmdRef", pos))?;
        status.cmd = cmd.ok_or_else(|| Reader::missing("Cmd", pos))?;
        status.data = data.ok_or_else(|| Reader::missing("Data", pos))?;
        status.head = CommandHead::read(at, cmd_id, r.end());
        Ok(status)
    }

    fn write(&self, out: &mut String) {
        writer::open(out, "Status");
        write_cmd_id(out, self.head.cmd_id.as_ref());
        writer::optional(out, "MsgRef", self.msg_ref.as_deref());
        writer::element(out, "CmdRef", self.cmd_ref.as_str());
        writer::element(out, "Cmd", self.cmd.as_str());
        writer::elements(out, "TargetRef", &self.target_refs);
        writer::elements(out, "SourceRef", &self.source_refs);
        self.cred.write(out);
        self.chal.write(out);
        self.data.write(out);
        self.items.write(out);
        writer::close(out, "Status");
    }
}

/// A `Results`: data read by a `Get`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Results {
    /// `CmdID` and where the element was read ([`CommandHead`]).
    pub head: CommandHead,
    /// `MsgRef`.
    pub msg_ref: Option<Text>,
    /// `CmdRef`: the `CmdID` of the `Get`. Mandatory.
    pub cmd_ref: CmdId,
    /// `Cmd`: normally `Get`.
    pub cmd: Option<CmdName>,
    /// `Meta` for all items.
    pub meta: Option<Box<Meta>>,
    /// `TargetRef`s.
    pub target_refs: Vec<String>,
    /// `SourceRef`s.
    pub source_refs: Vec<String>,
    /// `Item`s, at least one in a decoded `Results`.
    pub items: Vec<Item>,
}

impl Results {
    fn read(r: &mut Reader<'_>, at: At, cmd_id: &mut IdSlot) -> Res<Self> {
        let pos = at.pos;
        let mut results = Self::default();
        let mut cmd_ref = None;
        while let Some(child) = r.child()? {
            match child.name {
                "CmdID" => read_cmd_id(r, &child, cmd_id)?,
                "MsgRef" => read_once(r, &child, "MsgRef", &mut results.msg_ref, read_text)?,
                "CmdRef" => read_once(r, &child, "CmdRef", &mut cmd_ref, read_cmd_ref)?,
                "Cmd" => read_once(r, &child, "Cmd", &mut results.cmd, read_cmd_name)?,
                "Meta" => read_once(r, &child, "Meta", &mut results.meta, boxed(Meta::read))?,
                "TargetRef" => results.target_refs.push(read_string(r, &child)?),
                "SourceRef" => results.source_refs.push(read_string(r, &child)?),
                "Item" => push_item(&mut results.items, Item::read(r, &child)?),
                _ => return Err(r.unexpected(&child)),
            }
        }
        results.cmd_ref = cmd_ref.ok_or_else(|| Reader::missing("CmdRef", pos))?;
        if results.items.is_empty() {
            return Err(Reader::missing("Item", pos));
        }
        results.head = CommandHead::read(at, cmd_id, r.end());
        Ok(results)
    }

    fn write(&self, out: &mut String) {
        writer::open(out, "Results");
        write_cmd_id(out, self.head.cmd_id.as_ref());
        writer::optional(out, "MsgRef", self.msg_ref.as_deref());
        writer::element(out, "CmdRef", self.cmd_ref.as_str());
        writer::optional(out, "Cmd", self.cmd.as_ref().map(CmdName::as_str));
        self.meta.write(out);
        writer::elements(out, "TargetRef", &self.target_refs);
        writer::elements(out, "SourceRef", &self.source_refs);
        self.items.write(out);
        writer::close(out, "Results");
    }
}

/// An `Atomic` or `Sequence`: a container of commands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    /// `CmdID` and where the element was read ([`CommandHead`]).
    pub head: CommandHead,
    /// `NoResp`.
    pub no_resp: bool,
    /// `Meta`.
    pub meta: Option<Box<Meta>>,
    /// The member commands, in order (may be empty).
    pub commands: Vec<Command>,
}

impl Container {
    fn write(&self, out: &mut String, name: &str) {
        write_start(out, name, &self.head, self.no_resp);
        self.meta.write(out);
        self.commands.write(out);
        writer::close(out, name);
    }
}

/// An element in command position that is not a SyncML command.
///
/// Only its name and its `CmdID` child (if any, so a `Status` can reference it) are
/// kept; the rest of its content is checked as XML and skipped. The encoder writes
/// it back as `<name><CmdID>…</CmdID></name>`; `name` must be an XML name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnknownElement {
    /// The element name as written (prefix included).
    pub name: String,
    /// Its first direct `CmdID` child and where the element was read (the CmdID's content
    /// span is not kept, `None`, as the rest of the element).
    pub head: CommandHead,
}

/// A known command whose content breaks the SyncML grammar.
///
/// The message still decodes; the engine answers this command 400. Only the element
/// name and the `CmdID` (when one was found) are kept, so a `Malformed` does not
/// round-trip: the encoder writes just `<element><CmdID>…</CmdID></element>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// The command.
    pub element: CommandKind,
    /// Its `CmdID` when one was found (its content span when it was read before the grammar
    /// error) and where the command was read.
    pub head: CommandHead,
    /// What is wrong.
    pub reason: MalformedReason,
    /// Where the problem is (the offending child, or the command for a missing one).
    pub reason_pos: Pos,
}

/// How an element breaks the SyncML grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MalformedReason {
    /// A child element that the element does not allow, or any child element in an
    /// element that holds only text or nothing.
    UnexpectedElement {
        /// The child's name as written.
        element: String,
    },
    /// A child that may appear once appears again.
    DuplicateElement {
        /// The repeated child.
        element: &'static str,
    },
    /// A mandatory child is missing (`Item` in `Add`, `CmdRef` in `Status`, `LocURI`
    /// in `Target`, …).
    MissingElement {
        /// The missing child.
        element: &'static str,
    },
    /// Text where only elements belong, or inside an element that must be empty.
    UnexpectedText,
}

impl fmt::Display for MalformedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedElement { element } => write!(f, "<{element}> is not allowed here"),
            Self::DuplicateElement { element } => write!(f, "<{element}> appears twice"),
            Self::MissingElement { element } => write!(f, "<{element}> is missing"),
            Self::UnexpectedText => f.write_str("text is not allowed here"),
        }
    }
}

/// Reads the commands of a `SyncBody` whose start tag was just read, up to and
/// including its end tag: the commands and whether `Final` was present.
///
/// `Atomic` and `Sequence` are handled with an explicit stack, so nesting costs no
/// recursion; everything else has a fixed depth.
pub(crate) fn read_body(r: &mut Reader<'_>) -> Result<(Vec<Command>, bool), DecodeError> {
    let mut top = Vec::new();
    let mut final_ = false;
    let mut stack: Vec<Building> = Vec::new();
    loop {
        match r.next()? {
            Tok::Open(open) => {
                r.check_namespace(&open)?;
                if let Some(building) = stack.last_mut() {
                    if matches!(open.name, "CmdID" | "NoResp" | "Meta") {
                        match building.read_own(r, &open) {
                            Ok(()) => {}
                            Err(Fault::Fatal(e)) => return Err(e),
                            Err(Fault::Grammar { reason, pos }) => {
                                fail_container(r, &mut stack, &mut top, reason, pos)?;
                            }
                        }
                        continue;
                    }
                } else if open.name == "Final" {
                    if final_ {
                        return Err(body_grammar(r.duplicate("Final", &open)));
                    }
                    r.empty().map_err(body_grammar)?;
                    final_ = true;
                    continue;
                }
                r.count_command(open.offset)?;
                let command = match open.name.parse::<CommandKind>() {
                    Ok(kind) if kind.is_container() => {
                        stack.push(Building {
                            kind,
                            container: Container {
                                head: CommandHead {
                                    pos: r.pos(open.offset),
                                    span: Span::new(open.offset, open.offset),
                                    ..CommandHead::default()
                                },
                                ..Container::default()
                            },
                            depth: r.depth(),
                        });
                        continue;
                    }
                    Ok(kind) => read_command(r, kind, &open)?,
                    Err(_) => read_unknown(r, &open)?,
                };
                push(&mut stack, &mut top, command);
            }
            Tok::Text(piece) => {
                if piece.is_whitespace() {
                    continue;
                }
                let pos = r.pos(piece.first_content.unwrap_or_default());
                if stack.is_empty() {
                    return Err(DecodeError::Grammar {
                        within: "SyncBody",
                        reason: MalformedReason::UnexpectedText,
                        pos,
                    });
                }
                fail_container(
                    r,
                    &mut stack,
                    &mut top,
                    MalformedReason::UnexpectedText,
                    pos,
                )?;
            }
            Tok::Close(_) => match stack.pop() {
                Some(building) => {
                    let command = building.finish(r.end());
                    push(&mut stack, &mut top, command);
                }
                None => return Ok((top, final_)),
            },
            Tok::Eof => {
                return Err(DecodeError::Truncated {
                    element: "SyncBody".to_owned(),
                    pos: Pos::default(),
                });
            }
        }
    }
}

/// A container being read.
struct Building {
    /// `Atomic` or `Sequence`.
    kind: CommandKind,
    container: Container,
    /// Depth of its element.
    depth: usize,
}

impl Building {
    /// Reads one of the container's own children (`CmdID`, `NoResp`, `Meta`).
    fn read_own(&mut self, r: &mut Reader<'_>, open: &Open<'_>) -> Res<()> {
        let c = &mut self.container;
        match open.name {
            "CmdID" => {
                if c.head.cmd_id.is_some() {
                    return Err(r.duplicate("CmdID", open));
                }
                let mut slot = None;
                read_cmd_id(r, open, &mut slot)?;
                (c.head.cmd_id, c.head.cmd_id_span) = take_cmd_id(&mut slot);
                Ok(())
            }
            "NoResp" => read_flag(r, open, "NoResp", &mut c.no_resp),
            _ => read_once(r, open, "Meta", &mut c.meta, boxed(Meta::read)),
        }
    }

    /// The container, its end tag ending at `end`.
    fn finish(mut self, end: usize) -> Command {
        self.container.head.span.end = end;
        match self.kind {
            CommandKind::Sequence => Command::Sequence(self.container),
            _ => Command::Atomic(self.container),
        }
    }
}

/// Turns the innermost container into a `Malformed` after a grammar error in its own
/// content, skipping the rest of it.
fn fail_container(
    r: &mut Reader<'_>,
    stack: &mut Vec<Building>,
    top: &mut Vec<Command>,
    reason: MalformedReason,
    reason_pos: Pos,
) -> Result<(), DecodeError> {
    let Some(building) = stack.pop() else {
        return Ok(());
    };
    let head = building.container.head;
    let found = r.recover(building.depth, head.cmd_id.is_none())?;
    let cmd_id = head.cmd_id.or(found);
    let malformed = Malformed {
        element: building.kind,
        head: CommandHead {
            cmd_id_span: head.cmd_id_span.filter(|_| cmd_id.is_some()),
            cmd_id,
            pos: head.pos,
            span: Span::new(head.span.start, r.end()),
        },
        reason,
        reason_pos,
    };
    push(stack, top, Command::Malformed(malformed));
    Ok(())
}

/// Adds an item to a command's items. Most commands hold one: the first is given room for
/// itself alone (a `Vec` grows to four at once, and four items are a large allocation).
fn push_item(items: &mut Vec<Item>, item: Item) {
    if items.capacity() == 0 {
        items.reserve_exact(1);
    }
    items.push(item);
}

fn push(stack: &mut [Building], top: &mut Vec<Command>, command: Command) {
    match stack.last_mut() {
        Some(building) => building.container.commands.push(command),
        None => top.push(command),
    }
}

/// Reads a non-container command whose start tag was just read.
fn read_command(
    r: &mut Reader<'_>,
    kind: CommandKind,
    open: &Open<'_>,
) -> Result<Command, DecodeError> {
    let depth = r.depth();
    let pos = r.pos(open.offset);
    let at = At {
        pos,
        offset: open.offset,
    };
    let mut cmd_id = None;
    let id = &mut cmd_id;
    let result = match kind {
        CommandKind::Add => ItemCommand::read(r, at, id).map(Command::Add),
        CommandKind::Alert => Alert::read(r, at, id).map(Command::Alert),
        CommandKind::Copy => ItemCommand::read(r, at, id).map(Command::Copy),
        CommandKind::Delete => ItemCommand::read(r, at, id).map(Command::Delete),
        CommandKind::Exec => ItemCommand::read(r, at, id).map(Command::Exec),
        CommandKind::Get => ItemCommand::read(r, at, id).map(Command::Get),
        CommandKind::Replace => ItemCommand::read(r, at, id).map(Command::Replace),
        CommandKind::Results => Results::read(r, at, id).map(Command::Results),
        CommandKind::Status => Status::read(r, at, id).map(Command::Status),
        // `read_body` reads the containers: not reached.
        CommandKind::Atomic | CommandKind::Sequence => {
            return Err(DecodeError::Truncated {
                element: kind.as_str().to_owned(),
                pos,
            });
        }
    };
    match result {
        Ok(command) => Ok(command),
        Err(Fault::Fatal(e)) => Err(e),
        Err(Fault::Grammar {
            reason,
            pos: reason_pos,
        }) => {
            let found = r.recover(depth, cmd_id.is_none())?;
            let mut head = CommandHead::read(at, &mut cmd_id, r.end());
            head.cmd_id = head.cmd_id.or(found);
            Ok(Command::Malformed(Malformed {
                element: kind,
                head,
                reason,
                reason_pos,
            }))
        }
    }
}

/// Reads an unknown element whose start tag was just read.
fn read_unknown(r: &mut Reader<'_>, open: &Open<'_>) -> Result<Command, DecodeError> {
    let pos = r.pos(open.offset);
    let depth = r.depth();
    let cmd_id = r.recover(depth, true)?;
    Ok(Command::Unknown(UnknownElement {
        name: open.name.to_owned(),
        head: CommandHead {
            cmd_id,
            pos,
            span: Span::new(open.offset, r.end()),
            cmd_id_span: None,
        },
    }))
}

fn read_cmd_id(r: &mut Reader<'_>, open: &Open<'_>, slot: &mut IdSlot) -> Res<()> {
    if slot.is_some() {
        return Err(r.duplicate("CmdID", open));
    }
    let text = r.text(open)?;
    *slot = Some((
        CmdId(Text::from(text.value)),
        content_span(r, open, text.end),
    ));
    Ok(())
}

/// The CmdID a slot holds and the bytes of its content; the slot is left empty.
fn take_cmd_id(slot: &mut IdSlot) -> (Option<CmdId>, Option<Span>) {
    match slot.take() {
        Some((id, span)) => (Some(id), Some(span)),
        None => (None, None),
    }
}

/// Reads an empty flag element (`NoResp`, `MoreData`): a second one is a grammar error.
pub(super) fn read_flag(
    r: &mut Reader<'_>,
    open: &Open<'_>,
    name: &'static str,
    flag: &mut bool,
) -> Res<()> {
    if *flag {
        return Err(r.duplicate(name, open));
    }
    r.empty()?;
    *flag = true;
    Ok(())
}

/// Reads a child that may appear once into `slot`: a second one is a grammar error.
pub(super) fn read_once<'a, 'o, T>(
    r: &mut Reader<'a>,
    open: &Open<'o>,
    name: &'static str,
    slot: &mut Option<T>,
    read: impl FnOnce(&mut Reader<'a>, &Open<'o>) -> Res<T>,
) -> Res<()> {
    if slot.is_some() {
        return Err(r.duplicate(name, open));
    }
    *slot = Some(read(r, open)?);
    Ok(())
}

/// `read`, its value boxed: the parts a command seldom has (a command-level `Cred`, `Chal` or
/// `Meta`) are kept out of line, so that a `Command` stays small (commands are moved and
/// held in `Vec`s by value).
fn boxed<'a, 'o, T>(
    read: impl FnOnce(&mut Reader<'a>, &Open<'o>) -> Res<T>,
) -> impl FnOnce(&mut Reader<'a>, &Open<'o>) -> Res<Box<T>> {
    move |r, open| read(r, open).map(Box::new)
}

/// Reads an element's text as a `String`.
pub(super) fn read_string(r: &mut Reader<'_>, open: &Open<'_>) -> Res<String> {
    Ok(r.text(open)?.value.into_owned())
}

fn read_text(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Text> {
    Ok(Text::from(r.text(open)?.value))
}

fn read_cmd_name(r: &mut Reader<'_>, open: &Open<'_>) -> Res<CmdName> {
    read_text(r, open).map(CmdName::from)
}

fn read_cmd_ref(r: &mut Reader<'_>, open: &Open<'_>) -> Res<CmdId> {
    read_text(r, open).map(CmdId)
}

fn body_grammar(fault: Fault) -> DecodeError {
    match fault {
        Fault::Fatal(e) => e,
        Fault::Grammar { reason, pos } => DecodeError::Grammar {
            within: "SyncBody",
            reason,
            pos,
        },
    }
}

fn write_cmd_id(out: &mut String, cmd_id: Option<&CmdId>) {
    writer::optional(out, "CmdID", cmd_id.map(CmdId::as_str));
}

/// Writes a command's start tag, its `CmdID` and its `NoResp`.
fn write_start(out: &mut String, name: &str, head: &CommandHead, no_resp: bool) {
    writer::open(out, name);
    write_cmd_id(out, head.cmd_id.as_ref());
    writer::flag(out, "NoResp", no_resp);
}

fn write_stub(out: &mut String, name: &str, cmd_id: Option<&CmdId>) {
    match cmd_id {
        Some(id) => {
            writer::open(out, name);
            write_cmd_id(out, Some(id));
            writer::close(out, name);
        }
        None => writer::flag(out, name, true),
    }
}
