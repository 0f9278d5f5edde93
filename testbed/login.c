/*
 * The identity provider's HTTPS faces: a login page ("Sign in"), OpenID Connect discovery
 * with a real JWKS (the IdP signing key: an EC P-256 JWK for ES256, or with --keys rsa2048
 * an RSA JWK for RS256), and SAML 2.0 IdP metadata with
 * validUntil and the signing certificate. The saml service's `expired` fault puts
 * validUntil in the past; everything else is the shared fault layer.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "core/util.h"
#include "testbed/testbed.h"

static const char login_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>%s - Sign in</title></head>\n<body><h1>%s</h1>\n"
    "<form method=\"post\" action=\"/login\"><label>User <input name=\"user\"></label>\n"
    "<label>Password <input name=\"password\" type=\"password\"></label>\n"
    "<button type=\"submit\">Sign in</button></form>\n</body></html>\n";

/* base64url without padding (caller frees). */
static char *
b64url(const unsigned char *in, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1), *p;
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (p = out; *p != '\0'; p++)
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	return out;
}

/* A key's big-number parameter as base64url, left-padded to pad bytes (0: minimal). */
static char *
bn_param(EVP_PKEY *key, const char *name, int pad)
{
	BIGNUM *bn = NULL;
	unsigned char *raw = NULL;
	char *s = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(key, name, &bn)) {
		n = pad > 0 ? pad : BN_num_bytes(bn);
		raw = xmalloc((size_t)n + 1);
		if (BN_bn2binpad(bn, raw, n) > 0)
			s = b64url(raw, (size_t)n);
	}
	free(raw);
	BN_free(bn);
	return s;
}

static bool
idp_is_rsa(void)
{
	return EVP_PKEY_is_a(tb->pki.c[CRED_IDP].key, "RSA");
}

static json_t *
jwks(void)
{
	EVP_PKEY *key = tb->pki.c[CRED_IDP].key;
	json_t *doc;
	char *a, *b;

	if (idp_is_rsa()) {
		a = bn_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
		b = bn_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
		doc = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s?,s:s?}]}", "keys", "kty", "RSA",
		    "use", "sig", "alg", "RS256", "kid", "testbed-idp-1", "n", a, "e", b);
	} else {
		a = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32);
		b = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
		doc = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s?,s:s?}]}", "keys", "kty", "EC",
		    "use", "sig", "alg", "ES256", "kid", "testbed-idp-1", "crv", "P-256", "x", a,
		    "y", b);
	}
	free(a);
	free(b);
	return doc;
}

static json_t *
discovery(const char *base)
{
	char *auth = xasprintf("%s/authorize", base), *token = xasprintf("%s/token", base);
	char *keys = xasprintf("%s/jwks.json", base);
	json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:[s],s:[s],s:[s]}",
	    "issuer", base, "authorization_endpoint", auth, "token_endpoint", token,
	    "jwks_uri", keys, "response_types_supported", "code",
	    "subject_types_supported", "public",
	    "id_token_signing_alg_values_supported", idp_is_rsa() ? "RS256" : "ES256",
	    "scopes_supported", "openid");

	free(auth);
	free(token);
	free(keys);
	return doc;
}

static void
saml_metadata(struct tb_service *svc, const char *base, struct evbuffer *out)
{
	char until[64], *b64;
	unsigned char *der = NULL;
	int n = i2d_X509(tb->pki.c[CRED_IDP].cert, &der);
	int64_t t = now_ms() + (svc->on[F_EXPIRED] ? -86400000LL : 7 * 86400000LL);

	rfc3339_format_s(t, until, sizeof(until));
	b64 = xmalloc(4 * ((size_t)n + 2) / 3 + 4);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	OPENSSL_free(der);
	evbuffer_add_printf(out,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"\n"
	    "    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"\n"
	    "    entityID=\"%s/saml/metadata\" validUntil=\"%s\">\n"
	    "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\"\n"
	    "      protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
	    "    <md:KeyDescriptor use=\"signing\">\n"
	    "      <ds:KeyInfo><ds:X509Data>\n"
	    "        <ds:X509Certificate>%s</ds:X509Certificate>\n"
	    "      </ds:X509Data></ds:KeyInfo>\n"
	    "    </md:KeyDescriptor>\n"
	    "    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	    "</md:NameIDFormat>\n"
	    "    <md:SingleSignOnService\n"
	    "        Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\"\n"
	    "        Location=\"%s/saml/sso\"/>\n"
	    "  </md:IDPSSODescriptor>\n"
	    "</md:EntityDescriptor>\n", base, until, b64, base);
	free(b64);
}

static void
send_json(struct tb_service *svc, struct evhttp_request *req, json_t *doc)
{
	struct evbuffer *body = evbuffer_new();
	char *s = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;

	json_decref(doc);
	if (s == NULL) {
		tb_svc_reply(svc, req, 500, "text/plain", body);
		return;
	}
	evbuffer_add(body, s, strlen(s));
	evbuffer_add(body, "\n", 1);
	free(s);
	tb_svc_reply(svc, req, 200, "application/json", body);
}

void
tb_login_handle(struct tb_service *svc, struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req);
	size_t plen = strcspn(uri, "?#");
	char *path = xmalloc(plen + 1), *base = tb_svc_base(svc), *title;
	struct evbuffer *body = evbuffer_new();

	memcpy(path, uri, plen);
	path[plen] = '\0';
	title = xasprintf("Provider %d", svc->prov->index);
	if (svc->kind == SVC_OIDC && strcmp(path, "/.well-known/openid-configuration") == 0) {
		send_json(svc, req, discovery(base));
		evbuffer_free(body);
	} else if (svc->kind == SVC_OIDC && strcmp(path, "/jwks.json") == 0) {
		send_json(svc, req, jwks());
		evbuffer_free(body);
	} else if (svc->kind == SVC_SAML && strcmp(path, "/saml/metadata") == 0) {
		saml_metadata(svc, base, body);
		tb_svc_reply(svc, req, 200, "application/samlmetadata+xml", body);
	} else if (strcmp(path, "/") == 0 || strcmp(path, "/login") == 0 ||
	    strcmp(path, "/authorize") == 0 || strcmp(path, "/saml/sso") == 0) {
		evbuffer_add_printf(body, login_page, title, title);
		/* RFC 6797: one year, as the posture check (SPEC §14) expects. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
		tb_svc_reply(svc, req, 200, "text/html; charset=utf-8", body);
	} else {
		evbuffer_add_printf(body, "not found\n");
		tb_svc_reply(svc, req, 404, "text/plain", body);
	}
	free(title);
	free(base);
	free(path);
}
