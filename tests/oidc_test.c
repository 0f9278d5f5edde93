/* Tests of the OIDC discovery and JWKS evaluators (probe/oidc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/config.h"
#include "core/result.h"
#include "core/util.h"
#include "probe/keydecode.h"
#include "probe/login.h"
#include "probe/oidc.h"

#define RW "tests/fixtures/realworld/"
#define GOOGLE_URL "https://accounts.google.com/.well-known/openid-configuration"
#define ENTRA_URL "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
#define ENTRA_TEMPLATE "https://login.microsoftonline.com/{tenantid}/v2.0"
#define IDP_URL "https://idp.example/realm/.well-known/openid-configuration"

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *data = NULL;

	assert_int_equal(file_read(path, 1 << 24, &data, len), 0);
	return data;
}

static char *
b64url(const unsigned char *p, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = xmalloc(n * 4 / 3 + 4), *o = out;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*o++ = abc[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		*o++ = abc[(acc << (6 - bits)) & 63];
	*o = '\0';
	return out;
}

/* Runs the discovery evaluator; returns the reason, frees everything. */
static enum reason
discover(const char *json, const char *url, const char *expect_issuer, char **msg,
    char **jwks)
{
	struct conf_endpoint ep;
	struct result r;
	enum reason reason;
	char *uri = NULL;
	int rc;

	memset(&ep, 0, sizeof(ep));
	ep.expect.oidc = true;
	ep.expect.issuer = (char *)expect_issuer;
	ep.tls_min_days = 14;
	result_init(&r, &ep, 0);
	rc = oidc_evaluate_discovery((const unsigned char *)json, strlen(json), &ep, url, &r, &uri);
	assert_int_equal(rc == 0, r.reason == REASON_OK);
	assert_int_equal(rc == 0, uri != NULL);
	reason = r.reason;
	if (msg != NULL)
		*msg = xstrdup(r.message);
	if (jwks != NULL)
		*jwks = uri;
	else
		free(uri);
	result_clear(&r);
	return reason;
}

static enum reason
jwks_eval(const char *json, char **msg, json_int_t *keys)
{
	struct result r;
	enum reason reason;

	result_init(&r, NULL, 0);
	oidc_evaluate_jwks((const unsigned char *)json, strlen(json), &r);
	reason = r.reason;
	if (msg != NULL)
		*msg = xstrdup(r.message);
	if (keys != NULL)
		*keys = json_integer_value(json_object_get(r.details, "keys"));
	result_clear(&r);
	return reason;
}

#define DOC(iss, authz, jwks) "{\"issuer\":" iss ",\"authorization_endpoint\":" authz \
	",\"jwks_uri\":" jwks "}"
#define GOOD_AUTHZ "\"https://idp.example/realm/auth\""
#define GOOD_JWKS "\"https://idp.example/realm/keys\""

static const struct discovery_case {
	const char	*name;
	const char	*json;
	const char	*url;
	const char	*expect_issuer;
	enum reason	 want;
	const char	*msg;	/* substring of the message */
} discovery_cases[] = {
	{ "consistent document is ok", DOC("\"https://idp.example/realm\"", GOOD_AUTHZ,
	    GOOD_JWKS), IDP_URL, NULL, REASON_OK, NULL },
	{ "issuer with a trailing slash is tolerated", DOC("\"https://idp.example/realm/\"",
	    GOOD_AUTHZ, GOOD_JWKS), IDP_URL, NULL, REASON_OK, NULL },
	{ "http jwks_uri is accepted", DOC("\"https://idp.example/realm\"", GOOD_AUTHZ,
	    "\"http://keys.idp.example/k\""), IDP_URL, NULL, REASON_OK, NULL },
	{ "not JSON is oidc_invalid", "<html>Sign in</html>", IDP_URL, NULL,
	    REASON_OIDC_INVALID, "not JSON" },
	{ "empty body is oidc_invalid", "", IDP_URL, NULL, REASON_OIDC_INVALID, "not JSON" },
	{ "JSON array is oidc_invalid", "[1,2]", IDP_URL, NULL, REASON_OIDC_INVALID,
	    "not a JSON object" },
	{ "missing issuer is oidc_invalid", "{\"authorization_endpoint\":" GOOD_AUTHZ
	    ",\"jwks_uri\":" GOOD_JWKS "}", IDP_URL, NULL, REASON_OIDC_INVALID,
	    "no \"issuer\"" },
	{ "numeric issuer is oidc_invalid", DOC("42", GOOD_AUTHZ, GOOD_JWKS), IDP_URL, NULL,
	    REASON_OIDC_INVALID, "\"issuer\" is not a non-empty string" },
	{ "missing authorization_endpoint is oidc_invalid", "{\"issuer\":"
	    "\"https://idp.example/realm\",\"jwks_uri\":" GOOD_JWKS "}", IDP_URL, NULL,
	    REASON_OIDC_INVALID, "no \"authorization_endpoint\"" },
	{ "missing jwks_uri is oidc_invalid", "{\"issuer\":\"https://idp.example/realm\","
	    "\"authorization_endpoint\":" GOOD_AUTHZ "}", IDP_URL, NULL, REASON_OIDC_INVALID,
	    "no \"jwks_uri\"" },
	{ "ftp jwks_uri is oidc_invalid", DOC("\"https://idp.example/realm\"", GOOD_AUTHZ,
	    "\"ftp://idp.example/keys\""), IDP_URL, NULL, REASON_OIDC_INVALID,
	    "jwks_uri \"ftp://idp.example/keys\" is not an http(s) URL" },
	{ "relative authorization_endpoint is oidc_invalid", DOC("\"https://idp.example/realm\"",
	    "\"/auth\"", GOOD_JWKS), IDP_URL, NULL, REASON_OIDC_INVALID,
	    "authorization_endpoint \"/auth\" is not an http(s) URL" },
	{ "issuer of another host is oidc_invalid", DOC("\"https://evil.example/realm\"",
	    GOOD_AUTHZ, GOOD_JWKS), IDP_URL, NULL, REASON_OIDC_INVALID,
	    "discovery issuer \"https://evil.example/realm\" does not match the URL's "
	    "\"https://idp.example/realm\"" },
	{ "issuer prefix of the URL is oidc_invalid", DOC("\"https://idp.example\"",
	    GOOD_AUTHZ, GOOD_JWKS), IDP_URL, NULL, REASON_OIDC_INVALID, "does not match" },
	{ "issuer matching expect.issuer is ok", DOC("\"https://other.example/t\"",
	    GOOD_AUTHZ, GOOD_JWKS), IDP_URL, "https://other.example/t", REASON_OK, NULL },
	{ "issuer differing from expect.issuer is oidc_invalid",
	    DOC("\"https://idp.example/realm\"", GOOD_AUTHZ, GOOD_JWKS), IDP_URL,
	    "https://other.example/t", REASON_OIDC_INVALID,
	    "differs from expect.issuer \"https://other.example/t\"" },
	{ "URL without well-known suffix needs expect.issuer",
	    DOC("\"https://idp.example/realm\"", GOOD_AUTHZ, GOOD_JWKS),
	    "https://idp.example/realm/discovery", NULL, REASON_OIDC_INVALID,
	    "set expect.issuer" },
};

static void
discovery_table_gives_each_case_its_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(discovery_cases); i++) {
		const struct discovery_case *c = &discovery_cases[i];
		char *msg = NULL;
		enum reason got = discover(c->json, c->url, c->expect_issuer, &msg, NULL);

		if (got != c->want || (c->msg != NULL && (msg == NULL ||
		    strstr(msg, c->msg) == NULL)))
			fail_msg("case \"%s\": got %s \"%s\"", c->name, reason_names[got],
			    msg != NULL ? msg : "");
		free(msg);
	}
}

static void
google_discovery_is_ok_and_names_its_jwks_uri(void **state)
{
	size_t len;
	unsigned char *body = slurp(RW "oidc-google-discovery.json", &len);
	char *jwks = NULL;

	(void)state;
	assert_int_equal(discover((const char *)body, GOOGLE_URL, NULL, NULL, &jwks), REASON_OK);
	assert_string_equal(jwks, "https://www.googleapis.com/oauth2/v3/certs");
	free(jwks);
	free(body);
}

static void
entra_common_discovery_is_oidc_invalid_under_the_strict_issuer_rule(void **state)
{
	size_t len;
	unsigned char *body = slurp(RW "oidc-entra-common-discovery.json", &len);
	char *msg = NULL;

	(void)state;
	assert_int_equal(discover((const char *)body, ENTRA_URL, NULL, &msg, NULL),
	    REASON_OIDC_INVALID);
	assert_non_null(strstr(msg, "{tenantid}"));
	free(msg);
	free(body);
}

static void
entra_common_discovery_is_ok_with_the_template_as_expect_issuer(void **state)
{
	size_t len;
	unsigned char *body = slurp(RW "oidc-entra-common-discovery.json", &len);
	char *jwks = NULL;

	(void)state;
	assert_int_equal(discover((const char *)body, ENTRA_URL, ENTRA_TEMPLATE, NULL, &jwks),
	    REASON_OK);
	assert_string_equal(jwks, "https://login.microsoftonline.com/common/discovery/v2.0/keys");
	free(jwks);
	free(body);
}

static void
realworld_jwks_parse_with_every_key_usable(void **state)
{
	static const struct {
		const char	*file;
		json_int_t	 keys;
	} sets[] = { { RW "oidc-google-jwks.json", 2 }, { RW "oidc-entra-common-jwks.json", 7 } };

	(void)state;
	for (size_t i = 0; i < NELEM(sets); i++) {
		size_t len;
		unsigned char *body = slurp(sets[i].file, &len);
		json_int_t keys = -1;
		char *msg = NULL;

		assert_int_equal(jwks_eval((const char *)body, &msg, &keys), REASON_OK);
		assert_int_equal(keys, sets[i].keys);
		free(msg);
		free(body);
	}
}

/* Returns Google's first RSA modulus, base64url (caller frees). */
static char *
google_n(void)
{
	size_t len;
	unsigned char *body = slurp(RW "oidc-google-jwks.json", &len);
	json_t *doc = json_loadb((const char *)body, len, 0, NULL);
	char *n;

	assert_non_null(doc);
	n = xstrdup(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "keys"), 0), "n")));
	json_decref(doc);
	free(body);
	return n;
}

/* Returns tmpl with @N replaced by n and @S by n's first 172 characters (caller frees). */
static char *
expand(const char *tmpl, const char *n)
{
	struct buf b = { 0 };
	char *out;

	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] == '@' && (p[1] == 'N' || p[1] == 'S')) {
			buf_append(&b, n, p[1] == 'N' ? strlen(n) : 172);
			p++;
		} else
			buf_append(&b, p, 1);
	}
	out = xstrdup((const char *)b.data);
	buf_free(&b);
	return out;
}

#define RSA_KEY(use, n, e) "{\"keys\":[{\"kty\":\"RSA\"" use ",\"n\":\"@N" n "\",\"e\":\"" e "\"}]}"

static const struct jwks_case {
	const char	*name;
	const char	*tmpl;	/* @N = Google's n, @S = its first 1032 bits */
	enum reason	 want;
	const char	*msg;
} jwks_cases[] = {
	{ "RSA signing key is ok", RSA_KEY(",\"use\":\"sig\"", "", "AQAB"), REASON_OK, NULL },
	{ "RSA key without use is ok", RSA_KEY("", "", "AQAB"), REASON_OK, NULL },
	{ "not JSON is oidc_invalid", "keys: none", REASON_OIDC_INVALID, "JWKS is not JSON" },
	{ "object without keys is oidc_invalid", "{\"key\":\"@N\"}", REASON_OIDC_INVALID,
	    "no \"keys\" array" },
	{ "empty keys is oidc_invalid", "{\"keys\":[]}", REASON_OIDC_INVALID,
	    "\"keys\" is empty" },
	{ "only encryption keys is oidc_invalid",
	    "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",\"kid\":\"e1\",\"n\":\"@N\",\"e\":\"AQAB\"}]}",
	    REASON_OIDC_INVALID, "key 0 (kid \"e1\"): \"use\" is not \"sig\"" },
	{ "RSA modulus with a non-base64url byte is oidc_invalid",
	    RSA_KEY("", "+", "AQAB"), REASON_OIDC_INVALID, "not valid base64url" },
	{ "RSA modulus with padding is oidc_invalid", RSA_KEY("", "==", "AQAB"),
	    REASON_OIDC_INVALID, "not valid base64url" },
	{ "RSA exponent with an impossible length is oidc_invalid", RSA_KEY("", "", "AQABA"),
	    REASON_OIDC_INVALID, "not valid base64url" },
	{ "RSA exponent with non-zero trailing bits is oidc_invalid", RSA_KEY("", "", "AQF"),
	    REASON_OIDC_INVALID, "not valid base64url" },
	{ "RSA exponent 257 in three characters is ok", RSA_KEY("", "", "AQE"), REASON_OK, NULL },
	{ "RSA key without e is oidc_invalid",
	    "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"@N\"}]}", REASON_OIDC_INVALID,
	    "missing or not a string" },
	{ "RSA even exponent is oidc_invalid", RSA_KEY("", "", "AQAA"), REASON_OIDC_INVALID,
	    "exponent" },
	{ "RSA 1024-bit modulus is oidc_invalid",
	    "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"@S\",\"e\":\"AQAB\"}]}",
	    REASON_OIDC_INVALID, "shorter than 2048 bits" },
	{ "symmetric key is oidc_invalid", "{\"keys\":[{\"kty\":\"oct\",\"k\":\"@N\"}]}",
	    REASON_OIDC_INVALID, "neither RSA nor EC" },
	{ "EC key on an unknown curve is oidc_invalid",
	    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"@N\",\"y\":\"AA\"}]}",
	    REASON_OIDC_INVALID, "not P-256, P-384 or P-521" },
	{ "one usable key among unusable ones is ok",
	    "{\"keys\":[{\"kty\":\"oct\"},{\"kty\":\"RSA\",\"n\":\"@N\",\"e\":\"AQAB\"}]}",
	    REASON_OK, NULL },
};

static void
jwks_table_gives_each_case_its_reason(void **state)
{
	char *n = google_n();

	(void)state;
	for (size_t i = 0; i < NELEM(jwks_cases); i++) {
		const struct jwks_case *c = &jwks_cases[i];
		char *json = expand(c->tmpl, n), *msg = NULL;
		enum reason got = jwks_eval(json, &msg, NULL);

		if (got != c->want || (c->msg != NULL && (msg == NULL ||
		    strstr(msg, c->msg) == NULL)))
			fail_msg("case \"%s\": got %s \"%s\"", c->name, reason_names[got],
			    msg != NULL ? msg : "");
		free(msg);
		free(json);
	}
	free(n);
}

enum ec_fault { EC_SOUND, EC_OFF_CURVE, EC_SHORT_X };

/* Returns a JWKS with one EC key on crv made at test time, spoilt as fault says. */
static char *
ec_jwks(const char *crv, enum ec_fault fault)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", crv);
	unsigned char pt[1 + 2 * 66];
	size_t ptlen = 0, flen;
	char *x, *y, *json;

	assert_non_null(k);
	assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &ptlen), 1);
	EVP_PKEY_free(k);
	assert_int_equal(pt[0], 0x04);
	flen = (ptlen - 1) / 2;
	if (fault == EC_OFF_CURVE)
		pt[ptlen - 1] ^= 1;
	x = b64url(pt + 1, fault == EC_SHORT_X ? flen - 1 : flen);
	y = b64url(pt + 1 + flen, flen);
	json = xasprintf("{\"keys\":[{\"kty\":\"EC\",\"use\":\"sig\",\"crv\":\"%s\","
	    "\"x\":\"%s\",\"y\":\"%s\"}]}", crv, x, y);
	free(x);
	free(y);
	return json;
}

static void
ec_keys_made_by_openssl_are_usable_on_every_curve(void **state)
{
	static const char *const curves[] = { "P-256", "P-384", "P-521" };

	(void)state;
	for (size_t i = 0; i < NELEM(curves); i++) {
		char *json = ec_jwks(curves[i], EC_SOUND), *msg = NULL;
		json_int_t keys = 0;

		if (jwks_eval(json, &msg, &keys) != REASON_OK || keys != 1)
			fail_msg("%s: %s", curves[i], msg != NULL ? msg : "");
		free(msg);
		free(json);
	}
}

static void
ec_point_off_the_curve_is_oidc_invalid(void **state)
{
	char *json = ec_jwks("P-256", EC_OFF_CURVE), *msg = NULL;

	(void)state;
	assert_int_equal(jwks_eval(json, &msg, NULL), REASON_OIDC_INVALID);
	assert_non_null(strstr(msg, "not on the curve"));
	free(msg);
	free(json);
}

static void
ec_coordinate_of_the_wrong_length_is_oidc_invalid(void **state)
{
	char *json = ec_jwks("P-256", EC_SHORT_X), *msg = NULL;

	(void)state;
	assert_int_equal(jwks_eval(json, &msg, NULL), REASON_OIDC_INVALID);
	assert_non_null(strstr(msg, "coordinate length"));
	free(msg);
	free(json);
}

/* ---- JWK members that limit a key (RFC 7517 §4.3-4.4, RFC 7518 §3.1): their own block ---- */

/* Returns jwks (one key) with the members of the JSON object members merged into its key. */
static char *
jwk_with_members(const char *jwks, const char *members)
{
	json_t *doc = json_loads(jwks, 0, NULL), *add = json_loads(members, 0, NULL);
	char *out;

	assert_non_null(doc);
	assert_non_null(add);
	assert_int_equal(json_object_update(json_array_get(json_object_get(doc, "keys"), 0),
	    add), 0);
	out = json_dumps(doc, JSON_COMPACT);
	assert_non_null(out);
	json_decref(add);
	json_decref(doc);
	return out;
}

static const struct jwk_member_case {
	const char	*name;
	const char	*key;		/* "RSA" (Google's modulus) or an EC curve made now */
	const char	*members;
	enum reason	 want;
	const char	*msg;
} jwk_member_cases[] = {
	{ "key_ops with verify is ok", "RSA", "{\"key_ops\":[\"verify\"]}", REASON_OK, NULL },
	{ "key_ops with sign and verify is ok", "RSA", "{\"key_ops\":[\"sign\",\"verify\"]}",
	    REASON_OK, NULL },
	{ "key_ops encrypt only is oidc_invalid", "RSA", "{\"key_ops\":[\"encrypt\"]}",
	    REASON_OIDC_INVALID, "key 0: \"key_ops\" does not include \"verify\"" },
	{ "key_ops encrypt only on EC is oidc_invalid", "P-256",
	    "{\"key_ops\":[\"encrypt\",\"wrapKey\"]}", REASON_OIDC_INVALID,
	    "does not include \"verify\"" },
	{ "key_ops sign only is oidc_invalid", "RSA", "{\"key_ops\":[\"sign\"]}",
	    REASON_OIDC_INVALID, "does not include \"verify\"" },
	{ "empty key_ops is oidc_invalid", "RSA", "{\"key_ops\":[]}", REASON_OIDC_INVALID,
	    "does not include \"verify\"" },
	{ "key_ops as a string is oidc_invalid", "RSA", "{\"key_ops\":\"verify\"}",
	    REASON_OIDC_INVALID, "\"key_ops\" is not an array" },
	{ "key_ops with a number is oidc_invalid", "RSA", "{\"key_ops\":[\"verify\",1]}",
	    REASON_OIDC_INVALID, "not a string" },
	{ "alg RS256 on RSA is ok", "RSA", "{\"alg\":\"RS256\"}", REASON_OK, NULL },
	{ "alg PS512 on RSA is ok", "RSA", "{\"alg\":\"PS512\"}", REASON_OK, NULL },
	{ "alg ES256 on RSA is oidc_invalid", "RSA", "{\"alg\":\"ES256\"}", REASON_OIDC_INVALID,
	    "\"alg\" ES256 needs an EC key on P-256" },
	{ "alg RSA-OAEP is oidc_invalid", "RSA", "{\"alg\":\"RSA-OAEP\"}", REASON_OIDC_INVALID,
	    "not a JWS signature algorithm" },
	{ "alg HS256 is oidc_invalid", "RSA", "{\"alg\":\"HS256\"}", REASON_OIDC_INVALID,
	    "not a JWS signature algorithm" },
	{ "alg none is oidc_invalid", "RSA", "{\"alg\":\"none\"}", REASON_OIDC_INVALID,
	    "not a JWS signature algorithm" },
	{ "alg as a number is oidc_invalid", "RSA", "{\"alg\":256}", REASON_OIDC_INVALID,
	    "\"alg\" is not a string" },
	{ "alg ES256 on P-256 is ok", "P-256", "{\"alg\":\"ES256\"}", REASON_OK, NULL },
	{ "alg ES384 on P-384 is ok", "P-384", "{\"alg\":\"ES384\"}", REASON_OK, NULL },
	{ "alg ES512 on P-521 is ok", "P-521", "{\"alg\":\"ES512\"}", REASON_OK, NULL },
	{ "alg ES521 on P-521 is ok", "P-521", "{\"alg\":\"ES521\"}", REASON_OK, NULL },
	{ "alg ES521 on P-256 is oidc_invalid", "P-256", "{\"alg\":\"ES521\"}",
	    REASON_OIDC_INVALID, "\"alg\" ES521 (ES512) needs an EC key on P-521" },
	{ "alg ES512 on P-256 is oidc_invalid", "P-256", "{\"alg\":\"ES512\"}",
	    REASON_OIDC_INVALID, "needs an EC key on P-521" },
	{ "alg ES256 on P-384 is oidc_invalid", "P-384", "{\"alg\":\"ES256\"}",
	    REASON_OIDC_INVALID, "needs an EC key on P-256" },
	{ "alg RS256 on EC is oidc_invalid", "P-256", "{\"alg\":\"RS256\"}",
	    REASON_OIDC_INVALID, "\"alg\" RS256 needs an RSA key" },
	{ "use sig, key_ops verify and a fitting alg is ok", "P-384",
	    "{\"use\":\"sig\",\"key_ops\":[\"verify\"],\"alg\":\"ES384\"}", REASON_OK, NULL },
};

static void
jwk_members_table_gives_each_case_its_reason(void **state)
{
	char *n = google_n();

	(void)state;
	for (size_t i = 0; i < NELEM(jwk_member_cases); i++) {
		const struct jwk_member_case *c = &jwk_member_cases[i];
		char *base = strcmp(c->key, "RSA") == 0 ?
		    expand("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"@N\",\"e\":\"AQAB\"}]}", n) :
		    ec_jwks(c->key, EC_SOUND);
		char *json = jwk_with_members(base, c->members), *msg = NULL;
		enum reason got = jwks_eval(json, &msg, NULL);

		if (got != c->want || (c->msg != NULL && (msg == NULL ||
		    strstr(msg, c->msg) == NULL)))
			fail_msg("case \"%s\": got %s \"%s\"", c->name, reason_names[got],
			    msg != NULL ? msg : "");
		free(msg);
		free(json);
		free(base);
	}
	free(n);
}

/* A key that may only encrypt does not hide a usable one beside it, and is not counted. */
static void
jwks_counts_only_keys_that_may_verify(void **state)
{
	char *n = google_n(), *msg = NULL;
	char *json = expand("{\"keys\":[{\"kty\":\"RSA\",\"key_ops\":[\"encrypt\"],"
	    "\"n\":\"@N\",\"e\":\"AQAB\"},{\"kty\":\"RSA\",\"alg\":\"RS256\","
	    "\"n\":\"@N\",\"e\":\"AQAB\"}]}", n);
	json_int_t keys = -1;

	(void)state;
	assert_int_equal(jwks_eval(json, &msg, &keys), REASON_OK);
	assert_int_equal(keys, 1);
	free(msg);
	free(json);
	free(n);
}

/* Runs this block as its own group (0 when all pass). */
static int
run_jwk_member_group(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(jwk_members_table_gives_each_case_its_reason),
		cmocka_unit_test(jwks_counts_only_keys_that_may_verify),
	};

	return cmocka_run_group_tests_name("jwk_members", tests, NULL, NULL);
}

static void
base64url_decoder_is_strict(void **state)
{
	static const struct {
		const char	*in;
		int		 ok;
		const char	*out;
	} cases[] = {
		{ "", 1, "" }, { "QQ", 1, "A" }, { "QUI", 1, "AB" }, { "QUJD", 1, "ABC" },
		{ "Pz8_", 1, "??\x3f" }, { "-_-_", 1, "\xfb\xff\xbf" },
		{ "Q", 0, NULL }, { "QQ==", 0, NULL }, { "QR", 0, NULL }, { "Q Q", 0, NULL },
		{ "Pz8/", 0, NULL }, { "QUJD\n", 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t n = 99;
		unsigned char *b = login_b64_decode(cases[i].in, strlen(cases[i].in),
		    LOGIN_B64_URL, &n);

		if ((b != NULL) != cases[i].ok)
			fail_msg("\"%s\": ok %d", cases[i].in, b != NULL);
		if (b != NULL && (n != strlen(cases[i].out) || memcmp(b, cases[i].out, n) != 0))
			fail_msg("\"%s\": wrong bytes", cases[i].in);
		free(b);
	}
}

static void
base64_decoder_skips_xml_whitespace_and_wants_padding(void **state)
{
	static const struct {
		const char	*in;
		int		 ok;
	} cases[] = {
		{ "QUJD", 1 }, { " QU\r\nJD\t", 1 }, { "QQ==", 1 }, { "QQ=\n=", 1 },
		{ "QQ", 0 }, { "QQ=", 0 }, { "QQ==QQ==", 0 }, { "Q===", 0 }, { "QU-D", 0 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t n;
		unsigned char *b = login_b64_decode(cases[i].in, strlen(cases[i].in),
		    LOGIN_B64_STD, &n);

		if ((b != NULL) != cases[i].ok)
			fail_msg("\"%s\": ok %d", cases[i].in, b != NULL);
		free(b);
	}
}

/* ---- issue 13 item 15: a coordinate of the wrong length names both lengths ---- */

static void
ec_coordinate_of_the_wrong_length_gives_its_length_and_the_curves(void **state)
{
	unsigned char z[66] = { 1 };
	char *x65 = b64url(z, 65), *x66 = b64url(z, 66), *x32 = b64url(z, 32);
	char *x30 = b64url(z, 30), *json, *msg = NULL;

	(void)state;
	/* Two bad keys: the message is the first one's, whatever the second one says. */
	json = xasprintf("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"%s\","
	    "\"y\":\"%s\"},{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}",
	    x65, x66, x32, x30);
	assert_int_equal(jwks_eval(json, &msg, NULL), REASON_OIDC_INVALID);
	assert_non_null(strstr(msg, "key 0: EC x is 65 bytes, P-521 needs 66"));
	free(msg);
	free(json);

	json = xasprintf("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\","
	    "\"y\":\"%s\"}]}", x32, x30);
	assert_int_equal(jwks_eval(json, &msg, NULL), REASON_OIDC_INVALID);
	assert_non_null(strstr(msg, "EC y is 30 bytes, P-256 needs 32"));
	free(msg);
	free(json);

	json = xasprintf("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"%s\","
	    "\"y\":\"%s\"}]}", x65, x32);
	assert_int_equal(jwks_eval(json, &msg, NULL), REASON_OIDC_INVALID);
	assert_non_null(strstr(msg, "EC x is 65 bytes and y 32 bytes, P-521 needs 66 for each"));
	free(msg);
	free(json);
	free(x65);
	free(x66);
	free(x32);
	free(x30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(discovery_table_gives_each_case_its_reason),
		cmocka_unit_test(google_discovery_is_ok_and_names_its_jwks_uri),
		cmocka_unit_test(entra_common_discovery_is_oidc_invalid_under_the_strict_issuer_rule),
		cmocka_unit_test(entra_common_discovery_is_ok_with_the_template_as_expect_issuer),
		cmocka_unit_test(realworld_jwks_parse_with_every_key_usable),
		cmocka_unit_test(jwks_table_gives_each_case_its_reason),
		cmocka_unit_test(ec_keys_made_by_openssl_are_usable_on_every_curve),
		cmocka_unit_test(ec_point_off_the_curve_is_oidc_invalid),
		cmocka_unit_test(ec_coordinate_of_the_wrong_length_is_oidc_invalid),
		cmocka_unit_test(base64url_decoder_is_strict),
		cmocka_unit_test(base64_decoder_skips_xml_whitespace_and_wants_padding),
		cmocka_unit_test(ec_coordinate_of_the_wrong_length_gives_its_length_and_the_curves),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL) + run_jwk_member_group();

	/*
	 * Again with certificate keys decoded the legacy way (probe/keydecode.c, on while the
	 * daemon runs on OpenSSL < 3.2): RSA keys from a JWKS must still be made by the
	 * provider, without unregistering anything (probe threads decode meanwhile).
	 */
	if (keydecode_init() != 0) {
		fprintf(stderr, "keydecode_init failed\n");
		return failed + 1;
	}
	if (OpenSSL_version_num() < 0x30200000L && !keydecode_active()) {
		fprintf(stderr, "keydecode is not active on OpenSSL < 3.2\n");
		return failed + 1;
	}
	return failed + cmocka_run_group_tests(tests, NULL, NULL) + run_jwk_member_group();
}
