/*
 * Every address (SPEC §14) as a table: per-address results in, the endpoint verdict out
 * (result_combine_addresses), then per-node verdicts into the vantage quorum.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/details.h"
#include "core/quorum.h"
#include "core/resolve.h"
#include "core/result.h"
#include "core/util.h"

#define T0	1796086800000LL
#define NA	4

static const struct {
	const char	*what;
	size_t		 n;
	enum reason	 each[NA];
	enum status	 want;
	enum reason	 want_reason;
	int		 healthy;
	const char	*msg_has;	/* a part of the combined message, or NULL */
} cases[] = {
	{ "3 up: up", 3, { REASON_OK, REASON_OK, REASON_OK }, STATUS_UP, REASON_OK, 3, NULL },
	{ "one down of 3: degraded redundancy_lost", 3,
	    { REASON_OK, REASON_CONNECT, REASON_OK }, STATUS_DEGRADED, REASON_REDUNDANCY_LOST, 2,
	    "2 of 3 addresses healthy; 192.0.2.2: connect" },
	{ "two down of 3: still degraded", 3,
	    { REASON_TIMEOUT, REASON_OK, REASON_HTTP_STATUS }, STATUS_DEGRADED,
	    REASON_REDUNDANCY_LOST, 1, "192.0.2.3: http_status" },
	{ "all down: the first worst reason", 3,
	    { REASON_CONNECT, REASON_SIGNATURE_INVALID, REASON_CONNECT }, STATUS_DOWN,
	    REASON_CONNECT, 0, "0 of 3 addresses healthy; 192.0.2.1" },
	{ "a slow address is healthy: degraded slow, not redundancy_lost", 2,
	    { REASON_OK, REASON_SLOW }, STATUS_DEGRADED, REASON_SLOW, 2, NULL },
	{ "slow and down: redundancy_lost", 3, { REASON_SLOW, REASON_OK, REASON_STALE },
	    STATUS_DEGRADED, REASON_REDUNDANCY_LOST, 2, "192.0.2.3: stale" },
	{ "one address: that result as it is", 1, { REASON_TIMEOUT }, STATUS_DOWN,
	    REASON_TIMEOUT, -1, NULL },
};

static void
fill(struct result *each, size_t n, const enum reason *reasons)
{
	for (size_t i = 0; i < n; i++) {
		result_init(&each[i], NULL, T0 + 5 + (int64_t)i);
		each[i].address = xasprintf("192.0.2.%zu", i + 1);
		each[i].timings[PHASE_TOTAL] = 10.0 * (double)(i + 1);
		each[i].memory = xasprintf("mem%zu", i + 1);
		if (reasons[i] != REASON_OK)
			result_flag(&each[i], reasons[i], "failure %zu", i + 1);
	}
}

static void
every_case_gets_its_verdict(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct result each[NA], r;
		int total, ok;

		fill(each, cases[c].n, cases[c].each);
		result_init(&r, NULL, T0);
		result_combine_addresses(&r, each, cases[c].n);
		if (r.status != cases[c].want || r.reason != cases[c].want_reason)
			fail_msg("%s: got %s/%s", cases[c].what, status_names[r.status],
			    reason_names[r.reason]);
		ok = result_addresses_healthy(r.details, &total);
		if (ok != cases[c].healthy)
			fail_msg("%s: %d healthy, want %d", cases[c].what, ok, cases[c].healthy);
		if (cases[c].n > 1) {
			assert_int_equal(total, (int)cases[c].n);
			assert_int_equal(r.n_addrs, cases[c].n);
			for (size_t i = 0; i < cases[c].n; i++) {
				/* Each keeps its address and its own verdict, in the slot's time. */
				assert_non_null(r.addrs[i].address);
				assert_int_equal(r.addrs[i].status, reason_status(cases[c].each[i]));
				assert_int_equal(r.addrs[i].time_ms, T0);
				assert_null(r.addrs[i].memory);
				assert_null(r.addrs[i].addrs);
			}
			assert_int_equal(r.time_ms, T0);
			assert_non_null(r.memory);	/* one memory, the first healthy's */
		}
		if (cases[c].msg_has != NULL && (r.message == NULL ||
		    strstr(r.message, cases[c].msg_has) == NULL))
			fail_msg("%s: message \"%s\" lacks \"%s\"", cases[c].what,
			    r.message ? r.message : "(null)", cases[c].msg_has);
		result_clear(&r);
		for (size_t i = 0; i < cases[c].n; i++)
			result_clear(&each[i]);	/* emptied by the move: a no-op */
	}
}

static void
degraded_takes_a_healthy_address_timings_and_memory(void **state)
{
	struct result each[3], r;
	const enum reason rs[3] = { REASON_CONNECT, REASON_OK, REASON_OK };

	(void)state;
	fill(each, 3, rs);
	result_init(&r, NULL, T0);
	result_combine_addresses(&r, each, 3);
	assert_true(r.timings[PHASE_TOTAL] == 20.0);
	assert_string_equal(r.memory, "mem2");
	assert_non_null(detail_get_list(r.details, DETAIL_ADDRESSES));
	result_clear(&r);
}

static void
no_addresses_listed_is_minus_one(void **state)
{
	json_t *d = json_object();
	int total = 7;

	(void)state;
	assert_int_equal(result_addresses_healthy(d, &total), -1);
	assert_int_equal(total, 0);
	assert_int_equal(result_addresses_healthy(NULL, NULL), -1);
	json_decref(d);
}

/* A node's endpoint verdict (combined first) is what the quorum sees. */
static void
combined_node_verdicts_feed_the_quorum(void **state)
{
	struct result a, b, ea[3], eb[3];
	const enum reason ra[3] = { REASON_OK, REASON_CONNECT, REASON_OK };
	const enum reason rb[3] = { REASON_OK, REASON_OK, REASON_OK };
	struct quorum_view v[2];
	struct quorum_result q;

	(void)state;
	fill(ea, 3, ra);
	fill(eb, 3, rb);
	result_init(&a, NULL, T0);
	result_init(&b, NULL, T0);
	result_combine_addresses(&a, ea, 3);
	result_combine_addresses(&b, eb, 3);
	v[0] = (struct quorum_view){ "a", T0, a.status, a.reason, true };
	v[1] = (struct quorum_view){ "b", T0, b.status, b.reason, true };
	quorum_verdict(v, 2, 2, T0, 60000, &q);
	/* One node lost an address, the other did not: degraded reaches no quorum of 2... */
	assert_int_not_equal(q.verdict, VERDICT_DOWN);
	/* ...and with both nodes seeing it lost, the verdict is degraded. */
	v[1] = v[0];
	v[1].node = "b";
	quorum_verdict(v, 2, 2, T0, 60000, &q);
	assert_int_equal(q.verdict, VERDICT_DEGRADED);
	assert_int_equal(a.reason, REASON_REDUNDANCY_LOST);
	result_clear(&a);
	result_clear(&b);
}

static void
literals_are_never_resolved(void **state)
{
	(void)state;
	assert_true(resolve_is_literal("127.0.0.1"));
	assert_true(resolve_is_literal("::1"));
	assert_true(resolve_is_literal("[2001:db8::1]"));
	assert_false(resolve_is_literal("ocsp.luxtrust.lu"));
	assert_false(resolve_is_literal("127.0.0"));
	assert_false(resolve_is_literal("[127.0.0.1]"));
	assert_false(resolve_is_literal(""));
	assert_false(resolve_is_literal(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_case_gets_its_verdict),
		cmocka_unit_test(degraded_takes_a_healthy_address_timings_and_memory),
		cmocka_unit_test(no_addresses_listed_is_minus_one),
		cmocka_unit_test(combined_node_verdicts_feed_the_quorum),
		cmocka_unit_test(literals_are_never_resolved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
