#!/bin/sh
# Instructions per probe as `trustwatch run` spends them, per kind: the daemon with 10
# endpoints of one kind at interval 1 s against an RSA-2048 testbed, under callgrind for
# T1 and for T2 seconds; (I(T2) - I(T1)) / (results(T2) - results(T1)). Everything the
# daemon does for a probe is in it (schedule, probe, store batch, incidents); what it does
# once (start, configuration) cancels out. Prints a Markdown table on stdout.
#   bench/daemon_instr.sh BUILD   (BENCH_DI_T1 20, BENCH_DI_T2 40 seconds, 15 and 30 from
#   bench/run.sh; BENCH_DI_KINDS, default every kind of probe_bench)
# Compare with bench/probe_bench.sh's instructions column, which is `trustwatch probe` per
# endpoint: that also parses the endpoint's configuration and prints its line.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TW="$ROOT/$BUILD/trustwatch"
TB="$ROOT/$BUILD/trustwatch-testbed"
T1=${BENCH_DI_T1:-20}
T2=${BENCH_DI_T2:-40}
KINDS=${BENCH_DI_KINDS:-ocsp http https https-libcurl crl tsa}
work=$(mktemp -d /tmp/tw-daemon-instr.XXXXXX)
tb_pid=""
cleanup() {
	[ -n "$tb_pid" ] && kill "$tb_pid" 2>/dev/null && wait "$tb_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

command -v valgrind >/dev/null 2>&1 && command -v sqlite3 >/dev/null 2>&1 ||
    { echo "skipped: needs valgrind and sqlite3."; exit 0; }
[ -x "$TW" ] && [ -x "$TB" ] || { echo "skipped: build $BUILD first (make bench)."; exit 0; }
"$TB" --state "$work/state" --write-config "$work/tb.yaml" --keys rsa2048 >"$work/tb.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 60 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "FAILED: the testbed did not start"; exit 0
	fi
	sleep 0.05
done
. "$ROOT/bench/endpoints.sh"
tb_urls "$work/tb.yaml" "$work/state/pki"
# run KIND SECONDS: prints "instructions results" of one daemon run under callgrind.
# KIND "https-libcurl" is https with TW_HTTPS_CLIENT=curl: the same probe through libcurl
# instead of trustwatch's own HTTPS client (probe/https.c), side by side.
run() {
	f="$work/$1-$2.yaml"; db="$work/$1-$2.db"; out="$work/cg-$1-$2.out"
	kind=$1; client=own
	[ "$1" = https-libcurl ] && { kind=https; client=curl; }
	printf 'storage: { path: "%s" }\ndefaults: { interval: 1s, timeout: 5s, degraded_after: 5s }\nproviders:\n  - id: b\n    endpoints:\n' "$db" >"$f"
	for i in 0 1 2 3 4 5 6 7 8 9; do endpoint "$kind" "e$i" >>"$f"; done
	TW_HTTPS_CLIENT=$client timeout -s TERM "$2" valgrind --tool=callgrind \
	    --callgrind-out-file="$out" "$TW" run -c "$f" >"$work/$1-$2.log" 2>&1
	echo "$(sed -n 's/^\(summary\|totals\): *//p' "$out" | head -1) $(sqlite3 "$db" 'SELECT count(*) FROM results' 2>/dev/null) $(sqlite3 "$db" 'SELECT count(*) FROM results WHERE code != 0' 2>/dev/null)"
}

echo "| kind | results in ${T1} s / ${T2} s (not up) | instructions per probe under \`run\` |"
echo "|---|---|---:|"
for k in $KINDS; do
	read -r i1 n1 bad1 <<EOF
$(run "$k" "$T1")
EOF
	read -r i2 n2 bad2 <<EOF
$(run "$k" "$T2")
EOF
	if [ -z "${i1:-}" ] || [ -z "${i2:-}" ] || [ -z "${n1:-}" ] || [ -z "${n2:-}" ] ||
	    [ "$n2" -le "$n1" ]; then
		echo "| $k | FAILED (${n1:-?} / ${n2:-?}) | – |"
		continue
	fi
	echo "| $k | $n1 / $n2 ($bad1 / $bad2) | $(awk -v a="$i1" -v b="$i2" -v n="$n1" -v m="$n2" 'BEGIN {printf "%.2f M", (b - a) / (m - n) / 1e6}') |"
done
