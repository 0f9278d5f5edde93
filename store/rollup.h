/*
 * Rollup arithmetic, the same for every backend: a log-scale latency histogram
 * (64 buckets, each 25% wider than the last from 0.1 ms), stored sparsely as
 * (bucket byte, count as LEB128) per non-empty bucket; percentiles are the upper
 * bound of the bucket that reaches them (within 25%).
 */
#ifndef TW_STORE_ROLLUP_H
#define TW_STORE_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define HIST_BUCKETS	64
#define HIST_MAX_BYTES	(HIST_BUCKETS * 6)	/* the largest encoded histogram */

/* Adds the encoded histogram p[0..len) into h. */
void rollup_hist_decode_add(uint32_t *h, const unsigned char *p, size_t len);
/* Encodes h into out (HIST_MAX_BYTES); returns its length (0 = empty). */
size_t rollup_hist_encode(const uint32_t *h, unsigned char *out);
/* Merges two encoded histograms into out (HIST_MAX_BYTES); returns its length. */
size_t rollup_hist_merge(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen, unsigned char *out);
/* Fills out's figures (counts, uptime, percentiles) from counters c[9] and an encoded histogram. */
void rollup_figures(struct store_rollup *out, const int64_t *c, const unsigned char *hist,
    size_t hist_len);

#endif
