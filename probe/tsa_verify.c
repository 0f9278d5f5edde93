/*
 * The TimeStampToken checks shared by tsa_evaluate() and tsa_evaluate_token().
 * The SignedData is verified with the CMS API, never with TS_RESP_verify_*:
 * the TS/PKCS7 code cannot verify RSASSA-PSS and checks no signature unless told to.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "keyid.h"
#include "tsa.h"
#include "../core/util.h"

/* ETSI EN 319 422 esi4-qtstStatement-1: the token is a qualified electronic time-stamp. */
#define TSA_QTST_OID	"0.4.0.19422.1.1"

/* What the checks need from the TSTInfo once the details are recorded. */
struct tsa_tst {
	int64_t		 gen_ms;	/* genTime, epoch ms */
	int64_t		 accuracy_ms;	/* 0 when the token declares none */
};

/* Returns the reason text of the latest OpenSSL error, or fallback; clears the queue. */
static const char *
tsa_ossl_err(const char *fallback)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*s = e != 0 ? ERR_reason_error_string(e) : NULL;

	probe_err_clear();
	return s != NULL ? s : fallback;
}

/* Returns the dotted form of obj; caller frees. */
static char *
tsa_oid_text(const ASN1_OBJECT *obj)
{
	char	*s;
	int	 n;

	n = OBJ_obj2txt(NULL, 0, obj, 1);
	if (n <= 0)
		return xstrdup("?");
	s = xmalloc((size_t)n + 1);
	OBJ_obj2txt(s, n + 1, obj, 1);
	return s;
}

/*
 * Converts a GeneralizedTime to epoch ms, keeping up to three fraction digits.
 * Sets *frac when the time carries a fraction. Returns 0 or -1.
 */
static int
tsa_gentime_ms(const ASN1_GENERALIZEDTIME *t, int64_t *ms, int *frac)
{
	const unsigned char	*s;
	struct tm		 tm;
	int			 n, i, digits = 0, f = 0;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*ms = probe_tm_utc_ms(&tm);
	*frac = 0;
	s = ASN1_STRING_get0_data(t);
	n = ASN1_STRING_length(t);
	if (n > 15 && s[14] == '.') {
		*frac = 1;
		for (i = 15; i < n && isdigit(s[i]); i++)
			if (digits < 3) {
				f = f * 10 + (s[i] - '0');
				digits++;
			}
		for (; digits < 3; digits++)
			f *= 10;
		*ms += f;
	}
	return 0;
}

/* Returns 1 when the TSTInfo carries qcStatements with esi4-qtstStatement-1, else 0. */
static int
tsa_qualified(TS_TST_INFO *tst)
{
	ASN1_SEQUENCE_ANY	*stmts = NULL, *stmt;
	ASN1_OBJECT		*qtst;
	const ASN1_TYPE		*t, *id;
	const ASN1_OCTET_STRING	*v;
	const unsigned char	*p;
	int			 i, loc, found = 0;

	loc = TS_TST_INFO_get_ext_by_NID(tst, NID_qcStatements, -1);
	if (loc < 0)
		return 0;
	v = X509_EXTENSION_get_data(TS_TST_INFO_get_ext(tst, loc));
	p = v->data;
	if ((stmts = d2i_ASN1_SEQUENCE_ANY(NULL, &p, v->length)) == NULL) {
		probe_err_clear();
		return 0;
	}
	qtst = OBJ_txt2obj(TSA_QTST_OID, 1);
	for (i = 0; !found && i < sk_ASN1_TYPE_num(stmts); i++) {
		t = sk_ASN1_TYPE_value(stmts, i);
		if (t->type != V_ASN1_SEQUENCE)
			continue;
		p = t->value.sequence->data;
		stmt = d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
		if (stmt == NULL)
			continue;
		id = sk_ASN1_TYPE_num(stmt) > 0 ? sk_ASN1_TYPE_value(stmt, 0) : NULL;
		if (id != NULL && id->type == V_ASN1_OBJECT && qtst != NULL &&
		    OBJ_cmp(id->value.object, qtst) == 0)
			found = 1;
		sk_ASN1_TYPE_pop_free(stmt, ASN1_TYPE_free);
	}
	ASN1_OBJECT_free(qtst);
	sk_ASN1_TYPE_pop_free(stmts, ASN1_TYPE_free);
	probe_err_clear();
	return found;
}

/* Reads the TSTInfo accuracy into *ms. Returns 0, or -1 when a field is out of range. */
static int
tsa_accuracy_ms(const TS_ACCURACY *acc, int64_t *ms)
{
	const ASN1_INTEGER	*a;
	int64_t			 s = 0, m = 0, u = 0;

	if ((a = TS_ACCURACY_get_seconds(acc)) != NULL && ASN1_INTEGER_get_int64(&s, a) != 1)
		return -1;
	if ((a = TS_ACCURACY_get_millis(acc)) != NULL && ASN1_INTEGER_get_int64(&m, a) != 1)
		return -1;
	if ((a = TS_ACCURACY_get_micros(acc)) != NULL && ASN1_INTEGER_get_int64(&u, a) != 1)
		return -1;
	if (s < 0 || s > INT32_MAX || m < 0 || m > 999 || u < 0 || u > 999)
		return -1;
	*ms = s * 1000 + m + (u + 999) / 1000;
	return 0;
}

/* Records gen_time, accuracy_ms, serial, policy and qualified. Returns 0, or -1 if malformed. */
static int
tsa_details(TS_TST_INFO *tst, struct tsa_tst *out, struct result *r)
{
	const TS_ACCURACY	*acc;
	BIGNUM			*bn;
	char			*hex, *oid;
	int			 frac;

	if (tsa_gentime_ms(TS_TST_INFO_get_time(tst), &out->gen_ms, &frac) == -1) {
		result_flag(r, REASON_MALFORMED, "time-stamp token has an unreadable genTime");
		return -1;
	}
	if (frac)
		detail_set_time_ms(r->details, DETAIL_GEN_TIME, out->gen_ms);
	else
		detail_set_time(r->details, DETAIL_GEN_TIME, out->gen_ms);

	out->accuracy_ms = 0;
	if ((acc = TS_TST_INFO_get_accuracy(tst)) != NULL) {
		if (tsa_accuracy_ms(acc, &out->accuracy_ms) == -1) {
			result_flag(r, REASON_MALFORMED, "time-stamp token has an invalid accuracy");
			return -1;
		}
		detail_set_int(r->details, DETAIL_ACCURACY_MS, out->accuracy_ms);
	}

	if ((bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL)) != NULL) {
		if ((hex = BN_bn2hex(bn)) != NULL)
			detail_set_str(r->details, DETAIL_SERIAL, hex);
		OPENSSL_free(hex);
		BN_free(bn);
	}
	oid = tsa_oid_text(TS_TST_INFO_get_policy_id(tst));
	detail_set_str(r->details, DETAIL_POLICY, oid);
	free(oid);
	detail_set_bool(r->details, DETAIL_QUALIFIED, tsa_qualified(tst));
	probe_err_clear();
	return 0;
}

/* Records the signer's subject DN (RFC 2253) and notAfter in r->details. */
static void
tsa_detail_signer(X509 *signer, struct result *r)
{
	BIO	*b;
	char	*p;
	long	 n;
	int64_t	 ms;

	if (probe_asn1_time_ms(X509_get0_notAfter(signer), &ms) == 0)
		detail_set_time(r->details, DETAIL_SIGNER_NOT_AFTER, ms);
	probe_record_key_ids(r, signer, NULL);	/* matched against trusted lists */

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, X509_get_subject_name(signer), 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		detail_set_strn(r->details, DETAIL_SIGNER, p, (size_t)n);
	}
	BIO_free(b);
}

/*
 * Returns the signed attribute nid decoded with d2i (caller frees), or NULL when absent.
 * Sets *bad when the attribute is present but repeated or unreadable.
 */
static void *
tsa_signed_attr(CMS_SignerInfo *si, int nid, void *(*d2i)(void *, const unsigned char **, long),
    int *bad)
{
	ASN1_STRING		*v;
	const unsigned char	*p;
	void			*out;

	v = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(nid), -3, V_ASN1_SEQUENCE);
	if (v == NULL) {
		if (CMS_signed_get_attr_by_NID(si, nid, -1) >= 0)
			*bad = 1;
		return NULL;
	}
	p = ASN1_STRING_get0_data(v);
	if ((out = d2i(NULL, &p, ASN1_STRING_length(v))) == NULL)
		*bad = 1;
	return out;
}

static void *
tsa_d2i_ess_v1(void *a, const unsigned char **p, long len)
{
	return d2i_ESS_SIGNING_CERT(a, p, len);
}

static void *
tsa_d2i_ess_v2(void *a, const unsigned char **p, long len)
{
	return d2i_ESS_SIGNING_CERT_V2(a, p, len);
}

/*
 * Checks that the ESS signing-certificate attribute (v1 and/or v2, each on its own)
 * names the signer, chain[0], first and that every reference matches a certificate of
 * the verified chain, by hash and by issuerSerial when present (RFC 2634, RFC 5035).
 */
static void
tsa_check_ess(CMS_SignerInfo *si, STACK_OF(X509) *chain, struct result *r)
{
	ESS_SIGNING_CERT	*v1;
	ESS_SIGNING_CERT_V2	*v2;
	int			 bad = 0;

	v1 = tsa_signed_attr(si, NID_id_smime_aa_signingCertificate, tsa_d2i_ess_v1, &bad);
	v2 = tsa_signed_attr(si, NID_id_smime_aa_signingCertificateV2, tsa_d2i_ess_v2, &bad);
	if (bad)
		result_flag(r, REASON_UNTRUSTED,
		    "time-stamp token has an unreadable or repeated signing-certificate attribute");
	else if (v1 == NULL && v2 == NULL)
		result_flag(r, REASON_UNTRUSTED,
		    "time-stamp token has no ESS signing-certificate attribute");
	else if (OSSL_ESS_check_signing_certs(v1, v2, chain, 1) != 1)
		result_flag(r, REASON_UNTRUSTED,
		    "ESS signing-certificate attribute does not identify the TSA certificate (%s)",
		    tsa_ossl_err("no match"));
	ESS_SIGNING_CERT_free(v1);
	ESS_SIGNING_CERT_V2_free(v2);
	probe_err_clear();
}

/* Returns 1 when x carries a critical extended key usage with id-kp-timeStamping, else flags r. */
static int
tsa_check_eku(X509 *x, struct result *r)
{
	X509_EXTENSION	*ext;
	int		 loc;

	if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(x) & XKU_TIMESTAMP) == 0) {
		result_flag(r, REASON_UNTRUSTED,
		    "TSA certificate lacks the timeStamping extended key usage");
		return 0;
	}
	loc = X509_get_ext_by_NID(x, NID_ext_key_usage, -1);
	ext = loc >= 0 ? X509_get_ext(x, loc) : NULL;
	if (ext == NULL || !X509_EXTENSION_get_critical(ext)) {
		result_flag(r, REASON_UNTRUSTED,
		    "TSA certificate's extended key usage is not critical (RFC 3161 2.3)");
		return 0;
	}
	return 1;
}

/*
 * Verifies the signer's chain to ep->trust at genTime for the timeStampSigning purpose,
 * then the ESS signing-certificate attribute against the verified chain.
 */
static void
tsa_check_chain(CMS_ContentInfo *cms, CMS_SignerInfo *si, X509 *signer,
    const struct conf_endpoint *ep, int64_t gen_ms, struct result *r)
{
	X509_STORE		*store = NULL;
	X509_STORE_CTX		*ctx = NULL;
	X509_VERIFY_PARAM	*vp;
	STACK_OF(X509)		*untrusted = NULL;
	int			 i;

	if (!tsa_check_eku(signer, r))
		return;
	if ((store = X509_STORE_new()) == NULL || (ctx = X509_STORE_CTX_new()) == NULL) {
		result_flag(r, REASON_INTERNAL, "out of memory verifying the TSA chain");
		goto out;
	}
	for (i = 0; ep->trust != NULL && i < sk_X509_num(ep->trust); i++)
		X509_STORE_add_cert(store, sk_X509_value(ep->trust, i));
	probe_err_clear();	/* duplicates in the trust file are harmless */
	untrusted = CMS_get1_certs(cms);
	if (X509_STORE_CTX_init(ctx, store, signer, untrusted) != 1) {
		result_flag(r, REASON_INTERNAL, "cannot set up chain verification: %s",
		    tsa_ossl_err("unknown error"));
		goto out;
	}
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_TIMESTAMP_SIGN);
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(vp, (time_t)(gen_ms / 1000));
	if (X509_verify_cert(ctx) != 1) {
		result_flag(r, REASON_UNTRUSTED,
		    "TSA certificate does not chain to the trust file at genTime: %s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	tsa_check_ess(si, X509_STORE_CTX_get0_chain(ctx), r);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(untrusted, X509_free);
	probe_err_clear();
}

/*
 * Checks the SignedData: one signer, its certificate found, its signature, the TSA
 * name tst gives, its chain.
 */
static void
tsa_check_signature(CMS_ContentInfo *cms, TS_TST_INFO *tst, const struct conf_endpoint *ep,
    int64_t gen_ms, struct result *r)
{
	STACK_OF(CMS_SignerInfo)	*sis;
	CMS_SignerInfo			*si;
	X509				*signer = NULL;
	int				 n;

	sis = CMS_get0_SignerInfos(cms);
	if ((n = sk_CMS_SignerInfo_num(sis)) != 1) {
		result_flag(r, REASON_MALFORMED,
		    "time-stamp token has %d signers, RFC 3161 allows exactly one", n < 0 ? 0 : n);
		return;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	CMS_set1_signers_certs(cms, ep->trust, 0);
	probe_err_clear();
	CMS_SignerInfo_get0_algs(si, NULL, &signer, NULL, NULL);
	if (signer == NULL) {
		result_flag(r, REASON_UNTRUSTED,
		    "TSA certificate is neither in the token nor in the trust file");
		return;
	}
	tsa_detail_signer(signer, r);
	if (CMS_verify(cms, NULL, NULL, NULL, NULL,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		result_flag(r, REASON_SIGNATURE_INVALID,
		    "time-stamp token signature does not verify (%s)",
		    tsa_ossl_err("verification failed"));
		return;
	}
	if (!tsa_check_tst_name(tst, signer, r))
		return;
	tsa_check_chain(cms, si, signer, ep, gen_ms, r);
}

/* Compares the messageImprint with the digest we sent. */
static void
tsa_check_imprint(TS_TST_INFO *tst, const struct tsa_sent *sent, struct result *r)
{
	TS_MSG_IMPRINT		*mi = TS_TST_INFO_get_msg_imprint(tst);
	const ASN1_OBJECT	*alg;
	const ASN1_OCTET_STRING	*md;
	int			 nid;

	X509_ALGOR_get0(&alg, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	md = TS_MSG_IMPRINT_get_msg(mi);
	nid = OBJ_obj2nid(alg);
	if (nid != sent->hash_nid) {
		result_flag(r, REASON_IMPRINT_MISMATCH,
		    "messageImprint uses %s, we sent %s", nid != NID_undef ? OBJ_nid2sn(nid) :
		    "an unknown algorithm", OBJ_nid2sn(sent->hash_nid));
		return;
	}
	if (md == NULL || (size_t)md->length != sent->digest_len ||
	    memcmp(md->data, sent->digest, sent->digest_len) != 0)
		result_flag(r, REASON_IMPRINT_MISMATCH,
		    "messageImprint is not the digest we sent");
}

/* Compares the token's nonce with the one we sent, if we sent one. */
static void
tsa_check_nonce(TS_TST_INFO *tst, const struct tsa_sent *sent, struct result *r)
{
	const ASN1_INTEGER	*n;
	BIGNUM			*bn;

	if (sent->nonce == NULL)
		return;
	if ((n = TS_TST_INFO_get_nonce(tst)) == NULL) {
		result_flag(r, REASON_NONCE_MISMATCH, "time-stamp token carries no nonce, we sent one");
		return;
	}
	bn = ASN1_INTEGER_to_BN(n, NULL);
	if (bn == NULL || BN_cmp(bn, sent->nonce) != 0)
		result_flag(r, REASON_NONCE_MISMATCH, "time-stamp token nonce differs from ours");
	BN_free(bn);
	probe_err_clear();
}

/* Compares the token's policy with expect.policy, when set. */
static void
tsa_check_policy(TS_TST_INFO *tst, const struct conf_endpoint *ep, struct result *r)
{
	ASN1_OBJECT	*want;
	const ASN1_OBJECT *got = TS_TST_INFO_get_policy_id(tst);
	char		*text;
	int		 same;

	if (ep->expect.policy == NULL)
		return;
	if ((want = OBJ_txt2obj(ep->expect.policy, 1)) != NULL)
		same = OBJ_cmp(want, got) == 0;
	else {
		text = tsa_oid_text(got);
		same = strcmp(text, ep->expect.policy) == 0;
		free(text);
	}
	ASN1_OBJECT_free(want);
	probe_err_clear();
	if (!same) {
		text = tsa_oid_text(got);
		result_flag(r, REASON_POLICY_MISMATCH, "policy %.80s%s, expected %s", text,
		    strlen(text) > 80 ? "..." : "", ep->expect.policy);
		free(text);
	}
}

/* Checks |genTime - now| <= max_skew + accuracy + rtt. */
static void
tsa_check_skew(const struct tsa_tst *t, const struct conf_endpoint *ep,
    const struct tsa_sent *sent, int64_t now_ms, struct result *r)
{
	int64_t	 diff, allowed, rtt;

	rtt = sent->rtt_ms > 0 ? (int64_t)((sent->rtt_ms < 1e9 ? sent->rtt_ms : 1e9) + 0.999) : 0;
	allowed = ep->expect.max_skew_ms + t->accuracy_ms + rtt;
	diff = t->gen_ms - now_ms;
	if (diff > allowed || -diff > allowed)
		result_flag(r, REASON_CLOCK_SKEW,
		    "genTime is %.3f s %s the local clock, allowed %.3f s "
		    "(max_skew + accuracy + round trip)", (diff < 0 ? -diff : diff) / 1000.0,
		    diff < 0 ? "behind" : "ahead of", allowed / 1000.0);
}

void
tsa_evaluate_token(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct tsa_sent *sent, int64_t now_ms, struct result *r)
{
	CMS_ContentInfo		*cms = NULL;
	TS_TST_INFO		*tst = NULL;
	ASN1_OCTET_STRING	**content;
	const unsigned char	*p = der;
	struct tsa_tst		 t;

	if (len > 0 && len <= LONG_MAX && (cms = tsa_token_parse(der, len)) != NULL)
		p = der + len;
	else if (len == 0 || len > LONG_MAX ||
	    (cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL) {
		result_flag(r, REASON_MALFORMED, "time-stamp token does not parse (%s)",
		    tsa_ossl_err("empty"));
		goto out;
	}
	if (p != der + len) {
		result_flag(r, REASON_MALFORMED, "%zu trailing bytes after the time-stamp token",
		    (size_t)(der + len - p));
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo) {
		result_flag(r, REASON_MALFORMED, "time-stamp token is not SignedData over TSTInfo");
		goto out;
	}
	content = CMS_get0_content(cms);
	if (content == NULL || *content == NULL) {
		result_flag(r, REASON_MALFORMED, "time-stamp token has no TSTInfo content");
		goto out;
	}
	p = (*content)->data;
	tst = d2i_TS_TST_INFO(NULL, &p, (*content)->length);
	if (tst == NULL || p != (*content)->data + (*content)->length) {
		result_flag(r, REASON_MALFORMED, "TSTInfo does not parse (%s)",
		    tsa_ossl_err("trailing bytes"));
		goto out;
	}
	if (tsa_details(tst, &t, r) == -1)
		goto out;
	tsa_check_signature(cms, tst, ep, t.gen_ms, r);
	/* A token we may not use (RFC 3161 §2.4.2) says nothing about its content. */
	if (!tsa_check_tst_extensions(tst, r))
		goto out;
	tsa_check_imprint(tst, sent, r);
	tsa_check_nonce(tst, sent, r);
	tsa_check_policy(tst, ep, r);
	tsa_check_skew(&t, ep, sent, now_ms, r);
out:
	TS_TST_INFO_free(tst);
	CMS_ContentInfo_free(cms);
	probe_err_clear();
}
