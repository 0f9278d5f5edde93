/* A count per pointer: see ptrcount.h. */
#include <stdlib.h>

#include "ptrcount.h"
#include "util.h"

/* Returns the home slot of p in a map of cap slots (a power of two). */
static size_t
home(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;	/* murmur3's fmix64 */
	h ^= h >> 33;
	return (size_t)h & (cap - 1);
}

/* Returns the slot holding p, or the empty slot where it would go (cap > 0). */
static size_t
find(const struct ptrcount *m, const void *p, uint64_t *steps)
{
	size_t i = home(p, m->cap);

	for (;;) {
		(*steps)++;
		if (m->v[i].p == p || m->v[i].p == NULL)
			return i;
		i = (i + 1) & (m->cap - 1);
	}
}

void
ptrcount_add(struct ptrcount *m, const void *p)
{
	uint64_t steps = 0;
	size_t i;

	if ((m->used + 1) * 2 > m->cap) {
		struct ptrcount old = *m;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		for (size_t k = 0; k < old.cap; k++)
			if (old.v[k].p != NULL)
				m->v[find(m, old.v[k].p, &steps)] = old.v[k];
		free(old.v);
	}
	i = find(m, p, &steps);
	if (m->v[i].p == NULL) {
		m->v[i].p = p;
		m->used++;
	}
	m->v[i].n++;
}

void
ptrcount_del(struct ptrcount *m, const void *p)
{
	uint64_t steps = 0;
	size_t i, j, h;

	if (m->cap == 0)
		return;
	i = find(m, p, &steps);
	if (m->v[i].p == NULL || --m->v[i].n > 0)
		return;
	/* Backward shift: move up every later entry of the run that may not skip the hole. */
	m->used--;
	for (j = (i + 1) & (m->cap - 1); m->v[j].p != NULL; j = (j + 1) & (m->cap - 1)) {
		h = home(m->v[j].p, m->cap);
		if (((j - h) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			m->v[i] = m->v[j];
			i = j;
		}
	}
	m->v[i].p = NULL;
	m->v[i].n = 0;
}

int
ptrcount_has(struct ptrcount *m, const void *p)
{
	if (m->cap == 0 || p == NULL)
		return 0;
	return m->v[find(m, p, &m->steps)].p == p;
}

void
ptrcount_free(struct ptrcount *m)
{
	free(m->v);
	m->v = NULL;
	m->cap = m->used = 0;
}
