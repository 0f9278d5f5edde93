/*
 * Certificates carried inside responses (OCSP responder certificates, TSA certificates in
 * time-stamp tokens), parsed once and reused by their exact bytes, and the small DER
 * reader that finds them. Why: OpenSSL 3.0 decodes every certificate's public key through
 * OSSL_DECODER_CTX_new_for_pkey, which costs more than the rest of a probe together,
 * while a responder sends the same certificate in every answer (README "Performance").
 */
#ifndef TW_PROBE_CERTCACHE_H
#define TW_PROBE_CERTCACHE_H

#include <stddef.h>

#include <openssl/x509.h>

/* One DER TLV: tag byte, content val[0..len), the whole encoding hdr[0..total). */
struct der_tlv {
	unsigned	 tag;
	const unsigned char *hdr;
	const unsigned char *val;
	size_t		 len;
	size_t		 total;
};

/*
 * Reads the TLV at p (before end): low tag numbers and definite lengths of up to 4 length
 * octets only. Returns 0, or -1 when p does not start such a TLV that fits before end.
 */
int	der_tlv_read(const unsigned char *p, const unsigned char *end, struct der_tlv *t);

/*
 * Writes a DER header (tag, length len) to out (at least 10 bytes); returns its size.
 */
size_t	der_header(unsigned char *out, unsigned tag, size_t len);

/*
 * Returns a new reference to the certificate whose DER is exactly der[0..len): from the
 * cache, or parsed (the whole input must be one certificate) and cached. NULL when it
 * does not parse. The cache holds 32 certificates of up to 16 kB, replaced round-robin.
 */
X509	*certcache_get(const unsigned char *der, size_t len);

/*
 * Whether x, a certificate from certcache_get still in the cache, was verified to be
 * signed by issuer's key (certcache_remember_signed). The entry holds references to both
 * x and issuer, so comparing pointers compares certificates while it lives. Else 0.
 */
int	certcache_known_signed(const X509 *x, const X509 *issuer);
void	certcache_remember_signed(const X509 *x, X509 *issuer);

/* Empties the cache (at exit, for leak checkers); references held by callers stay valid. */
void	certcache_clear(void);

#endif
