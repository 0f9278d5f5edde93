#include <stdio.h>
#include <string.h>

#include "incidents.h"

/*
 * Streaks are capped at the threshold they are compared with, so that a steady state
 * leaves the state unchanged (the store then has nothing to write).
 */
enum incident_event
incident_feed(struct incident_state *s, enum status st, enum reason reason, bool maintenance,
    int64_t t, int open_after, int close_after)
{
	if (maintenance)
		return INCIDENT_NONE;
	if (st == STATUS_UP) {
		if (s->good_streak == 0)
			s->good_since = t;
		if (s->good_streak < close_after)
			s->good_streak++;
		if (!s->open) {
			s->bad_streak = 0;
			s->reasons = 0;
			s->worst = STATUS_UP;
			return INCIDENT_NONE;
		}
		if (s->good_streak >= close_after) {
			s->open = false;
			s->bad_streak = 0;
			/* The wall clock went back during the incident: it never ends before it began. */
			if (s->good_since < s->bad_since)
				s->good_since = s->bad_since;
			return INCIDENT_RESOLVED;
		}
		return INCIDENT_NONE;
	}
	/* A non-up result: flapping back before close_after keeps the incident open. */
	s->good_streak = 0;
	if (s->bad_streak == 0 && !s->open) {
		s->bad_since = t;
		s->reasons = 0;
		s->worst = STATUS_UP;
	}
	if (s->bad_streak < open_after)
		s->bad_streak++;
	if (s->open) {
		uint64_t before = s->reasons;
		enum status wbefore = s->worst;

		s->reasons |= UINT64_C(1) << reason;
		if (st > s->worst)
			s->worst = st;
		return before != s->reasons || wbefore != s->worst ? INCIDENT_UPDATED : INCIDENT_NONE;
	}
	s->reasons |= UINT64_C(1) << reason;
	if (st > s->worst)
		s->worst = st;
	if (s->bad_streak >= open_after) {
		s->open = true;
		return INCIDENT_OPENED;
	}
	return INCIDENT_NONE;
}

char *
incident_reasons_str(uint64_t mask, char *out, size_t outsz)
{
	size_t off = 0;

	if (outsz == 0)
		return out;
	out[0] = '\0';
	for (int r = 0; r < REASON__MAX; r++) {
		int n;

		if (!(mask & (UINT64_C(1) << r)))
			continue;
		n = snprintf(out + off, outsz - off, "%s%s", off ? ";" : "", reason_names[r]);
		if (n < 0 || (size_t)n >= outsz - off)
			break;
		off += (size_t)n;
	}
	return out;
}
