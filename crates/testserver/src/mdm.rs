//! The server side of MS-MDM sessions, for tests: [`MdmServer`] answers the management
//! endpoint, plays a script of server packages to each device (in order, across its
//! sessions) and checks everything the device sends.
//!
//! The checks are MS-MDM's and OMA-DM's rules for a client's messages (reference §4, §5 and
//! `omadm/EN_21`, `EN_23`), the shape of the real Windows capture's first package, and what
//! servers in the reference expect of a device (Mattrax: `Platform=WoA` and a trusted client
//! certificate): the request line and headers, the client certificate naming the device,
//! the SyncHdr (VerDTD, VerProto, one SessionID per session, MsgID counting from 1, Target
//! the server, Source the device), the first package (Alert 1201 or 1200, the LoginStatus
//! alert, the DevInfo Replace with DevId equal to the Source), then in every answer the
//! SyncHdr Status first, one Status per server command in order with its CmdRef and MsgRef,
//! Results after their Status, unique CmdIDs, nothing a client must not send, and the
//! server's `MaxMsgSize`. Every failed check is kept as a violation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pfw_syncml::{
    Alert, AlertCode, CmdId, Command, Data, Limits, Meta, Results, Source, Status, SyncBody,
    SyncHdr, SyncMl, Target,
};

use crate::{ManagementHandler, RecordedRequest, lock};

/// What the MDM side offers and demands.
#[derive(Clone, Debug, Default)]
pub struct MdmConfig {
    /// The server packages played to each device, in order: each is the body commands of one
    /// server message (CmdIDs are renumbered). A device's later sessions get none.
    pub script: Vec<Vec<Command>>,
    /// `MaxMsgSize` the server announces in its SyncHdr (and checks the device keeps to).
    pub max_msg_size: Option<usize>,
    /// Answer 403 to a request without a client certificate naming the device.
    pub require_client_cert: bool,
}

/// One session as the server saw it.
#[derive(Clone, Debug, Default)]
pub struct RecordedSession {
    /// The device identifier (SyncHdr Source).
    pub device_id: String,
    /// The SessionID.
    pub session_id: String,
    /// Every device message of the session, decoded.
    pub device_messages: Vec<SyncMl>,
    /// Every server message of the session, as sent.
    pub server_messages: Vec<String>,
    /// The device's Statuses for server commands (not for SyncHdrs), in order.
    pub statuses: Vec<Status>,
    /// The device's Results, in order.
    pub results: Vec<Results>,
    /// The device's Alerts, in order.
    pub alerts: Vec<Alert>,
    /// Whether the device's package ended (a message with `Final`) and nothing was left.
    pub completed: bool,
}

impl RecordedSession {
    /// The `(CmdRef, code)` of every Status for a server command.
    pub fn status_codes(&self) -> Vec<(String, u16)> {
        self.statuses
            .iter()
            .map(|s| (s.cmd_ref.to_string(), s.data.text.parse().unwrap_or(0)))
            .collect()
    }

    /// The data the device returned for `uri` in a Results item.
    pub fn result_for(&self, uri: &str) -> Option<String> {
        self.results
            .iter()
            .flat_map(|r| &r.items)
            .find(|i| i.source_uri().map(str::trim) == Some(uri))
            .and_then(|i| i.data_text().map(str::to_owned))
    }
}

/// The MDM server: its configuration, every device's progress and what it recorded.
#[derive(Debug)]
pub struct MdmServer {
    config: MdmConfig,
    management_url: String,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    devices: HashMap<String, DeviceProgress>,
    sessions: Vec<RecordedSession>,
    violations: Vec<String>,
    refused: usize,
}

#[derive(Debug, Default)]
struct DeviceProgress {
    /// Next script package for this device.
    next_package: usize,
    /// The open session: its index in `State::sessions`.
    session: Option<usize>,
    /// The device's next expected MsgID.
    expect_msg_id: u32,
    /// The server's last MsgID.
    server_msg_id: u32,
    /// Server commands (flattened) still owed a Status: (MsgID, CmdID, name).
    owed: Vec<(String, String, String)>,
}

impl MdmConfig {
    /// Plays `script`, and demands the client certificate, as a real management server does.
    pub fn playing(script: Vec<Vec<Command>>) -> Self {
        Self {
            script,
            require_client_cert: true,
            ..Self::default()
        }
    }
}

impl MdmServer {
    /// A server whose management URL is `management_url` (the TestServer's).
    pub fn new(config: MdmConfig, management_url: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            config,
            management_url: management_url.into(),
            state: Mutex::new(State::default()),
        })
    }

    /// A server playing `config` as `server`'s management side (its handler set).
    pub fn serve(server: &crate::TestServer, config: MdmConfig) -> Arc<Self> {
        let mdm = Self::new(config, server.management_url());
        server.set_management_handler(mdm.handler());
        mdm
    }

    /// The handler to give [`crate::TestServer::set_management_handler`].
    pub fn handler(self: &Arc<Self>) -> ManagementHandler {
        let server = Arc::clone(self);
        Arc::new(move |request| server.answer(request))
    }

    /// Every session so far, in the order they started.
    pub fn sessions(&self) -> Vec<RecordedSession> {
        lock(&self.state).sessions.clone()
    }

    /// How many sessions have started so far.
    pub fn session_count(&self) -> usize {
        lock(&self.state).sessions.len()
    }

    /// Every failed check so far.
    pub fn violations(&self) -> Vec<String> {
        lock(&self.state).violations.clone()
    }

    /// How many requests were refused for want of a client certificate.
    pub fn refused(&self) -> usize {
        lock(&self.state).refused
    }

    fn answer(&self, request: &RecordedRequest) -> (u16, Vec<u8>) {
        let mut state = lock(&self.state);
        let mut v = Vec::new();
        check_http(request, &mut v);
        let message = match SyncMl::decode(&request.body, &Limits::DEFAULT) {
            Ok(m) => m,
            Err(e) => {
                state
                    .violations
                    .push(format!("device message does not decode: {e}"));
                return (400, Vec::new());
            }
        };
        let Some(hdr) = message.hdr.clone() else {
            state
                .violations
                .push("device message without SyncHdr".to_owned());
            return (400, Vec::new());
        };
        let device_id = hdr
            .source
            .as_ref()
            .map(|s| s.loc_uri.as_str().to_owned())
            .unwrap_or_default();
        // Read once: decoding the certificate is a good part of a request's cost.
        let named = request
            .client_cert
            .as_deref()
            .is_some_and(|c| cert_names(c, &device_id));
        if self.config.require_client_cert && !named {
            state.refused += 1;
            return (403, Vec::new());
        }
        if request.client_cert.is_some() && !named {
            v.push("the client certificate does not name the Source device".to_owned());
        }
        check_header(&hdr, &self.management_url, &mut v);
        if let Some(max) = self.config.max_msg_size
            && request.body.len() > max
        {
            v.push(format!(
                "message of {} bytes over the server's MaxMsgSize {max}",
                request.body.len()
            ));
        }
        check_commands(&message, &mut v);
        let first = hdr.msg_id == "1";
        let state = &mut *state;
        let progress = state.devices.entry(device_id.clone()).or_default();
        if first {
            check_first_package(&message, &device_id, &mut v);
            if let Some(open) = progress.session
                && state.sessions[open].session_id == hdr.session_id
            {
                v.push(format!(
                    "SessionID {} reused for a new session",
                    hdr.session_id
                ));
            }
            state.sessions.push(RecordedSession {
                device_id: device_id.clone(),
                session_id: hdr.session_id.clone(),
                ..RecordedSession::default()
            });
            progress.session = Some(state.sessions.len() - 1);
            progress.expect_msg_id = 1;
            progress.server_msg_id = 0;
            progress.owed.clear();
        }
        let Some(index) = progress.session else {
            state.violations.push(format!(
                "{device_id}: a session that did not start with MsgID 1"
            ));
            return (400, Vec::new());
        };
        let session = &mut state.sessions[index];
        if hdr.session_id != session.session_id {
            v.push(format!(
                "SessionID {} changed within session {}",
                hdr.session_id, session.session_id
            ));
        }
        if hdr.msg_id != progress.expect_msg_id.to_string() {
            v.push(format!(
                "MsgID {} where {} was due",
                hdr.msg_id, progress.expect_msg_id
            ));
        }
        progress.expect_msg_id += 1;
        if !first {
            check_answers(&message, progress, session, &mut v);
        }
        session.device_messages.push(message.clone());
        for command in &message.body.commands {
            if let Command::Alert(alert) = command {
                session.alerts.push(alert.clone());
            }
        }

        // The answer: Status for the SyncHdr and for every Alert and Replace of the device.
        progress.server_msg_id += 1;
        let mut commands = vec![Command::Status(Status {
            msg_ref: Some(hdr.msg_id.as_str().into()),
            cmd_ref: CmdId::new("0"),
            cmd: "SyncHdr".into(),
            data: Data::new("200"),
            ..Status::default()
        })];
        for command in &message.body.commands {
            if matches!(command, Command::Alert(_) | Command::Replace(_)) {
                commands.push(Command::Status(Status {
                    msg_ref: Some(hdr.msg_id.as_str().into()),
                    cmd_ref: command.cmd_id().cloned().unwrap_or_default(),
                    cmd: command.name().into(),
                    data: Data::new("200"),
                    ..Status::default()
                }));
            }
        }
        let server_msg_id = progress.server_msg_id.to_string();
        let final_ = if !message.body.final_ {
            // The device's package goes on: ask for its next message (OMA-DM "Next Message").
            commands.push(Command::Alert(Alert {
                data: Some(AlertCode::NextMessage.code().to_string().into()),
                ..Alert::default()
            }));
            false
        } else {
            if let Some(package) = self.config.script.get(progress.next_package) {
                progress.next_package += 1;
                let first_new = commands.len();
                commands.extend(package.iter().cloned());
                number(&mut commands);
                for command in &commands[first_new..] {
                    owe(command, &server_msg_id, &mut progress.owed);
                }
            } else {
                session.completed = true;
            }
            true
        };
        number(&mut commands);
        let reply = SyncMl {
            hdr: Some(SyncHdr {
                ver_dtd: "1.2".to_owned(),
                ver_proto: "DM/1.2".to_owned(),
                session_id: hdr.session_id.clone(),
                msg_id: server_msg_id,
                target: Some(Target::new(device_id.as_str())),
                source: Some(Source::new(self.management_url.as_str())),
                meta: self.config.max_msg_size.map(|m| Meta {
                    max_msg_size: Some(m.to_string().into()),
                    ..Meta::default()
                }),
                ..SyncHdr::default()
            }),
            body: SyncBody {
                commands,
                final_,
                ..SyncBody::default()
            },
            ..SyncMl::default()
        }
        .encode();
        session.server_messages.push(reply.clone());
        state
            .violations
            .extend(v.into_iter().map(|x| format!("{device_id}: {x}")));
        (200, reply.into_bytes())
    }
}

/// Records the Statuses a command is owed (containers' members included).
fn owe(command: &Command, msg_id: &str, owed: &mut Vec<(String, String, String)>) {
    if matches!(command, Command::Status(_) | Command::Results(_)) {
        return;
    }
    let id = command
        .cmd_id()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    owed.push((msg_id.to_owned(), id, command.name().to_owned()));
    if let Command::Atomic(c) | Command::Sequence(c) = command {
        for member in &c.commands {
            owe(member, msg_id, owed);
        }
    }
}

/// Checks a device answer: SyncHdr Status first for the server's last message, then the
/// Statuses owed in order, Results after their Status.
fn check_answers(
    message: &SyncMl,
    progress: &mut DeviceProgress,
    session: &mut RecordedSession,
    v: &mut Vec<String>,
) {
    let last = progress.server_msg_id.to_string();
    match message.body.commands.first() {
        Some(Command::Status(s)) if s.cmd_ref == "0" && s.cmd == "SyncHdr" => {
            if s.msg_ref.as_deref() != Some(last.as_str()) {
                v.push(format!(
                    "SyncHdr Status MsgRef {:?}, not the server's last MsgID {last}",
                    s.msg_ref
                ));
            }
        }
        _ => v.push("the first command is not the Status for the server's SyncHdr".to_owned()),
    }
    let mut answered: Vec<String> = Vec::new();
    for command in message.body.commands.iter().skip(1) {
        match command {
            Command::Status(s) if s.cmd_ref == "0" => {
                v.push("a second Status for a SyncHdr".to_owned());
            }
            Command::Status(s) => {
                // A Status for the server's own Alert 1222 (Next Message) is owed too.
                let Some(at) = progress.owed.iter().position(|(m, id, _)| {
                    Some(m.as_str()) == s.msg_ref.as_deref() && s.cmd_ref == id.as_str()
                }) else {
                    if s.cmd != "Alert" {
                        v.push(format!(
                            "Status for {} CmdRef {} MsgRef {:?}: no such server command owed",
                            s.cmd, s.cmd_ref, s.msg_ref
                        ));
                    }
                    continue;
                };
                if at != 0
                    && !progress.owed[..at]
                        .iter()
                        .all(|(_, id, _)| answered.contains(id))
                {
                    v.push(format!("Status for CmdRef {} out of order", s.cmd_ref));
                }
                let (_, id, name) = progress.owed.remove(at);
                if s.cmd != name.as_str() {
                    v.push(format!(
                        "Status for CmdRef {id} says Cmd {}, not {name}",
                        s.cmd
                    ));
                }
                answered.push(id);
                session.statuses.push(s.clone());
            }
            Command::Results(r) => {
                let status_seen = session
                    .statuses
                    .iter()
                    .any(|s| s.cmd_ref == r.cmd_ref && s.msg_ref == r.msg_ref);
                if !status_seen {
                    v.push(format!(
                        "Results for CmdRef {} before its Status",
                        r.cmd_ref
                    ));
                }
                session.results.push(r.clone());
            }
            _ => {}
        }
    }
    if message.body.final_ && !progress.owed.is_empty() {
        v.push(format!(
            "package ended with {} server command(s) unanswered",
            progress.owed.len()
        ));
        progress.owed.clear();
    }
}

fn check_http(request: &RecordedRequest, v: &mut Vec<String>) {
    if request.method != "POST" {
        v.push(format!("method {} is not POST", request.method));
    }
    if !matches!(
        request.query.as_deref(),
        Some("mode=Maintenance&Platform=WoA" | "mode=Machine&Platform=WoA")
    ) {
        v.push(format!(
            "query {:?} lacks mode and Platform=WoA",
            request.query
        ));
    }
    for (name, value) in [
        ("Content-Type", "application/vnd.syncml.dm+xml"),
        ("User-Agent", "MSFT OMA DM Client/1.2.0.1"),
        ("Accept-Charset", "UTF-8"),
    ] {
        if request.header(name) != Some(value) {
            v.push(format!(
                "{name} is {:?}, not {value:?}",
                request.header(name)
            ));
        }
    }
    if !request
        .header("Accept")
        .is_some_and(|a| a.contains("application/vnd.syncml.dm+xml"))
    {
        v.push("Accept lacks application/vnd.syncml.dm+xml".to_owned());
    }
}

fn check_header(hdr: &SyncHdr, url: &str, v: &mut Vec<String>) {
    if hdr.ver_dtd != "1.2" || hdr.ver_proto != "DM/1.2" {
        v.push(format!("VerDTD {} VerProto {}", hdr.ver_dtd, hdr.ver_proto));
    }
    if hdr.session_id.is_empty() || hdr.session_id.len() > 4 {
        v.push(format!(
            "SessionID {:?} is not 1 to 4 bytes",
            hdr.session_id
        ));
    }
    if hdr.target.as_ref().map(|t| t.loc_uri.as_str()) != Some(url) {
        v.push(format!("Target is not the management URL {url}"));
    }
    let source = hdr
        .source
        .as_ref()
        .map(|s| s.loc_uri.as_str())
        .unwrap_or("");
    if source.len() != 32 || !source.bytes().all(|b| b.is_ascii_hexdigit()) {
        v.push(format!("Source {source:?} is not a device identifier"));
    }
}

/// OMA-DM §2.3.3: a client sends only Replace (of DevInfo), Results, Alert and Status.
fn check_commands(message: &SyncMl, v: &mut Vec<String>) {
    let mut ids = Vec::new();
    for command in &message.body.commands {
        match command {
            Command::Alert(_) | Command::Results(_) | Command::Status(_) => {}
            Command::Replace(c)
                if c.items
                    .iter()
                    .all(|i| i.source_uri().is_some_and(|u| u.starts_with("./DevInfo/"))) => {}
            other => v.push(format!("a client must not send {}", other.name())),
        }
        match command.cmd_id() {
            Some(id) if id.as_str() != "0" => {
                if ids.contains(&id.as_str()) {
                    v.push(format!("CmdID {} used twice", id.as_str()));
                }
                ids.push(id.as_str());
            }
            _ => v.push(format!("{} without a CmdID", command.name())),
        }
    }
    let only_hdr_status = message.body.commands.len() == 1
        && matches!(&message.body.commands[0], Command::Status(s) if s.cmd_ref == "0" && s.data.text == "200");
    if only_hdr_status && message.body.final_ {
        v.push("a message holding only the SyncHdr's Status was sent (MS-MDM §2.2.6.1)".to_owned());
    }
}

/// The first package: as the real capture and MS-MDM §3.1.5.1.2 have it.
fn check_first_package(message: &SyncMl, device_id: &str, v: &mut Vec<String>) {
    let commands = &message.body.commands;
    let alerts: Vec<&Alert> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Alert(a) => Some(a),
            _ => None,
        })
        .collect();
    if !matches!(
        alerts.first().and_then(|a| a.code()),
        Some(AlertCode::ClientInitiatedMgmt | AlertCode::ServerInitiatedMgmt)
    ) {
        v.push("the first package does not start with Alert 1201 or 1200".to_owned());
    }
    let login = alerts
        .iter()
        .find(|a| a.code() == Some(AlertCode::ClientEvent));
    let login_type = login
        .and_then(|a| a.items.first())
        .and_then(|i| i.meta.as_ref())
        .and_then(|m| m.type_.as_deref());
    if login_type != Some("com.microsoft/MDM/LoginStatus") {
        v.push("no 1224 alert of Type com.microsoft/MDM/LoginStatus".to_owned());
    }
    let replace = commands.iter().find_map(|c| match c {
        Command::Replace(r) => Some(r),
        _ => None,
    });
    let uris: Vec<&str> = replace
        .map(|r| r.items.iter().filter_map(|i| i.source_uri()).collect())
        .unwrap_or_default();
    if uris != DEV_INFO_URIS {
        v.push(format!(
            "DevInfo Replace items {uris:?}, not {DEV_INFO_URIS:?}"
        ));
    }
    let dev_id = replace
        .and_then(|r| r.items.first())
        .and_then(|i| i.data_text());
    if dev_id != Some(device_id) {
        v.push("./DevInfo/DevId differs from the SyncHdr Source".to_owned());
    }
    if !message.body.final_ {
        v.push("the first package has no Final".to_owned());
    }
    if message
        .hdr
        .as_ref()
        .and_then(|h| h.meta.as_ref())
        .and_then(|m| m.max_msg_size.as_deref())
        .is_none()
    {
        v.push("the first SyncHdr states no MaxMsgSize".to_owned());
    }
}

/// Whether the DER certificate's subject names `device_id` (its CN).
fn cert_names(der: &[u8], device_id: &str) -> bool {
    use der::Decode;
    let Ok(cert) = x509_cert::Certificate::from_der(der) else {
        return false;
    };
    cert.tbs_certificate.subject.to_string().contains(device_id) && !device_id.is_empty()
}

/// Numbers CmdIDs from 1 in document order, containers' members included.
fn number(commands: &mut [Command]) {
    fn walk(commands: &mut [Command], next: &mut u32) {
        for command in commands {
            *command.cmd_id_mut() = Some(CmdId::new(next.to_string()));
            *next += 1;
            if let Command::Atomic(c) | Command::Sequence(c) = command {
                walk(&mut c.commands, next);
            }
        }
    }
    let mut next = 1;
    walk(commands, &mut next);
}

/// The DevInfo items of the first package, in the capture's order.
const DEV_INFO_URIS: [&str; 5] = [
    "./DevInfo/DevId",
    "./DevInfo/Man",
    "./DevInfo/Mod",
    "./DevInfo/DmV",
    "./DevInfo/Lang",
];

/// The script of a profile directory (`pfw-testserver --profiles DIR`): its `*.xml` SyncML
/// files in name order, each one server package played to every device.
pub fn profiles_script(dir: &std::path::Path) -> Result<Vec<Vec<Command>>, crate::TestServerError> {
    let failed = |path: &std::path::Path, why: String| crate::TestServerError::Profiles {
        path: path.to_owned(),
        why,
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| failed(dir, e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(failed(
            dir,
            "no *.xml file (each SyncML file is one server package)".to_owned(),
        ));
    }
    files
        .iter()
        .map(|path| {
            let text = std::fs::read(path).map_err(|e| failed(path, e.to_string()))?;
            let message = SyncMl::decode(&text, &Limits::DEFAULT)
                .map_err(|e| failed(path, format!("not a SyncML message: {e}")))?;
            Ok(message.body.commands)
        })
        .collect()
}
