/*
 * The quorum verdict of several vantage nodes (SPEC §11), pure: each live node's newest
 * result of an endpoint in, the endpoint's verdict and the minority out.
 */
#ifndef TW_QUORUM_H
#define TW_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* One node's newest result of the endpoint. */
struct quorum_view {
	const char	*node;
	int64_t		 time_ms;	/* of its newest result; < 0 = none */
	enum status	 status;
	enum reason	 reason;
	bool		 live;		/* the node has written within 2 x the shortest interval */
};

enum quorum_verdict {
	VERDICT_UP = STATUS_UP,
	VERDICT_DEGRADED = STATUS_DEGRADED,
	VERDICT_DOWN = STATUS_DOWN,
	VERDICT_UNKNOWN,		/* too few fresh results: not observed */
};

struct quorum_result {
	enum quorum_verdict verdict;
	int		 needed;	/* the quorum applied */
	int		 fresh;		/* live nodes with a result not older than 2 x interval */
	int		 agree;		/* of those, how many back the verdict */
	int		 representative; /* index of a view backing the verdict (its reason and
					   message stand for it), -1 when unknown */
};

/*
 * The verdict at now_ms of an endpoint probed every interval_ms, from n views.
 * quorum 0 = a majority of the live nodes. A view is fresh when its node is live and its
 * result is not older than 2 x interval. Down when at least the quorum of fresh views are
 * down; degraded when at least the quorum are down or degraded; up when at least the
 * quorum are up; otherwise unknown.
 */
void quorum_verdict(const struct quorum_view *views, size_t n, int quorum, int64_t now_ms,
    int64_t interval_ms, struct quorum_result *out);

/* Whether view v disagrees with the verdict (a minority view: "seen down from lu-2 only"). */
bool quorum_is_minority(const struct quorum_view *v, const struct quorum_result *r,
    int64_t now_ms, int64_t interval_ms);

#endif
