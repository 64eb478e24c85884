#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, one after the other, with a seed corpus from the
# repository's fixtures, the specification's examples (../shared, when present) and seeds/.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz asks for nightly features; on a
# stable toolchain RUSTC_BOOTSTRAP=1 enables them. Each target's libFuzzer output goes to
# fuzz/logs/TARGET.log; the last lines (executions, cov:, ft:) are printed as a summary.
# A crash leaves its input in fuzz/artifacts/TARGET/ and makes the script exit non-zero.
set -euo pipefail

seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared="$repo/../shared"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target}
# The bundled SQLite amalgamation has two function-local static arrays named `aiOff`, which
# AddressSanitizer's one-definition-rule check reports at start-up (a false positive: they
# are static, not shared globals). Everything else ASan checks stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}

all=(syncml_decode syncml_roundtrip apply_memory ddf_load store_decode
     session_provisioning session_record session_server_message
     sources_pol sources_reg sources_gpreport sources_intune xml_read)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# Seeds, copied into the working corpus of each target (libFuzzer names new inputs by hash).
seed_messages() {
    local out=$1
    mkdir -p "$out"
    cp "$repo"/crates/syncml/tests/data/*.xml "$repo"/examples/*.xml "$here"/seeds/syncml/*.xml "$out"/
    # The SyncML examples of the specification's CSP pages, cut out of the page text.
    if [ -d "$shared/seeds" ]; then
        for page in "$shared"/seeds/*.txt; do
            awk -v out="$out/$(basename "$page" .txt)" '
                /<SyncML/ { on = 1; n++ }
                on { print > (out "-" n ".xml") }
                /<\/SyncML>/ { on = 0 }' "$page"
        done
    fi
}
seed() {
    local target=$1 out=$here/corpus/$1
    mkdir -p "$out"
    case $target in
        syncml_decode|syncml_roundtrip|apply_memory|session_server_message) seed_messages "$out" ;;
        ddf_load)
            cp "$repo"/crates/passport/ddf/*.xml "$repo"/crates/devinfo/ddf/*.xml "$here"/seeds/ddf/*.xml "$out"/
            [ -d "$shared/ddf/microsoft" ] && cp "$shared"/ddf/microsoft/*.xml "$out"/
            ;;
        store_decode) cp "$here"/seeds/store/* "$out"/ ;;
        session_provisioning) cp "$here"/seeds/provisioning/* "$out"/ ;;
        session_record) cp "$here"/seeds/record/* "$out"/ ;;
        xml_read) cp "$here"/seeds/provisioning/* "$here"/seeds/ddf/*.xml "$out"/ ;;
        sources_pol|sources_gpreport|sources_intune)
            # The targets add the header themselves; the samples seed them whole too.
            [ -d "$shared/reference/samples" ] && cp "$shared"/reference/samples/gpo/*.pol \
                "$shared"/reference/samples/gpo/*.xml "$shared"/reference/samples/intune/*.json "$out"/
            ;;
        sources_reg) printf '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\PassportForWork]\r\n"Enabled"=dword:00000001\r\n' > "$out"/enabled.reg ;;
    esac
}
# The largest input each target tries: room for the seeds, small enough to stay fast.
max_len() {
    case $1 in
        ddf_load) echo 131072 ;;
        store_decode) echo 65536 ;;
        *) echo 16384 ;;
    esac
}

cd "$here"
# Release builds with debug assertions (overflow checks included) and AddressSanitizer.
for target in "${targets[@]}"; do
    cargo fuzz build --debug-assertions "$target"
done
bin_dir=$CARGO_TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release
mkdir -p logs artifacts
status=0
for target in "${targets[@]}"; do
    seed "$target"
    mkdir -p "artifacts/$target"
    log=logs/$target.log
    echo "== $target: ${seconds}s"
    if ! "$bin_dir/$target" "corpus/$target" \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/" >"$log" 2>&1; then
        echo "   FAILED: see fuzz/$log and fuzz/artifacts/$target/"
        status=1
    fi
    { grep -E '^#[0-9]+' "$log" | tail -n 1; grep -E '^Done [0-9]+ runs' "$log"; } | sed 's/^/   /' || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|slowest_unit_time_sec|peak_rss_mb)' "$log" | sed 's/^/   /' || true
done
exit $status
