/*
 * The store: every result, incident, note, rollup and queued alert.
 * Operations only; no SQL crosses this interface. The rules live in the store core
 * (store/core.c and its neighbours); a backend (backend.h: SQLite, PostgreSQL) only
 * moves rows.
 */
#ifndef TW_STORE_H
#define TW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/result.h"

struct tz;

struct store;

#define STORE_SCHEMA_VERSION	4

/*
 * Opens the store at where: a postgresql:// (or postgres://) URI — libpq's, TLS and all
 * its parameters honoured — or else a SQLite path (":memory:" allowed). password, when
 * not NULL, is given to PostgreSQL. create: make and migrate the schema as needed (else
 * refuse a database without one). Returns the store, or NULL with *err set (caller frees).
 */
struct store *store_open_at(const char *where, const char *password, bool create,
    char **err);

/* store_open_at(where, NULL, true, err). */
struct store *store_open(const char *where, char **err);
void store_close(struct store *);	/* store_close(NULL) is a no-op */

/*
 * Opens the database at path only when it exists and holds a trustwatch schema (never
 * creates one: a reader such as the render child must not publish a new, empty history).
 * Returns the store, or NULL with *err set (caller frees).
 */
struct store *store_open_existing(const char *where, char **err);

/* "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *);

/*
 * Sets how long a write waits for another process's lock before failing with an error
 * (default 5000 ms). The daemon uses a few ms, so a locked store never stalls its loop.
 */
void store_set_busy_timeout(struct store *, int ms);

/*
 * For an event loop (the daemon): a lost connection to a server (PostgreSQL) is never
 * waited for. Each later op takes one non-blocking step of connecting again and fails at
 * once until the connection is made (the daemon spools meanwhile); a query on a path that
 * went dark fails within the TCP user timeout (10 s). A local file store ignores this.
 */
void store_set_nonblocking(struct store *);

/*
 * Returns 0 when the store's path still names the file opened (always for :memory:),
 * or -1 when it was deleted or replaced since (store_error says which).
 */
int store_file_check(struct store *);

/* Last error text of the store (borrowed, valid until the next call). */
const char *store_error(const struct store *);

/* The schema version of the open database. */
int store_schema_version(struct store *);

/*
 * Returns the stable id of provider/endpoint, creating it on first use
 * (ids survive config reloads and renames of other endpoints). -1 on error.
 */
int64_t store_endpoint_id(struct store *, const char *provider, const char *endpoint,
    const char *kind);

/*
 * Registers n endpoints at once and keeps their ids, so that batches need no endpoint
 * row: on a shared store, nodes starting together would otherwise insert the same new
 * endpoints inside their batches and wait on each other's row locks. A backend without
 * a batched form (SQLite: one writer) does nothing here. 0, or -1 with the error set.
 */
int store_preload_endpoints(struct store *, size_t n, const char *const *providers,
    const char *const *endpoints, const char *const *kinds);

/*
 * One result to store; r->ep must be set: the store takes the endpoint's stable ids
 * (provider id, endpoint id), kind and interval from it, never keeps the pointer.
 * A result is keyed (endpoint, node, address, time) and never replaced: storing one
 * whose key is there already does nothing (a spool replayed twice stores nothing twice).
 */
struct store_item {
	const struct result	*r;
	bool			 maintenance;	/* inside a maintenance window */
	bool			 replay;	/* from the spool (stored like any other) */
	const char		*node;		/* NULL = "" */
	const char		*address;	/* NULL = "" (the host asked once) */
	/*
	 * With several vantage nodes (SPEC §11) a node's own result is stored raw (kept and
	 * exported, but no rollup, incident step or endpoint state), and the leader stores
	 * the quorum verdict as a verdict item (rollups, incident step and endpoint state,
	 * but no result row). With one node (neither set) a result is both.
	 */
	bool			 raw;
	bool			 verdict;
};

/*
 * Stores n results in one transaction (all or nothing), keeping each endpoint's latest
 * details and CRL number, and feeding each result to its endpoint's incident
 * (opened, updated, resolved in the same transaction, so a crash never duplicates or
 * loses one). Returns 0, or -1 (nothing stored; store_error says why).
 */
int store_add_results(struct store *, const struct store_item *items, size_t n);

/*
 * The kind memory stored for provider/endpoint (caller frees), or NULL: an opaque string a
 * kind wrote with its last result (struct result.memory) and reads before its next probe.
 */
char *store_kind_memory(struct store *, const char *provider, const char *endpoint);

/* A stored result, as read back. Strings are borrowed until the next row or the end. */
struct store_row {
	int64_t		 time_ms;
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	enum status	 status;
	enum reason	 reason;
	bool		 maintenance;
	double		 timings[PHASE__MAX];	/* ms; < 0 = null */
	const char	*message;		/* NULL when none */
	const char	*details;		/* JSON text, NULL when none */
	/* "" (or NULL): the endpoint's result; else the one address this result is of
	 * (SPEC §14 every address: a raw row beside the endpoint's, at the same time). */
	const char	*address;
};

/*
 * Calls fn for each result with from_ms <= time < to_ms (provider NULL = all), ordered
 * by provider, endpoint, time; streams (constant memory). fn returns non-zero to stop.
 * Returns 0, or -1 on error. Only the endpoints' results: an address's own row is
 * skipped (store_each_result_all gives those too).
 */
int store_each_result(struct store *, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_row *, void *), void *arg);
/* Same with every address's own result as well (row.address set), as exports want. */
int store_each_result_all(struct store *, int64_t from_ms, int64_t to_ms,
    const char *provider, int (*fn)(const struct store_row *, void *), void *arg);

/* Sets the incident thresholds (SPEC §5; defaults 3 and 2) applied by store_add_results. */
void store_set_incident_policy(struct store *, int open_after, int close_after);

/* An incident, as read back. Strings are borrowed until the next row or the end. */
struct store_incident {
	int64_t		 id;
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	int64_t		 start_ms;
	int64_t		 end_ms;	/* -1 while open */
	const char	*worst;		/* status name */
	const char	*reasons;	/* reason names joined with ';' */
	const char	*message;	/* the message of the result that opened it, or NULL */
};

/*
 * Calls fn for each incident (provider NULL = all) open at or after since_ms, oldest first.
 * fn returns non-zero to stop. Returns 0, or -1 on error.
 */
int store_each_incident(struct store *, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_incident *, void *), void *arg);

/*
 * Number of incidents this handle has opened or resolved (committed) since it was opened;
 * a caller compares it with the value it saw last to learn that something changed.
 */
uint64_t store_incident_changes(const struct store *);

/* An incident that opened or resolved in a committed batch (strings borrowed during fn). */
struct store_transition {
	int64_t		 incident;
	bool		 resolved;	/* else opened */
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	int64_t		 start_ms;
	int64_t		 end_ms;	/* -1 when opened */
	const char	*reasons;	/* names joined with ';' */
	bool		 committed;	/* internal */
};

/*
 * Calls fn (may be NULL) for each incident transition committed by store_add_results
 * since the last call, in order, and forgets them. At most 4096 wait between two calls.
 */
void store_take_transitions(struct store *, void (*fn)(const struct store_transition *, void *),
    void *arg);

/* One incident with everything a page or a mail needs; strings borrowed as above. */
int store_get_incident(struct store *, int64_t id,
    int (*fn)(const struct store_incident *, void *), void *arg);	/* 1 found, 0 not, -1 error */

/*
 * Adds an operator note to incident id at t_ms. Returns 0, 1 when there is no such
 * incident, -1 on error.
 */
int store_add_note(struct store *, int64_t incident, int64_t t_ms, const char *text);

struct store_note {
	int64_t		 id;
	int64_t		 incident;
	int64_t		 time_ms;
	const char	*text;		/* borrowed */
};
/* Calls fn for each note of incident (0 = every incident), oldest first. */
int store_each_note(struct store *, int64_t incident,
    int (*fn)(const struct store_note *, void *), void *arg);

/* The current state of an endpoint, as kept with its latest result. */
struct store_endpoint_state {
	int64_t		 id;
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	int64_t		 last_time_ms;	/* -1 when never probed */
	enum status	 status;
	enum reason	 reason;
	bool		 maintenance;
	const char	*message;	/* NULL when none */
	const char	*details;	/* JSON text of the latest details, NULL when none */
	double		 timings[PHASE__MAX];
	int64_t		 open_incident;	/* 0 when none */
	/* Its first observation: the oldest raw result kept (-1: none) and the oldest daily
	 * rollup (NULL: none), which outlives raw results pruned by retention. */
	int64_t		 first_time_ms;
	const char	*first_day;
};
/* Calls fn for every endpoint ever stored (provider NULL = all), by provider and endpoint. */
int store_each_endpoint(struct store *, const char *provider,
    int (*fn)(const struct store_endpoint_state *, void *), void *arg);

/*
 * Rollups, maintained incrementally by store_add_results: per endpoint and day (in the
 * time zone set with store_set_timezone, default UTC) and per endpoint and hour (UTC,
 * kept for store_prune's hourly window). Each result accounts for its endpoint's
 * interval of observed time.
 */
struct store_rollup {
	const char	*provider;
	const char	*endpoint;
	const char	*kind;
	const char	*day;		/* "YYYY-MM-DD" (daily) */
	int64_t		 hour_ms;	/* start of the hour, epoch ms (hourly) */
	int64_t		 checks, up, degraded, down, maintenance;
	int64_t		 up_ms, degraded_ms, down_ms, maintenance_ms;
	double		 p50_ms, p95_ms, p99_ms;	/* of total, < 0 when no timing */
	double		 uptime_pct;	/* (up + degraded) / (observed - maintenance), < 0 when none */
};

/*
 * Sets the IANA time zone days are cut in (NULL = UTC); a zone that cannot be loaded
 * (config checks it exists) is logged and UTC is used.
 */
void store_set_timezone(struct store *, const char *tz);
/* The zone days are cut in (borrowed until the next store_set_timezone); NULL = UTC. */
const struct tz *store_timezone(const struct store *);

/* Calls fn for each daily rollup with from_day <= day <= to_day ("YYYY-MM-DD"), by provider, endpoint, day. */
int store_each_daily(struct store *, const char *from_day, const char *to_day,
    const char *provider, int (*fn)(const struct store_rollup *, void *), void *arg);

/* Calls fn for each hourly rollup with from_ms <= hour < to_ms, by provider, endpoint, hour. */
int store_each_hourly(struct store *, int64_t from_ms, int64_t to_ms, const char *provider,
    int (*fn)(const struct store_rollup *, void *), void *arg);

/*
 * Sums the rollups of provider/endpoint over [from_ms, to_ms) (hourly where kept, else
 * daily) into *out (strings unset). Returns 0 or -1.
 */
int store_uptime(struct store *, const char *provider, const char *endpoint,
    int64_t from_ms, int64_t to_ms, struct store_rollup *out);

/*
 * store_uptime for n endpoints (providers[i], endpoints[i]) and nwin windows at once:
 * out[i * nwin + w] = the sum over [from_ms[w], to_ms) of endpoint i's hourly rollups,
 * read in one pass over the widest window (a render's 24h/7d/30d/90d figures of every
 * endpoint: one query instead of four per endpoint). Endpoints without rollups there get
 * what store_uptime gives them (no checks, uptime and percentiles -1). Returns 0 or -1.
 */
int store_uptime_windows(struct store *, const char *const *providers,
    const char *const *endpoints, size_t n, const int64_t *from_ms, size_t nwin,
    int64_t to_ms, struct store_rollup *out);

/*
 * Deletes raw results older than results_before_ms and hourly rollups older than
 * hourly_before_ms; daily rollups and incidents are kept forever. Returns rows deleted or -1.
 */
int64_t store_prune(struct store *, int64_t results_before_ms, int64_t hourly_before_ms);

/*
 * The alert outbox. Mail is queued in the store first, so an SMTP outage or a restart
 * delays mail but never loses it; (incident, event) is unique, so it is never queued twice.
 */
enum store_alert_event {
	ALERT_OPENED,
	ALERT_RESOLVED,
	ALERT_REMINDER,
	ALERT__MAX
};

/* An incident whose opened/resolved/reminder mail is due to be queued. */
struct store_alert_due {
	enum store_alert_event	 event;
	char			 event_key[32];	/* "opened", "resolved", "reminder-N" */
	int64_t			 incident;
};

/*
 * Calls fn for every incident transition not queued yet: opened (not yet queued),
 * resolved (not yet queued), and, for incidents open longer than remind_every_ms since
 * the last mail, a reminder. Returns 0 or -1.
 */
int store_each_alert_due(struct store *, int64_t now_ms, int64_t remind_every_ms,
    int (*fn)(const struct store_alert_due *, void *), void *arg);

/*
 * Queues a mail for (incident, event_key). Returns 0, 1 when it was queued before
 * (nothing done), -1 on error.
 */
int store_outbox_add(struct store *, int64_t incident, const char *event_key,
    const char *recipients, const char *subject, const char *body, int64_t now_ms);

/* Another outbox row queued with a mail (a webhook POST): strings borrowed during the call. */
struct store_outbox_row {
	int64_t		 incident;
	const char	*event_key;	/* unique per incident, e.g. "webhook-HASH:opened" */
	const char	*recipients;	/* for a webhook, its URL */
	const char	*subject;
	const char	*body;
};

/*
 * Queues one mail for several incidents (n >= 1) and the extra rows in one transaction:
 * the mail's row is (incidents[0], event_key); with "opened", every incident is recorded
 * as notified, so none of them is queued again on its own. Rows already there are kept as
 * they are. Returns 0, 1 when the mail was queued before, -1 on error.
 */
int store_outbox_add_digest(struct store *, const int64_t *incidents, size_t n,
    const char *event_key, const char *recipients, const char *subject, const char *body,
    const struct store_outbox_row *extra, size_t n_extra, int64_t now_ms);

/*
 * Operator alerts, which belong to no incident (SPEC §11: a vantage node silent, and heard
 * again): the rows (their incident ignored) are queued in one transaction, each under its
 * event_key, unique among such rows; a key already there is left as it is, so a leader
 * that takes over and derives the same keys from the same store queues nothing twice.
 * Returns the rows inserted (0 when all were there), or -1.
 */
int store_outbox_add_keyed(struct store *, const struct store_outbox_row *rows, size_t n,
    int64_t now_ms);
/*
 * The event key of the newest operator alert (no incident) whose key contains needle:
 * 1 with *key set (caller frees), 0 when there is none, -1 on error.
 */
int store_outbox_find_keyed(struct store *, const char *needle, char **key);

struct store_mail {
	int64_t		 id;
	int64_t		 incident;	/* 0 for an operator alert (no incident) */
	const char	*event_key;
	const char	*recipients;	/* comma-separated */
	const char	*subject;
	const char	*body;
	int		 attempts;
	int64_t		 created_ms;
};

/* Calls fn for each queued mail due at now_ms (not sent, not given up), oldest first. */
int store_each_mail_due(struct store *, int64_t now_ms,
    int (*fn)(const struct store_mail *, void *), void *arg);

/* Marks mail id sent at now_ms. */
int store_mail_sent(struct store *, int64_t id, int64_t now_ms);

/*
 * Records a failed attempt: retried at next_attempt_ms, or given up (failed) when
 * give_up is set. error is kept for the log and the page.
 */
int store_mail_failed(struct store *, int64_t id, const char *error, int64_t next_attempt_ms,
    bool give_up);

/* The outbox at a glance (for /metrics). */
struct store_outbox_stats {
	int64_t		 queued;		/* not sent and not given up */
	int64_t		 given_up;
	int64_t		 failed_attempts;	/* delivery attempts that failed, ever */
	int64_t		 oldest_queued_ms;	/* created time of the oldest queued, -1 = none */
};

/* Fills *out for the mail rows, or with webhooks the webhook rows. Returns 0 or -1. */
int store_outbox_stats(struct store *, bool webhooks, struct store_outbox_stats *out);

/* One table's rows in the source and the target of store_migrate. */
struct store_migrate_count {
	const char	*table;
	int64_t		 source, target;
};
#define STORE_TABLES	14

/* The conformance sums of one endpoint, UTC month and rule (core/conformance.h). */
struct store_conformance {
	const char	*provider, *endpoint, *kind;
	const char	*month;			/* "YYYY-MM" (UTC) */
	const char	*rule;			/* conformance_rules[].id */
	int64_t		 checks;		/* results the rule applied to */
	int64_t		 violations;
	int64_t		 first_ms, last_ms;	/* first and last violation, -1 = none */
};

/*
 * Calls fn for every conformance sum of provider (NULL = all), ordered by provider,
 * endpoint, month and rule; a non-zero return from fn stops and is returned. The sums are
 * added as results are stored (never from raw copies or imports marked raw).
 */
int store_each_conformance(struct store *, const char *provider,
    int (*fn)(const struct store_conformance *, void *), void *arg);

/*
 * Copies every table of src into dst (store migrate): in key order, one transaction per
 * batch, resuming after the greatest key dst holds (an interrupted copy is run again).
 * progress (may be NULL) is called after each batch; counts[STORE_TABLES] (may be NULL)
 * receives each table's rows in both at the end. Returns 0, or -1 (store_error(dst)).
 */
int store_migrate(struct store *dst, struct store *src,
    void (*progress)(const char *table, int64_t done, int64_t total, void *), void *arg,
    struct store_migrate_count *counts);

/*
 * Vantage nodes (SPEC §11). Each node records that it is alive (and whether it leads)
 * with every heartbeat; store_each_node lists them by id.
 */
struct store_node {
	const char	*id;
	const char	*location;
	int64_t		 last_seen_ms;
	int64_t		 started_ms;	/* first heartbeat of its current run */
	bool		 leader;	/* it said it led at its last heartbeat */
	int64_t		 results_24h;	/* results it stored in the 24 h before its last heartbeat */
};
/* started: the node's run began now (sets started_ms). results_24h: as the node counts. */
int store_node_heartbeat(struct store *, const char *id, const char *location, int64_t now_ms,
    bool started, bool leader, int64_t results_24h);
int store_each_node(struct store *, int (*fn)(const struct store_node *, void *), void *arg);

/*
 * Tries to become (or stay) the leader: the one node that opens and resolves incidents,
 * sends mail and renders. 1 leads, 0 another node leads, -1 error. A SQLite store has one
 * node, which always leads; PostgreSQL holds a session advisory lock, released when the
 * leader's connection ends.
 */
int store_try_leader(struct store *);

/* Each node's newest result of an endpoint (strings borrowed during the call). */
struct store_node_result {
	const char	*provider;
	const char	*endpoint;
	const char	*node;
	int64_t		 time_ms;
	enum status	 status;
	enum reason	 reason;
	const char	*message;	/* NULL when none */
	double		 timings[PHASE__MAX];
	const char	*details;	/* NULL when none */
};
/*
 * Calls fn for each (endpoint, node) with a result at or after since_ms: that node's
 * newest, by provider, endpoint, node (provider NULL = all).
 */
int store_each_node_latest(struct store *, const char *provider, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg);
/*
 * The same for the n endpoints named by providers[i]/endpoints[i] only (the leader reads
 * the endpoints whose verdict is due, not the whole store, every tick).
 */
int store_each_node_latest_of(struct store *, size_t n, const char *const *providers,
    const char *const *endpoints, int64_t since_ms,
    int (*fn)(const struct store_node_result *, void *), void *arg);

/*
 * The verifiable record (SPEC §12; store/log.c). Once store_set_record is called, every
 * result store_add_results stores (raw or not; a verdict item is no result) is appended, in
 * the same transaction, to its node's log: entry(row, node, address, arg) gives the entry
 * (the result's export JSON line without newline; caller frees), the store hashes it
 * (RFC 6962) into the log's right edge. The log of an item without a node is default_node's.
 * Retention never removes log rows. Without store_set_record nothing is logged.
 */
void store_set_record(struct store *, const char *default_node,
    char *(*entry)(const struct store_row *r, const char *node, const char *address, void *arg),
    void *arg);

/* A node's log: its size and the encoded right edge (tlog_edge_decode). Borrowed during fn. */
struct store_log {
	const char	*node;
	const unsigned char *edge;
	size_t		 edge_len;
};
/* Calls fn for each node with a log, by node. */
int store_each_log(struct store *, int (*fn)(const struct store_log *, void *), void *arg);
/* Calls fn for each entry of node's log with from <= index < to, in order (entry borrowed). */
int store_each_log_entry(struct store *, const char *node, int64_t from, int64_t to,
    int (*fn)(int64_t index, const char *entry, size_t len, void *), void *arg);

/* A signed checkpoint of a node's log, as kept (note borrowed during fn). */
struct store_checkpoint {
	const char	*node;
	int64_t		 size;
	int64_t		 time_ms;
	const char	*note;			/* the signed note, cosignatures appended */
};
/* Keeps a checkpoint (one per node and size: a second is ignored). 0 or -1. */
int store_checkpoint_add(struct store *, const char *node, int64_t size, int64_t time_ms,
    const char *note);
/* Replaces a kept checkpoint's note (the same note with cosignature lines added). */
int store_checkpoint_set_note(struct store *, const char *node, int64_t size, const char *note);
/* Calls fn for node's checkpoints (node NULL = every node's), by node and size. */
int store_each_checkpoint(struct store *, const char *node,
    int (*fn)(const struct store_checkpoint *, void *), void *arg);

/* An RFC 3161 token over a checkpoint (label: the TSA, as PROVIDER-ENDPOINT). */
struct store_log_token {
	const char	*node;
	int64_t		 size;
	const char	*label;
	const unsigned char *der;
	size_t		 len;
};
int store_log_token_add(struct store *, const char *node, int64_t size, const char *label,
    const unsigned char *der, size_t len);
/* Calls fn for node's tokens, by size and label. */
int store_each_log_token(struct store *, const char *node,
    int (*fn)(const struct store_log_token *, void *), void *arg);

/* Number of stored results (for tests and the benchmark). -1 on error. */
int64_t store_count_results(struct store *);

/*
 * Stored results per UTC day: counts[i] = results with time in [from_ms + i days,
 * from_ms + (i + 1) days), for i < n_days (from_ms a UTC midnight). Results are never
 * replaced, so a result stored late into a past day (a spool replayed, a node's raw
 * observation, which feeds no rollup) raises its day's count: the site's render cache
 * keys closed periods by it. Returns 0, or -1 (store_error says why).
 */
int store_count_results_by_day(struct store *, int64_t from_ms, size_t n_days,
    int64_t *counts);

/*
 * Stored results per endpoint with time in [from_ms, to_ms) (whole UTC hours; an address's
 * own rows included): fn(provider, endpoint, n, arg) for each endpoint with n > 0, in no
 * particular order, from one snapshot. As per day above, a result stored late raises its
 * endpoint's count: the render cache keys today's rows before the current hour by it where
 * rollups cannot (PostgreSQL). Returns 0, or -1 (store_error says why).
 */
int store_count_results_by_endpoint(struct store *, int64_t from_ms, int64_t to_ms,
    int (*fn)(const char *provider, const char *endpoint, int64_t n, void *), void *arg);

/* Runs PRAGMA integrity_check; returns 0 when ok. */
int store_integrity_check(struct store *);

#endif
