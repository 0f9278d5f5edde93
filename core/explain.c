/* One sentence per (kind, reason) for the public: see explain.h. */
#include "explain.h"

/* Marks a string for translation without translating it (extracted into report/po). */
#define N_(s)	(s)

/* The service cannot be used at all: what that takes away from its users. */
static const char *
unavailable(enum probe_kind k)
{
	switch (k) {
	case KIND_OCSP:
		return N_("Certificate status cannot be checked: signing and login applications that check revocation will refuse or delay this provider's certificates.");
	case KIND_CRL:
		return N_("The revocation list cannot be obtained: applications that check revocation will refuse or delay this provider's certificates.");
	case KIND_TSA:
		return N_("No time-stamps can be obtained: electronic signatures that need a trusted time cannot be completed.");
	default:
		return N_("The login service cannot be used: people cannot sign in through it.");
	}
}

/* The answer came but must not be believed. */
static const char *
untrustworthy(enum probe_kind k)
{
	switch (k) {
	case KIND_OCSP:
		return N_("Certificate status answers cannot be trusted: signing and login applications that check revocation will refuse or delay this provider's certificates.");
	case KIND_CRL:
		return N_("The revocation list cannot be trusted: applications that check revocation must refuse it and may refuse this provider's certificates.");
	case KIND_TSA:
		return N_("Time-stamps cannot be trusted: signatures time-stamped now may be rejected later.");
	default:
		return N_("The answer cannot be trusted: applications must refuse it.");
	}
}

const char *
explain_text(enum probe_kind k, enum reason r)
{
	switch (r) {
	case REASON_OK:
		return N_("Working as expected.");
	case REASON_SLOW:
		return N_("Working, but answering slowly: users and applications wait longer than usual.");
	case REASON_TLS_EXPIRING:
		return N_("Working, but its certificate expires soon: without renewal, browsers and applications will refuse to connect.");
	case REASON_DNS:
	case REASON_CONNECT:
	case REASON_TIMEOUT:
	case REASON_TLS:
	case REASON_HTTP_STATUS:
	case REASON_TOO_LARGE:
	case REASON_MALFORMED:
	case REASON_REJECTED:
		return unavailable(k);
	case REASON_BODY_MISMATCH:
		return N_("The service answers, but not with the expected page: people may see an error or maintenance page instead.");
	case REASON_SIGNATURE_INVALID:
	case REASON_UNTRUSTED:
	case REASON_NONCE_MISMATCH:
		return untrustworthy(k);
	case REASON_STATUS_MISMATCH:
		return N_("The responder reports another status than expected for a known certificate: it may call a revoked certificate good, or a good one revoked.");
	case REASON_STALE:
		if (k == KIND_CRL)
			return N_("The revocation list is out of date or about to expire: recent revocations may be missing, and applications will soon refuse it.");
		if (k == KIND_OCSP)
			return N_("Certificate status answers are out of date: recent revocations may not be reflected, and strict applications refuse them.");
		return N_("The published information is out of date: applications may refuse it.");
	case REASON_EXPIRED:
		if (k == KIND_CRL)
			return N_("The revocation list has expired: applications that check revocation will refuse this provider's certificates.");
		if (k == KIND_OCSP)
			return N_("Certificate status answers are past their validity: applications that check revocation will refuse them.");
		return N_("The published information has expired: applications will refuse it.");
	case REASON_IMPRINT_MISMATCH:
		return N_("The time-stamp does not cover the data that was sent: it is worthless as evidence.");
	case REASON_POLICY_MISMATCH:
		return N_("The time-stamp is issued under another policy than expected: it may not be accepted as qualified.");
	case REASON_CLOCK_SKEW:
		if (k == KIND_TSA)
			return N_("The time-stamping service's clock is wrong: the times it certifies cannot be relied upon.");
		return N_("The service dates its answers wrongly: applications will refuse them.");
	case REASON_REGRESSED:
		return N_("The revocation list went backwards: an older list replaced a newer one, so recent revocations may be undone.");
	case REASON_OIDC_INVALID:
		return N_("The OpenID Connect configuration or signing keys are unusable: applications that sign people in through this provider will fail.");
	case REASON_SAML_INVALID:
		return N_("The SAML metadata is invalid or expired: partner services may refuse this provider's logins.");
	case REASON_INTERNAL:
	case REASON__MAX:
		break;
	}
	return N_("trustwatch could not complete the check itself: this says nothing about the service.");
}

bool
explain_applies(enum probe_kind k, enum reason r)
{
	switch (r) {
	case REASON_BODY_MISMATCH:
	case REASON_OIDC_INVALID:
	case REASON_SAML_INVALID:
		return k == KIND_LOGIN;
	case REASON_STATUS_MISMATCH:
		return k == KIND_OCSP;
	case REASON_REGRESSED:
		return k == KIND_CRL;
	case REASON_IMPRINT_MISMATCH:
	case REASON_POLICY_MISMATCH:
		return k == KIND_TSA;
	case REASON_SIGNATURE_INVALID:
	case REASON_UNTRUSTED:
	case REASON_STALE:
	case REASON_EXPIRED:
		return k != KIND_LOGIN;
	case REASON_NONCE_MISMATCH:
	case REASON_REJECTED:
	case REASON_CLOCK_SKEW:
		return k == KIND_OCSP || k == KIND_TSA;
	default:
		return r < REASON__MAX;
	}
}
