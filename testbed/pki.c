/*
 * The testbed's PKI: generated once into STATE/pki with OpenSSL's C API, reused afterwards.
 * Every key is of one type, chosen with --keys: EC P-256 (default; ecdsa-with-SHA256, the
 * first start stays well under a second) or RSA 2048 (sha256WithRSAEncryption, like the
 * real LuxTrust responders; the first start generates 11 RSA keys, about 2 s). Each
 * loaded key is checked against that type: a PKI stored with the other type is regenerated,
 * never reused.
 * The two alternative TLS certificates (expired, expiring in 3 days) are re-signed on every
 * start so their remaining lifetime stays what the fault switches promise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "core/util.h"
#include "testbed/testbed.h"

#define DAY (24L * 3600L)

enum profile { PROF_CA, PROF_OCSP, PROF_LEAF, PROF_TSA, PROF_TLS, PROF_SIGN };

struct cred_def {
	const char	*file;		/* base name, .pem / .key */
	const char	*cn;
	enum profile	 prof;
	int		 issuer;	/* cred id, -1 = self-signed */
	int		 key_of;	/* share another cred's key, -1 = own */
	long		 nb, na;	/* notBefore / notAfter offsets from now, seconds */
	bool		 always;	/* re-issued on every start */
};

static const struct cred_def defs[CRED__MAX] = {
	[CRED_ROOT] = { "root-ca", "Testbed Root CA", PROF_CA, -1, -1, -DAY, 3650 * DAY, false },
	[CRED_ISSUING] = { "issuing-ca", "Testbed Issuing CA", PROF_CA, CRED_ROOT, -1, -DAY,
	    3000 * DAY, false },
	[CRED_OCSP] = { "ocsp-responder", "Testbed OCSP Responder", PROF_OCSP, CRED_ISSUING, -1,
	    -DAY, 730 * DAY, false },
	[CRED_GOOD] = { "good", "Testbed Good Leaf", PROF_LEAF, CRED_ISSUING, -1, -DAY,
	    730 * DAY, false },
	[CRED_REVOKED] = { "revoked", "Testbed Revoked Leaf", PROF_LEAF, CRED_ISSUING, -1, -DAY,
	    730 * DAY, false },
	[CRED_TSA] = { "tsa", "Testbed Time-Stamping Unit", PROF_TSA, CRED_ISSUING, -1, -DAY,
	    1825 * DAY, false },
	[CRED_TLS] = { "tls", "localhost", PROF_TLS, CRED_ROOT, -1, -DAY, 397 * DAY, false },
	[CRED_TLS_EXPIRED] = { "tls-expired", "localhost", PROF_TLS, CRED_ROOT, CRED_TLS,
	    -90 * DAY, -DAY, true },
	[CRED_TLS_EXPIRING] = { "tls-expiring", "localhost", PROF_TLS, CRED_ROOT, CRED_TLS,
	    -DAY, 3 * DAY, true },
	[CRED_IDP] = { "idp-signing", "Testbed IdP Signing", PROF_SIGN, CRED_ISSUING, -1, -DAY,
	    730 * DAY, false },
	[CRED_ROGUE_CA] = { "rogue-ca", "Testbed Rogue CA", PROF_CA, -1, -1, -DAY, 3650 * DAY,
	    false },
	[CRED_ROGUE_OCSP] = { "rogue-ocsp", "Testbed OCSP Responder", PROF_OCSP, CRED_ROGUE_CA,
	    -1, -DAY, 730 * DAY, false },
	[CRED_ROGUE_TSA] = { "rogue-tsa", "Testbed Time-Stamping Unit", PROF_TSA, CRED_ROGUE_CA,
	    -1, -DAY, 1825 * DAY, false },
	[CRED_TL] = { "tl-signer", "Testbed Trusted List Scheme Operator", PROF_SIGN, -1, -1,
	    -DAY, 1825 * DAY, false },
};

static void
ssl_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256];

	ERR_error_string_n(e, msg, sizeof(msg));
	fprintf(stderr, "trustwatch-testbed: %s: %s\n", what, e ? msg : "failed");
	ERR_clear_error();
}

const char *const tb_keys_names[2] = { [TB_KEYS_P256] = "p256",
	[TB_KEYS_RSA2048] = "rsa2048" };

static EVP_PKEY *
key_new(enum tb_keys keys)
{
	return keys == TB_KEYS_RSA2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

/* Whether a loaded key is of the requested type (RSA of exactly 2048 bits, or EC P-256). */
static bool
key_fits(EVP_PKEY *key, enum tb_keys keys)
{
	char group[64];
	size_t glen = 0;

	if (keys == TB_KEYS_RSA2048)
		return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 2048;
	return EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) == 1 &&
	    (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int rc;

	if (ext == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

static int
add_profile(X509 *x, X509V3_CTX *ctx, enum profile prof, enum tb_keys keys)
{
	int rc = 0;

	rc |= add_ext(x, ctx, NID_subject_key_identifier, "hash");
	rc |= add_ext(x, ctx, NID_authority_key_identifier, "keyid:always");
	switch (prof) {
	case PROF_CA:
		rc |= add_ext(x, ctx, NID_basic_constraints, "critical,CA:TRUE");
		rc |= add_ext(x, ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case PROF_OCSP:
		rc |= add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(x, ctx, NID_key_usage, "critical,digitalSignature");
		rc |= add_ext(x, ctx, NID_ext_key_usage, "OCSPSigning");
		rc |= add_ext(x, ctx, NID_id_pkix_OCSP_noCheck, "ignored");
		break;
	case PROF_TSA:
		rc |= add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(x, ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation");
		rc |= add_ext(x, ctx, NID_ext_key_usage, "critical,timeStamping");
		break;
	case PROF_TLS:
		rc |= add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE");
		/* An RSA server certificate as CAs issue them: also for RSA key transport. */
		rc |= add_ext(x, ctx, NID_key_usage, keys == TB_KEYS_RSA2048 ?
		    "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature");
		rc |= add_ext(x, ctx, NID_ext_key_usage, "serverAuth");
		rc |= add_ext(x, ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
		break;
	case PROF_LEAF:
		rc |= add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(x, ctx, NID_key_usage, "critical,digitalSignature");
		rc |= add_ext(x, ctx, NID_ext_key_usage, "clientAuth");
		break;
	case PROF_SIGN:
		rc |= add_ext(x, ctx, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(x, ctx, NID_key_usage, "critical,digitalSignature");
		break;
	}
	return rc;
}

static int
random_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int rc = -1;

	if (bn != NULL && BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		rc = 0;
	BN_free(bn);
	return rc;
}

/*
 * Issues defs[id]'s certificate for key, signed by the issuer (or itself) with SHA-256:
 * ecdsa-with-SHA256 or sha256WithRSAEncryption, following the issuer's key.
 */
static X509 *
issue(const struct tb_pki *pki, enum tb_cred_id id, EVP_PKEY *key)
{
	const struct cred_def *d = &defs[id];
	X509 *x = X509_new(), *icert;
	EVP_PKEY *ikey;
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;

	if (x == NULL || name == NULL)
		goto fail;
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"LU", -1,
	    -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)(id >= CRED_ROGUE_CA && id <= CRED_ROGUE_TSA ? "Rogue Trust" : "trustwatch testbed"),
	    -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)d->cn, -1,
	    -1, 0);
	icert = d->issuer < 0 ? x : pki->c[d->issuer].cert;
	ikey = d->issuer < 0 ? key : pki->c[d->issuer].key;
	if (!X509_set_version(x, 2) || random_serial(x) != 0 ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, d->issuer < 0 ? name : X509_get_subject_name(icert)) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), d->nb) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), d->na) == NULL || !X509_set_pubkey(x, key))
		goto fail;
	X509V3_set_ctx(&ctx, icert, x, NULL, NULL, 0);
	if (add_profile(x, &ctx, d->prof, pki->keys) != 0 || !X509_sign(x, ikey, EVP_sha256()))
		goto fail;
	X509_NAME_free(name);
	return x;
fail:
	ssl_err(d->file);
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

static int
write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f;
	int ok;

	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (key != NULL)
		fchmod(fileno(f), 0600);
	ok = x != NULL ? PEM_write_X509(f, x) : PEM_write_PrivateKey(f, key, NULL, NULL, 0,
	    NULL, NULL);
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "trustwatch-testbed: cannot write %s\n", path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

static int
load(struct tb_cred *c, const char *certpath, const char *keypath)
{
	FILE *f;

	if ((f = fopen(certpath, "r")) == NULL)
		return -1;
	c->cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(keypath, "r")) == NULL)
		return -1;
	c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return c->cert != NULL && c->key != NULL ? 0 : -1;
}

int
tb_pki_load_or_create(struct tb_pki *pki, const char *state)
{
	bool regen[CRED__MAX] = { false }, other_type = false;
	int id;

	pki->dir = xasprintf("%s/pki", state);
	if (mkdir(pki->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "trustwatch-testbed: %s: %s\n", pki->dir, strerror(errno));
		return -1;
	}
	for (id = 0; id < CRED__MAX; id++) {
		const struct cred_def *d = &defs[id];
		struct tb_cred *c = &pki->c[id];
		char *kp = xasprintf("%s/%s.key", pki->dir, d->key_of < 0 ? d->file :
		    defs[d->key_of].file);
		bool have;

		c->path = xasprintf("%s/%s.pem", pki->dir, d->file);
		have = !d->always && !(d->issuer >= 0 && regen[d->issuer]) &&
		    load(c, c->path, kp) == 0;
		if (have && !key_fits(c->key, pki->keys)) {
			if (!other_type)
				fprintf(stderr, "trustwatch-testbed: %s holds keys that are not "
				    "%s; generating a new PKI\n", pki->dir,
				    tb_keys_names[pki->keys]);
			other_type = true;
			have = false;
		}
		if (!have) {
			regen[id] = true;
			X509_free(c->cert);
			EVP_PKEY_free(c->key);
			c->cert = NULL;
			c->key = NULL;
			if (d->key_of >= 0) {
				c->key = pki->c[d->key_of].key;
				EVP_PKEY_up_ref(c->key);
			} else if ((c->key = key_new(pki->keys)) == NULL ||
			    write_pem(kp, NULL, c->key) != 0) {
				ssl_err("key generation");
				free(kp);
				return -1;
			}
			if ((c->cert = issue(pki, id, c->key)) == NULL ||
			    write_pem(c->path, c->cert, NULL) != 0) {
				free(kp);
				return -1;
			}
		}
		free(kp);
	}
	/* The revoked leaf was revoked an hour after it was issued. */
	{
		const ASN1_TIME *nb = X509_get0_notBefore(pki->c[CRED_REVOKED].cert);
		struct tm tm;

		if (ASN1_TIME_to_tm(nb, &tm))
			pki->revoked_at = (int64_t)timegm(&tm) + 3600;
		else
			pki->revoked_at = time(NULL) - DAY;
	}
	return 0;
}

void
tb_pki_free(struct tb_pki *pki)
{
	int id;

	for (id = 0; id < CRED__MAX; id++) {
		X509_free(pki->c[id].cert);
		EVP_PKEY_free(pki->c[id].key);
		free(pki->c[id].path);
	}
	free(pki->dir);
	memset(pki, 0, sizeof(*pki));
}
