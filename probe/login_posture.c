/*
 * The TLS posture check of a login endpoint (SPEC §14); see login_posture.h.
 * References: RFC 8996 (TLS 1.0 and 1.1 deprecated), CA/Browser Forum Baseline
 * Requirements §6.1.5-6.1.6 (RSA ≥ 2048, EC P-256 and up) and §7.1.3 (no SHA-1),
 * Mozilla Root Store Policy §5.1, RFC 5280 §4.2.2.1 / §4.2.1.13 (AIA, CDP),
 * RFC 6066 §8 (OCSP stapling), RFC 6797 (HSTS).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "login_posture.h"
#include "ocsp.h"
#include "../core/util.h"

#define N_(s)	(s)	/* an English msgid, translated by report/po */

/* The checks, as the endpoint page names them. */
#define CHECK_PROTOCOLS	N_("Protocol versions")
#define CHECK_SUITES	N_("Cipher suites")
#define CHECK_CHAIN	N_("Certificate chain")
#define CHECK_KEYS	N_("Keys and signatures")
#define CHECK_OCSP	N_("Revocation (OCSP)")
#define CHECK_CRL	N_("Revocation (CRL)")
#define CHECK_STAPLING	N_("OCSP stapling")
#define CHECK_HSTS	N_("HSTS")

const struct detail_field posture_fields[POSTURE__MAX] = {
	[POSTURE_FINDINGS] = { "posture", DETAIL_TYPE_LIST, 0,
	    "TLS posture (expect.posture): one {check, severity (ok, info, degraded, down), "
	    "text, reason} per check" },
	[POSTURE_TLS_VERSION] = { "tls_version", DETAIL_TYPE_STRING, 0,
	    "TLS version the page request negotiated (expect.posture)" },
	[POSTURE_CHAIN_SENT] = { "chain_sent", DETAIL_TYPE_INTEGER, 0,
	    "certificates the server sent, its own included (expect.posture)" },
	[POSTURE_STAPLING] = { "ocsp_stapling", DETAIL_TYPE_STRING, 0,
	    "stapled OCSP response: good, revoked, unusable or none (expect.posture)" },
	[POSTURE_HSTS_MAX_AGE] = { "hsts_max_age", DETAIL_TYPE_INTEGER, 0,
	    "Strict-Transport-Security max-age in seconds, absent without the header" },
};

enum posture_step {
	STEP_LEGACY,		/* TLS 1.0/1.1-only handshake */
	STEP_WEAK,		/* weak-suite handshake */
	STEP_OCSP,		/* the server certificate's OCSP responder */
	STEP_CRL,		/* the server certificate's CRL */
	STEP_DONE
};

struct posture {
	enum posture_step step;		/* the side request in flight */
	json_t		*findings;	/* owned reference, also in r->details */
	X509		*leaf;		/* owned references, NULL when not sent */
	X509		*issuer;	/* the leaf's issuer as sent, NULL = not sent */
	OCSP_CERTID	*certid;	/* owned, of the OCSP request sent */
	char		*ocsp_url;	/* owned, from the leaf's AIA, NULL = none */
	char		*crl_url;	/* owned, from the leaf's CDP, NULL = none */
};

/* Config. */

void *
login_conf_new(void)
{
	return xcalloc(1, sizeof(struct login_conf));
}

void
login_conf_free(void *arg)
{
	free(arg);
}

static void
key_posture(struct conf_kv *kv, struct conf_endpoint *ep)
{
	conf_kv_bool(kv, &((struct login_conf *)ep->kind_conf)->posture);
}

const struct conf_key login_conf_keys[] = {
	{ "expect.posture", key_posture },
};
const size_t login_conf_n_keys = sizeof(login_conf_keys) / sizeof(login_conf_keys[0]);

void
login_conf_check(struct conf_kv *kv, struct conf_endpoint *ep)
{
	if (login_posture_wanted(ep) && (ep->url == NULL || strncasecmp(ep->url, "https://", 8) != 0))
		conf_kv_err(kv, "endpoint %s: expect.posture needs an https URL",
		    ep->id ? ep->id : "?");
}

void
login_conf_settings(const struct conf_endpoint *ep, char *out, size_t len)
{
	if (login_posture_wanted(ep))
		snprintf(out, len, " posture");
}

bool
login_posture_wanted(const struct conf_endpoint *ep)
{
	const struct login_conf *lc = ep != NULL ? ep->kind_conf : NULL;

	return ep != NULL && ep->kind == KIND_LOGIN && lc != NULL && lc->posture;
}

/* Findings. */

static const char *const severity_names[STATUS__MAX] = { "ok", "degraded", "down" };

/*
 * Records one check: severity "ok" (why == REASON_OK), "info" (why == REASON__MAX: noted,
 * the status unchanged) or the reason's status, which flags r.
 */
static void __attribute__((format(printf, 5, 6)))
note(struct posture *p, struct result *r, const char *check, enum reason why,
    const char *fmt, ...)
{
	json_t *o = json_object(), *t;
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_set_new(o, "check", json_string(check));
	json_object_set_new(o, "severity", json_string(why == REASON__MAX ? "info" :
	    severity_names[reason_status(why)]));
	/* A certificate name is not always UTF-8: keep what json_string takes. */
	if ((t = json_string(text)) == NULL)
		t = json_string("(unprintable)");
	json_object_set_new(o, "text", t);
	if (why != REASON_OK && why != REASON__MAX) {
		json_object_set_new(o, "reason", json_string(reason_names[why]));
		result_flag(r, why, "TLS posture: %s: %s", check, text);
	}
	json_array_append_new(p->findings, o);
}

/* The chain the server sent. */

/* Returns the certificate of sent that issued c (not c itself), or NULL. */
static X509 *
issuer_in(STACK_OF(X509) *sent, X509 *c)
{
	for (int i = 0; sent != NULL && i < sk_X509_num(sent); i++) {
		X509 *cand = sk_X509_value(sent, i);

		if (cand != c && X509_check_issued(cand, c) == X509_V_OK)
			return cand;
	}
	ERR_clear_error();
	return NULL;
}

#define SYSTEM_STORE_TTL_MS	(24 * 3600 * 1000)

/* The system's trust anchors (OpenSSL's default file and directory), rebuilt daily. */
static _Thread_local X509_STORE *sys_st;	/* each probe thread's own (probe/pool.c) */
static _Thread_local int64_t built_ms;

void
posture_thread_clear(void)
{
	X509_STORE_free(sys_st);
	sys_st = NULL;
}

static X509_STORE *
system_store(void)
{
	if (sys_st != NULL && mono_ms() - built_ms < SYSTEM_STORE_TTL_MS)
		return sys_st;
	X509_STORE_free(sys_st);
	if ((sys_st = X509_STORE_new()) != NULL && X509_STORE_set_default_paths(sys_st) != 1) {
		X509_STORE_free(sys_st);
		sys_st = NULL;
	}
	ERR_clear_error();
	built_ms = mono_ms();
	return sys_st;
}

/* A store of the self-signed certificates of the PEM file path (roots only), or NULL. */
static X509_STORE *
roots_of(const char *path)
{
	X509_STORE *st;
	BIO *bio;
	X509 *c;
	int n = 0;

	if (path == NULL || (bio = BIO_new_file(path, "r")) == NULL)
		return NULL;
	if ((st = X509_STORE_new()) == NULL) {
		BIO_free(bio);
		return NULL;
	}
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_self_signed(c, 0) == 1 && X509_STORE_add_cert(st, c) == 1)
			n++;
		X509_free(c);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (n == 0) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

/*
 * Verifies leaf with only what the server sent as intermediates, up to a root of st (no
 * partial chains, no AIA fetching). Returns 1, or 0 with the error and where it stopped.
 */
static int
verify_sent(X509_STORE *st, X509 *leaf, STACK_OF(X509) *sent, int64_t now, int *err,
    X509 **stop)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	*err = X509_V_ERR_UNSPECIFIED;
	*stop = NULL;
	if (ctx != NULL && st != NULL && X509_STORE_CTX_init(ctx, st, leaf, sent) == 1) {
		X509_STORE_CTX_set_time(ctx, 0, (time_t)(now / 1000));
		X509_VERIFY_PARAM_clear_flags(X509_STORE_CTX_get0_param(ctx),
		    X509_V_FLAG_PARTIAL_CHAIN);
		ok = X509_verify_cert(ctx) == 1;
		if (!ok) {
			*err = X509_STORE_CTX_get_error(ctx);
			*stop = X509_STORE_CTX_get_current_cert(ctx);
			if (*stop != NULL)
				X509_up_ref(*stop);
		}
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* name as "CN=..." or its one-line form, into buf. */
static void
name_of(const X509_NAME *name, char *buf, size_t n)
{
	char *s = name != NULL ? ocsp_name_oneline(name) : NULL;

	snprintf(buf, n, "%s", s != NULL ? s : "(no name)");
	free(s);
}

static void
check_chain(struct posture *p, const struct conf_endpoint *ep, STACK_OF(X509) *sent,
    int64_t now, struct result *r)
{
	X509_STORE *ca = NULL;
	X509 *stop = NULL;
	int err = 0, n = sk_X509_num(sent);
	char subj[256], iss[256];

	if (verify_sent(system_store(), p->leaf, sent, now, &err, &stop) ||
	    ((ca = roots_of(ep->tls_ca)) != NULL &&
	    (X509_free(stop), verify_sent(ca, p->leaf, sent, now, &err, &stop)))) {
		note(p, r, CHECK_CHAIN, REASON_OK, "complete: %d certificate%s sent, leading to "
		    "a trusted root", n, n == 1 ? "" : "s");
		goto out;
	}
	name_of(stop != NULL ? X509_get_subject_name(stop) : NULL, subj, sizeof(subj));
	name_of(stop != NULL ? X509_get_issuer_name(stop) : NULL, iss, sizeof(iss));
	if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	    err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE)
		note(p, r, CHECK_CHAIN, REASON_CHAIN_INCOMPLETE, "incomplete: the server sent %d "
		    "certificate%s; the chain stops at %s, whose issuer %s is neither sent nor a "
		    "trusted root (clients without AIA fetching refuse it)", n, n == 1 ? "" : "s",
		    subj, iss);
	else
		note(p, r, CHECK_CHAIN, REASON__MAX, "the chain sent does not verify on its own "
		    "at %s: %s", subj, X509_verify_cert_error_string(err));
out:
	X509_free(stop);
	X509_STORE_free(ca);
}

/* Key sizes (BR 6.1.5) and signature algorithms (BR 7.1.3.2) of every certificate sent. */
static void
check_keys(struct posture *p, STACK_OF(X509) *sent, struct result *r)
{
	char weak[600] = "", nm[256], one[400];
	size_t len = 0;
	int n = 0;

	for (int i = 0; i < sk_X509_num(sent); i++) {
		X509 *c = sk_X509_value(sent, i);
		EVP_PKEY *k = X509_get0_pubkey(c);
		int bits = k != NULL ? EVP_PKEY_get_bits(k) : 0, md = NID_undef;

		one[0] = '\0';
		if (k != NULL && EVP_PKEY_is_a(k, "RSA") && bits < 2048)
			snprintf(one, sizeof(one), "RSA key of %d bits (< 2048)", bits);
		else if (k != NULL && EVP_PKEY_is_a(k, "EC") && bits < 256)
			snprintf(one, sizeof(one), "EC key of %d bits (< 256)", bits);
		/* A root's self-signature is not checked by anyone: only issued ones count. */
		if (X509_self_signed(c, 0) != 1 &&
		    X509_get_signature_info(c, &md, NULL, NULL, NULL) == 1 &&
		    (md == NID_sha1 || md == NID_md5))
			snprintf(one + strlen(one), sizeof(one) - strlen(one), "%s%s signature",
			    one[0] != '\0' ? ", " : "", md == NID_sha1 ? "SHA-1" : "MD5");
		ERR_clear_error();
		if (one[0] == '\0')
			continue;
		name_of(X509_get_subject_name(c), nm, sizeof(nm));
		if (len < sizeof(weak))
			len += (size_t)snprintf(weak + len, sizeof(weak) - len, "%s%s: %s",
			    n > 0 ? "; " : "", nm, one);
		n++;
	}
	if (n > 0)
		note(p, r, CHECK_KEYS, REASON_WEAK_TLS, "%s", weak);
	else
		note(p, r, CHECK_KEYS, REASON_OK, "RSA keys of 2048 bits or more, EC keys of 256 "
		    "bits or more, no SHA-1 or MD5 signature");
}

/* Revocation. */

/*
 * Judges an OCSP response for the server certificate with the ocsp evaluator, as an ocsp
 * endpoint for it would (its issuer as the only trust anchor). Returns the status it
 * proves (CERT_GOOD, CERT_REVOKED), or CERT__MAX with why it proves nothing in msg.
 */
static int
ocsp_judge(struct posture *p, const struct conf_endpoint *ep, const unsigned char *der,
    size_t len, int64_t now, char *msg, size_t msgsz, char *when, size_t whensz)
{
	struct conf_endpoint t = *ep;
	struct ocsp_sent sent = { .certid = p->certid };
	struct result s;
	const char *st;
	int64_t rt;
	int got = CERT__MAX;

	t.certificate = p->leaf;
	t.issuer = p->issuer;
	t.expect.cert_status = CERT_GOOD;
	t.expect.max_age_ms = 0;
	result_init(&s, &t, now);
	ocsp_evaluate(der, len, &t, p->certid != NULL ? &sent : NULL, now, &s);
	st = detail_get_str(s.details, DETAIL_CERT_STATUS);
	if (detail_get_time(s.details, DETAIL_REVOCATION_TIME, &rt) == 0)
		rfc3339_format_s(rt, when, whensz);
	else
		snprintf(when, whensz, "?");
	/* Only a verified answer counts: its only finding may be the status itself. */
	if (st != NULL && strcmp(st, "good") == 0 && s.reason == REASON_OK)
		got = CERT_GOOD;
	else if (st != NULL && strcmp(st, "revoked") == 0 && s.reason == REASON_STATUS_MISMATCH)
		got = CERT_REVOKED;
	else
		snprintf(msg, msgsz, "%s (%s)", s.message != NULL ? s.message : "no status",
		    reason_names[s.reason]);
	result_clear(&s);
	return got;
}

static void
check_stapling(struct posture *p, const struct conf_endpoint *ep,
    const struct probe_capture *cap, int64_t now, struct result *r)
{
	char msg[700] = "", when[64];
	int got;

	if (cap->stapled == NULL) {
		detail_kind_set_str(r->details, &posture_fields[POSTURE_STAPLING], "none");
		note(p, r, CHECK_STAPLING, REASON__MAX, "no OCSP response stapled");
		return;
	}
	if (p->issuer == NULL) {
		detail_kind_set_str(r->details, &posture_fields[POSTURE_STAPLING], "unusable");
		note(p, r, CHECK_STAPLING, REASON__MAX, "an OCSP response is stapled, but the "
		    "issuer was not sent to check it");
		return;
	}
	got = ocsp_judge(p, ep, cap->stapled, cap->stapled_len, now, msg, sizeof(msg), when,
	    sizeof(when));
	detail_kind_set_str(r->details, &posture_fields[POSTURE_STAPLING],
	    got == CERT_GOOD ? "good" : got == CERT_REVOKED ? "revoked" : "unusable");
	if (got == CERT_GOOD)
		note(p, r, CHECK_STAPLING, REASON_OK, "stapled OCSP response: good");
	else if (got == CERT_REVOKED)
		note(p, r, CHECK_STAPLING, REASON_REVOKED, "the stapled OCSP response says the "
		    "server certificate is revoked (since %s)", when);
	else
		note(p, r, CHECK_STAPLING, REASON__MAX, "stapled OCSP response unusable: %s", msg);
}

/* Returns the max-age of an HSTS header value (RFC 6797 §6.1), or -1 when it has none. */
static long long
hsts_max_age(const char *v)
{
	for (const char *d = v; d != NULL && *d != '\0'; d = strchr(d, ';') ? strchr(d, ';') + 1 : NULL) {
		char *end;
		long long n;

		while (*d == ' ' || *d == '\t')
			d++;
		if (strncasecmp(d, "max-age", 7) != 0)
			continue;
		d += 7;
		while (*d == ' ' || *d == '\t')
			d++;
		if (*d++ != '=')
			return -1;
		while (*d == ' ' || *d == '\t')
			d++;
		if (*d == '"')
			d++;
		if (!isdigit((unsigned char)*d))
			return -1;
		n = strtoll(d, &end, 10);
		return n;
	}
	return -1;
}

static void
check_hsts(struct posture *p, const char *hsts, struct result *r)
{
	long long age;

	if (hsts == NULL) {
		note(p, r, CHECK_HSTS, REASON__MAX, "no Strict-Transport-Security header");
		return;
	}
	if ((age = hsts_max_age(hsts)) < 0) {
		note(p, r, CHECK_HSTS, REASON__MAX, "Strict-Transport-Security without a valid "
		    "max-age: \"%.100s\"", hsts);
		return;
	}
	detail_kind_set_int(r->details, &posture_fields[POSTURE_HSTS_MAX_AGE], age);
	if (age >= POSTURE_HSTS_MIN_S)
		note(p, r, CHECK_HSTS, REASON_OK, "max-age %lld s (one year or more)", age);
	else
		note(p, r, CHECK_HSTS, REASON__MAX, "max-age %lld s, less than one year", age);
}

/* The first http URL of the leaf's AIA OCSP entries, or NULL (caller frees). */
static char *
aia_ocsp(X509 *leaf)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(leaf);
	char *url = NULL;

	for (int i = 0; urls != NULL && i < sk_OPENSSL_STRING_num(urls) && url == NULL; i++)
		if (strncasecmp(sk_OPENSSL_STRING_value(urls, i), "http://", 7) == 0)
			url = xstrdup(sk_OPENSSL_STRING_value(urls, i));
	X509_email_free(urls);
	return url;
}

/* The first http URL of the leaf's CRL distribution points, or NULL (caller frees). */
static char *
cdp_url(X509 *leaf)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(leaf, NID_crl_distribution_points, NULL,
	    NULL);
	char *url = NULL;

	for (int i = 0; dps != NULL && i < sk_DIST_POINT_num(dps) && url == NULL; i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		GENERAL_NAMES *names;

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		names = dp->distpoint->name.fullname;
		for (int k = 0; k < sk_GENERAL_NAME_num(names) && url == NULL; k++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(names, k);
			const char *s;

			if (g->type != GEN_URI)
				continue;
			s = (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
			if (strncasecmp(s, "http://", 7) == 0 &&
			    strlen(s) == (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier))
				url = xstrdup(s);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return url;
}

struct posture *
posture_begin(const struct conf_endpoint *ep, const struct probe_response *resp, int64_t now,
    struct result *r)
{
	struct posture *p = xcalloc(1, sizeof(*p));
	STACK_OF(X509) *sent = resp->capture.chain;

	p->findings = json_array();
	detail_kind_set_json(r->details, &posture_fields[POSTURE_FINDINGS], p->findings);
	if (resp->tls_version != NULL)
		detail_kind_set_str(r->details, &posture_fields[POSTURE_TLS_VERSION],
		    resp->tls_version);
	p->step = STEP_LEGACY;
	if (sent == NULL || sk_X509_num(sent) == 0) {
		note(p, r, CHECK_CHAIN, REASON__MAX, "no certificate seen on the page request");
		check_hsts(p, resp->capture.hsts, r);
		return p;
	}
	detail_kind_set_int(r->details, &posture_fields[POSTURE_CHAIN_SENT], sk_X509_num(sent));
	p->leaf = sk_X509_value(sent, 0);
	X509_up_ref(p->leaf);
	if ((p->issuer = issuer_in(sent, p->leaf)) != NULL)
		X509_up_ref(p->issuer);
	p->ocsp_url = aia_ocsp(p->leaf);
	p->crl_url = cdp_url(p->leaf);
	if (p->issuer != NULL)
		p->certid = OCSP_cert_to_id(EVP_sha1(), p->leaf, p->issuer);
	ERR_clear_error();
	check_chain(p, ep, sent, now, r);
	check_keys(p, sent, r);
	check_stapling(p, ep, &resp->capture, now, r);
	check_hsts(p, resp->capture.hsts, r);
	return p;
}

/* Side request outcomes. */

static void
handshake_result(struct posture *p, const struct probe_response *resp, struct result *r)
{
	bool legacy = p->step == STEP_LEGACY;
	const char *check = legacy ? CHECK_PROTOCOLS : CHECK_SUITES;

	if (resp->transport_reason == REASON_OK && resp->tls_version != NULL) {
		if (legacy)
			note(p, r, check, REASON_WEAK_TLS, "%s accepted (suite %s; RFC 8996 "
			    "deprecates TLS 1.0 and 1.1)", resp->tls_version,
			    resp->tls_cipher ? resp->tls_cipher : "?");
		else
			note(p, r, check, REASON_WEAK_TLS, "weak suite %s accepted over %s (no "
			    "forward secrecy, or 3DES, RC4, NULL, export or anonymous)",
			    resp->tls_cipher ? resp->tls_cipher : "?", resp->tls_version);
	} else if (resp->transport_reason == REASON_TLS &&
	    strstr(resp->transport_message ? resp->transport_message : "", "cannot offer") ==
	    NULL)
		note(p, r, check, REASON_OK, legacy ? "TLS 1.0 and 1.1 refused" :
		    "no weak suite accepted");
	else
		note(p, r, check, REASON__MAX, "not tested: %s",
		    resp->transport_message != NULL ? resp->transport_message : "no TLS session");
}

static void
ocsp_result(struct posture *p, const struct conf_endpoint *ep,
    const struct probe_response *resp, int64_t now, struct result *r)
{
	char msg[700] = "", when[64];
	int got;

	if (resp->transport_reason != REASON_OK) {
		note(p, r, CHECK_OCSP, REASON__MAX, "%s unreachable: %s", p->ocsp_url,
		    resp->transport_message);
		return;
	}
	if (resp->http_status < 200 || resp->http_status > 299) {
		note(p, r, CHECK_OCSP, REASON__MAX, "%s answered HTTP %ld", p->ocsp_url,
		    resp->http_status);
		return;
	}
	got = ocsp_judge(p, ep, resp->body, resp->len, now, msg, sizeof(msg), when,
	    sizeof(when));
	if (got == CERT_GOOD)
		note(p, r, CHECK_OCSP, REASON_OK, "good per %s", p->ocsp_url);
	else if (got == CERT_REVOKED)
		note(p, r, CHECK_OCSP, REASON_REVOKED, "the server certificate is revoked since "
		    "%s per its OCSP responder %s", when, p->ocsp_url);
	else
		note(p, r, CHECK_OCSP, REASON__MAX, "%s: answer unusable: %s", p->ocsp_url, msg);
}

/* Parses a DER or PEM CRL. */
static X509_CRL *
crl_read(const unsigned char *data, size_t len)
{
	const unsigned char *q = data;
	X509_CRL *crl;
	BIO *bio;

	if (len > INT32_MAX)
		return NULL;
	if ((crl = d2i_X509_CRL(NULL, &q, (long)len)) != NULL)
		return crl;
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return NULL;
	crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return crl;
}

static void
crl_result(struct posture *p, const struct conf_endpoint *ep,
    const struct probe_response *resp, int64_t now, struct result *r)
{
	struct conf_endpoint t = *ep;
	X509_REVOKED *entry = NULL;
	X509_CRL *crl;
	struct result s;
	char when[40] = "?";
	int64_t ms;

	if (resp->transport_reason != REASON_OK) {
		note(p, r, CHECK_CRL, REASON__MAX, "%s unreachable: %s", p->crl_url,
		    resp->transport_message);
		return;
	}
	if (resp->http_status < 200 || resp->http_status > 299) {
		note(p, r, CHECK_CRL, REASON__MAX, "%s answered HTTP %ld", p->crl_url,
		    resp->http_status);
		return;
	}
	/* The crl evaluator decides whether the CRL may be believed (issuer, signature). */
	t.issuer = p->issuer;
	t.expect.max_age_ms = 0;
	t.expect.min_remaining_ms = 0;
	result_init(&s, &t, now);
	crl_evaluate(resp->body, resp->len, &t, NULL, now, &s);
	if (s.reason != REASON_OK) {
		note(p, r, CHECK_CRL, REASON__MAX, "%s: CRL unusable: %s (%s)", p->crl_url,
		    s.message != NULL ? s.message : "?", reason_names[s.reason]);
		result_clear(&s);
		return;
	}
	result_clear(&s);
	if ((crl = crl_read(resp->body, resp->len)) == NULL) {
		ERR_clear_error();
		note(p, r, CHECK_CRL, REASON__MAX, "%s: CRL unreadable", p->crl_url);
		return;
	}
	if (X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(p->leaf)) == 1 &&
	    entry != NULL) {
		if (probe_asn1_time_ms(X509_REVOKED_get0_revocationDate(entry), &ms) == 0)
			rfc3339_format_s(ms, when, sizeof(when));
		note(p, r, CHECK_CRL, REASON_REVOKED, "the server certificate is revoked since %s "
		    "per its CRL %s", when, p->crl_url);
	} else
		note(p, r, CHECK_CRL, REASON_OK, "not listed in %s", p->crl_url);
	X509_CRL_free(crl);
	ERR_clear_error();
}

/* Builds the request of p->step into next; returns 0 when the step needs none. */
static int
build(struct posture *p, const struct conf_endpoint *ep, struct probe_request *next,
    struct result *r)
{
	unsigned char *der = NULL;
	size_t len = 0;

	memset(next, 0, sizeof(*next));
	next->side = true;
	switch (p->step) {
	case STEP_LEGACY:
	case STEP_WEAK:
		next->url = xstrdup(ep->url);
		next->tls = p->step == STEP_LEGACY ? PROBE_TLS_LEGACY : PROBE_TLS_WEAK;
		next->what = p->step == STEP_LEGACY ? "TLS 1.0/1.1 handshake" :
		    "weak-suite handshake";
		return 1;
	case STEP_OCSP:
		if (p->leaf == NULL)
			return 0;
		if (p->ocsp_url == NULL) {
			note(p, r, CHECK_OCSP, REASON__MAX, "the server certificate names no "
			    "http OCSP responder (AIA)");
			return 0;
		}
		if (p->issuer == NULL || p->certid == NULL ||
		    ocsp_request_der(p->certid, NULL, 0, &der, &len) != 0) {
			note(p, r, CHECK_OCSP, REASON__MAX, "not checked: the server did not send "
			    "the issuer of its certificate");
			return 0;
		}
		next->url = xstrdup(p->ocsp_url);
		next->post = 1;
		next->body = der;
		next->body_len = len;
		next->content_type = "application/ocsp-request";
		next->accept = "application/ocsp-response";
		next->tls = PROBE_TLS_PLAIN;
		next->what = "OCSP request for the server certificate";
		return 1;
	case STEP_CRL:
		if (p->leaf == NULL)
			return 0;
		if (p->crl_url == NULL) {
			note(p, r, CHECK_CRL, REASON__MAX, "the server certificate names no http "
			    "CRL distribution point");
			return 0;
		}
		if (p->issuer == NULL) {
			note(p, r, CHECK_CRL, REASON__MAX, "not checked: the server did not send "
			    "the issuer of its certificate");
			return 0;
		}
		next->url = xstrdup(p->crl_url);
		next->tls = PROBE_TLS_PLAIN;
		next->what = "CRL of the server certificate";
		return 1;
	case STEP_DONE:
		break;
	}
	return 0;
}

int
posture_next(struct posture *p, const struct conf_endpoint *ep,
    const struct probe_response *resp, int64_t now, struct probe_request *next,
    struct result *r)
{
	memset(next, 0, sizeof(*next));
	if (p == NULL)
		return 0;
	if (resp != NULL) {
		switch (p->step) {
		case STEP_LEGACY:
		case STEP_WEAK:
			handshake_result(p, resp, r);
			break;
		case STEP_OCSP:
			ocsp_result(p, ep, resp, now, r);
			break;
		case STEP_CRL:
			crl_result(p, ep, resp, now, r);
			break;
		case STEP_DONE:
			return 0;
		}
		p->step++;
	}
	for (; p->step < STEP_DONE; p->step++)
		if (build(p, ep, next, r))
			return 1;
	return 0;
}

void
posture_free(struct posture *p)
{
	if (p == NULL)
		return;
	json_decref(p->findings);
	X509_free(p->leaf);
	X509_free(p->issuer);
	OCSP_CERTID_free(p->certid);
	free(p->ocsp_url);
	free(p->crl_url);
	free(p);
}
