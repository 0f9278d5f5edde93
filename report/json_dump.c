/*
 * report_json_dump: the bytes json_dumps(o, JSON_COMPACT | DUMP_FLAGS) writes, written
 * straight into a buffer (issue 22). jansson's dumper goes through a callback per token,
 * decodes every string again and, for a FILE, calls fwrite per token: ~80 k instructions
 * for one result line, more than the rest of writing it. This writes the same bytes —
 * insertion order, "\/" and "\uXXXX" escapes (UTF-16 pairs beyond the BMP), reals as
 * "%.10g" with jansson's ".0" and exponent rules — and tests/html_test.c compares the two
 * on hostile documents. A value it does not know makes it return -1 (callers then use
 * jansson, which decides).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "../core/util.h"

/* jsonp_dtostr's rules: "%.*g", ".0" when neither '.' nor 'e', exponent without '+'/zeros. */
static int
dump_real(struct buf *b, double v, int precision)
{
	char s[64], *start, *end;
	int n = snprintf(s, sizeof(s) - 3, "%.*g", precision, v);
	size_t len;

	if (n < 0 || (size_t)n >= sizeof(s) - 3)
		return -1;
	len = (size_t)n;
	if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL) {
		memcpy(s + len, ".0", 3);
		len += 2;
	}
	if ((start = strchr(s, 'e')) != NULL) {
		start++;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - s) + 1);
			len -= (size_t)(end - start);
		}
	}
	buf_append(b, s, len);
	return 0;
}

/* Decodes one UTF-8 sequence at p (n bytes left) into *cp; returns its length or 0. */
static size_t
utf8_one(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0], need, min;
	size_t i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, min = 0x80, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, min = 0x800, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, min = 0x10000, c &= 0x07;
	else
		return 0;
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need + 1;
}

static int
dump_str(struct buf *b, const char *str, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)str, *lim = p + len, *run = p;
	char seq[12];
	unsigned cp, hi, lo;
	size_t k, n;

	buf_append(b, "\"", 1);
	while (p < lim) {
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\' && *p != '/') {
			p++;
			continue;
		}
		if ((k = utf8_one(p, (size_t)(lim - p), &cp)) == 0)
			return -1;
		buf_append(b, run, (size_t)(p - run));
		seq[0] = '\\';
		n = 2;
		switch (cp) {
		case '\\': seq[1] = '\\'; break;
		case '"': seq[1] = '"'; break;
		case '\b': seq[1] = 'b'; break;
		case '\f': seq[1] = 'f'; break;
		case '\n': seq[1] = 'n'; break;
		case '\r': seq[1] = 'r'; break;
		case '\t': seq[1] = 't'; break;
		case '/': seq[1] = '/'; break;
		default:
			hi = cp, lo = 0;
			if (cp >= 0x10000) {
				hi = 0xd800 | ((cp - 0x10000) >> 10);
				lo = 0xdc00 | ((cp - 0x10000) & 0x3ff);
			}
			n = 0;
			for (unsigned u = hi; u != 0; u = lo, lo = 0) {
				seq[n++] = '\\';
				seq[n++] = 'u';
				seq[n++] = hex[(u >> 12) & 15];
				seq[n++] = hex[(u >> 8) & 15];
				seq[n++] = hex[(u >> 4) & 15];
				seq[n++] = hex[u & 15];
			}
			if (cp == 0) {	/* U+0000 inside a string of known length */
				memcpy(seq, "\\u0000", 6);
				n = 6;
			}
		}
		buf_append(b, seq, n);
		p += k;
		run = p;
	}
	buf_append(b, run, (size_t)(p - run));
	buf_append(b, "\"", 1);
	return 0;
}

static int
dump_value(struct buf *b, const json_t *o, int depth)
{
	const char *k;
	json_t *v;
	size_t i, n = 0;

	if (depth > 64)
		return -1;
	switch (json_typeof(o)) {
	case JSON_OBJECT:
		buf_append(b, "{", 1);
		json_object_foreach((json_t *)o, k, v) {
			if (n++ > 0)
				buf_append(b, ",", 1);
			if (dump_str(b, k, strlen(k)) != 0)
				return -1;
			buf_append(b, ":", 1);
			if (dump_value(b, v, depth + 1) != 0)
				return -1;
		}
		buf_append(b, "}", 1);
		return 0;
	case JSON_ARRAY:
		buf_append(b, "[", 1);
		for (i = 0; i < json_array_size(o); i++) {
			if (i > 0)
				buf_append(b, ",", 1);
			if (dump_value(b, json_array_get(o, i), depth + 1) != 0)
				return -1;
		}
		buf_append(b, "]", 1);
		return 0;
	case JSON_STRING:
		return dump_str(b, json_string_value(o), json_string_length(o));
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(o));
		return 0;
	case JSON_REAL:
		return dump_real(b, json_real_value(o), REPORT_JSON_PRECISION);
	case JSON_TRUE:
		buf_append(b, "true", 4);
		return 0;
	case JSON_FALSE:
		buf_append(b, "false", 5);
		return 0;
	case JSON_NULL:
		buf_append(b, "null", 4);
		return 0;
	}
	return -1;
}

char *
report_json_dump(const json_t *o)
{
	struct buf b = { 0 };

	if (o == NULL || (!json_is_object(o) && !json_is_array(o)) || dump_value(&b, o, 0) != 0) {
		buf_free(&b);
		return o != NULL ? json_dumps(o, JSON_COMPACT | REPORT_JSON_DUMP_FLAGS) : NULL;
	}
	buf_append(&b, "", 1);
	return (char *)b.data;
}
