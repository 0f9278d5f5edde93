/* Spool: results written as JSON lines beside the store and read back in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "daemon/spool.h"

static struct conf_provider prov = { .id = "luxtrust", .name = "LuxTrust" };
static struct conf_endpoint eps[2] = {
	{ .id = "ocsp", .kind = KIND_OCSP, .provider = &prov, .interval_ms = 60000 },
	{ .id = "tsa \"x\"\n", .kind = KIND_TSA, .provider = &prov, .interval_ms = 300000 },
};

static char *
temp_dir(void)
{
	char tmpl[] = "/tmp/tw-spool-test.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void
remove_dir(char *dir)
{
	char *cmd = xasprintf("chmod -R u+w '%s'; rm -rf '%s'", dir, dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* Appends n results of alternating endpoints at t0, t0 + 1, ... */
static void
append(const char *path, int64_t t0, int n)
{
	struct result *r = xcalloc((size_t)n, sizeof(*r));
	struct store_item *it = xcalloc((size_t)n, sizeof(*it));
	char *err = NULL;

	for (int i = 0; i < n; i++) {
		result_init(&r[i], &eps[i % 2], t0 + i);
		it[i].r = &r[i];
	}
	assert_int_equal(spool_append(path, it, (size_t)n, &err), 0);
	assert_null(err);
	for (int i = 0; i < n; i++)
		result_clear(&r[i]);
	free(r);
	free(it);
}

static void
a_result_round_trips_with_every_field(void **state)
{
	char *dir = temp_dir(), *path = xasprintf("%s/s.spool", dir), *err = NULL;
	char **bad = NULL;
	size_t n_bad = 0;
	struct spool_pos pos = { 0 };
	struct spool_entry *e;
	struct result r;
	struct store_item it = { .r = &r, .maintenance = true };
	char *d;

	(void)state;
	result_init(&r, &eps[1], 1796086800123LL);
	result_flag(&r, REASON_IMPRINT_MISMATCH, "imprint \"differs\"\n\xc3\xa9");
	r.timings[PHASE_DNS] = 0.25;
	r.timings[PHASE_TOTAL] = 12.5;
	json_object_set_new(r.details, "serial", json_string("01ab"));
	r.memory = xstrdup("seq=7");
	assert_int_equal(spool_append(path, &it, 1, &err), 0);
	result_clear(&r);
	assert_int_equal(spool_exists(path), 1);

	assert_int_equal(spool_read(path, &pos, 10, &e, &bad, &n_bad, &err), 1);
	assert_int_equal(n_bad, 0);
	assert_string_equal(e[0].r.ep->provider->id, "luxtrust");
	assert_string_equal(e[0].r.ep->id, "tsa \"x\"\n");
	assert_int_equal(e[0].r.ep->kind, KIND_TSA);
	assert_int_equal(e[0].r.ep->interval_ms, 300000);
	assert_int_equal(e[0].r.time_ms, 1796086800123LL);
	assert_int_equal(e[0].r.reason, REASON_IMPRINT_MISMATCH);
	assert_int_equal(e[0].r.status, STATUS_DOWN);
	assert_string_equal(e[0].r.message, "imprint \"differs\"\n\xc3\xa9");
	assert_true(e[0].r.timings[PHASE_DNS] == 0.25 && e[0].r.timings[PHASE_TOTAL] == 12.5);
	assert_true(e[0].r.timings[PHASE_TLS] < 0);
	assert_true(e[0].maintenance);
	assert_string_equal(e[0].r.memory, "seq=7");	/* the kind memory survives the spool */
	d = json_dumps(e[0].r.details, JSON_COMPACT);
	assert_string_equal(d, "{\"serial\":\"01ab\"}");
	free(d);
	spool_entries_free(e, 1);
	assert_int_equal(spool_read(path, &pos, 10, &e, &bad, &n_bad, &err), 0);
	assert_null(e);
	free(path);
	remove_dir(dir);
}

static void
reading_in_chunks_keeps_the_order_written(void **state)
{
	char *dir = temp_dir(), *path = xasprintf("%s/s.spool", dir), *err = NULL;
	char **bad = NULL;
	size_t n_bad = 0;
	struct spool_pos pos = { 0 };
	struct spool_entry *e;
	int64_t next = 1000;
	int n, total = 0;

	(void)state;
	append(path, 1000, 7);
	append(path, 1007, 5);
	while ((n = spool_read(path, &pos, 5, &e, &bad, &n_bad, &err)) > 0) {
		for (int i = 0; i < n; i++)
			assert_int_equal(e[i].r.time_ms, next++);
		total += n;
		spool_entries_free(e, (size_t)n);
	}
	assert_int_equal(n, 0);
	assert_int_equal(total, 12);
	assert_int_equal(pos.line, 13);
	assert_int_equal(n_bad, 0);
	free(path);
	remove_dir(dir);
}

static void
a_malformed_or_torn_line_is_skipped_and_named_by_its_line(void **state)
{
	char *dir = temp_dir(), *path = xasprintf("%s/s.spool", dir), *err = NULL;
	char **bad = NULL;
	size_t n_bad = 0;
	struct spool_pos pos = { 0 };
	struct spool_entry *e;
	char *want;
	FILE *f;

	(void)state;
	append(path, 1000, 1);
	assert_non_null(f = fopen(path, "a"));
	fputs("{\"p\":\"x\",\"e\":\"y\",\"k\":\"nope\",\"i\":1,\"t\":1,\"r\":\"ok\",\"tm\":[1,1,1,1,1]}\n"
	    "not json\n", f);
	fclose(f);
	append(path, 2000, 1);
	assert_non_null(f = fopen(path, "a"));
	fputs("{\"p\":\"torn", f);
	fclose(f);
	assert_int_equal(spool_read(path, &pos, 10, &e, &bad, &n_bad, &err), 2);
	assert_int_equal(e[0].r.time_ms, 1000);
	assert_int_equal(e[1].r.time_ms, 2000);
	spool_entries_free(e, 2);
	assert_int_equal(n_bad, 3);
	want = xasprintf("%s:2: skipped: unknown kind", path);
	assert_string_equal(bad[0], want);
	free(want);
	want = xasprintf("%s:3: skipped: ", path);
	assert_memory_equal(bad[1], want, strlen(want));
	free(want);
	want = xasprintf("%s:5: skipped: torn last line (no newline)", path);
	assert_string_equal(bad[2], want);
	free(want);
	for (size_t i = 0; i < n_bad; i++)
		free(bad[i]);
	free(bad);
	free(path);
	remove_dir(dir);
}

static void
an_append_that_cannot_be_written_fails_naming_the_path(void **state)
{
	char *dir = temp_dir(), *path = xasprintf("%s/s.spool", dir), *err = NULL;
	struct result r;
	struct store_item it = { .r = &r };

	(void)state;
	result_init(&r, &eps[0], 1);
	assert_int_equal(mkdir(path, 0700), 0);	/* the spool path is a directory */
	assert_int_equal(spool_append(path, &it, 1, &err), -1);
	assert_non_null(strstr(err, path));
	free(err);
	assert_int_equal(spool_exists(path), -1);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(spool_exists(path), 0);
	result_clear(&r);
	free(path);
	remove_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_result_round_trips_with_every_field),
		cmocka_unit_test(reading_in_chunks_keeps_the_order_written),
		cmocka_unit_test(a_malformed_or_torn_line_is_skipped_and_named_by_its_line),
		cmocka_unit_test(an_append_that_cannot_be_written_fails_naming_the_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
