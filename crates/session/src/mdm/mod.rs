//! MS-MDM management sessions, device side: the first package (Alert 1201, the LoginStatus
//! alert, the DevInfo Replace), then the server's packages applied with the engine (each
//! message one store transaction) and answered with Status and Results, until the server has
//! nothing more to send.
//!
//! Over HTTPS with the enrolled client certificate ([`crate::Enrollment::client_identity`]),
//! as Windows sends it: `POST` of `application/vnd.syncml.dm+xml` to the management address
//! with `mode` and `Platform=WoA`, Windows's headers. A reply larger than the server's
//! `MaxMsgSize` goes out over several messages (OMA-DM multi-message package: no `Final`
//! until the last, the server asks for each next one with Alert 1222); a server package sent
//! over several messages is asked for with Alert 1222. Every server message is checked before
//! anything of it is applied ([`message::read_server_message`]); a message that does not
//! decode changes nothing.

pub mod message;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use pfw_engine::{Engine, Options, Report};
use pfw_syncml::{Alert, Command, Limits, StatusCode, SyncMl};
use pfw_tree::Store;

use crate::enroll::record::Enrollment;
use crate::error::SessionError;
use crate::http::{Transport, TransportConfig};
use message::{
    ACCEPT, Addressing, CONTENT_TYPE, DEFAULT_MAX_MSG_SIZE, Initiation, LoginStatus, USER_AGENT,
    first_message, header_status, management_url, next_message_alert, pack, read_server_message,
    server_target,
};

/// Which way a message went, for a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The server's message, received.
    Received,
    /// The device's message, sent.
    Sent,
}

/// A callback that sees every message of a session, both ways.
pub type Trace = dyn Fn(Direction, &[u8]) + Sync;

/// A fault a device injects into its session on purpose, so that a server's retry and
/// convergence logic can be tested (`pfw fleet --fault`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Stop the session without answering the server's message: no further request.
    Abandon,
    /// Wait this long before sending the answer.
    Delay(Duration),
    /// Open a connection to the server and close it without a request, instead of answering;
    /// the session ends.
    Drop,
    /// Answer the command with this status code instead of running it.
    Status(u16),
}

/// Decides which faults a session injects.
pub trait FaultHook: Sync {
    /// The fault for top-level command `index` (from 0) of the server's message `message`
    /// (from 1) of this session, if any.
    fn fault(&self, message: usize, index: usize, command: &Command) -> Option<Fault>;
}

/// How a session runs.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// `MaxMsgSize` the device announces; also the largest server message it reads.
    pub max_msg_size: usize,
    /// Most messages the device sends in one session.
    pub max_messages: usize,
    /// Who started the session.
    pub initiation: Initiation,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_msg_size: DEFAULT_MAX_MSG_SIZE,
            max_messages: MAX_MESSAGES,
            initiation: Initiation::Client,
        }
    }
}

/// One session to run.
pub struct Session<'s> {
    /// The enrollment: the management address, the device identifier, the user.
    pub enrollment: &'s Enrollment,
    /// The transport, built with the enrollment's trust and client identity.
    pub transport: &'s Transport,
    /// The engine that applies the server's commands (its registry has the device's CSPs).
    pub engine: &'s Engine,
    /// The SessionID ([`crate::state::next_session_id`]).
    pub session_id: String,
    /// Alerts added to the first package (the unenrollment request).
    pub alerts: Vec<Alert>,
    /// Limits and initiation.
    pub config: SessionConfig,
    /// Sees every message, both ways.
    pub trace: Option<&'s Trace>,
    /// Faults injected on purpose.
    pub faults: Option<&'s dyn FaultHook>,
}

/// What a session did.
#[derive(Clone, Debug, Default)]
pub struct SessionReport {
    /// The SessionID.
    pub session_id: String,
    /// Messages the device sent.
    pub sent: usize,
    /// Non-empty messages the server sent.
    pub received: usize,
    /// One line per Status the device sent for a server command (the engine's reports).
    pub commands: Vec<Report>,
    /// Codes of the Statuses the device sent (its SyncHdr Statuses included).
    pub sent_statuses: Vec<u16>,
    /// Codes of the Statuses the server sent.
    pub received_statuses: Vec<u16>,
    /// The server ended the session with Alert 1223.
    pub aborted: bool,
    /// How long the session took.
    pub elapsed: Duration,
}

impl SessionReport {
    /// Whether every server command succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.commands.iter().all(|r| r.status.is_success())
    }
}

impl Session<'_> {
    /// Runs the session against `store` (the device's state, with the enrolled user's tree
    /// for `./User` commands).
    pub fn run(&self, store: &mut dyn Store) -> Result<SessionReport, SessionError> {
        let started = Instant::now();
        let enrollment = self.enrollment;
        let user = enrollment.user.as_deref().filter(|u| !u.is_empty());
        let addressing = Addressing {
            session_id: self.session_id.clone(),
            server: server_target(enrollment.server_address()).to_owned(),
            device_id: enrollment.device_id.as_str().to_owned(),
        };
        let url = management_url(enrollment.server_address(), user.is_some());
        let limits = Limits {
            max_message_bytes: self
                .config
                .max_msg_size
                .max(Limits::DEFAULT.max_message_bytes),
            ..Limits::DEFAULT
        };
        let login = if user.is_some() {
            LoginStatus::User
        } else {
            LoginStatus::None
        };
        let dev_info = [
            ("./DevInfo/DevId", addressing.device_id.clone()),
            ("./DevInfo/Man", pfw_devinfo::facts::MANUFACTURER.to_owned()),
            ("./DevInfo/Mod", pfw_devinfo::facts::MODEL.to_owned()),
            ("./DevInfo/DmV", pfw_devinfo::facts::DM_VERSION.to_owned()),
            ("./DevInfo/Lang", pfw_devinfo::facts::LANGUAGE.to_owned()),
        ];
        let mut report = SessionReport {
            session_id: self.session_id.clone(),
            ..SessionReport::default()
        };
        let correlation = crate::enroll::device::random_hex_upper(8);
        let mut outgoing = first_message(
            &addressing,
            self.config.max_msg_size,
            self.config.initiation,
            login,
            &dev_info,
            self.alerts.clone(),
        );
        let mut queue: VecDeque<Command> = VecDeque::new();
        let mut server_max: Option<usize> = None;
        let mut delay = Duration::ZERO;
        loop {
            if report.sent >= self.config.max_messages {
                return Err(SessionError::TooManyMessages {
                    limit: self.config.max_messages,
                });
            }
            count_statuses(&outgoing, &mut report.sent_statuses);
            let body = outgoing.encode();
            if let Some(trace) = self.trace {
                trace(Direction::Sent, body.as_bytes());
            }
            if !delay.is_zero() {
                std::thread::sleep(std::mem::take(&mut delay));
            }
            let cv = format!("{correlation}.0.0.{}", report.sent);
            let response = self.transport.post(
                &url,
                &[
                    ("Accept", ACCEPT),
                    ("Accept-Charset", "UTF-8"),
                    ("Client-Request-Id", "0"),
                    ("Content-Type", CONTENT_TYPE),
                    ("MS-CV", cv.as_str()),
                    ("User-Agent", USER_AGENT),
                ],
                body.as_bytes(),
            )?;
            report.sent += 1;
            match response.status {
                200 => {}
                401 | 403 => {
                    return Err(SessionError::Refused(format!(
                        "HTTP {}: the client certificate or the device is not accepted",
                        response.status
                    )));
                }
                status => return Err(SessionError::HttpStatus { status }),
            }
            if let Some(trace) = self.trace {
                trace(Direction::Received, &response.body);
            }
            if response.body.iter().all(u8::is_ascii_whitespace) {
                // An empty 200: the server ends the session (reference §4.4).
                if queue.is_empty() {
                    break;
                }
                return Err(SessionError::Protocol {
                    message: report.received + 1,
                    reason: "empty answer while the device's package was not complete".to_owned(),
                });
            }
            report.received += 1;
            let server =
                read_server_message(&response.body, &addressing, report.received, &limits)?;
            report
                .received_statuses
                .extend(server.statuses.iter().map(|(_, code)| *code));
            if server.max_msg_size.is_some() {
                server_max = server.max_msg_size;
            }
            if server.abort {
                // A client receiving Alert 1223 should not respond (OMA-DM §2.3.1.2).
                report.aborted = true;
                break;
            }
            // The server asks for the rest of the device's package.
            let continuing = server.next_message && !queue.is_empty();
            let server_package_open = !server.final_ && !continuing;
            if !server.has_commands && queue.is_empty() && !server_package_open {
                // Nothing to answer but the SyncHdr: such a message must not be sent.
                break;
            }
            let mut injected: Vec<(usize, u16)> = Vec::new();
            if let Some(hook) = self.faults {
                for (index, command) in server.message.body.commands.iter().enumerate() {
                    match hook.fault(report.received, index, command) {
                        None => {}
                        Some(Fault::Abandon) => {
                            return Err(SessionError::Abandoned {
                                message: report.received,
                            });
                        }
                        Some(Fault::Drop) => {
                            knock(&url);
                            return Err(SessionError::Dropped {
                                message: report.received,
                            });
                        }
                        Some(Fault::Delay(d)) => delay = delay.max(d),
                        Some(Fault::Status(code)) => injected.push((index, code)),
                    }
                }
            }
            let kept;
            let to_run = if injected.is_empty() {
                &server.message
            } else {
                let mut message = server.message.clone();
                let mut index = 0;
                message.body.commands.retain(|_| {
                    index += 1;
                    !injected.iter().any(|(i, _)| *i == index - 1)
                });
                kept = message;
                &kept
            };
            let outcome = self.engine.run(
                store,
                to_run,
                &Options {
                    user,
                    ..Options::default()
                },
            )?;
            report.commands.extend(
                outcome
                    .reports
                    .into_iter()
                    .filter(|r| !is_alert_1222(r, &server.message)),
            );
            let answers = if injected.is_empty() {
                outcome.response.body.commands
            } else {
                with_injected(
                    &server.message,
                    outcome.response.body.commands,
                    &injected,
                    &server.msg_id,
                )
            };
            let mut answers = answers.into_iter();
            // The engine's first Status answers the server's SyncHdr.
            let head = match answers.next() {
                Some(first) => vec![first],
                None => vec![header_status(&server.msg_id, StatusCode::Ok)],
            };
            queue.extend(answers);
            let tail = if server_package_open {
                vec![next_message_alert()]
            } else {
                Vec::new()
            };
            let msg_id = u32::try_from(report.sent + 1).unwrap_or(u32::MAX);
            outgoing = pack(
                addressing.header(msg_id, None),
                head,
                &mut queue,
                tail,
                !server_package_open,
                server_max,
            );
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }
}

/// How [`sync`] runs a session.
#[derive(Clone, Default)]
pub struct SyncOptions<'o> {
    /// Time limits, body limit and 429 handling.
    pub transport: TransportConfig,
    /// Limits and initiation.
    pub session: SessionConfig,
    /// Alerts added to the first package.
    pub alerts: Vec<Alert>,
    /// Sees every message, both ways.
    pub trace: Option<&'o Trace>,
    /// Faults injected on purpose.
    pub faults: Option<&'o dyn FaultHook>,
    /// Sees every HTTP exchange (URL, headers, status, timing).
    pub exchanges: Option<crate::http::ExchangeObserver>,
}

/// Runs one session of the device enrolled in `store`, applying the server's commands with
/// `engine` (whose registry holds the device's CSPs: [`crate::state::engine_for`]).
pub fn sync(
    store: &mut dyn Store,
    engine: &Engine,
    options: &SyncOptions<'_>,
) -> Result<SessionReport, SessionError> {
    let enrollment = crate::state::load_enrollment(store)?.ok_or(SessionError::NotEnrolled)?;
    crate::state::keep_provider(store, &enrollment)?;
    let transport = Transport::new(
        options.transport.clone(),
        &enrollment.trust()?,
        Some(&enrollment.client_identity()?),
    )?
    .observed(options.exchanges.clone());
    let session_id = crate::state::next_session_id(store)?;
    Session {
        enrollment: &enrollment,
        transport: &transport,
        engine,
        session_id,
        alerts: options.alerts.clone(),
        config: options.session.clone(),
        trace: options.trace,
        faults: options.faults,
    }
    .run(store)
}

/// Minutes to wait before the scheduled session after the `index`-th (from 0) of a poll
/// run, following the DMClient schedule: the first set of `NumberOfFirstRetries` sessions
/// every `IntervalForFirstSetOfRetries` minutes, then the second set, then the remaining one;
/// a set with interval 0 is off, a count of 0 repeats its set for ever (MS-MDE2 §2.2.9.3;
/// unset values take the CSP's defaults, 10 × 15 minutes then nothing). `None` when the
/// schedule has ended.
pub fn poll_interval(schedule: &crate::PollSchedule, index: u64) -> Option<u32> {
    let sets = [
        (
            schedule.interval_for_first_set_of_retries.unwrap_or(15),
            schedule.number_of_first_retries.unwrap_or(10),
        ),
        (
            schedule.interval_for_second_set_of_retries.unwrap_or(0),
            schedule.number_of_second_retries.unwrap_or(0),
        ),
        (
            schedule
                .interval_for_remaining_scheduled_retries
                .unwrap_or(0),
            schedule.number_of_remaining_scheduled_retries.unwrap_or(0),
        ),
    ];
    let mut left = index;
    for (interval, count) in sets {
        if interval == 0 {
            continue;
        }
        if count == 0 || left < u64::from(count) {
            return Some(interval);
        }
        left -= u64::from(count);
    }
    None
}

/// Whether a report is the engine's answer to an Alert 1222 of the server (protocol
/// plumbing, not a management command).
fn is_alert_1222(report: &Report, message: &SyncMl) -> bool {
    report.command == Some(pfw_syncml::CommandKind::Alert)
        && message.body.commands.iter().any(|c| match c {
            Command::Alert(a) => {
                a.head.span == report.span
                    && a.head.cmd_id.as_ref() == Some(&report.cmd_id)
                    && a.code() == Some(pfw_syncml::AlertCode::NextMessage)
            }
            _ => false,
        })
}

/// The engine's answers with a Status of each injected code put where its command's answer
/// would have been: the answers follow the server's commands in order (the SyncHdr's first).
fn with_injected(
    message: &SyncMl,
    answers: Vec<Command>,
    injected: &[(usize, u16)],
    msg_id: &str,
) -> Vec<Command> {
    let mut answers = answers.into_iter().peekable();
    let mut out: Vec<Command> = answers.next().into_iter().collect();
    for (index, command) in message.body.commands.iter().enumerate() {
        if let Some((_, code)) = injected.iter().find(|(i, _)| *i == index) {
            out.push(Command::Status(pfw_syncml::Status {
                msg_ref: Some(msg_id.into()),
                cmd_ref: command.cmd_id().cloned().unwrap_or_default(),
                cmd: command.name().into(),
                data: pfw_syncml::Data::new(code.to_string()),
                ..pfw_syncml::Status::default()
            }));
            continue;
        }
        let mut ids = Vec::new();
        command_ids(command, &mut ids);
        while let Some(answer) = answers.next_if(|a| answer_ref(a).is_none_or(|r| ids.contains(&r)))
        {
            out.push(answer);
        }
    }
    out.extend(answers);
    out
}

/// The CmdIDs of `command` and of the commands inside it.
fn command_ids<'c>(command: &'c Command, into: &mut Vec<&'c str>) {
    if let Some(id) = command.cmd_id() {
        into.push(id.as_str());
    }
    if let Command::Atomic(c) | Command::Sequence(c) = command {
        for inner in &c.commands {
            command_ids(inner, into);
        }
    }
}

/// The CmdRef an answer refers to.
fn answer_ref(answer: &Command) -> Option<&str> {
    match answer {
        Command::Status(s) => Some(s.cmd_ref.as_str()),
        Command::Results(r) => Some(r.cmd_ref.as_str()),
        _ => None,
    }
}

/// Opens a TCP connection to `url`'s host and closes it at once: a dropped connection as the
/// server sees it. Best effort: a host that does not resolve or answer is a drop too.
fn knock(url: &str) {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return;
    };
    let (Some(host), port) = (uri.host(), uri.port_u16().unwrap_or(443)) else {
        return;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(mut addrs) = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        && let Some(addr) = addrs.next()
    {
        let _ = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5));
    }
}

fn count_statuses(message: &SyncMl, into: &mut Vec<u16>) {
    into.extend(message.body.commands.iter().filter_map(|c| match c {
        Command::Status(s) => s.data.text.trim().parse::<u16>().ok(),
        _ => None,
    }));
}

/// Most messages the device sends in one session by default.
pub const MAX_MESSAGES: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PollSchedule;

    #[test]
    fn poll_schedule_table() {
        // The MS-MDE2 sample document (and the test server's): 8 × 15 min, 5 × 3 min, then
        // every 1560 min for ever.
        let sample = PollSchedule {
            interval_for_first_set_of_retries: Some(15),
            number_of_first_retries: Some(8),
            interval_for_second_set_of_retries: Some(3),
            number_of_second_retries: Some(5),
            interval_for_remaining_scheduled_retries: Some(1560),
            number_of_remaining_scheduled_retries: Some(0),
            ..PollSchedule::default()
        };
        for (index, expected) in [
            (0, Some(15)),
            (7, Some(15)),
            (8, Some(3)),
            (12, Some(3)),
            (13, Some(1560)),
            (10_000, Some(1560)),
        ] {
            assert_eq!(poll_interval(&sample, index), expected, "{index}");
        }
        // Nothing set: the CSP's defaults, 10 × 15 minutes, then the schedule ends.
        let none = PollSchedule::default();
        assert_eq!(poll_interval(&none, 9), Some(15));
        assert_eq!(poll_interval(&none, 10), None);
        // A first set with count 0 repeats for ever; later sets are never reached.
        let forever = PollSchedule {
            interval_for_first_set_of_retries: Some(1),
            number_of_first_retries: Some(0),
            interval_for_second_set_of_retries: Some(99),
            number_of_second_retries: Some(1),
            ..PollSchedule::default()
        };
        assert_eq!(poll_interval(&forever, 1_000_000), Some(1));
        // Fleet's document: first set 1 min (count unset = 10 by default), the rest off.
        let fleet = PollSchedule {
            interval_for_first_set_of_retries: Some(1),
            interval_for_second_set_of_retries: Some(0),
            interval_for_remaining_scheduled_retries: Some(0),
            ..PollSchedule::default()
        };
        assert_eq!(poll_interval(&fleet, 3), Some(1));
    }
}
