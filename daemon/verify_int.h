/* Shared by verify.c and verify_tree.c: one node's verification state. */
#ifndef TW_VERIFY_INT_H
#define TW_VERIFY_INT_H

#include <stdint.h>

#include "verify.h"
#include "verify_fetch.h"

#define MAX_NOTE	(64u << 10)
#define MAX_VKEY	(4u << 10)
#define MAX_TILE	((size_t)TLOG_TILE_WIDTH * TLOG_HASH_SIZE)
#define MAX_BUNDLE	((size_t)TLOG_TILE_WIDTH * (TLOG_ENTRY_MAX + 2))
#define MAX_TSR		(1u << 20)

struct vcp {
	uint64_t	 size;
	unsigned char	*note;
	size_t		 len;
	struct tlog_checkpoint c;
	size_t		 n_tsr;
};

/* A co-signing node's key (C2SP tlog-cosignature): its note key under algorithm 0x04. */
struct vcos {
	struct tlog_verifier k;
	char		*node;			/* owned: the node whose vkey it is, or NULL */
	int		 given;			/* from --vkey, not only the site's vkey */
};

struct vctx {
	struct vfetch	*f;
	const struct verify_opts *o;
	FILE		*out;
	int		 rc;			/* EXIT_OK until the first failure */
	const char	*node;
	struct tlog_verifier pub;		/* the published vkey, when no --vkey */
	const struct tlog_verifier *signer;	/* the key the checkpoints verified with */
	struct vcp	*cps;
	size_t		 n_cps;
	struct tlog_tree *tree;
	struct vcos	*cos;			/* every node's cosigner key (site-wide) */
	size_t		 n_cos;
	size_t		 cos_ok, cos_unknown;	/* this node's cosignature lines */
	char		*cos_by;		/* owned: "n2, n3": who co-signed this node */
	char		*unknown_by;		/* owned: the first unknown key, NAME+HASH */
	char		*first_gen, *last_gen;	/* genTime of the first and last token */
	uint64_t	 first_gen_size, last_gen_size;
};

/* Prints "MISMATCH NODE: ..." and records exit 2; returns -1. */
int vmismatch(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "CANNOT READ NODE: ..." and records exit 1; returns -1. */
int vunreadable(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads log/NODE/rel (caller frees *data); a missing file is a mismatch. 0 or -1. */
int vget(struct vctx *v, const char *rel, size_t max, unsigned char **data, size_t *len);
/*
 * Re-hashes every entry of the latest checkpoint's tree into v->tree, compares the hash tiles
 * and entry bundles of every checkpoint, each checkpoint's root hash, consistency between
 * consecutive checkpoints and the --since checkpoints. 0 or -1 (reported).
 */
int verify_tree(struct vctx *v);
/*
 * The cosigner keys of the site (verify_cosig.c): each node's published vkey and each --vkey
 * under algorithm 0x04, into v->cos.
 */
void vcos_load(struct vctx *v, char **nodes, long n);
void vcos_clear(struct vctx *v);
/*
 * Every signature line of the checkpoint n but its node's own: a cosignature by a known key
 * must verify (else a mismatch, -1); one by an unknown key is counted, not checked. 0 or -1.
 */
int vcos_check(struct vctx *v, const struct vcp *cp, const struct tlog_note *n);

#endif
