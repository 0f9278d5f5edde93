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

int64_t
pg_part_month(int64_t t)
{
	return month_of(t);
}

int64_t
pg_part_hour(int64_t t)
{
	return t >= 0 ? -1 - t / PG_HOUR_MS : INT64_MIN;
}

/*
 * Creates the partition of key unless it exists (its DDL holds only integers we
 * computed): a packed month (key >= 0) or a recent hour (-1 - hours since 1970).
 */
static int
create_partition(struct store_be *b, int64_t key)
{
	char sql[256];

	if (key < 0 && key != INT64_MIN && -1 - key <= (9999 - 1970 + 1) * 366LL * 24) {
		int64_t h = (-1 - key) * PG_HOUR_MS;

		snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS recent_%lld PARTITION OF"
		    " results_recent FOR VALUES FROM (%lld) TO (%lld)", (long long)(-1 - key),
		    (long long)h, (long long)(h + PG_HOUR_MS));
		return pg_cmd(b, "creating a results partition", sql, NULL) < 0 ? -1 : 0;
	}
	if (key < 1970 * 12 || key > 9999 * 12 + 11) {
		pg_errf(b, "storing a result: time outside the years 1970-9999");
		return -1;
	}
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS packed_%04lld%02lld PARTITION OF"
	    " results_packed FOR VALUES FROM (%lld) TO (%lld) WITH (fillfactor = 100)",
	    (long long)(key / 12), (long long)(key % 12 + 1), (long long)month_start_ms(key),
	    (long long)month_start_ms(key + 1));
	return pg_cmd(b, "creating a results partition", sql, NULL) < 0 ? -1 : 0;
}

/*
 * Whether the recent hour of key exists, under the partitions lock (shared) until the
 * transaction ends: pg_fold.c drops a partition only with it (exclusive). 1, 0 or -1.
 */
static int
recent_exists(struct store_be *b, int64_t key)
{
	struct pg_params p = { 0 };
	char name[48];
	PGresult *r;
	int e;

	snprintf(name, sizeof(name), "recent_%lld", (long long)(-1 - key));
	pg_params_int(&p, PG_LOCK_PARTITIONS);
	pg_params_text(&p, name);
	if ((r = pg_q(b, "creating a results partition", "SELECT pg_advisory_xact_lock_shared($1),"
	    " to_regclass($2) IS NOT NULL", &p)) == NULL)
		return -1;
	e = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	return e;
}

int
pg_partitions_ensure(struct store_be *b, const int64_t *keys, size_t n)
{
	bool locked = false, own_tx = false;
	int64_t last = INT64_MIN;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		int64_t mn = keys[i];

		if (mn < 0 && mn != INT64_MIN && (-mn) * PG_HOUR_MS <= pg_now(b) + 60000) {
			/*
			 * A recent hour that has ended may be folded and dropped at any time
			 * (pg_fold.c): never known, held (shared) until the batch ends.
			 */
			int e;

			if (mn == last)
				continue;
			if (!b->in_tx) {
				if (pg_cmd(b, "creating a results partition", "BEGIN", NULL) < 0)
					return -1;
				own_tx = b->in_tx = true;
			}
			if ((e = recent_exists(b, mn)) < 0) {
				rc = -1;
				break;
			}
			if (e == 1) {
				last = mn;
				continue;
			}
		} else if (mn == last || month_known(b->months, b->n_months, mn) ||
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

void
pg_partitions_dropped(struct store_be *b, int64_t key)
{
	month_drop(b->months, &b->n_months, key);
	month_drop(b->new_months, &b->n_new, key);
}

/* This month and the next, this hour and the next two (recent). */
int
pg_partitions_ahead(struct store_be *b)
{
	int64_t now = pg_now(b), k[5] = { month_of(now), month_of(now) + 1, pg_part_hour(now),
	    pg_part_hour(now) - 1, pg_part_hour(now) - 2 };

	return b->in_tx ? 0 : pg_partitions_ensure(b, k, 5);
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

/*
 * Many endpoints at once: new ones inserted in (provider, endpoint) order, so that nodes
 * registering the same endpoints take their row locks in one order and never deadlock;
 * a changed kind updated; then every id read back in the callers' order.
 */
int
pg_endpoint_ids(struct store_be *b, size_t n, const char *const *providers,
    const char *const *endpoints, const char *const *kinds, int64_t *ids)
{
	struct buf a[3];
	struct pg_params p = { 0 };
	PGresult *r = NULL;
	int rc = -1;

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		pg_arr_text(&a[0], providers[i]);
		pg_arr_text(&a[1], endpoints[i]);
		pg_arr_text(&a[2], kinds[i]);
	}
	for (int k = 0; k < 3; k++) {
		pg_arr_end(&a[k], 't');
		pg_params_arr(&p, &a[k]);
	}
	if (pg_cmd(b, "recording the endpoints", "INSERT INTO endpoints (provider, endpoint,"
	    " kind) SELECT DISTINCT ON (u.p, u.e) u.p, u.e, u.k FROM unnest($1::text[],"
	    " $2::text[], $3::text[]) AS u(p, e, k) ORDER BY u.p, u.e"
	    " ON CONFLICT (provider, endpoint) DO NOTHING", &p) < 0 ||
	    pg_cmd(b, "recording the endpoints", "UPDATE endpoints x SET kind = u.k FROM"
	    " (SELECT DISTINCT ON (p, e) p, e, k FROM unnest($1::text[], $2::text[],"
	    " $3::text[]) AS v(p, e, k) ORDER BY p, e) u WHERE x.provider = u.p"
	    " AND x.endpoint = u.e AND x.kind <> u.k", &p) < 0)
		goto out;
	p.n = 2;
	if ((r = pg_q(b, "recording the endpoints", "SELECT x.id FROM unnest($1::text[],"
	    " $2::text[]) WITH ORDINALITY AS u(p, e, i) LEFT JOIN endpoints x"
	    " ON x.provider = u.p AND x.endpoint = u.e ORDER BY u.i", &p)) == NULL)
		goto out;
	if ((size_t)PQntuples(r) != n) {
		pg_errf(b, "recording the endpoints: %d ids for %zu endpoints", PQntuples(r), n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if ((ids[i] = pg_int(r, (int)i, 0, -1)) < 0) {
			pg_errf(b, "recording the endpoints: no id for %s/%s", providers[i],
			    endpoints[i]);
			goto out;
		}
	rc = 0;
out:
	PQclear(r);
	for (int k = 0; k < 3; k++)
		buf_free(&a[k]);
	return rc;
}

/* A result of a batch, in packing order: (ep, node, hour, t, address, its place). */
struct pk {
	const struct be_result *r;
	const char	*node, *addr;
	int64_t		 h;			/* the start of its UTC hour */
	size_t		 i;
};

static int
pk_cmp(const void *x, const void *y)
{
	const struct pk *a = x, *c = y;
	int d;

	if (a->r->ep != c->r->ep)
		return a->r->ep < c->r->ep ? -1 : 1;
	if ((d = strcmp(a->node, c->node)) != 0)
		return d;
	if (a->r->time_ms != c->r->time_ms)
		return a->r->time_ms < c->r->time_ms ? -1 : 1;
	if ((d = strcmp(a->addr, c->addr)) != 0)
		return d;
	return a->i < c->i ? -1 : a->i > c->i;
}

/* A stored key the existence check returned. */
struct sk {
	int64_t		 ep, t;
	const char	*node, *addr;
};

static int
sk_cmp(const void *x, const void *y)
{
	const struct sk *a = x, *c = y;
	int d;

	if (a->ep != c->ep)
		return a->ep < c->ep ? -1 : 1;
	if ((d = strcmp(a->node, c->node)) != 0)
		return d;
	if (a->t != c->t)
		return a->t < c->t ? -1 : 1;
	return strcmp(a->addr, c->addr);
}

/* The chunks of a batch: consecutive runs of o[] with one (ep, node, hour), PG_PACK_MAX at most. */
static bool
same_chunk(const struct pk *a, const struct pk *c)
{
	return a->r->ep == c->r->ep && a->h == c->h && strcmp(a->node, c->node) == 0;
}

/*
 * The keys stored already (packed or recent) in the hours the batch's chunks fall in,
 * where their time ranges meet (none in live ingest: each node's results come later than its last ones).
 * Inside a batch, first (same round trip) the lock of each node of the batch, in name
 * order, held until it ends: two writers of one node's results (a spool replay in a
 * second process) check and insert one after the other. Nodes never wait for each other.
 */
static PGresult *
stored_keys(struct store_be *b, const struct pk *o, size_t n)
{
	static const char lock_sql[] = "SELECT pg_advisory_xact_lock($2::integer,"
	    " hashtext(current_schema() || '/' || n)) FROM (SELECT DISTINCT n FROM"
	    " unnest($1::text[]) n ORDER BY n) d";
	struct buf a[5], nodes = { 0 };
	struct pg_params p = { 0 }, lp = { 0 };
	int64_t hmin = INT64_MAX, hmax = INT64_MIN;
	const char *last = NULL;
	PGresult *r;

	memset(a, 0, sizeof(a));
	for (size_t s = 0, e; s < n; s = e) {
		for (e = s + 1; e < n && same_chunk(&o[s], &o[e]); e++)
			;
		pg_arr_int(&a[0], o[s].r->ep, false);
		pg_arr_text(&a[1], o[s].node);
		pg_arr_int(&a[2], o[s].h, false);
		pg_arr_int(&a[3], o[s].r->time_ms - o[s].h, false);
		pg_arr_int(&a[4], o[e - 1].r->time_ms - o[s].h, false);
		if (o[s].h < hmin)
			hmin = o[s].h;
		if (o[s].h > hmax)
			hmax = o[s].h;
	}
	for (int k = 0; k < 5; k++) {
		pg_arr_end(&a[k], "itiii"[k]);
		pg_params_arr(&p, &a[k]);
	}
	pg_params_int(&p, hmin);
	pg_params_int(&p, hmax);
	/* Per chunk, through the (ep, t0) index of its month (OFFSET 0: never a scan). */
	const char *sql[2] = { lock_sql, "SELECT c.ep, c.t0 + (c.v[px * 6 + 1] >> 8), c.node,"
	    " coalesce(c.addr[px + 1], '') FROM unnest($1::bigint[], $2::text[], $3::bigint[],"
	    " $4::bigint[], $5::bigint[]) AS g(ep, node, h, lo, hi)"
	    " CROSS JOIN LATERAL (SELECT * FROM results_packed x WHERE x.ep = g.ep AND x.t0 = g.h"
	    "  AND x.node = g.node AND x.hi >= g.lo AND x.lo <= g.hi AND x.t0 >= $6 AND x.t0 <= $7"
	    "  OFFSET 0) c" PG_UNPACK_FROM("c") " UNION ALL SELECT x.ep, x.t, x.node, x.address"
	    " FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])"
	    " AS g(ep, node, h, lo, hi) CROSS JOIN LATERAL (SELECT * FROM results_recent x"
	    "  WHERE x.ep = g.ep AND x.t >= g.h + g.lo AND x.t <= g.h + g.hi AND x.t0 = g.h"
	    "  AND x.node = g.node AND x.t0 >= $6 AND x.t0 <= $7 OFFSET 0) x" };
	if (!b->in_tx)
		r = pg_q(b, "storing results", sql[1], &p);
	else {
		struct pg_params *ps[2] = { &lp, &p };
		PGresult *out[2];

		for (size_t i = 0; i < n; i++)
			if (last == NULL || strcmp(last, o[i].node) != 0)
				pg_arr_text(&nodes, last = o[i].node);
		pg_arr_end(&nodes, 't');
		pg_params_arr(&lp, &nodes);
		pg_params_int(&lp, PG_LOCK_NODE);
		r = NULL;
		if (pg_multi(b, "storing results", 2, sql, ps, out) == 0) {
			PQclear(out[0]);
			r = out[1];
			if (r == NULL)
				pg_errf(b, "storing results: no stored keys returned");
		}
	}
	buf_free(&nodes);
	for (int k = 0; k < 5; k++)
		buf_free(&a[k]);
	return r;
}

static bool
is_stored(const struct sk *keys, size_t m, const struct pk *x)
{
	struct sk k = { x->r->ep, x->r->time_ms, x->node, x->addr };

	return m > 0 && bsearch(&k, keys, m, sizeof(k), sk_cmp) != NULL;
}

/*
 * The results of run o[0..n) (one endpoint, node and hour) not stored yet, packed in
 * rows of PG_PACK_MAX at most: their values appended to the flat arrays a[] (*off).
 */
static void
pack_run(struct buf *a, const struct pk *o, size_t n, const bool *stored, size_t *off)
{
	for (size_t s = 0, e; s < n; s = e) {
		size_t cnt = 0;
		int64_t lo = -1, hi = 0, flags = 0;

		for (e = s; e < n && cnt < PG_PACK_MAX; e++) {
			const struct pk *x = &o[e];
			int64_t dt = x->r->time_ms - x->h;

			if (!stored[x->i])
				continue;
			if (lo < 0)
				lo = dt;
			hi = dt;
			pg_arr_int(&a[8], dt * 256 + x->r->code, false);
			for (int ph = 0; ph < PHASE__MAX; ph++)
				pg_arr_int(&a[8], x->r->tenths[ph] < 0 ? -1 : x->r->tenths[ph], false);
			pg_arr_text(&a[9], x->addr);
			pg_arr_text(&a[10], x->r->message);
			pg_arr_text(&a[11], x->r->details);
			flags |= (x->addr[0] != '\0') | (x->r->message != NULL) << 1 |
			    (x->r->details != NULL) << 2;
			cnt++;
		}
		if (cnt == 0)
			continue;
		pg_arr_int(&a[0], o[s].h, false);
		pg_arr_int(&a[1], o[s].r->ep, false);
		pg_arr_int(&a[2], lo, false);
		pg_arr_int(&a[3], hi, false);
		pg_arr_text(&a[4], o[s].node);
		pg_arr_int(&a[5], (int64_t)*off, false);
		pg_arr_int(&a[6], (int64_t)cnt, false);
		pg_arr_int(&a[7], flags, false);
		*off += cnt;
	}
}

/* The results of run o[0..n) not stored yet, as rows of results_recent: appended to r[]. */
static size_t
recent_run(struct buf *r, const struct pk *o, size_t n, const bool *stored)
{
	size_t cnt = 0;

	for (size_t k = 0; k < n; k++) {
		const struct pk *x = &o[k];

		if (!stored[x->i])
			continue;
		pg_arr_int(&r[0], x->h, false);
		pg_arr_int(&r[1], x->r->time_ms, false);
		pg_arr_int(&r[2], x->r->ep, false);
		for (int ph = 0; ph < PHASE__MAX; ph++)
			pg_arr_int(&r[3 + ph], x->r->tenths[ph], x->r->tenths[ph] < 0);
		pg_arr_int(&r[8], x->r->code, false);
		pg_arr_text(&r[9], x->node);
		pg_arr_text(&r[10], x->addr);
		pg_arr_text(&r[11], x->r->message);
		pg_arr_text(&r[12], x->r->details);
		cnt++;
	}
	return cnt;
}

/* Whether run o[0..n) (one endpoint, node and hour) is packed directly (pg_int.h). */
static bool
direct(const struct store_be *b, const struct pk *o, size_t n)
{
	return n >= PG_PACK_DIRECT || o->h + PG_HOUR_MS + PG_FOLD_GRACE_MS <= pg_now(b);
}

/*
 * Stores the results not stored yet. Per run of one endpoint, node and hour: packed
 * directly (direct), or (live batches) as rows of results_recent, folded later
 * (pg_fold.c).
 */
int
pg_add_results(struct store_be *b, const struct be_result *rs, size_t n, bool *stored)
{
	struct buf a[12], ra[13];
	struct pg_params p = { 0 };
	struct pk *o;
	struct sk *keys = NULL;
	size_t m = 0, off = 0, n_recent = 0, n_parts = 0;
	int64_t *parts;
	PGresult *r;
	int rc;

	if (n == 0)
		return 0;
	o = xcalloc(n, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		const struct be_result *x = &rs[i];

		if (x->code < 0 || x->code > 255) {
			pg_errf(b, "storing results: code %d outside 0-255", x->code);
			free(o);
			return -1;
		}
		if (x->time_ms < 0) {
			pg_errf(b, "storing a result: time outside the years 1970-9999");
			free(o);
			return -1;
		}
		for (int ph = 0; ph < PHASE__MAX; ph++)
			if (x->tenths[ph] > INT32_MAX) {
				pg_errf(b, "storing results: a timing of %lld.%lld ms is out of range",
				    (long long)(x->tenths[ph] / 10), (long long)(x->tenths[ph] % 10));
				free(o);
				return -1;
			}
		o[i] = (struct pk){ x, x->node ? x->node : "", x->address ? x->address : "",
		    x->time_ms - x->time_ms % PG_HOUR_MS, i };
	}
	qsort(o, n, sizeof(*o), pk_cmp);
	/* Each run's partition first (its DDL before this batch reads results_recent). */
	parts = xcalloc(n, sizeof(*parts));
	for (size_t s = 0, e; s < n; s = e) {
		for (e = s; e < n && same_chunk(&o[s], &o[e]); e++)
			;
		parts[n_parts] = direct(b, o + s, e - s) ? pg_part_month(o[s].h) :
		    pg_part_hour(o[s].h);
		if (n_parts == 0 || parts[n_parts] != parts[n_parts - 1])
			n_parts++;
	}
	rc = pg_partitions_ensure(b, parts, n_parts);
	free(parts);
	if (rc != 0) {
		free(o);
		return -1;
	}
	if ((r = stored_keys(b, o, n)) == NULL) {
		free(o);
		pg_partitions_forget(b);	/* another node may have pruned a month */
		return -1;
	}
	if ((m = (size_t)PQntuples(r)) > 0) {
		keys = xcalloc(m, sizeof(*keys));
		for (size_t j = 0; j < m; j++)
			keys[j] = (struct sk){ pg_int(r, (int)j, 0, 0), pg_int(r, (int)j, 1, 0),
			    PQgetvalue(r, (int)j, 2), PQgetvalue(r, (int)j, 3) };
		qsort(keys, m, sizeof(*keys), sk_cmp);
	}
	/* Stored: neither there already nor an earlier result of the batch with its key. */
	for (size_t k = 0; k < n; k++) {
		const struct pk *x = &o[k];

		stored[x->i] = !is_stored(keys, m, x) && !(k > 0 && same_chunk(&o[k - 1], x) &&
		    o[k - 1].r->time_ms == x->r->time_ms && strcmp(o[k - 1].addr, x->addr) == 0);
	}
	free(keys);
	PQclear(r);
	/*
	 * Packed rows: per (ep, node, hour), at most PG_PACK_MAX results each; their values
	 * as flat arrays that the INSERT slices (a chunk's offset and count in the flat ones).
	 */
	memset(a, 0, sizeof(a));
	memset(ra, 0, sizeof(ra));
	for (size_t s = 0, e; s < n; s = e) {
		for (e = s; e < n && same_chunk(&o[s], &o[e]); e++)
			;
		if (direct(b, o + s, e - s))
			pack_run(a, o + s, e - s, stored, &off);
		else
			n_recent += recent_run(ra, o + s, e - s, stored);
	}
	free(o);
	if (off > 0) {
		for (int k = 0; k < 12; k++) {
			pg_arr_end(&a[k], "iiiitiiiittt"[k]);
			pg_params_arr(&p, &a[k]);
		}
		rc = pg_cmd(b, "storing results", "INSERT INTO results_packed (t0, ep, lo, hi, node,"
		    " v, addr, msg, det) SELECT g.t0, g.ep, g.lo, g.hi, g.node,"
		    " ($9::bigint[])[g.a * 6 + 1:(g.a + g.n) * 6]::integer[],"
		    " CASE WHEN g.f & 1 <> 0 THEN ($10::text[])[g.a + 1:g.a + g.n] END,"
		    " CASE WHEN g.f & 2 <> 0 THEN ($11::text[])[g.a + 1:g.a + g.n] END,"
		    " CASE WHEN g.f & 4 <> 0 THEN ($12::text[])[g.a + 1:g.a + g.n] END"
		    " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[],"
		    " $6::bigint[], $7::bigint[], $8::bigint[]) AS g(t0, ep, lo, hi, node, a, n, f)",
		    &p) < 0 ? -1 : 0;
	}
	if (rc == 0 && n_recent > 0) {
		p.n = 0;
		for (int k = 0; k < 13; k++) {
			pg_arr_end(&ra[k], "iiiiiiiiitttt"[k]);
			pg_params_arr(&p, &ra[k]);
		}
		rc = pg_cmd(b, "storing results", "INSERT INTO results_recent (t0, t, ep, dns, conn,"
		    " tls, ttfb, total, code, node, address, msg, details) SELECT * FROM"
		    " unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],"
		    " $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::text[],"
		    " $12::text[], $13::text[])", &p) < 0 ? -1 : 0;
	}
	for (int k = 0; k < 12; k++)
		buf_free(&a[k]);
	for (int k = 0; k < 13; k++)
		buf_free(&ra[k]);
	if (rc != 0)
		pg_partitions_forget(b);
	return rc;
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
	    " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'results_packed'::regclass",
	    NULL))
	    == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		int y, m, len = 0;
		int64_t mn;
		char sql[256];
		PGresult *c;

		if (sscanf(name, "packed_%4d%2d%n", &y, &m, &len) != 2 || name[len] != '\0' ||
		    len != 13 || m < 1 || m > 12)
			continue;		/* not one of ours */
		mn = (int64_t)y * 12 + m - 1;
		if (month_start_ms(mn + 1) > results_before_ms)
			continue;
		/* DROP fires no trigger: the month's days leave result_days first (pg.c v7). */
		snprintf(sql, sizeof(sql), "WITH c AS (SELECT t0 / " PG_DAY_MS_S " AS day,"
		    " sum(cardinality(v) / 6) AS n FROM packed_%04d%02d GROUP BY 1), i AS (INSERT"
		    " INTO result_days SELECT day, -n FROM c) SELECT coalesce(sum(n), 0) FROM c",
		    y, m);
		if ((c = pg_q(b, "pruning", sql, NULL)) == NULL) {
			PQclear(r);
			goto fail;
		}
		total += pg_int(c, 0, 0, 0);
		PQclear(c);
		snprintf(sql, sizeof(sql), "DROP TABLE packed_%04d%02d", y, m);
		if (pg_cmd(b, "pruning", sql, NULL) < 0) {
			PQclear(r);
			goto fail;
		}
		month_drop(b->months, &b->n_months, mn);
		month_drop(b->new_months, &b->n_new, mn);
	}
	PQclear(r);
	/* Recent hours wholly before the cut: dropped; the rows before it in the hour it falls in. */
	if ((r = pg_q(b, "pruning", "SELECT c.relname FROM pg_inherits i"
	    " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'results_recent'::regclass",
	    NULL)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		long long hn;
		int len = 0;
		char sql[256];
		PGresult *c;

		if (sscanf(name, "recent_%lld%n", &hn, &len) != 1 || name[len] != '\0' || hn < 0 ||
		    (hn + 1) * PG_HOUR_MS > results_before_ms)
			continue;
		snprintf(sql, sizeof(sql), "WITH c AS (SELECT t0 / " PG_DAY_MS_S " AS day,"
		    " count(*) AS n FROM recent_%lld GROUP BY 1), i AS (INSERT INTO result_days"
		    " SELECT day, -n FROM c) SELECT coalesce(sum(n), 0) FROM c", hn);
		if ((c = pg_q(b, "pruning", sql, NULL)) == NULL) {
			PQclear(r);
			goto fail;
		}
		total += pg_int(c, 0, 0, 0);
		PQclear(c);
		snprintf(sql, sizeof(sql), "DROP TABLE recent_%lld", hn);
		if (pg_cmd(b, "pruning", sql, NULL) < 0) {
			PQclear(r);
			goto fail;
		}
		pg_partitions_dropped(b, -1 - (int64_t)hn);
	}
	PQclear(r);
	p.n = 0;
	pg_params_int(&p, results_before_ms);
	if ((n = pg_cmd(b, "pruning", "DELETE FROM results_recent WHERE t < $1 AND t0 <= $1",
	    &p)) < 0)
		goto fail;
	total += n;
	p.n = 0;
	/*
	 * In the month left: the rows wholly before, then those of the hour it falls in
	 * (their chunks repacked without the older results).
	 */
	pg_params_int(&p, results_before_ms);
	if ((r = pg_q(b, "pruning", "WITH d AS (DELETE FROM results_packed WHERE t0 < $1"
	    " AND t0 + hi < $1 RETURNING cardinality(v) / 6 AS n) SELECT coalesce(sum(n), 0)"
	    " FROM d", &p)) == NULL)
		goto fail;
	total += pg_int(r, 0, 0, 0);
	PQclear(r);
	p.n = 0;
	pg_params_int(&p, results_before_ms);
	pg_params_int(&p, results_before_ms - results_before_ms % PG_HOUR_MS);
	if ((r = pg_q(b, "pruning", "SELECT count(*) FROM results WHERE t0 = $2 AND t < $1",
	    &p)) == NULL)
		goto fail;
	n = pg_int(r, 0, 0, 0);
	PQclear(r);
	if (n > 0) {
		p.n = 0;
		pg_params_int(&p, results_before_ms);
		pg_params_int(&p, results_before_ms - results_before_ms % PG_HOUR_MS);
		if (pg_cmd(b, "pruning", "WITH d AS (DELETE FROM results_packed c WHERE c.t0 = $2"
		    " AND c.t0 + c.lo < $1 RETURNING c.*) "
		    PG_PACK_FROM("(SELECT * FROM (SELECT " PG_UNPACK("d", "px") " FROM d"
		    PG_UNPACK_FROM("d") ") u WHERE u.t >= $1)"), &p) < 0)
			goto fail;
	}
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
