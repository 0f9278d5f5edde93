/*
 * Conformance (SPEC §14): conformance.html, exports/conformance.csv and the methodology's
 * list of rules. The figures are the store's sums per endpoint, month and rule
 * (store_each_conformance), read once per render and added up per provider: no result is
 * read again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/conformance.h"
#include "csv.h"
#include "html.h"
#include "site_int.h"

#define CSV_CONFORMANCE_HEADER	"month,provider,rule,reference,checks,violations," \
	"first_violation,last_violation"

/* One provider's sums of one rule in one UTC month. */
struct site_conf {
	size_t		 prov;		/* index into conf->providers */
	char		 month[8];
	size_t		 rule;		/* index into conformance_rules */
	int64_t		 checks, violations, first_ms, last_ms;
};

struct collect {
	struct site	*s;
	struct site_conf *rows;
	size_t		 n, cap;
};

static long
provider_index(const struct conf *c, const char *id)
{
	for (size_t i = 0; i < c->n_providers; i++)
		if (strcmp(c->providers[i].id, id) == 0)
			return (long)i;
	return -1;
}

static int
on_sum(const struct store_conformance *x, void *arg)
{
	struct collect *c = arg;
	const struct conformance_rule *rule = conformance_rule(x->rule);
	long pi = provider_index(c->s->conf, x->provider);
	struct site_conf *r = NULL;

	/* A provider or a rule no longer configured is not shown. */
	if (rule == NULL || pi < 0 || strlen(x->month) != 7)
		return 0;
	for (size_t i = c->n; i-- > 0 && r == NULL;)
		if (c->rows[i].prov == (size_t)pi && c->rows[i].rule ==
		    (size_t)(rule - conformance_rules) && strcmp(c->rows[i].month, x->month) == 0)
			r = &c->rows[i];
	if (r == NULL) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->rows = xrealloc(c->rows, c->cap * sizeof(*c->rows));
		}
		r = &c->rows[c->n++];
		memset(r, 0, sizeof(*r));
		r->prov = (size_t)pi;
		r->rule = (size_t)(rule - conformance_rules);
		memcpy(r->month, x->month, sizeof(r->month));
		r->first_ms = r->last_ms = -1;
	}
	r->checks += x->checks;
	r->violations += x->violations;
	if (x->first_ms >= 0 && (r->first_ms < 0 || x->first_ms < r->first_ms))
		r->first_ms = x->first_ms;
	if (x->last_ms > r->last_ms)
		r->last_ms = x->last_ms;
	return 0;
}

/* Provider in config order, newest month first, rules in table order. */
static int
cmp_rows(const void *a, const void *b)
{
	const struct site_conf *x = a, *y = b;
	int m;

	if (x->prov != y->prov)
		return x->prov < y->prov ? -1 : 1;
	if ((m = strcmp(y->month, x->month)) != 0)
		return m;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

void
site_conformance_collect(struct site *s)
{
	struct collect c = { .s = s };

	if (store_each_conformance(s->st, NULL, on_sum, &c) < 0) {
		site_fail(s, "store: %s", store_error(s->st));
		free(c.rows);
		return;
	}
	if (c.n > 1)
		qsort(c.rows, c.n, sizeof(*c.rows), cmp_rows);
	s->conformance = c.rows;
	s->n_conformance = c.n;
}

void
site_conformance_free(struct site *s)
{
	free(s->conformance);
	s->conformance = NULL;
	s->n_conformance = 0;
}

static void
th(struct page *p, const char *label)
{
	buf_printf(&p->b, "<th scope=\"col\">");
	html_text(&p->b, T(p, label));
	buf_printf(&p->b, "</th>");
}

static void
para(struct page *p, const char *msgid)
{
	buf_printf(&p->b, "<p>");
	html_text(&p->b, T(p, msgid));
	buf_printf(&p->b, "</p>\n");
}

void
page_conformance(struct page *p)
{
	const struct site *s = p->s;
	const struct site_conf *r = s->conformance;
	size_t i = 0;

	page_head(p, T(p, "Conformance"));
	buf_printf(&p->b, "<h1>");
	html_text(&p->b, T(p, "Conformance"));
	buf_printf(&p->b, "</h1>\n");
	para(p, N_("Each check is also held against the rules the provider is audited against: the CA/Browser Forum Baseline Requirements, the Mozilla Root Store Policy, ETSI standards and RFCs. Per provider and month: how many checks a rule applied to, how many broke it, and when first and last."));
	buf_printf(&p->b, "<p><a href=\"%smethodology.html#conformance\">", p->home);
	html_text(&p->b, T(p, "The rules and their sources"));
	buf_printf(&p->b, "</a> \xC2\xB7 <a href=\"%sexports/conformance.csv\">conformance.csv</a></p>\n",
	    p->root);
	if (s->n_conformance == 0)
		para(p, N_("No check has been held against a rule yet."));
	while (i < s->n_conformance) {
		size_t pi = r[i].prov;

		buf_printf(&p->b, "<h2>");
		html_text(&p->b, site_provider_name(s, s->conf->providers[pi].id));
		buf_printf(&p->b, "</h2>\n<table class=\"conformance\"><thead><tr>");
		th(p, N_("Month"));
		th(p, N_("Rule"));
		th(p, N_("Reference"));
		th(p, N_("Checks"));
		th(p, N_("Violations"));
		th(p, N_("First violation"));
		th(p, N_("Last violation"));
		buf_printf(&p->b, "</tr></thead><tbody>\n");
		for (; i < s->n_conformance && r[i].prov == pi; i++) {
			const struct conformance_rule *rule = &conformance_rules[r[i].rule];

			buf_printf(&p->b, "<tr><td>");
			html_text(&p->b, r[i].month);
			buf_printf(&p->b, "</td><td><code>");
			html_text(&p->b, rule->id);
			buf_printf(&p->b, "</code> ");
			html_text(&p->b, T(p, rule->text));
			buf_printf(&p->b, "</td><td>");
			html_text(&p->b, rule->reference);
			buf_printf(&p->b, "</td><td>%lld</td><td%s>%lld</td><td>",
			    (long long)r[i].checks, r[i].violations > 0 ? " class=\"warn\"" : "",
			    (long long)r[i].violations);
			if (r[i].first_ms >= 0)
				page_datetime(p, r[i].first_ms);
			buf_printf(&p->b, "</td><td>");
			if (r[i].last_ms >= 0)
				page_datetime(p, r[i].last_ms);
			buf_printf(&p->b, "</td></tr>\n");
		}
		buf_printf(&p->b, "</tbody></table>\n");
	}
	page_foot(p);
}

void
site_conformance_methodology(struct page *p)
{
	buf_printf(&p->b, "<h2 id=\"conformance\">");
	html_text(&p->b, T(p, "Conformance rules"));
	buf_printf(&p->b, "</h2>\n");
	para(p, N_("Every check is held against each rule of its kind below; a rule applies only when the answer carries what it looks at (a check that got no answer counts for none). The figures per provider and month are on the conformance page and in exports/conformance.csv."));
	buf_printf(&p->b, "<dl class=\"rules\">");
	for (size_t i = 0; i < conformance_nrules; i++) {
		const struct conformance_rule *rule = &conformance_rules[i];

		buf_printf(&p->b, "<div><dt><code>");
		html_text(&p->b, rule->id);
		buf_printf(&p->b, "</code> (<code>%s</code>) \xE2\x80\x94 ", kind_names[rule->kind]);
		html_text(&p->b, rule->reference);
		buf_printf(&p->b, "</dt><dd>");
		html_text(&p->b, T(p, rule->text));
		buf_printf(&p->b, "</dd></div>");
	}
	buf_printf(&p->b, "</dl>\n");
}

void
site_conformance_csv(struct site *s)
{
	char *path = site_path(s, "exports/conformance.csv");
	FILE *f = fopen(path, "w");
	char t[40], num[32];

	if (f == NULL) {
		site_fail(s, "%s: %s", path, strerror(errno));
		free(path);
		return;
	}
	csv_header(f, CSV_CONFORMANCE_HEADER);
	for (size_t i = 0; i < s->n_conformance; i++) {
		const struct site_conf *r = &s->conformance[i];
		const struct conformance_rule *rule = &conformance_rules[r->rule];

		csv_field(f, r->month, true);
		csv_field(f, s->conf->providers[r->prov].id, false);
		csv_field(f, rule->id, false);
		csv_field(f, rule->reference, false);
		snprintf(num, sizeof(num), "%lld", (long long)r->checks);
		csv_field(f, num, false);
		snprintf(num, sizeof(num), "%lld", (long long)r->violations);
		csv_field(f, num, false);
		if (r->first_ms >= 0)
			rfc3339_format_s(r->first_ms, t, sizeof(t));
		csv_field(f, r->first_ms >= 0 ? t : NULL, false);
		if (r->last_ms >= 0)
			rfc3339_format_s(r->last_ms, t, sizeof(t));
		csv_field(f, r->last_ms >= 0 ? t : NULL, false);
		csv_end(f);
	}
	if (fclose(f) != 0)
		site_fail(s, "%s: %s", path, strerror(errno));
	free(path);
}
