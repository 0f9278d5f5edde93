/*
 * `trustwatch verify`: the cosignatures on published checkpoints (SPEC §12, C2SP
 * tlog-cosignature). Another vantage node co-signs a checkpoint with its own note key under
 * algorithm 0x04 (daemon/run_cosign.c), and every node's note key is published as
 * log/NODE/vkey; so each node's cosigner key is derived from its vkey (and from each --vkey).
 * A line by one of those keys must be a valid cosignature/v1 over the checkpoint, else the
 * record was tampered with; a line by a key we do not know is reported and not checked, as
 * C2SP signed-note says of unknown signatures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"
#include "../core/util.h"

static void
add_key(struct vctx *v, const struct tlog_verifier *k, const char *node, int given)
{
	struct vcos *c;

	for (size_t i = 0; i < v->n_cos; i++)
		if (v->cos[i].k.hash == k->hash && strcmp(v->cos[i].k.name, k->name) == 0 &&
		    memcmp(v->cos[i].k.pub, k->pub, sizeof(k->pub)) == 0) {
			v->cos[i].given |= given;
			if (v->cos[i].node == NULL && node != NULL)
				v->cos[i].node = xstrdup(node);
			return;
		}
	v->cos = xrealloc(v->cos, (v->n_cos + 1) * sizeof(*v->cos));
	c = &v->cos[v->n_cos++];
	tlog_cosig_verifier(k, &c->k);
	c->node = node != NULL ? xstrdup(node) : NULL;
	c->given = given;
}

void
vcos_load(struct vctx *v, char **nodes, long n)
{
	for (size_t i = 0; i < v->o->n_vkeys; i++)
		add_key(v, &v->o->vkeys[i], NULL, 1);
	for (long i = 0; i < n; i++) {
		char *p = xasprintf("log/%s/vkey", nodes[i]), *err = NULL;
		unsigned char *vk = NULL;
		struct tlog_verifier k;
		size_t len;

		/* an unreadable vkey is that node's own failure, reported when it is checked */
		if (strchr(nodes[i], '/') == NULL && strcmp(nodes[i], "..") != 0 &&
		    vfetch_get(v->f, p, MAX_VKEY, &vk, &len, &err) == 0 &&
		    tlog_verifier_parse((char *)vk, &k, NULL) == 0) {
			if (k.alg == TLOG_ALG_ED25519)
				add_key(v, &k, nodes[i], 0);
			tlog_verifier_clear(&k);
		}
		free(err);
		free(vk);
		free(p);
	}
	/* a --vkey key published by a node: name the node */
	for (size_t i = 0; i < v->n_cos; i++)
		for (size_t j = 0; v->cos[i].node == NULL && j < v->n_cos; j++)
			if (j != i && v->cos[j].node != NULL && v->cos[j].k.hash == v->cos[i].k.hash &&
			    strcmp(v->cos[j].k.name, v->cos[i].k.name) == 0)
				v->cos[i].node = xstrdup(v->cos[j].node);
}

void
vcos_clear(struct vctx *v)
{
	for (size_t i = 0; i < v->n_cos; i++) {
		tlog_verifier_clear(&v->cos[i].k);
		free(v->cos[i].node);
	}
	free(v->cos);
	v->cos = NULL;
	v->n_cos = 0;
}

/* Adds who to the ", "-joined list *l unless there. */
static void
list_add(char **l, const char *who)
{
	char *n;

	if (*l != NULL) {
		size_t wl = strlen(who);

		for (const char *s = *l; s != NULL; s = strstr(s, ", ") ? strstr(s, ", ") + 2 : NULL)
			if (strncmp(s, who, wl) == 0 && (s[wl] == '\0' || s[wl] == ','))
				return;
	}
	n = *l != NULL ? xasprintf("%s, %s", *l, who) : xstrdup(who);
	free(*l);
	*l = n;
}

int
vcos_check(struct vctx *v, const struct vcp *cp, const struct tlog_note *n)
{
	for (size_t i = 0; i < n->n_sigs; i++) {
		const struct tlog_note_sig *s = &n->sigs[i];
		const struct vcos *k = NULL;
		uint64_t t;

		if (v->signer != NULL && s->hash == v->signer->hash &&
		    strcmp(s->name, v->signer->name) == 0)
			continue;		/* the node's own signature, checked already */
		for (size_t j = 0; j < v->n_cos && k == NULL; j++)
			if (v->cos[j].k.hash == s->hash && strcmp(v->cos[j].k.name, s->name) == 0)
				k = &v->cos[j];
		if (k == NULL) {
			v->cos_unknown++;
			if (v->unknown_by == NULL)
				v->unknown_by = xasprintf("%s+%08x", s->name, (unsigned)s->hash);
			continue;
		}
		if (tlog_cosig_verify_line(n, s, &k->k, &t) != 1)
			return vmismatch(v, "checkpoint %" PRIu64 ": the cosignature by %s+%08x (%s%s) "
			    "does not verify%s", cp->size, s->name, (unsigned)s->hash,
			    k->node != NULL ? "node " : "a --vkey key",
			    k->node != NULL ? k->node : "", s->sig_len != 72 ?
			    " (not a cosignature/v1: 8-byte time and 64-byte signature)" : "");
		v->cos_ok++;
		if (k->node != NULL)
			list_add(&v->cos_by, k->node);
		else {
			char *who = xasprintf("%s+%08x", s->name, (unsigned)s->hash);

			list_add(&v->cos_by, who);
			free(who);
		}
	}
	return 0;
}
