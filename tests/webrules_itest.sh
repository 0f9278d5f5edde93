#!/bin/sh
# Integration: the HTTP rules of SPEC §9 against `trustwatch serve` on 127.0.0.1, over raw
# sockets (tests/support/http_rules.py): HEAD without a body, request smuggling and malformed
# headers (400 and close), unknown query parameters (400), and a client that pipelines
# without reading (bounded memory, other clients still served).
# Needs TW_BIN (tests/run.sh sets it) and python3.
set -u
: "${TW_BIN:?}"
ROOT=${TW_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d /tmp/tw-webrules-itest.XXXXXX)
sv_pid=""
cleanup() {
	[ -n "$sv_pid" ] && kill "$sv_pid" 2>/dev/null && wait "$sv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/site"
printf '<!doctype html><title>status</title><h1>index</h1>\n' >"$work/site/index.html"
cat >"$work/c.yaml" <<YAML
storage:
  path: "$work/store.db"
report:
  output: "$work/site"
web:
  listen: 127.0.0.1:$port
providers:
  - id: p1
    endpoints:
      - { id: login, kind: login, url: "http://127.0.0.1:9/" }
YAML
"$TW_BIN" serve -c "$work/c.yaml" 2>"$work/serve.log" &
sv_pid=$!
deadline=$(( $(date +%s) + 20 ))
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), timeout=1)" 2>/dev/null; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$sv_pid" 2>/dev/null; then
		echo "serve did not start:"; cat "$work/serve.log"; echo "# fail 1"; exit 1
	fi
	sleep 0.05
done
case "$TW_BIN" in *asan*|*ubsan*) san=sanitizer ;; *) san= ;; esac
python3 "$ROOT/tests/support/http_rules.py" "$port" "$sv_pid" $san
rc=$?
if ! kill -0 "$sv_pid" 2>/dev/null; then
	echo "not ok - serve died:"; tail -20 "$work/serve.log"; rc=1
fi
if grep -q 'Sanitizer\|runtime error' "$work/serve.log"; then
	echo "not ok - sanitizer reports:"; grep -A5 'Sanitizer\|runtime error' "$work/serve.log" | head -20; rc=1
fi
exit $rc
