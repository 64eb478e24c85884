//! `pfw`: the command-line face of pfw. Thin: parse the arguments, call the libraries, map the
//! outcome to an exit status (`error::Exit`: 0 success, 1 a negative answer, 2 unusable input,
//! 3 state failure, 4 server failure, 5 output not written).

mod args;
mod cmd;
mod error;
mod hooks;
mod output;
mod state;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse_offered();
    match cmd::run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            if error.is_reported() {
                output::warn(&format!("pfw: {error}"));
            }
            error.exit().into()
        }
    }
}
