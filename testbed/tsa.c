/*
 * Time-stamping authority (RFC 3161) over HTTP POST: real tokens from TS_RESP_CTX,
 * certReq honoured (TSA certificate + issuing CA), nonce echoed, accuracy 1 s, policy from
 * --tsa-policy. Faults: bad_signature, wrong_signer (rogue TSA), tsa_reject (rejection with
 * failInfo systemFailure), clock_skew (genTime shifted), wrong_policy, nonce_wrong,
 * nonce_missing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "core/util.h"
#include "testbed/testbed.h"

#define WRONG_POLICY "1.3.6.1.4.1.99999.66.6"

static ASN1_INTEGER *
serial_cb(TS_RESP_CTX *ctx, void *arg)
{
	struct tb_service *svc = arg;
	ASN1_INTEGER *s = ASN1_INTEGER_new();

	(void)ctx;
	if (s != NULL && !ASN1_INTEGER_set_uint64(s, ++svc->prov->tsa_serial)) {
		ASN1_INTEGER_free(s);
		s = NULL;
	}
	return s;
}

static int
time_cb(TS_RESP_CTX *ctx, void *arg, long *sec, long *usec)
{
	struct tb_service *svc = arg;
	struct timeval tv;

	if (svc->on[F_TSA_REJECT]) {
		TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION,
		    "testbed fault: tsa_reject");
		TS_RESP_CTX_add_failure_info(ctx, TS_INFO_SYSTEM_FAILURE);
		return 0;
	}
	gettimeofday(&tv, NULL);
	*sec = (long)tv.tv_sec + (svc->on[F_CLOCK_SKEW] ? svc->param[F_CLOCK_SKEW] : 0);
	*usec = (long)tv.tv_usec;
	return 1;
}

/* Rewrites the request's nonce for the nonce faults; returns the DER to answer. */
static unsigned char *
tamper(struct tb_service *svc, const unsigned char *in, size_t inlen, int *outlen)
{
	const unsigned char *p = in;
	TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)inlen), *copy = NULL;
	unsigned char *der = NULL, rnd[8];
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;

	*outlen = 0;
	if (r == NULL)
		return NULL;
	if (svc->on[F_NONCE_WRONG]) {
		RAND_bytes(rnd, sizeof(rnd));
		bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
		nonce = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
		if (nonce == NULL || !TS_REQ_set_nonce(r, nonce))
			goto done;
		copy = r;
		r = NULL;
	} else {
		/* No setter removes a nonce: rebuild the request without it. */
		copy = TS_REQ_new();
		if (copy == NULL || !TS_REQ_set_version(copy, 1) ||
		    !TS_REQ_set_msg_imprint(copy, TS_REQ_get_msg_imprint(r)) ||
		    (TS_REQ_get_policy_id(r) != NULL &&
		    !TS_REQ_set_policy_id(copy, TS_REQ_get_policy_id(r))) ||
		    !TS_REQ_set_cert_req(copy, TS_REQ_get_cert_req(r)))
			goto done;
	}
	*outlen = i2d_TS_REQ(copy, &der);
	if (*outlen <= 0) {
		OPENSSL_free(der);
		der = NULL;
	}
done:
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	TS_REQ_free(copy);
	TS_REQ_free(r);
	return der;
}

static TS_RESP *
respond(struct tb_service *svc, const unsigned char *der, size_t len)
{
	bool rogue = svc->on[F_WRONG_SIGNER];
	const struct tb_cred *signer = &tb->pki.c[rogue ? CRED_ROGUE_TSA : CRED_TSA];
	const struct tb_cred *ca = &tb->pki.c[rogue ? CRED_ROGUE_CA : CRED_ISSUING];
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	STACK_OF(X509) *certs = sk_X509_new_null();
	ASN1_OBJECT *policy = OBJ_txt2obj(svc->on[F_WRONG_POLICY] ? WRONG_POLICY :
	    tb->tsa_policy, 1);
	TS_RESP *resp = NULL;
	BIO *in = NULL;
	unsigned char *tampered = NULL;
	int tlen = 0;

	if (ctx == NULL || certs == NULL || policy == NULL)
		goto done;
	if (svc->on[F_NONCE_WRONG] || svc->on[F_NONCE_MISSING]) {
		if ((tampered = tamper(svc, der, len, &tlen)) == NULL)
			goto done;
		der = tampered;
		len = (size_t)tlen;
	}
	sk_X509_push(certs, ca->cert);
	if (!TS_RESP_CTX_set_signer_cert(ctx, signer->cert) ||
	    !TS_RESP_CTX_set_signer_key(ctx, signer->key) ||
	    !TS_RESP_CTX_set_certs(ctx, certs) ||
	    !TS_RESP_CTX_set_def_policy(ctx, policy) ||
	    !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) ||
	    !TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) ||
	    !TS_RESP_CTX_add_md(ctx, EVP_sha256()) || !TS_RESP_CTX_add_md(ctx, EVP_sha384()) ||
	    !TS_RESP_CTX_add_md(ctx, EVP_sha512()) || !TS_RESP_CTX_add_md(ctx, EVP_sha1()) ||
	    !TS_RESP_CTX_set_accuracy(ctx, svc->on[F_COARSE_ACCURACY] ?
	    (int)svc->param[F_COARSE_ACCURACY] : 1, 0, 0))
		goto done;
	TS_RESP_CTX_set_serial_cb(ctx, serial_cb, svc);
	TS_RESP_CTX_set_time_cb(ctx, time_cb, svc);
	if ((in = BIO_new_mem_buf(der, (int)len)) == NULL)
		goto done;
	resp = TS_RESP_create_response(ctx, in);
done:
	BIO_free(in);
	OPENSSL_free(tampered);
	ASN1_OBJECT_free(policy);
	sk_X509_free(certs);
	TS_RESP_CTX_free(ctx);
	return resp;
}

void
tb_tsa_handle(struct tb_service *svc, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evbuffer *body = evbuffer_new();
	size_t len = evbuffer_get_length(in);
	unsigned char *der = NULL;
	TS_RESP *resp;
	int n;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST || len == 0) {
		evbuffer_add_printf(body, "POST an RFC 3161 TimeStampReq "
		    "(application/timestamp-query)\n");
		tb_svc_reply(svc, req, 405, "text/plain", body);
		return;
	}
	resp = respond(svc, evbuffer_pullup(in, -1), len);
	if (resp == NULL) {
		evbuffer_add_printf(body, "time-stamp generation failed\n");
		tb_svc_reply(svc, req, 500, "text/plain", body);
		return;
	}
	n = i2d_TS_RESP(resp, &der);
	TS_RESP_free(resp);
	if (n > 0) {
		if (svc->on[F_BAD_SIGNATURE])
			tb_flip_last_byte(der, (size_t)n);
		evbuffer_add(body, der, (size_t)n);
	}
	OPENSSL_free(der);
	tb_svc_reply(svc, req, 200, "application/timestamp-reply", body);
}
