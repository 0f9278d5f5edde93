/* The providers section: providers, endpoints, per-kind keys, expectations, certificates. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "config_int.h"
#include "kind.h"
#include "util.h"

#define CERT_FILE_MAX	(1024 * 1024)

static const char *const http_schemes[] = { "http", "https", NULL };

static STACK_OF(X509) *parse_certs(struct loader *, cl_node_t *, const char *);

/*
 * Loads every certificate in file (PEM, one or more; or a single DER), parsing each file
 * once per load (OpenSSL 3.0 spends ~1 ms decoding a public key; configs name one CA file
 * for many endpoints). Returns a non-empty stack (caller frees), or NULL after recording
 * an error at v.
 */
static STACK_OF(X509) *
load_certs(struct loader *L, cl_node_t *v, const char *path)
{
	struct cert_file *cf = NULL;
	STACK_OF(X509) *copy;

	for (size_t i = 0; i < L->n_certs; i++)
		if (strcmp(L->certs[i].path, path) == 0)
			cf = &L->certs[i];
	if (cf == NULL) {
		L->certs = xrealloc(L->certs, (L->n_certs + 1) * sizeof(*L->certs));
		cf = &L->certs[L->n_certs++];
		cf->path = xstrdup(path);
		cf->certs = parse_certs(L, v, path);
		if (cf->certs == NULL)
			return NULL;
	} else if (cf->certs == NULL) {
		/* Reported where the file was first named; say it again here, briefly. */
		cl_err(L, v, "%s: %s: unusable certificate file (see above)", L->key, path);
		return NULL;
	}
	copy = sk_X509_dup(cf->certs);
	for (int i = 0; i < sk_X509_num(copy); i++)
		X509_up_ref(sk_X509_value(copy, i));
	return copy;
}

void
cl_certs_free(struct loader *L)
{
	for (size_t i = 0; i < L->n_certs; i++) {
		free(L->certs[i].path);
		sk_X509_pop_free(L->certs[i].certs, X509_free);
	}
	free(L->certs);
	L->certs = NULL;
	L->n_certs = 0;
}

/* Parses every certificate in file; NULL after recording an error at v. */
static STACK_OF(X509) *
parse_certs(struct loader *L, cl_node_t *v, const char *path)
{
	unsigned char *data;
	size_t len;
	STACK_OF(X509) *sk;
	BIO *bio;
	X509 *x;

	if (file_read(path, CERT_FILE_MAX, &data, &len) != 0) {
		cl_err(L, v, "%s: cannot read certificate file %s: %s", L->key, path,
		    errno == EFBIG ? "larger than 1 MiB" : file_strerror(errno));
		return NULL;
	}
	sk = sk_X509_new_null();
	bio = BIO_new_mem_buf(data, (int)len);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	BIO_free(bio);
	if (sk_X509_num(sk) == 0) {
		const unsigned char *p = data;

		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL && p == data + len)
			sk_X509_push(sk, x);
		else
			X509_free(x);
	}
	ERR_clear_error();
	free(data);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		cl_err(L, v, "%s: %s is not a PEM or DER certificate", L->key, path);
		return NULL;
	}
	return sk;
}

static void
load_cert(struct loader *L, cl_node_t *v, char **path, X509 **out)
{
	char *s = NULL;
	STACK_OF(X509) *sk;

	if (cl_str(L, v, &s) != 0)
		return;
	free(*path);
	*path = cl_path(L, s);
	free(s);
	if ((sk = load_certs(L, v, *path)) == NULL)
		return;
	X509_free(*out);
	*out = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
}

struct ep_ctx {
	struct conf_endpoint	*ep;
	int			 kind_known;
};

struct conf_kv {
	struct loader	*L;
	cl_node_t	*k, *v;		/* v: the value, or the endpoint's mapping in conf_check */
};

int
conf_kv_str(struct conf_kv *kv, char **out)
{
	return cl_str(kv->L, kv->v, out);
}

int
conf_kv_bool(struct conf_kv *kv, bool *out)
{
	return cl_bool(kv->L, kv->v, out);
}

int
conf_kv_duration(struct conf_kv *kv, int64_t *ms)
{
	return cl_duration(kv->L, kv->v, ms);
}

int
conf_kv_int(struct conf_kv *kv, long min, long max, int *out)
{
	return cl_int(kv->L, kv->v, min, max, out);
}

int
conf_kv_certs(struct conf_kv *kv, char **path, STACK_OF(X509) **certs)
{
	char *s = NULL;

	if (cl_str(kv->L, kv->v, &s) != 0)
		return -1;
	free(*path);
	*path = cl_path(kv->L, s);
	free(s);
	sk_X509_pop_free(*certs, X509_free);
	*certs = load_certs(kv->L, kv->v, *path);
	return *certs != NULL ? 0 : -1;
}

static cl_node_t *map_get(struct loader *, cl_node_t *, const char *, cl_node_t **);

bool
conf_kv_has(struct conf_kv *kv, const char *key)
{
	const char *dot = strchr(key, '.');
	cl_node_t *x;

	if (dot == NULL || strncmp(key, "expect.", 7) != 0)
		return map_get(kv->L, kv->v, key, NULL) != NULL;
	return (x = map_get(kv->L, kv->v, "expect", NULL)) != NULL &&
	    map_get(kv->L, x, dot + 1, NULL) != NULL;
}

void
conf_kv_err(struct conf_kv *kv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cl_err(kv->L, kv->v, "%s", msg);
}

void
conf_kv_key_err(struct conf_kv *kv, const char *key, const char *fmt, ...)
{
	cl_node_t *at = map_get(kv->L, kv->v, key, NULL);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cl_err(kv->L, at != NULL ? at : kv->v, "%s", msg);
}

/* Writes the built-in keys and, for kind k (< KIND__MAX), the keys it declares under prefix. */
static void
with_kind_keys(char *out, size_t len, const char *builtin, enum probe_kind k, const char *prefix)
{
	size_t plen = strlen(prefix);

	snprintf(out, len, "%s", builtin);
	if (k >= KIND__MAX)
		return;
	for (size_t i = 0; i < kind_info(k)->n_keys; i++) {
		const char *name = kind_info(k)->keys[i].key;

		if (strncmp(name, prefix, plen) != 0 || (plen == 0 && strchr(name, '.') != NULL))
			continue;
		snprintf(out + strlen(out), len - strlen(out), ", %s", name + plen);
	}
}

/*
 * Reads key when ep's kind declares it (core/kind.h): prefix "" or "expect.".
 * Returns 1 when read, 0 when the kind does not declare it.
 */
static int
kind_key(struct loader *L, const char *prefix, const char *key, cl_node_t *k, cl_node_t *v,
    struct conf_endpoint *ep)
{
	const struct kind_info *ki = kind_info(ep->kind);
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < ki->n_keys; i++) {
		struct conf_kv kv = { L, k, v };

		if (strncmp(ki->keys[i].key, prefix, plen) != 0 ||
		    strcmp(ki->keys[i].key + plen, key) != 0)
			continue;
		if (ep->kind_conf != NULL)
			ki->keys[i].parse(&kv, ep);
		return 1;
	}
	return 0;
}

static int
valid_oid(const char *s)
{
	int dots = 0;

	if (*s < '0' || *s > '2')
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (p[1] < '0' || p[1] > '9')
				return 0;
			dots++;
		} else if (*p < '0' || *p > '9')
			return 0;
	}
	return dots >= 1;
}

/* Which kinds accept which keys: a key outside its kind is an error naming the kinds it belongs to. */
static const struct {
	const char	*key;
	unsigned	 kinds;		/* bit per enum probe_kind */
	const char	*where;
} expect_keys[] = {
	{ "status",		(1u << KIND_LOGIN) | (1u << KIND_OCSP), "login, ocsp" },
	{ "body_contains",	1u << KIND_LOGIN, "login" },
	{ "tls_min_days",	1u << KIND_LOGIN | 1u << KIND_OCSP | 1u << KIND_CRL | 1u << KIND_TSA, "all kinds" },
	{ "oidc",		1u << KIND_LOGIN, "login" },
	{ "issuer",		1u << KIND_LOGIN, "login" },
	{ "saml_metadata",	1u << KIND_LOGIN, "login" },
	{ "max_age",		(1u << KIND_OCSP) | (1u << KIND_CRL), "ocsp, crl" },
	{ "min_remaining",	1u << KIND_CRL, "crl" },
	{ "policy",		1u << KIND_TSA, "tsa" },
	{ "max_skew",		1u << KIND_TSA, "tsa" },
}, ep_keys[] = {
	{ "issuer",		(1u << KIND_OCSP) | (1u << KIND_CRL), "ocsp, crl" },
	{ "certificate",	1u << KIND_OCSP, "ocsp" },
	{ "method",		1u << KIND_OCSP, "ocsp" },
	{ "nonce",		1u << KIND_OCSP, "ocsp" },
	{ "trust",		1u << KIND_TSA, "tsa" },
	{ "hash",		1u << KIND_TSA, "tsa" },
};

static int
kind_allows(struct loader *L, cl_node_t *k, const char *key, enum probe_kind kind,
    int is_expect)
{
	size_t n = is_expect ? NELEM(expect_keys) : NELEM(ep_keys);

	for (size_t i = 0; i < n; i++) {
		const char *name = is_expect ? expect_keys[i].key : ep_keys[i].key;
		unsigned kinds = is_expect ? expect_keys[i].kinds : ep_keys[i].kinds;
		const char *where = is_expect ? expect_keys[i].where : ep_keys[i].where;

		if (strcmp(name, key) != 0)
			continue;
		if (kinds & (1u << kind))
			return 1;
		cl_err(L, k, "key '%s%s' is not valid for kind %s (only for %s)",
		    is_expect ? "expect." : "", key, kind_names[kind], where);
		return 0;
	}
	return -1;
}

static void
expect_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf_endpoint *ep = arg;
	struct conf_expect *x = &ep->expect;
	int ok;

	if (kind_key(L, "expect.", key, k, v, ep))
		return;
	ok = kind_allows(L, k, key, ep->kind, 1);
	if (ok == 0)
		return;
	if (ok < 0) {
		char known[512];

		with_kind_keys(known, sizeof(known),
		    "status, body_contains, tls_min_days, oidc, issuer, saml_metadata, max_age, min_remaining, policy, max_skew",
		    ep->kind, "expect.");
		cl_unknown(L, k, key, "expect", known);
		return;
	}
	if (strcmp(key, "status") == 0 && ep->kind == KIND_LOGIN)
		cl_int(L, v, 100, 599, &x->http_status);
	else if (strcmp(key, "status") == 0) {
		const char *s = cl_scalar(L, v, "certificate status");
		int i;

		if (s == NULL)
			return;
		for (i = 0; i < CERT__MAX; i++)
			if (strcmp(s, cert_status_names[i]) == 0)
				break;
		if (i == CERT__MAX)
			cl_err(L, v, "status: expected good, revoked or unknown, found '%s'", s);
		else
			x->cert_status = (enum cert_status)i;
	} else if (strcmp(key, "body_contains") == 0)
		cl_str(L, v, &x->body_contains);
	else if (strcmp(key, "tls_min_days") == 0)
		cl_int(L, v, 0, 3650, &ep->tls_min_days);
	else if (strcmp(key, "oidc") == 0)
		cl_bool(L, v, &x->oidc);
	else if (strcmp(key, "issuer") == 0)
		cl_str(L, v, &x->issuer);
	else if (strcmp(key, "saml_metadata") == 0)
		cl_bool(L, v, &x->saml_metadata);
	else if (strcmp(key, "max_age") == 0)
		cl_positive_duration(L, v, &x->max_age_ms);
	else if (strcmp(key, "min_remaining") == 0)
		cl_duration(L, v, &x->min_remaining_ms);
	else if (strcmp(key, "policy") == 0) {
		if (cl_str(L, v, &x->policy) == 0 && !valid_oid(x->policy)) {
			cl_err(L, v, "policy: '%s' is not a dotted OID (e.g. 1.2.3.4.5)", x->policy);
			FREE_NULL(x->policy);
		}
	} else if (strcmp(key, "max_skew") == 0)
		cl_duration(L, v, &x->max_skew_ms);
}

static void
endpoint_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct ep_ctx *ctx = arg;
	struct conf_endpoint *ep = ctx->ep;
	char *s = NULL;
	int ok;

	if (strcmp(key, "kind") == 0)
		return;			/* read first, by the caller */
	if (strcmp(key, "expect") == 0) {
		if (ctx->kind_known)
			cl_each(L, v, "expect", expect_key, ep);
		return;
	}
	if (strcmp(key, "id") == 0) {
		cl_id(L, v, &ep->id);
		return;
	}
	if (strcmp(key, "url") == 0) {
		cl_url(L, v, http_schemes, &ep->url);
		return;
	}
	if (strcmp(key, "interval") == 0) {
		cl_min_duration(L, v, CONF_MIN_INTERVAL_MS, &ep->interval_ms);
		return;
	}
	if (strcmp(key, "timeout") == 0) {
		cl_min_duration(L, v, CONF_MIN_TIMEOUT_MS, &ep->timeout_ms);
		return;
	}
	if (strcmp(key, "degraded_after") == 0) {
		cl_positive_duration(L, v, &ep->degraded_after_ms);
		return;
	}
	if (strcmp(key, "tls_min_days") == 0) {
		cl_int(L, v, 0, 3650, &ep->tls_min_days);
		return;
	}
	if (strcmp(key, "addresses") == 0) {
		const char *a = cl_scalar(L, v, "string");

		if (a == NULL)
			return;
		if (strcmp(a, "all") == 0)
			ep->addresses_first = false;
		else if (strcmp(a, "first") == 0)
			ep->addresses_first = true;
		else
			cl_err(L, v, "addresses: expected all or first, found '%s'", a);
		return;
	}
	if (strcmp(key, "tls_ca") == 0) {
		if (cl_str(L, v, &s) == 0) {
			STACK_OF(X509) *sk;

			free(ep->tls_ca);
			ep->tls_ca = cl_path(L, s);
			if ((sk = load_certs(L, v, ep->tls_ca)) != NULL)
				sk_X509_pop_free(sk, X509_free);
		}
		free(s);
		return;
	}
	if (!ctx->kind_known) {
		/* Without a valid kind, kind-specific keys cannot be judged; only reject unknown ones. */
		for (size_t i = 0; i < NELEM(ep_keys); i++)
			if (strcmp(ep_keys[i].key, key) == 0)
				return;
		ok = -1;
	} else if (kind_key(L, "", key, k, v, ep))
		return;
	else
		ok = kind_allows(L, k, key, ep->kind, 0);
	if (ok == 0)
		return;
	if (ok < 0) {
		char known[512];

		with_kind_keys(known, sizeof(known),
		    "id, kind, url, addresses, interval, timeout, degraded_after, tls_min_days, tls_ca, expect, issuer, certificate, method, nonce, trust, hash",
		    ctx->kind_known ? ep->kind : KIND__MAX, "");
		cl_unknown(L, k, key, "endpoint", known);
		return;
	}
	if (strcmp(key, "issuer") == 0)
		load_cert(L, v, &ep->issuer_path, &ep->issuer);
	else if (strcmp(key, "certificate") == 0)
		load_cert(L, v, &ep->certificate_path, &ep->certificate);
	else if (strcmp(key, "trust") == 0) {
		if (cl_str(L, v, &s) == 0) {
			free(ep->trust_path);
			ep->trust_path = cl_path(L, s);
			sk_X509_pop_free(ep->trust, X509_free);
			ep->trust = load_certs(L, v, ep->trust_path);
		}
		free(s);
	} else if (strcmp(key, "method") == 0) {
		const char *m = cl_scalar(L, v, "string");
		int i;

		if (m == NULL)
			return;
		for (i = 0; i < OCSP_METHOD__MAX; i++)
			if (strcmp(m, ocsp_method_names[i]) == 0)
				break;
		if (i == OCSP_METHOD__MAX)
			cl_err(L, v, "method: expected auto, get or post, found '%s'", m);
		else
			ep->method = (enum ocsp_method)i;
	} else if (strcmp(key, "nonce") == 0)
		cl_bool(L, v, &ep->nonce);
	else if (strcmp(key, "hash") == 0) {
		const char *h = cl_scalar(L, v, "string");

		if (h == NULL)
			return;
		if (strcmp(h, "sha256") == 0)
			ep->hash_nid = NID_sha256;
		else if (strcmp(h, "sha384") == 0)
			ep->hash_nid = NID_sha384;
		else if (strcmp(h, "sha512") == 0)
			ep->hash_nid = NID_sha512;
		else
			cl_err(L, v, "hash: expected sha256, sha384 or sha512, found '%s'", h);
	}
}

/* Returns the value node of key in mapping n, or NULL. */
static cl_node_t *
map_get(struct loader *L, cl_node_t *n, const char *key, cl_node_t **knode)
{
	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (size_t p = 0; p < cl_count(n); p++) {
		cl_node_t *k = cl_pair_key(L, n, p);

		if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp(k->value, key) == 0) {
			if (knode)
				*knode = k;
			return cl_pair_value(L, n, p);
		}
	}
	return NULL;
}

static void
load_endpoint(struct loader *L, cl_node_t *n, struct conf_provider *p, struct conf_endpoint *ep)
{
	struct conf *c = L->c;
	struct ep_ctx ctx = { .ep = ep };
	cl_node_t *kv;
	const char *missing[4];
	size_t nmissing = 0;

	ep->provider = p;
	ep->line = (int)n->line + 1;
	ep->col = (int)n->column + 1;
	ep->interval_ms = ep->timeout_ms = ep->degraded_after_ms = -1;
	ep->tls_min_days = 14;
	ep->max_body = CONF_DEFAULT_MAX_BODY;
	ep->hash_nid = NID_sha256;
	ep->expect.max_age_ms = -1;
	ep->expect.min_remaining_ms = 3600000;
	ep->expect.max_skew_ms = 1000;
	if (n->type != YAML_MAPPING_NODE) {
		cl_err(L, n, "endpoints: expected a mapping with id, kind and url");
		ep->id = xstrdup("");	/* the duplicate-id check compares every id */
		return;
	}
	if ((kv = map_get(L, n, "kind", NULL)) != NULL) {
		const char *k;
		int i;

		snprintf(L->key, sizeof(L->key), "kind");
		if ((k = cl_scalar(L, kv, "string")) != NULL) {
			if ((i = kind_from_name(k)) < 0) {
				char all[256] = "";

				for (int j = 0; j < KIND__MAX; j++)
					snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
					    j == 0 ? "" : j == KIND__MAX - 1 ? " or " : ", ", kind_names[j]);
				cl_err(L, kv, "kind: unknown kind '%s' (expected %s)", k, all);
			} else {
				ep->kind = (enum probe_kind)i;
				ctx.kind_known = 1;
				if (kind_info(ep->kind)->conf_new != NULL)
					ep->kind_conf = kind_info(ep->kind)->conf_new();
			}
		}
	}
	cl_each(L, n, "endpoint", endpoint_key, &ctx);
	if (ep->id == NULL)
		missing[nmissing++] = "id";
	if (kv == NULL)
		missing[nmissing++] = "kind";
	if (ep->url == NULL && map_get(L, n, "url", NULL) == NULL &&
	    !(ctx.kind_known && kind_info(ep->kind)->no_url))
		missing[nmissing++] = "url";
	for (size_t i = 0; i < nmissing; i++)
		cl_err(L, n, "endpoint%s%s: missing required key '%s'", ep->id ? " " : "",
		    ep->id ? ep->id : "", missing[i]);
	if (ctx.kind_known) {
		if ((ep->kind == KIND_OCSP || ep->kind == KIND_CRL) &&
		    map_get(L, n, "issuer", NULL) == NULL)
			cl_err(L, n, "endpoint %s: missing required key 'issuer' (kind %s)",
			    ep->id ? ep->id : "?", kind_names[ep->kind]);
		if (ep->kind == KIND_OCSP && map_get(L, n, "certificate", NULL) == NULL)
			cl_err(L, n, "endpoint %s: missing required key 'certificate' (kind ocsp)",
			    ep->id ? ep->id : "?");
		if (ep->kind == KIND_TSA && map_get(L, n, "trust", NULL) == NULL)
			cl_err(L, n, "endpoint %s: missing required key 'trust' (kind tsa)",
			    ep->id ? ep->id : "?");
		if (kind_info(ep->kind)->conf_check != NULL) {
			struct conf_kv kvn = { L, NULL, n };

			kind_info(ep->kind)->conf_check(&kvn, ep);
		}
		if (ep->kind == KIND_LOGIN && ep->expect.oidc && ep->expect.saml_metadata)
			cl_err(L, n, "endpoint %s: expect.oidc and expect.saml_metadata exclude each other",
			    ep->id ? ep->id : "?");
	}
	if (ep->interval_ms < 0)
		ep->interval_ms = c->defaults.interval_ms;
	if (ep->timeout_ms < 0)
		ep->timeout_ms = c->defaults.timeout_ms;
	if (ep->degraded_after_ms < 0)
		ep->degraded_after_ms = c->defaults.degraded_after_ms;
	if (ep->expect.max_age_ms < 0)
		ep->expect.max_age_ms = ep->kind == KIND_CRL ? 7 * 86400000LL : 4 * 86400000LL;
	if (ep->id == NULL)
		ep->id = xstrdup("");
}

/* The endpoint ids of one provider seen so far: 10,000 endpoints are not compared pairwise. */
struct id_set {
	struct id_slot {
		uint32_t first;		/* index of the first endpoint with the id, + 1; 0 = free */
		uint32_t count;		/* endpoints with the id so far */
	}		*v;
	size_t		 cap;		/* a power of 2, at least twice the endpoints */
};

static struct id_set
id_set_new(size_t n)
{
	struct id_set s = { .cap = 16 };

	while (s.cap < 2 * n)
		s.cap *= 2;
	s.v = xcalloc(s.cap, sizeof(*s.v));
	return s;
}

/* Adds eps[i].id; returns how many earlier endpoints have the same id. */
static size_t
id_set_add(struct id_set *s, const struct conf_endpoint *eps, size_t i)
{
	uint64_t h = 1469598103934665603ULL;
	size_t at;

	for (const unsigned char *c = (const unsigned char *)eps[i].id; *c; c++) {
		h ^= *c;
		h *= 1099511628211ULL;
	}
	for (at = h & (s->cap - 1); s->v[at].first != 0; at = (at + 1) & (s->cap - 1))
		if (strcmp(eps[s->v[at].first - 1].id, eps[i].id) == 0)
			return s->v[at].count++;
	s->v[at].first = (uint32_t)i + 1;
	s->v[at].count = 1;
	return 0;
}

static void
provider_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf_provider *p = arg;
	struct id_set ids;

	if (strcmp(key, "id") == 0)
		cl_id(L, v, &p->id);
	else if (strcmp(key, "name") == 0)
		cl_str(L, v, &p->name);
	else if (strcmp(key, "group") == 0)
		cl_str(L, v, &p->group);
	else if (strcmp(key, "alerts_to") == 0)
		cl_addrs(L, v, &p->alerts_to, &p->n_alerts_to);
	else if (strcmp(key, "endpoints") == 0) {
		if (v->type != YAML_SEQUENCE_NODE) {
			cl_err(L, v, "endpoints: expected a list of endpoints");
			return;
		}
		p->n_endpoints = cl_count(v);
		p->endpoints = xcalloc(p->n_endpoints, sizeof(*p->endpoints));
		ids = id_set_new(p->n_endpoints);
		for (size_t i = 0; i < p->n_endpoints; i++) {
			cl_node_t *e = cl_item(L, v, i);
			size_t before;

			load_endpoint(L, e, p, &p->endpoints[i]);
			if (p->endpoints[i].id[0] == '\0')
				continue;
			/* One error per earlier endpoint of the same id, as a pairwise check. */
			before = id_set_add(&ids, p->endpoints, i);
			for (size_t j = 0; j < before; j++)
				cl_err(L, e, "duplicate endpoint id '%s' in provider %s",
				    p->endpoints[i].id, p->id ? p->id : "?");
		}
		free(ids.v);
		/* What an endpoint names among its provider's others, once all are read. */
		for (size_t i = 0; i < p->n_endpoints; i++) {
			struct conf_kv kvn = { L, NULL, cl_item(L, v, i) };
			struct conf_endpoint *ep = &p->endpoints[i];

			if (ep->kind_conf != NULL && kind_info(ep->kind)->conf_check_provider)
				kind_info(ep->kind)->conf_check_provider(&kvn, ep, p);
		}
	} else if (cl_deps_key(L, key, v, p) == 0)
		cl_unknown(L, k, key, "provider",
		    "id, name, group, alerts_to, endpoints, depends_on, alternatives");
}

void
cl_section_providers(struct loader *L, cl_node_t *n)
{
	struct conf *c = L->c;

	if (n->type != YAML_SEQUENCE_NODE) {
		cl_err(L, n, "providers: expected a list of providers");
		return;
	}
	c->n_providers = cl_count(n);
	if (c->n_providers == 0) {
		cl_err(L, n, "providers: at least one provider is required");
		return;
	}
	c->providers = xcalloc(c->n_providers, sizeof(*c->providers));
	for (size_t i = 0; i < c->n_providers; i++) {
		cl_node_t *e = cl_item(L, n, i);
		struct conf_provider *p = &c->providers[i];

		p->line = (int)e->line + 1;
		p->col = (int)e->column + 1;
		cl_each(L, e, "provider", provider_key, p);
		if (e->type == YAML_MAPPING_NODE) {
			if (p->id == NULL && map_get(L, e, "id", NULL) == NULL)
				cl_err(L, e, "provider: missing required key 'id'");
			if (map_get(L, e, "endpoints", NULL) == NULL)
				cl_err(L, e, "provider %s: missing required key 'endpoints'",
				    p->id ? p->id : "?");
		}
		if (p->id == NULL)
			p->id = xstrdup("");
		if (p->name == NULL)
			p->name = xstrdup(p->id);
		for (size_t j = 0; j < i; j++)
			if (p->id[0] != '\0' && strcmp(c->providers[j].id, p->id) == 0) {
				cl_node_t *kn = NULL;

				map_get(L, e, "id", &kn);
				cl_err(L, kn ? kn : e, "duplicate provider id '%s'", p->id);
			}
	}
}
