/*
 * The mail and webhook body of a trusted-list change (see tl_message.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "tl_message.h"

static const char *
s(const json_t *e, const char *key)
{
	const char *v = json_string_value(json_object_get(e, key));

	return v != NULL && *v != '\0' ? v : "-";
}

/* "BE INVEST TIMESTAMP UNIT Q 1 (TSA/QTST, BE INVEST): granted -> withdrawn" */
static void
one_event(struct buf *out, const json_t *e, bool brief)
{
	const char *ev = s(e, "event");

	msg_line_text(out, s(e, "service"));
	if (!brief) {
		buf_printf(out, " (");
		msg_line_text(out, s(e, "type"));
		buf_printf(out, ", ");
		msg_line_text(out, s(e, "tsp"));
		buf_printf(out, ")");
	}
	if (strcmp(ev, "status_changed") == 0) {
		if (brief) {
			buf_printf(out, " ");
			msg_line_text(out, s(e, "to"));
			return;
		}
		buf_printf(out, ": status ");
		msg_line_text(out, s(e, "from"));
		buf_printf(out, " -> ");
		msg_line_text(out, s(e, "to"));
	} else if (strcmp(ev, "added") == 0) {
		buf_printf(out, brief ? " added" : ": added, ");
		if (!brief)
			msg_line_text(out, s(e, "to"));
	} else if (strcmp(ev, "removed") == 0) {
		buf_printf(out, brief ? " removed" : ": removed (was ");
		if (!brief) {
			msg_line_text(out, s(e, "from"));
			buf_printf(out, ")");
		}
	} else if (strcmp(ev, "supply_points_changed") == 0) {
		buf_printf(out, brief ? " supply points changed" : ": supply points changed");
	} else {
		buf_printf(out, ": ");
		msg_line_text(out, ev);
	}
}

static const char *
name_of(const struct msg_tl_change *c)
{
	return c->provider_name != NULL ? c->provider_name : c->provider != NULL ? c->provider : "-";
}

void
msg_tl_subject(struct buf *out, const struct msg_tl_change *c)
{
	size_t n = json_array_size(c->events);
	struct buf b = { 0 };

	buf_printf(&b, "[TRUSTED LIST] %s %s", name_of(c), c->endpoint ? c->endpoint : "-");
	if (c->territory != NULL)
		buf_printf(&b, " (%s)", c->territory);
	if (c->sequence >= 0)
		buf_printf(&b, " #%lld", (long long)c->sequence);
	buf_printf(&b, ": %zu change%s", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n && i < 3; i++) {
		buf_printf(&b, "%s", i == 0 ? ": " : ", ");
		one_event(&b, json_array_get(c->events, i), true);
	}
	if (n > 3)
		buf_printf(&b, ", ...");
	msg_line_text(out, (char *)b.data);
	buf_free(&b);
}

static void
changes_link(struct buf *out, const char *base_url)
{
	if (base_url != NULL && *base_url != '\0')
		buf_printf(out, "%s%schanges.html", base_url,
		    base_url[strlen(base_url) - 1] == '/' ? "" : "/");
}

void
msg_tl_body(struct buf *out, const struct msg_tl_change *c, const char *base_url,
    const struct tz *z)
{
	size_t n = json_array_size(c->events);
	char t[96];
	struct buf link = { 0 };

	msg_time(z, c->time_ms, t, sizeof(t));
	buf_printf(out, "The trusted list watched by ");
	msg_line_text(out, name_of(c));
	buf_printf(out, " ");
	msg_line_text(out, c->endpoint ? c->endpoint : "-");
	if (c->territory != NULL) {
		buf_printf(out, " (territory ");
		msg_line_text(out, c->territory);
		buf_printf(out, ")");
	}
	buf_printf(out, " has a new issue");
	if (c->sequence >= 0)
		buf_printf(out, ", sequence number %lld", (long long)c->sequence);
	buf_printf(out, ", seen %s, with %zu change%s to its services:\n\n", t, n,
	    n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "  - ");
		one_event(out, json_array_get(c->events, i), false);
		buf_printf(out, "\n");
	}
	buf_printf(out, "\nA withdrawn service is no longer qualified: signatures, seals and "
	    "time-stamps it issues from now on are not qualified under eIDAS.\n");
	if (c->url != NULL) {
		buf_printf(out, "List: ");
		msg_line_text(out, c->url);
		buf_printf(out, "\n");
	}
	changes_link(&link, base_url);
	if (link.data != NULL) {
		buf_printf(out, "Every change: ");
		msg_line_text(out, (char *)link.data);
		buf_printf(out, "\n");
	}
	buf_free(&link);
	buf_printf(out, "\n-- \ntrustwatch\n");
}

char *
msg_tl_webhook(const struct msg_tl_change *c, const char *summary, const char *base_url)
{
	json_t *o = json_object();
	struct buf link = { 0 }, sum = { 0 };
	char *out;

	msg_line_text(&sum, summary != NULL ? summary : "");
	changes_link(&link, base_url);
	json_object_set_new(o, "event", json_string("trusted_list_changed"));
	json_object_set_new(o, "provider", json_string(c->provider ? c->provider : ""));
	json_object_set_new(o, "endpoint", json_string(c->endpoint ? c->endpoint : ""));
	json_object_set_new(o, "territory", c->territory ? json_string(c->territory) : json_null());
	json_object_set_new(o, "sequence", c->sequence >= 0 ? json_integer(c->sequence) :
	    json_null());
	json_object_set_new(o, "summary", json_stringn(sum.data ? (char *)sum.data : "", sum.len));
	json_object_set_new(o, "text", json_stringn(sum.data ? (char *)sum.data : "", sum.len));
	json_object_set_new(o, "url", link.data ? json_stringn((char *)link.data, link.len) :
	    json_null());
	json_object_set(o, "changes", (json_t *)c->events);
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	buf_free(&link);
	buf_free(&sum);
	return out;
}
