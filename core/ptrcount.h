/*
 * A count per pointer (how many jobs each endpoint has, queued or running: probe/engine.c,
 * probe/pool.c): open addressing keyed by the pointer, linear probing, deletion by
 * backward shift (no tombstones), at most half full. Add, delete and lookup are O(1)
 * expected, whatever the load. Zero-initialised is empty.
 */
#ifndef TW_PTRCOUNT_H
#define TW_PTRCOUNT_H

#include <stddef.h>
#include <stdint.h>

struct ptrcount_slot {
	const void	*p;			/* NULL: empty */
	size_t		 n;
};

struct ptrcount {
	struct ptrcount_slot *v;		/* owned, cap slots */
	size_t		 cap;			/* a power of two, or 0 */
	size_t		 used;
	uint64_t	 steps;			/* slots examined by lookups (tests, bench) */
};

/* Adds one to p's count. */
void	ptrcount_add(struct ptrcount *, const void *p);
/* Takes one from p's count (which is not 0); p leaves the map at 0. */
void	ptrcount_del(struct ptrcount *, const void *p);
/* Returns 1 when p's count is above 0. */
int	ptrcount_has(struct ptrcount *, const void *p);
void	ptrcount_free(struct ptrcount *);

#endif
