/*
 * Collecting what the site shows, from the store's rollups and current states, so the cost
 * grows with endpoints x days, not with raw results (except the few last results per
 * endpoint and the results inside each incident, for its timeline).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "site_int.h"

static const int64_t win_ms[WIN__MAX] = {
	[WIN_24H] = 86400000LL,
	[WIN_7D] = 7 * 86400000LL,
	[WIN_30D] = 30 * 86400000LL,
	[WIN_90D] = 90 * 86400000LL,
};

/* Fills the 90 local days (s->tz) ending today and their start times. */
static void
fill_days(struct site *s)
{
	struct tm tm;
	int64_t today;

	tz_tm(s->tz, s->now, &tm);
	today = tz_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	for (int i = 0; i <= SITE_DAYS; i++) {
		int y, m, d;

		tz_civil_from_days(today - (SITE_DAYS - 1 - i), &y, &m, &d);
		s->day_start[i] = tz_midnight_ms(s->tz, y, m, d);
		if (i < SITE_DAYS)
			snprintf(s->days[i], sizeof(s->days[i]), "%04d-%02d-%02d", y, m, d);
	}
}

void
site_window_figures(const struct site *s, const struct site_ep *ep, int w,
    struct report_window_fig *f)
{
	report_window_figures(&ep->win[w], ep->have_win[w], win_ms[w], ep->observed_since_ms,
	    s->now, f);
}

static int
on_endpoint(const struct store_endpoint_state *e, void *arg)
{
	struct site *s = arg;
	struct site_ep *ep = site_find_ep(s, e->provider, e->endpoint);

	if (ep == NULL || e->last_time_ms < 0)
		return 0;
	ep->have_state = true;
	ep->last_ms = e->last_time_ms;
	ep->status = e->status;
	ep->reason = e->reason;
	ep->maintenance = e->maintenance;
	ep->message = xstrdup(e->message);
	ep->open_incident = e->open_incident;
	ep->observed_since_ms = report_observed_since(e, s->tz);
	if (e->details != NULL)
		ep->details = json_loads(e->details, 0, NULL);
	return 0;
}

struct day_ctx {
	struct site	*s;
	struct site_ep	*last;
};

static int
on_daily(const struct store_rollup *r, void *arg)
{
	struct day_ctx *d = arg;
	struct site *s = d->s;

	if (d->last == NULL || strcmp(d->last->prov->id, r->provider) != 0 ||
	    strcmp(d->last->conf->id, r->endpoint) != 0)
		d->last = site_find_ep(s, r->provider, r->endpoint);
	if (d->last == NULL)
		return 0;
	for (int i = 0; i < SITE_DAYS; i++)
		if (strcmp(s->days[i], r->day) == 0) {
			d->last->day_pct[i] = r->uptime_pct;
			break;
		}
	return 0;
}

/* str, kept until site_free: prev (the same text, already kept) or a copy. */
static const char *
keep_str(struct site *s, const char *prev, const char *str)
{
	if (str == NULL)
		return NULL;
	if (prev != NULL && strcmp(prev, str) == 0)
		return prev;
	if ((s->n_pool & (s->n_pool - 1)) == 0)
		s->pool = xrealloc(s->pool, (s->n_pool ? 2 * s->n_pool : 1) * sizeof(*s->pool));
	return s->pool[s->n_pool++] = xstrdup(str);
}

/* Keeps a copy of every daily rollup: the pages, daily.csv and site_reuse.c read them. */
static int
on_daily_keep(const struct store_rollup *r, void *arg)
{
	struct site *s = arg;
	const struct store_rollup *prev = s->n_daily ? &s->daily[s->n_daily - 1] : NULL;
	struct store_rollup *x;

	if ((s->n_daily & (s->n_daily - 1)) == 0) {
		s->daily = xrealloc(s->daily, (s->n_daily ? 2 * s->n_daily : 1) * sizeof(*s->daily));
		prev = s->n_daily ? &s->daily[s->n_daily - 1] : NULL;
	}
	x = &s->daily[s->n_daily++];
	*x = *r;
	x->provider = keep_str(s, prev ? prev->provider : NULL, r->provider);
	x->endpoint = keep_str(s, prev ? prev->endpoint : NULL, r->endpoint);
	x->kind = keep_str(s, prev ? prev->kind : NULL, r->kind);
	x->day = keep_str(s, NULL, r->day);
	return 0;
}

/*
 * As store_each_daily(s->st, from_day, to_day, NULL, ...), from the copy: the same rows
 * (day compared as SQLite compares text) in the same order.
 */
int
site_each_daily(struct site *s, const char *from_day, const char *to_day,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	if (!s->have_daily)
		return store_each_daily(s->st, from_day, to_day, NULL, fn, arg);
	for (size_t i = 0; i < s->n_daily; i++) {
		const struct store_rollup *r = &s->daily[i];

		if (strcmp(r->day, from_day) < 0 || strcmp(r->day, to_day) > 0)
			continue;
		if (fn(r, arg) != 0)
			break;
	}
	return 0;
}

static int
on_hourly_keep(const struct store_rollup *r, void *arg)
{
	struct site *s = arg;
	const struct store_rollup *prev;
	struct store_rollup *x;

	if ((s->n_hourly & (s->n_hourly - 1)) == 0)
		s->hourly = xrealloc(s->hourly, (s->n_hourly ? 2 * s->n_hourly : 1) *
		    sizeof(*s->hourly));
	prev = s->n_hourly ? &s->hourly[s->n_hourly - 1] : NULL;
	x = &s->hourly[s->n_hourly++];
	*x = *r;
	x->provider = keep_str(s, prev ? prev->provider : NULL, r->provider);
	x->endpoint = keep_str(s, prev ? prev->endpoint : NULL, r->endpoint);
	x->kind = keep_str(s, prev ? prev->kind : NULL, r->kind);
	x->day = NULL;
	return 0;
}

#define DAY_MS	86400000LL

int
site_each_hourly_by_day(struct site *s, int64_t from_ms, int64_t to_ms,
    int (*fn)(const struct store_rollup *, void *), void *arg)
{
	/* the first UTC day the copy holds whole */
	int64_t split = s->hourly_from == INT64_MAX ? INT64_MAX :
	    s->hourly_from + ((DAY_MS - s->hourly_from % DAY_MS) % DAY_MS);

	if (split > to_ms)
		split = to_ms;
	if (split < from_ms)
		split = from_ms;
	/* the copy holds [hourly_from, now]: beyond now, the store */
	if (to_ms > s->now + 1)
		split = to_ms;
	if (split > from_ms && store_each_hourly(s->st, from_ms, split, NULL, fn, arg) != 0)
		return -1;
	for (size_t i = 0; i < s->n_hourly && split < to_ms; i++) {
		const struct store_rollup *r = &s->hourly[i];

		if (r->hour_ms < split || r->hour_ms >= to_ms)
			continue;
		if (fn(r, arg) != 0)
			break;
	}
	return 0;
}

static int
on_hourly(const struct store_rollup *r, void *arg)
{
	struct day_ctx *d = arg;
	struct site *s = d->s;
	int64_t first = (s->now / 3600000 - (SITE_HOURS - 1)) * 3600000;
	int64_t i = (r->hour_ms - first) / 3600000;

	if (d->last == NULL || strcmp(d->last->prov->id, r->provider) != 0 ||
	    strcmp(d->last->conf->id, r->endpoint) != 0)
		d->last = site_find_ep(s, r->provider, r->endpoint);
	if (d->last == NULL || i < 0 || i >= SITE_HOURS)
		return 0;
	d->last->hours[i].p50 = r->p50_ms;
	d->last->hours[i].p95 = r->p95_ms;
	return 0;
}

static int
on_result(const struct store_row *r, void *arg)
{
	struct day_ctx *d = arg;
	struct site_res *x;

	if (d->last == NULL || strcmp(d->last->prov->id, r->provider) != 0 ||
	    strcmp(d->last->conf->id, r->endpoint) != 0)
		d->last = site_find_ep(d->s, r->provider, r->endpoint);
	if (d->last == NULL)
		return 0;
	x = &d->last->last[d->last->n_last % SITE_LAST];
	if (d->last->n_last >= SITE_LAST)
		free(x->message);
	x->time_ms = r->time_ms;
	x->status = r->status;
	x->reason = r->reason;
	x->total_ms = r->timings[PHASE_TOTAL];
	x->message = xstrdup(r->message);
	d->last->n_last++;
	return 0;
}

static int
on_incident(const struct store_incident *in, void *arg)
{
	struct site *s = arg;
	struct site_incident *x;

	s->inc = xrealloc(s->inc, (s->n_inc + 1) * sizeof(*s->inc));
	x = &s->inc[s->n_inc++];
	memset(x, 0, sizeof(*x));
	x->id = in->id;
	x->provider = xstrdup(in->provider);
	x->endpoint = xstrdup(in->endpoint);
	x->kind = xstrdup(in->kind);
	x->worst = xstrdup(in->worst ? in->worst : "down");
	x->reasons = xstrdup(in->reasons ? in->reasons : "");
	x->message = xstrdup(in->message);
	x->start_ms = in->start_ms;
	x->end_ms = in->end_ms;
	x->updated_ms = in->end_ms >= 0 ? in->end_ms : in->start_ms;
	return 0;
}

static int
inc_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = ((const struct site_incident *)b)->id;

	return x < y ? -1 : x > y;
}

static int
on_note(const struct store_note *n, void *arg)
{
	struct site *s = arg;
	struct site_incident *in = bsearch(&n->incident, s->inc, s->n_inc, sizeof(*s->inc), inc_cmp);

	if (in == NULL)
		return 0;
	in->notes = xrealloc(in->notes, (in->n_notes + 1) * sizeof(*in->notes));
	in->notes[in->n_notes].time_ms = n->time_ms;
	in->notes[in->n_notes].text = xstrdup(n->text);
	in->n_notes++;
	if (n->time_ms > in->updated_ms)
		in->updated_ms = n->time_ms;
	return 0;
}

static int
id_order(const void *a, const void *b)
{
	int64_t x = ((const struct site_incident *)a)->id, y = ((const struct site_incident *)b)->id;

	return x < y ? -1 : x > y;
}

int
site_collect(struct site *s)
{
	const struct conf *c = s->conf;
	struct day_ctx d = { .s = s };
	size_t n = 0;

	for (size_t i = 0; i < c->n_providers; i++)
		n += c->providers[i].n_endpoints;
	s->eps = xcalloc(n ? n : 1, sizeof(*s->eps));
	s->prov_first = xcalloc(c->n_providers + 1, sizeof(*s->prov_first));
	for (size_t i = 0; i < c->n_providers; i++) {
		s->prov_first[i] = s->n_eps;
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++) {
			struct site_ep *ep = &s->eps[s->n_eps++];

			ep->prov = &c->providers[i];
			ep->conf = &c->providers[i].endpoints[j];
			ep->since_ms = -1;
			ep->observed_since_ms = -1;
			for (int k = 0; k < SITE_DAYS; k++)
				ep->day_pct[k] = -1;
			for (int k = 0; k < SITE_HOURS; k++)
				ep->hours[k].p50 = ep->hours[k].p95 = -1;
		}
	}
	s->prov_first[c->n_providers] = s->n_eps;
	fill_days(s);
	/* Every day (daily.csv has them all), read once; the pages show the last 90. */
	if (store_each_endpoint(s->st, NULL, on_endpoint, s) != 0 ||
	    store_each_daily(s->st, "0000-01-01", "9999-12-31", NULL, on_daily_keep, s) != 0)
		goto fail;
	s->have_daily = true;
	site_each_daily(s, s->days[0], s->days[SITE_DAYS - 1], on_daily, &d);
	d.last = NULL;
	/* Kept: the results CSV's chunk keys read these hours again (site_each_hourly_by_day). */
	s->hourly_from = (s->now / 3600000 - (SITE_HOURS - 1)) * 3600000;
	if (store_each_hourly(s->st, s->hourly_from, s->now + 1, NULL, on_hourly_keep, s) != 0) {
		s->hourly_from = INT64_MAX;
		goto fail;
	}
	for (size_t i = 0; i < s->n_hourly; i++)
		on_hourly(&s->hourly[i], &d);
	/* Every endpoint's windows in one pass over the widest one's hourly rollups. */
	{
		const char **pv = xcalloc(s->n_eps + 1, sizeof(*pv));
		const char **id = xcalloc(s->n_eps + 1, sizeof(*id));
		struct store_rollup *win = xcalloc(s->n_eps * WIN__MAX + 1, sizeof(*win));
		int64_t from[WIN__MAX];
		int wrc;

		for (int w = 0; w < WIN__MAX; w++)
			from[w] = s->now - win_ms[w];
		for (size_t i = 0; i < s->n_eps; i++) {
			pv[i] = s->eps[i].prov->id;
			id[i] = s->eps[i].conf->id;
		}
		wrc = store_uptime_windows(s->st, pv, id, s->n_eps, from, WIN__MAX, s->now + 1, win);
		for (size_t i = 0; i < s->n_eps && wrc == 0; i++)
			for (int w = 0; w < WIN__MAX; w++) {
				s->eps[i].win[w] = win[i * WIN__MAX + w];
				s->eps[i].have_win[w] = s->eps[i].win[w].checks > 0;
			}
		free(pv);
		free(id);
		free(win);
		if (wrc != 0)
			goto fail;
	}
	/* The last results of each provider's endpoints: a window of a dozen intervals. */
	for (size_t i = 0; i < c->n_providers; i++) {
		int64_t iv = 0;

		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			if (c->providers[i].endpoints[j].interval_ms > iv)
				iv = c->providers[i].endpoints[j].interval_ms;
		iv = iv * (SITE_LAST + 2);
		if (iv > 2 * 86400000LL)
			iv = 2 * 86400000LL;
		d.last = NULL;
		if (store_each_result(s->st, s->now - iv, s->now + 1, c->providers[i].id,
		    on_result, &d) != 0)
			goto fail;
	}
	if (store_each_incident(s->st, NULL, 0, on_incident, s) != 0)
		goto fail;
	if (s->n_inc > 1)	/* s->inc is NULL without incidents: never qsort(NULL, …) */
		qsort(s->inc, s->n_inc, sizeof(*s->inc), id_order);
	if (store_each_note(s->st, 0, on_note, s) != 0)
		goto fail;
	for (size_t i = 0; i < s->n_inc; i++) {
		struct site_incident *in = &s->inc[i];
		struct site_ep *ep = site_find_ep(s, in->provider, in->endpoint);
		int64_t end = in->end_ms >= 0 ? in->end_ms : s->now;

		if (ep == NULL)
			continue;
		if (in->end_ms < 0 && ep->open_incident == in->id)
			ep->since_ms = in->start_ms;
		else if (in->end_ms < 0 && ep->since_ms < 0)
			ep->since_ms = in->start_ms;
		for (int k = 0; k < SITE_DAYS; k++)
			if (in->start_ms < s->day_start[k + 1] && end >= s->day_start[k])
				ep->day_incidents[k]++;
	}
	return 0;
fail:
	site_fail(s, "store: %s", store_error(s->st));
	return -1;
}

struct tl_ctx {
	struct site_incident *in;
};

static int
on_timeline(const struct store_row *r, void *arg)
{
	struct site_incident *in = ((struct tl_ctx *)arg)->in;
	struct site_change *last = in->n_changes ? &in->changes[in->n_changes - 1] : NULL;

	if (strcmp(r->endpoint, in->endpoint) != 0)
		return 0;
	if (last != NULL && last->status == r->status && last->reason == r->reason)
		return 0;
	if (in->n_changes >= SITE_TIMELINE) {
		in->more_changes = true;
		return 1;
	}
	in->changes = xrealloc(in->changes, (in->n_changes + 1) * sizeof(*in->changes));
	last = &in->changes[in->n_changes++];
	last->time_ms = r->time_ms;
	last->status = r->status;
	last->reason = r->reason;
	last->message = xstrdup(r->message);
	return 0;
}

int
site_timeline(struct site *s, struct site_incident *in)
{
	struct tl_ctx t = { .in = in };
	int64_t end = in->end_ms >= 0 ? in->end_ms : s->now;

	if (in->timeline_done)
		return 0;
	in->timeline_done = true;
	if (store_each_result(s->st, in->start_ms, end + 1, in->provider, on_timeline, &t) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		return -1;
	}
	return 0;
}

void
site_free(struct site *s)
{
	free(s->counts);
	site_vantage_free(s);
	for (size_t i = 0; i < s->n_eps; i++) {
		struct site_ep *ep = &s->eps[i];

		free(ep->message);
		json_decref(ep->details);
		for (size_t k = 0; k < ep->n_last && k < SITE_LAST; k++)
			free(ep->last[k].message);
	}
	free(s->eps);
	free(s->prov_first);
	site_deps_free(s);
	site_conformance_free(s);
	for (size_t i = 0; i < s->n_inc; i++) {
		struct site_incident *in = &s->inc[i];

		free(in->provider);
		free(in->endpoint);
		free(in->kind);
		free(in->worst);
		free(in->reasons);
		free(in->message);
		for (size_t k = 0; k < in->n_notes; k++)
			free(in->notes[k].text);
		free(in->notes);
		for (size_t k = 0; k < in->n_changes; k++)
			free(in->changes[k].message);
		free(in->changes);
	}
	free(s->inc);
	free(s->err);
	for (size_t i = 0; s->bars != NULL && i < s->n_eps; i++)
		buf_free(&s->bars[i]);
	free(s->bars);
	for (size_t i = 0; s->lines != NULL && i < s->n_eps; i++)
		buf_free(&s->lines[i]);
	free(s->lines);
	free(s->ep_inc);
	free(s->n_ep_inc);
	free(s->daily);
	free(s->hourly);
	for (size_t i = 0; i < s->n_pool; i++)
		free(s->pool[i]);
	free(s->pool);
}

struct site_ep *
site_provider_eps(const struct site *s, const struct conf_provider *pv, size_t *n)
{
	size_t i = (size_t)(pv - s->conf->providers);

	*n = s->prov_first[i + 1] - s->prov_first[i];
	return &s->eps[s->prov_first[i]];
}
