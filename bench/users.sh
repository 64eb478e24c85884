#!/usr/bin/env bash
# `pfw policy --user` against states of 10, 1,000, 10,000 and 100,000 users, each user with a
# full PIN policy (the eight PINComplexity leaves and UsePassportForWork) in its own tree:
# the time of one lookup (hyperfine) and the state's size at each size.
#
# The first user's tree is written by pfw itself (`pfw apply --user`); the others are copies
# of its rows made with one SQL statement, so a 100,000-user state takes seconds to build, not
# 100,000 processes. The lookup asks for the last user created.
#
#   bench/users.sh [SIZES...]
source "$(dirname "$0")/common.sh"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10 1000 10000 100000)
tenant=3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83
root=./User/Vendor/MSFT/PassportForWork/$tenant/Policies
leaf() { # URI FORMAT VALUE
    printf '<Add><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI></Target><Meta><Format xmlns="syncml:metinf">%s</Format></Meta><Data>%s</Data></Item></Add>\n' \
        "$((++id))" "$1" "$2" "$3"
}
id=0
{
    echo '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>'
    leaf "$root/UsePassportForWork" bool true
    leaf "$root/PINComplexity/MinimumPINLength" int 6
    leaf "$root/PINComplexity/MaximumPINLength" int 12
    leaf "$root/PINComplexity/UppercaseLetters" int 1
    leaf "$root/PINComplexity/LowercaseLetters" int 1
    leaf "$root/PINComplexity/SpecialCharacters" int 2
    leaf "$root/PINComplexity/Digits" int 0
    leaf "$root/PINComplexity/History" int 5
    leaf "$root/PINComplexity/Expiration" int 90
    echo '<Final/></SyncBody></SyncML>'
} >"$work/user-policy.xml"

printf '%-8s %14s %12s %12s %s\n' users "state bytes" "mean ms" "± ms" "nodes"
for n in "${sizes[@]}"; do
    db=$work/users-$n.db
    "$pfw" --state "$db" device tenant "$tenant" >/dev/null
    "$pfw" --state "$db" apply --user user1 "$work/user-policy.xml" >/dev/null
    sqlite3 "$db" >/dev/null <<SQL
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO users (name) SELECT 'user' || i FROM k;
INSERT INTO nodes (instance, path, value)
  SELECT u.id, n.path, n.value FROM users u JOIN nodes n
  ON n.instance = (SELECT id FROM users WHERE name = 'user1') WHERE u.name <> 'user1';
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    nodes=$(sqlite3 "$db" 'SELECT count(*) FROM nodes')
    size=$(stat -c %s "$db")
    # The copied user's policy is the first user's, value for value.
    a=$("$pfw" --state "$db" policy --json --user user1)
    b=$("$pfw" --state "$db" policy --json --user "user$n")
    [ "${a//user1/X}" = "${b//user$n/X}" ] || { echo "user$n's policy differs from user1's"; exit 1; }
    hyperfine -N --warmup 5 --runs 50 --export-json "$work/u$n.json" \
        "$pfw --state $db policy --user user$n" >/dev/null
    python3 - "$work/u$n.json" "$n" "$size" "$nodes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]:<8} {int(sys.argv[3]):>14,} {r['mean']*1e3:>12.2f} {r['stddev']*1e3:>12.2f} {sys.argv[4]}")
PY
done
