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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site_int.h"

/*
 * A folder's incident pages as it lists them: key = ID * 2 for "ID.html", + 1 for its
 * ".html.gz" (ID as printed: no sign, no leading zero), with the inode number.
 */
struct key_ino {
	int64_t		 key;
	ino_t		 ino;
};

struct spare_list {
	struct key_ino	*mine, *live;	/* the folder taken, the published site's */
	size_t		 n_mine, n_live;
	char	       **other;		/* the taken folder's other names (not pages, or not files) */
	size_t		 n_other;
	bool		 ok;		/* both listed, on one device */
};

static int
cmp_key(const void *a, const void *b)
{
	int64_t x = ((const struct key_ino *)a)->key, y = ((const struct key_ino *)b)->key;

	return x < y ? -1 : x > y;
}

/* The key of page name "ID.html" or "ID.html.gz"; -1 for any other name. */
static int64_t
page_key(const char *name)
{
	int64_t id = 0;
	const char *p = name;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '.'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - name >= 18)
			return -1;
		id = id * 10 + (*p - '0');
	}
	if (strcmp(p, ".html") == 0)
		return id * 2;
	return strcmp(p, ".html.gz") == 0 ? id * 2 + 1 : -1;
}

/*
 * Lists directory fd (closed): its incident pages into v (sorted by key), and, when other
 * is not NULL, every other name (a file of another name, or anything not a regular file).
 * -1 when it cannot be read.
 */
static int
list_dir(int fd, struct key_ino **v, size_t *n, char ***other, size_t *n_other, dev_t *dev)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	size_t cap = 0, ocap = 0;
	int64_t key;

	*v = NULL;
	*n = 0;
	if (fd < 0 || fstat(fd, &sb) != 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*dev = sb.st_dev;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type != DT_REG || (key = page_key(e->d_name)) < 0) {
			if (other == NULL)
				continue;
			if (*n_other == ocap) {
				ocap = ocap ? 2 * ocap : 16;
				*other = xrealloc(*other, ocap * sizeof(**other));
			}
			(*other)[(*n_other)++] = xstrdup(e->d_name);
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		(*v)[*n].key = key;
		(*v)[(*n)++].ino = e->d_ino;
	}
	closedir(d);
	if (*n > 1)	/* an empty folder leaves *v NULL */
		qsort(*v, *n, sizeof(**v), cmp_key);
	return 0;
}

static bool
ino_of(const struct key_ino *v, size_t n, int64_t key, ino_t *ino)
{
	struct key_ino k = { .key = key };
	const struct key_ino *f = n > 0 ? bsearch(&k, v, n, sizeof(*v), cmp_key) : NULL;

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
		int64_t key;
		ino_t a, b, c, d;

		if (strncmp(rel, s->spare[k], n) != 0 || rel[n] != '/' || strchr(name, '/') != NULL)
			continue;
		if (!l->ok || (key = page_key(name)) < 0 || (key & 1))
			return false;
		return ino_of(l->mine, l->n_mine, key, &a) && ino_of(l->live, l->n_live, key, &b) &&
		    a == b && ino_of(l->mine, l->n_mine, key + 1, &c) &&
		    ino_of(l->live, l->n_live, key + 1, &d) && c == d;
	}
	return false;
}

void
site_spare_free(struct site *s)
{
	for (size_t k = 0; k < s->n_spare; k++) {
		struct spare_list *l = &s->spare_ls[k];

		for (size_t i = 0; i < l->n_other; i++)
			free(l->other[i]);
		free(l->other);
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
				    O_CLOEXEC), &l->mine, &l->n_mine, &l->other, &l->n_other,
				    &d1) == 0 &&
				    list_dir(openat(s->reuse_fd, rel, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC), &l->live, &l->n_live, NULL, NULL,
				    &d2) == 0 && d1 == d2;
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
	int64_t key = page_key(name);

	return key >= 0 && site_incident_by_id(s, key / 2) != NULL;
}

/* Removes name from directory fd (a file, else a tree), if it is still there. */
static void
prune_one(int fd, const char *dir, const char *name)
{
	char *p;

	if (unlinkat(fd, name, 0) == 0 || errno == ENOENT)
		return;
	p = xasprintf("%s/%s", dir, name);
	site_remove_tree(p);
	free(p);
}

/*
 * Removes from a taken folder what its listing (taken before this render wrote into it)
 * holds and this render has no incident for: this render adds only its incidents' pages.
 */
static void
prune_listed(struct site *s, const struct spare_list *l, int fd, const char *dir)
{
	char name[48];
	struct stat sb;

	for (size_t i = 0; i < l->n_mine; i++) {
		int64_t id = l->mine[i].key / 2;

		if (site_incident_by_id(s, id) != NULL)
			continue;
		snprintf(name, sizeof(name), "%lld.html%s", (long long)id,
		    (l->mine[i].key & 1) ? ".gz" : "");
		prune_one(fd, dir, name);
	}
	for (size_t i = 0; i < l->n_other; i++)
		if (!(wanted(s, l->other[i]) && fstatat(fd, l->other[i], &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode)))
			prune_one(fd, dir, l->other[i]);
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
		if (s->spare_ls[i].ok) {
			prune_listed(s, &s->spare_ls[i], dirfd(d), dir);
			closedir(d);
			free(dir);
			continue;
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
			prune_one(dirfd(d), dir, e->d_name);
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
