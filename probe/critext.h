/*
 * Critical extensions a relying party does not process (RFC 5280 §4.2, §5.2, §5.3;
 * RFC 6960 §4.4; RFC 3161 §2.4.2): one walk shared by the crl, ocsp and tsa kinds.
 */
#ifndef TW_PROBE_CRITEXT_H
#define TW_PROBE_CRITEXT_H

#include <stddef.h>

#include <openssl/x509.h>

/* Enough for any OID we print: longer ones are cut and end in "...". */
#define CRITEXT_OID_MAX	96

/*
 * Returns 1 when ext is critical and its type is not one of the NIDs known[0..n),
 * writing its name as critext_unknown does; else 0.
 */
int	critext_one(const X509_EXTENSION *ext, const int *known, size_t n, char *oid);

/*
 * Looks for a critical extension in exts (NULL = none) whose type is not one of the
 * NIDs known[0..n). Returns 1 and writes its dotted OID, with OpenSSL's short name
 * in parentheses when it has one, into oid[CRITEXT_OID_MAX]; returns 0 when every
 * critical extension is known (oid untouched). Never allocates on the 0 path.
 */
int	critext_unknown(const STACK_OF(X509_EXTENSION) *exts, const int *known, size_t n,
	    char *oid);

/*
 * Looks for a critical extension of cert that OpenSSL's verifier does not process
 * (X509_supported_extension: the set X509_verify_cert enforces). For code paths that
 * check a certificate without X509_verify_cert. Returns 1 with oid written, else 0.
 */
int	critext_cert_unhandled(X509 *cert, char *oid);

/* Writes serial in hex (as OpenSSL prints it; "?" when it cannot) into out[outsz]. */
void	critext_serial_hex(const ASN1_INTEGER *serial, char *out, size_t outsz);

#endif
