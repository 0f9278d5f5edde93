/*
 * Wall-clock sanity for the daemon (SPEC §9 "Clocks"): the wall clock is checked against
 * CLOCK_MONOTONIC, so a jump is noticed and pruning never trusts a forward jump. Pure
 * functions of the readings given: the caller reads now_ms() and mono_ms().
 */
#ifndef TW_WALLCLOCK_H
#define TW_WALLCLOCK_H

#include <stdint.h>

/* A jump smaller than this (ms) per check is drift or slewing, not a jump. */
#define WALLCLOCK_JUMP_MS	2000

struct wallclock {
	int64_t		 wall0, mono0;	/* at start */
	int64_t		 wall, mono;	/* at the last check */
};

void wallclock_init(struct wallclock *, int64_t wall, int64_t mono);

/*
 * Records a new reading. Returns how far the wall clock moved beyond (> 0) or short of
 * (< 0) the monotonic clock since the last reading; |result| >= WALLCLOCK_JUMP_MS is a jump.
 */
int64_t wallclock_step(struct wallclock *, int64_t wall, int64_t mono);

/*
 * The "now" pruning may use: the earlier of the wall clock and the wall clock at start plus
 * the monotonic time since, so only what aged out on both clocks is deleted; a forward
 * jump deletes nothing early, a backward one only delays pruning.
 */
int64_t wallclock_prune_now(const struct wallclock *, int64_t wall, int64_t mono);

#endif
