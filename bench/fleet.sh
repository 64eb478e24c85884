#!/usr/bin/env bash
# pfw fleet against pfw-testserver on this machine, release builds, bounded in time: the
# server stops by itself (--exit-after) and every run has --duration or a device count.
#
#   bench/fleet.sh [pfw fleet options…]          one run
#   bench/fleet.sh nothing-to-do N SECS          N devices enroll (storm, --key-pool 8), use
#                                                up the server's script (2 sessions each),
#                                                then SECS of sessions with nothing to do,
#                                                with connection reuse and with --no-reuse
#   bench/fleet.sh memory N MAXCONN              N devices enroll (storm, --key-pool 8), then
#                                                1 session each with --max-connections, and
#                                                1 session each with --no-reuse from the same
#                                                enrolled fleet (a copy of its state)
#
# Starts the test server once (SERVER_OPTS adds options, e.g. --profiles DIR or
# --no-keep-alive), runs `pfw fleet --server URL --user demo@example.com --password-stdin
# --ca-cert CA --concurrency ${CONCURRENCY:-8}` with the options given, each run under
# /usr/bin/time -v (peak memory), and samples the open TCP connections to the server once a
# second (the largest count is printed after each run). Keys are cached in
# ${KEY_CACHE:-/tmp/pfw-bench-keys}. `uptime` is printed before each run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p pfw-cli -p pfw-testserver
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
keys=${KEY_CACHE:-/tmp/pfw-bench-keys}
mkdir -p "$keys"
"$target/release/pfw-testserver" --ca-out "$work/ca.pem" --exit-after "${SERVER_SECONDS:-1500}" \
    --no-record ${SERVER_OPTS:-} >"$work/server.out" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    url=$(head -n 1 "$work/server.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    sleep 0.1
done
port=${url##*:}

fleet() {
    echo "== pfw fleet $* (load average: $(uptime | sed 's/.*average: //'))" >&2
    rm -f "$work/peak" "$work/done"
    (
        peak=0
        while [ ! -e "$work/done" ]; do
            n=$(ss -Htn state established "( sport = :$port )" 2>/dev/null | wc -l)
            [ "$n" -gt "$peak" ] && peak=$n && echo "$peak" >"$work/peak"
            sleep 1
        done
    ) &
    local sampler=$!
    echo demo-password | /usr/bin/time -v "$target/release/pfw" fleet --server "$url" \
        --user demo@example.com --password-stdin --ca-cert "$work/ca.pem" \
        --concurrency "${CONCURRENCY:-8}" "$@" \
        2> >(grep -E "Maximum resident|Elapsed|^pfw" >&2) || true
    touch "$work/done"
    wait "$sampler" 2>/dev/null || true
    echo "peak established connections to the server: $(cat "$work/peak" 2>/dev/null || echo 0)" >&2
}

case "${1:-}" in
nothing-to-do)
    n=$2 secs=$3
    state=(--devices "$n" --fleet-state "$work/fleet.db")
    fleet "${state[@]}" --storm --key-pool 8 --key-cache "$keys" --json
    fleet "${state[@]}" --sessions-per-device 2 --json
    fleet "${state[@]}" --duration "${secs}s" --json
    fleet "${state[@]}" --duration "${secs}s" --no-reuse --json
    ;;
memory)
    n=$2 max=$3
    state=(--devices "$n" --fleet-state "$work/fleet.db")
    fleet "${state[@]}" --storm --key-pool 8 --key-cache "$keys" --json
    cp "$work/fleet.db" "$work/fleet-no-reuse.db"
    fleet "${state[@]}" --sessions-per-device 1 --max-connections "$max" --json
    fleet --devices "$n" --fleet-state "$work/fleet-no-reuse.db" --sessions-per-device 1 \
        --no-reuse --json
    ;;
*)
    fleet "$@"
    ;;
esac
