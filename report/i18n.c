/* Translations from .po files and locale conventions done by hand. See i18n.h. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "../core/tz.h"
#include "../core/util.h"

#define PO_MAX_BYTES	(4u * 1024 * 1024)

struct i18n_msg {
	char	*id;
	char	*str;		/* msgstr, or msgstr[0] of a plural entry */
	char	*str1;		/* msgstr[1] of a plural entry, else NULL */
};

struct i18n {
	char		 lang[8];
	struct i18n_msg	*msgs;
	size_t		 n, cap;
	size_t		 misses;
	char		*first_miss;
};

static int
msg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct i18n_msg *)a)->id, ((const struct i18n_msg *)b)->id);
}

/* Appends the C-quoted string starting at p (at the opening quote) to b; 0 or -1. */
static int
po_string(const char *p, const char *end, struct buf *b)
{
	if (p >= end || *p != '"')
		return -1;
	for (p++; p < end && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			if (++p >= end)
				return -1;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			default: return -1;
			}
		}
		buf_append(b, &c, 1);
	}
	if (p >= end)
		return -1;
	for (p++; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return -1;
	return 0;
}

static void
add_msg(struct i18n *c, struct buf *id, struct buf *str, struct buf *str1, int fuzzy)
{
	if (id->len == 0 || str->len == 0 || fuzzy || (str1->data != NULL && str1->len == 0)) {
		buf_free(id);
		buf_free(str);
		buf_free(str1);
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->msgs = xrealloc(c->msgs, c->cap * sizeof(*c->msgs));
	}
	c->msgs[c->n].id = (char *)id->data;
	c->msgs[c->n].str = (char *)str->data;
	c->msgs[c->n].str1 = (char *)str1->data;
	c->n++;
	memset(id, 0, sizeof(*id));
	memset(str, 0, sizeof(*str));
	memset(str1, 0, sizeof(*str1));
}

struct i18n *
i18n_parse(const char *lang, const char *text, size_t len, char **err)
{
	struct i18n *c = xcalloc(1, sizeof(*c));
	struct buf id = { 0 }, str = { 0 }, str1 = { 0 }, plural = { 0 };
	const char *p = text, *end = text + len;
	enum { NONE, ID, PLURAL, STR, STR0, STR1 } in = NONE;
	int line = 0, fuzzy = 0, have = 0;

	snprintf(c->lang, sizeof(c->lang), "%s", lang);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *q = p;

		line++;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (q == le || *q == '\r') {
			/* blank line */
		} else if (*q == '#') {
			if (q + 1 < le && q[1] == ',' && memmem(q, (size_t)(le - q), "fuzzy", 5)) {
				if (have) {
					if (in != STR && in != STR1)
						goto bad;
					add_msg(c, &id, &str, &str1, fuzzy);
					have = 0;
				}
				fuzzy = 1;
			}
		} else if (strncmp(q, "msgid ", 6) == 0) {
			if (have) {
				if (in != STR && in != STR1)
					goto bad;
				add_msg(c, &id, &str, &str1, fuzzy), fuzzy = 0;
			}
			buf_free(&id);
			buf_free(&str);
			buf_free(&str1);
			buf_append(&id, "", 0);
			buf_append(&str, "", 0);
			if (po_string(q + 6, le, &id) != 0)
				goto bad;
			in = ID;
			have = 1;
		} else if (strncmp(q, "msgid_plural ", 13) == 0) {
			/* The English plural is the caller's; only its presence is checked. */
			buf_free(&plural);
			buf_append(&plural, "", 0);
			if (in != ID || po_string(q + 13, le, &plural) != 0)
				goto bad;
			in = PLURAL;
		} else if (strncmp(q, "msgstr ", 7) == 0) {
			if (in != ID || po_string(q + 7, le, &str) != 0)
				goto bad;
			in = STR;
		} else if (strncmp(q, "msgstr[0] ", 10) == 0) {
			if (in != PLURAL || po_string(q + 10, le, &str) != 0)
				goto bad;
			in = STR0;
		} else if (strncmp(q, "msgstr[1] ", 10) == 0) {
			buf_append(&str1, "", 0);
			if (in != STR0 || po_string(q + 10, le, &str1) != 0)
				goto bad;
			in = STR1;
		} else if (*q == '"') {
			struct buf *to = in == ID ? &id : in == PLURAL ? &plural :
			    in == STR1 ? &str1 : &str;

			if (in == NONE || po_string(q, le, to) != 0)
				goto bad;
		} else {
			goto bad;	/* msgctxt, msgstr[2] and anything else are refused */
		}
		p = nl ? nl + 1 : end;
	}
	if (have) {
		if (in != STR && in != STR1)
			goto bad;
		add_msg(c, &id, &str, &str1, fuzzy);
	}
	buf_free(&id);
	buf_free(&str);
	buf_free(&str1);
	buf_free(&plural);
	if (c->n > 1)	/* c->msgs is NULL for an empty catalogue */
		qsort(c->msgs, c->n, sizeof(*c->msgs), msg_cmp);
	for (size_t i = 1; i < c->n; i++)
		if (strcmp(c->msgs[i - 1].id, c->msgs[i].id) == 0) {
			*err = xasprintf("%s.po: duplicate msgid \"%s\"", lang, c->msgs[i].id);
			i18n_free(c);
			return NULL;
		}
	return c;
bad:
	*err = xasprintf("%s.po:%d: not a msgid/msgstr line this parser accepts", lang, line);
	buf_free(&id);
	buf_free(&str);
	buf_free(&str1);
	buf_free(&plural);
	i18n_free(c);
	return NULL;
}

static struct i18n *
try_dir(const char *dir, const char *lang, char **err)
{
	char *path = xasprintf("%s/%s.po", dir, lang);
	unsigned char *data;
	size_t len;
	struct i18n *c = NULL;

	if (file_read(path, PO_MAX_BYTES, &data, &len) == 0) {
		char *perr = NULL;

		c = i18n_parse(lang, (const char *)data, len, &perr);
		if (c == NULL) {
			free(*err);
			*err = xasprintf("%s: %s", path, perr);
			free(perr);
		}
		free(data);
	}
	free(path);
	return c;
}

struct i18n *
i18n_load(const char *lang, char **err)
{
	char exe[PATH_MAX], *slash, *dirs[5] = { 0 };
	const char *env = getenv("TRUSTWATCH_DATADIR");
	struct i18n *c = NULL;
	ssize_t n;
	size_t nd = 0;

	*err = NULL;
	if (strcmp(lang, "en") == 0) {
		c = xcalloc(1, sizeof(*c));
		snprintf(c->lang, sizeof(c->lang), "en");
		return c;
	}
	if (env != NULL && *env != '\0')
		dirs[nd++] = xasprintf("%s/po", env);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		dirs[nd++] = xasprintf("%s/../share/trustwatch/po", exe);
		dirs[nd++] = xasprintf("%s/../report/po", exe);
		dirs[nd++] = xasprintf("%s/../../report/po", exe);
	}
	dirs[nd++] = xstrdup("report/po");
	for (size_t i = 0; i < nd && c == NULL; i++)
		c = try_dir(dirs[i], lang, err);
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	if (c == NULL && *err == NULL)
		*err = xasprintf("no translations for '%s' found (%s.po in $TRUSTWATCH_DATADIR/po, "
		    "PREFIX/share/trustwatch/po or the source tree's report/po)", lang, lang);
	return c;
}

void
i18n_free(struct i18n *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->msgs[i].id);
		free(c->msgs[i].str);
		free(c->msgs[i].str1);
	}
	free(c->msgs);
	free(c->first_miss);
	free(c);
}

const char *
i18n_lang(const struct i18n *c)
{
	return c->lang;
}

const char *
i18n_get(struct i18n *c, const char *msgid)
{
	struct i18n_msg key = { .id = (char *)msgid }, *m;

	if (strcmp(c->lang, "en") == 0)
		return msgid;
	m = bsearch(&key, c->msgs, c->n, sizeof(*c->msgs), msg_cmp);
	if (m != NULL)
		return m->str;
	if (c->misses++ == 0)
		c->first_miss = xstrdup(msgid);
	return msgid;
}

/* Plural form index of n: fr uses the singular for 0 and 1, en and de for 1 only. */
static int
plural_form(const char *lang, unsigned long n)
{
	if (strcmp(lang, "fr") == 0)
		return n > 1;
	return n != 1;
}

const char *
i18n_nget(struct i18n *c, const char *singular, const char *plural, unsigned long n)
{
	struct i18n_msg key = { .id = (char *)singular }, *m;
	int form = plural_form(c->lang, n);

	if (strcmp(c->lang, "en") == 0)
		return form ? plural : singular;
	m = bsearch(&key, c->msgs, c->n, sizeof(*c->msgs), msg_cmp);
	if (m != NULL && m->str1 != NULL)
		return form ? m->str1 : m->str;
	if (c->misses++ == 0)
		c->first_miss = xstrdup(singular);
	return form ? plural : singular;
}

size_t
i18n_misses(const struct i18n *c)
{
	return c->misses;
}

const char *
i18n_first_miss(const struct i18n *c)
{
	return c->first_miss;
}

/* Two digits of v (0..99) at p. */
static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

static void
fmt_date(const char *lang, int y, int m, int d, char *out, size_t outsz)
{
	/* The common case without snprintf, same bytes: "%02d" of 1..31, "%04d" of 0..9999. */
	if (outsz >= 11 && y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
		bool fr = strcmp(lang, "fr") == 0, de = !fr && strcmp(lang, "de") == 0;

		if (fr || de) {
			put2(out, d);
			out[2] = fr ? '/' : '.';
			put2(out + 3, m);
			out[5] = fr ? '/' : '.';
			put2(out + 6, y / 100);
			put2(out + 8, y % 100);
		} else {
			put2(out, y / 100);
			put2(out + 2, y % 100);
			out[4] = '-';
			put2(out + 5, m);
			out[7] = '-';
			put2(out + 8, d);
		}
		out[10] = '\0';
		return;
	}
	if (strcmp(lang, "fr") == 0)
		snprintf(out, outsz, "%02d/%02d/%04d", d, m, y);
	else if (strcmp(lang, "de") == 0)
		snprintf(out, outsz, "%02d.%02d.%04d", d, m, y);
	else
		snprintf(out, outsz, "%04d-%02d-%02d", y, m, d);
}

void
i18n_datetime(const struct i18n *c, const struct tz *z, int64_t ms, char *out, size_t outsz)
{
	struct tm tm;
	char d[32];

	tz_tm(z, ms, &tm);
	fmt_date(c->lang, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, d, sizeof(d));
	if (strlen(d) == 10 && outsz >= 17) {
		memcpy(out, d, 10);
		out[10] = ' ';
		put2(out + 11, tm.tm_hour);
		out[13] = ':';
		put2(out + 14, tm.tm_min);
		out[16] = '\0';
		return;
	}
	snprintf(out, outsz, "%s %02d:%02d", d, tm.tm_hour, tm.tm_min);
}

void
i18n_datetime_zone(const struct i18n *c, const struct tz *z, int64_t ms, char *out, size_t outsz)
{
	struct tm tm;
	size_t n;

	i18n_datetime(c, z, ms, out, outsz);
	tz_tm(z, ms, &tm);
	n = strlen(out);
	if (n < outsz)
		snprintf(out + n, outsz - n, ":%02d %s", tm.tm_sec, tm.tm_zone != NULL ? tm.tm_zone : "");
}

void
i18n_date(const struct i18n *c, const struct tz *z, int64_t ms, char *out, size_t outsz)
{
	struct tm tm;

	tz_tm(z, ms, &tm);
	fmt_date(c->lang, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, out, outsz);
}

void
i18n_day(const struct i18n *c, const char *day, char *out, size_t outsz)
{
	int y, m, d;

	if (sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		snprintf(out, outsz, "%s", day);
		return;
	}
	fmt_date(c->lang, y, m, d, out, outsz);
}

void
i18n_month(struct i18n *c, int year, int month, char *out, size_t outsz)
{
	static const char *const names[12] = {
		"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December",
	};

	if (month < 1 || month > 12) {
		snprintf(out, outsz, "%04d-%02d", year, month);
		return;
	}
	snprintf(out, outsz, "%s %04d", i18n_get(c, names[month - 1]), year);
}

void
i18n_number(const struct i18n *c, double v, int decimals, char *out, size_t outsz)
{
	char *dot;

	fixed_format(v, decimals, out, outsz);
	if (strcmp(c->lang, "en") != 0 && (dot = strchr(out, '.')) != NULL)
		*dot = ',';
}

void
i18n_percent(const struct i18n *c, double pct, char *out, size_t outsz)
{
	char num[64];
	double t;

	if (pct < 0 || isnan(pct)) {
		snprintf(out, outsz, "\xE2\x80\x93");
		return;
	}
	t = floor(pct * 100 + 1e-9) / 100;	/* 99.999 stays 99.99, never 100 */
	if (t >= 100)
		snprintf(num, sizeof(num), "100");
	else
		i18n_number(c, t, 2, num, sizeof(num));
	if (strcmp(c->lang, "fr") == 0)
		snprintf(out, outsz, "%s\xE2\x80\xAF%%", num);
	else if (strcmp(c->lang, "de") == 0)
		snprintf(out, outsz, "%s\xC2\xA0%%", num);
	else
		snprintf(out, outsz, "%s%%", num);
}

void
i18n_duration(struct i18n *c, int64_t ms, char *out, size_t outsz)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
	const char *ud = i18n_get(c, "d"), *uh = i18n_get(c, "h"), *um = i18n_get(c, "min");

	if (d > 0)
		snprintf(out, outsz, "%lld\xC2\xA0%s %lld\xC2\xA0%s", (long long)d, ud, (long long)h, uh);
	else if (h > 0)
		snprintf(out, outsz, "%lld\xC2\xA0%s %lld\xC2\xA0%s", (long long)h, uh, (long long)m, um);
	else if (m > 0)
		snprintf(out, outsz, "%lld\xC2\xA0%s %lld\xC2\xA0s", (long long)m, um, (long long)sec);
	else
		snprintf(out, outsz, "%lld\xC2\xA0s", (long long)sec);
}

char *
i18n_subst(const char *tpl, const char *const *args, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz == 0)
		return out;
	for (const char *p = tpl; *p && o + 1 < outsz; p++) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}' &&
		    (size_t)(p[1] - '1') < n) {
			const char *a = args[p[1] - '1'];
			size_t l = strlen(a);

			if (l > outsz - 1 - o)
				l = outsz - 1 - o;
			memcpy(out + o, a, l);
			o += l;
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}
