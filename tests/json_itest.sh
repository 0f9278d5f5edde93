#!/bin/sh
# Integration: hostile text through every JSON output (SPEC §10, one JSON writer). A login
# endpoint whose expected text holds "</script>", U+2028 and a UTF-8 character that the
# message cuts in half (the message quotes 100 bytes of it) is probed against a local HTTP
# server; then `probe --format json`, `export --format json` (results and incidents), the
# site's api/status.json and api/incidents.json and the live /api/v1/status and
# /api/v1/incidents must all be ASCII JSON without "</" or a raw U+2028, keep the endpoint
# and its message (repaired with U+FFFD), and the static and live documents must be equal
# but for their "generated" time.
# Needs TW_BIN (tests/run.sh sets it) and python3.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-json-itest.XXXXXX)
hs_pid=""; sv_pid=""
cleanup() {
	for p in $sv_pid $hs_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_port PORT: polls until something listens on 127.0.0.1:PORT, for at most 20 s.
wait_port() {
	deadline=$(( $(date +%s) + 20 ))
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), timeout=1)" 2>/dev/null; do
		[ "$(date +%s)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}

hport=$(free_port); wport=$(free_port)
mkdir -p "$work/www"
printf 'hello\n' >"$work/www/index.html"
python3 -m http.server "$hport" --bind 127.0.0.1 --directory "$work/www" >"$work/http.log" 2>&1 &
hs_pid=$!
wait_port "$hport" || { echo "http server did not start"; cat "$work/http.log"; echo "# fail 1"; exit 1; }
# 9 + 3 + 87 bytes, then "é" (2 bytes): the message's %.100s keeps only its first byte.
pad=$(python3 -c 'print("a" * 87)')
cat >"$work/c.yaml" <<YAML
storage:
  path: "$work/store.db"
incidents:
  open_after: 1
report:
  output: "$work/site"
web:
  listen: 127.0.0.1:$wport
providers:
  - id: p1
    endpoints:
      - id: login
        kind: login
        url: "http://127.0.0.1:$hport/index.html"
        expect: { body_contains: "</script>\\u2028${pad}\\u00e9 and more" }
      - { id: other, kind: login, url: "http://127.0.0.1:$hport/index.html" }
YAML
cfg="$work/c.yaml"

"$TW_BIN" probe -c "$cfg" --format json >"$work/probe.json" 2>"$work/probe.err"
"$TW_BIN" export -c "$cfg" --format json >"$work/export.json" 2>"$work/export.err"
"$TW_BIN" export -c "$cfg" --format json --what incidents >"$work/export-inc.json" 2>>"$work/export.err"
"$TW_BIN" report -c "$cfg" >"$work/report.out" 2>&1 || { echo "report failed:"; cat "$work/report.out"; }
"$TW_BIN" serve -c "$cfg" 2>"$work/serve.log" &
sv_pid=$!
wait_port "$wport" || { echo "serve did not start:"; cat "$work/serve.log"; }
python3 - "$wport" "$work/live-status.json" "$work/live-incidents.json" <<'PY'
import sys, urllib.request
port, st, inc = sys.argv[1:]
for path, out in (("/api/v1/status", st), ("/api/v1/incidents", inc)):
    with urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=10) as r:
        open(out, "wb").write(r.read())
PY

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
passed = failed = 0
def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1; print("ok - " + what)
    else:
        failed += 1; print("not ok - %s: %s" % (what, str(detail)[:800]))

def inert(name, data):
    check(len(data) > 0, name + " is not empty", data)
    check(all(b < 0x80 for b in data), name + " is ASCII only (U+2028 escaped)", data)
    check(b"</" not in data, name + " has no '</'", data)

def hostile_message(m):
    return isinstance(m, str) and "</script>\u2028" + "a" * 87 + "\ufffd" in m

def lines(name):
    data = open(work + "/" + name, "rb").read()
    inert(name, data)
    out = []
    for l in data.splitlines():
        try:
            out.append(json.loads(l))
        except ValueError as e:
            check(False, name + " line parses", (e, l))
    return out

probe = lines("probe.json")
login = [o for o in probe if o.get("endpoint") == "login"]
check(len(probe) == 2 and len(login) == 1, "probe --format json prints both endpoints", probe)
check(login and hostile_message(login[0].get("message")), "probe --format json keeps the message, repaired",
      login)
exp = lines("export.json")
check(any(o.get("endpoint") == "login" and hostile_message(o.get("message")) for o in exp),
      "export --format json keeps the message, repaired", exp)
inc = lines("export-inc.json")
check(len(inc) == 1 and inc[0].get("endpoint") == "login", "export --what incidents has the incident", inc)

docs = {}
for name in ("site/api/status.json", "site/api/incidents.json", "live-status.json", "live-incidents.json"):
    try:
        data = open(work + "/" + name, "rb").read()
    except OSError as e:
        check(False, name + " exists", e); continue
    inert(name, data)
    try:
        docs[name] = json.loads(data)
    except ValueError as e:
        check(False, name + " parses", e)
for name in ("site/api/status.json", "live-status.json"):
    d = docs.get(name, {})
    eps = {(e.get("provider"), e.get("endpoint")): e for e in d.get("endpoints", [])}
    check(set(eps) == {("p1", "login"), ("p1", "other")}, name + " lists every endpoint", d)
    e = eps.get(("p1", "login"), {})
    check(hostile_message(e.get("message")) and e.get("status") == "down" and e.get("last_status") == "down",
          name + " keeps the endpoint whose message ends in a cut character", e)
    nested = [x for p in d.get("providers", []) for x in p.get("endpoints", [])]
    check(nested == d.get("endpoints"), name + ": providers[].endpoints and endpoints hold the same objects")
for name in ("site/api/incidents.json", "live-incidents.json"):
    d = docs.get(name, {}).get("incidents", [])
    check(len(d) == 1 and hostile_message(d[0].get("message")) and d[0].get("end") is None,
          name + " has the open incident with its message", d)
for a, b in (("site/api/status.json", "live-status.json"), ("site/api/incidents.json", "live-incidents.json")):
    x, y = dict(docs.get(a, {})), dict(docs.get(b, {}))
    x.pop("generated", None); y.pop("generated", None)
    check(x and x == y, "%s and %s are one schema and one content (but for generated)" % (a, b), (x, y))
print("# pass %d fail %d" % (passed, failed))
sys.exit(1 if failed else 0)
PY
rc=$?
if grep -q 'Sanitizer\|runtime error' "$work/serve.log" "$work/probe.err" "$work/export.err" "$work/report.out"; then
	echo "not ok - sanitizer reports"; grep -h -A5 'Sanitizer\|runtime error' "$work"/*.log "$work"/*.err "$work/report.out" | head -20; rc=1
fi
exit $rc
