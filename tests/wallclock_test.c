/* Wall clock against the monotonic clock: jumps noticed, pruning never trusts a forward jump. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "daemon/wallclock.h"

#define T0	1796086800000LL		/* wall clock at start */
#define M0	5000LL			/* monotonic clock at start */
#define HOUR	3600000LL
#define DAY	(24 * HOUR)

static void
steady_clocks_show_no_jump(void **state)
{
	struct wallclock c;

	(void)state;
	wallclock_init(&c, T0, M0);
	assert_int_equal(wallclock_step(&c, T0 + 1000, M0 + 1000), 0);
	/* Slewing by NTP is a few ms, far below a jump. */
	assert_true(wallclock_step(&c, T0 + 2003, M0 + 2000) < WALLCLOCK_JUMP_MS);
}

static void
a_jump_either_way_is_measured_against_the_monotonic_clock(void **state)
{
	struct wallclock c;

	(void)state;
	wallclock_init(&c, T0, M0);
	assert_int_equal(wallclock_step(&c, T0 + 1000 - 2 * HOUR, M0 + 1000), -2 * HOUR);
	assert_int_equal(wallclock_step(&c, T0 + 2000 - 2 * HOUR, M0 + 2000), 0);
	assert_int_equal(wallclock_step(&c, T0 + 3000 + 401 * DAY, M0 + 3000), 401 * DAY + 2 * HOUR);
}

/* Issue 13: a forward jump of 401 days across the hourly prune deleted every raw result. */
static void
a_forward_jump_never_ages_results_out_early(void **state)
{
	struct wallclock c;
	int64_t now;

	(void)state;
	wallclock_init(&c, T0, M0);
	now = wallclock_prune_now(&c, T0 + HOUR + 401 * DAY, M0 + HOUR);
	assert_int_equal(now, T0 + HOUR);
}

static void
a_backward_jump_only_delays_pruning(void **state)
{
	struct wallclock c;

	(void)state;
	wallclock_init(&c, T0, M0);
	assert_int_equal(wallclock_prune_now(&c, T0 + HOUR - 2 * HOUR, M0 + HOUR), T0 - HOUR);
	/* Steady clocks: the wall clock itself. */
	assert_int_equal(wallclock_prune_now(&c, T0 + 90 * DAY, M0 + 90 * DAY), T0 + 90 * DAY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steady_clocks_show_no_jump),
		cmocka_unit_test(a_jump_either_way_is_measured_against_the_monotonic_clock),
		cmocka_unit_test(a_forward_jump_never_ages_results_out_early),
		cmocka_unit_test(a_backward_jump_only_delays_pruning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
