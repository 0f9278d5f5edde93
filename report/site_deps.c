/*
 * Dependencies on the site (SPEC §15): dependencies.html (an SVG graph and the same as
 * tables), the paragraph on each provider page, the index banner during a provider outage,
 * and the links between an incident and its likely cause on incident pages.
 * Every untrusted string goes through html.c.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "site_int.h"
#include "../core/deps.h"

#define G_BOX_W		190
#define G_BOX_H		30
#define G_COL_GAP	90
#define G_ROW_GAP	14
#define G_PAD		10
#define G_NAME_MAX	24	/* bytes of a name drawn in a box */

void
site_deps_collect(struct site *s)
{
	struct deps_incident *di;
	long *cause;

	s->deps = deps_new(s->conf);
	for (size_t i = 0; i < s->n_inc; i++)
		s->inc[i].cause = -1;
	if (s->deps == NULL || s->n_inc == 0)
		return;
	di = xcalloc(s->n_inc, sizeof(*di));
	cause = xcalloc(s->n_inc, sizeof(*cause));
	for (size_t i = 0; i < s->n_inc; i++)
		di[i] = (struct deps_incident){ s->inc[i].id, s->inc[i].provider,
		    s->inc[i].start_ms, s->inc[i].end_ms };
	deps_link(s->conf, s->deps, di, s->n_inc, cause);
	for (size_t i = 0; i < s->n_inc; i++) {		/* oldest first: effects in order */
		struct site_incident *cz;

		s->inc[i].cause = cause[i];
		if (cause[i] < 0)
			continue;
		cz = &s->inc[cause[i]];
		cz->effects = xrealloc(cz->effects, (cz->n_effects + 1) * sizeof(*cz->effects));
		cz->effects[cz->n_effects++] = i;
	}
	free(di);
	free(cause);
}

void
site_deps_free(struct site *s)
{
	for (size_t i = 0; i < s->n_inc; i++) {
		free(s->inc[i].effects);
		s->inc[i].effects = NULL;
		s->inc[i].n_effects = 0;
	}
	deps_free(s->deps);
	s->deps = NULL;
}

uint64_t
site_deps_incident_fp(const struct site *s, const struct site_incident *in)
{
	uint64_t h = 1469598103934665603ULL;
	int64_t v[3];

	for (size_t k = 0; k <= in->n_effects; k++) {
		const struct site_incident *o = k == in->n_effects ?
		    (in->cause >= 0 ? &s->inc[in->cause] : NULL) : &s->inc[in->effects[k]];

		if (o == NULL)
			break;
		v[0] = o->id;
		v[1] = o->start_ms;
		v[2] = o->end_ms;
		for (size_t b = 0; b < sizeof(v); b++) {
			h ^= ((const unsigned char *)v)[b];
			h *= 1099511628211ULL;
		}
		for (const char *c = site_provider_name(s, o->provider); c && *c; c++) {
			h ^= (unsigned char)*c;
			h *= 1099511628211ULL;
		}
	}
	return h;
}

static size_t
prov_index(const struct site *s, const char *id)
{
	for (size_t i = 0; i < s->conf->n_providers; i++)
		if (strcmp(s->conf->providers[i].id, id) == 0)
			return i;
	return SIZE_MAX;
}

/* A link to provider i's page, its name as text. */
static void
prov_link(struct page *p, size_t i)
{
	const struct conf_provider *pv = &p->s->conf->providers[i];

	buf_printf(&p->b, "<a href=\"%sproviders/", p->home);
	html_attr(&p->b, pv->id);
	buf_printf(&p->b, ".html\">");
	html_text(&p->b, pv->name);
	buf_printf(&p->b, "</a>");
}

/* Provider links, ", " between; "—" when none. */
static void
prov_links(struct page *p, const size_t *v, size_t n)
{
	if (n == 0)
		buf_printf(&p->b, "\xE2\x80\x94");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_printf(&p->b, ", ");
		prov_link(p, v[i]);
	}
}

static void
dep_links(struct page *p, const struct conf_dep *v, size_t n)
{
	if (n == 0)
		buf_printf(&p->b, "\xE2\x80\x94");
	for (size_t i = 0; i < n; i++) {
		size_t k = prov_index(p->s, v[i].id);

		if (i > 0)
			buf_printf(&p->b, ", ");
		if (k != SIZE_MAX)
			prov_link(p, k);
	}
}

/* The providers that are single points of failure for service i (caller frees). */
static size_t *
spofs_of(const struct site *s, size_t i, size_t *n)
{
	size_t *v = xcalloc(s->deps->n ? s->deps->n : 1, sizeof(*v));

	*n = 0;
	for (size_t j = 0; j < s->deps->n; j++)
		for (size_t k = 0; k < s->deps->node[j].n_spof_for; k++)
			if (s->deps->node[j].spof_for[k] == i)
				v[(*n)++] = j;
	return v;
}

/* Whether provider i takes part in the graph. */
static bool
in_graph(const struct deps *d, size_t i)
{
	return d->node[i].relying || d->node[i].n_dependants > 0;
}

/* Column of provider i: 0 for those relying on none, else one right of its rightmost need. */
static int
column(const struct conf *c, size_t i, int *memo)
{
	const struct conf_provider *pv = &c->providers[i];
	int col = 0;

	if (memo[i] >= 0)
		return memo[i];
	for (size_t k = 0; k < pv->n_depends_on + pv->n_alternatives; k++) {
		const char *id = k < pv->n_depends_on ? pv->depends_on[k].id :
		    pv->alternatives[k - pv->n_depends_on].id;
		const struct conf_provider *q = conf_find_provider(c, id);
		int qc;

		if (q == NULL)
			continue;
		qc = column(c, (size_t)(q - c->providers), memo) + 1;
		if (qc > col)
			col = qc;
	}
	return memo[i] = col;
}

/* A name cut to G_NAME_MAX bytes on a character boundary, "…" when cut. */
static void
box_name(struct buf *b, const char *name)
{
	size_t n = strlen(name);
	char *cut;

	if (n <= G_NAME_MAX) {
		html_text(b, name);
		return;
	}
	n = G_NAME_MAX;
	while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
		n--;
	cut = xasprintf("%.*s\xE2\x80\xA6", (int)n, name);
	html_text(b, cut);
	free(cut);
}

/* The graph as SVG: needs solid, alternatives dashed, single points of failure thick. */
static void
graph_svg(struct page *p)
{
	const struct conf *c = p->s->conf;
	const struct deps *d = p->s->deps;
	size_t n = c->n_providers;
	int *col = xcalloc(n, sizeof(int)), *row = xcalloc(n, sizeof(int));
	int *count, max_col = 0, max_row = 0, w, h;

	for (size_t i = 0; i < n; i++)
		col[i] = -1;
	for (size_t i = 0; i < n; i++)
		if (in_graph(d, i) && column(c, i, col) > max_col)
			max_col = col[i];
	count = xcalloc((size_t)max_col + 1, sizeof(int));
	for (size_t i = 0; i < n; i++)
		if (in_graph(d, i)) {
			row[i] = count[col[i]]++;
			if (count[col[i]] > max_row)
				max_row = count[col[i]];
		}
	w = 2 * G_PAD + (max_col + 1) * G_BOX_W + max_col * G_COL_GAP;
	h = 2 * G_PAD + max_row * (G_BOX_H + G_ROW_GAP) - G_ROW_GAP;
	buf_printf(&p->b, "<figure class=\"deps-graph\"><div class=\"scroll\">"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"deps-graph-title\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">"
	    "<title id=\"deps-graph-title\">", w, h, w, h);
	html_text(&p->b, T(p, "Dependency graph"));
	buf_printf(&p->b, "</title><defs><marker id=\"deps-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" "
	    "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
	    "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"currentColor\"/></marker></defs>");
	/* edges: from the service's left side to the provider's right side */
	for (size_t i = 0; i < n; i++) {
		const struct conf_provider *pv = &c->providers[i];

		if (!in_graph(d, i))
			continue;
		for (size_t k = 0; k < pv->n_depends_on + pv->n_alternatives; k++) {
			bool alt = k >= pv->n_depends_on;
			const char *id = alt ? pv->alternatives[k - pv->n_depends_on].id :
			    pv->depends_on[k].id;
			size_t j = prov_index(p->s, id);
			bool spof = false;
			int x1, y1, x2, y2;

			if (j == SIZE_MAX)
				continue;
			for (size_t m = 0; m < d->node[j].n_spof_for; m++)
				spof |= d->node[j].spof_for[m] == i;
			x1 = G_PAD + col[i] * (G_BOX_W + G_COL_GAP);
			y1 = G_PAD + row[i] * (G_BOX_H + G_ROW_GAP) + G_BOX_H / 2;
			x2 = G_PAD + col[j] * (G_BOX_W + G_COL_GAP) + G_BOX_W;
			y2 = G_PAD + row[j] * (G_BOX_H + G_ROW_GAP) + G_BOX_H / 2;
			buf_printf(&p->b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"currentColor\" "
			    "stroke-width=\"%s\"%s marker-end=\"url(#deps-arrow)\"/>", x1, y1, x2, y2,
			    spof ? "3" : "1.2", alt ? " stroke-dasharray=\"6 4\"" : "");
		}
	}
	for (size_t i = 0; i < n; i++) {
		int x, y;

		if (!in_graph(d, i))
			continue;
		x = G_PAD + col[i] * (G_BOX_W + G_COL_GAP);
		y = G_PAD + row[i] * (G_BOX_H + G_ROW_GAP);
		/* no links inside: an image holds no controls (the tables below link) */
		buf_printf(&p->b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" "
		    "fill=\"none\" stroke=\"currentColor\"/><text x=\"%d\" y=\"%d\" fill=\"currentColor\">",
		    x, y, G_BOX_W, G_BOX_H, x + 8, y + G_BOX_H / 2 + 5);
		box_name(&p->b, c->providers[i].name);
		buf_printf(&p->b, "</text>");
	}
	buf_printf(&p->b, "</svg></div><figcaption>");
	html_text(&p->b, T(p, "Each arrow points from a service to a provider it relies on: solid when the service needs it, dashed when any one of its alternatives suffices. A thick arrow marks a single point of failure."));
	buf_printf(&p->b, "</figcaption></figure>\n");
	free(col);
	free(row);
	free(count);
}

static void
th(struct page *p, const char *label)
{
	buf_printf(&p->b, "<th scope=\"col\">");
	html_text(&p->b, T(p, label));
	buf_printf(&p->b, "</th>");
}

static void
paths_text(struct page *p, int paths)
{
	char n[16];
	const char *args[1] = { n };

	snprintf(n, sizeof(n), "%d", paths);
	if (paths >= DEPS_PATHS_MAX)
		html_tpl(&p->b, T(p, "at least {1}"), args, 1);
	else
		buf_printf(&p->b, "%d", paths);
}

void
page_dependencies(struct page *p)
{
	struct site *s = p->s;
	const struct conf *c = s->conf;
	const struct deps *d = s->deps;
	bool any = false;

	page_head(p, T(p, "Dependencies"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Dependencies"));
	buf_printf(&p->b, "</h1>\n<p>");
	html_text(&p->b, T(p, "Which relying services depend on which provider, and for how many of them a provider's failure alone takes the service down: a single point of failure."));
	buf_printf(&p->b, "</p>\n");
	for (size_t i = 0; d != NULL && i < c->n_providers; i++)
		any |= d->node[i].relying;
	if (!any) {
		buf_printf(&p->b, "<p>");
		html_text(&p->b, T(p, "No dependencies are declared in the configuration."));
		buf_printf(&p->b, "</p>\n");
		page_foot(p);
		return;
	}
	graph_svg(p);
	buf_printf(&p->b, "<h2 id=\"providers\">");
	html_text(&p->b, T(p, "Providers"));
	buf_printf(&p->b, "</h2>\n<div class=\"scroll\"><table class=\"deps\"><thead><tr>");
	th(p, N_("Provider"));
	th(p, N_("Services that depend on it"));
	th(p, N_("Single point of failure for"));
	buf_printf(&p->b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < c->n_providers; i++) {
		const struct deps_node *nd = &d->node[i];

		if (nd->n_dependants == 0)
			continue;
		buf_printf(&p->b, "<tr id=\"provider-");
		html_attr(&p->b, c->providers[i].id);
		buf_printf(&p->b, "\"><th scope=\"row\">");
		prov_link(p, i);
		buf_printf(&p->b, "</th><td><span class=\"num\">%zu</span>: ", nd->n_dependants);
		prov_links(p, nd->dependants, nd->n_dependants);
		buf_printf(&p->b, "</td><td><span class=\"num\">%zu</span>: ", nd->n_spof_for);
		prov_links(p, nd->spof_for, nd->n_spof_for);
		buf_printf(&p->b, "</td></tr>\n");
	}
	buf_printf(&p->b, "</tbody></table></div>\n<h2 id=\"services\">");
	html_text(&p->b, T(p, "Relying services"));
	buf_printf(&p->b, "</h2>\n<div class=\"scroll\"><table class=\"deps\"><thead><tr>");
	th(p, N_("Service"));
	th(p, N_("Needs all of"));
	th(p, N_("Needs one of"));
	th(p, N_("Independent paths"));
	th(p, N_("Single points of failure"));
	buf_printf(&p->b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *pv = &c->providers[i];
		size_t n_spof, *spof;

		if (!d->node[i].relying)
			continue;
		spof = spofs_of(s, i, &n_spof);
		buf_printf(&p->b, "<tr id=\"service-");
		html_attr(&p->b, pv->id);
		buf_printf(&p->b, "\"><th scope=\"row\">");
		prov_link(p, i);
		buf_printf(&p->b, "</th><td>");
		dep_links(p, pv->depends_on, pv->n_depends_on);
		buf_printf(&p->b, "</td><td>");
		dep_links(p, pv->alternatives, pv->n_alternatives);
		buf_printf(&p->b, "</td><td class=\"num\">");
		paths_text(p, d->node[i].paths);
		buf_printf(&p->b, "</td><td>");
		prov_links(p, spof, n_spof);
		buf_printf(&p->b, "</td></tr>\n");
		free(spof);
	}
	buf_printf(&p->b, "</tbody></table></div>\n<p>");
	html_text(&p->b, T(p, "Independent paths: the fewest providers whose failure together takes the service down."));
	buf_printf(&p->b, " <a href=\"%sapi/dependencies.json\">dependencies.json</a></p>\n", p->root);
	page_foot(p);
}

/* "5 services depend on LuxTrust; for 4 it is a single point of failure." */
static void
dependants_sentence(struct page *p, size_t i)
{
	const struct deps_node *nd = &p->s->deps->node[i];
	char n[24], k[24];
	struct buf name = { 0 };
	const char *args[2] = { n, NULL };

	snprintf(n, sizeof(n), "%zu", nd->n_dependants);
	snprintf(k, sizeof(k), "%zu", nd->n_spof_for);
	html_text(&name, p->s->conf->providers[i].name);
	args[1] = (const char *)name.data;
	html_tpl(&p->b, i18n_nget(p->t, "{1} service depends on {2};", "{1} services depend on {2};",
	    nd->n_dependants), args, 2);
	buf_printf(&p->b, " ");
	args[0] = k;
	html_tpl(&p->b, T(p, "for {1} it is a single point of failure."), args, 1);
	buf_free(&name);
}

void
site_deps_provider(struct page *p, const struct conf_provider *pv)
{
	const struct deps *d = p->s->deps;
	size_t i = (size_t)(pv - p->s->conf->providers);

	if (d == NULL || i >= d->n || !in_graph(d, i))
		return;
	buf_printf(&p->b, "<section class=\"deps\" aria-labelledby=\"deps-h\"><h2 id=\"deps-h\">");
	html_text(&p->b, T(p, "Dependencies"));
	buf_printf(&p->b, "</h2>\n");
	if (d->node[i].n_dependants > 0) {
		buf_printf(&p->b, "<p class=\"deps-count\">");
		dependants_sentence(p, i);
		buf_printf(&p->b, "</p>\n<p>");
		html_text(&p->b, T(p, "Services that depend on it"));
		buf_printf(&p->b, ": ");
		prov_links(p, d->node[i].dependants, d->node[i].n_dependants);
		buf_printf(&p->b, "</p>\n");
	}
	if (d->node[i].relying) {
		buf_printf(&p->b, "<p>");
		html_text(&p->b, T(p, "Needs all of"));
		buf_printf(&p->b, ": ");
		dep_links(p, pv->depends_on, pv->n_depends_on);
		buf_printf(&p->b, "<br>");
		html_text(&p->b, T(p, "Needs one of"));
		buf_printf(&p->b, ": ");
		dep_links(p, pv->alternatives, pv->n_alternatives);
		buf_printf(&p->b, "<br>");
		html_text(&p->b, T(p, "Independent paths"));
		buf_printf(&p->b, ": ");
		paths_text(p, d->node[i].paths);
		buf_printf(&p->b, "</p>\n");
	}
	buf_printf(&p->b, "<p><a href=\"%sdependencies.html\">", p->home);
	html_text(&p->b, T(p, "All dependencies"));
	buf_printf(&p->b, "</a></p></section>\n");
}

void
site_deps_banner(struct page *p)
{
	struct site *s = p->s;
	const struct deps *d = s->deps;

	if (d == NULL)
		return;
	for (size_t i = 0; i < s->conf->n_providers; i++) {
		enum status st;
		bool have;

		if (d->node[i].n_dependants == 0)
			continue;
		site_provider_state(s, &s->conf->providers[i], &st, &have);
		if (!have || st != STATUS_DOWN)
			continue;
		{
			char n[24], k[24];
			struct buf name = { 0 };
			const char *args[2] = { NULL, n };

			snprintf(n, sizeof(n), "%zu", d->node[i].n_dependants);
			snprintf(k, sizeof(k), "%zu", d->node[i].n_spof_for);
			buf_printf(&name, "<a href=\"%sproviders/", p->home);
			html_attr(&name, s->conf->providers[i].id);
			buf_printf(&name, ".html\">");
			html_text(&name, s->conf->providers[i].name);
			buf_printf(&name, "</a>");
			args[0] = (const char *)name.data;
			buf_printf(&p->b, "<p class=\"banner deps-outage\" role=\"status\"><strong>");
			html_tpl(&p->b, i18n_nget(p->t, "{1} is down: {2} relying service depends on it;",
			    "{1} is down: {2} relying services depend on it;", d->node[i].n_dependants),
			    args, 2);
			buf_printf(&p->b, "</strong> ");
			args[0] = k;
			html_tpl(&p->b, T(p, "for {1} it is a single point of failure."), args, 1);
			buf_printf(&p->b, " <a href=\"%sdependencies.html#provider-", p->home);
			html_attr(&p->b, s->conf->providers[i].id);
			buf_printf(&p->b, "\">");
			html_text(&p->b, T(p, "Dependencies"));
			buf_printf(&p->b, "</a></p>\n");
			buf_free(&name);
		}
	}
}

/* "LuxTrust incident #12" linked to its page. */
static void
incident_link(struct page *p, const struct site_incident *o)
{
	char id[24];
	struct buf name = { 0 };
	const char *args[2] = { NULL, id };

	snprintf(id, sizeof(id), "%lld", (long long)o->id);
	html_text(&name, site_provider_name(p->s, o->provider));
	args[0] = (const char *)name.data;
	buf_printf(&p->b, "<a href=\"%sincidents/%lld.html\">", p->home, (long long)o->id);
	html_tpl(&p->b, T(p, "{1} incident #{2}"), args, 2);
	buf_printf(&p->b, "</a>");
	buf_free(&name);
}

void
site_deps_incident(struct page *p, const struct site_incident *in)
{
	struct site *s = p->s;

	if (in->cause >= 0 && (size_t)in->cause < s->n_inc) {
		const struct site_incident *cz = &s->inc[in->cause];
		char ago[64];
		struct buf link = { 0 }, agoh = { 0 };
		struct page sub = *p;
		const char *args[2];

		sub.b = link;
		incident_link(&sub, cz);
		link = sub.b;
		i18n_duration(p->t, in->start_ms - cz->start_ms, ago, sizeof(ago));
		html_text(&agoh, ago);
		args[0] = (const char *)link.data;
		args[1] = (const char *)agoh.data;
		buf_printf(&p->b, "<div class=\"caused-by\"><dt>");
		html_text(&p->b, T(p, "Probably caused by"));
		buf_printf(&p->b, "</dt><dd>");
		html_tpl(&p->b, T(p, "{1}, which started {2} earlier"), args, 2);
		buf_printf(&p->b, "</dd></div>");
		buf_free(&link);
		buf_free(&agoh);
	}
	if (in->n_effects > 0) {
		buf_printf(&p->b, "<div class=\"caused\"><dt>");
		html_text(&p->b, T(p, "Incidents it probably caused"));
		buf_printf(&p->b, "</dt><dd><ul>");
		for (size_t k = 0; k < in->n_effects; k++) {
			buf_printf(&p->b, "<li>");
			incident_link(p, &s->inc[in->effects[k]]);
			buf_printf(&p->b, "</li>");
		}
		buf_printf(&p->b, "</ul></dd></div>");
	}
}

/* "LuxTrust incident #12" as plain text. */
static void
incident_plain(struct site *s, struct i18n *t, const struct site_incident *o, struct buf *out)
{
	char id[24], text[512];
	const char *args[2] = { site_provider_name(s, o->provider), id };

	snprintf(id, sizeof(id), "%lld", (long long)o->id);
	buf_printf(out, "%s", i18n_subst(i18n_get(t, "{1} incident #{2}"), args, 2, text,
	    sizeof(text)));
}

int64_t
site_deps_feed(struct site *s, struct i18n *t, const struct site_incident *in,
    struct buf *content, int64_t updated_ms)
{
	if (in->cause >= 0 && (size_t)in->cause < s->n_inc) {
		const struct site_incident *cz = &s->inc[in->cause];
		struct buf link = { 0 };
		char ago[64], text[1024];
		const char *args[2];

		incident_plain(s, t, cz, &link);
		buf_append(&link, "", 1);
		i18n_duration(t, in->start_ms - cz->start_ms, ago, sizeof(ago));
		args[0] = (const char *)link.data;
		args[1] = ago;
		buf_printf(content, "%s: %s\n", i18n_get(t, "Probably caused by"),
		    i18n_subst(i18n_get(t, "{1}, which started {2} earlier"), args, 2, text,
		    sizeof(text)));
		buf_free(&link);
	}
	if (in->n_effects > 0) {
		buf_printf(content, "%s: ", i18n_get(t, "Incidents it probably caused"));
		for (size_t k = 0; k < in->n_effects; k++) {
			const struct site_incident *o = &s->inc[in->effects[k]];

			if (k > 0)
				buf_printf(content, ", ");
			incident_plain(s, t, o, content);
			if (o->start_ms > updated_ms)
				updated_ms = o->start_ms;
		}
		buf_printf(content, "\n");
	}
	return updated_ms;
}
