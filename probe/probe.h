/*
 * The probe interface: one struct probe_ops per kind, registered in probe.c.
 * Transport (engine.c, http.c: libcurl multi on libevent) is separate from evaluation:
 * a kind builds requests and evaluates responses; it never does I/O itself.
 * probe/ never includes store/: what a kind needs from the past comes in struct probe_input.
 */
#ifndef TW_PROBE_H
#define TW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

#include "../core/config.h"
#include "../core/kind.h"
#include "../core/result.h"

/* What the caller knows from earlier results of this endpoint. */
struct probe_input {
	/* The kind memory stored with this endpoint's last result (result.memory), NULL = none. */
	const char	*memory;
	/* The kind memory of the endpoint probe_ops.peer names, NULL = none stored. */
	const char	*peer_memory;
};

/* The TLS handshake a request makes. */
enum probe_tls {
	PROBE_TLS_DEFAULT,	/* verified, libcurl's and the system's versions and suites */
	PROBE_TLS_LEGACY,	/* handshake only, unverified, TLS 1.0 and 1.1 only, any suite */
	PROBE_TLS_WEAK,		/* handshake only, unverified, TLS 1.2 at most, weak suites only */
	PROBE_TLS_PLAIN		/* a side request that needs no TLS verification (OCSP, CRL) */
};

/* What a capture request saw of the connection (borrowed from the transport). */
struct probe_capture {
	STACK_OF(X509)	*chain;		/* as the server sent it, leaf first; NULL = not https */
	const unsigned char *stapled;	/* the stapled OCSP response, NULL = none */
	size_t		 stapled_len;
	const char	*hsts;		/* Strict-Transport-Security of the first response, or NULL */
};

/* One HTTP request a kind wants sent. */
struct probe_request {
	char		*url;		/* owned */
	int		 post;		/* 0 = GET, 1 = POST */
	unsigned char	*body;		/* owned, POST body */
	size_t		 body_len;
	const char	*content_type;	/* static string or NULL */
	const char	*accept;	/* static string or NULL */
	/*
	 * The reason a transport failure of this request is reported as; REASON_OK keeps the
	 * transport's own (dns, connect, tls, timeout, ...). The OIDC JWKS fetch sets
	 * oidc_invalid: SPEC §3 calls a JWKS that cannot be fetched an invalid OIDC setup.
	 */
	enum reason	 failure_reason;
	const char	*what;		/* static label for messages ("JWKS"), or NULL */
	/*
	 * A side request of the TLS posture check (SPEC §14, login_posture.c): its transport
	 * failure is handed to finish (probe_response.transport_reason) instead of ending the
	 * probe, and it adds nothing to the timings, redirects or TLS expiry of the result.
	 */
	bool		 side;
	enum probe_tls	 tls;		/* the handshake to attempt (side requests) */
	/* Records the chain sent, the stapled OCSP response and HSTS (probe_response.capture). */
	bool		 capture;
	/*
	 * A side question (the ocsp consistency check): its exchange is not counted in the
	 * result's timings, so it neither makes the endpoint slow nor moves its latency.
	 */
	bool		 untimed;
};

/* The transport's answer to a probe_request, handed to the kind when the exchange completed. */
struct probe_response {
	long		 http_status;
	const unsigned char *body;	/* borrowed, decoded, NUL-terminated after len */
	size_t		 len;
	const char	*content_type;	/* borrowed, may be NULL */
	const char	*effective_url;	/* borrowed */
	int		 redirects;
	int64_t		 tls_not_after_ms; /* server certificate expiry, 0 = not https / unknown */
	double		 rtt_ms;	/* request sent to response received (whole exchange) */
	/* Side requests: REASON_OK, or the transport failure and its message. */
	enum reason	 transport_reason;
	const char	*transport_message;
	const char	*tls_version;	/* negotiated ("TLSv1.3"), NULL = no TLS session */
	const char	*tls_cipher;	/* negotiated suite, NULL = no TLS session */
	struct probe_capture capture;	/* filled for capture requests */
};

struct probe_ops {
	const char	*name;
	enum probe_kind	 kind;
	/* The kind keeps a memory between probes: callers read it before start (probe_input). */
	bool		 memory;
	/*
	 * Names another endpoint whose kind memory this one reads too (probe_input.peer_memory):
	 * returns 1 with *provider and *endpoint (valid until the next call), or 0 when none.
	 */
	int		 (*peer)(const struct conf_endpoint *ep, const char **provider,
			    const char **endpoint);
	/* The transport records http_status and redirects even when nothing went wrong. */
	bool		 http_details;
	/* Config keys, detail fields, presentation strings (core/kind.h); NULL = none. */
	const struct kind_info *info;
	/*
	 * Builds the first request into *req.
	 * Returns per-probe state (freed by free_state; may be NULL), or sets r down and
	 * returns NULL with req->url == NULL when no request can be made.
	 */
	void	*(*start)(const struct conf_endpoint *, const struct probe_input *,
		    struct probe_request *req, struct result *r);
	/*
	 * Evaluates a completed exchange at now_ms.
	 * Returns 1 with *next filled when another request is needed (OIDC: the JWKS), else 0.
	 */
	int	 (*finish)(void *state, const struct conf_endpoint *,
		    const struct probe_response *, int64_t now_ms,
		    struct probe_request *next, struct result *r);
	void	 (*free_state)(void *state);
	/*
	 * A kind whose exchanges are not HTTP (dns) sets run instead of start and finish and
	 * does its own I/O: non-blocking sockets with events on base, each with its timeout.
	 * run returns the kind's state, or flags r and returns NULL when nothing can be sent.
	 * The kind calls done(done_arg) exactly once, from one of its event callbacks (never
	 * from run), when r is final and it has no more work; the engine then calls
	 * free_state, which removes every event the kind still has on base. The kind sets
	 * r->timings itself.
	 */
	void	*(*run)(const struct conf_endpoint *, const struct probe_input *,
		    struct event_base *base, void (*done)(void *done_arg), void *done_arg,
		    struct result *r);
};

/* Returns the ops for a kind (never NULL for a valid kind). */
const struct probe_ops *probe_ops_for(enum probe_kind);

/* Frees what req owns and zeroes it. */
void probe_request_clear(struct probe_request *);

/*
 * Flags r with http_status unless the response status is acceptable:
 * want == 0 accepts any 2xx. Returns 1 when acceptable.
 */
int probe_check_http(const struct probe_response *, long want, struct result *r);

/*
 * Fills buf with n bytes from the kernel's CSPRNG (getrandom(2); OpenSSL's RAND_bytes only
 * where that is missing). For nonces: ~1 k instructions where RAND_bytes costs ~170 k on
 * OpenSSL 3.0. Returns 0, or -1.
 */
int probe_random(void *buf, size_t n);

/*
 * ERR_clear_error when OpenSSL's error queue holds anything: clearing an empty queue
 * walks all its slots (~800 instructions), a probe clears it several times (issue 22).
 */
void probe_err_clear(void);

/* Converts an ASN1_TIME to epoch ms; returns 0 or -1. */
struct asn1_string_st;
struct tm;
/* The epoch ms of UTC broken-down time tm, as timegm(3) * 1000 for in-range fields. */
int64_t probe_tm_utc_ms(const struct tm *tm);
int probe_asn1_time_ms(const struct asn1_string_st *, int64_t *ms);

#endif
