/* The vantage nodes and each node's view of each endpoint (SPEC §11). See vantage.h. */
#include <stdlib.h>
#include <string.h>

#include "vantage.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../store/store.h"

int64_t
report_node_live_ms(const struct conf *c)
{
	int64_t min = -1;

	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++) {
			int64_t iv = c->providers[i].endpoints[j].interval_ms;

			if (iv > 0 && (min < 0 || iv < min))
				min = iv;
		}
	if (min < 0)
		min = c->defaults.interval_ms > 0 ? c->defaults.interval_ms : 60000;
	return 2 * min;
}

static int64_t
longest_interval(const struct conf *c)
{
	int64_t max = c->defaults.interval_ms > 0 ? c->defaults.interval_ms : 60000;

	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			if (c->providers[i].endpoints[j].interval_ms > max)
				max = c->providers[i].endpoints[j].interval_ms;
	return max;
}

struct walk {
	const struct conf	*conf;
	struct report_vantage	*v;
	size_t			 cap;
	size_t			 last;		/* rows come grouped by endpoint */
};

static int
on_node(const struct store_node *n, void *arg)
{
	struct walk *w = arg;
	struct report_vantage *v = w->v;
	struct report_node *x;

	if (v->n_nodes == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 4;
		v->nodes = xrealloc(v->nodes, w->cap * sizeof(*v->nodes));
	}
	x = &v->nodes[v->n_nodes++];
	x->id = xstrdup(n->id ? n->id : "");
	x->location = xstrdup(n->location ? n->location : "");
	x->last_seen_ms = n->last_seen_ms;
	x->started_ms = n->started_ms;
	x->leader = n->leader;
	x->results_24h = n->results_24h;
	x->live = n->last_seen_ms <= v->now_ms + v->live_ms &&
	    v->now_ms - n->last_seen_ms <= v->live_ms;
	v->n_live += x->live;
	return 0;
}

static const struct report_node *
find_node(const struct report_vantage *v, const char *id)
{
	for (size_t i = 0; i < v->n_nodes; i++)
		if (strcmp(v->nodes[i].id, id) == 0)
			return &v->nodes[i];
	return NULL;
}

static struct report_vantage_ep *
find_ep(struct walk *w, const char *provider, const char *endpoint)
{
	struct report_vantage *v = w->v;

	for (size_t k = 0; k < v->n_eps; k++) {
		size_t i = (w->last + k) % v->n_eps;

		if (strcmp(v->eps[i].provider, provider) == 0 &&
		    strcmp(v->eps[i].endpoint, endpoint) == 0) {
			w->last = i;
			return &v->eps[i];
		}
	}
	return NULL;
}

static int
on_latest(const struct store_node_result *r, void *arg)
{
	struct walk *w = arg;
	struct report_vantage_ep *e;
	struct report_node_view *x;
	const struct report_node *n;

	if (r->node == NULL || r->node[0] == '\0' ||
	    (e = find_ep(w, r->provider, r->endpoint)) == NULL)
		return 0;
	e->views = xrealloc(e->views, (e->n_views + 1) * sizeof(*e->views));
	x = &e->views[e->n_views++];
	memset(x, 0, sizeof(*x));
	x->node = xstrdup(r->node);
	x->time_ms = r->time_ms;
	x->status = r->status < STATUS__MAX ? r->status : STATUS_DOWN;
	x->reason = r->reason < REASON__MAX ? r->reason : REASON_INTERNAL;
	x->message = r->message ? xstrdup(r->message) : NULL;
	n = find_node(w->v, r->node);
	x->live = n != NULL && n->live;
	return 0;
}

/* The verdict and the minority of e, from its views, as the daemon reaches it. */
static void
judge(const struct report_vantage *v, struct report_vantage_ep *e, int64_t interval_ms)
{
	struct quorum_view *qv = xcalloc(e->n_views ? e->n_views : 1, sizeof(*qv));

	for (size_t i = 0; i < e->n_views; i++)
		qv[i] = (struct quorum_view){ .node = e->views[i].node,
		    .time_ms = e->views[i].time_ms, .status = e->views[i].status,
		    .reason = e->views[i].reason, .live = e->views[i].live };
	quorum_verdict(qv, e->n_views, v->quorum, v->now_ms, interval_ms, &e->q);
	e->n_minority = 0;
	for (size_t i = 0; i < e->n_views; i++) {
		e->views[i].fresh = e->views[i].live && e->views[i].time_ms >= v->now_ms - 2 * interval_ms;
		e->views[i].minority = quorum_is_minority(&qv[i], &e->q, v->now_ms, interval_ms);
		e->n_minority += e->views[i].minority;
	}
	free(qv);
}

int
report_vantage_collect(const struct conf *c, struct store *st, int64_t now, bool eps,
    struct report_vantage *v)
{
	struct walk w = { .conf = c, .v = v };
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	v->now_ms = now;
	v->live_ms = report_node_live_ms(c);
	v->quorum = c->quorum;
	if (store_each_node(st, on_node, &w) != 0)
		goto fail;
	if (!eps)
		return 0;
	for (size_t i = 0; i < c->n_providers; i++)
		n += c->providers[i].n_endpoints;
	v->eps = xcalloc(n ? n : 1, sizeof(*v->eps));
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			v->eps[v->n_eps++] = (struct report_vantage_ep){
			    .provider = c->providers[i].id,
			    .endpoint = c->providers[i].endpoints[j].id };
	if (v->n_eps > 0 &&
	    store_each_node_latest(st, NULL, now - 2 * longest_interval(c), on_latest, &w) != 0)
		goto fail;
	for (size_t i = 0, k = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++, k++) {
			int64_t iv = c->providers[i].endpoints[j].interval_ms;

			judge(v, &v->eps[k], iv > 0 ? iv : c->defaults.interval_ms);
		}
	return 0;
fail:
	report_vantage_free(v);
	return -1;
}

void
report_vantage_free(struct report_vantage *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n_nodes; i++) {
		free(v->nodes[i].id);
		free(v->nodes[i].location);
	}
	free(v->nodes);
	for (size_t i = 0; i < v->n_eps; i++) {
		for (size_t k = 0; k < v->eps[i].n_views; k++) {
			free(v->eps[i].views[k].node);
			free(v->eps[i].views[k].message);
		}
		free(v->eps[i].views);
	}
	free(v->eps);
	memset(v, 0, sizeof(*v));
}

const struct report_vantage_ep *
report_vantage_find(const struct report_vantage *v, const char *provider, const char *endpoint)
{
	for (size_t i = 0; i < v->n_eps; i++)
		if (strcmp(v->eps[i].provider, provider) == 0 &&
		    strcmp(v->eps[i].endpoint, endpoint) == 0)
			return &v->eps[i];
	return NULL;
}

bool
report_vantage_several(const struct report_vantage *v)
{
	return v->n_nodes > 1;
}
