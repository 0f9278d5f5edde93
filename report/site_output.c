/*
 * The output directory is trustwatch's (SPEC §9): created by a render, or replaced only when
 * it holds the marker an earlier render wrote (or is empty). Partial renders that a killed
 * process left beside it are removed by the next render.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "site_output.h"
#include "../core/config.h"
#include "../core/util.h"

/* Is directory dir empty? -1 when it cannot be read. */
static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

int
report_output_check(const struct conf *c, const char *outdir, char **err)
{
	char *why = conf_output_problem(c, outdir), *marker;
	struct stat sb;
	int rc = 0;

	*err = NULL;
	if (why != NULL) {
		*err = xasprintf("refusing to render into %s: %s", outdir, why);
		free(why);
		return REPORT_REFUSED;
	}
	if (lstat(outdir, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		*err = xasprintf("%s: %s", outdir, strerror(errno));
		return -1;
	}
	if (S_ISLNK(sb.st_mode)) {
		*err = xasprintf("refusing to render into %s: it is a symbolic link (name the "
		    "directory itself)", outdir);
		return REPORT_REFUSED;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*err = xasprintf("refusing to render into %s: it exists and is not a directory",
		    outdir);
		return REPORT_REFUSED;
	}
	marker = xasprintf("%s/%s", outdir, SITE_MARKER);
	if (lstat(marker, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		switch (dir_is_empty(outdir)) {
		case 1:
			break;
		case 0:
			*err = xasprintf("refusing to render into %s: it is not empty and has no "
			    "%s marker, so it is not a site trustwatch rendered (a site rendered "
			    "before the marker existed: check it, then create %s)", outdir,
			    SITE_MARKER, marker);
			rc = REPORT_REFUSED;
			break;
		default:
			*err = xasprintf("%s: %s", outdir, strerror(errno));
			rc = -1;
		}
	}
	free(marker);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

/* Was the temporary name n made by site_output_lock for base (".BASE.new-XXXXXX[…]")? */
static bool
is_partial(const char *n, const char *base)
{
	size_t b = strlen(base);

	return n[0] == '.' && strncmp(n + 1, base, b) == 0 && strncmp(n + 1 + b, ".new-", 5) == 0 &&
	    strlen(n + 1 + b + 5) >= 6;
}

static void
site_output_clean(const char *parent, const char *base, const char *mine)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *path;
		int fd;

		if (!is_partial(e->d_name, base))
			continue;
		path = xasprintf("%s/%s", parent, e->d_name);
		if (mine != NULL && strcmp(path, mine) == 0) {
			free(path);
			continue;
		}
		/* A render in progress holds a lock on its directory: only orphans are removed. */
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (fd >= 0)
			close(fd);
		free(path);
	}
	closedir(d);
}

static int
site_output_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* mkdir -p for the parents of path. */
static int
make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int
site_output_tmpdir(const char *parent, const char *base, char **tmpl)
{
	int lock_fd = -1;

	*tmpl = xasprintf("%s/.%s.new-XXXXXX", parent, base);
	/* Locked while this render runs, so that another render's cleaning leaves it alone. */
	for (int tries = 0; lock_fd < 0 && tries < 3; tries++) {
		struct stat a, b;

		memcpy(*tmpl + strlen(*tmpl) - 6, "XXXXXX", 6);
		if (make_parents(*tmpl) != 0 || mkdtemp(*tmpl) == NULL)
			return -1;
		if ((lock_fd = site_output_lock(*tmpl)) >= 0 && (fstat(lock_fd, &a) != 0 ||
		    stat(*tmpl, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
			close(lock_fd);		/* removed by another render before we locked it */
			lock_fd = -1;
		}
	}
	if (lock_fd >= 0)
		site_output_clean(parent, base, *tmpl);
	return lock_fd;
}
