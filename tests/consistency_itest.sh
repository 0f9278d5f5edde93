#!/bin/sh
# Integration (SPEC §14 Consistency): an ocsp endpoint with `crl: crl` asks the testbed's
# responder about the revoked serials of the crl endpoint's last verified CRL and about one
# never-issued serial, through the real binary. The testbed's crl_disagree fault (good for the
# CRL's revoked serial, or revoked at another time) must give down/inconsistent, its
# unissued_good fault down/unissued_good; config errors are positioned. Needs TW_BIN, TW_TESTBED.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
work=$(mktemp -d /tmp/tw-consist-itest.XXXXXX)
tb_pid=""
cleanup() {
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

"$TW_TESTBED" --state "$work/state" --providers 2 --write-config "$work/tb.yaml" \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start:"; cat "$work/testbed.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
ctl=$(cat "$work/state/control.url")
# Every ocsp endpoint watches its provider's crl endpoint; a 1 s degraded_after shows that
# the extra questions are not counted in the endpoint's latency.
sed -e 's/^  timeout: .*/  timeout: 3s/' -e 's/^  degraded_after: .*/  degraded_after: 1s/' \
    -e 's/^        nonce: true$/        nonce: true\n        crl: crl/' \
    "$work/tb.yaml" >"$work/c.yaml"
cfg="$work/c.yaml"
fault() { curl -sf -d "$1" "$ctl" >/dev/null || echo "control: $1 failed"; }

# probe_is NAME TARGET STATUS REASON [grep...]: probes one endpoint, checks the JSON line.
probe_is() {
	_n=$1 _t=$2 _s=$3 _r=$4; shift 4
	out=$("$TW_BIN" probe -c "$cfg" --only "$_t" --format json 2>"$work/err")
	good=1
	echo "$out" | grep -q "\"status\":\"$_s\"" || good=0
	echo "$out" | grep -q "\"reason\":\"$_r\"" || good=0
	for g in "$@"; do echo "$out" | grep -q -- "$g" || good=0; done
	if [ $good -eq 1 ]; then ok "$_n"; else not_ok "$_n: want $_s/$_r $*, got: $out $(cat "$work/err")"; fi
}

grep -q '^        crl: crl$' "$cfg" && ok "config: ocsp endpoints name crl: crl" ||
    not_ok "config: sed did not add crl: crl"
"$TW_BIN" check -c "$cfg" >"$work/check.out" 2>&1 && ok "check accepts crl: crl" ||
    not_ok "check refuses crl: crl: $(cat "$work/check.out")"

# No CRL stored yet: only the never-issued serial is asked about.
probe_is "no CRL seen yet: up, 0 revoked serials checked, unissued serial unknown" \
    p1/ocsp up ok '"consistency_checked":0' '"unissued_status":"unknown"' '"consistency_crl":"crl"'
probe_is "crl probed: its verified CRL is remembered" p1/crl up ok
probe_is "healthy: the CRL's revoked serial is revoked at the same time over OCSP" \
    p1/ocsp up ok '"consistency_checked":1' '"consistency_mismatches":0' \
    '"unissued_status":"unknown"'

fault p1/ocsp=crl_disagree
probe_is "crl_disagree: OCSP good for a serial the CRL revoked -> down/inconsistent" \
    p1/ocsp down inconsistent 'says good for serial' 'EN 319 411-1' '"consistency_mismatches":1'
fault p1/ocsp=crl_disagree=3600
probe_is "crl_disagree=3600: another revocation time -> down/inconsistent" \
    p1/ocsp down inconsistent 'was revoked on' '"consistency_mismatches":1'
fault p1/ocsp=ok
fault p1/ocsp=unissued_good
probe_is "unissued_good: good for a never-issued serial -> down/unissued_good" \
    p1/ocsp down unissued_good 'never issued' 'BR 4.9.10' '"unissued_status":"good"'
fault p1/ocsp=ok
# Each answer is verified like the main one: a wrong nonce on the questions is caught too.
fault p1/ocsp=slow=600
probe_is "slow=600 with three requests: the questions are not counted (up, not slow)" \
    p1/ocsp up ok '"consistency_checked":1'
fault p1/ocsp=ok
fault p1/ocsp=nonce_wrong
probe_is "nonce_wrong: the main answer is judged first (down/nonce_mismatch)" \
    p1/ocsp down nonce_mismatch
fault p1/ocsp=ok
# The other provider's crl endpoint has its own memory: p2 has none yet.
probe_is "p2: its own crl endpoint, none stored" p2/ocsp up ok '"consistency_checked":0'

# Config errors, each at the line and column of the crl: value.
bad() {
	_n=$1 _re=$2 _sed=$3
	sed -e "$_sed" "$cfg" >"$work/bad.yaml"
	out=$("$TW_BIN" check -c "$work/bad.yaml" 2>&1); rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -Eq -- "$_re"; then ok "$_n"
	else not_ok "$_n: rc $rc: $out"; fi
}
line=$(grep -n '^        crl: crl$' "$cfg" | head -1 | cut -d: -f1)
bad "crl: naming no endpoint is refused at its place" \
    "bad.yaml:$line:[0-9]+:.*crl: no endpoint 'nope' in provider p1" "${line}s/crl: crl/crl: nope/"
bad "crl: naming a tsa endpoint is refused" \
    "bad.yaml:$line:[0-9]+:.*endpoint 'tsa' is of kind tsa, expected crl" "${line}s/crl: crl/crl: tsa/"
bad "sample without crl is refused" "'sample' needs 'crl'" "${line}s/crl: crl/sample: 3/"
bad "sample above 16 is refused" "sample" "${line}s/crl: crl/crl: crl\n        sample: 99/"

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
