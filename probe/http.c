/*
 * HTTP transport helpers: easy-handle setup and the translation of curl's outcome.
 * See http.h for the contract; engine.c drives the handles on a curl multi.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "http.h"

#ifndef TW_VERSION
#define TW_VERSION "dev"
#endif

/* SSL_CTX ex_data slot holding the transfer (struct http_xfer *) of the connection. */
static int ctx_xfer_idx = -1;

int
http_global_init(void)
{
	static int done;

	if (done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((ctx_xfer_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL)) < 0)
		return -1;
	done = 1;
	return 0;
}

/* Appends decoded body bytes; refuses (aborting the transfer) past max_body. */
static size_t
write_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct http_xfer *x = arg;

	n *= sz;
	if (n > x->max_body || x->body.len > x->max_body - n) {
		x->body_too_large = 1;
		return 0;
	}
	buf_append(&x->body, p, n);
	return n;
}

void
http_seen_note(struct http_seen *s, SSL *ssl, int capture)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) *sent;
	const unsigned char *p = NULL;
	int64_t ms;
	long n;

	s->https_seen = 1;
	if (s->tls_version[0] == '\0') {
		snprintf(s->tls_version, sizeof(s->tls_version), "%s", SSL_get_version(ssl));
		snprintf(s->tls_cipher, sizeof(s->tls_cipher), "%s",
		    SSL_get_cipher_name(ssl) ? SSL_get_cipher_name(ssl) : "");
	}
	if (leaf != NULL && probe_asn1_time_ms(X509_get0_notAfter(leaf), &ms) == 0 &&
	    (s->tls_not_after_ms == 0 || ms < s->tls_not_after_ms))
		s->tls_not_after_ms = ms;
	if (!capture || s->chain != NULL)
		return;
	/* On the client side the stack holds the leaf too (SSL_get_peer_cert_chain(3)). */
	if ((sent = SSL_get_peer_cert_chain(ssl)) != NULL &&
	    (s->chain = sk_X509_new_null()) != NULL)
		for (int i = 0; i < sk_X509_num(sent); i++)
			if (sk_X509_push(s->chain, sk_X509_value(sent, i)) > 0)
				X509_up_ref(sk_X509_value(sent, i));
	if ((n = SSL_get_tlsext_status_ocsp_resp(ssl, &p)) > 0 && p != NULL) {
		s->stapled = xmalloc((size_t)n);
		memcpy(s->stapled, p, (size_t)n);
		s->stapled_len = (size_t)n;
	}
}

void
http_seen_fill(const struct http_seen *s, struct probe_response *resp)
{
	resp->tls_not_after_ms = s->tls_not_after_ms;
	resp->tls_version = s->tls_version[0] != '\0' ? s->tls_version : NULL;
	resp->tls_cipher = s->tls_version[0] != '\0' ? s->tls_cipher : NULL;
	resp->capture.chain = s->chain;
	resp->capture.stapled = s->stapled;
	resp->capture.stapled_len = s->stapled_len;
	resp->capture.hsts = s->hsts;
}

void
http_seen_clear(struct http_seen *s)
{
	sk_X509_pop_free(s->chain, X509_free);
	free(s->stapled);
	free(s->hsts);
	memset(s, 0, sizeof(*s));
}

/* Records what the live connection of x shows (http_seen_note), through libcurl. */
static void
note_peer_cert(struct http_xfer *x)
{
	struct curl_tlssessioninfo *info = NULL;

	if (curl_easy_getinfo(x->easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK ||
	    info == NULL || info->backend != CURLSSLBACKEND_OPENSSL || info->internals == NULL ||
	    SSL_get0_peer_certificate(info->internals) == NULL)
		return;
	http_seen_note(&x->seen, info->internals, x->capture);
}

/* Counts header bytes per response; refuses past HTTP_MAX_HEADER_BYTES. */
static size_t
header_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct http_xfer *x = arg;

	n *= sz;
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->hdr_bytes = 0;
		x->nresp++;
		note_peer_cert(x);
	}
	/* RFC 6797 §8.1: the first such header of the first response counts. */
	if (x->capture && x->nresp == 1 && x->seen.hsts == NULL && n > 26 &&
	    strncasecmp(p, "Strict-Transport-Security:", 26) == 0) {
		size_t a = 26, b = n;

		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == '\r' || p[b - 1] == '\n' || p[b - 1] == ' '))
			b--;
		x->seen.hsts = xstrndup(p + a, b - a);
	}
	x->hdr_bytes += n;
	if (x->hdr_bytes > HTTP_MAX_HEADER_BYTES) {
		x->hdr_too_large = 1;
		return 0;
	}
	return n;
}

/* Writes name as "CN=..." (else its RFC 2253 form), at most 64 bytes, controls as '?'. */
static void
name_text(const X509_NAME *name, char *buf, size_t n)
{
	int i = name != NULL ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
	unsigned char *u = NULL;
	char tmp[256] = "";
	BIO *b;

	if (i >= 0 && ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, i))) >= 0)
		snprintf(tmp, sizeof(tmp), "CN=%s", u);
	else if (name != NULL && (b = BIO_new(BIO_s_mem())) != NULL) {
		int k = X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 ?
		    BIO_read(b, tmp, sizeof(tmp) - 1) : 0;

		tmp[k > 0 ? k : 0] = '\0';
		BIO_free(b);
		if (tmp[0] == '\0')
			snprintf(tmp, sizeof(tmp), "(empty name)");
	}
	OPENSSL_free(u);
	ERR_clear_error();
	snprintf(buf, n, "%.64s%s", tmp, strlen(tmp) > 64 ? "..." : "");
	for (char *p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Returns 1 if c is (a copy of) one of the certificates in sk. */
static int
cert_in(STACK_OF(X509) *sk, X509 *c)
{
	for (int i = 0; sk != NULL && c != NULL && i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), c) == 0)
			return 1;
	return 0;
}

/*
 * Explains a failed chain check into buf: what the server sent and where the chain stops.
 * "the server sent 1 certificate (CN=leaf); its issuer CN=Intermediate CA is neither
 * sent nor trusted: the server omits its intermediate certificate", or "... the chain
 * ends at CN=Private Root, which is not in the system store or tls_ca".
 */
void
http_chain_explain(X509_STORE_CTX *sctx, char *buf, size_t n)
{
	STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(sctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(sctx);
	int err = X509_STORE_CTX_get_error(sctx);
	int depth = X509_STORE_CTX_get_error_depth(sctx);
	int nsent = sent != NULL ? sk_X509_num(sent) : 0;
	char subj[80], iss[80], nm[80];
	size_t len;

	len = (size_t)snprintf(buf, n, "the server sent %d certificate%s", nsent,
	    nsent == 1 ? "" : "s");
	for (int i = 0; i < nsent && i < 4 && len < n; i++) {
		name_text(X509_get_subject_name(sk_X509_value(sent, i)), nm, sizeof(nm));
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i == 0 ? " (" : ", ", nm);
	}
	if (nsent > 0 && len < n)
		len += (size_t)snprintf(buf + len, n - len, "%s)", nsent > 4 ? ", ..." : "");
	if (len >= n)
		return;
	name_text(cur != NULL ? X509_get_subject_name(cur) : NULL, subj, sizeof(subj));
	name_text(cur != NULL ? X509_get_issuer_name(cur) : NULL, iss, sizeof(iss));
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		if (depth == 0 && nsent <= 1)
			snprintf(buf + len, n - len, "; its issuer %s is neither sent nor trusted: "
			    "the server omits its intermediate certificate (or, if %s is a root, "
			    "it is not in the system store or tls_ca)", iss, iss);
		else
			snprintf(buf + len, n - len, "; the chain ends at %s, whose issuer %s is "
			    "neither sent by the server nor in the system store or tls_ca", subj, iss);
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(buf + len, n - len, "; the chain ends at %s, a root %s, which is not in "
		    "the system store or tls_ca", subj,
		    cert_in(sent, cur) ? "the server sent" : "found");
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		snprintf(buf + len, n - len, "; %s is self-signed and not in the system store or "
		    "tls_ca", subj);
		break;
	default:
		snprintf(buf + len, n - len, "; the check failed at %s (%s, depth %d): %s", subj,
		    depth == 0 ? "the server's own" : cert_in(sent, cur) ? "sent by the server" :
		    "from the trust store", depth, X509_verify_cert_error_string(err));
		break;
	}
}

/* OpenSSL's verify callback: never changes the verdict, explains the first failure. */
static int
tls_verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct http_xfer *x;

	if (ok || ssl == NULL ||
	    (x = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_xfer_idx)) == NULL ||
	    x->tls_why[0] != '\0')
		return ok;
	http_chain_explain(sctx, x->tls_why, sizeof(x->tls_why));
	return ok;
}

/*
 * The weak suites the posture check offers (SPEC §14): no forward secrecy (RSA key
 * exchange), 3DES, RC4, DES, NULL, export and anonymous suites; those this OpenSSL does
 * not build are skipped by it.
 */
#define HTTP_WEAK_SUITES	"kRSA:3DES:RC4:DES:eNULL:aNULL:EXP:@SECLEVEL=0"

/*
 * Sets up a posture handshake on ctx: the versions and suites to offer, security level 0
 * (OpenSSL 3 refuses TLS 1.0/1.1 above it), no verification. Returns 0, or -1 when this
 * OpenSSL cannot offer what was asked.
 */
static int
posture_ctx(SSL_CTX *ctx, enum probe_tls tls)
{
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (tls == PROBE_TLS_LEGACY)
		return SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1 &&
		    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION) == 1 &&
		    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") == 1 ? 0 : -1;
	return SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1 &&
	    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) == 1 &&
	    SSL_CTX_set_cipher_list(ctx, HTTP_WEAK_SUITES) == 1 ? 0 : -1;
}

/* A posture handshake completed: what was negotiated (CONNECT_ONLY sends nothing after). */
static void
posture_info_cb(const SSL *ssl, int where, int ret)
{
	struct http_xfer *x;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE) ||
	    (x = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_xfer_idx)) == NULL)
		return;
	snprintf(x->seen.tls_version, sizeof(x->seen.tls_version), "%s", SSL_get_version(ssl));
	snprintf(x->seen.tls_cipher, sizeof(x->seen.tls_cipher), "%s",
	    SSL_get_cipher_name(ssl) ? SSL_get_cipher_name(ssl) : "");
}

/* Hands the connection its prepared trust store (tls_ca) and the chain explainer. */
static CURLcode
ssl_ctx_cb(CURL *easy, void *sslctx, void *arg)
{
	struct http_xfer *x = arg;

	(void)easy;
	if (x->tls == PROBE_TLS_LEGACY || x->tls == PROBE_TLS_WEAK) {
		if (posture_ctx(sslctx, x->tls) != 0) {
			ERR_clear_error();
			snprintf(x->tls_why, sizeof(x->tls_why), "this OpenSSL cannot offer %s",
			    x->tls == PROBE_TLS_LEGACY ? "TLS 1.0 or 1.1" : "any weak suite");
			return CURLE_SSL_CIPHER;
		}
		if (SSL_CTX_set_ex_data(sslctx, ctx_xfer_idx, x) != 1)
			return CURLE_OUT_OF_MEMORY;
		SSL_CTX_set_info_callback(sslctx, posture_info_cb);
		return CURLE_OK;
	}
	/* Ask for a stapled OCSP response (RFC 6066 §8); libcurl does not unless verifying it. */
	if (x->capture)
		SSL_CTX_set_tlsext_status_type(sslctx, TLSEXT_STATUSTYPE_ocsp);
	if (x->store != NULL) {
		if (X509_STORE_up_ref(x->store) != 1)
			return CURLE_SSL_CACERT_BADFILE;
		SSL_CTX_set_cert_store(sslctx, x->store);
	}
	if (SSL_CTX_set_ex_data(sslctx, ctx_xfer_idx, x) != 1)
		return CURLE_OUT_OF_MEMORY;
	SSL_CTX_set_verify(sslctx, SSL_VERIFY_PEER, tls_verify_cb);
	return CURLE_OK;
}

/*
 * Returns curl's built-in CA bundle file when it exists, else NULL. Whether it exists is
 * looked up again only every HTTP_TRUST_TTL_MS, as the trust stores are rebuilt: not a
 * system call in every probe.
 */
static const char *
ca_bundle(CURL *e)
{
	static _Thread_local int64_t checked_ms = INT64_MIN;
	static _Thread_local const char *found;
	char *cafile = NULL;

	if (checked_ms != INT64_MIN && mono_ms() - checked_ms < HTTP_TRUST_TTL_MS)
		return found;
	found = NULL;
	if (curl_easy_getinfo(e, CURLINFO_CAINFO, &cafile) == CURLE_OK && cafile != NULL &&
	    access(cafile, R_OK) == 0)
		found = cafile;
	checked_ms = mono_ms();
	return found;
}

/* Returns every certificate in the PEM file path (caller frees), or NULL. */
static STACK_OF(X509) *
load_certs(const char *path)
{
	STACK_OF(X509) *sk;
	BIO *bio;
	X509 *c;

	if ((bio = file_bio(path)) == NULL)
		return NULL;
	if ((sk = sk_X509_new_null()) == NULL) {
		BIO_free(bio);
		return NULL;
	}
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(sk, c) <= 0) {
			X509_free(c);
			break;
		}
	ERR_clear_error();
	BIO_free(bio);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

/*
 * Returns a new store: the system trust (bundle, or OpenSSL's default paths) plus tls_ca
 * ("" = the system trust alone).
 */
static X509_STORE *
trust_build(const char *bundle, const char *tls_ca, char *err, size_t errsz)
{
	STACK_OF(X509) *sk = NULL;
	X509_STORE *st;

	if (tls_ca[0] != '\0' && (sk = load_certs(tls_ca)) == NULL) {
		snprintf(err, errsz, "tls_ca %s: no certificate could be read", tls_ca);
		return NULL;
	}
	if ((st = X509_STORE_new()) == NULL ||
	    (bundle != NULL ? X509_STORE_load_file(st, bundle) : X509_STORE_set_default_paths(st))
	    != 1) {
		snprintf(err, errsz, "cannot load the system trust store %s",
		    bundle != NULL ? bundle : "(OpenSSL default paths)");
		X509_STORE_free(st);
		sk_X509_pop_free(sk, X509_free);
		ERR_clear_error();
		return NULL;
	}
	for (int i = 0; sk != NULL && i < sk_X509_num(sk); i++)
		if (X509_STORE_add_cert(st, sk_X509_value(sk, i)) != 1)
			ERR_clear_error();	/* a duplicate of a system anchor is fine */
	/* As curl sets its own store up. */
	X509_STORE_set_flags(st, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
	sk_X509_pop_free(sk, X509_free);
	return st;
}

struct trust_entry {
	struct trust_entry *next;
	char		*tls_ca;
	X509_STORE	*store;
	int64_t		 built_ms;
};

struct http_trust {
	struct trust_entry *head;
};

struct http_trust *
http_trust_new(void)
{
	return xcalloc(1, sizeof(struct http_trust));
}

void
http_trust_free(struct http_trust *t)
{
	struct trust_entry *e;

	if (t == NULL)
		return;
	while ((e = t->head) != NULL) {
		t->head = e->next;
		X509_STORE_free(e->store);
		free(e->tls_ca);
		free(e);
	}
	free(t);
}

/* Returns a new reference to the store for tls_ca (from t when fresh), or NULL with err. */
static X509_STORE *
trust_get(struct http_trust *t, const char *bundle, const char *tls_ca, char *err, size_t errsz)
{
	struct trust_entry *e = NULL;
	X509_STORE *st;

	if (t != NULL)
		for (e = t->head; e != NULL && strcmp(e->tls_ca, tls_ca) != 0; e = e->next)
			;
	if (e != NULL && mono_ms() - e->built_ms < HTTP_TRUST_TTL_MS &&
	    X509_STORE_up_ref(e->store) == 1)
		return e->store;
	if ((st = trust_build(bundle, tls_ca, err, errsz)) == NULL)
		return NULL;
	if (t == NULL)
		return st;
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->tls_ca = xstrdup(tls_ca);
		e->next = t->head;
		t->head = e;
	}
	X509_STORE_free(e->store);
	e->store = st;
	e->built_ms = mono_ms();
	if (X509_STORE_up_ref(st) != 1) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	return st;
}

static CURL *easy_take(void);
static void easy_give(CURL *e);

X509_STORE *
http_trust_store(struct http_trust *t, const char *tls_ca, char *err, size_t errsz)
{
	const char *bundle = NULL;
	CURL *e;

	if ((e = easy_take()) != NULL) {
		bundle = ca_bundle(e);
		easy_give(e);
	}
	return trust_get(t, bundle, tls_ca != NULL ? tls_ca : "", err, errsz);
}

/*
 * Makes transfer e leave from the local address addr (an IP literal, checked by the
 * config loader), or from the system's choice when addr is NULL.
 * The "host!" prefix tells libcurl it is an address, never an interface name; a literal
 * is never looked up. Returns 0, or -1 when libcurl refuses it.
 */
int
http_bind_source(CURL *e, const char *addr)
{
	char *spec;
	CURLcode rc;

	if (addr == NULL)
		return 0;
	spec = xasprintf("host!%s", addr);
	rc = curl_easy_setopt(e, CURLOPT_INTERFACE, spec);	/* curl copies it */
	free(spec);
	return rc == CURLE_OK ? 0 : -1;
}

/*
 * Idle easy handles, reset (curl_easy_reset: every option back to its default, no
 * connection, DNS answer or TLS session kept, as FRESH_CONNECT, FORBID_REUSE,
 * DNS_CACHE_TIMEOUT 0 and SSL_SESSIONID_CACHE 0 keep none) for the next transfer:
 * creating and destroying one per probe cost ~12 k instructions (issue 22).
 */
#define HTTP_EASY_POOL	64

static _Thread_local CURL *easy_pool[HTTP_EASY_POOL];
static _Thread_local size_t easy_pooled;

static CURL *
easy_take(void)
{
	return easy_pooled > 0 ? easy_pool[--easy_pooled] : curl_easy_init();
}

size_t
http_easy_idle(void)
{
	return easy_pooled;
}

/* Takes back e, which no multi holds any more. */
static void
easy_give(CURL *e)
{
	if (easy_pooled == HTTP_EASY_POOL) {
		curl_easy_cleanup(e);
		return;
	}
	curl_easy_reset(e);
	easy_pool[easy_pooled++] = e;
}

/*
 * The request headers of a transfer, built once per distinct (post, Content-Type,
 * Accept) and kept for the process: a kind asks with the same few every time. libcurl
 * only reads the list. Returns NULL when the table is full (the caller builds its own).
 */
#define HTTP_HEADER_SETS	16

static _Thread_local struct header_set {
	int		 post;
	char		*content_type, *accept;	/* NULL = none */
	struct curl_slist *list;
} header_sets[HTTP_HEADER_SETS];
static _Thread_local size_t n_header_sets;

void
http_thread_clear(void)
{
	while (easy_pooled > 0)
		curl_easy_cleanup(easy_pool[--easy_pooled]);
	for (size_t i = 0; i < n_header_sets; i++) {
		curl_slist_free_all(header_sets[i].list);
		free(header_sets[i].content_type);
		free(header_sets[i].accept);
	}
	n_header_sets = 0;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Appends "name: value" to *l when value is set; -1 when out of memory (*l kept). */
static int
header_add(struct curl_slist **l, const char *name, const char *value)
{
	struct curl_slist *n;
	char *h;

	if (value == NULL)
		return 0;
	h = xasprintf("%s: %s", name, value);
	n = curl_slist_append(*l, h);
	free(h);
	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

static struct curl_slist *
headers_build(int post, const char *content_type, const char *accept)
{
	struct curl_slist *l = NULL;

	if (post && (l = curl_slist_append(l, "Expect:")) == NULL)
		return NULL;
	if (header_add(&l, "Content-Type", content_type) != 0 ||
	    header_add(&l, "Accept", accept) != 0) {
		curl_slist_free_all(l);
		return NULL;
	}
	return l;
}

static struct curl_slist *
headers_shared(int post, const char *content_type, const char *accept)
{
	struct header_set *hs;

	for (size_t i = 0; i < n_header_sets; i++) {
		hs = &header_sets[i];
		if (hs->post == post && same_str(hs->content_type, content_type) &&
		    same_str(hs->accept, accept))
			return hs->list;
	}
	if (n_header_sets == HTTP_HEADER_SETS)
		return NULL;
	hs = &header_sets[n_header_sets];
	if ((hs->list = headers_build(post, content_type, accept)) == NULL)
		return NULL;
	hs->post = post;
	hs->content_type = content_type != NULL ? xstrdup(content_type) : NULL;
	hs->accept = accept != NULL ? xstrdup(accept) : NULL;
	n_header_sets++;
	return hs->list;
}

#define SETOPT(o, v) do { if (curl_easy_setopt(e, (o), (v)) != CURLE_OK) goto fail; } while (0)

struct http_xfer *
http_xfer_new(const struct conf_endpoint *ep, const struct probe_request *req,
    struct http_trust *trust, void *owner, char *err, size_t errsz)
{
	struct http_xfer *x = xcalloc(1, sizeof(*x));
	struct curl_slist *hl;
	const char *bundle;
	CURL *e;

	x->owner = owner;
	x->tls = req->tls;
	x->capture = req->capture;
	x->max_body = ep->max_body ? ep->max_body : CONF_DEFAULT_MAX_BODY;
	snprintf(err, errsz, "cannot set up the HTTP request for %s", req->url);
	if ((e = x->easy = easy_take()) == NULL)
		goto fail;
	SETOPT(CURLOPT_PRIVATE, x);
	SETOPT(CURLOPT_URL, req->url);
	SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_USERAGENT, "trustwatch/" TW_VERSION);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	/* Every probe as a new user: no reused connection, DNS answer or TLS session. */
	SETOPT(CURLOPT_FRESH_CONNECT, 1L);
	SETOPT(CURLOPT_FORBID_REUSE, 1L);
	SETOPT(CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	SETOPT(CURLOPT_SSL_SESSIONID_CACHE, 0L);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->tls == PROBE_TLS_LEGACY || req->tls == PROBE_TLS_WEAK) {
		/* A handshake attempt: nothing verified, nothing sent after it. */
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
		SETOPT(CURLOPT_CONNECT_ONLY, 1L);
		SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
		SETOPT(CURLOPT_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_0 |
		    (req->tls == PROBE_TLS_LEGACY ? CURL_SSLVERSION_MAX_TLSv1_1 :
		    CURL_SSLVERSION_MAX_TLSv1_2)));
		SETOPT(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
		SETOPT(CURLOPT_SSL_CTX_DATA, x);
	}
	if (http_bind_source(e, ep->source_address) != 0) {
		snprintf(err, errsz, "cannot bind the source address %s", ep->source_address);
		goto fail;
	}
	if (ep->timeout_ms > 0)
		SETOPT(CURLOPT_TIMEOUT_MS, (long)ep->timeout_ms);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, x);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, x);
	/*
	 * With a CA bundle file, the system store is that file alone (no CApath) so
	 * that curl parses it once per multi instead of inside every handshake, which
	 * would also inflate the tls timing.
	 */
	bundle = ca_bundle(e);
	if (bundle != NULL)
		SETOPT(CURLOPT_CAPATH, (char *)NULL);
	if (ep->tls_ca != NULL) {
		/*
		 * System plus tls_ca: our own store, prepared in trust, handed to the
		 * connection; curl loads nothing and caches nothing for this transfer,
		 * so tls_ca never leaks into another endpoint's trust.
		 */
		if ((x->store = trust_get(trust, bundle, ep->tls_ca, err, errsz)) == NULL)
			goto fail;
		SETOPT(CURLOPT_CAINFO, (char *)NULL);
		SETOPT(CURLOPT_CAPATH, (char *)NULL);
		SETOPT(CURLOPT_CA_CACHE_TIMEOUT, 0L);
		SETOPT(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
		SETOPT(CURLOPT_SSL_CTX_DATA, x);
	} else if (curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb) == CURLE_OK) {
		/* Only to explain a failed chain: a TLS backend without it still verifies. */
		SETOPT(CURLOPT_SSL_CTX_DATA, x);
	}
	if (req->side)
		SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	if (req->post) {
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(CURLOPT_POSTFIELDS, req->body != NULL ? (char *)req->body : "");
	}
	if (req->post || req->content_type != NULL || req->accept != NULL) {
		hl = headers_shared(req->post, req->content_type, req->accept);
		if (hl == NULL && (hl = x->headers = headers_build(req->post, req->content_type,
		    req->accept)) == NULL)
			goto fail;
		SETOPT(CURLOPT_HTTPHEADER, hl);
	}
	return x;
fail:
	http_xfer_free(x);
	return NULL;
}

#undef SETOPT

/* Returns the curl timer t (µs) in ms, or -1 when it was never reached. */
static double
timer_ms(CURL *e, CURLINFO what)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(e, what, &us) != CURLE_OK || us <= 0)
		return -1;
	return (double)us / 1000.0;
}

static void
fill_timings(struct http_xfer *x, CURLcode rc, double *t)
{
	double nl = timer_ms(x->easy, CURLINFO_NAMELOOKUP_TIME_T);
	double co = timer_ms(x->easy, CURLINFO_CONNECT_TIME_T);
	double ap = timer_ms(x->easy, CURLINFO_APPCONNECT_TIME_T);
	double st = timer_ms(x->easy, CURLINFO_STARTTRANSFER_TIME_T);
	double tt = timer_ms(x->easy, CURLINFO_TOTAL_TIME_T);

	for (int i = 0; i < PHASE__MAX; i++)
		t[i] = -1;
	if (rc != CURLE_COULDNT_RESOLVE_HOST && (nl >= 0 || co >= 0))
		t[PHASE_DNS] = nl >= 0 ? nl : 0;
	if (co >= 0)
		t[PHASE_CONNECT] = co - (nl >= 0 ? nl : 0);
	if (ap >= 0 && co >= 0)
		t[PHASE_TLS] = ap - co;
	if (st >= 0)
		t[PHASE_TTFB] = st;
	t[PHASE_TOTAL] = tt >= 0 ? tt : 0;
	for (int i = 0; i < PHASE__MAX; i++)
		if (t[i] < -0.5)
			t[i] = -1;
		else if (t[i] < 0)
			t[i] = 0;	/* rounding between curl's timers */
}

static int
is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

static int
is_network_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return 1;
	default:
		return 0;
	}
}

void
http_xfer_outcome(struct http_xfer *x, CURLcode rc, struct http_outcome *out)
{
	static const unsigned char empty[1];
	const char *why = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc);
	long code = 0, redirects = 0;
	char *ct = NULL, *url = NULL;
	double total;

	memset(out, 0, sizeof(*out));
	fill_timings(x, rc, out->timings);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
	if (x->seen.tls_not_after_ms == 0 && rc == CURLE_OK)
		note_peer_cert(x);
	total = out->timings[PHASE_TOTAL];
	if (!x->seen.https_seen)
		out->timings[PHASE_TLS] = -1;

	out->resp.http_status = code;
	out->resp.body = x->body.data != NULL ? x->body.data : empty;
	out->resp.len = x->body.len;
	out->resp.content_type = ct;
	out->resp.effective_url = url != NULL ? url : "";
	out->resp.redirects = (int)redirects;
	out->resp.rtt_ms = total;
	http_seen_fill(&x->seen, &out->resp);

	out->reason = REASON_OK;
	if (x->body_too_large) {
		out->reason = REASON_TOO_LARGE;
		snprintf(out->message, sizeof(out->message),
		    "response body exceeds %zu bytes after decoding", x->max_body);
	} else if (x->hdr_too_large) {
		out->reason = REASON_TOO_LARGE;
		snprintf(out->message, sizeof(out->message),
		    "response headers exceed %u bytes", HTTP_MAX_HEADER_BYTES);
	} else if (rc == CURLE_OK) {
		return;
	} else if (rc == CURLE_INTERFACE_FAILED) {
		/* This node cannot use its own node.source_address: not the provider's fault. */
		out->reason = REASON_INTERNAL;
		snprintf(out->message, sizeof(out->message), "cannot leave from node.source_address: %s",
		    why);
	} else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
		out->reason = REASON_DNS;
		snprintf(out->message, sizeof(out->message), "%s", why);
	} else if (rc == CURLE_COULDNT_CONNECT || is_network_error(rc)) {
		out->reason = REASON_CONNECT;
		snprintf(out->message, sizeof(out->message), "%s", why);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		out->reason = REASON_TIMEOUT;
		snprintf(out->message, sizeof(out->message), "no complete response within %.0f ms (%s)",
		    total, why);
	} else if (is_tls_error(rc)) {
		out->reason = REASON_TLS;
		snprintf(out->message, sizeof(out->message), "TLS: %s%s%s", why,
		    x->tls_why[0] != '\0' ? ": " : "", x->tls_why);
	} else if (rc == CURLE_TOO_MANY_REDIRECTS) {
		out->reason = REASON_HTTP_STATUS;
		snprintf(out->message, sizeof(out->message),
		    "more than %d redirects (last HTTP status %ld)", HTTP_MAX_REDIRECTS, code);
	} else if ((rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) &&
	    code >= 300 && code < 400) {
		out->reason = REASON_HTTP_STATUS;
		snprintf(out->message, sizeof(out->message),
		    "HTTP status %ld redirects to a URL that is not http or https (%s)", code, why);
	} else if (rc == CURLE_BAD_CONTENT_ENCODING) {
		out->reason = REASON_MALFORMED;
		snprintf(out->message, sizeof(out->message), "undecodable response body: %s", why);
	} else {
		out->reason = REASON_INTERNAL;
		snprintf(out->message, sizeof(out->message), "%s", why);
	}
}

void
http_xfer_free(struct http_xfer *x)
{
	if (x == NULL)
		return;
	/* A CONNECT_ONLY handle may still hold its connection for curl_easy_send/recv. */
	if (x->easy != NULL && (x->tls == PROBE_TLS_LEGACY || x->tls == PROBE_TLS_WEAK))
		curl_easy_cleanup(x->easy);
	else if (x->easy != NULL)
		easy_give(x->easy);
	curl_slist_free_all(x->headers);
	X509_STORE_free(x->store);
	http_seen_clear(&x->seen);
	buf_free(&x->body);
	free(x);
}
