/*
 * The probe engine: curl's multi-socket API driven by libevent on the caller's base.
 * curl tells us which sockets to watch (socket_cb) and when to wake it (timer_cb);
 * libevent calls back into curl_multi_socket_action; finished transfers are collected
 * in check_done.  No polling loop, no threads.
 * A probe is a job: queued FIFO, started when fewer than max_concurrent run, then
 * start -> request -> finish (-> request -> finish ...) -> free_state -> done.
 * Timings: a probe with several requests (OIDC: discovery + JWKS) reports dns, connect,
 * tls and ttfb of its first request and the sum of every request's total.
 * Side requests (probe_request.side: the TLS posture check) count in none of these, and
 * their transport failures go to the kind's finish instead of ending the probe.
 * Every address (SPEC §14, addresses: all, the default): when the endpoint URL's host is a
 * name, a started job first asks the resolver (core/resolve.h: evdns on the same base,
 * never blocking) for its every A and AAAA. One address: the job runs as ever, its
 * transfers pinned to that address (CURLOPT_CONNECT_TO keeps the name for TLS and Host),
 * the resolution time as its dns phase. Several: the job spawns one child job per address,
 * each with its own kind state and pinned transfers, all at once in the job's slot (the
 * children count as their parent's one running job), and when the last ends the parent's
 * result is their combination (result_combine_addresses), carrying each in r->addrs. A
 * job with one address allocates nothing per address.
 */
#include <sys/queue.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "engine.h"
#include "keydecode.h"
#include "certcache.h"
#include "http.h"
#include "https.h"
#include "login_posture.h"
#include "ocsp.h"
#include "../core/evcurl.h"
#include "../core/resolve.h"
#include "../core/log.h"
#include "../core/ptrcount.h"
#include "../core/util.h"

struct job {
	TAILQ_ENTRY(job) link;
	struct engine	*eng;
	const struct conf_endpoint *ep;		/* borrowed */
	const struct probe_ops *ops;
	char		*memory;	/* owned copy of the input */
	char		*peer_memory;	/* owned copy of the input */
	struct probe_input in;
	engine_done_fn	*done;
	void		*arg;
	void		*state;			/* the kind's */
	struct probe_request req;
	struct http_xfer *xfer;			/* NULL when no request is in flight */
	struct https_req *hx;			/* or this one, through https.c */
	struct result	 r;
	int		 nreq;			/* requests completed */
	double		 total_ms;
	int		 redirects;
	int64_t		 tls_not_after_ms;
	/* addresses: all (see the top) */
	struct resolve_req *rq;			/* while the host is being resolved */
	char		*pin;			/* owned: the address transfers go to, or NULL */
	struct curl_slist *connect_to;		/* CURLOPT_CONNECT_TO for pin */
	double		 resolve_ms;		/* < 0: the transport resolved */
	struct job	*parent;		/* a child: its parent job, else NULL */
	size_t		 idx;			/* a child: its place in the parent's */
	struct job     **kids;			/* a parent: its children, NULL once ended */
	struct result	*kid_results;		/* a parent: their results, by address */
	size_t		 n_kids, kids_left;
	bool		 own_done;		/* a run kind called done: ended by kick_cb */
};
TAILQ_HEAD(jobq, job);

struct engine {
	struct event_base *base;		/* borrowed */
	struct evcurl	*ec;			/* curl multi on the event base */
	CURLM		*multi;			/* borrowed from ec */
	struct event	*kick;			/* starts queued jobs from the loop */
	struct http_trust *trust;		/* tls_ca trust stores */
	struct https_client *hc;		/* https requests (https.c) */
	struct resolver	*resolver;		/* made on first use */
	int		 max_concurrent;
	int		 nrunning;
	size_t		 nqueued;
	struct jobq	 queue;			/* waiting, FIFO */
	struct jobq	 running;
	struct ptrcount	 busy;			/* jobs per endpoint, queued or running */
};

static void check_done(struct engine *);
static void job_next_request(struct job *);
static void job_end(struct job *, int running);

/* The process-wide caches of parsed certificates and printed names. */
static void
caches_clear(void)
{
	certcache_clear();
	ocsp_name_cache_clear();
	ocsp_reqid_cache_clear();
}

void
probe_thread_clear(void)
{
	caches_clear();
	http_thread_clear();
	posture_thread_clear();
}

int
probe_global_init(void)
{
	static bool registered;

	/* Freed at exit for leak checkers. */
	if (!registered) {
		registered = true;
		atexit(caches_clear);
	}
	if (keydecode_init() != 0)
		log_warn("certificates are decoded the slow way", "why=%s",
		    "the legacy key decoders could not be registered (probe/keydecode.c)");
	/*
	 * A server that hangs up while a request is written to it is that request's error,
	 * never the process's end: libcurl sends with MSG_NOSIGNAL, but probe/https.c writes
	 * through OpenSSL's socket BIO, which a SIGPIPE would kill us from.
	 */
	signal(SIGPIPE, SIG_IGN);
	return http_global_init();
}

/* evcurl's after-action hook. */
static void
after_action(void *arg)
{
	check_done(arg);
}

struct engine *
engine_new(struct event_base *base, int max_concurrent)
{
	struct engine *eng;

	if (base == NULL || http_global_init() != 0)
		return NULL;
	eng = xcalloc(1, sizeof(*eng));
	eng->base = base;
	eng->max_concurrent = max_concurrent > 0 ? max_concurrent : 1;
	TAILQ_INIT(&eng->queue);
	TAILQ_INIT(&eng->running);
	eng->trust = http_trust_new();
	eng->hc = https_client_new(base, eng->trust);
	if ((eng->ec = evcurl_new(base, after_action, eng)) == NULL) {
		engine_free(eng);
		return NULL;
	}
	eng->multi = evcurl_multi(eng->ec);
	return eng;
}

/* Records the transfer-level facts the engine owns, once the kind is done. */
static void
job_annotate(struct job *j)
{
	const struct conf_endpoint *ep = j->ep;
	struct result *r = &j->r;

	if (j->nreq > 0)
		r->timings[PHASE_TOTAL] = j->total_ms;
	if (j->nreq > 0 && (j->ops->http_details || j->redirects > 0))
		detail_set_int(r->details, DETAIL_REDIRECTS, j->redirects);
	if (j->tls_not_after_ms != 0) {
		int64_t left = (int64_t)floor((double)(j->tls_not_after_ms - now_ms()) / 86400000.0);

		detail_set_int(r->details, DETAIL_TLS_DAYS_LEFT, left);
		detail_set_time(r->details, DETAIL_TLS_NOT_AFTER, j->tls_not_after_ms);
		if (left < ep->tls_min_days)
			result_flag(r, REASON_TLS_EXPIRING,
			    "TLS server certificate expires in %lld days (< %d)",
			    (long long)left, ep->tls_min_days);
	}
	/* A kind doing its own I/O (probe_ops.run) sets the total itself. */
	if ((j->nreq > 0 || (j->ops != NULL && j->ops->run != NULL &&
	    r->timings[PHASE_TOTAL] >= 0)) && ep->degraded_after_ms > 0 &&
	    r->timings[PHASE_TOTAL] > (double)ep->degraded_after_ms)
		result_flag(r, REASON_SLOW, "total %.0f ms exceeds degraded_after %lld ms",
		    r->timings[PHASE_TOTAL], (long long)ep->degraded_after_ms);
}

/* Frees what a job owns besides its result and lists. */
static void
job_free(struct job *j)
{
	result_clear(&j->r);
	free(j->memory);
	free(j->peer_memory);
	free(j->pin);
	curl_slist_free_all(j->connect_to);
	free(j->kids);
	free(j->kid_results);
	free(j);
}

/* A child ended: its result goes to its parent, which ends with the last one. */
static void
kid_end(struct job *k)
{
	struct job *p = k->parent;

	result_init(&p->kid_results[k->idx], k->ep, p->r.time_ms);
	result_move(&p->kid_results[k->idx], &k->r);
	p->kids[k->idx] = NULL;
	job_free(k);
	if (--p->kids_left == 0)
		job_end(p, 1);
}

/* Stops and frees j's request in flight, if any. */
static void
job_transfer_free(struct job *j)
{
	if (j->xfer != NULL) {
		curl_multi_remove_handle(j->eng->multi, j->xfer->easy);
		http_xfer_free(j->xfer);
		j->xfer = NULL;
	}
	https_req_free(j->hx);
	j->hx = NULL;
}

/* Ends j: frees the kind's state, annotates, hands the result to done, frees j. */
static void
job_end(struct job *j, int running)
{
	struct engine *eng = j->eng;

	if (j->rq != NULL) {
		resolve_cancel(j->rq);
		j->rq = NULL;
	}
	job_transfer_free(j);
	if (j->ops != NULL && j->ops->free_state != NULL && j->state != NULL)
		j->ops->free_state(j->state);
	j->state = NULL;
	probe_request_clear(&j->req);
	job_annotate(j);
	if (j->parent != NULL) {
		kid_end(j);
		return;
	}
	if (j->n_kids > 0) {
		result_combine_addresses(&j->r, j->kid_results, j->n_kids);
		FREE_NULL(j->kid_results);
	}
	if (running) {
		TAILQ_REMOVE(&eng->running, j, link);
		eng->nrunning--;
	} else {
		TAILQ_REMOVE(&eng->queue, j, link);
		eng->nqueued--;
	}
	ptrcount_del(&eng->busy, j->ep);
	if (j->done != NULL)
		j->done(&j->r, j->arg);
	job_free(j);
}

/* Lets the kind build its first request and sends it; ends j when there is none. */
static void
job_start(struct job *j)
{
	j->state = j->ops->start(j->ep, &j->in, &j->req, &j->r);
	if (j->req.url == NULL) {
		if (j->r.status == STATUS_UP)
			result_flag(&j->r, REASON_INTERNAL, "the %s probe built no request",
			    j->ops->name);
		job_end(j, 1);
		return;
	}
	job_next_request(j);
}

/*
 * The host of a URL when it is a name to resolve (caller frees), else NULL. The URL was
 * checked at load (http or https, a host): scheme "://" [userinfo "@"] host [":" port]
 * then "/", "?", "#" or the end; an IPv6 literal is bracketed. Read here rather than
 * through curl_url, which cost 40 k instructions in every probe (issue 22).
 */
char *
engine_url_name(const char *url)
{
	const char *p, *end, *at, *colon;
	char *host;

	if (url == NULL || (p = strstr(url, "://")) == NULL)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = end; at > p && at[-1] != '@'; at--)
		;
	if (at > p)
		p = at;
	if (p == end || *p == '[')
		return NULL;			/* no host, or an IPv6 literal */
	if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL)
		end = colon;
	if (end == p)
		return NULL;
	host = xstrndup(p, (size_t)(end - p));
	if (resolve_is_literal(host)) {
		free(host);
		return NULL;
	}
	return host;
}

static char *
host_to_resolve(const struct conf_endpoint *ep)
{
	return engine_url_name(ep->url);
}

/* A job's copy of its parent for one address, sharing the parent's slot. */
static struct job *
kid_new(struct job *p, size_t idx, const char *addr, double resolve_ms)
{
	struct job *k = xcalloc(1, sizeof(*k));

	k->eng = p->eng;
	k->ep = p->ep;
	k->ops = p->ops;
	k->in.memory = k->memory = xstrdup(p->memory);
	k->in.peer_memory = k->peer_memory = xstrdup(p->peer_memory);
	result_init(&k->r, p->ep, p->r.time_ms);
	k->r.address = xstrdup(addr);
	k->pin = xstrdup(addr);
	k->resolve_ms = resolve_ms;
	k->parent = p;
	k->idx = idx;
	return k;
}

/* The resolver's answer for job j's host. */
static void
job_resolved(const struct resolve_answer *a, void *arg)
{
	struct job *j = arg;
	size_t n = a->n;

	j->rq = NULL;
	if (n == 0) {
		char *host = host_to_resolve(j->ep);

		/* The dns phase stays unreached, as when curl fails to resolve. */
		result_flag(&j->r, REASON_DNS, "cannot resolve %s: %s", host ? host : "the host",
		    a->error ? a->error : "no address");
		free(host);
		job_end(j, 1);
		return;
	}
	if (n == 1 || j->ep->addresses_first) {
		/* addresses: first probes the first address (IPv4 before IPv6, in order). */
		j->pin = xstrdup(a->addr[0]);
		j->resolve_ms = a->ms;
		job_start(j);
		return;
	}
	j->n_kids = n;
	j->kids = xcalloc(n, sizeof(*j->kids));
	j->kid_results = xcalloc(n, sizeof(*j->kid_results));
	for (size_t i = 0; i < n; i++)
		j->kids[i] = kid_new(j, i, a->addr[i], a->ms);
	/* One count more than children while they start, so none can end j meanwhile. */
	j->kids_left = n + 1;
	for (size_t i = 0; i < n; i++)
		job_start(j->kids[i]);
	if (--j->kids_left == 0)
		job_end(j, 1);
}

/* Starts j: resolves its host first when every address is to be probed. */
static void
job_begin(struct job *j)
{
	struct engine *eng = j->eng;
	char *host = host_to_resolve(j->ep), *err = NULL;
	const char *src = j->ep->source_address;
	int family = src == NULL ? AF_UNSPEC : strchr(src, ':') ? AF_INET6 : AF_INET;

	if (host == NULL) {
		job_start(j);
		return;
	}
	if (eng->resolver == NULL && (eng->resolver = resolver_new(eng->base, &err)) == NULL) {
		result_flag(&j->r, REASON_INTERNAL, "%s", err);
		free(err);
		free(host);
		job_end(j, 1);
		return;
	}
	/* A source address of one family reaches only that family's addresses. */
	j->rq = resolver_lookup(eng->resolver, host, family, j->ep->timeout_ms, job_resolved, j);
	if (j->rq == NULL) {
		result_flag(&j->r, REASON_INTERNAL, "cannot ask the resolver for %s", host);
		job_end(j, 1);
	}
	free(host);
}

/*
 * The done callback of a kind that does its own I/O (probe_ops.run): the job is ended from
 * kick_cb, outside the kind's callback, so that free_state never runs beneath it.
 */
static void
job_own_done(void *arg)
{
	static const struct timeval zero;
	struct job *j = arg;

	j->own_done = true;
	evtimer_add(j->eng->kick, &zero);
}

/* Ends every running job whose kind reported done (probe_ops.run). */
static void
reap_own(struct engine *eng)
{
	struct job *j, *next;

	for (j = TAILQ_FIRST(&eng->running); j != NULL; j = next) {
		next = TAILQ_NEXT(j, link);
		if (j->own_done)
			job_end(j, 1);
	}
}

/* Moves queued jobs to running while there is room; ends those with nothing to send. */
static void
dispatch(struct engine *eng)
{
	struct job *j;

	while (eng->nrunning < eng->max_concurrent && (j = TAILQ_FIRST(&eng->queue)) != NULL) {
		TAILQ_REMOVE(&eng->queue, j, link);
		eng->nqueued--;
		TAILQ_INSERT_TAIL(&eng->running, j, link);
		eng->nrunning++;
		j->r.time_ms = now_ms();
		if (j->ops->run != NULL) {
			j->state = j->ops->run(j->ep, &j->in, eng->base, job_own_done, j, &j->r);
			if (j->state == NULL) {
				if (j->r.status == STATUS_UP)
					result_flag(&j->r, REASON_INTERNAL, "the %s probe could not start",
					    j->ops->name);
				job_end(j, 1);
			}
			continue;
		}
		job_begin(j);
	}
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	reap_own(arg);
	dispatch(arg);
}

static void job_https_done(void *arg);

/* Sends j->req; on a setup failure ends j with internal. */
static void
job_next_request(struct job *j)
{
	struct engine *eng = j->eng;
	char err[512];

	if (https_wanted(&j->req)) {
		char *host = j->pin != NULL ? host_to_resolve(j->ep) : NULL;

		j->hx = https_start(eng->hc, j->ep, &j->req, host, j->pin, job_https_done, j,
		    err, sizeof(err));
		free(host);
		if (j->hx == NULL) {
			result_flag(&j->r, REASON_INTERNAL, "%s", err);
			job_end(j, 1);
		}
		return;
	}
	j->xfer = http_xfer_new(j->ep, &j->req, eng->trust, j, err, sizeof(err));
	if (j->xfer == NULL) {
		result_flag(&j->r, REASON_INTERNAL, "%s", err);
		job_end(j, 1);
		return;
	}
	if (j->pin != NULL && j->connect_to == NULL) {
		char *host = host_to_resolve(j->ep), *line;

		/* "HOST::ADDR:": the endpoint's host on any port goes to ADDR, same port; other
		 * hosts (a JWKS elsewhere, a redirect) are resolved as usual. */
		line = xasprintf("%s::%s%s%s:", host ? host : "", strchr(j->pin, ':') ? "[" : "",
		    j->pin, strchr(j->pin, ':') ? "]" : "");
		j->connect_to = curl_slist_append(NULL, line);
		free(line);
		free(host);
	}
	if (j->connect_to != NULL &&
	    curl_easy_setopt(j->xfer->easy, CURLOPT_CONNECT_TO, j->connect_to) != CURLE_OK) {
		http_xfer_free(j->xfer);
		j->xfer = NULL;
		result_flag(&j->r, REASON_INTERNAL, "cannot pin the transfer to %s", j->pin);
		job_end(j, 1);
		return;
	}
	if (curl_multi_add_handle(eng->multi, j->xfer->easy) != CURLM_OK) {
		http_xfer_free(j->xfer);
		j->xfer = NULL;
		result_flag(&j->r, REASON_INTERNAL, "cannot start the HTTP transfer");
		job_end(j, 1);
	}
}

/* Handles one finished exchange: maps failures, or lets the kind evaluate. */
static void
job_exchange_done(struct job *j, struct http_outcome *out)
{
	struct probe_request next;
	int more;

	if (j->req.side) {
		/* A posture side request: the kind judges its outcome, failure included. */
		out->resp.transport_reason = out->reason;
		out->resp.transport_message = out->message;
		goto evaluate;
	}
	if (j->nreq == 0) {
		memcpy(j->r.timings, out->timings, sizeof(j->r.timings));
		if (j->resolve_ms >= 0 && j->pin != NULL) {
			/* The transfer went to an address: the name was resolved before it. */
			j->r.timings[PHASE_DNS] = j->resolve_ms;
			j->total_ms += j->resolve_ms;
		}
	}
	j->nreq++;
	if (!j->req.untimed)
		j->total_ms += out->timings[PHASE_TOTAL];
	j->redirects += out->resp.redirects;
	if (out->resp.tls_not_after_ms != 0 && (j->tls_not_after_ms == 0 ||
	    out->resp.tls_not_after_ms < j->tls_not_after_ms))
		j->tls_not_after_ms = out->resp.tls_not_after_ms;
	if (out->reason != REASON_OK) {
		if (j->req.failure_reason != REASON_OK)
			result_flag(&j->r, j->req.failure_reason, "%s: %s (%s)",
			    j->req.what ? j->req.what : "request", out->message,
			    reason_names[out->reason]);
		else
			result_flag(&j->r, out->reason, "%s", out->message);
		job_end(j, 1);
		return;
	}
evaluate:
	memset(&next, 0, sizeof(next));
	more = 0;
	if (j->ops->finish != NULL)
		more = j->ops->finish(j->state, j->ep, &out->resp, now_ms(), &next, &j->r);
	else
		result_flag(&j->r, REASON_INTERNAL, "the %s probe cannot evaluate", j->ops->name);
	job_transfer_free(j);
	probe_request_clear(&j->req);
	j->req = next;
	if (more && j->req.url != NULL)
		job_next_request(j);
	else
		job_end(j, 1);
}

/* A libcurl transfer of j finished with rc. */
static void
job_transfer_done(struct job *j, CURLcode rc)
{
	struct http_outcome out;

	http_xfer_outcome(j->xfer, rc, &out);
	job_exchange_done(j, &out);
}

/* An https.c request of j finished (called from the event loop). */
static void
job_https_done(void *arg)
{
	struct job *j = arg;
	struct engine *eng = j->eng;	/* j may be gone after */
	struct http_outcome out;

	https_outcome(j->hx, &out);
	job_exchange_done(j, &out);
	dispatch(eng);
}

/* Collects every finished transfer curl reports, then starts queued jobs. */
static void
check_done(struct engine *eng)
{
	CURLMsg *m;
	int left;
	void *p;

	while ((m = curl_multi_info_read(eng->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		if (p != NULL)
			job_transfer_done(((struct http_xfer *)p)->owner, m->data.result);
	}
	dispatch(eng);
}

int
engine_submit(struct engine *eng, const struct conf_endpoint *ep, const struct probe_input *in,
    engine_done_fn *done, void *arg)
{
	const struct probe_ops *ops;

	if (eng == NULL || ep == NULL || (ops = probe_ops_for(ep->kind)) == NULL)
		return -1;
	return engine_submit_ops(eng, ep, ops, in, done, arg);
}

int
engine_submit_ops(struct engine *eng, const struct conf_endpoint *ep,
    const struct probe_ops *ops, const struct probe_input *in, engine_done_fn *done, void *arg)
{
	static const struct timeval zero;
	struct job *j;

	if (eng == NULL || ep == NULL || ops == NULL || (ops->start == NULL && ops->run == NULL))
		return -1;
	if (eng->kick == NULL && (eng->kick = evtimer_new(eng->base, kick_cb, eng)) == NULL)
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->eng = eng;
	j->ep = ep;
	j->ops = ops;
	j->resolve_ms = -1;
	j->done = done;
	j->arg = arg;
	if (in != NULL) {
		j->in.memory = j->memory = xstrdup(in->memory);
		j->in.peer_memory = j->peer_memory = xstrdup(in->peer_memory);
	}
	result_init(&j->r, ep, now_ms());
	TAILQ_INSERT_TAIL(&eng->queue, j, link);
	eng->nqueued++;
	ptrcount_add(&eng->busy, ep);
	evtimer_add(eng->kick, &zero);
	return 0;
}

size_t
engine_pending(const struct engine *eng)
{
	return eng != NULL ? eng->nqueued + (size_t)eng->nrunning : 0;
}

size_t
engine_running(const struct engine *eng)
{
	return eng != NULL ? (size_t)eng->nrunning : 0;
}

int
engine_busy(const struct engine *eng, const struct conf_endpoint *ep)
{
	if (eng == NULL || ep == NULL)
		return 0;
	return ptrcount_has(&((struct engine *)eng)->busy, ep);	/* counts its steps */
}

uint64_t
engine_busy_steps(const struct engine *eng)
{
	return eng != NULL ? eng->busy.steps : 0;
}

/* Cancels running job j, its children first (the last one ends j). */
static void
job_cancel(struct job *j, const char *why)
{
	if (j->n_kids > 0 && j->kids_left > 0) {
		for (size_t i = 0; i < j->n_kids; i++) {
			struct job *k = j->kids[i];

			if (k != NULL) {
				result_flag(&k->r, REASON_INTERNAL, "%s", why);
				if (j->kids_left == 1) {
					job_end(k, 1);	/* ends j too */
					return;
				}
				job_end(k, 1);
			}
		}
		return;
	}
	result_flag(&j->r, REASON_INTERNAL, "%s", why);
	job_end(j, 1);
}

size_t
engine_cancel_queued(struct engine *eng)
{
	struct job *j;
	size_t n = 0;

	if (eng == NULL)
		return 0;
	while ((j = TAILQ_FIRST(&eng->queue)) != NULL) {
		result_flag(&j->r, REASON_INTERNAL, "cancelled before it started");
		job_end(j, 0);
		n++;
	}
	return n;
}

void
engine_cancel_all(struct engine *eng)
{
	struct job *j;

	if (eng == NULL)
		return;
	/* Queued first so that a done callback cannot see them start meanwhile. */
	while ((j = TAILQ_FIRST(&eng->queue)) != NULL) {
		result_flag(&j->r, REASON_INTERNAL, "cancelled");
		job_end(j, 0);
	}
	while ((j = TAILQ_FIRST(&eng->running)) != NULL)
		job_cancel(j, "cancelled");
}

void
engine_free(struct engine *eng)
{
	if (eng == NULL)
		return;
	engine_cancel_all(eng);
	evcurl_free(eng->ec);
	resolver_free(eng->resolver);
	if (eng->kick != NULL)
		event_free(eng->kick);
	https_client_free(eng->hc);
	http_trust_free(eng->trust);
	ptrcount_free(&eng->busy);
	free(eng);
}

static void
once_done(struct result *r, void *arg)
{
	struct result *dst = arg;

	result_move(dst, r);
}

int
probe_run_once(const struct conf_endpoint *const *eps, const struct probe_input *inputs,
    size_t n, int max_concurrent, struct result *results)
{
	struct event_base *base;
	struct engine *eng;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		result_init(&results[i], eps[i], now_ms());
	if ((base = event_base_new()) == NULL)
		return -1;
	if ((eng = engine_new(base, max_concurrent)) == NULL) {
		event_base_free(base);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (engine_submit(eng, eps[i], inputs != NULL ? &inputs[i] : NULL,
		    once_done, &results[i]) != 0) {
			result_flag(&results[i], REASON_INTERNAL, "the probe could not be queued");
		}
	while (engine_pending(eng) > 0)
		if (event_base_loop(base, EVLOOP_ONCE) != 0) {
			rc = -1;	/* an error, or nothing left to wait for */
			break;
		}
	engine_free(eng);
	event_base_free(base);
	return rc;
}
