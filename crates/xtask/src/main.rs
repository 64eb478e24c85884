//! `cargo run -p pfw-xtask -- facts [DIR]`: regenerates `crates/facts/data/windows.facts` from
//! Microsoft's Windows DDF bundle (default `../shared/ddf/microsoft-all`, beside the checkout).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match args.first().map(String::as_str) {
        Some("facts") => {
            let dir = args
                .get(1)
                .map_or_else(|| root.join("../shared/ddf/microsoft-all"), PathBuf::from);
            let out = root.join("crates/facts/data/windows.facts");
            match pfw_facts::generate(&dir) {
                Ok(text) => match std::fs::write(&out, &text) {
                    Ok(()) => {
                        println!(
                            "{}: {} bytes from {}",
                            out.display(),
                            text.len(),
                            dir.display()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("pfw-xtask: {}: {e}", out.display());
                        ExitCode::from(2)
                    }
                },
                Err(e) => {
                    eprintln!("pfw-xtask: {e}");
                    ExitCode::from(2)
                }
            }
        }
        _ => {
            eprintln!("usage: cargo run -p pfw-xtask -- facts [DDF-DIR]");
            ExitCode::from(2)
        }
    }
}
