//! Loads a DDF file and prints its node count: the loader alone, for `bench/memory.sh`
//! (peak memory of a load) and profilers.
//!
//!     cargo run --release -p pfw-ddf --example load_ddf -- FILE

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: load_ddf FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("load_ddf: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match pfw_ddf::Schema::load(&bytes) {
        Ok(schema) => {
            fn count(node: &pfw_ddf::Node) -> usize {
                1 + node.children.iter().map(count).sum::<usize>()
            }
            let nodes: usize = schema.roots.iter().map(count).sum();
            println!("{nodes} nodes");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("load_ddf: {path}: {e}");
            ExitCode::from(2)
        }
    }
}
