/*
 * PostgreSQL backend, rollups: the batch's deltas added to the stored daily and hourly
 * rows. Counters are summed and histograms merged here (rollup_hist_merge), under row
 * locks taken in key order, so nodes writing the same endpoints never lose a sum and
 * never wait on each other in a circle. Two round trips when every row exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* A rollup row being summed: the batch's deltas for one key, then the stored row. */
struct racc {
	int64_t		 ep;
	char		 day[11];
	int64_t		 hour;
	int64_t		 c[ROLLUP_COUNTERS];
	unsigned char	 hist[HIST_MAX_BYTES];
	size_t		 hlen;
};

/* The sums of one table and the statements that read and write them. */
struct rtab {
	bool		 daily;
	const char	*tbl, *col, *kt;
	struct racc	*acc;			/* sorted by key, distinct */
	bool		*missing;		/* acc[i] has no stored row (yet) */
	size_t		 n;
	struct buf	 keys[2];		/* ep and key arrays of a select or insert */
	struct buf	 ins[2];
	struct buf	 vals[12];		/* of the update */
	struct pg_params ps, pi, pu;
	char		 sel_sql[512], ins_sql[512], upd_sql[1024];
};

static int
racc_cmp(const void *x, const void *y)
{
	const struct racc *a = x, *c = y;

	if (a->ep != c->ep)
		return a->ep < c->ep ? -1 : 1;
	if (a->hour != c->hour)
		return a->hour < c->hour ? -1 : 1;
	return strcmp(a->day, c->day);
}

static void
racc_add(struct racc *a, const int64_t *c, const unsigned char *hist, size_t hlen)
{
	unsigned char out[HIST_MAX_BYTES];

	for (int i = 0; i < ROLLUP_COUNTERS; i++)
		a->c[i] += c[i];
	if (hlen == 0)
		return;
	a->hlen = rollup_hist_merge(a->hist, a->hlen, hist, hlen, out);
	memcpy(a->hist, out, a->hlen);
}

/* The key arrays (ep, day or hour) of the sums still missing a stored row (all: every sum). */
static void
key_arrays(const struct rtab *t, bool all, struct buf *eps, struct buf *keys)
{
	buf_free(eps);
	buf_free(keys);
	for (size_t i = 0; i < t->n; i++) {
		if (!all && !t->missing[i])
			continue;
		pg_arr_int(eps, t->acc[i].ep, false);
		if (t->daily)
			pg_arr_text(keys, t->acc[i].day);
		else
			pg_arr_int(keys, t->acc[i].hour, false);
	}
	pg_arr_end(eps, 'i');
	pg_arr_end(keys, t->daily ? 't' : 'i');
}

/* The statement that locks and reads the stored rows of the missing sums, in key order. */
static void
select_stmt(struct rtab *t)
{
	key_arrays(t, false, &t->keys[0], &t->keys[1]);
	t->ps.n = 0;
	pg_params_arr(&t->ps, &t->keys[0]);
	pg_params_arr(&t->ps, &t->keys[1]);
	snprintf(t->sel_sql, sizeof(t->sel_sql), "SELECT r.ep, r.%s, r.checks, r.up, r.degraded,"
	    " r.down, r.maintenance, r.up_ms, r.degraded_ms, r.down_ms, r.maintenance_ms,"
	    " r.latency FROM %s r WHERE (r.ep, r.%s) IN (SELECT * FROM unnest($1::bigint[],"
	    " $2::%s[])) ORDER BY r.ep, r.%s FOR UPDATE", t->col, t->tbl, t->col, t->kt, t->col);
}

/* The statement that makes the missing rows (zeros; another node's row is kept). */
static void
insert_stmt(struct rtab *t)
{
	key_arrays(t, false, &t->ins[0], &t->ins[1]);
	t->pi.n = 0;
	pg_params_arr(&t->pi, &t->ins[0]);
	pg_params_arr(&t->pi, &t->ins[1]);
	snprintf(t->ins_sql, sizeof(t->ins_sql), "INSERT INTO %s (ep, %s, checks, up, degraded,"
	    " down, maintenance, up_ms, degraded_ms, down_ms, maintenance_ms) SELECT u.ep, u.k,"
	    " 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM unnest($1::bigint[], $2::%s[]) AS u(ep, k)"
	    " ORDER BY 1, 2 ON CONFLICT DO NOTHING", t->tbl, t->col, t->kt);
}

/* The statement that writes every sum back. */
static void
update_stmt(struct rtab *t)
{
	key_arrays(t, true, &t->vals[0], &t->vals[1]);
	for (size_t i = 0; i < t->n; i++) {
		for (int k = 0; k < ROLLUP_COUNTERS; k++)
			pg_arr_int(&t->vals[2 + k], t->acc[i].c[k], false);
		pg_arr_bytea(&t->vals[11], t->acc[i].hist, t->acc[i].hlen);
	}
	t->pu.n = 0;
	pg_params_arr(&t->pu, &t->vals[0]);
	pg_params_arr(&t->pu, &t->vals[1]);
	for (int k = 2; k < 12; k++) {
		pg_arr_end(&t->vals[k], k == 11 ? 'b' : 'i');
		pg_params_arr(&t->pu, &t->vals[k]);
	}
	snprintf(t->upd_sql, sizeof(t->upd_sql), "UPDATE %s r SET checks = u.c0, up = u.c1,"
	    " degraded = u.c2, down = u.c3, maintenance = u.c4, up_ms = u.c5, degraded_ms = u.c6,"
	    " down_ms = u.c7, maintenance_ms = u.c8, latency = u.lat FROM unnest($1::bigint[],"
	    " $2::%s[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],"
	    " $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bytea[])"
	    " AS u(ep, k, c0, c1, c2, c3, c4, c5, c6, c7, c8, lat)"
	    " WHERE r.ep = u.ep AND r.%s = u.k", t->tbl, t->kt, t->col);
}

/* Compares stored row i of r with the sum a: < 0, 0, > 0 in key order. */
static int
row_cmp(const PGresult *r, int i, bool daily, const struct racc *a)
{
	int64_t ep = pg_int(r, i, 0, -1), hour;

	if (ep != a->ep)
		return ep < a->ep ? -1 : 1;
	if (daily)
		return strcmp(PQgetvalue(r, i, 1), a->day);
	hour = pg_int(r, i, 1, -1);
	return hour < a->hour ? -1 : hour > a->hour;
}

/* Adds the stored rows r (of missing sums, in key order) into their sums. */
static void
merge_rows(struct rtab *t, const PGresult *r)
{
	int j = 0, m = PQntuples(r);

	for (size_t i = 0; i < t->n && j < m; i++) {
		int64_t c[ROLLUP_COUNTERS];
		unsigned char h[HIST_MAX_BYTES];
		int cmp = 1;

		if (!t->missing[i])
			continue;
		while (j < m && (cmp = row_cmp(r, j, t->daily, &t->acc[i])) < 0)
			j++;
		if (j == m || cmp > 0)
			continue;
		for (int k = 0; k < ROLLUP_COUNTERS; k++)
			c[k] = pg_int(r, j, 2 + k, 0);
		racc_add(&t->acc[i], c, h, pg_bytea(r, j, 11, h, sizeof(h)));
		t->missing[i] = false;
		j++;
	}
}

static bool
any_missing(const struct rtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->missing[i])
			return true;
	return false;
}

/* Collects the deltas of one kind, summed per key and sorted. */
static void
collect(struct rtab *t, bool daily, const struct be_rollup *ds, size_t n)
{
	size_t m = 0, k = 0;

	memset(t, 0, sizeof(*t));
	t->daily = daily;
	t->tbl = daily ? "daily" : "hourly";
	t->col = daily ? "day" : "hour";
	t->kt = daily ? "text" : "bigint";
	t->acc = xcalloc(n ? n : 1, sizeof(*t->acc));
	for (size_t i = 0; i < n; i++) {
		struct racc *a = &t->acc[m];

		if (ds[i].daily != daily)
			continue;
		a->ep = ds[i].ep;
		if (daily)
			snprintf(a->day, sizeof(a->day), "%s", ds[i].day);
		else
			a->hour = ds[i].hour_ms;
		racc_add(a, ds[i].c, ds[i].hist, ds[i].hist ? ds[i].hist_len : 0);
		m++;
	}
	if (m > 0) {
		qsort(t->acc, m, sizeof(*t->acc), racc_cmp);
		for (size_t i = 1; i < m; i++) {	/* one sum per key */
			if (racc_cmp(&t->acc[k], &t->acc[i]) == 0)
				racc_add(&t->acc[k], t->acc[i].c, t->acc[i].hist, t->acc[i].hlen);
			else if (++k != i)
				t->acc[k] = t->acc[i];
		}
		t->n = k + 1;
	}
	t->missing = xcalloc(t->n ? t->n : 1, sizeof(*t->missing));
	for (size_t i = 0; i < t->n; i++)
		t->missing[i] = true;
}

static void
rtab_free(struct rtab *t)
{
	for (int k = 0; k < 2; k++) {
		buf_free(&t->keys[k]);
		buf_free(&t->ins[k]);
	}
	for (int k = 0; k < 12; k++)
		buf_free(&t->vals[k]);
	free(t->acc);
	free(t->missing);
}

int
pg_rollup_add(struct store_be *b, const struct be_rollup *ds, size_t n)
{
	struct rtab t[2];
	const char *sql[4];
	struct pg_params *p[4];
	PGresult *res[4];
	struct rtab *owner[4];
	size_t k;
	int rc = -1;

	collect(&t[0], true, ds, n);
	collect(&t[1], false, ds, n);
	/* Lock and read what is stored. */
	k = 0;
	for (int i = 0; i < 2; i++)
		if (t[i].n > 0) {
			select_stmt(&t[i]);
			owner[k] = &t[i], sql[k] = t[i].sel_sql, p[k++] = &t[i].ps;
		}
	if (k == 0) {
		rc = 0;
		goto out;
	}
	if (pg_multi(b, "reading rollups", k, sql, p, res) != 0)
		goto out;
	for (size_t i = 0; i < k; i++) {
		merge_rows(owner[i], res[i]);
		PQclear(res[i]);
	}
	/* Make the missing rows, then lock and read them (another node may have made one). */
	k = 0;
	for (int i = 0; i < 2; i++)
		if (t[i].n > 0 && any_missing(&t[i])) {
			insert_stmt(&t[i]);
			select_stmt(&t[i]);
			owner[k] = NULL, sql[k] = t[i].ins_sql, p[k++] = &t[i].pi;
			owner[k] = &t[i], sql[k] = t[i].sel_sql, p[k++] = &t[i].ps;
		}
	if (k > 0) {
		if (pg_multi(b, "writing rollups", k, sql, p, res) != 0)
			goto out;
		for (size_t i = 0; i < k; i++) {
			if (owner[i] != NULL && res[i] != NULL)
				merge_rows(owner[i], res[i]);
			PQclear(res[i]);
		}
		if (any_missing(&t[0]) || any_missing(&t[1])) {
			pg_errf(b, "writing rollups: a row vanished");
			goto out;
		}
	}
	/* Write the sums back. */
	k = 0;
	for (int i = 0; i < 2; i++)
		if (t[i].n > 0) {
			update_stmt(&t[i]);
			sql[k] = t[i].upd_sql, p[k++] = &t[i].pu;
		}
	if (pg_multi(b, "writing rollups", k, sql, p, res) != 0)
		goto out;
	rc = 0;
out:
	rtab_free(&t[0]);
	rtab_free(&t[1]);
	return rc;
}
