/*
 * The login kind: GET the configured URL, check status and body, then the OIDC
 * discovery document (and a second GET for its JWKS) or the SAML metadata.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "login.h"
#include "login_posture.h"
#include "oidc.h"
#include "saml.h"
#include "../core/util.h"

#define ACCEPT_HTML	"text/html,application/xhtml+xml,*/*;q=0.8"
#define ACCEPT_JSON	"application/json,*/*;q=0.5"
#define ACCEPT_JWKS	"application/jwk-set+json,application/json;q=0.9,*/*;q=0.5"
#define ACCEPT_SAML	"application/samlmetadata+xml,application/xml;q=0.9,text/xml;q=0.8,*/*;q=0.5"

enum login_step {
	LOGIN_STEP_PAGE,	/* the configured URL: page, discovery document or metadata */
	LOGIN_STEP_JWKS,	/* the jwks_uri named by the discovery document */
	LOGIN_STEP_POSTURE,	/* a side request of the TLS posture check (login_posture.c) */
	LOGIN_STEP_DONE
};

struct login_state {
	enum login_step	 step;
	char		*jwks_uri;	/* owned, set for LOGIN_STEP_JWKS */
	struct posture	*posture;	/* owned, with expect.posture once the page answered */
};

static int
b64_value(unsigned char c, enum login_b64 a)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (a == LOGIN_B64_URL ? '-' : '+'))
		return 62;
	if (c == (a == LOGIN_B64_URL ? '_' : '/'))
		return 63;
	return -1;
}

unsigned char *
login_b64_decode(const char *s, size_t n, enum login_b64 a, size_t *outlen)
{
	unsigned char *out = xmalloc(n / 4 * 3 + 3);
	size_t o = 0, sextets = 0, pads = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (a == LOGIN_B64_STD && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		if (a == LOGIN_B64_STD && c == '=') {
			pads++;
			continue;
		}
		if (pads > 0 || (v = b64_value(c, a)) < 0)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		sextets++;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (sextets % 4 == 1)
		goto bad;
	if (a == LOGIN_B64_STD && (pads > 2 || (sextets + pads) % 4 != 0))
		goto bad;
	if ((acc & ((1u << bits) - 1)) != 0)
		goto bad;
	*outlen = o;
	return out;
bad:
	free(out);
	*outlen = 0;
	return NULL;
}

int
login_evaluate(const struct probe_response *resp, const struct conf_endpoint *ep,
    struct result *r)
{
	const char *want = ep->expect.body_contains;

	detail_set_int(r->details, DETAIL_HTTP_STATUS, resp->http_status);
	detail_set_int(r->details, DETAIL_REDIRECTS, resp->redirects);
	if (!probe_check_http(resp, ep->expect.http_status, r))
		return 0;
	if (want != NULL && *want != '\0' && (resp->body == NULL ||
	    memmem(resp->body, resp->len, want, strlen(want)) == NULL)) {
		result_flag(r, REASON_BODY_MISMATCH,
		    "response body (%zu bytes) does not contain \"%.100s\"", resp->len, want);
		return 0;
	}
	return 1;
}

static void *
login_start(const struct conf_endpoint *ep, const struct probe_input *in,
    struct probe_request *req, struct result *r)
{
	struct login_state *st;

	(void)in;
	memset(req, 0, sizeof(*req));
	if (ep == NULL || ep->url == NULL || *ep->url == '\0') {
		result_flag(r, REASON_INTERNAL, "login endpoint has no URL");
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->step = LOGIN_STEP_PAGE;
	req->url = xstrdup(ep->url);
	req->capture = login_posture_wanted(ep);
	if (ep->expect.oidc)
		req->accept = ACCEPT_JSON;
	else if (ep->expect.saml_metadata)
		req->accept = ACCEPT_SAML;
	else
		req->accept = ACCEPT_HTML;
	return st;
}

/* Handles the configured URL's response; returns 1 with *next set for the JWKS. */
static int
login_finish_page(struct login_state *st, const struct conf_endpoint *ep,
    const struct probe_response *resp, int64_t now, struct probe_request *next,
    struct result *r)
{
	char *jwks_uri = NULL;

	st->step = LOGIN_STEP_DONE;
	if (!login_evaluate(resp, ep, r))
		return 0;
	if (ep->expect.saml_metadata)
		saml_evaluate(resp->body, resp->len, ep, now, r);
	if (!ep->expect.oidc)
		return 0;
	if (oidc_evaluate_discovery(resp->body, resp->len, ep, ep->url, r, &jwks_uri) != 0)
		return 0;
	st->step = LOGIN_STEP_JWKS;
	st->jwks_uri = jwks_uri;
	next->url = xstrdup(jwks_uri);
	next->accept = ACCEPT_JWKS;
	next->failure_reason = REASON_OIDC_INVALID;
	next->what = "JWKS";
	return 1;
}

/* Handles the JWKS response: any failure, HTTP included, is oidc_invalid. */
static void
login_finish_jwks(struct login_state *st, const struct probe_response *resp,
    struct result *r)
{
	st->step = LOGIN_STEP_DONE;
	if (resp->http_status < 200 || resp->http_status > 299) {
		detail_set_int(r->details, DETAIL_JWKS_HTTP_STATUS, resp->http_status);
		result_flag(r, REASON_OIDC_INVALID, "JWKS fetch from %.200s returned HTTP %ld",
		    st->jwks_uri, resp->http_status);
		return;
	}
	oidc_evaluate_jwks(resp->body, resp->len, r);
}

static int
login_finish(void *state, const struct conf_endpoint *ep, const struct probe_response *resp,
    int64_t now, struct probe_request *next, struct result *r)
{
	struct login_state *st = state;

	memset(next, 0, sizeof(*next));
	if (st == NULL || ep == NULL || resp == NULL) {
		result_flag(r, REASON_INTERNAL, "login probe finished without state");
		return 0;
	}
	switch (st->step) {
	case LOGIN_STEP_PAGE:
		/* The page request's connection is gone after this call: capture it now. */
		if (login_posture_wanted(ep))
			st->posture = posture_begin(ep, resp, now, r);
		if (login_finish_page(st, ep, resp, now, next, r))
			return 1;
		break;
	case LOGIN_STEP_JWKS:
		login_finish_jwks(st, resp, r);
		break;
	case LOGIN_STEP_POSTURE:
		break;
	default:
		result_flag(r, REASON_INTERNAL, "login probe finished twice");
		return 0;
	}
	/* Then the posture check's side requests, one after the other. */
	if (st->posture != NULL && posture_next(st->posture, ep,
	    st->step == LOGIN_STEP_POSTURE ? resp : NULL, now, next, r)) {
		st->step = LOGIN_STEP_POSTURE;
		return 1;
	}
	st->step = LOGIN_STEP_DONE;
	return 0;
}

static void
login_free_state(void *state)
{
	struct login_state *st = state;

	if (st == NULL)
		return;
	free(st->jwks_uri);
	posture_free(st->posture);
	free(st);
}

#define N_(s)	(s)	/* an English msgid, translated by report/po */

static const struct kind_info login_info = {
	.label = N_("Login"),
	.description = N_("Login page: the HTTPS answer has the expected status (and text), the TLS certificate verifies and is not about to expire."),
	.unavailable = N_("The login service cannot be used: people cannot sign in through it."),
	.untrustworthy = N_("The answer cannot be trusted: applications must refuse it."),
	.reasons = REASON_BIT(REASON_BODY_MISMATCH) | REASON_BIT(REASON_OIDC_INVALID) |
	    REASON_BIT(REASON_SAML_INVALID) | REASON_BIT(REASON_WEAK_TLS) |
	    REASON_BIT(REASON_CHAIN_INCOMPLETE) | REASON_BIT(REASON_REVOKED),
	.keys = login_conf_keys,
	.n_keys = 1,
	.conf_new = login_conf_new,
	.conf_check = login_conf_check,
	.conf_free = login_conf_free,
	.settings = login_conf_settings,
	.findings = &posture_fields[POSTURE_FINDINGS],
	.findings_title = N_("TLS posture (latest result)"),
	.details = posture_fields,
	.n_details = POSTURE__MAX,
};

const struct probe_ops probe_login_ops = {
	.name = "login",
	.kind = KIND_LOGIN,
	.http_details = true,
	.info = &login_info,
	.start = login_start,
	.finish = login_finish,
	.free_state = login_free_state,
};
