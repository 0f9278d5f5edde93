/*
 * The incident state machine (SPEC §5), pure: results in, transitions out.
 * An incident opens after open_after consecutive non-up results and resolves after
 * close_after consecutive up results; results in a maintenance window count for neither.
 */
#ifndef TW_INCIDENTS_H
#define TW_INCIDENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/result.h"

struct incident_state {
	int		 bad_streak;	/* consecutive non-up results */
	int		 good_streak;	/* consecutive up results */
	int64_t		 bad_since;	/* time of the first result of the bad streak */
	int64_t		 good_since;	/* time of the first result of the good streak */
	uint64_t	 reasons;	/* bit per enum reason, of the bad streak or open incident */
	enum status	 worst;		/* worst status of the bad streak or open incident */
	bool		 open;		/* an incident is open */
};

enum incident_event {
	INCIDENT_NONE,
	INCIDENT_OPENED,	/* starts at state->bad_since */
	INCIDENT_UPDATED,	/* worst or reasons of the open incident changed */
	INCIDENT_RESOLVED,	/* ends at state->good_since, never before bad_since */
	INCIDENT__MAX
};

/* Feeds one result into s; returns what happened to the endpoint's incident. */
enum incident_event incident_feed(struct incident_state *s, enum status st, enum reason reason,
    bool maintenance, int64_t time_ms, int open_after, int close_after);

/* Writes the reason names in mask joined by ';' into out; returns out. */
_Static_assert(REASON__MAX <= 64, "incident reasons are a 64-bit mask");

char *incident_reasons_str(uint64_t mask, char *out, size_t outsz);

#endif
