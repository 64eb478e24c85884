//! How long `pfw lint` takes: Microsoft's 2019 example, the example profile, an Intune export,
//! a generated profile of 1,000 commands over 100 tenants (every command runs through the
//! tree and the engine on an in-memory device), and 10,000 commands with line breaks and on
//! one line (the two must cost about the same).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pfw_lint::{Linter, Options};

fn generated(commands: usize) -> String {
    generated_with(commands, "\n")
}

/// `commands` Adds over 100 tenants, each followed by `separator` (servers send SyncML on
/// one line: `""`).
fn generated_with(commands: usize, separator: &str) -> String {
    let leaves = [
        ("MinimumPINLength", "6"),
        ("MaximumPINLength", "12"),
        ("History", "5"),
        ("Expiration", "90"),
        ("Digits", "1"),
    ];
    let mut body = String::new();
    for i in 0..commands {
        let tenant = format!("{:08x}-8d4e-4b6a-9c21-7e5f0a9d4c83", i % 100);
        let (leaf, data) = leaves[i % 5];
        let uri =
            format!("./Device/Vendor/MSFT/PassportForWork/{tenant}/Policies/PINComplexity/{leaf}");
        body.push_str(&pfw_testdata::item_command("Add", i + 1, &uri, "int", data));
        body.push_str(separator);
    }
    pfw_testdata::message(&format!("{separator}{body}"))
}

fn bench(c: &mut Criterion) {
    let linter = Linter::with_pfw_ddf(Options::default()).expect("pfw's DDF");
    let example = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/windows-hello-profile.xml"
    ))
    .expect("the example profile");
    let intune = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/intune-profile.json"
    ))
    .expect("the Intune fixture");
    let seed = pfw_testdata::seed_example(pfw_testdata::SEED_2019);
    let large = generated(1000);
    // The most commands a message may hold (`Limits::max_commands`), with line breaks and on
    // one line: positions cost the same either way.
    let lines = generated_with(10_000, "\n");
    let one_line = generated_with(10_000, "");
    let mut group = c.benchmark_group("lint");
    for (name, input) in [
        ("seed-2019", seed.as_bytes()),
        ("example-profile", example.as_slice()),
        ("intune-export", intune.as_slice()),
        ("generated-1000-commands", large.as_bytes()),
        ("10000-commands-with-line-breaks", lines.as_bytes()),
        ("10000-commands-on-one-line", one_line.as_bytes()),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| linter.lint(name, black_box(input)).expect("lints"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
