#!/bin/sh
# Runs every unit test binary in BUILD/tests and every integration script tests/*_itest.sh.
# Usage: tests/run.sh BUILD   (TW_ONLY=unit|integration to run one half; TW_VALGRIND=1 under valgrind)
# Prints one summary line per runner and a total; exits non-zero on any failure.
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TW_BIN="$ROOT/$BUILD/trustwatch" TW_TESTBED="$ROOT/$BUILD/trustwatch-testbed" TW_ROOT="$ROOT"
export TW_FIXTURES="$ROOT/tests/fixtures"
case "$BUILD" in *asan*) export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" ;; esac
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fail=0; total=0; failed=""
log=$(mktemp -d /tmp/tw-test.XXXXXX)
if [ "${TW_ONLY:-unit}" = unit ] || [ -z "$TW_ONLY" ]; then
	for t in "$ROOT/$BUILD"/tests/*_test; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		total=$((total + 1))
		if [ -n "$TW_VALGRIND" ]; then
			valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "$t" >"$log/$name" 2>&1
		else
			(cd "$ROOT" && "$t") >"$log/$name" 2>&1
		fi
		rc=$?
		sum=$(grep -E '^\[  (PASSED|FAILED)  \]' "$log/$name" | tr '\n' ' ')
		if [ $rc -ne 0 ]; then
			fail=$((fail + 1)); failed="$failed $name"
			echo "FAIL [$BUILD] $name (rc $rc) $sum"; tail -40 "$log/$name"
		else
			echo "ok   [$BUILD] $name $sum"
		fi
	done
fi
if [ "${TW_ONLY:-integration}" = integration ] || [ -z "$TW_ONLY" ]; then
	for t in "$ROOT"/tests/*_itest.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t")
		total=$((total + 1))
		(cd "$ROOT" && sh "$t") >"$log/$name" 2>&1
		rc=$?
		sum=$(grep -E '^# (pass|fail|summary)' "$log/$name" | tail -1)
		if [ $rc -ne 0 ]; then
			fail=$((fail + 1)); failed="$failed $name"
			echo "FAIL [$BUILD] $name (rc $rc) $sum"; tail -40 "$log/$name"
		else
			echo "ok   [$BUILD] $name $sum"
		fi
	done
fi
rm -rf "$log"
echo "== [$BUILD] $((total - fail))/$total test runners passed${failed:+; failed:$failed}"
[ $fail -eq 0 ]
