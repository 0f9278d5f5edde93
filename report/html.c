/* HTML, XML and JSON-in-HTML escaping; UTF-8 repair. See html.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#define REPLACEMENT	0xFFFD

/*
 * Decodes one code point at s (len bytes left) into *cp; returns the bytes consumed (>= 1).
 * Anything invalid, overlong, a surrogate, beyond U+10FFFF, a C0 control other than
 * tab/LF/CR, or U+FFFE/U+FFFF decodes as U+FFFD consuming one byte (or the whole bad
 * sequence prefix), so the caller always progresses.
 */
static size_t
utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? REPLACEMENT : c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2; c &= 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3; c &= 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		*cp = REPLACEMENT;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if (i >= len || (s[i] & 0xC0) != 0x80) {
			*cp = REPLACEMENT;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE || c == 0xFFFF)
		c = REPLACEMENT;
	*cp = c;
	return n;
}

static void
put_utf8(struct buf *b, uint32_t c)
{
	unsigned char o[4];
	size_t n;

	if (c < 0x80) {
		o[0] = (unsigned char)c; n = 1;
	} else if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3F)); n = 2;
	} else if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F)); n = 3;
	} else {
		o[0] = (unsigned char)(0xF0 | (c >> 18));
		o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[3] = (unsigned char)(0x80 | (c & 0x3F)); n = 4;
	}
	buf_append(b, o, n);
}

static void
escape_markup(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p);

	while (len > 0) {
		uint32_t c;
		size_t n = 0;

		/* A run of ASCII that stays as it is, at once. */
		while (n < len && ((p[n] >= 0x20 && p[n] < 0x80 && p[n] != '&' && p[n] != '<' &&
		    p[n] != '>' && p[n] != '"' && p[n] != '\'') || p[n] == '\t' || p[n] == '\n' ||
		    p[n] == '\r'))
			n++;
		if (n > 0) {
			buf_append(b, p, n);
			p += n;
			len -= n;
			continue;
		}
		n = utf8_next(p, len, &c);
		switch (c) {
		case '&': buf_append(b, "&amp;", 5); break;
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '"': buf_append(b, "&quot;", 6); break;
		case '\'': buf_append(b, "&#39;", 5); break;
		case 0x2028: buf_append(b, "&#x2028;", 8); break;
		case 0x2029: buf_append(b, "&#x2029;", 8); break;
		default:
			if (c == REPLACEMENT || c >= 0x80)
				put_utf8(b, c);
			else
				buf_append(b, p, 1);
		}
		p += n;
		len -= n;
	}
}

void
html_text(struct buf *b, const char *s)
{
	escape_markup(b, s);
}

void
html_attr(struct buf *b, const char *s)
{
	escape_markup(b, s);
}

void
html_json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p);

	buf_append(b, "\"", 1);
	while (len > 0) {
		uint32_t c;
		size_t n = utf8_next(p, len, &c);

		if (c == '"' || c == '\\') {
			buf_printf(b, "\\%c", (char)c);
		} else if (c == '<' || c == '>' || c == '&' || c == '\'' || c < 0x20 ||
		    c == 0x2028 || c == 0x2029) {
			buf_printf(b, "\\u%04x", (unsigned)c);
		} else if (c >= 0x80) {
			put_utf8(b, c);
		} else {
			buf_append(b, p, 1);
		}
		p += n;
		len -= n;
	}
	buf_append(b, "\"", 1);
}

void
html_tpl(struct buf *b, const char *tpl, const char *const *args, size_t n)
{
	const char *p = tpl, *q;

	while ((q = strchr(p, '{')) != NULL) {
		if (q[1] >= '1' && q[1] <= '9' && q[2] == '}' && (size_t)(q[1] - '1') < n) {
			char *lit = strndup(p, (size_t)(q - p));

			if (lit == NULL)
				abort();
			escape_markup(b, lit);
			free(lit);
			buf_append(b, args[q[1] - '1'], strlen(args[q[1] - '1']));
			p = q + 3;
		} else {
			char *lit = strndup(p, (size_t)(q - p) + 1);

			if (lit == NULL)
				abort();
			escape_markup(b, lit);
			free(lit);
			p = q + 1;
		}
	}
	escape_markup(b, p);
}

char *
html_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p);
	struct buf b = { 0 };

	buf_append(&b, "", 0);
	while (len > 0) {
		uint32_t c;
		size_t n = utf8_next(p, len, &c);

		if (c == REPLACEMENT && !(n == 3 && memcmp(p, "\xEF\xBF\xBD", 3) == 0))
			put_utf8(&b, c);
		else
			buf_append(&b, p, n);
		p += n;
		len -= n;
	}
	return (char *)b.data;
}

int
html_utf8_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p);

	while (len > 0) {
		uint32_t c;
		size_t n = utf8_next(p, len, &c);

		if (c == REPLACEMENT && !(n == 3 && memcmp(p, "\xEF\xBF\xBD", 3) == 0))
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}
