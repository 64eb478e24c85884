//! SyncML 1.2 (OMA-DM 1.2) messages as Windows's device management client reads and
//! writes them: a typed message model, a decoder that refuses hostile input whole, an
//! encoder in Windows's own form, and the SyncML status and alert codes.
//!
//! The crate knows nothing of management trees and does no I/O. Decoding checks the
//! whole message before anything returns ([`SyncMl::decode`]); every input bound
//! lives in [`Limits`]. A command whose content breaks the grammar still decodes, as
//! [`Command::Malformed`], so the message's other commands can run and that one can
//! be answered 400; an element that is not a command decodes as [`Command::Unknown`].
//! Every element carries its [`Pos`] (line and column), outside equality.
//!
//! ```
//! use pfw_syncml::{Command, Limits, StatusCode, SyncMl};
//!
//! let message = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
//!   <Replace><CmdID>2</CmdID><Item>
//!     <Target><LocURI> ./Device/Vendor/MSFT/PassportForWork/Policies </LocURI></Target>
//!     <Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>6</Data>
//!   </Item></Replace>
//!   <Final/>
//! </SyncBody></SyncML>"#;
//!
//! let decoded = SyncMl::decode(message, &Limits::DEFAULT)?;
//! let Command::Replace(replace) = &decoded.body.commands[0] else { unreachable!() };
//! let item = &replace.items[0];
//! assert_eq!(replace.head.cmd_id.as_ref().map(|id| id.as_str()), Some("2"));
//! assert_eq!(item.target_uri(), Some("./Device/Vendor/MSFT/PassportForWork/Policies"));
//! assert_eq!(replace.format_of(item), Some("int"));
//! assert_eq!(item.data_text(), Some("6"));
//! assert_eq!((decoded.body.commands[0].pos().line, decoded.body.commands[0].pos().column), (2, 3));
//!
//! // Encoding gives Windows's compact form, which decodes to the same message (read at
//! // other places: compared without positions).
//! let encoded = decoded.encode();
//! assert!(encoded.starts_with(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Replace>"#));
//! let again = SyncMl::decode(encoded.as_bytes(), &Limits::DEFAULT)?;
//! assert_ne!(again, decoded);
//! assert_eq!(again.without_positions(), decoded.without_positions());
//! assert_eq!(u16::from(StatusCode::NotFound), 404);
//! # Ok::<(), pfw_syncml::DecodeError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alert;
mod codec;
mod error;
mod limits;
mod model;
mod pos;
mod status;

pub use alert::AlertCode;
pub use error::{Construct, DecodeError, ParseCodeError, XmlSyntax};
pub use limits::{LimitInfo, LimitOutcome, Limits};
pub use model::{
    Alert, Chal, CmdId, CmdIdFault, CmdName, Command, CommandHead, CommandKind, Container, Cred,
    Data, Item, ItemCommand, LocUri, Location, Malformed, MalformedReason, Meta, NotACommand,
    Results, Source, Status, SyncBody, SyncHdr, SyncMl, Target, Text, UnknownElement,
};
pub use pos::{LineIndex, Pos, Span};
pub use status::StatusCode;
