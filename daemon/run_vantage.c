/*
 * Several vantage nodes on one shared (PostgreSQL) store (SPEC §11).
 * Every node probes and stores its own results raw (run_store.c). A node timer, every
 * RUN_NODE_TICK_MS:
 *   - asks store_try_leader (a session advisory lock); leadership changes are logged, and a
 *     node that takes the lead re-reads the verdict schedule from the store, queues what
 *     the outbox holds and renders at once;
 *   - writes a heartbeat (at start with started, then every min(5 s, shortest interval / 2))
 *     with the results it stored in the last 24 h;
 *   - on the leader only: each endpoint's quorum verdict once per interval, from each live
 *     node's newest result (core/quorum.h), stored as a verdict item (rollups, incident
 *     step, endpoint state) in its own transaction, never spooled: a verdict that cannot be
 *     stored is not observed, so a replay can never double it; and the node-silence alert.
 * At most one verdict per endpoint per interval, each at the time of the newest result
 * backing it and only when that is newer than the last verdict's; a new leader takes the
 * last verdict's time from the store's endpoint state, so a handover never doubles one.
 * With SQLite there is one node: none of this runs.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "run_int.h"
#include "run_node_alerts.h"
#include "sched.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/quorum.h"
#include "../core/util.h"
#include "../store/store.h"

#define RUN_NODE_TICK_MS	500		/* leader check, heartbeat, verdicts */
#define RUN_BEAT_MAX_MS		5000		/* the longest between heartbeats */
#define RUN_VERDICTS_MAX	2000		/* endpoints given a verdict in one tick */
#define RUN_VERDICT_GRACE_MS	2000		/* for the nodes' results of a slot to be stored */
#define HOUR_MS			3600000LL

/* When an endpoint's next verdict is due, by "provider\x1f" "endpoint". */
struct vt_slot {
	char		*key;
	uint64_t	 hash;		/* of key */
	int64_t		 due;
	int64_t		 last;		/* the time of its last verdict, 0 = none */
};

/* A node's silence as this leader knows it (run_node_alerts.c keeps it in the store). */
struct vt_silence {
	char		*id;
	int64_t		 since;		/* L of the silence alerted and not heard again, 0: none */
	bool		 checked;	/* since read from the store's outbox since the lead */
};

struct run_vantage {
	struct vt_slot	*slots;
	size_t		 cap, n;
	bool		 loaded;	/* the schedule was read from the store since the lead */
	struct vt_silence *silent;	/* per node seen: its alerted silence */
	size_t		 n_silent;
	size_t		 scan_at;	/* where the next scan for due verdicts starts */
};

/* A node as store_each_node lists it (copied). */
struct vt_node {
	char		*id;
	char		*location;
	int64_t		 last_seen_ms;
	bool		 live;
};

/* A node's newest result of an endpoint (copied). */
struct vt_row {
	char		*provider, *endpoint, *node;
	int64_t		 time_ms;
	enum status	 status;
	enum reason	 reason;
	char		*message;
	double		 timings[PHASE__MAX];
	char		*details;
};

struct vt_read {
	struct vt_node	*nodes;
	size_t		 n_nodes;
	struct vt_row	*rows;
	size_t		 n_rows, cap_rows;
	int64_t		 now, live_ms;
};

/* --- the verdict schedule --------------------------------------------------------------- */

/* The hash of the slot key "provider\x1f" "endpoint", without building it. */
static uint64_t
slot_hash(const char *provider, const char *endpoint)
{
	uint64_t h = FNV1A_INIT;

	fnv1a(&h, provider, strlen(provider));
	fnv1a(&h, "\x1f", 1);
	fnv1a(&h, endpoint, strlen(endpoint));
	return h;
}

static bool
slot_is(const char *key, const char *provider, const char *endpoint)
{
	size_t lp = strlen(provider);

	return strncmp(key, provider, lp) == 0 && key[lp] == '\x1f' &&
	    strcmp(key + lp + 1, endpoint) == 0;
}

static void
sched_clear(struct run_vantage *v)
{
	for (size_t i = 0; i < v->cap; i++)
		free(v->slots[i].key);
	free(v->slots);
	v->slots = NULL;
	v->cap = v->n = 0;
	v->loaded = false;
	for (size_t i = 0; i < v->n_silent; i++)
		v->silent[i].checked = false;	/* another leader may have alerted since */
}

/* The slot of provider/endpoint; added when add (no allocation on a lookup). */
static struct vt_slot *
sched_slot(struct run_vantage *v, const char *provider, const char *endpoint, bool add)
{
	uint64_t h = slot_hash(provider, endpoint);
	size_t i;

	if (add && 2 * (v->n + 1) > v->cap) {
		struct vt_slot *old = v->slots;
		size_t ocap = v->cap;

		v->cap = v->cap ? 2 * v->cap : 64;
		v->slots = xcalloc(v->cap, sizeof(*v->slots));
		for (size_t k = 0; k < ocap; k++) {
			if (old[k].key == NULL)
				continue;
			for (i = old[k].hash & (v->cap - 1); v->slots[i].key != NULL;
			    i = (i + 1) & (v->cap - 1))
				;
			v->slots[i] = old[k];
		}
		free(old);
	}
	if (v->cap == 0)
		return NULL;
	for (i = h & (v->cap - 1); v->slots[i].key != NULL; i = (i + 1) & (v->cap - 1))
		if (v->slots[i].hash == h && slot_is(v->slots[i].key, provider, endpoint))
			return &v->slots[i];
	if (!add)
		return NULL;
	v->slots[i].key = xasprintf("%s\x1f%s", provider, endpoint);
	v->slots[i].hash = h;
	v->slots[i].due = 0;
	v->slots[i].last = 0;
	v->n++;
	return &v->slots[i];
}

/*
 * How long after a slot its results are awaited: under half an interval, so that a verdict
 * never waits past the next slot's result (each result is a verdict at its own time).
 */
static int64_t
grace(const struct conf_endpoint *ep)
{
	return ep->interval_ms / 2 < RUN_VERDICT_GRACE_MS ? ep->interval_ms / 2 :
	    RUN_VERDICT_GRACE_MS;
}

/* A new leader: each endpoint's next verdict is due one interval after its last one. */
static int
load_state(const struct store_endpoint_state *e, void *arg)
{
	struct run *R = arg;
	const struct conf *c = R->cur->c;
	struct vt_slot *s;

	if (e->last_time_ms < 0)
		return 0;
	for (size_t p = 0; p < c->n_providers; p++) {
		const struct conf_provider *pv = &c->providers[p];

		if (strcmp(pv->id, e->provider) != 0)
			continue;
		for (size_t k = 0; k < pv->n_endpoints; k++)
			if (strcmp(pv->endpoints[k].id, e->endpoint) == 0) {
				s = sched_slot(R->vt, e->provider, e->endpoint, true);
				s->last = e->last_time_ms;
				s->due = e->last_time_ms + pv->endpoints[k].interval_ms +
				    grace(&pv->endpoints[k]);
				return 0;
			}
	}
	return 0;
}

/* --- reading the nodes and their newest results ---------------------------------------- */

static int
copy_node(const struct store_node *n, void *arg)
{
	struct vt_read *rd = arg;
	struct vt_node *v;

	rd->nodes = xrealloc(rd->nodes, (rd->n_nodes + 1) * sizeof(*rd->nodes));
	v = &rd->nodes[rd->n_nodes++];
	v->id = xstrdup(n->id);
	v->location = xstrdup(n->location ? n->location : "");
	v->last_seen_ms = n->last_seen_ms;
	v->live = rd->now - n->last_seen_ms <= rd->live_ms;
	return 0;
}

static int
copy_row(const struct store_node_result *n, void *arg)
{
	struct vt_read *rd = arg;
	struct vt_row *w;

	if (rd->n_rows == rd->cap_rows) {
		rd->cap_rows = rd->cap_rows ? 2 * rd->cap_rows : 64;
		rd->rows = xrealloc(rd->rows, rd->cap_rows * sizeof(*rd->rows));
	}
	w = &rd->rows[rd->n_rows++];
	w->provider = xstrdup(n->provider);
	w->endpoint = xstrdup(n->endpoint);
	w->node = xstrdup(n->node);
	w->time_ms = n->time_ms;
	w->status = n->status;
	w->reason = n->reason;
	w->message = n->message ? xstrdup(n->message) : NULL;
	memcpy(w->timings, n->timings, sizeof(w->timings));
	w->details = n->details ? xstrdup(n->details) : NULL;
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct vt_row *x = a, *y = b;
	int d;

	if ((d = strcmp(x->provider, y->provider)) != 0)
		return d;
	if ((d = strcmp(x->endpoint, y->endpoint)) != 0)
		return d;
	return strcmp(x->node, y->node);
}

static void
read_free(struct vt_read *rd)
{
	for (size_t i = 0; i < rd->n_nodes; i++) {
		free(rd->nodes[i].id);
		free(rd->nodes[i].location);
	}
	for (size_t i = 0; i < rd->n_rows; i++) {
		free(rd->rows[i].provider);
		free(rd->rows[i].endpoint);
		free(rd->rows[i].node);
		free(rd->rows[i].message);
		free(rd->rows[i].details);
	}
	free(rd->nodes);
	free(rd->rows);
	memset(rd, 0, sizeof(*rd));
}

/* The newest result of provider/endpoint from node, or NULL. */
static const struct vt_row *
row_find(const struct vt_read *rd, const char *provider, const char *endpoint, const char *node)
{
	struct vt_row key = { .provider = (char *)provider, .endpoint = (char *)endpoint,
		.node = (char *)node };

	if (rd->n_rows == 0)
		return NULL;
	return bsearch(&key, rd->rows, rd->n_rows, sizeof(*rd->rows), row_cmp);
}

/* --- verdicts ---------------------------------------------------------------------------- */

static int64_t
shortest_interval(const struct conf *c)
{
	int64_t m = 0;

	for (size_t p = 0; p < c->n_providers; p++)
		for (size_t k = 0; k < c->providers[p].n_endpoints; k++)
			if (m == 0 || c->providers[p].endpoints[k].interval_ms < m)
				m = c->providers[p].endpoints[k].interval_ms;
	return m > 0 ? m : 60000;
}

/* Appends "seen STATUS from a, b" for the fresh views whose status is st. */
static bool
seen_from(struct buf *b, const struct quorum_view *v, size_t n, enum status st, int64_t now,
    int64_t interval, const char *sep)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (v[i].status != st || !v[i].live || v[i].time_ms < 0 ||
		    v[i].time_ms < now - 2 * interval)
			continue;
		buf_printf(b, "%s%s", any ? ", " : sep, v[i].node);
		any = true;
	}
	return any;
}

/* The verdict's message: the representative's, and who saw what ("seen down from a, b"). */
static char *
verdict_message(const struct quorum_view *v, size_t n, const struct quorum_result *q,
    const char *rep_msg, int64_t now, int64_t interval)
{
	struct buf b = { 0 };
	char *s;
	bool minority = false;

	for (size_t i = 0; i < n; i++)
		minority |= quorum_is_minority(&v[i], q, now, interval);
	if (q->verdict != VERDICT_UP && rep_msg != NULL)
		buf_printf(&b, "%s (", rep_msg);
	else if (q->verdict != VERDICT_UP)
		buf_printf(&b, "(");
	else if (!minority)
		return NULL;
	for (int st = STATUS_UP, first = 1; st < STATUS__MAX; st++) {
		char head[64];

		if (q->verdict == VERDICT_UP && st == STATUS_UP)
			continue;	/* an up verdict names only its minority */
		snprintf(head, sizeof(head), "%sseen %s from ", first ? "" : "; ",
		    status_names[st]);
		if (seen_from(&b, v, n, (enum status)st, now, interval, head))
			first = 0;
	}
	if (q->verdict == VERDICT_UP)
		buf_printf(&b, " only");
	else
		buf_printf(&b, ")");
	buf_append(&b, "", 1);
	s = xstrdup((const char *)b.data);
	buf_free(&b);
	return s;
}

/* Whether fresh view v backs verdict q (down backs degraded). */
static bool
backs(const struct quorum_view *v, const struct quorum_result *q, int64_t now, int64_t interval)
{
	if (!v->live || v->time_ms < 0 || v->time_ms < now - 2 * interval)
		return false;
	if (q->verdict == VERDICT_DEGRADED)
		return v->status == STATUS_DEGRADED || v->status == STATUS_DOWN;
	return (int)v->status == (int)q->verdict;
}

/*
 * No verdict now (too few fresh results): the next try is after the endpoint's next slot on
 * the nodes' grid (sched.h), once its results can be stored — never all endpoints at once.
 */
static void
next_slot(struct vt_slot *s, const struct conf_endpoint *ep, int64_t now)
{
	s->due = sched_first_due(now, ep->interval_ms, sched_offset(ep->provider->id, ep->id,
	    ep->interval_ms)) + grace(ep);
}

/*
 * Evaluates every due endpoint and stores the verdicts (leader only). A verdict's time is
 * the newest result backing it, so with one node every result is a verdict at its own time
 * (an incident starts at the first failed result); due times step by the interval, so
 * there is at most one verdict per endpoint per interval, and one per newer result.
 */
static void
verdicts(struct run *R, struct vt_read *rd, int64_t now)
{
	const struct conf *c = R->cur->c;
	const struct conf_endpoint **due = NULL;
	const char **pv = NULL, **ev = NULL;
	struct store_item *items = NULL;
	struct result *rs = NULL;
	size_t n = 0, cap = 0, n_due = 0, cap_due = 0, n_all = 0;
	int64_t longest = 0;

	if (!R->vt->loaded) {
		if (store_each_endpoint(R->st, NULL, load_state, R) != 0) {
			log_error("verdicts: cannot read the endpoints' state", "error=%s",
			    log_q(store_error(R->st)));
			return;
		}
		R->vt->loaded = true;
	}
	/*
	 * The due endpoints, RUN_VERDICTS_MAX at most a tick: a new leader catches up over a
	 * few ticks instead of holding the loop with every endpoint at once. The scan starts
	 * where the last one stopped, so endpoints that stay due (no newer result yet) cannot
	 * keep the others waiting.
	 */
	for (size_t p = 0; p < c->n_providers; p++)
		n_all += c->providers[p].n_endpoints;
	for (size_t i = 0, p = 0, k = 0, at = R->vt->scan_at % (n_all ? n_all : 1);
	    i < n_all && n_due < RUN_VERDICTS_MAX; i++, at = (at + 1) % n_all) {
		const struct conf_endpoint *ep;
		struct vt_slot *s;

		if (i == 0) {		/* the provider and endpoint of flat index at */
			size_t left = at;

			for (p = 0; left >= c->providers[p].n_endpoints; p++)
				left -= c->providers[p].n_endpoints;
			k = left;
		} else if (at == 0) {
			p = 0;
			k = 0;
		}
		while (k >= c->providers[p].n_endpoints) {
			p++;
			k = 0;
		}
		ep = &c->providers[p].endpoints[k++];
		R->vt->scan_at = (at + 1) % n_all;
		s = sched_slot(R->vt, ep->provider->id, ep->id, false);
		if (s != NULL && s->due > now)
			continue;
		if (n_due == cap_due) {
			cap_due = cap_due ? 2 * cap_due : 64;
			due = xrealloc(due, cap_due * sizeof(*due));
			pv = xrealloc(pv, cap_due * sizeof(*pv));
			ev = xrealloc(ev, cap_due * sizeof(*ev));
		}
		pv[n_due] = ep->provider->id;
		ev[n_due] = ep->id;
		due[n_due++] = ep;
		if (ep->interval_ms > longest)
			longest = ep->interval_ms;
	}
	if (n_due == 0)
		return;
	if (store_each_node_latest_of(R->st, n_due, pv, ev, now - 2 * longest, copy_row,
	    rd) != 0) {
		log_error("verdicts: cannot read the nodes' results", "error=%s",
		    log_q(store_error(R->st)));
		goto out;
	}
	if (rd->n_rows > 1)
		qsort(rd->rows, rd->n_rows, sizeof(*rd->rows), row_cmp);
	for (size_t di = 0; di < n_due; di++) {
		const struct conf_endpoint *ep = due[di];
		struct vt_slot *s = sched_slot(R->vt, ep->provider->id, ep->id, true);
		struct quorum_view *v;
		struct quorum_result q;
		const struct vt_row *rep = NULL;
		struct result *r;
		int64_t t;

		v = xcalloc(rd->n_nodes ? rd->n_nodes : 1, sizeof(*v));
		for (size_t i = 0; i < rd->n_nodes; i++) {
			const struct vt_row *w = row_find(rd, ep->provider->id, ep->id,
			    rd->nodes[i].id);

			v[i].node = rd->nodes[i].id;
			v[i].live = rd->nodes[i].live;
			v[i].time_ms = w ? w->time_ms : -1;
			v[i].status = w ? w->status : STATUS_UP;
			v[i].reason = w ? w->reason : REASON_OK;
		}
		quorum_verdict(v, rd->n_nodes, c->quorum, now, ep->interval_ms, &q);
		if (q.verdict == VERDICT_UNKNOWN || q.representative < 0) {
			log_debug("verdict unknown: too few fresh results", "provider=%s"
			    " endpoint=%s fresh=%d needed=%d", log_q(ep->provider->id),
			    log_q(ep->id), q.fresh, q.needed);
			next_slot(s, ep, now);
			free(v);
			continue;
		}
		/* Its time: the newest result backing it. Nothing new since the last
		 * verdict: none now, tried again at the next tick. */
		t = -1;
		for (size_t i = 0; i < rd->n_nodes; i++)
			if (backs(&v[i], &q, now, ep->interval_ms) && v[i].time_ms > t)
				t = v[i].time_ms;
		if (t <= s->last) {
			free(v);
			continue;
		}
		s->last = t;
		/* The next one on the endpoint's own grid, once every node's next result is
		 * in: verdicts spread over the interval as probes do, not in one lump per
		 * interval from when the leader began. */
		s->due = t + ep->interval_ms + grace(ep);
		if (s->due <= now)
			s->due = now + RUN_NODE_TICK_MS;
		rep = row_find(rd, ep->provider->id, ep->id, rd->nodes[q.representative].id);
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			rs = xrealloc(rs, cap * sizeof(*rs));
		}
		r = &rs[n++];
		result_init(r, ep, t);
		r->status = (enum status)q.verdict;
		r->reason = rep->reason;
		memcpy(r->timings, rep->timings, sizeof(r->timings));
		r->message = verdict_message(v, rd->n_nodes, &q, rep->message, now,
		    ep->interval_ms);
		if (rep->details != NULL) {
			json_t *d = json_loads(rep->details, 0, NULL);

			if (json_is_object(d))
				json_object_update(r->details, d);
			json_decref(d);
		}
		log_debug("verdict", "provider=%s endpoint=%s status=%s agree=%d fresh=%d",
		    log_q(ep->provider->id), log_q(ep->id), status_names[r->status],
		    q.agree, q.fresh);
		free(v);
	}
	if (n == 0)
		goto out;
	items = xcalloc(n, sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		items[i].r = &rs[i];
		items[i].maintenance = conf_in_maintenance(c, rs[i].ep, rs[i].time_ms) == 1;
		items[i].node = c->node.id;
		items[i].verdict = true;
	}
	/* The lock is checked right before the write: a lost lead stores no verdict. */
	if (store_try_leader(R->st) != 1)
		log_warn("verdicts not stored: the lead was lost", "n=%zu", n);
	else if (store_add_results(R->st, items, n) != 0)
		log_error("verdicts not stored (not observed)", "n=%zu error=%s", n,
		    log_q(store_error(R->st)));
	else
		run_after_write(R);
out:
	for (size_t i = 0; i < n; i++)
		result_clear(&rs[i]);
	free(rs);
	free(items);
	free(due);
	free(pv);
	free(ev);
}

/* --- node silence ------------------------------------------------------------------------ */

/*
 * A node silent past 2 x the shortest interval is an operator alert (SPEC §11), and so is
 * its return: queued by the leader under keys taken from the store (run_node_alerts.c), so
 * a handover repeats none. The leader itself is never silent, but may be back from a silence.
 */
static void
silences(struct run *R, const struct vt_read *rd, int64_t now)
{
	struct run_vantage *v = R->vt;

	for (size_t i = 0; i < rd->n_nodes; i++) {
		const struct vt_node *nd = &rd->nodes[i];
		struct vt_silence *s = NULL;
		bool self = strcmp(nd->id, R->cur->c->node.id) == 0;

		for (size_t k = 0; k < v->n_silent && s == NULL; k++)
			if (strcmp(v->silent[k].id, nd->id) == 0)
				s = &v->silent[k];
		if (s == NULL) {
			v->silent = xrealloc(v->silent, (v->n_silent + 1) * sizeof(*v->silent));
			s = &v->silent[v->n_silent++];
			*s = (struct vt_silence){ .id = xstrdup(nd->id) };
		}
		if (!s->checked) {
			int64_t since = run_node_alert_pending(R, nd->id);

			if (since < 0) {
				log_error("cannot read the operator alerts", "node=%s error=%s",
				    log_q(nd->id), log_q(store_error(R->st)));
				continue;
			}
			s->since = since;
			s->checked = true;
		}
		if (!nd->live && !self && s->since != nd->last_seen_ms) {
			char seen[40];

			rfc3339_format_s(nd->last_seen_ms, seen, sizeof(seen));
			if (run_node_alert(R, true, nd->id, nd->location, nd->last_seen_ms,
			    nd->last_seen_ms, now) < 0)
				continue;	/* not queued: next tick */
			log_error("vantage node silent", "node=%s location=%s last_seen=%s"
			    " silent_s=%lld", log_q(nd->id), log_q(nd->location), seen,
			    (long long)((now - nd->last_seen_ms) / 1000));
			s->since = nd->last_seen_ms;
		} else if ((nd->live || self) && s->since != 0) {
			if (run_node_alert(R, false, nd->id, nd->location, s->since,
			    nd->last_seen_ms, now) < 0)
				continue;
			log_info("vantage node back", "node=%s location=%s", log_q(nd->id),
			    log_q(nd->location));
			s->since = 0;
		}
	}
}

/* --- the node timer ---------------------------------------------------------------------- */

static int64_t
results_24h(const struct run *R, int64_t now)
{
	int64_t h = now / HOUR_MS, sum = 0;

	for (int i = 0; i < 24; i++)
		if (R->stored_hour[i] > h - 24)
			sum += R->stored_n[i];
	return sum;
}

void
run_vantage_count(struct run *R, size_t n)
{
	int64_t h = now_ms() / HOUR_MS;
	int i = (int)(h % 24);

	if (R->stored_hour[i] != h) {
		R->stored_hour[i] = h;
		R->stored_n[i] = 0;
	}
	R->stored_n[i] += (int64_t)n;
}

static void
beat(struct run *R, int64_t now, bool started)
{
	const struct conf *c = R->cur->c;

	if (store_node_heartbeat(R->st, c->node.id, c->node.location, now, started, R->lead,
	    results_24h(R, now)) != 0) {
		if (!R->beat_failing)
			log_error("heartbeat not stored, will retry", "node=%s error=%s",
			    log_q(c->node.id), log_q(store_error(R->st)));
		R->beat_failing = true;
		return;
	}
	if (R->beat_failing)
		log_info("heartbeat stored again", "node=%s", log_q(c->node.id));
	R->beat_failing = false;
	R->beat_last_ms = now;
}

/* Asks for the lead; logs a change, and a node that takes it catches up at once. */
static void
leader_check(struct run *R)
{
	int rc = store_try_leader(R->st);
	bool was = R->lead;

	if (rc < 0) {
		if (!R->lead_failing)
			log_error("cannot ask for the lead: the store is unreachable", "error=%s",
			    log_q(store_error(R->st)));
		R->lead_failing = true;
	} else
		R->lead_failing = false;
	R->lead = rc == 1;
	if (was && !R->lead) {
		log_warn("lead lost: another node opens incidents, sends mail and renders",
		    "node=%s", log_q(R->cur->c->node.id));
		sched_clear(R->vt);
	} else if (!was && R->lead) {
		log_info("leading: this node opens and resolves incidents, sends mail and renders",
		    "node=%s", log_q(R->cur->c->node.id));
		sched_clear(R->vt);
		R->incidents_seen = store_incident_changes(R->st);
		run_alerts_queue(R);
		run_mail_kick(R);
		run_report_start(R);	/* no render skipped across a handover */
	}
}

static void
node_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;
	const struct conf *c = R->cur->c;
	int64_t now = now_ms(), shortest = shortest_interval(c);
	int64_t every = shortest / 2 < RUN_BEAT_MAX_MS ? shortest / 2 : RUN_BEAT_MAX_MS;
	struct vt_read rd = { 0 };
	struct timeval tv = { 0, RUN_NODE_TICK_MS * 1000 };

	(void)fd; (void)what;
	/*
	 * An unreachable store is asked again every RUN_BEAT_MAX_MS only: each attempt may
	 * wait for a connection (libpq blocks), and the loop must keep probing on schedule.
	 */
	if (!R->stopping && (!R->lead_failing || now - R->lead_tried_ms >= RUN_BEAT_MAX_MS)) {
		int64_t t0 = mono_ms();

		R->lead_tried_ms = now;
		leader_check(R);
		run_slow("asking for the lead", t0);
		t0 = mono_ms();
		if (!R->lead_failing && now - R->beat_last_ms >= every - RUN_NODE_TICK_MS / 2)
			beat(R, now, false);
		run_slow("writing the heartbeat", t0);
		t0 = mono_ms();
		if (R->lead) {
			rd.now = now;
			rd.live_ms = 2 * shortest;
			if (store_each_node(R->st, copy_node, &rd) != 0)
				log_error("cannot list the vantage nodes", "error=%s",
				    log_q(store_error(R->st)));
			else {
				silences(R, &rd, now);
				verdicts(R, &rd, now);
			}
			read_free(&rd);
			run_slow("quorum verdicts", t0);
		}
	}
	evtimer_add(R->node_timer, &tv);
}

void
run_vantage_start(struct run *R)
{
	struct timeval tv = { 0, RUN_NODE_TICK_MS * 1000 };

	if (!R->multi)
		return;
	R->vt = xcalloc(1, sizeof(*R->vt));
	if ((R->node_timer = evtimer_new(R->base, node_cb, R)) == NULL) {
		log_error("cannot set up the node timer", "%s", "");
		return;
	}
	beat(R, now_ms(), true);
	leader_check(R);
	if (!R->lead)
		log_info("following: this node probes and stores its results; the leader decides",
		    "node=%s", log_q(R->cur->c->node.id));
	evtimer_add(R->node_timer, &tv);
}

void
run_vantage_stop(struct run *R)
{
	if (R->node_timer != NULL)
		event_free(R->node_timer);
	R->node_timer = NULL;
	if (R->vt != NULL) {
		sched_clear(R->vt);
		for (size_t i = 0; i < R->vt->n_silent; i++)
			free(R->vt->silent[i].id);
		free(R->vt->silent);
		free(R->vt);
		R->vt = NULL;
	}
}
