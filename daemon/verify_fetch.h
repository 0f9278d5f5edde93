/*
 * Where `trustwatch verify` reads a published site from: a directory or an http(s) URL.
 * Paths are relative to the site root ("log/node-a/checkpoint").
 */
#ifndef TW_VERIFY_FETCH_H
#define TW_VERIFY_FETCH_H

#include <stddef.h>

struct vfetch;

/* A fetcher for root (a directory, or a URL starting http:// or https://); caller frees. */
struct vfetch *vfetch_new(const char *root);
void vfetch_free(struct vfetch *);
/* 1 when the site is read over HTTP. */
int vfetch_is_url(const struct vfetch *);

/*
 * Reads rel (at most max bytes) into *data (caller frees; NUL-terminated after *len bytes).
 * Returns 0; VFETCH_MISSING when it does not exist (ENOENT, HTTP 404 or 410); VFETCH_ERROR
 * when it cannot be read (too large, I/O, network, another HTTP status), with *err set
 * (caller frees).
 */
#define VFETCH_MISSING	(-1)
#define VFETCH_ERROR	(-2)
int vfetch_get(struct vfetch *, const char *rel, size_t max, unsigned char **data, size_t *len,
    char **err);

/*
 * The names in directory rel: local directories are listed (every entry but "." and ".."),
 * over HTTP the lines of the published index file rel/index_name are taken (a site server
 * lists no directories). Returns the count with *names (caller frees each and the array),
 * VFETCH_MISSING or VFETCH_ERROR (with *err).
 */
long vfetch_list(struct vfetch *, const char *rel, const char *index_name, char ***names,
    char **err);

#endif
