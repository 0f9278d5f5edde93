/*
 * The testbed's trusted list (ETSI TS 119 612; SPEC §13), served by every provider's `tl`
 * listener at any path: territory LU, one TSP per provider with its services — CA/QC (the
 * issuing CA's certificate, its CRL and OCSP URLs as supply points) and TSA/QTST (the TSA's
 * certificate) — signed by the testbed's scheme-operator key (STATE/pki/tl-signer) with an
 * enveloped XAdES signature made by libxmlsec1: exactly what kind `tl` accepts (one
 * ds:Signature, a child of the root, a reference to the whole document with enveloped +
 * exclusive c14n, and the XAdES SignedProperties reference inside the signature).
 * The sequence number rises each time the listed content changes and is kept with its issue
 * time in STATE/tl-sequence, so it never goes backwards across restarts.
 * Faults: withdrawn (on pN/tl: pN's CA/QC service is withdrawn in the list wherever it is
 * served), sequence_regress (one below the current), expired (NextUpdate a day past), stale
 * (NextUpdate in 2 days), clock_skew=S (issued S seconds ahead), wrong_signer (the rogue CA
 * signs), bad_signature (one byte of the signed list changed after signing), and the
 * generic ones (down, hang, slow, http, garbage, huge).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "core/util.h"
#include "probe/tl.h"
#include "testbed/testbed.h"

#define DAY (24L * 3600L)
#define NS_TSL "http://uri.etsi.org/02231/v2#"
#define NS_XADES "http://uri.etsi.org/01903/v1.3.2#"
#define SVCTYPE "http://uri.etsi.org/TrstSvc/Svctype/"
#define SVCSTATUS "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
#define OPERATOR "trustwatch testbed scheme operator"

static int64_t seq, issued;	/* current sequence number and its ListIssueDateTime, epoch s */
static unsigned long long content = ~0ULL;	/* the withdrawn set the sequence stands for */

static char *
seq_path(void)
{
	return xasprintf("%s/tl-sequence", tb->state);
}

static void
persist(void)
{
	char *path = seq_path(), *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");

	if (f != NULL) {
		fprintf(f, "%lld %lld %llu\n", (long long)seq, (long long)issued, content);
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			goto out;
	}
	fprintf(stderr, "trustwatch-testbed: cannot write %s: %s\n", path, strerror(errno));
	unlink(tmp);
out:
	free(tmp);
	free(path);
}

/* Loads STATE/tl-sequence once (sequence 10 on a fresh state). */
static void
load(void)
{
	static bool loaded;
	char *path;
	FILE *f;
	long long s = 0, i = 0;
	unsigned long long c = 0;

	if (loaded)
		return;
	loaded = true;
	path = seq_path();
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%lld %lld %llu", &s, &i, &c) != 3)
			s = 0;
		fclose(f);
	}
	free(path);
	if (s >= 10 && i > 0) {
		seq = s;
		issued = i;
		content = c;
	} else {
		seq = 9;
		content = ~0ULL;	/* the first request issues sequence 10 */
	}
}

static char *
cert_b64(X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	char *out;

	if (len <= 0)
		return xstrdup("");
	out = xmalloc(4 * ((size_t)len + 2) / 3 + 1);
	EVP_EncodeBlock((unsigned char *)out, der, len);
	OPENSSL_free(der);
	return out;
}

static void
stamp(char *out, size_t len, int64_t s)
{
	struct tm tm;
	time_t t = (time_t)s;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
service(struct buf *b, const char *type, const char *name, X509 *cert, bool withdrawn,
    const char *sp1, const char *sp2)
{
	char *c = cert_b64(cert), when[32];

	stamp(when, sizeof(when), issued - DAY);
	buf_printf(b, "<tsl:TSPService><tsl:ServiceInformation>"
	    "<tsl:ServiceTypeIdentifier>" SVCTYPE "%s</tsl:ServiceTypeIdentifier>"
	    "<tsl:ServiceName><tsl:Name xml:lang=\"en\">%s</tsl:Name></tsl:ServiceName>"
	    "<tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>%s"
	    "</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>"
	    "<tsl:ServiceStatus>" SVCSTATUS "%s</tsl:ServiceStatus>"
	    "<tsl:StatusStartingTime>%s</tsl:StatusStartingTime>", type, name, c,
	    withdrawn ? "withdrawn" : "granted", when);
	if (sp1 != NULL) {
		buf_printf(b, "<tsl:ServiceSupplyPoints><tsl:ServiceSupplyPoint>%s"
		    "</tsl:ServiceSupplyPoint>", sp1);
		if (sp2 != NULL)
			buf_printf(b, "<tsl:ServiceSupplyPoint>%s</tsl:ServiceSupplyPoint>", sp2);
		buf_printf(b, "</tsl:ServiceSupplyPoints>");
	}
	buf_printf(b, "</tsl:ServiceInformation></tsl:TSPService>");
	free(c);
}

/* The provider's name as the testbed's config gives it. */
static void
tsp_name(const struct tb_provider *pr, char *out, size_t len)
{
	if (pr->index == 1)
		snprintf(out, len, "LuxTrust (testbed stand-in)");
	else
		snprintf(out, len, "Provider %d", pr->index);
}

/* The unsigned list for svc's request (svc->on holds the request's faults). */
static void
unsigned_list(const struct tb_service *svc, struct buf *b, unsigned long long withdrawn)
{
	int64_t now = time(NULL), is = issued, next, s = seq;
	char t1[32], t2[32];

	if (svc->on[F_CLOCK_SKEW])
		is = now + svc->param[F_CLOCK_SKEW];
	next = is + 180 * DAY;
	if (svc->on[F_STALE])
		next = now + 2 * DAY;
	if (svc->on[F_EXPIRED])
		next = now - DAY;
	if (svc->on[F_SEQUENCE_REGRESS])
		s--;
	stamp(t1, sizeof(t1), is);
	stamp(t2, sizeof(t2), next);
	buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<tsl:TrustServiceStatusList xmlns:tsl=\"" NS_TSL "\" "
	    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"tsl\" "
	    "TSLTag=\"http://uri.etsi.org/19612/TSLTag\"><tsl:SchemeInformation>"
	    "<tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>"
	    "<tsl:TSLSequenceNumber>%lld</tsl:TSLSequenceNumber>"
	    "<tsl:TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</tsl:TSLType>"
	    "<tsl:SchemeOperatorName><tsl:Name xml:lang=\"en\">" OPERATOR "</tsl:Name>"
	    "</tsl:SchemeOperatorName><tsl:SchemeTerritory>LU</tsl:SchemeTerritory>"
	    "<tsl:ListIssueDateTime>%s</tsl:ListIssueDateTime>"
	    "<tsl:NextUpdate><tsl:dateTime>%s</tsl:dateTime></tsl:NextUpdate>"
	    "</tsl:SchemeInformation><tsl:TrustServiceProviderList>", (long long)s, t1, t2);
	for (int p = 0; p < tb->nprov; p++) {
		const struct tb_provider *pr = &tb->prov[p];
		char name[64], sname[128], *crl = tb_svc_base(pr->svc[SVC_CRL]);
		char *ocsp = tb_svc_base(pr->svc[SVC_OCSP]), *tsa = tb_svc_base(pr->svc[SVC_TSA]);
		char *crlurl = xasprintf("%s/issuing-ca.crl", crl), *ocspurl = xasprintf("%s/", ocsp);
		char *tsaurl = xasprintf("%s/", tsa);

		tsp_name(pr, name, sizeof(name));
		buf_printf(b, "<tsl:TrustServiceProvider><tsl:TSPInformation><tsl:TSPName>"
		    "<tsl:Name xml:lang=\"en\">%s</tsl:Name></tsl:TSPName></tsl:TSPInformation>"
		    "<tsl:TSPServices>", name);
		snprintf(sname, sizeof(sname), "%s Qualified CA", pr->id);
		service(b, "CA/QC", sname, tb->pki.c[CRED_ISSUING].cert,
		    (withdrawn >> p) & 1, crlurl, ocspurl);
		snprintf(sname, sizeof(sname), "%s Qualified Time-Stamping Unit", pr->id);
		service(b, "TSA/QTST", sname, tb->pki.c[CRED_TSA].cert, false, tsaurl, NULL);
		buf_printf(b, "</tsl:TSPServices></tsl:TrustServiceProvider>");
		free(crl);
		free(ocsp);
		free(tsa);
		free(crlurl);
		free(ocspurl);
		free(tsaurl);
	}
	buf_printf(b, "</tsl:TrustServiceProviderList></tsl:TrustServiceStatusList>\n");
}

static xmlSecKeyPtr
signing_key(const struct tb_cred *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	unsigned char *der = NULL;
	int dlen;
	xmlSecKeyPtr key = NULL;

	if (bio == NULL || !PEM_write_bio_PrivateKey(bio, c->key, NULL, NULL, 0, NULL, NULL))
		goto out;
	n = BIO_get_mem_data(bio, &pem);
	key = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)pem, (xmlSecSize)n,
	    xmlSecKeyDataFormatPem, NULL, NULL, NULL);
	if (key != NULL && ((dlen = i2d_X509(c->cert, &der)) <= 0 ||
	    xmlSecCryptoAppKeyCertLoadMemory(key, der, (xmlSecSize)dlen,
	    xmlSecKeyDataFormatCertDer) < 0)) {
		xmlSecKeyDestroy(key);
		key = NULL;
	}
	OPENSSL_free(der);
out:
	BIO_free(bio);
	return key;
}

/* Adds the XAdES QualifyingProperties object and its reference to the signature template. */
static int
xades(xmlDoc *doc, xmlNode *sig)
{
	xmlNode *obj = xmlSecTmplSignatureAddObject(sig, NULL, NULL, NULL), *qp, *sp, *ssp, *ref;
	xmlNs *ns;
	xmlAttr *id;
	char when[32];

	if (obj == NULL)
		return -1;
	qp = xmlNewChild(obj, NULL, (const xmlChar *)"QualifyingProperties", NULL);
	ns = xmlNewNs(qp, (const xmlChar *)NS_XADES, (const xmlChar *)"xades");
	xmlSetNs(qp, ns);
	xmlNewProp(qp, (const xmlChar *)"Target", (const xmlChar *)"#tl-signature");
	sp = xmlNewChild(qp, ns, (const xmlChar *)"SignedProperties", NULL);
	id = xmlNewProp(sp, (const xmlChar *)"Id", (const xmlChar *)"tl-signed-properties");
	xmlAddID(NULL, doc, (const xmlChar *)"tl-signed-properties", id);
	ssp = xmlNewChild(sp, ns, (const xmlChar *)"SignedSignatureProperties", NULL);
	stamp(when, sizeof(when), time(NULL));
	xmlNewChild(ssp, ns, (const xmlChar *)"SigningTime", (const xmlChar *)when);
	ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
	    (const xmlChar *)"#tl-signed-properties",
	    (const xmlChar *)"http://uri.etsi.org/01903#SignedProperties");
	if (ref == NULL || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == NULL)
		return -1;
	return 0;
}

/* Signs the list in text with cred; returns the signed document (caller frees) or NULL. */
static char *
sign(const char *text, const struct tb_cred *cred, int *outlen)
{
	xmlDoc *doc = xmlReadMemory(text, (int)strlen(text), NULL, NULL, XML_PARSE_NONET);
	xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL, *sig, *ref, *ki, *xd;
	xmlSecKeyPtr key = NULL;
	xmlSecDSigCtxPtr ctx = NULL;
	xmlChar *mem = NULL;
	char *out = NULL;
	int len = 0;
	bool rsa = EVP_PKEY_is_a(cred->key, "RSA");

	if (root == NULL || tl_xmlsec_init() != 0)
		goto out;
	xmlAddID(NULL, doc, (const xmlChar *)"tsl", xmlHasProp(root, (const xmlChar *)"Id"));
	sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId, rsa ?
	    xmlSecTransformRsaSha256Id : xmlSecTransformEcdsaSha256Id,
	    (const xmlChar *)"tl-signature");
	if (sig == NULL)
		goto out;
	xmlAddChild(root, sig);
	ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
	    (const xmlChar *)"", NULL);
	if (ref == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == NULL ||
	    (ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL)) == NULL ||
	    (xd = xmlSecTmplKeyInfoAddX509Data(ki)) == NULL ||
	    xmlSecTmplX509DataAddCertificate(xd) == NULL || xades(doc, sig) != 0)
		goto out;
	if ((key = signing_key(cred)) == NULL || (ctx = xmlSecDSigCtxCreate(NULL)) == NULL)
		goto out;
	ctx->signKey = key;
	key = NULL;
	if (xmlSecDSigCtxSign(ctx, sig) < 0)
		goto out;
	xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
	if (mem != NULL && len > 0) {
		out = xmalloc((size_t)len + 1);
		memcpy(out, mem, (size_t)len);
		out[len] = '\0';
		*outlen = len;
	}
out:
	xmlFree(mem);
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx);
	if (key != NULL)
		xmlSecKeyDestroy(key);
	xmlFreeDoc(doc);
	return out;
}

void
tb_tl_handle(struct tb_service *svc, struct evhttp_request *req)
{
	struct evbuffer *body = evbuffer_new();
	struct buf b = { 0 };
	unsigned long long withdrawn = 0;
	char *signed_list, *op;
	int len = 0;

	load();
	for (int p = 0; p < tb->nprov && p < 64; p++)
		if (tb->prov[p].svc[SVC_TL] == svc ? svc->on[F_WITHDRAWN] :
		    tb->prov[p].svc[SVC_TL]->on[F_WITHDRAWN])
			withdrawn |= 1ULL << p;
	if (withdrawn != content) {
		/* A new issue: the content changed (or the first one on a fresh state). */
		content = withdrawn;
		seq++;
		issued = time(NULL) - 60;
		persist();
	}
	unsigned_list(svc, &b, withdrawn);
	buf_append(&b, "", 1);
	signed_list = sign((const char *)b.data, &tb->pki.c[svc->on[F_WRONG_SIGNER] ? CRED_ROGUE_CA : CRED_TL],
	    &len);
	buf_free(&b);
	if (signed_list == NULL) {
		evbuffer_add_printf(body, "trusted list signing failed\n");
		tb_svc_reply(svc, req, 500, "text/plain", body);
		return;
	}
	/* bad_signature: one byte of the signed content changed, still well-formed XML. */
	if (svc->on[F_BAD_SIGNATURE] && (op = strstr(signed_list, OPERATOR)) != NULL)
		op[0] = 'T';
	evbuffer_add(body, signed_list, (size_t)len);
	free(signed_list);
	tb_svc_reply(svc, req, 200, "application/vnd.etsi.tsl+xml", body);
}
