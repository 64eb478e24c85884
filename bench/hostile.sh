#!/usr/bin/env bash
# How long each hostile-corpus case takes through the whole engine (release build), slowest
# first. The corpus and its outcomes are crates/passport/tests/hostile.rs; the time printed
# per case is the slower of its two backends (memory, SQLite), not counting the setup.
#
#   bench/hostile.sh [N]     # print the N slowest cases (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-harden}
n=${1:-15}
out=$(mktemp)
PFW_HOSTILE_TIMES=1 cargo test --release -q -p pfw-passport --test hostile -- \
    --nocapture --test-threads=1 >"$out" 2>&1 || { cat "$out"; exit 1; }
cases=$(grep -o 'hostile-time.*' "$out" | wc -l)
echo "cases timed: $cases (ms, slower backend)"
grep -o 'hostile-time.*' "$out" | cut -f2- | sort -t$'\t' -k1,1 -gr | head -n "$n"
rm -f "$out"
