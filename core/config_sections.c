/* The configuration's sections other than providers: storage, defaults, incidents, alerts, report, web, maintenance. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "addr.h"
#include "config_int.h"
#include "storeurl.h"
#include "tz.h"
#include "util.h"

static const char *const http_schemes[] = { "http", "https", NULL };
static const char *const smtp_schemes[] = { "smtp", "smtps", NULL };

/* Does path exist as something a database can never be? (stat never blocks on a FIFO) */
static bool
storage_not_regular(const char *path)
{
	struct stat sb;

	return strcmp(path, ":memory:") != 0 && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
}

/* Does s hold a space, a control character or DEL? */
static bool
has_space_or_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * Checks v as a storage.url: a libpq URI (postgresql:// or postgres://, as libpq spells
 * them) without white space, control characters or a password (secrets are never in the
 * file). Messages show the URI redacted. Returns 0 and sets *out, or -1 after an error at v.
 */
static int
storage_url(struct loader *L, cl_node_t *v, char **out)
{
	const char *s = cl_scalar(L, v, "URL");
	char *shown;
	int rc = -1;

	if (s == NULL)
		return -1;
	shown = store_url_redacted(s);
	if (strlen(s) != cl_scalar_len(s) || has_space_or_ctl(s))
		cl_err(L, v, "url: the URI contains spaces or control characters");
	else if (!store_url_is(s))
		cl_err(L, v, "url: '%s' is not a PostgreSQL URI (expected postgresql:// or "
		    "postgres://; without url, the store is SQLite at path)", shown);
	else if (strcmp(shown, s) != 0)
		cl_err(L, v, "url: '%s': no password in the URI (secrets are never in the file: "
		    "name an environment variable with password_env)", shown);
	else {
		free(*out);
		*out = xstrdup(s);
		rc = 0;
	}
	free(shown);
	return rc;
}

/* Reads storage.password_env: the variable must be set and not empty. */
static void
storage_password_env(struct loader *L, cl_node_t *v, struct conf *c)
{
	const char *s;

	if (cl_str(L, v, &c->storage.password_env) != 0)
		return;
	if ((s = getenv(c->storage.password_env)) == NULL || *s == '\0') {
		cl_err(L, v, "password_env: environment variable '%s' is %s", c->storage.password_env,
		    s == NULL ? "not set" : "empty");
		return;
	}
	free(c->storage.password);
	c->storage.password = xstrdup(s);
}

/* The storage keys given, for the checks that involve two of them. */
struct storage_keys {
	cl_node_t	*url;
	cl_node_t	*password_env;
};

static void
storage_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;
	struct storage_keys *seen = arg;
	char *s = NULL;

	if (strcmp(key, "path") == 0) {
		if (cl_str(L, v, &s) == 0) {
			free(c->storage.path);
			c->storage.path = strcmp(s, ":memory:") == 0 ? xstrdup(s) : cl_path(L, s);
			if (storage_not_regular(c->storage.path))
				cl_err(L, v, "path: %s is not a regular file (a FIFO, device, socket or directory)",
				    c->storage.path);
		}
		free(s);
	} else if (strcmp(key, "url") == 0) {
		seen->url = v;
		storage_url(L, v, &c->storage.url);
	} else if (strcmp(key, "password_env") == 0) {
		seen->password_env = v;
		storage_password_env(L, v, c);
	} else if (strcmp(key, "retention") == 0)
		cl_positive_duration(L, v, &c->storage.retention_ms);
	else
		cl_unknown(L, k, key, "storage", "path, url, password_env, retention");
}

/*
 * storage: path (SQLite, or with url the prefix of the local files), url, password_env
 * (only with url: SQLite has no password), retention.
 */
void
cl_section_storage(struct loader *L, cl_node_t *n)
{
	struct storage_keys seen = { NULL, NULL };

	cl_each(L, n, "storage", storage_key, &seen);
	if (seen.password_env != NULL && seen.url == NULL)
		cl_err(L, seen.password_env, "password_env: only with url (a SQLite store has no "
		    "password)");
}

static void
defaults_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;

	(void)arg;
	if (strcmp(key, "interval") == 0)
		cl_min_duration(L, v, CONF_MIN_INTERVAL_MS, &c->defaults.interval_ms);
	else if (strcmp(key, "timeout") == 0)
		cl_min_duration(L, v, CONF_MIN_TIMEOUT_MS, &c->defaults.timeout_ms);
	else if (strcmp(key, "degraded_after") == 0)
		cl_positive_duration(L, v, &c->defaults.degraded_after_ms);
	else
		cl_unknown(L, k, key, "defaults", "interval, timeout, degraded_after");
}

void
cl_section_defaults(struct loader *L, cl_node_t *n)
{
	cl_each(L, n, "defaults", defaults_key, NULL);
}

static void
incidents_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;

	(void)arg;
	if (strcmp(key, "open_after") == 0)
		cl_int(L, v, 1, 1000, &c->incidents.open_after);
	else if (strcmp(key, "close_after") == 0)
		cl_int(L, v, 1, 1000, &c->incidents.close_after);
	else
		cl_unknown(L, k, key, "incidents", "open_after, close_after");
}

void
cl_section_incidents(struct loader *L, cl_node_t *n)
{
	cl_each(L, n, "incidents", incidents_key, NULL);
}

/* Reads the secret named by an *_env key; an unset variable is an error. */
static void
env_secret(struct loader *L, cl_node_t *v, char **name, char **value)
{
	const char *s;

	if (cl_str(L, v, name) != 0)
		return;
	if ((s = getenv(*name)) == NULL) {
		cl_err(L, v, "%s: environment variable '%s' is not set", L->key, *name);
		return;
	}
	free(*value);
	*value = xstrdup(s);
}

/*
 * Checks scalar v as one mailbox ("addr" or "Name <addr>"): returns it (caller frees), or
 * NULL after recording why at v. CR, LF and NUL are refused, never echoed.
 */
static char *
addr_node(struct loader *L, cl_node_t *v, const char *what)
{
	const char *s = cl_scalar(L, v, "string"), *why;
	struct addr a;

	if (s == NULL)
		return NULL;
	if (strlen(s) != cl_scalar_len(s)) {
		cl_err(L, v, "%s: the address contains a NUL character", what);
		return NULL;
	}
	if (addr_parse(s, &a, &why) != 0) {
		if (strpbrk(s, "\r\n") != NULL || strcmp(why, "contains a control character") == 0)
			cl_err(L, v, "%s: the address %s", what, why);
		else
			cl_err(L, v, "%s: '%s' is not a valid address: %s", what, s, why);
		return NULL;
	}
	addr_clear(&a);
	return xstrdup(s);
}

int
cl_addrs(struct loader *L, cl_node_t *v, char ***out, size_t *n)
{
	char what[sizeof(L->key)], *a;
	int rc = 0;

	snprintf(what, sizeof(what), "%s", L->key[0] ? L->key : "address");
	if (v->type == YAML_SCALAR_NODE) {
		/* A single string is accepted as a one-element list. */
		if ((a = addr_node(L, v, what)) == NULL)
			return -1;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = a;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		cl_err(L, v, "%s: expected a list of addresses", what);
		return -1;
	}
	for (size_t i = 0; i < cl_count(v); i++) {
		cl_node_t *e = cl_item(L, v, i);

		if (e == NULL)
			continue;
		if (e->type != YAML_SCALAR_NODE || (a = addr_node(L, e, what)) == NULL) {
			if (e->type != YAML_SCALAR_NODE)
				cl_err(L, e, "%s: expected an address in the list", what);
			rc = -1;
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = a;
	}
	return rc;
}

/* tls_ca: a PEM file whose certificates OpenSSL can add to a trust store, as mail.c does. */
static void
smtp_tls_ca(struct loader *L, cl_node_t *v, char **out)
{
	char *s = NULL;
	X509_STORE *st;
	int fd;

	if (cl_str(L, v, &s) != 0)
		return;
	free(*out);
	*out = cl_path(L, s);
	free(s);
	if ((fd = file_open_regular(*out)) < 0) {
		/* never X509_STORE_load_file on a FIFO: it would block */
		cl_err(L, v, "tls_ca: %s: no PEM certificate could be read (%s)", *out,
		    file_strerror(errno));
		return;
	}
	close(fd);
	if ((st = X509_STORE_new()) == NULL || X509_STORE_load_file(st, *out) != 1)
		cl_err(L, v, "tls_ca: %s: no PEM certificate could be read", *out);
	X509_STORE_free(st);
	ERR_clear_error();
}

static void
smtp_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;

	(void)arg;
	if (strcmp(key, "url") == 0) {
		if (cl_url(L, v, smtp_schemes, &c->alerts.smtp_url) == 0) {
			const char *h = strstr(c->alerts.smtp_url, "://") + 3;

			if (memchr(h, '@', strcspn(h, "/?#")) != NULL)
				cl_err(L, v, "url: no user or password in the URL (secrets are "
				    "never in the file: use username_env and password_env)");
		}
	} else if (strcmp(key, "from") == 0) {
		char *a = addr_node(L, v, "from");

		if (a != NULL) {
			free(c->alerts.from);
			c->alerts.from = a;
		} else if (c->alerts.from == NULL)
			c->alerts.from = xstrdup("");	/* reported; not "missing" too */
	} else if (strcmp(key, "tls_ca") == 0)
		smtp_tls_ca(L, v, &c->alerts.tls_ca);
	else if (strcmp(key, "username_env") == 0)
		env_secret(L, v, &c->alerts.username_env, &c->alerts.username);
	else if (strcmp(key, "password_env") == 0)
		env_secret(L, v, &c->alerts.password_env, &c->alerts.password);
	else
		cl_unknown(L, k, key, "alerts.smtp", "url, from, tls_ca, username_env, password_env");
}

static const char *const webhook_schemes[] = { "http", "https", NULL };

static void
webhook_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf_webhook *w = arg;

	if (strcmp(key, "url") == 0)
		cl_url(L, v, webhook_schemes, &w->url);
	else if (strcmp(key, "secret_env") == 0)
		env_secret(L, v, &w->secret_env, &w->secret);
	else
		cl_unknown(L, k, key, "alerts.webhooks", "url, secret_env");
}

/* alerts.webhooks: [{url, secret_env}], both required. */
static void
webhooks(struct loader *L, cl_node_t *n)
{
	struct conf *c = L->c;

	if (n->type != YAML_SEQUENCE_NODE) {
		cl_err(L, n, "webhooks: expected a list of {url, secret_env}");
		return;
	}
	for (size_t i = 0; i < cl_count(n); i++) {
		cl_node_t *e = cl_item(L, n, i);
		struct conf_webhook *w;

		if (e == NULL)
			continue;
		c->alerts.webhooks = xrealloc(c->alerts.webhooks,
		    (c->alerts.n_webhooks + 1) * sizeof(*w));
		w = &c->alerts.webhooks[c->alerts.n_webhooks++];
		memset(w, 0, sizeof(*w));
		cl_each(L, e, "alerts.webhooks", webhook_key, w);
		if (e->type != YAML_MAPPING_NODE)
			continue;
		if (w->url == NULL)
			cl_err(L, e, "alerts.webhooks: missing required key 'url'");
		if (w->secret_env == NULL)
			cl_err(L, e, "alerts.webhooks: missing required key 'secret_env' (the "
			    "secret itself is never in the file)");
	}
}

static void
alerts_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;
	int *have_smtp = arg;

	if (strcmp(key, "smtp") == 0) {
		*have_smtp = 1;
		cl_each(L, v, "alerts.smtp", smtp_key, NULL);
		if (v->type == YAML_MAPPING_NODE && c->alerts.smtp_url == NULL)
			cl_err(L, v, "alerts.smtp: missing required key 'url'");
		if (v->type == YAML_MAPPING_NODE && c->alerts.from == NULL)
			cl_err(L, v, "alerts.smtp: missing required key 'from'");
	} else if (strcmp(key, "to") == 0)
		cl_addrs(L, v, &c->alerts.to, &c->alerts.n_to);
	else if (strcmp(key, "remind_every") == 0)
		cl_positive_duration(L, v, &c->alerts.remind_every_ms);
	else if (strcmp(key, "digest_window") == 0)
		cl_duration(L, v, &c->alerts.digest_window_ms);
	else if (strcmp(key, "webhooks") == 0)
		webhooks(L, v);
	else
		cl_unknown(L, k, key, "alerts", "smtp, to, remind_every, digest_window, webhooks");
}

void
cl_section_alerts(struct loader *L, cl_node_t *n)
{
	int have_smtp = 0;

	cl_each(L, n, "alerts", alerts_key, &have_smtp);
	if (n->type == YAML_MAPPING_NODE && !have_smtp)
		cl_err(L, n, "alerts: missing required key 'smtp'");
}

static const char *const languages[] = { "en", "fr", "de" };

static void
report_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;
	char *s = NULL;

	(void)arg;
	if (strcmp(key, "output") == 0) {
		if (cl_str(L, v, &s) == 0) {
			free(c->report.output);
			c->report.output = cl_path(L, s);
			L->report_output = v;
			c->report.output_line = (int)v->line + 1;
			c->report.output_col = (int)v->column + 1;
		}
		free(s);
	} else if (strcmp(key, "title") == 0)
		cl_str(L, v, &c->report.title);
	else if (strcmp(key, "base_url") == 0)
		cl_url(L, v, http_schemes, &c->report.base_url);
	else if (strcmp(key, "timezone") == 0) {
		if (cl_str(L, v, &s) == 0) {
			char *why = NULL;
			struct tz *zone = tz_load(s, &why);

			if (zone == NULL || *s == '\0')
				cl_err(L, v, "timezone: unknown time zone '%s' (expected an IANA name such as Europe/Luxembourg)", s);
			else {
				free(c->report.timezone);
				c->report.timezone = s;
				s = NULL;
			}
			tz_free(zone);
			free(why);
		}
		free(s);
	} else if (strcmp(key, "languages") == 0) {
		if (cl_strlist(L, v, &c->report.languages, &c->report.n_languages) == 0) {
			for (size_t i = 0; i < c->report.n_languages; i++) {
				size_t j;

				for (j = 0; j < NELEM(languages); j++)
					if (strcmp(c->report.languages[i], languages[j]) == 0)
						break;
				if (j == NELEM(languages))
					cl_err(L, v, "languages: unsupported language '%s' (expected en, fr or de)",
					    c->report.languages[i]);
				for (j = 0; j < i; j++)
					if (strcmp(c->report.languages[i], c->report.languages[j]) == 0)
						cl_err(L, v, "languages: '%s' is listed twice",
						    c->report.languages[i]);
			}
		}
	} else if (strcmp(key, "every") == 0)
		cl_min_duration(L, v, CONF_MIN_INTERVAL_MS, &c->report.every_ms);
	else
		cl_unknown(L, k, key, "report", "output, title, base_url, timezone, languages, every");
}

void
cl_section_report(struct loader *L, cl_node_t *n)
{
	cl_each(L, n, "report", report_key, NULL);
}

static void
web_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;

	(void)arg;
	if (strcmp(key, "listen") == 0) {
		const char *s = cl_scalar(L, v, "host:port");
		const char *colon;
		char *end;
		long port;

		if (s == NULL)
			return;
		colon = strrchr(s, ':');
		port = colon ? strtol(colon + 1, &end, 10) : -1;
		if (colon == NULL || colon == s || colon[1] == '\0' || *end != '\0' ||
		    port < 0 || port > 65535) {
			cl_err(L, v, "listen: expected HOST:PORT (e.g. 127.0.0.1:8080), found '%s'", s);
			return;
		}
		free(c->web.listen);
		c->web.listen = xstrdup(s);
	} else
		cl_unknown(L, k, key, "web", "listen");
}

void
cl_section_web(struct loader *L, cl_node_t *n)
{
	cl_each(L, n, "web", web_key, NULL);
}

static void
maint_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf_maintenance *m = arg;

	if (strcmp(key, "provider") == 0) {
		if (cl_str(L, v, &m->provider) == 0 && conf_find_provider(L->c, m->provider) == NULL)
			cl_err(L, v, "provider: no provider '%s' is configured", m->provider);
	} else if (strcmp(key, "endpoint") == 0)
		cl_str(L, v, &m->endpoint);
	else if (strcmp(key, "start") == 0) {
		if (cl_time(L, v, &m->start_ms) != 0)
			m->start_ms = INT64_MIN;	/* present but bad: already reported */
	} else if (strcmp(key, "end") == 0) {
		if (cl_time(L, v, &m->end_ms) != 0)
			m->end_ms = INT64_MIN;
	}
	else if (strcmp(key, "note") == 0)
		cl_str(L, v, &m->note);
	else
		cl_unknown(L, k, key, "maintenance", "provider, endpoint, start, end, note");
}

void
cl_section_maintenance(struct loader *L, cl_node_t *n)
{
	struct conf *c = L->c;

	if (n->type != YAML_SEQUENCE_NODE) {
		cl_err(L, n, "maintenance: expected a list of windows");
		return;
	}
	for (size_t i = 0; i < cl_count(n); i++) {
		cl_node_t *e = cl_item(L, n, i);
		struct conf_maintenance *m;

		if (e == NULL)
			continue;
		c->maintenance = xrealloc(c->maintenance, (c->n_maintenance + 1) * sizeof(*m));
		m = &c->maintenance[c->n_maintenance++];
		memset(m, 0, sizeof(*m));
		m->start_ms = m->end_ms = -1;
		cl_each(L, e, "maintenance", maint_key, m);
		if (e->type != YAML_MAPPING_NODE)
			continue;
		if (m->provider == NULL)
			cl_err(L, e, "maintenance: missing required key 'provider'");
		if (m->start_ms == -1)
			cl_err(L, e, "maintenance: missing required key 'start'");
		if (m->end_ms == -1)
			cl_err(L, e, "maintenance: missing required key 'end'");
		if (m->start_ms >= 0 && m->end_ms >= 0 && m->end_ms <= m->start_ms)
			cl_err(L, e, "maintenance: end must be after start");
		if (m->provider != NULL && m->endpoint != NULL &&
		    conf_find_provider(L->c, m->provider) != NULL &&
		    conf_find(L->c, m->provider, m->endpoint) == NULL)
			cl_err(L, e, "maintenance: provider '%s' has no endpoint '%s'", m->provider,
			    m->endpoint);
	}
}
