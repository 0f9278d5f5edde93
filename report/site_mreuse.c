/*
 * The current month's results CSV brought up to date in place instead of written whole.
 *
 * exports/results-YYYY-MM.csv of the current month is its header, one cached chunk per
 * completed UTC day, then today's rows (site_months.c): by the month's end about 900 MB for
 * 200 endpoints at one result a minute, which every render copied whole (copy_file_range),
 * and its .gz likewise from the cached deflates. The site before the previous one still
 * holds the file it published (the spare keeps it, site_spare.c): when it is the very file
 * a layout in the cache describes (device, inode, size, modification time), nothing else
 * links it, and nobody holds it open (a write lease is granted: not a download that began
 * before it was replaced), it is cut after the last segment it shares with this render's
 * plan and written on from there, and its .gz likewise. What is published is byte for
 * byte what a render into an empty folder writes (tests/site_cache_itest.sh).
 *
 * Layout, cache/results-layout-YYYY-MM-INO (text):
 *	trustwatch month layout 1
 *	csv DEV INO SIZE MTIME_NS
 *	gz DEV INO SIZE MTIME_NS		("gz -": the CSV has no .gz)
 *	NAME CSV_END GZ_END CRC			one line per segment, from the header on
 * NAME is what the segment was made from: "header-FNV" (the header line), then the cache
 * name of each day's chunk (its key covers that day's rows). GZ_END is the .gz's length
 * after the segment, CRC the CRC-32 of the CSV up to its end (-1 and 0 without a .gz).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site_int.h"

#define LAYOUT_MAGIC	"trustwatch month layout 1"
#define LAYOUT_MAX_SEGS	64		/* a header and at most 31 days; more is not ours */

void
site_mreuse_free(struct mreuse *r)
{
	free(r->csv_end);
	free(r->gz_end);
	free(r->crc);
	*r = (struct mreuse){ 0 };
}

static char *
layout_name(const char *ym, ino_t ino)
{
	return xasprintf("results-layout-%s-%ju", ym, (uintmax_t)ino);
}

/* "csv DEV INO SIZE MTIME_NS" of sb (tag "csv" or "gz") */
static void
identity(char *out, size_t outsz, const char *tag, const struct stat *sb)
{
	snprintf(out, outsz, "%s %ju %ju %jd %jd", tag, (uintmax_t)sb->st_dev,
	    (uintmax_t)sb->st_ino, (intmax_t)sb->st_size,
	    (intmax_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec);
}

/*
 * Is fd's file open nowhere else? A write lease is granted only then (fcntl(2)); it is
 * given back at once: the file is not published any more, so no one opens it anew.
 */
static bool
unshared(int fd)
{
	if (fcntl(fd, F_SETLEASE, F_WRLCK) != 0)
		return false;
	fcntl(fd, F_SETLEASE, F_UNLCK);
	return true;
}

/* The spare's copy of rel's file and its .gz: regular, linked nowhere else, unshared. */
static int
open_prev(const char *p, struct stat *sb)
{
	int fd = open(p, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode) || sb->st_nlink != 1 || !unshared(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

int
site_mreuse_open(struct site *s, const char *ym, const char *path, char *const *plan,
    size_t n_plan, struct mreuse *r)
{
	char *prev = NULL, *prevgz = NULL, *lay = NULL, *gz = NULL, line[512], want[160];
	FILE *f = NULL;
	struct stat sb, zb;
	int fd = -1, zfd = -1, out = -1;
	size_t n = 0;
	bool have_gz = false;

	*r = (struct mreuse){ 0 };
	if (s->prev_exports == NULL || s->cache == NULL || n_plan < 2)
		return -1;
	prev = xasprintf("%s/results-%s.csv", s->prev_exports, ym);
	prevgz = xasprintf("%s.gz", prev);
	if ((fd = open_prev(prev, &sb)) < 0)
		goto done;
	{
		char *name = layout_name(ym, sb.st_ino);

		lay = xasprintf("%s/%s", s->cache, name);
		free(name);
	}
	if ((f = fopen(lay, "re")) == NULL || fgets(line, sizeof(line), f) == NULL ||
	    strcmp(line, LAYOUT_MAGIC "\n") != 0)
		goto done;
	identity(want, sizeof(want), "csv", &sb);
	if (fgets(line, sizeof(line), f) == NULL || strncmp(line, want, strlen(want)) != 0 ||
	    line[strlen(want)] != '\n')
		goto done;
	if (fgets(line, sizeof(line), f) == NULL)
		goto done;
	if (strcmp(line, "gz -\n") != 0) {
		if ((zfd = open_prev(prevgz, &zb)) < 0)
			goto done;
		identity(want, sizeof(want), "gz", &zb);
		if (strncmp(line, want, strlen(want)) != 0 || line[strlen(want)] != '\n')
			goto done;
		have_gz = true;
	}
	r->csv_end = xcalloc(LAYOUT_MAX_SEGS, sizeof(*r->csv_end));
	r->gz_end = xcalloc(LAYOUT_MAX_SEGS, sizeof(*r->gz_end));
	r->crc = xcalloc(LAYOUT_MAX_SEGS, sizeof(*r->crc));
	/* The segments this render would write the same: a prefix of its plan. */
	while (n < n_plan && n < LAYOUT_MAX_SEGS && fgets(line, sizeof(line), f) != NULL) {
		char name[256];
		long long ce, ge;
		unsigned long crc;

		if (sscanf(line, "%255s %lld %lld %lu", name, &ce, &ge, &crc) != 4 ||
		    strcmp(name, plan[n]) != 0 || ce <= (n ? r->csv_end[n - 1] : 0) ||
		    ce > (long long)sb.st_size || (have_gz && (ge < 10 || ge > (long long)zb.st_size ||
		    (n > 0 && ge < r->gz_end[n - 1]))))
			break;
		r->csv_end[n] = ce;
		r->gz_end[n] = ge;
		r->crc[n++] = (uint32_t)crc;
	}
	if (n < 2)	/* the header alone is not worth it */
		goto done;
	/* Into place; the .gz only with it (else it is written whole from the cache). */
	gz = xasprintf("%s.gz", path);
	if (rename(prev, path) != 0)
		goto done;
	if (have_gz && rename(prevgz, gz) != 0)
		have_gz = false;
	if (ftruncate(fd, r->csv_end[n - 1]) != 0 || lseek(fd, 0, SEEK_END) != r->csv_end[n - 1]) {
		unlink(path);
		goto done;
	}
	r->nseg = n;
	r->gz = have_gz;
	out = fd;
	fd = -1;
done:
	if (out < 0)
		site_mreuse_free(r);
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (zfd >= 0)
		close(zfd);
	free(prev);
	free(prevgz);
	free(lay);
	free(gz);
	return out;
}

static void
note(char ***used, size_t *n_used, char *name)
{
	*used = xrealloc(*used, (*n_used + 1) * sizeof(**used));
	(*used)[(*n_used)++] = name;
}

void
site_mreuse_save(struct site *s, const char *ym, const char *path, char *const *names,
    size_t n, const int64_t *csv_end, const int64_t *gz_end, const uint32_t *crc, bool gz,
    char ***used, size_t *n_used)
{
	char *zpath = xasprintf("%s.gz", path), *name = NULL, *lay = NULL, *tmp = NULL;
	char id[160];
	struct stat sb, zb;
	FILE *f;
	bool ok;

	if (s->cache == NULL)
		goto done;
	/* The published site's copy is the next render's spare: its layout stays. */
	if (s->reuse_fd >= 0) {
		char *rel = xasprintf("exports/results-%s.csv", ym), *live, *p;

		if (fstatat(s->reuse_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode)) {
			live = layout_name(ym, sb.st_ino);
			p = xasprintf("%s/%s", s->cache, live);
			if (access(p, F_OK) == 0)
				note(used, n_used, live);
			else
				free(live);
			free(p);
		}
		free(rel);
	}
	if (n < 2 || n > LAYOUT_MAX_SEGS || lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		goto done;
	if (gz && (lstat(zpath, &zb) != 0 || !S_ISREG(zb.st_mode)))
		gz = false;
	for (size_t i = 0; gz && i < n; i++)
		gz = gz_end[i] >= 10;
	name = layout_name(ym, sb.st_ino);
	lay = xasprintf("%s/%s", s->cache, name);
	tmp = xasprintf("%s.tmp-%ld", lay, (long)getpid());
	if ((f = fopen(tmp, "we")) == NULL)
		goto done;
	fprintf(f, "%s\n", LAYOUT_MAGIC);
	identity(id, sizeof(id), "csv", &sb);
	fprintf(f, "%s\n", id);
	if (gz)
		identity(id, sizeof(id), "gz", &zb);
	fprintf(f, "%s\n", gz ? id : "gz -");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %lld %lld %lu\n", names[i], (long long)csv_end[i],
		    gz ? (long long)gz_end[i] : -1LL, gz ? (unsigned long)crc[i] : 0UL);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok || rename(tmp, lay) != 0) {
		unlink(tmp);
		goto done;
	}
	note(used, n_used, name);
	name = NULL;
done:
	free(zpath);
	free(name);
	free(lay);
	free(tmp);
}

void
site_mreuse_done(struct site *s)
{
	if (s->prev_exports == NULL)
		return;
	site_remove_tree(s->prev_exports);
	free(s->prev_exports);
	s->prev_exports = NULL;
}
