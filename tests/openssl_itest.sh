#!/bin/sh
# Interoperability: the real trustwatch binary against OpenSSL's own implementations, so we are
# not only compatible with ourselves (issue 5 item 8). Everything here is made by the openssl
# CLI, independent of our code (the testbed is not used):
#   PKI      root CA -> issuing CA -> {delegated OCSP responder (EC P-256, id-kp-OCSPSigning),
#            good leaf, revoked leaf, TSA (critical id-kp-timeStamping)}, plus a leaf issued
#            outside the CA database (the responders answer "unknown" for it)
#   OCSP     `openssl ocsp -port` twice: A signs with the delegated responder (ResponderID
#            byName, responder cert included, nextUpdate); B signs with the issuing CA itself
#            (byKey, no certificates, sha384, no nextUpdate). POST, GET, auto, nonce.
#   TSA      `openssl ts -reply` behind a python3 standard-library HTTP server
#   CRL      `openssl ca -gencrl`, as DER and PEM, served by `python3 -m http.server`
# Healthy paths must be up/ok; the negative cases (revoked leaf expected good, a responder cert
# issued by the root instead of the issuing CA, another policy, another trust anchor, a CRL
# checked against the wrong issuer) must give their SPEC §3 reason.
# Needs TW_BIN (tests/run.sh sets it); openssl, python3, curl. Only 127.0.0.1 is contacted
# (OpenSSL 3's `ocsp -port` takes a bare port and listens on the wildcard address; nothing
# else does). Prints "# pass N" / "# fail N"; exits non-zero on any failure.
set -u
: "${TW_BIN:?}"
work=$(mktemp -d /tmp/tw-openssl-itest.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
die() { echo "setup: $*"; for f in "$work"/*.log; do [ -s "$f" ] && { echo "== $f"; cat "$f"; }; done
	echo "# pass $pass"; echo "# fail $((fail + 1))"; exit 1; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_for NAME PID CMD...: runs CMD until it succeeds; fails when PID dies or after 10 s.
wait_for() {
	name=$1; pid=$2; shift 2
	deadline=$(( $(date +%s) + 10 ))
	until "$@" >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || die "$name exited"
		[ "$(date +%s)" -le "$deadline" ] || die "$name did not start within 10 s"
		sleep 0.05
	done
}
# http_up URL: true once anything answers HTTP there (any status; curl prints 000 otherwise).
http_up() { [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1")" != 000 ]; }

# ---------------------------------------------------------------- PKI (openssl CLI only)
pki="$work/pki"
mkdir -p "$pki/newcerts"
cd "$pki" || die "cd $pki"
: >index.txt
echo 'unique_subject = no' >index.txt.attr
echo 1000 >serial
echo 01 >crlnumber
POLICY=1.3.6.1.4.1.99999.8.1
cat >pki.cnf <<EOF
[ ca ]
default_ca = issuing
[ issuing ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
crlnumber = ./crlnumber
certificate = ./issuing-ca.pem
private_key = ./issuing-ca.key
default_md = sha256
default_days = 30
default_crl_days = 2
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = req_dn
[ req_dn ]
[ root_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ ocsp_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ leaf_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
S="/O=trustwatch openssl interop"
gen_pki() {
	openssl req -x509 -config pki.cnf -extensions root_ext -newkey rsa:2048 -nodes \
		-keyout root-ca.key -out root-ca.pem -days 30 -subj "$S/CN=Interop Root CA" &&
	openssl req -new -config pki.cnf -newkey rsa:2048 -nodes -keyout issuing-ca.key \
		-out issuing-ca.csr -subj "$S/CN=Interop Issuing CA" &&
	openssl x509 -req -in issuing-ca.csr -CA root-ca.pem -CAkey root-ca.key -set_serial 2 \
		-days 30 -extfile pki.cnf -extensions ca_ext -out issuing-ca.pem &&
	# name:ext:keyalg — issued through `openssl ca`, so they are in index.txt
	for spec in responder:ocsp_ext:ec good:leaf_ext:rsa revoked:leaf_ext:rsa tsa:tsa_ext:rsa; do
		n=${spec%%:*}; rest=${spec#*:}; ext=${rest%%:*}; alg=${rest#*:}
		case $alg in
		ec) kopt="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
		*) kopt="-newkey rsa:2048" ;;
		esac
		# shellcheck disable=SC2086
		openssl req -new -config pki.cnf $kopt -nodes -keyout "$n.key" -out "$n.csr" \
			-subj "$S/CN=Interop $n" &&
		openssl ca -config pki.cnf -batch -notext -extensions "$ext" -in "$n.csr" \
			-out "$n.pem" || return 1
	done &&
	# not in the CA database: the responder does not know it
	openssl req -new -config pki.cnf -newkey rsa:2048 -nodes -keyout unknown.key \
		-out unknown.csr -subj "$S/CN=Interop unknown" &&
	openssl x509 -req -in unknown.csr -CA issuing-ca.pem -CAkey issuing-ca.key \
		-set_serial 0x7777 -days 30 -extfile pki.cnf -extensions leaf_ext -out unknown.pem &&
	# negative material: an OCSP-signing cert issued by the root, not by the issuing CA
	# (RFC 6960 4.2.2.2: a delegated responder is issued directly by the CA), a foreign root
	openssl req -new -config pki.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout rogue.key -out rogue.csr -subj "$S/CN=Interop rogue responder" &&
	openssl x509 -req -in rogue.csr -CA root-ca.pem -CAkey root-ca.key -set_serial 3 \
		-days 30 -extfile pki.cnf -extensions ocsp_ext -out rogue.pem &&
	openssl req -x509 -config pki.cnf -extensions root_ext -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-root.key -out other-root.pem \
		-days 30 -subj "$S/CN=Interop other root" &&
	openssl ca -config pki.cnf -revoke revoked.pem -crl_reason keyCompromise &&
	openssl ca -config pki.cnf -gencrl -out issuing-ca.crl.pem &&
	openssl crl -in issuing-ca.crl.pem -outform DER -out issuing-ca.crl
}
gen_pki >"$work/pki.log" 2>&1 || die "PKI generation failed"
if ! grep -q '^V.*CN=Interop good$' index.txt || ! grep -q '^R.*CN=Interop revoked$' index.txt
then
	die "index.txt does not mark good V and revoked R: $(cat index.txt)"
fi

# ---------------------------------------------------------------- OCSP: openssl ocsp -port
ocsp_a=$(free_port)
openssl ocsp -index index.txt -port "$ocsp_a" -CA issuing-ca.pem \
	-rsigner responder.pem -rkey responder.key -nmin 60 >"$work/ocsp-a.log" 2>&1 &
pids="$pids $!"; pid_a=$!
ocsp_b=$(free_port)
openssl ocsp -index index.txt -port "$ocsp_b" -CA issuing-ca.pem \
	-rsigner issuing-ca.pem -rkey issuing-ca.key -resp_key_id -resp_no_certs -rmd sha384 \
	>"$work/ocsp-b.log" 2>&1 &
pids="$pids $!"; pid_b=$!
ocsp_c=$(free_port)
openssl ocsp -index index.txt -port "$ocsp_c" -CA issuing-ca.pem \
	-rsigner rogue.pem -rkey rogue.key -rother root-ca.pem -nmin 60 >"$work/ocsp-c.log" 2>&1 &
pids="$pids $!"; pid_c=$!
# Ready when OpenSSL's own client gets an answer from it (no verification: that is our job).
wait_for "openssl ocsp A" "$pid_a" openssl ocsp -issuer issuing-ca.pem -cert good.pem \
	-url "http://127.0.0.1:$ocsp_a/" -noverify -timeout 2
wait_for "openssl ocsp B" "$pid_b" openssl ocsp -issuer issuing-ca.pem -cert good.pem \
	-url "http://127.0.0.1:$ocsp_b/" -noverify -timeout 2
wait_for "openssl ocsp C" "$pid_c" openssl ocsp -issuer issuing-ca.pem -cert good.pem \
	-url "http://127.0.0.1:$ocsp_c/" -noverify -timeout 2

# ---------------------------------------------------------------- TSA: openssl ts -reply
cat >tsa.cnf <<EOF
[ tsa ]
default_tsa = tsa_interop
[ tsa_interop ]
serial = $pki/tsa-serial
crypto_device = builtin
signer_cert = $pki/tsa.pem
signer_key = $pki/tsa.key
certs = $pki/issuing-ca.pem
signer_digest = sha256
default_policy = $POLICY
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500
clock_precision_digits = 3
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
echo 01 >tsa-serial
cat >"$work/tsa_server.py" <<'EOF'
# One RFC 3161 request at a time (the serial file is shared): body -> openssl ts -reply.
import http.server, os, subprocess, sys, tempfile
port, cnf = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with tempfile.TemporaryDirectory() as d:
            q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
            with open(q, "wb") as f:
                f.write(body)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", cnf,
                                "-queryfile", q, "-out", r], capture_output=True)
            if p.returncode != 0 or not os.path.exists(r):
                sys.stderr.write(p.stderr.decode(errors="replace"))
                self.send_error(500)
                return
            with open(r, "rb") as f:
                tsr = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(tsr)))
        self.end_headers()
        self.wfile.write(tsr)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
tsa_port=$(free_port)
python3 "$work/tsa_server.py" "$tsa_port" "$pki/tsa.cnf" >"$work/tsa.log" 2>&1 &
pids="$pids $!"
wait_for "TSA server" $! http_up "http://127.0.0.1:$tsa_port/"

# ---------------------------------------------------------------- CRL: python3 -m http.server
mkdir "$work/www"
cp issuing-ca.crl issuing-ca.crl.pem "$work/www/"
crl_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$crl_port" \
	>"$work/crl.log" 2>&1 &
pids="$pids $!"
wait_for "CRL server" $! http_up "http://127.0.0.1:$crl_port/issuing-ca.crl"

# ---------------------------------------------------------------- trustwatch config
cfg="$work/tw.yaml"
A="http://127.0.0.1:$ocsp_a/"
B="http://127.0.0.1:$ocsp_b/"
T="http://127.0.0.1:$tsa_port/"
C="http://127.0.0.1:$crl_port"
cat >"$cfg" <<EOF
storage:
  path: $work/tw.db
defaults:
  timeout: 5s
  degraded_after: 5s
providers:
  - id: openssl
    name: OpenSSL reference implementations
    endpoints:
      - { id: ocsp-post, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: post, expect: { status: good } }
      - { id: ocsp-get, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: get, expect: { status: good } }
      - { id: ocsp-auto, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: auto }
      - { id: ocsp-nonce, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: post, nonce: true }
      - { id: ocsp-nonce-get, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: get, nonce: true }
      - { id: ocsp-revoked, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/revoked.pem, expect: { status: revoked } }
      - { id: ocsp-revoked-as-good, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/revoked.pem, expect: { status: good } }
      - { id: ocsp-unknown, kind: ocsp, url: "$A", issuer: pki/issuing-ca.pem, certificate: pki/unknown.pem, expect: { status: unknown } }
      - { id: ocsp-ca-post, kind: ocsp, url: "$B", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: post, nonce: true }
      - { id: ocsp-ca-get, kind: ocsp, url: "$B", issuer: pki/issuing-ca.pem, certificate: pki/good.pem, method: get }
      - { id: ocsp-ca-revoked, kind: ocsp, url: "$B", issuer: pki/issuing-ca.pem, certificate: pki/revoked.pem, expect: { status: revoked } }
      - { id: ocsp-rogue-signer, kind: ocsp, url: "http://127.0.0.1:$ocsp_c/", issuer: pki/issuing-ca.pem, certificate: pki/good.pem }
      - { id: tsa-sha256, kind: tsa, url: "$T", trust: pki/root-ca.pem, hash: sha256, expect: { policy: $POLICY } }
      - { id: tsa-sha384, kind: tsa, url: "$T", trust: pki/issuing-ca.pem, hash: sha384, expect: { policy: $POLICY } }
      - { id: tsa-sha512, kind: tsa, url: "$T", trust: pki/root-ca.pem, hash: sha512, expect: { policy: $POLICY } }
      - { id: tsa-other-policy, kind: tsa, url: "$T", trust: pki/root-ca.pem, hash: sha256, expect: { policy: 1.3.6.1.4.1.99999.8.2 } }
      - { id: tsa-other-trust, kind: tsa, url: "$T", trust: pki/other-root.pem, hash: sha256 }
      - { id: crl-der, kind: crl, url: "$C/issuing-ca.crl", issuer: pki/issuing-ca.pem }
      - { id: crl-pem, kind: crl, url: "$C/issuing-ca.crl.pem", issuer: pki/issuing-ca.pem }
      - { id: crl-wrong-issuer, kind: crl, url: "$C/issuing-ca.crl", issuer: pki/root-ca.pem }
EOF
cd "$work" || die "cd $work"
if "$TW_BIN" check -c "$cfg" >"$work/check.out" 2>&1; then ok "config checks"
else not_ok "trustwatch check: $(cat "$work/check.out")"; fi

# ---------------------------------------------------------------- checks
# check_json STATUS REASON [DETAIL=VALUE | DETAIL=* ...] < JSON lines (exactly one expected)
CHK='
import json, sys
st, rs, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
if len(lines) != 1:
    print("want one JSON line, got %d" % len(lines)); sys.exit(1)
o = json.loads(lines[0]); d = o.get("details") or {}; bad = []
if (o.get("status"), o.get("reason")) != (st, rs):
    bad.append("%s/%s (%s)" % (o.get("status"), o.get("reason"), o.get("message")))
for kv in extra:
    k, v = kv.split("=", 1)
    g = d.get(k)
    gs = g if isinstance(g, str) else json.dumps(g)
    if (v == "*" and g is None) or (v != "*" and gs != v):
        bad.append("details.%s=%s, want %s" % (k, gs, v))
if bad:
    print("; ".join(bad) + " in " + lines[0]); sys.exit(1)
'
# probe_is ENDPOINT STATUS REASON [DETAIL=VALUE ...]: one probe through the real binary.
probe_is() {
	ep=$1; st=$2; rs=$3; shift 3
	out=$("$TW_BIN" probe -c "$cfg" --only "openssl/$ep" --format json 2>"$work/err")
	rc=$?
	if why=$(printf '%s\n' "$out" | python3 -c "$CHK" "$st" "$rs" "$@" 2>&1); then
		ok "$ep -> $st/$rs${*:+ ($*)}"
	else
		not_ok "$ep -> want $st/$rs${*:+ ($*)}: $why $(cat "$work/err")"
	fi
	case $st in up) want=0 ;; degraded) want=1 ;; *) want=2 ;; esac
	[ "$rc" -eq "$want" ] || not_ok "$ep: probe exit code $rc, want $want"
}

# OCSP, delegated responder (byName, cert included, nextUpdate = thisUpdate + 60 min)
probe_is ocsp-post up ok method=post cert_status=good nonce=not_sent next_update='*'
probe_is ocsp-get up ok method=get cert_status=good
probe_is ocsp-auto up ok method=get cert_status=good
probe_is ocsp-nonce up ok method=post nonce=echoed
probe_is ocsp-nonce-get up ok method=get nonce=echoed
probe_is ocsp-revoked up ok cert_status=revoked revocation_time='*'
probe_is ocsp-revoked-as-good down status_mismatch cert_status=revoked
probe_is ocsp-unknown up ok cert_status=unknown
# OCSP, signed by the issuing CA itself (byKey, no certs, sha384, no nextUpdate)
probe_is ocsp-ca-post up ok method=post cert_status=good nonce=echoed next_update=null
probe_is ocsp-ca-get up ok method=get cert_status=good
probe_is ocsp-ca-revoked up ok cert_status=revoked
# OCSP, signed by an OCSP-signing cert that the root issued (chain root -> rogue included)
probe_is ocsp-rogue-signer down untrusted
# TSA
probe_is tsa-sha256 up ok pki_status=granted policy=$POLICY gen_time='*' serial='*'
probe_is tsa-sha384 up ok policy=$POLICY
probe_is tsa-sha512 up ok policy=$POLICY
probe_is tsa-other-policy down policy_mismatch policy=$POLICY
probe_is tsa-other-trust down untrusted
# CRL (crlnumber 01, one entry: the revoked leaf)
probe_is crl-der up ok number=1 entries=1
probe_is crl-pem up ok number=1 entries=1
probe_is crl-wrong-issuer down untrusted

# Everything at once: concurrent probes against the single-threaded OpenSSL responders.
"$TW_BIN" probe -c "$cfg" --format json >"$work/all.out" 2>"$work/err"
rc=$?
if sum=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
down = sorted(r["endpoint"] for r in rows if r["status"] != "up")
print(len(rows), " ".join(down))
' "$work/all.out") && [ "$sum" = "20 crl-wrong-issuer ocsp-revoked-as-good ocsp-rogue-signer tsa-other-policy tsa-other-trust" ] &&
    [ "$rc" -eq 2 ]; then
	ok "all 20 endpoints concurrently: 15 up, the 5 negative cases down, exit 2"
else
	not_ok "all endpoints concurrently: got '$sum' rc $rc: $(cat "$work/all.out" "$work/err")"
fi

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
