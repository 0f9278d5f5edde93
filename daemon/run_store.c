/*
 * The daemon's writes to the store. Finished results wait in a batch, written in one
 * transaction about a second after the first. The store is never waited for on the loop:
 * writes fail after RUN_STORE_BUSY_MS when another process holds the lock and are retried
 * on a timer. Past spool_after waiting results the batch goes to the spool file beside
 * the store (spool.h); the spool is replayed, oldest first and in chunks, before any newer
 * result is written, and removed once stored. A spool left by an earlier run (a crash, a
 * stop while the store was locked) is replayed at start; replay skips results stored
 * already, so it can be repeated safely. A store file deleted or replaced under the daemon
 * is never written again: results go to the spool and the exit status is 1.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "run_int.h"
#include "spool.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../store/store.h"
#include "../web/server.h"

#define RUN_BATCH_HARD_MAX	100000		/* kept while neither store nor spool takes them */
#define RUN_FLUSH_MS		1000		/* retry delay while the store fails */
#define RUN_SPOOL_AFTER		10000		/* results kept in memory before spooling */
#define RUN_STORE_BUSY_MS	10		/* the longest a write waits for a lock */
#define RUN_REPLAY_CHUNKS	8		/* spool chunks per turn of the loop */

void
run_slow(const char *what, int64_t t0)
{
	int64_t ms = mono_ms() - t0;

	if (ms > RUN_SLOW_MS)
		log_warn("the loop was held: probes wait meanwhile", "what=%s ms=%lld",
		    log_q(what), (long long)ms);
}

static void
arm(struct run *R, int64_t ms)
{
	struct timeval tv;

	if (R->flush_armed)
		return;
	R->flush_armed = true;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	evtimer_add(R->flush_timer, &tv);
}

/* Frees the first n waiting results and moves the rest up. */
static void
batch_drop(struct run *R, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		result_clear(&R->batch[i].r);
		run_gen_unref(R->batch[i].g);
	}
	memmove(R->batch, R->batch + n, (R->n_batch - n) * sizeof(*R->batch));
	R->n_batch -= n;
}

static struct store_item *
batch_items(const struct run *R)
{
	struct store_item *items = xcalloc(R->n_batch ? R->n_batch : 1, sizeof(*items));

	for (size_t i = 0; i < R->n_batch; i++) {
		items[i].r = &R->batch[i].r;
		items[i].maintenance = R->batch[i].maintenance;
		items[i].node = R->batch[i].g->c->node.id;
		/* The leader stores the verdicts; an address's own result is an observation. */
		items[i].address = R->batch[i].r.address;
		items[i].raw = R->multi || R->batch[i].r.address != NULL;
	}
	return items;
}

/* Drops the oldest results past the hard bound: they are lost (exit status 1). */
static void
bound(struct run *R)
{
	size_t drop;

	if (R->n_batch <= RUN_BATCH_HARD_MAX)
		return;
	drop = R->n_batch - RUN_BATCH_HARD_MAX;
	log_error("results lost: neither the store nor the spool takes them", "n=%zu", drop);
	batch_drop(R, drop);
	R->lost += drop;
	R->exit_code = 1;
}

/* Moves every waiting result to the spool. Returns 0, or -1 (they stay in memory). */
static int
spill(struct run *R)
{
	struct store_item *items;
	char *err = NULL;
	size_t n = R->n_batch;

	if (n == 0)
		return 0;
	if (R->spool_path == NULL) {
		bound(R);
		return -1;
	}
	items = batch_items(R);
	if (spool_append(R->spool_path, items, n, &err) != 0) {
		log_error("results not spooled, kept in memory", "n=%zu error=%s", n, log_q(err));
		free(err);
		free(items);
		bound(R);
		return -1;
	}
	free(items);
	batch_drop(R, n);
	R->spool_pending = true;
	R->spooled += n;
	log_warn("results spooled: the store does not take them now", "n=%zu spool=%s", n,
	    log_q(R->spool_path));
	return 0;
}

/* Logs the first failure of an outage; later ones only at debug level. */
static void
store_failed(struct run *R, const char *what, size_t n)
{
	if (!R->store_failing)
		log_error("results not stored, will retry", "what=%s n=%zu error=%s", what, n,
		    log_q(store_error(R->st)));
	else
		log_debug("results not stored, will retry", "what=%s n=%zu error=%s", what, n,
		    log_q(store_error(R->st)));
	R->store_failing = true;
	R->store_write_errors++;
}

void
run_web_stats(struct web_daemon_stats *out, void *arg)
{
	struct run *R = arg;
	struct stat sb;

	out->render_last_ok_ms = R->render_last_ok_ms;
	out->render_failures = R->render_failures;
	out->store_write_errors = R->store_write_errors;
	out->spool_bytes = R->spool_path != NULL && stat(R->spool_path, &sb) == 0 ?
	    (int64_t)sb.st_size : 0;
}

/*
 * Stores up to RUN_REPLAY_CHUNKS chunks of the spool. Returns 0 when it is all stored and
 * removed (or gone), 1 when more remains, -1 when the store failed, -2 when the spool
 * cannot be read (the batch is then stored anyway, rather than held back for good).
 */
static int
replay(struct run *R)
{
	for (int c = 0; c < RUN_REPLAY_CHUNKS; c++) {
		struct spool_pos pos = R->spool_pos;
		struct spool_entry *e = NULL;
		struct store_item *items;
		char **bad = NULL, *err = NULL;
		size_t n_bad = 0;
		int n;

		n = spool_read(R->spool_path, &pos, RUN_BATCH_MAX, &e, &bad, &n_bad, &err);
		for (size_t i = 0; i < n_bad; i++) {
			log_error("spool line not stored", "error=%s", log_q(bad[i]));
			free(bad[i]);
		}
		free(bad);
		R->spool_bad += n_bad;
		if (n < 0 && spool_exists(R->spool_path) == 0) {
			log_error("the spool vanished before it was stored", "spool=%s error=%s",
			    log_q(R->spool_path), log_q(err));
			free(err);
			R->spool_pending = false;
			memset(&R->spool_pos, 0, sizeof(R->spool_pos));
			R->spool_replayed = R->spool_bad = 0;
			return 0;
		}
		if (n < 0) {
			log_error("cannot read the spool: newer results are stored first", "error=%s",
			    log_q(err));
			free(err);
			return -2;
		}
		if (n == 0) {
			char *keep = xasprintf("%s.bad", R->spool_path);

			if (R->spool_bad > 0 && rename(R->spool_path, keep) == 0)
				log_error("spool replayed; its unreadable lines are kept", "n=%lld"
				    " bad=%lld kept=%s", (long long)R->spool_replayed,
				    (long long)R->spool_bad, log_q(keep));
			else if (unlink(R->spool_path) != 0 && errno != ENOENT)
				log_error("cannot remove the replayed spool", "spool=%s error=%s",
				    log_q(R->spool_path), log_q(strerror(errno)));
			else
				log_info("spool replayed and removed", "n=%lld spool=%s",
				    (long long)R->spool_replayed, log_q(R->spool_path));
			free(keep);
			R->spool_pending = false;
			memset(&R->spool_pos, 0, sizeof(R->spool_pos));
			R->spool_replayed = R->spool_bad = 0;
			return 0;
		}
		items = xcalloc((size_t)n, sizeof(*items));
		for (int i = 0; i < n; i++) {
			items[i].r = &e[i].r;
			items[i].maintenance = e[i].maintenance;
			items[i].replay = true;
			items[i].node = e[i].node;
			items[i].address = e[i].r.address;
			items[i].raw = R->multi || e[i].r.address != NULL;
		}
		if (store_add_results(R->st, items, (size_t)n) != 0) {
			store_failed(R, "spool", (size_t)n);
			free(items);
			spool_entries_free(e, (size_t)n);
			return -1;
		}
		free(items);
		spool_entries_free(e, (size_t)n);
		run_vantage_count(R, (size_t)n);
		R->spool_pos = pos;
		R->spool_replayed += n;
	}
	return 1;
}

/* Logs one incident transition at info level, whether or not alerts are on. */
static void
log_transition(const struct store_transition *t, void *arg)
{
	char start[40], end[40];

	(void)arg;
	rfc3339_format_s(t->start_ms, start, sizeof(start));
	if (!t->resolved) {
		log_info("incident opened", "incident=%lld provider=%s endpoint=%s kind=%s reasons=%s start=%s",
		    (long long)t->incident, log_q(t->provider), log_q(t->endpoint), log_q(t->kind),
		    log_q(t->reasons), start);
		return;
	}
	rfc3339_format_s(t->end_ms, end, sizeof(end));
	log_info("incident resolved", "incident=%lld provider=%s endpoint=%s kind=%s reasons=%s start=%s end=%s duration_s=%lld",
	    (long long)t->incident, log_q(t->provider), log_q(t->endpoint), log_q(t->kind),
	    log_q(t->reasons), start, end, (long long)((t->end_ms - t->start_ms) / 1000));
}

int
run_flush(struct run *R)
{
	struct store_item *items;
	size_t n;
	int rc;

	if (R->st == NULL)
		return 0;
	if (R->store_is_file && !R->store_lost && store_file_check(R->st) != 0) {
		log_error("the store file is gone: results go to the spool, the site is not rendered;"
		    " restart the daemon", "error=%s", log_q(store_error(R->st)));
		R->store_lost = true;
		R->exit_code = 1;
	}
	if (R->store_lost) {
		if (spill(R) != 0)
			arm(R, RUN_FLUSH_MS);
		return -1;
	}
	if (R->spool_pending && (rc = replay(R)) != 0 && rc != -2) {
		if (R->n_batch >= R->spool_after)
			spill(R);
		arm(R, rc > 0 ? 0 : RUN_FLUSH_MS);
		return -1;
	}
	if (R->spool_pending)
		arm(R, RUN_FLUSH_MS);	/* the unreadable spool is tried again */
	if ((n = R->n_batch) > 0) {
		items = batch_items(R);
		if (store_add_results(R->st, items, n) != 0) {
			free(items);
			store_failed(R, "batch", n);
			if (R->n_batch >= R->spool_after)
				spill(R);
			arm(R, RUN_FLUSH_MS);
			return -1;
		}
		free(items);
		log_debug("batch stored", "n=%zu", n);
		batch_drop(R, n);
		run_vantage_count(R, n);
	}
	if (R->store_failing) {
		log_info("the store takes results again", "n=%zu", n);
		R->store_failing = false;
	}
	run_after_write(R);
	return 0;
}

void
run_after_write(struct run *R)
{
	store_take_transitions(R->st, log_transition, NULL);
	run_alerts_queue(R);
	run_report_check_incidents(R);
}

/* TRUSTWATCH_SPOOL_AFTER: results kept in memory before spooling (tests); default 10000. */
static size_t
spool_after(void)
{
	const char *s = getenv("TRUSTWATCH_SPOOL_AFTER");
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return RUN_SPOOL_AFTER;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 1 || v > RUN_BATCH_HARD_MAX) {
		log_warn("ignoring TRUSTWATCH_SPOOL_AFTER", "value=%s", log_q(s));
		return RUN_SPOOL_AFTER;
	}
	return (size_t)v;
}

/*
 * Registers every configured endpoint with the store at once (at start and reload), so
 * that no batch has to: nodes starting together on a shared store would insert the same
 * new endpoints inside their batches and fail on each other's row locks. A failure only
 * leaves each endpoint to be registered by its first batch, as before.
 */
void
run_store_register(struct run *R, const struct conf *c)
{
	const char **pv, **ev, **kv;
	size_t n = 0, k = 0;

	for (size_t p = 0; p < c->n_providers; p++)
		n += c->providers[p].n_endpoints;
	pv = xcalloc(n ? n : 1, sizeof(*pv));
	ev = xcalloc(n ? n : 1, sizeof(*ev));
	kv = xcalloc(n ? n : 1, sizeof(*kv));
	for (size_t p = 0; p < c->n_providers; p++)
		for (size_t i = 0; i < c->providers[p].n_endpoints; i++, k++) {
			pv[k] = c->providers[p].id;
			ev[k] = c->providers[p].endpoints[i].id;
			kv[k] = kind_names[c->providers[p].endpoints[i].kind];
		}
	if (store_preload_endpoints(R->st, n, pv, ev, kv) != 0)
		log_warn("endpoints not registered now: each is, with its first result",
		    "n=%zu error=%s", n, log_q(store_error(R->st)));
	free(pv);
	free(ev);
	free(kv);
}

void
run_store_start(struct run *R, const char *store_path)
{
	int e;

	R->spool_after = spool_after();
	/* A shared store that fails is unreachable, not briefly locked: spool at once. */
	if (R->multi && getenv("TRUSTWATCH_SPOOL_AFTER") == NULL)
		R->spool_after = 1;
	store_set_busy_timeout(R->st, RUN_STORE_BUSY_MS);
	store_set_nonblocking(R->st);
	if (strcmp(store_path, ":memory:") == 0)
		return;
	R->spool_path = xasprintf("%s.spool", store_path);
	if ((e = spool_exists(R->spool_path)) > 0) {
		log_info("a spool from an earlier run will be stored", "spool=%s",
		    log_q(R->spool_path));
		R->spool_pending = true;
		arm(R, 0);
	} else if (e < 0)
		log_error("the spool path is unusable", "spool=%s error=%s", log_q(R->spool_path),
		    log_q(strerror(errno)));
}

void
run_store_stop(struct run *R)
{
	if (R->st != NULL)
		run_flush(R);
	if (R->n_batch > 0)
		spill(R);
	if (R->n_batch > 0) {
		log_error("results lost at stop: neither the store nor the spool takes them",
		    "n=%zu", R->n_batch);
		R->lost += R->n_batch;
		batch_drop(R, R->n_batch);
	}
	if (R->spool_pending)
		log_warn("results wait in the spool: the next start stores them", "spool=%s",
		    log_q(R->spool_path));
	if (R->lost > 0)
		R->exit_code = 1;
	free(R->batch);
	R->batch = NULL;
	FREE_NULL(R->spool_path);
}
