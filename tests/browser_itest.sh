#!/bin/sh
# Integration: the rendered site in a real browser. A store is filled by `trustwatch probe`
# against the testbed with an OCSP fault on (so there is an incident), the site is rendered
# in en, fr and de with `trustwatch report`, served by `trustwatch serve` (CSP default-src
# 'self' enforced) on 127.0.0.1, and tests/browser/check.js opens the pages in headless
# Chromium (/usr/bin/chromium via playwright-core): HTTP 200, no console errors (CSP
# violations included), and axe-core reports no WCAG 2 A/AA violation. A screenshot of
# index.html (full page, 1280 px wide) is kept in the test's temp dir. A self-check serves a
# deliberately broken page and expects both checks to flag it.
# Needs TW_BIN, TW_TESTBED, TW_ROOT (tests/run.sh), node, /usr/bin/chromium and
# tests/browser/node_modules (`make deps`). TW_KEEP=1 keeps the temp dir (and screenshot);
# TW_ARTEFACTS=DIR copies the screenshot there.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BROWSER_DIR=$ROOT/tests/browser
CHROMIUM=${TW_CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d /tmp/tw-browser-itest.XXXXXX)
tb_pid=""; sv_pid=""
cleanup() {
	for p in $sv_pid $tb_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "${TW_KEEP:-}" ] && echo "# kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
bail() { not_ok "$*"; echo "# pass $pass"; echo "# fail $fail"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Prerequisites: a missing one is a failure, not a skip (make deps installs them all).
command -v node >/dev/null 2>&1 || bail "node is installed (make deps)"
[ -x "$CHROMIUM" ] || bail "$CHROMIUM is installed (make deps: Debian chromium)"
[ -d "$BROWSER_DIR/node_modules/playwright-core" ] && [ -d "$BROWSER_DIR/node_modules/axe-core" ] ||
	bail "tests/browser/node_modules has playwright-core and axe-core (make deps: npm ci --prefix tests/browser)"

# The testbed and a config: three languages, our own site directory, web.listen on a free port.
"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" --providers 2 --relying \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		cat "$work/testbed.log"; bail "the testbed starts"
	fi
	sleep 0.05
done
ctl=$(cat "$work/state/control.url")
port=$(free_port)
U="http://127.0.0.1:$port"
site="$work/site"
python3 - "$work/tb.yaml" "$work/c.yaml" "$site" "$port" <<'PY'
import sys
src, dst, site, port = sys.argv[1:]
out, skip = [], False
for line in open(src):
    if line.startswith("report:"):
        out.append('report:\n  output: "%s"\n  title: "trustwatch testbed"\n'
                   '  languages: [en, fr, de]\n  timezone: Europe/Luxembourg\n' % site)
        skip = True
        continue
    if skip and line.startswith("  "):
        continue
    skip = False
    if line.startswith("  timeout: "):
        line = "  timeout: 3s\n"
    if line.startswith("providers:"):
        out.append("web:\n  listen: 127.0.0.1:%s\n" % port)
    out.append(line)
open(dst, "w").write("".join(out))
PY
cfg="$work/c.yaml"
fault() { curl -sf -d "$1" "$ctl" >/dev/null || echo "# control: $1 failed"; }
probe() { "$TW_BIN" probe -c "$cfg" "$@" >>"$work/probe.log" 2>&1; }

# A real database: healthy rounds, then p1's OCSP with a bad signature long enough to open an
# incident (open_after: 2) that resolves, then p2's CRL stale (an incident left open).
probe; probe
fault "p1/ocsp=bad_signature"
probe --only p1/ocsp; probe --only p1/ocsp; probe --only p1/ocsp
fault "p1/ocsp=ok"
probe --only p1/ocsp; probe --only p1/ocsp
fault "p2/crl=stale"
probe; probe
"$TW_BIN" incident -c "$cfg" note 1 'HSM failover; responder re-keyed. <b>not bold</b>' >/dev/null 2>&1
n=$(sqlite3 "$work/state/trustwatch.db" 'select count(*) from incidents' 2>/dev/null || echo "?")
[ "$n" = 2 ] && ok "the store has 2 incidents" || not_ok "the store has 2 incidents (got $n; $(tail -3 "$work/probe.log"))"

# Three vantage nodes (SPEC §11): each endpoint's latest result copied as each node's own,
# p1/ocsp seen down from lu-2 only, so vantage.html, the per-node tables and the minority
# sentence are in the pages checked.
python3 - "$work/state/trustwatch.db" <<'PY' || not_ok "three vantage nodes in the store"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(results)")]
now = int(time.time() * 1000)
for ep, name in db.execute("SELECT id, provider || '/' || endpoint FROM endpoints").fetchall():
    row = db.execute("SELECT * FROM results WHERE ep = ? ORDER BY t DESC LIMIT 1",
        (ep,)).fetchone()
    if row is None:
        continue
    for node in ("lu-1", "lu-2", "lu-3"):
        r = dict(zip(cols, row))
        r["node"], r["t"] = node, now - 1000
        if node == "lu-2" and name == "p1/ocsp":
            r["code"], r["msg"] = db.execute("SELECT code, msg FROM results WHERE ep = ? AND code <> ?"
                " LIMIT 1", (ep, r["code"])).fetchone()
        db.execute("INSERT INTO results (%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols))),
            [r[c] for c in cols])
for node, loc in (("lu-1", "Luxembourg (POST)"), ("lu-2", "Frankfurt"), ("lu-3", "Paris")):
    db.execute("INSERT OR REPLACE INTO nodes (id, location, last_seen, started, leader, results_24h)"
        " VALUES (?, ?, ?, ?, ?, ?)", (node, loc, now, now - 3600000, int(node == "lu-1"), 100))
db.commit()
PY
"$TW_BIN" report -c "$cfg" -o "$site" 2>"$work/report.err"; rc=$?
[ "$rc" -eq 0 ] && ok "report renders the site" || bail "report renders the site (rc $rc: $(cat "$work/report.err"))"
pages="index.html providers/p1.html providers/p2.html incidents.html incidents/1.html incidents/2.html
sla.html methodology.html fr/index.html de/index.html fr/incidents/1.html de/providers/p1.html
vantage.html fr/vantage.html de/vantage.html
dependencies.html fr/dependencies.html de/dependencies.html providers/myguichet.html
conformance.html fr/conformance.html de/conformance.html"
for p in $pages; do
	[ -s "$site/$p" ] || not_ok "$p was rendered"
done
grep -q "Seen from 3 of 3 vantage points" "$site/index.html" && ok "the index is seen from 3 of 3 vantage points" ||
	not_ok "the index is seen from 3 of 3 vantage points"
grep -q "Seen down from <code>lu-2</code> only." "$site/providers/p1.html" && ok "p1's page has the minority sentence" ||
	not_ok "p1's page has the minority sentence"

# Serve it.
"$TW_BIN" serve -c "$cfg" >"$work/serve.log" 2>&1 &
sv_pid=$!
deadline=$(( $(date +%s) + 20 ))
until curl -sf -o /dev/null "$U/index.html"; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$sv_pid" 2>/dev/null; then
		cat "$work/serve.log"; bail "trustwatch serve answers on $U"
	fi
	sleep 0.05
done
csp=$(curl -sI "$U/index.html" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy: //p')
case "$csp" in
*"default-src 'self'"*) ok "served with CSP: $csp" ;;
*) not_ok "served with CSP default-src 'self' (got '$csp')" ;;
esac

# The browser. Playwright-core never downloads a browser; its temporary profile goes to $work.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 TMPDIR="$work" TW_CHROMIUM="$CHROMIUM"
shot="$work/screenshot-index.png"
# shellcheck disable=SC2086
node "$BROWSER_DIR/check.js" --base "$U/" --screenshot "$shot" $pages >"$work/check.out" 2>&1; rc=$?
grep -v '^# \(pass\|fail\) ' "$work/check.out"  # one summary: ours, below
pass=$((pass + $(grep -c '^ok - ' "$work/check.out")))
fail=$((fail + $(grep -c '^not ok - ' "$work/check.out")))
if [ "$rc" -ne 0 ] && ! grep -q '^not ok - ' "$work/check.out"; then
	not_ok "check.js exited $rc"
fi
if [ -s "$shot" ]; then
	ok "screenshot artefact: $shot"
	# CI: TW_ARTEFACTS=DIR keeps a copy beyond the temp dir (removed at exit unless TW_KEEP=1).
	if [ -n "${TW_ARTEFACTS:-}" ]; then
		mkdir -p "$TW_ARTEFACTS" && cp "$shot" "$TW_ARTEFACTS/screenshot-index.png" &&
		    echo "# screenshot copied to $TW_ARTEFACTS/screenshot-index.png"
	fi
else
	not_ok "screenshot artefact $shot exists"
fi

# Self-check: the same checks must flag a bad page (an image without alt text, a form field
# without a label, an inline script the CSP refuses). Served from the same site directory.
cat >"$site/zz-selfcheck.html" <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>self-check</title>
<link rel="stylesheet" href="assets/style.css"></head>
<body><main><h1>self-check</h1>
<img src="assets/style.css" width="10" height="10">
<input type="text">
<script>document.title = "inline";</script>
</main></body></html>
HTML
node "$BROWSER_DIR/check.js" --base "$U/" zz-selfcheck.html >"$work/self.out" 2>&1; rc=$?
sed 's/^/#   self-check: /' "$work/self.out"
if [ "$rc" -ne 0 ] && grep -q '^not ok - zz-selfcheck.html (light): axe-core: .*image-alt' "$work/self.out"; then
	ok "self-check: axe flags an <img> without alt (and the run fails)"
else
	not_ok "self-check: axe flags an <img> without alt (rc $rc)"
fi
if grep -q '^not ok - zz-selfcheck.html: .*console' "$work/self.out" &&
    grep -q 'Content Security Policy' "$work/self.out"; then
	ok "self-check: an inline script is a console error (CSP violation)"
else
	not_ok "self-check: an inline script is a console error (CSP violation)"
fi
rm -f "$site/zz-selfcheck.html"
# The self-check must also flag a page that scrolls sideways at 390 px.
cat >"$site/zz-wide.html" <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wide</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="assets/style.css"></head>
<body><main><h1>wide</h1><pre>a preformatted line that does not wrap, much wider than a phone: 0123456789012345678901234567890123456789</pre></main></body></html>
HTML
node "$BROWSER_DIR/check.js" --base "$U/" --narrow zz-wide.html >"$work/wide.out" 2>&1
if grep -q '^not ok - zz-wide.html (390 px): the page is' "$work/wide.out"; then
	ok "self-check: a page wider than a phone is flagged"
else
	not_ok "self-check: a page wider than a phone is flagged: $(cat "$work/wide.out")"
fi
rm -f "$site/zz-wide.html"
kill "$sv_pid" 2>/dev/null && wait "$sv_pid" 2>/dev/null; sv_pid=""

# At scale (issue 15): 200 endpoints x 30 days of history (bench/history_gen, one result per
# hour before the last day): the index stays under 250 KB, lists every provider in its
# glance table, and every page checked passes axe and does not scroll sideways at 390 px.
gen="$(dirname "$TW_BIN")/bench/history_gen"
if [ ! -x "$gen" ]; then
	not_ok "$gen exists (make test builds it)"
else
	mkdir -p "$work/hist"
	"$gen" "$work/hist/h.db" "$work/hist/c.yaml" "$ROOT/examples/certs" 30 1 60 >"$work/hist/gen.log" 2>&1 ||
		bail "history_gen: $(tail -3 "$work/hist/gen.log")"
	port2=$(free_port)
	printf 'web:\n  listen: 127.0.0.1:%s\n' "$port2" >>"$work/hist/c.yaml"
	"$TW_BIN" report -c "$work/hist/c.yaml" 2>"$work/hist/report.err" ||
		bail "report of the 200-endpoint history: $(head -3 "$work/hist/report.err")"
	hsite="$work/hist/site"
	size=$(wc -c <"$hsite/index.html")
	[ "$size" -le 256000 ] && ok "200 endpoints: index.html is $size bytes (<= 250 KB)" ||
		not_ok "200 endpoints: index.html is $size bytes (> 250 KB)"
	nprov=$(grep -c '^  - id: ' "$work/hist/c.yaml")
	nrows=$(grep -o '<tr><th scope="row"><a href="#p-' "$hsite/index.html" | wc -l)
	[ "$nprov" -eq 10 ] && [ "$nrows" -eq "$nprov" ] &&
		ok "every provider ($nprov) has its row in the glance table" ||
		not_ok "glance table rows: $nrows for $nprov providers"
	"$TW_BIN" serve -c "$work/hist/c.yaml" >"$work/hist/serve.log" 2>&1 &
	sv_pid=$!
	deadline=$(( $(date +%s) + 20 ))
	until curl -sf -o /dev/null "http://127.0.0.1:$port2/index.html"; do
		if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$sv_pid" 2>/dev/null; then
			cat "$work/hist/serve.log"; bail "serve answers for the 200-endpoint site"
		fi
		sleep 0.05
	done
	first=$(sed -n 's/^  - id: \(.*\)$/\1/p' "$work/hist/c.yaml" | head -1)
	node "$BROWSER_DIR/check.js" --base "http://127.0.0.1:$port2/" --narrow \
	    --screenshot "$work/screenshot-200.png" index.html "providers/$first.html" \
	    incidents.html sla.html fr/index.html de/methodology.html >"$work/check200.out" 2>&1; rc=$?
	sed 's/^/#   200: /' "$work/check200.out" | grep -v '^#   200: ok'
	pass=$((pass + $(grep -c '^ok - ' "$work/check200.out")))
	fail=$((fail + $(grep -c '^not ok - ' "$work/check200.out")))
	[ "$rc" -ne 0 ] && ! grep -q '^not ok - ' "$work/check200.out" && not_ok "check.js (200) exited $rc"
	if [ -n "${TW_ARTEFACTS:-}" ] && [ -s "$work/screenshot-200.png" ]; then
		cp "$work/screenshot-200.png" "$TW_ARTEFACTS/screenshot-index-200.png"
	fi
fi

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
