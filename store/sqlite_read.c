/* Reading the store back: results, incidents, notes, endpoint states; pruning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "rollup.h"
#include "../core/util.h"

int
sq_each_result(struct store_be *s, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_row *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
	    "SELECT r.t, e.provider, e.endpoint, e.kind, r.code, r.dns, r.conn, r.tls, r.ttfb,"
	    " r.total, r.msg, r.details, r.address FROM endpoints e JOIN results r ON r.ep = e.id"
	    " WHERE r.t >= ?1 AND r.t < ?2 AND (?3 IS NULL OR e.provider = ?3)"
	    " ORDER BY e.provider, e.endpoint, r.t", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying results");
		return -1;
	}
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	if (provider != NULL)
		sqlite3_bind_text(st, 3, provider, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_row row;
		int code = sqlite3_column_int(st, 4);

		row.time_ms = sqlite3_column_int64(st, 0);
		row.provider = (const char *)sqlite3_column_text(st, 1);
		row.endpoint = (const char *)sqlite3_column_text(st, 2);
		row.kind = (const char *)sqlite3_column_text(st, 3);
		row.reason = (enum reason)(code & (CODE_MAINT - 1));
		if (row.reason >= REASON__MAX)
			row.reason = REASON_INTERNAL;
		row.status = reason_status(row.reason);
		row.maintenance = (code & CODE_MAINT) != 0;
		for (int p = 0; p < PHASE__MAX; p++)
			row.timings[p] = sqlite3_column_type(st, 5 + p) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 5 + p) / 10.0;
		row.message = (const char *)sqlite3_column_text(st, 10);
		row.details = (const char *)sqlite3_column_text(st, 11);
		row.address = (const char *)sqlite3_column_text(st, 12);
		if (fn(&row, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading results");
		return -1;
	}
	return 0;
}

int
sq_count_by_endpoint(struct store_be *s, int64_t from_ms, int64_t to_ms,
    int (*fn)(const char *, const char *, int64_t, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	/* endpoints first: the key (ep, t, ...) bounds each endpoint's range */
	if (sqlite3_prepare_v2(s->db,
	    "SELECT e.provider, e.endpoint, count(*) FROM endpoints e JOIN results r ON r.ep = e.id"
	    " WHERE r.t >= ?1 AND r.t < ?2 GROUP BY e.id", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "counting results");
		return -1;
	}
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		sq_set_err(s, "counting results");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int64_t
sq_count_results(struct store_be *s)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM results", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
sq_count_by_day(struct store_be *s, int64_t from_ms, size_t n_days, int64_t *counts)
{
	sqlite3_stmt *st;
	int rc;

	/* by endpoint: the key (ep, t, ...) bounds each endpoint's range */
	if (sqlite3_prepare_v2(s->db,
	    "SELECT (r.t - ?1) / 86400000, count(*) FROM endpoints e JOIN results r ON r.ep = e.id"
	    " WHERE r.t >= ?1 AND r.t < ?2 GROUP BY 1", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "counting results");
		return -1;
	}
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, from_ms + (int64_t)n_days * 86400000LL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t day = sqlite3_column_int64(st, 0);

		if (day >= 0 && (uint64_t)day < n_days)
			counts[day] += sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE)
		sq_set_err(s, "counting results");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
sq_integrity_check(struct store_be *s)
{
	sqlite3_stmt *st;
	int ok = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
		ok = 0;
	sqlite3_finalize(st);
	return ok;
}

#define INCIDENT_SELECT \
	"SELECT i.id, e.provider, e.endpoint, e.kind, i.start, i.end, i.worst, i.reasons," \
	" i.message FROM incidents i JOIN endpoints e ON e.id = i.ep"

static void
incident_row(sqlite3_stmt *st, struct store_incident *inc)
{
	inc->id = sqlite3_column_int64(st, 0);
	inc->provider = (const char *)sqlite3_column_text(st, 1);
	inc->endpoint = (const char *)sqlite3_column_text(st, 2);
	inc->kind = (const char *)sqlite3_column_text(st, 3);
	inc->start_ms = sqlite3_column_int64(st, 4);
	inc->end_ms = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
	if (inc->end_ms >= 0 && inc->end_ms < inc->start_ms)
		inc->end_ms = inc->start_ms;	/* stored before ends were clamped: no negative duration */
	inc->worst = (const char *)sqlite3_column_text(st, 6);
	inc->reasons = (const char *)sqlite3_column_text(st, 7);
	inc->message = (const char *)sqlite3_column_text(st, 8);
}

int
sq_each_incident(struct store_be *s, const char *provider, int64_t since_ms, int64_t only_id,
    int (*fn)(const struct store_incident *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, INCIDENT_SELECT
	    " WHERE (?1 IS NULL OR e.provider = ?1) AND (i.end IS NULL OR i.end >= ?2)"
	    " AND (?3 = 0 OR i.id = ?3) ORDER BY i.start, i.id", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying incidents");
		return -1;
	}
	if (provider != NULL)
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since_ms);
	sqlite3_bind_int64(st, 3, only_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_incident inc;

		incident_row(st, &inc);
		if (fn(&inc, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading incidents");
		return -1;
	}
	return 0;
}

int
sq_add_note(struct store_be *s, int64_t incident, int64_t t_ms, const char *text)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO incident_notes (incident, t, text)"
	    " SELECT id, ?2, ?3 FROM incidents WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "adding a note");
		return -1;
	}
	sqlite3_bind_int64(st, 1, incident);
	sqlite3_bind_int64(st, 2, t_ms);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "adding a note");
		return -1;
	}
	return sqlite3_changes(s->db) == 1 ? 0 : 1;
}

int
sq_each_note(struct store_be *s, int64_t incident, int (*fn)(const struct store_note *, void *),
    void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT id, incident, t, text FROM incident_notes"
	    " WHERE ?1 = 0 OR incident = ?1 ORDER BY t, id", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying notes");
		return -1;
	}
	sqlite3_bind_int64(st, 1, incident);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_note n;

		n.id = sqlite3_column_int64(st, 0);
		n.incident = sqlite3_column_int64(st, 1);
		n.time_ms = sqlite3_column_int64(st, 2);
		n.text = (const char *)sqlite3_column_text(st, 3);
		if (fn(&n, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading notes");
		return -1;
	}
	return 0;
}

int
sq_each_endpoint(struct store_be *s, const char *provider,
    int (*fn)(const struct store_endpoint_state *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
	    "SELECT e.id, e.provider, e.endpoint, e.kind, e.last_time, e.last_code, e.last_message,"
	    " e.last_details, e.open_incident, r.dns, r.conn, r.tls, r.ttfb, r.total,"
	    " (SELECT min(f.t) FROM results f WHERE f.ep = e.id),"
	    " (SELECT min(d.day) FROM daily d WHERE d.ep = e.id)"
	    " FROM endpoints e LEFT JOIN results r ON r.ep = e.id AND r.t = e.last_time"
	    " AND r.address = ''"
	    " WHERE ?1 IS NULL OR e.provider = ?1 ORDER BY e.provider, e.endpoint",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying endpoints");
		return -1;
	}
	if (provider != NULL)
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_endpoint_state e;
		int code = sqlite3_column_int(st, 5);

		memset(&e, 0, sizeof(e));
		e.id = sqlite3_column_int64(st, 0);
		e.provider = (const char *)sqlite3_column_text(st, 1);
		e.endpoint = (const char *)sqlite3_column_text(st, 2);
		e.kind = (const char *)sqlite3_column_text(st, 3);
		e.last_time_ms = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 4);
		e.reason = (enum reason)(code & (CODE_MAINT - 1));
		if (e.reason >= REASON__MAX)
			e.reason = REASON_INTERNAL;
		e.status = reason_status(e.reason);
		e.maintenance = (code & CODE_MAINT) != 0;
		e.message = (const char *)sqlite3_column_text(st, 6);
		e.details = (const char *)sqlite3_column_text(st, 7);
		e.open_incident = sqlite3_column_int64(st, 8);
		for (int p = 0; p < PHASE__MAX; p++)
			e.timings[p] = sqlite3_column_type(st, 9 + p) == SQLITE_NULL ? -1 :
			    sqlite3_column_int64(st, 9 + p) / 10.0;
		e.first_time_ms = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 14);
		e.first_day = (const char *)sqlite3_column_text(st, 15);
		if (fn(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading endpoints");
		return -1;
	}
	return 0;
}

int64_t
sq_prune(struct store_be *s, int64_t results_before_ms, int64_t hourly_before_ms)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	static const char *const sql[] = {
		"DELETE FROM results WHERE t < ?1",
		"DELETE FROM hourly WHERE hour < ?1",
	};

	for (size_t i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			sq_set_err(s, "pruning");
			return -1;
		}
		sqlite3_bind_int64(st, 1, i == 0 ? results_before_ms : hourly_before_ms);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sq_set_err(s, "pruning");
			sqlite3_finalize(st);
			return -1;
		}
		n += sqlite3_changes(s->db);
		sqlite3_finalize(st);
	}
	return n;
}

char *
sq_kind_memory(struct store_be *s, const char *provider, const char *endpoint)
{
	sqlite3_stmt *st;
	char *num = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT crl_number FROM endpoints"
	    " WHERE provider = ?1 AND endpoint = ?2", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "reading the kind memory");
		return NULL;
	}
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
		num = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return num;
}

int
sq_each_rollup(struct store_be *s, bool daily, const char *from_day, const char *to_day,
    int64_t from_ms, int64_t to_ms, const char *provider, const char *endpoint,
    int (*fn)(const struct be_rollup *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, daily ?
	    "SELECT e.provider, e.endpoint, e.kind, d.ep, d.day, d.checks, d.up, d.degraded,"
	    " d.down, d.maintenance, d.up_ms, d.degraded_ms, d.down_ms, d.maintenance_ms,"
	    " d.latency FROM endpoints e JOIN daily d ON d.ep = e.id"
	    " WHERE d.day >= ?1 AND d.day <= ?2 AND (?3 IS NULL OR e.provider = ?3)"
	    " AND (?4 IS NULL OR e.endpoint = ?4)"
	    " ORDER BY e.provider, e.endpoint, d.day" :
	    "SELECT e.provider, e.endpoint, e.kind, h.ep, h.hour, h.checks, h.up, h.degraded,"
	    " h.down, h.maintenance, h.up_ms, h.degraded_ms, h.down_ms, h.maintenance_ms,"
	    " h.latency FROM endpoints e JOIN hourly h ON h.ep = e.id"
	    " WHERE h.hour >= ?1 AND h.hour < ?2 AND (?3 IS NULL OR e.provider = ?3)"
	    " AND (?4 IS NULL OR e.endpoint = ?4)"
	    " ORDER BY e.provider, e.endpoint, h.hour", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying rollups");
		return -1;
	}
	if (daily) {
		sqlite3_bind_text(st, 1, from_day, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to_day, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 1, from_ms);
		sqlite3_bind_int64(st, 2, to_ms);
	}
	if (provider != NULL)
		sqlite3_bind_text(st, 3, provider, -1, SQLITE_STATIC);
	if (endpoint != NULL)
		sqlite3_bind_text(st, 4, endpoint, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct be_rollup r;

		memset(&r, 0, sizeof(r));
		r.provider = (const char *)sqlite3_column_text(st, 0);
		r.endpoint = (const char *)sqlite3_column_text(st, 1);
		r.kind = (const char *)sqlite3_column_text(st, 2);
		r.ep = sqlite3_column_int64(st, 3);
		r.daily = daily;
		if (daily)
			snprintf(r.day, sizeof(r.day), "%s", (const char *)sqlite3_column_text(st, 4));
		else
			r.hour_ms = sqlite3_column_int64(st, 4);
		for (int i = 0; i < ROLLUP_COUNTERS; i++)
			r.c[i] = sqlite3_column_int64(st, 5 + i);
		if (sqlite3_column_type(st, 14) == SQLITE_BLOB) {
			r.hist = sqlite3_column_blob(st, 14);
			r.hist_len = (size_t)sqlite3_column_bytes(st, 14);
		}
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading rollups");
		return -1;
	}
	return 0;
}
