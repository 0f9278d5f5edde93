/*
 * HTTP transport helpers for the engine: one libcurl easy handle per request, set up
 * the way every probe is sent (fresh connection, http/https only, at most 5 redirects,
 * decoded body capped after decoding, headers capped, full TLS verification with the
 * system store plus the endpoint's tls_ca), and the translation of curl's outcome into
 * our reason codes and phase timings. A failed certificate check is explained in words:
 * how many certificates the server sent, where the chain stops and why (an intermediate
 * the server omits, or a root that is not in the system store or tls_ca).
 * For the TLS posture check (SPEC §14) a request may instead attempt a legacy or weak
 * handshake only (CURLOPT_CONNECT_ONLY, unverified, security level 0), and may capture the
 * chain the server sent, its stapled OCSP response and its HSTS header.
 * Internal to probe/: CURLcode and CURL handles never leave this directory.
 */
#ifndef TW_HTTP_H
#define TW_HTTP_H

#include <stdint.h>

#include <curl/curl.h>

#include "probe.h"
#include "../core/util.h"

#define HTTP_MAX_REDIRECTS	5
#define HTTP_MAX_HEADER_BYTES	(64u * 1024)	/* per response, all header lines */
#define HTTP_TRUST_TTL_MS	(24 * 3600 * 1000)	/* trust stores are rebuilt daily */

/*
 * Trust stores for endpoints with tls_ca (system store plus tls_ca), built on first
 * use and shared by every later connection to such an endpoint until the TTL passes.
 */
struct http_trust;
struct http_trust *http_trust_new(void);
/* http_trust_free(NULL) is a no-op; transfers keep their own store references. */
void http_trust_free(struct http_trust *);

/*
 * Returns a new reference to the store for tls_ca (NULL: the system trust alone), from t
 * while fresh, or NULL with err. The https client (https.c) verifies with it.
 */
X509_STORE *http_trust_store(struct http_trust *t, const char *tls_ca, char *err, size_t errsz);

/*
 * Explains the failed chain check of sctx into buf (n bytes): what the server sent and
 * where the chain stops, in words.
 */
void	http_chain_explain(X509_STORE_CTX *sctx, char *buf, size_t n);

/* What a request saw of its TLS connections (both transports: http.c, https.c). */
struct http_seen {
	int		 https_seen;		/* a TLS session was established */
	int64_t		 tls_not_after_ms;	/* earliest leaf expiry seen, 0 = none */
	char		 tls_version[24];	/* negotiated on the first, "" = none */
	char		 tls_cipher[64];
	STACK_OF(X509)	*chain;			/* owned: the chain the server sent, first hop */
	unsigned char	*stapled;		/* owned: stapled OCSP response, first hop */
	size_t		 stapled_len;
	char		*hsts;			/* owned: HSTS header of the first response */
};

/*
 * Records what the live connection ssl shows: that TLS was used, the version and suite
 * (first connection), the leaf's expiry (the earliest); with capture, once, the chain the
 * server sent and its stapled OCSP response.
 */
void	http_seen_note(struct http_seen *s, SSL *ssl, int capture);
/* Points resp's TLS fields and capture at s (borrowed until http_seen_clear). */
void	http_seen_fill(const struct http_seen *s, struct probe_response *resp);
/* Frees what s owns. */
void	http_seen_clear(struct http_seen *s);

/* One request in flight. */
struct http_xfer {
	CURL		*easy;			/* owned */
	void		*owner;			/* borrowed, CURLOPT_PRIVATE is this xfer */
	struct http_seen seen;			/* of its TLS connections */
	struct buf	 body;			/* decoded body, NUL-terminated */
	size_t		 max_body;
	size_t		 hdr_bytes;		/* header bytes of the current response */
	int		 body_too_large;
	int		 hdr_too_large;
	struct curl_slist *headers;		/* owned, when not a shared set (http.c) */
	X509_STORE	*store;			/* owned reference: system plus tls_ca, or NULL */
	char		 errbuf[CURL_ERROR_SIZE];
	char		 tls_why[512];		/* why the chain failed, in words; "" = it did not */
	/* TLS posture (probe_request.tls, .capture) */
	enum probe_tls	 tls;
	int		 capture;
	int		 nresp;			/* responses seen (redirect hops) */
};

/* What a finished request produced, in our terms. */
struct http_outcome {
	enum reason	 reason;		/* REASON_OK when the exchange completed */
	char		 message[CURL_ERROR_SIZE + 640];
	double		 timings[PHASE__MAX];	/* ms, < 0 = not reached */
	struct probe_response resp;		/* borrowed from the xfer, valid until http_xfer_free */
};

/*
 * How many reset easy handles wait for the next transfer: http_xfer_free resets a handle
 * (curl_easy_reset) and keeps it, up to 64, instead of destroying it (tests).
 */
size_t	http_easy_idle(void);

/*
 * Frees the calling thread's idle easy handles and shared header lists: each probe thread
 * (probe/pool.c) has its own, as curl handles belong to one thread's multi.
 */
void	http_thread_clear(void);

/* Initialises libcurl once per process; returns 0 or -1. */
int http_global_init(void);

/*
 * Returns a new transfer for req on ep, owned by the caller (http_xfer_free), or NULL
 * with a reason for the failure in err (errsz bytes).
 * trust (borrowed, may be NULL: no sharing) caches tls_ca stores.
 * owner is stored for the caller and never touched.
 */
struct http_xfer *http_xfer_new(const struct conf_endpoint *ep, const struct probe_request *req,
    struct http_trust *trust, void *owner, char *err, size_t errsz);

/*
 * Binds transfer e to the local address addr (node.source_address, an IP literal; NULL =
 * the system's choice). Every probe transfer is set up through it. Returns 0 or -1.
 */
int http_bind_source(CURL *e, const char *addr);

/* Translates the finished transfer's curl code rc into out (borrowing from x). */
void http_xfer_outcome(struct http_xfer *x, CURLcode rc, struct http_outcome *out);

/* Frees x and everything it owns. http_xfer_free(NULL) is a no-op. */
void http_xfer_free(struct http_xfer *x);

#endif
