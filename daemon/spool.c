/*
 * The spool file (see spool.h). A line:
 *   {"p":"prov","e":"ocsp","k":"ocsp","i":60000,"t":1796000000000,"r":"connect",
 *    "m":"message","tm":[dns,connect,tls,ttfb,total],"d":{...},"mt":true,"a":"192.0.2.1"}
 * "m", "d" and "mt" are left out when empty; a timing not reached is -1. "a": one address's
 * own result (SPEC §14 every address), absent for the endpoint's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "spool.h"
#include "../core/util.h"

/* Appends one result's line to b. */
static void
encode(struct buf *b, const struct store_item *it)
{
	const struct result *r = it->r;
	json_t *o = json_object(), *tm = json_array();
	char *s;

	json_object_set_new(o, "p", json_string(r->ep->provider->id));
	json_object_set_new(o, "e", json_string(r->ep->id));
	json_object_set_new(o, "k", json_string(kind_names[r->ep->kind]));
	json_object_set_new(o, "i", json_integer(r->ep->interval_ms));
	json_object_set_new(o, "t", json_integer(r->time_ms));
	json_object_set_new(o, "r", json_string(reason_names[r->reason]));
	if (r->message != NULL)
		json_object_set_new(o, "m", json_string(r->message));
	for (int p = 0; p < PHASE__MAX; p++)
		json_array_append_new(tm, r->timings[p] >= 0 && !isnan(r->timings[p]) &&
		    !isinf(r->timings[p]) ? json_real(r->timings[p]) : json_integer(-1));
	json_object_set_new(o, "tm", tm);
	if (r->details != NULL && json_object_size(r->details) > 0)
		json_object_set(o, "d", r->details);
	if (it->maintenance)
		json_object_set_new(o, "mt", json_true());
	if (it->node != NULL && it->node[0] != '\0')
		json_object_set_new(o, "n", json_string(it->node));
	if (it->address != NULL && it->address[0] != '\0')
		json_object_set_new(o, "a", json_string(it->address));
	if (r->memory != NULL)
		json_object_set_new(o, "km", json_string(r->memory));
	if (r->keep_details)
		json_object_set_new(o, "kd", json_true());
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (s == NULL)
		abort();
	buf_append(b, s, strlen(s));
	buf_append(b, "\n", 1);
	free(s);
	json_decref(o);
}

int
spool_append(const char *path, const struct store_item *items, size_t n, char **err)
{
	struct buf b = { 0 };
	struct stat sb;
	size_t done = 0;
	int fd, rc = -1;

	*err = NULL;
	for (size_t i = 0; i < n; i++)
		encode(&b, &items[i]);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		buf_free(&b);
		return -1;
	}
	if (fstat(fd, &sb) != 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	while (done < b.len) {
		ssize_t w = write(fd, b.data + done, b.len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*err = xasprintf("%s: %s", path, w < 0 ? strerror(errno) : "short write");
			break;
		}
		done += (size_t)w;
	}
	if (*err == NULL && fsync(fd) != 0)
		*err = xasprintf("%s: fsync: %s", path, strerror(errno));
	if (*err != NULL) {
		/* All or nothing: the lines written so far go, so a retry never repeats them. */
		if (ftruncate(fd, sb.st_size) != 0) {
			/* The reader skips a torn last line; replay skips a result stored twice. */
		}
		goto out;
	}
	rc = 0;
out:
	close(fd);
	buf_free(&b);
	return rc;
}

static const char *
str_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Fills e from the line's object. Returns NULL, or what is wrong (static text). */
static const char *
decode(json_t *o, struct spool_entry *e)
{
	const char *p = str_member(o, "p"), *ep = str_member(o, "e"), *k = str_member(o, "k");
	const char *rs = str_member(o, "r"), *m = str_member(o, "m");
	json_t *i = json_object_get(o, "i"), *t = json_object_get(o, "t");
	json_t *tm = json_object_get(o, "tm"), *d = json_object_get(o, "d");
	int kind = -1, reason;

	if (!json_is_object(o))
		return "not a JSON object";
	if (p == NULL || ep == NULL || k == NULL || rs == NULL)
		return "a member p, e, k or r is missing or not a string";
	for (int x = 0; x < KIND__MAX; x++)
		if (strcmp(kind_names[x], k) == 0)
			kind = x;
	if (kind < 0)
		return "unknown kind";
	if ((reason = reason_from_name(rs)) < 0)
		return "unknown reason";
	if (!json_is_integer(i) || json_integer_value(i) <= 0 || !json_is_integer(t))
		return "i or t is not a positive integer";
	if (!json_is_array(tm) || json_array_size(tm) != PHASE__MAX)
		return "tm is not an array of 5 timings";
	if (d != NULL && !json_is_object(d))
		return "d is not an object";
	e->prov.id = xstrdup(p);
	e->ep.id = xstrdup(ep);
	e->ep.provider = &e->prov;
	e->ep.kind = (enum probe_kind)kind;
	e->ep.interval_ms = json_integer_value(i);
	result_init(&e->r, &e->ep, json_integer_value(t));
	e->r.reason = (enum reason)reason;
	e->r.status = reason_status(e->r.reason);
	e->r.message = xstrdup(m);
	for (int x = 0; x < PHASE__MAX; x++) {
		json_t *v = json_array_get(tm, (size_t)x);

		e->r.timings[x] = json_is_number(v) ? json_number_value(v) : -1;
	}
	if (d != NULL)
		json_object_update(e->r.details, d);
	e->maintenance = json_is_true(json_object_get(o, "mt"));
	if (str_member(o, "n") != NULL)
		e->node = xstrdup(str_member(o, "n"));
	e->r.address = xstrdup(str_member(o, "a"));
	e->r.memory = xstrdup(str_member(o, "km"));
	e->r.keep_details = json_is_true(json_object_get(o, "kd"));
	return NULL;
}

int
spool_read(const char *path, struct spool_pos *pos, size_t max, struct spool_entry **out,
    char ***bad, size_t *n_bad, char **err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	*out = NULL;
	*err = NULL;
	if ((f = fopen(path, "re")) == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (pos->line < 1)
		pos->line = 1;
	if (fseeko(f, (off_t)pos->off, SEEK_SET) != 0) {
		*err = xasprintf("%s: seek: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	/* Fixed size: each entry's r.ep points into itself, so the array never moves. */
	*out = xcalloc(max ? max : 1, sizeof(**out));
	while (n < max && (len = getline(&line, &cap, f)) > 0) {
		json_error_t je;
		json_t *o = NULL;
		const char *why = NULL;

		if (line[len - 1] != '\n')
			why = "torn last line (no newline)";
		else if ((o = json_loadb(line, (size_t)len, 0, &je)) == NULL)
			why = je.text;
		else
			why = decode(o, &(*out)[n]);
		if (why == NULL)
			n++;
		else {
			*bad = xrealloc(*bad, (*n_bad + 1) * sizeof(**bad));
			(*bad)[(*n_bad)++] = xasprintf("%s:%lld: skipped: %s", path,
			    (long long)pos->line, why);
			memset(&(*out)[n], 0, sizeof((*out)[n]));
		}
		json_decref(o);
		pos->off += len;
		pos->line++;
	}
	if (ferror(f)) {
		*err = xasprintf("%s: read: %s", path, strerror(errno));
		spool_entries_free(*out, n);
		*out = NULL;
		n = 0;
		free(line);
		fclose(f);
		return -1;
	}
	free(line);
	fclose(f);
	if (n == 0) {
		free(*out);
		*out = NULL;
	}
	return (int)n;
}

void
spool_entries_free(struct spool_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		result_clear(&e[i].r);
		free(e[i].ep.id);
		free(e[i].prov.id);
		free(e[i].node);
	}
	free(e);
}

int
spool_exists(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(sb.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	return sb.st_size > 0;
}
