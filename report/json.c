/* JSON rows and documents via jansson. See json.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "html.h"
#include "../core/util.h"

#define DUMP_FLAGS	(JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(10))

json_t *
report_json_str(const char *s)
{
	char *clean;
	json_t *j;

	if (s == NULL)
		return json_null();
	clean = html_utf8_clean(s);
	j = json_string(clean);
	free(clean);
	return j ? j : json_string("\xEF\xBF\xBD");
}

json_t *
report_json_time(int64_t ms)
{
	char t[40];

	if (ms < 0)
		return json_null();
	rfc3339_format(ms, t, sizeof(t));
	return json_string(t);
}

json_t *
report_json_num(double v, int decimals)
{
	double m = pow(10, decimals);

	if (v < 0 || isnan(v))
		return json_null();
	return json_real(round(v * m) / m);
}

json_t *
report_json_result(const struct store_row *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "time", report_json_time(r->time_ms));
	json_object_set_new(o, "provider", report_json_str(r->provider));
	json_object_set_new(o, "endpoint", report_json_str(r->endpoint));
	json_object_set_new(o, "kind", report_json_str(r->kind));
	json_object_set_new(o, "status", json_string(status_names[r->status]));
	json_object_set_new(o, "reason", json_string(reason_names[r->reason]));
	json_object_set_new(o, "total_ms", report_json_num(r->timings[PHASE_TOTAL], 1));
	json_object_set_new(o, "message", report_json_str(r->message));
	return o;
}

json_t *
report_json_incident(const struct store_incident *in)
{
	json_t *o = json_object(), *rs = json_array();
	const char *p = in->reasons ? in->reasons : "";

	while (*p) {
		size_t n = strcspn(p, ";");
		char *one = strndup(p, n);

		if (one == NULL)
			abort();
		if (n > 0)
			json_array_append_new(rs, report_json_str(one));
		free(one);
		p += n;
		if (*p == ';')
			p++;
	}
	json_object_set_new(o, "id", json_integer(in->id));
	json_object_set_new(o, "provider", report_json_str(in->provider));
	json_object_set_new(o, "endpoint", report_json_str(in->endpoint));
	json_object_set_new(o, "start", report_json_time(in->start_ms));
	json_object_set_new(o, "end", report_json_time(in->end_ms));
	json_object_set_new(o, "duration_s", in->end_ms >= 0 ?
	    json_integer((in->end_ms - in->start_ms) / 1000) : json_null());
	json_object_set_new(o, "worst_status", report_json_str(in->worst));
	json_object_set_new(o, "reasons", rs);
	return o;
}

json_t *
report_json_daily(const struct store_rollup *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "date", report_json_str(d->day));
	json_object_set_new(o, "provider", report_json_str(d->provider));
	json_object_set_new(o, "endpoint", report_json_str(d->endpoint));
	json_object_set_new(o, "checks", json_integer(d->checks));
	json_object_set_new(o, "up", json_integer(d->up));
	json_object_set_new(o, "degraded", json_integer(d->degraded));
	json_object_set_new(o, "down", json_integer(d->down));
	json_object_set_new(o, "maintenance", json_integer(d->maintenance));
	json_object_set_new(o, "uptime_pct", report_json_num(d->uptime_pct, 3));
	json_object_set_new(o, "p50_ms", report_json_num(d->p50_ms, 1));
	json_object_set_new(o, "p95_ms", report_json_num(d->p95_ms, 1));
	return o;
}

int
report_json_line(FILE *f, json_t *o)
{
	int rc = json_dumpf(o, f, JSON_COMPACT | DUMP_FLAGS);

	json_decref(o);
	if (rc != 0 || fputc('\n', f) == EOF)
		return -1;
	return 0;
}

int
report_json_file(const char *path, json_t *o)
{
	int rc = json_dump_file(o, path, JSON_INDENT(1) | JSON_ENSURE_ASCII | DUMP_FLAGS);

	json_decref(o);
	return rc == 0 ? 0 : -1;
}
