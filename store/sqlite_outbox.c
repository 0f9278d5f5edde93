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

/* Transitions older than this are history, not news: they are never mailed. */
#define ALERT_HORIZON_MS	(24LL * 3600 * 1000)

int
store_each_alert_due(struct store *s, int64_t now_ms, int64_t remind_every_ms,
    int (*fn)(const struct store_alert_due *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
	    "SELECT id, 0, 0 FROM incidents WHERE notified_open IS NULL AND start >= ?1"
	    " UNION ALL"
	    " SELECT id, 1, 0 FROM incidents WHERE end IS NOT NULL AND notified_resolved IS NULL"
	    "  AND end >= ?1"
	    " UNION ALL"
	    " SELECT id, 2, reminders + 1 FROM incidents WHERE end IS NULL"
	    "  AND notified_open IS NOT NULL AND ?3 > 0 AND ?2 - coalesce(last_mail, start) >= ?3"
	    " ORDER BY 1, 2", -1, &st, NULL) != SQLITE_OK) {
		sq_set_err(s, "querying due alerts");
		return -1;
	}
	sqlite3_bind_int64(st, 1, now_ms - ALERT_HORIZON_MS);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_int64(st, 3, remind_every_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_alert_due d;

		d.incident = sqlite3_column_int64(st, 0);
		d.event = (enum store_alert_event)sqlite3_column_int(st, 1);
		if (d.event == ALERT_OPENED)
			snprintf(d.event_key, sizeof(d.event_key), "opened");
		else if (d.event == ALERT_RESOLVED)
			snprintf(d.event_key, sizeof(d.event_key), "resolved");
		else
			snprintf(d.event_key, sizeof(d.event_key), "reminder-%d",
			    sqlite3_column_int(st, 2));
		if (fn(&d, arg) != 0) {
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
step_once(struct store *s, const char *sql, const char *what, int64_t a, int64_t b,
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

int
store_outbox_add(struct store *s, int64_t incident, const char *event_key, const char *recipients,
    const char *subject, const char *body, int64_t now_ms)
{
	return store_outbox_add_digest(s, &incident, 1, event_key, recipients, subject, body,
	    NULL, 0, now_ms);
}

/* Inserts one outbox row unless (incident, event) is there. Returns 1 inserted, 0 not, -1. */
static int
insert_row(struct store *s, int64_t incident, const char *event_key, const char *recipients,
    const char *subject, const char *body, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO outbox (created, incident, event,"
	    " recipients, subject, body, next_attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?1)",
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
store_outbox_add_digest(struct store *s, const int64_t *incidents, size_t n,
    const char *event_key, const char *recipients, const char *subject, const char *body,
    const struct store_outbox_row *extra, size_t n_extra, int64_t now_ms)
{
	int rc, inserted;
	int reminder = 0;
	int64_t incident = incidents[0];

	if (sq_exec(s, "BEGIN IMMEDIATE;") != 0)
		return -1;
	if ((inserted = insert_row(s, incident, event_key, recipients, subject, body, now_ms)) < 0)
		goto fail;
	for (size_t i = 0; i < n_extra; i++)
		if (insert_row(s, extra[i].incident, extra[i].event_key, extra[i].recipients,
		    extra[i].subject, extra[i].body, now_ms) < 0)
			goto fail;

	rc = 0;
	if (strcmp(event_key, "opened") == 0)
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = step_once(s, "UPDATE incidents SET notified_open = ?2, last_mail = ?2"
			    " WHERE id = ?1 AND notified_open IS NULL", "recording a mail",
			    incidents[i], now_ms, NULL);
	else if (strcmp(event_key, "resolved") == 0)
		rc = step_once(s, "UPDATE incidents SET notified_resolved = ?2 WHERE id = ?1",
		    "recording a mail", incident, now_ms, NULL);
	else if (sscanf(event_key, "reminder-%d", &reminder) == 1)
		rc = step_once(s, "UPDATE incidents SET reminders = max(reminders, ?3),"
		    " last_mail = ?2 WHERE id = ?1", "recording a mail", incident, now_ms,
		    event_key + strlen("reminder-"));
	else
		rc = 0;
	if (rc != 0)
		goto fail;
	if (sq_exec(s, "COMMIT;") != 0)
		goto fail;
	return inserted ? 0 : 1;
fail:
	{
		char *e = s->err;

		s->err = NULL;
		sq_exec(s, "ROLLBACK;");
		free(s->err);
		s->err = e;
	}
	return -1;
}

int
store_each_mail_due(struct store *s, int64_t now_ms, int (*fn)(const struct store_mail *, void *),
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
store_mail_sent(struct store *s, int64_t id, int64_t now_ms)
{
	return step_once(s, "UPDATE outbox SET sent = ?2, attempts = attempts + 1 WHERE id = ?1",
	    "recording a sent mail", id, now_ms, NULL);
}

int
store_mail_failed(struct store *s, int64_t id, const char *error, int64_t next_attempt_ms,
    bool give_up)
{
	return step_once(s, give_up ?
	    "UPDATE outbox SET attempts = attempts + 1, failed = ?2, last_error = ?3 WHERE id = ?1" :
	    "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE id = ?1",
	    "recording a failed mail", id, next_attempt_ms, error ? error : "");
}

int
store_outbox_stats(struct store *s, bool webhooks, struct store_outbox_stats *out)
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
