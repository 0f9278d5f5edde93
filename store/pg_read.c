/*
 * PostgreSQL backend, read face and outbox: the same rows, in the same order, as the
 * SQLite backend. Reads stream through a cursor (pg_each), so a callback may run
 * other ops on the same connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static void
decode_code(int64_t code, enum reason *reason, enum status *status, bool *maint)
{
	*reason = (enum reason)(code & (CODE_MAINT - 1));
	if (*reason >= REASON__MAX)
		*reason = REASON_INTERNAL;
	*status = reason_status(*reason);
	*maint = (code & CODE_MAINT) != 0;
}

static void
timings(const PGresult *r, int row, int col, double *out)
{
	for (int p = 0; p < PHASE__MAX; p++)
		out[p] = PQgetisnull(r, row, col + p) ? -1 :
		    (double)pg_int(r, row, col + p, 0) / 10.0;
}

struct cb {
	void		*fn;
	void		*arg;
	bool		 daily;
};

/* Notes the next row of a read under the guard (pg_int.h); false when out of order. */
bool
pg_order_next(struct pg_order *o, int64_t ep, const char *provider, const char *endpoint,
    int64_t key)
{
	if (o->ep != -1 && ep == o->ep) {
		if (key < o->key || (o->strict && key == o->key))
			o->broken = true;
	} else {
		if (o->provider != NULL) {
			int c = strcmp(provider, o->provider);

			if (c < 0 || (c == 0 && strcmp(endpoint, o->endpoint) <= 0))
				o->broken = true;
		}
		free(o->provider);
		free(o->endpoint);
		o->provider = xstrdup(provider);
		o->endpoint = xstrdup(endpoint);
		o->ep = ep;
	}
	o->key = key;
	return !o->broken;
}

void
pg_order_clear(struct pg_order *o)
{
	free(o->provider);
	free(o->endpoint);
	o->provider = o->endpoint = NULL;
}

/* Ends a read under the guard: -1 with the error set when a row came out of order. */
static int
order_end(struct store_be *b, struct pg_order *o, const char *what, int rc)
{
	if (rc == 0 && o->broken) {
		pg_errf(b, "%s: the server returned them out of order", what);
		rc = -1;
	}
	pg_order_clear(o);
	return rc;
}

/* A row callback under the order guard: the columns of the endpoint id, its provider and
 * name and the key, then row with cb. */
struct ordered {
	struct cb	 cb;
	struct pg_order	 o;
	int		 ep_col, provider_col, endpoint_col, key_col;
	int		(*row)(const PGresult *, int, void *);
};

static int
ordered_row(const PGresult *r, int i, void *v)
{
	struct ordered *x = v;

	if (!pg_order_next(&x->o, pg_int(r, i, x->ep_col, 0), pg_str(r, i, x->provider_col),
	    pg_str(r, i, x->endpoint_col), pg_int(r, i, x->key_col, 0)))
		return 1;
	return x->row(r, i, &x->cb);
}

static int
result_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct store_row row;

	row.time_ms = pg_int(r, i, 0, 0);
	row.provider = pg_str(r, i, 1);
	row.endpoint = pg_str(r, i, 2);
	row.kind = pg_str(r, i, 3);
	decode_code(pg_int(r, i, 4, 0), &row.reason, &row.status, &row.maintenance);
	timings(r, i, 5, row.timings);
	row.message = pg_str(r, i, 10);
	row.details = pg_str(r, i, 11);
	row.address = pg_str(r, i, 12);
	return ((int (*)(const struct store_row *, void *))cb->fn)(&row, cb->arg);
}

int
pg_each_result(struct store_be *b, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_row *, void *), void *arg)
{
	struct pg_params p = { 0 };
	/* by provider, endpoint, time (not strictly: a time may repeat across nodes) */
	struct ordered cb = { { (void *)fn, arg, false }, { .ep = -1 }, 13, 1, 2, 0, result_row };

	pg_params_int(&p, from_ms);
	pg_params_int(&p, to_ms);
	pg_params_text(&p, provider);
	/*
	 * Endpoint by endpoint, as each_hourly: the packed chunks of the endpoint's time range
	 * only (its index), sorted alone. Over the join, a provider's page read and unpacked
	 * every endpoint's chunks of the range, then dropped nine in ten (~15 ms against ~2).
	 */
	return order_end(b, &cb.o, "reading results", pg_each(b, "reading results",
	    "SELECT r.t, e.provider, e.endpoint, e.kind, r.code, r.dns, r.conn, r.tls, r.ttfb,"
	    " r.total, r.msg, r.details, r.address, e.id FROM (SELECT id, provider, endpoint,"
	    " kind FROM endpoints WHERE $3::text IS NULL OR provider = $3"
	    " ORDER BY provider, endpoint OFFSET 0) e CROSS JOIN LATERAL (SELECT * FROM results r"
	    " WHERE r.ep = e.id AND r.t >= $1 AND r.t < $2 AND r.t0 > $1 - " PG_HOUR_MS_S
	    " AND r.t0 < $2 ORDER BY r.t, r.node, r.address OFFSET 0) r", &p, ordered_row,
	    &cb));
}

int64_t
pg_count_results(struct store_be *b)
{
	return pg_count(b, "counting results",
	    "SELECT (SELECT coalesce(sum(cardinality(v) / 6), 0) FROM results_packed)"
	    " + (SELECT count(*) FROM results_recent)");
}

struct day_counts {
	size_t		 n;
	int64_t		*counts;
};

static int
day_count_row(const PGresult *r, int i, void *v)
{
	struct day_counts *d = v;
	int64_t day = pg_int(r, i, 0, -1);

	if (day >= 0 && (uint64_t)day < d->n)
		d->counts[day] += pg_int(r, i, 1, 0);
	return 0;
}

int
pg_count_by_day(struct store_be *b, int64_t from_ms, size_t n_days, int64_t *counts)
{
	struct pg_params p = { 0 };
	struct day_counts d = { n_days, counts };

	/* From a UTC midnight: the per-day sums (v7, pg.c) of their deltas. */
	if (from_ms >= 0 && from_ms % 86400000LL == 0) {
		pg_params_int(&p, from_ms / 86400000LL);
		pg_params_int(&p, from_ms / 86400000LL + (int64_t)n_days);
		return pg_each(b, "counting results", "SELECT day - $1, sum(n) FROM result_days"
		    " WHERE day >= $1 AND day < $2 GROUP BY 1", &p, day_count_row, &d);
	}
	pg_params_int(&p, from_ms);
	pg_params_int(&p, from_ms + (int64_t)n_days * 86400000LL);
	/*
	 * A row holds one UTC hour of results: counted by hour start, without unpacking
	 * (a day may come twice, packed and recent: day_count_row adds).
	 */
	return pg_each(b, "counting results",
	    "SELECT (t0 - $1) / 86400000, sum(cardinality(v) / 6) FROM results_packed"
	    " WHERE t0 >= $1 AND t0 < $2 GROUP BY 1 UNION ALL SELECT (t0 - $1) / 86400000,"
	    " count(*) FROM results_recent WHERE t0 >= $1 AND t0 < $2 GROUP BY 1",
	    &p, day_count_row, &d);
}

struct ep_counts {
	int		(*fn)(const char *, const char *, int64_t, void *);
	void		*arg;
};

static int
ep_count_row(const PGresult *r, int i, void *v)
{
	const struct ep_counts *c = v;

	return c->fn(pg_str(r, i, 0), pg_str(r, i, 1), pg_int(r, i, 2, 0), c->arg);
}

int
pg_count_by_endpoint(struct store_be *b, int64_t from_ms, int64_t to_ms,
    int (*fn)(const char *, const char *, int64_t, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct ep_counts c = { fn, arg };

	pg_params_int(&p, from_ms);
	pg_params_int(&p, to_ms);
	/* Rows by hour start (whole hours asked), packed ones by length: nothing unpacked. */
	return pg_each(b, "counting results", "SELECT e.provider, e.endpoint, x.n FROM endpoints e"
	    " JOIN (SELECT ep, sum(n) AS n FROM (SELECT ep, sum(cardinality(v) / 6) AS n"
	    " FROM results_packed WHERE t0 >= $1 AND t0 < $2 GROUP BY ep UNION ALL"
	    " SELECT ep, count(*) FROM results_recent WHERE t0 >= $1 AND t0 < $2 GROUP BY ep) u"
	    " GROUP BY ep) x ON x.ep = e.id", &p, ep_count_row, &c);
}

static int
incident_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct store_incident inc;

	inc.id = pg_int(r, i, 0, 0);
	inc.provider = pg_str(r, i, 1);
	inc.endpoint = pg_str(r, i, 2);
	inc.kind = pg_str(r, i, 3);
	inc.start_ms = pg_int(r, i, 4, 0);
	inc.end_ms = pg_int(r, i, 5, -1);
	if (inc.end_ms >= 0 && inc.end_ms < inc.start_ms)
		inc.end_ms = inc.start_ms;
	inc.worst = pg_str(r, i, 6);
	inc.reasons = pg_str(r, i, 7);
	inc.message = pg_str(r, i, 8);
	return ((int (*)(const struct store_incident *, void *))cb->fn)(&inc, cb->arg);
}

int
pg_each_incident(struct store_be *b, const char *provider, int64_t since_ms, int64_t only_id,
    int (*fn)(const struct store_incident *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct cb cb = { (void *)fn, arg, false };

	pg_params_text(&p, provider);
	pg_params_int(&p, since_ms);
	pg_params_int(&p, only_id);
	return pg_each(b, "reading incidents",
	    "SELECT i.id, e.provider, e.endpoint, e.kind, i.start, i.\"end\", i.worst, i.reasons,"
	    " i.message FROM incidents i JOIN endpoints e ON e.id = i.ep"
	    " WHERE ($1::text IS NULL OR e.provider = $1)"
	    " AND (i.\"end\" IS NULL OR i.\"end\" >= $2) AND ($3 <= 0 OR i.id = $3)"
	    " ORDER BY i.start, i.id", &p, incident_row, &cb);
}

int
pg_add_note(struct store_be *b, int64_t incident, int64_t t_ms, const char *text)
{
	struct pg_params p = { 0 };
	int64_t n;

	pg_params_int(&p, incident);
	pg_params_int(&p, t_ms);
	pg_params_text(&p, text);
	n = pg_cmd(b, "adding a note", "INSERT INTO incident_notes (incident, t, text)"
	    " SELECT id, $2, $3 FROM incidents WHERE id = $1", &p);
	return n < 0 ? -1 : n == 1 ? 0 : 1;
}

static int
note_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct store_note n;

	n.id = pg_int(r, i, 0, 0);
	n.incident = pg_int(r, i, 1, 0);
	n.time_ms = pg_int(r, i, 2, 0);
	n.text = pg_str(r, i, 3);
	return ((int (*)(const struct store_note *, void *))cb->fn)(&n, cb->arg);
}

int
pg_each_note(struct store_be *b, int64_t incident, int (*fn)(const struct store_note *, void *),
    void *arg)
{
	struct pg_params p = { 0 };
	struct cb cb = { (void *)fn, arg, false };

	pg_params_int(&p, incident);
	return pg_each(b, "reading notes", "SELECT id, incident, t, text FROM incident_notes"
	    " WHERE $1 = 0 OR incident = $1 ORDER BY t, id", &p, note_row, &cb);
}

static int
endpoint_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct store_endpoint_state e;

	memset(&e, 0, sizeof(e));
	e.id = pg_int(r, i, 0, 0);
	e.provider = pg_str(r, i, 1);
	e.endpoint = pg_str(r, i, 2);
	e.kind = pg_str(r, i, 3);
	e.last_time_ms = pg_int(r, i, 4, -1);
	decode_code(pg_int(r, i, 5, 0), &e.reason, &e.status, &e.maintenance);
	e.message = pg_str(r, i, 6);
	e.details = pg_str(r, i, 7);
	e.open_incident = pg_int(r, i, 8, 0);
	timings(r, i, 9, e.timings);
	e.first_time_ms = pg_int(r, i, 14, -1);
	e.first_day = pg_str(r, i, 15);
	return ((int (*)(const struct store_endpoint_state *, void *))cb->fn)(&e, cb->arg);
}

int
pg_each_endpoint(struct store_be *b, const char *provider,
    int (*fn)(const struct store_endpoint_state *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct cb cb = { (void *)fn, arg, false };

	pg_params_text(&p, provider);
	/* The latest result's timings: of its first node and address when several share its time. */
	return pg_each(b, "reading endpoints",
	    "SELECT e.id, e.provider, e.endpoint, e.kind, e.last_time, e.last_code, e.last_message,"
	    " e.last_details, e.open_incident, r.dns, r.conn, r.tls, r.ttfb, r.total,"
	    " least((SELECT min(f.t0 + f.lo) FROM results_packed f WHERE f.ep = e.id AND f.t0 ="
	    "  (SELECT min(g.t0) FROM results_packed g WHERE g.ep = e.id)),"
	    "  (SELECT min(q.t) FROM results_recent q WHERE q.ep = e.id)),"
	    " (SELECT min(d.day) FROM daily d WHERE d.ep = e.id)"
	    " FROM endpoints e LEFT JOIN LATERAL (SELECT x.dns, x.conn, x.tls, x.ttfb, x.total"
	    "  FROM results x WHERE x.ep = e.id AND x.t = e.last_time"
	    "  AND x.t0 = e.last_time - e.last_time % " PG_HOUR_MS_S
	    "  ORDER BY x.node, x.address LIMIT 1) r ON true"
	    " WHERE $1::text IS NULL OR e.provider = $1 ORDER BY e.provider, e.endpoint",
	    &p, endpoint_row, &cb);
}

static int
rollup_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct be_rollup ro;
	unsigned char hist[HIST_MAX_BYTES];
	size_t hex = (size_t)PQgetlength(r, i, 14);

	memset(&ro, 0, sizeof(ro));
	ro.provider = pg_str(r, i, 0);
	ro.endpoint = pg_str(r, i, 1);
	ro.kind = pg_str(r, i, 2);
	ro.ep = pg_int(r, i, 3, 0);
	ro.daily = cb->daily;
	if (cb->daily)
		snprintf(ro.day, sizeof(ro.day), "%s", PQgetvalue(r, i, 4));
	else
		ro.hour_ms = pg_int(r, i, 4, 0);
	for (int k = 0; k < ROLLUP_COUNTERS; k++)
		ro.c[k] = pg_int(r, i, 5 + k, 0);
	if (hex <= 2 + 2 * sizeof(hist))
		ro.hist_len = pg_bytea(r, i, 14, hist, sizeof(hist));
	else {
		/* several hours' histograms (pg_each_rollup_spans): their sum, encoded again */
		unsigned char *raw = xmalloc(hex / 2);
		uint32_t sum[HIST_BUCKETS] = { 0 };

		rollup_hist_decode_add(sum, raw, pg_bytea(r, i, 14, raw, hex / 2));
		free(raw);
		ro.hist_len = rollup_hist_encode(sum, hist);
	}
	ro.hist = ro.hist_len > 0 ? hist : NULL;
	return ((int (*)(const struct be_rollup *, void *))cb->fn)(&ro, cb->arg);
}

/* by provider, endpoint, hour (strictly) */
#define HOURLY_ORDERED(fn, arg) \
	{ { (void *)(fn), (arg), false }, { .ep = -1, .strict = true }, 3, 0, 1, 4, rollup_row }

/*
 * Reads hourly rollups: endpoints by name ($1 provider, $2 endpoint, NULL = all), for each
 * its rows of INNER (a query on hourly that names the endpoint e.id, by hour, giving
 * hour, the counters and latency).
 * Each endpoint's rows by its primary key, endpoints by name: a nested loop already in
 * the order asked for. With ORDER BY over the join the planner sorts every row instead
 * (a render's 90 days of 200 endpoints: 432,000 rows, an external merge on disk, ~0.5 s
 * of the server's time against ~0.1 s); OFFSET 0 keeps both subqueries as written.
 * The order is checked as the rows come (struct pg_order), so a plan that broke it fails
 * the read instead of mixing endpoints.
 */
static int
each_hourly(struct store_be *b, const char *inner, struct pg_params *p, struct ordered *h)
{
	char *sql = xasprintf("SELECT e.provider, e.endpoint, e.kind, e.id, h.hour, h.checks,"
	    " h.up, h.degraded, h.down, h.maintenance, h.up_ms, h.degraded_ms, h.down_ms,"
	    " h.maintenance_ms, h.latency FROM (SELECT id, provider, endpoint, kind"
	    " FROM endpoints WHERE ($1::text IS NULL OR provider = $1)"
	    " AND ($2::text IS NULL OR endpoint = $2) ORDER BY provider, endpoint OFFSET 0) e"
	    " CROSS JOIN LATERAL (%s OFFSET 0) h", inner);
	int rc = pg_each(b, "reading hourly rollups", sql, p, ordered_row, h);

	free(sql);
	return order_end(b, &h->o, "reading hourly rollups", rc);
}

int
pg_each_rollup(struct store_be *b, bool daily, const char *from_day, const char *to_day,
    int64_t from_ms, int64_t to_ms, const char *provider, const char *endpoint,
    int (*fn)(const struct be_rollup *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct ordered h = HOURLY_ORDERED(fn, arg);
	struct cb cb = { (void *)fn, arg, daily };

	pg_params_text(&p, provider);
	pg_params_text(&p, endpoint);
	if (daily) {
		pg_params_text(&p, from_day);
		pg_params_text(&p, to_day);
		return pg_each(b, "reading daily rollups",
		    "SELECT e.provider, e.endpoint, e.kind, e.id, d.day, d.checks, d.up, d.degraded,"
		    " d.down, d.maintenance, d.up_ms, d.degraded_ms, d.down_ms, d.maintenance_ms,"
		    " d.latency FROM endpoints e JOIN daily d ON d.ep = e.id"
		    " WHERE ($1::text IS NULL OR e.provider = $1)"
		    " AND ($2::text IS NULL OR e.endpoint = $2) AND d.day >= $3 AND d.day <= $4"
		    " ORDER BY e.provider, e.endpoint, d.day", &p, rollup_row, &cb);
	}
	pg_params_int(&p, from_ms);
	pg_params_int(&p, to_ms);
	return each_hourly(b, "SELECT * FROM hourly WHERE ep = e.id AND hour >= $3 AND hour < $4"
	    " ORDER BY hour", &p, &h);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Hourly rollups of every endpoint (see each_hourly), summed between the hours of split_ms
 * (and from_ms, to_ms): one row per endpoint and stretch that has hours, at its first
 * hour, its latency the hours' histograms one after another (which decode to their sum,
 * rollup.c's encoding). A render's 24h/7d/30d/90d uptime windows read 4 rows an endpoint,
 * not 2,160. Each stretch is a plain aggregate over an index range: a GROUP BY over the
 * stretches sorts every hour first (twice the server's time).
 */
int
pg_each_rollup_spans(struct store_be *b, int64_t from_ms, int64_t to_ms, const int64_t *split_ms,
    size_t n_split, int (*fn)(const struct be_rollup *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct ordered h = HOURLY_ORDERED(fn, arg);
	int64_t *at = xcalloc(n_split + 2, sizeof(*at));
	struct buf sql = { 0 };
	size_t n = 0;
	int rc;

	if (from_ms >= to_ms) {
		free(at);
		return 0;
	}
	at[n++] = from_ms;
	for (size_t i = 0; i < n_split; i++)
		if (split_ms[i] > from_ms && split_ms[i] < to_ms)
			at[n++] = split_ms[i];
	at[n++] = to_ms;
	qsort(at, n, sizeof(*at), cmp_int64);
	pg_params_text(&p, NULL);
	pg_params_text(&p, NULL);
	for (size_t i = 0; i < n; i++)
		pg_params_int(&p, at[i]);
	for (size_t i = 0; i + 1 < n; i++) {
		if (at[i] == at[i + 1])
			continue;
		buf_printf(&sql, "%sSELECT min(hour) AS hour, sum(checks)::bigint AS checks,"
		    " sum(up)::bigint AS up, sum(degraded)::bigint AS degraded,"
		    " sum(down)::bigint AS down, sum(maintenance)::bigint AS maintenance,"
		    " sum(up_ms)::bigint AS up_ms, sum(degraded_ms)::bigint AS degraded_ms,"
		    " sum(down_ms)::bigint AS down_ms, sum(maintenance_ms)::bigint AS maintenance_ms,"
		    " string_agg(latency, ''::bytea) AS latency FROM hourly"
		    " WHERE ep = e.id AND hour >= $%zu AND hour < $%zu HAVING count(*) > 0",
		    sql.len ? " UNION ALL " : "", i + 3, i + 4);
	}
	free(at);
	rc = each_hourly(b, (const char *)sql.data, &p, &h);	/* from < to: one at least */
	buf_free(&sql);
	return rc;
}

char *
pg_kind_memory(struct store_be *b, const char *provider, const char *endpoint)
{
	struct pg_params p = { 0 };
	PGresult *r;
	char *num = NULL;

	pg_params_text(&p, provider);
	pg_params_text(&p, endpoint);
	if ((r = pg_q(b, "reading the kind memory", "SELECT crl_number FROM endpoints"
	    " WHERE provider = $1 AND endpoint = $2", &p)) == NULL)
		return NULL;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		num = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return num;
}

static int
mail_state_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct be_mail_state m;

	m.id = pg_int(r, i, 0, 0);
	m.start_ms = pg_int(r, i, 1, 0);
	m.end_ms = pg_int(r, i, 2, -1);
	m.notified_open_ms = pg_int(r, i, 3, -1);
	m.notified_resolved_ms = pg_int(r, i, 4, -1);
	m.reminders = (int)pg_int(r, i, 5, 0);
	m.last_mail_ms = pg_int(r, i, 6, -1);
	return ((int (*)(const struct be_mail_state *, void *))cb->fn)(&m, cb->arg);
}

int
pg_each_mail_state(struct store_be *b, int64_t since_ms,
    int (*fn)(const struct be_mail_state *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct cb cb = { (void *)fn, arg, false };

	pg_params_int(&p, since_ms);
	return pg_each(b, "reading mail states",
	    "SELECT id, start, \"end\", notified_open, notified_resolved, reminders, last_mail"
	    " FROM incidents WHERE (notified_open IS NULL AND start >= $1)"
	    " OR (\"end\" IS NOT NULL AND notified_resolved IS NULL AND \"end\" >= $1)"
	    " OR (\"end\" IS NULL AND notified_open IS NOT NULL) ORDER BY id",
	    &p, mail_state_row, &cb);
}

int
pg_outbox_insert(struct store_be *b, int64_t incident, const char *event_key,
    const char *recipients, const char *subject, const char *body, int64_t now_ms)
{
	struct pg_params p = { 0 };
	int64_t n;

	pg_params_int(&p, now_ms);
	pg_params_int(&p, incident);
	pg_params_text(&p, event_key);
	pg_params_text(&p, recipients);
	pg_params_text(&p, subject);
	pg_params_text(&p, body);
	/* Looked for first: a row there already costs no id (ids without gaps, as SQLite's). */
	n = pg_cmd(b, "queuing an alert", "INSERT INTO outbox (created, incident, event,"
	    " recipients, subject, body, next_attempt)"
	    " SELECT $1, NULLIF($2::bigint, 0), $3, $4, $5, $6, $1"
	    " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE incident = $2 AND event = $3)"
	    " ON CONFLICT (incident, event) DO NOTHING", &p);
	return n < 0 ? -1 : n == 1;
}

int
pg_mail_mark(struct store_be *b, int64_t incident, enum be_mail_mark mark, int reminder,
    int64_t now_ms)
{
	static const char *const sql[] = {
		[BE_MARK_OPENED] = "UPDATE incidents SET notified_open = $2, last_mail = $2"
		    " WHERE id = $1 AND notified_open IS NULL",
		[BE_MARK_RESOLVED] = "UPDATE incidents SET notified_resolved = $2 WHERE id = $1",
		[BE_MARK_REMINDER] = "UPDATE incidents SET reminders = greatest(reminders, $3),"
		    " last_mail = $2 WHERE id = $1",
	};
	struct pg_params p = { 0 };

	if (mark == BE_MARK_NONE || (size_t)mark >= NELEM(sql))
		return 0;
	pg_params_int(&p, incident);
	pg_params_int(&p, now_ms);
	if (mark == BE_MARK_REMINDER)
		pg_params_int(&p, reminder);
	return pg_cmd(b, "recording a mail", sql[mark], &p) < 0 ? -1 : 0;
}

static int
mail_row(const PGresult *r, int i, void *v)
{
	const struct cb *cb = v;
	struct store_mail m;

	m.id = pg_int(r, i, 0, 0);
	m.incident = pg_int(r, i, 1, 0);
	m.event_key = pg_str(r, i, 2);
	m.recipients = pg_str(r, i, 3);
	m.subject = pg_str(r, i, 4);
	m.body = pg_str(r, i, 5);
	m.attempts = (int)pg_int(r, i, 6, 0);
	m.created_ms = pg_int(r, i, 7, 0);
	return ((int (*)(const struct store_mail *, void *))cb->fn)(&m, cb->arg);
}

int
pg_each_mail_due(struct store_be *b, int64_t now_ms, int (*fn)(const struct store_mail *, void *),
    void *arg)
{
	struct pg_params p = { 0 };
	struct cb cb = { (void *)fn, arg, false };

	pg_params_int(&p, now_ms);
	return pg_each(b, "reading the outbox", "SELECT id, incident, event, recipients, subject,"
	    " body, attempts, created FROM outbox WHERE sent IS NULL AND failed IS NULL"
	    " AND next_attempt <= $1 ORDER BY id", &p, mail_row, &cb);
}

int
pg_mail_sent(struct store_be *b, int64_t id, int64_t now_ms)
{
	struct pg_params p = { 0 };

	pg_params_int(&p, id);
	pg_params_int(&p, now_ms);
	return pg_cmd(b, "recording a sent mail",
	    "UPDATE outbox SET sent = $2, attempts = attempts + 1 WHERE id = $1", &p) < 0 ? -1 : 0;
}

int
pg_mail_failed(struct store_be *b, int64_t id, const char *error, int64_t next_attempt_ms,
    bool give_up)
{
	struct pg_params p = { 0 };

	pg_params_int(&p, id);
	pg_params_int(&p, next_attempt_ms);
	pg_params_text(&p, error ? error : "");
	return pg_cmd(b, "recording a failed mail", give_up ?
	    "UPDATE outbox SET attempts = attempts + 1, failed = $2, last_error = $3 WHERE id = $1" :
	    "UPDATE outbox SET attempts = attempts + 1, next_attempt = $2, last_error = $3"
	    " WHERE id = $1", &p) < 0 ? -1 : 0;
}

int
pg_outbox_stats(struct store_be *b, bool webhooks, struct store_outbox_stats *out)
{
	struct pg_params p = { 0 };
	PGresult *r;

	memset(out, 0, sizeof(*out));
	out->oldest_queued_ms = -1;
	pg_params_text(&p, webhooks ? "t" : "f");
	if ((r = pg_q(b, "reading the outbox", "SELECT"
	    " count(*) FILTER (WHERE sent IS NULL AND failed IS NULL),"
	    " count(*) FILTER (WHERE failed IS NOT NULL),"
	    " coalesce(sum(attempts), 0) - count(*) FILTER (WHERE sent IS NOT NULL),"
	    " min(created) FILTER (WHERE sent IS NULL AND failed IS NULL) FROM outbox"
	    " WHERE (substr(event, 1, 8) = 'webhook-') = $1::boolean", &p)) == NULL)
		return -1;
	out->queued = pg_int(r, 0, 0, 0);
	out->given_up = pg_int(r, 0, 1, 0);
	out->failed_attempts = pg_int(r, 0, 2, 0);
	out->oldest_queued_ms = pg_int(r, 0, 3, -1);
	PQclear(r);
	return 0;
}
