/*
 * The vantage points on the site (SPEC §11): vantage.html (every node: id, location, last
 * heard, live, results in the last 24 h), the index's "seen from N of M vantage points",
 * each endpoint's per-node view with the minority sentence, and the methodology's section.
 * With one node (SQLite) every piece says so plainly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "site_int.h"
#include "vantage.h"

const struct report_vantage *
site_vantage(struct site *s)
{
	if (s->vantage != NULL)
		return s->vantage;
	s->vantage = xcalloc(1, sizeof(*s->vantage));
	if (report_vantage_collect(s->conf, s->st, s->now, true, s->vantage) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		free(s->vantage);
		s->vantage = NULL;
	}
	return s->vantage;
}

void
site_vantage_free(struct site *s)
{
	report_vantage_free(s->vantage);
	free(s->vantage);
	s->vantage = NULL;
}

/* The quorum applied now: as configured, else a majority of the live nodes. */
static int
quorum_now(const struct report_vantage *v)
{
	return v->quorum > 0 ? v->quorum : (int)(v->n_live / 2 + 1);
}

static void
text_p(struct page *p, const char *msgid)
{
	buf_printf(&p->b, "<p>");
	html_text(&p->b, T(p, msgid));
	buf_printf(&p->b, "</p>\n");
}

/* "<time>…</time> (3 min ago)" */
static void
heard(struct page *p, int64_t ms)
{
	char d[64];
	const char *args[1];
	struct buf a = { 0 };

	page_datetime(p, ms);
	if (ms > p->s->now)
		return;
	i18n_duration(p->t, p->s->now - ms, d, sizeof(d));
	html_text(&a, d);
	args[0] = (const char *)a.data;
	buf_printf(&p->b, " <small>(");
	html_tpl(&p->b, T(p, "{1} ago"), args, 1);
	buf_printf(&p->b, ")</small>");
	buf_free(&a);
}

void
page_vantage(struct page *p)
{
	const struct report_vantage *v = site_vantage(p->s);
	char n1[24], n2[24], n3[24];
	const char *args[3] = { n1, n2, n3 };

	page_head(p, T(p, "Vantage points"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Vantage points"));
	buf_printf(&p->b, "</h1>\n");
	if (v == NULL) {
		page_foot(p);
		return;
	}
	if (!report_vantage_several(v)) {
		text_p(p, N_("This site is watched from a single vantage point: every result comes from it, and each check's result is the verdict. There is no quorum to reach."));
	} else {
		snprintf(n1, sizeof(n1), "%zu", v->n_nodes);
		snprintf(n2, sizeof(n2), "%zu", v->n_live);
		snprintf(n3, sizeof(n3), "%d", quorum_now(v));
		buf_printf(&p->b, "<p>");
		html_tpl(&p->b, T(p, "This site is watched from {1} vantage points, {2} of them live now. A verdict needs {3} of them to agree."), args, 3);
		buf_printf(&p->b, "</p>\n");
	}
	if (v->n_nodes > 0) {
		buf_printf(&p->b, "<div class=\"scroll\"><table class=\"nodes\"><thead><tr>"
		    "<th scope=\"col\">");
		html_text(&p->b, T(p, "Vantage point"));
		buf_printf(&p->b, "</th><th scope=\"col\">");
		html_text(&p->b, T(p, "Location"));
		buf_printf(&p->b, "</th><th scope=\"col\">");
		html_text(&p->b, T(p, "Last heard"));
		buf_printf(&p->b, "</th><th scope=\"col\">");
		html_text(&p->b, T(p, "Live"));
		buf_printf(&p->b, "</th><th scope=\"col\">");
		html_text(&p->b, T(p, "Results in the last 24 hours"));
		buf_printf(&p->b, "</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < v->n_nodes; i++) {
			const struct report_node *n = &v->nodes[i];

			buf_printf(&p->b, "<tr id=\"node-");
			html_attr(&p->b, n->id);
			buf_printf(&p->b, "\"><th scope=\"row\"><code>");
			html_text(&p->b, n->id);
			buf_printf(&p->b, "</code></th><td>");
			if (n->location[0] != '\0')
				html_text(&p->b, n->location);
			else
				buf_printf(&p->b, "<span class=\"na\">\xE2\x80\x93</span>");
			buf_printf(&p->b, "</td><td>");
			heard(p, n->last_seen_ms);
			buf_printf(&p->b, "</td><td>");
			if (n->live) {
				buf_printf(&p->b, "<span class=\"st up\"><span aria-hidden=\"true\">"
				    "\xE2\x9C\x93</span> ");
				html_text(&p->b, T(p, "live"));
			} else {
				buf_printf(&p->b, "<span class=\"st down\"><span aria-hidden=\"true\">"
				    "\xE2\x9C\x95</span> ");
				html_text(&p->b, T(p, "silent"));
			}
			buf_printf(&p->b, "</span></td><td>%lld</td></tr>\n", (long long)n->results_24h);
		}
		buf_printf(&p->b, "</tbody></table></div>\n");
	}
	snprintf(n1, sizeof(n1), "%lld", (long long)(v->live_ms / 1000));
	buf_printf(&p->b, "<p>");
	html_tpl(&p->b, T(p, "A vantage point is live while it has written within {1} s (twice the shortest check interval); a silent one counts for no verdict."), args, 1);
	buf_printf(&p->b, " <a href=\"%smethodology.html#vantage\">", p->home);
	html_text(&p->b, T(p, "How verdicts are reached"));
	buf_printf(&p->b, "</a></p>\n");
	page_foot(p);
}

void
site_vantage_index(struct page *p)
{
	const struct report_vantage *v = site_vantage(p->s);
	char n1[24], n2[24];
	const char *args[2] = { n1, n2 };

	if (v == NULL)
		return;
	buf_printf(&p->b, "<p class=\"vantage\"><a href=\"%svantage.html\">", p->home);
	if (!report_vantage_several(v)) {
		html_text(&p->b, T(p, "Seen from a single vantage point"));
	} else {
		snprintf(n1, sizeof(n1), "%zu", v->n_live);
		snprintf(n2, sizeof(n2), "%zu", v->n_nodes);
		html_tpl(&p->b, T(p, "Seen from {1} of {2} vantage points"), args, 2);
	}
	buf_printf(&p->b, "</a></p>\n");
}

/* "Seen down from lu-2 only." for each status some minority holds. */
static void
minority(struct page *p, const struct report_vantage_ep *ve)
{
	static const char *const tpl[STATUS__MAX] = {
		[STATUS_UP] = N_("Seen up from {1} only."),
		[STATUS_DEGRADED] = N_("Seen degraded from {1} only."),
		[STATUS_DOWN] = N_("Seen down from {1} only."),
	};

	if (ve->n_minority == 0)
		return;
	buf_printf(&p->b, "<p class=\"minority\">");
	for (int st = STATUS__MAX; st-- > 0;) {
		struct buf who = { 0 };
		const char *args[1];

		for (size_t i = 0; i < ve->n_views; i++) {
			if (!ve->views[i].minority || ve->views[i].status != (enum status)st)
				continue;
			if (who.len > 0)
				buf_printf(&who, ", ");
			buf_printf(&who, "<code>");
			html_text(&who, ve->views[i].node);
			buf_printf(&who, "</code>");
		}
		if (who.len == 0)
			continue;
		args[0] = (const char *)who.data;
		html_tpl(&p->b, T(p, tpl[st]), args, 1);
		buf_printf(&p->b, " ");
		buf_free(&who);
	}
	html_text(&p->b, T(p, "A minority view never opens an incident."));
	buf_printf(&p->b, "</p>\n");
}

static void
view_row(struct page *p, const char *node, const struct report_node_view *nv)
{
	buf_printf(&p->b, "<tr%s><th scope=\"row\"><code>", nv && nv->minority ?
	    " class=\"minority\"" : "");
	html_text(&p->b, node);
	buf_printf(&p->b, "</code></th><td>");
	if (nv == NULL) {
		page_status(p, STATUS_UP, false, false);
		buf_printf(&p->b, "</td><td></td><td><span class=\"na\">\xE2\x80\x93</span></td></tr>");
		return;
	}
	page_status(p, nv->status, true, false);
	if (!nv->fresh) {
		buf_printf(&p->b, " <small>");
		html_text(&p->b, T(p, "(too old to count)"));
		buf_printf(&p->b, "</small>");
	}
	buf_printf(&p->b, "</td><td><code>%s</code>", reason_names[nv->reason]);
	if (nv->message != NULL) {
		buf_printf(&p->b, " <q>");
		html_text(&p->b, nv->message);
		buf_printf(&p->b, "</q>");
	}
	buf_printf(&p->b, "</td><td>");
	page_datetime(p, nv->time_ms);
	buf_printf(&p->b, "</td></tr>");
}

void
site_vantage_ep(struct page *p, const struct site_ep *ep)
{
	const struct report_vantage *v = site_vantage(p->s);
	const struct report_vantage_ep *ve;
	char n1[24], n2[24];
	const char *args[2] = { n1, n2 };

	if (v == NULL || !report_vantage_several(v) ||
	    (ve = report_vantage_find(v, ep->prov->id, ep->conf->id)) == NULL)
		return;
	buf_printf(&p->b, "<h3>");
	html_text(&p->b, T(p, "From each vantage point"));
	buf_printf(&p->b, "</h3>\n");
	if (ve->q.verdict == VERDICT_UNKNOWN) {
		snprintf(n1, sizeof(n1), "%d", ve->q.fresh);
		snprintf(n2, sizeof(n2), "%d", ve->q.needed);
		buf_printf(&p->b, "<p class=\"unknown\">");
		html_tpl(&p->b, T(p, "No verdict: {1} fresh results where {2} must agree. Not observed: this counts neither up nor down."), args, 2);
		buf_printf(&p->b, "</p>\n");
	}
	minority(p, ve);
	buf_printf(&p->b, "<div class=\"scroll\"><table class=\"nodes\"><thead><tr><th scope=\"col\">");
	html_text(&p->b, T(p, "Vantage point"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Status"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Reason"));
	buf_printf(&p->b, "</th><th scope=\"col\">");
	html_text(&p->b, T(p, "Time"));
	buf_printf(&p->b, "</th></tr></thead><tbody>");
	for (size_t i = 0; i < ve->n_views; i++)
		view_row(p, ve->views[i].node, &ve->views[i]);
	for (size_t k = 0; k < v->n_nodes; k++) {
		bool seen = false;

		for (size_t i = 0; i < ve->n_views && !seen; i++)
			seen = strcmp(ve->views[i].node, v->nodes[k].id) == 0;
		if (!seen)
			view_row(p, v->nodes[k].id, NULL);
	}
	buf_printf(&p->b, "</tbody></table></div>\n");
}

void
site_vantage_methodology(struct page *p)
{
	const struct report_vantage *v = site_vantage(p->s);
	const struct conf *c = p->s->conf;
	char n1[24];
	const char *args[1] = { n1 };

	buf_printf(&p->b, "<h2 id=\"vantage\">");
	html_text(&p->b, T(p, "Vantage points and the quorum"));
	buf_printf(&p->b, "</h2>\n");
	text_p(p, N_("A failure seen from one place may be that place's own network. trustwatch can check each service from several vantage points: nodes on separate networks that write to one shared store. A vantage point is live while it has written within twice the shortest check interval."));
	if (c->quorum > 0) {
		snprintf(n1, sizeof(n1), "%d", c->quorum);
		buf_printf(&p->b, "<p>");
		html_tpl(&p->b, T(p, "Each endpoint's verdict comes from each live vantage point's newest result, if it is not older than twice the endpoint's interval: down when at least {1} of them see it down, degraded when at least {1} see it down or degraded, up when at least {1} see it up."), args, 1);
		buf_printf(&p->b, "</p>\n");
	} else {
		text_p(p, N_("Each endpoint's verdict comes from each live vantage point's newest result, if it is not older than twice the endpoint's interval: down when a majority of the live vantage points see it down, degraded when a majority see it down or degraded, up when a majority see it up."));
	}
	text_p(p, N_("Otherwise there are too few fresh results to agree, and the verdict is unknown: not observed, counting neither up nor down."));
	text_p(p, N_("Incidents, uptime and this site use the verdict. A vantage point that disagrees with it is shown on the endpoint's page (for example \"seen down from lu-2 only\") and never opens an incident."));
	if (v != NULL && !report_vantage_several(v))
		text_p(p, N_("This site is watched from a single vantage point, so each check's result is the verdict."));
	buf_printf(&p->b, "<p><a href=\"%svantage.html\">", p->home);
	html_text(&p->b, T(p, "The vantage points of this site"));
	buf_printf(&p->b, "</a></p>\n");
}
