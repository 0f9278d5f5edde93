/*
 * Where a unit test opens its store: SQLite as written in the test, or, when the
 * environment names a PostgreSQL server (TW_TEST_PG=postgresql://USER@HOST:PORT/, as
 * tests/support/pg.sh exports it for the PostgreSQL pass of tests/run.sh), a database of
 * its own on that server. The same test then runs against either backend.
 */
#ifndef TW_TEST_STORE_WHERE_H
#define TW_TEST_STORE_WHERE_H

struct store;

/*
 * Without TW_TEST_PG: a copy of sqlite_path_or_memory. With it: the URL of a new, empty
 * database tw_<pid>_<n> on that server for ":memory:" (a fresh one on every call, as
 * SQLite's :memory: is), or for a path the same database on every call with that path (so
 * a test that closes and reopens its file reopens its database).
 * Caller frees. Returns NULL, after printing why, when the database cannot be created.
 */
char *test_store_where(const char *sqlite_path_or_memory);

/* store_open_at(test_store_where(where), NULL, true, err): a test's store, created. */
struct store *test_store_open(const char *sqlite_path_or_memory, char **err);

#endif
