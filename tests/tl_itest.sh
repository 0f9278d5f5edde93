#!/bin/sh
# Integration: `trustwatch probe` with tl endpoints (SPEC §13) served over HTTP from the real
# lists in tests/fixtures/tl at today's clock: the LOTL 390 verifies with its pinned signers;
# the LU list takes its signers from the LOTL's stored result (signers_from), so it is
# untrusted before the LOTL was ever verified and, after, judged on its dates (LU 66 is past
# its NextUpdate from 2026-11-20 on); the DSS wrapping attack is signature_invalid; `check`
# rejects a tl endpoint without signers; then against the testbed's trusted list, every tl
# reason from a testbed fault. Needs TW_BIN, TW_TESTBED and TW_FIXTURES (tests/run.sh).
set -u
: "${TW_BIN:?}" "${TW_FIXTURES:?}"
work=$(mktemp -d /tmp/tw-tl-itest.XXXXXX)
srv_pid=""
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

mkdir "$work/www"
cp "$TW_FIXTURES"/tl/*.xml "$work/www/"
cp "$TW_FIXTURES/tl/lu-tl-seq64-2026-03-11.xml" "$work/www/lu.xml"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" \
    >"$work/srv.log" 2>&1 &
srv_pid=$!
deadline=$(( $(date +%s) + 15 ))
port=""
while [ -z "$port" ]; do
	port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$work/srv.log" | head -1)
	if [ -z "$port" ] && { [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$srv_pid" 2>/dev/null; }; then
		echo "http server did not start:"; cat "$work/srv.log"; echo "# fail 1"; exit 1
	fi
	[ -z "$port" ] && sleep 0.05
done
base="http://127.0.0.1:$port"
cp "$TW_FIXTURES/tl/lotl390-eu-pointer-certs.pem" "$work/eu.pem"
cat >"$work/c.yaml" <<YAML
storage:
  path: $work/tw.db
providers:
  - id: eu
    name: European Commission
    endpoints:
      - id: lotl
        kind: tl
        url: $base/eu-lotl-seq390-2026-08-03.xml
        lotl: true
        signers: eu.pem
  - id: ilnas
    name: ILNAS
    endpoints:
      - id: tl
        kind: tl
        url: $base/lu-tl-seq66-2026-05-20.xml
        signers_from: eu/lotl
        expect: { min_remaining: 3d }
      - id: changing
        kind: tl
        url: $base/lu.xml
        signers_from: eu/lotl
      - id: xsw
        kind: tl
        url: $base/dss-xsw-sk-tl-signed-content-misplaced.xml
        signers: eu.pem
YAML

if "$TW_BIN" check -c "$work/c.yaml" >"$work/check.out" 2>&1; then
	ok "check accepts tl endpoints"
else
	not_ok "check rejects the tl config: $(cat "$work/check.out")"
fi

# reason_of FILE PROVIDER ENDPOINT: the reason of that endpoint's JSON line.
reason_of() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["provider"] == sys.argv[2] and o["endpoint"] == sys.argv[3]:
        print(o["reason"]); print(json.dumps(o["details"]), file=sys.stderr)' "$@"
}

"$TW_BIN" probe --format json -c "$work/c.yaml" >"$work/p1.json" 2>"$work/p1.err"
r=$(reason_of "$work/p1.json" eu lotl 2>"$work/lotl.details")
[ "$r" = ok ] && ok "LOTL 390 verifies with its pinned signers" || not_ok "LOTL: $r $(cat "$work/p1.json" "$work/p1.err")"
grep -q '"sequence": 390' "$work/lotl.details" && grep -q '"pointers": 32' "$work/lotl.details" &&
	ok "LOTL details: sequence 390, 32 XML pointers" || not_ok "LOTL details: $(cat "$work/lotl.details")"
r=$(reason_of "$work/p1.json" ilnas tl 2>/dev/null)
[ "$r" = untrusted ] && ok "LU before any verified LOTL is untrusted" || not_ok "LU first run: $r"
r=$(reason_of "$work/p1.json" ilnas xsw 2>/dev/null)
[ "$r" = signature_invalid ] && ok "the DSS wrapping attack is signature_invalid" || not_ok "XSW: $r"

"$TW_BIN" probe --format json -c "$work/c.yaml" >"$work/p2.json" 2>"$work/p2.err"
r=$(reason_of "$work/p2.json" ilnas tl 2>"$work/lu.details")
# The signature now verifies with the LOTL's LU pointer: what is left is the date.
now=$(date -u +%Y%m%d)
if [ "$now" -ge 20261120 ]; then want=expired; elif [ "$now" -ge 20261117 ]; then want=stale; else want=ok; fi
[ "$r" = "$want" ] && ok "LU 66 with signers from the LOTL's stored result is $want" ||
	not_ok "LU second run: $r (want $want) $(cat "$work/lu.details")"
grep -q '"territory": "LU"' "$work/lu.details" && ok "LU details name the territory" ||
	not_ok "LU details: $(cat "$work/lu.details")"

# LU 64 was remembered by the second run (verified, if past its NextUpdate); 65 withdraws
# two BE INVEST time-stamping services: the events are stored and on the Changes page.
cp "$TW_FIXTURES/tl/lu-tl-seq65-2026-04-28.xml" "$work/www/lu.xml"
"$TW_BIN" probe --format json -c "$work/c.yaml" >"$work/p3.json" 2>"$work/p3.err"
reason_of "$work/p3.json" ilnas changing 2>"$work/ch.details" >/dev/null
n=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(sum(1 for e in d.get("events", []) if e["event"] == "status_changed" and e["to"] == "withdrawn"
    and "BE INVEST TIMESTAMP UNIT Q" in e["service"]))' "$work/ch.details")
[ "$n" = 2 ] && ok "LU 64 -> 65: the two BE INVEST withdrawals are events" ||
	not_ok "LU 64 -> 65 events: $(cat "$work/ch.details")"
if "$TW_BIN" report -c "$work/c.yaml" -o "$work/site" >"$work/report.out" 2>&1; then
	f="$work/site/changes.html"
	[ -f "$f" ] || f=$(ls "$work"/site/*/changes.html 2>/dev/null | head -1)
	if [ -n "$f" ] && [ -f "$f" ] && grep -q "BE INVEST TIMESTAMP UNIT Q 1" "$f" && grep -q "withdrawn" "$f"; then
		ok "the Changes page lists the withdrawals"
		pf="$(dirname "$f")/providers/ilnas.html"
		grep -q "BE INVEST TIMESTAMP UNIT Q 2" "$pf" && ok "the provider page lists its changes" ||
			not_ok "provider page: no changes in $pf"
		grep -q "BE INVEST TIMESTAMP UNIT Q 2" "$work/site/feed.atom" &&
			ok "the Atom feed has the changes" || not_ok "feed: $(head -c 2000 "$work/site/feed.atom")"
	else
		not_ok "Changes page: $(ls -R "$work/site" | head -20)"
	fi
else
	not_ok "report failed: $(cat "$work/report.out")"
fi

cat >"$work/bad.yaml" <<YAML
storage:
  path: $work/tw2.db
providers:
  - id: eu
    endpoints:
      - { id: lotl, kind: tl, url: "$base/x.xml", lotl: true }
YAML
if "$TW_BIN" check -c "$work/bad.yaml" >"$work/bad.out" 2>&1; then
	not_ok "check accepts a tl endpoint without signers"
else
	grep -q "signers" "$work/bad.out" && ok "check rejects a tl endpoint without signers" ||
		not_ok "check message: $(cat "$work/bad.out")"
fi

# Against the testbed's own trusted list (testbed/tl.c): every tl reason through the real
# binary, each from a testbed fault, and the withdrawal event.
: "${TW_TESTBED:?}"
tb_pid=""
cleanup_tb() { [ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null; tb_pid=""; }
trap 'cleanup_tb; cleanup' EXIT INT TERM
"$TW_TESTBED" --state "$work/tb" --write-config "$work/tb.yaml" --providers 2 \
    2>"$work/tb.log" &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -f "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start:"; cat "$work/tb.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
ctl=$(cat "$work/tb/control.url")
# tb_reason: the reason, then the events, of the testbed list's result (one probe run).
tb_reason() {
	"$TW_BIN" probe --format json -c "$work/tb.yaml" --only scheme/tl >"$work/tb.json" 2>"$work/tb.err"
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    ev = o["details"].get("events", [])
    print(o["reason"], " ".join("%s:%s:%s>%s" % (e["event"], e["service"].replace(" ", "_"),
        e.get("from", ""), e.get("to", "")) for e in ev))' "$work/tb.json"
}
r=$(tb_reason)
[ "$r" = "ok " ] && ok "testbed list: ok, signed by the pinned scheme operator" ||
	not_ok "testbed list: '$r' $(cat "$work/tb.json" "$work/tb.err")"
curl -sS -d 'p2/tl=withdrawn' "$ctl" >/dev/null
r=$(tb_reason)
[ "$r" = "ok status_changed:p2_Qualified_CA:granted>withdrawn" ] &&
	ok "testbed p2/tl=withdrawn: the withdrawal is an event" || not_ok "withdrawn: '$r'"
# Qualified according to the list, matched by certificate, on the provider pages.
"$TW_BIN" probe -c "$work/tb.yaml" >/dev/null 2>&1
"$TW_BIN" report -c "$work/tb.yaml" -o "$work/tbsite" >"$work/tbreport.out" 2>&1
# qual PROVIDER: the page's qualified section as text.
qual() {
	python3 -c 'import re, sys
h = open(sys.argv[1]).read()
m = re.search(r"<section class=\"qualified\">.*?</section>", h, re.S)
print(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0))) if m else "none")' "$work/tbsite/providers/$1.html"
}
q=$(qual p2)
case "$q" in
*"Provider 2 is qualified according to the trusted list"*"ocsp ocsp Not qualified withdrawn p2 Qualified CA CA/QC Provider 2"*"crl crl Not qualified withdrawn p2 Qualified CA"*"tsa tsa Qualified granted p2 Qualified Time-Stamping Unit TSA/QTST"*)
	ok "p2's page: its OCSP and CRL not qualified (CA withdrawn), its TSA qualified" ;;
*) not_ok "p2's qualified section: $q $(cat "$work/tbreport.out")" ;;
esac
q=$(qual p1)
case "$q" in
*"LuxTrust (testbed stand-in) is qualified according to the trusted list"*"ocsp ocsp Qualified granted p1 Qualified CA"*"tsa tsa Qualified granted p1 Qualified Time-Stamping Unit"*)
	ok "p1's page: qualified, each endpoint matched to its service" ;;
*) not_ok "p1's qualified section: $q" ;;
esac
# The same in the status document (api/status.json = /api/v1/status): each provider's
# "qualified", per watched list and per OCSP/CRL/TSA endpoint.
r=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
out = []
for p in d["providers"]:
    for q in p["qualified"]:
        out.append("%s:%s/%s:%s:%s" % (p["id"], q["list"]["provider"], q["list"]["endpoint"],
            q["qualified"], ",".join("%s=%s/%s" % (e["endpoint"], e["status"],
            (e["service"] or {}).get("status")) for e in q["endpoints"])))
print(" ".join(out))' "$work/tbsite/api/status.json" 2>&1)
case "$r" in
*"p1:"*":True:ocsp=qualified/granted"*"tsa=qualified/granted"*"p2:"*":True:ocsp=not_qualified/withdrawn,crl=not_qualified/withdrawn,tsa=qualified/granted"*)
	ok "api/status.json: each provider's qualified standing, per endpoint, as its page" ;;
*) not_ok "api/status.json qualified: $r" ;;
esac
curl -sS -d 'p2/tl=ok' "$ctl" >/dev/null
r=$(tb_reason)
[ "$r" = "ok status_changed:p2_Qualified_CA:withdrawn>granted" ] &&
	ok "testbed healed: granted again is an event" || not_ok "granted again: '$r'"
for pair in wrong_signer:untrusted bad_signature:signature_invalid expired:expired \
    stale:stale clock_skew=3600:clock_skew sequence_regress:regressed garbage:malformed \
    http=503:http_status down:connect; do
	f=${pair%%:*} want=${pair#*:}
	curl -sS -d "p1/tl=$f" "$ctl" >/dev/null
	r=$(tb_reason)
	[ "${r%% *}" = "$want" ] && ok "testbed p1/tl=$f: $want" ||
		not_ok "testbed p1/tl=$f: '$r' (want $want) $(cat "$work/tb.err")"
	curl -sS -d 'p1/tl=ok' "$ctl" >/dev/null
done
r=$(tb_reason)
[ "$r" = "ok " ] && ok "testbed healed: ok, no events (the same issue)" || not_ok "healed: '$r'"
cleanup_tb

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
