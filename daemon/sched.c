/*
 * The scheduler: one libevent timer per endpoint on a stable, spread grid; see sched.h.
 * Entries are kept sorted by provider/endpoint so a reload can carry the busy state of
 * the endpoints it keeps, and sched_done can find an entry by name. They lie in one array
 * and borrow their names from the config (168 bytes per endpoint; 264 with an allocation
 * and two name copies each).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "sched.h"
#include "../core/config.h"
#include "../core/util.h"

struct sched_entry {
	struct event	 ev;
	struct sched	*s;
	const struct conf_endpoint *ep;	/* borrowed from the loaded config; its provider
					   id and id are the key */
	int64_t		 interval_ms;
	int64_t		 due_ms;	/* the slot the timer is armed for */
	int		 busy;		/* a probe started by us still runs */
	int		 armed;
};

struct sched {
	struct event_base *base;
	sched_due_fn	*due;
	sched_skip_fn	*skip;
	void		*arg;
	struct sched_entry *entries;	/* sorted by provider, endpoint */
	size_t		 n;
	uint64_t	 skipped;
};

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
entry_arm(struct sched_entry *e, int64_t now)
{
	int64_t delay = e->due_ms - now;
	struct timeval tv;

	if (delay < 0)
		delay = 0;
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)((delay % 1000) * 1000);
	if (evtimer_add(&e->ev, &tv) == 0)
		e->armed = 1;
}

static void
entry_disarm(struct sched_entry *e)
{
	if (e->armed)
		evtimer_del(&e->ev);
	e->armed = 0;
}


static void
entry_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sched_entry *e = arg;
	struct sched *s = e->s;
	int64_t due = e->due_ms, now = now_ms();

	(void)fd; (void)what;
	e->armed = 0;
	/*
	 * libevent's timers run on the monotonic clock (and its cached time), the grid on the
	 * wall clock: a timer may fire a few ms early. Never fire before the slot; a wall
	 * clock stepped back by more than an interval rejoins the grid from now.
	 */
	if (now < due) {
		if (due - now > e->interval_ms)
			e->due_ms = sched_first_due(now, e->interval_ms, due % e->interval_ms);
		entry_arm(e, now);
		return;
	}
	if (e->busy) {
		s->skipped++;
		if (s->skip != NULL)
			s->skip(e->ep, due, s->arg);
	} else if (s->due(e->ep, due, s->arg) == 1)
		e->busy = 1;
	e->due_ms = sched_next_due(due, e->interval_ms, now_ms());
	entry_arm(e, now_ms());
}

struct sched *
sched_new(struct event_base *base, sched_due_fn *due, sched_skip_fn *skip, void *arg)
{
	struct sched *s = xcalloc(1, sizeof(*s));

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

			e->s = s;
			e->ep = ep;
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
			if (old->interval_ms == v[i].interval_ms && old->armed)
				v[i].due_ms = old->due_ms;
		}
	}
	for (size_t i = 0; i < s->n; i++)
		entry_disarm(&s->entries[i]);
	free(s->entries);
	s->entries = v;
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		event_assign(&v[i].ev, s->base, -1, 0, entry_fire, &v[i]);
		entry_arm(&v[i], now);
	}
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
		entry_disarm(&s->entries[i]);
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
	for (size_t i = 0; i < s->n; i++)
		entry_disarm(&s->entries[i]);
	free(s->entries);
	free(s);
}
