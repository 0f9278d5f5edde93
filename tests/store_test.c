/* Store: create, migrate, round trip, reopen, batch insert. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "store/store.h"
#include "tests/support/store_where.h"

static struct conf_provider prov = { .id = "luxtrust", .name = "LuxTrust" };
static struct conf_endpoint eps[2] = {
	{ .id = "ocsp", .kind = KIND_OCSP, .provider = &prov },
	{ .id = "crl", .kind = KIND_CRL, .provider = &prov },
};

static char *
temp_db(void)
{
	char tmpl[] = "/tmp/tw-store-test.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xasprintf("%s/t.db", tmpl);
}

static void
remove_db(char *path)
{
	char *cmd = xasprintf("rm -rf \"$(dirname '%s')\"", path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

static void
fresh_store_is_created_at_the_current_schema(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_integrity_check(s), 0);
	assert_int_equal(store_count_results(s), 0);
	store_close(s);
	store_close(NULL);
}

static void
a_database_from_a_newer_trustwatch_is_refused(void **state)
{
	char *path = temp_db(), *err = NULL;
	sqlite3 *db;
	struct store *s;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = store_open(path, &err);
	assert_null(s);
	assert_non_null(strstr(err, "newer than this trustwatch"));
	free(err);
	remove_db(path);
}

static void
an_older_database_is_migrated_keeping_its_data(void **state)
{
	char *path = temp_db(), *err = NULL;
	sqlite3 *db;
	struct store *s;

	(void)state;
	/* A v0 file: SQLite database with someone's table and no trustwatch schema yet. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE keep (x); INSERT INTO keep VALUES (42);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT x FROM keep", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 42);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	remove_db(path);
}

struct collect {
	int	 n;
	char	 last[512];
};

static int
collect_row(const struct store_row *row, void *arg)
{
	struct collect *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%lld %s/%s %s %s %s %.1f %.1f %s %s",
	    (long long)row->time_ms, row->provider, row->endpoint, row->kind,
	    status_names[row->status], reason_names[row->reason], row->timings[PHASE_DNS],
	    row->timings[PHASE_TOTAL], row->message ? row->message : "-",
	    row->details ? row->details : "-");
	return 0;
}

static void
results_round_trip_and_survive_a_reopen(void **state)
{
	char *path = temp_db(), *err = NULL, *num;
	struct store *s = test_store_open(path, &err);
	struct result r;
	struct store_item it = { .r = &r };
	struct collect c = { 0 };

	(void)state;
	assert_non_null(s);
	result_init(&r, &eps[0], 1796086800123LL);
	result_flag(&r, REASON_SIGNATURE_INVALID, "OCSP response signature does not verify");
	r.timings[PHASE_DNS] = 0.4;
	r.timings[PHASE_TOTAL] = 12.9;
	json_object_set_new(r.details, "cert_status", json_string("good"));
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);

	result_init(&r, &eps[1], 1796086800999LL);
	json_object_set_new(r.details, "number", json_string("123456789012345678901234567890"));
	r.memory = xstrdup("123456789012345678901234567890");	/* the kind memory, kept as is */
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
	store_close(s);

	s = test_store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_count_results(s), 2);
	assert_int_equal(store_each_result(s, 0, INT64_MAX, "luxtrust", collect_row, &c), 0);
	assert_int_equal(c.n, 2);
	/* Ordered by provider, endpoint, time: crl first, then ocsp. */
	assert_string_equal(c.last, "1796086800123 luxtrust/ocsp ocsp down signature_invalid 0.4 12.9 "
	    "OCSP response signature does not verify {\"cert_status\":\"good\"}");
	num = store_kind_memory(s, "luxtrust", "crl");
	assert_string_equal(num, "123456789012345678901234567890");
	free(num);
	assert_null(store_kind_memory(s, "luxtrust", "ocsp"));
	c.n = 0;
	assert_int_equal(store_each_result(s, 0, INT64_MAX, "other", collect_row, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(store_integrity_check(s), 0);
	store_close(s);
	remove_db(path);
}

static void
endpoint_ids_are_stable(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	int64_t a, b, a2;

	(void)state;
	a = store_endpoint_id(s, "p", "a", "login");
	b = store_endpoint_id(s, "p", "b", "ocsp");
	a2 = store_endpoint_id(s, "p", "a", "login");
	assert_true(a > 0 && b > 0 && a != b);
	assert_int_equal(a, a2);
	store_close(s);
}

static void
a_batch_of_100000_results_is_stored_in_one_transaction(void **state)
{
	enum { N = 100000 };
	char *path = temp_db(), *err = NULL;
	struct store *s = test_store_open(path, &err);
	struct result *rs = xcalloc(N, sizeof(*rs));
	struct store_item *items = xcalloc(N, sizeof(*items));

	(void)state;
	for (int i = 0; i < N; i++) {
		result_init(&rs[i], &eps[i % 2], 1796086800000LL + (int64_t)(i / 2) * 60000);
		rs[i].timings[PHASE_TOTAL] = 10 + i % 50;
		if (i % 1000 == 0)
			result_flag(&rs[i], REASON_TIMEOUT, "timed out after 10 s");
		items[i].r = &rs[i];
	}
	assert_int_equal(store_add_results(s, items, N), 0);
	assert_int_equal(store_count_results(s), N);
	assert_int_equal(store_integrity_check(s), 0);
	for (int i = 0; i < N; i++)
		result_clear(&rs[i]);
	free(rs);
	free(items);
	store_close(s);
	remove_db(path);
}

static void
a_failed_batch_stores_nothing(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct result r[2];
	struct store_item items[2] = { { .r = &r[0] }, { .r = &r[1] } };
	struct conf_provider bad = { .id = NULL };
	struct conf_endpoint badep = { .id = "x", .provider = &bad };

	(void)state;
	result_init(&r[0], &eps[0], 1000);
	result_init(&r[1], &badep, 2000);	/* NULL provider id violates NOT NULL */
	assert_int_equal(store_add_results(s, items, 2), -1);
	assert_int_equal(store_count_results(s), 0);
	result_clear(&r[0]);
	result_clear(&r[1]);
	store_close(s);
}

static int
collect_incident(const struct store_incident *inc, void *arg)
{
	struct collect *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%s/%s %lld..%lld %s %s", inc->provider, inc->endpoint,
	    (long long)inc->start_ms, (long long)inc->end_ms, inc->worst, inc->reasons);
	return 0;
}

/* Stores one result of eps[0] at t: 'u' up, 'd' down (connect), 's' down (signature). */
static void
store_one(struct store *s, char kind, int64_t t)
{
	struct result r;
	struct store_item it = { .r = &r };

	result_init(&r, &eps[0], t);
	if (kind == 'd')
		result_flag(&r, REASON_CONNECT, "connection refused");
	else if (kind == 's')
		result_flag(&r, REASON_SIGNATURE_INVALID, "bad signature");
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
}

/* Stores one result for eps[ep]: 'd' down, else up. */
static void
store_one_at(struct store *s, size_t ep, char kind, int64_t t)
{
	struct result r;
	struct store_item it = { .r = &r };

	result_init(&r, &eps[ep], t);
	if (kind == 'd')
		result_flag(&r, REASON_CONNECT, "connection refused");
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
}

static void
incidents_open_and_resolve_across_restarts_without_duplicates(void **state)
{
	char *path = temp_db(), *err = NULL;
	struct store *s = test_store_open(path, &err);
	struct collect c = { 0 };
	const char *seq = "udddsuu";

	(void)state;
	/* Reopen the store before every result, as a daemon killed after each commit would. */
	for (int i = 0; seq[i]; i++) {
		store_one(s, seq[i], 1000 * (i + 1));
		store_close(s);
		s = test_store_open(path, &err);
		assert_non_null(s);
	}
	assert_int_equal(store_each_incident(s, NULL, 0, collect_incident, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last, "luxtrust/ocsp 2000..6000 down connect;signature_invalid");
	/* A new failure streak opens a second incident, still open. */
	c.n = 0;
	for (int i = 0; i < 3; i++)
		store_one(s, 'd', 10000 + i * 1000);
	assert_int_equal(store_each_incident(s, "luxtrust", 7000, collect_incident, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last, "luxtrust/ocsp 10000..-1 down connect");
	store_close(s);
	remove_db(path);
}

static int
collect_rollup(const struct store_rollup *r, void *arg)
{
	struct collect *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%s/%s %s checks=%lld up=%lld deg=%lld down=%lld maint=%lld"
	    " up_ms=%lld down_ms=%lld maint_ms=%lld uptime=%.1f p50=%.1f p95=%.1f",
	    r->provider, r->endpoint, r->day ? r->day : "-", (long long)r->checks,
	    (long long)r->up, (long long)r->degraded, (long long)r->down,
	    (long long)r->maintenance, (long long)r->up_ms, (long long)r->down_ms,
	    (long long)r->maintenance_ms, r->uptime_pct, r->p50_ms, r->p95_ms);
	return 0;
}

static void
rollups_count_time_latency_and_maintenance(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct collect c = { 0 };
	struct store_rollup u;
	/* 2026-12-01T23:30Z in two batches; in Europe/Luxembourg (UTC+1) that is the 2nd. */
	int64_t t0 = 1796167800000LL;

	(void)state;
	eps[0].interval_ms = 60000;
	store_set_timezone(s, "Europe/Luxembourg");
	for (int batch = 0; batch < 2; batch++) {
		struct result r[10];
		struct store_item it[10] = { { 0 } };

		for (int i = 0; i < 10; i++) {
			int k = batch * 10 + i;

			result_init(&r[i], &eps[0], t0 + k * 60000LL);
			r[i].timings[PHASE_TOTAL] = k < 19 ? 10.0 : 1000.0;
			if (k == 5)
				result_flag(&r[i], REASON_SLOW, "slow");
			if (k == 6)
				result_flag(&r[i], REASON_TIMEOUT, "timeout");
			it[i].r = &r[i];
			it[i].maintenance = k == 7;
		}
		assert_int_equal(store_add_results(s, it, 10), 0);
		for (int i = 0; i < 10; i++)
			result_clear(&r[i]);
	}
	assert_int_equal(store_each_daily(s, "2026-12-01", "2026-12-31", NULL, collect_rollup, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last, "luxtrust/ocsp 2026-12-02 checks=20 up=17 deg=1 down=1 maint=1"
	    " up_ms=1020000 down_ms=60000 maint_ms=60000 uptime=94.7 p50=10.8 p95=1175.5");
	/* Two UTC hours: 23:30-23:59 and 00:00-00:19 … all inside [t0, t0 + 1h). */
	c.n = 0;
	assert_int_equal(store_each_hourly(s, 0, INT64_MAX, "luxtrust", collect_rollup, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_uptime(s, "luxtrust", "ocsp", t0, t0 + 3600000, &u), 0);
	assert_int_equal(u.checks, 20);
	assert_true(u.p99_ms > 900 && u.p99_ms < 1300);
	assert_int_equal(store_uptime(s, "luxtrust", "ocsp", t0 + 7200000, t0 + 9000000, &u), 0);
	assert_int_equal(u.checks, 0);
	assert_true(u.uptime_pct < 0);
	assert_int_equal(store_prune(s, INT64_MAX, INT64_MAX), 20 + 1);
	assert_int_equal(store_count_results(s), 0);
	c.n = 0;
	assert_int_equal(store_each_daily(s, "2026-12-01", "2026-12-31", NULL, collect_rollup, &c), 0);
	assert_int_equal(c.n, 1);		/* daily rollups are kept forever */
	store_set_timezone(s, NULL);
	store_close(s);
}

/*
 * store_uptime_windows (one pass for every endpoint and window) gives what store_uptime
 * gives for each, including an endpoint with no rollup in a window and one not stored.
 */
struct ep_count {
	char	 seen[256];
	int	 calls;
};

static int
on_ep_count(const char *provider, const char *endpoint, int64_t n, void *arg)
{
	struct ep_count *c = arg;
	size_t len = strlen(c->seen);

	snprintf(c->seen + len, sizeof(c->seen) - len, "%s/%s=%lld;", provider, endpoint,
	    (long long)n);
	c->calls++;
	return 0;
}

/* Sorts the "p/e=n;" entries of seen, so that the comparison does not depend on the order. */
static void
sort_seen(char *seen)
{
	char *parts[16], buf[256] = "";
	int n = 0;

	for (char *p = strtok(seen, ";"); p != NULL && n < 16; p = strtok(NULL, ";"))
		parts[n++] = p;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(parts[j - 1], parts[j]) > 0; j--) {
			char *x = parts[j];

			parts[j] = parts[j - 1];
			parts[j - 1] = x;
		}
	for (int i = 0; i < n; i++) {
		strcat(buf, parts[i]);
		strcat(buf, ";");
	}
	strcpy(seen, buf);
}

/*
 * Results per endpoint over whole UTC hours (the render cache's key of today's rows on
 * PostgreSQL): raw observations (no rollup) and results stored late count, other hours do
 * not; a range that is not whole hours is refused.
 */
static void
results_are_counted_per_endpoint_over_whole_hours(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	int64_t h0 = 1796169600000LL;	/* 2026-12-01T00:00:00Z */
	struct result r;
	struct store_item it = { .r = &r };
	struct ep_count c = { .seen = "" };

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	/* ocsp: one a minute for 3 hours; crl: one in hour 1 (raw), one in hour 3 */
	for (int k = 0; k < 180; k++) {
		result_init(&r, &eps[0], h0 + k * 60000LL);
		assert_int_equal(store_add_results(s, &it, 1), 0);
		result_clear(&r);
	}
	result_init(&r, &eps[1], h0 + 3600000LL + 5);
	it.raw = true;
	it.node = "lu-2";
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
	it.raw = false;
	it.node = NULL;
	result_init(&r, &eps[1], h0 + 3 * 3600000LL + 5);
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
	assert_int_equal(store_count_results_by_endpoint(s, h0, h0 + 2 * 3600000LL, on_ep_count,
	    &c), 0);
	sort_seen(c.seen);
	assert_string_equal(c.seen, "luxtrust/crl=1;luxtrust/ocsp=120;");
	/* a result stored late into hour 0 raises the count */
	result_init(&r, &eps[0], h0 + 30 * 60000LL + 7);
	it.replay = true;
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_count_results_by_endpoint(s, h0, h0 + 3600000LL, on_ep_count,
	    &c), 0);
	assert_string_equal(c.seen, "luxtrust/ocsp=61;");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_count_results_by_endpoint(s, h0 + 4 * 3600000LL,
	    h0 + 5 * 3600000LL, on_ep_count, &c), 0);
	assert_int_equal(c.calls, 0);
	assert_int_equal(store_count_results_by_endpoint(s, h0 + 1, h0 + 3600000LL, on_ep_count,
	    &c), -1);
	store_close(s);
}

static void
uptime_windows_match_store_uptime(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	int64_t t0 = 1796167800000LL, now = t0 + 20 * 86400000LL;
	const char *pv[] = { "luxtrust", "nobody", "luxtrust" }, *id[] = { "crl", "ocsp", "ocsp" };
	int64_t from[] = { now - 86400000LL, now - 7 * 86400000LL, now - 30 * 86400000LL, now };
	struct store_rollup win[3 * 4], u;
	unsigned seed = 7;

	(void)state;
	eps[0].interval_ms = eps[1].interval_ms = 3600000;
	/* ocsp: one result an hour for 20 days; crl: only in the first 10 days */
	for (int k = 0; k < 20 * 24; k++) {
		struct result r[2];
		struct store_item it[2] = { { 0 } };
		size_t n = 0;

		for (int e = 0; e < 2; e++) {
			if (e == 1 && k >= 10 * 24)
				continue;
			result_init(&r[n], &eps[e], t0 + k * 3600000LL + e * 1000);
			seed = seed * 1103515245u + 12345u;
			/* slower by the hour: every hour's histogram counts in the percentiles */
			r[n].timings[PHASE_TOTAL] = (double)(4 * k + (seed >> 16 & 63));
			if (seed % 7 == 0)
				result_flag(&r[n], REASON_TIMEOUT, "timeout");
			else if (seed % 5 == 0)
				result_flag(&r[n], REASON_SLOW, "slow");
			it[n].r = &r[n];
			it[n].maintenance = seed % 11 == 0;
			n++;
		}
		assert_int_equal(store_add_results(s, it, n), 0);
		for (size_t i = 0; i < n; i++)
			result_clear(&r[i]);
	}
	assert_int_equal(store_uptime_windows(s, pv, id, 3, from, 4, now + 1, win), 0);
	for (int i = 0; i < 3; i++)
		for (int w = 0; w < 4; w++) {
			const struct store_rollup *a = &win[i * 4 + w];

			assert_int_equal(store_uptime(s, pv[i], id[i], from[w], now + 1, &u), 0);
			assert_int_equal(a->checks, u.checks);
			assert_int_equal(a->up, u.up);
			assert_int_equal(a->degraded, u.degraded);
			assert_int_equal(a->down, u.down);
			assert_int_equal(a->maintenance, u.maintenance);
			assert_int_equal(a->up_ms, u.up_ms);
			assert_int_equal(a->down_ms, u.down_ms);
			assert_int_equal(a->maintenance_ms, u.maintenance_ms);
			assert_true(a->uptime_pct == u.uptime_pct);
			assert_true(a->p50_ms == u.p50_ms && a->p95_ms == u.p95_ms &&
			    a->p99_ms == u.p99_ms);
		}
	/* what the data gives: 24 hours of ocsp, none of crl lately, nothing for "nobody" */
	assert_int_equal(win[2 * 4 + 0].checks, 24);
	assert_int_equal(win[2 * 4 + 2].checks, 20 * 24);
	assert_true(win[2 * 4 + 2].down > 0 && win[2 * 4 + 2].degraded > 0);
	assert_int_equal(win[0 * 4 + 1].checks, 0);
	assert_int_equal(win[0 * 4 + 2].checks, 10 * 24);
	assert_int_equal(win[1 * 4 + 2].checks, 0);
	assert_true(win[1 * 4 + 2].uptime_pct < 0 && win[1 * 4 + 2].p50_ms < 0);
	assert_int_equal(win[2 * 4 + 3].checks, 0);	/* the hour of now: none yet */
	store_close(s);
}

static int
collect_endpoint(const struct store_endpoint_state *e, void *arg)
{
	struct collect *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%s/%s %s %s %s inc=%lld total=%.1f %s", e->provider,
	    e->endpoint, e->kind, status_names[e->status], reason_names[e->reason],
	    (long long)e->open_incident, e->timings[PHASE_TOTAL], e->details ? e->details : "-");
	return 0;
}

static int
collect_note(const struct store_note *n, void *arg)
{
	struct collect *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%lld %s", (long long)n->time_ms, n->text);
	return 0;
}

static void
endpoint_state_and_notes_are_read_back(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct collect c = { 0 };

	(void)state;
	store_set_incident_policy(s, 1, 1);
	store_one(s, 's', 5000);
	assert_int_equal(store_each_endpoint(s, NULL, collect_endpoint, &c), 0);
	assert_string_equal(c.last, "luxtrust/ocsp ocsp down signature_invalid inc=1 total=-1.0 -");
	assert_int_equal(store_add_note(s, 1, 6000, "HSM failover <b>tested</b>"), 0);
	assert_int_equal(store_add_note(s, 99, 6000, "no such incident"), 1);
	c.n = 0;
	assert_int_equal(store_each_note(s, 1, collect_note, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last, "6000 HSM failover <b>tested</b>");
	c.n = 0;
	assert_int_equal(store_get_incident(s, 1, collect_incident, &c), 1);
	assert_string_equal(c.last, "luxtrust/ocsp 5000..-1 down signature_invalid");
	assert_int_equal(store_get_incident(s, 2, collect_incident, &c), 0);
	store_close(s);
}

struct dues {
	int	 n;
	char	 keys[8][32];
	int64_t	 incident[8];
};

static int
collect_due(const struct store_alert_due *d, void *arg)
{
	struct dues *x = arg;

	if (x->n < 8) {
		snprintf(x->keys[x->n], sizeof(x->keys[0]), "%s", d->event_key);
		x->incident[x->n] = d->incident;
	}
	x->n++;
	return 0;
}

static int
count_mail(const struct store_mail *m, void *arg)
{
	struct collect *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%lld %s %s %s", (long long)m->id, m->event_key,
	    m->recipients, m->subject);
	return 0;
}

struct seen_tr {
	int		 n;
	char		 line[4][96];
};

static void
note_transition(const struct store_transition *t, void *arg)
{
	struct seen_tr *x = arg;

	if (x->n < 4)
		snprintf(x->line[x->n++], sizeof(x->line[0]), "%lld %s %s/%s %s %lld", (long long)t->incident,
		    t->resolved ? "resolved" : "opened", t->provider, t->endpoint, t->reasons,
		    (long long)(t->resolved ? t->end_ms - t->start_ms : 0));
}

static void
committed_incident_transitions_are_handed_out_once(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct seen_tr x = { 0 };
	int64_t now = 1796086800000LL;

	(void)state;
	store_set_incident_policy(s, 1, 1);
	store_one_at(s, 0, 'd', now);
	store_one_at(s, 0, 'u', now + 60000);
	store_one_at(s, 1, 'd', now + 60000);
	store_take_transitions(s, note_transition, &x);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.line[0], "1 opened luxtrust/ocsp connect 0");
	assert_string_equal(x.line[1], "1 resolved luxtrust/ocsp connect 60000");
	assert_string_equal(x.line[2], "2 opened luxtrust/crl connect 0");
	x.n = 0;
	store_take_transitions(s, note_transition, &x);
	assert_int_equal(x.n, 0);
	store_one_at(s, 1, 'd', now + 120000);	/* still open: no transition */
	store_close(s);	/* frees what was not taken */
}

static void
a_digest_queues_several_openings_as_one_mail_with_their_webhooks_once(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct dues d = { 0 };
	struct collect c = { 0 };
	int64_t now = 1796086800000LL, ids[2];
	struct store_outbox_row hooks[2] = {
		{ 0, "webhook-1:opened", "http://h/", "[DOWN] x", "{}" },
		{ 0, "webhook-1:opened", "http://h/", "[DOWN] y", "{}" },
	};

	(void)state;
	store_set_incident_policy(s, 1, 1);
	store_one_at(s, 0, 'd', now);
	store_one_at(s, 1, 'd', now + 10);
	assert_int_equal(store_each_alert_due(s, now + 1000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 2);
	ids[0] = d.incident[0];
	ids[1] = d.incident[1];
	hooks[0].incident = ids[0];
	hooks[1].incident = ids[1];
	assert_int_equal(store_outbox_add_digest(s, ids, 2, "opened", "a@b.c", "[DOWN] 2 incidents",
	    "body", hooks, 2, now + 1000), 0);
	/* Neither incident is due on its own any more, and the digest is one row. */
	d.n = 0;
	assert_int_equal(store_each_alert_due(s, now + 2000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(store_each_mail_due(s, now + 3000, count_mail, &c), 0);
	assert_int_equal(c.n, 3);	/* the digest and a webhook row per incident */
	/* Queued once: a replay after a crash changes nothing. */
	assert_int_equal(store_outbox_add_digest(s, ids, 2, "opened", "a@b.c", "[DOWN] 2 incidents",
	    "body", hooks, 2, now + 3000), 1);
	c.n = 0;
	assert_int_equal(store_each_mail_due(s, now + 3000, count_mail, &c), 0);
	assert_int_equal(c.n, 3);
	/* A reminder is due for each, an hour after the digest. */
	assert_int_equal(store_each_alert_due(s, now + 3601000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.keys[0], "reminder-1");
	assert_string_equal(d.keys[1], "reminder-1");
	store_close(s);
}

static void
outbox_queues_each_transition_once_and_retries(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct dues d = { 0 };
	struct collect c = { 0 };
	int64_t now = 1796086800000LL;

	(void)state;
	store_set_incident_policy(s, 1, 1);
	assert_int_equal(store_incident_changes(s), 0);
	store_one(s, 'd', now);
	assert_int_equal(store_incident_changes(s), 1);	/* opened */
	assert_int_equal(store_each_alert_due(s, now + 1000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.keys[0], "opened");
	assert_int_equal(store_outbox_add(s, d.incident[0], "opened", "a@b.c", "[DOWN] x", "body",
	    now + 1000), 0);
	/* Queued once: a second attempt (a crash replayed) changes nothing. */
	assert_int_equal(store_outbox_add(s, d.incident[0], "opened", "a@b.c", "[DOWN] x", "body",
	    now + 2000), 1);
	d.n = 0;
	assert_int_equal(store_each_alert_due(s, now + 2000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 0);
	/* An hour later a reminder is due. */
	assert_int_equal(store_each_alert_due(s, now + 3601000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.keys[0], "reminder-1");
	assert_int_equal(store_outbox_add(s, d.incident[0], "reminder-1", "a@b.c", "[STILL DOWN] x",
	    "body", now + 3601000), 0);
	/* Mail due, fails, is retried later, then sent. */
	assert_int_equal(store_each_mail_due(s, now + 3601000, count_mail, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(store_mail_failed(s, 1, "connection refused", now + 3700000, false), 0);
	c.n = 0;
	assert_int_equal(store_each_mail_due(s, now + 3650000, count_mail, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_mail_sent(s, 2, now + 3650000), 0);
	c.n = 0;
	assert_int_equal(store_each_mail_due(s, now + 3700000, count_mail, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last, "1 opened a@b.c [DOWN] x");
	assert_int_equal(store_mail_failed(s, 1, "gave up", now + 3700000, true), 0);
	c.n = 0;
	assert_int_equal(store_each_mail_due(s, INT64_MAX, count_mail, &c), 0);
	assert_int_equal(c.n, 0);
	/* Resolution is due once. */
	store_one(s, 'u', now + 4000000);
	assert_int_equal(store_incident_changes(s), 2);	/* resolved */
	d.n = 0;
	assert_int_equal(store_each_alert_due(s, now + 4000000, 3600000, collect_due, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.keys[0], "resolved");
	store_close(s);
}

/* Operator alerts (a vantage node silent, heard again): keyed rows without an incident. */
static void
operator_alerts_are_queued_once_per_key(void **state)
{
	char *err = NULL, *key = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct collect c = { 0 };
	int64_t now = 1796086800000LL;
	const struct store_outbox_row silent[2] = {
		{ 0, "node-silent:n3:1000", "noc@example.test", "[NODE SILENT] n3", "body" },
		{ 0, "webhook-0000abcd:node-silent:n3:1000", "http://127.0.0.1:9/h", "[NODE SILENT] n3",
		    "{}" },
	};
	const struct store_outbox_row heard = { 0, "node-heard:n3:1000", "noc@example.test",
	    "[NODE BACK] n3", "body" };
	const struct store_outbox_row other = { 0, "node-silent:n3-b:2000", "noc@example.test",
	    "[NODE SILENT] n3-b", "body" };

	(void)state;
	assert_non_null(s);
	assert_int_equal(store_outbox_find_keyed(s, "node-silent:n3:", &key), 0);
	assert_null(key);
	assert_int_equal(store_outbox_add_keyed(s, silent, 2, now), 2);
	/* the next leader derives the same keys: nothing queued again */
	assert_int_equal(store_outbox_add_keyed(s, silent, 2, now + 1000), 0);
	assert_int_equal(store_outbox_add_keyed(s, &other, 1, now + 1000), 1);
	assert_int_equal(store_outbox_find_keyed(s, "node-silent:n3:", &key), 1);
	assert_string_equal(strstr(key, "node-silent:n3:"), "node-silent:n3:1000");
	FREE_NULL(key);
	assert_int_equal(store_outbox_find_keyed(s, "node-heard:n3:", &key), 0);
	assert_int_equal(store_outbox_add_keyed(s, &heard, 1, now + 2000), 1);
	assert_int_equal(store_outbox_add_keyed(s, &heard, 1, now + 3000), 0);
	assert_int_equal(store_outbox_find_keyed(s, "node-heard:n3:", &key), 1);
	assert_string_equal(key, "node-heard:n3:1000");
	FREE_NULL(key);
	/* an incident's event key is not an operator alert's */
	assert_int_equal(store_outbox_find_keyed(s, "opened", &key), 0);
	/* all four rows are due mail (or POSTs), without an incident */
	assert_int_equal(store_each_mail_due(s, now + 3000, count_mail, &c), 0);
	assert_int_equal(c.n, 4);
	store_close(s);
}

/* A store another process holds the write lock of: a write fails at once, never waits 5 s. */
static void
a_write_to_a_locked_store_fails_within_its_short_busy_timeout(void **state)
{
	char *path = temp_db(), *err = NULL;
	struct store *s = store_open(path, &err);
	struct result r;
	struct store_item it = { .r = &r };
	sqlite3 *other;
	int64_t t0;

	(void)state;
	assert_non_null(s);
	store_set_busy_timeout(s, 10);
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	result_init(&r, &eps[0], 1796086800000LL);
	t0 = mono_ms();
	assert_int_equal(store_add_results(s, &it, 1), -1);
	assert_true(mono_ms() - t0 < 1000);
	assert_non_null(strstr(store_error(s), "locked"));
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_add_results(s, &it, 1), 0);
	assert_int_equal(store_count_results(s), 1);
	result_clear(&r);
	store_close(s);
	remove_db(path);
}

static int
count_incident(const struct store_incident *in, void *arg)
{
	(void)in;
	(*(int *)arg)++;
	return 0;
}

/* A spool replayed twice (a crash between the store's commit and the spool's removal). */
static void
a_replayed_result_stored_before_is_skipped_with_its_rollup_and_incident_step(void **state)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);
	struct result r[3];
	struct store_item it[3];
	struct store_rollup u;
	int n_inc = 0;

	(void)state;
	assert_non_null(s);
	store_set_incident_policy(s, 3, 2);
	for (int i = 0; i < 3; i++) {
		result_init(&r[i], &eps[0], 1796086800000LL + i * 60000);
		result_flag(&r[i], REASON_CONNECT, "refused");
		it[i] = (struct store_item){ .r = &r[i], .replay = true };
	}
	assert_int_equal(store_add_results(s, it, 2), 0);
	/* Again, plus one new: only the new one counts, and it is the third failure. */
	assert_int_equal(store_add_results(s, it, 3), 0);
	assert_int_equal(store_count_results(s), 3);
	assert_int_equal(store_uptime(s, "luxtrust", "ocsp", 0, INT64_MAX, &u), 0);
	assert_int_equal(u.checks, 3);
	assert_int_equal(store_each_incident(s, NULL, 0, count_incident, &n_inc), 0);
	assert_int_equal(n_inc, 1);
	for (int i = 0; i < 3; i++)
		result_clear(&r[i]);
	store_close(s);
}

static int
first_message(const struct store_row *row, void *arg)
{
	snprintf(arg, 64, "%s|%s", row->message ? row->message : "-", reason_names[row->reason]);
	return 1;
}

/* Results are append-only: a second result under the same key never replaces the first. */
static void
a_stored_result_is_never_replaced_and_nodes_and_addresses_are_distinct_keys(void **state)
{
	char *err = NULL, got[64] = "";
	struct store *s = test_store_open(":memory:", &err);
	struct result a, b;
	struct store_item it;

	(void)state;
	assert_non_null(s);
	result_init(&a, &eps[0], 1796086800000LL);
	result_flag(&a, REASON_CONNECT, "first");
	result_init(&b, &eps[0], 1796086800000LL);
	result_flag(&b, REASON_TIMEOUT, "second");
	it = (struct store_item){ .r = &a };
	assert_int_equal(store_add_results(s, &it, 1), 0);
	it = (struct store_item){ .r = &b };
	assert_int_equal(store_add_results(s, &it, 1), 0);
	assert_int_equal(store_count_results(s), 1);
	assert_int_equal(store_each_result(s, 0, INT64_MAX, NULL, first_message, got), 0);
	assert_string_equal(got, "first|connect");
	/* The same time from another node or address is another result. */
	it = (struct store_item){ .r = &b, .node = "lu-2" };
	assert_int_equal(store_add_results(s, &it, 1), 0);
	it = (struct store_item){ .r = &b, .address = "192.0.2.7" };
	assert_int_equal(store_add_results(s, &it, 1), 0);
	assert_int_equal(store_count_results(s), 3);
	result_clear(&a);
	result_clear(&b);
	store_close(s);
}

/* A store written by the previous schema (v1: results keyed by endpoint and time) is migrated. */
static void
a_v1_store_is_migrated_keeping_its_results(void **state)
{
	char *path = temp_db(), *err = NULL, got[64] = "", *sql;
	size_t len;
	sqlite3 *db;
	struct store *s;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(file_read("tests/fixtures/store-v1.sql", 1 << 20, (unsigned char **)&sql, &len), 0);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(db);
	s = store_open(path, &err);
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_count_results(s), 1);
	assert_int_equal(store_each_result(s, 0, INT64_MAX, NULL, first_message, got), 0);
	assert_string_equal(got, "old|dns");
	store_close(s);
	remove_db(path);
}

struct node_seen {
	int	 n;
	char	 last[160];
};

static int
node_row(const struct store_node *n, void *arg)
{
	struct node_seen *c = arg;

	c->n++;
	snprintf(c->last, sizeof(c->last), "%s|%s|%lld|%lld|%d|%lld", n->id, n->location,
	    (long long)n->last_seen_ms, (long long)n->started_ms, n->leader,
	    (long long)n->results_24h);
	return 0;
}

static int
node_latest_row(const struct store_node_result *r, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s/%s@%s=%lld:%s;", r->provider, r->endpoint, r->node,
	    (long long)r->time_ms, reason_names[r->reason]);
	return 0;
}

/* Several vantage nodes: raw results feed nothing, verdicts feed without a row. */
static void
raw_results_and_verdicts_and_nodes(void **state)
{
	char *err = NULL;
	struct store *s = store_open(":memory:", &err);
	struct result r[4];
	struct store_item it[4];
	struct store_rollup u;
	struct node_seen seen = { 0 };
	struct buf b = { 0 };
	int n_inc = 0;

	(void)state;
	assert_non_null(s);
	store_set_incident_policy(s, 1, 1);
	result_init(&r[0], &eps[0], 1796086800000LL);
	result_flag(&r[0], REASON_CONNECT, "refused");
	result_init(&r[1], &eps[0], 1796086801000LL);
	result_init(&r[2], &eps[0], 1796086860000LL);
	result_flag(&r[2], REASON_TIMEOUT, "slow lu-2");
	it[0] = (struct store_item){ .r = &r[0], .node = "lu-1", .raw = true };
	it[1] = (struct store_item){ .r = &r[1], .node = "lu-2", .raw = true };
	it[2] = (struct store_item){ .r = &r[2], .node = "lu-2", .raw = true };
	assert_int_equal(store_add_results(s, it, 3), 0);
	assert_int_equal(store_count_results(s), 3);
	/* Raw results: no rollup, no incident. */
	assert_int_equal(store_uptime(s, "luxtrust", "ocsp", 0, INT64_MAX, &u), 0);
	assert_int_equal(u.checks, 0);
	assert_int_equal(store_each_incident(s, NULL, 0, count_incident, &n_inc), 0);
	assert_int_equal(n_inc, 0);
	/* Each node's newest. */
	assert_int_equal(store_each_node_latest(s, NULL, 0, node_latest_row, &b), 0);
	buf_append(&b, "", 1);
	assert_string_equal((char *)b.data,
	    "luxtrust/ocsp@lu-1=1796086800000:connect;luxtrust/ocsp@lu-2=1796086860000:timeout;");
	buf_free(&b);
	/* The same for named endpoints only (the leader's due ones). */
	{
		const char *pv[2] = { "nobody", "luxtrust" }, *ev[2] = { "x", "ocsp" };

		memset(&b, 0, sizeof(b));
		assert_int_equal(store_each_node_latest_of(s, 2, pv, ev, 1796086850000LL,
		    node_latest_row, &b), 0);
		buf_append(&b, "", 1);
		assert_string_equal((char *)b.data, "luxtrust/ocsp@lu-2=1796086860000:timeout;");
		buf_free(&b);
		memset(&b, 0, sizeof(b));
		assert_int_equal(store_each_node_latest_of(s, 1, pv, ev, 0, node_latest_row, &b),
		    0);
		assert_int_equal(b.len, 0);
		buf_free(&b);
		memset(&b, 0, sizeof(b));
	}
	/* A down verdict: a rollup and an incident, no row. */
	result_init(&r[3], &eps[0], 1796086870000LL);
	result_flag(&r[3], REASON_TIMEOUT, "seen down from lu-1, lu-2");
	it[3] = (struct store_item){ .r = &r[3], .verdict = true };
	assert_int_equal(store_add_results(s, &it[3], 1), 0);
	assert_int_equal(store_count_results(s), 3);
	assert_int_equal(store_uptime(s, "luxtrust", "ocsp", 0, INT64_MAX, &u), 0);
	assert_int_equal(u.checks, 1);
	assert_int_equal(u.down, 1);
	assert_int_equal(store_each_incident(s, NULL, 0, count_incident, &n_inc), 0);
	assert_int_equal(n_inc, 1);
	/* Heartbeats. */
	assert_int_equal(store_node_heartbeat(s, "lu-1", "Luxembourg", 1000, true, false, 0), 0);
	assert_int_equal(store_node_heartbeat(s, "lu-1", "Luxembourg (POST)", 2000, false, true,
	    42), 0);
	assert_int_equal(store_each_node(s, node_row, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.last, "lu-1|Luxembourg (POST)|2000|1000|1|42");
	assert_int_equal(store_try_leader(s), 1);
	for (int i = 0; i < 4; i++)
		result_clear(&r[i]);
	store_close(s);
}

static void
open_existing_never_creates_a_database(void **state)
{
	char *path = temp_db(), *err = NULL;
	struct store *s;
	FILE *f;

	(void)state;
	assert_null(store_open_existing(path, &err));
	assert_non_null(strstr(err, path));
	free(err);
	assert_int_not_equal(access(path, F_OK), 0);
	/* An empty file (a store truncated or replaced by an empty one) is no store either. */
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_null(store_open_existing(path, &err));
	assert_non_null(strstr(err, "not a trustwatch store"));
	free(err);
	unlink(path);
	assert_non_null(s = store_open(path, &err));
	store_close(s);
	assert_non_null(s = store_open_existing(path, &err));
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	remove_db(path);
}

static void
a_store_file_deleted_or_replaced_under_an_open_store_is_detected(void **state)
{
	char *path = temp_db(), *err = NULL, *other = xasprintf("%s.new", path);
	struct store *s = store_open(path, &err), *m = store_open(":memory:", &err);
	FILE *f;

	(void)state;
	assert_non_null(s);
	assert_int_equal(store_file_check(s), 0);
	assert_int_equal(store_file_check(m), 0);
	assert_non_null(f = fopen(other, "w"));
	fclose(f);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(store_file_check(s), -1);
	assert_non_null(strstr(store_error(s), "replaced"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(store_file_check(s), -1);
	assert_non_null(strstr(store_error(s), "deleted"));
	store_close(s);
	store_close(m);
	free(other);
	remove_db(path);
}

struct inc_times {
	int		 n;
	int64_t		 start, end;
};

static int
incident_times(const struct store_incident *in, void *arg)
{
	struct inc_times *t = arg;

	t->n++;
	t->start = in->start_ms;
	t->end = in->end_ms;
	return 0;
}

/* Issue 13: the clock moved back 2 h during an open incident gave it a duration of -7195 s. */
static void
an_incident_never_ends_before_it_began_when_the_clock_goes_back(void **state)
{
	char *path = temp_db(), *err = NULL;
	struct store *s = store_open(path, &err);
	const int64_t t0 = 1796086800000LL, back = 2 * 3600000LL;
	const int64_t times[5] = { t0, t0 + 1000, t0 + 2000, t0 + 3000 - back, t0 + 4000 - back };
	struct inc_times t = { 0 };
	struct result r;
	struct store_item it = { .r = &r };
	sqlite3 *db;

	(void)state;
	assert_non_null(s);
	store_set_incident_policy(s, 3, 2);
	for (int i = 0; i < 5; i++) {
		result_init(&r, &eps[0], times[i]);
		if (i < 3)
			result_flag(&r, REASON_TIMEOUT, "timed out");
		assert_int_equal(store_add_results(s, &it, 1), 0);
		result_clear(&r);
	}
	assert_int_equal(store_each_incident(s, NULL, 0, incident_times, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.start, t0);
	assert_true(t.end >= t.start);
	/* A row stored by an earlier version with its end before its start reads back clamped. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE incidents SET end = start - 7195000", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	t.n = 0;
	assert_int_equal(store_each_incident(s, NULL, 0, incident_times, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.end, t.start);
	store_close(s);
	remove_db(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_store_is_created_at_the_current_schema),
		cmocka_unit_test(uptime_windows_match_store_uptime),
		cmocka_unit_test(results_are_counted_per_endpoint_over_whole_hours),
		cmocka_unit_test(a_database_from_a_newer_trustwatch_is_refused),
		cmocka_unit_test(an_older_database_is_migrated_keeping_its_data),
		cmocka_unit_test(results_round_trip_and_survive_a_reopen),
		cmocka_unit_test(endpoint_ids_are_stable),
		cmocka_unit_test(a_batch_of_100000_results_is_stored_in_one_transaction),
		cmocka_unit_test(a_failed_batch_stores_nothing),
		cmocka_unit_test(incidents_open_and_resolve_across_restarts_without_duplicates),
		cmocka_unit_test(rollups_count_time_latency_and_maintenance),
		cmocka_unit_test(endpoint_state_and_notes_are_read_back),
		cmocka_unit_test(outbox_queues_each_transition_once_and_retries),
		cmocka_unit_test(a_digest_queues_several_openings_as_one_mail_with_their_webhooks_once),
		cmocka_unit_test(committed_incident_transitions_are_handed_out_once),
		cmocka_unit_test(a_write_to_a_locked_store_fails_within_its_short_busy_timeout),
		cmocka_unit_test(a_replayed_result_stored_before_is_skipped_with_its_rollup_and_incident_step),
		cmocka_unit_test(a_stored_result_is_never_replaced_and_nodes_and_addresses_are_distinct_keys),
		cmocka_unit_test(a_v1_store_is_migrated_keeping_its_results),
		cmocka_unit_test(raw_results_and_verdicts_and_nodes),
		cmocka_unit_test(operator_alerts_are_queued_once_per_key),
		cmocka_unit_test(open_existing_never_creates_a_database),
		cmocka_unit_test(a_store_file_deleted_or_replaced_under_an_open_store_is_detected),
		cmocka_unit_test(an_incident_never_ends_before_it_began_when_the_clock_goes_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
