/* The record in the store (SPEC §12): results logged in their batch, checkpoints, tokens. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "store/store.h"
#include "tlog/tlog.h"
#include "tests/support/store_where.h"

static struct conf_provider prov = { .id = "p", .name = "P" };
static struct conf_endpoint eps[2] = {
	{ .id = "ocsp", .kind = KIND_OCSP, .provider = &prov, .interval_ms = 60000 },
	{ .id = "crl", .kind = KIND_CRL, .provider = &prov, .interval_ms = 60000 },
};

static int fail_entries;

/* A stand-in for the export line writer the daemon installs. */
static char *
entry(const struct store_row *r, const char *node, const char *address, void *arg)
{
	(void)arg;
	if (fail_entries)
		return NULL;
	return xasprintf("{\"t\":%lld,\"p\":\"%s\",\"e\":\"%s\",\"s\":\"%s\",\"m\":\"%s\","
	    "\"n\":\"%s\",\"a\":\"%s\"}", (long long)r->time_ms, r->provider, r->endpoint,
	    status_names[r->status], r->message ? r->message : "", node, address);
}

static struct store *
open_store(void)
{
	char *err = NULL;
	struct store *s = test_store_open(":memory:", &err);

	if (s == NULL)
		fail_msg("%s", err);
	return s;
}

static void
add(struct store *s, int ep, int64_t t, enum status st, const char *node, bool verdict,
    int expect)
{
	struct result r;
	struct store_item it = { .r = &r, .node = node, .raw = node != NULL && !verdict,
	    .verdict = verdict };

	memset(&r, 0, sizeof(r));
	result_init(&r, &eps[ep], t);
	r.status = st;
	r.reason = st == STATUS_UP ? REASON_OK : REASON_HTTP_STATUS;
	if (st != STATUS_UP)
		r.message = xstrdup("HTTP 500");
	assert_int_equal(store_add_results(s, &it, 1), expect);
	result_clear(&r);
}

struct collect {
	struct tlog_tree *t;
	int64_t		 next;
	char		*last;
};

static int
collect_entry(int64_t idx, const char *e, size_t len, void *arg)
{
	struct collect *c = arg;
	struct tlog_hash h;

	assert_int_equal(idx, c->next);
	c->next++;
	assert_int_equal(strlen(e), len);
	tlog_leaf_hash(e, len, &h);
	tlog_tree_append(c->t, &h);
	free(c->last);
	c->last = xstrdup(e);
	return 0;
}

struct logs {
	char		 node[8][32];
	struct tlog_edge edge[8];
	int		 n;
};

static int
collect_log(const struct store_log *l, void *arg)
{
	struct logs *x = arg;

	assert_true(x->n < 8);
	snprintf(x->node[x->n], sizeof(x->node[0]), "%s", l->node);
	assert_int_equal(tlog_edge_decode(&x->edge[x->n], l->edge, l->edge_len), 0);
	x->n++;
	return 0;
}

/* The edge kept in the store has the root of the entries kept. */
static void
check_log(struct store *s, const char *node, const struct tlog_edge *e, int64_t n)
{
	struct collect c = { .t = tlog_tree_new() };
	struct tlog_nodes src;
	struct tlog_hash a, b;

	assert_int_equal(store_each_log_entry(s, node, 0, INT64_MAX, collect_entry, &c), 0);
	assert_int_equal(c.next, n);
	assert_int_equal(e->size, (uint64_t)n);
	src = tlog_tree_nodes(c.t);
	assert_int_equal(tlog_tree_hash(&src, (uint64_t)n, &a), 0);
	tlog_edge_root(e, &b);
	assert_true(tlog_hash_eq(&a, &b));
	tlog_tree_free(c.t);
	free(c.last);
}

static void
stored_results_are_logged_once_and_verdicts_never(void **state)
{
	struct store *s = open_store();
	struct logs l = { 0 };
	struct collect c = { .t = tlog_tree_new() };

	(void)state;
	/* without store_set_record nothing is logged */
	add(s, 0, 1000, STATUS_UP, NULL, false, 0);
	assert_int_equal(store_each_log(s, collect_log, &l), 0);
	assert_int_equal(l.n, 0);
	store_set_record(s, "n1", entry, NULL);
	add(s, 0, 2000, STATUS_UP, NULL, false, 0);
	add(s, 1, 2000, STATUS_DOWN, NULL, false, 0);
	add(s, 1, 2000, STATUS_DOWN, NULL, false, 0);	/* there already: not logged again */
	add(s, 0, 3000, STATUS_DOWN, "n2", false, 0);	/* another node's raw result */
	add(s, 0, 3000, STATUS_DOWN, "n2", true, 0);	/* a verdict: no result, no entry */
	for (int64_t t = 4000; t < 4000 + 300 * 1000; t += 1000)
		add(s, 0, t, t % 7000 == 0 ? STATUS_DOWN : STATUS_UP, NULL, false, 0);
	assert_int_equal(store_each_log(s, collect_log, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.node[0], "n1");
	assert_string_equal(l.node[1], "n2");
	check_log(s, "n1", &l.edge[0], 302);
	check_log(s, "n2", &l.edge[1], 1);
	assert_int_equal(store_each_log_entry(s, "n2", 0, 1, collect_entry, &c), 0);
	assert_string_equal(c.last, "{\"t\":3000,\"p\":\"p\",\"e\":\"ocsp\",\"s\":\"down\","
	    "\"m\":\"HTTP 500\",\"n\":\"n2\",\"a\":\"\"}");
	free(c.last);
	tlog_tree_free(c.t);
	/* retention never removes log rows */
	assert_true(store_prune(s, INT64_MAX, INT64_MAX) > 0);
	assert_int_equal(store_count_results(s), 0);
	l.n = 0;
	assert_int_equal(store_each_log(s, collect_log, &l), 0);
	check_log(s, "n1", &l.edge[0], 302);
	store_close(s);
}

/* No result without its entry: a failed entry fails the batch. */
static void
a_result_is_never_stored_outside_the_log(void **state)
{
	struct store *s = open_store();
	struct logs l = { 0 };

	(void)state;
	store_set_record(s, "n1", entry, NULL);
	add(s, 0, 1000, STATUS_UP, NULL, false, 0);
	fail_entries = 1;
	add(s, 0, 2000, STATUS_UP, NULL, false, -1);
	fail_entries = 0;
	assert_int_equal(store_count_results(s), 1);
	assert_int_equal(store_each_log(s, collect_log, &l), 0);
	check_log(s, "n1", &l.edge[0], 1);
	add(s, 0, 2000, STATUS_UP, NULL, false, 0);
	l.n = 0;
	assert_int_equal(store_each_log(s, collect_log, &l), 0);
	check_log(s, "n1", &l.edge[0], 2);
	store_close(s);
}

struct cps {
	int		 n;
	int64_t		 size[4];
	char		 note[4][64];
	unsigned char	 der[4][8];
	size_t		 len[4];
	char		 label[4][16];
};

static int
collect_cp(const struct store_checkpoint *c, void *arg)
{
	struct cps *x = arg;

	x->size[x->n] = c->size;
	snprintf(x->note[x->n], sizeof(x->note[0]), "%s:%s", c->node, c->note);
	x->n++;
	return 0;
}

static int
collect_token(const struct store_log_token *t, void *arg)
{
	struct cps *x = arg;

	x->size[x->n] = t->size;
	snprintf(x->label[x->n], sizeof(x->label[0]), "%s", t->label);
	assert_true(t->len <= 8);
	memcpy(x->der[x->n], t->der, t->len);
	x->len[x->n] = t->len;
	x->n++;
	return 0;
}

static void
checkpoints_and_tokens_are_kept(void **state)
{
	static const unsigned char der[5] = { 0x30, 0x00, 0xff, 0x5c, 0x78 };
	struct store *s = open_store();
	struct cps c = { 0 };

	(void)state;
	assert_int_equal(store_checkpoint_add(s, "n1", 5, 1000, "five\n"), 0);
	assert_int_equal(store_checkpoint_add(s, "n1", 2, 900, "two\n"), 0);
	assert_int_equal(store_checkpoint_add(s, "n1", 5, 2000, "again\n"), 0);	/* ignored */
	assert_int_equal(store_checkpoint_add(s, "n2", 1, 1000, "other\n"), 0);
	assert_int_equal(store_checkpoint_set_note(s, "n1", 5, "five\ncosigned\n"), 0);
	assert_int_equal(store_each_checkpoint(s, "n1", collect_cp, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.size[0], 2);
	assert_string_equal(c.note[1], "n1:five\ncosigned\n");
	c.n = 0;
	assert_int_equal(store_each_checkpoint(s, NULL, collect_cp, &c), 0);
	assert_int_equal(c.n, 3);
	c.n = 0;
	assert_int_equal(store_log_token_add(s, "n1", 5, "p-tsa", der, sizeof(der)), 0);
	assert_int_equal(store_log_token_add(s, "n1", 2, "p-tsa", der, 2), 0);
	assert_int_equal(store_each_log_token(s, "n1", collect_token, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.size[0], 2);
	assert_int_equal(c.len[1], sizeof(der));
	assert_memory_equal(c.der[1], der, sizeof(der));
	assert_string_equal(c.label[1], "p-tsa");
	store_close(s);
}

/* store migrate carries the record. */
static void
the_record_is_migrated(void **state)
{
	struct store *a = open_store(), *b = open_store();
	struct store_migrate_count counts[STORE_TABLES];
	struct logs l = { 0 };

	(void)state;
	store_set_record(a, "n1", entry, NULL);
	for (int64_t t = 1000; t <= 20000; t += 1000)
		add(a, 1, t, STATUS_UP, NULL, false, 0);
	assert_int_equal(store_checkpoint_add(a, "n1", 20, 1000, "cp\n"), 0);
	assert_int_equal(store_log_token_add(a, "n1", 20, "x", (const unsigned char *)"\0\1", 2), 0);
	assert_int_equal(store_migrate(b, a, NULL, NULL, counts), 0);
	for (int i = 0; i < STORE_TABLES; i++)
		assert_int_equal(counts[i].source, counts[i].target);
	assert_int_equal(store_each_log(b, collect_log, &l), 0);
	assert_int_equal(l.n, 1);
	check_log(b, "n1", &l.edge[0], 20);
	/* the copy goes on appending where the source stopped */
	store_set_record(b, "n1", entry, NULL);
	add(b, 1, 21000, STATUS_UP, NULL, false, 0);
	l.n = 0;
	assert_int_equal(store_each_log(b, collect_log, &l), 0);
	check_log(b, "n1", &l.edge[0], 21);
	store_close(a);
	store_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stored_results_are_logged_once_and_verdicts_never),
		cmocka_unit_test(a_result_is_never_stored_outside_the_log),
		cmocka_unit_test(checkpoints_and_tokens_are_kept),
		cmocka_unit_test(the_record_is_migrated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
