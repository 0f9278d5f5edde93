/*
 * The verifiable record in the store (SPEC §12): each node's append-only log of results,
 * written in the batch that stores them, and its signed checkpoints and time-stamp tokens.
 * The entry encoding is the caller's (store_set_record: the daemon hands the export line
 * writer in, so the store never includes report/); the hashing is tlog's.
 */
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "../core/util.h"
#include "../tlog/tlog.h"

void
store_set_record(struct store *s, const char *default_node,
    char *(*entry)(const struct store_row *, const char *, const char *, void *), void *arg)
{
	free(s->rec_node);
	s->rec_node = default_node ? xstrdup(default_node) : NULL;
	s->rec_entry = entry;
	s->rec_arg = arg;
}

/* One node's part of a batch. */
struct log_part {
	const char	*node;
	struct tlog_edge edge;
	int64_t		 first;
	char	       **entries;
	size_t		 n, cap;
};

static int
part_load(struct store *s, struct log_part *p)
{
	unsigned char buf[TLOG_EDGE_ENCODED_MAX];
	size_t len = 0;
	int rc = s->ops->log_edge(s->be, p->node, buf, &len);

	if (rc < 0)
		return st_fail(s, "reading a log's edge");
	tlog_edge_init(&p->edge);
	if (rc == 1 && tlog_edge_decode(&p->edge, buf, len) != 0)
		return st_error(s, "the log of node '%s' has a damaged edge", p->node);
	p->first = (int64_t)p->edge.size;
	return 0;
}

int
st_log_append(struct store *s, const struct store_item *items, const struct store_row *rows,
    const bool *stored, size_t n)
{
	struct log_part *parts = NULL;
	size_t n_parts = 0;
	int rc = 0;

	if (s->rec_entry == NULL)
		return 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *node = items[i].node && items[i].node[0] ? items[i].node :
		    s->rec_node ? s->rec_node : "";
		struct log_part *p = NULL;
		struct tlog_hash leaf;
		char *e;

		if (!stored[i] || items[i].verdict)
			continue;
		for (size_t k = 0; k < n_parts; k++)
			if (strcmp(parts[k].node, node) == 0)
				p = &parts[k];
		if (p == NULL) {
			parts = xrealloc(parts, (n_parts + 1) * sizeof(*parts));
			p = &parts[n_parts++];
			memset(p, 0, sizeof(*p));
			p->node = node;
			if ((rc = part_load(s, p)) != 0)
				break;
		}
		e = s->rec_entry(&rows[i], node, items[i].address ? items[i].address : "",
		    s->rec_arg);
		if (e == NULL || strlen(e) > TLOG_ENTRY_MAX) {
			free(e);
			rc = st_error(s, "a result's log entry could not be made");
			break;
		}
		tlog_leaf_hash(e, strlen(e), &leaf);
		if (tlog_edge_append(&p->edge, &leaf) != 0) {
			free(e);
			rc = st_error(s, "the log of node '%s' is full", node);
			break;
		}
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 16;
			p->entries = xrealloc(p->entries, p->cap * sizeof(*p->entries));
		}
		p->entries[p->n++] = e;
	}
	for (size_t k = 0; k < n_parts; k++) {
		unsigned char buf[TLOG_EDGE_ENCODED_MAX];
		size_t len;

		if (rc == 0 && parts[k].n > 0) {
			len = tlog_edge_encode(&parts[k].edge, buf);
			if (s->ops->log_append(s->be, parts[k].node, parts[k].first,
			    (const char *const *)parts[k].entries, parts[k].n, buf, len) != 0)
				rc = st_fail(s, "appending to a log");
		}
		for (size_t j = 0; j < parts[k].n; j++)
			free(parts[k].entries[j]);
		free(parts[k].entries);
	}
	free(parts);
	return rc;
}

int
store_each_log(struct store *s, int (*fn)(const struct store_log *, void *), void *arg)
{
	return s->ops->each_log(s->be, fn, arg) == 0 ? 0 : st_fail(s, "reading the logs");
}

int
store_each_log_entry(struct store *s, const char *node, int64_t from, int64_t to,
    int (*fn)(int64_t, const char *, size_t, void *), void *arg)
{
	return s->ops->each_log_entry(s->be, node, from, to, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading a log");
}

int
store_checkpoint_add(struct store *s, const char *node, int64_t size, int64_t time_ms,
    const char *note)
{
	return s->ops->checkpoint_add(s->be, node, size, time_ms, note) == 0 ? 0 :
	    st_fail(s, "keeping a checkpoint");
}

int
store_checkpoint_set_note(struct store *s, const char *node, int64_t size, const char *note)
{
	return s->ops->checkpoint_set_note(s->be, node, size, note) == 0 ? 0 :
	    st_fail(s, "co-signing a checkpoint");
}

int
store_each_checkpoint(struct store *s, const char *node,
    int (*fn)(const struct store_checkpoint *, void *), void *arg)
{
	return s->ops->each_checkpoint(s->be, node, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading checkpoints");
}

int
store_log_token_add(struct store *s, const char *node, int64_t size, const char *label,
    const unsigned char *der, size_t len)
{
	return s->ops->log_token_add(s->be, node, size, label, der, len) == 0 ? 0 :
	    st_fail(s, "keeping a time-stamp token");
}

int
store_each_log_token(struct store *s, const char *node,
    int (*fn)(const struct store_log_token *, void *), void *arg)
{
	return s->ops->each_log_token(s->be, node, fn, arg) == 0 ? 0 :
	    st_fail(s, "reading time-stamp tokens");
}
