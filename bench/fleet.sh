#!/usr/bin/env bash
# pfw fleet against pfw-testserver on this machine, release builds, bounded in time: the
# server stops by itself (--exit-after) and every run has --duration or a device count.
#
#   bench/fleet.sh [pfw fleet options…]
#
# Starts the test server (SERVER_OPTS adds options, e.g. --profiles DIR or --no-keep-alive),
# then runs `pfw fleet --server URL --user demo@example.com --password-stdin --ca-cert CA`
# with the options given, under /usr/bin/time -v (peak memory), and samples the open TCP
# connections to the server once a second (the largest count is printed last).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p pfw-cli -p pfw-testserver
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
"$target/release/pfw-testserver" --ca-out "$work/ca.pem" --exit-after "${SERVER_SECONDS:-150}" \
    --no-record ${SERVER_OPTS:-} >"$work/server.out" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    url=$(head -n 1 "$work/server.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    sleep 0.1
done
port=${url##*:}
(
    peak=0
    while kill -0 "$server" 2>/dev/null; do
        n=$(ss -Htn state established "( sport = :$port )" 2>/dev/null | wc -l)
        [ "$n" -gt "$peak" ] && peak=$n && echo "$peak" >"$work/peak"
        sleep 1
    done
) &
echo demo-password | /usr/bin/time -v "$target/release/pfw" fleet --server "$url" \
    --user demo@example.com --password-stdin --ca-cert "$work/ca.pem" "$@" \
    2> >(grep -E "Maximum resident|Elapsed|^pfw" >&2)
sleep 1.5
echo "peak established connections to the server: $(cat "$work/peak" 2>/dev/null || echo 0)"
