//! Decoding speed against a bare quick-xml tokenize of the same bytes.
//!
//! All functions run over the 2019 PassportForWork example message (seed 000), cut
//! out of the seed page at start-up. `baseline_tokenize` is quick-xml with its default
//! configuration reading every event into one reused buffer and doing nothing with
//! it; `decode` is the full checked decode into the model; `encode` writes the
//! decoded message back out.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::Reader;
use quick_xml::events::Event;

use pfw_syncml::{Limits, SyncMl};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seeds/000_425c400918f7ad3e.txt"
);

fn seed_message() -> String {
    let page = std::fs::read_to_string(SEED).expect("seed page readable");
    let start = page.find("<SyncML").expect("the page has a SyncML example");
    let end = page[start..]
        .find("</SyncML>")
        .expect("the example is closed")
        + start;
    page[start..end + "</SyncML>".len()].to_owned()
}

fn decode_group(c: &mut Criterion) {
    let message = seed_message();
    let bytes = message.as_bytes();
    let decoded = SyncMl::decode(bytes, &Limits::DEFAULT).expect("the seed decodes");

    let mut group = c.benchmark_group("seed_2019");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut buf = Vec::new();
    group.bench_function("baseline_tokenize", |b| {
        b.iter(|| {
            let mut reader = Reader::from_reader(black_box(bytes));
            loop {
                buf.clear();
                match reader.read_event_into(&mut buf) {
                    Ok(Event::Eof) => break,
                    Ok(event) => {
                        black_box(event);
                    }
                    Err(e) => panic!("the seed tokenizes: {e}"),
                }
            }
        });
    });
    group.bench_function("decode", |b| {
        b.iter(|| SyncMl::decode(black_box(bytes), &Limits::DEFAULT));
    });
    group.bench_function("encode", |b| b.iter(|| black_box(&decoded).encode()));
    group.finish();
}

criterion_group!(benches, decode_group);
criterion_main!(benches);
