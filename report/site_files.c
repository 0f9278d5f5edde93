/* The machine-readable files at the site root: api/ JSON, exports/ CSV, feed.atom. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "feed.h"
#include "json.h"
#include "site_int.h"
#include "vantage.h"
#include "../core/deps.h"

/* Writes the JSON text doc (taken) to rel. */
static int
write_doc(struct site *s, const char *rel, char *doc)
{
	int rc = site_write(s, rel, doc, strlen(doc));

	free(doc);
	return rc;
}

/*
 * api/status.json and api/incidents.json: the same collector and writer as the live
 * /api/v1/status and /api/v1/incidents (report/json.h), so they cannot differ.
 */
int
site_api(struct site *s)
{
	struct report_status st;
	struct report_incident *rows;
	struct report_note *notes;
	size_t n_notes = 0, k = 0;
	int rc;

	if (report_status_state(s->conf, s->st, s->now, &st) != 0) {
		site_fail(s, "store: %s", store_error(s->st));
		return -1;
	}
	/* The windows site_collect summed with the same store_uptime calls: not summed twice. */
	_Static_assert(REPORT_WINDOWS == WIN__MAX, "the site's windows are the API's");
	for (size_t i = 0; i < st.n_eps; i++) {
		if (i >= s->n_eps || st.eps[i].endpoint != s->eps[i].conf->id ||
		    st.eps[i].provider != s->eps[i].prov->id) {
			if (report_status_windows(s->st, s->now, &st) != 0) {
				report_status_free(&st);
				site_fail(s, "store: %s", store_error(s->st));
				return -1;
			}
			break;
		}
		memcpy(st.eps[i].win, s->eps[i].win, sizeof(st.eps[i].win));
		memcpy(st.eps[i].have_win, s->eps[i].have_win, sizeof(st.eps[i].have_win));
	}
	if ((st.vantage = site_vantage(s)) == NULL) {
		report_status_free(&st);
		return -1;
	}
	rc = write_doc(s, "api/status.json", report_json_status(&st));
	report_status_free(&st);
	if (rc != 0 || write_doc(s, "api/nodes.json", report_json_nodes(s->vantage)) != 0)
		return -1;
	for (size_t i = 0; i < s->n_inc; i++)
		n_notes += s->inc[i].n_notes;
	rows = xcalloc(s->n_inc ? s->n_inc : 1, sizeof(*rows));
	notes = xcalloc(n_notes ? n_notes : 1, sizeof(*notes));
	for (size_t i = 0; i < s->n_inc; i++) {		/* newest first */
		const struct site_incident *in = &s->inc[s->n_inc - 1 - i];

		rows[i].in = (struct store_incident){ .id = in->id, .provider = in->provider,
		    .endpoint = in->endpoint, .kind = in->kind, .start_ms = in->start_ms,
		    .end_ms = in->end_ms, .worst = in->worst, .reasons = in->reasons,
		    .message = in->message };
		rows[i].notes = &notes[k];
		rows[i].n_notes = in->n_notes;
		for (size_t j = 0; j < in->n_notes; j++, k++)
			notes[k] = (struct report_note){ in->notes[j].time_ms, in->notes[j].text };
	}
	report_incidents_link(s->conf, rows, s->n_inc);
	rc = write_doc(s, "api/incidents.json", report_json_incidents(s->now, rows, s->n_inc));
	report_incidents_unlink(rows, s->n_inc);
	free(rows);
	free(notes);
	if (rc != 0)
		return -1;
	return write_doc(s, "api/dependencies.json",
	    report_json_dependencies(s->conf, s->deps, s->now));
}

struct daily_ctx {
	FILE		*f;
	char		 first[11];
};

static int
on_daily_csv(const struct store_rollup *r, void *arg)
{
	struct daily_ctx *d = arg;

	csv_daily(d->f, r);
	if (d->first[0] == '\0' || strcmp(r->day, d->first) < 0)
		snprintf(d->first, sizeof(d->first), "%s", r->day);
	return 0;
}

/* exports/incidents.csv: every incident, oldest first, as `export --what incidents`. */
static void
incidents_csv(struct site *s)
{
	char *path = site_path(s, "exports/incidents.csv");
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		site_fail(s, "%s: %s", path, strerror(errno));
		free(path);
		return;
	}
	csv_header(f, CSV_INCIDENTS_HEADER);
	for (size_t i = 0; i < s->n_inc; i++) {
		const struct site_incident *in = &s->inc[i];
		struct store_incident si = { .id = in->id, .provider = in->provider,
		    .endpoint = in->endpoint, .kind = in->kind, .start_ms = in->start_ms,
		    .end_ms = in->end_ms, .worst = in->worst, .reasons = in->reasons,
		    .message = in->message };

		csv_incident(f, &si);
	}
	if (fclose(f) != 0)
		site_fail(s, "%s: %s", path, strerror(errno));
	free(path);
}

int
site_exports(struct site *s, const char *old_dir)
{
	struct daily_ctx d = { 0 };
	char *path = site_path(s, "exports/daily.csv");
	int y, mo;

	if ((d.f = fopen(path, "w")) == NULL) {
		site_fail(s, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	csv_header(d.f, CSV_DAILY_HEADER);
	if (site_each_daily(s, "0000-01-01", "9999-12-31", on_daily_csv, &d) != 0)
		site_fail(s, "store: %s", store_error(s->st));
	if (fclose(d.f) != 0)
		site_fail(s, "%s: %s", path, strerror(errno));
	free(path);
	incidents_csv(s);
	site_conformance_csv(s);
	if (s->err != NULL || d.first[0] == '\0' || sscanf(d.first, "%4d-%2d", &y, &mo) != 2)
		return s->err ? -1 : 0;
	return site_results_csv(s, old_dir, y, mo);
}

int
site_feed(struct site *s, struct i18n *t)
{
	struct buf b = { 0 };
	int64_t updated = 0;
	int rc;

	for (size_t i = 0; i < s->n_inc; i++)
		if (s->inc[i].updated_ms > updated)
			updated = s->inc[i].updated_ms;
	feed_begin(&b, s->conf->report.title, s->conf->report.base_url, updated ? updated : s->now);
	/* Announced maintenance not over yet, in progress or ahead. */
	for (size_t i = 0; i < s->conf->n_maintenance; i++) {
		const struct conf_maintenance *m = &s->conf->maintenance[i];
		struct buf title = { 0 }, content = { 0 };
		char link[160], urn[160], from[64], to[64];
		struct feed_entry e = { .published_ms = m->start_ms, .updated_ms = m->start_ms };

		if (m->end_ms <= s->now)
			continue;
		buf_printf(&title, "%s: %s%s%s (%s)", i18n_get(t, "Planned maintenance"),
		    site_provider_name(s, m->provider), m->endpoint ? " / " : "",
		    m->endpoint ? m->endpoint : "", m->start_ms <= s->now ?
		    i18n_get(t, "in progress") : i18n_get(t, "announced"));
		i18n_datetime(t, s->tz, m->start_ms, from, sizeof(from));
		i18n_datetime(t, s->tz, m->end_ms, to, sizeof(to));
		buf_printf(&content, "%s \xE2\x80\x93 %s\n%s", from, to, m->note ? m->note : "");
		e.title = (const char *)title.data;
		e.content = (const char *)content.data;
		snprintf(link, sizeof(link), "index.html#maintenance-%zu-%lld", i,
		    (long long)(m->start_ms / 1000));
		snprintf(urn, sizeof(urn), "urn:trustwatch:maintenance:%zu:%lld", i,
		    (long long)(m->start_ms / 1000));
		e.urn = urn;
		feed_add(&b, s->conf->report.base_url, &e, link);
		buf_free(&title);
		buf_free(&content);
	}
	/* The latest SITE_INC_PAGE incidents; the older ones are on the incident pages. */
	for (size_t i = s->n_inc; i-- > 0 && s->n_inc - i <= SITE_INC_PAGE;) {
		const struct site_incident *in = &s->inc[i];
		struct buf title = { 0 }, content = { 0 };
		char link[64], when[64], dur[64];
		struct feed_entry e = { .id = in->id, .published_ms = in->start_ms,
		    .updated_ms = in->updated_ms };

		buf_printf(&title, "#%lld %s / %s: %s (%s)%s", (long long)in->id,
		    site_provider_name(s, in->provider), in->endpoint, in->worst, in->reasons,
		    in->end_ms < 0 ? "" : " \xE2\x80\x94 ");
		if (in->end_ms >= 0)
			buf_printf(&title, "%s", i18n_get(t, "resolved"));
		i18n_datetime(t, s->tz, in->start_ms, when, sizeof(when));
		buf_printf(&content, "%s: %s\n", i18n_get(t, "Start"), when);
		if (in->end_ms >= 0) {
			i18n_datetime(t, s->tz, in->end_ms, when, sizeof(when));
			i18n_duration(t, in->end_ms - in->start_ms, dur, sizeof(dur));
			buf_printf(&content, "%s: %s\n%s: %s\n", i18n_get(t, "End"), when,
			    i18n_get(t, "Duration"), dur);
		}
		if (in->message != NULL)
			buf_printf(&content, "%s\n", in->message);
		e.updated_ms = site_deps_feed(s, t, in, &content, e.updated_ms);
		for (size_t k = 0; k < in->n_notes; k++) {
			i18n_datetime(t, s->tz, in->notes[k].time_ms, when, sizeof(when));
			buf_printf(&content, "\n%s \xE2\x80\x94 %s\n", when, in->notes[k].text);
		}
		e.title = (const char *)title.data;
		e.content = (const char *)content.data;
		snprintf(link, sizeof(link), "incidents/%lld.html", (long long)in->id);
		feed_add(&b, s->conf->report.base_url, &e, link);
		buf_free(&title);
		buf_free(&content);
	}
	if (site_has_changes(s))
		site_changes_feed(s, t, &b);
	feed_end(&b);
	rc = site_write(s, "feed.atom", b.data, b.len);
	buf_free(&b);
	return rc;
}
