/*
 * Internal to the store core (store/core.c, rollup.c, transitions.c, outbox.c): the rules
 * every backend shares. Backends (backend.h) see none of this.
 */
#ifndef TW_STORE_CORE_INT_H
#define TW_STORE_CORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "incidents.h"
#include "rollup.h"
#include "store.h"


struct rollup_acc;

struct ep_entry {
	uint64_t	 hash;		/* of provider and endpoint */
	char		*provider;
	char		*endpoint;
	int64_t		 id;
	bool		 have_state;	/* is/open_id mirror the database */
	struct incident_state is;
	int64_t		 open_id;
};
struct tz;

struct store {
	const struct backend_ops *ops;
	struct store_be	*be;
	/* Endpoint ids and incident states, by provider and endpoint name (never by a
	 * config pointer: ids are the database's, names are the config's stable ids). An
	 * open-addressed table of entries that never move, so a batch may hold pointers. */
	struct ep_entry	**eps;
	size_t		 n_eps, cap_eps;
	bool		 leading;		/* store_try_leader said so last */
	char		*err;
	int		 open_after;
	int		 close_after;
	struct tz	*tz;			/* days are cut in it; NULL = UTC */
	struct rollup_acc *acc;			/* rollups of the batch being stored */
	size_t		 n_acc, cap_acc;
	uint64_t	 incident_changes;	/* committed opens and resolutions */
	uint64_t	 batch_changes;		/* those of the batch in progress */
	struct store_transition *tr;		/* for store_take_transitions */
	size_t		 n_tr;
	/* The record (log.c): set by store_set_record; rec_entry NULL = nothing logged. */
	char		*rec_node;
	char		*(*rec_entry)(const struct store_row *, const char *, const char *, void *);
	void		*rec_arg;
};

/* Appends the batch's stored results (rows[i] for items[i], stored[i]) to their logs. */
int st_log_append(struct store *, const struct store_item *items, const struct store_row *rows,
    const bool *stored, size_t n);

/* Copies the backend's error text, prefixed with what, into the store's; returns -1. */
int st_fail(struct store *, const char *what);
/* Judges results rs[0..n) (endpoint ids eps) against the conformance rules and adds the
 * verdicts to the stored sums (conformance.c). 0, or -1 via st_fail. */
int st_conformance_add(struct store *, const struct result *const *rs, const int64_t *eps,
    size_t n);
/* Sets the store's error text; returns -1. */
int st_error(struct store *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Transitions (transitions.c): recorded in a batch, kept when it commits. */
void st_transition_add(struct store *, int64_t incident, bool resolved, const char *provider,
    const char *endpoint, const char *kind, int64_t start_ms, int64_t end_ms,
    const char *reasons);
void st_transitions_end(struct store *, bool committed);

/* Rollups (rollup.c): accumulate a stored result, then add the batch's sums. */
void st_rollup_add(struct store *, int64_t ep_id, int64_t interval_ms, const struct result *,
    bool maintenance);
int st_rollup_flush(struct store *);
void st_rollup_discard(struct store *);

#endif
