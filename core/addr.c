/* RFC 5322 mailboxes; see addr.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"

#define ADDR_MAX	254	/* RFC 5321 path limit less the angle brackets */
#define LOCAL_MAX	64
#define LABEL_MAX	63
#define NAME_MAX_	300	/* display name octets */

/* Returns a copy of the n bytes at s (caller frees). */
static char *
dupn(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Returns 1 when the n bytes at s are valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; ) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		    c >= 0xf0 && c <= 0xf4 ? 4 : 0;

		if (len == 0 || i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
			return 0;
		i += len;
	}
	return 1;
}

/* Checks an addr-spec of n bytes; returns NULL or why it is not one. */
static const char *
spec_check(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n), *d;
	size_t local, label = 0;

	if (n == 0)
		return "empty address";
	if (at == NULL)
		return "no '@' in the address (expected local@domain)";
	if (memchr(at + 1, '@', n - (size_t)(at + 1 - s)) != NULL)
		return "more than one '@' in the address (a display name goes before <local@domain>)";
	if (n > ADDR_MAX)
		return "address longer than 254 characters";
	local = (size_t)(at - s);
	if (local == 0)
		return "empty local part before '@'";
	if (local > LOCAL_MAX)
		return "local part longer than 64 characters";
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' && i > 0 && i + 1 < local && s[i + 1] != '.')
			continue;
		if (c == '.')
			return "misplaced '.' in the local part";
		if (c >= 0x80)
			return "non-ASCII characters in the address (SMTPUTF8 is not supported)";
		if (!is_atext(c))
			return "character not allowed in the local part (space, quote, comma, "
			    "brackets...; a display name goes before <local@domain>)";
	}
	d = at + 1;
	if (d == s + n)
		return "empty domain after '@'";
	for (const char *p = d; p <= s + n; p++) {
		unsigned char c = p < s + n ? (unsigned char)*p : '.';

		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return "domain has an empty label or a label ending in '-'";
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > LABEL_MAX)
				return "domain label longer than 63 characters";
		} else if (c >= 0x80) {
			return "non-ASCII characters in the address (SMTPUTF8 is not supported)";
		} else {
			return "character not allowed in the domain (letters, digits, '-' and '.')";
		}
	}
	return NULL;
}

/* Returns 1 for space or tab. */
static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Reads the display name in [s, end) (already trimmed) into *out (NULL when empty).
 * Returns NULL or why it is not a display name.
 */
static const char *
name_read(const char *s, const char *end, char **out)
{
	struct buf b = { 0 };

	*out = NULL;
	if (s == end)
		return NULL;
	if (*s == '"') {
		const char *p = s + 1;

		for (; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			buf_append(&b, p, 1);
		}
		if (p + 1 != end) {
			buf_free(&b);
			return "text after the closing '\"' of the display name, or no closing '\"'";
		}
	} else {
		for (const char *p = s; p < end; p++) {
			unsigned char c = (unsigned char)*p;

			if (c < 0x80 && !is_atext(c) && !is_ws((char)c) && c != '.') {
				buf_free(&b);
				return "display name has a special character ( ) < > [ ] : ; @ \\ , \" "
				    "(put the name in double quotes)";
			}
		}
		buf_append(&b, s, (size_t)(end - s));
	}
	buf_append(&b, "", 0);
	if (b.len > NAME_MAX_ || !utf8_ok(b.data, b.len)) {
		buf_free(&b);
		return "display name is not valid UTF-8 or longer than 300 bytes";
	}
	if (b.len == 0)
		buf_free(&b);
	*out = (char *)b.data;
	return NULL;
}

int
addr_parse(const char *s, struct addr *a, const char **why)
{
	const char *lt, *gt, *b, *e, *w;
	char *name = NULL;
	int quoted = 0;

	memset(a, 0, sizeof(*a));
	if (s == NULL)
		s = "";
	for (const char *p = s; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			*why = "contains a line break (CR or LF)";
			return -1;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "contains a control character";
			return -1;
		}
	}
	b = s;
	e = s + strlen(s);
	while (b < e && is_ws(*b))
		b++;
	while (e > b && is_ws(e[-1]))
		e--;
	/* The last '<' outside a quoted display name starts the angle address. */
	lt = NULL;
	for (const char *p = b; p < e; p++) {
		if (*p == '"' && !quoted)
			quoted = 1;
		else if (*p == '\\' && quoted && p + 1 < e)
			p++;
		else if (*p == '"' && quoted)
			quoted = 0;
		else if (*p == '<' && !quoted)
			lt = p;
	}
	if (quoted) {
		*why = "no closing '\"' in the display name";
		return -1;
	}
	if (lt == NULL) {
		if ((w = spec_check(b, (size_t)(e - b))) != NULL) {
			*why = w;
			return -1;
		}
		a->spec = dupn(b, (size_t)(e - b));
		return 0;
	}
	gt = memchr(lt, '>', (size_t)(e - lt));
	if (gt == NULL || gt + 1 != e) {
		*why = gt == NULL ? "'<' without a closing '>'" : "text after the closing '>'";
		return -1;
	}
	if ((w = spec_check(lt + 1, (size_t)(gt - lt - 1))) != NULL) {
		*why = w;
		return -1;
	}
	for (e = lt; e > b && is_ws(e[-1]); e--)
		;
	if ((w = name_read(b, e, &name)) != NULL) {
		*why = w;
		return -1;
	}
	a->name = name;
	a->spec = dupn(lt + 1, (size_t)(gt - lt - 1));
	return 0;
}

void
addr_clear(struct addr *a)
{
	if (a == NULL)
		return;
	FREE_NULL(a->name);
	FREE_NULL(a->spec);
}

char *
addr_list_next(const char **pp)
{
	const char *p = *pp, *start, *end;
	int quoted = 0, angle = 0;

	for (;;) {
		while (*p == ',' || is_ws(*p))
			p++;
		if (*p == '\0') {
			*pp = p;
			return NULL;
		}
		start = p;
		for (; *p != '\0'; p++) {
			if (quoted && *p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = !quoted;
			else if (!quoted && *p == '<')
				angle = 1;
			else if (!quoted && *p == '>')
				angle = 0;
			else if (!quoted && !angle && *p == ',')
				break;
		}
		for (end = p; end > start && is_ws(end[-1]); end--)
			;
		if (end > start) {
			*pp = p;
			return dupn(start, (size_t)(end - start));
		}
	}
}

void
addr_list_add(struct buf *b, const char *mailbox)
{
	const char *p = b->data != NULL ? (const char *)b->data : "", *why;
	struct addr a, o;
	char *item;
	int dup = 0;

	if (addr_parse(mailbox, &a, &why) != 0)
		return;
	while (!dup && (item = addr_list_next(&p)) != NULL) {
		dup = addr_parse(item, &o, &why) == 0 && strcasecmp(o.spec, a.spec) == 0;
		addr_clear(&o);
		free(item);
	}
	if (!dup)
		buf_printf(b, "%s%s", b->len > 0 ? ", " : "", mailbox);
	addr_clear(&a);
}
