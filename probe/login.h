/*
 * The login kind (SPEC §3): an HTTP(S) page, optionally an OIDC discovery document
 * plus its JWKS (oidc.h), or SAML 2.0 metadata (saml.h).
 * Everything here is pure: bytes and config in, findings recorded in a struct result.
 */
#ifndef TW_LOGIN_H
#define TW_LOGIN_H

#include <stddef.h>

#include "probe.h"

extern const struct probe_ops probe_login_ops;

/*
 * Checks resp against ep->expect: the HTTP status (probe_check_http, http_status)
 * and then body_contains (body_mismatch).
 * Records details http_status and redirects.
 * Returns 1 when both checks pass, else 0 with r flagged.
 */
int login_evaluate(const struct probe_response *resp, const struct conf_endpoint *ep,
    struct result *r);

enum login_b64 {
	LOGIN_B64_URL,	/* RFC 4648 §5, no padding, no whitespace (JOSE, RFC 7515 §2) */
	LOGIN_B64_STD	/* RFC 4648 §4, '=' padding required, XML whitespace skipped */
};

/*
 * Decodes n bytes of s strictly: any byte outside the alphabet, a misplaced or missing
 * pad, an impossible length or non-zero trailing bits is an error.
 * Returns a malloc'd buffer (caller frees) with its length in *outlen, or NULL.
 * An empty input decodes to an empty, non-NULL buffer.
 */
unsigned char *login_b64_decode(const char *s, size_t n, enum login_b64 alphabet,
    size_t *outlen);

#endif
