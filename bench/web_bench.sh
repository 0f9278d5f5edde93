#!/bin/sh
# Web server load: `trustwatch serve` on the testbed's store and a demo site, driven by wrk.
# Prints a Markdown table (requests/s, p50, p99) for index.html and /metrics on stdout.
#   bench/web_bench.sh BUILD   (BENCH_WEB_SECONDS per target, default 10; BENCH_WEB_CONNS
#                               connections, default 32; BENCH_WEB_THREADS, default 2)
# The site is rendered with `trustwatch report` when that command exists, else a 20 kB
# stand-in index.html. The store holds one probe of every testbed endpoint.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TW="$ROOT/$BUILD/trustwatch"
TB="$ROOT/$BUILD/trustwatch-testbed"
SECS=${BENCH_WEB_SECONDS:-10}
CONNS=${BENCH_WEB_CONNS:-32}
THREADS=${BENCH_WEB_THREADS:-2}
work=$(mktemp -d /tmp/tw-web-bench.XXXXXX)
tb_pid=""; sv_pid=""
cleanup() {
	for p in $sv_pid $tb_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

if ! command -v wrk >/dev/null 2>&1; then
	echo "wrk is not installed (Debian package wrk); web benchmark skipped."
	exit 0
fi
"$TB" --state "$work/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start"; exit 1
	fi
	sleep 0.05
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -e "s|^providers:|web:\n  listen: 127.0.0.1:$port\nproviders:|" "$work/tb.yaml" >"$work/c.yaml"
"$TW" probe -c "$work/c.yaml" >/dev/null 2>&1
site=$(sed -n 's/^  output: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$work/c.yaml" | head -1)
if "$TW" report --help >/dev/null 2>&1 && "$TW" report -c "$work/c.yaml" >/dev/null 2>&1 &&
    [ -f "$site/index.html" ]; then
	how="rendered by trustwatch report"
else
	mkdir -p "$site"
	python3 -c 'print("<!doctype html><title>status</title>" + "<p>endpoint up</p>" * 1100)' >"$site/index.html"
	how="20 kB stand-in"
fi
"$TW" serve -c "$work/c.yaml" 2>/dev/null &
sv_pid=$!
deadline=$(( $(date +%s) + 20 ))
until curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"; do
	[ "$(date +%s)" -gt "$deadline" ] && { echo "serve did not start"; exit 1; }
	sleep 0.05
done

echo "wrk: $THREADS threads, $CONNS keep-alive connections, ${SECS} s per target; index.html $(wc -c <"$site/index.html") bytes ($how); /metrics $(curl -s "http://127.0.0.1:$port/metrics" | wc -c) bytes."
echo
echo "| target | requests/s | p50 | p99 | errors |"
echo "|---|---:|---:|---:|---:|"
for t in /index.html /metrics; do
	wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$port$t" >"$work/wrk.out" 2>&1
	rps=$(sed -n 's/^Requests\/sec:[[:space:]]*//p' "$work/wrk.out")
	p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
	p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
	errs=$(sed -n 's/^[[:space:]]*Non-2xx or 3xx responses:[[:space:]]*//p; s/^[[:space:]]*Socket errors: //p' "$work/wrk.out" | tr '\n' ' ')
	echo "| $t | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${errs:-0} |"
done
