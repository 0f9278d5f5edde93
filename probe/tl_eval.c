/*
 * The tl evaluator (SPEC §13): safe parsing, our structural checks against signature
 * wrapping, the XML-DSig core by libxmlsec1 with a key from the accepted signers only,
 * the list's dates and sequence, and the changes since the remembered sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "tl.h"
#include "tl_int.h"
#include "../core/util.h"

#define NS_TSL		"http://uri.etsi.org/02231/v2#"
#define NS_DS		"http://www.w3.org/2000/09/xmldsig#"
#define NS_XADES	"http://uri.etsi.org/01903/v1.3.2#"
#define ALG_ENVELOPED	"http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define ALG_EXC_C14N	"http://www.w3.org/2001/10/xml-exc-c14n#"
#define TYPE_SIGNED_PROPERTIES "http://uri.etsi.org/01903#SignedProperties"
#define CLOCK_SKEW_MS	(5 * 60 * 1000)	/* ListIssueDateTime tolerance, as §3 for OCSP */

int
tl_xmlsec_init(void)
{
	static int done;

	if (done)
		return done > 0 ? 0 : -1;
	done = -1;
	if (xmlSecInit() < 0)
		return -1;
	xmlSecErrorsDefaultCallbackEnableOutput(0);	/* failures are results, not stderr */
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return -1;
	done = 1;
	return 0;
}

static int
is(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

xmlNode *
tl_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (is(c, NS_TSL, name))
			return c;
	return NULL;
}

/* Follows a path of TSL element names ("A/B/C"). */
xmlNode *
tl_path(const xmlNode *n, const char *path)
{
	char buf[256], *save = NULL;
	xmlNode *cur = (xmlNode *)n;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, "/", &save); t != NULL && cur != NULL;
	    t = strtok_r(NULL, "/", &save))
		cur = tl_child(cur, t);
	return cur;
}

/* The element's text with surrounding white space removed (caller frees), or NULL. */
char *
tl_text(const xmlNode *n)
{
	xmlChar *c;
	char *s, *b, *e;

	if (n == NULL || (c = xmlNodeGetContent(n)) == NULL)
		return NULL;
	for (b = (char *)c; *b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'; b++)
		;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	s = xmalloc((size_t)(e - b) + 1);
	memcpy(s, b, (size_t)(e - b));
	s[e - b] = '\0';
	xmlFree(c);
	return s;
}

/* The first Name child in English, else the first (caller frees), or NULL. */
char *
tl_name(const xmlNode *names)
{
	xmlNode *first = NULL;

	for (xmlNode *c = names != NULL ? names->children : NULL; c != NULL; c = c->next) {
		xmlChar *lang;
		int en;

		if (!is(c, NS_TSL, "Name"))
			continue;
		if (first == NULL)
			first = c;
		lang = xmlNodeGetLang(c);
		en = lang != NULL && strncmp((const char *)lang, "en", 2) == 0;
		xmlFree(lang);
		if (en)
			return tl_text(c);
	}
	return tl_text(first);
}

/* The root's ds:Signature child, or NULL. */
static xmlNode *
root_signature(xmlNode *root)
{
	for (xmlNode *c = root != NULL ? root->children : NULL; c != NULL; c = c->next)
		if (is(c, NS_DS, "Signature"))
			return c;
	return NULL;
}

static int
count_signatures(const xmlNode *n)
{
	int k = 0;

	for (const xmlNode *c = n; c != NULL; c = c->next) {
		if (is(c, NS_DS, "Signature"))
			k++;
		if (c->type == XML_ELEMENT_NODE)
			k += count_signatures(c->children);
	}
	return k;
}

/* Registers n's Id attribute and every descendant's as IDs for same-document references. */
static void
register_ids(xmlDoc *doc, xmlNode *n)
{
	xmlAttr *a;

	if (n->type != XML_ELEMENT_NODE)
		return;
	if ((a = xmlHasProp(n, (const xmlChar *)"Id")) != NULL) {
		xmlChar *v = xmlNodeListGetString(doc, a->children, 1);

		if (v != NULL && xmlGetID(doc, v) == NULL)
			xmlAddID(NULL, doc, v, a);
		xmlFree(v);
	}
	for (xmlNode *c = n->children; c != NULL; c = c->next)
		register_ids(doc, c);
}

static int
within(const xmlNode *n, const xmlNode *ancestor)
{
	for (; n != NULL; n = n->parent)
		if (n == ancestor)
			return 1;
	return 0;
}

/*
 * The structural checks against signature wrapping (SPEC §13; realworld/tl README):
 * exactly one ds:Signature, a child of the root; one data Reference, URI="" or "#<root Id>",
 * transforms exactly enveloped + exclusive c14n; any other Reference is the XAdES
 * SignedProperties inside this signature. Returns NULL when sound, else why (static text).
 */
static const char *
structure_problem(xmlDoc *doc, xmlNode *root, xmlNode **sig_out)
{
	xmlNode *sig = NULL, *si;
	xmlChar *root_id;
	int data_refs = 0;
	const char *why = NULL;

	if (count_signatures(root) != 1)
		return "the list must carry exactly one ds:Signature";
	if ((sig = root_signature(root)) == NULL)
		return "the ds:Signature is not a child of the root TrustServiceStatusList";
	if ((si = xmlSecFindChild(sig, (const xmlChar *)"SignedInfo", (const xmlChar *)NS_DS)) == NULL)
		return "the ds:Signature has no SignedInfo";
	root_id = xmlGetProp(root, (const xmlChar *)"Id");
	for (xmlNode *ref = si->children; ref != NULL && why == NULL; ref = ref->next) {
		xmlChar *uri, *type;

		if (!is(ref, NS_DS, "Reference"))
			continue;
		uri = xmlGetProp(ref, (const xmlChar *)"URI");
		type = xmlGetProp(ref, (const xmlChar *)"Type");
		if (type != NULL && strcmp((const char *)type, TYPE_SIGNED_PROPERTIES) == 0) {
			xmlAttr *id = uri != NULL && uri[0] == '#' ?
			    xmlGetID(doc, uri + 1) : NULL;

			if (id == NULL || !within(id->parent, sig))
				why = "the SignedProperties reference points outside the signature";
		} else {
			xmlNode *t = xmlSecFindChild(ref, (const xmlChar *)"Transforms",
			    (const xmlChar *)NS_DS);
			const char *want[2] = { ALG_ENVELOPED, ALG_EXC_C14N };
			int k = 0;

			data_refs++;
			if (uri == NULL || !(uri[0] == '\0' || (uri[0] == '#' && root_id != NULL &&
			    strcmp((const char *)uri + 1, (const char *)root_id) == 0)))
				why = "the signed reference does not cover the whole list (URI must be \"\" or the root's Id)";
			for (xmlNode *x = t != NULL ? t->children : NULL; x != NULL && why == NULL;
			    x = x->next) {
				xmlChar *alg;

				if (x->type != XML_ELEMENT_NODE)
					continue;
				alg = xmlGetProp(x, (const xmlChar *)"Algorithm");
				if (!is(x, NS_DS, "Transform") || k >= 2 || alg == NULL ||
				    strcmp((const char *)alg, want[k]) != 0)
					why = "the signed reference's transforms are not exactly enveloped-signature and exclusive c14n";
				k++;
				xmlFree(alg);
			}
			if (why == NULL && k != 2)
				why = "the signed reference's transforms are not exactly enveloped-signature and exclusive c14n";
		}
		xmlFree(uri);
		xmlFree(type);
	}
	xmlFree(root_id);
	if (why == NULL && data_refs != 1)
		why = "the signature must have exactly one reference to the list";
	*sig_out = sig;
	return why;
}

static int verify_node(xmlNode *sig, X509 *cert);

static xmlDoc *
parse(const unsigned char *body, size_t len)
{
	return xmlReadMemory((const char *)body, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/*
 * Verifies the signature of the list in body with cert's public key only, on a fresh parse
 * (libxmlsec leaves a document unfit for another attempt after a failed one).
 * Returns 1 valid, 0 invalid, -1 error.
 */
static int
verify_with(const unsigned char *body, size_t len, X509 *cert)
{
	xmlDoc *doc = parse(body, len);
	xmlNode *sig;
	int ok;

	ERR_clear_error();
	if (doc == NULL)
		return -1;
	register_ids(doc, xmlDocGetRootElement(doc));
	sig = root_signature(xmlDocGetRootElement(doc));
	ok = sig != NULL ? verify_node(sig, cert) : -1;
	xmlFreeDoc(doc);
	ERR_clear_error();
	return ok;
}

/* Verifies sig with cert's public key only. Returns 1 valid, 0 invalid, -1 error. */
static int
verify_node(xmlNode *sig, X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der), ok = -1;
	xmlSecKeyPtr key;
	xmlSecDSigCtxPtr ctx;

	if (len <= 0)
		return -1;
	key = xmlSecCryptoAppKeyLoadMemory(der, (xmlSecSize)len, xmlSecKeyDataFormatCertDer,
	    NULL, NULL, NULL);
	OPENSSL_free(der);
	if (key == NULL) {
		return -1;
	}
	if ((ctx = xmlSecDSigCtxCreate(NULL)) == NULL) {
		xmlSecKeyDestroy(key);
		return -1;
	}
	ctx->signKey = key;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
	if (xmlSecDSigCtxVerify(ctx, sig) == 0)
		ok = ctx->status == xmlSecDSigStatusSucceeded;
	else
		ok = 0;
	xmlSecDSigCtxDestroy(ctx);
	return ok;
}

/* The certificate in the signature's KeyInfo (caller frees), or NULL. */
static X509 *
embedded_cert(xmlNode *sig)
{
	xmlNode *ki = xmlSecFindChild(sig, (const xmlChar *)"KeyInfo", (const xmlChar *)NS_DS);
	xmlNode *xd = ki ? xmlSecFindChild(ki, (const xmlChar *)"X509Data", (const xmlChar *)NS_DS) : NULL;
	xmlNode *xc = xd ? xmlSecFindChild(xd, (const xmlChar *)"X509Certificate", (const xmlChar *)NS_DS) : NULL;
	char *b64 = NULL;
	X509 *x = NULL;

	if (xc != NULL && (b64 = tl_text(xc)) != NULL)
		x = tl_cert_b64(b64);
	free(b64);
	return x;
}

X509 *
tl_cert_b64(const char *b64)
{
	size_t n = strlen(b64), o = 0;
	unsigned char *in = xmalloc(n + 1), *der = xmalloc(n + 1);
	const unsigned char *p = der;
	int len;
	X509 *x = NULL;

	for (size_t i = 0; i < n; i++)
		if (b64[i] != ' ' && b64[i] != '\n' && b64[i] != '\r' && b64[i] != '\t')
			in[o++] = (unsigned char)b64[i];
	len = o > 0 && o % 4 == 0 ? EVP_DecodeBlock(der, in, (int)o) : -1;
	if (len > 0) {
		while (o > 0 && in[o - 1] == '=') {
			len--;
			o--;
		}
		x = d2i_X509(NULL, &p, len);
	}
	ERR_clear_error();
	free(in);
	free(der);
	return x;
}

static void
flag(struct result *r, json_t *findings, enum reason why, const char *msg)
{
	json_array_append_new(findings, json_string(reason_names[why]));
	result_flag(r, why, "%s", msg);
}

void
tl_evaluate(const unsigned char *body, size_t len, const struct tl_conf *tc,
    const char *memory, const char *peer_memory, int64_t now, struct result *r)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *sig = NULL, *si;
	const char *why;
	char *territory = NULL, *seq_s = NULL, *issued_s = NULL, *next_s = NULL, *msg = NULL;
	STACK_OF(X509) *signers = NULL;
	json_t *findings = json_array(), *snap = NULL, *prev = NULL;
	int64_t seq = -1, issued = 0, next = 0;
	int verified = 0;
	X509 *emb = NULL;

	if (tl_xmlsec_init() != 0) {
		result_flag(r, REASON_INTERNAL, "cannot initialise xmlsec");
		goto out;
	}
	/* No DTD: a DOCTYPE (internal subset, entities, external loads) is refused outright. */
	if (len > INT32_MAX || memmem(body, len, "<!DOCTYPE", 9) != NULL) {
		result_flag(r, REASON_MALFORMED, "trusted list with a DOCTYPE refused (no DTD, no entities)");
		goto out;
	}
	doc = parse(body, len);
	if (doc == NULL || doc->intSubset != NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
		result_flag(r, REASON_MALFORMED, "the trusted list is not well-formed XML");
		goto out;
	}
	if (!is(root, NS_TSL, "TrustServiceStatusList")) {
		result_flag(r, REASON_MALFORMED, "the root is not an ETSI TrustServiceStatusList");
		goto out;
	}
	si = tl_child(root, "SchemeInformation");
	territory = tl_text(tl_child(si, "SchemeTerritory"));
	seq_s = tl_text(tl_child(si, "TSLSequenceNumber"));
	issued_s = tl_text(tl_child(si, "ListIssueDateTime"));
	next_s = tl_text(tl_path(si, "NextUpdate/dateTime"));
	if (seq_s == NULL || (seq = strtoll(seq_s, NULL, 10)) <= 0 || issued_s == NULL ||
	    rfc3339_parse(issued_s, &issued) != 0) {
		result_flag(r, REASON_MALFORMED, "TSLSequenceNumber or ListIssueDateTime missing or unreadable");
		goto out;
	}
	if (next_s == NULL || rfc3339_parse(next_s, &next) != 0) {
		result_flag(r, REASON_MALFORMED, "NextUpdate missing (a closed list) or unreadable");
		goto out;
	}
	tl_details_basic(r, seq, issued, next, territory, root);

	register_ids(doc, root);
	if ((why = structure_problem(doc, root, &sig)) != NULL) {
		flag(r, findings, REASON_SIGNATURE_INVALID, why);
		goto dates;
	}
	if (tc != NULL && tc->signers != NULL)
		signers = X509_chain_up_ref(tc->signers);
	else if (tc != NULL && tc->signers_from != NULL)
		signers = tl_pointer_signers(peer_memory, territory);
	for (int i = 0; signers != NULL && i < sk_X509_num(signers) && !verified; i++)
		verified = verify_with(body, len, sk_X509_value(signers, i)) == 1;
	if (!verified) {
		/* Tell a list signed by someone else from a broken signature. */
		int self = (emb = embedded_cert(sig)) != NULL && verify_with(body, len, emb) == 1;

		if (signers == NULL || sk_X509_num(signers) == 0)
			flag(r, findings, self ? REASON_UNTRUSTED : REASON_SIGNATURE_INVALID,
			    tc != NULL && tc->signers_from != NULL ?
			    "no accepted signers for this territory in the LOTL's last verified result" :
			    "no accepted signers configured");
		else if (self)
			flag(r, findings, REASON_UNTRUSTED,
			    "the list is signed by a key that is not among the accepted signers");
		else
			flag(r, findings, REASON_SIGNATURE_INVALID,
			    "the list's signature does not verify with any accepted signer");
	}
	if (emb == NULL)
		emb = embedded_cert(sig);
	if (emb != NULL)
		tl_details_signer(r, emb);
dates:
	if (next <= now) {
		free(msg);
		msg = xasprintf("NextUpdate %s is past", next_s);
		flag(r, findings, REASON_EXPIRED, msg);
	} else if (next - now < (tc != NULL ? tc->min_remaining_ms : 7 * 86400000LL)) {
		free(msg);
		msg = xasprintf("NextUpdate %s is less than expect.min_remaining ahead", next_s);
		flag(r, findings, REASON_STALE, msg);
	}
	if (issued > now + CLOCK_SKEW_MS)
		flag(r, findings, REASON_CLOCK_SKEW, "ListIssueDateTime is in the future");
	prev = memory != NULL ? json_loads(memory, 0, NULL) : NULL;
	if (json_is_integer(json_object_get(prev, "seq")) &&
	    seq < json_integer_value(json_object_get(prev, "seq"))) {
		free(msg);
		msg = xasprintf("TSLSequenceNumber %lld is lower than the last seen %lld",
		    (long long)seq, (long long)json_integer_value(json_object_get(prev, "seq")));
		flag(r, findings, REASON_REGRESSED, msg);
	}
	tl_details_findings(r, findings);
	if (!verified || r->reason == REASON_REGRESSED)
		goto out;		/* only a verified list is remembered or compared */
	snap = tl_snapshot(root, seq, tc != NULL && tc->lotl);
	tl_details_services(r, snap);
	if (json_is_object(prev))
		tl_events(r, prev, snap);
	r->memory = json_dumps(snap, JSON_COMPACT);
out:
	json_decref(findings);
	json_decref(snap);
	json_decref(prev);
	X509_free(emb);
	sk_X509_pop_free(signers, X509_free);
	free(territory);
	free(seq_s);
	free(issued_s);
	free(next_s);
	free(msg);
	xmlFreeDoc(doc);
}
