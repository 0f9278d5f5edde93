#!/bin/sh
# Runs every unit test binary in BUILD/tests and every integration script tests/*_itest.sh,
# then the PostgreSQL pass: one private server (tests/support/pg.sh), the unit tests that open
# a store (their source includes tests/support/store_where.h; TW_TEST_PG gives each store a
# database of its own) and the scripts that say `# backends: ... postgresql` near their top
# (TW_BACKEND=postgresql, tests/support/backend.sh). A server that cannot start is a failure.
# Usage: tests/run.sh BUILD   (TW_ONLY=unit|integration to run one half; TW_VALGRIND=1 under valgrind)
# Prints one line per run (the PostgreSQL ones labelled [BUILD pg], the probe-threads ones
# [BUILD workers=N]) and a total counting
# every run; exits non-zero on any failure.
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TW_BIN="$ROOT/$BUILD/trustwatch" TW_TESTBED="$ROOT/$BUILD/trustwatch-testbed" TW_ROOT="$ROOT"
export TW_FIXTURES="$ROOT/tests/fixtures"
case "$BUILD" in *asan*) export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" ;; esac
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fail=0; total=0; failed=""
log=$(mktemp -d /tmp/tw-test.XXXXXX)
unit=; integration=
{ [ "${TW_ONLY:-unit}" = unit ] || [ -z "$TW_ONLY" ]; } && unit=1
{ [ "${TW_ONLY:-integration}" = integration ] || [ -z "$TW_ONLY" ]; } && integration=1

# The current pass: its label and the suffix of its names (".pg" in the PostgreSQL pass).
label=$BUILD; sfx=

# result NAME RC SUMMARY: counts and prints one run (its output is in $log/NAME$sfx).
result() {
	total=$((total + 1))
	if [ "$2" -ne 0 ]; then
		fail=$((fail + 1)); failed="$failed $1$sfx"
		echo "FAIL [$label] $1 (rc $2) $3"
		grep -E '^not ok' "$log/$1$sfx" | head -20	# the failed checks, wherever they are
		tail -40 "$log/$1$sfx"
	else
		echo "ok   [$label] $1 $3"
	fi
}

unit_run() {
	name=$(basename "$1"); out="$log/$name$sfx"
	if [ -n "$TW_VALGRIND" ]; then
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "$1" >"$out" 2>&1
	else
		(cd "$ROOT" && "$1") >"$out" 2>&1
	fi
	rc=$?
	result "$name" $rc "$(grep -E '^\[  (PASSED|FAILED)  \]' "$out" | tr '\n' ' ')"
}

itest_run() {
	name=$(basename "$1"); out="$log/$name$sfx"
	(cd "$ROOT" && sh "$1") >"$out" 2>&1
	rc=$?
	result "$name" $rc "$(grep -E '^# (pass|fail|summary)' "$out" | tail -1)"
}

if [ -n "$unit" ]; then
	for t in "$ROOT/$BUILD"/tests/*_test; do
		[ -x "$t" ] && unit_run "$t"
	done
fi
if [ -n "$integration" ]; then
	for t in "$ROOT"/tests/*_itest.sh; do
		[ -f "$t" ] && itest_run "$t"
	done
fi

# The probe-threads pass: the scripts that say `# workers: N` near their top run again with
# TW_WORKERS=N, which they write into their configuration (probe/pool.c).
if [ -n "$integration" ]; then
	for t in "$ROOT"/tests/*_itest.sh; do
		w=$(head -8 "$t" | sed -n 's/^# workers: *\([0-9][0-9]*\).*/\1/p' | head -1)
		[ -n "$w" ] || continue
		label="$BUILD workers=$w"; sfx=".w$w"
		TW_WORKERS=$w itest_run "$t"
	done
	label=$BUILD; sfx=
fi

# The libcurl HTTPS pass: the unit tests that say "https: also through libcurl" near their
# top run again with TW_HTTPS_CLIENT=curl (HTTPS through libcurl instead of probe/https.c).
if [ -n "$unit" ]; then
	for src in "$ROOT"/tests/*_test.c; do
		head -12 "$src" | grep -q 'https: also through libcurl' || continue
		t="$ROOT/$BUILD/tests/$(basename "$src" .c)"
		label="$BUILD https=curl"; sfx=.curl
		[ -x "$t" ] && TW_HTTPS_CLIENT=curl unit_run "$t"
	done
	label=$BUILD; sfx=
fi

# The PostgreSQL pass.
pg_units=""
if [ -n "$unit" ]; then
	for src in "$ROOT"/tests/*_test.c; do
		grep -q '^#include "tests/support/store_where.h"' "$src" || continue
		t="$ROOT/$BUILD/tests/$(basename "$src" .c)"
		[ -x "$t" ] && pg_units="$pg_units $t"
	done
fi
pg_itests=""
if [ -n "$integration" ]; then
	for t in "$ROOT"/tests/*_itest.sh; do
		head -5 "$t" | grep -q '^# backends:.*postgresql' && pg_itests="$pg_itests $t"
	done
fi
if [ -n "$pg_units$pg_itests" ]; then
	. "$ROOT/tests/support/pg.sh"
	label="$BUILD pg"; sfx=.pg
	if pg_start >"$log/pg_start$sfx" 2>&1; then
		for t in $pg_units; do
			unit_run "$t"
		done
		export TW_BACKEND=postgresql
		for t in $pg_itests; do
			itest_run "$t"
		done
		unset TW_BACKEND
		pg_stop
	else
		result pg_start 1 "no PostgreSQL server: nothing of the PostgreSQL pass ran"
	fi
fi
rm -rf "$log"
echo "== [$BUILD] $((total - fail))/$total test runners passed (PostgreSQL included)${failed:+; failed:$failed}"
[ $fail -eq 0 ]
