#!/usr/bin/env bash
# Steer a standing fakereg from a shell script, with curl and real cargo:
# start it, seed a crate, make publishes fail with a 503, check what cargo says,
# and read the registry's journal of requests.
set -euo pipefail

python=${FAKEREG_PYTHON:-python3}
work=$(mktemp -d)
cleanup() {
    if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# 1. Start it on a free port; it writes the ready file once it answers.
"$python" -m fakereg --port 0 --quiet --root "$work/root" --ready-file "$work/ready.json" >/dev/null &
pid=$!
for _ in $(seq 400); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
field() { sed -n "s/^ *\"$1\": \"\([^\"]*\)\",\{0,1\}$/\1/p" "$work/ready.json"; }
admin_url=$(field admin_url)
cargo_home=$(field cargo_home)
auth="Authorization: Bearer $(field admin_token)"
api() { curl --silent --show-error --fail-with-body -H "$auth" -H 'Content-Type: application/json' "$@"; }

# 2. Seed a crate without cargo.
api -X POST "$admin_url/crates" -d '{"name": "base", "version": "1.0.0", "description": "seeded"}' >/dev/null

# 3. Make the next publish fail as a registry under maintenance would.
api -X POST "$admin_url/faults" -d '{"kind": "publish", "status": 503, "errors": "down for maintenance", "times": 1}' >/dev/null

# 4. cargo publishes through the registry's own cargo home (config and token are there).
mkdir -p "$work/widget/src"
printf '[package]\nname = "widget"\nversion = "0.1.0"\nedition = "2021"\ndescription = "w"\nlicense = "MIT"\n' \
    >"$work/widget/Cargo.toml"
touch "$work/widget/src/lib.rs"
export CARGO_HOME="$cargo_home" CARGO_NET_RETRY=0
if (cd "$work/widget" && cargo publish --registry fakereg --no-verify) 2>"$work/cargo.err"; then
    echo "the publish should have failed" >&2; exit 1
fi
grep -q "down for maintenance" "$work/cargo.err" || { cat "$work/cargo.err" >&2; exit 1; }

# 5. The fault fired once: the second publish goes through.
(cd "$work/widget" && cargo publish --registry fakereg --no-verify) 2>/dev/null

# 6. The journal shows both publishes, the first answered 503.
journal=$(api "$admin_url/requests?kind=publish")
echo "$journal" | grep -q '"status": 503' || { echo "no 503 in $journal" >&2; exit 1; }
echo "$journal" | grep -q '"status": 200' || { echo "no 200 in $journal" >&2; exit 1; }
api "$admin_url/crates" | grep -q '"widget"'
echo "shell example: ok"
