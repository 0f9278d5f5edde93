/*
 * libFuzzer target: saml_evaluate() on arbitrary bytes, at the "now" of each real-world
 * metadata document (SWAMID 2010, Entra 2018), with a tls_min_days that makes the
 * certificate-days path run too.
 */
#include <stddef.h>
#include <stdint.h>

#include <libxml/parser.h>

#include "core/result.h"
#include "fuzz/util.h"
#include "probe/saml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t now[2];

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	now[0] = fuzz_time("2010-03-05T00:00:00Z");
	now[1] = fuzz_time("2018-05-11T00:00:00Z");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_endpoint ep;
	struct result r;

	for (size_t i = 0; i < 2; i++) {
		fuzz_endpoint(&ep, KIND_LOGIN);
		ep.expect.saml_metadata = true;
		ep.tls_min_days = i == 0 ? 14 : 200;
		result_init(&r, &ep, now[i]);
		saml_evaluate(data, size, &ep, now[i], &r);
		result_clear(&r);
	}
	return 0;
}
