#!/bin/bash
# make soak: crash safety. Runs `trustwatch run` against the testbed (with a fault timeline and
# an SMTP sink), kills it with SIGKILL at random moments ROUNDS times (default 100), restarting
# each time; then checks: PRAGMA integrity_check is ok, no committed result is missing (every
# batch a run logged as stored is in the database), no incident is duplicated (no two
# overlapping incidents of one endpoint), no alert was mailed twice (one mail per Message-ID
# and per incident event). Not part of make test: it takes a few minutes.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
ROUNDS=${SOAK_ROUNDS:-100}
TW=$ROOT/$BUILD/trustwatch TB=$ROOT/$BUILD/trustwatch-testbed
work=$(mktemp -d /tmp/tw-soak.XXXXXX)
tb_pid=""; sink_pid=""; d_pid=""
cleanup() {
	for p in $d_pid $sink_pid $tb_pid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${SOAK_KEEP:-}" ] && echo "soak: kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM
die() { echo "soak: $*" >&2; exit 1; }
wait_for() {	# SECONDS COMMAND...: polls with a deadline
	local end=$(( $(date +%s) + $1 )); shift
	until "$@"; do [ "$(date +%s)" -gt "$end" ] && return 1; sleep 0.05; done
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A timeline of overlapping outages on several services for the whole run.
for ((t = 3; t < 1800; t += 7)); do
	case $(( (t / 7) % 4 )) in
	0) echo "at ${t}s p1/ocsp=down for 4s" ;;
	1) echo "at ${t}s p1/crl=bad_signature for 5s" ;;
	2) echo "at ${t}s p1/tsa=http=503 for 3s" ;;
	3) echo "at ${t}s p1/login=hang for 4s" ;;
	esac
done >"$work/timeline.txt"
"$TB" --state "$work/state" --write-config "$work/tb.yaml" --timeline "$work/timeline.txt" \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
wait_for 30 test -s "$work/tb.yaml" || die "the testbed did not start"
port=$(free_port)
mkdir -p "$work/mail"
python3 "$ROOT/tests/support/smtp_sink.py" --port "$port" --dir "$work/mail" >"$work/sink.log" 2>&1 &
sink_pid=$!
wait_for 10 test -e "$work/mail/ready" || die "the SMTP sink did not start"
sed -e 's/^  interval: .*/  interval: 1s/' -e 's/^  timeout: .*/  timeout: 2s/' \
    -e 's/^  open_after: .*/  open_after: 2/' -e 's/^  close_after: .*/  close_after: 2/' \
    "$work/tb.yaml" >"$work/c.yaml"
cat >>"$work/c.yaml" <<YAML
alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test]
  remind_every: 1h
YAML
db="$work/state/trustwatch.db"

echo "soak: $ROUNDS × kill -9 of trustwatch run (work dir $work)"
for ((i = 1; i <= ROUNDS; i++)); do
	TRUSTWATCH_LOG_LEVEL=debug TRUSTWATCH_MAIL_RETRY_MS=200 "$TW" run -c "$work/c.yaml" \
	    2>"$work/run-$i.log" &
	d_pid=$!
	# A random moment: 0.2 to 3 s into the run (the point is to hit every phase).
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + (r % 280) / 100 }')"
	kill -9 "$d_pid" 2>/dev/null
	wait "$d_pid" 2>/dev/null
	d_pid=""
	printf '.'
	[ $((i % 50)) -eq 0 ] && echo " $i"
done
echo
# One clean run at the end lets queued mail drain.
TRUSTWATCH_LOG_LEVEL=debug TRUSTWATCH_MAIL_RETRY_MS=200 "$TW" run -c "$work/c.yaml" 2>"$work/run-final.log" &
d_pid=$!
sleep 5
kill -TERM "$d_pid"; wait "$d_pid"; rc=$?; d_pid=""

fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
q() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }
reported=$(cat "$work"/run-*.log | sed -n 's/.*msg="batch stored" n=\([0-9]*\).*/\1/p' |
    awk '{ s += $1 } END { print s + 0 }')
stored=$(q 'SELECT count(*) FROM results')
dups=$(q 'SELECT count(*) FROM incidents a JOIN incidents b ON a.ep = b.ep AND a.id < b.id
    AND (a.end IS NULL OR a.end > b.start)')
mails=$(ls "$work/mail" | grep -c '^mail-')
ids=$(cat "$work"/mail/mail-* 2>/dev/null | grep -i '^Message-ID:' | sort -u | wc -l)
events=$(q "SELECT count(*) FROM outbox WHERE sent IS NOT NULL")
check "final clean stop exits 0 (rc $rc)" '[ "$rc" -eq 0 ]'
check "PRAGMA integrity_check: $(q 'PRAGMA integrity_check')" '[ "$(q "PRAGMA integrity_check")" = ok ]'
check "no committed result missing: $stored stored >= $reported logged as stored" '[ "$stored" -ge "$reported" ]'
check "no incident duplicated ($(q 'SELECT count(*) FROM incidents') incidents, $dups overlaps)" '[ "$dups" -eq 0 ]'
check "no alert mailed twice ($mails mails, $ids distinct Message-IDs, $events sent in the outbox)" '[ "$mails" -eq "$ids" ]'
exit $fail
