/* The single-point-of-failure measure of SPEC §15: pure, config in, sets out. */
#include <stdlib.h>
#include <string.h>

#include "deps.h"
#include "util.h"

static long
index_of(const struct conf *c, const char *id)
{
	for (size_t i = 0; i < c->n_providers; i++)
		if (strcmp(c->providers[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* state: 0 unknown, 1 up, 2 down. Acyclic by the caller's check. */
static bool
down_at(const struct conf *c, size_t i, const bool *failed, unsigned char *state)
{
	const struct conf_provider *p = &c->providers[i];
	bool down;

	if (state[i] != 0)
		return state[i] == 2;
	down = failed[i];
	for (size_t k = 0; !down && k < p->n_depends_on; k++)
		down = down_at(c, (size_t)index_of(c, p->depends_on[k].id), failed, state);
	if (!down && p->n_alternatives > 0) {
		down = true;
		for (size_t k = 0; down && k < p->n_alternatives; k++)
			down = down_at(c, (size_t)index_of(c, p->alternatives[k].id), failed, state);
	}
	state[i] = down ? 2 : 1;
	return down;
}

bool
deps_down(const struct conf *c, size_t i, const bool *failed)
{
	unsigned char *state = xcalloc(c->n_providers ? c->n_providers : 1, 1);
	bool down = down_at(c, i, failed, state);

	free(state);
	return down;
}

/* Marks in row every provider s reaches; returns -1 on a cycle or an unknown id. */
static int
reach_from(const struct conf *c, size_t s, size_t i, unsigned char *row, unsigned char *onpath)
{
	const struct conf_provider *p = &c->providers[i];

	onpath[i] = 1;
	for (size_t k = 0; k < p->n_depends_on + p->n_alternatives; k++) {
		const char *id = k < p->n_depends_on ? p->depends_on[k].id :
		    p->alternatives[k - p->n_depends_on].id;
		long j = index_of(c, id);

		if (j < 0 || onpath[j])
			return -1;
		if (!row[j]) {
			row[j] = 1;
			if (reach_from(c, s, (size_t)j, row, onpath) != 0)
				return -1;
		}
	}
	onpath[i] = 0;
	return 0;
}

/* Tries every set of k providers among cand[from..]; true when one takes s down. */
static bool
cut_of(const struct conf *c, size_t s, const size_t *cand, size_t n_cand, size_t from, int k,
    bool *failed, long *budget)
{
	if (k == 0) {
		--*budget;
		return deps_down(c, s, failed);
	}
	for (size_t i = from; i < n_cand && *budget > 0; i++) {
		bool hit;

		failed[cand[i]] = true;
		hit = cut_of(c, s, cand, n_cand, i + 1, k - 1, failed, budget);
		failed[cand[i]] = false;
		if (hit)
			return true;
	}
	return false;
}

static void
push(size_t **v, size_t *n, size_t x)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

struct deps *
deps_new(const struct conf *c)
{
	size_t n = c->n_providers;
	struct deps *d = xcalloc(1, sizeof(*d));
	unsigned char *onpath = xcalloc(n ? n : 1, 1);
	bool *failed = xcalloc(n ? n : 1, sizeof(bool));
	size_t *cand = xcalloc(n ? n : 1, sizeof(size_t));

	d->n = n;
	d->node = xcalloc(n ? n : 1, sizeof(*d->node));
	d->reach = xcalloc(n ? n * n : 1, 1);
	for (size_t s = 0; s < n; s++) {
		memset(onpath, 0, n);
		if (reach_from(c, s, s, d->reach + s * n, onpath) != 0 || d->reach[s * n + s]) {
			free(onpath);
			free(failed);
			free(cand);
			deps_free(d);
			return NULL;
		}
		d->node[s].relying = c->providers[s].n_depends_on + c->providers[s].n_alternatives > 0;
	}
	for (size_t s = 0; s < n; s++) {
		size_t n_cand = 0;
		long budget = 200000;

		if (!d->node[s].relying)
			continue;
		for (size_t p = 0; p < n; p++) {
			if (!d->reach[s * n + p])
				continue;
			cand[n_cand++] = p;
			push(&d->node[p].dependants, &d->node[p].n_dependants, s);
			failed[p] = true;
			if (deps_down(c, s, failed))
				push(&d->node[p].spof_for, &d->node[p].n_spof_for, s);
			failed[p] = false;
		}
		d->node[s].paths = DEPS_PATHS_MAX;
		for (int k = 1; k < DEPS_PATHS_MAX && (size_t)k <= n_cand; k++)
			if (cut_of(c, s, cand, n_cand, 0, k, failed, &budget) || budget <= 0) {
				d->node[s].paths = k;	/* at least k when the budget ran out */
				break;
			}
	}
	free(onpath);
	free(failed);
	free(cand);
	return d;
}

void
deps_free(struct deps *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->node[i].dependants);
		free(d->node[i].spof_for);
	}
	free(d->node);
	free(d->reach);
	free(d);
}

bool
deps_reaches(const struct deps *d, size_t s, size_t p)
{
	return d != NULL && s < d->n && p < d->n && d->reach[s * d->n + p];
}

void
deps_link(const struct conf *c, const struct deps *d, const struct deps_incident *incs,
    size_t n, long *cause)
{
	/* each incident's provider index, looked up once (not once per pair) */
	long *pidx = xcalloc(n ? n : 1, sizeof(*pidx));
	bool *reaches = xcalloc(d != NULL && d->n > 0 ? d->n : 1, sizeof(*reaches));

	for (size_t i = 0; i < n; i++)
		pidx[i] = incs[i].provider ? index_of(c, incs[i].provider) : -1;
	for (size_t si = 0; d != NULL && si < d->n; si++)
		for (size_t p = 0; p < d->n && !reaches[si]; p++)
			reaches[si] = deps_reaches(d, si, p);
	for (size_t i = 0; i < n; i++) {
		long si = pidx[i];

		cause[i] = -1;
		if (si < 0 || d == NULL || (size_t)si >= d->n || !reaches[si])
			continue;
		for (size_t j = 0; j < n; j++) {
			long pj = pidx[j];
			long b = cause[i];

			if (j == i || pj < 0 || !deps_reaches(d, (size_t)si, (size_t)pj))
				continue;
			if (incs[j].start_ms > incs[i].start_ms ||
			    (incs[j].end_ms >= 0 && incs[j].end_ms < incs[i].start_ms))
				continue;
			if (b < 0 || incs[j].start_ms < incs[b].start_ms ||
			    (incs[j].start_ms == incs[b].start_ms && incs[j].id < incs[b].id))
				cause[i] = (long)j;
		}
	}
	free(pidx);
	free(reaches);
}
