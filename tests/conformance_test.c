/*
 * The conformance rule table (core/conformance.c): every row is complete and unique, and
 * each rule's check gives the verdict its reference calls for, at and around its limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/conformance.h"
#include "core/details.h"

#define H	3600000LL
#define D	(24 * H)
#define T0	1796000000000LL	/* 2026-11-29 */

static void
every_rule_has_a_unique_id_a_reference_a_kind_and_a_text(void **state)
{
	(void)state;
	assert_true(conformance_nrules >= 8);
	for (size_t i = 0; i < conformance_nrules; i++) {
		const struct conformance_rule *r = &conformance_rules[i];

		assert_non_null(r->id);
		assert_true(strspn(r->id, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(r->id));
		assert_non_null(r->reference);
		assert_true(r->reference[0] != '\0');
		assert_true(r->kind < KIND__MAX);
		assert_non_null(r->text);
		assert_non_null(r->check);
		assert_ptr_equal(conformance_rule(r->id), r);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(conformance_rules[j].id, r->id);
	}
	assert_null(conformance_rule("no-such-rule"));
}

/* One case: a rule, a reason, details to set, the verdict expected. */
struct rcase {
	const char	*name, *rule;
	enum reason	 reason;
	int64_t		 this_ms, next_ms, signer_ms;	/* 0 = absent */
	const char	*str_field_value;		/* nonce / unissued_status, or NULL */
	enum detail	 str_field;
	int64_t		 int1, int2;			/* accuracy_ms or checked/mismatches; -1 absent */
	enum conformance_verdict want;
};

static const struct rcase cases[] = {
	{ "crl 10 days is allowed", "crl-validity", REASON_OK, T0, T0 + 10 * D, 0, NULL, 0, -1, -1, CONFORMANCE_PASS },
	{ "crl 10 days and a second breaks BR 4.9.7", "crl-validity", REASON_OK, T0, T0 + 10 * D + 1000, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "crl 14 days breaks BR 4.9.7", "crl-validity", REASON_OK, T0, T0 + 14 * D, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "crl without times is not judged", "crl-validity", REASON_TIMEOUT, 0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_NA },
	{ "crl without nextUpdate breaks RFC 5280", "crl-next-update", REASON_MALFORMED, T0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "crl with nextUpdate keeps RFC 5280", "crl-next-update", REASON_OK, T0, T0 + D, 0, NULL, 0, -1, -1, CONFORMANCE_PASS },
	{ "crl nextUpdate after its issuer's notAfter", "crl-issuer-validity", REASON_OK, T0, T0 + 7 * D, T0 + 6 * D, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "crl nextUpdate on its issuer's notAfter", "crl-issuer-validity", REASON_OK, T0, T0 + 7 * D, T0 + 7 * D, NULL, 0, -1, -1, CONFORMANCE_PASS },
	{ "ocsp 8 hours is allowed", "ocsp-validity", REASON_OK, T0, T0 + 8 * H, 0, NULL, 0, -1, -1, CONFORMANCE_PASS },
	{ "ocsp under 8 hours breaks BR 4.9.10", "ocsp-validity", REASON_OK, T0, T0 + 8 * H - 1000, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "ocsp 10 days is allowed", "ocsp-validity", REASON_OK, T0, T0 + 10 * D, 0, NULL, 0, -1, -1, CONFORMANCE_PASS },
	{ "ocsp 14 days breaks BR 4.9.10", "ocsp-validity", REASON_OK, T0, T0 + 14 * D, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "ocsp without nextUpdate is not judged", "ocsp-validity", REASON_OK, T0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_NA },
	{ "ocsp nextUpdate after the responder's notAfter", "ocsp-signer-validity", REASON_OK, T0, T0 + D, T0 + H, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "ocsp nextUpdate before the responder's notAfter", "ocsp-signer-validity", REASON_OK, T0, T0 + D, T0 + 2 * D, NULL, 0, -1, -1, CONFORMANCE_PASS },
	{ "ocsp signed by an unauthorised key", "ocsp-authorised-signer", REASON_UNTRUSTED, T0, T0 + D, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "ocsp with a bad signature", "ocsp-authorised-signer", REASON_SIGNATURE_INVALID, 0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "ocsp signed by an authorised signer", "ocsp-authorised-signer", REASON_OK, T0, T0 + D, 0, "CN=responder", DETAIL_SIGNER, -1, -1, CONFORMANCE_PASS },
	{ "ocsp transport failure is not judged", "ocsp-authorised-signer", REASON_CONNECT, 0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_NA },
	{ "ocsp nonce echoed", "ocsp-nonce", REASON_OK, 0, 0, 0, "echoed", DETAIL_NONCE, -1, -1, CONFORMANCE_PASS },
	{ "ocsp nonce not sent is not judged", "ocsp-nonce", REASON_OK, 0, 0, 0, "not_sent", DETAIL_NONCE, -1, -1, CONFORMANCE_NA },
	{ "ocsp nonce of another request", "ocsp-nonce", REASON_NONCE_MISMATCH, 0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_VIOLATION },
	{ "consistency: all agree", "ocsp-crl-consistency", REASON_OK, 0, 0, 0, NULL, 0, 3, 0, CONFORMANCE_PASS },
	{ "consistency: nothing sampled is not judged", "ocsp-crl-consistency", REASON_OK, 0, 0, 0, NULL, 0, 0, 0, CONFORMANCE_NA },
	{ "consistency: a mismatch", "ocsp-crl-consistency", REASON_INCONSISTENT, 0, 0, 0, NULL, 0, 3, 1, CONFORMANCE_VIOLATION },
	{ "unissued serial unknown", "ocsp-unissued", REASON_OK, 0, 0, 0, "unknown", DETAIL_UNISSUED_STATUS, -1, -1, CONFORMANCE_PASS },
	{ "unissued serial revoked", "ocsp-unissued", REASON_OK, 0, 0, 0, "revoked", DETAIL_UNISSUED_STATUS, -1, -1, CONFORMANCE_PASS },
	{ "unissued serial good", "ocsp-unissued", REASON_UNISSUED_GOOD, 0, 0, 0, "good", DETAIL_UNISSUED_STATUS, -1, -1, CONFORMANCE_VIOLATION },
	{ "tsa accuracy 1 s", "tsa-accuracy", REASON_OK, 0, 0, 0, NULL, 0, 1000, -1, CONFORMANCE_PASS },
	{ "tsa accuracy 1.001 s breaks EN 319 421", "tsa-accuracy", REASON_OK, 0, 0, 0, NULL, 0, 1001, -1, CONFORMANCE_VIOLATION },
	{ "tsa without accuracy is not judged", "tsa-accuracy", REASON_OK, 0, 0, 0, NULL, 0, -1, -1, CONFORMANCE_NA },
};

static void
each_rule_judges_as_its_reference_says(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		const struct conformance_rule *r = conformance_rule(c->rule);
		enum conformance_verdict v[64];
		json_t *d = json_object();

		assert_non_null(r);
		if (c->this_ms)
			detail_set_time(d, DETAIL_THIS_UPDATE, c->this_ms);
		if (c->next_ms)
			detail_set_time(d, DETAIL_NEXT_UPDATE, c->next_ms);
		if (c->signer_ms)
			detail_set_time(d, DETAIL_SIGNER_NOT_AFTER, c->signer_ms);
		if (c->str_field_value)
			detail_set_str(d, c->str_field, c->str_field_value);
		if (r->kind == KIND_TSA && c->int1 >= 0)
			detail_set_int(d, DETAIL_ACCURACY_MS, c->int1);
		if (r->kind == KIND_OCSP && c->int1 >= 0)
			detail_set_int(d, DETAIL_CONSISTENCY_CHECKED, c->int1);
		if (r->kind == KIND_OCSP && c->int2 >= 0)
			detail_set_int(d, DETAIL_CONSISTENCY_MISMATCHES, c->int2);
		assert_true(conformance_nrules <= 64);
		conformance_judge(r->kind, c->reason, d, v);
		if (v[r - conformance_rules] != c->want)
			fail_msg("%s: verdict %d, want %d", c->name, v[r - conformance_rules], c->want);
		/* Rules of other kinds never judge this result. */
		for (size_t k = 0; k < conformance_nrules; k++)
			if (conformance_rules[k].kind != r->kind)
				assert_int_equal(v[k], CONFORMANCE_NA);
		json_decref(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_rule_has_a_unique_id_a_reference_a_kind_and_a_text),
		cmocka_unit_test(each_rule_judges_as_its_reference_says),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
