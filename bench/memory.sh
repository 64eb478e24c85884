#!/usr/bin/env bash
# Peak memory (maximum resident set size, /usr/bin/time -v) of `pfw apply` on the 2019
# example message against a fresh state, with the same for the sqlite3 command writing one
# row into that state and for `pfw --version` (the binary's own floor): each the median of
# 5 runs.
#
#   bench/memory.sh
source "$(dirname "$0")/common.sh"
"$pfw" --state "$work/base.db" device show >/dev/null
rss() {
    local runs=()
    for _ in 1 2 3 4 5; do
        cp "$work/base.db" "$work/s.db"
        rm -f "$work/s.db-wal" "$work/s.db-shm"
        /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
        runs+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")")
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p
}
printf '%-40s %8s KiB\n' "pfw apply (seed 2019)" "$(rss "$pfw" --state "$work/s.db" apply "$seed")"
printf '%-40s %8s KiB\n' "pfw --version" "$(rss "$pfw" --version)"
printf '%-40s %8s KiB\n' "sqlite3: one row, one commit" "$(rss sqlite3 "$work/s.db" \
    "PRAGMA synchronous=FULL; INSERT OR REPLACE INTO properties (name, value) VALUES ('bench', '1');")"

# A DDF within the loader's limits: 32 MiB plus 8x its size at most.
ddf=$work/big-ddf.xml
python3 "$repo/bench/gen-big-ddf.py" >"$ddf"
cargo build --release -q -p pfw-ddf --example load_ddf --manifest-path "$repo/Cargo.toml"
size=$(stat -c %s "$ddf")
bound=$(( (32 * 1024 * 1024 + 8 * size) / 1024 ))
load=$(rss "$CARGO_TARGET_DIR/release/examples/load_ddf" "$ddf")
printf '%-40s %8s KiB (DDF %d bytes, bound %d KiB)\n' "DDF load (99,990 nodes), loader alone" "$load" "$size" "$bound"
shown=$(rss "$pfw" --state "$work/s.db" ddf --ddf "$ddf")
printf '%-40s %8s KiB (bound %d KiB)\n' "pfw ddf --ddf (99,990 nodes)" "$shown" "$bound"
[ "$load" -le "$bound" ] && [ "$shown" -le "$bound" ] || { echo "DDF load over the bound" >&2; exit 1; }
