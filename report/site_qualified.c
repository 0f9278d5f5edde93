/*
 * The provider page's "Qualified according to the trusted list" section (SPEC §13, issue
 * 20): for each watched trusted list (a tl endpoint that is not a LOTL, with a verified
 * issue remembered), whether the provider and each of its OCSP, CRL and TSA endpoints is
 * qualified according to it, matched by certificate (core/qualified.c).
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "site_int.h"
#include "../core/qualified.h"

#define N_(s)	(s)

/* The territory the list's last result names, or NULL. */
static const char *
territory(const struct site *s, const struct conf_endpoint *tl)
{
	for (size_t i = 0; i < s->n_eps; i++)
		if (s->eps[i].conf == tl)
			return json_string_value(json_object_get(s->eps[i].details, "territory"));
	return NULL;
}

static void
one_list(struct page *p, const struct conf_provider *pv, const struct conf_provider *lp,
    const struct conf_endpoint *tl, const json_t *snap)
{
	const struct site_ep *eps;
	size_t n, rows = 0;
	bool any = false;
	struct buf body = { 0 };
	char list[512], seq[32];
	const char *terr = territory(p->s, tl), *args[2];

	eps = site_provider_eps(p->s, pv, &n);
	for (size_t j = 0; j < n; j++) {
		const struct site_ep *ep = &eps[j];
		const json_t *svc = NULL;
		enum qualified q;
		const char *what;

		if (ep->conf->kind != KIND_OCSP && ep->conf->kind != KIND_CRL &&
		    ep->conf->kind != KIND_TSA)
			continue;
		q = qualified_match(snap, ep->details, pv->name, &svc);
		any |= q == QUAL_GRANTED;
		buf_printf(&body, "<tr class=\"qual-%s\"><td>", q == QUAL_GRANTED ? "yes" :
		    q == QUAL_NOT_GRANTED ? "no" : "unknown");
		html_text(&body, ep->conf->id);
		buf_printf(&body, " <small>%s</small></td><td>", kind_names[ep->conf->kind]);
		what = q == QUAL_GRANTED ? N_("Qualified") : q == QUAL_NOT_GRANTED ?
		    N_("Not qualified") : q == QUAL_NOT_LISTED ? N_("Not in the list") :
		    N_("No certificate seen yet");
		html_text(&body, T(p, what));
		if (svc != NULL) {
			buf_printf(&body, " <code>");
			html_text(&body, json_string_value(json_object_get(svc, "status")));
			buf_printf(&body, "</code></td><td>");
			html_text(&body, json_string_value(json_object_get(svc, "name")));
			buf_printf(&body, "</td><td>");
			html_text(&body, json_string_value(json_object_get(svc, "type")));
			buf_printf(&body, "</td><td>");
			html_text(&body, json_string_value(json_object_get(svc, "tsp")));
		} else
			buf_printf(&body, "</td><td></td><td></td><td>");
		buf_printf(&body, "</td></tr>\n");
		rows++;
	}
	if (rows > 0) {
		snprintf(list, sizeof(list), "%s / %s%s%s%s", lp->name ? lp->name : lp->id, tl->id,
		    terr ? " (" : "", terr ? terr : "", terr ? ")" : "");
		snprintf(seq, sizeof(seq), "%lld",
		    (long long)json_integer_value(json_object_get(snap, "seq")));
		buf_printf(&p->b, "<p class=\"qual-%s\">", any ? "yes" : "no");
		args[0] = pv->name ? pv->name : pv->id;
		args[1] = list;
		html_tpl(&p->b, T(p, any ? "{1} is qualified according to the trusted list {2}." :
		    "{1} is not qualified according to the trusted list {2}."), args, 2);
		buf_printf(&p->b, " ");
		args[0] = seq;
		html_tpl(&p->b, T(p, "Its last verified issue: sequence number {1}."), args, 1);
		buf_printf(&p->b, "</p>\n<div class=\"table-wrap\"><table class=\"qualified\"><thead><tr>");
		{
			static const char *const head[] = { N_("Endpoint"), N_("In the list"),
			    N_("Service"), N_("Type"), N_("Provider") };

			for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
				buf_printf(&p->b, "<th>");
				html_text(&p->b, T(p, head[i]));
				buf_printf(&p->b, "</th>");
			}
		}
		buf_printf(&p->b, "</tr></thead><tbody>\n");
		buf_append(&p->b, body.data, body.len);
		buf_printf(&p->b, "</tbody></table></div>\n");
	}
	buf_free(&body);
}

void
site_qualified_section(struct page *p, const struct conf_provider *pv)
{
	const struct conf *c = p->s->conf;
	size_t mark = p->b.len;
	bool started = false;

	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *lp = &c->providers[i];

		for (size_t j = 0; j < lp->n_endpoints; j++) {
			const struct conf_endpoint *tl = &lp->endpoints[j];
			char *mem;
			json_t *snap;

			if (tl->kind != KIND_TL ||
			    (mem = store_kind_memory(p->s->st, lp->id, tl->id)) == NULL)
				continue;
			snap = json_loads(mem, 0, NULL);
			free(mem);
			/* A LOTL lists lists, not services. */
			if (json_is_object(snap) && json_object_get(snap, "pointers") == NULL) {
				if (!started) {
					buf_printf(&p->b, "<section class=\"qualified\"><h2>");
					html_text(&p->b, T(p, "Qualified according to the trusted list"));
					buf_printf(&p->b, "</h2>\n");
					started = true;
				}
				one_list(p, pv, lp, tl, snap);
			}
			json_decref(snap);
		}
	}
	if (started && p->b.len > mark)
		buf_printf(&p->b, "</section>\n");
	/* Nothing matched against (no OCSP, CRL or TSA endpoint): no section at all. */
	if (started && strstr((const char *)p->b.data + mark, "<table") == NULL) {
		p->b.len = mark;
		p->b.data[mark] = '\0';
	}
}
