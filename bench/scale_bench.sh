#!/bin/sh
# Scale benchmark: `trustwatch run` with N endpoints at interval 60s against the testbed,
# for each N of a list, one table row each.
#   bench/scale_bench.sh BUILD    Prints a Markdown section on stdout.
# BENCH_SCALE_ENDPOINTS ("10000 30000 60000 100000": one run each, the same testbed),
# BENCH_SCALE_SECONDS (180 per run), BENCH_SCALE_PROVIDERS (testbed providers, 5 = 30 services),
# BENCH_SCALE_WORKERS (the config's `workers:`, probe threads; default: one per CPU),
# BENCH_KEEP=1 keeps the work directory (daemon log, results) in /tmp.
# BENCH_SCALE_KEYS (the testbed's --keys: p256, the default: the testbed signs every answer on
# the same 2 CPUs, and RSA-2048 signing costs it ~5x more; or rsa2048).
# The endpoints are spread over the testbed's services with distinct ids, many per URL,
# mostly cheap kinds (plain-HTTP login, OCSP) but every kind present. Measured:
# - schedule lag: result time (set when the probe is actually started) minus its slot,
#   slot = k x 60 s + FNV-1a(provider/endpoint) mod 60 s (daemon/sched.c sched_offset),
#   over every result stored during the run (the first minute included);
# - CPU %: utime+stime of the trustwatch process (/proc/PID/stat) over the run after its
#   first 15 s, and of the testbed the same way; children (site renders) separately;
# - RSS: VmHWM (peak) and VmRSS (final) of the trustwatch process before SIGTERM; target
#   64 MB, or 1.28 KB per endpoint above 50,000 (issue 22: 128 MB for 100,000);
# - stop: SIGTERM to exit (probes in flight get 2 s, queued ones are dropped);
# - the machine's load average (1 min) at the start and the end of each run: the CPUs are
#   shared, and the lag is the first figure to show other work on them.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TW="$ROOT/$BUILD/trustwatch"
TB="$ROOT/$BUILD/trustwatch-testbed"
NEPS=${BENCH_SCALE_ENDPOINTS:-10000 30000 60000 100000}
SECS=${BENCH_SCALE_SECONDS:-180}
NPROV=${BENCH_SCALE_PROVIDERS:-5}
WORKERS=${BENCH_SCALE_WORKERS:-$(nproc)}
KEYS=${BENCH_SCALE_KEYS:-p256}
WARM=15
work=$(mktemp -d /tmp/tw-scale-bench.XXXXXX)
tb_pid=""; tw_pid=""; mon_pid=""
cleanup() {
	for p in $mon_pid $tw_pid $tb_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$TW" ] && [ -x "$TB" ] || { echo "skipped: build $BUILD first (make bench)."; exit 0; }
command -v python3 >/dev/null && command -v sqlite3 >/dev/null ||
    { echo "skipped: needs python3 and sqlite3."; exit 0; }

"$TB" --state "$work/tb" --write-config "$work/tb.yaml" --providers "$NPROV" --keys "$KEYS" \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "FAILED: testbed did not start: $(tail -3 "$work/testbed.log")"; exit 0
	fi
	sleep 0.05
done

run_one() {
NEP=$1
# The config: NEP endpoints over 10 providers, each on one testbed service of its kind.
rm -rf "$work/scale.db" "$work/scale.db".* "$work/site"
python3 "$ROOT/bench/scale_config.py" "$work/tb.yaml" "$work/scale.yaml" "$work/scale.db" "$NEP" "$WORKERS" ||
    { echo "| $NEP | FAILED: config |"; return; }
"$TW" check -c "$work/scale.yaml" >"$work/check.out" 2>&1 || {
	echo "| $NEP | FAILED: config check: $(tail -1 "$work/check.out") |"; return; }

load1=$(cut -d' ' -f1 /proc/loadavg)
t_start=$(ms)
"$TW" run -c "$work/scale.yaml" >"$work/daemon.log" 2>&1 &
tw_pid=$!
# RSS every second (for the curve: peak is VmHWM anyway).
( while kill -0 "$tw_pid" 2>/dev/null; do
	echo "$(date +%s) $(status_kb "$tw_pid" VmRSS)"; sleep 1
  done >"$work/rss.log" ) &
mon_pid=$!
sleep "$WARM"
kill -0 "$tw_pid" 2>/dev/null || {
	echo "| $NEP | FAILED: daemon exited: $(tail -1 "$work/daemon.log") |"; tw_pid=""; return; }
a_tw=$(ticks "$tw_pid"); a_twc=$(cticks "$tw_pid"); a_tb=$(ticks "$tb_pid"); a_t=$(ms)
sleep $((SECS - WARM))
b_tw=$(ticks "$tw_pid"); b_twc=$(cticks "$tw_pid"); b_tb=$(ticks "$tb_pid"); b_t=$(ms)
hwm=$(status_kb "$tw_pid" VmHWM); rss=$(status_kb "$tw_pid" VmRSS)
t_term=$(ms)
kill -TERM "$tw_pid"; wait "$tw_pid"; tw_rc=$?; tw_pid=""
stop_ms=$(( $(ms) - t_term ))
kill "$mon_pid" 2>/dev/null; wait "$mon_pid" 2>/dev/null; mon_pid=""

sqlite3 -separator ' ' "$work/scale.db" \
    "SELECT e.provider, e.endpoint, r.t, r.code FROM results r JOIN endpoints e ON e.id = r.ep" \
    >"$work/results.txt" 2>"$work/sqlite.err"
skipped=$(grep -c 'slot skipped' "$work/daemon.log")
errors=$(grep -c 'level=error' "$work/daemon.log")
python3 - "$work/results.txt" "$t_start" "$NEP" "$SECS" >"$work/lag.txt" <<'EOF'
import sys
path, t0, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def fnv(p, e, iv=60000):
    h = 1469598103934665603
    for c in p.encode() + b"/" + e.encode():
        h ^= c
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h % iv
lags, off, up, tot = [], {}, 0, 0
for line in open(path):
    p, e, t, code = line.split()
    t = int(t)
    k = (p, e)
    if k not in off:
        off[k] = fnv(p, e)
    lags.append((t - off[k]) % 60000)
    tot += 1
lags.sort()
def q(x):
    return lags[min(len(lags) - 1, int(x * len(lags)))] if lags else -1
print(tot, q(0.5), q(0.99), q(0.999), lags[-1] if lags else -1, len(off))
EOF
read -r nres p50 p99 p999 pmax neps <"$work/lag.txt" || { nres=0; p50=-1; p99=-1; p999=-1; pmax=-1; neps=0; }
ups=$(sqlite3 "$work/scale.db" "SELECT sum(up), sum(degraded), sum(down) FROM daily" 2>/dev/null)
load2=$(cut -d' ' -f1 /proc/loadavg)
el=$((b_t - a_t))
target=$(( NEP > 50000 ? (NEP * 128 + 99999) / 100000 : 64 ))
missed=""
[ "$p99" -ge 0 ] && [ "$p99" -le 50 ] || missed="$missed, lag"
[ $((hwm / 1024)) -le "$target" ] || missed="$missed, RSS"
[ "$skipped" -eq 0 ] || missed="$missed, slots skipped"
[ "$stop_ms" -le 5000 ] || missed="$missed, stop"
verdict=ok
[ -z "$missed" ] || verdict="**missed: ${missed#, }**"
echo "| $NEP | $nres ($neps endpoints; up/degraded/down $(echo "$ups" | tr '|' '/')) | $skipped | $errors | $p50 / $p99 / $p999 / $pmax ms | $(pct $((b_tw - a_tw))) | $(pct $((b_tb - a_tb))) | $((hwm / 1024)) / $((rss / 1024)) MB ($((hwm * 1024 / NEP)) B/endpoint) | ≤ $target MB | $stop_ms ms (exit $tw_rc) | $load1 → $load2 | $verdict |"
}

TICK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
cticks() { awk '{print $16 + $17}' "/proc/$1/stat" 2>/dev/null; }
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null; }
ms() { date +%s%3N; }
pct() { awk -v d="$1" -v t="$TICK" -v el="$el" 'BEGIN {printf "%.1f %%", d / t * 100000 / el}'; }

echo "trustwatch run at interval 60 s with bench/scale_config.py's mix (per 100 endpoints: 35"
echo "plain-HTTP logins on the CRL service, 25 ocsp, 10 crl, 10 tsa, 10 HTTPS login, 5 oidc,"
echo "5 saml) over the testbed's $((NPROV * 6)) services ($NPROV providers), $SECS s per run on $(nproc) CPUs,"
echo "probes on $WORKERS threads (\`workers: $WORKERS\`; 0 = on the main loop), the testbed's keys"
echo "$KEYS (\`--keys\`), the CPUs"
echo "shared with the testbed. Lag = probe start − slot (p50 / p99 / p99.9 / max; target p99"
echo "≤ 50 ms); CPU after the first ${WARM} s; RSS peak (VmHWM) / final; SIGTERM to exit (≤ 5 s)."
echo
echo "| endpoints | results stored | slots skipped | error lines | lag | trustwatch CPU | testbed CPU | RSS peak / final | RSS target | stop | load avg | result |"
echo "|---:|---|---:|---:|---|---:|---:|---|---|---|---|---|"
for n in $NEPS; do
	run_one "$n"
done
