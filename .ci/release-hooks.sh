#!/usr/bin/env bash
# CI: the release binary has no test hooks. `cargo test` builds pfw with the `test-hooks`
# feature (the tests need a fixed clock, cheap hashes and failpoints), so no test ever runs a
# hook-free binary; this builds one as users get it (default features) and checks that the
# hooks' variables change nothing. Fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "release-hooks: FAIL: $*" >&2
  exit 1
}

cargo build --release -q -p pfw-cli
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
pfw=$target/release/pfw
[ -x "$pfw" ] || fail "no release binary at $pfw"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
state=$work/state.db
unset PFW_STATE PFW_ARGON2_TEST_PARAMS PFW_NOW PFW_FAILPOINT PFW_POLL_MINUTE_MS
export NO_COLOR=1

# The stored records' text (the PIN records hold the PHC string).
records() {
  if command -v sqlite3 >/dev/null; then
    sqlite3 -readonly "$state" 'SELECT CAST(value AS TEXT) FROM records'
  else
    python3 - "$state" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for (value,) in db.execute("SELECT value FROM records"):
    print(value.decode() if isinstance(value, bytes) else value)
PY
  fi
}

# 1. PFW_ARGON2_TEST_PARAMS=1 does not weaken the hash; PFW_NOW does not move the clock.
before=$(date +%s)
echo 24681357 | PFW_ARGON2_TEST_PARAMS=1 PFW_NOW=1000 "$pfw" --state "$state" pin set --user alice >/dev/null ||
  fail "pin set failed"
phc=$(records | grep -o '\$argon2id\$v=19\$m=[0-9]*,t=[0-9]*,p=[0-9]*\$' || true)
[ "$phc" = '$argon2id$v=19$m=19456,t=2,p=1$' ] ||
  fail "PFW_ARGON2_TEST_PARAMS=1 changed the hash parameters: got '${phc:-no argon2id hash}', want m=19456,t=2,p=1"
set_at=$(PFW_NOW=1000 "$pfw" --state "$state" pin status --user alice --json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["set_at"])')
[ "$set_at" -ge "$before" ] || fail "PFW_NOW moved the clock: the PIN was set at $set_at, before $before"

# 2. PFW_FAILPOINT does not abort pfw apply: every stage, the message applied and answered.
for stage in after-decode mid-transaction before-commit after-commit; do
  rm -f "$state" "$state-wal" "$state-shm"
  status=0
  PFW_FAILPOINT=$stage "$pfw" --state "$state" apply examples/windows-hello-profile.xml \
    >"$work/response.xml" 2>"$work/stderr" || status=$?
  [ "$status" -eq 0 ] || fail "PFW_FAILPOINT=$stage: pfw apply exited $status: $(cat "$work/stderr")"
  grep -q '</SyncML>' "$work/response.xml" || fail "PFW_FAILPOINT=$stage: no response printed"
  "$pfw" --state "$state" tree --json | grep -q 'PassportForWork/' ||
    fail "PFW_FAILPOINT=$stage: the profile was not applied"
done

echo "release-hooks: ok (argon2id m=19456,t=2,p=1; clock not fixed; no failpoint)"
