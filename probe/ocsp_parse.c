/*
 * OCSPResponse → BasicOCSPResponse and its certificates, without decoding again a
 * certificate decoded before.
 *
 * A responder puts the same responder certificate into every response it signs. OpenSSL
 * 3.0 decodes each certificate's public key through OSSL_DECODER_CTX_new_for_pkey, which
 * costs more than the rest of an OCSP probe together (see README "Performance"). So the
 * certs field is cut out of the DER before OpenSSL parses the response, and each
 * certificate in it is looked up by its exact bytes in a small cache of parsed X509s.
 *
 * The walk below reads only definite-length DER and the exact shape RFC 6960 §4.2.1
 * gives; anything else (BER, trailing bytes, another response type, a certificate that
 * does not parse) makes ocsp_basic_parse return 0 and the caller uses OpenSSL's own
 * parser, which then decides and reports exactly as before. The signature covers only
 * tbsResponseData, which is passed to OpenSSL byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "ocsp.h"
#include "../core/util.h"

/* One DER TLV: tag byte, content val[0..len), whole encoding hdr[0..total). */
struct tlv {
	unsigned	 tag;
	const unsigned char *hdr;
	const unsigned char *val;
	size_t		 len;
	size_t		 total;
};

/* Reads the TLV at p (before end); low tag numbers and definite lengths only. */
static int
tlv_read(const unsigned char *p, const unsigned char *end, struct tlv *t)
{
	size_t n, k;

	if (p == NULL || end - p < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	t->hdr = p;
	t->tag = *p++;
	n = *p++;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - p) < k)
			return -1;
		for (n = 0; k > 0; k--)
			n = n << 8 | *p++;
	}
	if ((size_t)(end - p) < n)
		return -1;
	t->val = p;
	t->len = n;
	t->total = (size_t)(p - t->hdr) + n;
	return 0;
}

/* id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1, as DER content octets. */
static const unsigned char oid_basic[] = {
	0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01
};

/*
 * Parsed certificates by their exact DER; round-robin replacement. signed_by is an
 * issuer whose key was verified to have signed x: the entry holds references to both, so
 * comparing pointers is comparing certificates for as long as the entry lives.
 */
#define CERTCACHE_SIZE	32

static struct {
	unsigned char	*der;
	size_t		 len;
	X509		*x;
	X509		*signed_by;
} certcache[CERTCACHE_SIZE];
static size_t certcache_next;

/* Returns a new reference to the certificate with DER der[0..len), or NULL. */
static X509 *
cert_get(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;
	size_t i;

	for (i = 0; i < CERTCACHE_SIZE; i++)
		if (certcache[i].x != NULL && certcache[i].len == len &&
		    memcmp(certcache[i].der, der, len) == 0) {
			X509_up_ref(certcache[i].x);
			return certcache[i].x;
		}
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		return NULL;
	}
	i = certcache_next;
	certcache_next = (certcache_next + 1) % CERTCACHE_SIZE;
	X509_free(certcache[i].x);
	X509_free(certcache[i].signed_by);
	certcache[i].signed_by = NULL;
	free(certcache[i].der);
	certcache[i].der = xmalloc(len);
	memcpy(certcache[i].der, der, len);
	certcache[i].len = len;
	certcache[i].x = x;
	X509_up_ref(x);
	return x;
}

int
ocsp_cert_known_signed(const X509 *x, const X509 *issuer)
{
	for (size_t i = 0; i < CERTCACHE_SIZE; i++)
		if (certcache[i].x != NULL && certcache[i].x == x)
			return certcache[i].signed_by != NULL && certcache[i].signed_by == issuer;
	return 0;
}

void
ocsp_cert_remember_signed(const X509 *x, X509 *issuer)
{
	for (size_t i = 0; i < CERTCACHE_SIZE; i++)
		if (certcache[i].x != NULL && certcache[i].x == x) {
			if (X509_up_ref(issuer) != 1)
				return;
			X509_free(certcache[i].signed_by);
			certcache[i].signed_by = issuer;
			return;
		}
}

void
ocsp_cert_cache_clear(void)
{
	for (size_t i = 0; i < CERTCACHE_SIZE; i++) {
		X509_free(certcache[i].x);
		X509_free(certcache[i].signed_by);
		certcache[i].signed_by = NULL;
		free(certcache[i].der);
		certcache[i].x = NULL;
		certcache[i].der = NULL;
		certcache[i].len = 0;
	}
	certcache_next = 0;
	ocsp_name_cache_clear();
}

int
ocsp_basic_parse(const unsigned char *der, size_t len, OCSP_BASICRESP **bsp,
    STACK_OF(X509) **certsp)
{
	const unsigned char *end = der + len, *p, *q;
	struct tlv resp, st, rbx, rb, oid, oct, basic, tbs, alg, sig, c0, seq, cert;
	STACK_OF(X509) *certs = NULL;
	OCSP_BASICRESP *bs = NULL;
	unsigned char *buf = NULL;
	size_t body, n;
	X509 *x;

	*bsp = NULL;
	*certsp = NULL;
	/* OCSPResponse ::= SEQUENCE { responseStatus, responseBytes [0] EXPLICIT ... } */
	if (der == NULL || tlv_read(der, end, &resp) != 0 || resp.tag != 0x30 ||
	    resp.total != len)
		return 0;
	end = resp.val + resp.len;
	if (tlv_read(resp.val, end, &st) != 0 || st.tag != 0x0a ||
	    tlv_read(st.val + st.len, end, &rbx) != 0 || rbx.tag != 0xa0 ||
	    rbx.val + rbx.len != end)
		return 0;
	/* ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING } */
	if (tlv_read(rbx.val, end, &rb) != 0 || rb.tag != 0x30 || rb.total != rbx.len ||
	    tlv_read(rb.val, end, &oid) != 0 || oid.tag != 0x06 ||
	    oid.len != sizeof(oid_basic) || memcmp(oid.val, oid_basic, oid.len) != 0 ||
	    tlv_read(oid.val + oid.len, end, &oct) != 0 || oct.tag != 0x04 ||
	    oct.val + oct.len != end)
		return 0;
	/* BasicOCSPResponse ::= SEQUENCE { tbs, algorithm, signature, certs [0] OPTIONAL } */
	end = oct.val + oct.len;
	if (tlv_read(oct.val, end, &basic) != 0 || basic.tag != 0x30 || basic.total != oct.len)
		return 0;
	if (tlv_read(basic.val, end, &tbs) != 0 || tbs.tag != 0x30 ||
	    tlv_read(tbs.hdr + tbs.total, end, &alg) != 0 || alg.tag != 0x30 ||
	    tlv_read(alg.hdr + alg.total, end, &sig) != 0 || sig.tag != 0x03)
		return 0;
	p = sig.hdr + sig.total;
	if ((certs = sk_X509_new_null()) == NULL)
		return 0;
	if (p != end) {
		if (tlv_read(p, end, &c0) != 0 || c0.tag != 0xa0 || c0.hdr + c0.total != end ||
		    tlv_read(c0.val, end, &seq) != 0 || seq.tag != 0x30 || seq.total != c0.len)
			goto fallback;
		for (q = seq.val; q < end; q += cert.total) {
			if (tlv_read(q, end, &cert) != 0 || cert.tag != 0x30 ||
			    (x = cert_get(cert.hdr, cert.total)) == NULL)
				goto fallback;
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				goto fallback;
			}
		}
	}
	/* The response without its certs: tbs, algorithm and signature, byte for byte. */
	body = (size_t)(p - tbs.hdr);
	buf = xmalloc(body + 6);
	n = 0;
	buf[n++] = 0x30;
	if (body < 0x80) {
		buf[n++] = (unsigned char)body;
	} else {
		unsigned char lb[4];
		int k = 0;

		for (size_t b = body; b > 0; b >>= 8)
			lb[k++] = (unsigned char)(b & 0xff);
		buf[n++] = (unsigned char)(0x80 | k);
		while (k > 0)
			buf[n++] = lb[--k];
	}
	memcpy(buf + n, tbs.hdr, body);
	q = buf;
	if ((bs = d2i_OCSP_BASICRESP(NULL, &q, (long)(n + body))) == NULL ||
	    q != buf + n + body)
		goto fallback;
	free(buf);
	*bsp = bs;
	*certsp = certs;
	return 1;
fallback:
	free(buf);
	OCSP_BASICRESP_free(bs);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}
