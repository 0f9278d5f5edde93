/* trustwatch export: results, incidents or daily rollups as CSV or JSON lines, streamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "csv.h"
#include "json.h"
#include "../core/tz.h"
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
		/* Every address's own result too, with its address (SPEC §14). */
		rc = store_each_result_all(st, x->from_ms, x->to_ms, x->provider, on_result, &e);
		break;
	case REPORT_INCIDENTS:
		rc = store_each_incident(st, x->provider, x->from_ms, on_incident, &e);
		break;
	case REPORT_DAILY: {
		char from[40] = "0000-01-01", to[40] = "9999-12-31";

		if (x->from_ms > 0)
			tz_day(x->tz, x->from_ms, from, sizeof(from));
		if (x->to_ms < INT64_MAX)
			tz_day(x->tz, x->to_ms - 1, to, sizeof(to));
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
report_parse_bound(const char *s, const struct tz *z, int end_of_day, int64_t *ms)
{
	int y, m, d, n = 0;

	if (rfc3339_parse(s, ms) == 0)
		return 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[10] != '\0' ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*ms = tz_midnight_ms(z, y, m, d + (end_of_day ? 1 : 0));
	return 0;
}
