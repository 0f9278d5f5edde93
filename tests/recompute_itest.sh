#!/bin/sh
# Integration: an auditor recomputes every percentage on the rendered site from the exports
# alone (SPEC §10, issue 15). A 200-endpoint x 30-day history (bench/history_gen: incidents,
# slow periods, maintenance windows) is rendered; then, from exports/ and api/status.json
# (for the render time) only:
#   - every day in every endpoint's day-by-day table = (up_s + degraded_s) / observed_s of
#     its daily.csv row;
#   - every month on sla.html = the same over the month's daily.csv rows;
#   - every endpoint's 24-hour figure on the index = the share of its up and degraded
#     results (maintenance left out) in results-YYYY-MM.csv since the start of the hour
#     24 h before the render (each result stands for one interval, the same for the day).
# Figures are truncated to 2 decimals as the site shows them. Needs python3.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
gen="$(dirname "$TW_BIN")/bench/history_gen"
work=$(mktemp -d /tmp/tw-recompute-itest.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
command -v python3 >/dev/null || { echo "not ok - python3 is installed"; echo "# fail 1"; exit 1; }
[ -x "$gen" ] || { echo "not ok - $gen exists (make test builds it)"; echo "# fail 1"; exit 1; }
"$gen" "$work/h.db" "$work/c.yaml" "$ROOT/examples/certs" 30 2 60 >"$work/gen.log" 2>&1 ||
	{ echo "not ok - history_gen: $(tail -3 "$work/gen.log")"; echo "# fail 1"; exit 1; }
"$TW_BIN" report -c "$work/c.yaml" -o "$work/site" 2>"$work/report.err" ||
	{ echo "not ok - report: $(head -3 "$work/report.err")"; echo "# fail 1"; exit 1; }
python3 - "$work/site" <<'PY'
import csv, glob, html, json, math, re, sys
from datetime import datetime, timezone
site = sys.argv[1]
passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("not ok - " + what)
def shown(good, obs):
    """The site's figure: 100 * good / observed, truncated to 2 decimals."""
    if obs <= 0:
        return "\u2013"
    pct = 100.0 * good / obs
    t = math.floor(pct * 100 + 1e-9) / 100
    return "100%" if t >= 100 else "%.2f%%" % t
def ms(v):
    return int(round(float(v) * 1000)) if v != "" else 0

daily = {}
for r in csv.DictReader(open(site + "/exports/daily.csv", newline="", encoding="utf-8")):
    daily[(r["provider"], r["endpoint"], r["date"])] = r
# 1. Day tables on provider pages.
n_days = 0
for page in glob.glob(site + "/providers/*.html"):
    prov = page.rsplit("/", 1)[1][:-5]
    text = open(page, encoding="utf-8").read()
    for sec in re.finditer(r'<section class="endpoint-detail" id="ep-([^"]+)">(.*?)</section>', text, re.S):
        ep, body = html.unescape(sec.group(1)), sec.group(2)
        m = re.search(r'<details class="days">(.*?)</details>', body, re.S)
        if not m:
            continue
        for day, pct in re.findall(r'<tr><td>(\d{4}-\d\d-\d\d)</td><td>([^<]*)</td>', m.group(1)):
            r = daily.get((prov, ep, day))
            if r is None:
                check(False, "%s/%s %s: on the page, not in daily.csv" % (prov, ep, day))
                continue
            good = ms(r["up_s"]) + ms(r["degraded_s"])
            want = shown(good, ms(r["observed_s"]))
            check(pct == want, "%s/%s %s: page %s, from daily.csv %s" % (prov, ep, day, pct, want))
            n_days += 1
# 2. Months on sla.html.
text = open(site + "/sla.html", encoding="utf-8").read()
months = re.findall(r'<th scope="col">(\w+ \d{4})</th>', text)
names = ["January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"]
keys = ["%s-%02d" % (m.split()[1], names.index(m.split()[0]) + 1) for m in months]
provs = {}
for m in re.finditer(r'^  - id: (\S+)\n    name: "([^"]*)"', open(sys.argv[1] + "/../c.yaml").read(), re.M):
    provs[m.group(2)] = m.group(1)
n_months = 0
for row in re.finditer(r'<tr><th scope="row">([^<]*) / ([^<]*)</th>(.*?)</tr>', text):
    pname, ep, cells = html.unescape(row.group(1)), html.unescape(row.group(2)), row.group(3)
    prov = provs.get(pname, pname)
    for key, cell in zip(keys, re.findall(r'<td>([^<]*)', cells)):
        good = obs = 0
        for (p, e, d), r in daily.items():
            if p == prov and e == ep and d.startswith(key):
                good += ms(r["up_s"]) + ms(r["degraded_s"])
                obs += ms(r["observed_s"])
        want = shown(good, obs)
        check(cell == want, "sla %s/%s %s: page %s, from daily.csv %s" % (prov, ep, key, cell, want))
        n_months += 1
# 3. 24-hour figures on the index, from the results CSV.
gen = json.load(open(site + "/api/status.json"))["generated"]
now = datetime.fromisoformat(gen.replace("Z", "+00:00")).timestamp() * 1000
start = (now - 86400000) - (now - 86400000) % 3600000
counts = {}
for f in glob.glob(site + "/exports/results-*.csv"):
    for r in csv.DictReader(open(f, newline="", encoding="utf-8")):
        t = datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() * 1000
        if t < start or t > now or r["maintenance"] == "1":
            continue
        c = counts.setdefault((r["provider"], r["endpoint"]), [0, 0])
        c[1] += 1
        if r["status"] in ("up", "degraded"):
            c[0] += 1
text = open(site + "/index.html", encoding="utf-8").read()
n_win = 0
for row in re.finditer(r'<tr><th scope="row"><a href="providers/([^".]+)\.html#ep-([^"]+)">.*?</th><td>.*?</td><td>([^<]*)</td>', text):
    prov, ep, cell = row.group(1), html.unescape(row.group(2)), row.group(3).strip()
    good, obs = counts.get((prov, ep), (0, 0))
    want = shown(good, obs)
    check(cell == want, "index %s/%s 24 hours: page %s, from the results CSV %s" % (prov, ep, cell, want))
    n_win += 1
check(n_days > 1000, "day figures compared: %d" % n_days)
check(n_months >= 200, "month figures compared: %d" % n_months)
check(n_win == 200, "24-hour figures compared: %d" % n_win)
print("ok - recomputed from the exports: %d day, %d month and %d 24-hour figures" % (n_days, n_months, n_win))
print("# pass %d" % passed)
print("# fail %d" % failed)
sys.exit(1 if failed else 0)
PY
