#!/bin/sh
# backends: sqlite postgresql
# Integration: the render cache beside the store (STORE.site-cache/: closed months' results
# CSVs, the current month's per-day chunks, incident pages; issue 22) never changes what is
# published. A 200-endpoint history (bench/history_gen) of 40 days, so at least one UTC
# month is closed, is rendered --at a fixed time:
#   - cold with an empty cache, cold again with the cache filled, warm over the previous
#     site: each identical (diff -r) to a render with no cache at all;
#   - a result stored late (as a spool replays it) into the closed month, and one into a
#     completed day of the current month, raw (a node's observation, which feeds no rollup:
#     PostgreSQL) and as a verdict: the next renders, warm and cold, show them, and are
#     still identical to a render without the cache; likewise one into today's first hour
#     (whose deflated rows a warm render keeps in the cache);
#   - today's rows before the current hour are taken from kept texts, merged with the
#     current hour's rows from the store (endpoints new this hour included).
# Needs TW_BIN (tests/run.sh); the generator is built beside it (make test).
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/support/backend.sh"
gen="$(dirname "$TW_BIN")/bench/history_gen"
work=$(mktemp -d /tmp/tw-site-cache-itest.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { if eval "$1"; then ok "$2"; else nok "$2"; fi; }
finish() { echo "# pass $pass fail $fail"; [ "$fail" -eq 0 ]; exit $?; }

[ -x "$gen" ] || { nok "$gen exists (make test builds it)"; finish; }
# 40 days: the last one at 1 result/min, the others at 1 per hour (about 480,000 results).
"$gen" "$work/h.db" "$work/gen.yaml" "$ROOT/examples/certs" 40 1 60 >"$work/gen.log" 2>&1 ||
	{ nok "history_gen: $(tail -3 "$work/gen.log")"; finish; }
db="$work/h.db"
cfg="$work/gen.yaml"
store=$db
if [ "$TW_BACKEND" = postgresql ]; then
	storage=$(tw_storage_yaml "$work/local.db") || { nok "a database is created"; finish; }
	store=$(tw_store_url "$work/local.db")
	sed "s|^storage: { path: \"[^\"]*\"|storage: { path: \"$work/local.db\", url: \"$store\"|" \
	    "$work/gen.yaml" >"$work/c.yaml"
	cfg="$work/c.yaml"
	"$TW_BIN" store migrate -c "$cfg" --from "$db" >"$work/mig.out" 2>"$work/mig.err"
	check '[ $? -eq 0 ]' "the history is copied to PostgreSQL ($(tail -1 "$work/mig.err"))"
	cache="$work/local.db.site-cache"
	mode=raw
else
	cache="$db.site-cache"
	mode=verdict
fi
check 'grep -q "^storage:" "$cfg"' "the config names the store"

# The render time: now, to the second (the history ends at the minute before now).
at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
now_ms=$(( $(date -u -d "$at" +%s) * 1000 ))
month=$(date -u -d "$at" +%Y-%m)
month_ms=$(( $(date -u -d "$month-01T00:00:00Z" +%s) * 1000 ))
prev=$(date -u -d "$month-01T00:00:00Z - 1 day" +%Y-%m)

# render NAME [nocache]: renders into $work/NAME (a fresh directory unless it exists).
render() {
	if [ "${2:-}" = nocache ]; then
		mv "$cache" "$cache.aside" 2>/dev/null
	fi
	"$TW_BIN" report -c "$cfg" -o "$work/$1" --at "$at" >"$work/$1.out" 2>"$work/$1.err"
	rc=$?
	if [ "${2:-}" = nocache ]; then
		rm -rf "$cache"
		mv "$cache.aside" "$cache" 2>/dev/null
	fi
	[ $rc -eq 0 ] || nok "render $1 exits 0 ($rc: $(head -2 "$work/$1.err"))"
}
# same A B: identical trees, byte for byte (the .gz copies too)
same() {
	diff -r "$work/$1" "$work/$2" >"$work/diff-$1-$2" 2>&1
}
# gz_ok A: each results CSV's .gz holds exactly the CSV
gz_ok() {
	for f in "$work/$1"/exports/results-*.csv; do
		[ -f "$f.gz" ] || continue
		gzip -t "$f.gz" && gzip -dc "$f.gz" | cmp -s - "$f" || { echo "$f.gz"; return 1; }
	done
}

# all_gz_ok A: every text file of site A has its .gz (none over 512 MB here), holding exactly it;
# prints the first that does not (the pages' .gz are made by a child process meanwhile).
all_gz_ok() {
	python3 - "$work/$1" <<'PY'
import gzip, os, sys
bad = []
for d, _, files in os.walk(sys.argv[1]):
	for f in files:
		if not f.endswith((".html", ".css", ".json", ".csv", ".atom", ".svg")):
			continue
		p = os.path.join(d, f)
		try:
			ok = gzip.decompress(open(p + ".gz", "rb").read()) == open(p, "rb").read()
		except OSError:
			ok = False
		if not ok:
			bad.append(p)
print(len(bad), bad[:1])
sys.exit(1 if bad else 0)
PY
}

rm -rf "$cache"
render cold1
check '[ -f "$work/cold1/exports/results-$prev.csv" ] && [ -f "$work/cold1/exports/results-$month.csv" ]' \
    "the closed month $prev and the current month $month have their CSVs"
check 'ls "$cache"/results-month-"$prev"-*.csv >/dev/null 2>&1' "the closed month is kept in the cache"
render plain nocache
check 'same plain cold1' "cold render, empty cache = render without a cache ($(head -3 "$work/diff-plain-cold1" 2>/dev/null))"
render cold2
check 'same plain cold2' "cold render, cache filled = render without a cache ($(head -3 "$work/diff-plain-cold2" 2>/dev/null))"
cached=$(ls "$cache"/results-month-"$prev"-*.csv 2>/dev/null | head -1)
check '[ -n "$cached" ] && [ "$(stat -c %i "$cached")" = "$(stat -c %i "$work/cold2/exports/results-$prev.csv")" ]' \
    "the cold render linked the closed month from the cache"
page=$(cd "$work/cold1" && ls incidents/*.html 2>/dev/null | grep -v 'incidents/page' | head -1)
check '[ -n "$page" ] && [ "$(stat -c %i "$work/cold1/$page")" = "$(stat -c %i "$work/cold2/$page")" ]' \
    "the cold render linked a resolved incident's page ($page) from the cache"
cp -a "$work/cold2" "$work/warm"
render warm
check 'same plain warm' "warm render = render without a cache ($(head -3 "$work/diff-plain-warm" 2>/dev/null))"
all_gz_ok warm >"$work/gzall"
check '[ $? -eq 0 ]' "every text file of the warm render has its .gz, holding it (bad: $(cat "$work/gzall"))"
all_gz_ok cold1 >"$work/gzall"
check '[ $? -eq 0 ]' "... and of the cold one (bad: $(cat "$work/gzall"))"

# Today's rows before the current hour are kept as text too (keyed by the rollups every result
# feeds on SQLite, by the endpoint's stored results' count on PostgreSQL), with a manifest
# once a render streamed all of today: a later render
# reads only the current hour's rows from the store and merges the kept texts in, in the
# store's order. Shown by a line planted in one kept text, which the next render publishes,
# with results of two endpoints new this hour sorting first and last in the merge; then,
# with that text gone, a render streams all of today again.
day_ms=$(( now_ms / 86400000 * 86400000 ))
hour_ms=$(( now_ms / 3600000 * 3600000 ))
if [ "$hour_ms" -gt "$day_ms" ] && [ "$day_ms" -ge "$month_ms" ]; then
	check 'ls "$cache"/results-today-*.idx >/dev/null 2>&1' "a render that streamed all of today keeps a manifest of its texts"
	text=$(ls -S "$cache"/results-today-*.csv 2>/dev/null | head -1)
	check '[ -s "$text" ]' "today's rows of an endpoint before this hour are kept as text ($text)"
	for ep in aa-new zz-new; do
		"$gen" --late "$store" $(( hour_ms + 1 )) "$mode" $ep >"$work/new.log" 2>&1 ||
			nok "a result of $ep is stored in this hour ($(head -1 "$work/new.log"))"
	done
	echo "planted-line" >>"$text"
	render planted
	render plain3 nocache
	csv="exports/results-$month.csv"
	check 'grep -q "^planted-line" "$work/planted/$csv"' "a render takes today's rows before this hour from the kept text"
	check 'grep -v "^planted-line" "$work/planted/$csv" | cmp -s - "$work/plain3/$csv"' \
	    "... merged with the store's rows of this hour in the store's order (new endpoints first and last)"
	check 'grep -q ",prov0,aa-new," "$work/plain3/$csv" && grep -q ",prov0,zz-new," "$work/plain3/$csv"' \
	    "... which has the two new endpoints' rows"
	check 'gz_ok planted >"$work/gzbad"' "... its .gz holds it ($(cat "$work/gzbad" 2>/dev/null))"
	rm -f "$text"
	render gone
	check 'same plain3 gone' "a kept text gone: today is streamed again (= render without a cache) ($(head -3 "$work/diff-plain3-gone" 2>/dev/null))"
	check '[ -s "$text" ] && ! grep -q planted-line "$text"' "... and its text kept again"
	# The cache on another file system than the site (the store copied to tmpfs, SQLite):
	# the texts are still kept (copy_file_range cannot cross file systems: read and write)
	# and used.
	if [ "$TW_BACKEND" = sqlite ] && shm=$(mktemp -d /dev/shm/tw-site-cache-itest.XXXXXX 2>/dev/null); then
		cp "$db" "$shm/h.db"
		sed "s|$db|$shm/h.db|" "$cfg" >"$work/shm.yaml"
		"$TW_BIN" report -c "$work/shm.yaml" -o "$work/shmsite" --at "$at" >"$work/shm.out" 2>"$work/shm.err"
		check '[ $? -eq 0 ] && ls "$shm"/h.db.site-cache/results-today-*.idx >/dev/null 2>&1' \
		    "the cache on another file system than the site: today's texts kept ($(head -1 "$work/shm.err"))"
		echo "planted-line" >>"$(ls -S "$shm"/h.db.site-cache/results-today-*.csv | head -1)"
		"$TW_BIN" report -c "$work/shm.yaml" -o "$work/shmsite" --at "$at" >"$work/shm.out" 2>"$work/shm.err"
		check 'grep -q "^planted-line" "$work/shmsite/$csv"' "... and used by the next render"
		rm -rf "$shm"
	fi
	cp -a "$work/gone" "$work/warm"
fi

# Late results: one in the closed month (20 days before this month, 12:00:00.123 UTC), one in a completed
# day of this month (yesterday, when that is in this month).
late1=$(( month_ms - 20 * 86400000 + 43200123 ))
"$gen" --late "$store" "$late1" "$mode" >"$work/late1.log" 2>&1
check '[ $? -eq 0 ]' "a $mode result is stored late into $prev ($(head -1 "$work/late1.log"))"
late2=""
if [ $(( now_ms - month_ms )) -gt $(( 86400000 + 7200000 )) ]; then
	late2=$(( (now_ms / 86400000 - 1) * 86400000 + 43200321 ))
	"$gen" --late "$store" "$late2" "$mode" >"$work/late2.log" 2>&1
	check '[ $? -eq 0 ]' "a $mode result is stored late into yesterday ($(head -1 "$work/late2.log"))"
fi
# And one into today before the current UTC hour, whose deflated rows the warm render cached
# (results-today-*).
late3=""
if [ $(( now_ms - day_ms )) -gt 7200000 ] && [ "$day_ms" -ge "$month_ms" ]; then
	check 'ls "$cache"/results-today-* >/dev/null 2>&1' "today's rows before this hour are kept deflated in the cache"
	late3=$(( day_ms + 1800456 ))
	"$gen" --late "$store" "$late3" "$mode" >"$work/late3.log" 2>&1
	check '[ $? -eq 0 ]' "a $mode result is stored late into today's first hour ($(head -1 "$work/late3.log"))"
fi
render warm
render cold3
render plain2 nocache
t1=$(awk -v t="$late1" 'BEGIN { printf "%s.%03d", strftime("%Y-%m-%dT%H:%M:%S", int(t / 1000), 1), t % 1000 }')
check 'grep -q "$t1" "$work/plain2/exports/results-$prev.csv"' "without a cache, $prev's CSV shows the late result ($t1)"
check 'gz_ok warm >"$work/gzbad"' "the warm render's results CSVs' .gz hold them ($(cat "$work/gzbad" 2>/dev/null))"
check 'same plain2 warm' "warm render after the late results = render without a cache ($(head -3 "$work/diff-plain2-warm" 2>/dev/null))"
check 'same plain2 cold3' "cold render after the late results = render without a cache ($(head -3 "$work/diff-plain2-cold3" 2>/dev/null))"
check '! same plain plain2' "the late results change the site"
if [ -n "$late2" ]; then
	t2=$(awk -v t="$late2" 'BEGIN { printf "%s.%03d", strftime("%Y-%m-%dT%H:%M:%S", int(t / 1000), 1), t % 1000 }')
	check 'grep -q "$t2" "$work/warm/exports/results-$month.csv"' "the warm render's $month CSV shows the late result of yesterday"
fi
# Once more over it: the spare (the replaced site's incident pages, kept in the cache) now
# holds the very files of the published site, which stay as they are.
check 'ls -d "$cache"/incidents-*.spare >/dev/null 2>&1' "the replaced site's incident pages are kept as the spare"
ino_before=$(stat -c %i "$work/warm/$page" 2>/dev/null)
# What the spare holds is not trusted: things no render writes there must be gone after.
for sp in "$cache"/incidents-*.spare/incidents "$cache"/incidents-*.spare/fr/incidents; do
	[ -d "$sp" ] || continue
	echo junk >"$sp/notes.txt"; echo old >"$sp/999999999.html"; echo old >"$sp/999999999.html.gz"
	echo odd >"$sp/007.html"; mkdir -p "$sp/888888888.html"; echo x >"$sp/888888888.html/x"
done
render warm
check 'same plain2 warm' "warm render over the spare = render without a cache ($(head -3 "$work/diff-plain2-warm" 2>/dev/null))"
check '! ls "$work/warm/incidents/notes.txt" "$work/warm/incidents/999999999.html" "$work/warm/incidents/999999999.html.gz" "$work/warm/incidents/007.html" "$work/warm/fr/incidents/888888888.html" >/dev/null 2>&1' \
    "what no render writes in the spare's folders is removed"
check '[ -n "$ino_before" ] && [ "$(stat -c %i "$work/warm/$page")" = "$ino_before" ]' \
    "the warm render kept the unchanged page ($page) as the same file"
if [ -n "$late3" ]; then
	t3=$(awk -v t="$late3" 'BEGIN { printf "%s.%03d", strftime("%Y-%m-%dT%H:%M:%S", int(t / 1000), 1), t % 1000 }')
	check 'gzip -dc "$work/warm/exports/results-$month.csv.gz" | grep -q "$t3"' "the warm render's $month CSV.gz shows the late result of today ($t3)"
fi
# The current month's CSV (and .gz) that the spare holds, published two renders before, is
# brought up to date in place (cut after its last completed day still valid, today written
# on) rather than copied whole: the same file comes back. Not while anyone has it open (a
# download begun before it was replaced): then a new file is written. Needs a completed day
# of the current month in the cache.
if [ $(( now_ms - month_ms )) -gt 86400000 ]; then
	csv="exports/results-$month.csv"
	ino_a=$(stat -c %i "$work/warm/$csv")
	render warm
	render warm
	check '[ "$(stat -c %i "$work/warm/$csv")" = "$ino_a" ]' \
	    "the month's CSV of two renders before is written on in place (inode $ino_a)"
	check 'same plain2 warm' "... and the site is that of a render without a cache ($(head -3 "$work/diff-plain2-warm" 2>/dev/null))"
	check 'gz_ok warm >"$work/gzbad"' "... its .gz holds it ($(cat "$work/gzbad" 2>/dev/null))"
	held=$(ls "$cache"/incidents-*.spare/"$csv" 2>/dev/null | head -1)
	check '[ -n "$held" ]' "the spare keeps the month's CSV it published"
	if [ -n "$held" ]; then
		ino_h=$(stat -c %i "$held")
		size_h=$(stat -c %s "$held")
		exec 3<"$held"
		render warm
		check '[ "$(stat -c %i "$work/warm/$csv")" != "$ino_h" ] && [ "$(wc -c <&3)" = "$size_h" ]' \
		    "a month's CSV someone has open is not written in place (it keeps its $size_h bytes)"
		exec 3<&-
		check 'same plain2 warm' "... the site is still that of a render without a cache ($(head -3 "$work/diff-plain2-warm" 2>/dev/null))"
	fi
fi
finish
