/*
 * The PostgreSQL backend, op by op (store/backend.h), against a running server:
 * TW_TEST_PG is its base URL (postgresql://USER@HOST:PORT/, as tests/support/pg.sh
 * exports it). Each test works in a new database of its own (support/store_where.c).
 * Without TW_TEST_PG the tests are skipped, unless TW_REQUIRE_PG=1, which makes that a
 * failure.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "core/util.h"
#include "store/backend.h"
#include "store/pg_int.h"
#include "store/rollup.h"
#include "tests/support/store_where.h"

#define OPS	(&pg_backend_ops)
#define JAN	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define FEB	1769904000000LL		/* 2026-02-01T00:00:00Z */
#define MAR	1772323200000LL		/* 2026-03-01T00:00:00Z */
#define HOUR	3600000LL
/* The partitions of January to March 2026 (those of this month and the next exist too). */
#define Q1_MONTHS "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid" \
	" WHERE i.inhparent = 'results_packed'::regclass" \
	" AND c.relname IN ('packed_202601', 'packed_202602', 'packed_202603')"
#define PG_SCHEMA_VERSION_EXPECTED	STORE_SCHEMA_VERSION

static const char *base_url;	/* TW_TEST_PG: postgresql://USER@HOST:PORT/ */
static PGconn *admin;		/* to the test's own database */
static char *url;		/* the test's own database */

static void
admin_exec(const char *sql)
{
	PGresult *r = PQexec(admin, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	PQclear(r);
}

/* A new, empty database for this test (tests/support/store_where.c); url names it. */
static int
setup(void **state)
{
	(void)state;
	if ((url = test_store_where(":memory:")) == NULL)
		return -1;
	admin = PQconnectdb(url);
	if (PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "pg_test: %s: %s", url, PQerrorMessage(admin));
		return -1;
	}
	admin_exec("SET client_min_messages = warning");
	return 0;
}

/* Drops the test's database (from the server's maintenance database). */
static int
teardown(void **state)
{
	const char *name = strrchr(url, '/') + 1;
	char *maint = xasprintf("%.*spostgres", (int)(name - url), url);
	char *sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	PGconn *c;

	(void)state;
	PQfinish(admin);
	admin = NULL;
	c = PQconnectdb(maint);
	PQclear(PQexec(c, sql));
	PQfinish(c);
	free(sql);
	free(maint);
	FREE_NULL(url);
	return 0;
}

static struct store_be *
open_store(void)
{
	char *err = NULL;
	struct store_be *b = pg_backend_open(url, NULL, true, &err);

	if (b == NULL)
		fail_msg("open: %s", err);
	return b;
}

static int64_t
scalar(const char *sql)
{
	PGresult *r = PQexec(admin, sql);
	int64_t v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static struct be_result
res(int64_t ep, int64_t t, const char *node, int code, int64_t total)
{
	struct be_result r = { .ep = ep, .node = node, .address = "", .time_ms = t, .code = code };

	for (int p = 0; p < PHASE__MAX; p++)
		r.tenths[p] = -1;
	r.tenths[PHASE_TOTAL] = total;
	return r;
}

static void
an_empty_database_is_refused_unless_created_and_then_reopens(void **state)
{
	char *err = NULL;
	struct store_be *b;

	(void)state;
	assert_null(pg_backend_open(url, NULL, false, &err));
	assert_string_equal(err, "not a trustwatch store (no schema)");
	free(err);
	assert_int_equal(scalar("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"), 0);
	b = open_store();
	assert_int_equal(OPS->schema_version(b), PG_SCHEMA_VERSION_EXPECTED);
	assert_int_equal(OPS->integrity_check(b), 0);
	assert_int_equal(OPS->count_results(b), 0);
	assert_int_equal(OPS->file_check(b), 0);
	assert_string_equal(OPS->name, "postgresql");
	assert_int_equal(scalar("SELECT count(*) FROM pg_inherits"
	    " WHERE inhparent = 'results_packed'::regclass"), 2);	/* this month and the next */
	assert_int_equal(scalar("SELECT version FROM trustwatch_schema"), PG_SCHEMA_VERSION);
	OPS->close(b);
	OPS->close(NULL);
	b = pg_backend_open(url, "unused-password", false, &err);
	assert_non_null(b);
	assert_int_equal(scalar("SELECT count(*) FROM pg_stat_activity"
	    " WHERE application_name = 'trustwatch'"), 1);
	OPS->close(b);
}

static void
a_schema_from_a_newer_trustwatch_is_refused(void **state)
{
	char *err = NULL;

	(void)state;
	OPS->close(open_store());
	admin_exec("UPDATE trustwatch_schema SET version = 99");
	assert_null(pg_backend_open(url, NULL, true, &err));
	assert_non_null(strstr(err, "newer than this trustwatch"));
	free(err);
}

static void
two_nodes_starting_together_migrate_once(void **state)
{
	pid_t pid[4];
	int st;

	(void)state;
	for (int i = 0; i < 4; i++)
		if ((pid[i] = fork()) == 0) {
			char *err = NULL;
			struct store_be *b = pg_backend_open(url, NULL, true, &err);

			if (b == NULL)
				fprintf(stderr, "child: %s\n", err);
			_exit(b != NULL && OPS->schema_version(b) == PG_SCHEMA_VERSION_EXPECTED ? 0 : 1);
		}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

struct rows {
	int		 n;
	char		 seen[4096];
};

static int
collect_row(const struct store_row *r, void *v)
{
	struct rows *x = v;
	size_t l = strlen(x->seen);

	snprintf(x->seen + l, sizeof(x->seen) - l, "%s/%s@%lld:%s:%s:%g:%s;", r->provider,
	    r->endpoint, (long long)(r->time_ms % 100000), reason_names[r->reason],
	    r->maintenance ? "m" : "-", r->timings[PHASE_TOTAL], r->message ? r->message : "");
	x->n++;
	return 0;
}

/*
 * The per-day counts (pg_count_by_day: result_days' deltas, schema v7) are those of the
 * stored results, counted, for every UTC day from 40 days before JAN to 120 after.
 */
#define DAYS_N	160
static void
days_match(struct store_be *b)
{
	int64_t from = JAN - 40 * 86400000LL, got[DAYS_N] = { 0 }, want[DAYS_N] = { 0 };
	char *sql = xasprintf("SELECT t / 86400000 - %lld, count(*) FROM results WHERE t >= %lld"
	    " AND t < %lld GROUP BY 1", (long long)(from / 86400000LL), (long long)from,
	    (long long)(from + DAYS_N * 86400000LL));
	PGresult *r = PQexec(admin, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	for (int i = 0; i < PQntuples(r); i++)
		want[strtoll(PQgetvalue(r, i, 0), NULL, 10)] = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	PQclear(r);
	free(sql);
	assert_int_equal(OPS->count_by_day(b, from, DAYS_N, got), 0);
	for (int i = 0; i < DAYS_N; i++) {
		if (got[i] != want[i])
			fail_msg("day %d: %lld by result_days, %lld stored", i, (long long)got[i],
			    (long long)want[i]);
	}
}

static void
results_are_stored_once_across_months_and_read_back_in_order(void **state)
{
	struct store_be *b = open_store();
	int64_t a, c;
	struct be_result rs[6];
	bool stored[6];
	struct rows got = { 0 };

	(void)state;
	a = OPS->endpoint_id(b, "zeta", "ocsp", "ocsp");
	c = OPS->endpoint_id(b, "alpha", "crl", "crl");
	assert_true(a > 0 && c > 0 && a != c);
	assert_int_equal(OPS->endpoint_id(b, "zeta", "ocsp", "ocsp"), a);
	assert_int_equal(OPS->endpoint_id(b, "zeta", "ocsp", "tsa"), a);	/* kind follows */
	rs[0] = res(a, JAN + 5, "lu-1", REASON_OK, 123);
	rs[1] = res(a, FEB + 7, "lu-1", REASON_TIMEOUT | CODE_MAINT, -1);
	rs[1].message = "timed out \"quoted\" \\ back\xff";
	rs[1].details = "{\"a\":1}";
	rs[2] = res(c, MAR + 9, "lu-1", REASON_SLOW, 5);
	rs[3] = res(a, JAN + 5, "lu-2", REASON_OK, 7);	/* another node, same time */
	rs[4] = res(a, JAN + 5, "lu-1", REASON_DNS, 1);	/* a duplicate in the batch */
	rs[5] = res(c, MAR + 9, "lu-1", REASON_OK, 1);	/* another duplicate */
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 6, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_true(stored[0] && stored[1] && stored[2] && stored[3]);
	assert_false(stored[4] || stored[5]);
	assert_int_equal(OPS->count_results(b), 4);
	days_match(b);
	assert_int_equal(pg_fold(b, now_ms(), 0), 0);	/* recent hours into packed months */
	assert_int_equal(OPS->count_results(b), 4);
	assert_int_equal(scalar(Q1_MONTHS), 3);
	days_match(b);
	/* A replay of the same batch stores nothing. */
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 4, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_false(stored[0] || stored[1] || stored[2] || stored[3]);
	assert_int_equal(OPS->each_result(b, 0, INT64_MAX, NULL, collect_row, &got), 0);
	assert_int_equal(got.n, 4);
	assert_string_equal(got.seen,
	    "alpha/crl@9:slow:-:0.5:;"
	    "zeta/ocsp@5:ok:-:12.3:;zeta/ocsp@5:ok:-:0.7:;"
	    "zeta/ocsp@7:timeout:m:-1:timed out \"quoted\" \\ back\xef\xbf\xbd;");
	memset(&got, 0, sizeof(got));
	assert_int_equal(OPS->each_result(b, JAN, FEB + 8, "zeta", collect_row, &got), 0);
	assert_int_equal(got.n, 3);
	memset(&got, 0, sizeof(got));
	assert_int_equal(OPS->each_result(b, FEB, MAR, "alpha", collect_row, &got), 0);
	assert_int_equal(got.n, 0);
	OPS->close(b);
}

struct stream {
	struct store_be	*b;
	int		 n;
	int64_t		 last;
	bool		 ordered;
};

static int
stream_row(const struct store_row *r, void *v)
{
	struct stream *s = v;

	if (r->time_ms <= s->last)
		s->ordered = false;
	s->last = r->time_ms;
	if (++s->n % 1000 == 500) {	/* other ops and a batch between two fetches */
		char name[16];

		assert_int_equal(OPS->count_results(s->b), 2500);
		snprintf(name, sizeof(name), "e%d", s->n);
		assert_int_equal(OPS->begin(s->b), 0);
		assert_true(OPS->endpoint_id(s->b, "p", name, "tsa") > 0);
		assert_int_equal(OPS->commit(s->b), 0);
	}
	return s->n == 2200;
}

static void
each_result_streams_in_pages_and_stops_when_asked(void **state)
{
	struct store_be *b = open_store();
	struct be_result rs[2500];
	bool stored[2500];
	struct stream s = { .b = b, .last = -1, .ordered = true };
	int64_t ep = OPS->endpoint_id(b, "p", "e", "login");

	(void)state;
	for (int i = 0; i < 2500; i++)
		rs[i] = res(ep, FEB + i * 1000LL, "n", REASON_OK, i);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 2500, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(OPS->each_result(b, 0, INT64_MAX, NULL, stream_row, &s), 0);
	assert_int_equal(s.n, 2200);
	assert_true(s.ordered);
	assert_int_equal(scalar("SELECT count(*) FROM endpoints"), 3);	/* committed */
	OPS->close(b);
}

/* A read nested in a streaming read, and writes in its callback, committed as they run. */
struct nest {
	struct store_be	*b;
	int		 outer, inner;
};

static int
nest_inner(const struct store_row *r, void *v)
{
	(void)r;
	((struct nest *)v)->inner++;
	return 0;
}

static int
nest_outer(const struct store_endpoint_state *e, void *v)
{
	struct nest *n = v;
	char name[16];

	(void)e;
	n->outer++;
	assert_int_equal(OPS->each_result(n->b, 0, INT64_MAX, NULL, nest_inner, n), 0);
	snprintf(name, sizeof(name), "w%d", n->outer);
	assert_true(OPS->endpoint_id(n->b, "p", name, "crl") > 0);	/* outside a batch */
	assert_int_equal(scalar("SELECT count(*) FROM endpoints WHERE endpoint LIKE 'w%'"),
	    n->outer);					/* another connection sees it now */
	return 0;
}

static void
a_read_nests_in_a_streaming_read_and_its_writes_commit_at_once(void **state)
{
	struct store_be *b = open_store();
	struct be_result rs[1500];
	bool stored[1500];
	struct nest n = { .b = b };
	int64_t ep = OPS->endpoint_id(b, "p", "e", "login");

	(void)state;
	assert_true(OPS->endpoint_id(b, "p", "f", "ocsp") > 0);
	for (int i = 0; i < 1500; i++)
		rs[i] = res(ep, FEB + i * 1000LL, "n", REASON_OK, i);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 1500, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(OPS->each_endpoint(b, "p", nest_outer, &n), 0);
	assert_int_equal(n.outer, 2);
	assert_int_equal(n.inner, 3000);
	OPS->close(b);
}

struct eps {
	int		 n;
	struct store_endpoint_state e[4];
	char		 text[4][3][64];
};

static int
collect_ep(const struct store_endpoint_state *e, void *v)
{
	struct eps *x = v;

	x->e[x->n] = *e;
	snprintf(x->text[x->n][0], 64, "%s/%s", e->provider, e->endpoint);
	snprintf(x->text[x->n][1], 64, "%s", e->message ? e->message : "-");
	snprintf(x->text[x->n][2], 64, "%s", e->first_day ? e->first_day : "-");
	x->n++;
	return 0;
}

static void
latest_results_and_crl_numbers_are_kept_with_the_endpoint(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "crl", "crl");
	int64_t c = OPS->endpoint_id(b, "p", "never", "ocsp");
	struct be_result rs[2] = { res(a, JAN + 1, "", REASON_OK, 40),
	    res(a, JAN + 2, "", REASON_REGRESSED, 50) };
	struct be_latest l = { &rs[0], "1234" };
	struct be_rollup d = { .ep = a, .daily = true, .day = "2026-01-01", .c = { 1 } };
	bool stored[2];
	struct eps got = { 0 };
	char *num;

	(void)state;
	assert_true(c > a);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 2, stored), 0);
	assert_int_equal(OPS->set_latest(b, &l, 1), 0);
	assert_int_equal(OPS->rollup_add(b, &d, 1), 0);
	assert_int_equal(OPS->commit(b), 0);
	num = OPS->kind_memory(b, "p", "crl");
	assert_string_equal(num, "1234");
	free(num);
	assert_null(OPS->kind_memory(b, "p", "never"));
	assert_null(OPS->kind_memory(b, "p", "nothing"));
	rs[1].message = "number went back";
	l = (struct be_latest){ &rs[1], NULL };
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->set_latest(b, &l, 1), 0);
	assert_int_equal(OPS->commit(b), 0);
	num = OPS->kind_memory(b, "p", "crl");
	assert_string_equal(num, "1234");	/* kept */
	free(num);
	assert_int_equal(OPS->each_endpoint(b, NULL, collect_ep, &got), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.text[0][0], "p/crl");
	assert_string_equal(got.text[1][0], "p/never");
	assert_int_equal(got.e[0].last_time_ms, JAN + 2);
	assert_int_equal(got.e[0].reason, REASON_REGRESSED);
	assert_string_equal(got.text[0][1], "number went back");
	assert_true(got.e[0].timings[PHASE_TOTAL] == 5.0);
	assert_true(got.e[0].timings[PHASE_DNS] < 0);
	assert_int_equal(got.e[0].first_time_ms, JAN + 1);
	assert_string_equal(got.text[0][2], "2026-01-01");
	assert_int_equal(got.e[1].last_time_ms, -1);
	assert_int_equal(got.e[1].first_time_ms, -1);
	assert_string_equal(got.text[1][2], "-");
	memset(&got, 0, sizeof(got));
	assert_int_equal(OPS->each_endpoint(b, "q", collect_ep, &got), 0);
	assert_int_equal(got.n, 0);
	OPS->close(b);
}

struct incs {
	int		 n;
	char		 seen[1024];
};

static int
collect_inc(const struct store_incident *i, void *v)
{
	struct incs *x = v;
	size_t l = strlen(x->seen);

	snprintf(x->seen + l, sizeof(x->seen) - l, "%lld:%s/%s:%lld-%lld:%s:%s:%s;",
	    (long long)i->id, i->provider, i->endpoint, (long long)i->start_ms,
	    (long long)i->end_ms, i->worst, i->reasons, i->message ? i->message : "-");
	x->n++;
	return 0;
}

static int
collect_note(const struct store_note *n, void *v)
{
	struct incs *x = v;
	size_t l = strlen(x->seen);

	snprintf(x->seen + l, sizeof(x->seen) - l, "%lld@%lld:%s;", (long long)n->incident,
	    (long long)n->time_ms, n->text);
	x->n++;
	return 0;
}

static void
incident_state_incidents_and_notes_round_trip(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp"), c = OPS->endpoint_id(b, "q", "c", "tsa");
	struct incident_state is = { 3, 0, 1000, 0, 5, STATUS_DOWN, true }, got;
	struct be_incident i1 = { a, 1000, "down", "dns;timeout", "no answer" };
	struct be_incident i2 = { c, 500, "degraded", "slow", NULL };
	int64_t id1, id2, open_id;
	struct incs x = { 0 };

	(void)state;
	assert_int_equal(OPS->get_state(b, a, &got, &open_id), 0);
	assert_false(got.open);
	assert_int_equal(open_id, 0);
	assert_int_equal(OPS->begin(b), 0);
	assert_true((id1 = OPS->incident_open(b, &i1)) > 0);
	assert_true((id2 = OPS->incident_open(b, &i2)) > id1);
	assert_int_equal(OPS->put_state(b, a, &is, id1), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(OPS->get_state(b, a, &got, &open_id), 0);
	assert_true(got.open);
	assert_int_equal(open_id, id1);
	assert_int_equal(got.bad_streak, 3);
	assert_int_equal(got.bad_since, 1000);
	assert_int_equal(got.reasons, 5);
	assert_int_equal(got.worst, STATUS_DOWN);
	assert_int_equal(OPS->incident_update(b, id2, "down", "slow;dns", 400), 0);	/* clamped */
	assert_int_equal(OPS->each_incident(b, NULL, 0, 0, collect_inc, &x), 0);
	assert_int_equal(x.n, 2);
	{
		char *want = xasprintf("%lld:q/c:500-500:down:slow;dns:-;"
		    "%lld:p/a:1000--1:down:dns;timeout:no answer;", (long long)id2, (long long)id1);

		assert_string_equal(x.seen, want);
		free(want);
	}
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_incident(b, NULL, 600, 0, collect_inc, &x), 0);
	assert_int_equal(x.n, 1);	/* ended before since */
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_incident(b, "q", 0, 0, collect_inc, &x), 0);
	assert_int_equal(x.n, 1);
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_incident(b, NULL, 0, id1, collect_inc, &x), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(OPS->add_note(b, id1, 2000, "looking"), 0);
	assert_int_equal(OPS->add_note(b, id2, 1500, "first"), 0);
	assert_int_equal(OPS->add_note(b, 99999, 1, "none"), 1);
	assert_int_equal(OPS->add_note(b, id1, 3000, "cut \xE2\x80"), 0);	/* repaired */
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_note(b, 0, collect_note, &x), 0);
	assert_int_equal(x.n, 3);
	assert_non_null(strstr(x.seen, "@1500:first;"));
	assert_non_null(strstr(x.seen, "@3000:cut \xef\xbf\xbd;"));
	assert_true(strstr(x.seen, "first") < strstr(x.seen, "looking"));
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_note(b, id1, collect_note, &x), 0);
	assert_int_equal(x.n, 2);
	OPS->close(b);
}

struct rolls {
	int		 n;
	struct be_rollup r[8];
	uint32_t	 h[8][HIST_BUCKETS];
	char		 who[8][32];
};

static int
collect_rollup(const struct be_rollup *r, void *v)
{
	struct rolls *x = v;

	x->r[x->n] = *r;
	memset(x->h[x->n], 0, sizeof(x->h[x->n]));
	if (r->hist != NULL)
		rollup_hist_decode_add(x->h[x->n], r->hist, r->hist_len);
	x->r[x->n].hist = NULL;
	snprintf(x->who[x->n], sizeof(x->who[x->n]), "%s/%s/%s", r->provider, r->endpoint,
	    r->kind);
	x->n++;
	return 0;
}

static void
rollup_deltas_are_summed_and_histograms_merged(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp"), c = OPS->endpoint_id(b, "p", "c", "tsa");
	uint32_t h1[HIST_BUCKETS] = { 0 }, h2[HIST_BUCKETS] = { 0 };
	unsigned char e1[HIST_MAX_BYTES], e2[HIST_MAX_BYTES];
	size_t l1, l2;
	struct rolls x = { 0 };

	(void)state;
	h1[3] = 2;
	h1[40] = 300;
	h2[3] = 1;
	h2[10] = 5;
	l1 = rollup_hist_encode(h1, e1);
	l2 = rollup_hist_encode(h2, e2);
	{
		struct be_rollup d[5] = {
			{ .ep = a, .daily = true, .day = "2026-01-02", .c = { 1, 1, 0, 0, 0, 60000 },
			    .hist = e1, .hist_len = l1 },
			{ .ep = a, .daily = false, .hour_ms = JAN + HOUR, .c = { 1, 1 }, .hist = e1,
			    .hist_len = l1 },
			{ .ep = a, .daily = true, .day = "2026-01-02", .c = { 2, 0, 0, 2, 0, 0, 0, 9 },
			    .hist = e2, .hist_len = l2 },		/* same key in one call */
			{ .ep = c, .daily = true, .day = "2026-01-01", .c = { 1, 0, 1 } },
			{ .ep = a, .daily = true, .day = "2026-01-01", .c = { 4 } },
		};

		assert_int_equal(OPS->begin(b), 0);
		assert_int_equal(OPS->rollup_add(b, d, 5), 0);
		assert_int_equal(OPS->commit(b), 0);
		assert_int_equal(OPS->begin(b), 0);
		assert_int_equal(OPS->rollup_add(b, d, 2), 0);
		assert_int_equal(OPS->commit(b), 0);
	}
	assert_int_equal(OPS->each_rollup(b, true, "2026-01-01", "2026-01-31", 0, 0, NULL, NULL,
	    collect_rollup, &x), 0);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.who[0], "p/a/ocsp");
	assert_string_equal(x.r[0].day, "2026-01-01");
	assert_int_equal(x.r[0].c[0], 4);
	assert_int_equal(x.h[0][3], 0);
	assert_string_equal(x.r[1].day, "2026-01-02");
	assert_int_equal(x.r[1].c[0], 4);
	assert_int_equal(x.r[1].c[1], 2);
	assert_int_equal(x.r[1].c[3], 2);
	assert_int_equal(x.r[1].c[5], 120000);
	assert_int_equal(x.r[1].c[7], 9);
	assert_int_equal(x.h[1][3], 5);
	assert_int_equal(x.h[1][10], 5);
	assert_int_equal(x.h[1][40], 600);
	assert_int_equal(x.r[1].ep, a);
	assert_string_equal(x.who[2], "p/c/tsa");
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_rollup(b, true, "2026-01-02", "2026-01-02", 0, 0, "p", "a",
	    collect_rollup, &x), 0);
	assert_int_equal(x.n, 1);
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_rollup(b, false, NULL, NULL, JAN, JAN + 2 * HOUR, NULL, NULL,
	    collect_rollup, &x), 0);
	assert_int_equal(x.n, 1);
	assert_false(x.r[0].daily);
	assert_int_equal(x.r[0].hour_ms, JAN + HOUR);
	assert_int_equal(x.r[0].c[0], 2);
	assert_int_equal(x.h[0][40], 600);
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_rollup(b, false, NULL, NULL, JAN, JAN + HOUR, NULL, NULL,
	    collect_rollup, &x), 0);
	assert_int_equal(x.n, 0);
	OPS->close(b);
}

static void
prune_drops_whole_months_and_deletes_the_rest(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp");
	struct be_result rs[6] = { res(a, JAN, "", 0, 1), res(a, JAN + 99, "", 0, 1),
	    res(a, FEB, "", 0, 1), res(a, FEB + 10 * 86400000LL, "", 0, 1),
	    res(a, FEB + 20 * 86400000LL, "", 0, 1), res(a, MAR, "", 0, 1) };
	struct be_rollup h[2] = { { .ep = a, .hour_ms = JAN, .c = { 1 } },
	    { .ep = a, .hour_ms = MAR, .c = { 1 } } };
	bool stored[6];

	(void)state;
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 6, stored), 0);
	assert_int_equal(OPS->rollup_add(b, h, 2), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(pg_fold(b, now_ms(), 0), 0);	/* recent hours into packed months */
	assert_int_equal(OPS->prune(b, FEB + 15 * 86400000LL, FEB), 2 + 2 + 1);
	assert_int_equal(OPS->count_results(b), 2);
	days_match(b);
	assert_int_equal(scalar(Q1_MONTHS), 2);
	assert_int_equal(scalar("SELECT count(*) FROM hourly"), 1);
	assert_int_equal(OPS->prune(b, FEB + 15 * 86400000LL, FEB), 0);
	/* The dropped month comes back when a late result needs it. */
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 1, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_true(stored[0]);
	assert_int_equal(OPS->count_results(b), 3);
	days_match(b);
	OPS->close(b);
}

/* Every result of the view, one text, in key order (t >= from). */
#define ALL_RESULTS(from) "SELECT string_agg(concat_ws(',', ep, t, node, address, code," \
	" coalesce(dns::text, 'null'), conn, tls, ttfb, total, coalesce(msg, 'null')," \
	" coalesce(details, 'null')), ';' ORDER BY ep, t, node, address) FROM results" \
	" WHERE t >= " from

static char *
text_of(const char *sql)
{
	PGresult *r = PQexec(admin, sql);
	char *v;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	v = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/*
 * A v3 store (one row per result) migrates to v5 (v4 adds the conformance sums, v5 packs
 * results): the same rows through the view, counted, read, replayed without a copy, pruned
 * mid-hour.
 */
static void
a_v3_store_migrates_to_packed_results(void **state)
{
	char *err = NULL, *before, *after, *kept, *kept_after;
	struct store_be *b = pg_backend_open_at(url, NULL, true, 3, &err);
	int64_t cut = JAN + 20 * HOUR + 123, n, n_kept;
	struct be_result r;
	struct rows seen = { 0 };
	bool stored;

	(void)state;
	if (b == NULL)
		fail_msg("%s", err);
	OPS->close(b);
	assert_int_equal(scalar("SELECT version FROM trustwatch_schema"), 3);
	admin_exec("INSERT INTO endpoints (provider, endpoint, kind) VALUES ('p', 'a', 'ocsp'),"
	    " ('p', 'b', 'crl')");
	admin_exec("CREATE TABLE results_202601 PARTITION OF results FOR VALUES"
	    " FROM (1767225600000) TO (1769904000000)");
	admin_exec("CREATE TABLE results_202602 PARTITION OF results FOR VALUES"
	    " FROM (1769904000000) TO (1772323200000)");
	/* 3,000 results over 42 hours: two nodes, addresses, failures, maintenance, details. */
	admin_exec("INSERT INTO results (t, ep, dns, conn, tls, ttfb, total, code, node, address,"
	    " msg, details) SELECT 1767225600000 + g * 50000, 1 + g % 2,"
	    " CASE WHEN g % 7 = 0 THEN NULL ELSE g END, 10, 20, 30, 40 + g,"
	    " (CASE WHEN g % 5 = 0 THEN 4 ELSE 0 END) | (CASE WHEN g % 11 = 0 THEN 64 ELSE 0 END),"
	    " CASE WHEN g % 3 = 0 THEN 'lu-2' ELSE 'lu-1' END,"
	    " CASE WHEN g % 4 = 0 THEN '2001:db8::1' ELSE '' END,"
	    " CASE WHEN g % 5 = 0 THEN 'down ' || g END,"
	    " CASE WHEN g % 6 = 0 THEN '{\"n\":' || g || '}' END FROM generate_series(0, 2999) g");
	/* 200 in one hour of one endpoint and node (four rows of 64 at most), two at one time. */
	admin_exec("INSERT INTO results (t, ep, code, node, address) SELECT 1769904000000 + g * 1000,"
	    " 1, 0, 'lu-1', '' FROM generate_series(0, 199) g");
	admin_exec("INSERT INTO results (t, ep, code, node, address, total) VALUES"
	    " (1769904000500, 2, 0, 'lu-1', 'b', 7), (1769904000500, 2, 0, 'lu-1', 'a', 8)");
	before = text_of(ALL_RESULTS("0"));
	kept = text_of(ALL_RESULTS("1767297600123"));	/* cut */
	n = scalar("SELECT count(*) FROM results");
	n_kept = scalar("SELECT count(*) FROM results WHERE t >= 1767297600123");
	assert_int_equal(n, 3202);

	b = open_store();
	assert_int_equal(scalar("SELECT version FROM trustwatch_schema"), PG_SCHEMA_VERSION);
	assert_int_equal(OPS->schema_version(b), PG_SCHEMA_VERSION_EXPECTED);
	assert_int_equal(scalar("SELECT count(*) FROM pg_class WHERE relname LIKE 'results_v3%'"
	    " OR relname LIKE 'results_2026%'"), 0);
	assert_int_equal(scalar(Q1_MONTHS), 2);
	assert_int_equal(OPS->count_results(b), n);
	assert_true(scalar("SELECT count(*) FROM results_packed") < n / 5);
	days_match(b);		/* filled by the migration */
	after = text_of(ALL_RESULTS("0"));
	assert_string_equal(after, before);
	free(after);
	assert_int_equal(OPS->each_result(b, FEB, MAR, NULL, collect_row, &seen), 0);
	assert_int_equal(seen.n, 202);
	assert_non_null(strstr(seen.seen, "p/b@500:ok:-:0.8:;p/b@500:ok:-:0.7:;"));
	/* A replay of a migrated result is not stored again; a new one is. */
	memset(&r, 0, sizeof(r));
	r.ep = 1;
	r.node = "lu-1";
	r.address = "";
	r.time_ms = FEB + 199000;
	for (int p = 0; p < PHASE__MAX; p++)
		r.tenths[p] = -1;
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_false(stored);
	r.time_ms = FEB + 199500;
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	assert_true(stored);
	assert_int_equal(OPS->count_results(b), n + 1);
	/* A prune mid-hour keeps that hour's later results, in their packed rows. */
	assert_int_equal(OPS->prune(b, cut, 0), n - n_kept);
	assert_int_equal(OPS->count_results(b), n_kept + 1);
	days_match(b);
	kept_after = text_of(ALL_RESULTS("0 AND t <> 1769904199500"));
	assert_string_equal(kept_after, kept);
	free(kept_after);
	free(kept);
	free(before);
	OPS->close(b);
}

/* The recent partition of the hour that starts at h exists. */
#define RECENT_EXISTS(h) "SELECT count(*) FROM pg_class WHERE relname = 'recent_" #h "'"
#define NO_DUPS "SELECT count(*) - count(DISTINCT (ep, t, node, address)) FROM results"

/*
 * Live batches (a few results per endpoint, in an hour not due for folding) go to
 * results_recent; a closed hour is folded into one packed row per endpoint and node, its
 * partition dropped; a replay is not stored again; a late result of a folded hour is
 * packed at once, into a row of its own; a read open across the fold sees every result
 * once, and the drop waits for it; a late result in a batch still open when the fold runs
 * (an hour that has just ended) is neither lost nor counted twice.
 */
static void
closed_hours_fold_into_packed_rows_without_gap_or_double(void **state)
{
	struct store_be *b = open_store(), *b2;
	int64_t a, c;
	struct be_result rs[50], late[2];
	bool stored[50];
	char *before, *after;

	(void)state;
	b->clock_ms = JAN + 10 * 60000;
	a = OPS->endpoint_id(b, "p", "a", "ocsp");
	c = OPS->endpoint_id(b, "p", "c", "ocsp");
	for (int k = 0; k < 10; k++)
		rs[k] = res(a, JAN + k * 60000, "lu-1", REASON_OK, 10 + k);
	rs[3].message = "slow";
	rs[4].address = "2001:db8::1";
	for (int k = 10; k < 50; k++)		/* 40 of one hour: packed at once */
		rs[k] = res(c, JAN + 2 * HOUR + k * 1000, "lu-1", REASON_OK, k);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 50, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 10);
	assert_int_equal(scalar("SELECT count(*) FROM results_packed"), 1);
	assert_int_equal(OPS->count_results(b), 50);
	before = text_of(ALL_RESULTS("0"));
	/* Not before the hour has ended, and its grace. */
	assert_int_equal(pg_fold(b, JAN + HOUR + PG_FOLD_GRACE_MS - 1, 0), 0);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 10);
	assert_int_equal(pg_fold(b, JAN + HOUR + PG_FOLD_GRACE_MS, 0), 0);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 0);
	assert_int_equal(scalar(RECENT_EXISTS(490896)), 0);
	assert_int_equal(scalar("SELECT count(*) FROM results_packed"), 2);
	assert_int_equal(scalar("SELECT max(cardinality(v) / 6) FROM results_packed"), 40);
	assert_int_equal(scalar("SELECT min(cardinality(v) / 6) FROM results_packed"), 10);
	days_match(b);
	/* The hour dropped, its deltas were compacted: one row per day. */
	assert_int_equal(scalar("SELECT count(*) - count(DISTINCT day) FROM result_days"), 0);
	after = text_of(ALL_RESULTS("0"));
	assert_string_equal(after, before);
	free(after);
	assert_int_equal(OPS->count_results(b), 50);
	/* A replay stores nothing; a late result of the folded hour is packed at once. */
	b->clock_ms = JAN + 3 * HOUR;
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 50, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	for (int k = 0; k < 50; k++)
		assert_false(stored[k]);
	late[0] = res(a, JAN + 30 * 60000 + 1, "lu-1", REASON_DNS, 5);
	late[1] = rs[0];
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, late, 2, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_true(stored[0]);
	assert_false(stored[1]);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 0);
	assert_int_equal(scalar("SELECT count(*) FROM results_packed WHERE ep = 1"), 2);
	assert_int_equal(OPS->count_results(b), 51);
	assert_int_equal(scalar(NO_DUPS), 0);
	/*
	 * A read open across the fold (its transaction holds the recent partition): the fold
	 * commits, the drop waits for the read and gives up (next round); the read sees every
	 * result once before and after.
	 */
	b->clock_ms = JAN + 3 * HOUR + 5 * 60000;
	late[0] = res(a, JAN + 3 * HOUR + 60000, "lu-1", REASON_OK, 5);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, late, 1, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_true(stored[0]);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 1);
	before = (free(before), text_of(ALL_RESULTS("0")));
	admin_exec("BEGIN");
	assert_int_equal(scalar("SELECT count(*) FROM results"), 52);
	assert_int_equal(pg_fold(b, JAN + 4 * HOUR + PG_FOLD_GRACE_MS, 0), 1);
	assert_int_equal(scalar("SELECT count(*) FROM results"), 52);
	assert_int_equal(scalar(NO_DUPS), 0);
	assert_int_equal(scalar(RECENT_EXISTS(490899)), 1);
	admin_exec("COMMIT");
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 0);
	assert_int_equal(pg_fold(b, JAN + 4 * HOUR + PG_FOLD_GRACE_MS, 0), 0);
	assert_int_equal(scalar(RECENT_EXISTS(490899)), 0);
	after = text_of(ALL_RESULTS("0"));
	assert_string_equal(after, before);
	free(after);
	/*
	 * A late result in a batch still open while the fold runs (its hour has just ended):
	 * not folded (not committed), the partition kept (the batch holds the partitions lock,
	 * shared); folded next round.
	 */
	b->clock_ms = JAN + 5 * HOUR + 30 * 60000;
	late[0] = res(a, JAN + 5 * HOUR + 60000, "lu-1", REASON_OK, 6);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, late, 1, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	b2 = open_store();
	b2->clock_ms = JAN + 6 * HOUR + 30000;
	late[0] = res(a, JAN + 5 * HOUR + 40 * 60000, "lu-2", REASON_OK, 6);
	late[1] = res(c, JAN + 5 * HOUR + 40 * 60000, "lu-2", REASON_OK, 6);
	assert_int_equal(OPS->begin(b2), 0);
	assert_int_equal(OPS->add_results(b2, late, 2, stored), 0);
	assert_true(stored[0] && stored[1]);
	assert_int_equal(pg_fold(b, JAN + 6 * HOUR + PG_FOLD_GRACE_MS, 0), 1);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 0);	/* lu-1's folded */
	assert_int_equal(OPS->count_results(b), 53);
	assert_int_equal(OPS->commit(b2), 0);
	assert_int_equal(OPS->count_results(b), 55);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 2);
	assert_int_equal(pg_fold(b, JAN + 6 * HOUR + PG_FOLD_GRACE_MS, 0), 0);
	days_match(b);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 0);
	assert_int_equal(OPS->count_results(b), 55);
	assert_int_equal(scalar(NO_DUPS), 0);
	assert_int_equal(scalar(RECENT_EXISTS(490901)), 0);
	assert_int_equal(scalar("SELECT count(*) FROM results WHERE node = 'lu-2'"), 2);
	{
		int64_t days[2] = { 0, 0 };

		assert_int_equal(OPS->count_by_day(b, JAN, 2, days), 0);
		assert_int_equal(days[0], 55);
	}
	free(before);
	OPS->close(b2);
	OPS->close(b);
}

/* A v5 store (packed only) migrates to v6 and on: the same results, live ones go to recent. */
static void
a_v5_store_migrates_to_recent_and_packed(void **state)
{
	char *err = NULL, *before, *after;
	struct store_be *b = pg_backend_open_at(url, NULL, true, 5, &err);
	struct be_result r;
	bool stored;

	(void)state;
	if (b == NULL)
		fail_msg("%s", err);
	OPS->close(b);
	assert_int_equal(scalar("SELECT version FROM trustwatch_schema"), 5);
	admin_exec("INSERT INTO endpoints (provider, endpoint, kind) VALUES ('p', 'a', 'ocsp')");
	admin_exec("CREATE TABLE packed_202601 PARTITION OF results_packed FOR VALUES"
	    " FROM (1767225600000) TO (1769904000000)");
	admin_exec(PG_PACK_FROM("(SELECT 1 AS ep, 1767225600000 + g * 60000 AS t, 'lu-1' AS node,"
	    " '' AS address, 0 AS code, g AS dns, NULL::integer AS conn, 1 AS tls, 2 AS ttfb,"
	    " 3 AS total, NULL::text AS msg, NULL::text AS details FROM generate_series(0, 299) g)"));
	before = text_of(ALL_RESULTS("0"));
	assert_int_equal(scalar("SELECT count(*) FROM results"), 300);
	b = open_store();
	b->clock_ms = JAN + 5 * HOUR + 2;
	assert_int_equal(scalar("SELECT version FROM trustwatch_schema"), PG_SCHEMA_VERSION);
	assert_int_equal(OPS->schema_version(b), PG_SCHEMA_VERSION_EXPECTED);
	after = text_of(ALL_RESULTS("0"));
	assert_string_equal(after, before);
	free(after);
	free(before);
	days_match(b);		/* v7 fills result_days */
	r = res(1, JAN + 5 * HOUR + 1, "lu-1", REASON_OK, 1);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_true(stored);
	assert_int_equal(scalar("SELECT count(*) FROM results_recent"), 1);
	assert_int_equal(OPS->count_results(b), 301);
	r.time_ms = JAN + 4 * HOUR + 60000;		/* stored already, packed */
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	assert_false(stored);
	assert_int_equal(OPS->count_results(b), 301);
	OPS->close(b);
}

static void
a_failed_batch_rolls_back_whole_and_keeps_its_first_error(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp");
	struct be_result r = res(a, JAN, "", 0, 1);
	struct be_incident bad = { 999999, 1, "down", "dns", NULL };
	bool stored;
	char *err;

	(void)state;
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	assert_int_equal(OPS->incident_open(b, &bad), -1);	/* no such endpoint */
	err = xstrdup(OPS->error(b));
	assert_non_null(strstr(err, "opening an incident"));
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), -1);
	assert_int_equal(OPS->commit(b), -1);
	assert_string_equal(OPS->error(b), err);
	assert_int_equal(OPS->count_results(b), 0);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	OPS->rollback(b);
	assert_int_equal(OPS->count_results(b), 0);
	/* The partition made by a rolled-back batch is made again. */
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(OPS->count_results(b), 1);
	free(err);
	OPS->close(b);
}

struct mails {
	int		 n;
	char		 seen[1024];
};

static int
collect_state(const struct be_mail_state *m, void *v)
{
	struct mails *x = v;
	size_t l = strlen(x->seen);

	snprintf(x->seen + l, sizeof(x->seen) - l, "%lld:%lld:%lld:%lld:%lld:%d:%lld;",
	    (long long)m->id, (long long)m->start_ms, (long long)m->end_ms,
	    (long long)m->notified_open_ms, (long long)m->notified_resolved_ms, m->reminders,
	    (long long)m->last_mail_ms);
	x->n++;
	return 0;
}

static int
collect_mail(const struct store_mail *m, void *v)
{
	struct mails *x = v;
	size_t l = strlen(x->seen);

	snprintf(x->seen + l, sizeof(x->seen) - l, "%lld:%s:%s:%s:%s:%d:%lld;",
	    (long long)m->incident, m->event_key, m->recipients, m->subject, m->body, m->attempts,
	    (long long)m->created_ms);
	x->n++;
	return 0;
}

static void
the_outbox_queues_once_retries_and_counts(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp");
	struct be_incident i = { a, 1000, "down", "dns", NULL };
	int64_t id = OPS->incident_open(b, &i), mail_id;
	struct store_outbox_stats st;
	struct mails x = { 0 };

	(void)state;
	assert_int_equal(OPS->each_mail_state(b, 0, collect_state, &x), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(OPS->each_mail_state(b, 2000, collect_state, &x), 0);
	assert_int_equal(x.n, 1);	/* started before since */
	assert_int_equal(OPS->outbox_insert(b, id, "opened", "ops@x", "subj", "body", 5000), 1);
	assert_int_equal(OPS->outbox_insert(b, id, "opened", "ops@x", "subj", "body", 5000), 0);
	assert_int_equal(OPS->outbox_insert(b, id, "webhook-ab:opened", "https://h", "s", "{}",
	    5000), 1);
	assert_int_equal(OPS->mail_mark(b, id, BE_MARK_OPENED, 0, 5000), 0);
	assert_int_equal(OPS->mail_mark(b, id, BE_MARK_OPENED, 0, 6000), 0);	/* kept */
	assert_int_equal(OPS->mail_mark(b, id, BE_MARK_REMINDER, 3, 7000), 0);
	assert_int_equal(OPS->mail_mark(b, id, BE_MARK_REMINDER, 2, 8000), 0);
	assert_int_equal(OPS->mail_mark(b, id, BE_MARK_NONE, 0, 9000), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_mail_state(b, 0, collect_state, &x), 0);
	{
		char *want = xasprintf("%lld:1000:-1:5000:-1:3:8000;", (long long)id);

		assert_string_equal(x.seen, want);
		free(want);
	}
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_mail_due(b, 4999, collect_mail, &x), 0);
	assert_int_equal(x.n, 0);
	assert_int_equal(OPS->each_mail_due(b, 5000, collect_mail, &x), 0);
	assert_int_equal(x.n, 2);
	assert_non_null(strstr(x.seen, ":opened:ops@x:subj:body:0:5000;"));
	mail_id = scalar("SELECT min(id) FROM outbox");
	assert_int_equal(OPS->mail_failed(b, mail_id, "421 busy", 9000, false), 0);
	assert_int_equal(OPS->mail_failed(b, scalar("SELECT max(id) FROM outbox"), NULL, 9000,
	    true), 0);
	assert_int_equal(OPS->outbox_stats(b, false, &st), 0);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.given_up, 0);
	assert_int_equal(st.failed_attempts, 1);
	assert_int_equal(st.oldest_queued_ms, 5000);
	assert_int_equal(OPS->outbox_stats(b, true, &st), 0);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.given_up, 1);
	assert_int_equal(st.oldest_queued_ms, -1);
	assert_int_equal(OPS->mail_sent(b, mail_id, 9500), 0);
	assert_int_equal(OPS->outbox_stats(b, false, &st), 0);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.failed_attempts, 1);
	assert_int_equal(OPS->mail_mark(b, id, BE_MARK_RESOLVED, 0, 9900), 0);
	OPS->close(b);
}

struct nodes {
	int		 n;
	char		 seen[1024];
};

static int
collect_node(const struct store_node *x, void *v)
{
	struct nodes *ns = v;
	size_t l = strlen(ns->seen);

	snprintf(ns->seen + l, sizeof(ns->seen) - l, "%s:%s:%lld:%lld:%d:%lld;", x->id,
	    x->location, (long long)x->last_seen_ms, (long long)x->started_ms, x->leader,
	    (long long)x->results_24h);
	ns->n++;
	return 0;
}

static int
collect_latest(const struct store_node_result *x, void *v)
{
	struct nodes *ns = v;
	size_t l = strlen(ns->seen);

	snprintf(ns->seen + l, sizeof(ns->seen) - l, "%s/%s@%s:%lld:%s:%g:%s;", x->provider,
	    x->endpoint, x->node, (long long)(x->time_ms - JAN), reason_names[x->reason],
	    x->timings[PHASE_TOTAL], x->message ? x->message : "-");
	ns->n++;
	return 0;
}

static void
endpoints_registered_at_once_keep_their_ids_in_the_callers_order(void **state)
{
	struct store_be *b = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp"), ids[4] = { 0 };
	const char *pv[4] = { "q", "p", "q", "p" }, *ev[4] = { "z", "a", "y", "b" };
	const char *kv[4] = { "crl", "ocsp", "tsa", "login" };

	(void)state;
	assert_true(a > 0);
	assert_int_equal(OPS->endpoint_ids(b, 4, pv, ev, kv, ids), 0);
	assert_int_equal(ids[1], a);		/* existing: the same id */
	for (int i = 0; i < 4; i++)
		assert_int_equal(OPS->endpoint_id(b, pv[i], ev[i], kv[i]), ids[i]);
	assert_true(ids[0] != ids[2] && ids[0] != ids[3] && ids[2] != ids[3]);
	/* Again, with one kind changed: the same ids. */
	kv[0] = "ocsp";
	memset(ids + 1, 0, 3 * sizeof(*ids));
	{
		int64_t z = ids[0];

		assert_int_equal(OPS->endpoint_ids(b, 4, pv, ev, kv, ids), 0);
		assert_int_equal(ids[0], z);
	}
	assert_int_equal(OPS->endpoint_id(b, "q", "z", "ocsp"), ids[0]);
	OPS->close(b);
}

static void
nodes_beat_one_leads_and_each_node_newest_result_is_read(void **state)
{
	struct store_be *b = open_store(), *b2 = open_store();
	int64_t a = OPS->endpoint_id(b, "p", "a", "ocsp"), c = OPS->endpoint_id(b, "o", "c", "crl");
	struct be_result rs[6] = { res(a, JAN + 1, "lu-1", REASON_OK, 10),
	    res(a, JAN + 5, "lu-1", REASON_TIMEOUT, -1), res(a, JAN + 3, "lu-2", REASON_OK, 20),
	    res(c, JAN + 2, "lu-2", REASON_OK, 30), res(a, JAN - 100, "lu-3", REASON_OK, 1),
	    res(a, JAN + 5, "lu-1", REASON_OK, 40) };
	struct nodes x = { 0 };
	bool stored[6];

	(void)state;
	rs[5].address = "192.0.2.1";	/* another address at the same time: one row */
	rs[1].message = "slow";
	assert_int_equal(OPS->node_beat(b, "lu-2", "Esch", 1000, true, false, 5), 0);
	assert_int_equal(OPS->node_beat(b, "lu-1", NULL, 1000, true, true, 0), 0);
	assert_int_equal(OPS->node_beat(b, "lu-1", "Lux", 2000, false, true, 7), 0);
	assert_int_equal(OPS->each_node(b, collect_node, &x), 0);
	assert_string_equal(x.seen, "lu-1:Lux:2000:1000:1:7;lu-2:Esch:1000:1000:0:5;");
	/* One leader at a time; another takes over when its connection ends. */
	assert_int_equal(OPS->try_leader(b), 1);
	assert_int_equal(OPS->try_leader(b), 1);
	assert_int_equal(OPS->try_leader(b2), 0);
	OPS->close(b);
	usleep(200000);
	assert_int_equal(OPS->try_leader(b2), 1);
	b = open_store();
	assert_int_equal(OPS->try_leader(b), 0);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->add_results(b, rs, 6, stored), 0);
	assert_int_equal(OPS->commit(b), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_node_latest(b, NULL, JAN, collect_latest, &x), 0);
	assert_string_equal(x.seen, "o/c@lu-2:2:ok:3:-;p/a@lu-1:5:timeout:-1:slow;"
	    "p/a@lu-2:3:ok:2:-;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->each_node_latest(b, "p", JAN + 4, collect_latest, &x), 0);
	assert_int_equal(x.n, 1);
	{
		const char *pv[3] = { "p", "none", "o" }, *ev[3] = { "a", "x", "c" };

		memset(&x, 0, sizeof(x));
		assert_int_equal(OPS->each_node_latest_of(b, 3, pv, ev, JAN, collect_latest, &x),
		    0);
		assert_string_equal(x.seen, "o/c@lu-2:2:ok:3:-;p/a@lu-1:5:timeout:-1:slow;"
		    "p/a@lu-2:3:ok:2:-;");
		memset(&x, 0, sizeof(x));
		assert_int_equal(OPS->each_node_latest_of(b, 1, pv, ev, JAN + 4, collect_latest,
		    &x), 0);
		assert_string_equal(x.seen, "p/a@lu-1:5:timeout:-1:slow;");
	}
	OPS->close(b);
	OPS->close(b2);
}

struct copied {
	int		 n;
	int64_t		 last;
	char		 seen[512];
};

static int
collect_copy(const struct be_value *row, void *v)
{
	struct copied *x = v;
	size_t l = strlen(x->seen);

	snprintf(x->seen + l, sizeof(x->seen) - l, "%lld,%s,%s,%d,%zu;", (long long)row[0].i,
	    row[2].type == BE_TEXT ? row[2].s : "?", row[10].type == BE_NULL ? "null" : row[10].s,
	    (int)row[11].type, row[11].len);
	x->n++;
	return 0;
}

static void
raw_copy_puts_rows_resumes_after_a_key_and_moves_sequences(void **state)
{
	struct store_be *b = open_store();
	struct be_value ep[16] = {
		{ BE_INT, 7, NULL, 0 }, { BE_TEXT, 0, "p", 1 }, { BE_TEXT, 0, "a", 1 },
		{ BE_TEXT, 0, "ocsp", 4 }, { .type = BE_NULL }, { .type = BE_NULL },
		{ .type = BE_NULL }, { .type = BE_NULL }, { .type = BE_NULL },
		{ BE_INT, 0, NULL, 0 }, { BE_INT, 0, NULL, 0 }, { BE_INT, 0, NULL, 0 },
		{ BE_INT, 0, NULL, 0 }, { BE_INT, 0, NULL, 0 }, { BE_INT, 0, NULL, 0 },
		{ BE_INT, 42, NULL, 0 },	/* open_incident before its incident */
	};
	struct be_value rows[3 * 12];
	struct be_value daily[12];
	struct be_value key[4];
	struct copied x = { 0 };
	unsigned char blob[3] = { 3, 0x81, 0x01 };

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct be_value *r = &rows[i * 12];

		for (int c = 0; c < 12; c++)
			r[c] = (struct be_value){ .type = BE_NULL };
		r[0] = (struct be_value){ BE_INT, 7, NULL, 0 };
		r[1] = (struct be_value){ BE_INT, JAN + i * 40 * 86400000LL, NULL, 0 };
		r[2] = (struct be_value){ BE_TEXT, 0, i == 1 ? "lu-2" : "lu-1", 4 };
		r[3] = (struct be_value){ BE_TEXT, 0, "", 0 };
		r[4] = (struct be_value){ BE_INT, 2, NULL, 0 };
		r[9] = (struct be_value){ BE_INT, 10 * i, NULL, 0 };
		r[10] = (struct be_value){ BE_TEXT, 0, "msg\"x", 5 };
	}
	for (int c = 0; c < 12; c++)
		daily[c] = (struct be_value){ BE_INT, c, NULL, 0 };
	daily[0].i = 7;
	daily[1] = (struct be_value){ BE_TEXT, 0, "2026-01-01", 10 };
	daily[11] = (struct be_value){ BE_BLOB, 0, (const char *)blob, 3 };
	assert_int_equal(OPS->copy_last_key(b, BE_T_RESULTS, key), 0);
	assert_int_equal(OPS->begin(b), 0);
	assert_int_equal(OPS->copy_put(b, BE_T_ENDPOINTS, ep, 1), 0);
	assert_int_equal(OPS->copy_put(b, BE_T_RESULTS, rows, 3), 0);
	assert_int_equal(OPS->copy_put(b, BE_T_RESULTS, rows, 3), 0);	/* resumed twice: kept once */
	assert_int_equal(OPS->copy_put(b, BE_T_DAILY, daily, 1), 0);
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(OPS->copy_finish(b), 0);
	assert_int_equal(OPS->copy_count(b, BE_T_RESULTS), 3);
	days_match(b);
	assert_int_equal(OPS->copy_count(b, BE_T_ENDPOINTS), 1);
	assert_int_equal(OPS->copy_last_key(b, BE_T_RESULTS, key), 1);
	assert_int_equal(key[0].i, 7);
	assert_int_equal(key[1].i, JAN + 80 * 86400000LL);
	assert_string_equal(key[2].s, "lu-1");
	assert_int_equal(key[3].type, BE_TEXT);
	assert_int_equal(OPS->copy_each(b, BE_T_RESULTS, NULL, collect_copy, &x), 0);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.seen, "7,lu-1,msg\"x,0,0;7,lu-2,msg\"x,0,0;7,lu-1,msg\"x,0,0;");
	memset(&x, 0, sizeof(x));
	assert_int_equal(OPS->copy_each(b, BE_T_RESULTS, &rows[12], collect_copy, &x), 0);
	assert_int_equal(x.n, 1);
	/* Identities continue after the copied ids. */
	assert_int_equal(OPS->endpoint_id(b, "p", "b", "tsa"), 8);
	{
		struct eps e = { 0 };

		assert_int_equal(OPS->each_endpoint(b, "p", collect_ep, &e), 0);
		assert_int_equal(e.e[0].open_incident, 42);
	}
	{
		struct rolls r = { 0 };

		assert_int_equal(OPS->each_rollup(b, true, "2026-01-01", "2026-01-01", 0, 0, NULL,
		    NULL, collect_rollup, &r), 0);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.h[0][3], 129);
		assert_int_equal(r.r[0].c[8], 10);
	}
	{
		struct be_value node[6] = { { BE_TEXT, 0, "lu-1", 4 }, { BE_TEXT, 0, "Lux", 3 },
		    { BE_INT, 5, NULL, 0 }, { BE_INT, 4, NULL, 0 }, { BE_INT, 1, NULL, 0 },
		    { BE_INT, 9, NULL, 0 } };
		struct nodes ns = { 0 };

		assert_int_equal(OPS->begin(b), 0);
		assert_int_equal(OPS->copy_put(b, BE_T_NODES, node, 1), 0);
		assert_int_equal(OPS->commit(b), 0);
		assert_int_equal(OPS->copy_finish(b), 0);
		assert_int_equal(OPS->copy_last_key(b, BE_T_NODES, key), 1);
		assert_string_equal(key[0].s, "lu-1");
		assert_int_equal(OPS->each_node(b, collect_node, &ns), 0);
		assert_string_equal(ns.seen, "lu-1:Lux:5:4:1:9;");
	}
	assert_int_equal(OPS->copy_count(b, 99), -1);
	OPS->close(b);
}

/* Ends the newest writer connection ("trustwatch") from the server side. */
static void
kill_writer(void)
{
	int64_t pid = scalar("SELECT pid FROM pg_stat_activity WHERE application_name ="
	    " 'trustwatch' ORDER BY backend_start DESC LIMIT 1");
	char *q = xasprintf("SELECT pg_terminate_backend(%lld)", (long long)pid);

	scalar(q);
	free(q);
	usleep(100000);		/* the server ends it */
}

/* Loop mode: after a lost connection, ops fail at once until a non-blocking reconnect is done. */
static void
in_loop_mode_a_lost_connection_is_made_again_without_waiting(void **state)
{
	struct store_be *b = open_store();
	int64_t t0;
	int rc = -1, fails = 0;

	(void)state;
	OPS->set_nonblocking(b);
	assert_int_equal(OPS->try_leader(b), 1);
	kill_writer();
	assert_int_equal(OPS->count_results(b), -1);	/* the op that meets the loss */
	/* Then each op takes one step; none waits for the server (polled, 5 s at most). */
	t0 = mono_ms();
	while (mono_ms() - t0 < 5000) {
		int64_t t1 = mono_ms();

		if ((rc = (int)OPS->count_results(b)) == 0)
			break;
		assert_true(mono_ms() - t1 < 200);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(OPS->error(b), "PostgreSQL"));
		fails++;
		usleep(1000);
	}
	assert_int_equal(rc, 0);
	/* A new session: the leader lock went with the old one, and is taken again. */
	assert_int_equal(OPS->try_leader(b), 1);
	print_message("reconnected after %d quick failures\n", fails);
	OPS->close(b);
}

static void
a_lost_connection_is_an_error_then_the_next_op_reconnects(void **state)
{
	struct store_be *b = open_store();
	char *err = NULL, *bad;

	(void)state;
	assert_int_equal(OPS->count_results(b), 0);
	kill_writer();
	assert_int_equal(OPS->count_results(b), -1);
	assert_non_null(OPS->error(b));
	assert_int_equal(OPS->count_results(b), 0);	/* reconnected */
	assert_int_equal(OPS->file_check(b), 0);
	/* A killed connection inside a batch fails the batch; the next one works. */
	{
		struct be_result r = res(OPS->endpoint_id(b, "p", "z", "ocsp"), JAN, "", 0, 1);
		bool stored;

		assert_int_equal(OPS->begin(b), 0);
		assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);	/* the month exists */
		assert_int_equal(OPS->commit(b), 0);
	}
	assert_int_equal(OPS->begin(b), 0);
	kill_writer();
	{
		struct be_result r = res(1, JAN + 1, "", 0, 1);
		bool stored;

		assert_int_equal(OPS->add_results(b, &r, 1, &stored), -1);
	}
	assert_int_equal(OPS->endpoint_id(b, "p", "a", "ocsp"), -1);
	assert_int_equal(OPS->commit(b), -1);
	assert_int_equal(OPS->file_check(b), 0);
	assert_int_equal(OPS->begin(b), 0);
	assert_true(OPS->endpoint_id(b, "p", "a", "ocsp") > 0);
	{
		struct be_result r = res(1, JAN + 2, "", 0, 1);
		bool stored = false;

		assert_int_equal(OPS->add_results(b, &r, 1, &stored), 0);
		assert_true(stored);
	}
	assert_int_equal(OPS->commit(b), 0);
	assert_int_equal(OPS->count_results(b), 2);
	OPS->close(b);
	bad = xstrdup("postgresql://tw@127.0.0.1:1/postgres?connect_timeout=2");
	assert_null(pg_backend_open(bad, NULL, true, &err));
	assert_non_null(strstr(err, "connecting to PostgreSQL"));
	free(err);
	free(bad);
}

/*
 * The order guard of the reads that go endpoint by endpoint (hourly rollups, results):
 * rows by provider, endpoint, then key; a step back in any of them, a name that repeats
 * under another endpoint id, or (strict) a repeated key breaks it for good.
 */
static void
the_order_guard_refuses_rows_out_of_order(void **state)
{
	struct pg_order o = { .ep = -1, .strict = true };
	struct pg_order loose = { .ep = -1, .strict = false };

	(void)state;
	assert_true(pg_order_next(&o, 7, "a", "ocsp", 10));
	assert_true(pg_order_next(&o, 7, "a", "ocsp", 11));
	assert_true(pg_order_next(&o, 3, "a", "tsa", 5));	/* next endpoint: key starts anew */
	assert_true(pg_order_next(&o, 9, "b", "crl", 1));	/* next provider */
	assert_false(pg_order_next(&o, 9, "b", "crl", 1));	/* strict: a key twice */
	assert_false(pg_order_next(&o, 9, "b", "crl", 2));	/* and broken for good */
	pg_order_clear(&o);

	assert_true(pg_order_next(&loose, 1, "a", "ocsp", 10));
	assert_true(pg_order_next(&loose, 1, "a", "ocsp", 10));	/* results: same time */
	assert_false(pg_order_next(&loose, 1, "a", "ocsp", 9));	/* time goes back */
	pg_order_clear(&loose);

	loose = (struct pg_order){ .ep = -1 };
	assert_true(pg_order_next(&loose, 1, "a", "tsa", 1));
	assert_false(pg_order_next(&loose, 2, "a", "ocsp", 1));	/* endpoint goes back */
	pg_order_clear(&loose);
	loose = (struct pg_order){ .ep = -1 };
	assert_true(pg_order_next(&loose, 1, "b", "crl", 1));
	assert_false(pg_order_next(&loose, 2, "a", "tsa", 1));	/* provider goes back */
	pg_order_clear(&loose);
	loose = (struct pg_order){ .ep = -1 };
	assert_true(pg_order_next(&loose, 1, "a", "ocsp", 1));
	assert_true(pg_order_next(&loose, 2, "a", "tsa", 1));
	assert_false(pg_order_next(&loose, 1, "a", "ocsp", 2));	/* an endpoint comes back */
	pg_order_clear(&loose);
	loose = (struct pg_order){ .ep = -1 };
	assert_true(pg_order_next(&loose, 1, "a", "ocsp", 1));
	assert_false(pg_order_next(&loose, 5, "a", "ocsp", 1));	/* same name, other id */
	pg_order_clear(&loose);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		cmocka_unit_test(the_order_guard_refuses_rows_out_of_order),
		T(an_empty_database_is_refused_unless_created_and_then_reopens),
		T(a_schema_from_a_newer_trustwatch_is_refused),
		T(two_nodes_starting_together_migrate_once),
		T(results_are_stored_once_across_months_and_read_back_in_order),
		T(a_v3_store_migrates_to_packed_results),
		T(closed_hours_fold_into_packed_rows_without_gap_or_double),
		T(a_v5_store_migrates_to_recent_and_packed),
		T(each_result_streams_in_pages_and_stops_when_asked),
		T(a_read_nests_in_a_streaming_read_and_its_writes_commit_at_once),
		T(latest_results_and_crl_numbers_are_kept_with_the_endpoint),
		T(incident_state_incidents_and_notes_round_trip),
		T(rollup_deltas_are_summed_and_histograms_merged),
		T(prune_drops_whole_months_and_deletes_the_rest),
		T(a_failed_batch_rolls_back_whole_and_keeps_its_first_error),
		T(the_outbox_queues_once_retries_and_counts),
		T(raw_copy_puts_rows_resumes_after_a_key_and_moves_sequences),
		T(endpoints_registered_at_once_keep_their_ids_in_the_callers_order),
		T(nodes_beat_one_leads_and_each_node_newest_result_is_read),
		T(a_lost_connection_is_an_error_then_the_next_op_reconnects),
		T(in_loop_mode_a_lost_connection_is_made_again_without_waiting),
#undef T
	};
	const char *req = getenv("TW_REQUIRE_PG");
	int rc;

	base_url = getenv("TW_TEST_PG");
	if (base_url == NULL || base_url[0] == '\0') {
		if (req != NULL && strcmp(req, "1") == 0) {
			fprintf(stderr, "pg_test: FAILED: TW_REQUIRE_PG=1 but TW_TEST_PG (the URL of a"
			    " running PostgreSQL server) is not set\n");
			return 1;
		}
		printf("pg_test: skipped (set TW_TEST_PG to a PostgreSQL URL to run it)\n");
		return 0;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
