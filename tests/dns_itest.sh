#!/bin/sh
# Integration: kind dns (SPEC §14) against the testbed's authoritative DNS server
# (--dns-port: signed.tb.test and unsigned.tb.test on 127.0.0.53, 127.0.0.54, 127.0.1.53).
# First every DNS fault is proven with drill (ldnsutils), independently of trustwatch; then
# the real trustwatch binary must give each reason: dns_lame, dns_inconsistent,
# dns_single_point, dnssec_bogus, stale, and up over the TCP fallback. Needs TW_BIN and
# TW_TESTBED (tests/run.sh sets them) and drill.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
work=$(mktemp -d /tmp/tw-dns-itest.XXXXXX)
tb_pid=""
cleanup() {
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

if ! command -v drill >/dev/null 2>&1; then
	not_ok "drill not found (install ldnsutils: make deps)"
	echo "# pass $pass"; echo "# fail $fail"; exit 1
fi

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" --dns-port 0 \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ] || [ ! -s "$work/state/dns.addr" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start:"; cat "$work/testbed.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
ctl=$(cat "$work/state/control.url")
addr=$(cat "$work/state/dns.addr")
port=${addr##*:}
fault() { curl -sf -d "$1" "$ctl" >/dev/null || not_ok "control: $1 failed"; }
q() { drill -p "$port" "$@" 2>&1; }	# q @SERVER NAME TYPE [drill options]

# --- The testbed's DNS, proven with drill --------------------------------------------------
out=$(q @127.0.0.53 signed.tb.test NS)
n=$(echo "$out" | grep -c "^signed.tb.test.[[:space:]].*IN[[:space:]]*NS")
[ "$n" -eq 3 ] && ok "drill: signed.tb.test has 3 NS" || not_ok "drill: NS set: $out"
for s in 127.0.0.53 127.0.0.54 127.0.1.53; do
	out=$(q @$s signed.tb.test SOA)
	echo "$out" | grep -q "flags: qr aa" && echo "$out" | grep -q "rcode: NOERROR" &&
	    echo "$out" | grep -q "2026120601" && ok "drill: $s answers SOA with authority" ||
	    not_ok "drill: $s SOA: $out"
done
q @127.0.0.53 signed.tb.test DNSKEY |
    grep -E "^signed\.tb\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DNSKEY" >"$work/anchor.key"
[ -s "$work/anchor.key" ] && ok "drill: signed.tb.test has a DNSKEY" || not_ok "drill: no DNSKEY"
out=$(q @127.0.0.53 signed.tb.test SOA -k "$work/anchor.key" -S)
echo "$out" | grep -q "Chase successful" && ok "drill: signed.tb.test SOA chases to its DNSKEY" ||
    not_ok "drill: healthy chase: $out"
out=$(q @127.0.0.53 unsigned.tb.test DNSKEY -D)
echo "$out" | grep -q "ANSWER: 0" && ok "drill: unsigned.tb.test has no DNSKEY" ||
    not_ok "drill: unsigned DNSKEY: $out"

fault dns=lame
out=$(q @127.0.0.54 signed.tb.test SOA)
echo "$out" | grep -q "rcode: REFUSED" && ok "drill: dns=lame: ns2 answers REFUSED" ||
    not_ok "drill: lame: $out"
fault dns=ok
fault dns=serial
s1=$(q @127.0.0.53 signed.tb.test SOA | grep -o "2026120[0-9]*" | head -1)
s3=$(q @127.0.1.53 signed.tb.test SOA | grep -o "2026120[0-9]*" | head -1)
[ -n "$s1" ] && [ -n "$s3" ] && [ "$s1" != "$s3" ] &&
    ok "drill: dns=serial: ns1 serves $s1, ns3 $s3" || not_ok "drill: serial: '$s1' '$s3'"
fault dns=ok
fault dns=bogus
out=$(q @127.0.0.53 signed.tb.test SOA -k "$work/anchor.key" -S)
echo "$out" | grep -q "Bogus DNSSEC signature" && echo "$out" | grep -q "Chase failed" &&
    ok "drill: dns=bogus: the chase fails on a bogus signature" || not_ok "drill: bogus: $out"
fault dns=ok
fault dns=single
n=$(q @127.0.0.53 signed.tb.test NS | grep -c "^signed.tb.test.[[:space:]].*IN[[:space:]]*NS")
[ "$n" -eq 1 ] && ok "drill: dns=single: one NS" || not_ok "drill: single: $n NS"
fault dns=ok
fault dns=expiring
exp=$(q @127.0.0.53 signed.tb.test SOA -D | awk '$4 == "RRSIG" && $5 == "SOA" { print $9 }')
limit=$(date -u -d '+3 hours' +%Y%m%d%H%M%S)
[ -n "$exp" ] && [ "$exp" -lt "$limit" ] &&
    ok "drill: dns=expiring: the SOA's RRSIG expires at $exp (< 3 h)" ||
    not_ok "drill: expiring: '$exp' vs $limit"
fault dns=ok
fault dns=truncate
out=$(q @127.0.0.53 signed.tb.test SOA)
out_tcp=$(q @127.0.0.53 signed.tb.test SOA -t)
echo "$out" | grep -q "flags: qr aa tc" && echo "$out_tcp" | grep -q "ANSWER: 1" &&
    ok "drill: dns=truncate: UDP truncated, TCP answers" || not_ok "drill: truncate: $out $out_tcp"
fault dns=ok
curl -sf "$ctl" | grep -q "^dns=" && not_ok "control still lists a dns fault after dns=ok" ||
    ok "dns=ok heals every dns fault"
fault dns=lame
fault ok
curl -sf "$ctl" | grep -q "^dns=" && not_ok "a bare ok left a dns fault on" ||
    ok "a bare ok heals the dns faults too"
out=$(curl -s -d dns=nonsense "$ctl")
echo "$out" | grep -q 'unknown dns fault "nonsense"' && ok "an unknown dns fault is refused" ||
    not_ok "unknown dns fault: $out"

# --- The real binary ---------------------------------------------------------------------
cat >"$work/c.yaml" <<YAML
storage:
  path: $work/tw.db
report:
  output: $work/site
  languages: [en, fr, de]
providers:
  - id: t
    name: "Test zones"
    endpoints:
      - { id: signed, kind: dns, zone: signed.tb.test, resolver: "$addr", timeout: 2s }
      - id: unsigned
        kind: dns
        zone: Unsigned.TB.test.
        resolver: "$addr"
        timeout: 2s
      - { id: tight, kind: dns, zone: signed.tb.test, resolver: "$addr", timeout: 2s, expect: { min_remaining: 40d } }
      - { id: nowhere, kind: dns, zone: nowhere.tb.test, resolver: "$addr", timeout: 2s }
      - { id: silent, kind: dns, zone: signed.tb.test, resolver: "127.0.0.9:$port", timeout: 1s }
YAML
cfg="$work/c.yaml"

# probe_is TARGET STATUS REASON [extra grep]
probe_is() {
	out=$("$TW_BIN" probe -c "$cfg" --only "$1" --format json 2>"$work/err")
	rc=$?
	if echo "$out" | grep -q "\"status\":\"$2\"" && echo "$out" | grep -q "\"reason\":\"$3\"" &&
	    { [ -z "${4:-}" ] || echo "$out" | grep -q "$4"; }; then
		ok "$1 ${FAULT:-healthy} -> $2/$3${4:+ ($4)}"
	else
		not_ok "$1 ${FAULT:-healthy} -> want $2/$3${4:+ with $4}, got: $out $(cat "$work/err")"
	fi
	case "$2" in up) want=0 ;; degraded) want=1 ;; down) want=2 ;; esac
	[ "$rc" -eq "$want" ] || not_ok "$1: exit code $rc, want $want"
}
case_() {
	FAULT="$1"
	fault "dns=$1"
	shift
	probe_is "$@"
	fault dns=ok
	FAULT=""
}

probe_is t/signed up ok '"dnssec":"valid"'
probe_is t/signed up ok '"networks":2'
probe_is t/signed up ok '"signatures_expire":"'
probe_is t/unsigned up ok '"dnssec":"unsigned"'
probe_is t/unsigned up ok '"zone":"unsigned.tb.test."'
probe_is t/tight down stale 'min_remaining 40d'
probe_is t/nowhere down dns 'REFUSED'
probe_is t/silent down dns 'timeout\|refused'

case_ lame t/signed down dns_lame 'ns2.signed.tb.test. (127.0.0.54) answers REFUSED'
case_ lame t/unsigned down dns_lame '"rcode":"REFUSED"'
case_ serial t/signed degraded dns_inconsistent '2026120602'
case_ serial t/unsigned degraded dns_inconsistent 'differ'
case_ single t/signed degraded dns_single_point 'single name server'
case_ single t/unsigned degraded dns_single_point 'RFC 2182'
case_ bogus t/signed down dnssec_bogus 'Bogus DNSSEC signature'
case_ bogus t/unsigned up ok '"dnssec":"unsigned"'
case_ expiring t/signed down stale 'expire in 1 h\|expire in 2 h'
case_ truncate t/signed up ok '"tcp":true'
case_ truncate t/unsigned up ok '"tcp":true'

# Two findings at once: the worst wins, every one is listed.
fault dns=lame
fault dns=serial
FAULT="lame+serial"
probe_is t/signed down dns_lame '"reason":"dns_inconsistent"'
fault dns=ok
FAULT=""

# The site explains the new reasons in every language.
fault dns=bogus
"$TW_BIN" probe -c "$cfg" --only t/signed >/dev/null 2>&1
fault dns=ok
fault dns=lame
"$TW_BIN" probe -c "$cfg" --only t/unsigned >/dev/null 2>&1
fault dns=ok
if "$TW_BIN" report -c "$cfg" >"$work/report.log" 2>&1; then
	ok "report renders dns results"
else
	not_ok "report: $(cat "$work/report.log")"
fi
site_has() { # site_has FILE TEXT LABEL
	grep -q "$2" "$work/site/$1" && ok "site: $3" || not_ok "site: $3: '$2' not in $1"
}
site_has en/providers/t.html "DNSSEC signatures do not verify" "en explains dnssec_bogus"
site_has fr/providers/t.html "Les signatures DNSSEC du domaine ne se vérifient pas" "fr explains dnssec_bogus"
site_has de/providers/t.html "Die DNSSEC-Signaturen der Domain lassen sich nicht prüfen" "de explains dnssec_bogus"
site_has en/providers/t.html "A name server of the domain does not answer for it" "en explains dns_lame"
site_has fr/providers/t.html "Un serveur de noms du domaine ne répond pas pour lui" "fr explains dns_lame"
site_has de/providers/t.html "Ein Nameserver der Domain antwortet nicht für sie" "de explains dns_lame"
for r in dns_lame dns_inconsistent dns_single_point dnssec_bogus; do
	site_has en/methodology.html "<code>$r</code>" "methodology lists $r"
done
site_has de/index.html "DNS-Zonen" "de index labels the kind"

# Bad configurations are refused with their place.
bad() {
	printf 'providers:\n  - id: t\n    endpoints:\n      - %s\n' "$1" >"$work/bad.yaml"
	out=$("$TW_BIN" check -c "$work/bad.yaml" 2>&1)
	rc=$?
	[ "$rc" -ne 0 ] && echo "$out" | grep -q "$2" && echo "$out" | grep -q "bad.yaml:[0-9]" &&
	    ok "config: $3" || not_ok "config: $3: rc $rc: $out"
}
bad '{ id: d, kind: dns }' "missing required key 'zone'" "a dns endpoint without zone"
bad '{ id: d, kind: dns, zone: "bad zone" }' "zone: expected a domain name" "a bad zone"
bad '{ id: d, kind: dns, zone: x.lu, resolver: "1.2.3.4:99999" }' "resolver: expected" "a bad resolver"
bad '{ id: d, kind: dns, zone: x.lu, resolver: "ns.example" }' "resolver: expected" "a resolver by name"
bad '{ id: d, kind: dns, zone: x.lu, url: "https://x.lu/" }' "takes 'zone', not 'url'" "url on a dns endpoint"
bad '{ id: d, kind: login, url: "https://x.lu/", zone: x.lu }' "zone" "zone on another kind"

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
