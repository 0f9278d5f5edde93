/*
 * Writes generated fixtures for the fuzzers into DIR (scripts/fuzz.sh runs it once per
 * work directory): a PKI made by tests/support/pki_gen.c around 2026-12-17T08:00:00Z
 * (ca.pem, leaf.pem) and OCSP responses and CRLs signed by it, as seeds in DIR/ocsp/ and
 * DIR/crl/. fuzz_ocsp and fuzz_crl load ca.pem and leaf.pem when TW_FUZZ_GEN=DIR.
 * Usage: seedgen DIR. Exits 0, or 1 when a file cannot be written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "tests/support/pki_gen.h"

#define NOW	1797494400000LL		/* 2026-12-17T08:00:00Z */
#define HOUR	(3600LL * 1000)

static const char *dir;

static int
put(const char *name, const unsigned char *data, size_t len)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

static int
put_cert(const char *name, X509 *x)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = PEM_write_X509(f, x) ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

static void
ocsp_base(struct pkigen_ocsp *o, struct pkigen *pki)
{
	memset(o, 0, sizeof(*o));
	o->response_status = 0;
	o->subject = pki->leaf;
	o->subject_issuer = pki->ca;
	o->cert_status = V_OCSP_CERTSTATUS_GOOD;
	o->this_update = NOW - HOUR;
	o->next_update = NOW + 24 * HOUR;
	o->signer = pki->responder;
	o->signer_key = pki->responder_key;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "good", "by-key", "ca-signed", "nonce",
	    "revoked", "sha256-certid", "no-next-update", "try-later", "no-certs",
	    "critical-ext", "critical-single-ext", "critical-responder" };
	unsigned char nonce[32], *der;
	struct pkigen_ocsp o;
	struct pkigen_crl c;
	struct pkigen *pki;
	char name[256];
	size_t len;
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	dir = argv[1];
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (unsigned char)(0xa0 + i);
	pki = pkigen_new(NOW);
	snprintf(name, sizeof(name), "%s/ocsp", dir);
	mkdir(name, 0755);
	snprintf(name, sizeof(name), "%s/crl", dir);
	mkdir(name, 0755);
	err |= put_cert("ca.pem", pki->ca);
	err |= put_cert("leaf.pem", pki->leaf);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ocsp_base(&o, pki);
		switch (i) {
		case 1: o.by_key = 1; break;
		case 2: o.signer = pki->ca; o.signer_key = pki->ca_key; break;
		case 3: o.nonce = nonce; o.nonce_len = sizeof(nonce); break;
		case 4: o.cert_status = V_OCSP_CERTSTATUS_REVOKED;
			o.revoked_at = NOW - 48 * HOUR; break;
		case 5: o.certid_md = EVP_sha256(); break;
		case 6: o.next_update = 0; break;
		case 7: o.response_status = OCSP_RESPONSE_STATUS_TRYLATER; break;
		case 8: o.omit_certs = 1; o.signer = pki->ca; o.signer_key = pki->ca_key; break;
		case 9: o.resp_ext_oid = PKIGEN_UNKNOWN_OID; o.resp_ext_critical = 1; break;
		case 10: o.single_ext_oid = PKIGEN_UNKNOWN_OID; o.single_ext_critical = 1; break;
		case 11: o.signer = pki->crit_responder; break;
		}
		der = pkigen_ocsp_response(&o, &len);
		snprintf(name, sizeof(name), "ocsp/gen-%s.der", names[i]);
		err |= put(name, der, len);
		free(der);
	}
	for (int i = 0; i < 6; i++) {
		memset(&c, 0, sizeof(c));
		c.issuer = pki->ca;
		c.key = pki->ca_key;
		c.this_update = NOW - HOUR;
		c.next_update = i == 3 ? 0 : NOW + 24 * HOUR;
		c.number = i == 2 ? NULL : "42";
		c.n_revoked = i == 0 ? 3 : 0;
		c.pem = i == 1;
		/* 4, 5: an unknown critical extension on the CRL, on an entry. */
		c.ext_oid = i == 4 ? PKIGEN_UNKNOWN_OID : NULL;
		c.ext_critical = i == 4;
		c.n_revoked = i == 5 ? 3 : c.n_revoked;
		c.entry_ext_oid = i == 5 ? PKIGEN_UNKNOWN_OID : NULL;
		c.entry_ext_critical = i == 5;
		c.reason_critical = i == 5;
		der = pkigen_crl(&c, &len);
		snprintf(name, sizeof(name), "crl/gen-%d.%s", i, c.pem ? "pem" : "crl");
		err |= put(name, der, len);
		free(der);
	}
	pkigen_free(pki);
	if (err)
		fprintf(stderr, "seedgen: cannot write into %s\n", dir);
	return err ? 1 : 0;
}
