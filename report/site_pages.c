/* The provider pages (providers/ID.html) and what the index shares with them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "explain.h"
#include "json.h"
#include "site_int.h"

const char *const site_win_labels[WIN__MAX] = {
	[WIN_24H] = N_("24 hours"), [WIN_7D] = N_("7 days"),
	[WIN_30D] = N_("30 days"), [WIN_90D] = N_("90 days"),
};

const char *
site_kind_description(enum probe_kind k)
{
	const char *d = kind_info(k)->description;

	return d != NULL ? d : "";
}

/* Appends "Provider / endpoint" as escaped text. */
void
site_ep_name(struct page *p, const struct site_ep *ep)
{
	html_text(&p->b, ep->prov->name ? ep->prov->name : ep->prov->id);
	buf_printf(&p->b, " / ");
	html_text(&p->b, ep->conf->id);
}

/* The worst current state of the provider's endpoints. */
void
site_provider_state(struct site *s, const struct conf_provider *pv, enum status *st, bool *have)
{
	size_t n;
	const struct site_ep *eps = site_provider_eps(s, pv, &n);

	*st = STATUS_UP;
	*have = false;
	for (size_t i = 0; i < n; i++) {
		const struct site_ep *ep = &eps[i];

		if (!ep->have_state)
			continue;
		*have = true;
		if (!ep->maintenance && ep->status > *st)
			*st = ep->status;
	}
}

void
site_window_value(struct page *p, const struct site_ep *ep, int w, bool degraded)
{
	struct report_window_fig f;
	char d[64], pct[32];
	const char *args[1] = { d };

	site_window_figures(p->s, ep, w, &f);
	if (f.uptime_pct < 0) {
		page_pct(p, -1);
		return;
	}
	if (!f.partial && f.coverage_pct < SITE_COVERAGE_MIN)
		buf_printf(&p->b, "<span class=\"thin\">");
	page_pct(p, f.uptime_pct);
	if (f.partial) {
		/* Never a 90-day figure from 5 minutes: say since when it is observed. */
		i18n_date(p->t, p->s->tz, ep->observed_since_ms, d, sizeof(d));
		buf_printf(&p->b, " <small>");
		html_tpl(&p->b, T(p, "since {1}"), args, 1);
		buf_printf(&p->b, "</small>");
	} else if (f.coverage_pct < SITE_COVERAGE_MIN) {
		i18n_percent(p->t, f.coverage_pct, d, sizeof(d));
		buf_printf(&p->b, " <small>");
		html_tpl(&p->b, T(p, "{1} of the time observed"), args, 1);
		buf_printf(&p->b, "</small></span>");
	}
	if (degraded && f.degraded_pct > 0) {
		const char *a2[1] = { pct };

		i18n_percent(p->t, f.degraded_pct, pct, sizeof(pct));
		buf_printf(&p->b, " <small class=\"deg\">");
		html_tpl(&p->b, T(p, "degraded {1}"), a2, 1);
		buf_printf(&p->b, "</small>");
	}
}

static void
uptime_windows(struct page *p, const struct site_ep *ep)
{
	buf_printf(&p->b, "<dl class=\"windows\">");
	for (int w = 0; w < WIN__MAX; w++) {
		buf_printf(&p->b, "<div><dt>");
		html_text(&p->b, T(p, site_win_labels[w]));
		buf_printf(&p->b, "</dt><dd>");
		site_window_value(p, ep, w, true);
		buf_printf(&p->b, "</dd></div>");
	}
	buf_printf(&p->b, "</dl>");
}

/*
 * The bars of an endpoint depend on its figures and the language only, and appear on the
 * status page and the provider page, at the root and in the language folder: they are
 * drawn once per language (languages are rendered one after the other) and copied.
 */
static struct buf *
bars_cached(struct page *p, const struct site_ep *ep)
{
	struct site *s = p->s;

	if (s->bars == NULL)
		s->bars = xcalloc(s->n_eps, sizeof(*s->bars));
	if (s->bars_lang != p->t) {
		for (size_t i = 0; i < s->n_eps; i++)
			s->bars[i].len = 0;
		for (int i = 0; i < SITE_DAYS; i++)
			i18n_day(p->t, s->days[i], s->bars_days[i], sizeof(s->bars_days[i]));
		s->bars_lang = p->t;
	}
	return &s->bars[ep - s->eps];
}

/* The bars' key: what each fill and the mark below a bar mean. */
static void
bars_legend(struct page *p)
{
	static const struct { const char *cls, *label; } keys[] = {
		{ "b-full", N_("99.95 % or more") }, { "b-part", N_("95 % to 99.95 %") },
		{ "b-low", N_("below 95 %") }, { "b-none", N_("no data") },
		{ "b-mark", N_("marked below: an incident or less than 99.95 %") },
	};

	buf_printf(&p->b, "<ul class=\"legend\">");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		buf_printf(&p->b, "<li><span class=\"sw %s\" aria-hidden=\"true\"></span> ", keys[i].cls);
		html_text(&p->b, T(p, keys[i].label));
		buf_printf(&p->b, "</li>");
	}
	buf_printf(&p->b, "</ul>");
}

/* Every observed day in a table, newest first: the bars without hovering (keyboard, touch). */
static void
day_table(struct page *p, const struct site_ep *ep)
{
	int any = 0;

	for (int i = 0; i < SITE_DAYS; i++)
		any |= ep->day_pct[i] >= 0 || ep->day_incidents[i] > 0;
	if (!any)
		return;
	buf_printf(&p->b, "<details class=\"days\"><summary>");
	html_text(&p->b, T(p, "Day by day"));
	buf_printf(&p->b, "</summary><div class=\"scroll\"><table><thead><tr><th scope=\"col\">");
	html_text(&p->b, T(p, "Day"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Uptime"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Incidents"));
	buf_printf(&p->b, "</th></tr></thead><tbody>");
	for (int i = SITE_DAYS; i-- > 0;) {
		if (ep->day_pct[i] < 0 && ep->day_incidents[i] == 0)
			continue;
		buf_printf(&p->b, "<tr><td>");
		html_text(&p->b, p->s->bars_days[i]);
		buf_printf(&p->b, "</td><td>");
		page_pct(p, ep->day_pct[i]);
		buf_printf(&p->b, "</td><td>%d</td></tr>", ep->day_incidents[i]);
	}
	buf_printf(&p->b, "</tbody></table></div></details>");
}

static void
bars(struct page *p, const struct site_ep *ep)
{
	struct svg_day days[SITE_DAYS];
	char titles[SITE_DAYS][160], label[256];
	struct buf lb = { 0 }, *cache = bars_cached(p, ep);
	size_t mark = p->b.len;

	if (cache->len > 0) {
		buf_append(&p->b, cache->data, cache->len);
		return;
	}
	for (int i = 0; i < SITE_DAYS; i++) {
		char pct[32], n[16];
		const char *d = p->s->bars_days[i];
		const char *args[3] = { d, pct, n };

		i18n_percent(p->t, ep->day_pct[i], pct, sizeof(pct));
		snprintf(n, sizeof(n), "%d", ep->day_incidents[i]);
		if (ep->day_pct[i] < 0 && ep->day_incidents[i] == 0)
			i18n_subst(T(p, "{1}: no data"), args, 1, titles[i], sizeof(titles[i]));
		else
			i18n_subst(T(p, "{1}: uptime {2}, incidents: {3}"), args, 3, titles[i],
			    sizeof(titles[i]));
		days[i].pct = ep->day_pct[i];
		days[i].incidents = ep->day_incidents[i];
		days[i].title = titles[i];
	}
	buf_printf(&lb, "%s %s/%s", T(p, "Uptime of the last 90 days:"),
	    ep->prov->name ? ep->prov->name : ep->prov->id, ep->conf->id);
	snprintf(label, sizeof(label), "%s", (const char *)lb.data);
	buf_free(&lb);
	/* 90 days on wide screens, the last 30 on narrow ones (CSS shows one of the two). */
	buf_printf(&p->b, "<div class=\"d90\">");
	svg_uptime_bars(&p->b, days, SITE_DAYS, label, NULL);
	buf_printf(&p->b, "<p class=\"axis\"><span>");
	html_text(&p->b, T(p, "90 days ago"));
	buf_printf(&p->b, "</span><span>");
	html_text(&p->b, T(p, "Today"));
	buf_printf(&p->b, "</span></p></div><div class=\"d30\">");
	svg_uptime_bars(&p->b, days + SITE_DAYS - 30, 30, label, NULL);
	buf_printf(&p->b, "<p class=\"axis\"><span>");
	html_text(&p->b, T(p, "30 days ago"));
	buf_printf(&p->b, "</span><span>");
	html_text(&p->b, T(p, "Today"));
	buf_printf(&p->b, "</span></p></div>");
	day_table(p, ep);
	cache->len = 0;
	buf_append(cache, p->b.data + mark, p->b.len - mark);
}

/* Days from now to the time in detail f, or INT64_MIN when absent. */
static int64_t
detail_days(const struct site *s, const json_t *details, enum detail f, int64_t *at)
{
	if (detail_get_time(details, f, at) != 0)
		return INT64_MIN;
	return (*at - s->now) / 86400000;
}

/* One row: a certificate's days left (warned under 14), or a freshness time (warned when past). */
static void
cert_row(struct page *p, const char *what, int64_t days, int64_t at)
{
	char n[64];
	const char *args[1] = { n };
	bool is_time = at >= 0;

	buf_printf(&p->b, "<tr><th scope=\"row\">");
	html_text(&p->b, T(p, what));
	buf_printf(&p->b, "</th><td>");
	if (is_time)
		page_datetime(p, at);
	buf_printf(&p->b, "</td><td%s>", (is_time ? at < p->s->now : days < 14) ?
	    " class=\"warn\"" : "");
	if (is_time ? at < p->s->now : days < 0) {
		html_text(&p->b, T(p, "expired"));
	} else if (is_time && at - p->s->now < 2 * 86400000LL) {
		i18n_duration(p->t, at - p->s->now, n, sizeof(n));
		html_tpl(&p->b, T(p, "in {1}"), args, 1);
	} else {
		snprintf(n, sizeof(n), "%lld", (long long)days);
		html_tpl(&p->b, i18n_nget(p->t, "{1} day left", "{1} days left",
		    (unsigned long)days), args, 1);
	}
	buf_printf(&p->b, "</td></tr>");
}

static void
certificates(struct page *p, const struct site_ep *ep)
{
	json_t *d = ep->details;
	int64_t at, days;
	size_t mark = p->b.len;

	if (d == NULL)
		return;
	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, "Certificates and freshness (latest result)"));
	buf_printf(&p->b, "</h3><table class=\"certs\"><tbody>");
	{
		size_t before = p->b.len;

		if (detail_get_int(d, DETAIL_TLS_DAYS_LEFT, &days) == 0)
			cert_row(p, N_("TLS server certificate"), days, -1);
		if (detail_get_int(d, DETAIL_SAML_CERT_DAYS_LEFT, &days) == 0)
			cert_row(p, N_("SAML signing certificate"), days, -1);
		if ((days = detail_days(p->s, d, DETAIL_SIGNER_NOT_AFTER, &at)) != INT64_MIN)
			cert_row(p, kind_info(ep->conf->kind)->signer_label != NULL ?
			    kind_info(ep->conf->kind)->signer_label : N_("Signer certificate"), days, at);
		if ((days = detail_days(p->s, d, DETAIL_NEXT_UPDATE, &at)) != INT64_MIN)
			cert_row(p, kind_info(ep->conf->kind)->next_update_label != NULL ?
			    kind_info(ep->conf->kind)->next_update_label : N_("Next update"), days, at);
		if (p->b.len == before) {
			p->b.len = mark;
			p->b.data[mark] = '\0';
			return;
		}
	}
	buf_printf(&p->b, "</tbody></table>");
}

/* The severity of a finding as the table says it (kind_info.findings). */
static const char *
finding_severity(const char *s)
{
	if (strcmp(s, "ok") == 0)
		return N_("passed");
	if (strcmp(s, "info") == 0)
		return N_("note");
	if (strcmp(s, "degraded") == 0)
		return N_("degraded");
	return N_("down");
}

/* The kind's findings of the latest result (login: the TLS posture), one row per check. */
static void
findings(struct page *p, const struct site_ep *ep)
{
	const struct kind_info *k = kind_info(ep->conf->kind);
	const struct detail_field *f = k->findings;
	json_t *a = f != NULL ? detail_kind_get(ep->details, f) : NULL, *o;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return;
	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, k->findings_title != NULL ? k->findings_title : N_("Findings")));
	buf_printf(&p->b, "</h3><table class=\"findings\"><thead><tr><th scope=\"col\">");
	html_text(&p->b, T(p, "Check"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Result"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Details"));
	buf_printf(&p->b, "</th></tr></thead><tbody>");
	json_array_foreach(a, i, o) {
		const char *c = json_string_value(json_object_get(o, "check"));
		const char *s = json_string_value(json_object_get(o, "severity"));
		const char *t = json_string_value(json_object_get(o, "text"));

		if (c == NULL || s == NULL)
			continue;
		buf_printf(&p->b, "<tr><th scope=\"row\">");
		html_text(&p->b, T(p, c));
		buf_printf(&p->b, "</th><td class=\"sev-");
		html_attr(&p->b, s);
		buf_printf(&p->b, "\">");
		html_text(&p->b, T(p, finding_severity(s)));
		buf_printf(&p->b, "</td><td>");
		html_text(&p->b, t != NULL ? t : "");
		buf_printf(&p->b, "</td></tr>");
	}
	buf_printf(&p->b, "</tbody></table>");
}

static void
latency(struct page *p, const struct site_ep *ep)
{
	static const int wins[] = { WIN_24H, WIN_7D, WIN_30D };
	char first[64], last[64], ymax[64], label[256], num[32];
	const char *args[1] = { num };

	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, "Response time"));
	buf_printf(&p->b, "</h3><table class=\"latency\"><thead><tr><td></td><th scope=\"col\">p50</th>"
	    "<th scope=\"col\">p95</th><th scope=\"col\">p99</th></tr></thead><tbody>");
	for (size_t i = 0; i < NELEM(wins); i++) {
		const struct store_rollup *r = &ep->win[wins[i]];
		const double v[3] = { r->p50_ms, r->p95_ms, r->p99_ms };

		buf_printf(&p->b, "<tr><th scope=\"row\">");
		html_text(&p->b, T(p, site_win_labels[wins[i]]));
		buf_printf(&p->b, "</th>");
		for (int k = 0; k < 3; k++) {
			buf_printf(&p->b, "<td>");
			if (ep->have_win[wins[i]] && v[k] >= 0) {
				i18n_number(p->t, v[k], 1, num, sizeof(num));
				html_tpl(&p->b, T(p, "{1} ms"), args, 1);
			} else {
				buf_printf(&p->b, "\xE2\x80\x93");
			}
			buf_printf(&p->b, "</td>");
		}
		buf_printf(&p->b, "</tr>");
	}
	buf_printf(&p->b, "</tbody></table>");
	i18n_datetime(p->t, p->s->tz, (p->s->now / 3600000 - (SITE_HOURS - 1)) * 3600000, first, sizeof(first));
	i18n_datetime(p->t, p->s->tz, p->s->now, last, sizeof(last));
	i18n_number(p->t, svg_latency_ymax(ep->hours, SITE_HOURS), 0, num, sizeof(num));
	i18n_subst(T(p, "{1} ms"), args, 1, ymax, sizeof(ymax));
	snprintf(label, sizeof(label), "%s %s/%s", T(p, "Hourly response time, last 7 days:"),
	    ep->prov->name ? ep->prov->name : ep->prov->id, ep->conf->id);
	if (p->s->lines == NULL)
		p->s->lines = xcalloc(p->s->n_eps, sizeof(*p->s->lines));
	svg_latency_chart_lines(&p->b, ep->hours, SITE_HOURS, &p->s->lines[ep - p->s->eps],
	    label, first, last,
	    T(p, "median (p50)"), T(p, "95th percentile (p95)"), ymax);
	if (svg_latency_clipped(ep->hours, SITE_HOURS)) {
		buf_printf(&p->b, "<p class=\"note-small\">");
		html_tpl(&p->b, T(p, "Hours slower than {1} are drawn at the top edge, so that one spike does not flatten the week."), args, 1);
		buf_printf(&p->b, "</p>");
	}
}

void
site_addresses_line(struct page *p, const struct site_ep *ep)
{
	char k[16], n[16];
	const char *args[2] = { k, n };
	int total, ok = ep->have_state ? result_addresses_healthy(ep->details, &total) : -1;

	if (ok < 0)
		return;
	snprintf(k, sizeof(k), "%d", ok);
	snprintf(n, sizeof(n), "%d", total);
	buf_printf(&p->b, " <small class=\"addresses%s\">", ok < total ? " lost" : "");
	html_tpl(&p->b, T(p, "{1} of {2} addresses healthy"), args, 2);
	buf_printf(&p->b, "</small>");
}

/* Every address of the host with its own latest result (SPEC §14), when it has several. */
static void
addresses(struct page *p, const struct site_ep *ep)
{
	json_t *list = ep->have_state ? detail_get_list(ep->details, DETAIL_ADDRESSES) : NULL, *a;
	size_t i;

	if (list == NULL || json_array_size(list) == 0)
		return;
	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, "Addresses"));
	buf_printf(&p->b, "</h3><p>");
	site_addresses_line(p, ep);
	buf_printf(&p->b, "</p><div class=\"scroll\"><table class=\"addresses\"><thead><tr>"
	    "<th scope=\"col\">");
	html_text(&p->b, T(p, "Address"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Status"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Reason"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Total"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Message"));
	buf_printf(&p->b, "</th></tr></thead><tbody>");
	json_array_foreach(list, i, a) {
		const char *addr = json_string_value(json_object_get(a, "address"));
		const char *st = json_string_value(json_object_get(a, "status"));
		const char *why = json_string_value(json_object_get(a, "reason"));
		const char *msg = json_string_value(json_object_get(a, "message"));
		json_t *tot = json_object_get(a, "total_ms");
		int s = st != NULL ? status_from_name(st) : -1;
		int rs = why != NULL ? reason_from_name(why) : -1;
		char num[32];
		const char *args[1] = { num };

		buf_printf(&p->b, "<tr><th scope=\"row\"><code>");
		html_text(&p->b, addr != NULL ? addr : "");
		buf_printf(&p->b, "</code></th><td>");
		page_status(p, s >= 0 ? (enum status)s : STATUS_DOWN, s >= 0, false);
		buf_printf(&p->b, "</td><td><code>%s</code></td><td>",
		    rs >= 0 ? reason_names[rs] : "");
		if (json_is_number(tot)) {
			i18n_number(p->t, json_number_value(tot), 1, num, sizeof(num));
			html_tpl(&p->b, T(p, "{1} ms"), args, 1);
		}
		buf_printf(&p->b, "</td><td>");
		html_text(&p->b, msg);
		buf_printf(&p->b, "</td></tr>");
	}
	buf_printf(&p->b, "</tbody></table></div>\n");
}

static void
last_results(struct page *p, const struct site_ep *ep)
{
	size_t n = ep->n_last < SITE_LAST ? ep->n_last : SITE_LAST;

	if (n == 0)
		return;
	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, "Latest results"));
	buf_printf(&p->b, "</h3><div class=\"scroll\"><table class=\"results\"><thead><tr><th scope=\"col\">");
	html_text(&p->b, T(p, "Time"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Status"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Reason"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Total"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Message"));
	buf_printf(&p->b, "</th></tr></thead><tbody>");
	for (size_t k = 0; k < n; k++) {
		/* newest first */
		const struct site_res *r = &ep->last[(ep->n_last - 1 - k) % SITE_LAST];
		char num[32];
		const char *args[1] = { num };

		buf_printf(&p->b, "<tr><td>");
		page_datetime(p, r->time_ms);
		buf_printf(&p->b, "</td><td>");
		page_status(p, r->status, true, false);
		buf_printf(&p->b, "</td><td><code>%s</code></td><td>", reason_names[r->reason]);
		if (r->total_ms >= 0) {
			i18n_number(p->t, r->total_ms, 1, num, sizeof(num));
			html_tpl(&p->b, T(p, "{1} ms"), args, 1);
		}
		buf_printf(&p->b, "</td><td>");
		html_text(&p->b, r->message);
		buf_printf(&p->b, "</td></tr>");
	}
	buf_printf(&p->b, "</tbody></table></div>");
}

/* Each endpoint's last SITE_EP_INC incidents, newest first: found once, listed on 4 pages. */
static void
ep_incidents_index(struct site *s)
{
	s->ep_inc = xcalloc(s->n_eps ? s->n_eps * SITE_EP_INC : 1, sizeof(*s->ep_inc));
	s->n_ep_inc = xcalloc(s->n_eps ? s->n_eps : 1, sizeof(*s->n_ep_inc));
	for (size_t i = s->n_inc; i-- > 0;) {		/* newest first */
		const struct site_incident *in = &s->inc[i];
		struct site_ep *ep = site_find_ep(s, in->provider, in->endpoint);
		size_t j = ep != NULL ? (size_t)(ep - s->eps) : 0;

		if (ep != NULL && s->n_ep_inc[j] < SITE_EP_INC)
			s->ep_inc[j * SITE_EP_INC + s->n_ep_inc[j]++] = i;
	}
}

static void
ep_incidents(struct page *p, const struct site_ep *ep)
{
	struct site *s = p->s;
	size_t j = (size_t)(ep - s->eps);
	int shown = 0;

	if (s->ep_inc == NULL)
		ep_incidents_index(s);
	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, "Incidents"));
	buf_printf(&p->b, "</h3><ul class=\"incidents\">");
	for (size_t k = 0; k < s->n_ep_inc[j]; k++) {
		const struct site_incident *in = &s->inc[s->ep_inc[j * SITE_EP_INC + k]];
		char dur[64];

		shown++;
		buf_printf(&p->b, "<li><a href=\"%sincidents/%lld.html\">#%lld</a> ", p->home,
		    (long long)in->id, (long long)in->id);
		page_datetime(p, in->start_ms);
		buf_printf(&p->b, " \xE2\x80\x94 ");
		if (in->end_ms < 0) {
			html_text(&p->b, T(p, "ongoing"));
		} else {
			i18n_duration(p->t, in->end_ms - in->start_ms, dur, sizeof(dur));
			html_text(&p->b, dur);
		}
		buf_printf(&p->b, " \xE2\x80\x94 <code>");
		html_text(&p->b, in->reasons);
		buf_printf(&p->b, "</code></li>");
	}
	if (shown == 0) {
		buf_printf(&p->b, "<li>");
		html_text(&p->b, T(p, "No incidents recorded."));
		buf_printf(&p->b, "</li>");
	}
	buf_printf(&p->b, "</ul>");
}

/* The endpoint's checked settings, as config keys (language-neutral). */
static void
settings(struct page *p, const struct conf_endpoint *e)
{
	struct buf t = { 0 };
	char d[32];

	buf_append(&t, "", 0);
	if (e->kind == KIND_LOGIN) {
		if (e->expect.http_status)
			buf_printf(&t, " status=%d", e->expect.http_status);
		if (e->expect.body_contains)
			buf_printf(&t, " body_contains=\"%s\"", e->expect.body_contains);
		if (e->expect.oidc)
			buf_printf(&t, " oidc");
		if (e->expect.saml_metadata)
			buf_printf(&t, " saml_metadata");
	}
	if (e->kind == KIND_OCSP)
		buf_printf(&t, " status=%s", cert_status_names[e->expect.cert_status]);
	if ((e->kind == KIND_OCSP || e->kind == KIND_CRL) && e->expect.max_age_ms > 0) {
		duration_format(e->expect.max_age_ms, d, sizeof(d));
		buf_printf(&t, " max_age=%s", d);
	}
	if (e->kind == KIND_CRL && e->expect.min_remaining_ms > 0) {
		duration_format(e->expect.min_remaining_ms, d, sizeof(d));
		buf_printf(&t, " min_remaining=%s", d);
	}
	if (e->kind == KIND_TSA) {
		if (e->expect.policy)
			buf_printf(&t, " policy=%s", e->expect.policy);
		duration_format(e->expect.max_skew_ms, d, sizeof(d));
		buf_printf(&t, " max_skew=%s", d);
	}
	if (kind_info(e->kind)->settings != NULL) {
		char ks[512] = "";

		kind_info(e->kind)->settings(e, ks, sizeof(ks));
		buf_printf(&t, "%s", ks);
	}
	if (e->tls_min_days > 0 && strncmp(e->url ? e->url : "", "https:", 6) == 0)
		buf_printf(&t, " tls_min_days=%d", e->tls_min_days);
	if (e->degraded_after_ms > 0) {
		duration_format(e->degraded_after_ms, d, sizeof(d));
		buf_printf(&t, " degraded_after=%s", d);
	}
	if (e->interval_ms > 0) {
		duration_format(e->interval_ms, d, sizeof(d));
		buf_printf(&t, " interval=%s", d);
	}
	if (t.len > 0) {
		buf_printf(&p->b, "<code class=\"settings\">");
		html_text(&p->b, (const char *)t.data + 1);
		buf_printf(&p->b, "</code>");
	}
	buf_free(&t);
}

void
page_provider(struct page *p, const struct conf_provider *pv)
{
	struct site *s = p->s;
	enum status st;
	bool have;
	const struct site_ep *eps;
	size_t n;

	site_provider_state(s, pv, &st, &have);
	page_head(p, pv->name ? pv->name : pv->id);
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, pv->name ? pv->name : pv->id);
	buf_printf(&p->b, " ");
	page_status(p, st, have, false);
	buf_printf(&p->b, "</h1>\n");
	site_deps_provider(p, pv);
	site_qualified_section(p, pv);
	eps = site_provider_eps(s, pv, &n);
	for (size_t j = 0; j < n; j++) {
		const struct site_ep *ep = &eps[j];

		buf_printf(&p->b, "<section class=\"endpoint-detail\" id=\"ep-");
		html_attr(&p->b, ep->conf->id);
		buf_printf(&p->b, "\">\n<h2>");
		html_text(&p->b, ep->conf->id);
		buf_printf(&p->b, " <small>%s</small> ", kind_names[ep->conf->kind]);
		page_status(p, ep->status, ep->have_state, ep->maintenance);
		site_addresses_line(p, ep);
		buf_printf(&p->b, "</h2>\n");
		if (ep->have_state) {
			buf_printf(&p->b, "<p>");
			html_text(&p->b, T(p, "Last check:"));
			buf_printf(&p->b, " ");
			page_datetime(p, ep->last_ms);
			buf_printf(&p->b, " \xE2\x80\x94 <span class=\"explain\">");
			html_text(&p->b, T(p, report_explain(ep->conf->kind, ep->reason)));
			buf_printf(&p->b, "</span> <code>%s</code>", reason_names[ep->reason]);
			if (ep->message != NULL) {
				buf_printf(&p->b, " \xE2\x80\x94 <q>");
				html_text(&p->b, ep->message);
				buf_printf(&p->b, "</q>");
			}
			buf_printf(&p->b, "</p>\n");
		}
		site_vantage_ep(p, ep);
		addresses(p, ep);
		buf_printf(&p->b, "<p class=\"verifies\"><strong>");
		html_text(&p->b, T(p, "What is verified:"));
		buf_printf(&p->b, "</strong> ");
		html_text(&p->b, T(p, site_kind_description(ep->conf->kind)));
		buf_printf(&p->b, " <code class=\"url\">");
		html_text(&p->b, ep->conf->url);
		buf_printf(&p->b, "</code> ");
		settings(p, ep->conf);
		buf_printf(&p->b, "</p>\n<h3>");
		html_text(&p->b, T(p, "Uptime"));
		buf_printf(&p->b, "</h3>");
		bars(p, ep);
		bars_legend(p);
		uptime_windows(p, ep);
		latency(p, ep);
		certificates(p, ep);
		findings(p, ep);
		last_results(p, ep);
		ep_incidents(p, ep);
		buf_printf(&p->b, "</section>\n");
	}
	if (site_has_changes(p->s))
		site_changes_section(p, pv);
	page_foot(p);
}
