/*
 * The store core: what every backend shares. Opening picks the backend by the
 * location's form (a postgresql:// URI, else a SQLite path); storing a batch resolves
 * stable endpoint ids, appends the results, feeds each endpoint's incident state
 * machine and accumulates rollups, all in one backend transaction. No SQL here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core_int.h"
#include "../core/config.h"
#include "../core/tz.h"
#include "../core/util.h"

int
st_fail(struct store *s, const char *what)
{
	const char *e = s->ops->error(s->be);

	free(s->err);
	s->err = what ? xasprintf("%s: %s", what, e) : xstrdup(e);
	return -1;
}

int
st_error(struct store *s, const char *fmt, ...)
{
	va_list ap;
	char *e;

	va_start(ap, fmt);
	if (vasprintf(&e, fmt, ap) < 0)
		e = NULL;
	va_end(ap);
	free(s->err);
	s->err = e ? e : xstrdup("out of memory");
	return -1;
}

const char *
store_error(const struct store *s)
{
	return s->err ? s->err : "no error";
}

static void eps_clear(struct store *);

static bool
is_pg_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

struct store *
store_open_at(const char *where, const char *password, bool create, char **err)
{
	struct store *s;
	struct store_be *be;
	const struct backend_ops *ops;

	*err = NULL;
	if (is_pg_url(where)) {
		ops = &pg_backend_ops;
		be = pg_backend_open(where, password, create, err);
	} else {
		ops = &sqlite_backend_ops;
		be = sqlite_backend_open(where, create, err);
	}
	if (be == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->ops = ops;
	s->be = be;
	s->open_after = 3;
	s->close_after = 2;
	return s;
}

struct store *
store_open(const char *where, char **err)
{
	return store_open_at(where, NULL, true, err);
}

struct store *
store_open_existing(const char *where, char **err)
{
	return store_open_at(where, NULL, false, err);
}

const char *
store_backend_name(const struct store *s)
{
	return s->ops->name;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->be);
	eps_clear(s);
	free(s->eps);
	st_transitions_end(s, false);
	store_take_transitions(s, NULL, NULL);
	st_rollup_discard(s);
	free(s->acc);
	tz_free(s->tz);
	free(s->err);
	free(s->rec_node);
	free(s);
}

void
store_set_busy_timeout(struct store *s, int ms)
{
	s->ops->set_busy_timeout(s->be, ms);
}

void
store_set_nonblocking(struct store *s)
{
	if (s->ops->set_nonblocking != NULL)
		s->ops->set_nonblocking(s->be);
}

int
store_file_check(struct store *s)
{
	return s->ops->file_check(s->be) == 0 ? 0 : st_fail(s, NULL);
}

int
store_schema_version(struct store *s)
{
	return s->ops->schema_version(s->be);
}

int
store_integrity_check(struct store *s)
{
	return s->ops->integrity_check(s->be);
}

int64_t
store_endpoint_id(struct store *s, const char *provider, const char *endpoint, const char *kind)
{
	int64_t id = s->ops->endpoint_id(s->be, provider, endpoint, kind);

	if (id < 0)
		st_fail(s, "recording an endpoint");
	return id;
}

void
store_set_incident_policy(struct store *s, int open_after, int close_after)
{
	s->open_after = open_after;
	s->close_after = close_after;
}

uint64_t
store_incident_changes(const struct store *s)
{
	return s->incident_changes;
}

/* FNV-1a of provider NUL endpoint. */
static uint64_t
name_hash(const char *provider, const char *endpoint)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = provider; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = endpoint; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void
eps_clear(struct store *s)
{
	for (size_t i = 0; i < s->cap_eps; i++) {
		if (s->eps[i] == NULL)
			continue;
		free(s->eps[i]->provider);
		free(s->eps[i]->endpoint);
		free(s->eps[i]);
		s->eps[i] = NULL;
	}
	s->n_eps = 0;
}

/* The table's slot for hash h and the names: their entry, or the empty slot to fill. */
static size_t
eps_find(struct ep_entry **t, size_t cap, uint64_t h, const char *provider, const char *endpoint)
{
	size_t i = (size_t)h & (cap - 1);

	while (t[i] != NULL && (t[i]->hash != h || strcmp(t[i]->provider, provider) != 0 ||
	    strcmp(t[i]->endpoint, endpoint) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Keeps provider/endpoint's id under hash h (not in the table yet); its entry. */
static struct ep_entry *
eps_add(struct store *s, uint64_t h, const char *provider, const char *endpoint, int64_t id)
{
	struct ep_entry *e;

	if (2 * (s->n_eps + 1) > s->cap_eps) {		/* keep the load under a half */
		size_t cap = s->cap_eps ? 2 * s->cap_eps : 256;
		struct ep_entry **t = xcalloc(cap, sizeof(*t));

		for (size_t k = 0; k < s->cap_eps; k++)
			if (s->eps[k] != NULL)
				t[eps_find(t, cap, s->eps[k]->hash, s->eps[k]->provider,
				    s->eps[k]->endpoint)] = s->eps[k];
		free(s->eps);
		s->eps = t;
		s->cap_eps = cap;
	}
	e = xcalloc(1, sizeof(*e));
	e->hash = h;
	e->provider = xstrdup(provider);
	e->endpoint = xstrdup(endpoint);
	e->id = id;
	s->eps[eps_find(s->eps, s->cap_eps, h, provider, endpoint)] = e;
	s->n_eps++;
	return e;
}

/* The cached entry of provider/endpoint, or NULL. */
static struct ep_entry *
eps_get(struct store *s, uint64_t h, const char *provider, const char *endpoint)
{
	return s->cap_eps > 0 ? s->eps[eps_find(s->eps, s->cap_eps, h, provider, endpoint)] : NULL;
}

/* The entry of provider/endpoint, with its id (looked up and kept on a miss); NULL on error. */
static struct ep_entry *
cached_entry(struct store *s, const char *provider, const char *endpoint, const char *kind)
{
	struct ep_entry *e;
	uint64_t h;
	int64_t id;

	if (provider == NULL || endpoint == NULL || kind == NULL) {
		st_error(s, "recording an endpoint: a result without a provider or endpoint id");
		return NULL;
	}
	h = name_hash(provider, endpoint);
	if ((e = eps_get(s, h, provider, endpoint)) != NULL)
		return e;
	if ((id = store_endpoint_id(s, provider, endpoint, kind)) < 0)
		return NULL;
	return eps_add(s, h, provider, endpoint, id);
}

int
store_preload_endpoints(struct store *s, size_t n, const char *const *providers,
    const char *const *endpoints, const char *const *kinds)
{
	const char **pv, **ev, **kv;
	int64_t *ids;
	size_t m = 0;
	int rc = 0;

	if (s->ops->endpoint_ids == NULL || n == 0)
		return 0;
	pv = xcalloc(n, sizeof(*pv));
	ev = xcalloc(n, sizeof(*ev));
	kv = xcalloc(n, sizeof(*kv));
	ids = xcalloc(n, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		if (eps_get(s, name_hash(providers[i], endpoints[i]), providers[i],
		    endpoints[i]) == NULL) {
			pv[m] = providers[i];
			ev[m] = endpoints[i];
			kv[m++] = kinds[i];
		}
	if (m > 0 && s->ops->endpoint_ids(s->be, m, pv, ev, kv, ids) != 0)
		rc = st_fail(s, "recording the endpoints");
	else
		for (size_t i = 0; i < m; i++) {
			uint64_t h = name_hash(pv[i], ev[i]);

			if (eps_get(s, h, pv[i], ev[i]) == NULL)	/* named twice */
				eps_add(s, h, pv[i], ev[i], ids[i]);
		}
	free(pv);
	free(ev);
	free(kv);
	free(ids);
	return rc;
}

/* One item of the batch, resolved to ids. */
struct resolved {
	const struct store_item *it;
	const char	*provider, *endpoint, *kind;
	int64_t		 interval_ms;
	struct ep_entry	*e;
	char		*details;	/* compact JSON, NULL = none */
};

/* Feeds one stored result into its endpoint's incident state, inside the batch. */
static int
feed_incident(struct store *s, const struct resolved *rv, int64_t id)
{
	const struct result *r = rv->it->r;
	struct ep_entry *e = rv->e;
	struct incident_state is = { 0 }, before;
	int64_t open_id = 0;
	enum incident_event ev;
	char reasons[512];

	if (e->have_state) {
		is = e->is;
		open_id = e->open_id;
	} else {
		if (s->ops->get_state(s->be, id, &is, &open_id) != 0)
			return st_fail(s, "reading incident state");
		is.open = open_id != 0;
		if (is.worst >= STATUS__MAX)
			is.worst = STATUS_DOWN;
	}
	before = is;
	ev = incident_feed(&is, r->status, r->reason, rv->it->maintenance, r->time_ms,
	    s->open_after, s->close_after);
	if (ev == INCIDENT_OPENED || ev == INCIDENT_RESOLVED)
		s->batch_changes++;
	incident_reasons_str(is.reasons, reasons, sizeof(reasons));
	if (ev == INCIDENT_OPENED) {
		struct be_incident inc = {
			.ep = id, .start_ms = is.bad_since, .worst = status_names[is.worst],
			.reasons = reasons, .message = r->message,
		};

		if ((open_id = s->ops->incident_open(s->be, &inc)) < 0)
			return st_fail(s, "opening an incident");
		st_transition_add(s, open_id, false, rv->provider, rv->endpoint, rv->kind,
		    is.bad_since, -1, reasons);
	} else if (ev == INCIDENT_UPDATED || ev == INCIDENT_RESOLVED) {
		if (s->ops->incident_update(s->be, open_id, status_names[is.worst], reasons,
		    ev == INCIDENT_RESOLVED ? is.good_since : -1) != 0)
			return st_fail(s, "updating an incident");
		if (ev == INCIDENT_RESOLVED)
			st_transition_add(s, open_id, true, rv->provider, rv->endpoint, rv->kind,
			    before.bad_since, is.good_since, reasons);
	}
	e->is = is;
	e->open_id = is.open ? open_id : 0;
	e->have_state = true;
	if (ev == INCIDENT_NONE && before.bad_streak == is.bad_streak &&
	    before.good_streak == is.good_streak && before.bad_since == is.bad_since &&
	    before.good_since == is.good_since && before.reasons == is.reasons &&
	    before.worst == is.worst && before.open == is.open)
		return 0;
	if (s->ops->put_state(s->be, id, &is, is.open ? open_id : 0) != 0)
		return st_fail(s, "saving incident state");
	return 0;
}

/* Rolls the batch back, keeping the first error, and forgets what the batch cached. */
static int
batch_abort(struct store *s)
{
	s->ops->rollback(s->be);
	st_rollup_discard(s);
	s->batch_changes = 0;
	st_transitions_end(s, false);
	/* Ids and incident states seen inside the rolled-back transaction are gone. */
	eps_clear(s);
	return -1;
}

static void
tenths(int64_t *out, const double *ms)
{
	for (int p = 0; p < PHASE__MAX; p++)
		out[p] = ms[p] < 0 || ms[p] != ms[p] ? -1 : (int64_t)(ms[p] * 10 + 0.5);
}

/* Index of each endpoint's last stored item in the batch, by a small open-addressed map. */
struct last_map {
	size_t		 cap;
	int64_t		*ids;		/* -1 = empty */
	size_t		*last;		/* index of the last stored item */
	size_t		*mem;		/* index of the last item carrying a kind memory, SIZE_MAX none */
};

static size_t
map_slot(struct last_map *m, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 11400714819323198485ULL) & (m->cap - 1);

	while (m->ids[i] != -1 && m->ids[i] != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static const char *
memory_of(const struct resolved *rv)
{
	return rv->it->r->memory;
}

/*
 * Appends the batch's result rows (a verdict item has none: it stands for stored rows),
 * setting stored[i] for each item that is new.
 */
static int
store_rows(struct store *s, const struct store_item *items, const struct be_result *rs,
    size_t n, bool *stored)
{
	struct be_result *rows = NULL;
	bool *st = NULL;
	size_t *at = NULL, m = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (items[i].verdict)
			m++;
	if (m == 0)
		return s->ops->add_results(s->be, rs, n, stored) == 0 ? 0 :
		    st_fail(s, "storing a result");
	rows = xcalloc(n, sizeof(*rows));
	st = xcalloc(n, sizeof(*st));
	at = xcalloc(n, sizeof(*at));
	m = 0;
	for (size_t i = 0; i < n; i++) {
		stored[i] = items[i].verdict;
		if (!items[i].verdict) {
			at[m] = i;
			rows[m++] = rs[i];
		}
	}
	if (m > 0 && s->ops->add_results(s->be, rows, m, st) != 0)
		rc = st_fail(s, "storing a result");
	for (size_t k = 0; rc == 0 && k < m; k++)
		stored[at[k]] = st[k];
	free(rows);
	free(st);
	free(at);
	return rc;
}

/* The record (log.c): each stored result as it reads back, appended to its node's log. */
static int
log_rows(struct store *s, const struct store_item *items, const struct resolved *rv,
    const struct be_result *rs, const bool *stored, size_t n)
{
	struct store_row *rows = xcalloc(n, sizeof(*rows));
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct result *r = items[i].r;

		rows[i].time_ms = rs[i].time_ms;
		rows[i].provider = rv[i].provider;
		rows[i].endpoint = rv[i].endpoint;
		rows[i].kind = rv[i].kind;
		rows[i].status = r->status;
		rows[i].reason = r->reason;
		rows[i].maintenance = items[i].maintenance;
		for (int p = 0; p < PHASE__MAX; p++)
			rows[i].timings[p] = rs[i].tenths[p] < 0 ? -1 :
			    (double)rs[i].tenths[p] / 10.0;
		rows[i].message = rs[i].message;
		rows[i].details = rs[i].details;
		rows[i].address = rs[i].address;
	}
	rc = st_log_append(s, items, rows, stored, n);
	free(rows);
	return rc;
}

int
store_add_results(struct store *s, const struct store_item *items, size_t n)
{
	struct resolved *rv;
	struct be_result *rs;
	struct be_latest *ls;
	bool *stored, ok = true;
	struct last_map m = { 0 };
	size_t nl = 0;
	int rc = -1;

	if (n == 0)
		return 0;
	if (s->ops->begin(s->be) != 0)
		return st_fail(s, "starting a batch");
	rv = xcalloc(n, sizeof(*rv));
	rs = xcalloc(n, sizeof(*rs));
	ls = xcalloc(n, sizeof(*ls));
	stored = xcalloc(n, sizeof(*stored));
	for (m.cap = 16; m.cap < 2 * n; m.cap *= 2)
		;
	m.ids = xmalloc(m.cap * sizeof(*m.ids));
	m.last = xmalloc(m.cap * sizeof(*m.last));
	m.mem = xmalloc(m.cap * sizeof(*m.mem));
	for (size_t i = 0; i < m.cap; i++)
		m.ids[i] = -1;
	for (size_t i = 0; i < n && ok; i++) {
		const struct result *r = items[i].r;
		const struct conf_endpoint *ep = r->ep;

		rv[i].it = &items[i];
		rv[i].provider = ep->provider->id;
		rv[i].endpoint = ep->id;
		rv[i].kind = kind_names[ep->kind];
		rv[i].interval_ms = ep->interval_ms;
		if ((rv[i].e = cached_entry(s, rv[i].provider, rv[i].endpoint, rv[i].kind)) == NULL) {
			ok = false;
			break;
		}
		if (r->details != NULL && json_object_size(r->details) > 0)
			rv[i].details = details_dump(r->details);
		rs[i].ep = rv[i].e->id;
		rs[i].node = items[i].node ? items[i].node : "";
		rs[i].address = items[i].address ? items[i].address : "";
		rs[i].time_ms = r->time_ms;
		rs[i].code = (int)r->reason | (items[i].maintenance ? CODE_MAINT : 0);
		tenths(rs[i].tenths, r->timings);
		/* An up result's facts live with the endpoint's latest and in the rollups. */
		rs[i].message = r->status != STATUS_UP || r->keep_details ? r->message : NULL;
		rs[i].details = r->status != STATUS_UP || r->keep_details ? rv[i].details : NULL;
	}
	if (!ok)
		goto fail;
	if (store_rows(s, items, rs, n, stored) != 0)
		goto fail;
	if (s->rec_entry != NULL && log_rows(s, items, rv, rs, stored, n) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (!stored[i] || items[i].raw)
			continue;	/* stored before: its rollup and incident step were done then */
		st_rollup_add(s, rs[i].ep, rv[i].interval_ms, items[i].r, items[i].maintenance);
		if (feed_incident(s, &rv[i], rs[i].ep) != 0)
			goto fail;
		k = map_slot(&m, rs[i].ep);
		if (m.ids[k] == -1) {
			m.ids[k] = rs[i].ep;
			m.mem[k] = SIZE_MAX;
		}
		m.last[k] = i;
		if (memory_of(&rv[i]) != NULL)
			m.mem[k] = i;
	}
	for (size_t k = 0; k < m.cap; k++) {
		size_t i;

		if (m.ids[k] == -1)
			continue;
		i = m.last[k];
		/* The latest keeps an up result's message and details too. */
		rs[i].message = items[i].r->message;
		rs[i].details = rv[i].details;
		ls[nl].r = &rs[i];
		ls[nl].memory = m.mem[k] == SIZE_MAX ? NULL : memory_of(&rv[m.mem[k]]);
		nl++;
	}
	if (nl > 0 && s->ops->set_latest(s->be, ls, nl) != 0) {
		st_fail(s, "updating an endpoint");
		goto fail;
	}
	if (st_rollup_flush(s) != 0)
		goto fail;
	{
		const struct result **cr = xcalloc(n, sizeof(*cr));
		int64_t *ce = xcalloc(n, sizeof(*ce));
		size_t nc = 0;
		int crc;

		for (size_t i = 0; i < n; i++)
			if (stored[i] && !items[i].raw) {
				cr[nc] = items[i].r;
				ce[nc++] = rs[i].ep;
			}
		crc = st_conformance_add(s, cr, ce, nc);
		free(cr);
		free(ce);
		if (crc != 0)
			goto fail;
	}
	if (s->ops->commit(s->be) != 0) {
		st_fail(s, "committing a batch");
		goto fail;
	}
	s->incident_changes += s->batch_changes;
	s->batch_changes = 0;
	st_transitions_end(s, true);
	rc = 0;
	goto out;
fail:
	rc = batch_abort(s);
out:
	for (size_t i = 0; i < n; i++)
		free(rv[i].details);
	free(rv);
	free(rs);
	free(ls);
	free(stored);
	free(m.ids);
	free(m.last);
	free(m.mem);
	return rc;
}

char *
store_kind_memory(struct store *s, const char *provider, const char *endpoint)
{
	return s->ops->kind_memory(s->be, provider, endpoint);
}

int
store_each_result_all(struct store *s, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_row *, void *), void *arg)
{
	return s->ops->each_result(s->be, from_ms, to_ms, provider, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading results");
}

struct endpoint_rows {
	int		(*fn)(const struct store_row *, void *);
	void		*arg;
};

/* Passes on the endpoints' results only. */
static int
endpoint_row(const struct store_row *r, void *arg)
{
	const struct endpoint_rows *e = arg;

	if (r->address != NULL && r->address[0] != '\0')
		return 0;
	return e->fn(r, e->arg);
}

int
store_each_result(struct store *s, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_row *, void *), void *arg)
{
	struct endpoint_rows e = { fn, arg };

	return store_each_result_all(s, from_ms, to_ms, provider, endpoint_row, &e);
}

int64_t
store_count_results(struct store *s)
{
	return s->ops->count_results(s->be);
}

int
store_count_results_by_day(struct store *s, int64_t from_ms, size_t n_days, int64_t *counts)
{
	for (size_t i = 0; i < n_days; i++)
		counts[i] = 0;
	if (n_days == 0)
		return 0;
	return s->ops->count_by_day(s->be, from_ms, n_days, counts) == 0 ? 0 :
	    st_fail(s, "counting results");
}

int
store_count_results_by_endpoint(struct store *s, int64_t from_ms, int64_t to_ms,
    int (*fn)(const char *, const char *, int64_t, void *), void *arg)
{
	if (from_ms % 3600000 != 0 || to_ms % 3600000 != 0) {
		st_fail(s, "counting results: not whole hours");
		return -1;
	}
	return s->ops->count_by_endpoint(s->be, from_ms, to_ms, fn, arg) == 0 ? 0 :
	    st_fail(s, "counting results");
}

int
store_each_incident(struct store *s, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_incident *, void *), void *arg)
{
	return s->ops->each_incident(s->be, provider, since_ms, 0, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading incidents");
}

struct get_one {
	int	(*fn)(const struct store_incident *, void *);
	void	*arg;
	int	 found;
};

static int
get_one_fn(const struct store_incident *inc, void *arg)
{
	struct get_one *g = arg;

	g->found = 1;
	g->fn(inc, g->arg);
	return 1;
}

int
store_get_incident(struct store *s, int64_t id, int (*fn)(const struct store_incident *, void *),
    void *arg)
{
	struct get_one g = { fn, arg, 0 };

	if (id <= 0)
		return 0;
	if (s->ops->each_incident(s->be, NULL, INT64_MIN, id, get_one_fn, &g) != 0)
		return st_fail(s, "reading an incident");
	return g.found;
}

int
store_add_note(struct store *s, int64_t incident, int64_t t_ms, const char *text)
{
	int rc = s->ops->add_note(s->be, incident, t_ms, text);

	return rc < 0 ? st_fail(s, "adding a note") : rc;
}

int
store_each_note(struct store *s, int64_t incident, int (*fn)(const struct store_note *, void *),
    void *arg)
{
	return s->ops->each_note(s->be, incident, fn, arg) == 0 ? 0 : st_fail(s, "reading notes");
}

int
store_each_endpoint(struct store *s, const char *provider,
    int (*fn)(const struct store_endpoint_state *, void *), void *arg)
{
	return s->ops->each_endpoint(s->be, provider, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading endpoints");
}

int64_t
store_prune(struct store *s, int64_t results_before_ms, int64_t hourly_before_ms)
{
	int64_t n = s->ops->prune(s->be, results_before_ms, hourly_before_ms);

	if (n < 0)
		st_fail(s, "pruning");
	return n;
}

int
store_node_heartbeat(struct store *s, const char *id, const char *location, int64_t now_ms,
    bool started, bool leader, int64_t results_24h)
{
	return s->ops->node_beat(s->be, id, location, now_ms, started, leader, results_24h) == 0 ?
	    0 : st_fail(s, "recording a heartbeat");
}

int
store_each_node(struct store *s, int (*fn)(const struct store_node *, void *), void *arg)
{
	return s->ops->each_node(s->be, fn, arg) == 0 ? 0 : st_fail(s, "reading nodes");
}

int
store_try_leader(struct store *s)
{
	int rc = s->ops->try_leader(s->be);

	if (rc < 0)
		return st_fail(s, "taking the lead");
	/* Incident states cached before another node led are stale: read them again. */
	if (rc == 1 && !s->leading)
		eps_clear(s);
	s->leading = rc == 1;
	return rc;
}

/* A backend without the filtered read: every endpoint's, filtered here by name. */
struct latest_filter {
	char		**keys;		/* "provider\x1f" "endpoint", sorted */
	size_t		 n;
	int		(*fn)(const struct store_node_result *, void *);
	void		*arg;
};

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
latest_filtered(const struct store_node_result *r, void *arg)
{
	struct latest_filter *f = arg;
	char *key = xasprintf("%s\x1f%s", r->provider, r->endpoint);
	bool in = bsearch(&key, f->keys, f->n, sizeof(*f->keys), key_cmp) != NULL;

	free(key);
	return in ? f->fn(r, f->arg) : 0;
}

int
store_each_node_latest_of(struct store *s, size_t n, const char *const *providers,
    const char *const *endpoints, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg)
{
	struct latest_filter f = { NULL, n, fn, arg };
	int rc;

	if (n == 0)
		return 0;
	if (s->ops->each_node_latest_of != NULL)
		return s->ops->each_node_latest_of(s->be, n, providers, endpoints, since_ms, fn,
		    arg) == 0 ? 0 : st_fail(s, "reading each node's latest results");
	f.keys = xcalloc(n, sizeof(*f.keys));
	for (size_t i = 0; i < n; i++)
		f.keys[i] = xasprintf("%s\x1f%s", providers[i], endpoints[i]);
	qsort(f.keys, n, sizeof(*f.keys), key_cmp);
	rc = s->ops->each_node_latest(s->be, NULL, since_ms, latest_filtered, &f) == 0 ? 0 :
	    st_fail(s, "reading each node's latest results");
	for (size_t i = 0; i < n; i++)
		free(f.keys[i]);
	free(f.keys);
	return rc;
}

int
store_each_node_latest(struct store *s, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg)
{
	return s->ops->each_node_latest(s->be, provider, since_ms, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading each node's latest results");
}
