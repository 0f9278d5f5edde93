/*
 * Co-signing the other nodes' checkpoints (SPEC §12, C2SP tlog-cosignature): with several
 * vantage nodes on one store, each node adds a cosignature/v1 line to another node's newest
 * checkpoint once it has checked, from that node's entries in the store, that the tree is
 * consistent with the last checkpoint of that node it co-signed (the tree of the new
 * checkpoint extends the old one: the old tree's right edge, extended by the new entries,
 * gives the new root). The cosigner key is the node's own Ed25519 key under algorithm 0x04.
 * Runs on the daemon's timer right after the node's own checkpoint.
 */
#include <stdlib.h>
#include <string.h>

#include "run_record.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../store/store.h"
#include "../tlog/tlog.h"

#define COSIGN_VKEY_ROW	(-1)	/* as run_record.c and report/site_log.c */

struct peer {
	char		*node;
	struct tlog_edge edge;		/* the tree this node co-signed last (size 0: none) */
	bool		 ready;		/* edge rebuilt from the store */
	bool		 broken;	/* an inconsistency was found: never co-signed again */
};

struct run_cosign {
	struct tlog_signer cos;
	char		*self;
	struct peer	*peers;
	size_t		 n_peers;
};

struct run_cosign *
run_cosign_new(const struct tlog_signer *s, const char *self)
{
	struct run_cosign *c = xcalloc(1, sizeof(*c));

	c->cos = *s;
	c->cos.v.name = xstrdup(s->v.name);
	c->cos.v.alg = TLOG_ALG_COSIG_V1;
	c->cos.v.hash = tlog_key_hash(c->cos.v.name, TLOG_ALG_COSIG_V1, c->cos.v.pub);
	c->self = xstrdup(self);
	return c;
}

void
run_cosign_free(struct run_cosign *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_peers; i++)
		free(c->peers[i].node);
	free(c->peers);
	tlog_signer_clear(&c->cos);
	free(c->self);
	free(c);
}

/* The checkpoints of the other nodes, with their verifier keys. */
struct cp {
	char		*node;
	int64_t		 size;
	char		*note;
};
struct cps {
	const char	*self;
	struct cp	*v;
	size_t		 n;
};

static int
collect(const struct store_checkpoint *k, void *arg)
{
	struct cps *x = arg;

	if (strcmp(k->node, x->self) == 0)
		return 0;
	x->v = xrealloc(x->v, (x->n + 1) * sizeof(*x->v));
	x->v[x->n].node = xstrdup(k->node);
	x->v[x->n].size = k->size;
	x->v[x->n].note = xstrdup(k->note);
	x->n++;
	return 0;
}

static int
extend(int64_t idx, const char *e, size_t len, void *arg)
{
	struct tlog_edge *edge = arg;
	struct tlog_hash h;

	if ((uint64_t)idx != edge->size)
		return 1;			/* a hole: the size comes out short */
	tlog_leaf_hash(e, len, &h);
	tlog_edge_append(edge, &h);
	return 0;
}

/* The root a signed checkpoint note states, when v signed it. 0, or -1 (logged). */
static int
signed_root(const char *node, const char *note, const struct tlog_verifier *v,
    struct tlog_hash *root, int64_t *size)
{
	struct tlog_note n;
	struct tlog_checkpoint c;
	char *err = NULL;
	int rc = -1;

	if (tlog_note_parse(note, strlen(note), &n, &err) != 0) {
		log_error("cannot co-sign: a checkpoint does not parse", "node=%s error=%s",
		    log_q(node), log_q(err));
		free(err);
		return -1;
	}
	if (tlog_note_verify(&n, v) != 1)
		log_error("cannot co-sign: a checkpoint is not signed by its node's key",
		    "node=%s", log_q(node));
	else if (tlog_checkpoint_parse(n.text, n.text_len, &c, &err) != 0) {
		log_error("cannot co-sign: a checkpoint body does not parse", "node=%s error=%s",
		    log_q(node), log_q(err));
		free(err);
	} else {
		*root = c.root;
		*size = (int64_t)c.size;
		tlog_checkpoint_clear(&c);
		rc = 0;
	}
	tlog_note_clear(&n);
	return rc;
}

/* 1 when note carries our valid cosignature. */
static int
cosigned(const struct run_cosign *c, const char *note)
{
	struct tlog_note n;
	char *err = NULL;
	uint64_t t;
	int rc;

	if (tlog_note_parse(note, strlen(note), &n, &err) != 0) {
		free(err);
		return 0;
	}
	rc = tlog_cosig_verify(&n, &c->cos.v, &t) == 1;
	tlog_note_clear(&n);
	return rc;
}

static struct peer *
peer_of(struct run_cosign *c, const char *node)
{
	for (size_t i = 0; i < c->n_peers; i++)
		if (strcmp(c->peers[i].node, node) == 0)
			return &c->peers[i];
	c->peers = xrealloc(c->peers, (c->n_peers + 1) * sizeof(*c->peers));
	memset(&c->peers[c->n_peers], 0, sizeof(c->peers[0]));
	c->peers[c->n_peers].node = xstrdup(node);
	tlog_edge_init(&c->peers[c->n_peers].edge);
	return &c->peers[c->n_peers++];
}

/* Extends edge with node's entries up to size; 0, or -1 when the store lacks some. */
static int
extend_to(struct store *st, const char *node, struct tlog_edge *edge, int64_t size)
{
	if (store_each_log_entry(st, node, (int64_t)edge->size, size, extend, edge) != 0) {
		log_error("cannot co-sign: reading a node's log", "node=%s error=%s", log_q(node),
		    log_q(store_error(st)));
		return -1;
	}
	return (int64_t)edge->size == size ? 0 : -1;
}

/* One node: its checkpoints in x (ascending size) from first to first + n. */
static void
cosign_node(struct run_cosign *c, struct store *st, const struct cp *cps, size_t n,
    int64_t now_s)
{
	struct peer *p = peer_of(c, cps[0].node);
	struct tlog_verifier v;
	struct tlog_hash root, got;
	struct tlog_edge next;
	const struct cp *last = &cps[n - 1];
	char *err = NULL, *note;
	int64_t size;

	if (p->broken || cps[0].size != COSIGN_VKEY_ROW || last->size < 1)
		return;			/* no key known yet, or nothing signed */
	if (tlog_verifier_parse(cps[0].note, &v, &err) != 0) {
		log_error("cannot co-sign: a node's verifier key does not parse", "node=%s "
		    "error=%s", log_q(p->node), log_q(err));
		free(err);
		return;
	}
	if (!p->ready) {
		/* the last checkpoint of this node we co-signed, and its tree from the store */
		for (size_t i = n; i-- > 1; )
			if (cosigned(c, cps[i].note)) {
				if (signed_root(p->node, cps[i].note, &v, &root, &size) != 0 ||
				    extend_to(st, p->node, &p->edge, size) != 0) {
					p->broken = true;
					goto out;
				}
				tlog_edge_root(&p->edge, &got);
				if (!tlog_hash_eq(&got, &root)) {
					log_error("the log of a node no longer matches a checkpoint we "
					    "co-signed: not co-signing it again", "node=%s size=%lld",
					    log_q(p->node), (long long)size);
					p->broken = true;
					goto out;
				}
				break;
			}
		p->ready = true;
	}
	if (last->size <= (int64_t)p->edge.size || cosigned(c, last->note))
		goto out;
	if (signed_root(p->node, last->note, &v, &root, &size) != 0 || size != last->size)
		goto out;
	next = p->edge;
	if (extend_to(st, p->node, &next, size) != 0)
		goto out;		/* entries not all there yet: next time */
	tlog_edge_root(&next, &got);
	if (!tlog_hash_eq(&got, &root)) {
		log_error("a node's checkpoint is not consistent with the last one we co-signed: "
		    "not co-signing it", "node=%s size=%lld cosigned_size=%llu", log_q(p->node),
		    (long long)size, (unsigned long long)p->edge.size);
		p->broken = true;
		goto out;
	}
	if ((note = tlog_cosig_sign(last->note, strlen(last->note), &c->cos, (uint64_t)now_s,
	    &err)) == NULL) {
		log_error("cannot co-sign a checkpoint", "node=%s error=%s", log_q(p->node),
		    log_q(err));
		free(err);
		goto out;
	}
	if (store_checkpoint_set_note(st, p->node, size, note) != 0)
		log_error("cannot keep a cosignature", "node=%s error=%s", log_q(p->node),
		    log_q(store_error(st)));
	else {
		p->edge = next;
		log_info("checkpoint co-signed", "node=%s size=%lld", log_q(p->node),
		    (long long)size);
	}
	free(note);
out:
	tlog_verifier_clear(&v);
}

void
run_cosign(struct run_cosign *c, struct store *st, int64_t now_s)
{
	struct cps x = { .self = c->self };
	size_t i, j;

	if (store_each_checkpoint(st, NULL, collect, &x) != 0) {
		log_error("cannot read the checkpoints to co-sign", "error=%s",
		    log_q(store_error(st)));
	} else {
		/* by node and size: each node's rows together, its key row (-1) first */
		for (i = 0; i < x.n; i = j) {
			for (j = i; j < x.n && strcmp(x.v[j].node, x.v[i].node) == 0; j++)
				;
			cosign_node(c, st, &x.v[i], j - i, now_s);
		}
	}
	for (i = 0; i < x.n; i++) {
		free(x.v[i].node);
		free(x.v[i].note);
	}
	free(x.v);
}
