/* Fixture helpers for the fuzz targets; see util.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "core/result.h"
#include "core/util.h"
#include "fuzz/util.h"

static void __attribute__((noreturn))
fuzz_die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, path);
	abort();
}

char *
fuzz_path(const char *rel)
{
	const char *root = getenv("TW_ROOT"), *gen = getenv("TW_FUZZ_GEN");

	if (strncmp(rel, "gen/", 4) == 0) {
		if (gen == NULL)
			fuzz_die("TW_FUZZ_GEN is not set", rel);
		return xasprintf("%s/%s", gen, rel + 4);
	}
	return xasprintf("%s/%s", root != NULL ? root : ".", rel);
}

STACK_OF(X509) *
fuzz_certs(const char *rel)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	char *path = fuzz_path(rel);
	FILE *f = fopen(path, "r");
	X509 *x;

	if (f == NULL || sk == NULL)
		fuzz_die("cannot open", path);
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	fclose(f);
	if (sk_X509_num(sk) == 0)
		fuzz_die("no certificate in", path);
	free(path);
	return sk;
}

X509 *
fuzz_cert(const char *rel)
{
	STACK_OF(X509) *sk = fuzz_certs(rel);
	X509 *x = sk_X509_shift(sk);

	sk_X509_pop_free(sk, X509_free);
	return x;
}

unsigned char *
fuzz_slurp(const char *rel, size_t *len)
{
	unsigned char *data = NULL;
	char *path = fuzz_path(rel);

	if (file_read(path, 1 << 26, &data, len) != 0)
		fuzz_die("cannot read", path);
	free(path);
	return data;
}

int64_t
fuzz_time(const char *s)
{
	int64_t ms;

	if (rfc3339_parse(s, &ms) != 0)
		fuzz_die("bad time", s);
	return ms;
}

int
fuzz_have_gen(void)
{
	return getenv("TW_FUZZ_GEN") != NULL;
}

void
fuzz_endpoint(struct conf_endpoint *ep, enum probe_kind kind)
{
	memset(ep, 0, sizeof(*ep));
	ep->id = "fuzz";
	ep->kind = kind;
	ep->url = "http://127.0.0.1/";
	ep->timeout_ms = 10000;
	ep->degraded_after_ms = 2000;
	ep->tls_min_days = 14;
	ep->max_body = CONF_DEFAULT_MAX_BODY;
	ep->hash_nid = NID_sha256;
	ep->expect.cert_status = CERT_GOOD;
	ep->expect.max_age_ms = (kind == KIND_CRL ? 7 : 4) * 86400000LL;
	ep->expect.min_remaining_ms = 3600000LL;
	ep->expect.max_skew_ms = 1000;
}

void
fuzz_show(const char *label, const struct result *r)
{
	if (getenv("TW_FUZZ_SHOW") != NULL)
		fprintf(stderr, "%s: %s: %s\n", label, reason_names[r->reason],
		    r->message != NULL ? r->message : "");
}
