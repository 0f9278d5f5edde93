/*
 * The web server: evhttp on the caller's event loop, routes, security headers, request
 * log, and the connection limits evhttp 2.1 lacks (a connection cap and a header
 * deadline against slowloris; evhttp's own timeout is per read, so a client trickling
 * one byte a second would otherwise hold a connection forever).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "server.h"
#include "../core/log.h"
#include "web_int.h"
#include "../core/config.h"
#include "../core/util.h"

/* One accepted connection, tracked from accept to close. */
struct web_conn {
	struct web		*web;
	struct bufferevent	*bev;		/* created by us, owned by evhttp */
	struct evhttp_connection *evcon;	/* NULL until attached */
	struct event		*timer;		/* attach, then the header deadline */
	bool			 busy;		/* a request is being answered */
	unsigned		 served;	/* requests answered */
	struct web_guard	 guard;		/* the raw request stream, checked */
	struct evbuffer_cb_entry *input_cb;	/* conn_input on the input buffer */
	bool			 cutting;	/* conn_input is changing the input itself */
	struct web_conn		*prev, *next;
};

struct web {
	struct event_base	*base;
	struct evhttp		*http;
	struct evhttp_bound_socket *sock;
	const struct conf	*conf;		/* borrowed */
	struct store		*store;		/* borrowed */
	struct web_conn		*conns;
	size_t			 n_conns;
	bool			 paused;	/* accepting stopped at WEB_MAX_CONNECTIONS */
	struct web_api_cache	*api_cache;	/* api.c: the status windows, reused a while */
	web_stats_fn		*stats_fn;	/* the daemon's figures, NULL under serve */
	void			*stats_arg;
};

void
web_set_stats(struct web *w, web_stats_fn *fn, void *arg)
{
	w->stats_fn = fn;
	w->stats_arg = arg;
}

bool
web_daemon_stats(const struct web *w, struct web_daemon_stats *out)
{
	if (w->stats_fn == NULL)
		return false;
	w->stats_fn(out, w->stats_arg);
	return true;
}

const struct conf *
web_conf(const struct web *w)
{
	return w->conf;
}

struct store *
web_store(const struct web *w)
{
	return w->store;
}

struct web_api_cache **
web_api_cache(struct web *w)
{
	return &w->api_cache;
}

void
web_logfmt_value(struct buf *out, const char *s)
{
	bool bare = *s != '\0';

	for (const char *p = s; *p && bare; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p >= 0x7f)
			bare = false;
	if (bare) {
		buf_append(out, s, strlen(s));
		return;
	}
	buf_append(out, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p < ' ' || *p >= 0x7f)
			buf_printf(out, "\\x%02x", *p);
		else
			buf_append(out, p, 1);
	}
	buf_append(out, "\"", 1);
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:		return "GET";
	case EVHTTP_REQ_HEAD:		return "HEAD";
	case EVHTTP_REQ_POST:		return "POST";
	case EVHTTP_REQ_PUT:		return "PUT";
	case EVHTTP_REQ_DELETE:		return "DELETE";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	case EVHTTP_REQ_TRACE:		return "TRACE";
	case EVHTTP_REQ_CONNECT:	return "CONNECT";
	case EVHTTP_REQ_PATCH:		return "PATCH";
	}
	return "OTHER";
}

/*
 * One logfmt line per request on stderr at debug level (TRUSTWATCH_LOG_LEVEL=debug,
 * core/log.h); the target is untrusted and escaped.
 */
static void
log_request(struct evhttp_request *req, int code, size_t bytes)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char *uri = evhttp_request_get_uri(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	log_debug("request", "component=web remote=%s port=%u method=%s target=%s status=%d bytes=%zu",
	    log_q(addr ? addr : "-"), (unsigned)port, method_name(evhttp_request_get_command(req)),
	    log_q(uri ? uri : "-"), code, bytes);
}

void
web_reply(struct web *w, struct evhttp_request *req, int code, const char *ctype,
    const char *cache, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	(void)w;
	evhttp_add_header(h, "Content-Security-Policy", "default-src 'self'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	if (ctype != NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	if (cache != NULL)
		evhttp_add_header(h, "Cache-Control", cache);
	/* The read-only API, live or static, may be embedded by other dashboards. */
	if (strncmp(evhttp_request_get_uri(req) ? evhttp_request_get_uri(req) : "", "/api/", 5) == 0)
		evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
	log_request(req, code, body ? evbuffer_get_length(body) : 0);
	if (body != NULL && evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		char len[32];	/* HEAD: the length GET would send, never the body */

		if (evhttp_find_header(h, "Content-Length") == NULL) {
			snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
			evhttp_add_header(h, "Content-Length", len);
		}
		body = NULL;
	}
	evhttp_send_reply(req, code, NULL, body);
}

void
web_reply_text(struct web *w, struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(b, text, strlen(text));
	web_reply(w, req, code, "text/plain; charset=utf-8", "no-store", b);
	evbuffer_free(b);
}

/* Stops or restarts accepting so that at most WEB_MAX_CONNECTIONS are open. */
static void
adjust_accepting(struct web *w)
{
	struct evconnlistener *l = w->sock ? evhttp_bound_socket_get_listener(w->sock) : NULL;

	if (l == NULL)
		return;
	if (!w->paused && w->n_conns >= WEB_MAX_CONNECTIONS) {
		evconnlistener_disable(l);
		w->paused = true;
	} else if (w->paused && w->n_conns < WEB_MAX_CONNECTIONS) {
		evconnlistener_enable(l);
		w->paused = false;
	}
}

static void
conn_free(struct web_conn *c)
{
	struct web *w = c->web;

	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->n_conns--;
	if (c->timer)
		event_free(c->timer);
	free(c);
	adjust_accepting(w);
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct web_conn *c = arg;

	(void)evcon;
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->input_cb);
	conn_free(c);
}

/*
 * Runs on every change of a connection's input buffer, before evhttp reads what a read
 * added: the guard checks the new bytes. A refused request's offending line and all after
 * it are replaced by one line without a colon, which evhttp itself refuses with 400 and
 * closing the connection; requests before it are answered first, in order. evhttp only
 * ever removes whole lines or body bytes, so the offending line is still in the buffer.
 */
static void
conn_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct web_conn *c = arg;
	size_t len = evbuffer_get_length(in), off, done = 0, at;
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v[8];
	struct evbuffer *keep;
	int n;

	if (info->n_added == 0 || c->cutting || c->guard.bad != NULL || info->n_added > len)
		return;
	off = len - info->n_added;
	while (done < info->n_added) {
		if (evbuffer_ptr_set(in, &pos, off + done, EVBUFFER_PTR_SET) != 0)
			return;
		n = evbuffer_peek(in, (ev_ssize_t)(info->n_added - done), &pos, v, 8);
		for (int i = 0; i < n && i < 8 && done < info->n_added; i++) {
			size_t l = v[i].iov_len < info->n_added - done ? v[i].iov_len : info->n_added - done;

			at = web_guard_feed(&c->guard, v[i].iov_base, l);
			if (at < l)
				goto refuse;
			done += l;
		}
		if (n <= 0)
			return;
	}
	return;
refuse:
	at = off + done + at - c->guard.bad_back;	/* the offending line's start */
	log_info("bad request, connection closed", "component=web reason=%s", log_q(c->guard.bad));
	c->cutting = true;
	if ((keep = evbuffer_new()) != NULL) {
		evbuffer_remove_buffer(in, keep, at);
		evbuffer_drain(in, evbuffer_get_length(in));
		evbuffer_add_buffer(in, keep);
		evbuffer_free(keep);
	} else {
		evbuffer_drain(in, evbuffer_get_length(in));
	}
	evbuffer_add(in, "refused\r\n", 9);
	c->cutting = false;
}

static void
arm_deadline(struct web_conn *c)
{
	struct timeval tv = { WEB_HEADER_TIMEOUT_S, 0 };

	evtimer_add(c->timer, &tv);
}

/*
 * First run (made active right after accept): learns the evhttp connection, which evhttp
 * installs as the bufferevent's callback argument, and arms the header deadline.
 * Later runs: the deadline passed without a complete request (idle keep-alive, or a
 * partial request or none at all: logged); shut the socket down, and
 * evhttp frees the connection on the resulting end of file.
 */
static void
conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct web_conn *c = arg;
	void *cbarg = NULL;
	evutil_socket_t s;
	int one = 1;

	(void)fd;
	(void)what;
	if (c->evcon == NULL) {
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		if (cbarg == NULL || evhttp_connection_get_bufferevent(cbarg) != c->bev) {
			conn_free(c);	/* evhttp did not adopt it; nothing to watch */
			return;
		}
		c->evcon = cbarg;
		evhttp_connection_set_closecb(c->evcon, conn_closed, c);
		if ((s = bufferevent_getfd(c->bev)) >= 0)	/* headers and file go out in */
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));	/* two writes */
		arm_deadline(c);
		return;
	}
	if (!c->busy) {
		s = bufferevent_getfd(c->bev);
		if (c->served == 0 || evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
			log_info("header timeout, connection closed", "component=web%s", "");
		if (s >= 0)
			shutdown(s, SHUT_RDWR);
	}
}

/* evhttp asks us for each accepted connection's bufferevent: count and watch it. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct web *w = arg;
	struct web_conn *c = xcalloc(1, sizeof(*c));

	c->web = w;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(base, conn_timer, c);
	if (c->bev == NULL || c->timer == NULL)
		abort();	/* out of memory; as xmalloc */
	web_guard_init(&c->guard);
	if ((c->input_cb = evbuffer_add_cb(bufferevent_get_input(c->bev), conn_input, c)) == NULL)
		abort();
	bufferevent_setwatermark(c->bev, EV_READ, 0, WEB_MAX_INPUT);	/* a pipelining client */
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->n_conns++;
	event_active(c->timer, EV_TIMEOUT, 0);
	adjust_accepting(w);
	return c->bev;
}

static struct web_conn *
conn_of(struct web *w, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	for (struct web_conn *c = w->conns; c; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* The response is written: the next request on this connection gets a fresh deadline. */
static void
request_done(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	struct web_conn *c = conn_of(w, req);

	if (c != NULL) {
		c->busy = false;
		c->served++;
		arm_deadline(c);
	}
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct web *w = arg;
	struct web_conn *c = conn_of(w, req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL, *query;

	if (c != NULL) {
		c->busy = true;
		evtimer_del(c->timer);
		evhttp_request_set_on_complete_cb(req, request_done, w);
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		web_reply_text(w, req, 405, "405 method not allowed\n");
		return;
	}
	if (path == NULL || path[0] != '/') {
		web_reply_text(w, req, 400, "400 bad request\n");
		return;
	}
	if (strcmp(path, "/api/v1/incidents") != 0 && (query = evhttp_uri_get_query(u)) != NULL &&
	    *query != '\0') {
		if (strncmp(path, "/api/", 5) == 0)
			web_api_error(w, req, 400, "unknown query parameter (this path takes none)");
		else
			web_reply_text(w, req, 400, "400 unknown query parameter (this path takes none)\n");
		return;
	}
	if (strcmp(path, "/metrics") == 0)
		web_metrics(w, req);
	else if (strcmp(path, "/healthz") == 0)
		web_healthz(w, req);
	else if (strcmp(path, "/api/v1/status") == 0)
		web_api_status(w, req);
	else if (strcmp(path, "/api/v1/incidents") == 0)
		web_api_incidents(w, req);
	else if (strcmp(path, "/api/v1/nodes") == 0)
		web_api_nodes(w, req);
	else if (strcmp(path, "/api/v1/dependencies") == 0)
		web_api_dependencies(w, req);
	else
		web_static(w, req, path);
}

/* Splits "HOST:PORT" or "[V6]:PORT" into host (caller frees) and port. */
static int
parse_listen(const char *s, char **host, ev_uint16_t *port)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long p;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (hl == 0 || colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 || p > 65535)
		return -1;
	*host = xmalloc(hl + 1);
	memcpy(*host, h, hl);
	(*host)[hl] = '\0';
	*port = (ev_uint16_t)p;
	return 0;
}

struct web *
web_start(struct event_base *base, const struct conf *conf, struct store *store, char **err)
{
	struct web *w;
	char *host = NULL;
	ev_uint16_t port;

	*err = NULL;
	if (conf->web.listen == NULL) {
		*err = xstrdup("web.listen is not set");
		return NULL;
	}
	if (parse_listen(conf->web.listen, &host, &port) != 0) {
		*err = xasprintf("web.listen '%s' is not HOST:PORT", conf->web.listen);
		return NULL;
	}
	signal(SIGPIPE, SIG_IGN);
	w = xcalloc(1, sizeof(*w));
	w->base = base;
	w->conf = conf;
	w->store = store;
	if ((w->http = evhttp_new(base)) == NULL) {
		*err = xstrdup("cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(w->http, WEB_MAX_HEADERS);
	evhttp_set_max_body_size(w->http, WEB_MAX_BODY);
	evhttp_set_timeout(w->http, WEB_IO_TIMEOUT_S);
	evhttp_set_default_content_type(w->http, "text/plain; charset=utf-8");
	evhttp_set_bevcb(w->http, conn_new, w);
	evhttp_set_gencb(w->http, dispatch, w);
	errno = 0;
	if ((w->sock = evhttp_bind_socket_with_handle(w->http, host, port)) == NULL) {
		*err = xasprintf("cannot listen on %s: %s", conf->web.listen,
		    errno ? strerror(errno) : "address not usable");
		goto fail;
	}
	free(host);
	return w;
fail:
	free(host);
	web_free(w);
	return NULL;
}

void
web_set_conf(struct web *w, const struct conf *conf)
{
	w->conf = conf;
}

void
web_free(struct web *w)
{
	if (w == NULL)
		return;
	w->sock = NULL;			/* freed by evhttp_free; stop adjusting it */
	if (w->http != NULL)
		evhttp_free(w->http);	/* closes connections: their closecb frees ours */
	while (w->conns != NULL)
		conn_free(w->conns);
	web_api_cache_free(w->api_cache);
	free(w);
}
