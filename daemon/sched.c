/*
 * The scheduler: a stable, spread grid per endpoint; see sched.h.
 * Entries are kept sorted by provider/endpoint so a reload can carry the busy state of
 * the endpoints it keeps, and sched_done can find an entry by name. They lie in one array
 * and borrow their names from the config. Their timers are a binary min-heap on the
 * monotonic clock under one libevent timer (libevent's own per-event timers cost 128 bytes
 * each, 12.8 MB for 100,000 endpoints): an entry is armed for the wall-clock slot due_ms
 * at mono_at = monotonic now + (due_ms - wall now), as libevent would, so a wall clock
 * stepped either way is met exactly as with a timer per endpoint (see entry_fire).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "sched.h"
#include "../core/config.h"
#include "../core/util.h"

#define NOT_ARMED	SIZE_MAX

struct sched_entry {
	const struct conf_endpoint *ep;	/* borrowed from the loaded config; its provider
					   id and id are the key */
	int64_t		 interval_ms;
	int64_t		 due_ms;	/* the slot (wall clock) the entry is armed for */
	int64_t		 mono_at;	/* when it fires (monotonic clock) */
	size_t		 heap;		/* its place in the heap, or NOT_ARMED */
	int		 busy;		/* a probe started by us still runs */
};

struct sched {
	struct event_base *base;
	sched_due_fn	*due;
	sched_skip_fn	*skip;
	void		*arg;
	struct sched_entry *entries;	/* sorted by provider, endpoint */
	size_t		 n;
	uint64_t	 skipped;
	struct sched_entry **heap;	/* armed entries, earliest mono_at first; n slots */
	size_t		 n_heap;
	struct event	*timer;		/* armed for heap[0] */
	bool		 in_fire;	/* sched_fire runs: it arms the timer at its end */
	int64_t		 lead_ms;	/* due is called this long before each slot */
};

static void sched_fire(evutil_socket_t, short, void *);

int64_t
sched_offset(const char *provider, const char *endpoint, int64_t interval_ms)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[2] = { provider, endpoint };

	if (interval_ms <= 1)
		return 0;
	for (int i = 0; i < 2; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; p && *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		if (i == 0) {
			h ^= '/';
			h *= 1099511628211ULL;
		}
	}
	return (int64_t)(h % (uint64_t)interval_ms);
}

/* floor(a / b) for b > 0. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

int64_t
sched_first_due(int64_t now_ms, int64_t interval_ms, int64_t offset_ms)
{
	if (interval_ms < 1)
		interval_ms = 1;
	offset_ms %= interval_ms;
	if (offset_ms < 0)
		offset_ms += interval_ms;
	return (floor_div(now_ms - offset_ms, interval_ms) + 1) * interval_ms + offset_ms;
}

int64_t
sched_next_due(int64_t prev_due_ms, int64_t interval_ms, int64_t now_ms)
{
	int64_t next;

	if (interval_ms < 1)
		interval_ms = 1;
	next = prev_due_ms + interval_ms;
	/* Late by an interval or more, or the wall clock stepped back: rejoin the grid. */
	if (next <= now_ms || next > now_ms + interval_ms)
		return sched_first_due(now_ms, interval_ms, prev_due_ms % interval_ms);
	return next;
}

static int
entry_cmp(const char *p1, const char *e1, const char *p2, const char *e2)
{
	int c = strcmp(p1, p2);

	return c != 0 ? c : strcmp(e1, e2);
}

static int
entry_qsort_cmp(const void *a, const void *b)
{
	const struct sched_entry *x = a, *y = b;

	return entry_cmp(x->ep->provider->id, x->ep->id, y->ep->provider->id, y->ep->id);
}

/* Returns the entry named provider/endpoint in s, or NULL. */
static struct sched_entry *
entry_find(struct sched_entry *v, size_t n, const char *provider, const char *endpoint)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = entry_cmp(provider, endpoint, v[mid].ep->provider->id, v[mid].ep->id);

		if (c == 0)
			return &v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void
heap_set(struct sched *s, size_t i, struct sched_entry *e)
{
	s->heap[i] = e;
	e->heap = i;
}

static void
heap_up(struct sched *s, size_t i)
{
	struct sched_entry *e = s->heap[i];

	while (i > 0 && s->heap[(i - 1) / 2]->mono_at > e->mono_at) {
		heap_set(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(s, i, e);
}

static void
heap_down(struct sched *s, size_t i)
{
	struct sched_entry *e = s->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->n_heap)
			break;
		if (c + 1 < s->n_heap && s->heap[c + 1]->mono_at < s->heap[c]->mono_at)
			c++;
		if (s->heap[c]->mono_at >= e->mono_at)
			break;
		heap_set(s, i, s->heap[c]);
		i = c;
	}
	heap_set(s, i, e);
}

/* Arms the libevent timer for the earliest entry (none: no timer). */
static void
timer_rearm(struct sched *s)
{
	int64_t delay;
	struct timeval tv;

	if (s->in_fire)
		return;
	if (s->n_heap == 0) {
		evtimer_del(s->timer);
		return;
	}
	delay = s->heap[0]->mono_at - mono_ms();
	if (delay < 0)
		delay = 0;
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)((delay % 1000) * 1000);
	evtimer_add(s->timer, &tv);
}

static void
entry_disarm(struct sched *s, struct sched_entry *e)
{
	size_t i = e->heap;

	if (i == NOT_ARMED)
		return;
	e->heap = NOT_ARMED;
	if (i != --s->n_heap) {
		struct sched_entry *last = s->heap[s->n_heap];

		heap_set(s, i, last);
		heap_up(s, i);
		heap_down(s, last->heap);
	}
}

/* Arms e for e->due_ms, now being the wall clock (the timer is set by the caller). */
static void
entry_arm(struct sched *s, struct sched_entry *e, int64_t now)
{
	int64_t delay = e->due_ms - s->lead_ms - now;

	if (delay < 0)
		delay = 0;
	entry_disarm(s, e);
	e->mono_at = mono_ms() + delay;
	e->heap = s->n_heap++;
	s->heap[e->heap] = e;
	heap_up(s, e->heap);
}

/* e's monotonic time came: what a libevent timer per endpoint did when it fired. */
static void
entry_fire(struct sched *s, struct sched_entry *e)
{
	int64_t due = e->due_ms, now = now_ms();

	/*
	 * The timers run on the monotonic clock, the grid on the wall clock: an entry may
	 * come a few ms early. Never fire before the slot (less the lead); a wall clock stepped back by more
	 * than an interval rejoins the grid from now.
	 */
	if (now < due - s->lead_ms) {
		if (due - now > e->interval_ms + s->lead_ms)
			e->due_ms = sched_first_due(now, e->interval_ms, due % e->interval_ms);
		entry_arm(s, e, now);
		return;
	}
	if (e->busy) {
		s->skipped++;
		if (s->skip != NULL)
			s->skip(e->ep, due, s->arg);
	} else if (s->due(e->ep, due, s->arg) == 1)
		e->busy = 1;
	/* Fired up to a lead early: the next slot counts from this one, not from now. */
	now = now_ms();
	e->due_ms = sched_next_due(due, e->interval_ms, now > due ? now : due);
	entry_arm(s, e, now_ms());
}

/* Fires every entry whose monotonic time came, then arms the timer for the next. */
static void
sched_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	int64_t mono = mono_ms();

	(void)fd; (void)what;
	s->in_fire = true;
	/* Entries re-armed here land at least an interval later: the loop ends. */
	while (s->n_heap > 0 && s->heap[0]->mono_at <= mono) {
		struct sched_entry *e = s->heap[0];

		entry_disarm(s, e);
		entry_fire(s, e);
	}
	s->in_fire = false;
	timer_rearm(s);
}

void
sched_set_lead(struct sched *s, int64_t lead_ms)
{
	s->lead_ms = lead_ms > 0 ? lead_ms : 0;
}

struct sched *
sched_new(struct event_base *base, sched_due_fn *due, sched_skip_fn *skip, void *arg)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	/* evtimer_new fails only without memory: as xcalloc, that ends the process. */
	if ((s->timer = evtimer_new(base, sched_fire, s)) == NULL) {
		fputs("trustwatch: out of memory\n", stderr);
		abort();
	}
	s->base = base;
	s->due = due;
	s->skip = skip;
	s->arg = arg;
	return s;
}

void
sched_load(struct sched *s, const struct conf *c, int64_t now)
{
	struct sched_entry *v;
	size_t n = 0;

	for (size_t p = 0; p < c->n_providers; p++)
		n += c->providers[p].n_endpoints;
	v = xcalloc(n > 0 ? n : 1, sizeof(*v));
	n = 0;
	for (size_t p = 0; p < c->n_providers; p++) {
		for (size_t i = 0; i < c->providers[p].n_endpoints; i++) {
			const struct conf_endpoint *ep = &c->providers[p].endpoints[i];
			struct sched_entry *e = &v[n++];

			e->ep = ep;
			e->heap = NOT_ARMED;
			e->interval_ms = ep->interval_ms > 0 ? ep->interval_ms : 1;
			e->due_ms = sched_first_due(now, e->interval_ms,
			    sched_offset(c->providers[p].id, ep->id, e->interval_ms));
		}
	}
	qsort(v, n, sizeof(*v), entry_qsort_cmp);
	/* The previous config is still loaded: the old entries' names are valid here. */
	for (size_t i = 0; i < n; i++) {
		struct sched_entry *old = entry_find(s->entries, s->n, v[i].ep->provider->id,
		    v[i].ep->id);

		if (old != NULL) {
			v[i].busy = old->busy;
			/* Same grid: keep the slot already armed so no slot is fired twice. */
			if (old->interval_ms == v[i].interval_ms && old->heap != NOT_ARMED)
				v[i].due_ms = old->due_ms;
		}
	}
	free(s->entries);
	s->entries = v;
	s->n = n;
	s->n_heap = 0;
	s->heap = xrealloc(s->heap, (n > 0 ? n : 1) * sizeof(*s->heap));
	/*
	 * Armed against the clock now, not the load's start: with 100,000 endpoints the load
	 * takes tens of ms, which every first slot would otherwise wait on top.
	 */
	for (size_t i = 0; i < n; i++)
		entry_arm(s, &v[i], now_ms());
	timer_rearm(s);
}

void
sched_done(struct sched *s, const char *provider, const char *endpoint)
{
	struct sched_entry *e = entry_find(s->entries, s->n, provider, endpoint);

	if (e != NULL)
		e->busy = 0;
}

void
sched_stop(struct sched *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->entries[i].heap = NOT_ARMED;
	s->n_heap = 0;
	timer_rearm(s);
}

size_t
sched_count(const struct sched *s)
{
	return s->n;
}

uint64_t
sched_skipped(const struct sched *s)
{
	return s->skipped;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	event_free(s->timer);
	free(s->entries);
	free(s->heap);
	free(s);
}
