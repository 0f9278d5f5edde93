/*
 * The daemon's alert path, sending: the store's outbox -> SMTP (alert/mail.c) and webhook
 * POSTs (alert/webhook.c), one transfer at a time on the event loop. The outbox makes
 * delivery survive outages and restarts: a row is marked sent only after the server
 * accepted it, retried with exponential backoff, and given up (with an error log line) 24 h
 * after it was queued. A crash between the server's acceptance and store_mail_sent can
 * repeat that one alert (at-least-once), never lose it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "run_int.h"
#include "../alert/mail.h"
#include "../alert/message.h"
#include "../alert/webhook.h"
#include "../core/addr.h"
#include "../core/config.h"
#include "../core/explain.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../store/store.h"

#define MAIL_GIVE_UP_MS		(24 * 3600000LL)
#define MAIL_TIMEOUT_MS		30000
#define MAIL_BATCH		32		/* mails taken from the store per scan */

int64_t
run_mail_backoff(int64_t base, int attempts)
{
	int64_t d = base, cap = base * 60;	/* 30 s, 1 m, 2 m, ... 30 m */

	for (int i = 0; i < attempts && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

/* Returns 1 when an outbox row is a webhook POST ("webhook-HASH:EVENT"), else 0. */
static int
is_webhook(const char *event_key)
{
	return strncmp(event_key, "webhook-", 8) == 0;
}

/* --- sending ------------------------------------------------------------------------ */

static void
mail_clear_one(struct run_mail *m)
{
	free(m->event_key);
	free(m->recipients);
	free(m->subject);
	free(m->body);
}

void
run_mail_clear(struct run *R)
{
	for (size_t i = R->i_mq; i < R->n_mq; i++)
		mail_clear_one(&R->mq[i]);
	free(R->mq);
	R->mq = NULL;
	R->n_mq = R->i_mq = 0;
}

static int
collect_mail(const struct store_mail *m, void *arg)
{
	struct run *R = arg;
	struct run_mail *q;

	R->mq = xrealloc(R->mq, (R->n_mq + 1) * sizeof(*R->mq));
	q = &R->mq[R->n_mq++];
	q->id = m->id;
	q->incident = m->incident;
	q->event_key = xstrdup(m->event_key);
	q->recipients = xstrdup(m->recipients);
	q->subject = xstrdup(m->subject);
	q->body = xstrdup(m->body);
	q->attempts = m->attempts;
	q->created_ms = m->created_ms;
	return R->n_mq >= MAIL_BATCH;
}

static void send_next(struct run *);
static void mail_done(int ok, const char *error, void *arg);

/*
 * Starts the POST of a webhook row: the secret is read from the webhook configured with
 * the row's URL now (a secret is never stored). Returns 0 when started, else -1 with *why.
 */
static int
hook_start(struct run *R, const struct run_mail *m, const char **why)
{
	const struct conf *c = R->cur->c;
	const struct conf_webhook *w = NULL;
	const char *colon = strchr(m->event_key, ':'), *event;
	char delivery[64], node_ev[16];
	struct webhook_job job;

	for (size_t i = 0; i < c->alerts.n_webhooks && w == NULL; i++)
		if (strcmp(c->alerts.webhooks[i].url, m->recipients) == 0)
			w = &c->alerts.webhooks[i];
	if (w == NULL) {
		*why = "the webhook is no longer configured";
		return -1;
	}
	snprintf(delivery, sizeof(delivery), "%lld", (long long)m->id);
	/* an operator alert's key is node-silent:ID:L: the event is its first part */
	event = colon != NULL ? colon + 1 : m->event_key;
	if (strncmp(event, "node-", 5) == 0) {
		snprintf(node_ev, sizeof(node_ev), "%.*s", (int)strcspn(event, ":"), event);
		event = node_ev;
	}
	job = (struct webhook_job){ .url = w->url, .secret = w->secret != NULL ? w->secret : "",
	    .event = event, .delivery = delivery,
	    .body = m->body, .len = strlen(m->body), .timeout_ms = MAIL_TIMEOUT_MS };
	if (webhook_send(R->hooker, &job, mail_done, R) != 0) {
		*why = "cannot start the webhook POST";
		return -1;
	}
	return 0;
}

/* Records the outcome of the mail at the head of the queue and moves on. */
static void
mail_outcome(struct run *R, int ok, const char *error)
{
	struct run_mail *m = &R->mq[R->i_mq];
	int64_t now = now_ms();
	const char *channel = is_webhook(m->event_key) ? "webhook" : "mail";

	if (ok) {
		if (store_mail_sent(R->st, m->id, now) != 0)
			log_error("mail sent but not recorded", "mail=%lld error=%s",
			    (long long)m->id, log_q(store_error(R->st)));
		log_info("mail sent", "mail=%lld channel=%s incident=%lld event=%s to=%s subject=%s",
		    (long long)m->id, channel, (long long)m->incident, log_q(m->event_key),
		    log_q(m->recipients), log_q(m->subject));
	} else if (now - m->created_ms >= MAIL_GIVE_UP_MS || strcmp(m->recipients, "") == 0) {
		store_mail_failed(R->st, m->id, error, now, true);
		log_error("mail given up", "mail=%lld channel=%s incident=%lld event=%s attempts=%d error=%s",
		    (long long)m->id, channel, (long long)m->incident, log_q(m->event_key),
		    m->attempts + 1, log_q(error));
	} else {
		int64_t next = now + run_mail_backoff(R->mail_retry_ms, m->attempts);

		store_mail_failed(R->st, m->id, error, next, false);
		log_warn("mail failed", "mail=%lld channel=%s incident=%lld event=%s attempts=%d retry_in_ms=%lld error=%s",
		    (long long)m->id, channel, (long long)m->incident, log_q(m->event_key),
		    m->attempts + 1, (long long)(next - now), log_q(error));
	}
	mail_clear_one(m);
	R->i_mq++;
}

static void
mail_done(int ok, const char *error, void *arg)
{
	struct run *R = arg;

	R->mail_busy = false;
	mail_outcome(R, ok, error);
	send_next(R);
}

/* Starts the next queued mail, or ends the round. */
static void
send_next(struct run *R)
{
	const struct conf *c = R->cur->c;

	while (R->i_mq < R->n_mq && !R->stopping) {
		struct run_mail *m = &R->mq[R->i_mq];
		const char *hwhy;

		if (is_webhook(m->event_key)) {
			if (hook_start(R, m, &hwhy) == 0) {
				R->mail_busy = true;
				return;
			}
			m->recipients[0] = '\0';	/* nothing to deliver to: give up now */
			mail_outcome(R, 0, hwhy);
			continue;
		}
		const char *lp = m->recipients, *why;
		char **rcpt = NULL, **to = NULL, *item;
		size_t n = 0;
		char *mid = msg_message_id(m->id, m->incident, m->event_key, m->created_ms,
		    c->alerts.from);
		/* A mail of no incident (a node alert, a trusted-list change) starts no thread. */
		char *parent = strcmp(m->event_key, "opened") == 0 || m->incident <= 0 ? NULL :
		    msg_thread_id(m->incident, c->alerts.from);
		struct buf msg = { 0 };
		struct msg_envelope env;
		struct mail_job job = { 0 };
		struct addr from, a;
		int rc;

		/* The envelope has bare addresses; the To: header keeps the display names. */
		while ((item = addr_list_next(&lp)) != NULL) {
			if (addr_parse(item, &a, &why) != 0) {
				free(item);
				continue;
			}
			rcpt = xrealloc(rcpt, (n + 1) * sizeof(*rcpt));
			to = xrealloc(to, (n + 1) * sizeof(*to));
			rcpt[n] = a.spec;
			to[n++] = item;
			free(a.name);
		}
		addr_parse(c->alerts.from, &from, &why);
		env = (struct msg_envelope){ c->alerts.from, (const char *const *)to, n,
		    m->subject, m->body, m->created_ms, mid, parent };
		msg_render(&msg, &env);
		job = (struct mail_job){ .url = c->alerts.smtp_url, .from = from.spec,
		    .username = c->alerts.username, .password = c->alerts.password,
		    .tls_ca = c->alerts.tls_ca, .rcpt = (const char *const *)rcpt, .n_rcpt = n,
		    .data = (char *)msg.data, .len = msg.len, .timeout_ms = MAIL_TIMEOUT_MS };
		rc = n == 0 || from.spec == NULL ? -1 : mail_send(R->mailer, &job, mail_done, R);
		for (size_t i = 0; i < n; i++) {
			free(rcpt[i]);
			free(to[i]);
		}
		free(rcpt);
		free(to);
		addr_clear(&from);
		free(mid);
		free(parent);
		buf_free(&msg);
		if (rc == 0) {
			R->mail_busy = true;
			return;
		}
		if (n == 0)
			m->recipients[0] = '\0';	/* nothing deliverable: give up now */
		mail_outcome(R, 0, n == 0 ? "no valid recipient" : "cannot start the SMTP transfer");
	}
	run_mail_clear(R);
}

void
run_mail_kick(struct run *R)
{
	if (!R->cur->c->alerts.enabled || R->mail_busy || R->stopping || R->mailer == NULL ||
	    !R->lead)
		return;		/* only the leader sends (SPEC §11) */
	run_mail_clear(R);
	if (store_each_mail_due(R->st, now_ms(), collect_mail, R) != 0) {
		log_error("mail: cannot read the outbox", "error=%s", log_q(store_error(R->st)));
		run_mail_clear(R);
		return;
	}
	send_next(R);
}
