/* Where a unit test opens its store: SQLite, or a new database on TW_TEST_PG (libpq). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store_where.h"
#include "core/util.h"
#include "store/store.h"

/* The databases made for paths, so a path reopened names its database again. */
static struct made {
	char	*path;
	char	*url;
} *made;
static size_t n_made;
static unsigned n_db;

/* Creates database name on the server base names; 0, or -1 after printing why. */
static int
create_db(const char *base, const char *name)
{
	char *admin = xasprintf("%spostgres", base), *sql;
	PGconn *pc = PQconnectdb(admin);
	PGresult *res;
	int rc = -1;

	if (PQstatus(pc) != CONNECTION_OK) {
		fprintf(stderr, "test_store_where: cannot connect to %s: %s", admin,
		    PQerrorMessage(pc));
		goto out;
	}
	sql = xasprintf("CREATE DATABASE %s", name);	/* name is tw_<digits>_<digits> */
	res = PQexec(pc, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		rc = 0;
	else
		fprintf(stderr, "test_store_where: %s on %s: %s", sql, admin, PQerrorMessage(pc));
	PQclear(res);
	free(sql);
out:
	PQfinish(pc);
	free(admin);
	return rc;
}

char *
test_store_where(const char *sqlite_path_or_memory)
{
	const char *pg = getenv("TW_TEST_PG");
	bool memory = strcmp(sqlite_path_or_memory, ":memory:") == 0;
	char *base, *name, *url;

	if (pg == NULL || *pg == '\0')
		return xstrdup(sqlite_path_or_memory);
	for (size_t i = 0; !memory && i < n_made; i++)
		if (strcmp(made[i].path, sqlite_path_or_memory) == 0)
			return xstrdup(made[i].url);
	base = pg[strlen(pg) - 1] == '/' ? xstrdup(pg) : xasprintf("%s/", pg);
	name = xasprintf("tw_%ld_%u", (long)getpid(), ++n_db);
	url = NULL;
	if (create_db(base, name) == 0)
		url = xasprintf("%s%s", base, name);
	free(base);
	free(name);
	if (url != NULL && !memory) {
		made = xrealloc(made, (n_made + 1) * sizeof(*made));
		made[n_made].path = xstrdup(sqlite_path_or_memory);
		made[n_made++].url = xstrdup(url);
	}
	return url;
}

struct store *
test_store_open(const char *sqlite_path_or_memory, char **err)
{
	char *where = test_store_where(sqlite_path_or_memory);
	struct store *s;

	if (where == NULL) {
		*err = xasprintf("no PostgreSQL database for %s (TW_TEST_PG=%s)",
		    sqlite_path_or_memory, getenv("TW_TEST_PG"));
		return NULL;
	}
	s = store_open_at(where, NULL, true, err);
	free(where);
	return s;
}
