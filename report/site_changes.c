/*
 * changes.html: the changes kinds record in their results (DETAIL_EVENTS; SPEC §13 for
 * trusted lists: services added, removed, changing status or supply points), newest first,
 * over the retention window. Rendered when a configured endpoint's kind declares events.
 */
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "html.h"
#include "site_int.h"

#define N_(s)	(s)
#define CHANGES_MAX	2000	/* rows on the page; older ones stay in the exports */
#define CHANGES_FEED	50	/* results with changes in the feed */

struct change {
	int64_t		 time_ms;
	char		*provider, *endpoint;
	json_t		*events;	/* owned array */
};

struct changes {
	struct change	*v;
	size_t		 n, cap;
};

static int
collect(const struct store_row *row, void *arg)
{
	struct changes *c = arg;
	json_t *d, *ev;

	if (row->details == NULL || strstr(row->details, "\"events\"") == NULL ||
	    (d = json_loads(row->details, 0, NULL)) == NULL)
		return 0;
	if ((ev = detail_get_list(d, DETAIL_EVENTS)) != NULL && json_array_size(ev) > 0) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 16;
			c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
		}
		c->v[c->n].time_ms = row->time_ms;
		c->v[c->n].provider = xstrdup(row->provider);
		c->v[c->n].endpoint = xstrdup(row->endpoint);
		c->v[c->n].events = json_incref(ev);
		c->n++;
	}
	json_decref(d);
	return 0;
}

static int
newest_first(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	return x->time_ms < y->time_ms ? 1 : x->time_ms > y->time_ms ? -1 : 0;
}

/* Reads every stored result with events in the retention window, newest first. */
static void
changes_read(struct site *s, const char *provider, struct changes *c)
{
	int64_t keep = s->conf->storage.retention_ms > 0 ? s->conf->storage.retention_ms :
	    400 * 86400000LL;

	if (store_each_result(s->st, s->now - keep, s->now + 1, provider, collect, c) != 0)
		site_fail(s, "reading the changes: %s", store_error(s->st));
	if (c->n > 1)		/* never qsort(NULL, 0, ...) */
		qsort(c->v, c->n, sizeof(*c->v), newest_first);
}

static void
changes_free(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].provider);
		free(c->v[i].endpoint);
		json_decref(c->v[i].events);
	}
	free(c->v);
}

static const char *
str(const json_t *e, const char *key)
{
	const char *v = json_string_value(json_object_get(e, key));

	return v != NULL ? v : "";
}

void
site_changes_feed(struct site *s, struct i18n *t, struct buf *b)
{
	struct changes c = { 0 };

	changes_read(s, NULL, &c);
	for (size_t i = 0; i < c.n && i < CHANGES_FEED; i++) {
		struct buf title = { 0 }, content = { 0 };
		struct feed_entry e = { .published_ms = c.v[i].time_ms, .updated_ms = c.v[i].time_ms };
		char urn[512];
		const json_t *ev;
		size_t k;

		buf_printf(&title, "%s: %s / %s (%zu)", i18n_get(t, "Changes"),
		    site_provider_name(s, c.v[i].provider), c.v[i].endpoint,
		    json_array_size(c.v[i].events));
		json_array_foreach(c.v[i].events, k, ev)
			buf_printf(&content, "%s: %s \xE2\x80\x94 %s (%s) %s \xE2\x86\x92 %s\n",
			    str(ev, "event"), str(ev, "tsp"), str(ev, "service"), str(ev, "type"),
			    str(ev, "from"), str(ev, "to"));
		snprintf(urn, sizeof(urn), "urn:trustwatch:changes:%s:%s:%lld", c.v[i].provider,
		    c.v[i].endpoint, (long long)c.v[i].time_ms);
		e.title = (const char *)title.data;
		e.content = (const char *)content.data;
		e.urn = urn;
		feed_add(b, s->conf->report.base_url, &e, "changes.html");
		buf_free(&title);
		buf_free(&content);
	}
	changes_free(&c);
}

bool
site_has_changes(const struct site *s)
{
	for (size_t i = 0; i < s->conf->n_providers; i++)
		for (size_t j = 0; j < s->conf->providers[i].n_endpoints; j++)
			if (kind_info(s->conf->providers[i].endpoints[j].kind)->events)
				return true;
	return false;
}

static void
cell(struct page *p, const json_t *e, const char *key)
{
	const json_t *v = json_object_get(e, key);

	buf_printf(&p->b, "<td>");
	if (json_is_string(v))
		html_text(&p->b, json_string_value(v));
	else if (json_is_array(v)) {
		const json_t *x;
		size_t i;

		json_array_foreach(v, i, x)
			if (json_is_string(x)) {
				if (i > 0)
					buf_printf(&p->b, "<br>");
				html_text(&p->b, json_string_value(x));
			}
	}
	buf_printf(&p->b, "</td>");
}

/* The changes in c as a table, or a line saying there are none. */
static void
changes_table(struct page *p, const struct changes *c)
{
	struct site *s = p->s;
	size_t rows = 0;

	if (c->n == 0) {
		buf_printf(&p->b, "<p>");
		html_text(&p->b, T(p, "No change recorded."));
		buf_printf(&p->b, "</p>\n");
	} else {
		static const char *const head[] = { N_("Time"), N_("Endpoint"), N_("Change"),
		    N_("Provider"), N_("Service"), N_("Type"), N_("From"), N_("To") };

		buf_printf(&p->b, "<div class=\"scroll\"><table class=\"changes\"><thead><tr>");
		for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
			buf_printf(&p->b, "<th scope=\"col\">");
			html_text(&p->b, T(p, head[i]));
			buf_printf(&p->b, "</th>");
		}
		buf_printf(&p->b, "</tr></thead><tbody>\n");
	}
	for (size_t i = 0; i < c->n && rows < CHANGES_MAX; i++) {
		const json_t *e;
		size_t k;

		json_array_foreach(c->v[i].events, k, e) {
			buf_printf(&p->b, "<tr><td>");
			page_datetime(p, c->v[i].time_ms);
			buf_printf(&p->b, "</td><td><a href=\"%sproviders/", p->home);
			html_attr(&p->b, c->v[i].provider);
			buf_printf(&p->b, ".html\">");
			html_text(&p->b, site_provider_name(s, c->v[i].provider));
			buf_printf(&p->b, " / ");
			html_text(&p->b, c->v[i].endpoint);
			buf_printf(&p->b, "</a></td>");
			cell(p, e, "event");
			cell(p, e, "tsp");
			cell(p, e, "service");
			cell(p, e, "type");
			cell(p, e, "from");
			cell(p, e, "to");
			buf_printf(&p->b, "</tr>\n");
			rows++;
		}
	}
	if (c->n > 0)
		buf_printf(&p->b, "</tbody></table></div>\n");
}

void
site_changes_section(struct page *p, const struct conf_provider *pv)
{
	struct changes c = { 0 };

	changes_read(p->s, pv->id, &c);
	if (c.n > 0) {
		buf_printf(&p->b, "<section class=\"changes\"><h2>");
		html_text(&p->b, T(p, "Changes"));
		buf_printf(&p->b, "</h2>\n");
		changes_table(p, &c);
		buf_printf(&p->b, "</section>\n");
	}
	changes_free(&c);
}

void
page_changes(struct page *p)
{
	struct site *s = p->s;
	struct changes c = { 0 };

	page_head(p, T(p, "Changes"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Changes"));
	buf_printf(&p->b, "</h1>\n<p>");
	html_text(&p->b, T(p, "What the watched lists changed between two issues: services added or removed, a status that changed (for example granted to withdrawn), changed supply points."));
	buf_printf(&p->b, "</p>\n");
	changes_read(s, NULL, &c);
	changes_table(p, &c);
	changes_free(&c);
	page_foot(p);
}
