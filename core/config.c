/*
 * Configuration loader: the whole schema of SPEC §2 over the tree config_yaml.c composes.
 * Every error found is recorded as "FILE:LINE:COL: message"; loading goes on after
 * an error so that one run reports them all.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <yaml.h>

#include "config.h"
#include "config_int.h"
#include "kind.h"
#include "util.h"

/* 100,000 endpoints take ~15 MB of YAML; the file is held only while it is composed. */
#define CONF_FILE_MAX	(64u << 20)
/* A tree of this many nodes (~10,000 endpoints) is worth a malloc_trim once freed. */
#define CONF_TRIM_NODES	100000

const char *const kind_names[KIND__MAX] = {
#define KIND(e, n)	[KIND_##e] = #n,
#include "kinds.def"
#undef KIND
};
const char *const ocsp_method_names[OCSP_METHOD__MAX] = {
	[OCSP_METHOD_AUTO] = "auto", [OCSP_METHOD_GET] = "get", [OCSP_METHOD_POST] = "post",
};
const char *const cert_status_names[CERT__MAX] = {
	[CERT_GOOD] = "good", [CERT_REVOKED] = "revoked", [CERT_UNKNOWN] = "unknown",
};

void
cl_err(struct loader *L, const cl_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	struct conf_errors *e = L->errs;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	e->msg = xrealloc(e->msg, (e->n + 1) * sizeof(*e->msg));
	if (n != NULL)
		e->msg[e->n++] = xasprintf("%s:%zu:%zu: %s", L->file, (size_t)n->line + 1,
		    (size_t)n->column + 1, msg ? msg : "error");
	else
		e->msg[e->n++] = xasprintf("%s: %s", L->file, msg ? msg : "error");
	free(msg);
}

const char *
cl_scalar(struct loader *L, cl_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		cl_err(L, n, "%s: expected a %s, found a %s", L->key, what,
		    n->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	return (const char *)n->value;
}

/*
 * Calls fn for each key/value pair of mapping n in section.
 * Rejects non-mappings, non-scalar keys and duplicate keys.
 */
void
cl_each(struct loader *L, cl_node_t *n, const char *section,
    void (*fn)(struct loader *, const char *key, cl_node_t *k, cl_node_t *v, void *),
    void *arg)
{
	if (n->type != YAML_MAPPING_NODE) {
		cl_err(L, n, "%s: expected a mapping", section);
		return;
	}
	for (size_t p = 0; p < cl_count(n); p++) {
		cl_node_t *k = cl_pair_key(L, n, p), *v = cl_pair_value(L, n, p);
		const char *key;
		int dup = 0;

		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			cl_err(L, k, "%s: keys must be plain names", section);
			continue;
		}
		key = k->value;
		for (size_t q = 0; q < p; q++) {
			cl_node_t *qk = cl_pair_key(L, n, q);

			if (qk != NULL && qk->type == YAML_SCALAR_NODE &&
			    strcmp(qk->value, key) == 0)
				dup = 1;
		}
		if (dup) {
			cl_err(L, k, "duplicate key '%s' in %s", key, section);
			continue;
		}
		snprintf(L->key, sizeof(L->key), "%s", key);
		fn(L, key, k, v, arg);
	}
}

void
cl_unknown(struct loader *L, cl_node_t *k, const char *key, const char *section,
    const char *expected)
{
	cl_err(L, k, "unknown key '%s' in %s (expected one of: %s)", key, section, expected);
}

int
cl_str(struct loader *L, cl_node_t *v, char **out)
{
	const char *s = cl_scalar(L, v, "string");

	if (s == NULL)
		return -1;
	free(*out);
	*out = xstrdup(s);
	return 0;
}

int
cl_int(struct loader *L, cl_node_t *v, long min, long max, int *out)
{
	const char *s = cl_scalar(L, v, "number");
	char *end;
	long x;

	if (s == NULL)
		return -1;
	errno = 0;
	x = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0) {
		cl_err(L, v, "%s: expected an integer, found '%s'", L->key, s);
		return -1;
	}
	if (x < min || x > max) {
		cl_err(L, v, "%s: %ld is out of range (%ld..%ld)", L->key, x, min, max);
		return -1;
	}
	*out = (int)x;
	return 0;
}

int
cl_bool(struct loader *L, cl_node_t *v, bool *out)
{
	const char *s = cl_scalar(L, v, "boolean");

	if (s == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
		*out = false;
	else {
		cl_err(L, v, "%s: expected true or false, found '%s'", L->key, s);
		return -1;
	}
	return 0;
}

int
cl_duration(struct loader *L, cl_node_t *v, int64_t *out)
{
	const char *s = cl_scalar(L, v, "duration");
	int64_t ms;

	if (s == NULL)
		return -1;
	if (duration_parse(s, &ms) != 0) {
		cl_err(L, v, "%s: bad duration '%s' (expected e.g. 500ms, 10s, 5m, 1h, 7d or 1h30m)",
		    L->key, s);
		return -1;
	}
	*out = ms;
	return 0;
}

int
cl_positive_duration(struct loader *L, cl_node_t *v, int64_t *out)
{
	int64_t ms;

	if (cl_duration(L, v, &ms) != 0)
		return -1;
	if (ms <= 0) {
		cl_err(L, v, "%s: must be longer than 0", L->key);
		return -1;
	}
	*out = ms;
	return 0;
}

/* A duration of at least min_ms (> 0); below it, an error naming the key and the floor. */
int
cl_min_duration(struct loader *L, cl_node_t *v, int64_t min_ms, int64_t *out)
{
	int64_t ms;
	char floor[32];

	if (cl_duration(L, v, &ms) != 0)
		return -1;
	if (ms < min_ms) {
		duration_format(min_ms, floor, sizeof(floor));
		cl_err(L, v, "%s: %s is too short (at least %s)", L->key,
		    (const char *)v->value, floor);
		return -1;
	}
	*out = ms;
	return 0;
}

int
cl_time(struct loader *L, cl_node_t *v, int64_t *out)
{
	const char *s = cl_scalar(L, v, "time");

	if (s == NULL)
		return -1;
	if (rfc3339_parse(s, out) != 0) {
		cl_err(L, v, "%s: bad time '%s' (expected RFC 3339, e.g. 2026-12-01T01:00:00Z)",
		    L->key, s);
		return -1;
	}
	return 0;
}

int
cl_strlist(struct loader *L, cl_node_t *v, char ***out, size_t *n)
{
	const char *key = L->key[0] ? L->key : "list";
	char keycopy[sizeof(L->key)];

	snprintf(keycopy, sizeof(keycopy), "%s", key);
	if (v->type == YAML_SCALAR_NODE) {
		/* A single string is accepted as a one-element list. */
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrdup((const char *)v->value);
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		cl_err(L, v, "%s: expected a list of strings", keycopy);
		return -1;
	}
	for (size_t i = 0; i < cl_count(v); i++) {
		cl_node_t *e = cl_item(L, v, i);

		if (e == NULL)
			continue;
		if (e->type != YAML_SCALAR_NODE) {
			cl_err(L, e, "%s: expected a string in the list", keycopy);
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrdup((const char *)e->value);
	}
	return 0;
}

char *
cl_path(struct loader *L, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", L->dir, p);
}

int
cl_url(struct loader *L, cl_node_t *v, const char *const *schemes, char **out)
{
	const char *s = cl_scalar(L, v, "URL");
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; schemes[i] != NULL; i++) {
		size_t n = strlen(schemes[i]);

		if (strncasecmp(s, schemes[i], n) == 0 && strncmp(s + n, "://", 3) == 0 &&
		    s[n + 3] != '\0' && s[n + 3] != '/')
			break;
	}
	if (schemes[i] == NULL) {
		struct buf b = { 0 };

		for (i = 0; schemes[i] != NULL; i++)
			buf_printf(&b, "%s%s://", i ? " or " : "", schemes[i]);
		cl_err(L, v, "%s: invalid URL scheme in '%s' (expected %s)", L->key, s,
		    (char *)b.data);
		buf_free(&b);
		return -1;
	}
	for (const char *c = s; *c; c++) {
		if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
			cl_err(L, v, "%s: URL '%s' contains spaces or control characters", L->key, s);
			return -1;
		}
	}
	free(*out);
	*out = xstrdup(s);
	return 0;
}

int
cl_id(struct loader *L, cl_node_t *v, char **out)
{
	const char *s = cl_scalar(L, v, "string");

	if (s == NULL)
		return -1;
	if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s) ||
	    strlen(s) > 64) {
		cl_err(L, v, "%s: invalid id '%s' (expected [a-z0-9-]+, at most 64 characters)",
		    L->key, s);
		return -1;
	}
	free(*out);
	*out = xstrdup(s);
	return 0;
}

static void
load_root(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;

	(void)arg;
	if (strcmp(key, "storage") == 0) {
		L->have_storage = v;
		cl_section_storage(L, v);
	} else if (strcmp(key, "defaults") == 0)
		cl_section_defaults(L, v);
	else if (strcmp(key, "incidents") == 0)
		cl_section_incidents(L, v);
	else if (strcmp(key, "alerts") == 0) {
		c->alerts.enabled = true;
		cl_section_alerts(L, v);
	} else if (strcmp(key, "report") == 0)
		cl_section_report(L, v);
	else if (strcmp(key, "web") == 0)
		cl_section_web(L, v);
	else if (strcmp(key, "maintenance") == 0)
		L->maintenance = v;
	else if (strcmp(key, "providers") == 0)
		L->providers = v;
	else if (strcmp(key, "node") == 0)
		cl_section_node(L, v);
	else if (strcmp(key, "quorum") == 0)
		cl_quorum(L, v);
	else if (strcmp(key, "record") == 0)
		L->record = v;
	else if (strcmp(key, "workers") == 0)
		cl_int(L, v, 0, 64, &c->workers);	/* POOL_MAX_WORKERS */
	else
		cl_unknown(L, k, key, "the configuration",
		    "storage, defaults, incidents, alerts, report, web, maintenance, providers, "
		    "node, quorum, record, workers");
}

static void
set_defaults(struct conf *c)
{
	c->storage.retention_ms = 400LL * 86400000;
	c->defaults.interval_ms = 60000;
	c->defaults.timeout_ms = 10000;
	c->defaults.degraded_after_ms = 2000;
	c->incidents.open_after = 3;
	c->incidents.close_after = 2;
	c->alerts.remind_every_ms = 3600000;
	c->alerts.digest_window_ms = 60000;
	c->report.every_ms = 300000;
	c->report.title = xstrdup("Service status");
	c->report.timezone = xstrdup("UTC");
}

static char *
dir_of(const char *path)
{
	char *copy = xstrdup(path), *slash = strrchr(copy, '/'), *dir, cwd[PATH_MAX];

	if (slash == NULL) {
		free(copy);
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return xstrdup(".");
		return xstrdup(cwd);
	}
	if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (copy[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		dir = xasprintf("%s/%s", cwd, copy);
	else
		dir = xstrdup(copy);
	free(copy);
	return dir;
}

struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	struct loader L;
	struct conf *c = xcalloc(1, sizeof(*c));
	FILE *f = NULL;
	struct stat st = { 0 };
	int fd, rc;
	bool big;
	cl_node_t *root;

	memset(errs, 0, sizeof(*errs));
	memset(&L, 0, sizeof(L));
	L.file = path;
	L.errs = errs;
	L.c = c;
	c->path = xstrdup(path);
	c->dir = dir_of(path);
	L.dir = c->dir;
	set_defaults(c);

	/*
	 * Never blocks: a FIFO or a device at path is refused (SIGHUP re-reads it under run).
	 * Read in pieces while it is composed, never whole (15 MB for 100,000 endpoints).
	 */
	if ((fd = file_open_regular(path)) < 0 || fstat(fd, &st) != 0 ||
	    (size_t)st.st_size > CONF_FILE_MAX || (f = fdopen(fd, "rb")) == NULL) {
		int e = fd >= 0 && st.st_size > (off_t)CONF_FILE_MAX ? EFBIG : errno;

		if (fd >= 0)
			close(fd);
		cl_err(&L, NULL, "cannot read: %s", e == EFBIG ? "larger than 64 MiB" :
		    file_strerror(e));
		conf_free(c);
		return NULL;
	}
	rc = cl_compose(&L, f, CONF_FILE_MAX);
	fclose(f);
	if (rc != 0) {
		conf_free(c);
		return NULL;
	}
	root = cl_root(&L);
	if (root == NULL) {
		cl_err(&L, NULL, "the file is empty (expected a mapping with 'providers')");
	} else {
		cl_each(&L, root, "the configuration", load_root, NULL);
		if (root->type == YAML_MAPPING_NODE && L.providers == NULL)
			cl_err(&L, root, "missing required key 'providers'");
		if (L.providers != NULL) {
			snprintf(L.key, sizeof(L.key), "providers");
			cl_section_providers(&L, L.providers);
			cl_deps_check(&L);
		}
		if (L.maintenance != NULL) {
			snprintf(L.key, sizeof(L.key), "maintenance");
			cl_section_maintenance(&L, L.maintenance);
		}
	}
	if (c->storage.path == NULL)
		c->storage.path = cl_path(&L, "trustwatch.db");
	if (c->report.output == NULL)
		c->report.output = cl_path(&L, "site");
	if (errs->n == 0) {
		char *why = conf_output_problem(c, c->report.output);

		if (why != NULL)
			cl_err(&L, L.report_output, "%s%s", L.report_output ? "output: " :
			    "report.output (default: site beside the configuration): ", why);
		free(why);
	}
	cl_node_finish(&L);
	if (L.record != NULL) {
		snprintf(L.key, sizeof(L.key), "record");
		cl_section_record(&L, L.record);
	}
	if (c->report.n_languages == 0) {
		c->report.languages = xcalloc(1, sizeof(char *));
		c->report.languages[0] = xstrdup("en");
		c->report.n_languages = 1;
	}
	big = L.doc.n_nodes >= CONF_TRIM_NODES;
	cl_doc_free(&L);
	cl_certs_free(&L);
	/*
	 * The composed tree was freed (16 bytes per node, ~20 MB for 100,000 endpoints) in
	 * blocks below the mmap threshold: glibc keeps such pages in the heap, so the daemon's
	 * RSS would carry the load's peak for good. Hand the free pages back once, after a
	 * large load only (a walk of the heap).
	 */
	if (big)
		malloc_trim(0);
	if (errs->n > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
kind_from_name(const char *s)
{
	for (int k = 0; s != NULL && k < KIND__MAX; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

void
conf_endpoint_clear(struct conf_endpoint *e)
{
	free(e->id);
	free(e->url);
	free(e->tls_ca);
	free(e->issuer_path);
	X509_free(e->issuer);
	free(e->certificate_path);
	X509_free(e->certificate);
	free(e->trust_path);
	sk_X509_pop_free(e->trust, X509_free);
	free(e->expect.body_contains);
	free(e->expect.issuer);
	free(e->expect.policy);
	if (e->kind_conf != NULL && e->kind < KIND__MAX && kind_info(e->kind)->conf_free != NULL)
		kind_info(e->kind)->conf_free(e->kind_conf);
	memset(e, 0, sizeof(*e));
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->dir);
	free(c->storage.path);
	free(c->storage.url);
	free(c->storage.password_env);
	if (c->storage.password != NULL)
		explicit_bzero(c->storage.password, strlen(c->storage.password));
	free(c->storage.password);
	free(c->alerts.smtp_url);
	free(c->alerts.from);
	free(c->alerts.tls_ca);
	free(c->alerts.username);
	free(c->alerts.password);
	free(c->alerts.username_env);
	free(c->alerts.password_env);
	strv_free(c->alerts.to, c->alerts.n_to);
	for (size_t i = 0; i < c->alerts.n_webhooks; i++) {
		free(c->alerts.webhooks[i].url);
		free(c->alerts.webhooks[i].secret_env);
		free(c->alerts.webhooks[i].secret);
	}
	free(c->alerts.webhooks);
	free(c->report.output);
	free(c->report.title);
	free(c->report.base_url);
	free(c->report.timezone);
	strv_free(c->report.languages, c->report.n_languages);
	free(c->web.listen);
	cl_node_free(c);
	cl_record_free(c);
	for (size_t i = 0; i < c->n_maintenance; i++) {
		free(c->maintenance[i].provider);
		free(c->maintenance[i].endpoint);
		free(c->maintenance[i].note);
	}
	free(c->maintenance);
	for (size_t i = 0; i < c->n_providers; i++) {
		struct conf_provider *p = &c->providers[i];

		free(p->id);
		free(p->name);
		free(p->group);
		strv_free(p->alerts_to, p->n_alerts_to);
		for (size_t j = 0; j < p->n_endpoints; j++)
			conf_endpoint_clear(&p->endpoints[j]);
		free(p->endpoints);
		cl_deps_free(p);
	}
	free(c->providers);
	free(c);
}

void
conf_errors_free(struct conf_errors *e)
{
	strv_free(e->msg, e->n);
	e->msg = NULL;
	e->n = 0;
}

const struct conf_provider *
conf_find_provider(const struct conf *c, const char *provider)
{
	for (size_t i = 0; i < c->n_providers; i++)
		if (strcmp(c->providers[i].id, provider) == 0)
			return &c->providers[i];
	return NULL;
}

const char *
conf_store_where(const struct conf *c)
{
	return c->storage.url != NULL ? c->storage.url : c->storage.path;
}

const struct conf_endpoint *
conf_find(const struct conf *c, const char *provider, const char *endpoint)
{
	const struct conf_provider *p = conf_find_provider(c, provider);

	if (p == NULL)
		return NULL;
	for (size_t j = 0; j < p->n_endpoints; j++)
		if (strcmp(p->endpoints[j].id, endpoint) == 0)
			return &p->endpoints[j];
	return NULL;
}

int
conf_in_maintenance(const struct conf *c, const struct conf_endpoint *ep, int64_t t)
{
	for (size_t i = 0; i < c->n_maintenance; i++) {
		const struct conf_maintenance *m = &c->maintenance[i];

		if (strcmp(m->provider, ep->provider->id) != 0)
			continue;
		if (m->endpoint != NULL && strcmp(m->endpoint, ep->id) != 0)
			continue;
		if (t >= m->start_ms && t < m->end_ms)
			return 1;
	}
	return 0;
}
