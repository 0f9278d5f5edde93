/*
 * trustwatch's own HTTPS client (issue 22): one verified HTTP/1.1 exchange over TLS on the
 * engine's event base, with one SSL_CTX per trust set shared by every connection of an
 * engine. libcurl 7.88 builds a new SSL_CTX for every connection (~1.1 M instructions of
 * cipher, digest, group and signature-algorithm discovery on OpenSSL 3.0, more than a
 * fifth of a verified login probe); everything else is as libcurl does it for the engine
 * (http.c): a fresh connection and no TLS session resumption for every probe, full chain
 * and name verification (system store plus tls_ca), at most HTTP_MAX_REDIRECTS redirects
 * (http or https, resolved again unless to the pinned host), a decoded body capped after
 * decoding (chunked, gzip, deflate), headers capped, the same phase timings, reasons and
 * chain explanation, and the posture capture (versions, chain, stapled OCSP, HSTS).
 * Used by the engine for every request to an https URL with the default handshake and no
 * credentials in the URL, unless a proxy is set in the environment (https_proxy, all_proxy:
 * libcurl honours them) or TW_HTTPS_CLIENT=curl is: then those go through libcurl as before.
 * Internal to probe/.
 */
#ifndef TW_PROBE_HTTPS_H
#define TW_PROBE_HTTPS_H

#include <stdbool.h>

#include <event2/event.h>

#include "http.h"

struct https_client;
struct https_req;

/* A client on base (borrowed) using trust (borrowed) for tls_ca stores. */
struct https_client *https_client_new(struct event_base *base, struct http_trust *trust);
/* Frees c; every request of c must be freed first. NULL is a no-op. */
void	https_client_free(struct https_client *c);

/* Whether req goes through this client: an https URL, the default handshake, not turned off. */
bool	https_wanted(const struct probe_request *req);

typedef void https_done_fn(void *arg);

/*
 * Starts req (borrowed until https_req_free) for ep. pin_host/pin_addr (may be NULL): the
 * host whose connections go to the address pin_addr, on any port (as CURLOPT_CONNECT_TO);
 * any other name is resolved. done(arg) is called exactly once from the event loop, never
 * from inside this call. Returns NULL with err on a setup failure (done is then never called).
 */
struct https_req *https_start(struct https_client *c, const struct conf_endpoint *ep,
    const struct probe_request *req, const char *pin_host, const char *pin_addr,
    https_done_fn *done, void *arg, char *err, size_t errsz);

/* What the finished request produced (borrowing from x, valid until https_req_free). */
void	https_outcome(struct https_req *x, struct http_outcome *out);

/*
 * The absolute URL of the reference loc (a Location) against the absolute http(s) URL
 * base (RFC 3986 §5.2: dot segments removed), its fragment dropped and spaces escaped
 * (caller frees), or NULL when it is not http or https or holds control characters.
 */
char	*https_url_join(const char *base, const char *loc);

/* Frees x, stopping it if still running. NULL is a no-op. */
void	https_req_free(struct https_req *x);

#endif
