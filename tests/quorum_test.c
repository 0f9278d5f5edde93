/* The quorum verdict (SPEC §11) as a table: views in, verdict out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/quorum.h"

#define NOW	1796086800000LL
#define IV	60000

#define U(t)	{ "n", NOW - (t), STATUS_UP, REASON_OK, true }
#define G(t)	{ "n", NOW - (t), STATUS_DEGRADED, REASON_SLOW, true }
#define D(t)	{ "n", NOW - (t), STATUS_DOWN, REASON_CONNECT, true }
#define DEAD	{ "n", NOW - 1000, STATUS_DOWN, REASON_CONNECT, false }
#define NONE	{ "n", -1, STATUS_UP, REASON_OK, true }

static const struct {
	const char		*what;
	int			 quorum;
	size_t			 n;
	struct quorum_view	 v[5];
	enum quorum_verdict	 want;
	int			 minority;	/* views disagreeing with the verdict */
} cases[] = {
	{ "one node up", 0, 1, { U(0) }, VERDICT_UP, 0 },
	{ "one node down", 0, 1, { D(0) }, VERDICT_DOWN, 0 },
	{ "3 nodes, 1 down, quorum 2: up, one minority", 2, 3, { D(0), U(0), U(0) }, VERDICT_UP, 1 },
	{ "3 nodes, 2 down, quorum 2: down", 2, 3, { D(0), D(0), U(0) }, VERDICT_DOWN, 1 },
	{ "3 nodes, 1 down 1 degraded: degraded", 2, 3, { D(0), G(0), U(0) }, VERDICT_DEGRADED, 2 },
	{ "majority default of 3 live is 2", 0, 3, { D(0), D(0), U(0) }, VERDICT_DOWN, 1 },
	{ "majority default of 4 live is 3", 0, 4, { D(0), D(0), U(0), U(0) }, VERDICT_UNKNOWN, 2 },
	{ "stale results do not count", 2, 3, { D(2 * IV + 1), D(0), U(0) }, VERDICT_UNKNOWN, 1 },
	{ "exactly 2 x interval old counts", 2, 3, { D(2 * IV), D(0), U(0) }, VERDICT_DOWN, 1 },
	{ "a dead node does not count", 2, 3, { DEAD, D(0), U(0) }, VERDICT_UNKNOWN, 1 },
	{ "a dead node does not lower the default majority", 0, 3, { DEAD, D(0), U(0) },
	    VERDICT_UNKNOWN, 1 },
	{ "no results at all", 2, 3, { NONE, NONE, NONE }, VERDICT_UNKNOWN, 0 },
	{ "quorum above the nodes is never reached", 4, 3, { U(0), U(0), U(0) },
	    VERDICT_UNKNOWN, 0 },
	{ "down beats up when both reach the quorum", 2, 4, { D(0), D(0), U(0), U(0) },
	    VERDICT_DOWN, 2 },
};

static void
every_case_gets_its_verdict(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct quorum_result r;
		int minority = 0;

		quorum_verdict(cases[i].v, cases[i].n, cases[i].quorum, NOW, IV, &r);
		if (r.verdict != cases[i].want)
			fail_msg("%s: verdict %d, want %d", cases[i].what, r.verdict, cases[i].want);
		for (size_t k = 0; k < cases[i].n; k++)
			minority += quorum_is_minority(&cases[i].v[k], &r, NOW, IV);
		if (minority != cases[i].minority)
			fail_msg("%s: %d minority views, want %d", cases[i].what, minority,
			    cases[i].minority);
		if (r.verdict != VERDICT_UNKNOWN &&
		    (r.representative < 0 || (int)cases[i].v[r.representative].status > (int)r.verdict))
			fail_msg("%s: representative %d", cases[i].what, r.representative);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_case_gets_its_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
