/*
 * The daemon's state, shared by run.c (lifecycle, probes, batches), run_store.c,
 * run_report.c, run_alerts.c (queueing alerts) and run_outbox.c (sending them).
 */
#ifndef TW_RUN_INT_H
#define TW_RUN_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/result.h"
#include "spool.h"
#include "wallclock.h"

#define RUN_BATCH_MAX		512		/* results per transaction */

struct conf;
struct engine;
struct event;
struct event_base;
struct hooker;
struct mailer;
struct sched;
struct store;

/*
 * One loaded configuration. refs: 1 while it is the current one, plus one per probe in
 * flight and per result waiting in the batch (their r->ep points into it), so a reload
 * never frees endpoints still in use.
 */
struct run_gen {
	struct conf	*c;
	int		 refs;
};

/* A finished result waiting for the next batched write. */
struct run_pending {
	struct result	 r;
	struct run_gen	*g;
	bool		 maintenance;
};

/* A queued mail copied out of the store, waiting for the sender. */
struct run_mail {
	int64_t		 id;
	int64_t		 incident;
	char		*event_key;
	char		*recipients;
	char		*subject;
	char		*body;
	int		 attempts;
	int64_t		 created_ms;
};

struct run {
	struct event_base *base;
	struct pool	*pool;			/* the probes (probe/pool.h) */
	struct sched	*sched;
	struct store	*st;
	struct mailer	*mailer;
	struct hooker	*hooker;		/* webhook POSTs, through the same outbox */
	struct run_gen	*cur;
	const char	*path;			/* the config file */
	struct event	*sig_term, *sig_int, *sig_hup;
	struct event	*flush_timer;		/* writes the batch ~1 s after its first result */
	struct event	*mail_timer;		/* periodic outbox scan */
	struct event	*report_timer;		/* report.every */
	struct event	*prune_timer;
	struct event	*stop_timer;		/* grace period for in-flight probes */
	struct event	*stop_check;
	struct run_pending *batch;
	size_t		 n_batch, cap_batch;
	bool		 flush_armed;
	bool		 stopping;
	bool		 cancelling;		/* engine_cancel_all: drop its results */
	bool		 dropping;		/* cancelling queued probes: no line each */
	int64_t		 stop_mono_ms;		/* when the stop signal came (mono_ms), 0 = none */
	int64_t		 mail_retry_ms;		/* first retry delay (TRUSTWATCH_MAIL_RETRY_MS) */
	struct run_mail	*mq;			/* mails being sent, in order */
	size_t		 n_mq, i_mq;
	bool		 mail_busy;		/* a transfer is in flight */
	int64_t		 digest_last_ms;	/* when the last opening mail was queued */
	bool		 digest_held;		/* openings wait for alerts.digest_window */
	int		 exit_code;
	struct event	*sig_chld;
	pid_t		 report_pid;		/* render child, 0 when none */
	bool		 report_again;		/* render again when the child ends */
	int64_t		 report_started_ms;
	uint64_t	 incidents_seen;	/* store_incident_changes at the last check */
	struct web	*web;			/* NULL without web.listen */
	int		 lock_fd;		/* holds STORE.lock (flock), -1 when none */
	char		*spool_path;		/* STORE.spool, NULL for :memory: */
	bool		 spool_pending;		/* the spool holds results not stored yet */
	struct spool_pos spool_pos;		/* replayed up to here */
	int64_t		 spool_replayed, spool_bad;
	size_t		 spool_after;		/* results kept in memory before spooling */
	size_t		 spooled;		/* results written to the spool by this run */
	size_t		 lost;			/* results neither stored nor spooled */
	bool		 store_failing;		/* the last write failed (logged once) */
	bool		 store_lost;		/* the store file was deleted or replaced */
	bool		 store_is_file;		/* SQLite: store_lost is watched (store_file_check) */
	int64_t		 render_last_ok_ms;	/* last successful render (now_ms), -1 = none */
	uint64_t	 render_failures;	/* since the start, for /metrics */
	uint64_t	 store_write_errors;	/* since the start, for /metrics */
	struct wallclock clock;			/* wall clock against CLOCK_MONOTONIC */
	struct event	*clock_timer;		/* checks it every second */
	int64_t		 prune_ms;		/* prune interval (TRUSTWATCH_PRUNE_MS) */
	const char	*fake_clock;		/* TRUSTWATCH_FAKE_CLOCK_FILE (tests) */
	struct run_record *rec;			/* run_record.c; NULL without record */
	/* Vantage nodes (SPEC §11, run_vantage.c). */
	bool		 multi;			/* a shared (PostgreSQL) store: raw + verdicts */
	bool		 lead;			/* this node leads (always with SQLite) */
	bool		 lead_failing;		/* the last leader check failed (logged once) */
	int64_t		 lead_tried_ms;		/* when the store was last asked for the lead */
	struct event	*node_timer;		/* leader check, heartbeat, verdicts */
	int64_t		 beat_last_ms;		/* last heartbeat written, 0 = none yet */
	bool		 beat_failing;
	int64_t		 stored_hour[24];	/* results stored per hour (results_24h) */
	int64_t		 stored_n[24];
	struct run_vantage *vt;			/* verdict schedule and silent nodes */
};

/*
 * Writes the waiting results: the spool first, then the batch (see run_store.c).
 * Never waits for a locked store. Returns 0 when everything is stored, else -1 (retried
 * on the flush timer; the results wait in memory or in the spool).
 */
int run_flush(struct run *);

/*
 * Vantage nodes (run_vantage.c). start: after run_store_start, decides whether the store
 * is shared, writes the first heartbeat and starts the node timer (leader check every
 * second, heartbeats, the leader's quorum verdicts and node-silence alerts). stop frees.
 */
void run_vantage_start(struct run *);
void run_vantage_stop(struct run *);

/* Counts n results of this node stored (for the heartbeat's results_24h). */
void run_vantage_count(struct run *, size_t n);

/* After a write: logs incident transitions, queues alerts, re-renders (leader only). */
void run_after_write(struct run *);

/* Sets up the store side after store_open: short lock waits, the spool of an earlier run. */
void run_store_start(struct run *, const char *store_path);

/* Registers every endpoint of c with the store in one go (start, reload); logs a failure. */
void run_store_register(struct run *, const struct conf *);

/* Logs a warning when work on the loop, begun at mono_ms() t0, held it past RUN_SLOW_MS. */
#define RUN_SLOW_MS	250
void run_slow(const char *what, int64_t t0);

/* At stop: stores or spools every waiting result; sets exit_code 1 when any was lost. */
void run_store_stop(struct run *);

/*
 * Takes STORE.lock beside the store (held until the process ends; ":memory:" needs none).
 * Returns 0, or -1 after logging, e.g. "store X is in use by pid N".
 */
int run_lock_store(struct run *, const char *store_path);

/* Writes our pid to path atomically. Returns 0 or -1 (logged). */
int run_pid_file_write(const char *path);

/* Removes path only when it still holds our pid (another daemon may have written it). */
void run_pid_file_remove(const char *path);

/* Starts rendering the site in a child process (or once more after the running one). */
void run_report_start(struct run *);

/* Reaps a finished render child (on SIGCHLD). */
void run_report_reap(struct run *);

/* Starts a render when an incident opened or resolved since the last check. */
void run_report_check_incidents(struct run *);

/* Waits for a render in progress (at stop). */
void run_report_wait(struct run *);

struct web_daemon_stats;

/* The daemon's figures for /metrics (a web_stats_fn; arg is the struct run). */
void run_web_stats(struct web_daemon_stats *out, void *arg);

/* Releases one reference; frees the config at zero. */
void run_gen_unref(struct run_gen *);

/*
 * Queues the mails of every incident transition not queued yet (after a batch, and on the
 * mail timer while openings wait for alerts.digest_window).
 */
void run_alerts_queue(struct run *);
/* Queues a mail per trusted-list change stored since the last pass; returns how many. */
int run_tl_alerts_queue(struct run *);

/* Starts sending due mails unless a transfer is in flight or alerts are off. */
void run_mail_kick(struct run *);

/* Frees the sender's queue (at stop; unsent mails stay due in the store). */
void run_mail_clear(struct run *);

/* Returns the delay before retry number attempts + 1 (base, doubling, capped at 60 x base). */
int64_t run_mail_backoff(int64_t base_ms, int attempts);

/* run_deps.c: m's likely cause (SPEC §15) into m->cause_*; the names borrowed from the config. */
struct msg_incident;
void run_alert_cause(struct run *, struct msg_incident *m);

#endif
