/* Wall-clock checks against the monotonic clock (see wallclock.h). */
#include "wallclock.h"

void
wallclock_init(struct wallclock *c, int64_t wall, int64_t mono)
{
	c->wall0 = c->wall = wall;
	c->mono0 = c->mono = mono;
}

int64_t
wallclock_step(struct wallclock *c, int64_t wall, int64_t mono)
{
	int64_t jump = (wall - c->wall) - (mono - c->mono);

	c->wall = wall;
	c->mono = mono;
	return jump;
}

int64_t
wallclock_prune_now(const struct wallclock *c, int64_t wall, int64_t mono)
{
	int64_t by_mono = c->wall0 + (mono - c->mono0);

	return wall < by_mono ? wall : by_mono;
}
