/* C2SP tlog-tiles: paths, hash tiles, entry bundles, and reading hash tiles back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlog.h"
#include "../core/util.h"

int
tlog_tile_path(char out[TLOG_PATH_MAX], int level, uint64_t index, unsigned width)
{
	char elems[TLOG_PATH_MAX] = "", tmp[TLOG_PATH_MAX];
	int n;

	if (level < TLOG_TILE_ENTRIES || level > 63 || width < 1 || width > TLOG_TILE_WIDTH)
		return -1;
	snprintf(elems, sizeof(elems), "%03u", (unsigned)(index % 1000));
	for (index /= 1000; index > 0; index /= 1000) {
		snprintf(tmp, sizeof(tmp), "x%03u/%s", (unsigned)(index % 1000), elems);
		memcpy(elems, tmp, sizeof(elems));
	}
	if (level == TLOG_TILE_ENTRIES)
		n = snprintf(out, TLOG_PATH_MAX, "tile/entries/%s", elems);
	else
		n = snprintf(out, TLOG_PATH_MAX, "tile/%d/%s", level, elems);
	if (width < TLOG_TILE_WIDTH)
		n = snprintf(out + n, TLOG_PATH_MAX - (size_t)n, ".p/%u", width);
	return 0;
}

/* The number of hashes at tile level `level` (the bottom row of its tiles) for size n. */
static uint64_t
row_count(int level, uint64_t n)
{
	if (level < 0)
		level = 0;
	for (int i = 0; i < level && n > 0; i++)
		n >>= TLOG_TILE_HEIGHT;
	return n;
}

unsigned
tlog_tile_width(int level, uint64_t index, uint64_t n)
{
	uint64_t row = row_count(level, n);

	if (index < row / TLOG_TILE_WIDTH)
		return TLOG_TILE_WIDTH;
	if (index == row / TLOG_TILE_WIDTH)
		return (unsigned)(row % TLOG_TILE_WIDTH);
	return 0;
}

uint64_t
tlog_tile_count(int level, uint64_t n)
{
	uint64_t row = row_count(level, n);

	return row / TLOG_TILE_WIDTH + (row % TLOG_TILE_WIDTH != 0);
}

int
tlog_tile_build(const struct tlog_nodes *src, int level, uint64_t index, uint64_t n,
    unsigned char *out)
{
	unsigned w = tlog_tile_width(level, index, n);
	struct tlog_hash h;

	if (level < 0 || w == 0)
		return -1;
	for (unsigned i = 0; i < w; i++) {
		if (src->node(src->arg, (unsigned)level * TLOG_TILE_HEIGHT,
		    index * TLOG_TILE_WIDTH + i, &h) != 0)
			return -1;
		memcpy(out + (size_t)i * TLOG_HASH_SIZE, h.b, TLOG_HASH_SIZE);
	}
	return (int)w;
}

long
tlog_bundle_each(const unsigned char *data, size_t len,
    int (*each)(void *arg, const unsigned char *entry, size_t elen), void *arg)
{
	size_t off = 0, elen;
	long count = 0;

	while (off < len) {
		if (len - off < 2)
			return -1;
		elen = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len - off < elen)
			return -1;
		count++;
		if (each != NULL && each(arg, data + off, elen) != 0)
			return count;
		off += elen;
	}
	return count;
}

/* ---- reading hash tiles back ----------------------------------------------------------- */

#define READER_CACHE	8

struct cached_tile {
	char		 path[TLOG_PATH_MAX];
	unsigned char	*data;
	size_t		 len;
	unsigned	 use;
};

struct tlog_tile_reader {
	uint64_t	 n;
	int		(*read)(void *, const char *, unsigned char **, size_t *);
	void		*arg;
	struct cached_tile cache[READER_CACHE];
	unsigned	 clock;
	char		 failed[TLOG_PATH_MAX];
};

struct tlog_tile_reader *
tlog_tile_reader_new(uint64_t n,
    int (*read)(void *arg, const char *path, unsigned char **data, size_t *len), void *arg)
{
	struct tlog_tile_reader *r = xcalloc(1, sizeof(*r));

	r->n = n;
	r->read = read;
	r->arg = arg;
	return r;
}

void
tlog_tile_reader_free(struct tlog_tile_reader *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < READER_CACHE; i++)
		free(r->cache[i].data);
	free(r);
}

const char *
tlog_tile_reader_failed(const struct tlog_tile_reader *r)
{
	return r->failed;
}

/* The hashes of tile (level, index) of the reader's tree, or NULL (r->failed says which). */
static const unsigned char *
reader_tile(struct tlog_tile_reader *r, int level, uint64_t index, unsigned *width)
{
	struct cached_tile *victim = &r->cache[0];
	char path[TLOG_PATH_MAX];
	unsigned char *data;
	size_t len;

	*width = tlog_tile_width(level, index, r->n);
	if (*width == 0 || tlog_tile_path(path, level, index, *width) != 0)
		return NULL;
	for (int i = 0; i < READER_CACHE; i++) {
		if (r->cache[i].data != NULL && strcmp(r->cache[i].path, path) == 0) {
			r->cache[i].use = ++r->clock;
			return r->cache[i].data;
		}
		if (r->cache[i].use < victim->use)
			victim = &r->cache[i];
	}
	if (r->read(r->arg, path, &data, &len) != 0) {
		memcpy(r->failed, path, sizeof(path));
		return NULL;
	}
	if (len != (size_t)*width * TLOG_HASH_SIZE) {
		free(data);
		memcpy(r->failed, path, sizeof(path));
		return NULL;
	}
	free(victim->data);
	memcpy(victim->path, path, sizeof(path));
	victim->data = data;
	victim->len = len;
	victim->use = ++r->clock;
	return data;
}

/* The hash of the 2^h hashes starting at off in a tile's row (h <= 7). */
static void
hash_in_tile(const unsigned char *t, unsigned off, unsigned h, struct tlog_hash *out)
{
	struct tlog_hash l, rt;

	if (h == 0) {
		memcpy(out->b, t + (size_t)off * TLOG_HASH_SIZE, TLOG_HASH_SIZE);
		return;
	}
	hash_in_tile(t, off, h - 1, &l);
	hash_in_tile(t, off + (1u << (h - 1)), h - 1, &rt);
	tlog_node_hash(&l, &rt, out);
}

static int
reader_node(void *arg, unsigned level, uint64_t index, struct tlog_hash *out)
{
	struct tlog_tile_reader *r = arg;
	int tl = (int)(level / TLOG_TILE_HEIGHT);
	unsigned h = level % TLOG_TILE_HEIGHT, width;
	uint64_t first = index << h;
	const unsigned char *t;
	unsigned off = (unsigned)(first % TLOG_TILE_WIDTH);

	if (level >= 64 || (level > 0 && index >> (64 - level) != 0))
		return -1;
	t = reader_tile(r, tl, first / TLOG_TILE_WIDTH, &width);
	if (t == NULL || off + (1u << h) > width)
		return -1;
	hash_in_tile(t, off, h, out);
	return 0;
}

struct tlog_nodes
tlog_tile_reader_nodes(struct tlog_tile_reader *r)
{
	return (struct tlog_nodes){ .node = reader_node, .arg = r };
}
