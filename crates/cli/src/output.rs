//! Output for people: colour when the stream is a terminal and `NO_COLOR` is not set.

use std::io::IsTerminal;

/// Whether to colour a stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paint {
    enabled: bool,
}

impl Paint {
    /// Colour for standard output.
    pub(crate) fn stdout() -> Self {
        Self {
            enabled: std::io::stdout().is_terminal() && colour_allowed(),
        }
    }

    /// Colour for standard error.
    pub(crate) fn stderr() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal() && colour_allowed(),
        }
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` with control characters (C0 but tab, DEL, C1) written as `\u{…}` escapes, so a
/// value or URI taken from a message cannot move the cursor or recolour a terminal. `keep_newlines`
/// leaves line feeds as they are.
pub(crate) fn visible(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let escape = |c: char| c.is_control() && c != '\t' && !(keep_newlines && c == '\n');
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

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(visible("plain\ttext", false), "plain\ttext");
        assert_eq!(visible("a\u{1b}[31mred", false), "a\\u{1b}[31mred");
        assert_eq!(visible("c1\u{9b}x\ny", false), "c1\\u{9b}x\\u{a}y");
        assert_eq!(visible("two\nlines", true), "two\nlines");
    }
}
