#!/bin/sh
# Integration (SPEC §14 Conformance): the real binary probes the testbed, the store sums
# each rule's verdicts per endpoint and month, and `report` publishes them in
# conformance.html (en, fr, de), exports/conformance.csv and the methodology. The testbed's
# long_validity (a CRL and an OCSP response valid 14 days), coarse_accuracy (a 3 s TSA) and
# unissued_good faults must appear as violations with their references; healthy checks as
# checks without violations. Needs TW_BIN, TW_TESTBED.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
work=$(mktemp -d /tmp/tw-conf-itest.XXXXXX)
tb_pid=""
cleanup() {
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
pfx=""
ok() { pass=$((pass + 1)); echo "ok - $pfx$*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $pfx$*"; }

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
sed -e 's/^        nonce: true$/        nonce: true\n        crl: crl/' \
    -e 's|^  output: .*|  output: "'"$work"'/site"|' "$work/tb.yaml" >"$work/c.yaml"
awk '{ print } /^  title:/ { print "  languages: [en, fr, de]" }' "$work/c.yaml" >"$work/c2.yaml"
cfg="$work/c2.yaml"
fault() { curl -sf -d "$1" "$ctl" >/dev/null || echo "control: $1 failed"; }
probe() { "$TW_BIN" probe -c "$cfg" --only "$1" >/dev/null 2>"$work/err" ||
    [ $? -le 2 ] || echo "probe $1: $(cat "$work/err")"; }

# check_store: probes, reports into $site and checks what the store summed.
check_store() {
	# Healthy: two checks of each; then one faulty check of each kind.
	for i in 1 2; do probe p1/crl; probe p1/ocsp; probe p1/tsa; done
	fault p1/crl=long_validity=14
	probe p1/crl
	fault p1/crl=ok
	fault p1/ocsp=long_validity=14
	probe p1/ocsp
	fault p1/ocsp=ok
	fault p1/tsa=coarse_accuracy=3
	probe p1/tsa
	fault p1/tsa=ok
	fault p1/ocsp=unissued_good
	probe p1/ocsp
	fault p1/ocsp=ok

	"$TW_BIN" report -c "$cfg" -o "$site" >"$work/report.out" 2>&1 || not_ok "report failed: $(cat "$work/report.out")"
	csv="$site/exports/conformance.csv"
	month=$(date -u +%Y-%m)
	# row RULE: the CSV row of p1's rule this month.
	row() { grep "^$month,p1,$1," "$csv" | tr -d '\r'; }
	want() {
		_n=$1 _rule=$2 _re=$3
		if row "$_rule" | grep -Eq -- "$_re"; then ok "$_n"; else not_ok "$_n: $(row "$_rule") (csv: $(cat "$csv"))"; fi
	}
	[ -s "$csv" ] && head -1 "$csv" | tr -d '\r' | grep -qx \
	    'month,provider,rule,reference,checks,violations,first_violation,last_violation' &&
	    ok "conformance.csv: header as SPEC §14" || not_ok "conformance.csv header: $(head -1 "$csv")"
	want "crl 14 days: crl-validity broken once in 3 checks (BR 4.9.7)" crl-validity \
	    '^[0-9-]+,p1,crl-validity,CA/B Forum BR 4\.9\.7,3,1,[0-9T:-]+Z,[0-9T:-]+Z$'
	want "crl: nextUpdate present in every check" crl-next-update ',3,0,,$'
	want "crl: nextUpdate within the issuer's validity" crl-issuer-validity 'Mozilla Root Store Policy §6,3,0,,$'
	want "ocsp 14 days: ocsp-validity broken once (BR 4.9.10)" ocsp-validity \
	    'CA/B Forum BR 4\.9\.10,4,1,[0-9T:-]+Z,[0-9T:-]+Z$'
	want "ocsp: authorised signer every time" ocsp-authorised-signer ',4,0,,$'
	want "ocsp: nonce echoed every time" ocsp-nonce 'RFC 8954.*,4,0,,$'
	want "ocsp unissued_good: ocsp-unissued broken once (BR 4.9.10)" ocsp-unissued \
	    'CA/B Forum BR 4\.9\.10,4,1,'
	want "ocsp: consistent with the CRL" ocsp-crl-consistency 'ETSI EN 319 411-1,[1-4],0,,$'
	want "tsa 3 s: tsa-accuracy broken once (EN 319 421)" tsa-accuracy \
	    'ETSI EN 319 421,3,1,[0-9T:-]+Z,[0-9T:-]+Z$'
	first=$(row crl-validity | cut -d, -f7); last=$(row crl-validity | cut -d, -f8)
	[ -n "$first" ] && [ "$first" = "$last" ] && ok "one violation: first = last" ||
	    not_ok "first $first last $last"

	for l in en fr de; do
		f="$site/$l/conformance.html"
		[ -s "$f" ] && grep -q 'crl-validity' "$f" && grep -q 'CA/B Forum BR 4.9.7' "$f" &&
		    ok "$l/conformance.html lists the rules with references" ||
		    not_ok "$l/conformance.html missing or without rules"
		grep -q 'href="conformance.html"' "$site/$l/index.html" &&
		    ok "$l/index.html links conformance.html" || not_ok "$l/index.html: no link"
		grep -q 'id="conformance"' "$site/$l/methodology.html" &&
		    grep -q 'ETSI EN 319 421' "$site/$l/methodology.html" &&
		    ok "$l/methodology.html lists each rule with its source" ||
		    not_ok "$l/methodology.html: no rules"
	done
	grep -q 'Konformität' "$site/de/conformance.html" && ok "de: translated heading" ||
	    not_ok "de: heading not translated"
	grep -q 'Conformité' "$site/fr/conformance.html" && ok "fr: translated heading" ||
	    not_ok "fr: heading not translated"
	grep -q '<td class="warn">1</td>' "$site/en/conformance.html" && ok "violations are marked" ||
	    not_ok "no violation row marked"

}

site="$work/site"
check_store
# The same through a PostgreSQL store (tests/support/pg.sh): the sums are the backend's.
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/support/pg.sh"
trap 'pg_stop; cleanup' EXIT INT TERM
PG_ON_EXIT=cleanup	# pg_start installs its own EXIT trap: ours runs in it too
if pg_start && url=$(pg_newdb conformance); then
	awk -v u="$url" '{ print } /^storage:/ { getline; print; print "  url: \"" u "\"" }' \
	    "$work/c2.yaml" >"$work/pg.yaml"
	sed -i 's|^  path: \(.*\)trustwatch.db|  path: \1pg-local.db|' "$work/pg.yaml"
	cfg="$work/pg.yaml" site="$work/site-pg"
	grep -q "url: \"$url\"" "$cfg" && ok "PostgreSQL: the config names the database" ||
	    not_ok "PostgreSQL: no url in $(cat "$cfg")"
	pfx="PostgreSQL: "
	check_store
else
	not_ok "PostgreSQL starts (tests/support/pg.sh)"
fi
echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
