/*
 * OpenID Connect discovery (OIDC Discovery 1.0 §3, §4.3) and JWKS (RFC 7517, RFC 7518)
 * evaluation for the login kind. Pure functions: JSON bytes in, findings in r.
 * Every failure is oidc_invalid with a message naming the field at fault.
 */
#ifndef TW_OIDC_H
#define TW_OIDC_H

#include <stddef.h>

#include "../core/config.h"
#include "../core/result.h"

#define OIDC_WELL_KNOWN "/.well-known/openid-configuration"

/*
 * Evaluates a discovery document fetched from url (the configured URL, borrowed).
 * It must be a JSON object with string members issuer, authorization_endpoint and
 * jwks_uri; the last two must be http(s) URLs with a host.
 * The issuer must equal ep->expect.issuer when set, else url without its
 * OIDC_WELL_KNOWN suffix; one trailing '/' on either side is ignored, because
 * Discovery §4 removes it before appending the suffix. The comparison is otherwise exact.
 * Returns 0 and sets *jwks_uri_out (caller frees), or -1 with r flagged oidc_invalid
 * and *jwks_uri_out NULL.
 */
int oidc_evaluate_discovery(const unsigned char *body, size_t len,
    const struct conf_endpoint *ep, const char *url, struct result *r,
    char **jwks_uri_out);

/*
 * Evaluates a JWK Set: a JSON object whose "keys" array holds at least one usable key.
 * Usable: "use" absent or "sig"; "key_ops", when present, includes "verify"; "alg", when
 * present, fits the key (RS*, PS* on RSA; ES256/384/512, or ES521, on the matching curve);
 * kty RSA with base64url n (>= 2048 bits) and odd e >= 3, or kty EC with crv
 * P-256/P-384/P-521 and full-length base64url x, y forming a point on the curve;
 * the key must load into OpenSSL and pass EVP_PKEY_public_check.
 * Records details keys (usable) and keys_total; flags oidc_invalid when none is usable.
 */
void oidc_evaluate_jwks(const unsigned char *body, size_t len, struct result *r);

#endif
