/*
 * Outbox rows that belong to no incident (trusted-list changes, SPEC §13): the row's
 * incident is NULL and its event key is unique on its own, e.g. "tl:ilnas/tl:seq-66".
 * The key is looked for and the rows inserted in one transaction, so a restart or a second
 * pass re-queues nothing and a crash before the commit loses nothing (the caller queues
 * again from the stored results).
 */
#include <string.h>

#include "core_int.h"

struct seen {
	const char	*key;
	int		 found;
};

static int
has_key(const struct be_value *row, void *arg)
{
	struct seen *k = arg;

	/* outbox columns: id, created, incident, event, ... (schema.c) */
	if (row[2].type == BE_NULL && row[3].type == BE_TEXT && row[3].s != NULL &&
	    strcmp(row[3].s, k->key) == 0) {
		k->found = 1;
		return 1;
	}
	return 0;
}

int
store_outbox_add_keyed(struct store *s, const char *event_key, const char *recipients,
    const char *subject, const char *body, const struct store_outbox_row *extra,
    size_t n_extra, int64_t now_ms)
{
	struct seen k = { event_key, 0 };

	if (s->ops->begin(s->be) != 0)
		return st_fail(s, "queuing a keyed alert");
	if (s->ops->copy_each(s->be, BE_T_OUTBOX, NULL, has_key, &k) != 0)
		goto fail;
	if (k.found) {
		if (s->ops->commit(s->be) != 0)
			goto fail;
		return 1;
	}
	/* incident 0 is stored as NULL (no incident): see the backends' outbox_insert. */
	if (s->ops->outbox_insert(s->be, 0, event_key, recipients, subject, body, now_ms) < 0)
		goto fail;
	for (size_t i = 0; i < n_extra; i++)
		if (s->ops->outbox_insert(s->be, 0, extra[i].event_key, extra[i].recipients,
		    extra[i].subject, extra[i].body, now_ms) < 0)
			goto fail;
	if (s->ops->commit(s->be) != 0)
		goto fail;
	return 0;
fail:
	st_fail(s, "queuing a keyed alert");
	s->ops->rollback(s->be);
	return -1;
}
