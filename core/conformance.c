/* The conformance rule table (SPEC §14); see conformance.h. */
#include <string.h>

#include "conformance.h"
#include "details.h"

#define N_(s)	(s)	/* an English msgid, translated by report/po */
#define HOUR_MS	3600000LL
#define DAY_MS	(24 * HOUR_MS)

/* nextUpdate - thisUpdate in ms into *ms; 0, or -1 when either is absent. */
static int
validity(const json_t *d, int64_t *ms)
{
	int64_t t, n;

	if (detail_get_time(d, DETAIL_THIS_UPDATE, &t) != 0 ||
	    detail_get_time(d, DETAIL_NEXT_UPDATE, &n) != 0)
		return -1;
	*ms = n - t;
	return 0;
}

static enum conformance_verdict
crl_validity(enum reason r, const json_t *d)
{
	int64_t v;

	(void)r;
	if (validity(d, &v) != 0)
		return CONFORMANCE_NA;
	return v <= 10 * DAY_MS ? CONFORMANCE_PASS : CONFORMANCE_VIOLATION;
}

static enum conformance_verdict
crl_next_update(enum reason r, const json_t *d)
{
	int64_t t, n;

	(void)r;
	if (detail_get_time(d, DETAIL_THIS_UPDATE, &t) != 0)
		return CONFORMANCE_NA;
	return detail_get_time(d, DETAIL_NEXT_UPDATE, &n) == 0 ? CONFORMANCE_PASS :
	    CONFORMANCE_VIOLATION;
}

static enum conformance_verdict
next_within_signer(enum reason r, const json_t *d)
{
	int64_t n, s;

	(void)r;
	if (detail_get_time(d, DETAIL_NEXT_UPDATE, &n) != 0 ||
	    detail_get_time(d, DETAIL_SIGNER_NOT_AFTER, &s) != 0)
		return CONFORMANCE_NA;
	return n <= s ? CONFORMANCE_PASS : CONFORMANCE_VIOLATION;
}

static enum conformance_verdict
ocsp_validity(enum reason r, const json_t *d)
{
	int64_t v;

	(void)r;
	if (validity(d, &v) != 0)
		return CONFORMANCE_NA;
	return v >= 8 * HOUR_MS && v <= 10 * DAY_MS ? CONFORMANCE_PASS : CONFORMANCE_VIOLATION;
}

static enum conformance_verdict
ocsp_signer(enum reason r, const json_t *d)
{
	if (r == REASON_UNTRUSTED || r == REASON_SIGNATURE_INVALID)
		return CONFORMANCE_VIOLATION;
	return detail_get_str(d, DETAIL_SIGNER) != NULL ? CONFORMANCE_PASS : CONFORMANCE_NA;
}

static enum conformance_verdict
ocsp_nonce(enum reason r, const json_t *d)
{
	const char *n = detail_get_str(d, DETAIL_NONCE);

	if (r == REASON_NONCE_MISMATCH)
		return CONFORMANCE_VIOLATION;
	return n != NULL && strcmp(n, "echoed") == 0 ? CONFORMANCE_PASS : CONFORMANCE_NA;
}

static enum conformance_verdict
ocsp_consistency(enum reason r, const json_t *d)
{
	int64_t checked = 0, mismatches = 0;

	if (r == REASON_INCONSISTENT)
		return CONFORMANCE_VIOLATION;
	if (detail_get_int(d, DETAIL_CONSISTENCY_CHECKED, &checked) != 0 || checked <= 0)
		return CONFORMANCE_NA;
	detail_get_int(d, DETAIL_CONSISTENCY_MISMATCHES, &mismatches);
	return mismatches > 0 ? CONFORMANCE_VIOLATION : CONFORMANCE_PASS;
}

static enum conformance_verdict
ocsp_unissued(enum reason r, const json_t *d)
{
	const char *s = detail_get_str(d, DETAIL_UNISSUED_STATUS);

	if (r == REASON_UNISSUED_GOOD)
		return CONFORMANCE_VIOLATION;
	if (s == NULL)
		return CONFORMANCE_NA;
	return strcmp(s, "good") == 0 ? CONFORMANCE_VIOLATION : CONFORMANCE_PASS;
}

static enum conformance_verdict
tsa_accuracy(enum reason r, const json_t *d)
{
	int64_t a;

	(void)r;
	if (detail_get_int(d, DETAIL_ACCURACY_MS, &a) != 0)
		return CONFORMANCE_NA;
	return a <= 1000 ? CONFORMANCE_PASS : CONFORMANCE_VIOLATION;
}

/* The one table: append rows, never renumber or rename an id (stored with the sums). */
const struct conformance_rule conformance_rules[] = {
	{ "crl-validity", "CA/B Forum BR 4.9.7", KIND_CRL,
	    N_("A CRL's nextUpdate is at most 10 days after its thisUpdate."), crl_validity },
	{ "crl-next-update", "RFC 5280 §5.1.2.5", KIND_CRL,
	    N_("A CRL carries a nextUpdate."), crl_next_update },
	{ "crl-issuer-validity", "Mozilla Root Store Policy §6", KIND_CRL,
	    N_("A CRL's nextUpdate is not after the notAfter of the certificate that signed it."),
	    next_within_signer },
	{ "ocsp-validity", "CA/B Forum BR 4.9.10", KIND_OCSP,
	    N_("An OCSP response's validity (nextUpdate − thisUpdate) is between 8 hours and 10 days."),
	    ocsp_validity },
	{ "ocsp-signer-validity", "Mozilla Root Store Policy §6", KIND_OCSP,
	    N_("An OCSP response's nextUpdate is not after the notAfter of the certificate that signed it."),
	    next_within_signer },
	{ "ocsp-authorised-signer", "CA/B Forum BR 4.9.9, RFC 6960 §4.2.2.2", KIND_OCSP,
	    N_("An OCSP response is signed by the issuing CA or by a responder certificate it issued with id-kp-OCSPSigning."),
	    ocsp_signer },
	{ "ocsp-nonce", "RFC 8954 §2.1, RFC 6960 §4.4.1", KIND_OCSP,
	    N_("An OCSP response to a request with a nonce echoes that nonce, never another."),
	    ocsp_nonce },
	{ "ocsp-crl-consistency", "ETSI EN 319 411-1", KIND_OCSP,
	    N_("The OCSP responder reports every sampled serial of the CA's CRL revoked, at the CRL's revocation time."),
	    ocsp_consistency },
	{ "ocsp-unissued", "CA/B Forum BR 4.9.10", KIND_OCSP,
	    N_("The OCSP responder does not answer good for a serial number that was never issued."),
	    ocsp_unissued },
	{ "tsa-accuracy", "ETSI EN 319 421", KIND_TSA,
	    N_("A time-stamp token states an accuracy of 1 second or better."), tsa_accuracy },
};

const size_t conformance_nrules = sizeof(conformance_rules) / sizeof(conformance_rules[0]);

const struct conformance_rule *
conformance_rule(const char *id)
{
	for (size_t i = 0; id != NULL && i < conformance_nrules; i++)
		if (strcmp(conformance_rules[i].id, id) == 0)
			return &conformance_rules[i];
	return NULL;
}

void
conformance_judge(enum probe_kind k, enum reason r, const json_t *details,
    enum conformance_verdict *verdicts)
{
	for (size_t i = 0; i < conformance_nrules; i++)
		verdicts[i] = conformance_rules[i].kind == k && details != NULL ?
		    conformance_rules[i].check(r, details) : CONFORMANCE_NA;
}
