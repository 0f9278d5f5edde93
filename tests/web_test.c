/* Web: path checks, content types, validators, logfmt and label escaping, health, metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "report/json.h"
#include "store/store.h"
#include "tests/support/store_where.h"
#include "web/server.h"
#include "web/web_int.h"

static void
paths_are_decoded_or_refused(void **state)
{
	static const struct {
		const char *raw;
		enum web_path_rc rc;
		const char *out;
		bool dir;
	} cases[] = {
		{ "/", WEB_PATH_OK, "", true },
		{ "/index.html", WEB_PATH_OK, "index.html", false },
		{ "/en/providers/p1.html", WEB_PATH_OK, "en/providers/p1.html", false },
		{ "/en/", WEB_PATH_OK, "en", true },
		{ "//en//x.css", WEB_PATH_OK, "en/x.css", false },
		{ "/a%20b.html", WEB_PATH_OK, "a b.html", false },
		{ "/%41%62c", WEB_PATH_OK, "Abc", false },
		{ "/caf%C3%A9", WEB_PATH_OK, "caf\xc3\xa9", false },
		{ "/a.b..c", WEB_PATH_OK, "a.b..c", false },
		{ "/..", WEB_PATH_BAD, NULL, false },
		{ "/../etc/passwd", WEB_PATH_BAD, NULL, false },
		{ "/a/../../etc/passwd", WEB_PATH_BAD, NULL, false },
		{ "/a/./b", WEB_PATH_BAD, NULL, false },
		{ "/%2e%2e/%2e%2e/etc/passwd", WEB_PATH_BAD, NULL, false },
		{ "/%2E%2E/etc", WEB_PATH_BAD, NULL, false },
		{ "/.%2e/etc", WEB_PATH_BAD, NULL, false },
		{ "/..%2fetc/passwd", WEB_PATH_BAD, NULL, false },
		{ "/a%2Fb", WEB_PATH_BAD, NULL, false },
		{ "/%00", WEB_PATH_BAD, NULL, false },
		{ "/index.html%00.png", WEB_PATH_BAD, NULL, false },
		{ "/a\\..\\b", WEB_PATH_BAD, NULL, false },
		{ "/a%5c..%5cb", WEB_PATH_BAD, NULL, false },
		{ "/a%0ab", WEB_PATH_BAD, NULL, false },
		{ "/a%7f", WEB_PATH_BAD, NULL, false },
		{ "/a%", WEB_PATH_BAD, NULL, false },
		{ "/a%2", WEB_PATH_BAD, NULL, false },
		{ "/a%zz", WEB_PATH_BAD, NULL, false },
		{ "relative", WEB_PATH_BAD, NULL, false },
		{ "", WEB_PATH_BAD, NULL, false },
		{ "/.git/config", WEB_PATH_HIDDEN, NULL, false },
		{ "/a/.htaccess", WEB_PATH_HIDDEN, NULL, false },
		{ "/%2egit", WEB_PATH_HIDDEN, NULL, false },
	};
	char out[64];
	bool dir;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		enum web_path_rc rc = web_path_normalize(cases[i].raw, out, sizeof(out), &dir);

		if (rc != cases[i].rc)
			fail_msg("%s: rc %d, want %d", cases[i].raw, rc, cases[i].rc);
		if (rc == WEB_PATH_OK) {
			assert_string_equal(out, cases[i].out);
			if (dir != cases[i].dir)
				fail_msg("%s: dir %d", cases[i].raw, dir);
		}
	}
}

static void
a_path_longer_than_the_buffer_is_refused(void **state)
{
	char raw[200], out[64];
	bool dir;

	(void)state;
	raw[0] = '/';
	memset(raw + 1, 'a', sizeof(raw) - 2);
	raw[sizeof(raw) - 1] = '\0';
	assert_int_equal(web_path_normalize(raw, out, sizeof(out), &dir), WEB_PATH_BAD);
	raw[64] = '\0';		/* 63 bytes decoded + NUL fit */
	assert_int_equal(web_path_normalize(raw, out, sizeof(out), &dir), WEB_PATH_OK);
	raw[64] = 'a';		/* 64 do not */
	raw[65] = '\0';
	assert_int_equal(web_path_normalize(raw, out, sizeof(out), &dir), WEB_PATH_BAD);
}

static void
accept_encoding_takes_gzip_unless_refused(void **state)
{
	static const struct { const char *ae; bool gzip; } cases[] = {
		{ "gzip", true }, { "GZIP", true }, { "br, gzip, deflate", true },
		{ "gzip;q=0.5", true }, { "gzip; q=1", true }, { "*", true },
		{ "gzip;q=0", false }, { "gzip;q=0.000", false }, { "br", false }, { "", false },
		{ "gzipx", false }, { "x-gzip2", false }, { "identity", false },
		{ "deflate, gzip;q=0", false }, { "gzip;q=0.001", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (web_accepts_gzip(cases[i].ae) != cases[i].gzip)
			fail_msg("Accept-Encoding: %s: want %d", cases[i].ae, cases[i].gzip);
	assert_false(web_accepts_gzip(NULL));
}

static void
content_types_follow_the_extension(void **state)
{
	(void)state;
	assert_string_equal(web_content_type("/s/index.html"), "text/html; charset=utf-8");
	assert_string_equal(web_content_type("style.CSS"), "text/css; charset=utf-8");
	assert_string_equal(web_content_type("u.svg"), "image/svg+xml");
	assert_string_equal(web_content_type("api/status.json"), "application/json");
	assert_string_equal(web_content_type("exports/daily.csv"), "text/csv; charset=utf-8");
	assert_string_equal(web_content_type("feed.atom"), "application/atom+xml");
	assert_string_equal(web_content_type("robots.txt"), "text/plain; charset=utf-8");
	assert_string_equal(web_content_type("logo.png"), "image/png");
	assert_string_equal(web_content_type("favicon.ico"), "image/x-icon");
	assert_string_equal(web_content_type("a.d/noext"), "application/octet-stream");
	assert_string_equal(web_content_type("binary"), "application/octet-stream");
}

static void
etags_match_lists_weak_tags_and_star(void **state)
{
	const char *tag = "\"c-1f\"";

	(void)state;
	assert_true(web_etag_matches("\"c-1f\"", tag));
	assert_true(web_etag_matches("W/\"c-1f\"", tag));
	assert_true(web_etag_matches("\"x\", \"c-1f\"", tag));
	assert_true(web_etag_matches("*", tag));
	assert_false(web_etag_matches("\"c-1e\"", tag));
	assert_false(web_etag_matches("c-1f", tag));
	assert_false(web_etag_matches("\"c-1f", tag));
	assert_false(web_etag_matches("", tag));
}

static void
http_dates_round_trip_and_garbage_is_refused(void **state)
{
	char s[40];
	time_t t;

	(void)state;
	assert_int_equal(web_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	assert_int_equal((long long)t, 784111777LL);
	web_http_date_format(t, s, sizeof(s));
	assert_string_equal(s, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_int_equal(web_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT junk", &t), -1);
	assert_int_equal(web_http_date_parse("yesterday", &t), -1);
	assert_int_equal(web_http_date_parse("", &t), -1);
}

static void
resolve_stays_inside_the_root(void **state)
{
	char tmpl[] = "/tmp/tw-web-test.XXXXXX", root[PATH_MAX], out[PATH_MAX], *p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, root));
	p = xasprintf("%s/sub", root);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/sub/a.html", root);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
	free(p);
	p = xasprintf("%s/etc", root);
	assert_int_equal(symlink("/etc", p), 0);
	free(p);
	p = xasprintf("%s/inside", root);
	assert_int_equal(symlink("sub/a.html", p), 0);
	free(p);

	assert_int_equal(web_resolve(root, "", out), 0);
	assert_string_equal(out, root);
	assert_int_equal(web_resolve(root, "sub/a.html", out), 0);
	assert_int_equal(web_resolve(root, "inside", out), 0);
	assert_int_equal(web_resolve(root, "etc/passwd", out), -1);
	assert_int_equal(web_resolve(root, "etc", out), -1);
	assert_int_equal(web_resolve(root, "missing", out), -1);
	p = xasprintf("rm -rf '%s'", root);
	assert_int_equal(system(p), 0);
	free(p);
}

static void
label_values_escape_backslash_quote_and_newline(void **state)
{
	struct buf b = { 0 };

	(void)state;
	web_metrics_escape(&b, "a\\b\"c\nd");
	assert_string_equal((char *)b.data, "a\\\\b\\\"c\\nd");
	buf_free(&b);
}

static void
logfmt_values_are_bare_or_quoted_with_escapes(void **state)
{
	struct buf b = { 0 };

	(void)state;
	web_logfmt_value(&b, "/index.html");
	buf_append(&b, "|", 1);
	web_logfmt_value(&b, "/a b\"\\\n\x1b");
	buf_append(&b, "|", 1);
	web_logfmt_value(&b, "");
	assert_string_equal((char *)b.data, "/index.html|\"/a b\\\"\\\\\\x0a\\x1b\"|\"\"");
	buf_free(&b);
}

/* A config with three endpoints of one provider, and a store holding their results. */
static struct conf_provider prov = { .id = "p\"1", .name = "P" };
static struct conf_endpoint eps[3] = {
	{ .id = "login", .kind = KIND_LOGIN, .provider = &prov, .interval_ms = 60000 },
	{ .id = "ocsp", .kind = KIND_OCSP, .provider = &prov, .interval_ms = 600000 },
	{ .id = "crl", .kind = KIND_CRL, .provider = &prov, .interval_ms = 600000 },
};

static void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	prov.endpoints = eps;
	prov.n_endpoints = NELEM(eps);
	c->providers = &prov;
	c->n_providers = 1;
}

static void
add_result(struct store *st, const struct conf_endpoint *ep, int64_t t, enum reason reason,
    const char *key, const char *when)
{
	struct result r;
	struct store_item it = { .r = &r };

	result_init(&r, ep, t);
	if (reason != REASON_OK)
		result_flag(&r, reason, "flagged");
	r.timings[PHASE_DNS] = 1.5;
	r.timings[PHASE_TOTAL] = 250;
	if (key != NULL)
		json_object_set_new(r.details, key, json_string(when));
	assert_int_equal(store_add_results(st, &it, 1), 0);
	result_clear(&r);
}

static void
health_window_is_three_intervals_but_at_least_five_minutes(void **state)
{
	struct conf c;

	(void)state;
	conf_init(&c);
	assert_int_equal(web_health_window_ms(&c), 5 * 60000);
	eps[0].interval_ms = 600000;
	assert_int_equal(web_health_window_ms(&c), 3 * 600000);
	eps[0].interval_ms = 60000;
	c.n_providers = 0;
	assert_int_equal(web_health_window_ms(&c), 5 * 60000);
}

static void
health_needs_a_recent_result(void **state)
{
	struct conf c;
	struct store *st;
	char *err = NULL, why[160];
	int64_t now = now_ms();

	(void)state;
	conf_init(&c);
	assert_non_null(st = test_store_open(":memory:", &err));
	assert_int_equal(web_health(&c, st, now, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no probe results"));
	add_result(st, &eps[0], now - 10 * 60000, REASON_OK, NULL, NULL);
	assert_int_equal(web_health(&c, st, now, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "600 s old"));
	add_result(st, &eps[1], now - 60000, REASON_OK, NULL, NULL);
	assert_int_equal(web_health(&c, st, now, why, sizeof(why)), 0);
	store_close(st);
}

static void
metrics_carry_status_phases_incidents_expiry_and_counts(void **state)
{
	struct conf c;
	struct store *st;
	struct buf b = { 0 };
	char *err = NULL;
	int64_t t = now_ms() - 3600000;
	const char *txt;

	(void)state;
	conf_init(&c);
	assert_non_null(st = test_store_open(":memory:", &err));
	add_result(st, &eps[0], t, REASON_OK, "tls_not_after", "2027-01-01T00:00:00Z");
	add_result(st, &eps[0], t + 60000, REASON_SLOW, "tls_not_after", "2027-01-01T00:00:00Z");
	for (int i = 0; i < 3; i++)
		add_result(st, &eps[1], t + i * 60000, REASON_SIGNATURE_INVALID, "signer_not_after",
		    "2026-12-31T23:59:59Z");
	assert_int_equal(web_metrics_render(&c, st, NULL, now_ms(), &b), 0);
	txt = (const char *)b.data;
#define L "{provider=\"p\\\"1\",endpoint="
	assert_non_null(strstr(txt, "# TYPE trustwatch_up gauge\n"));
	assert_non_null(strstr(txt, "trustwatch_up" L "\"login\",kind=\"login\"} 0.5\n"));
	assert_non_null(strstr(txt, "trustwatch_up" L "\"ocsp\",kind=\"ocsp\"} 0\n"));
	assert_null(strstr(txt, "trustwatch_up" L "\"crl\""));	/* never probed */
	assert_non_null(strstr(txt, "trustwatch_probe_duration_seconds" L
	    "\"login\",kind=\"login\",phase=\"total\"} 0.250000\n"));
	assert_non_null(strstr(txt, "trustwatch_probe_duration_seconds" L
	    "\"login\",kind=\"login\",phase=\"dns\"} 0.001500\n"));
	assert_null(strstr(txt, "phase=\"tls\""));		/* not reached */
	assert_non_null(strstr(txt, "trustwatch_incident_open" L "\"ocsp\",kind=\"ocsp\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_incident_open" L "\"login\",kind=\"login\"} 0\n"));
	assert_non_null(strstr(txt, "trustwatch_cert_expiry_timestamp_seconds" L
	    "\"login\",kind=\"login\",cert=\"tls\"} 1798761600\n"));
	assert_non_null(strstr(txt, "trustwatch_cert_expiry_timestamp_seconds" L
	    "\"ocsp\",kind=\"ocsp\",cert=\"ocsp_signer\"} 1798761599\n"));
	assert_non_null(strstr(txt, "# TYPE trustwatch_probe_total counter\n"));
	assert_non_null(strstr(txt, "trustwatch_probe_total" L
	    "\"login\",kind=\"login\",status=\"up\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_probe_total" L
	    "\"login\",kind=\"login\",status=\"degraded\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_probe_total" L
	    "\"ocsp\",kind=\"ocsp\",status=\"down\"} 3\n"));
#undef L
	buf_free(&b);
	store_close(st);
}

static void
metrics_watch_the_watcher_build_outbox_daemon_and_tsa_clock(void **state)
{
	struct conf c;
	struct store *st;
	struct buf b = { 0 };
	char *err = NULL, gen[40];
	int64_t t = 1798000000000LL, now = t + 90000;
	struct web_daemon_stats d = { .render_last_ok_ms = t + 30000, .render_failures = 2,
	    .store_write_errors = 5, .spool_bytes = 4096 };
	const char *txt;

	(void)state;
	conf_init(&c);
	eps[2].kind = KIND_TSA;
	assert_non_null(st = test_store_open(":memory:", &err));
	store_set_incident_policy(st, 1, 1);
	rfc3339_format(t + 1500, gen, sizeof(gen));
	add_result(st, &eps[2], t, REASON_OK, "gen_time", gen);
	add_result(st, &eps[0], t, REASON_CONNECT, NULL, NULL);	/* opens incident 1 */
	assert_int_equal(store_outbox_add(st, 1, "opened", "a@b.c", "s", "b", t), 0);
	assert_int_equal(store_outbox_add(st, 1, "reminder-1", "a@b.c", "s", "b", t + 60000), 0);
	assert_int_equal(store_mail_failed(st, 1, "refused", t + 1000, false), 0);
	assert_int_equal(store_mail_failed(st, 1, "refused", t + 2000, false), 0);
	assert_int_equal(store_mail_sent(st, 2, t + 61000), 0);
	{
		struct store_outbox_row hook = { 1, "webhook-1:opened", "http://h/", "s", "{}" };
		int64_t one = 1;

		assert_int_equal(store_outbox_add_digest(st, &one, 1, "opened", "a@b.c", "s", "b",
		    &hook, 1, t + 30000), 1);	/* the mail was there: the webhook row is added */
	}
	/* Under serve: the build and the outbox, no daemon figures. */
	assert_int_equal(web_metrics_render(&c, st, NULL, now, &b), 0);
	txt = (const char *)b.data;
	assert_non_null(strstr(txt, "# TYPE trustwatch_build_info gauge\ntrustwatch_build_info{version=\""));
	assert_non_null(strstr(txt, "\",commit=\""));
	assert_non_null(strstr(txt, "trustwatch_alert_queue_length{channel=\"mail\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_alert_oldest_undelivered_age_seconds{channel=\"mail\"} 90.000\n"));
	assert_non_null(strstr(txt, "trustwatch_alert_delivery_failures_total{channel=\"mail\"} 2\n"));
	assert_non_null(strstr(txt, "trustwatch_alert_given_up_total{channel=\"mail\"} 0\n"));
	assert_non_null(strstr(txt, "trustwatch_alert_queue_length{channel=\"webhook\"} 1\n"));
	assert_non_null(strstr(txt, "trustwatch_alert_oldest_undelivered_age_seconds{channel=\"webhook\"} 60.000\n"));
	assert_non_null(strstr(txt, "trustwatch_tsa_clock_offset_seconds{provider=\"p\\\"1\",endpoint=\"crl\",kind=\"tsa\"} 1.500\n"));
	assert_null(strstr(txt, "trustwatch_render_"));
	assert_null(strstr(txt, "trustwatch_spool_bytes"));
	buf_free(&b);
	/* Under run: the daemon's figures too. */
	assert_int_equal(web_metrics_render(&c, st, &d, now, &b), 0);
	txt = (const char *)b.data;
	assert_non_null(strstr(txt, "trustwatch_render_last_success_timestamp_seconds 1798000030.000\n"));
	assert_non_null(strstr(txt, "# TYPE trustwatch_render_failures_total counter\ntrustwatch_render_failures_total 2\n"));
	assert_non_null(strstr(txt, "trustwatch_store_write_errors_total 5\n"));
	assert_non_null(strstr(txt, "trustwatch_spool_bytes 4096\n"));
	buf_free(&b);
	eps[2].kind = KIND_CRL;
	store_close(st);
}

/* The live API and api/status.json: one writer; hostile remote text stays data. */
static void
status_document_keeps_an_endpoint_whose_message_ends_in_a_cut_character(void **state)
{
	static const char hostile[] = "</script>\xE2\x80\xA8 \xFF end \xE2\x80";
	struct conf c;
	struct store *st;
	struct report_status rs;
	struct report_incident *rows;
	size_t n;
	struct result r;
	struct store_item it = { .r = &r };
	char *err = NULL, *doc;
	json_t *j, *e;
	int64_t t = now_ms() - 60000;

	(void)state;
	conf_init(&c);
	assert_non_null(st = test_store_open(":memory:", &err));
	store_set_incident_policy(st, 1, 1);
	result_init(&r, &eps[1], t);
	result_flag(&r, REASON_SIGNATURE_INVALID, "%s", hostile);
	assert_int_equal(store_add_results(st, &it, 1), 0);
	result_clear(&r);
	assert_int_equal(report_status_collect(&c, st, now_ms(), &rs), 0);
	doc = report_json_status(&rs);
	report_status_free(&rs);
	assert_null(strstr(doc, "</"));
	for (const char *p = doc; *p; p++)
		assert_true((unsigned char)*p < 0x80);		/* U+2028 escaped */
	assert_non_null(j = json_loads(doc, 0, NULL));
	assert_int_equal(json_array_size(json_object_get(j, "endpoints")), 3);
	e = json_array_get(json_object_get(j, "endpoints"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "endpoint")), "ocsp");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
	    "</script>\xE2\x80\xA8 \xEF\xBF\xBD end \xEF\xBF\xBD");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "down");
	assert_true(json_is_integer(json_object_get(e, "incident")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "endpoints"), 2), "status")), "unknown");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "down");
	json_decref(j);
	free(doc);
	assert_int_equal(report_incidents_collect(st, NULL, 0, &rows, &n), 0);
	doc = report_json_incidents(now_ms(), rows, n);
	report_incidents_free(rows, n);
	assert_null(strstr(doc, "</"));
	assert_non_null(j = json_loads(doc, 0, NULL));
	assert_int_equal(json_array_size(json_object_get(j, "incidents")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "incidents"), 0), "message")),
	    "</script>\xE2\x80\xA8 \xEF\xBF\xBD end \xEF\xBF\xBD");
	json_decref(j);
	free(doc);
	store_close(st);
}

/* Feeds s to a fresh guard, whole and then one byte at a time; both must agree. */
static const char *
guard_run(const char *s, size_t n, unsigned long *requests)
{
	struct web_guard g, g1;
	size_t at;

	web_guard_init(&g);
	at = web_guard_feed(&g, (const unsigned char *)s, n);
	web_guard_init(&g1);
	for (size_t i = 0; i < n; i++)
		if (web_guard_feed(&g1, (const unsigned char *)s + i, 1) != 1)
			break;
	assert_int_equal(g.bad == NULL, g1.bad == NULL);
	assert_int_equal(at == n, g.bad == NULL);
	if (g.bad != NULL) {
		const char *line = s + at - g.bad_back;

		struct web_guard g3;

		/* bad_back leads exactly to the start of the refused line: never into an earlier
		 * line or body (evhttp may have read those), never past the line's first byte */
		assert_true(line >= s && memchr(line, '\n', (size_t)(s + at - line)) == NULL);
		web_guard_init(&g3);
		assert_int_equal(web_guard_feed(&g3, (const unsigned char *)s, (size_t)(line - s)),
		    (size_t)(line - s));
		assert_int_equal(g3.line_len, 0);
		assert_int_equal(g1.bad_back, g.bad_back);
	}
	if (requests != NULL)
		*requests = g.requests;
	return g.bad;
}

static void
request_guard_refuses_smuggling_and_malformed_headers(void **state)
{
#define GOOD	"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	static const struct {
		const char *req;
		bool ok;
		unsigned long requests;
	} cases[] = {
		{ GOOD, true, 1 },
		{ GOOD GOOD GOOD, true, 3 },
		{ "GET / HTTP/1.0\r\n\r\n", true, 1 },
		{ "GET / HTTP/1.1\nhost:x\n\n" GOOD, true, 2 },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /" GOOD, true, 2 },
		{ "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n\x01" GOOD, true, 2 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /" GOOD, false, 1 },
		{ "DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /" GOOD, false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length:  0 \r\n\r\n" GOOD, true, 2 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb \xc3\xa9\r\n\r\n", true, 1 },
		{ "\r\n" GOOD, true, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 9\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\n\r\n", false, 1 },
		{ GOOD "GET / HTTP/1.1\r\nX: y\r\n\r\n", false, 2 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\n: x\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7f\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", false, 1 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX\x01A: a\r\n\r\n", false, 1 },
		{ "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", false, 0 },
		{ "HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" GOOD, false, 1 },
	};
	unsigned long requests;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = guard_run(cases[i].req, strlen(cases[i].req), &requests);

		if ((why == NULL) != cases[i].ok)
			fail_msg("case %zu (%s): %s", i, cases[i].req, why ? why : "accepted");
		assert_int_equal(requests, cases[i].requests);
	}
#undef GOOD
}

/*
 * Mutations of a valid pipelined stream (a fixed-seed generator, so reproducible): fed whole
 * or a byte at a time the guard decides the same, and a refusal always points back to the
 * start of the refused line, never before it (guard_run checks both).
 */
static void
request_guard_is_the_same_over_any_split_of_mutated_streams(void **state)
{
	static const char base[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
	    "HEAD /a HTTP/1.1\r\nHost: y\r\nX-A: v\r\n\r\nGET /b HTTP/1.0\r\n\r\n";
	static const char alphabet[] = "\r\n :\t\0\x01\x7f\xc3" "aZ09-";
	char buf[sizeof(base)];
	uint32_t x = 12345;
	size_t refused = 0;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		memcpy(buf, base, sizeof(base));
		for (int k = 0; k < 1 + round % 3; k++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % (sizeof(base) - 1);

			x = x * 1103515245u + 12345u;
			buf[at] = alphabet[(x >> 8) % (sizeof(alphabet) - 1)];
		}
		refused += guard_run(buf, sizeof(base) - 1, NULL) != NULL;
	}
	assert_true(refused > 1000);		/* the mutations do reach the rules */
}

static void
request_guard_refuses_nul_anywhere_in_the_head(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nX-A: ab\r\n\r\n";
	char buf[sizeof(req)];

	(void)state;
	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		memcpy(buf, req, sizeof(req));
		buf[i] = '\0';
		if (guard_run(buf, sizeof(req) - 1, NULL) == NULL)
			fail_msg("NUL at %zu accepted", i);
	}
	assert_null(guard_run(req, sizeof(req) - 1, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths_are_decoded_or_refused),
		cmocka_unit_test(request_guard_refuses_smuggling_and_malformed_headers),
		cmocka_unit_test(request_guard_refuses_nul_anywhere_in_the_head),
		cmocka_unit_test(request_guard_is_the_same_over_any_split_of_mutated_streams),
		cmocka_unit_test(a_path_longer_than_the_buffer_is_refused),
		cmocka_unit_test(accept_encoding_takes_gzip_unless_refused),
		cmocka_unit_test(content_types_follow_the_extension),
		cmocka_unit_test(etags_match_lists_weak_tags_and_star),
		cmocka_unit_test(http_dates_round_trip_and_garbage_is_refused),
		cmocka_unit_test(resolve_stays_inside_the_root),
		cmocka_unit_test(label_values_escape_backslash_quote_and_newline),
		cmocka_unit_test(logfmt_values_are_bare_or_quoted_with_escapes),
		cmocka_unit_test(health_window_is_three_intervals_but_at_least_five_minutes),
		cmocka_unit_test(health_needs_a_recent_result),
		cmocka_unit_test(metrics_carry_status_phases_incidents_expiry_and_counts),
		cmocka_unit_test(metrics_watch_the_watcher_build_outbox_daemon_and_tsa_clock),
		cmocka_unit_test(status_document_keeps_an_endpoint_whose_message_ends_in_a_cut_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
