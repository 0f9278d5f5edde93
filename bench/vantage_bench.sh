#!/bin/sh
# Vantage benchmark (SPEC §11, issue 18): three `trustwatch run` nodes, each with the same
# 10,000 endpoints at interval 60 s, leaving from 127.0.0.1, .2 and .3, sharing one private
# PostgreSQL store (tests/support/pg.sh), quorum 2, against the testbed.
#   bench/vantage_bench.sh BUILD    Prints a Markdown section on stdout.
# BENCH_VANTAGE_ENDPOINTS (10000), BENCH_VANTAGE_SECONDS (150: bounded, 2-3 minutes in all),
# BENCH_VANTAGE_PROVIDERS (testbed providers, 5 = 30 services). The config is
# bench/scale_config.py's, as bench/scale_bench.sh (one node). Measured, per node:
# - schedule lag: result time minus its slot (k x 60 s + FNV-1a(provider/endpoint) mod 60 s,
#   the same grid on every node), over each node's raw results stored during the run;
# - CPU %: utime+stime (/proc/PID/stat) after the first BENCH_VANTAGE_WARM (20) s; RSS:
#   VmHWM (peak) and VmRSS (final) before SIGTERM;
# and for the store, over the same window: result rows/s, tuples written/s and commits/s
# (pg_stat_database), WAL bytes/s (pg_current_wal_lsn), and the PostgreSQL server's CPU.
# Uses the server TW_TEST_PG names when set (make bench starts one), else starts its own.
# BENCH_VANTAGE_KEEP=1 keeps the work directory (configs, node logs).
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TW="$ROOT/$BUILD/trustwatch"
TB="$ROOT/$BUILD/trustwatch-testbed"
NEP=${BENCH_VANTAGE_ENDPOINTS:-10000}
SECS=${BENCH_VANTAGE_SECONDS:-150}
NPROV=${BENCH_VANTAGE_PROVIDERS:-5}
WARM=${BENCH_VANTAGE_WARM:-20}
. "$ROOT/tests/support/pg.sh"
work=$(mktemp -d /tmp/tw-vantage-bench.XXXXXX)
tb_pid=""; p1=""; p2=""; p3=""; own_pg=""
cleanup() {
	for p in $p1 $p2 $p3 $tb_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "$own_pg" ] && pg_stop
	[ -n "${BENCH_VANTAGE_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$TW" ] && [ -x "$TB" ] || { echo "skipped: build $BUILD first (make bench)."; exit 0; }
command -v python3 >/dev/null || { echo "skipped: needs python3."; exit 0; }
if [ -z "${TW_TEST_PG:-}" ]; then
	pg_start >/dev/null 2>&1 || { echo "skipped: no PostgreSQL server (tests/support/pg.sh)."; exit 0; }
	own_pg=1
	trap cleanup EXIT	# pg_start set its own: ours stops the server too
fi
PSQL=${TW_PG_BIN:+$TW_PG_BIN/}psql
[ -n "${TW_PG_BIN:-}" ] || PSQL=$(command -v psql || echo "$(pg_bindir)/psql")
db=$(pg_newdb "bench_vantage_$$") || { echo "FAILED: cannot create a database"; exit 0; }
dbname=bench_vantage_$$
q() { "$PSQL" -X -qtA -F ' ' -d "$db" -c "$1" 2>/dev/null; }

"$TB" --state "$work/tb" --write-config "$work/tb.yaml" --providers "$NPROV" \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "FAILED: testbed did not start: $(tail -3 "$work/testbed.log")"; exit 0
	fi
	sleep 0.05
done
python3 "$ROOT/bench/scale_config.py" "$work/tb.yaml" "$work/base.yaml" "$work/unused.db" "$NEP" ||
    { echo "FAILED: config"; exit 0; }
for n in 1 2 3; do
	mkdir -p "$work/n$n"
	{
		sed -e "s|^storage: .*|storage: { path: \"$work/n$n/tw.db\", url: \"$db\" }|" \
		    -e "s|^report: .*|report: { output: \"$work/n$n/site\", every: 5m }|" "$work/base.yaml"
		echo "node: { id: n$n, location: \"Loopback $n\", source_address: 127.0.0.$n }"
		echo "quorum: 2"
	} >"$work/n$n/c.yaml"
done
"$TW" check -c "$work/n1/c.yaml" >"$work/check.out" 2>&1 || {
	echo "FAILED: config check: $(tail -3 "$work/check.out")"; exit 0; }

TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null; }
ms() { date +%s%3N; }
# The PostgreSQL server's CPU ticks: the postmaster and its children (backends, writers).
pg_ticks() {
	pm=$(head -1 "$TW_PG_DIR/data/postmaster.pid" 2>/dev/null)
	[ -n "$pm" ] || { echo 0; return; }
	t=$(ticks "$pm"); t=${t:-0}
	for c in $(ps -o pid= --ppid "$pm" 2>/dev/null); do
		x=$(ticks "$c"); t=$((t + ${x:-0}))
	done
	echo "$t"
}
pg_stats() {	# result rows, tuples written, commits, WAL position (bytes)
	q "SELECT (SELECT count(*) FROM results),
	    tup_inserted + tup_updated + tup_deleted, xact_commit,
	    pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
	    FROM pg_stat_database WHERE datname = '$dbname'"
}

t_start=$(ms)
for n in 1 2 3; do
	"$TW" run -c "$work/n$n/c.yaml" >"$work/n$n/log" 2>&1 &
	eval "p$n=$!"
done
sleep "$WARM"
for n in 1 2 3; do
	eval "p=\$p$n"
	kill -0 "$p" 2>/dev/null || { echo "FAILED: node n$n exited: $(tail -3 "$work/n$n/log")"; exit 0; }
	eval "a_$n=\$(ticks $p)"
done
a_tb=$(ticks "$tb_pid"); a_pg=$(pg_ticks); a_t=$(ms); a_load=$(cut -d' ' -f1 /proc/loadavg)
read -r a_rows a_tup a_xact a_wal <<EOF
$(pg_stats)
EOF
sleep $((SECS - WARM))
for n in 1 2 3; do
	eval "p=\$p$n"
	eval "b_$n=\$(ticks $p)"
	eval "hwm_$n=\$(status_kb $p VmHWM)"
	eval "rss_$n=\$(status_kb $p VmRSS)"
done
b_tb=$(ticks "$tb_pid"); b_pg=$(pg_ticks); b_t=$(ms); b_load=$(cut -d' ' -f1 /proc/loadavg)
read -r b_rows b_tup b_xact b_wal <<EOF
$(pg_stats)
EOF
for n in 1 2 3; do
	eval "p=\$p$n"
	t0=$(ms); kill -TERM "$p"; wait "$p"; rc=$?
	eval "stop_$n=\$(( \$(ms) - t0 ))"; eval "rc_$n=$rc"; eval "p$n="
done
el=$((b_t - a_t))
pct() { awk -v d="$1" -v t="$TICK" -v el="$el" 'BEGIN {printf "%.1f %%", d / t * 100000 / el}'; }
rate() { awk -v d="$1" -v el="$el" -v div="${2:-1}" 'BEGIN {printf "%.0f", d / div * 1000 / el}'; }
lead=$(grep -l 'msg="leading' "$work"/n*/log | head -1 | sed 's|.*/\(n[0-9]\)/log|\1|')
verdicts=$(q "SELECT count(*) FROM endpoints WHERE last_time >= $t_start")

echo "Three \`trustwatch run\` nodes (n1, n2, n3 from 127.0.0.1, .2, .3; quorum 2), each with the same"
echo "$NEP endpoints at interval 60 s (bench/scale_config.py's mix, as the one-node scale run) over"
echo "the testbed's $((NPROV * 6)) services, sharing one PostgreSQL store, for $SECS s on $(nproc) CPUs shared by"
echo "the three nodes, PostgreSQL and the testbed; figures after the first $WARM s. Leader: ${lead:-none};"
echo "$verdicts endpoints got a quorum verdict during the run. Load average (1 min) $a_load at the start"
echo "of the window, $b_load at its end (other work on the machine shows here: the lag is the"
echo "first figure to suffer when the CPUs are oversubscribed)."
echo
echo "| node | results stored | lag p50 | lag p99 | lag max | CPU | peak RSS | final RSS | SIGTERM to exit |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in 1 2 3; do
	q "SELECT e.provider, e.endpoint, r.t FROM results r JOIN endpoints e ON e.id = r.ep
	    WHERE r.node = 'n$n'" >"$work/n$n/results.txt"
	python3 - "$work/n$n/results.txt" >"$work/n$n/lag.txt" <<'PY'
import sys
def fnv(p, e, iv=60000):
    h = 1469598103934665603
    for c in p.encode() + b"/" + e.encode():
        h ^= c
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h % iv
lags = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3:
        lags.append((int(f[2]) - fnv(f[0], f[1])) % 60000)
lags.sort()
q = lambda x: lags[min(len(lags) - 1, int(x * len(lags)))] if lags else -1
print(len(lags), q(0.5), q(0.99), lags[-1] if lags else -1)
PY
	read -r nres p50 p99 pmax <"$work/n$n/lag.txt" || { nres=0; p50=-1; p99=-1; pmax=-1; }
	eval "a=\$a_$n b=\$b_$n hwm=\$hwm_$n rss=\$rss_$n stop=\$stop_$n rc=\$rc_$n"
	echo "| n$n | $nres | $p50 ms | $p99 ms | $pmax ms | $(pct $((b - a))) | $((${hwm:-0} / 1024)) MB | $((${rss:-0} / 1024)) MB | $stop ms (exit $rc) |"
done
echo
echo "| store (PostgreSQL, one server) | value |"
echo "|---|---:|"
echo "| result rows written | $(rate $((b_rows - a_rows))) /s |"
echo "| tuples written (inserted + updated + deleted, every table) | $(rate $((b_tup - a_tup))) /s |"
echo "| transactions committed | $(rate $((b_xact - a_xact))) /s |"
echo "| WAL written | $(rate $((b_wal - a_wal)) 1024) KiB/s |"
echo "| PostgreSQL server CPU | $(pct $((b_pg - a_pg))) |"
echo "| testbed CPU | $(pct $((b_tb - a_tb))) |"
