/*
 * The login servers of the TLS posture check (SPEC §14), switched on per service like the
 * other TLS faults: `tls_chain` (healthy: a server certificate from the issuing CA, sent
 * with its intermediate, OCSP stapled, HSTS), `tls_legacy` (the same, TLS 1.0 and 1.1
 * accepted at security level 0), `tls_no_intermediate` (the intermediate left out) and
 * `tls_revoked` (a certificate the testbed's OCSP responder and CRL call revoked).
 * The certificates name provider 1's OCSP responder (AIA) and CRL (CDP), so they are
 * issued at every start, once the ports are known. The testbed's responder and CRL judge by
 * serial number: the healthy certificate carries the good leaf's serial and the revoked one
 * the revoked leaf's (a test PKI's shortcut; a real CA never reuses a serial).
 */
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "core/util.h"
#include "testbed/testbed.h"

/* The two posture certificates; their key is the ordinary TLS certificate's. */
static X509 *cert_good, *cert_revoked;

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

/* Issues "localhost" from the issuing CA with serial, AIA ocsp_url and CDP crl_url. */
static X509 *
issue(const ASN1_INTEGER *serial, const char *ocsp_url, const char *crl_url)
{
	struct tb_cred *ca = &tb->pki.c[CRED_ISSUING], *tls = &tb->pki.c[CRED_TLS];
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	char *aia = xasprintf("OCSP;URI:%s", ocsp_url), *cdp = xasprintf("URI:%s", crl_url);
	int rc = 0;

	if (x == NULL || name == NULL)
		goto fail;
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"trustwatch testbed", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
	    -1, -1, 0);
	if (!X509_set_version(x, 2) || !X509_set_serialNumber(x, (ASN1_INTEGER *)serial) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400L) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 90 * 86400L) == NULL ||
	    !X509_set_pubkey(x, tls->key))
		goto fail;
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	rc |= add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
	rc |= add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	rc |= add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
	rc |= add_ext(x, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
	rc |= add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	rc |= add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
	rc |= add_ext(x, &ctx, NID_info_access, aia);
	rc |= add_ext(x, &ctx, NID_crl_distribution_points, cdp);
	if (rc != 0 || !X509_sign(x, ca->key, EVP_sha256()))
		goto fail;
	X509_NAME_free(name);
	free(aia);
	free(cdp);
	return x;
fail:
	X509_NAME_free(name);
	X509_free(x);
	free(aia);
	free(cdp);
	return NULL;
}

/*
 * Staples a fresh OCSP response for the posture certificate being served (RFC 6066 §8),
 * signed by the testbed's responder: good, or revoked (at the revoked leaf's revocation
 * time, as the responder and the CRL say) for the revoked certificate.
 */
static int
status_cb(SSL *ssl, void *arg)
{
	X509 *leaf = SSL_get_certificate(ssl);
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_TIME *now = NULL, *next = NULL, *when = NULL;
	unsigned char *der = NULL;
	int len, revoked;

	(void)arg;
	if (leaf == NULL || (leaf != cert_good && leaf != cert_revoked))
		return SSL_TLSEXT_ERR_NOACK;
	revoked = leaf == cert_revoked;
	if ((bs = OCSP_BASICRESP_new()) == NULL ||
	    (id = OCSP_cert_to_id(NULL, leaf, tb->pki.c[CRED_ISSUING].cert)) == NULL ||
	    (now = X509_gmtime_adj(NULL, 0)) == NULL ||
	    (next = X509_gmtime_adj(NULL, 86400L)) == NULL ||
	    (when = ASN1_TIME_set(NULL, (time_t)tb->pki.revoked_at)) == NULL ||
	    OCSP_basic_add1_status(bs, id, revoked ? V_OCSP_CERTSTATUS_REVOKED :
	    V_OCSP_CERTSTATUS_GOOD, revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
	    revoked ? when : NULL, now, next) == NULL ||
	    !OCSP_basic_sign(bs, tb->pki.c[CRED_OCSP].cert, tb->pki.c[CRED_OCSP].key,
	    EVP_sha256(), NULL, 0) ||
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) == NULL ||
	    (len = i2d_OCSP_RESPONSE(resp, &der)) <= 0 ||
	    !SSL_set_tlsext_status_ocsp_resp(ssl, der, len)) {
		OPENSSL_free(der);
		len = -1;
	}
	/* On success the SSL owns der. */
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	ASN1_TIME_free(when);
	OCSP_CERTID_free(id);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ERR_clear_error();
	return len > 0 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

/* A server context for cert, with the intermediate when chain is set. */
static SSL_CTX *
ctx_new(X509 *cert, bool chain)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_use_certificate(ctx, cert) ||
	    !SSL_CTX_use_PrivateKey(ctx, tb->pki.c[CRED_TLS].key) ||
	    (chain && !SSL_CTX_add1_chain_cert(ctx, tb->pki.c[CRED_ISSUING].cert)) ||
	    !SSL_CTX_set_tlsext_status_cb(ctx, status_cb)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * Before the version is chosen: a client of a `tls_legacy` service may have TLS 1.0 and
 * 1.1, at security level 0 (OpenSSL 3 allows them nowhere else).
 */
static int
hello_cb(SSL *ssl, int *al, void *arg)
{
	struct tb_service *svc = SSL_get_app_data(ssl);
	char addr[INET6_ADDRSTRLEN];
	const char *a;

	(void)al;
	(void)arg;
	if (svc == NULL)
		return SSL_CLIENT_HELLO_SUCCESS;
	a = tb_peer_addr(SSL_get_fd(ssl), addr, sizeof(addr)) == 0 ? addr : NULL;
	if (tb_fault_for(svc, a, F_TLS_LEGACY)) {
		SSL_set_security_level(ssl, 0);
		if (!SSL_set_min_proto_version(ssl, TLS1_VERSION) ||
		    !SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=0"))
			return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

int
tb_posture_init(void)
{
	struct tb_service *ocsp = tb->prov[0].svc[SVC_OCSP], *crl = tb->prov[0].svc[SVC_CRL];
	char *ocsp_url = tb_svc_base(ocsp), *crl_url = tb_svc_base(crl);
	char *crl_path = xasprintf("%s/issuing-ca.crl", crl_url);

	cert_good = issue(X509_get0_serialNumber(tb->pki.c[CRED_GOOD].cert), ocsp_url,
	    crl_path);
	cert_revoked = issue(X509_get0_serialNumber(tb->pki.c[CRED_REVOKED].cert), ocsp_url,
	    crl_path);
	free(ocsp_url);
	free(crl_url);
	free(crl_path);
	if (cert_good == NULL || cert_revoked == NULL)
		return -1;
	tb->tls_chain = ctx_new(cert_good, true);
	/* The security level lives with the certificate: SSL_set_SSL_CTX brings this one's. */
	if ((tb->tls_legacy = ctx_new(cert_good, true)) != NULL) {
		SSL_CTX_set_security_level(tb->tls_legacy, 0);
		if (!SSL_CTX_set_min_proto_version(tb->tls_legacy, TLS1_VERSION) ||
		    !SSL_CTX_set_cipher_list(tb->tls_legacy, "DEFAULT:@SECLEVEL=0")) {
			SSL_CTX_free(tb->tls_legacy);
			tb->tls_legacy = NULL;
		}
	}
	tb->tls_no_chain = ctx_new(cert_good, false);
	tb->tls_revoked = ctx_new(cert_revoked, true);
	if (tb->tls_chain == NULL || tb->tls_legacy == NULL || tb->tls_no_chain == NULL ||
	    tb->tls_revoked == NULL)
		return -1;
	SSL_CTX_set_client_hello_cb(tb->tls_ok, hello_cb, NULL);
	return 0;
}

SSL_CTX *
tb_posture_ctx(struct tb_service *svc, const char *addr)
{
	if (tb->tls_chain == NULL)
		return NULL;
	if (tb_fault_for(svc, addr, F_TLS_REVOKED))
		return tb->tls_revoked;
	if (tb_fault_for(svc, addr, F_TLS_NO_INTERMEDIATE))
		return tb->tls_no_chain;
	if (tb_fault_for(svc, addr, F_TLS_LEGACY))
		return tb->tls_legacy;
	if (tb_fault_for(svc, addr, F_TLS_CHAIN))
		return tb->tls_chain;
	return NULL;
}

void
tb_posture_fini(void)
{
	SSL_CTX_free(tb->tls_chain);
	SSL_CTX_free(tb->tls_legacy);
	SSL_CTX_free(tb->tls_no_chain);
	SSL_CTX_free(tb->tls_revoked);
	tb->tls_chain = tb->tls_legacy = tb->tls_no_chain = tb->tls_revoked = NULL;
	X509_free(cert_good);
	X509_free(cert_revoked);
	cert_good = cert_revoked = NULL;
}
