/* One sentence per (kind, reason) for the public: see explain.h. */
#include "explain.h"
#include "kind.h"

/* Marks a string for translation without translating it (extracted into report/po). */
#define N_(s)	(s)

/* The kind's sentence when it has one, else the generic one. */
static const char *
or_generic(const char *kinds, const char *generic)
{
	return kinds != NULL ? kinds : generic;
}

const char *
explain_text(enum probe_kind k, enum reason r)
{
	const struct kind_info *ki = kind_info(k);

	switch (r) {
	case REASON_OK:
		return N_("Working as expected.");
	case REASON_SLOW:
		return N_("Working, but answering slowly: users and applications wait longer than usual.");
	case REASON_TLS_EXPIRING:
		return N_("Working, but its certificate expires soon: without renewal, browsers and applications will refuse to connect.");
	case REASON_REDUNDANCY_LOST:
		return N_("Working, but not on every one of its addresses: the service has lost part of its redundancy, and clients sent to a failing address may not get through.");
	case REASON_DNS:
	case REASON_CONNECT:
	case REASON_TIMEOUT:
	case REASON_TLS:
	case REASON_HTTP_STATUS:
	case REASON_TOO_LARGE:
	case REASON_MALFORMED:
	case REASON_REJECTED:
		return or_generic(ki->unavailable, N_("The service cannot be used: its users cannot rely on it."));
	case REASON_BODY_MISMATCH:
		return N_("The service answers, but not with the expected page: people may see an error or maintenance page instead.");
	case REASON_SIGNATURE_INVALID:
	case REASON_UNTRUSTED:
	case REASON_NONCE_MISMATCH:
		return or_generic(ki->untrustworthy, N_("The answer cannot be trusted: applications must refuse it."));
	case REASON_STATUS_MISMATCH:
		return N_("The responder reports another status than expected for a known certificate: it may call a revoked certificate good, or a good one revoked.");
	case REASON_STALE:
		return or_generic(ki->stale, N_("The published information is out of date: applications may refuse it."));
	case REASON_EXPIRED:
		return or_generic(ki->expired, N_("The published information has expired: applications will refuse it."));
	case REASON_IMPRINT_MISMATCH:
		return N_("The time-stamp does not cover the data that was sent: it is worthless as evidence.");
	case REASON_POLICY_MISMATCH:
		return N_("The time-stamp is issued under another policy than expected: it may not be accepted as qualified.");
	case REASON_CLOCK_SKEW:
		return or_generic(ki->clock_skew, N_("The service dates its answers wrongly: applications will refuse them."));
	case REASON_REGRESSED:
		return or_generic(ki->regressed, N_("The published information went backwards: an older version replaced a newer one."));
	case REASON_OIDC_INVALID:
		return N_("The OpenID Connect configuration or signing keys are unusable: applications that sign people in through this provider will fail.");
	case REASON_SAML_INVALID:
		return N_("The SAML metadata is invalid or expired: partner services may refuse this provider's logins.");
	case REASON_WEAK_TLS:
		return N_("Working, but its TLS setup is weak (an old protocol version, a weak cipher suite, a short key or a SHA-1 signature): connections are easier to attack.");
	case REASON_CHAIN_INCOMPLETE:
		return N_("Working in most browsers, but the server does not send its full certificate chain: some applications and devices will refuse to connect.");
	case REASON_REVOKED:
		return N_("Its certificate has been revoked by the authority that issued it: browsers and applications that check revocation will refuse to connect.");
	case REASON_INCONSISTENT:
		return N_("The revocation list and the status responder disagree about revoked certificates: applications may accept a certificate the provider has revoked.");
	case REASON_UNISSUED_GOOD:
		return N_("The status responder calls a certificate that was never issued good: a forged certificate would be accepted by applications that check revocation.");
	case REASON_DNS_LAME:
		return N_("A name server of the domain does not answer for it: lookups that reach that server fail, so the service's names may not resolve for part of its users.");
	case REASON_DNS_INCONSISTENT:
		return N_("The domain's name servers give different versions of the zone: users may get outdated addresses depending on the server they reach.");
	case REASON_DNS_SINGLE_POINT:
		return N_("The domain depends on a single name server or a single network: one outage there makes every service under it unreachable by name.");
	case REASON_DNSSEC_BOGUS:
		return N_("The domain's DNSSEC signatures do not verify: validating resolvers refuse its names, so the services under it cannot be reached by their users.");
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
	case REASON_OK:
	case REASON_SLOW:
	case REASON_DNS:
	case REASON_CONNECT:
	case REASON_TIMEOUT:
	case REASON_TLS:
	case REASON_TLS_EXPIRING:
	case REASON_HTTP_STATUS:
	case REASON_TOO_LARGE:
	case REASON_MALFORMED:
	case REASON_REDUNDANCY_LOST:
	case REASON_INTERNAL:
		return true;	/* the transport's, every kind's */
	default:
		return r < REASON__MAX && (kind_info(k)->reasons & REASON_BIT(r)) != 0;
	}
}
