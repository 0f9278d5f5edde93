/*
 * CRL ⇄ OCSP consistency (SPEC §14): the `crl` and `sample` keys of an ocsp endpoint, and
 * the extra questions its probe asks the responder. See ocsp_consistency.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "critext.h"
#include "ocsp.h"
#include "ocsp_consistency.h"
#include "../core/util.h"

/* Config keys. */

void *
ocsp_consist_conf_new(void)
{
	struct ocsp_conf *oc = xcalloc(1, sizeof(*oc));

	oc->sample = OCSP_SAMPLE_DEFAULT;
	return oc;
}

void
ocsp_consist_conf_free(void *arg)
{
	struct ocsp_conf *oc = arg;

	if (oc == NULL)
		return;
	free(oc->crl);
	free(oc);
}

static void
key_crl(struct conf_kv *kv, struct conf_endpoint *ep)
{
	struct ocsp_conf *oc = ep->kind_conf;

	free(oc->crl);
	oc->crl = NULL;
	conf_kv_str(kv, &oc->crl);
}

static void
key_sample(struct conf_kv *kv, struct conf_endpoint *ep)
{
	conf_kv_int(kv, 0, OCSP_SAMPLE_MAX, &((struct ocsp_conf *)ep->kind_conf)->sample);
}

const struct conf_key ocsp_consist_keys[OCSP_CONSIST_NKEYS] = {
	{ "crl", key_crl },
	{ "sample", key_sample },
};

void
ocsp_consist_conf_check(struct conf_kv *kv, struct conf_endpoint *ep,
    const struct conf_provider *p)
{
	const struct ocsp_conf *oc = ep->kind_conf;
	const struct conf_endpoint *c = NULL;

	if (oc->crl == NULL) {
		if (conf_kv_has(kv, "sample") && !conf_kv_has(kv, "crl"))
			conf_kv_key_err(kv, "sample", "endpoint %s: 'sample' needs 'crl' (the crl "
			    "endpoint whose revoked serials are sampled)", ep->id);
		return;
	}
	for (size_t i = 0; i < p->n_endpoints; i++)
		if (&p->endpoints[i] != ep && p->endpoints[i].id != NULL &&
		    strcmp(p->endpoints[i].id, oc->crl) == 0)
			c = &p->endpoints[i];
	if (c == NULL) {
		conf_kv_key_err(kv, "crl", "endpoint %s: crl: no endpoint '%s' in provider %s",
		    ep->id, oc->crl, p->id ? p->id : "?");
		return;
	}
	if (c->kind != KIND_CRL) {
		conf_kv_key_err(kv, "crl", "endpoint %s: crl: endpoint '%s' is of kind %s, "
		    "expected crl", ep->id, oc->crl, kind_names[c->kind]);
		return;
	}
	if (c->issuer != NULL && ep->issuer != NULL && X509_cmp(c->issuer, ep->issuer) != 0)
		conf_kv_key_err(kv, "crl", "endpoint %s: crl: endpoint '%s' has another issuer "
		    "than this one: its revoked serials are not this CA's", ep->id, oc->crl);
}

void
ocsp_consist_settings(const struct conf_endpoint *ep, char *out, size_t len)
{
	const struct ocsp_conf *oc = ep->kind_conf;

	if (oc != NULL && oc->crl != NULL)
		snprintf(out, len, " crl=%s sample=%d", oc->crl, oc->sample);
}

int
ocsp_consist_peer(const struct conf_endpoint *ep, const char **provider, const char **endpoint)
{
	const struct ocsp_conf *oc = ep->kind_conf;

	if (oc == NULL || oc->crl == NULL)
		return 0;
	*provider = ep->provider->id;
	*endpoint = oc->crl;
	return 1;
}

/* The questions. */

struct ocsp_consist {
	const char	*crl;		/* borrowed from the config */
	ASN1_INTEGER	*serial[OCSP_SAMPLE_MAX + 1];	/* the sample, then the unissued one */
	int64_t		 rev_s[OCSP_SAMPLE_MAX];	/* the CRL's revocationDate of each */
	size_t		 n;		/* questions, the last one the unissued serial */
	size_t		 asked;		/* questions built so far */
	size_t		 mismatches;
	const char	*unissued;	/* its answer's status, NULL = none read */
	/* What the question in flight sent. */
	OCSP_CERTID	*certid;
	unsigned char	 nonce[OCSP_NONCE_LEN];
	size_t		 nonce_len;
	enum ocsp_method method;
};

size_t
ocsp_consist_parse(const char *mem, ASN1_INTEGER ***serials, int64_t **rev_s)
{
	size_t n = 0;
	const char *line;

	*serials = xcalloc(OCSP_SAMPLE_MAX, sizeof(**serials));
	*rev_s = xcalloc(OCSP_SAMPLE_MAX, sizeof(**rev_s));
	for (line = mem != NULL ? strchr(mem, '\n') : NULL; line != NULL && n < OCSP_SAMPLE_MAX;
	    line = strchr(line + 1, '\n')) {
		char hex[84];
		long long t;
		BIGNUM *bn = NULL;
		ASN1_INTEGER *ai;

		if (sscanf(line + 1, "r %83[0-9A-Fa-f] %lld", hex, &t) != 2 || t <= 0)
			continue;
		if (BN_hex2bn(&bn, hex) != (int)strlen(hex) ||
		    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
			BN_free(bn);
			ERR_clear_error();
			continue;
		}
		BN_free(bn);
		(*serials)[n] = ai;
		(*rev_s)[n++] = (int64_t)t;
	}
	return n;
}

struct ocsp_consist *
ocsp_consist_new(const struct conf_endpoint *ep, const char *crl_memory)
{
	const struct ocsp_conf *oc = ep->kind_conf;
	struct ocsp_consist *c;
	ASN1_INTEGER **serials;
	int64_t *rev;
	size_t have, k;
	unsigned char u[sizeof(OCSP_UNISSUED_PREFIX) - 1 + OCSP_UNISSUED_RANDOM];
	unsigned int pick;
	BIGNUM *bn;

	if (oc == NULL || oc->crl == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->crl = oc->crl;
	have = ocsp_consist_parse(crl_memory, &serials, &rev);
	/* A random `sample` of the CRL's recent revocations: a partial Fisher-Yates shuffle. */
	for (k = 0; k < have && c->n < (size_t)oc->sample; k++) {
		ASN1_INTEGER *ts;
		int64_t tr;

		if (RAND_bytes((unsigned char *)&pick, sizeof(pick)) != 1)
			pick = 0;
		pick = (unsigned int)k + pick % (unsigned int)(have - k);
		ts = serials[k], serials[k] = serials[pick], serials[pick] = ts;
		tr = rev[k], rev[k] = rev[pick], rev[pick] = tr;
		c->serial[c->n] = serials[k];
		serials[k] = NULL;
		c->rev_s[c->n++] = rev[k];
	}
	for (k = 0; k < have; k++)
		ASN1_INTEGER_free(serials[k]);
	free(serials);
	free(rev);
	memcpy(u, OCSP_UNISSUED_PREFIX, sizeof(OCSP_UNISSUED_PREFIX) - 1);
	if (RAND_bytes(u + sizeof(OCSP_UNISSUED_PREFIX) - 1, OCSP_UNISSUED_RANDOM) == 1 &&
	    (bn = BN_bin2bn(u, (int)sizeof(u), NULL)) != NULL) {
		c->serial[c->n++] = BN_to_ASN1_INTEGER(bn, NULL);
		BN_free(bn);
	}
	ERR_clear_error();
	return c;
}

void
ocsp_consist_free(struct ocsp_consist *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		ASN1_INTEGER_free(c->serial[i]);
	OCSP_CERTID_free(c->certid);
	free(c);
}

/* Whether question i is about the never-issued serial. */
static int
is_unissued(const struct ocsp_consist *c, size_t i)
{
	return i + 1 == c->n && c->serial[i] != NULL &&
	    ASN1_STRING_length(c->serial[i]) > (int)sizeof(OCSP_UNISSUED_PREFIX) - 1 &&
	    memcmp(ASN1_STRING_get0_data(c->serial[i]), OCSP_UNISSUED_PREFIX,
	    sizeof(OCSP_UNISSUED_PREFIX) - 1) == 0;
}

int
ocsp_consist_next(struct ocsp_consist *c, const struct conf_endpoint *ep,
    struct probe_request *req, struct result *r)
{
	size_t checked;

	memset(req, 0, sizeof(*req));
	if (c == NULL)
		return 0;
	OCSP_CERTID_free(c->certid);
	c->certid = NULL;
	while (c->asked < c->n && c->serial[c->asked] == NULL)
		c->asked++;
	/* A finding that is already down ends the questions: nothing can make it worse. */
	if (c->asked < c->n && r->status != STATUS_DOWN) {
		c->certid = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ep->issuer),
		    X509_get0_pubkey_bitstr(ep->issuer), c->serial[c->asked]);
		c->asked++;
		if (c->certid != NULL && ocsp_build_request(ep, c->certid, c->nonce,
		    &c->nonce_len, &c->method, req, r) == 0) {
			req->untimed = true;
			ERR_clear_error();
			return 1;
		}
		ERR_clear_error();
		if (c->certid == NULL)
			result_flag(r, REASON_INTERNAL, "cannot build the OCSP CertID of a "
			    "consistency question");
	}
	checked = c->asked;
	if (checked > 0 && is_unissued(c, c->n - 1) && c->asked == c->n)
		checked--;
	detail_set_str(r->details, DETAIL_CONSISTENCY_CRL, c->crl);
	detail_set_int(r->details, DETAIL_CONSISTENCY_CHECKED, (int64_t)checked);
	detail_set_int(r->details, DETAIL_CONSISTENCY_MISMATCHES, (int64_t)c->mismatches);
	if (c->unissued != NULL)
		detail_set_str(r->details, DETAIL_UNISSUED_STATUS, c->unissued);
	return 0;
}

void
ocsp_consist_answer(struct ocsp_consist *c, const struct conf_endpoint *ep,
    const struct probe_response *resp, int64_t now, struct result *r)
{
	struct ocsp_sent sent = { 0 };
	struct ocsp_answer ans;
	struct result q;
	size_t i;
	char hex[84], t1[40], t2[40];

	if (c == NULL || c->asked == 0 || c->certid == NULL)
		return;
	i = c->asked - 1;
	critext_serial_hex(c->serial[i], hex, sizeof(hex));
	if (resp->http_status < 200 || resp->http_status >= 300) {
		detail_set_int(r->details, DETAIL_HTTP_STATUS, resp->http_status);
		result_flag(r, REASON_HTTP_STATUS, "HTTP status %ld to the OCSP question about "
		    "serial %s (consistency check)", resp->http_status, hex);
		return;
	}
	sent.certid = c->certid;
	sent.nonce = c->nonce_len ? c->nonce : NULL;
	sent.nonce_len = c->nonce_len;
	sent.method = c->method;
	/* The answer is judged on its own, then its verdict is carried over with its serial. */
	result_init(&q, ep, r->time_ms);
	ocsp_evaluate_answer(resp->body, resp->len, ep, &sent, c->serial[i], now, &q, &ans);
	if (q.reason != REASON_OK && q.reason != REASON_SLOW)
		result_flag(r, q.reason, "answer about serial %s (consistency check): %s", hex,
		    q.message ? q.message : reason_names[q.reason]);
	result_clear(&q);
	if (!ans.answered)
		return;
	if (is_unissued(c, i)) {
		c->unissued = cert_status_names[ans.status];
		if (ans.status == CERT_GOOD)
			result_flag(r, REASON_UNISSUED_GOOD, "OCSP responder says good for serial "
			    "%s, which was never issued (CA/B Forum BR 4.9.10: a responder must not "
			    "answer good for a certificate that was not issued)", hex);
		return;
	}
	rfc3339_format_s(c->rev_s[i] * 1000, t1, sizeof(t1));
	if (ans.status != CERT_REVOKED) {
		c->mismatches++;
		result_flag(r, REASON_INCONSISTENT, "OCSP responder says %s for serial %s, which "
		    "CRL endpoint %s lists as revoked on %s (ETSI EN 319 411-1: revocation status "
		    "information must be consistent)", cert_status_names[ans.status], hex, c->crl, t1);
	} else if (ans.revocation_ms / 1000 != c->rev_s[i]) {
		c->mismatches++;
		rfc3339_format_s(ans.revocation_ms, t2, sizeof(t2));
		result_flag(r, REASON_INCONSISTENT, "OCSP responder says serial %s was revoked on "
		    "%s, CRL endpoint %s says %s (ETSI EN 319 411-1: revocation status information "
		    "must be consistent)", hex, t2, c->crl, t1);
	}
}
