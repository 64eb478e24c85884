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
