/*
 * The tsa kind (RFC 3161): builds the TimeStampReq, reads the TimeStampResp's PKIStatusInfo
 * and hands the token to tsa_evaluate_token() (tsa_verify.c).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "tsa.h"
#include "../core/util.h"

#define TSA_NONCE_BITS	64
#define TSA_TEXT_MAX	200	/* bytes of the TSA's statusString quoted in a message */

/* PKIStatus values, RFC 3161 2.4.2. */
static const char *const tsa_status_names[] = {
	[TS_STATUS_GRANTED] = "granted",
	[TS_STATUS_GRANTED_WITH_MODS] = "grantedWithMods",
	[TS_STATUS_REJECTION] = "rejection",
	[TS_STATUS_WAITING] = "waiting",
	[TS_STATUS_REVOCATION_WARNING] = "revocationWarning",
	[TS_STATUS_REVOCATION_NOTIFICATION] = "revocationNotification",
};

/* PKIFailureInfo bits, RFC 3161 2.4.2. */
static const struct {
	int		 bit;
	const char	*name;
} tsa_failures[] = {
	{ TS_INFO_BAD_ALG, "badAlg" },
	{ TS_INFO_BAD_REQUEST, "badRequest" },
	{ TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
	{ TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
	{ TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
	{ TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
	{ TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
	{ TS_INFO_SYSTEM_FAILURE, "systemFailure" },
};

/* What start() sent, kept for finish(). */
struct tsa_state {
	unsigned char	 digest[EVP_MAX_MD_SIZE];
	size_t		 digest_len;
	int		 hash_nid;
	BIGNUM		*nonce;		/* owned */
};

/* Appends the statusString texts to b, non-printable and non-ASCII bytes as ?, at most TSA_TEXT_MAX bytes. */
static void
tsa_status_text(const TS_STATUS_INFO *si, struct buf *b)
{
	const STACK_OF(ASN1_UTF8STRING)	*texts = TS_STATUS_INFO_get0_text(si);
	const ASN1_UTF8STRING		*t;
	const unsigned char		*p;
	size_t				 start = b->len;
	int				 i, j;

	for (i = 0; i < sk_ASN1_UTF8STRING_num(texts); i++) {
		t = sk_ASN1_UTF8STRING_value(texts, i);
		p = ASN1_STRING_get0_data(t);
		if (i > 0)
			buf_append(b, "; ", 2);
		for (j = 0; j < ASN1_STRING_length(t); j++) {
			if (b->len - start >= TSA_TEXT_MAX) {
				buf_append(b, "...", 3);
				return;
			}
			buf_append(b, p[j] < 0x20 || p[j] >= 0x7f ? (const unsigned char *)"?" :
			    &p[j], 1);
		}
	}
}

/* Flags r rejected with the status, the failure info names and the TSA's text. */
static void
tsa_flag_rejected(const TS_STATUS_INFO *si, int64_t status, struct result *r)
{
	const ASN1_BIT_STRING	*fi = TS_STATUS_INFO_get0_failure_info(si);
	struct buf		 why = { 0 }, text = { 0 };
	size_t			 i;

	for (i = 0; fi != NULL && i < NELEM(tsa_failures); i++)
		if (ASN1_BIT_STRING_get_bit(fi, tsa_failures[i].bit))
			buf_printf(&why, "%s%s", why.len > 0 ? ", " : "", tsa_failures[i].name);
	tsa_status_text(si, &text);
	if (text.len > 0)
		detail_set_str(r->details, DETAIL_STATUS_TEXT, (char *)text.data);
	if (status >= 0 && status < (long)NELEM(tsa_status_names))
		result_flag(r, REASON_REJECTED, "TSA answered %s%s%s%s%s%s",
		    tsa_status_names[status],
		    why.len > 0 ? " (" : "", why.len > 0 ? (char *)why.data : "",
		    why.len > 0 ? ")" : "", text.len > 0 ? ": " : "",
		    text.len > 0 ? (char *)text.data : "");
	else
		result_flag(r, REASON_REJECTED, "TSA answered unknown PKIStatus %lld%s%s%s%s%s",
		    (long long)status, why.len > 0 ? " (" : "", why.len > 0 ? (char *)why.data : "",
		    why.len > 0 ? ")" : "", text.len > 0 ? ": " : "",
		    text.len > 0 ? (char *)text.data : "");
	buf_free(&why);
	buf_free(&text);
}

void
tsa_evaluate(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct tsa_sent *sent, int64_t now_ms, struct result *r)
{
	TS_STATUS_INFO		*si = NULL;
	const unsigned char	*p = der, *end;
	int64_t			 status;
	long			 olen;
	int			 rc, tag, cls;

	if (der == NULL || len == 0 || len > LONG_MAX) {
		result_flag(r, REASON_MALFORMED, "empty TimeStampResp");
		return;
	}
	rc = ASN1_get_object(&p, &olen, &tag, &cls, (long)len);
	if (rc != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) {
		result_flag(r, REASON_MALFORMED, "response is not a DER TimeStampResp");
		goto out;
	}
	end = p + olen;
	if (end != der + len) {
		result_flag(r, REASON_MALFORMED, "%zu trailing bytes after the TimeStampResp",
		    (size_t)(der + len - end));
		goto out;
	}
	if ((si = d2i_TS_STATUS_INFO(NULL, &p, end - p)) == NULL) {
		result_flag(r, REASON_MALFORMED, "TimeStampResp status does not parse");
		goto out;
	}
	if (ASN1_INTEGER_get_int64(&status, TS_STATUS_INFO_get0_status(si)) != 1)
		status = -1;
	if (status >= 0 && status < (long)NELEM(tsa_status_names))
		detail_set_str(r->details, DETAIL_PKI_STATUS, tsa_status_names[status]);
	if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
		tsa_flag_rejected(si, status, r);
		goto out;
	}
	if (status == TS_STATUS_GRANTED_WITH_MODS && r->message == NULL)
		r->message = xstrdup("TSA granted the request with modifications");
	if (p == end) {
		result_flag(r, REASON_MALFORMED, "TSA granted the request but sent no token");
		goto out;
	}
	tsa_evaluate_token(p, (size_t)(end - p), ep, sent, now_ms, r);
out:
	TS_STATUS_INFO_free(si);
	probe_err_clear();
}

/* Returns the DER TimeStampReq for st in a malloc'd buffer (caller frees), or NULL. */
static unsigned char *
tsa_request_der(const struct tsa_state *st, size_t *len)
{
	TS_REQ		*req = NULL;
	TS_MSG_IMPRINT	*mi = NULL;
	X509_ALGOR	*alg = NULL;
	ASN1_INTEGER	*nonce = NULL;
	unsigned char	*der = NULL, *p;
	int		 n;

	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) == NULL ||
	    (alg = X509_ALGOR_new()) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(st->nonce, NULL)) == NULL)
		goto out;
	if (!X509_ALGOR_set0(alg, OBJ_nid2obj(st->hash_nid), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)st->digest, (int)st->digest_len) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1))
		goto out;
	if ((n = i2d_TS_REQ(req, NULL)) <= 0)
		goto out;
	der = p = xmalloc((size_t)n);
	if (i2d_TS_REQ(req, &p) != n)
		FREE_NULL(der);
	*len = (size_t)n;
out:
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return der;
}

static void
tsa_free_state(void *state)
{
	struct tsa_state *st = state;

	if (st == NULL)
		return;
	BN_free(st->nonce);
	free(st);
}

static void *
tsa_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	struct tsa_state	*st;
	const EVP_MD		*md;
	int			 n;

	(void)in;
	st = xcalloc(1, sizeof(*st));
	st->hash_nid = ep->hash_nid != 0 ? ep->hash_nid : NID_sha256;
	md = EVP_get_digestbynid(st->hash_nid);
	if (md == NULL || (n = EVP_MD_get_size(md)) <= 0 || n > EVP_MAX_MD_SIZE) {
		result_flag(r, REASON_INTERNAL, "unsupported hash for the time-stamp request");
		goto fail;
	}
	st->digest_len = (size_t)n;
	if (RAND_bytes(st->digest, n) != 1 || (st->nonce = BN_new()) == NULL ||
	    BN_rand(st->nonce, TSA_NONCE_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
		result_flag(r, REASON_INTERNAL, "no randomness for the time-stamp request");
		goto fail;
	}
	if ((req->body = tsa_request_der(st, &req->body_len)) == NULL) {
		result_flag(r, REASON_INTERNAL, "cannot encode the time-stamp request");
		goto fail;
	}
	req->url = xstrdup(ep->url);
	req->post = 1;
	req->content_type = "application/timestamp-query";
	req->accept = "application/timestamp-reply";
	return st;
fail:
	probe_err_clear();
	tsa_free_state(st);
	return NULL;
}

static int
tsa_finish(void *state, const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now, struct probe_request *next, struct result *r)
{
	const struct tsa_state	*st = state;
	struct tsa_sent		 sent;

	(void)next;
	if (st == NULL) {
		result_flag(r, REASON_INTERNAL, "tsa probe finished without a request");
		return 0;
	}
	if (!probe_check_http(resp, 0, r))
		return 0;
	memset(&sent, 0, sizeof(sent));
	sent.digest = st->digest;
	sent.digest_len = st->digest_len;
	sent.hash_nid = st->hash_nid;
	sent.nonce = st->nonce;
	sent.rtt_ms = resp->rtt_ms;
	tsa_evaluate(resp->body, resp->len, ep, &sent, now, r);
	return 0;
}

#define N_(s)	(s)	/* an English msgid, translated by report/po */

static const struct kind_info tsa_info = {
	.label = N_("Time-stamps"),
	.signer_label = N_("Time-stamp signer certificate"),
	.description = N_("Time-stamping authority: requests a time-stamp over a random digest; the token must verify to the configured trust anchor, match the request and tell the right time."),
	.unavailable = N_("No time-stamps can be obtained: electronic signatures that need a trusted time cannot be completed."),
	.untrustworthy = N_("Time-stamps cannot be trusted: signatures time-stamped now may be rejected later."),
	.clock_skew = N_("The time-stamping service's clock is wrong: the times it certifies cannot be relied upon."),
	.reasons = REASON_BIT(REASON_IMPRINT_MISMATCH) | REASON_BIT(REASON_POLICY_MISMATCH) |
	    REASON_BIT(REASON_SIGNATURE_INVALID) | REASON_BIT(REASON_UNTRUSTED) |
	    REASON_BIT(REASON_STALE) | REASON_BIT(REASON_EXPIRED) |
	    REASON_BIT(REASON_NONCE_MISMATCH) | REASON_BIT(REASON_REJECTED) |
	    REASON_BIT(REASON_CLOCK_SKEW),
};

const struct probe_ops probe_tsa_ops = {
	.name = "tsa",
	.kind = KIND_TSA,
	.info = &tsa_info,
	.start = tsa_start,
	.finish = tsa_finish,
	.free_state = tsa_free_state,
};
