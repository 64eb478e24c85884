//! SyncML messages as a policy source: each Add or Replace of a PassportForWork node (in
//! Atomic and Sequence too) is a write of its Data, each Delete a removal. The MDM server's
//! `./Device` or `./User` scope decides the source. pfw-lint checks the message itself; this
//! reader only lets a message take part in a combination of files.

use pfw_syncml::{Command, ItemCommand, Limits, SyncMl};

use crate::error::{At, Refusal};
use crate::intune::oma::{mdm_wins_over_gp, split_uri};
use crate::model::{Format, IgnoredClass, Setting, Source};

/// Reads a SyncML message's PassportForWork writes.
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<Source, (At, Refusal)> {
    let message = SyncMl::decode(bytes, &Limits::DEFAULT)
        .map_err(|e| (At::File, Refusal::SyncMl(e.to_string())))?;
    let mut source = Source::new(file, Format::SyncMl);
    walk(&message.body.commands, &mut source);
    Ok(source)
}

/// Whether the bytes look like a SyncML message.
pub(crate) fn is_syncml(text: &str) -> bool {
    let head: String = text.chars().take(512).collect();
    head.contains("<SyncML")
}

fn walk(commands: &[Command], source: &mut Source) {
    for command in commands {
        match command {
            Command::Add(c) | Command::Replace(c) => items(c, true, source),
            Command::Delete(c) => items(c, false, source),
            Command::Atomic(c) | Command::Sequence(c) => walk(&c.commands, source),
            _ => source.unrelated += 1,
        }
    }
}

fn items(command: &ItemCommand, set: bool, source: &mut Source) {
    for item in &command.items {
        let Some(target) = &item.target else {
            source.unrelated += 1;
            continue;
        };
        let uri = &target.loc_uri;
        let at = At::Line(uri.pos.line.max(1), uri.pos.column.max(1));
        if mdm_wins_over_gp(&uri.text) {
            source.ignore(IgnoredClass::NoEffect, &uri.text, at, MDM_WINS_REASON);
            continue;
        }
        let Some((scope, path)) = split_uri(&uri.text) else {
            source.unrelated += 1;
            continue;
        };
        source.settings.push(Setting {
            scope,
            path,
            value: if set {
                Some(item.data_text().unwrap_or_default().to_owned())
            } else {
                None
            },
            at,
            name: uri.text.clone(),
        });
    }
}

/// Why MDMWinsOverGP changes nothing for Windows Hello (policy-facts.md §2).
pub(crate) const MDM_WINS_REASON: &str = "MDMWinsOverGP (Policy CSP ControlPolicyConflict) does not apply to \
     Windows Hello for Business: it only affects Policy CSP policies, and Windows Hello's are in the \
     PassportForWork CSP, whose conflict rules ignore it (hello-for-business/configure)";
