#!/bin/sh
# Integration: `trustwatch discover` (SPEC §13) on the real LU list 66 at 2026-08-05 with the
# signers of LOTL 390's LU pointer: the providers: section it prints names LuxTrust, InCert and
# BE INVEST with the OCSP responder of LuxTrust's CA 4 EC, its certificates land in
# --certs-dir under stable names (a second run prints the same), and `check` accepts it
# wrapped in a minimal config; EE 73's QTST supply points give tsa endpoints. Without signers it refuses; --no-verify prints a warning; a
# wrong signer or a changed byte is refused (exit 2). --tl/--lotl: LU 66 with the signers of
# LOTL 390's LU pointer, from files and over HTTP (python3 http.server on 127.0.0.1); 404 and
# a refused connection exit 1 naming the URL; --signers with --lotl exits 3; a list checked
# against another territory's pointer, a territory without a pointer, a LOTL with wrong
# --lotl-signers or a changed byte exit 2. Needs TW_BIN, TW_FIXTURES, TW_ROOT; python3.
set -u
: "${TW_BIN:?}" "${TW_FIXTURES:?}" "${TW_ROOT:?}"
work=$(mktemp -d /tmp/tw-discover-itest.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

lu="$TW_FIXTURES/tl/lu-tl-seq66-2026-05-20.xml"
signers="$TW_ROOT/examples/certs/lu-tl-signers-lotl390.pem"
disc() { "$TW_BIN" discover --at 2026-08-05 "$@"; }

if disc --signers "$signers" --certs-dir "$work/certs" "$lu" >"$work/p.yaml" 2>"$work/p.err"; then
	ok "discover LU 66 verifies and prints"
else
	not_ok "discover LU 66: exit $? $(cat "$work/p.err")"
fi
for want in "name: \"LuxTrust" "name: \"InCert\"" "name: \"BE INVEST" \
    "url: http://8.qca4.ocsp.luxtrust.lu" "kind: tl" "url: https://trusted-list.lu/tsl.xml" \
    "# not granted: BE INVEST TIMESTAMP UNIT Q 1 (TSA/QTST, withdrawn)"; do
	grep -qF "$want" "$work/p.yaml" && ok "output has: $want" || not_ok "output lacks: $want"
done
# The 8.qca4 responder is a real endpoint (not a comment) with its issuer and certificate saved.
awk '/url: http:\/\/8.qca4.ocsp.luxtrust.lu/ { f = 1; next } f { print; if (++n == 2) exit }' \
    "$work/p.yaml" >"$work/qca4"
iss=$(sed -n 's/^ *issuer: //p' "$work/qca4")
crt=$(sed -n 's/^ *certificate: //p' "$work/qca4")
if [ -n "$iss" ] && [ -n "$crt" ] && openssl x509 -in "$iss" -noout -subject 2>/dev/null |
    grep -q "LuxTrust Global Qualified CA 4 EC" && openssl x509 -in "$crt" -noout >/dev/null 2>&1; then
	ok "8.qca4 OCSP endpoint names CA 4 EC as issuer, saved as PEM"
else
	not_ok "8.qca4 OCSP endpoint: $(cat "$work/qca4")"
fi
grep -q "^ *- id: ocsp-8-qca4" "$work/p.yaml" && ok "8.qca4 endpoint is not commented out" ||
	not_ok "8.qca4 endpoint commented out"

{ printf 'storage:\n  path: t.db\n'; cat "$work/p.yaml"; } >"$work/config.yaml"
if "$TW_BIN" check -c "$work/config.yaml" >"$work/check.out" 2>&1; then
	ok "check accepts the discovered providers"
else
	not_ok "check: $(cat "$work/check.out")"
fi

disc --signers "$signers" --certs-dir "$work/certs" "$lu" >"$work/p2.yaml" 2>/dev/null
cmp -s "$work/p.yaml" "$work/p2.yaml" && ok "a second run prints the same (stable names)" ||
	not_ok "a second run differs: $(diff "$work/p.yaml" "$work/p2.yaml" | head -5)"

disc "$lu" >"$work/n.out" 2>"$work/n.err"; rc=$?
[ "$rc" -eq 3 ] && [ ! -s "$work/n.out" ] && ok "no --signers: refused (exit 3)" ||
	not_ok "no --signers: exit $rc"

disc --no-verify "$lu" >"$work/nv.out" 2>&1; rc=$?
[ "$rc" -eq 0 ] && grep -q "WARNING: --no-verify" "$work/nv.out" &&
    ok "--no-verify prints with a warning" || not_ok "--no-verify: exit $rc"

disc --signers "$TW_FIXTURES/tl/lotl390-eu-pointer-certs.pem" "$lu" >"$work/w.out" 2>"$work/w.err"
rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$work/w.out" ] && ok "a wrong signer: refused (exit 2)" ||
	not_ok "wrong signer: exit $rc"

# One byte changed inside a provider's name.
sed 's/InCert</InCerT</' "$lu" >"$work/bad.xml"
cmp -s "$lu" "$work/bad.xml" && not_ok "tamper: sed changed nothing"
disc --signers "$signers" "$work/bad.xml" >"$work/b.out" 2>"$work/b.err"; rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$work/b.out" ] && ok "a changed byte: refused (exit 2)" ||
	not_ok "changed byte: exit $rc"

# A name with line breaks (an unverified list may say anything) stays inside its comment.
sed 's|>InCert</Name>|>InCert\&#10;  - id: injected\&#10;    name: x</Name>|' "$lu" >"$work/inj.xml"
disc --no-verify --certs-dir "$work/inj" "$work/inj.xml" >"$work/inj.yaml" 2>/dev/null
if grep -q "injected" "$work/inj.yaml" && ! grep -q "^ *- id: injected" "$work/inj.yaml"; then
	ok "line breaks in a name cannot add YAML"
else
	not_ok "injection: $(grep -n injected "$work/inj.yaml")"
fi

# EE 73 (--no-verify: its signers are not pinned here) gives TSA endpoints from supply points.
disc --no-verify --certs-dir "$work/ee" "$TW_FIXTURES/tl/ee-tl-seq73-2026-05-20.xml" \
    >"$work/ee.yaml" 2>/dev/null
grep -A2 "^ *- id: tsa\$" "$work/ee.yaml" | grep -q "url: http://tsa.sk.ee\$" &&
    ok "EE 73: a tsa endpoint from a QTST supply point" || not_ok "EE 73: no tsa endpoint"
{ printf 'storage:\n  path: t.db\n'; cat "$work/ee.yaml"; } >"$work/ee-config.yaml"
"$TW_BIN" check -c "$work/ee-config.yaml" >"$work/ee-check.out" 2>&1 &&
    ok "check accepts EE 73's providers" || not_ok "check EE: $(cat "$work/ee-check.out")"

# --tl and --lotl (SPEC §13): the LU list's signers from LOTL 390's LU pointer, from files and
# over HTTP (python's http.server on 127.0.0.1), the LOTL verified with --lotl-signers or,
# without it, only against its own EU pointer under a loud warning.
lotl="$TW_FIXTURES/tl/eu-lotl-seq390-2026-08-03.xml"
lotl_signers="$TW_FIXTURES/tl/lotl390-eu-pointer-certs.pem"
has_lu() {
	for want in "name: \"LuxTrust" "name: \"InCert\"" "name: \"BE INVEST" \
	    "url: http://8.qca4.ocsp.luxtrust.lu"; do
		grep -qF "$want" "$1" || { echo "lacks: $want"; return 1; }
	done
}
if disc --tl "$lu" --lotl "$lotl" --lotl-signers "$lotl_signers" >"$work/l.yaml" 2>"$work/l.err" &&
    has_lu "$work/l.yaml" && grep -q "LU pointer of the LOTL" "$work/l.yaml" &&
    ! grep -q WARNING "$work/l.err"; then
	ok "--tl LU 66 --lotl LOTL 390 --lotl-signers: verifies, LuxTrust, InCert, BE INVEST, 8.qca4"
else
	not_ok "--tl --lotl --lotl-signers: $(cat "$work/l.err") $(has_lu "$work/l.yaml")"
fi
if disc --tl "$lu" --lotl "$lotl" >"$work/l2.yaml" 2>"$work/l2.err" && has_lu "$work/l2.yaml" &&
    grep -q "WARNING: no --lotl-signers" "$work/l2.err" &&
    grep -q "WARNING: no --lotl-signers" "$work/l2.yaml"; then
	ok "--lotl without --lotl-signers: prints, warning on stderr and in the YAML"
else
	not_ok "--lotl without --lotl-signers: $(cat "$work/l2.err")"
fi
disc --lotl "$lotl" "$lu" >"$work/l3.yaml" 2>/dev/null && has_lu "$work/l3.yaml" >/dev/null &&
    ok "positional LIST with --lotl (alias of --tl)" || not_ok "positional LIST with --lotl"
disc --tl "$lu" --lotl "$lotl" --lotl-signers "$lotl_signers" --certs-dir "$work/lc" \
    >"$work/lc.yaml" 2>/dev/null
sp=$(sed -n 's/^ *signers: //p' "$work/lc.yaml")
[ -n "$sp" ] && [ -s "$sp" ] && openssl x509 -in "$sp" -noout -subject 2>/dev/null | grep -q . &&
    ok "--lotl --certs-dir: the tl endpoint names the LU pointer's certificates ($sp)" ||
    not_ok "--lotl --certs-dir: signers '$sp'"

# Over HTTP.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
	deadline=$(( $(date +%s) + 20 ))
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), timeout=1)" 2>/dev/null; do
		[ "$(date +%s)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}
mkdir "$work/www"
cp "$lu" "$work/www/lu.xml"
cp "$lotl" "$work/www/lotl.xml"
hport=$(free_port)
python3 -m http.server "$hport" --bind 127.0.0.1 --directory "$work/www" >"$work/http.log" 2>&1 &
hs_pid=$!
trap 'kill "$hs_pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
if wait_port "$hport"; then
	base="http://127.0.0.1:$hport"
	if disc --tl "$base/lu.xml" --lotl "$base/lotl.xml" --lotl-signers "$lotl_signers" \
	    >"$work/h.yaml" 2>"$work/h.err" && has_lu "$work/h.yaml"; then
		ok "--tl URL --lotl URL over HTTP: verifies and prints"
	else
		not_ok "--tl URL --lotl URL: $(cat "$work/h.err")"
	fi
	disc --tl "$base/missing.xml" --lotl "$base/lotl.xml" >"$work/m.out" 2>"$work/m.err"; rc=$?
	[ "$rc" -eq 1 ] && [ ! -s "$work/m.out" ] &&
	    grep -qF -- "--tl $base/missing.xml: HTTP status 404" "$work/m.err" &&
	    ok "a URL that 404s: exit 1, the URL and the status named" ||
	    not_ok "404: exit $rc $(cat "$work/m.err")"
	disc --tl "$base/lu.xml" --lotl "$base/nolotl.xml" >"$work/m2.out" 2>"$work/m2.err"; rc=$?
	[ "$rc" -eq 1 ] && grep -qF -- "--lotl $base/nolotl.xml: HTTP status 404" "$work/m2.err" &&
	    ok "a LOTL URL that 404s: exit 1" || not_ok "LOTL 404: exit $rc $(cat "$work/m2.err")"
else
	not_ok "http.server did not start: $(cat "$work/http.log")"
fi
cport=$(free_port)	# nothing listens there
disc --tl "http://127.0.0.1:$cport/lu.xml" --signers "$signers" >"$work/r.out" 2>"$work/r.err"; rc=$?
[ "$rc" -eq 1 ] && grep -qF "http://127.0.0.1:$cport/lu.xml" "$work/r.err" &&
    grep -qi "connect" "$work/r.err" && ok "a host that refuses: exit 1, the URL named" ||
    not_ok "refused: exit $rc $(cat "$work/r.err")"
disc --tl "ftp://127.0.0.1/lu.xml" --signers "$signers" >/dev/null 2>"$work/f.err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "only a file or an http(s) URL" "$work/f.err" &&
    ok "another scheme: exit 1" || not_ok "ftp: exit $rc $(cat "$work/f.err")"

# Usage errors.
disc --tl "$lu" --signers "$signers" --lotl "$lotl" >"$work/u.out" 2>"$work/u.err"; rc=$?
[ "$rc" -eq 3 ] && [ ! -s "$work/u.out" ] && grep -q "exclude each other" "$work/u.err" &&
    ok "--signers with --lotl: exit 3" || not_ok "--signers with --lotl: exit $rc"
disc --tl "$lu" --lotl-signers "$lotl_signers" --signers "$signers" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 3 ] && ok "--lotl-signers without --lotl: exit 3" || not_ok "--lotl-signers alone: exit $rc"
disc --tl "$lu" --signers "$signers" "$lu" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 3 ] && ok "--tl and a positional LIST: exit 3" || not_ok "--tl and LIST: exit $rc"

# The LOTL's pointer for the list's territory has other certificates: LU 66 claiming to be
# EE is checked against the EE pointer (the LOTL itself verifies) and refused.
sed 's|<SchemeTerritory>LU<|<SchemeTerritory>EE<|' "$lu" >"$work/lu-as-ee.xml"
cmp -s "$lu" "$work/lu-as-ee.xml" && not_ok "territory: sed changed nothing"
disc --tl "$work/lu-as-ee.xml" --lotl "$lotl" --lotl-signers "$lotl_signers" \
    >"$work/e.out" 2>"$work/e.err"; rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$work/e.out" ] && grep -qF "$work/lu-as-ee.xml does not verify" "$work/e.err" &&
    ! grep -qF -- "--lotl" "$work/e.err" && ok "LU list under the EE pointer: refused (exit 2)" ||
    not_ok "LU as EE: exit $rc $(cat "$work/e.err")"
sed 's|<SchemeTerritory>LU<|<SchemeTerritory>XX<|' "$lu" >"$work/lu-as-xx.xml"
disc --tl "$work/lu-as-xx.xml" --lotl "$lotl" --lotl-signers "$lotl_signers" \
    >"$work/x.out" 2>"$work/x.err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "no XML pointer with certificates for territory XX" "$work/x.err" &&
    ok "a territory the LOTL has no pointer for: exit 2" || not_ok "territory XX: exit $rc $(cat "$work/x.err")"
# The LOTL does not verify: its pinned signers are someone else's, or a byte changed in it.
disc --tl "$lu" --lotl "$lotl" --lotl-signers "$signers" >"$work/o.out" 2>"$work/o.err"; rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$work/o.out" ] && grep -qF -- "--lotl $lotl does not verify" "$work/o.err" &&
    ok "a LOTL not signed by --lotl-signers: exit 2" || not_ok "LOTL wrong signers: exit $rc"
sed '0,/<SchemeTerritory>LU</s|<SchemeTerritory>LU<|<SchemeTerritory>LV<|' "$lotl" >"$work/lotl-bad.xml"
cmp -s "$lotl" "$work/lotl-bad.xml" && not_ok "LOTL tamper: sed changed nothing"
for ls in "" "$lotl_signers"; do
	disc --tl "$lu" --lotl "$work/lotl-bad.xml" ${ls:+--lotl-signers "$ls"} >"$work/t.out" \
	    2>"$work/t.err"; rc=$?
	[ "$rc" -eq 2 ] && [ ! -s "$work/t.out" ] && grep -q "does not verify" "$work/t.err" &&
	    ok "a changed byte in the LOTL (${ls:+with}${ls:-without} --lotl-signers): exit 2" ||
	    not_ok "LOTL tamper: exit $rc $(cat "$work/t.err")"
done

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
