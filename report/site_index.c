/* The status page (index.html): the overall state, every provider at a glance, then each provider. */
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "explain.h"
#include "site_int.h"

static void
overall(struct page *p)
{
	struct site *s = p->s;
	size_t bad = 0, have = 0;

	for (size_t i = 0; i < s->n_eps; i++) {
		const struct site_ep *ep = &s->eps[i];

		have += ep->have_state;
		if (ep->have_state && !ep->maintenance && ep->status != STATUS_UP)
			bad++;
	}
	if (have == 0) {
		buf_printf(&p->b, "<section class=\"overall none\" aria-labelledby=\"overall\">"
		    "<h2 id=\"overall\"><span aria-hidden=\"true\">\xE2\x97\x8B</span> ");
		html_text(&p->b, T(p, "No results yet"));
		buf_printf(&p->b, "</h2></section>\n");
		return;
	}
	if (bad == 0) {
		buf_printf(&p->b, "<section class=\"overall up\" aria-labelledby=\"overall\">"
		    "<h2 id=\"overall\"><span aria-hidden=\"true\">\xE2\x9C\x93</span> ");
		html_text(&p->b, T(p, "All systems operational"));
		buf_printf(&p->b, "</h2></section>\n");
		return;
	}
	buf_printf(&p->b, "<section class=\"overall down\" aria-labelledby=\"overall\">"
	    "<h2 id=\"overall\"><span aria-hidden=\"true\">\xE2\x9C\x95</span> ");
	html_text(&p->b, T(p, "Some services are not working"));
	buf_printf(&p->b, "</h2>\n<ul>");
	for (size_t i = 0; i < s->n_eps; i++) {
		const struct site_ep *ep = &s->eps[i];
		struct buf name = { 0 }, when = { 0 };
		struct page sub = *p;
		const char *args[2], *tpl;

		if (!ep->have_state || ep->maintenance || ep->status == STATUS_UP)
			continue;
		sub.b = name;
		buf_printf(&sub.b, "<a href=\"%sproviders/", p->home);
		html_attr(&sub.b, ep->prov->id);
		buf_printf(&sub.b, ".html#ep-");
		html_attr(&sub.b, ep->conf->id);
		buf_printf(&sub.b, "\">");
		site_ep_name(&sub, ep);
		buf_printf(&sub.b, "</a>");
		name = sub.b;
		sub.b = when;
		page_datetime(&sub, ep->since_ms >= 0 ? ep->since_ms : ep->last_ms);
		when = sub.b;
		args[0] = (const char *)name.data;
		args[1] = (const char *)when.data;
		if (ep->since_ms >= 0)
			tpl = ep->status == STATUS_DOWN ? T(p, "{1} is down since {2}") :
			    T(p, "{1} is degraded since {2}");
		else
			tpl = ep->status == STATUS_DOWN ? T(p, "{1} is down (last check {2})") :
			    T(p, "{1} is degraded (last check {2})");
		buf_printf(&p->b, "<li>");
		page_status(p, ep->status, true, false);
		buf_printf(&p->b, " ");
		html_tpl(&p->b, tpl, args, 2);
		buf_printf(&p->b, ". <span class=\"explain\">");
		html_text(&p->b, T(p, report_explain(ep->conf->kind, ep->reason)));
		buf_printf(&p->b, "</span> <code>%s</code>", reason_names[ep->reason]);
		if (ep->message != NULL) {
			buf_printf(&p->b, ": <q>");
			html_text(&p->b, ep->message);
			buf_printf(&p->b, "</q>");
		}
		buf_printf(&p->b, "</li>");
		buf_free(&name);
		buf_free(&when);
	}
	buf_printf(&p->b, "</ul></section>\n");
}

/* Whether two providers share a group (both none counts as one). */
static bool
same_group(const struct conf_provider *a, const struct conf_provider *b)
{
	if (a->group == NULL || b->group == NULL)
		return a->group == b->group;
	return strcmp(a->group, b->group) == 0;
}

/* Whether provider i is the first of its group in config order. */
static bool
group_first(const struct conf *c, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_group(&c->providers[j], &c->providers[i]))
			return false;
	return true;
}

/* Whether some endpoint of the config has kind k: the glance has a column per such kind. */
static bool
kind_used(const struct conf *c, int k)
{
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			if ((int)c->providers[i].endpoints[j].kind == k)
				return true;
	return false;
}

/* The kind's heading on the index (its name when it declares none). */
static const char *
kind_label(enum probe_kind k)
{
	const char *l = kind_info(k)->label;

	return l != NULL ? l : kind_names[k];
}

/* The provider's open incident with the lowest id, or 0. */
static int64_t
provider_open_incident(const struct site *s, const struct conf_provider *pv)
{
	size_t n;
	const struct site_ep *eps = site_provider_eps(s, pv, &n);
	int64_t id = 0;

	for (size_t i = 0; i < n; i++)
		if (eps[i].open_incident > 0 && (id == 0 || eps[i].open_incident < id))
			id = eps[i].open_incident;
	return id;
}

/* One row of the glance table: the worst state per kind, and the open incident. */
static void
glance_row(struct page *p, const struct conf_provider *pv)
{
	struct site *s = p->s;
	int64_t inc = provider_open_incident(s, pv);
	size_t n;
	const struct site_ep *eps = site_provider_eps(s, pv, &n);

	buf_printf(&p->b, "<tr><th scope=\"row\"><a href=\"#p-");
	html_attr(&p->b, pv->id);
	buf_printf(&p->b, "\">");
	html_text(&p->b, pv->name ? pv->name : pv->id);
	buf_printf(&p->b, "</a></th>");
	for (int k = 0; k < KIND__MAX; k++) {
		enum status st = STATUS_UP;
		bool any = false, have = false, maint = true;

		if (!kind_used(s->conf, k))
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct site_ep *ep = &eps[i];

			if (ep->conf->kind != (enum probe_kind)k)
				continue;
			any = true;
			if (!ep->have_state)
				continue;
			have = true;
			if (!ep->maintenance) {
				maint = false;
				if (ep->status > st)
					st = ep->status;
			}
		}
		buf_printf(&p->b, "<td>");
		if (any)
			page_status(p, st, have, have && maint);
		else
			buf_printf(&p->b, "<span class=\"na\">\xE2\x80\x93</span>");
		buf_printf(&p->b, "</td>");
	}
	buf_printf(&p->b, "<td>");
	if (inc > 0)
		buf_printf(&p->b, "<a href=\"%sincidents/%lld.html\">#%lld</a>", p->home,
		    (long long)inc, (long long)inc);
	else
		buf_printf(&p->b, "<span class=\"na\">\xE2\x80\x93</span>");
	buf_printf(&p->b, "</td></tr>\n");
}

/* Every provider at a glance: one row each, grouped, in config order. */
static void
glance(struct page *p)
{
	const struct conf *c = p->s->conf;
	int ncols = 0;

	for (int k = 0; k < KIND__MAX; k++)
		ncols += kind_used(c, k);
	buf_printf(&p->b, "<section class=\"glance\" aria-labelledby=\"glance\"><h2 id=\"glance\">");
	html_text(&p->b, T(p, "Every provider at a glance"));
	buf_printf(&p->b, "</h2>\n<div class=\"scroll\"><table class=\"glance\"><thead><tr><th scope=\"col\">");
	html_text(&p->b, T(p, "Provider"));
	buf_printf(&p->b, "</th>");
	for (int k = 0; k < KIND__MAX; k++) {
		if (!kind_used(c, k))
			continue;
		buf_printf(&p->b, "<th scope=\"col\">");
		html_text(&p->b, T(p, kind_label((enum probe_kind)k)));
		buf_printf(&p->b, "</th>");
	}
	buf_printf(&p->b, "<th scope=\"col\">");
	html_text(&p->b, T(p, "Open incident"));
	buf_printf(&p->b, "</th></tr></thead>\n");
	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *pv = &c->providers[i];

		if (!group_first(c, i))
			continue;
		buf_printf(&p->b, "<tbody>");
		if (pv->group != NULL) {
			buf_printf(&p->b, "<tr class=\"group\"><th scope=\"colgroup\" colspan=\"%d\">",
			    ncols + 2);
			html_text(&p->b, pv->group);
			buf_printf(&p->b, "</th></tr>\n");
		}
		for (size_t j = i; j < c->n_providers; j++)
			if (same_group(pv, &c->providers[j]))
				glance_row(p, &c->providers[j]);
		buf_printf(&p->b, "</tbody>\n");
	}
	buf_printf(&p->b, "</table></div></section>\n");
}

/* A provider on the index: a <details>, open only when it is not operational. */
static void
provider_details(struct page *p, const struct conf_provider *pv)
{
	struct site *s = p->s;
	enum status st;
	bool have;
	const struct site_ep *eps;
	size_t n;

	site_provider_state(s, pv, &st, &have);
	buf_printf(&p->b, "<details class=\"provider\" id=\"p-");
	html_attr(&p->b, pv->id);
	buf_printf(&p->b, "\"%s>\n<summary><h3>", have && st != STATUS_UP ? " open" : "");
	html_text(&p->b, pv->name ? pv->name : pv->id);
	buf_printf(&p->b, "</h3> ");
	page_status(p, st, have, false);
	buf_printf(&p->b, "</summary>\n<div class=\"scroll\"><table class=\"endpoints\"><thead><tr>"
	    "<th scope=\"col\">");
	html_text(&p->b, T(p, "Endpoint"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Status"));
	buf_printf(&p->b, "</th>");
	for (int w = 0; w < WIN__MAX; w++) {
		buf_printf(&p->b, "<th scope=\"col\">");
		html_text(&p->b, T(p, site_win_labels[w]));
		buf_printf(&p->b, "</th>");
	}
	buf_printf(&p->b, "</tr></thead><tbody>\n");
	eps = site_provider_eps(s, pv, &n);
	for (size_t j = 0; j < n; j++) {
		const struct site_ep *ep = &eps[j];

		buf_printf(&p->b, "<tr><th scope=\"row\"><a href=\"%sproviders/", p->home);
		html_attr(&p->b, pv->id);
		buf_printf(&p->b, ".html#ep-");
		html_attr(&p->b, ep->conf->id);
		buf_printf(&p->b, "\">");
		html_text(&p->b, ep->conf->id);
		buf_printf(&p->b, "</a> <small>%s</small></th><td>", kind_names[ep->conf->kind]);
		page_status(p, ep->status, ep->have_state, ep->maintenance);
		site_addresses_line(p, ep);
		buf_printf(&p->b, "</td>");
		for (int w = 0; w < WIN__MAX; w++) {
			buf_printf(&p->b, "<td>");
			site_window_value(p, ep, w, false);
			buf_printf(&p->b, "</td>");
		}
		buf_printf(&p->b, "</tr>\n");
	}
	buf_printf(&p->b, "</tbody></table></div>\n<p><a href=\"%sproviders/", p->home);
	html_attr(&p->b, pv->id);
	buf_printf(&p->b, ".html\">");
	html_text(&p->b, T(p, "History, latency and incidents"));
	buf_printf(&p->b, "</a></p>\n</details>\n");
}

void
page_index(struct page *p)
{
	struct site *s = p->s;
	const struct conf *c = s->conf;
	bool any_maint = false;

	page_head(p, T(p, "Status"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, c->report.title);
	buf_printf(&p->b, "</h1>\n");
	overall(p);
	site_vantage_index(p);
	site_deps_banner(p);
	for (size_t i = 0; i < c->n_maintenance; i++)
		if (c->maintenance[i].end_ms > s->now) {
			if (!any_maint) {
				buf_printf(&p->b, "<section class=\"maintenance\"><h2>");
				html_text(&p->b, T(p, "Planned maintenance"));
				buf_printf(&p->b, "</h2><ul>");
				any_maint = true;
			}
			buf_printf(&p->b, "<li id=\"maintenance-%zu-%lld\">", i,
			    (long long)(c->maintenance[i].start_ms / 1000));
			if (c->maintenance[i].start_ms <= s->now) {
				buf_printf(&p->b, "<strong class=\"st maint\"><span aria-hidden=\"true\">"
				    "\xE2\x97\x86</span> ");
				html_text(&p->b, T(p, "In progress:"));
				buf_printf(&p->b, "</strong> ");
			}
			html_text(&p->b, site_provider_name(s, c->maintenance[i].provider));
			if (c->maintenance[i].endpoint != NULL) {
				buf_printf(&p->b, " / ");
				html_text(&p->b, c->maintenance[i].endpoint);
			}
			buf_printf(&p->b, ": ");
			page_datetime(p, c->maintenance[i].start_ms);
			buf_printf(&p->b, " \xE2\x80\x93 ");
			page_datetime(p, c->maintenance[i].end_ms);
			if (c->maintenance[i].note != NULL) {
				buf_printf(&p->b, " \xE2\x80\x94 ");
				html_text(&p->b, c->maintenance[i].note);
			}
			buf_printf(&p->b, "</li>");
		}
	if (any_maint)
		buf_printf(&p->b, "</ul></section>\n");
	glance(p);
	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *pv = &c->providers[i];

		if (!group_first(c, i))
			continue;
		if (pv->group != NULL) {
			buf_printf(&p->b, "<h2 class=\"group\">");
			html_text(&p->b, pv->group);
			buf_printf(&p->b, "</h2>\n");
		}
		for (size_t j = i; j < c->n_providers; j++)
			if (same_group(pv, &c->providers[j]))
				provider_details(p, &c->providers[j]);
	}
	page_foot(p);
}
