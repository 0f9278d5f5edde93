/*
 * A verifiable record (SPEC §12): an append-only Merkle log of results, over OpenSSL only.
 *
 *   merkle.c      RFC 6962 §2.1 hashing; tree hashes, inclusion and consistency proofs
 *                 (RFC 9162 §2.1.3, §2.1.4) over any source of subtree hashes; an in-memory
 *                 tree; the O(log n) right edge a node appends to per result.
 *   tiles.c       C2SP tlog-tiles: tile and entry-bundle paths, tile contents, entry
 *                 bundles, and a subtree-hash source that reads published hash tiles back.
 *   note.c        C2SP signed-note with Ed25519 keys in golang.org/x/mod/sumdb/note's
 *                 encodings: key generation, signing, verification.
 *   checkpoint.c  C2SP tlog-checkpoint bodies.
 *   cosig.c       C2SP tlog-cosignature (cosignature/v1).
 *   publish.c     tlog_publish(): writes log/NODE/ into a site directory.
 *
 * Nothing here reads the store, the config or the clock: callers pass what is needed.
 * Errors come back as -1 and, where a char **err is taken, a message (caller frees).
 */
#ifndef TW_TLOG_H
#define TW_TLOG_H

#include <stddef.h>
#include <stdint.h>

#define TLOG_HASH_SIZE		32
#define TLOG_TILE_HEIGHT	8
#define TLOG_TILE_WIDTH		256		/* hashes in a full tile, entries in a full bundle */
#define TLOG_ENTRY_MAX		65535		/* an entry bundle's 2-byte length prefix */
#define TLOG_PROOF_MAX		128		/* hashes in any proof for a tree of < 2^64 leaves */

struct tlog_hash {
	unsigned char	 b[TLOG_HASH_SIZE];
};

/* ---- merkle.c --------------------------------------------------------------------------- */

/* SHA-256(0x00 ‖ entry). */
void tlog_leaf_hash(const void *entry, size_t len, struct tlog_hash *out);
/* SHA-256(0x01 ‖ l ‖ r); out may alias l or r. */
void tlog_node_hash(const struct tlog_hash *l, const struct tlog_hash *r, struct tlog_hash *out);
/* The hash of the empty tree, SHA-256(""). */
void tlog_empty_root(struct tlog_hash *out);
/* 1 when a and b are equal, else 0. */
int tlog_hash_eq(const struct tlog_hash *a, const struct tlog_hash *b);

/*
 * A source of perfect subtree hashes: node(arg, level, index, out) sets *out to the tree hash
 * of the 2^level leaves starting at index << level, all of them inside the tree the source
 * stands for; returns 0, or -1 when it cannot (a missing or short tile, an I/O error).
 */
struct tlog_nodes {
	int		(*node)(void *arg, unsigned level, uint64_t index, struct tlog_hash *out);
	void		*arg;
};

/* The RFC 6962 tree hash of the first n leaves of src. Returns 0 or -1. */
int tlog_tree_hash(const struct tlog_nodes *src, uint64_t n, struct tlog_hash *out);
/*
 * The inclusion proof (RFC 9162 §2.1.3.1) of leaf index in the tree of the first n leaves.
 * proof holds TLOG_PROOF_MAX hashes; *len is set to the count. Returns 0 or -1.
 */
int tlog_prove_inclusion(const struct tlog_nodes *src, uint64_t n, uint64_t index,
    struct tlog_hash *proof, size_t *len);
/* 1 when proof shows leaf at index in the tree of size n with root (RFC 9162 §2.1.3.2). */
int tlog_check_inclusion(const struct tlog_hash *proof, size_t len, uint64_t n, uint64_t index,
    const struct tlog_hash *leaf, const struct tlog_hash *root);
/* The consistency proof (RFC 9162 §2.1.4.1) from size m to size n, 0 < m <= n. */
int tlog_prove_consistency(const struct tlog_nodes *src, uint64_t m, uint64_t n,
    struct tlog_hash *proof, size_t *len);
/* 1 when proof shows the tree of size m, root m_root, is a prefix of size n, root n_root. */
int tlog_check_consistency(const struct tlog_hash *proof, size_t len, uint64_t m, uint64_t n,
    const struct tlog_hash *m_root, const struct tlog_hash *n_root);

/*
 * An in-memory tree keeping every level (2 hashes per leaf): any subtree hash in O(1), for
 * verifying a whole published log. tlog_tree_free(NULL) is a no-op.
 */
struct tlog_tree;
struct tlog_tree *tlog_tree_new(void);
void tlog_tree_free(struct tlog_tree *);
void tlog_tree_append(struct tlog_tree *, const struct tlog_hash *leaf);
uint64_t tlog_tree_size(const struct tlog_tree *);
/* A source over t, valid while t lives and is not appended to. */
struct tlog_nodes tlog_tree_nodes(struct tlog_tree *t);

/*
 * The right edge of a tree: its size and the hash of each perfect subtree its size
 * decomposes into (one per set bit). Appending costs ~2 hashes amortized and needs no other
 * state, so a node can append per result and compute the root for a checkpoint at any time.
 * Plain data: copy it freely; store it with tlog_edge_encode().
 */
struct tlog_edge {
	uint64_t	 size;
	struct tlog_hash h[64];		/* h[l] valid when bit l of size is set */
};
#define TLOG_EDGE_ENCODED_MAX	(8 + 64 * TLOG_HASH_SIZE)

void tlog_edge_init(struct tlog_edge *);
/* Appends one leaf hash. Returns 0, or -1 when the tree is full (2^64 - 1 leaves). */
int tlog_edge_append(struct tlog_edge *, const struct tlog_hash *leaf);
/* The tree hash of the edge's tree (the empty root for size 0). */
void tlog_edge_root(const struct tlog_edge *, struct tlog_hash *out);
/* 8-byte big-endian size, then the set-bit hashes from the lowest level up. Returns bytes. */
size_t tlog_edge_encode(const struct tlog_edge *, unsigned char out[TLOG_EDGE_ENCODED_MAX]);
/* The reverse; returns 0, or -1 when len does not fit the size. */
int tlog_edge_decode(struct tlog_edge *, const unsigned char *in, size_t len);

/* ---- tiles.c ---------------------------------------------------------------------------- */

#define TLOG_TILE_ENTRIES	(-1)		/* the level that names an entry bundle */
#define TLOG_PATH_MAX		96

/*
 * Writes "tile/L/N[.p/W]" (or "tile/entries/N[.p/W]" when level is TLOG_TILE_ENTRIES) into
 * out, N as x-prefixed 3-digit elements (1234067 -> x001/x234/067). width is 1..256, 256
 * meaning a full tile (no .p/ suffix). Returns 0, or -1 on a bad level or width.
 */
int tlog_tile_path(char out[TLOG_PATH_MAX], int level, uint64_t index, unsigned width);
/*
 * The width of tile index at level for a tree of size n: 256 when full, 1..255 when it is
 * that tree's partial tile, 0 when the tree has no such tile.
 */
unsigned tlog_tile_width(int level, uint64_t index, uint64_t n);
/* The number of tiles (full or partial) at level for a tree of size n. */
uint64_t tlog_tile_count(int level, uint64_t n);
/*
 * The contents of hash tile (level, index) of a tree of size n from src: width * 32 bytes
 * into out (caller gives TLOG_TILE_WIDTH * 32 bytes). Returns the width, or -1.
 */
int tlog_tile_build(const struct tlog_nodes *src, int level, uint64_t index, uint64_t n,
    unsigned char *out);

/*
 * Splits an entry bundle (big-endian uint16 length ‖ bytes, repeated) calling each() per
 * entry (a pointer into data) until it returns non-zero. Returns the entry count, or -1 when
 * the bundle is truncated (the entries before the damage were passed to each()).
 */
long tlog_bundle_each(const unsigned char *data, size_t len,
    int (*each)(void *arg, const unsigned char *entry, size_t elen), void *arg);

/*
 * Reads published hash tiles back: a subtree-hash source for the tree of size n whose tiles
 * read() gives (the tile at a C2SP path relative to the log, malloc'd into *data; 0 or -1).
 * Keeps a few tiles cached. tlog_tile_reader_free(NULL) is a no-op.
 */
struct tlog_tile_reader;
struct tlog_tile_reader *tlog_tile_reader_new(uint64_t n,
    int (*read)(void *arg, const char *path, unsigned char **data, size_t *len), void *arg);
void tlog_tile_reader_free(struct tlog_tile_reader *);
struct tlog_nodes tlog_tile_reader_nodes(struct tlog_tile_reader *);
/* The path of the last tile that could not be read or was short, "" when none. */
const char *tlog_tile_reader_failed(const struct tlog_tile_reader *);

/* ---- note.c ----------------------------------------------------------------------------- */

#define TLOG_NOTE_MAX_SIGS	100
#define TLOG_ALG_ED25519	0x01
#define TLOG_ALG_COSIG_V1	0x04

/* A verifier: a key name, its 4-byte key hash, its algorithm byte and Ed25519 key. */
struct tlog_verifier {
	char		*name;			/* owned */
	uint32_t	 hash;
	unsigned char	 alg;			/* TLOG_ALG_ED25519 or TLOG_ALG_COSIG_V1 */
	unsigned char	 pub[32];
};
/* A signer: the same, and the Ed25519 seed. */
struct tlog_signer {
	struct tlog_verifier v;
	unsigned char	 seed[32];
};

/* A valid key name: non-empty UTF-8, no Unicode space, no '+'. */
int tlog_name_ok(const char *name);
/* The key hash: the first 4 bytes of SHA-256(name ‖ "\n" ‖ alg ‖ pub), big-endian. */
uint32_t tlog_key_hash(const char *name, unsigned char alg, const unsigned char pub[32]);

/*
 * Generates an Ed25519 key named name; sets *skey to "PRIVATE+KEY+NAME+HASH+BASE64(0x01‖seed)"
 * and *vkey to "NAME+HASH+BASE64(0x01‖pub)" (both caller frees). Returns 0 or -1 with *err.
 */
int tlog_keygen(const char *name, char **skey, char **vkey, char **err);
/* Parses a verifier key (alg 0x01 or 0x04). Returns 0 (tlog_verifier_clear after) or -1. */
int tlog_verifier_parse(const char *vkey, struct tlog_verifier *v, char **err);
void tlog_verifier_clear(struct tlog_verifier *v);
/* Parses a signer key (surrounding whitespace ignored). Returns 0 or -1 with *err. */
int tlog_signer_parse(const char *skey, struct tlog_signer *s, char **err);
void tlog_signer_clear(struct tlog_signer *s);
/* Reads the signer key file `trustwatch keygen` wrote (record.key). Returns 0 or -1 with *err. */
int tlog_signer_load(const char *path, struct tlog_signer *s, char **err);
/* The verifier key string of s (caller frees). */
char *tlog_signer_vkey(const struct tlog_signer *s);

/* A 64-byte Ed25519 signature over msg by s. Returns 0 or -1. */
int tlog_ed25519_sign(const struct tlog_signer *s, const void *msg, size_t len,
    unsigned char sig[64]);
/* 1 when sig is v's Ed25519 signature over msg, else 0. */
int tlog_ed25519_verify(const struct tlog_verifier *v, const void *msg, size_t len,
    const unsigned char sig[64]);

/* One signature line of a note. */
struct tlog_note_sig {
	char		*name;			/* owned */
	uint32_t	 hash;
	unsigned char	*sig;			/* owned: the bytes after the key hash */
	size_t		 sig_len;
};
/* A parsed note: the text (through its final newline) and its signature lines. */
struct tlog_note {
	char		*text;			/* owned, NUL-terminated */
	size_t		 text_len;
	struct tlog_note_sig *sigs;		/* owned */
	size_t		 n_sigs;
};

/*
 * Signs text (which must end in "\n") with s: returns the note "text\n— NAME BASE64\n"
 * (caller frees), or NULL with *err.
 */
char *tlog_note_sign(const char *text, size_t len, const struct tlog_signer *s, char **err);
/*
 * Parses a signed note: valid UTF-8 without control characters but newline, a blank line
 * before one or more "— NAME BASE64" lines, each ending in "\n", at most TLOG_NOTE_MAX_SIGS.
 * Returns 0 (tlog_note_clear after) or -1 with *err. Verifies nothing.
 */
int tlog_note_parse(const char *msg, size_t len, struct tlog_note *n, char **err);
void tlog_note_clear(struct tlog_note *n);
/* 1 when n carries a line by v (name and hash) whose Ed25519 signature over n's text verifies;
 * 0 when it carries v's line but the signature is wrong; -1 when it carries no line by v. */
int tlog_note_verify(const struct tlog_note *n, const struct tlog_verifier *v);
/* Appends a signature line to a note's encoding (the same helper the signers use). */
char *tlog_note_add_line(const char *note, size_t len, const char *name, uint32_t hash,
    const unsigned char *sig, size_t sig_len);

/* ---- checkpoint.c ----------------------------------------------------------------------- */

/* A checkpoint body: origin, size, root hash, extension lines. */
struct tlog_checkpoint {
	char		*origin;		/* owned */
	uint64_t	 size;
	struct tlog_hash root;
	char	       **ext;			/* owned lines without "\n" */
	size_t		 n_ext;
};
/* The body "ORIGIN\nSIZE\nBASE64(ROOT)\n[EXT\n...]" (caller frees), or NULL on a bad origin
 * or extension line (empty, or holding a newline). */
char *tlog_checkpoint_format(const struct tlog_checkpoint *c);
/* Parses a body (the text of a note). Returns 0 (tlog_checkpoint_clear after) or -1. */
int tlog_checkpoint_parse(const char *text, size_t len, struct tlog_checkpoint *c, char **err);
void tlog_checkpoint_clear(struct tlog_checkpoint *c);
/*
 * The signed checkpoint of the tree e stands for: origin, e's size and root, signed with s
 * as a signed note (caller frees); NULL with *err. What a node publishes every
 * record.checkpoint_every.
 */
char *tlog_checkpoint_sign(const char *origin, const struct tlog_edge *e,
    const struct tlog_signer *s, char **err);

/* ---- cosig.c ---------------------------------------------------------------------------- */

/* Generates a cosigner key (alg 0x04 in the vkey); as tlog_keygen(). */
int tlog_cosig_keygen(const char *name, char **skey, char **vkey, char **err);
/*
 * Adds s's cosignature/v1 line at time t (Unix seconds) to the signed checkpoint note:
 * returns the new note (caller frees) or NULL with *err. s must be a cosigner key (0x04).
 */
char *tlog_cosig_sign(const char *note, size_t len, const struct tlog_signer *s, uint64_t t,
    char **err);
/* 1 when n carries v's valid cosignature (and sets *t), 0 when invalid, -1 when absent. */
int tlog_cosig_verify(const struct tlog_note *n, const struct tlog_verifier *v, uint64_t *t);
/*
 * 1 when the signature line s of n is v's valid cosignature/v1 (and sets *t), else 0 (a
 * signature not 8 + 64 bytes long, a time past 2^63 - 1, or one that does not verify). The
 * line's name and key hash are the caller's to match with v's.
 */
int tlog_cosig_verify_line(const struct tlog_note *n, const struct tlog_note_sig *s,
    const struct tlog_verifier *v, uint64_t *t);
/* v's key as a cosigner (algorithm 0x04, the key hash recomputed): *out to clear after. */
void tlog_cosig_verifier(const struct tlog_verifier *v, struct tlog_verifier *out);

/* ---- publish.c -------------------------------------------------------------------------- */

/* An RFC 3161 token to publish beside a checkpoint. */
struct tlog_tsr {
	const char	*label;			/* NULL: SIZE.tsr, else LABEL/SIZE.tsr ([A-Za-z0-9_-]) */
	const unsigned char *der;
	size_t		 len;
};
struct tlog_signed_checkpoint {
	const char	*note;			/* the signed note, as signed */
	size_t		 len;
	const struct tlog_tsr *tsr;
	size_t		 n_tsr;
};

/*
 * What tlog_publish() writes. entry() sets *data and *len to entry index (borrowed until the next
 * call), returning 0, or -1 with *err (caller frees). It is called with increasing indexes,
 * skipping those whose full bundle was reused from prev_dir.
 */
struct tlog_source {
	int		(*entry)(void *arg, uint64_t index, const unsigned char **data,
			    size_t *len, char **err);
	void		*arg;
	const struct tlog_signed_checkpoint *checkpoints; /* ascending tree size, >= 1 */
	size_t		 n_checkpoints;
	const char	*vkey;			/* the verifier key, written to vkey */
	const char	*prev_dir;		/* the previous render's log/NODE, or NULL */
};

/*
 * Writes site_dir/log/node/: checkpoint (the last checkpoint), checkpoints/SIZE for each,
 * checkpoints/index (their sizes, a line each), tile/L/N[.p/W] hash tiles and
 * tile/entries/N[.p/W] bundles for the last checkpoint's tree and the partial tiles of
 * every earlier size, timestamps/SIZE.tsr and timestamps/LABEL/SIZE.tsr (SPEC §12 names one
 * token per checkpoint, SIZE.tsr: the caller gives one token without a label, the further
 * TSAs' with theirs) and timestamps/index, vkey; and adds node
 * to site_dir/log/nodes. Full entry bundles are taken from prev_dir when there (full tiles
 * never change): their entries are re-hashed, never trusted. Before returning, every
 * checkpoint's root hash is compared with the tree written: a checkpoint that does not
 * match (a wrong entry source, a damaged prev_dir) fails the publication.
 * node is [A-Za-z0-9._-], not "." or "..". Returns 0, or -1 with *err (caller frees).
 */
int tlog_publish(const char *site_dir, const char *node, const struct tlog_source *src,
    char **err);

/* ---- base64 (note.c) -------------------------------------------------------------------- */

/* Standard padded base64 of in (caller frees). */
char *tlog_b64_encode(const unsigned char *in, size_t len);
/* Strict standard padded base64 into *out (caller frees). Returns 0 or -1. */
int tlog_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen);

#endif
