/*
 * Who falls when a provider falls (SPEC §15): a pure measure over the providers'
 * depends_on (every one needed) and alternatives (any one suffices).
 * Indices are positions in conf->providers; the measure is valid for that config only.
 */
#ifndef TW_DEPS_H
#define TW_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define DEPS_PATHS_MAX	8	/* paths is counted up to this; DEPS_PATHS_MAX means "at least" */

struct deps_node {
	bool	 relying;	/* it has depends_on or alternatives: a relying service */
	size_t	*dependants;	/* relying services that depend on it, directly or through others */
	size_t	 n_dependants;
	size_t	*spof_for;	/* those its failure alone takes down (a subset of dependants) */
	size_t	 n_spof_for;
	int	 paths;		/* relying: the fewest providers whose failure together takes it
				   down (independent paths); 0 for a provider that relies on none */
};

struct deps {
	size_t		 n;		/* == conf->n_providers */
	struct deps_node *node;		/* n entries */
	unsigned char	*reach;		/* n*n: reach[s*n+p] = s depends on p, directly or not */
};

/*
 * Measures c. Returns the measure (caller frees with deps_free), or NULL when a dependency
 * names an unknown provider or the dependencies form a cycle (check refuses both).
 */
struct deps *deps_new(const struct conf *c);
void deps_free(struct deps *);

/* Does service s depend on provider p, directly or through others? */
bool deps_reaches(const struct deps *, size_t s, size_t p);

/* Is provider i down when exactly the providers with failed[j] set have failed? */
bool deps_down(const struct conf *c, size_t i, const bool *failed);

/* An incident as correlation needs it. */
struct deps_incident {
	int64_t		 id;
	const char	*provider;	/* provider id; borrowed */
	int64_t		 start_ms;
	int64_t		 end_ms;	/* -1 while open */
};

/*
 * Correlation (SPEC §15): cause[i] = the index in incs of the likely cause of incs[i], or -1.
 * The cause is an incident of a provider incs[i]'s provider depends on (directly or not),
 * which started no later than incs[i] and was still open when incs[i] started; of several,
 * the earliest (the root of a chain), then the lowest id. Providers unknown to c have none.
 */
void deps_link(const struct conf *c, const struct deps *, const struct deps_incident *incs,
    size_t n, long *cause);

#endif
