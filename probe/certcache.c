/*
 * Certificates parsed once and reused by their exact bytes, and a minimal DER reader.
 * See certcache.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certcache.h"
#include "../core/util.h"

int
der_tlv_read(const unsigned char *p, const unsigned char *end, struct der_tlv *t)
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

size_t
der_header(unsigned char *out, unsigned tag, size_t len)
{
	unsigned char lb[sizeof(size_t)];
	size_t n = 0;
	int k = 0;

	out[n++] = (unsigned char)tag;
	if (len < 0x80) {
		out[n++] = (unsigned char)len;
		return n;
	}
	for (size_t b = len; b > 0; b >>= 8)
		lb[k++] = (unsigned char)(b & 0xff);
	out[n++] = (unsigned char)(0x80 | k);
	while (k > 0)
		out[n++] = lb[--k];
	return n;
}

/*
 * Parsed certificates by their exact DER; round-robin replacement. signed_by is an
 * issuer whose key was verified to have signed x: the entry holds references to both, so
 * comparing pointers is comparing certificates for as long as the entry lives.
 */
#define CERTCACHE_SIZE	32
/* Larger certificates are parsed but not kept: a hostile responder must not make the
 * cache hold CERTCACHE_SIZE copies of megabyte-sized blobs. Real ones are 1-3 kB. */
#define CERTCACHE_MAX_DER	16384

static _Thread_local struct {
	unsigned char	*der;
	size_t		 len;
	X509		*x;
	X509		*signed_by;
} certcache[CERTCACHE_SIZE];
static _Thread_local size_t certcache_next;

X509 *
certcache_get(const unsigned char *der, size_t len)
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
	if (len > CERTCACHE_MAX_DER)
		return x;
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
certcache_known_signed(const X509 *x, const X509 *issuer)
{
	for (size_t i = 0; i < CERTCACHE_SIZE; i++)
		if (certcache[i].x != NULL && certcache[i].x == x)
			return certcache[i].signed_by != NULL && certcache[i].signed_by == issuer;
	return 0;
}

void
certcache_remember_signed(const X509 *x, X509 *issuer)
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
certcache_clear(void)
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
}
