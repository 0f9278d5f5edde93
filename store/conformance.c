/*
 * Conformance sums (SPEC §14): each stored result is judged against core/conformance.c's
 * rules and the verdicts are summed per endpoint, UTC month and rule, in the result's batch.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_int.h"
#include "../core/conformance.h"
#include "../core/config.h"
#include "../core/util.h"

struct conf_acc {
	int64_t		 ep;
	char		 month[8];
	size_t		 rule;
	int64_t		 checks, violations, first, last;
};

int
st_conformance_add(struct store *s, const struct result *const *rs, const int64_t *eps,
    size_t n)
{
	enum conformance_verdict *v = xcalloc(conformance_nrules, sizeof(*v));
	struct conf_acc *acc = NULL;
	struct be_conformance *d;
	size_t nacc = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct result *r = rs[i];
		time_t t = (time_t)(r->time_ms / 1000);
		char month[8];
		struct tm tm;

		if (r == NULL || r->ep == NULL)
			continue;
		gmtime_r(&t, &tm);
		strftime(month, sizeof(month), "%Y-%m", &tm);
		conformance_judge(r->ep->kind, r->reason, r->details, v);
		for (size_t k = 0; k < conformance_nrules; k++) {
			struct conf_acc *a = NULL;

			if (v[k] == CONFORMANCE_NA)
				continue;
			for (size_t j = 0; j < nacc && a == NULL; j++)
				if (acc[j].ep == eps[i] && acc[j].rule == k &&
				    strcmp(acc[j].month, month) == 0)
					a = &acc[j];
			if (a == NULL) {
				if (nacc == cap) {
					cap = cap ? 2 * cap : 16;
					acc = xrealloc(acc, cap * sizeof(*acc));
				}
				a = &acc[nacc++];
				memset(a, 0, sizeof(*a));
				a->ep = eps[i];
				a->rule = k;
				memcpy(a->month, month, sizeof(a->month));
				a->first = a->last = -1;
			}
			a->checks++;
			if (v[k] == CONFORMANCE_VIOLATION) {
				a->violations++;
				if (a->first < 0 || r->time_ms < a->first)
					a->first = r->time_ms;
				if (r->time_ms > a->last)
					a->last = r->time_ms;
			}
		}
	}
	if (nacc > 0) {
		d = xcalloc(nacc, sizeof(*d));
		for (size_t j = 0; j < nacc; j++) {
			d[j].ep = acc[j].ep;
			d[j].month = acc[j].month;
			d[j].rule = conformance_rules[acc[j].rule].id;
			d[j].checks = acc[j].checks;
			d[j].violations = acc[j].violations;
			d[j].first_ms = acc[j].first;
			d[j].last_ms = acc[j].last;
		}
		if (s->ops->conformance_add(s->be, d, nacc) != 0)
			rc = st_fail(s, "writing conformance sums");
		free(d);
	}
	free(acc);
	free(v);
	return rc;
}

struct each_conf {
	int		(*fn)(const struct store_conformance *, void *);
	void		*arg;
};

static int
each_conf_fn(const struct be_conformance *b, void *arg)
{
	struct each_conf *e = arg;
	struct store_conformance c = {
		.provider = b->provider, .endpoint = b->endpoint, .kind = b->kind,
		.month = b->month, .rule = b->rule, .checks = b->checks,
		.violations = b->violations, .first_ms = b->first_ms, .last_ms = b->last_ms,
	};

	return e->fn(&c, e->arg);
}

int
store_each_conformance(struct store *s, const char *provider,
    int (*fn)(const struct store_conformance *, void *), void *arg)
{
	struct each_conf e = { fn, arg };
	int rc = s->ops->each_conformance(s->be, provider, each_conf_fn, &e);

	if (rc < 0)
		return st_fail(s, "reading conformance sums");
	return rc;
}
