/*
 * Internal to web/: the pieces server.c dispatches to, and the pure helpers that
 * tests/web_test.c checks. Nothing outside web/ and its test includes this.
 */
#ifndef TW_WEB_INT_H
#define TW_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

struct buf;
struct conf;
struct evbuffer;
struct evhttp_request;
struct store;
struct web;
struct web_daemon_stats;

/* Limits (README "Hardening"). */
#define WEB_MAX_CONNECTIONS	256	/* accepting pauses at this many open connections */
#define WEB_HEADER_TIMEOUT_S	10	/* a request line + headers must arrive within this */
#define WEB_IO_TIMEOUT_S	30	/* evhttp read/write idle timeout */
#define WEB_MAX_HEADERS		8192	/* request line + headers, bytes */
#define WEB_MAX_BODY		1024	/* request body, bytes (we take no bodies) */
#define WEB_MAX_PATH		1024	/* decoded path, bytes */
#define WEB_MAX_INPUT		65536	/* unread input per connection: reading pauses above it */
#define WEB_CACHE_CONTROL	"public, max-age=60"	/* site files: short, the site re-renders */
#define WEB_API_WINDOWS_MS	60000	/* /api/v1/status recomputes uptime windows at most this often */

/* The configuration and store a request is served from (borrowed from struct web). */
const struct conf *web_conf(const struct web *);
struct store *web_store(const struct web *);
/* api.c's cache slot in struct web (NULL until used); web_free frees it. */
struct web_api_cache;
struct web_api_cache **web_api_cache(struct web *);
void web_api_cache_free(struct web_api_cache *);	/* NULL is a no-op */

/*
 * Sends a reply: adds the security headers, Content-Type (when ctype is set) and
 * Cache-Control (when cache is set), logs the request, and takes body (NULL = none).
 */
void web_reply(struct web *, struct evhttp_request *, int code, const char *ctype,
    const char *cache, struct evbuffer *body);
/* Sends a small static text reply ("404 not found\n") with code; text is trusted. */
void web_reply_text(struct web *, struct evhttp_request *, int code, const char *text);

/* guard.c */

/*
 * The state of one connection's request stream, checked before evhttp parses it.
 * All fields are the guard's own; a caller reads only bad and bad_back.
 */
struct web_guard {
	int		 state, before_cr;
	size_t		 line_len;	/* bytes of the current line so far */
	char		 tok[32];	/* the current field name or request-line token */
	size_t		 tok_len;
	char		 method[8];
	unsigned	 spaces;
	bool		 http11, no_body, host, have_cl, is_cl, cl_digits, cl_done;
	unsigned long long cl_len, body_left;
	unsigned long	 requests;	/* request lines completed */
	const char	*bad;		/* why the stream was refused; NULL while it is fine */
	size_t		 bad_back;	/* bytes of the refused line before the refused byte */
};

void web_guard_init(struct web_guard *);

/*
 * Checks the next n bytes of the stream. Returns n when they keep to the rules (SPEC §9:
 * one Content-Length at most and no Transfer-Encoding, Host once and required on HTTP/1.1,
 * no line folding, no NUL or control byte in the request line or a header, tchar names
 * directly followed by ':', CR only before LF, a body only on POST, PUT or PATCH, the methods
 * every evhttp version reads a body for); else the index
 * of the first refused byte, with bad and bad_back set (the line it belongs to starts
 * bad_back bytes before it). Once refused, a stream stays refused and feed returns 0.
 */
size_t web_guard_feed(struct web_guard *, const unsigned char *p, size_t n);

/* static.c */

enum web_path_rc {
	WEB_PATH_OK,
	WEB_PATH_BAD,		/* never served: traversal, NUL, encoded slash, backslash, … → 400 */
	WEB_PATH_HIDDEN,	/* a segment starting with '.' → 404 */
};

/*
 * Decodes and checks the path of a request target (percent-encoded, starting with '/').
 * Writes the relative path (no leading '/', segments joined by single '/', "" for the
 * root) into out and sets *dir when the path ends with '/'.
 * Rejects (WEB_PATH_BAD) a path without a leading '/', a malformed escape, NUL or any
 * control character, an encoded '/' (%2f), a backslash (raw or encoded), '.' or '..'
 * segments (raw or encoded), and a decoded path longer than outsz - 1.
 */
enum web_path_rc web_path_normalize(const char *raw, char *out, size_t outsz, bool *dir);

/* The Content-Type for a file name, by extension (application/octet-stream if unknown). */
const char *web_content_type(const char *name);

/* Writes the entity tag of a file ("\"size-mtime\"", hex, quoted) into out (>= 64 bytes). */
void web_etag(const struct stat *, char *out, size_t outsz);

/* True when an If-None-Match header value (a list, or "*") matches etag (weak compare). */
bool web_etag_matches(const char *if_none_match, const char *etag);
/* Whether an Accept-Encoding value takes gzip (gzip or *, not with q=0). */
bool web_accepts_gzip(const char *accept_encoding);

/* Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); returns 0 and sets *t, or -1. */
int web_http_date_parse(const char *s, time_t *t);
/* Formats t as an IMF-fixdate into out (>= 32 bytes). */
void web_http_date_format(time_t t, char *out, size_t outsz);

/*
 * Resolves rel under root (an absolute, resolved directory) with realpath; returns 0 and
 * the resolved path in out (PATH_MAX bytes) only when it is root itself or inside it
 * (symlinks leaving the root are refused), else -1 with errno (ENOENT, EACCES).
 */
int web_resolve(const char *root, const char *rel, char *out);

/* Serves the site file for request path raw (GET or HEAD). */
void web_static(struct web *, struct evhttp_request *, const char *raw);

/* Sends 404 with the site's 404.html when it exists, else a built-in page. */
void web_not_found(struct web *, struct evhttp_request *);

/* api.c */

/* /api/v1/status, /api/v1/incidents (query in the request URI), /healthz. */
void web_api_status(struct web *, struct evhttp_request *);
void web_api_incidents(struct web *, struct evhttp_request *);
void web_api_dependencies(struct web *, struct evhttp_request *);
void web_healthz(struct web *, struct evhttp_request *);
/* Sends {"error": msg} as application/json with code; msg is trusted. */
void web_api_error(struct web *, struct evhttp_request *, int code, const char *msg);

/*
 * Health (see README): 0 when the store answers and the latest result across the
 * configured endpoints is within web_health_window_ms of now; else -1 with why (>= 128 bytes).
 */
int web_health(const struct conf *, struct store *, int64_t now, char *why, size_t whysz);
/* max(3 × the smallest configured interval, 5 min). */
int64_t web_health_window_ms(const struct conf *);

/* nodes.c: the vantage nodes (SPEC §11) */

/* /api/v1/nodes: the vantage table (report_json_nodes). */
void web_api_nodes(struct web *, struct evhttp_request *);
/* Appends trustwatch_node_up and trustwatch_node_last_seen_seconds to out; 0 or -1. */
int web_metrics_nodes(const struct conf *, struct store *, int64_t now_ms, struct buf *out);

/* metrics.c */

/* Appends s escaped as a Prometheus label value (\\, \", \n) to out. */
void web_metrics_escape(struct buf *out, const char *s);

/*
 * Appends every trustwatch_* metric family (HELP, TYPE, samples) for the configured
 * endpoints to out, in the text exposition format 0.0.4: the build, the outbox, and with
 * daemon (NULL under `serve`) the render, store-write and spool figures. Returns 0, or -1
 * when the store fails (out then holds a partial text to discard).
 */
int web_metrics_render(const struct conf *, struct store *, const struct web_daemon_stats *,
    int64_t now_ms, struct buf *out);

/* Fills *out with the daemon's figures; returns false under `serve` (none). */
bool web_daemon_stats(const struct web *, struct web_daemon_stats *out);

void web_metrics(struct web *, struct evhttp_request *);

/* server.c */

/* Appends s to out as a logfmt value: bare when safe, else quoted with \" \\ and \xNN escapes. */
void web_logfmt_value(struct buf *out, const char *s);

#endif
