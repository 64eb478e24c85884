//! Decoding speed against a bare quick-xml tokenize of the same bytes.
//!
//! All functions run over the 2019 PassportForWork example message (seed 000), cut
//! out of the seed page at start-up. `baseline_tokenize` is quick-xml with its default
//! configuration reading every event into one reused buffer and doing nothing with
//! it; `decode` is the full checked decode into the model; `encode` writes the
//! decoded message back out.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use pfw_syncml::{Limits, SyncMl};

fn decode_group(c: &mut Criterion) {
    let message = pfw_testdata::seed_example(pfw_testdata::SEED_2019);
    let bytes = message.as_bytes();
    let decoded = SyncMl::decode(bytes, &Limits::DEFAULT).expect("the seed decodes");

    let mut group = pfw_testdata::seed_2019_group(c, bytes, "baseline_tokenize");
    group.bench_function("decode", |b| {
        b.iter(|| SyncMl::decode(black_box(bytes), &Limits::DEFAULT));
    });
    group.bench_function("encode", |b| b.iter(|| black_box(&decoded).encode()));
    group.finish();
}

criterion_group!(benches, decode_group);
criterion_main!(benches);
