#!/bin/sh
# Integration: the verifiable record (SPEC §12, issue 19).
#   - bench/tlog_gen publishes a log of 1000 entries and 3 checkpoints (300, 700, 1000) with
#     tlog_publish(), signed with a key from `trustwatch keygen`, each checkpoint time-stamped
#     by `openssl ts -reply` (RFC 3161, over SHA-256 of the signed note);
#   - an implementation we did not write verifies it: tests/interop/verify.go built against
#     golang.org/x/mod/sumdb/note and .../tlog (Debian golang-go, golang-golang-x-mod-dev),
#     offline; a missing Go toolchain FAILS this test, it is never skipped;
#   - a co-signed copy (TLOG_GEN_COSIGN): the Go verifier checks its cosignature lines through
#     note.Open with a cosignature/v1 verifier (crypto/ed25519), and so does trustwatch verify;
#     a changed cosignature fails both;
#   - `trustwatch verify` accepts it (directory and URL, with and without -c CONFIG) and
#     rejects each tamper case with exit 2 naming what changed: one entry byte changed, one
#     entry deleted, two entries swapped, re-signed with another key, an older checkpoint
#     served as the latest, a time-stamp token of another checkpoint (SIZE.tsr and a second
#     TSA's LABEL/SIZE.tsr), a token name outside that layout; usage 3, unreadable 1.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
gen="$(dirname "$TW_BIN")/bench/tlog_gen"
work=$(mktemp -d /tmp/tw-tlog-itest.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
die() { echo "not ok - setup: $*"; for f in "$work"/*.log; do [ -s "$f" ] && { echo "== $f"; cat "$f"; }; done
	echo "# pass $pass"; echo "# fail $((fail + 1))"; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not installed (apt-get install golang-go golang-golang-x-mod-dev, or make deps)"
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ] ||
	die "golang.org/x/mod is not in /usr/share/gocode (apt-get install golang-golang-x-mod-dev)"
[ -x "$gen" ] || die "$gen is missing (make test builds it)"
command -v python3 >/dev/null || die "python3 is not installed"
command -v openssl >/dev/null || die "openssl is not installed"

# ---------------------------------------------------------------- the Go verifier, offline
(cd "$ROOT" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$work/gocache" \
	GOTOOLCHAIN=local GOPROXY=off go build -o "$work/goverify" ./tests/interop) >"$work/gobuild.log" 2>&1 ||
	die "go build tests/interop failed"
ok "the Go verifier builds offline against Debian's golang.org/x/mod"

cd "$work" || die "cd $work"

# ---------------------------------------------------------------- key and log
vkey=$("$TW_BIN" keygen -o node.key --name example.test/node-a 2>"$work/keygen.log") ||
	die "keygen failed"
case "$vkey" in example.test/node-a+????????+*) ok "keygen prints the verifier key" ;;
*) not_ok "keygen printed '$vkey'" ;; esac
[ "$(stat -c %a node.key)" = 600 ] && ok "the signer key is mode 0600" ||
	not_ok "the signer key is mode $(stat -c %a node.key)"
if "$TW_BIN" keygen -o node.key >/dev/null 2>"$work/keygen2.log"; then
	not_ok "keygen overwrote an existing key"
else
	grep -q "refusing to overwrite" "$work/keygen2.log" && ok "keygen refuses to overwrite a key" ||
		not_ok "keygen over a key: $(cat "$work/keygen2.log")"
fi
"$TW_BIN" keygen -o other.key --name example.test/node-a >other.vkey 2>>"$work/keygen.log" ||
	die "keygen (other key) failed"
"$TW_BIN" keygen >/dev/null 2>&1; [ $? -eq 3 ] && ok "keygen without -o is a usage error (3)" ||
	not_ok "keygen without -o does not exit 3"

"$gen" site node-a 1000 300,700,1000 node.key >"$work/gen.log" 2>&1 || die "tlog_gen failed"
log=site/log/node-a

# ---------------------------------------------------------------- RFC 3161 tokens
mkdir -p pki tsr && (
	cd pki &&
	cat >x.cnf <<EOF
[ req ]
distinguished_name = dn
[ dn ]
[ root_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ tsa ]
default_tsa = t
[ t ]
serial = $work/pki/serial
crypto_device = builtin
signer_cert = $work/pki/tsa.pem
signer_key = $work/pki/tsa.key
certs = $work/pki/root.pem
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.8.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
EOF
	echo 01 >serial &&
	openssl req -x509 -config x.cnf -extensions root_ext -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout root.key -out root.pem -days 30 -subj "/CN=tlog test TSA root" &&
	openssl req -new -config x.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout tsa.key -out tsa.csr -subj "/CN=tlog test TSA" &&
	openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -set_serial 2 -days 30 \
		-extfile x.cnf -extensions tsa_ext -out tsa.pem &&
	openssl req -x509 -config x.cnf -extensions root_ext -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout other.key -out other-root.pem -days 30 -subj "/CN=another root"
) >"$work/pki.log" 2>&1 || die "TSA PKI generation failed"
for s in 300 700 1000; do
	openssl ts -query -data "$log/checkpoints/$s" -sha256 -cert -out "tsr/$s.tsq" &&
	openssl ts -reply -config pki/x.cnf -queryfile "tsr/$s.tsq" -out "tsr/$s.tsr" || exit 1
done >"$work/ts.log" 2>&1 || die "openssl ts -reply failed"
# Published again with the tokens: Ed25519 is deterministic, the notes are the same bytes.
rm -rf site
"$gen" site node-a 1000 300,700,1000 node.key tsr >"$work/gen.log" 2>&1 || die "tlog_gen (tokens) failed"
[ -f "$log/timestamps/300.tsr" ] && cmp -s "$log/checkpoints/1000" "$log/checkpoint" ||
	die "tlog_gen did not publish the tokens and the latest checkpoint"
ok "published: $(head -1 "$work/gen.log")"
# A second TSA's token of checkpoint 300: SPEC §12 names one token timestamps/SIZE.tsr, the
# further TSAs' go under timestamps/LABEL/SIZE.tsr (and the index lists them).
openssl ts -reply -config pki/x.cnf -queryfile tsr/300.tsq -out tsr/300b.tsr >"$work/ts2.log" 2>&1 ||
	die "openssl ts -reply (second token) failed"
mkdir -p "$log/timestamps/tsa-2" && cp tsr/300b.tsr "$log/timestamps/tsa-2/300.tsr" &&
	echo tsa-2/300.tsr >>"$log/timestamps/index" || die "second token"
# The README's command for checking a token with OpenSSL alone.
openssl ts -verify -data "$log/checkpoints/300" -in "$log/timestamps/300.tsr" -CAfile pki/root.pem \
	>"$work/tsverify.log" 2>&1 && ok "openssl ts -verify accepts a published token (README)" ||
	not_ok "openssl ts -verify: $(cat "$work/tsverify.log")"

# ---------------------------------------------------------------- the Go verifier
if "$work/goverify" "$log" "$vkey" >"$work/go.out" 2>&1; then
	ok "golang.org/x/mod/sumdb verifies the log: $(tr '\n' ';' <"$work/go.out")"
else
	not_ok "the Go verifier rejects the log: $(cat "$work/go.out")"
fi
if "$work/goverify" "$log" "$(cat other.vkey)" >"$work/go2.out" 2>&1; then
	not_ok "the Go verifier accepts the log with another key"
else
	ok "the Go verifier rejects the log with another key"
fi

# ---------------------------------------------------------------- cosignatures
# Another node's key co-signs each checkpoint (C2SP tlog-cosignature, as run_cosign.c does).
# note.Open routes those lines to a cosignature/v1 verifier (tests/interop/verify.go: the
# note package verifies Ed25519 note signatures only, so the cosignature check itself is Go's
# crypto/ed25519 over the cosignature/v1 message, not our C).
wvkey=$("$TW_BIN" keygen -o witness.key --name example.test/node-b 2>>"$work/keygen.log") ||
	die "keygen (witness) failed"
TLOG_GEN_COSIGN=witness.key "$gen" csite node-a 1000 300,700,1000 node.key >"$work/gen-cs.log" 2>&1 ||
	die "tlog_gen (co-signed) failed: $(cat "$work/gen-cs.log")"
clog=csite/log/node-a
grep -q '^— example.test/node-b ' "$clog/checkpoints/700" || die "tlog_gen wrote no cosignature line"
if "$work/goverify" "$clog" "$vkey" "$wvkey" >"$work/go-cs.out" 2>&1 &&
    grep -q "3 cosignatures (cosignature/v1) verified" "$work/go-cs.out"; then
	ok "golang.org/x/mod/sumdb/note.Open verifies the cosignatures: $(grep cosignatures "$work/go-cs.out")"
else
	not_ok "the Go verifier on a co-signed log: $(cat "$work/go-cs.out")"
fi
"$work/goverify" "$clog" "$vkey" >"$work/go-cs2.out" 2>&1 &&
	ok "without the cosigner's key, note.Open leaves the cosignatures unverified and accepts" ||
	not_ok "the Go verifier without the cosigner key: $(cat "$work/go-cs2.out")"
"$TW_BIN" verify --vkey "$vkey" --vkey "$wvkey" csite >"$work/v-cs.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^node-a: 3 cosignatures verified (C2SP tlog-cosignature, by example.test/node-b+" "$work/v-cs.out" &&
	ok "trustwatch verify checks the same cosignatures" ||
	not_ok "trustwatch verify on a co-signed log: rc $rc: $(cat "$work/v-cs.out")"
rm -rf tcs && cp -r csite tcs && python3 - tcs/log/node-a/checkpoints/700 <<'PY' || die "cosignature tamper"
import base64, sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
for i, l in enumerate(lines):
    if l.startswith("\u2014 example.test/node-b "):
        b = bytearray(base64.b64decode(l.split(" ")[2]))
        b[40] ^= 1
        lines[i] = "\u2014 example.test/node-b " + base64.b64encode(bytes(b)).decode()
open(p, "w", encoding="utf-8").write("\n".join(lines))
PY
if "$work/goverify" tcs/log/node-a "$vkey" "$wvkey" >"$work/go-cs3.out" 2>&1; then
	not_ok "the Go verifier accepts a changed cosignature"
else
	ok "the Go verifier rejects a changed cosignature: $(tail -1 "$work/go-cs3.out")"
fi
"$TW_BIN" verify --vkey "$vkey" --vkey "$wvkey" tcs >"$work/v-cs3.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "MISMATCH node-a: checkpoint 700: the cosignature by example.test/node-b+[0-9a-f]* (a --vkey key) does not verify" "$work/v-cs3.out" &&
	ok "trustwatch verify: a changed cosignature exits 2 naming it" ||
	not_ok "trustwatch verify, changed cosignature: rc $rc: $(cat "$work/v-cs3.out")"

# ---------------------------------------------------------------- trustwatch verify: accepted
"$TW_BIN" verify --vkey "$vkey" site >"$work/v.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "^verified: 1 node" "$work/v.out" &&
	grep -q "1000 entries re-hashed" "$work/v.out" && grep -q "4 time-stamp tokens" "$work/v.out" &&
	grep -q "chain is not checked: give -c CONFIG" "$work/v.out"; then
	ok "verify accepts the untouched log (exit 0), tokens checked against their own certificate"
else
	not_ok "verify on the untouched log: rc $rc: $(cat "$work/v.out")"
fi
"$TW_BIN" verify site >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "the published vkey: this proves the log is consistent with itself" "$work/v.out" &&
	ok "verify without --vkey uses the published vkey and says what that proves" ||
	not_ok "verify without --vkey: rc $rc: $(cat "$work/v.out")"

cat >tw.yaml <<EOF
storage:
  path: $work/tw.db
providers:
  - id: testtsa
    endpoints:
      - { id: tsa, kind: tsa, url: "http://127.0.0.1:9/", trust: pki/root.pem }
EOF
cat >tw-other.yaml <<EOF
storage:
  path: $work/tw.db
providers:
  - id: testtsa
    endpoints:
      - { id: tsa, kind: tsa, url: "http://127.0.0.1:9/", trust: pki/other-root.pem }
EOF
"$TW_BIN" verify --vkey "$vkey" -c tw.yaml site >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "chained to a tsa endpoint's trust file" "$work/v.out" &&
	ok "verify -c CONFIG chains each token to the tsa endpoint's trust file" ||
	not_ok "verify -c CONFIG: rc $rc: $(cat "$work/v.out")"
"$TW_BIN" verify --vkey "$vkey" -c tw-other.yaml site >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "MISMATCH node-a: checkpoint 300: time-stamp token 300.tsr" "$work/v.out" &&
	ok "verify -c CONFIG with another trust anchor: exit 2 naming the token" ||
	not_ok "verify -c (another root): rc $rc: $(cat "$work/v.out")"

# Over HTTP: the site served by python3's http.server.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory site "$port" >"$work/http.log" 2>&1 &
pids="$pids $!"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/log/nodes"; do
	i=$((i + 1)); [ $i -lt 100 ] || die "http.server did not start"; sleep 0.05
done
"$TW_BIN" verify --vkey "$vkey" "http://127.0.0.1:$port/" >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "4 time-stamp tokens" "$work/v.out" &&
	ok "verify URL reads the same record over HTTP (exit 0)" ||
	not_ok "verify URL: rc $rc: $(cat "$work/v.out")"
"$TW_BIN" verify --vkey "$vkey" "http://127.0.0.1:$port/nothing-here" >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "verify on a URL without a log: exit 1" || not_ok "verify empty URL: rc $rc"

# ---------------------------------------------------------------- tamper cases
# bundle.py FILE op i [j]: rewrites an entry bundle (change a byte, delete, swap).
cat >bundle.py <<'PY'
import sys
path, op, i = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
entries, off = [], 0
while off < len(data):
    n = int.from_bytes(data[off:off + 2], "big")
    entries.append(bytearray(data[off + 2:off + 2 + n]))
    off += 2 + n
if op == "byte":
    entries[i][len(entries[i]) // 2] ^= 0x01
elif op == "delete":
    del entries[i]
elif op == "swap":
    j = int(sys.argv[4])
    entries[i], entries[j] = entries[j], entries[i]
open(path, "wb").write(b"".join(len(e).to_bytes(2, "big") + bytes(e) for e in entries))
PY
# tamper NAME EXPECT-REGEX COMMANDS...: a fresh copy, the change, verify must exit 2 naming it.
tamper() {
	name=$1; want=$2; shift 2
	rm -rf t && cp -r site t || die "cp"
	(cd t/log/node-a && "$@") >"$work/tamper.log" 2>&1 || die "tamper '$name': $(cat "$work/tamper.log")"
	"$TW_BIN" verify --vkey "$vkey" t >"$work/v.out" 2>&1; rc=$?
	if [ $rc -eq 2 ] && grep -Eq "$want" "$work/v.out"; then
		ok "$name: verify exits 2: $(grep MISMATCH "$work/v.out")"
	else
		not_ok "$name: rc $rc, want 2 and /$want/: $(cat "$work/v.out")"
	fi
}
tamper "one entry byte changed" "MISMATCH node-a: entry 261: " \
	python3 "$work/bundle.py" tile/entries/001 byte 5
tamper "one entry deleted" "MISMATCH node-a: entry 10: " \
	python3 "$work/bundle.py" tile/entries/000 delete 10
tamper "two entries swapped" "MISMATCH node-a: entry 515: " \
	python3 "$work/bundle.py" tile/entries/002 swap 3 7
tamper "an entry changed in the last partial bundle" "MISMATCH node-a: entry 1000: |entry 999: " \
	python3 "$work/bundle.py" tile/entries/003.p/232 byte 231
tamper "an older checkpoint served as the latest" \
	"MISMATCH node-a: checkpoint: the latest checkpoint served has size 700, older than checkpoints/1000" \
	cp checkpoints/700 checkpoint
tamper "a checkpoint's tree size edited" "MISMATCH node-a: checkpoint 700: " \
	sed -i '2s/700/701/' checkpoints/700
tamper "a token of another checkpoint" "MISMATCH node-a: checkpoint 300: time-stamp token 300.tsr: .*imprint" \
	cp timestamps/700.tsr timestamps/300.tsr
tamper "another TSA's token of another checkpoint" \
	"MISMATCH node-a: checkpoint 300: time-stamp token tsa-2/300.tsr: .*imprint" \
	cp timestamps/700.tsr timestamps/tsa-2/300.tsr
tamper "a token named outside SIZE.tsr and LABEL/SIZE.tsr" \
	"MISMATCH node-a: timestamps/300.x.tsr: not SIZE.tsr or LABEL/SIZE.tsr" \
	cp timestamps/300.tsr timestamps/300.x.tsr
tamper "a hash tile changed" "MISMATCH node-a: entry 17: " \
	python3 -c 'import sys; p="tile/0/000"; d=bytearray(open(p,"rb").read()); d[17*32]^=1; open(p,"wb").write(d)'

# Re-signed with another key: the whole log published again under other.key (and its
# vkey), checked with the node's real key.
rm -rf t && "$gen" t node-a 1000 300,700,1000 other.key >"$work/gen2.log" 2>&1 || die "tlog_gen (other key)"
"$TW_BIN" verify --vkey "$vkey" t >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "MISMATCH node-a: checkpoint 300: not signed by the --vkey key" "$work/v.out" &&
	ok "re-signed with another key: verify exits 2: $(grep MISMATCH "$work/v.out")" ||
	not_ok "re-signed with another key: rc $rc: $(cat "$work/v.out")"

# The tree rewritten consistently (entries and tiles recomputed) no longer matches the signed
# checkpoints: published from other entries with the real key's checkpoints copied in.
rm -rf t && cp -r site t && python3 "$work/bundle.py" t/log/node-a/tile/entries/001 byte 5 &&
python3 - t/log/node-a <<'PY' || die "rehash"
import hashlib, os, sys
d = sys.argv[1]
def bundle(p):
    data, off, out = open(p, "rb").read(), 0, []
    while off < len(data):
        n = int.from_bytes(data[off:off + 2], "big"); out.append(data[off + 2:off + 2 + n]); off += 2 + n
    return out
leaf = lambda e: hashlib.sha256(b"\0" + e).digest()
open(d + "/tile/0/001", "wb").write(b"".join(leaf(e) for e in bundle(d + "/tile/entries/001")))
PY
"$TW_BIN" verify --vkey "$vkey" t >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -Eq "MISMATCH node-a: (tile/1/|checkpoint 300: its root hash)" "$work/v.out" &&
	ok "an entry changed with its hash tile: verify exits 2: $(grep MISMATCH "$work/v.out")" ||
	not_ok "entry and tile changed: rc $rc: $(cat "$work/v.out")"
if "$work/goverify" t/log/node-a "$vkey" >"$work/go3.out" 2>&1; then
	not_ok "the Go verifier accepts a changed entry"
else
	ok "the Go verifier rejects it too: $(tail -1 "$work/go3.out")"
fi

# A reader who kept checkpoint 700 catches a history rewritten and re-signed with the same key.
cp "$log/checkpoints/700" kept-700
"$TW_BIN" verify --vkey "$vkey" --since kept-700 site >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "the checkpoint of size 700 from kept-700 is contained" "$work/v.out" &&
	ok "verify --since a kept checkpoint: exit 0 on the untouched log" ||
	not_ok "verify --since (untouched): rc $rc: $(cat "$work/v.out")"
rm -rf t && TLOG_GEN_VARIANT=rewritten "$gen" t node-a 1200 300,700,1200 node.key >"$work/gen3.log" 2>&1 ||
	die "tlog_gen (rewritten)"
"$TW_BIN" verify --vkey "$vkey" t >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 0 ] || not_ok "a rewritten history re-signed with the node's key should verify on its own: rc $rc"
"$TW_BIN" verify --vkey "$vkey" --since kept-700 t >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "MISMATCH node-a: checkpoint 700 (--since kept-700): the published log does not contain that tree" "$work/v.out" &&
	ok "history rewritten with the node's own key: verify --since exits 2: $(grep MISMATCH "$work/v.out")" ||
	not_ok "rewritten history with --since: rc $rc: $(cat "$work/v.out")"
cp "$log/checkpoints/1000" kept-1000
rm -rf t && cp -r site t && rm t/log/node-a/checkpoints/1000 && cp t/log/node-a/checkpoints/700 t/log/node-a/checkpoint
"$TW_BIN" verify --vkey "$vkey" --since kept-1000 t >"$work/v.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "older than the checkpoint of size 1000 in --since kept-1000" "$work/v.out" &&
	ok "an older checkpoint served, the newer one deleted: verify --since exits 2" ||
	not_ok "rollback with --since: rc $rc: $(cat "$work/v.out")"

# ---------------------------------------------------------------- exit codes
"$TW_BIN" verify >/dev/null 2>&1; [ $? -eq 3 ] && ok "verify without a site: exit 3" ||
	not_ok "verify without a site is not exit 3"
"$TW_BIN" verify --vkey nonsense site >/dev/null 2>&1; [ $? -eq 3 ] &&
	ok "verify --vkey with a malformed key: exit 3" || not_ok "malformed --vkey is not exit 3"
"$TW_BIN" verify "$work/no-such-site" >"$work/v.out" 2>&1; [ $? -eq 1 ] &&
	ok "verify on a missing directory: exit 1" || not_ok "missing directory is not exit 1"
rm -rf t && cp -r site t && chmod 000 t/log/node-a/tile/0/000
if [ "$(id -u)" != 0 ]; then
	"$TW_BIN" verify --vkey "$vkey" t >"$work/v.out" 2>&1; rc=$?
	[ $rc -eq 1 ] && ok "an unreadable tile: exit 1" || not_ok "unreadable tile: rc $rc"
fi
chmod 644 t/log/node-a/tile/0/000

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
