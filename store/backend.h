/*
 * What a store backend provides: moving rows in and out of one database engine.
 * Every rule (which result opens an incident, how rollups add up, percentiles, which
 * mail is due, what a reminder is) lives in the store core (store/core.c, rollup.c,
 * transitions.c, outbox.c) and is the same for every backend; a backend only stores
 * and reads back what the core hands it. Backends: store/sqlite*.c, store/pg*.c.
 *
 * Every function returning int returns 0 on success and -1 on error with the
 * backend's error text set (ops->error), unless it says otherwise. Strings handed to
 * a read callback are borrowed until it returns.
 */
#ifndef TW_STORE_BACKEND_H
#define TW_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incidents.h"
#include "store.h"

struct store_be;		/* one open backend connection; its type is the backend's */

/* The packed result code: reason in the low 6 bits, the maintenance flag above. */
#define CODE_MAINT	64

/* A result as stored: identified by ids and dimensions, never by a config pointer. */
struct be_result {
	int64_t		 ep;			/* endpoint id (backend's endpoint_id) */
	const char	*node;			/* "" for the only node of a SQLite store */
	const char	*address;		/* "" when the endpoint's host was asked once */
	int64_t		 time_ms;
	int		 code;			/* reason | (maintenance ? CODE_MAINT : 0) */
	int64_t		 tenths[PHASE__MAX];	/* timings in 0.1 ms, -1 = none */
	const char	*message;		/* NULL = none */
	const char	*details;		/* compact JSON text, NULL = none */
};

/* An endpoint's latest result, kept with the endpoint. */
struct be_latest {
	const struct be_result *r;
	/* The kind's memory (SPEC §3: the last CRL number; §13: the last trusted-list state),
	 * kept in the endpoints table's crl_number column (its historical name, so old stores
	 * open unchanged). NULL = keep the stored one. */
	const char	*memory;
};

/* The incident columns of a new incident. */
struct be_incident {
	int64_t		 ep;
	int64_t		 start_ms;
	const char	*worst;			/* status name */
	const char	*reasons;		/* names joined with ';' */
	const char	*message;		/* NULL = none */
};

/* A rollup's sums: counters and a sparse latency histogram (rollup.c's encoding). */
#define ROLLUP_COUNTERS	9	/* checks up degraded down maint up_ms degraded_ms down_ms maint_ms */
struct be_rollup {
	int64_t		 ep;
	bool		 daily;
	char		 day[11];		/* "YYYY-MM-DD" when daily */
	int64_t		 hour_ms;		/* start of the UTC hour when hourly */
	int64_t		 c[ROLLUP_COUNTERS];
	const unsigned char *hist;		/* NULL when no latency */
	size_t		 hist_len;
	/* set by each_rollup only */
	const char	*provider, *endpoint, *kind;
};

/* Conformance sums of one endpoint, UTC month and rule (core/conformance.h). */
struct be_conformance {
	int64_t		 ep;
	const char	*month;			/* "YYYY-MM" */
	const char	*rule;			/* conformance_rules[].id */
	int64_t		 checks, violations;
	int64_t		 first_ms, last_ms;	/* first and last violation, -1 = none */
	/* set by each_conformance only */
	const char	*provider, *endpoint, *kind;
};

/* An incident whose mail state the outbox policy looks at (outbox.c decides what is due). */
struct be_mail_state {
	int64_t		 id;
	int64_t		 start_ms;
	int64_t		 end_ms;		/* -1 while open */
	int64_t		 notified_open_ms;	/* -1 = not yet */
	int64_t		 notified_resolved_ms;	/* -1 = not yet */
	int		 reminders;		/* reminders queued so far */
	int64_t		 last_mail_ms;		/* -1 = none */
};

/* What a recorded mail does to its incidents' mail state. */
enum be_mail_mark {
	BE_MARK_NONE,
	BE_MARK_OPENED,		/* notified_open = last_mail = now where not yet set */
	BE_MARK_RESOLVED,	/* notified_resolved = now */
	BE_MARK_REMINDER,	/* reminders = max(reminders, n), last_mail = now */
};

/* A column value of the raw copy. */
struct be_value {
	enum { BE_NULL, BE_INT, BE_TEXT, BE_BLOB } type;
	int64_t		 i;
	const char	*s;			/* TEXT (NUL-terminated) or BLOB bytes */
	size_t		 len;			/* bytes of s */
};

/*
 * The logical schema every backend keeps (names as in SQL; "end" is quoted where a
 * backend needs it). Copied in this order, so a row's references exist before it
 * (endpoints.open_incident excepted: it is set when its incident is copied too).
 */
struct be_table {
	const char	*name;
	size_t		 ncols;
	size_t		 nkey;			/* the key is the first nkey columns */
	const char	*cols[16];
};
enum { BE_T_META, BE_T_ENDPOINTS, BE_T_INCIDENTS, BE_T_NOTES, BE_T_RESULTS, BE_T_DAILY,
	BE_T_HOURLY, BE_T_OUTBOX, BE_T_NODES, BE_T_LOG, BE_T_LOG_STATE, BE_T_CHECKPOINTS,
	BE_T_LOG_TOKENS, BE_T_CONFORMANCE, BE_T__MAX };
extern const struct be_table be_tables[BE_T__MAX];

struct backend_ops {
	const char	*name;			/* "sqlite", "postgresql" */
	void		 (*close)(struct store_be *);
	const char	*(*error)(struct store_be *);
	int		 (*schema_version)(struct store_be *);
	void		 (*set_busy_timeout)(struct store_be *, int ms);
	/* Optional: never wait for a connection from now on (store_set_nonblocking). */
	void		 (*set_nonblocking)(struct store_be *);
	int		 (*file_check)(struct store_be *);	/* 0, or -1 deleted/replaced/lost */
	int		 (*integrity_check)(struct store_be *);

	/* Write face. A batch is begin, any writes, then commit or rollback. */
	int		 (*begin)(struct store_be *);
	int		 (*commit)(struct store_be *);
	void		 (*rollback)(struct store_be *);	/* keeps the first error text */
	/* The stable id of provider/endpoint (kind updated), created on first use; -1 error. */
	int64_t		 (*endpoint_id)(struct store_be *, const char *provider,
			    const char *endpoint, const char *kind);
	/* Optional: endpoint_id for n endpoints at once, in one statement per step, taking
	 * row locks in (provider, endpoint) order so that nodes registering the same
	 * endpoints never deadlock or hold each other's batches; ids[i] set. NULL = none. */
	int		 (*endpoint_ids)(struct store_be *, size_t n, const char *const *providers,
			    const char *const *endpoints, const char *const *kinds, int64_t *ids);
	/* Appends n results in order, setting stored[i] when rs[i] was stored and clearing
	 * it when a result with its key (ep, node, address, time) was there already
	 * (nothing changed: results are never replaced). */
	int		 (*add_results)(struct store_be *, const struct be_result *rs, size_t n,
			    bool *stored);
	/* Keeps each r as its endpoint's latest (message and details even when up); a
	 * non-NULL memory replaces the endpoint's kind memory. One per endpoint. */
	int		 (*set_latest)(struct store_be *, const struct be_latest *ls, size_t n);
	/* The endpoint's incident state; *open_id 0 when none open. */
	int		 (*get_state)(struct store_be *, int64_t ep, struct incident_state *,
			    int64_t *open_id);
	int		 (*put_state)(struct store_be *, int64_t ep, const struct incident_state *,
			    int64_t open_id);
	int64_t		 (*incident_open)(struct store_be *, const struct be_incident *);	/* id or -1 */
	int		 (*incident_update)(struct store_be *, int64_t id, const char *worst,
			    const char *reasons, int64_t end_ms /* -1 = still open */);
	/* Adds each delta to its stored rollup (ep, daily, day or hour_ms), creating it:
	 * counters summed, histograms merged with rollup_hist_merge (store/rollup.h). */
	int		 (*rollup_add)(struct store_be *, const struct be_rollup *deltas, size_t n);
	/* Adds each delta to its stored sums (ep, month, rule), creating them: checks and
	 * violations summed, first the earliest and last the latest violation. */
	int		 (*conformance_add)(struct store_be *, const struct be_conformance *,
			    size_t n);
	/* Every stored sum of provider (NULL = all) by provider, endpoint, month, rule. */
	int		 (*each_conformance)(struct store_be *, const char *provider,
			    int (*fn)(const struct be_conformance *, void *), void *arg);
	/* Removes raw results before results_before_ms and hourly rollups before
	 * hourly_before_ms (a backend may drop whole partitions); rows removed or -1. */
	int64_t		 (*prune)(struct store_be *, int64_t results_before_ms,
			    int64_t hourly_before_ms);

	/* Read face. */
	int		 (*each_result)(struct store_be *, int64_t from_ms, int64_t to_ms,
			    const char *provider, int (*fn)(const struct store_row *, void *),
			    void *arg);
	int64_t		 (*count_results)(struct store_be *);
	/* Adds to counts[i] the results with time in [from_ms + i days, ... + 1 day). */
	int		 (*count_by_day)(struct store_be *, int64_t from_ms, size_t n_days,
			    int64_t *counts);
	/* store_count_results_by_endpoint (store.h), from_ms and to_ms whole UTC hours. */
	int		 (*count_by_endpoint)(struct store_be *, int64_t from_ms, int64_t to_ms,
			    int (*fn)(const char *provider, const char *endpoint, int64_t n,
			    void *), void *arg);
	int		 (*each_incident)(struct store_be *, const char *provider, int64_t since_ms,
			    int64_t only_id /* > 0: that incident only */,
			    int (*fn)(const struct store_incident *, void *), void *arg);
	int		 (*add_note)(struct store_be *, int64_t incident, int64_t t_ms,
			    const char *text);			/* 0, 1 no such incident, -1 */
	int		 (*each_note)(struct store_be *, int64_t incident,
			    int (*fn)(const struct store_note *, void *), void *arg);
	int		 (*each_endpoint)(struct store_be *, const char *provider,
			    int (*fn)(const struct store_endpoint_state *, void *), void *arg);
	/* Rollups by provider, endpoint, key: daily with from_day <= day <= to_day, or
	 * hourly with from_ms <= hour < to_ms; provider/endpoint NULL = all. */
	int		 (*each_rollup)(struct store_be *, bool daily, const char *from_day,
			    const char *to_day, int64_t from_ms, int64_t to_ms,
			    const char *provider, const char *endpoint,
			    int (*fn)(const struct be_rollup *, void *), void *arg);
	/* Optional: every endpoint's hourly rollups with from_ms <= hour < to_ms, as
	 * each_rollup, but summed between the hours of split_ms: one row per endpoint and
	 * stretch, at its first hour (hist may be several encodings one after another). */
	int		 (*each_rollup_spans)(struct store_be *, int64_t from_ms, int64_t to_ms,
			    const int64_t *split_ms, size_t n_split,
			    int (*fn)(const struct be_rollup *, void *), void *arg);
	char		*(*kind_memory)(struct store_be *, const char *provider,
			    const char *endpoint);		/* the kind memory; caller frees; NULL = none */

	/* Outbox. */
	/* Incidents that may need a mail: not notified as opened and started at or after
	 * since_ms, resolved at or after since_ms and not notified as resolved, or open and
	 * notified (for reminders); by id. */
	int		 (*each_mail_state)(struct store_be *, int64_t since_ms,
			    int (*fn)(const struct be_mail_state *, void *), void *arg);
	/* Inserts an outbox row unless (incident, event) is there: 1 inserted, 0 not, -1.
	 * incident 0 is stored as NULL: a row of no incident (store/keyed_outbox.c). */
	int		 (*outbox_insert)(struct store_be *, int64_t incident, const char *event_key,
			    const char *recipients, const char *subject, const char *body,
			    int64_t now_ms);
	int		 (*mail_mark)(struct store_be *, int64_t incident, enum be_mail_mark,
			    int reminder, int64_t now_ms);
	int		 (*each_mail_due)(struct store_be *, int64_t now_ms,
			    int (*fn)(const struct store_mail *, void *), void *arg);
	int		 (*mail_sent)(struct store_be *, int64_t id, int64_t now_ms);
	int		 (*mail_failed)(struct store_be *, int64_t id, const char *error,
			    int64_t next_attempt_ms, bool give_up);
	int		 (*outbox_stats)(struct store_be *, bool webhooks,
			    struct store_outbox_stats *);
	/*
	 * Operator alerts (no incident): inserts a row with a NULL incident unless a row with
	 * no incident and this event key is there (the check and the insert serialized with
	 * any other writer's): 1 inserted, 0 not, -1. Inside begin/commit.
	 */
	int		 (*outbox_insert_keyed)(struct store_be *, const char *event_key,
			    const char *recipients, const char *subject, const char *body,
			    int64_t now_ms);
	/* The newest no-incident row whose event key contains needle: 1 and *key, 0, -1. */
	int		 (*outbox_find_keyed)(struct store_be *, const char *needle, char **key);

	/* Vantage nodes (store.h). */
	int		 (*node_beat)(struct store_be *, const char *id, const char *location,
			    int64_t now_ms, bool started, bool leader, int64_t results_24h);
	int		 (*each_node)(struct store_be *,
			    int (*fn)(const struct store_node *, void *), void *arg);
	int		 (*try_leader)(struct store_be *);
	int		 (*each_node_latest)(struct store_be *, const char *provider,
			    int64_t since_ms, int (*fn)(const struct store_node_result *, void *),
			    void *arg);
	/* Optional: the same for n named endpoints only (any order, no duplicates). */
	int		 (*each_node_latest_of)(struct store_be *, size_t n,
			    const char *const *providers, const char *const *endpoints,
			    int64_t since_ms, int (*fn)(const struct store_node_result *, void *),
			    void *arg);

	/* The record (store/log.c): logs are only appended to, never pruned. */
	/* node's encoded right edge into buf (cap TLOG_EDGE_ENCODED_MAX): 1, 0 none, -1. */
	int		 (*log_edge)(struct store_be *, const char *node, unsigned char *buf,
			    size_t *len);
	/* Inside the caller's batch: entries first..first+n-1, then the new edge. */
	int		 (*log_append)(struct store_be *, const char *node, int64_t first,
			    const char *const *entries, size_t n, const unsigned char *edge,
			    size_t edge_len);
	int		 (*each_log)(struct store_be *,
			    int (*fn)(const struct store_log *, void *), void *arg);
	int		 (*each_log_entry)(struct store_be *, const char *node, int64_t from,
			    int64_t to, int (*fn)(int64_t, const char *, size_t, void *),
			    void *arg);
	int		 (*checkpoint_add)(struct store_be *, const char *node, int64_t size,
			    int64_t time_ms, const char *note);
	int		 (*checkpoint_set_note)(struct store_be *, const char *node, int64_t size,
			    const char *note);
	int		 (*each_checkpoint)(struct store_be *, const char *node,
			    int (*fn)(const struct store_checkpoint *, void *), void *arg);
	int		 (*log_token_add)(struct store_be *, const char *node, int64_t size,
			    const char *label, const unsigned char *der, size_t len);
	int		 (*each_log_token)(struct store_be *, const char *node,
			    int (*fn)(const struct store_log_token *, void *), void *arg);

	/* Raw copy, for `store migrate` (store/migrate.c): the tables of be_tables, their
	 * columns in that order, rows ordered by the table's key columns. */
	/* Calls fn for each row whose key is greater than after (NULL: from the start). */
	int		 (*copy_each)(struct store_be *, int table, const struct be_value *after,
			    int (*fn)(const struct be_value *row, void *), void *arg);
	/* The greatest key stored (1, with key filled and borrowed until the next call),
	 * 0 when the table is empty, -1 error. */
	int		 (*copy_last_key)(struct store_be *, int table, struct be_value *key);
	/* Inserts n rows (ncols values each) inside the caller's batch. */
	int		 (*copy_put)(struct store_be *, int table, const struct be_value *rows,
			    size_t n);
	int64_t		 (*copy_count)(struct store_be *, int table);
	/* After a copy: id sequences past the copied ids. */
	int		 (*copy_finish)(struct store_be *);
};

/* The backends (each returns its handle, or NULL with *err set; create = make the schema). */
struct store_be *sqlite_backend_open(const char *path, bool create, char **err);
extern const struct backend_ops sqlite_backend_ops;
struct store_be *pg_backend_open(const char *url, const char *password, bool create,
    char **err);
extern const struct backend_ops pg_backend_ops;

#endif
