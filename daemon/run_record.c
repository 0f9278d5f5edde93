/*
 * The node's verifiable record (SPEC §12) in the daemon: the store logs each stored result
 * (run_record_attach hands it the export line writer), and every record.checkpoint_every
 * this file signs a checkpoint of the node's log with the node's key, keeps it in the store
 * and asks each TSA of record.timestamp_with for an RFC 3161 token over SHA-256 of the
 * signed note (through the probe engine, on the event loop: nothing here blocks it; the
 * response is checked as the tsa probe checks one, and kept with the checkpoint).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "run_int.h"
#include "run_record.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../probe/pool.h"
#include "../probe/tsa.h"
#include "../report/json.h"
#include "../store/store.h"
#include "../tlog/tlog.h"

/* The checkpoint row of this size holds the node's verifier key (report/site_log.c). */
#define RECORD_VKEY_ROW	(-1)

struct run_record {
	struct run	*R;
	struct tlog_signer signer;
	char		*node;
	struct event	*timer;
	int64_t		 last_size;		/* of the newest checkpoint kept, -1 = unknown */
	struct run_cosign *cosign;		/* the other nodes' checkpoints */
	size_t		 in_flight;		/* time-stamp requests */
};

/* One time-stamp request: a copy of the tsa endpoint the engine runs our ops on. */
struct record_tsa {
	struct conf_endpoint ep;		/* first: the engine hands it back to start() */
	struct run_record *rec;
	struct run_gen	*g;			/* holds the config ep's pointers point into */
	char		*node;
	int64_t		 size;
	char		*label;
	unsigned char	 digest[32];
	BIGNUM		*nonce;
	unsigned char	*der;			/* the response, once it checked out */
	size_t		 der_len;
};

static char *
entry_of(const struct store_row *r, const char *node, const char *address, void *arg)
{
	(void)arg;
	return report_json_entry(r, node, address);
}

int
run_record_attach(struct store *st, const struct conf *c)
{
	if (c->record.enabled)
		store_set_record(st, c->node.id, entry_of, NULL);
	return 0;
}

/* --- time stamps ---------------------------------------------------------------------- */

static unsigned char *
request_der(const struct record_tsa *t, size_t *len)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = BN_to_ASN1_INTEGER(t->nonce, NULL);
	unsigned char *der = NULL, *p;
	int n;

	if (req == NULL || mi == NULL || alg == NULL || nonce == NULL ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)t->digest, 32) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1) ||
	    (n = i2d_TS_REQ(req, NULL)) <= 0)
		goto out;
	der = p = xmalloc((size_t)n);
	if (i2d_TS_REQ(req, &p) != n)
		FREE_NULL(der);
	*len = (size_t)n;
out:
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return der;
}

static void *
tsa_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	struct record_tsa *t = (struct record_tsa *)ep;	/* ep is t's first member */

	(void)in;
	if ((req->body = request_der(t, &req->body_len)) == NULL) {
		result_flag(r, REASON_INTERNAL, "cannot encode the time-stamp request");
		return NULL;
	}
	req->url = xstrdup(ep->url);
	req->post = 1;
	req->content_type = "application/timestamp-query";
	req->accept = "application/timestamp-reply";
	return t;
}

static int
tsa_finish(void *state, const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now, struct probe_request *next, struct result *r)
{
	struct record_tsa *t = state;
	struct tsa_sent sent = { .digest = t->digest, .digest_len = 32, .hash_nid = NID_sha256,
	    .nonce = t->nonce, .rtt_ms = resp->rtt_ms };

	(void)next;
	if (!probe_check_http(resp, 0, r))
		return 0;
	tsa_evaluate(resp->body, resp->len, ep, &sent, now, r);
	if (r->status != STATUS_DOWN) {
		t->der = xmalloc(resp->len ? resp->len : 1);
		memcpy(t->der, resp->body, resp->len);
		t->der_len = resp->len;
	}
	return 0;
}

static void
tsa_free_state(void *state)
{
	(void)state;			/* the request is freed when done */
}

static const struct probe_ops record_tsa_ops = {
	.name = "record-tsa",
	.kind = KIND_TSA,
	.start = tsa_start,
	.finish = tsa_finish,
	.free_state = tsa_free_state,
};

static void
tsa_done(struct result *r, void *arg)
{
	struct record_tsa *t = arg;
	struct run *R = t->rec->R;

	if (t->der != NULL && R->st != NULL) {
		if (store_log_token_add(R->st, t->node, t->size, t->label, t->der, t->der_len) != 0)
			log_error("cannot keep a checkpoint's time stamp", "node=%s size=%lld "
			    "tsa=%s error=%s", log_q(t->node), (long long)t->size, log_q(t->label),
			    log_q(store_error(R->st)));
		else
			log_debug("checkpoint time-stamped", "node=%s size=%lld tsa=%s",
			    log_q(t->node), (long long)t->size, log_q(t->label));
	} else
		log_warn("a TSA did not time-stamp the checkpoint", "node=%s size=%lld tsa=%s "
		    "reason=%s message=%s", log_q(t->node), (long long)t->size, log_q(t->label),
		    reason_names[r->reason], log_q(r->message ? r->message : ""));
	t->rec->in_flight--;
	run_gen_unref(t->g);
	BN_free(t->nonce);
	free(t->der);
	free(t->label);
	free(t->node);
	free(t);
}

/* A token label from PROVIDER/ENDPOINT: [A-Za-z0-9_-]. */
static char *
label_of(const struct conf_endpoint *ep)
{
	char *s = xasprintf("%s-%s", ep->provider->id, ep->id);

	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			*p = '_';
	return s;
}

static void
time_stamp(struct run_record *rec, int64_t size, const char *note)
{
	struct run *R = rec->R;
	const struct conf *c = R->cur->c;

	for (size_t i = 0; i < c->record.n_timestamp_with; i++) {
		struct record_tsa *t = xcalloc(1, sizeof(*t));
		struct probe_input in = { 0 };

		t->ep = *c->record.timestamp_with[i];
		t->ep.hash_nid = NID_sha256;
		t->rec = rec;
		t->g = R->cur;
		t->g->refs++;
		t->node = xstrdup(rec->node);
		t->size = size;
		t->label = label_of(c->record.timestamp_with[i]);
		SHA256((const unsigned char *)note, strlen(note), t->digest);
		if ((t->nonce = BN_new()) == NULL ||
		    BN_rand(t->nonce, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
		    pool_submit_ops(R->pool, &t->ep, &record_tsa_ops, &in, tsa_done, t) != 0) {
			log_error("cannot ask a TSA for a checkpoint's time stamp", "tsa=%s",
			    log_q(t->label));
			run_gen_unref(t->g);
			BN_free(t->nonce);
			free(t->label);
			free(t->node);
			free(t);
			continue;
		}
		rec->in_flight++;
	}
}

/* --- checkpoints ---------------------------------------------------------------------- */

struct find_log {
	const char	*node;
	struct tlog_edge edge;
	bool		 found;
};

static int
find_log(const struct store_log *l, void *arg)
{
	struct find_log *f = arg;

	if (strcmp(l->node, f->node) != 0)
		return 0;
	f->found = tlog_edge_decode(&f->edge, l->edge, l->edge_len) == 0;
	return 1;
}

static int
newest_size(const struct store_checkpoint *cp, void *arg)
{
	int64_t *size = arg;

	if (cp->size > *size)
		*size = cp->size;
	return 0;
}

/* Signs and keeps a checkpoint of the node's log when it grew. 0 or -1 (logged). */
int
run_record_checkpoint(struct run *R, bool stamp)
{
	struct run_record *rec = R->rec;
	struct find_log f = { 0 };
	char *note, *err = NULL;
	int64_t size;

	if (rec == NULL || R->st == NULL)
		return 0;
	f.node = rec->node;
	if (store_each_log(R->st, find_log, &f) != 0) {
		log_error("cannot read the record", "error=%s", log_q(store_error(R->st)));
		return -1;
	}
	if (!f.found || f.edge.size == 0)
		return 0;
	if (rec->last_size < 0) {
		size = 0;
		if (store_each_checkpoint(R->st, rec->node, newest_size, &size) != 0) {
			log_error("cannot read the record's checkpoints", "error=%s",
			    log_q(store_error(R->st)));
			return -1;
		}
		rec->last_size = size;
	}
	if ((int64_t)f.edge.size <= rec->last_size)
		return 0;
	if ((note = tlog_checkpoint_sign(R->cur->c->record.origin, &f.edge, &rec->signer,
	    &err)) == NULL) {
		log_error("cannot sign a checkpoint", "error=%s", log_q(err));
		free(err);
		return -1;
	}
	size = (int64_t)f.edge.size;
	if (store_checkpoint_add(R->st, rec->node, size, now_ms(), note) != 0) {
		log_error("cannot keep a checkpoint", "error=%s", log_q(store_error(R->st)));
		free(note);
		return -1;
	}
	rec->last_size = size;
	log_debug("checkpoint signed", "node=%s size=%lld", log_q(rec->node), (long long)size);
	if (stamp)
		time_stamp(rec, size, note);
	free(note);
	return 0;
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *R = arg;
	struct timeval tv;
	int64_t ms = R->cur->c->record.checkpoint_every_ms, t0 = mono_ms();

	(void)fd; (void)what;
	run_flush(R);		/* the checkpoint covers every result finished so far */
	run_record_checkpoint(R, true);
	if (R->st != NULL)
		run_cosign(R->rec->cosign, R->st, now_ms() / 1000);
	run_slow("checkpointing the record", t0);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(R->rec->timer, &tv);
}

int
run_record_start(struct run *R)
{
	const struct conf *c = R->cur->c;
	struct run_record *rec;
	struct timeval tv;
	char *err = NULL, *vkey;
	int64_t ms = c->record.checkpoint_every_ms;

	if (!c->record.enabled)
		return 0;
	rec = xcalloc(1, sizeof(*rec));
	rec->R = R;
	rec->last_size = -1;
	if (tlog_signer_load(c->record.key, &rec->signer, &err) != 0) {
		log_error("cannot load the record's key", "key=%s error=%s", log_q(c->record.key),
		    log_q(err));
		free(err);
		free(rec);
		return -1;
	}
	rec->node = xstrdup(c->node.id);
	vkey = tlog_signer_vkey(&rec->signer);
	/* readers of the store (the render) publish the key beside the log */
	if (store_checkpoint_add(R->st, rec->node, RECORD_VKEY_ROW, now_ms(), vkey) != 0 ||
	    store_checkpoint_set_note(R->st, rec->node, RECORD_VKEY_ROW, vkey) != 0) {
		log_error("cannot keep the record's key", "error=%s", log_q(store_error(R->st)));
		free(vkey);
		tlog_signer_clear(&rec->signer);
		free(rec->node);
		free(rec);
		return -1;
	}
	R->rec = rec;
	rec->cosign = run_cosign_new(&rec->signer, rec->node);
	run_record_attach(R->st, c);
	rec->timer = evtimer_new(R->base, timer_cb, R);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (rec->timer != NULL)
		evtimer_add(rec->timer, &tv);
	log_info("record on", "node=%s origin=%s vkey=%s checkpoint_every_ms=%lld tsas=%zu",
	    log_q(rec->node), log_q(c->record.origin), log_q(vkey), (long long)ms,
	    c->record.n_timestamp_with);
	free(vkey);
	return 0;
}

void
run_record_stop(struct run *R)
{
	struct run_record *rec = R->rec;

	if (rec == NULL)
		return;
	run_record_checkpoint(R, false);	/* every stored result is under a signature */
	if (rec->timer != NULL)
		event_free(rec->timer);
	run_cosign_free(rec->cosign);
	tlog_signer_clear(&rec->signer);
	free(rec->node);
	free(rec);
	R->rec = NULL;
}
