/* Vantage nodes in the SQLite backend: one file, one node, which always leads. */
#include <string.h>

#include "sqlite_int.h"

int
sq_node_beat(struct store_be *s, const char *id, const char *location, int64_t now_ms,
    bool started, bool leader, int64_t results_24h)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO nodes (id, location, last_seen, started,"
	    " leader, results_24h) VALUES (?1, ?2, ?3, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET"
	    " location = excluded.location, last_seen = excluded.last_seen,"
	    " started = CASE WHEN ?6 THEN excluded.started ELSE started END,"
	    " leader = excluded.leader, results_24h = excluded.results_24h",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "recording a heartbeat");
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, location ? location : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	sqlite3_bind_int(st, 4, leader);
	sqlite3_bind_int64(st, 5, results_24h);
	sqlite3_bind_int(st, 6, started);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "recording a heartbeat");
		return -1;
	}
	return 0;
}

int
sq_each_node(struct store_be *s, int (*fn)(const struct store_node *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT id, location, last_seen, started, leader,"
	    " results_24h FROM nodes ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying nodes");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_node n;

		n.id = (const char *)sqlite3_column_text(st, 0);
		n.location = (const char *)sqlite3_column_text(st, 1);
		n.last_seen_ms = sqlite3_column_int64(st, 2);
		n.started_ms = sqlite3_column_int64(st, 3);
		n.leader = sqlite3_column_int(st, 4) != 0;
		n.results_24h = sqlite3_column_int64(st, 5);
		if (fn(&n, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading nodes");
		return -1;
	}
	return 0;
}

int
sq_try_leader(struct store_be *s)
{
	(void)s;
	return 1;	/* one daemon per file (its lock file), so it leads */
}

int
sq_each_node_latest(struct store_be *s, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	/*
	 * CROSS JOIN keeps endpoints the outer loop: each endpoint's recent results are then a
	 * range of the primary key (ep, t, ...). Left to itself the planner scanned every stored
	 * result (the whole table, 0.8 GB for 90 days of 200 endpoints) at every site render.
	 */
	if (sqlite3_prepare_v2(s->db,
	    "SELECT e.provider, e.endpoint, r.node, r.t, r.code, r.msg, r.dns, r.conn, r.tls,"
	    " r.ttfb, r.total, r.details FROM endpoints e CROSS JOIN results r ON r.ep = e.id"
	    " WHERE r.t >= ?1 AND (?2 IS NULL OR e.provider = ?2) AND r.address = ''"
	    " AND r.t = (SELECT max(x.t) FROM results x WHERE x.ep = r.ep AND x.node = r.node"
	    "  AND x.t >= ?1)"
	    " GROUP BY r.ep, r.node ORDER BY e.provider, e.endpoint, r.node", -1, &st,
	    NULL) != SQLITE_OK) {
		sq_set_err(s, "querying each node's latest results");
		return -1;
	}
	sqlite3_bind_int64(st, 1, since_ms);
	if (provider != NULL)
		sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_node_result n;
		int code = sqlite3_column_int(st, 4);

		n.provider = (const char *)sqlite3_column_text(st, 0);
		n.endpoint = (const char *)sqlite3_column_text(st, 1);
		n.node = (const char *)sqlite3_column_text(st, 2);
		n.time_ms = sqlite3_column_int64(st, 3);
		n.reason = (enum reason)(code & (CODE_MAINT - 1));
		if (n.reason >= REASON__MAX)
			n.reason = REASON_INTERNAL;
		n.status = reason_status(n.reason);
		n.message = (const char *)sqlite3_column_text(st, 5);
		for (int p = 0; p < PHASE__MAX; p++)
			n.timings[p] = sqlite3_column_type(st, 6 + p) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 6 + p) / 10.0;
		n.details = (const char *)sqlite3_column_text(st, 11);
		if (fn(&n, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading each node's latest results");
		return -1;
	}
	return 0;
}
