//! pfw-lint's integration tests: one fixture per diagnostic code, Microsoft's 2019 example,
//! an Intune export, the example profile, the output formats, agreement with `pfw apply`'s
//! engine, and hostile input.

mod agreement;
mod codes;
mod formats;
mod hostile;
mod profiles;
mod sources;
mod util;
