/* Test-only PKI generator; see pki_gen.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki_gen.h"

#define PKIGEN_YEAR_MS	(365 * PKIGEN_DAY_MS)

static void __attribute__((noreturn))
pkigen_die(const char *what)
{
	fprintf(stderr, "pki_gen: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	abort();
}

#define PKIGEN_CHECK(x) do { if (!(x)) pkigen_die(#x); } while (0)

EVP_PKEY *
pkigen_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	PKIGEN_CHECK(k != NULL);
	return k;
}

static ASN1_TIME *
pkigen_time(int64_t ms)
{
	ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)(ms / 1000));

	PKIGEN_CHECK(t != NULL);
	return t;
}

static void
pkigen_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	PKIGEN_CHECK(ext != NULL);
	PKIGEN_CHECK(X509_add_ext(cert, ext, -1));
	X509_EXTENSION_free(ext);
}

X509 *
pkigen_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
    long serial, int64_t not_before, int64_t not_after, unsigned flags)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	ASN1_TIME *t;

	PKIGEN_CHECK(x != NULL && name != NULL);
	PKIGEN_CHECK(X509_set_version(x, 2));
	PKIGEN_CHECK(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	PKIGEN_CHECK(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"trustwatch test", -1, -1, 0));
	PKIGEN_CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0));
	PKIGEN_CHECK(X509_set_subject_name(x, name));
	PKIGEN_CHECK(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name));
	X509_NAME_free(name);
	t = pkigen_time(not_before);
	PKIGEN_CHECK(X509_set1_notBefore(x, t));
	ASN1_TIME_free(t);
	t = pkigen_time(not_after);
	PKIGEN_CHECK(X509_set1_notAfter(x, t));
	ASN1_TIME_free(t);
	PKIGEN_CHECK(X509_set_pubkey(x, key));
	pkigen_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		pkigen_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (flags & PKIGEN_CA) {
		pkigen_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		pkigen_ext(x, issuer, NID_key_usage, (flags & PKIGEN_NO_CRL_SIGN) ?
		    "critical,keyCertSign" : "critical,keyCertSign,cRLSign");
	} else
		pkigen_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	if (flags & PKIGEN_OCSP_SIGNING)
		pkigen_ext(x, issuer, NID_ext_key_usage, "OCSPSigning");
	if (flags & (PKIGEN_UNKNOWN_EXT | PKIGEN_UNKNOWN_CRIT)) {
		X509_EXTENSION *ext = pkigen_raw_ext(PKIGEN_UNKNOWN_OID,
		    (flags & PKIGEN_UNKNOWN_CRIT) != 0);

		PKIGEN_CHECK(X509_add_ext(x, ext, -1));
		X509_EXTENSION_free(ext);
	}
	PKIGEN_CHECK(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

struct pkigen *
pkigen_new(int64_t now)
{
	struct pkigen *p = calloc(1, sizeof(*p));
	int64_t nb = now - PKIGEN_YEAR_MS, na = now + PKIGEN_YEAR_MS;

	PKIGEN_CHECK(p != NULL);
	p->ca_key = pkigen_key();
	p->ca = pkigen_cert("Test CA", p->ca_key, NULL, NULL, 1, nb, na, PKIGEN_CA);
	p->responder_key = pkigen_key();
	p->responder = pkigen_cert("Test OCSP Responder", p->responder_key, p->ca, p->ca_key,
	    2, nb, na, PKIGEN_OCSP_SIGNING);
	p->expired_responder = pkigen_cert("Test Old OCSP Responder", p->responder_key, p->ca,
	    p->ca_key, 3, nb, now - PKIGEN_DAY_MS, PKIGEN_OCSP_SIGNING);
	p->leaf_key = pkigen_key();
	p->plain_signer = pkigen_cert("Test Plain Signer", p->leaf_key, p->ca, p->ca_key,
	    4, nb, na, 0);
	p->leaf = pkigen_cert("Test Leaf", p->leaf_key, p->ca, p->ca_key, 0x1001, nb, na, 0);
	p->other_leaf = pkigen_cert("Test Other Leaf", p->leaf_key, p->ca, p->ca_key,
	    0x1002, nb, na, 0);
	p->no_crl_sign_ca = pkigen_cert("Test CA", p->ca_key, NULL, NULL, 5, nb, na,
	    PKIGEN_CA | PKIGEN_NO_CRL_SIGN);
	p->crit_responder = pkigen_cert("Test OCSP Responder", p->responder_key, p->ca,
	    p->ca_key, 6, nb, na, PKIGEN_OCSP_SIGNING | PKIGEN_UNKNOWN_CRIT);
	p->noncrit_responder = pkigen_cert("Test OCSP Responder", p->responder_key, p->ca,
	    p->ca_key, 7, nb, na, PKIGEN_OCSP_SIGNING | PKIGEN_UNKNOWN_EXT);
	p->rogue_key = pkigen_key();
	p->rogue_ca = pkigen_cert("Rogue CA", p->rogue_key, NULL, NULL, 1, nb, na, PKIGEN_CA);
	p->namesake_ca = pkigen_cert("Test CA", p->rogue_key, NULL, NULL, 1, nb, na, PKIGEN_CA);
	p->rogue_responder_key = pkigen_key();
	p->rogue_responder = pkigen_cert("Rogue OCSP Responder", p->rogue_responder_key,
	    p->rogue_ca, p->rogue_key, 2, nb, na, PKIGEN_OCSP_SIGNING);
	p->namesake_responder = pkigen_cert("Test OCSP Responder", p->rogue_responder_key,
	    p->namesake_ca, p->rogue_key, 2, nb, na, PKIGEN_OCSP_SIGNING);
	return p;
}

void
pkigen_free(struct pkigen *p)
{
	if (p == NULL)
		return;
	X509_free(p->ca);
	X509_free(p->responder);
	X509_free(p->expired_responder);
	X509_free(p->plain_signer);
	X509_free(p->rogue_ca);
	X509_free(p->namesake_ca);
	X509_free(p->rogue_responder);
	X509_free(p->namesake_responder);
	X509_free(p->no_crl_sign_ca);
	X509_free(p->leaf);
	X509_free(p->other_leaf);
	X509_free(p->crit_responder);
	X509_free(p->noncrit_responder);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->responder_key);
	EVP_PKEY_free(p->rogue_key);
	EVP_PKEY_free(p->rogue_responder_key);
	EVP_PKEY_free(p->leaf_key);
	free(p);
}

/* Returns a malloc'd copy of OpenSSL-allocated der[0..n); frees der. */
static unsigned char *
pkigen_take(unsigned char *der, int n, size_t *len)
{
	unsigned char *out;

	PKIGEN_CHECK(n > 0);
	out = malloc((size_t)n);
	PKIGEN_CHECK(out != NULL);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return out;
}

/* Alters the last byte of a signature in place. */
static void
pkigen_flip(const ASN1_STRING *sig)
{
	unsigned char *d = (unsigned char *)ASN1_STRING_get0_data(sig);
	int n = ASN1_STRING_length(sig);

	PKIGEN_CHECK(n > 0);
	d[n - 1] ^= 0x01;
}

unsigned char *
pkigen_ocsp_response(const struct pkigen_ocsp *o, size_t *len)
{
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;
	OCSP_SINGLERESP *single;
	OCSP_CERTID *id;
	ASN1_TIME *thisupd, *nextupd = NULL, *rev = NULL;
	unsigned char *der = NULL;
	unsigned long flags = 0;

	if (o->response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		resp = OCSP_response_create(o->response_status, NULL);
		PKIGEN_CHECK(resp != NULL);
		goto encode;
	}
	bs = OCSP_BASICRESP_new();
	PKIGEN_CHECK(bs != NULL);
	id = OCSP_cert_to_id(o->certid_md ? o->certid_md : EVP_sha1(), o->subject,
	    o->subject_issuer);
	PKIGEN_CHECK(id != NULL);
	thisupd = pkigen_time(o->this_update);
	if (o->next_update != 0)
		nextupd = pkigen_time(o->next_update);
	if (o->cert_status == V_OCSP_CERTSTATUS_REVOKED)
		rev = pkigen_time(o->revoked_at);
	single = OCSP_basic_add1_status(bs, id, o->cert_status,
	    rev ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0, rev, thisupd, nextupd);
	PKIGEN_CHECK(single != NULL);
	if (o->single_ext_oid != NULL) {
		X509_EXTENSION *ext = pkigen_raw_ext(o->single_ext_oid, o->single_ext_critical);

		PKIGEN_CHECK(OCSP_SINGLERESP_add_ext(single, ext, -1));
		X509_EXTENSION_free(ext);
	}
	if (o->resp_ext_oid != NULL) {
		X509_EXTENSION *ext = pkigen_raw_ext(o->resp_ext_oid, o->resp_ext_critical);

		PKIGEN_CHECK(OCSP_BASICRESP_add_ext(bs, ext, -1));
		X509_EXTENSION_free(ext);
	}
	OCSP_CERTID_free(id);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(rev);
	if (o->nonce != NULL)
		PKIGEN_CHECK(OCSP_basic_add1_nonce(bs, (unsigned char *)o->nonce,
		    (int)o->nonce_len));
	if (o->omit_certs)
		flags |= OCSP_NOCERTS;
	if (o->by_key)
		flags |= OCSP_RESPID_KEY;
	PKIGEN_CHECK(OCSP_basic_sign(bs, o->signer, o->signer_key, EVP_sha256(), NULL, flags));
	if (o->flip_signature)
		pkigen_flip(OCSP_resp_get0_signature(bs));
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	PKIGEN_CHECK(resp != NULL);
encode:
	{
		int n = i2d_OCSP_RESPONSE(resp, &der);

		OCSP_RESPONSE_free(resp);
		OCSP_BASICRESP_free(bs);
		return pkigen_take(der, n, len);
	}
}

X509_EXTENSION *
pkigen_raw_ext(const char *oid, int critical)
{
	static const unsigned char null_der[] = { 0x05, 0x00 };
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	PKIGEN_CHECK(obj != NULL && v != NULL);
	PKIGEN_CHECK(ASN1_OCTET_STRING_set(v, null_der, sizeof(null_der)));
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, v);
	PKIGEN_CHECK(ext != NULL);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(v);
	return ext;
}

unsigned char *
pkigen_crl(const struct pkigen_crl *c, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t;
	ASN1_INTEGER *ai;
	BIGNUM *bn = NULL;
	unsigned char *der = NULL, *out;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;

	PKIGEN_CHECK(crl != NULL);
	PKIGEN_CHECK(X509_CRL_set_version(crl, 1));
	PKIGEN_CHECK(X509_CRL_set_issuer_name(crl, X509_get_subject_name(c->issuer)));
	t = pkigen_time(c->this_update);
	PKIGEN_CHECK(X509_CRL_set1_lastUpdate(crl, t));
	if (c->next_update != 0) {
		ASN1_TIME_free(t);
		t = pkigen_time(c->next_update);
		PKIGEN_CHECK(X509_CRL_set1_nextUpdate(crl, t));
	}
	for (int i = 1; i <= c->n_revoked; i++) {
		X509_REVOKED *rv = X509_REVOKED_new();

		ASN1_INTEGER *serial = ASN1_INTEGER_new();

		PKIGEN_CHECK(rv != NULL && serial != NULL && ASN1_INTEGER_set(serial, i));
		PKIGEN_CHECK(X509_REVOKED_set_serialNumber(rv, serial));
		ASN1_INTEGER_free(serial);
		PKIGEN_CHECK(X509_REVOKED_set_revocationDate(rv, t));
		if (c->reason_critical) {
			ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();

			PKIGEN_CHECK(e != NULL && ASN1_ENUMERATED_set(e, 1));
			PKIGEN_CHECK(X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, e, 1, 0));
			ASN1_ENUMERATED_free(e);
		}
		if (c->entry_ext_oid != NULL && i == c->n_revoked) {
			X509_EXTENSION *ext = pkigen_raw_ext(c->entry_ext_oid,
			    c->entry_ext_critical);

			PKIGEN_CHECK(X509_REVOKED_add_ext(rv, ext, -1));
			X509_EXTENSION_free(ext);
		}
		PKIGEN_CHECK(X509_CRL_add0_revoked(crl, rv));
	}
	ASN1_TIME_free(t);
	if (c->number != NULL) {
		PKIGEN_CHECK(BN_dec2bn(&bn, c->number) > 0);
		ai = BN_to_ASN1_INTEGER(bn, NULL);
		PKIGEN_CHECK(ai != NULL);
		PKIGEN_CHECK(X509_CRL_add1_ext_i2d(crl, NID_crl_number, ai, 0, 0));
		ASN1_INTEGER_free(ai);
		BN_free(bn);
	}
	if (c->idp_critical) {
		ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();

		PKIGEN_CHECK(idp != NULL);
		idp->onlyuser = 1;
		PKIGEN_CHECK(X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp,
		    1, 0));
		ISSUING_DIST_POINT_free(idp);
	}
	if (c->ext_oid != NULL) {
		X509_EXTENSION *ext = pkigen_raw_ext(c->ext_oid, c->ext_critical);

		PKIGEN_CHECK(X509_CRL_add_ext(crl, ext, -1));
		X509_EXTENSION_free(ext);
	}
	PKIGEN_CHECK(X509_CRL_sort(crl));
	PKIGEN_CHECK(X509_CRL_sign(crl, c->key, EVP_sha256()) > 0);
	if (c->flip_signature) {
		X509_CRL_get0_signature(crl, &sig, &alg);
		pkigen_flip(sig);
	}
	if (c->pem) {
		BIO *bio = BIO_new(BIO_s_mem());
		char *p;
		long n;

		PKIGEN_CHECK(bio != NULL && PEM_write_bio_X509_CRL(bio, crl));
		n = BIO_get_mem_data(bio, &p);
		out = malloc((size_t)n);
		PKIGEN_CHECK(out != NULL);
		memcpy(out, p, (size_t)n);
		*len = (size_t)n;
		BIO_free(bio);
	} else {
		/* i2d first: the order arguments are evaluated in is unspecified in C. */
		int n = i2d_X509_CRL(crl, &der);

		out = pkigen_take(der, n, len);
	}
	X509_CRL_free(crl);
	return out;
}

X509 *
pkigen_load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (f == NULL) {
		fprintf(stderr, "pki_gen: cannot open %s\n", path);
		abort();
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		pkigen_die(path);
	return x;
}
