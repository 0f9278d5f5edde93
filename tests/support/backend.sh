# The store backend of an integration script, sourced (POSIX sh). A script that runs on
# either backend says so near its top with the line
#   # backends: sqlite postgresql
# and tests/run.sh runs it once more with TW_BACKEND=postgresql and TW_TEST_PG naming the
# pass's server (tests/support/pg.sh). TW_BACKEND unset or "sqlite": SQLite, as always.
#   tw_storage_yaml DBFILE  prints the configuration's storage block for the current backend:
#                           SQLite at DBFILE, or a PostgreSQL database of DBFILE's own (made
#                           on first use, the same one on every call with DBFILE) with DBFILE
#                           still the path of the local files (DBFILE.lock, .spool, .site-cache).
#   tw_store_url DBFILE     prints where the store of DBFILE is (the path, or the database URL).
#   tw_sql "SELECT ..."     runs SQL on the store of TW_DBFILE (set it to the DBFILE) and
#                           prints the rows as sqlite3 does: columns joined by |, no header.
# A backend that cannot be used (no psql, no TW_TEST_PG) fails the script loudly: never a skip.

TW_BACKEND=${TW_BACKEND:-sqlite}
case "$TW_BACKEND" in
sqlite)
	command -v sqlite3 >/dev/null 2>&1 || { echo "backend.sh: FAIL: sqlite3 missing -- run scripts/deps.sh" >&2; exit 1; } ;;
postgresql)
	[ -n "${TW_TEST_PG:-}" ] || { echo "backend.sh: FAIL: TW_BACKEND=postgresql without TW_TEST_PG (tests/run.sh starts the server)" >&2; exit 1; }
	TW_PSQL=$(command -v psql 2>/dev/null || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)
	[ -n "$TW_PSQL" ] || { echo "backend.sh: FAIL: psql missing -- run scripts/deps.sh" >&2; exit 1; } ;;
*)
	echo "backend.sh: FAIL: unknown TW_BACKEND '$TW_BACKEND' (sqlite or postgresql)" >&2; exit 1 ;;
esac

# The database name for DBFILE: tw_ and the checksum of its path (temporary paths differ).
tw_db_name() {
	echo "tw_f$(printf '%s' "$1" | cksum | cut -d' ' -f1)"
}

tw_store_url() {
	if [ "$TW_BACKEND" = sqlite ]; then
		printf '%s\n' "$1"
	else
		_base=$TW_TEST_PG
		case "$_base" in */) ;; *) _base="$_base/" ;; esac
		printf '%s%s\n' "$_base" "$(tw_db_name "$1")"
	fi
}

tw_storage_yaml() {
	[ -n "${1:-}" ] || { echo "tw_storage_yaml: DBFILE missing" >&2; return 1; }
	if [ "$TW_BACKEND" = sqlite ]; then
		printf "storage: { path: '%s' }\n" "$1"
		return 0
	fi
	_url=$(tw_store_url "$1"); _name=$(tw_db_name "$1")
	if [ -z "$("$TW_PSQL" -X -qtA -d "${_url%/*}/postgres" -c \
	    "SELECT 1 FROM pg_database WHERE datname = '$_name'")" ]; then
		"$TW_PSQL" -X -q -v ON_ERROR_STOP=1 -d "${_url%/*}/postgres" \
		    -c "CREATE DATABASE $_name" >/dev/null ||
		    { echo "tw_storage_yaml: cannot create database $_name" >&2; return 1; }
	fi
	printf "storage: { path: '%s', url: '%s' }\n" "$1" "$_url"
}

tw_sql() {
	[ -n "${TW_DBFILE:-}" ] || { echo "tw_sql: TW_DBFILE is not set" >&2; return 1; }
	if [ "$TW_BACKEND" = sqlite ]; then
		sqlite3 -cmd ".timeout 5000" "$TW_DBFILE" "$1"
	else
		"$TW_PSQL" -X -qtA -v ON_ERROR_STOP=1 -d "$(tw_store_url "$TW_DBFILE")" -c "$1"
	fi
}
