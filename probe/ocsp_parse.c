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

#include "certcache.h"
#include "ocsp.h"
#include "../core/util.h"

/* id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1, as DER content octets. */
static const unsigned char oid_basic[] = {
	0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01
};

int
ocsp_basic_parse(const unsigned char *der, size_t len, OCSP_BASICRESP **bsp,
    STACK_OF(X509) **certsp)
{
	const unsigned char *tbs;
	size_t tbs_len;

	return ocsp_basic_parse_tbs(der, len, bsp, certsp, &tbs, &tbs_len);
}

/* ocsp_basic_parse_tbs; *status is responseStatus when it is one content octet, else -1. */
static int
parse(const unsigned char *der, size_t len, OCSP_BASICRESP **bsp, STACK_OF(X509) **certsp,
    const unsigned char **tbsp, size_t *tbs_lenp, int *status);

int
ocsp_basic_parse_tbs(const unsigned char *der, size_t len, OCSP_BASICRESP **bsp,
    STACK_OF(X509) **certsp, const unsigned char **tbsp, size_t *tbs_lenp)
{
	int status;

	return parse(der, len, bsp, certsp, tbsp, tbs_lenp, &status);
}

int
ocsp_successful_parse_tbs(const unsigned char *der, size_t len, OCSP_BASICRESP **bsp,
    STACK_OF(X509) **certsp, const unsigned char **tbsp, size_t *tbs_lenp)
{
	int status;

	if (!parse(der, len, bsp, certsp, tbsp, tbs_lenp, &status))
		return 0;
	if (status == OCSP_RESPONSE_STATUS_SUCCESSFUL)
		return 1;
	OCSP_BASICRESP_free(*bsp);
	sk_X509_pop_free(*certsp, X509_free);
	*bsp = NULL;
	*certsp = NULL;
	*tbsp = NULL;
	*tbs_lenp = 0;
	return 0;
}

static int
parse(const unsigned char *der, size_t len, OCSP_BASICRESP **bsp, STACK_OF(X509) **certsp,
    const unsigned char **tbsp, size_t *tbs_lenp, int *status)
{
	const unsigned char *end = der + len, *p, *q;
	struct der_tlv resp, st, rbx, rb, oid, oct, basic, tbs, alg, sig, c0, seq, cert;
	STACK_OF(X509) *certs = NULL;
	OCSP_BASICRESP *bs = NULL;
	unsigned char *buf = NULL;
	size_t body, n;
	X509 *x;

	*bsp = NULL;
	*certsp = NULL;
	*tbsp = NULL;
	*tbs_lenp = 0;
	/* OCSPResponse ::= SEQUENCE { responseStatus, responseBytes [0] EXPLICIT ... } */
	if (der == NULL || der_tlv_read(der, end, &resp) != 0 || resp.tag != 0x30 ||
	    resp.total != len)
		return 0;
	end = resp.val + resp.len;
	*status = -1;
	if (der_tlv_read(resp.val, end, &st) != 0 || st.tag != 0x0a ||
	    der_tlv_read(st.val + st.len, end, &rbx) != 0 || rbx.tag != 0xa0 ||
	    rbx.val + rbx.len != end)
		return 0;
	/* ENUMERATED, one content octet: 0 to 127 as is (higher would be negative). */
	if (st.len == 1 && st.val[0] < 0x80)
		*status = st.val[0];
	/* ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING } */
	if (der_tlv_read(rbx.val, end, &rb) != 0 || rb.tag != 0x30 || rb.total != rbx.len ||
	    der_tlv_read(rb.val, end, &oid) != 0 || oid.tag != 0x06 ||
	    oid.len != sizeof(oid_basic) || memcmp(oid.val, oid_basic, oid.len) != 0 ||
	    der_tlv_read(oid.val + oid.len, end, &oct) != 0 || oct.tag != 0x04 ||
	    oct.val + oct.len != end)
		return 0;
	/* BasicOCSPResponse ::= SEQUENCE { tbs, algorithm, signature, certs [0] OPTIONAL } */
	end = oct.val + oct.len;
	if (der_tlv_read(oct.val, end, &basic) != 0 || basic.tag != 0x30 || basic.total != oct.len)
		return 0;
	if (der_tlv_read(basic.val, end, &tbs) != 0 || tbs.tag != 0x30 ||
	    der_tlv_read(tbs.hdr + tbs.total, end, &alg) != 0 || alg.tag != 0x30 ||
	    der_tlv_read(alg.hdr + alg.total, end, &sig) != 0 || sig.tag != 0x03)
		return 0;
	p = sig.hdr + sig.total;
	if ((certs = sk_X509_new_null()) == NULL)
		return 0;
	if (p != end) {
		if (der_tlv_read(p, end, &c0) != 0 || c0.tag != 0xa0 || c0.hdr + c0.total != end ||
		    der_tlv_read(c0.val, end, &seq) != 0 || seq.tag != 0x30 || seq.total != c0.len)
			goto fallback;
		for (q = seq.val; q < end; q += cert.total) {
			if (der_tlv_read(q, end, &cert) != 0 || cert.tag != 0x30 ||
			    (x = certcache_get(cert.hdr, cert.total)) == NULL)
				goto fallback;
			if (!sk_X509_push(certs, x)) {
				X509_free(x);
				goto fallback;
			}
		}
	}
	/* The response without its certs: tbs, algorithm and signature, byte for byte. */
	body = (size_t)(p - tbs.hdr);
	buf = xmalloc(body + 10);
	n = der_header(buf, 0x30, body);
	memcpy(buf + n, tbs.hdr, body);
	q = buf;
	if ((bs = d2i_OCSP_BASICRESP(NULL, &q, (long)(n + body))) == NULL ||
	    q != buf + n + body)
		goto fallback;
	free(buf);
	*bsp = bs;
	*certsp = certs;
	*tbsp = tbs.hdr;
	*tbs_lenp = tbs.total;
	return 1;
fallback:
	free(buf);
	OCSP_BASICRESP_free(bs);
	sk_X509_pop_free(certs, X509_free);
	probe_err_clear();
	return 0;
}
