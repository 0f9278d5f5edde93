#!/usr/bin/env python3
"""Hostile servers for tests/hostile_itest.sh (Python standard library only).

Usage: hostile.py READY_FILE [CERT KEY]

Listens on 127.0.0.1 on two ephemeral ports (three with CERT and KEY), then writes
READY_FILE atomically (temp file + rename) as lines "http PORT", "tls PORT" and, with
CERT and KEY, "https PORT".

http PORT answers by path:
  /slowloris     a valid response sent one byte per second, forever
  /endless       200 without a length, then zeros forever (never ends)
  /headers       200, then header lines forever (the head never ends)
  /gzip-bomb     200, Content-Encoding: gzip, a stream that inflates to 10 GB of zeros
  /deflate-bomb  the same with Content-Encoding: deflate (zlib)
  /loop          302 to /loop/1, /loop/N to /loop/N+1, forever
  /self          302 to itself
  /to-file       302 to file:///etc/passwd
  /to-ftp        302 to ftp://127.0.0.1:PORT/x
  /ok            200 "Sign in" (a control: the server itself works)
https PORT answers the same paths over TLS (CERT, KEY), its redirects to https.
tls PORT accepts TCP, reads what the client sends, and never answers: the TLS
handshake stalls before ServerHello.
The server keeps no state across connections and exits on SIGTERM.
"""
import os
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import zlib

BOMB_BYTES = 10 * 1000 ** 3   # what the bomb inflates to
CHUNK = 1 << 20               # inflated bytes per compressed chunk


def bomb_chunks(wbits):
    """Yields a compressed stream that inflates to BOMB_BYTES zeros, chunk by chunk."""
    comp = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(CHUNK)
    sent = 0
    while sent < BOMB_BYTES:
        out = comp.compress(zeros)
        sent += CHUNK
        if out:
            yield out
    yield comp.flush()


class Handler(socketserver.BaseRequestHandler):
    def read_head(self):
        data = b""
        self.request.settimeout(10)
        while b"\r\n\r\n" not in data and len(data) < 65536:
            got = self.request.recv(4096)
            if not got:
                return None
            data += got
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        return parts[1] if len(parts) >= 2 else "/"

    def send(self, b):
        self.request.sendall(b)

    def head(self, status, headers):
        h = "HTTP/1.1 %s\r\n" % status
        for k, v in headers:
            h += "%s: %s\r\n" % (k, v)
        self.send((h + "\r\n").encode())

    def redirect(self, location):
        self.head("302 Found", [("Location", location), ("Content-Length", "0"),
                                ("Connection", "close")])

    def handle(self):
        try:
            ctx = getattr(self.server, "tls", None)
            if ctx is not None:
                self.request.settimeout(10)
                self.request = ctx.wrap_socket(self.request, server_side=True)
            path = self.read_head()
            if path is None:
                return
            self.dispatch(path)
        except (OSError, socket.timeout, ssl.SSLError):
            pass    # the client gave up, as it should

    def dispatch(self, path):
        port = self.server.server_address[1]
        if path == "/slowloris":
            body = b"<html>Sign in</html>"
            resp = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
            for i in range(len(resp)):
                self.send(resp[i:i + 1])
                time.sleep(1)
        elif path == "/endless":
            self.head("200 OK", [("Content-Type", "text/html"), ("Connection", "close")])
            block = bytes(65536)
            while True:
                self.send(block)
        elif path == "/headers":
            self.send(b"HTTP/1.1 200 OK\r\n")
            n = 0
            while True:
                self.send(b"X-Hostile-%d: %s\r\n" % (n, b"a" * 100))
                n += 1
        elif path in ("/gzip-bomb", "/deflate-bomb"):
            gz = path == "/gzip-bomb"
            self.head("200 OK", [("Content-Type", "text/html"),
                                 ("Content-Encoding", "gzip" if gz else "deflate"),
                                 ("Connection", "close")])
            for c in bomb_chunks(31 if gz else 15):
                self.send(c)
        elif path == "/loop":
            self.redirect("/loop/1")
        elif path.startswith("/loop/"):
            self.redirect("/loop/%d" % (int(path[6:]) + 1))
        elif path == "/self":
            scheme = "https" if getattr(self.server, "tls", None) else "http"
            self.redirect("%s://127.0.0.1:%d/self" % (scheme, port))
        elif path == "/to-file":
            self.redirect("file:///etc/passwd")
        elif path == "/to-ftp":
            self.redirect("ftp://127.0.0.1:%d/x" % port)
        elif path == "/ok":
            body = b"<html>Sign in</html>"
            self.head("200 OK", [("Content-Length", str(len(body))), ("Connection", "close")])
            self.send(body)
        else:
            self.head("404 Not Found", [("Content-Length", "0"), ("Connection", "close")])


class Staller(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(None)
        try:
            while self.request.recv(4096):
                pass    # read the ClientHello and whatever follows; never answer
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if len(sys.argv) not in (2, 4):
        sys.stderr.write("usage: hostile.py READY_FILE [CERT KEY]\n")
        return 2
    http = Server(("127.0.0.1", 0), Handler)
    tls = Server(("127.0.0.1", 0), Staller)
    servers = [http, tls]
    lines = "http %d\ntls %d\n" % (http.server_address[1], tls.server_address[1])
    if len(sys.argv) == 4:
        https = Server(("127.0.0.1", 0), Handler)
        https.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        https.tls.load_cert_chain(sys.argv[2], sys.argv[3])
        servers.append(https)
        lines += "https %d\n" % https.server_address[1]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(lines)
    os.rename(tmp, sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
