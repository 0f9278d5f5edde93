#!/usr/bin/env python3
"""A tiny HTTP sink for webhook integration tests (standard library only).

    http_sink.py --port P --dir D [--fail N]

Listens on 127.0.0.1:P. Each POST is written to D/post-K.json (the body) and D/post-K.hdr
(the request headers), atomically (a temporary file renamed), K counting from 1. The first
N POSTs are answered 500 and written as D/failed-K.json instead. Writes D/ready once
listening. SIGTERM stops it.
"""
import argparse
import http.server
import os
import signal
import sys
import threading

lock = threading.Lock()
count = {"post": 0, "failed": 0}


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            fail = self.server.fail > 0
            if fail:
                self.server.fail -= 1
            kind = "failed" if fail else "post"
            count[kind] += 1
            base = os.path.join(self.server.dir, "%s-%d" % (kind, count[kind]))
            write(base + ".hdr", str(self.headers).encode())
            write(base + ".json", body)
        self.send_response(500 if fail else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail", type=int, default=0)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.dir, srv.fail = a.dir, a.fail
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    open(os.path.join(a.dir, "ready"), "w").close()
    srv.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
