#!/bin/sh
# Integration: `trustwatch serve` (the real binary) on 127.0.0.1 with a site directory this
# test fills and a store filled by `trustwatch probe` against the testbed. curl and python3
# check every route and status code, the traversal attempts, slow and oversized requests,
# the connection cap, the security headers; promtool checks /metrics.
# Needs TW_BIN and TW_TESTBED (tests/run.sh sets them), curl, python3, promtool.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
PROMTOOL=${PROMTOOL:-promtool}
work=$(mktemp -d /tmp/tw-web-itest.XXXXXX)
tb_pid=""; sv_pid=""; sv2_pid=""
cleanup() {
	for p in $sv_pid $sv2_pid $tb_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "${TW_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: got '$1', want '$2'"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for CMD...: polls CMD until it succeeds, for at most 20 s.
wait_for() {
	deadline=$(( $(date +%s) + 20 ))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}
# raw PORT: sends stdin verbatim to the server and prints the reply (until close, 5 s max).
RAW_PY='
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except (socket.timeout, ConnectionResetError):
    pass
sys.stdout.buffer.write(out)
'
raw() { python3 -c "$RAW_PY" "$1"; }

# The testbed, a store with results, and a config serving our site.
"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
deadline=$(( $(date +%s) + 30 ))
while [ ! -s "$work/tb.yaml" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$tb_pid" 2>/dev/null; then
		echo "testbed did not start:"; cat "$work/testbed.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
ctl=$(cat "$work/state/control.url")
port=$(free_port)
U="http://127.0.0.1:$port"
python3 - "$work/tb.yaml" "$work/c.yaml" "$work/site" "$port" <<'PY'
import sys
src, dst, site, port = sys.argv[1:]
out, skip = [], False
for line in open(src):
    if line.startswith("report:"):
        out.append("report:\n  output: \"%s\"\n" % site); skip = True; continue
    if skip and line.startswith("  "):
        continue
    skip = False
    if line.startswith("providers:"):
        out.append("web:\n  listen: 127.0.0.1:%s\n" % port)
    out.append(line)
open(dst, "w").write("".join(out))
PY
cfg="$work/c.yaml"
"$TW_BIN" probe -c "$cfg" --only p1 >"$work/probe.out" 2>&1 ||
    { echo "probe failed:"; cat "$work/probe.out"; }
# Two failed logins open an incident (the testbed config has open_after: 2).
curl -sf -d "p1/login=http=503" "$ctl" >/dev/null || echo "control failed"
"$TW_BIN" probe -c "$cfg" --only p1/login >/dev/null 2>&1
"$TW_BIN" probe -c "$cfg" --only p1/login >/dev/null 2>&1
curl -sf -d "p1/login=ok" "$ctl" >/dev/null

mkdir -p "$work/site/sub" "$work/site/api" "$work/site/exports" "$work/site/.git"
printf '<!doctype html><title>status</title><h1>index</h1>\n' >"$work/site/index.html"
printf 'body{color:#222}\n' >"$work/site/style.css"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$work/site/chart.svg"
printf '{"x":1}\n' >"$work/site/api/status.json"
printf 'date,provider\n' >"$work/site/exports/daily.csv"
printf '<feed xmlns="http://www.w3.org/2005/Atom"/>\n' >"$work/site/feed.atom"
printf 'User-agent: *\n' >"$work/site/robots.txt"
printf '\211PNG\r\n\032\n' >"$work/site/logo.png"
printf '\0\0\1\0' >"$work/site/favicon.ico"
printf 'sub index\n' >"$work/site/sub/index.html"
printf 'secret\n' >"$work/site/.git/config"
: >"$work/site/empty.txt"
ln -s /etc "$work/site/etc"
ln -s /etc/passwd "$work/site/passwd.txt"
ln -s sub/index.html "$work/site/alias.html"

TRUSTWATCH_LOG_LEVEL=debug "$TW_BIN" serve -c "$cfg" 2>"$work/serve.log" &
sv_pid=$!
wait_for curl -sf -o /dev/null "$U/index.html" || { echo "serve did not start:"; cat "$work/serve.log"; }

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
hdr() { curl -s -D - -o /dev/null "$@" | tr -d '\r'; }

# Precompressed copies (the render writes NAME.gz beside NAME): sent to clients that take gzip.
python3 -c "import gzip,sys; d=open(sys.argv[1],'rb').read(); open(sys.argv[1]+'.gz','wb').write(gzip.compress(d))" "$work/site/index.html"
h=$(hdr -H 'Accept-Encoding: br, gzip' "$U/index.html")
echo "$h" | grep -qi '^Content-Encoding: gzip$' && ok "gzip copy sent to a client that accepts gzip" ||
	not_ok "no Content-Encoding: gzip: $h"
echo "$h" | grep -qi '^Vary: Accept-Encoding$' && ok "Vary: Accept-Encoding" || not_ok "no Vary: $h"
check "$(curl -s -H 'Accept-Encoding: gzip' "$U/index.html" | python3 -c 'import gzip,sys; sys.stdout.write(gzip.decompress(sys.stdin.buffer.read()).decode())')" \
    "$(cat "$work/site/index.html")" "the gzip copy holds index.html"
h=$(hdr "$U/index.html")
echo "$h" | grep -qi '^Content-Encoding' && not_ok "gzip sent to a client that did not ask" ||
	ok "no gzip without Accept-Encoding"
h=$(hdr -H 'Accept-Encoding: gzip;q=0, identity' "$U/index.html")
echo "$h" | grep -qi '^Content-Encoding' && not_ok "gzip sent despite q=0" || ok "gzip;q=0 is refused"
echo "$(hdr "$U/api/v1/status")" | grep -qi '^Access-Control-Allow-Origin: \*$' &&
	ok "the live API may be embedded (Access-Control-Allow-Origin: *)" || not_ok "no CORS on /api/v1/status"
echo "$(hdr "$U/index.html")" | grep -qi '^Access-Control-Allow-Origin' &&
	not_ok "CORS on a page" || ok "pages carry no CORS header"

# Routes and status codes.
check "$(code "$U/")" 200 "GET / is 200"
check "$(curl -s "$U/")" "$(cat "$work/site/index.html")" "GET / serves index.html"
for f in index.html:text/html style.css:text/css chart.svg:image/svg+xml \
    api/status.json:application/json exports/daily.csv:text/csv feed.atom:application/atom+xml \
    robots.txt:text/plain logo.png:image/png favicon.ico:image/x-icon; do
	ct=$(hdr "$U/${f%%:*}" | sed -n 's/^Content-Type: //Ip' | cut -d';' -f1)
	check "$ct" "${f#*:}" "${f%%:*} has Content-Type ${f#*:}"
done
check "$(curl -s "$U/alias.html")" "sub index" "a symlink inside the site is served"
check "$(code "$U/empty.txt")" 200 "an empty file is 200"
h=$(hdr "$U/style.css")
etag=$(echo "$h" | sed -n 's/^ETag: //Ip')
lm=$(echo "$h" | sed -n 's/^Last-Modified: //Ip')
[ -n "$etag" ] && [ -n "$lm" ] && ok "ETag and Last-Modified present" || not_ok "validators missing: $h"
echo "$h" | grep -qi '^Cache-Control: public, max-age=60$' && ok "Cache-Control max-age=60" || not_ok "Cache-Control: $h"
check "$(code -H "If-None-Match: $etag" "$U/style.css")" 304 "If-None-Match with the ETag is 304"
check "$(code -H "If-None-Match: \"other\", $etag" "$U/style.css")" 304 "If-None-Match list with the ETag is 304"
check "$(code -H 'If-None-Match: "other"' "$U/style.css")" 200 "If-None-Match with another ETag is 200"
check "$(code -H "If-Modified-Since: $lm" "$U/style.css")" 304 "If-Modified-Since Last-Modified is 304"
check "$(code -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT' "$U/style.css")" 200 "If-Modified-Since in the past is 200"
printf 'HEAD /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$port" >"$work/head.out"
python3 -c '
import sys
r = open(sys.argv[1], "rb").read()
assert r.startswith(b"HTTP/1.1 200 "), r
assert b"\r\nContent-Length: 17\r\n" in r, r
assert r.endswith(b"\r\n\r\n"), r
' "$work/head.out" && ok "HEAD is 200 with Content-Length and no body" || not_ok "HEAD: $(cat "$work/head.out")"
r=$(hdr "$U/sub")
echo "$r" | head -1 | grep -q ' 301 ' && echo "$r" | grep -q '^Location: /sub/$' &&
    ok "directory without slash redirects to /sub/" || not_ok "redirect: $r"
check "$(curl -s "$U/sub/")" "sub index" "directory serves its index.html"
r=$(hdr "$U//evil.example")
echo "$r" | grep -qi '^Location: //' && not_ok "open redirect: $r" || ok "no protocol-relative redirect"
check "$(code "$U/missing.html")" 404 "missing file is 404"
curl -s "$U/missing.html" | grep -q '<h1>Not found</h1>' && ok "built-in 404 page" || not_ok "built-in 404 page"
printf '<!doctype html><title>gone</title><p>site 404</p>\n' >"$work/site/404.html"
check "$(curl -s "$U/missing.html")" "$(cat "$work/site/404.html")" "the site's 404.html is used when present"
check "$(code "$U/missing.html")" 404 "the site's 404.html comes with 404"
for m in POST PUT DELETE PATCH OPTIONS; do
	check "$(code -X "$m" "$U/index.html")" 405 "$m is 405"
done
hdr -X POST "$U/" | grep -qi '^Allow: GET, HEAD$' && ok "405 carries Allow: GET, HEAD" || not_ok "Allow missing"

# Security headers on every kind of response.
for t in / /style.css /missing /api/v1/status /metrics /healthz /sub; do
	h=$(hdr "$U$t")
	if echo "$h" | grep -q "^Content-Security-Policy: default-src 'self'$" &&
	    echo "$h" | grep -q '^X-Content-Type-Options: nosniff$' &&
	    echo "$h" | grep -q '^Referrer-Policy: no-referrer$' &&
	    echo "$h" | grep -q '^X-Frame-Options: DENY$'; then
		ok "security headers on $t"
	else
		not_ok "security headers on $t: $h"
	fi
done

# Traversal: nothing outside the site, whatever the spelling.
for t in '/../etc/passwd' '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/%2E%2E/etc/passwd' \
    '/..%2fetc/passwd' '/%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/sub/../../etc/passwd' '/%00' \
    '/index.html%00.png' '/etc/passwd' '/etc/' '/passwd.txt' '/..%5c..%5cetc/passwd' '/.git/config'; do
	r=$(printf 'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$t" | raw "$port")
	st=$(echo "$r" | head -1 | cut -d' ' -f2)
	if [ -z "$st" ] || echo "$r" | grep -q 'root:' || echo "$r" | grep -q secret || [ "$st" = 200 ]; then
		not_ok "traversal $t served something: $(echo "$r" | head -1)"
	else
		ok "traversal $t refused ($st)"
	fi
done
r=$(printf 'GET /..\\..\\etc\\passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$port")
echo "$r" | grep -q 'root:' && not_ok "backslash traversal served" || ok "backslash traversal refused ($(echo "$r" | head -1 | cut -d' ' -f2))"

# Live API.
st=$(curl -s -D "$work/h" "$U/api/v1/status")
grep -qi '^Content-Type: application/json' "$work/h" && ok "API is application/json" || not_ok "API content type"
echo "$st" | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
eps = {(e["provider"], e["endpoint"]): e for e in d["endpoints"]}
assert len([k for k in eps if k[0] == "p1"]) == 6, eps.keys()
for k, e in eps.items():
    if k[0] != "p1":
        continue
    for f in ("kind", "status", "reason", "message", "time", "incident"):
        assert f in e, (k, f)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", e["time"]), e
login = eps[("p1", "login")]
assert login["status"] == "down" and login["reason"] == "http_status", login
assert isinstance(login["incident"], int), login
assert eps[("p1", "ocsp")]["status"] == "up" and eps[("p1", "ocsp")]["incident"] is None
' && ok "/api/v1/status lists every endpoint with status, reason, time, incident" || not_ok "/api/v1/status: $st"
inc=$(curl -s "$U/api/v1/incidents?provider=p1&since=2000-01-01T00:00:00Z")
echo "$inc" | python3 -c '
import json, sys
d = json.load(sys.stdin)["incidents"]
assert any(i["endpoint"] == "login" and i["end"] is None and "http_status" in i["reasons"] for i in d), d
' && ok "/api/v1/incidents shows the open login incident" || not_ok "/api/v1/incidents: $inc"
curl -s "$U/api/v1/incidents?provider=nobody" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["incidents"] == [] and d["generated"].endswith("Z"), d
' && ok "an unknown provider has no incidents" || not_ok "unknown provider: $(curl -s "$U/api/v1/incidents?provider=nobody")"
for q in 'since=yesterday' 'since=' 'provider=P1' 'provider=a/b' 'foo=1' 'since=2026-01-01T00:00:00Z&since=2026-01-02T00:00:00Z'; do
	c=$(code "$U/api/v1/incidents?$q")
	b=$(curl -s "$U/api/v1/incidents?$q")
	if [ "$c" = 400 ] && echo "$b" | grep -q '^{"error":'; then ok "bad query '$q' is 400 with a JSON error"
	else not_ok "bad query '$q': $c $b"; fi
done

# /metrics and promtool.
curl -s -D "$work/h" "$U/metrics" >"$work/metrics.txt"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$work/h" && ok "/metrics content type 0.0.4" || not_ok "/metrics content type: $(cat "$work/h")"
if command -v "$PROMTOOL" >/dev/null 2>&1; then
	if "$PROMTOOL" check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1; then
		ok "promtool check metrics accepts /metrics"
	else
		not_ok "promtool: $(cat "$work/promtool.out")"
	fi
else
	not_ok "promtool not installed (Debian package prometheus)"
fi
for re in 'trustwatch_up{provider="p1",endpoint="ocsp",kind="ocsp"} 1' \
    'trustwatch_up{provider="p1",endpoint="login",kind="login"} 0' \
    'trustwatch_incident_open{provider="p1",endpoint="login",kind="login"} 1' \
    'trustwatch_probe_duration_seconds{provider="p1",endpoint="ocsp",kind="ocsp",phase="total"}' \
    'trustwatch_cert_expiry_timestamp_seconds{provider="p1",endpoint="login",kind="login",cert="tls"}' \
    'trustwatch_cert_expiry_timestamp_seconds{provider="p1",endpoint="ocsp",kind="ocsp",cert="ocsp_signer"}' \
    'trustwatch_cert_expiry_timestamp_seconds{provider="p1",endpoint="crl",kind="crl",cert="crl_next_update"}' \
    'trustwatch_cert_expiry_timestamp_seconds{provider="p1",endpoint="tsa",kind="tsa",cert="tsa"}' \
    'trustwatch_probe_total{provider="p1",endpoint="login",kind="login",status="down"} 2' \
    '# TYPE trustwatch_probe_total counter' \
    'trustwatch_build_info{version="' \
    'trustwatch_alert_queue_length{channel="mail"} 0' \
    'trustwatch_alert_delivery_failures_total{channel="mail"} 0' \
    'trustwatch_tsa_clock_offset_seconds{provider="p1",endpoint="tsa",kind="tsa"} '; do
	grep -qF "$re" "$work/metrics.txt" && ok "metrics: $re" || not_ok "metrics lack: $re"
done
! grep -q '^trustwatch_render_\|^trustwatch_spool_bytes' "$work/metrics.txt" &&
    ok "serve has no daemon-only figures (render, spool)" || not_ok "serve shows daemon-only figures"
check "$(curl -s "$U/healthz")" ok "/healthz is ok after a recent probe"

# Slow and oversized requests.
python3 - "$port" >"$work/slow.out" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
t0 = time.time()
req = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
for b in req:
    try:
        s.send(bytes([b]))
        if s.recv(100) == b"":
            break
    except socket.timeout:
        continue
    except OSError:
        break
print("%.1f" % (time.time() - t0))
PY
el=$(cat "$work/slow.out")
if python3 -c "import sys; sys.exit(0 if 8 <= float('$el') <= 15 else 1)"; then
	ok "a client sending headers one byte per second is cut off after ${el}s (header timeout 10s)"
else
	not_ok "slowloris client lasted ${el}s"
fi
long=$(python3 -c 'print("a" * 20000)')
c=$(code "$U/$long")
case "$c" in 400|413|414|431|000) ok "a 20 kB request line is refused ($c)" ;; *) not_ok "long request line: $c" ;; esac
c=$(code -H "X-Big: $long" "$U/")
case "$c" in 400|413|431|000) ok "a 20 kB header is refused ($c)" ;; *) not_ok "big header: $c" ;; esac
c=$(code -X POST --data-binary "@$work/site/index.html" -H 'Content-Length: 100000' "$U/" --max-time 5)
case "$c" in 405|413|000) ok "a large POST body is refused ($c)" ;; *) not_ok "large body: $c" ;; esac
check "$(code "$U/")" 200 "the server still answers after the abuse"

# Connection cap: 256 idle connections stop accepting; closing them restores service.
python3 - "$port" "$U/" >"$work/cap.out" 2>&1 <<'PY'
import socket, subprocess, sys, time
port, url = int(sys.argv[1]), sys.argv[2]
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(256)]
for s in socks:
    s.send(b"GET / HTTP/1.1\r\n")
time.sleep(0.3)
r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url],
                   capture_output=True, text=True)
print("full", r.stdout)
for s in socks:
    s.close()
r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url],
                   capture_output=True, text=True)
print("after", r.stdout)
PY
grep -q '^full 000' "$work/cap.out" && ok "the 257th connection waits while 256 are open" || not_ok "cap: $(cat "$work/cap.out")"
grep -q '^after 200' "$work/cap.out" && ok "service resumes when connections close" || not_ok "cap: $(cat "$work/cap.out")"

# Request log: one logfmt line per request, untrusted targets escaped.
curl -s -o /dev/null "$U/a%20b\"c" 2>/dev/null
grep -q 'level=debug msg="request" component=web .*method=GET target=/index.html status=200 bytes=' "$work/serve.log" &&
    ok "requests are logged in logfmt at debug level" || not_ok "request log: $(tail -3 "$work/serve.log")"
grep -q 'header timeout' "$work/serve.log" && ok "the header timeout is logged" || not_ok "header timeout not logged"

# A store with no results: /healthz is 503, the API lists endpoints with null status.
port2=$(free_port)
sed -e "s|^  listen: .*|  listen: 127.0.0.1:$port2|" -e "s|^  path: .*|  path: \"$work/empty.db\"|" "$cfg" >"$work/c2.yaml"
"$TW_BIN" serve -c "$work/c2.yaml" 2>"$work/serve2.log" &
sv2_pid=$!
wait_for curl -s -o /dev/null "http://127.0.0.1:$port2/healthz"
check "$(code "http://127.0.0.1:$port2/healthz")" 503 "/healthz is 503 with no results"
curl -s "http://127.0.0.1:$port2/healthz" | grep -q '^unhealthy: no probe results yet' && ok "/healthz says why" || not_ok "/healthz reason"
curl -s "http://127.0.0.1:$port2/api/v1/status" | python3 -c '
import json, sys
d = json.load(sys.stdin)["endpoints"]
assert len(d) >= 6 and all(e["status"] == "unknown" and e["last_status"] is None and
    e["reason"] is None and e["time"] is None and e["timings"] is None for e in d), d
' && ok "never-probed endpoints are unknown with null last_status, reason and time" || not_ok "empty-store status"
curl -s "http://127.0.0.1:$port2/metrics" >"$work/metrics2.txt"
"$PROMTOOL" check metrics <"$work/metrics2.txt" >/dev/null 2>&1 && ok "promtool accepts the empty-store metrics" || not_ok "promtool on empty-store metrics"

# SIGHUP reloads the configuration: a new report.output is served from then on.
mkdir -p "$work/site2"
printf 'second site\n' >"$work/site2/index.html"
sed -i "s|^  output: .*|  output: \"$work/site2\"|" "$cfg"
kill -HUP "$sv_pid"
served_site2() { [ "$(curl -s "$U/index.html")" = "second site" ]; }
wait_for served_site2 && ok "SIGHUP reload serves the new report.output" || not_ok "reload: $(curl -s "$U/index.html")"
grep -q 'configuration reloaded' "$work/serve.log" && ok "the reload is logged" || not_ok "reload not logged"

# Binds where configured only; SIGTERM ends serve with exit 0.
python3 -c "
import socket, sys
s = socket.socket()
try:
    s.connect(('127.0.0.2', $port)); sys.exit(1)
except OSError:
    sys.exit(0)" && ok "not listening on 127.0.0.2" || not_ok "listening beyond web.listen"
for p in sv_pid sv2_pid; do
	eval "pid=\$$p"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	eval "$p=''"
	check "$rc" 0 "serve exits 0 on SIGTERM"
done
grep -q 'level=info msg="stopping" component=web signal=15' "$work/serve.log" && ok "serve logs the stop" || not_ok "stop not logged"
grep -q '^ts=[^ ]* level=info msg="listening" component=web listen=' "$work/serve2.log" &&
    ! grep -v '^ts=[^ ]* level=[a-z]* msg=' "$work/serve2.log" | grep -q . &&
    ok "every serve line is logfmt" || not_ok "serve lines: $(head -3 "$work/serve2.log")"
! grep -q 'msg="request"' "$work/serve2.log" && ok "no per-request lines at the default info level" ||
    not_ok "request lines at info: $(grep -m1 'msg="request"' "$work/serve2.log")"

if grep -q 'Sanitizer\|runtime error' "$work/serve.log" "$work/serve2.log"; then
	not_ok "sanitizer reports: $(grep -h -A5 'Sanitizer\|runtime error' "$work/serve.log" "$work/serve2.log" | head -20)"
else
	ok "no sanitizer reports from serve"
fi

# The Grafana dashboard: every endpoint panel honours the provider, endpoint and kind
# filters; uptime comes from time (trustwatch_up over the range), not from result counts.
python3 - "$ROOT/contrib/grafana-dashboard.json" <<'PY' && ok "the Grafana dashboard filters every endpoint panel and computes uptime from time" || not_ok "Grafana dashboard"
import json, sys
d = json.load(open(sys.argv[1]))
names = {v["name"] for v in d["templating"]["list"]}
assert {"provider", "endpoint", "kind"} <= names, names
watcher = ("trustwatch_alert_", "trustwatch_render_", "trustwatch_store_write", "trustwatch_spool", "trustwatch_build_info")
for p in d["panels"]:
    for t in p.get("targets", []):
        e = t["expr"]
        if any(w in e for w in watcher):
            continue
        for v in ("$provider", "$endpoint", "$kind"):
            assert v in e, (p["title"], e)
up = [t["expr"] for p in d["panels"] if p["title"].startswith("Uptime") for t in p["targets"]]
assert up and all("trustwatch_probe_total" not in e and "avg_over_time" in e for e in up), up
PY

echo "# pass $pass fail $fail"
[ "$fail" -eq 0 ]
