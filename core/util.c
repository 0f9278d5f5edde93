#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>

#include "util.h"

static void
oom(void)
{
	fputs("trustwatch: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

/* Makes room for n more bytes and the terminating NUL. */
static void
buf_reserve(struct buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	/* Formats straight into the spare room; grows and formats again when short. */
	if (b->cap - b->len < 128)
		buf_reserve(b, 128);
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf((char *)b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	if ((size_t)n >= room) {
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		n = vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
		if (n < 0)
			oom();
	}
	b->len += (size_t)n;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
duration_parse(const char *s, int64_t *ms)
{
	static const struct { const char *u; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 7 * 86400000LL },
	};
	int64_t total = 0;
	int last = -1;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		int64_t v = 0;
		int digits = 0, u = -1;

		while (isdigit((unsigned char)*s)) {
			if (v > INT64_MAX / 10 - 10)
				return -1;
			v = v * 10 + (*s++ - '0');
			digits++;
		}
		if (digits == 0)
			return -1;
		for (size_t i = 0; i < NELEM(units); i++) {
			size_t n = strlen(units[i].u);

			if (strncmp(s, units[i].u, n) == 0 &&
			    (u < 0 || n > strlen(units[u].u)))
				u = (int)i;
		}
		if (u < 0)
			return -1;
		/* Units must go from large to small, each at most once: "1h30m", not "30m1h". */
		if (last >= 0 && units[u].ms >= units[last].ms)
			return -1;
		last = u;
		s += strlen(units[u].u);
		if (v > INT64_MAX / units[u].ms || total > INT64_MAX - v * units[u].ms)
			return -1;
		total += v * units[u].ms;
	}
	*ms = total;
	return 0;
}

void
duration_format(int64_t ms, char *out, size_t outsz)
{
	static const struct { const char *u; int64_t ms; } units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	};
	size_t off = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (ms == 0) {
		snprintf(out, outsz, "0s");
		return;
	}
	for (size_t i = 0; i < NELEM(units) && ms > 0; i++) {
		if (ms >= units[i].ms) {
			int n = snprintf(out + off, outsz - off, "%lld%s",
			    (long long)(ms / units[i].ms), units[i].u);
			if (n < 0 || (size_t)n >= outsz - off)
				return;
			off += (size_t)n;
			ms %= units[i].ms;
		}
	}
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int
rfc3339_parse(const char *s, int64_t *ms)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, frac = 0, oh, om;
	int64_t t;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (s == NULL)
		return -1;
	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
	    digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
		return -1;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' ||
	    digits(&s, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (*s == '.') {
		int n = 0, scale = 1000;

		s++;
		while (isdigit((unsigned char)*s)) {
			if (n < 3) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
			n++;
			s++;
		}
		if (n == 0)
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	t = (int64_t)timegm(&tm);
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '+' ? 1 : -1;

		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
		t -= sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

/* Two digits of v (0..99) at p. */
static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * The UTC civil date and time of epoch second t, 0 <= t < year 10000 (H. Hinnant's
 * days-to-civil, proleptic Gregorian, as gmtime).
 */
static void
utc_civil(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *sec)
{
	int64_t days = t / 86400, rem = t % 86400;
	int64_t z = days + 719468, era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*mo <= 2));
	*h = (int)(rem / 3600);
	*mi = (int)(rem % 3600 / 60);
	*sec = (int)(rem % 60);
}

#define RFC3339_FAST_MAX	253402300800000LL	/* 10000-01-01T00:00:00Z */

/* Writes "YYYY-MM-DDTHH:MM:SS" (19 bytes, no NUL) for t in the fast range. */
static void
put_datetime(char *out, time_t t)
{
	int y, mo, d, h, mi, sec;

	utc_civil(t, &y, &mo, &d, &h, &mi, &sec);
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, mo);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, h);
	out[13] = ':';
	put2(out + 14, mi);
	out[16] = ':';
	put2(out + 17, sec);
}

void
rfc3339_format(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	struct tm tm;

	if (ms >= 0 && ms < RFC3339_FAST_MAX && outsz >= 25) {
		put_datetime(out, t);
		out[19] = '.';
		out[20] = (char)('0' + frac / 100);
		put2(out + 21, frac % 100);
		out[23] = 'Z';
		out[24] = '\0';
		return;
	}
	gmtime_r(&t, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

void
rfc3339_format_s(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (ms >= 0 && ms < RFC3339_FAST_MAX && outsz >= 21) {
		put_datetime(out, t);
		out[19] = 'Z';
		out[20] = '\0';
		return;
	}
	gmtime_r(&t, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
file_open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), e;
	struct stat sb;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0)
		e = errno;
	else if (!S_ISREG(sb.st_mode))
		e = FILE_ENOTREG;
	else {
		/* A regular file never blocks: plain blocking reads from here on. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		return fd;
	}
	close(fd);
	errno = e;
	return -1;
}

const char *
file_strerror(int e)
{
	return e == FILE_ENOTREG ? "not a regular file (a FIFO, device, socket or directory)" :
	    strerror(e);
}

struct bio_st *
file_bio(const char *path)
{
	int fd = file_open_regular(path);
	BIO *bio;

	if (fd < 0)
		return NULL;
	if ((bio = BIO_new_fd(fd, BIO_CLOSE)) == NULL)
		close(fd);
	return bio;
}

int
file_read(const char *path, size_t max, unsigned char **data, size_t *len)
{
	int fd = file_open_regular(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
	struct buf b = { 0 };
	unsigned char chunk[65536];
	size_t n;

	if (f == NULL) {
		if (fd >= 0) {
			int e = errno;

			close(fd);
			errno = e;
		}
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max) {
			fclose(f);
			buf_free(&b);
			errno = EFBIG;
			return -1;
		}
		buf_append(&b, chunk, n);
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		buf_free(&b);
		errno = e ? e : EIO;
		return -1;
	}
	fclose(f);
	if (b.data == NULL)
		buf_append(&b, "", 0);
	*data = b.data;
	*len = b.len;
	return 0;
}

size_t
fixed_format(double v, int decimals, char *out, size_t outsz)
{
	static const double scales[] = { 1, 10, 100, 1000 };
	static const int64_t iscales[] = { 1, 10, 100, 1000 };
	double scale, m, r;
	int64_t n, ip, fp;
	char tmp[32];
	size_t len = 0, o = 0;
	int k;

	/*
	 * n = v * 10^decimals rounded half to even on the exact binary value, as printf does:
	 * m = floor(v * scale) (possibly one off), r = v * scale - m rounded once (fma). r can
	 * only be judged wrongly against 1/2 when it rounds to exactly 1/2: then, and outside
	 * the common range, printf decides.
	 */
	if (decimals < 0 || decimals > 3 || outsz < 32 || !(v >= 0 && v < 1e12) || signbit(v))
		goto slow;
	scale = scales[decimals];
	m = floor(v * scale);
	r = fma(v, scale, -m);
	if (r < 0) {
		m -= 1;
		r = fma(v, scale, -m);
	} else if (r >= 1) {
		m += 1;
		r = fma(v, scale, -m);
	}
	if (!(r >= 0 && r < 1) || r == 0.5)
		goto slow;
	n = (int64_t)m + (r > 0.5);
	ip = n / iscales[decimals];
	fp = n % iscales[decimals];
	do {
		tmp[len++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip > 0);
	while (len > 0)
		out[o++] = tmp[--len];
	if (decimals > 0) {
		out[o++] = '.';
		for (k = decimals - 1; k >= 0; k--) {
			out[o + (size_t)k] = (char)('0' + fp % 10);
			fp /= 10;
		}
		o += (size_t)decimals;
	}
	out[o] = '\0';
	return o;
slow:
	k = snprintf(out, outsz, "%.*f", decimals, v);
	if (k < 0)
		k = 0;
	return (size_t)k < outsz ? (size_t)k : outsz ? outsz - 1 : 0;
}

void
fnv1a(uint64_t *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		*h ^= p[i];
		*h *= 0x100000001b3ULL;
	}
}
