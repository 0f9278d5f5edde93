/*
 * Internal to the PostgreSQL backend (store/pg*.c, the only files that include libpq-fe.h).
 * Every value travels as a bound parameter in text format; the only SQL text we build
 * holds identifiers from be_tables and integers we computed (partition names and bounds).
 */
#ifndef TW_PG_INT_H
#define TW_PG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "backend.h"
#include "rollup.h"
#include "../core/util.h"

/*
 * The backend's own schema version: v5 packs results, v6 adds results_recent, v7
 * result_days (logical schema v4, store.h).
 */
#define PG_SCHEMA_VERSION	7

/*
 * Results, packed (v4): one row of results_packed holds up to PG_PACK_MAX results of one
 * endpoint and node in one UTC hour, t0 its start (the partition key), lo and hi the
 * first and last result's ms after t0. v holds 6 integers per result, in (t, address)
 * order: (ms after t0) * 256 + code, then the timings in 0.1 ms (dns, conn, tls, ttfb,
 * total; -1 = none). addr, msg and det are one element per result, or NULL when every
 * address is "" and every message or details is NULL. v is stored PLAIN (never
 * compressed or moved out of line: the view subscripts it per result).
 * The view results shows one row per result with the columns of the logical schema
 * (and t0, which readers use to reach the hours they need).
 */
#define PG_PACK_MAX		64
#define PG_PACK_MAX_S		"64"
#define PG_HOUR_MS		3600000LL
#define PG_HOUR_MS_S		"3600000"
#define PG_PACKED_DDL \
	"CREATE TABLE results_packed (" \
	"  t0 bigint NOT NULL, ep integer NOT NULL, lo integer NOT NULL, hi integer NOT NULL," \
	"  node text COLLATE \"C\" NOT NULL, v integer[] NOT NULL, addr text[] COLLATE \"C\"," \
	"  msg text[], det text[]) PARTITION BY RANGE (t0);" \
	"ALTER TABLE results_packed ALTER COLUMN v SET STORAGE PLAIN;" \
	"CREATE INDEX results_packed_by_ep ON results_packed (ep, t0) WITH (fillfactor = 100);"
/* The result columns of chunk c, result i (0-based), as in the view. */
#define PG_UNPACK(c, i) \
	c ".ep, " c ".t0 + (" c ".v[" i " * 6 + 1] >> 8) AS t, " c ".node," \
	" coalesce(" c ".addr[" i " + 1], '') COLLATE \"C\" AS address," \
	" " c ".v[" i " * 6 + 1] & 255 AS code, nullif(" c ".v[" i " * 6 + 2], -1) AS dns," \
	" nullif(" c ".v[" i " * 6 + 3], -1) AS conn, nullif(" c ".v[" i " * 6 + 4], -1) AS tls," \
	" nullif(" c ".v[" i " * 6 + 5], -1) AS ttfb, nullif(" c ".v[" i " * 6 + 6], -1) AS total," \
	" " c ".msg[" i " + 1] AS msg, " c ".det[" i " + 1] AS details, " c ".t0"
#define PG_UNPACK_FROM(c) \
	" CROSS JOIN LATERAL generate_series(0, cardinality(" c ".v) / 6 - 1) AS px"
/*
 * Results, recent (v6): one row per result, partitioned by UTC hour (t0, its start;
 * partitions recent_<hours since 1970>). A live daemon writes here (a batch holds one
 * result per endpoint: packed directly, a row would hold one result, ~120 B); pg_fold.c
 * folds each closed hour into results_packed (one INSERT of the rows it DELETEs, one
 * statement) and drops the hour's partition once it holds no row (no dead tuple left
 * for vacuum). The view is the union of both: a result is in exactly one of them at
 * any instant, for every snapshot.
 */
#define PG_RECENT_DDL \
	"CREATE TABLE results_recent (" \
	"  t0 bigint NOT NULL, t bigint NOT NULL, ep integer NOT NULL, dns integer," \
	"  conn integer, tls integer, ttfb integer, total integer, code smallint NOT NULL," \
	"  node text COLLATE \"C\" NOT NULL, address text COLLATE \"C\" NOT NULL, msg text," \
	"  details text) PARTITION BY RANGE (t0);" \
	"CREATE INDEX results_recent_by_ep ON results_recent (ep, t);"
/*
 * Results per UTC day (v7): deltas appended by statement triggers (pg.c's v7 step), summed
 * by pg_count_by_day, compacted by pg_fold (days_compact, pg_fold.c).
 */
#define PG_DAY_MS_S		"86400000"
#define PG_DAYS_TRIGGER(tbl, fn, n) \
	"CREATE FUNCTION " fn "() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN" \
	" IF TG_OP = 'INSERT' THEN INSERT INTO result_days SELECT t0 / " PG_DAY_MS_S ", " n \
	"  FROM tw_new GROUP BY 1 ORDER BY 1;" \
	" ELSE INSERT INTO result_days SELECT t0 / " PG_DAY_MS_S ", -(" n ")" \
	"  FROM tw_old GROUP BY 1 ORDER BY 1; END IF; RETURN NULL; END $f$;" \
	"CREATE TRIGGER " fn "_ins AFTER INSERT ON " tbl " REFERENCING NEW TABLE AS tw_new" \
	" FOR EACH STATEMENT EXECUTE FUNCTION " fn "();" \
	"CREATE TRIGGER " fn "_del AFTER DELETE ON " tbl " REFERENCING OLD TABLE AS tw_old" \
	" FOR EACH STATEMENT EXECUTE FUNCTION " fn "();"
#define PG_DAYS_DDL \
	"CREATE TABLE result_days (day bigint NOT NULL, n bigint NOT NULL);" \
	"CREATE INDEX result_days_by_day ON result_days (day);" \
	PG_DAYS_TRIGGER("results_packed", "result_days_packed", "sum(cardinality(v) / 6)") \
	PG_DAYS_TRIGGER("results_recent", "result_days_recent", "count(*)")
/* v5's view (the migration to it), before results_recent. */
#define PG_RESULTS_VIEW_V5 \
	"CREATE VIEW results AS SELECT " PG_UNPACK("c", "px") " FROM results_packed c" \
	PG_UNPACK_FROM("c")
#define PG_RESULTS_VIEW \
	"CREATE VIEW results AS SELECT " PG_UNPACK("c", "px") " FROM results_packed c" \
	PG_UNPACK_FROM("c") " UNION ALL SELECT r.ep, r.t, r.node, r.address, r.code::integer," \
	" r.dns, r.conn, r.tls, r.ttfb, r.total, r.msg, r.details, r.t0 FROM results_recent r"
/*
 * A batch's run of results of one endpoint, node and hour goes to results_recent while
 * its hour is not due for folding (pg_now before its end + PG_FOLD_GRACE_MS) and it has
 * fewer than PG_PACK_DIRECT results; otherwise (a copy, a late result, a spool replay of
 * an hour folded or due) it is packed directly, into rows of its own.
 */
#define PG_PACK_DIRECT		32
/* An hour is folded this long after its end (batches of its last seconds are in). */
#define PG_FOLD_GRACE_MS	120000LL
/*
 * Packs the result rows of src (a relation or a parenthesised query with the columns of
 * the view, t0 excepted) into results_packed.
 */
#define PG_PACK_FROM(src) \
	"INSERT INTO results_packed (t0, ep, lo, hi, node, v, addr, msg, det)" \
	" SELECT h, ep, min(t - h)::integer, max(t - h)::integer, node," \
	" ARRAY(SELECT unnest(array_agg(ARRAY[((t - h) * 256 + code)::integer," \
	"  coalesce(dns, -1)::integer, coalesce(conn, -1)::integer, coalesce(tls, -1)::integer," \
	"  coalesce(ttfb, -1)::integer, coalesce(total, -1)::integer] ORDER BY t, address)))," \
	" CASE WHEN bool_or(address <> '') THEN array_agg(address ORDER BY t, address) END," \
	" CASE WHEN bool_or(msg IS NOT NULL) THEN array_agg(msg ORDER BY t, address) END," \
	" CASE WHEN bool_or(details IS NOT NULL) THEN array_agg(details ORDER BY t, address) END" \
	" FROM (SELECT s.ep, s.t, s.node, s.address, s.code, s.dns, s.conn, s.tls, s.ttfb," \
	"  s.total, s.msg, s.details, s.t - s.t % " PG_HOUR_MS_S " AS h," \
	"  (row_number() OVER (PARTITION BY s.ep, s.node, s.t - s.t % " PG_HOUR_MS_S \
	"  ORDER BY s.t, s.address) - 1) / " PG_PACK_MAX_S " AS k FROM " src " s) x" \
	" GROUP BY ep, node, h, k"
#define PG_MAX_PARAMS		16
/* pg_advisory_xact_lock keys: schema migration, and results partition DDL. */
#define PG_LOCK_MIGRATE		0x74770001LL
#define PG_LOCK_PARTITIONS	0x74770002LL
/* The leader's session lock: (this, hash of the schema), so each store has its own. */
#define PG_LOCK_LEADER		0x74770003
/* A node's results writer, in a batch: (this, hash of the schema and node). */
#define PG_LOCK_NODE		0x74770005
/* pg_try_advisory_xact_lock: one folder at a time, (this, hash of the schema). */
#define PG_LOCK_FOLD		0x74770006
/* pg_advisory_xact_lock key: queuing a keyed (no incident) outbox row, pg_outbox_keyed.c. */
#define PG_LOCK_OUTBOX_KEYED	0x74770004LL

/* A connection being made again without waiting (loop mode, pg.c revive). */
struct pg_revive {
	bool		 active;
	bool		 fresh;		/* PQconnectStart (else PQresetStart) */
	int		 poll;		/* PostgresPollingStatusType last returned */
	int64_t		 started_ms;	/* mono_ms() */
};

struct store_be {
	PGconn		*conn;
	char		*err;
	bool		 in_tx;		/* between begin and commit/rollback */
	bool		 tx_failed;	/* an error in the open batch: its text is kept */
	int		 lock_ms;	/* lock_timeout */
	/*
	 * Result partitions known to exist: packed months (month numbers, >= 0) and recent
	 * hours (-1 - hours since 1970), pg_part_month and pg_part_hour.
	 */
	int64_t		*months;
	size_t		 n_months, cap_months;
	int64_t		*new_months;	/* created in the open batch, known once it commits */
	size_t		 n_new, cap_new;
	unsigned	 cursors;	/* nesting depth of pg_each (cursor names) */
	/*
	 * The reader: a second connection, opened on the first read outside a batch, where
	 * such reads stream through plain cursors in one read-only transaction (open while
	 * rdepth > 0, so nested reads share it). Writes and batches stay on conn.
	 */
	PGconn		*rconn;
	unsigned	 rdepth;
	bool		 rfailed;	/* an error in the open read: its text is kept */
	char		*url, *password;	/* to open the reader */
	PGresult	*key_res;	/* copy_last_key's key, borrowed by the caller */
	unsigned	 generation;	/* connections made (PQreset) since the first */
	bool		 leader;	/* holds the leader lock in connection leader_gen */
	unsigned	 leader_gen;
	/* Loop mode (store_set_nonblocking): a lost connection is made again a step at a
	 * time by later ops, which fail at once meanwhile; never a wait for a connection. */
	bool		 loop;
	struct pg_revive wrev, rrev;	/* of conn, of rconn */
	int64_t		 fold_next;	/* pg_now ms of the next fold round (pg_fold.c) */
	int64_t		 clock_ms;	/* tests and benches: "now" (0: the wall clock) */
};

/* Now, for what goes to results_recent and when it is folded (ms since 1970). */
static inline int64_t
pg_now(const struct store_be *b)
{
	return b->clock_ms != 0 ? b->clock_ms : now_ms();
}

/* Parameters of one statement: text values, NULL = SQL NULL. */
struct pg_params {
	int		 n;
	const char	*v[PG_MAX_PARAMS];
	int		 len[PG_MAX_PARAMS];	/* of binary values */
	int		 fmt[PG_MAX_PARAMS];	/* 1 = binary */
	char		 num[PG_MAX_PARAMS][24];
	char		*own[PG_MAX_PARAMS];	/* repaired copies of texts, freed once run */
	int		 n_own;
};

void pg_params_int(struct pg_params *, int64_t);
/*
 * A text, borrowed until the statement runs (a text that is not UTF-8, as remote text
 * may be, is sent repaired: each bad byte becomes U+FFFD; PostgreSQL refuses it as is).
 */
void pg_params_text(struct pg_params *, const char *);
/* Frees the repaired copies; the statement helpers call it once the statement is sent. */
void pg_params_release(struct pg_params *);
void pg_params_null(struct pg_params *);

/* Sets the error text (keeps the first one of a failed batch); res may be NULL. */
void pg_err(struct store_be *, const char *what, const PGresult *res);
void pg_errf(struct store_be *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Re-establishes a lost connection once (never inside a batch). 0 or -1. */
int pg_ready(struct store_be *);
/* Runs sql; returns its result (caller PQclear()s), or NULL with the error set. */
PGresult *pg_q(struct store_be *, const char *what, const char *sql, struct pg_params *);
/* Runs sql for its effect; returns the rows it affected, or -1. */
int64_t pg_cmd(struct store_be *, const char *what, const char *sql, struct pg_params *);
/*
 * Runs n statements in one round trip (a pipeline), in order; out[i] is the rows of
 * statement i (NULL when it returns none; caller PQclear()s). 0, or -1 with nothing in out.
 */
int pg_multi(struct store_be *, const char *what, size_t n, const char *const *sql,
    struct pg_params *const *p, PGresult **out);
/*
 * Streams the rows of the query sql through a cursor, 1000 at a time (constant memory
 * here; the callback may run other ops, and outside a batch its own batches).
 * Inside a batch the cursor is the batch's; outside, it is a plain cursor of the reader's
 * read transaction (rows flow as the server finds them, nested reads share it), and the
 * callback's writes and batches commit on conn as they go. The read holds share locks
 * until it ends: a batch in its callback that must create a results partition waits for
 * them (lock_timeout), as it would for any other reader.
 * row returns non-zero to stop. 0 or -1.
 */
int pg_each(struct store_be *, const char *what, const char *sql, struct pg_params *,
    int (*row)(const PGresult *, int, void *), void *arg);

/* SELECT count(*) sql without the statement timeout (a count of a large history is slow). */
int64_t pg_count(struct store_be *, const char *what, const char *sql);

/* Column getters: an integer (dflt when NULL), a string (NULL when NULL). */
int64_t pg_int(const PGresult *, int row, int col, int64_t dflt);
const char *pg_str(const PGresult *, int row, int col);
/* Decodes a bytea column (hex text) into out (cap bytes); returns its length, 0 when NULL. */
size_t pg_bytea(const PGresult *, int row, int col, unsigned char *out, size_t cap);
/* Appends p[0..len) as a bytea hex literal ("\x0a1b") to b. */
void pg_hex(struct buf *, const unsigned char *p, size_t len);

/*
 * Array parameters for unnest($n::type[]), in binary: add elements, end with the element
 * type ('i' bigint, 't' text, 'b' bytea), then pass with pg_params_arr (borrowed).
 */
void pg_arr_int(struct buf *, int64_t v, bool null);
void pg_arr_text(struct buf *, const char *s);		/* NULL = NULL element */
void pg_arr_bytea(struct buf *, const unsigned char *p, size_t len);	/* len 0 = NULL */
void pg_arr_end(struct buf *, char type);
void pg_params_arr(struct pg_params *, const struct buf *);

/* pg_backend_open, migrating no further than version (tests make older stores with it). */
struct store_be *pg_backend_open_at(const char *url, const char *password, bool create,
    int version, char **err);

/*
 * Results partitions (pg_write.c): makes sure each partition of keys exists (a packed
 * month, pg_part_month, or a recent hour, pg_part_hour), in the batch.
 */
int64_t pg_part_month(int64_t t_ms);
int64_t pg_part_hour(int64_t t_ms);
int pg_partitions_ensure(struct store_be *, const int64_t *keys, size_t n);
void pg_partitions_forget(struct store_be *);
/* The partition (key) was dropped: not known any more. */
void pg_partitions_dropped(struct store_be *, int64_t key);
/*
 * pg_fold.c: folds the hours of results_recent that ended PG_FOLD_GRACE_MS before now_ms
 * into results_packed, and drops their partitions once empty; outside a batch, at most
 * max_steps hours (0: all). 1 when work is left, 0 when done, -1 on error.
 * pg_fold_due runs it when its time comes (after a batch commits, any writer).
 */
int pg_fold(struct store_be *, int64_t now_ms, int max_steps);
void pg_fold_due(struct store_be *);
/*
 * Outside a batch: makes this month's and next month's partitions in a short transaction
 * of their own, so a batch rarely needs the DDL (it locks results for every node).
 */
int pg_partitions_ahead(struct store_be *);

/* Ops in pg_write.c, pg_read.c, pg_copy.c. */
int64_t pg_endpoint_id(struct store_be *, const char *, const char *, const char *);
int pg_endpoint_ids(struct store_be *, size_t, const char *const *, const char *const *,
    const char *const *, int64_t *);
int pg_add_results(struct store_be *, const struct be_result *, size_t, bool *);
int pg_set_latest(struct store_be *, const struct be_latest *, size_t);
int pg_get_state(struct store_be *, int64_t, struct incident_state *, int64_t *);
int pg_put_state(struct store_be *, int64_t, const struct incident_state *, int64_t);
int64_t pg_incident_open(struct store_be *, const struct be_incident *);
int pg_incident_update(struct store_be *, int64_t, const char *, const char *, int64_t);
int pg_rollup_add(struct store_be *, const struct be_rollup *, size_t);
int pg_conformance_add(struct store_be *, const struct be_conformance *, size_t);
int pg_each_conformance(struct store_be *, const char *,
    int (*)(const struct be_conformance *, void *), void *);
int64_t pg_prune(struct store_be *, int64_t, int64_t);
/* Stores results (copy_put's rows too): skips those whose key is stored, sets stored[]. */

int pg_each_result(struct store_be *, int64_t, int64_t, const char *,
    int (*)(const struct store_row *, void *), void *);
int64_t pg_count_results(struct store_be *);
int pg_count_by_day(struct store_be *, int64_t, size_t, int64_t *);
int pg_count_by_endpoint(struct store_be *, int64_t, int64_t,
    int (*)(const char *, const char *, int64_t, void *), void *);
int pg_each_incident(struct store_be *, const char *, int64_t, int64_t,
    int (*)(const struct store_incident *, void *), void *);
int pg_add_note(struct store_be *, int64_t, int64_t, const char *);
int pg_each_note(struct store_be *, int64_t, int (*)(const struct store_note *, void *), void *);
int pg_each_endpoint(struct store_be *, const char *,
    int (*)(const struct store_endpoint_state *, void *), void *);
/*
 * The order guard of a read whose rows come endpoint by endpoint (a LATERAL per endpoint,
 * pg_read.c): by provider and endpoint, then by key, ascending (strictly when strict). A
 * row out of that order fails the read instead of mixing endpoints. Start as
 * { .ep = -1, .strict = ... }; pg_order_clear frees what it keeps.
 */
struct pg_order {
	int64_t		 ep, key;	/* the last row's; ep -1 before the first */
	char		*provider, *endpoint;
	bool		 strict;
	bool		 broken;	/* a row came out of order */
};
/* Notes the next row; false (and broken, for good) when it is out of order. */
bool pg_order_next(struct pg_order *, int64_t ep, const char *provider, const char *endpoint,
    int64_t key);
void pg_order_clear(struct pg_order *);

int pg_each_rollup(struct store_be *, bool, const char *, const char *, int64_t, int64_t,
    const char *, const char *, int (*)(const struct be_rollup *, void *), void *);
int pg_each_rollup_spans(struct store_be *, int64_t, int64_t, const int64_t *, size_t,
    int (*)(const struct be_rollup *, void *), void *);
char *pg_kind_memory(struct store_be *, const char *, const char *);

int pg_each_mail_state(struct store_be *, int64_t, int (*)(const struct be_mail_state *, void *),
    void *);
int pg_outbox_insert(struct store_be *, int64_t, const char *, const char *, const char *,
    const char *, int64_t);
int pg_mail_mark(struct store_be *, int64_t, enum be_mail_mark, int, int64_t);
int pg_each_mail_due(struct store_be *, int64_t, int (*)(const struct store_mail *, void *),
    void *);
int pg_mail_sent(struct store_be *, int64_t, int64_t);
int pg_mail_failed(struct store_be *, int64_t, const char *, int64_t, bool);
int pg_outbox_stats(struct store_be *, bool, struct store_outbox_stats *);
/* pg_outbox_keyed.c: operator alerts, keyed rows without an incident. */
int pg_outbox_insert_keyed(struct store_be *, const char *, const char *, const char *,
    const char *, int64_t);
int pg_outbox_find_keyed(struct store_be *, const char *, char **);

int pg_node_beat(struct store_be *, const char *, const char *, int64_t, bool, bool, int64_t);
int pg_each_node(struct store_be *, int (*)(const struct store_node *, void *), void *);
int pg_try_leader(struct store_be *);
int pg_each_node_latest(struct store_be *, const char *, int64_t,
    int (*)(const struct store_node_result *, void *), void *);
int pg_each_node_latest_of(struct store_be *, size_t, const char *const *,
    const char *const *, int64_t, int (*)(const struct store_node_result *, void *), void *);

int pg_copy_each(struct store_be *, int, const struct be_value *,
    int (*)(const struct be_value *, void *), void *);
int pg_copy_last_key(struct store_be *, int, struct be_value *);
int pg_copy_put(struct store_be *, int, const struct be_value *, size_t);
int64_t pg_copy_count(struct store_be *, int);
int pg_copy_finish(struct store_be *);
/* pg_log.c */
int pg_log_edge(struct store_be *, const char *, unsigned char *, size_t *);
int pg_log_append(struct store_be *, const char *, int64_t, const char *const *, size_t,
    const unsigned char *, size_t);
int pg_each_log(struct store_be *, int (*)(const struct store_log *, void *), void *);
int pg_each_log_entry(struct store_be *, const char *, int64_t, int64_t,
    int (*)(int64_t, const char *, size_t, void *), void *);
int pg_checkpoint_add(struct store_be *, const char *, int64_t, int64_t, const char *);
int pg_checkpoint_set_note(struct store_be *, const char *, int64_t, const char *);
int pg_each_checkpoint(struct store_be *, const char *,
    int (*)(const struct store_checkpoint *, void *), void *);
int pg_log_token_add(struct store_be *, const char *, int64_t, const char *,
    const unsigned char *, size_t);
int pg_each_log_token(struct store_be *, const char *,
    int (*)(const struct store_log_token *, void *), void *);

#endif
