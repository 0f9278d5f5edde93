/*
 * One probe result: status, reason, message, phase timings and details.
 * Shared by probe/ (which fills it) and store/ (which keeps it).
 */
#ifndef TW_RESULT_H
#define TW_RESULT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "details.h"

struct conf_endpoint;

enum status {
	STATUS_UP,
	STATUS_DEGRADED,
	STATUS_DOWN,
	STATUS__MAX
};

enum reason {
	REASON_OK,
	REASON_SLOW,
	REASON_DNS,
	REASON_CONNECT,
	REASON_TIMEOUT,
	REASON_TLS,
	REASON_TLS_EXPIRING,
	REASON_HTTP_STATUS,
	REASON_BODY_MISMATCH,
	REASON_TOO_LARGE,
	REASON_MALFORMED,
	REASON_SIGNATURE_INVALID,
	REASON_UNTRUSTED,
	REASON_STATUS_MISMATCH,
	REASON_STALE,
	REASON_EXPIRED,
	REASON_NONCE_MISMATCH,
	REASON_IMPRINT_MISMATCH,
	REASON_POLICY_MISMATCH,
	REASON_REJECTED,
	REASON_CLOCK_SKEW,
	REASON_REGRESSED,
	REASON_OIDC_INVALID,
	REASON_SAML_INVALID,
	REASON_INTERNAL,
	/* Appended after internal: stored reason codes of older results keep their meaning. */
	REASON_DNS_LAME,		/* kind dns (SPEC §14), down */
	REASON_DNS_INCONSISTENT,	/* kind dns, degraded */
	REASON_DNS_SINGLE_POINT,	/* kind dns, degraded (RFC 2182) */
	REASON_DNSSEC_BOGUS,		/* kind dns, down (RFC 4035) */
	REASON__MAX
};

enum phase {
	PHASE_DNS,
	PHASE_CONNECT,
	PHASE_TLS,
	PHASE_TTFB,
	PHASE_TOTAL,
	PHASE__MAX
};

extern const char *const status_names[STATUS__MAX];
extern const char *const reason_names[REASON__MAX];
extern const char *const phase_names[PHASE__MAX];

struct result {
	const struct conf_endpoint *ep;	/* borrowed from the config */
	int64_t		 time_ms;	/* start of the probe, Unix epoch ms */
	enum status	 status;
	enum reason	 reason;
	char		*message;	/* owned, NULL when none */
	double		 timings[PHASE__MAX]; /* ms; < 0 = phase not reached */
	json_t		*details;	/* owned JSON object, never NULL after init; fields in details.h */
	/*
	 * The kind memory to keep with the endpoint (owned, NULL = keep the stored one): an
	 * opaque string the kind writes here and reads back through probe_input.memory.
	 */
	char		*memory;
	/* Keep message and details in the history even when up (a result carrying events). */
	bool		 keep_details;
};

/*
 * Returns the status a reason implies: ok is up, slow/tls_expiring/dns_inconsistent/
 * dns_single_point degraded, else down.
 */
enum status reason_status(enum reason);

/* Returns the reason named s, or -1. */
int reason_from_name(const char *s);
int status_from_name(const char *s);

/* Sets r to up/ok with no message, all timings unreached, an empty details object. */
void result_init(struct result *r, const struct conf_endpoint *ep, int64_t time_ms);

/* Frees what r owns; r may be initialised again afterwards. */
void result_clear(struct result *r);

/*
 * Records a finding: replaces the current reason when the new one is worse
 * (down beats degraded beats up; among equals the first finding wins).
 * Returns 1 when r changed.
 */
int result_flag(struct result *r, enum reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int result_vflag(struct result *r, enum reason reason, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Moves everything from src into dst (dst cleared first); src is left initialised-empty. */
void result_move(struct result *dst, struct result *src);

#endif
