//! pfw-testdata: what the tests, benches and examples read from the shared specification
//! beside the repository (`../shared`), and the test inputs they build in the same formats.
//!
//! - [`seed_example`]: the example SyncML message of one of Microsoft's CSP pages
//!   ([`SEED_2019`], [`SEED_CURRENT`]), cut from `<SyncML` to `</SyncML>`;
//! - [`tokenize`]: quick-xml with its default configuration reading every event of a
//!   message, the floor the SyncML benches measure against; with the `criterion` feature,
//!   `seed_2019_group`, the benches' group over the 2019 example that starts with it;
//! - [`message`] and [`item_command`]: SyncML messages of the local form the seed examples
//!   have (no SyncHdr), built from their commands;
//! - [`pol`]: a Registry.pol (PReg) file, as `samples/gpo/make_pol.py` builds one;
//!   [`utf16`]: text in UTF-16LE with a byte-order mark, as regedit and Graph exports write it.
//!
//! Not published: a dev-dependency only.
//!
//! ```
//! let message = pfw_testdata::seed_example(pfw_testdata::SEED_2019);
//! assert!(message.starts_with("<SyncML") && message.ends_with("</SyncML>"));
//! pfw_testdata::tokenize(message.as_bytes(), &mut Vec::new());
//! assert!(pfw_testdata::pol(&[]).starts_with(b"PReg"));
//! assert_eq!(pfw_testdata::utf16("A"), [0xFF, 0xFE, b'A', 0]);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

#[cfg(feature = "criterion")]
use criterion::measurement::WallTime;
#[cfg(feature = "criterion")]
use criterion::{BenchmarkGroup, Criterion, Throughput};

use quick_xml::Reader;
use quick_xml::events::Event;

/// The 2019 English CSP page (seed 000): its example message has no SyncHdr and fourteen
/// Adds.
pub const SEED_2019: &str = "000_425c400918f7ad3e.txt";
/// The current French CSP page (seed 003): the same example plus one command.
pub const SEED_CURRENT: &str = "003_3a2d62a5768bc99d.txt";

/// A file of the shared specification beside the repository (`relative` below `../shared`).
pub fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative)
}

/// The example SyncML message of a seed page (a file name in `../shared/seeds`), cut from
/// `<SyncML` to `</SyncML>`.
///
/// # Panics
///
/// When the page cannot be read or has no closed example.
pub fn seed_example(file: &str) -> String {
    let path = shared(&format!("seeds/{file}"));
    let page = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let start = page.find("<SyncML").expect("the page has a SyncML example");
    let end = page[start..]
        .find("</SyncML>")
        .map(|i| start + i + "</SyncML>".len())
        .expect("the example is closed");
    page[start..end].to_owned()
}

/// A final SyncML 1.2 message without a SyncHdr (the local form of the seed examples)
/// around `body`, its commands.
pub fn message(body: &str) -> String {
    format!(r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>{body}<Final/></SyncBody></SyncML>"#)
}

/// A `verb` command (`Add`, `Replace`, …) with CmdID `cmd_id` and one Item: `data` in
/// `format` at `uri`.
pub fn item_command(verb: &str, cmd_id: usize, uri: &str, format: &str, data: &str) -> String {
    format!(
        r#"<{verb}><CmdID>{cmd_id}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target><Meta><Format xmlns="syncml:metinf">{format}</Format></Meta><Data>{data}</Data></Item></{verb}>"#
    )
}

/// Reads every XML event of `bytes` into the reused `buf` with quick-xml's default
/// configuration, doing nothing with them: the floor for anything that reads a message.
///
/// # Panics
///
/// When `bytes` is not well-formed enough for quick-xml to tokenize.
#[inline]
pub fn tokenize(bytes: &[u8], buf: &mut Vec<u8>) {
    let mut reader = Reader::from_reader(bytes);
    loop {
        buf.clear();
        match reader.read_event_into(buf) {
            Ok(Event::Eof) => break,
            Ok(event) => {
                black_box(event);
            }
            Err(e) => panic!("the message tokenizes: {e}"),
        }
    }
}

/// The benchmark group `seed_2019` over `bytes` (the 2019 example message), its throughput
/// in bytes, with [`tokenize`] of them measured first as `floor`.
#[cfg(feature = "criterion")]
pub fn seed_2019_group<'c>(
    c: &'c mut Criterion,
    bytes: &[u8],
    floor: &str,
) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group("seed_2019");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut buf = Vec::new();
    group.bench_function(floor, |b| b.iter(|| tokenize(black_box(bytes), &mut buf)));
    group
}

/// `text` in UTF-16LE with a byte-order mark, as regedit and Graph exports write it.
pub fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(utf16_le(text));
    out
}

/// A Registry.pol (PReg) file of `entries`, each a key, a value name, a registry type and
/// its data, as `samples/gpo/make_pol.py` builds one.
///
/// # Panics
///
/// When one entry's data is longer than a PReg size field holds.
pub fn pol(entries: &[(&str, &str, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"PReg\x01\x00\x00\x00".to_vec();
    for (key, value, kind, data) in entries {
        let size = u32::try_from(data.len()).expect("PReg data under 4 GiB");
        for text in ["[", key, "\0;", value, "\0;"] {
            out.extend(utf16_le(text));
        }
        for field in [kind.to_le_bytes(), size.to_le_bytes()] {
            out.extend(field);
            out.extend(utf16_le(";"));
        }
        out.extend(data);
        out.extend(utf16_le("]"));
    }
    out
}

/// `text`'s UTF-16LE bytes, without a byte-order mark.
fn utf16_le(text: &str) -> impl Iterator<Item = u8> + '_ {
    text.encode_utf16().flat_map(u16::to_le_bytes)
}
