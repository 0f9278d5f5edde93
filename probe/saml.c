/* SAML 2.0 metadata evaluation with libxml2 (no network, no entities, no DTD). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "login.h"
#include "probe.h"
#include "saml.h"
#include "../core/util.h"

#define SAML_DAY_MS	(86400 * (int64_t)1000)

/* What a walk over the metadata has found so far. */
struct saml_scan {
	const struct conf_endpoint *ep;	/* borrowed, may be NULL */
	int64_t		 now;
	struct result	*r;
	size_t		 idps;
	size_t		 certs;
	int64_t		 valid_until;	/* earliest seen, INT64_MAX = none */
	int64_t		 cert_min;	/* earliest signing-cert notAfter, INT64_MAX = none */
	char		 cert_name[128];	/* its subject CN */
	char		 cert_entity[256];	/* its entityID */
};

/* The signing certificates of one IDPSSODescriptor. */
struct saml_idp_keys {
	size_t		 valid;		/* notAfter after now */
	size_t		 expired;
	char		 expired_cn[128];	/* the first expired one */
	int64_t		 expired_at;
};

static int
saml_is(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* Flags r when n's validUntil is unparseable or not after now; keeps the earliest. */
static void
saml_valid_until(struct saml_scan *s, xmlNode *n, const char *what, const char *id)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "validUntil");
	int64_t t;

	if (v == NULL)
		return;
	if (rfc3339_parse((const char *)v, &t) != 0) {
		result_flag(s->r, REASON_SAML_INVALID,
		    "%s \"%.200s\" validUntil \"%.64s\" is not a UTC xs:dateTime",
		    what, id, (const char *)v);
	} else {
		if (t < s->valid_until)
			s->valid_until = t;
		if (t <= s->now)
			result_flag(s->r, REASON_SAML_INVALID,
			    "%s \"%.200s\" validUntil %.64s is past", what, id, (const char *)v);
	}
	xmlFree(v);
}

/* Copies the subject CN of x (or "?") into out. */
static void
saml_cn(X509 *x, char *out, size_t outsz)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;

	snprintf(out, outsz, "?");
	if (i >= 0 && ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))) >= 0) {
		snprintf(out, outsz, "%s", (const char *)utf8);
		OPENSSL_free(utf8);
	}
}

/* Checks one base64 ds:X509Certificate of entity's IdP, counting it in k. */
static void
saml_cert(struct saml_scan *s, struct saml_idp_keys *k, const char *entity,
    const xmlChar *b64)
{
	unsigned char *der;
	const unsigned char *p;
	size_t n;
	X509 *x = NULL;
	int64_t not_after;

	der = login_b64_decode((const char *)b64, strlen((const char *)b64), LOGIN_B64_STD, &n);
	if (der == NULL || n > LONG_MAX) {
		result_flag(s->r, REASON_SAML_INVALID,
		    "signing certificate of %.200s is not valid base64", entity);
		goto out;
	}
	p = der;
	x = d2i_X509(NULL, &p, (long)n);
	if (x == NULL || p != der + n ||
	    probe_asn1_time_ms(X509_get0_notAfter(x), &not_after) != 0) {
		result_flag(s->r, REASON_SAML_INVALID,
		    "signing certificate of %.200s is not a DER X.509 certificate", entity);
		ERR_clear_error();
		goto out;
	}
	s->certs++;
	if (not_after < s->cert_min) {
		s->cert_min = not_after;
		saml_cn(x, s->cert_name, sizeof(s->cert_name));
		snprintf(s->cert_entity, sizeof(s->cert_entity), "%s", entity);
	}
	if (not_after > s->now) {
		k->valid++;
	} else if (k->expired++ == 0) {
		saml_cn(x, k->expired_cn, sizeof(k->expired_cn));
		k->expired_at = not_after;
	}
out:
	X509_free(x);
	free(der);
}

/* Checks the signing KeyDescriptors (use="signing" or no use) of an IdP role. */
static void
saml_keys(struct saml_scan *s, struct saml_idp_keys *k, xmlNode *kd, const char *entity)
{
	xmlChar *use = xmlGetNoNsProp(kd, BAD_CAST "use");
	int signing = use == NULL || strcmp((const char *)use, "signing") == 0;

	xmlFree(use);
	if (!signing)
		return;
	for (xmlNode *ki = kd->children; ki != NULL; ki = ki->next) {
		if (!saml_is(ki, SAML_DS_NS, "KeyInfo"))
			continue;
		for (xmlNode *xd = ki->children; xd != NULL; xd = xd->next) {
			if (!saml_is(xd, SAML_DS_NS, "X509Data"))
				continue;
			for (xmlNode *c = xd->children; c != NULL; c = c->next) {
				xmlChar *b64;

				if (!saml_is(c, SAML_DS_NS, "X509Certificate"))
					continue;
				b64 = xmlNodeGetContent(c);
				saml_cert(s, k, entity, b64 != NULL ? b64 : BAD_CAST "");
				xmlFree(b64);
			}
		}
	}
}

static void
saml_idp(struct saml_scan *s, xmlNode *idp, const char *entity)
{
	struct saml_idp_keys k;
	size_t sso = 0;
	char when[40];

	memset(&k, 0, sizeof(k));
	s->idps++;
	saml_valid_until(s, idp, "IDPSSODescriptor of", entity);
	for (xmlNode *c = idp->children; c != NULL; c = c->next) {
		if (saml_is(c, SAML_MD_NS, "SingleSignOnService"))
			sso++;
		else if (saml_is(c, SAML_MD_NS, "KeyDescriptor"))
			saml_keys(s, &k, c, entity);
	}
	if (sso == 0)
		result_flag(s->r, REASON_SAML_INVALID,
		    "IDPSSODescriptor of %.200s has no SingleSignOnService", entity);
	if (k.expired == 0)
		return;
	rfc3339_format_s(k.expired_at, when, sizeof(when));
	if (k.valid == 0)
		result_flag(s->r, REASON_SAML_INVALID,
		    "every signing certificate of %.200s has expired (\"%s\" on %s)",
		    entity, k.expired_cn, when);
	else
		result_flag(s->r, REASON_TLS_EXPIRING,
		    "signing certificate \"%s\" of %.200s expired on %s; another is still valid",
		    k.expired_cn, entity, when);
}

static void
saml_entity(struct saml_scan *s, xmlNode *ed)
{
	xmlChar *id = xmlGetNoNsProp(ed, BAD_CAST "entityID");
	const char *entity = id != NULL ? (const char *)id : "(no entityID)";

	saml_valid_until(s, ed, "EntityDescriptor", entity);
	for (xmlNode *c = ed->children; c != NULL; c = c->next)
		if (saml_is(c, SAML_MD_NS, "IDPSSODescriptor"))
			saml_idp(s, c, entity);
	xmlFree(id);
}

static void
saml_entities(struct saml_scan *s, xmlNode *eds)
{
	xmlChar *name = xmlGetNoNsProp(eds, BAD_CAST "Name");

	saml_valid_until(s, eds, "EntitiesDescriptor", name != NULL ? (const char *)name : "");
	xmlFree(name);
	for (xmlNode *c = eds->children; c != NULL; c = c->next) {
		if (saml_is(c, SAML_MD_NS, "EntitiesDescriptor"))
			saml_entities(s, c);
		else if (saml_is(c, SAML_MD_NS, "EntityDescriptor"))
			saml_entity(s, c);
	}
}

/* Returns 1 if p[0..n) starts with the ASCII word w, any case, then white space or '>'. */
static int
saml_word_at(const unsigned char *p, size_t n, const char *w)
{
	size_t wl = strlen(w);

	if (n <= wl)
		return 0;
	for (size_t i = 0; i < wl; i++)
		if ((p[i] | 0x20) != (unsigned char)w[i])
			return 0;
	return p[wl] == '>' || p[wl] == ' ' || p[wl] == '\t' || p[wl] == '\r' || p[wl] == '\n';
}

/*
 * Returns 1 if body is an HTML page: it starts (after a BOM, white space and an XML
 * declaration) with <!DOCTYPE html or <html.
 */
static int
saml_is_html(const unsigned char *b, size_t n)
{
	size_t i = 0;

	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	for (int pass = 0; pass < 2; pass++) {
		while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
			i++;
		if (pass == 0 && n - i > 5 && memcmp(b + i, "<?xml", 5) == 0) {
			const unsigned char *e = memchr(b + i, '>', n - i);

			if (e == NULL)
				return 0;
			i = (size_t)(e - b) + 1;
		}
	}
	return saml_word_at(b + i, n - i, "<!doctype html") || saml_word_at(b + i, n - i, "<html");
}

/* Flags r: body is an HTML page; names its <title> (first 80 bytes, controls as '?'). */
static void
saml_flag_html(const unsigned char *b, size_t n, struct result *r)
{
	char title[84] = "";
	size_t lim = n < 65536 ? n : 65536, k = 0;

	for (size_t i = 0; i + 7 <= lim; i++) {
		if (!saml_word_at(b + i, lim - i, "<title"))
			continue;
		const unsigned char *p = memchr(b + i, '>', lim - i), *end = b + lim;

		for (p = p != NULL ? p + 1 : end; p < end && *p != '<' && k < 80; p++)
			if (k > 0 || (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'))
				title[k++] = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
		while (k > 0 && title[k - 1] == ' ')
			k--;
		title[k] = '\0';
		break;
	}
	result_flag(r, REASON_SAML_INVALID,
	    "the URL returned an HTML page%s%s%s, not SAML metadata (a login, error or "
	    "maintenance page?): check the metadata URL", k > 0 ? " (title \"" : "", title,
	    k > 0 ? "\")" : "");
}

/* Parses body; returns the document (caller frees) or NULL with r flagged. */
static xmlDoc *
saml_parse(const unsigned char *body, size_t len, struct result *r)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;

	if (body != NULL && saml_is_html(body, len)) {
		saml_flag_html(body, len, r);
		return NULL;
	}

	if (len > INT_MAX) {
		result_flag(r, REASON_SAML_INVALID, "metadata is too large to parse");
		return NULL;
	}
	xmlInitParser();
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		result_flag(r, REASON_INTERNAL, "cannot allocate an XML parser");
		return NULL;
	}
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE: entities stay unexpanded. */
	doc = xmlCtxtReadMemory(ctxt, body != NULL ? (const char *)body : "", (int)len,
	    NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		xmlError *e = xmlCtxtGetLastError(ctxt);
		size_t ml = e != NULL && e->message != NULL ? strlen(e->message) : 0;

		while (ml > 0 && (e->message[ml - 1] == '\n' || e->message[ml - 1] == ' '))
			ml--;
		result_flag(r, REASON_SAML_INVALID,
		    "metadata is not well-formed XML: line %d: %.*s",
		    e != NULL ? e->line : 0, (int)(ml > 200 ? 200 : ml),
		    ml > 0 ? e->message : "");
	} else if (doc->intSubset != NULL || doc->extSubset != NULL) {
		result_flag(r, REASON_SAML_INVALID,
		    "metadata has a DOCTYPE, which SAML metadata never needs (refused)");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

void
saml_evaluate(const unsigned char *body, size_t len, const struct conf_endpoint *ep,
    int64_t now_ms, struct result *r)
{
	struct saml_scan s;
	xmlDoc *doc;
	xmlNode *root;

	if ((doc = saml_parse(body, len, r)) == NULL)
		return;
	memset(&s, 0, sizeof(s));
	s.ep = ep;
	s.now = now_ms;
	s.r = r;
	s.valid_until = INT64_MAX;
	s.cert_min = INT64_MAX;
	root = xmlDocGetRootElement(doc);
	if (root != NULL && saml_is(root, SAML_MD_NS, "EntitiesDescriptor"))
		saml_entities(&s, root);
	else if (root != NULL && saml_is(root, SAML_MD_NS, "EntityDescriptor"))
		saml_entity(&s, root);
	else {
		result_flag(r, REASON_SAML_INVALID,
		    "root element is not an md:EntityDescriptor or md:EntitiesDescriptor "
		    "(namespace " SAML_MD_NS ")");
		goto out;
	}
	detail_set_int(r->details, DETAIL_SAML_IDPS, (int64_t)s.idps);
	detail_set_int(r->details, DETAIL_SAML_SIGNING_CERTS, (int64_t)s.certs);
	if (s.valid_until != INT64_MAX)
		detail_set_time(r->details, DETAIL_SAML_VALID_UNTIL, s.valid_until);
	if (s.idps == 0)
		result_flag(r, REASON_SAML_INVALID, "metadata has no IDPSSODescriptor");
	if (s.certs > 0) {
		int64_t diff = s.cert_min - now_ms;
		int64_t days = diff >= 0 ? diff / SAML_DAY_MS : -((-diff + SAML_DAY_MS - 1) / SAML_DAY_MS);
		char when[40];

		detail_set_int(r->details, DETAIL_SAML_CERT_DAYS_LEFT, days);
		detail_set_time(r->details, DETAIL_SAML_CERT_NOT_AFTER, s.cert_min);
		rfc3339_format_s(s.cert_min, when, sizeof(when));
		if (diff > 0 && ep != NULL && days < ep->tls_min_days)
			result_flag(r, REASON_TLS_EXPIRING,
			    "SAML signing certificate \"%s\" of %.200s expires in %lld days (%s)",
			    s.cert_name, s.cert_entity, (long long)days, when);
	}
out:
	xmlFreeDoc(doc);
}
