/*
 * CRL distribution point: the issuing CA's CRL, DER at any path (e.g. /issuing-ca.crl) and
 * PEM at any path ending in .pem, re-issued every --crl-every seconds with a CRL number
 * that increases across restarts (kept in STATE/crlnumber); it lists the revoked leaf.
 * Faults: bad_signature, wrong_signer (rogue CA), stale, expired, crl_number_regress,
 * clock_skew, long_validity (nextUpdate DAYS after thisUpdate).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/util.h"
#include "testbed/testbed.h"

#define DAY (24L * 3600L)

static char *
number_path(void)
{
	return xasprintf("%s/crlnumber", tb->state);
}

static void
persist(void)
{
	char *path = number_path(), *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");

	if (f != NULL) {
		fprintf(f, "%lld\n", (long long)tb->crl_number);
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			goto out;
	}
	fprintf(stderr, "trustwatch-testbed: cannot write %s: %s\n", path, strerror(errno));
	unlink(tmp);
out:
	free(tmp);
	free(path);
}

static void
reissue(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	tb->crl_number++;
	tb->crl_issued = time(NULL);
	persist();
}

int
tb_crl_init(void)
{
	char *path = number_path();
	FILE *f = fopen(path, "r");
	long long n = 0;
	struct timeval tv = { tb->crl_every_ms / 1000, (tb->crl_every_ms % 1000) * 1000 };

	if (f != NULL) {
		if (fscanf(f, "%lld", &n) != 1)
			n = 0;
		fclose(f);
	}
	free(path);
	tb->crl_number = n >= 100 ? n : 99;
	reissue(-1, 0, NULL);
	tb->crl_timer = event_new(tb->base, -1, EV_PERSIST, reissue, NULL);
	if (tb->crl_timer == NULL || event_add(tb->crl_timer, &tv) != 0)
		return -1;
	return 0;
}

void
tb_crl_fini(void)
{
	if (tb->crl_timer != NULL)
		event_free(tb->crl_timer);
	tb->crl_timer = NULL;
}

static int
add_revoked(X509_CRL *crl)
{
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)tb->pki.revoked_at);
	ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
	int ok;

	ok = r != NULL && t != NULL && reason != NULL &&
	    X509_REVOKED_set_serialNumber(r,
	    (ASN1_INTEGER *)X509_get0_serialNumber(tb->pki.c[CRED_REVOKED].cert)) &&
	    X509_REVOKED_set_revocationDate(r, t) &&
	    ASN1_ENUMERATED_set(reason, 1 /* keyCompromise */) &&
	    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) &&
	    X509_CRL_add0_revoked(crl, r);
	if (!ok)
		X509_REVOKED_free(r);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(reason);
	return ok ? 0 : -1;
}

/* Builds the CRL as this service should serve it now; returns DER (caller frees) or NULL. */
static unsigned char *
build(struct tb_service *svc, int *len)
{
	const struct tb_cred *ca = &tb->pki.c[svc->on[F_WRONG_SIGNER] ? CRED_ROGUE_CA :
	    CRED_ISSUING];
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *lu = NULL, *nu = NULL;
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509_EXTENSION *aki = NULL;
	X509V3_CTX ctx;
	time_t now = time(NULL), t = (time_t)tb->crl_issued, n;
	int64_t number = tb->crl_number;
	unsigned char *der = NULL;

	*len = 0;
	if (svc->on[F_STALE])
		t = now - 30 * DAY;
	if (svc->on[F_EXPIRED])
		t = now - 2 * DAY;
	if (svc->on[F_CLOCK_SKEW])
		t = now + svc->param[F_CLOCK_SKEW];
	n = t + DAY;
	if (n <= now + 3600)
		n = now + DAY;
	if (svc->on[F_EXPIRED])
		n = now - 3600;
	if (svc->on[F_LONG_VALIDITY])
		n = t + svc->param[F_LONG_VALIDITY] * DAY;
	if (svc->on[F_CRL_NUMBER_REGRESS])
		number -= 50;
	lu = ASN1_TIME_set(NULL, t);
	nu = ASN1_TIME_set(NULL, n);
	if (crl == NULL || lu == NULL || nu == NULL || num == NULL ||
	    !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) ||
	    !X509_CRL_set1_lastUpdate(crl, lu) || !X509_CRL_set1_nextUpdate(crl, nu) ||
	    !ASN1_INTEGER_set_int64(num, number) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0))
		goto done;
	if (!svc->on[F_WRONG_SIGNER] && add_revoked(crl) != 0)
		goto done;
	X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
	aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	if (aki == NULL || !X509_CRL_add_ext(crl, aki, -1))
		goto done;
	X509_CRL_sort(crl);
	if (!X509_CRL_sign(crl, ca->key, EVP_sha256()))
		goto done;
	*len = i2d_X509_CRL(crl, &der);
	if (*len <= 0) {
		OPENSSL_free(der);
		der = NULL;
	} else if (svc->on[F_BAD_SIGNATURE])
		tb_flip_last_byte(der, (size_t)*len);
done:
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(lu);
	ASN1_TIME_free(nu);
	X509_CRL_free(crl);
	return der;
}

void
tb_crl_handle(struct tb_service *svc, struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req);
	size_t ulen = strcspn(uri, "?");
	bool pem = ulen >= 4 && strncmp(uri + ulen - 4, ".pem", 4) == 0;
	struct evbuffer *body = evbuffer_new();
	unsigned char *der;
	int len;

	der = build(svc, &len);
	if (der == NULL) {
		evbuffer_add_printf(body, "CRL generation failed\n");
		tb_svc_reply(svc, req, 500, "text/plain", body);
		return;
	}
	if (pem) {
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		long n;

		PEM_write_bio(b, PEM_STRING_X509_CRL, "", der, len);
		n = BIO_get_mem_data(b, &p);
		evbuffer_add(body, p, (size_t)n);
		BIO_free(b);
	} else
		evbuffer_add(body, der, (size_t)len);
	OPENSSL_free(der);
	tb_svc_reply(svc, req, 200, pem ? "application/x-pem-file" : "application/pkix-crl", body);
}
