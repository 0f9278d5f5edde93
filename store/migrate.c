/*
 * store migrate: copies every table of one store into another, table by table in key
 * order, in batches of one transaction each. A batch is either all there or not at
 * all, so an interrupted copy resumes after the greatest key the target holds.
 */
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "../core/util.h"

#define BATCH	5000

struct copy {
	struct store	*dst;
	int		 table;
	struct be_value	*rows;		/* BATCH * ncols, strings owned */
	size_t		 n;
	int64_t		 done, total;
	void		 (*progress)(const char *table, int64_t done, int64_t total, void *);
	void		*arg;
	int		 failed;
};

static void
rows_free(struct copy *c)
{
	size_t ncols = be_tables[c->table].ncols;

	for (size_t i = 0; i < c->n * ncols; i++)
		free((char *)c->rows[i].s);
	c->n = 0;
}

static int
flush(struct copy *c)
{
	struct store *d = c->dst;

	if (c->n == 0)
		return 0;
	if (d->ops->begin(d->be) != 0 ||
	    d->ops->copy_put(d->be, c->table, c->rows, c->n) != 0 ||
	    d->ops->commit(d->be) != 0) {
		st_fail(d, be_tables[c->table].name);
		d->ops->rollback(d->be);
		return -1;
	}
	c->done += (int64_t)c->n;
	rows_free(c);
	if (c->progress != NULL)
		c->progress(be_tables[c->table].name, c->done, c->total, c->arg);
	return 0;
}

static int
copy_row(const struct be_value *row, void *arg)
{
	struct copy *c = arg;
	size_t ncols = be_tables[c->table].ncols;
	struct be_value *v = &c->rows[c->n * ncols];

	for (size_t i = 0; i < ncols; i++) {
		v[i] = row[i];
		if (row[i].type == BE_TEXT || row[i].type == BE_BLOB) {
			char *p = xmalloc(row[i].len + 1);

			memcpy(p, row[i].s, row[i].len);
			p[row[i].len] = '\0';
			v[i].s = p;
		} else
			v[i].s = NULL;
	}
	if (++c->n == BATCH && flush(c) != 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

int
store_migrate(struct store *dst, struct store *src,
    void (*progress)(const char *table, int64_t done, int64_t total, void *), void *arg,
    struct store_migrate_count *counts)
{
	struct copy c = { .dst = dst, .progress = progress, .arg = arg };

	c.rows = xcalloc((size_t)BATCH * 16, sizeof(*c.rows));
	for (int t = 0; t < BE_T__MAX; t++) {
		const struct be_table *bt = &be_tables[t];
		struct be_value key[16], after[16];
		char *owned[16] = { 0 };
		int have, rc;

		c.table = t;
		c.done = 0;
		if ((c.total = src->ops->copy_count(src->be, t)) < 0) {
			st_error(dst, "counting %s: %s", bt->name, src->ops->error(src->be));
			goto fail;
		}
		if ((have = dst->ops->copy_last_key(dst->be, t, key)) < 0) {
			st_fail(dst, bt->name);
			goto fail;
		}
		/* Keep the key: the target's next call reuses its storage. */
		for (size_t i = 0; have && i < bt->nkey; i++) {
			after[i] = key[i];
			if (key[i].type == BE_TEXT || key[i].type == BE_BLOB) {
				owned[i] = xmalloc(key[i].len + 1);
				memcpy(owned[i], key[i].s, key[i].len);
				owned[i][key[i].len] = '\0';
				after[i].s = owned[i];
			}
		}
		if (have && (c.done = dst->ops->copy_count(dst->be, t)) < 0)
			c.done = 0;
		rc = src->ops->copy_each(src->be, t, have ? after : NULL, copy_row, &c);
		for (size_t i = 0; i < bt->nkey; i++)
			free(owned[i]);
		if (rc != 0 && !c.failed)
			st_error(dst, "reading %s: %s", bt->name, src->ops->error(src->be));
		if (rc != 0 || c.failed || flush(&c) != 0)
			goto fail;
		if (counts != NULL) {
			counts[t].table = bt->name;
			counts[t].source = c.total;
			counts[t].target = dst->ops->copy_count(dst->be, t);
		}
	}
	if (dst->ops->copy_finish(dst->be) != 0) {
		st_fail(dst, "finishing the copy");
		goto fail;
	}
	rows_free(&c);
	free(c.rows);
	return 0;
fail:
	rows_free(&c);
	free(c.rows);
	return -1;
}
