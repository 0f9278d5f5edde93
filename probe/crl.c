/*
 * The crl probe kind (RFC 5280 §5, SPEC §3): GET the CRL, then judge it as a relying
 * party would: it parses, the issuer named is ours and signed it, it is fresh, and its
 * CRL number never goes back.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "critext.h"
#include "crl.h"
#include "keyid.h"
#include "../core/util.h"

/* The CRL extensions we process (RFC 5280 §5.2); a critical other one makes it unusable. */
static const int crl_exts_known[] = {
	NID_authority_key_identifier, NID_crl_number, NID_issuing_distribution_point,
	NID_delta_crl,
};

/* The CRL entry extensions we process (RFC 5280 §5.3). */
static const int crl_entry_exts_known[] = {
	NID_crl_reason, NID_invalidity_date, NID_certificate_issuer,
};

/* Returns the CRL in data (DER, else PEM), or NULL. Caller frees. */
static X509_CRL *
crl_parse(const unsigned char *data, size_t len)
{
	const unsigned char *p = data;
	X509_CRL *crl;
	BIO *bio;

	if (data == NULL || len == 0 || len > INT_MAX)
		return NULL;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL)
		return crl;
	probe_err_clear();
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return crl;
}

/* Returns the CRL number as a BIGNUM (caller frees), or NULL when absent or unreadable. */
static BIGNUM *
crl_number(X509_CRL *crl)
{
	ASN1_INTEGER *ai;
	BIGNUM *bn;
	int crit = 0;

	if ((ai = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL)) == NULL)
		return NULL;
	bn = ASN1_INTEGER_to_BN(ai, NULL);
	ASN1_INTEGER_free(ai);
	return bn;
}

/* Records number; flags regressed when it is below last (decimal, NULL = none). */
static void
check_number(X509_CRL *crl, const char *last, struct result *r)
{
	BIGNUM *num, *prev = NULL;
	char *dec;
	size_t n;

	if ((num = crl_number(crl)) == NULL)
		return;
	if ((dec = BN_bn2dec(num)) != NULL) {
		detail_set_str(r->details, DETAIL_NUMBER, dec);
		/* A stored number we cannot read is not a finding about this CRL. */
		if (last != NULL && (n = strlen(last)) > 0 && n < 4096 &&
		    BN_dec2bn(&prev, last) == (int)n && BN_cmp(num, prev) < 0)
			result_flag(r, REASON_REGRESSED,
			    "CRL number %s is lower than the last one seen (%s)", dec, last);
		OPENSSL_free(dec);
	}
	BN_free(prev);
	BN_free(num);
}

/*
 * Checks that ep->issuer issued and signed crl (RFC 5280 §6.3.3 b, f, g).
 * Returns 1, or 0 with r flagged.
 */
static int
check_issuer(X509_CRL *crl, X509 *issuer, struct result *r)
{
	EVP_PKEY *pkey;
	int rc;

	if (issuer == NULL) {
		result_flag(r, REASON_INTERNAL, "no issuer certificate configured");
		return 0;
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
		result_flag(r, REASON_UNTRUSTED, "CRL issuer name is not the issuer's subject");
		return 0;
	}
	if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) != 0 &&
	    (X509_get_key_usage(issuer) & KU_CRL_SIGN) == 0) {
		result_flag(r, REASON_UNTRUSTED, "issuer certificate's keyUsage lacks cRLSign");
		return 0;
	}
	if ((pkey = X509_get0_pubkey(issuer)) == NULL) {
		result_flag(r, REASON_INTERNAL, "issuer certificate has no usable public key");
		return 0;
	}
	/* X509_CRL_verify returns -1 on error: only 1 means the signature verifies. */
	rc = X509_CRL_verify(crl, pkey);
	probe_err_clear();
	if (rc != 1) {
		result_flag(r, REASON_SIGNATURE_INVALID,
		    "CRL signature does not verify with the issuer's key");
		return 0;
	}
	probe_record_key_ids(r, NULL, issuer);	/* matched against trusted lists */
	return 1;
}

/*
 * Checks that neither crl nor any of its entries carries a critical extension we do
 * not process (RFC 5280 §5.2, §5.3: such a CRL MUST NOT be used). One pass over the
 * entries. Returns 1, or 0 with r flagged malformed naming the OID and where it sits.
 */
static int
check_extensions(X509_CRL *crl, struct result *r)
{
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
	X509_REVOKED *rv;
	char oid[CRITEXT_OID_MAX], hex[84];
	int i, n = revoked != NULL ? sk_X509_REVOKED_num(revoked) : 0;

	if (critext_unknown(X509_CRL_get0_extensions(crl), crl_exts_known,
	    NELEM(crl_exts_known), oid)) {
		result_flag(r, REASON_MALFORMED, "CRL carries critical extension %s, which "
		    "trustwatch does not process (RFC 5280 §5.2)", oid);
		return 0;
	}
	for (i = 0; i < n; i++) {
		rv = sk_X509_REVOKED_value(revoked, i);
		if (!critext_unknown(X509_REVOKED_get0_extensions(rv), crl_entry_exts_known,
		    NELEM(crl_entry_exts_known), oid))
			continue;
		critext_serial_hex(X509_REVOKED_get0_serialNumber(rv), hex, sizeof(hex));
		result_flag(r, REASON_MALFORMED, "CRL entry for serial %s carries critical "
		    "extension %s, which trustwatch does not process (RFC 5280 §5.3)", hex, oid);
		return 0;
	}
	return 1;
}

/* Checks thisUpdate against max_age and nextUpdate against now and min_remaining. */
static void
check_times(X509_CRL *crl, const struct conf_endpoint *ep, int64_t now, struct result *r)
{
	const ASN1_TIME *nextupd = X509_CRL_get0_nextUpdate(crl);
	int64_t this_ms, next_ms = 0;
	char t[40], d[32];
	int has_next = 0;

	if (probe_asn1_time_ms(X509_CRL_get0_lastUpdate(crl), &this_ms) != 0) {
		result_flag(r, REASON_MALFORMED, "CRL has no readable thisUpdate");
		return;
	}
	detail_set_time(r->details, DETAIL_THIS_UPDATE, this_ms);
	if (nextupd != NULL) {
		if (probe_asn1_time_ms(nextupd, &next_ms) != 0) {
			result_flag(r, REASON_MALFORMED, "CRL has an unreadable nextUpdate");
			return;
		}
		detail_set_time(r->details, DETAIL_NEXT_UPDATE, next_ms);
		has_next = 1;
	}
	if (!has_next)
		result_flag(r, REASON_MALFORMED, "CRL has no nextUpdate (RFC 5280 §5.1.2.5)");
	else if (next_ms < now) {
		rfc3339_format_s(next_ms, t, sizeof(t));
		result_flag(r, REASON_EXPIRED, "CRL nextUpdate %s has passed", t);
	}
	if (ep->expect.max_age_ms > 0 && now - this_ms > ep->expect.max_age_ms) {
		rfc3339_format_s(this_ms, t, sizeof(t));
		duration_format(ep->expect.max_age_ms, d, sizeof(d));
		result_flag(r, REASON_STALE, "CRL thisUpdate %s is older than max_age %s", t, d);
	}
	if (has_next && next_ms - now < ep->expect.min_remaining_ms) {
		rfc3339_format_s(next_ms, t, sizeof(t));
		duration_format(ep->expect.min_remaining_ms, d, sizeof(d));
		result_flag(r, REASON_STALE,
		    "CRL nextUpdate %s is less than min_remaining %s ahead", t, d);
	}
}

/* Whether entry e may stand for a revocation of one of the issuer's own certificates. */
static int
sample_usable(X509_REVOKED *e)
{
	ASN1_ENUMERATED *why;
	long code = -1;
	int crit;

	if (X509_REVOKED_get_ext_by_NID(e, NID_certificate_issuer, -1) >= 0)
		return 0;	/* indirect CRL entry: another CA's serial */
	if ((why = X509_REVOKED_get_ext_d2i(e, NID_crl_reason, &crit, NULL)) != NULL) {
		code = ASN1_ENUMERATED_get(why);
		ASN1_ENUMERATED_free(why);
	}
	probe_err_clear();
	return code != 8;	/* removeFromCRL (delta CRLs): not a revocation */
}

/*
 * Returns the kind memory for a verified crl: the CRL number (decimal, "" when none) on the
 * first line, then "r SERIALHEX SECONDS" for the CRL_SAMPLE_MAX most recent revocations.
 * Caller frees.
 */
static char *
sample_memory(X509_CRL *crl, const char *number)
{
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
	struct { const X509_REVOKED *e; int64_t ms; } best[CRL_SAMPLE_MAX];
	size_t nbest = 0, k;
	struct buf b = { 0 };
	char line[160];
	int64_t ms;

	for (int i = 0; revoked != NULL && i < sk_X509_REVOKED_num(revoked); i++) {
		X509_REVOKED *e = sk_X509_REVOKED_value(revoked, i);

		if (!sample_usable(e) ||
		    probe_asn1_time_ms(X509_REVOKED_get0_revocationDate(e), &ms) != 0)
			continue;
		if (nbest == CRL_SAMPLE_MAX && ms <= best[nbest - 1].ms)
			continue;
		k = nbest < CRL_SAMPLE_MAX ? nbest++ : nbest - 1;
		for (; k > 0 && best[k - 1].ms < ms; k--)
			best[k] = best[k - 1];
		best[k].e = e;
		best[k].ms = ms;
	}
	buf_append(&b, number, strlen(number));
	for (k = 0; k < nbest; k++) {
		char hex[84];

		critext_serial_hex(X509_REVOKED_get0_serialNumber(best[k].e), hex, sizeof(hex));
		if (hex[0] == '?' || hex[0] == '-' || strlen(hex) > 80)
			continue;	/* not a serial an OCSP request can carry intact */
		snprintf(line, sizeof(line), "\nr %s %lld", hex, (long long)(best[k].ms / 1000));
		buf_append(&b, line, strlen(line));
	}
	buf_append(&b, "", 1);
	return (char *)b.data;
}

void
crl_evaluate(const unsigned char *data, size_t len, const struct conf_endpoint *ep,
    const char *last_number_decimal, int64_t now, struct result *r)
{
	crl_evaluate_sample(data, len, ep, last_number_decimal, now, r, NULL);
}

void
crl_evaluate_sample(const unsigned char *data, size_t len, const struct conf_endpoint *ep,
    const char *last_number_decimal, int64_t now, struct result *r, char **memory)
{
	STACK_OF(X509_REVOKED) *revoked;
	X509_CRL *crl;
	int verified;

	detail_set_int(r->details, DETAIL_SIZE, (int64_t)len);
	if ((crl = crl_parse(data, len)) == NULL) {
		probe_err_clear();
		result_flag(r, REASON_MALFORMED, "response is not a DER or PEM CRL");
		return;
	}
	revoked = X509_CRL_get_REVOKED(crl);
	detail_set_int(r->details, DETAIL_ENTRIES, revoked ? sk_X509_REVOKED_num(revoked) : 0);

	/*
	 * Trust first; a CRL we cannot attribute to the issuer says nothing else, and one
	 * we may not use (an unprocessed critical extension) records no number.
	 */
	if ((verified = check_issuer(crl, ep->issuer, r) && check_extensions(crl, r))) {
		int64_t ms;

		check_number(crl, last_number_decimal, r);
		/* The signer's expiry, for the conformance rule on nextUpdate (core/conformance.c). */
		if (probe_asn1_time_ms(X509_get0_notAfter(ep->issuer), &ms) == 0)
			detail_set_time(r->details, DETAIL_SIGNER_NOT_AFTER, ms);
	}
	check_times(crl, ep, now, r);
	/* The memory: only from a verified CRL whose number did not go backwards. */
	if (memory != NULL && verified && r->reason != REASON_REGRESSED) {
		const char *num = detail_get_str(r->details, DETAIL_NUMBER);

		*memory = sample_memory(crl, num != NULL ? num : "");
	}
	X509_CRL_free(crl);
	probe_err_clear();
}

/* What a running crl probe remembers between start and finish. */
struct crl_state {
	char		*last_number;	/* owned copy of probe_input.memory: the last CRL number, or NULL */
};

static void
crl_free_state(void *arg)
{
	struct crl_state *st = arg;

	if (st == NULL)
		return;
	free(st->last_number);
	free(st);
}

static void *
crl_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	struct crl_state *st;

	memset(req, 0, sizeof(*req));
	if (ep->url == NULL || ep->issuer == NULL) {
		result_flag(r, REASON_INTERNAL, "crl endpoint needs url and issuer");
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	/* The memory's first line is the last CRL number (crl_evaluate_sample). */
	if (in != NULL && in->memory != NULL)
		st->last_number = xasprintf("%.*s", (int)strcspn(in->memory, "\n"), in->memory);
	req->url = xstrdup(ep->url);
	return st;
}

static int
crl_finish(void *arg, const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now, struct probe_request *next, struct result *r)
{
	struct crl_state *st = arg;

	(void)next;
	if (!probe_check_http(resp, 0, r))
		return 0;
	/* The memory is the CRL number and a sample of its revocations, unless it went
	 * backwards or did not verify (the stored one stays). */
	crl_evaluate_sample(resp->body, resp->len, ep, st != NULL ? st->last_number : NULL, now,
	    r, &r->memory);
	return 0;
}

#define N_(s)	(s)	/* an English msgid, translated by report/po */

static const struct kind_info crl_info = {
	.label = N_("CRL"),
	.signer_label = N_("CRL issuer certificate"),
	.next_update_label = N_("CRL next update"),
	.description = N_("Revocation list (CRL): downloaded and verified against the issuing CA; it must be fresh, not expired, and its number must never go backwards."),
	.unavailable = N_("The revocation list cannot be obtained: applications that check revocation will refuse or delay this provider's certificates."),
	.untrustworthy = N_("The revocation list cannot be trusted: applications that check revocation must refuse it and may refuse this provider's certificates."),
	.stale = N_("The revocation list is out of date or about to expire: recent revocations may be missing, and applications will soon refuse it."),
	.expired = N_("The revocation list has expired: applications that check revocation will refuse this provider's certificates."),
	.regressed = N_("The revocation list went backwards: an older list replaced a newer one, so recent revocations may be undone."),
	.reasons = REASON_BIT(REASON_REGRESSED) | REASON_BIT(REASON_SIGNATURE_INVALID) |
	    REASON_BIT(REASON_UNTRUSTED) | REASON_BIT(REASON_STALE) | REASON_BIT(REASON_EXPIRED),
};

const struct probe_ops probe_crl_ops = {
	.name = "crl",
	.kind = KIND_CRL,
	.info = &crl_info,
	.memory = true,
	.start = crl_start,
	.finish = crl_finish,
	.free_state = crl_free_state,
};
