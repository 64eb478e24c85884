//! Writing diagnostics: [`human`] like a compiler (the source line, a caret, notes and help),
//! [`json`] for scripts, and [`sarif`] (SARIF 2.1.0) for code-scanning tools.

mod human;
mod machine;

pub use human::human;
pub use machine::{json, sarif};
