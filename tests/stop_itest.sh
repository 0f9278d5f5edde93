#!/bin/sh
# Integration: `trustwatch run` honours SIGTERM within 5 s under load (issue 13 item 12).
# 20,000 endpoints (TW_STOP_ENDPOINTS) at interval 1 s against a testbed whose every service
# hangs (holds each request unanswered), timeout 60 s: every slot fires at once, 256 probes
# hang in flight and the rest wait in the engine's queue. Once the engine is saturated
# (256 connections held by the testbed), SIGTERM must end the process, exit 0, within 5 s —
# with a site render in progress that is stuck (SIGSTOPped by the test, as on a hung disk):
# stop may not wait for it.
# The deadline is on the outcome, polled; speed figures live in `make bench`.
# Needs TW_BIN, TW_TESTBED, python3, curl and ss. TW_KEEP=1 keeps the work directory.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
NEP=${TW_STOP_ENDPOINTS:-20000}
work=$(mktemp -d /tmp/tw-stop-itest.XXXXXX)
tb_pid=""; d_pid=""; r_pid=""
cleanup() {
	[ -n "$r_pid" ] && kill -CONT "$r_pid" 2>/dev/null
	for p in $r_pid $d_pid $tb_pid; do
		kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${TW_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	if [ "$fail" -ne 0 ]; then
		echo "--- daemon log (tail)"; tail -20 "$work/daemon.log" 2>/dev/null
	fi
	echo "# summary: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && echo "# pass $pass" || echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit $?
}
for tool in python3 ss curl; do
	command -v $tool >/dev/null 2>&1 || { echo "# skip: $tool missing"; echo "# pass 0"; exit 0; }
done
ms() { date +%s%3N; }

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

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" >"$work/testbed.log" 2>&1 &
tb_pid=$!
wait_for 30 "the testbed config" test -s "$work/tb.yaml" || finish
curl -sf -d '*/*=hang' "$(cat "$work/state/control.url")" >/dev/null ||
    { not_ok "testbed control: */*=hang"; finish; }

# NEP plain-HTTP login endpoints on the testbed's CRL service, 10 providers.
python3 - "$work/tb.yaml" "$work/c.yaml" "$work/c.db" "$NEP" <<'EOF' || { not_ok "config"; finish; }
import re, sys
tb, out, db, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
url = [m.group(1) for m in re.finditer(r'url: (http://\S+\.crl)', open(tb).read())][0]
f = open(out, "w")
f.write('storage: { path: "%s" }\n' % db)
f.write("defaults: { interval: 1s, timeout: 60s }\n")
f.write('report: { output: "%s", every: 1s }\n' % (out.rsplit("/", 1)[0] + "/site"))
f.write("providers:\n")
for p in range(10):
    f.write("  - id: p%d\n    endpoints:\n" % p)
    for i in range(p * n // 10, (p + 1) * n // 10):
        f.write("      - { id: e%06d, kind: login, url: %s }\n" % (i, url))
f.close()
print(url.split("/")[2].split(":")[1], file=open(out + ".port", "w"))
EOF
port=$(cat "$work/c.yaml.port")

"$TW_BIN" run -c "$work/c.yaml" >"$work/daemon.log" 2>&1 &
d_pid=$!
held() {
	kill -0 "$d_pid" 2>/dev/null || return 0
	[ "$(ss -Htn state established "( sport = :$port )" | wc -l)" -ge 256 ]
}
wait_for 120 "256 probes held by the testbed" held || finish
# Every endpoint's second slot has come (and been skipped): all of them are queued or running.
all_due() {
	kill -0 "$d_pid" 2>/dev/null || return 0
	[ "$(grep -c 'slot skipped' "$work/daemon.log")" -ge "$NEP" ]
}
wait_for 120 "every endpoint due" all_due || finish
kill -0 "$d_pid" 2>/dev/null || { not_ok "the daemon died: $(tail -3 "$work/daemon.log")"; finish; }
ok "$NEP endpoints due, 256 probes in flight"
# The first render (report.every 1 s) runs in a child; stop it where it stands.
render() {
	r_pid=$(pgrep -P "$d_pid" | head -1)
	[ -n "$r_pid" ]
}
wait_for 60 "a site render" render || finish
kill -STOP "$r_pid"
ok "a site render in progress, stopped"

gone() {	# exited (a zombie only waits for wait)
	! kill -0 "$d_pid" 2>/dev/null ||
	    [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$d_pid/status" 2>/dev/null)" = Z ]
}
t0=$(ms)
kill -TERM "$d_pid"
# el is taken after the check, so it is never less than the real time to exit.
until gone || [ $(( $(ms) - t0 )) -gt 5000 ]; do
	sleep 0.05
done
el=$(( $(ms) - t0 ))
if gone && [ "$el" -le 5000 ]; then
	wait "$d_pid"; rc=$?; d_pid=""
	[ "$rc" -eq 0 ] && ok "SIGTERM under load: exited 0 within 5 s (${el} ms)" ||
	    not_ok "SIGTERM under load: exit $rc"
else
	not_ok "SIGTERM under load: still running ${el} ms after SIGTERM (limit 5000 ms)"
fi
if kill -0 "$r_pid" 2>/dev/null; then
	not_ok "the render child is still there after stop"
else
	r_pid=""
	ok "the stuck render was ended"
fi
grep -q 'msg="stopped"\|stopped' "$work/daemon.log" && ok "the daemon logged its stop" ||
    not_ok "no stop line in the daemon log"
finish
