#!/bin/sh
# Floors: what the machine and the libraries cost before trustwatch does anything, so the
# per-probe figures of probe_bench.sh can be read against them. Prints Markdown.
#   bench/floor_bench.sh BUILD    (FLOOR_REPS repeats, default 3; medians)
# - a fresh loopback HTTP/1.1 exchange, and a verified TLS 1.3 exchange with one shared
#   SSL_CTX and with a new SSL_CTX per connection (as libcurl 7.88 makes one), measured by
#   bench/http_floor.c against the testbed, for P-256 and RSA-2048 testbed PKIs;
# - one signature verification (openssl speed).
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TB="$ROOT/$BUILD/trustwatch-testbed"
HF="$ROOT/$BUILD/bench/http_floor"
REPS=${FLOOR_REPS:-3}
work=$(mktemp -d /tmp/tw-floor-bench.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
[ -x "$TB" ] && [ -x "$HF" ] || { echo "floor_bench: build $BUILD first (make bench)"; exit 1; }

median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else print v[int((NR + 1) / 2)]}'; }

# testbed KEYS: starts a testbed with that PKI; sets login_KEYS, crl_KEYS, ca_KEYS (empty
# when it does not start).
testbed() {
	eval "login_$1='' crl_$1='' ca_$1=''"
	d="$work/$1"
	mkdir -p "$d"
	"$TB" --state "$d/state" --write-config "$d/tb.yaml" --keys "$1" >"$d/log" 2>&1 &
	p=$!
	pids="$pids $p"
	deadline=$(( $(date +%s) + 60 ))
	while [ ! -s "$d/tb.yaml" ]; do
		if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$p" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	l=$(grep -A2 'id: login$' "$d/tb.yaml" | sed -n 's/.*url: //p' | head -1)
	c=$(grep -A2 'id: crl$' "$d/tb.yaml" | sed -n 's/.*url: //p' | head -1)
	eval "login_$1=\$l crl_$1=\$c ca_$1=\$d/state/pki/root-ca.pem"
}

# floor MODE URL N [CAFILE]: median µs per exchange, or "failed".
floor() {
	r=0
	while [ $r -lt "$REPS" ]; do
		"$HF" "$@" 2>/dev/null || echo failed
		r=$((r + 1))
	done >"$work/floor.out"
	if grep -q failed "$work/floor.out"; then echo failed; else median <"$work/floor.out"; fi
}
fmt() { case "$1" in *[!0-9]*|"") echo "$1" ;; *) echo "$1 µs" ;; esac; }

echo "CPU (user+sys) of one client process per fresh exchange on 127.0.0.1 (bench/http_floor.c),"
echo "medians of $REPS runs; the testbed serves the same pages as for the probe figures."
echo
echo "| exchange | P-256 testbed | RSA-2048 testbed |"
echo "|---|---:|---:|"
testbed p256
testbed rsa2048
row() { # row LABEL MODE N
	a="n/a"; b="n/a"
	case "$2" in
	http) [ -n "$crl_p256" ] && a=$(floor http "$crl_p256" "$3")
	      [ -n "$crl_rsa2048" ] && b=$(floor http "$crl_rsa2048" "$3") ;;
	*) [ -n "$login_p256" ] && a=$(floor "$2" "$login_p256" "$3" "$ca_p256")
	   [ -n "$login_rsa2048" ] && b=$(floor "$2" "$login_rsa2048" "$3" "$ca_rsa2048") ;;
	esac
	echo "| $1 | $(fmt "$a") | $(fmt "$b") |"
}
row "plain HTTP/1.1 GET on a new TCP connection" http 2000
row "TLS 1.3 + chain and name verified + GET, one shared SSL_CTX" tls 500
row "the same with a new SSL_CTX per connection (as libcurl 7.88)" tls-newctx 500
echo
speed=$(openssl speed -seconds 1 rsa2048 ecdsap256 2>/dev/null)
rsa=$(echo "$speed" | awk '/^rsa 2048 bits/ {printf "%.0f", 1e6 / $NF}')
ec=$(echo "$speed" | awk '/nistp256/ && $NF ~ /^[0-9.]+$/ {printf "%.0f", 1e6 / $NF}')
echo "One signature verification (openssl speed): RSA-2048 ${rsa:-n/a} µs, ECDSA P-256 ${ec:-n/a} µs."
