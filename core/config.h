/*
 * The configuration (SPEC §2), parsed with libyaml into typed structs.
 * Durations are milliseconds, times are Unix epoch milliseconds.
 * Certificates are loaded and parsed at load time; paths are absolute.
 */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* One constant per row of core/kinds.def, in its order. */
enum probe_kind {
#define KIND(e, n)	KIND_##e,
#include "kinds.def"
#undef KIND
	KIND__MAX
};
extern const char *const kind_names[KIND__MAX];

enum ocsp_method {
	OCSP_METHOD_AUTO,
	OCSP_METHOD_GET,
	OCSP_METHOD_POST,
	OCSP_METHOD__MAX
};
extern const char *const ocsp_method_names[OCSP_METHOD__MAX];

enum cert_status {
	CERT_GOOD,
	CERT_REVOKED,
	CERT_UNKNOWN,
	CERT__MAX
};
extern const char *const cert_status_names[CERT__MAX];

#define CONF_DEFAULT_MAX_BODY	(10u * 1024 * 1024)
#define CONF_MIN_INTERVAL_MS	1000	/* interval below 1s is an error */
#define CONF_MIN_TIMEOUT_MS	100	/* timeout below 100ms is an error */
#define CONF_NODE_ID_MAX	32	/* node.id: [a-z0-9-]{1,32} */

struct conf_expect {
	/* login */
	int		 http_status;	/* 0 = any 2xx */
	char		*body_contains;	/* NULL = not checked */
	bool		 oidc;
	char		*issuer;	/* OIDC issuer (or template) expected; NULL = derived from URL */
	bool		 saml_metadata;
	/* ocsp */
	enum cert_status cert_status;	/* default good */
	/* ocsp, crl */
	int64_t		 max_age_ms;	/* ocsp 4d, crl 7d */
	int64_t		 min_remaining_ms; /* crl 1h */
	/* tsa */
	char		*policy;	/* dotted OID, NULL = any */
	int64_t		 max_skew_ms;	/* 1s */
};

struct conf_provider;

struct conf_endpoint {
	char		*id;
	const struct conf_provider *provider;	/* borrowed back pointer */
	enum probe_kind	 kind;
	char		*url;
	int64_t		 interval_ms;
	int64_t		 timeout_ms;
	int64_t		 degraded_after_ms;
	int		 tls_min_days;		/* default 14 */
	/* addresses: first (SPEC §14): the first address of the host only (IPv4 before
	 * IPv6, lowest first); false (all, the default) probes every A and AAAA of the host
	 * in the same slot (probe/engine.c). */
	bool		 addresses_first;
	char		*tls_ca;		/* absolute path or NULL */
	size_t		 max_body;		/* bytes after decoding */
	/* ocsp: issuer + certificate; crl: issuer */
	char		*issuer_path;
	X509		*issuer;
	char		*certificate_path;
	X509		*certificate;
	/* tsa */
	char		*trust_path;
	STACK_OF(X509)	*trust;			/* every certificate in the trust file */
	int		 hash_nid;		/* NID_sha256 (default), NID_sha384, NID_sha512 */
	/* ocsp */
	enum ocsp_method method;
	bool		 nonce;
	struct conf_expect expect;
	/* The kind's own settings (core/kind.h conf_keys), owned, freed by its conf_free. */
	void		*kind_conf;
	const char	*source_address;	/* borrowed from conf.node; NULL = the system's choice */
	int		 line, col;		/* where the endpoint is declared */
};

/* One entry of a provider's depends_on or alternatives (SPEC §15). */
struct conf_dep {
	char		*id;			/* a provider id */
	int		 line, col;		/* where it is written */
};

struct conf_provider {
	char		*id;
	char		*name;			/* defaults to id */
	char		*group;			/* the site's heading for it, NULL = none */
	char	       **alerts_to;
	size_t		 n_alerts_to;
	struct conf_endpoint *endpoints;
	size_t		 n_endpoints;
	struct conf_dep	*depends_on;		/* every one is needed */
	size_t		 n_depends_on;
	struct conf_dep	*alternatives;		/* any one suffices */
	size_t		 n_alternatives;
	int		 line, col;
};

/* An alerts.webhooks entry: a signed JSON POST per alert. */
struct conf_webhook {
	char		*url;			/* http:// or https:// */
	char		*secret_env;		/* the variable that holds the HMAC key */
	char		*secret;		/* read from secret_env, never in the file */
};

struct conf_maintenance {
	char		*provider;		/* provider id */
	char		*endpoint;		/* endpoint id or NULL = whole provider */
	int64_t		 start_ms;
	int64_t		 end_ms;
	char		*note;
};

struct conf {
	char		*path;			/* the config file as given */
	int		 workers;		/* probe threads; 0 = on the main loop */
	char		*dir;			/* its directory, absolute */
	struct {
		char	*path;			/* absolute; the SQLite database, or with url the
						   prefix of the local files: PATH.lock, PATH.spool,
						   PATH.site-cache */
		char	*url;			/* postgresql:// or postgres:// URI, or NULL =
						   SQLite at path; never holds a password */
		char	*password_env;		/* the variable that holds the password, or NULL */
		char	*password;		/* read from password_env, never in the file;
						   never logged */
		int64_t	 retention_ms;		/* 400d */
	} storage;
	struct {
		int64_t	 interval_ms;		/* 60s */
		int64_t	 timeout_ms;		/* 10s */
		int64_t	 degraded_after_ms;	/* 2s */
	} defaults;
	struct {
		int	 open_after;		/* 3 */
		int	 close_after;		/* 2 */
	} incidents;
	struct {
		bool	 enabled;		/* the alerts section is present */
		char	*smtp_url;
		char	*from;			/* mailbox: addr or "Name <addr>" */
		char	*tls_ca;		/* absolute; extra trust anchors, NULL = none */
		char	*username;		/* read from username_env, NULL if unset */
		char	*password;		/* read from password_env, NULL if unset */
		char	*username_env;
		char	*password_env;
		char   **to;			/* mailboxes, as written */
		size_t	 n_to;
		int64_t	 remind_every_ms;	/* 1h */
		int64_t	 digest_window_ms;	/* 60s; 0 = a mail per incident */
		struct conf_webhook *webhooks;
		size_t	 n_webhooks;
	} alerts;
	struct {
		char	*output;		/* absolute, default DIR/site */
		int	 output_line, output_col; /* where output is set; 0 = the default */
		char	*title;
		char	*base_url;		/* NULL = none */
		char	*timezone;		/* default UTC */
		char   **languages;		/* default [en] */
		size_t	 n_languages;
		int64_t	 every_ms;		/* 5m */
	} report;
	struct {
		char	*listen;		/* NULL = no web server */
	} web;
	struct {
		char	*id;			/* [a-z0-9-]{1,32}; default: the host name */
		char	*location;		/* free text, default "" */
		char	*source_address;	/* IPv4 or IPv6 literal; NULL = the system's choice */
	} node;
	int		 quorum;		/* >= 1; 0 = a majority of the live nodes */
	/* The verifiable record (SPEC §12): without a record section nothing is logged. */
	struct {
		bool	 enabled;		/* the record section is present */
		char	*key;			/* absolute; the signer key keygen wrote */
		char	*origin;		/* default HOST/NODE from report.base_url */
		int64_t	 checkpoint_every_ms;	/* 1h, >= 1s */
		const struct conf_endpoint **timestamp_with;	/* tsa endpoints, borrowed */
		size_t	 n_timestamp_with;
	} record;
	struct conf_maintenance *maintenance;
	size_t		 n_maintenance;
	struct conf_provider *providers;
	size_t		 n_providers;
};

/* Every error found while loading, each "FILE:LINE:COL: message". */
struct conf_errors {
	char	       **msg;
	size_t		 n;
};

/*
 * Loads and validates path.
 * Returns the config (caller frees with conf_free), or NULL with every error in errs.
 * On success errs->n == 0.
 */
struct conf *conf_load(const char *path, struct conf_errors *errs);
void conf_free(struct conf *);
void conf_errors_free(struct conf_errors *);

/* Returns the endpoint provider/endpoint, or NULL. */
const struct conf_endpoint *conf_find(const struct conf *, const char *provider, const char *endpoint);
const struct conf_provider *conf_find_provider(const struct conf *, const char *provider);

/*
 * Where the store is, as store_open_at takes it: storage.url when set, else storage.path
 * (borrowed from c). It may hold a user name, never a password; show it through
 * store_url_redacted all the same.
 */
const char *conf_store_where(const struct conf *c);

/*
 * Why outdir may not hold the site (SPEC §9): it is /, a system directory, the home
 * directory, or equals or contains the directory of the store, of the config or of a file
 * the config names. Returns the reason (caller frees), or NULL when outdir may hold it.
 */
char *conf_output_problem(const struct conf *, const char *outdir);
/* path made absolute and clean, its existing part resolved through symlinks (caller frees). */
char *conf_path_canon(const char *path);

/*
 * A node id made from a host name: lower-cased, every character outside [a-z0-9-]
 * replaced by '-', cut at CONF_NODE_ID_MAX; "node" for an empty name. Caller frees.
 */
char *conf_node_id_from_host(const char *host);
/* Is s an IPv4 or IPv6 address literal (no host name, no zone, no brackets)? */
bool conf_source_address_valid(const char *s);
/* A node id as SPEC §11 allows it: [a-z0-9-]{1,32}. */
bool conf_node_id_valid(const char *s);

/* Returns 1 if ep is inside a maintenance window at t, else 0. */
int conf_in_maintenance(const struct conf *, const struct conf_endpoint *ep, int64_t t_ms);

#endif
