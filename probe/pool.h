/*
 * Probes on several threads (issue 22: 100,000 endpoints on two cores).
 *
 * A pool is the daemon's engine: with 0 workers it is one engine on the caller's loop,
 * exactly as before; with N workers each runs its own engine on its own event loop in its
 * own thread, and the caller's loop keeps the schedule, the store, incidents and alerts.
 * The calls mirror engine.h and are made from the caller's thread only; every done
 * callback runs there too, never on a worker.
 */
#ifndef TW_POOL_H
#define TW_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct event_base;
struct pool;

/* The most workers a configuration may ask for. */
#define POOL_MAX_WORKERS	64

/*
 * A pool on base running at most max_concurrent probes at once (over all workers).
 * Returns NULL when a loop, an engine or a thread cannot be made.
 */
struct pool *pool_new(struct event_base *base, int workers, int max_concurrent);

int	pool_workers(const struct pool *);

/* As engine_submit / engine_submit_ops; done runs on the caller's loop. */
int	pool_submit(struct pool *, const struct conf_endpoint *ep,
    const struct probe_input *in, engine_done_fn *done, void *arg);
int	pool_submit_ops(struct pool *, const struct conf_endpoint *ep,
    const struct probe_ops *ops, const struct probe_input *in, engine_done_fn *done,
    void *arg);

/*
 * As pool_submit(_ops), the probe started not before not_before_ms (wall clock): a worker
 * holds it on its own loop until then, so that its start does not wait on the caller's loop
 * (daemon/sched.h sched_set_lead). Without workers the time is ignored: it starts now.
 * A held probe counts as handed over (pool_running).
 */
int	pool_submit_at(struct pool *, const struct conf_endpoint *ep,
    const struct probe_input *in, int64_t not_before_ms, engine_done_fn *done, void *arg);
int	pool_submit_ops_at(struct pool *, const struct conf_endpoint *ep,
    const struct probe_ops *ops, const struct probe_input *in, int64_t not_before_ms,
    engine_done_fn *done, void *arg);

/* Submitted and not yet done; of those, handed to a worker (or started). */
size_t	pool_pending(const struct pool *);
size_t	pool_running(const struct pool *);

/* Whether ep has a probe pending. */
int	pool_busy(const struct pool *, const struct conf_endpoint *ep);

/* Ends every probe not yet handed to a worker ("cancelled before it started"). */
size_t	pool_cancel_queued(struct pool *);

/*
 * Ends every pending probe ("cancelled"), their done callbacks called before it returns:
 * the workers cancel theirs and the caller waits for them (at stop only).
 */
void	pool_cancel_all(struct pool *);

/* Cancels everything, stops and joins the workers. */
void	pool_free(struct pool *);

#endif
