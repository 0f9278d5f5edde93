#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "details.h"
#include "util.h"

#define ALL	((1u << KIND__MAX) - 1)	/* every kind, whichever core/kinds.def lists */
#define LOGIN	(1u << KIND_LOGIN)
#define OCSP	(1u << KIND_OCSP)
#define CRL	(1u << KIND_CRL)
#define TSA	(1u << KIND_TSA)

/* The only place a detail key is spelled. */
const struct detail_field detail_fields[DETAIL__MAX] = {
	[DETAIL_HTTP_STATUS] = { "http_status", DETAIL_TYPE_INTEGER, ALL,
	    "HTTP status of the answer (login always; other kinds when it was not the expected one)" },
	[DETAIL_REDIRECTS] = { "redirects", DETAIL_TYPE_INTEGER, ALL,
	    "HTTP redirects followed (login always; other kinds when there were any)" },
	[DETAIL_TLS_DAYS_LEFT] = { "tls_days_left", DETAIL_TYPE_INTEGER, ALL,
	    "whole days until the TLS server certificate's notAfter, rounded down" },
	[DETAIL_TLS_NOT_AFTER] = { "tls_not_after", DETAIL_TYPE_TIME, ALL,
	    "notAfter of the TLS server certificate" },
	[DETAIL_JWKS_HTTP_STATUS] = { "jwks_http_status", DETAIL_TYPE_INTEGER, LOGIN,
	    "HTTP status of the JWKS fetch when it was not 2xx" },
	[DETAIL_KEYS] = { "keys", DETAIL_TYPE_INTEGER, LOGIN,
	    "usable signing keys in the JWKS" },
	[DETAIL_KEYS_TOTAL] = { "keys_total", DETAIL_TYPE_INTEGER, LOGIN,
	    "keys in the JWKS, usable or not" },
	[DETAIL_SAML_IDPS] = { "saml_idps", DETAIL_TYPE_INTEGER, LOGIN,
	    "IDPSSODescriptors in the SAML metadata" },
	[DETAIL_SAML_SIGNING_CERTS] = { "saml_signing_certs", DETAIL_TYPE_INTEGER, LOGIN,
	    "signing certificates in the SAML metadata" },
	[DETAIL_SAML_VALID_UNTIL] = { "saml_valid_until", DETAIL_TYPE_TIME, LOGIN,
	    "earliest validUntil in the SAML metadata" },
	[DETAIL_SAML_CERT_DAYS_LEFT] = { "saml_cert_days_left", DETAIL_TYPE_INTEGER, LOGIN,
	    "whole days until the first SAML signing certificate expires (negative once past)" },
	[DETAIL_SAML_CERT_NOT_AFTER] = { "saml_cert_not_after", DETAIL_TYPE_TIME, LOGIN,
	    "earliest notAfter among the SAML signing certificates" },
	[DETAIL_METHOD] = { "method", DETAIL_TYPE_STRING, OCSP,
	    "how the OCSP request was sent: get or post" },
	[DETAIL_RESPONSE_STATUS] = { "response_status", DETAIL_TYPE_NAME_OR_INTEGER, OCSP,
	    "OCSPResponseStatus when not successful: its RFC 6960 name, or the number" },
	[DETAIL_PRODUCED_AT] = { "produced_at", DETAIL_TYPE_TIME, OCSP,
	    "producedAt of the OCSP response" },
	[DETAIL_RESPONDER_ID] = { "responder_id", DETAIL_TYPE_STRING, OCSP,
	    "the OCSP ResponderID: \"byName: DN\" or \"byKey: hex\"" },
	[DETAIL_CERT_STATUS] = { "cert_status", DETAIL_TYPE_STRING, OCSP,
	    "certStatus of the single response: good, revoked or unknown" },
	[DETAIL_REVOCATION_TIME] = { "revocation_time", DETAIL_TYPE_TIME, OCSP,
	    "revocationTime when the certificate is revoked" },
	[DETAIL_THIS_UPDATE] = { "this_update", DETAIL_TYPE_TIME, OCSP | CRL,
	    "thisUpdate of the OCSP single response or the CRL" },
	[DETAIL_NEXT_UPDATE] = { "next_update", DETAIL_TYPE_TIME, OCSP | CRL,
	    "nextUpdate of the OCSP single response or the CRL" },
	[DETAIL_NONCE] = { "nonce", DETAIL_TYPE_STRING, OCSP,
	    "the OCSP nonce: echoed, absent or not_sent" },
	[DETAIL_SIGNER] = { "signer", DETAIL_TYPE_STRING, OCSP | TSA,
	    "subject DN of the certificate that signed the response or token" },
	[DETAIL_SIGNER_NOT_AFTER] = { "signer_not_after", DETAIL_TYPE_TIME, OCSP | TSA | CRL,
	    "notAfter of the signer certificate (crl: the issuer's, when the CRL verified)" },
	[DETAIL_NUMBER] = { "number", DETAIL_TYPE_STRING, CRL,
	    "the CRL number, in decimal (kept to detect a regression)" },
	[DETAIL_ENTRIES] = { "entries", DETAIL_TYPE_INTEGER, CRL,
	    "revoked certificates listed in the CRL" },
	[DETAIL_SIZE] = { "size", DETAIL_TYPE_INTEGER, CRL,
	    "size of the CRL in bytes" },
	[DETAIL_PKI_STATUS] = { "pki_status", DETAIL_TYPE_STRING, TSA,
	    "PKIStatus of the time-stamp response (granted, grantedWithMods, ...)" },
	[DETAIL_STATUS_TEXT] = { "status_text", DETAIL_TYPE_STRING, TSA,
	    "statusString of a rejected time-stamp response, when it has one" },
	[DETAIL_GEN_TIME] = { "gen_time", DETAIL_TYPE_TIME, TSA,
	    "genTime of the token (with milliseconds when it has a fraction)" },
	[DETAIL_ACCURACY_MS] = { "accuracy_ms", DETAIL_TYPE_INTEGER, TSA,
	    "accuracy of the token in milliseconds, when it states one" },
	[DETAIL_SERIAL] = { "serial", DETAIL_TYPE_STRING, TSA,
	    "serial number of the token, in hexadecimal" },
	[DETAIL_POLICY] = { "policy", DETAIL_TYPE_STRING, TSA,
	    "TSA policy OID of the token" },
	[DETAIL_QUALIFIED] = { "qualified", DETAIL_TYPE_BOOLEAN, TSA,
	    "true when the token carries the eIDAS qualified statement" },
	[DETAIL_CONSISTENCY_CRL] = { "consistency_crl", DETAIL_TYPE_STRING, OCSP,
	    "the crl endpoint whose revoked serials the responder was asked about (`crl:`)" },
	[DETAIL_CONSISTENCY_CHECKED] = { "consistency_checked", DETAIL_TYPE_INTEGER, OCSP,
	    "revoked serials of that CRL asked about this cycle" },
	[DETAIL_CONSISTENCY_MISMATCHES] = { "consistency_mismatches", DETAIL_TYPE_INTEGER, OCSP,
	    "of those, answered other than revoked at the CRL's revocation time" },
	[DETAIL_UNISSUED_STATUS] = { "unissued_status", DETAIL_TYPE_STRING, OCSP,
	    "the responder's status for a random never-issued serial (good is unissued_good)" },
	[DETAIL_EVENTS] = { "events", DETAIL_TYPE_LIST, ALL,
	    "changes the kind saw since its last result (kinds with events: tl): a list of "
	    "{event, tsp, service, type, from, to}; such a result is kept with its details" },
	[DETAIL_ADDRESSES] = { "addresses", DETAIL_TYPE_LIST, ALL,
	    "every address of the host probed in the slot when it has several (addresses: all, "
	    "SPEC §14): a list of {address, status, reason, total_ms, message}" },
	[DETAIL_SIGNER_KEY_ID] = { "signer_key_id", DETAIL_TYPE_STRING, OCSP | TSA,
	    "key identifier (hex) of the signer certificate, matched against trusted lists" },
	[DETAIL_ISSUER_KEY_ID] = { "issuer_key_id", DETAIL_TYPE_STRING, OCSP | CRL | TSA,
	    "key identifier (hex) of the issuing CA: the signer's issuer, or the CRL's issuer, "
	    "matched against trusted lists" },
};

const char *const detail_type_names[DETAIL_TYPE__MAX] = {
	[DETAIL_TYPE_STRING] = "string",
	[DETAIL_TYPE_INTEGER] = "integer",
	[DETAIL_TYPE_BOOLEAN] = "boolean",
	[DETAIL_TYPE_TIME] = "time",
	[DETAIL_TYPE_NAME_OR_INTEGER] = "string or integer",
	[DETAIL_TYPE_LIST] = "list",
};

/* Returns 1 when a setter or getter of type t may use field f. */
static int
detail_takes(enum detail f, enum detail_type t)
{
	enum detail_type ft;

	if ((unsigned)f >= DETAIL__MAX)
		return 0;
	ft = detail_fields[f].type;
	if (ft == DETAIL_TYPE_NAME_OR_INTEGER)
		return t == DETAIL_TYPE_STRING || t == DETAIL_TYPE_INTEGER;
	return ft == t;
}

/* Sets d[f] to v (a new reference, consumed even on failure). */
static int
detail_put(json_t *d, enum detail f, enum detail_type t, json_t *v)
{
	if (v == NULL)
		return -1;
	if (!json_is_object(d) || !detail_takes(f, t)) {
		json_decref(v);
		return -1;
	}
	return json_object_set_new(d, detail_fields[f].key, v) == 0 ? 0 : -1;
}

int
detail_set_int(json_t *d, enum detail f, int64_t v)
{
	return detail_put(d, f, DETAIL_TYPE_INTEGER, json_integer((json_int_t)v));
}

int
detail_set_bool(json_t *d, enum detail f, bool v)
{
	return detail_put(d, f, DETAIL_TYPE_BOOLEAN, json_boolean(v));
}

int
detail_set_str(json_t *d, enum detail f, const char *s)
{
	return s == NULL ? -1 : detail_put(d, f, DETAIL_TYPE_STRING, json_string(s));
}

int
detail_set_strn(json_t *d, enum detail f, const char *s, size_t n)
{
	return s == NULL ? -1 : detail_put(d, f, DETAIL_TYPE_STRING, json_stringn(s, n));
}

int
detail_set_time(json_t *d, enum detail f, int64_t ms)
{
	char buf[40];

	rfc3339_format_s(ms, buf, sizeof(buf));
	return detail_put(d, f, DETAIL_TYPE_TIME, json_string(buf));
}

int
detail_set_time_ms(json_t *d, enum detail f, int64_t ms)
{
	char buf[40];

	rfc3339_format(ms, buf, sizeof(buf));
	return detail_put(d, f, DETAIL_TYPE_TIME, json_string(buf));
}

/* Sets d[f->key] to v (consumed) when v has f's type. */
static int
detail_kind_put(json_t *d, const struct detail_field *f, enum detail_type t, json_t *v)
{
	if (v == NULL)
		return -1;
	if (f == NULL || !json_is_object(d) || f->type != t) {
		json_decref(v);
		return -1;
	}
	return json_object_set_new(d, f->key, v) == 0 ? 0 : -1;
}

int
detail_kind_set_int(json_t *d, const struct detail_field *f, int64_t v)
{
	return detail_kind_put(d, f, DETAIL_TYPE_INTEGER, json_integer((json_int_t)v));
}

int
detail_kind_set_str(json_t *d, const struct detail_field *f, const char *s)
{
	return s == NULL ? -1 : detail_kind_put(d, f, DETAIL_TYPE_STRING, json_string(s));
}

int
detail_kind_set_time(json_t *d, const struct detail_field *f, int64_t ms)
{
	char buf[40];

	rfc3339_format_s(ms, buf, sizeof(buf));
	return detail_kind_put(d, f, DETAIL_TYPE_TIME, json_string(buf));
}

int
detail_kind_set_json(json_t *d, const struct detail_field *f, json_t *v)
{
	return detail_kind_put(d, f, f != NULL ? f->type : DETAIL_TYPE_LIST, json_incref(v));
}

json_t *
detail_kind_get(const json_t *d, const struct detail_field *f)
{
	return d == NULL || f == NULL ? NULL : json_object_get(d, f->key);
}

static json_t *detail_lookup(const json_t *d, enum detail f, enum detail_type t);

int
detail_set_list(json_t *d, enum detail f, json_t *v)
{
	if (!json_is_array(v))
		return -1;
	return detail_put(d, f, DETAIL_TYPE_LIST, json_incref(v));
}

json_t *
detail_get_list(const json_t *d, enum detail f)
{
	json_t *v = detail_lookup(d, f, DETAIL_TYPE_LIST);

	return json_is_array(v) ? v : NULL;
}

/* Returns d[f] when a getter of type t may read f, else NULL. */
static json_t *
detail_lookup(const json_t *d, enum detail f, enum detail_type t)
{
	if (d == NULL || !detail_takes(f, t))
		return NULL;
	return json_object_get(d, detail_fields[f].key);
}

int
detail_get_int(const json_t *d, enum detail f, int64_t *out)
{
	json_t *v = detail_lookup(d, f, DETAIL_TYPE_INTEGER);

	if (!json_is_integer(v))
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int
detail_get_bool(const json_t *d, enum detail f, bool *out)
{
	json_t *v = detail_lookup(d, f, DETAIL_TYPE_BOOLEAN);

	if (!json_is_boolean(v))
		return -1;
	*out = json_is_true(v);
	return 0;
}

int
detail_get_time(const json_t *d, enum detail f, int64_t *ms)
{
	const char *s = json_string_value(detail_lookup(d, f, DETAIL_TYPE_TIME));
	int64_t v;

	if (s == NULL || rfc3339_parse(s, &v) != 0)
		return -1;
	*ms = v;
	return 0;
}

const char *
detail_get_str(const json_t *d, enum detail f)
{
	return json_string_value(detail_lookup(d, f, DETAIL_TYPE_STRING));
}

/*
 * details_dump: the bytes json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) writes, without its
 * cost for the common case — a flat object of strings, integers, booleans and nulls, the
 * details of almost every result — where jansson builds and sorts a key list, checks
 * every string again and writes through a callback per token (~35 k instructions per
 * result in the store's ingest, issue 22). Anything else (a real, a nested value) goes
 * to json_dumps itself. tests/details_test.c compares both on hostile strings.
 */
#define DUMP_FAST_KEYS	64

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends s as jansson writes a string without ESCAPE_SLASH / ENSURE_ASCII. */
static void
dump_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	char esc[6];

	buf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, run, (size_t)(s - run));
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		buf_append(b, esc, n);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
	buf_append(b, "\"", 1);
}

char *
details_dump(const json_t *d)
{
	const char *keys[DUMP_FAST_KEYS];
	struct buf b = { 0 };
	size_t n = 0;
	const char *k;
	json_t *v;

	if (d == NULL || !json_is_object(d) || json_object_size(d) > DUMP_FAST_KEYS)
		goto slow;
	json_object_foreach((json_t *)d, k, v) {
		if (!json_is_string(v) && !json_is_integer(v) && !json_is_boolean(v) &&
		    !json_is_null(v))
			goto slow;
		/* A string holding NUL, or a key with one, is jansson's to write. */
		if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v))
			goto slow;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	buf_append(&b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_append(&b, ",", 1);
		dump_str(&b, keys[i]);
		buf_append(&b, ":", 1);
		v = json_object_get(d, keys[i]);
		if (json_is_string(v))
			dump_str(&b, json_string_value(v));
		else if (json_is_integer(v))
			buf_printf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_true(v))
			buf_append(&b, "true", 4);
		else if (json_is_false(v))
			buf_append(&b, "false", 5);
		else
			buf_append(&b, "null", 4);
	}
	buf_append(&b, "}", 2);	/* with the terminating NUL */
	return (char *)b.data;
slow:
	return json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
}
