/* Single points of failure (SPEC §15): tables of dependency graphs -> SPOF sets and paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/deps.h"
#include "core/util.h"

/*
 * A graph is a list of lines "id", "id > a b" (depends_on a and b) or "id | a b"
 * (alternatives a and b); "id > a | b c" has both.
 */
struct graph_case {
	const char	*name;
	const char	*lines[8];
	const char	*spof[8];	/* "p: s t" = p is a single point of failure for s and t */
	const char	*dependants[8];	/* "p: s t" = s and t depend on p (only those listed) */
	const char	*paths[8];	/* "s=2" */
	bool		 refused;	/* a cycle or an unknown id: deps_new returns NULL */
};

static const struct graph_case cases[] = {
	{ "a service that needs one provider",
	  { "lt", "mg > lt" }, { "lt: mg", "mg:" }, { "lt: mg" }, { "mg=1" }, false },
	{ "a chain: the provider at the end takes both down",
	  { "lt", "gw > lt", "mg > gw" }, { "lt: gw mg", "gw: mg", "mg:" }, { "lt: gw mg", "gw: mg" },
	  { "mg=1", "gw=1" }, false },
	{ "two alternatives: neither alone takes the bank down",
	  { "lt", "itsme", "bank | lt itsme" }, { "lt:", "itsme:" }, { "lt: bank", "itsme: bank" },
	  { "bank=2" }, false },
	{ "one alternative is a single point of failure",
	  { "lt", "bank | lt" }, { "lt: bank" }, { "lt: bank" }, { "bank=1" }, false },
	{ "alternatives that share a dependency fall with it",
	  { "hsm", "lt > hsm", "itsme > hsm", "bank | lt itsme" },
	  { "hsm: lt itsme bank", "lt:", "itsme:" }, { "hsm: lt itsme bank" }, { "bank=1" }, false },
	{ "a diamond of needs: the bottom takes all",
	  { "root", "a > root", "b > root", "top > a b" },
	  { "root: a b top", "a: top", "b: top" }, { "root: a b top", "a: top" }, { "top=1" }, false },
	{ "needs and alternatives together",
	  { "lt", "itsme", "dns", "shop > dns | lt itsme" },
	  { "dns: shop", "lt:", "itsme:" }, { "lt: shop", "dns: shop" }, { "shop=1" }, false },
	{ "three alternatives, two of them behind one gateway",
	  { "gw", "a > gw", "b > gw", "c", "svc | a b c" },
	  { "gw: a b", "a:", "c:" }, { "gw: a b svc" }, { "svc=2" }, false },
	{ "a provider nobody relies on is no one's single point of failure",
	  { "lt", "solo" }, { "lt:", "solo:" }, { "lt:" }, { "lt=0" }, false },
	{ "a two-provider cycle is refused", { "a > b", "b > a" }, { NULL }, { NULL }, { NULL }, true },
	{ "a provider depending on itself is refused", { "a | a" }, { NULL }, { NULL }, { NULL },
	  true },
	{ "a longer cycle through alternatives is refused", { "a > b", "b | c x", "c > a", "x" },
	  { NULL }, { NULL }, { NULL }, true },
	{ "an unknown provider is refused", { "a > ghost" }, { NULL }, { NULL }, { NULL }, true },
};

static void
add_dep(struct conf_dep **v, size_t *n, const char *id)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].id = xstrdup(id);
	(*v)[*n].line = (*v)[*n].col = 1;
	(*n)++;
}

static struct conf *
build(const char *const *lines)
{
	struct conf *c = xcalloc(1, sizeof(*c));

	while (c->n_providers < 8 && lines[c->n_providers] != NULL)
		c->n_providers++;
	c->providers = xcalloc(c->n_providers, sizeof(*c->providers));
	for (size_t i = 0; i < c->n_providers; i++) {
		char *copy = xstrdup(lines[i]), *save = NULL;
		int mode = 0;

		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (strcmp(w, ">") == 0)
				mode = 1;
			else if (strcmp(w, "|") == 0)
				mode = 2;
			else if (mode == 0)
				c->providers[i].id = xstrdup(w);
			else if (mode == 1)
				add_dep(&c->providers[i].depends_on, &c->providers[i].n_depends_on, w);
			else
				add_dep(&c->providers[i].alternatives, &c->providers[i].n_alternatives, w);
		}
		free(copy);
	}
	return c;
}

static void
destroy(struct conf *c)
{
	for (size_t i = 0; i < c->n_providers; i++) {
		struct conf_provider *p = &c->providers[i];

		free(p->id);
		for (size_t k = 0; k < p->n_depends_on; k++)
			free(p->depends_on[k].id);
		for (size_t k = 0; k < p->n_alternatives; k++)
			free(p->alternatives[k].id);
		free(p->depends_on);
		free(p->alternatives);
	}
	free(c->providers);
	free(c);
}

static size_t
idx(const struct conf *c, const char *id)
{
	for (size_t i = 0; i < c->n_providers; i++)
		if (strcmp(c->providers[i].id, id) == 0)
			return i;
	fail_msg("no provider '%s'", id);
	return 0;
}

/* The set v (indices) written as sorted-by-config ids, "a b". */
static char *
names(const struct conf *c, const size_t *v, size_t n)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t k = 0; k < n; k++)
			if (v[k] == i)
				buf_printf(&b, "%s%s", b.len ? " " : "", c->providers[i].id);
	buf_append(&b, "", 1);
	return (char *)b.data;
}

/* "p: s t" with the same order as the config. */
static void
expect_set(const struct graph_case *t, const struct conf *c, const char *want, bool spof,
    const struct deps *d)
{
	char p[32];
	const char *colon = strchr(want, ':');

	snprintf(p, sizeof(p), "%.*s", (int)(colon - want), want);
	const struct deps_node *nd = &d->node[idx(c, p)];
	char *got = spof ? names(c, nd->spof_for, nd->n_spof_for) :
	    names(c, nd->dependants, nd->n_dependants);
	const char *w = colon + 1;

	while (*w == ' ')
		w++;
	if (strcmp(got, w) != 0)
		fail_msg("case '%s': %s of %s: want '%s', got '%s'", t->name,
		    spof ? "spof_for" : "dependants", p, w, got);
	free(got);
}

static void
graphs_give_their_single_points_of_failure(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct graph_case *t = &cases[i];
		struct conf *c = build(t->lines);
		struct deps *d = deps_new(c);

		if (t->refused) {
			if (d != NULL)
				fail_msg("case '%s': want refused, got a measure", t->name);
			destroy(c);
			continue;
		}
		if (d == NULL)
			fail_msg("case '%s': refused", t->name);
		for (size_t k = 0; k < 8 && t->spof[k]; k++)
			expect_set(t, c, t->spof[k], true, d);
		for (size_t k = 0; k < 8 && t->dependants[k]; k++)
			expect_set(t, c, t->dependants[k], false, d);
		for (size_t k = 0; k < 8 && t->paths[k]; k++) {
			char s[32];
			int want;

			assert_int_equal(sscanf(t->paths[k], "%31[^=]=%d", s, &want), 2);
			if (d->node[idx(c, s)].paths != want)
				fail_msg("case '%s': paths of %s: want %d, got %d", t->name, s, want,
				    d->node[idx(c, s)].paths);
		}
		deps_free(d);
		destroy(c);
	}
}

static void
reaches_follows_chains_and_not_the_reverse(void **state)
{
	const char *lines[] = { "lt", "gw > lt", "mg > gw", "other", NULL };
	struct conf *c = build(lines);
	struct deps *d = deps_new(c);

	(void)state;
	assert_non_null(d);
	assert_true(deps_reaches(d, idx(c, "mg"), idx(c, "lt")));
	assert_true(deps_reaches(d, idx(c, "mg"), idx(c, "gw")));
	assert_false(deps_reaches(d, idx(c, "lt"), idx(c, "mg")));
	assert_false(deps_reaches(d, idx(c, "mg"), idx(c, "other")));
	assert_false(deps_reaches(d, idx(c, "mg"), 99));
	assert_false(deps_reaches(NULL, 0, 0));
	deps_free(d);
	deps_free(NULL);
	destroy(c);
}

static void
down_follows_needs_and_alternatives(void **state)
{
	const char *lines[] = { "lt", "itsme", "bank | lt itsme", "mg > lt", NULL };
	struct conf *c = build(lines);
	bool failed[4] = { true, false, false, false };

	(void)state;
	assert_true(deps_down(c, idx(c, "mg"), failed));
	assert_false(deps_down(c, idx(c, "bank"), failed));
	failed[1] = true;
	assert_true(deps_down(c, idx(c, "bank"), failed));
	destroy(c);
}

/* Incidents: provider, start, end (-1 open); the expected cause index or -1. */
static void
incidents_are_linked_to_the_overlapping_provider_incident(void **state)
{
	const char *lines[] = { "lt", "gw > lt", "mg > gw", "bank | lt itsme", "itsme", NULL };
	struct conf *c = build(lines);
	struct deps *d = deps_new(c);
	const struct deps_incident incs[] = {
		{ 10, "lt", 1000, -1 },		/* 0: the provider fails first */
		{ 11, "gw", 1500, 5000 },	/* 1: caused by 0 */
		{ 12, "mg", 2000, -1 },		/* 2: caused by 0, the root, not 1 */
		{ 13, "itsme", 500, 900 },	/* 3: closed before 2 started: cause of nothing */
		{ 14, "bank", 3000, -1 },	/* 4: caused by 0 */
		{ 15, "mg", 900, 950 },		/* 5: started before lt's incident: no cause */
		{ 16, "lt", 6000, -1 },		/* 6: a provider has no cause */
		{ 17, "gone", 2000, -1 },	/* 7: no longer configured */
	};
	const long want[] = { -1, 0, 0, -1, 0, -1, -1, -1 };
	long cause[NELEM(incs)];

	(void)state;
	assert_non_null(d);
	deps_link(c, d, incs, NELEM(incs), cause);
	for (size_t i = 0; i < NELEM(incs); i++)
		if (cause[i] != want[i])
			fail_msg("incident %lld: want cause %ld, got %ld", (long long)incs[i].id,
			    want[i], cause[i]);
	deps_free(d);
	destroy(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(graphs_give_their_single_points_of_failure),
		cmocka_unit_test(reaches_follows_chains_and_not_the_reverse),
		cmocka_unit_test(down_follows_needs_and_alternatives),
		cmocka_unit_test(incidents_are_linked_to_the_overlapping_provider_incident),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
