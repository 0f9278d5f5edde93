/* Test-only RFC 3161 PKI and TSA, see tsa_pki.h. */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "tsa_pki.h"

static EVP_PKEY *
tsapki_key(void)
{
	return EVP_EC_gen("P-256");
}

/* Adds extension nid with the OpenSSL config value v; returns 1 or 0. */
static int
tsapki_ext(X509 *x, X509 *issuer, int nid, const char *v)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, v)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * Returns a certificate for key named cn, issued by issuer/ikey (itself when NULL).
 * eku: NULL = a CA, else the extendedKeyUsage value of an end-entity certificate.
 */
static X509 *
tsapki_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial,
    const char *eku)
{
	X509		*x;
	X509_NAME	*name;
	int		 ok;

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL) {
		X509_free(x);
		return NULL;
	}
	ok = X509_set_version(x, X509_VERSION_3) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
		(const unsigned char *)"trustwatch tests", -1, -1, 0) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0) &&
	    X509_set_subject_name(x, name) &&
	    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) &&
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)TSAPKI_NOT_BEFORE) != NULL &&
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)TSAPKI_NOT_AFTER) != NULL &&
	    X509_set_pubkey(x, key);
	X509_NAME_free(name);
	if (issuer == NULL) {
		issuer = x;
		ikey = key;
	}
	ok = ok && tsapki_ext(x, issuer, NID_subject_key_identifier, "hash") &&
	    tsapki_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (eku == NULL)
		ok = ok && tsapki_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
		    tsapki_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		ok = ok && tsapki_ext(x, issuer, NID_key_usage, "critical,digitalSignature") &&
		    tsapki_ext(x, issuer, NID_ext_key_usage, eku);
	if (!ok || X509_sign(x, ikey, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Returns an extension of type oid (dotted) whose value is an ASN.1 NULL, or NULL. */
static X509_EXTENSION *
tsapki_raw_ext(const char *oid, int critical)
{
	static const unsigned char null_der[] = { 0x05, 0x00 };
	ASN1_OBJECT		*obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING	*v = ASN1_OCTET_STRING_new();
	X509_EXTENSION		*ext = NULL;

	if (obj != NULL && v != NULL && ASN1_OCTET_STRING_set(v, null_der, sizeof(null_der)))
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, v);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(v);
	return ext;
}

/* Adds TSAPKI_UNKNOWN_OID to x and signs it again with ikey; returns x, or NULL (x freed). */
static X509 *
tsapki_add_unknown(X509 *x, EVP_PKEY *ikey, int critical)
{
	X509_EXTENSION	*ext;
	int		 ok;

	if (x == NULL)
		return NULL;
	ext = tsapki_raw_ext(TSAPKI_UNKNOWN_OID, critical);
	ok = ext != NULL && X509_add_ext(x, ext, -1) && X509_sign(x, ikey, EVP_sha256()) > 0;
	X509_EXTENSION_free(ext);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

struct tsapki *
tsapki_new(void)
{
	struct tsapki	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->root_key = tsapki_key()) == NULL || (p->inter_key = tsapki_key()) == NULL ||
	    (p->tsa_key = tsapki_key()) == NULL || (p->rogue_key = tsapki_key()) == NULL)
		goto fail;
	p->root = tsapki_cert("Test Root", p->root_key, NULL, NULL, 1, NULL);
	p->inter = tsapki_cert("Test TSA CA", p->inter_key, p->root, p->root_key, 2, NULL);
	p->tsa = tsapki_cert("Test TSU", p->tsa_key, p->inter, p->inter_key, 3,
	    "critical,timeStamping");
	p->noeku_tsa = tsapki_cert("Test TSU", p->tsa_key, p->inter, p->inter_key, 3,
	    "timeStamping");
	p->crit_tsa = tsapki_add_unknown(tsapki_cert("Test TSU", p->tsa_key, p->inter,
	    p->inter_key, 4, "critical,timeStamping"), p->inter_key, 1);
	p->noncrit_tsa = tsapki_cert("Test TSU", p->tsa_key, p->inter, p->inter_key, 5,
	    "critical,timeStamping");
	if (p->noncrit_tsa != NULL &&
	    !tsapki_ext(p->noncrit_tsa, p->inter, NID_subject_alt_name, "DNS:tsu.test"))
		goto fail;
	p->noncrit_tsa = tsapki_add_unknown(p->noncrit_tsa, p->inter_key, 0);
	p->rogue_root = tsapki_cert("Test Root", p->rogue_key, NULL, NULL, 1, NULL);
	p->rogue_tsa = tsapki_cert("Test TSU", p->rogue_key, p->rogue_root, p->rogue_key, 3,
	    "critical,timeStamping");
	if (p->root == NULL || p->inter == NULL || p->tsa == NULL || p->noeku_tsa == NULL ||
	    p->rogue_root == NULL || p->rogue_tsa == NULL || p->crit_tsa == NULL ||
	    p->noncrit_tsa == NULL)
		goto fail;
	return p;
fail:
	tsapki_free(p);
	return NULL;
}

void
tsapki_free(struct tsapki *p)
{
	if (p == NULL)
		return;
	X509_free(p->root);
	X509_free(p->inter);
	X509_free(p->tsa);
	X509_free(p->noeku_tsa);
	X509_free(p->rogue_root);
	X509_free(p->rogue_tsa);
	X509_free(p->crit_tsa);
	X509_free(p->noncrit_tsa);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->inter_key);
	EVP_PKEY_free(p->tsa_key);
	EVP_PKEY_free(p->rogue_key);
	free(p);
}

STACK_OF(X509) *
tsapki_stack(X509 *x, ...)
{
	STACK_OF(X509)	*sk;
	va_list		 ap;

	if ((sk = sk_X509_new_null()) == NULL)
		return NULL;
	va_start(ap, x);
	for (; x != NULL; x = va_arg(ap, X509 *))
		if (!X509_up_ref(x) || !sk_X509_push(sk, x))
			break;
	va_end(ap);
	return sk;
}

STACK_OF(X509) *
tsapki_load_pem(const char *path)
{
	STACK_OF(X509)	*sk;
	BIO		*b;
	X509		*x;

	if ((b = BIO_new_file(path, "r")) == NULL || (sk = sk_X509_new_null()) == NULL) {
		BIO_free(b);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
			X509_free(x);
	ERR_clear_error();
	BIO_free(b);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

/* Returns a DER TimeStampReq for o in a malloc'd buffer, or NULL. */
static unsigned char *
tsapki_request(const struct tsapki_opts *o, size_t *len)
{
	TS_REQ		*req = TS_REQ_new();
	TS_MSG_IMPRINT	*mi = TS_MSG_IMPRINT_new();
	X509_ALGOR	*alg = X509_ALGOR_new();
	ASN1_INTEGER	*nonce = NULL;
	unsigned char	*der = NULL, *p;
	int		 n, ok;

	ok = req != NULL && mi != NULL && alg != NULL &&
	    X509_ALGOR_set0(alg, OBJ_nid2obj(o->hash_nid != 0 ? o->hash_nid : NID_sha256),
		V_ASN1_NULL, NULL) &&
	    TS_MSG_IMPRINT_set_algo(mi, alg) &&
	    TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)o->digest, (int)o->digest_len) &&
	    TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
	    TS_REQ_set_cert_req(req, !o->no_cert_req);
	if (ok && o->nonce != NULL)
		ok = (nonce = BN_to_ASN1_INTEGER(o->nonce, NULL)) != NULL &&
		    TS_REQ_set_nonce(req, nonce);
	if (ok && (n = i2d_TS_REQ(req, NULL)) > 0 && (der = p = malloc((size_t)n)) != NULL) {
		i2d_TS_REQ(req, &p);
		*len = (size_t)n;
	}
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return der;
}

static int
tsapki_time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	const int64_t *ms = data;

	(void)ctx;
	*sec = (long)(*ms / 1000);
	*usec = (long)(*ms % 1000) * 1000;
	return 1;
}

/* Sets the requested PKIStatus; returns the serial, or NULL to stop at a rejection. */
static ASN1_INTEGER *
tsapki_serial_cb(TS_RESP_CTX *ctx, void *data)
{
	const struct tsapki_opts	*o = data;
	ASN1_INTEGER			*serial;

	if (o->status != TS_STATUS_GRANTED) {
		TS_RESP_CTX_set_status_info(ctx, o->status, o->status_text);
		if (o->failure >= 0)
			TS_RESP_CTX_add_failure_info(ctx, o->failure);
		if (o->status != TS_STATUS_GRANTED_WITH_MODS)
			return NULL;
	}
	if ((serial = ASN1_INTEGER_new()) != NULL)
		ASN1_INTEGER_set(serial, 0x2a17);
	return serial;
}

/* Sets the tsa field of tst as o asks; returns 1 or 0. */
static int
tsapki_set_tsa(TS_TST_INFO *tst, const struct tsapki_opts *o)
{
	GENERAL_NAME	*gn = GENERAL_NAME_new();
	X509_NAME	*name = NULL;
	ASN1_IA5STRING	*dns = NULL;
	int		 ok = 0;

	if (gn == NULL)
		return 0;
	if (o->tsa_dn_cn != NULL) {
		ok = (name = X509_NAME_new()) != NULL &&
		    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
			(const unsigned char *)"trustwatch tests", -1, -1, 0) &&
		    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
			(const unsigned char *)o->tsa_dn_cn, -1, -1, 0);
		if (ok) {
			GENERAL_NAME_set0_value(gn, GEN_DIRNAME, name);
			name = NULL;
		}
	} else {
		ok = (dns = ASN1_IA5STRING_new()) != NULL &&
		    ASN1_STRING_set(dns, o->tsa_dns, -1);
		if (ok) {
			GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
			dns = NULL;
		}
	}
	ok = ok && TS_TST_INFO_set_tsa(tst, gn);
	X509_NAME_free(name);
	ASN1_IA5STRING_free(dns);
	GENERAL_NAME_free(gn);
	return ok;
}

/*
 * Changes the TSTInfo of resp as o asks and signs it again as a TimeStampToken
 * (CMS SignedData, ESSCertID v1). Returns the DER TimeStampResp (caller frees), or NULL.
 */
static unsigned char *
tsapki_resign(TS_RESP *resp, const struct tsapki_opts *o, X509 *signer, EVP_PKEY *key,
    STACK_OF(X509) *chain, size_t *len)
{
	TS_TST_INFO		*tst = TS_RESP_get_tst_info(resp);
	X509_EXTENSION		*ext = NULL;
	ESS_SIGNING_CERT	*sc = NULL;
	CMS_ContentInfo		*cms = NULL;
	CMS_SignerInfo		*si;
	BIO			*bio = NULL;
	unsigned char		*tder = NULL, *sder = NULL, *kder = NULL, *ider = NULL;
	unsigned char		*out = NULL, *p;
	unsigned int		 flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP;
	int			 tn, sn, kn = 0, in_, ok, i;

	ok = tst != NULL;
	if (ok && (o->tsa_dn_cn != NULL || o->tsa_dns != NULL))
		ok = tsapki_set_tsa(tst, o);
	if (ok && o->ext_oid != NULL)
		ok = (ext = tsapki_raw_ext(o->ext_oid, o->ext_critical)) != NULL &&
		    TS_TST_INFO_add_ext(tst, ext, -1);
	if (!ok || (tn = i2d_TS_TST_INFO(tst, &tder)) <= 0)
		goto out;
	ok = (cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) != NULL &&
	    CMS_set1_eContentType(cms, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)) &&
	    (si = CMS_add1_signer(cms, signer, key, EVP_sha256(), flags)) != NULL &&
	    (sc = OSSL_ESS_signing_cert_new_init(signer, NULL, 1)) != NULL &&
	    (sn = i2d_ESS_SIGNING_CERT(sc, &sder)) > 0 &&
	    CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificate,
		V_ASN1_SEQUENCE, sder, sn);
	for (i = 0; ok && !o->no_cert_req && i < sk_X509_num(chain); i++)
		ok = CMS_add1_cert(cms, sk_X509_value(chain, i));
	ok = ok && (bio = BIO_new_mem_buf(tder, tn)) != NULL &&
	    CMS_final(cms, bio, NULL, flags) && (kn = i2d_CMS_ContentInfo(cms, &kder)) > 0 &&
	    (in_ = i2d_TS_STATUS_INFO(TS_RESP_get_status_info(resp), &ider)) > 0;
	if (!ok || (size_t)in_ + (size_t)kn > 0xffff)
		goto out;
	/* TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken }: < 64 KiB. */
	if ((out = p = malloc(4 + (size_t)in_ + (size_t)kn)) == NULL)
		goto out;
	*p++ = 0x30;
	*p++ = 0x82;
	*p++ = (unsigned char)((in_ + kn) >> 8);
	*p++ = (unsigned char)(in_ + kn);
	memcpy(p, ider, (size_t)in_);
	memcpy(p + in_, kder, (size_t)kn);
	*len = 4 + (size_t)in_ + (size_t)kn;
out:
	X509_EXTENSION_free(ext);
	ESS_SIGNING_CERT_free(sc);
	CMS_ContentInfo_free(cms);
	BIO_free(bio);
	OPENSSL_free(tder);
	OPENSSL_free(sder);
	OPENSSL_free(kder);
	OPENSSL_free(ider);
	return out;
}

unsigned char *
tsapki_response(const struct tsapki *pki, const struct tsapki_opts *o, size_t *len)
{
	TS_RESP_CTX	*ctx = NULL;
	TS_RESP		*resp = NULL;
	ASN1_OBJECT	*policy = NULL;
	STACK_OF(X509)	*chain = NULL;
	BIO		*in = NULL;
	unsigned char	*req = NULL, *der = NULL, *p;
	size_t		 req_len = o->req_len;
	X509		*signer;
	EVP_PKEY	*key;
	int		 n, ok;

	switch (o->signer) {
	case TSAPKI_SIGNER_CRIT:
	case TSAPKI_SIGNER_NONCRIT:
		signer = o->signer == TSAPKI_SIGNER_CRIT ? pki->crit_tsa : pki->noncrit_tsa;
		key = pki->tsa_key;
		chain = tsapki_stack(pki->inter, NULL);
		break;
	case TSAPKI_SIGNER_ROGUE:
		signer = pki->rogue_tsa;
		key = pki->rogue_key;
		chain = tsapki_stack(pki->rogue_root, NULL);
		break;
	default:
		signer = pki->tsa;
		key = pki->tsa_key;
		chain = tsapki_stack(pki->inter, NULL);
		break;
	}
	if (o->req_der == NULL && (req = tsapki_request(o, &req_len)) == NULL)
		goto out;
	in = BIO_new_mem_buf(o->req_der != NULL ? o->req_der : req, (int)req_len);
	policy = OBJ_txt2obj(o->policy != NULL ? o->policy : TSAPKI_POLICY, 1);
	ok = in != NULL && policy != NULL && chain != NULL && (ctx = TS_RESP_CTX_new()) != NULL &&
	    TS_RESP_CTX_set_signer_cert(ctx, signer) && TS_RESP_CTX_set_signer_key(ctx, key) &&
	    TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) &&
	    TS_RESP_CTX_set_certs(ctx, chain) && TS_RESP_CTX_set_def_policy(ctx, policy) &&
	    TS_RESP_CTX_add_md(ctx, EVP_sha256()) && TS_RESP_CTX_add_md(ctx, EVP_sha384()) &&
	    TS_RESP_CTX_add_md(ctx, EVP_sha512()) &&
	    TS_RESP_CTX_set_clock_precision_digits(ctx, 3);
	if (ok && (o->accuracy_s != 0 || o->accuracy_ms != 0))
		ok = TS_RESP_CTX_set_accuracy(ctx, o->accuracy_s, o->accuracy_ms, 0);
	if (ok && o->ess_v2)
		ok = TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256());
	if (!ok)
		goto out;
	TS_RESP_CTX_set_time_cb(ctx, tsapki_time_cb, (void *)&o->gen_ms);
	TS_RESP_CTX_set_serial_cb(ctx, tsapki_serial_cb, (void *)o);
	if ((resp = TS_RESP_create_response(ctx, in)) == NULL)
		goto out;
	if (o->tsa_dn_cn != NULL || o->tsa_dns != NULL || o->ext_oid != NULL) {
		der = tsapki_resign(resp, o, signer, key, chain, len);
		goto out;
	}
	if ((n = i2d_TS_RESP(resp, NULL)) > 0 && (der = p = malloc((size_t)n)) != NULL) {
		i2d_TS_RESP(resp, &p);
		*len = (size_t)n;
	}
out:
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	BIO_free(in);
	ASN1_OBJECT_free(policy);
	sk_X509_pop_free(chain, X509_free);
	free(req);
	ERR_clear_error();
	return der;
}

int
tsapki_token_span(const unsigned char *der, size_t len, size_t *off, size_t *tlen)
{
	const unsigned char	*p = der, *end;
	long			 n;
	int			 tag, cls;

	if (len > LONG_MAX || ASN1_get_object(&p, &n, &tag, &cls, (long)len) != V_ASN1_CONSTRUCTED)
		return -1;
	end = p + n;
	if (ASN1_get_object(&p, &n, &tag, &cls, end - p) != V_ASN1_CONSTRUCTED)
		return -1;
	p += n;
	if (p >= end)
		return -1;
	*off = (size_t)(p - der);
	*tlen = (size_t)(end - p);
	return 0;
}

int
tsapki_alter_signature(unsigned char *tok, size_t len)
{
	CMS_ContentInfo		*cms;
	ASN1_OCTET_STRING	*sig;
	const unsigned char	*p = tok;
	unsigned char		*hit = NULL;

	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL)
		return -1;
	sig = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
	if (sig != NULL && sig->length > 8)
		hit = memmem(tok, len, sig->data, (size_t)sig->length);
	if (hit != NULL)
		hit[sig->length - 1] ^= 0x01;
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return hit != NULL ? 0 : -1;
}
