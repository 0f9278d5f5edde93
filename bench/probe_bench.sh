#!/bin/sh
# CPU time per verified probe, trustwatch vs the shell way vs prometheus-blackbox-exporter,
# all against one testbed on 127.0.0.1 in one run. Prints a Markdown table on stdout.
#   bench/probe_bench.sh BUILD     (BENCH_N copies per config, default 100; BENCH_REPS
#                                   repeats, default 5; BENCH_SHELL_N checks per repeat, 20;
#                                   BENCH_BB_N exporter probes per repeat, 300)
# trustwatch: `trustwatch probe` on a config with N copies of one endpoint, minus a run with
# one copy, divided by N - 1: user+sys of the trustwatch process only (children rusage),
# including parsing the config and storing the results. Every copy must come back up.
# Shell: the commands per check (openssl, curl), user+sys of those processes.
# blackbox_exporter: utime+stime of the exporter process (/proc/PID/stat) across N probes
# via /probe?module=...&target=..., each probe_success 1; the curl client is not counted.
# Figures are medians of the repeats; ratios are computed from this run's medians.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TW="$ROOT/$BUILD/trustwatch"
TB="$ROOT/$BUILD/trustwatch-testbed"
N=${BENCH_N:-100}
REPS=${BENCH_REPS:-5}
SN=${BENCH_SHELL_N:-20}
BBN=${BENCH_BB_N:-300}
work=$(mktemp -d /tmp/tw-probe-bench.XXXXXX)
tb_pid=""; bb_pid=""
cleanup() {
	[ -n "$bb_pid" ] && kill "$bb_pid" 2>/dev/null && wait "$bb_pid" 2>/dev/null
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# cpu_us CMD [ARGS] [:: CMD [ARGS]]...: runs the commands in turn, output discarded; prints
# the user+sys µs of those child processes, or "fail" when one exits non-zero.
PYCPU='
import resource, subprocess, sys
cmds, cur = [], []
for a in sys.argv[1:]:
    if a == "::":
        cmds.append(cur); cur = []
    else:
        cur.append(a)
cmds.append(cur)
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for c in cmds:
    if subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        print("fail"); sys.exit(0)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int(((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1e6))
'
cpu_us() { python3 -c "$PYCPU" "$@"; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

[ -x "$TW" ] && [ -x "$TB" ] || { echo "probe_bench: build $BUILD first (make bench)"; exit 1; }
mkdir -p "$work/tb"
"$TB" --state "$work/tb/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "probe_bench: testbed did not start"; cat "$work/testbed.log"; exit 1
	fi
	sleep 0.05
done
PKI="$work/tb/state/pki"
url_of() { grep -A2 "id: $1\$" "$work/tb.yaml" | sed -n 's/.*url: //p' | head -1; }
LOGIN=$(url_of login); OCSP=$(url_of ocsp); CRL=$(url_of crl); TSA=$(url_of tsa)
POLICY=$(sed -n 's/.*policy: \([0-9.]*\).*/\1/p' "$work/tb.yaml" | head -1)

# endpoint KIND ID: one endpoint of the row's kind, as in the testbed's config.
endpoint() {
	case "$1" in
	https) printf '      - { id: %s, kind: login, url: "%s", tls_ca: "%s", expect: { status: 200, body_contains: "Sign in" } }\n' "$2" "$LOGIN" "$PKI/root-ca.pem" ;;
	http) printf '      - { id: %s, kind: login, url: "%s", expect: { status: 200 } }\n' "$2" "$CRL" ;;
	ocsp) printf '      - { id: %s, kind: ocsp, url: "%s", issuer: "%s", certificate: "%s", nonce: true }\n' "$2" "$OCSP" "$PKI/issuing-ca.pem" "$PKI/good.pem" ;;
	crl) printf '      - { id: %s, kind: crl, url: "%s", issuer: "%s" }\n' "$2" "$CRL" "$PKI/issuing-ca.pem" ;;
	tsa) printf '      - { id: %s, kind: tsa, url: "%s", trust: "%s", expect: { policy: %s } }\n' "$2" "$TSA" "$PKI/root-ca.pem" "$POLICY" ;;
	esac
}
# config KIND COPIES: a config with COPIES copies of the endpoint (30 s timeout, no slow).
config() {
	f="$work/$1-$2.yaml"
	printf 'storage: { path: "%s" }\ndefaults: { timeout: 30s, degraded_after: 30s }\nproviders:\n  - id: b\n    endpoints:\n' "$work/$1.db" >"$f"
	i=0
	while [ $i -lt "$2" ]; do endpoint "$1" "e$i" >>"$f"; i=$((i + 1)); done
	echo "$f"
}

# tw_us KIND: median µs of CPU per verified probe, or "FAILED".
tw_us() {
	big=$(config "$1" "$N"); one=$(config "$1" 1)
	up=$("$TW" probe -c "$big" --format json 2>/dev/null | grep -c '"status":"up"')
	[ "$up" -eq "$N" ] || { echo "FAILED ($up/$N up)"; return; }
	r=0
	while [ $r -lt "$REPS" ]; do
		a=$(cpu_us "$TW" probe -c "$big" --format json)
		b=$(cpu_us "$TW" probe -c "$one" --format json)
		[ "$a" = fail ] || [ "$b" = fail ] && { echo "FAILED"; return; }
		echo $(( (a - b) / (N - 1) ))
		r=$((r + 1))
	done | median
}

# shell_us KIND: median µs of CPU per check the shell way, or "FAILED".
shell_us() {
	echo "trustwatch benchmark data" >"$work/data.txt"
	r=0
	while [ $r -lt "$REPS" ]; do
		tot=0; i=0
		while [ $i -lt "$SN" ]; do
			case "$1" in
			https) c=$(cpu_us curl -sf --cacert "$PKI/root-ca.pem" -o /dev/null "$LOGIN") ;;
			http) c=$(cpu_us curl -sf -o /dev/null "$CRL") ;;
			ocsp) c=$(cpu_us openssl ocsp -issuer "$PKI/issuing-ca.pem" -cert "$PKI/good.pem" \
			    -url "$OCSP" -CAfile "$PKI/root-ca.pem") ;;
			crl) c=$(cpu_us curl -sf -o "$work/c.crl" "$CRL" :: openssl crl -inform DER \
			    -in "$work/c.crl" -CAfile "$PKI/issuing-ca.pem" -noout) ;;
			tsa) c=$(cpu_us openssl ts -query -data "$work/data.txt" -sha256 -cert \
			    -out "$work/q.tsq" :: curl -sf -H 'Content-Type: application/timestamp-query' \
			    --data-binary @"$work/q.tsq" -o "$work/r.tsr" "$TSA" :: openssl ts -verify \
			    -in "$work/r.tsr" -queryfile "$work/q.tsq" -CAfile "$PKI/root-ca.pem" \
			    -untrusted "$PKI/issuing-ca.pem") ;;
			esac
			[ "$c" = fail ] && { echo "FAILED"; return; }
			tot=$((tot + c)); i=$((i + 1))
		done
		echo $((tot / SN))
		r=$((r + 1))
	done | median
}

# bb_us MODULE TARGET: median µs of exporter CPU per successful probe, or why not.
BB=$(command -v prometheus-blackbox-exporter || command -v blackbox_exporter || true)
if [ -n "$BB" ]; then
	cat >"$work/bb.yml" <<YAML
modules:
  https_2xx:
    prober: http
    timeout: 30s
    http:
      valid_status_codes: [200]
      fail_if_body_not_matches_regexp: ["Sign in"]
      tls_config: { ca_file: "$PKI/root-ca.pem" }
  http_2xx:
    prober: http
    timeout: 30s
    http:
      valid_status_codes: [200]
YAML
	bb_port=$(free_port)
	"$BB" --config.file="$work/bb.yml" --web.listen-address="127.0.0.1:$bb_port" \
	    >"$work/bb.log" 2>&1 &
	bb_pid=$!
	deadline=$(( $(date +%s) + 20 ))
	until curl -sf "http://127.0.0.1:$bb_port/metrics" >/dev/null 2>&1; do
		if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$bb_pid" 2>/dev/null; then
			BB=""; bb_pid=""; break
		fi
		sleep 0.1
	done
fi
TICK=$(getconf CLK_TCK)
bb_ticks() { awk '{print $14 + $15}' "/proc/$bb_pid/stat"; }
bb_us() {
	[ -n "$BB" ] || { echo "not installed"; return; }
	u="http://127.0.0.1:$bb_port/probe?module=$1&target=$2"
	curl -s "$u" | grep -q '^probe_success 1' || { echo "FAILED"; return; }
	i=0; : >"$work/bb.curl"
	while [ $i -lt "$BBN" ]; do echo "url = \"$u\"" >>"$work/bb.curl"; i=$((i + 1)); done
	r=0
	while [ $r -lt "$REPS" ]; do
		t0=$(bb_ticks)
		ok=$(curl -s -K "$work/bb.curl" | grep -c '^probe_success 1')
		t1=$(bb_ticks)
		[ "$ok" -eq "$BBN" ] || { echo "FAILED"; return; }
		echo $(( (t1 - t0) * 1000000 / TICK / BBN ))
		r=$((r + 1))
	done | median
}

ratio() { # ratio OTHER TW: OTHER / TW as "12.3×", or "–"
	case "$1$2" in *[!0-9]*|"") echo "–"; return ;; esac
	[ "$2" -gt 0 ] || { echo "–"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a / b}'
}
fmt() { case "$1" in *[!0-9]*|"") echo "$1" ;; *) echo "$1 µs" ;; esac; }

echo "CPU (user+sys) per verified probe; medians of $REPS runs; trustwatch: $N endpoints per run."
echo
echo "| probe | trustwatch | shell way | shell / tw | blackbox_exporter | bbe / tw |"
echo "|---|---:|---:|---:|---:|---:|"
for k in https http ocsp crl tsa; do
	tw=$(tw_us "$k")
	sh_=$(shell_us "$k")
	case "$k" in
	https) bb=$(bb_us https_2xx "$LOGIN"); what="login, HTTPS (TLS verified, body checked)"
	       how="curl --cacert" ;;
	http) bb=$(bb_us http_2xx "$CRL"); what="login, plain HTTP (status checked)"; how="curl" ;;
	ocsp) bb="n/a"; what="OCSP (nonce, signature, CertID, times)"; how="openssl ocsp -url" ;;
	crl) bb="n/a"; what="CRL (signature, issuer, times, number)"; how="curl + openssl crl" ;;
	tsa) bb="n/a"; what="TSA (RFC 3161 token, chain, imprint, nonce)"
	     how="openssl ts -query + curl + openssl ts -verify" ;;
	esac
	echo "| $what | $(fmt "$tw") | $(fmt "$sh_") ($how) | $(ratio "$sh_" "$tw") | $(fmt "$bb") | $(ratio "$bb" "$tw") |"
done
echo
echo "Targets (issue 9): ≤ 120 µs per verified OCSP probe, ≤ 300 µs per verified HTTPS login"
echo "probe, ≤ 100 µs per HTTP probe."
