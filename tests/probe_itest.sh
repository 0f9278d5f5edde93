#!/bin/sh
# Integration: the real trustwatch binary against the testbed. Every fault switch must give
# the SPEC §4 status and reason; the healthy testbed is all up; results are stored; exit
# codes follow the Nagios convention. Needs TW_BIN and TW_TESTBED (tests/run.sh sets them).
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
work=$(mktemp -d /tmp/tw-probe-itest.XXXXXX)
tb_pid=""
cleanup() {
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
# Poll for the config file with a deadline (the testbed writes it once every service listens).
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start:"; cat "$work/testbed.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
ctl=$(cat "$work/state/control.url")
# Shorter timeouts so that hang/slow cases take seconds, and one endpoint that never resolves.
sed -e 's/^  timeout: .*/  timeout: 2s/' -e 's/^  degraded_after: .*/  degraded_after: 1s/' \
    "$work/tb.yaml" >"$work/c.yaml"
cat >>"$work/c.yaml" <<'YAML'
  - id: px
    name: "Unresolvable"
    endpoints:
      - { id: dns, kind: login, url: "http://nonexistent.invalid/" }
YAML
cfg="$work/c.yaml"

fault() { curl -sf -d "$1" "$ctl" >/dev/null || echo "control: $1 failed"; }

# probe_is TARGET STATUS REASON [extra grep]: probes one endpoint and checks the JSON line.
probe_is() {
	out=$("$TW_BIN" probe -c "$cfg" --only "$1" --format json 2>"$work/err")
	rc=$?
	if echo "$out" | grep -q "\"status\":\"$2\"" && echo "$out" | grep -q "\"reason\":\"$3\"" &&
	    { [ -z "${4:-}" ] || echo "$out" | grep -q "$4"; }; then
		ok "$1 ${FAULT:-healthy} -> $2/$3"
	else
		not_ok "$1 ${FAULT:-healthy} -> want $2/$3${4:+ with $4}, got: $out $(cat "$work/err")"
	fi
	case "$2" in up) want=0 ;; degraded) want=1 ;; down) want=2 ;; esac
	[ "$rc" -eq "$want" ] || not_ok "$1: exit code $rc, want $want"
}

# case SERVICE FAULT STATUS REASON [extra]
case_() {
	FAULT="$2"
	fault "p1/$1=$2"
	probe_is "p1/$1" "$3" "$4" "${5:-}"
	fault "p1/$1=ok"
	FAULT=""
}

# The healthy testbed: everything up, exit 0, six results stored.
out=$("$TW_BIN" probe -c "$cfg" --only p1)
rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -q '6 endpoints: 6 up, 0 degraded, 0 down' &&
    ok "healthy testbed: all six endpoints up, exit 0" || not_ok "healthy testbed: rc $rc: $out"
for s in login oidc saml ocsp crl tsa; do probe_is "p1/$s" up ok; done
probe_is p1/ocsp up ok '"nonce":"echoed"'
probe_is p1/login up ok '"tls_days_left":'
probe_is px/dns down dns

case_ login down down connect
case_ login hang down timeout
case_ login slow=1300 degraded slow
case_ login http=503 down http_status
case_ login huge=11 down too_large
case_ login tls_expired down tls
case_ login tls_expiring degraded tls_expiring
case_ login garbage down body_mismatch
case_ oidc garbage down oidc_invalid
case_ saml garbage down saml_invalid
case_ saml expired down saml_invalid
case_ ocsp garbage down malformed
case_ ocsp http=500 down http_status
case_ ocsp bad_signature down signature_invalid
case_ ocsp wrong_signer down untrusted
case_ ocsp stale down stale
case_ ocsp expired down expired
case_ ocsp revoked down status_mismatch
case_ ocsp unknown down status_mismatch
case_ ocsp nonce_wrong down nonce_mismatch
case_ ocsp nonce_missing up ok '"nonce":"absent"'
case_ ocsp clock_skew=3600 down clock_skew
case_ crl garbage down malformed
case_ crl bad_signature down signature_invalid
case_ crl wrong_signer down untrusted
case_ crl stale down stale
case_ crl expired down expired
case_ crl crl_number_regress down regressed
case_ tsa garbage down malformed
case_ tsa tsa_reject down rejected
case_ tsa bad_signature down signature_invalid
case_ tsa wrong_signer down untrusted
case_ tsa nonce_wrong down nonce_mismatch
case_ tsa wrong_policy down policy_mismatch
case_ tsa clock_skew=30 down clock_skew

# ---- node.source_address (SPEC §11): every probe leaves from the node's address, and a
# testbed fault qualified for one client address is seen by that node only.
clients() { curl -sf "${ctl}clients"; }
for n in 2 3; do
	{ cat "$cfg"; printf 'node:\n  id: n%s\n  source_address: 127.0.0.%s\n' "$n" "$n"; } \
	    >"$work/n$n.yaml"
done
if clients | grep -q ' 127\.0\.0\.[23] '; then
	not_ok "before any node probe, no client from 127.0.0.2 or .3: $(clients)"
else ok "before any node probe, no client from 127.0.0.2 or .3"; fi
out=$("$TW_BIN" probe -c "$work/n2.yaml" --only p1)
rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -q '6 endpoints: 6 up, 0 degraded, 0 down' &&
    ok "source_address 127.0.0.2: all six endpoints up" || not_ok "source_address 127.0.0.2: rc $rc: $out"
for s in login oidc saml ocsp crl tsa; do
	clients | grep -q "^p1/$s 127\.0\.0\.2 " && ok "p1/$s saw the probe come from 127.0.0.2" ||
	    not_ok "p1/$s: no request from 127.0.0.2: $(clients)"
done
# OIDC: discovery then JWKS, both from the node's address.
clients | grep -q '^p1/oidc 127\.0\.0\.2 2$' && ok "oidc discovery and JWKS both from 127.0.0.2" ||
    not_ok "oidc: want 2 requests from 127.0.0.2: $(clients)"
clients | grep -q ' 127\.0\.0\.3 ' && not_ok "a 127.0.0.2 node sent from 127.0.0.3: $(clients)"
printf 'p1/ocsp=down@127.0.0.3\np1/login=tls_expired@127.0.0.3\np1/tsa=http=503@127.0.0.3\n' |
    curl -sf --data-binary @- "$ctl" >/dev/null || not_ok "control: qualified faults refused"
probe_n() {	# probe_n NODE TARGET STATUS REASON
	out=$("$TW_BIN" probe -c "$work/n$1.yaml" --only "$2" --format json 2>&1)
	echo "$out" | grep -q "\"status\":\"$3\",\"reason\":\"$4\"" &&
	    ok "node 127.0.0.$1: $2 -> $3/$4" || not_ok "node 127.0.0.$1: $2 want $3/$4, got: $out"
}
probe_n 3 p1/ocsp down connect
probe_n 3 p1/login down tls
probe_n 3 p1/tsa down http_status
probe_n 3 p1/crl up ok
probe_n 2 p1/ocsp up ok
probe_n 2 p1/login up ok
probe_n 2 p1/tsa up ok
probe_is p1/ocsp up ok
curl -sf -d 'ok@127.0.0.3' "$ctl" >/dev/null
probe_n 3 p1/ocsp up ok
probe_n 3 p1/login up ok
# A source address this machine does not have: the node's own problem, said as such.
{ cat "$cfg"; printf 'node:\n  source_address: 192.0.2.10\n'; } >"$work/nx.yaml"
out=$("$TW_BIN" probe -c "$work/nx.yaml" --only p1/ocsp --format json 2>&1)
echo "$out" | grep -q '"reason":"internal","message":"cannot leave from node.source_address' &&
    ok "an address the node cannot bind is reason internal, named" || not_ok "unbindable source: $out"

# A full probe cycle of every kind leaks nothing under valgrind (plain build only: the
# sanitizer build has its own leak checker).
if command -v valgrind >/dev/null 2>&1 && ! echo "$TW_BIN" | grep -q asan; then
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	    "$TW_BIN" probe -c "$cfg" --only p1 >/dev/null 2>"$work/valgrind.log"
	rc=$?
	# Under valgrind probes are slow (degraded is fine); 99 is valgrind's error exit.
	[ "$rc" -le 2 ] && ok "valgrind: a full probe cycle of every kind is clean (rc $rc)" ||
	    not_ok "valgrind: rc $rc: $(cat "$work/valgrind.log")"
fi

# Usage errors are exit 3, and results were stored (the database has them).
"$TW_BIN" probe -c "$cfg" --only nosuch >/dev/null 2>&1; rc=$?
[ "$rc" -eq 3 ] && ok "unknown --only target exits 3" || not_ok "unknown --only: rc $rc"
"$TW_BIN" probe -c "$work/missing.yaml" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 3 ] && ok "missing config exits 3" || not_ok "missing config: rc $rc"
n=$(sqlite3 "$work/state/trustwatch.db" 'SELECT count(*) FROM results' 2>/dev/null || echo 0)
[ "$n" -gt 40 ] && ok "results stored ($n)" || not_ok "results stored: $n"
n=$(sqlite3 "$work/state/trustwatch.db" "SELECT count(*) FROM incidents" 2>/dev/null || echo 0)
echo "# incidents opened: $n"

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
