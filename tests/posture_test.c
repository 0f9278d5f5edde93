/*
 * Tests of the TLS posture check's pure parts (probe/login_posture.c): what the chain sent
 * says (completeness against roots only, key sizes, SHA-1 signatures), HSTS, and the order
 * of the side requests and how their outcomes become findings. Certificates are built here;
 * the testbed-backed proof is tests/posture_itest.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "probe/login_posture.h"
#include "probe/probe.h"
#include "tests/support/pki_gen.h"

struct fx {
	EVP_PKEY	*root_key, *inter_key, *leaf_key;
	X509		*root, *inter, *leaf;
	char		 ca_path[64];
	struct login_conf lc;
	struct conf_endpoint ep;
};

/* root (EC) -> inter (key given, signed with md) -> leaf (EC). */
static void
fx_init(struct fx *f, EVP_PKEY *inter_key, const EVP_MD *inter_md)
{
	int64_t now = now_ms();
	FILE *fp;
	int fd;

	memset(f, 0, sizeof(*f));
	f->root_key = pkigen_key();
	f->inter_key = inter_key != NULL ? inter_key : pkigen_key();
	f->leaf_key = pkigen_key();
	f->root = pkigen_cert("Posture Root", f->root_key, NULL, NULL, 1, now - PKIGEN_DAY_MS,
	    now + 365 * PKIGEN_DAY_MS, PKIGEN_CA);
	f->inter = pkigen_cert("Posture Intermediate", f->inter_key, f->root, f->root_key, 2,
	    now - PKIGEN_DAY_MS, now + 365 * PKIGEN_DAY_MS, PKIGEN_CA);
	if (inter_md != NULL)
		assert_true(X509_sign(f->inter, f->root_key, inter_md) > 0);
	f->leaf = pkigen_cert("localhost", f->leaf_key, f->inter, f->inter_key, 3,
	    now - PKIGEN_DAY_MS, now + 90 * PKIGEN_DAY_MS, 0);
	snprintf(f->ca_path, sizeof(f->ca_path), "/tmp/tw-posture-test.XXXXXX");
	assert_true((fd = mkstemp(f->ca_path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_true(PEM_write_X509(fp, f->root) == 1);
	fclose(fp);
	f->lc.posture = true;
	f->ep.id = "login";
	f->ep.kind = KIND_LOGIN;
	f->ep.url = "https://localhost/";
	f->ep.tls_ca = f->ca_path;
	f->ep.kind_conf = &f->lc;
}

static void
fx_free(struct fx *f)
{
	unlink(f->ca_path);
	X509_free(f->root);
	X509_free(f->inter);
	X509_free(f->leaf);
	EVP_PKEY_free(f->root_key);
	EVP_PKEY_free(f->inter_key);
	EVP_PKEY_free(f->leaf_key);
}

static STACK_OF(X509) *
chain_of(X509 *a, X509 *b)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	sk_X509_push(sk, a);
	if (b != NULL)
		sk_X509_push(sk, b);
	return sk;
}

/* The finding of check in r's posture list: its severity, or NULL; text into *text. */
static const char *
finding(const struct result *r, const char *check, const char **text)
{
	json_t *a = detail_kind_get(r->details, &posture_fields[POSTURE_FINDINGS]), *o;
	size_t i;

	json_array_foreach(a, i, o)
		if (strcmp(json_string_value(json_object_get(o, "check")), check) == 0) {
			if (text != NULL)
				*text = json_string_value(json_object_get(o, "text"));
			return json_string_value(json_object_get(o, "severity"));
		}
	return NULL;
}

/* posture_begin on a response that sent chain, with HSTS hsts. */
static struct posture *
begin(struct fx *f, STACK_OF(X509) *chain, const char *hsts, struct result *r)
{
	struct probe_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.http_status = 200;
	resp.tls_version = "TLSv1.3";
	resp.capture.chain = chain;
	resp.capture.hsts = hsts;
	result_init(r, &f->ep, now_ms());
	return posture_begin(&f->ep, &resp, now_ms(), r);
}

static void
complete_chain_with_good_keys_is_ok(void **state)
{
	struct fx f;
	struct result r;
	STACK_OF(X509) *sent;
	struct posture *p;
	int64_t v;

	(void)state;
	fx_init(&f, NULL, NULL);
	sent = chain_of(f.leaf, f.inter);
	p = begin(&f, sent, "max-age=31536000; includeSubDomains", &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_string_equal(finding(&r, "Certificate chain", NULL), "ok");
	assert_string_equal(finding(&r, "Keys and signatures", NULL), "ok");
	assert_string_equal(finding(&r, "HSTS", NULL), "ok");
	assert_string_equal(finding(&r, "OCSP stapling", NULL), "info");
	assert_int_equal(detail_kind_get(r.details, &posture_fields[POSTURE_CHAIN_SENT]) ?
	    json_integer_value(detail_kind_get(r.details, &posture_fields[POSTURE_CHAIN_SENT])) :
	    -1, 2);
	v = json_integer_value(detail_kind_get(r.details, &posture_fields[POSTURE_HSTS_MAX_AGE]));
	assert_int_equal(v, 31536000);
	posture_free(p);
	sk_X509_free(sent);
	result_clear(&r);
	fx_free(&f);
}

static void
leaf_alone_is_chain_incomplete(void **state)
{
	struct fx f;
	struct result r;
	STACK_OF(X509) *sent;
	struct posture *p;
	const char *text = NULL;

	(void)state;
	fx_init(&f, NULL, NULL);
	sent = chain_of(f.leaf, NULL);
	p = begin(&f, sent, NULL, &r);
	assert_int_equal(r.reason, REASON_CHAIN_INCOMPLETE);
	assert_int_equal(r.status, STATUS_DEGRADED);
	assert_string_equal(finding(&r, "Certificate chain", &text), "degraded");
	assert_non_null(strstr(text, "CN = Posture Intermediate"));
	/* No HSTS is noted, not judged. */
	assert_string_equal(finding(&r, "HSTS", NULL), "info");
	posture_free(p);
	sk_X509_free(sent);
	result_clear(&r);
	fx_free(&f);
}

static void
rsa1024_and_sha1_are_weak_tls(void **state)
{
	struct fx f;
	struct result r;
	STACK_OF(X509) *sent;
	struct posture *p;
	const char *text = NULL;

	(void)state;
	fx_init(&f, EVP_RSA_gen(1024), EVP_sha1());
	sent = chain_of(f.leaf, f.inter);
	p = begin(&f, sent, "max-age=31536000", &r);
	assert_int_equal(r.reason, REASON_WEAK_TLS);
	assert_int_equal(r.status, STATUS_DEGRADED);
	assert_string_equal(finding(&r, "Keys and signatures", &text), "degraded");
	assert_non_null(strstr(text, "RSA key of 1024 bits (< 2048)"));
	assert_non_null(strstr(text, "SHA-1 signature"));
	assert_string_equal(finding(&r, "Certificate chain", NULL), "ok");
	posture_free(p);
	sk_X509_free(sent);
	result_clear(&r);
	fx_free(&f);
}

static void
hsts_max_age_forms(void **state)
{
	static const struct { const char *h; long long want; const char *sev; } cases[] = {
		{ "max-age=300", 300, "info" },
		{ "MAX-AGE = \"63072000\" ; preload", 63072000, "ok" },
		{ "includeSubDomains; max-age=31536000", 31536000, "ok" },
		{ "max-age=", -1, "info" },
		{ "includeSubDomains", -1, "info" },
	};
	struct fx f;

	(void)state;
	fx_init(&f, NULL, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		STACK_OF(X509) *sent = chain_of(f.leaf, f.inter);
		struct result r;
		struct posture *p = begin(&f, sent, cases[i].h, &r);
		json_t *age = detail_kind_get(r.details, &posture_fields[POSTURE_HSTS_MAX_AGE]);

		assert_string_equal(finding(&r, "HSTS", NULL), cases[i].sev);
		assert_int_equal(age != NULL ? json_integer_value(age) : -1, cases[i].want);
		assert_int_equal(r.reason, REASON_OK);
		posture_free(p);
		sk_X509_free(sent);
		result_clear(&r);
	}
	fx_free(&f);
}

static void
side_requests_in_order_and_their_findings(void **state)
{
	struct fx f;
	struct result r;
	STACK_OF(X509) *sent;
	struct posture *p;
	struct probe_request next;
	struct probe_response resp;
	const char *text = NULL;

	(void)state;
	fx_init(&f, NULL, NULL);
	sent = chain_of(f.leaf, f.inter);
	p = begin(&f, sent, "max-age=31536000", &r);
	/* First the TLS 1.0/1.1 handshake: a side request, never verified. */
	assert_int_equal(posture_next(p, &f.ep, NULL, now_ms(), &next, &r), 1);
	assert_true(next.side);
	assert_int_equal(next.tls, PROBE_TLS_LEGACY);
	assert_string_equal(next.url, f.ep.url);
	probe_request_clear(&next);
	memset(&resp, 0, sizeof(resp));
	resp.tls_version = "TLSv1";
	resp.tls_cipher = "ECDHE-ECDSA-AES128-SHA";
	/* It succeeded: weak_tls. Then the weak-suite handshake. */
	assert_int_equal(posture_next(p, &f.ep, &resp, now_ms(), &next, &r), 1);
	assert_int_equal(r.reason, REASON_WEAK_TLS);
	assert_string_equal(finding(&r, "Protocol versions", &text), "degraded");
	assert_non_null(strstr(text, "TLSv1 accepted"));
	assert_int_equal(next.tls, PROBE_TLS_WEAK);
	probe_request_clear(&next);
	/* Refused: ok. The leaf names no AIA and no CDP: both noted, nothing more to send. */
	memset(&resp, 0, sizeof(resp));
	resp.transport_reason = REASON_TLS;
	resp.transport_message = "TLS: sslv3 alert handshake failure";
	assert_int_equal(posture_next(p, &f.ep, &resp, now_ms(), &next, &r), 0);
	assert_null(next.url);
	assert_string_equal(finding(&r, "Cipher suites", NULL), "ok");
	assert_string_equal(finding(&r, "Revocation (OCSP)", &text), "info");
	assert_non_null(strstr(text, "names no http OCSP responder"));
	assert_string_equal(finding(&r, "Revocation (CRL)", NULL), "info");
	assert_int_equal(r.reason, REASON_WEAK_TLS);
	posture_free(p);
	sk_X509_free(sent);
	result_clear(&r);
	fx_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complete_chain_with_good_keys_is_ok),
		cmocka_unit_test(leaf_alone_is_chain_incomplete),
		cmocka_unit_test(rsa1024_and_sha1_are_weak_tls),
		cmocka_unit_test(hsts_max_age_forms),
		cmocka_unit_test(side_requests_in_order_and_their_findings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
