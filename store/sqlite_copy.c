/*
 * Raw copy of the SQLite backend's tables (backend.h copy_*), for `store migrate`:
 * rows of be_tables in key order, streamed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "../core/util.h"

/* "a, b, c" of table t's columns (or its first n). */
static void
col_list(const struct be_table *t, size_t n, struct buf *b)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_append(b, ", ", 2);
		buf_append(b, "\"", 1);
		buf_append(b, t->cols[i], strlen(t->cols[i]));
		buf_append(b, "\"", 1);
	}
}

static void
bind_value(sqlite3_stmt *st, int col, const struct be_value *v)
{
	switch (v->type) {
	case BE_INT:
		sqlite3_bind_int64(st, col, v->i);
		break;
	case BE_TEXT:
		sqlite3_bind_text(st, col, v->s, (int)v->len, SQLITE_STATIC);
		break;
	case BE_BLOB:
		sqlite3_bind_blob(st, col, v->s, (int)v->len, SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_null(st, col);
	}
}

static void
column_value(sqlite3_stmt *st, int col, struct be_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		v->type = BE_INT;
		v->i = sqlite3_column_int64(st, col);
		break;
	case SQLITE_TEXT:
		v->type = BE_TEXT;
		v->s = (const char *)sqlite3_column_text(st, col);
		v->len = (size_t)sqlite3_column_bytes(st, col);
		break;
	case SQLITE_BLOB:
		v->type = BE_BLOB;
		v->s = sqlite3_column_blob(st, col);
		v->len = (size_t)sqlite3_column_bytes(st, col);
		break;
	default:
		v->type = BE_NULL;
	}
}

int
sq_copy_each(struct store_be *s, int table, const struct be_value *after,
    int (*fn)(const struct be_value *, void *), void *arg)
{
	const struct be_table *t = &be_tables[table];
	struct buf q = { 0 };
	struct be_value row[16];
	sqlite3_stmt *st;
	int rc;

	buf_printf(&q, "SELECT ");
	col_list(t, t->ncols, &q);
	buf_printf(&q, " FROM %s", t->name);
	if (after != NULL) {
		buf_printf(&q, " WHERE (");
		col_list(t, t->nkey, &q);
		buf_printf(&q, ") > (");
		for (size_t i = 0; i < t->nkey; i++)
			buf_printf(&q, "%s?%zu", i ? ", " : "", i + 1);
		buf_printf(&q, ")");
	}
	buf_printf(&q, " ORDER BY ");
	col_list(t, t->nkey, &q);
	buf_append(&q, "", 1);
	rc = sqlite3_prepare_v2(s->db, (const char *)q.data, -1, &st, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK) {
		sq_set_err(s, "reading a table");
		return -1;
	}
	for (size_t i = 0; after != NULL && i < t->nkey; i++)
		bind_value(st, (int)i + 1, &after[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < t->ncols; i++)
			column_value(st, (int)i, &row[i]);
		if (fn(row, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading a table");
		return -1;
	}
	return 0;
}

int
sq_copy_last_key(struct store_be *s, int table, struct be_value *key)
{
	const struct be_table *t = &be_tables[table];
	struct buf q = { 0 };
	int rc;

	sqlite3_finalize(s->copy_key);
	s->copy_key = NULL;
	buf_printf(&q, "SELECT ");
	col_list(t, t->nkey, &q);
	buf_printf(&q, " FROM %s ORDER BY ", t->name);
	for (size_t i = 0; i < t->nkey; i++)
		buf_printf(&q, "%s\"%s\" DESC", i ? ", " : "", t->cols[i]);
	buf_printf(&q, " LIMIT 1");
	buf_append(&q, "", 1);
	rc = sqlite3_prepare_v2(s->db, (const char *)q.data, -1, &s->copy_key, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK) {
		sq_set_err(s, "reading a table");
		return -1;
	}
	rc = sqlite3_step(s->copy_key);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		sq_set_err(s, "reading a table");
		return -1;
	}
	for (size_t i = 0; i < t->nkey; i++)
		column_value(s->copy_key, (int)i, &key[i]);
	return 1;
}

int
sq_copy_put(struct store_be *s, int table, const struct be_value *rows, size_t n)
{
	const struct be_table *t = &be_tables[table];
	struct buf q = { 0 };
	sqlite3_stmt *st;
	int rc;

	buf_printf(&q, "INSERT INTO %s (", t->name);
	col_list(t, t->ncols, &q);
	buf_printf(&q, ") VALUES (");
	for (size_t i = 0; i < t->ncols; i++)
		buf_printf(&q, "%s?%zu", i ? ", " : "", i + 1);
	buf_printf(&q, ")");
	buf_append(&q, "", 1);
	rc = sqlite3_prepare_v2(s->db, (const char *)q.data, -1, &st, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK) {
		sq_set_err(s, "writing a table");
		return -1;
	}
	for (size_t r = 0; r < n; r++) {
		sqlite3_reset(st);
		for (size_t i = 0; i < t->ncols; i++)
			bind_value(st, (int)i + 1, &rows[r * t->ncols + i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sq_set_err(s, "writing a table");
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int64_t
sq_copy_count(struct store_be *s, int table)
{
	char q[96];
	sqlite3_stmt *st;
	int64_t n = -1;

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s", be_tables[table].name);
	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "counting rows");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
sq_copy_finish(struct store_be *s)
{
	(void)s;
	return 0;		/* INTEGER PRIMARY KEY continues after the largest id by itself */
}
