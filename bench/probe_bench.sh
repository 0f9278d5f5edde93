#!/bin/sh
# CPU time per verified probe, trustwatch vs the shell way vs prometheus-blackbox-exporter,
# all against testbeds on 127.0.0.1 in one run. Prints a Markdown table on stdout.
#   bench/probe_bench.sh BUILD     (BENCH_N copies per config, default 100; BENCH_REPS
#                                   repeats, default 5; BENCH_SHELL_N checks per repeat, 20;
#                                   BENCH_BB_N exporter probes per repeat, 300)
# Two testbeds, each with its own state dir: the main rows run against `--keys rsa2048` (the
# realistic case: real CAs and LuxTrust's responders sign with RSA-2048), the rows marked
# P-256 against `--keys p256` (EC, the testbed's default).
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
tb_pid=""; tb2_pid=""; bb_pid=""
cleanup() {
	[ -n "$bb_pid" ] && kill "$bb_pid" 2>/dev/null && wait "$bb_pid" 2>/dev/null
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	[ -n "$tb2_pid" ] && kill "$tb2_pid" 2>/dev/null && wait "$tb2_pid" 2>/dev/null
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
# Both testbeds start at once (the RSA one generates 11 RSA-2048 keys on its first start).
mkdir -p "$work/rsa" "$work/p256"
"$TB" --state "$work/rsa/state" --write-config "$work/rsa.yaml" --keys rsa2048 \
    >"$work/rsa.log" 2>&1 &
tb_pid=$!
"$TB" --state "$work/p256/state" --write-config "$work/p256.yaml" --keys p256 \
    >"$work/p256.log" 2>&1 &
tb2_pid=$!
# wait_tb NAME PID: polls (with a deadline) until that testbed has written its config.
wait_tb() {
	deadline=$(( $(date +%s) + 30 ))
	while [ ! -s "$work/$1.yaml" ]; do
		if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$2" 2>/dev/null; then
			echo "probe_bench: $1 testbed did not start"; cat "$work/$1.log"; exit 1
		fi
		sleep 0.05
	done
}
wait_tb rsa "$tb_pid"
wait_tb p256 "$tb2_pid"
. "$ROOT/bench/endpoints.sh"
# use_tb NAME: points PKI, the URLs and the rows' key label at testbed NAME.
use_tb() {
	TBN=$1
	tb_urls "$work/$1.yaml" "$work/$1/state/pki"
	case "$1" in rsa) KL="RSA-2048" ;; p256) KL="P-256" ;; esac
}

# config KIND COPIES: a config with COPIES copies of the endpoint (30 s timeout, no slow).
config() {
	f="$work/$TBN-$1-$2.yaml"
	printf 'storage: { path: "%s" }\ndefaults: { timeout: 30s, degraded_after: 30s }\nproviders:\n  - id: b\n    endpoints:\n' "$work/$TBN-$1.db" >"$f"
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

# tw_instr KIND: user-space instructions per verified probe, counted by callgrind (the same
# on every run and every machine load, unlike CPU time): (I(21 copies) - I(1)) / 20, as
# "1.23 M"; "–" without valgrind.
tw_instr() {
	command -v valgrind >/dev/null 2>&1 || { echo "–"; return; }
	c21=$(config "$1" 21); c1=$(config "$1" 1)
	: >"$work/cg.counts"
	for c in "$c21" "$c1"; do
		n=21; [ "$c" = "$c1" ] && n=1
		out="$work/cg-$TBN-$1-$n.out"
		rm -f "$out"
		valgrind --tool=callgrind --callgrind-out-file="$out" \
		    "$TW" probe -c "$c" --format json >/dev/null 2>&1 || { echo "–"; return; }
		sed -n 's/^\(summary\|totals\): *//p' "$out" | head -1 >>"$work/cg.counts"
	done
	awk 'NR == 1 {a = $1} NR == 2 {b = $1} END {
	    if (a !~ /^[0-9]+$/ || b !~ /^[0-9]+$/) print "–"
	    else printf "%.2f M", (a - b) / 20 / 1e6 }' "$work/cg.counts"
}

# fn_instr KIND FUNCTION: instructions per probe inside FUNCTION (inclusive), from the two
# callgrind profiles tw_instr left for the current testbed, as "0.12 M"; "–" without them.
fn_instr() {
	a="$work/cg-$TBN-$1-21.out"; b="$work/cg-$TBN-$1-1.out"
	[ -s "$a" ] && [ -s "$b" ] && command -v callgrind_annotate >/dev/null 2>&1 ||
	    { echo "–"; return; }
	for f in "$a" "$b"; do
		callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$f" 2>/dev/null |
		    awk -v fn=":$2 " 'index($0, fn) {gsub(",", "", $1); s += $1} END {print s + 0}'
	done | awk 'NR == 1 {a = $1} NR == 2 {b = $1} END {printf "%.2f M", (a - b) / 20 / 1e6}'
}

# split KIND: a row of the breakdown table (after tw_instr ran for KIND on this testbed).
split() {
	echo "| $1 | $(tw_instr "$1") | $(fn_instr "$1" probe_run_once) | $(fn_instr "$1" conf_load) | $(fn_instr "$1" store_add_results) | $(fn_instr "$1" report_json_line) |"
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
  https_2xx_rsa:
    prober: http
    timeout: 30s
    http:
      valid_status_codes: [200]
      fail_if_body_not_matches_regexp: ["Sign in"]
      tls_config: { ca_file: "$work/rsa/state/pki/root-ca.pem" }
  https_2xx_p256:
    prober: http
    timeout: 30s
    http:
      valid_status_codes: [200]
      fail_if_body_not_matches_regexp: ["Sign in"]
      tls_config: { ca_file: "$work/p256/state/pki/root-ca.pem" }
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

# row TESTBED KIND: one line of the table, measured against that testbed.
row() {
	use_tb "$1"
	tw=$(tw_us "$2")
	ti=$(tw_instr "$2")
	sh_=$(shell_us "$2")
	case "$2" in
	https) bb=$(bb_us "https_2xx_$1" "$LOGIN")
	       what="login, HTTPS, $KL server key (TLS verified, body checked)"; how="curl --cacert" ;;
	http) bb=$(bb_us http_2xx "$CRL"); what="login, plain HTTP (status checked)"; how="curl" ;;
	ocsp) bb="n/a"; what="OCSP, $KL responder (nonce, signature, CertID, times)"
	      how="openssl ocsp -url" ;;
	crl) bb="n/a"; what="CRL, $KL CA (signature, issuer, times, number)"
	     how="curl + openssl crl" ;;
	tsa) bb="n/a"; what="TSA, $KL TSU (RFC 3161 token, chain, imprint, nonce)"
	     how="openssl ts -query + curl + openssl ts -verify" ;;
	esac
	echo "| $what | $(fmt "$tw") | $ti | $(fmt "$sh_") ($how) | $(ratio "$sh_" "$tw") | $(fmt "$bb") | $(ratio "$bb" "$tw") |"
}

echo "CPU (user+sys) per verified probe; medians of $REPS runs; trustwatch: $N endpoints per run."
echo "Rows marked RSA-2048 ran against a testbed started with \`--keys rsa2048\` (every key RSA-2048,"
echo "sha256WithRSAEncryption, as real CAs sign); rows marked P-256 against a second one with"
echo "\`--keys p256\` (every key EC P-256, ecdsa-with-SHA256). Plain HTTP involves no key."
echo
echo "The instructions column counts trustwatch's user-space instructions per probe with"
echo "\`valgrind --tool=callgrind\` (21 copies minus 1, divided by 20): it does not move with the"
echo "machine's load, so it is the figure to compare across commits; kernel time is not in it."
echo
echo "| probe | trustwatch CPU | trustwatch instructions | shell way | shell / tw | blackbox_exporter | bbe / tw |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for k in https http ocsp crl tsa; do row rsa "$k"; done
for k in https ocsp crl tsa; do row p256 "$k"; done
echo
echo "Targets (issue 9): ≤ 120 µs per verified OCSP probe, ≤ 300 µs per verified HTTPS login"
echo "probe, ≤ 100 µs per HTTP probe."
if command -v valgrind >/dev/null 2>&1; then
	use_tb rsa
	echo
	echo "Where the instructions of one probe go (RSA-2048 testbed; callgrind, 21 copies minus 1,"
	echo "divided by 20, inclusive of everything each part calls). \`probe\` is the probe itself:"
	echo "the engine, libcurl and the kind's checks (\`probe_run_once\`); the configuration entry,"
	echo "the store write and the output line are per endpoint of \`trustwatch probe\` (\`run\`"
	echo "reads its configuration once per load)."
	echo
	echo "| kind | per probe | probe | configuration | store | output line |"
	echo "|---|---:|---:|---:|---:|---:|"
	for k in ocsp https http crl tsa; do split "$k"; done
fi
