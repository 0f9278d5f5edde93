/*
 * Key identifiers of certificates, as trusted lists name services (ETSI TS 119 612
 * X509SKI): the subjectKeyIdentifier, or when absent the SHA-1 of the subjectPublicKey
 * (RFC 5280 §4.2.1.2 method 1); lowercase hex.
 */
#ifndef TW_PROBE_KEYID_H
#define TW_PROBE_KEYID_H

#include <openssl/x509.h>

#include "../core/result.h"

/* The certificate's key identifier (caller frees), or NULL. */
char *probe_key_id(X509 *);
/*
 * Records signer_key_id (signer's key identifier) and issuer_key_id (issuer's, else the
 * signer's authorityKeyIdentifier) in r's details; signer or issuer may be NULL.
 */
void probe_record_key_ids(struct result *r, X509 *signer, X509 *issuer);

#endif
