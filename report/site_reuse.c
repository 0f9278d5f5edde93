/*
 * Reusing incident pages of the previous site. A resolved incident's page depends only on
 * the page-level inputs (configuration, translations, code: fingerprinted by rendering a
 * synthetic incident page in every language and place), the incident and its notes, and
 * the results of its endpoint in its window (fingerprinted by the daily rollups of that
 * endpoint over the window's days, a day wider either side: every stored result, even one
 * replacing another, adds to its day's counters). The cache directory keeps, per site, a
 * state file: the site directory it describes (device, inode) and each reusable incident's
 * fingerprint. A page is reused, by hard link, only when everything matches; it keeps the
 * footer of the render that wrote it (its "Generated" time). When unsure, it is rendered.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "site_int.h"

#define FOOT	"</main>\n<footer>\n"

static void
fnv_str(uint64_t *h, const char *str)
{
	fnv1a(h, str ? "s" : "n", 1);
	if (str != NULL)
		fnv1a(h, str, strlen(str) + 1);
}

static void
fnv_i64(uint64_t *h, int64_t v)
{
	fnv1a(h, &v, sizeof(v));
}

/* "YYYY-MM-DD" as YYYYMMDD. */
static int64_t
day_num(const char *day)
{
	int y = 0, m = 0, d = 0;

	if (day == NULL || sscanf(day, "%d-%d-%d", &y, &m, &d) != 3)
		return 0;
	return (int64_t)y * 10000 + m * 100 + d;
}

/* The local day (z) of ms, as YYYYMMDD. */
static int64_t
local_day(const struct tz *z, int64_t ms)
{
	struct tm tm;

	tz_tm(z, ms, &tm);
	return (int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* The UTC midnight at or before ms. */
static int64_t
utc_midnight(int64_t ms)
{
	return ms - ((ms % 86400000LL) + 86400000LL) % 86400000LL;
}

/* Daily rollup fingerprints, by endpoint then day (the store's order). */
struct hour_fp {
	size_t		 ep;		/* index into names */
	int64_t		 hour;		/* the day, YYYYMMDD */
	uint64_t	 h;
};

struct hours_ctx {
	struct hour_fp	*v;
	size_t		 n, cap;
	char		**names;	/* "provider\nendpoint" */
	size_t		 n_names;
};

static int
on_hour(const struct store_rollup *r, void *arg)
{
	struct hours_ctx *c = arg;
	int64_t k[] = { r->checks, r->up, r->degraded, r->down, r->maintenance, r->up_ms,
	    r->degraded_ms, r->down_ms, r->maintenance_ms };
	double pc[] = { r->p50_ms, r->p95_ms, r->p99_ms };
	char *name = xasprintf("%s\n%s", r->provider, r->endpoint);
	struct hour_fp *x;

	if (c->n_names == 0 || strcmp(c->names[c->n_names - 1], name) != 0) {
		c->names = xrealloc(c->names, (c->n_names + 1) * sizeof(*c->names));
		c->names[c->n_names++] = name;
	} else {
		free(name);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 4096;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	x = &c->v[c->n++];
	x->ep = c->n_names - 1;
	x->hour = day_num(r->day);
	x->h = FNV1A_INIT;
	fnv_str(&x->h, r->kind);
	fnv1a(&x->h, k, sizeof(k));
	fnv1a(&x->h, pc, sizeof(pc));
	return 0;
}

/* Adds the fingerprints of provider/endpoint's hours in [from, to) to *h. */
static void
hours_fp(const struct hours_ctx *c, const char *provider, const char *endpoint, int64_t from,
    int64_t to, uint64_t *h)
{
	char *name = xasprintf("%s\n%s", provider, endpoint);
	size_t ep = SIZE_MAX, lo = 0, hi = c->n;

	for (size_t i = 0; i < c->n_names; i++)
		if (strcmp(c->names[i], name) == 0) {
			ep = i;
			break;
		}
	free(name);
	fnv_i64(h, (int64_t)(ep == SIZE_MAX ? -1 : 0));
	if (ep == SIZE_MAX)
		return;
	/* first entry >= (ep, from) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hour_fp *m = &c->v[mid];

		if (m->ep < ep || (m->ep == ep && m->hour < from))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->n && c->v[lo].ep == ep && c->v[lo].hour < to; lo++) {
		fnv_i64(h, c->v[lo].hour);
		fnv1a(h, &c->v[lo].h, sizeof(c->v[lo].h));
	}
}

static bool
reusable(const struct site *s, const struct site_incident *in)
{
	int64_t retention = s->conf->storage.retention_ms > 0 ? s->conf->storage.retention_ms :
	    400 * 86400000LL;

	/* resolved, and none of its results can have been pruned */
	return in->end_ms >= 0 && in->end_ms <= s->now && in->start_ms > s->now - retention + 86400000LL;
}

static char *
state_path(const struct site *s, const char *out)
{
	uint64_t h = FNV1A_INIT;

	fnv_str(&h, out);
	return xasprintf("%s/incidents-%016llx.state", s->cache, (unsigned long long)h);
}

char *
site_spare_path(const struct site *s, const char *out)
{
	uint64_t h = FNV1A_INIT;

	fnv_str(&h, out);
	return xasprintf("%s/incidents-%016llx.spare", s->cache, (unsigned long long)h);
}

/* Page-level inputs: a synthetic incident page, every language and place, no footer. */
static uint64_t
probe_fp(struct site *s, struct i18n **langs, size_t n_langs)
{
	struct site_note note = { .time_ms = 1700000000000LL, .text = "n" };
	struct site_change ch = { .time_ms = 1700000001000LL, .status = STATUS_DOWN,
	    .reason = REASON_TIMEOUT, .message = "m" };
	struct site_incident in[2] = {
		{ .id = 1, .provider = "p", .endpoint = "e", .kind = "login", .worst = "down",
		  .reasons = "timeout", .message = "m", .start_ms = 1700000000000LL,
		  .end_ms = 1700003723000LL, .notes = &note, .n_notes = 1, .changes = &ch,
		  .n_changes = 1, .more_changes = true, .timeline_done = true, .cause = -1 },
		{ .id = 2, .provider = "p", .endpoint = "e", .kind = "login", .worst = "degraded",
		  .reasons = "slow", .start_ms = 1700000000000LL, .end_ms = 1700090000000LL,
		  .timeline_done = true, .cause = -1 },
	};
	uint64_t h = FNV1A_INIT;

	fnv_str(&h, TW_VERSION);
	for (size_t k = 0; k < NELEM(in); k++)
		for (size_t li = 0; li < n_langs; li++)
			for (int at_root = 0; at_root <= (li == 0); at_root++) {
				struct page p;

				site_page_init(&p, s, langs, n_langs, li, "incidents/1.html", at_root);
				page_incident(&p, &in[k]);
				fnv1a(&h, p.b.data, p.b.len);	/* the footer has the time: cut below */
				site_page_free(&p);
			}
	return h;
}

/* Like probe_fp but without the footers (which hold the render time). */
static uint64_t
inputs_fp(struct site *s, struct i18n **langs, size_t n_langs)
{
	int64_t now = s->now;
	uint64_t h;

	s->now = 0;	/* the footer's time, fixed */
	h = probe_fp(s, langs, n_langs);
	s->now = now;
	return h;
}

struct site_incident *
site_incident_by_id(const struct site *s, int64_t id)
{
	size_t lo = 0, hi = s->n_inc;

	while (lo < hi) {	/* s->inc is by id */
		size_t mid = lo + (hi - lo) / 2;

		if (s->inc[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_inc && s->inc[lo].id == id ? &s->inc[lo] : NULL;
}

void
site_reuse_begin(struct site *s, struct i18n **langs, size_t n_langs, const char *out)
{
	struct hours_ctx c = { 0 };
	int64_t from = INT64_MAX, to = INT64_MIN, c0 = 0, *counts = NULL;
	size_t n_counts = 0;
	char *path, line[128];
	FILE *f;
	struct stat sb;
	unsigned long long g = 0, dev = 0, ino = 0;

	if (s->cache == NULL)
		return;
	s->reuse_state = true;
	s->inputs_fp = inputs_fp(s, langs, n_langs);
	path = xasprintf("%s/pages", s->cache);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		s->reuse_state = false;	/* neither reused nor kept */
	free(path);
	if (!s->reuse_state)
		return;
	for (size_t i = 0; i < s->n_inc; i++) {
		const struct site_incident *in = &s->inc[i];

		if (!reusable(s, in))
			continue;
		if (in->start_ms < from)
			from = in->start_ms;
		if (in->end_ms + 1 > to)
			to = in->end_ms + 1;
	}
	if (from == INT64_MAX)
		return;
	/* Before the timelines are read: a result stored in between changes a fingerprint. */
	{
		char d0[16], d1[16];
		int64_t a = local_day(s->tz, from - 86400000LL), b = local_day(s->tz, to + 86400000LL);

		snprintf(d0, sizeof(d0), "%04d-%02d-%02d", (int)(a / 10000), (int)(a / 100 % 100),
		    (int)(a % 100));
		snprintf(d1, sizeof(d1), "%04d-%02d-%02d", (int)(b / 10000), (int)(b / 100 % 100),
		    (int)(b % 100));
		if (site_each_daily(s, d0, d1, on_hour, &c) != 0)
			from = INT64_MAX;
	}
	if (from == INT64_MAX) {
		for (size_t i = 0; i < c.n_names; i++)
			free(c.names[i]);
		free(c.names);
		free(c.v);
		return;
	}
	/*
	 * With PostgreSQL a node's raw observations feed no rollup, yet its page's timeline
	 * reads them: the result counts of the UTC days around its window are part of the key.
	 */
	if (s->conf->storage.url != NULL) {
		c0 = utc_midnight(from - 86400000LL);
		n_counts = (size_t)((utc_midnight(to + 86400000LL) - c0) / 86400000LL) + 1;
		if ((counts = site_day_counts(s, c0, n_counts)) == NULL) {
			for (size_t i = 0; i < c.n_names; i++)
				free(c.names[i]);
			free(c.names);
			free(c.v);
			return;
		}
	}
	for (size_t i = 0; i < s->n_inc; i++) {
		struct site_incident *in = &s->inc[i];
		uint64_t h = FNV1A_INIT;

		if (!reusable(s, in))
			continue;
		fnv_i64(&h, in->id);
		fnv_str(&h, in->provider);
		fnv_str(&h, site_provider_name(s, in->provider));
		fnv_str(&h, in->endpoint);
		fnv_str(&h, in->kind);
		fnv_str(&h, in->worst);
		fnv_str(&h, in->reasons);
		fnv_str(&h, in->message);
		fnv_i64(&h, in->start_ms);
		fnv_i64(&h, in->end_ms);
		fnv_i64(&h, (int64_t)site_deps_incident_fp(s, in));
		fnv_i64(&h, (int64_t)in->n_notes);
		for (size_t k = 0; k < in->n_notes; k++) {
			fnv_i64(&h, in->notes[k].time_ms);
			fnv_str(&h, in->notes[k].text);
		}
		/*
		 * Its window's days, a day wider either side: rollups written under another
		 * time zone setting still fall in.
		 */
		hours_fp(&c, in->provider, in->endpoint, local_day(s->tz, in->start_ms - 86400000LL),
		    local_day(s->tz, in->end_ms + 86400000LL) + 1, &h);
		if (counts != NULL)
			for (int64_t d = utc_midnight(in->start_ms - 86400000LL);
			    d <= utc_midnight(in->end_ms + 86400000LL); d += 86400000LL)
				fnv_i64(&h, counts[(d - c0) / 86400000LL]);
		in->fp = h;
		in->have_fp = true;
	}
	for (size_t i = 0; i < c.n_names; i++)
		free(c.names[i]);
	free(c.names);
	free(c.v);
	free(counts);
	/* The previous state, if it describes the site now in place. */
	path = state_path(s, out);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "trustwatch-site-state 1 %llx %llu %llu", &g, &dev, &ino) != 3 ||
	    g != s->inputs_fp || lstat(out, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    (unsigned long long)sb.st_dev != dev || (unsigned long long)sb.st_ino != ino) {
		fclose(f);
		return;
	}
	/* Pages are read from this directory even if another render swaps its site in. */
	s->reuse_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (s->reuse_fd < 0 || fstat(s->reuse_fd, &sb) != 0 ||
	    (unsigned long long)sb.st_dev != dev || (unsigned long long)sb.st_ino != ino) {
		fclose(f);
		return;
	}
	{
		char name[4096];

		/* the site's path, for prune_states */
		if (fgets(name, sizeof(name), f) == NULL) {
			fclose(f);
			return;
		}
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		long long id;
		unsigned long long fp;
		struct site_incident *in;

		if (sscanf(line, "%lld %llx", &id, &fp) != 2)
			break;
		in = site_incident_by_id(s, id);
		if (in != NULL && in->have_fp && in->fp == fp)
			in->reuse = true;
	}
	fclose(f);
}

/* Removes the state files of sites that are gone (their second line names the site). */
static void
prune_states(const struct site *s)
{
	DIR *d = opendir(s->cache);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *path, line[4096];
		FILE *f;
		bool gone = false;
		struct stat sb;

		if (strncmp(e->d_name, "incidents-", 10) != 0)
			continue;
		path = xasprintf("%s/%s", s->cache, e->d_name);
		if (strlen(e->d_name) > 6 && strcmp(e->d_name + strlen(e->d_name) - 6, ".spare") == 0) {
			/* a site's spare (site_spare.c) goes with its state file */
			char *st = xasprintf("%.*s.state", (int)(strlen(path) - 6), path);

			if (lstat(st, &sb) != 0 && errno == ENOENT)
				site_remove_tree(path);
			free(st);
		} else if (strstr(e->d_name, ".tmp-") != NULL) {
			gone = stat(path, &sb) == 0 && (int64_t)sb.st_mtime * 1000 < s->now - 3600000;
		} else if ((f = fopen(path, "r")) != NULL) {
			if (fgets(line, sizeof(line), f) == NULL || fgets(line, sizeof(line), f) == NULL) {
				gone = true;
			} else {
				line[strcspn(line, "\n")] = '\0';
				gone = lstat(line, &sb) != 0 && errno == ENOENT;
			}
			fclose(f);
		}
		if (gone)
			unlink(path);
		free(path);
	}
	closedir(d);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Removes the cached pages no incident of this render has (other inputs, other keys). */
static void
prune_pages(const struct site *s)
{
	char *dir = xasprintf("%s/pages", s->cache);
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t *fps = xcalloc(s->n_inc + 1, sizeof(*fps));
	size_t n = 0;

	free(dir);
	if (d == NULL) {
		free(fps);
		return;
	}
	for (size_t i = 0; i < s->n_inc; i++)
		if (s->inc[i].have_fp)
			fps[n++] = s->inc[i].fp;
	qsort(fps, n, sizeof(*fps), cmp_u64);
	while ((e = readdir(d)) != NULL) {
		unsigned long long in = 0, fp = 0;
		uint64_t k;

		if (e->d_name[0] == '.')
			continue;
		if (sscanf(e->d_name, "%16llx-%16llx-", &in, &fp) == 2 && in == s->inputs_fp) {
			k = fp;
			if (n > 0 && bsearch(&k, fps, n, sizeof(*fps), cmp_u64) != NULL)
				continue;
		}
		unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	free(fps);
}

/* After the new site is in place at out: records what it holds. */
void
site_reuse_end(struct site *s, const char *out)
{
	char *path, *tmp;
	FILE *f;
	struct stat sb;
	int ok;

	if (s->cache == NULL || !s->reuse_state)
		return;
	path = state_path(s, out);
	tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	if (lstat(out, &sb) != 0 || (f = fopen(tmp, "w")) == NULL) {
		unlink(path);
		free(path);
		free(tmp);
		return;
	}
	fprintf(f, "trustwatch-site-state 1 %llx %llu %llu\n%s\n", (unsigned long long)s->inputs_fp,
	    (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino, out);
	for (size_t i = 0; i < s->n_inc; i++)
		if (s->inc[i].have_fp)
			fprintf(f, "%lld %llx\n", (long long)s->inc[i].id,
			    (unsigned long long)s->inc[i].fp);
	ok = fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		unlink(path);
	}
	free(path);
	free(tmp);
	prune_states(s);
	prune_pages(s);
}

/*
 * The cache's copy of page rel of incident in: pages/INPUTS-FP-REL, the fingerprints of the
 * page-level inputs and of the incident, REL with '/' as '~'. So a cold render (no previous
 * site) links it too; nothing but the key names it, so a stale copy is never found.
 */
static char *
cache_page(const struct site *s, const struct site_incident *in, const char *rel)
{
	char *p = xasprintf("%s/pages/%016llx-%016llx-%s", s->cache,
	    (unsigned long long)s->inputs_fp, (unsigned long long)in->fp, rel);

	for (char *c = p + strlen(s->cache) + 7; *c != '\0'; c++)
		if (*c == '/')
			*c = '~';
	return p;
}

/*
 * Hard-links the previous site's page rel into the new site (a link allocates no inode:
 * what makes reuse cheap), else the cache's copy, each with its .gz (site_spare_link: in
 * a folder taken from the spare, the same file already there is left alone). The page keeps the footer of
 * the render that wrote it, its "Generated" time. Returns 0, or -1 (render the page).
 */
int
site_reuse_page(struct site *s, const struct site_incident *in, const char *rel)
{
	char *path, *src;
	int rc = -1;

	if (in->reuse && s->reuse_fd >= 0) {
		path = site_path(s, rel);
		rc = site_spare_link(s, s->reuse_fd, rel, path, true);
		free(path);
		if (rc == 0)
			return 0;
	}
	if (!in->have_fp || s->cache == NULL || !s->reuse_state)
		return -1;
	src = cache_page(s, in, rel);
	path = site_path(s, rel);
	rc = site_spare_link(s, AT_FDCWD, src, path, true);
	free(path);
	free(src);
	return rc;
}

void
site_reuse_keep(struct site *s, const struct site_incident *in, const char *rel)
{
	char *path, *dst;

	if (!in->have_fp || s->cache == NULL || !s->reuse_state)
		return;
	path = xasprintf("%s/%s", s->dir, rel);
	dst = cache_page(s, in, rel);
	if (link(path, dst) == 0) {
		/* pairs: the page's path in the site, its copy's in the cache */
		s->kept = xrealloc(s->kept, (s->n_kept + 2) * sizeof(*s->kept));
		s->kept[s->n_kept++] = path;
		s->kept[s->n_kept++] = dst;
		return;
	}
	free(path);
	free(dst);
}

void
site_reuse_keep_gz(struct site *s)
{
	for (size_t i = 0; i + 1 < s->n_kept; i += 2) {
		char *gz = xasprintf("%s.gz", s->kept[i]), *dst = xasprintf("%s.gz", s->kept[i + 1]);

		if (link(gz, dst) != 0 && errno != EEXIST)
			unlink(dst);
		free(gz);
		free(dst);
	}
}

/*
 * The previous site's rel when it is p's bytes but for the render time (a date and time of
 * at most 64 bytes, no markup) in the footer: linked with its .gz, nothing written or
 * compressed again. The page then keeps the footer of the render that wrote it, as a
 * reused incident page does. Any other difference, or no previous file: -1.
 */
int
site_reuse_same(struct site *s, const struct page *p, const char *rel)
{
	const unsigned char *b = p->b.data;
	size_t head = p->when_off, tail = p->b.len - p->when_off - p->when_len, olen;
	unsigned char *old = NULL;
	struct stat sb;
	char *path;
	int fd, rc = -1;

	if (s->reuse_fd < 0 || p->when_len == 0 || b == NULL)
		return -1;
	if ((fd = openat(s->reuse_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size <= head + tail ||
	    (size_t)sb.st_size > head + tail + 64) {
		close(fd);
		return -1;
	}
	olen = (size_t)sb.st_size;
	old = xmalloc(olen);
	if (pread(fd, old, olen, 0) == (ssize_t)olen && memcmp(old, b, head) == 0 &&
	    memcmp(old + olen - tail, b + head + p->when_len, tail) == 0 &&
	    memchr(old + head, '<', olen - tail - head) == NULL &&
	    memchr(old + head, '\n', olen - tail - head) == NULL) {
		path = site_path(s, rel);
		rc = site_spare_link(s, s->reuse_fd, rel, path, true);
		free(path);
	}
	free(old);
	close(fd);
	return rc;
}
