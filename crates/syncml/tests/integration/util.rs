//! Helpers shared by the integration tests.

use pfw_syncml::{Command, DecodeError, ItemCommand, Limits, SyncMl};

/// Decodes `text` with the default limits, failing the test with the error.
pub(crate) fn decode(text: &str) -> SyncMl {
    match SyncMl::decode(text.as_bytes(), &Limits::DEFAULT) {
        Ok(message) => message,
        Err(e) => panic!("decode failed: {e}"),
    }
}

/// The error `input` is refused with (the test fails if it decodes).
pub(crate) fn refuse(input: &[u8]) -> DecodeError {
    refuse_with(input, &Limits::DEFAULT)
}

/// The error `input` is refused with under `limits`.
pub(crate) fn refuse_with(input: &[u8], limits: &Limits) -> DecodeError {
    match SyncMl::decode(input, limits) {
        Ok(message) => panic!("decoded, expected a refusal: {message:?}"),
        Err(e) => e,
    }
}

/// Encodes `message`, decodes the result and checks it equals `message` in content (the
/// compact encoding puts every element at another place, so positions are left out);
/// also checks the encoding is stable (encoding the decoded copy gives the same text).
pub(crate) fn assert_round_trip(message: &SyncMl) {
    let encoded = message.encode();
    let again = decode(&encoded);
    assert_eq!(
        again.clone().without_positions(),
        message.clone().without_positions(),
        "decode(encode(m)) != m; encoded: {encoded}"
    );
    assert_eq!(again.encode(), encoded);
}

/// The item command inside `command`, for the six item verbs.
pub(crate) fn item_command(command: &Command) -> &ItemCommand {
    command
        .item_command()
        .unwrap_or_else(|| panic!("not an item command: {command:?}"))
}

/// The body of `$command` (a `&Command`) when it is a `$kind` command:
/// `command_as!(&commands[0], Status)` is the `&Status`; the test fails with the command when
/// it is another kind.
macro_rules! command_as {
    ($command:expr, $kind:ident) => {
        match $command {
            pfw_syncml::Command::$kind(body) => body,
            other => panic!("{other:?}"),
        }
    };
}
pub(crate) use command_as;

/// A message with `body` as the content of `SyncBody`.
pub(crate) fn body(body: &str) -> String {
    format!(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>{body}</SyncBody></SyncML>"#)
}
