//! The message frame: `SyncML`, `SyncHdr` and `SyncBody`, and the entry points
//! [`SyncMl::decode`] and [`SyncMl::encode`].

use crate::codec::lexer::{self, Open, Tok};
use crate::codec::reader::{Fault, Reader, Res};
use crate::codec::writer::{self, Encode};
use crate::error::DecodeError;
use crate::limits::Limits;
use crate::model::command::{self, Command, read_once, read_string};
use crate::model::common::{Cred, Location, MSFT_NS, Meta, Source, Target};
use crate::pos::Pos;

/// A whole SyncML message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncMl {
    /// `SyncHdr`: optional here (Microsoft's own examples and local provisioning
    /// files have none).
    pub hdr: Option<SyncHdr>,
    /// `SyncBody`.
    pub body: SyncBody,
    /// Position of `<SyncML`.
    pub pos: Pos,
}

impl SyncMl {
    /// Decodes a whole message, or refuses it whole.
    ///
    /// The size limit is checked first, before anything is read or allocated; then
    /// the input must be UTF-8 without characters XML 1.0 forbids, and well-formed
    /// XML 1.0 with no DOCTYPE, no processing instruction and no entity but the five
    /// predefined ones. The root must be `SyncML`, with no namespace or
    /// `SYNCML:SYNCML1.2` in any case, holding an optional `SyncHdr` and a
    /// `SyncBody`. Depth, command count, item count and text size are checked against
    /// `limits` as the input is read, so an oversized message is refused before it is
    /// built. A grammar error inside a command gives [`Command::Malformed`], and an
    /// element that is not a command gives [`Command::Unknown`]; the message still
    /// decodes. A UTF-8 byte order mark is skipped.
    pub fn decode(input: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_message_bytes {
            return Err(DecodeError::MessageTooLarge {
                size: input.len(),
                limit: limits.max_message_bytes,
            });
        }
        let Ok(text) = std::str::from_utf8(input) else {
            return Err(
                lexer::not_utf8(input).unwrap_or_else(|| DecodeError::NotUtf8 {
                    offset: 0,
                    pos: Pos::default(),
                }),
            );
        };
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        lexer::check_chars(text)?;
        let mut r = Reader::new(text, limits);
        let message = Self::read(&mut r)?;
        match r.next()? {
            Tok::Eof => Ok(message),
            // The lexer refuses anything after the root; this cannot be reached.
            _ => Err(DecodeError::ContentOutsideRoot {
                pos: Pos::default(),
            }),
        }
    }

    /// Encodes the message the way Windows writes it: no XML declaration, no
    /// indentation, `<SyncML xmlns="SYNCML:SYNCML1.2">`, children in SyncML DTD
    /// order.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(1024);
        self.encode_into(&mut out);
        out
    }

    /// Appends the encoded message to `out` (see [`SyncMl::encode`]).
    pub fn encode_into(&self, out: &mut String) {
        out.push_str("<SyncML xmlns=\"SYNCML:SYNCML1.2\">");
        if let Some(hdr) = &self.hdr {
            hdr.write(out);
        }
        self.body.write(out);
        out.push_str("</SyncML>");
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // The lexer hands out nothing but a start tag before the root.
        let Tok::Open(root) = r.next()? else {
            return Err(DecodeError::MissingRoot {
                pos: Pos::default(),
            });
        };
        let pos = r.pos(root.offset);
        if root.name != "SyncML" {
            return Err(DecodeError::WrongRoot {
                found: root.name.to_owned(),
                pos,
            });
        }
        r.check_namespace(&root)?;
        let mut hdr = None;
        let mut body = None;
        while let Some(child) = r.child().map_err(|f| frame_error("SyncML", f))? {
            match child.name {
                "SyncHdr" if hdr.is_none() && body.is_none() => {
                    hdr = Some(SyncHdr::read(r, &child).map_err(|f| frame_error("SyncHdr", f))?);
                }
                "SyncBody" if body.is_none() => {
                    let body_pos = r.pos(child.offset);
                    let (commands, final_) = command::read_body(r)?;
                    body = Some(SyncBody {
                        commands,
                        final_,
                        pos: body_pos,
                    });
                }
                _ => {
                    // A second header or body, a header after the body, or anything else.
                    let fault = match child.name {
                        "SyncHdr" if hdr.is_some() => r.duplicate("SyncHdr", &child),
                        "SyncBody" => r.duplicate("SyncBody", &child),
                        _ => r.unexpected(&child),
                    };
                    return Err(frame_error("SyncML", fault));
                }
            }
        }
        let body = body.ok_or(DecodeError::MissingBody { pos })?;
        Ok(Self { hdr, body, pos })
    }
}

/// A `SyncHdr`: the message header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncHdr {
    /// `VerDTD` (`1.2`).
    pub ver_dtd: String,
    /// `VerProto` (`DM/1.2`).
    pub ver_proto: String,
    /// `SessionID`.
    pub session_id: String,
    /// `MsgID`.
    pub msg_id: String,
    /// `Target`: the recipient (the server URL, or the device ID).
    pub target: Option<Target>,
    /// `Source`: the sender.
    pub source: Option<Source>,
    /// `RespURI`: where the reply should go (OMA-DM §4.1.1.17).
    pub resp_uri: Option<String>,
    /// `Cred`: authentication.
    pub cred: Option<Cred>,
    /// `Meta` (`MaxMsgSize`, `MaxObjSize`).
    pub meta: Option<Meta>,
    /// Position of `<SyncHdr`.
    pub pos: Pos,
}

impl SyncHdr {
    fn read(r: &mut Reader<'_>, open: &Open<'_>) -> Res<Self> {
        let pos = r.pos(open.offset);
        let mut hdr = Self {
            pos,
            ..Self::default()
        };
        let [mut ver_dtd, mut ver_proto, mut session_id, mut msg_id] = [None, None, None, None];
        while let Some(child) = r.child()? {
            match child.name {
                "VerDTD" => read_once(r, &child, "VerDTD", &mut ver_dtd, read_string)?,
                "VerProto" => read_once(r, &child, "VerProto", &mut ver_proto, read_string)?,
                "SessionID" => read_once(r, &child, "SessionID", &mut session_id, read_string)?,
                "MsgID" => read_once(r, &child, "MsgID", &mut msg_id, read_string)?,
                "RespURI" => read_once(r, &child, "RespURI", &mut hdr.resp_uri, read_string)?,
                "Target" => read_once(r, &child, "Target", &mut hdr.target, Target::read)?,
                "Source" => read_once(r, &child, "Source", &mut hdr.source, Source::read)?,
                "Cred" => read_once(r, &child, "Cred", &mut hdr.cred, Cred::read)?,
                "Meta" => read_once(r, &child, "Meta", &mut hdr.meta, Meta::read)?,
                _ => return Err(r.unexpected(&child)),
            }
        }
        let empty = [&ver_dtd, &ver_proto, &session_id, &msg_id]
            .iter()
            .all(|v| v.is_none())
            && hdr.is_local();
        if empty {
            // `<SyncHdr/>`: the local form Windows's local API answers with.
            return Ok(hdr);
        }
        hdr.ver_dtd = ver_dtd.ok_or_else(|| Reader::missing("VerDTD", pos))?;
        hdr.ver_proto = ver_proto.ok_or_else(|| Reader::missing("VerProto", pos))?;
        hdr.session_id = session_id.ok_or_else(|| Reader::missing("SessionID", pos))?;
        hdr.msg_id = msg_id.ok_or_else(|| Reader::missing("MsgID", pos))?;
        Ok(hdr)
    }

    /// Whether this is the local form `<SyncHdr/>`: no field set. Windows's local API
    /// (`ApplyLocalManagementSyncML`) answers a message without a SyncHdr with it.
    pub fn is_local(&self) -> bool {
        let Self {
            ver_dtd,
            ver_proto,
            session_id,
            msg_id,
            target,
            source,
            resp_uri,
            cred,
            meta,
            pos: _,
        } = self;
        [ver_dtd, ver_proto, session_id, msg_id]
            .iter()
            .all(|v| v.is_empty())
            && target.is_none()
            && source.is_none()
            && resp_uri.is_none()
            && cred.is_none()
            && meta.is_none()
    }

    fn write(&self, out: &mut String) {
        if self.is_local() {
            out.push_str("<SyncHdr/>");
            return;
        }
        writer::open(out, "SyncHdr");
        writer::element(out, "VerDTD", &self.ver_dtd);
        writer::element(out, "VerProto", &self.ver_proto);
        writer::element(out, "SessionID", &self.session_id);
        writer::element(out, "MsgID", &self.msg_id);
        Location::write_some(out, "Target", self.target.as_ref());
        Location::write_some(out, "Source", self.source.as_ref());
        writer::optional(out, "RespURI", self.resp_uri.as_deref());
        self.cred.write(out);
        self.meta.write(out);
        writer::close(out, "SyncHdr");
    }
}

/// A `SyncBody`: the commands and the `Final` flag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncBody {
    /// The commands, in document order.
    pub commands: Vec<Command>,
    /// `Final`: this is the last message of the package. Where `Final` stands among
    /// the commands is not kept; the encoder writes it last.
    pub final_: bool,
    /// Position of `<SyncBody`.
    pub pos: Pos,
}

impl SyncBody {
    /// Writes the body; declares the `msft` prefix when any `Data` carries
    /// `msft:originalerror`.
    fn write(&self, out: &mut String) {
        if self.commands.iter().any(Command::has_original_error) {
            out.push_str("<SyncBody xmlns:msft=\"");
            out.push_str(MSFT_NS);
            out.push_str("\">");
        } else {
            writer::open(out, "SyncBody");
        }
        self.commands.write(out);
        writer::flag(out, "Final", self.final_);
        writer::close(out, "SyncBody");
    }
}

fn frame_error(within: &'static str, fault: Fault) -> DecodeError {
    match fault {
        Fault::Fatal(e) => e,
        Fault::Grammar { reason, pos } => DecodeError::Grammar {
            within,
            reason,
            pos,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_a_one_line_message_of_the_most_commands_take_one_pass() {
        // Limits::max_commands commands on one line (as Intune exports and one-line profiles
        // are written), of every kind that records a position: well-formed, malformed,
        // unknown, and a container with a failing member. Positions are asked in document
        // order, so the tracker looks at each byte once: linear, however long the line.
        let kinds = [
            "<Add><CmdID>2</CmdID><Item><Target><LocURI>./a</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>1</Data></Item></Add>",
            "<Replace><CmdID>3</CmdID><Bogus/><Item/></Replace>",
            "<Frob><CmdID>4</CmdID><x/></Frob>",
            "<Atomic><CmdID>5</CmdID><Get><CmdID>6</CmdID><Item><Target><LocURI>./b</LocURI></Target></Item></Get>text</Atomic>",
        ];
        let per_round = 5; // commands in one round of the four kinds (the Atomic holds two)
        let rounds = Limits::DEFAULT.max_commands / per_round;
        let body: String = kinds.concat().repeat(rounds);
        let text = format!("<SyncML><SyncBody>{body}</SyncBody></SyncML>");
        let mut r = Reader::new(&text, &Limits::DEFAULT);
        let message = SyncMl::read(&mut r).expect("decodes");
        assert_eq!(message.body.commands.len(), 4 * rounds);
        assert!(
            r.scanned() <= text.len(),
            "looked at {} bytes of {}",
            r.scanned(),
            text.len()
        );
    }
}
