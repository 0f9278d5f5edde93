/*
 * SPEC §15 in alert mails: an incident's likely cause, an incident of a provider it depends
 * on that was open when it started (core/deps.h deps_link over the store's incidents).
 */
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "../alert/message.h"
#include "../core/deps.h"
#include "../core/util.h"
#include "../store/store.h"

struct cause_walk {
	struct deps_incident	*v;
	size_t			 n;
};

static int
on_incident(const struct store_incident *in, void *arg)
{
	struct cause_walk *w = arg;

	w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
	w->v[w->n++] = (struct deps_incident){ in->id, xstrdup(in->provider), in->start_ms,
	    in->end_ms };
	return 0;
}

void
run_alert_cause(struct run *R, struct msg_incident *m)
{
	const struct conf *c = R->cur->c;
	const struct conf_provider *p = conf_find_provider(c, m->provider ? m->provider : "");
	struct cause_walk w = { 0 };
	struct deps *d;
	long *cause;

	m->cause_id = 0;
	if (p == NULL || p->n_depends_on + p->n_alternatives == 0 || (d = deps_new(c)) == NULL)
		return;
	/* every incident open when m started: its candidates */
	if (store_each_incident(R->st, NULL, m->start_ms, on_incident, &w) == 0 && w.n > 0) {
		cause = xcalloc(w.n, sizeof(*cause));
		deps_link(c, d, w.v, w.n, cause);
		for (size_t i = 0; i < w.n; i++)
			if (w.v[i].id == m->id && cause[i] >= 0) {
				const struct deps_incident *cz = &w.v[cause[i]];
				const struct conf_provider *cp = conf_find_provider(c, cz->provider);

				m->cause_id = cz->id;
				m->cause_name = cp->name;
				m->cause_start_ms = cz->start_ms;
			}
		free(cause);
	}
	for (size_t i = 0; i < w.n; i++)
		free((char *)w.v[i].provider);
	free(w.v);
	deps_free(d);
}
