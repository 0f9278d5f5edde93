/*
 * The vantage points on the public record (SPEC §11), from a store holding the raw results
 * of three nodes (store_add_results with .node and .raw) and their heartbeats: the vantage
 * page's rows, the index's "seen from N of M", the endpoint page's minority sentence, the
 * API's per-node fields and nodes.json, the /metrics node families; and one node plainly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "report/json.h"
#include "report/report.h"
#include "report/vantage.h"
#include "store/store.h"
#include "web/web_int.h"
#include "tests/support/store_where.h"

#define NOW	1797494400000LL		/* 2026-12-17T08:00:00Z */
#define MIN	60000LL

static struct conf_provider provs[1] = { { .id = "p1", .name = "LuxTrust" } };
static struct conf_endpoint eps[2] = {
	{ .id = "login", .kind = KIND_LOGIN, .url = "https://login.example/", .interval_ms = MIN,
	  .provider = &provs[0] },
	{ .id = "ocsp", .kind = KIND_OCSP, .url = "http://ocsp.example/", .interval_ms = MIN,
	  .provider = &provs[0] },
};
static char *langs[] = { "en", "fr", "de" };
static struct conf conf = {
	.defaults = { .interval_ms = MIN },
	.storage = { .retention_ms = 400 * 86400000LL },
	.incidents = { .open_after = 3, .close_after = 2 },
	.report = { .title = "Trust services", .timezone = "UTC", .languages = langs,
	    .n_languages = 3 },
	.providers = provs,
	.n_providers = 1,
};

struct fixture {
	char		 dir[64];
	char		*site;
	struct store	*st;
};

/* One node's raw result (node NULL: the verdict item the leader stores). */
static void
add(struct store *st, const char *node, const struct conf_endpoint *ep, int64_t t,
    enum reason reason, const char *msg)
{
	struct result r;
	struct store_item it = { .r = &r, .node = node, .raw = node != NULL,
	    .verdict = node == NULL };

	result_init(&r, ep, t);
	if (reason != REASON_OK)
		result_flag(&r, reason, "%s", msg);
	r.timings[PHASE_TOTAL] = 20;
	assert_int_equal(store_add_results(st, &it, 1), 0);
	result_clear(&r);
}

static struct fixture *
fixture_new(void)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *err = NULL, *db;

	provs[0].endpoints = eps;
	provs[0].n_endpoints = 2;
	snprintf(f->dir, sizeof(f->dir), "/tmp/tw-vantage-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	db = xasprintf("%s/t.db", f->dir);
	conf.storage.path = db;
	f->site = xasprintf("%s/site", f->dir);
	f->st = test_store_open(db, &err);
	assert_non_null(f->st);
	return f;
}

/*
 * Three live nodes: lu-1 and lu-3 see p1/login up, lu-2 sees it down (a minority); p1/ocsp
 * is up from lu-1 and lu-2, and lu-3 has no result of it.
 */
static int
setup(void **state)
{
	struct fixture *f = fixture_new();

	assert_int_equal(store_node_heartbeat(f->st, "lu-1", "Luxembourg (POST)", NOW - 10000,
	    true, true, 2880), 0);
	assert_int_equal(store_node_heartbeat(f->st, "lu-2", "Frankfurt <Hetzner>", NOW - 20000,
	    true, false, 2870), 0);
	assert_int_equal(store_node_heartbeat(f->st, "lu-3", "Paris", NOW - 15000, true, false,
	    1440), 0);
	add(f->st, "lu-1", &eps[0], NOW - 40000, REASON_OK, NULL);
	add(f->st, "lu-2", &eps[0], NOW - 35000, REASON_TIMEOUT, "no answer in 10 s");
	add(f->st, "lu-3", &eps[0], NOW - 30000, REASON_OK, NULL);
	add(f->st, NULL, &eps[0], NOW - 30000, REASON_OK, NULL);
	add(f->st, "lu-1", &eps[1], NOW - 40000, REASON_OK, NULL);
	add(f->st, "lu-2", &eps[1], NOW - 35000, REASON_OK, NULL);
	add(f->st, NULL, &eps[1], NOW - 35000, REASON_OK, NULL);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	free(conf.storage.path);
	conf.storage.path = NULL;
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->site);
	free(f);
	return 0;
}

static char *
slurp(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	unsigned char *data = NULL;
	size_t len;

	if (file_read(path, 64u << 20, &data, &len) != 0)
		fail_msg("%s: missing", path);
	free(path);
	return (char *)data;
}

static void
render(struct fixture *f)
{
	char *err = NULL;

	setenv("TRUSTWATCH_I18N_STRICT", "1", 1);	/* every new string translated */
	if (report_render(&conf, f->st, f->site, NOW, &err) != 0)
		fail_msg("render: %s", err);
}

/* The text of the table row with id node-ID (from its <tr to its </tr>). */
static char *
row(const char *html, const char *id)
{
	char *want = xasprintf("<tr id=\"node-%s\">", id);
	const char *a = strstr(html, want), *b;

	free(want);
	if (a == NULL || (b = strstr(a, "</tr>")) == NULL)
		fail_msg("no row for %s", id);
	return xasprintf("%.*s", (int)(b - a), a);
}

static void
vantage_page_lists_every_node_with_location_last_heard_live_and_results(void **state)
{
	struct fixture *f = *state;
	char *html, *r;

	render(f);
	html = slurp(f->site, "vantage.html");
	assert_non_null(strstr(html, "<h1>Vantage points</h1>"));
	assert_non_null(strstr(html, "watched from 3 vantage points, 3 of them live now"));
	r = row(html, "lu-1");
	assert_non_null(strstr(r, "<code>lu-1</code>"));
	assert_non_null(strstr(r, "Luxembourg (POST)"));
	assert_non_null(strstr(r, "<time datetime=\"2026-12-17T07:59:50Z\">"));
	assert_non_null(strstr(r, "10\xC2\xA0s ago"));
	assert_non_null(strstr(r, "live"));
	assert_non_null(strstr(r, "<td>2880</td>"));
	free(r);
	r = row(html, "lu-2");
	assert_non_null(strstr(r, "Frankfurt &lt;Hetzner&gt;"));	/* escaped */
	assert_null(strstr(r, "<Hetzner>"));
	assert_non_null(strstr(r, "<td>2870</td>"));
	free(r);
	free(html);
	/* Every language has it, translated. */
	html = slurp(f->site, "fr/vantage.html");
	assert_non_null(strstr(html, "<h1>Points de mesure</h1>"));
	free(html);
	html = slurp(f->site, "de/vantage.html");
	assert_non_null(strstr(html, "<h1>Messpunkte</h1>"));
	free(html);
}

static void
index_says_seen_from_how_many_vantage_points_are_live(void **state)
{
	struct fixture *f = *state;
	char *html, *r;

	render(f);
	html = slurp(f->site, "index.html");
	assert_non_null(strstr(html, "<a href=\"vantage.html\">Seen from 3 of 3 vantage points</a>"));
	free(html);
	/* lu-3 falls silent: 10 minutes, past 2 x the shortest interval. */
	assert_int_equal(store_node_heartbeat(f->st, "lu-3", "Paris", NOW - 10 * MIN, false,
	    false, 1440), 0);
	render(f);
	html = slurp(f->site, "index.html");
	assert_non_null(strstr(html, "Seen from 2 of 3 vantage points"));
	assert_null(strstr(html, "Seen from 3 of 3"));
	free(html);
	html = slurp(f->site, "fr/index.html");
	assert_non_null(strstr(html, "Vu depuis 2 points de mesure sur 3"));
	free(html);
	html = slurp(f->site, "vantage.html");
	r = row(html, "lu-3");
	assert_non_null(strstr(r, "silent"));
	assert_non_null(strstr(r, "10\xC2\xA0min"));
	free(r);
	free(html);
}

static void
endpoint_page_shows_each_node_and_the_minority_sentence(void **state)
{
	struct fixture *f = *state;
	char *html, *login, *ocsp;

	render(f);
	html = slurp(f->site, "providers/p1.html");
	login = strstr(html, "id=\"ep-login\"");
	ocsp = strstr(html, "id=\"ep-ocsp\"");
	assert_non_null(login);
	assert_non_null(ocsp);
	assert_true(login < ocsp);
	ocsp[-1] = '\0';		/* login's section only */
	assert_non_null(strstr(login, "From each vantage point"));
	assert_non_null(strstr(login, "Seen down from <code>lu-2</code> only."));
	assert_non_null(strstr(login, "A minority view never opens an incident."));
	assert_non_null(strstr(login, "<tr class=\"minority\"><th scope=\"row\"><code>lu-2</code>"));
	assert_non_null(strstr(login, "<code>timeout</code> <q>no answer in 10 s</q>"));
	assert_null(strstr(login, "Seen up from"));
	/* ocsp: everyone agrees; lu-3 has no result of it. */
	assert_null(strstr(ocsp + 1, "only."));
	assert_non_null(strstr(ocsp + 1, "<code>lu-3</code></th><td><span class=\"st none\">"));
	free(html);
	html = slurp(f->site, "de/providers/p1.html");
	assert_non_null(strstr(html, "Nur von <code>lu-2</code> aus als ausgefallen gesehen."));
	free(html);
	/* Too few fresh results: lu-2 and lu-3 fall silent, lu-1 alone cannot reach 2. */
	conf.quorum = 2;
	assert_int_equal(store_node_heartbeat(f->st, "lu-2", "", NOW - 10 * MIN, false, false, 0), 0);
	assert_int_equal(store_node_heartbeat(f->st, "lu-3", "", NOW - 10 * MIN, false, false, 0), 0);
	render(f);
	conf.quorum = 0;
	html = slurp(f->site, "providers/p1.html");
	assert_non_null(strstr(html, "No verdict: 1 fresh results where 2 must agree."));
	assert_non_null(strstr(html, "(too old to count)"));
	free(html);
}

static void
methodology_explains_vantage_points_quorum_and_unknown(void **state)
{
	struct fixture *f = *state;
	char *html;

	render(f);
	html = slurp(f->site, "methodology.html");
	assert_non_null(strstr(html, "<h2 id=\"vantage\">Vantage points and the quorum</h2>"));
	assert_non_null(strstr(html, "when a majority of the live vantage points see it down"));
	assert_non_null(strstr(html, "the verdict is unknown: not observed, counting neither up nor down"));
	assert_non_null(strstr(html, "never opens an incident"));
	free(html);
	conf.quorum = 2;
	render(f);
	conf.quorum = 0;
	html = slurp(f->site, "methodology.html");
	assert_non_null(strstr(html, "down when at least 2 of them see it down"));
	free(html);
}

static json_t *
endpoint_json(json_t *doc, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(doc, "endpoints"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "endpoint")), id) == 0)
			return e;
	fail_msg("no endpoint %s", id);
	return NULL;
}

static void
api_carries_each_node_the_minority_and_the_vantage_table(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_t *doc, *e, *m, *n;

	render(f);
	text = slurp(f->site, "api/status.json");
	assert_non_null(doc = json_loads(text, 0, NULL));
	free(text);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "vantage_points"),
	    "live")), 3);
	e = endpoint_json(doc, "login");
	assert_int_equal(json_array_size(json_object_get(e, "nodes")), 3);
	m = json_object_get(e, "minority");
	assert_int_equal(json_array_size(m), 1);
	n = json_array_get(m, 0);
	assert_string_equal(json_string_value(json_object_get(n, "node")), "lu-2");
	assert_string_equal(json_string_value(json_object_get(n, "status")), "down");
	assert_string_equal(json_string_value(json_object_get(n, "reason")), "timeout");
	assert_string_equal(json_string_value(json_object_get(n, "time")), "2026-12-17T07:59:25.000Z");
	assert_true(json_is_true(json_object_get(n, "minority")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "quorum"),
	    "verdict")), "up");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "quorum"),
	    "agree")), 2);
	e = endpoint_json(doc, "ocsp");
	assert_int_equal(json_array_size(json_object_get(e, "nodes")), 2);
	assert_int_equal(json_array_size(json_object_get(e, "minority")), 0);
	json_decref(doc);

	text = slurp(f->site, "api/nodes.json");
	assert_non_null(doc = json_loads(text, 0, NULL));
	free(text);
	assert_int_equal(json_integer_value(json_object_get(doc, "live_window_s")), 120);
	assert_string_equal(json_string_value(json_object_get(doc, "quorum")), "majority");
	n = json_array_get(json_object_get(doc, "nodes"), 1);
	assert_string_equal(json_string_value(json_object_get(n, "id")), "lu-2");
	assert_string_equal(json_string_value(json_object_get(n, "location")), "Frankfurt <Hetzner>");
	assert_string_equal(json_string_value(json_object_get(n, "last_seen")), "2026-12-17T07:59:40.000Z");
	assert_int_equal(json_integer_value(json_object_get(n, "last_seen_ago_s")), 20);
	assert_true(json_is_true(json_object_get(n, "live")));
	assert_true(json_is_false(json_object_get(n, "leader")));
	assert_int_equal(json_integer_value(json_object_get(n, "results_24h")), 2870);
	json_decref(doc);
}

static void
metrics_carry_node_up_and_last_seen(void **state)
{
	struct fixture *f = *state;
	struct buf b = { 0 };
	const char *txt;

	assert_int_equal(store_node_heartbeat(f->st, "lu-3", "Paris", NOW - 10 * MIN, false,
	    false, 1440), 0);
	assert_int_equal(web_metrics_render(&conf, f->st, NULL, NOW, &b), 0);
	txt = (const char *)b.data;
	assert_non_null(strstr(txt, "# TYPE trustwatch_node_up gauge\n"));
	assert_non_null(strstr(txt, "trustwatch_node_up{node=\"lu-1\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_node_up{node=\"lu-2\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_node_up{node=\"lu-3\"} 0\n"));
	assert_non_null(strstr(txt, "# TYPE trustwatch_node_last_seen_seconds gauge\n"));
	assert_non_null(strstr(txt, "trustwatch_node_last_seen_seconds{node=\"lu-1\"} 1797494390.000\n"));
	assert_non_null(strstr(txt, "trustwatch_node_last_seen_seconds{node=\"lu-3\"} 1797493800.000\n"));
	buf_free(&b);
}

static void
one_node_says_so_plainly_and_shows_no_per_node_view(void **state)
{
	struct fixture *f = fixture_new();
	char *html, *text;

	(void)state;
	assert_int_equal(store_node_heartbeat(f->st, "solo", "Luxembourg", NOW - 5000, true,
	    true, 100), 0);
	add(f->st, "solo", &eps[0], NOW - 30000, REASON_TIMEOUT, "slow");
	add(f->st, NULL, &eps[0], NOW - 30000, REASON_TIMEOUT, "slow");
	render(f);
	html = slurp(f->site, "index.html");
	assert_non_null(strstr(html, "Seen from a single vantage point"));
	assert_null(strstr(html, " of 1 vantage"));
	free(html);
	html = slurp(f->site, "vantage.html");
	assert_non_null(strstr(html, "watched from a single vantage point"));
	assert_non_null(strstr(html, "<code>solo</code>"));
	free(html);
	html = slurp(f->site, "providers/p1.html");
	assert_null(strstr(html, "From each vantage point"));
	assert_null(strstr(html, "only."));
	free(html);
	html = slurp(f->site, "methodology.html");
	assert_non_null(strstr(html, "watched from a single vantage point, so each check"));
	free(html);
	text = slurp(f->site, "api/status.json");
	assert_non_null(strstr(text, "\"minority\":[]"));
	free(text);
	*state = f;
	teardown(state);
}

/* A store no node has written to yet (`trustwatch probe` only): nothing looks broken. */
static void
no_node_yet_reads_as_a_single_vantage_point(void **state)
{
	struct fixture *f = fixture_new();
	char *html;

	(void)state;
	add(f->st, NULL, &eps[0], NOW - 30000, REASON_OK, NULL);
	render(f);
	html = slurp(f->site, "vantage.html");
	assert_non_null(strstr(html, "watched from a single vantage point"));
	assert_null(strstr(html, "<table"));
	free(html);
	html = slurp(f->site, "index.html");
	assert_non_null(strstr(html, "Seen from a single vantage point"));
	free(html);
	*state = f;
	teardown(state);
}

int main(void);

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(vantage_page_lists_every_node_with_location_last_heard_live_and_results, setup, teardown),
		cmocka_unit_test_setup_teardown(index_says_seen_from_how_many_vantage_points_are_live, setup, teardown),
		cmocka_unit_test_setup_teardown(endpoint_page_shows_each_node_and_the_minority_sentence, setup, teardown),
		cmocka_unit_test_setup_teardown(methodology_explains_vantage_points_quorum_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(api_carries_each_node_the_minority_and_the_vantage_table, setup, teardown),
		cmocka_unit_test_setup_teardown(metrics_carry_node_up_and_last_seen, setup, teardown),
		cmocka_unit_test(one_node_says_so_plainly_and_shows_no_per_node_view),
		cmocka_unit_test(no_node_yet_reads_as_a_single_vantage_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
