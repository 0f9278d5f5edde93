#!/bin/sh
# Integration: the output directory is trustwatch's (SPEC §9) and nothing the config names
# blocks. `report -o DIR` creates DIR, adopts an empty one, replaces one holding the
# .trustwatch-site marker, and refuses (exit 3, nothing touched) anything else; `check`
# refuses /, /etc and an output that holds the store or the config; partial renders that a
# killed render left are removed unless a live render holds them; `run` refuses and logs,
# never deletes. A FIFO as the config or a certificate is refused at once, by `check` and by
# SIGHUP under `run`. No network: the one endpoint is never probed by `report` or `check`.
# Needs TW_BIN (tests/run.sh sets it).
set -u
: "${TW_BIN:?}"
work=$(mktemp -d /tmp/tw-output-itest.XXXXXX)
d_pid=""
# stop PID: SIGTERM, then SIGKILL after 5 s (a daemon blocked on a FIFO ignores SIGTERM).
stop() {
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	[ -n "$d_pid" ] && stop "$d_pid"
	[ -n "${TW_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
	deadline=$(( $(date +%s) + $1 )); shift
	until "$@"; do
		[ "$(date +%s)" -gt "$deadline" ] && return 1
		sleep 0.05
	done
}
# config FILE OUTPUT [EXTRA]: a config with the store in $work/data and the site at OUTPUT.
config() {
	cat >"$1" <<EOF
storage: { path: "$work/data/tw.db" }
report: { output: "$2", every: 1s }
providers:
  - id: p
    endpoints:
      - { id: l, kind: login, url: 'http://127.0.0.1:9/'${3:-} }
EOF
}
mkdir -p "$work/data" "$work/www"
cfg="$work/c.yaml"
config "$cfg" "$work/www/site"
T="timeout 20"

# A new directory is created with the marker; rendering again replaces it.
$T "$TW_BIN" report -c "$cfg" 2>"$work/err"; rc=$?
check "report creates a new output (rc $rc: $(cat "$work/err"))" \
	'[ "$rc" -eq 0 ] && [ -s "$work/www/site/index.html" ] && [ -f "$work/www/site/.trustwatch-site" ]'
$T "$TW_BIN" report -c "$cfg" 2>"$work/err"; rc=$?
check "report replaces a site that has the marker (rc $rc)" '[ "$rc" -eq 0 ] && [ -s "$work/www/site/index.html" ]'
check "the store was not touched" '[ -f "$work/data/tw.db" ]'

# An existing directory that is not a site: refused, exit 3, every file kept.
mkdir -p "$work/mine/sub"; echo precious >"$work/mine/a.txt"; echo deep >"$work/mine/sub/b.txt"
$T "$TW_BIN" report -c "$cfg" -o "$work/mine" 2>"$work/err"; rc=$?
check "report -o a directory that is not a site exits 3 (rc $rc)" '[ "$rc" -eq 3 ]'
check "  naming the directory and the marker" 'grep -q "$work/mine.*\.trustwatch-site" "$work/err"'
check "  and touches nothing" '[ "$(cat "$work/mine/a.txt")" = precious ] && [ "$(cat "$work/mine/sub/b.txt")" = deep ] &&
	[ "$(ls -A "$work/mine" | tr "\n" " ")" = "a.txt sub " ] && [ "$(ls -A "$work" | grep -c "^\.mine")" -eq 0 ]'
mkdir "$work/empty"
$T "$TW_BIN" report -c "$cfg" -o "$work/empty" 2>"$work/err"; rc=$?
check "an empty directory is adopted (rc $rc)" '[ "$rc" -eq 0 ] && [ -f "$work/empty/.trustwatch-site" ]'
echo x >"$work/file"
$T "$TW_BIN" report -c "$cfg" -o "$work/file" 2>"$work/err"; rc=$?
check "report -o a file exits 3 and keeps it" '[ "$rc" -eq 3 ] && [ "$(cat "$work/file")" = x ]'
ln -s "$work/www/site" "$work/link"
$T "$TW_BIN" report -c "$cfg" -o "$work/link" 2>"$work/err"; rc=$?
check "report -o a symbolic link exits 3 and keeps it" '[ "$rc" -eq 3 ] && [ -L "$work/link" ]'
$T "$TW_BIN" report -c "$cfg" -o "$work/data" 2>"$work/err"; rc=$?
check "report -o the store's directory exits 3 and keeps the store" \
	'[ "$rc" -eq 3 ] && [ -f "$work/data/tw.db" ] && grep -q "holds the store" "$work/err"'

# check: the static rules, positioned, and the marker rule.
for bad in "$work/data" "$work" "/" "/etc" "/usr" "$work/data/.."; do
	config "$work/bad.yaml" "$bad"
	$T "$TW_BIN" check -c "$work/bad.yaml" >/dev/null 2>"$work/err"; rc=$?
	check "check refuses output $bad (rc $rc: $(head -1 "$work/err"))" \
		'[ "$rc" -eq 3 ] && grep -q "bad.yaml:2:19: output: " "$work/err"'
done
config "$work/bad.yaml" "$work/mine"
$T "$TW_BIN" check -c "$work/bad.yaml" >/dev/null 2>"$work/err"; rc=$?
check "check refuses an output that is not a site, at its place (rc $rc)" \
	'[ "$rc" -eq 3 ] && grep -q "bad.yaml:2:19: output: .*no .trustwatch-site marker" "$work/err"'
$T "$TW_BIN" check -c "$cfg" >/dev/null 2>"$work/err"; rc=$?
check "check accepts the site's own output (rc $rc: $(cat "$work/err"))" '[ "$rc" -eq 0 ]'

# Partial renders: an orphan is removed by the next render, a locked one (live) is kept.
mkdir -p "$work/www/.site.new-AbC123/api" "$work/www/.site.new-LiVe99"
dd if=/dev/zero of="$work/www/.site.new-AbC123/api/big" bs=1024 count=64 2>/dev/null
if command -v flock >/dev/null 2>&1; then
	# A stand-in for a live render: a process holding the lock on its directory.
	( flock 9 && exec sleep 30 ) 9<"$work/www/.site.new-LiVe99" &
	lk_pid=$!
	wait_for 10 sh -c "! flock -n '$work/www/.site.new-LiVe99' true"
else
	lk_pid=""
fi
$T "$TW_BIN" report -c "$cfg" 2>"$work/err"; rc=$?
check "a render after a crash exits 0 (rc $rc)" '[ "$rc" -eq 0 ]'
check "  and removes the partial render left by the crash" '[ ! -e "$work/www/.site.new-AbC123" ]'
if [ -n "$lk_pid" ]; then
	check "  but not one that a live render holds" '[ -d "$work/www/.site.new-LiVe99" ]'
	kill "$lk_pid" 2>/dev/null; wait "$lk_pid" 2>/dev/null
fi
check "  and leaves nothing else beside the site" '[ "$(ls -A "$work/www" | grep -v -e "^site$" -e LiVe99)" = "" ]'

# A render killed with SIGKILL while its temporary directory exists: the next one removes it.
caught=0; tries=0
while [ "$caught" -eq 0 ] && [ "$tries" -lt 20 ]; do
	tries=$((tries + 1))
	"$TW_BIN" report -c "$cfg" 2>/dev/null &
	k_pid=$!
	while kill -0 "$k_pid" 2>/dev/null; do
		for p in "$work"/www/.site.new-??????; do
			case "$p" in *LiVe99) continue ;; esac
			[ -d "$p" ] && kill -9 "$k_pid" 2>/dev/null && caught=1
		done
		[ "$caught" -eq 1 ] && break
	done
	wait "$k_pid" 2>/dev/null
done
if [ "$caught" -eq 1 ]; then
	check "a render killed with SIGKILL left its partial site" \
		'ls -A "$work/www" | grep -v LiVe99 | grep -q "^\.site\.new-"'
else
	ok "# skip: no render was caught with its temporary directory in $tries tries"
fi
$T "$TW_BIN" report -c "$cfg" 2>"$work/err"; rc=$?
check "after SIGKILL, the next render leaves only the site (rc $rc)" \
	'[ "$rc" -eq 0 ] && [ "$(ls -A "$work/www" | grep -v -e "^site$" -e LiVe99)" = "" ]'

# FIFOs: as the config, or as a certificate, refused at once.
mkfifo "$work/fifo.yaml" "$work/cert.pem"
$T "$TW_BIN" check -c "$work/fifo.yaml" >/dev/null 2>"$work/err"; rc=$?
check "check -c FIFO exits 3 at once (rc $rc)" '[ "$rc" -eq 3 ] && grep -q "fifo.yaml: cannot read: not a regular file" "$work/err"'
cat >"$work/cert.yaml" <<EOF
providers:
  - id: p
    endpoints:
      - { id: c, kind: crl, url: 'http://127.0.0.1:9/', issuer: "$work/cert.pem" }
EOF
$T "$TW_BIN" check -c "$work/cert.yaml" >/dev/null 2>"$work/err"; rc=$?
check "check with a FIFO as certificate exits 3 at once (rc $rc)" \
	'[ "$rc" -eq 3 ] && grep -q "cert.yaml:4:65: issuer: cannot read certificate file .*cert.pem: not a regular file" "$work/err"'

# run: the periodic render refuses a directory that is not a site and logs it; SIGHUP with
# the config turned into a FIFO is rejected without blocking; SIGTERM still ends it.
config "$work/run.yaml" "$work/mine"
TRUSTWATCH_LOG_LEVEL=info "$TW_BIN" run -c "$work/run.yaml" 2>"$work/run.log" &
d_pid=$!
wait_for 20 grep -q "report not rendered" "$work/run.log"; rc=$?
check "run logs that it will not render into a directory that is not a site" \
	'[ "$rc" -eq 0 ] && grep "report not rendered" "$work/run.log" | grep -q "trustwatch-site"'
check "  and touches nothing" '[ "$(ls -A "$work/mine" | tr "\n" " ")" = "a.txt sub " ]'
mv "$work/run.yaml" "$work/run.yaml.bak"; mkfifo "$work/run.yaml"
kill -HUP "$d_pid"
wait_for 10 grep -q "reload rejected" "$work/run.log"; rc=$?
check "SIGHUP with the config a FIFO is rejected, not blocking" \
	'[ "$rc" -eq 0 ] && grep -q "not a regular file" "$work/run.log"'
kill -TERM "$d_pid"
wait_for 15 sh -c "! kill -0 $d_pid 2>/dev/null"; rc=$?
check "run still stops on SIGTERM" '[ "$rc" -eq 0 ]'
stop "$d_pid"; d_pid=""

echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
