/*
 * Incident transitions of committed batches, kept for the caller to log (store.h
 * store_take_transitions): recorded while a batch is stored, kept only when it commits.
 */
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "../core/util.h"

#define TR_MAX	4096	/* transitions kept between two takes; older ones are dropped */

void
st_transition_add(struct store *s, int64_t incident, bool resolved, const char *provider,
    const char *endpoint, const char *kind, int64_t start_ms, int64_t end_ms,
    const char *reasons)
{
	struct store_transition *t;

	if (s->n_tr >= TR_MAX)
		return;
	s->tr = xrealloc(s->tr, (s->n_tr + 1) * sizeof(*s->tr));
	t = &s->tr[s->n_tr++];
	t->incident = incident;
	t->resolved = resolved;
	t->provider = xstrdup(provider);
	t->endpoint = xstrdup(endpoint);
	t->kind = xstrdup(kind);
	t->start_ms = start_ms;
	t->end_ms = end_ms;
	t->reasons = xstrdup(reasons);
	t->committed = false;
}

static void
tr_free(struct store_transition *t)
{
	free((char *)t->provider);
	free((char *)t->endpoint);
	free((char *)t->kind);
	free((char *)t->reasons);
}

void
st_transitions_end(struct store *s, bool committed)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_tr; i++) {
		if (!s->tr[i].committed && !committed) {
			tr_free(&s->tr[i]);
			continue;
		}
		s->tr[i].committed = true;
		s->tr[k++] = s->tr[i];
	}
	s->n_tr = k;
}

void
store_take_transitions(struct store *s, void (*fn)(const struct store_transition *, void *),
    void *arg)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_tr; i++) {
		if (!s->tr[i].committed) {
			s->tr[k++] = s->tr[i];
			continue;
		}
		if (fn != NULL)
			fn(&s->tr[i], arg);
		tr_free(&s->tr[i]);
	}
	s->n_tr = k;
	if (k == 0)
		FREE_NULL(s->tr);
}
