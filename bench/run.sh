#!/bin/sh
# make bench: runs every benchmark and writes bench/results.md (machine, date, commit).
# Speed and memory targets live here, never in timed tests. Never part of make test.
# Benchmarks whose programs are not there yet are skipped with a message.
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out="$ROOT/bench/results.md"
# A private PostgreSQL server for the PostgreSQL rows (tests/support/pg.sh), stopped at exit.
. "$ROOT/tests/support/pg.sh"
trap pg_stop EXIT
pg_start >/dev/null 2>&1 || echo "bench: PostgreSQL did not start; its rows are skipped" >&2
{
	echo "# trustwatch benchmarks"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- machine: $(uname -srm), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
	echo "- tools: $(openssl version | cut -d' ' -f1-2), curl $(curl --version | head -1 | cut -d' ' -f2), blackbox_exporter $( (prometheus-blackbox-exporter --version 2>&1 || echo none) | head -1 | sed -n 's/.*version \([^ ]*\).*/\1/p;/none/p')"
	echo
	echo "## CPU per verified probe (bench/probe_bench.sh)"
	echo
	sh "$ROOT/bench/probe_bench.sh" "$BUILD"
	echo
	echo "## Instructions per probe under \`trustwatch run\` (bench/daemon_instr.sh)"
	echo
	echo "Issue 22 targets: OCSP ≤ 0.75 M, HTTPS login ≤ 4.0 M. Callgrind, 10 endpoints of one"
	echo "kind at 1 s, RSA-2048 testbed; the difference of a 15-s and a 30-s run over the results"
	echo "between them: what a probe costs the daemon, start and configuration cancelled out."
	echo
	BENCH_DI_T1=${BENCH_DI_T1:-15} BENCH_DI_T2=${BENCH_DI_T2:-30} sh "$ROOT/bench/daemon_instr.sh" "$BUILD"
	echo
	echo "## Floors: the same exchanges without trustwatch (bench/floor_bench.sh)"
	echo
	sh "$ROOT/bench/floor_bench.sh" "$BUILD"
	echo
	echo "## Store: SQLite and PostgreSQL (bench/store_bench.c, bench/pg_bench.c)"
	echo
	echo "Targets for PostgreSQL (issue 17): ingest ≥ 50,000 results/s, ≤ 60 B/result."
	echo
	echo '```'
	"$ROOT/$BUILD/bench/store_bench" 1000000
	if [ -n "${TW_TEST_PG:-}" ]; then
		"$ROOT/$BUILD/bench/store_bench" 1000000 "$(pg_newdb bench_store)"
		TW_BENCH_PG=$TW_TEST_PG "$ROOT/$BUILD/bench/pg_bench" 200000 1000
	else
		echo "PostgreSQL: skipped (no server)"
	fi
	echo '```'
	echo
	echo "## The record: logging, checkpoints, published bytes (bench/record_bench.c, bench/tlog_gen.c)"
	echo
	echo "Target: logging adds at most 5 % CPU to a probe cycle."
	echo
	echo '```'
	"$ROOT/$BUILD/bench/record_bench" 100000
	rb=$(mktemp -d /tmp/tw-record-bench-site.XXXXXX)
	if "$ROOT/$BUILD/trustwatch" keygen -o "$rb/k" --name bench.example/n1 >/dev/null 2>&1; then
		"$ROOT/$BUILD/bench/tlog_gen" "$rb/site" n1 100000 \
		    1000,10000,20000,30000,40000,50000,60000,70000,80000,90000,100000 "$rb/k" | grep -v '^vkey'
	fi
	rm -rf "$rb"
	echo '```'
	echo
	echo "## Scale (10,000 to 100,000 endpoints under trustwatch run)"
	echo
	if [ -f "$ROOT/bench/scale_bench.sh" ]; then
		sh "$ROOT/bench/scale_bench.sh" "$BUILD"
	else
		echo "skipped: bench/scale_bench.sh not present yet (needs the daemon, in progress)."
	fi
	echo
	echo "## Several vantage points (3 x 10,000 endpoints, one PostgreSQL store)"
	echo
	if [ -n "${TW_TEST_PG:-}" ]; then
		sh "$ROOT/bench/vantage_bench.sh" "$BUILD"
	else
		echo "skipped: no PostgreSQL server"
	fi
	echo
	echo "## Site render (200 endpoints x 90 days)"
	echo
	if [ -f "$ROOT/bench/site_bench.sh" ]; then
		sh "$ROOT/bench/site_bench.sh" "$BUILD"
		echo
		echo "## Site render from PostgreSQL (the same history and targets)"
		echo
		if [ -n "${TW_TEST_PG:-}" ]; then
			BENCH_SITE_URL=$(pg_newdb bench_site) sh "$ROOT/bench/site_bench.sh" "$BUILD"
		else
			echo "skipped: no PostgreSQL server"
		fi
	else
		echo "skipped: bench/site_bench.sh not present yet (site renderer in progress)."
	fi
	echo
	echo "## Web (wrk: index.html, /metrics)"
	echo
	if [ -f "$ROOT/bench/web_bench.sh" ] && command -v wrk >/dev/null 2>&1; then
		sh "$ROOT/bench/web_bench.sh" "$BUILD"
	else
		echo "skipped: bench/web_bench.sh or wrk not present yet (web server in progress)."
	fi
} | tee "$out"
echo | tee -a "$out"
sh "$ROOT/bench/targets.sh" "$out" | tee -a "$out"
