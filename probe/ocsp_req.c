/*
 * OCSP requests at the cost of filling in a nonce (issue 22).
 *
 * A probe asks the same question every cycle: only the nonce changes. The CertID (two SHA-1
 * digests and an ASN.1 encoding, ~40 k instructions through OpenSSL 3.0's fetches) is kept
 * per (certificate, issuer) in a small table, and the request around it is assembled here
 * from its DER (RFC 6960 §4.1.1, the shape i2d_OCSP_REQUEST writes, byte for byte: a test
 * compares the two) instead of going through OCSP_REQUEST and ASN1_item_i2d.
 *
 * The table holds a reference on both certificates of each entry, so a certificate freed by
 * a configuration reload can never be mistaken for a new one at the same address; an entry
 * evicted while a probe still uses it lives until that probe lets go (ocsp_reqid_put).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "certcache.h"
#include "ocsp.h"
#include "../core/util.h"

#define REQID_SLOTS	256

static _Thread_local struct ocsp_reqid *slots[REQID_SLOTS];

static void
reqid_free(struct ocsp_reqid *id)
{
	OCSP_CERTID_free(id->certid);
	X509_free(id->cert);
	X509_free(id->issuer);
	free(id->der);
	free(id);
}

void
ocsp_reqid_put(struct ocsp_reqid *id)
{
	if (id != NULL && --id->refs == 0)
		reqid_free(id);
}

static size_t
slot_of(const X509 *cert, const X509 *issuer)
{
	uint64_t h = (uint64_t)(uintptr_t)cert * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)(uintptr_t)issuer * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)(h >> 56) % REQID_SLOTS;
}

struct ocsp_reqid *
ocsp_reqid_get(X509 *cert, X509 *issuer)
{
	struct ocsp_reqid *id, **slot = &slots[slot_of(cert, issuer)];
	unsigned char *der = NULL;
	int n;

	if (*slot != NULL && (*slot)->cert == cert && (*slot)->issuer == issuer) {
		(*slot)->refs++;
		return *slot;
	}
	id = xcalloc(1, sizeof(*id));
	if ((id->certid = OCSP_cert_to_id(EVP_sha1(), cert, issuer)) == NULL ||
	    (n = i2d_OCSP_CERTID(id->certid, &der)) <= 0) {
		OCSP_CERTID_free(id->certid);
		free(id);
		ERR_clear_error();
		return NULL;
	}
	id->der = xmalloc((size_t)n);
	memcpy(id->der, der, (size_t)n);
	id->len = (size_t)n;
	OPENSSL_free(der);
	X509_up_ref(cert);
	X509_up_ref(issuer);
	id->cert = cert;
	id->issuer = issuer;
	id->refs = 2;		/* the table's and the caller's */
	ocsp_reqid_put(*slot);
	*slot = id;
	return id;
}

void
ocsp_reqid_cache_clear(void)
{
	for (size_t i = 0; i < REQID_SLOTS; i++) {
		ocsp_reqid_put(slots[i]);
		slots[i] = NULL;
	}
}

/* id-pkix-ocsp-nonce, 1.3.6.1.5.5.7.48.1.2, with its tag and length. */
static const unsigned char oid_nonce[] = {
	0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02
};

/* Bytes of a DER tag and length header for content of len bytes. */
static size_t
hdr_len(size_t len)
{
	size_t n = 2;

	if (len >= 0x80)
		for (size_t b = len; b > 0; b >>= 8)
			n++;
	return n;
}

/* The TLV length of content of len bytes. */
static size_t
tlv(size_t len)
{
	return hdr_len(len) + len;
}

int
ocsp_request_from_certid(const unsigned char *certid, size_t certid_len,
    const unsigned char *nonce, size_t nonce_len, unsigned char **der, size_t *len)
{
	size_t req, list, ext_in = 0, ext = 0, exts = 0, tbs_in, tbs, total, n = 0;
	unsigned char *out;

	*der = NULL;
	*len = 0;
	if (certid_len == 0 || certid_len > 1024 || (nonce != NULL && nonce_len > 64))
		return -1;
	req = tlv(certid_len);		/* Request ::= SEQUENCE { reqCert CertID } */
	list = tlv(req);		/* requestList SEQUENCE OF Request */
	if (nonce != NULL) {
		/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING { Nonce } } */
		ext_in = sizeof(oid_nonce) + tlv(tlv(nonce_len));
		ext = tlv(ext_in);
		exts = tlv(ext);	/* Extensions ::= SEQUENCE OF Extension */
	}
	tbs_in = list + (nonce != NULL ? tlv(exts) : 0);	/* requestExtensions [2] */
	tbs = tlv(tbs_in);
	total = tlv(tbs);		/* OCSPRequest ::= SEQUENCE { tbsRequest } */
	out = xmalloc(total);
	n += der_header(out + n, 0x30, tbs);
	n += der_header(out + n, 0x30, tbs_in);
	n += der_header(out + n, 0x30, req);
	n += der_header(out + n, 0x30, certid_len);
	memcpy(out + n, certid, certid_len);
	n += certid_len;
	if (nonce != NULL) {
		n += der_header(out + n, 0xa2, exts);
		n += der_header(out + n, 0x30, ext);
		n += der_header(out + n, 0x30, ext_in);
		memcpy(out + n, oid_nonce, sizeof(oid_nonce));
		n += sizeof(oid_nonce);
		n += der_header(out + n, 0x04, tlv(nonce_len));
		n += der_header(out + n, 0x04, nonce_len);
		memcpy(out + n, nonce, nonce_len);
		n += nonce_len;
	}
	if (n != total) {
		free(out);
		return -1;
	}
	*der = out;
	*len = total;
	return 0;
}
