/*
 * Site files from report.output: path checks, content types, conditional GET, HEAD,
 * directory index and redirect, the 404 page. A file is served only when its resolved
 * path (realpath) is inside the resolved site root, so no '..', encoded slash, NUL or
 * symlink can reach anything outside it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "web_int.h"
#include "../core/config.h"
#include "../report/report.h"
#include "../core/util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum web_path_rc
web_path_normalize(const char *raw, char *out, size_t outsz, bool *dir)
{
	const char *p;
	size_t o = 0;
	bool hidden = false;

	*dir = false;
	if (outsz == 0 || raw[0] != '/')
		return WEB_PATH_BAD;
	out[0] = '\0';
	for (p = raw + 1;;) {
		size_t start = o, len;

		if (o > 0) {			/* separator, taken back if the segment is empty */
			if (o + 1 >= outsz)
				return WEB_PATH_BAD;
			out[o++] = '/';
			start = o;
		}
		while (*p != '\0' && *p != '/') {
			int c = (unsigned char)*p;

			if (c == '%') {
				int hi = hexval((unsigned char)p[1]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);

				if (hi < 0 || lo < 0)
					return WEB_PATH_BAD;
				c = hi * 16 + lo;
				if (c == '/')
					return WEB_PATH_BAD;
				p += 3;
			} else
				p++;
			if (c < 0x20 || c == 0x7f || c == '\\')
				return WEB_PATH_BAD;
			if (o + 1 >= outsz)
				return WEB_PATH_BAD;
			out[o++] = (char)c;
		}
		len = o - start;
		if (len == 0 && start > 0)
			o = start - 1;		/* empty segment: drop its separator */
		else if ((len == 1 && out[start] == '.') ||
		    (len == 2 && out[start] == '.' && out[start + 1] == '.'))
			return WEB_PATH_BAD;
		else if (len > 0 && out[start] == '.')
			hidden = true;
		out[o] = '\0';
		if (*p == '\0') {
			*dir = p[-1] == '/';
			break;
		}
		p++;
	}
	return hidden ? WEB_PATH_HIDDEN : WEB_PATH_OK;
}

const char *
web_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "svg", "image/svg+xml" },
		{ "json", "application/json" },
		{ "csv", "text/csv; charset=utf-8" },
		{ "atom", "application/atom+xml" },
		{ "xml", "application/xml" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "png", "image/png" },
		{ "ico", "image/x-icon" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "woff2", "font/woff2" },
	};
	const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');

	if (dot != NULL && (slash == NULL || dot > slash))
		for (size_t i = 0; i < NELEM(types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

void
web_etag(const struct stat *st, char *out, size_t outsz)
{
	unsigned long long ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
	    (unsigned long long)st->st_mtim.tv_nsec;

	snprintf(out, outsz, "\"%llx-%llx\"", (unsigned long long)st->st_size, ns);
}

bool
web_etag_matches(const char *inm, const char *etag)
{
	size_t el = strlen(etag);

	for (const char *p = inm; *p;) {
		const char *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return false;	/* not a list of entity tags */
		if ((end = strchr(p + 1, '"')) == NULL)
			return false;
		if ((size_t)(end + 1 - p) == el && memcmp(p, etag, el) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

int
web_http_date_parse(const char *s, time_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}

void
web_http_date_format(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int
web_resolve(const char *root, const char *rel, char *out)
{
	char tmp[PATH_MAX];
	size_t rl = strlen(root);
	int n = snprintf(tmp, sizeof(tmp), "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (realpath(tmp, out) == NULL)
		return -1;
	if (strcmp(root, "/") == 0)
		return 0;
	if (strncmp(out, root, rl) != 0 || (out[rl] != '\0' && out[rl] != '/')) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

/* Opens a resolved path (never following a last-component symlink); -1 if not a file/dir. */
static int
open_checked(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);	/* a FIFO never blocks */

	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends fd (taken) as the body with the given status; HEAD gets the length only. */
static void
send_fd(struct web *w, struct evhttp_request *req, int code, int fd, const struct stat *st,
    const char *ctype, const char *cache)
{
	struct evbuffer *body = NULL;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD || st->st_size == 0) {
		char len[32];

		snprintf(len, sizeof(len), "%lld", (long long)st->st_size);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
		close(fd);
	} else if ((body = evbuffer_new()) == NULL ||
	    evbuffer_add_file(body, fd, 0, st->st_size) != 0) {
		if (body == NULL)
			close(fd);	/* evbuffer_add_file closes fd on failure */
		else
			evbuffer_free(body);
		web_reply_text(w, req, 500, "500 internal error\n");
		return;
	}
	web_reply(w, req, code, ctype, cache, body);
	if (body != NULL)
		evbuffer_free(body);
}

void
web_not_found(struct web *w, struct evhttp_request *req)
{
	static const char page[] =
	    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Not found</title></head>\n<body><h1>Not found</h1>\n"
	    "<p>There is no page at this address. <a href=\"/\">Current status</a></p>"
	    "</body></html>\n";
	char root[PATH_MAX], full[PATH_MAX];
	struct stat st;
	struct evbuffer *b;
	int fd;

	if (realpath(web_conf(w)->report.output, root) != NULL &&
	    web_resolve(root, "404.html", full) == 0 && (fd = open_checked(full, &st)) >= 0) {
		if (S_ISREG(st.st_mode)) {
			send_fd(w, req, 404, fd, &st, "text/html; charset=utf-8", "no-store");
			return;
		}
		close(fd);
	}
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(b, page, sizeof(page) - 1);
	web_reply(w, req, 404, "text/html; charset=utf-8", "no-store", b);
	evbuffer_free(b);
}

/* Redirects /dir to /dir/ (Location built from the checked path, never the raw one). */
static void
redirect_dir(struct web *w, struct evhttp_request *req, const char *rel)
{
	struct buf loc = { 0 };

	buf_append(&loc, "/", 1);
	for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
		if (isalnum(*p) || strchr("-._~/", *p) != NULL)
			buf_append(&loc, p, 1);
		else
			buf_printf(&loc, "%%%02X", *p);
	}
	buf_append(&loc, "/", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", (char *)loc.data);
	buf_free(&loc);
	web_reply_text(w, req, 301, "301 moved permanently\n");
}

/* True when the request's validators say the client's copy is current. */
static bool
not_modified(struct evhttp_request *req, const struct stat *st, const char *etag)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *inm = evhttp_find_header(in, "If-None-Match");
	const char *ims = evhttp_find_header(in, "If-Modified-Since");
	time_t t;

	if (inm != NULL)
		return web_etag_matches(inm, etag);	/* takes precedence (RFC 9110 13.2.2) */
	return ims != NULL && web_http_date_parse(ims, &t) == 0 && st->st_mtim.tv_sec <= t;
}

bool
web_accepts_gzip(const char *ae)
{
	while (ae != NULL && *ae != '\0') {
		size_t n = strcspn(ae, ","), t;
		const char *q;

		while (n > 0 && (*ae == ' ' || *ae == '\t'))
			ae++, n--;
		t = strcspn(ae, ";, \t");
		if ((t == 4 && strncasecmp(ae, "gzip", 4) == 0) || (t == 1 && *ae == '*')) {
			/* ";q=0" (or 0.0, 0.00, 0.000) refuses it */
			q = memchr(ae, ';', n);
			if (q == NULL)
				return true;
			q = strstr(q, "q=");
			if (q == NULL || q >= ae + n)
				return true;
			q += 2;
			if (*q != '0')
				return true;
			for (q++; q < ae + n && (*q == '.' || *q == '0'); q++)
				;
			if (q < ae + n && *q >= '1' && *q <= '9')
				return true;
			return false;
		}
		ae += n;
		if (*ae == ',')
			ae++;
	}
	return false;
}

static bool
accepts_gzip(struct evhttp_request *req)
{
	return web_accepts_gzip(evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Accept-Encoding"));
}

void
web_static(struct web *w, struct evhttp_request *req, const char *raw)
{
	char rel[WEB_MAX_PATH], root[PATH_MAX], full[PATH_MAX], etag[64], date[40];
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *ctype;
	struct stat st;
	bool dir;
	int fd;

	switch (web_path_normalize(raw, rel, sizeof(rel), &dir)) {
	case WEB_PATH_BAD:
		web_reply_text(w, req, 400, "400 bad request\n");
		return;
	case WEB_PATH_HIDDEN:
		web_not_found(w, req);
		return;
	case WEB_PATH_OK:
		break;
	}
	if (realpath(web_conf(w)->report.output, root) == NULL ||
	    web_resolve(root, rel, full) != 0 || (fd = open_checked(full, &st)) < 0) {
		web_not_found(w, req);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (!dir && rel[0] != '\0') {
			redirect_dir(w, req, rel);
			return;
		}
		if (strlen(rel) + sizeof("/index.html") > sizeof(rel)) {
			web_not_found(w, req);
			return;
		}
		strcat(rel, rel[0] ? "/index.html" : "index.html");
		if (web_resolve(root, rel, full) != 0 || (fd = open_checked(full, &st)) < 0) {
			web_not_found(w, req);
			return;
		}
	} else if (dir) {
		close(fd);		/* "/file.html/" names no directory */
		web_not_found(w, req);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		web_not_found(w, req);
		return;
	}
	ctype = web_content_type(full);
	if (report_gzipped(full)) {
		/* NAME.gz written by the render beside NAME (SPEC §10), when the client takes it. */
		evhttp_add_header(out, "Vary", "Accept-Encoding");
		if (accepts_gzip(req) && strlen(full) + 4 <= sizeof(full)) {
			struct stat gst;
			int gfd;

			strcat(full, ".gz");
			if ((gfd = open_checked(full, &gst)) >= 0 && S_ISREG(gst.st_mode)) {
				close(fd);
				fd = gfd;
				st = gst;
				evhttp_add_header(out, "Content-Encoding", "gzip");
			} else if (gfd >= 0) {
				close(gfd);
			}
		}
	}
	web_etag(&st, etag, sizeof(etag));
	web_http_date_format(st.st_mtim.tv_sec, date, sizeof(date));
	evhttp_add_header(out, "ETag", etag);
	evhttp_add_header(out, "Last-Modified", date);
	if (not_modified(req, &st, etag)) {
		close(fd);
		web_reply(w, req, 304, NULL, WEB_CACHE_CONTROL, NULL);
		return;
	}
	send_fd(w, req, 200, fd, &st, ctype, WEB_CACHE_CONTROL);
}
