#!/bin/sh
# Integration: every address (SPEC §14) through the real binary against the testbed serving
# each service on 127.0.0.1, .2 and .3 (--addresses 3). The name multi.tw.test has those three
# addresses in a hosts file given by TW_HOSTS (read by our resolver only: /etc/hosts and DNS
# are not touched). All healthy: up, "3 of 3 addresses healthy"; one address down
# (down%127.0.0.2): degraded redundancy_lost, the page names it; every address down: down
# with the worst reason; `addresses: first` probes one address; per-address rows stored and
# exported with their address; an incident follows the endpoint verdict only.
# Env: TW_BIN, TW_TESTBED. Prints "# pass N" / "# fail N".
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
tmp=$(mktemp -d /tmp/tw-addrs-itest.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

wait_for() {
	_end=$(($(date +%s) + $2))
	while ! eval "$1"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
}

S=$tmp/state
"$TW_TESTBED" --state "$S" --write-config "$tmp/tb.yaml" --addresses 3 2>"$tmp/testbed.log" &
pid=$!
if ! wait_for "[ -f '$tmp/tb.yaml' ] || ! kill -0 $pid 2>/dev/null" 30 || [ ! -f "$tmp/tb.yaml" ]; then
	echo "testbed did not start:"; cat "$tmp/testbed.log"; echo "# pass 0"; echo "# fail 1"; exit 1
fi
CTL=$(cat "$S/control.url")
fault() { printf '%s\n' "$@" | curl -sS --data-binary @- "$CTL" >"$tmp/ctl.out" 2>&1 ||
	cat "$tmp/ctl.out"; }

printf '127.0.0.1 multi.tw.test\n127.0.0.2 multi.tw.test\n127.0.0.3 multi.tw.test\n' >"$tmp/hosts"
export TW_HOSTS="$tmp/hosts"

# The testbed's own endpoints by name instead of 127.0.0.1, plus an `addresses: first` twin.
ocsp_port=$(sed -n 's#.*url: http://127.0.0.1:\([0-9]*\)/$#\1#p' "$tmp/tb.yaml" | head -1)
crl_url=$(sed -n 's#.*url: http://127.0.0.1:\([0-9]*/issuing-ca.crl\)$#\1#p' "$tmp/tb.yaml")
pki=$S/pki
cat >"$tmp/c.yaml" <<YAML
storage:
  path: $tmp/tw.db
incidents:
  open_after: 2
  close_after: 2
report:
  output: $tmp/site
  languages: [en, fr, de]
providers:
  - id: p1
    name: Multi
    endpoints:
      - id: ocsp
        kind: ocsp
        url: http://multi.tw.test:$ocsp_port/
        issuer: $pki/issuing-ca.pem
        certificate: $pki/good.pem
        expect: { status: good }
      - id: crl
        kind: crl
        url: http://multi.tw.test:$crl_url
        issuer: $pki/issuing-ca.pem
      - id: first
        kind: ocsp
        addresses: first
        url: http://multi.tw.test:$ocsp_port/
        issuer: $pki/issuing-ca.pem
        certificate: $pki/good.pem
        expect: { status: good }
YAML
if "$TW_BIN" check -c "$tmp/c.yaml" >"$tmp/check.out" 2>&1; then
	ok "check accepts addresses: first"
else
	not_ok "check: $(cat "$tmp/check.out")"
fi
sed 's/addresses: first/addresses: some/' "$tmp/c.yaml" >"$tmp/bad.yaml"
if ! "$TW_BIN" check -c "$tmp/bad.yaml" >"$tmp/bad.out" 2>&1 &&
    grep -q "addresses: expected all or first, found 'some'" "$tmp/bad.out" &&
    grep -q "bad.yaml:[0-9]*:[0-9]*" "$tmp/bad.out"; then
	ok "check refuses addresses: some with its place"
else
	not_ok "addresses: some: $(cat "$tmp/bad.out")"
fi

# probe: runs the three endpoints once, JSON lines into $tmp/out.json.
probe() { "$TW_BIN" probe -c "$tmp/c.yaml" --format json >"$tmp/out.json" 2>"$tmp/probe.err"; }
# field ENDPOINT EXPR: a Python expression over the endpoint's JSON object o.
field() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["endpoint"] == sys.argv[2]:
        d = o.get("details") or {}
        a = d.get("addresses") or []
        print(eval(sys.argv[3]))' "$tmp/out.json" "$1" "$2"
}
check() {	# NAME ENDPOINT EXPR WANT
	_got=$(field "$2" "$3")
	if [ "$_got" = "$4" ]; then ok "$1"; else not_ok "$1: got '$_got', want '$4' ($(cat "$tmp/out.json" "$tmp/probe.err"))"; fi
}

# 1. Every address healthy.
probe
check "all healthy: ocsp up" ocsp 'o["status"] + "/" + o["reason"]' "up/ok"
check "all healthy: the three addresses probed, each up" ocsp \
    '" ".join(x["address"] + ":" + x["status"] for x in a)' \
    "127.0.0.1:up 127.0.0.2:up 127.0.0.3:up"
check "all healthy: crl up on 3" crl 'o["status"] + " " + str(len(a))' "up 3"
check "addresses: first probes one (no per-address list)" first \
    'o["status"] + " " + str(len(a))' "up 0"
"$TW_BIN" report -c "$tmp/c.yaml" >"$tmp/report.out" 2>&1 || not_ok "report: $(cat "$tmp/report.out")"
if grep -q '3 of 3 addresses healthy' "$tmp/site/index.html" 2>/dev/null ||
    grep -rq '3 of 3 addresses healthy' "$tmp/site/en/index.html" 2>/dev/null; then
	ok "the site says 3 of 3 addresses healthy"
else
	not_ok "no '3 of 3 addresses healthy' on the index"
fi

# 2. One address down: 127.0.0.2 refuses connections.
fault 'p1/ocsp=down%127.0.0.2'
if curl -s -o /dev/null -m 5 "http://127.0.0.2:$ocsp_port/"; then
	not_ok "curl still reaches 127.0.0.2 after down%127.0.0.2"
elif curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$ocsp_port/" | grep -q '^[1-5]'; then
	ok "down%127.0.0.2: curl is refused there and answered on 127.0.0.1"
else
	not_ok "down%127.0.0.2 took 127.0.0.1 down too"
fi
probe
check "one address down: degraded redundancy_lost" ocsp 'o["status"] + "/" + o["reason"]' \
    "degraded/redundancy_lost"
check "one address down: the message names it" ocsp \
    '"2 of 3 addresses healthy; 127.0.0.2: connect" in (o["message"] or "")' "True"
check "one address down: that address is down, the others up" ocsp \
    '" ".join(x["address"] + ":" + x["status"] + ":" + x["reason"] for x in a)' \
    "127.0.0.1:up:ok 127.0.0.2:down:connect 127.0.0.3:up:ok"
check "addresses: first is still up (127.0.0.1 only)" first 'o["status"]' "up"
rm -rf "$tmp/site"
"$TW_BIN" report -c "$tmp/c.yaml" >"$tmp/report.out" 2>&1 || not_ok "report: $(cat "$tmp/report.out")"
page=$(ls "$tmp"/site/providers/p1.html "$tmp"/site/en/providers/p1.html 2>/dev/null | head -1)
if [ -n "$page" ] && python3 - "$page" <<'PY'
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
sec = h[h.index('id="ep-ocsp"'):]
sec = sec[:sec.index("</section>")]
assert "2 of 3 addresses healthy" in sec, "no 2 of 3 line"
t = sec[sec.index('<table class="addresses"'):]
t = t[:t.index("</table>")]
rows = re.findall(r"<tr><th scope=\"row\"><code>([^<]*)</code></th><td><span class=\"st (\w+)", t)
assert rows == [("127.0.0.1", "up"), ("127.0.0.2", "down"), ("127.0.0.3", "up")], rows
PY
then
	ok "the endpoint page's address table shows 127.0.0.2 down, the others up"
else
	not_ok "the endpoint page's address table ($page)"
fi
if python3 - "$tmp/site/api/status.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        if o.get("endpoint") == "ocsp" and "addresses" in o:
            yield o
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
eps = list(walk(doc))
assert eps, "no ocsp endpoint with addresses"
a = eps[0]["addresses"]
assert [(x["address"], x["status"]) for x in a] == [("127.0.0.1", "up"), ("127.0.0.2", "down"), ("127.0.0.3", "up")], a
PY
then
	ok "the status API lists each address with its state"
else
	not_ok "api/status.json lacks the addresses"
fi
for lang in fr de; do
	want="2 adresses saines sur 3"
	[ "$lang" = de ] && want="2 von 3 Adressen funktionsfähig"
	if grep -rqF "$want" "$tmp/site/$lang" 2>/dev/null; then
		ok "the $lang site says: $want"
	else
		not_ok "the $lang site lacks: $want"
	fi
done

# 3. Every address down: the worst reason.
fault 'p1/crl=down%127.0.0.1' 'p1/crl=down%127.0.0.2' 'p1/crl=down%127.0.0.3'
probe
check "all down: down with connect" crl 'o["status"] + "/" + o["reason"]' "down/connect"
check "all down: 0 of 3" crl '(o["message"] or "").startswith("0 of 3 addresses healthy")' "True"
probe	# a second down result opens the crl incident (open_after: 2)

# 4. Stored: each address's own row beside the endpoint's, exported with its address.
"$TW_BIN" export -c "$tmp/c.yaml" --format json >"$tmp/export.json" 2>"$tmp/export.err"
if python3 - "$tmp/export.json" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
by = collections.Counter((r["endpoint"], r["address"]) for r in rows)
assert by[("ocsp", None)] == 4, by
for a in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
    assert by[("ocsp", a)] == 4, by
    assert by[("crl", a)] == 4, by
assert all(k[1] is None for k in by if k[0] == "first"), by
down = [r for r in rows if r["endpoint"] == "ocsp" and r["address"] == "127.0.0.2"]
assert [r["reason"] for r in down] == ["ok", "connect", "connect", "connect"], down
PY
then
	ok "export: every address's own results with their address, the endpoint's with none"
else
	not_ok "export rows: $(head -c 600 "$tmp/export.json") $(cat "$tmp/export.err")"
fi
"$TW_BIN" export -c "$tmp/c.yaml" --format json --what incidents >"$tmp/inc.json" 2>&1
if python3 - "$tmp/inc.json" <<'PY'
import json, sys
inc = [json.loads(l) for l in open(sys.argv[1])]
eps = sorted(i["endpoint"] for i in inc)
# ocsp: degraded 3 times in a row; crl: down twice; first: always up.
assert eps == ["crl", "ocsp"], inc
crl = [i for i in inc if i["endpoint"] == "crl"][0]
assert "connect" in json.dumps(crl), crl
ocsp = [i for i in inc if i["endpoint"] == "ocsp"][0]
assert "redundancy_lost" in json.dumps(ocsp), ocsp
PY
then
	ok "incidents follow the endpoint verdict (one per endpoint, not per address)"
else
	not_ok "incidents: $(cat "$tmp/inc.json")"
fi

# 5. Healed: up again on every address.
fault 'p1/ocsp=ok%127.0.0.2' 'p1/crl=ok'
probe
check "healed: ocsp up on 3" ocsp 'o["status"] + " " + str(sum(x["status"] == "up" for x in a))' "up 3"
check "healed: crl up on 3" crl 'o["status"] + " " + str(sum(x["status"] == "up" for x in a))' "up 3"

# 6. The daemon: each address's own result stored beside the endpoint's.
fault 'p1/ocsp=down%127.0.0.3'
sed -e "s#$tmp/tw.db#$tmp/run.db#" -e 's#^providers:#defaults:\n  interval: 1s\nproviders:#' \
    "$tmp/c.yaml" >"$tmp/run.yaml"
# The store exists before the daemon and the polling export open it.
"$TW_BIN" probe -c "$tmp/run.yaml" --only p1/first >/dev/null 2>&1
"$TW_BIN" run -c "$tmp/run.yaml" >"$tmp/run.log" 2>&1 &
run_pid=$!
run_rows() {
	"$TW_BIN" export -c "$tmp/run.yaml" --format json 2>/dev/null | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
ep = [r for r in rows if r["endpoint"] == "ocsp" and r["address"] is None]
a3 = [r for r in rows if r["endpoint"] == "ocsp" and r["address"] == "127.0.0.3"]
ok = any(r["reason"] == "redundancy_lost" for r in ep) and any(r["reason"] == "connect" for r in a3)
sys.exit(0 if ok and all(r["time"] in [e["time"] for e in ep] for r in a3) else 1)'
}
if wait_for run_rows 30; then
	ok "run: the endpoint's redundancy_lost and 127.0.0.3's connect stored at the same times"
else
	not_ok "run stored no per-address rows: $(tail -5 "$tmp/run.log")"
fi
kill -TERM "$run_pid" 2>/dev/null
wait "$run_pid"
rc=$?
[ "$rc" -eq 0 ] && ok "run stops cleanly (exit 0)" || not_ok "run exit $rc: $(tail -5 "$tmp/run.log")"
fault 'p1/ocsp=ok%127.0.0.3'

# 7. A name without an address is dns, down (TW_HOSTS: no nameserver is asked).
printf '127.0.0.1 other.tw.test\n' >"$tmp/hosts2"
sed 's#multi.tw.test#nothing.invalid#' "$tmp/c.yaml" >"$tmp/nx.yaml"
TW_HOSTS=$tmp/hosts2 "$TW_BIN" probe -c "$tmp/nx.yaml" --only p1/crl --format json \
    >"$tmp/out.json" 2>"$tmp/probe.err"
check "a name that does not resolve: dns" crl 'o["status"] + "/" + o["reason"]' "down/dns"

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
