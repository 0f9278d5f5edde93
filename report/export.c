/* trustwatch export: results, incidents or daily rollups as CSV or JSON lines, streamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "csv.h"
#include "i18n.h"
#include "json.h"
#include "../core/util.h"

const char *const report_what_names[REPORT_WHAT__MAX] = {
	[REPORT_RESULTS] = "results",
	[REPORT_INCIDENTS] = "incidents",
	[REPORT_DAILY] = "daily",
};

struct export_ctx {
	const struct report_export *x;
	FILE		*f;
	int		 failed;
	int64_t		 rows;
};

/* Counts a row; every 100,000 rows, says so on stderr when asked to. */
static void
progress(struct export_ctx *e)
{
	if (++e->rows % 100000 == 0 && e->x->progress)
		fprintf(stderr, "\rtrustwatch: export: %lld rows", (long long)e->rows);
}

static int
on_result(const struct store_row *r, void *arg)
{
	struct export_ctx *e = arg;

	progress(e);
	if (e->x->format == REPORT_CSV)
		csv_result(e->f, r);
	else if (report_json_line(e->f, report_json_result(r)) != 0)
		e->failed = 1;
	return ferror(e->f) || e->failed;
}

static int
on_incident(const struct store_incident *in, void *arg)
{
	struct export_ctx *e = arg;

	if (in->start_ms >= e->x->to_ms)
		return 0;
	progress(e);
	if (e->x->format == REPORT_CSV)
		csv_incident(e->f, in);
	else if (report_json_line(e->f, report_json_incident(in)) != 0)
		e->failed = 1;
	return ferror(e->f) || e->failed;
}

static int
on_daily(const struct store_rollup *r, void *arg)
{
	struct export_ctx *e = arg;

	progress(e);
	if (e->x->format == REPORT_CSV)
		csv_daily(e->f, r);
	else if (report_json_line(e->f, report_json_daily(r)) != 0)
		e->failed = 1;
	return ferror(e->f) || e->failed;
}

/* The local day ("YYYY-MM-DD") of ms in the process time zone. */
static void
local_day(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(out, outsz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int
report_export(struct store *st, const struct report_export *x, FILE *f, char **err)
{
	struct export_ctx e = { .x = x, .f = f };
	int rc = 0;

	*err = NULL;
	if (x->format == REPORT_CSV)
		csv_header(f, x->what == REPORT_RESULTS ? CSV_RESULTS_HEADER :
		    x->what == REPORT_INCIDENTS ? CSV_INCIDENTS_HEADER : CSV_DAILY_HEADER);
	switch (x->what) {
	case REPORT_RESULTS:
		rc = store_each_result(st, x->from_ms, x->to_ms, x->provider, on_result, &e);
		break;
	case REPORT_INCIDENTS:
		rc = store_each_incident(st, x->provider, x->from_ms, on_incident, &e);
		break;
	case REPORT_DAILY: {
		char from[40] = "0000-01-01", to[40] = "9999-12-31", *tz = i18n_tz_enter(x->timezone);

		if (x->from_ms > 0)
			local_day(x->from_ms, from, sizeof(from));
		if (x->to_ms < INT64_MAX)
			local_day(x->to_ms - 1, to, sizeof(to));
		i18n_tz_leave(tz);
		rc = store_each_daily(st, from, to, x->provider, on_daily, &e);
		break;
	}
	default:
		rc = -1;
	}
	if (x->progress && e.rows >= 100000)
		fprintf(stderr, "\rtrustwatch: export: %lld rows, done\n", (long long)e.rows);
	if (rc != 0)
		*err = xasprintf("store: %s", store_error(st));
	else if (fflush(f) != 0 || ferror(f) || e.failed)
		*err = xstrdup("cannot write the output");
	return *err ? -1 : 0;
}

int
report_parse_bound(const char *s, const char *tz, int end_of_day, int64_t *ms)
{
	int y, m, d, n = 0;
	struct tm tm;
	char *saved;
	time_t t;

	if (rfc3339_parse(s, ms) == 0)
		return 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[10] != '\0' ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + (end_of_day ? 1 : 0);
	tm.tm_isdst = -1;
	saved = i18n_tz_enter(tz);
	t = mktime(&tm);
	i18n_tz_leave(saved);
	if (t == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000;
	return 0;
}
