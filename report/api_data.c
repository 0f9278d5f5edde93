/*
 * Collects the plain data of the public status and incident documents from the store,
 * for report_json_status / report_json_incidents (json.c): the live API (web/api.c) and
 * the site's api/ files (site_files.c) both collect here, so they publish the same figures.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "../core/deps.h"
#include "../core/util.h"

struct status_walk {
	const struct conf	*conf;
	struct report_status	*st;
	struct store		*store;
};

static struct report_status_ep *
find_ep(struct report_status *st, const char *provider, const char *endpoint)
{
	for (size_t i = 0; i < st->n_eps; i++)
		if (strcmp(st->eps[i].provider, provider) == 0 &&
		    strcmp(st->eps[i].endpoint, endpoint) == 0)
			return &st->eps[i];
	return NULL;
}

static int
on_endpoint(const struct store_endpoint_state *s, void *arg)
{
	struct status_walk *sw = arg;
	struct report_status_ep *e = find_ep(sw->st, s->provider, s->endpoint);

	if (e == NULL || s->last_time_ms < 0)
		return 0;		/* no longer configured, or never probed */
	e->probed = true;
	e->last_ms = s->last_time_ms;
	e->status = s->status < STATUS__MAX ? s->status : STATUS_DOWN;
	e->reason = s->reason < REASON__MAX ? s->reason : REASON_OK;
	e->maintenance = s->maintenance;
	free(e->message);
	e->message = s->message ? xstrdup(s->message) : NULL;
	memcpy(e->timings, s->timings, sizeof(e->timings));
	e->open_incident = s->open_incident;
	e->observed_since_ms = report_observed_since(s, store_timezone(sw->store));
	if (e->addresses != NULL)
		json_decref(e->addresses);
	e->addresses = NULL;
	if (e->details != NULL)
		json_decref(e->details);
	e->details = NULL;
	if (s->details != NULL) {
		json_t *d = json_loads(s->details, 0, NULL), *a = detail_get_list(d, DETAIL_ADDRESSES);

		if (a != NULL)
			e->addresses = json_incref(a);
		if (json_is_object(d) && (strcmp(e->kind, "ocsp") == 0 || strcmp(e->kind, "crl") == 0 ||
		    strcmp(e->kind, "tsa") == 0 || strcmp(e->kind, "tl") == 0))
			e->details = json_incref(d);
		json_decref(d);
	}
	return 0;
}

/* An open incident: its start is when the endpoint's current trouble began. */
static int
on_open_incident(const struct store_incident *in, void *arg)
{
	struct status_walk *sw = arg;
	struct report_status_ep *e = find_ep(sw->st, in->provider, in->endpoint);

	if (e == NULL || in->end_ms >= 0)
		return 0;
	if (e->open_incident == in->id || e->since_ms < 0)
		e->since_ms = in->start_ms;
	return 0;
}

/* The watched trusted lists' last verified issues (a LOTL lists lists, not services). */
static int
status_lists(const struct conf *c, struct store *store, struct report_status *st)
{
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++) {
			const struct conf_endpoint *tl = &c->providers[i].endpoints[j];
			char *mem;
			json_t *snap;

			if (tl->kind != KIND_TL ||
			    (mem = store_kind_memory(store, c->providers[i].id, tl->id)) == NULL)
				continue;
			snap = json_loads(mem, 0, NULL);
			free(mem);
			if (!json_is_object(snap) || json_object_get(snap, "pointers") != NULL) {
				json_decref(snap);
				continue;
			}
			st->lists = xrealloc(st->lists, (st->n_lists + 1) * sizeof(*st->lists));
			st->lists[st->n_lists++] = (struct report_status_list){ &c->providers[i],
			    tl->id, snap };
		}
	return 0;
}

int
report_status_state(const struct conf *c, struct store *store, int64_t now,
    struct report_status *st)
{
	struct status_walk sw = { c, st, store };
	size_t n = 0, k = 0;

	memset(st, 0, sizeof(*st));
	st->title = c->report.title;
	st->timezone = c->report.timezone;
	st->generated_ms = now;
	st->maintenance = c->maintenance;
	st->n_maintenance = c->n_maintenance;
	for (size_t i = 0; i < c->n_providers; i++)
		n += c->providers[i].n_endpoints;
	st->eps = xcalloc(n ? n : 1, sizeof(*st->eps));
	st->providers = xcalloc(c->n_providers ? c->n_providers : 1, sizeof(*st->providers));
	st->n_providers = c->n_providers;
	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *p = &c->providers[i];

		st->providers[i] = (struct report_status_provider){ .id = p->id, .name = p->name,
		    .conf = p, .eps = &st->eps[k], .n_eps = p->n_endpoints };
		for (size_t j = 0; j < p->n_endpoints; j++) {
			struct report_status_ep *e = &st->eps[k++];

			e->provider = p->id;
			e->endpoint = p->endpoints[j].id;
			e->kind = kind_names[p->endpoints[j].kind];
			e->since_ms = -1;
			e->observed_since_ms = -1;
			for (int w = 0; w < REPORT_WINDOWS; w++)
				e->win[w].uptime_pct = -1;
		}
	}
	st->n_eps = k;
	if (status_lists(c, store, st) != 0 ||
	    store_each_endpoint(store, NULL, on_endpoint, &sw) != 0 ||
	    store_each_incident(store, NULL, now, on_open_incident, &sw) != 0) {
		report_status_free(st);
		return -1;
	}
	return 0;
}

int
report_status_windows(struct store *store, int64_t now, struct report_status *st)
{
	const char **pv = xcalloc(st->n_eps + 1, sizeof(*pv));
	const char **id = xcalloc(st->n_eps + 1, sizeof(*id));
	struct store_rollup *win = xcalloc(st->n_eps * REPORT_WINDOWS + 1, sizeof(*win));
	int64_t from[REPORT_WINDOWS];
	int rc;

	for (int w = 0; w < REPORT_WINDOWS; w++)
		from[w] = now - report_window_ms[w];
	for (size_t i = 0; i < st->n_eps; i++) {
		pv[i] = st->eps[i].provider;
		id[i] = st->eps[i].endpoint;
	}
	rc = store_uptime_windows(store, pv, id, st->n_eps, from, REPORT_WINDOWS, now + 1, win);
	for (size_t i = 0; i < st->n_eps && rc == 0; i++)
		for (int w = 0; w < REPORT_WINDOWS; w++) {
			st->eps[i].win[w] = win[i * REPORT_WINDOWS + w];
			st->eps[i].have_win[w] = st->eps[i].win[w].checks > 0;
		}
	free(pv);
	free(id);
	free(win);
	return rc;
}

int
report_status_collect(const struct conf *c, struct store *store, int64_t now,
    struct report_status *st)
{
	if (report_status_state(c, store, now, st) != 0)
		return -1;
	if (report_status_windows(store, now, st) != 0) {
		report_status_free(st);
		return -1;
	}
	return 0;
}

void
report_status_free(struct report_status *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n_eps; i++) {
		free(st->eps[i].message);
		if (st->eps[i].addresses != NULL)
			json_decref(st->eps[i].addresses);
		if (st->eps[i].details != NULL)
			json_decref(st->eps[i].details);
	}
	for (size_t i = 0; i < st->n_lists; i++)
		json_decref(st->lists[i].snap);
	free(st->lists);
	free(st->eps);
	free(st->providers);
	memset(st, 0, sizeof(*st));
}

/* Incidents read back: every string is a copy, kept in the row's own allocation. */
struct inc_walk {
	struct report_incident	*rows;
	size_t			 n, cap;
	struct store		*store;
	struct report_note	*notes;
	size_t			 n_notes, cap_notes;
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int
on_incident(const struct store_incident *in, void *arg)
{
	struct inc_walk *iw = arg;
	struct store_incident *c;

	if (iw->n == iw->cap) {
		iw->cap = iw->cap ? 2 * iw->cap : 16;
		iw->rows = xrealloc(iw->rows, iw->cap * sizeof(*iw->rows));
	}
	memset(&iw->rows[iw->n], 0, sizeof(iw->rows[iw->n]));
	c = &iw->rows[iw->n].in;
	*c = *in;
	c->provider = dup_or_null(in->provider);
	c->endpoint = dup_or_null(in->endpoint);
	c->kind = dup_or_null(in->kind);
	c->worst = dup_or_null(in->worst);
	c->reasons = dup_or_null(in->reasons);
	c->message = dup_or_null(in->message);
	iw->rows[iw->n].notes = NULL;
	iw->rows[iw->n].n_notes = 0;
	iw->n++;
	return 0;
}

static int
on_note(const struct store_note *nt, void *arg)
{
	struct inc_walk *iw = arg;

	if (iw->n_notes == iw->cap_notes) {
		iw->cap_notes = iw->cap_notes ? 2 * iw->cap_notes : 4;
		iw->notes = xrealloc(iw->notes, iw->cap_notes * sizeof(*iw->notes));
	}
	iw->notes[iw->n_notes].time_ms = nt->time_ms;
	iw->notes[iw->n_notes].text = xstrdup(nt->text ? nt->text : "");
	iw->n_notes++;
	return 0;
}

int
report_incidents_collect(struct store *store, const char *provider, int64_t since_ms,
    struct report_incident **rows, size_t *n)
{
	struct inc_walk iw = { .store = store };

	*rows = NULL;
	*n = 0;
	if (store_each_incident(store, provider, since_ms, on_incident, &iw) != 0)
		goto fail;
	for (size_t i = 0; i < iw.n / 2; i++) {		/* newest first */
		struct report_incident t = iw.rows[i];

		iw.rows[i] = iw.rows[iw.n - 1 - i];
		iw.rows[iw.n - 1 - i] = t;
	}
	for (size_t i = 0; i < iw.n; i++) {
		iw.notes = NULL;
		iw.n_notes = iw.cap_notes = 0;
		if (store_each_note(store, iw.rows[i].in.id, on_note, &iw) != 0) {
			iw.rows[i].notes = iw.notes;
			iw.rows[i].n_notes = iw.n_notes;
			goto fail;
		}
		iw.rows[i].notes = iw.notes;
		iw.rows[i].n_notes = iw.n_notes;
	}
	*rows = iw.rows;
	*n = iw.n;
	return 0;
fail:
	report_incidents_free(iw.rows, iw.n);
	return -1;
}

void
report_incidents_free(struct report_incident *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct store_incident *c = &rows[i].in;

		free((char *)c->provider);
		free((char *)c->endpoint);
		free((char *)c->kind);
		free((char *)c->worst);
		free((char *)c->reasons);
		free((char *)c->message);
		for (size_t k = 0; k < rows[i].n_notes; k++)
			free((char *)rows[i].notes[k].text);
		free((void *)rows[i].notes);
		free(rows[i].caused);
	}
	free(rows);
}

void
report_incidents_link(const struct conf *c, struct report_incident *rows, size_t n)
{
	struct deps *d = deps_new(c);
	struct deps_incident *di;
	long *cause;

	report_incidents_unlink(rows, n);
	if (d == NULL || n == 0) {
		deps_free(d);
		return;
	}
	di = xcalloc(n, sizeof(*di));
	cause = xcalloc(n, sizeof(*cause));
	for (size_t i = 0; i < n; i++)
		di[i] = (struct deps_incident){ rows[i].in.id, rows[i].in.provider,
		    rows[i].in.start_ms, rows[i].in.end_ms };
	deps_link(c, d, di, n, cause);
	for (size_t i = n; i-- > 0;) {		/* rows are newest first: effects oldest first */
		struct report_incident *cz;

		if (cause[i] < 0)
			continue;
		cz = &rows[cause[i]];
		rows[i].caused_by = cz->in.id;
		rows[i].caused_by_provider = conf_find_provider(c, cz->in.provider)->id;
		rows[i].caused_by_start_ms = cz->in.start_ms;
		cz->caused = xrealloc(cz->caused, (cz->n_caused + 1) * sizeof(*cz->caused));
		cz->caused[cz->n_caused++] = rows[i].in.id;
	}
	free(di);
	free(cause);
	deps_free(d);
}

void
report_incidents_unlink(struct report_incident *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].caused);
		rows[i].caused = NULL;
		rows[i].n_caused = 0;
		rows[i].caused_by = 0;
		rows[i].caused_by_provider = NULL;
		rows[i].caused_by_start_ms = 0;
	}
}

void
report_incidents_keep(struct report_incident *rows, size_t *n, const char *provider)
{
	size_t k = 0;

	if (provider == NULL)
		return;
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(rows[i].in.provider, provider) == 0) {
			rows[k++] = rows[i];
			continue;
		}
		struct report_incident *one = xcalloc(1, sizeof(*one));

		*one = rows[i];
		report_incidents_free(one, 1);
	}
	*n = k;
}
