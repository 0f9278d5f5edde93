/*
 * PostgreSQL backend, vantage nodes (SPEC §11): heartbeats, the leader's session
 * advisory lock (released by the server when the leader's connection ends), and each
 * node's newest result per endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

int
pg_node_beat(struct store_be *b, const char *id, const char *location, int64_t now_ms,
    bool started, bool leader, int64_t results_24h)
{
	struct pg_params p = { 0 };

	pg_params_text(&p, id);
	pg_params_text(&p, location ? location : "");
	pg_params_int(&p, now_ms);
	pg_params_int(&p, leader ? 1 : 0);
	pg_params_int(&p, results_24h);
	pg_params_text(&p, started ? "t" : "f");
	return pg_cmd(b, "recording a heartbeat", "INSERT INTO nodes (id, location, last_seen,"
	    " started, leader, results_24h) VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT (id)"
	    " DO UPDATE SET location = excluded.location, last_seen = excluded.last_seen,"
	    " started = CASE WHEN $6::boolean THEN excluded.started ELSE nodes.started END,"
	    " leader = excluded.leader, results_24h = excluded.results_24h", &p) < 0 ? -1 : 0;
}

struct node_cb {
	void		*fn;
	void		*arg;
};

static int
node_row(const PGresult *r, int i, void *v)
{
	const struct node_cb *cb = v;
	struct store_node n;

	n.id = pg_str(r, i, 0);
	n.location = pg_str(r, i, 1);
	n.last_seen_ms = pg_int(r, i, 2, 0);
	n.started_ms = pg_int(r, i, 3, 0);
	n.leader = pg_int(r, i, 4, 0) != 0;
	n.results_24h = pg_int(r, i, 5, 0);
	return ((int (*)(const struct store_node *, void *))cb->fn)(&n, cb->arg);
}

int
pg_each_node(struct store_be *b, int (*fn)(const struct store_node *, void *), void *arg)
{
	struct node_cb cb = { (void *)fn, arg };

	return pg_each(b, "reading nodes", "SELECT id, location, last_seen, started, leader,"
	    " results_24h FROM nodes ORDER BY id", NULL, node_row, &cb);
}

#define LEADER_KEY	"(" PG_LOCK_LEADER_S ", hashtext(current_schema()) & 2147483647)"
#define PG_LOCK_LEADER_S "1953955843"	/* PG_LOCK_LEADER in decimal, an int4 */
_Static_assert(PG_LOCK_LEADER == 1953955843, "LEADER_KEY spells PG_LOCK_LEADER");

/*
 * 1 when this connection holds the leader lock (taken now, or still held: checked, so a
 * lost connection never leaves two leaders), 0 when another connection holds it, -1.
 */
int
pg_try_leader(struct store_be *b)
{
	PGresult *r;
	bool held;

	if (pg_ready(b) != 0)
		return -1;
	if (b->leader && b->leader_gen == b->generation) {
		if ((r = pg_q(b, "checking the leader lock", "SELECT EXISTS (SELECT 1 FROM pg_locks"
		    " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
		    " AND classid = " PG_LOCK_LEADER_S "::oid AND objsubid = 2"
		    " AND objid = (hashtext(current_schema()) & 2147483647)::oid)", NULL)) == NULL)
			return -1;
		held = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (held)
			return 1;
	}
	b->leader = false;
	if ((r = pg_q(b, "taking the leader lock", "SELECT pg_try_advisory_lock" LEADER_KEY,
	    NULL)) == NULL)
		return -1;
	held = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (held) {
		b->leader = true;
		b->leader_gen = b->generation;
	}
	return held ? 1 : 0;
}

static int
latest_row(const PGresult *r, int i, void *v)
{
	const struct node_cb *cb = v;
	struct store_node_result n;
	int64_t code = pg_int(r, i, 4, 0);

	n.provider = pg_str(r, i, 0);
	n.endpoint = pg_str(r, i, 1);
	n.node = pg_str(r, i, 2);
	n.time_ms = pg_int(r, i, 3, 0);
	n.reason = (enum reason)(code & (CODE_MAINT - 1));
	if (n.reason >= REASON__MAX)
		n.reason = REASON_INTERNAL;
	n.status = reason_status(n.reason);
	n.message = pg_str(r, i, 5);
	for (int p = 0; p < PHASE__MAX; p++)
		n.timings[p] = PQgetisnull(r, i, 6 + p) ? -1 : (double)pg_int(r, i, 6 + p, 0) / 10.0;
	n.details = pg_str(r, i, 11);
	return ((int (*)(const struct store_node_result *, void *))cb->fn)(&n, cb->arg);
}

int
pg_each_node_latest(struct store_be *b, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct node_cb cb = { (void *)fn, arg };

	pg_params_int(&p, since_ms);
	pg_params_text(&p, provider);
	/* Per endpoint, its recent rows through the (ep, t) index: never a scan of a month. */
	return pg_each(b, "reading each node's latest results",
	    "SELECT e.provider, e.endpoint, x.node, x.t, x.code, x.msg, x.dns, x.conn, x.tls,"
	    " x.ttfb, x.total, x.details FROM endpoints e CROSS JOIN LATERAL"
	    " (SELECT DISTINCT ON (r.node) r.node, r.t, r.code, r.msg, r.dns, r.conn, r.tls,"
	    "  r.ttfb, r.total, r.details FROM results r WHERE r.ep = e.id AND r.t >= $1"
	    "  AND r.address = '' AND r.t0 > $1 - " PG_HOUR_MS_S
	    "  ORDER BY r.node, r.t DESC) x"
	    " WHERE $2::text IS NULL OR e.provider = $2 ORDER BY e.provider, e.endpoint, x.node",
	    &p, latest_row, &cb);
}

/* The same for the named endpoints: the leader's due ones, a few hundred a tick. */
int
pg_each_node_latest_of(struct store_be *b, size_t n, const char *const *providers,
    const char *const *endpoints, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct node_cb cb = { (void *)fn, arg };
	struct buf a[2];
	int rc;

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		pg_arr_text(&a[0], providers[i]);
		pg_arr_text(&a[1], endpoints[i]);
	}
	pg_params_int(&p, since_ms);
	for (int k = 0; k < 2; k++) {
		pg_arr_end(&a[k], 't');
		pg_params_arr(&p, &a[k]);
	}
	rc = pg_each(b, "reading each node's latest results",
	    "SELECT e.provider, e.endpoint, x.node, x.t, x.code, x.msg, x.dns, x.conn, x.tls,"
	    " x.ttfb, x.total, x.details FROM unnest($2::text[], $3::text[]) AS u(p, e)"
	    " JOIN endpoints e ON e.provider = u.p AND e.endpoint = u.e CROSS JOIN LATERAL"
	    " (SELECT DISTINCT ON (r.node) r.node, r.t, r.code, r.msg, r.dns, r.conn, r.tls,"
	    "  r.ttfb, r.total, r.details FROM results r WHERE r.ep = e.id AND r.t >= $1"
	    "  AND r.address = '' AND r.t0 > $1 - " PG_HOUR_MS_S
	    "  ORDER BY r.node, r.t DESC) x ORDER BY e.provider, e.endpoint, x.node",
	    &p, latest_row, &cb);
	for (int k = 0; k < 2; k++)
		buf_free(&a[k]);
	return rc;
}
