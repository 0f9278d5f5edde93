#!/usr/bin/env python3
"""Raw-socket checks of the web server's HTTP rules (SPEC section 9), for tests/webrules_itest.sh.

Usage: http_rules.py PORT PID [sanitizer]
PORT is a running `trustwatch serve` on 127.0.0.1, PID its process (for /proc/PID/status).
With "sanitizer" (an ASan build, whose quarantine keeps freed memory) the RSS bound is not
checked; that the server stops reading the client still is.
Prints one TAP-like line per check ("ok - ..." / "not ok - ...") and "# pass N fail M".
Every socket has a timeout; nothing waits for a fixed time.
"""
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
PID = int(sys.argv[2])
SANITIZER = len(sys.argv) > 3 and sys.argv[3] == "sanitizer"
passed = failed = 0


def ok(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - %s: %r" % (what, detail[:600] if isinstance(detail, (bytes, str)) else detail))
    sys.stdout.flush()


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return s


def exchange(data, timeout=5):
    """Sends data, reads until the server closes (or timeout); returns (bytes, closed)."""
    s = connect()
    s.settimeout(timeout)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    closed = False
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return out, closed


def responses(resp, heads=0):
    """Splits resp into (status, headers dict, body) by Content-Length; the first heads
    responses answer HEAD, so they have no body whatever their Content-Length says."""
    out = []
    while resp:
        head, sep, rest = resp.partition(b"\r\n\r\n")
        if not sep:
            out.append((None, {}, resp))
            break
        lines = head.split(b"\r\n")
        first = lines[0].split(b" ")
        if not lines[0].startswith(b"HTTP/1.") or len(first) < 2 or not first[1].isdigit():
            out.append((None, {}, resp))             # out of step: not a status line
            break
        code = int(first[1])
        h = {}
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            h[k.strip().lower()] = v.strip()
        if b"content-length" not in h and len(out) >= heads and code not in (204, 304):
            out.append((code, h, rest))          # delimited by the close
            break
        n = int(h.get(b"content-length", b"0")) if len(out) >= heads else 0
        out.append((code, h, rest[:n]))
        resp = rest[n:]
    return out


def statuses(resp):
    """The status codes of the responses in resp, in order (None for bytes out of step)."""
    return [r[0] for r in responses(resp)]


def get(path, extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n"


# --- HEAD never sends a body, so a pipelined HEAD + GET stays in step -----------------
for path in (b"/api/v1/status", b"/api/v1/incidents", b"/metrics", b"/healthz", b"/index.html",
             b"/missing"):
    req = b"HEAD " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n" + get(b"/index.html", b"Connection: close\r\n")
    resp, _ = exchange(req)
    rs = responses(resp, 1)
    ok(len(rs) == 2 and rs[0][2] == b"" and rs[1][0] == 200 and rs[1][2].startswith(b"<!doctype"),
       "HEAD %s sends no body (a pipelined GET after it is answered in step)" % path.decode(), resp)
    if rs and rs[0][0] in (200, 503):
        glen, _ = exchange(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        g = responses(glen)
        ok(g and rs[0][1].get(b"content-length") == str(len(g[0][2])).encode(),
           "HEAD %s carries the Content-Length GET would send" % path.decode(), (rs[0][1], glen[:200]))

# --- framing and header rules: 400 and the connection is closed --------------------
SMUGGLE = get(b"/index.html")
bad = [
    ("two different Content-Length headers",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n" + SMUGGLE),
    ("a repeated Content-Length",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n" + SMUGGLE),
    ("Transfer-Encoding with Content-Length",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n" + SMUGGLE),
    ("Transfer-Encoding on a GET",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLE),
    ("a body on GET (evhttp versions differ on reading it)",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + SMUGGLE),
    ("a body on HEAD", b"HEAD /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + SMUGGLE),
    ("HTTP/1.1 without Host", b"GET /index.html HTTP/1.1\r\n\r\n" + SMUGGLE),
    ("two Host headers", b"GET /index.html HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + SMUGGLE),
    ("'Host : x' (space before the colon)", b"GET /index.html HTTP/1.1\r\nHost : x\r\n\r\n" + SMUGGLE),
    ("a folded header line",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n" + SMUGGLE),
    ("a folded header line (tab)",
     b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tfolded\r\n\r\n" + SMUGGLE),
    ("a NUL byte in a header value", b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n" + SMUGGLE),
    ("a NUL byte in a header name", b"GET /index.html HTTP/1.1\r\nHost: x\r\nX\x00A: b\r\n\r\n" + SMUGGLE),
    ("a control byte in a header value", b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n" + SMUGGLE),
    ("a bare CR in a header", b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n" + SMUGGLE),
    ("a NUL byte in the request line", b"GET /index.html\x00x HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLE),
    ("a header line without a colon", b"GET /index.html HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n" + SMUGGLE),
    ("a non-numeric Content-Length", b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n" + SMUGGLE),
]
for what, req in bad:
    resp, closed = exchange(req)
    st = statuses(resp)
    ok(st == [400] and closed, what + " gets 400 and the connection is closed (nothing smuggled)", resp)

# A bad request behind good pipelined ones: the good ones are answered first, then 400.
resp, closed = exchange(get(b"/index.html") + get(b"/index.html") +
                        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n" + SMUGGLE)
ok(statuses(resp) == [200, 200, 400] and closed, "pipelined good requests are answered before the 400", resp)
# The same split across packets: the bad byte arrives after the request line (and part of
# its own line) was read by the server.
for first, second, what in (
        (b"GET /index.html HTTP/1.1\r\nHost: x\r\n", b"X-A: a\x00b\r\n\r\n", "in a later packet"),
        (b"GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: a", b"\x00b\r\n\r\n", "mid-line, in a later packet"),
        (b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-", b"Length: 38\r\n\r\n",
         "(a repeated Content-Length) split inside its name")):
    s = connect()
    s.sendall(first)
    s.settimeout(0.2)
    try:
        s.recv(1)                                   # gives the server time to read the first part
    except socket.timeout:
        pass
    s.sendall(second + SMUGGLE)
    s.settimeout(5)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    ok(statuses(out) == [400], "a bad header byte %s gets 400" % what, out)

# Still fine: HTTP/1.0 without Host, a small Content-Length body, keep-alive pipelining.
resp, _ = exchange(b"GET /index.html HTTP/1.0\r\n\r\n")
ok(statuses(resp) == [200], "HTTP/1.0 without Host is served", resp)
resp, _ = exchange(b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
                   get(b"/index.html", b"Connection: close\r\n"))
ok(statuses(resp) == [405, 200], "a POST with a small body (405) is followed by the next request", resp)
resp, _ = exchange(b"GET /index.html HTTP/1.1\r\nhost:x\r\nX-Tab:\ta\tb\r\nX-Utf8: \xc3\xa9\r\n"
                   b"Connection: close\r\n\r\n")
ok(statuses(resp) == [200], "lower-case host, tabs and UTF-8 in values are fine", resp)

# --- unknown query parameters: 400 on every path ----------------------------------
for target in (b"/api/v1/status?x=1", b"/metrics?x", b"/healthz?x=1", b"/index.html?x=1", b"/?v=2",
               b"/api/v1/incidents?x=1"):
    resp, _ = exchange(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    ok(statuses(resp) == [400], "GET %s is 400" % target.decode(), resp)
resp, _ = exchange(b"GET /api/v1/status?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
ok(b'{"error":' in resp, "the API's 400 is a JSON error", resp)
resp, _ = exchange(b"GET /api/v1/incidents?since=2000-01-01T00:00:00Z HTTP/1.1\r\nHost: x\r\n"
                   b"Connection: close\r\n\r\n")
ok(statuses(resp) == [200], "known query parameters still work", resp)


# --- a client pipelining without reading: bounded memory, others still served -----
def rss_kib():
    for line in open("/proc/%d/status" % PID):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


rss0 = rss_kib()
hog = connect()
chunk = get(b"/api/v1/status") * 4096          # ~150 kB per send
sent = 0
target = 50 * 1024 * 1024
hog.settimeout(0.2)
deadline = time.time() + 90
stalled = False
last_progress = time.time()
while sent < target and time.time() < deadline:
    try:
        sent += hog.send(chunk)
        last_progress = time.time()
    except socket.timeout:
        if time.time() - last_progress > 3:
            stalled = True                       # the server stopped reading from us
            break
    except OSError:
        break
rss1 = rss_kib()
ok(stalled or sent < target, "the server stops reading a client that pipelines without reading "
   "(accepted %d kB)" % (sent // 1024), sent)
if SANITIZER:
    print("ok - # skip memory bound under a sanitizer (VmRSS %d -> %d kB)" % (rss0, rss1))
else:
    ok(rss1 - rss0 < 16 * 1024, "its memory stays bounded (VmRSS %d -> %d kB)" % (rss0, rss1), (rss0, rss1))
resp, _ = exchange(get(b"/index.html", b"Connection: close\r\n"))
ok(statuses(resp) == [200], "other clients are still served meanwhile", resp)
hog.close()

print("# pass %d fail %d" % (passed, failed))
sys.exit(1 if failed else 0)
