//! PIN benchmarks: `check` throughput over typical PINs, and one argon2id hash with the
//! production parameters (the cost of setting a PIN, and of each History comparison).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pfw_passport::pin::{HashParams, PhcHash, check};

#[path = "../tests/integration/example.rs"]
mod example;

fn checks(c: &mut Criterion) {
    let policy = example::example_2019();
    let pins = [
        "abcD1234",
        "AB1!",
        "abcdefgh123456789",
        "12 34\u{e9}",
        "x9y8z7w6v5u4",
    ];
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(pins.len() as u64));
    group.bench_function("five typical PINs", |b| {
        b.iter(|| {
            for pin in pins {
                black_box(check(black_box(pin), &policy));
            }
        });
    });
    let oversized = "1".repeat(4096);
    group.throughput(Throughput::Elements(1));
    group.bench_function("oversized input", |b| {
        b.iter(|| black_box(check(black_box(&oversized), &policy)));
    });
    group.finish();
}

fn hashing(c: &mut Criterion) {
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10);
    group.bench_function("hash, production parameters", |b| {
        b.iter(|| black_box(PhcHash::hash(black_box("24681357"), HashParams::PRODUCTION)));
    });
    let stored = PhcHash::hash("24681357", HashParams::PRODUCTION).expect("hashable");
    group.bench_function("verify, production parameters", |b| {
        b.iter(|| black_box(stored.verify(black_box("13572468"))));
    });
    group.finish();
}

criterion_group!(benches, checks, hashing);
criterion_main!(benches);
