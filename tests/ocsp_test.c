/*
 * ocsp: the pure evaluator on responses signed at test time by a generated PKI
 * (tests/support/pki_gen.c), on the real-world vectors at their "now" and a year later,
 * and the probe_ops request/finish path. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "core/result.h"
#include "core/util.h"
#include "probe/certcache.h"
#include "probe/keyid.h"
#include "probe/ocsp.h"
#include "tests/support/pki_gen.h"

#define NOW		1797494400000LL		/* 2026-12-17T08:00:00Z */
#define HOUR_MS		(3600LL * 1000)
#define MIN_MS		(60LL * 1000)
#define RW		"tests/fixtures/realworld/"

static struct pkigen *pki;

/* One generated-PKI case: the defaults (fix_init) changed by tweak, then evaluated. */
struct ocsp_fix {
	struct pkigen_ocsp o;
	struct conf_endpoint ep;
	struct ocsp_sent sent;
	unsigned char	 nonce[OCSP_NONCE_LEN];
	OCSP_CERTID	*certid;		/* owned, for sent.certid */
	const unsigned char *raw;		/* evaluated instead of o when set */
	size_t		 raw_len;
	int		 truncate;		/* evaluate only half of the response */
};

struct ocsp_case {
	const char	*name;
	void		(*tweak)(struct ocsp_fix *);
	enum reason	 want;
	const char	*nonce;			/* expected details.nonce, NULL = unchecked */
	const char	*message;		/* substring of the message, NULL = unchecked */
};

static void
fix_init(struct ocsp_fix *f)
{
	memset(f, 0, sizeof(*f));
	f->o.response_status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
	f->o.subject = pki->leaf;
	f->o.subject_issuer = pki->ca;
	f->o.cert_status = V_OCSP_CERTSTATUS_GOOD;
	f->o.this_update = NOW - HOUR_MS;
	f->o.next_update = NOW + 24 * HOUR_MS;
	f->o.signer = pki->responder;
	f->o.signer_key = pki->responder_key;
	f->ep.id = "ocsp";
	f->ep.kind = KIND_OCSP;
	f->ep.url = "http://ocsp.test/";
	f->ep.issuer = pki->ca;
	f->ep.certificate = pki->leaf;
	f->ep.expect.cert_status = CERT_GOOD;
	f->ep.expect.max_age_ms = 4 * PKIGEN_DAY_MS;
	f->sent.method = OCSP_METHOD_POST;
	for (size_t i = 0; i < sizeof(f->nonce); i++)
		f->nonce[i] = (unsigned char)(0xa0 + i);
}

static void t_none(struct ocsp_fix *f) { (void)f; }
static void t_by_key(struct ocsp_fix *f) { f->o.by_key = 1; }
static void
t_ca_signed(struct ocsp_fix *f)
{
	f->o.signer = pki->ca;
	f->o.signer_key = pki->ca_key;
	f->o.omit_certs = 1;
}
static void t_ca_signed_by_key(struct ocsp_fix *f) { t_ca_signed(f); f->o.by_key = 1; }
static void t_sha256_certid(struct ocsp_fix *f) { f->o.certid_md = EVP_sha256(); }
static void
t_sent_certid(struct ocsp_fix *f)
{
	f->certid = OCSP_cert_to_id(EVP_sha1(), pki->leaf, pki->ca);
	f->sent.certid = f->certid;
}
static void t_garbage(struct ocsp_fix *f) { f->raw = (const unsigned char *)"<html>oops"; f->raw_len = 10; }
static void t_empty(struct ocsp_fix *f) { f->raw = (const unsigned char *)""; f->raw_len = 0; }
static void t_truncated(struct ocsp_fix *f) { f->truncate = 1; }
static void t_other_cert(struct ocsp_fix *f) { f->o.subject = pki->other_leaf; }
static void t_trylater(struct ocsp_fix *f) { f->o.response_status = OCSP_RESPONSE_STATUS_TRYLATER; }
static void t_unauthorized(struct ocsp_fix *f) { f->o.response_status = OCSP_RESPONSE_STATUS_UNAUTHORIZED; }
static void t_malformedreq(struct ocsp_fix *f) { f->o.response_status = OCSP_RESPONSE_STATUS_MALFORMEDREQUEST; }
static void t_internalerr(struct ocsp_fix *f) { f->o.response_status = OCSP_RESPONSE_STATUS_INTERNALERROR; }
static void t_sigrequired(struct ocsp_fix *f) { f->o.response_status = OCSP_RESPONSE_STATUS_SIGREQUIRED; }
static void t_flip(struct ocsp_fix *f) { f->o.flip_signature = 1; }
static void t_ca_flip(struct ocsp_fix *f) { t_ca_signed(f); f->o.flip_signature = 1; }
static void
t_rogue_responder(struct ocsp_fix *f)
{
	f->o.signer = pki->rogue_responder;
	f->o.signer_key = pki->rogue_responder_key;
}
static void t_rogue_responder_by_key(struct ocsp_fix *f) { t_rogue_responder(f); f->o.by_key = 1; }
static void
t_namesake_responder(struct ocsp_fix *f)
{
	f->o.signer = pki->namesake_responder;
	f->o.signer_key = pki->rogue_responder_key;
}
static void
t_rogue_ca(struct ocsp_fix *f)
{
	f->o.signer = pki->rogue_ca;
	f->o.signer_key = pki->rogue_key;
}
static void
t_namesake_ca_no_certs(struct ocsp_fix *f)
{
	f->o.signer = pki->namesake_ca;
	f->o.signer_key = pki->rogue_key;
	f->o.omit_certs = 1;
}
static void
t_plain_signer(struct ocsp_fix *f)
{
	f->o.signer = pki->plain_signer;
	f->o.signer_key = pki->leaf_key;
}
static void t_expired_responder(struct ocsp_fix *f) { f->o.signer = pki->expired_responder; }
static void t_responder_not_included(struct ocsp_fix *f) { f->o.omit_certs = 1; }
static void
t_revoked(struct ocsp_fix *f)
{
	f->o.cert_status = V_OCSP_CERTSTATUS_REVOKED;
	f->o.revoked_at = NOW - 10 * PKIGEN_DAY_MS;
}
static void t_revoked_expected(struct ocsp_fix *f) { t_revoked(f); f->ep.expect.cert_status = CERT_REVOKED; }
static void t_unknown(struct ocsp_fix *f) { f->o.cert_status = V_OCSP_CERTSTATUS_UNKNOWN; }
static void t_good_expect_revoked(struct ocsp_fix *f) { f->ep.expect.cert_status = CERT_REVOKED; }
static void t_skew_10m(struct ocsp_fix *f) { f->o.this_update = NOW + 10 * MIN_MS; }
static void t_skew_4m(struct ocsp_fix *f) { f->o.this_update = NOW + 4 * MIN_MS; }
static void t_stale(struct ocsp_fix *f) { f->o.this_update = NOW - 5 * PKIGEN_DAY_MS; }
static void
t_expired(struct ocsp_fix *f)
{
	f->o.this_update = NOW - 2 * HOUR_MS;
	f->o.next_update = NOW - 1 * MIN_MS;
}
static void t_no_next(struct ocsp_fix *f) { f->o.next_update = 0; }
static void t_no_next_stale(struct ocsp_fix *f) { t_no_next(f); t_stale(f); }
static void
t_nonce_echoed(struct ocsp_fix *f)
{
	f->sent.nonce = f->nonce;
	f->sent.nonce_len = sizeof(f->nonce);
	f->o.nonce = f->nonce;
	f->o.nonce_len = sizeof(f->nonce);
}
static void
t_nonce_absent(struct ocsp_fix *f)
{
	f->sent.nonce = f->nonce;
	f->sent.nonce_len = sizeof(f->nonce);
}
static void
t_nonce_different(struct ocsp_fix *f)
{
	static const unsigned char other[OCSP_NONCE_LEN] = { 1, 2, 3 };

	t_nonce_absent(f);
	f->o.nonce = other;
	f->o.nonce_len = sizeof(other);
}
static void
t_nonce_unasked(struct ocsp_fix *f)
{
	f->o.nonce = f->nonce;
	f->o.nonce_len = sizeof(f->nonce);
}
static void t_nonce_different_and_revoked(struct ocsp_fix *f) { t_nonce_different(f); t_revoked(f); }

static const struct ocsp_case cases[] = {
	{ "ocsp_signed_by_delegated_responder_is_ok", t_none, REASON_OK, "not_sent", NULL },
	{ "ocsp_signed_by_delegated_responder_named_by_key_is_ok", t_by_key, REASON_OK, NULL, NULL },
	{ "ocsp_signed_by_the_issuer_is_ok", t_ca_signed, REASON_OK, NULL, NULL },
	{ "ocsp_signed_by_the_issuer_named_by_key_is_ok", t_ca_signed_by_key, REASON_OK, NULL, NULL },
	{ "ocsp_with_sha256_certid_is_ok", t_sha256_certid, REASON_OK, NULL, NULL },
	{ "ocsp_answering_the_sent_certid_is_ok", t_sent_certid, REASON_OK, NULL, NULL },
	{ "ocsp_garbage_is_malformed", t_garbage, REASON_MALFORMED, NULL, NULL },
	{ "ocsp_empty_body_is_malformed", t_empty, REASON_MALFORMED, NULL, NULL },
	{ "ocsp_truncated_response_is_malformed", t_truncated, REASON_MALFORMED, NULL, NULL },
	{ "ocsp_about_another_certificate_is_malformed", t_other_cert, REASON_MALFORMED, NULL, "CertID" },
	{ "ocsp_trylater_is_rejected", t_trylater, REASON_REJECTED, NULL, "tryLater" },
	{ "ocsp_unauthorized_is_rejected", t_unauthorized, REASON_REJECTED, NULL, "unauthorized" },
	{ "ocsp_malformedrequest_is_rejected", t_malformedreq, REASON_REJECTED, NULL, "malformedRequest" },
	{ "ocsp_internalerror_is_rejected", t_internalerr, REASON_REJECTED, NULL, "internalError" },
	{ "ocsp_sigrequired_is_rejected", t_sigrequired, REASON_REJECTED, NULL, "sigRequired" },
	{ "ocsp_with_altered_signature_is_signature_invalid", t_flip, REASON_SIGNATURE_INVALID, NULL, NULL },
	{ "ocsp_from_issuer_with_altered_signature_is_signature_invalid", t_ca_flip, REASON_SIGNATURE_INVALID, NULL, NULL },
	{ "ocsp_claiming_the_issuer_but_signed_by_another_key_is_signature_invalid", t_namesake_ca_no_certs, REASON_SIGNATURE_INVALID, NULL, NULL },
	{ "ocsp_signed_by_rogue_responder_is_untrusted", t_rogue_responder, REASON_UNTRUSTED, NULL, NULL },
	{ "ocsp_signed_by_rogue_responder_named_by_key_is_untrusted", t_rogue_responder_by_key, REASON_UNTRUSTED, NULL, NULL },
	{ "ocsp_signed_by_responder_of_a_namesake_ca_is_untrusted", t_namesake_responder, REASON_UNTRUSTED, NULL, "not signed by the issuer" },
	{ "ocsp_signed_by_another_ca_is_untrusted", t_rogue_ca, REASON_UNTRUSTED, NULL, NULL },
	{ "ocsp_signed_by_issued_cert_without_ocsp_signing_is_untrusted", t_plain_signer, REASON_UNTRUSTED, NULL, "OCSPSigning" },
	{ "ocsp_naming_a_responder_it_does_not_include_is_untrusted", t_responder_not_included, REASON_UNTRUSTED, NULL, NULL },
	{ "ocsp_signed_by_expired_responder_is_expired", t_expired_responder, REASON_EXPIRED, NULL, "responder" },
	{ "ocsp_revoked_when_good_expected_is_status_mismatch", t_revoked, REASON_STATUS_MISMATCH, NULL, "revoked" },
	{ "ocsp_unknown_when_good_expected_is_status_mismatch", t_unknown, REASON_STATUS_MISMATCH, NULL, "unknown" },
	{ "ocsp_good_when_revoked_expected_is_status_mismatch", t_good_expect_revoked, REASON_STATUS_MISMATCH, NULL, NULL },
	{ "ocsp_revoked_when_revoked_expected_is_ok", t_revoked_expected, REASON_OK, NULL, NULL },
	{ "ocsp_this_update_ten_minutes_ahead_is_clock_skew", t_skew_10m, REASON_CLOCK_SKEW, NULL, NULL },
	{ "ocsp_this_update_four_minutes_ahead_is_ok", t_skew_4m, REASON_OK, NULL, NULL },
	{ "ocsp_older_than_max_age_is_stale", t_stale, REASON_STALE, NULL, "max_age" },
	{ "ocsp_with_past_next_update_is_expired", t_expired, REASON_EXPIRED, NULL, "nextUpdate" },
	{ "ocsp_without_next_update_within_max_age_is_ok", t_no_next, REASON_OK, NULL, NULL },
	{ "ocsp_without_next_update_older_than_max_age_is_stale", t_no_next_stale, REASON_STALE, NULL, NULL },
	{ "ocsp_echoing_the_sent_nonce_is_ok_and_says_echoed", t_nonce_echoed, REASON_OK, "echoed", NULL },
	{ "ocsp_omitting_the_sent_nonce_is_ok_and_says_absent", t_nonce_absent, REASON_OK, "absent", NULL },
	{ "ocsp_with_a_different_nonce_is_nonce_mismatch", t_nonce_different, REASON_NONCE_MISMATCH, NULL, NULL },
	{ "ocsp_with_a_different_nonce_is_nonce_mismatch_before_its_status", t_nonce_different_and_revoked, REASON_NONCE_MISMATCH, NULL, NULL },
	{ "ocsp_with_a_nonce_we_did_not_send_says_not_sent", t_nonce_unasked, REASON_OK, "not_sent", NULL },
};

static const char *
detail_str(const struct result *r, const char *key)
{
	return json_string_value(json_object_get(r->details, key));
}

static void
run_case(void **state)
{
	const struct ocsp_case *c = *state;
	struct ocsp_fix f;
	struct result r;
	unsigned char *der = NULL;
	size_t len;

	fix_init(&f);
	c->tweak(&f);
	if (f.raw != NULL) {
		der = malloc(f.raw_len + 1);
		memcpy(der, f.raw, f.raw_len);
		len = f.raw_len;
	} else
		der = pkigen_ocsp_response(&f.o, &len);
	if (f.truncate)
		len /= 2;
	result_init(&r, &f.ep, NOW);
	ocsp_evaluate(der, len, &f.ep, &f.sent, NOW, &r);
	if (r.reason != c->want)
		print_error("%s: got %s (%s)\n", c->name, reason_names[r.reason],
		    r.message ? r.message : "");
	assert_int_equal(r.reason, c->want);
	assert_int_equal(r.status, reason_status(c->want));
	if (c->want != REASON_OK)
		assert_non_null(r.message);
	if (c->nonce != NULL)
		assert_string_equal(detail_str(&r, "nonce"), c->nonce);
	if (c->message != NULL)
		assert_non_null(strstr(r.message, c->message));
	result_clear(&r);
	OCSP_CERTID_free(f.certid);
	free(der);
}

/* ---- critical extensions (RFC 6960 §4.4, RFC 5280 §4.2): their own table and group ---- */

#define NONCE_OID	"1.3.6.1.5.5.7.48.1.2"
static void t_resp_crit(struct ocsp_fix *f) { f->o.resp_ext_oid = PKIGEN_UNKNOWN_OID; f->o.resp_ext_critical = 1; }
static void t_resp_plain(struct ocsp_fix *f) { f->o.resp_ext_oid = PKIGEN_UNKNOWN_OID; }
static void t_resp_crit_nonce(struct ocsp_fix *f) { f->o.resp_ext_oid = NONCE_OID; f->o.resp_ext_critical = 1; }
static void t_single_crit(struct ocsp_fix *f) { f->o.single_ext_oid = PKIGEN_UNKNOWN_OID; f->o.single_ext_critical = 1; }
static void t_single_plain(struct ocsp_fix *f) { f->o.single_ext_oid = PKIGEN_UNKNOWN_OID; }
/* archiveCutoff (RFC 6960 §4.4.4) has a name in OpenSSL but is not processed here. */
static void t_single_crit_archive(struct ocsp_fix *f) { f->o.single_ext_oid = "1.3.6.1.5.5.7.48.1.6"; f->o.single_ext_critical = 1; }
static void t_ca_signed_resp_crit(struct ocsp_fix *f) { t_ca_signed(f); t_resp_crit(f); }
static void t_crit_responder(struct ocsp_fix *f) { f->o.signer = pki->crit_responder; }
static void t_noncrit_responder(struct ocsp_fix *f) { f->o.signer = pki->noncrit_responder; }

static const struct ocsp_case crit_cases[] = {
	{ "ocsp_with_unknown_critical_response_extension_is_malformed_naming_it", t_resp_crit, REASON_MALFORMED, NULL, "OCSP response carries critical extension " PKIGEN_UNKNOWN_OID },
	{ "ocsp_from_issuer_with_unknown_critical_response_extension_is_malformed", t_ca_signed_resp_crit, REASON_MALFORMED, NULL, PKIGEN_UNKNOWN_OID },
	{ "ocsp_with_unknown_non_critical_response_extension_is_ok", t_resp_plain, REASON_OK, NULL, NULL },
	{ "ocsp_with_critical_nonce_extension_is_ok", t_resp_crit_nonce, REASON_OK, NULL, NULL },
	{ "ocsp_with_unknown_critical_single_extension_is_malformed_naming_serial", t_single_crit, REASON_MALFORMED, NULL, "single response for serial 1001 carries critical extension " PKIGEN_UNKNOWN_OID },
	{ "ocsp_with_critical_archive_cutoff_is_malformed_naming_it", t_single_crit_archive, REASON_MALFORMED, NULL, "1.3.6.1.5.5.7.48.1.6 (archiveCutoff)" },
	{ "ocsp_with_unknown_non_critical_single_extension_is_ok", t_single_plain, REASON_OK, NULL, NULL },
	/* The delegated path checks no chain with X509_verify_cert: the rule is ours. */
	{ "ocsp_responder_cert_with_unknown_critical_extension_is_untrusted", t_crit_responder, REASON_UNTRUSTED, NULL, "responder certificate carries critical extension " PKIGEN_UNKNOWN_OID },
	{ "ocsp_responder_cert_with_unknown_non_critical_extension_is_ok", t_noncrit_responder, REASON_OK, NULL, NULL },
};

static int group_setup(void **);
static int group_teardown(void **);

/* Runs crit_cases as their own group (0 when all pass). */
static int
run_crit_group(void)
{
	static struct CMUnitTest tests[NELEM(crit_cases)];

	for (size_t i = 0; i < NELEM(crit_cases); i++)
		tests[i] = (struct CMUnitTest){ .name = crit_cases[i].name,
		    .test_func = run_case, .initial_state = (void *)&crit_cases[i] };
	return _cmocka_run_group_tests("ocsp_critical_extensions", tests, NELEM(tests),
	    group_setup, group_teardown);
}

static void
ocsp_details_name_times_status_signer_responder_and_method(void **state)
{
	struct ocsp_fix f;
	struct result r;
	unsigned char *der;
	size_t len;

	(void)state;
	fix_init(&f);
	t_revoked_expected(&f);
	der = pkigen_ocsp_response(&f.o, &len);
	result_init(&r, &f.ep, NOW);
	ocsp_evaluate(der, len, &f.ep, &f.sent, NOW, &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_non_null(detail_str(&r, "produced_at"));
	assert_string_equal(detail_str(&r, "this_update"), "2026-12-17T07:00:00Z");
	assert_string_equal(detail_str(&r, "next_update"), "2026-12-18T08:00:00Z");
	assert_string_equal(detail_str(&r, "revocation_time"), "2026-12-07T08:00:00Z");
	assert_string_equal(detail_str(&r, "cert_status"), "revoked");
	assert_string_equal(detail_str(&r, "signer"),
	    "O = trustwatch test, CN = Test OCSP Responder");
	assert_string_equal(detail_str(&r, "responder_id"),
	    "byName: O = trustwatch test, CN = Test OCSP Responder");
	assert_non_null(detail_str(&r, "signer_not_after"));
	assert_string_equal(detail_str(&r, "method"), "post");
	assert_string_equal(detail_str(&r, "nonce"), "not_sent");
	result_clear(&r);
	free(der);
}

/* A real-world vector: file, its issuer and subject, the "now" it is valid at. */
struct rw_case {
	const char	*name;
	const char	*file, *issuer, *cert;
	const char	*now;
	enum cert_status expect;
	enum reason	 want;
	const char	*signer;	/* substring of details.signer, NULL = unchecked */
};

static const struct rw_case rw_cases[] = {
	{ "ocsp_luxtrust_qca3_with_128_byte_nonce_is_ok_at_its_now",
	  "ocsp-luxtrust-qca3-good-nonce.der", "luxtrust-global-qualified-ca-3.pem",
	  "ocsp-luxtrust-qca3-cert.pem", "2017-06-01T06:00:00Z", CERT_GOOD, REASON_OK,
	  "LuxTrust S.A. OCSP Server" },
	{ "ocsp_luxtrust_qca2_without_next_update_is_ok_at_its_now",
	  "ocsp-luxtrust-qca2-good-no-nextupdate.der", "luxtrust-global-qualified-ca-2.pem",
	  "ocsp-luxtrust-qca2-cert.pem", "2018-01-15T08:00:00Z", CERT_GOOD, REASON_OK,
	  "LuxTrust S.A. OCSP Server" },
	{ "ocsp_disig_revoked_expecting_revoked_is_ok_at_its_now",
	  "ocsp-disig-svkeidaca-revoked.der", "disig-svk-eid-aca.pem",
	  "ocsp-disig-svkeidaca-cert.pem", "2018-04-24T07:55:00Z", CERT_REVOKED, REASON_OK,
	  "OCSP SVK eID ACA" },
	{ "ocsp_disig_revoked_expecting_good_is_status_mismatch",
	  "ocsp-disig-svkeidaca-revoked.der", "disig-svk-eid-aca.pem",
	  "ocsp-disig-svkeidaca-cert.pem", "2018-04-24T07:55:00Z", CERT_GOOD,
	  REASON_STATUS_MISMATCH, NULL },
	{ "ocsp_harica_signed_by_the_ca_is_ok_at_its_now",
	  "ocsp-harica-qwac-good-casigned.der", "harica-qwac-rsa-ca.pem",
	  "ocsp-harica-qwac-cert.pem", "2025-11-07T00:00:00Z", CERT_GOOD, REASON_OK,
	  "HARICA" },
	{ "ocsp_aped_by_name_without_next_update_is_ok_at_its_now",
	  "ocsp-aped-qtsu-good-no-nextupdate.der", "aped-qualified-timestamping-issuing-ca.pem",
	  "tsa-aped-qtsu-b-2022.pem", "2023-09-05T08:40:00Z", CERT_GOOD, REASON_OK,
	  "APED Qualified Timestamping OCSP Responder" },
	/* A year later: past nextUpdate, past the responder's validity, or past max_age. */
	{ "ocsp_luxtrust_qca3_a_year_later_is_expired",
	  "ocsp-luxtrust-qca3-good-nonce.der", "luxtrust-global-qualified-ca-3.pem",
	  "ocsp-luxtrust-qca3-cert.pem", "2018-06-01T06:00:00Z", CERT_GOOD, REASON_EXPIRED, NULL },
	{ "ocsp_luxtrust_qca2_a_year_later_is_expired",
	  "ocsp-luxtrust-qca2-good-no-nextupdate.der", "luxtrust-global-qualified-ca-2.pem",
	  "ocsp-luxtrust-qca2-cert.pem", "2019-01-15T08:00:00Z", CERT_GOOD, REASON_EXPIRED, NULL },
	{ "ocsp_disig_a_year_later_is_expired",
	  "ocsp-disig-svkeidaca-revoked.der", "disig-svk-eid-aca.pem",
	  "ocsp-disig-svkeidaca-cert.pem", "2019-04-24T07:55:00Z", CERT_REVOKED, REASON_EXPIRED, NULL },
	{ "ocsp_harica_a_year_later_is_expired",
	  "ocsp-harica-qwac-good-casigned.der", "harica-qwac-rsa-ca.pem",
	  "ocsp-harica-qwac-cert.pem", "2026-11-07T00:00:00Z", CERT_GOOD, REASON_EXPIRED, NULL },
	{ "ocsp_aped_a_year_later_is_stale",
	  "ocsp-aped-qtsu-good-no-nextupdate.der", "aped-qualified-timestamping-issuing-ca.pem",
	  "tsa-aped-qtsu-b-2022.pem", "2024-09-05T08:40:00Z", CERT_GOOD, REASON_STALE, NULL },
};

static void
run_rw_case(void **state)
{
	const struct rw_case *c = *state;
	struct conf_endpoint ep = { 0 };
	struct ocsp_sent sent = { 0 };
	struct result r;
	unsigned char *der;
	size_t len;
	int64_t now;
	char *path;

	path = xasprintf(RW "%s", c->file);
	assert_int_equal(file_read(path, 1 << 20, &der, &len), 0);
	free(path);
	assert_int_equal(rfc3339_parse(c->now, &now), 0);
	ep.kind = KIND_OCSP;
	path = xasprintf(RW "%s", c->issuer);
	ep.issuer = pkigen_load_cert(path);
	free(path);
	path = xasprintf(RW "%s", c->cert);
	ep.certificate = pkigen_load_cert(path);
	free(path);
	ep.expect.cert_status = c->expect;
	ep.expect.max_age_ms = 4 * PKIGEN_DAY_MS;
	/* As the probe sends it: a SHA-1 CertID. */
	sent.certid = OCSP_cert_to_id(EVP_sha1(), ep.certificate, ep.issuer);
	sent.method = OCSP_METHOD_GET;
	result_init(&r, &ep, now);
	ocsp_evaluate(der, len, &ep, &sent, now, &r);
	if (r.reason != c->want)
		print_error("%s: got %s (%s)\n", c->name, reason_names[r.reason],
		    r.message ? r.message : "");
	assert_int_equal(r.reason, c->want);
	if (c->signer != NULL)
		assert_non_null(strstr(detail_str(&r, "signer"), c->signer));
	result_clear(&r);
	/* Without the sent CertID, rebuilt from the certificates with the response's hash. */
	result_init(&r, &ep, now);
	ocsp_evaluate(der, len, &ep, NULL, now, &r);
	assert_int_equal(r.reason, c->want);
	result_clear(&r);
	OCSP_CERTID_free((OCSP_CERTID *)sent.certid);
	X509_free(ep.issuer);
	X509_free(ep.certificate);
	free(der);
}

/* Decodes the request in a GET URL (after the last '/'); returns its DER length. */
static size_t
url_request(const char *url, unsigned char *der, size_t cap)
{
	const char *p = strrchr(url, '/') + 1;
	char b64[1024];
	size_t n = 0;
	int len;

	for (; *p != '\0' && n + 1 < sizeof(b64); p++) {
		if (*p == '%') {
			unsigned v;

			assert_int_equal(sscanf(p + 1, "%2x", &v), 1);
			b64[n++] = (char)v;
			p += 2;
		} else
			b64[n++] = *p;
	}
	b64[n] = '\0';
	assert_true(n / 4 * 3 <= cap);
	len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	assert_true(len > 0);
	while (n > 0 && b64[--n] == '=')
		len--;
	return (size_t)len;
}

static OCSP_REQUEST *
parse_request(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)len);

	assert_non_null(req);
	assert_ptr_equal(p, der + len);
	return req;
}

/* Checks req asks about the leaf with a SHA-1 CertID. */
static void
assert_asks_about_leaf(OCSP_REQUEST *req)
{
	OCSP_CERTID *want = OCSP_cert_to_id(EVP_sha1(), pki->leaf, pki->ca);

	assert_int_equal(OCSP_request_onereq_count(req), 1);
	assert_int_equal(OCSP_id_cmp(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)),
	    want), 0);
	OCSP_CERTID_free(want);
}

static void
ocsp_start_gets_with_one_slash_before_the_encoded_request(void **state)
{
	struct ocsp_fix f;
	struct probe_request req;
	struct result r;
	unsigned char der[1024];
	OCSP_REQUEST *oreq;
	void *st;

	(void)state;
	fix_init(&f);
	f.ep.url = "http://ocsp.test/sub//";
	f.ep.method = OCSP_METHOD_AUTO;
	result_init(&r, &f.ep, NOW);
	st = probe_ocsp_ops.start(&f.ep, NULL, &req, &r);
	assert_non_null(st);
	assert_int_equal(r.reason, REASON_OK);
	assert_int_equal(req.post, 0);
	assert_null(req.body);
	assert_string_equal(req.accept, "application/ocsp-response");
	assert_int_equal(strncmp(req.url, "http://ocsp.test/sub/", 21), 0);
	assert_true(req.url[21] != '/' && req.url[21] != '\0');
	assert_true(strlen(req.url + 21) < OCSP_GET_MAX);
	oreq = parse_request(der, url_request(req.url, der, sizeof(der)));
	assert_asks_about_leaf(oreq);
	assert_true(OCSP_REQUEST_get_ext_by_NID(oreq, NID_id_pkix_OCSP_Nonce, -1) < 0);
	assert_string_equal(detail_str(&r, "method"), "get");
	OCSP_REQUEST_free(oreq);
	probe_request_clear(&req);
	probe_ocsp_ops.free_state(st);
	result_clear(&r);
}

static void
ocsp_start_with_post_method_posts_the_der_request(void **state)
{
	struct ocsp_fix f;
	struct probe_request req;
	struct result r;
	OCSP_REQUEST *oreq;
	void *st;

	(void)state;
	fix_init(&f);
	f.ep.method = OCSP_METHOD_POST;
	result_init(&r, &f.ep, NOW);
	st = probe_ocsp_ops.start(&f.ep, NULL, &req, &r);
	assert_non_null(st);
	assert_int_equal(req.post, 1);
	assert_string_equal(req.url, "http://ocsp.test/");
	assert_string_equal(req.content_type, "application/ocsp-request");
	assert_string_equal(req.accept, "application/ocsp-response");
	oreq = parse_request(req.body, req.body_len);
	assert_asks_about_leaf(oreq);
	OCSP_REQUEST_free(oreq);
	probe_request_clear(&req);
	probe_ocsp_ops.free_state(st);
	result_clear(&r);
}

/* Runs start with a nonce, answers with a response echoing echo_xor-altered nonce. */
static void
nonce_round_trip(enum ocsp_method method, unsigned char echo_xor, enum reason want,
    const char *nonce_detail)
{
	struct ocsp_fix f;
	struct probe_request req;
	struct probe_response resp = { 0 };
	struct result r;
	unsigned char der[1024], nonce[64];
	const unsigned char *p, *body;
	size_t len;
	OCSP_REQUEST *oreq;
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *inner;
	unsigned char *answer;
	void *st;
	int idx;

	fix_init(&f);
	f.ep.nonce = true;
	f.ep.method = method;
	result_init(&r, &f.ep, NOW);
	st = probe_ocsp_ops.start(&f.ep, NULL, &req, &r);
	assert_non_null(st);
	if (req.post) {
		body = req.body;
		len = req.body_len;
	} else {
		len = url_request(req.url, der, sizeof(der));
		body = der;
	}
	oreq = parse_request(body, len);
	assert_asks_about_leaf(oreq);
	idx = OCSP_REQUEST_get_ext_by_NID(oreq, NID_id_pkix_OCSP_Nonce, -1);
	assert_true(idx >= 0);
	ext = OCSP_REQUEST_get_ext(oreq, idx);
	p = ASN1_STRING_get0_data(X509_EXTENSION_get_data(ext));
	inner = d2i_ASN1_OCTET_STRING(NULL, &p,
	    ASN1_STRING_length(X509_EXTENSION_get_data(ext)));
	assert_non_null(inner);
	assert_int_equal(ASN1_STRING_length(inner), OCSP_NONCE_LEN);
	memcpy(nonce, ASN1_STRING_get0_data(inner), OCSP_NONCE_LEN);
	ASN1_OCTET_STRING_free(inner);
	OCSP_REQUEST_free(oreq);

	nonce[0] ^= echo_xor;
	f.o.nonce = nonce;
	f.o.nonce_len = OCSP_NONCE_LEN;
	answer = pkigen_ocsp_response(&f.o, &resp.len);
	resp.body = answer;
	resp.http_status = 200;
	assert_int_equal(probe_ocsp_ops.finish(st, &f.ep, &resp, NOW, NULL, &r), 0);
	assert_int_equal(r.reason, want);
	if (nonce_detail != NULL)
		assert_string_equal(detail_str(&r, "nonce"), nonce_detail);
	assert_string_equal(detail_str(&r, "method"), method == OCSP_METHOD_GET ? "get" : "post");
	free(answer);
	probe_request_clear(&req);
	probe_ocsp_ops.free_state(st);
	result_clear(&r);
}

static void
ocsp_probe_with_nonce_by_post_accepts_the_echo(void **state)
{
	(void)state;
	nonce_round_trip(OCSP_METHOD_POST, 0, REASON_OK, "echoed");
}

static void
ocsp_probe_with_nonce_by_get_accepts_the_echo(void **state)
{
	(void)state;
	nonce_round_trip(OCSP_METHOD_GET, 0, REASON_OK, "echoed");
}

static void
ocsp_probe_with_nonce_rejects_an_altered_echo(void **state)
{
	(void)state;
	nonce_round_trip(OCSP_METHOD_POST, 0x80, REASON_NONCE_MISMATCH, NULL);
}

static void
ocsp_probe_answered_with_http_503_is_http_status(void **state)
{
	struct ocsp_fix f;
	struct probe_request req;
	struct probe_response resp = { 0 };
	struct result r;
	void *st;

	(void)state;
	fix_init(&f);
	result_init(&r, &f.ep, NOW);
	st = probe_ocsp_ops.start(&f.ep, NULL, &req, &r);
	resp.http_status = 503;
	resp.body = (const unsigned char *)"busy";
	resp.len = 4;
	assert_int_equal(probe_ocsp_ops.finish(st, &f.ep, &resp, NOW, NULL, &r), 0);
	assert_int_equal(r.reason, REASON_HTTP_STATUS);
	probe_request_clear(&req);
	probe_ocsp_ops.free_state(st);
	result_clear(&r);
}

static void
ocsp_probe_without_issuer_is_internal(void **state)
{
	struct ocsp_fix f;
	struct probe_request req;
	struct result r;

	(void)state;
	fix_init(&f);
	f.ep.issuer = NULL;
	result_init(&r, &f.ep, NOW);
	assert_null(probe_ocsp_ops.start(&f.ep, NULL, &req, &r));
	assert_null(req.url);
	assert_int_equal(r.reason, REASON_INTERNAL);
	result_clear(&r);
}

static void
ocsp_get_url_percent_encodes_base64(void **state)
{
	static const unsigned char der[] = { 0xfb, 0xff, 0x30, 0x82 };
	size_t enc;
	char *url;

	(void)state;
	url = ocsp_get_url("http://x", der, sizeof(der), &enc);
	assert_string_equal(url, "http://x/%2B%2F8wgg%3D%3D");
	assert_int_equal(enc, strlen("%2B%2F8wgg%3D%3D"));
	free(url);
}

/* Reads a real-world vector into *der; returns its length. */
static size_t
rw_read(const char *file, unsigned char **der)
{
	char *path = xasprintf(RW "%s", file);
	size_t len;

	assert_int_equal(file_read(path, 1 << 20, der, &len), 0);
	free(path);
	return len;
}

/* Returns the DER of x's ResponseData (caller frees) in *out. */
static int
respdata_der(const OCSP_BASICRESP *bs, unsigned char **out)
{
	*out = NULL;
	return ASN1_item_i2d((const ASN1_VALUE *)OCSP_resp_get0_respdata(bs), out,
	    ASN1_ITEM_rptr(OCSP_RESPDATA));
}

/*
 * The fast parser (certificates cut out and cached) agrees with OpenSSL's own parse on
 * every real response: same ResponseData, signature algorithm and signature, and the same
 * certificates in the same order.
 */
static void
ocsp_basic_parse_agrees_with_openssl_on_real_responses(void **state)
{
	static const char *const files[] = {
		"ocsp-aped-qtsu-good-no-nextupdate.der", "ocsp-disig-svkeidaca-revoked.der",
		"ocsp-harica-qwac-good-casigned.der", "ocsp-luxtrust-qca2-good-no-nextupdate.der",
		"ocsp-luxtrust-qca3-good-nonce.der",
	};
	int with_certs = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		unsigned char *der, *a, *b;
		const unsigned char *p;
		size_t len = rw_read(files[i], &der);
		OCSP_RESPONSE *resp;
		OCSP_BASICRESP *ref, *bs;
		const STACK_OF(X509) *rc;
		STACK_OF(X509) *certs;
		int na, nb;

		p = der;
		assert_non_null(resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len));
		assert_non_null(ref = OCSP_response_get1_basic(resp));
		assert_int_equal(ocsp_basic_parse(der, len, &bs, &certs), 1);
		na = respdata_der(ref, &a);
		nb = respdata_der(bs, &b);
		assert_true(na > 0 && na == nb);
		assert_memory_equal(a, b, (size_t)na);
		assert_int_equal(ASN1_STRING_cmp(OCSP_resp_get0_signature(ref),
		    OCSP_resp_get0_signature(bs)), 0);
		assert_int_equal(OBJ_cmp(OCSP_resp_get0_tbs_sigalg(ref)->algorithm,
		    OCSP_resp_get0_tbs_sigalg(bs)->algorithm), 0);
		rc = OCSP_resp_get0_certs(ref);
		assert_int_equal(sk_X509_num(certs), rc ? sk_X509_num(rc) : 0);
		for (int k = 0; k < sk_X509_num(certs); k++)
			assert_int_equal(X509_cmp(sk_X509_value(certs, k), sk_X509_value(rc, k)), 0);
		/* What the fast parser returns carries no certificates of its own. */
		assert_true(sk_X509_num(OCSP_resp_get0_certs(bs)) <= 0);
		with_certs += sk_X509_num(certs) > 0;
		OPENSSL_free(a);
		OPENSSL_free(b);
		sk_X509_pop_free(certs, X509_free);
		OCSP_BASICRESP_free(bs);
		OCSP_BASICRESP_free(ref);
		OCSP_RESPONSE_free(resp);
		free(der);
	}
	assert_true(with_certs >= 3);
}

/* A certificate seen before is not parsed again: the second parse returns the same X509. */
static void
ocsp_basic_parse_reuses_a_certificate_it_has_seen(void **state)
{
	unsigned char *der;
	size_t len = rw_read("ocsp-luxtrust-qca3-good-nonce.der", &der);
	OCSP_BASICRESP *b1, *b2;
	STACK_OF(X509) *c1, *c2;

	(void)state;
	assert_int_equal(ocsp_basic_parse(der, len, &b1, &c1), 1);
	assert_int_equal(ocsp_basic_parse(der, len, &b2, &c2), 1);
	assert_int_equal(sk_X509_num(c1), 1);
	assert_ptr_equal(sk_X509_value(c1, 0), sk_X509_value(c2, 0));
	assert_ptr_not_equal(b1, b2);
	/* Clearing the cache leaves the caller's references valid. */
	certcache_clear();
	assert_int_equal(X509_cmp(sk_X509_value(c1, 0), sk_X509_value(c2, 0)), 0);
	sk_X509_pop_free(c1, X509_free);
	sk_X509_pop_free(c2, X509_free);
	OCSP_BASICRESP_free(b1);
	OCSP_BASICRESP_free(b2);
	free(der);
}

/*
 * The responder certificate's signature is verified once and remembered for that issuer
 * only: the same response judged under a namesake issuer (same name, other key) must not
 * ride on the first verification, and the right issuer still passes afterwards.
 */
static void
ocsp_remembered_responder_verification_is_per_issuer(void **state)
{
	struct ocsp_fix f;
	struct result r;
	unsigned char *der;
	size_t len;

	(void)state;
	fix_init(&f);
	der = pkigen_ocsp_response(&f.o, &len);
	for (int round = 0; round < 2; round++) {
		f.ep.issuer = pki->ca;
		result_init(&r, &f.ep, NOW);
		ocsp_evaluate(der, len, &f.ep, NULL, NOW, &r);
		assert_int_equal(r.reason, REASON_OK);
		result_clear(&r);
		f.ep.issuer = pki->namesake_ca;
		result_init(&r, &f.ep, NOW);
		ocsp_evaluate(der, len, &f.ep, NULL, NOW, &r);
		assert_int_equal(r.reason, REASON_UNTRUSTED);
		assert_non_null(strstr(r.message, "not signed by the issuer's key"));
		result_clear(&r);
	}
	free(der);
}

/*
 * Anything but plain DER of RFC 6960's shape is left to OpenSSL (return 0), and the
 * evaluator then judges it exactly as OpenSSL's parse allows: a broken certificate inside
 * the certs field still makes the response malformed.
 */
static void
ocsp_basic_parse_leaves_odd_encodings_to_openssl(void **state)
{
	unsigned char *der, *odd;
	size_t len = rw_read("ocsp-luxtrust-qca3-good-nonce.der", &der);
	OCSP_BASICRESP *bs;
	STACK_OF(X509) *certs;
	struct conf_endpoint ep = { 0 };
	struct result r;
	int64_t now;

	(void)state;
	/* A trailing byte. */
	odd = xmalloc(len + 1);
	memcpy(odd, der, len);
	odd[len] = 0;
	assert_int_equal(ocsp_basic_parse(odd, len + 1, &bs, &certs), 0);
	assert_null(bs);
	assert_null(certs);
	/* Truncated, empty, not a SEQUENCE. */
	assert_int_equal(ocsp_basic_parse(der, len - 1, &bs, &certs), 0);
	assert_int_equal(ocsp_basic_parse(der, 0, &bs, &certs), 0);
	assert_int_equal(ocsp_basic_parse((const unsigned char *)"<html>", 6, &bs, &certs), 0);
	/* The certificate's own outer tag changed from SEQUENCE: the certificate is broken. */
	memcpy(odd, der, len);
	{
		const unsigned char *p = der;
		OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
		OCSP_BASICRESP *ref = OCSP_response_get1_basic(resp);
		X509 *x = sk_X509_value(OCSP_resp_get0_certs(ref), 0);
		unsigned char *xd = NULL;
		int xn = i2d_X509(x, &xd);
		size_t at = 0;

		assert_true(xn > 0);
		for (at = 0; at + (size_t)xn <= len; at++)
			if (memcmp(der + at, xd, (size_t)xn) == 0)
				break;
		assert_true(at + (size_t)xn <= len);
		odd[at] = 0x31;
		OPENSSL_free(xd);
		OCSP_BASICRESP_free(ref);
		OCSP_RESPONSE_free(resp);
	}
	assert_int_equal(ocsp_basic_parse(odd, len, &bs, &certs), 0);
	assert_int_equal(rfc3339_parse("2017-06-01T06:00:00Z", &now), 0);
	ep.kind = KIND_OCSP;
	ep.issuer = pkigen_load_cert(RW "luxtrust-global-qualified-ca-3.pem");
	ep.certificate = pkigen_load_cert(RW "ocsp-luxtrust-qca3-cert.pem");
	result_init(&r, &ep, now);
	ocsp_evaluate(odd, len, &ep, NULL, now, &r);
	assert_int_equal(r.reason, REASON_MALFORMED);
	result_clear(&r);
	X509_free(ep.issuer);
	X509_free(ep.certificate);
	free(odd);
	free(der);
}

static int
group_setup(void **state)
{
	(void)state;
	pki = pkigen_new(NOW);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	pkigen_free(pki);
	return 0;
}

/* ---- issue 13 item 15: a GET answered with 4xx says it was a GET and how to POST ---- */

/* Runs start with method m and finish with HTTP status code; returns the message. */
static char *
ocsp_http_answer(enum ocsp_method m, long code)
{
	struct ocsp_fix f;
	struct probe_request req;
	struct probe_response resp = { 0 };
	struct result r;
	char *msg;
	void *st;

	fix_init(&f);
	f.ep.method = m;
	result_init(&r, &f.ep, NOW);
	assert_non_null(st = probe_ocsp_ops.start(&f.ep, NULL, &req, &r));
	resp.http_status = code;
	resp.body = (const unsigned char *)"Bad Request";
	resp.len = 11;
	assert_int_equal(probe_ocsp_ops.finish(st, &f.ep, &resp, NOW, NULL, &r), 0);
	assert_int_equal(r.reason, REASON_HTTP_STATUS);
	assert_int_equal(json_integer_value(json_object_get(r.details, "http_status")), code);
	msg = xstrdup(r.message);
	probe_request_clear(&req);
	probe_ocsp_ops.free_state(st);
	result_clear(&r);
	return msg;
}

static void
ocsp_get_answered_with_http_400_says_get_and_names_method_post(void **state)
{
	char *m;

	(void)state;
	m = ocsp_http_answer(OCSP_METHOD_AUTO, 400);
	assert_non_null(strstr(m, "HTTP status 400 to an OCSP GET"));
	assert_non_null(strstr(m, "chosen by `method: auto`"));
	assert_non_null(strstr(m, "set `method: post`"));
	free(m);
	m = ocsp_http_answer(OCSP_METHOD_GET, 405);
	assert_non_null(strstr(m, "HTTP status 405 to an OCSP GET"));
	assert_null(strstr(m, "auto"));
	assert_non_null(strstr(m, "set `method: post`"));
	free(m);
	/* A POST, or a server error, is not about the method. */
	m = ocsp_http_answer(OCSP_METHOD_POST, 400);
	assert_null(strstr(m, "method"));
	free(m);
	m = ocsp_http_answer(OCSP_METHOD_GET, 503);
	assert_null(strstr(m, "method"));
	free(m);
}

/* The request assembled from the CertID's DER is the one OpenSSL encodes, byte for byte. */
static void
ocsp_request_assembled_is_what_openssl_encodes(void **state)
{
	static const size_t nonce_lens[] = { 0, 1, 16, 32, 64 };
	unsigned char nonce[64], *want = NULL, *got;
	OCSP_CERTID *id;
	OCSP_REQUEST *req;
	size_t len;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (unsigned char)(0xa5 ^ i);
	for (int hash = 0; hash < 2; hash++)
	for (size_t k = 0; k < NELEM(nonce_lens); k++) {
		id = OCSP_cert_to_id(hash ? EVP_sha256() : EVP_sha1(), pki->leaf, pki->ca);
		assert_non_null(id);
		req = OCSP_REQUEST_new();
		assert_non_null(OCSP_request_add0_id(req, OCSP_CERTID_dup(id)));
		if (nonce_lens[k] > 0)
			assert_int_equal(OCSP_request_add1_nonce(req, nonce, (int)nonce_lens[k]), 1);
		assert_true((n = i2d_OCSP_REQUEST(req, &want)) > 0);
		assert_int_equal(ocsp_request_der(id, nonce_lens[k] ? nonce : NULL, nonce_lens[k],
		    &got, &len), 0);
		assert_int_equal(len, (size_t)n);
		assert_memory_equal(got, want, len);
		free(got);
		OPENSSL_free(want);
		want = NULL;
		OCSP_REQUEST_free(req);
		OCSP_CERTID_free(id);
	}
}

/* One CertID per (certificate, issuer), shared by the probes that ask about it. */
static void
ocsp_reqid_is_kept_per_certificate_and_issuer(void **state)
{
	struct ocsp_reqid *a, *b, *c;
	OCSP_CERTID *want;

	(void)state;
	a = ocsp_reqid_get(pki->leaf, pki->ca);
	b = ocsp_reqid_get(pki->leaf, pki->ca);
	c = ocsp_reqid_get(pki->ca, pki->ca);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_non_null(c);
	assert_ptr_not_equal(a, c);
	want = OCSP_cert_to_id(EVP_sha1(), pki->leaf, pki->ca);
	assert_int_equal(OCSP_id_cmp(a->certid, want), 0);
	OCSP_CERTID_free(want);
	ocsp_reqid_put(a);
	/* Emptying the table leaves what a probe still holds usable. */
	ocsp_reqid_cache_clear();
	assert_non_null(b->certid);
	assert_int_equal(b->len > 0, 1);
	ocsp_reqid_put(b);
	ocsp_reqid_put(c);
}

/*
 * The envelope walked without d2i_OCSP_RESPONSE (issue 22) takes only a successful
 * responseStatus: the same bytes with tryLater stay rejected, as OpenSSL's parse says.
 */
static void
ocsp_successful_parse_takes_only_successful_responses(void **state)
{
	unsigned char *der;
	size_t len = rw_read("ocsp-luxtrust-qca3-good-nonce.der", &der), at = 0;
	const unsigned char *tbs;
	size_t tbs_len;
	OCSP_BASICRESP *bs;
	STACK_OF(X509) *certs;
	struct conf_endpoint ep = { 0 };
	struct result r;

	(void)state;
	assert_int_equal(ocsp_successful_parse_tbs(der, len, &bs, &certs, &tbs, &tbs_len), 1);
	assert_non_null(bs);
	assert_true(tbs > der && tbs + tbs_len < der + len);
	OCSP_BASICRESP_free(bs);
	sk_X509_pop_free(certs, X509_free);
	for (size_t i = 2; i + 2 < len && at == 0; i++)
		if (der[i] == 0x0a && der[i + 1] == 0x01 && der[i + 2] == 0x00)
			at = i + 2;
	assert_true(at > 0 && at < 8);
	der[at] = 3;	/* tryLater, responseBytes still there */
	assert_int_equal(ocsp_successful_parse_tbs(der, len, &bs, &certs, &tbs, &tbs_len), 0);
	assert_null(bs);
	assert_null(certs);
	assert_null(tbs);
	ep.issuer = NULL;
	result_init(&r, &ep, 0);
	ocsp_evaluate(der, len, &ep, NULL, 0, &r);
	assert_int_equal(r.reason, REASON_REJECTED);
	assert_non_null(strstr(r.message, "tryLater"));
	result_clear(&r);
	der[at] = 0x80;	/* a negative ENUMERATED */
	assert_int_equal(ocsp_successful_parse_tbs(der, len, &bs, &certs, &tbs, &tbs_len), 0);
	result_init(&r, &ep, 0);
	ocsp_evaluate(der, len, &ep, NULL, 0, &r);
	assert_int_equal(r.reason, REASON_REJECTED);
	result_clear(&r);
	free(der);
}

/*
 * The times of responses and certificates are converted without timegm (issue 22): the
 * same epoch as timegm over every day from 1950 to 2199 and hour boundaries, and through
 * ASN1_TIME (UTCTime and GeneralizedTime) as well.
 */
static void
probe_times_are_what_timegm_says(void **state)
{
	struct tm tm;
	ASN1_TIME *t;
	int64_t ms;
	char s[32];

	(void)state;
	for (int64_t day = -7305; day < 84000; day += 1) {
		time_t e = (time_t)(day * 86400 + (day % 24) * 3600 + (day % 60) * 61 % 3600 +
		    day % 60);

		assert_non_null(gmtime_r(&e, &tm));
		assert_int_equal(probe_tm_utc_ms(&tm), (int64_t)timegm(&tm) * 1000);
	}
	for (int64_t e = 631152000; e < 4102444800; e += 9999991) {
		t = ASN1_TIME_set(NULL, (time_t)e);
		assert_non_null(t);
		assert_int_equal(probe_asn1_time_ms(t, &ms), 0);
		assert_int_equal(ms, e * 1000);
		ASN1_TIME_free(t);
	}
	/* UTCTime 49 is 2049, 50 is 1950 (RFC 5280 §4.1.2.5.1). */
	t = ASN1_UTCTIME_new();
	snprintf(s, sizeof(s), "500101000000Z");
	assert_int_equal(ASN1_UTCTIME_set_string(t, s), 1);
	assert_int_equal(probe_asn1_time_ms(t, &ms), 0);
	assert_int_equal(ms, (int64_t)-631152000 * 1000);
	ASN1_TIME_free(t);
	/* What OpenSSL refuses stays refused. */
	t = ASN1_GENERALIZEDTIME_new();
	ASN1_STRING_set(t, "20260230120000Z", -1);
	assert_int_equal(probe_asn1_time_ms(t, &ms), -1);
	ASN1_TIME_free(t);
}

/* Key identifiers are lower-case hex of the SKI, or of the SHA-1 of the key when absent. */
static void
probe_key_id_is_lower_case_hex(void **state)
{
	const ASN1_OCTET_STRING *ski;
	char *id, want[2 * 64 + 1];
	const unsigned char *p;
	int n;

	(void)state;
	id = probe_key_id(pki->ca);
	assert_non_null(id);
	if ((ski = X509_get0_subject_key_id(pki->ca)) != NULL) {
		p = ASN1_STRING_get0_data(ski);
		n = ASN1_STRING_length(ski);
		assert_true(n > 0 && n <= 64);
		for (int i = 0; i < n; i++)
			snprintf(want + 2 * i, 3, "%02x", p[i]);
		assert_string_equal(id, want);
	} else {
		assert_int_equal(strlen(id), 40);
		assert_int_equal(strspn(id, "0123456789abcdef"), 40);
	}
	free(id);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(ocsp_details_name_times_status_signer_responder_and_method),
		cmocka_unit_test(ocsp_start_gets_with_one_slash_before_the_encoded_request),
		cmocka_unit_test(ocsp_start_with_post_method_posts_the_der_request),
		cmocka_unit_test(ocsp_probe_with_nonce_by_post_accepts_the_echo),
		cmocka_unit_test(ocsp_probe_with_nonce_by_get_accepts_the_echo),
		cmocka_unit_test(ocsp_probe_with_nonce_rejects_an_altered_echo),
		cmocka_unit_test(ocsp_probe_answered_with_http_503_is_http_status),
		cmocka_unit_test(ocsp_probe_without_issuer_is_internal),
		cmocka_unit_test(ocsp_get_url_percent_encodes_base64),
		cmocka_unit_test(ocsp_basic_parse_agrees_with_openssl_on_real_responses),
		cmocka_unit_test(ocsp_basic_parse_reuses_a_certificate_it_has_seen),
		cmocka_unit_test(ocsp_remembered_responder_verification_is_per_issuer),
		cmocka_unit_test(ocsp_basic_parse_leaves_odd_encodings_to_openssl),
		cmocka_unit_test(ocsp_get_answered_with_http_400_says_get_and_names_method_post),
		cmocka_unit_test(ocsp_request_assembled_is_what_openssl_encodes),
		cmocka_unit_test(ocsp_reqid_is_kept_per_certificate_and_issuer),
		cmocka_unit_test(ocsp_successful_parse_takes_only_successful_responses),
		cmocka_unit_test(probe_times_are_what_timegm_says),
		cmocka_unit_test(probe_key_id_is_lower_case_hex),
	};
	static struct CMUnitTest tests[NELEM(cases) + NELEM(rw_cases) + NELEM(fixed)];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = cases[i].name,
		    .test_func = run_case, .initial_state = (void *)&cases[i] };
	for (size_t i = 0; i < NELEM(rw_cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = rw_cases[i].name,
		    .test_func = run_rw_case, .initial_state = (void *)&rw_cases[i] };
	for (size_t i = 0; i < NELEM(fixed); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("ocsp", tests, n, group_setup, group_teardown) +
	    run_crit_group();
}
