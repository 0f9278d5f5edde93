/*
 * libFuzzer target: tl_evaluate() on arbitrary bytes, as a LOTL with the LOTL 390's
 * pointer certificates as signers, and as a national list whose signers come from the
 * LOTL 390's verified memory (signers_from), with and without a remembered list; at
 * 2026-08-05, when the real lists of tests/fixtures/tl are current.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>

#include "core/result.h"
#include "core/util.h"
#include "fuzz/util.h"
#include "probe/tl.h"

#define TL_FIX	"tests/fixtures/tl/"

static struct tl_conf lotl, national;
static char *lotl_memory, *lu_memory;
static int64_t at_ms;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
memory_of(const char *file, const struct tl_conf *tc, const char *peer)
{
	unsigned char *b;
	size_t n;
	struct result r;
	char *m;

	if (file_read(file, 4u << 20, &b, &n) != 0)
		return NULL;
	result_init(&r, NULL, at_ms);
	tl_evaluate(b, n, tc, NULL, peer, at_ms, &r);
	m = r.memory;
	r.memory = NULL;
	result_clear(&r);
	free(b);
	return m;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *f = fopen(TL_FIX "lotl390-eu-pointer-certs.pem", "r");
	X509 *x;

	(void)argc;
	(void)argv;
	at_ms = fuzz_time("2026-08-05T00:00:00Z");
	lotl.signers = sk_X509_new_null();
	while (f != NULL && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		sk_X509_push(lotl.signers, x);
	if (f != NULL)
		fclose(f);
	lotl.lotl = true;
	lotl.min_remaining_ms = 7 * 86400000LL;
	national.signers_from = "eu/lotl";
	national.min_remaining_ms = 7 * 86400000LL;
	lotl_memory = memory_of(TL_FIX "eu-lotl-seq390-2026-08-03.xml", &lotl, NULL);
	lu_memory = memory_of(TL_FIX "lu-tl-seq64-2026-03-11.xml", &national, lotl_memory);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r;

	result_init(&r, NULL, at_ms);
	tl_evaluate(data, size, &lotl, NULL, NULL, at_ms, &r);
	fuzz_show("lotl", &r);
	result_clear(&r);
	result_init(&r, NULL, at_ms);
	tl_evaluate(data, size, &national, lu_memory, lotl_memory, at_ms, &r);
	fuzz_show("national", &r);
	result_clear(&r);
	return 0;
}
