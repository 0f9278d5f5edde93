/*
 * The configuration's verifiable record (SPEC §12): the record section. Without it nothing
 * is logged. Loaded after providers and node, since timestamp_with names tsa endpoints and
 * the default origin is HOST/NODE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"
#include "util.h"

#define RECORD_MIN_EVERY_MS	1000

/* The host of an http(s) URL (caller frees), or NULL. */
static char *
url_host(const char *url)
{
	const char *p = strstr(url, "://"), *end;

	if (p == NULL)
		return NULL;
	p += 3;
	if ((end = strchr(p, '@')) != NULL && end < p + strcspn(p, "/"))
		p = end + 1;
	if (*p == '[') {
		end = strchr(p, ']');
		return end ? xasprintf("%.*s", (int)(end - p - 1), p + 1) : NULL;
	}
	end = p + strcspn(p, ":/?#");
	return end > p ? xasprintf("%.*s", (int)(end - p), p) : NULL;
}

/* An origin: printable ASCII without spaces or '+' (it names the note's key too). */
static bool
origin_valid(const char *s)
{
	if (*s == '\0' || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '+')
			return false;
	return true;
}

static void
key_file(struct loader *L, cl_node_t *v)
{
	struct conf *c = L->c;
	const char *s = cl_scalar(L, v, "path");
	struct stat sb;
	char *path;

	if (s == NULL)
		return;
	path = cl_path(L, s);
	if (lstat(path, &sb) != 0) {
		cl_err(L, v, "key: %s: %s (create it with `trustwatch keygen -o %s`)", path,
		    strerror(errno), s);
		free(path);
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		cl_err(L, v, "key: %s is not a regular file", path);
		free(path);
		return;
	}
	if ((sb.st_mode & 077) != 0) {
		cl_err(L, v, "key: %s may be read by others (mode %03o; a signing key must be "
		    "0600, as keygen writes it)", path, (unsigned)(sb.st_mode & 0777));
		free(path);
		return;
	}
	free(c->record.key);
	c->record.key = path;
}

static void
timestamp_with(struct loader *L, cl_node_t *v)
{
	struct conf *c = L->c;

	if (v->type != YAML_SEQUENCE_NODE) {
		cl_err(L, v, "timestamp_with: expected a list of PROVIDER/ENDPOINT");
		return;
	}
	for (size_t it = 0; it < cl_count(v); it++) {
		cl_node_t *e = cl_item(L, v, it);
		const struct conf_endpoint *ep;
		const char *s, *slash;
		char *prov;

		if (e == NULL || (s = cl_scalar(L, e, "PROVIDER/ENDPOINT")) == NULL)
			continue;
		if ((slash = strchr(s, '/')) == NULL) {
			cl_err(L, e, "timestamp_with: '%s' is not PROVIDER/ENDPOINT", s);
			continue;
		}
		prov = xasprintf("%.*s", (int)(slash - s), s);
		ep = conf_find(c, prov, slash + 1);
		free(prov);
		if (ep == NULL) {
			cl_err(L, e, "timestamp_with: no endpoint '%s' in providers", s);
			continue;
		}
		if (ep->kind != KIND_TSA) {
			cl_err(L, e, "timestamp_with: '%s' is not a tsa endpoint", s);
			continue;
		}
		for (size_t i = 0; i < c->record.n_timestamp_with; i++)
			if (c->record.timestamp_with[i] == ep) {
				cl_err(L, e, "timestamp_with: '%s' is named twice", s);
				ep = NULL;
				break;
			}
		if (ep == NULL)
			continue;
		c->record.timestamp_with = xrealloc(c->record.timestamp_with,
		    (c->record.n_timestamp_with + 1) * sizeof(*c->record.timestamp_with));
		c->record.timestamp_with[c->record.n_timestamp_with++] = ep;
	}
}

static void
record_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;
	const char *s;

	if (strcmp(key, "key") == 0)
		key_file(L, v);
	else if (strcmp(key, "origin") == 0) {
		*(bool *)arg = true;
		if ((s = cl_scalar(L, v, "string")) == NULL)
			return;
		if (!origin_valid(s)) {
			cl_err(L, v, "origin: '%s' must be printable ASCII without spaces or '+' "
			    "(such as status.example.org/node-1)", s);
			return;
		}
		cl_str(L, v, &c->record.origin);
	} else if (strcmp(key, "checkpoint_every") == 0)
		cl_min_duration(L, v, RECORD_MIN_EVERY_MS, &c->record.checkpoint_every_ms);
	else if (strcmp(key, "timestamp_with") == 0)
		timestamp_with(L, v);
	else
		cl_unknown(L, k, key, "record", "key, origin, checkpoint_every, timestamp_with");
}

void
cl_section_record(struct loader *L, cl_node_t *n)
{
	struct conf *c = L->c;
	bool origin_given = false;
	char *host;

	c->record.enabled = true;
	c->record.checkpoint_every_ms = 3600000;
	cl_each(L, n, "record", record_key, &origin_given);
	if (c->record.key == NULL && L->errs->n == 0)
		cl_err(L, n, "record: missing required key 'key' (a file `trustwatch keygen -o "
		    "FILE` writes)");
	if (c->record.origin == NULL && !origin_given) {
		host = c->report.base_url ? url_host(c->report.base_url) : NULL;
		if (host == NULL)
			cl_err(L, n, "record: origin is required when report.base_url is not set");
		else {
			c->record.origin = xasprintf("%s/%s", host, c->node.id);
			if (!origin_valid(c->record.origin))
				cl_err(L, n, "record: the default origin '%s' is not valid; set "
				    "origin", c->record.origin);
		}
		free(host);
	}
}

void
cl_record_free(struct conf *c)
{
	free(c->record.key);
	free(c->record.origin);
	free(c->record.timestamp_with);
}
