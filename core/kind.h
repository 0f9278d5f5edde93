/*
 * What the layers above probe/ may know about a kind, without naming it: its config keys,
 * detail fields, presentation strings and the reasons it can end with. Each kind's
 * struct kind_info hangs off its probe_ops row (probe/probe.h); kind_info() finds it.
 * Strings marked "N_" are English msgids, translated by report/po.
 */
#ifndef TW_KIND_H
#define TW_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "details.h"
#include "result.h"

/* The loader positioned at one key of an endpoint (opaque; valid during parse only). */
struct conf_kv;

/* A config key a kind declares: "signers", or "expect.min_remaining" inside expect. */
struct conf_key {
	const char	*key;
	/* Reads the key's value into ep->kind_conf (set up by kind_info.conf_new). */
	void		(*parse)(struct conf_kv *, struct conf_endpoint *ep);
};

struct kind_info {
	const char	*label;		/* N_ heading on the index ("Time-stamps") */
	const char	*description;	/* N_ what the check verifies (methodology, pages) */
	/* N_ labels of the endpoint page's rows for DETAIL_SIGNER_NOT_AFTER, DETAIL_NEXT_UPDATE */
	const char	*signer_label, *next_update_label;
	/* N_ explain texts (core/explain.c), NULL = the generic sentence. */
	const char	*unavailable;	/* the service cannot be used */
	const char	*untrustworthy;	/* the answer came but must not be believed */
	const char	*stale, *expired, *clock_skew, *regressed;
	/* Reasons beyond the transport's that this kind can end with: bit per enum reason. */
	uint64_t	 reasons;
	/* The kind's own config keys; NULL-terminated by n_keys. */
	const struct conf_key *keys;
	size_t		 n_keys;
	/* Allocates ep->kind_conf with its defaults, before any key is read. */
	void		*(*conf_new)(void);
	/* After every key: reports missing or inconsistent keys with conf_kv_err. */
	void		(*conf_check)(struct conf_kv *, struct conf_endpoint *ep);
	/*
	 * After every endpoint of ep's provider p is read: checks what ep names among them
	 * (the ocsp `crl:` key), reporting with conf_kv_key_err. NULL = nothing to check.
	 */
	void		(*conf_check_provider)(struct conf_kv *, struct conf_endpoint *ep,
			    const struct conf_provider *p);
	void		(*conf_free)(void *kind_conf);
	/* Appends " key=value" pairs of its settings for the endpoint page (static buffer). */
	void		(*settings)(const struct conf_endpoint *ep, char *out, size_t len);
	/*
	 * The kind names what it watches with keys of its own (dns: zone), not url: url is not
	 * required, and its conf_check sets ep->url to a URI for display ("dns:luxtrust.lu").
	 */
	bool		 no_url;
	/* Its results may carry DETAIL_EVENTS: the site has a "Changes" page. */
	bool		 events;
	/*
	 * A list field of findings the endpoint page shows as a table, NULL = none: each item
	 * an object {check (an N_ label), severity ("ok", "info", "degraded", "down"), text}.
	 */
	const struct detail_field *findings;
	const char	*findings_title;	/* its heading (an N_ label), "Findings" when NULL */
	/* The kind's own detail fields (core/details.h), for documentation and readers. */
	const struct detail_field *details;
	size_t		 n_details;
};

#define REASON_BIT(r)	(UINT64_C(1) << (r))

/* Returns the kind's info (never NULL for k < KIND__MAX; an empty one when it has none). */
const struct kind_info *kind_info(enum probe_kind k);

/* Returns the kind named s, or -1. */
int kind_from_name(const char *s);

/* The value's accessors for conf_key.parse: 0 on success, -1 after recording an error. */
int conf_kv_str(struct conf_kv *, char **out);
int conf_kv_bool(struct conf_kv *, bool *out);
int conf_kv_duration(struct conf_kv *, int64_t *ms);
int conf_kv_int(struct conf_kv *, long min, long max, int *out);
/* Reads a file name (relative to the config) and every certificate in it (caller frees both). */
int conf_kv_certs(struct conf_kv *, char **path, STACK_OF(X509) **certs);
/* Whether the endpoint's mapping has key (for conf_check). */
bool conf_kv_has(struct conf_kv *, const char *key);
void conf_kv_err(struct conf_kv *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, positioned at the value of the endpoint's key (at the endpoint when absent). */
void conf_kv_key_err(struct conf_kv *, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
