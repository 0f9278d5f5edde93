/*
 * A result's detail fields, defined once: each field's JSON key, type, kinds and meaning.
 * Probes write details and every reader (store, report, web) reads them through the
 * typed setters and getters below; no other file names a detail key.
 */
#ifndef TW_DETAILS_H
#define TW_DETAILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum detail {
	DETAIL_HTTP_STATUS,
	DETAIL_REDIRECTS,
	DETAIL_TLS_DAYS_LEFT,
	DETAIL_TLS_NOT_AFTER,
	DETAIL_JWKS_HTTP_STATUS,
	DETAIL_KEYS,
	DETAIL_KEYS_TOTAL,
	DETAIL_SAML_IDPS,
	DETAIL_SAML_SIGNING_CERTS,
	DETAIL_SAML_VALID_UNTIL,
	DETAIL_SAML_CERT_DAYS_LEFT,
	DETAIL_SAML_CERT_NOT_AFTER,
	DETAIL_METHOD,
	DETAIL_RESPONSE_STATUS,
	DETAIL_PRODUCED_AT,
	DETAIL_RESPONDER_ID,
	DETAIL_CERT_STATUS,
	DETAIL_REVOCATION_TIME,
	DETAIL_THIS_UPDATE,
	DETAIL_NEXT_UPDATE,
	DETAIL_NONCE,
	DETAIL_SIGNER,
	DETAIL_SIGNER_NOT_AFTER,
	DETAIL_NUMBER,
	DETAIL_ENTRIES,
	DETAIL_SIZE,
	DETAIL_PKI_STATUS,
	DETAIL_STATUS_TEXT,
	DETAIL_GEN_TIME,
	DETAIL_ACCURACY_MS,
	DETAIL_SERIAL,
	DETAIL_POLICY,
	DETAIL_QUALIFIED,
	DETAIL_CONSISTENCY_CRL,
	DETAIL_CONSISTENCY_CHECKED,
	DETAIL_CONSISTENCY_MISMATCHES,
	DETAIL_UNISSUED_STATUS,
	DETAIL_EVENTS,
	DETAIL_ADDRESSES,
	DETAIL_SIGNER_KEY_ID,
	DETAIL_ISSUER_KEY_ID,
	DETAIL__MAX
};

enum detail_type {
	DETAIL_TYPE_STRING,
	DETAIL_TYPE_INTEGER,
	DETAIL_TYPE_BOOLEAN,
	DETAIL_TYPE_TIME,		/* RFC 3339 UTC string */
	DETAIL_TYPE_NAME_OR_INTEGER,	/* a string name, or the number when it has none */
	DETAIL_TYPE_LIST,		/* a JSON array of objects, described by meaning */
	DETAIL_TYPE__MAX
};

struct detail_field {
	const char	*key;		/* the JSON key, stored and exported as is */
	enum detail_type type;
	unsigned	 kinds;		/* 1u << KIND_x for each kind that records it */
	const char	*meaning;	/* one line, for documentation */
};

extern const struct detail_field detail_fields[DETAIL__MAX];
extern const char *const detail_type_names[DETAIL_TYPE__MAX];

/*
 * Setters: set d[f] and return 0, or return -1 and leave d unchanged when f's type is
 * not the setter's, d is not an object, or the value cannot be stored (a NULL or
 * non-UTF-8 string).
 */
int detail_set_int(json_t *d, enum detail f, int64_t v);
int detail_set_bool(json_t *d, enum detail f, bool v);
int detail_set_str(json_t *d, enum detail f, const char *s);
/* Same with the first n bytes of s. */
int detail_set_strn(json_t *d, enum detail f, const char *s, size_t n);
/* Records epoch ms as RFC 3339 UTC to whole seconds ("2026-12-17T08:00:00Z"). */
int detail_set_time(json_t *d, enum detail f, int64_t ms);
/* Same with milliseconds ("2026-12-17T08:00:00.123Z"). */
int detail_set_time_ms(json_t *d, enum detail f, int64_t ms);

/*
 * A kind's own fields (core/kind.h kind_info.details) go through these: same rules, the
 * field given by its definition. detail_kind_set_json takes a reference to v (an array or
 * object for list fields).
 */
int detail_kind_set_int(json_t *d, const struct detail_field *f, int64_t v);
int detail_kind_set_str(json_t *d, const struct detail_field *f, const char *s);
int detail_kind_set_time(json_t *d, const struct detail_field *f, int64_t ms);
int detail_kind_set_json(json_t *d, const struct detail_field *f, json_t *v);
/* Returns the field's value (borrowed from d), or NULL. */
json_t *detail_kind_get(const json_t *d, const struct detail_field *f);
/* Sets the list field f (DETAIL_EVENTS) to v (a reference is taken); a non-array is refused. */
int detail_set_list(json_t *d, enum detail f, json_t *v);
/* Returns the list field f (borrowed from d), or NULL when absent or not an array. */
json_t *detail_get_list(const json_t *d, enum detail f);

/*
 * Getters: return 0 and set *out, or -1 ("absent") when d is NULL, d[f] is missing,
 * f's type is not the getter's, or the stored value does not have f's type.
 */
int detail_get_int(const json_t *d, enum detail f, int64_t *out);
int detail_get_bool(const json_t *d, enum detail f, bool *out);
/* Parses a time field into epoch ms. */
int detail_get_time(const json_t *d, enum detail f, int64_t *ms);
/* Returns the string (borrowed from d), or NULL when absent. */
const char *detail_get_str(const json_t *d, enum detail f);

/*
 * Returns json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS), byte for byte, quickly for a flat
 * object (caller frees with free; NULL only where json_dumps would return NULL).
 */
char	*details_dump(const json_t *d);

#endif
