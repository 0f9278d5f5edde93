/*
 * Precompressed copies: NAME.gz beside every HTML, CSS, JSON, CSV, Atom and SVG file of a
 * site being written, for a web server to send with Content-Encoding: gzip (SPEC §10).
 * A file hard-linked from the previous site (unchanged) gets its previous .gz linked too,
 * so a closed month's CSV is never compressed twice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>

#include <zlib.h>

#include "report.h"
#include "site_int.h"

#define GZ_MAX_BYTES	(512u << 20)	/* larger files are served plain */


bool
report_gzipped(const char *path)
{
	static const char *const exts[] = { ".html", ".css", ".json", ".csv", ".atom", ".svg" };
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return false;
	for (size_t i = 0; i < NELEM(exts); i++)
		if (strcmp(dot, exts[i]) == 0)
			return true;
	return false;
}

/* Links REL.gz from the previous site when REL is the very same file there. */
static bool
link_previous(struct site *s, const char *rel, const struct stat *sb, const char *gz)
{
	struct stat old;
	char *relgz;
	bool ok;

	if (s->reuse_fd < 0 || fstatat(s->reuse_fd, rel, &old, AT_SYMLINK_NOFOLLOW) != 0 ||
	    old.st_ino != sb->st_ino || old.st_dev != sb->st_dev)
		return false;
	relgz = xasprintf("%s.gz", rel);
	ok = linkat(s->reuse_fd, relgz, AT_FDCWD, gz, 0) == 0;
	free(relgz);
	return ok;
}

/* Writes gz from data (level 6); 0, or -1 and no gz. */
static int
gzip_mem(const char *gz, const unsigned char *data, size_t len)
{
	gzFile z = gzopen(gz, "wb6");
	int rc = 0;

	if (z == NULL)
		return -1;
	if (len > 0 && gzwrite(z, data, (unsigned)len) != (int)len)
		rc = -1;
	if (gzclose(z) != Z_OK)
		rc = -1;
	if (rc != 0)
		unlink(gz);
	return rc;
}

int
site_gzip_file(const char *path, const char *gz)
{
	unsigned char *data;
	size_t len;
	int rc;
	struct stat sb;

	/* a larger file is served plain: not read at all (a closed month may be 700 MB) */
	if (stat(path, &sb) != 0 || sb.st_size > (off_t)GZ_MAX_BYTES ||
	    file_read(path, GZ_MAX_BYTES, &data, &len) != 0)
		return -1;
	rc = gzip_mem(gz, data, len);
	free(data);
	return rc;
}

const char *
site_gzip_zsuffix(void)
{
	static char sfx[24];

	if (sfx[0] == '\0') {
		uint64_t h = FNV1A_INIT;

		fnv1a(&h, zlibVersion(), strlen(zlibVersion()));
		snprintf(sfx, sizeof(sfx), ".z%08llx", (unsigned long long)(h & 0xffffffffu));
	}
	return sfx;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Deflates data alone (raw, level 6, sync flush) into *out (caller frees); 0 or -1. */
static int
deflate_segment(const unsigned char *data, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap;
	int rc;

	if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)len) + 64;
	*out = xmalloc(cap);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_SYNC_FLUSH);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_OK || z.avail_in != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A cached segment: its CRC and deflated bytes; 0, or -1 (not there or unusable). */
static int
read_zcache(const char *zpath, uint32_t *crc, unsigned char **out, size_t *outlen)
{
	unsigned char *data;
	size_t len;

	if (zpath == NULL || file_read(zpath, GZ_MAX_BYTES, &data, &len) != 0)
		return -1;
	if (len < 4) {
		free(data);
		return -1;
	}
	*crc = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	    (uint32_t)data[3] << 24;
	*outlen = len - 4;
	memmove(data, data + 4, len - 4);
	*out = data;
	return 0;
}

static void
write_zcache(const char *zpath, uint32_t crc, const unsigned char *z, size_t zlen)
{
	char *tmp = xasprintf("%s.tmp-%ld", zpath, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	unsigned char c[4] = { crc & 0xff, (crc >> 8) & 0xff, (crc >> 16) & 0xff, crc >> 24 };
	int ok;

	if (fd < 0) {
		free(tmp);
		return;
	}
	ok = write_all(fd, c, 4) == 0 && write_all(fd, z, zlen) == 0;
	if (close(fd) != 0 || !ok || rename(tmp, zpath) != 0)
		unlink(tmp);
	free(tmp);
}

int
site_gzip_segments(const char *path, const char *gz, const int64_t *bounds, size_t n,
    char *const *zcache, const bool *verify, const struct gz_resume *from, int64_t *gz_end,
    uint32_t *crc_end)
{
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	static const unsigned char fin[2] = { 0x03, 0x00 };	/* a final, empty block */
	int in, out;
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	int64_t total = n > 0 ? bounds[n] - bounds[0] : 0, zpos = sizeof(head);
	unsigned char tail[8];
	size_t first = 0;
	int rc = 0;

	if (total > (int64_t)GZ_MAX_BYTES || bounds[0] != 0 ||
	    (from != NULL && (from->nseg > n || from->gz_len < (int64_t)sizeof(head))))
		return -1;
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (from != NULL) {
		/* segments [0, nseg) are there: cut what followed them, write on after them */
		if ((out = open(gz, O_WRONLY | O_CLOEXEC)) < 0 || ftruncate(out, from->gz_len) != 0 ||
		    lseek(out, 0, SEEK_END) != from->gz_len) {
			if (out >= 0)
				close(out);
			close(in);
			return -1;
		}
		first = from->nseg;
		crc = from->crc;
		zpos = from->gz_len;
	} else if ((out = open(gz, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		close(in);
		return -1;
	} else if (write_all(out, head, sizeof(head)) != 0) {
		rc = -1;
	}
	for (size_t i = first; i < n && rc == 0; i++) {
		size_t len = (size_t)(bounds[i + 1] - bounds[i]);
		unsigned char *z = NULL, *data;
		size_t zlen = 0;
		uint32_t sc;

		if (len == 0) {
			if (gz_end != NULL)
				gz_end[i] = zpos;
			if (crc_end != NULL)
				crc_end[i] = crc;
			continue;
		}
		if (read_zcache(zcache ? zcache[i] : NULL, &sc, &z, &zlen) == 0 && verify != NULL &&
		    verify[i]) {
			/* only the very bytes it was made from */
			data = xmalloc(len);
			if (pread(in, data, len, (off_t)bounds[i]) != (ssize_t)len ||
			    (uint32_t)crc32(0L, data, (uInt)len) != sc) {
				free(z);
				z = NULL;
			}
			free(data);
		}
		if (z == NULL) {
			data = xmalloc(len);
			if (pread(in, data, len, (off_t)bounds[i]) != (ssize_t)len ||
			    deflate_segment(data, len, &z, &zlen) != 0) {
				free(data);
				rc = -1;
				break;
			}
			sc = (uint32_t)crc32(0L, data, (uInt)len);
			free(data);
			if (zcache != NULL && zcache[i] != NULL)
				write_zcache(zcache[i], sc, z, zlen);
		}
		crc = (uint32_t)crc32_combine(crc, sc, (z_off_t)len);
		if (write_all(out, z, zlen) != 0)
			rc = -1;
		zpos += (int64_t)zlen;
		if (gz_end != NULL)
			gz_end[i] = zpos;
		if (crc_end != NULL)
			crc_end[i] = crc;
		free(z);
	}
	for (int k = 0; k < 4; k++) {
		tail[k] = (unsigned char)(crc >> (8 * k));
		tail[4 + k] = (unsigned char)((uint64_t)total >> (8 * k));
	}
	if (rc == 0 && (write_all(out, fin, sizeof(fin)) != 0 ||
	    write_all(out, tail, sizeof(tail)) != 0))
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	if (rc != 0)
		unlink(gz);
	return rc;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Gives each text file of directory rel (relative to the site, "" for its root) its .gz,
 * then does the same in its folders. A directory is listed once: a file whose NAME.gz is
 * in the listing (made with it, linked with its page) costs no system call at all, which
 * matters in incident page folders of tens of thousands of unchanged pages.
 */
static int
gzip_dir(struct site *s, const char *rel)
{
	char *dir = *rel ? xasprintf("%s/%s", s->dir, rel) : xstrdup(s->dir);
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **dirs = NULL;
	size_t n = 0, cap = 0, n_dirs = 0;
	int rc = 0;

	if (d == NULL) {
		site_fail(s, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		unsigned char type = e->d_type;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (type == DT_UNKNOWN) {
			struct stat sb;

			if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
				continue;
			type = S_ISDIR(sb.st_mode) ? DT_DIR : S_ISREG(sb.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			dirs = xrealloc(dirs, (n_dirs + 1) * sizeof(*dirs));
			dirs[n_dirs++] = xstrdup(e->d_name);
			continue;
		}
		if (type != DT_REG)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 1)	/* never qsort(NULL, 0, ...): a folder of folders (log/) */
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *gzname, *path, *gz, *frel;
		struct stat sb;

		if (!report_gzipped(names[i]))
			continue;
		gzname = xasprintf("%s.gz", names[i]);
		if (bsearch(&gzname, names, n, sizeof(*names), cmp_name) != NULL) {
			free(gzname);	/* made with its file (a cached closed month, a page) */
			continue;
		}
		free(gzname);
		path = xasprintf("%s/%s", dir, names[i]);
		gz = xasprintf("%s.gz", path);
		frel = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		errno = 0;
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (size_t)sb.st_size <= GZ_MAX_BYTES && !link_previous(s, frel, &sb, gz) &&
		    site_gzip_file(path, gz) != 0) {
			site_fail(s, "%s: cannot write: %s", gz, strerror(errno ? errno : EIO));
			rc = -1;
		}
		free(frel);
		free(path);
		free(gz);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	for (size_t i = 0; i < n_dirs; i++) {
		char *sub = *rel ? xasprintf("%s/%s", rel, dirs[i]) : xstrdup(dirs[i]);

		if (rc == 0)
			rc = gzip_dir(s, sub);
		free(sub);
		free(dirs[i]);
	}
	free(dirs);
	free(dir);
	return rc;
}

int
site_gzip(struct site *s)
{
	return gzip_dir(s, "") == 0 && s->err == NULL ? 0 : -1;
}

/*
 * Pages are compressed on a thread of their own while the render goes on: site_write hands
 * each text file it wrote (a copy of its bytes) to the queue, and the thread writes its .gz.
 * A failure leaves no .gz behind (site_gzip_file's rule): site_gzip's last pass, after the
 * thread has ended, makes it or says why.
 */
struct gz_job {
	char		*gz;		/* where its .gz goes */
	unsigned char	*data;
	size_t		 len;
	struct gz_job	*next;
};

struct gz_bg {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a job was posted, the queue ended, room was made */
	struct gz_job	*head, *tail;
	size_t		 queued;	/* bytes waiting */
	bool		 done;
};

#define GZ_BG_MAX_QUEUED	(16u << 20)	/* the render waits beyond this (its RSS) */

static void *
gz_bg_main(void *arg)
{
	struct gz_bg *b = arg;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		struct gz_job *j = b->head;

		if (j == NULL) {
			if (b->done)
				break;
			pthread_cond_wait(&b->cv, &b->mu);
			continue;
		}
		b->head = j->next;
		if (b->head == NULL)
			b->tail = NULL;
		pthread_mutex_unlock(&b->mu);
		gzip_mem(j->gz, j->data, j->len);
		pthread_mutex_lock(&b->mu);
		b->queued -= j->len;
		pthread_cond_broadcast(&b->cv);
		free(j->gz);
		free(j->data);
		free(j);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

void
site_gzip_begin(struct site *s)
{
	struct gz_bg *b = xcalloc(1, sizeof(*b));

	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if (pthread_create(&b->th, NULL, gz_bg_main, b) != 0) {
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
		free(b);
		return;		/* site_gzip does it all */
	}
	s->gz_bg = b;
}

void
site_gzip_post(struct site *s, const char *path, const void *data, size_t len)
{
	struct gz_bg *b = s->gz_bg;
	struct gz_job *j;

	if (b == NULL || len > GZ_MAX_BYTES || !report_gzipped(path))
		return;
	j = xcalloc(1, sizeof(*j));
	j->gz = xasprintf("%s.gz", path);
	j->data = xmalloc(len ? len : 1);
	memcpy(j->data, data, len);
	j->len = len;
	pthread_mutex_lock(&b->mu);
	while (b->queued > 0 && b->queued + len > GZ_BG_MAX_QUEUED)
		pthread_cond_wait(&b->cv, &b->mu);
	if (b->tail != NULL)
		b->tail->next = j;
	else
		b->head = j;
	b->tail = j;
	b->queued += len;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

void
site_gzip_end(struct site *s)
{
	struct gz_bg *b = s->gz_bg;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	b->done = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
	s->gz_bg = NULL;
}
