#!/bin/sh
# Integration: alert webhooks against a local HTTP sink (tests/support/http_sink.py) on
# 127.0.0.1. An endpoint on a closed port opens an incident at once; the daemon POSTs a JSON
# alert signed with HMAC-SHA256 (X-Trustwatch-Signature: sha256=HEX) through the outbox: a
# sink that answers 500 twice gets it retried and accepted exactly once, beside the mail.
# `check` refuses a non-http URL and a secret_env naming no variable. Every wait polls with
# a deadline. Needs TW_BIN and python3.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-webhook-itest.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$work"
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
command -v python3 >/dev/null 2>&1 || { echo "# skip: python3 missing"; echo "# pass 0"; exit 0; }
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
closed=$(free_port)
hport=$(free_port)
sport=$(free_port)
mkdir -p "$work/hook" "$work/mail"
python3 "$ROOT/tests/support/http_sink.py" --port "$hport" --dir "$work/hook" --fail 2 \
    >"$work/hook.log" 2>&1 &
pids="$pids $!"
python3 "$ROOT/tests/support/smtp_sink.py" --port "$sport" --dir "$work/mail" >"$work/smtp.log" 2>&1 &
pids="$pids $!"
wait_for 10 "the sinks" sh -c "test -e '$work/hook/ready' && test -e '$work/mail/ready'" || finish

cat >"$work/c.yaml" <<YAML
storage: { path: tw.db }
defaults: { interval: 1s, timeout: 1s }
incidents: { open_after: 1, close_after: 1 }
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
  - id: p1
    name: Provider One
    endpoints:
      - { id: login, kind: login, url: 'http://127.0.0.1:$closed/' }
YAML
TW_TEST_HOOK_SECRET='s3cret key' TRUSTWATCH_MAIL_RETRY_MS=200 "$TW_BIN" run -c "$work/c.yaml" \
    --pid-file "$work/pid" >"$work/daemon.log" 2>&1 &
d_pid=$!
pids="$pids $d_pid"
if wait_for 30 "the accepted webhook POST" test -e "$work/hook/post-1.json"; then
	n_failed=$(ls "$work"/hook/failed-*.json 2>/dev/null | wc -l)
	[ "$n_failed" -eq 2 ] && ok "a webhook answered 500 is retried (2 failed attempts, then accepted)" ||
	    not_ok "failed attempts: $n_failed"
	python3 - "$work/hook" <<'PY' && ok "the POST is JSON signed with HMAC-SHA256 over the body" || not_ok "signature or body: $(cat "$work/hook/post-1.hdr" "$work/hook/post-1.json")"
import hashlib, hmac, json, sys
d = sys.argv[1]
body = open(d + "/post-1.json", "rb").read()
hdr = {}
for line in open(d + "/post-1.hdr"):
    if ":" in line:
        k, v = line.split(":", 1)
        hdr[k.strip().lower()] = v.strip()
want = "sha256=" + hmac.new(b"s3cret key", body, hashlib.sha256).hexdigest()
assert hdr["x-trustwatch-signature"] == want, (hdr, want)
assert hdr["content-type"] == "application/json", hdr
assert hdr["x-trustwatch-event"] == "opened", hdr
j = json.loads(body)
assert j["event"] == "opened" and j["provider"] == "p1" and j["endpoint"] == "login", j
assert j["kind"] == "login" and j["reasons"] == ["connect"] and j["end"] is None, j
assert j["link"] == "https://status.example.test/incidents/%d.html" % j["incident"], j
assert j["summary"].startswith("[DOWN] Provider One login"), j
assert j["text"].startswith(j["summary"] + "\n"), j
# The three attempts carried the same delivery id and body.
for k in (1, 2):
    assert open(d + "/failed-%d.json" % k, "rb").read() == body
PY
	wait_for 15 "the mail beside it" sh -c "ls '$work'/mail/mail-*.eml >/dev/null 2>&1" &&
	    ok "the mail goes out beside the webhook"
	wait_for 10 "the webhook marked sent" grep -q 'msg="mail sent" mail=[0-9]* channel=webhook' "$work/daemon.log" &&
	    ok "the delivery is logged with channel=webhook"
	# The outbox row is sent: a restart does not post it again.
	kill -TERM "$d_pid"; wait "$d_pid" 2>/dev/null
	TW_TEST_HOOK_SECRET='s3cret key' TRUSTWATCH_MAIL_RETRY_MS=200 "$TW_BIN" run -c "$work/c.yaml" \
	    --pid-file "$work/pid" >"$work/daemon2.log" 2>&1 &
	d_pid=$!
	pids="$pids $d_pid"
	# "started" is logged right before the outbox scan of the new run.
	wait_for 15 "the restart" grep -q 'msg="started"' "$work/daemon2.log"
	python3 - "$work/tw.db" <<'PY' && ok "after a restart the webhook row stays sent, posted once" || not_ok "outbox after restart: $(ls "$work/hook")"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
rows = c.execute("SELECT event, sent IS NOT NULL, attempts FROM outbox WHERE event LIKE 'webhook-%'").fetchall()
assert len(rows) == 1 and rows[0][1] == 1 and rows[0][2] == 3, rows
PY
	[ "$(ls "$work"/hook/post-*.json | wc -l)" -eq 1 ] && ok "exactly one accepted POST" ||
	    not_ok "accepted POSTs: $(ls "$work"/hook/post-*.json)"
else
	tail -5 "$work/daemon.log"
fi
kill -TERM "$d_pid" 2>/dev/null; wait "$d_pid" 2>/dev/null
grep -Eq 'Sanitizer|runtime error' "$work"/daemon*.log && not_ok "sanitizer report in the daemon log" ||
    ok "no sanitizer report in the daemon log"

# check: http(s) only, and secret_env must name a set variable (the secret is never in the file).
cat >"$work/bad.yaml" <<YAML
alerts:
  smtp:
    url: smtp://127.0.0.1:$sport
    from: trustwatch@example.test
  to: [noc@example.test]
  webhooks:
    - { url: 'ftp://127.0.0.1/hook', secret_env: TW_TEST_HOOK_SECRET }
    - { url: 'https://hooks.example.test/x', secret_env: TW_TEST_UNSET_VARIABLE }
    - { url: 'https://hooks.example.test/y' }
providers:
  - id: p1
    endpoints:
      - { id: login, kind: login, url: 'http://127.0.0.1:$closed/' }
YAML
TW_TEST_HOOK_SECRET=x "$TW_BIN" check -c "$work/bad.yaml" >"$work/check.out" 2>&1; rc=$?
[ "$rc" -eq 3 ] && grep -q "bad.yaml:7:.*url: .*ftp" "$work/check.out" &&
    grep -q "bad.yaml:8:.*environment variable 'TW_TEST_UNSET_VARIABLE' is not set" "$work/check.out" &&
    grep -q "bad.yaml:9:.*missing required key 'secret_env'" "$work/check.out" &&
    ok "check refuses a non-http URL, an unset secret_env and a missing one" ||
    not_ok "check: rc $rc, $(cat "$work/check.out")"
finish
