//! Applies the 2019 example message (seed 000) COUNT times, each on a fresh `MemoryStore`
//! (with `sqlite`, as Replace commands on one SQLite state; `decode` only decodes it,
//! `tokenize` only reads its XML events with quick-xml, the floor; `load` loads pfw's DDF), for instruction counts under
//! callgrind (`bench/callgrind.sh`): a deterministic measure that machine load does not move.
//!
//! ```sh
//! cargo run --release -p pfw-engine --example apply_seed -- 100 [memory|tokenize|decode|sqlite|load]
//! ```

use std::sync::Arc;

use pfw_engine::{Engine, Options};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::{Limits, SyncMl};
use pfw_tree::{MemoryStore, Registry, SqliteStore};

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let what = args.next().unwrap_or_else(|| "memory".to_owned());
    let message = &pfw_testdata::seed_example(pfw_testdata::SEED_2019);
    let csp = PassportCsp::new().expect("pfw's DDF loads");
    let engine = Engine::new(Registry::new().with(Arc::new(csp)), Limits::DEFAULT);
    match what.as_str() {
        "load" => {
            // What every `pfw` process pays first: loading pfw's PassportForWork DDF.
            for _ in 0..count {
                std::hint::black_box(PassportCsp::new().expect("pfw's DDF loads"));
            }
        }
        "tokenize" => {
            // The floor: quick-xml reading every event into one reused buffer.
            let mut buf = Vec::new();
            for _ in 0..count {
                pfw_testdata::tokenize(message.as_bytes(), &mut buf);
            }
        }
        "decode" => {
            for _ in 0..count {
                let decoded = SyncMl::decode(message.as_bytes(), &Limits::DEFAULT);
                std::hint::black_box(decoded.expect("the seed decodes"));
            }
        }
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("pfw-apply-seed-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("a directory");
            let mut store = SqliteStore::open(&dir.join("state.db")).expect("a state");
            engine
                .apply(&mut store, message.as_bytes(), &Options::default())
                .expect("the seed applies");
            // SQLite writes nothing for a row replaced by the same content, so the runs
            // alternate between the seed's bool values and their opposites: every run writes.
            let replace = message
                .replace("<Add>", "<Replace>")
                .replace("</Add>", "</Replace>");
            let flipped = replace.replace("<Data>true</Data>", "<Data>false</Data>");
            for turn in 0..count {
                let text = if turn % 2 == 0 { &flipped } else { &replace };
                let outcome = engine.apply(&mut store, text.as_bytes(), &Options::default());
                std::hint::black_box(outcome.expect("the Replace message applies"));
            }
            drop(store);
            let _ = std::fs::remove_dir_all(&dir);
        }
        _ => {
            for _ in 0..count {
                let mut store = MemoryStore::new();
                let outcome = engine.apply(&mut store, message.as_bytes(), &Options::default());
                std::hint::black_box(outcome.expect("the seed applies"));
            }
        }
    }
}
