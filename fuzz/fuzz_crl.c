/*
 * libFuzzer target: crl_evaluate() on arbitrary bytes (DER or PEM) under every
 * real-world CRL issuer of tests/fixtures/realworld (each at its "now": RSA, RSA-PSS,
 * SHA-1, ECDSA P-256 and P-521) and the generated PKI when TW_FUZZ_GEN is set, with and
 * without a previous CRL number.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "fuzz/util.h"
#include "probe/crl.h"

struct profile {
	const char	*issuer, *now;
	struct conf_endpoint ep;
	int64_t		 now_ms;
};

static struct profile profiles[] = {
	{ FUZZ_RW "luxtrust-global-qualified-ca-3.pem", "2017-06-01T06:00:00Z", { 0 }, 0 },
	{ FUZZ_RW "luxtrust-global-root.pem", "2015-06-01T00:00:00Z", { 0 }, 0 },
	{ FUZZ_RW "ua-justice-ecdsa-ca.pem", "2019-05-30T00:00:00Z", { 0 }, 0 },
	{ FUZZ_RW "ee-govca2018.pem", "2019-01-15T00:00:00Z", { 0 }, 0 },
	{ FUZZ_RW "dtrust-root-ca-1-2017.pem", "2018-07-01T00:00:00Z", { 0 }, 0 },
	{ FUZZ_RW "universign-timestamping-ca-2015.pem", "2017-06-01T06:00:00Z", { 0 }, 0 },
	{ "gen/ca.pem", "2026-12-17T08:00:00Z", { 0 }, 0 },
};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))
static size_t n_profiles;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	n_profiles = fuzz_have_gen() ? N_PROFILES : N_PROFILES - 1;
	for (size_t i = 0; i < n_profiles; i++) {
		fuzz_endpoint(&profiles[i].ep, KIND_CRL);
		profiles[i].ep.issuer = fuzz_cert(profiles[i].issuer);
		profiles[i].ep.expect.max_age_ms = 400 * 86400000LL;	/* old fixtures: go on */
		profiles[i].now_ms = fuzz_time(profiles[i].now);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const last[] = { NULL, "3", "123456789012345678901234567890" };
	struct result r;

	for (size_t i = 0; i < n_profiles; i++) {
		result_init(&r, &profiles[i].ep, profiles[i].now_ms);
		crl_evaluate(data, size, &profiles[i].ep, last[i % 3], profiles[i].now_ms, &r);
		fuzz_show(profiles[i].issuer, &r);
		result_clear(&r);
	}
	return 0;
}
