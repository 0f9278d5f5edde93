#!/usr/bin/env python3
"""The scale benchmarks' config: N endpoints over 10 providers on the testbed's services.

    scale_config.py TESTBED_YAML OUT_YAML DB_PATH N [WORKERS]

WORKERS (default 0): the `workers:` setting, probe threads (probe/pool.c).

Used by bench/scale_bench.sh (one node) and bench/vantage_bench.sh (three nodes).
"""
import re, sys
tb, out, db, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
workers = int(sys.argv[5]) if len(sys.argv) > 5 else 0
svc = {}      # service id -> list of endpoint texts (the rest of the testbed's endpoint)
cur = None
for line in open(tb):
    m = re.match(r'      - id: (\w+)$', line)
    if m:
        cur = {"id": m.group(1), "lines": []}
        svc.setdefault(cur["id"], []).append(cur)
        continue
    if cur is not None and line.startswith("        "):
        cur["lines"].append(line.strip())
    elif not line.startswith("        "):
        cur = None
def body(e):
    return ", ".join(l for l in e["lines"] if not l.startswith("kind:"))
# http: a plain-HTTP login check on the CRL service (status only).
def http(e):
    url = [l for l in e["lines"] if l.startswith("url:")][0]
    return url + ", expect: { status: 200 }"
# The mix, per 100 endpoints: cheap kinds first.
mix = [("http", 35), ("ocsp", 25), ("crl", 10), ("tsa", 10), ("login", 10), ("oidc", 5), ("saml", 5)]
plan = []
for k, w in mix:
    plan += [k] * w
f = open(out, "w")
f.write('storage: { path: "%s" }\n' % db)
if workers:
    f.write("workers: %d\n" % workers)
f.write("defaults: { interval: 60s, timeout: 10s, degraded_after: 2s }\n")
f.write("incidents: { open_after: 3, close_after: 2 }\n")
f.write('report: { output: "%s", every: 5m }\n' % (out.rsplit("/", 1)[0] + "/site"))
f.write("providers:\n")
per = n // 10
for p in range(10):
    f.write("  - id: s%d\n    endpoints:\n" % p)
    for j in range(per if p < 9 else n - 9 * per):
        i = p * per + j
        k = plan[i % len(plan)]
        lst = svc["crl" if k == "http" else k]
        e = lst[i % len(lst)]
        kind = "login" if k in ("http", "login", "oidc", "saml") else k
        rest = http(e) if k == "http" else body(e)
        f.write("      - { id: %s-%05d, kind: %s, %s }\n" % (k, i, kind, rest))
f.close()
