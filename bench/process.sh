#!/usr/bin/env bash
# The whole `pfw apply` process against its floor: the sqlite3 command inserting one row
# into a database of the same size with the same settings. Both run on a copy of the same
# fresh pfw state file (WAL is a property of the file; synchronous=FULL is set by both), so
# the floor is exactly one process start, one open and one durable commit.
#
#   bench/process.sh [RUNS]
source "$(dirname "$0")/common.sh"
runs=${1:-200}
# A command that changes the device creates the state (device show refuses a missing one).
"$pfw" --state "$work/base.db" device tpm 2.0 >/dev/null
ls -l "$work/base.db" | awk '{ print "state file: " $5 " bytes" }'
printf 'cp %s/base.db %s/s.db; rm -f %s/s.db-wal %s/s.db-shm\n' "$work" "$work" "$work" "$work" >"$work/reset.sh"
reset="bash $work/reset.sh"
# pfw apply answers 404 for the seed's misspelled node, so it exits 1: -i keeps it timed.
hyperfine -N -i --warmup 10 --runs "$runs" --export-json "$work/process.json" \
    --prepare "$reset" -n "pfw apply (seed 2019, fresh state)" \
    "$pfw --state $work/s.db apply $seed" \
    --prepare "$reset" -n "sqlite3: one row, one commit" \
    "sqlite3 $work/s.db 'PRAGMA synchronous=FULL; BEGIN IMMEDIATE; INSERT OR REPLACE INTO properties (name, value) VALUES (\"bench\", \"1\"); COMMIT;'"
python3 "$repo/bench/ratios.py" "$work/process.json" "pfw apply" sqlite3 0/1 2 2
