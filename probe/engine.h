/*
 * The probe engine: runs probes concurrently with libcurl's multi-socket API on a
 * libevent base (no polling loop, no thread per probe), bounded by max_concurrent.
 * Each probe uses a fresh connection. Transport failures are mapped to dns, connect,
 * tls, timeout, too_large, http_status (redirects) before a kind sees the response;
 * after the kind's evaluation the engine adds tls_expiring (tls_min_days) and slow
 * (degraded_after) and fills timings and the login-style details (tls_days_left,
 * tls_not_after, redirects: always for login, for other kinds when > 0).
 * Timings of a probe with several requests (OIDC: discovery then JWKS): dns, connect,
 * tls and ttfb of the first request, total = the sum of every request's total.
 * tls_days_left is for the earliest-expiring leaf certificate seen over all requests
 * and redirect hops.
 */
#ifndef TW_ENGINE_H
#define TW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

struct event_base;
struct engine;

/*
 * Called once per finished probe with the result, owned by the engine and valid only
 * during the call (use result_move to keep it). Always called from the event loop,
 * or from engine_cancel_all/engine_free; never from inside engine_submit.
 * It may submit more probes; it must not call engine_free.
 */
typedef void engine_done_fn(struct result *r, void *arg);

/*
 * Initialises the HTTP transport (libcurl) for the process; call once from main
 * before any thread exists. Idempotent. Returns 0 or -1.
 */
int probe_global_init(void);

/*
 * Frees the calling thread's probe caches (parsed certificates, printed names, OCSP
 * request templates, curl handles, trust store): a probe thread's last call (probe/pool.c).
 * The caches are per thread, so probes on several threads share none of them.
 */
void probe_thread_clear(void);

/* The host of an endpoint URL when it is a name to resolve (caller frees), else NULL. */
char *engine_url_name(const char *url);

/* Returns a new engine on base (borrowed, must outlive the engine). */
struct engine *engine_new(struct event_base *base, int max_concurrent);

/*
 * Queues a probe of ep (borrowed, must outlive the probe); in is copied.
 * done is called from the event loop when the probe finishes or is cancelled.
 * Returns 0, or -1 when the probe could not be queued.
 */
int engine_submit(struct engine *, const struct conf_endpoint *ep,
    const struct probe_input *in, engine_done_fn *done, void *arg);

/*
 * Same as engine_submit with an explicit kind table instead of ep->kind's
 * (tests, and kinds not in the registry). ops is borrowed and must outlive the probe.
 */
int engine_submit_ops(struct engine *, const struct conf_endpoint *ep,
    const struct probe_ops *ops, const struct probe_input *in, engine_done_fn *done, void *arg);

/* Number of probes queued or running. O(1). */
size_t engine_pending(const struct engine *);

/* Number of probes running (never more than max_concurrent). O(1). */
size_t engine_running(const struct engine *);

/*
 * Returns 1 if a probe of ep is queued or running. O(1) expected, whatever the number
 * of probes queued or running (a count per endpoint pointer, kept at submit and end).
 */
int engine_busy(const struct engine *, const struct conf_endpoint *ep);

/* Table slots engine_busy has examined since engine_new (tests: the cost per call). */
uint64_t engine_busy_steps(const struct engine *);

/*
 * Cancels every queued probe that has not started (done is called with reason internal,
 * "cancelled before it started", before this returns); running ones go on.
 * Returns how many were cancelled.
 */
size_t engine_cancel_queued(struct engine *);

/*
 * Cancels every queued and running probe; each done is called with reason internal
 * ("cancelled") before this returns. done may submit again, but must not free the engine.
 */
void engine_cancel_all(struct engine *);

/* Cancels everything, then frees. engine_free(NULL) is a no-op. */
void engine_free(struct engine *);

/*
 * Runs eps[0..n) once, concurrently, on a private event base and waits for all.
 * results[i] (initialised by this function, caller clears) receives eps[i]'s result.
 * inputs may be NULL. Returns 0, or -1 on a setup failure.
 */
int probe_run_once(const struct conf_endpoint *const *eps, const struct probe_input *inputs,
    size_t n, int max_concurrent, struct result *results);

#endif
