/* RFC 4180 writing. See csv.h. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "html.h"
#include "../core/util.h"

void
csv_field(FILE *f, const char *s, bool first)
{
	const unsigned char *q;
	char *clean;

	if (!first)
		fputc(',', f);
	if (s == NULL || *s == '\0')
		return;
	/* Printable ASCII (and tab) without a comma or quote: as it is. */
	for (q = (const unsigned char *)s; *q; q++)
		if (*q >= 0x80 || (*q < 0x20 && *q != '\t') || *q == ',' || *q == '"')
			break;
	if (*q == '\0') {
		fwrite(s, 1, (size_t)(q - (const unsigned char *)s), f);
		return;
	}
	clean = html_utf8_clean(s);
	if (strpbrk(clean, ",\"\r\n") == NULL) {
		fputs(clean, f);
	} else {
		fputc('"', f);
		for (const char *p = clean; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	free(clean);
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
csv_num(FILE *f, double v, int decimals)
{
	char s[64] = "";

	if (v >= 0)
		fixed_format(v, decimals, s, sizeof(s));
	csv_field(f, s, false);
}

static void
csv_int(FILE *f, int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	csv_field(f, s, false);
}

void
csv_result(FILE *f, const struct store_row *r)
{
	char t[40];

	rfc3339_format(r->time_ms, t, sizeof(t));
	csv_field(f, t, true);
	csv_field(f, r->provider, false);
	csv_field(f, r->endpoint, false);
	csv_field(f, r->kind, false);
	csv_field(f, status_names[r->status], false);
	csv_field(f, reason_names[r->reason], false);
	csv_num(f, r->timings[PHASE_TOTAL], 1);
	csv_field(f, r->message, false);
	csv_end(f);
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
	csv_field(f, d->day, true);
	csv_field(f, d->provider, false);
	csv_field(f, d->endpoint, false);
	csv_int(f, d->checks);
	csv_int(f, d->up);
	csv_int(f, d->degraded);
	csv_int(f, d->down);
	csv_int(f, d->maintenance);
	csv_num(f, d->uptime_pct, 3);
	csv_num(f, d->p50_ms, 1);
	csv_num(f, d->p95_ms, 1);
	csv_end(f);
}
