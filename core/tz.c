/*
 * Time zones as values (RFC 8536 TZif files and POSIX TZ rules), by arithmetic alone:
 * the process time zone (TZ and the C library's local time) is never read nor set, so one
 * process can use several zones at once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"
#include "util.h"

#define TZ_DIR		"/usr/share/zoneinfo/"
#define TZ_MAX_FILE	(256 * 1024)	/* the largest installed zone is under 4 KiB */
#define TZ_MAX_OFF	(26 * 3600)	/* RFC 8536: offsets within -25:59:59..+25:59:59 */

struct tz_type {
	int32_t		 off;		/* seconds east of UTC */
	bool		 dst;
	const char	*abbr;		/* into tz->chars */
};

/* One end of a POSIX rule's daylight saving time: Jn, n or Mm.w.d, then a time of day. */
struct tz_date {
	char		 kind;		/* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
	int		 n, m, w, d;
	int32_t		 time;		/* seconds after local midnight, -167h..167h */
};

struct tz_rule {
	char		 std_abbr[32], dst_abbr[32];
	int32_t		 std_off, dst_off;	/* seconds east of UTC */
	bool		 has_dst;
	struct tz_date	 start, end;
};

struct tz {
	char		*name;
	int64_t		*trans;		/* transition times, ascending */
	unsigned char	*idx;		/* the type from each transition on */
	size_t		 n_trans;
	struct tz_type	*types;
	size_t		 n_types;
	char		*chars;		/* abbreviations, NUL-terminated */
	bool		 has_rule;	/* the footer's rule applies after the last transition */
	struct tz_rule	 rule;
};

int64_t
tz_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

/* Parses an abbreviation: 3 or more letters, or <...> of letters, digits, + and -. */
static int
rule_name(const char **s, char *out, size_t outsz)
{
	const char *p = *s;
	size_t n = 0;

	if (*p == '<') {
		p++;
		while (isalnum((unsigned char)p[n]) || p[n] == '+' || p[n] == '-')
			n++;
		if (p[n] != '>' || n < 3 || n >= outsz)
			return -1;
		memcpy(out, p, n);
		out[n] = '\0';
		*s = p + n + 1;
		return 0;
	}
	while (isalpha((unsigned char)p[n]))
		n++;
	if (n < 3 || n >= outsz)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	*s = p + n;
	return 0;
}

/* Parses [+-]hh[:mm[:ss]] with hh <= max_h; *v is in seconds, signed as written. */
static int
rule_hms(const char **s, int max_h, int32_t *v)
{
	const char *p = *s;
	int sign = 1, part[3] = { 0, 0, 0 };

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		int n = 0;

		if (i > 0) {
			if (*p != ':')
				break;
			p++;
		}
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p) && n < 4)
			part[i] = part[i] * 10 + (*p++ - '0'), n++;
		if (isdigit((unsigned char)*p) || (i > 0 && (n != 2 || part[i] > 59)))
			return -1;
	}
	if (part[0] > max_h)
		return -1;
	*v = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*s = p;
	return 0;
}

static int
rule_int(const char **s, int lo, int hi, int *v)
{
	const char *p = *s;
	int n = 0, k = 0;

	while (isdigit((unsigned char)*p) && k < 4)
		n = n * 10 + (*p++ - '0'), k++;
	if (k == 0 || isdigit((unsigned char)*p) || n < lo || n > hi)
		return -1;
	*v = n;
	*s = p;
	return 0;
}

static int
rule_date(const char **s, struct tz_date *d)
{
	const char *p = *s;

	memset(d, 0, sizeof(*d));
	if (*p == 'J') {
		p++;
		d->kind = 'J';
		if (rule_int(&p, 1, 365, &d->n) != 0)
			return -1;
	} else if (*p == 'M') {
		p++;
		d->kind = 'M';
		if (rule_int(&p, 1, 12, &d->m) != 0 || *p++ != '.' || rule_int(&p, 1, 5, &d->w) != 0 ||
		    *p++ != '.' || rule_int(&p, 0, 6, &d->d) != 0)
			return -1;
	} else {
		d->kind = 'D';
		if (rule_int(&p, 0, 365, &d->n) != 0)
			return -1;
	}
	d->time = 2 * 3600;
	if (*p == '/') {
		p++;
		if (rule_hms(&p, 167, &d->time) != 0)
			return -1;
	}
	*s = p;
	return 0;
}

/* Parses a POSIX TZ string (the TZif footer); "" is no rule. */
static int
rule_parse(const char *s, struct tz_rule *r)
{
	int32_t v;

	memset(r, 0, sizeof(*r));
	if (rule_name(&s, r->std_abbr, sizeof(r->std_abbr)) != 0 || rule_hms(&s, 24, &v) != 0)
		return -1;
	r->std_off = -v;
	r->dst_off = r->std_off + 3600;
	if (*s == '\0')
		return 0;
	if (rule_name(&s, r->dst_abbr, sizeof(r->dst_abbr)) != 0)
		return -1;
	r->has_dst = true;
	if (*s != ',' && *s != '\0') {
		if (rule_hms(&s, 24, &v) != 0)
			return -1;
		r->dst_off = -v;
	}
	if (*s == '\0') {
		/* POSIX leaves the default rule to the implementation; glibc uses the US one. */
		const char *us = ",M3.2.0,M11.1.0";

		s = us;
	}
	if (*s++ != ',' || rule_date(&s, &r->start) != 0 || *s++ != ',' ||
	    rule_date(&s, &r->end) != 0 || *s != '\0')
		return -1;
	return 0;
}

/* Epoch seconds of local midnight (in no particular offset) of d in year y. */
static int64_t
rule_day_s(const struct tz_date *d, int y)
{
	int64_t day;

	if (d->kind == 'J')
		day = tz_days_from_civil(y, 1, 1) + d->n - 1 + (leap_year(y) && d->n >= 60);
	else if (d->kind == 'D')
		day = tz_days_from_civil(y, 1, 1) + d->n;
	else {
		static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int64_t first = tz_days_from_civil(y, d->m, 1);
		int wd1 = (int)((first % 7 + 7 + 4) % 7);	/* 1970-01-01 was a Thursday */
		int md = (d->d - wd1 + 7) % 7 + 1 + (d->w - 1) * 7;
		int len = mdays[d->m - 1] + (d->m == 2 && leap_year(y));

		while (md > len)
			md -= 7;
		day = first + md - 1;
	}
	return day * 86400;
}

static void
rule_lookup(const struct tz_rule *r, int64_t t, struct tz_type *out)
{
	int64_t start, end;
	int y, m, d;
	bool dst;

	out->off = r->std_off;
	out->dst = false;
	out->abbr = r->std_abbr;
	if (!r->has_dst)
		return;
	tz_civil_from_days(floor_div(t + r->std_off, 86400), &y, &m, &d);
	start = rule_day_s(&r->start, y) + r->start.time - r->std_off;
	end = rule_day_s(&r->end, y) + r->end.time - r->dst_off;
	if (start < end)
		dst = t >= start && t < end;
	else
		dst = t < end || t >= start;
	if (dst) {
		out->off = r->dst_off;
		out->dst = true;
		out->abbr = r->dst_abbr;
	}
}

/* ---- TZif ---- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	int		 version;	/* 1, 2, 3 (or 4) */
	uint32_t	 isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int
tzif_header(const unsigned char *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = p[4] == 0 ? 1 : p[4] >= '2' && p[4] <= '4' ? p[4] - '0' : -1;
	if (h->version < 0)
		return -1;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 || h->charcnt > 4096 ||
	    h->timecnt > 100000 || h->leapcnt > 100000 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

/* The size of the data block after a header, with tsize-byte times. */
static size_t
tzif_block(const struct tzif_hdr *h, size_t tsize)
{
	return (size_t)h->timecnt * tsize + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
	    (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static const char *
tzif_parse(struct tz *z, const unsigned char *p, size_t len)
{
	struct tzif_hdr h;
	size_t tsize = 4, block;
	const unsigned char *q;

	if (tzif_header(p, len, &h) != 0)
		return "not a TZif file";
	block = tzif_block(&h, 4);
	if (len - 44 < block)
		return "truncated TZif data";
	if (h.version >= 2) {
		p += 44 + block;
		len -= 44 + block;
		if (tzif_header(p, len, &h) != 0)
			return "bad TZif version 2+ header";
		tsize = 8;
		block = tzif_block(&h, 8);
		if (len - 44 < block)
			return "truncated TZif data";
	}
	q = p + 44;
	z->n_trans = h.timecnt;
	z->trans = xcalloc(h.timecnt ? h.timecnt : 1, sizeof(*z->trans));
	z->idx = xcalloc(h.timecnt ? h.timecnt : 1, 1);
	for (size_t i = 0; i < h.timecnt; i++, q += tsize) {
		z->trans[i] = tsize == 8 ? be64(q) : (int32_t)be32(q);
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			return "TZif transitions out of order";
	}
	for (size_t i = 0; i < h.timecnt; i++, q++) {
		if (*q >= h.typecnt)
			return "TZif transition to an unknown type";
		z->idx[i] = *q;
	}
	z->chars = xcalloc(h.charcnt + 1, 1);
	memcpy(z->chars, q + (size_t)h.typecnt * 6, h.charcnt);
	z->n_types = h.typecnt;
	z->types = xcalloc(h.typecnt, sizeof(*z->types));
	for (size_t i = 0; i < h.typecnt; i++, q += 6) {
		int32_t off = (int32_t)be32(q);

		if (off <= -TZ_MAX_OFF || off >= TZ_MAX_OFF || q[4] > 1 || q[5] >= h.charcnt)
			return "bad TZif local time type";
		z->types[i].off = off;
		z->types[i].dst = q[4] == 1;
		z->types[i].abbr = z->chars + q[5];
	}
	/* Leap second records are ignored: the zones under /usr/share/zoneinfo have none. */
	p += 44 + block;
	len -= 44 + block;
	if (h.version >= 2) {
		const unsigned char *nl;
		char *footer;
		int bad;

		if (len < 2 || p[0] != '\n' || (nl = memchr(p + 1, '\n', len - 1)) == NULL)
			return "missing TZif footer";
		if (nl == p + 1)
			return NULL;
		footer = xmalloc((size_t)(nl - p));
		memcpy(footer, p + 1, (size_t)(nl - p - 1));
		footer[nl - p - 1] = '\0';
		bad = rule_parse(footer, &z->rule);
		free(footer);
		if (bad)
			return "bad TZ rule in the TZif footer";
		z->has_rule = true;
	}
	return NULL;
}

static struct tz *
tz_utc(void)
{
	struct tz *z = xcalloc(1, sizeof(*z));

	z->name = xstrdup("UTC");
	z->chars = xstrdup("UTC");
	z->n_types = 1;
	z->types = xcalloc(1, sizeof(*z->types));
	z->types[0].abbr = z->chars;
	return z;
}

struct tz *
tz_load(const char *name, char **err)
{
	struct tz *z;
	unsigned char *data = NULL;
	size_t len = 0;
	const char *why;
	char *path;

	*err = NULL;
	if (name == NULL || *name == '\0' || strcmp(name, "UTC") == 0)
		return tz_utc();
	if (name[0] == '/' || strstr(name, "..") != NULL || strlen(name) > 255) {
		*err = xasprintf("time zone '%s': not an IANA name (such as Europe/Luxembourg)", name);
		return NULL;
	}
	path = xasprintf(TZ_DIR "%s", name);
	if (file_read(path, TZ_MAX_FILE, &data, &len) != 0) {
		int e = errno;

		*err = e == ENOENT || e == ENOTDIR ?
		    xasprintf("time zone '%s': unknown (no %s)", name, path) :
		    xasprintf("time zone '%s': %s: %s", name, path,
		    e == EFBIG ? "too large for a TZif file" : file_strerror(e));
		free(path);
		return NULL;
	}
	z = xcalloc(1, sizeof(*z));
	z->name = xstrdup(name);
	if ((why = tzif_parse(z, data, len)) != NULL) {
		*err = xasprintf("time zone '%s': %s: %s", name, path, why);
		tz_free(z);
		z = NULL;
	}
	free(data);
	free(path);
	return z;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->idx);
	free(z->types);
	free(z->chars);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z != NULL ? z->name : "UTC";
}

static void
lookup(const struct tz *z, int64_t t, struct tz_type *out)
{
	static const struct tz_type utc = { 0, false, "UTC" };
	size_t lo, hi;

	if (z == NULL) {
		*out = utc;
		return;
	}
	if (z->n_trans == 0 || t >= z->trans[z->n_trans - 1]) {
		if (z->has_rule)
			rule_lookup(&z->rule, t, out);
		else
			*out = z->types[z->n_trans ? z->idx[z->n_trans - 1] : 0];
		return;
	}
	if (t < z->trans[0]) {
		*out = z->types[0];
		return;
	}
	lo = 0;				/* trans[lo] <= t < trans[hi] */
	hi = z->n_trans - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	*out = z->types[z->idx[lo]];
}

int
tz_offset_s(const struct tz *z, int64_t utc_s, const char **abbrev)
{
	struct tz_type ty;

	lookup(z, utc_s, &ty);
	if (abbrev != NULL)
		*abbrev = ty.abbr;
	return ty.off;
}

void
tz_tm(const struct tz *z, int64_t utc_ms, struct tm *out)
{
	int64_t t = floor_div(utc_ms, 1000), local, days, secs;
	struct tz_type ty;
	int y, m, d;

	lookup(z, t, &ty);
	local = t + ty.off;
	days = floor_div(local, 86400);
	secs = local - days * 86400;
	tz_civil_from_days(days, &y, &m, &d);
	memset(out, 0, sizeof(*out));
	out->tm_year = y - 1900;
	out->tm_mon = m - 1;
	out->tm_mday = d;
	out->tm_hour = (int)(secs / 3600);
	out->tm_min = (int)(secs / 60 % 60);
	out->tm_sec = (int)(secs % 60);
	out->tm_wday = (int)((days % 7 + 7 + 4) % 7);
	out->tm_yday = (int)(days - tz_days_from_civil(y, 1, 1));
	out->tm_isdst = ty.dst;
	out->tm_gmtoff = ty.off;
	out->tm_zone = ty.abbr;
}

void
tz_day(const struct tz *z, int64_t utc_ms, char *out, size_t outsz)
{
	struct tm tm;

	tz_tm(z, utc_ms, &tm);
	snprintf(out, outsz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/*
 * The earliest instant whose local time is local_s; in a gap (local_s skipped), the end
 * of the gap. Assumes at most one transition within 36 hours of local_s.
 */
static int64_t
local_to_utc(const struct tz *z, int64_t local_s)
{
	int32_t before = tz_offset_s(z, local_s - 36 * 3600, NULL);
	int32_t after = tz_offset_s(z, local_s + 36 * 3600, NULL);
	int64_t a = local_s - before, b = local_s - after;
	bool a_ok = tz_offset_s(z, a, NULL) == before, b_ok = tz_offset_s(z, b, NULL) == after;

	if (a_ok && b_ok)
		return a < b ? a : b;
	if (b_ok)
		return b;
	return a;
}

int64_t
tz_midnight_ms(const struct tz *z, int y, int m, int d)
{
	int64_t m0 = (int64_t)m - 1, yy = y + floor_div(m0, 12);
	int mm = (int)(m0 - floor_div(m0, 12) * 12) + 1;
	int64_t days = tz_days_from_civil((int)yy, mm, 1) + d - 1;

	return local_to_utc(z, days * 86400) * 1000;
}
