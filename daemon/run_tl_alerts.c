/*
 * The daemon's alert path for trusted-list changes (SPEC §13 "Changes"): every stored
 * result whose details carry events (kind tl, a new issue of a list) becomes one mail to
 * the alert recipients of the list's provider (and one row per webhook), queued in the
 * outbox keyed by (list endpoint, sequence number): "tl:PROVIDER/ENDPOINT:seq-N". Only
 * the leader queues; it reads the results stored since its last pass (the last 24 hours
 * after a start), so a change is never lost across a restart, and the key makes a second
 * pass, another node's result for the same issue or a restart queue nothing twice.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "run_int.h"
#include "../alert/tl_message.h"
#include "../core/addr.h"
#include "../core/config.h"
#include "../core/details.h"
#include "../core/kind.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../store/store.h"

#define TL_LOOKBACK_MS	(24LL * 3600 * 1000)	/* after a start: a day of results, as incidents */
#define TL_OVERLAP_MS	(5LL * 60 * 1000)	/* results stored late (probe time < store time) */
#define TL_EVERY_MS	5000			/* a pass at most this often: it reads results */

struct tl_found {
	struct tl_found	*next;
	int64_t		 time_ms;
	char		*provider, *endpoint;
	json_t		*details;
};

static void
tl_found_free(struct tl_found *f)
{
	free(f->provider);
	free(f->endpoint);
	json_decref(f->details);
	free(f);
}

static int
collect(const struct store_row *row, void *arg)
{
	struct tl_found **l = arg, *f;
	const char *key = detail_fields[DETAIL_EVENTS].key;
	const char *at;
	json_t *d;

	/* Cheap first: most results carry no events (the key, quoted, is not in the text). */
	if (row->details == NULL)
		return 0;
	for (at = strstr(row->details, key); at != NULL && !(at > row->details &&
	    at[-1] == '"' && at[strlen(key)] == '"'); at = strstr(at + 1, key))
		;
	if (at == NULL || (d = json_loads(row->details, 0, NULL)) == NULL)
		return 0;
	if (json_array_size(detail_get_list(d, DETAIL_EVENTS)) == 0) {
		json_decref(d);
		return 0;
	}
	f = xcalloc(1, sizeof(*f));
	f->time_ms = row->time_ms;
	f->provider = xstrdup(row->provider);
	f->endpoint = xstrdup(row->endpoint);
	f->details = d;
	f->next = *l;
	*l = f;
	return 0;
}

/* Queues one list issue's mail and webhooks; returns 1 when a row was queued. */
static int
queue(struct run *R, const struct tl_found *f, int64_t now)
{
	const struct conf *c = R->cur->c;
	const struct conf_provider *p = conf_find_provider(c, f->provider);
	const struct conf_endpoint *ep = conf_find(c, f->provider, f->endpoint);
	const json_t *seq = json_object_get(f->details, "sequence");
	struct msg_tl_change m = { 0 };
	struct buf rcpt = { 0 }, subj = { 0 }, body = { 0 };
	struct store_outbox_row *hooks;
	char *key;
	int rc;

	if (p == NULL || ep == NULL)
		return 0;		/* no longer configured: nobody to tell */
	m.provider = f->provider;
	m.provider_name = p->name;
	m.endpoint = f->endpoint;
	m.url = ep->url;
	m.territory = json_string_value(json_object_get(f->details, "territory"));
	m.sequence = json_is_integer(seq) ? json_integer_value(seq) : -1;
	m.time_ms = f->time_ms;
	m.events = detail_get_list(f->details, DETAIL_EVENTS);
	key = m.sequence >= 0 ? xasprintf("tl:%s/%s:seq-%lld", f->provider, f->endpoint,
	    (long long)m.sequence) : xasprintf("tl:%s/%s:t-%lld", f->provider, f->endpoint,
	    (long long)f->time_ms);
	for (size_t i = 0; i < c->alerts.n_to; i++)
		addr_list_add(&rcpt, c->alerts.to[i]);
	for (size_t i = 0; i < p->n_alerts_to; i++)
		addr_list_add(&rcpt, p->alerts_to[i]);
	if (rcpt.data == NULL)
		buf_append(&rcpt, "", 0);
	msg_tl_subject(&subj, &m);
	msg_tl_body(&body, &m, c->report.base_url, store_timezone(R->st));
	hooks = xcalloc(c->alerts.n_webhooks + 1, sizeof(*hooks));
	for (size_t i = 0; i < c->alerts.n_webhooks; i++) {
		const char *url = c->alerts.webhooks[i].url;
		uint64_t hash = FNV1A_INIT;

		fnv1a(&hash, url, strlen(url));
		hooks[i].event_key = xasprintf("webhook-%08llx:%s",
		    (unsigned long long)(hash & 0xffffffffu), key);
		hooks[i].recipients = url;
		hooks[i].subject = (char *)subj.data;
		hooks[i].body = msg_tl_webhook(&m, (char *)subj.data, c->report.base_url);
	}
	/* The mail and its webhooks, each under its own key, queued at most once. */
	memmove(hooks + 1, hooks, c->alerts.n_webhooks * sizeof(*hooks));
	hooks[0].event_key = key;
	hooks[0].recipients = (char *)rcpt.data;
	hooks[0].subject = (char *)subj.data;
	hooks[0].body = (char *)body.data;
	rc = store_outbox_add_keyed(R->st, hooks, c->alerts.n_webhooks + 1, now);
	rc = rc < 0 ? -1 : rc > 0 ? 0 : 1;	/* 0: queued now, 1: queued before */
	if (rc < 0)
		log_error("alert: trusted-list change not queued", "event=%s error=%s", log_q(key),
		    log_q(store_error(R->st)));
	else if (rc == 0)
		log_info("alert queued", "event=%s provider=%s endpoint=%s to=%s subject=%s",
		    log_q(key), log_q(f->provider), log_q(f->endpoint), log_q((char *)rcpt.data),
		    log_q((char *)subj.data));
	for (size_t i = 1; i <= c->alerts.n_webhooks; i++) {
		free((char *)hooks[i].event_key);
		free((char *)hooks[i].body);
	}
	free(hooks);
	free(key);
	buf_free(&rcpt);
	buf_free(&subj);
	buf_free(&body);
	return rc == 0;
}

int
run_tl_alerts_queue(struct run *R)
{
	static int64_t scanned_ms;	/* results before this were looked at */
	const struct conf *c = R->cur->c;
	struct tl_found *l = NULL, *f;
	int64_t now = now_ms(), from;
	int queued = 0;
	bool events;

	if (!c->alerts.enabled || !R->lead ||
	    (scanned_ms > 0 && now >= scanned_ms && now - scanned_ms < TL_EVERY_MS))
		return 0;
	from = scanned_ms > 0 ? scanned_ms - TL_OVERLAP_MS : now - TL_LOOKBACK_MS;
	/*
	 * Only kinds that record events (tl) can have changes to mail: only the results of
	 * providers with such an endpoint are read, not every result of the store.
	 */
	for (size_t i = 0; i < c->n_providers; i++) {
		events = false;
		for (size_t j = 0; j < c->providers[i].n_endpoints && !events; j++)
			events = kind_info(c->providers[i].endpoints[j].kind)->events;
		if (events && store_each_result(R->st, from, now + 1, c->providers[i].id, collect,
		    &l) != 0) {
			log_error("alert: cannot read trusted-list changes", "provider=%s error=%s",
			    log_q(c->providers[i].id), log_q(store_error(R->st)));
			/* Nothing queued, nothing marked read: the next pass reads it all again. */
			while ((f = l) != NULL) {
				l = f->next;
				tl_found_free(f);
			}
			return 0;
		}
	}
	scanned_ms = now;
	while ((f = l) != NULL) {
		l = f->next;
		queued += queue(R, f, now);
		tl_found_free(f);
	}
	return queued;
}
