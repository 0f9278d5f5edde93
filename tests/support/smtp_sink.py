#!/usr/bin/env python3
"""A tiny SMTP sink for integration tests (standard library only; smtpd left Python 3.12).

    smtp_sink.py --port P --dir D [--starttls CERT KEY] [--auth] [--auth-reply REPLY]
                 [--rcpt-reply REPLY]

Accepts every message on 127.0.0.1:P and writes each to D/mail-N.eml (atomically: a
temporary file renamed), prefixed with X-Envelope-From / X-Envelope-To lines. Undoes SMTP
dot-stuffing as a real server does. Writes D/ready once listening. SIGTERM stops it.
--starttls offers STARTTLS with that PEM certificate (chain) and key; without it none is
offered. --auth offers AUTH PLAIN and appends one line per AUTH command to D/auth.log,
"AUTH tls=1" or "AUTH tls=0" (never the credentials); the answer is 235, or REPLY.
--rcpt-reply answers every RCPT TO with REPLY instead of 250.
Every TLS handshake that fails is a line "TLS failed: ..." in D/tls.log.
"""
import argparse
import os
import signal
import socketserver
import ssl
import sys
import threading

counter_lock = threading.Lock()
counter = [0]


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def log(self, name, text):
        with counter_lock, open(os.path.join(self.server.dir, name), "a") as f:
            f.write(text + "\n")

    def handle(self):
        self.reply("220 sink ESMTP ready")
        mail_from, rcpts = None, []
        tls = False
        opts = self.server.opts
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    self.reply("250-sink")
                    self.reply("250-8BITMIME")
                    if opts.starttls and not tls:
                        self.reply("250-STARTTLS")
                    if opts.auth:
                        self.reply("250-AUTH PLAIN")
                    self.reply("250 SIZE 10485760")
                else:
                    self.reply("250 sink")
            elif line.upper() == "STARTTLS" and opts.starttls and not tls:
                self.reply("220 2.0.0 Ready to start TLS")
                try:
                    conn = self.server.tls.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    self.log("tls.log", "TLS failed: %s" % e)
                    return
                self.connection = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                tls, mail_from, rcpts = True, None, []
            elif verb == "AUTH" and opts.auth:
                self.log("auth.log", "AUTH tls=%d" % tls)
                if len(line.split()) < 3:       # no initial response: ask for it
                    self.reply("334 ")
                    if not self.rfile.readline(65536):
                        return
                self.reply(opts.auth_reply)
            elif verb == "MAIL":
                mail_from, rcpts = line[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(line[8:].strip())
                self.reply(opts.rcpt_reply)
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if not raw:
                        return
                    if raw in (b".\r\n", b".\n"):
                        break
                    if raw.startswith(b"."):
                        raw = raw[1:]
                    lines.append(raw)
                with counter_lock:
                    counter[0] += 1
                    n = counter[0]
                path = os.path.join(self.server.dir, "mail-%d.eml" % n)
                with open(path + ".tmp", "wb") as f:
                    f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n"
                             % (mail_from, ",".join(rcpts))).encode())
                    f.write(b"".join(lines))
                os.rename(path + ".tmp", path)
                self.reply("250 OK queued as %d" % n)
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", action="store_true")
    ap.add_argument("--auth-reply", default="235 2.7.0 Authentication successful")
    ap.add_argument("--rcpt-reply", default="250 OK")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    # A restarted sink keeps numbering after the mails already in the directory.
    for name in os.listdir(a.dir):
        if name.startswith("mail-") and name.endswith(".eml"):
            counter[0] = max(counter[0], int(name[5:-4]))
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.dir = a.dir
    srv.opts = a
    if a.starttls:
        srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.tls.load_cert_chain(a.starttls[0], a.starttls[1])
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    open(os.path.join(a.dir, "ready"), "w").close()
    srv.serve_forever()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
