/*
 * The spare: the incident page folders of the site a render replaced, kept in the render
 * cache (STORE.site-cache/incidents-HASH.spare, never beside the site, never served) until
 * the next render brings them up to date in place. A warm
 * render of a long history publishes tens of thousands of unchanged incident pages (and
 * their .gz); linking each into a new folder and removing the replaced site's copy was
 * most of its time in the kernel. With the spare, a page that is already the published
 * site's (or the cache's) file is left as it is, and only what changed is written: the
 * new site is still complete before it replaces the old one in a single rename.
 *
 * Nothing in the spare is trusted: a page stays only when it is the very file (device,
 * inode) that would be linked, its .gz likewise; any other file there is removed or
 * replaced, so a render with a spare publishes what one into an empty folder would.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site_int.h"

/* A folder's files by name, with their inode numbers as the folder lists them. */
struct name_ino {
	char		*name;
	ino_t		 ino;
};

struct spare_list {
	struct name_ino	*mine, *live;	/* the folder taken, the published site's */
	size_t		 n_mine, n_live;
	bool		 ok;		/* both listed, on one device */
};

static int
cmp_ni(const void *a, const void *b)
{
	return strcmp(((const struct name_ino *)a)->name, ((const struct name_ino *)b)->name);
}

/* Lists directory fd (closed); -1 when it cannot be read. */
static int
list_dir(int fd, struct name_ino **v, size_t *n, dev_t *dev)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (fd < 0 || fstat(fd, &sb) != 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*dev = sb.st_dev;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_REG)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		(*v)[*n].name = xstrdup(e->d_name);
		(*v)[(*n)++].ino = e->d_ino;
	}
	closedir(d);
	if (*n > 1)	/* an empty folder leaves *v NULL */
		qsort(*v, *n, sizeof(**v), cmp_ni);
	return 0;
}

static bool
ino_of(const struct name_ino *v, size_t n, const char *name, ino_t *ino)
{
	struct name_ino k = { .name = (char *)name };
	const struct name_ino *f = n > 0 ? bsearch(&k, v, n, sizeof(*v), cmp_ni) : NULL;

	if (f != NULL)
		*ino = f->ino;
	return f != NULL;
}

/*
 * Whether page rel (of the published site, s->reuse_fd) and its .gz are already the very
 * files of the folder taken, as both folders listed them when it was taken (each page is
 * placed once per render, so the listings still hold for it).
 */
static bool
spare_listed_same(const struct site *s, const char *rel)
{
	for (size_t k = 0; k < s->n_spare; k++) {
		const struct spare_list *l = &s->spare_ls[k];
		size_t n = strlen(s->spare[k]);
		const char *name = rel + n + 1;
		char gz[512];
		ino_t a, b, c, d;

		if (strncmp(rel, s->spare[k], n) != 0 || rel[n] != '/' || strchr(name, '/') != NULL)
			continue;
		if (!l->ok || snprintf(gz, sizeof(gz), "%s.gz", name) >= (int)sizeof(gz))
			return false;
		return ino_of(l->mine, l->n_mine, name, &a) && ino_of(l->live, l->n_live, name, &b) &&
		    a == b && ino_of(l->mine, l->n_mine, gz, &c) &&
		    ino_of(l->live, l->n_live, gz, &d) && c == d;
	}
	return false;
}

void
site_spare_free(struct site *s)
{
	for (size_t k = 0; k < s->n_spare; k++) {
		struct spare_list *l = &s->spare_ls[k];

		for (size_t i = 0; i < l->n_mine; i++)
			free(l->mine[i].name);
		for (size_t i = 0; i < l->n_live; i++)
			free(l->live[i].name);
		free(l->mine);
		free(l->live);
		free(s->spare[k]);
	}
	free(s->spare_ls);
	free(s->spare);
	s->spare = NULL;
	s->spare_ls = NULL;
	s->n_spare = 0;
}

static bool
is_dir(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

void
site_spare_take(struct site *s, struct i18n **langs, size_t n_langs, const char *spare)
{
	char *claim;

	if (spare == NULL || s->reuse_fd < 0 || !is_dir(spare))
		return;
	claim = xasprintf("%s/.spare", s->dir);
	/* a rename: of two renders at once, one takes it */
	if (rename(spare, claim) != 0 || !is_dir(claim)) {
		free(claim);
		return;
	}
	for (size_t li = 0; li <= n_langs; li++) {
		char *rel = li == 0 ? xstrdup("incidents") :
		    xasprintf("%s/incidents", i18n_lang(langs[li - 1]));
		char *from = xasprintf("%s/%s", claim, rel), *to = site_path(s, rel);

		if (is_dir(from) && rename(from, to) == 0) {
			if (is_dir(to)) {
				struct spare_list *l;
				dev_t d1 = 0, d2 = 0;

				s->spare = xrealloc(s->spare, (s->n_spare + 1) * sizeof(*s->spare));
				s->spare_ls = xrealloc(s->spare_ls,
				    (s->n_spare + 1) * sizeof(*s->spare_ls));
				l = &s->spare_ls[s->n_spare];
				*l = (struct spare_list){ 0 };
				l->ok = list_dir(open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC), &l->mine, &l->n_mine, &d1) == 0 &&
				    list_dir(openat(s->reuse_fd, rel, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC), &l->live, &l->n_live, &d2) == 0 &&
				    d1 == d2;
				s->spare[s->n_spare++] = rel;
				rel = NULL;
			} else {
				unlink(to);
			}
		}
		free(rel);
		free(from);
		free(to);
	}
	/* Its current month's results CSV, brought up to date in place (site_mreuse.c). */
	{
		char *from = xasprintf("%s/exports", claim), *to = xasprintf("%s/.prev-exports", s->dir);

		if (is_dir(from) && rename(from, to) == 0)
			s->prev_exports = to;
		else
			free(to);
		free(from);
	}
	site_remove_tree(claim);	/* the rest of the replaced site */
	free(claim);
}

void
site_spare_clear(struct site *s, const char *rel)
{
	char *path, *gz;

	if (s->n_spare == 0)
		return;
	path = xasprintf("%s/%s", s->dir, rel);
	gz = xasprintf("%s.gz", path);
	unlink(path);	/* never written in place: it may be the cache's or a site's file */
	unlink(gz);
	free(path);
	free(gz);
}

/*
 * Puts src (relative to fd) at path, and src.gz at path.gz when with_gz, as hard links.
 * What a taken spare folder already holds there stays when it is the same file. Returns 0,
 * or -1 (path not linked; path.gz then too is gone). A missing .gz is left to site_gzip.
 */
int
site_spare_link(struct site *s, int fd, const char *src, const char *path, bool with_gz)
{
	struct stat a, b;
	char *srcgz = xasprintf("%s.gz", src), *gz = xasprintf("%s.gz", path);
	int rc = 0;

	if (s->n_spare > 0) {
		if (fd == s->reuse_fd && spare_listed_same(s, src))
			goto done;
		if (lstat(path, &b) == 0 && fstatat(fd, src, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			if (lstat(gz, &b) == 0 && fstatat(fd, srcgz, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				goto done;
			unlink(gz);
			if (with_gz)
				linkat(fd, srcgz, AT_FDCWD, gz, 0);
			goto done;
		}
		unlink(path);
		unlink(gz);
	}
	if (linkat(fd, src, AT_FDCWD, path, 0) != 0) {
		rc = -1;
		goto done;
	}
	if (with_gz && linkat(fd, srcgz, AT_FDCWD, gz, 0) != 0)
		unlink(gz);
done:
	free(srcgz);
	free(gz);
	return rc;
}

/* Is name "ID.html" or "ID.html.gz" (ID as printed) of an incident of this render? */
static bool
wanted(const struct site *s, const char *name)
{
	long long id;
	char canon[48];

	if (sscanf(name, "%lld", &id) != 1)
		return false;
	snprintf(canon, sizeof(canon), "%lld.html", id);
	if (strcmp(name, canon) != 0 && !(strncmp(name, canon, strlen(canon)) == 0 &&
	    strcmp(name + strlen(canon), ".gz") == 0))
		return false;
	return site_incident_by_id(s, id) != NULL;
}

void
site_spare_prune(struct site *s)
{
	for (size_t i = 0; i < s->n_spare; i++) {
		char *dir = xasprintf("%s/%s", s->dir, s->spare[i]);
		DIR *d = opendir(dir);
		struct dirent *e;

		if (d == NULL) {
			site_fail(s, "%s: %s", dir, strerror(errno));
			free(dir);
			return;
		}
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    (e->d_type == DT_REG && wanted(s, e->d_name)))
				continue;
			if (e->d_type == DT_UNKNOWN) {
				struct stat sb;

				if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISREG(sb.st_mode) && wanted(s, e->d_name))
					continue;
			}
			if (unlinkat(dirfd(d), e->d_name, 0) != 0) {
				char *p = xasprintf("%s/%s", dir, e->d_name);

				site_remove_tree(p);
				free(p);
			}
		}
		closedir(d);
		free(dir);
	}
}

void
site_spare_keep(const char *old, const char *spare)
{
	DIR *d = opendir(old);
	struct dirent *e;

	site_remove_tree(spare);	/* one no render took */
	if (d == NULL) {
		site_remove_tree(old);
		return;
	}
	/*
	 * Only incident page folders are kept, and the results CSVs written for this site
	 * alone (linked nowhere else: the current month's, see site_mreuse.c); the rest
	 * would hold space.
	 */
	while ((e = readdir(d)) != NULL) {
		char *p;
		bool exports = strcmp(e->d_name, "exports") == 0;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", old, e->d_name);
		if (e->d_type == DT_DIR && strcmp(e->d_name, "incidents") != 0) {
			DIR *sub = opendir(p);
			struct dirent *f;

			while (sub != NULL && (f = readdir(sub)) != NULL) {
				char *q;
				struct stat sb;

				if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0 ||
				    (f->d_type == DT_DIR && strcmp(f->d_name, "incidents") == 0))
					continue;
				if (exports && strncmp(f->d_name, "results-", 8) == 0 &&
				    fstatat(dirfd(sub), f->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISREG(sb.st_mode) && sb.st_nlink == 1)
					continue;
				q = xasprintf("%s/%s", p, f->d_name);
				if (f->d_type == DT_DIR || unlink(q) != 0)
					site_remove_tree(q);
				free(q);
			}
			if (sub != NULL)
				closedir(sub);
		} else if (e->d_type != DT_DIR) {
			if (unlink(p) != 0)
				site_remove_tree(p);
		}
		free(p);
	}
	closedir(d);
	if (rename(old, spare) != 0)
		site_remove_tree(old);
}
