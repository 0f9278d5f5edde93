#!/bin/sh
# Integration: `trustwatch store migrate` (SPEC §11, issue 17) copies a SQLite history into
# a PostgreSQL store (a private server, tests/support/pg.sh):
#   - interrupted by SIGKILL in the middle of the results, run again it resumes and ends
#     with equal counts per table (and a third run copies nothing);
#   - the site rendered from the copy is identical to the one rendered from the original
#     (diff -r; both rendered --at the same time);
#   - a target that is not PostgreSQL, a missing --from, or a --from that is no store: exit 3.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
gen="$(dirname "$TW_BIN")/bench/history_gen"
work=$(mktemp -d /tmp/tw-migrate-itest.XXXXXX)
. "$ROOT/tests/support/pg.sh"
mig_pid=""
cleanup() {
	[ -n "$mig_pid" ] && kill -9 "$mig_pid" 2>/dev/null
	pg_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { if eval "$1"; then ok "$2"; else nok "$2"; fi; }
finish() { echo "# pass $pass fail $fail"; [ "$fail" -eq 0 ]; exit $?; }

[ -x "$gen" ] || { nok "$gen exists (make test builds it)"; finish; }
PG_ON_EXIT=cleanup	# pg_start installs its own EXIT trap: ours runs in it too
pg_start || { nok "PostgreSQL starts (tests/support/pg.sh)"; finish; }
url=$(pg_newdb migrate) || { nok "a database is created"; finish; }
psql=$(command -v psql || echo "$TW_PG_BIN/psql")
count() { "$psql" -X -q -t -A -d "$url" -c "SELECT count(*) FROM $1" 2>/dev/null || echo -1; }

# A 200-endpoint history: 1 day at 1 result/min, 4 more at 1 per hour (~300,000 results).
"$gen" "$work/h.db" "$work/c.yaml" "$ROOT/examples/certs" 5 1 60 >"$work/gen.log" 2>&1 ||
	{ nok "history_gen: $(tail -3 "$work/gen.log")"; finish; }
src_results=$(sqlite3 "$work/h.db" "SELECT count(*) FROM results")
sed "s|^storage: { path: \"[^\"]*\"|storage: { path: \"$work/local.db\", url: \"$url\"|" \
    "$work/c.yaml" >"$work/pg.yaml"
check 'grep -q "url: \"$url\"" "$work/pg.yaml"' "the PostgreSQL config names the database"

# Refusals first: nothing is copied.
"$TW_BIN" store migrate -c "$work/c.yaml" --from "$work/h.db" >"$work/o1" 2>"$work/e1"
check '[ $? -eq 3 ] && grep -q "not PostgreSQL" "$work/e1"' "a SQLite target is refused (exit 3)"
"$TW_BIN" store migrate -c "$work/pg.yaml" >"$work/o2" 2>"$work/e2"
check '[ $? -eq 3 ] && grep -q -- "--from" "$work/e2"' "a missing --from is refused (exit 3)"
: >"$work/empty.db"
"$TW_BIN" store migrate -c "$work/pg.yaml" --from "$work/empty.db" >"$work/o3" 2>"$work/e3"
check '[ $? -eq 3 ] && grep -q "not a trustwatch store" "$work/e3"' "a --from that is no store is refused (exit 3)"
"$TW_BIN" store migrate -c "$work/pg.yaml" --from "$work/nope.db" >"$work/o4" 2>"$work/e4"
check '[ $? -eq 3 ]' "a --from that does not exist is refused (exit 3)"

# Interrupted: SIGKILL once some results are there, but not all.
"$TW_BIN" store migrate -c "$work/pg.yaml" --from "$work/h.db" >"$work/o5" 2>"$work/e5" &
mig_pid=$!
n=0 deadline=$(( $(date +%s) + 120 ))
while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$mig_pid" 2>/dev/null; do
	n=$(count results)
	[ "$n" -gt 0 ] 2>/dev/null && break
done
kill -9 "$mig_pid" 2>/dev/null
wait "$mig_pid" 2>/dev/null
mig_pid=""
n=$(count results)
check '[ "$n" -gt 0 ] && [ "$n" -lt "$src_results" ]' "killed midway: $n of $src_results results copied"

# Resumed: equal counts, exit 0.
"$TW_BIN" store migrate -c "$work/pg.yaml" --from "$work/h.db" >"$work/o6" 2>"$work/e6"
rc=$?
check '[ $rc -eq 0 ]' "run again it resumes and ends (exit $rc: $(head -2 "$work/e6"))"
check '! grep -q MISMATCH "$work/o6" && grep -q "^results  *$src_results  *$src_results$" "$work/o6"' \
    "counts are verified per table ($src_results results on both sides)"
check '[ "$(count results)" -eq "$src_results" ]' "no result is copied twice"
"$TW_BIN" store migrate -c "$work/pg.yaml" --from "$work/h.db" >"$work/o7" 2>"$work/e7"
check '[ $? -eq 0 ] && [ "$(count results)" -eq "$src_results" ]' "a third run copies nothing"
for t in endpoints incidents daily hourly; do
	a=$(sqlite3 "$work/h.db" "SELECT count(*) FROM $t")
	check '[ "$(count $t)" -eq "$a" ]' "$t: $a rows on both sides"
done

# The same site from both stores.
at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$TW_BIN" report -c "$work/c.yaml" -o "$work/site-sqlite" --at "$at" 2>"$work/r1"
check '[ $? -eq 0 ]' "the site renders from SQLite"
"$TW_BIN" report -c "$work/pg.yaml" -o "$work/site-pg" --at "$at" 2>"$work/r2"
check '[ $? -eq 0 ]' "the site renders from PostgreSQL ($(head -1 "$work/r2"))"
diff -r "$work/site-sqlite" "$work/site-pg" >"$work/diff" 2>&1
check '[ $? -eq 0 ]' "the two sites are identical (diff -r: $(head -3 "$work/diff" | tr '\n' ' '))"
check '[ -s "$work/site-pg/index.html" ] && [ -s "$work/site-pg/exports/daily.csv" ]' "the site is not empty"
finish
