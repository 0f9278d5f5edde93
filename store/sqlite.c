/*
 * SQLite backend of the store (backend.h): the embedded default, one file, one node.
 * Prepared statements with bound parameters only; WAL; busy timeout; schema created
 * and migrated by PRAGMA user_version. sqlite*.c are the only files that include sqlite3.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "rollup.h"
#include "../core/config.h"
#include "../core/util.h"

/*
 * Schema v1. Results are compact: a WITHOUT ROWID table keyed (endpoint, time),
 * the reason (status derives from it) and the maintenance flag packed in one small
 * integer, timings in integer tenths of a millisecond, message and details NULL
 * for an up result (its facts live in endpoints.last_details and in the rollups).
 */
static const char *const migrations[] = {
	/* v0 -> v1 */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE endpoints ("
	"  id INTEGER PRIMARY KEY,"
	"  provider TEXT NOT NULL, endpoint TEXT NOT NULL, kind TEXT NOT NULL,"
	"  last_time INTEGER, last_code INTEGER, last_message TEXT, last_details TEXT,"
	"  crl_number TEXT,"
	"  bad_streak INTEGER NOT NULL DEFAULT 0, good_streak INTEGER NOT NULL DEFAULT 0,"
	"  bad_since INTEGER NOT NULL DEFAULT 0, good_since INTEGER NOT NULL DEFAULT 0,"
	"  streak_reasons INTEGER NOT NULL DEFAULT 0, streak_worst INTEGER NOT NULL DEFAULT 0,"
	"  open_incident INTEGER REFERENCES incidents(id),"
	"  UNIQUE (provider, endpoint));"
	"CREATE TABLE results ("
	"  ep INTEGER NOT NULL, t INTEGER NOT NULL, code INTEGER NOT NULL,"
	"  dns INTEGER, conn INTEGER, tls INTEGER, ttfb INTEGER, total INTEGER,"
	"  msg TEXT, details TEXT,"
	"  PRIMARY KEY (ep, t)) WITHOUT ROWID;"
	"CREATE TABLE incidents ("
	"  id INTEGER PRIMARY KEY,"
	"  ep INTEGER NOT NULL REFERENCES endpoints(id),"
	"  start INTEGER NOT NULL, end INTEGER,"
	"  worst TEXT NOT NULL, reasons TEXT NOT NULL, message TEXT,"
	"  notified_open INTEGER, notified_resolved INTEGER,"
	"  reminders INTEGER NOT NULL DEFAULT 0, last_mail INTEGER);"
	"CREATE INDEX incidents_by_ep ON incidents (ep, start);"
	"CREATE INDEX incidents_unnotified ON incidents (id)"
	"  WHERE notified_open IS NULL OR (end IS NOT NULL AND notified_resolved IS NULL) OR end IS NULL;"
	"CREATE TABLE incident_notes ("
	"  id INTEGER PRIMARY KEY,"
	"  incident INTEGER NOT NULL REFERENCES incidents(id),"
	"  t INTEGER NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX incident_notes_by_incident ON incident_notes (incident);"
	"CREATE TABLE daily ("
	"  ep INTEGER NOT NULL, day TEXT NOT NULL,"
	"  checks INTEGER NOT NULL, up INTEGER NOT NULL, degraded INTEGER NOT NULL,"
	"  down INTEGER NOT NULL, maintenance INTEGER NOT NULL,"
	"  up_ms INTEGER NOT NULL, degraded_ms INTEGER NOT NULL,"
	"  down_ms INTEGER NOT NULL, maintenance_ms INTEGER NOT NULL,"
	"  latency BLOB,"
	"  PRIMARY KEY (ep, day)) WITHOUT ROWID;"
	"CREATE TABLE hourly ("
	"  ep INTEGER NOT NULL, hour INTEGER NOT NULL,"
	"  checks INTEGER NOT NULL, up INTEGER NOT NULL, degraded INTEGER NOT NULL,"
	"  down INTEGER NOT NULL, maintenance INTEGER NOT NULL,"
	"  up_ms INTEGER NOT NULL, degraded_ms INTEGER NOT NULL,"
	"  down_ms INTEGER NOT NULL, maintenance_ms INTEGER NOT NULL,"
	"  latency BLOB,"
	"  PRIMARY KEY (ep, hour)) WITHOUT ROWID;"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  created INTEGER NOT NULL, incident INTEGER REFERENCES incidents(id),"
	"  event TEXT NOT NULL, recipients TEXT NOT NULL,"
	"  subject TEXT NOT NULL, body TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
	"  sent INTEGER, failed INTEGER, last_error TEXT,"
	"  UNIQUE (incident, event));"
	"CREATE INDEX outbox_pending ON outbox (next_attempt) WHERE sent IS NULL AND failed IS NULL;",
	/* v1 -> v2: results carry their node and address and are append-only. */
	"CREATE TABLE results_v2 ("
	"  ep INTEGER NOT NULL, t INTEGER NOT NULL,"
	"  node TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '',"
	"  code INTEGER NOT NULL,"
	"  dns INTEGER, conn INTEGER, tls INTEGER, ttfb INTEGER, total INTEGER,"
	"  msg TEXT, details TEXT,"
	"  PRIMARY KEY (ep, t, node, address)) WITHOUT ROWID;"
	"INSERT INTO results_v2 (ep, t, code, dns, conn, tls, ttfb, total, msg, details)"
	"  SELECT ep, t, code, dns, conn, tls, ttfb, total, msg, details FROM results;"
	"DROP TABLE results;"
	"ALTER TABLE results_v2 RENAME TO results;"
	"CREATE TABLE nodes ("
	"  id TEXT PRIMARY KEY, location TEXT NOT NULL DEFAULT '',"
	"  last_seen INTEGER NOT NULL, started INTEGER NOT NULL,"
	"  leader INTEGER NOT NULL DEFAULT 0, results_24h INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;",
	/* v2 -> v3: the verifiable record (SPEC §12; sqlite_log.c), never pruned. */
	"CREATE TABLE log ("
	"  node TEXT NOT NULL, idx INTEGER NOT NULL, entry TEXT NOT NULL,"
	"  PRIMARY KEY (node, idx)) WITHOUT ROWID;"
	"CREATE TABLE log_state (node TEXT PRIMARY KEY, edge BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE checkpoints ("
	"  node TEXT NOT NULL, tree_size INTEGER NOT NULL, t INTEGER NOT NULL, note TEXT NOT NULL,"
	"  PRIMARY KEY (node, tree_size)) WITHOUT ROWID;"
	"CREATE TABLE log_tokens ("
	"  node TEXT NOT NULL, tree_size INTEGER NOT NULL, label TEXT NOT NULL, der BLOB NOT NULL,"
	"  PRIMARY KEY (node, tree_size, label)) WITHOUT ROWID;",
	/* v3 -> v4: conformance sums per endpoint, month and rule (SPEC §14). */
	"CREATE TABLE conformance ("
	"  ep INTEGER NOT NULL, month TEXT NOT NULL, rule TEXT NOT NULL,"
	"  checks INTEGER NOT NULL, violations INTEGER NOT NULL, first INTEGER, last INTEGER,"
	"  PRIMARY KEY (ep, month, rule)) WITHOUT ROWID;",
};


void
sq_set_err(struct store_be *s, const char *what)
{
	free(s->err);
	s->err = xasprintf("%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
}

static const char *
sq_error(struct store_be *s)
{
	return s->err ? s->err : "no error";
}

int
sq_exec(struct store_be *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		free(s->err);
		s->err = xasprintf("%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
sq_schema_version(struct store_be *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Brings the schema to STORE_SCHEMA_VERSION, one transaction per step. */
static int
migrate(struct store_be *s)
{
	int v = sq_schema_version(s);

	if (v < 0) {
		sq_set_err(s, "reading the schema version");
		return -1;
	}
	if (v > STORE_SCHEMA_VERSION) {
		free(s->err);
		s->err = xasprintf("the database has schema v%d, newer than this trustwatch (v%d)",
		    v, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
		if (sq_exec(s, "BEGIN IMMEDIATE;") != 0)
			return -1;
		if (sq_exec(s, migrations[v]) != 0 || sq_exec(s, pragma) != 0) {
			char *e = s->err;

			s->err = NULL;
			sq_exec(s, "ROLLBACK;");
			free(s->err);
			s->err = xasprintf("migrating the schema to v%d: %s", v + 1, e);
			free(e);
			return -1;
		}
		if (sq_exec(s, "COMMIT;") != 0)
			return -1;
	}
	return 0;
}

static int
prepare(struct store_be *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		sq_set_err(s, "preparing a statement");
		return -1;
	}
	return 0;
}

static void sq_close(struct store_be *);

#define ROLLUP_COLS "checks, up, degraded, down, maintenance, up_ms, degraded_ms, down_ms," \
	" maintenance_ms, latency"

struct store_be *
sqlite_backend_open(const char *path, bool create, char **err)
{
	struct store_be *s = xcalloc(1, sizeof(*s));
	struct stat sb;

	*err = NULL;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (create ? SQLITE_OPEN_CREATE : 0), NULL) != SQLITE_OK) {
		*err = xasprintf("%s: cannot open database: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sq_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	if (!create && sq_schema_version(s) < 1) {
		*err = xasprintf("%s: not a trustwatch store (no schema)", path);
		sq_close(s);
		return NULL;
	}
	if (sq_exec(s, "PRAGMA journal_mode = WAL;") != 0 ||
	    sq_exec(s, "PRAGMA synchronous = NORMAL;") != 0 ||
	    sq_exec(s, "PRAGMA foreign_keys = ON;") != 0 ||
	    migrate(s) != 0 ||
	    /* Append-only: a result already stored under its key is never replaced. */
	    prepare(s, &s->ins_result,
	    "INSERT OR IGNORE INTO results (ep, t, node, address, code, dns, conn, tls, ttfb,"
	    " total, msg, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)") != 0 ||
	    prepare(s, &s->upd_endpoint,
	    "UPDATE endpoints SET last_time = ?2, last_code = ?3, last_message = ?4,"
	    " last_details = ?5, crl_number = coalesce(?6, crl_number) WHERE id = ?1") != 0 ||
	    prepare(s, &s->sel_endpoint,
	    "SELECT id FROM endpoints WHERE provider = ?1 AND endpoint = ?2") != 0 ||
	    prepare(s, &s->ins_endpoint,
	    "INSERT INTO endpoints (provider, endpoint, kind) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (provider, endpoint) DO UPDATE SET kind = excluded.kind") != 0 ||
	    prepare(s, &s->sel_state,
	    "SELECT bad_streak, good_streak, bad_since, good_since, streak_reasons, streak_worst,"
	    " open_incident FROM endpoints WHERE id = ?1") != 0 ||
	    prepare(s, &s->upd_state,
	    "UPDATE endpoints SET bad_streak = ?2, good_streak = ?3, bad_since = ?4,"
	    " good_since = ?5, streak_reasons = ?6, streak_worst = ?7, open_incident = ?8"
	    " WHERE id = ?1") != 0 ||
	    prepare(s, &s->ins_incident,
	    "INSERT INTO incidents (ep, start, worst, reasons, message) VALUES (?1, ?2, ?3, ?4, ?5)") != 0 ||
	    prepare(s, &s->upd_incident,
	    "UPDATE incidents SET worst = ?2, reasons = ?3, end = ?4 WHERE id = ?1") != 0 ||
	    prepare(s, &s->rollup_sel[0],
	    "SELECT " ROLLUP_COLS " FROM hourly WHERE ep = ?1 AND hour = ?2") != 0 ||
	    prepare(s, &s->rollup_sel[1],
	    "SELECT " ROLLUP_COLS " FROM daily WHERE ep = ?1 AND day = ?2") != 0 ||
	    prepare(s, &s->rollup_put[0],
	    "INSERT OR REPLACE INTO hourly (ep, hour, " ROLLUP_COLS ") VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)") != 0 ||
	    prepare(s, &s->rollup_put[1],
	    "INSERT OR REPLACE INTO daily (ep, day, " ROLLUP_COLS ") VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)") != 0) {
		*err = xasprintf("%s: %s", path, sq_error(s));
		sq_close(s);
		return NULL;
	}
	if (strcmp(path, ":memory:") != 0 && path[0] != '\0' && stat(path, &sb) == 0) {
		s->path = xstrdup(path);
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
	}
	return s;
}

static void
sq_set_busy_timeout(struct store_be *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

static int
sq_file_check(struct store_be *s)
{
	struct stat sb;

	if (s->path == NULL)
		return 0;
	if (stat(s->path, &sb) != 0) {
		free(s->err);
		s->err = xasprintf("%s: %s (the open database was deleted)", s->path,
		    strerror(errno));
		return -1;
	}
	if (sb.st_dev != s->dev || sb.st_ino != s->ino) {
		free(s->err);
		s->err = xasprintf("%s: the path now names another file (the open database was"
		    " replaced)", s->path);
		return -1;
	}
	return 0;
}

static void
sq_close(struct store_be *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->ins_result);
	sqlite3_finalize(s->upd_endpoint);
	sqlite3_finalize(s->sel_endpoint);
	sqlite3_finalize(s->ins_endpoint);
	sqlite3_finalize(s->sel_state);
	sqlite3_finalize(s->upd_state);
	sqlite3_finalize(s->ins_incident);
	sqlite3_finalize(s->upd_incident);
	sqlite3_finalize(s->copy_key);
	for (size_t i = 0; i < sizeof(s->log_stmt) / sizeof(s->log_stmt[0]); i++)
		sqlite3_finalize(s->log_stmt[i]);
	for (int d = 0; d < 2; d++) {
		sqlite3_finalize(s->rollup_sel[d]);
		sqlite3_finalize(s->rollup_put[d]);
	}
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s->err);
	free(s);
}

static int
sq_begin(struct store_be *s)
{
	return sq_exec(s, "BEGIN IMMEDIATE;");
}

static int
sq_commit(struct store_be *s)
{
	return sq_exec(s, "COMMIT;");
}

static void
sq_rollback(struct store_be *s)
{
	char *e = s->err;

	s->err = NULL;
	sq_exec(s, "ROLLBACK;");
	free(s->err);
	s->err = e;
}

static int64_t
sq_endpoint_id(struct store_be *s, const char *provider, const char *endpoint, const char *kind)
{
	int64_t id = -1;

	sqlite3_reset(s->ins_endpoint);
	sqlite3_bind_text(s->ins_endpoint, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_endpoint, 2, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_endpoint, 3, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(s->ins_endpoint) != SQLITE_DONE) {
		sq_set_err(s, "recording an endpoint");
		sqlite3_reset(s->ins_endpoint);
		return -1;
	}
	sqlite3_reset(s->ins_endpoint);
	sqlite3_reset(s->sel_endpoint);
	sqlite3_bind_text(s->sel_endpoint, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->sel_endpoint, 2, endpoint, -1, SQLITE_STATIC);
	if (sqlite3_step(s->sel_endpoint) == SQLITE_ROW)
		id = sqlite3_column_int64(s->sel_endpoint, 0);
	else
		sq_set_err(s, "looking up an endpoint");
	sqlite3_reset(s->sel_endpoint);
	return id;
}

static void
bind_opt_text(sqlite3_stmt *st, int col, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

static int
sq_add_results(struct store_be *s, const struct be_result *rs, size_t n, bool *stored)
{
	sqlite3_stmt *ins = s->ins_result;

	for (size_t i = 0; i < n; i++) {
		const struct be_result *r = &rs[i];
		int rc;

		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, r->ep);
		sqlite3_bind_int64(ins, 2, r->time_ms);
		sqlite3_bind_text(ins, 3, r->node, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, r->address, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 5, r->code);
		for (int p = 0; p < PHASE__MAX; p++) {
			if (r->tenths[p] < 0)
				sqlite3_bind_null(ins, 6 + p);
			else
				sqlite3_bind_int64(ins, 6 + p, r->tenths[p]);
		}
		bind_opt_text(ins, 11, r->message);
		bind_opt_text(ins, 12, r->details);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE) {
			sq_set_err(s, "storing a result");
			return -1;
		}
		stored[i] = sqlite3_changes(s->db) == 1;
	}
	return 0;
}

static int
sq_set_latest(struct store_be *s, const struct be_latest *ls, size_t n)
{
	sqlite3_stmt *st = s->upd_endpoint;

	for (size_t i = 0; i < n; i++) {
		const struct be_result *r = ls[i].r;
		int rc;

		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, r->ep);
		sqlite3_bind_int64(st, 2, r->time_ms);
		sqlite3_bind_int(st, 3, r->code);
		bind_opt_text(st, 4, r->message);
		bind_opt_text(st, 5, r->details);
		bind_opt_text(st, 6, ls[i].memory);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			sq_set_err(s, "updating an endpoint");
			return -1;
		}
	}
	return 0;
}

static int
sq_get_state(struct store_be *s, int64_t ep, struct incident_state *is, int64_t *open_id)
{
	memset(is, 0, sizeof(*is));
	*open_id = 0;
	sqlite3_reset(s->sel_state);
	sqlite3_bind_int64(s->sel_state, 1, ep);
	if (sqlite3_step(s->sel_state) != SQLITE_ROW) {
		sq_set_err(s, "reading incident state");
		sqlite3_reset(s->sel_state);
		return -1;
	}
	is->bad_streak = sqlite3_column_int(s->sel_state, 0);
	is->good_streak = sqlite3_column_int(s->sel_state, 1);
	is->bad_since = sqlite3_column_int64(s->sel_state, 2);
	is->good_since = sqlite3_column_int64(s->sel_state, 3);
	is->reasons = (uint64_t)sqlite3_column_int64(s->sel_state, 4);
	is->worst = (enum status)sqlite3_column_int(s->sel_state, 5);
	if (sqlite3_column_type(s->sel_state, 6) != SQLITE_NULL)
		*open_id = sqlite3_column_int64(s->sel_state, 6);
	sqlite3_reset(s->sel_state);
	return 0;
}

static int
sq_put_state(struct store_be *s, int64_t ep, const struct incident_state *is, int64_t open_id)
{
	int rc;

	sqlite3_reset(s->upd_state);
	sqlite3_bind_int64(s->upd_state, 1, ep);
	sqlite3_bind_int(s->upd_state, 2, is->bad_streak);
	sqlite3_bind_int(s->upd_state, 3, is->good_streak);
	sqlite3_bind_int64(s->upd_state, 4, is->bad_since);
	sqlite3_bind_int64(s->upd_state, 5, is->good_since);
	sqlite3_bind_int64(s->upd_state, 6, is->reasons);
	sqlite3_bind_int(s->upd_state, 7, (int)is->worst);
	if (open_id != 0)
		sqlite3_bind_int64(s->upd_state, 8, open_id);
	else
		sqlite3_bind_null(s->upd_state, 8);
	rc = sqlite3_step(s->upd_state);
	sqlite3_reset(s->upd_state);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "saving incident state");
		return -1;
	}
	return 0;
}

static int64_t
sq_incident_open(struct store_be *s, const struct be_incident *inc)
{
	int rc;

	sqlite3_reset(s->ins_incident);
	sqlite3_bind_int64(s->ins_incident, 1, inc->ep);
	sqlite3_bind_int64(s->ins_incident, 2, inc->start_ms);
	sqlite3_bind_text(s->ins_incident, 3, inc->worst, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_incident, 4, inc->reasons, -1, SQLITE_STATIC);
	bind_opt_text(s->ins_incident, 5, inc->message);
	rc = sqlite3_step(s->ins_incident);
	sqlite3_reset(s->ins_incident);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "opening an incident");
		return -1;
	}
	return sqlite3_last_insert_rowid(s->db);
}

static int
sq_incident_update(struct store_be *s, int64_t id, const char *worst, const char *reasons,
    int64_t end_ms)
{
	int rc;

	sqlite3_reset(s->upd_incident);
	sqlite3_bind_int64(s->upd_incident, 1, id);
	sqlite3_bind_text(s->upd_incident, 2, worst, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->upd_incident, 3, reasons, -1, SQLITE_STATIC);
	if (end_ms >= 0)
		sqlite3_bind_int64(s->upd_incident, 4, end_ms);
	else
		sqlite3_bind_null(s->upd_incident, 4);
	rc = sqlite3_step(s->upd_incident);
	sqlite3_reset(s->upd_incident);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "updating an incident");
		return -1;
	}
	return 0;
}

int
sq_rollup_add(struct store_be *s, const struct be_rollup *ds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct be_rollup *d = &ds[i];
		sqlite3_stmt *sel = s->rollup_sel[d->daily], *put = s->rollup_put[d->daily];
		unsigned char blob[HIST_MAX_BYTES];
		const unsigned char *old = NULL;
		size_t old_len = 0, blen;
		int64_t c[ROLLUP_COUNTERS];
		int rc;

		memcpy(c, d->c, sizeof(c));
		sqlite3_reset(sel);
		sqlite3_bind_int64(sel, 1, d->ep);
		if (d->daily)
			sqlite3_bind_text(sel, 2, d->day, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(sel, 2, d->hour_ms);
		if ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			for (int k = 0; k < ROLLUP_COUNTERS; k++)
				c[k] += sqlite3_column_int64(sel, k);
			if (sqlite3_column_type(sel, 9) == SQLITE_BLOB) {
				old = sqlite3_column_blob(sel, 9);
				old_len = (size_t)sqlite3_column_bytes(sel, 9);
			}
		} else if (rc != SQLITE_DONE) {
			sq_set_err(s, "reading a rollup");
			sqlite3_reset(sel);
			return -1;
		}
		blen = rollup_hist_merge(old, old_len, d->hist, d->hist ? d->hist_len : 0, blob);
		sqlite3_reset(sel);
		sqlite3_reset(put);
		sqlite3_bind_int64(put, 1, d->ep);
		if (d->daily)
			sqlite3_bind_text(put, 2, d->day, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(put, 2, d->hour_ms);
		for (int k = 0; k < ROLLUP_COUNTERS; k++)
			sqlite3_bind_int64(put, 3 + k, c[k]);
		if (blen > 0)
			sqlite3_bind_blob(put, 12, blob, (int)blen, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(put, 12);
		rc = sqlite3_step(put);
		sqlite3_reset(put);
		if (rc != SQLITE_DONE) {
			sq_set_err(s, "writing a rollup");
			return -1;
		}
	}
	return 0;
}

const struct backend_ops sqlite_backend_ops = {
	.name = "sqlite",
	.close = sq_close,
	.error = sq_error,
	.schema_version = sq_schema_version,
	.set_busy_timeout = sq_set_busy_timeout,
	.file_check = sq_file_check,
	.integrity_check = sq_integrity_check,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.endpoint_id = sq_endpoint_id,
	.add_results = sq_add_results,
	.set_latest = sq_set_latest,
	.get_state = sq_get_state,
	.put_state = sq_put_state,
	.incident_open = sq_incident_open,
	.incident_update = sq_incident_update,
	.rollup_add = sq_rollup_add,
	.conformance_add = sq_conformance_add,
	.each_conformance = sq_each_conformance,
	.prune = sq_prune,
	.each_result = sq_each_result,
	.count_results = sq_count_results,
	.count_by_day = sq_count_by_day,
	.count_by_endpoint = sq_count_by_endpoint,
	.each_incident = sq_each_incident,
	.add_note = sq_add_note,
	.each_note = sq_each_note,
	.each_endpoint = sq_each_endpoint,
	.each_rollup = sq_each_rollup,
	.kind_memory = sq_kind_memory,
	.each_mail_state = sq_each_mail_state,
	.outbox_insert = sq_outbox_insert,
	.mail_mark = sq_mail_mark,
	.each_mail_due = sq_each_mail_due,
	.mail_sent = sq_mail_sent,
	.mail_failed = sq_mail_failed,
	.outbox_stats = sq_outbox_stats,
	.outbox_insert_keyed = sq_outbox_insert_keyed,
	.outbox_find_keyed = sq_outbox_find_keyed,
	.node_beat = sq_node_beat,
	.each_node = sq_each_node,
	.try_leader = sq_try_leader,
	.each_node_latest = sq_each_node_latest,
	.log_edge = sq_log_edge,
	.log_append = sq_log_append,
	.each_log = sq_each_log,
	.each_log_entry = sq_each_log_entry,
	.checkpoint_add = sq_checkpoint_add,
	.checkpoint_set_note = sq_checkpoint_set_note,
	.each_checkpoint = sq_each_checkpoint,
	.log_token_add = sq_log_token_add,
	.each_log_token = sq_each_log_token,
	.copy_each = sq_copy_each,
	.copy_last_key = sq_copy_last_key,
	.copy_put = sq_copy_put,
	.copy_count = sq_copy_count,
	.copy_finish = sq_copy_finish,
};
