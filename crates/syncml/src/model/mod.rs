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

pub use command::{
    Alert, CmdId, CmdIdFault, Command, Container, ItemCommand, Malformed, MalformedReason, Results,
    Status, UnknownElement,
};
pub use common::{Chal, Cred, Data, Item, LocUri, Meta, Source, Target};
pub use message::{SyncBody, SyncHdr, SyncMl};
