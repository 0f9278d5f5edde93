/*
 * PostgreSQL backend, write face: endpoints, results (one partition per UTC month,
 * made on demand), latest results, incident state, incidents, rollups, pruning.
 * A batch of any size costs a fixed number of statements: rows travel as arrays
 * (unnest of bound array parameters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "rollup.h"

#define DAY_MS	86400000LL

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The month number (year * 12 + month - 1) of epoch ms t, UTC. */
static int64_t
month_of(int64_t t)
{
	int64_t z = (t >= 0 ? t : t - DAY_MS + 1) / DAY_MS + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	return y * 12 + m - 1;
}

static int64_t
month_start_ms(int64_t mn)
{
	int64_t y = mn >= 0 ? mn / 12 : (mn - 11) / 12;

	return days_from_civil(y, (int)(mn - y * 12) + 1, 1) * DAY_MS;
}

static bool
month_known(const int64_t *list, size_t n, int64_t mn)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == mn)
			return true;
	return false;
}

static void
month_drop(int64_t *list, size_t *n, int64_t mn)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == mn)
			list[i--] = list[--*n];
}

static int
lock_partitions(struct store_be *b)
{
	struct pg_params p = { 0 };

	pg_params_int(&p, PG_LOCK_PARTITIONS);
	return pg_cmd(b, "locking the results partitions", "SELECT pg_advisory_xact_lock($1)",
	    &p) < 0 ? -1 : 0;
}

/* Creates month mn's partition unless it exists (its DDL holds only integers we computed). */
static int
create_partition(struct store_be *b, int64_t mn)
{
	char sql[256];

	if (mn < 1970 * 12 || mn > 9999 * 12 + 11) {
		pg_errf(b, "storing a result: time outside the years 1970-9999");
		return -1;
	}
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS results_%04lld%02lld PARTITION OF"
	    " results FOR VALUES FROM (%lld) TO (%lld) WITH (fillfactor = 100)", (long long)(mn / 12),
	    (long long)(mn % 12 + 1), (long long)month_start_ms(mn),
	    (long long)month_start_ms(mn + 1));
	return pg_cmd(b, "creating a results partition", sql, NULL) < 0 ? -1 : 0;
}

int
pg_partitions_ensure(struct store_be *b, const int64_t *times, size_t n)
{
	bool locked = false, own_tx = false;
	int64_t last = INT64_MIN;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		int64_t mn = month_of(times[i]);

		if (mn == last || month_known(b->months, b->n_months, mn) ||
		    month_known(b->new_months, b->n_new, mn)) {
			last = mn;
			continue;
		}
		if (!locked) {
			if (!b->in_tx) {
				if (pg_cmd(b, "creating a results partition", "BEGIN", NULL) < 0)
					return -1;
				own_tx = b->in_tx = true;
			}
			if ((rc = lock_partitions(b)) != 0)
				break;
			locked = true;
		}
		if ((rc = create_partition(b, mn)) != 0)
			break;
		if (b->n_new == b->cap_new) {
			b->cap_new = b->cap_new ? b->cap_new * 2 : 8;
			b->new_months = xrealloc(b->new_months, b->cap_new * sizeof(*b->new_months));
		}
		b->new_months[b->n_new++] = last = mn;
	}
	if (own_tx) {
		PGresult *r = PQexec(b->conn, rc == 0 ? "COMMIT" : "ROLLBACK");

		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_err(b, "creating a results partition", r);
			rc = -1;
		}
		PQclear(r);
		b->in_tx = false;
		b->tx_failed = false;
		if (rc == 0)
			for (size_t i = 0; i < b->n_new; i++) {
				if (b->n_months == b->cap_months) {
					b->cap_months = b->cap_months ? b->cap_months * 2 : 16;
					b->months = xrealloc(b->months,
					    b->cap_months * sizeof(*b->months));
				}
				b->months[b->n_months++] = b->new_months[i];
			}
		b->n_new = 0;
	}
	return rc;
}

void
pg_partitions_forget(struct store_be *b)
{
	b->n_months = 0;
}

int
pg_partitions_ahead(struct store_be *b)
{
	int64_t now = now_ms(), t[2] = { now, month_start_ms(month_of(now) + 1) };

	return b->in_tx ? 0 : pg_partitions_ensure(b, t, 2);
}

int64_t
pg_endpoint_id(struct store_be *b, const char *provider, const char *endpoint, const char *kind)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int64_t id = -1;

	pg_params_text(&p, provider);
	pg_params_text(&p, endpoint);
	if ((r = pg_q(b, "looking up an endpoint",
	    "SELECT id, kind FROM endpoints WHERE provider = $1 AND endpoint = $2", &p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		bool same = strcmp(PQgetvalue(r, 0, 1), kind) == 0;

		id = pg_int(r, 0, 0, -1);
		PQclear(r);
		if (same)
			return id;
		p.n = 0;
		pg_params_int(&p, id);
		pg_params_text(&p, kind);
		return pg_cmd(b, "recording an endpoint", "UPDATE endpoints SET kind = $2"
		    " WHERE id = $1", &p) < 0 ? -1 : id;
	}
	PQclear(r);
	pg_params_text(&p, kind);
	if ((r = pg_q(b, "recording an endpoint",
	    "INSERT INTO endpoints (provider, endpoint, kind) VALUES ($1, $2, $3)"
	    " ON CONFLICT (provider, endpoint) DO UPDATE SET kind = excluded.kind RETURNING id",
	    &p)) == NULL)
		return -1;
	if (PQntuples(r) == 1)
		id = pg_int(r, 0, 0, -1);
	else
		pg_errf(b, "recording an endpoint: no id returned");
	PQclear(r);
	return id;
}

static bool
same_key(const struct be_result *r, const PGresult *res, int row)
{
	return r->ep == pg_int(res, row, 0, -1) && r->time_ms == pg_int(res, row, 1, -1) &&
	    strcmp(r->node ? r->node : "", PQgetvalue(res, row, 2)) == 0 &&
	    strcmp(r->address ? r->address : "", PQgetvalue(res, row, 3)) == 0;
}

/*
 * Sets stored[] from the keys the INSERT returned: in input order as PostgreSQL
 * returns them in practice, else by a search (a duplicate key counts once, the first).
 */
static void
mark_stored(const struct be_result *rs, size_t n, bool *stored, const PGresult *res)
{
	int m = PQntuples(res);
	size_t i = 0;
	int j;

	memset(stored, 0, n * sizeof(*stored));
	for (j = 0; j < m; j++) {
		while (i < n && !same_key(&rs[i], res, j))
			i++;
		if (i == n)
			break;
		stored[i++] = true;
	}
	if (j == m)
		return;
	memset(stored, 0, n * sizeof(*stored));
	for (j = 0; j < m; j++)
		for (i = 0; i < n; i++)
			if (!stored[i] && same_key(&rs[i], res, j)) {
				stored[i] = true;
				break;
			}
}

#define RESULT_ROWS "(ep, t, node, address, code, dns, conn, tls, ttfb, total, msg, details)" \
	" SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]," \
	" $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[]," \
	" $11::text[], $12::text[])"

/*
 * Inserts every row, optimistically (no conflict check: half the cost of ON CONFLICT),
 * inside a savepoint, in one round trip (a pipeline). Returns 1 when all were stored,
 * 0 when one was there already (rolled back to the savepoint: nothing done), -1 on error.
 */
static int
insert_all(struct store_be *b, struct pg_params *p)
{
	static const char *const sql[3] = { "SAVEPOINT tw_results",
	    "INSERT INTO results " RESULT_ROWS, "RELEASE SAVEPOINT tw_results" };
	bool conflict = false, failed = false;
	PGresult *r;
	int rc = 1;

	if (pg_ready(b) != 0)
		return -1;
	if (PQenterPipelineMode(b->conn) != 1)
		return 0;
	for (int i = 0; i < 3; i++)
		if (PQsendQueryParams(b->conn, sql[i], i == 1 ? p->n : 0, NULL, i == 1 ? p->v : NULL,
		    i == 1 ? p->len : NULL, i == 1 ? p->fmt : NULL, 0) != 1)
			rc = -1;
	if (PQpipelineSync(b->conn) != 1)
		rc = -1;
	/* Each query's result then NULL, whatever happened, then the sync. */
	for (int i = 0; i < 3 && rc >= 0; i++) {
		ExecStatusType st;

		if ((r = PQgetResult(b->conn)) == NULL) {
			rc = -1;		/* the connection is gone */
			break;
		}
		st = PQresultStatus(r);
		if (i == 1 && st == PGRES_FATAL_ERROR &&
		    strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE) ?
		    PQresultErrorField(r, PG_DIAG_SQLSTATE) : "", "23505") == 0)
			conflict = true;
		else if (st == PGRES_PIPELINE_ABORTED)
			;			/* after the error reported before */
		else if (st != PGRES_COMMAND_OK) {
			pg_err(b, "storing results", r);
			failed = true;
		}
		PQclear(r);
		while ((r = PQgetResult(b->conn)) != NULL)
			PQclear(r);
	}
	if (rc >= 0) {
		r = PQgetResult(b->conn);
		if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			rc = -1;
		PQclear(r);
	}
	if (failed)
		rc = -1;
	if (PQexitPipelineMode(b->conn) != 1 && rc >= 0) {
		pg_err(b, "storing results", NULL);
		rc = -1;
	}
	if (rc < 0) {
		if (!b->tx_failed)
			pg_err(b, "storing results", NULL);
		return -1;
	}
	if (!conflict)
		return 1;
	r = PQexec(b->conn, "ROLLBACK TO SAVEPOINT tw_results; RELEASE SAVEPOINT tw_results");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_err(b, "storing results", r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int
pg_add_results(struct store_be *b, const struct be_result *rs, size_t n, bool *stored)
{
	struct buf a[12];
	struct pg_params p = { 0 };
	int64_t *times;
	PGresult *r;
	int rc;

	if (n == 0)
		return 0;
	times = xcalloc(n, sizeof(*times));
	for (size_t i = 0; i < n; i++)
		times[i] = rs[i].time_ms;
	rc = pg_partitions_ensure(b, times, n);
	free(times);
	if (rc != 0)
		return -1;
	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const struct be_result *x = &rs[i];

		pg_arr_int(&a[0], x->ep, false);
		pg_arr_int(&a[1], x->time_ms, false);
		pg_arr_text(&a[2], x->node ? x->node : "");
		pg_arr_text(&a[3], x->address ? x->address : "");
		pg_arr_int(&a[4], x->code, false);
		for (int ph = 0; ph < PHASE__MAX; ph++)
			pg_arr_int(&a[5 + ph], x->tenths[ph], x->tenths[ph] < 0);
		pg_arr_text(&a[10], x->message);
		pg_arr_text(&a[11], x->details);
	}
	for (int k = 0; k < 12; k++) {
		pg_arr_end(&a[k], "iittiiiiiitt"[k]);
		pg_params_arr(&p, &a[k]);
	}
	rc = b->in_tx ? insert_all(b, &p) : 0;
	r = NULL;
	if (rc == 0)
		r = pg_q(b, "storing results", "INSERT INTO results " RESULT_ROWS
		    " ON CONFLICT DO NOTHING RETURNING ep, t, node, address", &p);
	for (int k = 0; k < 12; k++)
		buf_free(&a[k]);
	if (rc < 0 || (rc == 0 && r == NULL)) {
		pg_partitions_forget(b);	/* another node may have pruned a month */
		return -1;
	}
	if (rc == 1) {
		for (size_t i = 0; i < n; i++)
			stored[i] = true;
		return 0;
	}
	mark_stored(rs, n, stored, r);
	PQclear(r);
	return 0;
}

struct ep_order {
	int64_t		 ep;
	size_t		 i;
};

static int
ep_order_cmp(const void *x, const void *y)
{
	const struct ep_order *a = x, *c = y;

	return a->ep < c->ep ? -1 : a->ep > c->ep;
}

int
pg_set_latest(struct store_be *b, const struct be_latest *ls, size_t n)
{
	struct buf a[6];
	struct pg_params p = { 0 };
	struct ep_order *o;
	int64_t rc;

	if (n == 0)
		return 0;
	/* By endpoint id, so nodes updating the same endpoints lock them in one order. */
	o = xcalloc(n, sizeof(*o));
	for (size_t i = 0; i < n; i++)
		o[i] = (struct ep_order){ ls[i].r->ep, i };
	qsort(o, n, sizeof(*o), ep_order_cmp);
	memset(a, 0, sizeof(a));
	for (size_t k = 0; k < n; k++) {
		const struct be_latest *l = &ls[o[k].i];

		pg_arr_int(&a[0], l->r->ep, false);
		pg_arr_int(&a[1], l->r->time_ms, false);
		pg_arr_int(&a[2], l->r->code, false);
		pg_arr_text(&a[3], l->r->message);
		pg_arr_text(&a[4], l->r->details);
		pg_arr_text(&a[5], l->memory);
	}
	free(o);
	for (int k = 0; k < 6; k++) {
		pg_arr_end(&a[k], "iiittt"[k]);
		pg_params_arr(&p, &a[k]);
	}
	rc = pg_cmd(b, "updating endpoints",
	    "UPDATE endpoints e SET last_time = u.t, last_code = u.code, last_message = u.msg,"
	    " last_details = u.details, crl_number = coalesce(u.crl, e.crl_number)"
	    " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[],"
	    " $6::text[]) AS u(id, t, code, msg, details, crl) WHERE e.id = u.id", &p);
	for (int k = 0; k < 6; k++)
		buf_free(&a[k]);
	return rc < 0 ? -1 : 0;
}

int
pg_get_state(struct store_be *b, int64_t ep, struct incident_state *is, int64_t *open_id)
{
	struct pg_params p = { 0 };
	PGresult *r;

	pg_params_int(&p, ep);
	if ((r = pg_q(b, "reading incident state",
	    "SELECT bad_streak, good_streak, bad_since, good_since, streak_reasons, streak_worst,"
	    " open_incident FROM endpoints WHERE id = $1", &p)) == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		pg_errf(b, "reading incident state: no endpoint %lld", (long long)ep);
		return -1;
	}
	memset(is, 0, sizeof(*is));
	is->bad_streak = (int)pg_int(r, 0, 0, 0);
	is->good_streak = (int)pg_int(r, 0, 1, 0);
	is->bad_since = pg_int(r, 0, 2, 0);
	is->good_since = pg_int(r, 0, 3, 0);
	is->reasons = (uint64_t)pg_int(r, 0, 4, 0);
	is->worst = (enum status)pg_int(r, 0, 5, 0);
	if (is->worst >= STATUS__MAX || is->worst < 0)
		is->worst = STATUS_DOWN;
	*open_id = pg_int(r, 0, 6, 0);
	is->open = !PQgetisnull(r, 0, 6);
	PQclear(r);
	return 0;
}

int
pg_put_state(struct store_be *b, int64_t ep, const struct incident_state *is, int64_t open_id)
{
	struct pg_params p = { 0 };

	pg_params_int(&p, ep);
	pg_params_int(&p, is->bad_streak);
	pg_params_int(&p, is->good_streak);
	pg_params_int(&p, is->bad_since);
	pg_params_int(&p, is->good_since);
	pg_params_int(&p, is->reasons);
	pg_params_int(&p, (int64_t)is->worst);
	if (is->open && open_id > 0)
		pg_params_int(&p, open_id);
	else
		pg_params_null(&p);
	return pg_cmd(b, "saving incident state",
	    "UPDATE endpoints SET bad_streak = $2, good_streak = $3, bad_since = $4,"
	    " good_since = $5, streak_reasons = $6, streak_worst = $7, open_incident = $8"
	    " WHERE id = $1", &p) < 0 ? -1 : 0;
}

int64_t
pg_incident_open(struct store_be *b, const struct be_incident *inc)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int64_t id = -1;

	pg_params_int(&p, inc->ep);
	pg_params_int(&p, inc->start_ms);
	pg_params_text(&p, inc->worst);
	pg_params_text(&p, inc->reasons);
	pg_params_text(&p, inc->message);
	if ((r = pg_q(b, "opening an incident", "INSERT INTO incidents (ep, start, worst, reasons,"
	    " message) VALUES ($1, $2, $3, $4, $5) RETURNING id", &p)) == NULL)
		return -1;
	if (PQntuples(r) == 1)
		id = pg_int(r, 0, 0, -1);
	PQclear(r);
	return id;
}

int
pg_incident_update(struct store_be *b, int64_t id, const char *worst, const char *reasons,
    int64_t end_ms)
{
	struct pg_params p = { 0 };

	pg_params_int(&p, id);
	pg_params_text(&p, worst);
	pg_params_text(&p, reasons);
	if (end_ms >= 0)
		pg_params_int(&p, end_ms);
	else
		pg_params_null(&p);
	return pg_cmd(b, "updating an incident",
	    "UPDATE incidents SET worst = $2, reasons = $3, \"end\" = $4 WHERE id = $1", &p) < 0 ?
	    -1 : 0;
}

/*
 * Drops the partitions of whole months before results_before_ms (their rows counted
 * exactly before the drop), deletes the older rows of the month it falls in and the
 * hourly rollups before hourly_before_ms. Returns the rows removed, or -1.
 */
int64_t
pg_prune(struct store_be *b, int64_t results_before_ms, int64_t hourly_before_ms)
{
	struct pg_params p = { 0 };
	bool own_tx = !b->in_tx;
	int64_t total = 0, n;
	PGresult *r;

	if (own_tx) {
		if (pg_partitions_ahead(b) != 0 || pg_ready(b) != 0 ||
		    pg_cmd(b, "pruning", "BEGIN", NULL) < 0)
			return -1;
		b->in_tx = true;
		b->tx_failed = false;
	}
	p.n = 0;
	if (lock_partitions(b) != 0 || pg_cmd(b, "pruning",
	    "SELECT set_config('statement_timeout', '0', true)", NULL) < 0 || (r = pg_q(b, "pruning", "SELECT c.relname FROM pg_inherits i"
	    " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'results'::regclass", NULL))
	    == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		int y, m, len = 0;
		int64_t mn;
		char sql[128];
		PGresult *c;

		if (sscanf(name, "results_%4d%2d%n", &y, &m, &len) != 2 || name[len] != '\0' ||
		    len != 14 || m < 1 || m > 12)
			continue;		/* not one of ours */
		mn = (int64_t)y * 12 + m - 1;
		if (month_start_ms(mn + 1) > results_before_ms)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM results_%04d%02d", y, m);
		if ((c = pg_q(b, "pruning", sql, NULL)) == NULL) {
			PQclear(r);
			goto fail;
		}
		total += pg_int(c, 0, 0, 0);
		PQclear(c);
		snprintf(sql, sizeof(sql), "DROP TABLE results_%04d%02d", y, m);
		if (pg_cmd(b, "pruning", sql, NULL) < 0) {
			PQclear(r);
			goto fail;
		}
		month_drop(b->months, &b->n_months, mn);
		month_drop(b->new_months, &b->n_new, mn);
	}
	PQclear(r);
	pg_params_int(&p, results_before_ms);
	if ((n = pg_cmd(b, "pruning", "DELETE FROM results WHERE t < $1", &p)) < 0)
		goto fail;
	total += n;
	p.n = 0;
	pg_params_int(&p, hourly_before_ms);
	if ((n = pg_cmd(b, "pruning", "DELETE FROM hourly WHERE hour < $1", &p)) < 0)
		goto fail;
	total += n;
	if (own_tx) {
		r = PQexec(b->conn, "COMMIT");
		b->in_tx = false;
		if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0) {
			pg_err(b, "pruning", r);
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	return total;
fail:
	if (own_tx) {
		PQclear(PQexec(b->conn, "ROLLBACK"));
		b->in_tx = false;
		b->tx_failed = false;
	}
	return -1;
}
