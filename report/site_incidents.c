/* incidents.html, incidents/N.html, sla.html and methodology.html. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "explain.h"
#include "site_int.h"

static enum status
status_of(const char *name)
{
	int s = status_from_name(name ? name : "down");

	return s < 0 ? STATUS_DOWN : (enum status)s;
}

/* The kind of the incident's endpoint (login when the stored name is unknown). */
static enum probe_kind
inc_kind(const struct site_incident *in)
{
	for (int k = 0; k < KIND__MAX; k++)
		if (in->kind != NULL && strcmp(in->kind, kind_names[k]) == 0)
			return (enum probe_kind)k;
	return KIND_LOGIN;
}

static void
inc_title(struct page *p, const struct site_incident *in)
{
	buf_printf(&p->b, "#%lld ", (long long)in->id);
	html_text(&p->b, site_provider_name(p->s, in->provider));
	buf_printf(&p->b, " / ");
	html_text(&p->b, in->endpoint);
}

static void
th(struct page *p, const char *label)
{
	buf_printf(&p->b, "<th scope=\"col\">");
	html_text(&p->b, T(p, label));
	buf_printf(&p->b, "</th>");
}

static void
duration(struct page *p, const struct site_incident *in)
{
	char d[64];

	if (in->end_ms < 0) {
		const char *args[1] = { d };

		i18n_duration(p->t, p->s->now > in->start_ms ? p->s->now - in->start_ms : 0, d,
		    sizeof(d));
		html_tpl(&p->b, T(p, "ongoing, for {1}"), args, 1);
		return;
	}
	i18n_duration(p->t, in->end_ms - in->start_ms, d, sizeof(d));
	html_text(&p->b, d);
}

size_t
site_incident_pages(const struct site *s)
{
	return s->n_inc == 0 ? 1 : (s->n_inc + SITE_INC_PAGE - 1) / SITE_INC_PAGE;
}

/* The file name of incident list page k (0: incidents.html, then incidents-2.html, ...). */
static void
list_href(struct page *p, size_t k)
{
	if (k == 0)
		buf_printf(&p->b, "<a href=\"%sincidents.html\"", p->home);
	else
		buf_printf(&p->b, "<a href=\"%sincidents-%zu.html\"", p->home, k + 1);
}

/* "Newer" / "Page 2 of 5" / "Older" between the list pages. */
static void
pager(struct page *p, size_t k, size_t pages)
{
	char a[24], b[24];
	const char *args[2] = { a, b };

	if (pages < 2)
		return;
	snprintf(a, sizeof(a), "%zu", k + 1);
	snprintf(b, sizeof(b), "%zu", pages);
	buf_printf(&p->b, "<nav class=\"pager\" aria-label=\"");
	html_attr(&p->b, T(p, "Incident pages"));
	buf_printf(&p->b, "\">");
	if (k > 0) {
		list_href(p, k - 1);
		buf_printf(&p->b, " rel=\"prev\">");
		html_text(&p->b, T(p, "Newer incidents"));
		buf_printf(&p->b, "</a> ");
	}
	buf_printf(&p->b, "<span>");
	html_tpl(&p->b, T(p, "Page {1} of {2}"), args, 2);
	buf_printf(&p->b, "</span>");
	if (k + 1 < pages) {
		buf_printf(&p->b, " ");
		list_href(p, k + 1);
		buf_printf(&p->b, " rel=\"next\">");
		html_text(&p->b, T(p, "Older incidents"));
		buf_printf(&p->b, "</a>");
	}
	buf_printf(&p->b, "</nav>\n");
}

void
page_incidents(struct page *p, size_t k)
{
	struct site *s = p->s;
	size_t pages = site_incident_pages(s), first, last;

	page_head(p, T(p, "Incidents"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Incidents"));
	buf_printf(&p->b, "</h1>\n<p>");
	html_text(&p->b, T(p, "An incident opens after several consecutive failed checks of an endpoint and is resolved after several consecutive good ones."));
	buf_printf(&p->b, "</p>\n");
	if (s->n_inc == 0) {
		buf_printf(&p->b, "<p>");
		html_text(&p->b, T(p, "No incidents recorded."));
		buf_printf(&p->b, "</p>\n");
		page_foot(p);
		return;
	}
	/* Newest first: page k holds positions [k * SITE_INC_PAGE, (k + 1) * SITE_INC_PAGE). */
	first = k * SITE_INC_PAGE;
	last = first + SITE_INC_PAGE < s->n_inc ? first + SITE_INC_PAGE : s->n_inc;
	pager(p, k, pages);
	buf_printf(&p->b, "<div class=\"scroll\"><table class=\"incidents\"><thead><tr>");
	th(p, N_("Incident"));
	th(p, N_("Start"));
	th(p, N_("Duration"));
	th(p, N_("Worst status"));
	th(p, N_("Reasons"));
	buf_printf(&p->b, "</tr></thead><tbody>\n");
	for (size_t pos = first; pos < last; pos++) {
		const struct site_incident *in = &s->inc[s->n_inc - 1 - pos];

		buf_printf(&p->b, "<tr><td><a href=\"%sincidents/%lld.html\">", p->home, (long long)in->id);
		inc_title(p, in);
		buf_printf(&p->b, "</a></td><td>");
		page_datetime(p, in->start_ms);
		buf_printf(&p->b, "</td><td>");
		duration(p, in);
		buf_printf(&p->b, "</td><td>");
		page_status(p, status_of(in->worst), true, false);
		buf_printf(&p->b, "</td><td><code>");
		html_text(&p->b, in->reasons);
		buf_printf(&p->b, "</code></td></tr>\n");
	}
	buf_printf(&p->b, "</tbody></table></div>\n");
	pager(p, k, pages);
	page_foot(p);
}

void
page_incident(struct page *p, struct site_incident *in)
{
	struct buf title = { 0 };
	struct page sub = *p;
	const struct site_ep *ep;
	const char *first;

	site_timeline(p->s, in);
	sub.b = title;
	inc_title(&sub, in);
	title = sub.b;
	{
		char t[64];

		snprintf(t, sizeof(t), "%s #%lld", T(p, "Incident"), (long long)in->id);
		page_head(p, t);
	}
	buf_printf(&p->b, "<h1>%s</h1>\n<dl class=\"facts\">", (const char *)title.data);
	buf_free(&title);
	if ((ep = site_find_ep(p->s, in->provider, in->endpoint)) != NULL) {
		buf_printf(&p->b, "<div><dt>");
		html_text(&p->b, T(p, "Endpoint"));
		buf_printf(&p->b, "</dt><dd><a href=\"%sproviders/", p->home);
		html_attr(&p->b, ep->prov->id);
		buf_printf(&p->b, ".html#ep-");
		html_attr(&p->b, ep->conf->id);
		buf_printf(&p->b, "\">");
		site_ep_name(p, ep);
		buf_printf(&p->b, "</a> <code class=\"url\">");
		html_text(&p->b, ep->conf->url);
		buf_printf(&p->b, "</code></dd></div><div><dt>");
		html_text(&p->b, T(p, "What is verified:"));
		buf_printf(&p->b, "</dt><dd>");
		html_text(&p->b, T(p, site_kind_description(ep->conf->kind)));
		buf_printf(&p->b, "</dd></div>");
	}
	buf_printf(&p->b, "<div><dt>");
	html_text(&p->b, T(p, "State"));
	buf_printf(&p->b, "</dt><dd>");
	if (in->end_ms < 0)
		page_status(p, status_of(in->worst), true, false);
	else
		page_status(p, STATUS_UP, true, false);
	buf_printf(&p->b, " ");
	html_text(&p->b, in->end_ms < 0 ? T(p, "ongoing") : T(p, "resolved"));
	buf_printf(&p->b, "</dd></div><div><dt>");
	html_text(&p->b, T(p, "Start"));
	buf_printf(&p->b, "</dt><dd>");
	page_datetime(p, in->start_ms);
	buf_printf(&p->b, "</dd></div>");
	if (in->end_ms >= 0) {
		buf_printf(&p->b, "<div><dt>");
		html_text(&p->b, T(p, "End"));
		buf_printf(&p->b, "</dt><dd>");
		page_datetime(p, in->end_ms);
		buf_printf(&p->b, "</dd></div>");
	}
	buf_printf(&p->b, "<div><dt>");
	html_text(&p->b, T(p, "Duration"));
	buf_printf(&p->b, "</dt><dd>");
	duration(p, in);
	buf_printf(&p->b, "</dd></div><div><dt>");
	html_text(&p->b, T(p, "Worst status"));
	buf_printf(&p->b, "</dt><dd>");
	page_status(p, status_of(in->worst), true, false);
	buf_printf(&p->b, "</dd></div><div><dt>");
	html_text(&p->b, T(p, "Reasons"));
	buf_printf(&p->b, "</dt><dd><code>");
	html_text(&p->b, in->reasons);
	buf_printf(&p->b, "</code></dd></div>");
	site_deps_incident(p, in);
	/* The first message is the timeline's first (the result at the start), when it has one. */
	first = in->n_changes > 0 && in->changes[0].message != NULL ? in->changes[0].message :
	    in->message;
	if (first != NULL) {
		buf_printf(&p->b, "<div><dt>");
		html_text(&p->b, T(p, "First message"));
		buf_printf(&p->b, "</dt><dd><q>");
		html_text(&p->b, first);
		buf_printf(&p->b, "</q></dd></div>");
	}
	buf_printf(&p->b, "</dl>\n<h2>");
	html_text(&p->b, T(p, "Timeline"));
	buf_printf(&p->b, "</h2>\n<ol class=\"timeline\">");
	for (size_t i = 0; i < in->n_changes; i++) {
		const struct site_change *c = &in->changes[i];

		buf_printf(&p->b, "<li>");
		page_datetime(p, c->time_ms);
		buf_printf(&p->b, " ");
		page_status(p, c->status, true, false);
		buf_printf(&p->b, " <span class=\"explain\">");
		html_text(&p->b, T(p, report_explain(inc_kind(in), c->reason)));
		buf_printf(&p->b, "</span> <code>%s</code>", reason_names[c->reason]);
		if (c->message != NULL) {
			buf_printf(&p->b, " \xE2\x80\x94 <q>");
			html_text(&p->b, c->message);
			buf_printf(&p->b, "</q>");
		}
		buf_printf(&p->b, "</li>");
	}
	if (in->more_changes) {
		buf_printf(&p->b, "<li>");
		html_text(&p->b, T(p, "More changes are in the results export."));
		buf_printf(&p->b, "</li>");
	}
	if (in->end_ms >= 0) {
		buf_printf(&p->b, "<li>");
		page_datetime(p, in->end_ms);
		buf_printf(&p->b, " ");
		html_text(&p->b, T(p, "resolved"));
		buf_printf(&p->b, "</li>");
	}
	buf_printf(&p->b, "</ol>\n<h2>");
	html_text(&p->b, T(p, "Operator notes"));
	buf_printf(&p->b, "</h2>\n");
	if (in->n_notes == 0) {
		buf_printf(&p->b, "<p>");
		html_text(&p->b, T(p, "No notes."));
		buf_printf(&p->b, "</p>\n");
	}
	for (size_t i = 0; i < in->n_notes; i++) {
		buf_printf(&p->b, "<article class=\"note\"><p class=\"when\">");
		page_datetime(p, in->notes[i].time_ms);
		buf_printf(&p->b, "</p><p class=\"text\">");
		html_text(&p->b, in->notes[i].text);
		buf_printf(&p->b, "</p></article>\n");
	}
	buf_printf(&p->b, "<p><a href=\"%sincidents.html\">", p->home);
	html_text(&p->b, T(p, "All incidents"));
	buf_printf(&p->b, "</a></p>\n");
	page_foot(p);
}

#define SLA_MONTHS	12

struct sla_cell {
	int64_t		 good_ms, down_ms, maint_ms;
	int		 incidents;
};

struct sla_ctx {
	struct site	*s;
	char		 months[SLA_MONTHS][32];	/* "YYYY-MM", oldest first */
	struct sla_cell	*cells;			/* n_eps x SLA_MONTHS */
	bool		 has[SLA_MONTHS];
	struct site_ep	*last;
};

static int
on_sla_day(const struct store_rollup *r, void *arg)
{
	struct sla_ctx *x = arg;

	if (x->last == NULL || strcmp(x->last->prov->id, r->provider) != 0 ||
	    strcmp(x->last->conf->id, r->endpoint) != 0)
		x->last = site_find_ep(x->s, r->provider, r->endpoint);
	if (x->last == NULL)
		return 0;
	for (int m = 0; m < SLA_MONTHS; m++)
		if (strncmp(r->day, x->months[m], 7) == 0) {
			struct sla_cell *c = &x->cells[(size_t)(x->last - x->s->eps) * SLA_MONTHS + m];

			c->good_ms += r->up_ms + r->degraded_ms;
			c->down_ms += r->down_ms;
			c->maint_ms += r->maintenance_ms;
		}
	return 0;
}

/* The length of month "YYYY-MM" in local time (z), up to now for the current one. */
static int64_t
month_ms(const struct tz *z, const char *month, int64_t now)
{
	int y, mo;
	int64_t from, to;

	if (sscanf(month, "%4d-%2d", &y, &mo) != 2)
		return 0;
	from = tz_midnight_ms(z, y, mo, 1);
	to = tz_midnight_ms(z, y, mo + 1, 1);
	if (to > now)
		to = now;
	return to > from ? to - from : 0;
}

/* Under a month's figure: observed time (partial months say of how long), downtime, incidents. */
static void
sla_facts(struct page *p, const struct sla_cell *c, int64_t month)
{
	char obs[64], len[64], down[64], n[16];
	const char *args[2] = { obs, len };
	int64_t seen = c->good_ms + c->down_ms;

	i18n_duration(p->t, seen, obs, sizeof(obs));
	i18n_duration(p->t, month - c->maint_ms > 0 ? month - c->maint_ms : 0, len, sizeof(len));
	buf_printf(&p->b, "<br><small%s>", seen + c->maint_ms < month * 99 / 100 ?
	    " class=\"partial\"" : "");
	if (seen + c->maint_ms < month * 99 / 100)
		html_tpl(&p->b, T(p, "partial: observed {1} of {2}"), args, 2);
	else
		html_tpl(&p->b, T(p, "observed {1}"), args, 1);
	buf_printf(&p->b, "<br>");
	args[0] = down;
	i18n_duration(p->t, c->down_ms, down, sizeof(down));
	html_tpl(&p->b, T(p, "down {1}"), args, 1);
	buf_printf(&p->b, "<br>");
	args[0] = n;
	snprintf(n, sizeof(n), "%d", c->incidents);
	html_tpl(&p->b, i18n_nget(p->t, "{1} incident", "{1} incidents", (unsigned long)c->incidents),
	    args, 1);
	buf_printf(&p->b, "</small>");
}

void
page_sla(struct page *p)
{
	struct site *s = p->s;
	struct sla_ctx x = { .s = s };
	struct tm tm;
	char from[48], to[48];

	tz_tm(s->tz, s->now, &tm);
	for (int m = 0; m < SLA_MONTHS; m++) {
		int y = tm.tm_year + 1900, mo = tm.tm_mon + 1 - (SLA_MONTHS - 1 - m);

		while (mo < 1) {
			mo += 12;
			y--;
		}
		snprintf(x.months[m], sizeof(x.months[m]), "%04d-%02d", y, mo);
	}
	snprintf(from, sizeof(from), "%s-01", x.months[0]);
	snprintf(to, sizeof(to), "%s-31", x.months[SLA_MONTHS - 1]);
	x.cells = xcalloc(s->n_eps ? s->n_eps * SLA_MONTHS : 1, sizeof(*x.cells));
	if (site_each_daily(s, from, to, on_sla_day, &x) != 0)
		site_fail(s, "store: %s", store_error(s->st));
	/* Only months with observations (the current one always). */
	for (int m = 0; m < SLA_MONTHS - 1; m++) {
		x.has[m] = false;
		for (size_t i = 0; i < s->n_eps; i++)
			if (x.cells[i * SLA_MONTHS + m].good_ms + x.cells[i * SLA_MONTHS + m].down_ms > 0)
				x.has[m] = true;
	}
	x.has[SLA_MONTHS - 1] = true;
	for (size_t k = 0; k < s->n_inc; k++) {
		const struct site_incident *in = &s->inc[k];
		char day[32];
		struct tm st;
		struct site_ep *ep = site_find_ep(s, in->provider, in->endpoint);

		if (ep == NULL)
			continue;
		tz_tm(s->tz, in->start_ms, &st);
		snprintf(day, sizeof(day), "%04d-%02d", st.tm_year + 1900, st.tm_mon + 1);
		for (int m = 0; m < SLA_MONTHS; m++)
			if (strcmp(day, x.months[m]) == 0)
				x.cells[(size_t)(ep - s->eps) * SLA_MONTHS + m].incidents++;
	}
	page_head(p, T(p, "Monthly uptime"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Monthly uptime"));
	buf_printf(&p->b, "</h1>\n<p>");
	html_text(&p->b, T(p, "Uptime per calendar month: time up or degraded divided by observed time, excluding announced maintenance."));
	buf_printf(&p->b, " ");
	html_text(&p->b, T(p, "Under each figure: the time observed (a partial month says of how long), the time down and the incidents that began that month."));
	buf_printf(&p->b, "</p>\n<div class=\"scroll\"><table class=\"sla\"><thead><tr>");
	th(p, N_("Endpoint"));
	for (int m = SLA_MONTHS; m-- > 0;) {
		char name[64];
		int y, mo;

		if (!x.has[m])
			continue;
		sscanf(x.months[m], "%4d-%2d", &y, &mo);
		i18n_month(p->t, y, mo, name, sizeof(name));
		buf_printf(&p->b, "<th scope=\"col\">");
		html_text(&p->b, name);
		buf_printf(&p->b, "</th>");
	}
	buf_printf(&p->b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < s->n_eps; i++) {
		buf_printf(&p->b, "<tr><th scope=\"row\">");
		html_text(&p->b, s->eps[i].prov->name ? s->eps[i].prov->name : s->eps[i].prov->id);
		buf_printf(&p->b, " / ");
		html_text(&p->b, s->eps[i].conf->id);
		buf_printf(&p->b, "</th>");
		for (int m = SLA_MONTHS; m-- > 0;) {
			const struct sla_cell *c = &x.cells[i * SLA_MONTHS + m];
			int64_t obs = c->good_ms + c->down_ms;

			if (!x.has[m])
				continue;
			buf_printf(&p->b, "<td>");
			page_pct(p, obs > 0 ? 100.0 * (double)c->good_ms / (double)obs : -1);
			if (obs > 0)
				sla_facts(p, c, month_ms(s->tz, x.months[m], s->now));
			buf_printf(&p->b, "</td>");
		}
		buf_printf(&p->b, "</tr>\n");
	}
	buf_printf(&p->b, "</tbody></table></div>\n");
	free(x.cells);
	page_foot(p);
}

static void
para(struct page *p, const char *msgid)
{
	buf_printf(&p->b, "<p>");
	html_text(&p->b, T(p, msgid));
	buf_printf(&p->b, "</p>\n");
}

/* What each reason means for a relying party, per kind of check. */
static void
reason_glossary(struct page *p)
{
	buf_printf(&p->b, "<h2 id=\"reasons\">");
	html_text(&p->b, T(p, "What each result means"));
	buf_printf(&p->b, "</h2>\n");
	for (int k = 0; k < KIND__MAX; k++) {
		buf_printf(&p->b, "<h3><code>%s</code></h3>\n<dl class=\"reasons\">", kind_names[k]);
		for (int r = 0; r < REASON__MAX; r++) {
			if (!report_reason_applies((enum probe_kind)k, (enum reason)r))
				continue;
			buf_printf(&p->b, "<div><dt><code>%s</code> ", reason_names[r]);
			page_status(p, reason_status((enum reason)r), true, false);
			buf_printf(&p->b, "</dt><dd>");
			html_text(&p->b, T(p, report_explain((enum probe_kind)k, (enum reason)r)));
			buf_printf(&p->b, "</dd></div>");
		}
		buf_printf(&p->b, "</dl>\n");
	}
}

void
page_methodology(struct page *p)
{
	const struct conf *c = p->s->conf;
	char n1[16], n2[16], tz[128];
	const char *args[2] = { n1, n2 };

	page_head(p, T(p, "Methodology"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Methodology"));
	buf_printf(&p->b, "</h1>\n");
	para(p, N_("trustwatch checks each service from the outside, the way a relying party (a bank, a government portal, a signature application) uses it, and verifies what comes back: signatures, signers, freshness, nonces, not just that the server answered."));
	buf_printf(&p->b, "<h2>");
	html_text(&p->b, T(p, "What each check verifies"));
	buf_printf(&p->b, "</h2>\n<dl class=\"kinds\">");
	for (int k = 0; k < KIND__MAX; k++) {
		buf_printf(&p->b, "<div><dt><code>%s</code></dt><dd>", kind_names[k]);
		html_text(&p->b, T(p, site_kind_description((enum probe_kind)k)));
		buf_printf(&p->b, "</dd></div>");
	}
	buf_printf(&p->b, "</dl>\n");
	para(p, N_("Every check follows at most 5 redirects (http and https only), verifies TLS fully, and records the time of each phase: DNS, connection, TLS handshake, first byte and total."));
	para(p, N_("A login check may also verify an OpenID Connect discovery document (issuer, endpoints, and a signing key in the published key set) or SAML metadata (still valid, an identity provider with a sign-on service, signing certificates not about to expire)."));
	para(p, N_("An OCSP answer fails when its signature does not verify, when it is signed by someone the issuing CA did not authorise, when it is stale or expired, when the certificate status is not the expected one, or when the nonce we sent comes back different."));
	para(p, N_("A time-stamp fails when the authority rejects the request, when the token's signature or chain does not verify, when it does not cover our digest or nonce, when the policy is not the expected one, or when its time is off by more than the allowed skew."));
	reason_glossary(p);
	buf_printf(&p->b, "<h2>");
	html_text(&p->b, T(p, "Up, degraded, down"));
	buf_printf(&p->b, "</h2>\n");
	para(p, N_("Each check ends up, degraded or down. Degraded means it works but slowly, or a certificate expires soon. Down means a relying party would fail: no answer, a wrong answer, or an answer that does not verify."));
	snprintf(n1, sizeof(n1), "%d", c->incidents.open_after);
	snprintf(n2, sizeof(n2), "%d", c->incidents.close_after);
	buf_printf(&p->b, "<p>");
	html_tpl(&p->b, T(p, "An incident opens after {1} consecutive checks that are not up, and is resolved after {2} consecutive checks that are up."), args, 2);
	buf_printf(&p->b, "</p>\n");
	buf_printf(&p->b, "<h2>");
	html_text(&p->b, T(p, "How uptime is computed"));
	buf_printf(&p->b, "</h2>\n");
	para(p, N_("Each check stands for one check interval of observed time. Uptime is the time up or degraded divided by the observed time minus announced maintenance. Checks during announced maintenance count neither for nor against uptime, and open no incident. Degraded time is shown separately."));
	para(p, N_("Daily figures are cut at midnight in the time zone of this site; the 90-day bars show one day each. Response times are the median (p50) and the 95th and 99th percentiles of the total time of the checks."));
	i18n_subst(T(p, "Times on this site are in {1}."), (const char *[]){ c->report.timezone ?
	    c->report.timezone : "UTC" }, 1, tz, sizeof(tz));
	buf_printf(&p->b, "<p>");
	html_text(&p->b, tz);
	buf_printf(&p->b, "</p>\n");
	site_vantage_methodology(p);
	site_conformance_methodology(p);
	buf_printf(&p->b, "<h2>");
	html_text(&p->b, T(p, "Open data"));
	buf_printf(&p->b, "</h2>\n");
	para(p, N_("Every result is kept and published: exports/results-YYYY-MM.csv holds each check of a month (UTC), exports/daily.csv the daily figures, api/ the current status and incidents as JSON, and feed.atom the incidents as a feed."));
	if (c->record.enabled) {
		buf_printf(&p->b, "<h2 id=\"verify\">");
		html_text(&p->b, T(p, "Verify the record"));
		buf_printf(&p->b, "</h2>\n");
		para(p, N_("Every result is also appended to a tamper-evident log (a Merkle tree, as in Certificate Transparency), published under log/. Regularly, the monitor signs a checkpoint of the log with its key, and time-stamp authorities time-stamp it: nobody, not even the operator of this site, can later change, remove or reorder a result without the checks below failing."));
		para(p, N_("To check it yourself, obtain the monitor's verifier key from its operator through another channel than this site, then run: trustwatch verify --vkey KEY followed by the address of this site. It re-hashes every published result, checks every signature, that each checkpoint extends the previous one, and each time-stamp token. Any other implementation of the C2SP signed-note, tlog-checkpoint and tlog-tiles formats can check it too."));
	}
	page_foot(p);
}
