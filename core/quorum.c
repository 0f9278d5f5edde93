/* The quorum verdict of several vantage nodes (SPEC §11). */
#include "quorum.h"

static bool
fresh(const struct quorum_view *v, int64_t now_ms, int64_t interval_ms)
{
	return v->live && v->time_ms >= 0 && v->time_ms >= now_ms - 2 * interval_ms;
}

void
quorum_verdict(const struct quorum_view *views, size_t n, int quorum, int64_t now_ms,
    int64_t interval_ms, struct quorum_result *out)
{
	int live = 0, count[STATUS__MAX] = { 0 }, first[STATUS__MAX] = { -1, -1, -1 };
	int need;

	out->fresh = 0;
	for (size_t i = 0; i < n; i++) {
		if (views[i].live)
			live++;
		if (!fresh(&views[i], now_ms, interval_ms) || views[i].status >= STATUS__MAX)
			continue;
		out->fresh++;
		count[views[i].status]++;
		if (first[views[i].status] < 0)
			first[views[i].status] = (int)i;
	}
	need = quorum > 0 ? quorum : live / 2 + 1;
	out->needed = need;
	if (count[STATUS_DOWN] >= need) {
		out->verdict = VERDICT_DOWN;
		out->agree = count[STATUS_DOWN];
		out->representative = first[STATUS_DOWN];
	} else if (count[STATUS_DOWN] + count[STATUS_DEGRADED] >= need) {
		out->verdict = VERDICT_DEGRADED;
		out->agree = count[STATUS_DOWN] + count[STATUS_DEGRADED];
		out->representative = first[STATUS_DEGRADED] >= 0 ? first[STATUS_DEGRADED] :
		    first[STATUS_DOWN];
	} else if (count[STATUS_UP] >= need) {
		out->verdict = VERDICT_UP;
		out->agree = count[STATUS_UP];
		out->representative = first[STATUS_UP];
	} else {
		out->verdict = VERDICT_UNKNOWN;
		out->agree = 0;
		out->representative = -1;
	}
}

bool
quorum_is_minority(const struct quorum_view *v, const struct quorum_result *r, int64_t now_ms,
    int64_t interval_ms)
{
	if (!fresh(v, now_ms, interval_ms))
		return false;
	if (r->verdict == VERDICT_UNKNOWN)
		return v->status != STATUS_UP;
	return (int)v->status != (int)r->verdict;
}
