/*
 * The scheduler: when each endpoint is due.
 * Every endpoint runs on its own grid of slots, k * interval + offset (epoch ms), where
 * offset is a stable hash of provider/endpoint mod interval: starts are spread (10,000
 * endpoints with one interval do not fire in the same second), the grid survives restarts
 * and reloads, and the next due time is computed from the previous one, never from "now",
 * so nothing drifts. A slot missed by more than an interval is skipped, not caught up.
 * One libevent timer for them all (a heap of the endpoints' slots beneath it); no polling
 * loop, no threads.
 * A probe still running at its next slot is not started twice: the slot is skipped.
 */
#ifndef TW_SCHED_H
#define TW_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct conf;
struct conf_endpoint;
struct sched;

/* Returns the offset of provider/endpoint in [0, interval_ms) (FNV-1a; stable forever). */
int64_t sched_offset(const char *provider, const char *endpoint, int64_t interval_ms);

/* Returns the first slot of the grid (interval, offset) strictly after now_ms. */
int64_t sched_first_due(int64_t now_ms, int64_t interval_ms, int64_t offset_ms);

/*
 * Returns the slot after prev_due_ms: prev + interval, or, when that is already at or
 * before now_ms (the loop was late by an interval or more), the first slot after now_ms.
 */
int64_t sched_next_due(int64_t prev_due_ms, int64_t interval_ms, int64_t now_ms);

/*
 * Called at each due slot of ep (borrowed from the config last given to sched_load).
 * Returns 1 when a probe was started (the endpoint is then busy until sched_done),
 * 0 when nothing was started.
 */
typedef int sched_due_fn(const struct conf_endpoint *ep, int64_t due_ms, void *arg);

/* Called when a slot is skipped because the endpoint's previous probe still runs. */
typedef void sched_skip_fn(const struct conf_endpoint *ep, int64_t due_ms, void *arg);

/*
 * Calls due lead_ms before each slot instead of at it (due_ms still the slot): for a caller
 * that hands the probe to a thread which starts it at the slot itself (probe/pool.h
 * pool_submit_at), so that the caller's loop being held up to lead_ms delays nothing.
 * A slot is then skipped when the previous probe still runs lead_ms before it. Default 0.
 */
void sched_set_lead(struct sched *, int64_t lead_ms);

/* Returns a scheduler on base (borrowed, must outlive it) with no endpoints. */
struct sched *sched_new(struct event_base *base, sched_due_fn *due, sched_skip_fn *skip,
    void *arg);

/*
 * Schedules every endpoint of c (borrowed until the next sched_load or sched_free, names
 * included). The previous config must still be loaded during the call: the endpoints
 * kept from it, found by name, keep their busy state; new ones start at their next slot;
 * removed ones are forgotten (their running probe's sched_done is ignored).
 */
void sched_load(struct sched *, const struct conf *c, int64_t now_ms);

/* Marks provider/endpoint idle again (its probe finished). Unknown names are ignored. */
void sched_done(struct sched *, const char *provider, const char *endpoint);

/* Stops every timer; sched_load starts them again. */
void sched_stop(struct sched *);

/* Number of endpoints scheduled. */
size_t sched_count(const struct sched *);

/* Number of slots skipped because a probe was still running, since sched_new. */
uint64_t sched_skipped(const struct sched *);

/* Stops and frees; sched_free(NULL) is a no-op. */
void sched_free(struct sched *);

#endif
