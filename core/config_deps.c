/*
 * A provider's depends_on (every one needed) and alternatives (any one suffices), SPEC §15.
 * check refuses unknown ids, a provider naming itself, an id listed twice and cycles,
 * each at the place where the offending id is written.
 */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "util.h"

/* Loads one list; returns 0 on success, -1 after reporting. */
static int
load_list(struct loader *L, const char *key, cl_node_t *v, struct conf_dep **out, size_t *n)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		cl_err(L, v, "%s: expected a list of provider ids", key);
		return -1;
	}
	size_t m = cl_count(v);

	*out = xcalloc(m ? m : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < m; i++) {
		cl_node_t *e = cl_item(L, v, i);
		char *id = NULL;

		if (cl_id(L, e, &id) != 0)
			continue;
		for (size_t j = 0; j < *n; j++)
			if (strcmp((*out)[j].id, id) == 0) {
				cl_err(L, e, "%s: '%s' is listed twice", key, id);
				break;
			}
		(*out)[*n].id = id;
		(*out)[*n].line = (int)e->line + 1;
		(*out)[*n].col = (int)e->column + 1;
		(*n)++;
	}
	return 0;
}

int
cl_deps_key(struct loader *L, const char *key, cl_node_t *v, struct conf_provider *p)
{
	if (strcmp(key, "depends_on") == 0)
		load_list(L, key, v, &p->depends_on, &p->n_depends_on);
	else if (strcmp(key, "alternatives") == 0)
		load_list(L, key, v, &p->alternatives, &p->n_alternatives);
	else
		return 0;
	return 1;
}

/* An error at a dependency entry's place. */
static void
dep_err(struct loader *L, const struct conf_dep *d, const char *msg)
{
	cl_node_t n;

	memset(&n, 0, sizeof(n));
	n.line = (size_t)(d->line - 1);
	n.column = (size_t)(d->col - 1);
	cl_err(L, &n, "%s", msg);
}

static long
provider_index(const struct conf *c, const char *id)
{
	for (size_t i = 0; i < c->n_providers; i++)
		if (strcmp(c->providers[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* The i-th edge of p over both lists. */
static const struct conf_dep *
edge(const struct conf_provider *p, size_t i)
{
	return i < p->n_depends_on ? &p->depends_on[i] : &p->alternatives[i - p->n_depends_on];
}

struct walk {
	struct loader	*L;
	unsigned char	*color;		/* 0 unseen, 1 on the stack, 2 done */
	size_t		*stack;
	size_t		 depth;
};

/* Depth-first from provider i; reports each cycle once, at the id that closes it. */
static void
visit(struct walk *w, size_t i)
{
	const struct conf *c = w->L->c;
	const struct conf_provider *p = &c->providers[i];

	w->color[i] = 1;
	w->stack[w->depth++] = i;
	for (size_t k = 0; k < p->n_depends_on + p->n_alternatives; k++) {
		const struct conf_dep *d = edge(p, k);
		long j = provider_index(c, d->id);

		if (j < 0 || (size_t)j == i)
			continue;
		if (w->color[j] == 1) {
			struct buf b = { 0 };
			size_t s = 0;

			while (w->stack[s] != (size_t)j)
				s++;
			buf_printf(&b, "dependency cycle: ");
			for (; s < w->depth; s++)
				buf_printf(&b, "%s -> ", c->providers[w->stack[s]].id);
			buf_printf(&b, "%s", d->id);
			buf_append(&b, "", 1);
			dep_err(w->L, d, (const char *)b.data);
			free(b.data);
		} else if (w->color[j] == 0)
			visit(w, (size_t)j);
	}
	w->depth--;
	w->color[i] = 2;
}

void
cl_deps_check(struct loader *L)
{
	const struct conf *c = L->c;
	struct walk w = { .L = L };

	for (size_t i = 0; i < c->n_providers; i++) {
		const struct conf_provider *p = &c->providers[i];

		for (size_t k = 0; k < p->n_depends_on + p->n_alternatives; k++) {
			const struct conf_dep *d = edge(p, k);
			const char *key = k < p->n_depends_on ? "depends_on" : "alternatives";
			char *msg = NULL;

			if (strcmp(d->id, p->id) == 0)
				msg = xasprintf("%s: provider '%s' depends on itself", key, p->id);
			else if (provider_index(c, d->id) < 0)
				msg = xasprintf("%s: unknown provider '%s'", key, d->id);
			else if (k >= p->n_depends_on)
				for (size_t j = 0; j < p->n_depends_on; j++)
					if (strcmp(p->depends_on[j].id, d->id) == 0) {
						msg = xasprintf("alternatives: '%s' is also in depends_on",
						    d->id);
						break;
					}
			if (msg != NULL)
				dep_err(L, d, msg);
			free(msg);
		}
	}
	if (c->n_providers == 0)
		return;
	w.color = xcalloc(c->n_providers, 1);
	w.stack = xcalloc(c->n_providers, sizeof(*w.stack));
	for (size_t i = 0; i < c->n_providers; i++)
		if (w.color[i] == 0)
			visit(&w, i);
	free(w.color);
	free(w.stack);
}

void
cl_deps_free(struct conf_provider *p)
{
	for (size_t i = 0; i < p->n_depends_on; i++)
		free(p->depends_on[i].id);
	free(p->depends_on);
	for (size_t i = 0; i < p->n_alternatives; i++)
		free(p->alternatives[i].id);
	free(p->alternatives);
	p->depends_on = p->alternatives = NULL;
	p->n_depends_on = p->n_alternatives = 0;
}
