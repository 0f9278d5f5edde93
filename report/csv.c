/* RFC 4180 writing. See csv.h. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "html.h"
#include "../core/util.h"

/* A row being written: gathered here, handed to stdio in a few large writes. */
struct row {
	FILE		*f;
	size_t		 n;
	char		 b[1024];
};

static void
row_flush(struct row *r)
{
	if (r->n > 0)
		fwrite(r->b, 1, r->n, r->f);
	r->n = 0;
}

static void
row_put(struct row *r, const char *s, size_t n)
{
	if (n > sizeof(r->b) - r->n) {
		row_flush(r);
		if (n > sizeof(r->b)) {
			fwrite(s, 1, n, r->f);
			return;
		}
	}
	memcpy(r->b + r->n, s, n);
	r->n += n;
}

static void
row_field(struct row *r, const char *s, bool first)
{
	const unsigned char *q;
	char *clean;

	if (!first)
		row_put(r, ",", 1);
	if (s == NULL || *s == '\0')
		return;
	/* Printable ASCII (and tab) without a comma or quote: as it is. */
	for (q = (const unsigned char *)s; *q; q++)
		if (*q >= 0x80 || (*q < 0x20 && *q != '\t') || *q == ',' || *q == '"')
			break;
	if (*q == '\0') {
		row_put(r, s, (size_t)(q - (const unsigned char *)s));
		return;
	}
	clean = html_utf8_clean(s);
	if (strpbrk(clean, ",\"\r\n") == NULL) {
		row_put(r, clean, strlen(clean));
	} else {
		row_put(r, "\"", 1);
		for (const char *p = clean; *p; p++) {
			if (*p == '"')
				row_put(r, "\"", 1);
			row_put(r, p, 1);
		}
		row_put(r, "\"", 1);
	}
	free(clean);
}

void
csv_field(FILE *f, const char *s, bool first)
{
	struct row r = { .f = f };

	row_field(&r, s, first);
	row_flush(&r);
}

static void
row_end(struct row *r)
{
	row_put(r, "\r\n", 2);
	row_flush(r);
}

void
csv_end(FILE *f)
{
	fputs("\r\n", f);
}

void
csv_header(FILE *f, const char *header)
{
	fputs(header, f);
	csv_end(f);
}

static void
row_num(struct row *r, double v, int decimals)
{
	char s[64] = "";

	if (v >= 0)
		fixed_format(v, decimals, s, sizeof(s));
	row_field(r, s, false);
}

/* %lld */
static void
row_int(struct row *r, int64_t v)
{
	char s[32];
	size_t n = sizeof(s);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		s[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		s[--n] = '-';
	row_put(r, ",", 1);
	row_put(r, s + n, sizeof(s) - n);
}

void
csv_result(FILE *f, const struct store_row *res)
{
	struct row r = { .f = f };
	char t[40];

	rfc3339_format(res->time_ms, t, sizeof(t));
	row_field(&r, t, true);
	row_field(&r, res->provider, false);
	row_field(&r, res->endpoint, false);
	row_field(&r, res->kind, false);
	row_field(&r, status_names[res->status], false);
	row_field(&r, reason_names[res->reason], false);
	row_num(&r, res->timings[PHASE_TOTAL], 1);
	row_field(&r, res->message, false);
	/* v2 columns, appended (SPEC §10) */
	row_int(&r, res->maintenance ? 1 : 0);
	row_num(&r, res->timings[PHASE_DNS], 1);
	row_num(&r, res->timings[PHASE_CONNECT], 1);
	row_num(&r, res->timings[PHASE_TLS], 1);
	row_num(&r, res->timings[PHASE_TTFB], 1);
	row_field(&r, NULL, false);	/* node: one node with SQLite */
	/* address: "" for the endpoint's result, else one address's own (SPEC §14) */
	row_field(&r, res->address != NULL && res->address[0] != '\0' ? res->address : NULL,
	    false);
	row_end(&r);
}

void
csv_incident(FILE *f, const struct store_incident *in)
{
	char id[32], start[40], end[40] = "", dur[32] = "";

	snprintf(id, sizeof(id), "%lld", (long long)in->id);
	rfc3339_format(in->start_ms, start, sizeof(start));
	if (in->end_ms >= 0) {
		rfc3339_format(in->end_ms, end, sizeof(end));
		snprintf(dur, sizeof(dur), "%lld", (long long)((in->end_ms - in->start_ms) / 1000));
	}
	csv_field(f, id, true);
	csv_field(f, in->provider, false);
	csv_field(f, in->endpoint, false);
	csv_field(f, start, false);
	csv_field(f, end, false);
	csv_field(f, dur, false);
	csv_field(f, in->worst, false);
	csv_field(f, in->reasons, false);
	csv_end(f);
}

void
csv_daily(FILE *f, const struct store_rollup *d)
{
	struct row r = { .f = f };

	row_field(&r, d->day, true);
	row_field(&r, d->provider, false);
	row_field(&r, d->endpoint, false);
	row_int(&r, d->checks);
	row_int(&r, d->up);
	row_int(&r, d->degraded);
	row_int(&r, d->down);
	row_int(&r, d->maintenance);
	row_num(&r, d->uptime_pct, 3);
	row_num(&r, d->p50_ms, 1);
	row_num(&r, d->p95_ms, 1);
	/* v2 columns, appended: seconds, so every percentage can be recomputed */
	row_num(&r, (double)(d->up_ms + d->degraded_ms + d->down_ms) / 1000.0, 3);
	row_num(&r, (double)d->up_ms / 1000.0, 3);
	row_num(&r, (double)d->degraded_ms / 1000.0, 3);
	row_num(&r, (double)d->down_ms / 1000.0, 3);
	row_end(&r);
}
