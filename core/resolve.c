/*
 * Non-blocking resolution with libevent's evdns (see resolve.h). A question lives until
 * both its answer was delivered and evdns is done with it: evdns_getaddrinfo may answer
 * from inside the call (a hosts entry) and always calls back once, so delivery goes
 * through an event of our own (also the timeout), and a question given up on (timed out
 * or cancelled) waits for evdns's last callback before it is freed.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "resolve.h"
#include "util.h"

struct resolve_req {
	TAILQ_ENTRY(resolve_req) link;
	struct resolver	*rs;
	struct evdns_getaddrinfo_request *gai;	/* while evdns has the question */
	struct event	*ev;			/* delivery and timeout */
	resolve_fn	*fn;			/* NULL once delivered or cancelled */
	void		*arg;
	struct resolve_answer ans;
	int64_t		 started;
	bool		 answered;
	bool		 in_lookup;
	bool		 ignore_gai;		/* answered already: evdns's answer is dropped */
};
TAILQ_HEAD(resolve_q, resolve_req);

struct resolver {
	struct event_base *base;
	struct evdns_base *dns;
	struct resolve_q reqs;
};

struct resolver *
resolver_new(struct event_base *base, char **err)
{
	struct resolver *rs = xcalloc(1, sizeof(*rs));
	const char *hosts = getenv("TW_HOSTS");

	*err = NULL;
	rs->base = base;
	TAILQ_INIT(&rs->reqs);
	/* With TW_HOSTS (tests) no nameserver is ever asked: names come from that file only. */
	rs->dns = evdns_base_new(base, (hosts != NULL && hosts[0] != '\0' ? 0 :
	    EVDNS_BASE_INITIALIZE_NAMESERVERS) | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (rs->dns == NULL) {
		*err = xstrdup("cannot start the DNS resolver (evdns)");
		free(rs);
		return NULL;
	}
	if (hosts != NULL && hosts[0] != '\0' && evdns_base_load_hosts(rs->dns, hosts) != 0) {
		*err = xasprintf("TW_HOSTS: cannot read the hosts file %s", hosts);
		evdns_base_free(rs->dns, 0);
		free(rs);
		return NULL;
	}
	return rs;
}

/* Frees a question nobody waits for any more, once evdns is done with it. */
static void
req_release(struct resolve_req *q)
{
	if (q->gai != NULL)
		return;			/* evdns calls back once more: freed then */
	TAILQ_REMOVE(&q->rs->reqs, q, link);
	if (q->ev != NULL)
		event_free(q->ev);
	free(q);
}

/* Gives a pending question up: no callback, evdns's answer ignored. */
static void
req_abandon(struct resolve_req *q)
{
	q->fn = NULL;
	if (q->ev != NULL)
		event_del(q->ev);
	if (q->gai != NULL)
		evdns_getaddrinfo_cancel(q->gai);	/* its callback comes, deferred */
	req_release(q);
}

static int
addr_cmp(const void *a, const void *b)
{
	const char *x = a, *y = b;
	int vx = strchr(x, ':') != NULL, vy = strchr(y, ':') != NULL;
	unsigned char bx[16], by[16];

	if (vx != vy)
		return vx - vy;		/* IPv4 first */
	if (inet_pton(vx ? AF_INET6 : AF_INET, x, bx) != 1 ||
	    inet_pton(vy ? AF_INET6 : AF_INET, y, by) != 1)
		return strcmp(x, y);
	return memcmp(bx, by, vx ? 16 : 4);
}

static void
gai_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct resolve_req *q = arg;
	struct resolve_answer *a = &q->ans;

	q->gai = NULL;
	if (q->fn == NULL || q->ignore_gai) {	/* given up on, or answered otherwise */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		if (q->fn == NULL)
			req_release(q);
		return;
	}
	a->n = 0;
	for (struct evutil_addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		char s[INET6_ADDRSTRLEN];
		const void *src;
		bool seen = false;

		if (ai->ai_family == AF_INET)
			src = &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			src = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (evutil_inet_ntop(ai->ai_family, src, s, sizeof(s)) == NULL)
			continue;
		for (size_t i = 0; i < a->n && !seen; i++)
			seen = strcmp(a->addr[i], s) == 0;
		if (!seen && a->n < RESOLVE_MAX)
			memcpy(a->addr[a->n++], s, sizeof(s));
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	qsort(a->addr, a->n, sizeof(a->addr[0]), addr_cmp);
	if (a->n == 0)
		a->error = result == EVUTIL_EAI_NONAME ? "no such host name" :
		    result == 0 ? "the name has no address" : evutil_gai_strerror(result);
	q->answered = true;
	if (!q->in_lookup) {
		event_del(q->ev);
		event_active(q->ev, EV_TIMEOUT, 0);
	}
}

/* Delivery (answered) or timeout (not). */
static void
req_event(evutil_socket_t fd, short what, void *arg)
{
	struct resolve_req *q = arg;
	resolve_fn *fn = q->fn;

	(void)fd; (void)what;
	if (fn == NULL)
		return;
	if (!q->answered) {
		q->ans.n = 0;
		q->ans.error = "no answer in time";
	}
	q->ans.ms = (double)(now_ms() - q->started);
	q->fn = NULL;
	fn(&q->ans, q->arg);	/* may cancel other questions, not this one (answered) */
	if (q->ev != NULL)
		event_del(q->ev);
	if (q->gai != NULL)
		evdns_getaddrinfo_cancel(q->gai);
	req_release(q);
}

struct resolve_req *
resolver_lookup(struct resolver *rs, const char *host, int family, int64_t timeout_ms,
    resolve_fn *fn, void *arg)
{
	struct evutil_addrinfo hints;
	struct resolve_req *q;
	struct timeval tv;

	if (rs == NULL || host == NULL || fn == NULL)
		return NULL;
	q = xcalloc(1, sizeof(*q));
	q->rs = rs;
	q->fn = fn;
	q->arg = arg;
	q->started = now_ms();
	if ((q->ev = event_new(rs->base, -1, 0, req_event, q)) == NULL) {
		free(q);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&rs->reqs, q, link);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	q->in_lookup = true;
	q->gai = evdns_getaddrinfo(rs->dns, host, NULL, &hints, gai_cb, q);
	q->in_lookup = false;
	if (q->answered) {
		q->gai = NULL;
		event_active(q->ev, EV_TIMEOUT, 0);
		return q;
	}
	if (q->gai == NULL) {		/* refused without a callback: say so from the loop */
		q->ans.error = "the resolver refused the question";
		q->answered = true;
		event_active(q->ev, EV_TIMEOUT, 0);
		return q;
	}
	if (evdns_base_count_nameservers(rs->dns) == 0) {
		/* TW_HOSTS without the name: nobody else to ask, say so now. */
		q->ans.error = "not in the TW_HOSTS file (no nameserver is asked)";
		q->answered = true;
		q->ignore_gai = true;
		event_active(q->ev, EV_TIMEOUT, 0);
		return q;
	}
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)((timeout_ms % 1000) * 1000);
	evtimer_add(q->ev, &tv);
	return q;
}

void
resolve_cancel(struct resolve_req *q)
{
	if (q != NULL && q->fn != NULL)
		req_abandon(q);
}

void
resolver_free(struct resolver *rs)
{
	struct resolve_req *q;

	if (rs == NULL)
		return;
	while ((q = TAILQ_FIRST(&rs->reqs)) != NULL) {
		q->fn = NULL;
		if (q->gai != NULL)
			evdns_getaddrinfo_cancel(q->gai);
		/* evdns goes below: its deferred callbacks never run, so free every question. */
		TAILQ_REMOVE(&rs->reqs, q, link);
		if (q->ev != NULL)
			event_free(q->ev);
		free(q);
	}
	evdns_base_free(rs->dns, 0);
	free(rs);
}

int
resolve_is_literal(const char *s)
{
	unsigned char b[16];
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t n;

	if (s == NULL)
		return 0;
	if (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1)
		return 1;
	n = strlen(s);
	if (n < 3 || n >= sizeof(tmp) || s[0] != '[' || s[n - 1] != ']')
		return 0;
	memcpy(tmp, s + 1, n - 2);
	tmp[n - 2] = '\0';
	return inet_pton(AF_INET6, tmp, b) == 1;
}
