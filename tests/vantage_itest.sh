#!/bin/sh
# Integration: three vantage nodes (SPEC §11) on one private PostgreSQL server
# (tests/support/pg.sh) and the testbed, each `trustwatch run` leaving from its own loopback
# address (127.0.0.1, .2, .3), quorum 2, a 2 s interval:
#   (a) a fault seen only from 127.0.0.3 opens no incident; that node's raw results show it
#       and the verdict notes the minority ("seen down from n3 only");
#   (b) the fault seen from two nodes opens exactly one incident and exactly one mail;
#   (c) SIGKILL of the leader: another node leads within one interval; the incident resolves
#       once, with one "resolved" mail and no duplicate;
#   (e) the killed node is an operator alert from the new leader: the log line, one mail to
#       alerts.to and one webhook POST (X-Trustwatch-Event: node-silent);
#   (d) PostgreSQL stopped for TW_VANTAGE_OUTAGE_S seconds (default 60, as the issue says),
#       its port then accepting connections and never answering: the nodes keep probing,
#       never holding their loop for the store, and afterwards every result each node logged as probed is in
#       the store once (the spool replayed in order, idempotent on node, endpoint, time).
#   (f) operator alerts across handovers: after the outage and a restart of every node (the
#       lead moves), the killed node's silence is still mailed once; back, it is mailed once
#       as heard again; the leader then SIGKILLed, the next one mails that node's silence
#       once and repeats nothing its predecessors queued.
# Every wait polls with a deadline. Needs TW_BIN, TW_TESTBED, python3, curl, PostgreSQL.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TB=${TW_TESTBED:-$ROOT/build/trustwatch-testbed}
OUTAGE=${TW_VANTAGE_OUTAGE_S:-60}
. "$ROOT/tests/support/pg.sh"
work=$(mktemp -d /tmp/tw-vantage-itest.XXXXXX)
tb_pid=""; sink_pid=""; hook_pid=""; n1=""; n2=""; n3=""; dark_pid=""
cleanup() {
	for p in $n1 $n2 $n3 $sink_pid $hook_pid $tb_pid $dark_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	pg_stop
	[ -n "${TW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	echo "# summary: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && echo "# pass $pass" || echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit $?
}
for tool in python3 curl; do
	command -v $tool >/dev/null 2>&1 || { not_ok "$tool missing -- run scripts/deps.sh"; finish; }
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
# holds 'CMD' OP N: the output of CMD (run on every call) compares OP to N.
holds() { [ "$(eval "$1")" "$2" "$3" ]; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pg_start || { not_ok "no PostgreSQL server"; finish; }
trap cleanup EXIT INT TERM	# pg_start set its own: ours stops the server too
db=$(pg_newdb vantage) || { not_ok "cannot create the database"; finish; }
PSQL="$TW_PG_BIN/psql"
q() { "$PSQL" -X -qtA -d "$db" -c "$1" 2>/dev/null; }

"$TB" --state "$work/tb" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
wait_for 30 "the testbed config" test -s "$work/tb.yaml" || finish
ctl=$(cat "$work/tb/control.url")
fault() { curl -sf -d "$1" "$ctl" >/dev/null || not_ok "control: $1 failed"; }
ocsp_url=$(awk '/- id: ocsp/ { f = 1 } f && /url:/ { print $2; exit }' "$work/tb.yaml")

port=$(free_port)
mkdir -p "$work/sink"
python3 "$ROOT/tests/support/smtp_sink.py" --port "$port" --dir "$work/sink" \
    >"$work/sink/sink.log" 2>&1 &
sink_pid=$!
wait_for 10 "the SMTP sink" test -e "$work/sink/ready" || finish
# incident mails (not the operator alerts), and NODE's operator alerts (SILENT or BACK)
mails() { ls "$work/sink"/mail-*.eml 2>/dev/null | xargs -r grep -L '^Subject: \[NODE ' | wc -l; }
node_mails() { grep -l "^Subject: \[NODE $2\] vantage node $1 " "$work"/sink/mail-*.eml 2>/dev/null | wc -l; }
hport=$(free_port)
mkdir -p "$work/hook"
python3 "$ROOT/tests/support/http_sink.py" --port "$hport" --dir "$work/hook" \
    >"$work/hook/sink.log" 2>&1 &
hook_pid=$!
wait_for 10 "the HTTP sink" test -e "$work/hook/ready" || finish
node_hooks() { grep -l "\"event\":\"$2\"" "$work"/hook/post-*.json 2>/dev/null |
	xargs -r grep -l "\"node\":\"$1\"" | wc -l; }

# node N: n$N's config and daemon, leaving from 127.0.0.$N; its pid in $nN.
node() {
	d="$work/n$1"; mkdir -p "$d"
	cat >"$d/c.yaml" <<YAML
storage: { path: '$d/tw.db', url: '$db' }
node: { id: n$1, location: 'Loopback $1', source_address: 127.0.0.$1 }
quorum: 2
defaults: { interval: 2s, timeout: 1s }
incidents: { open_after: 2, close_after: 2 }
report: { output: '$d/site', every: 5s }
alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test]
  webhooks:
    - { url: 'http://127.0.0.1:$hport/hook', secret_env: TW_TEST_HOOK_SECRET }
  remind_every: 1h
  digest_window: 0s
providers:
  - id: p1
    endpoints:
      - id: ocsp
        kind: ocsp
        url: $ocsp_url
        issuer: '$work/tb/pki/issuing-ca.pem'
        certificate: '$work/tb/pki/good.pem'
        nonce: true
        expect: { status: good }
YAML
	TW_TEST_HOOK_SECRET=vantage-secret TRUSTWATCH_LOG_LEVEL=debug TRUSTWATCH_MAIL_RETRY_MS=200 \
	    "$TW_BIN" run -c "$d/c.yaml" >>"$d/log" 2>&1 &
	eval "n$1=$!"
}
leaders() { cat "$work"/n*/log | grep -c 'msg="leading'; }
node 1; node 2; node 3
wait_for 15 "a leader" holds 'leaders' -ge 1 || finish
lead=$(grep -l 'msg="leading' "$work"/n*/log | head -1 | sed 's|.*/n\([0-9]\)/log|\1|')
[ "$(leaders)" -eq 1 ] && ok "one node leads (n$lead)" || not_ok "$(leaders) nodes lead"
raw() { q "SELECT count(*) FROM results WHERE node = '$1' AND code $2"; }
wait_for 20 "raw results from every node" sh -c "
	for n in n1 n2 n3; do
		[ \"\$($PSQL -X -qtA -d '$db' -c \"SELECT count(*) FROM results WHERE node = '\$n'\")\" -gt 0 ] || exit 1
	done" && ok "every node stores its raw results under its id"
q "SELECT count(*) FROM results WHERE node = ''" | grep -qx 0 &&
    ok "no result without a node" || not_ok "results without a node"
verdict_t() { q "SELECT coalesce(last_time, 0) FROM endpoints WHERE provider = 'p1' AND endpoint = 'ocsp'"; }
wait_for 15 "a first verdict" holds 'verdict_t' -gt 0 && ok "the leader stores verdicts"
first_v=$(q "SELECT min(t) FROM results WHERE node <> ''")

# (a) A fault seen only from n3: its raw results show it, no incident opens.
fault 'p1/ocsp=down@127.0.0.3'
wait_for 15 "n3's raw results down" holds 'raw n3 '\''<> 0'\''' -gt 0 &&
    ok "(a) n3's raw results show the fault"
t0=$(verdict_t)
wait_for 20 "four more verdicts" holds 'verdict_t' -ge $((t0 + 7000)) || true
[ "$(raw n1 '<> 0')" -eq 0 ] && [ "$(raw n2 '<> 0')" -eq 0 ] &&
    ok "(a) n1 and n2 saw no fault" || not_ok "(a) n1 or n2 saw a fault"
[ "$(q 'SELECT count(*) FROM incidents')" -eq 0 ] && ok "(a) a minority fault opens no incident" ||
    not_ok "(a) incidents: $(q 'SELECT id, reasons FROM incidents')"
msg=$(q "SELECT last_message FROM endpoints WHERE endpoint = 'ocsp'")
case "$msg" in *"seen down from n3 only"*) ok "(a) the verdict notes the minority: $msg" ;;
*) not_ok "(a) the verdict's message: '$msg'" ;; esac

# (b) The fault seen from two nodes: one incident, one mail.
fault 'p1/ocsp=down@127.0.0.2'
wait_for 20 "an incident" holds 'q '\''SELECT count(*) FROM incidents'\''' -ge 1 &&
    ok "(b) a fault seen from two nodes opens an incident"
wait_for 15 "the opening mail" holds 'mails' -ge 1 && ok "(b) the opening mail went out"
msg=$(q "SELECT last_message FROM endpoints WHERE endpoint = 'ocsp'")
case "$msg" in *"seen down from n2, n3"*) ok "(b) the verdict names its majority: $msg" ;;
*) not_ok "(b) the verdict's message: '$msg'" ;; esac

# (c) SIGKILL of the leader: another leads within one interval (2 s).
eval "lp=\$n$lead"
t_kill=$(date +%s%N)
kill -KILL "$lp"; wait "$lp" 2>/dev/null
eval "n$lead="
wait_for 10 "a new leader" holds 'leaders' -ge 2 || finish
# The new leader's line carries its time; compare with the kill in ms.
new=$(grep -l 'msg="leading' "$work"/n*/log | grep -v "/n$lead/" | head -1 | sed 's|.*/n\([0-9]\)/log|\1|')
t_new=$(grep 'msg="leading' "$work/n$new/log" | head -1 | sed 's/^ts=\([^ ]*\).*/\1/')
took=$(( $(date -d "$t_new" +%s%N) / 1000000 - t_kill / 1000000 ))
[ "$took" -le 2000 ] && ok "(c) n$new leads ${took} ms after the leader was killed" ||
    not_ok "(c) the handover took ${took} ms (more than one interval)"
# The new leader must see both down nodes among the live ones: heal only after the kill.
[ "$(q 'SELECT count(*) FROM incidents')" -eq 1 ] && ok "(c) still one incident after the handover" ||
    not_ok "(c) incidents after the handover: $(q 'SELECT count(*) FROM incidents')"
# (e) The killed node is an operator alert from the new leader.
wait_for 15 "the silent-node alert" grep -q "msg=\"vantage node silent\" node=n$lead" \
    "$work/n$new/log" && ok "(e) the new leader reports n$lead silent"
wait_for 15 "the silent-node mail" holds "node_mails n$lead SILENT" -ge 1 &&
    ok "(e) n$lead's silence is mailed to the operators: $(grep -h '^Subject: \[NODE SILENT' "$work"/sink/mail-*.eml | head -1)"
wait_for 15 "the silent-node webhook" holds "node_hooks n$lead node-silent" -ge 1 &&
    grep -l "\"node\":\"n$lead\"" "$work"/hook/post-*.json | sed 's/json$/hdr/' |
    xargs grep -qi '^X-Trustwatch-Event: node-silent' &&
    ok "(e) ... and posted to the webhook (X-Trustwatch-Event: node-silent)" ||
    not_ok "(e) no node-silent webhook POST for n$lead"
fault 'ok@127.0.0.2'; fault 'ok@127.0.0.3'
wait_for 30 "the incident resolved" holds 'q '\''SELECT count(*) FROM incidents WHERE "end" IS NOT NULL'\''' -eq 1 &&
    ok "(c) the incident resolves"
wait_for 15 "the resolution mail" holds 'mails' -ge 2
[ "$(q 'SELECT count(*) FROM incidents')" -eq 1 ] && ok "(c) exactly one incident in all" ||
    not_ok "(c) incidents: $(q 'SELECT count(*) FROM incidents')"
[ "$(q "SELECT count(*) FROM outbox WHERE sent IS NOT NULL AND incident IS NOT NULL AND event NOT LIKE 'webhook-%'")" -eq 2 ] &&
    ok "(c) the outbox holds two sent incident mails" || not_ok "(c) outbox: $(q 'SELECT incident, event, sent FROM outbox')"
# A duplicate would arrive within the retry delay: give it a few verdicts.
t0=$(verdict_t)
wait_for 15 "three more verdicts" holds 'verdict_t' -ge $((t0 + 5000)) || true
[ "$(mails)" -eq 2 ] && ok "(c) exactly two mails (opened, resolved): none lost or doubled" ||
    not_ok "(c) $(mails) mails: $(grep -h '^Subject:' "$work"/sink/mail-*.eml)"
grep -h '^Subject:' "$work"/sink/mail-*.eml | grep -qi 'resolved' &&
    ok "(c) one of them is the resolution" || not_ok "(c) no resolution mail"

# (d) PostgreSQL stopped for $OUTAGE s: every node keeps probing; nothing lost or doubled.
probes() { grep -c 'msg="probe" ' "$work/n$1/log"; }
live="1 2 3"; live=$(echo $live | tr ' ' '\n' | grep -vx "$lead" | tr '\n' ' ')
for n in $live; do eval "before_$n=\$(probes $n)"; done
pg_as_owner "$TW_PG_BIN/pg_ctl" -D "$TW_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
    { not_ok "(d) cannot stop PostgreSQL"; finish; }
t_stop=$(date +%s)
# The server's port then accepts and never answers (a path gone dark, not a refusal): a
# node must not wait for a connection there (connect_timeout is 10 s) with its loop held.
python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])' "$TW_PG_PORT" >"$work/dark.log" 2>&1 &
dark_pid=$!
while [ $(( $(date +%s) - t_stop )) -lt "$OUTAGE" ]; do
	sleep 1		# the outage's length, not a synchronisation
done
kill "$dark_pid" 2>/dev/null; wait "$dark_pid" 2>/dev/null
for n in $live; do
	eval "b=\$before_$n"
	got=$(( $(probes "$n") - b ))
	[ "$got" -ge $(( OUTAGE / 2 - 3 )) ] && ok "(d) n$n probed $got times during the ${OUTAGE}s outage" ||
	    not_ok "(d) n$n probed only $got times during the ${OUTAGE}s outage"
	grep -q 'msg="results spooled' "$work/n$n/log" && ok "(d) n$n spooled its results" ||
	    not_ok "(d) n$n spooled nothing"
	held=$(sed -n 's/.*msg="the loop was held.* ms=\([0-9]*\).*/\1/p' "$work/n$n/log" |
	    sort -n | tail -1)
	[ "${held:-0}" -lt 5000 ] && ok "(d) n$n never waited for the dark server (longest hold ${held:-0} ms)" ||
	    not_ok "(d) n$n held its loop ${held} ms waiting for the store"
done
pg_as_owner "$TW_PG_BIN/pg_ctl" -D "$TW_PG_DIR/data" -l "$TW_PG_DIR/server.log" -w -t 60 \
    -o "-p $TW_PG_PORT -k $TW_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null 2>&1 ||
    { not_ok "(d) cannot start PostgreSQL again"; finish; }
for n in $live; do
	wait_for 30 "n$n's spool replayed" grep -q 'msg="spool replayed and removed' "$work/n$n/log" &&
	    ok "(d) n$n replayed its spool"
done
wait_for 15 "a leader after the outage" holds 'leaders' -ge 3 &&
    ok "(d) a node leads again after the outage"
for n in $live; do
	eval "p=\$n$n"
	kill -TERM "$p"; wait "$p"; rc=$?
	eval "n$n="
	[ "$rc" -eq 0 ] && ok "(d) n$n stopped cleanly" || not_ok "(d) n$n exited $rc"
	logged=$(probes "$n"); stored=$(q "SELECT count(*) FROM results WHERE node = 'n$n'")
	[ "$logged" -eq "$stored" ] && ok "(d) n$n: all $logged probed results are stored once" ||
	    not_ok "(d) n$n logged $logged probes, the store holds $stored"
done
# At most one verdict per interval (2 s) over the run, across the handover and the outage:
# each verdict is one check in the rollups (one more for the handover: a new leader's schedule
# starts from the last verdict's result time, which precedes its evaluation). Evaluating
# every tick instead counts more than twice as many.
checks=$(q 'SELECT sum(checks) FROM hourly')
most=$(( ($(verdict_t) - first_v) / 2000 + 2 ))
[ "$checks" -le "$most" ] && [ "$checks" -ge 10 ] &&
    ok "(c, d) $checks verdicts counted, at most one per interval ($most)" ||
    not_ok "(c, d) $checks verdicts counted in the rollups, at most $most expected"
[ "$(q 'SELECT count(*) FROM incidents')" -eq 1 ] && ok "(d) still exactly one incident" ||
    not_ok "(d) incidents: $(q 'SELECT count(*) FROM incidents')"

# (f) Operator alerts across handovers. n$lead is still silent: the lead moved during the
# outage, and now every node restarts (a new leader from the store alone).
lc=$(leaders)
for n in $live; do node "$n"; done
wait_for 15 "a leader after the restart" holds 'leaders' -gt "$lc" || finish
t0=$(verdict_t)
wait_for 20 "three verdicts after the restart" holds 'verdict_t' -ge $((t0 + 5000)) || true
[ "$(node_mails n$lead SILENT)" -eq 1 ] && [ "$(node_hooks n$lead node-silent)" -eq 1 ] &&
    ok "(f) n$lead's silence: one mail and one POST across the handovers" ||
    not_ok "(f) n$lead's silence mailed $(node_mails n$lead SILENT) times, posted $(node_hooks n$lead node-silent)"
node "$lead"
wait_for 20 "n$lead's heard-again mail" holds "node_mails n$lead BACK" -ge 1 &&
    ok "(f) n$lead back: mailed as heard again: $(grep -h '^Subject: \[NODE BACK\] vantage node n'"$lead" "$work"/sink/mail-*.eml | head -1)"
wait_for 15 "n$lead's heard-again webhook" holds "node_hooks n$lead node-heard" -ge 1 &&
    ok "(f) ... and posted (node-heard)"
# the leader now: the node that queued that alert; SIGKILL it
x=$(grep -lE "msg=\"operator alert queued\" event=\"?node-heard:n$lead:" "$work"/n*/log | tail -1 |
    sed 's|.*/n\([0-9]\)/log|\1|')
if [ -z "$x" ]; then
	not_ok "(f) no node logged queuing the heard-again alert"
else
	before=$(node_mails "n$x" SILENT)
	eval "xp=\$n$x"
	kill -KILL "$xp"; wait "$xp" 2>/dev/null
	eval "n$x="
	wait_for 20 "n$x's silence mailed by the next leader" holds "node_mails n$x SILENT" -gt "$before" &&
	    ok "(f) leader n$x killed: the next leader mails its silence"
	t0=$(verdict_t)
	wait_for 20 "three more verdicts" holds 'verdict_t' -ge $((t0 + 5000)) || true
	[ "$(node_mails "n$x" SILENT)" -eq $((before + 1)) ] &&
	    [ "$(node_mails n$lead SILENT)" -eq 1 ] && [ "$(node_mails n$lead BACK)" -eq 1 ] &&
	    [ "$(node_hooks n$lead node-heard)" -eq 1 ] &&
	    ok "(f) after the handover: n$x's silence mailed once, n$lead's silence and return still once each" ||
	    not_ok "(f) n$x silent $(node_mails "n$x" SILENT) (before $before), n$lead silent $(node_mails n$lead SILENT), back $(node_mails n$lead BACK), posted back $(node_hooks n$lead node-heard)"
	[ "$(q "SELECT count(*) FROM outbox WHERE incident IS NULL AND event LIKE 'node-%'")" -eq \
	    "$(q "SELECT count(DISTINCT event) FROM outbox WHERE incident IS NULL AND event LIKE 'node-%'")" ] &&
	    ok "(f) no operator alert key queued twice in the outbox" ||
	    not_ok "(f) outbox: $(q "SELECT event FROM outbox WHERE incident IS NULL")"
fi
finish
