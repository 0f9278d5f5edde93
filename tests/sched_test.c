/* The scheduler: spread offsets, the grid, no drift, skipped slots, busy endpoints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "core/config.h"
#include "core/util.h"
#include "daemon/sched.h"

static void
offset_is_stable_and_inside_the_interval(void **state)
{
	(void)state;
	for (int64_t iv = 1; iv < 100000; iv = iv * 3 + 1) {
		int64_t a = sched_offset("luxtrust", "ocsp", iv);

		assert_true(a >= 0 && a < iv);
		assert_int_equal(a, sched_offset("luxtrust", "ocsp", iv));
	}
	/* A known value pins the hash: changing it would move every endpoint's slot. */
	assert_int_equal(sched_offset("p1", "ocsp", 60000), 26852);
	assert_int_not_equal(sched_offset("p1", "ocsp", 60000), sched_offset("p1o", "csp", 60000));
}

static void
ten_thousand_endpoints_do_not_fire_in_the_same_second(void **state)
{
	static int per_second[60];
	int worst = 0;
	char prov[32], ep[32];

	(void)state;
	for (int i = 0; i < 10000; i++) {
		snprintf(prov, sizeof(prov), "provider-%d", i / 6);
		snprintf(ep, sizeof(ep), "%s", (const char *[]){ "login", "oidc", "saml", "ocsp",
		    "crl", "tsa" }[i % 6]);
		per_second[sched_offset(prov, ep, 60000) / 1000]++;
	}
	for (int s = 0; s < 60; s++)
		if (per_second[s] > worst)
			worst = per_second[s];
	/* 10,000 over 60 s is 167 a second on average; a fair hash stays well under 2x. */
	assert_true(worst < 250);
}

static const struct {
	int64_t now, interval, offset, want;
} first_cases[] = {
	{ 0, 1000, 0, 1000 },		/* strictly after now */
	{ 999, 1000, 0, 1000 },
	{ 1000, 1000, 0, 2000 },
	{ 1000, 1000, 250, 1250 },
	{ 1250, 1000, 250, 2250 },
	{ 1249, 1000, 250, 1250 },
	{ 0, 1000, 250, 250 },
	{ -10, 1000, 250, 250 },
	{ 1798000000000LL, 60000, 1234, 1798000021234LL },
	{ 5, 1, 0, 6 },
};

static void
first_due_is_the_next_slot_of_the_grid(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(first_cases); i++)
		assert_int_equal(sched_first_due(first_cases[i].now, first_cases[i].interval,
		    first_cases[i].offset), first_cases[i].want);
}

static void
next_due_does_not_drift_over_a_week(void **state)
{
	int64_t iv = 60000, due = sched_first_due(1798000000000LL, iv, 777);
	int64_t start = due;

	(void)state;
	/* Each tick runs a little late (0..900 ms); the grid never moves. */
	for (int i = 1; i <= 7 * 24 * 60; i++) {
		int64_t now = due + (i * 37) % 900;

		due = sched_next_due(due, iv, now);
		assert_int_equal(due, start + (int64_t)i * iv);
	}
}

static void
a_slot_missed_by_more_than_an_interval_is_skipped(void **state)
{
	(void)state;
	/* Late by less than an interval: the next slot is prev + interval (fires at once). */
	assert_int_equal(sched_next_due(10000, 1000, 10500), 11000);
	/* Late by exactly an interval: that slot is gone, the next one after now. */
	assert_int_equal(sched_next_due(10000, 1000, 11000), 12000);
	/* Late by 5.5 intervals: skip to the first slot after now, same phase. */
	assert_int_equal(sched_next_due(10250, 1000, 15800), 16250);
}

static void
a_clock_stepped_back_rejoins_the_grid(void **state)
{
	(void)state;
	/* The wall clock went back an hour: do not wait an hour. */
	assert_int_equal(sched_next_due(3610250, 1000, 10100), 10250);
}

/* A live scheduler on a real event base: two endpoints, 40 ms interval. */
struct live {
	int		 calls[2];
	int		 skips[2];
	int		 start_busy;	/* due returns 1 (busy) instead of 0 */
	struct sched	*s;
	struct event_base *base;
};

static int
live_due(const struct conf_endpoint *ep, int64_t due, void *arg)
{
	struct live *l = arg;
	int i = strcmp(ep->id, "a") == 0 ? 0 : 1;

	(void)due;
	l->calls[i]++;
	return l->start_busy;
}

static void
live_skip(const struct conf_endpoint *ep, int64_t due, void *arg)
{
	struct live *l = arg;

	(void)due;
	l->skips[strcmp(ep->id, "a") == 0 ? 0 : 1]++;
}

static void
run_for(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
a_busy_endpoint_is_not_started_twice(void **state)
{
	struct conf_endpoint eps[2] = { 0 };
	struct conf_provider prov = { 0 };
	struct conf c = { 0 };
	struct live l = { 0 };

	(void)state;
	prov.id = "p";
	prov.endpoints = eps;
	prov.n_endpoints = 2;
	eps[0].id = "a";
	eps[1].id = "b";
	for (int i = 0; i < 2; i++) {
		eps[i].provider = &prov;
		eps[i].interval_ms = 40;
	}
	c.providers = &prov;
	c.n_providers = 1;
	l.base = event_base_new();
	l.start_busy = 1;
	l.s = sched_new(l.base, live_due, live_skip, &l);
	sched_load(l.s, &c, now_ms());
	assert_int_equal(sched_count(l.s), 2);
	run_for(l.base, 300);
	/* Started once each; every later slot skipped while busy. */
	assert_int_equal(l.calls[0], 1);
	assert_int_equal(l.calls[1], 1);
	assert_true(l.skips[0] >= 4);
	assert_true(sched_skipped(l.s) >= 8);
	/* Done: the next slot starts it again; a reload keeps b's busy state. */
	sched_done(l.s, "p", "a");
	sched_load(l.s, &c, now_ms());
	run_for(l.base, 100);
	assert_int_equal(l.calls[0], 2);
	assert_int_equal(l.calls[1], 1);
	/* Idle endpoints (due returns 0) fire on every slot. */
	l.start_busy = 0;
	sched_done(l.s, "p", "a");
	sched_done(l.s, "p", "b");
	sched_done(l.s, "nope", "x");	/* unknown: ignored */
	l.calls[0] = 0;
	run_for(l.base, 400);
	assert_true(l.calls[0] >= 7 && l.calls[0] <= 11);
	sched_stop(l.s);
	l.calls[0] = 0;
	run_for(l.base, 100);
	assert_int_equal(l.calls[0], 0);
	sched_free(l.s);
	event_base_free(l.base);
}


/* Many endpoints under the one timer: each fires on its own grid, never early, in order. */
struct many {
	int64_t		 last[300];	/* the last slot each was called for */
	int		 calls[300];
	int		 bad;		/* calls before the slot, or not on a later slot */
	struct conf_endpoint *eps;
};

static int
many_due(const struct conf_endpoint *ep, int64_t due, void *arg)
{
	struct many *m = arg;
	size_t i = (size_t)(ep - m->eps);

	/* A loaded machine may skip a slot (late by an interval), never leave the grid. */
	if (now_ms() < due || (m->last[i] != 0 && (due <= m->last[i] ||
	    (due - m->last[i]) % ep->interval_ms != 0)))
		m->bad++;
	m->last[i] = due;
	m->calls[i]++;
	return 0;
}

static void
three_hundred_endpoints_fire_on_their_own_grids(void **state)
{
	static struct conf_endpoint eps[300];
	static char ids[300][8];
	struct conf_provider prov = { 0 };
	struct conf c = { 0 };
	struct many m = { .eps = eps };
	struct event_base *base = event_base_new();
	struct sched *s;
	int64_t t0;

	(void)state;
	memset(eps, 0, sizeof(eps));
	prov.id = "p";
	prov.endpoints = eps;
	prov.n_endpoints = 300;
	for (int i = 0; i < 300; i++) {
		snprintf(ids[i], sizeof(ids[i]), "e%d", i);
		eps[i].id = ids[i];
		eps[i].provider = &prov;
		eps[i].interval_ms = 30 + (i % 4) * 20;	/* 30, 50, 70, 90 ms */
	}
	c.providers = &prov;
	c.n_providers = 1;
	s = sched_new(base, many_due, NULL, &m);
	t0 = now_ms();
	sched_load(s, &c, t0);
	assert_int_equal(sched_count(s), 300);
	run_for(base, 400);
	assert_int_equal(m.bad, 0);
	for (int i = 0; i < 300; i++) {
		int64_t iv = eps[i].interval_ms;

		/* 400 ms over an interval of iv: at most 400 / iv + 1 slots (fewer if loaded). */
		assert_true(m.calls[i] >= 2 && m.calls[i] <= 400 / iv + 1);
	}
	/* A reload keeps the armed slots: no endpoint is called twice for one slot. */
	sched_load(s, &c, now_ms());
	run_for(base, 100);
	assert_int_equal(m.bad, 0);
	sched_free(s);
	event_base_free(base);
}

struct first_fire {
	int		 calls;
	int64_t		 due_ms, at_ms;
	int64_t		 last_due;
	int		 repeats;		/* calls for a slot already called */
};

static int
first_fire_due(const struct conf_endpoint *ep, int64_t due, void *arg)
{
	struct first_fire *f = arg;

	(void)ep;
	if (f->calls++ == 0) {
		f->due_ms = due;
		f->at_ms = now_ms();
	} else if (due <= f->last_due)
		f->repeats++;
	f->last_due = due;
	return 0;
}

/* One endpoint p/ID at interval 1 s, in a config of its own. */
struct one_ep {
	struct conf_endpoint ep;
	struct conf_provider prov;
	struct conf	 c;
	char		 id[16];
};

/*
 * Fills o with an endpoint whose first slot after `after` lies lo..hi ms after `t`, and
 * returns that slot (the id is searched among e0..e999: the offset is a hash).
 */
static int64_t
one_ep_due_within(struct one_ep *o, int64_t after, int64_t t, int64_t lo, int64_t hi)
{
	int64_t due = 0;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < 1000; i++) {
		snprintf(o->id, sizeof(o->id), "e%d", i);
		due = sched_first_due(after, 1000, sched_offset("p", o->id, 1000));
		if (due - t >= lo && due - t <= hi)
			break;
	}
	assert_true(due - t >= lo && due - t <= hi);
	o->prov.id = "p";
	o->prov.endpoints = &o->ep;
	o->prov.n_endpoints = 1;
	o->ep.id = o->id;
	o->ep.provider = &o->prov;
	o->ep.interval_ms = 1000;
	o->c.providers = &o->prov;
	o->c.n_providers = 1;
	return due;
}

/*
 * The first slots are armed from the clock at arming, not from when the load began: a load
 * of 100,000 endpoints takes tens of ms, and every first probe was that much late.
 * sched_load is given a time 300 ms old, as if loading had taken that long.
 */
static void
first_slots_are_on_time_however_long_the_load_took(void **state)
{
	static struct one_ep o;
	struct event_base *base = event_base_new();
	struct first_fire f = { 0 };
	struct sched *s;
	int64_t t = now_ms(), due;

	(void)state;
	assert_non_null(base);
	/* A first slot after t - 300 that lies 200..600 ms after t: not passed meanwhile. */
	due = one_ep_due_within(&o, t - 300, t, 200, 600);
	s = sched_new(base, first_fire_due, NULL, &f);
	sched_load(s, &o.c, t - 300);
	run_for(base, 900);
	assert_true(f.calls >= 1);
	assert_int_equal(f.due_ms, due);
	/* On time: not before the slot, and not the 300 ms of the load later. */
	assert_true(f.at_ms >= due);
	assert_true(f.at_ms - due < 150);
	sched_free(s);
	event_base_free(base);
}

/* With a lead, due is called that long before the slot, due_ms still the slot. */
static void
a_lead_calls_due_before_the_slot(void **state)
{
	static struct one_ep o;
	struct event_base *base = event_base_new();
	struct first_fire f = { 0 };
	struct sched *s;
	int64_t t = now_ms(), due;

	(void)state;
	assert_non_null(base);
	due = one_ep_due_within(&o, t, t, 400, 700);
	s = sched_new(base, first_fire_due, NULL, &f);
	sched_set_lead(s, 250);
	sched_load(s, &o.c, now_ms());
	run_for(base, 2000);
	assert_true(f.calls >= 1);
	assert_int_equal(f.due_ms, due);
	assert_true(f.at_ms >= due - 250);
	assert_true(f.at_ms < due - 150);	/* not at the slot */
	/* Each slot once: 2 s over an interval of 1 s is 2 or 3 slots, none called twice. */
	assert_int_equal(f.repeats, 0);
	assert_true(f.calls >= 2 && f.calls <= 3);
	sched_free(s);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offset_is_stable_and_inside_the_interval),
		cmocka_unit_test(first_slots_are_on_time_however_long_the_load_took),
		cmocka_unit_test(a_lead_calls_due_before_the_slot),
		cmocka_unit_test(ten_thousand_endpoints_do_not_fire_in_the_same_second),
		cmocka_unit_test(first_due_is_the_next_slot_of_the_grid),
		cmocka_unit_test(next_due_does_not_drift_over_a_week),
		cmocka_unit_test(a_slot_missed_by_more_than_an_interval_is_skipped),
		cmocka_unit_test(a_clock_stepped_back_rejoins_the_grid),
		cmocka_unit_test(a_busy_endpoint_is_not_started_twice),
		cmocka_unit_test(three_hundred_endpoints_fire_on_their_own_grids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
