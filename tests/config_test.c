/* Config loader: the example parses; broken configs fail with the right message and place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/util.h"

static char tmpdir[] = "/tmp/tw-config-test.XXXXXX";
static char certdir[1024];

static char *
write_config(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text; returns the config or NULL, with the errors joined in *all (caller frees). */
static struct conf *
load_text(const char *text, char **all)
{
	char *path = write_config("c.yaml", text);
	struct conf_errors errs;
	struct conf *c = conf_load(path, &errs);
	struct buf b = { 0 };

	for (size_t i = 0; i < errs.n; i++)
		buf_printf(&b, "%s\n", errs.msg[i]);
	buf_append(&b, "", 0);
	*all = (char *)b.data;
	conf_errors_free(&errs);
	free(path);
	return c;
}

static int
setup(void **state)
{
	char cwd[900];

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(certdir, sizeof(certdir), "%s/examples/certs", cwd);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void
example_config_loads(void **state)
{
	struct conf_errors errs;
	struct conf *c = conf_load("config.yaml.example", &errs);
	const struct conf_endpoint *ep;

	(void)state;
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_non_null(c);
	assert_int_equal(errs.n, 0);
	assert_true(c->n_providers >= 4);
	ep = conf_find(c, "luxtrust", "ocsp-qca3");
	assert_non_null(ep);
	assert_int_equal(ep->kind, KIND_OCSP);
	assert_non_null(ep->issuer);
	assert_non_null(ep->certificate);
	assert_true(ep->nonce);
	assert_int_equal(ep->expect.max_age_ms, 86400000);
	assert_int_equal(ep->interval_ms, 60000);
	assert_int_equal(ep->tls_min_days, 14);
	ep = conf_find(c, "luxtrust", "crl-root2");
	assert_int_equal(ep->expect.min_remaining_ms, 6 * 3600000);
	ep = conf_find(c, "luxtrust", "login");
	assert_int_equal(ep->degraded_after_ms, 3000);
	assert_string_equal(c->report.timezone, "Europe/Luxembourg");
	assert_int_equal(c->report.n_languages, 3);
	assert_int_equal(c->n_maintenance, 1);
	/* 2026-12-01T01:00Z + 1h is inside the window, + 2h (its end) is not. */
	assert_true(conf_in_maintenance(c, conf_find(c, "luxtrust", "tsa"), 1796086800000LL + 3600000));
	assert_false(conf_in_maintenance(c, conf_find(c, "luxtrust", "tsa"), 1796086800000LL + 7200000));
	assert_false(conf_in_maintenance(c, conf_find(c, "itsme", "oidc"), 1796086800000LL + 3600000));
	conf_free(c);
	conf_errors_free(&errs);
}

static void
minimal_config_gets_the_spec_defaults(void **state)
{
	char *errs;
	struct conf *c = load_text(
	    "providers:\n"
	    "  - id: p\n"
	    "    endpoints:\n"
	    "      - { id: l, kind: login, url: 'https://x.example/' }\n", &errs);
	const struct conf_endpoint *ep;

	(void)state;
	assert_string_equal(errs, "");
	assert_non_null(c);
	ep = conf_find(c, "p", "l");
	assert_int_equal(ep->interval_ms, 60000);
	assert_int_equal(ep->timeout_ms, 10000);
	assert_int_equal(ep->degraded_after_ms, 2000);
	assert_int_equal(ep->expect.http_status, 0);
	assert_int_equal(c->incidents.open_after, 3);
	assert_int_equal(c->incidents.close_after, 2);
	assert_int_equal(c->workers, 0);
	assert_int_equal(c->storage.retention_ms, 400LL * 86400000);
	assert_false(c->alerts.enabled);
	assert_null(c->web.listen);
	assert_string_equal(c->providers[0].name, "p");
	assert_non_null(strstr(c->storage.path, "/trustwatch.db"));
	assert_true(c->storage.path[0] == '/');
	assert_int_equal(c->report.n_languages, 1);
	conf_free(c);
	free(errs);
}

static void
defaults_are_inherited_and_overridden(void **state)
{
	char *errs, *text = xasprintf(
	    "defaults: { interval: 1h30m, timeout: 500ms }\n"
	    "providers:\n"
	    "  - id: p\n"
	    "    endpoints:\n"
	    "      - { id: a, kind: crl, url: 'http://x/', issuer: %s/luxtrust-global-root-2.pem }\n"
	    "      - { id: b, kind: tsa, url: 'http://x/', trust: %s/luxtrust-global-root-2.pem, interval: 5m, hash: sha512 }\n",
	    certdir, certdir);
	struct conf *c = load_text(text, &errs);

	(void)state;
	assert_string_equal(errs, "");
	assert_int_equal(conf_find(c, "p", "a")->interval_ms, 5400000);
	assert_int_equal(conf_find(c, "p", "a")->timeout_ms, 500);
	assert_int_equal(conf_find(c, "p", "a")->expect.max_age_ms, 7 * 86400000LL);
	assert_int_equal(conf_find(c, "p", "b")->interval_ms, 300000);
	assert_int_equal(conf_find(c, "p", "b")->hash_nid, NID_sha512);
	assert_int_equal(sk_X509_num(conf_find(c, "p", "b")->trust), 1);
	assert_int_equal(conf_find(c, "p", "b")->expect.max_skew_ms, 1000);
	conf_free(c);
	free(errs);
	free(text);
}

static void
secrets_are_read_from_the_environment(void **state)
{
	char *errs;
	struct conf *c;

	(void)state;
	setenv("TW_TEST_PASS", "s3cret", 1);
	c = load_text("alerts:\n  smtp: { url: 'smtps://mail.example:465', from: a@b.example,"
	    " password_env: TW_TEST_PASS }\n  to: [x@y.example]\n"
	    "providers:\n  - id: p\n    endpoints:\n      - { id: l, kind: login, url: 'http://x/' }\n",
	    &errs);
	assert_string_equal(errs, "");
	assert_non_null(c);
	assert_string_equal(c->alerts.password, "s3cret");
	assert_true(c->alerts.enabled);
	conf_free(c);
	free(errs);
}

/* A broken config: its text, the line:col of the first error, and words the message must hold. */
static const struct broken {
	const char	*name;
	const char	*yaml;
	const char	*where;
	const char	*says;
} broken[] = {
	{ "unknown top-level key", "provders: []\n", ":1:1:", "unknown key 'provders'" },
	{ "unknown endpoint key",
	  "providers:\n  - id: p\n    endpoints:\n      - id: l\n        kind: login\n        url: http://x/\n        colour: red\n",
	  ":7:9:", "unknown key 'colour' in endpoint" },
	{ "missing providers", "storage: { path: x.db }\n", ":1:1:", "missing required key 'providers'" },
	{ "empty file", "", "c.yaml:", "empty" },
	{ "yaml syntax error", "providers: [\n", ":2:1:", "YAML syntax error" },
	{ "bad duration", "defaults: { interval: 10 minutes }\nproviders: []\n", ":1:23:", "bad duration '10 minutes'" },
	{ "compound duration in wrong order", "defaults: { timeout: 30m1h }\nproviders: []\n", ":1:22:", "bad duration" },
	{ "wrong type for a section", "defaults: [1, 2]\nproviders: []\n", ":1:11:", "defaults: expected a mapping" },
	{ "wrong type for a number", "incidents: { open_after: many }\nproviders: []\n", ":1:26:", "expected an integer" },
	{ "number out of range", "incidents: { close_after: 0 }\nproviders: []\n", ":1:27:", "out of range" },
	{ "too many probe threads", "workers: 65\nproviders: []\n", ":1:10:", "out of range" },
	{ "probe threads not a number", "workers: two\nproviders: []\n", ":1:10:", "expected an integer" },
	{ "no providers", "providers: []\n", ":1:12:", "at least one provider" },
	{ "invalid provider id", "providers:\n  - id: Lux_Trust\n    endpoints: []\n", ":2:9:", "invalid id 'Lux_Trust'" },
	{ "duplicate provider id",
	  "providers:\n  - id: p\n    endpoints: []\n  - id: p\n    endpoints: []\n", ":4:5:", "duplicate provider id 'p'" },
	{ "duplicate endpoint id",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'http://x/' }\n      - { id: a, kind: login, url: 'http://y/' }\n",
	  ":5:9:", "duplicate endpoint id 'a'" },
	{ "missing url",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login }\n", ":4:9:", "missing required key 'url'" },
	{ "unknown kind",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: ping, url: 'http://x/' }\n", ":4:24:", "unknown kind 'ping'" },
	{ "invalid URL scheme",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'ftp://x/' }\n", ":4:36:", "invalid URL scheme" },
	{ "ocsp without certificate",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: o, kind: ocsp, url: 'http://x/', issuer: /dev/null }\n",
	  ":4:", "missing required key 'certificate'" },
	{ "unreadable certificate",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: c, kind: crl, url: 'http://x/', issuer: nope.pem }\n",
	  ":4:55:", "cannot read certificate file" },
	{ "unparsable certificate",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: c, kind: crl, url: 'http://x/', issuer: c.yaml }\n",
	  ":4:55:", "is not a PEM or DER certificate" },
	{ "key of another kind",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'http://x/', nonce: true }\n",
	  ":4:49:", "not valid for kind login" },
	{ "bad ocsp status",
	  "providers:\n  - id: p\n    endpoints:\n      - id: o\n        kind: ocsp\n        url: http://x/\n        issuer: /dev/null\n        certificate: /dev/null\n        expect: { status: fine }\n",
	  ":7:17:", "not a regular file" },	/* /dev/null is a device: refused, never read */
	{ "bad boolean",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'http://x/', expect: { oidc: maybe } }\n",
	  ":4:65:", "expected true or false" },
	{ "bad RFC 3339 time",
	  "providers:\n  - id: p\n    endpoints: []\nmaintenance:\n  - { provider: p, start: '2026-12-01 01:00', end: '2026-12-01T03:00:00Z' }\n",
	  ":5:", "bad time '2026-12-01 01:00'" },
	{ "maintenance of an unknown provider",
	  "providers:\n  - id: p\n    endpoints: []\nmaintenance:\n  - { provider: q, start: '2026-12-01T01:00:00Z', end: '2026-12-01T03:00:00Z' }\n",
	  ":5:17:", "no provider 'q'" },
	{ "unset secret variable",
	  "alerts:\n  smtp: { url: 'smtp://x', from: a@b.c, password_env: TW_SURELY_UNSET_VAR }\nproviders: []\n",
	  ":2:55:", "'TW_SURELY_UNSET_VAR' is not set" },
	{ "bad smtp scheme",
	  "alerts:\n  smtp: { url: 'http://x', from: a@b.c }\nproviders: []\n", ":2:16:", "expected smtp:// or smtps://" },
	{ "duplicate key", "defaults: { timeout: 1s, timeout: 2s }\nproviders: []\n", ":1:26:", "duplicate key 'timeout'" },
	{ "unknown timezone", "report: { timezone: Mars/Olympus }\nproviders: []\n", ":1:21:", "unknown time zone" },
	{ "unsupported language", "report: { languages: [en, xx] }\nproviders: []\n", ":1:22:", "unsupported language 'xx'" },
	{ "bad listen address", "web: { listen: localhost }\nproviders: []\n", ":1:16:", "expected HOST:PORT" },
	{ "interval below 1s", "defaults: { interval: 1ms }\nproviders: []\n", ":1:23:",
	  "interval: 1ms is too short (at least 1s)" },
	{ "endpoint interval below 1s",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'http://x/', interval: 999ms }\n",
	  ":4:59:", "interval: 999ms is too short (at least 1s)" },
	{ "timeout below 100ms", "defaults: { timeout: 50ms }\nproviders: []\n", ":1:22:",
	  "timeout: 50ms is too short (at least 100ms)" },
	{ "endpoint timeout of 0s",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'http://x/', timeout: 0s }\n",
	  ":4:58:", "timeout: 0s is too short" },
	{ "report every below 1s", "report: { every: 10ms }\nproviders: []\n", ":1:18:",
	  "every: 10ms is too short (at least 1s)" },
	{ "binary tag", "report: { title: !!binary aGVsbG8= }\nproviders: []\n", ":1:18:",
	  "explicit tag '!!binary' is not supported" },
	{ "tag on a collection", "report: !!set { title: x }\nproviders: []\n", ":1:9:",
	  "explicit tag '!!set' is not supported" },
	{ "local tag", "providers:\n  - id: !ref p\n    endpoints: []\n", ":2:9:",
	  "explicit tag '!ref' is not supported" },
	{ "storage path is a directory", "storage: { path: /tmp }\nproviders: []\n", ":1:18:",
	  "/tmp is not a regular file" },
	{ "storage url of another database", "storage: { url: 'mysql://db/tw' }\nproviders: []\n",
	  ":1:17:", "'mysql://db/tw' is not a PostgreSQL URI (expected postgresql:// or postgres://" },
	{ "storage url that is a path", "storage: { url: /var/lib/tw.db }\nproviders: []\n",
	  ":1:17:", "is not a PostgreSQL URI" },
	{ "storage url with a password", "storage: { url: 'postgresql://tw:hunter2@db/tw' }\nproviders: []\n",
	  ":1:17:", "'postgresql://tw:***@db/tw': no password in the URI" },
	{ "storage url with a password parameter",
	  "storage: { url: 'postgres://db/tw?password=hunter2' }\nproviders: []\n",
	  ":1:17:", "no password in the URI" },
	{ "storage url with a space", "storage: { url: 'postgresql://db/t w' }\nproviders: []\n",
	  ":1:17:", "spaces or control characters" },
	{ "storage password_env unset",
	  "storage: { url: 'postgresql://db/tw', password_env: TW_SURELY_UNSET_VAR }\nproviders: []\n",
	  ":1:53:", "password_env: environment variable 'TW_SURELY_UNSET_VAR' is not set" },
	{ "storage password_env without url", "storage: { password_env: HOME }\nproviders: []\n",
	  ":1:26:", "password_env: only with url" },
	{ "unknown storage key", "storage: { uri: 'postgresql://db/tw' }\nproviders: []\n",
	  ":1:12:", "path, url, password_env, retention" },
	{ "undefined alias", "providers: *nowhere\n", ":1:12:", "YAML syntax error: found undefined alias" },
	{ "alias inside its own anchor", "providers: &p [ { id: a, endpoints: *p } ]\n", ":1:37:",
	  "YAML syntax error: found recursive alias" },
	{ "repeated anchor", "report: { title: &t a, base_url: &t b }\nproviders: []\n", ":1:34:",
	  "duplicate anchor" },
	{ "duplicate endpoint ids, one error per earlier one",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: a, kind: login, url: 'http://x/' }\n"
	  "      - { id: a, kind: login, url: 'http://x/' }\n      - { id: a, kind: login, url: 'http://x/' }\n",
	  ":6:9:", "duplicate endpoint id 'a' in provider p" },
	{ "bad policy oid",
	  "providers:\n  - id: p\n    endpoints:\n      - { id: t, kind: tsa, url: 'http://x/', trust: /dev/null, expect: { policy: 'abc' } }\n",
	  ":4:", "is not a dotted OID" },
};

static void
broken_configs_fail_with_place_and_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(broken); i++) {
		char *errs;
		struct conf *c = load_text(broken[i].yaml, &errs);

		if (c != NULL || strstr(errs, broken[i].where) == NULL ||
		    strstr(errs, broken[i].says) == NULL)
			print_error("case '%s': want %s … %s, got:\n%s\n", broken[i].name,
			    broken[i].where, broken[i].says, errs);
		assert_null(c);
		assert_non_null(strstr(errs, tmpdir));	/* every message names the file */
		free(errs);
	}
	for (size_t i = 0; i < NELEM(broken); i++) {
		char *errs;
		struct conf *c = load_text(broken[i].yaml, &errs);

		assert_null(c);
		assert_non_null(strstr(errs, broken[i].where));
		assert_non_null(strstr(errs, broken[i].says));
		free(errs);
	}
}

static void
every_error_is_reported_not_only_the_first(void **state)
{
	char *errs;
	struct conf *c = load_text(
	    "defaults: { interval: x }\n"
	    "bogus: 1\n"
	    "providers:\n  - id: P\n    endpoints:\n      - { id: a, kind: login, url: 'gopher://x' }\n",
	    &errs);
	size_t lines = 0;

	(void)state;
	assert_null(c);
	for (char *p = errs; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 4);
	free(errs);
	/* An explicit tag does not hide the errors after it. */
	c = load_text("report: { title: !!binary aGVsbG8= }\nproviders:\n  - id: p\n    endpoints:\n"
	    "      - { id: l, kind: login, url: 'http://x/', interval: 1ms }\n", &errs);
	assert_null(c);
	if (strstr(errs, ":1:18: explicit tag '!!binary'") == NULL ||
	    strstr(errs, ":5:59: interval: 1ms is too short") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
}

/* A plain !!str, !!seq or !!map says what the node is anyway: accepted. */
static void
tags_that_restate_the_type_are_accepted(void **state)
{
	char *errs;
	struct conf *c = load_text("report: !!map { title: !!str 42 }\nproviders: !!seq\n"
	    "  - { id: p, endpoints: [ { id: l, kind: login, url: 'http://x/' } ] }\n", &errs);

	(void)state;
	assert_string_equal(errs, "");
	assert_non_null(c);
	assert_string_equal(c->report.title, "42");
	conf_free(c);
	free(errs);
}

/* 100,000 nested lists, in flow and in block style: refused at level 65 at once. */
static void
deep_nesting_is_refused_quickly_with_its_place(void **state)
{
	enum { DEEP = 100000 };
	struct buf flow = { 0 }, block = { 0 };
	char *errs;
	int64_t t0 = mono_ms();
	struct conf *c;

	(void)state;
	buf_printf(&flow, "providers: ");
	for (int i = 0; i < DEEP; i++)
		buf_append(&flow, "[", 1);
	for (int i = 0; i < DEEP; i++)
		buf_append(&flow, "]", 1);
	buf_append(&flow, "\n", 1);
	c = load_text((char *)flow.data, &errs);
	assert_null(c);
	/* The root mapping is level 1, "providers: [" level 2: the 65th level is column 75. */
	if (strstr(errs, ":1:75: nested deeper than 64 levels") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	buf_printf(&block, "providers:\n");
	for (int i = 0; i < DEEP; i++)
		buf_append(&block, "- ", 2);
	buf_append(&block, "x\n", 2);
	c = load_text((char *)block.data, &errs);
	assert_null(c);
	if (strstr(errs, ":2:127: nested deeper than 64 levels") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	if (mono_ms() - t0 > 2000)
		fail_msg("took %lld ms", (long long)(mono_ms() - t0));
	buf_free(&flow);
	buf_free(&block);
}

static void
on_alarm(int sig)
{
	(void)sig;
	fail_msg("blocked on a FIFO");
}

/* A FIFO as the config or as a certificate is refused at once, naming the path. */
static void
fifos_are_refused_without_blocking(void **state)
{
	char *fifo = xasprintf("%s/fifo", tmpdir), *text, *errs;
	struct conf_errors e;
	struct conf *c;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	signal(SIGALRM, on_alarm);
	alarm(10);
	c = conf_load(fifo, &e);
	assert_null(c);
	assert_int_equal(e.n, 1);
	if (strstr(e.msg[0], fifo) == NULL || strstr(e.msg[0], "not a regular file") == NULL)
		fail_msg("got: %s", e.msg[0]);
	conf_errors_free(&e);
	text = xasprintf("providers:\n  - id: p\n    endpoints:\n"
	    "      - { id: c, kind: crl, url: 'http://x/', issuer: %s }\n"
	    "      - { id: l, kind: login, url: 'https://x/', tls_ca: %s }\n"
	    "storage: { path: %s }\n"
	    "alerts: { smtp: { url: 'smtp://127.0.0.1:25', from: a@b.lu, tls_ca: %s }, to: [c@d.lu] }\n",
	    fifo, fifo, fifo, fifo);
	c = load_text(text, &errs);
	alarm(0);
	assert_null(c);
	if (strstr(errs, ":4:55: issuer: cannot read certificate file") == NULL ||
	    strstr(errs, "not a regular file") == NULL || strstr(errs, ":5:58:") == NULL ||
	    strstr(errs, ":6:18: path:") == NULL || strstr(errs, ":7:") == NULL ||
	    strstr(errs, "tls_ca:") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	free(text);
	unlink(fifo);
	free(fifo);
}

/* SPEC §9: where a site may not go, whatever the spelling of the path. */
static void
outputs_that_would_delete_what_is_not_a_site_are_refused(void **state)
{
	static const struct { const char *dir; const char *says; } cases[] = {
		{ "/", "is the root directory" },
		{ "/etc", "is a system directory" },
		{ "/etc/trustwatch/site", "is a system directory (inside /etc)" },
		{ "/var/www", "is a system directory" },
		{ "/usr", "is a system directory" },
		{ "/nonexistent-tw/data", "holds the store /nonexistent-tw/data/tw.db" },
		{ "/nonexistent-tw//data/", "holds the store" },
		{ "/nonexistent-tw/data/site/..", "holds the store" },
		{ "/nonexistent-tw", "holds the store" },
		{ "/nonexistent-tw/conf", "holds the issuer certificate /nonexistent-tw/conf/ca.pem" },
		{ "/nonexistent-tw/etc", "holds the configuration /nonexistent-tw/etc/c.yaml" },
		{ "/nonexistent-tw/data/site", NULL },
		{ "/nonexistent-tw/datasite", NULL },
		{ "/var/www/status", NULL },
	};
	struct conf_endpoint ep = { .issuer_path = "/nonexistent-tw/conf/ca.pem" };
	struct conf_provider p = { .endpoints = &ep, .n_endpoints = 1 };
	struct conf c = { .path = "/nonexistent-tw/etc/c.yaml", .providers = &p, .n_providers = 1,
	    .storage = { .path = "/nonexistent-tw/data/tw.db" } };
	char *canon = conf_path_canon("/nonexistent-tw//a/./b/../c/");

	(void)state;
	assert_string_equal(canon, "/nonexistent-tw/a/c");
	free(canon);
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *why = conf_output_problem(&c, cases[i].dir);

		if (cases[i].says == NULL ? why != NULL : why == NULL || strstr(why, cases[i].says) == NULL)
			fail_msg("%s: want %s, got %s", cases[i].dir, cases[i].says ? cases[i].says : "ok",
			    why ? why : "ok");
		free(why);
	}
	/* With a url, the path still names the local files, which the site must not delete. */
	c.storage.url = "postgresql://db/tw";
	{
		char *why = conf_output_problem(&c, "/nonexistent-tw/data");

		assert_non_null(why);
		assert_non_null(strstr(why, "holds the store's local files (lock, spool, site cache)"
		    " beside /nonexistent-tw/data/tw.db"));
		free(why);
	}
}

static void
durations_parse_and_reject(void **state)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "500ms", 500 }, { "10s", 10000 }, { "5m", 300000 }, { "1h", 3600000 },
		{ "7d", 604800000 }, { "1h30m", 5400000 }, { "1m30s500ms", 90500 }, { "0s", 0 },
	};
	static const char *const bad[] = { "", "10", "s", "1x", "1h1h", "30m1h", "-5s", "1.5s", "1 h" };
	int64_t ms;
	char out[32];

	(void)state;
	for (size_t i = 0; i < NELEM(good); i++) {
		assert_int_equal(duration_parse(good[i].s, &ms), 0);
		assert_int_equal(ms, good[i].ms);
	}
	for (size_t i = 0; i < NELEM(bad); i++)
		assert_int_equal(duration_parse(bad[i], &ms), -1);
	duration_format(5400000, out, sizeof(out));
	assert_string_equal(out, "1h30m");
	duration_format(90500, out, sizeof(out));
	assert_string_equal(out, "1m30s500ms");
}

static void
rfc3339_times_parse_and_format(void **state)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-12-01T01:00:00Z", 1796086800000LL },
		{ "2026-12-01T02:00:00+01:00", 1796086800000LL },
		{ "2026-12-01T01:00:00.25Z", 1796086800250LL },
		{ "2024-02-29T00:00:00z", 1709164800000LL },
	};
	static const char *const bad[] = {
		"2026-12-01", "2026-12-01T01:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
		"2026-12-01T25:00:00Z", "2026-12-01T01:00:00Zjunk", "2026-12-01T01:00:00+1:00",
	};
	int64_t ms;
	char out[40];

	(void)state;
	for (size_t i = 0; i < NELEM(good); i++) {
		assert_int_equal(rfc3339_parse(good[i].s, &ms), 0);
		assert_int_equal(ms, good[i].ms);
	}
	for (size_t i = 0; i < NELEM(bad); i++)
		assert_int_equal(rfc3339_parse(bad[i], &ms), -1);
	rfc3339_format(1796086800123LL, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T01:00:00.123Z");
	rfc3339_format_s(1796086800123LL, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T01:00:00Z");
}

/* --- alerts.smtp addresses and trust (SPEC §9 SMTP) ------------------------------------ */

#define SMTP_HEAD	"alerts:\n  smtp:\n    url: 'smtp://127.0.0.1:25'\n"
#define SMTP_TAIL	"providers:\n  - id: p\n    endpoints:\n      - { id: l, kind: login, url: 'http://x/' }\n"

static const struct broken smtp_broken[] = {
	{ "CR LF in from", SMTP_HEAD "    from: \"tw@example.lu\\r\\nRCPT TO:<victim@example.com>\"\n"
	  "  to: [noc@example.lu]\n" SMTP_TAIL, ":4:11:", "from: the address contains a line break (CR or LF)" },
	{ "LF in a display name", SMTP_HEAD "    from: \"Trust\\nWatch <tw@example.lu>\"\n"
	  "  to: [noc@example.lu]\n" SMTP_TAIL, ":4:11:", "contains a line break" },
	{ "NUL in from", SMTP_HEAD "    from: \"tw@example.lu\\0x\"\n  to: [noc@example.lu]\n" SMTP_TAIL,
	  ":4:11:", "from: the address contains a NUL character" },
	{ "tab in from", SMTP_HEAD "    from: \"tw@exa\\tmple.lu\"\n  to: [noc@example.lu]\n" SMTP_TAIL,
	  ":4:11:", "contains a control character" },
	{ "CR in a recipient", SMTP_HEAD "    from: tw@example.lu\n  to: [noc@example.lu, \"x@y.lu\\rBcc: v@x\"]\n"
	  SMTP_TAIL, ":5:24:", "to: the address contains a line break" },
	{ "NUL in a recipient", SMTP_HEAD "    from: tw@example.lu\n  to: [\"noc@example.lu\\0\"]\n"
	  SMTP_TAIL, ":5:8:", "to: the address contains a NUL character" },
	{ "recipient without @", SMTP_HEAD "    from: tw@example.lu\n  to: [noc]\n" SMTP_TAIL,
	  ":5:8:", "to: 'noc' is not a valid address: no '@'" },
	{ "unquoted comma in a display name",
	  SMTP_HEAD "    from: tw@example.lu\n  to: ['Doe, Jane <j@example.lu>']\n" SMTP_TAIL,
	  ":5:8:", "put the name in double quotes" },
	{ "unclosed angle address", SMTP_HEAD "    from: 'NOC <noc@example.lu'\n" SMTP_TAIL,
	  ":4:11:", "from: 'NOC <noc@example.lu' is not a valid address: '<' without a closing '>'" },
	{ "space in the local part", SMTP_HEAD "    from: 'trust watch@example.lu'\n" SMTP_TAIL,
	  ":4:11:", "not allowed in the local part" },
	{ "two addresses in one", SMTP_HEAD "    from: tw@example.lu\n  to: 'a@b.lu,c@d.lu'\n" SMTP_TAIL,
	  ":5:7:", "more than one '@'" },
	{ "bad provider alerts_to", SMTP_HEAD "    from: tw@example.lu\n"
	  "providers:\n  - id: p\n    alerts_to: [ok@example.lu, \"x@y.lu\\nRCPT TO:<v@x>\"]\n"
	  "    endpoints:\n      - { id: l, kind: login, url: 'http://x/' }\n",
	  ":7:32:", "alerts_to: the address contains a line break" },
	{ "credentials in the url", "alerts:\n  smtp:\n    url: 'smtp://tw:s3cret@127.0.0.1:25'\n"
	  "    from: tw@example.lu\n" SMTP_TAIL, ":3:10:", "url: no user or password in the URL" },
	{ "unreadable tls_ca", SMTP_HEAD "    from: tw@example.lu\n    tls_ca: nope.pem\n" SMTP_TAIL,
	  ":5:13:", "no PEM certificate could be read" },
	{ "tls_ca that is not PEM", SMTP_HEAD "    from: tw@example.lu\n    tls_ca: c.yaml\n" SMTP_TAIL,
	  ":5:13:", "no PEM certificate could be read" },
};

static void
smtp_addresses_are_checked_with_place_and_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(smtp_broken); i++) {
		char *errs;
		struct conf *c = load_text(smtp_broken[i].yaml, &errs);

		if (c != NULL || strstr(errs, smtp_broken[i].where) == NULL ||
		    strstr(errs, smtp_broken[i].says) == NULL)
			fail_msg("case '%s': want %s … %s, got:\n%s", smtp_broken[i].name,
			    smtp_broken[i].where, smtp_broken[i].says, errs);
		/* A CR or LF is never echoed into the error output. */
		assert_null(strstr(errs, "RCPT"));
		assert_null(strstr(errs, "Bcc"));
		conf_free(c);
		free(errs);
	}
}

static void
smtp_display_names_and_tls_ca_are_accepted_and_kept(void **state)
{
	char *errs, *yaml = xasprintf(SMTP_HEAD
	    "    from: 'Trust Watch <tw@example.lu>'\n"
	    "    tls_ca: %s/luxtrust-global-root-2.pem\n"
	    "  to: ['NOC <noc@example.lu>', '\"Doe, Jane\" <jane@example.lu>', 'Zoë <z@example.lu>', ops@example.lu]\n"
	    "providers:\n  - id: p\n    alerts_to: 'Provider Desk <desk@p.example>'\n"
	    "    endpoints:\n      - { id: l, kind: login, url: 'http://x/' }\n", certdir);
	struct conf *c = load_text(yaml, &errs);
	char *ca = xasprintf("%s/luxtrust-global-root-2.pem", certdir);

	(void)state;
	assert_string_equal(errs, "");
	assert_non_null(c);
	assert_string_equal(c->alerts.from, "Trust Watch <tw@example.lu>");
	assert_int_equal(c->alerts.n_to, 4);
	assert_string_equal(c->alerts.to[0], "NOC <noc@example.lu>");
	assert_string_equal(c->alerts.to[1], "\"Doe, Jane\" <jane@example.lu>");
	assert_string_equal(c->alerts.to[2], "Zoë <z@example.lu>");
	assert_string_equal(c->alerts.to[3], "ops@example.lu");
	assert_int_equal(c->providers[0].n_alerts_to, 1);
	assert_string_equal(c->providers[0].alerts_to[0], "Provider Desk <desk@p.example>");
	assert_string_equal(c->alerts.tls_ca, ca);
	conf_free(c);
	free(errs);
	free(yaml);
	free(ca);
}

static const char *const store_providers =
    "providers:\n  - id: p\n    endpoints:\n      - { id: l, kind: login, url: 'http://x/' }\n";

static void
storage_url_and_password_env_are_loaded(void **state)
{
	char *errs, *yaml = xasprintf("storage:\n  url: postgresql://tw@db.example.lu:5433/trustwatch\n"
	    "  password_env: TW_TEST_STORE_PASSWORD\n  path: local/tw.db\n%s", store_providers);
	char *path = xasprintf("%s/local/tw.db", tmpdir);
	struct conf *c;

	(void)state;
	setenv("TW_TEST_STORE_PASSWORD", "hunter2", 1);
	c = load_text(yaml, &errs);
	assert_string_equal(errs, "");
	assert_non_null(c);
	assert_string_equal(c->storage.url, "postgresql://tw@db.example.lu:5433/trustwatch");
	assert_string_equal(c->storage.password_env, "TW_TEST_STORE_PASSWORD");
	assert_string_equal(c->storage.password, "hunter2");
	/* The path still names where the local files live (lock, spool, site cache). */
	assert_string_equal(c->storage.path, path);
	assert_string_equal(conf_store_where(c), c->storage.url);
	conf_free(c);
	free(errs);
	free(yaml);
	free(path);

	/* Without a url, the store is SQLite at path; the password is optional with a url. */
	yaml = xasprintf("storage: { path: tw.db }\n%s", store_providers);
	c = load_text(yaml, &errs);
	assert_non_null(c);
	assert_null(c->storage.url);
	assert_string_equal(conf_store_where(c), c->storage.path);
	conf_free(c);
	free(errs);
	free(yaml);
	yaml = xasprintf("storage: { url: 'postgres:///tw?host=/run/postgresql' }\n%s",
	    store_providers);
	c = load_text(yaml, &errs);
	assert_string_equal(errs, "");
	assert_null(c->storage.password);
	assert_string_equal(conf_store_where(c), "postgres:///tw?host=/run/postgresql");
	conf_free(c);
	free(errs);
	free(yaml);
	unsetenv("TW_TEST_STORE_PASSWORD");
}

static void
storage_password_is_never_echoed_and_never_empty(void **state)
{
	char *errs, *yaml;
	struct conf *c;

	(void)state;
	yaml = xasprintf("storage: { url: 'postgresql://tw:hunter2@db/tw?password=hunter3' }\n%s",
	    store_providers);
	c = load_text(yaml, &errs);
	assert_null(c);
	assert_non_null(strstr(errs, "no password in the URI"));
	assert_null(strstr(errs, "hunter"));
	free(errs);
	free(yaml);

	setenv("TW_TEST_STORE_PASSWORD", "", 1);
	yaml = xasprintf("storage:\n  url: postgresql://db/tw\n  password_env: TW_TEST_STORE_PASSWORD\n%s",
	    store_providers);
	c = load_text(yaml, &errs);
	assert_null(c);
	if (strstr(errs, ":3:17: password_env: environment variable 'TW_TEST_STORE_PASSWORD' is empty") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	free(yaml);
	unsetenv("TW_TEST_STORE_PASSWORD");
}

/* node and quorum (SPEC §11): defaults, good values, and bad ones refused with their place. */
static void
node_defaults_to_the_host_name_and_quorum_to_a_majority(void **state)
{
	char *errs, host[256], *want;
	struct conf *c = load_text("providers:\n  - id: p\n    endpoints:\n"
	    "      - { id: l, kind: login, url: 'https://x.example/' }\n", &errs);

	(void)state;
	assert_string_equal(errs, "");
	assert_non_null(c);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	want = conf_node_id_from_host(host);
	assert_string_equal(c->node.id, want);
	assert_string_equal(c->node.location, "");
	assert_null(c->node.source_address);
	assert_null(conf_find(c, "p", "l")->source_address);
	assert_int_equal(c->quorum, 0);
	conf_free(c);
	free(errs);
	free(want);
}

static void
node_id_from_a_host_name_is_lowered_replaced_and_cut(void **state)
{
	static const struct { const char *host, *id; } cases[] = {
		{ "mon1", "mon1" },
		{ "Mon-1.Example.LU", "mon-1-example-lu" },
		{ "a_b c", "a-b-c" },
		{ "Zoë", "zo--" },
		{ "", "node" },
		{ "abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxyz012345" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *id = conf_node_id_from_host(cases[i].host);

		assert_string_equal(id, cases[i].id);
		free(id);
	}
}

static void
node_values_are_kept_and_the_source_address_reaches_every_endpoint(void **state)
{
	static const char *const addrs[] = { "192.0.2.10", "127.0.0.2", "2001:db8::10", "::1" };

	(void)state;
	for (size_t i = 0; i < NELEM(addrs); i++) {
		char *errs, *yaml = xasprintf(
		    "node:\n  id: lu-1\n  location: Luxembourg (POST) <b>\n  source_address: '%s'\n"
		    "quorum: 2\nproviders:\n  - id: p\n    endpoints:\n"
		    "      - { id: l, kind: login, url: 'https://x.example/' }\n"
		    "      - { id: m, kind: login, url: 'https://y.example/' }\n", addrs[i]);
		struct conf *c = load_text(yaml, &errs);

		assert_string_equal(errs, "");
		assert_non_null(c);
		assert_string_equal(c->node.id, "lu-1");
		assert_string_equal(c->node.location, "Luxembourg (POST) <b>");
		assert_string_equal(c->node.source_address, addrs[i]);
		assert_ptr_equal(conf_find(c, "p", "l")->source_address, c->node.source_address);
		assert_ptr_equal(conf_find(c, "p", "m")->source_address, c->node.source_address);
		assert_int_equal(c->quorum, 2);
		conf_free(c);
		free(errs);
		free(yaml);
	}
}

static const struct broken broken_node[] = {
	{ "node id with capitals", "node: { id: Lu-1 }\nproviders: []\n", ":1:13:",
	  "invalid node id 'Lu-1'" },
	{ "node id with an underscore", "node:\n  id: lu_1\nproviders: []\n", ":2:7:",
	  "invalid node id 'lu_1'" },
	{ "empty node id", "node: { id: '' }\nproviders: []\n", ":1:13:", "invalid node id ''" },
	{ "node id of 33 characters", "node: { id: abcdefghijklmnopqrstuvwxyz0123456 }\nproviders: []\n",
	  ":1:13:", "1 to 32 characters" },
	{ "node id as a list", "node: { id: [a] }\nproviders: []\n", ":1:13:", "expected a string" },
	{ "unknown node key", "node: { name: x }\nproviders: []\n", ":1:9:",
	  "unknown key 'name' in node (expected one of: id, location, source_address)" },
	{ "node not a mapping", "node: lu-1\nproviders: []\n", ":1:7:", "node: expected a mapping" },
	{ "source address is a host name", "node: { source_address: localhost }\nproviders: []\n",
	  ":1:25:", "'localhost' is not an IPv4 or IPv6 address" },
	{ "source address with a port", "node: { source_address: '192.0.2.1:80' }\nproviders: []\n",
	  ":1:25:", "is not an IPv4 or IPv6 address" },
	{ "source address in brackets", "node: { source_address: '[::1]' }\nproviders: []\n",
	  ":1:25:", "is not an IPv4 or IPv6 address" },
	{ "source address with an interface", "node: { source_address: 'host!127.0.0.1' }\nproviders: []\n",
	  ":1:25:", "is not an IPv4 or IPv6 address" },
	{ "source address out of range", "node: { source_address: 256.0.0.1 }\nproviders: []\n",
	  ":1:25:", "is not an IPv4 or IPv6 address" },
	{ "quorum of 0", "quorum: 0\nproviders: []\n", ":1:9:", "quorum: 0 is out of range" },
	{ "negative quorum", "quorum: -2\nproviders: []\n", ":1:9:", "out of range" },
	{ "quorum as a word", "quorum: majority\nproviders: []\n", ":1:9:", "expected an integer" },
};

static void
bad_node_values_fail_with_place_and_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(broken_node); i++) {
		char *errs;
		struct conf *c = load_text(broken_node[i].yaml, &errs);

		if (c != NULL || strstr(errs, broken_node[i].where) == NULL ||
		    strstr(errs, broken_node[i].says) == NULL)
			fail_msg("case '%s': want %s … %s, got:\n%s", broken_node[i].name,
			    broken_node[i].where, broken_node[i].says, errs);
		free(errs);
	}
}

#define REC_PROVIDERS "providers:\n  - id: p\n    endpoints:\n" \
	"      - { id: c, kind: crl, url: 'http://x/', issuer: %s/luxtrust-global-root-2.pem }\n"

/* record (SPEC §12): a key file (regular, 0600), the default origin, timestamp_with. */
static void
record_section_is_loaded_with_defaults(void **state)
{
	char *key = xasprintf("%s/record.key", tmpdir), *text, *errs;
	FILE *f = fopen(key, "w");
	struct conf *c;

	(void)state;
	assert_non_null(f);
	fputs("PRIVATE+KEY+x+00000000+AAAA\n", f);
	fclose(f);
	assert_int_equal(chmod(key, 0600), 0);
	text = xasprintf("providers:\n  - id: p\n    endpoints:\n"
	    "      - { id: t, kind: tsa, url: 'http://x/', trust: %s/luxtrust-global-root-2.pem }\n"
	    "report: { base_url: 'https://status.example.org:8443/x/' }\n"
	    "node: { id: n1 }\n"
	    "record: { key: %s, timestamp_with: [p/t] }\n", certdir, key);
	c = load_text(text, &errs);
	assert_string_equal(errs, "");
	assert_true(c->record.enabled);
	assert_string_equal(c->record.key, key);
	assert_string_equal(c->record.origin, "status.example.org/n1");
	assert_int_equal(c->record.checkpoint_every_ms, 3600000);
	assert_int_equal(c->record.n_timestamp_with, 1);
	assert_ptr_equal(c->record.timestamp_with[0], conf_find(c, "p", "t"));
	conf_free(c);
	free(errs);
	free(text);
	text = xasprintf(REC_PROVIDERS "record: { key: %s, origin: a.example/b, "
	    "checkpoint_every: 1s }\n", certdir, key);
	c = load_text(text, &errs);
	assert_string_equal(errs, "");
	assert_string_equal(c->record.origin, "a.example/b");
	assert_int_equal(c->record.checkpoint_every_ms, 1000);
	conf_free(c);
	free(errs);
	free(text);
	text = xasprintf(REC_PROVIDERS, certdir);
	c = load_text(text, &errs);
	free(text);
	assert_string_equal(errs, "");
	assert_false(c->record.enabled);
	conf_free(c);
	free(errs);
	unlink(key);
	free(key);
}

static void
bad_record_values_fail_with_place_and_reason(void **state)
{
	char *key = xasprintf("%s/record-open.key", tmpdir), *text, *errs;
	FILE *f = fopen(key, "w");
	struct conf *c;

	(void)state;
	assert_non_null(f);
	fputs("x\n", f);
	fclose(f);
	assert_int_equal(chmod(key, 0644), 0);
	text = xasprintf("providers:\n  - id: p\n    endpoints:\n"
	    "      - { id: c, kind: crl, url: 'http://x/', issuer: %s/luxtrust-global-root-2.pem }\n"
	    "record:\n  key: %s\n  origin: 'a b'\n  checkpoint_every: 500ms\n"
	    "  timestamp_with: [p/c, p/nope, nope]\n  colour: red\n", certdir, key);
	c = load_text(text, &errs);
	assert_null(c);
	if (strstr(errs, ":6:8: key:") == NULL || strstr(errs, "mode 644") == NULL ||
	    strstr(errs, ":7:11: origin:") == NULL || strstr(errs, ":8:21:") == NULL ||
	    strstr(errs, ":9:20: timestamp_with: 'p/c' is not a tsa endpoint") == NULL ||
	    strstr(errs, ":9:25: timestamp_with: no endpoint 'p/nope'") == NULL ||
	    strstr(errs, ":9:33: timestamp_with: 'nope' is not PROVIDER/ENDPOINT") == NULL ||
	    strstr(errs, ":10:3:") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	free(text);
	/* a directory is no key; no base_url and no origin */
	text = xasprintf(REC_PROVIDERS "record: { key: %s }\n", certdir, tmpdir);
	c = load_text(text, &errs);
	assert_null(c);
	if (strstr(errs, "not a regular file") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	free(text);
	assert_int_equal(chmod(key, 0600), 0);
	text = xasprintf(REC_PROVIDERS "record: { key: %s }\n", certdir, key);
	c = load_text(text, &errs);
	assert_null(c);
	if (strstr(errs, "origin is required when report.base_url is not set") == NULL)
		fail_msg("got: %s", errs);
	free(errs);
	free(text);
	unlink(key);
	free(key);
}

/* SPEC §15: depends_on and alternatives. */
#define DEP_P(id) "  - id: " id "\n    endpoints: [ { id: l, kind: login, url: 'http://x/' } ]\n"

static void
dependencies_are_loaded_with_their_places(void **state)
{
	char *errs;
	struct conf *c = load_text("providers:\n" DEP_P("lt") DEP_P("itsme")
	    "  - id: mg\n    depends_on: [lt]\n    endpoints: [ { id: l, kind: login, url: 'http://x/' } ]\n"
	    "  - id: bank\n    alternatives: [lt, itsme]\n    endpoints: [ { id: l, kind: login, url: 'http://x/' } ]\n",
	    &errs);
	const struct conf_provider *mg, *bank;

	(void)state;
	assert_string_equal(errs, "");
	assert_non_null(c);
	mg = conf_find_provider(c, "mg");
	bank = conf_find_provider(c, "bank");
	assert_int_equal(mg->n_depends_on, 1);
	assert_string_equal(mg->depends_on[0].id, "lt");
	assert_int_equal(mg->depends_on[0].line, 7);
	assert_int_equal(mg->depends_on[0].col, 18);
	assert_int_equal(mg->n_alternatives, 0);
	assert_int_equal(bank->n_alternatives, 2);
	assert_string_equal(bank->alternatives[1].id, "itsme");
	assert_int_equal(conf_find_provider(c, "lt")->n_depends_on, 0);
	conf_free(c);
	free(errs);
}

static const struct broken broken_deps[] = {
	{ "unknown provider in depends_on",
	  "providers:\n" DEP_P("a") "  - id: b\n    depends_on: [a, ghost]\n" "    endpoints: []\n",
	  ":5:21:", "depends_on: unknown provider 'ghost'" },
	{ "unknown provider in alternatives",
	  "providers:\n" DEP_P("a") "  - id: b\n    alternatives:\n      - nope\n    endpoints: []\n",
	  ":6:9:", "alternatives: unknown provider 'nope'" },
	{ "a provider depending on itself",
	  "providers:\n  - id: a\n    depends_on: [a]\n    endpoints: []\n",
	  ":3:18:", "provider 'a' depends on itself" },
	{ "a provider among its own alternatives",
	  "providers:\n" DEP_P("b") "  - id: a\n    alternatives: [b, a]\n    endpoints: []\n",
	  ":5:23:", "provider 'a' depends on itself" },
	{ "a two-provider cycle",
	  "providers:\n  - id: a\n    depends_on: [b]\n    endpoints: []\n"
	  "  - id: b\n    depends_on: [a]\n    endpoints: []\n",
	  ":6:18:", "dependency cycle: a -> b -> a" },
	{ "a cycle through alternatives",
	  "providers:\n  - id: a\n    alternatives: [b, c]\n    endpoints: []\n"
	  "  - id: b\n    depends_on: [c]\n    endpoints: []\n"
	  "  - id: c\n    depends_on: [a]\n    endpoints: []\n",
	  ":9:18:", "dependency cycle: a -> b -> c -> a" },
	{ "an id listed twice",
	  "providers:\n" DEP_P("a") "  - id: b\n    depends_on: [a, a]\n    endpoints: []\n",
	  ":5:21:", "depends_on: 'a' is listed twice" },
	{ "an id in both lists",
	  "providers:\n" DEP_P("a") DEP_P("c")
	  "  - id: b\n    depends_on: [a]\n    alternatives: [c, a]\n    endpoints: []\n",
	  ":8:23:", "alternatives: 'a' is also in depends_on" },
	{ "depends_on not a list",
	  "providers:\n" DEP_P("a") "  - id: b\n    depends_on: a\n    endpoints: []\n",
	  ":5:17:", "depends_on: expected a list of provider ids" },
	{ "a bad id in alternatives",
	  "providers:\n" DEP_P("a") "  - id: b\n    alternatives: [A]\n    endpoints: []\n",
	  ":5:20:", "invalid id 'A'" },
};

static void
bad_dependencies_fail_with_place_and_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(broken_deps); i++) {
		char *errs;
		struct conf *c = load_text(broken_deps[i].yaml, &errs);

		if (c != NULL || strstr(errs, broken_deps[i].where) == NULL ||
		    strstr(errs, broken_deps[i].says) == NULL)
			fail_msg("case '%s': want %s … %s, got:\n%s", broken_deps[i].name,
			    broken_deps[i].where, broken_deps[i].says, errs);
		free(errs);
		conf_free(c);
	}
}

static void
example_config_declares_what_myguichet_depends_on(void **state)
{
	struct conf_errors errs;
	struct conf *c = conf_load("config.yaml.example", &errs);
	const struct conf_provider *mg;

	(void)state;
	assert_non_null(c);
	mg = conf_find_provider(c, "myguichet");
	assert_non_null(mg);
	assert_int_equal(mg->n_depends_on, 1);
	assert_string_equal(mg->depends_on[0].id, "luxtrust");
	conf_free(c);
	conf_errors_free(&errs);
}

/* The composed tree (core/config_yaml.c): aliases share a node; duplicates counted pairwise. */
static void
aliases_resolve_and_duplicates_count_pairwise(void **state)
{
	char *errs;
	struct conf *c;
	const char *p;
	int n = 0;

	(void)state;
	c = load_text("providers:\n  - id: p\n    endpoints:\n"
	    "      - &e { id: a, kind: login, url: 'http://x/', expect: { status: 204 } }\n"
	    "  - id: q\n    endpoints: [ *e ]\n", &errs);
	if (c == NULL)
		print_error("%s\n", errs);
	assert_non_null(c);
	assert_int_equal(c->n_providers, 2);
	assert_string_equal(c->providers[1].endpoints[0].id, "a");
	assert_string_equal(c->providers[1].endpoints[0].url, "http://x/");
	assert_int_equal(c->providers[1].endpoints[0].expect.http_status, 204);
	assert_ptr_equal(c->providers[1].endpoints[0].provider, &c->providers[1]);
	conf_free(c);
	free(errs);
	/* Three endpoints "a" and one "b": 1 + 2 errors, as a pairwise comparison gives. */
	c = load_text("providers:\n  - id: p\n    endpoints:\n"
	    "      - { id: a, kind: login, url: 'http://x/' }\n"
	    "      - { id: b, kind: login, url: 'http://x/' }\n"
	    "      - { id: a, kind: login, url: 'http://x/' }\n"
	    "      - { id: a, kind: login, url: 'http://x/' }\n", &errs);
	assert_null(c);
	for (p = errs; (p = strstr(p, "duplicate endpoint id 'a'")) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	assert_non_null(strstr(errs, ":6:9: duplicate endpoint id 'a'"));
	assert_non_null(strstr(errs, ":7:9: duplicate endpoint id 'a'"));
	assert_null(strstr(errs, "'b'"));
	free(errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_config_loads),
		cmocka_unit_test(minimal_config_gets_the_spec_defaults),
		cmocka_unit_test(defaults_are_inherited_and_overridden),
		cmocka_unit_test(secrets_are_read_from_the_environment),
		cmocka_unit_test(broken_configs_fail_with_place_and_reason),
		cmocka_unit_test(aliases_resolve_and_duplicates_count_pairwise),
		cmocka_unit_test(every_error_is_reported_not_only_the_first),
		cmocka_unit_test(tags_that_restate_the_type_are_accepted),
		cmocka_unit_test(deep_nesting_is_refused_quickly_with_its_place),
		cmocka_unit_test(fifos_are_refused_without_blocking),
		cmocka_unit_test(outputs_that_would_delete_what_is_not_a_site_are_refused),
		cmocka_unit_test(durations_parse_and_reject),
		cmocka_unit_test(rfc3339_times_parse_and_format),
		cmocka_unit_test(smtp_addresses_are_checked_with_place_and_reason),
		cmocka_unit_test(smtp_display_names_and_tls_ca_are_accepted_and_kept),
		cmocka_unit_test(storage_url_and_password_env_are_loaded),
		cmocka_unit_test(storage_password_is_never_echoed_and_never_empty),
		cmocka_unit_test(node_defaults_to_the_host_name_and_quorum_to_a_majority),
		cmocka_unit_test(node_id_from_a_host_name_is_lowered_replaced_and_cut),
		cmocka_unit_test(node_values_are_kept_and_the_source_address_reaches_every_endpoint),
		cmocka_unit_test(bad_node_values_fail_with_place_and_reason),
		cmocka_unit_test(record_section_is_loaded_with_defaults),
		cmocka_unit_test(bad_record_values_fail_with_place_and_reason),
		cmocka_unit_test(dependencies_are_loaded_with_their_places),
		cmocka_unit_test(bad_dependencies_fail_with_place_and_reason),
		cmocka_unit_test(example_config_declares_what_myguichet_depends_on),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
