# Shared by the bench scripts: the release pfw binary and the 2019 example message.
# Sourced, not run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target/bench}
# With the test hooks: the process benches use cheap argon2 parameters (PFW_ARGON2_TEST_PARAMS).
cargo build --release -q -p pfw-cli --features test-hooks --manifest-path "$repo/Cargo.toml"
pfw=$CARGO_TARGET_DIR/release/pfw
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The example message of seed 000 (the 2019 CSP page), from <SyncML to </SyncML>.
seed=$work/seed-2019.xml
awk '/<SyncML/ { on = 1 } on { print } /<\/SyncML>/ { exit }' \
    "$repo/../shared/seeds/000_425c400918f7ad3e.txt" >"$seed"
export PFW_ARGON2_TEST_PARAMS=1 NO_COLOR=1
unset PFW_STATE PFW_FAILPOINT PFW_NOW
