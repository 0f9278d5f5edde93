/*
 * Test-only RFC 3161 PKI, generated at test time with the OpenSSL C API:
 * a root, an intermediate and a TSA certificate (critical timeStamping EKU),
 * plus a rogue root and TSA with the same names and another key, and a twin of
 * the TSA certificate whose timeStamping EKU is not critical. Responses come from
 * TS_RESP_CTX.
 */
#ifndef TW_TSA_PKI_H
#define TW_TSA_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Every certificate is valid from TSAPKI_NOT_BEFORE to TSAPKI_NOT_AFTER (epoch seconds). */
#define TSAPKI_NOT_BEFORE	1577836800LL	/* 2020-01-01 */
#define TSAPKI_NOT_AFTER	2208988800LL	/* 2040-01-01 */

struct tsapki {
	EVP_PKEY	*root_key, *inter_key, *tsa_key, *rogue_key;
	X509		*root;		/* self-signed */
	X509		*inter;		/* issued by root */
	X509		*tsa;		/* issued by inter, critical EKU timeStamping */
	X509		*rogue_root;	/* same subject as root, another key */
	X509		*rogue_tsa;	/* same subject as tsa, issued by rogue_root */
	/*
	 * tsa's twin (same key, issuer and serial) whose EKU is not critical.
	 * TS_RESP_CTX refuses to sign with it: tests answer with tsa, without
	 * certificates in the token, and put the twin in the trust file.
	 */
	X509		*noeku_tsa;
	X509		*crit_tsa;	/* tsa's key, issued by inter, critical unknown extension */
	X509		*noncrit_tsa;	/* the same extension, not critical; SAN DNS:tsu.test */
};

enum tsapki_signer {
	TSAPKI_SIGNER_TSA,
	TSAPKI_SIGNER_ROGUE,
	TSAPKI_SIGNER_CRIT,	/* crit_tsa */
	TSAPKI_SIGNER_NONCRIT,	/* noncrit_tsa */
};

/* How to answer; zeroed fields mean: the TSA, granted, no nonce, ESSCertID v1, sha256. */
struct tsapki_opts {
	enum tsapki_signer signer;
	const unsigned char *req_der;	/* answer this TimeStampReq; NULL = build one below */
	size_t		 req_len;
	const unsigned char *digest;	/* imprint of the built request */
	size_t		 digest_len;
	int		 hash_nid;	/* 0 = NID_sha256 */
	const BIGNUM	*nonce;		/* NULL = request without nonce */
	int		 no_cert_req;	/* request certReq false: no certificates in the token */
	const char	*policy;	/* default policy, NULL = TSAPKI_POLICY */
	int64_t		 gen_ms;	/* genTime, epoch ms */
	int		 accuracy_s, accuracy_ms;
	int		 status;	/* PKIStatus; 0 = granted */
	int		 failure;	/* a TS_INFO_* bit, or -1 = none */
	const char	*status_text;	/* statusString, NULL = none */
	int		 ess_v2;	/* ESSCertIDv2 with SHA-256 instead of ESSCertID */
	/*
	 * Set any of these and the TSTInfo is changed after TS_RESP_CTX made it, then
	 * signed again with the CMS API (ESSCertID v1; the chain when certReq):
	 */
	const char	*tsa_dn_cn;	/* tsa = directoryName O=trustwatch tests, CN=this */
	const char	*tsa_dns;	/* tsa = dNSName this */
	const char	*ext_oid;	/* a TSTInfo extension (value NULL) */
	int		 ext_critical;
};

/* An extension type no software processes. */
#define TSAPKI_UNKNOWN_OID	"1.3.6.1.4.1.99999.7"

#define TSAPKI_POLICY	"1.3.6.1.4.1.99999.1.1"

/* Returns a fresh PKI (caller frees with tsapki_free), or NULL. */
struct tsapki *tsapki_new(void);
void tsapki_free(struct tsapki *);

/* Returns a DER TimeStampResp made by TS_RESP_create_response (caller frees), or NULL. */
unsigned char *tsapki_response(const struct tsapki *, const struct tsapki_opts *, size_t *len);

/*
 * Finds the TimeStampToken inside the DER TimeStampResp der.
 * Returns 0 and sets *off and *tlen, or -1 when there is none.
 */
int tsapki_token_span(const unsigned char *der, size_t len, size_t *off, size_t *tlen);

/*
 * Flips the last bit of the SignerInfo signature inside the DER TimeStampToken tok, in place.
 * Returns 0, or -1 when the signature cannot be found.
 */
int tsapki_alter_signature(unsigned char *tok, size_t len);

/* Returns every certificate of the PEM file path (caller frees), or NULL when it has none. */
STACK_OF(X509) *tsapki_load_pem(const char *path);

/* Returns a new stack holding (references to) the given certificates; NULL ends the list. */
STACK_OF(X509) *tsapki_stack(X509 *, ...);

#endif
