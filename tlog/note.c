/*
 * C2SP signed-note with Ed25519, keys encoded as golang.org/x/mod/sumdb/note encodes them:
 * verifier "NAME+HASH+BASE64(alg ‖ pub)", signer "PRIVATE+KEY+NAME+HASH+BASE64(alg ‖ seed)".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tlog.h"
#include "../core/util.h"

#define EM_DASH		"\xe2\x80\x94"

static void
set_err(char **err, const char *msg)
{
	if (err != NULL)
		*err = xstrdup(msg);
}

/* A NUL-terminated copy of s[0..n) (caller frees). */
static char *
dup_n(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- base64 ------------------------------------------------------------------------------ */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
tlog_b64_encode(const unsigned char *in, size_t len)
{
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *p = out;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*p++ = b64chars[v >> 18 & 63];
		*p++ = b64chars[v >> 12 & 63];
		*p++ = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
		*p++ = i + 2 < len ? b64chars[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

static int
b64val(char c)
{
	const char *p = c != '\0' ? strchr(b64chars, c) : NULL;

	return p != NULL ? (int)(p - b64chars) : -1;
}

int
tlog_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	size_t n = 0;

	if (len % 4 != 0)
		return -1;
	o = xmalloc(len / 4 * 3 + 1);
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[j] = b64val(in[i + j])) < 0) {
				free(o);
				return -1;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		    (uint32_t)v[3];
		o[n++] = (unsigned char)(w >> 16);
		if (pad < 2)
			o[n++] = (unsigned char)(w >> 8);
		if (pad < 1)
			o[n++] = (unsigned char)w;
	}
	*out = o;
	*outlen = n;
	return 0;
}

/* ---- names, UTF-8 ------------------------------------------------------------------------ */

/* Decodes one UTF-8 sequence at s (n bytes left): the code point and *size, or -1. */
static long
utf8_decode(const unsigned char *s, size_t n, size_t *size)
{
	long c;
	size_t need;

	if (s[0] < 0x80) {
		*size = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		c = s[0] & 0x07;
	} else
		return -1;
	if (n < need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && c < 0x800) || (need == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*size = need;
	return c;
}

/* Unicode White_Space, as Go's unicode.IsSpace. */
static int
is_space(long c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

static int
name_ok(const char *name, size_t len)
{
	size_t i = 0, size;
	long c;

	if (len == 0)
		return 0;
	while (i < len) {
		if ((c = utf8_decode((const unsigned char *)name + i, len - i, &size)) < 0 ||
		    is_space(c) || c == '+')
			return 0;
		i += size;
	}
	return 1;
}

int
tlog_name_ok(const char *name)
{
	return name != NULL && name_ok(name, strlen(name));
}

uint32_t
tlog_key_hash(const char *name, unsigned char alg, const unsigned char pub[32])
{
	unsigned char md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name)) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1 || EVP_DigestUpdate(ctx, &alg, 1) != 1 ||
	    EVP_DigestUpdate(ctx, pub, 32) != 1 || EVP_DigestFinal_ex(ctx, md, &n) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
}

/* ---- keys -------------------------------------------------------------------------------- */

static int
seed_to_pub(const unsigned char seed[32], unsigned char pub[32])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t len = 32;
	int ok;

	if (k == NULL)
		return -1;
	ok = EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == 32;
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

static char *
key_string(const char *prefix, const char *name, uint32_t hash, unsigned char alg,
    const unsigned char key[32])
{
	unsigned char raw[33];
	char *b64, *s;

	raw[0] = alg;
	memcpy(raw + 1, key, 32);
	b64 = tlog_b64_encode(raw, sizeof(raw));
	s = xasprintf("%s%s+%08x+%s", prefix, name, (unsigned)hash, b64);
	free(b64);
	OPENSSL_cleanse(raw, sizeof(raw));
	return s;
}

static int
keygen_alg(const char *name, unsigned char alg, char **skey, char **vkey, char **err)
{
	struct tlog_signer s;

	memset(&s, 0, sizeof(s));
	if (!tlog_name_ok(name)) {
		set_err(err, "key name must be non-empty UTF-8 without spaces or '+'");
		return -1;
	}
	if (RAND_bytes(s.seed, 32) != 1 || seed_to_pub(s.seed, s.v.pub) != 0) {
		set_err(err, "cannot generate an Ed25519 key");
		return -1;
	}
	s.v.alg = alg;
	s.v.hash = tlog_key_hash(name, alg, s.v.pub);
	*skey = key_string("PRIVATE+KEY+", name, s.v.hash, alg, s.seed);
	*vkey = key_string("", name, s.v.hash, alg, s.v.pub);
	OPENSSL_cleanse(s.seed, sizeof(s.seed));
	return 0;
}

int
tlog_keygen(const char *name, char **skey, char **vkey, char **err)
{
	return keygen_alg(name, TLOG_ALG_ED25519, skey, vkey, err);
}

int
tlog_cosig_keygen(const char *name, char **skey, char **vkey, char **err)
{
	return keygen_alg(name, TLOG_ALG_COSIG_V1, skey, vkey, err);
}

/* Splits "NAME+HASH+BASE64" into its parts: the name (caller frees), hash, decoded key. */
static int
split_key(const char *s, size_t len, char **name, uint32_t *hash, unsigned char *alg,
    unsigned char key[32])
{
	const char *p1 = memchr(s, '+', len), *p2;
	unsigned char *raw = NULL;
	size_t rawlen;
	char hex[9], *end;

	if (p1 == NULL || (p2 = memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - s))) == NULL ||
	    p2 - p1 - 1 != 8 || !name_ok(s, (size_t)(p1 - s)))
		return -1;
	memcpy(hex, p1 + 1, 8);
	hex[8] = '\0';
	for (int i = 0; i < 8; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f') ||
		    (hex[i] >= 'A' && hex[i] <= 'F')))
			return -1;
	*hash = (uint32_t)strtoul(hex, &end, 16);
	if (tlog_b64_decode(p2 + 1, len - (size_t)(p2 + 1 - s), &raw, &rawlen) != 0)
		return -1;
	if (rawlen != 33) {
		free(raw);
		return -1;
	}
	*alg = raw[0];
	memcpy(key, raw + 1, 32);
	OPENSSL_cleanse(raw, rawlen);
	free(raw);
	*name = dup_n(s, (size_t)(p1 - s));
	return 0;
}

int
tlog_verifier_parse(const char *vkey, struct tlog_verifier *v, char **err)
{
	size_t len = strlen(vkey);

	memset(v, 0, sizeof(*v));
	while (len > 0 && (vkey[len - 1] == '\n' || vkey[len - 1] == '\r' || vkey[len - 1] == ' '))
		len--;
	if (split_key(vkey, len, &v->name, &v->hash, &v->alg, v->pub) != 0) {
		set_err(err, "malformed verifier key (want NAME+HASH+BASE64)");
		return -1;
	}
	if (v->alg != TLOG_ALG_ED25519 && v->alg != TLOG_ALG_COSIG_V1) {
		set_err(err, "verifier key: unknown algorithm");
		tlog_verifier_clear(v);
		return -1;
	}
	if (tlog_key_hash(v->name, v->alg, v->pub) != v->hash) {
		set_err(err, "verifier key: the key hash does not match the name and key");
		tlog_verifier_clear(v);
		return -1;
	}
	return 0;
}

void
tlog_verifier_clear(struct tlog_verifier *v)
{
	FREE_NULL(v->name);
}

int
tlog_signer_parse(const char *skey, struct tlog_signer *s, char **err)
{
	static const char prefix[] = "PRIVATE+KEY+";
	size_t len;

	memset(s, 0, sizeof(*s));
	while (*skey == ' ' || *skey == '\n' || *skey == '\r' || *skey == '\t')
		skey++;
	len = strlen(skey);
	while (len > 0 && (skey[len - 1] == '\n' || skey[len - 1] == '\r' ||
	    skey[len - 1] == ' ' || skey[len - 1] == '\t'))
		len--;
	if (len < sizeof(prefix) - 1 || memcmp(skey, prefix, sizeof(prefix) - 1) != 0 ||
	    split_key(skey + sizeof(prefix) - 1, len - (sizeof(prefix) - 1), &s->v.name,
	    &s->v.hash, &s->v.alg, s->seed) != 0) {
		set_err(err, "malformed signer key (want PRIVATE+KEY+NAME+HASH+BASE64)");
		return -1;
	}
	if ((s->v.alg != TLOG_ALG_ED25519 && s->v.alg != TLOG_ALG_COSIG_V1) ||
	    seed_to_pub(s->seed, s->v.pub) != 0 ||
	    tlog_key_hash(s->v.name, s->v.alg, s->v.pub) != s->v.hash) {
		set_err(err, "signer key: unknown algorithm or a key hash that does not match");
		tlog_signer_clear(s);
		return -1;
	}
	return 0;
}

int
tlog_signer_load(const char *path, struct tlog_signer *s, char **err)
{
	unsigned char *data;
	size_t len;
	int rc;

	memset(s, 0, sizeof(*s));
	if (file_read(path, 4096, &data, &len) != 0) {
		if (err != NULL)
			*err = xasprintf("%s: %s", path, errno == EFBIG ? "too large for a key" :
			    file_strerror(errno));
		return -1;
	}
	rc = tlog_signer_parse((char *)data, s, NULL);
	OPENSSL_cleanse(data, len);
	free(data);
	if (rc != 0 && err != NULL)
		*err = xasprintf("%s: not a signer key PRIVATE+KEY+NAME+HASH+BASE64", path);
	return rc;
}

void
tlog_signer_clear(struct tlog_signer *s)
{
	tlog_verifier_clear(&s->v);
	OPENSSL_cleanse(s->seed, sizeof(s->seed));
}

char *
tlog_signer_vkey(const struct tlog_signer *s)
{
	return key_string("", s->v.name, s->v.hash, s->v.alg, s->v.pub);
}

int
tlog_ed25519_sign(const struct tlog_signer *s, const void *msg, size_t len,
    unsigned char sig[64])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, s->seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = 64;
	int ok;

	ok = k != NULL && ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == 64;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

int
tlog_ed25519_verify(const struct tlog_verifier *v, const void *msg, size_t len,
    const unsigned char sig[64])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, v->pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = k != NULL && ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok;
}

/* ---- notes ------------------------------------------------------------------------------- */

char *
tlog_note_add_line(const char *note, size_t len, const char *name, uint32_t hash,
    const unsigned char *sig, size_t sig_len)
{
	unsigned char *raw = xmalloc(4 + sig_len);
	char *b64, *out;

	raw[0] = (unsigned char)(hash >> 24);
	raw[1] = (unsigned char)(hash >> 16);
	raw[2] = (unsigned char)(hash >> 8);
	raw[3] = (unsigned char)hash;
	memcpy(raw + 4, sig, sig_len);
	b64 = tlog_b64_encode(raw, 4 + sig_len);
	out = xasprintf("%.*s" EM_DASH " %s %s\n", (int)len, note, name, b64);
	free(raw);
	free(b64);
	return out;
}

/* 0 when text[0..len) is UTF-8 with no control character but newline. */
static int
text_ok(const char *text, size_t len)
{
	size_t i = 0, size;
	long c;

	while (i < len) {
		c = utf8_decode((const unsigned char *)text + i, len - i, &size);
		if (c < 0 || (c < 0x20 && c != '\n'))
			return -1;
		i += size;
	}
	return 0;
}

char *
tlog_note_sign(const char *text, size_t len, const struct tlog_signer *s, char **err)
{
	unsigned char sig[64];
	char *body, *out;

	if (len == 0 || text[len - 1] != '\n' || text_ok(text, len) != 0) {
		set_err(err, "note text must be UTF-8 without control characters, ending in a newline");
		return NULL;
	}
	if (s->v.alg != TLOG_ALG_ED25519 || tlog_ed25519_sign(s, text, len, sig) != 0) {
		set_err(err, "cannot sign: not an Ed25519 note key");
		return NULL;
	}
	body = xasprintf("%.*s\n", (int)len, text);
	out = tlog_note_add_line(body, len + 1, s->v.name, s->v.hash, sig, sizeof(sig));
	free(body);
	return out;
}

void
tlog_note_clear(struct tlog_note *n)
{
	for (size_t i = 0; i < n->n_sigs; i++) {
		free(n->sigs[i].name);
		free(n->sigs[i].sig);
	}
	free(n->sigs);
	free(n->text);
	memset(n, 0, sizeof(*n));
}

int
tlog_note_parse(const char *msg, size_t len, struct tlog_note *n, char **err)
{
	const char *split = NULL, *p, *end = msg + len, *nl, *sp;
	unsigned char *raw;
	size_t rawlen;

	memset(n, 0, sizeof(*n));
	if (text_ok(msg, len) != 0) {
		set_err(err, "malformed note: not UTF-8, or a control character");
		return -1;
	}
	for (p = msg; p + 1 < end; p++)
		if (p[0] == '\n' && p[1] == '\n')
			split = p;
	if (split == NULL || end == split + 2 || end[-1] != '\n') {
		set_err(err, "malformed note: no signature block, or no final newline");
		return -1;
	}
	n->text_len = (size_t)(split + 1 - msg);
	n->text = dup_n(msg, n->text_len);
	for (p = split + 2; p < end; p = nl + 1) {
		struct tlog_note_sig *s;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (n->n_sigs == TLOG_NOTE_MAX_SIGS) {
			set_err(err, "malformed note: too many signatures");
			goto bad;
		}
		if ((size_t)(nl - p) < 4 || memcmp(p, EM_DASH " ", 4) != 0 ||
		    (sp = memchr(p + 4, ' ', (size_t)(nl - p - 4))) == NULL ||
		    !name_ok(p + 4, (size_t)(sp - p - 4)) || sp + 1 == nl ||
		    tlog_b64_decode(sp + 1, (size_t)(nl - sp - 1), &raw, &rawlen) != 0) {
			set_err(err, "malformed note: a signature line is not \"— NAME BASE64\"");
			goto bad;
		}
		if (rawlen < 5) {
			free(raw);
			set_err(err, "malformed note: a signature is too short");
			goto bad;
		}
		n->sigs = xrealloc(n->sigs, (n->n_sigs + 1) * sizeof(*n->sigs));
		s = &n->sigs[n->n_sigs++];
		s->name = dup_n(p + 4, (size_t)(sp - p - 4));
		s->hash = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 |
		    raw[3];
		s->sig_len = rawlen - 4;
		s->sig = xmalloc(s->sig_len);
		memcpy(s->sig, raw + 4, s->sig_len);
		free(raw);
	}
	return 0;
bad:
	tlog_note_clear(n);
	return -1;
}

int
tlog_note_verify(const struct tlog_note *n, const struct tlog_verifier *v)
{
	int seen = 0;

	if (v->alg != TLOG_ALG_ED25519)
		return -1;
	for (size_t i = 0; i < n->n_sigs; i++) {
		const struct tlog_note_sig *s = &n->sigs[i];

		if (s->hash != v->hash || strcmp(s->name, v->name) != 0)
			continue;
		seen = 1;
		if (s->sig_len == 64 && tlog_ed25519_verify(v, n->text, n->text_len, s->sig))
			return 1;
	}
	return seen ? 0 : -1;
}
