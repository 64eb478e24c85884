//! Output for people: the one colour policy (anstream decides, for each stream, from whether
//! it is a terminal and from `NO_COLOR`, `CLICOLOR` and `CLICOLOR_FORCE`; anstyle writes the
//! styles), and the one escaper of names and values.

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};

/// Whether to colour a stream, and the styles pfw colours with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paint {
    enabled: bool,
}

impl Paint {
    /// Colour for standard output.
    pub(crate) fn stdout() -> Self {
        Self::when(anstream::AutoStream::choice(&std::io::stdout()))
    }

    /// Colour for standard error.
    pub(crate) fn stderr() -> Self {
        Self::when(anstream::AutoStream::choice(&std::io::stderr()))
    }

    /// No colour (a file, a pipe).
    pub(crate) fn none() -> Self {
        Self { enabled: false }
    }

    fn when(choice: ColorChoice) -> Self {
        Self {
            enabled: !matches!(choice, ColorChoice::Never),
        }
    }

    /// Whether this stream is coloured.
    pub(crate) fn enabled(self) -> bool {
        self.enabled
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.wrap(Style::new().bold(), text)
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.wrap(AnsiColor::Red.on_default(), text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.wrap(AnsiColor::Green.on_default(), text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.wrap(AnsiColor::Yellow.on_default(), text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.wrap(Style::new().dimmed(), text)
    }

    /// Bold cyan: what pfw sends (a trace).
    pub(crate) fn sent(self, text: &str) -> String {
        self.wrap(AnsiColor::Cyan.on_default().bold(), text)
    }

    /// Bold green: an answer that succeeded (a trace).
    pub(crate) fn received(self, text: &str) -> String {
        self.wrap(AnsiColor::Green.on_default().bold(), text)
    }

    /// Bold red: an answer that failed (a trace).
    pub(crate) fn failed(self, text: &str) -> String {
        self.wrap(AnsiColor::Red.on_default().bold(), text)
    }

    fn wrap(self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// `text` as pfw prints a name or value for people: control characters (C0 but tab, DEL, C1)
/// and the bidirectional controls (U+202A–U+202E, U+2066–U+2069) written as `\u{…}` escapes,
/// so that nothing taken from a message, a state or a DDF file can move the cursor, recolour
/// or retitle a terminal, or reorder what is shown. `keep_newlines` leaves line feeds as they
/// are. The one escaper of the CLI: every printer of a name or value goes through it.
pub(crate) fn visible(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let escape = |c: char| {
        (c.is_control() && c != '\t' && !(keep_newlines && c == '\n'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A policy source's value as printed: [`visible`], or `(removed: not configured)` for a
/// setting that removes the value.
pub(crate) fn setting_value(value: Option<&str>) -> String {
    value.map_or_else(
        || "(removed: not configured)".to_owned(),
        |v| visible(v, false).into_owned(),
    )
}

/// Writes `line` (no colour in it) on standard error through [`visible`], so that the names
/// and values in an error or a warning are escaped as on standard output. A standard error
/// that cannot be written is ignored: there is nowhere left to report it.
pub(crate) fn warn(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", visible(line, false));
}

/// `n` and the noun, singular for one: `count(1, "command")` is "1 command", else the
/// noun takes an `s` ("0 commands", "2 commands").
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::{count, visible};

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(0, "violation"), "0 violations");
        assert_eq!(count(1, "violation"), "1 violation");
        assert_eq!(count(2, "command"), "2 commands");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(visible("plain\ttext", false), "plain\ttext");
        assert_eq!(visible("a\u{1b}[31mred", false), "a\\u{1b}[31mred");
        assert_eq!(visible("c1\u{9b}x\ny", false), "c1\\u{9b}x\\u{a}y");
        assert_eq!(visible("two\nlines", true), "two\nlines");
        assert_eq!(visible("a\r\nb", false), "a\\u{d}\\u{a}b");
        // Bidirectional controls, which reorder what a terminal shows.
        assert_eq!(
            visible("x\u{202E}y\u{2066}z\u{2069}", false),
            "x\\u{202e}y\\u{2066}z\\u{2069}"
        );
        assert_eq!(visible("\u{2029}\u{2065}", false), "\u{2029}\u{2065}");
    }
}
