/*
 * libFuzzer target: tsa_evaluate() (a TimeStampResp) and tsa_evaluate_token() (a bare
 * TimeStampToken) on arbitrary bytes, under every real-world TSA profile of
 * tests/fixtures/realworld and the OpenSSL-made vectors of tests/fixtures/tsa, each with
 * its trust anchor, imprint, nonce and "now", so mutated tokens reach CMS verification,
 * ESS, imprint, nonce, policy and clock checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "core/result.h"
#include "fuzz/util.h"
#include "probe/tsa.h"

#define OSSL "tests/fixtures/tsa/"

struct profile {
	const char	*trust;
	const char	*data;		/* imprint = hash of this file, or */
	const char	*digest_file;	/* imprint = these bytes */
	const char	*tsq;		/* nonce from this request, or */
	const char	*nonce_hex;	/* this nonce, NULL = none */
	int		 hash_nid;	/* 0 = sha256 */
	const char	*now;		/* RFC 3339, or a file holding it */
	const char	*policy;	/* expect.policy */
	struct conf_endpoint ep;
	struct tsa_sent	 sent;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	int64_t		 now_ms;
};

static struct profile profiles[] = {
	{ .trust = FUZZ_RW "dtrust-root-ca-1-2017.pem",
	  .data = FUZZ_RW "tst-dtrust-tsu12-qualified-pss.data", .now = "2018-05-23T13:18:29Z" },
	{ .trust = FUZZ_RW "aped-global-root-ca.pem",
	  .data = FUZZ_RW "tst-aped-qtsu-b-2022-qualified.data",
	  .nonce_hex = "-1EB7A7432063E91AEE8DFABDF63319EA06962B6D2AE9759CBA404C0004574AF0",
	  .now = "2023-09-05T08:39:23Z", .policy = "1.2.300.0.110001.2.1.2" },
	{ .trust = FUZZ_RW "globaltrust-2015-root.pem",
	  .data = FUZZ_RW "tst-baltstamp-qtsa-tsu1-qualified.data",
	  .nonce_hex = "-6DEADCBBD5DA2B7C581DDAE74324687CBDA76C05A1777F5FFF51E3581CB55B10",
	  .now = "2023-09-05T08:39:08.787Z" },
	{ .trust = FUZZ_RW "universign-timestamping-ca-2015.pem",
	  .data = FUZZ_RW "tst-universign-tsu018.data", .nonce_hex = "DA8069D89090AFB7",
	  .now = "2017-05-31T05:05:46.843Z" },
	{ .trust = FUZZ_RW "globalsign-primary-sha256-ca-for-adobe.pem",
	  .digest_file = FUZZ_RW "tsr-globalsign-adobe-cds-g2-nonce.digest",
	  .tsq = FUZZ_RW "tsr-globalsign-adobe-cds-g2-nonce.tsq", .now = "2017-04-19T06:29:53Z" },
	{ .trust = FUZZ_RW "nccert-nbp-root.pem", .data = FUZZ_RW "tst-universign-tsu018.data",
	  .nonce_hex = "5D9A91929CD476A2", .now = "2022-05-31T09:21:25Z" },
	{ .trust = OSSL "root.pem", .data = OSSL "data.txt", .tsq = OSSL "rsa.tsq",
	  .now = OSSL "rsa.now" },
	{ .trust = OSSL "root.pem", .data = OSSL "data.txt", .tsq = OSSL "ec.tsq",
	  .hash_nid = NID_sha512, .now = OSSL "ec.now" },
};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
profile_init(struct profile *p)
{
	unsigned char *buf;
	const unsigned char *q;
	unsigned int mdlen = 0;
	BIGNUM *bn = NULL;
	TS_REQ *req;
	size_t len;

	fuzz_endpoint(&p->ep, KIND_TSA);
	p->ep.trust = fuzz_certs(p->trust);
	p->ep.expect.policy = (char *)p->policy;
	p->sent.hash_nid = p->hash_nid != 0 ? p->hash_nid : NID_sha256;
	p->ep.hash_nid = p->sent.hash_nid;
	if (p->data != NULL) {
		buf = fuzz_slurp(p->data, &len);
		if (!EVP_Digest(buf, len, p->md, &mdlen, EVP_get_digestbynid(p->sent.hash_nid),
		    NULL))
			abort();
		free(buf);
	} else {
		buf = fuzz_slurp(p->digest_file, &len);
		if (len > sizeof(p->md))
			abort();
		memcpy(p->md, buf, len);
		mdlen = (unsigned int)len;
		free(buf);
	}
	p->sent.digest = p->md;
	p->sent.digest_len = mdlen;
	if (p->tsq != NULL) {
		buf = fuzz_slurp(p->tsq, &len);
		q = buf;
		if ((req = d2i_TS_REQ(NULL, &q, (long)len)) == NULL)
			abort();
		bn = ASN1_INTEGER_to_BN(TS_REQ_get_nonce(req), NULL);
		TS_REQ_free(req);
		free(buf);
	} else if (p->nonce_hex != NULL && BN_hex2bn(&bn, p->nonce_hex) == 0)
		abort();
	p->sent.nonce = bn;
	p->sent.rtt_ms = 20.0;
	if (strchr(p->now, '/') != NULL) {
		buf = fuzz_slurp(p->now, &len);
		buf[strcspn((char *)buf, "\n")] = '\0';
		p->now_ms = fuzz_time((char *)buf);
		free(buf);
	} else
		p->now_ms = fuzz_time(p->now);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < N_PROFILES; i++)
		profile_init(&profiles[i]);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r;

	for (size_t i = 0; i < N_PROFILES; i++) {
		struct profile *p = &profiles[i];

		result_init(&r, &p->ep, p->now_ms);
		tsa_evaluate(data, size, &p->ep, &p->sent, p->now_ms, &r);
		fuzz_show(p->trust, &r);
		result_clear(&r);
		result_init(&r, &p->ep, p->now_ms);
		tsa_evaluate_token(data, size, &p->ep, &p->sent, p->now_ms, &r);
		fuzz_show("  as token", &r);
		result_clear(&r);
	}
	return 0;
}
