#!/bin/sh
# backends: sqlite
# Integration: the verifiable record (SPEC §12) of a `trustwatch run` against the testbed,
# with record.checkpoint_every 1s and the testbed's TSA in record.timestamp_with. The
# untouched site verifies (trustwatch verify, and the Go verifier when go is there);
# rewriting the store (changing, deleting or reordering log entries) makes the render refuse
# to publish it (the previous log is kept and the error names the entry or checkpoint);
# a changed published entry, a re-signing with another key, an older checkpoint served
# as the latest and a changed cosignature make verify fail with exit 2; a cosignature by an
# unknown key is reported and accepted. Every wait polls with a deadline.
set -u
: "${TW_BIN:?}" "${TW_TESTBED:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-record-itest.XXXXXX)
tb_pid=""; d_pid=""
cleanup() {
	for p in $d_pid $tb_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	if [ "$fail" -ne 0 ]; then
		echo "--- daemon log (tail)"; tail -30 "$work/daemon.log" 2>/dev/null
	fi
	echo "# summary: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && echo "# pass $pass" || echo "# fail $fail"
	[ "$fail" -eq 0 ]
	exit $?
}
for tool in sqlite3 python3; do
	command -v $tool >/dev/null 2>&1 || { echo "# skip: $tool missing"; echo "# pass 0"; exit 0; }
done

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

"$TW_TESTBED" --state "$work/state" --write-config "$work/tb.yaml" --providers 2 \
    >"$work/testbed.log" 2>&1 &
tb_pid=$!
wait_for 30 "the testbed config" test -s "$work/tb.yaml" || finish
db="$work/state/trustwatch.db"
site="$work/state/site"
log="$site/log/n1"
q() { sqlite3 -cmd ".timeout 5000" "$db" "$1" 2>/dev/null; }

vkey=$("$TW_BIN" keygen -o "$work/node.key" --name tb.example/n1 2>"$work/keygen.log") ||
	{ not_ok "keygen failed: $(cat "$work/keygen.log")"; finish; }
sed -e 's/^  interval: .*/  interval: 1s/' "$work/tb.yaml" >"$work/c.yaml"
cat >>"$work/c.yaml" <<YAML
node: { id: n1 }
record:
  key: $work/node.key
  origin: tb.example/n1
  checkpoint_every: 1s
  timestamp_with: [p1/tsa, p2/tsa]
YAML

# run_until CONFIG COMMAND...: runs the daemon until COMMAND succeeds, then stops it.
run_until() {
	cfg=$1; shift
	"$TW_BIN" run -c "$cfg" >>"$work/daemon.log" 2>&1 &
	d_pid=$!
	wait_for 60 "$*" "$@"
	kill -TERM "$d_pid" 2>/dev/null
	wait "$d_pid"; rc=$?
	d_pid=""
	[ "$rc" -eq 0 ] || not_ok "the daemon exited $rc"
}
tokens() { t=$(q "SELECT count(*) FROM log_tokens"); [ "${t:-0}" -ge "${1:-2}" ]; }
run_until "$work/c.yaml" tokens 2
n=$(q "SELECT count(*) FROM log WHERE node = 'n1'")
r=$(q "SELECT count(*) FROM results")
[ "$n" -gt 0 ] && [ "$n" -eq "$r" ] && ok "every stored result is in the log ($n)" ||
	not_ok "$n log entries for $r results"
last=$(q "SELECT max(tree_size) FROM checkpoints WHERE node = 'n1'")
[ "$last" = "$n" ] && ok "the last checkpoint (at stop) covers every entry" ||
	not_ok "last checkpoint $last, log size $n"

"$TW_BIN" report -c "$work/c.yaml" >"$work/report.log" 2>&1 || not_ok "report failed"
[ -s "$log/checkpoint" ] && [ -s "$log/vkey" ] && ls "$log"/timestamps/[0-9]*.tsr >/dev/null 2>&1 &&
	ok "the site publishes log/n1 (checkpoint, vkey, time stamps)" ||
	not_ok "log/n1 incomplete: $(ls -R "$log" 2>&1 | head -20)"
# Two TSAs: SPEC §12's timestamps/SIZE.tsr is the first's (p1/tsa), the second's is
# timestamps/p2-tsa/SIZE.tsr, and the index lists both.
both=""
for f in "$log"/timestamps/[0-9]*.tsr; do
	size=$(basename "$f" .tsr)
	[ -s "$log/timestamps/p2-tsa/$size.tsr" ] && both=$size && break
done
[ -n "$both" ] && grep -qx "$both.tsr" "$log/timestamps/index" &&
	grep -qx "p2-tsa/$both.tsr" "$log/timestamps/index" && ! ls "$log"/timestamps/*.*.tsr >/dev/null 2>&1 &&
	! ls "$log"/timestamps/p1-tsa >/dev/null 2>&1 &&
	ok "two TSAs: timestamps/$both.tsr (p1/tsa, the first) and timestamps/p2-tsa/$both.tsr" ||
	not_ok "two TSAs' tokens: $(ls -R "$log/timestamps" | head -12)"
[ "$(cat "$log/vkey")" = "$vkey" ] && ok "the published vkey is the node's" ||
	not_ok "published vkey $(cat "$log/vkey"), not $vkey"
"$TW_BIN" verify --vkey "$vkey" -c "$work/c.yaml" "$site" >"$work/v0.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^verified" "$work/v0.out" &&
	grep -q "time-stamp token" "$work/v0.out" && ok "the untouched site verifies, tokens too" ||
	{ not_ok "verify of the untouched site: exit $rc"; cat "$work/v0.out"; }

# The Go verifier (golang.org/x/mod/sumdb), when it can be built offline.
if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then
	if (cd "$ROOT" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$work/gocache" \
	    GOTOOLCHAIN=local GOPROXY=off go build -o "$work/goverify" ./tests/interop) \
	    >"$work/gobuild.log" 2>&1; then
		"$work/goverify" "$log" "$vkey" >"$work/go.out" 2>&1 &&
			ok "the Go verifier accepts the published log" ||
			{ not_ok "the Go verifier refuses: $(tail -3 "$work/go.out")"; }
	else
		echo "# the Go verifier did not build: $(tail -3 "$work/gobuild.log")"
	fi
else
	echo "# skip the Go verifier: go or golang.org/x/mod missing"
fi

cp -r "$site" "$work/good-site"
good_cp=$(cat "$log/checkpoint")

# refused STEP: the render keeps the previous log/n1 and logs the mismatch.
refused() {
	"$TW_BIN" report -c "$work/c.yaml" >"$work/report-$1.log" 2>&1
	if grep -q "does not match its signed checkpoints" "$work/report-$1.log" &&
	    [ "$(cat "$log/checkpoint")" = "$good_cp" ] &&
	    "$TW_BIN" verify --vkey "$vkey" "$site" >"$work/v-$1.out" 2>&1; then
		ok "$1: publication refused, the previous log kept and still verified" \
		    "($(grep -o 'error=.*' "$work/report-$1.log" | head -1 | cut -c1-90))"
	else
		not_ok "$1: $(cat "$work/report-$1.log" | tail -3)"
	fi
}
cp "$db" "$work/good.db"
q "UPDATE log SET entry = replace(entry, '\"status\":\"up\"', '\"status\":\"down\"')
    WHERE node = 'n1' AND idx = (SELECT min(idx) FROM log WHERE entry LIKE '%\"status\":\"up\"%')"
refused "a changed stored result"
cp "$work/good.db" "$db"
q "DELETE FROM log WHERE node = 'n1' AND idx = 3"
refused "a deleted stored result"
grep -q "entry 3" "$work/report-a deleted stored result.log" &&
	ok "the deleted entry is named (entry 3)" || not_ok "the deleted entry is not named"
cp "$work/good.db" "$db"
q "UPDATE log SET idx = -1 WHERE node = 'n1' AND idx = 1;
   UPDATE log SET idx = 1 WHERE node = 'n1' AND idx = 2;
   UPDATE log SET idx = 2 WHERE node = 'n1' AND idx = -1"
refused "two stored results reordered"
cp "$work/good.db" "$db"

# Retention never removes the published entries.
q "DELETE FROM results"
"$TW_BIN" report -c "$work/c.yaml" >"$work/report-pruned.log" 2>&1
"$TW_BIN" verify --vkey "$vkey" "$site" >"$work/v5.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^n1: $n entries re-hashed" "$work/v5.out" &&
	ok "the published log outlives the results (all $n entries after every result is gone)" ||
	not_ok "after the results are gone: exit $rc: $(cat "$work/v5.out")"
cp "$work/good.db" "$db"

# Two nodes on one store: each co-signs the other's newest checkpoint (C2SP
# tlog-cosignature) after checking it extends the last one it co-signed.
vkey2=$("$TW_BIN" keygen -o "$work/n2.key" --name tb.example/n2 2>>"$work/keygen.log") ||
	not_ok "keygen (n2)"
sed -e 's/^node: { id: n1 }/node: { id: n2 }/' -e "s|key: $work/node.key|key: $work/n2.key|" \
    -e 's|origin: tb.example/n1|origin: tb.example/n2|' "$work/c.yaml" >"$work/n2.yaml"
sigs() {	# NODE: signature lines of its newest checkpoint (0 while the store is busy)
	q "SELECT note FROM checkpoints WHERE node = '$1' AND tree_size =
	    (SELECT max(tree_size) FROM checkpoints WHERE node = '$1')" | grep -c '^— '
}
n1_cosigned() { [ "$(sigs n1)" -ge 2 ] && [ "$(q "SELECT count(*) FROM checkpoints WHERE node = 'n2' AND tree_size > 0")" -ge 1 ]; }
run_until "$work/n2.yaml" n1_cosigned
[ "$(sigs n1)" -ge 2 ] && ok "node n2 co-signs node n1's newest checkpoint" ||
	not_ok "n1's newest checkpoint has $(sigs n1) signature lines"
n2_size=$(q "SELECT max(tree_size) FROM checkpoints WHERE node = 'n2'")
n2_cosigned() { q "SELECT note FROM checkpoints WHERE node = 'n2' AND tree_size = $n2_size" | grep -q '^— tb.example/n1 '; }
run_until "$work/c.yaml" n2_cosigned
"$TW_BIN" report -c "$work/c.yaml" >"$work/report-cosign.log" 2>&1 || not_ok "report (two nodes)"
grep -q '^— tb.example/n1 ' "$site/log/n2/checkpoints/$n2_size" &&
	ok "node n1 co-signs node n2's checkpoint, published as an extra signature line" ||
	not_ok "log/n2/checkpoints/$n2_size: $(cat "$site/log/n2/checkpoints/$n2_size" 2>&1)"
"$TW_BIN" verify --vkey "$vkey" --vkey "$vkey2" "$site" >"$work/v-two.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "verified: 2 nodes" "$work/v-two.out" &&
	ok "both nodes' logs verify with their cosignatures" ||
	not_ok "verify (two nodes): exit $rc: $(cat "$work/v-two.out")"
grep -q "^n2: [0-9]* cosignatures* verified (C2SP tlog-cosignature, by n1)" "$work/v-two.out" &&
	grep -q "^n1: [0-9]* cosignatures* verified (C2SP tlog-cosignature, by n2)" "$work/v-two.out" &&
	ok "verify checks each cosignature line against the other node's key" ||
	not_ok "cosignatures not reported as verified: $(cat "$work/v-two.out")"

# cosign_tamper DIR MODE: changes n1's cosignature on n2's checkpoint n2_size (MODE bad: one
# signature byte flipped; unknown: a line by a key the site does not publish added).
cosign_tamper() {
	rm -rf "$1"; cp -r "$site" "$1"
	python3 - "$1/log/n2" "$n2_size" "$2" <<'PY'
import base64, os, sys
d, size, mode = sys.argv[1:4]
cp = os.path.join(d, "checkpoints", size)
old = open(cp, "rb").read()
lines = old.decode().split("\n")
if mode == "bad":
    for i, l in enumerate(lines):
        if l.startswith("\u2014 tb.example/n1 "):
            b = bytearray(base64.b64decode(l.split(" ")[2]))
            b[20] ^= 1
            lines[i] = "\u2014 tb.example/n1 " + base64.b64encode(bytes(b)).decode()
    new = "\n".join(lines).encode()
else:
    sig = (0x0123abcd).to_bytes(4, "big") + bytes(range(72))
    new = old + ("\u2014 someone.example " + base64.b64encode(sig).decode() + "\n").encode()
assert new != old
for f in (cp, os.path.join(d, "checkpoint")):
    if open(f, "rb").read() == old:
        open(f, "wb").write(new)
PY
}
cosign_tamper "$work/tc1" bad
"$TW_BIN" verify --vkey "$vkey" --vkey "$vkey2" "$work/tc1" >"$work/vc1.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "MISMATCH n2: checkpoint $n2_size: the cosignature by tb.example/n1+[0-9a-f]* (node n1) does not verify" "$work/vc1.out" &&
	ok "a changed cosignature: verify exits 2 naming the checkpoint and the co-signing node" ||
	not_ok "a changed cosignature: exit $rc: $(cat "$work/vc1.out")"
"$TW_BIN" verify "$work/tc1" >"$work/vc1p.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "cosignature by tb.example/n1" "$work/vc1p.out" &&
	ok "... also against the published vkeys (no --vkey)" ||
	not_ok "a changed cosignature, published vkeys: exit $rc: $(cat "$work/vc1p.out")"
cosign_tamper "$work/tc2" unknown
"$TW_BIN" verify --vkey "$vkey" --vkey "$vkey2" "$work/tc2" >"$work/vc2.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^n2: 1 signature line by a key this site does not publish (not checked: someone.example+0123abcd)" "$work/vc2.out" &&
	ok "a cosignature by an unknown key is reported, not a failure (C2SP signed-note)" ||
	not_ok "an unknown cosigner: exit $rc: $(cat "$work/vc2.out")"

if [ -x "$work/goverify" ]; then
	"$work/goverify" "$site/log/n2" "$vkey2" "$vkey" >"$work/go2.out" 2>&1 &&
		grep -q "cosignatures* (cosignature/v1) verified" "$work/go2.out" &&
		ok "the Go verifier accepts a co-signed log, n1's cosignatures checked through note.Open" ||
		not_ok "the Go verifier refuses a co-signed log: $(tail -3 "$work/go2.out")"
	if "$work/goverify" "$work/tc1/log/n2" "$vkey2" "$vkey" >"$work/go3.out" 2>&1; then
		not_ok "the Go verifier accepts a changed cosignature"
	else
		ok "the Go verifier rejects the changed cosignature too: $(tail -1 "$work/go3.out")"
	fi
fi
cp -r "$site/." "$work/good-site/"
good_cp=$(cat "$log/checkpoint")

# A changed published entry: verify names it.
python3 - "$work/good-site/log/n1" <<'PY'
import glob, sys
p = sorted(glob.glob(sys.argv[1] + "/tile/entries/**/*", recursive=True))
p = [f for f in p if not f.endswith("/") and "/tile/entries/" in f]
import os
f = [x for x in p if os.path.isfile(x) and not x.endswith(".gz")][0]
b = bytearray(open(f, "rb").read())
i = b.find(b'"status":"up"')
b[i + 10:i + 12] = b"UP"
open(f, "wb").write(b)
PY
cp -r "$work/good-site" "$work/t1"
"$TW_BIN" verify --vkey "$vkey" "$work/t1" >"$work/v1.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "entry" "$work/v1.out" &&
	ok "a changed published entry: verify exits 2 naming it ($(grep MISMATCH "$work/v1.out" | head -1 | cut -c1-80))" ||
	not_ok "a changed published entry: exit $rc: $(cat "$work/v1.out")"
rm -rf "$work/good-site"; cp -r "$site" "$work/good-site"

# An older checkpoint served as the latest.
cp -r "$site" "$work/t2"
first=$(head -1 "$log/checkpoints/index")
cp "$log/checkpoints/$first" "$work/t2/log/n1/checkpoint"
"$TW_BIN" verify --vkey "$vkey" "$work/t2" >"$work/v2.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "older checkpoint" "$work/v2.out" &&
	ok "an older checkpoint served as the latest: verify exits 2" ||
	not_ok "an older checkpoint as the latest: exit $rc: $(cat "$work/v2.out")"
# ... and a reader who kept the newest checkpoint sees a site rolled back to an older tree.
cp "$log/checkpoint" "$work/seen"
mkdir -p "$work/t3" && cp -r "$work/good-site/." "$work/t3/"
"$TW_BIN" verify --vkey "$vkey" --vkey "$vkey2" --since "$work/seen" "$work/t3" >"$work/v3.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "the checkpoint a reader kept is still in the log (--since)" ||
	not_ok "--since the newest checkpoint: exit $rc: $(cat "$work/v3.out")"

# Re-signing with another key: the operator's new key is not the one readers know.
"$TW_BIN" keygen -o "$work/other.key" --name tb.example/n1 >"$work/other.vkey" 2>&1 ||
	not_ok "keygen (other key)"
sed -e "s|key: $work/node.key|key: $work/other.key|" "$work/c.yaml" >"$work/c2.yaml"
before=$(q "SELECT max(tree_size) FROM checkpoints WHERE node = 'n1'")
grown() { [ "$(q "SELECT max(tree_size) FROM checkpoints WHERE node = 'n1'")" -gt "$before" ]; }
run_until "$work/c2.yaml" grown
"$TW_BIN" report -c "$work/c2.yaml" >"$work/report-resign.log" 2>&1 || not_ok "report (other key)"
"$TW_BIN" verify --vkey "$vkey" "$site" >"$work/v4.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "MISMATCH" "$work/v4.out" &&
	ok "re-signed with another key: verify with the node's key exits 2 ($(grep MISMATCH "$work/v4.out" | head -1 | cut -c1-80))" ||
	not_ok "re-signed with another key: exit $rc: $(cat "$work/v4.out")"

finish
