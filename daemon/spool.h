/*
 * The spool: results the store could not take yet, kept in a file beside it (STORE.spool)
 * as JSON lines, one result each, naming its provider, endpoint, kind and interval by value
 * (a result's r->ep points into a config generation that may be gone when it is replayed)
 * and its vantage node ("n", absent for "").
 * Appends are fsync'd and all or nothing; lines are read back in the order written.
 */
#ifndef TW_SPOOL_H
#define TW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/config.h"
#include "../core/result.h"
#include "../store/store.h"

/* Where reading stopped: the byte offset of the next line and its line number (from 1). */
struct spool_pos {
	int64_t		 off;
	int64_t		 line;
};

/* One result read back. r.ep points at ep, a stand-in endpoint owned by the entry. */
struct spool_entry {
	struct result		 r;
	bool			 maintenance;
	char			*node;	/* the vantage node that probed it, NULL = "" */
	struct conf_endpoint	 ep;	/* only id, provider, kind and interval_ms are set */
	struct conf_provider	 prov;	/* only id is set */
};

/*
 * Appends n results to path (created 0600 when missing) and fsyncs it.
 * On any error the file is cut back to its old length, so a retry never duplicates.
 * Returns 0, or -1 with *err set (caller frees).
 */
int spool_append(const char *path, const struct store_item *items, size_t n, char **err);

/*
 * Reads up to max entries from *pos on, advancing it past them. A malformed line is
 * reported through *bad (one message per line, naming path:line; caller frees each and
 * the array) and skipped. Returns the number of entries in *out (caller frees with
 * spool_entries_free; 0 at the end of the file), or -1 with *err set when the file cannot
 * be read.
 */
int spool_read(const char *path, struct spool_pos *pos, size_t max, struct spool_entry **out,
    char ***bad, size_t *n_bad, char **err);

void spool_entries_free(struct spool_entry *, size_t n);	/* (NULL, 0) is a no-op */

/* Returns 1 when path exists and holds at least one byte, 0 when not, -1 on error. */
int spool_exists(const char *path);

#endif
