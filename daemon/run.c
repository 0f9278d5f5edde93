/*
 * trustwatch run: lifecycle and wiring on one libevent loop (see run.h).
 *   sched (timers) -> engine (curl multi) -> batch -> store_add_results (incidents in the
 *   same transaction) -> run_alerts_queue (outbox) -> run_mail_kick (SMTP, async)
 * Signals arrive as libevent events (evsignal): SIGTERM/SIGINT stop, SIGHUP reloads.
 * Stopping: no new probes (queued ones are dropped at once); in-flight ones get
 * RUN_GRACE_MS to finish, then are cancelled (cancelled results are not stored); the batch
 * is written; the store is closed. Nothing on that path walks every endpoint per probe.
 */
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "run.h"
#include "run_int.h"
#include "run_record.h"
#include "sched.h"
#include "../alert/mail.h"
#include "../alert/webhook.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/storeurl.h"
#include "../core/util.h"
#include "../probe/pool.h"
#include "../store/store.h"
#include "../web/server.h"

#define RUN_CONCURRENCY		256		/* probes running at once, per probe thread */
#define RUN_SPARE_FDS		128		/* descriptors besides the probes' sockets */
#define RUN_LEAD_MS		100		/* with workers, a probe is handed over this early */
#define RUN_FLUSH_MS		1000		/* a result waits at most this long */
#define RUN_GRACE_MS		2000		/* in-flight probes may finish at stop */
#define RUN_MAX_CALLBACKS	64		/* then the loop polls (signals first) */
#define RUN_MAIL_RETRY_MS	30000		/* first mail retry; doubles up to 60x */
#define RUN_PRUNE_MS		3600000		/* prune raw results hourly */
#define RUN_HOURLY_KEEP_MS	(90 * 86400000LL)

/* A probe in flight: which run and which config generation it belongs to. */
struct run_job {
	struct run	*R;
	struct run_gen	*g;
};

static void
tv_ms(struct timeval *tv, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)((ms % 1000) * 1000);
}

static void
timer_in(struct event *ev, int64_t ms)
{
	struct timeval tv;

	tv_ms(&tv, ms);
	evtimer_add(ev, &tv);
}

void
run_gen_unref(struct run_gen *g)
{
	if (g != NULL && --g->refs == 0) {
		conf_free(g->c);
		free(g);
	}
}

static struct run_gen *
gen_new(struct conf *c)
{
	struct run_gen *g = xcalloc(1, sizeof(*g));

	g->c = c;
	g->refs = 1;
	return g;
}

/* --- the batch (written by run_store.c) ------------------------------------------- */

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;

	int64_t t0 = mono_ms();

	(void)fd; (void)what;
	R->flush_armed = false;
	run_flush(R);
	run_slow("writing results", t0);
}

/* Returns 1 when the batch holds a result of provider/endpoint. */
static int
batch_has(const struct run *R, const struct conf_endpoint *ep)
{
	for (size_t i = 0; i < R->n_batch; i++)
		if (strcmp(R->batch[i].r.ep->id, ep->id) == 0 &&
		    strcmp(R->batch[i].r.ep->provider->id, ep->provider->id) == 0)
			return 1;
	return 0;
}

/* --- probes ------------------------------------------------------------------------- */

static void
log_result(const struct result *r)
{
	enum log_level lv = r->status == STATUS_UP ? LOG_DEBUG : LOG_INFO;

	if (!log_enabled(lv))
		return;
	log_at(lv, "probe", "provider=%s endpoint=%s kind=%s status=%s reason=%s ms=%.1f%s%s",
	    log_q(r->ep->provider->id), log_q(r->ep->id), kind_names[r->ep->kind],
	    status_names[r->status], reason_names[r->reason],
	    r->timings[PHASE_TOTAL] >= 0 ? r->timings[PHASE_TOTAL] : -1.0,
	    r->message != NULL ? " message=" : "", r->message != NULL ? log_q(r->message) : "");
}

static void
probe_done(struct result *r, void *arg)
{
	struct run_job *j = arg;
	struct run *R = j->R;
	struct run_pending *p;

	sched_done(R->sched, r->ep->provider->id, r->ep->id);
	if (R->cancelling) {
		if (!R->dropping)
			log_warn("probe cancelled at stop, not stored", "provider=%s endpoint=%s",
			    log_q(r->ep->provider->id), log_q(r->ep->id));
		run_gen_unref(j->g);
		free(j);
		return;
	}
	log_result(r);
	if (R->n_batch == R->cap_batch) {
		R->cap_batch = R->cap_batch ? R->cap_batch * 2 : 64;
		R->batch = xrealloc(R->batch, R->cap_batch * sizeof(*R->batch));
	}
	p = &R->batch[R->n_batch++];
	memset(p, 0, sizeof(*p));
	result_init(&p->r, r->ep, r->time_ms);
	result_move(&p->r, r);
	p->g = j->g;			/* the job's reference moves to the batch */
	p->maintenance = conf_in_maintenance(j->g->c, p->r.ep, p->r.time_ms) == 1;
	free(j);
	/* Every address's own result too (SPEC §14), stored raw beside the endpoint's. */
	if (p->r.n_addrs > 0) {
		struct result *addrs = p->r.addrs;
		size_t n = p->r.n_addrs;
		bool maint = p->maintenance;
		struct run_gen *g = p->g;

		p->r.addrs = NULL;
		p->r.n_addrs = 0;
		for (size_t i = 0; i < n; i++) {
			if (R->n_batch == R->cap_batch) {
				R->cap_batch *= 2;
				R->batch = xrealloc(R->batch, R->cap_batch * sizeof(*R->batch));
			}
			p = &R->batch[R->n_batch++];
			memset(p, 0, sizeof(*p));
			result_init(&p->r, addrs[i].ep, addrs[i].time_ms);
			result_move(&p->r, &addrs[i]);
			p->g = g;
			g->refs++;
			p->maintenance = maint;
		}
		free(addrs);
	}
	if (R->n_batch >= RUN_BATCH_MAX && !R->store_failing)
		run_flush(R);
	else if (!R->flush_armed) {
		R->flush_armed = true;
		timer_in(R->flush_timer, RUN_FLUSH_MS);
	}
	if (R->stopping)
		event_active(R->stop_check, EV_TIMEOUT, 0);
}

static int
probe_due(const struct conf_endpoint *ep, int64_t due, void *arg)
{
	struct run *R = arg;
	struct probe_input in = { 0 };
	struct run_job *j;
	char *crl = NULL, *peer = NULL;
	const char *pp, *pe;

	if (R->stopping)
		return 0;
	if (pool_busy(R->pool, ep)) {
		log_warn("probe still running, slot skipped", "provider=%s endpoint=%s",
		    log_q(ep->provider->id), log_q(ep->id));
		return 0;
	}
	if (probe_ops_for(ep->kind)->memory) {
		/* The kind memory must include a result still waiting in the batch. */
		if (batch_has(R, ep))
			run_flush(R);
		in.memory = crl = store_kind_memory(R->st, ep->provider->id, ep->id);
	}
	if (probe_ops_for(ep->kind)->peer != NULL && probe_ops_for(ep->kind)->peer(ep, &pp, &pe))
		in.peer_memory = peer = store_kind_memory(R->st, pp, pe);
	j = xcalloc(1, sizeof(*j));
	j->R = R;
	j->g = R->cur;
	R->cur->refs++;
	if (pool_submit_at(R->pool, ep, &in, due, probe_done, j) != 0) {
		log_error("probe not started", "provider=%s endpoint=%s", log_q(ep->provider->id),
		    log_q(ep->id));
		run_gen_unref(j->g);
		free(j);
		free(crl);
		free(peer);
		return 0;
	}
	free(crl);
	free(peer);
	return 1;
}

static void
probe_skipped(const struct conf_endpoint *ep, int64_t due, void *arg)
{
	(void)due; (void)arg;
	log_warn("probe still running at its next slot, slot skipped",
	    "provider=%s endpoint=%s interval_ms=%lld", log_q(ep->provider->id), log_q(ep->id),
	    (long long)ep->interval_ms);
}

/* --- periodic work ------------------------------------------------------------------ */

static void
mail_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;

	int64_t t0 = mono_ms();

	(void)fd; (void)what;
	if (R->digest_held)
		run_alerts_queue(R);
	run_mail_kick(R);
	run_slow("queueing mail", t0);
}

static void
report_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;

	int64_t t0 = mono_ms();

	(void)fd; (void)what;
	run_flush(R);	/* the site shows every result finished so far */
	run_report_start(R);
	run_slow("starting a render", t0);
	timer_in(R->report_timer, R->cur->c->report.every_ms);
}

/*
 * The wall clock as the daemon's clock check and pruning read it. Tests move it with
 * TRUSTWATCH_FAKE_CLOCK_FILE, a file holding an offset in ms (results keep real times).
 */
static int64_t
wall_ms(const struct run *R)
{
	int64_t off = 0;
	FILE *f;

	if (R->fake_clock != NULL && (f = fopen(R->fake_clock, "re")) != NULL) {
		long long v;

		if (fscanf(f, "%lld", &v) == 1)
			off = v;
		fclose(f);
	}
	return now_ms() + off;
}

static void
clock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;
	int64_t jump = wallclock_step(&R->clock, wall_ms(R), mono_ms());

	(void)fd; (void)what;
	if (jump >= WALLCLOCK_JUMP_MS || jump <= -WALLCLOCK_JUMP_MS)
		log_error("the wall clock jumped", "jump_ms=%lld direction=%s", (long long)jump,
		    jump > 0 ? "forward" : "back");
}

/* Deletes only what aged out on both clocks (wallclock_prune_now). */
static void
prune_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;
	int64_t t0 = mono_ms();
	int64_t wall = wall_ms(R), now = wallclock_prune_now(&R->clock, wall, mono_ms()), n;

	(void)fd; (void)what;
	if (!R->lead) {		/* the leader prunes the shared store */
		timer_in(R->prune_timer, R->prune_ms);
		return;
	}
	if (wall - now >= WALLCLOCK_JUMP_MS)
		log_warn("prune: the wall clock is ahead of the monotonic clock, pruning by the"
		    " latter", "ahead_ms=%lld", (long long)(wall - now));
	n = store_prune(R->st, now - R->cur->c->storage.retention_ms, now - RUN_HOURLY_KEEP_MS);
	if (n < 0)
		log_error("prune failed", "error=%s", log_q(store_error(R->st)));
	else if (n > 0)
		log_info("pruned", "rows=%lld", (long long)n);
	run_slow("pruning", t0);
	timer_in(R->prune_timer, R->prune_ms);
}

/* --- reload ------------------------------------------------------------------------- */

static void
reload(struct run *R)
{
	struct conf_errors errs = { 0 };
	struct conf *c = conf_load(R->path, &errs);
	struct run_gen *old = R->cur;
	size_t n = 0;

	if (c == NULL) {
		for (size_t i = 0; i < errs.n; i++)
			log_error("config error", "error=%s", log_q(errs.msg[i]));
		log_error("reload rejected, the old configuration keeps running",
		    "config=%s errors=%zu", log_q(R->path), errs.n);
		conf_errors_free(&errs);
		return;
	}
	conf_errors_free(&errs);
	if (strcmp(c->storage.path, old->c->storage.path) != 0)
		log_warn("storage.path changed: restart to use it", "old=%s new=%s",
		    log_q(old->c->storage.path), log_q(c->storage.path));
	if ((c->storage.url == NULL) != (old->c->storage.url == NULL) ||
	    (c->storage.url != NULL && strcmp(c->storage.url, old->c->storage.url) != 0) ||
	    (c->storage.password == NULL) != (old->c->storage.password == NULL) ||
	    (c->storage.password != NULL &&
	    strcmp(c->storage.password, old->c->storage.password) != 0)) {
		char *was = store_url_redacted(old->c->storage.url), *now = store_url_redacted(c->storage.url);

		log_warn("storage.url or its password changed: restart to use it", "old=%s new=%s",
		    log_q(was), log_q(now));
		free(was);
		free(now);
	}
	if (c->workers != old->c->workers)
		log_warn("workers changed: restart to use it", "old=%d new=%d", old->c->workers,
		    c->workers);
	if ((c->web.listen == NULL) != (old->c->web.listen == NULL) ||
	    (c->web.listen != NULL && strcmp(c->web.listen, old->c->web.listen) != 0))
		log_warn("web.listen changed: restart to use it", "old=%s new=%s",
		    log_q(old->c->web.listen), log_q(c->web.listen));
	R->cur = gen_new(c);
	run_store_register(R, c);
	store_set_incident_policy(R->st, c->incidents.open_after, c->incidents.close_after);
	store_set_timezone(R->st, c->report.timezone);
	sched_load(R->sched, c, now_ms());
	if (R->web != NULL)
		web_set_conf(R->web, c);
	if (c->report.every_ms != old->c->report.every_ms)
		timer_in(R->report_timer, c->report.every_ms);
	run_gen_unref(old);	/* freed once its last probe and result are done */
	for (size_t p = 0; p < c->n_providers; p++)
		n += c->providers[p].n_endpoints;
	log_info("config reloaded", "config=%s providers=%zu endpoints=%zu", log_q(R->path),
	    c->n_providers, n);
	run_mail_kick(R);
}

/* --- stop --------------------------------------------------------------------------- */

/* Ends the loop once no probe is in flight (or right away after cancelling). */
static void
stop_check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;

	(void)fd; (void)what;
	if (!R->stopping || pool_pending(R->pool) > 0)
		return;
	run_flush(R);
	event_base_loopbreak(R->base);
}

static void
stop_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;

	(void)fd; (void)what;
	if (pool_pending(R->pool) > 0) {
		log_warn("stop: cancelling probes still running", "n=%zu", pool_pending(R->pool));
		R->cancelling = true;
		pool_cancel_all(R->pool);
		R->cancelling = false;
	}
	event_active(R->stop_check, EV_TIMEOUT, 0);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct run *R = arg;
	size_t n;

	(void)what;
	if (sig == SIGCHLD) {
		run_report_reap(R);
		return;
	}
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading", "config=%s", log_q(R->path));
		if (!R->stopping)
			reload(R);
		return;
	}
	if (R->stopping) {
		log_warn("second stop signal: cancelling now", "signal=%d", (int)sig);
		stop_grace_cb(-1, 0, R);
		return;
	}
	R->stopping = true;
	R->stop_mono_ms = mono_ms();
	R->cancelling = R->dropping = true;	/* queued probes never started: one line for all */
	n = pool_cancel_queued(R->pool);
	R->cancelling = R->dropping = false;
	log_info("stopping", "signal=%s in_flight=%zu dropped_queued=%zu",
	    sig == SIGTERM ? "TERM" : "INT", pool_running(R->pool), n);
	sched_stop(R->sched);
	timer_in(R->stop_timer, RUN_GRACE_MS);
	event_active(R->stop_check, EV_TIMEOUT, 0);
}

/* --- start and the loop ------------------------------------------------------------- */

/* A positive number of ms from the environment (for tests), or dflt when unset or invalid. */
static int64_t
env_ms(const char *name, int64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 1) {
		log_warn("ignoring an invalid environment variable", "name=%s value=%s", name,
		    log_q(s));
		return dflt;
	}
	return v;
}

/*
 * The loop has two priorities: signals (0) and everything else (1, the default). After
 * RUN_MAX_CALLBACKS callbacks the loop polls again and runs a pending signal first, so
 * a stop is seen promptly however many timers fall due at once.
 */
static struct event_base *
loop_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (cfg == NULL)
		return NULL;
	event_config_set_max_dispatch_interval(cfg, NULL, RUN_MAX_CALLBACKS, 1);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base != NULL && event_base_priority_init(base, 2) != 0) {
		event_base_free(base);
		return NULL;
	}
	return base;
}

/*
 * Raises the soft limit on open descriptors towards the hard one when the probes running at
 * once (a socket each, more with several addresses) may need more than it (Debian's soft
 * limit is 1,024); warns when even the hard limit is short.
 */
static void
fd_limit(int running)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)running * 2 + RUN_SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warn("too few file descriptors for the probes running at once",
		    "limit=%llu wanted=%llu", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)want);
}

static int
run_setup(struct run *R, struct conf *c)
{
	char *err = NULL, *where;
	size_t n = 0;
	int running = RUN_CONCURRENCY * (c->workers > 0 ? c->workers : 1);

	R->cur = gen_new(c);
	R->mail_retry_ms = env_ms("TRUSTWATCH_MAIL_RETRY_MS", RUN_MAIL_RETRY_MS);
	R->prune_ms = env_ms("TRUSTWATCH_PRUNE_MS", RUN_PRUNE_MS);
	R->fake_clock = getenv("TRUSTWATCH_FAKE_CLOCK_FILE");
	if (run_lock_store(R, c->storage.path) != 0)
		return -1;
	if ((R->st = store_open_at(conf_store_where(c), c->storage.password, true, &err)) == NULL) {
		char *shown = store_url_redacted(err);

		where = store_url_redacted(conf_store_where(c));
		log_error("cannot open the store", "store=%s error=%s", log_q(where), log_q(shown));
		free(shown);
		free(err);
		free(where);
		return -1;
	}
	/* Only a SQLite file can be deleted or replaced under the daemon (store_file_check). */
	R->store_is_file = c->storage.url == NULL;
	store_set_incident_policy(R->st, c->incidents.open_after, c->incidents.close_after);
	store_set_timezone(R->st, c->report.timezone);
	fd_limit(running);
	if (probe_global_init() != 0 || (R->base = loop_new()) == NULL ||
	    (R->pool = pool_new(R->base, c->workers, running)) == NULL ||
	    (R->mailer = mail_new(R->base)) == NULL ||
	    (R->hooker = webhook_new(R->base)) == NULL) {
		log_error("cannot initialise the event loop or the HTTP transport", "%s", "");
		return -1;
	}
	R->sched = sched_new(R->base, probe_due, probe_skipped, R);
	/*
	 * With probe threads each probe is handed over RUN_LEAD_MS before its slot and its
	 * thread starts it at the slot: a main loop held by a store write (tens of ms at
	 * 100,000 endpoints) delays no probe.
	 */
	if (c->workers > 0)
		sched_set_lead(R->sched, RUN_LEAD_MS);
	R->sig_term = evsignal_new(R->base, SIGTERM, signal_cb, R);
	R->sig_int = evsignal_new(R->base, SIGINT, signal_cb, R);
	R->sig_hup = evsignal_new(R->base, SIGHUP, signal_cb, R);
	R->sig_chld = evsignal_new(R->base, SIGCHLD, signal_cb, R);
	R->flush_timer = evtimer_new(R->base, flush_cb, R);
	R->mail_timer = event_new(R->base, -1, EV_PERSIST, mail_timer_cb, R);
	R->report_timer = evtimer_new(R->base, report_cb, R);
	R->prune_timer = evtimer_new(R->base, prune_cb, R);
	R->stop_timer = evtimer_new(R->base, stop_grace_cb, R);
	R->stop_check = evtimer_new(R->base, stop_check_cb, R);
	R->clock_timer = event_new(R->base, -1, EV_PERSIST, clock_cb, R);
	if (R->sig_term == NULL || R->sig_int == NULL || R->sig_hup == NULL ||
	    R->flush_timer == NULL || R->mail_timer == NULL || R->report_timer == NULL ||
	    R->prune_timer == NULL || R->stop_timer == NULL || R->stop_check == NULL ||
	    R->clock_timer == NULL ||
	    event_priority_set(R->sig_term, 0) != 0 || event_priority_set(R->sig_int, 0) != 0 ||
	    event_add(R->sig_term, NULL) != 0 || event_add(R->sig_int, NULL) != 0 ||
	    event_add(R->sig_hup, NULL) != 0 ||
	    R->sig_chld == NULL || event_add(R->sig_chld, NULL) != 0) {
		log_error("cannot set up events", "%s", "");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* The outbox is scanned every min(retry, 5 s), and right after each batch. */
	timer_in(R->mail_timer, R->mail_retry_ms < 5000 ? R->mail_retry_ms : 5000);
	timer_in(R->report_timer, c->report.every_ms);
	timer_in(R->prune_timer, R->prune_ms < 60000 ? R->prune_ms : 60000);
	wallclock_init(&R->clock, wall_ms(R), mono_ms());
	timer_in(R->clock_timer, 1000);
	if (c->web.listen != NULL && (R->web = web_start(R->base, c, R->st, &err)) == NULL) {
		log_error("web server not started", "listen=%s error=%s", log_q(c->web.listen),
		    log_q(err));
		free(err);
		return -1;
	}
	if (R->web != NULL)
		web_set_stats(R->web, run_web_stats, R);
	if (run_record_start(R) != 0)
		return -1;
	R->multi = c->storage.url != NULL;
	R->lead = !R->multi;	/* with PostgreSQL, run_vantage_start asks for the lead */
	run_store_register(R, c);
	run_store_start(R, c->storage.path);
	run_vantage_start(R);
	R->incidents_seen = store_incident_changes(R->st);
	sched_load(R->sched, c, now_ms());
	for (size_t p = 0; p < c->n_providers; p++)
		n += c->providers[p].n_endpoints;
	where = store_url_redacted(conf_store_where(c));
	log_info("started", "config=%s store=%s providers=%zu endpoints=%zu alerts=%s pid=%ld",
	    log_q(R->path), log_q(where), c->n_providers, n,
	    c->alerts.enabled ? "on" : "off", (long)getpid());
	free(where);
	/* Mail left in the outbox by an earlier run (or a crash) goes out now. */
	run_alerts_queue(R);
	run_mail_kick(R);
	return 0;
}

static void
run_teardown(struct run *R)
{
	struct event *evs[] = { R->sig_term, R->sig_int, R->sig_hup, R->sig_chld, R->flush_timer,
		R->mail_timer, R->report_timer, R->prune_timer, R->stop_timer, R->stop_check,
		R->clock_timer };

	if (R->pool != NULL && pool_pending(R->pool) > 0) {
		R->cancelling = true;
		pool_cancel_all(R->pool);
		R->cancelling = false;
	}
	run_store_stop(R);
	run_record_stop(R);
	run_vantage_stop(R);
	run_report_wait(R);
	web_free(R->web);
	pool_free(R->pool);
	mail_free(R->mailer);	/* a mail in flight stays due in the outbox */
	webhook_free(R->hooker);	/* so does a webhook POST */
	run_mail_clear(R);
	sched_free(R->sched);
	for (size_t i = 0; i < NELEM(evs); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	store_close(R->st);
	if (R->base != NULL)
		event_base_free(R->base);
	run_gen_unref(R->cur);
}

int
run_main(const struct run_opts *o)
{
	struct run R = { .render_last_ok_ms = -1 };
	struct conf_errors errs = { 0 };
	struct conf *c;
	const char *lv = getenv("TRUSTWATCH_LOG_LEVEL");

	if (lv != NULL && log_level_from_name(lv) >= 0)
		log_set_level((enum log_level)log_level_from_name(lv));
	R.path = o->config_path;
	if ((c = conf_load(o->config_path, &errs)) == NULL) {
		for (size_t i = 0; i < errs.n; i++)
			cli_warn("%s", errs.msg[i]);	/* SPEC §1: "trustwatch: FILE:LINE:COL: …" */
		log_error("not started: the configuration has errors", "config=%s errors=%zu",
		    log_q(o->config_path), errs.n);
		conf_errors_free(&errs);
		return 3;
	}
	conf_errors_free(&errs);
	R.lock_fd = -1;
	if (run_setup(&R, c) != 0 ||
	    (o->pid_file != NULL && run_pid_file_write(o->pid_file) != 0)) {
		run_teardown(&R);
		if (R.lock_fd >= 0)
			close(R.lock_fd);
		return 1;
	}
	if (event_base_dispatch(R.base) < 0) {
		log_error("event loop failed", "%s", "");
		R.exit_code = 1;
	}
	run_teardown(&R);
	if (o->pid_file != NULL)
		run_pid_file_remove(o->pid_file);
	if (R.lock_fd >= 0)
		close(R.lock_fd);	/* the store is free for the next daemon */
	log_info("stopped", "exit=%d", R.exit_code);
	return R.exit_code;
}
