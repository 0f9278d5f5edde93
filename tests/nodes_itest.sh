#!/bin/sh
# backends: sqlite postgresql
# Integration: `trustwatch nodes -c F` lists the vantage nodes of the configured store (SPEC
# §11): id, location, last heard (RFC 3339 and how long ago), live (within 2 x the shortest
# interval), leader, results in the last 24 h; --format json; clear errors and exit codes.
# Needs TW_BIN (tests/run.sh).
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/support/backend.sh"
work=$(mktemp -d /tmp/tw-nodes-itest.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

storage=$(tw_storage_yaml "$work/tw.db") || { echo "# fail 1"; exit 1; }
cat >"$work/c.yaml" <<EOF
$storage
node: { id: lu-1, location: "Luxembourg (POST)" }
providers:
  - id: p1
    endpoints:
      - { id: login, kind: login, url: "https://127.0.0.1:9/", interval: 30s }
      - { id: login2, kind: login, url: "https://127.0.0.1:9/x", interval: 5m }
EOF
cfg="$work/c.yaml"
TW_DBFILE="$work/tw.db"

"$TW_BIN" nodes -c "$cfg" >"$work/out" 2>"$work/err"; rc=$?
check "an empty store: exit 0 ($(cat "$work/err"))" '[ "$rc" -eq 0 ]'
check "an empty store says no node has written yet" 'grep -q "no node has written to this store yet" "$work/out"'

now=$(($(date +%s) * 1000))
esc=$(printf '\033')
tw_sql "INSERT INTO nodes (id, location, last_seen, started, leader, results_24h) VALUES
    ('lu-1', 'Luxembourg (POST)', $((now - 5000)), $((now - 3600000)), 1, 2880),
    ('lu-2', 'Frankfurt', $((now - 300000)), $((now - 7200000)), 0, 1700),
    ('lu-3', 'Paris ${esc}[31mred', $((now - 30000)), $((now - 600000)), 0, 120);" >/dev/null ||
	not_ok "inserting nodes"

"$TW_BIN" nodes -c "$cfg" >"$work/out" 2>"$work/err"; rc=$?
check "three nodes: exit 0 ($(cat "$work/err"))" '[ "$rc" -eq 0 ]'
check "a header names the columns" \
	'head -1 "$work/out" | grep -q "^ID  *LOCATION  *LAST HEARD  *AGO  *LIVE  *LEADER  *RESULTS 24H$"'
check "lu-1: location, RFC 3339 time, seconds ago, live, leader, 2880 results" \
	'grep -Eq "^lu-1  +Luxembourg \(POST\)  +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  +[5-9]s ago  +yes  +yes  +2880$" "$work/out"'
check "lu-2: silent 300 s (past 2 x 30 s), not leader" \
	'grep -Eq "^lu-2  +Frankfurt  +[0-9T:-]+Z  +30[0-9]s ago  +no  +no  +1700$" "$work/out"'
check "lu-3: live at 30 s (the shortest interval is 30 s)" \
	'grep -Eq "^lu-3  +.*  +3[0-9]s ago  +yes  +no  +120$" "$work/out"'
check "stored control characters never reach the terminal" '! grep -q "$esc" "$work/out" && grep -q "Paris ?\[31mred" "$work/out"'
check "a summary: 2 of 3 live within 60 s" 'tail -1 "$work/out" | grep -qx "2 of 3 nodes live (heard within 60s)"'

"$TW_BIN" nodes -c "$cfg" --format json >"$work/json" 2>"$work/err"; rc=$?
check "--format json: exit 0 ($(cat "$work/err"))" '[ "$rc" -eq 0 ]'
check "--format json: one document with each node's fields" 'python3 - "$work/json" <<"PY"
import json, sys
d = json.load(open(sys.argv[1]))
n = {x["id"]: x for x in d["nodes"]}
assert d["live_window_s"] == 60 and d["live"] == 2 and d["quorum"] == "majority", d
assert n["lu-1"]["live"] is True and n["lu-1"]["leader"] is True and n["lu-1"]["results_24h"] == 2880
assert n["lu-2"]["live"] is False and n["lu-2"]["location"] == "Frankfurt"
assert n["lu-2"]["last_seen_ago_s"] >= 300 and n["lu-2"]["last_seen"].endswith("Z")
assert "\x1b" not in n["lu-3"]["location"] and n["lu-3"]["location"].endswith("[31mred")
PY'

# The live server publishes the same table: /api/v1/nodes, and the node families of /metrics.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{ cat "$cfg"; printf 'web: { listen: "127.0.0.1:%s" }\nreport: { output: "%s/site" }\n' "$port" "$work"; } >"$work/web.yaml"
"$TW_BIN" serve -c "$work/web.yaml" >"$work/serve.log" 2>&1 &
sv_pid=$!
trap 'kill "$sv_pid" 2>/dev/null; wait "$sv_pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
deadline=$(( $(date +%s) + 20 ))
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
	[ "$(date +%s)" -gt "$deadline" ] && break
	sleep 0.1
done
curl -s "http://127.0.0.1:$port/api/v1/nodes" >"$work/live.json"
check "/api/v1/nodes is the table of nodes --format json (but for generated and ago)" 'python3 - "$work/json" "$work/live.json" <<"PY"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b):
    d.pop("generated")
    for n in d["nodes"]:
        n.pop("last_seen_ago_s")
assert a == b and len(a["nodes"]) == 3, (a, b)
PY'
curl -s "http://127.0.0.1:$port/api/v1/status" >"$work/status.json"
check "/api/v1/status counts the vantage points and gives each endpoint nodes and minority" 'python3 - "$work/status.json" <<"PY"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["vantage_points"] == {"nodes": 3, "live": 2}, d["vantage_points"]
for e in d["endpoints"]:
    assert e["nodes"] == [] and e["minority"] == [] and e["quorum"]["verdict"] == "unknown", e
PY'
curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics"
check "/metrics: trustwatch_node_up 1 live, 0 silent; trustwatch_node_last_seen_seconds" \
	'grep -qx "trustwatch_node_up{node=\"lu-1\"} 1" "$work/metrics" &&
	 grep -qx "trustwatch_node_up{node=\"lu-2\"} 0" "$work/metrics" &&
	 grep -qx "trustwatch_node_last_seen_seconds{node=\"lu-2\"} $(((now - 300000) / 1000)).000" "$work/metrics"'
if command -v promtool >/dev/null 2>&1; then
	check "promtool check metrics accepts it" 'promtool check metrics <"$work/metrics" >/dev/null 2>&1'
fi
kill "$sv_pid" 2>/dev/null; wait "$sv_pid" 2>/dev/null

"$TW_BIN" nodes -c "$cfg" --format xml >/dev/null 2>"$work/err"; rc=$?
check "--format xml: exit 3 with a clear error" \
	'[ "$rc" -eq 3 ] && grep -q "format takes text or json" "$work/err"'
"$TW_BIN" nodes -c "$cfg" extra >/dev/null 2>"$work/err"; rc=$?
check "an extra argument: exit 3" '[ "$rc" -eq 3 ] && grep -q "unexpected argument" "$work/err"'
"$TW_BIN" nodes -c "$work/none.yaml" >/dev/null 2>"$work/err"; rc=$?
check "a missing config: exit 3 naming it" '[ "$rc" -eq 3 ] && grep -q "none.yaml" "$work/err"'
"$TW_BIN" nodes --help >"$work/out" 2>&1; rc=$?
check "--help: exit 0" '[ "$rc" -eq 0 ] && grep -q "usage: trustwatch nodes" "$work/out"'
"$TW_BIN" --help >"$work/out" 2>&1
check "trustwatch --help lists nodes" 'grep -q "^  nodes " "$work/out"'

# A store that cannot be opened: exit 1 with the store's error.
sed 's|^storage: .*|storage: { path: "'"$work"'/no/such/dir/tw.db" }|' "$cfg" >"$work/bad.yaml"
"$TW_BIN" nodes -c "$work/bad.yaml" >/dev/null 2>"$work/err"; rc=$?
check "an unreachable store: exit 1 with the error ($(head -1 "$work/err"))" \
	'[ "$rc" -eq 1 ] && grep -q "^trustwatch: " "$work/err"'
sed 's|^storage: .*|storage: { path: "'"$work"'/tw2.db", url: "postgresql://tw@127.0.0.1:1/none" }|' "$cfg" >"$work/bad.yaml"
"$TW_BIN" nodes -c "$work/bad.yaml" >/dev/null 2>"$work/err"; rc=$?
check "a PostgreSQL server that does not answer: exit 1 ($(head -1 "$work/err"))" \
	'[ "$rc" -eq 1 ] && grep -q "^trustwatch: " "$work/err"'

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
