/* Tests of the SAML metadata evaluator (probe/saml.c). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "probe/saml.h"

#define RW "tests/fixtures/realworld/"
#define DAY_MS (86400 * (int64_t)1000)
#define NO_CERT INT_MIN

static int64_t
at(const char *rfc3339)
{
	int64_t ms;

	assert_int_equal(rfc3339_parse(rfc3339, &ms), 0);
	return ms;
}

/* Returns the base64 (64-column lines) DER of a fresh self-signed EC certificate. */
static char *
cert_b64(int64_t now, int days_left)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	int len;
	char *b64, *out, *o;

	assert_non_null(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"idp.example signing", -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_NAME_free(name);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now / 1000 - 86400));
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(now / 1000 + (int64_t)days_left * 86400 + 3600));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	b64 = xmalloc((size_t)len * 4 / 3 + 4);
	EVP_EncodeBlock((unsigned char *)b64, der, len);
	out = o = xmalloc(strlen(b64) * 65 / 64 + 2);
	for (size_t i = 0; b64[i] != '\0'; i++) {
		if (i > 0 && i % 64 == 0)
			*o++ = '\n';
		*o++ = b64[i];
	}
	*o = '\0';
	free(b64);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	return out;
}

/* One synthetic IdP metadata document. */
struct md_case {
	const char	*name;
	const char	*ns;		/* root namespace, NULL = SAML metadata */
	const char	*valid_until;	/* attribute value or NULL */
	int		 no_idp;	/* an SPSSODescriptor instead */
	int		 no_sso;
	int		 sign_days;	/* signing cert days left, NO_CERT = none */
	const char	*sign_use;	/* "signing", or NULL for no use attribute */
	const char	*sign_b64;	/* replaces the signing cert when set */
	int		 enc_days;	/* encryption cert days left, NO_CERT = none */
	enum reason	 want;
	const char	*msg;
};

static char *
key_descriptor(const char *use, const char *b64)
{
	return xasprintf("<md:KeyDescriptor%s%s%s><ds:KeyInfo><ds:X509Data>\n"
	    "<ds:X509Certificate>\n%s\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
	    "</md:KeyDescriptor>\n", use != NULL ? " use=\"" : "", use != NULL ? use : "",
	    use != NULL ? "\"" : "", b64);
}

static char *
md_build(const struct md_case *c, int64_t now)
{
	char *sign = xstrdup(""), *enc = xstrdup(""), *doc, *b64;

	if (c->sign_b64 != NULL || c->sign_days != NO_CERT) {
		b64 = c->sign_b64 != NULL ? xstrdup(c->sign_b64) : cert_b64(now, c->sign_days);
		free(sign);
		sign = key_descriptor(c->sign_use, b64);
		free(b64);
	}
	if (c->enc_days != NO_CERT) {
		b64 = cert_b64(now, c->enc_days);
		free(enc);
		enc = key_descriptor("encryption", b64);
		free(b64);
	}
	doc = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<md:EntityDescriptor xmlns:md=\"%s\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\""
	    " entityID=\"https://idp.example/saml\"%s%s%s>\n"
	    "<md:%s protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
	    "%s%s%s</md:%s>\n</md:EntityDescriptor>\n",
	    c->ns != NULL ? c->ns : SAML_MD_NS,
	    c->valid_until != NULL ? " validUntil=\"" : "",
	    c->valid_until != NULL ? c->valid_until : "", c->valid_until != NULL ? "\"" : "",
	    c->no_idp ? "SPSSODescriptor" : "IDPSSODescriptor", sign, enc,
	    c->no_sso ? "" : "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:"
	    "bindings:HTTP-Redirect\" Location=\"https://idp.example/sso\"/>\n",
	    c->no_idp ? "SPSSODescriptor" : "IDPSSODescriptor");
	free(sign);
	free(enc);
	return doc;
}

#define NOW "2030-01-01T00:00:00Z"

static const struct md_case md_cases[] = {
	{ "sound metadata is ok", NULL, "2030-01-08T00:00:00Z", 0, 0, 365, "signing", NULL, 365,
	    REASON_OK, NULL },
	{ "metadata without validUntil is ok", NULL, NULL, 0, 0, 365, "signing", NULL, NO_CERT,
	    REASON_OK, NULL },
	{ "metadata without any certificate is ok", NULL, NULL, 0, 0, NO_CERT, NULL, NULL,
	    NO_CERT, REASON_OK, NULL },
	{ "past validUntil is saml_invalid", NULL, "2029-12-31T23:59:59Z", 0, 0, 365, "signing",
	    NULL, NO_CERT, REASON_SAML_INVALID,
	    "EntityDescriptor \"https://idp.example/saml\" validUntil 2029-12-31T23:59:59Z is past" },
	{ "validUntil of exactly now is saml_invalid", NULL, NOW, 0, 0, 365, "signing", NULL,
	    NO_CERT, REASON_SAML_INVALID, "is past" },
	{ "unparseable validUntil is saml_invalid", NULL, "next week", 0, 0, 365, "signing",
	    NULL, NO_CERT, REASON_SAML_INVALID, "validUntil \"next week\" is not a UTC xs:dateTime" },
	{ "wrong root namespace is saml_invalid", "urn:example:not-saml", NULL, 0, 0, 365,
	    "signing", NULL, NO_CERT, REASON_SAML_INVALID, "root element is not" },
	{ "no IDPSSODescriptor is saml_invalid", NULL, NULL, 1, 0, 365, "signing", NULL, NO_CERT,
	    REASON_SAML_INVALID, "no IDPSSODescriptor" },
	{ "no SingleSignOnService is saml_invalid", NULL, NULL, 0, 1, 365, "signing", NULL,
	    NO_CERT, REASON_SAML_INVALID,
	    "IDPSSODescriptor of https://idp.example/saml has no SingleSignOnService" },
	{ "signing cert with 10 days left under tls_min_days 14 is tls_expiring", NULL, NULL, 0,
	    0, 10, "signing", NULL, NO_CERT, REASON_TLS_EXPIRING,
	    "SAML signing certificate \"idp.example signing\" of https://idp.example/saml "
	    "expires in 10 days" },
	{ "key without use counts as signing", NULL, NULL, 0, 0, 3, NULL, NULL, NO_CERT,
	    REASON_TLS_EXPIRING, "expires in 3 days" },
	{ "signing cert with 14 days left is ok", NULL, NULL, 0, 0, 14, "signing", NULL,
	    NO_CERT, REASON_OK, NULL },
	{ "expiring encryption cert is ignored", NULL, NULL, 0, 0, 365, "signing", NULL, 2,
	    REASON_OK, NULL },
	{ "expired only signing cert is saml_invalid", NULL, NULL, 0, 0, -2, "signing", NULL,
	    NO_CERT, REASON_SAML_INVALID, "every signing certificate of https://idp.example/saml "
	    "has expired (\"idp.example signing\" on 2029-12-30T01:00:00Z)" },
	{ "signing cert that is not base64 is saml_invalid", NULL, NULL, 0, 0, 0, "signing",
	    "MIIB*notbase64", NO_CERT, REASON_SAML_INVALID, "is not valid base64" },
	{ "signing cert that is not DER is saml_invalid", NULL, NULL, 0, 0, 0, "signing",
	    "SGVsbG8gd29ybGQ=", NO_CERT, REASON_SAML_INVALID, "not a DER X.509 certificate" },
	{ "past validUntil outranks an expiring cert", NULL, "2029-01-01T00:00:00Z", 0, 0, 3,
	    "signing", NULL, NO_CERT, REASON_SAML_INVALID, "is past" },
};

static enum reason
evaluate(const char *doc, int64_t now, int tls_min_days, char **msg, json_t **details)
{
	struct conf_endpoint ep;
	struct result r;
	enum reason reason;

	memset(&ep, 0, sizeof(ep));
	ep.expect.saml_metadata = true;
	ep.tls_min_days = tls_min_days;
	result_init(&r, &ep, now);
	saml_evaluate((const unsigned char *)doc, strlen(doc), &ep, now, &r);
	reason = r.reason;
	assert_int_equal(r.status, reason_status(r.reason));
	if (msg != NULL)
		*msg = xstrdup(r.message);
	if (details != NULL)
		*details = json_incref(r.details);
	result_clear(&r);
	return reason;
}

static void
metadata_table_gives_each_case_its_reason(void **state)
{
	int64_t now = at(NOW);

	(void)state;
	for (size_t i = 0; i < NELEM(md_cases); i++) {
		const struct md_case *c = &md_cases[i];
		char *doc = md_build(c, now), *msg = NULL;
		enum reason got = evaluate(doc, now, 14, &msg, NULL);

		if (got != c->want || (c->msg != NULL && (msg == NULL ||
		    strstr(msg, c->msg) == NULL)))
			fail_msg("case \"%s\": got %s \"%s\"", c->name, reason_names[got],
			    msg != NULL ? msg : "");
		free(msg);
		free(doc);
	}
}

static void
sound_metadata_records_cert_days_and_valid_until(void **state)
{
	int64_t now = at(NOW);
	char *doc = md_build(&md_cases[0], now);
	json_t *d = NULL;

	(void)state;
	assert_int_equal(evaluate(doc, now, 14, NULL, &d), REASON_OK);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_cert_days_left")), 365);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_idps")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_signing_certs")), 1);
	assert_string_equal(json_string_value(json_object_get(d, "saml_valid_until")),
	    "2030-01-08T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(d, "saml_cert_not_after")),
	    "2031-01-01T01:00:00Z");
	json_decref(d);
	free(doc);
}

static void
expired_cert_beside_a_valid_one_is_tls_expiring(void **state)
{
	static const struct md_case c = { "rollover", NULL, NULL, 0, 0, 365, "signing", NULL,
	    NO_CERT, REASON_TLS_EXPIRING, NULL };
	int64_t now = at(NOW);
	char *doc = md_build(&c, now), *old = cert_b64(now, -30), *kd, *sso, *both, *msg = NULL;
	json_t *d = NULL;

	(void)state;
	kd = key_descriptor("signing", old);
	sso = strstr(doc, "<md:SingleSignOnService");
	both = xasprintf("%.*s%s%s", (int)(sso - doc), doc, kd, sso);
	assert_int_equal(evaluate(both, now, 14, &msg, &d), REASON_TLS_EXPIRING);
	assert_non_null(strstr(msg, "expired on 2029-12-02T01:00:00Z; another is still valid"));
	assert_int_equal(json_integer_value(json_object_get(d, "saml_cert_days_left")), -30);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_signing_certs")), 2);
	json_decref(d);
	free(msg);
	free(both);
	free(kd);
	free(old);
	free(doc);
}

static const struct {
	const char	*name;
	const char	*doc;
	const char	*msg;
} bad_docs[] = {
	{ "HTML", "<html><body>Sign in</body>", "returned an HTML page, not SAML metadata" },
	{ "empty body", "", "not well-formed XML" },
	{ "JSON", "{\"issuer\":\"x\"}", "not well-formed XML" },
	{ "external entity (XXE)", "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	    "<md:EntityDescriptor xmlns:md=\"" SAML_MD_NS "\" entityID=\"x\">"
	    "<md:Extensions>&xxe;</md:Extensions></md:EntityDescriptor>", "DOCTYPE" },
	{ "external entity in an attribute", "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	    "<md:EntityDescriptor xmlns:md=\"" SAML_MD_NS "\" entityID=\"&xxe;\"/>", NULL },
	{ "entity expansion bomb", "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
	    "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n]>\n"
	    "<md:EntityDescriptor xmlns:md=\"" SAML_MD_NS "\" entityID=\"&d;\"/>", NULL },
	{ "truncated metadata", "<md:EntityDescriptor xmlns:md=\"" SAML_MD_NS "\">"
	    "<md:IDPSSODescriptor>", "not well-formed XML" },
};

static void
documents_that_are_not_usable_xml_are_saml_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(bad_docs); i++) {
		char *msg = NULL;
		enum reason got = evaluate(bad_docs[i].doc, at(NOW), 14, &msg, NULL);

		if (got != REASON_SAML_INVALID || (bad_docs[i].msg != NULL &&
		    strstr(msg, bad_docs[i].msg) == NULL) || strstr(msg, "root:") != NULL)
			fail_msg("%s: got %s \"%s\"", bad_docs[i].name, reason_names[got],
			    msg != NULL ? msg : "");
		free(msg);
	}
}

static void
aggregate_with_one_expired_entity_is_saml_invalid(void **state)
{
	static const char doc[] = "<EntitiesDescriptor xmlns=\"" SAML_MD_NS "\" "
	    "validUntil=\"2031-01-01T00:00:00Z\">"
	    "<EntityDescriptor entityID=\"https://a.example\"><IDPSSODescriptor "
	    "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
	    "<SingleSignOnService Binding=\"b\" Location=\"https://a.example/sso\"/>"
	    "</IDPSSODescriptor></EntityDescriptor>"
	    "<EntitiesDescriptor><EntityDescriptor entityID=\"https://b.example\" "
	    "validUntil=\"2029-06-01T00:00:00Z\"><IDPSSODescriptor "
	    "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
	    "<SingleSignOnService Binding=\"b\" Location=\"https://b.example/sso\"/>"
	    "</IDPSSODescriptor></EntityDescriptor></EntitiesDescriptor></EntitiesDescriptor>";
	char *msg = NULL;
	json_t *d = NULL;

	(void)state;
	assert_int_equal(evaluate(doc, at(NOW), 14, &msg, &d), REASON_SAML_INVALID);
	assert_non_null(strstr(msg, "https://b.example"));
	assert_int_equal(json_integer_value(json_object_get(d, "saml_idps")), 2);
	assert_string_equal(json_string_value(json_object_get(d, "saml_valid_until")),
	    "2029-06-01T00:00:00Z");
	json_decref(d);
	free(msg);
}

static char *
fixture(const char *path)
{
	unsigned char *data = NULL;
	size_t len;

	assert_int_equal(file_read(path, 1 << 24, &data, &len), 0);
	assert_int_equal(strlen((char *)data), len);
	return (char *)data;
}

static void
swamid_aggregate_is_ok_on_the_day_it_was_fetched(void **state)
{
	char *doc = fixture(RW "saml-swamid-kalmar-aggregate-2010.xml"), *msg = NULL;
	json_t *d = NULL;

	(void)state;
	assert_int_equal(evaluate(doc, at("2010-03-05T09:00:00Z"), 14, &msg, &d), REASON_OK);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_idps")), 2);
	assert_string_equal(json_string_value(json_object_get(d, "saml_valid_until")),
	    "2010-04-03T11:30:05Z");
	json_decref(d);
	free(msg);
	free(doc);
}

static void
swamid_aggregate_is_saml_invalid_a_month_after_valid_until(void **state)
{
	char *doc = fixture(RW "saml-swamid-kalmar-aggregate-2010.xml"), *msg = NULL;

	(void)state;
	assert_int_equal(evaluate(doc, at("2010-05-03T11:30:05Z"), 14, &msg, NULL),
	    REASON_SAML_INVALID);
	assert_non_null(strstr(msg, "EntitiesDescriptor \"http://md.swamid.se/md/"
	    "swamid-kalmar-1.0.xml\" validUntil 2010-04-03T11:30:05Z is past"));
	free(msg);
	free(doc);
}

static void
entra_metadata_is_ok_with_both_rollover_certs_valid(void **state)
{
	char *doc = fixture(RW "saml-entra-idp-metadata-2018.xml"), *msg = NULL;
	json_t *d = NULL;

	(void)state;
	assert_int_equal(evaluate(doc, at("2018-05-11T12:00:00Z"), 14, &msg, &d), REASON_OK);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_signing_certs")), 2);
	assert_null(json_object_get(d, "saml_valid_until"));
	assert_string_equal(json_string_value(json_object_get(d, "saml_cert_not_after")),
	    "2018-11-16T08:00:00Z");
	json_decref(d);
	free(msg);
	free(doc);
}

static void
entra_metadata_is_tls_expiring_under_tls_min_days_200(void **state)
{
	char *doc = fixture(RW "saml-entra-idp-metadata-2018.xml"), *msg = NULL;
	json_t *d = NULL;

	(void)state;
	assert_int_equal(evaluate(doc, at("2018-05-11T12:00:00Z"), 200, &msg, &d),
	    REASON_TLS_EXPIRING);
	assert_int_equal(json_integer_value(json_object_get(d, "saml_cert_days_left")), 188);
	assert_non_null(strstr(msg, "login.microsoftonline.us"));
	json_decref(d);
	free(msg);
	free(doc);
}

/* ---- issue 13 item 15: an HTML page is named as such, not as a DOCTYPE ---- */

static void
html_page_is_reported_as_an_html_page_not_as_a_doctype(void **state)
{
	static const struct {
		const char	*doc;
		const char	*msg;
	} cases[] = {
		{ "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		    "<title>\n  Sign in to your account\n</title></head><body></body></html>",
		    "the URL returned an HTML page (title \"Sign in to your account\"), not SAML "
		    "metadata" },
		{ "\xef\xbb\xbf  <!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
		    "<HTML><TITLE>503 Service Unavailable</TITLE></HTML>",
		    "HTML page (title \"503 Service Unavailable\")" },
		{ "<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
		    "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
		    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>",
		    "the URL returned an HTML page, not SAML metadata" },
		/* Not HTML: a DOCTYPE in what claims to be metadata is still refused as such. */
		{ "<!DOCTYPE md:EntityDescriptor [<!ENTITY x \"y\">]>"
		    "<md:EntityDescriptor xmlns:md=\"" SAML_MD_NS "\"/>", "has a DOCTYPE" },
		{ "<htmlish/>", "root element is not" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *msg = NULL;
		enum reason got = evaluate(cases[i].doc, at(NOW), 14, &msg, NULL);

		if (got != REASON_SAML_INVALID || strstr(msg, cases[i].msg) == NULL ||
		    (i < 3 && strstr(msg, "DOCTYPE") != NULL))
			fail_msg("case %zu: got %s \"%s\"", i, reason_names[got],
			    msg != NULL ? msg : "");
		free(msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metadata_table_gives_each_case_its_reason),
		cmocka_unit_test(sound_metadata_records_cert_days_and_valid_until),
		cmocka_unit_test(expired_cert_beside_a_valid_one_is_tls_expiring),
		cmocka_unit_test(documents_that_are_not_usable_xml_are_saml_invalid),
		cmocka_unit_test(aggregate_with_one_expired_entity_is_saml_invalid),
		cmocka_unit_test(swamid_aggregate_is_ok_on_the_day_it_was_fetched),
		cmocka_unit_test(swamid_aggregate_is_saml_invalid_a_month_after_valid_until),
		cmocka_unit_test(entra_metadata_is_ok_with_both_rollover_certs_valid),
		cmocka_unit_test(entra_metadata_is_tls_expiring_under_tls_min_days_200),
		cmocka_unit_test(html_page_is_reported_as_an_html_page_not_as_a_doctype),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
