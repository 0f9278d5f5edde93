/*
 * TLS posture of a login endpoint (SPEC §14, `expect.posture: true` on https): protocol
 * versions and suites accepted, the chain the server sends, key sizes and signature
 * algorithms, the server certificate's revocation per its own OCSP responder (AIA) and CRL
 * (CDP) judged by the ocsp and crl evaluators, OCSP stapling and HSTS.
 * The login kind (login.c) captures the page request's connection and then sends the side
 * requests this file builds: a TLS 1.0/1.1-only handshake, a weak-suite handshake, the
 * OCSP request and the CRL download, one after the other on the engine's event loop.
 * Every check is one entry of the `posture` detail: {check, severity, text[, reason]}.
 */
#ifndef TW_LOGIN_POSTURE_H
#define TW_LOGIN_POSTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "probe.h"
#include "../core/kind.h"

/* HSTS max-age the check expects (RFC 6797; one year, as browsers' preload lists ask). */
#define POSTURE_HSTS_MIN_S	31536000LL

/* The login kind's own configuration (ep->kind_conf). */
struct login_conf {
	bool		 posture;	/* expect.posture */
};

/* Config plumbing for login's kind_info. */
extern const struct conf_key login_conf_keys[];
extern const size_t login_conf_n_keys;
void	*login_conf_new(void);
void	 login_conf_free(void *);
void	 login_conf_check(struct conf_kv *, struct conf_endpoint *ep);
void	 login_conf_settings(const struct conf_endpoint *ep, char *out, size_t len);

/* The detail fields the posture check records. */
enum posture_field {
	POSTURE_FINDINGS,	/* list of {check, severity, text[, reason]} */
	POSTURE_TLS_VERSION,	/* negotiated by the page request */
	POSTURE_CHAIN_SENT,	/* certificates the server sent */
	POSTURE_STAPLING,	/* good, revoked, unusable or none */
	POSTURE_HSTS_MAX_AGE,	/* seconds, absent when no header */
	POSTURE__MAX
};
extern const struct detail_field posture_fields[POSTURE__MAX];

/* Whether ep asks for the posture check. */
bool	 login_posture_wanted(const struct conf_endpoint *ep);

struct posture;

/*
 * Starts the check from the page request's response (a capture request): records the
 * chain, key, signature, stapling and HSTS findings into r. Returns the state for the side
 * requests (free with posture_free), never NULL.
 */
struct posture *posture_begin(const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now_ms, struct result *r);

/*
 * Builds the next side request into next, after handling resp (the previous side
 * request's outcome; NULL for the first call). Returns 1 with next set, or 0 when the
 * check is complete and its findings are recorded in r.
 */
int	 posture_next(struct posture *, const struct conf_endpoint *ep,
    const struct probe_response *resp, int64_t now_ms, struct probe_request *next,
    struct result *r);

void	 posture_free(struct posture *);

/* Frees the calling thread's system trust store (a probe thread ending: probe/pool.c). */
void	 posture_thread_clear(void);

#endif
