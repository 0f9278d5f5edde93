/*
 * libFuzzer target: ocsp_evaluate() on arbitrary bytes, judged under every real-world
 * OCSP profile of tests/fixtures/realworld (each at its "now") and, when TW_FUZZ_GEN is
 * set, the generated PKI of fuzz/seedgen.c, so mutated responses get past parsing into
 * signer, CertID, nonce and time checks. Each input is also evaluated with a nonce sent.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/result.h"
#include "fuzz/util.h"
#include "probe/ocsp.h"

struct profile {
	const char	*issuer, *cert, *now;
	int		 status;
	struct conf_endpoint ep;
	int64_t		 now_ms;
};

static struct profile profiles[] = {
	{ FUZZ_RW "luxtrust-global-qualified-ca-3.pem", FUZZ_RW "ocsp-luxtrust-qca3-cert.pem",
	  "2017-06-01T06:00:00Z", CERT_GOOD, { 0 }, 0 },
	{ FUZZ_RW "luxtrust-global-qualified-ca-2.pem", FUZZ_RW "ocsp-luxtrust-qca2-cert.pem",
	  "2018-01-15T08:00:00Z", CERT_GOOD, { 0 }, 0 },
	{ FUZZ_RW "disig-svk-eid-aca.pem", FUZZ_RW "ocsp-disig-svkeidaca-cert.pem",
	  "2018-04-24T07:55:00Z", CERT_REVOKED, { 0 }, 0 },
	{ FUZZ_RW "harica-qwac-rsa-ca.pem", FUZZ_RW "ocsp-harica-qwac-cert.pem",
	  "2025-11-07T00:00:00Z", CERT_GOOD, { 0 }, 0 },
	{ FUZZ_RW "aped-qualified-timestamping-issuing-ca.pem", FUZZ_RW "tsa-aped-qtsu-b-2022.pem",
	  "2023-09-05T08:40:00Z", CERT_GOOD, { 0 }, 0 },
	{ "gen/ca.pem", "gen/leaf.pem", "2026-12-17T08:00:00Z", CERT_GOOD, { 0 }, 0 },
};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))
static size_t n_profiles;

static unsigned char nonce[OCSP_NONCE_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	n_profiles = fuzz_have_gen() ? N_PROFILES : N_PROFILES - 1;
	for (size_t i = 0; i < n_profiles; i++) {
		struct profile *p = &profiles[i];

		fuzz_endpoint(&p->ep, KIND_OCSP);
		p->ep.issuer = fuzz_cert(p->issuer);
		p->ep.certificate = fuzz_cert(p->cert);
		p->ep.expect.cert_status = (enum cert_status)p->status;
		p->now_ms = fuzz_time(p->now);
	}
	/* The nonce pkigen responses echo (fuzz/seedgen.c). */
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (unsigned char)(0xa0 + i);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_sent sent = { .nonce = nonce, .nonce_len = sizeof(nonce),
	    .method = OCSP_METHOD_POST };
	struct result r;

	for (size_t i = 0; i < n_profiles; i++) {
		result_init(&r, &profiles[i].ep, profiles[i].now_ms);
		ocsp_evaluate(data, size, &profiles[i].ep, NULL, profiles[i].now_ms, &r);
		fuzz_show(profiles[i].cert, &r);
		result_clear(&r);
	}
	/* With a nonce sent, under the generated PKI (or the first profile). */
	struct profile *p = &profiles[n_profiles - 1];
	result_init(&r, &p->ep, p->now_ms);
	ocsp_evaluate(data, size, &p->ep, &sent, p->now_ms, &r);
	fuzz_show("with nonce", &r);
	result_clear(&r);
	return 0;
}
