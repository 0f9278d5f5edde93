#!/bin/sh
# make bench: runs every benchmark and writes bench/results.md (machine, date, commit).
# Speed and memory targets live here, never in timed tests.
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out="$ROOT/bench/results.md"
{
	echo "# trustwatch benchmarks"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- machine: $(uname -srm), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
	echo
	echo '```'
	"$ROOT/$BUILD/bench/store_bench" 1000000
	echo '```'
} | tee "$out"
