//! Input limits: the one place in pfw where every bound on untrusted input is defined.
//!
//! The decoder enforces the message-level limits (size, depth, command and item
//! counts, text size) and refuses the whole message when one is passed. The URI,
//! segment and value limits are enforced per command by the layers above (the engine
//! answers 414 or 413 for that command); they live here so that every limit has one
//! definition. [`Limits::describe`] lists them all, with what passing each one gets,
//! so documentation can be generated from (or checked against) the code.

/// Bounds on untrusted input. [`Limits::DEFAULT`] holds the documented defaults.
///
/// `max_text_bytes` must stay above `max_value_bytes`: a value over the value limit has
/// to decode so that its command can be answered 413 instead of the whole message
/// being refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest message accepted, in bytes. Checked before anything else is read or
    /// allocated. Default 4 MiB.
    pub max_message_bytes: usize,
    /// Deepest element nesting accepted (the root `SyncML` is level 1). Checked when
    /// the opening tag that would pass it is read. Default 32.
    pub max_depth: usize,
    /// Most commands in one message, members of `Atomic` and `Sequence` included, as
    /// are unknown elements in command position. Default 10,000.
    pub max_commands: usize,
    /// Most `Item` elements in one message, over all commands. Default 10,000.
    pub max_items: usize,
    /// Largest single text value (one text node, or the text of one element after
    /// entity decoding), in bytes. Default 1 MiB.
    pub max_text_bytes: usize,
    /// Longest `LocURI` a command may carry, in bytes; longer gets 414 for that
    /// command. Enforced above this crate. Default 1024.
    pub max_uri_bytes: usize,
    /// Longest single URI segment (one node name), in bytes; longer gets 414 for that
    /// command. Enforced above this crate. Default 255.
    pub max_segment_bytes: usize,
    /// Largest `Data` of one item, in bytes; larger gets 413 for that command.
    /// Enforced above this crate. Default 64 KiB.
    pub max_value_bytes: usize,
    /// Most nodes one management tree instance (the device's, or one user's) may hold; an
    /// Add beyond it gets 420 (device full). Enforced above this crate. Default 10,000.
    pub max_nodes_per_tree: usize,
    /// Most bytes of Results one response may carry (values and URIs as built, before
    /// escaping). A Get whose Results would pass it gets 413 (OMA-DM 1.2 representation
    /// §4.1.6.7: "the data item to be transferred is too large") and no Results; the work is
    /// counted as it is done, so the bound holds before the Results exist. A session further
    /// splits the response under the server's `MaxMsgSize`. Enforced above this crate.
    /// Default 4 MiB, the size of the largest message accepted.
    pub max_response_bytes: usize,
    /// Most management-tree nodes the Gets of one message may visit (`?list=Struct`,
    /// `?list=StructData` and child listings walk the tree); a Get that would pass it gets
    /// 413. Enforced above this crate. Default 100,000 (ten full trees at the node cap).
    pub max_nodes_visited: usize,
}

impl Limits {
    /// The documented defaults.
    pub const DEFAULT: Self = Self {
        max_message_bytes: 4 * 1024 * 1024,
        max_depth: 32,
        max_commands: 10_000,
        max_items: 10_000,
        max_text_bytes: 1024 * 1024,
        max_uri_bytes: 1024,
        max_segment_bytes: 255,
        max_value_bytes: 64 * 1024,
        max_nodes_per_tree: 10_000,
        max_response_bytes: 4 * 1024 * 1024,
        max_nodes_visited: 100_000,
    };

    /// Every limit with its current value, where it is enforced and what passing it
    /// gets, in a fixed order (the order of the fields).
    pub fn describe(&self) -> [LimitInfo; 11] {
        [
            LimitInfo {
                name: "max_message_bytes",
                value: self.max_message_bytes,
                unit: "bytes",
                outcome: LimitOutcome::MessageRefused,
            },
            LimitInfo {
                name: "max_depth",
                value: self.max_depth,
                unit: "element levels",
                outcome: LimitOutcome::MessageRefused,
            },
            LimitInfo {
                name: "max_commands",
                value: self.max_commands,
                unit: "commands",
                outcome: LimitOutcome::MessageRefused,
            },
            LimitInfo {
                name: "max_items",
                value: self.max_items,
                unit: "items",
                outcome: LimitOutcome::MessageRefused,
            },
            LimitInfo {
                name: "max_text_bytes",
                value: self.max_text_bytes,
                unit: "bytes",
                outcome: LimitOutcome::MessageRefused,
            },
            LimitInfo {
                name: "max_uri_bytes",
                value: self.max_uri_bytes,
                unit: "bytes",
                outcome: LimitOutcome::CommandStatus(414),
            },
            LimitInfo {
                name: "max_segment_bytes",
                value: self.max_segment_bytes,
                unit: "bytes",
                outcome: LimitOutcome::CommandStatus(414),
            },
            LimitInfo {
                name: "max_value_bytes",
                value: self.max_value_bytes,
                unit: "bytes",
                outcome: LimitOutcome::CommandStatus(413),
            },
            LimitInfo {
                name: "max_nodes_per_tree",
                value: self.max_nodes_per_tree,
                unit: "nodes",
                outcome: LimitOutcome::CommandStatus(420),
            },
            LimitInfo {
                name: "max_response_bytes",
                value: self.max_response_bytes,
                unit: "bytes",
                outcome: LimitOutcome::CommandStatus(413),
            },
            LimitInfo {
                name: "max_nodes_visited",
                value: self.max_nodes_visited,
                unit: "nodes",
                outcome: LimitOutcome::CommandStatus(413),
            },
        ]
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One row of [`Limits::describe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitInfo {
    /// The field name in [`Limits`].
    pub name: &'static str,
    /// The value in force.
    pub value: usize,
    /// What the value counts.
    pub unit: &'static str,
    /// What input over the limit gets.
    pub outcome: LimitOutcome,
}

/// What input over a limit gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitOutcome {
    /// The offending command is answered with this status code; the rest of the
    /// message runs.
    CommandStatus(u16),
    /// The whole message is refused by the decoder (a [`crate::DecodeError`]).
    MessageRefused,
}

// A value over the value limit must still decode, so the engine can answer 413; and
// no text can be longer than the message holding it.
const _: () = assert!(Limits::DEFAULT.max_text_bytes > Limits::DEFAULT.max_value_bytes);
const _: () = assert!(Limits::DEFAULT.max_text_bytes <= Limits::DEFAULT.max_message_bytes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_lists_every_field_with_its_value() {
        let limits = Limits {
            max_depth: 7,
            ..Limits::DEFAULT
        };
        let rows = limits.describe();
        let depth = rows.iter().find(|r| r.name == "max_depth").unwrap();
        assert_eq!(depth.value, 7);
        let value = rows.iter().find(|r| r.name == "max_value_bytes").unwrap();
        assert_eq!(value.outcome, LimitOutcome::CommandStatus(413));
    }
}
