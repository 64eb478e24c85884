#!/usr/bin/env bash
# Peak memory (maximum resident set size, /usr/bin/time -v) of `pfw apply` on the 2019
# example message against a fresh state, with the same for the sqlite3 command writing one
# row into that state and for `pfw --version` (the binary's own floor): each the median of
# 5 runs. Then `pfw apply` of a message whose Gets would answer far more than the response
# bound (1,200 Adds under 300 tenants, 2,000 Gets of the whole tree with its data), checked
# against 32 MiB plus 8× the message's size (exit 1 over it).
#
#   bench/memory.sh
source "$(dirname "$0")/common.sh"
# A command that changes the device creates the state (device show refuses a missing one).
"$pfw" --state "$work/base.db" device tpm 2.0 >/dev/null
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

gets=$work/gets.xml
{
    printf '<SyncML><SyncBody>'
    leaves=(UsePassportForWork RequireSecurityDevice PINComplexity/MinimumPINLength PINComplexity/MaximumPINLength)
    for i in $(seq 0 1199); do
        leaf=${leaves[$((i % 4))]}
        case $leaf in PIN*) f=int v=8 ;; *) f=bool v=true ;; esac
        printf '<Add><CmdID>%d</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/t%d/Policies/%s</LocURI></Target><Meta><Format xmlns="syncml:metinf">%s</Format></Meta><Data>%s</Data></Item></Add>' \
            $((i + 10)) $((i / 4)) "$leaf" "$f" "$v"
    done
    for i in $(seq 0 1999); do
        printf '<Get><CmdID>%d</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork?list=StructData</LocURI></Target></Item></Get>' $((i + 5000))
    done
    printf '<Final/></SyncBody></SyncML>'
} >"$gets"
size=$(stat -c %s "$gets")
peak=$(rss "$pfw" --state "$work/s.db" apply "$gets")
bound=$(( (32 * 1024 * 1024 + 8 * size) / 1024 ))
printf '%-40s %8s KiB (message %d bytes, bound %d KiB)\n' "pfw apply (2,000 StructData Gets)" "$peak" "$size" "$bound"
cp "$work/base.db" "$work/s.db"
rm -f "$work/s.db-wal" "$work/s.db-shm"
start=$(date +%s.%N)
"$pfw" --state "$work/s.db" apply "$gets" >/dev/null 2>&1 || true
printf '%-40s %8.3f s\n' "  its time (one run)" "$(echo "$(date +%s.%N) - $start" | bc)"
[ "$peak" -le "$bound" ] || { echo "over the bound" >&2; exit 1; }

# A DDF within the loader's limits: 32 MiB plus 8x its size at most.
ddf=$work/big-ddf.xml
python3 "$repo/bench/gen-big-ddf.py" >"$ddf"
cargo build --release -q -p pfw-ddf --example load_ddf --manifest-path "$repo/Cargo.toml"
size=$(stat -c %s "$ddf")
bound=$(( (32 * 1024 * 1024 + 8 * size) / 1024 ))
load=$(rss "$CARGO_TARGET_DIR/release/examples/load_ddf" "$ddf")
printf '%-40s %8s KiB (DDF %d bytes, bound %d KiB)\n' "DDF load (99,990 nodes), loader alone" "$load" "$size" "$bound"
shown=$(rss "$pfw" ddf --ddf "$ddf")
printf '%-40s %8s KiB (bound %d KiB)\n' "pfw ddf --ddf (99,990 nodes)" "$shown" "$bound"
[ "$load" -le "$bound" ] && [ "$shown" -le "$bound" ] || { echo "DDF load over the bound" >&2; exit 1; }
