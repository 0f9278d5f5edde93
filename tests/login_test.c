/* Tests of the login kind: status and body checks, and its probe_ops state machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "probe/login.h"
#include "probe/probe.h"

#define RW "tests/fixtures/realworld/"
#define GOOGLE_URL "https://accounts.google.com/.well-known/openid-configuration"
#define GOOGLE_JWKS "https://www.googleapis.com/oauth2/v3/certs"
#define ENTRA_URL "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
#define ENTRA_JWKS "https://login.microsoftonline.com/common/discovery/v2.0/keys"
#define ENTRA_TEMPLATE "https://login.microsoftonline.com/{tenantid}/v2.0"

static void
endpoint(struct conf_endpoint *ep, const char *url)
{
	memset(ep, 0, sizeof(*ep));
	ep->kind = KIND_LOGIN;
	ep->url = (char *)url;
	ep->tls_min_days = 14;
}

static void
response(struct probe_response *resp, long status, const char *body, const char *url)
{
	memset(resp, 0, sizeof(*resp));
	resp->http_status = status;
	resp->body = (const unsigned char *)body;
	resp->len = strlen(body);
	resp->effective_url = url;
}

static const struct login_case {
	const char	*name;
	long		 status;
	const char	*body;
	int		 want_status;	/* expect.http_status */
	const char	*contains;	/* expect.body_contains */
	enum reason	 reason;
	const char	*msg;
} login_cases[] = {
	{ "200 with any 2xx expected is ok", 200, "<html>", 0, NULL, REASON_OK, NULL },
	{ "204 with any 2xx expected is ok", 204, "", 0, NULL, REASON_OK, NULL },
	{ "302 with any 2xx expected is http_status", 302, "", 0, NULL, REASON_HTTP_STATUS,
	    "HTTP status 302, expected 2xx" },
	{ "500 with any 2xx expected is http_status", 500, "oops", 0, NULL, REASON_HTTP_STATUS,
	    "HTTP status 500, expected 2xx" },
	{ "401 when 401 is expected is ok", 401, "", 401, NULL, REASON_OK, NULL },
	{ "200 when 401 is expected is http_status", 200, "", 401, NULL, REASON_HTTP_STATUS,
	    "HTTP status 200, expected 401" },
	{ "body containing the text is ok", 200, "<h1>Sign in to LuxTrust</h1>", 0, "Sign in",
	    REASON_OK, NULL },
	{ "body without the text is body_mismatch", 200, "<h1>Maintenance</h1>", 0, "Sign in",
	    REASON_BODY_MISMATCH, "does not contain \"Sign in\"" },
	{ "empty body is body_mismatch", 200, "", 0, "Sign in", REASON_BODY_MISMATCH,
	    "response body (0 bytes)" },
	{ "wrong status outranks the body check", 404, "Sign in", 0, "Missing",
	    REASON_HTTP_STATUS, NULL },
};

static void
login_table_gives_each_case_its_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(login_cases); i++) {
		const struct login_case *c = &login_cases[i];
		struct conf_endpoint ep;
		struct probe_response resp;
		struct result r;
		int ok;

		endpoint(&ep, "https://login.example/");
		ep.expect.http_status = c->want_status;
		ep.expect.body_contains = (char *)c->contains;
		response(&resp, c->status, c->body, ep.url);
		resp.redirects = 2;
		result_init(&r, &ep, 0);
		ok = login_evaluate(&resp, &ep, &r);
		if (r.reason != c->reason || ok != (c->reason == REASON_OK) ||
		    (c->msg != NULL && (r.message == NULL || strstr(r.message, c->msg) == NULL)))
			fail_msg("case \"%s\": got %s \"%s\"", c->name, reason_names[r.reason],
			    r.message != NULL ? r.message : "");
		assert_int_equal(json_integer_value(json_object_get(r.details, "http_status")),
		    c->status);
		assert_int_equal(json_integer_value(json_object_get(r.details, "redirects")), 2);
		result_clear(&r);
	}
}

/* One run of the ops against canned responses, as the engine would drive them. */
struct run {
	struct conf_endpoint	 ep;
	struct result		 r;
	void			*st;
	struct probe_request	 req;
};

static void
run_start(struct run *run, int64_t now)
{
	const struct probe_ops *ops = &probe_login_ops;

	assert_int_equal(ops->kind, KIND_LOGIN);
	result_init(&run->r, &run->ep, now);
	memset(&run->req, 0, sizeof(run->req));
	run->st = ops->start(&run->ep, NULL, &run->req, &run->r);
	assert_non_null(run->st);
	assert_string_equal(run->req.url, run->ep.url);
	assert_non_null(run->req.accept);
	assert_int_equal(run->req.post, 0);
}

/* Feeds the response to finish; returns what finish returned, next request in run->req. */
static int
run_finish(struct run *run, long status, const char *body, int64_t now)
{
	struct probe_response resp;
	char *url = run->req.url;
	int rc;

	response(&resp, status, body, url);
	run->req.url = NULL;
	probe_request_clear(&run->req);
	rc = probe_login_ops.finish(run->st, &run->ep, &resp, now, &run->req, &run->r);
	free(url);
	assert_int_equal(rc, run->req.url != NULL);
	return rc;
}

static void
run_end(struct run *run)
{
	probe_request_clear(&run->req);
	probe_login_ops.free_state(run->st);
	result_clear(&run->r);
}

static char *
fixture(const char *path)
{
	unsigned char *data = NULL;
	size_t len;

	assert_int_equal(file_read(path, 1 << 24, &data, &len), 0);
	return (char *)data;
}

static void
oidc_probe_fetches_the_jwks_after_the_google_discovery_and_is_ok(void **state)
{
	char *disc = fixture(RW "oidc-google-discovery.json");
	char *jwks = fixture(RW "oidc-google-jwks.json");
	struct run run;

	(void)state;
	endpoint(&run.ep, GOOGLE_URL);
	run.ep.expect.oidc = true;
	run_start(&run, 0);
	assert_non_null(strstr(run.req.accept, "application/json"));
	assert_int_equal(run_finish(&run, 200, disc, 0), 1);
	assert_string_equal(run.req.url, GOOGLE_JWKS);
	assert_int_equal(run.req.post, 0);
	assert_int_equal(run_finish(&run, 200, jwks, 0), 0);
	assert_int_equal(run.r.status, STATUS_UP);
	assert_int_equal(run.r.reason, REASON_OK);
	assert_int_equal(json_integer_value(json_object_get(run.r.details, "keys")), 2);
	assert_int_equal(json_integer_value(json_object_get(run.r.details, "http_status")), 200);
	run_end(&run);
	free(disc);
	free(jwks);
}

static void
oidc_probe_of_entra_common_is_oidc_invalid_without_expect_issuer(void **state)
{
	char *disc = fixture(RW "oidc-entra-common-discovery.json");
	struct run run;

	(void)state;
	endpoint(&run.ep, ENTRA_URL);
	run.ep.expect.oidc = true;
	run_start(&run, 0);
	assert_int_equal(run_finish(&run, 200, disc, 0), 0);
	assert_int_equal(run.r.status, STATUS_DOWN);
	assert_int_equal(run.r.reason, REASON_OIDC_INVALID);
	run_end(&run);
	free(disc);
}

static void
oidc_probe_of_entra_common_is_ok_with_the_template_issuer(void **state)
{
	char *disc = fixture(RW "oidc-entra-common-discovery.json");
	char *jwks = fixture(RW "oidc-entra-common-jwks.json");
	struct run run;

	(void)state;
	endpoint(&run.ep, ENTRA_URL);
	run.ep.expect.oidc = true;
	run.ep.expect.issuer = ENTRA_TEMPLATE;
	run_start(&run, 0);
	assert_int_equal(run_finish(&run, 200, disc, 0), 1);
	assert_string_equal(run.req.url, ENTRA_JWKS);
	assert_int_equal(run_finish(&run, 200, jwks, 0), 0);
	assert_int_equal(run.r.reason, REASON_OK);
	assert_int_equal(json_integer_value(json_object_get(run.r.details, "keys")), 7);
	run_end(&run);
	free(disc);
	free(jwks);
}

static const struct jwks_fetch_case {
	const char	*name;
	long		 status;
	const char	*body;
	const char	*msg;
} jwks_fetch_cases[] = {
	{ "JWKS answered 404 is oidc_invalid", 404, "not found",
	    "JWKS fetch from " GOOGLE_JWKS " returned HTTP 404" },
	{ "JWKS answered 503 is oidc_invalid", 503, "", "returned HTTP 503" },
	{ "JWKS that is HTML is oidc_invalid", 200, "<html>", "JWKS is not JSON" },
	{ "JWKS without keys is oidc_invalid", 200, "{\"keys\":[]}", "\"keys\" is empty" },
};

static void
jwks_fetch_failures_are_oidc_invalid_not_http_status(void **state)
{
	char *disc = fixture(RW "oidc-google-discovery.json");

	(void)state;
	for (size_t i = 0; i < NELEM(jwks_fetch_cases); i++) {
		const struct jwks_fetch_case *c = &jwks_fetch_cases[i];
		struct run run;

		endpoint(&run.ep, GOOGLE_URL);
		run.ep.expect.oidc = true;
		run_start(&run, 0);
		assert_int_equal(run_finish(&run, 200, disc, 0), 1);
		assert_int_equal(run_finish(&run, c->status, c->body, 0), 0);
		if (run.r.reason != REASON_OIDC_INVALID || run.r.message == NULL ||
		    strstr(run.r.message, c->msg) == NULL)
			fail_msg("case \"%s\": got %s \"%s\"", c->name,
			    reason_names[run.r.reason], run.r.message ? run.r.message : "");
		run_end(&run);
	}
	free(disc);
}

static void
oidc_probe_with_a_bad_status_never_asks_for_the_jwks(void **state)
{
	char *disc = fixture(RW "oidc-google-discovery.json");
	struct run run;

	(void)state;
	endpoint(&run.ep, GOOGLE_URL);
	run.ep.expect.oidc = true;
	run_start(&run, 0);
	assert_int_equal(run_finish(&run, 503, disc, 0), 0);
	assert_int_equal(run.r.reason, REASON_HTTP_STATUS);
	run_end(&run);
	free(disc);
}

static void
login_probe_checks_the_page_in_one_request(void **state)
{
	struct run run;

	(void)state;
	endpoint(&run.ep, "https://login.example/");
	run.ep.expect.body_contains = "Sign in";
	run_start(&run, 0);
	assert_non_null(strstr(run.req.accept, "text/html"));
	assert_int_equal(run_finish(&run, 200, "<p>Sign in</p>", 0), 0);
	assert_int_equal(run.r.reason, REASON_OK);
	run_end(&run);

	endpoint(&run.ep, "https://login.example/");
	run.ep.expect.body_contains = "Sign in";
	run_start(&run, 0);
	assert_int_equal(run_finish(&run, 200, "<p>Down for maintenance</p>", 0), 0);
	assert_int_equal(run.r.reason, REASON_BODY_MISMATCH);
	run_end(&run);
}

static void
saml_probe_evaluates_entra_metadata_at_its_now(void **state)
{
	char *md = fixture(RW "saml-entra-idp-metadata-2018.xml");
	int64_t now;
	struct run run;

	(void)state;
	assert_int_equal(rfc3339_parse("2018-05-11T12:00:00Z", &now), 0);
	endpoint(&run.ep, "https://login.microsoftonline.com/682febe8/federationmetadata/"
	    "2007-06/federationmetadata.xml");
	run.ep.expect.saml_metadata = true;
	run_start(&run, now);
	assert_non_null(strstr(run.req.accept, "application/samlmetadata+xml"));
	assert_int_equal(run_finish(&run, 200, md, now), 0);
	assert_int_equal(run.r.reason, REASON_OK);
	run_end(&run);

	run.ep.tls_min_days = 200;
	run_start(&run, now);
	assert_int_equal(run_finish(&run, 200, md, now), 0);
	assert_int_equal(run.r.status, STATUS_DEGRADED);
	assert_int_equal(run.r.reason, REASON_TLS_EXPIRING);
	run_end(&run);

	run.ep.tls_min_days = 14;
	run_start(&run, now);
	assert_int_equal(run_finish(&run, 200, "<html>Sign in</html>", now), 0);
	assert_int_equal(run.r.reason, REASON_SAML_INVALID);
	run_end(&run);
	free(md);
}

static void
login_probe_without_a_url_is_internal(void **state)
{
	struct conf_endpoint ep;
	struct probe_request req;
	struct result r;

	(void)state;
	endpoint(&ep, NULL);
	result_init(&r, &ep, 0);
	assert_null(probe_login_ops.start(&ep, NULL, &req, &r));
	assert_null(req.url);
	assert_int_equal(r.reason, REASON_INTERNAL);
	result_clear(&r);
	probe_login_ops.free_state(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(login_table_gives_each_case_its_reason),
		cmocka_unit_test(login_probe_checks_the_page_in_one_request),
		cmocka_unit_test(oidc_probe_fetches_the_jwks_after_the_google_discovery_and_is_ok),
		cmocka_unit_test(oidc_probe_of_entra_common_is_oidc_invalid_without_expect_issuer),
		cmocka_unit_test(oidc_probe_of_entra_common_is_ok_with_the_template_issuer),
		cmocka_unit_test(jwks_fetch_failures_are_oidc_invalid_not_http_status),
		cmocka_unit_test(oidc_probe_with_a_bad_status_never_asks_for_the_jwks),
		cmocka_unit_test(saml_probe_evaluates_entra_metadata_at_its_now),
		cmocka_unit_test(login_probe_without_a_url_is_internal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
