/*
 * OCSP responder (RFC 6960, RFC 5019): GET /<base64 DER> and POST, answers signed with
 * OCSP_basic_sign by the delegated responder; good / revoked / unknown per serial.
 * Faults: bad_signature, wrong_signer, stale, expired, revoked, unknown, nonce_wrong,
 * nonce_missing, clock_skew (thisUpdate shifted), crl_disagree (the CRL's revoked serial
 * good, or revoked at another time), unissued_good (good for serials never issued),
 * long_validity (nextUpdate DAYS after thisUpdate).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/ocsp.h>

#include "core/util.h"
#include "testbed/testbed.h"

#define DAY (24L * 3600L)

static OCSP_REQUEST *
read_request(struct evhttp_request *req)
{
	const unsigned char *p;
	unsigned char *der = NULL;
	OCSP_REQUEST *oreq = NULL;
	size_t n;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);

		n = evbuffer_get_length(in);
		p = evbuffer_pullup(in, -1);
		if (p != NULL)
			oreq = d2i_OCSP_REQUEST(NULL, &p, (long)n);
	} else {
		const char *uri = evhttp_request_get_uri(req);
		char *enc, *q, *b64;
		size_t blen;
		int dlen;

		while (*uri == '/')
			uri++;
		enc = xstrdup(uri);
		if ((q = strchr(enc, '?')) != NULL)
			*q = '\0';
		b64 = evhttp_uridecode(enc, 0, &blen);
		free(enc);
		if (b64 == NULL || blen == 0 || blen > 65536) {
			free(b64);
			return NULL;
		}
		der = xmalloc(blen);
		dlen = EVP_DecodeBlock(der, (unsigned char *)b64, (int)blen);
		if (dlen > 0) {
			while (blen > 0 && b64[blen - 1] == '=') {
				blen--;
				dlen--;
			}
			p = der;
			oreq = d2i_OCSP_REQUEST(NULL, &p, dlen);
		}
		free(b64);
		free(der);
	}
	return oreq;
}

/* True when cid names our issuing CA (whatever hash the client chose). */
static bool
ours(OCSP_CERTID *cid)
{
	ASN1_OBJECT *alg = NULL;
	OCSP_CERTID *mine;
	const EVP_MD *md;
	bool match;

	if (!OCSP_id_get0_info(NULL, &alg, NULL, NULL, cid) ||
	    (md = EVP_get_digestbyobj(alg)) == NULL)
		return false;
	mine = OCSP_cert_to_id(md, tb->pki.c[CRED_GOOD].cert, tb->pki.c[CRED_ISSUING].cert);
	match = mine != NULL && OCSP_id_issuer_cmp(cid, mine) == 0;
	OCSP_CERTID_free(mine);
	return match;
}

static int
add_status(struct tb_service *svc, OCSP_BASICRESP *bs, OCSP_CERTID *cid)
{
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *thisupd, *nextupd, *revtime = NULL;
	time_t now = time(NULL), tu = now, nu;
	int status = V_OCSP_CERTSTATUS_UNKNOWN, reason = -1, rc;
	long shift = 0;
	const ASN1_INTEGER *good = X509_get0_serialNumber(tb->pki.c[CRED_GOOD].cert);
	const ASN1_INTEGER *bad = X509_get0_serialNumber(tb->pki.c[CRED_REVOKED].cert);

	OCSP_id_get0_info(NULL, NULL, NULL, &serial, cid);
	if (serial != NULL && ours(cid)) {
		if (ASN1_INTEGER_cmp(serial, good) == 0)
			status = svc->on[F_REVOKED] ? V_OCSP_CERTSTATUS_REVOKED :
			    V_OCSP_CERTSTATUS_GOOD;
		else if (ASN1_INTEGER_cmp(serial, bad) == 0) {
			/* crl_disagree: good for the serial the CRL lists, or another time. */
			status = svc->on[F_CRL_DISAGREE] && svc->param[F_CRL_DISAGREE] == 0 ?
			    V_OCSP_CERTSTATUS_GOOD : V_OCSP_CERTSTATUS_REVOKED;
			if (svc->on[F_CRL_DISAGREE])
				shift = svc->param[F_CRL_DISAGREE];
		} else if (svc->on[F_UNISSUED_GOOD])
			status = V_OCSP_CERTSTATUS_GOOD;	/* a serial we never issued */
	}
	if (svc->on[F_UNKNOWN])
		status = V_OCSP_CERTSTATUS_UNKNOWN;
	if (status == V_OCSP_CERTSTATUS_REVOKED) {
		revtime = ASN1_GENERALIZEDTIME_set(NULL, (time_t)tb->pki.revoked_at + shift);
		reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
	}
	if (svc->on[F_STALE])
		tu = now - 30 * DAY;
	if (svc->on[F_EXPIRED])
		tu = now - 2 * 3600;
	if (svc->on[F_CLOCK_SKEW])
		tu = now + svc->param[F_CLOCK_SKEW];
	nu = (tu > now ? tu : now) + DAY;
	if (svc->on[F_LONG_VALIDITY])
		nu = tu + svc->param[F_LONG_VALIDITY] * DAY;
	if (svc->on[F_EXPIRED])
		nu = now - 3600;
	thisupd = ASN1_GENERALIZEDTIME_set(NULL, tu);
	nextupd = ASN1_GENERALIZEDTIME_set(NULL, nu);
	rc = OCSP_basic_add1_status(bs, cid, status, reason, revtime, thisupd, nextupd) ?
	    0 : -1;
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	return rc;
}

static OCSP_RESPONSE *
respond(struct tb_service *svc, OCSP_REQUEST *oreq)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_RESPONSE *resp = NULL;
	STACK_OF(X509) *certs = sk_X509_new_null();
	const struct tb_cred *signer, *ca;
	int i, n = OCSP_request_onereq_count(oreq);

	if (bs == NULL || certs == NULL || n <= 0)
		goto done;
	for (i = 0; i < n; i++)
		if (add_status(svc, bs,
		    OCSP_onereq_get0_id(OCSP_request_onereq_get0(oreq, i))) != 0)
			goto done;
	if (svc->on[F_NONCE_WRONG])
		OCSP_basic_add1_nonce(bs, NULL, 16);
	else if (!svc->on[F_NONCE_MISSING])
		OCSP_copy_nonce(bs, oreq);
	signer = &tb->pki.c[svc->on[F_WRONG_SIGNER] ? CRED_ROGUE_OCSP : CRED_OCSP];
	ca = &tb->pki.c[svc->on[F_WRONG_SIGNER] ? CRED_ROGUE_CA : CRED_ISSUING];
	sk_X509_push(certs, ca->cert);
	if (!OCSP_basic_sign(bs, signer->cert, signer->key, EVP_sha256(), certs, 0))
		goto done;
	if (svc->on[F_BAD_SIGNATURE]) {
		ASN1_OCTET_STRING *sig = (ASN1_OCTET_STRING *)OCSP_resp_get0_signature(bs);

		tb_flip_last_byte(sig->data, (size_t)sig->length);
	}
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
done:
	sk_X509_free(certs);
	OCSP_BASICRESP_free(bs);
	return resp;
}

void
tb_ocsp_handle(struct tb_service *svc, struct evhttp_request *req)
{
	OCSP_REQUEST *oreq = read_request(req);
	OCSP_RESPONSE *resp = NULL;
	struct evbuffer *body = evbuffer_new();
	unsigned char *der = NULL;
	int len;

	if (oreq != NULL)
		resp = respond(svc, oreq);
	if (resp == NULL)
		resp = OCSP_response_create(oreq == NULL ?
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST : OCSP_RESPONSE_STATUS_INTERNALERROR,
		    NULL);
	len = i2d_OCSP_RESPONSE(resp, &der);
	if (len > 0)
		evbuffer_add(body, der, (size_t)len);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(oreq);
	tb_svc_reply(svc, req, 200, "application/ocsp-response", body);
}
