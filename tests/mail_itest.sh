#!/bin/sh
# Integration: alert mail against SMTP sinks (tests/support/smtp_sink.py) on 127.0.0.1.
# An endpoint on a closed port opens an incident at once; the daemon mails it. With
# credentials, a server without STARTTLS never receives AUTH and the failure says why; a
# STARTTLS server under a private CA works with alerts.smtp.tls_ca and fails clearly
# without it; a refused login quotes the server's reply; display-name addresses reach the
# envelope bare and the headers with their names; incidents opening together make one
# digest; no reminder is queued inside a maintenance window; `check` refuses CR/LF in addresses.
# Every wait polls with a deadline. Needs TW_BIN, python3 and openssl.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-mail-itest.XXXXXX)
sink_pid=""; d_pid=""
cleanup() {
	for p in $d_pid $sink_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
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
for tool in python3 openssl; do
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
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
closed=$(free_port)

# A private CA and a certificate for 127.0.0.1 issued by it.
pki="$work/pki"; mkdir -p "$pki"
(
	cd "$pki" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	    -out ca.pem -days 2 -subj "/CN=trustwatch mail test CA" \
	    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key \
	    -out srv.csr -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	    -extfile ext -out srv.pem
) >"$work/pki.log" 2>&1 || { not_ok "openssl could not make the test PKI: $(cat "$work/pki.log")"; finish; }

# start_sink NAME ARGS...: a sink on a fresh port ($port), mail and logs in $work/NAME.
start_sink() {
	name=$1; shift
	port=$(free_port)
	dir="$work/$name"
	mkdir -p "$dir"
	python3 "$ROOT/tests/support/smtp_sink.py" --port "$port" --dir "$dir" "$@" \
	    >>"$dir/sink.log" 2>&1 &
	sink_pid=$!
	wait_for 10 "the SMTP sink $name" test -e "$dir/ready"
}
# start_daemon ALERTS_YAML: the daemon on one endpoint that is down at once ($dir/c.yaml).
start_daemon() {
	cat >"$dir/c.yaml" <<YAML
storage: { path: tw.db }
defaults: { interval: 1s, timeout: 1s }
incidents: { open_after: 1, close_after: 1 }
$1
providers:
  - id: p1
    name: Provider One
    endpoints:
      - { id: login, kind: login, url: 'http://127.0.0.1:$closed/' }
YAML
	TRUSTWATCH_SMTP_USER=tw TRUSTWATCH_SMTP_PASSWORD=s3cret TRUSTWATCH_MAIL_RETRY_MS=200 \
	    "$TW_BIN" run -c "$dir/c.yaml" --pid-file "$dir/pid" >>"$dir/daemon.log" 2>&1 &
	d_pid=$!
	wait_for 10 "the pid file" test -s "$dir/pid"
}
stop() {
	for p in $d_pid $sink_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	d_pid=""; sink_pid=""
}
logged() { grep -q "$1" "$dir/daemon.log"; }
mailed() { ls "$dir"/mail-*.eml >/dev/null 2>&1; }
creds="    username_env: TRUSTWATCH_SMTP_USER
    password_env: TRUSTWATCH_SMTP_PASSWORD"

# 1. Credentials, smtp://, a server that offers no STARTTLS: AUTH never goes out in clear.
start_sink nostarttls --auth || finish
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
$creds
  to: [noc@example.test]" || finish
if wait_for 15 "the mail's outcome (no STARTTLS)" logged "mail \(failed\|sent\)"; then
	! test -e "$dir/auth.log" && ok "no STARTTLS: AUTH was never sent in clear" ||
	    not_ok "no STARTTLS: the server received $(cat "$dir/auth.log")"
	! mailed && ok "no STARTTLS: no mail went out" || not_ok "no STARTTLS: a mail was delivered"
	logged "does not offer STARTTLS; credentials are never sent in clear" &&
	    ok "no STARTTLS: the failure says why" ||
	    not_ok "no STARTTLS: failure text: $(grep 'mail failed' "$dir/daemon.log" | head -1)"
fi
stop

# 2. STARTTLS under a private CA, with tls_ca: AUTH over TLS, mail delivered.
start_sink privca --starttls "$pki/srv.pem" "$pki/srv.key" --auth || finish
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
    tls_ca: $pki/ca.pem
$creds
  to: [noc@example.test]" || finish
if wait_for 15 "the mail over STARTTLS with tls_ca" mailed; then
	grep -qx "AUTH tls=1" "$dir/auth.log" && ! grep -q "tls=0" "$dir/auth.log" &&
	    ok "private CA + tls_ca: mail delivered, AUTH only inside TLS" ||
	    not_ok "private CA + tls_ca: auth.log: $(cat "$dir/auth.log" 2>/dev/null)"
else
	grep "mail failed" "$dir/daemon.log" | head -2
fi
stop

# 3. The same server without tls_ca: refused, and the text says what to set.
start_sink notrust --starttls "$pki/srv.pem" "$pki/srv.key" --auth || finish
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
$creds
  to: [noc@example.test]" || finish
if wait_for 15 "a failed mail (untrusted CA)" logged "mail failed"; then
	logged "TLS: certificate not trusted.*set alerts.smtp.tls_ca" &&
	    ok "private CA without tls_ca: the failure names alerts.smtp.tls_ca" ||
	    not_ok "private CA without tls_ca: failure text: $(grep 'mail failed' "$dir/daemon.log" | head -1)"
	! test -e "$dir/auth.log" && ! mailed && ok "private CA without tls_ca: no AUTH, no mail" ||
	    not_ok "private CA without tls_ca: AUTH or mail went out"
fi
stop

# 4. A refused login quotes the server's reply, never "(SMTP 220)".
start_sink denied --starttls "$pki/srv.pem" "$pki/srv.key" --auth \
    --auth-reply "535 5.7.8 Authentication credentials invalid" || finish
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
    tls_ca: $pki/ca.pem
$creds
  to: [noc@example.test]" || finish
if wait_for 15 "a failed mail (login refused)" logged "mail failed"; then
	logged "login refused by the server.*(535 5.7.8 Authentication credentials invalid)" &&
	    ! logged "SMTP 2[0-9][0-9]" && ok "a refused login is said so, with the server's reply" ||
	    not_ok "login refused: failure text: $(grep 'mail failed' "$dir/daemon.log" | head -1)"
fi
stop

# 5. Nothing listening: "connection refused".
dir="$work/refused"; mkdir -p "$dir"; port=$closed
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$closed
    from: trustwatch@example.test
  to: [noc@example.test]" || finish
if wait_for 15 "a failed mail (connection refused)" logged "mail failed"; then
	logged "error=\"\{0,1\}connection refused" && ok "a closed port is \"connection refused\"" ||
	    not_ok "closed port: failure text: $(grep 'mail failed' "$dir/daemon.log" | head -1)"
fi
stop

# 6. A refused recipient quotes the server's reply.
start_sink rcpt --rcpt-reply "550 5.1.1 <noc@example.test>: Recipient address rejected" || finish
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test]" || finish
if wait_for 15 "a failed mail (recipient refused)" logged "mail failed"; then
	logged "recipients refused by the server (550 5.1.1 <noc@example.test>: Recipient address rejected)" &&
	    ok "a refused recipient is said so, with the server's reply" ||
	    not_ok "recipient refused: failure text: $(grep 'mail failed' "$dir/daemon.log" | head -1)"
fi
stop

# 7. Display names: the envelope has the bare addresses, the headers keep the names.
start_sink names || finish
start_daemon "alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: 'Trust Watch <trustwatch@example.test>'
  to: ['NOC <noc@example.test>', '\"Doe, Jane\" <jane@example.test>', 'Zoë Ops <ops@example.test>', plain@example.test]" || finish
if wait_for 15 "the mail to display-name recipients" mailed; then
	f=$(ls "$dir"/mail-*.eml | head -1)
	grep -q '^X-Envelope-From: <trustwatch@example.test>' "$f" &&
	    grep -q '^X-Envelope-To: <noc@example.test>,<jane@example.test>,<ops@example.test>,<plain@example.test>' "$f" &&
	    ok "display names: the envelope has the bare addresses" ||
	    not_ok "display names: envelope $(grep '^X-Envelope' "$f")"
	grep -q '^From: Trust Watch <trustwatch@example.test>' "$f" &&
	    grep -q '^To: NOC <noc@example.test>,' "$f" &&
	    grep -q '^ "Doe, Jane" <jane@example.test>,' "$f" &&
	    grep -q '^ =?UTF-8?B?Wm/DqyBPcHM=?= <ops@example.test>,' "$f" &&
	    grep -q '^ plain@example.test' "$f" &&
	    ok "display names: From:/To: keep the names, RFC 2047 when not ASCII" ||
	    not_ok "display names: headers $(sed -n '/^From:/,/^Subject:/p' "$f")"
else
	grep "mail \(failed\|given up\)" "$dir/daemon.log" | head -2
fi
stop

# 8. Several incidents opening together: one digest mail, not one each; the digest's
# incidents get their own reminders, which reply to their opening Message-ID.
start_sink digest || finish
cat >"$dir/c.yaml" <<YAML
storage: { path: tw.db }
defaults: { interval: 1s, timeout: 1s }
incidents: { open_after: 1, close_after: 1 }
alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test]
  digest_window: 5s
providers:
  - id: p1
    name: Provider One
    endpoints:
      - { id: a, kind: login, url: 'http://127.0.0.1:$closed/a' }
      - { id: b, kind: login, url: 'http://127.0.0.1:$closed/b' }
      - { id: c, kind: login, url: 'http://127.0.0.1:$closed/c' }
      - { id: d, kind: login, url: 'http://127.0.0.1:$closed/d' }
YAML
TRUSTWATCH_MAIL_RETRY_MS=200 "$TW_BIN" run -c "$dir/c.yaml" --pid-file "$dir/pid" >>"$dir/daemon.log" 2>&1 &
d_pid=$!
openings() { grep -l '^Subject: \[DOWN\]' "$dir"/mail-*.eml 2>/dev/null | wc -l; }
opened_all() {
	n=0
	for e in a b c d; do
		grep -q "^Subject: \[DOWN\].* $e\(,\|:\| +\|\r\|\$\)" "$dir"/mail-*.eml 2>/dev/null ||
		    grep -q "^[0-9]\. Provider One $e is down" "$dir"/mail-*.eml 2>/dev/null || return 1
	done
}
if wait_for 30 "the openings of four incidents" opened_all; then
	n=$(openings)
	[ "$n" -le 2 ] && grep -q '^Subject: \[DOWN\] [0-9] incidents: Provider One ' "$dir"/mail-*.eml &&
	    ok "four incidents opening together: $n mail(s), a digest among them" ||
	    not_ok "digest: $n opening mails: $(grep -h '^Subject:' "$dir"/mail-*.eml)"
	f=$(grep -l '^Subject: \[DOWN\] [0-9] incidents' "$dir"/mail-*.eml | head -1)
	grep -q '^Message-ID: <incident-[0-9]*-opened@example.test>' "$f" &&
	    grep -q 'incidents opened together:' "$f" &&
	    grep -q '^   The login service cannot be used: people cannot sign in through it.' "$f" &&
	    ok "the digest lists each incident with its plain words" ||
	    not_ok "digest body: $(cat "$f")"
else
	grep -h '^Subject:' "$dir"/mail-*.eml
fi
stop

# 9. No reminder inside maintenance: reminders every second until the window starts, then
# none while it lasts (the due reminder is held, logged at debug level).
start_sink maint || finish
m_start=$(( $(date +%s) + 6 ))
cat >"$dir/c.yaml" <<YAML
storage: { path: tw.db }
defaults: { interval: 1s, timeout: 1s }
incidents: { open_after: 1, close_after: 1 }
alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test]
  remind_every: 1s
maintenance:
  - { provider: p1, start: $(date -u -d "@$m_start" +%Y-%m-%dT%H:%M:%SZ), end: $(date -u -d "@$((m_start + 3600))" +%Y-%m-%dT%H:%M:%SZ) }
providers:
  - id: p1
    endpoints:
      - { id: login, kind: login, url: 'http://127.0.0.1:$closed/' }
YAML
TRUSTWATCH_LOG_LEVEL=debug TRUSTWATCH_MAIL_RETRY_MS=200 "$TW_BIN" run -c "$dir/c.yaml" \
    --pid-file "$dir/pid" >>"$dir/daemon.log" 2>&1 &
d_pid=$!
if wait_for 30 "a reminder held by the maintenance window" logged 'msg="reminder held: maintenance"'; then
	n=$(grep -c 'msg="reminder held: maintenance"' "$dir/daemon.log")
	wait_for 10 "the reminder held again" sh -c "[ \$(grep -c 'msg=\"reminder held: maintenance\"' '$dir/daemon.log') -gt $n ]"
	late=$(python3 -c "
import sqlite3
c = sqlite3.connect('$dir/tw.db', timeout=10)
print(c.execute(\"SELECT count(*) FROM outbox WHERE event LIKE 'reminder-%' AND created >= $m_start * 1000\").fetchone()[0])")
	early=$(python3 -c "
import sqlite3
c = sqlite3.connect('$dir/tw.db', timeout=10)
print(c.execute(\"SELECT count(*) FROM outbox WHERE event LIKE 'reminder-%'\").fetchone()[0])")
	[ "$late" -eq 0 ] &&
	    ok "reminders stop inside the maintenance window ($early before it, none inside)" ||
	    not_ok "maintenance: $late reminders queued inside the window, $early in all"
fi
stop

# 10. An incident that opens and resolves while its opening waits for the digest: the
# opening mail still goes out first, then the resolution.
start_sink order || finish
bport=$(free_port)
mkdir -p "$dir/www"
start_web() { python3 -m http.server "$bport" --bind 127.0.0.1 --directory "$dir/www" >>"$dir/web.log" 2>&1 & web_pid=$!; }
web_up() { python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$bport/', timeout=1)" 2>/dev/null; }
start_web
wait_for 10 "the local web server" web_up || finish
cat >"$dir/c.yaml" <<YAML
storage: { path: tw.db }
defaults: { interval: 1s, timeout: 1s }
incidents: { open_after: 1, close_after: 1 }
alerts:
  smtp:
    url: smtp://127.0.0.1:$port
    from: trustwatch@example.test
  to: [noc@example.test]
  digest_window: 30s
providers:
  - id: p1
    endpoints:
      - { id: a, kind: login, url: 'http://127.0.0.1:$closed/' }
      - { id: b, kind: login, url: 'http://127.0.0.1:$bport/' }
YAML
TRUSTWATCH_MAIL_RETRY_MS=200 "$TW_BIN" run -c "$dir/c.yaml" --pid-file "$dir/pid" >>"$dir/daemon.log" 2>&1 &
d_pid=$!
if wait_for 20 "a's opening mail" mailed; then
	kill "$web_pid"; wait "$web_pid" 2>/dev/null
	wait_for 20 "b's incident opening" logged 'msg="incident opened" incident=[0-9]* provider=p1 endpoint=b' &&
	    start_web &&
	    wait_for 20 "b's incident resolving" logged 'msg="incident resolved" incident=[0-9]* provider=p1 endpoint=b' &&
	    wait_for 45 "b's resolution mail" sh -c "grep -l '^Subject: \[RESOLVED\] p1 b' '$dir'/mail-*.eml >/dev/null 2>&1"
	first=$(grep -l '^Subject: \[\(DOWN\|RESOLVED\)\] p1 b' "$dir"/mail-*.eml |
	    sed 's/.*mail-\([0-9]*\)\.eml$/\1 &/' | sort -n | head -1 | cut -d' ' -f2)
	grep -q '^Subject: \[DOWN\] p1 b' "$first" 2>/dev/null &&
	    ok "an incident resolved while its opening waited: the opening mail comes first" ||
	    not_ok "order: $(grep -h '^Subject:' "$dir"/mail-*.eml)"
fi
kill "$web_pid" 2>/dev/null; wait "$web_pid" 2>/dev/null
stop

# 11. `check` refuses a line break in an address, naming its place.
dir="$work/check"; mkdir -p "$dir"
cat >"$dir/c.yaml" <<YAML
alerts:
  smtp:
    url: smtp://127.0.0.1:$closed
    from: "tw@example.test\r\nRCPT TO:<victim@example.com>"
  to: [noc@example.test]
providers:
  - id: p1
    endpoints:
      - { id: login, kind: login, url: 'http://127.0.0.1:$closed/' }
YAML
"$TW_BIN" check -c "$dir/c.yaml" >"$dir/out" 2>&1; rc=$?
[ "$rc" -eq 3 ] && grep -q "c.yaml:4:11: from: the address contains a line break (CR or LF)" "$dir/out" &&
    ok "check refuses CR/LF in alerts.smtp.from with FILE:LINE:COL" ||
    not_ok "check: rc $rc, $(cat "$dir/out")"

finish
