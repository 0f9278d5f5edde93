/*
 * Probes on several threads: see pool.h.
 *
 * The caller's thread (main) owns the queue of probes not yet handed over, the count of
 * probes per endpoint (pool_busy) and every done callback. A probe goes to the worker
 * with the fewest in flight; each worker runs at most its share of max_concurrent and is
 * handed at most twice that (the rest held for their time or waiting in its engine's
 * queue): what waits beyond, waits in main, where pool_cancel_queued finds it. Hand-over in both directions is a mutex-held list plus an eventfd the other
 * thread's loop watches: main appends to a worker's inbox, the worker submits to its own
 * engine (probe/engine.c, unchanged) and appends each result to the pool's outbox, which
 * main delivers. The eventfd is written only when a list goes from empty to not empty:
 * the reader reads the eventfd before it takes the list, so no append is missed.
 *
 * What the probes share across threads is read-only (the configuration, which the
 * caller keeps alive until done runs) or thread-safe (OpenSSL 3, libcurl after
 * curl_global_init, malloc, stdio); the probe code's caches are per thread
 * (_Thread_local: certcache, OCSP request templates and printed names, curl handles,
 * header lists, the posture trust store), each worker freeing its own at its end
 * (probe_thread_clear). Worker threads block every signal: they stay the main loop's.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "pool.h"
#include "tl.h"
#include "../core/log.h"
#include "../core/ptrcount.h"
#include "../core/util.h"

struct pjob {
	TAILQ_ENTRY(pjob) link;
	const struct conf_endpoint *ep;		/* kept alive by the caller until done */
	const struct probe_ops *ops;
	char		*memory, *peer_memory;	/* owned copies of the input */
	engine_done_fn	*done;
	void		*arg;
	struct worker	*w;			/* NULL while queued in main */
	int64_t		 not_before;		/* wall ms: the worker starts it then */
	struct event	*hold;			/* worker: waiting for not_before */
	struct result	 r;			/* set by the worker */
};
TAILQ_HEAD(pjobq, pjob);

enum { CMD_NONE, CMD_CANCEL, CMD_STOP };

struct worker {
	struct pool	*pool;
	pthread_t	 thread;
	bool		 started;		/* its lock, cond and fd to be torn down */
	bool		 threaded;		/* its thread runs */
	int		 wake_fd;		/* eventfd: main -> worker */
	struct event_base *base;		/* the worker's loop */
	struct event	*wake_ev;
	struct engine	*eng;			/* on base */
	pthread_mutex_t	 lock;			/* inbox, cmd */
	pthread_cond_t	 cond;			/* cmd back to CMD_NONE */
	struct pjobq	 inbox;
	int		 cmd;
	struct pjobq	 held;			/* worker only: waiting for their time */
	int		 inflight;		/* main only: handed over, not yet delivered */
};

struct pool {
	struct event_base *base;		/* the caller's */
	struct engine	*eng;			/* 0 workers: probes on base */
	int		 nworkers;
	int		 share;			/* probes running per worker, at most */
	int		 handover;		/* handed to a worker and not back, at most */
	struct worker	*w;
	int		 done_fd;		/* eventfd: workers -> main */
	struct event	*done_ev;
	pthread_mutex_t	 lock;			/* outbox */
	struct pjobq	 outbox;
	/* main only */
	struct pjobq	 queue;			/* not yet handed over, FIFO */
	size_t		 nqueued, pending, running;
	struct ptrcount	 busy;			/* pending probes per endpoint */
};

static void
pjob_free(struct pjob *pj)
{
	result_clear(&pj->r);
	free(pj->memory);
	free(pj->peer_memory);
	free(pj);
}

/* Adds one to an eventfd: the reader's loop wakes. */
static void
wake(int fd)
{
	uint64_t one = 1;

	while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* Empties an eventfd (non-blocking). */
static void
drain_fd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
}

/* --- the worker's thread -------------------------------------------------------------- */

/* A probe ended on a worker: its result goes to main. */
static void
worker_done(struct result *r, void *arg)
{
	struct pjob *pj = arg;
	struct pool *pool = pj->w->pool;
	bool was_empty;

	result_init(&pj->r, r->ep, r->time_ms);
	result_move(&pj->r, r);
	pthread_mutex_lock(&pool->lock);
	was_empty = TAILQ_EMPTY(&pool->outbox);
	TAILQ_INSERT_TAIL(&pool->outbox, pj, link);
	pthread_mutex_unlock(&pool->lock);
	if (was_empty)
		wake(pool->done_fd);
}

/* Ends pj on its worker with an internal reason why, without running it. */
static void
worker_end(struct pjob *pj, const char *why)
{
	struct result r;

	result_init(&r, pj->ep, now_ms());
	result_flag(&r, REASON_INTERNAL, "%s", why);
	worker_done(&r, pj);
	result_clear(&r);
}

/* Starts pj on w's engine. */
static void
worker_submit(struct worker *w, struct pjob *pj)
{
	struct probe_input in = { .memory = pj->memory, .peer_memory = pj->peer_memory };

	if (engine_submit_ops(w->eng, pj->ep, pj->ops, &in, worker_done, pj) != 0)
		worker_end(pj, "the probe could not be queued");
}

static void worker_take(struct worker *, struct pjob *);

/*
 * A held probe's time came. The timer runs on the monotonic clock, not_before on the wall
 * clock, in whole ms: it may come a ms early, and a probe never starts before its time.
 */
static void
hold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pjob *pj = arg;
	struct worker *w = pj->w;

	(void)fd; (void)what;
	TAILQ_REMOVE(&w->held, pj, link);
	event_free(pj->hold);
	pj->hold = NULL;
	worker_take(w, pj);		/* starts it, or holds it again if it came early */
}

/* Starts pj now, or holds it on a timer until its not_before. */
static void
worker_take(struct worker *w, struct pjob *pj)
{
	int64_t wait = pj->not_before - now_ms();
	struct timeval tv;

	if (wait <= 0) {
		worker_submit(w, pj);
		return;
	}
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	if ((pj->hold = evtimer_new(w->base, hold_cb, pj)) == NULL ||
	    evtimer_add(pj->hold, &tv) != 0) {
		if (pj->hold != NULL)
			event_free(pj->hold);
		pj->hold = NULL;
		worker_submit(w, pj);		/* at once rather than never */
		return;
	}
	TAILQ_INSERT_TAIL(&w->held, pj, link);
}

/* Ends every held probe ("cancelled"). */
static void
worker_cancel_held(struct worker *w)
{
	struct pjob *pj;

	while ((pj = TAILQ_FIRST(&w->held)) != NULL) {
		TAILQ_REMOVE(&w->held, pj, link);
		event_free(pj->hold);
		pj->hold = NULL;
		worker_end(pj, "cancelled");
	}
}

/* Main handed over probes or a command. */
static void
worker_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct pjobq got = TAILQ_HEAD_INITIALIZER(got);
	struct pjob *pj;
	int cmd;

	(void)what;
	drain_fd(fd);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&got, &w->inbox, link);
	cmd = w->cmd;
	pthread_mutex_unlock(&w->lock);
	while ((pj = TAILQ_FIRST(&got)) != NULL) {
		TAILQ_REMOVE(&got, pj, link);
		worker_take(w, pj);
	}
	if (cmd == CMD_NONE)
		return;
	worker_cancel_held(w);
	if (cmd == CMD_CANCEL)
		engine_cancel_all(w->eng);	/* each result to the outbox */
	else
		event_base_loopbreak(w->base);
	pthread_mutex_lock(&w->lock);
	w->cmd = CMD_NONE;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	worker_cancel_held(w);		/* nothing left: main cancelled first */
	engine_free(w->eng);
	w->eng = NULL;
	probe_thread_clear();
	return NULL;
}

/* --- main's side ----------------------------------------------------------------------- */

/* The worker with the fewest probes in flight and room for one more, or NULL. */
static struct worker *
pick(struct pool *pool)
{
	struct worker *best = NULL;

	for (int i = 0; i < pool->nworkers; i++) {
		struct worker *w = &pool->w[i];

		if (w->inflight < pool->handover &&
		    (best == NULL || w->inflight < best->inflight))
			best = w;
	}
	return best;
}

/* Hands queued probes to workers while any has room. */
static void
feed(struct pool *pool)
{
	struct pjobq batch[POOL_MAX_WORKERS];
	struct worker *w;
	struct pjob *pj;
	bool was_empty;

	if (TAILQ_EMPTY(&pool->queue))
		return;
	for (int i = 0; i < pool->nworkers; i++)
		TAILQ_INIT(&batch[i]);
	while ((pj = TAILQ_FIRST(&pool->queue)) != NULL && (w = pick(pool)) != NULL) {
		TAILQ_REMOVE(&pool->queue, pj, link);
		pool->nqueued--;
		pj->w = w;
		w->inflight++;
		pool->running++;
		TAILQ_INSERT_TAIL(&batch[w - pool->w], pj, link);
	}
	for (int i = 0; i < pool->nworkers; i++) {
		if (TAILQ_EMPTY(&batch[i]))
			continue;
		w = &pool->w[i];
		pthread_mutex_lock(&w->lock);
		was_empty = TAILQ_EMPTY(&w->inbox);
		TAILQ_CONCAT(&w->inbox, &batch[i], link);
		pthread_mutex_unlock(&w->lock);
		if (was_empty)
			wake(w->wake_fd);
	}
}

/* Ends pj on main: its counts, then its done callback. */
static void
deliver(struct pool *pool, struct pjob *pj)
{
	if (pj->w != NULL) {
		pj->w->inflight--;
		pool->running--;
	}
	pool->pending--;
	ptrcount_del(&pool->busy, pj->ep);
	if (pj->done != NULL)
		pj->done(&pj->r, pj->arg);
	pjob_free(pj);
}

/* Delivers every result the workers sent. */
static void
collect(struct pool *pool)
{
	struct pjobq got = TAILQ_HEAD_INITIALIZER(got);
	struct pjob *pj;

	drain_fd(pool->done_fd);
	pthread_mutex_lock(&pool->lock);
	TAILQ_CONCAT(&got, &pool->outbox, link);
	pthread_mutex_unlock(&pool->lock);
	while ((pj = TAILQ_FIRST(&got)) != NULL) {
		TAILQ_REMOVE(&got, pj, link);
		deliver(pool, pj);
	}
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pool *pool = arg;

	(void)fd; (void)what;
	collect(pool);
	feed(pool);
}

/* Sends cmd to w and waits until the worker has carried it out. */
static void
command(struct worker *w, int cmd)
{
	pthread_mutex_lock(&w->lock);
	w->cmd = cmd;
	pthread_mutex_unlock(&w->lock);
	wake(w->wake_fd);
	pthread_mutex_lock(&w->lock);
	while (w->cmd != CMD_NONE)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static int
worker_start(struct pool *pool, struct worker *w, int share)
{
	sigset_t all, old;
	int rc;

	w->pool = pool;
	w->wake_fd = -1;
	TAILQ_INIT(&w->inbox);
	TAILQ_INIT(&w->held);
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->cond, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->started = true;	/* from here pool_free tears it down */
	if ((w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (w->base = event_base_new()) == NULL ||
	    (w->wake_ev = event_new(w->base, w->wake_fd, EV_READ | EV_PERSIST, worker_wake_cb,
	    w)) == NULL || event_add(w->wake_ev, NULL) != 0 ||
	    (w->eng = engine_new(w->base, share)) == NULL)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	w->threaded = true;
	return 0;
}

struct pool *
pool_new(struct event_base *base, int workers, int max_concurrent)
{
	struct pool *pool;

	if (base == NULL || workers < 0 || workers > POOL_MAX_WORKERS)
		return NULL;
	if (max_concurrent < 1)
		max_concurrent = 1;
	pool = xcalloc(1, sizeof(*pool));
	pool->base = base;
	pool->done_fd = -1;
	TAILQ_INIT(&pool->queue);
	TAILQ_INIT(&pool->outbox);
	if (workers == 0) {
		if ((pool->eng = engine_new(base, max_concurrent)) == NULL) {
			free(pool);
			return NULL;
		}
		return pool;
	}
	/* The process-wide initialisations, once, before any thread probes. */
	if (probe_global_init() != 0 || pthread_mutex_init(&pool->lock, NULL) != 0) {
		free(pool);
		return NULL;
	}
	(void)tl_xmlsec_init();		/* a failure is each tl probe's to report */
	pool->share = (max_concurrent + workers - 1) / workers;
	/*
	 * Twice as many handed over as may run: a probe held for its slot (pool_submit_at) or
	 * waiting for a slot of its thread's engine takes none of the running ones.
	 */
	pool->handover = 2 * pool->share;
	pool->w = xcalloc((size_t)workers, sizeof(*pool->w));
	if ((pool->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (pool->done_ev = event_new(base, pool->done_fd, EV_READ | EV_PERSIST, done_cb,
	    pool)) == NULL || event_add(pool->done_ev, NULL) != 0)
		goto fail;
	for (int i = 0; i < workers; i++) {
		pool->nworkers = i + 1;
		if (worker_start(pool, &pool->w[i], pool->share) != 0)
			goto fail;
	}
	log_info("probe threads started", "workers=%d probes_each=%d", workers, pool->share);
	return pool;
fail:
	log_error("cannot start the probe threads", "workers=%d error=%s", workers,
	    strerror(errno));
	pool_free(pool);
	return NULL;
}

int
pool_workers(const struct pool *pool)
{
	return pool != NULL ? pool->nworkers : 0;
}

int
pool_submit(struct pool *pool, const struct conf_endpoint *ep, const struct probe_input *in,
    engine_done_fn *done, void *arg)
{
	const struct probe_ops *ops;

	if (pool == NULL || ep == NULL || (ops = probe_ops_for(ep->kind)) == NULL)
		return -1;
	return pool_submit_ops(pool, ep, ops, in, done, arg);
}

int
pool_submit_ops(struct pool *pool, const struct conf_endpoint *ep,
    const struct probe_ops *ops, const struct probe_input *in, engine_done_fn *done, void *arg)
{
	return pool_submit_ops_at(pool, ep, ops, in, 0, done, arg);
}

int
pool_submit_at(struct pool *pool, const struct conf_endpoint *ep, const struct probe_input *in,
    int64_t not_before_ms, engine_done_fn *done, void *arg)
{
	const struct probe_ops *ops;

	if (pool == NULL || ep == NULL || (ops = probe_ops_for(ep->kind)) == NULL)
		return -1;
	return pool_submit_ops_at(pool, ep, ops, in, not_before_ms, done, arg);
}

int
pool_submit_ops_at(struct pool *pool, const struct conf_endpoint *ep,
    const struct probe_ops *ops, const struct probe_input *in, int64_t not_before_ms,
    engine_done_fn *done, void *arg)
{
	struct pjob *pj;

	if (pool == NULL)
		return -1;
	if (pool->eng != NULL)
		return engine_submit_ops(pool->eng, ep, ops, in, done, arg);
	if (ep == NULL || ops == NULL || (ops->start == NULL && ops->run == NULL))
		return -1;
	pj = xcalloc(1, sizeof(*pj));
	pj->ep = ep;
	pj->ops = ops;
	pj->done = done;
	pj->arg = arg;
	pj->not_before = not_before_ms;
	if (in != NULL) {
		pj->memory = in->memory != NULL ? xstrdup(in->memory) : NULL;
		pj->peer_memory = in->peer_memory != NULL ? xstrdup(in->peer_memory) : NULL;
	}
	TAILQ_INSERT_TAIL(&pool->queue, pj, link);
	pool->nqueued++;
	pool->pending++;
	ptrcount_add(&pool->busy, ep);
	feed(pool);
	return 0;
}

size_t
pool_pending(const struct pool *pool)
{
	if (pool == NULL)
		return 0;
	return pool->eng != NULL ? engine_pending(pool->eng) : pool->pending;
}

size_t
pool_running(const struct pool *pool)
{
	if (pool == NULL)
		return 0;
	return pool->eng != NULL ? engine_running(pool->eng) : pool->running;
}

int
pool_busy(const struct pool *pool, const struct conf_endpoint *ep)
{
	if (pool == NULL || ep == NULL)
		return 0;
	if (pool->eng != NULL)
		return engine_busy(pool->eng, ep);
	return ptrcount_has(&((struct pool *)pool)->busy, ep);	/* counts its steps */
}

/* Ends every probe still queued in main with why. */
static size_t
cancel_queue(struct pool *pool, const char *why)
{
	struct pjob *pj;
	size_t n = 0;

	while ((pj = TAILQ_FIRST(&pool->queue)) != NULL) {
		TAILQ_REMOVE(&pool->queue, pj, link);
		pool->nqueued--;
		result_init(&pj->r, pj->ep, now_ms());
		result_flag(&pj->r, REASON_INTERNAL, "%s", why);
		deliver(pool, pj);
		n++;
	}
	return n;
}

size_t
pool_cancel_queued(struct pool *pool)
{
	if (pool == NULL)
		return 0;
	if (pool->eng != NULL)
		return engine_cancel_queued(pool->eng);
	return cancel_queue(pool, "cancelled before it started");
}

void
pool_cancel_all(struct pool *pool)
{
	if (pool == NULL)
		return;
	if (pool->eng != NULL) {
		engine_cancel_all(pool->eng);
		return;
	}
	/* Queued first, so that no done callback can see them handed over meanwhile. */
	cancel_queue(pool, "cancelled");
	for (int i = 0; i < pool->nworkers; i++)
		if (pool->w[i].threaded)
			command(&pool->w[i], CMD_CANCEL);
	collect(pool);
}

void
pool_free(struct pool *pool)
{
	struct pjob *pj;

	if (pool == NULL)
		return;
	if (pool->eng != NULL) {
		engine_free(pool->eng);
		free(pool);
		return;
	}
	pool_cancel_all(pool);
	for (int i = 0; i < pool->nworkers; i++) {
		struct worker *w = &pool->w[i];

		if (!w->started)
			continue;
		if (w->threaded) {
			command(w, CMD_STOP);
			pthread_join(w->thread, NULL);
		} else
			engine_free(w->eng);	/* never ran */
		if (w->wake_ev != NULL)
			event_free(w->wake_ev);
		if (w->base != NULL)
			event_base_free(w->base);
		if (w->wake_fd >= 0)
			close(w->wake_fd);
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
	}
	/* Whatever came back after the last collect (nothing, normally) goes undelivered. */
	while ((pj = TAILQ_FIRST(&pool->outbox)) != NULL) {
		TAILQ_REMOVE(&pool->outbox, pj, link);
		pjob_free(pj);
	}
	if (pool->done_ev != NULL)
		event_free(pool->done_ev);
	if (pool->done_fd >= 0)
		close(pool->done_fd);
	pthread_mutex_destroy(&pool->lock);
	ptrcount_free(&pool->busy);
	free(pool->w);
	free(pool);
}
