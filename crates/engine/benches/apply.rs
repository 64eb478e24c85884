//! The cost of applying a message, against the floors beneath it.
//!
//! Every function works on the 2019 PassportForWork example message (seed 000), cut out of
//! the seed page when the bench starts:
//!
//! - `tokenize_baseline`: quick-xml with its default configuration reading every event of
//!   the message into one reused buffer, doing nothing with it (as `pfw-syncml`'s decode
//!   bench does): the floor for anything that reads the message;
//! - `apply_memory`: `Engine::apply` on a fresh `MemoryStore` each iteration (made outside
//!   the timing): decode, fourteen commands checked and run, the response built;
//! - `apply_sqlite`: `Engine::apply` on a `SqliteStore` in a temporary directory. The seed's
//!   Adds answer 418 once their nodes exist, so after one Add run the bench applies the seed
//!   turned into Replace commands, alternating between the seed's values and changed ones, so
//!   every iteration writes and commits;
//! - `sqlite_bare_commit`: rusqlite on a file with the store's settings (WAL,
//!   `synchronous=FULL`): `BEGIN IMMEDIATE`, one `INSERT OR REPLACE`, `COMMIT`: the floor for
//!   any durable write.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use pfw_engine::{Engine, Options};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::{Limits, StatusCode};
use pfw_tree::{MemoryStore, Registry, SqliteStore};

fn apply_group(c: &mut Criterion) {
    let message = pfw_testdata::seed_example(pfw_testdata::SEED_2019);
    let bytes = message.as_bytes();
    let engine = engine();

    let mut group = pfw_testdata::seed_2019_group(c, bytes, "tokenize_baseline");

    group.bench_function("apply_memory", |b| {
        b.iter_batched(
            MemoryStore::new,
            |mut store| {
                engine
                    .apply(&mut store, black_box(bytes), &Options::default())
                    .expect("the seed applies")
            },
            BatchSize::SmallInput,
        );
    });

    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut store = SqliteStore::open(&dir.path().join("bench.db")).expect("the store opens");
    engine
        .apply(&mut store, bytes, &Options::default())
        .expect("the seed applies");
    let replaces = [
        replace_message(&message, false),
        replace_message(&message, true),
    ];
    for (n, replace) in replaces.iter().enumerate().rev() {
        let outcome = engine
            .apply(&mut store, replace.as_bytes(), &Options::default())
            .expect("the Replace message applies");
        let changed = outcome
            .reports
            .iter()
            .filter(|r| r.status == StatusCode::Ok)
            .count();
        assert_eq!(changed, 12, "Replace message {n}: {:?}", outcome.reports);
    }
    let mut turn = 0usize;
    group.bench_function("apply_sqlite", |b| {
        b.iter(|| {
            turn += 1;
            let replace = &replaces[turn % 2];
            engine
                .apply(
                    &mut store,
                    black_box(replace.as_bytes()),
                    &Options::default(),
                )
                .expect("the Replace message applies")
        });
    });
    group.finish();

    let mut group = c.benchmark_group("sqlite");
    let conn = rusqlite::Connection::open(dir.path().join("bare.db")).expect("a database");
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("WAL");
    assert_eq!(mode, "wal");
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL);",
    )
    .expect("the table");
    let mut value = 0u64;
    group.bench_function("sqlite_bare_commit", |b| {
        b.iter(|| {
            value += 1;
            conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
            conn.prepare_cached("INSERT OR REPLACE INTO kv (k, v) VALUES (1, ?1)")
                .expect("the statement")
                .execute([value.to_string()])
                .expect("the insert");
            conn.execute_batch("COMMIT").expect("commit");
        });
    });
    group.finish();
}

/// The engine pfw runs: the PassportForWork CSP from pfw's own DDF, the default limits.
fn engine() -> Engine {
    let csp = PassportCsp::new().expect("pfw's DDF loads");
    Engine::new(Registry::new().with(Arc::new(csp)), Limits::DEFAULT)
}

/// The seed with every Add turned into a Replace; with `changed`, every value changed to
/// another valid one (a bool flipped; an int n to n + 1, or 2 to 1 for the 0/1/2 enums).
/// Its statuses: 12 × 200, 405 for the tenant node (Replace of an interior node), 404 for
/// the misspelled node.
fn replace_message(seed: &str, changed: bool) -> String {
    let text = seed
        .replace("<Add>", "<Replace>")
        .replace("</Add>", "</Replace>");
    if !changed {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<Data>") {
        let value_start = start + "<Data>".len();
        let end = rest[value_start..].find("</Data>").expect("Data is closed") + value_start;
        out.push_str(&rest[..value_start]);
        let value = match &rest[value_start..end] {
            "true" => "false".to_owned(),
            "false" => "true".to_owned(),
            "2" => "1".to_owned(),
            n => (n.parse::<i32>().expect("an int value") + 1).to_string(),
        };
        out.push_str(&value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

criterion_group!(benches, apply_group);
criterion_main!(benches);
