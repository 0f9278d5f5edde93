/*
 * Where a site may go (SPEC §9): never /, a system directory, or a directory that holds the
 * store, the config or a file the config names — rendering replaces the whole directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

/* Never a site, nor anything below them. */
static const char *const system_trees[] = { "/boot", "/dev", "/etc", "/proc", "/run", "/sys" };
/* Never a site themselves (a folder below them may be). */
static const char *const system_dirs[] = {
	"/bin", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt", "/opt", "/root",
	"/sbin", "/srv", "/tmp", "/usr", "/usr/bin", "/usr/include", "/usr/lib", "/usr/lib64",
	"/usr/libexec", "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/local/share",
	"/usr/sbin", "/usr/share", "/usr/src", "/var", "/var/backups", "/var/cache", "/var/lib",
	"/var/local", "/var/log", "/var/mail", "/var/opt", "/var/spool", "/var/tmp", "/var/www",
};

/* Removes ".", "..", and repeated or trailing slashes from the absolute path p, in place. */
static void
lexical_clean(char *p)
{
	char *out = p;

	for (const char *s = p; *s;) {
		const char *e;
		size_t n;

		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, s, n);
			out += n;
		}
		s += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/*
 * Returns path made absolute (from the working directory), cleaned, with its longest
 * existing prefix resolved through symbolic links (caller frees).
 */
char *
conf_path_canon(const char *path)
{
	char cwd[PATH_MAX], *abs, *res;
	size_t cut;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		abs = xasprintf("%s%s", path[0] == '/' ? "" : "/", path);
	else
		abs = xasprintf("%s/%s", cwd, path);
	lexical_clean(abs);
	for (cut = strlen(abs);;) {
		char keep = abs[cut], *r;

		abs[cut] = '\0';
		r = realpath(cut == 0 ? "/" : abs, NULL);
		abs[cut] = keep;
		if (r != NULL) {
			res = xasprintf("%s%s", strcmp(r, "/") == 0 && abs[cut] == '/' ? "" : r,
			    abs + cut);
			free(r);
			free(abs);
			lexical_clean(res);
			return res;
		}
		if (cut == 0)
			break;
		while (cut > 0 && abs[--cut] != '/')
			;
	}
	return abs;
}

/* Is path dir itself or inside it? Both canonical. */
static bool
within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Sets *why when dir equals or contains the directory of file (named by what). */
static void
holds(const char *dir, const char *file, const char *what, char **why)
{
	char *canon, *slash;

	if (*why != NULL || file == NULL || strcmp(file, ":memory:") == 0)
		return;
	canon = conf_path_canon(file);
	if ((slash = strrchr(canon, '/')) != NULL)
		*(slash == canon ? slash + 1 : slash) = '\0';
	if (within(canon, dir))
		*why = xasprintf("%s holds %s %s: rendering the site there would delete it", dir,
		    what, file);
	free(canon);
}

/*
 * The endpoints' files already checked: most endpoints name one of a few CA files, and
 * resolving each through realpath(3) took 7 s of readlink calls for 100,000 endpoints.
 */
struct seen {
	char	*v[64];
	size_t	 n;
};

static void
holds_once(const char *dir, const char *file, const char *what, char **why, struct seen *s)
{
	if (*why != NULL || file == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], file) == 0)
			return;
	holds(dir, file, what, why);
	if (s->n < NELEM(s->v))
		s->v[s->n++] = xstrdup(file);
}

char *
conf_output_problem(const struct conf *c, const char *outdir)
{
	char *dir = conf_path_canon(outdir), *why = NULL;
	const char *home = getenv("HOME");
	struct seen seen = { .n = 0 };

	if (strcmp(dir, "/") == 0)
		why = xasprintf("%s is the root directory", outdir);
	for (size_t i = 0; why == NULL && i < NELEM(system_trees); i++)
		if (within(dir, system_trees[i]))
			why = xasprintf("%s is a system directory (inside %s)", outdir,
			    system_trees[i]);
	for (size_t i = 0; why == NULL && i < NELEM(system_dirs); i++)
		if (strcmp(dir, system_dirs[i]) == 0)
			why = xasprintf("%s is a system directory", outdir);
	if (why == NULL && home != NULL && home[0] == '/') {
		char *h = conf_path_canon(home);

		if (strcmp(dir, h) == 0)
			why = xasprintf("%s is the home directory", outdir);
		free(h);
	}
	/* With a url, path names the local files (PATH.lock, .spool, .site-cache) instead. */
	holds(dir, c->storage.path, c->storage.url != NULL ?
	    "the store's local files (lock, spool, site cache) beside" : "the store", &why);
	holds(dir, c->path, "the configuration", &why);
	holds(dir, c->alerts.tls_ca, "the alerts.smtp.tls_ca file", &why);
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++) {
			const struct conf_endpoint *e = &c->providers[i].endpoints[j];

			holds_once(dir, e->tls_ca, "the tls_ca file", &why, &seen);
			holds_once(dir, e->issuer_path, "the issuer certificate", &why, &seen);
			holds_once(dir, e->certificate_path, "the certificate", &why, &seen);
			holds_once(dir, e->trust_path, "the trust file", &why, &seen);
		}
	for (size_t i = 0; i < seen.n; i++)
		free(seen.v[i]);
	free(dir);
	return why;
}
