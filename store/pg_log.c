/*
 * PostgreSQL backend of the record (backend.h log_*, checkpoints, tokens): rows in log,
 * log_state, checkpoints and log_tokens, which retention never touches. Binary values
 * travel as bytea hex text.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "../core/util.h"
#include "../tlog/tlog.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A bytea column (hex output) decoded (caller frees); *len its bytes. */
static unsigned char *
bytea_dup(const PGresult *r, int row, int col, size_t *len)
{
	const char *s = PQgetvalue(r, row, col);
	size_t n = strlen(s), k = 0;
	unsigned char *out = xmalloc(n / 2 + 1);

	if (s[0] == '\\' && s[1] == 'x')
		for (s += 2; s[0] != '\0' && s[1] != '\0'; s += 2) {
			int hi = hexval(s[0]), lo = hexval(s[1]);

			if (hi < 0 || lo < 0)
				break;
			out[k++] = (unsigned char)(hi << 4 | lo);
		}
	*len = k;
	return out;
}

int
pg_log_edge(struct store_be *b, const char *node, unsigned char *buf, size_t *len)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc = 0;

	pg_params_text(&p, node);
	if ((r = pg_q(b, "reading a log's edge", "SELECT edge FROM log_state WHERE node = $1",
	    &p)) == NULL)
		return -1;
	if (PQntuples(r) > 0) {
		*len = pg_bytea(r, 0, 0, buf, TLOG_EDGE_ENCODED_MAX);
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
pg_log_append(struct store_be *b, const char *node, int64_t first, const char *const *entries,
    size_t n, const unsigned char *edge, size_t edge_len)
{
	struct pg_params p = { 0 }, q = { 0 };
	struct buf a = { 0 }, hex = { 0 };
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		pg_arr_text(&a, entries[i]);
	pg_arr_end(&a, 't');
	pg_params_text(&p, node);
	pg_params_int(&p, first);
	pg_params_arr(&p, &a);
	if (pg_cmd(b, "appending to a log", "INSERT INTO log (node, idx, entry)"
	    " SELECT $1, $2 + u.o - 1, u.e FROM unnest($3::text[]) WITH ORDINALITY AS u(e, o)",
	    &p) < 0)
		rc = -1;
	buf_free(&a);
	if (rc != 0)
		return -1;
	pg_hex(&hex, edge, edge_len);
	buf_append(&hex, "", 1);
	pg_params_text(&q, node);
	pg_params_text(&q, (const char *)hex.data);
	if (pg_cmd(b, "saving a log's edge", "INSERT INTO log_state (node, edge)"
	    " VALUES ($1, $2::bytea) ON CONFLICT (node) DO UPDATE SET edge = EXCLUDED.edge",
	    &q) < 0)
		rc = -1;
	buf_free(&hex);
	return rc;
}

struct cb {
	void		*fn;
	void		*arg;
};

static int
log_row(const PGresult *r, int i, void *v)
{
	struct cb *c = v;
	unsigned char edge[TLOG_EDGE_ENCODED_MAX];
	struct store_log l = { .node = pg_str(r, i, 0), .edge = edge };

	l.edge_len = pg_bytea(r, i, 1, edge, sizeof(edge));
	return ((int (*)(const struct store_log *, void *))c->fn)(&l, c->arg);
}

int
pg_each_log(struct store_be *b, int (*fn)(const struct store_log *, void *), void *arg)
{
	struct cb c = { (void *)fn, arg };

	return pg_each(b, "reading the logs", "SELECT node, edge FROM log_state ORDER BY node",
	    NULL, log_row, &c);
}

static int
entry_row(const PGresult *r, int i, void *v)
{
	struct cb *c = v;

	return ((int (*)(int64_t, const char *, size_t, void *))c->fn)(pg_int(r, i, 0, 0),
	    pg_str(r, i, 1), (size_t)PQgetlength(r, i, 1), c->arg);
}

int
pg_each_log_entry(struct store_be *b, const char *node, int64_t from, int64_t to,
    int (*fn)(int64_t, const char *, size_t, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct cb c = { (void *)fn, arg };

	pg_params_text(&p, node);
	pg_params_int(&p, from);
	pg_params_int(&p, to);
	return pg_each(b, "reading a log", "SELECT idx, entry FROM log WHERE node = $1"
	    " AND idx >= $2 AND idx < $3 ORDER BY idx", &p, entry_row, &c);
}

int
pg_checkpoint_add(struct store_be *b, const char *node, int64_t size, int64_t time_ms,
    const char *note)
{
	struct pg_params p = { 0 };

	pg_params_text(&p, node);
	pg_params_int(&p, size);
	pg_params_int(&p, time_ms);
	pg_params_text(&p, note);
	return pg_cmd(b, "keeping a checkpoint", "INSERT INTO checkpoints (node, tree_size, t, note)"
	    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", &p) < 0 ? -1 : 0;
}

int
pg_checkpoint_set_note(struct store_be *b, const char *node, int64_t size, const char *note)
{
	struct pg_params p = { 0 };

	pg_params_text(&p, note);
	pg_params_text(&p, node);
	pg_params_int(&p, size);
	return pg_cmd(b, "co-signing a checkpoint", "UPDATE checkpoints SET note = $1"
	    " WHERE node = $2 AND tree_size = $3", &p) < 0 ? -1 : 0;
}

static int
checkpoint_row(const PGresult *r, int i, void *v)
{
	struct cb *c = v;
	struct store_checkpoint cp = {
		.node = pg_str(r, i, 0),
		.size = pg_int(r, i, 1, 0),
		.time_ms = pg_int(r, i, 2, 0),
		.note = pg_str(r, i, 3),
	};

	return ((int (*)(const struct store_checkpoint *, void *))c->fn)(&cp, c->arg);
}

int
pg_each_checkpoint(struct store_be *b, const char *node,
    int (*fn)(const struct store_checkpoint *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct cb c = { (void *)fn, arg };

	if (node != NULL)
		pg_params_text(&p, node);
	else
		pg_params_null(&p);
	return pg_each(b, "reading checkpoints", "SELECT node, tree_size, t, note FROM checkpoints"
	    " WHERE $1::text IS NULL OR node = $1 ORDER BY node, tree_size", &p, checkpoint_row, &c);
}

int
pg_log_token_add(struct store_be *b, const char *node, int64_t size, const char *label,
    const unsigned char *der, size_t len)
{
	struct pg_params p = { 0 };
	struct buf hex = { 0 };
	int rc;

	pg_hex(&hex, der, len);
	buf_append(&hex, "", 1);
	pg_params_text(&p, node);
	pg_params_int(&p, size);
	pg_params_text(&p, label);
	pg_params_text(&p, (const char *)hex.data);
	rc = pg_cmd(b, "keeping a time-stamp token", "INSERT INTO log_tokens (node, tree_size, label,"
	    " der) VALUES ($1, $2, $3, $4::bytea) ON CONFLICT DO NOTHING", &p) < 0 ? -1 : 0;
	buf_free(&hex);
	return rc;
}

static int
token_row(const PGresult *r, int i, void *v)
{
	struct cb *c = v;
	struct store_log_token t = {
		.node = pg_str(r, i, 0),
		.size = pg_int(r, i, 1, 0),
		.label = pg_str(r, i, 2),
	};
	unsigned char *der = bytea_dup(r, i, 3, &t.len);
	int rc;

	t.der = der;
	rc = ((int (*)(const struct store_log_token *, void *))c->fn)(&t, c->arg);
	free(der);
	return rc;
}

int
pg_each_log_token(struct store_be *b, const char *node,
    int (*fn)(const struct store_log_token *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct cb c = { (void *)fn, arg };

	pg_params_text(&p, node);
	return pg_each(b, "reading time-stamp tokens", "SELECT node, tree_size, label, der"
	    " FROM log_tokens WHERE node = $1 ORDER BY tree_size, label", &p, token_row, &c);
}
