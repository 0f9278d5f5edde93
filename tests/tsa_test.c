/*
 * Tests of the tsa kind (probe/tsa.c, probe/tsa_verify.c): responses made at test time by
 * OpenSSL's TS_RESP_CTX over a generated PKI (tests/support/tsa_pki.c), the real-world
 * tokens of tests/fixtures/realworld/ at each one's "now", replies of `openssl ts -reply`
 * (tests/fixtures/tsa/, made by make.sh there) and the probe_ops round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "probe/tsa.h"
#include "tests/support/tsa_pki.h"

#define RW "tests/fixtures/realworld/"
#define T0 1780000000123LL		/* 2026-05-28T20:26:40.123Z, inside the test PKI */
#define T_EXPIRED 2366841600000LL	/* 2045-01-01, after every test certificate */

static struct tsapki *pki;
static unsigned char digest[EVP_MAX_MD_SIZE], other_digest[EVP_MAX_MD_SIZE];
static BIGNUM *nonce, *other_nonce;

static int
group_setup(void **state)
{
	(void)state;
	if ((pki = tsapki_new()) == NULL)
		return -1;
	memset(digest, 0x5a, sizeof(digest));
	memset(other_digest, 0xa5, sizeof(other_digest));
	nonce = BN_new();
	other_nonce = BN_new();
	BN_hex2bn(&nonce, "1122334455667788");
	BN_hex2bn(&other_nonce, "1122334455667789");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	tsapki_free(pki);
	BN_free(nonce);
	BN_free(other_nonce);
	return 0;
}

static void
ep_init(struct conf_endpoint *ep, STACK_OF(X509) *trust)
{
	memset(ep, 0, sizeof(*ep));
	ep->id = (char *)"tsa";
	ep->kind = KIND_TSA;
	ep->url = (char *)"http://tsa.test/";
	ep->trust = trust;
	ep->hash_nid = NID_sha256;
	ep->expect.max_skew_ms = 1000;
}

/* Asserts reason, status and a message fragment; TSA_TEST_VERBOSE=1 prints every verdict. */
static void
assert_reason(const struct result *r, enum reason want, const char *msg)
{
	if (getenv("TSA_TEST_VERBOSE") != NULL)
		print_message("%s: %s\n", reason_names[r->reason],
		    r->message != NULL ? r->message : "");
	if (r->reason != want)
		print_error("got %s (%s), want %s\n", reason_names[r->reason],
		    r->message != NULL ? r->message : "", reason_names[want]);
	assert_int_equal(r->reason, want);
	assert_int_equal(r->status, reason_status(want));
	if (msg != NULL) {
		assert_non_null(r->message);
		if (strstr(r->message, msg) == NULL)
			print_error("message \"%s\" lacks \"%s\"\n", r->message, msg);
		assert_non_null(strstr(r->message, msg));
	}
}

static void
assert_detail(const struct result *r, const char *key, const char *want)
{
	const char *got = json_string_value(json_object_get(r->details, key));

	if (got == NULL || strcmp(got, want) != 0)
		print_error("details.%s = %s, want %s\n", key, got != NULL ? got : "(none)", want);
	assert_string_equal(got != NULL ? got : "", want);
}

/* ---- generated PKI, one row per case ---- */

enum sent_kind { SENT_SAME, SENT_OTHER_DIGEST, SENT_OTHER_NONCE, SENT_NONE };
enum trust_kind { TRUST_ROOT, TRUST_INTER, TRUST_TSA, TRUST_ROGUE_ROOT, TRUST_NOEKU_TSA,
	TRUST_CRIT_TSA };

struct gen_case {
	enum tsapki_signer signer;
	int		 hash_nid;	/* of the request; 0 = sha256 */
	int		 req_nonce;	/* the request carries our nonce */
	int		 no_cert_req;
	int		 ess_v2;
	int		 status, failure;
	const char	*status_text;
	int		 accuracy_s, accuracy_ms;
	int64_t		 gen_ms;	/* 0 = T0 */
	enum sent_kind	 sent;
	enum trust_kind	 trust;
	const char	*expect_policy;
	int64_t		 now_shift_ms;	/* now = genTime + shift */
	double		 rtt_ms;
	int		 alter_sig;
	int		 alter_tst;	/* flip a bit of the imprint inside the signed TSTInfo */
	int		 token_only;	/* evaluate the bare token */
	const char	*tsa_dn_cn;	/* TSTInfo tsa, see struct tsapki_opts */
	const char	*tsa_dns;
	const char	*ext_oid;	/* a TSTInfo extension */
	int		 ext_critical;
	enum reason	 want;
	const char	*want_msg;
	const char	*want_pki_status;
};

static void
run_gen_case(void **state)
{
	const struct gen_case	*c = *state;
	struct tsapki_opts	 o;
	struct conf_endpoint	 ep;
	struct tsa_sent		 sent;
	struct result		 r;
	STACK_OF(X509)		*trust;
	unsigned char		*der, *hit;
	size_t			 len, off, tlen;
	int64_t			 gen = c->gen_ms != 0 ? c->gen_ms : T0;
	int			 hash = c->hash_nid != 0 ? c->hash_nid : NID_sha256;

	memset(&o, 0, sizeof(o));
	o.signer = c->signer;
	o.digest = digest;
	o.digest_len = (size_t)EVP_MD_get_size(EVP_get_digestbynid(hash));
	o.hash_nid = hash;
	o.nonce = c->req_nonce ? nonce : NULL;
	o.no_cert_req = c->no_cert_req;
	o.ess_v2 = c->ess_v2;
	o.status = c->status;
	o.failure = c->status != 0 ? c->failure : -1;
	o.status_text = c->status_text;
	o.accuracy_s = c->accuracy_s;
	o.accuracy_ms = c->accuracy_ms;
	o.gen_ms = gen;
	o.tsa_dn_cn = c->tsa_dn_cn;
	o.tsa_dns = c->tsa_dns;
	o.ext_oid = c->ext_oid;
	o.ext_critical = c->ext_critical;
	der = tsapki_response(pki, &o, &len);
	assert_non_null(der);

	memset(&sent, 0, sizeof(sent));
	sent.digest = c->sent == SENT_OTHER_DIGEST ? other_digest : digest;
	sent.digest_len = 32;
	sent.hash_nid = NID_sha256;
	sent.nonce = c->sent == SENT_NONE ? NULL : c->sent == SENT_OTHER_NONCE ? other_nonce : nonce;
	sent.rtt_ms = c->rtt_ms;

	switch (c->trust) {
	case TRUST_INTER:
		trust = tsapki_stack(pki->inter, NULL);
		break;
	case TRUST_TSA:
		trust = tsapki_stack(pki->tsa, NULL);
		break;
	case TRUST_ROGUE_ROOT:
		trust = tsapki_stack(pki->rogue_root, NULL);
		break;
	case TRUST_NOEKU_TSA:
		trust = tsapki_stack(pki->noeku_tsa, pki->inter, pki->root, NULL);
		break;
	case TRUST_CRIT_TSA:
		trust = tsapki_stack(pki->crit_tsa, NULL);
		break;
	default:
		trust = tsapki_stack(pki->root, NULL);
		break;
	}
	ep_init(&ep, trust);
	ep.expect.policy = (char *)c->expect_policy;

	result_init(&r, &ep, gen + c->now_shift_ms);
	if (c->alter_sig || c->token_only)
		assert_int_equal(tsapki_token_span(der, len, &off, &tlen), 0);
	if (c->alter_sig)
		assert_int_equal(tsapki_alter_signature(der + off, tlen), 0);
	if (c->alter_tst) {
		assert_non_null(hit = memmem(der, len, digest, 32));
		hit[31] ^= 0x01;
	}
	if (c->token_only)
		tsa_evaluate_token(der + off, tlen, &ep, &sent, gen + c->now_shift_ms, &r);
	else
		tsa_evaluate(der, len, &ep, &sent, gen + c->now_shift_ms, &r);
	assert_reason(&r, c->want, c->want_msg);
	if (c->want_pki_status != NULL)
		assert_detail(&r, "pki_status", c->want_pki_status);
	if (c->want != REASON_REJECTED) {
		assert_detail(&r, "policy", TSAPKI_POLICY);
		assert_detail(&r, "serial", "2A17");
		assert_true(json_is_false(json_object_get(r.details, "qualified")));
	}
	if (c->want == REASON_OK) {
		assert_detail(&r, "signer", "CN=Test TSU,O=trustwatch tests");
		assert_detail(&r, "signer_not_after", "2040-01-01T00:00:00Z");
	}

	result_clear(&r);
	sk_X509_pop_free(trust, X509_free);
	free(der);
}

/* Rows override the defaults set in GEN() and RWT(); that is the point of the tables. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"

#define GEN(n, ...) { .name = #n, .test_func = run_gen_case, \
	.initial_state = &(struct gen_case){ .req_nonce = 1, __VA_ARGS__ } }

static const struct CMUnitTest gen_tests[] = {
	GEN(response_from_a_healthy_tsa_is_up, .want = REASON_OK, .want_pki_status = "granted"),
	GEN(response_with_ess_cert_id_v2_is_up, .ess_v2 = 1, .want = REASON_OK),
	GEN(bare_token_from_a_healthy_tsa_is_up, .token_only = 1, .want = REASON_OK),
	GEN(granted_with_mods_is_up_and_noted, .status = TS_STATUS_GRANTED_WITH_MODS,
	    .want = REASON_OK, .want_msg = "modifications", .want_pki_status = "grantedWithMods"),
	GEN(rejection_with_bad_alg_is_rejected_naming_it, .status = TS_STATUS_REJECTION,
	    .failure = TS_INFO_BAD_ALG, .status_text = "hash not supported",
	    .want = REASON_REJECTED, .want_msg = "rejection (badAlg): hash not supported",
	    .want_pki_status = "rejection"),
	GEN(waiting_with_time_not_available_is_rejected, .status = TS_STATUS_WAITING,
	    .failure = TS_INFO_TIME_NOT_AVAILABLE, .want = REASON_REJECTED,
	    .want_msg = "waiting (timeNotAvailable)"),
	GEN(rejection_with_system_failure_is_rejected, .status = TS_STATUS_REJECTION,
	    .failure = TS_INFO_SYSTEM_FAILURE, .want = REASON_REJECTED,
	    .want_msg = "systemFailure"),
	GEN(rejection_with_unaccepted_policy_is_rejected, .status = TS_STATUS_REJECTION,
	    .failure = TS_INFO_UNACCEPTED_POLICY, .want = REASON_REJECTED,
	    .want_msg = "unacceptedPolicy"),
	GEN(response_with_altered_signature_bytes_is_signature_invalid, .alter_sig = 1,
	    .want = REASON_SIGNATURE_INVALID),
	GEN(bare_token_with_altered_signature_bytes_is_signature_invalid, .alter_sig = 1,
	    .token_only = 1, .want = REASON_SIGNATURE_INVALID),
	GEN(response_with_altered_tst_info_is_signature_invalid, .alter_tst = 1,
	    .want = REASON_SIGNATURE_INVALID),
	GEN(response_signed_by_a_rogue_tsa_is_untrusted, .signer = TSAPKI_SIGNER_ROGUE,
	    .want = REASON_UNTRUSTED, .want_msg = "does not chain"),
	GEN(tsa_without_critical_timestamping_eku_is_untrusted, .no_cert_req = 1,
	    .trust = TRUST_NOEKU_TSA,
	    .want = REASON_UNTRUSTED, .want_msg = "not critical"),
	GEN(trust_file_with_the_intermediate_alone_is_a_partial_chain_and_up,
	    .trust = TRUST_INTER, .want = REASON_OK),
	GEN(trust_file_with_another_root_is_untrusted, .trust = TRUST_ROGUE_ROOT,
	    .want = REASON_UNTRUSTED),
	GEN(token_without_certificates_is_untrusted, .no_cert_req = 1,
	    .want = REASON_UNTRUSTED, .want_msg = "neither in the token nor in the trust file"),
	GEN(token_without_certificates_is_up_when_the_trust_file_holds_the_tsa,
	    .no_cert_req = 1, .trust = TRUST_TSA, .want = REASON_OK),
	GEN(token_made_after_the_tsa_certificate_expired_is_untrusted, .gen_ms = T_EXPIRED,
	    .want = REASON_UNTRUSTED, .want_msg = "expired"),
	GEN(imprint_of_another_digest_is_imprint_mismatch, .sent = SENT_OTHER_DIGEST,
	    .want = REASON_IMPRINT_MISMATCH),
	GEN(imprint_with_another_hash_is_imprint_mismatch, .hash_nid = NID_sha384,
	    .want = REASON_IMPRINT_MISMATCH, .want_msg = "SHA384"),
	GEN(another_nonce_is_nonce_mismatch, .sent = SENT_OTHER_NONCE,
	    .want = REASON_NONCE_MISMATCH),
	GEN(missing_nonce_when_we_sent_one_is_nonce_mismatch, .req_nonce = 0,
	    .want = REASON_NONCE_MISMATCH, .want_msg = "no nonce"),
	GEN(no_nonce_sent_and_none_returned_is_up, .req_nonce = 0, .sent = SENT_NONE,
	    .want = REASON_OK),
	GEN(another_policy_is_policy_mismatch, .expect_policy = "1.2.3.4.5",
	    .want = REASON_POLICY_MISMATCH, .want_msg = "expected 1.2.3.4.5"),
	GEN(expected_policy_is_up, .expect_policy = TSAPKI_POLICY, .want = REASON_OK),
	GEN(gen_time_two_seconds_ahead_is_clock_skew, .now_shift_ms = -2000,
	    .want = REASON_CLOCK_SKEW),
	GEN(gen_time_two_seconds_behind_is_clock_skew, .now_shift_ms = 2000,
	    .want = REASON_CLOCK_SKEW),
	GEN(gen_time_just_past_max_skew_is_clock_skew, .now_shift_ms = 1001,
	    .want = REASON_CLOCK_SKEW),
	GEN(gen_time_at_max_skew_is_up, .now_shift_ms = -1000, .want = REASON_OK),
	GEN(declared_accuracy_widens_the_skew_allowance, .accuracy_s = 2, .accuracy_ms = 500,
	    .now_shift_ms = 3400, .want = REASON_OK),
	GEN(round_trip_widens_the_skew_allowance, .rtt_ms = 2500.0, .now_shift_ms = -3400,
	    .want = REASON_OK),
	GEN(skew_beyond_accuracy_and_round_trip_is_clock_skew, .accuracy_ms = 200,
	    .rtt_ms = 300.0, .now_shift_ms = 1600, .want = REASON_CLOCK_SKEW),
	/* The tsa field (RFC 3161 §2.4.2; `openssl ts -verify`: "tsa name mismatch"). */
	GEN(token_naming_its_signer_as_tsa_is_up, .tsa_dn_cn = "Test TSU", .want = REASON_OK),
	GEN(token_naming_another_tsa_is_untrusted, .tsa_dn_cn = "Somebody Else",
	    .want = REASON_UNTRUSTED, .want_msg = "CN = Somebody Else"),
	GEN(bare_token_naming_another_tsa_is_untrusted, .tsa_dn_cn = "Somebody Else",
	    .token_only = 1, .want = REASON_UNTRUSTED, .want_msg = "not a subject name"),
	GEN(token_naming_a_subject_alt_name_of_its_signer_is_up,
	    .signer = TSAPKI_SIGNER_NONCRIT, .tsa_dns = "tsu.test", .want = REASON_OK),
	GEN(token_naming_a_dns_name_the_tsa_certificate_lacks_is_untrusted,
	    .tsa_dns = "tsa.example", .want = REASON_UNTRUSTED, .want_msg = "DNS:tsa.example"),
	/* Critical extensions in TSTInfo (RFC 3161 §2.4.2, RFC 5280 §4.2). */
	GEN(tst_info_with_unknown_critical_extension_is_malformed_naming_it,
	    .ext_oid = TSAPKI_UNKNOWN_OID, .ext_critical = 1, .want = REASON_MALFORMED,
	    .want_msg = "TSTInfo carries critical extension " TSAPKI_UNKNOWN_OID),
	GEN(tst_info_with_unknown_non_critical_extension_is_up,
	    .ext_oid = TSAPKI_UNKNOWN_OID, .want = REASON_OK),
	GEN(tst_info_with_critical_qc_statements_is_up,
	    .ext_oid = "1.3.6.1.5.5.7.1.3", .ext_critical = 1, .want = REASON_OK),
	/* The TSA certificate: X509_verify_cert refuses what it does not process. */
	GEN(tsa_certificate_with_unknown_critical_extension_is_untrusted,
	    .signer = TSAPKI_SIGNER_CRIT, .want = REASON_UNTRUSTED,
	    .want_msg = "unhandled critical extension"),
	GEN(tsa_certificate_trusted_directly_with_unknown_critical_extension_is_untrusted,
	    .signer = TSAPKI_SIGNER_CRIT, .no_cert_req = 1, .trust = TRUST_CRIT_TSA,
	    .want = REASON_UNTRUSTED, .want_msg = "unhandled critical extension"),
	GEN(tsa_certificate_with_unknown_non_critical_extension_is_up,
	    .signer = TSAPKI_SIGNER_NONCRIT, .want = REASON_OK),
};

#pragma GCC diagnostic pop

/* ---- garbage and odd shapes ---- */

static void
assert_malformed(const unsigned char *der, size_t len, int token)
{
	struct conf_endpoint	 ep;
	struct tsa_sent		 sent = { .digest = digest, .digest_len = 32,
				    .hash_nid = NID_sha256 };
	struct result		 r;
	STACK_OF(X509)		*trust = tsapki_stack(pki->root, NULL);

	ep_init(&ep, trust);
	result_init(&r, &ep, T0);
	if (token)
		tsa_evaluate_token(der, len, &ep, &sent, T0, &r);
	else
		tsa_evaluate(der, len, &ep, &sent, T0, &r);
	assert_reason(&r, REASON_MALFORMED, NULL);
	result_clear(&r);
	sk_X509_pop_free(trust, X509_free);
}

static void
garbage_empty_truncated_or_padded_responses_are_malformed(void **state)
{
	static const unsigned char junk[] = "HTTP/1.1 200 OK\r\n\r\n<html>";
	struct tsapki_opts	 o = { .digest = digest, .digest_len = 32, .gen_ms = T0,
				    .failure = -1 };
	unsigned char		*der, *pad;
	size_t			 len, cut, off, tlen;

	(void)state;
	assert_malformed(junk, sizeof(junk) - 1, 0);
	assert_malformed(junk, sizeof(junk) - 1, 1);
	assert_malformed(junk, 0, 0);
	assert_malformed(NULL, 0, 1);
	der = tsapki_response(pki, &o, &len);
	assert_non_null(der);
	for (cut = 1; cut < len; cut += len / 7)
		assert_malformed(der, cut, 0);
	pad = xmalloc(len + 1);
	memcpy(pad, der, len);
	pad[len] = 0;
	assert_malformed(pad, len + 1, 0);
	assert_int_equal(tsapki_token_span(der, len, &off, &tlen), 0);
	assert_malformed(der + off, tlen, 0);		/* a token is not a response */
	assert_malformed(der, len, 1);			/* a response is not a token */
	free(pad);
	free(der);
}

static void
granted_response_without_a_token_is_malformed(void **state)
{
	TS_RESP		*resp = TS_RESP_new();
	TS_STATUS_INFO	*si = TS_STATUS_INFO_new();
	unsigned char	*der = NULL;
	int		 n;

	(void)state;
	assert_true(TS_STATUS_INFO_set_status(si, TS_STATUS_GRANTED));
	assert_true(TS_RESP_set_status_info(resp, si));
	n = i2d_TS_RESP(resp, &der);
	assert_true(n > 0);
	assert_malformed(der, (size_t)n, 0);
	OPENSSL_free(der);
	TS_STATUS_INFO_free(si);
	TS_RESP_free(resp);
}

/* ---- real-world vectors at their "now" ---- */

struct rw_case {
	const char	*file;
	int		 is_resp;
	const char	*data;		/* imprint = SHA-256 of this file */
	const char	*digest_file;	/* imprint = these bytes */
	const char	*digest_hex;	/* imprint = this */
	const char	*tsq;		/* nonce from this request */
	const char	*nonce_hex;	/* nonce we claim to have sent */
	int		 hash_nid;	/* of data and of what we sent; 0 = sha256 */
	const char	*trust;
	const char	*now;		/* RFC 3339 */
	const char	*now_file;	/* a file holding the RFC 3339 "now" */
	int64_t		 now_shift_ms;
	const char	*expect_policy;
	int		 alter_sig;
	enum reason	 want;
	const char	*want_msg;
	int		 qualified;	/* 1, 0, or -1 = not checked */
	const char	*gen_time, *serial, *policy;
	int64_t		 accuracy_ms;
};

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *data = NULL;

	assert_int_equal(file_read(path, 1 << 24, &data, len), 0);
	return data;
}

static void
run_rw_case(void **state)
{
	const struct rw_case	*c = *state;
	struct conf_endpoint	 ep;
	struct tsa_sent		 sent;
	struct result		 r;
	STACK_OF(X509)		*trust = tsapki_load_pem(c->trust);
	unsigned char		*der, *data, md[EVP_MAX_MD_SIZE], *q;
	const unsigned char	*p;
	BIGNUM			*bn = NULL;
	TS_REQ			*tsq;
	size_t			 len, dlen, off, tlen;
	unsigned int		 mdlen = 0;
	int64_t			 now;
	long			 hl;

	assert_non_null(trust);
	memset(&sent, 0, sizeof(sent));
	sent.hash_nid = c->hash_nid != 0 ? c->hash_nid : NID_sha256;
	if (c->data != NULL) {
		data = slurp(c->data, &dlen);
		assert_true(EVP_Digest(data, dlen, md, &mdlen, EVP_get_digestbynid(sent.hash_nid),
		    NULL));
		free(data);
	} else if (c->digest_file != NULL) {
		data = slurp(c->digest_file, &dlen);
		assert_int_equal(dlen, 32);
		memcpy(md, data, dlen);
		mdlen = (unsigned int)dlen;
		free(data);
	} else {
		q = OPENSSL_hexstr2buf(c->digest_hex, &hl);
		assert_non_null(q);
		memcpy(md, q, (size_t)hl);
		mdlen = (unsigned int)hl;
		OPENSSL_free(q);
	}
	sent.digest = md;
	sent.digest_len = mdlen;
	if (c->tsq != NULL) {
		data = slurp(c->tsq, &dlen);
		p = data;
		assert_non_null(tsq = d2i_TS_REQ(NULL, &p, (long)dlen));
		bn = ASN1_INTEGER_to_BN(TS_REQ_get_nonce(tsq), NULL);
		TS_REQ_free(tsq);
		free(data);
	} else if (c->nonce_hex != NULL)
		assert_true(BN_hex2bn(&bn, c->nonce_hex) > 0);
	sent.nonce = bn;

	ep_init(&ep, trust);
	ep.expect.policy = (char *)c->expect_policy;
	if (c->now_file != NULL) {
		data = slurp(c->now_file, &dlen);
		data[strcspn((char *)data, "\n")] = '\0';
		assert_int_equal(rfc3339_parse((char *)data, &now), 0);
		free(data);
	} else
		assert_int_equal(rfc3339_parse(c->now, &now), 0);
	now += c->now_shift_ms;
	der = slurp(c->file, &len);
	result_init(&r, &ep, now);
	if (c->alter_sig) {
		off = 0;
		tlen = len;
		if (c->is_resp)
			assert_int_equal(tsapki_token_span(der, len, &off, &tlen), 0);
		assert_int_equal(tsapki_alter_signature(der + off, tlen), 0);
	}
	if (c->is_resp)
		tsa_evaluate(der, len, &ep, &sent, now, &r);
	else
		tsa_evaluate_token(der, len, &ep, &sent, now, &r);
	assert_reason(&r, c->want, c->want_msg);
	if (c->qualified >= 0)
		assert_int_equal(json_is_true(json_object_get(r.details, "qualified")),
		    c->qualified);
	if (c->gen_time != NULL)
		assert_detail(&r, "gen_time", c->gen_time);
	if (c->serial != NULL)
		assert_detail(&r, "serial", c->serial);
	if (c->policy != NULL)
		assert_detail(&r, "policy", c->policy);
	if (c->accuracy_ms != 0)
		assert_int_equal(json_integer_value(json_object_get(r.details, "accuracy_ms")),
		    c->accuracy_ms);
	result_clear(&r);
	free(der);
	BN_free(bn);
	sk_X509_pop_free(trust, X509_free);
}

#define YEAR_MS (365LL * 24 * 3600 * 1000)
#define RW_DTRUST .file = RW "tst-dtrust-tsu12-qualified-pss.tst", \
	.data = RW "tst-dtrust-tsu12-qualified-pss.data", \
	.trust = RW "dtrust-root-ca-1-2017.pem", .now = "2018-05-23T13:18:29Z"
#define RW_APED .file = RW "tst-aped-qtsu-b-2022-qualified.tst", \
	.data = RW "tst-aped-qtsu-b-2022-qualified.data", \
	.nonce_hex = "-1EB7A7432063E91AEE8DFABDF63319EA06962B6D2AE9759CBA404C0004574AF0", \
	.trust = RW "aped-global-root-ca.pem", .now = "2023-09-05T08:39:23Z"
#define RW_BALT .file = RW "tst-baltstamp-qtsa-tsu1-qualified.tst", \
	.data = RW "tst-baltstamp-qtsa-tsu1-qualified.data", \
	.nonce_hex = "-6DEADCBBD5DA2B7C581DDAE74324687CBDA76C05A1777F5FFF51E3581CB55B10", \
	.trust = RW "globaltrust-2015-root.pem", .now = "2023-09-05T08:39:08.787Z"
#define RW_UNIV .file = RW "tst-universign-tsu018.tst", \
	.data = RW "tst-universign-tsu018.data", .nonce_hex = "DA8069D89090AFB7", \
	.trust = RW "universign-timestamping-ca-2015.pem", .now = "2017-05-31T05:05:46.843Z"
#define RW_GSIGN .file = RW "tsr-globalsign-adobe-cds-g2-nonce.tsr", .is_resp = 1, \
	.digest_file = RW "tsr-globalsign-adobe-cds-g2-nonce.digest", \
	.trust = RW "globalsign-primary-sha256-ca-for-adobe.pem", .now = "2017-04-19T06:29:53Z"
#define RW_EUROCERT .file = RW "tst-eurocert-qtsa-bad-ess-and-policy.tst", \
	.digest_hex = "18be035e522c89bb459dd407ec6ed80d519d1613e70d0b824fbf156044323611", \
	.nonce_hex = "5D9A91929CD476A2", .trust = RW "nccert-nbp-root.pem", \
	.now = "2022-05-31T09:21:25Z"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"

#define OSSL "tests/fixtures/tsa/"
#define OSSL_RSA .file = OSSL "rsa.tsr", .is_resp = 1, .data = OSSL "data.txt", \
	.tsq = OSSL "rsa.tsq", .trust = OSSL "root.pem", .now_file = OSSL "rsa.now"

#define RWT(n, ...) { .name = #n, .test_func = run_rw_case, \
	.initial_state = &(struct rw_case){ .qualified = -1, __VA_ARGS__ } }

static const struct CMUnitTest rw_tests[] = {
	RWT(dtrust_pss_token_is_valid_and_qualified, RW_DTRUST, .want = REASON_OK,
	    .qualified = 1, .gen_time = "2018-05-23T13:18:29Z", .accuracy_ms = 1000,
	    .serial = "7DCF141188032B05112E05D334B8FD29", .policy = "0.4.0.2023.1.1"),
	RWT(dtrust_pss_token_with_altered_signature_is_signature_invalid, RW_DTRUST,
	    .alter_sig = 1, .want = REASON_SIGNATURE_INVALID),
	RWT(dtrust_pss_token_a_year_later_is_clock_skew, RW_DTRUST, .now_shift_ms = YEAR_MS,
	    .want = REASON_CLOCK_SKEW),
	RWT(aped_token_with_its_negative_nonce_is_valid_and_qualified, RW_APED,
	    .want = REASON_OK, .qualified = 1, .serial = "9A0F41A1A736",
	    .policy = "1.2.300.0.110001.2.1.2", .gen_time = "2023-09-05T08:39:23Z"),
	RWT(aped_token_with_its_policy_expected_is_up, RW_APED,
	    .expect_policy = "1.2.300.0.110001.2.1.2", .want = REASON_OK),
	RWT(aped_token_with_another_policy_expected_is_policy_mismatch, RW_APED,
	    .expect_policy = "0.4.0.2023.1.1", .want = REASON_POLICY_MISMATCH),
	RWT(aped_token_under_another_root_is_untrusted, RW_APED,
	    .trust = RW "dtrust-root-ca-1-2017.pem", .want = REASON_UNTRUSTED),
	RWT(baltstamp_token_is_qualified_with_200ms_accuracy, RW_BALT, .want = REASON_OK,
	    .qualified = 1, .accuracy_ms = 200, .gen_time = "2023-09-05T08:39:08.787Z"),
	RWT(baltstamp_token_350ms_off_is_within_skew_plus_accuracy, RW_BALT,
	    .now_shift_ms = 1150, .want = REASON_OK),
	RWT(baltstamp_token_1250ms_off_is_clock_skew, RW_BALT, .now_shift_ms = 1250,
	    .want = REASON_CLOCK_SKEW),
	RWT(universign_token_with_ess_v1_is_valid_and_not_qualified, RW_UNIV,
	    .want = REASON_OK, .qualified = 0, .accuracy_ms = 1,
	    .policy = "1.3.6.1.4.1.15819.5.2.2", .gen_time = "2017-05-31T05:05:46.843Z"),
	RWT(universign_token_with_another_nonce_is_nonce_mismatch, RW_UNIV,
	    .nonce_hex = "DA8069D89090AFB8", .want = REASON_NONCE_MISMATCH),
	RWT(universign_token_with_another_digest_is_imprint_mismatch, RW_UNIV,
	    .data = RW "tst-aped-qtsu-b-2022-qualified.data", .want = REASON_IMPRINT_MISMATCH),
	RWT(globalsign_response_with_its_request_nonce_is_valid, RW_GSIGN,
	    .tsq = RW "tsr-globalsign-adobe-cds-g2-nonce.tsq", .want = REASON_OK,
	    .qualified = 0, .policy = "1.3.6.1.4.1.4146.2.1", .accuracy_ms = 1000),
	RWT(globalsign_response_with_another_nonce_is_nonce_mismatch, RW_GSIGN,
	    .nonce_hex = "092EF19FFB5D2AE9", .want = REASON_NONCE_MISMATCH),
	RWT(globalsign_response_with_altered_signature_is_signature_invalid, RW_GSIGN,
	    .tsq = RW "tsr-globalsign-adobe-cds-g2-nonce.tsq", .alter_sig = 1,
	    .want = REASON_SIGNATURE_INVALID),
	RWT(eurocert_token_with_ess_refs_to_the_root_is_untrusted, RW_EUROCERT,
	    .want = REASON_UNTRUSTED, .want_msg = "ESS", .qualified = 1),
	RWT(openssl_ts_reply_rsa_with_ess_v1_is_valid, OSSL_RSA, .want = REASON_OK,
	    .qualified = 0, .policy = "1.3.6.1.4.1.99999.2.1", .accuracy_ms = 1500),
	RWT(openssl_ts_reply_rsa_trusted_at_its_ca_alone_is_up, OSSL_RSA,
	    .trust = OSSL "ca.pem", .want = REASON_OK),
	RWT(openssl_ts_reply_rsa_with_altered_signature_is_signature_invalid, OSSL_RSA,
	    .alter_sig = 1, .want = REASON_SIGNATURE_INVALID),
	RWT(openssl_ts_reply_rsa_a_minute_later_is_clock_skew, OSSL_RSA,
	    .now_shift_ms = 60000, .want = REASON_CLOCK_SKEW),
	RWT(openssl_ts_reply_p384_sha512_with_ess_v2_chain_is_valid, .file = OSSL "ec.tsr",
	    .is_resp = 1, .data = OSSL "data.txt", .hash_nid = NID_sha512,
	    .tsq = OSSL "ec.tsq", .trust = OSSL "root.pem", .now_file = OSSL "ec.now",
	    .want = REASON_OK, .policy = "1.3.6.1.4.1.99999.2.2", .accuracy_ms = 250),
	RWT(openssl_ts_reply_refusing_sha1_is_rejected_with_bad_alg, .file = OSSL "sha1.tsr",
	    .is_resp = 1, .data = OSSL "data.txt", .hash_nid = NID_sha1,
	    .trust = OSSL "root.pem", .now_file = OSSL "rsa.now", .want = REASON_REJECTED,
	    .want_msg = "rejection (badAlg): Message digest algorithm is not supported."),
};

#pragma GCC diagnostic pop

/* ---- probe_ops round trip ---- */

static void
run_ops(int hash_nid, long http_status, enum reason want)
{
	const struct probe_ops	*ops = &probe_tsa_ops;
	struct conf_endpoint	 ep;
	struct probe_request	 req = { 0 }, next = { 0 };
	struct probe_response	 resp = { 0 };
	struct tsapki_opts	 o = { .failure = -1, .gen_ms = T0 };
	struct result		 r;
	STACK_OF(X509)		*trust = tsapki_stack(pki->root, NULL);
	const unsigned char	*p;
	TS_REQ			*tsq;
	unsigned char		*der;
	size_t			 len;
	void			*st;

	ep_init(&ep, trust);
	ep.hash_nid = hash_nid;
	result_init(&r, &ep, T0);
	st = ops->start(&ep, NULL, &req, &r);
	assert_non_null(st);
	assert_string_equal(req.url, ep.url);
	assert_int_equal(req.post, 1);
	assert_string_equal(req.content_type, "application/timestamp-query");
	assert_string_equal(req.accept, "application/timestamp-reply");
	p = req.body;
	assert_non_null(tsq = d2i_TS_REQ(NULL, &p, (long)req.body_len));
	assert_int_equal(TS_REQ_get_cert_req(tsq), 1);
	assert_non_null(TS_REQ_get_nonce(tsq));
	assert_int_equal(TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(tsq))->length,
	    EVP_MD_get_size(EVP_get_digestbynid(hash_nid)));
	TS_REQ_free(tsq);

	o.req_der = req.body;
	o.req_len = req.body_len;
	assert_non_null(der = tsapki_response(pki, &o, &len));
	resp.http_status = http_status;
	resp.body = der;
	resp.len = len;
	resp.rtt_ms = 40.0;
	assert_int_equal(ops->finish(st, &ep, &resp, T0 + 500, &next, &r), 0);
	assert_null(next.url);
	assert_reason(&r, want, NULL);
	ops->free_state(st);
	probe_request_clear(&req);
	result_clear(&r);
	free(der);
	sk_X509_pop_free(trust, X509_free);
}

static void
probe_round_trip_with_sha256_is_up(void **state)
{
	(void)state;
	run_ops(NID_sha256, 200, REASON_OK);
}

static void
probe_round_trip_with_sha512_is_up(void **state)
{
	(void)state;
	run_ops(NID_sha512, 200, REASON_OK);
}

static void
probe_answered_with_http_500_is_http_status(void **state)
{
	(void)state;
	run_ops(NID_sha256, 500, REASON_HTTP_STATUS);
}

/* Asserts that two requests differ in both digest and nonce. */
static void
assert_fresh(const struct probe_request *a, const struct probe_request *b)
{
	const unsigned char	*pa = a->body, *pb = b->body;
	TS_REQ			*ra, *rb;
	ASN1_OCTET_STRING	*da, *db;

	assert_non_null(ra = d2i_TS_REQ(NULL, &pa, (long)a->body_len));
	assert_non_null(rb = d2i_TS_REQ(NULL, &pb, (long)b->body_len));
	da = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(ra));
	db = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(rb));
	assert_int_not_equal(ASN1_OCTET_STRING_cmp(da, db), 0);
	assert_int_not_equal(ASN1_INTEGER_cmp(TS_REQ_get_nonce(ra), TS_REQ_get_nonce(rb)), 0);
	TS_REQ_free(ra);
	TS_REQ_free(rb);
}

static void
probe_sends_a_fresh_digest_and_nonce_each_time(void **state)
{
	struct conf_endpoint	 ep;
	struct probe_request	 a = { 0 }, b = { 0 };
	struct result		 r;
	void			*sa, *sb;

	(void)state;
	ep_init(&ep, NULL);
	result_init(&r, &ep, T0);
	sa = probe_tsa_ops.start(&ep, NULL, &a, &r);
	sb = probe_tsa_ops.start(&ep, NULL, &b, &r);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_fresh(&a, &b);
	probe_tsa_ops.free_state(sa);
	probe_tsa_ops.free_state(sb);
	probe_tsa_ops.free_state(NULL);
	probe_request_clear(&a);
	probe_request_clear(&b);
	result_clear(&r);
}

static const char *const rw_tokens[] = {
	RW "tst-aped-qtsu-b-2022-qualified.tst", RW "tst-baltstamp-qtsa-tsu1-qualified.tst",
	RW "tst-dtrust-tsu12-qualified-pss.tst", RW "tst-eurocert-qtsa-bad-ess-and-policy.tst",
	RW "tst-universign-tsu018.tst",
};

/*
 * The fast token parser (certificates cut out, taken from the cache, added back) yields
 * what OpenSSL's parse does: for every real token, both re-encode to the same bytes, and
 * both carry the same certificates in the same order.
 */
static void
token_parse_agrees_with_openssl_on_real_tokens(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(rw_tokens); i++) {
		size_t len;
		unsigned char *der = slurp(rw_tokens[i], &len), *out = NULL, *want = NULL;
		const unsigned char *p = der;
		CMS_ContentInfo *cms = tsa_token_parse(der, len);
		CMS_ContentInfo *ref = d2i_CMS_ContentInfo(NULL, &p, (long)len);
		STACK_OF(X509) *certs, *rcerts;
		int n, m;

		assert_non_null(cms);
		assert_non_null(ref);
		n = i2d_CMS_ContentInfo(cms, &out);
		m = i2d_CMS_ContentInfo(ref, &want);
		assert_true(n > 0 && n == m);
		assert_memory_equal(out, want, (size_t)n);
		assert_non_null(certs = CMS_get1_certs(cms));
		assert_non_null(rcerts = CMS_get1_certs(ref));
		assert_true(sk_X509_num(certs) >= 1);
		assert_int_equal(sk_X509_num(certs), sk_X509_num(rcerts));
		for (int k = 0; k < sk_X509_num(certs); k++)
			assert_int_equal(X509_cmp(sk_X509_value(certs, k),
			    sk_X509_value(rcerts, k)), 0);
		sk_X509_pop_free(certs, X509_free);
		sk_X509_pop_free(rcerts, X509_free);
		OPENSSL_free(out);
		OPENSSL_free(want);
		CMS_ContentInfo_free(cms);
		CMS_ContentInfo_free(ref);
		free(der);
	}
}

/* A certificate seen before is not parsed again: two parses share the X509. */
static void
token_parse_reuses_certificates(void **state)
{
	size_t len;
	unsigned char *der = slurp(rw_tokens[0], &len);
	CMS_ContentInfo *a = tsa_token_parse(der, len), *b = tsa_token_parse(der, len);
	STACK_OF(X509) *ca, *cb;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	ca = CMS_get1_certs(a);
	cb = CMS_get1_certs(b);
	assert_ptr_equal(sk_X509_value(ca, 0), sk_X509_value(cb, 0));
	sk_X509_pop_free(ca, X509_free);
	sk_X509_pop_free(cb, X509_free);
	CMS_ContentInfo_free(a);
	CMS_ContentInfo_free(b);
	free(der);
}

/*
 * What is not plain DER of RFC 5652's shape goes to OpenSSL (NULL), and the evaluator
 * still judges it as OpenSSL's parse allows: trailing bytes and a broken certificate are
 * malformed.
 */
static void
token_parse_leaves_odd_encodings_to_openssl(void **state)
{
	size_t len, at;
	unsigned char *der = slurp(rw_tokens[0], &len), *odd = malloc(len + 1), *xd = NULL;
	const unsigned char *p = der;
	CMS_ContentInfo *ref = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(X509) *certs = CMS_get1_certs(ref);
	struct conf_endpoint ep = { 0 };
	struct tsa_sent sent = { 0 };
	struct result r;
	int xn;

	(void)state;
	memcpy(odd, der, len);
	odd[len] = 0;
	assert_null(tsa_token_parse(odd, len + 1));
	assert_null(tsa_token_parse(der, len - 1));
	assert_null(tsa_token_parse(der, 0));
	assert_null(tsa_token_parse((const unsigned char *)"<html>", 6));
	xn = i2d_X509(sk_X509_value(certs, 0), &xd);
	assert_true(xn > 0);
	for (at = 0; at + (size_t)xn <= len && memcmp(der + at, xd, (size_t)xn) != 0; at++)
		;
	assert_true(at + (size_t)xn <= len);
	odd[at] = 0x31;
	assert_null(tsa_token_parse(odd, len));
	ep.kind = KIND_TSA;
	sent.hash_nid = NID_sha256;
	result_init(&r, &ep, 0);
	tsa_evaluate_token(odd, len + 1, &ep, &sent, 0, &r);
	assert_int_equal(r.reason, REASON_MALFORMED);
	result_clear(&r);
	result_init(&r, &ep, 0);
	tsa_evaluate_token(odd, len, &ep, &sent, 0, &r);
	assert_int_equal(r.reason, REASON_MALFORMED);
	result_clear(&r);
	OPENSSL_free(xd);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(ref);
	free(odd);
	free(der);
}

static const struct CMUnitTest other_tests[] = {
	cmocka_unit_test(garbage_empty_truncated_or_padded_responses_are_malformed),
	cmocka_unit_test(granted_response_without_a_token_is_malformed),
	cmocka_unit_test(probe_round_trip_with_sha256_is_up),
	cmocka_unit_test(probe_round_trip_with_sha512_is_up),
	cmocka_unit_test(probe_answered_with_http_500_is_http_status),
	cmocka_unit_test(probe_sends_a_fresh_digest_and_nonce_each_time),
	cmocka_unit_test(token_parse_agrees_with_openssl_on_real_tokens),
	cmocka_unit_test(token_parse_reuses_certificates),
	cmocka_unit_test(token_parse_leaves_odd_encodings_to_openssl),
};

int
main(void)
{
	int fails = 0;

	fails += _cmocka_run_group_tests("tsa_generated", gen_tests, NELEM(gen_tests),
	    group_setup, group_teardown);
	fails += _cmocka_run_group_tests("tsa_realworld", rw_tests, NELEM(rw_tests),
	    NULL, NULL);
	fails += _cmocka_run_group_tests("tsa_other", other_tests, NELEM(other_tests),
	    group_setup, group_teardown);
	return fails != 0;
}
