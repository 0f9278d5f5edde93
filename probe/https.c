/*
 * trustwatch's own HTTPS client: see https.h. One request walks through the hops of its
 * redirects; each hop is resolve (unless pinned or a literal), connect, TLS handshake
 * (https), send, receive, on one non-blocking socket with one event at a time, all under
 * one timer for the endpoint's timeout.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include "https.h"
#include "../core/resolve.h"

#ifndef TW_VERSION
#define TW_VERSION "dev"
#endif

#define HTTPS_CTX_MAX	16		/* trust sets with a context kept; more are built each time */
#define HTTPS_LINE_MAX	4096		/* a chunk-size or trailer line */

/* One shared context per trust set (tls_ca path, "" = the system trust alone). */
struct ctx_entry {
	char		*tls_ca;
	SSL_CTX		*ctx;
	X509_STORE	*store;			/* the store it was built with (borrowed, for staleness) */
};

struct https_client {
	struct event_base *base;
	struct http_trust *trust;
	struct resolver	*resolver;		/* made on the first redirect to another name */
	struct ctx_entry ctxs[HTTPS_CTX_MAX];
	size_t		 nctx;
};

enum step { S_START, S_RESOLVE, S_CONNECT, S_HANDSHAKE, S_SEND, S_HEAD, S_BODY, S_DONE };
enum framing { F_NONE, F_LENGTH, F_CHUNKED, F_CLOSE };
enum chunk { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

struct https_req {
	struct https_client *c;
	const struct conf_endpoint *ep;
	const struct probe_request *req;
	https_done_fn	*done;
	void		*arg;
	char		*pin_host, *pin_addr;	/* owned, may be NULL */
	/* the current hop */
	char		*url;			/* owned: the hop's absolute URL */
	int		 tls;
	char		*host;			/* owned, without brackets */
	int		 port;
	const char	*target;		/* into url: path and query, "" = "/" */
	int		 post;			/* this hop sends the body (a 303 turns it into GET) */
	char		 addr[INET6_ADDRSTRLEN];
	enum step	 step;
	int		 fd;
	SSL		*ssl;
	struct event	*io;
	struct event	*timer;
	struct resolve_req *rq;
	struct buf	 out;
	size_t		 out_off;
	/* the response being read */
	struct buf	 head;			/* the current response's head so far */
	long		 status;
	enum framing	 framing;
	uint64_t	 left;			/* F_LENGTH: bytes, CH_DATA: bytes of the chunk */
	enum chunk	 ch;
	struct buf	 line;			/* a chunk-size or trailer line */
	int		 zmode;			/* 0 identity, 1 inflating */
	z_stream	 z;
	bool		 z_open;
	char		*location;		/* owned: of the current response */
	char		*content_type;		/* owned: of the last response */
	/* hop timing (ms from the hop's start) and the exchange's start */
	double		 t0, t_end, hop0, nl, co, ap, st;
	double		 sum_nl, sum_co, sum_ap, sum_st;
	bool		 any_nl, any_co, any_ap, any_st;
	/* what http_outcome wants */
	struct buf	 body;
	size_t		 max_body;
	int		 nresp, redirects;
	struct http_seen seen;			/* of its TLS connections */
	char		 tls_why[512];
	enum reason	 reason;
	char		 message[CURL_ERROR_SIZE + 640];
};

static pthread_once_t idx_once = PTHREAD_ONCE_INIT;
static int ssl_req_idx = -1;		/* SSL ex_data: the https_req of the connection */

static void
idx_init(void)
{
	ssl_req_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static double
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

bool
https_wanted(const struct probe_request *req)
{
	static int mode = -1;	/* 1 = this client, 0 = libcurl */

	if (mode < 0) {
		static const char *const proxy[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
		    "ALL_PROXY" };
		const char *v = getenv("TW_HTTPS_CLIENT");

		mode = v != NULL && strcmp(v, "curl") == 0 ? 0 : 1;
		/* A proxy is libcurl's to honour (with no_proxy), as before this client. */
		for (size_t i = 0; i < sizeof(proxy) / sizeof(proxy[0]); i++)
			if ((v = getenv(proxy[i])) != NULL && v[0] != '\0')
				mode = 0;
	}
	/* Credentials in the URL (user:password@) are libcurl's to send, as before. */
	return mode == 1 && req->tls == PROBE_TLS_DEFAULT && req->url != NULL &&
	    strncasecmp(req->url, "https://", 8) == 0 &&
	    memchr(req->url + 8, '@', strcspn(req->url + 8, "/?#")) == NULL;
}

struct https_client *
https_client_new(struct event_base *base, struct http_trust *trust)
{
	struct https_client *c = xcalloc(1, sizeof(*c));

	pthread_once(&idx_once, idx_init);
	c->base = base;
	c->trust = trust;
	return c;
}

void
https_client_free(struct https_client *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nctx; i++) {
		SSL_CTX_free(c->ctxs[i].ctx);
		free(c->ctxs[i].tls_ca);
	}
	resolver_free(c->resolver);
	free(c);
}

/* The verify callback: never changes the verdict, explains the first failure. */
static int
verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct https_req *x;

	if (ok || ssl == NULL || (x = SSL_get_ex_data(ssl, ssl_req_idx)) == NULL ||
	    x->tls_why[0] != '\0')
		return ok;
	http_chain_explain(sctx, x->tls_why, sizeof(x->tls_why));
	return ok;
}

/* A new context verifying with store (its reference is taken), or NULL. */
static SSL_CTX *
ctx_build(X509_STORE *store)
{
	static const unsigned char alpn[] = "\x08http/1.1";
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_cert_store(ctx, store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	/* Every probe as a new user: no session kept or offered. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The shared context for tls_ca (NULL: system trust), or NULL with err. Borrowed. */
static SSL_CTX *
ctx_get(struct https_client *c, const char *tls_ca, char *err, size_t errsz)
{
	const char *key = tls_ca != NULL ? tls_ca : "";
	struct ctx_entry *e = NULL;
	X509_STORE *st;
	SSL_CTX *ctx;

	/* A reference to the trust's current store: rebuilt daily, so compared each time. */
	if ((st = http_trust_store(c->trust, tls_ca, err, errsz)) == NULL)
		return NULL;
	for (size_t i = 0; i < c->nctx; i++)
		if (strcmp(c->ctxs[i].tls_ca, key) == 0)
			e = &c->ctxs[i];
	if (e != NULL && e->store == st) {
		X509_STORE_free(st);
		return e->ctx;
	}
	if ((ctx = ctx_build(st)) == NULL) {
		X509_STORE_free(st);
		ERR_clear_error();
		snprintf(err, errsz, "cannot set up TLS");
		return NULL;
	}
	if (e == NULL && c->nctx < HTTPS_CTX_MAX) {
		e = &c->ctxs[c->nctx++];
		e->tls_ca = xstrdup(key);
	} else if (e == NULL) {
		e = &c->ctxs[c->nctx - 1];	/* full: the last slot turns over */
		free(e->tls_ca);
		e->tls_ca = xstrdup(key);
	}
	SSL_CTX_free(e->ctx);
	e->ctx = ctx;
	e->store = st;
	return ctx;
}

/*
 * Splits the absolute http(s) URL x->url into the hop's scheme, host, port and target.
 * Returns 0, or -1 when it is not an http or https URL with a host.
 */
static int
url_split(struct https_req *x)
{
	const char *p = x->url, *h, *end, *at, *colon, *hend;
	long port;

	free(x->host);
	x->host = NULL;
	if (strncasecmp(p, "https://", 8) == 0) {
		x->tls = 1;
		p += 8;
	} else if (strncasecmp(p, "http://", 7) == 0) {
		x->tls = 0;
		p += 7;
	} else
		return -1;
	end = p + strcspn(p, "/?#");
	for (at = end; at > p && at[-1] != '@'; at--)
		;
	h = at > p ? at : p;
	x->target = end;
	if (*h == '[') {
		if ((hend = memchr(h, ']', (size_t)(end - h))) == NULL)
			return -1;
		x->host = xstrndup(h + 1, (size_t)(hend - h - 1));
		colon = hend + 1 < end && hend[1] == ':' ? hend + 1 : NULL;
		if (hend + 1 < end && colon == NULL)
			return -1;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		x->host = xstrndup(h, (size_t)((colon != NULL ? colon : end) - h));
	}
	x->port = x->tls ? 443 : 80;
	if (colon != NULL && colon + 1 < end) {
		char *stop;

		port = strtol(colon + 1, &stop, 10);
		if (stop != end || port <= 0 || port > 65535)
			return -1;
		x->port = (int)port;
	}
	return x->host[0] == '\0' ? -1 : 0;
}

/* Ends the request with reason and message; nothing more happens on it. */
static void finish(struct https_req *x, enum reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
hop_close(struct https_req *x)
{
	if (x->io != NULL) {
		event_free(x->io);
		x->io = NULL;
	}
	if (x->rq != NULL) {
		resolve_cancel(x->rq);
		x->rq = NULL;
	}
	if (x->ssl != NULL) {
		SSL_free(x->ssl);
		x->ssl = NULL;
	}
	if (x->fd >= 0) {
		close(x->fd);
		x->fd = -1;
	}
	if (x->z_open) {
		inflateEnd(&x->z);
		x->z_open = false;
	}
	buf_free(&x->out);
	buf_free(&x->head);
	buf_free(&x->line);
	x->out_off = 0;
}

/* Adds this hop's phases to the exchange's (as curl adds each request's after redirects). */
static void
hop_account(struct https_req *x)
{
	if (x->nl >= 0) { x->sum_nl += x->nl; x->any_nl = true; }
	if (x->co >= 0) { x->sum_co += x->co; x->any_co = true; }
	if (x->ap >= 0) { x->sum_ap += x->ap; x->any_ap = true; }
	if (x->st >= 0) { x->sum_st += x->st; x->any_st = true; }
	x->nl = x->co = x->ap = x->st = -1;
}

static void
finish(struct https_req *x, enum reason reason, const char *fmt, ...)
{
	va_list ap;

	if (x->step == S_DONE)
		return;
	x->reason = reason;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(x->message, sizeof(x->message), fmt, ap);
		va_end(ap);
	}
	hop_account(x);
	hop_close(x);
	if (x->timer != NULL)
		evtimer_del(x->timer);
	x->t_end = clock_ms();
	x->step = S_DONE;
	ERR_clear_error();
	x->done(x->arg);	/* may free x: nothing after this */
}

static void io_cb(evutil_socket_t fd, short what, void *arg);

/* Waits for fd to become readable (EV_READ) or writable (EV_WRITE). */
static void
wait_for(struct https_req *x, short what)
{
	if (x->io == NULL || event_get_events(x->io) != what) {
		if (x->io != NULL)
			event_free(x->io);
		x->io = event_new(x->c->base, x->fd, what, io_cb, x);
	}
	if (x->io == NULL || event_add(x->io, NULL) != 0)
		finish(x, REASON_INTERNAL, "cannot wait for the connection");
}

static void hop_connect(struct https_req *x);
static void hop_begin(struct https_req *x);

static void
resolved(const struct resolve_answer *a, void *arg)
{
	struct https_req *x = arg;

	x->rq = NULL;
	x->nl = clock_ms() - x->hop0;
	if (a->n == 0) {
		x->nl = -1;	/* as curl: the dns phase is not reached */
		finish(x, REASON_DNS, "Could not resolve host: %s (%s)", x->host,
		    a->error != NULL ? a->error : "no address");
		return;
	}
	snprintf(x->addr, sizeof(x->addr), "%s", a->addr[0]);
	hop_connect(x);
}

/* Starts the current hop (x->url, split by url_split): where to connect, then connects. */
static void
hop_begin(struct https_req *x)
{
	const char *src = x->ep->source_address;
	int family = src == NULL ? AF_UNSPEC : strchr(src, ':') ? AF_INET6 : AF_INET;
	char *err = NULL;

	x->hop0 = clock_ms();
	x->nl = x->co = x->ap = x->st = -1;
	x->status = 0;
	free(x->location);
	x->location = NULL;
	if (x->pin_host != NULL && strcasecmp(x->host, x->pin_host) == 0) {
		snprintf(x->addr, sizeof(x->addr), "%s", x->pin_addr);
		x->nl = 0;
	} else if (resolve_is_literal(x->host)) {
		snprintf(x->addr, sizeof(x->addr), "%s", x->host);
		x->nl = 0;
	} else {
		x->step = S_RESOLVE;
		if (x->c->resolver == NULL &&
		    (x->c->resolver = resolver_new(x->c->base, &err)) == NULL) {
			finish(x, REASON_INTERNAL, "%s", err);
			free(err);
			return;
		}
		x->rq = resolver_lookup(x->c->resolver, x->host, family,
		    x->ep->timeout_ms > 0 ? x->ep->timeout_ms : 30000, resolved, x);
		if (x->rq == NULL)
			finish(x, REASON_INTERNAL, "cannot ask the resolver for %s", x->host);
		return;
	}
	hop_connect(x);
}

/* Builds the request of this hop into x->out. */
static void
request_build(struct https_req *x)
{
	const struct probe_request *r = x->req;
	int v6 = strchr(x->host, ':') != NULL;
	size_t tlen = strcspn(x->target, "#");

	/* The path and query; "?q" right after the host has the path "/" (RFC 9110 §4.2.3). */
	buf_printf(&x->out, "%s %s%.*s HTTP/1.1\r\nHost: %s%s%s", x->post ? "POST" : "GET",
	    x->target[0] == '/' ? "" : "/", (int)tlen, x->target, v6 ? "[" : "", x->host,
	    v6 ? "]" : "");
	if (x->port != (x->tls ? 443 : 80))
		buf_printf(&x->out, ":%d", x->port);
	buf_printf(&x->out, "\r\nUser-Agent: trustwatch/" TW_VERSION "\r\nAccept: %s\r\n"
	    "Accept-Encoding: gzip, deflate\r\nConnection: close\r\n",
	    r->accept != NULL ? r->accept : "*/*");
	if (r->content_type != NULL)
		buf_printf(&x->out, "Content-Type: %s\r\n", r->content_type);
	if (x->post)
		buf_printf(&x->out, "Content-Length: %zu\r\n", r->body_len);
	buf_append(&x->out, "\r\n", 2);
	if (x->post && r->body_len > 0)
		buf_append(&x->out, r->body, r->body_len);
}

static void
hop_connect(struct https_req *x)
{
	struct sockaddr_storage sa, src;
	socklen_t salen, srclen = 0;
	const char *sl = x->ep->source_address;
	int one = 1;

	memset(&sa, 0, sizeof(sa));
	if (inet_pton(AF_INET, x->addr, &((struct sockaddr_in *)&sa)->sin_addr) == 1) {
		((struct sockaddr_in *)&sa)->sin_family = AF_INET;
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)x->port);
		salen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, x->addr, &((struct sockaddr_in6 *)&sa)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&sa)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)x->port);
		salen = sizeof(struct sockaddr_in6);
	} else {
		finish(x, REASON_INTERNAL, "not an address: %s", x->addr);
		return;
	}
	if (sl != NULL) {
		memset(&src, 0, sizeof(src));
		if (inet_pton(AF_INET, sl, &((struct sockaddr_in *)&src)->sin_addr) == 1) {
			src.ss_family = AF_INET;
			srclen = sizeof(struct sockaddr_in);
		} else if (inet_pton(AF_INET6, sl, &((struct sockaddr_in6 *)&src)->sin6_addr) == 1) {
			src.ss_family = AF_INET6;
			srclen = sizeof(struct sockaddr_in6);
		}
		if (srclen == 0 || src.ss_family != sa.ss_family) {
			finish(x, REASON_INTERNAL, "cannot leave from node.source_address: "
			    "%s cannot reach %s", sl, x->addr);
			return;
		}
	}
	x->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0) {
		finish(x, REASON_INTERNAL, "cannot open a socket: %s", strerror(errno));
		return;
	}
	(void)setsockopt(x->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (srclen > 0 && bind(x->fd, (struct sockaddr *)&src, srclen) != 0) {
		finish(x, REASON_INTERNAL, "cannot leave from node.source_address: %s: %s", sl,
		    strerror(errno));
		return;
	}
	request_build(x);
	x->step = S_CONNECT;
	if (connect(x->fd, (struct sockaddr *)&sa, salen) != 0 && errno != EINPROGRESS) {
		finish(x, REASON_CONNECT, "Failed to connect to %s port %d: %s", x->addr, x->port,
		    strerror(errno));
		return;
	}
	wait_for(x, EV_WRITE);
}

/* The TCP connection is up: starts TLS, or sends. */
static void
connected(struct https_req *x)
{
	char err[256];
	SSL_CTX *ctx;
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr != 0) {
		finish(x, REASON_CONNECT, "Failed to connect to %s port %d: %s", x->addr, x->port,
		    strerror(soerr));
		return;
	}
	x->co = clock_ms() - x->hop0;
	if (!x->tls) {
		x->step = S_SEND;
		wait_for(x, EV_WRITE);
		return;
	}
	if ((ctx = ctx_get(x->c, x->ep->tls_ca, err, sizeof(err))) == NULL) {
		finish(x, REASON_INTERNAL, "%s", err);
		return;
	}
	if ((x->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(x->ssl, x->fd) != 1 ||
	    SSL_set_ex_data(x->ssl, ssl_req_idx, x) != 1) {
		finish(x, REASON_INTERNAL, "cannot set up TLS");
		return;
	}
	if (resolve_is_literal(x->host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(x->ssl), x->host) != 1) {
			finish(x, REASON_INTERNAL, "cannot verify the address %s", x->host);
			return;
		}
	} else if (SSL_set_tlsext_host_name(x->ssl, x->host) != 1 ||
	    SSL_set1_host(x->ssl, x->host) != 1) {
		finish(x, REASON_INTERNAL, "cannot verify the name %s", x->host);
		return;
	}
	SSL_set_hostflags(x->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	/* Ask for a stapled OCSP response (RFC 6066 §8) for the posture check. */
	if (x->req->capture && x->redirects == 0)
		SSL_set_tlsext_status_type(x->ssl, TLSEXT_STATUSTYPE_ocsp);
	SSL_set_connect_state(x->ssl);
	x->step = S_HANDSHAKE;
	wait_for(x, EV_WRITE);
}

/* Why the handshake failed, into the finished request. */
static void
handshake_failed(struct https_req *x, int sslerr)
{
	long v = SSL_get_verify_result(x->ssl);
	unsigned long e = ERR_peek_last_error();

	if (v != X509_V_OK)
		finish(x, REASON_TLS, "TLS: SSL certificate problem: %s%s%s",
		    X509_verify_cert_error_string(v), x->tls_why[0] != '\0' ? ": " : "",
		    x->tls_why);
	else if (sslerr == SSL_ERROR_SYSCALL && e == 0)
		finish(x, REASON_TLS, "TLS: the connection to %s port %d closed during the "
		    "handshake", x->addr, x->port);
	else
		finish(x, REASON_TLS, "TLS: handshake with %s port %d failed: %s", x->addr,
		    x->port, e != 0 ? ERR_reason_error_string(e) : "unknown error");
}

static void
handshake(struct https_req *x)
{
	int rc, err;

	ERR_clear_error();
	if ((rc = SSL_connect(x->ssl)) == 1) {
		x->ap = clock_ms() - x->hop0;
		http_seen_note(&x->seen, x->ssl, x->req->capture);
		x->step = S_SEND;
		wait_for(x, EV_WRITE);
		return;
	}
	err = SSL_get_error(x->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		wait_for(x, EV_READ);
	else if (err == SSL_ERROR_WANT_WRITE)
		wait_for(x, EV_WRITE);
	else
		handshake_failed(x, err);
}

/*
 * Reads up to n bytes into p: > 0 bytes, 0 at the end of the stream, -1 to wait (the
 * event to wait for in *what), -2 on an error (finished).
 */
static ssize_t
conn_read(struct https_req *x, char *p, size_t n, short *what)
{
	ssize_t k;
	int rc, err;

	if (x->ssl == NULL) {
		if ((k = read(x->fd, p, n)) >= 0)
			return k;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			*what = EV_READ;
			return -1;
		}
		finish(x, REASON_CONNECT, "Recv failure: %s", strerror(errno));
		return -2;
	}
	ERR_clear_error();
	if ((rc = SSL_read(x->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n))) > 0)
		return rc;
	err = SSL_get_error(x->ssl, rc);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		*what = err == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		return -1;
	}
	if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SSL &&
	    ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
		return 0;
	if (err == SSL_ERROR_SYSCALL && errno == 0)
		return 0;
	finish(x, REASON_CONNECT, "Recv failure: %s", err == SSL_ERROR_SYSCALL ?
	    strerror(errno) : ERR_reason_error_string(ERR_peek_last_error()) ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "TLS error");
	return -2;
}

static void
send_some(struct https_req *x)
{
	size_t n = x->out.len - x->out_off;
	const char *p = (const char *)x->out.data + x->out_off;
	ssize_t k;
	int rc, err;

	while (n > 0) {
		if (x->ssl == NULL) {
			if ((k = send(x->fd, p, n, MSG_NOSIGNAL)) < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
					wait_for(x, EV_WRITE);
					return;
				}
				finish(x, REASON_CONNECT, "Send failure: %s", strerror(errno));
				return;
			}
		} else {
			ERR_clear_error();
			if ((rc = SSL_write(x->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n))) <= 0) {
				err = SSL_get_error(x->ssl, rc);
				if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
					wait_for(x, err == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE);
					return;
				}
				finish(x, REASON_CONNECT, "Send failure: %s", err == SSL_ERROR_SYSCALL ?
				    strerror(errno) : "TLS error");
				return;
			}
			k = rc;
		}
		x->out_off += (size_t)k;
		p += k;
		n -= (size_t)k;
	}
	x->step = S_HEAD;
	wait_for(x, EV_READ);
}

/* Appends decoded body bytes; finishes (too_large) past max_body. Returns 0 or -1. */
static int
body_out(struct https_req *x, const void *p, size_t n)
{
	if (n > x->max_body || x->body.len > x->max_body - n) {
		finish(x, REASON_TOO_LARGE, "response body exceeds %zu bytes after decoding",
		    x->max_body);
		return -1;
	}
	buf_append(&x->body, p, n);
	return 0;
}

/* Decodes n bytes of the (de-chunked) body. Returns 0 or -1 (finished). */
static int
body_decode(struct https_req *x, const char *p, size_t n)
{
	unsigned char out[16384];
	int rc;

	if (!x->z_open)
		return body_out(x, p, n);
	x->z.next_in = (unsigned char *)(uintptr_t)p;
	x->z.avail_in = (uInt)n;
	while (x->z.avail_in > 0) {
		x->z.next_out = out;
		x->z.avail_out = sizeof(out);
		rc = inflate(&x->z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			finish(x, REASON_MALFORMED, "undecodable response body: %s",
			    x->z.msg != NULL ? x->z.msg : "inflate failed");
			return -1;
		}
		if (body_out(x, out, sizeof(out) - x->z.avail_out) != 0)
			return -1;
		if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && x->z.avail_out > 0))
			break;	/* bytes after the stream's end are ignored, as curl does */
	}
	return 0;
}

/* A header value (trimmed) of "Name:" in line l (len n), or NULL. */
static const char *
header_value(const char *l, size_t n, const char *name, size_t *vlen)
{
	size_t k = strlen(name), a, b;

	if (n <= k || strncasecmp(l, name, k) != 0 || l[k] != ':')
		return NULL;
	for (a = k + 1; a < n && (l[a] == ' ' || l[a] == '\t'); a++)
		;
	for (b = n; b > a && (l[b - 1] == ' ' || l[b - 1] == '\t' || l[b - 1] == '\r'); b--)
		;
	*vlen = b - a;
	return l + a;
}

static bool
token_in(const char *v, size_t n, const char *tok)
{
	size_t k = strlen(tok);

	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(v + i, tok, k) == 0 && (i == 0 || v[i - 1] == ' ' ||
		    v[i - 1] == ',' || v[i - 1] == '\t') && (i + k == n || v[i + k] == ' ' ||
		    v[i + k] == ',' || v[i + k] == '\t' || v[i + k] == ';'))
			return true;
	return false;
}

/*
 * Reads the head in x->head (len bytes, ending in the blank line). Returns 1 for a final
 * response, 0 for an interim (1xx) one, -1 when finished (malformed).
 */
static int
head_parse(struct https_req *x, size_t len)
{
	const char *h = (const char *)x->head.data, *eol, *v, *hend = h + len;
	size_t n, vlen;
	bool chunked = false, have_len = false;
	uint64_t clen = 0;
	int coding = 0;

	if (len < 12 || strncmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ' ||
	    h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9') {
		finish(x, REASON_CONNECT, "the server's answer is not an HTTP/1.x response");
		return -1;
	}
	x->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	x->nresp++;
	if (x->status >= 100 && x->status < 200)
		return 0;
	free(x->location);
	x->location = NULL;
	free(x->content_type);
	x->content_type = NULL;
	for (h = (const char *)memchr(h, '\n', len) + 1; h < hend; h = eol + 1) {
		eol = memchr(h, '\n', (size_t)(hend - h));
		n = (size_t)(eol - h);
		if ((v = header_value(h, n, "Content-Length", &vlen)) != NULL) {
			char tmp[24], *stop;

			if (vlen == 0 || vlen >= sizeof(tmp) || v[0] == '-') {
				finish(x, REASON_CONNECT, "the server sent a bad Content-Length");
				return -1;
			}
			memcpy(tmp, v, vlen);
			tmp[vlen] = '\0';
			errno = 0;
			uint64_t cl = strtoull(tmp, &stop, 10);
			if (*stop != '\0' || errno != 0 || (have_len && cl != clen)) {
				finish(x, REASON_CONNECT, "the server sent a bad Content-Length");
				return -1;
			}
			clen = cl;
			have_len = true;
		} else if ((v = header_value(h, n, "Transfer-Encoding", &vlen)) != NULL) {
			chunked = vlen >= 7 && strncasecmp(v + vlen - 7, "chunked", 7) == 0;
		} else if ((v = header_value(h, n, "Content-Encoding", &vlen)) != NULL) {
			if (vlen == 0 || token_in(v, vlen, "identity"))
				continue;
			if (coding != 0 || !(token_in(v, vlen, "gzip") || token_in(v, vlen, "x-gzip") ||
			    token_in(v, vlen, "deflate")) || memchr(v, ',', vlen) != NULL) {
				finish(x, REASON_MALFORMED, "undecodable response body: "
				    "unsupported Content-Encoding %.*s", (int)(vlen > 40 ? 40 : vlen), v);
				return -1;
			}
			coding = 1;
		} else if ((v = header_value(h, n, "Content-Type", &vlen)) != NULL) {
			free(x->content_type);
			x->content_type = xstrndup(v, vlen);
		} else if ((v = header_value(h, n, "Location", &vlen)) != NULL) {
			free(x->location);
			x->location = xstrndup(v, vlen);
		} else if (x->req->capture && x->nresp == 1 && x->seen.hsts == NULL &&
		    (v = header_value(h, n, "Strict-Transport-Security", &vlen)) != NULL) {
			x->seen.hsts = xstrndup(v, vlen);
		}
	}
	if (x->status == 204 || x->status == 304)
		x->framing = F_NONE;
	else if (chunked) {
		x->framing = F_CHUNKED;
		x->ch = CH_SIZE;
	} else if (have_len) {
		x->framing = clen > 0 ? F_LENGTH : F_NONE;
		x->left = clen;
	} else
		x->framing = F_CLOSE;
	if (coding) {
		memset(&x->z, 0, sizeof(x->z));
		if (inflateInit2(&x->z, 15 + 32) != Z_OK) {	/* zlib or gzip wrapper */
			finish(x, REASON_INTERNAL, "cannot set up the body decoder");
			return -1;
		}
		x->z_open = true;
	}
	return 1;
}

/* Feeds a line of the chunked framing (without CRLF). Returns 0, 1 at the end, -1 finished. */
static int
chunk_line(struct https_req *x, const char *l, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (x->ch == CH_TRAILER)
		return n == 0 ? 1 : 0;
	if (x->ch == CH_DATA_END) {
		if (n != 0)
			goto bad;
		x->ch = CH_SIZE;
		return 0;
	}
	for (; i < n && isxdigit((unsigned char)l[i]); i++) {
		if (v >> 59)
			goto bad;
		v = v * 16 + (uint64_t)(isdigit((unsigned char)l[i]) ? l[i] - '0' :
		    (tolower((unsigned char)l[i]) - 'a' + 10));
	}
	if (i == 0 || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
		goto bad;
	x->left = v;
	x->ch = v == 0 ? CH_TRAILER : CH_DATA;
	return 0;
bad:
	finish(x, REASON_CONNECT, "the server's chunked body is malformed");
	return -1;
}

/* Feeds raw body bytes. Returns 0, 1 when the body is complete, -1 when finished. */
static int
body_feed(struct https_req *x, const char *p, size_t n)
{
	size_t k;
	const char *nl;
	int rc;

	switch (x->framing) {
	case F_NONE:
		return 1;
	case F_CLOSE:
		return body_decode(x, p, n);
	case F_LENGTH:
		k = n < x->left ? n : (size_t)x->left;
		if (body_decode(x, p, k) != 0)
			return -1;
		x->left -= k;
		return x->left == 0 ? 1 : 0;
	case F_CHUNKED:
		while (n > 0) {
			if (x->ch == CH_DATA) {
				k = n < x->left ? n : (size_t)x->left;
				if (body_decode(x, p, k) != 0)
					return -1;
				x->left -= k;
				p += k;
				n -= k;
				if (x->left == 0)
					x->ch = CH_DATA_END;
				continue;
			}
			nl = memchr(p, '\n', n);
			k = nl != NULL ? (size_t)(nl - p) + 1 : n;
			if (x->line.len + k > HTTPS_LINE_MAX) {
				finish(x, REASON_CONNECT, "the server's chunked body is malformed");
				return -1;
			}
			buf_append(&x->line, p, k);
			p += k;
			n -= k;
			if (nl == NULL)
				break;
			k = x->line.len - 1;
			if (k > 0 && x->line.data[k - 1] == '\r')
				k--;
			rc = chunk_line(x, (const char *)x->line.data, k);
			x->line.len = 0;
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	return 0;
}

/* Removes "." and ".." segments from the path p (RFC 3986 §5.2.4), in place. */
static void
dot_segments(char *p)
{
	char *out = p, *in = p;

	while (*in != '\0') {
		size_t n = strcspn(in + 1, "/") + 1;	/* one "/segment" */

		if (n == 2 && in[1] == '.') {
			in += 2;
			if (*in == '\0')
				*out++ = '/';
		} else if (n == 3 && in[1] == '.' && in[2] == '.') {
			while (out > p && *--out != '/')
				;
			in += 3;
			if (*in == '\0')
				*out++ = '/';
		} else {
			memmove(out, in, n);
			out += n;
			in += n;
		}
	}
	*out = '\0';
}

char *
https_url_join(const char *base, const char *loc)
{
	const char *auth, *path, *q;
	struct buf b = { 0 };
	size_t sl = strcspn(loc, ":/?#");
	char *out, *ppath;

	for (const char *p = loc; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	if (loc[sl] == ':' && sl > 0) {		/* a scheme */
		if (!((sl == 5 && strncasecmp(loc, "https", 5) == 0) ||
		    (sl == 4 && strncasecmp(loc, "http", 4) == 0)) || strncmp(loc + sl, "://", 3) != 0)
			return NULL;
		buf_append(&b, loc, strcspn(loc, "#"));
	} else {
		auth = strstr(base, "://") + 3;
		path = auth + strcspn(auth, "/?#");
		if (loc[0] == '/' && loc[1] == '/') {
			buf_append(&b, base, (size_t)(auth - 3 - base) + 1);	/* "scheme:" */
			buf_append(&b, loc, strcspn(loc, "#"));
		} else {
			buf_append(&b, base, (size_t)(path - base));
			if (loc[0] == '/')
				buf_append(&b, loc, strcspn(loc, "#"));
			else if (loc[0] == '?' || loc[0] == '#' || loc[0] == '\0') {
				q = path + strcspn(path, "?#");
				if (path == q)
					buf_append(&b, "/", 1);
				buf_append(&b, path, (size_t)(q - path));
				if (loc[0] == '?')
					buf_append(&b, loc, strcspn(loc, "#"));
				else if (*q == '?')
					buf_append(&b, q, strcspn(q, "#"));
			} else {
				const char *dir = path + strcspn(path, "?#");

				while (dir > path && dir[-1] != '/')
					dir--;
				if (dir == path)
					buf_append(&b, "/", 1);
				buf_append(&b, path, (size_t)(dir - path));
				buf_append(&b, loc, strcspn(loc, "#"));
			}
		}
	}
	/* The path's dot segments, then spaces as %20. */
	auth = strstr((char *)b.data, "://") + 3;
	ppath = (char *)b.data + ((auth + strcspn(auth, "/?#")) - (char *)b.data);
	if (*ppath == '/') {
		size_t plen = strcspn(ppath, "?"), rest = strlen(ppath + plen);
		char *tmp = xstrndup(ppath, plen);

		dot_segments(tmp);
		memmove(ppath + strlen(tmp), ppath + plen, rest + 1);
		memcpy(ppath, tmp, strlen(tmp));
		b.len = strlen((char *)b.data);
		free(tmp);
	}
	out = xmalloc(b.len * 3 + 1);
	q = (const char *)b.data;
	{
		char *o = out;

		for (; *q != '\0'; q++)
			if (*q == ' ')
				o += sprintf(o, "%%20");
			else
				*o++ = *q;
		*o = '\0';
	}
	buf_free(&b);
	return out;
}

/* Whether the response just read is a redirect to follow (its body is then not read). */
static bool
follows(const struct https_req *x)
{
	return x->location != NULL && !x->req->side && (x->status == 301 ||
	    x->status == 302 || x->status == 303 || x->status == 307 || x->status == 308);
}

/* Where the response is complete: a redirect to follow, or the end. */
static void
response_done(struct https_req *x)
{
	char *next;

	if (follows(x)) {
		if (x->redirects == HTTP_MAX_REDIRECTS) {
			finish(x, REASON_HTTP_STATUS, "more than %d redirects (last HTTP status %ld)",
			    HTTP_MAX_REDIRECTS, x->status);
			return;
		}
		if ((next = https_url_join(x->url, x->location)) == NULL) {
			finish(x, REASON_HTTP_STATUS, "HTTP status %ld redirects to a URL that is "
			    "not http or https (%.200s)", x->status, x->location);
			return;
		}
		hop_account(x);
		hop_close(x);
		free(x->url);
		x->url = next;
		if (url_split(x) != 0) {	/* a port out of range, no host, ... */
			finish(x, REASON_HTTP_STATUS, "HTTP status %ld redirects to a URL that "
			    "cannot be used (%.200s)", x->status, x->location);
			return;
		}
		x->redirects++;
		/* As curl: 301, 302 and 303 turn a POST into a GET; 307 and 308 keep it. */
		if (x->status == 301 || x->status == 302 || x->status == 303)
			x->post = 0;
		buf_free(&x->body);
		hop_begin(x);
		return;
	}
	finish(x, REASON_OK, NULL);
}

/*
 * The length of the head in p[0..len) up to and with its blank line ("\r\n\r\n", or bare
 * "\n" line ends as libcurl also reads them), searching from from; 0 when not there yet.
 */
static size_t
head_len(const unsigned char *p, size_t len, size_t from)
{
	const unsigned char *nl;

	while (from < len && (nl = memchr(p + from, '\n', len - from)) != NULL) {
		size_t i = (size_t)(nl - p) + 1;

		if (i < len && p[i] == '\n')
			return i + 1;
		if (i + 1 < len && p[i] == '\r' && p[i + 1] == '\n')
			return i + 2;
		from = i;
	}
	return 0;
}

/* Reads what arrived; parses the head, then the body. */
static void
receive(struct https_req *x)
{
	char in[16384];
	size_t end;
	short what = EV_READ;
	ssize_t n;
	size_t used, hl;
	int rc;

	for (;;) {
		if ((n = conn_read(x, in, sizeof(in), &what)) == -2)
			return;
		if (n == -1) {
			wait_for(x, what);
			return;
		}
		if (n == 0) {
			if (x->step == S_BODY && x->framing == F_CLOSE) {
				response_done(x);
				return;
			}
			if (x->st < 0)
				finish(x, REASON_CONNECT, "Empty reply from server");
			else
				finish(x, REASON_CONNECT, "the connection closed before the response "
				    "was complete");
			return;
		}
		if (x->st < 0)
			x->st = clock_ms() - x->hop0;
		used = 0;
		while (used < (size_t)n && x->step == S_HEAD) {
			size_t before = x->head.len, take = (size_t)n - used;

			buf_append(&x->head, in + used, take);
			end = head_len(x->head.data, x->head.len, before > 2 ? before - 2 : 0);
			hl = end > 0 ? end : x->head.len;
			if (hl > HTTP_MAX_HEADER_BYTES) {
				finish(x, REASON_TOO_LARGE, "response headers exceed %u bytes",
				    HTTP_MAX_HEADER_BYTES);
				return;
			}
			if (end == 0) {
				used = (size_t)n;
				break;
			}
			used += hl - before;
			if ((rc = head_parse(x, hl)) < 0)
				return;
			x->head.len = 0;
			if (rc == 0)
				continue;		/* 1xx: the next head follows */
			x->step = S_BODY;
			if (x->framing == F_NONE || follows(x)) {
				response_done(x);	/* a redirect's body is not read */
				return;
			}
		}
		if (x->step == S_BODY && used < (size_t)n) {
			if ((rc = body_feed(x, in + used, (size_t)n - used)) < 0)
				return;
			if (rc == 1) {
				response_done(x);
				return;
			}
		}
	}
}

static void
io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct https_req *x = arg;

	(void)fd; (void)what;
	switch (x->step) {
	case S_CONNECT:
		connected(x);
		break;
	case S_HANDSHAKE:
		handshake(x);
		break;
	case S_SEND:
		send_some(x);
		break;
	case S_HEAD:
	case S_BODY:
		receive(x);
		break;
	default:
		break;
	}
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct https_req *x = arg;

	(void)fd; (void)what;
	if (x->step == S_START) {
		/* The first hop starts from the loop, so done is never called from https_start. */
		if (x->ep->timeout_ms > 0) {
			struct timeval tv = { (time_t)(x->ep->timeout_ms / 1000),
			    (suseconds_t)(x->ep->timeout_ms % 1000) * 1000 };

			evtimer_add(x->timer, &tv);
		}
		hop_begin(x);
		return;
	}
	finish(x, REASON_TIMEOUT, "no complete response within %.0f ms (%zu body bytes received)",
	    clock_ms() - x->t0, x->body.len);
}

struct https_req *
https_start(struct https_client *c, const struct conf_endpoint *ep,
    const struct probe_request *req, const char *pin_host, const char *pin_addr,
    https_done_fn *done, void *arg, char *err, size_t errsz)
{
	static const struct timeval zero;
	struct https_req *x = xcalloc(1, sizeof(*x));

	x->c = c;
	x->ep = ep;
	x->req = req;
	x->done = done;
	x->arg = arg;
	x->fd = -1;
	x->url = xstrdup(req->url);
	if (url_split(x) != 0) {
		snprintf(err, errsz, "URL rejected: %s", req->url);
		https_req_free(x);
		return NULL;
	}
	x->post = req->post;
	x->max_body = ep->max_body ? ep->max_body : CONF_DEFAULT_MAX_BODY;
	x->nl = x->co = x->ap = x->st = -1;
	if (pin_host != NULL && pin_addr != NULL) {
		x->pin_host = xstrdup(pin_host);
		x->pin_addr = xstrdup(pin_addr);
	}
	x->t0 = clock_ms();
	if ((x->timer = evtimer_new(c->base, timer_cb, x)) == NULL ||
	    evtimer_add(x->timer, &zero) != 0) {
		snprintf(err, errsz, "cannot start the HTTPS request for %s", req->url);
		https_req_free(x);
		return NULL;
	}
	return x;
}

void
https_outcome(struct https_req *x, struct http_outcome *out)
{
	static const unsigned char empty[1];
	double *t = out->timings;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < PHASE__MAX; i++)
		t[i] = -1;
	if (x->reason != REASON_DNS && (x->any_nl || x->any_co))
		t[PHASE_DNS] = x->any_nl ? x->sum_nl : 0;
	if (x->any_co)
		t[PHASE_CONNECT] = x->sum_co - (x->any_nl ? x->sum_nl : 0);
	if (x->any_ap && x->any_co && x->seen.https_seen)
		t[PHASE_TLS] = x->sum_ap - x->sum_co;
	if (x->any_st)
		t[PHASE_TTFB] = x->sum_st;
	t[PHASE_TOTAL] = (x->step == S_DONE ? x->t_end : clock_ms()) - x->t0;
	for (int i = 0; i < PHASE__MAX; i++)
		if (t[i] < -0.5)
			t[i] = -1;
		else if (t[i] < 0)
			t[i] = 0;
	out->reason = x->reason;
	snprintf(out->message, sizeof(out->message), "%s", x->message);
	out->resp.http_status = x->status;
	out->resp.body = x->body.data != NULL ? x->body.data : empty;
	out->resp.len = x->body.len;
	out->resp.content_type = x->content_type;
	out->resp.effective_url = x->url;
	out->resp.redirects = x->redirects;
	out->resp.rtt_ms = t[PHASE_TOTAL];
	http_seen_fill(&x->seen, &out->resp);
}

void
https_req_free(struct https_req *x)
{
	if (x == NULL)
		return;
	hop_close(x);
	if (x->timer != NULL)
		event_free(x->timer);
	free(x->pin_host);
	free(x->pin_addr);
	free(x->url);
	free(x->host);
	free(x->location);
	free(x->content_type);
	buf_free(&x->body);
	http_seen_clear(&x->seen);
	free(x);
}
