/*
 * The tsa kind (RFC 3161): a TimeStampReq over a fresh random digest and nonce,
 * and pure evaluators for the TimeStampResp and for a bare TimeStampToken.
 * Tokens are verified with the CMS API, so RSASSA-PSS signatures verify too.
 */
#ifndef TW_TSA_H
#define TW_TSA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "probe.h"

/* What we asked the TSA for; every pointer is borrowed from the caller. */
struct tsa_sent {
	const unsigned char *digest;	/* the messageImprint hash we sent */
	size_t		 digest_len;
	int		 hash_nid;	/* NID_sha256, NID_sha384, NID_sha512 */
	const BIGNUM	*nonce;		/* NULL when no nonce was sent */
	double		 rtt_ms;	/* round trip of the exchange, added to the skew allowance */
};

/*
 * Evaluates the DER TimeStampResp der (len bytes) against ep and sent at now_ms.
 * Checks the PKIStatus (granted and grantedWithMods are up, anything else is rejected),
 * then the token as tsa_evaluate_token() does.
 * Records findings and details in r; never fails silently, never does I/O.
 */
void tsa_evaluate(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct tsa_sent *sent, int64_t now_ms, struct result *r);

/*
 * Evaluates a DER TimeStampToken (a CMS ContentInfo holding SignedData over TSTInfo).
 * Checks, first finding wins: the parse (malformed); one signer whose signature verifies
 * (signature_invalid); the tsa field, when present, names the signer (untrusted); a signer
 * certificate with the critical timeStamping EKU that chains to ep->trust at genTime,
 * partial chains allowed, and an ESS signing-certificate attribute (v1 or v2) that
 * identifies it (untrusted); no critical TSTInfo extension but qcStatements (malformed,
 * and nothing below is checked); the messageImprint against sent
 * (imprint_mismatch); the nonce when one was sent (nonce_mismatch); the policy when
 * ep->expect.policy is set (policy_mismatch); |genTime - now_ms| against
 * max_skew + accuracy + rtt (clock_skew).
 * Records gen_time, accuracy_ms, serial, policy, qualified, signer and signer_not_after
 * (for the TSA certificate expiry metric) in r->details.
 */
void tsa_evaluate_token(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct tsa_sent *sent, int64_t now_ms, struct result *r);

/*
 * Parses the DER TimeStampToken der[0..len) like d2i_CMS_ContentInfo, taking the
 * certificates it carries from the certificate cache; NULL when der is not plain DER of
 * RFC 5652's shape with certificates, and the caller uses d2i_CMS_ContentInfo. (tsa_parse.c)
 */
CMS_ContentInfo *tsa_token_parse(const unsigned char *der, size_t len);

/*
 * Returns 1 when TSTInfo tst carries no critical extension outside those we process
 * (qcStatements), else 0 with r flagged malformed naming the OID. (tsa_tstinfo.c)
 */
int tsa_check_tst_extensions(TS_TST_INFO *tst, struct result *r);

/*
 * Returns 1 when tst has no tsa field or it names signer (its subject as a
 * directoryName, or one of its subjectAltNames), else 0 with r flagged untrusted
 * (RFC 3161 §2.4.2). (tsa_tstinfo.c)
 */
int tsa_check_tst_name(TS_TST_INFO *tst, X509 *signer, struct result *r);

extern const struct probe_ops probe_tsa_ops;

#endif
