#!/usr/bin/env bash
# How long each hostile-corpus case takes through the whole engine (release build), slowest
# first, and the most heap each case holds at once, checked against 32 MiB plus 8× the size
# of its input (exit 1 when a case passes it). The corpus and its outcomes are
# crates/passport/tests/hostile.rs; the time printed per case is the slower of its two
# backends (memory, SQLite), not counting the setup; the heap is the larger of the two peaks,
# counted by the test's global allocator above what the test already held.
#
#   bench/hostile.sh [N]     # print the N slowest cases and the N largest heaps (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/bench}
n=${1:-15}
out=$(mktemp)
PFW_HOSTILE_TIMES=1 cargo test --release -q -p pfw-passport --test hostile -- \
    --nocapture --test-threads=1 >"$out" 2>&1 || { cat "$out"; exit 1; }
cases=$(grep -o 'hostile-time.*' "$out" | wc -l)
echo "cases timed: $cases (ms, slower backend)"
grep -o 'hostile-time.*' "$out" | cut -f2- | sort -t$'\t' -k1,1 -gr | head -n "$n"
echo
measured=$(grep -o 'hostile-mem.*' "$out" | wc -l)
echo "cases measured: $measured (peak heap KiB, input bytes, peak / (32 MiB + 8 x input))"
grep -o 'hostile-mem.*' "$out" | cut -f2- | awk -F'\t' -v n="$n" '
    { bound = 32 * 1048576 + 8 * $2; ratio = $1 / bound
      printf "%.4f\t%d\t%d\t%s\n", ratio, $1 / 1024, $2, $3
      if ($1 > bound) over++ }
    END { if (over) { printf "%d case(s) over the bound\n", over > "/dev/stderr"; exit 1 } }' \
    | sort -gr | head -n "$n"
rm -f "$out"
