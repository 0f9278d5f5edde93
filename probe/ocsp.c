/*
 * The ocsp probe kind: builds the request (SHA-1 CertID as RFC 5019 clients do,
 * optional nonce, GET or POST) and evaluates the response (SPEC §3).
 * Signer authorisation lives in ocsp_verify.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "critext.h"
#include "ocsp.h"
#include "ocsp_consistency.h"
#include "../core/util.h"

/* RFC 6960 OCSPResponseStatus names, as operators read them in responder logs. */
static const char *
response_status_name(int st)
{
	switch (st) {
	case OCSP_RESPONSE_STATUS_SUCCESSFUL:		return "successful";
	case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST:	return "malformedRequest";
	case OCSP_RESPONSE_STATUS_INTERNALERROR:	return "internalError";
	case OCSP_RESPONSE_STATUS_TRYLATER:		return "tryLater";
	case OCSP_RESPONSE_STATUS_SIGREQUIRED:		return "sigRequired";
	case OCSP_RESPONSE_STATUS_UNAUTHORIZED:		return "unauthorized";
	default:					return NULL;
	}
}

/* Records an ASN1 time as detail f; returns 0 and sets *ms, or -1 when t is absent or bad. */
static int
detail_asn1_time(struct result *r, enum detail f, const ASN1_GENERALIZEDTIME *t, int64_t *ms)
{
	if (t == NULL || probe_asn1_time_ms(t, ms) != 0)
		return -1;
	detail_set_time(r->details, f, *ms);
	return 0;
}

/*
 * Returns the single response that answers our question, or NULL.
 * See ocsp_evaluate for the matching rule.
 */
static OCSP_SINGLERESP *
find_single(OCSP_BASICRESP *bs, const struct conf_endpoint *ep, const struct ocsp_sent *sent,
    const ASN1_INTEGER *serial)
{
	OCSP_SINGLERESP *single;
	const OCSP_CERTID *id;
	OCSP_CERTID *mine;
	ASN1_OBJECT *alg = NULL;
	const EVP_MD *md;
	int match, n = OCSP_resp_count(bs);

	for (int i = 0; i < n; i++) {
		single = OCSP_resp_get0(bs, i);
		if ((id = OCSP_SINGLERESP_get0_id(single)) == NULL)
			continue;
		if (sent != NULL && sent->certid != NULL && OCSP_id_cmp(id, sent->certid) == 0)
			return single;
		if (serial == NULL || ep->issuer == NULL ||
		    !OCSP_id_get0_info(NULL, &alg, NULL, NULL, (OCSP_CERTID *)id) ||
		    (md = EVP_get_digestbyobj(alg)) == NULL)
			continue;
		if ((mine = OCSP_cert_id_new(md, X509_get_subject_name(ep->issuer),
		    X509_get0_pubkey_bitstr(ep->issuer), (ASN1_INTEGER *)serial)) == NULL)
			continue;
		match = OCSP_id_cmp(id, mine) == 0;
		OCSP_CERTID_free(mine);
		if (match)
			return single;
	}
	probe_err_clear();
	return NULL;
}

/*
 * Compares the response's nonce extension with what we sent: accepts the RFC 8954 form
 * (an OCTET STRING inside extnValue) and the bare form some old responders use.
 * Records details.nonce. Returns 0, or -1 when a different nonce came back.
 */
static int
check_nonce(OCSP_BASICRESP *bs, const struct ocsp_sent *sent, struct result *r)
{
	const unsigned char *p, *q;
	ASN1_OCTET_STRING *os, *inner;
	X509_EXTENSION *ext;
	int idx, n, same;

	if (sent == NULL || sent->nonce == NULL) {
		detail_set_str(r->details, DETAIL_NONCE, "not_sent");
		return 0;
	}
	idx = OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1);
	if (idx < 0 || (ext = OCSP_BASICRESP_get_ext(bs, idx)) == NULL ||
	    (os = X509_EXTENSION_get_data(ext)) == NULL) {
		detail_set_str(r->details, DETAIL_NONCE, "absent");
		return 0;
	}
	p = ASN1_STRING_get0_data(os);
	n = ASN1_STRING_length(os);
	same = (size_t)n == sent->nonce_len && memcmp(p, sent->nonce, sent->nonce_len) == 0;
	q = p;
	if (!same && (inner = d2i_ASN1_OCTET_STRING(NULL, &q, n)) != NULL) {
		same = q == p + n && (size_t)ASN1_STRING_length(inner) == sent->nonce_len &&
		    memcmp(ASN1_STRING_get0_data(inner), sent->nonce, sent->nonce_len) == 0;
		ASN1_OCTET_STRING_free(inner);
	}
	probe_err_clear();
	if (!same) {
		result_flag(r, REASON_NONCE_MISMATCH,
		    "OCSP response echoes a different nonce than the one sent");
		return -1;
	}
	detail_set_str(r->details, DETAIL_NONCE, "echoed");
	return 0;
}

/*
 * Checks certStatus and the thisUpdate/nextUpdate window of single at now.
 * With ans, the status is recorded there instead of compared with expect.cert_status.
 */
static void
check_single(OCSP_SINGLERESP *single, const struct conf_endpoint *ep, int64_t now,
    struct result *r, struct ocsp_answer *ans)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int64_t this_ms = 0, next_ms = 0, rev_ms;
	int st, reason = -1, has_next;
	enum cert_status got;
	char t[40], d[32];

	st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
	switch (st) {
	case V_OCSP_CERTSTATUS_GOOD:	got = CERT_GOOD; break;
	case V_OCSP_CERTSTATUS_REVOKED:	got = CERT_REVOKED; break;
	case V_OCSP_CERTSTATUS_UNKNOWN:	got = CERT_UNKNOWN; break;
	default:
		result_flag(r, REASON_MALFORMED, "OCSP single response has no certStatus");
		return;
	}
	detail_set_str(r->details, DETAIL_CERT_STATUS, cert_status_names[got]);
	if (got == CERT_REVOKED)
		detail_asn1_time(r, DETAIL_REVOCATION_TIME, rev, &rev_ms);
	if (detail_asn1_time(r, DETAIL_THIS_UPDATE, thisupd, &this_ms) != 0) {
		result_flag(r, REASON_MALFORMED, "OCSP single response has no readable thisUpdate");
		return;
	}
	has_next = nextupd != NULL;
	if (has_next && detail_asn1_time(r, DETAIL_NEXT_UPDATE, nextupd, &next_ms) != 0) {
		result_flag(r, REASON_MALFORMED, "OCSP single response has an unreadable nextUpdate");
		return;
	}

	if (ans != NULL) {
		ans->status = got;
		ans->revocation_ms = got == CERT_REVOKED && rev != NULL &&
		    probe_asn1_time_ms(rev, &rev_ms) == 0 ? rev_ms : 0;
	} else if (got != ep->expect.cert_status)
		result_flag(r, REASON_STATUS_MISMATCH, "certificate status is %s, expected %s",
		    cert_status_names[got], cert_status_names[ep->expect.cert_status]);
	if (this_ms > now + OCSP_SKEW_MS) {
		rfc3339_format_s(this_ms, t, sizeof(t));
		result_flag(r, REASON_CLOCK_SKEW,
		    "OCSP thisUpdate %s is more than 5 minutes in the future", t);
	}
	if (has_next && next_ms < now) {
		rfc3339_format_s(next_ms, t, sizeof(t));
		result_flag(r, REASON_EXPIRED, "OCSP nextUpdate %s has passed", t);
	}
	if (ep->expect.max_age_ms > 0 && now - this_ms > ep->expect.max_age_ms) {
		rfc3339_format_s(this_ms, t, sizeof(t));
		duration_format(ep->expect.max_age_ms, d, sizeof(d));
		result_flag(r, REASON_STALE, "OCSP thisUpdate %s is older than max_age %s", t, d);
	}
}

/* The responseExtensions we process (RFC 6960 §4.4); SingleResponse ones: none. */
static const int ocsp_exts_known[] = { NID_id_pkix_OCSP_Nonce };

/*
 * Checks that neither bs nor any of its single responses carries a critical extension
 * we do not process (RFC 6960 §4.4, RFC 5280 §4.2). Returns 1, or 0 with r flagged
 * malformed naming the OID and where it sits.
 */
static int
check_extensions(OCSP_BASICRESP *bs, struct result *r)
{
	OCSP_SINGLERESP *single;
	ASN1_INTEGER *serial = NULL;
	char oid[CRITEXT_OID_MAX], hex[84];
	int i, k, n = OCSP_resp_count(bs);

	for (i = 0; i < OCSP_BASICRESP_get_ext_count(bs); i++)
		if (critext_one(OCSP_BASICRESP_get_ext(bs, i), ocsp_exts_known,
		    NELEM(ocsp_exts_known), oid)) {
			result_flag(r, REASON_MALFORMED, "OCSP response carries critical "
			    "extension %s, which trustwatch does not process (RFC 6960 §4.4)", oid);
			return 0;
		}
	for (i = 0; i < n; i++) {
		single = OCSP_resp_get0(bs, i);
		for (k = 0; k < OCSP_SINGLERESP_get_ext_count(single); k++)
			if (critext_one(OCSP_SINGLERESP_get_ext(single, k), NULL, 0, oid))
				break;
		if (k == OCSP_SINGLERESP_get_ext_count(single))
			continue;
		OCSP_id_get0_info(NULL, NULL, NULL, &serial,
		    (OCSP_CERTID *)OCSP_SINGLERESP_get0_id(single));
		critext_serial_hex(serial, hex, sizeof(hex));
		result_flag(r, REASON_MALFORMED, "OCSP single response for serial %s carries "
		    "critical extension %s, which trustwatch does not process (RFC 6960 §4.4)",
		    hex, oid);
		return 0;
	}
	return 1;
}

/* Returns a new stack holding new references to the certificates of in (may be NULL). */
static STACK_OF(X509) *
certs_dup(const STACK_OF(X509) *in)
{
	STACK_OF(X509) *out = sk_X509_new_null();
	X509 *x;

	for (int i = 0; out != NULL && i < (in ? sk_X509_num(in) : 0); i++) {
		x = sk_X509_value(in, i);
		if (!sk_X509_push(out, x)) {
			sk_X509_pop_free(out, X509_free);
			return NULL;
		}
		X509_up_ref(x);
	}
	return out;
}

/* ocsp_evaluate, or with ans ocsp_evaluate_answer about serial. */
static void
evaluate(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct ocsp_sent *sent, const ASN1_INTEGER *serial, int64_t now, struct result *r,
    struct ocsp_answer *ans)
{
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	STACK_OF(X509) *certs = NULL;
	OCSP_SINGLERESP *single;
	const unsigned char *p = der, *tbs = NULL;
	size_t tbs_len = 0;
	const char *name;
	int64_t ms;
	int st;

	if (sent != NULL && (sent->method == OCSP_METHOD_GET || sent->method == OCSP_METHOD_POST))
		detail_set_str(r->details, DETAIL_METHOD, ocsp_method_names[sent->method]);
	if (der == NULL || len == 0) {
		result_flag(r, REASON_MALFORMED, "empty OCSP response");
		return;
	}
	/* The usual answer, plain DER and successful, without OpenSSL parsing the envelope. */
	if (ocsp_successful_parse_tbs(der, len, &bs, &certs, &tbs, &tbs_len))
		goto basic;
	if (len > LONG_MAX || (resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL) {
		result_flag(r, REASON_MALFORMED, "response is not a DER OCSPResponse");
		goto out;
	}
	if ((st = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		if ((name = response_status_name(st)) != NULL)
			result_flag(r, REASON_REJECTED, "OCSP responder answered %s", name);
		else
			result_flag(r, REASON_REJECTED, "OCSP responder answered status %d", st);
		if (name != NULL)
			detail_set_str(r->details, DETAIL_RESPONSE_STATUS, name);
		else
			detail_set_int(r->details, DETAIL_RESPONSE_STATUS, st);
		goto out;
	}
	if (!ocsp_basic_parse_tbs(der, len, &bs, &certs, &tbs, &tbs_len) &&
	    ((bs = OCSP_response_get1_basic(resp)) == NULL ||
	    (certs = certs_dup(OCSP_resp_get0_certs(bs))) == NULL)) {
		result_flag(r, REASON_MALFORMED, "OCSP response is not a parsable basic response");
		goto out;
	}
basic:
	if (detail_asn1_time(r, DETAIL_PRODUCED_AT, OCSP_resp_get0_produced_at(bs), &ms) != 0)
		result_flag(r, REASON_MALFORMED, "OCSP response has no readable producedAt");

	/* Signature and authority first: nothing below means anything without them. */
	ocsp_verify_signer_tbs(bs, tbs, tbs_len, certs, ep->issuer, now, r);
	/* A response we may not use (RFC 6960 §4.4) says nothing about the status. */
	if (!check_extensions(bs, r))
		goto out;

	if ((single = find_single(bs, ep, sent, serial)) == NULL) {
		result_flag(r, REASON_MALFORMED, "OCSP response does not answer our CertID "
		    "(%d single responses)", OCSP_resp_count(bs));
		goto out;
	}
	/* A foreign nonce means a replayed or misrouted answer: judge it before its content. */
	check_nonce(bs, sent, r);
	check_single(single, ep, now, r, ans);
out:
	sk_X509_pop_free(certs, X509_free);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	probe_err_clear();
}

void
ocsp_evaluate(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct ocsp_sent *sent, int64_t now, struct result *r)
{
	evaluate(der, len, ep, sent, ep->certificate != NULL ?
	    X509_get0_serialNumber(ep->certificate) : NULL, now, r, NULL);
}

void
ocsp_evaluate_answer(const unsigned char *der, size_t len, const struct conf_endpoint *ep,
    const struct ocsp_sent *sent, const ASN1_INTEGER *serial, int64_t now, struct result *r,
    struct ocsp_answer *ans)
{
	ans->status = CERT_UNKNOWN;
	ans->revocation_ms = 0;
	ans->answered = false;
	evaluate(der, len, ep, sent, serial, now, r, ans);
	ans->answered = detail_get_str(r->details, DETAIL_CERT_STATUS) != NULL;
}

int
ocsp_request_der(const OCSP_CERTID *certid, const unsigned char *nonce, size_t nonce_len,
    unsigned char **der, size_t *len)
{
	unsigned char *id = NULL;
	int n, rc;

	*der = NULL;
	*len = 0;
	if ((n = i2d_OCSP_CERTID((OCSP_CERTID *)certid, &id)) <= 0) {
		probe_err_clear();
		return -1;
	}
	rc = ocsp_request_from_certid(id, (size_t)n, nonce, nonce_len, der, len);
	OPENSSL_free(id);
	return rc;
}

char *
ocsp_get_url(const char *base, const unsigned char *der, size_t len, size_t *enc_len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t blen = strlen(base), start, n;
	unsigned char c[4];
	char *out;
	uint32_t v;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	/* At most 3 bytes ("%2B") for each of the 4 characters per 3 input bytes. */
	out = xmalloc(blen + 1 + (len + 2) / 3 * 12 + 1);
	memcpy(out, base, blen);
	n = blen;
	out[n++] = '/';
	start = n;
	for (size_t i = 0; i < len; i += 3) {
		v = (uint32_t)der[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)der[i + 1] << 8;
		if (i + 2 < len)
			v |= der[i + 2];
		c[0] = b64[(v >> 18) & 63];
		c[1] = b64[(v >> 12) & 63];
		c[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		c[3] = i + 2 < len ? b64[v & 63] : '=';
		for (int k = 0; k < 4; k++) {
			if (c[k] == '+' || c[k] == '/' || c[k] == '=') {
				out[n++] = '%';
				out[n++] = c[k] == '+' ? '2' : c[k] == '/' ? '2' : '3';
				out[n++] = c[k] == '+' ? 'B' : c[k] == '/' ? 'F' : 'D';
			} else {
				out[n++] = (char)c[k];
			}
		}
	}
	out[n] = '\0';
	if (enc_len != NULL)
		*enc_len = n - start;
	return out;
}

/* ocsp_build_request, with the CertID's DER from the table when id is not NULL. */
static int
build_request(const struct conf_endpoint *ep, const OCSP_CERTID *certid,
    const struct ocsp_reqid *id, unsigned char *nonce, size_t *nonce_len,
    enum ocsp_method *method, struct probe_request *req, struct result *r)
{
	unsigned char *der = NULL;
	size_t len, enc_len;
	char *url;

	memset(req, 0, sizeof(*req));
	*nonce_len = 0;
	if (ep->nonce) {
		if (probe_random(nonce, OCSP_NONCE_LEN) != 0) {
			result_flag(r, REASON_INTERNAL, "no randomness for the OCSP nonce");
			return -1;
		}
		*nonce_len = OCSP_NONCE_LEN;
	}
	if ((id != NULL ? ocsp_request_from_certid(id->der, id->len, *nonce_len ? nonce : NULL,
	    *nonce_len, &der, &len) : ocsp_request_der(certid, *nonce_len ? nonce : NULL,
	    *nonce_len, &der, &len)) != 0) {
		result_flag(r, REASON_INTERNAL, "cannot encode the OCSP request");
		return -1;
	}
	url = ocsp_get_url(ep->url, der, len, &enc_len);
	*method = ep->method;
	if (*method == OCSP_METHOD_AUTO)
		*method = enc_len < OCSP_GET_MAX ? OCSP_METHOD_GET : OCSP_METHOD_POST;
	if (*method == OCSP_METHOD_GET) {
		req->url = url;
		free(der);
	} else {
		free(url);
		req->url = xstrdup(ep->url);
		req->post = 1;
		req->body = der;
		req->body_len = len;
		req->content_type = "application/ocsp-request";
	}
	req->accept = "application/ocsp-response";
	return 0;
}

int
ocsp_build_request(const struct conf_endpoint *ep, const OCSP_CERTID *certid,
    unsigned char *nonce, size_t *nonce_len, enum ocsp_method *method,
    struct probe_request *req, struct result *r)
{
	return build_request(ep, certid, NULL, nonce, nonce_len, method, req, r);
}

/* What a running ocsp probe remembers between start and finish. */
struct ocsp_state {
	struct ocsp_reqid *id;		/* the CertID asked about, shared (ocsp_req.c) */
	const OCSP_CERTID *certid;	/* id's */
	unsigned char	 nonce[OCSP_NONCE_LEN];
	size_t		 nonce_len;	/* 0 = no nonce sent */
	enum ocsp_method method;	/* GET or POST */
	/* The CRL consistency check (ocsp_consistency.c), NULL = none configured. */
	struct ocsp_consist *consist;
	bool		 side;		/* the exchange in flight is one of its questions */
};

static void
ocsp_free_state(void *arg)
{
	struct ocsp_state *st = arg;

	if (st == NULL)
		return;
	ocsp_reqid_put(st->id);
	ocsp_consist_free(st->consist);
	free(st);
}

static void *
ocsp_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	struct ocsp_state *st;

	memset(req, 0, sizeof(*req));
	if (ep->certificate == NULL || ep->issuer == NULL || ep->url == NULL) {
		result_flag(r, REASON_INTERNAL, "ocsp endpoint needs url, certificate and issuer");
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	if ((st->id = ocsp_reqid_get(ep->certificate, ep->issuer)) == NULL) {
		result_flag(r, REASON_INTERNAL, "cannot build the OCSP CertID");
		goto fail;
	}
	st->certid = st->id->certid;
	if (build_request(ep, st->certid, st->id, st->nonce, &st->nonce_len, &st->method, req,
	    r) != 0)
		goto fail;
	st->consist = ocsp_consist_new(ep, in != NULL ? in->peer_memory : NULL);
	detail_set_str(r->details, DETAIL_METHOD, ocsp_method_names[st->method]);
	probe_err_clear();
	return st;
fail:
	probe_err_clear();
	ocsp_free_state(st);
	return NULL;
}

static int
ocsp_finish(void *arg, const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now, struct probe_request *next, struct result *r)
{
	struct ocsp_state *st = arg;
	struct ocsp_sent sent = { 0 };

	if (st == NULL) {
		result_flag(r, REASON_INTERNAL, "ocsp probe finished without a request");
		return 0;
	}
	if (st->side) {
		ocsp_consist_answer(st->consist, ep, resp, now, r);
		return ocsp_consist_next(st->consist, ep, next, r);
	}
	sent.certid = st->certid;
	sent.nonce = st->nonce_len ? st->nonce : NULL;
	sent.nonce_len = st->nonce_len;
	sent.method = st->method;
	if (st->method == OCSP_METHOD_GET && resp->http_status >= 400 &&
	    resp->http_status < 500) {
		/* Many responders take only POST: say what was sent and what to change. */
		detail_set_int(r->details, DETAIL_HTTP_STATUS, resp->http_status);
		result_flag(r, REASON_HTTP_STATUS, "HTTP status %ld to an OCSP GET (the request "
		    "base64-encoded in the URL, RFC 6960 A.1%s); if this responder takes only "
		    "POST, set `method: post` on the endpoint", resp->http_status,
		    ep->method == OCSP_METHOD_AUTO ? ", chosen by `method: auto` as the request "
		    "is short" : "");
		return 0;
	}
	if (!probe_check_http(resp, 0, r))
		return 0;
	ocsp_evaluate(resp->body, resp->len, ep, &sent, now, r);
	/* The consistency questions follow an answer that was itself usable. */
	if (st->consist == NULL || r->status == STATUS_DOWN)
		return 0;
	st->side = true;
	return ocsp_consist_next(st->consist, ep, next, r);
}

#define N_(s)	(s)	/* an English msgid, translated by report/po */

static const struct kind_info ocsp_info = {
	.label = N_("OCSP"),
	.signer_label = N_("OCSP signer certificate"),
	.next_update_label = N_("OCSP response next update"),
	.description = N_("OCSP responder: asks for the status of a known certificate; the signed answer must verify against the issuing CA, be fresh and say what is expected."),
	.unavailable = N_("Certificate status cannot be checked: signing and login applications that check revocation will refuse or delay this provider's certificates."),
	.untrustworthy = N_("Certificate status answers cannot be trusted: signing and login applications that check revocation will refuse or delay this provider's certificates."),
	.stale = N_("Certificate status answers are out of date: recent revocations may not be reflected, and strict applications refuse them."),
	.expired = N_("Certificate status answers are past their validity: applications that check revocation will refuse them."),
	.reasons = REASON_BIT(REASON_STATUS_MISMATCH) | REASON_BIT(REASON_SIGNATURE_INVALID) |
	    REASON_BIT(REASON_UNTRUSTED) | REASON_BIT(REASON_STALE) | REASON_BIT(REASON_EXPIRED) |
	    REASON_BIT(REASON_NONCE_MISMATCH) | REASON_BIT(REASON_REJECTED) |
	    REASON_BIT(REASON_CLOCK_SKEW) | REASON_BIT(REASON_INCONSISTENT) |
	    REASON_BIT(REASON_UNISSUED_GOOD),
	/* The crl / sample keys and their checks: ocsp_consistency.c. */
	.keys = ocsp_consist_keys,
	.n_keys = OCSP_CONSIST_NKEYS,
	.conf_new = ocsp_consist_conf_new,
	.conf_check_provider = ocsp_consist_conf_check,
	.conf_free = ocsp_consist_conf_free,
	.settings = ocsp_consist_settings,
};

const struct probe_ops probe_ocsp_ops = {
	.name = "ocsp",
	.kind = KIND_OCSP,
	.info = &ocsp_info,
	.peer = ocsp_consist_peer,
	.start = ocsp_start,
	.finish = ocsp_finish,
	.free_state = ocsp_free_state,
};
