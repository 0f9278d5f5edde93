/*
 * The ocsp probe kind (RFC 6960, RFC 5019/9919): request building and a pure
 * evaluator that judges a response the way a relying party does.
 * No system trust store is consulted: the only trust anchor is the endpoint's issuer.
 */
#ifndef TW_PROBE_OCSP_H
#define TW_PROBE_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ocsp.h>

#include "probe.h"

/* Responses whose thisUpdate is further ahead of our clock than this are clock_skew. */
#define OCSP_SKEW_MS		(5 * 60 * 1000)
/* Bytes of the random nonce we send (RFC 8954: 1 to 32, 32 recommended). */
#define OCSP_NONCE_LEN		32
/* auto uses GET when the URL-encoded base64 request is shorter than this (RFC 5019). */
#define OCSP_GET_MAX		255

/* What we asked the responder; the evaluator checks the answer against it. */
struct ocsp_sent {
	const OCSP_CERTID *certid;	/* borrowed; NULL = rebuilt from ep */
	const unsigned char *nonce;	/* borrowed nonce octets; NULL = none sent */
	size_t		 nonce_len;
	enum ocsp_method method;	/* GET or POST as sent; AUTO = not recorded */
};

/*
 * Evaluates the OCSP response der[0..len) for ep->certificate under ep->issuer at now_ms,
 * flagging r (first worst finding wins) and filling r->details.
 * A single response matches when its CertID equals sent->certid, or equals the CertID of
 * ep->certificate/ep->issuer rebuilt with the response's own hash algorithm (SHA-1 in the wild).
 * A critical response or single extension other than the nonce is malformed.
 * sent may be NULL (no nonce sent, method unknown). Never does I/O.
 */
void	ocsp_evaluate(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
	    const struct ocsp_sent *sent, int64_t now_ms, struct result *r);

/* What a responder said about one serial (ocsp_evaluate_answer). */
struct ocsp_answer {
	bool		 answered;	/* a single response for the serial was read */
	enum cert_status status;
	int64_t		 revocation_ms;	/* revoked: revocationTime, else 0 */
};

/*
 * Same checks as ocsp_evaluate (signature and authority, critical extensions, nonce,
 * thisUpdate/nextUpdate, max_age) for the answer about serial under ep->issuer, except that
 * the certificate status is recorded in *ans rather than compared with expect.cert_status.
 */
void	ocsp_evaluate_answer(const unsigned char *der, size_t len,
	    const struct conf_endpoint *ep, const struct ocsp_sent *sent,
	    const ASN1_INTEGER *serial, int64_t now_ms, struct result *r, struct ocsp_answer *ans);

/*
 * Builds the request for certid as ep asks (nonce, method) into *req; the nonce sent goes
 * to nonce[0..*nonce_len) (OCSP_NONCE_LEN bytes), the method used to *method.
 * Returns 0, or -1 with r flagged internal.
 */
int	ocsp_build_request(const struct conf_endpoint *ep, const OCSP_CERTID *certid,
	    unsigned char *nonce, size_t *nonce_len, enum ocsp_method *method,
	    struct probe_request *req, struct result *r);

/*
 * Decides who signed bs and whether it may (RFC 6960 §4.2.2.2): the issuer itself, or a
 * responder certificate carried in the response (certs), issued and signed directly by the issuer, with
 * id-kp-OCSPSigning and valid at now_ms. Records details signer, signer_not_after.
 * Returns 1 when authorised, else 0 with r flagged signature_invalid, untrusted or expired.
 * Shared by ocsp.c and ocsp_verify.c.
 */
int	ocsp_verify_signer(OCSP_BASICRESP *bs, const STACK_OF(X509) *certs, X509 *issuer,
	    int64_t now_ms, struct result *r);
/*
 * The same, verifying the signature over tbs[0..tbs_len), bs's ResponseData exactly as
 * received (from ocsp_basic_parse_tbs), instead of over ResponseData encoded again.
 */
int	ocsp_verify_signer_tbs(OCSP_BASICRESP *bs, const unsigned char *tbs, size_t tbs_len,
	    const STACK_OF(X509) *certs, X509 *issuer, int64_t now_ms, struct result *r);

/*
 * Parses the successful OCSPResponse der[0..len) into its BasicOCSPResponse *bs, without
 * certificates, and the certificates it carries, *certs (taken from a cache of parsed
 * certificates when their bytes were seen before). Returns 1, or 0 when der is not plain
 * DER of RFC 6960's shape: the caller then uses OCSP_response_get1_basic. (ocsp_parse.c)
 */
int	ocsp_basic_parse(const unsigned char *der, size_t len, OCSP_BASICRESP **bs,
	    STACK_OF(X509) **certs);
/* The same, also pointing *tbs (*tbs_len bytes) at ResponseData inside der. */
int	ocsp_basic_parse_tbs(const unsigned char *der, size_t len, OCSP_BASICRESP **bs,
	    STACK_OF(X509) **certs, const unsigned char **tbs, size_t *tbs_len);
/*
 * ocsp_basic_parse_tbs when responseStatus is successful, else 0 with nothing returned:
 * the whole OCSPResponse walked as plain DER, so the caller needs no d2i_OCSP_RESPONSE
 * (OpenSSL's parse takes every response this accepts; all others go that way as before).
 */
int	ocsp_successful_parse_tbs(const unsigned char *der, size_t len, OCSP_BASICRESP **bs,
	    STACK_OF(X509) **certs, const unsigned char **tbs, size_t *tbs_len);

/* Returns name as a one-line UTF-8 string ("C = LU, O = …, CN = …"); caller frees. */
char	*ocsp_name_oneline(const X509_NAME *name);
/* Frees the printed-name cache behind ocsp_name_oneline (at exit, for leak checkers). */
void	ocsp_name_cache_clear(void);

/*
 * Returns the DER of an OCSP request for certid, with a nonce extension carrying
 * nonce[0..nonce_len) when nonce is not NULL, in *der (caller frees); or -1.
 */
int	ocsp_request_der(const OCSP_CERTID *certid, const unsigned char *nonce,
	    size_t nonce_len, unsigned char **der, size_t *len);

/*
 * Returns the GET URL for der (RFC 5019 §A.1): base with exactly one '/' before the
 * URL-encoded base64 of der. *enc_len receives the length of the encoded part. Caller frees.
 */
char	*ocsp_get_url(const char *base, const unsigned char *der, size_t len, size_t *enc_len);

/*
 * The CertID a probe asks about, kept per (certificate, issuer) with its DER (ocsp_req.c).
 * Counted references: the table holds one, each running probe one.
 */
struct ocsp_reqid {
	OCSP_CERTID	*certid;
	unsigned char	*der;		/* the CertID's DER, tag and length included */
	size_t		 len;
	X509		*cert, *issuer;	/* referenced: pointer equality is identity */
	unsigned	 refs;
};

/* Returns the CertID of cert under issuer (SHA-1, as RFC 5019 clients send), or NULL. */
struct ocsp_reqid *ocsp_reqid_get(X509 *cert, X509 *issuer);
/* Lets go of a reference from ocsp_reqid_get (NULL is fine). */
void	ocsp_reqid_put(struct ocsp_reqid *);
/* Empties the table (at exit, for leak checkers). */
void	ocsp_reqid_cache_clear(void);

/*
 * Assembles the DER of an OCSPRequest for one CertID (certid[0..certid_len), its whole TLV)
 * with a nonce extension carrying nonce[0..nonce_len) when nonce is not NULL: the bytes
 * i2d_OCSP_REQUEST writes for the same request. Returns 0 with *der (caller frees), or -1.
 */
int	ocsp_request_from_certid(const unsigned char *certid, size_t certid_len,
	    const unsigned char *nonce, size_t nonce_len, unsigned char **der, size_t *len);

extern const struct probe_ops probe_ocsp_ops;

#endif
