/* SQLite backend of the conformance sums (backend.h conformance_add, each_conformance). */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "../core/util.h"

int
sq_conformance_add(struct store_be *s, const struct be_conformance *ds, size_t n)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (n == 0)
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO conformance (ep, month, rule, checks,"
	    " violations, first, last) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (ep, month, rule) DO UPDATE SET"
	    " checks = checks + excluded.checks, violations = violations + excluded.violations,"
	    " first = min(coalesce(first, excluded.first), coalesce(excluded.first, first)),"
	    " last = max(coalesce(last, excluded.last), coalesce(excluded.last, last))",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "preparing a statement");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct be_conformance *d = &ds[i];

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, d->ep);
		sqlite3_bind_text(st, 2, d->month, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->rule, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, d->checks);
		sqlite3_bind_int64(st, 5, d->violations);
		if (d->first_ms >= 0) {
			sqlite3_bind_int64(st, 6, d->first_ms);
			sqlite3_bind_int64(st, 7, d->last_ms);
		} else {
			sqlite3_bind_null(st, 6);
			sqlite3_bind_null(st, 7);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			sq_set_err(s, "writing conformance sums");
			rc = -1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
sq_each_conformance(struct store_be *s, const char *provider,
    int (*fn)(const struct be_conformance *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT e.provider, e.endpoint, e.kind, c.month, c.rule,"
	    " c.checks, c.violations, c.first, c.last, c.ep FROM conformance c"
	    " JOIN endpoints e ON e.id = c.ep WHERE ?1 IS NULL OR e.provider = ?1"
	    " ORDER BY e.provider, e.endpoint, c.month, c.rule", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "preparing a statement");
		return -1;
	}
	if (provider != NULL)
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct be_conformance c = {
			.provider = (const char *)sqlite3_column_text(st, 0),
			.endpoint = (const char *)sqlite3_column_text(st, 1),
			.kind = (const char *)sqlite3_column_text(st, 2),
			.month = (const char *)sqlite3_column_text(st, 3),
			.rule = (const char *)sqlite3_column_text(st, 4),
			.checks = sqlite3_column_int64(st, 5),
			.violations = sqlite3_column_int64(st, 6),
			.first_ms = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 7),
			.last_ms = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 8),
			.ep = sqlite3_column_int64(st, 9),
		};

		if (c.provider == NULL || c.endpoint == NULL || c.kind == NULL ||
		    c.month == NULL || c.rule == NULL)
			continue;
		stop = fn(&c, arg);
	}
	if (stop == 0 && rc != SQLITE_DONE) {
		sq_set_err(s, "reading conformance sums");
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop;
}
