/*
 * PostgreSQL backend, values: statement parameters, column getters, and the binary
 * array parameters that carry a batch's rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

void
pg_params_int(struct pg_params *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", (long long)v);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

static size_t utf8_len(const unsigned char *);
static void utf8_repair(struct buf *, const char *);

void
pg_params_text(struct pg_params *p, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (u != NULL && *u != '\0') {
		size_t n = utf8_len(u);

		if (n == 0)
			break;
		u += n;
	}
	if (u != NULL && *u != '\0') {
		struct buf b = { 0 };

		utf8_repair(&b, s);
		buf_append(&b, "", 0);
		s = p->own[p->n_own++] = (char *)b.data;
	}
	p->v[p->n++] = s;
}

void
pg_params_release(struct pg_params *p)
{
	for (int i = 0; i < p->n_own; i++)
		FREE_NULL(p->own[i]);
	p->n_own = 0;
}

void
pg_params_null(struct pg_params *p)
{
	p->v[p->n++] = NULL;
}

int64_t
pg_int(const PGresult *r, int row, int col, int64_t dflt)
{
	if (PQgetisnull(r, row, col))
		return dflt;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *
pg_str(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

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

size_t
pg_bytea(const PGresult *r, int row, int col, unsigned char *out, size_t cap)
{
	const char *s;
	size_t n = 0;

	if (PQgetisnull(r, row, col))
		return 0;
	s = PQgetvalue(r, row, col);
	if (s[0] != '\\' || s[1] != 'x')
		return 0;		/* bytea_output = hex is the default since 9.0 */
	for (s += 2; s[0] != '\0' && s[1] != '\0' && n < cap; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0)
			break;
		out[n++] = (unsigned char)(hi << 4 | lo);
	}
	return n;
}

void
pg_hex(struct buf *b, const unsigned char *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	buf_append(b, "\\x", 2);
	for (size_t i = 0; i < len; i++) {
		char h[2] = { digits[p[i] >> 4], digits[p[i] & 15] };

		buf_append(b, h, 2);
	}
}

/*
 * Arrays travel in binary (array_recv's format): a header (ndim 1, has-nulls flag,
 * element type, size, lower bound 1), then per element a length (-1 = NULL) and the
 * bytes. The size and flag are updated in place as elements are added.
 */
#define ARR_HEADER	20

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
append32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	put32(x, v);
	buf_append(b, x, 4);
}

/* Starts the array on its first element and counts one more; null sets the flag. */
static void
arr_elem(struct buf *b, bool null)
{
	uint32_t n;

	if (b->len == 0) {
		unsigned char h[ARR_HEADER] = { 0 };

		put32(h, 1);
		put32(h + 16, 1);
		buf_append(b, h, sizeof(h));
	}
	n = (uint32_t)b->data[12] << 24 | (uint32_t)b->data[13] << 16 |
	    (uint32_t)b->data[14] << 8 | b->data[15];
	put32(b->data + 12, n + 1);
	if (null) {
		put32(b->data + 4, 1);
		append32(b, UINT32_MAX);
	}
}

void
pg_arr_int(struct buf *b, int64_t v, bool null)
{
	arr_elem(b, null);
	if (!null) {
		append32(b, 8);
		append32(b, (uint32_t)((uint64_t)v >> 32));
		append32(b, (uint32_t)v);
	}
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * A text element. Bytes that are not UTF-8 (text from a remote server) become U+FFFD,
 * so one odd message never fails a batch.
 */
/*
 * Copies s into b with each bad part as one U+FFFD, as report/html.c's repair counts
 * them: a byte that cannot start a sequence, the started part of a cut sequence, or a
 * whole sequence that decodes to no character (overlong, surrogate, beyond U+10FFFF).
 */
static void
utf8_repair(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_len(p), run = 0, want, i;

		if (n > 0) {
			while (p[run] != '\0' && p[run] < 0x80)
				run++;		/* ASCII runs in one copy */
			if (run == 0)
				run = n;
			buf_append(b, p, run);
			p += run;
			continue;
		}
		want = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 :
		    p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 1;
		for (i = 1; i < want && (p[i] & 0xc0) == 0x80; i++)
			;
		buf_append(b, "\xef\xbf\xbd", 3);
		p += i;
	}
}

/* A text element, repaired as pg_params_text does, so one odd message never fails a batch. */
void
pg_arr_text(struct buf *b, const char *s)
{
	size_t at;

	arr_elem(b, s == NULL);
	if (s == NULL)
		return;
	at = b->len;
	append32(b, 0);
	utf8_repair(b, s);
	put32(b->data + at, (uint32_t)(b->len - at - 4));
}

void
pg_arr_bytea(struct buf *b, const unsigned char *p, size_t len)
{
	arr_elem(b, len == 0);
	if (len > 0) {
		append32(b, (uint32_t)len);
		buf_append(b, p, len);
	}
}

void
pg_arr_end(struct buf *b, char type)
{
	uint32_t oid = type == 'i' ? 20 : type == 'b' ? 17 : 25;	/* int8, bytea, text */

	if (b->len == 0) {
		append32(b, 0);			/* no dimensions: empty */
		append32(b, 0);
		append32(b, oid);
		return;
	}
	put32(b->data + 8, oid);
}

void
pg_params_arr(struct pg_params *p, const struct buf *b)
{
	p->len[p->n] = (int)b->len;
	p->fmt[p->n] = 1;
	p->v[p->n++] = (const char *)b->data;
}
