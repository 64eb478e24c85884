//! The MS-MDM messages as pure functions: the device's first package, the generic alert that
//! asks to be unenrolled, reading a server's message (every check a device makes before it
//! applies anything), and packing the device's answers into messages that fit the server's
//! `MaxMsgSize` (OMA-DM multi-message packages, reference `omadm/EN_21`).
//!
//! Nothing here does I/O; every function can be called on hostile input and returns a value
//! or a typed error, so a fuzz target can drive it.

use std::collections::VecDeque;

use pfw_syncml::{
    Alert, AlertCode, CmdId, CmdName, Command, Data, Item, Limits, Meta, Results, Source, Status,
    StatusCode, SyncBody, SyncHdr, SyncMl, Target,
};

use crate::error::SessionError;

/// Who started the session (the first package's alert).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiation {
    /// The device, on its schedule or its user's request: Alert 1201.
    Client,
    /// The server, through a notification: Alert 1200.
    Server,
}

impl Initiation {
    /// The alert code.
    pub fn code(self) -> AlertCode {
        match self {
            Self::Client => AlertCode::ClientInitiatedMgmt,
            Self::Server => AlertCode::ServerInitiatedMgmt,
        }
    }
}

/// Who is signed in, as the first package's LoginStatus alert says (reference §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginStatus {
    /// Nobody is signed in.
    None,
    /// Another user, without an MDM account, is signed in.
    Others,
    /// The enrolled user is signed in.
    User,
}

impl LoginStatus {
    /// The value as Windows sends it (lower case, as the real capture).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Others => "others",
            Self::User => "user",
        }
    }
}

/// The session's addressing: SessionID, the server's URL (Target) and the device's
/// identifier (Source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addressing {
    /// SessionID, the same for every message of the session.
    pub session_id: String,
    /// The management address without its query (the SyncHdr Target).
    pub server: String,
    /// The device identifier (the SyncHdr Source, `./DevInfo/DevId`).
    pub device_id: String,
}

impl Addressing {
    /// The device's SyncHdr for message `msg_id`, with `MaxMsgSize` when given.
    pub fn header(&self, msg_id: u32, max_msg_size: Option<usize>) -> SyncHdr {
        SyncHdr {
            ver_dtd: "1.2".to_owned(),
            ver_proto: "DM/1.2".to_owned(),
            session_id: self.session_id.clone(),
            msg_id: msg_id.to_string(),
            target: Some(Target::new(self.server.as_str())),
            source: Some(Source::new(self.device_id.as_str())),
            meta: max_msg_size.map(|size| Meta {
                max_msg_size: Some(size.to_string().into()),
                ..Meta::default()
            }),
            ..SyncHdr::default()
        }
    }
}

/// The device's first package (reference §4.2, the real capture): Alert 1201 or 1200,
/// the 1224 LoginStatus alert, a Replace of the DevInfo values (Source LocURI and Data, no
/// Meta), then `extra` alerts (the unenrollment request), `Final`. CmdIDs start at 2, as
/// Windows's do.
pub fn first_message(
    addressing: &Addressing,
    max_msg_size: usize,
    initiation: Initiation,
    login: LoginStatus,
    dev_info: &[(&str, String)],
    extra: Vec<Alert>,
) -> SyncMl {
    let mut commands = vec![
        Command::Alert(Alert {
            data: Some(initiation.code().code().to_string().into()),
            ..Alert::default()
        }),
        Command::Alert(Alert {
            data: Some(AlertCode::ClientEvent.code().to_string().into()),
            items: vec![Item {
                meta: Some(Meta {
                    type_: Some(LOGIN_STATUS_TYPE.into()),
                    ..Meta::default()
                }),
                data: Some(Data::new(login.as_str())),
                ..Item::default()
            }],
            ..Alert::default()
        }),
        Command::Replace(pfw_syncml::ItemCommand {
            items: dev_info
                .iter()
                .map(|(uri, value)| Item {
                    source: Some(Source::new(*uri)),
                    data: Some(Data::new(value.as_str())),
                    ..Item::default()
                })
                .collect(),
            ..pfw_syncml::ItemCommand::default()
        }),
    ];
    commands.extend(extra.into_iter().map(Command::Alert));
    number(&mut commands, FIRST_CMD_ID);
    SyncMl {
        hdr: Some(addressing.header(1, Some(max_msg_size))),
        body: SyncBody {
            commands,
            final_: true,
            ..SyncBody::default()
        },
        ..SyncMl::default()
    }
}

/// The generic alert that asks the server to unenroll the device (reference §4.9).
pub fn unenroll_alert() -> Alert {
    Alert {
        data: Some(AlertCode::GenericAlert.code().to_string().into()),
        items: vec![Item {
            meta: Some(Meta {
                type_: Some(UNENROLL_ALERT_TYPE.into()),
                format: Some("int".into()),
                ..Meta::default()
            }),
            data: Some(Data::new("1")),
            ..Item::default()
        }],
        ..Alert::default()
    }
}

/// A server's message, read and checked.
#[derive(Clone, Debug)]
pub struct ServerMessage {
    /// The message.
    pub message: SyncMl,
    /// Its MsgID.
    pub msg_id: String,
    /// It closes the server's package (`Final`).
    pub final_: bool,
    /// The server's Status for the device's SyncHdr.
    pub header_status: u16,
    /// Every Status the server sent: (the command it answers, its code).
    pub statuses: Vec<(String, u16)>,
    /// The server aborts the session (Alert 1223).
    pub abort: bool,
    /// The server asks for the device's next message (Alert 1222).
    pub next_message: bool,
    /// The message holds management commands (anything but Status, Results and Alerts 1222
    /// and 1223).
    pub has_commands: bool,
    /// The server's `MaxMsgSize`, when it states one.
    pub max_msg_size: Option<usize>,
}

/// Reads the server's message number `index` (1-based) of a session: it must decode within
/// `limits` and carry a SyncHdr for this session and this device (VerProto `DM/1.2`, the
/// session's SessionID, Target the device identifier) with a Status for the device's SyncHdr
/// that is not an authentication challenge.
pub fn read_server_message(
    bytes: &[u8],
    addressing: &Addressing,
    index: usize,
    limits: &Limits,
) -> Result<ServerMessage, SessionError> {
    let message = SyncMl::decode(bytes, limits).map_err(|source| SessionError::Garbage {
        message: index,
        source,
    })?;
    let protocol = |reason: String| SessionError::Protocol {
        message: index,
        reason,
    };
    let hdr = message
        .hdr
        .as_ref()
        .ok_or_else(|| protocol("no SyncHdr".to_owned()))?;
    if hdr.ver_proto.trim() != "DM/1.2" {
        return Err(protocol(format!(
            "VerProto {:?}, not DM/1.2",
            short(&hdr.ver_proto)
        )));
    }
    if hdr.session_id.trim() != addressing.session_id {
        return Err(protocol(format!(
            "SessionID {:?}, not this session's {:?}",
            short(&hdr.session_id),
            addressing.session_id
        )));
    }
    let target = hdr.target.as_ref().map(|t| t.loc_uri.as_str().trim());
    if target != Some(addressing.device_id.as_str()) {
        return Err(protocol(format!(
            "addressed to {:?}, not to this device",
            target.map(short)
        )));
    }
    let max_msg_size = hdr
        .meta
        .as_ref()
        .and_then(|m| m.max_msg_size.as_deref())
        .and_then(|s| s.trim().parse::<usize>().ok());
    let mut header_status = None;
    let mut statuses = Vec::new();
    let (mut abort, mut next_message, mut has_commands) = (false, false, false);
    for command in &message.body.commands {
        match command {
            Command::Status(status) => {
                let code = status.data.text.trim().parse::<u16>().unwrap_or(0);
                if status.cmd_ref.as_str().trim() == "0" {
                    if let Some(chal) = &status.chal {
                        let scheme = chal.meta.type_.as_deref().unwrap_or("unnamed");
                        return Err(SessionError::Challenged(short(scheme)));
                    }
                    header_status.get_or_insert(code);
                }
                statuses.push((short(status.cmd.as_str()), code));
            }
            Command::Results(_) => {}
            Command::Alert(alert) => match alert.code() {
                Some(AlertCode::SessionAbort) => abort = true,
                Some(AlertCode::NextMessage) => next_message = true,
                _ => has_commands = true,
            },
            _ => has_commands = true,
        }
    }
    let header_status =
        header_status.ok_or_else(|| protocol("no Status for the device's SyncHdr".to_owned()))?;
    if !StatusCode::from(header_status).is_success() {
        return Err(SessionError::Refused(format!(
            "status {header_status} for the device's SyncHdr"
        )));
    }
    Ok(ServerMessage {
        msg_id: hdr.msg_id.trim().to_owned(),
        final_: message.body.final_,
        message,
        header_status,
        statuses,
        abort,
        next_message,
        has_commands,
        max_msg_size,
    })
}

/// Packs the device's next message: `hdr`, then `head` (the Status for the server's SyncHdr),
/// then as many commands from `queue` as fit in `max_size` bytes (all when `None`), then
/// `tail` (an Alert 1222 asking for the server's next message). A Results too large for what
/// is left is cut between its items. At least one queued command goes into every message,
/// even one that alone is too large (pfw does not chunk large objects). `Final` is set when
/// the queue is empty afterwards and `may_end` is true. CmdIDs are numbered from 1.
pub fn pack(
    hdr: SyncHdr,
    head: Vec<Command>,
    queue: &mut VecDeque<Command>,
    tail: Vec<Command>,
    may_end: bool,
    max_size: Option<usize>,
) -> SyncMl {
    let head_len = head.len();
    let mut body = head;
    let Some(max) = max_size else {
        body.extend(queue.drain(..));
        return assemble(hdr, body, tail, may_end);
    };
    // Sizes are estimated command by command (each encoded once), then the whole message is
    // confirmed below.
    let mut used = assemble(hdr.clone(), body.clone(), tail.clone(), true)
        .encode()
        .len();
    while let Some(next) = queue.pop_front() {
        let size = command_size(&next) + CMD_ID_SLACK;
        if used + size <= max {
            used += size;
            body.push(next);
            continue;
        }
        // It does not fit: cut a Results between its items, else leave it for later.
        match next {
            Command::Results(results) if results.items.len() > 1 => {
                let mut kept = Results {
                    items: Vec::new(),
                    ..results.clone()
                };
                let mut rest = kept.clone();
                let mut kept_size = command_size(&Command::Results(kept.clone())) + CMD_ID_SLACK;
                let mut items = results.items.into_iter();
                for item in items.by_ref() {
                    let item_size = item_size(&item);
                    if used + kept_size + item_size <= max {
                        kept_size += item_size;
                        kept.items.push(item);
                    } else {
                        rest.items.push(item);
                        break;
                    }
                }
                rest.items.extend(items);
                if kept.items.is_empty() && body.len() == head_len && !rest.items.is_empty() {
                    // Not even one item fits in an empty message: send one item alone.
                    kept.items.push(rest.items.remove(0));
                }
                if !kept.items.is_empty() {
                    body.push(Command::Results(kept));
                }
                if !rest.items.is_empty() {
                    queue.push_front(Command::Results(rest));
                }
            }
            // Nothing queued fits yet: this one goes alone, too large as it is.
            other if body.len() == head_len => body.push(other),
            other => queue.push_front(other),
        }
        break;
    }
    loop {
        let message = assemble(hdr.clone(), body.clone(), tail.clone(), false);
        if message.encode().len() <= max || body.len() <= head_len + 1 {
            let final_ = queue.is_empty() && may_end;
            return assemble(hdr, body, tail, final_);
        }
        // The estimate was short (CmdIDs grew): give the last command back.
        if let Some(last) = body.pop() {
            queue.push_front(last);
        }
    }
}

/// A device message: `hdr`, `body` then `tail`, CmdIDs numbered from 1.
fn assemble(hdr: SyncHdr, mut body: Vec<Command>, tail: Vec<Command>, final_: bool) -> SyncMl {
    body.extend(tail);
    number(&mut body, 1);
    SyncMl {
        hdr: Some(hdr),
        body: SyncBody {
            commands: body,
            final_,
            ..SyncBody::default()
        },
        ..SyncMl::default()
    }
}

/// The bytes `command` adds to a message.
fn command_size(command: &Command) -> usize {
    let with = SyncMl {
        body: SyncBody {
            commands: vec![command.clone()],
            ..SyncBody::default()
        },
        ..SyncMl::default()
    };
    with.encode()
        .len()
        .saturating_sub(SyncMl::default().encode().len())
}

/// The bytes one item adds to a Results.
fn item_size(item: &Item) -> usize {
    let one = Command::Results(Results {
        items: vec![item.clone()],
        ..Results::default()
    });
    let none = Command::Results(Results::default());
    command_size(&one).saturating_sub(command_size(&none))
}

/// The Status for the server's SyncHdr (CmdRef 0), answering its message `msg_ref`.
pub fn header_status(msg_ref: &str, code: StatusCode) -> Command {
    Command::Status(Status {
        msg_ref: Some(msg_ref.into()),
        cmd_ref: CmdId::new("0"),
        cmd: CmdName::SyncHdr,
        data: Data::status(code),
        ..Status::default()
    })
}

/// Alert 1222: the device asks for the server's next message.
pub fn next_message_alert() -> Command {
    Command::Alert(Alert {
        data: Some(AlertCode::NextMessage.code().to_string().into()),
        ..Alert::default()
    })
}

/// The management request URL: the address with `mode` and `Platform=WoA` (MS-MDM §2.1).
pub fn management_url(address: &str, user_present: bool) -> String {
    let mode = if user_present {
        "Maintenance"
    } else {
        "Machine"
    };
    let separator = if address.contains('?') { '&' } else { '?' };
    format!("{address}{separator}mode={mode}&Platform=WoA")
}

/// The management address without its query and fragment: the SyncHdr Target.
pub fn server_target(address: &str) -> &str {
    address.split(['?', '#']).next().unwrap_or(address)
}

/// Numbers commands' CmdIDs from `first`, in order.
fn number(commands: &mut [Command], first: u32) {
    for (i, command) in commands.iter_mut().enumerate() {
        *command.cmd_id_mut() = Some(CmdId::new((first as usize + i).to_string()));
    }
}

/// Server text kept in an error, shortened.
fn short(text: &str) -> String {
    crate::xml::shorten(text)
}

/// `Type` of the LoginStatus client event.
pub const LOGIN_STATUS_TYPE: &str = "com.microsoft/MDM/LoginStatus";
/// `Type` of the unenrollment generic alert.
pub const UNENROLL_ALERT_TYPE: &str = "com.microsoft:mdm.unenrollment.userrequest";
/// `MaxMsgSize` the device announces (what Intune announces, reference §4.7).
pub const DEFAULT_MAX_MSG_SIZE: usize = 524_288;
/// User-Agent of Windows's DM client.
pub const USER_AGENT: &str = "MSFT OMA DM Client/1.2.0.1";
/// Content type of MS-MDM messages in XML.
pub const CONTENT_TYPE: &str = "application/vnd.syncml.dm+xml";
/// `Accept` as the real capture sends it.
pub const ACCEPT: &str =
    "application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream";
/// Bytes allowed per command for its CmdID growing when the message is numbered.
const CMD_ID_SLACK: usize = 4;
/// The first CmdID of the first package (the real capture starts at 2).
const FIRST_CMD_ID: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    fn addressing() -> Addressing {
        Addressing {
            session_id: "1".to_owned(),
            server: "https://mdm.example.com/ManagementServer/MDM.svc".to_owned(),
            device_id: "1E08C6E95D8BB843B1278FF45BC60CC6".to_owned(),
        }
    }

    fn server_message(hdr_extra: &str, body: &str) -> String {
        format!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>{hdr_extra}</SyncHdr><SyncBody>{body}</SyncBody></SyncML>"#
        )
    }

    const OK_HDR: &str = r#"<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>1E08C6E95D8BB843B1278FF45BC60CC6</LocURI></Target><Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>"#;
    const HDR_STATUS: &str = r#"<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>"#;

    #[test]
    fn server_messages_are_checked_before_use() {
        let other_session = OK_HDR.replace("<SessionID>1<", "<SessionID>2<");
        let other_device = OK_HDR.replace(
            "1E08C6E95D8BB843B1278FF45BC60CC6</LocURI></Target>",
            "X</LocURI></Target>",
        );
        let refused_hdr = HDR_STATUS.replace("<Data>200<", "<Data>401<");
        let chal = HDR_STATUS.replace(
            "<Data>200</Data>",
            r#"<Chal><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta></Chal><Data>407</Data>"#,
        );
        for (message, expected) in [
            // MS-MDM example server reply shape: accepted.
            (
                server_message(OK_HDR, &format!("{HDR_STATUS}<Final/>")),
                "ok",
            ),
            ("not xml".to_owned(), "garbage"),
            (
                r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Final/></SyncBody></SyncML>"#
                    .to_owned(),
                "protocol",
            ),
            (server_message(&other_session, HDR_STATUS), "protocol"),
            (server_message(&other_device, HDR_STATUS), "protocol"),
            // MS-MDM §2.2.6.1: the server must send a Status for the SyncHdr.
            (server_message(OK_HDR, "<Final/>"), "protocol"),
            (server_message(OK_HDR, &refused_hdr), "refused"),
            (server_message(OK_HDR, &chal), "challenged"),
        ] {
            let got =
                match read_server_message(message.as_bytes(), &addressing(), 1, &Limits::DEFAULT) {
                    Ok(_) => "ok",
                    Err(e) => e.kind(),
                };
            assert_eq!(got, expected, "{message}");
        }
    }

    #[test]
    fn alerts_are_sorted_out() {
        let body = format!(
            "{HDR_STATUS}<Alert><CmdID>2</CmdID><Data>1222</Data></Alert><Get><CmdID>3</CmdID><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target></Item></Get>"
        );
        let m = read_server_message(
            server_message(OK_HDR, &body).as_bytes(),
            &addressing(),
            1,
            &Limits::DEFAULT,
        )
        .unwrap();
        assert!(m.next_message && m.has_commands && !m.final_ && !m.abort);
        assert_eq!(m.statuses, [("SyncHdr".to_owned(), 200)]);
    }

    #[test]
    fn pack_respects_the_size_and_cuts_results() {
        let status = |n: u32| {
            Command::Status(Status {
                msg_ref: Some("1".into()),
                cmd_ref: CmdId::from(n),
                cmd: "Get".into(),
                data: Data::new("200"),
                ..Status::default()
            })
        };
        let results = Command::Results(Results {
            msg_ref: Some("1".into()),
            cmd_ref: CmdId::new("2"),
            items: (0..20)
                .map(|i| Item {
                    source: Some(Source::new(format!("./DevDetail/Node{i}"))),
                    data: Some(Data::new("x".repeat(40))),
                    ..Item::default()
                })
                .collect(),
            ..Results::default()
        });
        let mut queue: VecDeque<Command> = vec![status(2), results].into();
        let max = 900;
        let mut messages = Vec::new();
        while !queue.is_empty() {
            let m = pack(
                addressing().header(2, None),
                vec![header_status("1", StatusCode::Ok)],
                &mut queue,
                Vec::new(),
                true,
                Some(max),
            );
            assert!(m.encode().len() <= max, "{}", m.encode().len());
            messages.push(m);
            assert!(messages.len() < 20);
        }
        assert!(messages.len() > 2);
        // Final on the last only; every item delivered once, in order.
        let finals: Vec<bool> = messages.iter().map(|m| m.body.final_).collect();
        assert!(finals[..finals.len() - 1].iter().all(|f| !f) && finals[finals.len() - 1]);
        let items: Vec<String> = messages
            .iter()
            .flat_map(|m| &m.body.commands)
            .filter_map(|c| match c {
                Command::Results(r) => Some(
                    r.items
                        .iter()
                        .filter_map(|i| i.source_uri().map(str::to_owned))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(
            items,
            (0..20)
                .map(|i| format!("./DevDetail/Node{i}"))
                .collect::<Vec<_>>()
        );
        // No limit: one message.
        let mut all: VecDeque<Command> = vec![status(2), status(3)].into();
        let m = pack(
            addressing().header(2, None),
            Vec::new(),
            &mut all,
            Vec::new(),
            true,
            None,
        );
        assert_eq!(m.body.commands.len(), 2);
        assert!(m.body.final_);
    }

    #[test]
    fn management_url_table() {
        for (address, user, expected) in [
            // The real capture: Maintenance while a user is signed in.
            (
                "https://h/ManagementServer/MDM.svc",
                true,
                "https://h/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA",
            ),
            (
                "https://h/MDM.svc",
                false,
                "https://h/MDM.svc?mode=Machine&Platform=WoA",
            ),
            (
                "https://h/MDM.svc?tenant=1",
                true,
                "https://h/MDM.svc?tenant=1&mode=Maintenance&Platform=WoA",
            ),
        ] {
            assert_eq!(management_url(address, user), expected);
        }
        assert_eq!(
            server_target("https://h/MDM.svc?tenant=1"),
            "https://h/MDM.svc"
        );
    }
}
