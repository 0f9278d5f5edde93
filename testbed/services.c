/*
 * Listeners (plain HTTP or HTTPS on 127.0.0.1) and the fault layer every service shares:
 * down, hang, slow, http, garbage, huge and the TLS certificate faults, each for every
 * client or only for one client address.
 * A held request (hang, slow) stays on its service's pending list until it is answered,
 * healed or the testbed stops; libevent keeps such a request alive even when its client
 * has gone, and frees it when we finally reply.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/util.h"
#include "testbed/testbed.h"

struct tb_pending {
	struct tb_pending	*next;
	struct tb_service	*svc;
	struct evhttp_request	*req;
	char			 addr[INET6_ADDRSTRLEN];	/* the client's; "" = unknown */
	struct event		*timer;		/* NULL: held until released (hang) */
	int			 code;
	struct evbuffer		*body;		/* NULL for hang */
};

static char mib[1 << 20];

static const char *const ctypes[SVC__MAX] = {
	[SVC_LOGIN] = "text/html; charset=utf-8",
	[SVC_OIDC] = "application/json",
	[SVC_SAML] = "application/samlmetadata+xml",
	[SVC_OCSP] = "application/ocsp-response",
	[SVC_CRL] = "application/pkix-crl",
	[SVC_TSA] = "application/timestamp-reply",
	[SVC_TL] = "application/vnd.etsi.tsl+xml",
};

/* What "garbage" looks like to each kind's client: plausible type, unusable body. */
static const char *const garbage[SVC__MAX] = {
	[SVC_LOGIN] = "<html><body><h1>Service temporarily garbled</h1>"
	    "<p>\x01\x02 #%@!</p></body></html>\n",
	[SVC_OIDC] = "{\"issuer\": \"https://127.0.0.1/\", \"jwks_uri\": [tru",
	[SVC_SAML] = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""
	    " <<< this is not XML &&&\n",
	[SVC_OCSP] = "\x30\x82\x7f\xff garbage instead of an OCSP response",
	[SVC_CRL] = "\x30\x82\x7f\xff garbage instead of a CRL",
	[SVC_TSA] = "\x30\x82\x7f\xff garbage instead of a time-stamp response",
	[SVC_TL] = "<tsl:TrustServiceStatusList xmlns:tsl=\"http://uri.etsi.org/02231/v2#\" <<< not XML\n",
};

static void
send_now(struct evhttp_request *req, int code, const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (ctype != NULL && evhttp_find_header(h, "Content-Type") == NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, NULL, body);
	if (body != NULL)
		evbuffer_free(body);
}

static void
pending_unlink(struct tb_pending *p)
{
	struct tb_pending **pp;

	for (pp = &p->svc->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
}

static void
pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct tb_pending *p = arg;

	(void)fd;
	(void)what;
	pending_unlink(p);
	event_free(p->timer);
	send_now(p->req, p->code, NULL, p->body);
	free(p);
}

/* The client address of req's connection into out ("" when unknown). */
static void
req_addr(struct evhttp_request *req, char *out, size_t outsz)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con != NULL ? evhttp_connection_get_bufferevent(con) : NULL;

	if (bev == NULL || tb_peer_addr(bufferevent_getfd(bev), out, outsz) != 0)
		out[0] = '\0';
}

/* The peer (peer) or local address of fd as canonical text. */
static int
sock_addr(int fd, bool peer, char *out, size_t outsz)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a;

	if (fd < 0 || (peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len)) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
		return inet_ntop(AF_INET, (const unsigned char *)&((struct sockaddr_in6 *)&ss)->
		    sin6_addr + 12, out, (socklen_t)outsz) != NULL ? 0 : -1;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return -1;
	return inet_ntop(ss.ss_family, a, out, (socklen_t)outsz) != NULL ? 0 : -1;
}

int
tb_peer_addr(int fd, char *out, size_t outsz)
{
	return sock_addr(fd, true, out, outsz);
}

int
tb_local_addr(int fd, char *out, size_t outsz)
{
	return sock_addr(fd, false, out, outsz);
}

static void
hold(struct tb_service *svc, struct evhttp_request *req, int code, const char *ctype,
    struct evbuffer *body, long delay_ms)
{
	struct tb_pending *p = xcalloc(1, sizeof(*p));

	p->svc = svc;
	p->req = req;
	req_addr(req, p->addr, sizeof(p->addr));
	p->code = code;
	p->body = body;
	if (ctype != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	if (body != NULL) {
		struct timeval tv = { delay_ms / 1000, (delay_ms % 1000) * 1000 };

		p->timer = evtimer_new(tb->base, pending_fire, p);
		evtimer_add(p->timer, &tv);
	}
	p->next = svc->pending;
	svc->pending = p;
}

void
tb_svc_release(struct tb_service *svc)
{
	tb_svc_release_from(svc, NULL);
}

void
tb_svc_release_from(struct tb_service *svc, const char *addr)
{
	struct tb_pending *p, **pp = &svc->pending;

	while ((p = *pp) != NULL) {
		if (addr != NULL && strcmp(p->addr, addr) != 0) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		if (p->timer != NULL)
			event_free(p->timer);
		if (p->body == NULL)
			send_now(p->req, 503, "text/plain", NULL);
		else
			send_now(p->req, p->code, NULL, p->body);
		free(p);
	}
}

void
tb_svc_reply(struct tb_service *svc, struct evhttp_request *req, int code, const char *ctype,
    struct evbuffer *body)
{
	if (body == NULL)
		body = evbuffer_new();
	if (svc->on[F_SLOW])
		hold(svc, req, code, ctype, body, svc->param[F_SLOW]);
	else
		send_now(req, code, ctype, body);
}

bool
tb_svc_pre(struct tb_service *svc, struct evhttp_request *req)
{
	struct evbuffer *b;
	long i;

	if (svc->on[F_HANG]) {
		hold(svc, req, 0, NULL, NULL, 0);
		return true;
	}
	if (svc->on[F_HTTP]) {
		b = evbuffer_new();
		evbuffer_add_printf(b, "testbed fault: http=%ld\n", svc->param[F_HTTP]);
		tb_svc_reply(svc, req, (int)svc->param[F_HTTP], "text/plain", b);
		return true;
	}
	if (svc->on[F_GARBAGE]) {
		b = evbuffer_new();
		evbuffer_add(b, garbage[svc->kind], strlen(garbage[svc->kind]));
		tb_svc_reply(svc, req, 200, ctypes[svc->kind], b);
		return true;
	}
	if (svc->on[F_HUGE]) {
		if (mib[0] == 0)
			memset(mib, 'A', sizeof(mib));
		b = evbuffer_new();
		for (i = 0; i < svc->param[F_HUGE]; i++)
			evbuffer_add_reference(b, mib, sizeof(mib), NULL, NULL);
		tb_svc_reply(svc, req, 200, ctypes[svc->kind], b);
		return true;
	}
	return false;
}

/*
 * `down` for one client (the listener stays open for the others): the connection is shut
 * without an answer, and the reply written to it fails, which makes libevent free it.
 */
static void
drop(struct evhttp_request *req, int fd)
{
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	send_now(req, 503, "text/plain", NULL);
}

static void
handle(struct tb_service *svc, struct evhttp_request *req, int fd)
{
	if (svc->on[F_DOWN]) {
		drop(req, fd);
		return;
	}
	if (tb_svc_pre(svc, req))
		return;
	switch (svc->kind) {
	case SVC_OCSP:
		tb_ocsp_handle(svc, req);
		break;
	case SVC_CRL:
		tb_crl_handle(svc, req);
		break;
	case SVC_TSA:
		tb_tsa_handle(svc, req);
		break;
	case SVC_TL:
		tb_tl_handle(svc, req);
		break;
	default:
		tb_login_handle(svc, req);
		break;
	}
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct tb_service *svc = arg;
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con != NULL ? evhttp_connection_get_bufferevent(con) : NULL;
	int one = 1, fd = bev != NULL ? bufferevent_getfd(bev) : -1;
	char addr[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	struct tb_faultset saved;

	/* The reply goes out in several writes (TLS records): no Nagle delay between them. */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Every fault is looked up here, for this request's client address. */
	if (tb_peer_addr(fd, addr, sizeof(addr)) == 0) {
		tb_client_seen(svc, addr);
		tb_fault_enter(svc, addr, &saved);
	} else
		tb_fault_enter(svc, NULL, &saved);
	/* ... and for the listening address it reached ("%127.0.0.2" faults). */
	if (tb_local_addr(fd, local, sizeof(local)) == 0)
		tb_fault_add_local(svc, local);
	handle(svc, req, fd);
	tb_fault_leave(svc, &saved);
}

/* During the handshake, when the client's address is known: the certificate it gets. */
static int
cert_cb(SSL *ssl, void *arg)
{
	struct tb_service *svc = arg;
	char addr[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	const char *a = tb_peer_addr(SSL_get_fd(ssl), addr, sizeof(addr)) == 0 ? addr : NULL;
	const char *l = tb_local_addr(SSL_get_fd(ssl), local, sizeof(local)) == 0 ? local : NULL;
	SSL_CTX *ctx = tb_fault_for(svc, a, F_TLS_EXPIRED) ||
	    tb_fault_for_local(svc, l, F_TLS_EXPIRED) ? tb->tls_expired :
	    tb_fault_for(svc, a, F_TLS_EXPIRING) ||
	    tb_fault_for_local(svc, l, F_TLS_EXPIRING) ? tb->tls_expiring : tb_posture_ctx(svc, a);

	if (ctx == NULL)
		ctx = tb->tls_ok;

	if (ctx != SSL_get_SSL_CTX(ssl) && SSL_set_SSL_CTX(ssl, ctx) != ctx)
		return 0;
	return 1;
}

/*
 * New HTTPS connection: the certificate served depends on the TLS faults switched on
 * when its handshake starts, for everyone or for its client address (cert_cb).
 */
static struct bufferevent *
bevcb(struct event_base *base, void *arg)
{
	struct tb_service *svc = arg;
	struct bufferevent *bev;
	SSL *ssl = SSL_new(tb->tls_ok);

	if (ssl == NULL)
		return NULL;
	SSL_set_cert_cb(ssl, cert_cb, svc);
	SSL_set_app_data(ssl, svc);	/* for the posture ClientHello callback */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		SSL_free(ssl);
	else
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

int
tb_svc_listen(struct tb_service *svc)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int n = tb->naddrs > 0 ? tb->naddrs : 1, rc = 0;

	for (int i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];
		bool want;

		snprintf(a, sizeof(a), "127.0.0.%d", i + 1);
		want = !svc->on[F_DOWN] && !tb_fault_for_local(svc, a, F_DOWN);
		if (!want && svc->bound[i] != NULL) {
			evhttp_del_accept_socket(svc->http, svc->bound[i]);
			svc->bound[i] = NULL;
		}
		if (!want || svc->bound[i] != NULL)
			continue;
		/* Every address on the first one's port (the first picks it when 0). */
		if (i > 0 && svc->port == 0)
			continue;
		svc->bound[i] = evhttp_bind_socket_with_handle(svc->http, a,
		    (ev_uint16_t)svc->port);
		if (svc->bound[i] == NULL) {
			fprintf(stderr, "trustwatch-testbed: %s/%s: cannot listen on %s:%d\n",
			    svc->prov->id, tb_svc_names[svc->kind], a, svc->port);
			rc = -1;
			continue;
		}
		if (svc->port == 0 && getsockname(evhttp_bound_socket_get_fd(svc->bound[i]),
		    (struct sockaddr *)&sin, &len) == 0)
			svc->port = ntohs(sin.sin_port);
	}
	return rc;
}

void
tb_svc_unlisten(struct tb_service *svc)
{
	(void)tb_svc_listen(svc);	/* the same: where down is on, nothing listens */
}

int
tb_svc_start(struct tb_service *svc, int port)
{
	svc->http = evhttp_new(tb->base);
	if (svc->http == NULL)
		return -1;
	svc->tls = svc->kind == SVC_LOGIN || svc->kind == SVC_OIDC || svc->kind == SVC_SAML;
	evhttp_set_allowed_methods(svc->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD);
	evhttp_set_max_body_size(svc->http, 1 << 20);
	evhttp_set_gencb(svc->http, dispatch, svc);
	if (svc->tls)
		evhttp_set_bevcb(svc->http, bevcb, svc);
	svc->port = port;
	return tb_svc_listen(svc);
}

void
tb_svc_free(struct tb_service *svc)
{
	if (svc == NULL)
		return;
	tb_svc_release(svc);
	if (svc->http != NULL)
		evhttp_free(svc->http);
	tb_fault_free(svc);
	free(svc);
}

char *
tb_svc_base(const struct tb_service *svc)
{
	return xasprintf("%s://127.0.0.1:%d", svc->tls ? "https" : "http", svc->port);
}

void
tb_flip_last_byte(unsigned char *der, size_t len)
{
	if (len > 0)
		der[len - 1] ^= 0x01;
}
