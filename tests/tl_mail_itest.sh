#!/bin/sh
# Integration: trusted-list changes are mailed like incidents (SPEC §13 "Changes"). The
# daemon watches the testbed's trusted list (testbed/tl.c); p2's CA/QC service is withdrawn
# (a new issue), then granted again: each issue gives exactly one mail, to the global and the
# list provider's recipients, through the outbox (SMTP sink tests/support/smtp_sink.py) and
# one webhook POST (tests/support/http_sink.py), keyed by (list endpoint, sequence number), so
# neither more probes nor a daemon restart sends one twice. Every wait polls with a deadline.
# Needs TW_BIN, TW_TESTBED and python3.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-tl-mail-itest.XXXXXX)
pids=""; d_pid=""; tb_pid=""
cleanup() {
	for p in $d_pid $tb_pid $pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${TW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	echo "# pass $pass"
	echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit $?
}
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
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$TW_TESTBED" --state "$work/tb" --write-config "$work/tb.yaml" --providers 2 \
    2>"$work/tb.log" &
tb_pid=$!
wait_for 30 "the testbed" test -f "$work/tb.yaml" || finish
ctl=$(cat "$work/tb/control.url")
tl_url=$(sed -n '/^  - id: scheme/,$s/^ *url: //p' "$work/tb.yaml" | head -1)
hport=$(free_port); sport=$(free_port)
mkdir -p "$work/hook" "$work/mail"
python3 "$ROOT/tests/support/http_sink.py" --port "$hport" --dir "$work/hook" \
    >"$work/hook.log" 2>&1 &
pids="$pids $!"
python3 "$ROOT/tests/support/smtp_sink.py" --port "$sport" --dir "$work/mail" >"$work/smtp.log" 2>&1 &
pids="$pids $!"
wait_for 10 "the sinks" sh -c "test -e '$work/hook/ready' && test -e '$work/mail/ready'" || finish

cat >"$work/c.yaml" <<YAML
storage: { path: tw.db }
defaults: { interval: 1s, timeout: 2s }
alerts:
  smtp:
    url: smtp://127.0.0.1:$sport
    from: trustwatch@example.test
  to: [noc@example.test]
  webhooks:
    - { url: 'http://127.0.0.1:$hport/hook', secret_env: TW_TEST_HOOK_SECRET }
report:
  base_url: https://status.example.test/
providers:
  - id: scheme
    name: Testbed scheme operator
    alerts_to: ["Trusted lists <lists@example.test>"]
    endpoints:
      - id: tl
        kind: tl
        url: $tl_url
        signers: $work/tb/pki/tl-signer.pem
YAML
start_daemon() {
	TW_TEST_HOOK_SECRET='s3cret' TRUSTWATCH_MAIL_RETRY_MS=200 TRUSTWATCH_LOG_LEVEL=info \
	    "$TW_BIN" run -c "$work/c.yaml" --pid-file "$work/pid" >>"$work/daemon.log" 2>&1 &
	d_pid=$!
}
stop_daemon() { kill "$d_pid" 2>/dev/null && wait "$d_pid" 2>/dev/null; d_pid=""; }
# results: how many results of scheme/tl are stored.
results() {
	python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT count(*) FROM results").fetchone()[0])' "$work/tw.db" 2>/dev/null || echo 0
}
more_results_than() { [ "$(results)" -gt "$1" ]; }
mails() { ls "$work"/mail/mail-*.eml 2>/dev/null | wc -l; }
posts() { ls "$work"/hook/post-*.json 2>/dev/null | wc -l; }
mails_are() { [ "$(mails)" -eq "$1" ]; }
posts_are() { [ "$(posts)" -eq "$1" ]; }

start_daemon
wait_for 20 "a first verified result" more_results_than 0 || finish
if [ "$(mails)" -eq 0 ]; then ok "the first issue seen is not a change: no mail"; else
	not_ok "mail for the first issue: $(cat "$work"/mail/mail-*.eml)"; fi
curl -sS -d 'p2/tl=withdrawn' "$ctl" >/dev/null
if wait_for 20 "the withdrawal's mail" mails_are 1; then
	m=$(cat "$work"/mail/mail-*.eml)
	printf '%s\n' "$m" | grep -q '^Subject: .*TRUSTED LIST.*p2 Qualified CA withdrawn' &&
		ok "one mail, its subject names the withdrawn service" || not_ok "subject: $(printf '%s\n' "$m" | grep -i '^subject')"
	printf '%s\n' "$m" | grep -q 'p2 Qualified CA (CA/QC, Provider 2): status granted -> withdrawn' &&
		ok "the body says granted -> withdrawn, with the type and the provider" ||
		not_ok "body: $m"
	printf '%s\n' "$m" | grep -q '^To: .*noc@example.test' &&
	    printf '%s\n' "$m" | grep -q 'lists@example.test' &&
		ok "to the global and the list provider's recipients" || not_ok "To: $(printf '%s\n' "$m" | grep '^To:')"
	printf '%s\n' "$m" | grep -q 'https://status.example.test/changes.html' &&
		ok "the mail links the changes page" || not_ok "no changes link: $m"
	! printf '%s\n' "$m" | grep -qi '^In-Reply-To:' && ok "not threaded under an incident" ||
		not_ok "In-Reply-To: $(printf '%s\n' "$m" | grep -i '^In-Reply-To')"
fi
if wait_for 20 "the withdrawal's webhook" posts_are 1; then
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["event"] == "trusted_list_changed" and d["provider"] == "scheme", d
assert d["changes"][0]["to"] == "withdrawn" and d["changes"][0]["service"] == "p2 Qualified CA", d
assert d["sequence"] >= 11, d' "$work"/hook/post-1.json 2>"$work/hook.err" &&
		ok "one webhook POST: trusted_list_changed with the change" ||
		not_ok "webhook: $(cat "$work/hook.err" "$work"/hook/post-1.json)"
fi
# More probes of the same issue: no second mail.
n=$(results)
wait_for 20 "three more results" more_results_than $((n + 2))
[ "$(mails)" -eq 1 ] && [ "$(posts)" -eq 1 ] && ok "more probes of the same issue: still one mail, one POST" ||
	not_ok "mails $(mails), posts $(posts) after more probes"
# A restart reads the last day's results again: the outbox key stops a second mail.
stop_daemon
n=$(results)
start_daemon
wait_for 20 "results after the restart" more_results_than $((n + 2))
grep -c 'alert queued' "$work/daemon.log" >"$work/queued"
[ "$(mails)" -eq 1 ] && [ "$(cat "$work/queued")" -eq 1 ] &&
	ok "a restart re-reads the change but queues nothing twice" ||
	not_ok "after restart: mails $(mails), queued $(cat "$work/queued"): $(grep 'alert' "$work/daemon.log")"
rows=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(r[0] for r in db.execute("SELECT event FROM outbox WHERE incident IS NULL ORDER BY id")))' "$work/tw.db")
printf '%s\n' "$rows" | grep -Eq '^tl:scheme/tl:seq-[0-9]+ webhook-[0-9a-f]{8}:tl:scheme/tl:seq-[0-9]+$' &&
	ok "outbox rows keyed by (list endpoint, sequence), of no incident: $rows" ||
	not_ok "outbox rows: $rows"
curl -sS -d 'p2/tl=ok' "$ctl" >/dev/null
if wait_for 20 "the second issue's mail" mails_are 2; then
	grep -l 'withdrawn -> granted' "$work"/mail/mail-*.eml >/dev/null &&
		ok "granted again: a second mail for the next issue" || not_ok "second mail: $(cat "$work"/mail/mail-*.eml)"
fi
stop_daemon
finish
