# A private PostgreSQL server for tests. Sourced (POSIX sh):
#   pg_start        initdb in a new temporary directory, start the server on a free port of
#                   127.0.0.1 (its unix socket in that directory too), wait until it accepts
#                   connections (pg_ctl -w), export TW_TEST_PG=postgresql://tw@127.0.0.1:PORT/
#                   and install `trap pg_stop EXIT`, followed by $PG_ON_EXIT when the
#                   script set it (its own cleanup: a script's EXIT trap would be replaced). Returns non-zero, loudly, when no server could start:
#                   a missing PostgreSQL is a failure, never a skip (scripts/deps.sh installs it).
#   pg_newdb NAME   creates database NAME ([a-z0-9_]+) on the server TW_TEST_PG names (this
#                   shell's or an inherited one) and prints its URL.
#   pg_stop         stops the server and removes its directory; a no-op when none runs.
# The server: role tw (superuser, trust authentication, no password), fsync off (a test
# server loses nothing that matters). As root, initdb and the server run as the unprivileged
# user postgres (runuser); otherwise as the calling user.

# The directory of initdb, pg_ctl and psql: pg_config --bindir when it holds the server
# (libpq's pg_config may name a version without one), else the newest /usr/lib/postgresql/*/bin.
pg_bindir() {
	_d=$(pg_config --bindir 2>/dev/null)
	if [ -n "$_d" ] && [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ]; then
		echo "$_d"; return 0
	fi
	for _d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n -r); do
		if [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ]; then
			echo "$_d"; return 0
		fi
	done
	return 1
}

# Runs a command as the server's owner (postgres when we are root).
pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Is TCP port $1 of 127.0.0.1 free (nobody listens on it)?
pg_port_free() {
	# Without ss, the server's own bind is the check (a taken port fails the start).
	command -v ss >/dev/null 2>&1 || return 0
	! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

pg_fail() {
	echo "pg.sh: FAIL: $*" >&2
	[ -n "${TW_PG_DIR:-}" ] && [ -f "$TW_PG_DIR/server.log" ] && tail -30 "$TW_PG_DIR/server.log" >&2
	return 1
}

pg_start() {
	TW_PG_BIN=$(pg_bindir) || { pg_fail "no PostgreSQL server binaries (initdb, pg_ctl) in" \
	    "pg_config --bindir or /usr/lib/postgresql/*/bin -- run scripts/deps.sh"; return 1; }
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		pg_fail "running as root and there is no user postgres to run the server as"
		return 1
	fi
	TW_PG_DIR=$(mktemp -d /tmp/tw-pg.XXXXXX) || { pg_fail "mktemp"; return 1; }
	export TW_PG_BIN TW_PG_DIR
	trap "pg_stop${PG_ON_EXIT:+; $PG_ON_EXIT}" EXIT
	[ "$(id -u)" -eq 0 ] && chown postgres: "$TW_PG_DIR"
	if ! pg_as_owner "$TW_PG_BIN/initdb" -D "$TW_PG_DIR/data" -U tw -A trust -E UTF8 \
	    --locale=C.UTF-8 --no-sync >"$TW_PG_DIR/initdb.log" 2>&1; then
		cat "$TW_PG_DIR/initdb.log" >&2
		pg_fail "initdb failed in $TW_PG_DIR/data"
		return 1
	fi
	# A port that nobody listens on; taken between the check and the start (another test
	# starting a server), the start fails and the next one is tried.
	_tries=0
	while [ $_tries -lt 20 ]; do
		_tries=$((_tries + 1))
		_port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		pg_port_free "$_port" || continue
		if pg_as_owner "$TW_PG_BIN/pg_ctl" -D "$TW_PG_DIR/data" -l "$TW_PG_DIR/server.log" \
		    -w -t 60 -o "-p $_port -k $TW_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		    start >"$TW_PG_DIR/pg_ctl.log" 2>&1; then
			TW_PG_PORT=$_port
			TW_TEST_PG="postgresql://tw@127.0.0.1:$_port/"
			export TW_PG_PORT TW_TEST_PG
			if ! "$TW_PG_BIN/psql" -X -q -d "${TW_TEST_PG}postgres" -tAc 'SELECT 1' \
			    >/dev/null 2>"$TW_PG_DIR/psql.log"; then
				cat "$TW_PG_DIR/psql.log" >&2
				pg_fail "the server on port $_port does not answer"
				return 1
			fi
			return 0
		fi
		grep -q 'could not bind\|Address already in use' "$TW_PG_DIR/server.log" 2>/dev/null ||
		    { cat "$TW_PG_DIR/pg_ctl.log" >&2; pg_fail "pg_ctl start failed"; return 1; }
	done
	pg_fail "no free port found for the test server"
	return 1
}

pg_newdb() {
	case "${1:-}" in
	""|*[!a-z0-9_]*) echo "pg_newdb: invalid database name '${1:-}' (expected [a-z0-9_]+)" >&2
		return 1 ;;
	esac
	[ -n "${TW_TEST_PG:-}" ] || { echo "pg_newdb: TW_TEST_PG is not set (pg_start first)" >&2; return 1; }
	_psql=${TW_PG_BIN:+$TW_PG_BIN/}psql
	[ -n "${TW_PG_BIN:-}" ] || _psql=$(command -v psql || echo "$(pg_bindir)/psql")
	"$_psql" -X -q -v ON_ERROR_STOP=1 -d "${TW_TEST_PG}postgres" -c "CREATE DATABASE \"$1\"" \
	    >/dev/null || { echo "pg_newdb: cannot create database $1 on $TW_TEST_PG" >&2; return 1; }
	echo "${TW_TEST_PG}$1"
}

pg_stop() {
	[ -n "${TW_PG_DIR:-}" ] || return 0
	if [ -f "$TW_PG_DIR/data/postmaster.pid" ]; then
		pg_as_owner "$TW_PG_BIN/pg_ctl" -D "$TW_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$TW_PG_DIR"
	unset TW_PG_DIR TW_PG_PORT TW_TEST_PG
}
