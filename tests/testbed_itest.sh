#!/bin/sh
# Proof that trustwatch-testbed is honest: independent clients (OpenSSL's CLI, curl) accept
# every healthy answer, and every fault switch is visible to them; with --keys rsa2048 too.
# Env: TW_TESTBED (testbed binary), TW_BIN (trustwatch, for the rsa2048 probe), TW_ROOT (repo
# root). Prints "# pass N" / "# fail N".
set -u
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TB=${TW_TESTBED:-$ROOT/build/trustwatch-testbed}
TWB=${TW_BIN:-$ROOT/build/trustwatch}
pass=0 fail=0 pid=
tmp=$(mktemp -d /tmp/tw-testbed-itest.XXXXXX)
S=$tmp/state P=$tmp/state/pki CFG=$tmp/config.yaml

cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; printf '%s\n' "${2:-}" | head -15 | sed 's/^/     | /'; }

# expect NAME REGEX CMD...: CMD's output (stdout+stderr) must match REGEX.
expect() {
	_n=$1 _re=$2; shift 2
	_out=$("$@" 2>&1)
	if printf '%s\n' "$_out" | grep -Eq -- "$_re"; then ok "$_n"; else ko "$_n" "$_out"; fi
}
# refute NAME REGEX CMD...: CMD's output must not match REGEX.
refute() {
	_n=$1 _re=$2; shift 2
	_out=$("$@" 2>&1)
	if printf '%s\n' "$_out" | grep -Eq -- "$_re"; then ko "$_n" "$_out"; else ok "$_n"; fi
}
# truth NAME CMD...: CMD must succeed.
truth() {
	_n=$1; shift
	if _out=$("$@" 2>&1); then ok "$_n"; else ko "$_n" "$_out"; fi
}

# Polls (every 50 ms, up to $2 s) until the shell condition $1 holds.
wait_for() {
	_end=$(($(date +%s) + $2))
	while ! eval "$1"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
}

start_testbed() {
	rm -f "$CFG"
	"$TB" --state "$S" --write-config "$CFG" "$@" 2>>"$tmp/testbed.log" &
	pid=$!
	if ! wait_for "[ -f '$CFG' ] || ! kill -0 $pid 2>/dev/null" 30 || [ ! -f "$CFG" ]; then
		echo "testbed did not write $CFG"; cat "$tmp/testbed.log"; exit 1
	fi
	CTL=$(cat "$S/control.url")
}

stop_testbed() {
	kill -TERM "$pid"
	wait "$pid"
	_rc=$?
	pid=
	return $_rc
}

# url PROVIDER ENDPOINT: the endpoint's URL from the written config.
url() {
	awk -v p="$1" -v e="$2" '
		$0 ~ "^  - id: " { inp = ($3 == p) }
		inp && $0 ~ "^      - id: " { ine = ($3 == e) }
		inp && ine && $1 == "url:" { print $2; exit }' "$CFG"
}

fault() { curl -sS -d "$1" "$CTL" >/dev/null; }
heal() { curl -sS -d "$1=ok" "$CTL" >/dev/null; }
epoch() { date -d "$1" +%s; }

start_testbed --providers 2 --crl-every 2
expect "starts in under a second" 'up in [0-9]{1,3} ms' cat "$tmp/testbed.log"
OCSP=$(url p1 ocsp) CRL=$(url p1 crl) TSA=$(url p1 tsa)
LOGIN=$(url p1 login) OIDC=$(url p1 oidc) SAML=$(url p1 saml)
CA="--cacert $P/root-ca.pem"
truth "config names every endpoint of p1 and p2" test -n "$OCSP" -a -n "$CRL" -a -n "$TSA" \
    -a -n "$LOGIN" -a -n "$OIDC" -a -n "$SAML" -a -n "$(url p2 tsa)"
truth "config uses absolute certificate paths" grep -q "issuer: \"$P/issuing-ca.pem\"" "$CFG"
# keytype FILE: "EC P-256", "RSA 2048" or what else the PEM certificate's key is.
keytype() {
	_t=$(openssl x509 -in "$1" -noout -text)
	if printf '%s\n' "$_t" | grep -q 'ASN1 OID: prime256v1'; then echo "EC P-256"
	elif printf '%s\n' "$_t" | grep -q 'Public Key Algorithm: rsaEncryption' &&
	    printf '%s\n' "$_t" | grep -q 'Public-Key: (2048 bit)'; then echo "RSA 2048"
	else printf '%s\n' "$_t" | grep -E 'Public Key Algorithm|Public-Key|ASN1 OID' | tr -s ' '; fi
}
# allkeys DIR: key types and signature algorithms of every certificate and key in DIR.
allkeys() {
	for _f in "$1"/*.pem; do
		keytype "$_f"
		openssl x509 -in "$_f" -noout -text | sed -n 's/^ *Signature Algorithm: //p'
	done
	for _f in "$1"/*.key; do openssl pkey -in "$_f" -noout -text | head -1 | tr -s ' '; done
}
k=$(allkeys "$P" | LC_ALL=C sort -u | tr '\n' ' ')
expect "default keys: every certificate and key is EC P-256, signed ecdsa-with-SHA256" \
    '^EC P-256 Private-Key: \(256 bit\) ecdsa-with-SHA256 $' echo "$k"

# ---- OCSP -------------------------------------------------------------------------------
ocsp() { openssl ocsp -issuer "$P/issuing-ca.pem" -cert "$P/$1.pem" -url "${2:-$OCSP}" \
    -CAfile "$P/root-ca.pem" ${3:-}; }
expect "ocsp: good leaf is good, response verifies" 'Response verify OK' ocsp good
expect "ocsp: good leaf says good" 'good.pem: good' ocsp good
expect "ocsp: revoked leaf says revoked" 'revoked.pem: revoked' ocsp revoked
expect "ocsp: nonce echoed (no warning)" '^Response verify OK' ocsp good
refute "ocsp: nonce present" 'WARNING: no nonce' ocsp good
expect "ocsp: second provider answers too" 'good.pem: good' ocsp good "$(url p2 ocsp)"
openssl ocsp -issuer "$P/issuing-ca.pem" -cert "$P/good.pem" -no_nonce -reqout "$tmp/req.der" \
    >/dev/null 2>&1
b64=$(openssl base64 -A <"$tmp/req.der" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')
curl -sS -o "$tmp/get.der" "$OCSP$b64"
expect "ocsp: GET request answered and verifies" 'Response verify OK' openssl ocsp \
    -respin "$tmp/get.der" -issuer "$P/issuing-ca.pem" -cert "$P/good.pem" \
    -CAfile "$P/root-ca.pem"
truth "ocsp: responder cert has OCSPSigning and ocsp-nocheck" sh -c \
    "openssl x509 -in '$P/ocsp-responder.pem' -noout -text | grep -q 'OCSP Signing' &&
     openssl x509 -in '$P/ocsp-responder.pem' -noout -text | grep -q 'OCSP No Check'"

fault p1/ocsp=wrong_signer
expect "ocsp wrong_signer: verify fails" 'Response Verify Failure' ocsp good
fault p1/ocsp=ok
fault p1/ocsp=bad_signature
expect "ocsp bad_signature: verify fails" 'Response Verify Failure' ocsp good
heal p1/ocsp
fault p1/ocsp=revoked
expect "ocsp revoked: good leaf reported revoked" 'good.pem: revoked' ocsp good
heal p1/ocsp
fault p1/ocsp=unknown
expect "ocsp unknown: good leaf reported unknown" 'good.pem: unknown' ocsp good
heal p1/ocsp
fault p1/ocsp=nonce_wrong
expect "ocsp nonce_wrong: nonce mismatch" 'Nonce Verify error' ocsp good
heal p1/ocsp
fault p1/ocsp=nonce_missing
expect "ocsp nonce_missing: nonce absent" 'WARNING: no nonce in response' ocsp good
heal p1/ocsp
fault p1/ocsp=stale
expect "ocsp stale: thisUpdate older than a day" 'status too old' ocsp good \
    "$OCSP" "-status_age 86400"
heal p1/ocsp
fault p1/ocsp=expired
expect "ocsp expired: nextUpdate past" 'status expired' ocsp good
heal p1/ocsp
fault p1/ocsp=clock_skew=3600
expect "ocsp clock_skew: thisUpdate in the future" 'status not yet valid' ocsp good
heal p1/ocsp
# CRL <-> OCSP consistency: the CRL lists revoked.pem; crl_disagree makes OCSP say otherwise.
crlrev() { curl -sS "$CRL" | openssl crl -inform DER -noout -text |
    sed -n '/Revocation Date/{s/.*Date: //p;q}'; }
ocsprev() { ocsp revoked | sed -n 's/.*Revocation Time: //p'; }
[ "$(epoch "$(crlrev)")" = "$(epoch "$(ocsprev)")" ] &&
    ok "ocsp: revocation time equals the CRL's" || ko "ocsp: revocation time equals the CRL's"     "CRL $(crlrev), OCSP $(ocsprev)"
fault p1/ocsp=crl_disagree
expect "ocsp crl_disagree: the leaf the CRL lists revoked says good" 'revoked.pem: good'     ocsp revoked
expect "ocsp crl_disagree: answer still verifies" 'Response verify OK' ocsp revoked
fault p1/ocsp=crl_disagree=3600
expect "ocsp crl_disagree=3600: still revoked" 'revoked.pem: revoked' ocsp revoked
[ $(($(epoch "$(ocsprev)") - $(epoch "$(crlrev)"))) -eq 3600 ] &&
    ok "ocsp crl_disagree=3600: revocation time an hour after the CRL's" ||
    ko "ocsp crl_disagree=3600: revocation time an hour after the CRL's"     "CRL $(crlrev), OCSP $(ocsprev)"
heal p1/ocsp
unissued() { openssl ocsp -issuer "$P/issuing-ca.pem" -serial 0x7477756e0102030405060708090a0b0c0d0e0f10 \
    -url "$OCSP" -CAfile "$P/root-ca.pem"; }
expect "ocsp: a never-issued serial is unknown" ': unknown' unissued
fault p1/ocsp=unissued_good
expect "ocsp unissued_good: a never-issued serial says good" ': good' unissued
expect "ocsp unissued_good: answer verifies" 'Response verify OK' unissued
heal p1/ocsp
fault p1/ocsp=long_validity
ocsp good >"$tmp/lv.txt" 2>&1	# one answer: both times from the same response
nu=$(sed -n 's/.*Next Update: //p' "$tmp/lv.txt")
tu=$(sed -n 's/.*This Update: //p' "$tmp/lv.txt")
[ $(($(epoch "$nu") - $(epoch "$tu"))) -eq $((14 * 86400)) ] &&
    ok "ocsp long_validity: nextUpdate 14 days after thisUpdate" ||
    ko "ocsp long_validity: nextUpdate 14 days after thisUpdate" "$tu -> $nu"
heal p1/ocsp

# ---- generic faults, seen through the OCSP service --------------------------------------
code() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }
fault p1/ocsp=down
curl -sS -o /dev/null "$OCSP" 2>/dev/null
rc=$?
[ $rc -eq 7 ] && ok "down: connection refused" || ko "down: connection refused" "curl rc $rc"
expect "down: listed by the control endpoint" '^p1/ocsp=down$' curl -sS "$CTL"
heal p1/ocsp
expect "down healed: same port answers again" 'good.pem: good' ocsp good
fault p1/ocsp=hang
curl -sS -m 1 -o /dev/null "$OCSP" 2>/dev/null
rc=$?
[ $rc -eq 28 ] && ok "hang: client times out" || ko "hang: client times out" "curl rc $rc"
heal p1/ocsp
fault p1/ocsp=slow=1200
t=$(curl -sS -o /dev/null -w '%{time_total}' "$OCSP")
expect "slow=1200: answer takes about 1.2 s" '^(1\.(1[5-9]|[2-9])|[2-9])' echo "$t"
heal p1/ocsp
fault p1/ocsp=http=503
expect "http=503: status 503" '^503$' code "$OCSP"
heal p1/ocsp
fault p1/ocsp=garbage
curl -sS -o "$tmp/garbage.der" "$OCSP"
expect "garbage: not an OCSP response" 'Error reading OCSP response|error|Error' openssl ocsp \
    -respin "$tmp/garbage.der" -issuer "$P/issuing-ca.pem" -cert "$P/good.pem" -CAfile "$P/root-ca.pem"
heal p1/ocsp
fault p1/ocsp=huge=2
expect "huge=2: a 2 MiB body" '^2097152$' curl -sS -o /dev/null -w '%{size_download}' "$OCSP"
heal p1/ocsp
fault p1/ocsp=stale
fault p1/tsa=wrong_policy
expect "control lists every fault, one per line" '^p1/ocsp=stale$' curl -sS "$CTL"
expect "control lists every fault, one per line (2)" '^p1/tsa=wrong_policy$' curl -sS "$CTL"
fault ok
expect "control: 'ok' heals everything" '^$' curl -sS "$CTL"
expect "control: unknown fault rejected with 400" '^400$' code -d p1/ocsp=nonsense "$CTL"
expect "control: inapplicable fault rejected" 'does not apply' curl -sS -d p1/login=tsa_reject "$CTL"

# ---- CRL --------------------------------------------------------------------------------
crl() { curl -sS -o "$tmp/x.crl" "${1:-$CRL}" && openssl crl -inform DER -in "$tmp/x.crl" \
    -CAfile "$P/issuing-ca.pem" -verify -noout ${2:-}; }
crlnum() { printf '%d' "$(curl -sS "$CRL" | openssl crl -inform DER -noout -crlnumber |
    sed 's/.*=//')"; }
expect "crl: DER verifies" 'verify OK' crl
rserial=$(openssl x509 -in "$P/revoked.pem" -noout -serial | sed 's/.*=//')
expect "crl: lists the revoked leaf" "Serial Number: $rserial" crl "$CRL" -text
expect "crl: PEM at /x.pem verifies" 'verify OK' sh -c "curl -sS '${CRL%.crl}.pem' |
    openssl crl -CAfile '$P/issuing-ca.pem' -verify -noout"
n1=$(crlnum)
if wait_for '[ "$(crlnum)" -gt "$n1" ]' 10; then ok "crl: re-issued with a higher number"
else ko "crl: re-issued with a higher number" "stuck at $n1"; fi
fault p1/crl=expired
nu=$(curl -sS "$CRL" | openssl crl -inform DER -noout -nextupdate | sed 's/.*=//')
[ "$(epoch "$nu")" -lt "$(date +%s)" ] && ok "crl expired: nextUpdate past" ||
    ko "crl expired: nextUpdate past" "$nu"
heal p1/crl
fault p1/crl=stale
lu=$(curl -sS "$CRL" | openssl crl -inform DER -noout -lastupdate | sed 's/.*=//')
[ "$(epoch "$lu")" -lt $(($(date +%s) - 20 * 86400)) ] && ok "crl stale: thisUpdate 30 days old" ||
    ko "crl stale: thisUpdate 30 days old" "$lu"
heal p1/crl
fault p1/crl=bad_signature
expect "crl bad_signature: verify fails" 'verify failure' crl
heal p1/crl
fault p1/crl=wrong_signer
expect "crl wrong_signer: not from our issuer" 'Rogue' sh -c "curl -sS '$CRL' |
    openssl crl -inform DER -noout -issuer"
refute "crl wrong_signer: does not verify" 'verify OK' crl
heal p1/crl
n1=$(crlnum)
fault p1/crl=crl_number_regress
n2=$(crlnum)
[ "$n2" -lt "$n1" ] && ok "crl crl_number_regress: number goes down" ||
    ko "crl crl_number_regress: number goes down" "$n1 -> $n2"
heal p1/crl
fault p1/crl=long_validity=14
curl -sS -o "$tmp/lv.crl" "$CRL"	# one CRL: it is re-issued every 2 s
lu=$(openssl crl -inform DER -in "$tmp/lv.crl" -noout -lastupdate | sed 's/.*=//')
nu=$(openssl crl -inform DER -in "$tmp/lv.crl" -noout -nextupdate | sed 's/.*=//')
[ $(($(epoch "$nu") - $(epoch "$lu"))) -eq $((14 * 86400)) ] &&
    ok "crl long_validity=14: nextUpdate 14 days after thisUpdate" ||
    ko "crl long_validity=14: nextUpdate 14 days after thisUpdate" "$lu -> $nu"
expect "crl long_validity: still verifies" 'verify OK' crl
heal p1/crl

# ---- TSA --------------------------------------------------------------------------------
echo "trustwatch testbed" >"$tmp/data"
openssl ts -query -data "$tmp/data" -sha256 -cert -out "$tmp/q.tsq" 2>/dev/null
tsa() { curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @"$tmp/q.tsq" \
    -o "$tmp/r.tsr" "$TSA"; }
tsverify() { tsa && openssl ts -verify -in "$tmp/r.tsr" -queryfile "$tmp/q.tsq" \
    -CAfile "$P/root-ca.pem"; }
tstext() { tsa && openssl ts -reply -in "$tmp/r.tsr" -text; }
expect "tsa: token verifies (imprint, nonce, chain)" 'Verification: OK' tsverify
expect "tsa: token verifies against the data" 'Verification: OK' sh -c "openssl ts -verify \
    -in '$tmp/r.tsr' -data '$tmp/data' -CAfile '$P/root-ca.pem'"
expect "tsa: configured policy" 'Policy OID: 1\.3\.6\.1\.4\.1\.99999\.1\.1' tstext
expect "tsa: accuracy 1 s" 'Accuracy: 0x01 seconds' tstext
truth "tsa: cert has critical EKU timeStamping only" sh -c "openssl x509 -in '$P/tsa.pem' \
    -noout -ext extendedKeyUsage | grep -A1 critical | grep -qx ' *Time Stamping'"
fault p1/tsa=coarse_accuracy=3
expect "tsa coarse_accuracy=3: accuracy 3 s" 'Accuracy: 0x03 seconds' tstext
expect "tsa coarse_accuracy: token still verifies" 'Verification: OK' tsverify
heal p1/tsa
fault p1/tsa=bad_signature
expect "tsa bad_signature: verify fails" 'Verification: FAILED' tsverify
heal p1/tsa
fault p1/tsa=wrong_signer
expect "tsa wrong_signer: verify fails" 'Verification: FAILED' tsverify
heal p1/tsa
fault p1/tsa=tsa_reject
expect "tsa tsa_reject: rejection" 'Status: Rejected' tstext
expect "tsa tsa_reject: with failure info" 'Failure info:.*(system failure|unacceptable)' tstext
heal p1/tsa
fault p1/tsa=nonce_wrong
expect "tsa nonce_wrong: nonce mismatch" 'nonce mismatch|Verification: FAILED' tsverify
heal p1/tsa
fault p1/tsa=nonce_missing
expect "tsa nonce_missing: nonce not returned" 'nonce not returned|Verification: FAILED' tsverify
refute "tsa nonce_missing: no nonce in token" '^Nonce: 0x' tstext
heal p1/tsa
fault p1/tsa=wrong_policy
refute "tsa wrong_policy: another policy" 'Policy OID: 1\.3\.6\.1\.4\.1\.99999\.1\.1$' tstext
heal p1/tsa
fault p1/tsa=clock_skew=3600
gt=$(tstext 2>/dev/null | sed -n 's/^Time stamp: //p')
d=$(($(epoch "$gt") - $(date +%s)))
[ "$d" -gt 3000 ] && ok "tsa clock_skew=3600: genTime an hour ahead" ||
    ko "tsa clock_skew=3600: genTime an hour ahead" "$gt ($d s)"
heal p1/tsa

# ---- login, OIDC, SAML ------------------------------------------------------------------
expect "login: HTTPS page with 'Sign in'" 'Sign in' curl -sS $CA "$LOGIN"
expect "login: status 200" '^200$' code $CA "$LOGIN"
# json KEY...: prints the value at that path of the JSON on stdin (python3, a build dependency).
json() { python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"; }
issuer=$(curl -sS $CA "$OIDC" | json issuer)
[ "$issuer" = "${OIDC%/.well-known/openid-configuration}" ] && ok "oidc: issuer = URL prefix" ||
    ko "oidc: issuer = URL prefix" "$issuer"
expect "oidc: authorization_endpoint" '^https://' sh -c "curl -sS $CA '$OIDC' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[\"authorization_endpoint\"])'"
jwks=$(curl -sS $CA "$OIDC" | json jwks_uri)
curl -sS $CA "$jwks" >"$tmp/jwks.json"
k=$(for f in kty crv use x y; do json keys 0 $f <"$tmp/jwks.json"; done | tr '\n' ' ')
expect "oidc: JWKS has an EC signing key" '^EC P-256 sig [A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43} $' \
    echo "$k"
curl -sS $CA "$SAML" >"$tmp/md.xml"
truth "saml: metadata is well-formed XML" xmllint --noout "$tmp/md.xml"
expect "saml: IDPSSODescriptor with SingleSignOnService" '<md:SingleSignOnService' cat "$tmp/md.xml"
vu=$(sed -n 's/.*validUntil="\([^"]*\)".*/\1/p' "$tmp/md.xml")
[ "$(epoch "$vu")" -gt "$(date +%s)" ] && ok "saml: validUntil in the future" ||
    ko "saml: validUntil in the future" "$vu"
expect "saml: signing certificate parses" 'Testbed IdP Signing' sh -c "{ echo '-----BEGIN CERTIFICATE-----';
    sed -n 's/.*<ds:X509Certificate>\(.*\)<\/ds:X509Certificate>.*/\1/p' '$tmp/md.xml' | fold -w 64;
    echo '-----END CERTIFICATE-----'; } | openssl x509 -noout -subject"
fault p1/saml=expired
vu=$(curl -sS $CA "$SAML" | sed -n 's/.*validUntil="\([^"]*\)".*/\1/p')
[ "$(epoch "$vu")" -lt "$(date +%s)" ] && ok "saml expired: validUntil past" ||
    ko "saml expired: validUntil past" "$vu"
heal p1/saml
fault p1/saml=garbage
refute "saml garbage: not XML" '^ok$' sh -c "curl -sS $CA '$SAML' | xmllint --noout - && echo ok"
heal p1/saml
fault p1/oidc=garbage
refute "oidc garbage: not JSON" '^ok$' sh -c "curl -sS $CA '$OIDC' |
    python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null && echo ok"
heal p1/oidc
fault p1/login=garbage
refute "login garbage: no 'Sign in'" 'Sign in' curl -sS $CA "$LOGIN"
heal p1/login
fault p1/login=tls_expired
expect "login tls_expired: curl rejects the certificate" 'certificate has expired' \
    curl -sS $CA "$LOGIN"
heal p1/login
fault p1/oidc=tls_expiring
hp=${OIDC#https://}
hp=${hp%%/*}
expect "oidc tls_expiring: curl accepts" '^200$' code $CA "$OIDC"
expect "oidc tls_expiring: certificate ends within 4 days" 'will expire' sh -c "openssl s_client \
    -connect $hp -CAfile '$P/root-ca.pem' </dev/null 2>/dev/null | openssl x509 -noout \
    -checkend $((4 * 86400))"
expect "oidc tls_expiring: ... but not within 2 days" 'will not expire' sh -c "openssl s_client \
    -connect $hp -CAfile '$P/root-ca.pem' </dev/null 2>/dev/null | openssl x509 -noout \
    -checkend $((2 * 86400))"
heal p1/oidc
fault p1/saml=http=500
expect "saml http=500: status 500" '^500$' code $CA "$SAML"
heal p1/saml
fault p1/login=down
curl -sS $CA -o /dev/null "$LOGIN" 2>/dev/null
rc=$?
[ $rc -eq 7 ] && ok "login down: connection refused" || ko "login down: connection refused" "rc $rc"
expect "login down: other providers unaffected" 'Sign in' curl -sS $CA "$(url p2 login)"
heal p1/login
expect "login down healed: same port" 'Sign in' curl -sS $CA "$LOGIN"

# ---- TLS posture variants of the login server (SPEC §14) --------------------------------
# Each proven with OpenSSL's CLI and curl: the chain sent (s_client -showcerts), the stapled
# OCSP response (-status), TLS 1.0 at security level 0, the revoked certificate per the
# testbed's own OCSP responder (openssl ocsp) and CRL (openssl crl).
hp=${LOGIN#https://}
hp=${hp%%/*}
sclient() { openssl s_client -connect "$hp" -CAfile "$P/root-ca.pem" "$@" </dev/null 2>&1; }
# sent: the number of certificates the server sends.
sent() { sclient -showcerts | grep -c 'BEGIN CERTIFICATE'; }
expect "login: HSTS max-age one year" '^strict-transport-security: max-age=31536000' sh -c \
    "curl -sS $CA -D - -o /dev/null '$LOGIN' | tr 'A-Z' 'a-z'"
expect "login default: TLS 1.0 refused" 'alert protocol version|no protocols available' \
    sclient -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
fault p1/login=tls_chain
expect "tls_chain: leaf and intermediate sent" '^2$' sent
expect "tls_chain: verifies to the root" 'Verify return code: 0 \(ok\)' sclient
expect "tls_chain: OCSP response stapled, good" 'Cert Status: good' sclient -status
expect "tls_chain: curl accepts with the root alone" 'Sign in' curl -sS $CA "$LOGIN"
sclient -showcerts | awk '/BEGIN CERT/{n++} n==1{print} /END CERT/{if(n==1)exit}' >"$tmp/pleaf.pem"
expect "tls_chain: AIA names the testbed's OCSP responder" "OCSP - URI:$(url p1 ocsp | sed 's,/$,,')" \
    openssl x509 -in "$tmp/pleaf.pem" -noout -text
expect "tls_chain: the OCSP responder says good" ': good' openssl ocsp -issuer \
    "$P/issuing-ca.pem" -cert "$tmp/pleaf.pem" -url "$(url p1 ocsp)" -CAfile "$P/root-ca.pem"
heal p1/login
fault p1/login=tls_legacy
expect "tls_legacy: TLS 1.0 accepted" 'Protocol *: TLSv1$' sclient -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
expect "tls_legacy: TLS 1.1 accepted" 'Protocol *: TLSv1\.1$' sclient -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0'
expect "tls_legacy: TLS 1.2 still there" 'Sign in' curl -sS $CA "$LOGIN"
heal p1/login
expect "tls_legacy healed: TLS 1.0 refused" 'alert protocol version|no protocols available' \
    sclient -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
fault p1/login=tls_no_intermediate
expect "tls_no_intermediate: only the leaf sent" '^1$' sent
expect "tls_no_intermediate: openssl cannot verify it" 'unable to verify the first certificate' sclient
expect "tls_no_intermediate: curl with the root alone refuses" 'unable to get local issuer' \
    curl -sS $CA "$LOGIN"
cat "$P/root-ca.pem" "$P/issuing-ca.pem" >"$tmp/bundle.pem"
expect "tls_no_intermediate: curl with the intermediate known accepts" 'Sign in' \
    curl -sS --cacert "$tmp/bundle.pem" "$LOGIN"
heal p1/login
fault p1/login=tls_revoked
expect "tls_revoked: chain verifies" 'Verify return code: 0 \(ok\)' sclient
expect "tls_revoked: stapled OCSP response says revoked" 'Cert Status: revoked' sclient -status
sclient -showcerts | awk '/BEGIN CERT/{n++} n==1{print} /END CERT/{if(n==1)exit}' >"$tmp/rleaf.pem"
expect "tls_revoked: the OCSP responder says revoked" ': revoked' openssl ocsp -issuer \
    "$P/issuing-ca.pem" -cert "$tmp/rleaf.pem" -url "$(url p1 ocsp)" -CAfile "$P/root-ca.pem"
rserial=$(openssl x509 -in "$tmp/rleaf.pem" -noout -serial | sed 's/serial=//')
cdp=$(openssl x509 -in "$tmp/rleaf.pem" -noout -ext crlDistributionPoints | sed -n 's/.*URI://p')
curl -sS -o "$tmp/p.crl" "$cdp"
expect "tls_revoked: its CRL (CDP) lists it" "Serial Number: $rserial" openssl crl -inform DER \
    -in "$tmp/p.crl" -noout -text
heal p1/login

# ---- faults for one client address (vantage points): PROVIDER/SERVICE=FAULT@ADDR ---------
# Clients leave from 127.0.0.2 and 127.0.0.3 (curl --interface); only the qualified one
# sees the fault, the other sees the healthy service.
from() { _a=$1; shift; curl -sS --interface "$_a" "$@"; }
fault p1/ocsp=http=503@127.0.0.3
expect "@addr: the qualified client sees http=503" '^503$' code --interface 127.0.0.3 "$OCSP"
expect "@addr: another client sees the healthy service" '^200$' code --interface 127.0.0.2 "$OCSP"
expect "@addr: listed with its qualifier" '^p1/ocsp=http=503@127\.0\.0\.3$' curl -sS "$CTL"
fault p1/ocsp=down@127.0.0.3
from 127.0.0.3 -o /dev/null "$OCSP" 2>/dev/null
rc=$?
[ $rc -eq 52 ] || [ $rc -eq 56 ] && ok "down@addr: the qualified client gets no answer" ||
    ko "down@addr: the qualified client gets no answer" "curl rc $rc"
expect "down@addr: another client is answered" '^200$' code --interface 127.0.0.2 "$OCSP"
fault p1/ocsp=stale
expect "unqualified fault beside a qualified one: listed" '^p1/ocsp=stale$' curl -sS "$CTL"
fault p1/ocsp=ok@127.0.0.3
refute "ok@addr heals only that client's faults" '@127\.0\.0\.3' curl -sS "$CTL"
expect "ok@addr keeps the unqualified fault" '^p1/ocsp=stale$' curl -sS "$CTL"
expect "ok@addr: the healed client is answered again" '^200$' code --interface 127.0.0.3 "$OCSP"
heal p1/ocsp
fault p1/login=tls_expired@127.0.0.3
expect "tls_expired@addr: the qualified client gets the expired certificate" \
    'certificate has expired' from 127.0.0.3 $CA "$LOGIN"
expect "tls_expired@addr: another client gets the good one" 'Sign in' from 127.0.0.2 $CA "$LOGIN"
fault p1/tsa=hang@127.0.0.3
from 127.0.0.3 -m 1 -o /dev/null "$TSA" 2>/dev/null
rc=$?
[ $rc -eq 28 ] && ok "hang@addr: the qualified client times out" ||
    ko "hang@addr: the qualified client times out" "curl rc $rc"
expect "hang@addr: another client is answered" '^[1-5][0-9][0-9]$' code -m 5 \
    --interface 127.0.0.2 "$TSA"
fault '*/*=http=500@::ffff:127.0.0.2'
expect "an IPv4-mapped qualifier is the IPv4 client" '^p1/crl=http=500@127\.0\.0\.2$' curl -sS "$CTL"
expect "*/*=FAULT@addr applies to every service for that client" '^500$' code \
    --interface 127.0.0.2 "$CRL"
fault 'ok@127.0.0.2'
refute "ok@addr alone heals that client everywhere" '@127\.0\.0\.2' curl -sS "$CTL"
expect "... and leaves the other client's" '^p1/tsa=hang@127\.0\.0\.3$' curl -sS "$CTL"
fault ok
expect "a plain 'ok' heals qualified faults too" '^$' curl -sS "$CTL"
expect "control: client addresses seen, per service" '^p1/ocsp 127\.0\.0\.3 [0-9]+$' \
    curl -sS "${CTL}clients"
# Hostile qualifiers: refused with 400 and a reason, nothing switched on.
for bad in 'p1/ocsp=down@' 'p1/ocsp=down@localhost' 'p1/ocsp=down@127.0.0' \
    'p1/ocsp=down@127.0.0.1:80' 'p1/ocsp=down@[::1]' 'p1/ocsp=down@127.0.0.3@127.0.0.2' \
    'p1/ocsp=down@fe80::1%lo' "p1/ocsp=down@$(printf '1%.0s' $(seq 1 300))"; do
	expect "hostile qualifier '$(printf '%.40s' "$bad")' refused with 400" '^400$' code -d "$bad" "$CTL"
done
expect "a bad qualifier says why" 'bad client address "localhost" after @' \
    curl -sS -d 'p1/ocsp=down@localhost' "$CTL"
expect "a qualified fault that does not apply is refused" 'does not apply' \
    curl -sS -d 'p1/login=tsa_reject@127.0.0.3' "$CTL"
expect "nothing was switched on by refused switches" '^$' curl -sS "$CTL"
seq 1 65 | sed 's/.*/p1\/crl=stale@10.0.0.&/' >"$tmp/many"
expect "at most 64 client addresses with their own faults per service" 'too many client addresses' \
    curl -sS --data-binary @"$tmp/many" "$CTL"
fault ok

# ---- trusted list (testbed/tl.c): xmlsec1 checks the signature, python reads the list ----
TL=$(url scheme tl)
truth "config: the trusted list endpoint, pinned to the scheme operator's certificate" \
    grep -q "signers: \"$P/tl-signer.pem\"" "$CFG"
# tlverify CERT: fetches the list and verifies its signature with CERT's key only (xmlsec1).
tlverify() {
	curl -sS -o "$tmp/tl.xml" "$TL" || return 1
	command -v xmlsec1 >/dev/null || { echo "xmlsec1 missing (apt-get install xmlsec1)"; return 1; }
	xmlsec1 --verify --id-attr:Id TrustServiceStatusList --id-attr:Id SignedProperties \
	    --pubkey-cert-pem "$P/$1.pem" "$tmp/tl.xml"
}
# tlread: "SEQ ISSUED-NOW NEXT-NOW STATUS(p1 CA) STATUS(p2 CA) SIGS SIG-IS-ROOT-CHILD REFS
# CA-CERT-IS-ISSUING-CA" of the list last fetched.
tlread() {
	python3 - "$tmp/tl.xml" "$P/issuing-ca.pem" <<'PY'
import base64, calendar, re, ssl, sys, time
import xml.etree.ElementTree as ET
T = "{http://uri.etsi.org/02231/v2#}"; D = "{http://www.w3.org/2000/09/xmldsig#}"
root = ET.parse(sys.argv[1]).getroot()
si = root.find(T + "SchemeInformation")
ts = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - int(time.time())
st = {}
ca = base64.b64encode(ssl.PEM_cert_to_DER_cert(open(sys.argv[2]).read())).decode()
same = True
for s in root.iter(T + "ServiceInformation"):
    name = s.find(T + "ServiceName/" + T + "Name").text
    st[name] = s.find(T + "ServiceStatus").text.rsplit("/", 1)[1]
    if name.endswith("Qualified CA"):
        same &= s.find(T + "ServiceDigitalIdentity/" + T + "DigitalId/" + T + "X509Certificate").text == ca
sigs = list(root.iter(D + "Signature"))
refs = ["%s:%s" % (r.get("URI"), "+".join(re.split("[#/]", t.get("Algorithm").rstrip("#"))[-1] for t in r.iter(D + "Transform")))
        for r in root.iter(D + "Reference")]
print(si.find(T + "TSLSequenceNumber").text, ts(si.find(T + "ListIssueDateTime").text),
      ts(si.find(T + "NextUpdate/" + T + "dateTime").text), st.get("p1 Qualified CA"),
      st.get("p2 Qualified CA"), len(sigs), root.find(D + "Signature") is not None,
      ",".join(refs), same)
PY
}
expect "tl: the list verifies with the scheme operator's key (xmlsec1)" '^OK$' \
    tlverify tl-signer
tl0=$(tlread 2>&1)
seq0=${tl0%% *}
expect "tl: one signature, child of the root, one whole-list reference (enveloped + exc-c14n) and the XAdES SignedProperties" \
    ' 1 True :enveloped-signature\+xml-exc-c14n,#tl-signed-properties:xml-exc-c14n True$' echo "$tl0"
expect "tl: p1's and p2's CA/QC services granted, NextUpdate months ahead, issued in the past" \
    '^[0-9]+ -[0-9]+ 1[0-9]{7} granted granted ' echo "$tl0"
refute "tl: the rogue CA's key does not verify it" '^OK$' tlverify rogue-ca
fault p2/tl=withdrawn
tlverify tl-signer >/dev/null 2>&1
expect "tl withdrawn: p2's CA/QC service withdrawn, p1's granted, in a new issue (sequence +1)" \
    "^$((seq0 + 1)) -?[0-9]+ [0-9]+ granted withdrawn " tlread
expect "tl withdrawn: still signed by the scheme operator" '^OK$' tlverify tl-signer
heal p2/tl
tlverify tl-signer >/dev/null 2>&1
expect "tl healed: granted again in the next issue (sequence +2)" \
    "^$((seq0 + 2)) -?[0-9]+ [0-9]+ granted granted " tlread
fault p1/tl=sequence_regress
tlverify tl-signer >/dev/null 2>&1
expect "tl sequence_regress: the sequence number one below the current" "^$((seq0 + 1)) " tlread
heal p1/tl
fault p1/tl=expired
tlverify tl-signer >/dev/null 2>&1
expect "tl expired: NextUpdate a day past" '^[0-9]+ -?[0-9]+ -8[0-9]{4} ' tlread
heal p1/tl
fault p1/tl=stale
tlverify tl-signer >/dev/null 2>&1
expect "tl stale: NextUpdate in 2 days" '^[0-9]+ -?[0-9]+ 1[0-9]{5} ' tlread
heal p1/tl
fault p1/tl=clock_skew=7200
tlverify tl-signer >/dev/null 2>&1
expect "tl clock_skew=7200: ListIssueDateTime 2 h ahead" '^[0-9]+ 7[0-9]{3} ' tlread
heal p1/tl
fault p1/tl=wrong_signer
expect "tl wrong_signer: the scheme operator's key does not verify it" '^(FAIL|Error: failed to verify)' \
    tlverify tl-signer
expect "tl wrong_signer: the rogue CA's key does" '^OK$' tlverify rogue-ca
heal p1/tl
fault p1/tl=bad_signature
expect "tl bad_signature: the scheme operator's key no longer verifies it" \
    '^(FAIL|Error: failed to verify)' tlverify tl-signer
expect "tl bad_signature: still well-formed XML" ' 1 True ' tlread
heal p1/tl
fault p1/tl=garbage
curl -sS -o "$tmp/tl.xml" "$TL"
expect "tl garbage: not well-formed XML" 'ParseError' tlread
heal p1/tl
expect "tl: withdrawn applies to the trusted list only" 'does not apply to ocsp' \
    curl -sS -d 'p1/ocsp=withdrawn' "$CTL"
fault ok

# ---- lifecycle --------------------------------------------------------------------------
fault p1/ocsp=hang
curl -sS -m 5 -o /dev/null "$OCSP" 2>/dev/null &
cpid=$!
root_sum=$(cksum <"$P/root-ca.pem")
last=$(crlnum)
if stop_testbed; then ok "SIGTERM: clean exit 0 (even with a hung request)"
else ko "SIGTERM: clean exit 0 (even with a hung request)" "$(tail -20 "$tmp/testbed.log")"; fi
wait $cpid 2>/dev/null
refute "no sanitizer reports" 'Sanitizer|runtime error' cat "$tmp/testbed.log"
cat >"$tmp/timeline" <<'EOF'
# a short story, checked through the control endpoint
at 1s p1/crl=http=418 for 2s   # comment after a line
at 1s p1/ocsp=http=429@127.0.0.3 for 2s
EOF
start_testbed --providers 1 --timeline "$tmp/timeline"
[ "$(cksum <"$P/root-ca.pem")" = "$root_sum" ] && ok "restart: PKI reused" ||
    ko "restart: PKI reused" "root CA changed"
expect "restart: starts in under a second" 'up in [0-9]{1,3} ms' tail -1 "$tmp/testbed.log"
CRL=$(url p1 crl)
n=$(crlnum)
[ "$n" -gt "$last" ] && ok "restart: CRL number keeps increasing" ||
    ko "restart: CRL number keeps increasing" "$last -> $n"
expect "restart: OCSP still good" 'good.pem: good' ocsp good "$(url p1 ocsp)"
if wait_for 'curl -sS "$CTL" | grep -q "^p1/crl=http=418$"' 10; then
	ok "timeline: switches p1/crl=http=418 at 1s"
	expect "timeline: fault visible" '^418$' code "$CRL"
	expect "timeline: a qualified switch, listed" '^p1/ocsp=http=429@127\.0\.0\.3$' curl -sS "$CTL"
	expect "timeline: ... seen by its client" '^429$' code --interface 127.0.0.3 "$(url p1 ocsp)"
	expect "timeline: ... not by another" '^200$' code --interface 127.0.0.2 "$(url p1 ocsp)"
	if wait_for '! curl -sS "$CTL" | grep -q "^p1/\(crl\|ocsp\)="' 10; then
		ok "timeline: heals after 'for 2s'"
	else ko "timeline: heals after 'for 2s'" "$(curl -sS "$CTL")"; fi
else ko "timeline: switches p1/crl=http=418 at 1s" "$(curl -sS "$CTL")"; fi
stop_testbed || ko "second SIGTERM exit" "$(tail "$tmp/testbed.log")"
printf 'at 1s p1/ocsp=down@nowhere for 1s\n' >"$tmp/badtl"
expect "timeline: a bad qualifier fails at start, with FILE:LINE and why" \
    'badtl:1: bad client address "nowhere"' timeout 20 "$TB" --state "$S" \
    --write-config "$tmp/never.yaml" --timeline "$tmp/badtl"

# ---- --keys rsa2048 (real CAs sign with RSA 2048), then back to p256 on the same state -----
S=$tmp/rsa P=$tmp/rsa/pki CFG=$tmp/rsa.yaml
start_testbed --keys rsa2048
expect "rsa2048: log names the key type" 'up in [0-9]+ ms \(rsa2048 keys\)' tail -1 "$tmp/testbed.log"
k=$(allkeys "$P" | LC_ALL=C sort -u | tr '\n' ' ')
expect "rsa2048: every certificate and key is RSA 2048, signed sha256WithRSAEncryption" \
    '^Private-Key: \(2048 bit, 2 primes\) RSA 2048 sha256WithRSAEncryption $' echo "$k"
OCSP=$(url p1 ocsp) CRL=$(url p1 crl) TSA=$(url p1 tsa)
LOGIN=$(url p1 login) OIDC=$(url p1 oidc) SAML=$(url p1 saml)
CA="--cacert $P/root-ca.pem"
expect "rsa2048 ocsp: good leaf is good, response verifies" 'Response verify OK' ocsp good
expect "rsa2048 ocsp: good leaf says good" 'good.pem: good' ocsp good
expect "rsa2048 ocsp: revoked leaf says revoked" 'revoked.pem: revoked' ocsp revoked
expect "rsa2048 ocsp: response signed sha256WithRSAEncryption" \
    'Signature Algorithm: sha256WithRSAEncryption' ocsp good "$OCSP" -resp_text
fault p1/ocsp=bad_signature
expect "rsa2048 ocsp bad_signature: verify fails" 'Response Verify Failure' ocsp good
heal p1/ocsp
fault p1/ocsp=wrong_signer
expect "rsa2048 ocsp wrong_signer: verify fails" 'Response Verify Failure' ocsp good
heal p1/ocsp
expect "rsa2048 crl: DER verifies" 'verify OK' crl
expect "rsa2048 crl: signed sha256WithRSAEncryption" \
    'Signature Algorithm: sha256WithRSAEncryption' crl "$CRL" -text
rserial=$(openssl x509 -in "$P/revoked.pem" -noout -serial | sed 's/.*=//')
expect "rsa2048 crl: lists the revoked leaf" "Serial Number: $rserial" crl "$CRL" -text
fault p1/crl=bad_signature
expect "rsa2048 crl bad_signature: verify fails" 'verify failure' crl
heal p1/crl
expect "rsa2048 tsa: token verifies (imprint, nonce, chain)" 'Verification: OK' tsverify
expect "rsa2048 tsa: token verifies against the data" 'Verification: OK' sh -c "openssl ts \
    -verify -in '$tmp/r.tsr' -data '$tmp/data' -CAfile '$P/root-ca.pem'"
expect "rsa2048 tsa: CMS signer uses RSA with SHA-256" 'rsaEncryption|sha256WithRSAEncryption' \
    sh -c "openssl ts -reply -in '$tmp/r.tsr' -token_out -out '$tmp/tok.der' &&
    openssl cms -cmsout -print -inform DER -in '$tmp/tok.der' | grep -A1 signatureAlgorithm"
fault p1/tsa=bad_signature
expect "rsa2048 tsa bad_signature: verify fails" 'Verification: FAILED' tsverify
heal p1/tsa
expect "rsa2048 login: curl --cacert, 'Sign in'" 'Sign in' curl -sS $CA "$LOGIN"
expect "rsa2048 login: TLS 1.2 (ECDHE-RSA) works too" 'Sign in' curl -sS --tlsv1.2 \
    --tls-max 1.2 $CA "$LOGIN"
hp=${LOGIN#https://}
hp=${hp%%/*}
openssl s_client -connect "$hp" -CAfile "$P/root-ca.pem" </dev/null >"$tmp/sc.txt" 2>&1
expect "rsa2048 tls: server key is 2048 bit" 'Server public key is 2048 bit' cat "$tmp/sc.txt"
expect "rsa2048 tls: chain verifies against the root" 'Verify return code: 0 \(ok\)' \
    cat "$tmp/sc.txt"
expect "rsa2048 tls: server signs with RSA" 'Peer signature type: RSA' cat "$tmp/sc.txt"
fault p1/login=tls_expired
expect "rsa2048 login tls_expired: curl rejects the certificate" 'certificate has expired' \
    curl -sS $CA "$LOGIN"
heal p1/login
alg=$(curl -sS $CA "$OIDC" | json id_token_signing_alg_values_supported 0)
[ "$alg" = RS256 ] && ok "rsa2048 oidc: discovery advertises RS256" ||
    ko "rsa2048 oidc: discovery advertises RS256" "$alg"
curl -sS $CA "$(curl -sS $CA "$OIDC" | json jwks_uri)" >"$tmp/jwks.json"
mod=$(openssl x509 -in "$P/idp-signing.pem" -noout -modulus | sed 's/^Modulus=//')
expect "rsa2048 oidc: JWKS has the IdP's RSA key (RS256, n = certificate modulus)" \
    '^RSA RS256 sig 2048 65537 True$' python3 -c 'import base64, json, sys
k = json.load(open(sys.argv[1]))["keys"][0]
d = lambda s: int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")
print(k["kty"], k["alg"], k["use"], d(k["n"]).bit_length(), d(k["e"]),
      "%X" % d(k["n"]) == sys.argv[2].upper())' "$tmp/jwks.json" "$mod"
curl -sS $CA "$SAML" | sed -n 's/.*<ds:X509Certificate>\(.*\)<\/ds:X509Certificate>.*/\1/p' |
    fold -w 64 | { echo '-----BEGIN CERTIFICATE-----'; cat; echo '-----END CERTIFICATE-----'; } \
    >"$tmp/saml-signing.pem"
expect "rsa2048 saml: metadata signing certificate is RSA 2048" '^RSA 2048$' keytype \
    "$tmp/saml-signing.pem"
if [ -x "$TWB" ]; then
	out=$("$TWB" probe -c "$CFG" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '7 endpoints: 7 up, 0 degraded, 0 down' &&
	    ok "rsa2048: trustwatch probe reports every endpoint up (exit 0)" ||
	    ko "rsa2048: trustwatch probe reports every endpoint up (exit 0)" "rc $rc: $out"
	for s_ in ocsp crl tsa tl; do
		fault "p1/$s_=bad_signature"
		expect "rsa2048: trustwatch sees p1/$s_ bad_signature" \
		    '"reason":"signature_invalid"' "$TWB" probe -c "$CFG" --only \
		    "$([ "$s_" = tl ] && echo scheme/tl || echo "p1/$s_")" --format json
		heal "p1/$s_"
	done
else ko "rsa2048: trustwatch probe reports every endpoint up (exit 0)" "no $TWB (set TW_BIN)"; fi
root_sum=$(cksum <"$P/root-ca.pem")
stop_testbed || ko "rsa2048: SIGTERM exit 0" "$(tail "$tmp/testbed.log")"
start_testbed --keys rsa2048
[ "$(cksum <"$P/root-ca.pem")" = "$root_sum" ] && ok "rsa2048 restart: PKI reused" ||
    ko "rsa2048 restart: PKI reused" "root CA changed"
refute "rsa2048 restart: nothing regenerated" 'generating a new PKI' tail -1 "$tmp/testbed.log"
stop_testbed || ko "rsa2048: second SIGTERM exit 0" "$(tail "$tmp/testbed.log")"
start_testbed --keys p256
expect "p256 on an rsa2048 state: says it regenerates" 'not p256; generating a new PKI' \
    tail -2 "$tmp/testbed.log"
[ "$(cksum <"$P/root-ca.pem")" != "$root_sum" ] && ok "p256 on an rsa2048 state: new root CA" ||
    ko "p256 on an rsa2048 state: new root CA" "root CA unchanged"
k=$(allkeys "$P" | LC_ALL=C sort -u | tr '\n' ' ')
expect "p256 on an rsa2048 state: every certificate and key is EC P-256 again" \
    '^EC P-256 Private-Key: \(256 bit\) ecdsa-with-SHA256 $' echo "$k"
OCSP=$(url p1 ocsp) LOGIN=$(url p1 login) CA="--cacert $P/root-ca.pem"
expect "p256 on an rsa2048 state: OCSP verifies" 'Response verify OK' ocsp good
expect "p256 on an rsa2048 state: curl --cacert" 'Sign in' curl -sS $CA "$LOGIN"
stop_testbed || ko "p256: SIGTERM exit 0" "$(tail "$tmp/testbed.log")"
refute "no sanitizer reports (rsa2048 part)" 'Sanitizer|runtime error' cat "$tmp/testbed.log"

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
