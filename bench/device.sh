#!/usr/bin/env bash
# The whole-device build against another build (the main branch's), in one run: the process
# time of `pfw apply examples/windows-hello-profile.xml` on a copy of a fresh state
# (hyperfine -N), then each one's peak memory (maximum resident set size, /usr/bin/time -v,
# the median of 5 runs).
#
#   bench/device.sh BASE_PFW NEW_PFW [RUNS]
set -euo pipefail
base=$1 new=$2 runs=${3:-200}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
profile=$repo/examples/windows-hello-profile.xml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PFW_ARGON2_TEST_PARAMS=1 NO_COLOR=1
unset PFW_STATE PFW_FAILPOINT PFW_NOW
"$base" --state "$work/base-b.db" device show >/dev/null
"$new" --state "$work/base-n.db" device show >/dev/null
for x in b n; do
    printf 'cp %s/base-%s.db %s/s-%s.db; rm -f %s/s-%s.db-wal %s/s-%s.db-shm\n' \
        "$work" $x "$work" $x "$work" $x "$work" $x >"$work/reset-$x.sh"
done
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/device.json" \
    --prepare "bash $work/reset-b.sh" -n "main: pfw apply windows-hello-profile.xml" \
    "$base --state $work/s-b.db apply $profile" \
    --prepare "bash $work/reset-n.sh" -n "whole device: pfw apply windows-hello-profile.xml" \
    "$new --state $work/s-n.db apply $profile"
python3 "$repo/bench/ratios.py" "$work/device.json" main "whole device" 1/0 3 1.25
rss() {
    local runs=()
    for _ in 1 2 3 4 5; do
        bash "$work/reset-$1.sh"
        /usr/bin/time -v -o "$work/time.txt" "$2" --state "$work/s-$1.db" apply "$profile" >/dev/null 2>&1 || true
        runs+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")")
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p
}
printf '%-44s %8s KiB\n' "main: pfw apply (peak RSS)" "$(rss b "$base")"
printf '%-44s %8s KiB (target <= 16384)\n' "whole device: pfw apply (peak RSS)" "$(rss n "$new")"
