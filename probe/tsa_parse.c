/*
 * A TimeStampToken parsed without decoding again a certificate decoded before: the
 * certificates field of the SignedData is cut out of the DER before OpenSSL parses the
 * token, and each certificate in it comes from the certificate cache (certcache.h) and
 * is added back to the parsed SignedData, in order. What the checks then see is what
 * d2i_CMS_ContentInfo would have produced; the signature covers the signed attributes
 * and TSTInfo, not the certificates field.
 *
 * Only definite-length DER of RFC 5652's shape with plain certificates is read this way;
 * anything else (BER as some TSAs send, other certificate choices, trailing bytes, a
 * duplicate or unparsable certificate) makes tsa_token_parse return NULL and the caller
 * uses OpenSSL's parser, which then decides and reports as before.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "certcache.h"
#include "tsa.h"
#include "../core/util.h"

/* id-signedData, 1.2.840.113549.1.7.2, as DER content octets. */
static const unsigned char oid_signed_data[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

CMS_ContentInfo *
tsa_token_parse(const unsigned char *der, size_t len)
{
	const unsigned char *end = der + len, *p, *q;
	struct der_tlv ci, oid, c0, sd, ver, algs, encap, certs, cert;
	STACK_OF(X509) *xs = NULL;
	CMS_ContentInfo *cms = NULL;
	unsigned char *buf = NULL, h_sd[10], h_c0[10], h_ci[10];
	size_t before, after, n_sd, n_c0, n_ci, sd_len, c0_len, ci_len, at;
	X509 *x;

	/* ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT SignedData } */
	if (der == NULL || der_tlv_read(der, end, &ci) != 0 || ci.tag != 0x30 ||
	    ci.total != len || der_tlv_read(ci.val, end, &oid) != 0 || oid.tag != 0x06 ||
	    oid.len != sizeof(oid_signed_data) ||
	    memcmp(oid.val, oid_signed_data, oid.len) != 0 ||
	    der_tlv_read(oid.hdr + oid.total, end, &c0) != 0 || c0.tag != 0xa0 ||
	    c0.hdr + c0.total != end ||
	    der_tlv_read(c0.val, end, &sd) != 0 || sd.tag != 0x30 || sd.total != c0.len)
		return NULL;
	/* SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
	 *     certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos } */
	if (der_tlv_read(sd.val, end, &ver) != 0 || ver.tag != 0x02 ||
	    der_tlv_read(ver.hdr + ver.total, end, &algs) != 0 || algs.tag != 0x31 ||
	    der_tlv_read(algs.hdr + algs.total, end, &encap) != 0 || encap.tag != 0x30 ||
	    der_tlv_read(encap.hdr + encap.total, end, &certs) != 0 || certs.tag != 0xa0)
		return NULL;
	if ((xs = sk_X509_new_null()) == NULL)
		return NULL;
	p = certs.hdr + certs.total;
	for (q = certs.val; q < p; q += cert.total) {
		if (der_tlv_read(q, p, &cert) != 0 || cert.tag != 0x30 ||
		    (x = certcache_get(cert.hdr, cert.total)) == NULL)
			goto fallback;
		if (!sk_X509_push(xs, x)) {
			X509_free(x);
			goto fallback;
		}
	}
	/* The token without its certificates: every other byte as it came. */
	before = (size_t)(certs.hdr - ver.hdr);
	after = (size_t)(end - p);
	sd_len = before + after;
	n_sd = der_header(h_sd, 0x30, sd_len);
	c0_len = n_sd + sd_len;
	n_c0 = der_header(h_c0, 0xa0, c0_len);
	ci_len = oid.total + n_c0 + c0_len;
	n_ci = der_header(h_ci, 0x30, ci_len);
	buf = xmalloc(n_ci + ci_len);
	at = 0;
	memcpy(buf + at, h_ci, n_ci);
	at += n_ci;
	memcpy(buf + at, oid.hdr, oid.total);
	at += oid.total;
	memcpy(buf + at, h_c0, n_c0);
	at += n_c0;
	memcpy(buf + at, h_sd, n_sd);
	at += n_sd;
	memcpy(buf + at, ver.hdr, before);
	at += before;
	memcpy(buf + at, p, after);
	at += after;
	q = buf;
	if ((cms = d2i_CMS_ContentInfo(NULL, &q, (long)at)) == NULL || q != buf + at)
		goto fallback;
	for (int i = 0; i < sk_X509_num(xs); i++)
		if (CMS_add1_cert(cms, sk_X509_value(xs, i)) != 1)
			goto fallback;
	free(buf);
	sk_X509_pop_free(xs, X509_free);
	return cms;
fallback:
	free(buf);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(xs, X509_free);
	probe_err_clear();
	return NULL;
}
