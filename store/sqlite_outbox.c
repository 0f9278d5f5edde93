/*
 * The alert outbox: which incident transitions still need a mail, and the queued mails.
 * A transition is "due" until store_outbox_add records it, and (incident, event) is
 * unique, so a crash between the two steps re-queues nothing twice and loses nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "../core/util.h"

int
sq_each_mail_state(struct store_be *s, int64_t since_ms,
    int (*fn)(const struct be_mail_state *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
	    "SELECT id, start, coalesce(end, -1), coalesce(notified_open, -1),"
	    " coalesce(notified_resolved, -1), reminders, coalesce(last_mail, -1) FROM incidents"
	    " WHERE (notified_open IS NULL AND start >= ?1)"
	    " OR (end IS NOT NULL AND notified_resolved IS NULL AND end >= ?1)"
	    " OR (end IS NULL AND notified_open IS NOT NULL) ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying due alerts");
		return -1;
	}
	sqlite3_bind_int64(st, 1, since_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct be_mail_state m;

		m.id = sqlite3_column_int64(st, 0);
		m.start_ms = sqlite3_column_int64(st, 1);
		m.end_ms = sqlite3_column_int64(st, 2);
		m.notified_open_ms = sqlite3_column_int64(st, 3);
		m.notified_resolved_ms = sqlite3_column_int64(st, 4);
		m.reminders = sqlite3_column_int(st, 5);
		m.last_mail_ms = sqlite3_column_int64(st, 6);
		if (fn(&m, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading due alerts");
		return -1;
	}
	return 0;
}

static int
step_once(struct store_be *s, const char *sql, const char *what, int64_t a, int64_t b,
    const char *text)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, what);
		return -1;
	}
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (text != NULL)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, what);
		return -1;
	}
	return 0;
}

/* Inserts one outbox row unless (incident, event) is there. Returns 1 inserted, 0 not, -1. */
int
sq_outbox_insert(struct store_be *s, int64_t incident, const char *event_key, const char *recipients,
    const char *subject, const char *body, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO outbox (created, incident, event,"
	    " recipients, subject, body, next_attempt)"
	    " VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, ?1)",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "queuing an alert");
		return -1;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, incident);
	sqlite3_bind_text(st, 3, event_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, recipients, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, body, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "queuing an alert");
		return -1;
	}
	return sqlite3_changes(s->db) == 1;
}

int
sq_mail_mark(struct store_be *s, int64_t incident, enum be_mail_mark mark, int reminder,
    int64_t now_ms)
{
	char n[16];

	switch (mark) {
	case BE_MARK_OPENED:
		return step_once(s, "UPDATE incidents SET notified_open = ?2, last_mail = ?2"
		    " WHERE id = ?1 AND notified_open IS NULL", "recording a mail", incident,
		    now_ms, NULL);
	case BE_MARK_RESOLVED:
		return step_once(s, "UPDATE incidents SET notified_resolved = ?2 WHERE id = ?1",
		    "recording a mail", incident, now_ms, NULL);
	case BE_MARK_REMINDER:
		snprintf(n, sizeof(n), "%d", reminder);
		return step_once(s, "UPDATE incidents SET reminders = max(reminders, CAST(?3 AS INTEGER)),"
		    " last_mail = ?2 WHERE id = ?1", "recording a mail", incident, now_ms, n);
	default:
		return 0;
	}
}

int
sq_each_mail_due(struct store_be *s, int64_t now_ms, int (*fn)(const struct store_mail *, void *),
    void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT id, incident, event, recipients, subject, body,"
	    " attempts, created FROM outbox WHERE sent IS NULL AND failed IS NULL"
	    " AND next_attempt <= ?1 ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying the outbox");
		return -1;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_mail m;

		m.id = sqlite3_column_int64(st, 0);
		m.incident = sqlite3_column_int64(st, 1);
		m.event_key = (const char *)sqlite3_column_text(st, 2);
		m.recipients = (const char *)sqlite3_column_text(st, 3);
		m.subject = (const char *)sqlite3_column_text(st, 4);
		m.body = (const char *)sqlite3_column_text(st, 5);
		m.attempts = sqlite3_column_int(st, 6);
		m.created_ms = sqlite3_column_int64(st, 7);
		if (fn(&m, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "reading the outbox");
		return -1;
	}
	return 0;
}

int
sq_mail_sent(struct store_be *s, int64_t id, int64_t now_ms)
{
	return step_once(s, "UPDATE outbox SET sent = ?2, attempts = attempts + 1 WHERE id = ?1",
	    "recording a sent mail", id, now_ms, NULL);
}

int
sq_mail_failed(struct store_be *s, int64_t id, const char *error, int64_t next_attempt_ms,
    bool give_up)
{
	return step_once(s, give_up ?
	    "UPDATE outbox SET attempts = attempts + 1, failed = ?2, last_error = ?3 WHERE id = ?1" :
	    "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE id = ?1",
	    "recording a failed mail", id, next_attempt_ms, error ? error : "");
}

int
sq_outbox_stats(struct store_be *s, bool webhooks, struct store_outbox_stats *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	out->oldest_queued_ms = -1;
	if (sqlite3_prepare_v2(s->db, "SELECT"
	    " coalesce(sum(sent IS NULL AND failed IS NULL), 0),"
	    " coalesce(sum(failed IS NOT NULL), 0),"
	    " coalesce(sum(attempts) - sum(sent IS NOT NULL), 0),"
	    " min(CASE WHEN sent IS NULL AND failed IS NULL THEN created END) FROM outbox"
	    " WHERE (substr(event, 1, 8) = 'webhook-') = ?1",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "reading the outbox");
		return -1;
	}
	sqlite3_bind_int(st, 1, webhooks ? 1 : 0);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->queued = sqlite3_column_int64(st, 0);
		out->given_up = sqlite3_column_int64(st, 1);
		out->failed_attempts = sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			out->oldest_queued_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		sq_set_err(s, "reading the outbox");
		return -1;
	}
	return 0;
}

/*
 * Operator alerts (a vantage node silent, heard again): rows without an incident, unique on
 * their key by this check inside the caller's transaction (SQLite has one writer at a time).
 */
int
sq_outbox_insert_keyed(struct store_be *s, const char *event_key, const char *recipients,
    const char *subject, const char *body, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO outbox (created, incident, event, recipients,"
	    " subject, body, next_attempt) SELECT ?1, NULL, ?2, ?3, ?4, ?5, ?1"
	    " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE incident IS NULL AND event = ?2)",
	    -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "queuing an operator alert");
		return -1;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_text(st, 2, event_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, recipients, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sq_set_err(s, "queuing an operator alert");
		return -1;
	}
	return sqlite3_changes(s->db) == 1;
}

int
sq_outbox_find_keyed(struct store_be *s, const char *needle, char **key)
{
	sqlite3_stmt *st;
	int rc;

	*key = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT event FROM outbox WHERE incident IS NULL"
	    " AND instr(event, ?1) > 0 ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "reading the operator alerts");
		return -1;
	}
	sqlite3_bind_text(st, 1, needle, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*key = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_set_err(s, "reading the operator alerts");
		return -1;
	}
	return rc == SQLITE_ROW;
}
