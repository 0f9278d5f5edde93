/*
 * The daemon's alert path, queueing: incident transitions -> rendered mail (a digest for
 * openings that come together) and webhook rows in the store's outbox, in one transaction
 * per alert. Sending is run_outbox.c.
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

#define ALERT_LAST_RESULTS	10		/* results listed in a mail */
#define ALERT_LOOKBACK_MS	3600000		/* ... from the last hour */

/* --- queueing ----------------------------------------------------------------------- */

struct due_list {
	struct store_alert_due	*v;
	size_t			 n;
};

static int
collect_due(const struct store_alert_due *d, void *arg)
{
	struct due_list *l = arg;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *d;
	return 0;
}

/* An incident copied out of the store (its strings are borrowed only during the call). */
struct inc_copy {
	struct msg_incident	 m;
	char			*s[6];	/* owned: provider, endpoint, kind, worst, reasons, message */
};

static int
copy_incident(const struct store_incident *i, void *arg)
{
	struct inc_copy *c = arg;

	c->m.id = i->id;
	c->m.provider = c->s[0] = xstrdup(i->provider);
	c->m.endpoint = c->s[1] = xstrdup(i->endpoint);
	c->m.kind = c->s[2] = xstrdup(i->kind);
	c->m.worst = c->s[3] = xstrdup(i->worst);
	c->m.reasons = c->s[4] = xstrdup(i->reasons);
	c->m.message = c->s[5] = xstrdup(i->message);
	c->m.start_ms = i->start_ms;
	c->m.end_ms = i->end_ms;
	return 1;
}

/* The last ALERT_LAST_RESULTS results of one endpoint, as a ring. */
struct last_results {
	const char		*endpoint;
	struct msg_result	 v[ALERT_LAST_RESULTS];
	size_t			 n, next;
};

static int
collect_result(const struct store_row *row, void *arg)
{
	struct last_results *l = arg;
	struct msg_result *r;

	if (strcmp(row->endpoint, l->endpoint) != 0)
		return 0;
	r = &l->v[l->next];
	if (l->n == ALERT_LAST_RESULTS)
		free((char *)r->message);
	else
		l->n++;
	l->next = (l->next + 1) % ALERT_LAST_RESULTS;
	r->time_ms = row->time_ms;
	r->status = status_names[row->status];
	r->reason = reason_names[row->reason];
	r->total_ms = row->timings[PHASE_TOTAL];
	r->message = xstrdup(row->message);
	return 0;
}

/* The plain words of an incident's first reason at an endpoint of its kind, or NULL. */
static const char *
plain_words(const struct conf_endpoint *ep, const char *kind, const char *reasons)
{
	char first[64];
	int r, k = -1;

	if (reasons == NULL)
		return NULL;
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(reasons, ";"), reasons);
	if ((r = reason_from_name(first)) < 0 || r == REASON_OK)
		return NULL;
	if (ep != NULL)
		k = ep->kind;
	for (int i = 0; k < 0 && kind != NULL && i < KIND__MAX; i++)
		if (kind_names[i] != NULL && strcmp(kind_names[i], kind) == 0)
			k = i;
	return k < 0 ? NULL : explain_text((enum probe_kind)k, (enum reason)r);
}

/* One alert's incident, recipients and last results, read from the store and config. */
struct alert_view {
	struct inc_copy		 ic;
	struct last_results	 last;
	struct msg_result	 ordered[ALERT_LAST_RESULTS];
	const struct conf_endpoint *ep;
	struct buf		 rcpt;		/* "a, Name <b>", "" when none */
};

static void
view_clear(struct alert_view *v)
{
	for (size_t i = 0; i < v->last.n; i++)
		free((char *)v->last.v[i].message);
	for (size_t i = 0; i < NELEM(v->ic.s); i++)
		free(v->ic.s[i]);
	buf_free(&v->rcpt);
	memset(v, 0, sizeof(*v));
}

/* Fills v (zeroed by the caller) for incident. Returns 0, or -1 after logging. */
static int
view_load(struct run *R, int64_t incident, int64_t now, struct alert_view *v)
{
	const struct conf *c = R->cur->c;
	const struct conf_provider *p;

	if (store_get_incident(R->st, incident, copy_incident, &v->ic) != 1) {
		log_error("alert: incident not readable", "incident=%lld error=%s",
		    (long long)incident, log_q(store_error(R->st)));
		return -1;
	}
	p = conf_find_provider(c, v->ic.m.provider);
	v->ep = conf_find(c, v->ic.m.provider, v->ic.m.endpoint);
	v->ic.m.provider_name = p != NULL ? p->name : NULL;
	v->ic.m.url = v->ep != NULL ? v->ep->url : NULL;
	v->ic.m.plain = plain_words(v->ep, v->ic.m.kind, v->ic.m.reasons);
	run_alert_cause(R, &v->ic.m);
	v->last.endpoint = v->ic.m.endpoint;
	store_each_result(R->st, now - ALERT_LOOKBACK_MS, now + 1, v->ic.m.provider,
	    collect_result, &v->last);
	for (size_t i = 0; i < v->last.n; i++)
		v->ordered[i] = v->last.v[(v->last.next + ALERT_LAST_RESULTS - v->last.n + i) %
		    ALERT_LAST_RESULTS];
	for (size_t i = 0; i < c->alerts.n_to; i++)
		addr_list_add(&v->rcpt, c->alerts.to[i]);
	for (size_t i = 0; p != NULL && i < p->n_alerts_to; i++)
		addr_list_add(&v->rcpt, p->alerts_to[i]);
	if (v->rcpt.data == NULL)
		buf_append(&v->rcpt, "", 0);
	return 0;
}

/* The webhook rows queued with a mail: one per configured webhook and incident. */
struct hook_rows {
	struct store_outbox_row	*v;
	size_t			 n;
};

/* Adds a row per configured webhook for (incident, event_key). */
static void
hook_rows_add(struct run *R, struct hook_rows *h, const char *event_key,
    const struct msg_incident *m, const char *subj)
{
	const struct conf *c = R->cur->c;

	for (size_t i = 0; i < c->alerts.n_webhooks; i++) {
		const char *url = c->alerts.webhooks[i].url;
		uint64_t hash = FNV1A_INIT;
		struct store_outbox_row *r;

		fnv1a(&hash, url, strlen(url));
		h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
		r = &h->v[h->n++];
		r->incident = m->id;
		r->event_key = xasprintf("webhook-%08llx:%s", (unsigned long long)(hash & 0xffffffffu),
		    event_key);
		r->recipients = url;
		r->subject = xstrdup(subj);
		r->body = webhook_body(event_key, m, subj, c->report.base_url);
	}
}

static void
hook_rows_free(struct hook_rows *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free((char *)h->v[i].event_key);
		free((char *)h->v[i].subject);
		free((char *)h->v[i].body);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* Queues one rendered mail for incidents[0..n), with its webhook rows, and logs the outcome. */
static void
queue_mail(struct run *R, const int64_t *incidents, size_t n, const char *event_key,
    const struct alert_view *v, const char *subj, const char *body, const struct hook_rows *h,
    int64_t now)
{
	int rc = store_outbox_add_digest(R->st, incidents, n, event_key, (char *)v->rcpt.data,
	    subj, body, h->v, h->n, now);

	if (rc < 0)
		log_error("alert: not queued", "incident=%lld event=%s error=%s",
		    (long long)incidents[0], log_q(event_key), log_q(store_error(R->st)));
	else if (rc == 0)
		log_info("alert queued", "incident=%lld incidents=%zu event=%s provider=%s endpoint=%s to=%s subject=%s",
		    (long long)incidents[0], n, log_q(event_key), log_q(v->ic.m.provider),
		    log_q(v->ic.m.endpoint), log_q((char *)v->rcpt.data), log_q(subj));
}

/* Renders and queues the mail of one transition of a loaded incident. */
static void
queue_view(struct run *R, const struct store_alert_due *d, const struct alert_view *v,
    int64_t now)
{
	static const enum msg_event events[ALERT__MAX] = { MSG_OPENED, MSG_RESOLVED, MSG_REMINDER };
	struct buf subj = { 0 }, body = { 0 };
	/* "Open for" is now - start: never negative, even after the wall clock went back. */
	int64_t at = now < v->ic.m.start_ms ? v->ic.m.start_ms : now;

	struct hook_rows h = { 0 };

	msg_subject(&subj, events[d->event], &v->ic.m, at);
	msg_body(&body, events[d->event], &v->ic.m, v->ordered, v->last.n,
	    R->cur->c->report.base_url, store_timezone(R->st), at);
	hook_rows_add(R, &h, d->event_key, &v->ic.m, (char *)subj.data);
	queue_mail(R, &d->incident, 1, d->event_key, v, (char *)subj.data, (char *)body.data, &h,
	    now);
	hook_rows_free(&h);
	buf_free(&subj);
	buf_free(&body);
}

static void
queue_one(struct run *R, const struct store_alert_due *d, int64_t now)
{
	struct alert_view v = { 0 };

	if (view_load(R, d->incident, now, &v) != 0)
		goto out;
	/* No reminder inside maintenance: it stays due and goes out when the window ends. */
	if (d->event == ALERT_REMINDER && v.ep != NULL && conf_in_maintenance(R->cur->c, v.ep, now)) {
		log_debug("reminder held: maintenance", "incident=%lld event=%s",
		    (long long)d->incident, log_q(d->event_key));
		goto out;
	}
	queue_view(R, d, &v, now);
out:
	view_clear(&v);
}

/*
 * Queues the openings d[0..n): one mail per set of recipients, a digest listing every
 * incident when the set has several. The digest's row is its first incident's "opened".
 */
static void
queue_openings(struct run *R, const struct store_alert_due *d, size_t n, int64_t now)
{
	struct alert_view *v = xcalloc(n, sizeof(*v));
	bool *ok = xcalloc(n, sizeof(*ok));
	struct msg_incident *group = xcalloc(n, sizeof(*group));
	int64_t *ids = xcalloc(n, sizeof(*ids));

	for (size_t i = 0; i < n; i++)
		ok[i] = view_load(R, d[i].incident, now, &v[i]) == 0;
	for (size_t i = 0; i < n; i++) {
		struct buf subj = { 0 }, body = { 0 };
		struct hook_rows h = { 0 };
		size_t k = 0;

		if (!ok[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (ok[j] && strcmp((char *)v[j].rcpt.data, (char *)v[i].rcpt.data) == 0) {
				group[k] = v[j].ic.m;
				ids[k++] = d[j].incident;
				if (j > i)
					ok[j] = false;
			}
		if (k == 1) {
			queue_view(R, &d[i], &v[i], now);
			continue;
		}
		msg_digest_subject(&subj, group, k);
		msg_digest_body(&body, group, k, R->cur->c->report.base_url,
		    store_timezone(R->st), now);
		for (size_t j = 0; j < k; j++) {
			struct buf one = { 0 };

			msg_subject(&one, MSG_OPENED, &group[j], now);
			hook_rows_add(R, &h, "opened", &group[j], (char *)one.data);
			buf_free(&one);
		}
		queue_mail(R, ids, k, "opened", &v[i], (char *)subj.data, (char *)body.data, &h, now);
		hook_rows_free(&h);
		buf_free(&subj);
		buf_free(&body);
	}
	for (size_t i = 0; i < n; i++)
		view_clear(&v[i]);
	free(v);
	free(ok);
	free(group);
	free(ids);
}

void
run_alerts_queue(struct run *R)
{
	const struct conf *c = R->cur->c;
	struct due_list l = { 0 };
	struct store_alert_due *open;
	size_t n_open = 0;
	int64_t now = now_ms(), window = c->alerts.digest_window_ms;
	bool held;

	if (!c->alerts.enabled || !R->lead)
		return;		/* only the leader queues (SPEC §11) */
	if (store_each_alert_due(R->st, now, c->alerts.remind_every_ms, collect_due, &l) != 0)
		log_error("alert: cannot list due alerts", "error=%s", log_q(store_error(R->st)));
	open = xcalloc(l.n + 1, sizeof(*open));
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].event == ALERT_OPENED)
			open[n_open++] = l.v[i];
	/*
	 * The first opening goes out at once; openings within digest_window after an opening
	 * mail wait (still due in the store, so a restart loses none) and go out together.
	 * Openings are queued before the other events, and an incident's resolution waits
	 * with its opening: never a resolution before the opening mail.
	 */
	held = n_open > 0 && window > 0 && now >= R->digest_last_ms &&
	    now - R->digest_last_ms < window;
	if (n_open > 0 && !held) {
		queue_openings(R, open, n_open, now);
		R->digest_last_ms = now;
	}
	R->digest_held = held;
	for (size_t i = 0; i < l.n; i++) {
		bool waits = false;

		for (size_t j = 0; held && j < n_open && !waits; j++)
			waits = open[j].incident == l.v[i].incident;
		if (l.v[i].event != ALERT_OPENED && !waits)
			queue_one(R, &l.v[i], now);
	}
	free(open);
	free(l.v);
	if (run_tl_alerts_queue(R) > 0 || l.n > 0)	/* trusted-list changes: run_tl_alerts.c */
		run_mail_kick(R);
}
