/*
 * libFuzzer target: the OIDC parsers on arbitrary bytes. Each input is evaluated as a
 * discovery document (issuer derived from the URL, and against the Entra template set as
 * expect.issuer) and as a JWK Set.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/result.h"
#include "fuzz/util.h"
#include "probe/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const url[] = {
		"https://accounts.google.com/.well-known/openid-configuration",
		"https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
	};
	struct conf_endpoint ep;
	struct result r;
	char *jwks;

	for (size_t i = 0; i < 2; i++) {
		fuzz_endpoint(&ep, KIND_LOGIN);
		ep.url = (char *)url[i];
		ep.expect.oidc = true;
		if (i == 1)
			ep.expect.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0";
		result_init(&r, &ep, 0);
		jwks = NULL;
		if (oidc_evaluate_discovery(data, size, &ep, url[i], &r, &jwks) == 0 &&
		    jwks == NULL)
			abort();	/* the contract: 0 sets the JWKS URI */
		free(jwks);
		result_clear(&r);
	}
	result_init(&r, &ep, 0);
	oidc_evaluate_jwks(data, size, &r);
	result_clear(&r);
	return 0;
}
