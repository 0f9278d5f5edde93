/*
 * Kind tl on real trusted lists (tests/fixtures/tl/README.md) at a fixed clock of
 * 2026-08-05: the LOTL 390, LU 64/65/66 and EE 73 verify, HR 52 is untrusted and expired,
 * the DSS wrapping attack is refused, any changed byte fails, LU 64 → 65 yields the two
 * BE INVEST withdrawals, a lower sequence regresses, and the config keys are the kind's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/pem.h>

#include "core/config.h"
#include "core/kind.h"
#include "core/qualified.h"
#include "core/util.h"
#include "probe/probe.h"
#include "probe/tl.h"

#define TL		"tests/fixtures/tl/"
#define AT		1785888000000LL		/* 2026-08-05T00:00:00Z */
#define LATER		1796342400000LL		/* 2026-12-04T00:00:00Z: past LU 66's NextUpdate */

static char *lotl_memory;			/* the LOTL 390's memory: its pointers */

static unsigned char *
slurp(const char *name, size_t *len)
{
	char *path = xasprintf("%s%s", TL, name);
	unsigned char *data = NULL;

	assert_int_equal(file_read(path, 4u << 20, &data, len), 0);
	free(path);
	return data;
}

static STACK_OF(X509) *
certs(const char *name)
{
	size_t len;
	unsigned char *pem = slurp(name, &len);
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;

	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	BIO_free(b);
	free(pem);
	return sk;
}

/* Evaluates file at now with the LOTL's pointer for its territory (or signers when given). */
static void
eval(const char *file, STACK_OF(X509) *signers, const char *memory, int64_t now, bool lotl,
    struct result *r)
{
	struct tl_conf tc = { .signers = signers, .lotl = lotl, .min_remaining_ms = 7 * 86400000LL };
	size_t len;
	unsigned char *body = slurp(file, &len);

	if (signers == NULL)
		tc.signers_from = "eu/lotl";
	result_init(r, NULL, now);
	tl_evaluate(body, len, &tc, memory, lotl_memory, now, r);
	free(body);
}

static int64_t
dint(const struct result *r, const char *key)
{
	json_t *v = json_object_get(r->details, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const char *
dstr(const struct result *r, const char *key)
{
	return json_string_value(json_object_get(r->details, key));
}

static int
setup(void **state)
{
	STACK_OF(X509) *eu = certs("lotl390-eu-pointer-certs.pem");
	struct result r;

	(void)state;
	eval("eu-lotl-seq390-2026-08-03.xml", eu, NULL, AT, true, &r);
	sk_X509_pop_free(eu, X509_free);
	if (r.reason != REASON_OK || r.memory == NULL) {
		fprintf(stderr, "LOTL 390: %s %s\n", reason_names[r.reason], r.message);
		result_clear(&r);
		return -1;
	}
	lotl_memory = xstrdup(r.memory);
	result_clear(&r);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(lotl_memory);
	return 0;
}

static void
lotl_390_verifies_and_remembers_its_xml_pointers(void **state)
{
	STACK_OF(X509) *eu = certs("lotl390-eu-pointer-certs.pem");
	struct result r;

	(void)state;
	eval("eu-lotl-seq390-2026-08-03.xml", eu, NULL, AT, true, &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_int_equal(dint(&r, "sequence"), 390);
	assert_string_equal(dstr(&r, "territory"), "EU");
	assert_int_equal(dint(&r, "pointers"), 32);
	assert_string_equal(dstr(&r, "next_update"), "2027-01-27T13:16:38Z");
	assert_non_null(strstr(r.memory, "https://trusted-list.lu/tsl.xml"));
	result_clear(&r);
	sk_X509_pop_free(eu, X509_free);
}

static void
national_lists_verify_with_the_lotl_pointer(void **state)
{
	static const struct { const char *file; int64_t seq; const char *territory; } t[] = {
		{ "lu-tl-seq64-2026-03-11.xml", 64, "LU" },
		{ "lu-tl-seq65-2026-04-28.xml", 65, "LU" },
		{ "lu-tl-seq66-2026-05-20.xml", 66, "LU" },
		{ "ee-tl-seq73-2026-05-20.xml", 73, "EE" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct result r;

		eval(t[i].file, NULL, NULL, AT, false, &r);
		if (r.reason != REASON_OK)
			fail_msg("%s: %s: %s", t[i].file, reason_names[r.reason], r.message);
		assert_int_equal(dint(&r, "sequence"), t[i].seq);
		assert_string_equal(dstr(&r, "territory"), t[i].territory);
		assert_non_null(r.memory);
		result_clear(&r);
	}
}

static void
lu_66_has_five_providers_and_34_services(void **state)
{
	struct result r;

	(void)state;
	eval("lu-tl-seq66-2026-05-20.xml", NULL, NULL, AT, false, &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_int_equal(dint(&r, "tsps"), 5);
	assert_int_equal(dint(&r, "services"), 34);
	result_clear(&r);
}

static void
hr_52_is_untrusted_and_expired(void **state)
{
	struct result r;
	json_t *f;

	(void)state;
	eval("hr-tl-seq52-2024-06-17-stale.xml", NULL, NULL, AT, false, &r);
	assert_int_equal(r.reason, REASON_UNTRUSTED);
	f = json_object_get(r.details, "findings");
	assert_int_equal(json_array_size(f), 2);
	assert_string_equal(json_string_value(json_array_get(f, 0)), "untrusted");
	assert_string_equal(json_string_value(json_array_get(f, 1)), "expired");
	assert_null(r.memory);
	result_clear(&r);
}

static void
dss_signature_wrapping_attack_is_signature_invalid(void **state)
{
	STACK_OF(X509) *eu = certs("lotl390-eu-pointer-certs.pem");
	struct result r;

	(void)state;
	/* Whatever the signers: the structure alone refuses it. */
	eval("dss-xsw-sk-tl-signed-content-misplaced.xml", eu, NULL, AT, false, &r);
	assert_int_equal(r.reason, REASON_SIGNATURE_INVALID);
	assert_non_null(strstr(r.message, "whole list"));
	result_clear(&r);
	sk_X509_pop_free(eu, X509_free);
}

static void
a_byte_changed_anywhere_in_lu_66_fails(void **state)
{
	size_t len;
	unsigned char *orig = slurp("lu-tl-seq66-2026-05-20.xml", &len);
	/* Inside a provider's name, inside a status URI, inside the signature value. */
	const char *marks[] = { "LuxTrust S.A.", "Svcstatus/granted", "<ds:SignatureValue" };
	struct tl_conf tc = { .signers_from = "eu/lotl", .min_remaining_ms = 7 * 86400000LL };

	(void)state;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		unsigned char *b = xmalloc(len);
		unsigned char *p;
		struct result r;

		memcpy(b, orig, len);
		p = memmem(b, len, marks[i], strlen(marks[i]));
		assert_non_null(p);
		p += strlen(marks[i]) - 1;
		if (i == 2)		/* into the base64 value, past the element's attributes */
			p = (unsigned char *)memchr(p, '>', len - (size_t)(p - b)) + 10;
		*p = *p == 'A' ? 'B' : 'A';
		result_init(&r, NULL, AT);
		tl_evaluate(b, len, &tc, NULL, lotl_memory, AT, &r);
		assert_true(r.status == STATUS_DOWN);
		assert_true(r.reason == REASON_SIGNATURE_INVALID || r.reason == REASON_MALFORMED);
		result_clear(&r);
		free(b);
	}
	free(orig);
}

/*
 * Qualified according to the list, by certificate (core/qualified.c): the key identifiers
 * remembered for LU 64/65/66 are the services' certificates' (the SKIs below are what
 * `openssl x509 -ext subjectKeyIdentifier` prints for the X509Certificate in the list).
 */
static void
qualified_by_certificate_on_the_real_lu_lists(void **state)
{
	struct result r64, r65;
	json_t *m64, *m65, *tsa, *ocsp, *other, *none;
	const json_t *svc;

	(void)state;
	eval("lu-tl-seq64-2026-03-11.xml", NULL, NULL, AT, false, &r64);
	eval("lu-tl-seq65-2026-04-28.xml", NULL, r64.memory, AT, false, &r65);
	assert_non_null(m64 = json_loads(r64.memory, 0, NULL));
	assert_non_null(m65 = json_loads(r65.memory, 0, NULL));
	/* A TSA token signed by BE INVEST TIMESTAMP UNIT Q 1: granted in 64, withdrawn in 65. */
	tsa = json_pack("{s:s, s:s}", "signer_key_id", "4b9fe4d3dc1d747d", "issuer_key_id", "00");
	assert_int_equal(qualified_match(m64, tsa, NULL, &svc), QUAL_GRANTED);
	assert_string_equal(json_string_value(json_object_get(svc, "name")),
	    "BE INVEST TIMESTAMP UNIT Q 1");
	assert_int_equal(qualified_match(m65, tsa, NULL, &svc), QUAL_NOT_GRANTED);
	assert_string_equal(json_string_value(json_object_get(svc, "status")), "withdrawn");
	/* An OCSP response (or a CRL) issued under LuxTrust Global Qualified CA 3: granted. */
	ocsp = json_pack("{s:s, s:s}", "signer_key_id", "aa",
	    "issuer_key_id", "638FC28B03B1AB8ED85347961D99A87DF6ACA875");
	assert_int_equal(qualified_match(m65, ocsp, "LuxTrust S.A.", &svc), QUAL_GRANTED);
	assert_string_equal(json_string_value(json_object_get(svc, "type")), "CA/QC");
	assert_string_equal(json_string_value(json_object_get(svc, "name")),
	    "LuxTrust Global Qualified Certification Authority 3");
	json_decref(ocsp);
	/* ... under the first LuxTrust Qualified CA, withdrawn in the list: not qualified. */
	ocsp = json_pack("{s:s}", "issuer_key_id", "8d90a307dd1a1377994c92ab4d43de3fcd296405");
	assert_int_equal(qualified_match(m65, ocsp, "LuxTrust S.A.", &svc), QUAL_NOT_GRANTED);
	assert_string_equal(json_string_value(json_object_get(svc, "status")), "withdrawn");
	other = json_pack("{s:s}", "issuer_key_id", "0123456789abcdef");
	assert_int_equal(qualified_match(m65, other, NULL, &svc), QUAL_NOT_LISTED);
	assert_null(svc);
	none = json_object();
	assert_int_equal(qualified_match(m65, none, NULL, NULL), QUAL_UNKNOWN);
	assert_true(qualified_status("granted") && !qualified_status("withdrawn"));
	json_decref(tsa);
	json_decref(ocsp);
	json_decref(other);
	json_decref(none);
	json_decref(m64);
	json_decref(m65);
	result_clear(&r64);
	result_clear(&r65);
}

static void
lu_64_to_65_yields_exactly_the_two_be_invest_withdrawals(void **state)
{
	struct result r64, r65;
	json_t *ev, *e;
	size_t i;

	(void)state;
	eval("lu-tl-seq64-2026-03-11.xml", NULL, NULL, AT, false, &r64);
	assert_int_equal(r64.reason, REASON_OK);
	assert_null(json_object_get(r64.details, "events"));	/* nothing to compare with */
	eval("lu-tl-seq65-2026-04-28.xml", NULL, r64.memory, AT, false, &r65);
	assert_int_equal(r65.reason, REASON_OK);
	ev = json_object_get(r65.details, "events");
	assert_int_equal(json_array_size(ev), 2);
	assert_true(r65.keep_details);		/* an up result with events stays in the history */
	assert_false(r64.keep_details);
	json_array_foreach(ev, i, e) {
		assert_string_equal(json_string_value(json_object_get(e, "event")), "status_changed");
		assert_string_equal(json_string_value(json_object_get(e, "type")), "TSA/QTST");
		assert_string_equal(json_string_value(json_object_get(e, "from")), "granted");
		assert_string_equal(json_string_value(json_object_get(e, "to")), "withdrawn");
		assert_non_null(strstr(json_string_value(json_object_get(e, "service")),
		    "BE INVEST TIMESTAMP UNIT Q"));
	}
	result_clear(&r64);
	result_clear(&r65);
}

static void
a_lower_sequence_number_is_regressed(void **state)
{
	struct result r66, r65;

	(void)state;
	eval("lu-tl-seq66-2026-05-20.xml", NULL, NULL, AT, false, &r66);
	eval("lu-tl-seq65-2026-04-28.xml", NULL, r66.memory, AT, false, &r65);
	assert_int_equal(r65.reason, REASON_REGRESSED);
	assert_null(r65.memory);		/* the stored sequence stays */
	result_clear(&r66);
	result_clear(&r65);
}

static void
lu_66_at_todays_clock_is_expired(void **state)
{
	struct result r;

	(void)state;
	eval("lu-tl-seq66-2026-05-20.xml", NULL, NULL, LATER, false, &r);
	assert_int_equal(r.reason, REASON_EXPIRED);
	result_clear(&r);
}

static void
lu_66_close_to_next_update_is_stale(void **state)
{
	struct result r;

	(void)state;
	/* 2026-11-15: five days before NextUpdate 2026-11-20, under the 7 d default. */
	eval("lu-tl-seq66-2026-05-20.xml", NULL, NULL, 1794700800000LL, false, &r);
	assert_int_equal(r.reason, REASON_STALE);
	result_clear(&r);
}

static void
a_list_issued_in_the_future_is_clock_skew(void **state)
{
	struct result r;

	(void)state;
	/* 2026-05-19: a day before LU 66's ListIssueDateTime. */
	eval("lu-tl-seq66-2026-05-20.xml", NULL, NULL, 1779148800000LL, false, &r);
	assert_int_equal(r.reason, REASON_CLOCK_SKEW);
	result_clear(&r);
}

static void
a_list_without_the_lotl_pointer_is_untrusted(void **state)
{
	struct tl_conf tc = { .signers_from = "eu/lotl", .min_remaining_ms = 7 * 86400000LL };
	size_t len;
	unsigned char *body = slurp("lu-tl-seq66-2026-05-20.xml", &len);
	struct result r;

	(void)state;
	result_init(&r, NULL, AT);
	tl_evaluate(body, len, &tc, NULL, NULL, AT, &r);
	assert_int_equal(r.reason, REASON_UNTRUSTED);
	result_clear(&r);
	free(body);
}

static void
a_doctype_is_refused(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e \"boom\">]>\n"
	    "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\">&e;</TrustServiceStatusList>";
	struct tl_conf tc = { .min_remaining_ms = 1 };
	struct result r;

	(void)state;
	result_init(&r, NULL, AT);
	tl_evaluate((const unsigned char *)doc, sizeof(doc) - 1, &tc, NULL, NULL, AT, &r);
	assert_int_equal(r.reason, REASON_MALFORMED);
	result_clear(&r);
}

static void
the_kind_declares_its_keys_and_reasons(void **state)
{
	const struct kind_info *ki = kind_info((enum probe_kind)kind_from_name("tl"));

	(void)state;
	assert_true(kind_from_name("tl") >= 0);
	assert_int_equal(ki->n_keys, 4);
	assert_true(ki->reasons & REASON_BIT(REASON_REGRESSED));
	assert_false(ki->reasons & REASON_BIT(REASON_NONCE_MISMATCH));
	assert_true(probe_ops_for((enum probe_kind)kind_from_name("tl"))->memory);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lotl_390_verifies_and_remembers_its_xml_pointers),
		cmocka_unit_test(national_lists_verify_with_the_lotl_pointer),
		cmocka_unit_test(lu_66_has_five_providers_and_34_services),
		cmocka_unit_test(hr_52_is_untrusted_and_expired),
		cmocka_unit_test(dss_signature_wrapping_attack_is_signature_invalid),
		cmocka_unit_test(a_byte_changed_anywhere_in_lu_66_fails),
		cmocka_unit_test(lu_64_to_65_yields_exactly_the_two_be_invest_withdrawals),
		cmocka_unit_test(qualified_by_certificate_on_the_real_lu_lists),
		cmocka_unit_test(a_lower_sequence_number_is_regressed),
		cmocka_unit_test(lu_66_at_todays_clock_is_expired),
		cmocka_unit_test(lu_66_close_to_next_update_is_stale),
		cmocka_unit_test(a_list_issued_in_the_future_is_clock_skew),
		cmocka_unit_test(a_list_without_the_lotl_pointer_is_untrusted),
		cmocka_unit_test(a_doctype_is_refused),
		cmocka_unit_test(the_kind_declares_its_keys_and_reasons),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
