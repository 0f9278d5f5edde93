/* OIDC discovery and JWKS evaluation; JSON by jansson, keys by OpenSSL 3. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "login.h"
#include "keydecode.h"
#include "oidc.h"
#include "../core/util.h"

#define OIDC_RSA_MIN_BITS 2048	/* RFC 7518 §3.3 */

/* Returns 1 if s is an http:// or https:// URL with a non-empty host and no blanks. */
static int
oidc_http_url(const char *s)
{
	const char *host;

	if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Returns the string member key of doc, or NULL with r flagged (absent / not a string). */
static const char *
oidc_member(json_t *doc, const char *key, struct result *r)
{
	json_t *v = json_object_get(doc, key);

	if (v == NULL) {
		result_flag(r, REASON_OIDC_INVALID, "discovery document has no \"%s\"", key);
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		result_flag(r, REASON_OIDC_INVALID,
		    "discovery document \"%s\" is not a non-empty string", key);
		return NULL;
	}
	return json_string_value(v);
}

/* Compares two issuers ignoring one trailing '/' on each (Discovery §4). */
static int
oidc_issuer_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen > 0 && a[alen - 1] == '/')
		alen--;
	if (blen > 0 && b[blen - 1] == '/')
		blen--;
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Flags r unless issuer is the one ep/url call for; returns 1 when it is. */
static int
oidc_check_issuer(const char *issuer, const struct conf_endpoint *ep, const char *url,
    struct result *r)
{
	size_t ulen, slen = strlen(OIDC_WELL_KNOWN);
	const char *want = ep != NULL ? ep->expect.issuer : NULL;

	if (want != NULL) {
		if (oidc_issuer_equal(issuer, strlen(issuer), want, strlen(want)))
			return 1;
		result_flag(r, REASON_OIDC_INVALID,
		    "discovery issuer \"%.200s\" differs from expect.issuer \"%.200s\"",
		    issuer, want);
		return 0;
	}
	ulen = url != NULL ? strlen(url) : 0;
	if (ulen <= slen || strcmp(url + ulen - slen, OIDC_WELL_KNOWN) != 0) {
		result_flag(r, REASON_OIDC_INVALID,
		    "URL does not end in " OIDC_WELL_KNOWN ", so the issuer \"%.200s\" cannot "
		    "be checked: set expect.issuer", issuer);
		return 0;
	}
	if (oidc_issuer_equal(issuer, strlen(issuer), url, ulen - slen))
		return 1;
	result_flag(r, REASON_OIDC_INVALID,
	    "discovery issuer \"%.200s\" does not match the URL's \"%.*s\"",
	    issuer, (int)(ulen - slen > 200 ? 200 : ulen - slen), url);
	return 0;
}

int
oidc_evaluate_discovery(const unsigned char *body, size_t len,
    const struct conf_endpoint *ep, const char *url, struct result *r,
    char **jwks_uri_out)
{
	json_error_t err;
	json_t *doc;
	const char *issuer, *authz, *jwks;
	int rc = -1;

	*jwks_uri_out = NULL;
	doc = json_loadb((const char *)(body != NULL ? body : (const unsigned char *)""),
	    len, 0, &err);
	if (doc == NULL) {
		result_flag(r, REASON_OIDC_INVALID,
		    "discovery document is not JSON: %s at line %d column %d",
		    err.text, err.line, err.column);
		return -1;
	}
	if (!json_is_object(doc)) {
		result_flag(r, REASON_OIDC_INVALID, "discovery document is not a JSON object");
		goto out;
	}
	if ((issuer = oidc_member(doc, "issuer", r)) == NULL ||
	    (authz = oidc_member(doc, "authorization_endpoint", r)) == NULL ||
	    (jwks = oidc_member(doc, "jwks_uri", r)) == NULL)
		goto out;
	if (!oidc_http_url(authz)) {
		result_flag(r, REASON_OIDC_INVALID,
		    "authorization_endpoint \"%.200s\" is not an http(s) URL", authz);
		goto out;
	}
	if (!oidc_http_url(jwks)) {
		result_flag(r, REASON_OIDC_INVALID, "jwks_uri \"%.200s\" is not an http(s) URL",
		    jwks);
		goto out;
	}
	if (!oidc_check_issuer(issuer, ep, url, r))
		goto out;
	*jwks_uri_out = xstrdup(jwks);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* Decodes the base64url string member key of k; NULL (and *why set) if absent or bad. */
static unsigned char *
jwk_bytes(json_t *k, const char *key, size_t *n, const char **why)
{
	json_t *v = json_object_get(k, key);
	unsigned char *b;

	if (!json_is_string(v)) {
		*why = "a required member is missing or not a string";
		return NULL;
	}
	b = login_b64_decode(json_string_value(v), json_string_length(v), LOGIN_B64_URL, n);
	if (b == NULL || *n == 0) {
		free(b);
		*why = "a member is not valid base64url";
		return NULL;
	}
	return b;
}

/* Builds a public key of type name from params; returns 1 when it loads and checks. */
static int
jwk_load(const char *name, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pkey = NULL;
	int ok = 0;

	if (params == NULL)
		return 0;
	keydecode_pause();	/* fromdata needs the provider implementation */
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
	    (chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL &&
	    EVP_PKEY_public_check(chk) == 1)
		ok = 1;
	else
		ERR_clear_error();	/* our verdict replaces OpenSSL's queue */
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	keydecode_resume();
	OSSL_PARAM_free(params);
	return ok;
}

static int
jwk_rsa(json_t *k, const char **why)
{
	unsigned char *nb = NULL, *eb = NULL;
	size_t nl, el;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int ok = 0;

	if ((nb = jwk_bytes(k, "n", &nl, why)) == NULL ||
	    (eb = jwk_bytes(k, "e", &el, why)) == NULL)
		goto out;
	n = BN_bin2bn(nb, (int)nl, NULL);
	e = BN_bin2bn(eb, (int)el, NULL);
	if (n == NULL || e == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL) {
		*why = "out of memory";
		goto out;
	}
	if (BN_num_bits(n) < OIDC_RSA_MIN_BITS) {
		*why = "RSA modulus is shorter than 2048 bits (RFC 7518 §3.3)";
		goto out;
	}
	if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(e) > 256) {
		*why = "RSA exponent is not an odd number above 1";
		goto out;
	}
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    !jwk_load("RSA", bld)) {
		*why = "RSA key does not load into OpenSSL";
		goto out;
	}
	ok = 1;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return ok;
}

static int
jwk_ec(json_t *k, const char **why)
{
	static const struct {
		const char	*crv;
		size_t		 len;	/* coordinate length, RFC 7518 §6.2.1.2 */
	} curves[] = { { "P-256", 32 }, { "P-384", 48 }, { "P-521", 66 } };
	const char *crv = json_string_value(json_object_get(k, "crv"));
	unsigned char *x = NULL, *y = NULL, *pt = NULL;
	size_t xl, yl, flen = 0;
	OSSL_PARAM_BLD *bld = NULL;
	int ok = 0;

	for (size_t i = 0; crv != NULL && i < NELEM(curves); i++)
		if (strcmp(crv, curves[i].crv) == 0)
			flen = curves[i].len;
	if (flen == 0) {
		*why = "EC crv is not P-256, P-384 or P-521";
		return 0;
	}
	if ((x = jwk_bytes(k, "x", &xl, why)) == NULL ||
	    (y = jwk_bytes(k, "y", &yl, why)) == NULL)
		goto out;
	if (xl != flen || yl != flen) {
		/* Valid until the next call in this thread: the caller copies it at once. */
		static _Thread_local char msg[160];

		if (xl != flen && yl != flen)
			snprintf(msg, sizeof(msg), "EC x is %zu bytes and y %zu bytes, %s needs %zu "
			    "for each (the coordinate length, RFC 7518 §6.2.1.2: leading zeros "
			    "kept)", xl, yl, crv, flen);
		else
			snprintf(msg, sizeof(msg), "EC %s is %zu bytes, %s needs %zu (the coordinate "
			    "length, RFC 7518 §6.2.1.2: leading zeros kept)", xl != flen ? "x" : "y",
			    xl != flen ? xl : yl, crv, flen);
		*why = msg;
		goto out;
	}
	pt = xmalloc(1 + 2 * flen);
	pt[0] = 0x04;
	memcpy(pt + 1, x, flen);
	memcpy(pt + 1 + flen, y, flen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, crv, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    1 + 2 * flen) != 1 || !jwk_load("EC", bld)) {
		*why = "EC point is not on the curve";
		goto out;
	}
	ok = 1;
out:
	OSSL_PARAM_BLD_free(bld);
	free(pt);
	free(x);
	free(y);
	return ok;
}

/*
 * Checks the members that say what k may be used for (RFC 7517 §4.3-4.4, RFC 7518 §3.1):
 * key_ops, when present, is an array of strings that includes "verify"; alg, when
 * present, is a JWS signature algorithm for k's type and curve (ES521, a name some
 * providers write, is taken as ES512). Returns 1, or 0 with *why set.
 */
static int
jwk_fits(json_t *k, const char *kty, const char **why)
{
	static const struct {
		const char	*alg, *kty, *crv;	/* crv NULL: any */
		const char	*why;
	} algs[] = {
		{ "RS256", "RSA", NULL, "\"alg\" RS256 needs an RSA key" },
		{ "RS384", "RSA", NULL, "\"alg\" RS384 needs an RSA key" },
		{ "RS512", "RSA", NULL, "\"alg\" RS512 needs an RSA key" },
		{ "PS256", "RSA", NULL, "\"alg\" PS256 needs an RSA key" },
		{ "PS384", "RSA", NULL, "\"alg\" PS384 needs an RSA key" },
		{ "PS512", "RSA", NULL, "\"alg\" PS512 needs an RSA key" },
		{ "ES256", "EC", "P-256", "\"alg\" ES256 needs an EC key on P-256" },
		{ "ES384", "EC", "P-384", "\"alg\" ES384 needs an EC key on P-384" },
		{ "ES512", "EC", "P-521", "\"alg\" ES512 needs an EC key on P-521" },
		{ "ES521", "EC", "P-521", "\"alg\" ES521 (ES512) needs an EC key on P-521" },
	};
	json_t *ops = json_object_get(k, "key_ops"), *alg = json_object_get(k, "alg"), *op;
	const char *a, *crv = json_string_value(json_object_get(k, "crv"));
	size_t i;
	int verify = 0;

	if (ops != NULL) {
		if (!json_is_array(ops)) {
			*why = "\"key_ops\" is not an array";
			return 0;
		}
		json_array_foreach(ops, i, op) {
			if (!json_is_string(op)) {
				*why = "\"key_ops\" holds a value that is not a string";
				return 0;
			}
			if (strcmp(json_string_value(op), "verify") == 0)
				verify = 1;
		}
		if (!verify) {
			*why = "\"key_ops\" does not include \"verify\"";
			return 0;
		}
	}
	if (alg == NULL)
		return 1;
	if ((a = json_string_value(alg)) == NULL) {
		*why = "\"alg\" is not a string";
		return 0;
	}
	for (i = 0; i < NELEM(algs); i++) {
		if (strcmp(a, algs[i].alg) != 0)
			continue;
		if (strcmp(kty, algs[i].kty) != 0 ||
		    (algs[i].crv != NULL && (crv == NULL || strcmp(crv, algs[i].crv) != 0))) {
			*why = algs[i].why;
			return 0;
		}
		return 1;
	}
	*why = "\"alg\" is not a JWS signature algorithm for RSA or EC "
	    "(RS256-512, PS256-512, ES256, ES384, ES512)";
	return 0;
}

/* Returns 1 if k is a usable signing key, else 0 with *why set. */
static int
jwk_usable(json_t *k, const char **why)
{
	json_t *use = json_object_get(k, "use");
	const char *kty;

	if (!json_is_object(k)) {
		*why = "not a JSON object";
		return 0;
	}
	if (use != NULL && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0)) {
		*why = "\"use\" is not \"sig\"";
		return 0;
	}
	if ((kty = json_string_value(json_object_get(k, "kty"))) == NULL) {
		*why = "no string \"kty\"";
		return 0;
	}
	if ((strcmp(kty, "RSA") == 0 || strcmp(kty, "EC") == 0) && !jwk_fits(k, kty, why))
		return 0;
	if (strcmp(kty, "RSA") == 0)
		return jwk_rsa(k, why);
	if (strcmp(kty, "EC") == 0)
		return jwk_ec(k, why);
	*why = "\"kty\" is neither RSA nor EC";
	return 0;
}

void
oidc_evaluate_jwks(const unsigned char *body, size_t len, struct result *r)
{
	json_error_t err;
	json_t *doc, *keys, *k;
	size_t i, usable = 0, first_bad = 0;
	const char *why = NULL, *first_why = NULL;
	char first_buf[200];	/* why may be a buffer the next key overwrites */

	doc = json_loadb((const char *)(body != NULL ? body : (const unsigned char *)""),
	    len, 0, &err);
	if (doc == NULL) {
		result_flag(r, REASON_OIDC_INVALID, "JWKS is not JSON: %s at line %d column %d",
		    err.text, err.line, err.column);
		return;
	}
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		result_flag(r, REASON_OIDC_INVALID, "JWKS has no \"keys\" array");
		goto out;
	}
	json_array_foreach(keys, i, k) {
		if (jwk_usable(k, &why))
			usable++;
		else if (first_why == NULL) {
			snprintf(first_buf, sizeof(first_buf), "%s", why);
			first_why = first_buf;
			first_bad = i;
		}
	}
	detail_set_int(r->details, DETAIL_KEYS, (int64_t)usable);
	detail_set_int(r->details, DETAIL_KEYS_TOTAL, (int64_t)json_array_size(keys));
	if (json_array_size(keys) == 0)
		result_flag(r, REASON_OIDC_INVALID, "JWKS \"keys\" is empty");
	else if (usable == 0) {
		const char *kid = json_string_value(json_object_get(
		    json_array_get(keys, first_bad), "kid"));

		result_flag(r, REASON_OIDC_INVALID,
		    "JWKS has no usable signing key among %zu: key %zu%s%.80s%s: %s",
		    json_array_size(keys), first_bad, kid != NULL ? " (kid \"" : "",
		    kid != NULL ? kid : "", kid != NULL ? "\")" : "", first_why);
	}
out:
	json_decref(doc);
}
