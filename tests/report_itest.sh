#!/bin/sh
# backends: sqlite postgresql
# Integration: the real binary renders the site and exports from a store filled by
# `trustwatch probe` against the testbed: files in every language, overall state while an
# OCSP fault is on and after it is fixed, operator notes (escaped), Atom validity, JSON and
# CSV that standard parsers read, exit codes. Needs TW_BIN and TW_TESTBED (tests/run.sh).
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/support/backend.sh"
work=$(mktemp -d /tmp/tw-report-itest.XXXXXX)
tb_pid=""
cleanup() {
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start:"; cat "$work/testbed.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
ctl=$(cat "$work/state/control.url")
# The testbed's storage block (its first two lines) is replaced by the backend's.
storage=$(tw_storage_yaml "$work/state/trustwatch.db") || { echo "# fail 1"; exit 1; }
{ echo "$storage"; sed -e '/^storage:$/{N;d;}' -e 's/^  timeout: .*/  timeout: 3s/' \
    -e '/^  title: /a\  languages: [en, fr, de]\n  timezone: Europe/Luxembourg\n  base_url: https://status.example.lu/' \
    "$work/tb.yaml"; } >"$work/c.yaml"
cfg="$work/c.yaml"
site="$work/out/site"
fault() { curl -sf -d "$1" "$ctl" >/dev/null || echo "control: $1 failed"; }
probe() { "$TW_BIN" probe -c "$cfg" --only "$1" >/dev/null 2>&1; }

# An empty store, then a store with results and no incident: both render (a sorted list of
# no incidents once made every render fail under UBSan).
"$TW_BIN" report -c "$cfg" -o "$site" 2>"$work/err"; rc=$?
check "report of an empty store exits 0 ($(cat "$work/err"))" '[ "$rc" -eq 0 ] && [ -s "$site/index.html" ]'
probe p1; probe p1
TW_DBFILE="$work/state/trustwatch.db"
check "the results are in the $TW_BACKEND store" \
	'[ "$(tw_sql "SELECT count(*) FROM results;" 2>&1)" -gt 0 ] 2>/dev/null'
"$TW_BIN" report -c "$cfg" -o "$site" 2>"$work/err"; rc=$?
check "report of a store without incidents exits 0 ($(cat "$work/err"))" \
	'[ "$rc" -eq 0 ] && grep -q "All systems operational" "$site/index.html"'
fault "p1/ocsp=bad_signature"
probe p1/ocsp; probe p1/ocsp; probe p1/ocsp

"$TW_BIN" report -c "$cfg" -o "$site" 2>"$work/err"; rc=$?
check "report exits 0 ($(cat "$work/err"))" '[ "$rc" -eq 0 ]'
missing=""
for p in index.html providers/p1.html incidents.html incidents/1.html sla.html methodology.html; do
	for l in "" en/ fr/ de/; do
		[ -s "$site/$l$p" ] || missing="$missing $l$p"
	done
done
check "every page exists at the root and in en/, fr/, de/${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
for f in feed.atom api/status.json api/incidents.json exports/daily.csv assets/style.css; do
	check "root has $f" '[ -s "$site/$f" ]'
done
check "a results CSV for this month" 'ls "$site"/exports/results-????-??.csv >/dev/null 2>&1'
check "index says which endpoint is down since when" \
	'grep -q "LuxTrust (testbed stand-in) / ocsp</a> is down since <time" "$site/index.html"'
check "fr index says it in French" 'grep -q "est en panne depuis le <time" "$site/fr/index.html"'
check "de index says it in German" 'grep -q "ist seit <time" "$site/de/index.html"'
check "incident page shows the reason" 'grep -q "<code>signature_invalid</code>" "$site/incidents/1.html"'
check "pages link to the other languages" 'grep -q "hreflang=\"fr\" href=\"../fr/index.html\"" "$site/de/index.html"'
check "no temporary directory left beside the site" '[ "$(ls -A "$work/out")" = site ]'

# Operator notes.
out=$("$TW_BIN" incident -c "$cfg" list); rc=$?
check "incident list shows the open incident (rc $rc)" \
	'[ "$rc" -eq 0 ] && echo "$out" | grep -q "^1 .*open .*p1/ocsp"'
"$TW_BIN" incident -c "$cfg" note 1 'HSM <script>alert("x")</script> & "quotes"' >/dev/null; rc=$?
check "incident note exits 0" '[ "$rc" -eq 0 ]'
"$TW_BIN" incident -c "$cfg" note 999 'nothing' >/dev/null 2>&1; rc=$?
check "a note on an unknown incident exits 3" '[ "$rc" -eq 3 ]'
"$TW_BIN" incident -c "$cfg" frobnicate >/dev/null 2>&1; rc=$?
check "an unknown incident subcommand exits 3" '[ "$rc" -eq 3 ]'

# Fixed: resolve the incident, render again over the old site.
fault "p1/ocsp=ok"
probe p1; probe p1
"$TW_BIN" report -c "$cfg" -o "$site" 2>"$work/err"; rc=$?
check "second report replaces the site (rc $rc)" '[ "$rc" -eq 0 ] && [ "$(ls -A "$work/out")" = site ]'
check "index now says all systems operational" 'grep -q "All systems operational" "$site/index.html"'
check "fr: tous les services sont opérationnels" 'grep -q "Tous les services sont opérationnels" "$site/fr/index.html"'
check "the note is on the incident page, escaped" \
	'grep -q "HSM &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" "$site/incidents/1.html"'
check "no page contains a script element" '! grep -rl "<script" "$site" --include=*.html --include=*.atom'
check "the incident is resolved on its page" 'grep -q "resolved" "$site/incidents/1.html"'
check "feed.atom is well-formed XML" 'xmllint --noout "$site/feed.atom"'
check "feed.atom is Atom with one entry per incident" \
	'[ "$(grep -c "<entry>" "$site/feed.atom")" -eq "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))[\"incidents\"]))" "$site/api/incidents.json")" ]'
check "api JSON parses" 'python3 -c "import json,sys; [json.load(open(f)) for f in sys.argv[1:]]" "$site/api/status.json" "$site/api/incidents.json"'
check "api status is up" 'python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"status\"] == \"up\"" "$site/api/status.json"'

# Exports.
"$TW_BIN" export -c "$cfg" --format csv >"$work/r.csv"; rc=$?
check "export results csv exits 0" '[ "$rc" -eq 0 ]'
check "results CSV header per SPEC §7 and §10 (v1 columns first), CRLF" \
	'python3 -c "import sys; assert open(sys.argv[1], \"rb\").readline() == b\"time,provider,endpoint,kind,status,reason,total_ms,message,maintenance,dns_ms,connect_ms,tls_ms,ttfb_ms,node,address\\r\\n\"" "$work/r.csv"'
check "results CSV parses with Python's csv module, 15 fields a row" \
	'python3 -c "
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline=\"\", encoding=\"utf-8\")))
assert len(rows) > 10 and all(len(r) == 15 for r in rows), rows[:3]
assert any(r[5] == \"signature_invalid\" for r in rows)
" "$work/r.csv"'
"$TW_BIN" export -c "$cfg" --format json --provider p1 --what results >"$work/r.jsonl"; rc=$?
check "results JSON lines parse, same fields" '[ "$rc" -eq 0 ] && python3 -c "
import json, sys
n = 0
for line in open(sys.argv[1], encoding=\"utf-8\"):
    o = json.loads(line); n += 1
    assert list(o) == [\"time\",\"provider\",\"endpoint\",\"kind\",\"status\",\"reason\",\"total_ms\",\"message\",\"maintenance\",\"dns_ms\",\"connect_ms\",\"tls_ms\",\"ttfb_ms\",\"node\",\"address\"], o
assert n > 10
" "$work/r.jsonl"'
"$TW_BIN" export -c "$cfg" --format csv --what incidents >"$work/i.csv"; rc=$?
check "incidents CSV header and the incident" '[ "$rc" -eq 0 ] &&
	head -1 "$work/i.csv" | tr -d "\r" | grep -qx "id,provider,endpoint,start,end,duration_s,worst_status,reasons" &&
	grep -q "^1,p1,ocsp,.*,down,signature_invalid" "$work/i.csv"'
"$TW_BIN" export -c "$cfg" --format csv --what daily --from "$(date -u +%Y-%m-%d)" --to "$(date -u -d tomorrow +%Y-%m-%d)" >"$work/d.csv"; rc=$?
check "daily CSV with date bounds" '[ "$rc" -eq 0 ] &&
	head -1 "$work/d.csv" | tr -d "\r" | grep -qx "date,provider,endpoint,checks,up,degraded,down,maintenance,uptime_pct,p50_ms,p95_ms,observed_s,up_s,degraded_s,down_s" &&
	grep -q ",p1,ocsp," "$work/d.csv"'
"$TW_BIN" export -c "$cfg" --format csv --from 2000-01-01 --to 2000-01-02 >"$work/e.csv"; rc=$?
check "an empty range is only the header" '[ "$rc" -eq 0 ] && [ "$(wc -l <"$work/e.csv")" -eq 1 ]'
"$TW_BIN" export -c "$cfg" --format xml >/dev/null 2>&1; rc=$?
check "export --format xml exits 3" '[ "$rc" -eq 3 ]'
"$TW_BIN" export -c "$cfg" --format csv --from yesterday >/dev/null 2>&1; rc=$?
check "export with a bad --from exits 3" '[ "$rc" -eq 3 ]'
"$TW_BIN" export -c "$cfg" --format csv --provider nosuch >/dev/null 2>&1; rc=$?
check "export with an unknown provider exits 3" '[ "$rc" -eq 3 ]'
"$TW_BIN" report -c "$work/missing.yaml" >/dev/null 2>&1; rc=$?
check "report with a missing config exits 3" '[ "$rc" -eq 3 ]'

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
