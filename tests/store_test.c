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
	struct store *s = store_open(":memory:", &err);

	(void)state;
	assert_non_null(s);
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
	struct store *s = store_open(path, &err);
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
	assert_int_equal(store_add_results(s, &it, 1), 0);
	result_clear(&r);
	store_close(s);

	s = store_open(path, &err);
	assert_non_null(s);
	assert_int_equal(store_count_results(s), 2);
	assert_int_equal(store_each_result(s, 0, INT64_MAX, "luxtrust", collect_row, &c), 0);
	assert_int_equal(c.n, 2);
	/* Ordered by provider, endpoint, time: crl first, then ocsp. */
	assert_string_equal(c.last, "1796086800123 luxtrust/ocsp ocsp down signature_invalid 0.4 12.9 "
	    "OCSP response signature does not verify {\"cert_status\":\"good\"}");
	num = store_last_crl_number(s, "luxtrust", "crl");
	assert_string_equal(num, "123456789012345678901234567890");
	free(num);
	assert_null(store_last_crl_number(s, "luxtrust", "ocsp"));
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
	struct store *s = store_open(":memory:", &err);
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
	struct store *s = store_open(path, &err);
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
	struct store *s = store_open(":memory:", &err);
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

static void
incidents_open_and_resolve_across_restarts_without_duplicates(void **state)
{
	char *path = temp_db(), *err = NULL;
	struct store *s = store_open(path, &err);
	struct collect c = { 0 };
	const char *seq = "udddsuu";

	(void)state;
	/* Reopen the store before every result, as a daemon killed after each commit would. */
	for (int i = 0; seq[i]; i++) {
		store_one(s, seq[i], 1000 * (i + 1));
		store_close(s);
		s = store_open(path, &err);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_store_is_created_at_the_current_schema),
		cmocka_unit_test(a_database_from_a_newer_trustwatch_is_refused),
		cmocka_unit_test(an_older_database_is_migrated_keeping_its_data),
		cmocka_unit_test(results_round_trip_and_survive_a_reopen),
		cmocka_unit_test(endpoint_ids_are_stable),
		cmocka_unit_test(a_batch_of_100000_results_is_stored_in_one_transaction),
		cmocka_unit_test(a_failed_batch_stores_nothing),
		cmocka_unit_test(incidents_open_and_resolve_across_restarts_without_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
