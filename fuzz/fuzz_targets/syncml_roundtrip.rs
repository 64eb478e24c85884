//! decode → encode → decode gives the same message, for every input that decodes and has no
//! `Malformed` command (a `Malformed` keeps only its name and CmdID, so it cannot round-trip);
//! and encoding is stable: the second encoding equals the first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pfw_syncml::{Command, Limits, SyncMl};

fuzz_target!(|data: &[u8]| {
    let Ok(message) = SyncMl::decode(data, &Limits::DEFAULT) else {
        return;
    };
    if has_malformed(&message.body.commands) {
        return;
    }
    let encoded = message.encode();
    let again = match SyncMl::decode(encoded.as_bytes(), &Limits::DEFAULT) {
        Ok(again) => again,
        Err(e) => panic!("the encoding does not decode: {e}\n{encoded}"),
    };
    assert_eq!(again, message, "round trip changed the message\n{encoded}");
    assert_eq!(again.encode(), encoded, "encoding is not stable");
});

fn has_malformed(commands: &[Command]) -> bool {
    commands.iter().any(|c| match c {
        Command::Malformed(_) => true,
        Command::Atomic(container) | Command::Sequence(container) => {
            has_malformed(&container.commands)
        }
        _ => false,
    })
}
