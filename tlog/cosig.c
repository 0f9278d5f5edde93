/* C2SP tlog-cosignature v1: Ed25519 over "cosignature/v1\ntime T\n" ‖ the checkpoint body. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tlog.h"
#include "../core/util.h"

/* The signed message for body at time t (caller frees). */
static char *
cosig_message(const char *body, size_t len, uint64_t t, size_t *mlen)
{
	char *m = xasprintf("cosignature/v1\ntime %" PRIu64 "\n%.*s", t, (int)len, body);

	*mlen = strlen(m);
	return m;
}

char *
tlog_cosig_sign(const char *note, size_t len, const struct tlog_signer *s, uint64_t t,
    char **err)
{
	unsigned char sig[72];
	struct tlog_note n;
	size_t mlen;
	char *m, *out;

	if (s->v.alg != TLOG_ALG_COSIG_V1) {
		if (err != NULL)
			*err = xstrdup("not a cosigner key (algorithm 0x04)");
		return NULL;
	}
	if (t > INT64_MAX) {
		if (err != NULL)
			*err = xstrdup("cosignature time out of range");
		return NULL;
	}
	if (tlog_note_parse(note, len, &n, err) != 0)
		return NULL;
	m = cosig_message(n.text, n.text_len, t, &mlen);
	for (int i = 0; i < 8; i++)
		sig[i] = (unsigned char)(t >> (56 - 8 * i));
	if (tlog_ed25519_sign(s, m, mlen, sig + 8) != 0) {
		free(m);
		tlog_note_clear(&n);
		if (err != NULL)
			*err = xstrdup("cannot sign");
		return NULL;
	}
	out = tlog_note_add_line(note, len, s->v.name, s->v.hash, sig, sizeof(sig));
	free(m);
	tlog_note_clear(&n);
	return out;
}

int
tlog_cosig_verify_line(const struct tlog_note *n, const struct tlog_note_sig *s,
    const struct tlog_verifier *v, uint64_t *t)
{
	uint64_t ts = 0;
	size_t mlen;
	char *m;
	int ok;

	if (v->alg != TLOG_ALG_COSIG_V1 || s->sig_len != 72)
		return 0;
	for (int j = 0; j < 8; j++)
		ts = ts << 8 | s->sig[j];
	if (ts > INT64_MAX)
		return 0;
	m = cosig_message(n->text, n->text_len, ts, &mlen);
	ok = tlog_ed25519_verify(v, m, mlen, s->sig + 8);
	free(m);
	if (ok && t != NULL)
		*t = ts;
	return ok ? 1 : 0;
}

int
tlog_cosig_verify(const struct tlog_note *n, const struct tlog_verifier *v, uint64_t *t)
{
	int seen = 0;

	if (v->alg != TLOG_ALG_COSIG_V1)
		return -1;
	for (size_t i = 0; i < n->n_sigs; i++) {
		const struct tlog_note_sig *s = &n->sigs[i];

		if (s->hash != v->hash || strcmp(s->name, v->name) != 0)
			continue;
		seen = 1;
		if (tlog_cosig_verify_line(n, s, v, t) == 1)
			return 1;
	}
	return seen ? 0 : -1;
}

void
tlog_cosig_verifier(const struct tlog_verifier *v, struct tlog_verifier *out)
{
	*out = *v;
	out->name = xstrdup(v->name);
	out->alg = TLOG_ALG_COSIG_V1;
	out->hash = tlog_key_hash(out->name, TLOG_ALG_COSIG_V1, out->pub);
}
