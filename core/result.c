#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "util.h"

const char *const status_names[STATUS__MAX] = {
	[STATUS_UP] = "up",
	[STATUS_DEGRADED] = "degraded",
	[STATUS_DOWN] = "down",
};

const char *const reason_names[REASON__MAX] = {
	[REASON_OK] = "ok",
	[REASON_SLOW] = "slow",
	[REASON_DNS] = "dns",
	[REASON_CONNECT] = "connect",
	[REASON_TIMEOUT] = "timeout",
	[REASON_TLS] = "tls",
	[REASON_TLS_EXPIRING] = "tls_expiring",
	[REASON_HTTP_STATUS] = "http_status",
	[REASON_BODY_MISMATCH] = "body_mismatch",
	[REASON_TOO_LARGE] = "too_large",
	[REASON_MALFORMED] = "malformed",
	[REASON_SIGNATURE_INVALID] = "signature_invalid",
	[REASON_UNTRUSTED] = "untrusted",
	[REASON_STATUS_MISMATCH] = "status_mismatch",
	[REASON_STALE] = "stale",
	[REASON_EXPIRED] = "expired",
	[REASON_NONCE_MISMATCH] = "nonce_mismatch",
	[REASON_IMPRINT_MISMATCH] = "imprint_mismatch",
	[REASON_POLICY_MISMATCH] = "policy_mismatch",
	[REASON_REJECTED] = "rejected",
	[REASON_CLOCK_SKEW] = "clock_skew",
	[REASON_REGRESSED] = "regressed",
	[REASON_OIDC_INVALID] = "oidc_invalid",
	[REASON_SAML_INVALID] = "saml_invalid",
	[REASON_INTERNAL] = "internal",
	[REASON_DNS_LAME] = "dns_lame",
	[REASON_DNS_INCONSISTENT] = "dns_inconsistent",
	[REASON_DNS_SINGLE_POINT] = "dns_single_point",
	[REASON_DNSSEC_BOGUS] = "dnssec_bogus",
};

const char *const phase_names[PHASE__MAX] = {
	[PHASE_DNS] = "dns",
	[PHASE_CONNECT] = "connect",
	[PHASE_TLS] = "tls",
	[PHASE_TTFB] = "ttfb",
	[PHASE_TOTAL] = "total",
};

enum status
reason_status(enum reason r)
{
	switch (r) {
	case REASON_OK:
		return STATUS_UP;
	case REASON_SLOW:
	case REASON_TLS_EXPIRING:
	case REASON_DNS_INCONSISTENT:
	case REASON_DNS_SINGLE_POINT:
		return STATUS_DEGRADED;
	default:
		return STATUS_DOWN;
	}
}

int
reason_from_name(const char *s)
{
	for (int i = 0; i < REASON__MAX; i++)
		if (strcmp(reason_names[i], s) == 0)
			return i;
	return -1;
}

int
status_from_name(const char *s)
{
	for (int i = 0; i < STATUS__MAX; i++)
		if (strcmp(status_names[i], s) == 0)
			return i;
	return -1;
}

void
result_init(struct result *r, const struct conf_endpoint *ep, int64_t time_ms)
{
	memset(r, 0, sizeof(*r));
	r->ep = ep;
	r->time_ms = time_ms;
	r->status = STATUS_UP;
	r->reason = REASON_OK;
	for (int i = 0; i < PHASE__MAX; i++)
		r->timings[i] = -1;
	r->details = json_object();
}

void
result_clear(struct result *r)
{
	FREE_NULL(r->message);
	FREE_NULL(r->memory);
	if (r->details != NULL) {
		json_decref(r->details);
		r->details = NULL;
	}
}

int
result_vflag(struct result *r, enum reason reason, const char *fmt, va_list ap)
{
	enum status st = reason_status(reason);

	if (st <= r->status)
		return 0;
	r->status = st;
	r->reason = reason;
	free(r->message);
	r->message = NULL;
	if (fmt != NULL && vasprintf(&r->message, fmt, ap) < 0)
		r->message = NULL;
	return 1;
}

int
result_flag(struct result *r, enum reason reason, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = result_vflag(r, reason, fmt, ap);
	va_end(ap);
	return rc;
}

void
result_move(struct result *dst, struct result *src)
{
	result_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
	for (int i = 0; i < PHASE__MAX; i++)
		src->timings[i] = -1;
}
