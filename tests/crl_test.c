/*
 * crl: the pure evaluator on CRLs signed at test time by a generated PKI
 * (tests/support/pki_gen.c), on the real-world CRLs at their "now" and after their
 * nextUpdate, and the probe_ops path. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "core/result.h"
#include "core/util.h"
#include "probe/crl.h"
#include "probe/ocsp_consistency.h"
#include "tests/support/pki_gen.h"

#define NOW		1797494400000LL		/* 2026-12-17T08:00:00Z */
#define HOUR_MS		(3600LL * 1000)
#define RW		"tests/fixtures/realworld/"

static struct pkigen *pki;

/* One generated-PKI case: the defaults (fix_init) changed by tweak, then evaluated. */
struct crl_fix {
	struct pkigen_crl c;
	struct conf_endpoint ep;
	const char	*last;			/* last stored CRL number */
	const unsigned char *raw;		/* evaluated instead of c when set */
	size_t		 raw_len;
	int		 truncate;
};

struct crl_case {
	const char	*name;
	void		(*tweak)(struct crl_fix *);
	enum reason	 want;
	const char	*number;		/* expected details.number, NULL = unchecked */
	const char	*message;		/* substring of the message, NULL = unchecked */
};

static void
fix_init(struct crl_fix *f)
{
	memset(f, 0, sizeof(*f));
	f->c.issuer = pki->ca;
	f->c.key = pki->ca_key;
	f->c.this_update = NOW - HOUR_MS;
	f->c.next_update = NOW + 24 * HOUR_MS;
	f->c.number = "42";
	f->c.n_revoked = 3;
	f->ep.id = "crl";
	f->ep.kind = KIND_CRL;
	f->ep.url = "http://crl.test/ca.crl";
	f->ep.issuer = pki->ca;
	f->ep.expect.max_age_ms = 7 * PKIGEN_DAY_MS;
	f->ep.expect.min_remaining_ms = HOUR_MS;
}

static void t_none(struct crl_fix *f) { (void)f; }
static void t_pem(struct crl_fix *f) { f->c.pem = 1; }
static void t_garbage(struct crl_fix *f) { f->raw = (const unsigned char *)"<html>404</html>"; f->raw_len = 16; }
static void t_empty(struct crl_fix *f) { f->raw = (const unsigned char *)""; f->raw_len = 0; }
static void t_truncated(struct crl_fix *f) { f->truncate = 1; }
static void t_pem_truncated(struct crl_fix *f) { f->c.pem = 1; f->truncate = 1; }
static void t_no_next(struct crl_fix *f) { f->c.next_update = 0; }
static void t_wrong_issuer(struct crl_fix *f) { f->c.issuer = pki->rogue_ca; f->c.key = pki->rogue_key; }
static void t_namesake(struct crl_fix *f) { f->c.issuer = pki->namesake_ca; f->c.key = pki->rogue_key; }
static void t_flip(struct crl_fix *f) { f->c.flip_signature = 1; }
static void t_flip_pem(struct crl_fix *f) { f->c.flip_signature = 1; f->c.pem = 1; }
static void t_no_crl_sign(struct crl_fix *f) { f->ep.issuer = pki->no_crl_sign_ca; }
static void t_stale(struct crl_fix *f) { f->c.this_update = NOW - 8 * PKIGEN_DAY_MS; }
static void
t_expired(struct crl_fix *f)
{
	f->c.this_update = NOW - 2 * PKIGEN_DAY_MS;
	f->c.next_update = NOW - 1000;
}
static void t_short(struct crl_fix *f) { f->c.next_update = NOW + 30 * 60 * 1000; }
static void t_regressed(struct crl_fix *f) { f->last = "43"; }
static void t_same_number(struct crl_fix *f) { f->last = "42"; }
static void t_higher_number(struct crl_fix *f) { f->last = "41"; }
static void
t_big_regressed(struct crl_fix *f)
{
	f->c.number = "1180591620717411303425";	/* 2^70 + 1 */
	f->last = "1180591620717411303426";
}
static void
t_big_advanced(struct crl_fix *f)
{
	f->c.number = "1180591620717411303425";
	f->last = "18446744073709551616";	/* 2^64 */
}
static void t_bad_last(struct crl_fix *f) { f->last = "forty-three"; }
static void t_no_number(struct crl_fix *f) { f->c.number = NULL; f->last = "43"; }
static void t_regressed_and_expired(struct crl_fix *f) { t_regressed(f); t_expired(f); }
static void t_wrong_issuer_regressed(struct crl_fix *f) { t_wrong_issuer(f); t_regressed(f); }

/* Critical extensions (RFC 5280 §5.2, §5.3) of a type known to nobody. */
#define UNKNOWN_OID	PKIGEN_UNKNOWN_OID
static void t_crit_ext(struct crl_fix *f) { f->c.ext_oid = UNKNOWN_OID; f->c.ext_critical = 1; }
static void t_plain_ext(struct crl_fix *f) { f->c.ext_oid = UNKNOWN_OID; }
static void t_crit_entry(struct crl_fix *f) { f->c.entry_ext_oid = UNKNOWN_OID; f->c.entry_ext_critical = 1; }
static void t_plain_entry(struct crl_fix *f) { f->c.entry_ext_oid = UNKNOWN_OID; }
/* freshestCRL is known to OpenSSL by name, but not processed here. */
static void t_crit_freshest(struct crl_fix *f) { f->c.ext_oid = "2.5.29.46"; f->c.ext_critical = 1; }
static void t_crit_known(struct crl_fix *f) { f->c.idp_critical = 1; f->c.reason_critical = 1; }
static void
t_crit_entry_last_of_many(struct crl_fix *f)
{
	t_crit_entry(f);
	f->c.n_revoked = 30000;
}

static const struct crl_case cases[] = {
	{ "crl_der_signed_by_the_issuer_is_ok", t_none, REASON_OK, "42", NULL },
	{ "crl_pem_signed_by_the_issuer_is_ok", t_pem, REASON_OK, "42", NULL },
	{ "crl_garbage_is_malformed", t_garbage, REASON_MALFORMED, NULL, "DER or PEM" },
	{ "crl_empty_body_is_malformed", t_empty, REASON_MALFORMED, NULL, NULL },
	{ "crl_truncated_der_is_malformed", t_truncated, REASON_MALFORMED, NULL, NULL },
	{ "crl_truncated_pem_is_malformed", t_pem_truncated, REASON_MALFORMED, NULL, NULL },
	{ "crl_without_next_update_is_malformed", t_no_next, REASON_MALFORMED, NULL, "nextUpdate" },
	{ "crl_from_another_issuer_is_untrusted", t_wrong_issuer, REASON_UNTRUSTED, NULL, "issuer name" },
	{ "crl_from_issuer_without_crl_sign_is_untrusted", t_no_crl_sign, REASON_UNTRUSTED, NULL, "cRLSign" },
	{ "crl_named_for_the_issuer_but_signed_by_another_key_is_signature_invalid", t_namesake, REASON_SIGNATURE_INVALID, NULL, NULL },
	{ "crl_with_altered_signature_is_signature_invalid", t_flip, REASON_SIGNATURE_INVALID, NULL, NULL },
	{ "crl_pem_with_altered_signature_is_signature_invalid", t_flip_pem, REASON_SIGNATURE_INVALID, NULL, NULL },
	{ "crl_older_than_max_age_is_stale", t_stale, REASON_STALE, NULL, "max_age" },
	{ "crl_with_past_next_update_is_expired", t_expired, REASON_EXPIRED, NULL, "nextUpdate" },
	{ "crl_with_next_update_closer_than_min_remaining_is_stale", t_short, REASON_STALE, NULL, "min_remaining" },
	{ "crl_with_lower_number_than_last_is_regressed", t_regressed, REASON_REGRESSED, "42", "43" },
	{ "crl_regressed_is_reported_before_expired", t_regressed_and_expired, REASON_REGRESSED, NULL, NULL },
	{ "crl_with_same_number_as_last_is_ok", t_same_number, REASON_OK, "42", NULL },
	{ "crl_with_higher_number_than_last_is_ok", t_higher_number, REASON_OK, "42", NULL },
	{ "crl_number_beyond_64_bits_that_went_back_is_regressed", t_big_regressed, REASON_REGRESSED, "1180591620717411303425", NULL },
	{ "crl_number_beyond_64_bits_that_advanced_is_ok", t_big_advanced, REASON_OK, "1180591620717411303425", NULL },
	{ "crl_with_unreadable_last_number_is_ok", t_bad_last, REASON_OK, "42", NULL },
	{ "crl_without_number_is_ok_and_records_none", t_no_number, REASON_OK, NULL, NULL },
	{ "crl_from_another_issuer_records_no_number", t_wrong_issuer_regressed, REASON_UNTRUSTED, NULL, NULL },
	/* Critical extensions: PKITS 4.4.8 (entry) and 4.4.9/4.4.10 (CRL). */
	{ "crl_with_unknown_critical_extension_is_malformed_naming_it", t_crit_ext, REASON_MALFORMED, NULL, "CRL carries critical extension " UNKNOWN_OID },
	{ "crl_with_critical_freshest_crl_is_malformed_naming_it", t_crit_freshest, REASON_MALFORMED, NULL, "2.5.29.46 (freshestCRL)" },
	{ "crl_with_unknown_non_critical_extension_is_ok", t_plain_ext, REASON_OK, "42", NULL },
	{ "crl_entry_with_unknown_critical_extension_is_malformed_naming_serial", t_crit_entry, REASON_MALFORMED, NULL, "CRL entry for serial 03 carries critical extension " UNKNOWN_OID },
	{ "crl_entry_with_unknown_non_critical_extension_is_ok", t_plain_entry, REASON_OK, "42", NULL },
	{ "crl_with_critical_idp_and_critical_reason_codes_is_ok", t_crit_known, REASON_OK, "42", NULL },
	{ "crl_last_of_30000_entries_with_unknown_critical_extension_is_malformed", t_crit_entry_last_of_many, REASON_MALFORMED, NULL, "serial 7530 " },
};

static const char *
detail_str(const struct result *r, const char *key)
{
	return json_string_value(json_object_get(r->details, key));
}

static void
run_case(void **state)
{
	const struct crl_case *c = *state;
	struct crl_fix f;
	struct result r;
	unsigned char *data;
	size_t len;

	fix_init(&f);
	c->tweak(&f);
	if (f.raw != NULL) {
		data = malloc(f.raw_len + 1);
		memcpy(data, f.raw, f.raw_len);
		len = f.raw_len;
	} else
		data = pkigen_crl(&f.c, &len);
	if (f.truncate)
		len /= 2;
	result_init(&r, &f.ep, NOW);
	crl_evaluate(data, len, &f.ep, f.last, NOW, &r);
	if (r.reason != c->want)
		print_error("%s: got %s (%s)\n", c->name, reason_names[r.reason],
		    r.message ? r.message : "");
	assert_int_equal(r.reason, c->want);
	assert_int_equal(r.status, reason_status(c->want));
	if (c->want != REASON_OK)
		assert_non_null(r.message);
	if (c->message != NULL)
		assert_non_null(strstr(r.message, c->message));
	if (c->number != NULL)
		assert_string_equal(detail_str(&r, "number"), c->number);
	/* A CRL we may not use (unprocessed critical extension) records no number. */
	if (f.c.number == NULL || c->want == REASON_UNTRUSTED ||
	    (c->want == REASON_MALFORMED && (f.c.ext_critical || f.c.entry_ext_critical)))
		assert_null(json_object_get(r.details, "number"));
	assert_int_equal(json_integer_value(json_object_get(r.details, "size")), (json_int_t)len);
	result_clear(&r);
	free(data);
}

static void
crl_details_record_number_entries_size_and_times(void **state)
{
	struct crl_fix f;
	struct result r;
	unsigned char *data;
	size_t len;

	(void)state;
	fix_init(&f);
	data = pkigen_crl(&f.c, &len);
	result_init(&r, &f.ep, NOW);
	crl_evaluate(data, len, &f.ep, NULL, NOW, &r);
	assert_int_equal(r.reason, REASON_OK);
	assert_string_equal(detail_str(&r, "number"), "42");
	assert_int_equal(json_integer_value(json_object_get(r.details, "entries")), 3);
	assert_int_equal(json_integer_value(json_object_get(r.details, "size")), (json_int_t)len);
	assert_string_equal(detail_str(&r, "this_update"), "2026-12-17T07:00:00Z");
	assert_string_equal(detail_str(&r, "next_update"), "2026-12-18T08:00:00Z");
	result_clear(&r);
	free(data);
}

/* A real-world CRL, its issuer, the "now" it is valid at and the max_age it fits. */
struct rw_case {
	const char	*name;
	const char	*file, *issuer;
	const char	*now;
	int64_t		 max_age_days;
	enum reason	 want;
	const char	*number;
	int		 entries;
	int		 flip_last;		/* alter the file's last byte (its signature) */
};

static const struct rw_case rw_cases[] = {
	{ "crl_luxtrust_qca3_with_30168_entries_is_ok_at_its_now",
	  "crl-luxtrust-qca3-2017.crl", "luxtrust-global-qualified-ca-3.pem",
	  "2017-06-01T06:00:00Z", 7, REASON_OK, "19654", 30168, 0 },
	{ "crl_luxtrust_global_root_sha1_is_ok_at_its_now",
	  "crl-luxtrust-global-root-2015.crl", "luxtrust-global-root.pem",
	  "2015-06-01T00:00:00Z", 120, REASON_OK, "21", 4, 0 },
	{ "crl_ua_justice_ecdsa_p256_is_ok_at_its_now",
	  "crl-ua-justice-ecdsa-full.crl", "ua-justice-ecdsa-ca.pem",
	  "2019-05-30T00:00:00Z", 7, REASON_OK, "47764", 246, 0 },
	{ "crl_ee_govca_ecdsa_p521_is_ok_at_its_now",
	  "crl-ee-govca2018-ecdsa-p521.crl", "ee-govca2018.pem",
	  "2019-01-15T00:00:00Z", 120, REASON_OK, "3", 1, 0 },
	{ "crl_dtrust_root_rsassa_pss_pem_is_ok_at_its_now",
	  "crl-dtrust-root-ca-1-2017-pss.crl.pem", "dtrust-root-ca-1-2017.pem",
	  "2018-07-01T00:00:00Z", 400, REASON_OK, "492", 0, 0 },
	{ "crl_universign_with_time_based_number_is_ok_at_its_now",
	  "crl-universign-ts-ca-2015.crl", "universign-timestamping-ca-2015.pem",
	  "2017-06-01T06:00:00Z", 7, REASON_OK, "1424961941803", 0, 0 },
	/* With the default max_age of 7 days, a yearly root CRL is stale after a week. */
	{ "crl_dtrust_root_with_default_max_age_is_stale",
	  "crl-dtrust-root-ca-1-2017-pss.crl.pem", "dtrust-root-ca-1-2017.pem",
	  "2018-07-01T00:00:00Z", 7, REASON_STALE, "492", 0, 0 },
	/* After nextUpdate. */
	{ "crl_luxtrust_qca3_after_next_update_is_expired",
	  "crl-luxtrust-qca3-2017.crl", "luxtrust-global-qualified-ca-3.pem",
	  "2017-06-01T08:29:01Z", 7, REASON_EXPIRED, "19654", 30168, 0 },
	{ "crl_luxtrust_global_root_after_next_update_is_expired",
	  "crl-luxtrust-global-root-2015.crl", "luxtrust-global-root.pem",
	  "2016-06-01T00:00:00Z", 120, REASON_EXPIRED, NULL, 4, 0 },
	{ "crl_ua_justice_after_next_update_is_expired",
	  "crl-ua-justice-ecdsa-full.crl", "ua-justice-ecdsa-ca.pem",
	  "2020-05-30T00:00:00Z", 7, REASON_EXPIRED, NULL, 246, 0 },
	{ "crl_ee_govca_after_next_update_is_expired",
	  "crl-ee-govca2018-ecdsa-p521.crl", "ee-govca2018.pem",
	  "2020-01-15T00:00:00Z", 120, REASON_EXPIRED, NULL, 1, 0 },
	{ "crl_dtrust_root_after_next_update_is_expired",
	  "crl-dtrust-root-ca-1-2017-pss.crl.pem", "dtrust-root-ca-1-2017.pem",
	  "2019-07-01T00:00:00Z", 400, REASON_EXPIRED, NULL, 0, 0 },
	{ "crl_universign_after_next_update_is_expired",
	  "crl-universign-ts-ca-2015.crl", "universign-timestamping-ca-2015.pem",
	  "2018-06-01T06:00:00Z", 7, REASON_EXPIRED, NULL, 0, 0 },
	/* Checked against another CA, or with one signature bit changed. */
	{ "crl_luxtrust_qca3_checked_against_another_ca_is_untrusted",
	  "crl-luxtrust-qca3-2017.crl", "luxtrust-global-qualified-ca-2.pem",
	  "2017-06-01T06:00:00Z", 7, REASON_UNTRUSTED, NULL, 30168, 0 },
	{ "crl_luxtrust_qca3_with_altered_signature_is_signature_invalid",
	  "crl-luxtrust-qca3-2017.crl", "luxtrust-global-qualified-ca-3.pem",
	  "2017-06-01T06:00:00Z", 7, REASON_SIGNATURE_INVALID, NULL, 30168, 1 },
	{ "crl_ee_govca_p521_with_altered_signature_is_signature_invalid",
	  "crl-ee-govca2018-ecdsa-p521.crl", "ee-govca2018.pem",
	  "2019-01-15T00:00:00Z", 120, REASON_SIGNATURE_INVALID, NULL, 1, 1 },
};

static void
run_rw_case(void **state)
{
	const struct rw_case *c = *state;
	struct conf_endpoint ep = { 0 };
	struct result r;
	unsigned char *data;
	size_t len;
	int64_t now, t0;
	char *path;

	path = xasprintf(RW "%s", c->file);
	assert_int_equal(file_read(path, CONF_DEFAULT_MAX_BODY, &data, &len), 0);
	free(path);
	if (c->flip_last)
		data[len - 1] ^= 0x01;
	path = xasprintf(RW "%s", c->issuer);
	ep.issuer = pkigen_load_cert(path);
	free(path);
	assert_int_equal(rfc3339_parse(c->now, &now), 0);
	ep.kind = KIND_CRL;
	ep.expect.max_age_ms = c->max_age_days * PKIGEN_DAY_MS;
	ep.expect.min_remaining_ms = HOUR_MS;
	result_init(&r, &ep, now);
	t0 = mono_ms();
	crl_evaluate(data, len, &ep, NULL, now, &r);
	/* The 1.4 MB LuxTrust CRL parses and verifies in tens of ms; allow sanitizers. */
	assert_true(mono_ms() - t0 < 5000);
	if (r.reason != c->want)
		print_error("%s: got %s (%s)\n", c->name, reason_names[r.reason],
		    r.message ? r.message : "");
	assert_int_equal(r.reason, c->want);
	if (c->number != NULL)
		assert_string_equal(detail_str(&r, "number"), c->number);
	assert_int_equal(json_integer_value(json_object_get(r.details, "entries")), c->entries);
	assert_int_equal(json_integer_value(json_object_get(r.details, "size")), (json_int_t)len);
	assert_non_null(detail_str(&r, "this_update"));
	assert_non_null(detail_str(&r, "next_update"));
	result_clear(&r);
	X509_free(ep.issuer);
	free(data);
}

static void
crl_probe_gets_the_url_and_compares_with_the_last_number(void **state)
{
	struct crl_fix f;
	struct probe_request req;
	struct probe_response resp = { 0 };
	struct probe_input in;
	struct result r;
	unsigned char *data;
	char *last = xstrdup("43");
	void *st;

	(void)state;
	fix_init(&f);
	result_init(&r, &f.ep, NOW);
	in.memory = last;
	st = probe_crl_ops.start(&f.ep, &in, &req, &r);
	free(last);			/* the input need not outlive start */
	assert_non_null(st);
	assert_string_equal(req.url, "http://crl.test/ca.crl");
	assert_int_equal(req.post, 0);
	assert_null(req.body);
	data = pkigen_crl(&f.c, &resp.len);
	resp.body = data;
	resp.http_status = 200;
	assert_int_equal(probe_crl_ops.finish(st, &f.ep, &resp, NOW, NULL, &r), 0);
	assert_int_equal(r.reason, REASON_REGRESSED);
	assert_null(r.memory);			/* a regressed number is not remembered */
	free(data);
	probe_request_clear(&req);
	probe_crl_ops.free_state(st);
	result_clear(&r);
}

/* The memory of a verified CRL samples its revocations; the ocsp consistency check reads them. */
static void
verified_crl_memory_samples_revocations_for_ocsp(void **state)
{
	struct crl_fix f;
	struct result r;
	unsigned char *data;
	size_t len, n;
	char *mem = NULL;
	ASN1_INTEGER **serials;
	int64_t *rev;

	(void)state;
	fix_init(&f);
	data = pkigen_crl(&f.c, &len);
	result_init(&r, &f.ep, NOW);
	crl_evaluate_sample(data, len, &f.ep, NULL, NOW, &r, &mem);
	assert_int_equal(r.reason, REASON_OK);
	assert_non_null(mem);
	if (strncmp(mem, "42\nr ", 5) != 0)
		fail_msg("memory: %s", mem);
	n = ocsp_consist_parse(mem, &serials, &rev);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		long v = ASN1_INTEGER_get(serials[i]);

		assert_true(v >= 1 && v <= 3);
		assert_int_equal(rev[i], (f.c.next_update / 1000));
		ASN1_INTEGER_free(serials[i]);
	}
	free(serials);
	free(rev);
	free(mem);
	mem = NULL;
	result_clear(&r);

	/* Nothing is remembered from a CRL whose signature does not verify, nor a regressed one. */
	free(data);
	f.c.flip_signature = 1;
	data = pkigen_crl(&f.c, &len);
	result_init(&r, &f.ep, NOW);
	crl_evaluate_sample(data, len, &f.ep, NULL, NOW, &r, &mem);
	assert_int_equal(r.reason, REASON_SIGNATURE_INVALID);
	assert_null(mem);
	result_clear(&r);
	free(data);
	f.c.flip_signature = 0;
	data = pkigen_crl(&f.c, &len);
	result_init(&r, &f.ep, NOW);
	crl_evaluate_sample(data, len, &f.ep, "43", NOW, &r, &mem);
	assert_int_equal(r.reason, REASON_REGRESSED);
	assert_null(mem);
	result_clear(&r);
	free(data);

	/* Malformed sample lines are skipped, never trusted. */
	n = ocsp_consist_parse("7\nr ZZ 5\nr 0A -1\nr 0B 1700000000\ngarbage", &serials, &rev);
	assert_int_equal(n, 1);
	assert_int_equal(ASN1_INTEGER_get(serials[0]), 11);
	assert_int_equal(rev[0], 1700000000);
	ASN1_INTEGER_free(serials[0]);
	free(serials);
	free(rev);
}

static void
crl_probe_without_last_number_accepts_the_crl(void **state)
{
	struct crl_fix f;
	struct probe_request req;
	struct probe_response resp = { 0 };
	struct probe_input in = { 0 };
	struct result r;
	unsigned char *data;
	void *st;

	(void)state;
	fix_init(&f);
	result_init(&r, &f.ep, NOW);
	st = probe_crl_ops.start(&f.ep, &in, &req, &r);
	data = pkigen_crl(&f.c, &resp.len);
	resp.body = data;
	resp.http_status = 200;
	assert_int_equal(probe_crl_ops.finish(st, &f.ep, &resp, NOW, NULL, &r), 0);
	assert_int_equal(r.reason, REASON_OK);
	assert_string_equal(detail_str(&r, "number"), "42");
	/* The kind memory for the next probe: the number, then the sampled revocations. */
	assert_non_null(r.memory);
	assert_int_equal(strncmp(r.memory, "42", 2), 0);
	assert_true(r.memory[2] == '\0' || strncmp(r.memory + 2, "\nr ", 3) == 0);
	free(data);
	probe_request_clear(&req);
	probe_crl_ops.free_state(st);
	result_clear(&r);
}

static void
crl_probe_answered_with_http_404_is_http_status(void **state)
{
	struct crl_fix f;
	struct probe_request req;
	struct probe_response resp = { 0 };
	struct result r;
	void *st;

	(void)state;
	fix_init(&f);
	result_init(&r, &f.ep, NOW);
	st = probe_crl_ops.start(&f.ep, NULL, &req, &r);
	resp.http_status = 404;
	resp.body = (const unsigned char *)"";
	assert_int_equal(probe_crl_ops.finish(st, &f.ep, &resp, NOW, NULL, &r), 0);
	assert_int_equal(r.reason, REASON_HTTP_STATUS);
	probe_request_clear(&req);
	probe_crl_ops.free_state(st);
	result_clear(&r);
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

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(crl_details_record_number_entries_size_and_times),
		cmocka_unit_test(crl_probe_gets_the_url_and_compares_with_the_last_number),
		cmocka_unit_test(crl_probe_without_last_number_accepts_the_crl),
		cmocka_unit_test(verified_crl_memory_samples_revocations_for_ocsp),
		cmocka_unit_test(crl_probe_answered_with_http_404_is_http_status),
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
	return _cmocka_run_group_tests("crl", tests, n, group_setup, group_teardown);
}
