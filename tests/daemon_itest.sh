#!/bin/sh
# backends: sqlite postgresql
# workers: 2
# Integration: `trustwatch run` against the testbed and an SMTP sink (tests/support/smtp_sink.py).
# A scripted outage opens an incident after 3 results and mails "opened" once; healing
# resolves it after 2 and mails "resolved" once; mail queued while the SMTP server is down
# arrives exactly once when it comes back; kill -9 then restart loses no committed result
# and sends no duplicate; SIGHUP with a broken config keeps probing, with a good one adds an
# endpoint; SIGTERM exits 0 promptly. Every wait polls with a deadline.
# Needs TW_BIN and TW_TESTBED (tests/run.sh sets them), python3, and sqlite3 or psql
# (tests/support/backend.sh: TW_BACKEND=postgresql runs it on a PostgreSQL store).
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/support/backend.sh"
work=$(mktemp -d /tmp/tw-daemon-itest.XXXXXX)
tb_pid=""; sink_pid=""; d_pid=""
cleanup() {
	for p in $d_pid $sink_pid $tb_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	if [ "$fail" -ne 0 ]; then
		echo "--- daemon log (tail)"; tail -60 "$work/daemon.log" 2>/dev/null
	fi
	echo "# summary: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && echo "# pass $pass" || echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit $?
}
for tool in python3 curl; do
	command -v $tool >/dev/null 2>&1 || { echo "# skip: $tool missing"; echo "# pass 0"; exit 0; }
done

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
	secs=$1; what=$2; shift 2
	deadline=$(( $(date +%s) + secs ))
	until "$@"; do
		if [ "$(date +%s)" -gt "$deadline" ]; then
			not_ok "timed out after ${secs}s waiting for: $what"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
wait_for 30 "the testbed config" test -s "$work/tb.yaml" || finish
ctl=$(cat "$work/state/control.url")
fault() { curl -sf -d "$1" "$ctl" >/dev/null || not_ok "control: $1 failed"; }
TW_DBFILE="$work/state/trustwatch.db"
q() { tw_sql "$1" 2>/dev/null; }
storage=$(tw_storage_yaml "$TW_DBFILE") || { not_ok "no $TW_BACKEND store"; finish; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Probe every second; open after 3, close after 2; mail to a sink on $port.
sed -e 's/^  interval: .*/  interval: 1s/' -e 's/^  timeout: .*/  timeout: 2s/' \
    -e 's/^  open_after: .*/  open_after: 3/' -e 's/^  close_after: .*/  close_after: 2/' \
    -e '/^storage:$/{N;d;}' "$work/tb.yaml" >"$work/good.yaml"
# The testbed's storage block (its first two lines) is replaced by the backend's.
{ echo "$storage"; cat "$work/good.yaml"; } >"$work/c.yaml" && cp "$work/c.yaml" "$work/good.yaml"
cat >>"$work/good.yaml" <<YAML
alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test, NOC@example.test]
  remind_every: 1h
  digest_window: 0s   # one mail per incident here; mail_itest covers the digest
YAML
# TW_WORKERS (tests/run.sh's probe-threads pass): the probes on that many threads.
if [ -n "${TW_WORKERS:-}" ]; then
	echo "workers: $TW_WORKERS" >>"$work/good.yaml"
fi
cp "$work/good.yaml" "$work/c.yaml"

start_sink() {
	rm -f "$work/mail/ready"
	python3 "$ROOT/tests/support/smtp_sink.py" --port "$port" --dir "$work/mail" \
	    >>"$work/sink.log" 2>&1 &
	sink_pid=$!
	wait_for 10 "the SMTP sink" test -e "$work/mail/ready"
}
stop_sink() { kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null; sink_pid=""; }
# With TW_WORKERS the daemon starts under a soft limit of 512 descriptors, which it must
# raise for 256 probes per thread (daemon/run.c fd_limit).
start_daemon() {
	TRUSTWATCH_MAIL_RETRY_MS=200 sh -c '[ -z "$TW_WORKERS" ] || ulimit -Sn 512; exec "$@"' sh \
	    "$TW_BIN" run -c "$work/c.yaml" --pid-file "$work/pid" >>"$work/daemon.log" 2>&1 &
	d_pid=$!
	wait_for 10 "the pid file" test -s "$work/pid"
}
# mails PATTERN: number of received mails whose Subject matches PATTERN.
mails() { grep -l "^Subject: $1" "$work"/mail/mail-*.eml 2>/dev/null | wc -l; }
results() { q "SELECT count(*) FROM results r JOIN endpoints e ON e.id = r.ep WHERE e.provider = 'p1' AND e.endpoint = '$1';"; }
incidents() { q "SELECT count(*) FROM incidents i JOIN endpoints e ON e.id = i.ep WHERE e.endpoint = '$1'${2:+ AND $2};"; }
gt() { [ "$(eval "$1")" -gt "$2" ] 2>/dev/null; }
eq() { [ "$(eval "$1")" = "$2" ]; }

start_sink || finish
start_daemon || finish
wait_for 20 "results for p1/ocsp" gt "results ocsp" 1 || finish
ok "the daemon probes and stores results"
if [ -n "${TW_WORKERS:-}" ]; then
	# Every kind of the testbed's config on the threads: each endpoint has results, all up.
	grep -q "probe threads started.*workers=$TW_WORKERS " "$work/daemon.log" &&
	    ok "the probes run on $TW_WORKERS threads" || not_ok "no probe threads in the log"
	soft=$(awk '/^Max open files/ {print $4}' "/proc/$d_pid/limits")
	hard=$(awk '/^Max open files/ {print $5}' "/proc/$d_pid/limits")
	want=$((256 * TW_WORKERS * 2 + 128))
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
		ok "# skip descriptor limit: the hard limit $hard is below $want"
	elif [ "$soft" = "$want" ] || { [ "$soft" != unlimited ] && [ "$soft" -ge "$want" ]; }; then
		ok "the descriptor limit raised from 512 to $soft for $((256 * TW_WORKERS)) probes"
	else
		not_ok "descriptor limit $soft, want $want"
	fi
	n_eps=$(grep -c '^ *- id: ' "$work/tb.yaml")
	wait_for 20 "a result of every endpoint" eq "q 'SELECT count(DISTINCT ep) FROM results;'" \
	    "$(q 'SELECT count(*) FROM endpoints;')" || finish
	down=$(q "SELECT count(*) FROM results WHERE code != 0;")
	[ "$down" = 0 ] && ok "every endpoint up on the threads ($n_eps ids in the config)" ||
	    not_ok "$down results not up on the threads"
fi

# 1. An outage: opened after 3 non-up results, one "opened" mail.
fault p1/ocsp=down
wait_for 20 "an ocsp incident" gt "incidents ocsp" 0 || finish
wait_for 20 "the opened mail" gt "mails '\\[DOWN\\] .* ocsp: connect'" 0 || finish
inc_start=$(q "SELECT i.start FROM incidents i JOIN endpoints e ON e.id = i.ep WHERE e.endpoint = 'ocsp';")
# The first failed result after the last good one before the incident: a lone degraded
# result earlier (a slow answer on a busy host, then good ones) is not this incident's.
first_down=$(q "SELECT min(r.t) FROM results r JOIN endpoints e ON e.id = r.ep WHERE e.endpoint = 'ocsp' AND r.code != 0 AND r.t > (SELECT coalesce(max(g.t), 0) FROM results g JOIN endpoints f ON f.id = g.ep WHERE f.endpoint = 'ocsp' AND g.code = 0 AND g.t < $inc_start);")
[ "$inc_start" = "$first_down" ] && ok "the incident starts at the first failed result" ||
    not_ok "incident start $inc_start, first failure $first_down ($(q "SELECT count(*) FROM results r JOIN endpoints e ON e.id = r.ep WHERE e.endpoint = 'ocsp' AND r.code != 0 AND r.t < $inc_start;") failed before it)"
bad=$(q "SELECT count(*) FROM results r JOIN endpoints e ON e.id = r.ep WHERE e.endpoint = 'ocsp' AND r.t >= $inc_start;")
[ "$bad" -ge 3 ] && ok "opened after at least 3 failed results ($bad so far)" || not_ok "opened after $bad results"
f=$(grep -l '^Subject: \[DOWN\]' "$work"/mail/mail-*.eml | head -1)
tr -d '\r' <"$f" | grep -q '^X-Envelope-To: <noc@example.test>$' && ok "recipients deduplicated (case-insensitive)" ||
    not_ok "envelope: $(grep X-Envelope-To "$f")"
grep -q '^Message-ID: <incident-[0-9]*-opened@example\.test>' "$f" && grep -q '^Date: ' "$f" &&
    grep -q '^Content-Type: text/plain; charset=utf-8' "$f" && grep -q 'Last results:' "$f" &&
    ok "the opened mail is a full RFC 5322 message with the last results" || not_ok "mail: $(cat "$f")"

# 2. Healing: resolved after 2 up results, one "resolved" mail.
fault p1/ocsp=ok
wait_for 20 "the resolved mail" gt "mails '\\[RESOLVED\\] .* ocsp after'" 0 || finish
eq "incidents ocsp 'i.end IS NOT NULL'" 1 && ok "the incident is resolved" || not_ok "incident not resolved"
eq "mails '\\[DOWN\\] .* ocsp'" 1 && eq "mails '\\[RESOLVED\\] .* ocsp'" 1 &&
    ok "exactly one opened and one resolved mail" ||
    not_ok "opened $(mails '\[DOWN\] .* ocsp'), resolved $(mails '\[RESOLVED\] .* ocsp')"

# 3. SMTP down: mail waits in the outbox, retried with backoff, delivered once later.
stop_sink
fault p1/crl=garbage
wait_for 20 "a crl incident" gt "incidents crl" 0 || finish
wait_for 20 "failed delivery attempts" gt "q 'SELECT max(attempts) FROM outbox WHERE sent IS NULL;'" 1 || finish
ok "mail to a dead SMTP server is retried ($(q 'SELECT max(attempts) FROM outbox WHERE sent IS NULL;') attempts)"
fault p1/crl=ok
wait_for 20 "the crl resolution queued" eq "q 'SELECT count(*) FROM outbox WHERE sent IS NULL;'" 2 || finish
start_sink || finish
wait_for 30 "the delayed mails" eq "q 'SELECT count(*) FROM outbox WHERE sent IS NULL;'" 0 || finish
eq "mails '\\[DOWN\\] .* crl'" 1 && eq "mails '\\[RESOLVED\\] .* crl'" 1 &&
    ok "mail queued during the SMTP outage arrives exactly once" ||
    not_ok "crl opened $(mails '\[DOWN\] .* crl'), resolved $(mails '\[RESOLVED\] .* crl')"

# 4. kill -9 mid-outage, then restart: no lost result, no duplicate incident or mail.
fault p1/tsa=down
wait_for 20 "a failed tsa result" gt "q \"SELECT count(*) FROM results r JOIN endpoints e ON e.id = r.ep WHERE e.endpoint = 'tsa' AND r.code != 0;\"" 0 || finish
kill -9 "$d_pid"; wait "$d_pid" 2>/dev/null; d_pid=""
before=$(q "SELECT count(*) FROM results;")
before_t=$(q "SELECT max(t) FROM results;")
rm -f "$work/pid"
start_daemon || finish
wait_for 20 "the tsa opened mail after the restart" gt "mails '\\[DOWN\\] .* tsa'" 0 || finish
fault p1/tsa=ok
wait_for 20 "the tsa resolved mail" gt "mails '\\[RESOLVED\\] .* tsa'" 0 || finish
kept=$(q "SELECT count(*) FROM results WHERE t <= $before_t;")
[ "$kept" -eq "$before" ] && ok "kill -9: all $before committed results kept" || not_ok "kill -9: $before before, $kept after"
eq "incidents tsa" 1 && ok "kill -9: one tsa incident" || not_ok "kill -9: $(incidents tsa) tsa incidents"
eq "mails '\\[DOWN\\] .* tsa'" 1 && eq "mails '\\[RESOLVED\\] .* tsa'" 1 && ok "kill -9: no duplicate mail" ||
    not_ok "kill -9: tsa opened $(mails '\[DOWN\] .* tsa'), resolved $(mails '\[RESOLVED\] .* tsa')"
total=$(ls "$work"/mail/mail-*.eml | wc -l)
ids=$(grep -h '^Message-ID:' "$work"/mail/mail-*.eml | sort -u | wc -l)
sent=$(q "SELECT count(*) FROM outbox WHERE sent IS NOT NULL;")
[ "$total" -eq "$ids" ] && [ "$total" -eq "$sent" ] && ok "$total mails, $total distinct Message-IDs, one per outbox row" ||
    not_ok "$total mails, $ids distinct Message-IDs, $sent sent outbox rows"

# 5. SIGHUP: a broken config is rejected and probing goes on; a good one adds an endpoint.
printf 'bogus_key: 1\n' >>"$work/c.yaml"
n0=$(results login)
kill -HUP "$d_pid"
wait_for 10 "the reload rejection logged" grep -q 'reload rejected' "$work/daemon.log" || finish
grep -q 'level=error msg="config error" error=.*bogus_key' "$work/daemon.log" &&
    ok "SIGHUP with a broken config logs its errors" || not_ok "no config error logged"
wait_for 10 "probing after the rejected reload" gt "results login" $((n0 + 2)) &&
    ok "SIGHUP with a broken config keeps probing"
login_url=$(grep -m1 'url: https' "$work/good.yaml" | sed 's/.*url: //')
awk -v u="$login_url" '{ print } /^    endpoints:$/ && !done {
	print "      - { id: extra, kind: login, url: \"" u "\", tls_ca: \"'"$work"'/state/pki/root-ca.pem\" }"; done = 1 }' \
    "$work/good.yaml" | sed 's/^  remind_every: .*/  remind_every: 1s/' >"$work/c.yaml"
kill -HUP "$d_pid"
wait_for 15 "results for the added endpoint" gt "results extra" 0 &&
    ok "SIGHUP with a good config adds an endpoint"

# 6. Reminders (remind_every came down to 1 s with the reload) while an incident stays open.
fault p1/saml=down
wait_for 20 "the saml opened mail" gt "mails '\\[DOWN\\] .* saml'" 0 || finish
wait_for 20 "a saml reminder" gt "mails '\\[STILL DOWN\\] .* saml: connect (for '" 0 &&
    ok "a reminder while the incident stays open"
fault p1/saml=ok
wait_for 20 "the saml resolved mail" gt "mails '\\[RESOLVED\\] .* saml'" 0 &&
    ok "resolved after the reminders"
# Reminders and the resolution thread to the opening mail: In-Reply-To and References.
opened=$(grep -l '^Subject: \[DOWN\] .* saml' "$work"/mail/mail-*.eml | head -1)
mid=$(tr -d '\r' <"$opened" | sed -n 's/^Message-ID: //p')
threaded=0; followups=0
for f in $(grep -l '^Subject: \[\(STILL DOWN\|RESOLVED\)\] .* saml' "$work"/mail/mail-*.eml); do
	followups=$((followups + 1))
	tr -d '\r' <"$f" | grep -qxF "In-Reply-To: $mid" && tr -d '\r' <"$f" | grep -qxF "References: $mid" &&
	    threaded=$((threaded + 1))
done
[ -n "$mid" ] && [ "$followups" -ge 2 ] && [ "$threaded" -eq "$followups" ] &&
    ok "reminders and the resolution reply to the opening mail ($mid)" ||
    not_ok "threading: opening $mid, $threaded of $followups follow-ups reply to it"

# 7. SIGTERM: exit 0 promptly, pid file removed.
t0=$(date +%s)
kill -TERM "$d_pid"
wait "$d_pid"; rc=$?; d_pid=""
t1=$(date +%s)
[ "$rc" -eq 0 ] && [ $((t1 - t0)) -le 6 ] && [ ! -e "$work/pid" ] &&
    ok "SIGTERM: exit 0 in $((t1 - t0)) s, pid file removed" || not_ok "SIGTERM: rc $rc after $((t1 - t0)) s"
grep -q 'msg="stopped" exit=0' "$work/daemon.log" && ok "logfmt lifecycle lines" || not_ok "no stopped line"
grep -q 'level=info msg="incident opened" incident=[0-9]* provider=p1 endpoint=ocsp kind=ocsp reasons=' "$work/daemon.log" &&
    grep -q 'level=info msg="incident resolved" incident=[0-9]* provider=p1 endpoint=ocsp .* duration_s=[0-9]' "$work/daemon.log" &&
    ok "incidents opening and resolving are logged at info level" ||
    not_ok "no incident opened/resolved lines: $(grep incident "$work/daemon.log" | head -3)"
grep -Eq 'Sanitizer|runtime error' "$work/daemon.log" && not_ok "sanitizer report in the daemon log" ||
    ok "no sanitizer report in the daemon log (kill -9, reloads, stop)"
# Incidents re-render the site; with probe threads each render is a fresh `trustwatch report`.
grep -q 'msg="report rendered"' "$work/daemon.log" &&
    ! grep -q 'msg="report render failed"' "$work/daemon.log" &&
    ok "the site rendered after incidents${TW_WORKERS:+ (a fresh report process: probe threads)}" ||
    not_ok "no rendered report: $(grep 'report' "$work/daemon.log" | tail -3)"
finish
