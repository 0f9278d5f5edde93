/*
 * trustwatch report: walks the store once, writes every page of every language into a
 * temporary directory beside the output, then swaps it in atomically.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#include "report.h"
#include "html.h"
#include "site_int.h"
#include "site_output.h"

void
site_fail(struct site *s, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (s->err != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	s->err = m ? m : xstrdup("out of memory");
}

/* Has site_path made folder rel[0, n) of the site in this render? */
static bool
site_made(const struct site *s, const char *rel, size_t n)
{
	for (size_t i = 0; i < s->n_made; i++)
		if (strlen(s->made[i]) == n && memcmp(s->made[i], rel, n) == 0)
			return true;
	return false;
}

char *
site_path(struct site *s, const char *rel)
{
	char *path = xasprintf("%s/%s", s->dir, rel);
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0, base = strlen(s->dir) + 1;

	/* Each folder is made once per render (s->dir itself exists): no mkdir -p per file. */
	if (n == 0 || site_made(s, rel, n))
		return path;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && rel[i] != '/')
			continue;
		if (site_made(s, rel, i))
			continue;
		path[base + i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			site_fail(s, "%s: %s", path, strerror(errno));
			path[base + i] = '/';
			return path;
		}
		path[base + i] = '/';
		s->made = xrealloc(s->made, (s->n_made + 1) * sizeof(*s->made));
		s->made[s->n_made++] = xasprintf("%.*s", (int)i, rel);
	}
	return path;
}

int
site_write(struct site *s, const char *rel, const void *data, size_t len)
{
	char *path = site_path(s, rel);
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL || fwrite(data, 1, len, f) != len) {
		site_fail(s, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		site_fail(s, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		site_gzip_post(s, path, data, len);
	free(path);
	return rc;
}

const char *
site_provider_name(const struct site *s, const char *provider_id)
{
	const struct conf_provider *p = conf_find_provider(s->conf, provider_id);

	return p != NULL && p->name != NULL ? p->name : provider_id;
}

struct site_ep *
site_find_ep(struct site *s, const char *provider, const char *endpoint)
{
	const struct conf_provider *pv = conf_find_provider(s->conf, provider);
	struct site_ep *eps;
	size_t n;

	if (pv == NULL)
		return NULL;
	eps = site_provider_eps(s, pv, &n);	/* its endpoints only, not every endpoint */
	for (size_t i = 0; i < n; i++)
		if (strcmp(eps[i].conf->id, endpoint) == 0)
			return &eps[i];
	return NULL;
}

static const char *const lang_names[][2] = {
	{ "en", "English" }, { "fr", "Fran\xC3\xA7" "ais" }, { "de", "Deutsch" },
};

static const char *
lang_name(const char *code)
{
	for (size_t i = 0; i < NELEM(lang_names); i++)
		if (strcmp(lang_names[i][0], code) == 0)
			return lang_names[i][1];
	return code;
}

void
page_head(struct page *p, const char *title)
{
	const char *lang = i18n_lang(p->t);
	static const struct { const char *file, *label; bool changes; } nav[] = {
		{ "index.html", N_("Status"), false },
		{ "incidents.html", N_("Incidents"), false },
		{ "sla.html", N_("Monthly uptime"), false },
		{ "dependencies.html", N_("Dependencies"), false },
		{ "conformance.html", N_("Conformance"), false },
		{ "changes.html", N_("Changes"), true },
		{ "methodology.html", N_("Methodology"), false },
	};

	buf_printf(&p->b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>", lang);
	html_text(&p->b, title);
	buf_printf(&p->b, " \xE2\x80\x94 ");
	html_text(&p->b, p->s->conf->report.title);
	buf_printf(&p->b, "</title>\n<link rel=\"stylesheet\" href=\"%sassets/style.css\">\n"
	    "<link rel=\"icon\" type=\"image/svg+xml\" href=\"%sassets/favicon.svg\">\n"
	    "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"%sfeed.atom\" title=\"",
	    p->root, p->root, p->root);
	html_attr(&p->b, T(p, "Incidents (Atom feed)"));
	buf_printf(&p->b, "\">\n");
	for (size_t i = 0; i < p->n_langs; i++) {
		const char *l = i18n_lang(p->langs[i]);

		buf_printf(&p->b, "<link rel=\"alternate\" hreflang=\"%s\" href=\"%s%s/%s\">\n",
		    l, p->root, l, p->path);
	}
	buf_printf(&p->b, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">");
	html_text(&p->b, T(p, "Skip to content"));
	buf_printf(&p->b, "</a>\n<header>\n<p class=\"site\"><a href=\"%sindex.html\">", p->home);
	html_text(&p->b, p->s->conf->report.title);
	buf_printf(&p->b, "</a></p>\n<nav aria-label=\"");
	html_attr(&p->b, T(p, "Sections"));
	buf_printf(&p->b, "\"><ul>");
	for (size_t i = 0; i < NELEM(nav); i++) {
		if (nav[i].changes && !site_has_changes(p->s))
			continue;
		buf_printf(&p->b, "<li><a href=\"%s%s\"%s>", p->home, nav[i].file,
		    strcmp(p->path, nav[i].file) == 0 ? " aria-current=\"page\"" : "");
		html_text(&p->b, T(p, nav[i].label));
		buf_printf(&p->b, "</a></li>");
	}
	buf_printf(&p->b, "</ul></nav>\n<nav class=\"langs\" aria-label=\"");
	html_attr(&p->b, T(p, "Language"));
	buf_printf(&p->b, "\"><ul>");
	for (size_t i = 0; i < p->n_langs; i++) {
		const char *l = i18n_lang(p->langs[i]);

		if (strcmp(l, lang) == 0)
			buf_printf(&p->b, "<li><span aria-current=\"true\" lang=\"%s\">%s</span></li>",
			    l, lang_name(l));
		else
			buf_printf(&p->b, "<li><a href=\"%s%s/%s\" hreflang=\"%s\" lang=\"%s\">%s</a></li>",
			    p->root, l, p->path, l, l, lang_name(l));
	}
	buf_printf(&p->b, "</ul></nav>\n</header>\n<main id=\"main\">\n");
}

void
page_foot(struct page *p)
{
	char when[64];
	const char *tz = p->s->conf->report.timezone ? p->s->conf->report.timezone : "UTC";
	struct buf a = { 0 }, z = { 0 };

	i18n_datetime(p->t, p->s->tz, p->s->now, when, sizeof(when));
	html_text(&a, when);
	html_text(&z, tz);
	buf_printf(&p->b, "</main>\n<footer>\n<p>");
	{
		const char *args[] = { (const char *)a.data, (const char *)z.data };
		size_t from = p->b.len;
		const char *at;

		html_tpl(&p->b, T(p, "Generated {1}; times are in {2}."), args, 2);
		if (a.len > 0 && (at = memmem(p->b.data + from, p->b.len - from, a.data, a.len)) != NULL) {
			p->when_off = (size_t)(at - (const char *)p->b.data);
			p->when_len = a.len;
		}
	}
	buf_printf(&p->b, "</p>\n<p>");
	html_text(&p->b, T(p, "Open data:"));
	buf_printf(&p->b, " <a href=\"%sfeed.atom\">Atom</a> \xC2\xB7 "
	    "<a href=\"%sapi/status.json\">status.json</a> \xC2\xB7 "
	    "<a href=\"%sapi/incidents.json\">incidents.json</a> \xC2\xB7 "
	    "<a href=\"%sexports/daily.csv\">daily.csv</a> \xC2\xB7 "
	    "<a href=\"%sexports/incidents.csv\">incidents.csv</a> \xC2\xB7 "
	    "<a href=\"%sexports/conformance.csv\">conformance.csv</a></p>\n<p>",
	    p->root, p->root, p->root, p->root, p->root, p->root);
	html_text(&p->b, T(p, "Published by trustwatch, an independent monitor: it sees what a relying party sees."));
	buf_printf(&p->b, "</p>\n</footer>\n</body>\n</html>\n");
	buf_free(&a);
	buf_free(&z);
}

const char *
site_status_label(enum status st, bool have, bool maintenance)
{
	if (!have)
		return N_("No data");
	if (maintenance)
		return N_("Maintenance");
	switch (st) {
	case STATUS_UP: return N_("Operational");
	case STATUS_DEGRADED: return N_("Degraded");
	default: return N_("Down");
	}
}

void
page_status(struct page *p, enum status st, bool have, bool maintenance)
{
	const char *cls, *sym;

	if (!have) {
		cls = "none"; sym = "\xE2\x97\x8B";		/* ○ */
	} else if (maintenance) {
		cls = "maint"; sym = "\xE2\x97\x86";		/* ◆ */
	} else if (st == STATUS_UP) {
		cls = "up"; sym = "\xE2\x9C\x93";		/* ✓ */
	} else if (st == STATUS_DEGRADED) {
		cls = "degraded"; sym = "\xE2\x96\xB2";		/* ▲ */
	} else {
		cls = "down"; sym = "\xE2\x9C\x95";		/* ✕ */
	}
	buf_printf(&p->b, "<span class=\"st %s\"><span aria-hidden=\"true\">%s</span> ", cls, sym);
	html_text(&p->b, T(p, site_status_label(st, have, maintenance)));
	buf_printf(&p->b, "</span>");
}

void
page_pct(struct page *p, double pct)
{
	char s[64];

	i18n_percent(p->t, pct, s, sizeof(s));
	html_text(&p->b, s);
}

void
page_datetime(struct page *p, int64_t ms)
{
	char s[64], iso[40];

	i18n_datetime_zone(p->t, p->s->tz, ms, s, sizeof(s));
	rfc3339_format_s(ms, iso, sizeof(iso));
	buf_printf(&p->b, "<time datetime=\"%s\">", iso);
	html_text(&p->b, s);
	buf_printf(&p->b, "</time>");
}

static char *
dots(size_t n)
{
	struct buf b = { 0 };

	buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++)
		buf_append(&b, "../", 3);
	return (char *)b.data;
}

static size_t
depth(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

void
site_page_init(struct page *p, struct site *s, struct i18n **langs, size_t n_langs, size_t li,
    const char *path, bool at_root)
{
	size_t d = depth(path);

	*p = (struct page){ .s = s, .t = langs[li], .langs = langs, .n_langs = n_langs,
	    .path = path };
	p->root = dots(d + (at_root ? 0 : 1));
	p->home = dots(d);
}

void
site_page_free(struct page *p)
{
	free(p->root);
	free(p->home);
	buf_free(&p->b);
}

/*
 * Renders one page at path in p->t's language folder, and at the root for the first
 * language. An incident's page (reuse non-NULL) may be the previous site's; with same, any
 * page that differs from the previous site's only by its footer's render time is that file.
 */
static void
render_page(struct site *s, struct i18n **langs, size_t n_langs, size_t li, const char *path,
    void (*fn)(struct page *, const void *), const void *arg, const struct site_incident *reuse,
    bool same)
{
	for (int at_root = 0; at_root <= (li == 0); at_root++) {
		struct page p;
		char *rel;

		site_page_init(&p, s, langs, n_langs, li, path, at_root);
		rel = at_root ? xstrdup(path) : xasprintf("%s/%s", i18n_lang(langs[li]), path);
		if (reuse == NULL || site_reuse_page(s, reuse, rel) != 0) {
			if (reuse != NULL)
				site_spare_clear(s, rel);
			buf_free(&p.b);
			fn(&p, arg);
			/* With same, the previous site's file when only its time was older. */
			if ((!same || site_reuse_same(s, &p, rel) != 0) &&
			    site_write(s, rel, p.b.data, p.b.len) == 0 && reuse != NULL)
				site_reuse_keep(s, reuse, rel);
		}
		free(rel);
		site_page_free(&p);
	}
}

static void
fn_index(struct page *p, const void *arg)
{
	(void)arg;
	page_index(p);
}

static void
fn_provider(struct page *p, const void *arg)
{
	page_provider(p, arg);
}

static void
fn_incidents(struct page *p, const void *arg)
{
	page_incidents(p, (size_t)(uintptr_t)arg);
}

static void
fn_incident(struct page *p, const void *arg)
{
	page_incident(p, (struct site_incident *)(uintptr_t)arg);
}

static void
fn_sla(struct page *p, const void *arg)
{
	(void)arg;
	page_sla(p);
}

static void
fn_methodology(struct page *p, const void *arg)
{
	(void)arg;
	page_methodology(p);
}

static void
fn_vantage(struct page *p, const void *arg)
{
	(void)arg;
	page_vantage(p);
}

static void
fn_dependencies(struct page *p, const void *arg)
{
	(void)arg;
	page_dependencies(p);
}

static void
fn_conformance(struct page *p, const void *arg)
{
	(void)arg;
	page_conformance(p);
}

static void
fn_changes(struct page *p, const void *arg)
{
	(void)arg;
	page_changes(p);
}

static void
render_language(struct site *s, struct i18n **langs, size_t n, size_t li)
{
	render_page(s, langs, n, li, "index.html", fn_index, NULL, NULL, false);
	for (size_t i = 0; i < s->conf->n_providers && s->err == NULL; i++) {
		char *path = xasprintf("providers/%s.html", s->conf->providers[i].id);

		render_page(s, langs, n, li, path, fn_provider, &s->conf->providers[i], NULL, false);
		free(path);
	}
	for (size_t k = 0; k < site_incident_pages(s) && s->err == NULL; k++) {
		char *path = k == 0 ? xstrdup("incidents.html") : xasprintf("incidents-%zu.html", k + 1);

		/* Pages after the first hold older incidents: mostly what the last render wrote. */
		render_page(s, langs, n, li, path, fn_incidents, (const void *)(uintptr_t)k, NULL, k > 0);
		free(path);
	}
	for (size_t i = 0; i < s->n_inc && s->err == NULL; i++) {
		char *path = xasprintf("incidents/%lld.html", (long long)s->inc[i].id);

		render_page(s, langs, n, li, path, fn_incident, &s->inc[i], &s->inc[i], false);
		free(path);
	}
	render_page(s, langs, n, li, "sla.html", fn_sla, NULL, NULL, false);
	render_page(s, langs, n, li, "dependencies.html", fn_dependencies, NULL, NULL, false);
	render_page(s, langs, n, li, "conformance.html", fn_conformance, NULL, NULL, false);
	render_page(s, langs, n, li, "methodology.html", fn_methodology, NULL, NULL, false);
	render_page(s, langs, n, li, "vantage.html", fn_vantage, NULL, NULL, false);
	if (site_has_changes(s))
		render_page(s, langs, n, li, "changes.html", fn_changes, NULL, NULL, false);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* Empties directory fd (closed) without a stat per entry; returns 0 when all went. */
static int
empty_dir(int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type != DT_DIR && unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN || errno == EISDIR ||
		    errno == EPERM) {
			int sub = openat(dirfd(d), e->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0 && empty_dir(sub) == 0 &&
			    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
				continue;
			if (sub < 0 && unlinkat(dirfd(d), e->d_name, 0) == 0)
				continue;
		}
		rc = -1;
	}
	closedir(d);
	return rc;
}

void
site_remove_tree(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && empty_dir(fd) == 0 && rmdir(dir) == 0)
		return;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);	/* whatever is left */
}

/*
 * Replaces outdir by newdir atomically; on success the old site is removed, or becomes the
 * spare (site_spare_keep) when spare is not NULL.
 */
static int
swap_in(const char *newdir, const char *outdir, const char *spare, char **err)
{
	struct stat sb;

	if (lstat(outdir, &sb) != 0) {
		if (errno != ENOENT || rename(newdir, outdir) != 0)
			goto fail;
		return 0;
	}
	if (renameat2(AT_FDCWD, newdir, AT_FDCWD, outdir, RENAME_EXCHANGE) == 0) {
		if (spare != NULL)	/* newdir now holds the old site */
			site_spare_keep(newdir, spare);
		else
			site_remove_tree(newdir);
		return 0;
	}
	{
		/* No RENAME_EXCHANGE on this file system: two renames, a moment without a site. */
		char *old = xasprintf("%s.old-%ld", newdir, (long)getpid());

		if (rename(outdir, old) != 0) {
			free(old);
			goto fail;
		}
		if (rename(newdir, outdir) != 0) {
			int e = errno;

			rename(old, outdir);
			free(old);
			errno = e;
			goto fail;
		}
		if (spare != NULL)
			site_spare_keep(old, spare);
		else
			site_remove_tree(old);
		free(old);
	}
	return 0;
fail:
	*err = xasprintf("%s: cannot move the new site into place: %s", outdir, strerror(errno));
	return -1;
}

static const char site_marker_text[] =
    "This directory is a site rendered by trustwatch: every render replaces all of it.\n";

int
report_render(const struct conf *c, struct store *st, const char *outdir, int64_t now_ms,
    char **err)
{
	struct site s = { .conf = c, .st = st, .now = now_ms, .reuse_fd = -1,
	    .hourly_from = INT64_MAX };
	struct i18n **langs = xcalloc(c->report.n_languages ? c->report.n_languages : 1, sizeof(*langs));
	size_t n_langs = 0;
	char *out, *tmpl, *parent, *base, *spare = NULL;
	int rc = -1, lock_fd = -1;

	*err = NULL;
	outdir = outdir ? outdir : c->report.output;
	out = xstrdup(outdir);
	while (strlen(out) > 1 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	if ((rc = report_output_check(c, out, err)) != 0) {
		free(out);
		free(langs);
		return rc;
	}
	rc = -1;
	if ((s.tz = tz_load(c->report.timezone, err)) == NULL) {
		free(out);
		free(langs);
		return rc;
	}
	store_set_timezone(st, c->report.timezone);
	for (size_t i = 0; i < c->report.n_languages; i++) {
		if ((langs[n_langs] = i18n_load(c->report.languages[i], err)) == NULL)
			goto done;
		n_langs++;
	}
	if (n_langs == 0)
		langs[n_langs++] = i18n_load("en", err);
	if (site_collect(&s) != 0)
		goto fail;
	site_deps_collect(&s);
	site_conformance_collect(&s);
	{
		char *a = xstrdup(out), *b = xstrdup(out);

		parent = xstrdup(dirname(a));
		base = xstrdup(basename(b));
		free(a);
		free(b);
	}
	if ((lock_fd = site_output_tmpdir(parent, base, &tmpl)) < 0) {
		site_fail(&s, "%s: cannot create a temporary directory: %s", tmpl, strerror(errno));
		free(tmpl);
		free(parent);
		free(base);
		goto fail;
	}
	chmod(tmpl, 0755);
	s.dir = tmpl;
	/*
	 * Kept between renders beside the store, never inside the site (not served, nothing
	 * new beside it): STORE.site-cache/. Without a store path, no cache.
	 */
	if (c->storage.path != NULL) {
		struct stat sb;

		s.cache = xasprintf("%s.site-cache", c->storage.path);
		if ((mkdir(s.cache, 0700) != 0 && errno != EEXIST) || lstat(s.cache, &sb) != 0 ||
		    !S_ISDIR(sb.st_mode)) {
			free(s.cache);
			s.cache = NULL;
		}
	}
	/* The previous site's incident pages, kept in the cache between renders (site_spare.c). */
	if (s.cache != NULL)
		spare = site_spare_path(&s, out);
	free(parent);
	free(base);
	site_write(&s, SITE_MARKER, site_marker_text, strlen(site_marker_text));
	site_write(&s, "assets/style.css", site_css, strlen(site_css));
	site_write(&s, "assets/favicon.svg", site_favicon, strlen(site_favicon));
	if (s.err == NULL)
		site_reuse_begin(&s, langs, n_langs, out);
	if (s.err == NULL)
		site_spare_take(&s, langs, n_langs, spare);
	site_gzip_begin(&s);
	for (size_t i = 0; i < n_langs && s.err == NULL; i++)
		render_language(&s, langs, n_langs, i);
	if (s.err == NULL)
		site_api(&s);
	if (s.err == NULL)
		site_exports(&s, out);
	site_mreuse_done(&s);
	if (s.err == NULL)
		site_feed(&s, langs[0]);
	if (s.err == NULL)
		site_log(&s, out);
	if (s.err == NULL && getenv("TRUSTWATCH_I18N_STRICT") != NULL)
		for (size_t i = 0; i < n_langs; i++)
			if (i18n_misses(langs[i]) > 0)
				site_fail(&s, "%s: %zu untranslated strings, first: \"%s\"",
				    i18n_lang(langs[i]), i18n_misses(langs[i]), i18n_first_miss(langs[i]));
	if (s.err == NULL)
		site_spare_prune(&s);
	site_gzip_end(&s);
	if (s.err == NULL)
		site_gzip(&s);
	if (s.err == NULL)
		site_reuse_keep_gz(&s);
	if (s.err != NULL) {
		site_remove_tree(s.dir);
		goto fail;
	}
	if (s.reuse_fd >= 0) {
		close(s.reuse_fd);
		s.reuse_fd = -1;
	}
	/* Without a cache there is nothing to compare pages with: no spare either. */
	if (spare != NULL && !s.reuse_state) {
		site_remove_tree(spare);
		free(spare);
		spare = NULL;
	}
	if (swap_in(s.dir, out, spare, err) != 0) {
		site_remove_tree(s.dir);
		goto done;
	}
	site_reuse_end(&s, out);
	rc = 0;
	goto done;
fail:
	*err = s.err;
	s.err = NULL;
done:
	if (lock_fd >= 0)
		close(lock_fd);
	if (s.reuse_fd >= 0)
		close(s.reuse_fd);
	free(s.dir);
	free(s.cache);
	free(spare);
	free(s.prev_exports);
	site_spare_free(&s);
	for (size_t i = 0; i < s.n_kept; i++)
		free(s.kept[i]);
	free(s.kept);
	for (size_t i = 0; i < s.n_made; i++)
		free(s.made[i]);
	free(s.made);
	site_free(&s);
	for (size_t i = 0; i < n_langs; i++)
		i18n_free(langs[i]);
	free(langs);
	free(out);
	tz_free(s.tz);
	return rc;
}
