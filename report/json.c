/* JSON rows and documents via jansson. See json.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "html.h"
#include "vantage.h"
#include "../core/deps.h"
#include "../core/qualified.h"
#include "../core/tz.h"
#include "../core/util.h"


const char *const report_window_keys[REPORT_WINDOWS] = { "24h", "7d", "30d", "90d" };
const int64_t report_window_ms[REPORT_WINDOWS] = {
	86400000LL, 7 * 86400000LL, 30 * 86400000LL, 90 * 86400000LL,
};

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

void
report_window_figures(const struct store_rollup *r, bool have, int64_t window_ms,
    int64_t observed_since_ms, int64_t now_ms, struct report_window_fig *f)
{
	int64_t span = window_ms - r->maintenance_ms;

	memset(f, 0, sizeof(*f));
	f->uptime_pct = have ? r->uptime_pct : -1;
	f->observed_ms = r->up_ms + r->degraded_ms + r->down_ms;
	f->coverage_pct = span > 0 ? 100.0 * (double)f->observed_ms / (double)span : 0;
	if (f->coverage_pct > 100)
		f->coverage_pct = 100;
	f->degraded_pct = f->observed_ms > 0 ?
	    100.0 * (double)r->degraded_ms / (double)f->observed_ms : -1;
	f->down_ms = r->down_ms;
	f->partial = observed_since_ms < 0 || observed_since_ms > now_ms - window_ms;
}

int64_t
report_observed_since(const struct store_endpoint_state *e, const struct tz *z)
{
	int64_t since = e->first_time_ms;
	int y, m, d;

	if (e->first_day != NULL && sscanf(e->first_day, "%4d-%2d-%2d", &y, &m, &d) == 3) {
		char first[32] = "";

		if (since >= 0) {
			struct tm lt;

			tz_tm(z, since, &lt);
			snprintf(first, sizeof(first), "%04d-%02d-%02d", (lt.tm_year + 1900) % 10000,
			    (lt.tm_mon + 1) % 100, lt.tm_mday % 100);
		}
		/* Rollups of an earlier day than the oldest raw result: those were pruned. */
		if (since < 0 || strcmp(e->first_day, first) < 0)
			since = tz_midnight_ms(z, y, m, d);
	}
	return since;
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
	/* v2 fields (SPEC §10), as the CSV's appended columns */
	json_object_set_new(o, "maintenance", json_integer(r->maintenance ? 1 : 0));
	json_object_set_new(o, "dns_ms", report_json_num(r->timings[PHASE_DNS], 1));
	json_object_set_new(o, "connect_ms", report_json_num(r->timings[PHASE_CONNECT], 1));
	json_object_set_new(o, "tls_ms", report_json_num(r->timings[PHASE_TLS], 1));
	json_object_set_new(o, "ttfb_ms", report_json_num(r->timings[PHASE_TTFB], 1));
	json_object_set_new(o, "node", json_null());
	json_object_set_new(o, "address", r->address != NULL && r->address[0] != '\0' ?
	    report_json_str(r->address) : json_null());
	return o;
}

char *
report_json_entry(const struct store_row *r, const char *node, const char *address)
{
	json_t *o = report_json_result(r);
	char *s;

	if (node != NULL && node[0] != '\0')
		json_object_set_new(o, "node", report_json_str(node));
	if (address != NULL && address[0] != '\0')
		json_object_set_new(o, "address", report_json_str(address));
	s = report_json_dump(o);
	json_decref(o);
	if (s == NULL)
		abort();	/* out of memory: every string was made valid UTF-8 */
	return s;
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
	json_object_set_new(o, "observed_s",
	    report_json_num((double)(d->up_ms + d->degraded_ms + d->down_ms) / 1000.0, 3));
	json_object_set_new(o, "up_s", report_json_num((double)d->up_ms / 1000.0, 3));
	json_object_set_new(o, "degraded_s", report_json_num((double)d->degraded_ms / 1000.0, 3));
	json_object_set_new(o, "down_s", report_json_num((double)d->down_ms / 1000.0, 3));
	return o;
}

int
report_json_line(FILE *f, json_t *o)
{
	char *s = report_json_dump(o);
	int rc = s != NULL && fputs(s, f) != EOF && fputc('\n', f) != EOF ? 0 : -1;

	free(s);
	json_decref(o);
	return rc;
}

/* o as one compact line plus "\n", released (caller frees; never NULL). */
static char *
dump_line(json_t *o)
{
	char *s = o ? report_json_dump(o) : NULL;
	char *line;

	json_decref(o);
	if (s == NULL)
		abort();	/* out of memory: every string was made valid UTF-8 */
	line = xasprintf("%s\n", s);
	free(s);
	return line;
}

/* What the site shows: "unknown" (never probed), "maintenance", or the latest status. */
static const char *
ep_state(const struct report_status_ep *e)
{
	if (!e->probed)
		return "unknown";
	return e->maintenance ? "maintenance" : status_names[e->status];
}

/* {"24h": {uptime_pct, degraded_pct, observed_s, coverage_pct, partial}, "7d": ...} */
static json_t *
windows_json(const struct report_status_ep *e, int64_t now_ms)
{
	json_t *ws = json_object();

	for (int w = 0; w < REPORT_WINDOWS; w++) {
		struct report_window_fig f;
		json_t *o = json_object();

		report_window_figures(&e->win[w], e->have_win[w], report_window_ms[w],
		    e->observed_since_ms, now_ms, &f);
		json_object_set_new(o, "uptime_pct", report_json_num(f.uptime_pct, 3));
		json_object_set_new(o, "degraded_pct", report_json_num(f.degraded_pct, 3));
		json_object_set_new(o, "observed_s", json_integer(f.observed_ms / 1000));
		json_object_set_new(o, "coverage_pct", report_json_num(f.coverage_pct, 3));
		json_object_set_new(o, "partial", json_boolean(f.partial));
		json_object_set_new(ws, report_window_keys[w], o);
	}
	return ws;
}

/* One node's newest result of an endpoint. */
static json_t *
node_view_json(const struct report_node_view *nv)
{
	json_t *o = json_object();

	json_object_set_new(o, "node", report_json_str(nv->node));
	json_object_set_new(o, "time", report_json_time(nv->time_ms));
	json_object_set_new(o, "status", json_string(status_names[nv->status]));
	json_object_set_new(o, "reason", json_string(reason_names[nv->reason]));
	json_object_set_new(o, "message", report_json_str(nv->message));
	json_object_set_new(o, "live", json_boolean(nv->live));
	json_object_set_new(o, "fresh", json_boolean(nv->fresh));
	json_object_set_new(o, "minority", json_boolean(nv->minority));
	return o;
}

/*
 * The endpoint's per-node view (SPEC §11): "nodes" (each node's newest result),
 * "minority" (those that disagree with the verdict, which never open an incident) and
 * "quorum" (the verdict they reach: needed, fresh, agree).
 */
static void
vantage_fields(json_t *o, const struct report_vantage *v, const struct report_status_ep *e)
{
	const struct report_vantage_ep *ve = v ? report_vantage_find(v, e->provider, e->endpoint) :
	    NULL;
	json_t *nodes = json_array(), *minority = json_array(), *q;

	for (size_t i = 0; ve != NULL && i < ve->n_views; i++) {
		json_array_append_new(nodes, node_view_json(&ve->views[i]));
		if (ve->views[i].minority)
			json_array_append_new(minority, node_view_json(&ve->views[i]));
	}
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "minority", minority);
	/* With one vantage point (or none heard yet) its result is the verdict: no quorum. */
	if (ve == NULL || v->n_nodes <= 1) {
		json_object_set_new(o, "quorum", json_null());
		return;
	}
	q = json_object();
	json_object_set_new(q, "verdict", json_string(ve->q.verdict == VERDICT_UNKNOWN ? "unknown" :
	    status_names[ve->q.verdict]));
	json_object_set_new(q, "needed", json_integer(ve->q.needed));
	json_object_set_new(q, "fresh", json_integer(ve->q.fresh));
	json_object_set_new(q, "agree", json_integer(ve->q.agree));
	json_object_set_new(o, "quorum", q);
}

static json_t *
status_ep(const struct report_status_ep *e, int64_t now_ms)
{
	json_t *o = json_object(), *up = json_object(), *lat = json_object(), *tm;
	const struct store_rollup *d = &e->win[0];
	bool d_ok = e->have_win[0];

	json_object_set_new(o, "provider", report_json_str(e->provider));
	json_object_set_new(o, "endpoint", report_json_str(e->endpoint));
	json_object_set_new(o, "id", report_json_str(e->endpoint));
	json_object_set_new(o, "kind", report_json_str(e->kind));
	json_object_set_new(o, "status", json_string(ep_state(e)));
	json_object_set_new(o, "last_status", e->probed ? json_string(status_names[e->status]) :
	    json_null());
	json_object_set_new(o, "reason", e->probed ? json_string(reason_names[e->reason]) :
	    json_null());
	json_object_set_new(o, "message", report_json_str(e->probed ? e->message : NULL));
	json_object_set_new(o, "time", report_json_time(e->probed ? e->last_ms : -1));
	json_object_set_new(o, "last_check", report_json_time(e->probed ? e->last_ms : -1));
	json_object_set_new(o, "maintenance", json_boolean(e->probed && e->maintenance));
	json_object_set_new(o, "incident", e->open_incident > 0 ?
	    json_integer(e->open_incident) : json_null());
	json_object_set_new(o, "open_incident", e->open_incident > 0 ?
	    json_integer(e->open_incident) : json_null());
	json_object_set_new(o, "since", report_json_time(e->since_ms));
	for (int w = 0; w < REPORT_WINDOWS; w++)
		json_object_set_new(up, report_window_keys[w], e->have_win[w] ?
		    report_json_num(e->win[w].uptime_pct, 3) : json_null());
	json_object_set_new(o, "uptime_pct", up);
	json_object_set_new(o, "observed_since", report_json_time(e->observed_since_ms));
	/* SPEC §14: every address's latest, when the host has several. */
	if (e->addresses != NULL)
		json_object_set(o, detail_fields[DETAIL_ADDRESSES].key, e->addresses);
	json_object_set_new(o, "windows", windows_json(e, now_ms));
	json_object_set_new(lat, "p50", report_json_num(d_ok ? d->p50_ms : -1, 1));
	json_object_set_new(lat, "p95", report_json_num(d_ok ? d->p95_ms : -1, 1));
	json_object_set_new(lat, "p99", report_json_num(d_ok ? d->p99_ms : -1, 1));
	json_object_set_new(o, "latency_24h_ms", lat);
	if (e->probed) {
		tm = json_object();
		for (int p = 0; p < PHASE__MAX; p++)
			json_object_set_new(tm, phase_names[p], report_json_num(e->timings[p], 1));
	} else {
		tm = json_null();
	}
	json_object_set_new(o, "timings", tm);
	return o;
}

/* The worse of two states by the order unknown < up < degraded < down. */
static const char *
worse(const char *a, const char *b)
{
	if (strcmp(a, "unknown") == 0)
		return b;
	if (strcmp(b, "unknown") == 0)
		return a;
	return status_from_name(a) >= status_from_name(b) ? a : b;
}

/* Announced maintenance not over yet: [{provider, endpoint, start, end, note, in_progress}]. */
static json_t *
maintenance_json(const struct report_status *st)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < st->n_maintenance; i++) {
		const struct conf_maintenance *m = &st->maintenance[i];
		json_t *o;

		if (m->end_ms <= st->generated_ms)
			continue;
		o = json_object();
		json_object_set_new(o, "provider", report_json_str(m->provider));
		json_object_set_new(o, "endpoint", report_json_str(m->endpoint));
		json_object_set_new(o, "start", report_json_time(m->start_ms));
		json_object_set_new(o, "end", report_json_time(m->end_ms));
		json_object_set_new(o, "note", report_json_str(m->note));
		json_object_set_new(o, "in_progress", json_boolean(m->start_ms <= st->generated_ms));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The endpoint pv/ep of st, or NULL. */
static const struct report_status_ep *
status_find(const struct report_status *st, const char *provider, const char *endpoint)
{
	for (size_t i = 0; i < st->n_eps; i++)
		if (strcmp(st->eps[i].provider, provider) == 0 &&
		    strcmp(st->eps[i].endpoint, endpoint) == 0)
			return &st->eps[i];
	return NULL;
}

/*
 * A provider's standing in each watched trusted list (SPEC §13), as its page shows it:
 * [{"list": {"provider", "endpoint"}, "territory", "sequence", "qualified",
 *   "endpoints": [{"endpoint", "kind", "status", "service"}]}], a list only when the
 * provider has an OCSP, CRL or TSA endpoint to match.
 */
static json_t *
qualified_json(const struct report_status *st, const struct report_status_provider *pv)
{
	static const char *const names[] = { [QUAL_UNKNOWN] = "no_certificate",
	    [QUAL_NOT_LISTED] = "not_listed", [QUAL_GRANTED] = "qualified",
	    [QUAL_NOT_GRANTED] = "not_qualified" };
	json_t *arr = json_array();

	for (size_t l = 0; l < st->n_lists; l++) {
		const struct report_status_list *ls = &st->lists[l];
		const struct report_status_ep *tl = status_find(st, ls->provider->id, ls->endpoint);
		const char *terr = tl && tl->details ?
		    json_string_value(json_object_get(tl->details, "territory")) : NULL;
		json_t *o, *eps = json_array(), *who = json_object();
		bool any = false;

		for (size_t j = 0; j < pv->n_eps; j++) {
			const struct report_status_ep *e = &pv->eps[j];
			const json_t *svc = NULL;
			enum qualified q;
			json_t *r, *sv = json_null();

			if (strcmp(e->kind, "ocsp") != 0 && strcmp(e->kind, "crl") != 0 &&
			    strcmp(e->kind, "tsa") != 0)
				continue;
			q = qualified_match(ls->snap, e->details, pv->conf && pv->conf->name ?
			    pv->conf->name : NULL, &svc);
			any |= q == QUAL_GRANTED;
			if (svc != NULL) {
				sv = json_object();
				json_object_set_new(sv, "name", report_json_str(json_string_value(
				    json_object_get(svc, "name"))));
				json_object_set_new(sv, "type", report_json_str(json_string_value(
				    json_object_get(svc, "type"))));
				json_object_set_new(sv, "status", report_json_str(json_string_value(
				    json_object_get(svc, "status"))));
				json_object_set_new(sv, "tsp", report_json_str(json_string_value(
				    json_object_get(svc, "tsp"))));
			}
			r = json_object();
			json_object_set_new(r, "endpoint", report_json_str(e->endpoint));
			json_object_set_new(r, "kind", json_string(e->kind));
			json_object_set_new(r, "status", json_string(names[q]));
			json_object_set_new(r, "service", sv);
			json_array_append_new(eps, r);
		}
		if (json_array_size(eps) == 0) {
			json_decref(eps);
			json_decref(who);
			continue;
		}
		o = json_object();
		json_object_set_new(who, "provider", report_json_str(ls->provider->id));
		json_object_set_new(who, "endpoint", report_json_str(ls->endpoint));
		json_object_set_new(o, "list", who);
		json_object_set_new(o, "territory", terr ? report_json_str(terr) : json_null());
		json_object_set_new(o, "sequence", json_integer(json_integer_value(
		    json_object_get(ls->snap, "seq"))));
		json_object_set_new(o, "qualified", json_boolean(any));
		json_object_set_new(o, "endpoints", eps);
		json_array_append_new(arr, o);
	}
	return arr;
}

char *
report_json_status(const struct report_status *st)
{
	json_t *doc = json_object(), *provs = json_array(), *all = json_array();
	const char *top = "unknown";

	for (size_t i = 0; i < st->n_providers; i++) {
		const struct report_status_provider *pv = &st->providers[i];
		json_t *p = json_object(), *eps = json_array();
		const char *pw = "unknown";

		for (size_t j = 0; j < pv->n_eps; j++) {
			const struct report_status_ep *e = &pv->eps[j];
			json_t *o = status_ep(e, st->generated_ms);

			vantage_fields(o, st->vantage, e);

			json_array_append(eps, o);
			json_array_append_new(all, o);
			if (e->probed && !e->maintenance)
				pw = worse(pw, status_names[e->status]);
		}
		json_object_set_new(p, "id", report_json_str(pv->id));
		json_object_set_new(p, "name", report_json_str(pv->name ? pv->name : pv->id));
		json_object_set_new(p, "status", json_string(pw));
		json_object_set_new(p, "endpoints", eps);
		json_object_set_new(p, "qualified", qualified_json(st, pv));
		json_array_append_new(provs, p);
		top = worse(top, pw);
	}
	json_object_set_new(doc, "title", report_json_str(st->title));
	json_object_set_new(doc, "generated", report_json_time(st->generated_ms));
	json_object_set_new(doc, "timezone", report_json_str(st->timezone ? st->timezone : "UTC"));
	json_object_set_new(doc, "status", json_string(top));
	json_object_set_new(doc, "providers", provs);
	json_object_set_new(doc, "endpoints", all);
	json_object_set_new(doc, "maintenance", maintenance_json(st));
	if (st->vantage != NULL) {
		json_t *vp = json_object();

		json_object_set_new(vp, "nodes", json_integer((json_int_t)st->vantage->n_nodes));
		json_object_set_new(vp, "live", json_integer((json_int_t)st->vantage->n_live));
		json_object_set_new(doc, "vantage_points", vp);
	} else {
		json_object_set_new(doc, "vantage_points", json_null());
	}
	return dump_line(doc);
}

char *
report_json_incidents(int64_t generated_ms, const struct report_incident *rows, size_t n)
{
	json_t *doc = json_object(), *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct store_incident *in = &rows[i].in;
		json_t *o = report_json_incident(in), *notes = json_array();

		json_object_set_new(o, "kind", report_json_str(in->kind ? in->kind : ""));
		json_object_set_new(o, "worst", report_json_str(in->worst ? in->worst : ""));
		json_object_set_new(o, "message", report_json_str(in->message));
		for (size_t k = 0; k < rows[i].n_notes; k++) {
			json_t *nt = json_object();

			json_object_set_new(nt, "time", report_json_time(rows[i].notes[k].time_ms));
			json_object_set_new(nt, "text", report_json_str(rows[i].notes[k].text));
			json_array_append_new(notes, nt);
		}
		json_object_set_new(o, "notes", notes);
		if (rows[i].caused_by > 0) {
			json_t *cb = json_object();

			json_object_set_new(cb, "id", json_integer(rows[i].caused_by));
			json_object_set_new(cb, "provider", report_json_str(rows[i].caused_by_provider));
			json_object_set_new(cb, "start", report_json_time(rows[i].caused_by_start_ms));
			json_object_set_new(o, "caused_by", cb);
		} else
			json_object_set_new(o, "caused_by", json_null());
		{
			json_t *cs = json_array();

			for (size_t k = 0; k < rows[i].n_caused; k++)
				json_array_append_new(cs, json_integer(rows[i].caused[k]));
			json_object_set_new(o, "caused", cs);
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "generated", report_json_time(generated_ms));
	json_object_set_new(doc, "incidents", arr);
	return dump_line(doc);
}

char *
report_json_nodes(const struct report_vantage *v)
{
	json_t *doc = json_object(), *arr = json_array();

	for (size_t i = 0; i < v->n_nodes; i++) {
		const struct report_node *n = &v->nodes[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", report_json_str(n->id));
		json_object_set_new(o, "location", report_json_str(n->location));
		json_object_set_new(o, "last_seen", report_json_time(n->last_seen_ms));
		json_object_set_new(o, "last_seen_ago_s", json_integer(
		    (v->now_ms - n->last_seen_ms) / 1000));
		json_object_set_new(o, "live", json_boolean(n->live));
		json_object_set_new(o, "leader", json_boolean(n->leader));
		json_object_set_new(o, "started", report_json_time(n->started_ms));
		json_object_set_new(o, "results_24h", json_integer(n->results_24h));
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "generated", report_json_time(v->now_ms));
	json_object_set_new(doc, "live_window_s", json_integer(v->live_ms / 1000));
	json_object_set_new(doc, "quorum", v->quorum > 0 ? json_integer(v->quorum) :
	    json_string("majority"));
	json_object_set_new(doc, "live", json_integer((json_int_t)v->n_live));
	json_object_set_new(doc, "nodes", arr);
	return dump_line(doc);
}

/* The ids of v (indices into c->providers) as a JSON array. */
static json_t *
ids_json(const struct conf *c, const size_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, report_json_str(c->providers[v[i]].id));
	return a;
}

static json_t *
deps_list_json(const struct conf_dep *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, report_json_str(v[i].id));
	return a;
}

char *
report_json_dependencies(const struct conf *c, const struct deps *d, int64_t generated_ms)
{
	json_t *doc = json_object(), *provs = json_array(), *svcs = json_array();

	for (size_t i = 0; d != NULL && i < c->n_providers; i++) {
		const struct conf_provider *pv = &c->providers[i];
		const struct deps_node *nd = &d->node[i];

		if (nd->n_dependants > 0) {
			json_t *o = json_object();

			json_object_set_new(o, "id", report_json_str(pv->id));
			json_object_set_new(o, "name", report_json_str(pv->name));
			json_object_set_new(o, "dependants", ids_json(c, nd->dependants, nd->n_dependants));
			json_object_set_new(o, "spof_for", ids_json(c, nd->spof_for, nd->n_spof_for));
			json_array_append_new(provs, o);
		}
		if (nd->relying) {
			json_t *o = json_object(), *spofs = json_array();

			json_object_set_new(o, "id", report_json_str(pv->id));
			json_object_set_new(o, "name", report_json_str(pv->name));
			json_object_set_new(o, "depends_on", deps_list_json(pv->depends_on, pv->n_depends_on));
			json_object_set_new(o, "alternatives",
			    deps_list_json(pv->alternatives, pv->n_alternatives));
			json_object_set_new(o, "paths", json_integer(nd->paths));
			json_object_set_new(o, "paths_at_least", json_boolean(nd->paths >= DEPS_PATHS_MAX));
			for (size_t j = 0; j < c->n_providers; j++)
				for (size_t k = 0; k < d->node[j].n_spof_for; k++)
					if (d->node[j].spof_for[k] == i)
						json_array_append_new(spofs, report_json_str(c->providers[j].id));
			json_object_set_new(o, "single_points_of_failure", spofs);
			json_array_append_new(svcs, o);
		}
	}
	json_object_set_new(doc, "generated", report_json_time(generated_ms));
	json_object_set_new(doc, "providers", provs);
	json_object_set_new(doc, "services", svcs);
	return dump_line(doc);
}
