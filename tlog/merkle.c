/* RFC 6962 §2.1 Merkle trees; proofs as RFC 9162 §2.1.3 and §2.1.4 describe them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tlog.h"
#include "../core/util.h"

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256(prefix ‖ a ‖ b), either part may be empty. Aborts when OpenSSL cannot hash. */
static void
sha256_prefixed(unsigned char prefix, const void *a, size_t alen, const void *b, size_t blen,
    struct tlog_hash *out)
{
	EVP_MD_CTX *ctx;
	unsigned int n;

	pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	if (EVP_DigestInit_ex(ctx, sha256_md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
	    (alen > 0 && EVP_DigestUpdate(ctx, a, alen) != 1) ||
	    (blen > 0 && EVP_DigestUpdate(ctx, b, blen) != 1) ||
	    EVP_DigestFinal_ex(ctx, out->b, &n) != 1 || n != TLOG_HASH_SIZE)
		abort();
	EVP_MD_CTX_free(ctx);
}

void
tlog_leaf_hash(const void *entry, size_t len, struct tlog_hash *out)
{
	sha256_prefixed(0x00, entry, len, NULL, 0, out);
}

void
tlog_node_hash(const struct tlog_hash *l, const struct tlog_hash *r, struct tlog_hash *out)
{
	struct tlog_hash lc = *l, rc = *r;

	sha256_prefixed(0x01, lc.b, TLOG_HASH_SIZE, rc.b, TLOG_HASH_SIZE, out);
}

void
tlog_empty_root(struct tlog_hash *out)
{
	unsigned int n;

	if (EVP_Digest("", 0, out->b, &n, EVP_sha256(), NULL) != 1)
		abort();
}

int
tlog_hash_eq(const struct tlog_hash *a, const struct tlog_hash *b)
{
	return memcmp(a->b, b->b, TLOG_HASH_SIZE) == 0;
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* The tree hash of leaves [lo, hi), lo aligned to a power of two >= hi - lo (RFC 9162's
 * recursion only asks for such ranges). */
static int
range_hash(const struct tlog_nodes *src, uint64_t lo, uint64_t hi, struct tlog_hash *out)
{
	uint64_t n = hi - lo, k;
	struct tlog_hash l, r;
	unsigned level = 0;

	if ((n & (n - 1)) == 0) {
		while ((UINT64_C(1) << level) < n)
			level++;
		return src->node(src->arg, level, lo >> level, out);
	}
	k = split_point(n);
	if (range_hash(src, lo, lo + k, &l) != 0 || range_hash(src, lo + k, hi, &r) != 0)
		return -1;
	tlog_node_hash(&l, &r, out);
	return 0;
}

int
tlog_tree_hash(const struct tlog_nodes *src, uint64_t n, struct tlog_hash *out)
{
	if (n == 0) {
		tlog_empty_root(out);
		return 0;
	}
	return range_hash(src, 0, n, out);
}

/* PATH(m, D[lo:hi]) appended to proof in RFC 9162's order (leaf side first). */
static int
path(const struct tlog_nodes *src, uint64_t m, uint64_t lo, uint64_t hi,
    struct tlog_hash *proof, size_t *len)
{
	uint64_t k;

	if (hi - lo <= 1)
		return 0;
	if (*len >= TLOG_PROOF_MAX)
		return -1;
	k = split_point(hi - lo);
	if (m < k) {
		if (path(src, m, lo, lo + k, proof, len) != 0)
			return -1;
		return range_hash(src, lo + k, hi, &proof[(*len)++]);
	}
	if (path(src, m - k, lo + k, hi, proof, len) != 0)
		return -1;
	return range_hash(src, lo, lo + k, &proof[(*len)++]);
}

int
tlog_prove_inclusion(const struct tlog_nodes *src, uint64_t n, uint64_t index,
    struct tlog_hash *proof, size_t *len)
{
	*len = 0;
	if (index >= n)
		return -1;
	return path(src, index, 0, n, proof, len);
}

int
tlog_check_inclusion(const struct tlog_hash *proof, size_t len, uint64_t n, uint64_t index,
    const struct tlog_hash *leaf, const struct tlog_hash *root)
{
	uint64_t fn = index, sn = n - 1;
	struct tlog_hash r = *leaf;

	if (index >= n)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(&proof[i], &r, &r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			tlog_node_hash(&r, &proof[i], &r);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && tlog_hash_eq(&r, root);
}

/* SUBPROOF(m, D[lo:hi], b). */
static int
subproof(const struct tlog_nodes *src, uint64_t m, uint64_t lo, uint64_t hi, int b,
    struct tlog_hash *proof, size_t *len)
{
	uint64_t n = hi - lo, k;

	if (*len >= TLOG_PROOF_MAX)
		return -1;
	if (m == n) {
		if (b)
			return 0;
		return range_hash(src, lo, hi, &proof[(*len)++]);
	}
	k = split_point(n);
	if (m <= k) {
		if (subproof(src, m, lo, lo + k, b, proof, len) != 0)
			return -1;
		return range_hash(src, lo + k, hi, &proof[(*len)++]);
	}
	if (subproof(src, m - k, lo + k, hi, 0, proof, len) != 0)
		return -1;
	return range_hash(src, lo, lo + k, &proof[(*len)++]);
}

int
tlog_prove_consistency(const struct tlog_nodes *src, uint64_t m, uint64_t n,
    struct tlog_hash *proof, size_t *len)
{
	*len = 0;
	if (m == 0 || m > n)
		return -1;
	return subproof(src, m, 0, n, 1, proof, len);
}

int
tlog_check_consistency(const struct tlog_hash *proof, size_t len, uint64_t m, uint64_t n,
    const struct tlog_hash *m_root, const struct tlog_hash *n_root)
{
	struct tlog_hash fr, sr;
	uint64_t fn, sn;
	size_t i = 0;

	if (m == 0 || m > n)
		return 0;
	if (m == n)
		return len == 0 && tlog_hash_eq(m_root, n_root);
	if (len == 0)
		return 0;
	/* When m is a power of two, the proof leaves out the old root: put it first. */
	if ((m & (m - 1)) == 0) {
		fr = sr = *m_root;
	} else {
		fr = sr = proof[0];
		i = 1;
	}
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < len; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(&proof[i], &fr, &fr);
			tlog_node_hash(&proof[i], &sr, &sr);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			tlog_node_hash(&sr, &proof[i], &sr);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && tlog_hash_eq(&fr, m_root) && tlog_hash_eq(&sr, n_root);
}

/* ---- the in-memory tree ---------------------------------------------------------------- */

struct tlog_tree {
	struct tlog_hash *lv[64];		/* lv[l][i] = node(l, i) */
	uint64_t	 n[64];			/* hashes at each level */
	uint64_t	 cap[64];
};

struct tlog_tree *
tlog_tree_new(void)
{
	return xcalloc(1, sizeof(struct tlog_tree));
}

void
tlog_tree_free(struct tlog_tree *t)
{
	if (t == NULL)
		return;
	for (int l = 0; l < 64; l++)
		free(t->lv[l]);
	free(t);
}

static void
level_push(struct tlog_tree *t, int l, const struct tlog_hash *h)
{
	if (t->n[l] == t->cap[l]) {
		t->cap[l] = t->cap[l] ? t->cap[l] * 2 : 64;
		t->lv[l] = xrealloc(t->lv[l], t->cap[l] * sizeof(struct tlog_hash));
	}
	t->lv[l][t->n[l]++] = *h;
}

void
tlog_tree_append(struct tlog_tree *t, const struct tlog_hash *leaf)
{
	struct tlog_hash h;

	level_push(t, 0, leaf);
	for (int l = 0; l < 63 && (t->n[l] & 1) == 0; l++) {
		tlog_node_hash(&t->lv[l][t->n[l] - 2], &t->lv[l][t->n[l] - 1], &h);
		level_push(t, l + 1, &h);
	}
}

uint64_t
tlog_tree_size(const struct tlog_tree *t)
{
	return t->n[0];
}

static int
tree_node(void *arg, unsigned level, uint64_t index, struct tlog_hash *out)
{
	struct tlog_tree *t = arg;

	if (level >= 64 || index >= t->n[level])
		return -1;
	*out = t->lv[level][index];
	return 0;
}

struct tlog_nodes
tlog_tree_nodes(struct tlog_tree *t)
{
	return (struct tlog_nodes){ .node = tree_node, .arg = t };
}

/* ---- the right edge -------------------------------------------------------------------- */

void
tlog_edge_init(struct tlog_edge *e)
{
	memset(e, 0, sizeof(*e));
}

int
tlog_edge_append(struct tlog_edge *e, const struct tlog_hash *leaf)
{
	struct tlog_hash h = *leaf;
	int l = 0;

	if (e->size == UINT64_MAX)
		return -1;
	while (e->size & (UINT64_C(1) << l)) {
		tlog_node_hash(&e->h[l], &h, &h);
		l++;
	}
	e->h[l] = h;
	e->size++;
	return 0;
}

void
tlog_edge_root(const struct tlog_edge *e, struct tlog_hash *out)
{
	int l, have = 0;

	if (e->size == 0) {
		tlog_empty_root(out);
		return;
	}
	for (l = 0; l < 64; l++) {
		if (!(e->size & (UINT64_C(1) << l)))
			continue;
		if (!have) {
			*out = e->h[l];
			have = 1;
		} else
			tlog_node_hash(&e->h[l], out, out);
	}
}

size_t
tlog_edge_encode(const struct tlog_edge *e, unsigned char out[TLOG_EDGE_ENCODED_MAX])
{
	size_t n = 8;

	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(e->size >> (56 - 8 * i));
	for (int l = 0; l < 64; l++)
		if (e->size & (UINT64_C(1) << l)) {
			memcpy(out + n, e->h[l].b, TLOG_HASH_SIZE);
			n += TLOG_HASH_SIZE;
		}
	return n;
}

int
tlog_edge_decode(struct tlog_edge *e, const unsigned char *in, size_t len)
{
	size_t n = 8;

	tlog_edge_init(e);
	if (len < 8)
		return -1;
	for (int i = 0; i < 8; i++)
		e->size = e->size << 8 | in[i];
	if (len != 8 + (size_t)__builtin_popcountll(e->size) * TLOG_HASH_SIZE) {
		tlog_edge_init(e);
		return -1;
	}
	for (int l = 0; l < 64; l++)
		if (e->size & (UINT64_C(1) << l)) {
			memcpy(e->h[l].b, in + n, TLOG_HASH_SIZE);
			n += TLOG_HASH_SIZE;
		}
	return 0;
}
