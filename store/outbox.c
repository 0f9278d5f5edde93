/*
 * The alert outbox, the same for every backend: which incident transitions still need
 * a mail (the reminder policy), and the queued mails. A transition is "due" until
 * store_outbox_add records it, and (incident, event) is unique, so a crash between the
 * two steps re-queues nothing twice and loses nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "../core/util.h"

/* Transitions older than this are history, not news: they are never mailed. */
#define ALERT_HORIZON_MS	(24LL * 3600 * 1000)

struct due {
	int64_t		 now_ms, remind_every_ms, horizon_ms;
	int		 (*fn)(const struct store_alert_due *, void *);
	void		*arg;
	int		 stopped;
};

static int
emit(struct due *d, int64_t incident, enum store_alert_event ev, int reminder)
{
	struct store_alert_due a;

	a.incident = incident;
	a.event = ev;
	if (ev == ALERT_OPENED)
		snprintf(a.event_key, sizeof(a.event_key), "opened");
	else if (ev == ALERT_RESOLVED)
		snprintf(a.event_key, sizeof(a.event_key), "resolved");
	else
		snprintf(a.event_key, sizeof(a.event_key), "reminder-%d", reminder);
	if (d->fn(&a, d->arg) != 0) {
		d->stopped = 1;
		return 1;
	}
	return 0;
}

/* The policy, per incident (backends list candidates by id): opened, resolved, reminder. */
static int
due_fn(const struct be_mail_state *m, void *arg)
{
	struct due *d = arg;
	int64_t last;

	if (m->notified_open_ms < 0 && m->start_ms >= d->horizon_ms &&
	    emit(d, m->id, ALERT_OPENED, 0) != 0)
		return 1;
	if (m->end_ms >= 0 && m->notified_resolved_ms < 0 && m->end_ms >= d->horizon_ms &&
	    emit(d, m->id, ALERT_RESOLVED, 0) != 0)
		return 1;
	last = m->last_mail_ms >= 0 ? m->last_mail_ms : m->start_ms;
	if (m->end_ms < 0 && m->notified_open_ms >= 0 && d->remind_every_ms > 0 &&
	    d->now_ms - last >= d->remind_every_ms &&
	    emit(d, m->id, ALERT_REMINDER, m->reminders + 1) != 0)
		return 1;
	return 0;
}

int
store_each_alert_due(struct store *s, int64_t now_ms, int64_t remind_every_ms,
    int (*fn)(const struct store_alert_due *, void *), void *arg)
{
	struct due d = { now_ms, remind_every_ms, now_ms - ALERT_HORIZON_MS, fn, arg, 0 };

	if (s->ops->each_mail_state(s->be, d.horizon_ms, due_fn, &d) != 0)
		return st_fail(s, "reading due alerts");
	return 0;
}

int
store_outbox_add(struct store *s, int64_t incident, const char *event_key, const char *recipients,
    const char *subject, const char *body, int64_t now_ms)
{
	return store_outbox_add_digest(s, &incident, 1, event_key, recipients, subject, body,
	    NULL, 0, now_ms);
}

int
store_outbox_add_digest(struct store *s, const int64_t *incidents, size_t n,
    const char *event_key, const char *recipients, const char *subject, const char *body,
    const struct store_outbox_row *extra, size_t n_extra, int64_t now_ms)
{
	int inserted, reminder = 0, rc = 0;

	if (s->ops->begin(s->be) != 0)
		return st_fail(s, "queuing an alert");
	if ((inserted = s->ops->outbox_insert(s->be, incidents[0], event_key, recipients,
	    subject, body, now_ms)) < 0)
		goto fail;
	for (size_t i = 0; i < n_extra; i++)
		if (s->ops->outbox_insert(s->be, extra[i].incident, extra[i].event_key,
		    extra[i].recipients, extra[i].subject, extra[i].body, now_ms) < 0)
			goto fail;
	if (strcmp(event_key, "opened") == 0)
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = s->ops->mail_mark(s->be, incidents[i], BE_MARK_OPENED, 0, now_ms);
	else if (strcmp(event_key, "resolved") == 0)
		rc = s->ops->mail_mark(s->be, incidents[0], BE_MARK_RESOLVED, 0, now_ms);
	else if (sscanf(event_key, "reminder-%d", &reminder) == 1)
		rc = s->ops->mail_mark(s->be, incidents[0], BE_MARK_REMINDER, reminder, now_ms);
	if (rc != 0 || s->ops->commit(s->be) != 0)
		goto fail;
	return inserted ? 0 : 1;
fail:
	st_fail(s, "queuing an alert");
	s->ops->rollback(s->be);
	return -1;
}

int
store_outbox_add_keyed(struct store *s, const struct store_outbox_row *rows, size_t n,
    int64_t now_ms)
{
	int inserted = 0, r;

	if (s->ops->begin(s->be) != 0)
		return st_fail(s, "queuing an operator alert");
	for (size_t i = 0; i < n; i++) {
		if ((r = s->ops->outbox_insert_keyed(s->be, rows[i].event_key, rows[i].recipients,
		    rows[i].subject, rows[i].body, now_ms)) < 0) {
			st_fail(s, "queuing an operator alert");
			s->ops->rollback(s->be);
			return -1;
		}
		inserted += r;
	}
	if (s->ops->commit(s->be) != 0) {
		st_fail(s, "queuing an operator alert");
		s->ops->rollback(s->be);
		return -1;
	}
	return inserted;
}

int
store_outbox_find_keyed(struct store *s, const char *needle, char **key)
{
	int r = s->ops->outbox_find_keyed(s->be, needle, key);

	return r < 0 ? st_fail(s, "reading the operator alerts") : r;
}

int
store_each_mail_due(struct store *s, int64_t now_ms, int (*fn)(const struct store_mail *, void *),
    void *arg)
{
	return s->ops->each_mail_due(s->be, now_ms, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading the outbox");
}

int
store_mail_sent(struct store *s, int64_t id, int64_t now_ms)
{
	return s->ops->mail_sent(s->be, id, now_ms) == 0 ? 0 : st_fail(s, "recording a sent mail");
}

int
store_mail_failed(struct store *s, int64_t id, const char *error, int64_t next_attempt_ms,
    bool give_up)
{
	return s->ops->mail_failed(s->be, id, error, next_attempt_ms, give_up) == 0 ? 0 :
	    st_fail(s, "recording a failed mail");
}

int
store_outbox_stats(struct store *s, bool webhooks, struct store_outbox_stats *out)
{
	return s->ops->outbox_stats(s->be, webhooks, out) == 0 ? 0 :
	    st_fail(s, "reading the outbox");
}
