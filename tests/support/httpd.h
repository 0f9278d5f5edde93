/*
 * A small HTTP/1.1 (optionally HTTPS) server for tests, listening on 127.0.0.1 on a free
 * ephemeral port, one thread per connection, every response "Connection: close".
 * Routes:
 *   /ok              200 text/plain "hello from httpd\n"
 *   /status/N        status N, empty body
 *   /big/N           200 with N bytes of 'a'
 *   /gzip            200, Content-Encoding: gzip, the blob given to httpd_set_blob
 *   /blob            200 application/json, the blob given to httpd_set_blob, as is
 *   /redirect/N      302 to /redirect/N-1; /redirect/0 is 200
 *   /redirect-to/U   302 to U (the rest of the path, verbatim)
 *   /hang            reads the request and never answers (until the client or the server quits)
 *   /slow/MS         200 after MS milliseconds
 *   /hold/MS         like /slow, counted in httpd_max_active
 *   /bighdr          200 with more than 100 KiB of response headers
 *   /auth            200 "hello from httpd\n" with Basic credentials u:p, else 401
 *   /a/up            302 to ../ok (a relative reference)
 *   /chunked         200 "hello from httpd\n" in two chunks (an extension, a trailer)
 *   /interim         a 103 response, then 200 "hello from httpd\n"
 *   /bare-lf         200 "hello from httpd\n", its head's lines ended by "\n" alone
 *   /close           200 "hello from httpd\n" without a length, ended by closing
 *   /short           200 promising 100 bytes, sending 17, then closing
 */
#ifndef TW_TEST_HTTPD_H
#define TW_TEST_HTTPD_H

#include <stddef.h>

struct httpd;

/*
 * Starts a server; with cert and key (PEM files) it speaks TLS.
 * Returns the server, listening before this returns, or NULL.
 */
struct httpd *httpd_start(const char *cert, const char *key);

/* Returns the port the server listens on. */
int httpd_port(const struct httpd *);

/* Sets the body served at /gzip (copied). */
void httpd_set_blob(struct httpd *, const void *data, size_t len);

/* Returns the highest number of /hold requests being served at once, and resets it. */
int httpd_max_active(struct httpd *);

/* Returns the number of requests read so far. */
int httpd_requests(struct httpd *);

/* Stops the server, wakes waiting handlers, joins every thread, frees. NULL is a no-op. */
void httpd_stop(struct httpd *);

#endif
