#!/bin/sh
# Site render benchmark: `trustwatch report` for 200 endpoints x 90 days of 1-minute history.
#   bench/site_bench.sh BUILD    Prints a Markdown section on stdout.
# The history comes from BUILD/bench/history_gen (synthetic results written through the
# store API) and is cached in BENCH_CACHE_DIR (default /tmp) as
# tw-bench-history-KEY-DAYS-DENSE-STEP.db, KEY = hash of history_gen.c and store/; a cached
# store is topped up to now (only the minutes since its last result are generated).
# BENCH_SITE_DAYS (90), BENCH_SITE_DENSE_DAYS (= DAYS: every day at 1 result/min; fewer
# keeps older days at 1 per BENCH_SITE_STEP minutes, same rollups), BENCH_SITE_REPS (3).
# BENCH_SITE_URL (a postgresql:// URL of an empty database): the history is copied there
# with `trustwatch store migrate` (timed) and the site rendered from PostgreSQL instead.
# Measured with /usr/bin/time -v (wall time, peak RSS of the trustwatch process):
#   first: into an empty directory with an empty render cache (STORE.site-cache/ removed:
#          every monthly results CSV is written from the store, and kept in the cache);
#   cold:  into another empty directory, the cache kept (issue 22's cold render: closed
#          months and the current month's completed days come from the cache);
#   warm:  again into the cold render's directory, as `trustwatch run` re-renders every
#          report.every (unchanged incident pages hard-linked from the previous site, the
#          current month's CSV assembled from cached days plus today); median of the repeats.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TW="$ROOT/$BUILD/trustwatch"
GEN="$ROOT/$BUILD/bench/history_gen"
DAYS=${BENCH_SITE_DAYS:-90}
DENSE=${BENCH_SITE_DENSE_DAYS:-$DAYS}
STEP=${BENCH_SITE_STEP:-5}
REPS=${BENCH_SITE_REPS:-3}
CACHE=${BENCH_CACHE_DIR:-/tmp}
work=$(mktemp -d /tmp/tw-site-bench.XXXXXX)
gen_pid=""
cleanup() {
	if [ -n "$gen_pid" ]; then
		kill "$gen_pid" 2>/dev/null; wait "$gen_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$TW" ] && [ -x "$GEN" ] && [ -x /usr/bin/time ] || {
	echo "skipped: needs $BUILD/trustwatch, $BUILD/bench/history_gen (make bench) and /usr/bin/time."
	exit 0
}
key=$(cat "$ROOT/bench/history_gen.c" "$ROOT"/store/*.c "$ROOT"/store/*.h | sha256sum | cut -c1-12)
db="$CACHE/tw-bench-history-$key-$DAYS-$DENSE-$STEP.db"
# Other histories (older generator or store) are stale: they are about 1 GB each.
for f in "$CACHE"/tw-bench-history-*.db; do
	[ -e "$f" ] && [ "$f" != "$db" ] && rm -rf "$f" "$f-wal" "$f-shm" "$f.gen" "$f.site-cache"
done
# A history last topped up more than 30 days ago is regenerated rather than extended.
[ -f "$db" ] && [ -n "$(find "$db" -mtime +30 2>/dev/null)" ] && rm -f "$db" "$db-wal" "$db-shm" "$db.gen"

cfg="$work/site.yaml"
cached=no; [ -f "$db" ] && [ -f "$db.gen" ] && cached=yes
[ "$cached" = yes ] || rm -f "$db" "$db-wal" "$db-shm" "$db.gen"
"$GEN" "$db" "$cfg" "$ROOT/examples/certs" "$DAYS" "$DENSE" "$STEP" >"$work/gen.out" 2>"$work/gen.err" &
gen_pid=$!
wait "$gen_pid"; rc=$?; gen_pid=""
if [ "$rc" -ne 0 ]; then
	echo "FAILED: history_gen exited $rc: $(head -3 "$work/gen.err")"
	rm -f "$db" "$db-wal" "$db-shm" "$db.gen"
	exit 0
fi
[ "$cached" = yes ] || grep '^history:' "$work/gen.out" >"$db.gen"
touch "$db"

# The PostgreSQL server's CPU so far, in clock ticks: the postmaster's own and its reaped
# children's (each connection's backend is one) plus its live children's. Empty when the
# server is not the private one of tests/support/pg.sh (TW_PG_DIR).
pg_ticks() {
	[ -n "${BENCH_SITE_URL:-}" ] && [ -n "${TW_PG_DIR:-}" ] || return 0
	pm=$(head -1 "$TW_PG_DIR/data/postmaster.pid" 2>/dev/null) || return 0
	[ -r "/proc/$pm/stat" ] || return 0
	{ sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13 + $14 + $15 }'
	  for c in $(ps -o pid= --ppid "$pm"); do
		sed 's/^.*) //' "/proc/$c/stat" 2>/dev/null | awk '{ print $12 + $13 }'
	  done; } | awk '{ t += $1 } END { print t + 0 }'
}
HZ=$(getconf CLK_TCK)

# run_time LABEL ARGS...: runs under /usr/bin/time -v; appends "LABEL seconds kbytes cpu
# server" to times (cpu: user + system seconds, which a loaded machine moves less than wall
# time; server: the PostgreSQL server's CPU seconds meanwhile, "-" on SQLite).
run_time() {
	label=$1; shift
	t0=$(pg_ticks)
	if ! /usr/bin/time -v "$@" >"$work/out" 2>"$work/time"; then
		echo "$label fail fail" >>"$work/times"; return
	fi
	t1=$(pg_ticks)
	srv=-; [ -n "$t0" ] && [ -n "$t1" ] && srv=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
	s=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time" |
	    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
	cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {c += $2} END {print c + 0}' "$work/time")
	echo "$label $s $kb $cpu $srv" >>"$work/times"
}
median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

: >"$work/times"
if [ -n "${BENCH_SITE_URL:-}" ]; then
	sed "s|^storage: { path: \"[^\"]*\"|storage: { path: \"$work/local.db\", url: \"$BENCH_SITE_URL\"|" \
	    "$cfg" >"$work/pg.yaml"
	cfg="$work/pg.yaml"
	run_time migrate "$TW" store migrate -c "$cfg" --from "$db"
fi
if [ -n "${BENCH_SITE_URL:-}" ]; then
	sitecache="$work/local.db.site-cache"
else
	sitecache="$db.site-cache"
fi
rm -rf "$sitecache"
run_time first "$TW" report -c "$cfg" -o "$work/site-first"
rm -rf "$work/site-first"
run_time cold "$TW" report -c "$cfg" -o "$work/site"
i=0
while [ "$i" -lt "$REPS" ]; do
	run_time warm "$TW" report -c "$cfg" -o "$work/site"
	i=$((i + 1))
done
# The current UTC month's results CSV (rewritten by every render): its rows and the cost
# of streaming them alone (trustwatch export, same code path as the CSV).
month=$(date -u +%Y-%m)
run_time export sh -c '"$1" export -c "$2" --format csv --from "$3" >/dev/null' sh "$TW" "$cfg" \
    "$month-01T00:00:00Z"
csv="$work/site/exports/results-$month.csv"
csv_rows=$( [ -f "$csv" ] && echo $(( $(wc -l <"$csv") - 1 )) || echo "n/a")
csv_mb=$( [ -f "$csv" ] && awk -v b="$(stat -c %s "$csv")" 'BEGIN {printf "%.0f", b / 1048576}' || echo "n/a")
all_csv_mb=$(du -cm "$work/site/exports"/results-*.csv 2>/dev/null | tail -1 | cut -f1)
pages=$(find "$work/site" -name '*.html' | wc -l)
site_mb=$(du -sm "$work/site" 2>/dev/null | cut -f1)

val() { awk -v l="$1" -v c="$2" '$1 == l {print $c}' "$work/times"; }
secs() { case "$1" in ""|*fail*) echo "FAILED" ;; *) awk -v s="$1" 'BEGIN {printf "%.2f s", s}' ;; esac; }
mb() { case "$1" in ""|*fail*|-) echo "–" ;; *) awk -v k="$1" 'BEGIN {printf "%.0f MB", k / 1024}' ;; esac; }
verdict() { # verdict VALUE LIMIT (numbers) -> ok / MISSED
	case "$1" in ""|*[!0-9.]*) echo "–"; return ;; esac
	awk -v v="$1" -v l="$2" 'BEGIN {print (v <= l) ? "ok" : "**missed**"}'
}
first_s=$(val first 2); first_kb=$(val first 3); first_cpu=$(val first 4)
cold_cpu=$(val cold 4); warm_cpu=$(val warm 4 | median)
cold_s=$(val cold 2); cold_kb=$(val cold 3)
warm_s=$(val warm 2 | median); warm_kb=$(val warm 3 | sort -n | tail -1)
warm_mb=$(awk -v k="$warm_kb" 'BEGIN {printf "%.1f", k / 1024}')
cold_mb=$(awk -v k="$cold_kb" 'BEGIN {printf "%.1f", k / 1024}')
exp_s=$(val export 2)

[ -n "${BENCH_SITE_URL:-}" ] && echo "Store: PostgreSQL, the history copied by \`trustwatch store migrate\` in $(secs "$(val migrate 2)") (peak RSS $(mb "$(val migrate 3)"))."
echo "History: $(sed -n '1s/^history: //p' "$db.gen")"
sed -n '2s/^history: /History: /p' "$db.gen"
[ "$cached" = yes ] && echo "This run: cached store $(basename "$db") topped up to now: $(sed 's/^history: //' "$work/gen.out" | head -1)."
echo "Config: the same 200 endpoints (6 login, 6 ocsp, 4 crl, 4 tsa per provider), interval 60 s, languages en fr de, time zone Europe/Luxembourg, 3 monthly maintenance windows."
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (CPU = user + system time of the render)."
echo
echo "| render (\`trustwatch report\`) | wall time | CPU | peak RSS | target | result |"
echo "|---|---:|---:|---:|---|---|"
first_mb=$(awk -v k="$first_kb" 'BEGIN {printf "%.1f", k / 1024}')
echo "| first: empty output dir and empty render cache, every monthly CSV written | $(secs "$first_s") | $(secs "$first_cpu") | $(mb "$first_kb") | ≤ 100 MB | RSS $(verdict "$first_mb" 100) |"
echo "| cold: empty output dir, render cache beside the store | $(secs "$cold_s") | $(secs "$cold_cpu") | $(mb "$cold_kb") | ≤ 3 s, ≤ 100 MB | time $(verdict "$cold_s" 3), RSS $(verdict "$cold_mb" 100) |"
echo "| warm: re-render over the previous site (median of $REPS) | $(secs "$warm_s") | $(secs "$warm_cpu") | $(mb "$warm_kb") | ≤ 1 s, ≤ 100 MB | time $(verdict "$warm_s" 1), RSS $(verdict "$warm_mb" 100) |"
[ -n "${BENCH_SITE_URL:-}" ] &&
    echo "| PostgreSQL server CPU meanwhile: cold / warm (median) | – | $(secs "$(val cold 5)") / $(secs "$(val warm 5 | median)") | – | – | – |"
echo "| of which: current month CSV alone (\`export --from $month-01\`, $csv_rows rows, $csv_mb MB) | $(secs "$exp_s") | $(secs "$(val export 4)") | $(mb "$(val export 3)") | – | – |"
echo
echo "Site: $pages HTML pages, $site_mb MB in all, of which $all_csv_mb MB monthly results CSVs."
