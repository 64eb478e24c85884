#!/usr/bin/env bash
# Instructions per operation under callgrind: deterministic, so a change's gain can be read
# on a loaded machine. Runs crates/engine/examples/apply_seed.rs with 1 and 1+N iterations
# and prints (Ir(1+N) - Ir(1)) / N, which leaves out the start-up (loading pfw's DDF).
#
#   bench/callgrind.sh [memory|tokenize|decode|sqlite|load] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/bench}
what=${1:-memory}
n=${2:-50}
cargo build --release -q -p pfw-engine --example apply_seed
bin=$CARGO_TARGET_DIR/release/examples/apply_seed
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$what" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
one=$(ir 1)
many=$(ir $((n + 1)))
echo "$what: $(( (many - one) / n )) instructions per run ($n runs)"
