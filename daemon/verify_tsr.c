/* An RFC 3161 token over a signed checkpoint, for `trustwatch verify`. */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "verify.h"
#include "../core/util.h"

static int
fail(char **why, const char *msg)
{
	*why = xstrdup(msg);
	return -1;
}

/* The token's CMS from a TimeStampResp (status granted) or a bare token; NULL with *why. */
static CMS_ContentInfo *
token_of(const unsigned char *der, size_t len, char **why)
{
	const unsigned char *p = der;
	TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)len);
	CMS_ContentInfo *cms = NULL;
	unsigned char *tok = NULL;
	int toklen;

	if (resp != NULL && p == der + len) {
		long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
		    TS_RESP_get_status_info(resp)));
		PKCS7 *p7 = TS_RESP_get_token(resp);

		if (status != 0 && status != 1) {
			TS_RESP_free(resp);
			fail(why, "the response's status is not granted");
			return NULL;
		}
		if (p7 == NULL || (toklen = i2d_PKCS7(p7, &tok)) <= 0) {
			TS_RESP_free(resp);
			fail(why, "the response carries no token");
			return NULL;
		}
		p = tok;
		cms = d2i_CMS_ContentInfo(NULL, &p, toklen);
		OPENSSL_free(tok);
		TS_RESP_free(resp);
	} else {
		TS_RESP_free(resp);
		p = der;
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
		if (cms != NULL && p != der + len) {
			CMS_ContentInfo_free(cms);
			cms = NULL;
		}
	}
	if (cms == NULL)
		fail(why, "not DER of a TimeStampResp or TimeStampToken");
	return cms;
}

int
verify_tsr(const unsigned char *der, size_t len, const void *msg, size_t msg_len,
    X509_STORE *trust, char **gen_time, char **why)
{
	CMS_ContentInfo *cms;
	ASN1_OCTET_STRING **content;
	TS_TST_INFO *tst = NULL;
	const unsigned char *p;
	unsigned char md[32];
	unsigned int mdlen;
	int rc = -1;

	*gen_time = NULL;
	*why = NULL;
	if ((cms = token_of(der, len, why)) == NULL)
		return -1;
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo ||
	    (content = CMS_get0_content(cms)) == NULL || *content == NULL) {
		fail(why, "the token does not hold a TSTInfo");
		goto out;
	}
	p = ASN1_STRING_get0_data(*content);
	tst = d2i_TS_TST_INFO(NULL, &p, ASN1_STRING_length(*content));
	if (tst == NULL) {
		fail(why, "the TSTInfo does not parse");
		goto out;
	}
	{
		TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
		ASN1_OCTET_STRING *d = TS_MSG_IMPRINT_get_msg(mi);
		const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);

		if (gt != NULL)
			*gen_time = xstrdup((const char *)ASN1_STRING_get0_data(gt));
		if (OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm) != NID_sha256) {
			fail(why, "the message imprint is not SHA-256");
			goto out;
		}
		if (EVP_Digest(msg, msg_len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
		    ASN1_STRING_length(d) != 32 || memcmp(ASN1_STRING_get0_data(d), md, 32) != 0) {
			fail(why, "the message imprint is not SHA-256 of the signed checkpoint");
			goto out;
		}
	}
	if (trust != NULL) {
		X509_VERIFY_PARAM *vp = X509_STORE_get0_param(trust);
		time_t t;
		struct tm tm;

		X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_TIMESTAMP_SIGN);
		X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
		/* the chain as it was when the token was made */
		if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) == 1 &&
		    (t = timegm(&tm)) != (time_t)-1)
			X509_VERIFY_PARAM_set_time(vp, t);
		if (CMS_verify(cms, NULL, trust, NULL, NULL, CMS_BINARY) != 1) {
			fail(why, "the signature does not verify or the signer does not chain to "
			    "a tsa endpoint's trust file");
			goto out;
		}
	} else if (CMS_verify(cms, NULL, NULL, NULL, NULL,
	    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		fail(why, "the signature does not verify with the certificate in the token");
		goto out;
	}
	rc = 0;
out:
	TS_TST_INFO_free(tst);
	CMS_ContentInfo_free(cms);
	return rc;
}
