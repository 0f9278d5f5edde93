#!/bin/sh
# make demo: starts trustwatch-testbed with three simulated providers, three relying services
# (MyGuichet and a school portal that need p1, a bank with p1 or p2: --relying) and a scripted story
# (testbed/demo-timeline.txt), runs the trustwatch daemon (`trustwatch run`) against it with a
# short probe interval, shows what it sees as it happens (the daemon's probe log lines, and
# incidents opening and resolving as the live API /api/v1/incidents reports them), then
# serves the rendered status site (en, fr, de) from the daemon on 127.0.0.1 and prints its URL.
# The daemon keeps a verifiable record (SPEC §12: a key made once by `trustwatch keygen` in the
# state directory, a checkpoint every 10 s time-stamped by two testbed TSAs), publishes it with
# the site under log/, and the demo runs `trustwatch verify` on the site once the story is over.
#
# Serving: until Ctrl-C when stdin is a terminal; otherwise (CI, scripts) for
# TW_DEMO_SERVE_SECONDS seconds (default 0: stop right away). TW_DEMO_SERVE_SECONDS, when set,
# also applies on a terminal. Whatever happens, the daemon and the testbed are stopped.
# Env: TW_BUILD (build directory, default build), TW_DEMO_STATE (default demo-state),
# TW_DEMO_PORT (default: a free port), TW_DEMO_SERVE_SECONDS.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/${TW_BUILD:-build}
TB=$BUILD/trustwatch-testbed TW=$BUILD/trustwatch
STATE=${TW_DEMO_STATE:-$ROOT/demo-state}
TBCFG=$STATE/config.yaml CFG=$STATE/demo.yaml LOG=$STATE/daemon.log
INTERVAL=4s EVERY=10s
tb_pid= tw_pid=

# stop PID NAME: SIGTERM, then SIGKILL after 8 s (the daemon gives probes 5 s to finish).
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null  # may be gone already: Ctrl-C on a terminal reaches it too
	i=0
	while [ "$i" -lt 80 ]; do
		st=$(ps -o stat= -p "$1" 2>/dev/null)
		case "$st" in "" | Z*) break ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	[ "$i" -ge 80 ] && kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	echo "demo: $2 stopped"
}
cleanup() {
	trap - EXIT
	trap '' INT TERM HUP  # a second Ctrl-C does not cut the cleanup short
	stop "$tw_pid" "trustwatch run"
	stop "$tb_pid" testbed
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM HUP

for b in "$TB" "$TW"; do
	[ -x "$b" ] || { echo "demo: $b missing; run make first" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "demo: python3 missing; run make deps" >&2; exit 1; }
mkdir -p "$STATE"
rm -f "$TBCFG"
"$TB" --state "$STATE" --write-config "$TBCFG" --providers 3 --relying \
    --timeline "$ROOT/testbed/demo-timeline.txt" 2>"$STATE/testbed.log" &
tb_pid=$!
start=$(date +%s)
while [ ! -f "$TBCFG" ]; do
	if ! kill -0 "$tb_pid" 2>/dev/null || [ "$(date +%s)" -ge $((start + 30)) ]; then
		echo "demo: the testbed did not start:" >&2
		cat "$STATE/testbed.log" >&2
		exit 1
	fi
	sleep 0.05
done
CTL=$(cat "$STATE/control.url")

# The daemon's config: the testbed's, probing every $INTERVAL, rendering every $EVERY in three
# languages, serving on 127.0.0.1. A fresh store each time, so the story is the same every run
# (the PKI in $STATE is reused).
PORT=${TW_DEMO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
URL="http://127.0.0.1:$PORT"
# The record's key: made once, kept with the PKI (keygen never overwrites a key).
KEY=$STATE/record.key VKEY=$STATE/record.vkey
if [ ! -s "$KEY" ] || [ ! -s "$VKEY" ]; then
	rm -f "$KEY" "$VKEY"
	"$TW" keygen -o "$KEY" --name trustwatch-demo.test/demo >"$VKEY" ||
	    { echo "demo: trustwatch keygen failed" >&2; exit 1; }
fi
python3 - "$TBCFG" "$CFG" "$PORT" "$INTERVAL" "$EVERY" "$KEY" <<'PY' || { echo "demo: cannot write $CFG" >&2; exit 1; }
import sys
src, dst, port, interval, every, key = sys.argv[1:]
out = []
for line in open(src):
    if line.startswith("  interval: "):
        line = "  interval: %s\n" % interval
    if line.startswith("report:"):
        out.append(line)
        out.append("  languages: [en, fr, de]\n  timezone: Europe/Luxembourg\n  every: %s\n" % every)
        continue
    if line.startswith("providers:"):
        out.append("web:\n  listen: 127.0.0.1:%s\n" % port)
    out.append(line)
out.append("node:\n  id: demo\n")
out.append("record:\n  key: %s\n  origin: trustwatch-demo.test/demo\n  checkpoint_every: 10s\n"
           "  timestamp_with: [p1/tsa, p2/tsa]\n" % key)
open(dst, "w").write("".join(out))
PY
rm -f "$STATE/trustwatch.db" "$STATE/trustwatch.db-wal" "$STATE/trustwatch.db-shm" "$LOG"
rm -rf "$STATE/site"  # rendered afresh (a site from before the .trustwatch-site marker is refused)

echo "== trustwatch demo: 3 simulated providers and 3 relying services on 127.0.0.1, watched by the trustwatch daemon =="
echo "   config  $CFG (probes every $INTERVAL, site rendered every $EVERY)"
echo "   faults  curl -d 'p1/ocsp=down' $CTL   (and =ok to heal; curl $CTL lists)"
echo "   story   $ROOT/testbed/demo-timeline.txt"
echo "   log     $LOG"
echo
"$TW" check -c "$CFG" || { echo "demo: trustwatch check failed" >&2; exit 1; }

TRUSTWATCH_LOG_LEVEL=info "$TW" run -c "$CFG" 2>"$LOG" &
tw_pid=$!

# watch story|quiet|serve: prints what happened since the last call: the daemon's log lines
# that matter (not-up probe results, site renders, errors; web requests when serving) and,
# during the story, incidents opening and resolving, read from the live API. Remembers its
# place in $STATE/.demo-watch.
WATCH_PY='
import json, re, sys, time, urllib.request
log, api, mark, start, phase = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
try:
    seen = json.load(open(mark))
except (OSError, ValueError):
    seen = {"line": 0, "incidents": {}}
def t():
    return "%-5s" % ("t+%ds" % (time.time() - start))
def kv(line):
    return {m.group(1): (m.group(3) if m.group(2) is not None else m.group(4))
            for m in re.finditer(r"(\w+)=(?:(\")((?:[^\"\\\\]|\\\\.)*)\"|(\S*))", line)}
try:
    lines = open(log, encoding="utf-8", errors="replace").read().split("\n")[:-1]
except OSError:
    lines = []
for line in lines[seen["line"]:]:
    f = kv(line)
    msg, lv = f.get("msg", ""), f.get("level", "")
    if msg == "probe":
        m = f.get("message") or ""
        m = m if len(m) <= 58 else m[:57] + "…"
        print("   %s  probe     %-12s %-8s %-18s %s" % (t(), f.get("provider", "") + "/" + f.get("endpoint", ""),
              f.get("status", ""), f.get("reason", ""), m))
    elif msg == "report rendered":
        print("   %s  site      rendered in %s ms" % (t(), f.get("ms", "?")))
    elif msg == "request":
        if phase == "serve":
            print("   %s  web       %s %s -> %s" % (t(), f.get("method", ""), f.get("target", ""), f.get("status", "")))
    elif msg == "started":
        print("   %s  daemon    started (pid %s): %s providers, %s endpoints" % (t(), f.get("pid"), f.get("providers"), f.get("endpoints")))
    elif msg == "stopped" or lv in ("warn", "error"):
        print("   %s  daemon    %s" % (t(), line.split(" msg=", 1)[-1]))
seen["line"] = len(lines)
try:
    if phase != "story":
        raise StopIteration  # not polled after the story: our own requests stay out of the log
    data = json.load(urllib.request.urlopen(api + "/api/v1/incidents", timeout=2))
    for i in data.get("incidents", []):
        k, was = str(i["id"]), seen["incidents"].get(str(i["id"]))
        what = "%s/%s" % (i["provider"], i["endpoint"])
        if was is None:
            cause = i.get("caused_by")
            print("   %s  INCIDENT  #%s opened   %-12s %s: %s%s" % (t(), k, what, i["worst"], ", ".join(i["reasons"]),
                  " (probably caused by #%s, %s)" % (cause["id"], cause["provider"]) if cause else ""))
            was = "open"
        if i["end"] is not None and was == "open":
            print("   %s  INCIDENT  #%s resolved %-12s after %ss" % (t(), k, what, i["duration_s"]))
            was = "resolved"
        seen["incidents"][k] = was
except Exception:
    pass
json.dump(seen, open(mark, "w"))
'
# summary: the current state of every endpoint, from the live API.
SUMMARY_PY='
import json, sys, urllib.request
try:
    d = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/status", timeout=2))
except Exception as e:
    print("   (the API did not answer: %s)" % e); sys.exit(0)
eps = d["endpoints"]
n = {}
for e in eps:
    k = "not probed yet" if e["status"] == "unknown" else e["status"]
    n[k] = n.get(k, 0) + 1
print("   now: %d endpoints: %s" % (len(eps), ", ".join("%d %s" % (v, k) for k, v in sorted(n.items()))))
for e in eps:
    if e["status"] not in ("up", "unknown"):
        inc = " (incident #%s)" % e["incident"] if e["incident"] else ""
        print("        %-12s %-8s %s%s" % (e["provider"] + "/" + e["endpoint"], e["status"], e["reason"], inc))
'
MARK=$STATE/.demo-watch
rm -f "$MARK"
watch() { python3 -c "$WATCH_PY" "$LOG" "$URL" "$MARK" "$start" "$1"; }
# Ends the demo if the daemon or the testbed is gone.
alive() {
	for p in "$tw_pid" "$tb_pid"; do
		case "$(ps -o stat= -p "$p" 2>/dev/null)" in
		"" | Z*)
			echo "demo: $( [ "$p" = "$tw_pid" ] && echo "trustwatch run" || echo "the testbed") has stopped; ending the demo" >&2
			tail -5 "$LOG" >&2
			exit 1 ;;
		esac
	done
}
# until_t T TITLE: follows the story until T seconds after the testbed started, then shows
# the state of every endpoint.
until_t() {
	while [ "$(date +%s)" -lt $((start + $1)) ]; do
		alive
		watch story
		sleep 1
	done
	watch story
	echo
	echo "== t+$1s: $2"
	faults=$(curl -sS "$CTL" 2>/dev/null | tr '\n' ' ')
	echo "   testbed faults now: ${faults:-none}"
	python3 -c "$SUMMARY_PY" "$URL"
	echo
}

echo
echo "== t+0s: the daemon starts; probe results that are not up, renders and incidents follow"
until_t 3 "all providers healthy (first probes are spread over the interval)"
until_t 16 "p1 OCSP down, p2 serving a stale CRL, p3 TSA slow, p2's qualified CA withdrawn from the trusted list"
until_t 22 "p1's login failing too: MyGuichet and the school portal fall with it, the bank stays up (p2)"
until_t 31 "p1 recovered; p2 and p3 still misbehaving"
# The last faults heal at t+34s; incidents close after 2 good probes in a row.
deadline=$((start + 60))
while [ "$(date +%s)" -lt "$deadline" ]; do
	alive
	watch story
	[ "$(date +%s)" -ge $((start + 36)) ] &&
	    curl -sf -m 2 "$URL/api/v1/incidents" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if all(i["end"] is not None for i in d["incidents"]) else 1)' 2>/dev/null && break
	sleep 1
done
# The site is re-rendered right after an incident resolves (and every $EVERY): wait for the
# render that shows everything healed.
i=0
while [ "$i" -lt 15 ] && ! grep -q "All systems operational" "$STATE/site/index.html" 2>/dev/null; do
	alive; watch story; sleep 1; i=$((i + 1))
done
watch story
until_t $(( $(date +%s) - start )) "everything healed"

if [ ! -s "$STATE/site/index.html" ] || ! curl -sf -m 5 -o /dev/null "$URL/"; then
	echo "demo: the site is not served at $URL/ (see $LOG)" >&2
	exit 1
fi
# The trusted list's events (p2's CA withdrawn at t+12s, granted again at t+28s).
n_tl=$(grep -o 'p2 Qualified CA' "$STATE/site/changes.html" 2>/dev/null | wc -l)
echo "== trusted list: $n_tl change(s) of p2's qualified CA recorded (withdrawn, then granted again)"
echo "   $URL/changes.html and the Atom feed $URL/feed.atom"
n_inc=$(curl -sf -m 2 "$URL/api/v1/incidents" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["incidents"]))' 2>/dev/null)
echo "== the status site: $STATE/site (en, fr/, de/; ${n_inc:-?} incidents)"
echo "   served by the daemon, which keeps probing the (now healthy) testbed and re-rendering:"
echo "   site     $URL/           incidents $URL/incidents.html"
echo "   who falls when a provider falls: $URL/dependencies.html (live: $URL/api/v1/dependencies)"
echo "   live API $URL/api/v1/status   metrics $URL/metrics"
echo
# The record: what a reader (a journalist, a provider) can check without trusting us.
echo "== the verifiable record: $STATE/site/log/demo (README: Verify the record yourself)"
i=0
while [ "$i" -lt 30 ] && [ ! -s "$STATE/site/log/demo/checkpoint" ]; do
	alive; sleep 1; i=$((i + 1))
done
echo "   \$ trustwatch verify --vkey $(cat "$VKEY") -c $CFG $STATE/site"
"$TW" verify --vkey "$(cat "$VKEY")" -c "$CFG" "$STATE/site" >"$STATE/verify.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ]; then	# read while the daemon swapped a new render in: once more
	"$TW" verify --vkey "$(cat "$VKEY")" -c "$CFG" "$STATE/site" >"$STATE/verify.out" 2>&1
	rc=$?
fi
sed 's/^/   /' "$STATE/verify.out"
[ "$rc" -eq 0 ] || echo "demo: verify did not say verified (exit $rc)" >&2
echo
watch quiet  # past the demo's own requests: from here on, web requests are the reader's
if [ -n "${TW_DEMO_SERVE_SECONDS:-}" ] || ! [ -t 0 ]; then
	secs=${TW_DEMO_SERVE_SECONDS:-0}
	case "$secs" in *[!0-9]*) echo "demo: TW_DEMO_SERVE_SECONDS must be a number of seconds" >&2; exit 3 ;; esac
	if [ "$secs" -gt 0 ]; then
		echo "Open $URL/ — serving for $secs s (TW_DEMO_SERVE_SECONDS), or press Ctrl-C to stop"
		end=$(( $(date +%s) + secs ))
		while [ "$(date +%s)" -lt "$end" ]; do alive; watch serve; sleep 1; done
	else
		echo "demo: stdin is not a terminal and TW_DEMO_SERVE_SECONDS is not set: not serving"
		echo "      (TW_DEMO_SERVE_SECONDS=600 make demo serves for 10 min)"
	fi
else
	echo "Open $URL/ — press Ctrl-C to stop"
	while :; do alive; watch serve; sleep 1; done
fi
echo
echo "demo: done (state kept in $STATE; the PKI is reused next time; the site stays in $STATE/site)"
