/*
 * Key identifiers of certificates (see keyid.h): what core/qualified.c matches a watched
 * endpoint's signer and issuer against in a trusted list.
 */
#include <stdlib.h>

#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "keyid.h"
#include "../core/details.h"
#include "../core/util.h"

/* Lower-case hex of p[0..n) (caller frees); a table, not snprintf per byte (issue 22). */
static char *
hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

char *
probe_key_id(X509 *x)
{
	const ASN1_OCTET_STRING *ski;
	const ASN1_BIT_STRING *k;
	unsigned char md[SHA_DIGEST_LENGTH];

	if (x == NULL)
		return NULL;
	if ((ski = X509_get0_subject_key_id(x)) != NULL && ASN1_STRING_length(ski) > 0)
		return hex(ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski));
	if ((k = X509_get0_pubkey_bitstr(x)) == NULL)
		return NULL;
	SHA1(ASN1_STRING_get0_data(k), (size_t)ASN1_STRING_length(k), md);
	return hex(md, sizeof(md));
}

void
probe_record_key_ids(struct result *r, X509 *signer, X509 *issuer)
{
	char *s = probe_key_id(signer), *i = probe_key_id(issuer);
	const ASN1_OCTET_STRING *aki;

	if (i == NULL && signer != NULL && (aki = X509_get0_authority_key_id(signer)) != NULL &&
	    ASN1_STRING_length(aki) > 0)
		i = hex(ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki));
	if (s != NULL)
		detail_set_str(r->details, DETAIL_SIGNER_KEY_ID, s);
	if (i != NULL)
		detail_set_str(r->details, DETAIL_ISSUER_KEY_ID, i);
	free(s);
	free(i);
}
