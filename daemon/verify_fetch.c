/* Reading a published site for `trustwatch verify`: a local directory or HTTP(S), size-capped. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "verify_fetch.h"
#include "../core/util.h"

struct vfetch {
	char		*root;			/* without a trailing slash */
	int		 url;
	CURL		*curl;
};

struct sink {
	struct buf	 b;
	size_t		 max;
	int		 too_big;
};

struct vfetch *
vfetch_new(const char *root)
{
	struct vfetch *f = xcalloc(1, sizeof(*f));
	size_t n;

	f->root = xstrdup(root);
	n = strlen(f->root);
	while (n > 1 && f->root[n - 1] == '/')
		f->root[--n] = '\0';
	f->url = strncmp(root, "http://", 7) == 0 || strncmp(root, "https://", 8) == 0;
	return f;
}

void
vfetch_free(struct vfetch *f)
{
	if (f == NULL)
		return;
	if (f->curl != NULL) {
		curl_easy_cleanup(f->curl);
		curl_global_cleanup();
	}
	free(f->root);
	free(f);
}

int
vfetch_is_url(const struct vfetch *f)
{
	return f->url;
}

static size_t
sink_write(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t bytes = size * n;

	if (s->b.len + bytes > s->max) {
		s->too_big = 1;
		return 0;
	}
	buf_append(&s->b, p, bytes);
	return bytes;
}

static int
http_get(struct vfetch *f, const char *rel, size_t max, unsigned char **data, size_t *len,
    char **err)
{
	char *url = xasprintf("%s/%s", f->root, rel);
	struct sink s = { .max = max };
	long status = 0;
	CURLcode rc;
	int bad = 0;

	if (f->curl == NULL) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		    (f->curl = curl_easy_init()) == NULL) {
			*err = xstrdup("cannot start libcurl");
			free(url);
			return VFETCH_ERROR;
		}
	}
	curl_easy_reset(f->curl);
	bad |= curl_easy_setopt(f->curl, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_MAXREDIRS, 5L) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_TIMEOUT, 60L) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT, 15L) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "trustwatch-verify/" TW_VERSION) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, sink_write) != CURLE_OK;
	bad |= curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &s) != CURLE_OK;
	if (bad) {
		*err = xasprintf("%s: cannot set up the request", url);
		free(url);
		return VFETCH_ERROR;
	}
	rc = curl_easy_perform(f->curl);
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && (status == 404 || status == 410)) {
		buf_free(&s.b);
		free(url);
		return VFETCH_MISSING;
	}
	if (rc != CURLE_OK || status != 200) {
		if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			*err = xasprintf("%s: larger than %zu bytes", url, max);
		else if (rc != CURLE_OK)
			*err = xasprintf("%s: %s", url, curl_easy_strerror(rc));
		else
			*err = xasprintf("%s: HTTP status %ld", url, status);
		buf_free(&s.b);
		free(url);
		return VFETCH_ERROR;
	}
	free(url);
	if (s.b.data == NULL)
		buf_append(&s.b, "", 0);
	*data = s.b.data;
	*len = s.b.len;
	return 0;
}

int
vfetch_get(struct vfetch *f, const char *rel, size_t max, unsigned char **data, size_t *len,
    char **err)
{
	char *path;
	int e;

	*data = NULL;
	*len = 0;
	if (f->url)
		return http_get(f, rel, max, data, len, err);
	path = xasprintf("%s/%s", f->root, rel);
	if (file_read(path, max, data, len) == 0) {
		free(path);
		return 0;
	}
	e = errno;
	if (e == ENOENT || e == ENOTDIR) {
		free(path);
		return VFETCH_MISSING;
	}
	*err = xasprintf("%s: %s", path, e == EFBIG ? "too large" : file_strerror(e));
	free(path);
	return VFETCH_ERROR;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long
vfetch_list(struct vfetch *f, const char *rel, const char *index_name, char ***names,
    char **err)
{
	char **v = NULL;
	long n = 0;

	*names = NULL;
	if (f->url) {
		char *p = xasprintf("%s/%s", rel, index_name), *s, *e;
		unsigned char *data;
		size_t len;
		int rc = vfetch_get(f, p, 16u << 20, &data, &len, err);

		free(p);
		if (rc != 0)
			return rc;
		for (s = (char *)data; s < (char *)data + len; s = e + 1) {
			if ((e = memchr(s, '\n', (size_t)((char *)data + len - s))) == NULL)
				e = (char *)data + len;
			*e = '\0';
			if (*s == '\0')
				continue;
			v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
			v[n++] = xstrdup(s);
		}
		free(data);
	} else {
		char *p = xasprintf("%s/%s", f->root, rel);
		DIR *d = opendir(p);
		struct dirent *de;

		if (d == NULL) {
			int e = errno;
			if (e == ENOENT || e == ENOTDIR) {
				free(p);
				return VFETCH_MISSING;
			}
			*err = xasprintf("%s: %s", p, strerror(e));
			free(p);
			return VFETCH_ERROR;
		}
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
			v[n++] = xstrdup(de->d_name);
		}
		closedir(d);
		free(p);
	}
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), cmp_names);
	*names = v;
	return n;
}
