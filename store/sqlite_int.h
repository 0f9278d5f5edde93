/*
 * Internal to the SQLite backend (store/sqlite*.c, the only files that include sqlite3.h).
 */
#ifndef TW_SQLITE_INT_H
#define TW_SQLITE_INT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "incidents.h"
#include "store.h"
#include "../core/tz.h"

#define EP_CACHE	256

/* The packed result code: reason in the low 6 bits, the maintenance flag above. */
#define CODE_MAINT	64

struct rollup_acc;

struct store {
	sqlite3		*db;
	struct {
		const void	*ep;		/* the conf_endpoint the id was looked up for */
		char		*provider;
		char		*endpoint;
		int64_t		 id;
		bool		 have_state;	/* is/open_id mirror the database */
		struct incident_state is;
		int64_t		 open_id;
	} cache[EP_CACHE];
	char		*err;
	sqlite3_stmt	*ins_result;
	sqlite3_stmt	*upd_endpoint;
	sqlite3_stmt	*sel_endpoint;
	sqlite3_stmt	*ins_endpoint;
	sqlite3_stmt	*sel_state;
	sqlite3_stmt	*upd_state;
	sqlite3_stmt	*ins_incident;
	sqlite3_stmt	*upd_incident;
	sqlite3_stmt	*ins_result_new;	/* replay: skips a result stored before */
	char		*path;			/* the file opened, NULL for :memory: */
	dev_t		 dev;			/* its identity at open (store_file_check) */
	ino_t		 ino;
	int		 open_after;
	int		 close_after;
	struct tz	*tz;			/* days are cut in it; NULL = UTC */
	struct rollup_acc *acc;			/* rollups of the batch being stored */
	size_t		 n_acc, cap_acc;
	uint64_t	 incident_changes;	/* committed opens and resolutions */
	uint64_t	 batch_changes;		/* those of the batch in progress */
	struct store_transition *tr;		/* for store_take_transitions */
	size_t		 n_tr;
};

void sq_set_err(struct store *, const char *what);
int sq_exec(struct store *, const char *sql);

/* Transitions (sqlite_transitions.c): recorded in a batch, kept when it commits. */
void sq_transition_add(struct store *, int64_t incident, bool resolved, const struct result *,
    int64_t start_ms, int64_t end_ms, const char *reasons);
void sq_transitions_end(struct store *, bool committed);

/* Rollups (sqlite_rollup.c): accumulate a stored result, then write the batch's sums. */
void sq_rollup_add(struct store *, int64_t ep_id, int64_t interval_ms, const struct result *,
    bool maintenance);
int sq_rollup_flush(struct store *);
void sq_rollup_discard(struct store *);

#endif
