/*
 * What the public record says about the vantage nodes (SPEC §11): the node table (id,
 * location, last heard, live, leader, results in the last 24 h) and, per configured
 * endpoint, each node's newest result with the quorum verdict and the minority.
 * One collector for `trustwatch nodes`, the site, the API and /metrics.
 */
#ifndef TW_REPORT_VANTAGE_H
#define TW_REPORT_VANTAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/quorum.h"
#include "../core/result.h"

struct conf;
struct store;

struct report_node {
	char		*id;			/* owned */
	char		*location;		/* owned, "" when none */
	int64_t		 last_seen_ms;		/* its last heartbeat */
	int64_t		 started_ms;
	bool		 leader;
	bool		 live;			/* heard within report_node_live_ms */
	int64_t		 results_24h;
};

/* One node's newest result of an endpoint. */
struct report_node_view {
	char		*node;			/* owned */
	int64_t		 time_ms;
	enum status	 status;
	enum reason	 reason;
	char		*message;		/* owned; NULL when none */
	bool		 live;			/* its node is live */
	bool		 fresh;			/* live, and not older than 2 x the interval */
	bool		 minority;		/* disagrees with the verdict (quorum_is_minority) */
};

struct report_vantage_ep {
	const char		*provider, *endpoint;	/* borrowed from the config */
	struct report_node_view	*views;		/* by node id; owned */
	size_t			 n_views;
	struct quorum_result	 q;		/* the verdict of the fresh views */
	size_t			 n_minority;
};

struct report_vantage {
	int64_t			 now_ms;
	int64_t			 live_ms;	/* 2 x the shortest configured interval */
	int			 quorum;	/* as configured: 0 = a majority of the live nodes */
	struct report_node	*nodes;		/* by id */
	size_t			 n_nodes;
	size_t			 n_live;
	struct report_vantage_ep *eps;		/* every configured endpoint, config order */
	size_t			 n_eps;
};

/* 2 x the shortest endpoint interval of c (its default interval when none): live window. */
int64_t report_node_live_ms(const struct conf *c);

/*
 * Fills v from st at now for c (c must outlive v): the nodes, and with eps set, each
 * endpoint's per-node view (results since now - 2 x its longest interval; results of no
 * node, stored before there were nodes, are left out).
 * Returns 0, or -1 on a store error (v is then empty). Free with report_vantage_free.
 */
int report_vantage_collect(const struct conf *c, struct store *st, int64_t now, bool eps,
    struct report_vantage *v);
void report_vantage_free(struct report_vantage *);	/* NULL and an empty v are fine */

/* The endpoint's entry, or NULL. */
const struct report_vantage_ep *report_vantage_find(const struct report_vantage *,
    const char *provider, const char *endpoint);

/* Several nodes write to this store: the per-node view means something. */
bool report_vantage_several(const struct report_vantage *);

#endif
