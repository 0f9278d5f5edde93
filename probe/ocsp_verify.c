/*
 * OCSP response signature and responder authorisation, decided explicitly
 * (RFC 6960 §4.2.2.2): no chain building, no system trust store, no OCSP_basic_verify.
 * The signer is the certificate the ResponderID names, looked up in the issuer and the
 * certificates the response carries; it must be the issuer itself, or a delegated
 * responder issued and signed directly by the issuer with id-kp-OCSPSigning.
 */
#include <limits.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcache.h"
#include "critext.h"
#include "keyid.h"
#include "ocsp.h"
#include "../core/util.h"

/* Returns name printed on one line (caller frees), or NULL. */
static char *
name_print(const X509_NAME *name)
{
	BIO *bio;
	char *p, *s;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		BIO_free(bio);
		return NULL;
	}
	n = BIO_get_mem_data(bio, &p);
	s = xmalloc((size_t)n + 1);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	BIO_free(bio);
	return s;
}

/*
 * The last names printed, by their DER: every response of a responder names the same
 * signer, and printing a name through a BIO costs more than comparing its bytes.
 */
#define NAMECACHE_SIZE	8

static _Thread_local struct {
	unsigned char	*der;
	int		 len;
	char		*text;
} namecache[NAMECACHE_SIZE];
static _Thread_local size_t namecache_next;

char *
ocsp_name_oneline(const X509_NAME *name)
{
	const unsigned char *der;
	size_t i, len;
	char *s;

	if (name == NULL)
		return NULL;
	if (!X509_NAME_get0_der((X509_NAME *)name, &der, &len) || len > INT_MAX)
		return name_print(name);
	for (i = 0; i < NAMECACHE_SIZE; i++)
		if (namecache[i].text != NULL && namecache[i].len == (int)len &&
		    memcmp(namecache[i].der, der, len) == 0)
			return xstrdup(namecache[i].text);
	if ((s = name_print(name)) == NULL)
		return NULL;
	i = namecache_next;
	namecache_next = (namecache_next + 1) % NAMECACHE_SIZE;
	free(namecache[i].der);
	free(namecache[i].text);
	namecache[i].der = xmalloc(len);
	memcpy(namecache[i].der, der, len);
	namecache[i].len = (int)len;
	namecache[i].text = xstrdup(s);
	return s;
}

void
ocsp_name_cache_clear(void)
{
	for (size_t i = 0; i < NAMECACHE_SIZE; i++) {
		free(namecache[i].der);
		free(namecache[i].text);
		namecache[i].der = NULL;
		namecache[i].text = NULL;
		namecache[i].len = 0;
	}
	namecache_next = 0;
}

/* Sets detail f to s when s is valid UTF-8; frees s. */
static void
detail_take(struct result *r, enum detail f, char *s)
{
	detail_set_str(r->details, f, s);
	free(s);
}

/* Returns 1 if cert is the one the ResponderID (byName or byKey) names. */
static int
respid_names(const ASN1_OCTET_STRING *bykey, const X509_NAME *byname, X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (byname != NULL)
		return X509_NAME_cmp(byname, X509_get_subject_name(cert)) == 0;
	if (bykey == NULL || ASN1_STRING_length(bykey) != SHA_DIGEST_LENGTH)
		return 0;
	if (!X509_pubkey_digest(cert, EVP_sha1(), md, &n) || n != SHA_DIGEST_LENGTH)
		return 0;
	return memcmp(md, ASN1_STRING_get0_data(bykey), n) == 0;
}

/*
 * Verifies sig over the received bytes tbs[0..len) of ResponseData with pkey: what
 * ASN1_item_verify does, minus encoding the parsed ResponseData again (DER, so the bytes
 * are the same). Returns 1 or 0, or -1 when the algorithm is one this shortcut does not
 * handle (RSASSA-PSS, EdDSA, a key of another type): the caller then uses OpenSSL's path.
 */
static int
verify_received(const X509_ALGOR *alg, const ASN1_BIT_STRING *sig, const unsigned char *tbs,
    size_t len, EVP_PKEY *pkey)
{
	const ASN1_OBJECT *obj;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	int mdnid, pknid, rc;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (!OBJ_find_sigid_algs(OBJ_obj2nid(obj), &mdnid, &pknid) || mdnid == NID_undef ||
	    pknid != EVP_PKEY_get_base_id(pkey) ||
	    (pknid != EVP_PKEY_RSA && pknid != EVP_PKEY_EC) ||
	    (md = EVP_get_digestbynid(mdnid)) == NULL)
		return -1;
	/* A signature is whole octets (ASN1_item_verify refuses unused bits as well). */
	if ((sig->flags & 0x7) != 0)
		return 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	rc = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig),
	    tbs, len) == 1;
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * Returns 1 if the signature over bs's ResponseData verifies with cert's key, else 0.
 * tbs, when not NULL, is ResponseData as received (len bytes).
 */
static int
signed_by(OCSP_BASICRESP *bs, X509 *cert, const unsigned char *tbs, size_t len)
{
	EVP_PKEY *pkey = X509_get0_pubkey(cert);
	int rc = -1;

	if (pkey == NULL)
		return 0;
	if (tbs != NULL)
		rc = verify_received(OCSP_resp_get0_tbs_sigalg(bs), OCSP_resp_get0_signature(bs),
		    tbs, len, pkey);
	if (rc < 0)
		rc = ASN1_item_verify(ASN1_ITEM_rptr(OCSP_RESPDATA),
		    OCSP_resp_get0_tbs_sigalg(bs), OCSP_resp_get0_signature(bs),
		    OCSP_resp_get0_respdata(bs), pkey);
	probe_err_clear();
	return rc == 1;
}

/*
 * Returns 1 when issuer's key signed signer. A responder signs thousands of responses
 * with one certificate: the verification is remembered with the parsed certificate
 * (certcache.c), and only successes are remembered.
 */
static int
issuer_signed(X509 *signer, X509 *issuer, EVP_PKEY *ikey)
{
	if (certcache_known_signed(signer, issuer))
		return 1;
	if (X509_verify(signer, ikey) != 1)
		return 0;
	certcache_remember_signed(signer, issuer);
	return 1;
}

/*
 * Checks that signer is a responder delegated by issuer (RFC 6960 §4.2.2.2 case 3).
 * No X509_verify_cert runs here, so its rule on critical extensions is applied
 * explicitly (RFC 5280 §4.2). Returns 1, or 0 with r flagged.
 */
static int
delegated(X509 *signer, X509 *issuer, int64_t now, struct result *r)
{
	EVP_PKEY *ikey = X509_get0_pubkey(issuer);
	int64_t nb, na;
	char t[40], oid[CRITEXT_OID_MAX];

	if (X509_NAME_cmp(X509_get_issuer_name(signer), X509_get_subject_name(issuer)) != 0) {
		result_flag(r, REASON_UNTRUSTED,
		    "OCSP responder certificate is not issued by the issuer");
		return 0;
	}
	if (ikey == NULL || !issuer_signed(signer, issuer, ikey)) {
		probe_err_clear();
		result_flag(r, REASON_UNTRUSTED,
		    "OCSP responder certificate is not signed by the issuer's key");
		return 0;
	}
	if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
		result_flag(r, REASON_UNTRUSTED,
		    "OCSP responder certificate lacks id-kp-OCSPSigning");
		return 0;
	}
	if (critext_cert_unhandled(signer, oid)) {
		result_flag(r, REASON_UNTRUSTED, "OCSP responder certificate carries critical "
		    "extension %s, which a relying party does not process (RFC 5280 §4.2)", oid);
		return 0;
	}
	if (probe_asn1_time_ms(X509_get0_notBefore(signer), &nb) != 0 ||
	    probe_asn1_time_ms(X509_get0_notAfter(signer), &na) != 0) {
		result_flag(r, REASON_MALFORMED,
		    "OCSP responder certificate has an unreadable validity period");
		return 0;
	}
	if (now < nb) {
		rfc3339_format_s(nb, t, sizeof(t));
		result_flag(r, REASON_UNTRUSTED,
		    "OCSP responder certificate is not valid before %s", t);
		return 0;
	}
	if (now > na) {
		rfc3339_format_s(na, t, sizeof(t));
		result_flag(r, REASON_EXPIRED, "OCSP responder certificate expired %s", t);
		return 0;
	}
	return 1;
}

/* Records the ResponderID as "byName: DN" or "byKey: hex" in details.responder_id. */
static void
detail_respid(struct result *r, const ASN1_OCTET_STRING *bykey, const X509_NAME *byname)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char *s, *dn;
	int n;

	if (byname != NULL) {
		dn = ocsp_name_oneline(byname);
		detail_take(r, DETAIL_RESPONDER_ID, dn ? xasprintf("byName: %s", dn) : NULL);
		free(dn);
		return;
	}
	if (bykey == NULL)
		return;
	p = ASN1_STRING_get0_data(bykey);
	n = ASN1_STRING_length(bykey);
	s = xmalloc(strlen("byKey: ") + 2 * (size_t)n + 1);
	strcpy(s, "byKey: ");
	for (int i = 0; i < n; i++) {
		s[7 + 2 * i] = hex[p[i] >> 4];
		s[7 + 2 * i + 1] = hex[p[i] & 15];
	}
	s[7 + 2 * n] = '\0';
	detail_take(r, DETAIL_RESPONDER_ID, s);
}

int
ocsp_verify_signer(OCSP_BASICRESP *bs, const STACK_OF(X509) *certs, X509 *issuer,
    int64_t now, struct result *r)
{
	return ocsp_verify_signer_tbs(bs, NULL, 0, certs, issuer, now, r);
}

int
ocsp_verify_signer_tbs(OCSP_BASICRESP *bs, const unsigned char *tbs, size_t tbs_len,
    const STACK_OF(X509) *certs, X509 *issuer, int64_t now, struct result *r)
{
	const ASN1_OCTET_STRING *bykey = NULL;
	const X509_NAME *byname = NULL;
	X509 *cand, *signer = NULL;
	int named = 0, n = certs ? sk_X509_num(certs) : 0;
	int64_t na;

	if (!OCSP_resp_get0_id(bs, &bykey, &byname) || (bykey == NULL && byname == NULL)) {
		result_flag(r, REASON_MALFORMED, "OCSP response has no ResponderID");
		return 0;
	}
	detail_respid(r, bykey, byname);
	if (issuer == NULL) {
		result_flag(r, REASON_INTERNAL, "no issuer certificate configured");
		return 0;
	}
	/* The issuer first, then what the response carries; the first that verifies signs. */
	for (int i = -1; i < n && signer == NULL; i++) {
		cand = i < 0 ? issuer : sk_X509_value(certs, i);
		if (!respid_names(bykey, byname, cand))
			continue;
		named++;
		if (signed_by(bs, cand, tbs, tbs_len))
			signer = cand;
	}
	if (named == 0) {
		result_flag(r, REASON_UNTRUSTED, "OCSP ResponderID names neither the issuer "
		    "nor a certificate included in the response");
		return 0;
	}
	if (signer == NULL) {
		result_flag(r, REASON_SIGNATURE_INVALID, "OCSP response signature does not "
		    "verify with the responder's key");
		return 0;
	}
	detail_take(r, DETAIL_SIGNER, ocsp_name_oneline(X509_get_subject_name(signer)));
	probe_record_key_ids(r, signer, issuer);	/* matched against trusted lists */
	if (probe_asn1_time_ms(X509_get0_notAfter(signer), &na) == 0)
		detail_set_time(r->details, DETAIL_SIGNER_NOT_AFTER, na);
	/* The issuer itself: same name and same key (a re-issued CA certificate counts). */
	if (X509_NAME_cmp(X509_get_subject_name(signer), X509_get_subject_name(issuer)) == 0 &&
	    EVP_PKEY_eq(X509_get0_pubkey(signer), X509_get0_pubkey(issuer)) == 1)
		return 1;
	probe_err_clear();
	return delegated(signer, issuer, now, r);
}
