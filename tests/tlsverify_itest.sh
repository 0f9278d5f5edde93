#!/bin/sh
# The server certificate is still verified in full with the legacy key decoders on
# (probe/keydecode.c, issue 22) and through trustwatch's own HTTPS client (probe/https.c):
# the real binary against `openssl s_server -www` serving RSA-2048 and P-256 chains made
# here by the openssl CLI. Each case runs four times, with the legacy decoders (the default
# on OpenSSL < 3.2) and with TW_OPENSSL_DECODERS=1 (OpenSSL's provider decoders), each
# through the own client (the default) and through libcurl (TW_HTTPS_CLIENT=curl), and
# must give the same verdict:
#   good chain, right CA, right name      -> up
#   another CA as tls_ca                  -> down tls
#   a name the certificate does not carry -> down tls
#   the leaf's signature altered (1 bit)  -> down tls
#   the intermediate's signature altered  -> down tls
# Needs TW_BIN; openssl, python3. Only 127.0.0.1 is contacted.
set -u
: "${TW_BIN:?}"
work=$(mktemp -d /tmp/tw-tlsverify-itest.XXXXXX)
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
cd "$work" || exit 1
ossl() { openssl "$@" >>"$work/openssl.log" 2>&1 || die "openssl $*"; }

# newkey ALG FILE
newkey() {
	case "$1" in
	rsa) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
	ec) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	esac
}
# flip FILE.pem OUT.pem: the certificate with one bit of its signature value changed.
flip() {
	python3 - "$1" "$2" <<'PY' || die "flip $1"
import base64, sys
pem = open(sys.argv[1]).read()
der = bytearray(base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l)))
der[-5] ^= 0x01   # inside the signature BIT STRING, the certificate's last element
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE-----\n" +
    "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n")
PY
}

# pki ALG: root -> intermediate -> leaf for IP 127.0.0.1 (and no DNS name), plus another root.
pki() {
	a=$1
	newkey "$a" "$a-root.key"; newkey "$a" "$a-int.key"; newkey "$a" "$a-leaf.key"
	newkey "$a" "$a-other.key"
	ossl req -x509 -new -key "$a-root.key" -subj "/CN=tw test root $a" -days 30 -out "$a-root.pem" \
	    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	ossl req -x509 -new -key "$a-other.key" -subj "/CN=tw other root $a" -days 30 \
	    -out "$a-other.pem" -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign
	ossl req -new -key "$a-int.key" -subj "/CN=tw test intermediate $a" -out "$a-int.csr"
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' \
	    >"$a-int.ext"
	ossl x509 -req -in "$a-int.csr" -CA "$a-root.pem" -CAkey "$a-root.key" -CAcreateserial \
	    -days 30 -extfile "$a-int.ext" -out "$a-int.pem"
	ossl req -new -key "$a-leaf.key" -subj "/CN=127.0.0.1" -out "$a-leaf.csr"
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
	    >"$a-leaf.ext"
	ossl x509 -req -in "$a-leaf.csr" -CA "$a-int.pem" -CAkey "$a-int.key" -CAcreateserial \
	    -days 30 -extfile "$a-leaf.ext" -out "$a-leaf.pem"
	flip "$a-leaf.pem" "$a-leaf-bad.pem"
	flip "$a-int.pem" "$a-int-bad.pem"
}

# serve NAME LEAF CHAIN KEY: openssl s_server -www on a free port; prints nothing, sets PORT_NAME.
serve() {
	port=$(free_port)
	openssl s_server -accept "127.0.0.1:$port" -cert "$2" -cert_chain "$3" -key "$4" -www -quiet \
	    >"$work/$1.log" 2>&1 </dev/null &
	pids="$pids $!"
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 200 ] && die "s_server $1 did not listen"
		sleep 0.05
	done
	eval "PORT_$1=$port"
}

# check LABEL HOSTPORT TLS_CA WANT_STATUS WANT_REASON: both decoder settings give the verdict.
check() {
	cat >"$work/c.yaml" <<EOF2
storage: { path: "$work/s.db" }
defaults: { timeout: 10s, degraded_after: 10s }
providers:
  - id: p
    endpoints:
      - { id: e, kind: login, url: "https://$2/", tls_ca: "$3", expect: { status: 200 } }
EOF2
	for client in own curl; do
	for dec in legacy provider; do
		if [ $dec = provider ]; then env="TW_OPENSSL_DECODERS=1"; else env="TW_OPENSSL_DECODERS=0"; fi
		out=$(env $env TW_HTTPS_CLIENT=$client "$TW_BIN" probe -c "$work/c.yaml" --format json 2>&1)
		st=$(printf '%s' "$out" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' | head -1)
		rs=$(printf '%s' "$out" | sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p' | head -1)
		if [ "$st" = "$4" ] && [ "$rs" = "$5" ]; then
			ok "$1 ($dec decoders, $client client): $st $rs"
		else
			not_ok "$1 ($dec decoders, $client client): want $4 $5, got '$st' '$rs': $out"
		fi
	done
	done
}

for a in rsa ec; do
	pki "$a"
	serve "${a}_good" "$a-leaf.pem" "$a-int.pem" "$a-leaf.key"
	serve "${a}_badleaf" "$a-leaf-bad.pem" "$a-int.pem" "$a-leaf.key"
	serve "${a}_badint" "$a-leaf.pem" "$a-int-bad.pem" "$a-leaf.key"
	eval good=\$PORT_${a}_good badleaf=\$PORT_${a}_badleaf badint=\$PORT_${a}_badint
	check "$a: good chain" "127.0.0.1:$good" "$work/$a-root.pem" up ok
	check "$a: another CA" "127.0.0.1:$good" "$work/$a-other.pem" down tls
	check "$a: wrong name" "localhost:$good" "$work/$a-root.pem" down tls
	check "$a: leaf signature altered" "127.0.0.1:$badleaf" "$work/$a-root.pem" down tls
	check "$a: intermediate signature altered" "127.0.0.1:$badint" "$work/$a-root.pem" down tls
done
echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
