//! The `pfw` command is the binary target of this package (`src/main.rs`); this library is
//! empty. It exists so that the package's own tests can depend on it with the `test-hooks`
//! feature, which is how `cargo test` builds the binary the tests run with its test hooks
//! while `cargo build` builds it without them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
