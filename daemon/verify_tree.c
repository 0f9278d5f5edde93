/* `trustwatch verify`: the entries, hash tiles, roots and consistency of one node's log. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"
#include "../core/util.h"

struct hashes {
	struct tlog_hash *h;
	size_t		 n;
};

static int
hash_entry(void *arg, const unsigned char *e, size_t len)
{
	struct hashes *hs = arg;

	hs->h = xrealloc(hs->h, (hs->n + 1) * sizeof(*hs->h));
	tlog_leaf_hash(e, len, &hs->h[hs->n++]);
	return 0;
}

/*
 * Entry bundle index of width w: every entry re-hashed and compared with the level-0 hashes
 * want (the published tile, or the tree); the first difference names the entry.
 */
static int
check_bundle(struct vctx *v, uint64_t index, unsigned w, const unsigned char *want,
    const char *against, struct hashes *hs)
{
	char path[TLOG_PATH_MAX];
	unsigned char *data;
	size_t len;
	long count;

	hs->n = 0;
	tlog_tile_path(path, TLOG_TILE_ENTRIES, index, w);
	if (vget(v, path, MAX_BUNDLE, &data, &len) != 0)
		return -1;
	count = tlog_bundle_each(data, len, hash_entry, hs);
	free(data);
	for (size_t i = 0; i < hs->n && i < w; i++)
		if (memcmp(hs->h[i].b, want + i * TLOG_HASH_SIZE, TLOG_HASH_SIZE) != 0)
			return vmismatch(v, "entry %" PRIu64 ": its hash differs from %s (the entry "
			    "was changed, removed or reordered)", index * TLOG_TILE_WIDTH + i,
			    against);
	if (count < 0)
		return vmismatch(v, "entry %" PRIu64 ": %s is truncated",
		    index * TLOG_TILE_WIDTH + hs->n, path);
	if (hs->n != w)
		return vmismatch(v, "entry %" PRIu64 ": %s holds %zu entries, %u expected (an "
		    "entry was %s)", index * TLOG_TILE_WIDTH + (hs->n < w ? hs->n : w), path,
		    hs->n, w, hs->n < w ? "removed" : "added");
	return 0;
}

/* Hash tile (level, index) for tree size n against the tree; fills tile with the tree's. */
static int
check_tile(struct vctx *v, int level, uint64_t index, uint64_t n, unsigned char *tile)
{
	struct tlog_nodes src = tlog_tree_nodes(v->tree);
	char path[TLOG_PATH_MAX];
	unsigned char *data;
	size_t len;
	int w = tlog_tile_build(&src, level, index, n, tile);

	if (w <= 0)
		return vunreadable(v, "cannot build tile %d/%" PRIu64, level, index);
	tlog_tile_path(path, level, index, (unsigned)w);
	if (vget(v, path, MAX_TILE, &data, &len) != 0)
		return -1;
	if (len != (size_t)w * TLOG_HASH_SIZE || memcmp(data, tile, len) != 0) {
		size_t i = 0;

		while (i < (size_t)w && (i + 1) * TLOG_HASH_SIZE <= len &&
		    memcmp(data + i * TLOG_HASH_SIZE, tile + i * TLOG_HASH_SIZE,
		    TLOG_HASH_SIZE) == 0)
			i++;
		free(data);
		if (level == 0)
			return vmismatch(v, "entry %" PRIu64 ": its hash in %s differs from the "
			    "entry (the tile or the entry was changed)", index * TLOG_TILE_WIDTH + i,
			    path);
		{
			uint64_t span = UINT64_C(1) << (TLOG_TILE_HEIGHT * level);
			uint64_t first = (index * TLOG_TILE_WIDTH + i) * span;

			return vmismatch(v, "%s: hash %zu differs from the one recomputed from "
			    "entries %" PRIu64 "..%" PRIu64 " (one of them was changed, removed or "
			    "reordered, with its tiles)", path, i, first, first + span - 1);
		}
	}
	free(data);
	return 0;
}

/* Every entry of the latest tree, re-hashed, against the published level-0 tiles. */
static int
check_entries(struct vctx *v)
{
	uint64_t size = v->cps[v->n_cps - 1].size, tiles = tlog_tile_count(0, size);
	struct hashes hs = { 0 };
	int rc = 0;

	for (uint64_t t = 0; t < tiles && rc == 0; t++) {
		unsigned w = tlog_tile_width(0, t, size);
		char path[TLOG_PATH_MAX];
		unsigned char *tile;
		size_t len;

		tlog_tile_path(path, 0, t, w);
		if (vget(v, path, MAX_TILE, &tile, &len) != 0) {
			rc = -1;
			break;
		}
		if (len != (size_t)w * TLOG_HASH_SIZE)
			rc = vmismatch(v, "%s: %zu bytes, %zu expected", path, len,
			    (size_t)w * TLOG_HASH_SIZE);
		else if ((rc = check_bundle(v, t, w, tile, path, &hs)) == 0)
			for (size_t i = 0; i < hs.n; i++)
				tlog_tree_append(v->tree, &hs.h[i]);
		free(tile);
	}
	free(hs.h);
	return rc;
}

/* The tiles of tree size n: all of them when full is set, else only the partial ones. */
static int
check_tiles(struct vctx *v, uint64_t n, int full)
{
	unsigned char tile[MAX_TILE];
	struct hashes hs = { 0 };
	int rc = 0;

	for (int level = full ? 1 : 0; rc == 0 && tlog_tile_count(level, n) > 0; level++)
		for (uint64_t t = 0; rc == 0 && t < tlog_tile_count(level, n); t++) {
			unsigned w = tlog_tile_width(level, t, n);

			if (!full && w == TLOG_TILE_WIDTH)
				continue;
			if ((rc = check_tile(v, level, t, n, tile)) == 0 && level == 0) {
				char what[64];

				snprintf(what, sizeof(what), "the tree of checkpoint %" PRIu64, n);
				rc = check_bundle(v, t, w, tile, what, &hs);
			}
		}
	free(hs.h);
	return rc;
}

/* The checkpoints the reader kept (--since) for this log's origin: still in its tree. */
static int
check_since(struct vctx *v)
{
	const struct vcp *last = &v->cps[v->n_cps - 1];
	struct tlog_nodes src = tlog_tree_nodes(v->tree);
	struct tlog_hash root;

	for (size_t i = 0; i < v->o->n_since; i++) {
		struct verify_since *s = &v->o->since[i];
		struct tlog_note n;
		int sig;

		if (strcmp(s->c.origin, last->c.origin) != 0)
			continue;
		s->matched = 1;
		if (tlog_note_parse((char *)s->note, s->len, &n, NULL) != 0)
			return vmismatch(v, "--since %s: not a signed note", s->path);
		sig = tlog_note_verify(&n, v->signer);
		tlog_note_clear(&n);
		if (sig != 1)
			return vmismatch(v, "--since %s: not signed by %s+%08x, the key of the "
			    "published checkpoints", s->path, v->signer->name,
			    (unsigned)v->signer->hash);
		if (s->c.size > last->size)
			return vmismatch(v, "checkpoint: the latest checkpoint served has size %"
			    PRIu64 ", older than the checkpoint of size %" PRIu64 " in --since %s",
			    last->size, s->c.size, s->path);
		if (tlog_tree_hash(&src, s->c.size, &root) != 0 ||
		    !tlog_hash_eq(&root, &s->c.root))
			return vmismatch(v, "checkpoint %" PRIu64 " (--since %s): the published log "
			    "does not contain that tree: one of its first %" PRIu64 " entries was "
			    "changed, removed or reordered since",
			    s->c.size, s->path, s->c.size);
		fprintf(v->out, "%s: the checkpoint of size %" PRIu64 " from %s is contained in "
		    "the published log\n", v->node, s->c.size, s->path);
	}
	return 0;
}

int
verify_tree(struct vctx *v)
{
	struct tlog_nodes src = tlog_tree_nodes(v->tree);
	struct tlog_hash root, proof[TLOG_PROOF_MAX];
	size_t len;

	if (check_entries(v) != 0 || check_tiles(v, v->cps[v->n_cps - 1].size, 1) != 0)
		return -1;
	for (size_t i = 0; i < v->n_cps; i++) {
		const struct vcp *cp = &v->cps[i];

		if (i + 1 < v->n_cps && check_tiles(v, cp->size, 0) != 0)
			return -1;
		if (tlog_tree_hash(&src, cp->size, &root) != 0)
			return vunreadable(v, "cannot compute the tree of size %" PRIu64, cp->size);
		if (!tlog_hash_eq(&root, &cp->c.root))
			return vmismatch(v, "checkpoint %" PRIu64 ": its root hash does not match "
			    "entries 0..%" PRIu64 " (an entry below %" PRIu64 " was changed, removed "
			    "or reordered, with its tiles)", cp->size, cp->size ? cp->size - 1 : 0,
			    cp->size);
	}
	for (size_t i = 0; i + 1 < v->n_cps; i++) {
		const struct vcp *a = &v->cps[i], *b = &v->cps[i + 1];

		if (a->size == 0)
			continue;
		if (tlog_prove_consistency(&src, a->size, b->size, proof, &len) != 0 ||
		    !tlog_check_consistency(proof, len, a->size, b->size, &a->c.root, &b->c.root))
			return vmismatch(v, "checkpoints %" PRIu64 " and %" PRIu64 " are not "
			    "consistent", a->size, b->size);
	}
	return check_since(v);
}

