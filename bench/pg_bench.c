/*
 * PostgreSQL backend benchmark: batched ingest rate through pg_backend_ops (the daemon's
 * batch: results, latest per endpoint, daily and hourly rollup deltas, one transaction)
 * and bytes per stored result (every results partition with its indexes).
 * Usage: pg_bench [N [BATCH]]   with TW_BENCH_PG (or TW_TEST_PG) the URL of a server
 * (a database, or postgresql://USER@HOST:PORT/ for its postgres database);
 * it works in a schema of its own, dropped at the end. Default 200,000 results in
 * batches of 1000 over 200 endpoints, 1-minute spacing, 5% failures with a message.
 *        pg_bench live [HOURS [ENDPOINTS]]   a live daemon: ENDPOINTS (10,000) probed
 * once a minute each, one batch per simulated second (one result per endpoint, ~167),
 * for HOURS (2) simulated hours. Both modes run on a simulated clock (store_be.clock_ms),
 * so the folds run as a daemon's do (after a commit, a slice at a time, once an hour has
 * ended and PG_FOLD_GRACE_MS passed). Sizes: while the last hour is still recent, and
 * once it is folded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/util.h"
#include "store/backend.h"
#include "store/pg_int.h"

#define ENDPOINTS	200
#define MIN_MS		60000LL
#define HOUR_MS		3600000LL

int main(int, char **);

static int64_t
scalar(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int64_t v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "pg_bench: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return v;
}

/* Bytes of every results partition (packed and recent) with its indexes. */
static int64_t
results_bytes(PGconn *admin, const char *schema)
{
	char *sql = xasprintf("SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
	    " WHERE inhparent IN ('%s.results_packed'::regclass, '%s.results_recent'::regclass)",
	    schema, schema);
	int64_t v;

	scalar(admin, "CHECKPOINT");
	v = scalar(admin, sql);
	free(sql);
	return v;
}

static int
live(const struct backend_ops *ops, struct store_be *b, PGconn *admin, const char *schema,
    int hours, int n_ep)
{
	static const unsigned char hist[] = { 30, 5 };
	int per_s = (n_ep + 59) / 60;
	/* The simulated clock starts two days ahead, on the hour. */
	int64_t t0 = now_ms() + 2 * 86400000LL, *ids = xcalloc((size_t)n_ep, sizeof(*ids));
	struct be_result *rs = xcalloc((size_t)per_s, sizeof(*rs));
	struct be_latest *ls = xcalloc((size_t)per_s, sizeof(*ls));
	struct be_rollup *ds = xcalloc((size_t)per_s * 2, sizeof(*ds));
	bool *stored = xcalloc((size_t)per_s, sizeof(*stored));
	int64_t total_ms = 0, fold_ms = 0, fold_max = 0, done = 0, rows, bytes, left;

	t0 -= t0 % HOUR_MS;
	for (int e = 0; e < n_ep; e++) {
		char name[32];

		snprintf(name, sizeof(name), "endpoint-%05d", e);
		if ((ids[e] = ops->endpoint_id(b, e % 10 == 0 ? "provider-a" : "provider-b", name,
		    "ocsp")) < 0)
			goto fail;
	}
	for (int64_t sec = 0; sec < (int64_t)hours * 3600; sec++) {
		int64_t sim = t0 + sec * 1000, start = mono_ms();
		int k = 0;

		/* Endpoint e is probed at second e % 60 of each minute: a batch a second. */
		for (int e = (int)(sec % 60); e < n_ep && k < per_s; e += 60) {
			struct be_result *r = &rs[k];
			int64_t j = sec / 60 * n_ep + e;
			bool down = j % 20 == 7;

			memset(r, 0, sizeof(*r));
			r->ep = ids[e];
			r->node = "lu-1";
			r->address = "";
			r->time_ms = sim + e % 997;
			r->code = down ? 4 : 0;
			for (int p = 0; p < PHASE__MAX; p++)
				r->tenths[p] = down && p >= PHASE_TLS ? -1 : 100 + 40 * p + j % 50;
			r->message = down ? "connect to 192.0.2.10:443 timed out after 10000 ms" : NULL;
			ls[k] = (struct be_latest){ r, NULL };
			ds[2 * k] = (struct be_rollup){ .ep = r->ep, .daily = true,
			    .c = { 1, 1, 0, 0, 0, 300000 }, .hist = hist, .hist_len = sizeof(hist) };
			snprintf(ds[2 * k].day, 11, "2026-12-%02d", (int)(1 + sec / 86400 % 28));
			ds[2 * k + 1] = (struct be_rollup){ .ep = r->ep, .daily = false,
			    .hour_ms = r->time_ms - r->time_ms % HOUR_MS,
			    .c = { 1, 1, 0, 0, 0, 300000 }, .hist = hist, .hist_len = sizeof(hist) };
			k++;
		}
		/* The simulated clock: the commit folds when the daemon's would (pg_fold_due). */
		b->clock_ms = sim + 999;
		if (ops->begin(b) != 0 || ops->add_results(b, rs, (size_t)k, stored) != 0 ||
		    ops->set_latest(b, ls, (size_t)k) != 0 ||
		    ops->rollup_add(b, ds, (size_t)k * 2) != 0)
			goto fail;
		{
			int64_t c0 = mono_ms(), d;

			if (ops->commit(b) != 0)
				goto fail;
			d = mono_ms() - c0;
			fold_ms += d;
			if (d > fold_max)
				fold_max = d;
		}
		total_ms += mono_ms() - start;
		done += k;
	}
	rows = ops->count_results(b);
	bytes = results_bytes(admin, schema);
	printf("postgresql live: %d endpoints, %lld results in %d simulated hours, batches of %d"
	    " (one result per endpoint): %.0f results/s, folds included; commits %lld ms in all,"
	    " the longest %lld ms\n", n_ep, (long long)done, hours, per_s,
	    total_ms > 0 ? (double)done * 1000.0 / (double)total_ms : 0,
	    (long long)fold_ms, (long long)fold_max);
	printf("postgresql live size, the last hour still recent: %lld rows, %lld bytes,"
	    " %.1f bytes/result\n", (long long)rows, (long long)bytes,
	    rows > 0 ? (double)bytes / (double)rows : 0);
	{
		int64_t f0 = mono_ms();

		b->clock_ms = t0 + (int64_t)hours * HOUR_MS + PG_FOLD_GRACE_MS;
		if (pg_fold(b, b->clock_ms, 0) != 0)
			goto fail;
		printf("postgresql live: folding the last hour took %lld ms\n",
		    (long long)(mono_ms() - f0));
	}
	rows = ops->count_results(b);
	{
		char *q = xasprintf("SELECT count(*) FROM %s.results_recent", schema);

		left = scalar(admin, q);
		free(q);
	}
	if (rows != done || left != 0) {
		fprintf(stderr, "pg_bench: %lld results stored of %lld, or some left unfolded\n",
		    (long long)rows, (long long)done);
		return 1;
	}
	bytes = results_bytes(admin, schema);
	printf("postgresql live size, every hour folded: %lld rows, %lld bytes,"
	    " %.1f bytes/result\n", (long long)rows, (long long)bytes,
	    rows > 0 ? (double)bytes / (double)rows : 0);
	free(ids);
	free(rs);
	free(ls);
	free(ds);
	free(stored);
	return 0;
fail:
	fprintf(stderr, "pg_bench: %s\n", ops->error(b));
	return 1;
}

int
main(int argc, char **argv)
{
	const struct backend_ops *ops = &pg_backend_ops;
	const char *base = getenv("TW_BENCH_PG") ? getenv("TW_BENCH_PG") : getenv("TW_TEST_PG");
	bool is_live = argc > 1 && strcmp(argv[1], "live") == 0;
	long n = argc > 1 && !is_live ? atol(argv[1]) : 200000;
	long batch = argc > 2 && !is_live ? atol(argv[2]) : 1000;
	int64_t t0 = 1796086800000LL, ids[ENDPOINTS], start, total_ms = 0, add_ms = 0;
	int64_t latest_ms = 0, rollup_ms = 0, commit_ms = 0, fold_ms = 0;
	static const unsigned char hist[] = { 30, 5 };
	struct be_result *rs = xcalloc((size_t)batch, sizeof(*rs));
	struct be_latest *ls = xcalloc((size_t)batch, sizeof(*ls));
	struct be_rollup *ds = xcalloc((size_t)batch * 2, sizeof(*ds));
	bool *stored = xcalloc((size_t)batch, sizeof(*stored));
	char schema[64], *url, *sql, *err = NULL, node[16], *dbase = NULL;
	struct store_be *b;
	PGconn *admin;
	long done = 0;
	int rc = 0;
	int64_t rows, bytes;

	if (base == NULL) {
		printf("skipped: set TW_BENCH_PG to the URL of a PostgreSQL server\n");
		return 0;
	}
	/* postgresql://USER@HOST:PORT/ (as tests/support/pg.sh exports it): its postgres database. */
	if (base[strlen(base) - 1] == '/')
		base = dbase = xasprintf("%spostgres", base);
	admin = PQconnectdb(base);
	if (PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "pg_bench: %s", PQerrorMessage(admin));
		return 1;
	}
	PQclear(PQexec(admin, "SET client_min_messages = warning"));
	snprintf(schema, sizeof(schema), "tw_pg_bench_%d", (int)getpid());
	sql = xasprintf("CREATE SCHEMA %s", schema);
	scalar(admin, sql);
	free(sql);
	url = xasprintf("%s%coptions=-csearch_path%%3D%s", base, strchr(base, '?') ? '&' : '?',
	    schema);
	if ((b = pg_backend_open(url, NULL, true, &err)) == NULL) {
		fprintf(stderr, "pg_bench: %s\n", err);
		return 1;
	}
	if (is_live) {
		rc = live(ops, b, admin, schema, argc > 2 ? atoi(argv[2]) : 2,
		    argc > 3 ? atoi(argv[3]) : 10000);
		goto done;
	}
	snprintf(node, sizeof(node), "lu-1");
	for (int e = 0; e < ENDPOINTS; e++) {
		char name[32];

		snprintf(name, sizeof(name), "endpoint-%03d", e);
		ids[e] = ops->endpoint_id(b, e % 10 == 0 ? "provider-a" : "provider-b", name, "ocsp");
	}
	while (done < n) {
		long k = n - done < batch ? n - done : batch;
		size_t nl = 0, nd = 0;

		for (long i = 0; i < k; i++) {
			long j = done + i;
			struct be_result *r = &rs[i];
			bool down = j % 20 == 7;

			memset(r, 0, sizeof(*r));
			r->ep = ids[j % ENDPOINTS];
			r->node = node;
			r->address = "";
			r->time_ms = t0 + (j / ENDPOINTS) * MIN_MS + (j % ENDPOINTS) * 37;
			r->code = down ? 4 : 0;
			for (int p = 0; p < PHASE__MAX; p++)
				r->tenths[p] = down && p >= PHASE_TLS ? -1 : 100 + 40 * p + j % 50;
			r->message = down ? "connect to 192.0.2.10:443 timed out after 10000 ms" : NULL;
		}
		/* The last result of each endpoint, and one daily and hourly delta per endpoint. */
		for (long i = k > ENDPOINTS ? k - ENDPOINTS : 0; i < k; i++) {
			ls[nl++] = (struct be_latest){ &rs[i], NULL };
			ds[nd] = (struct be_rollup){ .ep = rs[i].ep, .daily = true,
			    .c = { 5, 5, 0, 0, 0, 300000 }, .hist = hist, .hist_len = sizeof(hist) };
			snprintf(ds[nd++].day, 11, "2026-12-%02d",
			    (int)(1 + (rs[i].time_ms - t0) / (24 * HOUR_MS)));
			ds[nd++] = (struct be_rollup){ .ep = rs[i].ep, .daily = false,
			    .hour_ms = rs[i].time_ms - rs[i].time_ms % HOUR_MS,
			    .c = { 5, 5, 0, 0, 0, 300000 }, .hist = hist, .hist_len = sizeof(hist) };
		}
		/* The simulated clock (the batch's last result): folds as a daemon's would. */
		b->clock_ms = rs[k - 1].time_ms + 1000;
		start = mono_ms();
		if (ops->begin(b) != 0)
			goto fail;
		{
			int64_t a0 = mono_ms();

			if (ops->add_results(b, rs, (size_t)k, stored) != 0)
				goto fail;
			add_ms += mono_ms() - a0;
		}
		{
			int64_t a0 = mono_ms();

			if (ops->set_latest(b, ls, nl) != 0)
				goto fail;
			latest_ms += mono_ms() - a0;
			a0 = mono_ms();
			if (ops->rollup_add(b, ds, nd) != 0)
				goto fail;
			rollup_ms += mono_ms() - a0;
			a0 = mono_ms();
			if (ops->commit(b) != 0)
				goto fail;
			commit_ms += mono_ms() - a0;
		}
		total_ms += mono_ms() - start;
		done += k;
	}
	rows = ops->count_results(b);
	bytes = results_bytes(admin, schema);
	printf("postgresql size, the last hour still recent: %lld bytes in results partitions with indexes,"
	    " %.1f bytes/result\n", (long long)bytes, rows > 0 ? (double)bytes / (double)rows : 0);
	{
		int64_t f0 = mono_ms();

		b->clock_ms += HOUR_MS + PG_FOLD_GRACE_MS;	/* the last hour ends */
		if (pg_fold(b, b->clock_ms, 0) != 0)
			goto fail;
		fold_ms = mono_ms() - f0;
	}
	bytes = results_bytes(admin, schema);
	printf("postgresql ingest: %ld results in batches of %ld (results, latest, rollups, commit):"
	    " %.0f results/s; add_results alone %.0f results/s\n", done, batch,
	    total_ms > 0 ? (double)done * 1000.0 / (double)total_ms : 0,
	    add_ms > 0 ? (double)done * 1000.0 / (double)add_ms : 0);
	printf("postgresql time: add_results %lld ms, set_latest %lld ms, rollup_add %lld ms,"
	    " commit %lld ms, folds %lld ms (with them: %.0f results/s)\n", (long long)add_ms,
	    (long long)latest_ms, (long long)rollup_ms, (long long)commit_ms, (long long)fold_ms,
	    (double)done * 1000.0 / (double)(total_ms + fold_ms > 0 ? total_ms + fold_ms : 1));
	printf("postgresql size: %lld rows, %lld bytes in results partitions with indexes,"
	    " %.1f bytes/result\n", (long long)rows, (long long)bytes,
	    rows > 0 ? (double)bytes / (double)rows : 0);
done:
	ops->close(b);
	sql = xasprintf("DROP SCHEMA %s CASCADE", schema);
	scalar(admin, sql);
	free(sql);
	PQfinish(admin);
	free(url);
	free(dbase);
	free(rs);
	free(ls);
	free(ds);
	free(stored);
	return rc;
fail:
	fprintf(stderr, "pg_bench: %s\n", ops->error(b));
	return 1;
}
