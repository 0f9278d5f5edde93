/*
 * exports/results-YYYY-MM.csv: one file per UTC month that may still hold raw results,
 * assembled from cached per-day chunks, closed months linked from the previous site or
 * from the render cache (see README "The published site").
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

#include "csv.h"
#include "site_int.h"

/* Epoch ms of the first instant of UTC month (y, mo), mo may overflow into the next year. */
static int64_t
month_start(int y, int mo)
{
	struct tm tm = { .tm_year = y - 1900 + (mo - 1) / 12, .tm_mon = (mo - 1) % 12, .tm_mday = 1 };

	return (int64_t)timegm(&tm) * 1000;
}

/*
 * Without a render cache (no storage.path): reuses old_dir's file for a month that was
 * already complete when it was written, by hard link. Nothing is keyed here, so a result
 * stored late into that month shows only once the previous site is gone; with a cache,
 * closed months go through closed_month_cached instead, which is keyed. Returns 1 when
 * reused.
 */
static int
reuse_month(struct site *s, const char *old_dir, const char *rel, int64_t end_ms)
{
	char *old = xasprintf("%s/%s", old_dir, rel), *path;
	struct stat sb;
	int reused = 0;

	if (stat(old, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (int64_t)sb.st_mtime * 1000 >= end_ms + 3600000 && s->now >= end_ms + 3600000) {
		path = site_path(s, rel);
		reused = link(old, path) == 0;
		free(path);
	}
	free(old);
	return reused;
}

/*
 * The current month's results CSV is assembled from per-UTC-day chunks kept in the cache
 * directory beside the site (s->cache): results-YYYY-MM-DD-KEY.csv, rows of that day by
 * provider, endpoint, time, without header. KEY fingerprints the day's hourly rollups
 * (every stored result, even one replacing another, adds to its hour's counters), so a
 * late import into a completed day gives another key and the chunk is written again.
 * Only completed days inside the retention window are cached (pruning removes results
 * but not rollups); today's rows and anything else are streamed from the store.
 */
#define DAY_MS	86400000LL

static int64_t
retention_ms(const struct site *s)
{
	return s->conf->storage.retention_ms > 0 ? s->conf->storage.retention_ms : 400 * DAY_MS;
}

/*
 * Must a period's key hold its stored results' count? Every result stored on SQLite feeds
 * the rollups, so they key its periods exactly. With PostgreSQL (storage.url) a node's
 * own observations are stored raw, feeding no rollup (the leader's verdicts do), and a
 * node's spool may replay them into a closed period at any later time: only the count
 * sees them. Likewise a period retention may have pruned (rollups outlive results).
 */
bool
site_count_keyed(const struct site *s, int64_t from)
{
	return s->conf->storage.url != NULL || from < s->now - retention_ms(s);
}

/*
 * With PostgreSQL the counts of every day that can be exported (from the first month kept
 * to today) are read in one query, once per render, before any row; otherwise (SQLite: a
 * month that retention may have pruned) just the days asked.
 */
int64_t *
site_day_counts(struct site *s, int64_t from, size_t n)
{
	int64_t *c = xcalloc(n ? n : 1, sizeof(*c));

	if (s->conf->storage.url != NULL && s->counts == NULL) {
		int64_t keep = s->now - retention_ms(s) - 31 * DAY_MS, today;
		time_t k = (time_t)(keep / 1000);
		struct tm tm;

		gmtime_r(&k, &tm);
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		s->counts_from = (int64_t)timegm(&tm) * 1000;
		today = s->now - ((s->now % DAY_MS) + DAY_MS) % DAY_MS;
		s->n_counts = (size_t)((today - s->counts_from) / DAY_MS) + 1;
		s->counts = xcalloc(s->n_counts, sizeof(*s->counts));
		if (store_count_results_by_day(s->st, s->counts_from, s->n_counts, s->counts) != 0) {
			site_fail(s, "store: %s", store_error(s->st));
			free(s->counts);
			s->counts = NULL;
			free(c);
			return NULL;
		}
	}
	if (s->counts != NULL && from >= s->counts_from && (from - s->counts_from) % DAY_MS == 0 &&
	    (size_t)((from - s->counts_from) / DAY_MS) + n <= s->n_counts) {
		memcpy(c, s->counts + (from - s->counts_from) / DAY_MS, n * sizeof(*c));
		return c;
	}
	if (store_count_results_by_day(s->st, from, n, c) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		free(c);
		return NULL;
	}
	return c;
}

static void
utc_day(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%d", &tm);
}

struct day_key {
	int64_t		 start_ms;
	uint64_t	 h;
	int64_t		 hours;		/* hourly rollups seen */
};

struct keys_ctx {
	struct day_key	*days;
	size_t		 n;
};

static void
fnv_str(uint64_t *h, const char *str)
{
	fnv1a(h, str ? str : "", str ? strlen(str) + 1 : 1);
}

static int
on_hour_key(const struct store_rollup *r, void *arg)
{
	struct keys_ctx *k = arg;
	int64_t c[] = { r->hour_ms, r->checks, r->up, r->degraded, r->down, r->maintenance,
	    r->up_ms, r->degraded_ms, r->down_ms, r->maintenance_ms };
	double pc[] = { r->p50_ms, r->p95_ms, r->p99_ms };

	struct day_key *d;
	int64_t i;

	/* the days are consecutive */
	if (k->n == 0 || r->hour_ms < k->days[0].start_ms)
		return 0;
	i = (r->hour_ms - k->days[0].start_ms) / DAY_MS;
	if (i >= (int64_t)k->n)
		return 0;
	d = &k->days[i];
	fnv_str(&d->h, r->provider);
	fnv_str(&d->h, r->endpoint);
	fnv_str(&d->h, r->kind);
	fnv1a(&d->h, c, sizeof(c));
	fnv1a(&d->h, pc, sizeof(pc));
	d->hours++;
	return 0;
}

struct chunk_ctx {
	FILE		*f;
	int64_t		 rows;
};

static int
on_chunk_row(const struct store_row *r, void *arg)
{
	struct chunk_ctx *c = arg;

	csv_result(c->f, r);
	c->rows++;
	return 0;
}

/* Streams the results of [from, to) into f; returns rows written or -1. */
static int64_t
stream_rows(struct site *s, FILE *f, int64_t from, int64_t to)
{
	struct chunk_ctx c = { .f = f };

	if (store_each_result(s->st, from, to, NULL, on_chunk_row, &c) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		return -1;
	}
	return c.rows;
}

/*
 * Copies len bytes of in from offset off to the end of out: copy_file_range, else (another
 * file system: the cache beside the store, the site elsewhere) read and write. 0 or -1.
 */
static int
copy_range(int in, off_t off, int out, off_t len)
{
	bool plain = false;

	while (len > 0) {
		char buf[1 << 16];
		ssize_t n;

		if (!plain) {
			n = copy_file_range(in, &off, out, NULL, (size_t)len, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			    errno == EOPNOTSUPP)) {
				plain = true;
				continue;
			}
		} else if ((n = pread(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf),
		    off)) > 0) {
			for (ssize_t o = 0; o < n;) {
				ssize_t w = write(out, buf + o, (size_t)(n - o));

				if (w < 0)
					return -1;
				o += w;
			}
			off += n;
		}
		if (n <= 0)
			return -1;	/* an error, or the file is shorter than it was */
		len -= n;
	}
	return 0;
}

/* Copies the whole of file src to the end of fd; returns bytes copied or -1. */
static int64_t
append_file(int fd, const char *src)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	int64_t n = -1;

	if (in < 0)
		return -1;
	if (fstat(in, &sb) == 0 && copy_range(in, 0, fd, sb.st_size) == 0)
		n = sb.st_size;
	close(in);
	return n;
}

/* Writes the chunk of day d into the cache (atomically: temporary file, then rename). */
static int
write_chunk(struct site *s, const char *chunk, int64_t from)
{
	char *tmp = xasprintf("%s.tmp-%ld", chunk, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int64_t rows;
	int rc = -1;

	if (f == NULL) {
		free(tmp);
		return -1;
	}
	rows = stream_rows(s, f, from, from + DAY_MS);
	if (fclose(f) == 0 && rows >= 0 && rename(tmp, chunk) == 0)
		rc = 0;
	else
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Is name a chunk this render uses? */
static bool
chunk_used(char **used, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(used[i], name) == 0)
			return true;
	return false;
}

/* Removes chunks (and leftovers) the current render did not use; closed months see below. */
static void
prune_cache(struct site *s, char **used, size_t n, const char *oldest)
{
	DIR *d = opendir(s->cache);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "results-", 8) != 0 || chunk_used(used, n, e->d_name))
			continue;
		/*
		 * A closed month stays (a later cold render links it) while it is exported and no
		 * other copy of the same month is in use (that one replaced it).
		 */
		if (strncmp(e->d_name, "results-month-", 14) == 0 && strlen(e->d_name) > 22 &&
		    strncmp(e->d_name + 14, oldest, 7) >= 0) {
			bool replaced = false;

			for (size_t i = 0; i < n; i++)
				if (strncmp(used[i], e->d_name, 22) == 0)
					replaced = true;
			if (!replaced)
				continue;
		}
		/* A concurrent render's temporary file: left alone while it may be in use. */
		if (strstr(e->d_name, ".tmp-") != NULL) {
			struct stat sb;
			char *p = xasprintf("%s/%s", s->cache, e->d_name);

			if (stat(p, &sb) == 0 && (int64_t)sb.st_mtime * 1000 < s->now - 3600000)
				unlink(p);
			free(p);
			continue;
		}
		unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* Segments of the file being written (site_gzip_segments): their ends, cached deflates. */
struct segs {
	int64_t		*bounds;
	char		**zc;
	size_t		 n;
};

/* Ends the current segment at fd's offset (after flushing f); zc its cache path or NULL. */
static void
seg_end(struct segs *g, FILE *f, int fd, char *zc)
{
	off_t pos;

	if (g->n == 0) {
		g->bounds = xmalloc(sizeof(*g->bounds));
		g->bounds[0] = 0;
	}
	fflush(f);
	pos = lseek(fd, 0, SEEK_CUR);
	g->bounds = xrealloc(g->bounds, (g->n + 2) * sizeof(*g->bounds));
	g->zc = xrealloc(g->zc, (g->n + 1) * sizeof(*g->zc));
	g->bounds[g->n + 1] = pos < 0 ? -1 : (int64_t)pos;
	g->zc[g->n++] = zc;
}

static void
segs_free(struct segs *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->zc[i]);
	free(g->zc);
	free(g->bounds);
}

/*
 * Today's rows (and any stamped later), segmented so that most of their deflate is reused
 * from one render to the next: per endpoint, its rows before the current UTC hour form one
 * segment, the rest another. The segmentation depends on the rows and the time alone (a
 * render without cache makes the same .gz); only the cache differs. A segment before the
 * hour is cached as results-today-DAY-HH-KEY-LEN.csv.zN: LEN its length in bytes (results
 * are never replaced, so a result stored late into it makes it longer), KEY the endpoint's,
 * read before the rows: on SQLite its hourly rollups of today's completed hours (which every
 * stored result feeds), on PostgreSQL (where a node's raw observations feed none) its count
 * of stored results in them (results are never replaced: a late one raises it); and its
 * CRC-32 is checked against the bytes just written before it is used.
 *
 * The text of that segment is kept too (results-today-DAY-HH-KEY.csv, empty when the
 * endpoint has a key but no row before the hour), and, once a render has streamed all of
 * today and found every row before the hour in such a text, a manifest
 * results-today-DAY-HH-ALL.idx, ALL fingerprinting every endpoint's KEY in order. While
 * the manifest's name stays the same, a render reads only the current hour's rows from
 * the store and merges the texts in (today_replay): the same bytes, at about a
 * twentieth of the store reads late in the day (issue 22).
 */
struct today_ep {
	char		*name;		/* "provider\nendpoint" */
	size_t		 lp;		/* strlen(provider) */
	uint64_t	 h;
	int64_t		 hours;		/* hourly rollups, or results (PostgreSQL), seen */
	bool		 texted;	/* its text before the hour is in the cache */
};

struct today_ctx {
	struct site	*s;
	const char	*path;		/* of the file written (read back for the texts) */
	FILE		*f;
	int		 fd, rfd;	/* rfd: path opened for reading, -1 until needed */
	struct segs	*g;
	int64_t		 day, hour;	/* today's UTC midnight, the current UTC hour */
	struct today_ep	*eps;		/* keyed: every endpoint's key, in name_cmp order */
	size_t		 n_eps, hint;	/* hint: the entry looked up last */
	bool		 keyed;		/* cached */
	bool		 untexted;	/* a segment before the hour has no text kept */
	char		 prefix[40];	/* "results-today-DAY-HH" of the cache's files */
	char		*cur;		/* the endpoint of the rows being written */
	bool		 before;	/* they are before the hour */
	off_t		 start;		/* where the open segment began */
	int64_t		 rows;
	char		***used;
	size_t		*n_used;
	bool		*verify;	/* per segment of g */
	size_t		 n_verify;
};

/*
 * Orders endpoints as the store does: provider, then endpoint, byte by byte (SQLite's BINARY
 * collation; PostgreSQL's columns are COLLATE "C").
 */
static int
name_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int c = strncmp(a, b, la < lb ? la : lb);

	if (c == 0 && la != lb)
		c = la < lb ? -1 : 1;
	return c != 0 ? c : strcmp(a + la + 1, b + lb + 1);
}

static int
ep_cmp(const void *x, const void *y)
{
	const struct today_ep *a = x, *b = y;

	return name_cmp(a->name, a->lp, b->name, b->lp);
}

/* Is name ("provider\nendpoint") that of provider/endpoint? */
static bool
same_ep(const char *name, const char *provider, const char *endpoint)
{
	size_t lp = strlen(provider);

	return strncmp(name, provider, lp) == 0 && name[lp] == '\n' &&
	    strcmp(name + lp + 1, endpoint) == 0;
}

/* The entry of name, or NULL; rows and rollups come in the entries' order, so at hint. */
static struct today_ep *
today_ep(struct today_ctx *t, const char *name)
{
	for (size_t k = 0; k < t->n_eps; k++) {
		size_t i = (t->hint + k) % t->n_eps;

		if (strcmp(t->eps[i].name, name) == 0) {
			t->hint = i;
			return &t->eps[i];
		}
	}
	return NULL;
}

/* A new entry for provider/endpoint (name: "provider\nendpoint", taken). */
static struct today_ep *
today_ep_new(struct today_ctx *t, char *name, const char *provider, const char *endpoint)
{
	struct today_ep *e;

	t->eps = xrealloc(t->eps, (t->n_eps + 1) * sizeof(*t->eps));
	t->hint = t->n_eps;
	e = &t->eps[t->n_eps++];
	*e = (struct today_ep){ .name = name, .lp = strlen(provider), .h = FNV1A_INIT };
	fnv_str(&e->h, CSV_RESULTS_HEADER);
	fnv_str(&e->h, provider);
	fnv_str(&e->h, endpoint);
	return e;
}

/* The entry of provider/endpoint, made when new. */
static struct today_ep *
today_ep_add(struct today_ctx *t, const char *provider, const char *endpoint)
{
	char *name = xasprintf("%s\n%s", provider, endpoint);
	struct today_ep *e;

	if ((e = today_ep(t, name)) != NULL) {
		free(name);
		return e;
	}
	return today_ep_new(t, name, provider, endpoint);
}

/*
 * One count per endpoint, in no particular order: appended without a lookup (a name that
 * came twice makes the entries out of order, and today_replay declines).
 */
static int
on_today_count(const char *provider, const char *endpoint, int64_t n, void *arg)
{
	struct today_ep *e = today_ep_new(arg, xasprintf("%s\n%s", provider, endpoint),
	    provider, endpoint);

	fnv_str(&e->h, "results");
	fnv1a(&e->h, &n, sizeof(n));
	e->hours += n;
	return 0;
}

static int
on_today_key(const struct store_rollup *r, void *arg)
{
	struct today_ctx *t = arg;
	int64_t c[] = { r->hour_ms, r->checks, r->up, r->degraded, r->down, r->maintenance,
	    r->up_ms, r->degraded_ms, r->down_ms, r->maintenance_ms };
	double pc[] = { r->p50_ms, r->p95_ms, r->p99_ms };
	struct today_ep *e;

	if (r->hour_ms < t->day || r->hour_ms >= t->hour)
		return 0;
	e = today_ep_add(t, r->provider, r->endpoint);
	fnv_str(&e->h, r->kind);
	fnv1a(&e->h, c, sizeof(c));
	fnv1a(&e->h, pc, sizeof(pc));
	e->hours++;
	return 0;
}

/* Notes name (a file in the cache) as used by this render; returns its path. */
static char *
today_use(struct today_ctx *t, char *name)
{
	char *p = xasprintf("%s/%s", t->s->cache, name);

	*t->used = xrealloc(*t->used, (*t->n_used + 1) * sizeof(**t->used));
	(*t->used)[(*t->n_used)++] = name;
	return p;
}

/* The path of e's text before the hour in the cache (noted as used). */
static char *
today_text(struct today_ctx *t, const struct today_ep *e)
{
	return today_use(t, xasprintf("%s-%016llx.csv", t->prefix, (unsigned long long)e->h));
}

/*
 * Keeps bytes [from, from + len) of the file written as e's text (temporary file, then
 * rename), unless a text of that length is there. Returns 0 or -1.
 */
static int
today_text_keep(struct today_ctx *t, struct today_ep *e, off_t from, off_t len)
{
	char *p = today_text(t, e), *tmp;
	struct stat sb;
	int out, rc = -1;

	if (stat(p, &sb) == 0 && sb.st_size == len) {
		free(p);
		return 0;
	}
	tmp = xasprintf("%s.tmp-%ld", p, (long)getpid());
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0) {
		bool ok;

		if (len > 0 && t->rfd < 0)
			t->rfd = open(t->path, O_RDONLY | O_CLOEXEC);
		ok = len == 0 || (t->rfd >= 0 && copy_range(t->rfd, from, out, len) == 0);
		if (close(out) == 0 && ok && rename(tmp, p) == 0)
			rc = 0;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(p);
	return rc;
}

/* Ends the open segment of today's rows (if it holds any). */
static void
today_end(struct today_ctx *t)
{
	char *zc = NULL;
	off_t pos;
	struct today_ep *e = NULL;

	if (t->cur == NULL)
		return;
	fflush(t->f);
	pos = lseek(t->fd, 0, SEEK_CUR);
	if (pos <= t->start)
		return;
	if (t->keyed && t->before && (e = today_ep(t, t->cur)) != NULL && e->hours > 0) {
		if (!e->texted && today_text_keep(t, e, t->start, pos - t->start) == 0)
			e->texted = true;
		zc = today_use(t, xasprintf("%s-%016llx-%lld.csv%s", t->prefix,
		    (unsigned long long)e->h, (long long)(pos - t->start), site_gzip_zsuffix()));
	}
	if (t->before && (e == NULL || !e->texted))
		t->untexted = true;
	t->verify = xrealloc(t->verify, (t->g->n + 1) * sizeof(*t->verify));
	while (t->n_verify < t->g->n)
		t->verify[t->n_verify++] = false;
	t->verify[t->n_verify++] = zc != NULL;
	seg_end(t->g, t->f, t->fd, zc);
	t->start = pos;
}

/* Starts rows of endpoint "provider\nendpoint", before the hour or not. */
static void
today_begin(struct today_ctx *t, const char *name, bool before)
{
	today_end(t);
	free(t->cur);
	t->cur = xstrdup(name);
	t->before = before;
}

static int
on_today_row(const struct store_row *r, void *arg)
{
	struct today_ctx *t = arg;

	if (t->cur == NULL || !same_ep(t->cur, r->provider, r->endpoint)) {
		char *name = xasprintf("%s\n%s", r->provider, r->endpoint);

		today_begin(t, name, r->time_ms < t->hour);
		free(name);
	} else if (t->before && r->time_ms >= t->hour) {
		today_end(t);
		t->before = false;
	}
	csv_result(t->f, r);
	t->rows++;
	return 0;
}

/* The manifest's path for the current entries (noted as used). */
static char *
today_manifest(struct today_ctx *t)
{
	uint64_t h = FNV1A_INIT;

	for (size_t i = 0; i < t->n_eps; i++) {
		fnv_str(&h, t->eps[i].name);
		fnv1a(&h, &t->eps[i].h, sizeof(t->eps[i].h));
	}
	return today_use(t, xasprintf("%s-%016llx.idx", t->prefix, (unsigned long long)h));
}

/*
 * The marker of an hour whose rows are too many to hold for the merge (below): no manifest
 * is kept for that hour, so its later renders stream all of today at once (noted as used).
 */
static char *
today_big(struct today_ctx *t)
{
	return today_use(t, xasprintf("%s.big", t->prefix));
}

/*
 * After all of today was streamed: keeps an empty text for every endpoint with a key but
 * no row before the hour, then the manifest, when every row before the hour is in a text.
 */
static void
today_seal(struct today_ctx *t)
{
	char *p;
	int fd;

	for (size_t i = 0; i < t->n_eps && !t->untexted; i++)
		if (t->eps[i].hours > 0 && !t->eps[i].texted &&
		    today_text_keep(t, &t->eps[i], 0, 0) != 0)
			t->untexted = true;
	if (t->untexted || t->n_eps == 0)
		return;
	p = today_big(t);
	if (access(p, F_OK) == 0) {	/* the current hour is too big to hold: no manifest */
		free(p);
		return;
	}
	free(p);
	p = today_manifest(t);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
		close(fd);
	free(p);
}

/*
 * The current hour's rows, one block per endpoint, in the store's order, held in memory
 * up to TODAY_CUR_MAX bytes (about 300,000 rows: 200 endpoints give 1.3 MB an hour); more
 * (tens of thousands of endpoints) and the render streams all of today, in constant memory,
 * and marks the hour (today_big) so that its later renders do not read the hour twice.
 */
#define TODAY_CUR_MAX	(32u << 20)

struct cur_block {
	char		*name;		/* "provider\nendpoint" */
	size_t		 lp;
	size_t		 off, len;	/* in the text */
};

struct cur_rows {
	FILE		*f;		/* open_memstream of text */
	char		*text;
	size_t		 size;
	struct cur_block *b;
	size_t		 n;
	bool		 disorder;	/* not in name_cmp order */
	bool		 too_big;	/* over TODAY_CUR_MAX: the read stopped */
	int64_t		 rows;
};

static int
on_cur_row(const struct store_row *r, void *arg)
{
	struct cur_rows *c = arg;
	struct cur_block *last = c->n > 0 ? &c->b[c->n - 1] : NULL;

	if (last == NULL || !same_ep(last->name, r->provider, r->endpoint)) {
		char *name = xasprintf("%s\n%s", r->provider, r->endpoint);
		size_t lp = strlen(r->provider);

		if (last != NULL && name_cmp(last->name, last->lp, name, lp) >= 0)
			c->disorder = true;
		fflush(c->f);
		c->b = xrealloc(c->b, (c->n + 1) * sizeof(*c->b));
		c->b[c->n++] = (struct cur_block){ .name = name, .lp = lp, .off = c->size };
	}
	csv_result(c->f, r);
	c->rows++;
	if (c->rows % 1024 == 0 && fflush(c->f) == 0 && c->size > TODAY_CUR_MAX) {
		c->too_big = true;
		return 1;	/* stops the read */
	}
	return 0;
}

/*
 * Writes today's rows from the cached texts before the hour and the store's rows from the
 * hour on (see above). Returns 0 when written, 1 when it cannot be (nothing written: the
 * caller streams all of today), -1 on a store error.
 */
static int
today_replay(struct today_ctx *t, int64_t to)
{
	struct cur_rows c = { 0 };
	size_t n_seg = t->g->n, n_verify = t->n_verify, i = 0, j = 0;
	off_t start = t->start;
	char *p;
	int rc = 1;

	if (!t->keyed || t->n_eps == 0)
		return 1;
	p = today_manifest(t);
	if (access(p, F_OK) != 0) {
		free(p);
		return 1;
	}
	free(p);
	for (size_t k = 1; k < t->n_eps; k++)
		if (name_cmp(t->eps[k - 1].name, t->eps[k - 1].lp, t->eps[k].name,
		    t->eps[k].lp) >= 0)
			return 1;
	if ((c.f = open_memstream(&c.text, &c.size)) == NULL)
		return 1;
	if (store_each_result(t->s->st, t->hour, to, NULL, on_cur_row, &c) != 0) {
		site_fail(t->s, "store: %s", store_error(t->s->st));
		rc = -1;
		goto out;
	}
	if (fflush(c.f) != 0 || c.disorder)
		goto out;
	if (c.too_big || c.size > TODAY_CUR_MAX) {
		/* this hour's later renders: straight to the stream */
		int fd;

		p = today_big(t);
		if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
			close(fd);
		free(p);
		p = today_manifest(t);
		unlink(p);
		free(p);
		goto out;
	}
	for (size_t k = 0; k < c.n; k++)
		c.b[k].len = (k + 1 < c.n ? c.b[k + 1].off : c.size) - c.b[k].off;
	while (i < t->n_eps || j < c.n) {
		int cmp = i == t->n_eps ? 1 : j == c.n ? -1 :
		    name_cmp(t->eps[i].name, t->eps[i].lp, c.b[j].name, c.b[j].lp);

		if (cmp <= 0) {
			struct today_ep *e = &t->eps[i++];
			int64_t n;

			today_begin(t, e->name, true);
			t->hint = (size_t)(e - t->eps);
			e->texted = true;
			p = today_text(t, e);
			n = fflush(t->f) == 0 ? append_file(t->fd, p) : -1;
			free(p);
			if (n < 0)
				goto undo;
			t->rows += n;
		}
		if (cmp >= 0) {
			today_begin(t, c.b[j].name, false);
			if (fwrite(c.text + c.b[j].off, 1, c.b[j].len, t->f) != c.b[j].len)
				goto undo;
			j++;
		}
	}
	t->rows += c.rows;
	rc = 0;
	goto out;
undo:
	/* back to where today began: the caller streams it all */
	free(t->cur);
	t->cur = NULL;
	for (size_t k = n_seg; k < t->g->n; k++)
		free(t->g->zc[k]);
	t->g->n = n_seg;
	t->n_verify = n_verify;
	t->start = start;
	t->rows = 0;
	for (size_t k = 0; k < t->n_eps; k++)
		t->eps[k].texted = false;
	if (fflush(t->f) != 0 || ftruncate(t->fd, start) != 0 || fseeko(t->f, start, SEEK_SET) != 0) {
		site_fail(t->s, "%s: %s", t->path, strerror(errno));
		rc = -1;
	}
out:
	fclose(c.f);
	free(c.text);
	for (size_t k = 0; k < c.n; k++)
		free(c.b[k].name);
	free(c.b);
	return rc;
}

/*
 * Today's rows [day, to) into f (path, descriptor fd), segmented (above); returns rows
 * streamed plus bytes taken from the cache (0 = none), or -1.
 */
static int64_t
stream_today(struct site *s, const char *path, FILE *f, int fd, struct segs *g, int64_t day,
    int64_t to, char ***used, size_t *n_used, bool **verify, size_t *n_verify)
{
	struct today_ctx t = { .s = s, .path = path, .f = f, .fd = fd, .rfd = -1, .g = g,
	    .day = day, .hour = s->now - ((s->now % 3600000) + 3600000) % 3600000, .used = used,
	    .n_used = n_used, .verify = *verify, .n_verify = *n_verify };
	int replayed = 1;

	fflush(f);
	t.start = lseek(fd, 0, SEEK_CUR);
	{
		char d[16];

		utc_day(day, d, sizeof(d));
		snprintf(t.prefix, sizeof(t.prefix), "results-today-%s-%02d", d,
		    (int)((t.hour - day) / 3600000));
	}
	/* The keys before the rows: a result stored in between changes the key. */
	if (s->cache != NULL && t.hour > day) {
		t.keyed = true;
		if ((!site_count_keyed(s, day) ?
		    site_each_hourly_by_day(s, day, t.hour, on_today_key, &t) :
		    store_count_results_by_endpoint(s->st, day, t.hour, on_today_count, &t)) != 0) {
			site_fail(s, "store: %s", store_error(s->st));
			t.rows = -1;
		}
		if (t.n_eps > 1)
			qsort(t.eps, t.n_eps, sizeof(*t.eps), ep_cmp);
	}
	if (t.rows == 0 && (replayed = today_replay(&t, to)) < 0)
		t.rows = -1;
	if (t.rows >= 0 && replayed != 0 &&
	    store_each_result(s->st, day, to, NULL, on_today_row, &t) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		t.rows = -1;
	}
	if (t.rows >= 0) {
		today_end(&t);
		if (replayed != 0 && t.keyed)
			today_seal(&t);
	}
	if (t.rfd >= 0)
		close(t.rfd);
	free(t.cur);
	for (size_t i = 0; i < t.n_eps; i++)
		free(t.eps[i].name);
	free(t.eps);
	*verify = t.verify;
	*n_verify = t.n_verify;
	return t.rows;
}

/* Notes chunk name and its cached deflate as used by this render. */
static void
note_chunk(char ***used, size_t *n_used, const char *name)
{
	*used = xrealloc(*used, (*n_used + 2) * sizeof(**used));
	(*used)[(*n_used)++] = xasprintf("%s%s", name, site_gzip_zsuffix());
	(*used)[(*n_used)++] = xstrdup(name);
}

/*
 * Writes path: header, then for each UTC day of [from, to) its rows, from a cached chunk
 * for completed days, streamed for the rest; and path.gz, one deflated segment per day
 * (a cached day's kept beside its chunk). Returns the number of data bytes (0 = no rows)
 * or -1. used/n_used collect the chunk names used. ym: "YYYY-MM" of the month.
 */
static int64_t
write_month(struct site *s, const char *path, const char *ym, int64_t from, int64_t to,
    char ***used, size_t *n_used)
{
	int64_t retention = retention_ms(s);
	int64_t today = s->now - ((s->now % DAY_MS) + DAY_MS) % DAY_MS, data = 0, cut = from;
	struct keys_ctx k = { 0 };
	struct segs g = { 0 };
	bool *verify = NULL;	/* per segment: check a cached deflate's CRC-32 */
	size_t n_verify = 0;
	/*
	 * The leading segments as planned (the header, then each completed day's chunk) and
	 * how many were written so (site_mreuse.c: the next render may write on after them).
	 */
	char **plan = NULL;
	size_t n_plan = 0, n_lay = 0;
	struct mreuse mr = { 0 };
	int fd = -1;
	FILE *f;

	/*
	 * Completed days [cut, ...) that may be cached; not for a month that the next render
	 * hard-links (reuse_month) anyway.
	 */
	if (s->cache != NULL && to + 3600000 > s->now)
		for (int64_t d = from; d + DAY_MS <= to && d + DAY_MS <= today; d += DAY_MS) {
			if (d < s->now - retention) {
				/* results may be pruned: start caching after it */
				cut = d + DAY_MS;
				continue;
			}
			k.days = xrealloc(k.days, (k.n + 1) * sizeof(*k.days));
			k.days[k.n++] = (struct day_key){ .start_ms = d, .h = FNV1A_INIT };
			/* the columns are part of the key: a chunk of another format is not reused */
			fnv_str(&k.days[k.n - 1].h, CSV_RESULTS_HEADER);
		}
	/* The keys are read before the rows: a result stored in between changes the key. */
	if (k.n > 0 && site_each_hourly_by_day(s, k.days[0].start_ms,
	    k.days[k.n - 1].start_ms + DAY_MS, on_hour_key, &k) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		free(k.days);
		return -1;
	}
	if (k.n > 0 && site_count_keyed(s, k.days[0].start_ms)) {
		int64_t *c = site_day_counts(s, k.days[0].start_ms, k.n);

		if (c == NULL) {
			free(k.days);
			return -1;
		}
		for (size_t i = 0; i < k.n; i++)
			fnv1a(&k.days[i].h, &c[i], sizeof(c[i]));
		free(c);
	}
	if (s->cache != NULL && cut == from) {
		uint64_t h = FNV1A_INIT;

		fnv_str(&h, CSV_RESULTS_HEADER);
		plan = xcalloc(k.n + 1, sizeof(*plan));
		plan[n_plan++] = xasprintf("header-%016llx", (unsigned long long)h);
		for (size_t i = 0; i < k.n && k.days[i].hours > 0; i++) {
			char day[16];

			utc_day(k.days[i].start_ms, day, sizeof(day));
			plan[n_plan++] = xasprintf("results-%s-%016llx.csv", day,
			    (unsigned long long)k.days[i].h);
		}
		fd = site_mreuse_open(s, ym, path, plan, n_plan, &mr);
	}
	if (fd < 0 && (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		site_fail(s, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		site_fail(s, "%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	if (mr.nseg > 0) {
		/* the header and the first days are there already, with their .gz */
		g.bounds = xcalloc(mr.nseg + 1, sizeof(*g.bounds));
		g.zc = xcalloc(mr.nseg, sizeof(*g.zc));
		for (size_t i = 0; i < mr.nseg; i++) {
			g.bounds[i + 1] = mr.csv_end[i];
			if (i > 0) {
				g.zc[i] = xasprintf("%s/%s%s", s->cache, plan[i], site_gzip_zsuffix());
				note_chunk(used, n_used, plan[i]);
			}
		}
		g.n = n_lay = mr.nseg;
		data = mr.csv_end[mr.nseg - 1] - mr.csv_end[0];
	} else {
		csv_header(f, CSV_RESULTS_HEADER);
		seg_end(&g, f, fd, NULL);
		n_lay = n_plan > 0;
	}
	/* Uncached days one by one too: rows by day, then provider, endpoint, time. */
	for (int64_t d = from; d < cut && s->err == NULL; d += DAY_MS) {
		int64_t rows = stream_rows(s, f, d, d + DAY_MS < cut ? d + DAY_MS : cut);

		data += rows > 0 ? rows : 0;
		seg_end(&g, f, fd, NULL);
	}
	for (size_t i = mr.nseg > 0 ? mr.nseg - 1 : 0; i < k.n && s->err == NULL; i++) {
		const struct day_key *d = &k.days[i];
		char day[16], *name, *chunk;
		int64_t n = -1;
		struct stat sb;

		if (d->start_ms < cut)
			continue;
		if (n_lay != i + 1)
			n_lay = SIZE_MAX;	/* a gap: the layout ends before */
		/* No rollups while results may exist (should not happen): not cached. */
		if (d->hours == 0) {
			int64_t rows = stream_rows(s, f, d->start_ms, d->start_ms + DAY_MS);

			data += rows > 0 ? rows : 0;
			seg_end(&g, f, fd, NULL);
			continue;
		}
		utc_day(d->start_ms, day, sizeof(day));
		name = xasprintf("results-%s-%016llx.csv", day, (unsigned long long)d->h);
		chunk = xasprintf("%s/%s", s->cache, name);
		if (stat(chunk, &sb) != 0)
			write_chunk(s, chunk, d->start_ms);
		if (fflush(f) == 0)
			n = append_file(fd, chunk);
		if (n < 0) {
			/* no usable chunk: the rows straight from the store */
			int64_t rows = stream_rows(s, f, d->start_ms, d->start_ms + DAY_MS);

			data += rows > 0 ? rows : 0;
			free(name);
			seg_end(&g, f, fd, NULL);
		} else {
			data += n;
			if (n_lay == i + 1 && n_lay < n_plan && strcmp(plan[n_lay], name) == 0)
				n_lay++;
			note_chunk(used, n_used, name);
			free(name);
			seg_end(&g, f, fd, xasprintf("%s%s", chunk, site_gzip_zsuffix()));
		}
		free(chunk);
	}
	if (n_lay == SIZE_MAX)
		n_lay = 0;
	for (int64_t d = k.n > 0 ? k.days[k.n - 1].start_ms + DAY_MS : cut;
	    d < to && s->err == NULL; d += DAY_MS) {
		int64_t rows;

		if (d + DAY_MS > s->now) {
			/* today's rows, and any stamped later */
			rows = stream_today(s, path, f, fd, &g, d, to, used, n_used, &verify,
			    &n_verify);
			data += rows > 0 ? rows : 0;
			break;
		}
		rows = stream_rows(s, f, d, d + DAY_MS);
		data += rows > 0 ? rows : 0;
		seg_end(&g, f, fd, NULL);
	}
	if (fclose(f) != 0)
		site_fail(s, "%s: %s", path, strerror(errno));
	if (s->err == NULL && data > 0) {
		char *gz = xasprintf("%s.gz", path);
		bool ok = true, gz_ok = false;
		int64_t *gz_end = xcalloc(g.n + 1, sizeof(*gz_end));
		uint32_t *crc_end = xcalloc(g.n + 1, sizeof(*crc_end));
		struct gz_resume resume = { 0 };

		for (size_t i = 0; i <= g.n; i++)
			ok = ok && g.bounds[i] >= 0 && (i == 0 || g.bounds[i] >= g.bounds[i - 1]);
		verify = xrealloc(verify, (g.n + 1) * sizeof(*verify));
		while (n_verify < g.n)
			verify[n_verify++] = false;
		if (mr.gz) {
			resume = (struct gz_resume){ mr.nseg, mr.gz_end[mr.nseg - 1], mr.crc[mr.nseg - 1] };
			memcpy(gz_end, mr.gz_end, mr.nseg * sizeof(*gz_end));
			memcpy(crc_end, mr.crc, mr.nseg * sizeof(*crc_end));
		}
		if (ok)	/* else site_gzip */
			gz_ok = site_gzip_segments(path, gz, g.bounds, g.n, g.zc, verify,
			    mr.gz ? &resume : NULL, gz_end, crc_end) == 0;
		if (!gz_ok)
			unlink(gz);	/* not one cut short: site_gzip makes it whole, or none */
		if (n_lay >= 2 && n_lay <= g.n)
			site_mreuse_save(s, ym, path, plan, n_lay, g.bounds + 1, gz_end, crc_end,
			    gz_ok, used, n_used);
		free(gz_end);
		free(crc_end);
		free(gz);
	}
	free(verify);
	segs_free(&g);
	site_mreuse_free(&mr);
	for (size_t i = 0; i < n_plan; i++)
		free(plan[i]);
	free(plan);
	free(k.days);
	return s->err ? -1 : data;
fail:
	site_mreuse_free(&mr);
	for (size_t i = 0; i < n_plan; i++)
		free(plan[i]);
	free(plan);
	free(k.days);
	return -1;
}

/*
 * A closed month's CSV (and its .gz) is kept in the cache as month-YYYY-MM-KEY.csv, so a
 * cold render (no previous site to link from) does not write it again. KEY fingerprints the
 * daily rollups of every endpoint over the local days touching the month: a late import
 * changes them, and so the key.
 */
struct month_key {
	char		 lo[16], hi[16];	/* local days [lo, hi] touching the UTC month */
	uint64_t	 h;
};

static int
on_month_day(const struct store_rollup *r, void *arg)
{
	struct month_key *k = arg;
	const int64_t v[] = { r->checks, r->up, r->degraded, r->down, r->maintenance, r->up_ms,
	    r->degraded_ms, r->down_ms, r->maintenance_ms };

	fnv_str(&k->h, r->provider);
	fnv_str(&k->h, r->endpoint);
	fnv_str(&k->h, r->day);
	fnv1a(&k->h, v, sizeof(v));
	return 0;
}

static char *
month_cache_name(struct site *s, int y, int mo)
{
	struct month_key k = { .h = FNV1A_INIT };

	fnv_str(&k.h, CSV_RESULTS_HEADER);	/* a copy in another format is not reused */

	/* Local days are within 14 hours of UTC: the day before and after cover the month. */
	snprintf(k.lo, sizeof(k.lo), "%04d-%02d-00", y, mo);
	snprintf(k.hi, sizeof(k.hi), "%04d-%02d-32", y, mo);
	if (site_each_daily(s, k.lo, k.hi, on_month_day, &k) != 0)
		return NULL;
	{
		int py = mo == 1 ? y - 1 : y, pm = mo == 1 ? 12 : mo - 1;
		int ny = mo == 12 ? y + 1 : y, nm = mo == 12 ? 1 : mo + 1;
		char a[16], b[16];

		snprintf(a, sizeof(a), "%04d-%02d-31", py, pm);
		snprintf(b, sizeof(b), "%04d-%02d-01", ny, nm);
		if (site_each_daily(s, a, a, on_month_day, &k) != 0 ||
		    site_each_daily(s, b, b, on_month_day, &k) != 0)
			return NULL;
	}
	if (site_count_keyed(s, month_start(y, mo))) {
		int64_t from = month_start(y, mo);
		size_t n = (size_t)((month_start(y, mo + 1) - from) / DAY_MS);
		int64_t *c = site_day_counts(s, from, n);

		if (c == NULL)
			return NULL;
		fnv1a(&k.h, c, n * sizeof(*c));
		free(c);
	}
	return xasprintf("results-month-%04d-%02d-%016llx.csv", y, mo, (unsigned long long)k.h);
}

static void
note_used(char ***used, size_t *n_used, const char *name)
{
	*used = xrealloc(*used, (*n_used + 2) * sizeof(**used));
	(*used)[(*n_used)++] = xstrdup(name);
	(*used)[(*n_used)++] = xasprintf("%s.gz", name);
}

/* Links the cached copy name of a closed month into place; 1 when it was there. */
static int
closed_month_cached(struct site *s, const char *name, const char *path, char ***used,
    size_t *n_used)
{
	char *src, *gz, *srcgz;
	int ok;

	src = xasprintf("%s/%s", s->cache, name);
	ok = link(src, path) == 0;
	if (ok) {
		gz = xasprintf("%s.gz", path);
		srcgz = xasprintf("%s.gz", src);
		if (link(srcgz, gz) != 0)
			unlink(gz);	/* site_gzip compresses it */
		free(gz);
		free(srcgz);
		note_used(used, n_used, name);
	}
	free(src);
	return ok;
}

/*
 * Keeps a freshly written closed month (and its .gz, made now) in the cache as name, its
 * key read before its rows: a result stored in between is in the file, or changes the key.
 */
static void
closed_month_keep(struct site *s, const char *name, const char *path, char ***used,
    size_t *n_used)
{
	char *dst, *gz, *dstgz;

	dst = xasprintf("%s/%s", s->cache, name);
	gz = xasprintf("%s.gz", path);
	dstgz = xasprintf("%s.gz", dst);
	unlink(dst);
	unlink(dstgz);
	if ((access(gz, F_OK) == 0 || site_gzip_file(path, gz) == 0) && link(gz, dstgz) != 0)
		unlink(dstgz);	/* not cached: a later cold render compresses it again */
	if (link(path, dst) == 0)
		note_used(used, n_used, name);
	free(dst);
	free(gz);
	free(dstgz);
}

int
site_results_csv(struct site *s, const char *old_dir, int y, int mo)
{
	char **used = NULL, *path, *name;
	size_t n_used = 0;
	int64_t keep_from;

	/* One file per UTC month that may still hold raw results (retention), oldest first. */
	keep_from = s->now - (s->conf->storage.retention_ms > 0 ? s->conf->storage.retention_ms :
	    400 * 86400000LL) - 31 * 86400000LL;
	for (; month_start(y, mo) <= s->now && s->err == NULL; mo++) {
		int64_t from = month_start(y, mo), to = month_start(y, mo + 1);
		int yy = y + (mo - 1) / 12, mm = (mo - 1) % 12 + 1;
		char rel[64], ym[16];

		if (to < keep_from)
			continue;
		snprintf(ym, sizeof(ym), "%04d-%02d", yy, mm);
		snprintf(rel, sizeof(rel), "exports/results-%s.csv", ym);
		if (s->cache == NULL && reuse_month(s, old_dir, rel, to))
			continue;
		path = site_path(s, rel);
		name = NULL;
		if (s->cache != NULL && s->now >= to + 3600000 &&
		    (name = month_cache_name(s, yy, mm)) != NULL &&
		    closed_month_cached(s, name, path, &used, &n_used)) {
			free(name);
			free(path);
			continue;
		}
		if (s->err == NULL && write_month(s, path, ym, from, to, &used, &n_used) == 0)
			unlink(path);
		else if (s->err == NULL && name != NULL)
			closed_month_keep(s, name, path, &used, &n_used);
		free(name);
		free(path);
	}
	if (s->err == NULL && s->cache != NULL) {
		char oldest[16];
		time_t k = (time_t)(keep_from / 1000);
		struct tm tm;

		gmtime_r(&k, &tm);
		snprintf(oldest, sizeof(oldest), "%04d-%02d", (tm.tm_year + 1900) % 10000,
		    (tm.tm_mon + 1) % 100);
		prune_cache(s, used, n_used, oldest);
	}
	for (size_t i = 0; i < n_used; i++)
		free(used[i]);
	free(used);
	return s->err ? -1 : 0;
}
