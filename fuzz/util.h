/*
 * Shared by the libFuzzer targets in fuzz/: fixture loading and endpoint profiles.
 * Fixture paths are relative to TW_ROOT (default: the working directory, the repository
 * root under scripts/fuzz.sh); generated fixtures come from TW_FUZZ_GEN (fuzz/seedgen.c).
 * Every loader aborts when a fixture is missing: a fuzzer never runs half-configured.
 */
#ifndef TW_FUZZ_UTIL_H
#define TW_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "core/config.h"

#define FUZZ_RW		"tests/fixtures/realworld/"

/* Returns TW_ROOT/rel (or TW_FUZZ_GEN/rel when rel starts with "gen/"); caller frees. */
char	*fuzz_path(const char *rel);

/* Returns the first certificate of a PEM file; aborts when it cannot. Caller frees. */
X509	*fuzz_cert(const char *rel);

/* Returns every certificate of a PEM file; aborts when none. Caller frees. */
STACK_OF(X509) *fuzz_certs(const char *rel);

/* Returns the whole file; aborts when it cannot. Caller frees. */
unsigned char *fuzz_slurp(const char *rel, size_t *len);

/* Returns the epoch ms of an RFC 3339 time; aborts when it does not parse. */
int64_t	 fuzz_time(const char *rfc3339);

/* Returns 1 when generated fixtures are available (TW_FUZZ_GEN is set). */
int	 fuzz_have_gen(void);

/* With TW_FUZZ_SHOW set, prints "label: reason: message" (to check the seeds reach deep). */
struct result;
void	 fuzz_show(const char *label, const struct result *r);

/* Sets ep to the defaults the config loader would give an endpoint of kind. */
void	 fuzz_endpoint(struct conf_endpoint *ep, enum probe_kind kind);

#endif
