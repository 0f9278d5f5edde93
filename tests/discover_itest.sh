#!/bin/sh
# Integration: `trustwatch discover` (SPEC §13) on the real LU list 66 at 2026-08-05 with the
# signers of LOTL 390's LU pointer: the providers: section it prints names LuxTrust, InCert and
# BE INVEST with the OCSP responder of LuxTrust's CA 4 EC, its certificates land in
# --certs-dir under stable names (a second run prints the same), and `check` accepts it
# wrapped in a minimal config; EE 73's QTST supply points give tsa endpoints. Without signers it refuses; --no-verify prints a warning; a
# wrong signer or a changed byte is refused (exit 2). Needs TW_BIN, TW_FIXTURES, TW_ROOT.
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

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
