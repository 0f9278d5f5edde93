/* PostgreSQL backend of the conformance sums (backend.h conformance_add, each_conformance). */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

int
pg_conformance_add(struct store_be *b, const struct be_conformance *ds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct be_conformance *d = &ds[i];
		struct pg_params p = { 0 };

		pg_params_int(&p, d->ep);
		pg_params_text(&p, d->month);
		pg_params_text(&p, d->rule);
		pg_params_int(&p, d->checks);
		pg_params_int(&p, d->violations);
		if (d->first_ms >= 0) {
			pg_params_int(&p, d->first_ms);
			pg_params_int(&p, d->last_ms);
		} else {
			pg_params_null(&p);
			pg_params_null(&p);
		}
		if (pg_cmd(b, "writing conformance sums", "INSERT INTO conformance (ep, month, rule,"
		    " checks, violations, first, last) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		    " ON CONFLICT (ep, month, rule) DO UPDATE SET"
		    " checks = conformance.checks + excluded.checks,"
		    " violations = conformance.violations + excluded.violations,"
		    " first = LEAST(conformance.first, excluded.first),"
		    " last = GREATEST(conformance.last, excluded.last)", &p) < 0)
			return -1;
	}
	return 0;
}

struct conf_cb {
	int		(*fn)(const struct be_conformance *, void *);
	void		*arg;
};

static int
conformance_row(const PGresult *r, int i, void *v)
{
	struct conf_cb *c = v;
	struct be_conformance x = {
		.provider = pg_str(r, i, 0),
		.endpoint = pg_str(r, i, 1),
		.kind = pg_str(r, i, 2),
		.month = pg_str(r, i, 3),
		.rule = pg_str(r, i, 4),
		.checks = pg_int(r, i, 5, 0),
		.violations = pg_int(r, i, 6, 0),
		.first_ms = pg_int(r, i, 7, -1),
		.last_ms = pg_int(r, i, 8, -1),
		.ep = pg_int(r, i, 9, 0),
	};

	if (x.provider == NULL || x.endpoint == NULL || x.kind == NULL || x.month == NULL ||
	    x.rule == NULL)
		return 0;
	return c->fn(&x, c->arg);
}

int
pg_each_conformance(struct store_be *b, const char *provider,
    int (*fn)(const struct be_conformance *, void *), void *arg)
{
	struct pg_params p = { 0 };
	struct conf_cb c = { fn, arg };

	if (provider != NULL)
		pg_params_text(&p, provider);
	else
		pg_params_null(&p);
	return pg_each(b, "reading conformance sums", "SELECT e.provider, e.endpoint, e.kind,"
	    " c.month, c.rule, c.checks, c.violations, c.first, c.last, c.ep FROM conformance c"
	    " JOIN endpoints e ON e.id = c.ep WHERE $1::text IS NULL OR e.provider = $1"
	    " ORDER BY e.provider, e.endpoint, c.month, c.rule", &p, conformance_row, &c);
}
