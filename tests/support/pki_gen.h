/*
 * Test-only: a throwaway PKI built in memory with the OpenSSL C API, and OCSP responses
 * and CRLs signed by it. Keys are EC P-256 (fast to generate). Times are Unix epoch ms.
 * Every function aborts the test binary on an OpenSSL failure: fixtures never half-exist.
 */
#ifndef TW_TEST_PKI_GEN_H
#define TW_TEST_PKI_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#define PKIGEN_DAY_MS	(86400LL * 1000)

enum pkigen_flag {
	PKIGEN_CA = 1 << 0,		/* basicConstraints CA, keyUsage keyCertSign|cRLSign */
	PKIGEN_OCSP_SIGNING = 1 << 1,	/* extendedKeyUsage id-kp-OCSPSigning */
	PKIGEN_NO_CRL_SIGN = 1 << 2,	/* with PKIGEN_CA: keyUsage keyCertSign only */
	PKIGEN_UNKNOWN_EXT = 1 << 3,	/* extension PKIGEN_UNKNOWN_OID, non-critical */
	PKIGEN_UNKNOWN_CRIT = 1 << 4,	/* extension PKIGEN_UNKNOWN_OID, critical */
};

/* An extension type no software processes. */
#define PKIGEN_UNKNOWN_OID	"1.3.6.1.4.1.99999.7"

/* Returns a new EC P-256 key; caller frees. */
EVP_PKEY *pkigen_key(void);

/*
 * Returns a certificate for key named CN=cn, O=trustwatch test, serial serial, valid
 * [not_before, not_after], signed by issuer_key under issuer (NULL issuer = self-signed).
 * Caller frees.
 */
X509	*pkigen_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
	    long serial, int64_t not_before, int64_t not_after, unsigned flags);

/* A PKI around now: everything valid from now - 1 year to now + 1 year unless noted. */
struct pkigen {
	EVP_PKEY	*ca_key;
	X509		*ca;		/* "Test CA" */
	EVP_PKEY	*responder_key;
	X509		*responder;	/* issued by ca, OCSPSigning */
	X509		*expired_responder;	/* issued by ca, OCSPSigning, ended now - 1 day */
	X509		*plain_signer;	/* issued by ca, no EKU (a leaf that is not a responder) */
	EVP_PKEY	*rogue_key;
	X509		*rogue_ca;	/* "Rogue CA": an unrelated CA */
	X509		*namesake_ca;	/* self-signed, same name as ca, rogue_key */
	EVP_PKEY	*rogue_responder_key;
	X509		*rogue_responder;	/* issued by rogue_ca, OCSPSigning */
	X509		*namesake_responder;	/* issued by namesake_ca, OCSPSigning */
	X509		*no_crl_sign_ca;	/* CA whose keyUsage lacks cRLSign, key ca_key */
	EVP_PKEY	*leaf_key;
	X509		*leaf;		/* issued by ca, serial 0x1001 */
	X509		*other_leaf;	/* issued by ca, serial 0x1002 */
	X509		*crit_responder;	/* responder with a critical unknown extension */
	X509		*noncrit_responder;	/* the same extension, not critical */
};

/* Returns a new PKI valid around now; free with pkigen_free (NULL is a no-op). */
struct pkigen *pkigen_new(int64_t now);
void	pkigen_free(struct pkigen *);

/* What pkigen_ocsp_response signs. Zero fields take the defaults noted. */
struct pkigen_ocsp {
	int		 response_status;	/* OCSP_RESPONSE_STATUS_*; non-0 = no body */
	X509		*subject;		/* the certificate answered about */
	X509		*subject_issuer;
	const EVP_MD	*certid_md;		/* NULL = SHA-1 */
	int		 cert_status;		/* V_OCSP_CERTSTATUS_* */
	int64_t		 revoked_at;		/* with REVOKED */
	int64_t		 this_update;
	int64_t		 next_update;		/* 0 = absent */
	X509		*signer;
	EVP_PKEY	*signer_key;
	int		 omit_certs;		/* do not include the signer certificate */
	int		 by_key;		/* ResponderID byKey instead of byName */
	const unsigned char *nonce;		/* echoed nonce, NULL = none */
	size_t		 nonce_len;
	int		 flip_signature;	/* alter the last signature byte after signing */
	const char	*resp_ext_oid;		/* a responseExtension (value NULL), NULL = none */
	int		 resp_ext_critical;
	const char	*single_ext_oid;	/* a singleExtension of the single response */
	int		 single_ext_critical;
};

/* Returns a DER OCSPResponse (caller frees with free()) and its length in *len. */
unsigned char *pkigen_ocsp_response(const struct pkigen_ocsp *, size_t *len);

/* What pkigen_crl signs. */
struct pkigen_crl {
	X509		*issuer;		/* name source */
	EVP_PKEY	*key;			/* signing key */
	int64_t		 this_update;
	int64_t		 next_update;		/* 0 = absent */
	const char	*number;		/* decimal CRL number, NULL = none */
	int		 n_revoked;		/* entries with serials 1..n */
	int		 pem;			/* PEM instead of DER */
	int		 flip_signature;
	const char	*ext_oid;		/* a CRL extension (dotted OID, value NULL) */
	int		 ext_critical;
	const char	*entry_ext_oid;		/* the same on the entry with the last serial */
	int		 entry_ext_critical;
	int		 idp_critical;		/* critical issuingDistributionPoint */
	int		 reason_critical;	/* critical reasonCode on every entry */
};

/* Returns an extension of type oid (dotted) whose value is an ASN.1 NULL. Caller frees. */
X509_EXTENSION *pkigen_raw_ext(const char *oid, int critical);

/* Returns a CRL (caller frees with free()) and its length in *len. */
unsigned char *pkigen_crl(const struct pkigen_crl *, size_t *len);

/* Reads a PEM certificate file; aborts when it cannot. Caller frees. */
X509	*pkigen_load_cert(const char *path);

#endif
