/*
 * Precompressed copies: NAME.gz beside every HTML, CSS, JSON, CSV, Atom and SVG file of a
 * site being written, for a web server to send with Content-Encoding: gzip (SPEC §10).
 * A file hard-linked from the previous site (unchanged) gets its previous .gz linked too,
 * so a closed month's CSV is never compressed twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "report.h"
#include "site_int.h"

#define GZ_MAX_BYTES	(512u << 20)	/* larger files are served plain */

static struct site *walk_site;		/* nftw has no argument pointer */
static size_t walk_base;

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

int
site_gzip_file(const char *path, const char *gz)
{
	unsigned char *data;
	size_t len;
	gzFile z;
	int rc = 0;

	if (file_read(path, GZ_MAX_BYTES, &data, &len) != 0)
		return -1;
	if ((z = gzopen(gz, "wb6")) == NULL) {
		free(data);
		return -1;
	}
	if (len > 0 && gzwrite(z, data, (unsigned)len) != (int)len)
		rc = -1;
	if (gzclose(z) != Z_OK)
		rc = -1;
	free(data);
	if (rc != 0)
		unlink(gz);
	return rc;
}

static int
on_file(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct site *s = walk_site;
	const char *rel = path + walk_base;
	char *gz;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(sb->st_mode) || !report_gzipped(path) ||
	    (size_t)sb->st_size > GZ_MAX_BYTES)
		return 0;
	gz = xasprintf("%s.gz", path);
	if (access(gz, F_OK) == 0) {	/* made with its file (a cached closed month) */
		free(gz);
		return 0;
	}
	if (!link_previous(s, rel, sb, gz) && site_gzip_file(path, gz) != 0) {
		site_fail(s, "%s: cannot write: %s", gz, strerror(errno ? errno : EIO));
		free(gz);
		return 1;
	}
	free(gz);
	return 0;
}

int
site_gzip(struct site *s)
{
	int rc;

	walk_site = s;
	walk_base = strlen(s->dir) + 1;
	rc = nftw(s->dir, on_file, 16, FTW_PHYS);
	walk_site = NULL;
	return rc == 0 && s->err == NULL ? 0 : -1;
}
