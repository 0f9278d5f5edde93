/* Store locations: telling a PostgreSQL URI from a SQLite path, and redacting passwords. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "storeurl.h"
#include "util.h"

#define REDACTED	"***"

static const char *const uri_prefixes[] = { "postgresql://", "postgres://" };

bool
store_url_is(const char *where)
{
	for (size_t i = 0; where != NULL && i < NELEM(uri_prefixes); i++)
		if (strncmp(where, uri_prefixes[i], strlen(uri_prefixes[i])) == 0)
			return true;
	return false;
}

/* The length of the URI prefix at s (any case), or 0. */
static size_t
uri_prefix_at(const char *s)
{
	for (size_t i = 0; i < NELEM(uri_prefixes); i++)
		if (strncasecmp(s, uri_prefixes[i], strlen(uri_prefixes[i])) == 0)
			return strlen(uri_prefixes[i]);
	return 0;
}

/* Does a password= parameter start at s (at the start, after ?, & or white space)? */
static bool
password_param_at(const char *start, const char *s)
{
	return strncasecmp(s, "password=", 9) == 0 &&
	    (s == start || strchr("?& \t\r\n", s[-1]) != NULL);
}

/* The end of a parameter value at v: a quoted libpq value, or up to &, white space or #. */
static const char *
param_value_end(const char *v)
{
	if (*v == '\'') {
		for (v++; *v != '\0' && *v != '\''; v++)
			if (*v == '\\' && v[1] != '\0')
				v++;
		return *v == '\'' ? v + 1 : v;
	}
	return v + strcspn(v, "& \t\r\n#");
}

char *
store_url_redacted(const char *s)
{
	struct buf b = { 0 };
	const char *p;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0';) {
		size_t n = uri_prefix_at(p);

		if (n > 0) {
			/* The authority runs to the path, query or fragment (or white space). */
			const char *auth = p + n, *end = auth + strcspn(auth, "/?# \t\r\n\"'"), *at = NULL;

			for (const char *q = auth; q < end; q++)
				if (*q == '@')
					at = q;
			buf_append(&b, p, n);
			if (at != NULL) {
				const char *colon = memchr(auth, ':', (size_t)(at - auth));

				if (colon != NULL) {
					buf_append(&b, auth, (size_t)(colon + 1 - auth));
					buf_append(&b, REDACTED, strlen(REDACTED));
					auth = at;
				}
			}
			buf_append(&b, auth, (size_t)(end - auth));
			p = end;
		} else if (password_param_at(s, p)) {
			buf_append(&b, p, 9);
			buf_append(&b, REDACTED, strlen(REDACTED));
			p = param_value_end(p + 9);
		} else
			buf_append(&b, p++, 1);
	}
	buf_append(&b, "", 0);
	return (char *)b.data;
}
