/*
 * The published record (SPEC §12): log/NODE/ for every node with a log, written by
 * tlog_publish from the store's entries, signed checkpoints and time-stamp tokens, reusing
 * the full entry bundles of the site being replaced (re-hashed there, never trusted). When
 * the store and its signed checkpoints disagree, the previous log/NODE is kept and the
 * disagreement is logged: a rewritten store never replaces a published record.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site_int.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../store/store.h"
#include "../tlog/tlog.h"

/* The checkpoint row of size SITE_LOG_VKEY holds the node's verifier key (run_record.c). */
#define SITE_LOG_VKEY	(-1)

struct node_log {
	char		*node;
	char		*vkey;
	struct tlog_signed_checkpoint *cps;
	char	       **notes;
	size_t		 n_cps;
	struct store_log_token *tok;		/* der and label owned */
	size_t		 n_tok;
	struct tlog_tsr	*tsr;			/* per checkpoint, into tok */
};

struct entry_cache {
	struct store	*st;
	const char	*node;
	int64_t		 first;			/* index of e[0] */
	char	       **e;
	size_t		*len;
	size_t		 n;
};

static int
cache_entry(int64_t idx, const char *e, size_t len, void *arg)
{
	struct entry_cache *c = arg;

	if (idx != c->first + (int64_t)c->n)
		return 1;			/* a hole: the caller names the index */
	c->e[c->n] = xmalloc(len + 1);
	memcpy(c->e[c->n], e, len + 1);
	c->len[c->n] = len;
	c->n++;
	return 0;
}

static void
cache_clear(struct entry_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i]);
	c->n = 0;
}

/* tlog_source.entry: a bundle's worth of entries read at a time. */
static int
source_entry(void *arg, uint64_t index, const unsigned char **data, size_t *len, char **err)
{
	struct entry_cache *c = arg;
	int64_t i = (int64_t)index;

	if (i < c->first || i >= c->first + (int64_t)c->n) {
		cache_clear(c);
		c->first = i - i % TLOG_TILE_WIDTH;
		if (store_each_log_entry(c->st, c->node, c->first, c->first + TLOG_TILE_WIDTH,
		    cache_entry, c) != 0) {
			*err = xasprintf("%s", store_error(c->st));
			return -1;
		}
	}
	if (i < c->first || i >= c->first + (int64_t)c->n) {
		*err = xasprintf("entry %lld is missing from the store's log", (long long)i);
		return -1;
	}
	*data = (const unsigned char *)c->e[i - c->first];
	*len = c->len[i - c->first];
	return 0;
}

static int
collect_cp(const struct store_checkpoint *cp, void *arg)
{
	struct node_log *l = arg;

	if (cp->size == SITE_LOG_VKEY) {
		free(l->vkey);
		l->vkey = xstrdup(cp->note);
		return 0;
	}
	if (cp->size < 1)
		return 0;
	l->cps = xrealloc(l->cps, (l->n_cps + 1) * sizeof(*l->cps));
	l->notes = xrealloc(l->notes, (l->n_cps + 1) * sizeof(*l->notes));
	l->notes[l->n_cps] = xstrdup(cp->note);
	memset(&l->cps[l->n_cps], 0, sizeof(l->cps[0]));
	l->cps[l->n_cps].note = l->notes[l->n_cps];
	l->cps[l->n_cps].len = strlen(cp->note);
	l->n_cps++;
	return 0;
}

static int
collect_token(const struct store_log_token *t, void *arg)
{
	struct node_log *l = arg;
	struct store_log_token *k;
	unsigned char *der = xmalloc(t->len ? t->len : 1);

	memcpy(der, t->der, t->len);
	l->tok = xrealloc(l->tok, (l->n_tok + 1) * sizeof(*l->tok));
	k = &l->tok[l->n_tok++];
	*k = *t;
	k->node = NULL;
	k->label = xstrdup(t->label);
	k->der = der;
	return 0;
}

/* The size a checkpoint note states (its second line), or -1. */
static int64_t
note_size(const char *note)
{
	const char *nl = strchr(note, '\n');

	return nl ? strtoll(nl + 1, NULL, 10) : -1;
}

static void
node_log_free(struct node_log *l)
{
	for (size_t i = 0; i < l->n_cps; i++)
		free(l->notes[i]);
	free(l->notes);
	free(l->cps);
	for (size_t i = 0; i < l->n_tok; i++) {
		free((char *)l->tok[i].label);
		free((unsigned char *)l->tok[i].der);
	}
	free(l->tok);
	free(l->tsr);
	free(l->vkey);
	free(l->node);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copies the regular file from to the new file to (mode 0644). */
static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out, rc = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0, w; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				rc = -1;
				goto done;
			}
	if (n < 0)
		rc = -1;
done:
	if (close(out) != 0)
		rc = -1;
	close(in);
	return rc;
}

/*
 * Copies the directory tree from into the new folder to: folders and regular files of our
 * own earlier render (anything else is skipped; a symbolic link is never followed).
 */
static int
copy_tree(const char *from, const char *to)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (mkdir(to, 0755) != 0 && errno != EEXIST)
		return -1;
	if ((d = opendir(from)) == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *src, *dst;
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		src = xasprintf("%s/%s", from, de->d_name);
		dst = xasprintf("%s/%s", to, de->d_name);
		if (lstat(src, &sb) != 0)
			rc = -1;
		else if (S_ISDIR(sb.st_mode))
			rc = copy_tree(src, dst);
		else if (S_ISREG(sb.st_mode))
			rc = copy_file(src, dst);
		free(src);
		free(dst);
	}
	closedir(d);
	return rc;
}

/* Keeps node's previous log/NODE in the new site (and lists it in log/nodes). */
static void
keep_previous(struct site *s, const char *prev, const char *node)
{
	char *dst = xasprintf("%s/log/%s", s->dir, node), *list;
	struct stat sb;
	FILE *f;

	rm_tree(dst);
	if (stat(prev, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		char *logdir = xasprintf("%s/log", s->dir);

		mkdir(logdir, 0755);
		free(logdir);
		if (copy_tree(prev, dst) != 0)
			log_error("cannot keep the previous published log", "node=%s",
			    log_q(node));
		list = xasprintf("%s/log/nodes", s->dir);
		if ((f = fopen(list, "a")) != NULL) {
			fprintf(f, "%s\n", node);
			fclose(f);
		}
		free(list);
	}
	free(dst);
}

/* The token label of a record.timestamp_with endpoint, as run_record.c names it. */
static int
label_is(const struct conf_endpoint *ep, const char *label)
{
	char *s = xasprintf("%s-%s", ep->provider->id, ep->id);
	int eq;

	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			*p = '_';
	eq = strcmp(s, label) == 0;
	free(s);
	return eq;
}

/*
 * SPEC §12 publishes one token per checkpoint as timestamps/SIZE.tsr: the token of the first
 * TSA of record.timestamp_with that time-stamped it (the first by label when none of them
 * did: a TSA since removed from the config) loses its label; the others are published as
 * timestamps/LABEL/SIZE.tsr.
 */
static void
primary_token(const struct conf *c, struct tlog_tsr *tsr, size_t n)
{
	size_t pick = 0;
	bool found = false;

	if (n == 0)
		return;
	for (size_t k = 0; c != NULL && k < c->record.n_timestamp_with && !found; k++)
		for (size_t i = 0; i < n && !found; i++)
			if (tsr[i].label != NULL && label_is(c->record.timestamp_with[k], tsr[i].label)) {
				pick = i;
				found = true;
			}
	tsr[pick].label = NULL;
}

static int
each_log(const struct store_log *sl, void *arg)
{
	char ***nodes = arg;
	size_t n = 0;

	while ((*nodes)[n] != NULL)
		n++;
	*nodes = xrealloc(*nodes, (n + 2) * sizeof(**nodes));
	(*nodes)[n] = xstrdup(sl->node);
	(*nodes)[n + 1] = NULL;
	return 0;
}

void
site_log(struct site *s, const char *outdir)
{
	char **nodes = xcalloc(1, sizeof(*nodes));

	if (store_each_log(s->st, each_log, &nodes) != 0) {
		site_fail(s, "reading the record: %s", store_error(s->st));
		free(nodes);
		return;
	}
	for (size_t k = 0; nodes[k] != NULL; k++) {
		if (!conf_node_id_valid(nodes[k])) {	/* a store row names no path of ours */
			log_error("record: a node id outside [a-z0-9-]{1,32} is not published",
			    "node=%s", log_q(nodes[k]));
			free(nodes[k]);
			nodes[k] = NULL;
			continue;
		}
		struct node_log l = { .node = nodes[k] };
		struct entry_cache ec = { .st = s->st, .node = nodes[k] };
		struct tlog_source src = { 0 };
		char *prev = xasprintf("%s/log/%s", outdir, nodes[k]), *err = NULL;
		struct stat sb;
		size_t t = 0;

		nodes[k] = NULL;
		if (store_each_checkpoint(s->st, l.node, collect_cp, &l) != 0 ||
		    store_each_log_token(s->st, l.node, collect_token, &l) != 0) {
			site_fail(s, "reading the record: %s", store_error(s->st));
			goto next;
		}
		if (l.n_cps == 0 || l.vkey == NULL)
			goto next;	/* nothing signed yet, or a node whose key is unknown */
		/* each checkpoint's tokens, in order of size (both lists are) */
		l.tsr = xcalloc(l.n_tok + 1, sizeof(*l.tsr));
		for (size_t i = 0; i < l.n_cps; i++) {
			int64_t size = note_size(l.notes[i]);

			while (t < l.n_tok && l.tok[t].size < size)
				t++;
			l.cps[i].tsr = &l.tsr[t];
			for (; t < l.n_tok && l.tok[t].size == size; t++) {
				l.tsr[t].label = l.tok[t].label;
				l.tsr[t].der = l.tok[t].der;
				l.tsr[t].len = l.tok[t].len;
				l.cps[i].n_tsr++;
			}
			primary_token(s->conf, &l.tsr[l.cps[i].tsr - l.tsr], l.cps[i].n_tsr);
		}
		ec.e = xcalloc(TLOG_TILE_WIDTH, sizeof(*ec.e));
		ec.len = xcalloc(TLOG_TILE_WIDTH, sizeof(*ec.len));
		ec.first = -1;
		src.entry = source_entry;
		src.arg = &ec;
		src.checkpoints = l.cps;
		src.n_checkpoints = l.n_cps;
		src.vkey = l.vkey;
		src.prev_dir = stat(prev, &sb) == 0 && S_ISDIR(sb.st_mode) ? prev : NULL;
		if (tlog_publish(s->dir, l.node, &src, &err) != 0) {
			log_error("the record does not match its signed checkpoints: the previous "
			    "published log is kept", "node=%s error=%s", log_q(l.node),
			    log_q(err ? err : "?"));
			free(err);
			keep_previous(s, prev, l.node);
		}
		cache_clear(&ec);
		free(ec.e);
		free(ec.len);
next:
		free(prev);
		node_log_free(&l);
	}
	for (size_t k = 0; nodes[k] != NULL; k++)
		free(nodes[k]);
	free(nodes);
}
