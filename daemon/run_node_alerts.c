/*
 * Operator alerts for vantage nodes (SPEC §11: "a node silent for longer is an operator
 * alert"): the leader queues a mail to alerts.to (and a POST to each alerts.webhooks entry)
 * when a node has not written for 2 x the shortest interval, and another when it is heard
 * again. They belong to no incident: each is an outbox row under a key derived from the
 * store alone, node-silent:ID:L and node-heard:ID:L, L the node's last heartbeat (ms) when it
 * fell silent, so a leader that takes over finds what its predecessor queued and queues
 * nothing twice (store_outbox_add_keyed). run_vantage.c decides when; this file writes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "run_int.h"
#include "run_node_alerts.h"
#include "../alert/message.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../store/store.h"

/* "1 h 2 min", "3 min 4 s", "5 s". */
static void
duration(struct buf *b, int64_t ms)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s >= 3600)
		buf_printf(b, "%" PRId64 " h %" PRId64 " min", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		buf_printf(b, "%" PRId64 " min %" PRId64 " s", s / 60, s % 60);
	else
		buf_printf(b, "%" PRId64 " s", s);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

int64_t
run_node_alert_pending(struct run *R, const char *id)
{
	char *needle = xasprintf("node-silent:%s:", id), *key = NULL, *hkey = NULL, *hneedle;
	int64_t since = 0;
	int r;

	if ((r = store_outbox_find_keyed(R->st, needle, &key)) < 0) {
		free(needle);
		return -1;
	}
	if (r == 1)
		since = strtoll(strstr(key, needle) + strlen(needle), NULL, 10);
	hneedle = xasprintf("node-heard:%s:", id);
	if (since > 0 && (r = store_outbox_find_keyed(R->st, hneedle, &hkey)) < 0)
		since = -1;
	else if (since > 0 && r == 1 &&
	    strtoll(strstr(hkey, hneedle) + strlen(hneedle), NULL, 10) == since)
		since = 0;		/* heard again after that silence: nothing pending */
	free(needle);
	free(hneedle);
	free(key);
	free(hkey);
	return since;
}

int
run_node_alert(struct run *R, bool silent, const char *id, const char *location,
    int64_t since_ms, int64_t last_seen_ms, int64_t now)
{
	const struct conf *c = R->cur->c;
	struct buf subj = { 0 }, body = { 0 }, loc = { 0 }, hdr = { 0 }, link = { 0 };
	struct store_outbox_row *rows;
	char key[96], seen[40], since[40];
	const char *ev = silent ? "node-silent" : "node-heard";
	size_t n = 0;
	int rc;

	if (!c->alerts.enabled || (c->alerts.n_to == 0 && c->alerts.n_webhooks == 0))
		return 0;
	snprintf(key, sizeof(key), "%s:%s:%" PRId64, ev, id, since_ms);
	rfc3339_format_s(last_seen_ms, seen, sizeof(seen));
	rfc3339_format_s(since_ms, since, sizeof(since));
	if (location != NULL && *location != '\0') {
		msg_line_text(&loc, location);
		buf_printf(&hdr, "%s (%s)", id, (char *)loc.data);
	} else
		buf_printf(&hdr, "%s", id);
	if (c->report.base_url != NULL && *c->report.base_url != '\0')
		buf_printf(&link, "%s%svantage.html", c->report.base_url,
		    c->report.base_url[strlen(c->report.base_url) - 1] == '/' ? "" : "/");
	if (silent) {
		buf_printf(&subj, "[NODE SILENT] vantage node %s: not heard for ", (char *)hdr.data);
		duration(&subj, now - last_seen_ms);
		buf_printf(&body, "The vantage node %s has written nothing to the store since %s,\n"
		    "longer than twice the shortest probe interval (SPEC §11). Its results no\n"
		    "longer count toward the verdicts; the other nodes keep watching.\n"
		    "Check the node: is `trustwatch run` running there, and can it reach the store?\n",
		    (char *)hdr.data, seen);
	} else {
		buf_printf(&subj, "[NODE BACK] vantage node %s heard again after ", (char *)hdr.data);
		duration(&subj, now - since_ms);
		buf_printf(&body, "The vantage node %s writes to the store again (last heard %s,\n"
		    "silent since %s). Its results count toward the verdicts again.\n",
		    (char *)hdr.data, seen, since);
	}
	buf_printf(&body, "\nnode: %s\n", id);
	if (loc.data != NULL)
		buf_printf(&body, "location: %s\n", (char *)loc.data);
	buf_printf(&body, "last heard: %s\n", seen);
	if (link.data != NULL)
		buf_printf(&body, "vantage points: %s\n", (char *)link.data);
	rows = xcalloc(1 + c->alerts.n_webhooks, sizeof(*rows));
	if (c->alerts.n_to > 0) {
		struct buf to = { 0 };

		for (size_t i = 0; i < c->alerts.n_to; i++)
			buf_printf(&to, "%s%s", i ? ", " : "", c->alerts.to[i]);
		rows[n++] = (struct store_outbox_row){ .event_key = xstrdup(key),
		    .recipients = (char *)to.data, .subject = xstrdup((char *)subj.data),
		    .body = xstrdup((char *)body.data) };
	}
	for (size_t i = 0; i < c->alerts.n_webhooks; i++) {
		const char *url = c->alerts.webhooks[i].url;
		uint64_t hash = FNV1A_INIT;
		json_t *o = json_object();

		fnv1a(&hash, url, strlen(url));
		json_object_set_new(o, "event", json_string(ev));
		json_object_set_new(o, "node", json_string(id));
		json_object_set_new(o, "location", str_or_null(location));
		json_object_set_new(o, "last_heard", json_string(seen));
		json_object_set_new(o, "silent_since", json_string(since));
		json_object_set_new(o, "summary", json_string((char *)subj.data));
		json_object_set_new(o, "text", json_string((char *)body.data));
		json_object_set_new(o, "link", str_or_null((char *)link.data));
		rows[n++] = (struct store_outbox_row){
		    .event_key = xasprintf("webhook-%08llx:%s", (unsigned long long)(hash &
		    0xffffffffu), key), .recipients = xstrdup(url),
		    .subject = xstrdup((char *)subj.data),
		    .body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) };
		json_decref(o);
	}
	rc = store_outbox_add_keyed(R->st, rows, n, now);
	if (rc < 0)
		log_error("operator alert not queued", "event=%s node=%s error=%s", log_q(key),
		    log_q(id), log_q(store_error(R->st)));
	else if (rc > 0)
		log_info("operator alert queued", "event=%s node=%s rows=%d subject=%s", log_q(key),
		    log_q(id), rc, log_q((char *)subj.data));
	for (size_t i = 0; i < n; i++) {
		free((char *)rows[i].event_key);
		free((char *)rows[i].recipients);
		free((char *)rows[i].subject);
		free((char *)rows[i].body);
	}
	free(rows);
	buf_free(&subj);
	buf_free(&body);
	buf_free(&loc);
	buf_free(&hdr);
	buf_free(&link);
	if (rc > 0)
		run_mail_kick(R);
	return rc < 0 ? -1 : rc > 0;
}
