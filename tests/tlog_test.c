/*
 * tlog/: RFC 6962 hashing against a naive recursion, every proof for small trees, C2SP tile
 * paths, signed notes, checkpoints and cosignatures, and tlog_publish() read back.
 * Known answers from golang.org/x/mod/sumdb were printed by tests/interop/vectors/main.go
 * (GOPATH=/usr/share/gocode GO111MODULE=off go run ./tests/interop/vectors).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "tlog/tlog.h"

/* The entry for index i in these tests. */
static void
entry_of(uint64_t i, char *out, size_t outsz)
{
	snprintf(out, outsz, "{\"i\":%llu}", (unsigned long long)i);
}

/* MTH(D[lo:hi]) straight from RFC 6962 §2.1, over entries. */
static void
naive_mth(const struct tlog_hash *leaves, uint64_t lo, uint64_t hi, struct tlog_hash *out)
{
	uint64_t n = hi - lo, k = 1;
	struct tlog_hash l, r;

	if (n == 1) {
		*out = leaves[lo];
		return;
	}
	while (k << 1 < n)
		k <<= 1;
	naive_mth(leaves, lo, lo + k, &l);
	naive_mth(leaves, lo + k, hi, &r);
	tlog_node_hash(&l, &r, out);
}

static struct tlog_hash *
leaves_upto(uint64_t n)
{
	struct tlog_hash *h = xcalloc(n, sizeof(*h));
	char e[64];

	for (uint64_t i = 0; i < n; i++) {
		entry_of(i, e, sizeof(e));
		tlog_leaf_hash(e, strlen(e), &h[i]);
	}
	return h;
}

static void
hash_from_b64(const char *b64, struct tlog_hash *out)
{
	unsigned char *raw;
	size_t len;

	assert_int_equal(tlog_b64_decode(b64, strlen(b64), &raw, &len), 0);
	assert_int_equal(len, TLOG_HASH_SIZE);
	memcpy(out->b, raw, TLOG_HASH_SIZE);
	free(raw);
}

static void
empty_tree_hash_is_sha256_of_nothing(void **state)
{
	struct tlog_hash h, want;
	struct tlog_edge e;

	(void)state;
	hash_from_b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", &want);
	tlog_empty_root(&h);
	assert_true(tlog_hash_eq(&h, &want));
	tlog_edge_init(&e);
	tlog_edge_root(&e, &h);
	assert_true(tlog_hash_eq(&h, &want));
}

static void
tree_hashes_match_go_sumdb_tlog(void **state)
{
	/* tlog.TreeHash over records "a", "b", ... "g" (tests/interop/vectors). */
	static const char *want[] = {
		"Aippeebat6pa5MPl5F9+l3ESp+Y1k4INvsHsc4ok+Tw=",
		"sTeYX/SE+2ANuTEHx3sDZcgNePW0Kd7Q/Zc2HQd5mes=",
		"NmQuc8JUCrEh46a/lUWwokmCzYMOsT080Z3jzmwCHsE=",
		"MzdqO9Y+mZNwioTd/mworli4NQXdH+1xG9kk7FpiOfA=",
		"/hSlQm+9cMD6c/UjQq/tDaC9I8SDhmLM9riKMHDq2Xs=",
		"4Gn8EuIxzP1FFr8WF5Rfs8zVzIkQ2S1iZSifCI93f90=",
		"SuGRk59UjZk0dAuI3qLFy4m7iHD8RQXNed7Gu/qu6cs=",
	};
	struct tlog_tree *t = tlog_tree_new();
	struct tlog_edge e;

	(void)state;
	tlog_edge_init(&e);
	for (int i = 0; i < 7; i++) {
		char c = (char)('a' + i);
		struct tlog_hash leaf, root, w;
		struct tlog_nodes src;

		tlog_leaf_hash(&c, 1, &leaf);
		tlog_tree_append(t, &leaf);
		tlog_edge_append(&e, &leaf);
		src = tlog_tree_nodes(t);
		hash_from_b64(want[i], &w);
		assert_int_equal(tlog_tree_hash(&src, (uint64_t)i + 1, &root), 0);
		assert_true(tlog_hash_eq(&root, &w));
		tlog_edge_root(&e, &root);
		assert_true(tlog_hash_eq(&root, &w));
	}
	tlog_tree_free(t);
}

static void
tree_edge_and_naive_hashes_agree_for_1_to_600_leaves(void **state)
{
	struct tlog_hash *leaves = leaves_upto(600);
	struct tlog_tree *t = tlog_tree_new();
	struct tlog_edge e;
	unsigned char enc[TLOG_EDGE_ENCODED_MAX];

	(void)state;
	tlog_edge_init(&e);
	for (uint64_t n = 1; n <= 600; n++) {
		struct tlog_hash want, got;
		struct tlog_nodes src;
		struct tlog_edge back;
		size_t len;

		tlog_tree_append(t, &leaves[n - 1]);
		tlog_edge_append(&e, &leaves[n - 1]);
		naive_mth(leaves, 0, n, &want);
		src = tlog_tree_nodes(t);
		assert_int_equal(tlog_tree_hash(&src, n, &got), 0);
		assert_true(tlog_hash_eq(&got, &want));
		tlog_edge_root(&e, &got);
		assert_true(tlog_hash_eq(&got, &want));
		len = tlog_edge_encode(&e, enc);
		assert_int_equal(len, 8 + (size_t)__builtin_popcountll(n) * TLOG_HASH_SIZE);
		assert_int_equal(tlog_edge_decode(&back, enc, len), 0);
		tlog_edge_root(&back, &got);
		assert_true(tlog_hash_eq(&got, &want));
		assert_int_equal(tlog_edge_decode(&back, enc, len - 1), -1);
	}
	tlog_tree_free(t);
	free(leaves);
}

static void
every_proof_for_sizes_1_to_70_verifies_and_tampering_fails(void **state)
{
	struct tlog_hash *leaves = leaves_upto(70), proof[TLOG_PROOF_MAX], roots[71];
	struct tlog_tree *t = tlog_tree_new();
	struct tlog_nodes src;
	size_t len;

	(void)state;
	for (int i = 0; i < 70; i++)
		tlog_tree_append(t, &leaves[i]);
	src = tlog_tree_nodes(t);
	for (uint64_t n = 1; n <= 70; n++)
		naive_mth(leaves, 0, n, &roots[n]);
	for (uint64_t n = 1; n <= 70; n++) {
		for (uint64_t i = 0; i < n; i++) {
			assert_int_equal(tlog_prove_inclusion(&src, n, i, proof, &len), 0);
			assert_true(tlog_check_inclusion(proof, len, n, i, &leaves[i], &roots[n]));
			assert_false(tlog_check_inclusion(proof, len, n, i, &leaves[(i + 1) % 70],
			    &roots[n]));
			if (n > 1) {
				assert_false(tlog_check_inclusion(proof, len, n, (i + 1) % n,
				    &leaves[i], &roots[n]));
				assert_false(tlog_check_inclusion(proof, len - 1, n, i, &leaves[i],
				    &roots[n]));
			}
			for (size_t k = 0; k < len; k++) {
				proof[k].b[k % 32] ^= 0x40;
				assert_false(tlog_check_inclusion(proof, len, n, i, &leaves[i],
				    &roots[n]));
				proof[k].b[k % 32] ^= 0x40;
			}
		}
		for (uint64_t m = 1; m <= n; m++) {
			assert_int_equal(tlog_prove_consistency(&src, m, n, proof, &len), 0);
			assert_true(tlog_check_consistency(proof, len, m, n, &roots[m], &roots[n]));
			if (m < n) {
				assert_false(tlog_check_consistency(proof, len, m, n, &roots[m],
				    &roots[m]));
				assert_false(tlog_check_consistency(proof, len, m, n, &roots[n],
				    &roots[n]));
				assert_false(tlog_check_consistency(proof, len - 1, m, n, &roots[m],
				    &roots[n]));
			}
			for (size_t k = 0; k < len; k++) {
				proof[k].b[(k * 7) % 32] ^= 0x01;
				assert_false(tlog_check_consistency(proof, len, m, n, &roots[m],
				    &roots[n]));
				proof[k].b[(k * 7) % 32] ^= 0x01;
			}
		}
	}
	tlog_tree_free(t);
	free(leaves);
}

static void
tile_paths_follow_c2sp_tlog_tiles(void **state)
{
	static const struct {
		int level;
		uint64_t index;
		unsigned width;
		const char *want;
	} cases[] = {
		{ 0, 1234067, 256, "tile/0/x001/x234/067" },
		{ 0, 1234067, 8, "tile/0/x001/x234/067.p/8" },
		{ TLOG_TILE_ENTRIES, 1234067, 256, "tile/entries/x001/x234/067" },
		{ TLOG_TILE_ENTRIES, 5, 255, "tile/entries/005.p/255" },
		{ 1, 0, 256, "tile/1/000" },
		{ 2, 1000, 1, "tile/2/x001/000.p/1" },
		{ 63, 999, 256, "tile/63/999" },
		{ 0, UINT64_MAX, 256, "tile/0/x018/x446/x744/x073/x709/x551/615" },
	};
	char path[TLOG_PATH_MAX];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		assert_int_equal(tlog_tile_path(path, cases[i].level, cases[i].index,
		    cases[i].width), 0);
		assert_string_equal(path, cases[i].want);
	}
	assert_int_equal(tlog_tile_path(path, 64, 0, 256), -1);
	assert_int_equal(tlog_tile_path(path, 0, 0, 0), -1);
	assert_int_equal(tlog_tile_path(path, 0, 0, 257), -1);
}

static void
tile_widths_match_the_spec_example_of_70000(void **state)
{
	(void)state;
	/* 273 full level-0 tiles, a partial of 112; level 1: one full, a partial of 17;
	 * level 2: a partial of 1 (C2SP tlog-tiles). */
	assert_int_equal(tlog_tile_count(0, 70000), 274);
	assert_int_equal(tlog_tile_width(0, 272, 70000), 256);
	assert_int_equal(tlog_tile_width(0, 273, 70000), 112);
	assert_int_equal(tlog_tile_width(0, 274, 70000), 0);
	assert_int_equal(tlog_tile_count(1, 70000), 2);
	assert_int_equal(tlog_tile_width(1, 0, 70000), 256);
	assert_int_equal(tlog_tile_width(1, 1, 70000), 17);
	assert_int_equal(tlog_tile_count(2, 70000), 1);
	assert_int_equal(tlog_tile_width(2, 0, 70000), 1);
	assert_int_equal(tlog_tile_count(3, 70000), 0);
	/* 256: one full level-0 tile and a level-1 tile of width 1 */
	assert_int_equal(tlog_tile_width(0, 0, 256), 256);
	assert_int_equal(tlog_tile_width(1, 0, 256), 1);
}

/* An in-memory set of tiles for the tile reader. */
struct tileset {
	char		 path[4096][TLOG_PATH_MAX];
	unsigned char	*data[4096];
	size_t		 len[4096];
	size_t		 n;
};

static int
tileset_read(void *arg, const char *path, unsigned char **data, size_t *len)
{
	struct tileset *ts = arg;

	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->path[i], path) == 0) {
			*data = xmalloc(ts->len[i]);
			memcpy(*data, ts->data[i], ts->len[i]);
			*len = ts->len[i];
			return 0;
		}
	return -1;
}

static void
tile_reader_recomputes_roots_and_proofs(void **state)
{
	const uint64_t n = 70000;
	struct tlog_hash *leaves = leaves_upto(n), a, b, proof[TLOG_PROOF_MAX];
	struct tlog_tree *t = tlog_tree_new();
	struct tileset *ts = xcalloc(1, sizeof(*ts));
	struct tlog_tile_reader *r;
	struct tlog_nodes src, rsrc;
	size_t len;

	(void)state;
	for (uint64_t i = 0; i < n; i++)
		tlog_tree_append(t, &leaves[i]);
	src = tlog_tree_nodes(t);
	for (int level = 0; level < 3; level++)
		for (uint64_t k = 0; k < tlog_tile_count(level, n); k++) {
			unsigned char *buf = xmalloc(TLOG_TILE_WIDTH * TLOG_HASH_SIZE);
			int w = tlog_tile_build(&src, level, k, n, buf);

			assert_true(w > 0);
			tlog_tile_path(ts->path[ts->n], level, k, (unsigned)w);
			ts->data[ts->n] = buf;
			ts->len[ts->n++] = (size_t)w * TLOG_HASH_SIZE;
		}
	r = tlog_tile_reader_new(n, tileset_read, ts);
	rsrc = tlog_tile_reader_nodes(r);
	assert_int_equal(tlog_tree_hash(&src, n, &a), 0);
	assert_int_equal(tlog_tree_hash(&rsrc, n, &b), 0);
	assert_true(tlog_hash_eq(&a, &b));
	for (uint64_t i = 0; i < n; i += 997) {
		assert_int_equal(tlog_prove_inclusion(&rsrc, n, i, proof, &len), 0);
		assert_true(tlog_check_inclusion(proof, len, n, i, &leaves[i], &a));
	}
	for (uint64_t m = 1; m < n; m = m * 3 + 1) {
		naive_mth(leaves, 0, m, &b);
		assert_int_equal(tlog_prove_consistency(&rsrc, m, n, proof, &len), 0);
		assert_true(tlog_check_consistency(proof, len, m, n, &b, &a));
	}
	/* a missing tile is named */
	free(ts->data[ts->n - 1]);
	ts->data[ts->n - 1] = NULL;
	strcpy(ts->path[ts->n - 1], "gone");
	tlog_tile_reader_free(r);
	r = tlog_tile_reader_new(n, tileset_read, ts);
	rsrc = tlog_tile_reader_nodes(r);
	assert_int_equal(tlog_tree_hash(&rsrc, n, &b), -1);
	assert_string_equal(tlog_tile_reader_failed(r), "tile/2/000.p/1");
	tlog_tile_reader_free(r);
	for (size_t i = 0; i < ts->n; i++)
		free(ts->data[i]);
	free(ts);
	tlog_tree_free(t);
	free(leaves);
}

static int
count_entry(void *arg, const unsigned char *e, size_t len)
{
	(void)e;
	*(size_t *)arg += len;
	return 0;
}

static void
entry_bundles_are_length_prefixed(void **state)
{
	static const unsigned char ok[] = { 0, 2, 'h', 'i', 0, 0, 0, 1, 'x' };
	static const unsigned char cut[] = { 0, 2, 'h', 'i', 0, 5, 'a' };
	size_t bytes = 0;

	(void)state;
	assert_int_equal(tlog_bundle_each(ok, sizeof(ok), count_entry, &bytes), 3);
	assert_int_equal(bytes, 3);
	assert_int_equal(tlog_bundle_each(cut, sizeof(cut), NULL, NULL), -1);
	assert_int_equal(tlog_bundle_each(ok, 1, NULL, NULL), -1);
	assert_int_equal(tlog_bundle_each(ok, 0, NULL, NULL), 0);
}

/* golang.org/x/mod/sumdb/note with the seed 1..32 (tests/interop/vectors). */
static const char go_skey[] =
    "PRIVATE+KEY+example.com/log+556406d6+AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g";
static const char go_vkey[] = "example.com/log+556406d6+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk";
static const char go_text[] = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
static const char go_note[] =
    "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    "\xe2\x80\x94 example.com/log VWQG1rH43UCivb8JyGyqH9T2NTaFs3oJAWIfMcJoLLXvo5dggqh0hmeVKMPtgI"
    "LHS0gYuBm7r2D9JVglT3Ob6A7jTAI=\n";

static void
notes_match_go_sumdb_note(void **state)
{
	struct tlog_signer s;
	struct tlog_verifier v;
	struct tlog_note n;
	char *vk, *signed_note;

	(void)state;
	{
		char tmpl[] = "/tmp/tw-tlog-key.XXXXXX";
		int fd = mkstemp(tmpl);
		struct tlog_edge e;
		struct tlog_note cn;
		struct tlog_checkpoint c;
		char *cp, *err = NULL;

		assert_true(fd >= 0);
		assert_int_equal(write(fd, go_skey, strlen(go_skey)), (ssize_t)strlen(go_skey));
		assert_int_equal(write(fd, "\n", 1), 1);
		close(fd);
		assert_int_equal(tlog_signer_load(tmpl, &s, &err), 0);
		tlog_signer_clear(&s);		/* the next load starts from a zeroed signer */
		unlink(tmpl);
		assert_int_equal(tlog_signer_load(tmpl, &s, &err), -1);
		assert_non_null(err);
		free(err);
		/* a checkpoint signed from a right edge */
		tlog_edge_init(&e);
		for (int i = 0; i < 7; i++) {
			char ch = (char)('a' + i);
			struct tlog_hash leaf;
			tlog_leaf_hash(&ch, 1, &leaf);
			tlog_edge_append(&e, &leaf);
		}
		assert_int_equal(tlog_signer_load(tmpl, &s, NULL), -1);
		assert_int_equal(tlog_signer_parse(go_skey, &s, NULL), 0);
		cp = tlog_checkpoint_sign("example.com/log", &e, &s, NULL);
		assert_non_null(cp);
		assert_int_equal(tlog_note_parse(cp, strlen(cp), &cn, NULL), 0);
		assert_string_equal(cn.text, "example.com/log\n7\n"
		    "SuGRk59UjZk0dAuI3qLFy4m7iHD8RQXNed7Gu/qu6cs=\n");
		assert_int_equal(tlog_checkpoint_parse(cn.text, cn.text_len, &c, NULL), 0);
		assert_int_equal(c.size, 7);
		tlog_checkpoint_clear(&c);
		tlog_note_clear(&cn);
		free(cp);
		assert_null(tlog_checkpoint_sign("two\nlines", &e, &s, NULL));
		tlog_signer_clear(&s);
	}
	assert_int_equal(tlog_signer_parse(go_skey, &s, NULL), 0);
	vk = tlog_signer_vkey(&s);
	assert_string_equal(vk, go_vkey);
	/* Ed25519 is deterministic: the same text signs to Go's bytes */
	signed_note = tlog_note_sign(go_text, strlen(go_text), &s, NULL);
	assert_non_null(signed_note);
	assert_string_equal(signed_note, go_note);
	assert_int_equal(tlog_verifier_parse(go_vkey, &v, NULL), 0);
	assert_int_equal(tlog_note_parse(go_note, strlen(go_note), &n, NULL), 0);
	assert_int_equal(n.n_sigs, 1);
	assert_string_equal(n.text, go_text);
	assert_int_equal(tlog_note_verify(&n, &v), 1);
	tlog_note_clear(&n);
	free(vk);
	free(signed_note);
	tlog_verifier_clear(&v);
	tlog_signer_clear(&s);
}

static void
note_round_trip_and_wrong_key(void **state)
{
	char *skey, *vkey, *skey2, *vkey2, *signed_note;
	struct tlog_signer s;
	struct tlog_verifier v, v2;
	struct tlog_note n;

	(void)state;
	assert_int_equal(tlog_keygen("trust.example/node-a", &skey, &vkey, NULL), 0);
	assert_int_equal(tlog_keygen("trust.example/node-a", &skey2, &vkey2, NULL), 0);
	assert_int_equal(tlog_signer_parse(skey, &s, NULL), 0);
	assert_int_equal(tlog_verifier_parse(vkey, &v, NULL), 0);
	assert_int_equal(tlog_verifier_parse(vkey2, &v2, NULL), 0);
	signed_note = tlog_note_sign("hello\nworld\n", 12, &s, NULL);
	assert_non_null(signed_note);
	assert_int_equal(tlog_note_parse(signed_note, strlen(signed_note), &n, NULL), 0);
	assert_int_equal(tlog_note_verify(&n, &v), 1);
	assert_int_equal(tlog_note_verify(&n, &v2), -1);	/* another key: no line by it */
	n.text[0] = 'j';
	assert_int_equal(tlog_note_verify(&n, &v), 0);
	tlog_note_clear(&n);
	/* key strings refused */
	free(skey2);
	free(vkey2);
	skey2 = vkey2 = NULL;
	assert_int_equal(tlog_keygen("bad name", &skey2, &vkey2, NULL), -1);
	tlog_verifier_clear(&v2);
	assert_int_equal(tlog_verifier_parse("a+b+c", &v2, NULL), -1);
	{
		char *bad = xstrdup(vkey);
		char *plus = strchr(bad, '+');
		plus[1] = plus[1] == '0' ? '1' : '0';	/* a wrong key hash */
		assert_int_equal(tlog_verifier_parse(bad, &v2, NULL), -1);
		free(bad);
	}
	{
		struct tlog_signer other;
		assert_int_equal(tlog_signer_parse(vkey, &other, NULL), -1);
	}
	free(skey);
	free(vkey);
	free(skey2);
	free(vkey2);
	free(signed_note);
	tlog_verifier_clear(&v);
	tlog_verifier_clear(&v2);
	tlog_signer_clear(&s);
}

static void
malformed_notes_are_refused(void **state)
{
	static const char *const bad[] = {
		"no signature block\n",
		"text\n\n",						/* no signature line */
		"text\n\n\xe2\x80\x94 k AAAAAAAA\n\xe2\x80\x94 k AAAAAAAA",	/* no final newline */
		"text\n\n- k AAAAAAAA\n",				/* not an em dash */
		"text\n\n\xe2\x80\x94 k AAAA\n",				/* < 5 bytes */
		"text\n\n\xe2\x80\x94 k not*base64\n",
		"text\n\n\xe2\x80\x94 k+x AAAAAAAA\n",			/* '+' in the name */
		"text\n\n\xe2\x80\x94  AAAAAAAA\n",			/* empty name */
		"te\xffxt\n\n\xe2\x80\x94 k AAAAAAAA\n",			/* not UTF-8 */
		"te\xc0\xafxt\n\n\xe2\x80\x94 k AAAAAAAA\n",		/* overlong */
		"te\txt\n\n\xe2\x80\x94 k AAAAAAAA\n",			/* control character */
		"text\n\n\xe2\x80\x94 k\xc2\xa0x AAAAAAAA\n",		/* Unicode space in name */
	};
	struct tlog_note n;
	struct buf many = { 0 };
	char *err = NULL;

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		assert_int_equal(tlog_note_parse(bad[i], strlen(bad[i]), &n, &err), -1);
		assert_non_null(err);
		FREE_NULL(err);
	}
	{
		const char *good = "text\n\n\xe2\x80\x94 k AAAAAAAA\n";
		assert_int_equal(tlog_note_parse(good, strlen(good), &n, NULL), 0);
	}
	tlog_note_clear(&n);
	buf_printf(&many, "text\n\n");
	for (int i = 0; i < TLOG_NOTE_MAX_SIGS; i++)
		buf_printf(&many, "\xe2\x80\x94 k%d AAAAAAAA\n", i);
	assert_int_equal(tlog_note_parse((char *)many.data, many.len, &n, NULL), 0);
	tlog_note_clear(&n);
	buf_printf(&many, "\xe2\x80\x94 one-too-many AAAAAAAA\n");
	assert_int_equal(tlog_note_parse((char *)many.data, many.len, &n, &err), -1);
	assert_non_null(strstr(err, "too many"));
	free(err);
	buf_free(&many);
}

static void
checkpoints_format_and_parse(void **state)
{
	struct tlog_checkpoint c = { 0 }, back;
	char *ext[] = { "ext one", "ext two" };
	static const char *const bad[] = {
		"",
		"origin\n",
		"origin\n12\n",
		"\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n012\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
		"origin\n12\nAAAA\n",
		"origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
		"origin\n12\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next",
	};
	char *text, *err = NULL;

	(void)state;
	c.origin = "trust.example/node-a";
	c.size = 1234567;
	tlog_empty_root(&c.root);
	c.ext = ext;
	c.n_ext = 2;
	text = tlog_checkpoint_format(&c);
	assert_string_equal(text, "trust.example/node-a\n1234567\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next two\n");
	assert_int_equal(tlog_checkpoint_parse(text, strlen(text), &back, NULL), 0);
	assert_string_equal(back.origin, c.origin);
	assert_int_equal(back.size, c.size);
	assert_true(tlog_hash_eq(&back.root, &c.root));
	assert_int_equal(back.n_ext, 2);
	assert_string_equal(back.ext[1], "ext two");
	tlog_checkpoint_clear(&back);
	free(text);
	for (size_t i = 0; i < NELEM(bad); i++) {
		assert_int_equal(tlog_checkpoint_parse(bad[i], strlen(bad[i]), &back, &err), -1);
		FREE_NULL(err);
	}
	c.origin = "two\nlines";
	assert_null(tlog_checkpoint_format(&c));
}

static void
cosignatures_round_trip_and_bind_the_time(void **state)
{
	char *skey, *vkey, *cskey, *cvkey, *note, *cosigned, *forged;
	struct tlog_signer s, cs;
	struct tlog_verifier v, cv;
	struct tlog_note n;
	uint64_t t = 0;
	const char *body = "trust.example/node-a\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

	(void)state;
	assert_int_equal(tlog_keygen("trust.example/node-a", &skey, &vkey, NULL), 0);
	assert_int_equal(tlog_cosig_keygen("witness.example/w1", &cskey, &cvkey, NULL), 0);
	assert_int_equal(tlog_signer_parse(skey, &s, NULL), 0);
	assert_int_equal(tlog_signer_parse(cskey, &cs, NULL), 0);
	assert_int_equal(tlog_verifier_parse(vkey, &v, NULL), 0);
	assert_int_equal(tlog_verifier_parse(cvkey, &cv, NULL), 0);
	assert_int_equal(cv.alg, TLOG_ALG_COSIG_V1);
	assert_int_equal(cv.hash, tlog_key_hash("witness.example/w1", 0x04, cv.pub));
	note = tlog_note_sign(body, strlen(body), &s, NULL);
	/* a note key cannot cosign, a cosigner key cannot sign notes */
	assert_null(tlog_cosig_sign(note, strlen(note), &s, 1, NULL));
	cosigned = tlog_cosig_sign(note, strlen(note), &cs, 1700000000, NULL);
	assert_non_null(cosigned);
	assert_int_equal(tlog_note_parse(cosigned, strlen(cosigned), &n, NULL), 0);
	assert_int_equal(n.n_sigs, 2);
	assert_int_equal(n.sigs[1].sig_len, 72);
	assert_int_equal(tlog_note_verify(&n, &v), 1);
	assert_int_equal(tlog_cosig_verify(&n, &cv, &t), 1);
	assert_int_equal(t, 1700000000);
	/* another time in the signature line: invalid */
	n.sigs[1].sig[7] ^= 1;
	assert_int_equal(tlog_cosig_verify(&n, &cv, NULL), 0);
	tlog_note_clear(&n);
	/* a changed body: invalid */
	forged = xstrdup(cosigned);
	forged[strlen("trust.example/node-a\n")] = '6';
	assert_int_equal(tlog_note_parse(forged, strlen(forged), &n, NULL), 0);
	assert_int_equal(tlog_cosig_verify(&n, &cv, NULL), 0);
	assert_int_equal(tlog_note_verify(&n, &v), 0);
	tlog_note_clear(&n);
	/* line by line, with the key derived from the note key the way a node co-signs */
	{
		struct tlog_signer ns;
		struct tlog_verifier nv, derived;
		char *nskey, *nvkey, *by_node;
		struct tlog_note m;

		assert_int_equal(tlog_keygen("trust.example/node-b", &nskey, &nvkey, NULL), 0);
		assert_int_equal(tlog_signer_parse(nskey, &ns, NULL), 0);
		assert_int_equal(tlog_verifier_parse(nvkey, &nv, NULL), 0);
		ns.v.alg = TLOG_ALG_COSIG_V1;
		ns.v.hash = tlog_key_hash(ns.v.name, TLOG_ALG_COSIG_V1, ns.v.pub);
		by_node = tlog_cosig_sign(note, strlen(note), &ns, 1700000001, NULL);
		assert_non_null(by_node);
		tlog_cosig_verifier(&nv, &derived);
		assert_int_equal(derived.alg, TLOG_ALG_COSIG_V1);
		assert_int_equal(derived.hash, ns.v.hash);
		assert_int_not_equal(derived.hash, nv.hash);
		assert_int_equal(tlog_note_parse(by_node, strlen(by_node), &m, NULL), 0);
		assert_int_equal(m.n_sigs, 2);
		assert_int_equal(tlog_cosig_verify_line(&m, &m.sigs[1], &derived, &t), 1);
		assert_int_equal(t, 1700000001);
		assert_int_equal(tlog_cosig_verify_line(&m, &m.sigs[0], &derived, NULL), 0);
		assert_int_equal(tlog_cosig_verify_line(&m, &m.sigs[1], &nv, NULL), 0);
		m.sigs[1].sig[30] ^= 1;
		assert_int_equal(tlog_cosig_verify_line(&m, &m.sigs[1], &derived, NULL), 0);
		m.sigs[1].sig_len = 64;
		assert_int_equal(tlog_cosig_verify_line(&m, &m.sigs[1], &derived, NULL), 0);
		m.sigs[1].sig_len = 72;
		tlog_note_clear(&m);
		free(by_node);
		free(nskey);
		free(nvkey);
		tlog_signer_clear(&ns);
		tlog_verifier_clear(&nv);
		tlog_verifier_clear(&derived);
	}
	/* no cosignature at all */
	assert_int_equal(tlog_note_parse(note, strlen(note), &n, NULL), 0);
	assert_int_equal(tlog_cosig_verify(&n, &cv, NULL), -1);
	tlog_note_clear(&n);
	free(forged);
	free(cosigned);
	free(note);
	free(skey);
	free(vkey);
	free(cskey);
	free(cvkey);
	tlog_signer_clear(&s);
	tlog_signer_clear(&cs);
	tlog_verifier_clear(&v);
	tlog_verifier_clear(&cv);
}

/* ---- tlog_publish ------------------------------------------------------------------------ */

struct entries {
	char		 buf[64];
	uint64_t	 calls;
	int		 corrupt;		/* 1: entry 3 differs */
};

static int
entry_cb(void *arg, uint64_t index, const unsigned char **data, size_t *len, char **err)
{
	struct entries *e = arg;

	(void)err;
	entry_of(index, e->buf, sizeof(e->buf));
	if (e->corrupt && index == 3)
		e->buf[1] = 'X';
	e->calls++;
	*data = (const unsigned char *)e->buf;
	*len = strlen(e->buf);
	return 0;
}

/* A checkpoint note for the first size entries, signed with s. */
static char *
checkpoint_note(const struct tlog_signer *s, uint64_t size)
{
	struct tlog_hash *leaves = leaves_upto(size ? size : 1);
	struct tlog_checkpoint c = { .origin = "trust.example/node-a", .size = size };
	char *body, *note;

	if (size == 0)
		tlog_empty_root(&c.root);
	else
		naive_mth(leaves, 0, size, &c.root);
	body = tlog_checkpoint_format(&c);
	note = tlog_note_sign(body, strlen(body), s, NULL);
	free(body);
	free(leaves);
	return note;
}

static int
file_exists(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	struct stat st;
	int ok = stat(p, &st) == 0;

	free(p);
	return ok;
}

static int
dir_read(void *arg, const char *path, unsigned char **data, size_t *len)
{
	char *p = xasprintf("%s/%s", (const char *)arg, path);
	int rc = file_read(p, 1 << 20, data, len);

	free(p);
	return rc;
}

static void
publish_writes_tiles_that_read_back(void **state)
{
	char tmpl[] = "/tmp/tw-tlog-test.XXXXXX", *dir = mkdtemp(tmpl), *skey, *vkey, *err = NULL;
	char *notes[3], *site2, *base, *base2, *cmd;
	uint64_t sizes[3] = { 300, 700, 1000 };
	struct tlog_signed_checkpoint cps[3];
	struct entries ents = { 0 };
	struct tlog_source src = { .entry = entry_cb, .arg = &ents, .checkpoints = cps,
	    .n_checkpoints = 3 };
	struct tlog_signer s;
	struct tlog_tile_reader *r;
	struct tlog_nodes rsrc;
	struct tlog_hash root, *leaves = leaves_upto(1000);

	(void)state;
	assert_non_null(dir);
	assert_int_equal(tlog_keygen("trust.example/node-a", &skey, &vkey, NULL), 0);
	assert_int_equal(tlog_signer_parse(skey, &s, NULL), 0);
	/* two TSAs on checkpoint 700: SPEC §12's SIZE.tsr, and the other's LABEL/SIZE.tsr */
	const struct tlog_tsr tsr[2] = { { NULL, (const unsigned char *)"A", 1 },
	    { "p2-tsa", (const unsigned char *)"BB", 2 } };

	for (int i = 0; i < 3; i++) {
		notes[i] = checkpoint_note(&s, sizes[i]);
		cps[i] = (struct tlog_signed_checkpoint){ .note = notes[i], .len = strlen(notes[i]) };
	}
	cps[1].tsr = tsr;
	cps[1].n_tsr = 2;
	src.vkey = vkey;
	assert_int_equal(tlog_publish(dir, "node-a", &src, &err), 0);
	assert_null(err);
	assert_int_equal(ents.calls, 1000);
	base = xasprintf("%s/log/node-a", dir);
	assert_true(file_exists(base, "checkpoint"));
	assert_true(file_exists(base, "checkpoints/300"));
	assert_true(file_exists(base, "checkpoints/1000"));
	assert_true(file_exists(base, "vkey"));
	assert_true(file_exists(base, "tile/0/000"));
	assert_true(file_exists(base, "tile/0/001.p/44"));	/* size 300 */
	assert_true(file_exists(base, "tile/0/002.p/188"));	/* size 700 */
	assert_true(file_exists(base, "tile/0/003.p/232"));	/* size 1000 */
	assert_true(file_exists(base, "tile/entries/003.p/232"));
	assert_true(file_exists(base, "tile/entries/001.p/44"));
	assert_true(file_exists(base, "tile/1/000.p/1"));
	assert_true(file_exists(base, "tile/1/000.p/2"));
	assert_true(file_exists(base, "tile/1/000.p/3"));
	assert_true(file_exists(dir, "log/nodes"));
	assert_true(file_exists(base, "timestamps/700.tsr"));
	assert_true(file_exists(base, "timestamps/p2-tsa/700.tsr"));
	assert_false(file_exists(base, "timestamps/300.tsr"));
	{
		unsigned char *idx;
		size_t ilen;
		char *p = xasprintf("%s/timestamps/index", base);

		assert_int_equal(file_read(p, 4096, &idx, &ilen), 0);
		assert_int_equal(ilen, strlen("700.tsr\np2-tsa/700.tsr\n"));
		assert_memory_equal(idx, "700.tsr\np2-tsa/700.tsr\n", ilen);
		free(idx);
		free(p);
	}
	for (int i = 0; i < 3; i++) {
		r = tlog_tile_reader_new(sizes[i], dir_read, base);
		rsrc = tlog_tile_reader_nodes(r);
		assert_int_equal(tlog_tree_hash(&rsrc, sizes[i], &root), 0);
		{
			struct tlog_hash want;
			naive_mth(leaves, 0, sizes[i], &want);
			assert_true(tlog_hash_eq(&root, &want));
		}
		tlog_tile_reader_free(r);
	}

	/* a re-render reusing full bundles fetches only the partial tile's entries and writes
	 * the same files */
	site2 = xasprintf("%s/site2", dir);
	src.prev_dir = base;
	ents.calls = 0;
	assert_int_equal(tlog_publish(site2, "node-a", &src, &err), 0);
	assert_int_equal(ents.calls, 232);
	base2 = xasprintf("%s/log/node-a", site2);
	cmd = xasprintf("diff -r %s %s >/dev/null", base, base2);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	/* entries that do not match the checkpoints are never published as valid */
	ents.corrupt = 1;
	src.prev_dir = NULL;
	assert_int_equal(tlog_publish(site2, "node-a", &src, &err), -1);
	assert_non_null(strstr(err, "checkpoint 300"));
	FREE_NULL(err);
	ents.corrupt = 0;
	assert_int_equal(tlog_publish(site2, "../x", &src, &err), -1);
	FREE_NULL(err);

	cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	for (int i = 0; i < 3; i++)
		free(notes[i]);
	free(site2);
	free(base);
	free(base2);
	free(leaves);
	free(skey);
	free(vkey);
	tlog_signer_clear(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_tree_hash_is_sha256_of_nothing),
		cmocka_unit_test(tree_hashes_match_go_sumdb_tlog),
		cmocka_unit_test(tree_edge_and_naive_hashes_agree_for_1_to_600_leaves),
		cmocka_unit_test(every_proof_for_sizes_1_to_70_verifies_and_tampering_fails),
		cmocka_unit_test(tile_paths_follow_c2sp_tlog_tiles),
		cmocka_unit_test(tile_widths_match_the_spec_example_of_70000),
		cmocka_unit_test(tile_reader_recomputes_roots_and_proofs),
		cmocka_unit_test(entry_bundles_are_length_prefixed),
		cmocka_unit_test(notes_match_go_sumdb_note),
		cmocka_unit_test(note_round_trip_and_wrong_key),
		cmocka_unit_test(malformed_notes_are_refused),
		cmocka_unit_test(checkpoints_format_and_parse),
		cmocka_unit_test(cosignatures_round_trip_and_bind_the_time),
		cmocka_unit_test(publish_writes_tiles_that_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
