/* The incident state machine, driven by tables of result sequences. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "core/util.h"
#include "store/incidents.h"

/*
 * A sequence of results, one character each: u up, d down (timeout), g degraded (slow),
 * s down (signature_invalid), m down inside maintenance, M up inside maintenance;
 * and the events expected after each: . none, O opened, U updated, R resolved.
 */
static const struct seq {
	const char	*name;
	int		 open_after, close_after;
	const char	*results;
	const char	*events;
	const char	*reasons;	/* reasons of the last incident, when one opened */
} seqs[] = {
	{ "three failures open, two successes resolve", 3, 2, "uuddduu", "....O.R", "timeout" },
	{ "two failures do not open", 3, 2, "uddudd", "......", "" },
	{ "degraded counts as non-up", 3, 2, "gggu", "..O.", "slow" },
	{ "flapping keeps the incident open", 3, 2, "dddududuu", "..O.....R", "timeout" },
	{ "a new reason updates the incident", 2, 1, "ddsu", ".OUR", "timeout;signature_invalid" },
	{ "a worse status updates the incident", 2, 2, "ggduu", ".OU.R", "slow;timeout" },
	{ "maintenance results count for nothing", 3, 2, "ddmmdMu", "....O..", "timeout" },
	{ "maintenance does not break a good streak", 1, 2, "duMu", "O..R", "timeout" },
	{ "open_after 1 opens at once", 1, 1, "dudu", "OROR", "timeout" },
	{ "a second incident after resolution", 2, 1, "ddudd", ".OR.O", "timeout" },
};

static void
incident_sequences_give_the_expected_events(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(seqs); i++) {
		const struct seq *q = &seqs[i];
		struct incident_state s = { 0 };
		char got[64] = { 0 }, reasons[256] = "";

		for (size_t j = 0; q->results[j]; j++) {
			enum status st = STATUS_UP;
			enum reason r = REASON_OK;
			bool maint = false;
			enum incident_event ev;

			switch (q->results[j]) {
			case 'd': st = STATUS_DOWN; r = REASON_TIMEOUT; break;
			case 'g': st = STATUS_DEGRADED; r = REASON_SLOW; break;
			case 's': st = STATUS_DOWN; r = REASON_SIGNATURE_INVALID; break;
			case 'm': st = STATUS_DOWN; r = REASON_CONNECT; maint = true; break;
			case 'M': maint = true; break;
			}
			ev = incident_feed(&s, st, r, maint, (int64_t)j * 1000, q->open_after,
			    q->close_after);
			got[j] = ".OUR"[ev];
			if (ev == INCIDENT_OPENED || ev == INCIDENT_UPDATED)
				incident_reasons_str(s.reasons, reasons, sizeof(reasons));
		}
		if (strcmp(got, q->events) != 0 || strcmp(reasons, q->reasons) != 0)
			print_error("'%s': events %s (want %s), reasons '%s' (want '%s')\n", q->name,
			    got, q->events, reasons, q->reasons);
		assert_string_equal(got, q->events);
		assert_string_equal(reasons, q->reasons);
	}
}

static void
an_incident_starts_at_the_first_failure_and_ends_at_the_first_success(void **state)
{
	struct incident_state s = { 0 };

	(void)state;
	incident_feed(&s, STATUS_UP, REASON_OK, false, 1000, 3, 2);
	incident_feed(&s, STATUS_DOWN, REASON_CONNECT, false, 2000, 3, 2);
	incident_feed(&s, STATUS_DOWN, REASON_CONNECT, false, 3000, 3, 2);
	assert_int_equal(incident_feed(&s, STATUS_DOWN, REASON_CONNECT, false, 4000, 3, 2),
	    INCIDENT_OPENED);
	assert_int_equal(s.bad_since, 2000);
	assert_int_equal(s.worst, STATUS_DOWN);
	incident_feed(&s, STATUS_UP, REASON_OK, false, 5000, 3, 2);
	incident_feed(&s, STATUS_DOWN, REASON_CONNECT, false, 6000, 3, 2);
	incident_feed(&s, STATUS_UP, REASON_OK, false, 7000, 3, 2);
	assert_int_equal(incident_feed(&s, STATUS_UP, REASON_OK, false, 8000, 3, 2),
	    INCIDENT_RESOLVED);
	assert_int_equal(s.good_since, 7000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(incident_sequences_give_the_expected_events),
		cmocka_unit_test(an_incident_starts_at_the_first_failure_and_ends_at_the_first_success),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
