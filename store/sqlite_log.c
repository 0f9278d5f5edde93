/*
 * SQLite backend of the record (backend.h log_*, checkpoints, tokens): rows in log,
 * log_state, checkpoints and log_tokens, which retention never touches.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "../core/util.h"
#include "../tlog/tlog.h"

enum { LS_EDGE, LS_INS, LS_STATE };

static sqlite3_stmt *
cached(struct store_be *s, int which, const char *sql)
{
	if (s->log_stmt[which] == NULL && sqlite3_prepare_v3(s->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->log_stmt[which], NULL) != SQLITE_OK) {
		sq_set_err(s, "preparing a statement");
		return NULL;
	}
	return s->log_stmt[which];
}

static sqlite3_stmt *
once(struct store_be *s, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "preparing a statement");
		return NULL;
	}
	return st;
}

int
sq_log_edge(struct store_be *s, const char *node, unsigned char *buf, size_t *len)
{
	sqlite3_stmt *st = cached(s, LS_EDGE, "SELECT edge FROM log_state WHERE node = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (n > TLOG_EDGE_ENCODED_MAX)
			n = 0;
		memcpy(buf, sqlite3_column_blob(st, 0), n);
		*len = n;
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading a log's edge");
		return -1;
	}
	return 0;
}

int
sq_log_append(struct store_be *s, const char *node, int64_t first, const char *const *entries,
    size_t n, const unsigned char *edge, size_t edge_len)
{
	sqlite3_stmt *ins = cached(s, LS_INS, "INSERT INTO log (node, idx, entry) VALUES (?, ?, ?)");
	sqlite3_stmt *put = cached(s, LS_STATE,
	    "INSERT OR REPLACE INTO log_state (node, edge) VALUES (?, ?)");
	int rc;

	if (ins == NULL || put == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(ins, 1, node, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, first + (int64_t)i);
		sqlite3_bind_text(ins, 3, entries[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE) {
			sq_set_err(s, "appending to a log");
			return -1;
		}
	}
	sqlite3_bind_text(put, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_blob(put, 2, edge, (int)edge_len, SQLITE_STATIC);
	rc = sqlite3_step(put);
	sqlite3_reset(put);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "saving a log's edge");
		return -1;
	}
	return 0;
}

/* Steps st to the end, calling row for each; finalizes st. */
static int
each(struct store_be *s, sqlite3_stmt *st, const char *what,
    int (*row)(sqlite3_stmt *, void *, void *), void *fn, void *arg)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, fn, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE) {
		sq_set_err(s, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
log_row(sqlite3_stmt *st, void *fn, void *arg)
{
	struct store_log l = {
		.node = (const char *)sqlite3_column_text(st, 0),
		.edge = sqlite3_column_blob(st, 1),
		.edge_len = (size_t)sqlite3_column_bytes(st, 1),
	};

	return ((int (*)(const struct store_log *, void *))fn)(&l, arg);
}

int
sq_each_log(struct store_be *s, int (*fn)(const struct store_log *, void *), void *arg)
{
	sqlite3_stmt *st = once(s, "SELECT node, edge FROM log_state ORDER BY node");

	return st ? each(s, st, "reading the logs", log_row, (void *)fn, arg) : -1;
}

static int
entry_row(sqlite3_stmt *st, void *fn, void *arg)
{
	return ((int (*)(int64_t, const char *, size_t, void *))fn)(sqlite3_column_int64(st, 0),
	    (const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1), arg);
}

int
sq_each_log_entry(struct store_be *s, const char *node, int64_t from, int64_t to,
    int (*fn)(int64_t, const char *, size_t, void *), void *arg)
{
	sqlite3_stmt *st = once(s, "SELECT idx, entry FROM log WHERE node = ? AND idx >= ?"
	    " AND idx < ? ORDER BY idx");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	return each(s, st, "reading a log", entry_row, (void *)fn, arg);
}

static int
run1(struct store_be *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int
sq_checkpoint_add(struct store_be *s, const char *node, int64_t size, int64_t time_ms,
    const char *note)
{
	sqlite3_stmt *st = once(s, "INSERT OR IGNORE INTO checkpoints (node, tree_size, t, note)"
	    " VALUES (?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int64(st, 3, time_ms);
	sqlite3_bind_text(st, 4, note, -1, SQLITE_TRANSIENT);
	return run1(s, st, "keeping a checkpoint");
}

int
sq_checkpoint_set_note(struct store_be *s, const char *node, int64_t size, const char *note)
{
	sqlite3_stmt *st = once(s, "UPDATE checkpoints SET note = ? WHERE node = ? AND tree_size = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, note, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, size);
	return run1(s, st, "co-signing a checkpoint");
}

static int
checkpoint_row(sqlite3_stmt *st, void *fn, void *arg)
{
	struct store_checkpoint c = {
		.node = (const char *)sqlite3_column_text(st, 0),
		.size = sqlite3_column_int64(st, 1),
		.time_ms = sqlite3_column_int64(st, 2),
		.note = (const char *)sqlite3_column_text(st, 3),
	};

	return ((int (*)(const struct store_checkpoint *, void *))fn)(&c, arg);
}

int
sq_each_checkpoint(struct store_be *s, const char *node,
    int (*fn)(const struct store_checkpoint *, void *), void *arg)
{
	sqlite3_stmt *st = once(s, "SELECT node, tree_size, t, note FROM checkpoints"
	    " WHERE ?1 IS NULL OR node = ?1 ORDER BY node, tree_size");

	if (st == NULL)
		return -1;
	if (node != NULL)
		sqlite3_bind_text(st, 1, node, -1, SQLITE_TRANSIENT);
	return each(s, st, "reading checkpoints", checkpoint_row, (void *)fn, arg);
}

int
sq_log_token_add(struct store_be *s, const char *node, int64_t size, const char *label,
    const unsigned char *der, size_t len)
{
	sqlite3_stmt *st = once(s, "INSERT OR IGNORE INTO log_tokens (node, tree_size, label, der)"
	    " VALUES (?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_text(st, 3, label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, der, (int)len, SQLITE_TRANSIENT);
	return run1(s, st, "keeping a time-stamp token");
}

static int
token_row(sqlite3_stmt *st, void *fn, void *arg)
{
	struct store_log_token t = {
		.node = (const char *)sqlite3_column_text(st, 0),
		.size = sqlite3_column_int64(st, 1),
		.label = (const char *)sqlite3_column_text(st, 2),
		.der = sqlite3_column_blob(st, 3),
		.len = (size_t)sqlite3_column_bytes(st, 3),
	};

	return ((int (*)(const struct store_log_token *, void *))fn)(&t, arg);
}

int
sq_each_log_token(struct store_be *s, const char *node,
    int (*fn)(const struct store_log_token *, void *), void *arg)
{
	sqlite3_stmt *st = once(s, "SELECT node, tree_size, label, der FROM log_tokens"
	    " WHERE node = ? ORDER BY tree_size, label");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, node, -1, SQLITE_TRANSIENT);
	return each(s, st, "reading time-stamp tokens", token_row, (void *)fn, arg);
}
