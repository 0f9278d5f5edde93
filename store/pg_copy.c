/*
 * PostgreSQL backend, raw copy for `store migrate`: the tables of be_tables, column by
 * column, rows in key order. SQL text holds only be_tables' identifiers (quoted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* Column types per table, in be_tables order: i bigint, t text, b bytea. */
static const char *const col_types[BE_T__MAX] = {
	[BE_T_META] = "tt",
	[BE_T_ENDPOINTS] = "itttiitttiiiiiii",
	[BE_T_INCIDENTS] = "iiiitttiiii",
	[BE_T_NOTES] = "iiit",
	[BE_T_RESULTS] = "iittiiiiiitt",
	[BE_T_DAILY] = "itiiiiiiiiib",
	[BE_T_HOURLY] = "iiiiiiiiiiib",
	[BE_T_OUTBOX] = "iiittttiiiit",
	[BE_T_NODES] = "ttiiii",
	[BE_T_LOG] = "tit",
	[BE_T_LOG_STATE] = "tb",
	[BE_T_CHECKPOINTS] = "tiit",
	[BE_T_LOG_TOKENS] = "titb",
	[BE_T_CONFORMANCE] = "ittiiii",
};

static const char *
sql_type(char t)
{
	return t == 'i' ? "bigint" : t == 'b' ? "bytea" : "text";
}

/* Appends the quoted names of columns [0, n) of table t, comma-separated. */
static void
col_list(struct buf *sql, int t, size_t n, const char *suffix)
{
	for (size_t c = 0; c < n; c++)
		buf_printf(sql, "%s\"%s\"%s", c ? ", " : "", be_tables[t].cols[c], suffix);
}

static int
bad_table(struct store_be *b, int t)
{
	if (t >= 0 && t < BE_T__MAX && col_types[t] != NULL &&
	    strlen(col_types[t]) == be_tables[t].ncols)
		return 0;
	pg_errf(b, "copy: no table %d", t);
	return -1;
}

struct copy_cb {
	int		 t;
	int		 (*fn)(const struct be_value *, void *);
	void		*arg;
	struct be_value	 row[16];
	unsigned char	 blob[16][HIST_MAX_BYTES];
};

static int
copy_row(const PGresult *r, int i, void *v)
{
	struct copy_cb *cb = v;
	const char *types = col_types[cb->t];

	for (int c = 0; types[c] != '\0'; c++) {
		struct be_value *x = &cb->row[c];

		memset(x, 0, sizeof(*x));
		if (PQgetisnull(r, i, c))
			x->type = BE_NULL;
		else if (types[c] == 'i') {
			x->type = BE_INT;
			x->i = pg_int(r, i, c, 0);
		} else if (types[c] == 'b') {
			x->type = BE_BLOB;
			x->len = pg_bytea(r, i, c, cb->blob[c], sizeof(cb->blob[c]));
			x->s = (const char *)cb->blob[c];
		} else {
			x->type = BE_TEXT;
			x->s = PQgetvalue(r, i, c);
			x->len = (size_t)PQgetlength(r, i, c);
		}
	}
	return cb->fn(cb->row, cb->arg);
}

/* Adds value v as the next parameter (its text kept in *keep). */
static void
param_value(struct pg_params *p, const struct be_value *v, struct buf *keep)
{
	switch (v->type) {
	case BE_INT:
		pg_params_int(p, v->i);
		break;
	case BE_TEXT:
		pg_params_text(p, v->s);
		break;
	case BE_BLOB:
		pg_hex(keep, (const unsigned char *)v->s, v->len);
		buf_append(keep, "", 0);
		pg_params_text(p, (const char *)keep->data);
		break;
	default:
		pg_params_null(p);
	}
}

int
pg_copy_each(struct store_be *b, int t, const struct be_value *after,
    int (*fn)(const struct be_value *, void *), void *arg)
{
	const struct be_table *tb;
	struct pg_params p = { 0 };
	struct buf sql = { 0 }, keep[4];
	struct copy_cb *cb;
	int rc;

	if (bad_table(b, t) != 0)
		return -1;
	tb = &be_tables[t];
	memset(keep, 0, sizeof(keep));
	buf_printf(&sql, "SELECT ");
	col_list(&sql, t, tb->ncols, "");
	buf_printf(&sql, " FROM \"%s\"", tb->name);
	if (after != NULL) {
		buf_printf(&sql, " WHERE (");
		col_list(&sql, t, tb->nkey, "");
		buf_printf(&sql, ") > (");
		for (size_t k = 0; k < tb->nkey; k++) {
			buf_printf(&sql, "%s$%zu::%s", k ? ", " : "", k + 1,
			    sql_type(col_types[t][k]));
			param_value(&p, &after[k], &keep[k]);
		}
		buf_printf(&sql, ")");
	}
	buf_printf(&sql, " ORDER BY ");
	col_list(&sql, t, tb->nkey, "");
	cb = xcalloc(1, sizeof(*cb));
	cb->t = t;
	cb->fn = fn;
	cb->arg = arg;
	rc = pg_each(b, "copying rows", (const char *)sql.data, &p, copy_row, cb);
	free(cb);
	buf_free(&sql);
	for (int k = 0; k < 4; k++)
		buf_free(&keep[k]);
	return rc;
}

int
pg_copy_last_key(struct store_be *b, int t, struct be_value *key)
{
	const struct be_table *tb;
	struct buf sql = { 0 };
	PGresult *r;

	if (bad_table(b, t) != 0)
		return -1;
	tb = &be_tables[t];
	buf_printf(&sql, "SELECT ");
	col_list(&sql, t, tb->nkey, "");
	buf_printf(&sql, " FROM \"%s\"", tb->name);
	/* results: within the last hour of the greatest endpoint (not a sort of every result). */
	if (t == BE_T_RESULTS)
		buf_printf(&sql, " WHERE ep = (SELECT greatest((SELECT max(ep) FROM results_packed),"
		    " (SELECT max(ep) FROM results_recent))) AND t0 = (SELECT greatest("
		    "(SELECT max(t0) FROM results_packed WHERE ep = m.ep),"
		    " (SELECT max(t0) FROM results_recent WHERE ep = m.ep)) FROM (SELECT"
		    " greatest((SELECT max(ep) FROM results_packed),"
		    " (SELECT max(ep) FROM results_recent)) AS ep) m)");
	buf_printf(&sql, " ORDER BY ");
	col_list(&sql, t, tb->nkey, " DESC");
	buf_printf(&sql, " LIMIT 1");
	r = pg_q(b, "reading the last copied key", (const char *)sql.data, NULL);
	buf_free(&sql);
	if (r == NULL)
		return -1;
	PQclear(b->key_res);
	b->key_res = r;
	if (PQntuples(r) == 0)
		return 0;
	for (size_t k = 0; k < tb->nkey; k++) {
		memset(&key[k], 0, sizeof(key[k]));
		if (col_types[t][k] == 'i') {
			key[k].type = BE_INT;
			key[k].i = pg_int(r, 0, (int)k, 0);
		} else {
			key[k].type = BE_TEXT;
			key[k].s = PQgetvalue(r, 0, (int)k);
			key[k].len = (size_t)PQgetlength(r, 0, (int)k);
		}
	}
	return 1;
}

/* Text of a copied value (NULL for NULL), kept in *keep. */
static const char *
copy_text(const struct be_value *v, char **keep)
{
	if (v->type == BE_NULL)
		return NULL;
	if (v->type == BE_INT)
		*keep = xasprintf("%lld", (long long)v->i);
	else
		*keep = xasprintf("%.*s", (int)v->len, v->s);
	return *keep;
}

/* Results rows (be_tables' columns) stored packed, as add_results does; those there are kept. */
static int
copy_results(struct store_be *b, const struct be_value *rows, size_t n)
{
	enum { C_EP, C_T, C_NODE, C_ADDR, C_CODE, C_DNS, C_MSG = 10, C_DETAILS };
	struct be_result *rs = xcalloc(n, sizeof(*rs));
	bool *stored = xcalloc(n, sizeof(*stored));
	char **keep = xcalloc(n * 4, sizeof(*keep));
	int rc;

	_Static_assert(C_DNS + PHASE__MAX == C_MSG, "results columns: timings then msg");
	for (size_t i = 0; i < n; i++) {
		const struct be_value *v = &rows[i * be_tables[BE_T_RESULTS].ncols];

		rs[i].ep = v[C_EP].i;
		rs[i].time_ms = v[C_T].i;
		rs[i].node = copy_text(&v[C_NODE], &keep[i * 4]);
		rs[i].address = copy_text(&v[C_ADDR], &keep[i * 4 + 1]);
		rs[i].code = (int)v[C_CODE].i;
		for (int p = 0; p < PHASE__MAX; p++)
			rs[i].tenths[p] = v[C_DNS + p].type == BE_NULL ? -1 : v[C_DNS + p].i;
		rs[i].message = copy_text(&v[C_MSG], &keep[i * 4 + 2]);
		rs[i].details = copy_text(&v[C_DETAILS], &keep[i * 4 + 3]);
	}
	rc = pg_add_results(b, rs, n, stored);
	for (size_t i = 0; i < n * 4; i++)
		free(keep[i]);
	free(keep);
	free(stored);
	free(rs);
	return rc;
}

int
pg_copy_put(struct store_be *b, int t, const struct be_value *rows, size_t n)
{
	const struct be_table *tb;
	struct pg_params p = { 0 };
	struct buf sql = { 0 }, a[16];
	int rc = -1;

	if (bad_table(b, t) != 0)
		return -1;
	if (n == 0)
		return 0;
	tb = &be_tables[t];
	if (t == BE_T_RESULTS)
		return copy_results(b, rows, n);
	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < tb->ncols; c++) {
			const struct be_value *v = &rows[i * tb->ncols + c];
			bool null = v->type == BE_NULL;

			if (col_types[t][c] == 'i')
				pg_arr_int(&a[c], v->i, null);
			else if (col_types[t][c] == 'b')
				pg_arr_bytea(&a[c], null ? NULL : (const unsigned char *)v->s,
				    null ? 0 : v->len);
			else if (null)
				pg_arr_text(&a[c], NULL);
			else {
				char *s = xasprintf("%.*s", (int)v->len, v->s);

				pg_arr_text(&a[c], s);
				free(s);
			}
		}
	buf_printf(&sql, "INSERT INTO \"%s\" (", tb->name);
	col_list(&sql, t, tb->ncols, "");
	buf_printf(&sql, ") SELECT * FROM unnest(");
	for (size_t c = 0; c < tb->ncols; c++) {
		pg_arr_end(&a[c], col_types[t][c]);
		pg_params_arr(&p, &a[c]);
		buf_printf(&sql, "%s$%zu::%s[]", c ? ", " : "", c + 1, sql_type(col_types[t][c]));
	}
	buf_printf(&sql, ") ON CONFLICT DO NOTHING");
	rc = pg_cmd(b, "copying rows", (const char *)sql.data, &p) < 0 ? -1 : 0;
	buf_free(&sql);
	for (size_t c = 0; c < tb->ncols; c++)
		buf_free(&a[c]);
	return rc;
}

int64_t
pg_copy_count(struct store_be *b, int t)
{
	char sql[128];

	if (bad_table(b, t) != 0)
		return -1;
	if (t == BE_T_RESULTS)
		return pg_count_results(b);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", be_tables[t].name);
	return pg_count(b, "counting rows", sql);
}

int
pg_copy_finish(struct store_be *b)
{
	for (int t = 0; t < BE_T__MAX; t++) {
		struct pg_params p = { 0 };
		char sql[256];

		if (strcmp(be_tables[t].cols[0], "id") != 0 || col_types[t][0] != 'i')
			continue;		/* no sequence behind it */
		pg_params_text(&p, be_tables[t].name);
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence($1, 'id'),"
		    " coalesce((SELECT max(id) FROM \"%s\"), 0) + 1, false)", be_tables[t].name);
		if (pg_cmd(b, "setting the id sequences", sql, &p) < 0)
			return -1;
	}
	/*
	 * Statistics now, not when autovacuum comes by: the first reads of a copied history
	 * would otherwise be planned blind.
	 */
	for (int t = 0; t < BE_T__MAX; t++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "ANALYZE \"%s\"", t == BE_T_RESULTS ? "results_packed" :
		    be_tables[t].name);
		if (pg_cmd(b, "analyzing the copied tables", sql, NULL) < 0)
			return -1;
	}
	/* The copy's small runs went to results_recent: its closed hours folded now. */
	if (!b->in_tx && pg_fold(b, pg_now(b), 0) < 0)
		return -1;
	return pg_cmd(b, "analyzing the copied tables", "ANALYZE results_recent", NULL) < 0 ?
	    -1 : 0;
}
