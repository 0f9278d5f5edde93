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
	[REASON_WEAK_TLS] = "weak_tls",
	[REASON_CHAIN_INCOMPLETE] = "chain_incomplete",
	[REASON_REVOKED] = "revoked",
	[REASON_INCONSISTENT] = "inconsistent",
	[REASON_UNISSUED_GOOD] = "unissued_good",
	[REASON_INTERNAL] = "internal",
	[REASON_REDUNDANCY_LOST] = "redundancy_lost",
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
	case REASON_WEAK_TLS:
	case REASON_CHAIN_INCOMPLETE:
	case REASON_REDUNDANCY_LOST:
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
	FREE_NULL(r->address);
	for (size_t i = 0; i < r->n_addrs; i++)
		result_clear(&r->addrs[i]);
	FREE_NULL(r->addrs);
	r->n_addrs = 0;
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

/* One address's line of DETAIL_ADDRESSES. */
static json_t *
address_entry(const struct result *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "address", json_string(a->address ? a->address : ""));
	json_object_set_new(o, "status", json_string(status_names[a->status]));
	json_object_set_new(o, "reason", json_string(reason_names[a->reason]));
	if (a->timings[PHASE_TOTAL] >= 0)
		json_object_set_new(o, "total_ms",
		    json_real((double)(int64_t)(a->timings[PHASE_TOTAL] * 10.0 + 0.5) / 10.0));
	if (a->message != NULL) {
		json_t *m = json_string(a->message);

		if (m != NULL)
			json_object_set_new(o, "message", m);
	}
	return o;
}

void
result_combine_addresses(struct result *r, struct result *each, size_t n)
{
	const struct result *rep = NULL, *first_healthy = NULL;
	size_t healthy = 0;
	json_t *list;
	struct buf b = { 0 };

	if (n == 0)
		return;
	if (n == 1) {
		int64_t t = r->time_ms;

		result_move(r, &each[0]);
		r->time_ms = t;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (each[i].status != STATUS_DOWN) {
			healthy++;
			if (first_healthy == NULL)
				first_healthy = &each[i];
		}
		if (rep == NULL || each[i].status > rep->status)
			rep = &each[i];
	}
	if (healthy == n) {
		r->status = rep->status;
		r->reason = rep->reason;
		free(r->message);
		r->message = rep->message ? xstrdup(rep->message) : NULL;
	} else if (healthy == 0) {
		r->status = rep->status;
		r->reason = rep->reason;
		buf_printf(&b, "0 of %zu addresses healthy; %s: %s", n,
		    rep->address ? rep->address : "?", rep->message ? rep->message :
		    reason_names[rep->reason]);
		free(r->message);
		r->message = (char *)b.data;	/* taken */
	} else {
		/* Degraded: a healthy address's timings and details, the lost ones named. */
		rep = first_healthy;
		r->status = STATUS_DEGRADED;
		r->reason = REASON_REDUNDANCY_LOST;
		buf_printf(&b, "%zu of %zu addresses healthy", healthy, n);
		for (size_t i = 0; i < n; i++)
			if (each[i].status == STATUS_DOWN)
				buf_printf(&b, "; %s: %s%s%s", each[i].address ? each[i].address : "?",
				    reason_names[each[i].reason], each[i].message ? ": " : "",
				    each[i].message ? each[i].message : "");
		free(r->message);
		r->message = (char *)b.data;	/* taken: always NUL-terminated */
	}
	memcpy(r->timings, rep->timings, sizeof(r->timings));
	if (rep->details != NULL)
		json_object_update(r->details, rep->details);
	r->keep_details = false;
	for (size_t i = 0; i < n; i++)
		r->keep_details = r->keep_details || each[i].keep_details;
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, address_entry(&each[i]));
	detail_set_list(r->details, DETAIL_ADDRESSES, list);
	json_decref(list);
	free(r->memory);
	r->memory = NULL;
	if ((first_healthy ? first_healthy : &each[0])->memory != NULL)
		r->memory = xstrdup((first_healthy ? first_healthy : &each[0])->memory);
	for (size_t i = 0; i < r->n_addrs; i++)
		result_clear(&r->addrs[i]);
	free(r->addrs);
	r->addrs = xcalloc(n, sizeof(*r->addrs));
	r->n_addrs = n;
	for (size_t i = 0; i < n; i++) {
		result_init(&r->addrs[i], r->ep, r->time_ms);
		result_move(&r->addrs[i], &each[i]);
		r->addrs[i].time_ms = r->time_ms;	/* the same slot */
		FREE_NULL(r->addrs[i].memory);	/* the endpoint keeps one memory */
	}
}

int
result_addresses_healthy(const json_t *details, int *total)
{
	json_t *list = detail_get_list(details, DETAIL_ADDRESSES), *e;
	size_t i;
	int ok = 0;

	if (total != NULL)
		*total = 0;
	if (list == NULL || json_array_size(list) == 0)
		return -1;
	json_array_foreach(list, i, e) {
		json_t *st = json_object_get(e, "status");

		if (!json_is_string(st) || strcmp(json_string_value(st), "down") != 0)
			ok++;
	}
	if (total != NULL)
		*total = (int)json_array_size(list);
	return ok;
}
