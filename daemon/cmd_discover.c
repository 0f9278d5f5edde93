/*
 * trustwatch discover (SPEC §13): reads an ETSI TS 119 612 trusted list (a file), verifies it
 * with the tl evaluator and the given signers, and prints a ready `providers:` section: one
 * provider per trust service provider, for every granted service the OCSP and CRL endpoints
 * of its certificates' AIA and CRL distribution points, TSA endpoints for TSA services whose
 * supply points give a URL, and a tl endpoint for the list itself. Services not granted are
 * listed as comments. --certs-dir saves the certificates the endpoints name.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cli.h"
#include "../core/result.h"
#include "../core/util.h"
#include "../probe/tl.h"
#include "../probe/tl_int.h"

#define MAX_LIST	(64u << 20)
#define FETCH_TIMEOUT_S	60L
#define FETCH_MAXREDIRS	5L

static FILE *out;		/* where the YAML goes: stdout, or a provider's buffer */

static void
discover_usage(FILE *f)
{
	fputs("usage: trustwatch discover --tl FILE|URL [--signers CERTFILE... |\n"
	    "                          --lotl FILE|URL [--lotl-signers CERTFILE]] [--no-verify]\n"
	    "                          [--at TIME] [--certs-dir DIR]\n"
	    "       trustwatch discover [options] LIST    (LIST: the same as --tl LIST)\n"
	    "Verifies the trusted list (ETSI TS 119 612; a file, or an http(s) URL fetched once)\n"
	    "and prints a YAML `providers:` section for it: one provider per trust service\n"
	    "provider, the OCSP and CRL endpoints of every granted service's certificates (AIA,\n"
	    "CRL distribution points), TSA endpoints where the list gives a URL, and a tl\n"
	    "endpoint for the list. Services not granted are printed as comments.\n"
	    "  --tl FILE|URL   the trusted list\n"
	    "  --signers FILE  PEM certificates allowed to sign the list (repeatable)\n"
	    "  --lotl FILE|URL the EU List of Trusted Lists: the list's signers are the\n"
	    "                  certificates of its pointer for the list's territory\n"
	    "  --lotl-signers FILE  PEM certificates allowed to sign the LOTL (repeatable; those\n"
	    "                  published in the Official Journal). Without it the LOTL is only\n"
	    "                  checked against its own EU pointer, which proves nothing about who\n"
	    "                  wrote it (a loud warning says so)\n"
	    "  --no-verify     print without verifying the signature (a loud warning is printed)\n"
	    "  --at TIME       the clock for the list's dates (RFC 3339 or YYYY-MM-DD; default now)\n"
	    "  --certs-dir DIR save the certificates the endpoints name there (PEM, stable names);\n"
	    "                  without it OCSP, CRL and TSA endpoints are printed as comments\n"
	    "Exit 0 printed, 2 the list (or the LOTL) does not verify, 3 usage, 1 could not read.\n",
	    f);
}

/* A lower-case [a-z0-9-] slug of s, at most max characters, never empty. */
static char *
slug(const char *s, size_t max)
{
	char *o = xmalloc(max + 2);
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n < max; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			o[n++] = (char)c;
		else if (n > 0 && o[n - 1] != '-')
			o[n++] = '-';
	}
	while (n > 0 && o[n - 1] == '-')
		n--;
	if (n == 0)
		o[n++] = 'x';
	o[n] = '\0';
	return o;
}

/* A YAML double-quoted scalar of s (caller frees). */
static char *
yq(const char *s)
{
	struct buf b = { 0 };

	buf_append(&b, "\"", 1);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_append(&b, "\\", 1);
		if ((unsigned char)*s < 0x20)
			buf_append(&b, " ", 1);
		else
			buf_append(&b, s, 1);
	}
	buf_append(&b, "\"\0", 2);
	return (char *)b.data;
}

/* Replaces control characters in s (a name or URL from the list) by spaces: one line. */
static char *
one_line(char *s)
{
	for (char *p = s; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/* The URL as a YAML scalar: plain when made of URL characters only, else quoted. */
static char *
yurl(const char *u)
{
	if (u[0] != '\0' && strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789:/._~%?&=+-@") == strlen(u) && u[0] != '?' && u[0] != '@')
		return xstrdup(u);
	return yq(u);
}

/* Names used so far in one scope, for deduplication. */
struct names {
	char	**v;
	size_t	  n;
};

static int
names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return 1;
	return 0;
}

static void
names_add(struct names *ns, const char *s)
{
	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	ns->v[ns->n++] = xstrdup(s);
}

/* base, else base-2, base-3 …: unique within ns, recorded (caller frees). */
static char *
unique(struct names *ns, const char *base)
{
	char *s = xstrdup(base);

	for (int k = 2; names_has(ns, s); k++) {
		free(s);
		s = xasprintf("%s-%d", base, k);
	}
	names_add(ns, s);
	return s;
}

static void
names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

struct disc {
	const char	*certs_dir;	/* NULL: no files, endpoints needing them are comments */
	STACK_OF(X509)	*all;		/* every certificate of the list's services */
	int		 failed;
};

/* The certificate's CN (or its one-line subject) (caller frees). */
static char *
cert_cn(X509 *x)
{
	char buf[256];
	X509_NAME *n = X509_get_subject_name(x);

	if (X509_NAME_get_text_by_NID(n, NID_commonName, buf, sizeof(buf)) <= 0)
		X509_NAME_oneline(n, buf, sizeof(buf));
	return one_line(xstrdup(buf));
}

/*
 * Saves the certificates in the certs dir as <cn-slug of the first>-<sha256 prefix of their
 * DER>.pem (stable: the same certificates, the same name) and returns its path (caller
 * frees); NULL without a certs dir or on error.
 */
static char *
save_certs(struct disc *d, STACK_OF(X509) *xs)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[17], *cn, *s, *path;
	FILE *f;
	struct stat st;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok = 1;

	if (d->certs_dir == NULL || sk_X509_num(xs) == 0) {
		EVP_MD_CTX_free(mc);
		return NULL;
	}
	EVP_DigestInit_ex(mc, EVP_sha256(), NULL);
	for (int i = 0; i < sk_X509_num(xs); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(xs, i), &der);

		if (n > 0)
			EVP_DigestUpdate(mc, der, (size_t)n);
		OPENSSL_free(der);
	}
	EVP_DigestFinal_ex(mc, md, NULL);
	EVP_MD_CTX_free(mc);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	cn = cert_cn(sk_X509_value(xs, 0));
	s = slug(cn, 48);
	path = xasprintf("%s/%s-%s.pem", d->certs_dir, s, hex);
	free(cn);
	free(s);
	if (stat(path, &st) == 0)
		return path;
	if ((f = fopen(path, "w")) == NULL) {
		cli_warn("discover: cannot write %s: %s", path, strerror(errno));
		d->failed = 1;
		free(path);
		return NULL;
	}
	for (int i = 0; i < sk_X509_num(xs); i++)
		ok &= PEM_write_X509(f, sk_X509_value(xs, i)) == 1;
	if (fclose(f) != 0 || !ok) {
		cli_warn("discover: cannot write %s", path);
		d->failed = 1;
		free(path);
		return NULL;
	}
	return path;
}

/* save_certs of one certificate. */
static char *
save_cert(struct disc *d, X509 *x)
{
	STACK_OF(X509) *one = sk_X509_new_null();
	char *p;

	sk_X509_push(one, x);
	p = save_certs(d, one);
	sk_X509_free(one);
	return p;
}

/* The list certificate that issued x (x itself when self-signed), or NULL. */
static X509 *
find_issuer(const struct disc *d, X509 *x)
{
	for (int i = 0; i < sk_X509_num(d->all); i++) {
		X509 *c = sk_X509_value(d->all, i);
		EVP_PKEY *k;
		int ok;

		if (X509_check_issued(c, x) != X509_V_OK)
			continue;
		k = X509_get0_pubkey(c);
		ok = k != NULL && X509_verify(x, k) == 1;
		ERR_clear_error();
		if (ok)
			return c;
	}
	return NULL;
}

/* Appends x's OCSP (AIA) and CRL (CDP) URIs to ocsp and crl. */
static void
cert_urls(X509 *x, struct names *ocsp, struct names *crl)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	CRL_DIST_POINTS *cdp = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);

	for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);

		if (OBJ_obj2nid(ad->method) == NID_ad_OCSP && ad->location->type == GEN_URI)
			names_add(ocsp, (const char *)ASN1_STRING_get0_data(
			    ad->location->d.uniformResourceIdentifier));
	}
	for (int i = 0; i < sk_DIST_POINT_num(cdp); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(cdp, i);

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (int j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);

			if (g->type == GEN_URI)
				names_add(crl, (const char *)ASN1_STRING_get0_data(
				    g->d.uniformResourceIdentifier));
		}
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	CRL_DIST_POINTS_free(cdp);
	ERR_clear_error();
}

static const char *
last_segment(const char *uri)
{
	const char *s = uri != NULL ? strrchr(uri, '/') : NULL;

	return s != NULL && s[1] != '\0' ? s + 1 : uri != NULL ? uri : "";
}

static const char *
type_name(const char *uri)
{
	const char *s = uri != NULL ? strstr(uri, "/Svctype/") : NULL;

	return s != NULL ? s + 9 : last_segment(uri);
}

static int
granted(const char *status)
{
	return strcmp(status, "granted") == 0 || strcmp(status, "recognisedatnationallevel") == 0;
}

static int
http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Appends every X509Certificate under the service's ServiceDigitalIdentity to certs. */
static void
service_certs(const xmlNode *info, STACK_OF(X509) *certs)
{
	const xmlNode *sdi = tl_child(info, "ServiceDigitalIdentity");

	for (xmlNode *id = sdi != NULL ? sdi->children : NULL; id != NULL; id = id->next)
		for (xmlNode *x = id->children; x != NULL; x = x->next) {
			char *b64;
			X509 *c;

			if (x->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)x->name, "X509Certificate") != 0 ||
			    (b64 = tl_text(x)) == NULL)
				continue;
			if ((c = tl_cert_b64(b64)) != NULL)
				sk_X509_push(certs, c);
			free(b64);
		}
}

/* Collects every service certificate of the list (the issuers are looked up among them). */
static void
collect_all(const xmlNode *root, STACK_OF(X509) *all)
{
	const xmlNode *list = tl_child(root, "TrustServiceProviderList");

	for (xmlNode *tsp = list != NULL ? list->children : NULL; tsp != NULL; tsp = tsp->next) {
		const xmlNode *svcs = tl_child(tsp, "TSPServices");

		if (tsp->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNode *s = svcs != NULL ? svcs->children : NULL; s != NULL; s = s->next)
			if (s->type == XML_ELEMENT_NODE)
				service_certs(tl_child(s, "ServiceInformation"), all);
	}
}

/*
 * Prints one endpoint (commented out with a reason when a file it needs is missing).
 * Returns 1 when printed as an endpoint, 0 as a comment.
 */
static int
endpoint(struct names *ids, const char *kind, const char *base, const char *url,
    const char *what, const char *k1, const char *v1, const char *k2, const char *v2,
    const char *missing)
{
	char *id = unique(ids, base), *w = yurl(url);
	const char *c = missing != NULL ? "# " : "";

	fprintf(out, "      # %s\n", what);
	if (missing != NULL)
		fprintf(out, "      # not generated: %s\n", missing);
	fprintf(out, "      %s- id: %s\n", c, id);
	fprintf(out, "      %s  kind: %s\n", c, kind);
	fprintf(out, "      %s  url: %s\n", c, w);
	if (k1 != NULL)
		fprintf(out, "      %s  %s: %s\n", c, k1, v1 != NULL ? v1 : "?");
	if (k2 != NULL)
		fprintf(out, "      %s  %s: %s\n", c, k2, v2 != NULL ? v2 : "?");
	free(id);
	free(w);
	return missing == NULL;
}

/* Starts buffering a provider's text (out points to the buffer until provider_end). */
static void
provider_begin(char **text, size_t *len)
{
	fflush(stdout);
	if ((out = open_memstream(text, len)) == NULL)
		out = stdout;
}

/* Prints the buffered provider, as comments only when it has no active endpoint. */
static void
provider_end(char **textp, int active)
{
	char *text;

	if (out != stdout)
		fclose(out);
	out = stdout;
	text = *textp;
	*textp = NULL;
	if (text == NULL)
		return;
	if (active > 0)
		fputs(text, stdout);
	else {
		printf("  # (no endpoint could be generated for this provider: listed as a comment)\n");
		for (char *l = text, *e; *l != '\0'; l = e) {
			e = strchr(l, '\n');
			e = e != NULL ? e + 1 : l + strlen(l);
			printf("  #%.*s", (int)(e - l), l);
		}
	}
	free(text);
}

/* Prints the endpoints of one granted service; returns how many (commented ones too). */
static int
service_endpoints(struct disc *d, struct names *ids, struct names *urls, const char *what,
    const char *type, const xmlNode *info)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	const xmlNode *sps = tl_child(info, "ServiceSupplyPoints");
	int n = 0, tsa = strncmp(type, "TSA", 3) == 0;

	service_certs(info, certs);
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i), *iss = find_issuer(d, x);
		struct names ocsp = { 0 }, crl = { 0 };
		char *cn = cert_cn(x), *xp = NULL, *ip = NULL, *miss = NULL;

		cert_urls(x, &ocsp, &crl);
		if (ocsp.n + crl.n > 0) {
			if (iss == NULL)
				miss = xasprintf("the issuer of %s is not in the list", cn);
			else if (d->certs_dir == NULL)
				miss = xstrdup("no --certs-dir to save the certificates in");
			else {
				ip = save_cert(d, iss);
				xp = save_cert(d, x);
			}
		}
		for (size_t j = 0; j < ocsp.n; j++) {
			char *key = xasprintf("ocsp %s", ocsp.v[j]), *base, *s;

			if (names_has(urls, key)) {
				free(key);
				continue;
			}
			names_add(urls, key);
			s = slug(last_segment(ocsp.v[j]), 24);
			base = xasprintf("ocsp-%s", s);
			n += endpoint(ids, "ocsp", base, ocsp.v[j], what, "issuer", ip, "certificate", xp,
			    miss);
			free(s);
			free(base);
			free(key);
		}
		for (size_t j = 0; j < crl.n; j++) {
			char *key = xasprintf("crl %s", crl.v[j]), *base, *s;

			if (names_has(urls, key)) {
				free(key);
				continue;
			}
			names_add(urls, key);
			s = slug(last_segment(crl.v[j]), 24);
			base = xasprintf("crl-%s", s);
			n += endpoint(ids, "crl", base, crl.v[j], what, "issuer", ip, NULL, NULL, miss);
			free(s);
			free(base);
			free(key);
		}
		free(cn);
		free(xp);
		free(ip);
		free(miss);
		names_free(&ocsp);
		names_free(&crl);
	}
	/*
	 * A TSA with a URL among its supply points: trust the service's own certificates (the
	 * digital identity the list grants; the tsa kind accepts a partial chain).
	 */
	for (xmlNode *c = tsa && sps != NULL ? sps->children : NULL; c != NULL; c = c->next) {
		char *url, *key, *tp = NULL, *miss = NULL;

		if (c->type != XML_ELEMENT_NODE || (url = tl_text(c)) == NULL)
			continue;
		key = xasprintf("tsa %s", url);
		if (!http_url(url) || names_has(urls, key)) {
			free(url);
			free(key);
			continue;
		}
		names_add(urls, key);
		if (sk_X509_num(certs) == 0)
			miss = xstrdup("the service has no certificate in the list");
		else if (d->certs_dir == NULL)
			miss = xstrdup("no --certs-dir to save the certificates in");
		else
			tp = save_certs(d, certs);
		n += endpoint(ids, "tsa", "tsa", url, what, "trust", tp, NULL, NULL, miss);
		free(tp);
		free(miss);
		free(url);
		free(key);
	}
	sk_X509_pop_free(certs, X509_free);
	return n;
}

static void
print_provider(struct disc *d, struct names *pids, const xmlNode *tsp)
{
	const xmlNode *svcs = tl_child(tsp, "TSPServices");
	char *name = tl_name(tl_path(tsp, "TSPInformation/TSPName"));
	char *base = slug(name, 40), *pid = unique(pids, base), *qn = yq(name);
	struct names ids = { 0 }, urls = { 0 }, skipped = { 0 };
	int n = 0;
	char *text = NULL;
	size_t tlen = 0;

	provider_begin(&text, &tlen);
	one_line(name);
	fprintf(out, "  # trust service provider: %s\n", name != NULL ? name : "?");
	fprintf(out, "  - id: %s\n    name: %s\n    endpoints:\n", pid, qn);
	for (xmlNode *s = svcs != NULL ? svcs->children : NULL; s != NULL; s = s->next) {
		const xmlNode *info;
		char *sname, *type_s, *status_s, *what;
		const char *type, *status;

		if (s->type != XML_ELEMENT_NODE)
			continue;
		info = tl_child(s, "ServiceInformation");
		sname = tl_name(tl_child(info, "ServiceName"));
		type_s = tl_text(tl_child(info, "ServiceTypeIdentifier"));
		status_s = tl_text(tl_child(info, "ServiceStatus"));
		type = type_name(one_line(type_s));
		one_line(status_s);
		status = last_segment(status_s);
		one_line(sname);
		what = xasprintf("%s (%s, %s)", sname != NULL ? sname : "?", type, status);
		if (!granted(status))
			names_add(&skipped, what);
		else
			n += service_endpoints(d, &ids, &urls, what, type, info);
		free(what);
		free(sname);
		free(type_s);
		free(status_s);
	}
	for (size_t i = 0; i < skipped.n; i++)
		fprintf(out, "      # not granted: %s\n", skipped.v[i]);
	provider_end(&text, n);
	names_free(&ids);
	names_free(&urls);
	names_free(&skipped);
	free(name);
	free(base);
	free(pid);
	free(qn);
}

/* Reads --at: RFC 3339, or a bare date (midnight UTC). */
static int
parse_at(const char *s, int64_t *ms)
{
	char buf[64];

	if (strlen(s) == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		return rfc3339_parse(buf, ms);
	}
	return rfc3339_parse(s, ms);
}

static STACK_OF(X509) *
load_pem(const char *opt, const char *path, STACK_OF(X509) *into)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (f == NULL) {
		cli_warn("discover: %s %s: %s", opt, path, strerror(errno));
		return NULL;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		sk_X509_push(into, x);
		n++;
	}
	ERR_clear_error();
	fclose(f);
	if (n == 0) {
		cli_warn("discover: %s %s: no PEM certificate in it", opt, path);
		return NULL;
	}
	return into;
}

struct sink {
	struct buf	b;
	int		too_big;
};

static size_t
sink_write(char *p, size_t size, size_t n, void *arg)
{
	struct sink *k = arg;
	size_t bytes = size * n;

	if (k->b.len + bytes > MAX_LIST) {
		k->too_big = 1;
		return 0;
	}
	buf_append(&k->b, p, bytes);
	return bytes;
}

/*
 * GETs an http(s) URL once (blocking: a command line tool), following at most
 * FETCH_MAXREDIRS redirects to http(s) only, at most MAX_LIST bytes, within FETCH_TIMEOUT_S.
 * Returns 0 with *body, or -1 after saying why, the URL named.
 */
static int
fetch_url(const char *opt, const char *url, unsigned char **body, size_t *len)
{
	struct sink k = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;
	CURL *c;
	int bad = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c = curl_easy_init()) == NULL) {
		cli_warn("discover: %s %s: cannot start libcurl", opt, url);
		return -1;
	}
	bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_MAXREDIRS, FETCH_MAXREDIRS) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT, FETCH_TIMEOUT_S) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MAX_LIST) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "trustwatch-discover/" TW_VERSION) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &k) != CURLE_OK;
	if (bad) {
		cli_warn("discover: %s %s: cannot set up the request", opt, url);
		curl_easy_cleanup(c);
		return -1;
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status != 200) {
		if (k.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			cli_warn("discover: %s %s: larger than %u bytes", opt, url, MAX_LIST);
		else if (rc == CURLE_TOO_MANY_REDIRECTS)
			cli_warn("discover: %s %s: more than %ld redirects", opt, url,
			    FETCH_MAXREDIRS);
		else if (rc != CURLE_OK)
			cli_warn("discover: %s %s: %s", opt, url, one_line(errbuf)[0] != '\0' ?
			    errbuf : curl_easy_strerror(rc));
		else
			cli_warn("discover: %s %s: HTTP status %ld (expected 200)", opt, url, status);
		buf_free(&k.b);
		return -1;
	}
	if (k.b.data == NULL)
		buf_append(&k.b, "", 0);
	*body = k.b.data;
	*len = k.b.len;
	return 0;
}

/* Reads a list from a file or an http(s) URL; 0, or -1 after saying why. */
static int
read_source(const char *opt, const char *src, unsigned char **body, size_t *len)
{
	if (http_url(src))
		return fetch_url(opt, src, body, len);
	if (strstr(src, "://") != NULL) {
		cli_warn("discover: %s %s: only a file or an http(s) URL is read", opt, src);
		return -1;
	}
	if (file_read(src, MAX_LIST, body, len) != 0) {
		cli_warn("discover: %s %s: %s", opt, src, file_strerror(errno));
		return -1;
	}
	return 0;
}

/* Parses a list (no DOCTYPE, no network); NULL when unreadable. */
static xmlDoc *
parse_list(const unsigned char *body, size_t len, xmlNode **root)
{
	xmlDoc *doc;

	if (tl_xmlsec_init() != 0 || memmem(body, len, "<!DOCTYPE", 9) != NULL ||
	    len > INT32_MAX ||
	    (doc = xmlReadMemory((const char *)body, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING)) == NULL)
		return NULL;
	if ((*root = xmlDocGetRootElement(doc)) == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/*
 * Verifies the LOTL (with lotl_signers, or, when there are none, with the certificates of
 * its own EU pointer: a consistency check only, said loudly) and returns the certificates
 * of its XML pointer for territory (caller frees), or NULL after saying why.
 */
static STACK_OF(X509) *
lotl_signers_for(const char *src, const unsigned char *body, size_t len,
    STACK_OF(X509) *lotl_signers, const char *territory, int64_t at)
{
	STACK_OF(X509) *own = NULL, *res = NULL;
	struct tl_conf tc = { .lotl = true, .min_remaining_ms = 0 };
	struct result r;

	if (sk_X509_num(lotl_signers) == 0) {
		xmlNode *root;
		xmlDoc *doc = parse_list(body, len, &root);
		json_t *snap;
		char *mem;

		if (doc == NULL) {
			cli_warn("discover: --lotl %s: not a readable trusted list", src);
			return NULL;
		}
		snap = tl_snapshot(root, 0, true);
		mem = json_dumps(snap, JSON_COMPACT);
		own = tl_pointer_signers(mem, "EU");
		free(mem);
		json_decref(snap);
		xmlFreeDoc(doc);
		cli_warn("discover: WARNING: no --lotl-signers: the LOTL %s is checked only against "
		    "the certificates of its own EU pointer, which proves nothing about who wrote "
		    "it; pin the LOTL signers published in the Official Journal with --lotl-signers",
		    src);
		if (own == NULL || sk_X509_num(own) == 0) {
			cli_warn("discover: --lotl %s: the LOTL has no XML pointer for EU (itself)",
			    src);
			sk_X509_pop_free(own, X509_free);
			return NULL;
		}
		tc.signers = own;
	} else
		tc.signers = lotl_signers;
	result_init(&r, NULL, at);
	tl_evaluate(body, len, &tc, NULL, NULL, at, &r);
	if (r.memory == NULL)
		cli_warn("discover: --lotl %s does not verify: %s", src,
		    r.message != NULL ? r.message : "?");
	else {
		if (r.message != NULL)
			cli_warn("discover: --lotl %s: warning: %s", src, r.message);
		res = tl_pointer_signers(r.memory, territory);
		if (res == NULL || sk_X509_num(res) == 0) {
			cli_warn("discover: --lotl %s: no XML pointer with certificates for territory "
			    "%s", src, territory);
			sk_X509_pop_free(res, X509_free);
			res = NULL;
		}
	}
	result_clear(&r);
	sk_X509_pop_free(own, X509_free);
	return res;
}

int
cmd_discover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tl", required_argument, NULL, 't' },
		{ "signers", required_argument, NULL, 's' },
		{ "lotl", required_argument, NULL, 'l' },
		{ "lotl-signers", required_argument, NULL, 'L' },
		{ "no-verify", no_argument, NULL, 'n' },
		{ "at", required_argument, NULL, 'a' },
		{ "certs-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	STACK_OF(X509) *signers = sk_X509_new_null(), *lsigners = sk_X509_new_null();
	struct disc d = { 0 };
	struct names pids = { 0 }, signer_paths = { 0 };
	int64_t at = now_ms();
	int no_verify = 0, ch, rc = EXIT_OK;
	unsigned char *body = NULL, *lbody = NULL;
	size_t len = 0, llen = 0;
	xmlDoc *doc = NULL;
	xmlNode *root, *list;
	const char *path = NULL, *lotl = NULL;
	char *territory = NULL, *seq = NULL, *op = NULL, *loc = NULL, *sp = NULL;
	char date[40];

	out = stdout;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (path != NULL) {
				cli_warn("discover: --tl given twice");
				rc = EXIT_USAGE;
				goto out;
			}
			path = optarg;
			break;
		case 's':
			if (load_pem("--signers", optarg, signers) == NULL) {
				rc = EXIT_USAGE;
				goto out;
			}
			names_add(&signer_paths, optarg);
			break;
		case 'l':
			if (lotl != NULL) {
				cli_warn("discover: --lotl given twice");
				rc = EXIT_USAGE;
				goto out;
			}
			lotl = optarg;
			break;
		case 'L':
			if (load_pem("--lotl-signers", optarg, lsigners) == NULL) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'n':
			no_verify = 1;
			break;
		case 'a':
			if (parse_at(optarg, &at) != 0) {
				cli_warn("discover: --at %s: not an RFC 3339 time or a date", optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'd':
			d.certs_dir = optarg;
			break;
		case 'h':
			discover_usage(stdout);
			goto out;
		default:
			discover_usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	/* The positional LIST is the older spelling of --tl LIST. */
	if (path == NULL && optind == argc - 1)
		path = argv[optind++];
	if (path == NULL || optind != argc) {
		if (path != NULL)
			cli_warn("discover: give the list once, with --tl or as LIST");
		discover_usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (lotl != NULL && sk_X509_num(signers) > 0) {
		cli_warn("discover: --signers and --lotl exclude each other (the list's signers "
		    "come from one or the other)");
		rc = EXIT_USAGE;
		goto out;
	}
	if (sk_X509_num(lsigners) > 0 && lotl == NULL) {
		cli_warn("discover: --lotl-signers without --lotl");
		rc = EXIT_USAGE;
		goto out;
	}
	if (no_verify && (lotl != NULL || sk_X509_num(signers) > 0)) {
		cli_warn("discover: --no-verify with --signers or --lotl: choose one");
		rc = EXIT_USAGE;
		goto out;
	}
	if (sk_X509_num(signers) == 0 && lotl == NULL && !no_verify) {
		cli_warn("discover: no --signers or --lotl: refusing an unverified list "
		    "(--no-verify to print it anyway)");
		rc = EXIT_USAGE;
		goto out;
	}
	if (read_source("--tl", path, &body, &len) != 0 ||
	    (lotl != NULL && read_source("--lotl", lotl, &lbody, &llen) != 0)) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if ((doc = parse_list(body, len, &root)) == NULL) {
		cli_warn("discover: %s: not a readable trusted list", path);
		rc = EXIT_MISMATCH;
		goto out;
	}
	territory = one_line(tl_text(tl_path(root, "SchemeInformation/SchemeTerritory")));
	if (lotl != NULL) {
		STACK_OF(X509) *ps;

		if (territory == NULL) {
			cli_warn("discover: %s: the list names no SchemeTerritory to look up in the "
			    "LOTL", path);
			rc = EXIT_MISMATCH;
			goto out;
		}
		if ((ps = lotl_signers_for(lotl, lbody, llen, lsigners, territory, at)) == NULL) {
			rc = EXIT_MISMATCH;
			goto out;
		}
		sk_X509_pop_free(signers, X509_free);
		signers = ps;
	}
	if (d.certs_dir != NULL && mkdir(d.certs_dir, 0755) != 0 && errno != EEXIST) {
		cli_warn("discover: --certs-dir %s: %s", d.certs_dir, strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!no_verify) {
		struct tl_conf tc = { .signers = signers, .min_remaining_ms = 0 };
		struct result r;

		result_init(&r, NULL, at);
		tl_evaluate(body, len, &tc, NULL, NULL, at, &r);
		if (r.memory == NULL) {
			cli_warn("discover: %s does not verify: %s", path,
			    r.message != NULL ? r.message : "?");
			result_clear(&r);
			rc = EXIT_MISMATCH;
			goto out;
		}
		if (r.message != NULL)
			cli_warn("discover: %s: warning: %s", path, r.message);
		result_clear(&r);
	}
	seq = one_line(tl_text(tl_path(root, "SchemeInformation/TSLSequenceNumber")));
	op = one_line(tl_name(tl_path(root, "SchemeInformation/SchemeOperatorName")));
	loc = tl_text(tl_path(root, "SchemeInformation/DistributionPoints/URI"));
	d.all = sk_X509_new_null();
	collect_all(root, d.all);

	rfc3339_format_s(at, date, sizeof(date));
	fprintf(out, "# trustwatch discover: trusted list %s (territory %s, sequence %s) at %s\n",
	    path, territory != NULL ? territory : "?", seq != NULL ? seq : "?", date);
	if (no_verify)
		fprintf(out, "#\n# !!! WARNING: --no-verify: this list's signature was NOT verified. Anyone\n"
		    "# !!! could have written what follows; do not rely on it before verifying.\n#\n");
	else if (lotl == NULL)
		fprintf(out, "# verified with the signers in the certificates given by --signers\n");
	else {
		char *ql = one_line(xstrdup(lotl));

		fprintf(out, "# verified with the certificates of the %s pointer of the LOTL %s\n",
		    territory, ql);
		if (sk_X509_num(lsigners) > 0)
			fprintf(out, "# (the LOTL verified with the signers given by --lotl-signers)\n");
		else
			fprintf(out, "#\n# !!! WARNING: no --lotl-signers: the LOTL was checked only against"
			    " its own\n# !!! EU pointer, which proves nothing about who wrote it.\n#\n");
		free(ql);
	}
	fprintf(out, "providers:\n");
	/* The list itself, under its scheme operator. */
	{
		char *b = slug(op != NULL ? op : "trusted-list", 40), *pid = unique(&pids, b);
		char *qn = yq(op != NULL ? op : "Trusted list");
		char *sp_path = NULL, *text = NULL;
		size_t tlen = 0;
		int active;

		if (d.certs_dir != NULL && sk_X509_num(signers) > 0) {
			char *t = slug(territory, 8);	/* never a path from the list */
			FILE *f;

			sp_path = xasprintf("%s/tl-signers-%s.pem", d.certs_dir, t);
			free(t);
			if ((f = fopen(sp_path, "w")) == NULL) {
				cli_warn("discover: cannot write %s: %s", sp_path, strerror(errno));
				d.failed = 1;
			} else {
				for (int i = 0; i < sk_X509_num(signers); i++)
					PEM_write_X509(f, sk_X509_value(signers, i));
				if (fclose(f) != 0)
					d.failed = 1;
			}
		} else if (signer_paths.n == 1)
			sp_path = xstrdup(signer_paths.v[0]);
		provider_begin(&text, &tlen);
		fprintf(out, "  # scheme operator of the list\n  - id: %s\n    name: %s\n    endpoints:\n",
		    pid, qn);
		sp = loc != NULL && http_url(loc) ? xstrdup(loc) : NULL;
		{
			struct names ids = { 0 };
			char *what = xasprintf("the trusted list itself (%s)", territory != NULL ?
			    territory : "?");

			active = endpoint(&ids, "tl", "tl", sp != NULL ? sp : "?", what, "signers", sp_path,
			    NULL, NULL, sp == NULL ? "the list names no http(s) distribution point" :
			    sp_path == NULL ? "no signers file (--certs-dir saves one)" : NULL);
			names_free(&ids);
			free(what);
		}
		provider_end(&text, active);
		free(b);
		free(pid);
		free(qn);
		free(sp_path);
	}
	list = tl_child(root, "TrustServiceProviderList");
	for (xmlNode *tsp = list != NULL ? list->children : NULL; tsp != NULL; tsp = tsp->next)
		if (tsp->type == XML_ELEMENT_NODE)
			print_provider(&d, &pids, tsp);
	if (fflush(stdout) != 0 || d.failed)
		rc = EXIT_RUNTIME;
out:
	names_free(&pids);
	names_free(&signer_paths);
	sk_X509_pop_free(signers, X509_free);
	sk_X509_pop_free(lsigners, X509_free);
	sk_X509_pop_free(d.all, X509_free);
	xmlFreeDoc(doc);
	free(body);
	free(lbody);
	free(territory);
	free(seq);
	free(op);
	free(loc);
	free(sp);
	return rc;
}
