#!/bin/sh
# Integration (SPEC §15): the testbed with relying services (--relying: MyGuichet and a
# school portal need p1, a bank has p1 and p2 as alternatives) and the daemon probing every
# second. p1's OCSP responder fails first, then its login page, which the two services sign
# in through: they follow, the bank stays up. Asserted: /api/v1/dependencies and
# api/dependencies.json; each dependant's incident names p1's as its likely cause in the API,
# on its incident page, in the Atom feed and in its alert mail ("Probably caused by"); p1's
# incident lists them; dependencies.html in every language; the index banner counts the
# relying services; `check` refuses a cycle at its place.
# Every wait polls with a deadline. Needs TW_BIN, TW_TESTBED, python3 and curl.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-deps-itest.XXXXXX)
tb_pid=""; d_pid=""; sink_pid=""
cleanup() {
	for p in $d_pid $sink_pid $tb_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${TW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	echo "# summary: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && echo "# pass $pass" || echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit $?
}
for tool in python3 curl; do
	command -v $tool >/dev/null 2>&1 || { echo "# skip: $tool missing"; echo "# pass 0"; exit 0; }
done

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
	secs=$1; what=$2; shift 2
	deadline=$(( $(date +%s) + secs ))
	until "$@"; do
		if [ "$(date +%s)" -gt "$deadline" ]; then
			not_ok "timed out after ${secs}s waiting for: $what"
			return 1
		fi
		sleep 0.05
	done
	return 0
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 0. check refuses a cycle and an unknown id, each at its place.
cat >"$work/cycle.yaml" <<'YAML'
storage: { path: tw.db }
providers:
  - id: a
    depends_on: [b]
    endpoints: [ { id: l, kind: login, url: 'http://127.0.0.1:1/' } ]
  - id: b
    alternatives: [a, ghost]
    endpoints: [ { id: l, kind: login, url: 'http://127.0.0.1:1/' } ]
YAML
out=$("$TW_BIN" check -c "$work/cycle.yaml" 2>&1); rc=$?
[ "$rc" -eq 3 ] && echo "$out" | grep -q "cycle.yaml:7:23: alternatives: unknown provider 'ghost'" &&
    echo "$out" | grep -q "cycle.yaml:7:20: dependency cycle: a -> b -> a" &&
    ok "check refuses a cycle and an unknown id at their places" ||
    not_ok "check on a cycle: rc=$rc: $out"

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" --providers 2 --relying \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
wait_for 30 "the testbed config" test -s "$work/tb.yaml" || finish
ctl=$(cat "$work/state/control.url")
fault() { curl -sf -d "$1" "$ctl" >/dev/null || not_ok "control: $1 failed"; }
web=$(free_port); smtp=$(free_port)
site="$work/state/site"
sed -e 's/^  interval: .*/  interval: 1s/' -e 's/^  timeout: .*/  timeout: 2s/' \
    -e 's/^  open_after: .*/  open_after: 2/' -e 's/^  close_after: .*/  close_after: 2/' \
    -e 's/^report:$/report:\n  languages: [en, fr, de]\n  every: 1s\n  base_url: "https:\/\/status.example.test\/"/' \
    "$work/tb.yaml" >"$work/c.yaml"
cat >>"$work/c.yaml" <<YAML
web:
  listen: 127.0.0.1:$web
alerts:
  smtp:
    url: smtp://127.0.0.1:$smtp
    from: trustwatch@example.test
  to: [noc@example.test]
  digest_window: 0s
YAML
"$TW_BIN" check -c "$work/c.yaml" >"$work/check.log" 2>&1 &&
    ok "the testbed's config with relying services passes check" ||
    { not_ok "check: $(cat "$work/check.log")"; finish; }

mkdir -p "$work/mail"
python3 "$ROOT/tests/support/smtp_sink.py" --port "$smtp" --dir "$work/mail" >>"$work/sink.log" 2>&1 &
sink_pid=$!
wait_for 10 "the SMTP sink" test -e "$work/mail/ready" || finish
"$TW_BIN" run -c "$work/c.yaml" --pid-file "$work/pid" >>"$work/daemon.log" 2>&1 &
d_pid=$!
wait_for 10 "the pid file" test -s "$work/pid" || finish
api() { curl -sf "http://127.0.0.1:$web$1"; }

# py EXPR: evaluates the Python expression on the JSON at stdin (as d); true when truthy.
py() { python3 -c "import json, sys
d = json.load(sys.stdin)
sys.exit(0 if ($1) else 1)" 2>/dev/null; }
probed() { api /api/v1/status | py "all(e['last_status'] is not None for p in d['providers'] for e in p['endpoints'] if p['id'] in ('p1', 'myguichet', 'school', 'bank'))"; }
wait_for 30 "first results" probed || { cat "$work/daemon.log" | tail -5; finish; }

# 1. The measure, live and in the site.
deps_ok="[p for p in d['providers'] if p['id'] == 'p1'][0]['spof_for'] == ['myguichet', 'school'] and sorted([p for p in d['providers'] if p['id'] == 'p1'][0]['dependants']) == ['bank', 'myguichet', 'school'] and [s for s in d['services'] if s['id'] == 'bank'][0]['paths'] == 2 and [s for s in d['services'] if s['id'] == 'bank'][0]['alternatives'] == ['p1', 'p2'] and [s for s in d['services'] if s['id'] == 'school'][0]['depends_on'] == ['p1'] and [s for s in d['services'] if s['id'] == 'school'][0]['paths'] == 1"
api /api/v1/dependencies | py "$deps_ok" && ok "/api/v1/dependencies: p1 is the single point of failure of MyGuichet and the school, not the bank (2 paths)" ||
    not_ok "/api/v1/dependencies: $(api /api/v1/dependencies)"
wait_for 20 "api/dependencies.json" test -s "$site/api/dependencies.json" &&
    py "$deps_ok" <"$site/api/dependencies.json" && ok "api/dependencies.json says the same" ||
    not_ok "api/dependencies.json: $(cat "$site/api/dependencies.json" 2>/dev/null)"

# 2. The provider fails first; the services that sign in through its login page follow.
fault p1/ocsp=down
inc_of() { api /api/v1/incidents | python3 -c "import json, sys
d = json.load(sys.stdin)
v = [i for i in d['incidents'] if i['provider'] == '$1' and i['end'] is None]
print(min(i['id'] for i in v) if v else '')" 2>/dev/null; }
has_inc() { [ -n "$(inc_of "$1")" ]; }
wait_for 30 "p1's incident" has_inc p1 || finish
p1_inc=$(inc_of p1)
fault p1/login=http=503
wait_for 30 "MyGuichet's incident" has_inc myguichet || finish
wait_for 30 "the school portal's incident" has_inc school || finish
mg_inc=$(inc_of myguichet); sc_inc=$(inc_of school)
ok "p1 failed first (#$p1_inc), MyGuichet (#$mg_inc) and the school portal (#$sc_inc) followed"

# 3. API links, both ways.
linked="[i for i in d['incidents'] if i['id'] == $mg_inc][0]['caused_by']['id'] == $p1_inc and [i for i in d['incidents'] if i['id'] == $mg_inc][0]['caused_by']['provider'] == 'p1' and [i for i in d['incidents'] if i['id'] == $sc_inc][0]['caused_by']['id'] == $p1_inc and {$mg_inc, $sc_inc} <= set([i for i in d['incidents'] if i['id'] == $p1_inc][0]['caused']) and [i for i in d['incidents'] if i['id'] == $p1_inc][0]['caused_by'] is None"
api /api/v1/incidents | py "$linked" && ok "/api/v1/incidents links the dependants' incidents to p1's, both ways" ||
    not_ok "/api/v1/incidents: $(api /api/v1/incidents)"
api "/api/v1/incidents?provider=myguichet" | py "len(d['incidents']) >= 1 and all(i['provider'] == 'myguichet' for i in d['incidents']) and d['incidents'][-1]['caused_by']['id'] == $p1_inc" &&
    ok "?provider=myguichet still names the cause, another provider's incident" ||
    not_ok "?provider=myguichet: $(api '/api/v1/incidents?provider=myguichet')"
api /api/v1/incidents | py "not [i for i in d['incidents'] if i['provider'] == 'bank']" &&
    ok "the bank, with p2 as an alternative, has no incident" || not_ok "the bank has an incident"
site_linked() { test -s "$site/api/incidents.json" && py "$linked" <"$site/api/incidents.json"; }
wait_for 30 "api/incidents.json with the links" site_linked && ok "api/incidents.json has the same links"

# 4. Pages: cause and effect link each other; the banner counts the relying services.
page_has() { test -f "$1" && grep -q "$2" "$1"; }
mg_page="$site/en/incidents/$mg_inc.html"; p1_page="$site/en/incidents/$p1_inc.html"
wait_for 30 "MyGuichet's incident page with its cause" page_has "$mg_page" "Probably caused by" &&
    grep -q "href=\"../incidents/$p1_inc.html\">LuxTrust (testbed stand-in) incident #$p1_inc</a>, which started" "$mg_page" &&
    ok "MyGuichet's incident page: probably caused by LuxTrust incident #$p1_inc, linked" ||
    not_ok "MyGuichet's incident page: $(grep -o 'Probably caused.\{0,200\}' "$mg_page" 2>/dev/null)"
wait_for 30 "p1's incident page with its effects" page_has "$p1_page" "incidents/$sc_inc.html" &&
    grep -q "Incidents it probably caused" "$p1_page" && grep -q "incidents/$mg_inc.html" "$p1_page" &&
    ok "p1's incident page lists the incidents it probably caused" ||
    not_ok "p1's incident page: $(grep -o 'probably caused.\{0,300\}' "$p1_page" 2>/dev/null)"
page_has "$site/fr/incidents/$mg_inc.html" "Probablement caus" && page_has "$site/de/incidents/$mg_inc.html" "Vermutlich verursacht" &&
    ok "the link is translated (fr, de)" || not_ok "fr/de incident pages lack the link"
wait_for 30 "the index banner" page_has "$site/en/index.html" "is down: 3 relying services depend on it" &&
    grep -q "for 2 it is a single point of failure" "$site/en/index.html" &&
    ok "the index banner: 3 relying services depend on p1, for 2 it is a single point of failure" ||
    not_ok "index banner: $(grep -o 'deps-outage.\{0,300\}' "$site/en/index.html" 2>/dev/null)"
for l in en fr de; do
	f="$site/$l/dependencies.html"
	page_has "$f" "<svg" && grep -q "<table class=\"deps\"" "$f" && grep -q "providers/myguichet.html" "$f" &&
	    grep -q "dependencies.html\" aria-current=\"page\"" "$f" &&
	    ok "$l/dependencies.html: graph, tables, in the navigation" || not_ok "$l/dependencies.html"
done
grep -q "3 services depend on LuxTrust (testbed stand-in); for 2 it is a single point of failure" "$site/en/providers/p1.html" &&
    ok "p1's page: 3 services depend on it; for 2 it is a single point of failure" ||
    not_ok "p1's page: $(grep -o 'deps-count.\{0,200\}' "$site/en/providers/p1.html")"

# 5. The Atom feed.
feed_ok() { grep -q "Probably caused by: LuxTrust (testbed stand-in) incident #$p1_inc" "$site/feed.atom" 2>/dev/null; }
wait_for 30 "the feed's link" feed_ok && ok "feed.atom: the dependant's entry names its probable cause"

# 6. The alert mail.
# MyGuichet's opening mail: its own, or the digest of the incidents that opened with it.
mg_mail() { grep -l "^Subject: \[DOWN\] .*MyGuichet" "$work"/mail/mail-*.eml 2>/dev/null | head -1; }
has_mail() { [ -n "$(mg_mail)" ]; }
if wait_for 30 "MyGuichet's mail" has_mail; then
	grep -q "Probably caused by LuxTrust (testbed stand-in) incident #$p1_inc (https://status.example.test/incidents/$p1_inc.html), which started" "$(mg_mail)" &&
	    ok "MyGuichet's alert mail: probably caused by LuxTrust incident #$p1_inc, with its page" ||
	    not_ok "MyGuichet's mail: $(cat "$(mg_mail)")"
fi
finish
