#!/bin/sh
# make demo: starts trustwatch-testbed with three simulated providers and a scripted story
# (testbed/demo-timeline.txt), points trustwatch at it and shows what trustwatch sees.
# Always stops the testbed when it ends or is interrupted.
# Env: TW_BUILD (build directory, default build), TW_DEMO_STATE (default demo-state).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/${TW_BUILD:-build}
TB=$BUILD/trustwatch-testbed TW=$BUILD/trustwatch
STATE=${TW_DEMO_STATE:-$ROOT/demo-state}
CFG=$STATE/config.yaml
pid=

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo "demo: testbed stopped"
	fi
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM HUP

for b in "$TB" "$TW"; do
	[ -x "$b" ] || { echo "demo: $b missing; run make first" >&2; exit 1; }
done
mkdir -p "$STATE"
rm -f "$CFG"
"$TB" --state "$STATE" --write-config "$CFG" --providers 3 \
    --timeline "$ROOT/testbed/demo-timeline.txt" 2>"$STATE/testbed.log" &
pid=$!
start=$(date +%s)
end=$((start + 30))
while [ ! -f "$CFG" ]; do
	if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$end" ]; then
		echo "demo: the testbed did not start:" >&2
		cat "$STATE/testbed.log" >&2
		exit 1
	fi
	sleep 0.05
done
CTL=$(cat "$STATE/control.url")

echo "== trustwatch demo: 3 simulated providers on 127.0.0.1 =="
echo "   config  $CFG"
echo "   faults  curl -d 'p1/ocsp=down' $CTL   (and =ok to heal; curl $CTL lists)"
echo "   story   $ROOT/testbed/demo-timeline.txt"
echo
"$TW" check -c "$CFG" || echo "demo: trustwatch check failed (rc $?), continuing"

# Ends the demo if the testbed is gone (crashed, or stopped by Ctrl-C with the demo).
# A dead child may linger as a zombie that kill -0 still finds: ask the testbed instead.
alive() {
	curl -sf -m 2 -o /dev/null "$CTL" && return 0
	echo "demo: the testbed has stopped; ending the demo" >&2
	exit 1
}

# round T TITLE: waits until T seconds after the testbed started, then probes everything.
round() {
	while [ "$(date +%s)" -lt $((start + $1)) ]; do
		alive
		sleep 0.2
	done
	alive
	echo
	echo "== t+$1s: $2"
	faults=$(curl -sS "$CTL" 2>/dev/null | tr '\n' ' ')
	echo "   testbed faults now: ${faults:-none}"
	"$TW" probe --once -c "$CFG"
	rc=$?
	case $rc in
	0) echo "   (exit 0: all up)" ;;
	1) echo "   (exit 1: something degraded)" ;;
	2) echo "   (exit 2: something down)" ;;
	*) echo "   (trustwatch probe exited $rc; the demo goes on)" ;;
	esac
}

round 1 "all providers healthy"
round 14 "p1 OCSP down and login failing, p2 serving a stale CRL, p3 TSA slow"
round 28 "p1 recovered; p2 and p3 still misbehaving"
round 38 "everything healed"

if "$TW" report -c "$CFG" >/dev/null 2>&1; then
	echo
	echo "== site rendered: $STATE/site/index.html"
fi
echo
echo "demo: done (state kept in $STATE; the PKI is reused next time)"
