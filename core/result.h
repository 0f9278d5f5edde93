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
	/* Stored as numbers (store/backend.h codes): new reasons go here, at the end. */
	REASON_WEAK_TLS,	/* SPEC §14 TLS posture: old protocol, weak suite, key or signature */
	REASON_CHAIN_INCOMPLETE,	/* the server omits a certificate of its chain */
	REASON_REVOKED,		/* the server certificate is revoked by its own CA */
	REASON_REDUNDANCY_LOST,	/* SPEC §14: some of the host's addresses are not healthy */
	REASON_INCONSISTENT,	/* SPEC §14: the OCSP responder contradicts its CRL */
	REASON_UNISSUED_GOOD,	/* SPEC §14: good for a serial never issued */
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
	/*
	 * addresses: all (SPEC §14). address: the address this result was measured at (owned),
	 * NULL = the host's name was left to the transport. addrs: with several addresses, the
	 * endpoint result combines n_addrs per-address results kept here (owned, each with
	 * address set and no addrs of its own); NULL with one address, so an endpoint with one
	 * address costs nothing more.
	 */
	char		*address;
	struct result	*addrs;
	size_t		 n_addrs;
};

/*
 * Returns the status a reason implies: ok is up; slow, tls_expiring, weak_tls,
 * chain_incomplete, redundancy_lost, dns_inconsistent and dns_single_point degraded;
 * else down.
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

/*
 * Makes r (initialised, ep and time_ms set) the endpoint verdict of n per-address results
 * (SPEC §14), taking them over (each is moved into r->addrs; the array itself stays the
 * caller's). An address is healthy when not down. All healthy: the worst of them (up when
 * all are up), with its reason, message, timings and details. Some healthy: degraded
 * redundancy_lost, "1 of 3 addresses healthy", naming each address down and why. None:
 * the first address's result among the worst. The details gain DETAIL_ADDRESSES (each
 * address, its status, reason, total and message); the kind memory is the first healthy
 * address's. n == 0 leaves r as it is; n == 1 moves that one result into r.
 */
void result_combine_addresses(struct result *r, struct result *each, size_t n);

/* Counts the healthy (not down) addresses of a combined result's details; -1 = none listed. */
int result_addresses_healthy(const json_t *details, int *total);

/* Moves everything from src into dst (dst cleared first); src is left initialised-empty. */
void result_move(struct result *dst, struct result *src);

#endif
