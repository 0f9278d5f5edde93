/*
 * certcache: the DER reader and header writer the response parsers rely on, and the
 * cache of parsed certificates (reuse by exact bytes, no reuse of other bytes, no caching
 * of oversized certificates, verification memory per issuer object).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "core/util.h"
#include "probe/certcache.h"
#include "tests/support/pki_gen.h"

#define NOW	1797494400000LL		/* 2026-12-17T08:00:00Z */
#define YEAR_MS	(365LL * 86400 * 1000)

static void
der_header_round_trips_through_the_reader(void **state)
{
	static const size_t lens[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, 1u << 24 };
	unsigned char hdr[10];
	struct der_tlv t;

	(void)state;
	for (size_t i = 0; i < NELEM(lens); i++) {
		size_t n = der_header(hdr, 0x30, lens[i]);
		unsigned char *buf = calloc(1, n + lens[i]);

		memcpy(buf, hdr, n);
		assert_int_equal(der_tlv_read(buf, buf + n + lens[i], &t), 0);
		assert_int_equal(t.tag, 0x30);
		assert_int_equal(t.len, lens[i]);
		assert_int_equal(t.total, n + lens[i]);
		assert_ptr_equal(t.val, buf + n);
		/* One byte short: the reader refuses instead of reading past the end. */
		if (lens[i] > 0)
			assert_int_equal(der_tlv_read(buf, buf + n + lens[i] - 1, &t), -1);
		free(buf);
	}
	/* Minimal encodings: 127 in the short form, 128 in one length octet. */
	assert_int_equal(der_header(hdr, 0x04, 127), 2);
	assert_int_equal(der_header(hdr, 0x04, 128), 3);
	assert_int_equal(hdr[1], 0x81);
}

static void
der_reader_refuses_what_it_does_not_handle(void **state)
{
	static const unsigned char high_tag[] = { 0x1f, 0x81, 0x00, 0x00 };
	static const unsigned char indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
	static const unsigned char five_octets[] = { 0x30, 0x85, 0, 0, 0, 0, 1, 0 };
	static const unsigned char huge[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0 };
	static const unsigned char one[] = { 0x30 };
	struct der_tlv t;

	(void)state;
	assert_int_equal(der_tlv_read(high_tag, high_tag + sizeof(high_tag), &t), -1);
	assert_int_equal(der_tlv_read(indefinite, indefinite + sizeof(indefinite), &t), -1);
	assert_int_equal(der_tlv_read(five_octets, five_octets + sizeof(five_octets), &t), -1);
	assert_int_equal(der_tlv_read(huge, huge + sizeof(huge), &t), -1);
	assert_int_equal(der_tlv_read(one, one + 1, &t), -1);
	assert_int_equal(der_tlv_read(one, one, &t), -1);
	assert_int_equal(der_tlv_read(NULL, NULL, &t), -1);
}

/* Returns the DER of a certificate (caller frees), padded with an extension of pad bytes. */
static unsigned char *
cert_der(const char *cn, size_t pad, size_t *len)
{
	EVP_PKEY *key = pkigen_key();
	X509 *x = pkigen_cert(cn, key, NULL, NULL, 7, NOW - YEAR_MS, NOW + YEAR_MS, 0);
	unsigned char *der = NULL, *out;
	int n;

	if (pad > 0) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		unsigned char *blob = calloc(1, pad);
		ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
		X509_EXTENSION *ext;

		assert_true(ASN1_OCTET_STRING_set(os, blob, (int)pad));
		assert_non_null(ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os));
		assert_true(X509_add_ext(x, ext, -1));
		assert_true(X509_sign(x, key, EVP_sha256()) > 0);
		X509_EXTENSION_free(ext);
		ASN1_OBJECT_free(oid);
		ASN1_OCTET_STRING_free(os);
		free(blob);
	}
	assert_true((n = i2d_X509(x, &der)) > 0);
	out = xmalloc((size_t)n);
	memcpy(out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
	return out;
}

static void
cache_reuses_exact_bytes_only(void **state)
{
	size_t la, lb;
	unsigned char *a = cert_der("cache a", 0, &la), *b = cert_der("cache b", 0, &lb);
	X509 *a1, *a2, *b1;

	(void)state;
	certcache_clear();
	assert_non_null(a1 = certcache_get(a, la));
	assert_non_null(a2 = certcache_get(a, la));
	assert_ptr_equal(a1, a2);
	assert_non_null(b1 = certcache_get(b, lb));
	assert_ptr_not_equal(a1, b1);
	/* One bit changed is another certificate (or none): never the cached one. */
	a[la - 1] ^= 1;
	{
		X509 *x = certcache_get(a, la);

		assert_ptr_not_equal(x, a1);
		X509_free(x);
	}
	/* Trailing bytes or a prefix are not a certificate. */
	assert_null(certcache_get(b, lb - 1));
	X509_free(a1);
	X509_free(a2);
	X509_free(b1);
	certcache_clear();
	free(a);
	free(b);
}

static void
cache_does_not_keep_oversized_certificates(void **state)
{
	size_t len;
	unsigned char *big = cert_der("big", 20000, &len);
	X509 *x1, *x2;

	(void)state;
	assert_true(len > 16384);
	certcache_clear();
	assert_non_null(x1 = certcache_get(big, len));
	assert_non_null(x2 = certcache_get(big, len));
	assert_ptr_not_equal(x1, x2);
	assert_int_equal(X509_cmp(x1, x2), 0);
	X509_free(x1);
	X509_free(x2);
	free(big);
}

static void
verification_memory_is_per_issuer_object_and_cleared(void **state)
{
	size_t la;
	unsigned char *a = cert_der("signed", 0, &la);
	EVP_PKEY *k = pkigen_key();
	X509 *i1 = pkigen_cert("issuer", k, NULL, NULL, 1, NOW - YEAR_MS, NOW + YEAR_MS, 0);
	X509 *i2 = X509_dup(i1);	/* same certificate, another object */
	X509 *x, *outside;

	(void)state;
	certcache_clear();
	x = certcache_get(a, la);
	assert_false(certcache_known_signed(x, i1));
	certcache_remember_signed(x, i1);
	assert_true(certcache_known_signed(x, i1));
	assert_false(certcache_known_signed(x, i2));
	/* A certificate the cache does not hold is never known. */
	outside = X509_dup(x);
	certcache_remember_signed(outside, i1);
	assert_false(certcache_known_signed(outside, i1));
	/* The entry holds a reference to the issuer: freeing ours keeps it alive. */
	X509_free(i1);
	assert_true(certcache_known_signed(x, i1));
	certcache_clear();
	assert_false(certcache_known_signed(x, i2));
	X509_free(outside);
	X509_free(x);
	X509_free(i2);
	EVP_PKEY_free(k);
	free(a);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(der_header_round_trips_through_the_reader),
		cmocka_unit_test(der_reader_refuses_what_it_does_not_handle),
		cmocka_unit_test(cache_reuses_exact_bytes_only),
		cmocka_unit_test(cache_does_not_keep_oversized_certificates),
		cmocka_unit_test(verification_memory_is_per_issuer_object_and_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
