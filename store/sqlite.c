/*
 * SQLite backend of the store. The only file that includes sqlite3.h.
 * Prepared statements with bound parameters only; WAL; busy timeout;
 * schema created and migrated by PRAGMA user_version.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
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
};

void
sq_set_err(struct store *s, const char *what)
{
	free(s->err);
	s->err = xasprintf("%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
}

const char *
store_error(const struct store *s)
{
	return s->err ? s->err : "no error";
}

int
sq_exec(struct store *s, const char *sql)
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

int
store_schema_version(struct store *s)
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
migrate(struct store *s)
{
	int v = store_schema_version(s);

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
prepare(struct store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		sq_set_err(s, "preparing a statement");
		return -1;
	}
	return 0;
}

/* Opens path; create: make a new database when there is none. */
static struct store *
open_flags(const char *path, bool create, char **err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	struct stat sb;

	*err = NULL;
	s->open_after = 3;
	s->close_after = 2;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (create ? SQLITE_OPEN_CREATE : 0), NULL) != SQLITE_OK) {
		*err = xasprintf("%s: cannot open database: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	if (!create && store_schema_version(s) < 1) {
		*err = xasprintf("%s: not a trustwatch store (no schema)", path);
		store_close(s);
		return NULL;
	}
	if (sq_exec(s, "PRAGMA journal_mode = WAL;") != 0 ||
	    sq_exec(s, "PRAGMA synchronous = NORMAL;") != 0 ||
	    sq_exec(s, "PRAGMA foreign_keys = ON;") != 0 ||
	    migrate(s) != 0 ||
	    prepare(s, &s->ins_result,
	    "INSERT OR REPLACE INTO results (ep, t, code, dns, conn, tls, ttfb, total, msg, details)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") != 0 ||
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
	    prepare(s, &s->ins_result_new,
	    "INSERT OR IGNORE INTO results (ep, t, code, dns, conn, tls, ttfb, total, msg, details)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") != 0) {
		*err = xasprintf("%s: %s", path, store_error(s));
		store_close(s);
		return NULL;
	}
	if (strcmp(path, ":memory:") != 0 && path[0] != '\0' && stat(path, &sb) == 0) {
		s->path = xstrdup(path);
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
	}
	return s;
}

struct store *
store_open(const char *path, char **err)
{
	return open_flags(path, true, err);
}

struct store *
store_open_existing(const char *path, char **err)
{
	return open_flags(path, false, err);
}

void
store_set_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

int
store_file_check(struct store *s)
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

void
store_close(struct store *s)
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
	sqlite3_finalize(s->ins_result_new);
	if (s->db != NULL)
		sqlite3_close(s->db);
	for (size_t i = 0; i < EP_CACHE; i++) {
		free(s->cache[i].provider);
		free(s->cache[i].endpoint);
	}
	sq_transitions_end(s, false);
	store_take_transitions(s, NULL, NULL);
	sq_rollup_discard(s);
	free(s->acc);
	tz_free(s->tz);
	free(s->path);
	free(s->err);
	free(s);
}

int64_t
store_endpoint_id(struct store *s, const char *provider, const char *endpoint, const char *kind)
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

void
store_set_incident_policy(struct store *s, int open_after, int close_after)
{
	s->open_after = open_after;
	s->close_after = close_after;
}

/* Feeds one stored result into its endpoint's incident state, inside the caller's transaction. */
static int
feed_incident(struct store *s, int64_t id, const struct result *r, bool maint)
{
	size_t h = ((uintptr_t)r->ep >> 4) % EP_CACHE;
	struct incident_state is = { 0 }, before;
	int64_t open_id = 0;
	enum incident_event ev;
	char reasons[512];
	int rc;

	if (s->cache[h].ep == r->ep && s->cache[h].id == id && s->cache[h].have_state) {
		is = s->cache[h].is;
		open_id = s->cache[h].open_id;
		goto feed;
	}
	sqlite3_reset(s->sel_state);
	sqlite3_bind_int64(s->sel_state, 1, id);
	if (sqlite3_step(s->sel_state) != SQLITE_ROW) {
		sq_set_err(s, "reading incident state");
		sqlite3_reset(s->sel_state);
		return -1;
	}
	is.bad_streak = sqlite3_column_int(s->sel_state, 0);
	is.good_streak = sqlite3_column_int(s->sel_state, 1);
	is.bad_since = sqlite3_column_int64(s->sel_state, 2);
	is.good_since = sqlite3_column_int64(s->sel_state, 3);
	is.reasons = (uint32_t)sqlite3_column_int64(s->sel_state, 4);
	is.worst = (enum status)sqlite3_column_int(s->sel_state, 5);
	if (sqlite3_column_type(s->sel_state, 6) != SQLITE_NULL) {
		open_id = sqlite3_column_int64(s->sel_state, 6);
		is.open = true;
	}
	sqlite3_reset(s->sel_state);
	if (is.worst >= STATUS__MAX)
		is.worst = STATUS_DOWN;
feed:
	before = is;
	ev = incident_feed(&is, r->status, r->reason, maint, r->time_ms, s->open_after,
	    s->close_after);
	if (ev == INCIDENT_OPENED || ev == INCIDENT_RESOLVED)
		s->batch_changes++;
	incident_reasons_str(is.reasons, reasons, sizeof(reasons));
	if (ev == INCIDENT_OPENED) {
		sqlite3_reset(s->ins_incident);
		sqlite3_bind_int64(s->ins_incident, 1, id);
		sqlite3_bind_int64(s->ins_incident, 2, is.bad_since);
		sqlite3_bind_text(s->ins_incident, 3, status_names[is.worst], -1, SQLITE_STATIC);
		sqlite3_bind_text(s->ins_incident, 4, reasons, -1, SQLITE_STATIC);
		if (r->message != NULL)
			sqlite3_bind_text(s->ins_incident, 5, r->message, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s->ins_incident, 5);
		rc = sqlite3_step(s->ins_incident);
		sqlite3_reset(s->ins_incident);
		if (rc != SQLITE_DONE) {
			sq_set_err(s, "opening an incident");
			return -1;
		}
		open_id = sqlite3_last_insert_rowid(s->db);
		sq_transition_add(s, open_id, false, r, is.bad_since, -1, reasons);
	} else if (ev == INCIDENT_UPDATED || ev == INCIDENT_RESOLVED) {
		sqlite3_reset(s->upd_incident);
		sqlite3_bind_int64(s->upd_incident, 1, open_id);
		sqlite3_bind_text(s->upd_incident, 2, status_names[is.worst], -1, SQLITE_STATIC);
		sqlite3_bind_text(s->upd_incident, 3, reasons, -1, SQLITE_STATIC);
		if (ev == INCIDENT_RESOLVED)
			sqlite3_bind_int64(s->upd_incident, 4, is.good_since);
		else
			sqlite3_bind_null(s->upd_incident, 4);
		rc = sqlite3_step(s->upd_incident);
		sqlite3_reset(s->upd_incident);
		if (rc != SQLITE_DONE) {
			sq_set_err(s, "updating an incident");
			return -1;
		}
		if (ev == INCIDENT_RESOLVED)
			sq_transition_add(s, open_id, true, r, before.bad_since, is.good_since, reasons);
	}
	if (s->cache[h].ep == r->ep && s->cache[h].id == id) {
		s->cache[h].is = is;
		s->cache[h].open_id = is.open ? open_id : 0;
		s->cache[h].have_state = true;
	}
	if (ev == INCIDENT_NONE && before.bad_streak == is.bad_streak &&
	    before.good_streak == is.good_streak && before.bad_since == is.bad_since &&
	    before.good_since == is.good_since && before.reasons == is.reasons &&
	    before.worst == is.worst && before.open == is.open)
		return 0;
	sqlite3_reset(s->upd_state);
	sqlite3_bind_int64(s->upd_state, 1, id);
	sqlite3_bind_int(s->upd_state, 2, is.bad_streak);
	sqlite3_bind_int(s->upd_state, 3, is.good_streak);
	sqlite3_bind_int64(s->upd_state, 4, is.bad_since);
	sqlite3_bind_int64(s->upd_state, 5, is.good_since);
	sqlite3_bind_int64(s->upd_state, 6, is.reasons);
	sqlite3_bind_int(s->upd_state, 7, (int)is.worst);
	if (is.open)
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


static void
bind_timing(sqlite3_stmt *st, int col, double ms)
{
	if (ms < 0 || isnan(ms))
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_int64(st, col, (sqlite3_int64)llround(ms * 10));
}

/* Returns ep's id, from a small cache checked by name (config reloads reuse addresses). */
static int64_t
cached_id(struct store *s, const struct conf_endpoint *ep)
{
	size_t h = ((uintptr_t)ep >> 4) % EP_CACHE;
	int64_t id;

	if (s->cache[h].ep == ep && strcmp(s->cache[h].provider, ep->provider->id) == 0 &&
	    strcmp(s->cache[h].endpoint, ep->id) == 0)
		return s->cache[h].id;
	if ((id = store_endpoint_id(s, ep->provider->id, ep->id, kind_names[ep->kind])) < 0)
		return -1;
	free(s->cache[h].provider);
	free(s->cache[h].endpoint);
	s->cache[h].ep = ep;
	s->cache[h].have_state = false;
	s->cache[h].provider = xstrdup(ep->provider->id);
	s->cache[h].endpoint = xstrdup(ep->id);
	s->cache[h].id = id;
	return id;
}

/*
 * Stores one result; the endpoint's "latest" columns are written only when latest is
 * set (the last result of that endpoint in the batch), as later ones would overwrite them.
 */
static int
add_one(struct store *s, const struct store_item *it, bool latest)
{
	const struct result *r = it->r;
	const struct conf_endpoint *ep = r->ep;
	int64_t id = cached_id(s, ep);
	int code = (int)r->reason | (it->maintenance ? CODE_MAINT : 0);
	sqlite3_stmt *ins = it->replay ? s->ins_result_new : s->ins_result;
	char *details = NULL;
	json_t *num;
	int rc;

	if (id < 0)
		return -1;
	if (r->details != NULL && json_object_size(r->details) > 0)
		details = json_dumps(r->details, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, id);
	sqlite3_bind_int64(ins, 2, r->time_ms);
	sqlite3_bind_int(ins, 3, code);
	for (int p = 0; p < PHASE__MAX; p++)
		bind_timing(ins, 4 + p, r->timings[p]);
	if (r->status != STATUS_UP && r->message != NULL)
		sqlite3_bind_text(ins, 9, r->message, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, 9);
	if (r->status != STATUS_UP && details != NULL)
		sqlite3_bind_text(ins, 10, details, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, 10);
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "storing a result");
		free(details);
		return -1;
	}
	if (it->replay && sqlite3_changes(s->db) == 0) {
		free(details);		/* stored before: its rollup and incident step were done then */
		return 0;
	}
	sq_rollup_add(s, id, ep->interval_ms, r, it->maintenance);
	if (!latest && ep->kind != KIND_CRL) {
		free(details);
		return feed_incident(s, id, r, it->maintenance);
	}
	sqlite3_reset(s->upd_endpoint);
	sqlite3_bind_int64(s->upd_endpoint, 1, id);
	sqlite3_bind_int64(s->upd_endpoint, 2, r->time_ms);
	sqlite3_bind_int(s->upd_endpoint, 3, code);
	if (r->message != NULL)
		sqlite3_bind_text(s->upd_endpoint, 4, r->message, -1, SQLITE_STATIC);
	if (details != NULL)
		sqlite3_bind_text(s->upd_endpoint, 5, details, -1, SQLITE_STATIC);
	num = r->details ? json_object_get(r->details, "number") : NULL;
	if (ep->kind == KIND_CRL && json_is_string(num) && r->reason != REASON_REGRESSED)
		sqlite3_bind_text(s->upd_endpoint, 6, json_string_value(num), -1, SQLITE_STATIC);
	rc = sqlite3_step(s->upd_endpoint);
	sqlite3_reset(s->upd_endpoint);
	sqlite3_clear_bindings(s->upd_endpoint);
	free(details);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "updating an endpoint");
		return -1;
	}
	return feed_incident(s, id, r, it->maintenance);
}

/* Rolls the batch back, keeping the first error, and forgets what the batch cached. */
static int
batch_abort(struct store *s)
{
	char *e = s->err;

	s->err = NULL;
	sq_exec(s, "ROLLBACK;");
	free(s->err);
	s->err = e;
	sq_rollup_discard(s);
	s->batch_changes = 0;
	sq_transitions_end(s, false);
	/* Ids and incident states seen inside the rolled-back transaction are gone. */
	for (size_t j = 0; j < EP_CACHE; j++) {
		s->cache[j].ep = NULL;
		s->cache[j].have_state = false;
	}
	return -1;
}

int
store_add_results(struct store *s, const struct store_item *items, size_t n)
{
	/* Per cache slot: the index of the slot's endpoint's last result, or SIZE_MAX on a collision. */
	size_t last[EP_CACHE];
	const void *last_ep[EP_CACHE] = { 0 };

	for (size_t i = 0; i < n; i++) {
		const void *ep = items[i].r->ep;
		size_t h = ((uintptr_t)ep >> 4) % EP_CACHE;

		if (last_ep[h] == NULL || last_ep[h] == ep) {
			if (last_ep[h] == NULL || last[h] != SIZE_MAX)
				last[h] = i;
			last_ep[h] = ep;
		} else
			last[h] = SIZE_MAX;
	}
	if (sq_exec(s, "BEGIN IMMEDIATE;") != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t h = ((uintptr_t)items[i].r->ep >> 4) % EP_CACHE;

		if (add_one(s, &items[i], last[h] == i || last[h] == SIZE_MAX) != 0)
			return batch_abort(s);
	}
	if (sq_rollup_flush(s) != 0 || sq_exec(s, "COMMIT;") != 0)
		return batch_abort(s);
	s->incident_changes += s->batch_changes;
	s->batch_changes = 0;
	sq_transitions_end(s, true);
	return 0;
}

uint64_t
store_incident_changes(const struct store *s)
{
	return s->incident_changes;
}
