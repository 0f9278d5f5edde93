/* tlog_publish(): a node's log as static C2SP tlog-tiles files in the site. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlog.h"
#include "../core/util.h"

struct pub {
	const struct tlog_source *src;
	char		*base;			/* site/log/node */
	char	       **err;
	struct tlog_checkpoint *cps;		/* parsed, as src->checkpoints */
	uint64_t	 size;			/* the last checkpoint's */
	struct tlog_edge edge;
	size_t		 next_cp;		/* the first checkpoint not yet compared */
};

static int
fail(struct pub *p, char *msg)
{
	if (p->err != NULL && *p->err == NULL)
		*p->err = msg;
	else
		free(msg);
	return -1;
}

static int
mkdirs(const char *path)
{
	char *d = xstrdup(path);

	for (char *s = d + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(d, 0755) != 0 && errno != EEXIST) {
			free(d);
			return -1;
		}
		*s = '/';
	}
	free(d);
	return 0;
}

/* Writes base/rel (creating its directories). */
static int
put(struct pub *p, const char *rel, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", p->base, rel);
	int fd = -1, e = 0;

	if (mkdirs(path) != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		e = errno;
	for (size_t off = 0; e == 0 && off < len;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			e = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	if (fd >= 0 && close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0)
		fail(p, xasprintf("%s: %s", path, strerror(e)));
	free(path);
	return e != 0 ? -1 : 0;
}

static int
node_ok(const char *node)
{
	if (node == NULL || *node == '\0' || strcmp(node, ".") == 0 || strcmp(node, "..") == 0)
		return 0;
	return strspn(node, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(node);
}

/* Compares the checkpoints whose size the edge has reached with the edge's root. */
static int
check_roots(struct pub *p)
{
	struct tlog_hash root;

	while (p->next_cp < p->src->n_checkpoints && p->cps[p->next_cp].size == p->edge.size) {
		tlog_edge_root(&p->edge, &root);
		if (!tlog_hash_eq(&root, &p->cps[p->next_cp].root))
			return fail(p, xasprintf("checkpoint %" PRIu64 ": its root hash does not "
			    "match the entries published", p->edge.size));
		p->next_cp++;
	}
	return 0;
}

/* The tree hash of a full tile's 256 hashes. */
static void
tile_root(const struct tlog_hash *h, struct tlog_hash *out)
{
	struct tlog_hash row[TLOG_TILE_WIDTH];

	memcpy(row, h, sizeof(row));
	for (unsigned w = TLOG_TILE_WIDTH; w > 1; w /= 2)
		for (unsigned i = 0; i < w / 2; i++)
			tlog_node_hash(&row[2 * i], &row[2 * i + 1], &row[i]);
	*out = row[0];
}

/* Writes tile (level, index) of width w from h, and the narrower partial tiles earlier
 * checkpoints need. For level 0, bundle[off[i]..off[i+1]) is entry i's encoding. */
static int
put_tiles(struct pub *p, int level, uint64_t index, unsigned w, const struct tlog_hash *h,
    const unsigned char *bundle, const size_t *off)
{
	char path[TLOG_PATH_MAX];
	unsigned done[TLOG_TILE_WIDTH + 1] = { 0 };

	for (size_t c = 0; c <= p->src->n_checkpoints; c++) {
		unsigned cw = c < p->src->n_checkpoints ?
		    tlog_tile_width(level, index, p->cps[c].size) : w;

		if (cw == 0 || done[cw])
			continue;
		done[cw] = 1;
		tlog_tile_path(path, level, index, cw);
		if (put(p, path, h, (size_t)cw * TLOG_HASH_SIZE) != 0)
			return -1;
		if (level != 0)
			continue;
		tlog_tile_path(path, TLOG_TILE_ENTRIES, index, cw);
		if (put(p, path, bundle, off[cw]) != 0)
			return -1;
	}
	return 0;
}

/* Appends one entry to the level-0 state. */
static int
add_entry(struct pub *p, const unsigned char *e, size_t len, struct buf *bundle, size_t *off,
    struct tlog_hash *h)
{
	unsigned char pre[2];

	if (len > TLOG_ENTRY_MAX)
		return fail(p, xasprintf("entry %" PRIu64 ": %zu bytes, more than an entry "
		    "bundle holds", p->edge.size, len));
	pre[0] = (unsigned char)(len >> 8);
	pre[1] = (unsigned char)len;
	buf_append(bundle, pre, 2);
	buf_append(bundle, e, len);
	*off = bundle->len;
	tlog_leaf_hash(e, len, h);
	tlog_edge_append(&p->edge, h);
	return check_roots(p);
}

struct reuse {
	struct pub	*p;
	struct buf	*bundle;
	size_t		*off;
	struct tlog_hash *h;
	int		 failed;
};

static int
reuse_one(void *arg, const unsigned char *e, size_t len)
{
	struct reuse *r = arg;

	if (add_entry(r->p, e, len, r->bundle, r->off, r->h) != 0) {
		r->failed = 1;
		return 1;
	}
	r->off++;
	r->h++;
	return 0;
}

/* Level 0: entries, bundles, leaf hashes; fills up[] with each full tile's root. */
static int
level0(struct pub *p, struct tlog_hash *up)
{
	struct tlog_hash h[TLOG_TILE_WIDTH];
	size_t off[TLOG_TILE_WIDTH + 1];
	uint64_t tiles = tlog_tile_count(0, p->size);

	for (uint64_t n = 0; n < tiles; n++) {
		unsigned w = tlog_tile_width(0, n, p->size);
		struct buf bundle = { 0 };
		int reused = 0;

		off[0] = 0;
		if (w == TLOG_TILE_WIDTH && p->src->prev_dir != NULL) {
			char rel[TLOG_PATH_MAX], *path;
			unsigned char *data;
			size_t len;

			tlog_tile_path(rel, TLOG_TILE_ENTRIES, n, w);
			path = xasprintf("%s/%s", p->src->prev_dir, rel);
			if (file_read(path, (size_t)TLOG_TILE_WIDTH * (TLOG_ENTRY_MAX + 2), &data,
			    &len) == 0) {
				if (tlog_bundle_each(data, len, NULL, NULL) == TLOG_TILE_WIDTH) {
					struct reuse r = { p, &bundle, off + 1, h, 0 };

					tlog_bundle_each(data, len, reuse_one, &r);
					if (r.failed) {
						free(data);
						free(path);
						buf_free(&bundle);
						return -1;
					}
					reused = 1;
				}
				free(data);
			}
			free(path);
		}
		for (unsigned i = 0; !reused && i < w; i++) {
			const unsigned char *e;
			size_t len;
			char *why = NULL;

			if (p->src->entry(p->src->arg, n * TLOG_TILE_WIDTH + i, &e, &len, &why) != 0) {
				buf_free(&bundle);
				fail(p, xasprintf("entry %" PRIu64 ": %s", n * TLOG_TILE_WIDTH + i,
				    why ? why : "cannot read"));
				free(why);
				return -1;
			}
			if (add_entry(p, e, len, &bundle, &off[i + 1], &h[i]) != 0) {
				buf_free(&bundle);
				return -1;
			}
		}
		if (put_tiles(p, 0, n, w, h, bundle.data, off) != 0) {
			buf_free(&bundle);
			return -1;
		}
		buf_free(&bundle);
		if (w == TLOG_TILE_WIDTH)
			tile_root(h, &up[n]);
	}
	return 0;
}

/* Levels 1 and up, from the full tiles' roots of the level below. */
static int
upper_levels(struct pub *p, struct tlog_hash *row, uint64_t count)
{
	for (int level = 1; count > 0; level++) {
		uint64_t tiles = tlog_tile_count(level, p->size);

		for (uint64_t n = 0; n < tiles; n++) {
			unsigned w = tlog_tile_width(level, n, p->size);

			if (put_tiles(p, level, n, w, row + n * TLOG_TILE_WIDTH, NULL, NULL) != 0)
				return -1;
			if (w == TLOG_TILE_WIDTH)
				tile_root(row + n * TLOG_TILE_WIDTH, &row[n]);
		}
		count /= TLOG_TILE_WIDTH;
	}
	return 0;
}

/* Adds node to site/log/nodes when missing. */
static int
list_node(struct pub *p, const char *site_dir, const char *node)
{
	char *path = xasprintf("%s/log/nodes", site_dir);
	unsigned char *data = NULL;
	size_t len = 0;
	const char *s, *e;
	int found = 0, rc = 0;
	FILE *f;

	if (file_read(path, 1 << 20, &data, &len) != 0 && errno != ENOENT) {
		rc = fail(p, xasprintf("%s: %s", path, file_strerror(errno)));
		goto out;
	}
	for (s = (const char *)data; s != NULL && s < (const char *)data + len; s = e + 1) {
		if ((e = memchr(s, '\n', (size_t)((const char *)data + len - s))) == NULL)
			break;
		if ((size_t)(e - s) == strlen(node) && memcmp(s, node, (size_t)(e - s)) == 0)
			found = 1;
	}
	if (found)
		goto out;
	if ((f = fopen(path, "a")) == NULL || fprintf(f, "%s\n", node) < 0 || fclose(f) != 0)
		rc = fail(p, xasprintf("%s: %s", path, strerror(errno)));
out:
	free(data);
	free(path);
	return rc;
}

static int
tsr_label_ok(const char *l)
{
	return l == NULL || (*l != '\0' && strlen(l) <= 100 && strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(l));
}

/* checkpoint, checkpoints/, timestamps/, vkey. */
static int
put_notes(struct pub *p)
{
	const struct tlog_source *src = p->src;
	struct buf idx = { 0 }, tidx = { 0 };
	char rel[128];
	int rc = -1;

	for (size_t i = 0; i < src->n_checkpoints; i++) {
		const struct tlog_signed_checkpoint *c = &src->checkpoints[i];

		snprintf(rel, sizeof(rel), "checkpoints/%" PRIu64, p->cps[i].size);
		if (put(p, rel, c->note, c->len) != 0)
			goto out;
		buf_printf(&idx, "%" PRIu64 "\n", p->cps[i].size);
		for (size_t t = 0; t < c->n_tsr; t++) {
			if (!tsr_label_ok(c->tsr[t].label)) {
				fail(p, xasprintf("time-stamp label '%s' is not [A-Za-z0-9_-]",
				    c->tsr[t].label));
				goto out;
			}
			/* SPEC §12's SIZE.tsr; every further TSA's token in its own folder */
			if (c->tsr[t].label != NULL)
				snprintf(rel, sizeof(rel), "%s/%" PRIu64 ".tsr", c->tsr[t].label,
				    p->cps[i].size);
			else
				snprintf(rel, sizeof(rel), "%" PRIu64 ".tsr", p->cps[i].size);
			buf_printf(&tidx, "%s\n", rel);
			char *tp = xasprintf("timestamps/%s", rel);
			int r = put(p, tp, c->tsr[t].der, c->tsr[t].len);
			free(tp);
			if (r != 0)
				goto out;
		}
	}
	if (put(p, "checkpoints/index", idx.data, idx.len) != 0 ||
	    put(p, "timestamps/index", tidx.data ? (const char *)tidx.data : "", tidx.len) != 0)
		goto out;
	{
		const struct tlog_signed_checkpoint *last = &src->checkpoints[src->n_checkpoints - 1];
		char *vk = xasprintf("%s\n", src->vkey);
		rc = put(p, "checkpoint", last->note, last->len) != 0 ||
		    put(p, "vkey", vk, strlen(vk)) != 0 ? -1 : 0;
		free(vk);
	}
out:
	buf_free(&idx);
	buf_free(&tidx);
	return rc;
}

int
tlog_publish(const char *site_dir, const char *node, const struct tlog_source *src,
    char **err)
{
	struct pub p = { .src = src, .err = err };
	struct tlog_hash *up = NULL;
	int rc = -1;

	if (err != NULL)
		*err = NULL;
	if (!node_ok(node))
		return fail(&p, xasprintf("node name '%s' is not [A-Za-z0-9._-]", node ? node : ""));
	if (src->n_checkpoints == 0 || src->vkey == NULL || src->entry == NULL)
		return fail(&p, xstrdup("nothing to publish: no checkpoint, verifier key or entries"));
	p.cps = xcalloc(src->n_checkpoints, sizeof(*p.cps));
	for (size_t i = 0; i < src->n_checkpoints; i++) {
		struct tlog_note n;
		char *why = NULL;

		int bad = tlog_note_parse(src->checkpoints[i].note, src->checkpoints[i].len, &n,
		    &why) != 0 || tlog_checkpoint_parse(n.text, n.text_len, &p.cps[i], &why) != 0;

		tlog_note_clear(&n);
		if (bad) {
			fail(&p, xasprintf("checkpoint %zu: %s", i + 1, why ? why : "malformed"));
			free(why);
			goto out;
		}
		if (i > 0 && p.cps[i].size <= p.cps[i - 1].size) {
			fail(&p, xstrdup("checkpoints must be given in increasing tree size"));
			goto out;
		}
	}
	p.size = p.cps[src->n_checkpoints - 1].size;
	p.base = xasprintf("%s/log/%s", site_dir, node);
	tlog_edge_init(&p.edge);
	if (check_roots(&p) != 0 || put_notes(&p) != 0)
		goto out;
	up = xcalloc(p.size / TLOG_TILE_WIDTH + 1, sizeof(*up));
	if (level0(&p, up) != 0 || upper_levels(&p, up, p.size / TLOG_TILE_WIDTH) != 0 ||
	    list_node(&p, site_dir, node) != 0)
		goto out;
	rc = 0;
out:
	free(up);
	for (size_t i = 0; i < src->n_checkpoints; i++)
		tlog_checkpoint_clear(&p.cps[i]);
	free(p.cps);
	free(p.base);
	return rc;
}
